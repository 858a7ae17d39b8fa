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

    /// NOTE: no `rev-parse` up front: every git call fails in a folder that is
    /// not a repository, and a hook saves a process.
    package init(directory: String) {
        git = GitCommand(directory: directory)
    }

    /// The revision arguments for `range` after git's options (see
    /// `GitRange.revisionArguments`), or every ref.
    private static func revisionArguments(_ range: GitRange?) -> [String] {
        range?.revisionArguments ?? ["--all"]
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let InputError.git(_, _, stderr) where stderr.contains("not a git repository") || stderr.contains("--no-index") {
            // Outside a repository `git diff` falls back to `--no-index` and rejects `--cached`.
            throw InputError.notARepository(git.directory)
        } catch {
            let text = "\(error)"
            throw InputError.gitMessage(String(text.split(separator: "\n").first ?? Substring(text)))
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

    /// What `historyListing` found: the blobs to scan, and how many objects
    /// the history names that the repository does not hold.
    package struct HistoryListing: Sendable {
        /// Every distinct blob, with the first path git names it by.
        package var entries: [Entry]
        /// Objects reachable from the range but absent (a partial clone's
        /// filtered blobs, a damaged repository): never scanned.
        package var missing: Int
    }

    /// Every distinct blob reachable from `range` (default: all refs), with the
    /// first path git names it by, and the count of reachable objects that are
    /// missing from the repository.
    /// NOTE: `--missing=print` lists a missing object instead of failing on it,
    /// and keeps git from fetching it from a partial clone's promisor remote
    /// one object at a time.
    package func historyListing(range: GitRange?) throws -> HistoryListing {
        try range?.validate()
        let arguments = ["-c", "core.quotePath=false", "rev-list", "--objects", "--missing=print", "--filter=object:type=blob",
                         "--filter-provided-objects"] + GitSource.revisionArguments(range)
        let output = try wrap { try git.run(arguments) }
        var listing = HistoryListing(entries: [], missing: 0)
        // NOTE: git prints each name raw up to its first line break (never
        // quoted): a name with a line break is cut there. Findings take their
        // path from `introductions`, which reads NUL-separated names.
        for line in output.split(separator: 10) {
            if line.first == UInt8(ascii: "?") {
                listing.missing += 1
                continue
            }
            guard let space = line.firstIndex(of: 32) else { continue }  // commits have no path
            let object = String(decoding: line[line.startIndex..<space], as: UTF8.self)
            let name = Array(line[(space + 1)...])
            // A blob a ref or tag names directly has no path: it is named by its id.
            listing.entries.append(Entry(object: object, path: name.isEmpty ? "(blob \(object))" : PathBytes.display(name)))
        }
        return listing
    }

    /// Who introduced a blob: commit, author, date (ISO 8601) and the path it had.
    package struct Introduction: Sendable {
        /// The commit id.
        package var commit: String
        /// Its author's name.
        package var author: String
        /// Its author date, ISO 8601.
        package var date: String
        /// The blob's path in that commit, in the reported form of `PathBytes`.
        package var path: String?
    }

    /// The commit that introduced each of `objects` within `range` (all refs by
    /// default): one pass over the history's tree changes, oldest first, so the
    /// first commit that adds or changes a file to the blob is the one.
    package func introductions(of objects: Set<String>, range: GitRange?) -> [String: Introduction] {
        guard !objects.isEmpty else { return [:] }
        var found: [String: Introduction] = [:]
        scanChanges(range: range, paths: []) { commit, object, path in
            guard objects.contains(object), found[object] == nil else { return true }
            var intro = commit
            intro.path = path
            found[object] = intro
            return found.count < objects.count
        }
        return found
    }

    /// The last commit of `range` that changed `path` (at the top of the
    /// repository), with the blob it left there (nil when it deleted it).
    package func lastChange(of path: String, range: GitRange) -> (introduction: Introduction, object: String?)? {
        var last: (Introduction, String?)?
        scanChanges(range: range, paths: [path]) { commit, object, changed in
            var intro = commit
            intro.path = changed
            last = (intro, object.allSatisfy { $0 == "0" } ? nil : object)
            return true
        }
        return last
    }

    /// Walks the tree changes of `range`, oldest commit first, calling `visit`
    /// with the commit, the new blob id and the path of each change (paths
    /// limited to `paths` when given) until it returns false.
    /// NOTE: `-z` keeps every name as git stores it: without it git C-quotes
    /// names with a backslash, a quote or a control character.
    private func scanChanges(range: GitRange?, paths: [String], _ visit: (Introduction, String, String) -> Bool) {
        if let range, (try? range.validate()) == nil { return }
        var arguments = ["log", "--reverse", "--no-abbrev", "--raw", "-z", "--no-renames", "-c",
                         "--format=%x01%H%x09%an%x09%aI"] + GitSource.revisionArguments(range)
        if !paths.isEmpty { arguments += ["--"] + paths.map { ":(top,literal)" + $0 } }
        guard let output = try? git.run(arguments) else { return }
        var commit = Introduction(commit: "", author: "", date: "")
        var pendingObject: String?
        for rawField in output.split(separator: 0, omittingEmptySubsequences: false) {
            let field = rawField.drop { $0 == 10 }
            if let object = pendingObject {
                pendingObject = nil
                guard visit(commit, object, PathBytes.display(Array(field))) else { return }
            } else if field.first == 1 {
                let parts = String(decoding: field.dropFirst(), as: UTF8.self).split(separator: "\t", maxSplits: 2)
                if parts.count == 3 { commit = Introduction(commit: String(parts[0]), author: String(parts[1]), date: String(parts[2])) }
            } else if field.first == UInt8(ascii: ":") {
                // `:old-mode new-mode old-id new-id status` (merges: `::` and more columns); the path follows.
                let meta = String(decoding: field, as: UTF8.self).split(separator: " ")
                if meta.count >= 4 { pendingObject = String(meta[meta.count - 2]) }
            }
        }
    }

    /// A revision a range names: as written (or the ref name), and its object id.
    package struct Revision: Sendable, Equatable {
        /// The revision as the range (or the ref list) names it: `main`, `refs/heads/main`, `HEAD`.
        package var name: String
        /// Its object id.
        package var id: String

        /// Revision `name` with id `id`.
        package init(name: String, id: String) {
            self.name = name
            self.id = id
        }
    }

    /// The revisions `range` includes (its tips) and those it excludes (its
    /// bases: `BASE` of `BASE..TIP`, the merge base of `A...B`).
    package func revisions(of range: GitRange) throws -> (included: [Revision], excluded: [Revision]) {
        try range.validate()
        let expression: String
        switch range {
        case let .expression(text): expression = text
        // A push's tips are named by the refs it updates; what it excludes is no one base.
        case let .push(tips, _, _): return (tips, [])
        }
        // NOTE: rev-parse takes no `--end-of-options` in git 2.39 (it prints it
        // back); `validate` has already refused anything that begins with `-`.
        let ids = try wrap { try git.text(["rev-parse", expression]) }.split(separator: "\n").map(String.init)
        let names = try wrap { try git.text(["rev-parse", "--symbolic", expression]) }.split(separator: "\n").map(String.init)
        guard ids.count == names.count else { throw InputError.gitMessage("cannot resolve the revision range \(expression.debugDescription)") }
        var included: [Revision] = [], excluded: [Revision] = []
        for (id, name) in zip(ids, names) {
            if id.hasPrefix("^") {
                excluded.append(Revision(name: String(name.dropFirst()), id: String(id.dropFirst())))
            } else {
                included.append(Revision(name: name, id: id))
            }
        }
        return (included, excluded)
    }

    /// The tips a history scan of `range` starts from: the revisions the range
    /// includes, or (all refs) every ref and HEAD, one per commit, named by
    /// the first ref that points there (branches, then tags, remotes, the
    /// rest, HEAD last).
    package func tips(range: GitRange?) -> [Revision] {
        if let range { return (try? revisions(of: range).included) ?? [] }
        guard let output = try? git.text(["for-each-ref", "--format=%(objectname)%09%(*objectname)%09%(refname)"]) else { return [] }
        var refs: [Revision] = output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return Revision(name: String(parts[2]), id: String(parts[1].isEmpty ? parts[0] : parts[1]))
        }
        let rank = { (name: String) -> Int in
            ["refs/heads/", "refs/tags/", "refs/remotes/"].firstIndex { name.hasPrefix($0) } ?? 3
        }
        refs.sort { (rank($0.name), $0.name) < (rank($1.name), $1.name) }
        if let head = try? git.text(["rev-parse", "-q", "--verify", "HEAD"]), !head.isEmpty { refs.append(Revision(name: "HEAD", id: head)) }
        var seen = Set<String>()
        return refs.filter { seen.insert($0.id).inserted }
    }

    /// Every path that holds each of `objects` at each tip of `range` (all
    /// refs by default), reading each distinct tree once.
    package func tipPaths(of objects: Set<String>, range: GitRange?) -> [String: [RefPath]] {
        guard !objects.isEmpty, let walker = try? GitTreeWalker(directory: root, wanted: objects) else { return [:] }
        var paths: [String: [RefPath]] = [:]
        for tip in tips(range: range) {
            guard let found = try? walker.blobs(in: tip.id) else { continue }
            for (path, object) in found { paths[object, default: []].append(RefPath(path: PathBytes.display(path), ref: tip.name)) }
        }
        return paths
    }

    /// The commits `range` covers, newest first (empty when git cannot list them).
    package func commits(in range: GitRange) -> [String] {
        guard (try? range.validate()) != nil, let output = try? git.text(["rev-list"] + range.revisionArguments) else { return [] }
        return output.split(separator: "\n").map(String.init)
    }

    /// Why the history this repository holds for `range` (all refs by
    /// default) is not all of it, or nil: a shallow clone whose boundary
    /// commits are in the range, a partial clone, objects missing
    /// (`missing`, from `historyListing`). One clause per cause.
    package func incompleteHistory(range: GitRange?, missing: Int) -> String? {
        var reasons: [String] = []
        if let lines = try? git.text(["rev-parse", "--is-shallow-repository", "--path-format=absolute", "--git-path", "shallow"])
            .split(separator: "\n"), lines.first == "true", lines.count == 2 {
            let boundary = Set((FileManager.default.contents(atPath: String(lines[1])).map { String(decoding: $0, as: UTF8.self) } ?? "")
                .split(separator: "\n").map(String.init))
            var cut = boundary.count
            if let range { cut = commits(in: range).filter { boundary.contains($0) }.count }
            if cut > 0 {
                reasons.append("shallow clone: the history behind \(cut) boundary commit\(cut == 1 ? " is" : "s are") not in the repository and was not scanned (git fetch --unshallow)")
            }
        }
        var promisors: [String] = []
        if let config = try? git.run(["config", "-z", "--get-regexp", #"^(extensions\.partialclone|remote\..*\.promisor)$"#]) {
            for entry in config.split(separator: 0) {
                let parts = String(decoding: entry, as: UTF8.self).split(separator: "\n", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                if parts[0] == "extensions.partialclone" {
                    promisors.append(parts[1])
                } else if parts[1].lowercased() == "true" {
                    promisors.append(String(parts[0].dropFirst("remote.".count).dropLast(".promisor".count)))
                }
            }
        }
        if !promisors.isEmpty {
            let names = Array(Set(promisors)).sorted().joined(separator: ", ")
            reasons.append("partial clone (promisor remote \(names)): objects its filter left out are not in the repository and were not scanned"
                + (missing > 0 ? " (\(missing) missing)" : ""))
        } else if missing > 0 {
            reasons.append("\(missing) object\(missing == 1 ? " of the history is" : "s of the history are") missing from the repository and \(missing == 1 ? "was" : "were") not scanned")
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// The blob at each of `names` (`revision:path`, `:path` for the index):
    /// its id and bytes, nil where there is none; one `git cat-file` for all.
    package func blobs(at names: [String]) throws -> [String: (object: String, bytes: [UInt8])?] {
        let cat = try GitCatFile(directory: root)
        var found: [String: (object: String, bytes: [UInt8])?] = [:]
        for name in names {
            try? cat.request(name)
            guard let header = try cat.nextHeader() else {
                let text = cat.errorText()
                if text.contains("not a git repository") { throw InputError.notARepository(root) }
                throw InputError.gitMessage(String(text.split(separator: "\n").first ?? "git cat-file ended early"))
            }
            guard header.type == "blob" else {
                if header.type != "missing" && header.type != "ambiguous" { try cat.finishObject(remaining: header.size) }
                found[name] = .some(nil)
                continue
            }
            found[name] = (header.id, try cat.readObject(size: header.size))
        }
        return found
    }
}
