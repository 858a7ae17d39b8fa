/// Where a blob came from: the path findings report (relative to the scan
/// root, with `!` between archive members), and for history scans the git
/// object id, by which findings are traced to the commits that hold the blob.
/// It travels beside the blob and is stamped on each finding when it is made.
public struct Provenance: Sendable, Hashable {
    /// Path as reported: `deploy/key.pem`, `backup.zip!home/.ssh/id_rsa`.
    public var path: String
    /// The git blob's object id (`--staged`, `--git`), else nil.
    public var object: String?
    /// The symbolic link the walk followed to reach the blob (its archive's,
    /// for a member), nil when it was reached without one.
    public var throughLink: ReachedThroughLink?

    /// A blob found at `path`, from git object `object` if any, reached through `throughLink` if any.
    public init(path: String, object: String? = nil, throughLink: ReachedThroughLink? = nil) {
        self.path = path
        self.object = object
        self.throughLink = throughLink
    }

    /// The provenance of a member of this blob (an archive's): `path!member`.
    public func member(_ name: String) -> Provenance {
        Provenance(path: path + "!" + name, object: object, throughLink: throughLink)
    }
}
