import Foundation

/// Runs `git` in a repository and collects its output.
package struct GitCommand {
    /// Working directory: anywhere inside the repository.
    package let directory: String

    /// Runs git in `directory`.
    package init(directory: String) { self.directory = directory }

    /// The environment of every git process keyleak starts: its own, with
    /// replace refs (`refs/replace/*`) and grafts (`info/grafts`) turned off,
    /// so that git shows the objects themselves, the ones a push sends, and
    /// not the substitutes a repository may set up to hide one.
    /// NOTE: a graft file that cannot exist (`/dev/null` is not a folder):
    /// git then reads no grafts and prints nothing, where an empty file
    /// would still draw its "grafts are deprecated" advice.
    package static let environment: [String] = {
        let ours = ["GIT_NO_REPLACE_OBJECTS=1", "GIT_GRAFT_FILE=/dev/null/keyleak-no-grafts"]
        // NOTE: read from `environ` as it is, not ProcessInfo's dictionary, whose
        // set-up was a visible part of a hook's start-up.
        var environment: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            let name = text.prefix { $0 != "=" }
            if !ours.contains(where: { $0.hasPrefix(name + "=") }) { environment.append(text) }
            entry += 1
        }
        return environment + ours
    }()

    /// Starts `git -C directory arguments` with keyleak's git environment.
    package static func spawn(directory: String, _ arguments: [String], stdin: Bool) throws -> ChildProcess {
        try ChildProcess(["git", "-C", directory] + arguments, stdin: stdin, environment: environment)
    }

    /// A git process already started; `finish()` collects its output. Lets a
    /// caller do other work (load rules) while git runs.
    package final class Running: @unchecked Sendable {
        // SAFETY: `finish()` is called once, by the thread that owns the scan.
        package let arguments: [String]
        private let child: Result<ChildProcess, InputError>

        fileprivate init(arguments: [String], child: Result<ChildProcess, InputError>) {
            self.arguments = arguments
            self.child = child
        }

        /// Waits for git and returns its standard output, or throws its error text.
        package func finish() throws -> Data {
            let child = try self.child.get()
            // NOTE: git writes little to stderr; reading it after stdout cannot block for long.
            let output = ChildProcess.readAll(child.output)
            let errorText = ChildProcess.readAll(child.error)
            let status = child.wait()
            guard status == 0 else {
                throw InputError.git(arguments: arguments, status: status, stderr: String(decoding: errorText, as: UTF8.self))
            }
            return output
        }
    }

    /// Starts git with `arguments` (no input); a failure to start surfaces in `finish()`.
    package func start(_ arguments: [String]) -> Running {
        do {
            return Running(arguments: arguments, child: .success(try GitCommand.spawn(directory: directory, arguments, stdin: false)))
        } catch {
            return Running(arguments: arguments, child: .failure(InputError.git(arguments: arguments, status: -1, stderr: "\(error)")))
        }
    }

    /// Runs git with `arguments`, optionally feeding `input`, and returns standard output.
    package func run(_ arguments: [String], input: Data? = nil) throws -> Data {
        guard let input else { return try start(arguments).finish() }
        let child: ChildProcess
        do {
            child = try GitCommand.spawn(directory: directory, arguments, stdin: true)
        } catch {
            throw InputError.git(arguments: arguments, status: -1, stderr: "\(error)")
        }
        child.feed(input)
        return try Running(arguments: arguments, child: .success(child)).finish()
    }

    /// Runs git with `arguments` and returns standard output as text, trimmed.
    package func text(_ arguments: [String]) throws -> String {
        String(decoding: try run(arguments), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
