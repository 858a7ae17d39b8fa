import KeyLeakInput
import KeyLeakMatching
/// Turns a normalised armoured block or a bare DER blob into `KeyFacts` with
/// OpenSSL; nil when the bytes are not (the beginning of) a private key.
package enum PrivateKey {
    /// Fewest decoded bytes that count as a leaked fragment of a key: below this a
    /// "truncated" block holds no more than the structure's fixed header
    /// (documentation shows `MIIEpAIBAAKCAQEA...`).
    package static let minimumFragment = 64

    package static func analyze(_ block: NormalizedBlock) -> KeyFacts? {
        switch block.label {
        case "OPENSSH PRIVATE KEY":
            return OpenSSHKey.analyze(body: block.body)
        case "PGP PRIVATE KEY BLOCK":
            return PGPKey.analyze(block)
        case "SSH2 ENCRYPTED PRIVATE KEY":
            return SSH2Key.analyze(body: block.body)
        default:
            break
        }
        guard let der = decodeBody(block.body) else { return nil }
        let declared = declaredAlgorithm(label: block.label)
        if let procType = block.header("Proc-Type"), procType.contains("ENCRYPTED") {
            // Legacy OpenSSL encryption: the body is ciphertext, whole cipher blocks.
            guard block.header("DEK-Info") != nil, der.count >= minimumFragment else { return nil }
            let whole = der.count % 8 == 0
            return KeyFacts(format: declared.format, encrypted: true, truncated: !whole || !block.closed,
                            declaredAlgorithm: declared.algorithm)
        }
        if block.label == "ENCRYPTED PRIVATE KEY" || block.label.hasPrefix("ENCRYPTED ") {
            if OpenSSLKey.isEncryptedPKCS8(der: der) { return KeyFacts(format: .pkcs8, encrypted: true) }
            return truncatedFacts(der, format: .pkcs8, encrypted: true)
        }
        return analyze(der: der) ?? truncatedFacts(der, format: declared.format, encrypted: false)
            .map { var f = $0; f.declaredAlgorithm = declared.algorithm; return f }
    }

    /// A DER private key (PKCS#8, PKCS#1, SEC1, DSA) that OpenSSL opens.
    package static func analyze(der: [UInt8]) -> KeyFacts? {
        // NOTE: OpenSSL's decoders are costly (locks, name lookups); most
        // candidates (certificates, other base64) fail this cheap shape check first.
        guard let format = structure(der), let outer = DER.read(der, at: 0), !outer.truncated else { return nil }
        return ParsedKeyCache.shared.facts(for: der) { der in
            guard let key = OpenSSLKey.privateKey(der: der), let identity = Fingerprint(key: key) else { return nil }
            return KeyFacts(format: format, identity: identity)
        }
    }

    /// The block as plain PEM again (armour, headers, body wrapped at 64), for OpenSSL's PEM reader.
    package static func canonicalPEM(_ block: NormalizedBlock) -> [UInt8] {
        var text = "-----BEGIN \(block.label)-----\n"
        for header in block.headers { text += "\(header.name): \(header.value)\n" }
        if !block.headers.isEmpty { text += "\n" }
        var i = 0
        while i < block.body.count {
            let end = min(i + 64, block.body.count)
            text += String(decoding: block.body[i..<end], as: UTF8.self) + "\n"
            i = end
        }
        text += "-----END \(block.label)-----\n"
        return Array(text.utf8)
    }

    /// The decoded body; a trailing partial quantum (a cut-off body) is dropped.
    package static func decodeBody(_ body: [UInt8]) -> [UInt8]? {
        var chars = body
        while chars.last == UInt8(ascii: "=") { chars.removeLast() }
        if chars.count % 4 == 1 { chars.removeLast() }
        return Base64.decode(chars)
    }

    /// Names the DER structure of a private key by its first fields.
    package static func structure(_ der: [UInt8]) -> KeyFormat? {
        guard let outer = DER.read(der, at: 0), outer.tag == 0x30 else { return nil }
        let fields = DER.children(der, of: outer)
        guard let version = fields.first, version.tag == 0x02 else { return nil }
        if fields.count >= 2, fields[1].tag == 0x30 { return .pkcs8 }
        if fields.count >= 2, fields[1].tag == 0x04 { return .sec1 }
        if fields.count >= 2, fields[1].tag == 0x02 {
            return fields.count == 6 ? .dsa : .pkcs1
        }
        return nil
    }

    /// Facts for a block that decodes to the start of a key structure but ends
    /// before the length its outer SEQUENCE declares.
    package static func truncatedFacts(_ der: [UInt8], format: KeyFormat, encrypted: Bool) -> KeyFacts? {
        guard der.count >= minimumFragment, let outer = DER.read(der, at: 0), outer.tag == 0x30, outer.truncated else { return nil }
        let fields = DER.children(der, of: outer)
        guard let first = fields.first else { return nil }
        if encrypted {
            // EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier SEQUENCE, OCTET STRING }
            guard first.tag == 0x30 else { return nil }
            return KeyFacts(format: format, encrypted: true, truncated: true)
        }
        // Private keys open with a small INTEGER version (0 or 1).
        guard first.tag == 0x02, first.value.count == 1, der[first.value.lowerBound] <= 1, fields.count >= 2 else { return nil }
        return KeyFacts(format: structure(der) ?? format, truncated: true)
    }

    private static func declaredAlgorithm(label: String) -> (algorithm: String?, format: KeyFormat) {
        switch label {
        case "RSA PRIVATE KEY": return ("RSA", .pkcs1)
        case "EC PRIVATE KEY": return ("EC", .sec1)
        case "DSA PRIVATE KEY": return ("DSA", .dsa)
        default: return (nil, .pkcs8)
        }
    }
}
