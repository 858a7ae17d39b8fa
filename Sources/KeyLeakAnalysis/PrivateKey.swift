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

    /// A DER private key (PKCS#8, PKCS#1, SEC1, DSA) that OpenSSL opens; also
    /// a whole key in python-jose's malformed PKCS#8, and a well-formed
    /// PrivateKeyInfo of an algorithm OpenSSL cannot read.
    package static func analyze(der: [UInt8]) -> KeyFacts? {
        if let inner = legacyJoseRSAKey(der) {
            return analyze(der: inner).map { facts in
                var facts = facts
                facts.format = .pkcs8
                facts.malformed = true
                return facts
            }
        }
        // NOTE: OpenSSL's decoders are costly (locks, name lookups); most
        // candidates (certificates, other base64) fail this cheap shape check first.
        guard let format = structure(der), let outer = DER.read(der, at: 0), !outer.truncated else { return nil }
        let facts = ParsedKeyCache.shared.facts(for: der) { der in
            // NOTE: OpenSSL 3.0 refuses some PKCS#8 v2 (OneAsymmetricKey, RFC 5958)
            // keys with attributes or a public key (RFC 8410's Ed25519 example); the
            // same key without them is version 0 with the algorithm and private key alone.
            guard let key = OpenSSLKey.privateKey(der: der) ?? (format == .pkcs8 ? minimalPrivateKeyInfo(der).flatMap(OpenSSLKey.privateKey(der:)) : nil),
                  let identity = Fingerprint(key: key) else {
                return format == .pkcs8 ? unreadablePrivateKeyInfo(der) : nil
            }
            return KeyFacts(format: format, identity: identity)
        }
        // `scan --verify` signs with it once linking says whose key it is.
        SigningKeys.shared.record(der: der, facts: facts)
        return facts
    }

    /// A PrivateKeyInfo with attributes or a public key (version 1) as version
    /// 0 with its algorithm and private key alone; nil when `der` has neither
    /// or is not a whole PrivateKeyInfo.
    package static func minimalPrivateKeyInfo(_ der: [UInt8]) -> [UInt8]? {
        guard let outer = DER.read(der, at: 0), outer.tag == 0x30, !outer.truncated, outer.end == der.count else { return nil }
        let fields = DER.children(der, of: outer)
        guard (4...5).contains(fields.count), fields.last?.end == outer.end, !fields.contains(where: \.truncated),
              fields[0].tag == 0x02, fields[1].tag == 0x30, fields[2].tag == 0x04,
              fields.dropFirst(3).allSatisfy({ [0xa0, 0xa1, 0x81].contains($0.tag) }) else { return nil }
        return DER.sequence(DER.encode(0x02, [0]), Array(der[fields[1].start..<fields[1].end]), Array(der[fields[2].start..<fields[2].end]))
    }

    /// The RSAPrivateKey inside the PKCS#8 that python-jose's rsa backend wrote
    /// before 3.3: a fixed header (with an outer length that is often wrong) and
    /// the PKCS#1 key right after the algorithm, where an OCTET STRING should wrap it.
    package static func legacyJoseRSAKey(_ der: [UInt8]) -> [UInt8]? {
        guard der.count > 64, let outer = DER.read(der, at: 0), outer.tag == 0x30,
              let version = DER.read(der, at: outer.value.lowerBound), version.tag == 0x02, !version.truncated,
              let algorithm = DER.read(der, at: version.end), algorithm.tag == 0x30, !algorithm.truncated,
              let oid = DER.read(der, at: algorithm.value.lowerBound), oid.tag == 0x06, !oid.truncated,
              KeyAlgorithmOID.dotted(der[oid.value]) == "1.2.840.113549.1.1.1",
              let inner = DER.read(der, at: algorithm.end), inner.tag == 0x30, !inner.truncated else { return nil }
        return Array(der[algorithm.end..<inner.end])
    }

    /// Facts of a well-formed PrivateKeyInfo (version, algorithm, a private key
    /// of 16 bytes or more, optional attributes and public key, nothing else)
    /// whose algorithm OpenSSL cannot read; nil for anything else, and for the
    /// algorithms OpenSSL always reads (such a key is damaged).
    package static func unreadablePrivateKeyInfo(_ der: [UInt8]) -> KeyFacts? {
        guard let outer = DER.read(der, at: 0), outer.tag == 0x30, !outer.truncated, outer.end == der.count else { return nil }
        let fields = DER.children(der, of: outer)
        guard (3...5).contains(fields.count), fields.last?.end == outer.end, !fields.contains(where: \.truncated),
              fields[0].tag == 0x02, fields[0].value.count == 1, der[fields[0].value.lowerBound] <= 1,
              fields[1].tag == 0x30, let oid = DER.read(der, at: fields[1].value.lowerBound), oid.tag == 0x06, !oid.truncated,
              oid.end <= fields[1].end, let dotted = KeyAlgorithmOID.dotted(der[oid.value]),
              !KeyAlgorithmOID.readable.contains(dotted),
              fields[2].tag == 0x04, fields[2].value.count >= 16,
              fields.dropFirst(3).allSatisfy({ [0xa0, 0xa1, 0x81].contains($0.tag) }) else { return nil }
        let parameters = oid.end < fields[1].end ? DER.read(der, at: oid.end) : nil
        var name = KeyAlgorithmOID.name(dotted) ?? "OID \(dotted)"
        if dotted == KeyAlgorithmOID.ecPublicKey, parameters?.tag == 0x30 { name = "EC (explicit parameters)" }
        var facts = KeyFacts(format: .pkcs8, declaredAlgorithm: name)
        facts.algorithmOID = dotted
        facts.derSHA256 = "SHA256:" + Base64.encode(Digest.sha256(der), padded: false)
        return facts
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
