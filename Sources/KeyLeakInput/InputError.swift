import Foundation

/// What goes wrong while reading inputs, one case per cause, so that callers
/// match cases rather than message text.
package enum InputError: Error, CustomStringConvertible, Equatable {
    /// A child process (git) could not be started: what, and why.
    case spawn(String)
    /// git exited with `status`; its error text.
    case git(arguments: [String], status: Int32, stderr: String)
    /// git's output could not be read or made no sense (`git cat-file`): what went wrong.
    case gitStream(String)
    /// git failed; its first line of error text.
    case gitMessage(String)
    /// The folder is not in a git repository.
    case notARepository(String)
    /// A revision range that is empty, begins with `-` (git would read it as
    /// an option: `--output=FILE` writes a file, `--not` empties the scan) or
    /// holds a line break: refused before git sees it.
    case invalidRange(String)
    /// An archive, or one member of it, could not be read: why.
    case archive(String)

    /// One line for standard error.
    package var description: String {
        switch self {
        case let .spawn(message): return message
        case let .git(arguments, status, stderr):
            let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "git \(arguments.joined(separator: " ")) failed (exit \(status))" : text
        case let .gitStream(message): return message
        case let .gitMessage(message): return "git: \(message)"
        case let .notARepository(directory): return "\(directory): not a git repository"
        case let .invalidRange(range):
            return "invalid revision range \(range.debugDescription): a range is REV, BASE..TIP or BASE...TIP and never begins with '-'"
        case let .archive(message): return message
        }
    }
}
