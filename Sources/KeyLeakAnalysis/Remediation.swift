import KeyLeakInput
import KeyLeakMatching

/// How to undo an OCI leak, as exact commands where the facts allow: revoke
/// what leaked, make a replacement, purge it from history. Set by the policy
/// (in KeyLeakReport) on every OCI finding; nil on others.
public struct Remediation: Sendable, Hashable {
    /// Revoke: `oci iam user api-key delete --user-id … --fingerprint … --force`
    /// when user and fingerprint are known, else where to do it in the Console.
    public var revoke: String
    /// Replace: `oci setup keys` and the upload, or `oci session authenticate`.
    public var rotate: String
    /// Purge from history: `git filter-repo --invert-paths --path …`.
    public var purge: String
    /// The warning that goes with them: a pushed secret stays compromised.
    public var note: String

    /// Steps `revoke`, `rotate`, `purge`, with `note`.
    public init(revoke: String, rotate: String, purge: String, note: String) {
        self.revoke = revoke
        self.rotate = rotate
        self.purge = purge
        self.note = note
    }
}
