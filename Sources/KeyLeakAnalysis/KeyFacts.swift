import KeyLeakInput
import KeyLeakMatching

/// The container format of a private key.
public enum KeyFormat: String, Sendable, Hashable, CaseIterable {
    /// RSAPrivateKey (`RSA PRIVATE KEY`).
    case pkcs1
    /// PrivateKeyInfo or EncryptedPrivateKeyInfo (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`).
    case pkcs8
    /// ECPrivateKey (`EC PRIVATE KEY`).
    case sec1
    /// OpenSSL's DSA private key structure (`DSA PRIVATE KEY`).
    case dsa
    /// `OPENSSH PRIVATE KEY`.
    case openssh
    /// PuTTY `.ppk`, format 2 or 3.
    case ppk2, ppk3
    /// ssh.com / SECSH (`SSH2 ENCRYPTED PRIVATE KEY`).
    case ssh2
    /// OpenPGP secret key block.
    case pgp
    /// A key inside a PKCS#12 container.
    case pkcs12
}

/// How the key's bytes were written where keyleak found them.
public enum KeyEncoding: String, Sendable, Hashable, CaseIterable {
    /// Text armour (PEM, PuTTY, SSH2, PGP), however it was embedded.
    case armoured
    /// A whole PEM file base64-encoded once more (`LS0tLS1CRUdJTi…`).
    case base64PEM = "base64-pem"
    /// The key's DER in base64 with no armour (`MII…`), on one line or several.
    case bareDER = "base64-der"
    /// The key's DER as hex digits (`308204a4020100…`), as test vectors hold it.
    case hexDER = "hex-der"
    /// The key file's bytes in a hex dump (`xxd`, `hexdump -C`, `od`, `xxd -p`).
    case hexDump = "hex-dump"
    /// The key's numbers as OpenSSL's `-text` prints them, in colon hex.
    case opensslText = "openssl-text"
    /// A binary DER file.
    case binaryDER = "der"
    /// Inside a PKCS#12 container that opens without a password or with a
    /// well-known one (the finding's `container` says which).
    case pkcs12
    /// Inside a JKS or JCEKS keystore that a well-known password opens.
    case keystore
}

/// What analysis learned about one private key.
public struct KeyFacts: Sendable, Hashable {
    /// Container format.
    public var format: KeyFormat
    /// How it was written. Default: armoured text.
    public var encoding: KeyEncoding = .armoured
    /// The private half is protected by a pass phrase.
    public var encrypted: Bool
    /// The block is cut short: only the beginning of a key structure is there.
    public var truncated: Bool
    /// An encrypted key that a clear pass phrase found in the scan opened.
    public var decrypted = false
    /// The public half's identity, when it could be derived (always for a parsed
    /// key; for OpenSSH and PuTTY files also when encrypted).
    public var identity: Fingerprint?
    /// The armour disguises the key as a test key: Go's `-----BEGIN RSA TESTING
    /// KEY-----` (its tests replace PRIVATE with TESTING so that scanners pass them by).
    public var testArmour = false
    /// A whole key in a malformed PKCS#8: old python-jose wrote the
    /// RSAPrivateKey without its OCTET STRING, under a wrong outer length.
    public var malformed = false
    /// The PrivateKeyInfo's algorithm (dotted OID) when OpenSSL cannot read keys
    /// of it (ML-DSA, ML-KEM, SLH-DSA, EC with explicit parameters, …);
    /// `declaredAlgorithm` then names it.
    public var algorithmOID: String?
    /// `SHA256:…` (unpadded base64) of such a key's DER: its identity where no
    /// fingerprint can be computed.
    public var derSHA256: String?
    /// Algorithm named by the container when the key itself could not be read
    /// (legacy encrypted PEM says `RSA`, `EC` or `DSA` in its label).
    public var declaredAlgorithm: String?

    /// Facts of a key in `format`.
    public init(format: KeyFormat, encrypted: Bool = false, truncated: Bool = false,
                identity: Fingerprint? = nil, declaredAlgorithm: String? = nil) {
        self.format = format
        self.encrypted = encrypted
        self.truncated = truncated
        self.identity = identity
        self.declaredAlgorithm = declaredAlgorithm
    }

    /// RSA, EC, Ed25519, …: from the key, else from its container's label.
    public var algorithm: String? { identity?.algorithm ?? declaredAlgorithm }

    /// An OpenSSH key held by a FIDO security key (`sk-ssh-ed25519@openssh.com`,
    /// `sk-ecdsa-sha2-nistp256@openssh.com`): the file holds the key's handle,
    /// useless without the token.
    public var isSecurityKeyHandle: Bool { format == .openssh && (algorithm?.hasPrefix("sk-") ?? false) }

    /// `RSA 2048 private key (pkcs1)`, `encrypted EC private key (pkcs8)`, …
    public var summary: String {
        var words: [String] = []
        if truncated { words.append("truncated") }
        if encrypted { words.append("encrypted") }
        if let name = identity?.summary ?? algorithm { words.append(name) }
        return words.joined(separator: " ") + " private key (\(format.rawValue))"
    }
}
