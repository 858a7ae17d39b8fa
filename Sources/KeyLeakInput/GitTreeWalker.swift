import Foundation

/// Finds the paths at which given blobs sit in commits' trees, through one
/// `git cat-file --batch` asked one object at a time. Each distinct tree is
/// read once however many commits share it, so the tips of a repository with
/// many branches cost little more than one.
package final class GitTreeWalker {
    private let cat: GitCatFile
    private let wanted: Set<String>
    /// For each tree read: the paths inside it (relative to it) of wanted blobs.
    private var memo: [String: [(path: [UInt8], object: String)]] = [:]

    /// A walker in the repository at `directory`, looking for the blob ids `wanted`.
    package init(directory: String, wanted: Set<String>) throws {
        cat = try GitCatFile(directory: directory)
        self.wanted = wanted
    }

    /// Every path (bytes, from the top of the tree) of a wanted blob in the
    /// tree of `revision` (a commit, a tag of one, or a tree id), with the
    /// blob's id; sorted by path.
    package func blobs(in revision: String) throws -> [(path: [UInt8], object: String)] {
        var id = revision
        // A tag points at a commit, a commit at its tree: at most a few hops.
        for _ in 0..<8 {
            let (type, body) = try read(id)
            switch type {
            case "tree": return try tree(id, body: body).sorted { $0.path.lexicographicallyPrecedes($1.path) }
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

    /// One object's type and bytes.
    private func read(_ id: String) throws -> (type: String, body: [UInt8]) {
        try cat.request(id)
        guard let header = try cat.nextHeader() else { throw InputError.gitStream("git cat-file ended early") }
        if header.type == "missing" || header.type == "ambiguous" { return (header.type, []) }
        return (header.type, try cat.readObject(size: header.size))
    }

    /// The wanted blobs in tree `id` (whose bytes are `body`), recursively.
    private func tree(_ id: String, body: [UInt8]) throws -> [(path: [UInt8], object: String)] {
        if let known = memo[id] { return known }
        // Entries are `mode name\0` and the raw object id (20 bytes for SHA-1, 32 for SHA-256).
        let idLength = id.count / 2
        var found: [(path: [UInt8], object: String)] = []
        var i = 0
        while i < body.count {
            guard let space = body[i...].firstIndex(of: 32), let nul = body[space...].firstIndex(of: 0),
                  nul + 1 + idLength <= body.count else { break }
            let mode = String(decoding: body[i..<space], as: UTF8.self)
            let name = Array(body[(space + 1)..<nul])
            let object = body[(nul + 1)..<(nul + 1 + idLength)].map { String($0, radix: 16).leftPadded(2) }.joined()
            i = nul + 1 + idLength
            if mode == "40000" {
                let inner = try subtree(object)
                found += inner.map { (name + [UInt8(ascii: "/")] + $0.path, $0.object) }
            } else if mode.hasPrefix("100"), wanted.contains(object) {
                // Regular and executable files; not links (120000) or submodules (160000).
                found.append((name, object))
            }
        }
        memo[id] = found
        return found
    }

    /// The wanted blobs in the tree with id `id`, read when not known yet.
    private func subtree(_ id: String) throws -> [(path: [UInt8], object: String)] {
        if let known = memo[id] { return known }
        let (type, body) = try read(id)
        guard type == "tree" else { return [] }
        return try tree(id, body: body)
    }
}
