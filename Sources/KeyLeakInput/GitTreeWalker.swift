import Foundation

/// Finds the paths at which given blobs sit in commits' trees, through one
/// `git cat-file --batch` asked one object at a time. Each distinct tree is
/// read once however many commits share it, so the tips of a repository with
/// many branches cost little more than one.
package final class GitTreeWalker {
    private let cat: GitCatFile
    /// The wanted blob ids as raw bytes, compared with tree entries as they are.
    private let wantedRaw: Set<[UInt8]>
    /// For each tree read: the paths inside it (relative to it) of wanted blobs.
    private var memo: [String: [(path: [UInt8], object: String)]] = [:]

    /// A walker in the repository at `directory`, looking for the blob ids `wanted`.
    package init(directory: String, wanted: Set<String>) throws {
        cat = try GitCatFile(directory: directory)
        wantedRaw = Set(wanted.map { Hex.decode($0.utf8) })
    }

    /// Every path (bytes, from the top of the tree) of a wanted blob in the
    /// tree of `revision` (a commit, a tag of one, or a tree id), with the
    /// blob's id; sorted by path.
    package func blobs(in revision: String) throws -> [(path: [UInt8], object: String)] {
        var id = revision
        // A tag points at a commit, a commit at its tree: at most a few hops.
        for _ in 0..<8 {
            let (type, body) = try read([id])[0]
            switch type {
            case "tree":
                try readTrees(below: id, body: body)
                return (memo[id] ?? []).sorted { $0.path.lexicographicallyPrecedes($1.path) }
            case "commit", "tag":
                // `tree <id>` (commit) or `object <id>` (tag) is the first line.
                let first = body.prefix { $0 != 10 }
                guard let space = first.firstIndex(of: 32) else { return [] }
                id = String(decoding: first[(space + 1)...], as: UTF8.self)
            default: return []
            }
        }
        return []
    }

    /// Objects' types and bytes, asked for together and read back in order.
    private func read(_ ids: [String]) throws -> [(type: String, body: [UInt8])] {
        for id in ids { try cat.request(id) }
        return try ids.map { _ in
            guard let header = try cat.nextHeader() else { throw InputError.gitStream("git cat-file ended early") }
            if header.type == "missing" || header.type == "ambiguous" { return (header.type, []) }
            return (header.type, try cat.readObject(size: header.size))
        }
    }

    /// One tree's entries: its wanted blobs and its subtrees, by name.
    private struct Entries {
        var blobs: [(name: [UInt8], object: String)] = []
        var subtrees: [(name: [UInt8], id: String)] = []
    }

    /// Reads tree `root` (whose bytes are `body`) and every tree below it not
    /// read yet, one level at a time: each level's trees are asked for in
    /// batches (NOTE: one request at a time waited for git's answer each time,
    /// and made the paths at a tip cost more than the scan of its history),
    /// then fills `memo` from the bottom up.
    private func readTrees(below root: String, body: [UInt8]) throws {
        guard memo[root] == nil else { return }
        var entries: [String: Entries] = [root: parse(body, idLength: root.utf8.count / 2)]
        var level = entries[root]!.subtrees.map(\.id).filter { memo[$0] == nil }
        while !level.isEmpty {
            var next: [String] = []
            let unique = Array(Set(level)).filter { entries[$0] == nil }
            // NOTE: at most 256 requests in flight (10 KiB of ids): they fit the
            // pipe to git whole, so git never waits on us while we write.
            for start in stride(from: 0, to: unique.count, by: 256) {
                let batch = Array(unique[start..<min(start + 256, unique.count)])
                for (id, object) in zip(batch, try read(batch)) {
                    let parsed = object.type == "tree" ? parse(object.body, idLength: id.utf8.count / 2) : Entries()
                    entries[id] = parsed
                    next += parsed.subtrees.map(\.id).filter { memo[$0] == nil && entries[$0] == nil }
                }
            }
            level = next
        }
        func resolve(_ id: String) -> [(path: [UInt8], object: String)] {
            if let known = memo[id] { return known }
            guard let tree = entries[id] else { return [] }
            var found = tree.blobs.map { (path: $0.name, object: $0.object) }
            for subtree in tree.subtrees {
                found += resolve(subtree.id).map { (subtree.name + [UInt8(ascii: "/")] + $0.path, $0.object) }
            }
            memo[id] = found
            return found
        }
        _ = resolve(root)
    }

    /// The entries of one tree object: `mode name\0` and the raw object id
    /// (20 bytes for SHA-1, 32 for SHA-256). Only wanted blobs are kept; ids
    /// are compared as bytes, and only subtrees' are turned into hex.
    private func parse(_ body: [UInt8], idLength: Int) -> Entries {
        var out = Entries()
        var i = 0
        while i < body.count {
            guard let space = body[i...].firstIndex(of: 32), let nul = body[space...].firstIndex(of: 0),
                  nul + 1 + idLength <= body.count else { break }
            let mode = body[i..<space]
            let raw = body[(nul + 1)..<(nul + 1 + idLength)]
            i = nul + 1 + idLength
            if mode.elementsEqual("40000".utf8) {
                out.subtrees.append((Array(body[(space + 1)..<nul]), Hex.encode(raw)))
            } else if mode.first == UInt8(ascii: "1"), mode.starts(with: "100".utf8), wantedRaw.contains(Array(raw)) {
                // Regular and executable files; not links (120000) or submodules (160000).
                out.blobs.append((Array(body[(space + 1)..<nul]), Hex.encode(raw)))
            }
        }
        return out
    }
}
