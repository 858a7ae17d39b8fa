import Foundation

/// Blobs from a git repository: what `git commit` would record (the index),
/// or every blob reachable from the refs (or a range), each distinct blob once.
struct GitSource {
    let git: GitCommand
    /// Where git runs (anywhere inside the repository).
    var root: String { git.directory }

    /// A blob to scan and the path it is reported under.
    struct Entry: Sendable {
        var object: String
        var path: String
    }

    enum Error: Swift.Error, CustomStringConvertible {
        case notARepository(String)
        case git(String)

        var description: String {
            switch self {
            case let .notARepository(directory): return "\(directory): not a git repository"
            case let .git(message): return "git: \(message)"
            }
        }
    }

    /// NOTE: no `rev-parse` up front: every git call fails in a folder that is
    /// not a repository, and a hook saves a process.
    init(directory: String) {
        git = GitCommand(directory: directory)
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as GitCommand.Failure
                    where failure.stderr.contains("not a git repository") || failure.stderr.contains("--no-index") {
            // Outside a repository `git diff` falls back to `--no-index` and rejects `--cached`.
            throw Error.notARepository(git.directory)
        } catch {
            let text = "\(error)"
            throw Error.git(String(text.split(separator: "\n").first ?? Substring(text)))
        }
    }

    /// Added, copied, modified and renamed files of the index, as staged
    /// (deletions, submodules and symbolic links are skipped).
    func stagedEntries() throws -> [Entry] {
        // `git diff --cached` compares with HEAD, or with the empty tree in a new repository.
        let output = try wrap {
            try git.run(["diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--no-ext-diff", "--diff-filter=ACMRT"])
        }
        var entries: [Entry] = []
        let fields = output.split(separator: 0, omittingEmptySubsequences: false)
        var i = 0
        while i + 1 < fields.count {
            let meta = String(decoding: fields[i], as: UTF8.self).split(separator: " ")
            let path = Array(fields[i + 1])
            i += 2
            guard meta.count >= 5 else { continue }
            let mode = meta[1]
            guard mode.hasPrefix("100") else { continue }  // regular files only (not 120000 links, 160000 submodules)
            entries.append(Entry(object: String(meta[3]), path: PathBytes.display(path)))
        }
        return entries.sorted { $0.path < $1.path }
    }

    /// Every distinct blob reachable from `range` (default: all refs), with the
    /// first path git names it by.
    func historyEntries(range: String?) throws -> [Entry] {
        var arguments = ["-c", "core.quotePath=false", "rev-list", "--objects", "--filter=object:type=blob", "--filter-provided-objects"]
        arguments += range.map { [$0] } ?? ["--all"]
        let output = try wrap { try git.run(arguments) }
        var entries: [Entry] = []
        for line in output.split(separator: 10) {
            guard let space = line.firstIndex(of: 32) else { continue }  // commits have no path
            let object = String(decoding: line[line.startIndex..<space], as: UTF8.self)
            entries.append(Entry(object: object, path: PathBytes.display(Array(line[(space + 1)...]))))
        }
        return entries
    }

    /// The commit that introduced `object` within `range` (oldest first), with
    /// its author, date and the path the blob had there.
    func introduction(of object: String, range: String?) -> (commit: String, author: String, date: String, path: String?)? {
        var arguments = ["-c", "core.quotePath=false", "log", "--reverse", "--no-abbrev", "--raw", "--format=%x01%H%x09%an%x09%aI",
                         "--find-object=\(object)"]
        arguments += range.map { [$0] } ?? ["--all"]
        guard let output = try? git.run(arguments) else { return nil }
        let text = String(decoding: output, as: UTF8.self)
        for record in text.split(separator: "\u{01}") {
            let lines = record.split(separator: "\n")
            guard let head = lines.first else { continue }
            let parts = head.split(separator: "\t", maxSplits: 2)
            guard parts.count == 3 else { continue }
            for raw in lines.dropFirst() where raw.hasPrefix(":") {
                let columns = raw.split(separator: "\t", maxSplits: 1)
                let meta = columns[0].split(separator: " ")
                if meta.count >= 4, meta[3] == object {
                    return (String(parts[0]), String(parts[1]), String(parts[2]), columns.count > 1 ? String(columns[1]) : nil)
                }
            }
        }
        return nil
    }
}
