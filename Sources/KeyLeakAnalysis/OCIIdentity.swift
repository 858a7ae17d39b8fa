import KeyLeakInput
import KeyLeakMatching
/// Where OCI settings were written.
public enum OCISource: String, Sendable, Hashable, CaseIterable {
    /// A profile of an OCI config file (INI).
    case config
    /// Terraform provider settings or tfvars.
    case terraform
    /// `OCI_CLI_*` environment variables (.env files, scripts, CI files).
    case env
}

/// The OCI identity a config profile, Terraform file or set of `OCI_CLI_*`
/// variables describes.
public struct OCIIdentity: Sendable, Hashable {
    /// Where the facts come from.
    public var source: OCISource
    /// Profile (INI section) name; nil for Terraform and environment variables.
    public var profile: String?
    /// The user OCID (`user`, `user_ocid`, `OCI_CLI_USER`).
    public var user: String?
    /// The tenancy OCID (`tenancy`, `tenancy_ocid`, `OCI_CLI_TENANCY`).
    public var tenancy: String?
    /// The region (`us-ashburn-1`).
    public var region: String?
    /// `key_file` / `private_key_path` / `OCI_CLI_KEY_FILE` as written.
    public var keyFile: String?
    /// The fingerprint the profile claims for its key.
    public var fingerprint: String?
    /// A pass phrase is written in clear (its value is never reported).
    public var hasPassPhrase: Bool
    /// `security_token_file` (session authentication).
    public var securityTokenFile: String?
    /// The clear pass phrase, kept only to open the key it belongs to.
    /// NOTE: internal and never written by any reporter.
    package var passPhrase: String?
    /// A private key is written inline (`private_key`, `OCI_CLI_KEY_CONTENT`).
    public var inlineKey = false

    /// Settings read from `source`, in `profile` for config files.
    public init(source: OCISource, profile: String? = nil) {
        self.source = source
        self.profile = profile
        hasPassPhrase = false
    }
}

/// A link from one finding to another (a config and the key it points to).
public struct RelatedFinding: Sendable, Hashable {
    /// The linked finding's path.
    public var path: String
    /// Its line.
    public var line: Int
    /// Its rule.
    public var rule: String

    /// The finding of `rule` at `path`:`line`.
    public init(path: String, line: Int, rule: String) {
        self.path = path
        self.line = line
        self.rule = rule
    }
}

/// A registered key the leaked key matches (from `--known-keys`).
public struct KnownKeyMatch: Sendable, Hashable {
    /// The key's label in the known-keys file, if it has one.
    public var label: String?
    /// `ACTIVE`, `INACTIVE`, … as OCI lists it; nil when the source says nothing.
    public var state: String?
    /// The user OCID the key belongs to.
    public var user: String?
    /// The known-keys file it came from.
    public var source: String

    /// A match with `label`, in `state`, of `user`, listed in `source`.
    public init(label: String?, state: String?, user: String?, source: String) {
        self.label = label
        self.state = state
        self.user = user
        self.source = source
    }
}
