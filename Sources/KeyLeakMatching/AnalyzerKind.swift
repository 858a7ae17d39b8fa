/// Which analysis turns a rule's match into a finding. A rule file names it
/// with the raw value (`analyzer: base64-pem`).
public enum AnalyzerKind: String, Sendable, CaseIterable, Hashable {
    /// A PEM (or SSH2) armoured block: normalised, decoded, parsed with OpenSSL.
    case pem
    /// A PuTTY `.ppk` file (v2 or v3).
    case putty
    /// A whole PEM file base64-encoded once more (`LS0tLS1CRUdJTi…`).
    case base64PEM = "base64-pem"
    /// A private key's DER in base64 with no armour (`MII…`), on one line or several.
    case der
    /// A private key's DER as hex digits (`308204a4020100…`).
    case hexDER = "hex-der"
    /// A key file shown as a hex dump (`xxd`, `hexdump -C`, `od`) or as plain
    /// hex lines (`xxd -p`): read back into bytes, which hold the key.
    case hexDump = "hex-dump"
    /// A key as OpenSSL's `-text` prints it (`openssl rsa -text`, `openssl pkey -text -noout`).
    case opensslText = "openssl-text"
    /// Oracle's `OCI_API_KEY` line on its own.
    case ociMarker = "oci-marker"
    /// OCI settings: config profiles, Terraform, `OCI_CLI_*` variables.
    case ociConfig = "oci-config"
    /// An OCI session token (a JWT from OCI's auth service, `oci session authenticate`).
    case sessionToken = "oci-session-token"
    /// A binary DER private key file (tried at the first byte of every blob).
    case derFile = "der-file"
    /// A PKCS#12 / PFX container (first byte of every blob).
    case pkcs12
    /// A Java keystore, JKS or JCEKS (first byte of every blob).
    case keystore
    /// Derived after the scan from other findings (a copied `.oci` folder):
    /// the rule has no pattern and no keywords.
    case credentialSet = "credential-set"
    /// Derived before the scan from the change under review: the scan's own
    /// config (`.keyleak.yaml`) changed in it, and was not obeyed. The rule
    /// has no pattern and no keywords.
    case configChange = "config-change"

    /// The rule looks at the start of every blob rather than near keywords.
    public var isFileStart: Bool { self == .derFile || self == .pkcs12 || self == .keystore }

    /// The rule matches nothing itself: linking makes its findings.
    public var isDerived: Bool { self == .credentialSet || self == .configChange }
}
