/// A file (or other input) that could not be scanned, and why.
public struct SkippedInput: Sendable, Hashable {
    /// The input, as findings name paths.
    public var path: String
    /// Why it was not scanned, in a few words.
    public var reason: String

    /// `path` could not be scanned because of `reason`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
