import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A staged blob read from the working tree instead of from git, when the
/// file there is byte for byte the staged content.
///
/// A pre-commit hook usually commits files exactly as they are on disk; then
/// hashing the file the way git names blobs (`blob <size>\0<bytes>`, SHA-1 or
/// SHA-256 by the id's length) proves it is the staged blob, and the hook
/// spares itself a `git cat-file` process. Anything else (partially staged
/// files, clean/smudge filters, CRLF conversion, a vanished file) does not
/// match and is read from git as before.
package enum WorktreeBlob {
    /// Larger files are streamed from git rather than read whole.
    package static let maxSize = 4 << 20

    /// The top of the working tree that holds `directory`: `GIT_WORK_TREE`, or
    /// the nearest folder upwards with a `.git` entry (a folder, or a file for
    /// linked worktrees). A wrong guess only costs a mismatch.
    package static func topLevel(of directory: String) -> String? {
        if let tree = getenv("GIT_WORK_TREE").map({ String(cString: $0) }), !tree.isEmpty { return tree }
        // The folder's path made absolute and with `.` and `..` taken out
        // (as URL's standardizing does, without its cost on a hook's path).
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        while true {
            let folder = "/" + parts.joined(separator: "/")
            if access(parts.isEmpty ? "/.git" : folder + "/.git", F_OK) == 0 { return folder }
            guard !parts.isEmpty else { return nil }
            parts.removeLast()
        }
    }

    /// The bytes of `top/path` when they are the blob `object`, else nil.
    /// `path` is in the reported form of `PathBytes` (its bytes are opened).
    package static func contents(top: String, path: String, object: String) -> [UInt8]? {
        let name = Array(top.utf8) + [UInt8(ascii: "/")] + PathBytes.bytes(path) + [0]
        let fd = name.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
            }
        }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= maxSize else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }  // shrank while read: let git answer
            filled += n
        }
        guard blobID(bytes, hexLength: object.count) == object.lowercased() else { return nil }
        return bytes
    }

    /// git's object id of a blob with `bytes`: SHA-1 (40 hex digits) or SHA-256 (64).
    package static func blobID(_ bytes: [UInt8], hexLength: Int) -> String? {
        let object = Array("blob \(bytes.count)\u{0}".utf8) + bytes
        let digest: [UInt8]
        switch hexLength {
        case 40: digest = Digest.sha1(object)
        case 64: digest = Digest.sha256(object)
        default: return nil
        }
        return Hex.encode(digest)
    }
}
