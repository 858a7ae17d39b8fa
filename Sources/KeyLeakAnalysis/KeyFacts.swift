import KeyLeakInput
import KeyLeakMatching
/// What analysis learned about one private key.
public struct KeyFacts: Sendable, Hashable {
    /// Container format: `pkcs1`, `pkcs8`, `sec1`, `dsa`, `openssh`, `ppk2`, `ppk3`, `ssh2`, `pgp`.
    public var format: String
    /// The private half is protected by a pass phrase.
    public var encrypted: Bool
    /// The block is cut short: only the beginning of a key structure is there.
    public var truncated: Bool
    /// The public half's identity, when it could be derived (always for a parsed
    /// key; for OpenSSH and PuTTY files also when encrypted).
    public var identity: Fingerprint?
    /// Algorithm named by the container when the key itself could not be read
    /// (legacy encrypted PEM says `RSA`, `EC` or `DSA` in its label).
    public var declaredAlgorithm: String?

    public init(format: String, encrypted: Bool = false, truncated: Bool = false,
                identity: Fingerprint? = nil, declaredAlgorithm: String? = nil) {
        self.format = format
        self.encrypted = encrypted
        self.truncated = truncated
        self.identity = identity
        self.declaredAlgorithm = declaredAlgorithm
    }

    public var algorithm: String? { identity?.algorithm ?? declaredAlgorithm }

    /// `RSA 2048 (pkcs1)`, `encrypted EC key (pkcs8)`, …
    public var summary: String {
        var words: [String] = []
        if truncated { words.append("truncated") }
        if encrypted { words.append("encrypted") }
        if let name = identity?.summary ?? algorithm { words.append(name) }
        return words.joined(separator: " ") + " private key (\(format))"
    }
}
