/// A file (or other input) that could not be scanned, and why.
public struct SkippedInput: Sendable, Hashable {
    public var path: String
    public var reason: String

    /// `path` could not be scanned because of `reason`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
