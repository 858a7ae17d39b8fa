import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
import Foundation
import Synchronization
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
    /// Scan a git repository instead of files. Default: nil (walk `paths`).
    public var git: GitMode?
    /// The repository for `git` scans. Default: the current directory.
    public var repository = "."
    /// Registered keys to recognise (`--known-keys`). Default: none.
    public var knownKeys = KnownKeys.none
    /// Paths to leave out (`paths.ignore`). Default: none.
    public var ignore = PathFilter([])
    /// Fingerprints allowed to stay, with the reason (`allow.fingerprints`).
    public var allowedFingerprints: [String: String] = [:]
    /// Findings already known (`--baseline`): only new ones are reported.
    public var baseline: Baseline?
    /// This scanner's share of the work: files by path hash, blobs by object id. Default: all.
    public var shard: Shard?
    /// Look inside archives (zip, tar, gzip, …). Default: on.
    public var archives = true
    /// How deep archives may nest. Default 3.
    public var maxArchiveDepth = 3
    /// Called from worker threads after each file: (files, bytes, findings) so far.
    public var progress: (@Sendable (Int, Int, Int) -> Void)?
    /// The staged listing, when `startGitEarly()` began it.
    package var stagedListing: GitCommand.Running?

    /// A listing started before the command line was even parsed (see
    /// `startStagedListing(repository:)`), for the repository it was started in.
    private static let earlyListing = Mutex<(repository: String, listing: GitCommand.Running)?>(nil)

    /// Starts `git diff --cached` for `repository` at once, before argument
    /// parsing and rule loading: a pre-commit hook's critical path is this git
    /// process. `startGitEarly()` takes it over when the options name the same
    /// repository; otherwise it is never read and dies with the process.
    public static func startStagedListing(repository: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: repository, isDirectory: &isDirectory), isDirectory.boolValue else { return }
        let listing = GitSource(directory: repository).startStagedListing()
        earlyListing.withLock { $0 = (repository, listing) }
    }

    public init() {}

    /// For `git = .staged`: starts git's listing of the index now, so the
    /// caller can load rules while git runs (a hook's start-up). Call after
    /// setting `git` and `repository`; harmless otherwise.
    public mutating func startGitEarly() {
        guard git == .staged, stagedListing == nil else { return }
        if let early = ScanOptions.earlyListing.withLock({ slot -> GitCommand.Running? in
            defer { slot = nil }
            return slot?.repository == repository ? slot?.listing : nil
        }) {
            stagedListing = early
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: repository, isDirectory: &isDirectory), isDirectory.boolValue else { return }
        stagedListing = GitSource(directory: repository).startStagedListing()
    }
}

/// What a git scan reads.
public enum GitMode: Sendable, Equatable {
    /// What `git commit` would record: the index's added and modified files.
    case staged
    /// Every blob reachable from the refs, or from a revision range.
    case history(range: String?)
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
        package var scanner: BlobScanner?
        package var findings: [Finding] = []
        package var skipped: [SkippedInput] = []
        package var files = 0
        package var bytes = 0
        package var suppressed = 0
        /// The last file's bytes and findings, for the progress callback.
        package var lastBytes = 0
        package var lastFindings = 0
        /// Git scans: the blob id of each finding, index for index.
        package var objects: [String] = []
    }

    public func scan(_ options: ScanOptions) throws -> ScanReport {
        if let mode = options.git { return try scanGit(mode, options) }
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
                if options.ignore.ignores(path) || !(options.shard?.contains(path: path) ?? true) { continue }
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
            state.lastBytes = 0
            state.lastFindings = 0
            let scanner = state.scanner ?? BlobScanner(ruleSet: ruleSet, allowInline: options.allowInline)
            state.scanner = scanner
            Scanner.scanFile(file, with: scanner, into: state, options: options)
            if let progress = options.progress { progress(1, state.lastBytes, state.lastFindings) }
        }
        for file in files { scanFile(0, file) }
        if !directories.isEmpty {
            let walker = FileWalker(threads: threads, followSymlinks: options.followSymlinks, ignore: options.ignore,
                                    shard: options.shard)
            walker.walk(directories: directories, file: scanFile) { worker, path, reason in
                states[worker].skipped.append(SkippedInput(path: path, reason: reason))
            }
        }

        return finish(states, options: options, started: started)
    }

    /// Merges per-worker results, sorts them, links credentials and times the scan.
    private func finish(_ states: [WorkerState], options: ScanOptions, started: DispatchTime) -> ScanReport {
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
        // Suppressions apply to the linked, final findings.
        findings.removeAll { finding in
            if let fingerprint = finding.key?.identity?.oci ?? finding.oci?.fingerprint,
               options.allowedFingerprints[fingerprint] != nil {
                summary.allowed += 1
                return true
            }
            if let baseline = options.baseline, baseline.contains(finding) {
                summary.baselined += 1
                return true
            }
            return false
        }
        summary.skipped.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        summary.durationMs = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        return ScanReport(findings: findings, summary: summary)
    }

    private func scanGit(_ mode: GitMode, _ options: ScanOptions) throws -> ScanReport {
        let started = DispatchTime.now()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: options.repository, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ScanError.rootNotFound(options.repository)
        }
        let source = GitSource(directory: options.repository)
        let listed: [GitSource.Entry]
        switch mode {
        case .staged: listed = try source.stagedEntries(listing: options.stagedListing)
        case let .history(range): listed = try source.historyEntries(range: range)
        }
        let ignore = options.ignore
        let shard = options.shard
        var pending = listed.filter { (ignore.isEmpty || !ignore.ignores($0.path)) && (shard?.contains(object: $0.object) ?? true) }
        let states = (0..<max(1, options.threads)).map { _ in WorkerState() }
        if mode == .staged, let top = WorktreeBlob.topLevel(of: options.repository) {
            // Files staged exactly as they are on disk are read from disk: no `git cat-file`.
            let scanner = BlobScanner(ruleSet: ruleSet, allowInline: options.allowInline)
            pending = pending.filter { entry in
                guard let bytes = WorktreeBlob.contents(top: top, path: entry.path, object: entry.object) else { return true }
                let (findings, suppressed) = scanner.scanCounting(path: entry.path, bytes: bytes)
                states[0].suppressed += suppressed
                states[0].files += 1
                states[0].bytes += bytes.count
                options.progress?(1, bytes.count, findings.count)
                states[0].findings += findings
                states[0].objects += Array(repeating: entry.object, count: findings.count)
                return false
            }
        }
        let entries = pending
        // NOTE: a hook's few files are not worth a second git process.
        let threads = max(1, min(options.threads, entries.count / 16 + 1))
        let ruleSet = self.ruleSet
        let root = source.root
        runWorkers(threads) { worker in
            let state = states[worker]
            let chunk = stride(from: worker, to: entries.count, by: threads).map { entries[$0] }
            guard !chunk.isEmpty else { return }
            let scanner = BlobScanner(ruleSet: ruleSet, allowInline: options.allowInline)
            do {
                let cat = try GitCatFile(directory: root, objects: chunk.map(\.object))
                for entry in chunk {
                    guard let header = try cat.nextHeader() else {
                        state.skipped.append(SkippedInput(path: entry.path, reason: "git cat-file ended early"))
                        break
                    }
                    guard header.type == "blob" else {
                        state.skipped.append(SkippedInput(path: entry.path, reason: "object \(entry.object) is \(header.type)"))
                        if header.type != "missing" { try cat.finishObject(remaining: header.size) }
                        continue
                    }
                    var remaining = header.size
                    let result = try scanner.scan(path: entry.path) { target in
                        try cat.readBody(into: target, remaining: &remaining)
                    }
                    try cat.finishObject(remaining: remaining)
                    state.files += 1
                    state.bytes += result.bytes
                    state.suppressed += result.suppressed
                    options.progress?(1, result.bytes, result.findings.count)
                    state.findings += result.findings
                    state.objects += Array(repeating: entry.object, count: result.findings.count)
                }
            } catch {
                state.skipped.append(SkippedInput(path: chunk.first?.path ?? "", reason: "\(error)"))
            }
        }
        if case let .history(range) = mode {
            // Only blobs that produced a finding are traced back to their commit.
            let introductions = source.introductions(of: Set(states.flatMap(\.objects)), range: range)
            for state in states {
                for (i, object) in state.objects.enumerated() {
                    guard let found = introductions[object] else { continue }
                    state.findings[i].commit = found.commit
                    state.findings[i].author = found.author
                    state.findings[i].date = found.date
                    if let path = found.path { state.findings[i].path = path }
                }
            }
        }
        return finish(states, options: options, started: started)
    }

    private static func scanFile(_ file: WalkedFile, with scanner: BlobScanner, into state: WorkerState, options: ScanOptions) {
        var flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        // A file named on the command line is followed when it is a link (like `find -H`).
        if !options.followSymlinks, file.parent != nil { flags |= O_NOFOLLOW }
        let fd = file.open(flags)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { return }  // became a symbolic link since the walk saw it
            state.skipped.append(SkippedInput(path: file.display, reason: errnoText(code)))
            return
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        // Files found by the walk are on data file systems already (it does not enter kernel ones).
        if file.parent == nil, let kernel = KernelFileSystem.name(of: fd) {
            state.skipped.append(SkippedInput(path: file.display, reason: KernelFileSystem.reason(kernel)))
            return
        }
        do {
            let result = try scanner.scan(path: file.display, sourcePath: file.path, stopAtArchive: options.archives) { target in
                while true {
                    let n = read(fd, target.baseAddress, target.count)
                    if n >= 0 { return n }
                    if errno == EINTR { continue }
                    // NOTE: EAGAIN too: a "regular" file that would block (/proc/kmsg)
                    // is listed as not read, never spun on.
                    throw BlobScanner.ReadError.io(errno)
                }
            }
            if result.archive {
                // Opened from the start again, by libarchive.
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw BlobScanner.ReadError.io(errno) }
                scanArchive(fd, file, with: scanner, into: state, options: options)
                return
            }
            state.findings += result.findings
            state.files += 1
            state.bytes += result.bytes
            state.lastBytes = result.bytes
            state.lastFindings = result.findings.count
            state.suppressed += result.suppressed
        } catch let BlobScanner.ReadError.io(code) {
            state.skipped.append(SkippedInput(path: file.display, reason: "read error: " + errnoText(code)))
        } catch {
            state.skipped.append(SkippedInput(path: file.display, reason: "\(error)"))
        }
    }

    private static func scanArchive(_ fd: Int32, _ file: WalkedFile, with scanner: BlobScanner, into state: WorkerState,
                                    options: ScanOptions) {
        var reader = ArchiveReader()
        reader.maxDepth = options.maxArchiveDepth
        var skipped: [(String, String)] = []
        reader.scan(fd: fd, name: file.display, member: { display, read in
            let result = try scanner.scan(path: display, read: read)
            state.findings += result.findings
            state.files += 1
            state.bytes += result.bytes
            state.suppressed += result.suppressed
            state.lastBytes += result.bytes
            state.lastFindings += result.findings.count
        }, skipped: &skipped)
        state.skipped += skipped.map { SkippedInput(path: $0.0, reason: $0.1) }
    }

    private static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
