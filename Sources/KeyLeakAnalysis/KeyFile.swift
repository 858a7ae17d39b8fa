import KeyLeakInput
import KeyLeakMatching
/// Reads the identity of every key in a key file, public or private, for
/// `keyleak fingerprint`: PEM (private, `PUBLIC KEY`, `RSA PUBLIC KEY`),
/// DER, OpenSSH public key lines, and anything the scanner finds as a key.
public enum KeyFile {
    /// One key found in a file.
    public struct Entry: Sendable {
        /// What kind of key: `private`, `public`, `ssh-public`.
        public var kind: String
        /// The key's public identity, when it could be derived.
        public var identity: Fingerprint?
        /// What analysis learned of a private key; nil for a public key.
        public var facts: KeyFacts?
    }

    /// Every `PUBLIC KEY` (SubjectPublicKeyInfo) and `RSA PUBLIC KEY` (PKCS#1)
    /// block in `text`, with its identity (nil when the block does not parse).
    package static func publicKeys(in text: String) -> [(label: String, identity: Fingerprint?)] {
        var found: [(label: String, identity: Fingerprint?)] = []
        for label in ["PUBLIC KEY", "RSA PUBLIC KEY"] {
            var rest = text[...]
            while let begin = rest.range(of: "-----BEGIN \(label)-----"),
                  let end = rest.range(of: "-----END \(label)-----", range: begin.upperBound..<rest.endIndex) {
                let body = rest[begin.upperBound..<end.lowerBound].utf8.filter { Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") }
                let key = Base64.decode(body).flatMap {
                    label == "PUBLIC KEY" ? OpenSSLKey.publicKey(spki: $0) : OpenSSLKey.rsaPublicKey(pkcs1: $0)
                }
                found.append((label, key.flatMap { Fingerprint(key: $0) }))
                rest = rest[end.upperBound...]
            }
        }
        return found
    }

    /// Every private or public key in `bytes`, in order.
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
        entries += publicKeys(in: text).map { Entry(kind: "public", identity: $0.identity) }
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
