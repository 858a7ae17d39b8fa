/// A path that holds a blob at a scanned tip of the history: after a rename
/// or a copy a key's blob is at other paths than the one that introduced it,
/// and every one of them must be cleaned.
public struct RefPath: Sendable, Hashable {
    /// The path in the tip's tree, in the reported form of `PathBytes`.
    public var path: String
    /// The tip: a ref name (`refs/heads/main`, `HEAD`) or the revision given in the range.
    public var ref: String

    /// `path` at tip `ref`.
    public init(path: String, ref: String) {
        self.path = path
        self.ref = ref
    }
}
