/// A change to the scan's own config (`.keyleak.yaml`) inside the change
/// under review (a `--git BASE..TIP` range, or the index for `--staged`). The
/// scan obeys the base's config, never the changed one, and reports the
/// change with what the changed config would have silenced.
public struct ConfigChangeFacts: Sendable, Hashable {
    /// How the file changed.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The base has no config; the change adds one.
        case added
        /// The change edits the base's config.
        case modified
        /// The change deletes the base's config.
        case deleted
    }

    /// How the file changed.
    public var kind: Kind
    /// The revision whose config the scan obeyed (`BASE` of the range, `HEAD` for `--staged`).
    public var base: String
    /// What the changed config asks for that the base's does not, one phrase
    /// each (`rules.disable: oci-config`, `paths.ignore: **`): what it would
    /// suppress were it obeyed. Empty when it asks for nothing more.
    public var requests: [String]

    /// A change of `kind` against the config of `base`, asking for `requests`.
    public init(kind: Kind, base: String, requests: [String]) {
        self.kind = kind
        self.base = base
        self.requests = requests
    }
}
