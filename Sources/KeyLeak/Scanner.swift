import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to scan and how.
public struct ScanOptions: Sendable {
    /// Files and directories to scan. Default: the current directory.
    public var paths: [String] = ["."]
    /// Worker threads. Default: one per core.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Follow symbolic links (with loop detection). Default: off, links are not read.
    public var followSymlinks = false
    /// Honour inline `keyleak:allow` comments. Default: on; `--no-inline-allow` turns it off for audits.
    public var allowInline = true
    /// Registered keys to recognise (`--known-keys`). Default: none.
    public var knownKeys = KnownKeys.none

    public init() {}
}

/// A scan that could not be done at all (exit status 2).
public enum ScanError: Error, CustomStringConvertible {
    case rootNotFound(String)
    case rootUnreadable(String, String)

    public var description: String {
        switch self {
        case let .rootNotFound(path): return "\(path): no such file or directory"
        case let .rootUnreadable(path, reason): return "\(path): \(reason)"
        }
    }
}

/// The one entry point: options in, report out.
public final class Scanner: Sendable {
    public let ruleSet: RuleSet

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
    }

    /// Per-worker results; each worker thread touches only its own.
    private final class WorkerState: @unchecked Sendable {
        // SAFETY: index `i` is used only by walker thread `i`; the scan reads
        // the states after every thread has finished.
        var scanner: BlobScanner?
        var findings: [Finding] = []
        var skipped: [SkippedInput] = []
        var files = 0
        var bytes = 0
        var suppressed = 0
    }

    public func scan(_ options: ScanOptions) throws -> ScanReport {
        let started = DispatchTime.now()
        var directories: [(path: [UInt8], display: [UInt8])] = []
        var files: [WalkedFile] = []
        let multipleRoots = options.paths.count > 1
        for path in options.paths {
            var st = stat()
            guard stat(path, &st) == 0 else {
                if errno == ENOENT || errno == ENOTDIR { throw ScanError.rootNotFound(path) }
                throw ScanError.rootUnreadable(path, errnoText(errno))
            }
            let bytes = Array(path.utf8)
            if st.st_mode & S_IFMT == S_IFDIR {
                guard access(path, R_OK | X_OK) == 0 else { throw ScanError.rootUnreadable(path, "permission denied") }
                directories.append((bytes, multipleRoots ? Array(Scanner.trimSlash(path).utf8) : []))
            } else if st.st_mode & S_IFMT == S_IFREG {
                files.append(WalkedFile(path: bytes, display: path))
            } else {
                throw ScanError.rootUnreadable(path, "not a regular file or directory")
            }
        }

        let threads = max(1, options.threads)
        let states = (0..<threads).map { _ in WorkerState() }
        let ruleSet = self.ruleSet
        let scanFile: @Sendable (Int, WalkedFile) -> Void = { worker, file in
            let state = states[worker]
            let scanner = state.scanner ?? BlobScanner(ruleSet: ruleSet, allowInline: options.allowInline)
            state.scanner = scanner
            Scanner.scanFile(file, with: scanner, into: state, followSymlinks: options.followSymlinks)
        }
        for file in files { scanFile(0, file) }
        if !directories.isEmpty {
            let walker = FileWalker(threads: threads, followSymlinks: options.followSymlinks)
            walker.walk(directories: directories, file: scanFile) { worker, path, reason in
                states[worker].skipped.append(SkippedInput(path: path, reason: reason))
            }
        }

        var summary = ScanSummary()
        var findings: [Finding] = []
        for state in states {
            findings += state.findings
            summary.skipped += state.skipped
            summary.files += state.files
            summary.bytes += state.bytes
            summary.suppressed += state.suppressed
        }
        findings.sort(by: Finding.reportOrder)
        CredentialLinker.link(&findings, knownKeys: options.knownKeys)
        summary.skipped.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        summary.durationMs = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        return ScanReport(findings: findings, summary: summary)
    }

    private static func scanFile(_ file: WalkedFile, with scanner: BlobScanner, into state: WorkerState, followSymlinks: Bool) {
        var flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        if !followSymlinks { flags |= O_NOFOLLOW }
        let fd = open(cString(file.path), flags)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { return }  // became a symbolic link since the walk saw it
            state.skipped.append(SkippedInput(path: file.display, reason: errnoText(code)))
            return
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        do {
            let result = try scanner.scan(path: file.display, sourcePath: file.path) { target in
                while true {
                    let n = read(fd, target.baseAddress, target.count)
                    if n >= 0 { return n }
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw BlobScanner.ReadError.io(errno)
                }
            }
            state.findings += result.findings
            state.files += 1
            state.bytes += result.bytes
            state.suppressed += result.suppressed
        } catch let BlobScanner.ReadError.io(code) {
            state.skipped.append(SkippedInput(path: file.display, reason: "read error: " + errnoText(code)))
        } catch {
            state.skipped.append(SkippedInput(path: file.display, reason: "\(error)"))
        }
    }

    private static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
