import Foundation
import KeyLeakInput
import KeyLeakMatching

/// An OCI security token (what `oci session authenticate` writes to
/// `~/.oci/sessions/<profile>/token`, and what instance and resource
/// principals receive): a JWT whose claims name the user and the tenancy.
/// keyleak reads its claims without the signature (as the SDK's
/// `SecurityTokenContainer` does, with PyJWT) and never prints the token.
public struct SessionToken: Sendable, Hashable {
    /// `sub`: the principal, a user OCID for a CLI session.
    public var subject: String?
    /// `tenant`: the tenancy OCID.
    public var tenancy: String?
    /// `iss`: `authService.oracle.com`.
    public var issuer: String?
    /// `exp`, seconds since 1970: the token is no use after it.
    public var expiresAt: Int?
    /// `sess_exp` (seconds since 1970), when given: until then the token can be refreshed.
    public var sessionExpiresAt: Int?
    /// OCI fingerprint of the session key the token was issued for (its `jwk` claim).
    public var keyFingerprint: String?

    /// A token with these claims.
    public init(subject: String?, tenancy: String?, issuer: String?, expiresAt: Int?, sessionExpiresAt: Int? = nil,
                keyFingerprint: String? = nil) {
        self.subject = subject
        self.tenancy = tenancy
        self.issuer = issuer
        self.expiresAt = expiresAt
        self.sessionExpiresAt = sessionExpiresAt
        self.keyFingerprint = keyFingerprint
    }

    /// Expired at `now` (`exp` in the past); a token without `exp` is not.
    public func isExpired(at now: Date) -> Bool {
        guard let expiresAt else { return false }
        return Double(expiresAt) <= now.timeIntervalSince1970
    }

    /// The claims of the JWT `text` (`header.payload.signature`), decoded
    /// as PyJWT decodes it without verifying: each base64url segment padded
    /// by its length, characters outside the alphabet skipped, header and
    /// payload JSON objects, the signature decodable; nil otherwise.
    package static func parse(_ text: [UInt8]) -> SessionToken? {
        guard let lastDot = text.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let signingInput = text[..<lastDot]
        guard let firstDot = signingInput.firstIndex(of: UInt8(ascii: ".")),
              json(signingInput[..<firstDot]) != nil,
              let payload = json(signingInput[(firstDot + 1)...]),
              pythonBase64URL(text[(lastDot + 1)...]) != nil else { return nil }
        func string(_ key: String) -> String? { payload[key] as? String }
        func seconds(_ key: String) -> Int? {
            if let n = payload[key] as? NSNumber { return n.intValue }
            if let s = payload[key] as? String { return Int(s) }
            return nil
        }
        var fingerprint: String?
        if let jwkText = payload["jwk"] as? String,
           let jwk = (try? JSONSerialization.jsonObject(with: Data(jwkText.utf8))) as? [String: Any] {
            fingerprint = rsaFingerprint(jwk)
        } else if let jwk = payload["jwk"] as? [String: Any] {
            fingerprint = rsaFingerprint(jwk)
        }
        return SessionToken(subject: string("sub"), tenancy: string("tenant"), issuer: string("iss"), expiresAt: seconds("exp"),
                            sessionExpiresAt: seconds("sess_exp"), keyFingerprint: fingerprint)
    }

    /// An OCI token: issued by Oracle's auth service, or for an OCID.
    package var isOCI: Bool {
        (issuer?.lowercased().contains("oracle") ?? false) || (subject?.hasPrefix("ocid1.") ?? false)
            || (tenancy?.hasPrefix("ocid1.") ?? false)
    }

    /// A base64url segment decoded as a JSON object.
    private static func json(_ segment: ArraySlice<UInt8>) -> [String: Any]? {
        guard let bytes = pythonBase64URL(segment) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// PyJWT's `base64url_decode`: `=` added up to the segment's length
    /// modulo 4, then Python's lenient `a2b_base64` (characters outside the
    /// alphabet skipped; decoding ends at the padding that completes a group;
    /// a group left incomplete is an error).
    package static func pythonBase64URL(_ segment: ArraySlice<UInt8>) -> [UInt8]? {
        var input = Array(segment)
        if input.count % 4 > 0 { input += Array(repeating: UInt8(ascii: "="), count: 4 - input.count % 4) }
        var out: [UInt8] = []
        var quad = 0
        var pads = 0
        var left: UInt8 = 0
        for var c in input {
            if c == UInt8(ascii: "=") {
                if quad >= 2 {
                    pads += 1
                    if quad + pads >= 4 { return out }
                }
                continue
            }
            if c == UInt8(ascii: "-") { c = UInt8(ascii: "+") } else if c == UInt8(ascii: "_") { c = UInt8(ascii: "/") }
            guard let v = base64Value(c) else { continue }
            pads = 0
            switch quad {
            case 0: left = v; quad = 1
            case 1: out.append(left << 2 | v >> 4); left = v & 0x0f; quad = 2
            case 2: out.append(left << 4 | v >> 2); left = v & 0x03; quad = 3
            default: out.append(left << 6 | v); quad = 0
            }
        }
        return quad == 0 ? out : nil
    }

    private static func base64Value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// The OCI fingerprint of an RSA JWK (`n`, `e` in base64url).
    private static func rsaFingerprint(_ jwk: [String: Any]) -> String? {
        guard (jwk["kty"] as? String) == "RSA", let n = jwk["n"] as? String, let e = jwk["e"] as? String,
              let modulus = base64url(n), let exponent = base64url(e) else { return nil }
        func integer(_ bytes: [UInt8]) -> [UInt8] {
            let trimmed = Array(bytes.drop { $0 == 0 })
            return DER.encode(0x02, (trimmed.first.map { $0 >= 0x80 } ?? true) ? [0] + trimmed : trimmed)
        }
        let pkcs1 = DER.encode(0x30, integer(modulus) + integer(exponent))
        return OpenSSLKey.rsaPublicKey(pkcs1: pkcs1).flatMap { Fingerprint(key: $0) }?.oci
    }

    private static func base64url(_ text: String) -> [UInt8]? {
        var characters = Array(text.utf8).map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 }
        while characters.count % 4 != 0 { characters.append(UInt8(ascii: "=")) }
        return Base64.decode(characters)
    }
}
