#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where keyleak's output goes, written with plain system calls so that a
/// failed write is an error to report (exit 2), never a trap.
///
/// A report file (`--output`, `--write-baseline`, `merge --output`) is
/// replaced atomically: the bytes go to a temporary file beside it, which is
/// flushed to disk and then renamed over it, so that a reader sees the old
/// report or the new one, never a part. A full disk leaves the old report in
/// place.
enum OutputFile {
    /// Standard output was closed when keyleak started (`keyleak scan >&-`).
    private static let standardOutputClosed = Atomic<Bool>(false)

    /// Makes sure descriptors 0, 1 and 2 are open (on `/dev/null` when they
    /// were not), and remembers whether standard output was closed. Called
    /// first thing in `main`.
    /// NOTE: otherwise the first file keyleak opens would become descriptor 1
    /// or 2, and the report or an error message would be written into it.
    static func secureStandardDescriptors() {
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            if descriptor == STDOUT_FILENO { standardOutputClosed.store(true, ordering: .relaxed) }
            // The lowest free descriptor is the one that was closed.
            _ = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
        }
    }

    /// Writes `bytes` to standard output, as they come (no temporary file).
    static func writeStandardOutput(_ bytes: [UInt8]) throws(WriteError) {
        guard !standardOutputClosed.load(ordering: .relaxed) else {
            throw WriteError(path: "standard output", code: EBADF)
        }
        try writeAll(bytes, to: STDOUT_FILENO, name: "standard output")
    }

    /// Writes `bytes` to standard error; a failure is ignored (there is
    /// nowhere left to report it).
    static func writeStandardError(_ bytes: [UInt8]) {
        try? writeAll(bytes, to: STDERR_FILENO, name: "standard error")
    }

    /// Writes `bytes` to `path`: to the descriptor itself for `/dev/stdout`,
    /// `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N`; straight into a
    /// device or FIFO (`/dev/null`); otherwise atomically, replacing a regular
    /// file (through a symbolic link, the file it points to) with its mode
    /// and owner kept, or creating it with mode 0666 less the umask.
    static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        if let descriptor = ownDescriptor(path) {
            if descriptor == STDOUT_FILENO { return try writeStandardOutput(bytes) }
            return try writeAll(bytes, to: descriptor, name: path)
        }
        var status = stat()
        let exists = stat(path, &status) == 0
        if exists && (status.st_mode & S_IFMT) != S_IFREG {
            return try writeInPlace(bytes, to: path, truncate: false)
        }
        var linkStatus = stat()
        if !exists, lstat(path, &linkStatus) == 0, (linkStatus.st_mode & S_IFMT) == S_IFLNK {
            // NOTE: a link to a file that does not exist yet: create it through the link.
            return try writeInPlace(bytes, to: path, truncate: true)
        }
        let target = exists ? (resolved(path) ?? path) : path
        try replace(target, with: bytes, existing: exists ? status : nil, reportedAs: path)
    }

    /// The descriptor a path names in this process, if it names one.
    private static func ownDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return STDOUT_FILENO
        case "/dev/stderr": return STDERR_FILENO
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                return Int32(path.dropFirst(prefix.count))
            }
            return nil
        }
    }

    /// `path` with every symbolic link resolved, or nil.
    private static func resolved(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Writes `bytes` to a temporary file in `target`'s folder, flushes it to
    /// disk and renames it over `target`. When the folder does not let keyleak
    /// create a file but `target` exists and is writable, writes it in place.
    private static func replace(_ target: String, with bytes: [UInt8], existing: stat?, reportedAs name: String) throws(WriteError) {
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        var template = Array("\(folder)/.\(base.prefix(64)).keyleak-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            let code = errno
            // NOTE: not atomic, but the only way to honour an explicit request
            // to write a file that is writable in a folder that is not.
            if existing != nil, [EACCES, EPERM, EROFS].contains(code), access(target, W_OK) == 0 {
                return try writeInPlace(bytes, to: target, truncate: true, reportedAs: name)
            }
            throw WriteError(path: name, code: code)
        }
        let temporary = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do throws(WriteError) {
            if let existing {
                _ = fchown(descriptor, existing.st_uid, existing.st_gid)  // best effort: only root may give files away
                guard fchmod(descriptor, existing.st_mode & 0o7777) == 0 else { throw WriteError(path: name, code: errno) }
            } else {
                // NOTE: umask can only be read by setting it; nothing else creates files at this point.
                let mask = umask(0)
                umask(mask)
                guard fchmod(descriptor, 0o666 & ~mask) == 0 else { throw WriteError(path: name, code: errno) }
            }
            try writeAll(bytes, to: descriptor, name: name)
            guard fsync(descriptor) == 0 else { throw WriteError(path: name, code: errno) }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw WriteError(path: name, code: errno) }
        guard rename(temporary, target) == 0 else { throw WriteError(path: name, code: errno) }
        renamed = true
        // The rename itself is on disk once the folder is: best effort.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Opens `path` for writing (creating it only through a dangling link,
    /// truncating it when asked) and writes `bytes`.
    private static func writeInPlace(_ bytes: [UInt8], to path: String, truncate: Bool, reportedAs name: String? = nil) throws(WriteError) {
        let flags = O_WRONLY | O_NOCTTY | O_CLOEXEC | (truncate ? O_CREAT | O_TRUNC : 0)
        let descriptor = open(path, flags, 0o666)
        guard descriptor >= 0 else { throw WriteError(path: name ?? path, code: errno) }
        do throws(WriteError) {
            try writeAll(bytes, to: descriptor, name: name ?? path)
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw WriteError(path: name ?? path, code: errno) }
    }

    /// Writes all of `bytes` to `descriptor`, retrying after interruptions and
    /// waiting while a non-blocking descriptor is full.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, name: String) throws(WriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
                continue
            }
            let code = written == 0 ? EIO : errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, -1)
                continue
            }
            throw WriteError(path: name, code: code)
        }
    }
}
