import KeyLeakInput
import KeyLeakMatching
/// The ssh.com / SECSH private key format
/// (`---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`, despite the name also
/// unencrypted): magic 0x3f6ff9eb, key type, cipher, then the key data.
package enum SSH2Key {
    package static func analyze(body: [UInt8]) -> KeyFacts? {
        guard let bytes = PrivateKey.decodeBody(body), bytes.count >= 16 else { return nil }
        var r = SSHWireReader(bytes)
        guard r.uint32() == 0x3f6f_f9eb, let total = r.uint32() else { return nil }
        let truncatedTotal = Int(total) > bytes.count
        guard let keyType = r.text(), let cipher = r.text() else {
            return bytes.count >= PrivateKey.minimumFragment ? KeyFacts(format: .ssh2, truncated: true) : nil
        }
        let algorithm: String? = keyType.hasPrefix("if-modn") ? "RSA" : keyType.hasPrefix("dl-modp") ? "DSA"
            : keyType.hasPrefix("ec-modp") ? "EC" : nil
        guard algorithm != nil || keyType.contains("{") else { return nil }
        let encrypted = cipher != "none"
        guard let data = r.string() else {
            return KeyFacts(format: .ssh2, encrypted: encrypted, truncated: true, declaredAlgorithm: algorithm)
        }
        var identity: Fingerprint?
        if !encrypted { identity = publicKey(keyData: data, algorithm: algorithm) }
        return KeyFacts(format: .ssh2, encrypted: encrypted, truncated: truncatedTotal, identity: identity,
                        declaredAlgorithm: algorithm)
    }

    /// Reads the public half from clear key data: a length, then for RSA
    /// e, d, n, u, p, q and for DSA 0, p, g, q, y, x, each as a bit count and bytes.
    private static func publicKey(keyData: [UInt8], algorithm: String?) -> Fingerprint? {
        var r = SSHWireReader(keyData)
        guard r.uint32() != nil else { return nil }
        func mp() -> [UInt8]? {
            guard let bits = r.uint32(), bits <= 16384 else { return nil }
            return r.raw((Int(bits) + 7) / 8)
        }
        switch algorithm {
        case "RSA":
            guard let e = mp(), mp() != nil, let n = mp() else { return nil }
            return Fingerprint(spki: DER.rsaPublicKey(modulus: n, exponent: e))
        case "DSA":
            guard r.uint32() == 0, let p = mp(), let g = mp(), let q = mp(), let y = mp() else { return nil }
            return Fingerprint(spki: DER.dsaPublicKey(p: p, q: q, g: g, y: y))
        default:
            return nil
        }
    }
}
