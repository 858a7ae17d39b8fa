import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
/// Counts for the report's summary.
public struct ScanSummary: Sendable {
    /// Files (blobs) scanned.
    public var files: Int = 0
    /// Bytes scanned.
    public var bytes: Int = 0
    /// Inputs that could not be read, sorted by path.
    public var skipped: [SkippedInput] = []
    /// Findings silenced by inline `keyleak:allow` comments (counted, never hidden without trace).
    public var suppressed: Int = 0
    /// Findings left out because their fingerprint is allowed in the config.
    public var allowed: Int = 0
    /// Findings left out because the baseline already holds them.
    public var baselined: Int = 0
    /// A config in the scanned tree that was named but not obeyed (`--publish`).
    public var ignoredConfig: String?
    /// What that config asked for (`rules.disable: …`).
    public var ignoredConfigRequests: [String] = []
    /// Findings with an inline allow comment that was not obeyed (`--publish`).
    public var inlineAllowsIgnored: Int = 0
    /// Symbolic links met in the walk and followed (`--follow-symlinks`,
    /// `--publish`), sorted by path: what `zip -r` and sync tools copy too.
    public var links: [SymbolicLink] = []
    /// Symbolic links met in the walk and not followed (the default): what
    /// they point to was not read.
    public var linksNotFollowed = 0
    /// Findings past `--max-findings-per-file`: counted, not listed (each
    /// file's share in the one finding that stands for them).
    public var findingsNotListed = 0
    /// Paths the obeyed config's `paths.ignore` left out: files, and folders
    /// (counted once each, their contents not entered).
    public var ignoredByConfig: Int = 0
    /// Rule ids the obeyed config's `rules.disable` turned off, sorted.
    public var disabledRules: [String] = []
    /// Why the history scanned is not all of it (`--git` in a shallow or
    /// partial clone, or with objects missing), or nil when it is whole.
    public var incompleteHistory: String?
    /// Wall time of the scan, milliseconds.
    public var durationMs: Int = 0

    /// An empty summary.
    public init() {}
}

/// What a scan found: findings in report order and the summary.
public struct ScanReport: Sendable {
    /// The final findings: linked, judged, suppressions applied, in report order.
    public var findings: [Finding]
    /// Counts and what was skipped, followed or not listed.
    public var summary: ScanSummary

    /// A report of `findings` with `summary`.
    public init(findings: [Finding], summary: ScanSummary) {
        self.findings = findings
        self.summary = summary
    }

    /// Findings at or above `severity`.
    public func count(atOrAbove severity: Severity) -> Int {
        findings.filter { $0.severity >= severity }.count
    }
}
