/// Reads the identity of every key in a key file, public or private, for
/// `keyleak fingerprint`: PEM (private, `PUBLIC KEY`, `RSA PUBLIC KEY`),
/// DER, OpenSSH public key lines, and anything the scanner finds as a key.
public enum KeyFile {
    public struct Entry: Sendable {
        /// What kind of key: `private`, `public`, `ssh-public`.
        public var kind: String
        public var identity: Fingerprint?
        public var facts: KeyFacts?
    }

    public static func identities(of bytes: [UInt8], ruleSet: RuleSet) -> [Entry] {
        var entries: [Entry] = []
        // Private keys in any armour or embedding: the scanner's own analysis.
        let scanner = BlobScanner(ruleSet: ruleSet)
        for finding in scanner.scan(path: "", bytes: bytes) {
            guard let key = finding.key else { continue }
            entries.append(Entry(kind: "private", identity: key.identity, facts: key))
        }
        // PEM public keys.
        let text = String(decoding: bytes, as: UTF8.self)
        for label in ["PUBLIC KEY", "RSA PUBLIC KEY"] {
            var search = text[...]
            while let begin = search.range(of: "-----BEGIN \(label)-----") {
                guard let end = search.range(of: "-----END \(label)-----", range: begin.upperBound..<search.endIndex) else { break }
                let body = search[begin.upperBound..<end.lowerBound].utf8.filter { Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") }
                if let der = Base64.decode(body) {
                    let key = label == "PUBLIC KEY" ? OpenSSLKey.publicKey(spki: der) : OpenSSLKey.rsaPublicKey(pkcs1: der)
                    entries.append(Entry(kind: "public", identity: key.flatMap { Fingerprint(key: $0) }))
                }
                search = search[end.upperBound...]
            }
        }
        // OpenSSH public key lines: `ssh-ed25519 AAAA… comment`.
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[0].hasPrefix("ssh-") || fields[0].hasPrefix("ecdsa-sha2-"),
                  let blob = Base64.decode(Array(fields[1].utf8)) else { continue }
            entries.append(Entry(kind: "ssh-public", identity: Fingerprint(sshBlob: blob)))
        }
        // Binary DER: a private key, a SubjectPublicKeyInfo or a PKCS#1 public key.
        if entries.isEmpty, bytes.first == 0x30 {
            if let facts = PrivateKey.analyze(der: bytes) {
                entries.append(Entry(kind: "private", identity: facts.identity, facts: facts))
            } else if let key = OpenSSLKey.publicKey(spki: bytes) ?? OpenSSLKey.rsaPublicKey(pkcs1: bytes) {
                entries.append(Entry(kind: "public", identity: Fingerprint(key: key)))
            }
        }
        return entries
    }
}
