import KeyLeakInput
import KeyLeakMatching
internal import COpenSSL

/// An OpenSSL `EVP_PKEY`, owned: freed in `deinit`, never escaping as a pointer.
package final class OpenSSLKey {
    private let pkey: OpaquePointer

    private init(_ pkey: OpaquePointer) { self.pkey = pkey }
    fileprivate convenience init(owning pkey: OpaquePointer) { self.init(pkey) }
    deinit { EVP_PKEY_free(pkey) }

    /// Parses an unencrypted private key in DER: PKCS#8, PKCS#1 RSA, SEC1 EC or DSA.
    package static func privateKey(der: [UInt8]) -> OpenSSLKey? {
        der.withUnsafeBufferPointer { buffer -> OpenSSLKey? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let key = d2i_AutoPrivateKey(nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return nil
            }
            return OpenSSLKey(key)
        }
    }

    /// Parses a PEM private key, decrypting it with `passphrase` when given.
    /// Never prompts: without a pass phrase an encrypted key simply fails.
    package static func privateKey(pem: [UInt8], passphrase: String? = nil) -> OpenSSLKey? {
        withMemoryBIO(pem) { bio in
            let key: OpaquePointer?
            if let passphrase {
                key = passphrase.withCString { phrase in
                    PEM_read_bio_PrivateKey(bio, nil, { buf, size, rwflag, u in
                        keyleak_password(buf, size, rwflag, u)
                    }, UnsafeMutableRawPointer(mutating: phrase))
                }
            } else {
                key = PEM_read_bio_PrivateKey(bio, nil, { buf, size, rwflag, u in
                    keyleak_no_password(buf, size, rwflag, u)
                }, nil)
            }
            ERR_clear_error()
            return key.map(OpenSSLKey.init)
        }
    }

    /// Parses a DER SubjectPublicKeyInfo.
    package static func publicKey(spki der: [UInt8]) -> OpenSSLKey? {
        der.withUnsafeBufferPointer { buffer -> OpenSSLKey? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let key = d2i_PUBKEY(nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return nil
            }
            return OpenSSLKey(key)
        }
    }

    /// Parses a DER PKCS#1 RSAPublicKey.
    package static func rsaPublicKey(pkcs1 der: [UInt8]) -> OpenSSLKey? {
        der.withUnsafeBufferPointer { buffer -> OpenSSLKey? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let key = d2i_PublicKey(EVP_PKEY_RSA, nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return nil
            }
            return OpenSSLKey(key)
        }
    }

    /// Parses a PEM public key (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    package static func publicKey(pem: [UInt8]) -> OpenSSLKey? {
        let spki = withMemoryBIO(pem) { bio -> OpenSSLKey? in
            let key = PEM_read_bio_PUBKEY(bio, nil, { buf, size, rwflag, u in
                keyleak_no_password(buf, size, rwflag, u)
            }, nil)
            ERR_clear_error()
            return key.map(OpenSSLKey.init)
        }
        return spki
    }

    /// True when `der` is a well-formed PKCS#8 EncryptedPrivateKeyInfo.
    package static func isEncryptedPKCS8(der: [UInt8]) -> Bool {
        der.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress, !der.isEmpty else { return false }
            var cursor: UnsafePointer<UInt8>? = base
            guard let sig = d2i_X509_SIG(nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return false
            }
            X509_SIG_free(sig)
            return true
        }
    }

    /// DER SubjectPublicKeyInfo of the key's public half (what OCI fingerprints).
    package var subjectPublicKeyInfo: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PUBKEY(pkey, &out)
        guard length > 0, let out else { return [] }
        defer { keyleak_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// The private key as DER (PKCS#1 for RSA), for `SigningKeys`; nil for a public key.
    /// NOTE: the bytes are secret: kept in memory, never written anywhere.
    package var privateKeyDER: [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PrivateKey(pkey, &out)
        guard length > 0, let out else {
            ERR_clear_error()
            return nil
        }
        defer { keyleak_openssl_clear_free(out, Int(length)) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (HTTP Signatures' `rsa-sha256`,
    /// deterministic); nil when the key is not an RSA private key or OpenSSL fails.
    package func signSHA256(_ message: [UInt8]) -> [UInt8]? {
        guard algorithm == "RSA", let ctx = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit_ex(ctx, nil, "SHA256", nil, nil, pkey, nil) == 1 else {
            ERR_clear_error()
            return nil
        }
        var length = 0
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(ctx, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1, length > 0 else {
            ERR_clear_error()
            return nil
        }
        var signature = [UInt8](repeating: 0, count: length)
        let ok = message.withUnsafeBufferPointer { tbs in
            signature.withUnsafeMutableBufferPointer { EVP_DigestSign(ctx, $0.baseAddress, &length, tbs.baseAddress, tbs.count) }
        }
        guard ok == 1 else {
            ERR_clear_error()
            return nil
        }
        return Array(signature.prefix(length))
    }

    /// Size in bits (modulus for RSA and DSA, field size for EC).
    package var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

    /// Algorithm name as keyleak reports it: RSA, EC, DSA, Ed25519, X25519, Ed448, X448.
    package var algorithm: String {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS: return "RSA"
        case EVP_PKEY_EC: return "EC"
        case EVP_PKEY_DSA: return "DSA"
        case EVP_PKEY_ED25519: return "Ed25519"
        case EVP_PKEY_X25519: return "X25519"
        case EVP_PKEY_ED448: return "Ed448"
        case EVP_PKEY_X448: return "X448"
        default:
            if let name = EVP_PKEY_get0_type_name(pkey) { return String(cString: name) }
            return "unknown"
        }
    }

    /// The named curve of an EC key (e.g. `prime256v1`), nil for other keys.
    package var curve: String? {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC else { return nil }
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        let ok = EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, &buffer, buffer.count, &length)
        guard ok == 1 else {
            ERR_clear_error()
            return nil
        }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Runs `body` with a read-only memory BIO over `bytes`.
/// SAFETY: `BIO_new_mem_buf` does not copy; the BIO is freed before the bytes go.
private func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
    bytes.withUnsafeBytes { raw -> T? in
        guard let base = raw.baseAddress, let bio = BIO_new_mem_buf(base, Int32(raw.count)) else { return nil }
        defer { BIO_free(bio) }
        return body(bio)
    }
}

extension OpenSSLKey {
    /// The private keys in a PKCS#12 (PFX) file that opens with `password`
    /// (nil for no password); nil when it does not open.
    package static func pkcs12Keys(der: [UInt8], password: String?) -> [OpenSSLKey]? {
        der.withUnsafeBufferPointer { buffer -> [OpenSSLKey]? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let p12 = d2i_PKCS12(nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return nil
            }
            defer { PKCS12_free(p12) }
            var pkey: OpaquePointer?
            var cert: OpaquePointer?
            let ok: Int32 = if let password {
                password.withCString { PKCS12_parse(p12, $0, &pkey, &cert, nil) }
            } else {
                PKCS12_parse(p12, nil, &pkey, &cert, nil)
            }
            if let cert { X509_free(cert) }
            guard ok == 1 else {
                ERR_clear_error()
                return nil
            }
            return pkey.map { [OpenSSLKey(owning: $0)] } ?? []
        }
    }

    /// True when `der` parses as a PKCS#12 structure at all.
    package static func isPKCS12(der: [UInt8]) -> Bool {
        der.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress, !der.isEmpty else { return false }
            var cursor: UnsafePointer<UInt8>? = base
            guard let p12 = d2i_PKCS12(nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return false
            }
            PKCS12_free(p12)
            return true
        }
    }
}

extension OpenSSLKey {
    /// The algorithms a type-specific (non-PKCS#8) private key DER may be.
    package enum TypeSpecific: Sendable {
        /// PKCS#1 RSAPrivateKey (`RSA PRIVATE KEY`).
        case rsa
        /// SEC1 ECPrivateKey (`EC PRIVATE KEY`).
        case ec
        /// OpenSSL's DSA private key (`DSA PRIVATE KEY`).
        case dsa
    }

    /// Parses an unencrypted PKCS#8 PrivateKeyInfo that is exactly `der`
    /// (nothing after it), as strict parsers (Python `cryptography`) do.
    package static func privateKey(pkcs8 der: [UInt8]) -> OpenSSLKey? {
        der.withUnsafeBufferPointer { buffer -> OpenSSLKey? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let info = d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return nil
            }
            defer { PKCS8_PRIV_KEY_INFO_free(info) }
            guard cursor == base + der.count, let key = EVP_PKCS82PKEY(info) else {
                ERR_clear_error()
                return nil
            }
            return OpenSSLKey(owning: key)
        }
    }

    /// Parses a type-specific private key that is exactly `der`.
    package static func privateKey(der: [UInt8], as type: TypeSpecific) -> OpenSSLKey? {
        let id: Int32 = switch type {
        case .rsa: EVP_PKEY_RSA
        case .ec: EVP_PKEY_EC
        case .dsa: EVP_PKEY_DSA
        }
        return der.withUnsafeBufferPointer { buffer -> OpenSSLKey? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let key = d2i_PrivateKey(id, nil, &cursor, Int(der.count)) else {
                ERR_clear_error()
                return nil
            }
            let owned = OpenSSLKey(owning: key)
            return cursor == base + der.count ? owned : nil
        }
    }

    /// Parses a DER SubjectPublicKeyInfo that is exactly `der`, else a
    /// PKCS#1 RSAPublicKey that is exactly `der`.
    package static func publicKey(exactDER der: [UInt8]) -> OpenSSLKey? {
        der.withUnsafeBufferPointer { buffer -> OpenSSLKey? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            if let key = d2i_PUBKEY(nil, &cursor, Int(der.count)) {
                let owned = OpenSSLKey(owning: key)
                if cursor == base + der.count { return owned }
            }
            ERR_clear_error()
            cursor = base
            if let key = d2i_PublicKey(EVP_PKEY_RSA, nil, &cursor, Int(der.count)) {
                let owned = OpenSSLKey(owning: key)
                if cursor == base + der.count { return owned }
            }
            ERR_clear_error()
            return nil
        }
    }

    /// OpenSSL's consistency check of a private key (for RSA: `RSA_check_key`,
    /// primes and exponents; for EC: the point is the private scalar's), what
    /// Python `cryptography` runs when it loads RSA and EC keys.
    package var isConsistent: Bool {
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        let ok = EVP_PKEY_check(ctx) == 1
        ERR_clear_error()
        return ok
    }
}
