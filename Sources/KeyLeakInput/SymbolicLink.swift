#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A symbolic link met in a directory walk, and what it points to.
public struct SymbolicLink: Sendable, Hashable {
    /// The link's path, relative to the scan root.
    public var path: String
    /// Where it points, as written in the link (`readlink`): relative or absolute.
    public var target: String

    /// The link at `path` pointing to `target`.
    public init(path: String, target: String) {
        self.path = path
        self.target = target
    }
}

/// How the walk reached a blob through a symbolic link it followed
/// (`--publish`, `--follow-symlinks`): `zip -r` and most sync tools follow
/// links, so what a link leads to leaves the machine with the folder.
public struct ReachedThroughLink: Sendable, Hashable {
    /// The link followed: the outermost one when links lead to links.
    public var link: SymbolicLink
    /// The link is the file itself (else a folder above it).
    public var linkIsTheFile: Bool
    /// The canonical absolute path of the file the link leads to; nil when it could not be resolved.
    public var resolved: String?
    /// That path lies outside every folder scanned; nil when it could not be resolved.
    public var outside: Bool?

    /// The facts as recorded.
    public init(link: SymbolicLink, linkIsTheFile: Bool, resolved: String?, outside: Bool?) {
        self.link = link
        self.linkIsTheFile = linkIsTheFile
        self.resolved = resolved
        self.outside = outside
    }

    /// How `file` was reached, nil when the walk reached it without a link.
    /// `roots` are the scan's roots as canonical paths (`canonicalRoots`).
    /// NOTE: "outside" is decided on resolved paths, so `..` and links inside
    /// the target cannot make an outside file look inside.
    package init?(_ file: WalkedFile, roots: [String]) {
        guard let link = file.link else { return nil }
        let resolved = ReachedThroughLink.realPath(file.path)
        let inside = resolved.map { target in
            roots.contains { root in target == root || target.hasPrefix(root.hasSuffix("/") ? root : root + "/") }
        }
        self.init(link: link, linkIsTheFile: link.path == file.display, resolved: resolved, outside: inside.map { !$0 })
    }

    /// `paths` as canonical absolute paths, those that resolve.
    package static func canonicalRoots(_ paths: [String]) -> [String] {
        paths.compactMap { realPath(Array($0.utf8)) }
    }

    /// The canonical absolute path of `path` (`realpath`), nil when it cannot be resolved.
    private static func realPath(_ path: [UInt8]) -> String? {
        guard let resolved = realpath(cString(path), nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
