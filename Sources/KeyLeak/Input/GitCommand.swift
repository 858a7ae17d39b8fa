import Foundation

/// Runs `git` in a repository and collects its output.
struct GitCommand {
    /// Working directory: anywhere inside the repository.
    let directory: String

    struct Failure: Error, CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        var stderr: String
        var description: String {
            let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "git \(arguments.joined(separator: " ")) failed (exit \(status))" : text
        }
    }

    /// Runs git with `arguments`, optionally feeding `input`, and returns standard output.
    func run(_ arguments: [String], input: Data? = nil) throws -> Data {
        let child: ChildProcess
        do {
            child = try ChildProcess(["git", "-C", directory] + arguments, stdin: input != nil)
        } catch {
            throw Failure(arguments: arguments, status: -1, stderr: "\(error)")
        }
        if let input { child.feed(input) }
        // NOTE: git writes little to stderr; reading it after stdout cannot block for long.
        let output = ChildProcess.readAll(child.output)
        let errorText = ChildProcess.readAll(child.error)
        let status = child.wait()
        guard status == 0 else {
            throw Failure(arguments: arguments, status: status, stderr: String(decoding: errorText, as: UTF8.self))
        }
        return output
    }

    func text(_ arguments: [String]) throws -> String {
        String(decoding: try run(arguments), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
