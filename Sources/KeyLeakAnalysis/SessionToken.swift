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

    /// The claims of the JWT `text` (`header.payload.signature`, base64url
    /// segments; whitespace and other characters outside the alphabet are
    /// skipped as Python's decoder skips them); nil unless header and payload
    /// are JSON objects.
    package static func parse(_ text: [UInt8]) -> SessionToken? {
        guard let lastDot = text.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let signingInput = text[..<lastDot]
        guard let firstDot = signingInput.firstIndex(of: UInt8(ascii: ".")),
              json(signingInput[..<firstDot]) != nil,
              let payload = json(signingInput[(firstDot + 1)...]) else { return nil }
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
        var characters = segment.compactMap { b -> UInt8? in
            switch b {
            case UInt8(ascii: "-"): return UInt8(ascii: "+")
            case UInt8(ascii: "_"): return UInt8(ascii: "/")
            default: return Base64.isAlphabet(b) ? b : nil
            }
        }
        guard characters.count % 4 != 1 else { return nil }
        while characters.count % 4 != 0 { characters.append(UInt8(ascii: "=")) }
        guard let bytes = Base64.decode(characters) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
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
