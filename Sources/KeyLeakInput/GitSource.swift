import Foundation

/// Blobs from a git repository: what `git commit` would record (the index),
/// or every blob reachable from the refs (or a range), each distinct blob once.
package struct GitSource {
    package let git: GitCommand
    /// Where git runs (anywhere inside the repository).
    package var root: String { git.directory }

    /// A blob to scan and the path it is reported under.
    package struct Entry: Sendable {
        package var object: String
        package var path: String
    }

    package enum Error: Swift.Error, CustomStringConvertible {
        case notARepository(String)
        case git(String)

        package var description: String {
            switch self {
            case let .notARepository(directory): return "\(directory): not a git repository"
            case let .git(message): return "git: \(message)"
            }
        }
    }

    /// NOTE: no `rev-parse` up front: every git call fails in a folder that is
    /// not a repository, and a hook saves a process.
    package init(directory: String) {
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

    /// Starts listing the index's changes (see `stagedEntries`), so a hook can
    /// load its rules while git reads the index.
    package func startStagedListing() -> GitCommand.Running {
        // `git diff --cached` compares with HEAD, or with the empty tree in a new repository.
        git.start(["diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--no-ext-diff", "--diff-filter=ACMRT"])
    }

    /// Added, copied, modified and renamed files of the index, as staged
    /// (deletions, submodules and symbolic links are skipped); `listing` is
    /// one `startStagedListing()` already began.
    package func stagedEntries(listing: GitCommand.Running? = nil) throws -> [Entry] {
        let output = try wrap { try (listing ?? startStagedListing()).finish() }
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
    package func historyEntries(range: String?) throws -> [Entry] {
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

    /// Who introduced a blob: commit, author, date (ISO 8601) and the path it had.
    package struct Introduction: Sendable {
        package var commit: String
        package var author: String
        package var date: String
        package var path: String?
    }

    /// The commit that introduced each of `objects` within `range` (all refs by
    /// default): one pass over the history's tree changes, oldest first, so the
    /// first commit that adds or changes a file to the blob is the one.
    package func introductions(of objects: Set<String>, range: String?) -> [String: Introduction] {
        guard !objects.isEmpty else { return [:] }
        var arguments = ["-c", "core.quotePath=false", "log", "--reverse", "--no-abbrev", "--raw", "--no-renames",
                         "-c", "--format=%x01%H%x09%an%x09%aI"]
        arguments += range.map { [$0] } ?? ["--all"]
        guard let output = try? git.run(arguments) else { return [:] }
        var found: [String: Introduction] = [:]
        var commit = Introduction(commit: "", author: "", date: "")
        for line in output.split(separator: 10) {
            if line.first == 1 {
                let parts = String(decoding: line.dropFirst(), as: UTF8.self).split(separator: "\t", maxSplits: 2)
                if parts.count == 3 { commit = Introduction(commit: String(parts[0]), author: String(parts[1]), date: String(parts[2])) }
            } else if line.first == UInt8(ascii: ":") {
                // `:old-mode new-mode old-id new-id status\tpath` (merges: `::` and more columns).
                let text = String(decoding: line, as: UTF8.self)
                let columns = text.split(separator: "\t", maxSplits: 1)
                let meta = columns[0].split(separator: " ")
                guard meta.count >= 4 else { continue }
                let newID = String(meta[meta.count - 2])
                guard objects.contains(newID), found[newID] == nil else { continue }
                var intro = commit
                intro.path = columns.count > 1 ? String(columns[1].split(separator: "\t").last ?? columns[1]) : nil
                found[newID] = intro
                if found.count == objects.count { break }
            }
        }
        return found
    }
}
