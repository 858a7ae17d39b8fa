import KeyLeakInput
import KeyLeakMatching

/// What goes wrong in the analysis stage, one case per cause, so that callers
/// match cases rather than message text. Messages name files and lines and
/// never quote what a file holds.
public enum AnalysisError: Error, CustomStringConvertible, Equatable {
    /// A known-keys file that cannot be used: the file, the 1-based line when
    /// known, and what is wrong (never what the file holds: it may be any file
    /// a config names, `/proc/self/environ`).
    case knownKeys(file: String, line: Int?, reason: String)
    /// An OCI config `keyleak doctor` cannot read at all: the file, and why.
    case ociConfig(file: String, reason: String)
    /// A blob could not be read (errno).
    case read(Int32)

    /// One line naming the file.
    public var description: String {
        switch self {
        case let .knownKeys(file, line, reason): return "\(file)\(line.map { ":\($0)" } ?? ""): invalid known-keys file: \(reason)"
        case let .ociConfig(file, reason): return "\(file): \(reason)"
        case let .read(code): return "read error: " + errnoText(code)
        }
    }

    /// The line of a known-keys problem, when known.
    public var line: Int? {
        if case let .knownKeys(_, line, _) = self { return line }
        return nil
    }
}
