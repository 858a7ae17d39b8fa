import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signs an OCI API request exactly as the OCI SDK's `oci.signer.Signer`
/// does for a request without a body (draft-cavage HTTP Signatures): the
/// signing string is the lines `date: …`, `(request-target): get /path` and
/// `host: …` joined by newlines, signed with RSASSA-PKCS1-v1_5 over SHA-256
/// (deterministic, so the header is byte for byte the SDK's for the same
/// date), and the `Authorization` header is the SDK's template:
/// `Signature algorithm="rsa-sha256",headers="date (request-target) host",keyId="<tenancy>/<user>/<fingerprint>",signature="<base64>",version="1"`.
///
/// Only the signature leaves the process; the key never does.
package struct OCIRequestSigner {
    /// The headers signed, in order (the SDK's `generic_headers`).
    package static let signedHeaders = ["date", "(request-target)", "host"]

    /// `tenancy/user/fingerprint`: which key OCI checks the signature with.
    package let keyID: String
    private let key: OpenSSLKey

    /// A signer for the key `key`, registered as `fingerprint` for `user` in `tenancy`.
    package init(tenancy: String, user: String, fingerprint: String, key: OpenSSLKey) {
        keyID = tenancy + "/" + user + "/" + fingerprint
        self.key = key
    }

    /// The string the signature covers, for `method` (lowercased, as the SDK
    /// does) on `path` (with its query, if any) at `host` (`name[:port]`, the
    /// URL's netloc), dated `date` (an HTTP date, `httpDate`).
    package static func signingString(method: String, path: String, host: String, date: String) -> String {
        "date: \(date)\n(request-target): \(method.lowercased()) \(path)\nhost: \(host)"
    }

    /// The `Authorization` header value; nil when the key cannot sign (not RSA).
    package func authorization(method: String, path: String, host: String, date: String) -> String? {
        let text = OCIRequestSigner.signingString(method: method, path: path, host: host, date: date)
        guard let signature = key.signSHA256(Array(text.utf8)) else { return nil }
        return "Signature algorithm=\"rsa-sha256\",headers=\"\(OCIRequestSigner.signedHeaders.joined(separator: " "))\","
            + "keyId=\"\(keyID)\",signature=\"\(Base64.encode(signature, padded: true))\",version=\"1\""
    }

    /// An HTTP date (RFC 7231 IMF-fixdate, what Python's
    /// `email.utils.formatdate(usegmt=True)` writes): `Thu, 05 Jan 2014 21:31:40 GMT`.
    /// Formatted by hand: day and month names never depend on the locale.
    package static func httpDate(secondsSince1970 seconds: Int) -> String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let t = utc(seconds)
        return "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }

    /// `2026-11-26T03:40:00Z`.
    package static func isoDate(secondsSince1970 seconds: Int) -> String {
        let t = utc(seconds)
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))Z"
    }

    /// Seconds since 1970 now.
    package static func now() -> Int { Int(time(nil)) }

    private static func utc(_ seconds: Int) -> tm {
        var clock = time_t(seconds)
        var t = tm()
        gmtime_r(&clock, &t)
        return t
    }

    private static func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// `value` percent-encoded as the SDK encodes path parameters (Python's
    /// `urllib.parse.quote(value, safe='')`): every byte but `A–Z a–z 0–9 _ . - ~`.
    package static func pathParameter(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }
}
