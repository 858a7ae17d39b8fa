import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
import KeyLeakVerify
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
    /// Worker threads. Default (nil): one per core the CPU quota allows.
    public var threads: Int?

    /// The worker threads to run: `threads`, else one per core.
    /// NOTE: the core count is read only when asked for (it reads the cgroup
    /// quota files): a hook's few staged files never need it.
    package var workerThreads: Int { max(1, threads ?? ScanOptions.cores) }
    private static let cores = ProcessInfo.processInfo.activeProcessorCount
    /// Follow symbolic links (with loop detection). Default: off, links are not read.
    public var followSymlinks = false
    /// Scan a git repository instead of files. Default: nil (walk `paths`).
    public var git: GitMode?
    /// The repository for `git` scans. Default: the current directory.
    public var repository = "."
    /// Registered keys to recognise (`--known-keys`). Default: none.
    public var knownKeys = KnownKeys.none
    /// Paths to leave out (`paths.ignore`). Default: none.
    public var ignore = PathFilter([])
    /// What may silence findings (inline comments, allowed fingerprints, a baseline), applied at the end.
    public var suppression = Suppression()
    /// This scanner's share of the work: files by path hash, blobs by object id. Default: all.
    public var shard: Shard?
    /// Look inside archives (zip, tar, gzip, …). Default: on.
    public var archives = true
    /// How deep archives may nest. Default 3.
    public var maxArchiveDepth = 3
    /// Findings kept per file (`--max-findings-per-file`); the rest are
    /// counted into one finding that stands for them. Default 1,000.
    public var maxFindingsPerFile = FindingCap.defaultLimit
    /// Asks OCI whether the leaked OCI API keys found are live (`--verify`),
    /// after suppression, for the keys reported. Default: nil, nothing is sent.
    public var verifier: OCIKeyVerifier?
    /// Called from worker threads after each file: (files, bytes, findings) so far.
    public var progress: (@Sendable (Int, Int, Int) -> Void)?
    /// The staged listing, when `startGitEarly()` began it.
    package var stagedListing: GitCommand.Running?
    /// Findings about the scan's own config (`keyleak-config-change`), made
    /// while resolving it; judged and suppressed with the others.
    package var configFindings: [Finding] = []

    /// A listing started before the command line was even parsed (see
    /// `startStagedListing(repository:)`), for the repository it was started in.
    private static let earlyListing = Mutex<(repository: String, listing: GitCommand.Running)?>(nil)

    /// Starts `git diff --cached` for `repository` at once, before argument
    /// parsing and rule loading: a pre-commit hook's critical path is this git
    /// process. `startGitEarly()` takes it over when the options name the same
    /// repository; otherwise it is never read and dies with the process.
    public static func startStagedListing(repository: String) {
        guard isDirectory(repository) else { return }
        let listing = GitSource(directory: repository).startStagedListing()
        earlyListing.withLock { $0 = (repository, listing) }
    }

    /// Whether `path` is a folder (or a link to one).
    /// NOTE: stat, not FileManager: this runs first thing in a hook.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// The defaults: scan the current directory.
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
        guard ScanOptions.isDirectory(repository) else { return }
        stagedListing = GitSource(directory: repository).startStagedListing()
    }
}

/// What a git scan reads.
public enum GitMode: Sendable, Equatable {
    /// What `git commit` would record: the index's added and modified files.
    case staged
    /// Every blob reachable from the refs, or from a revision range.
    case history(range: String?)
    /// What a push adds (pre-receive, pre-push).
    case push(PushedRange)

    /// The history it reads; nil for the index, and for every ref.
    var gitRange: GitRange? {
        switch self {
        case .staged: return nil
        case let .history(range): return range.map(GitRange.expression)
        case let .push(pushed): return pushed.gitRange
        }
    }
}

/// What goes wrong in the façade (exit status 2): a root, a config, a hook; one case per cause.
public enum ScanError: Error, CustomStringConvertible, Equatable {
    /// A root named on the command line does not exist.
    case rootNotFound(String)
    /// A root (file, folder, FIFO, socket) cannot be read: the path and why.
    case rootUnreadable(String, String)
    /// A config that cannot be used: the file, the 1-based line when known,
    /// and what is wrong (never quoting what the file holds beyond a mistyped name).
    case config(file: String, line: Int?, message: String)
    /// A hook install or uninstall that could not be done: why.
    case hook(String)

    /// One line naming the root or file.
    public var description: String {
        switch self {
        case let .rootNotFound(path): return "\(path): no such file or directory"
        case let .rootUnreadable(path, reason): return "\(path): \(reason)"
        case let .config(file, line, message): return "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
        case let .hook(message): return message
        }
    }
}

/// The one entry point: options in, report out.
public final class Scanner: Sendable {
    /// The rules scanned for.
    public let ruleSet: RuleSet

    /// A scanner for `ruleSet`.
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
        /// The last file's bytes and findings, for the progress callback.
        var lastBytes = 0
        var lastFindings = 0

        /// Counts one scanned blob and keeps its findings.
        func add(_ result: (findings: [Finding], bytes: Int, archive: Bool)) {
            findings += result.findings
            files += 1
            bytes += result.bytes
            lastBytes += result.bytes
            lastFindings += result.findings.count
        }
    }

    /// Scans what `options` name and returns the linked, judged, filtered findings.
    public func scan(_ options: ScanOptions) throws -> ScanReport {
        let ignoredBefore = options.ignore.ignoredCount
        // Keys are kept in memory (never written) only for as long as a verifying scan needs them.
        if options.verifier != nil { SigningKeys.shared.start() }
        defer { if options.verifier != nil { SigningKeys.shared.stop() } }
        var report = try options.git.map { try scanGit($0, options) } ?? scanFiles(options)
        report.summary.ignoredByConfig = options.ignore.ignoredCount - ignoredBefore
        return report
    }

    /// Walks `options.paths`.
    private func scanFiles(_ options: ScanOptions) throws -> ScanReport {
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
                try Scanner.checkReadable(file: path)
                if options.ignore.ignores(path) || !(options.shard?.contains(path: path) ?? true) { continue }
                files.append(WalkedFile(path: bytes, display: path))
            } else {
                throw ScanError.rootUnreadable(path, "not a regular file or directory")
            }
        }

        let threads = options.workerThreads
        let states = (0..<threads).map { _ in WorkerState() }
        let ruleSet = self.ruleSet
        // Resolved once: whether a file reached through a link lies outside the folders scanned.
        let roots = options.followSymlinks ? ReachedThroughLink.canonicalRoots(options.paths) : []
        let scanFile: @Sendable (Int, WalkedFile) -> Void = { worker, file in
            let state = states[worker]
            state.lastBytes = 0
            state.lastFindings = 0
            let scanner = state.scanner ?? BlobScanner(ruleSet: ruleSet, maxFindings: options.maxFindingsPerFile)
            state.scanner = scanner
            Scanner.scanFile(file, with: scanner, into: state, options: options, roots: roots)
            if let progress = options.progress { progress(1, state.lastBytes, state.lastFindings) }
        }
        for file in files { scanFile(0, file) }
        var summary = ScanSummary()
        if !directories.isEmpty {
            let walker = FileWalker(threads: threads, followSymlinks: options.followSymlinks, ignore: options.ignore,
                                    shard: options.shard)
            walker.walk(directories: directories, file: scanFile) { worker, path, reason in
                states[worker].skipped.append(SkippedInput(path: path, reason: reason))
            }
            summary.links = walker.followedLinks.withLock { $0 }.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            summary.linksNotFollowed = walker.linksNotFollowed.load(ordering: .relaxed)
        }

        return finish(states, options: options, started: started, summary: summary)
    }

    /// Scans one in-memory blob found at `path` through every stage (matching,
    /// analysis, linking, policy, suppression) with `options`' knowledge and
    /// suppressions; `options.paths` and `git` are not used.
    public func scan(bytes: [UInt8], path: String, options: ScanOptions = ScanOptions()) -> ScanReport {
        if options.verifier != nil { SigningKeys.shared.start() }
        defer { if options.verifier != nil { SigningKeys.shared.stop() } }
        let state = WorkerState()
        let findings = BlobScanner(ruleSet: ruleSet, maxFindings: options.maxFindingsPerFile).scan(Provenance(path: path), bytes: bytes)
        state.add((findings, bytes.count, false))
        return finish([state], options: options, started: DispatchTime.now())
    }

    /// Merges per-worker results into `summary` (the walk's part already in
    /// it), then the stages after the scan, in order: open encrypted keys,
    /// link, judge (policy), suppress, and with `--verify` ask OCI about the
    /// keys still reported and judge them again.
    private func finish(_ states: [WorkerState], options: ScanOptions, started: DispatchTime,
                        summary walked: ScanSummary = ScanSummary()) -> ScanReport {
        var summary = walked
        var findings: [Finding] = []
        for state in states {
            findings += state.findings
            summary.skipped += state.skipped
            summary.files += state.files
            summary.bytes += state.bytes
        }
        findings += options.configFindings
        findings.sort(by: Finding.reportOrder)
        CredentialLinker.openEncryptedKeys(&findings)
        CredentialLinker.link(&findings, knownKeys: options.knownKeys, credentialSetRule: ruleSet.derivedRules[.credentialSet])
        if options.verifier != nil { CredentialLinker.planVerification(&findings) }
        let policy = Policy(rules: ruleSet.rules)
        policy.apply(&findings)
        options.suppression.apply(&findings, summary: &summary, policy: policy)
        if let verifier = options.verifier {
            verifier.verify(&findings)
            policy.apply(&findings)
        }
        summary.findingsNotListed = findings.reduce(0) { $0 + ($1.notListed?.count ?? 0) }
        summary.skipped.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        summary.durationMs = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        return ScanReport(findings: findings, summary: summary)
    }

    private func scanGit(_ mode: GitMode, _ options: ScanOptions) throws -> ScanReport {
        let started = DispatchTime.now()
        guard ScanOptions.isDirectory(options.repository) else {
            throw ScanError.rootNotFound(options.repository)
        }
        let source = GitSource(directory: options.repository)
        let listed: [GitSource.Entry]
        var missing = 0
        switch mode {
        case .staged:
            // While git lists the index: fetch SHA-1 now (OpenSSL's first use
            // reads its config), so the staged files are hashed the moment
            // the listing arrives, not after that set-up.
            Digest.prepareGitObjectIDs()
            listed = try source.stagedEntries(listing: options.stagedListing)
        case .history, .push:
            let listing = try source.historyListing(range: mode.gitRange)
            listed = listing.entries
            missing = listing.missing
        }
        let ignore = options.ignore
        let shard = options.shard
        var pending = listed.filter { (ignore.isEmpty || !ignore.ignores($0.path)) && (shard?.contains(object: $0.object) ?? true) }
        var states = [WorkerState()]
        if mode == .staged, let top = WorktreeBlob.topLevel(of: options.repository) {
            // Files staged exactly as they are on disk are read from disk: no `git cat-file`.
            let scanner = BlobScanner(ruleSet: ruleSet, maxFindings: options.maxFindingsPerFile)
            pending = pending.filter { entry in
                guard let bytes = WorktreeBlob.contents(top: top, path: entry.path, object: entry.object) else { return true }
                let findings = scanner.scan(Provenance(path: entry.path, object: entry.object), bytes: bytes)
                states[0].add((findings, bytes.count, false))
                options.progress?(1, bytes.count, findings.count)
                return false
            }
        }
        let entries = pending
        // NOTE: a hook's few files are not worth a second git process.
        let wanted = entries.count / 16 + 1
        let threads = wanted == 1 ? 1 : min(options.workerThreads, wanted)
        states += (1..<threads).map { _ in WorkerState() }
        let ruleSet = self.ruleSet
        let root = source.root
        let workerStates = states
        runWorkers(entries.isEmpty ? 0 : threads) { worker in
            let state = workerStates[worker]
            let chunk = stride(from: worker, to: entries.count, by: threads).map { entries[$0] }
            guard !chunk.isEmpty else { return }
            let scanner = BlobScanner(ruleSet: ruleSet, maxFindings: options.maxFindingsPerFile)
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
                    let result = try scanner.scan(Provenance(path: entry.path, object: entry.object)) { target in
                        try cat.readBody(into: target, remaining: &remaining)
                    }
                    try cat.finishObject(remaining: remaining)
                    state.add(result)
                    options.progress?(1, result.bytes, result.findings.count)
                }
            } catch {
                state.skipped.append(SkippedInput(path: chunk.first?.path ?? "", reason: "\(error)"))
            }
        }
        if mode != .staged {
            let range = mode.gitRange
            // Only blobs that produced a finding are traced back to their commit,
            // by the blob id each finding carries.
            let objects = Set(states.flatMap { $0.findings.compactMap(\.blob) })
            let introductions = source.introductions(of: objects, range: range)
            let tipPaths = source.tipPaths(of: objects, range: range)
            for state in states {
                for i in state.findings.indices {
                    guard let object = state.findings[i].blob else { continue }
                    state.findings[i].paths = tipPaths[object] ?? []
                    guard let found = introductions[object] else { continue }
                    state.findings[i].commit = found.commit
                    state.findings[i].author = found.author
                    state.findings[i].date = found.date
                    if let path = found.path { state.findings[i].path = path }
                }
            }
            var report = finish(states, options: options, started: started)
            report.summary.incompleteHistory = source.incompleteHistory(range: range, missing: missing)
            return report
        }
        return finish(states, options: options, started: started)
    }

    /// Scans one file of a walk (or named as a root); `roots` are the
    /// canonical roots, for files reached through a symbolic link.
    private static func scanFile(_ file: WalkedFile, with scanner: BlobScanner, into state: WorkerState, options: ScanOptions,
                                 roots: [String]) {
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
        let provenance = Provenance(path: file.display, throughLink: ReachedThroughLink(file, roots: roots))
        do {
            let result = try scanner.scan(provenance, stopAtArchive: options.archives) { target in
                while true {
                    let n = read(fd, target.baseAddress, target.count)
                    if n >= 0 { return n }
                    if errno == EINTR { continue }
                    // NOTE: EAGAIN too: a "regular" file that would block (/proc/kmsg)
                    // is listed as not read, never spun on.
                    throw AnalysisError.read(errno)
                }
            }
            if result.archive {
                // Opened from the start again, by libarchive.
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw AnalysisError.read(errno) }
                scanArchive(fd, file, provenance, with: scanner, into: state, options: options)
                return
            }
            state.add(result)
        } catch let AnalysisError.read(code) {
            state.skipped.append(SkippedInput(path: file.display, reason: "read error: " + errnoText(code)))
        } catch {
            state.skipped.append(SkippedInput(path: file.display, reason: "\(error)"))
        }
    }

    /// Scans the members of the archive `file` (open as `fd`, found at `provenance`).
    private static func scanArchive(_ fd: Int32, _ file: WalkedFile, _ provenance: Provenance, with scanner: BlobScanner,
                                    into state: WorkerState, options: ScanOptions) {
        var reader = ArchiveReader()
        reader.maxDepth = options.maxArchiveDepth
        var skipped: [(String, String)] = []
        reader.scan(fd: fd, name: file.display, member: { display, read in
            state.add(try scanner.scan(Provenance(path: display, throughLink: provenance.throughLink), read: read))
        }, skipped: &skipped)
        state.skipped += skipped.map { SkippedInput(path: $0.0, reason: $0.1) }
    }

    /// Throws when the regular file `path`, named on the command line, cannot be opened for reading.
    /// NOTE: a root that cannot be read makes the scan impossible (exit 2),
    /// like an unreadable root folder; a file deeper in a walk that cannot be
    /// read is listed as skipped instead. The file is opened, not checked with
    /// `access`, so ACLs, read-only mounts and the effective user all count;
    /// O_NONBLOCK, so a FIFO swapped in since `stat` is not waited on.
    private static func checkReadable(file path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw ScanError.rootUnreadable(path, "cannot read: " + errnoText(errno)) }
        close(fd)
    }

    private static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
