import KeyLeakInput
import KeyLeakMatching

/// One thing keyleak reports: where, which rule, and the typed facts that
/// analysis and linking learned. Severity and message are decided from those
/// facts in one place (`Policy`, in KeyLeakReport); until then they hold the
/// rule's severity and an empty message. Never holds a secret beyond its short
/// `preview` (and, in memory only, an encrypted key's sealed bytes).
public struct Finding: Sendable, Hashable {
    /// Rule id (`private-key`).
    public var rule: String
    /// The analysis that made the finding.
    public var analyzer: AnalyzerKind
    /// How urgent it is: set by the policy from the facts below.
    public var severity: Severity
    /// Path relative to the scan root (`archive.zip!member` for archive members).
    public var path: String
    /// 1-based line and byte column of the first byte, and the last line.
    public var line: Int
    /// 1-based byte column of the first byte.
    public var column: Int
    /// Line of the last byte.
    public var endLine: Int
    /// Commit that introduced the blob (history scans), else nil.
    public var commit: String?
    /// Author of `commit`.
    public var author: String?
    /// Date (ISO 8601) of `commit`.
    public var date: String?
    /// Facts about the private key, nil for findings that are not keys.
    public var key: KeyFacts?
    /// An `OCI_API_KEY` line follows the key.
    public var ociMarker: Bool
    /// Registered key this key (or config fingerprint) matches, from `--known-keys`.
    public var knownKey: KnownKeyMatch?
    /// OCI identity of settings findings (and of a credential set).
    public var oci: OCIIdentity?
    /// The claims of an OCI session token (the `oci-session-token` analyzer).
    public var sessionToken: SessionToken?
    /// What a key container (keystore, locked PKCS#12) holds.
    public var container: ContainerFacts?
    /// What a copied `.oci` folder holds (the `credential-set` analyzer).
    public var credentialSet: CredentialSetFacts?
    /// How the scan's own config changed in the change under review (the `config-change` analyzer).
    public var configChange: ConfigChangeFacts?
    /// Every path that holds the finding's blob at each scanned tip (`--git`):
    /// after a rename or a copy, others than `path`; empty when no tip holds it.
    public var paths: [RefPath] = []
    /// What linking found: the settings that name a key, the keys settings point to.
    public var links = LinkFacts()
    /// What OCI answered a request signed with the key (`scan --verify`): on a
    /// key, and on the settings that named it. Nil when not checked.
    public var verification: VerificationFacts?
    /// Linked findings (a config and the key it points to), sorted.
    public var related: [RelatedFinding] = []
    /// What the finding is, in a sentence: set by the policy.
    public var message: String
    /// How to revoke, replace and purge an OCI credential: set by the policy, nil for other findings.
    public var remediation: Remediation?
    /// The start of the match, cut after a few characters: never the secret.
    public var preview: String
    /// SHA-256 (hex) of the secret's normalised bytes: identifies a secret with
    /// no fingerprint (an encrypted or truncated key) in baselines and SARIF.
    public var secretHash: String?
    /// A `keyleak:allow` (or `gitleaks:allow`, `pragma: allowlist secret`)
    /// comment covers the finding. Suppression acts on it at the end.
    public var inlineAllowed = false
    /// Byte offsets of the match in its blob (start inclusive, end exclusive).
    package var startOffset: Int
    /// End of the match in its blob (exclusive).
    package var endOffset: Int
    /// An encrypted key's block as canonical PEM, kept in memory so that a
    /// clear pass phrase found elsewhere in the scan can open it wherever the
    /// key was (a file, an archive member, a git blob). Never written anywhere.
    package var sealedKey: [UInt8]?
    /// The requests `scan --verify` is to send for the finding (a key: one per
    /// identity that names it; settings: one per key they name), set by
    /// `CredentialLinker.planVerification`. In memory only, never written.
    package var verificationTargets: [VerificationTarget] = []
    /// The git object id of the blob it is in (`--staged`, `--git`), for tracing it to commits.
    public var blob: String?
    /// The symbolic link the walk followed to reach the blob (`--publish`,
    /// `--follow-symlinks`), nil when it was reached without one.
    public var throughLink: ReachedThroughLink?
    /// For the one finding that stands for a blob's findings past
    /// `--max-findings-per-file`: what was left out. Nil for every other finding.
    public var notListed: NotListedFacts?

    /// A finding of `rule` (analyzed by `analyzer`) with the rule's `severity` until the policy decides.
    public init(rule: String, analyzer: AnalyzerKind, severity: Severity, path: String, line: Int = 0, column: Int = 0,
                endLine: Int = 0, commit: String? = nil, key: KeyFacts? = nil, ociMarker: Bool = false,
                message: String = "", preview: String, startOffset: Int = 0, endOffset: Int = 0) {
        self.rule = rule
        self.analyzer = analyzer
        self.severity = severity
        self.path = path
        self.line = line
        self.column = column
        self.endLine = endLine
        self.commit = commit
        self.key = key
        self.ociMarker = ociMarker
        self.message = message
        self.preview = preview
        self.startOffset = startOffset
        self.endOffset = endOffset
    }

    /// The OCI fingerprint that identifies the finding: its key's, else the one its settings claim.
    public var fingerprint: String? { key?.identity?.oci ?? oci?.fingerprint }

    /// Report order: path, line, column, rule, commit; independent of thread count.
    public static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.path != b.path { return a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
        if a.line != b.line { return a.line < b.line }
        if a.column != b.column { return a.column < b.column }
        if a.rule != b.rule { return a.rule < b.rule }
        return (a.commit ?? "") < (b.commit ?? "")
    }

    /// Where the finding is, for `related` lists.
    public var reference: RelatedFinding { RelatedFinding(path: path, line: line, rule: rule) }
}

/// What linking learned about a finding, as facts the policy words.
public struct LinkFacts: Sendable, Hashable {
    /// For a key: the settings that name it (by `key_file`, inline, or fingerprint).
    public var owners: [LinkedSettings] = []
    /// For a key: the settings whose clear pass phrase opened it.
    public var openedBy: LinkedSettings?
    /// For settings: the keys in the scan they point to.
    public var keys: [RelatedFinding] = []
    /// For settings: the session tokens in the scan their `security_token_file` names.
    public var tokens: [RelatedFinding] = []
    /// For settings: the fingerprint of a linked key that differs from the one they claim.
    public var mismatchedFingerprint: String?
    /// For settings: `key_file` names a key that is not in the scan.
    public var keyFileMissing = false

    /// No links.
    public init() {}
}

/// Settings a key is linked to: where they are and what to call them.
public struct LinkedSettings: Sendable, Hashable {
    /// The settings finding.
    public var reference: RelatedFinding
    /// `OCI profile [ADMIN]`, `OCI Terraform provider settings`, `OCI_CLI_* variables`.
    public var name: String
    /// The user OCID the settings name, if any.
    public var user: String?
    /// The tenancy OCID the settings name, if any.
    public var tenancy: String?
    /// The region the settings name, if any.
    public var region: String?
    /// The profile name (config files only).
    public var profile: String?
    /// The settings are a session's (`security_token_file`): their key is a session key, not a registered API key.
    public var session = false

    /// Settings `name` at `reference`, for `user` in `tenancy` and `region`.
    public init(reference: RelatedFinding, name: String, user: String? = nil, tenancy: String? = nil, region: String? = nil,
                profile: String? = nil) {
        self.reference = reference
        self.name = name
        self.user = user
        self.tenancy = tenancy
        self.region = region
        self.profile = profile
    }
}

/// The kind of a key container.
public enum ContainerKind: String, Sendable, Hashable, CaseIterable {
    /// Java keystore.
    case jks = "JKS"
    /// Java cryptography extension keystore.
    case jceks = "JCEKS"
    /// PKCS#12 / PFX.
    case pkcs12 = "PKCS#12"
}

/// What keyleak learned of a key container: what it holds, and whether one
/// of the well-known passwords opens it. A key read from an opened container
/// is a key finding that carries these facts too.
public struct ContainerFacts: Sendable, Hashable {
    /// The container's kind.
    public var kind: ContainerKind
    /// Private key entries counted (keystores; for a key finding or a locked
    /// PKCS#12, nil); in a keystore finding, the entries no password opened.
    public var privateKeys: Int?
    /// Secret key entries counted (JCEKS) or secret bags (PKCS#12).
    public var secretKeys: Int
    /// Trusted certificates counted (keystores), or certificate bags (PKCS#12).
    public var certificates: Int
    /// The entries could not all be read (a cut-off store, a password).
    public var incomplete: Bool
    /// The well-known password (`WellKnownPasswords`) that opens it; `""`
    /// for none or the empty one. Nil: locked, or not tried.
    public var opensWith: String?
    /// A part the password is right for that could not be decrypted: its
    /// algorithm as OpenSSL names it (`pbeWithSHA1And40BitRC2-CBC`).
    public var unreadablePart: String?
    /// Why `unreadablePart` could not be read (OpenSSL's error, and why its
    /// legacy provider is missing when it is).
    public var unreadableReason: String?
    /// The length of each locked private key entry's certificate chain (keystores).
    public var keyChains: [Int] = []
    /// How many of the well-known passwords were tried (fewer than all when
    /// the container's key derivation is too costly); nil when not tried.
    public var passwordsTried: Int?

    /// Facts of a `kind` container.
    public init(kind: ContainerKind, privateKeys: Int?, secretKeys: Int = 0, certificates: Int = 0, incomplete: Bool,
                opensWith: String? = nil) {
        self.kind = kind
        self.privateKeys = privateKeys
        self.secretKeys = secretKeys
        self.certificates = certificates
        self.incomplete = incomplete
        self.opensWith = opensWith
    }
}

/// A copied `.oci` folder: how many profiles and keys, and whether they make a login.
public struct CredentialSetFacts: Sendable, Hashable {
    /// The folder, e.g. `backup/.oci`.
    public var folder: String
    /// Settings findings in it.
    public var profiles: Int
    /// Key findings in it.
    public var keys: Int
    /// A profile in it links to a key in it: a working login.
    public var working: Bool

    /// Facts of the set in `folder`.
    public init(folder: String, profiles: Int, keys: Int, working: Bool) {
        self.folder = folder
        self.profiles = profiles
        self.keys = keys
        self.working = working
    }
}

extension Provenance {
    /// Writes where the blob came from onto a finding made from it.
    func stamp(_ finding: inout Finding) {
        finding.path = path
        finding.blob = object
        finding.throughLink = throughLink
    }
}
