import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open directory, closed when the last file or folder found in it is done.
/// NOTE: files and folders are opened relative to it (`openat`), so trees
/// deeper than PATH_MAX are walked too.
package final class DirectoryHandle: @unchecked Sendable {
    // SAFETY: the descriptor is only read after init and closed once in deinit.
    package let fd: Int32
    package init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// A file found by the walk: how to open it and the path to report.
package struct WalkedFile: Sendable {
    /// Path bytes from the root as given (for messages and re-reading short paths).
    package var path: [UInt8]
    /// Path reported in findings: relative to the scan root.
    package var display: String
    /// The folder it is in and its name there; nil for a root given as a file.
    package var parent: DirectoryHandle? = nil
    /// Its name in `parent`.
    package var name: [UInt8] = []
    /// The symbolic link the walk followed to reach it (the file itself, or a
    /// folder above it), when links are followed; nil otherwise.
    package var link: SymbolicLink? = nil

    /// A file at `path`, reported as `display`; `parent` and `name` when the
    /// walk found it in a folder, `link` when it followed a link to get there.
    package init(path: [UInt8], display: String, parent: DirectoryHandle? = nil, name: [UInt8] = [], link: SymbolicLink? = nil) {
        self.path = path
        self.display = display
        self.parent = parent
        self.name = name
        self.link = link
    }

    /// Opens the file with `flags`: relative to its folder when there is one.
    package func open(_ flags: Int32) -> Int32 {
        if let parent { return openat(parent.fd, cString(name), flags) }
        #if canImport(Glibc)
        return Glibc.open(cString(path), flags)
        #else
        return Darwin.open(cString(path), flags)
        #endif
    }
}

/// Parallel directory walk: one worker thread per `threads`, sharing a LIFO of
/// directories and batches of files (depth-first, so pending work stays small).
/// Hidden files are included; `.git` directories are skipped; symbolic links
/// are not followed unless `followSymlinks` (then with loop detection by
/// device and inode); FIFOs, sockets and devices are never opened.
package final class FileWalker: @unchecked Sendable {
    package enum Item {
        /// A folder to read: its parent folder (nil for a root) and its name
        /// there, or its path for a root; `link` is the link followed to reach it.
        case directory(parent: DirectoryHandle?, name: [UInt8], path: [UInt8], display: [UInt8], link: SymbolicLink?)
        case files([WalkedFile])
    }

    /// Files handed out per batch.
    package static let batchSize = 64

    package let threads: Int
    package let followSymlinks: Bool
    private let queue = WorkQueue<Item>()
    // SAFETY: `visited` is only touched under `visitedLock`.
    private let visitedLock = NSLock()
    private var visited: Set<[UInt64]> = []

    /// Paths (relative to the root) to leave out.
    package let ignore: PathFilter

    /// This walk's share of the files (`--shard`); folders are always walked.
    package let shard: Shard?

    /// Symbolic links met and followed (with `followSymlinks`), in walk order.
    package let followedLinks = Mutex<[SymbolicLink]>([])
    /// Symbolic links met and not followed (without `followSymlinks`), not counting ignored paths.
    package let linksNotFollowed = Atomic<Int>(0)

    package init(threads: Int, followSymlinks: Bool, ignore: PathFilter = PathFilter([]), shard: Shard? = nil) {
        self.threads = max(1, threads)
        self.followSymlinks = followSymlinks
        self.ignore = ignore
        self.shard = shard
    }

    /// Walks `roots` (directories; `display` is the prefix reported for each),
    /// calling `file` and `skipped` on worker threads with the worker's index.
    package func walk(directories roots: [(path: [UInt8], display: [UInt8])],
              file: @escaping @Sendable (Int, WalkedFile) -> Void,
              skipped: @escaping @Sendable (Int, String, String) -> Void) {
        for root in roots {
            var st = stat()
            if stat(cString(root.path), &st) == 0 { _ = markVisited(st) }
        }
        queue.push(roots.map { .directory(parent: nil, name: [], path: $0.path, display: $0.display, link: nil) })
        runWorkers(threads) { [self] index in
            while let item = queue.next() {
                process(item, worker: index, file: file, skipped: skipped)
                queue.done()
            }
        }
    }

    private func process(_ item: Item, worker: Int, file: (Int, WalkedFile) -> Void, skipped: (Int, String, String) -> Void) {
        switch item {
        case let .files(files):
            for f in files { file(worker, f) }
        case let .directory(parent, name, path, display, link):
            readDirectory(parent, name, path, display, link, worker: worker, file: file, skipped: skipped)
        }
    }

    private func readDirectory(_ parent: DirectoryHandle?, _ name: [UInt8], _ path: [UInt8], _ display: [UInt8],
                               _ link: SymbolicLink?, worker: Int,
                               file: (Int, WalkedFile) -> Void, skipped: (Int, String, String) -> Void) {
        // A root named on the command line is followed when it is a link (like `find -H`).
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followSymlinks || parent == nil ? 0 : O_NOFOLLOW)
        let fd = parent.map { openat($0.fd, cString(name), flags) } ?? open(cString(path), flags)
        guard fd >= 0, let dir = fdopendir(dup(fd)) else {
            let code = errno
            if fd >= 0 { close(fd) }
            skipped(worker, PathBytes.display(display.isEmpty ? Array(".".utf8) : display), "cannot open directory: " + errnoText(code))
            return
        }
        let handle = DirectoryHandle(fd)
        defer { closedir(dir) }
        if let kernel = KernelFileSystem.name(of: fd) {
            skipped(worker, PathBytes.display(display.isEmpty ? path : display), KernelFileSystem.reason(kernel))
            return
        }
        var batch: [WalkedFile] = []
        var subdirectories: [Item] = []
        let slash = UInt8(ascii: "/")
        while let entry = readdir(dir) {
            let name: [UInt8] = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return Array(bytes[0..<length])
            }
            if name == [46] || name == [46, 46] { continue }
            let childPath = path.last == slash ? path + name : path + [slash] + name
            let childDisplay = display.isEmpty ? name : display + [slash] + name
            var type = Int32(entry.pointee.d_type)
            let cName = cString(name)
            if type == 0 {  // DT_UNKNOWN: ask the file system
                var st = stat()
                guard fstatat(handle.fd, cName, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                type = FileWalker.direntType(st.st_mode)
            }
            var via = link
            if type == 10 {  // DT_LNK
                guard followSymlinks else {
                    if ignore.isEmpty || !ignore.ignores(PathBytes.display(childDisplay)) {
                        linksNotFollowed.add(1, ordering: .relaxed)
                    }
                    continue
                }
                let met = SymbolicLink(path: PathBytes.display(childDisplay), target: FileWalker.readLink(handle.fd, cName))
                if !ignore.isEmpty, ignore.ignores(met.path) { continue }
                followedLinks.withLock { $0.append(met) }
                via = link ?? met
                var st = stat()
                guard fstatat(handle.fd, cName, &st, 0) == 0 else {
                    skipped(worker, met.path, "broken symbolic link")
                    continue
                }
                type = FileWalker.direntType(st.st_mode)
                if type == 4 && !markVisited(st) { continue }  // a loop or a directory seen already
                if type != 4 && type != 8 {
                    // NOTE: `zip -r` would read what the link points to; keyleak never opens a FIFO or device.
                    skipped(worker, met.path, "symbolic link to a FIFO, socket or device: not read")
                    continue
                }
            } else if type == 4, followSymlinks {
                var st = stat()
                if fstatat(handle.fd, cName, &st, AT_SYMLINK_NOFOLLOW) == 0, !markVisited(st) { continue }
            }
            if !ignore.isEmpty, ignore.ignores(PathBytes.display(childDisplay)) { continue }
            switch type {
            case 4:  // DT_DIR
                if name == Array(".git".utf8) { continue }
                subdirectories.append(.directory(parent: handle, name: name, path: childPath, display: childDisplay, link: via))
            case 8:  // DT_REG
                let shown = PathBytes.display(childDisplay)
                if let shard, !shard.contains(path: shown) { continue }
                batch.append(WalkedFile(path: childPath, display: shown, parent: handle, name: name, link: via))
                if batch.count == FileWalker.batchSize {
                    handOff(batch, worker: worker, file: file)
                    batch.removeAll(keepingCapacity: true)
                }
            default:
                continue  // FIFOs, sockets and devices are never opened.
            }
        }
        queue.push(subdirectories)
        handOff(batch, worker: worker, file: file)
    }

    /// Queues a batch while the queue is short; otherwise scans it here (the bound).
    private func handOff(_ batch: [WalkedFile], worker: Int, file: (Int, WalkedFile) -> Void) {
        guard !batch.isEmpty else { return }
        if queue.pendingHint < threads * 4 {
            queue.push([.files(batch)])
        } else {
            for f in batch { file(worker, f) }
        }
    }

    private func markVisited(_ st: stat) -> Bool {
        visitedLock.lock()
        defer { visitedLock.unlock() }
        return visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted
    }

    /// The target written in the link `name` of folder `fd` (`readlinkat`), as text; "?" when unreadable.
    private static func readLink(_ fd: Int32, _ name: [CChar]) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBytes { raw in
            readlinkat(fd, name, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard n >= 0 else { return "?" }
        return PathBytes.display(Array(buffer[0..<n]))
    }

    package static func direntType(_ mode: mode_t) -> Int32 {
        switch mode & S_IFMT {
        case S_IFDIR: return 4
        case S_IFREG: return 8
        case S_IFLNK: return 10
        default: return 1
        }
    }
}

/// NUL-terminated copy of path bytes for the C file API.
package func cString(_ path: [UInt8]) -> [CChar] {
    path.map { CChar(bitPattern: $0) } + [0]
}

package func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
