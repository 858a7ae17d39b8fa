import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching
import KeyLeakReport
import KeyLeakVerify

/// A scan as the user asked for it, before any configuration is read: the
/// command line's choices. `ScanPlan(resolving:)` turns it into what to run.
public struct ScanRequest: Sendable {
    /// What a scan reads.
    public enum Target: Sendable, Equatable {
        /// Files and directories (default: the current directory).
        case files([String])
        /// What `git commit` would record (the index).
        case staged
        /// Every blob in the history, or in a revision range.
        case history(range: String?)
        /// What a push adds, on the server (pre-receive) or the client (pre-push).
        case push(PushedRange)
    }

    /// What to scan. Default: the current directory.
    public var target: Target = .files([])
    /// The repository for `staged` and `history`. Default: the current directory.
    public var repository = "."
    /// An explicit config (`--config`); nil to look for `.keyleak.yaml` at the scan root.
    public var configFile: String?
    /// Check a folder before it is shared (`--publish`): archives opened,
    /// symbolic links followed, the folder's own config and inline allows not
    /// obeyed, fail on low, a verdict.
    public var publish = false
    /// Worker threads; nil for one per core.
    public var threads: Int?
    /// Follow symbolic links in the walk. Default: off (always on under `publish`).
    public var followSymlinks = false
    /// `--known-keys` files, added to the config's.
    public var knownKeyFiles: [String] = []
    /// `--baseline` file.
    public var baselineFile: String?
    /// `--shard K/N`.
    public var shard: Shard?
    /// Open archives. Default: on.
    public var archives = true
    /// How deep archives nest. Default 3.
    public var maxArchiveDepth = 3
    /// `--max-findings-per-file` (at least 1); nil for the config's, else 1,000.
    public var maxFindingsPerFile: Int?
    /// Honour `keyleak:allow` comments. Default: on (never under `publish`).
    public var inlineAllow = true
    /// `--rules` directories, added to the config's `rules.extra`.
    public var ruleDirectories: [String] = []
    /// `--fail-on`; nil for the config's, else the preset's (`low` for publish, `medium` otherwise).
    public var failOn: Severity?
    /// `--trust-repo-config`: read `.keyleak.yaml` from the working tree even
    /// when scanning a change. Default: off, a change is scanned with its base's config.
    public var trustRepoConfig = false
    /// `--fail-on-incomplete`: a history scan that could not see all of the
    /// history (shallow or partial clone) fails (exit 1). Default: off, it is reported.
    public var failOnIncomplete = false
    /// `--verify`: ask OCI whether each leaked OCI API key whose user and
    /// tenancy are known is live (one signed read-only request per key).
    /// Default: off; nothing is sent anywhere unless asked.
    public var verify = false
    /// `--verify-endpoint` (or `KEYLEAK_VERIFY_ENDPOINT`): where those requests go instead of OCI's identity endpoints.
    public var verifyEndpoint: String?
    /// `--verify-ca`: a PEM file of CA certificates trusted besides the system's.
    public var verifyCAFile: String?

    /// The default request: scan the current directory.
    public init() {}

    /// Where `.keyleak.yaml` is looked for: the repository, or the one directory scanned, or here.
    public var configRoot: String {
        switch target {
        case .staged, .history, .push: return repository
        case let .files(paths):
            if paths.count == 1 {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: paths[0], isDirectory: &isDirectory), isDirectory.boolValue {
                    return paths[0]
                }
            }
            return "."
        }
    }
}

/// A request resolved against its configuration: the options to scan with,
/// the rules, the severity that fails, and what of the scanned tree's own
/// settings was not obeyed. Everything the command line used to decide.
public struct ScanPlan: Sendable {
    /// What the scanner runs.
    public var options: ScanOptions
    /// The rules in force.
    public var ruleSet: RuleSet
    /// Findings at or above it make the scan fail (exit 1).
    public var failOn: Severity
    /// The config obeyed, if any.
    public var config: ConfigFile?
    /// A config found in the tree under review and not obeyed (`--publish`), with what it asked for.
    public var ignoredConfig: IgnoredConfig?
    /// The request it came from.
    public var request: ScanRequest

    /// What a scanned tree's own config asked for, reported instead of obeyed.
    public struct IgnoredConfig: Sendable, Equatable {
        /// The config file.
        public var path: String
        /// What it would have done: `rules.disable: oci-config`, `paths.ignore: 2 patterns`, …
        public var requests: [String]
    }

    /// Reads the configuration the request calls for and settles every
    /// choice: config discovery, rule loading, fail-on precedence (flag, then
    /// config, then the preset), and the `--publish` preset, under which a
    /// folder's own `.keyleak.yaml` and inline allows are named, not obeyed.
    public init(resolving request: ScanRequest) throws {
        self.request = request
        var options = ScanOptions()
        switch request.target {
        case .staged: options.git = .staged
        case let .history(range): options.git = .history(range: range)
        case let .push(pushed): options.git = .push(pushed)
        case let .files(paths): if !paths.isEmpty { options.paths = paths }
        }
        options.repository = request.repository
        options.startGitEarly()
        let config: ConfigFile?
        var loaded = LoadedConfig()
        if request.publish, request.configFile == nil {
            // NOTE: a folder about to be published is untrusted input: its own
            // settings could hide the very keys the check is for. They are named, not obeyed.
            config = nil
            let candidate = (request.configRoot as NSString).appendingPathComponent(ConfigFile.fileName)
            if FileManager.default.fileExists(atPath: candidate) {
                let requests: [String]
                do { requests = try ConfigFile.load(candidate).requests } catch { requests = ["(not a valid config: \(error))"] }
                ignoredConfig = IgnoredConfig(path: candidate, requests: requests)
            }
        } else {
            loaded = try LoadedConfig(for: request)
            config = loaded.file
        }
        self.config = config
        if let threads = request.threads { options.threads = threads }
        // NOTE: `zip -r` and sync tools follow links: a folder about to be shared is checked the same way.
        options.followSymlinks = request.followSymlinks || request.publish
        options.archives = request.archives
        options.shard = request.shard
        options.maxArchiveDepth = request.maxArchiveDepth
        if let limit = request.maxFindingsPerFile ?? config?.maxFindingsPerFile { options.maxFindingsPerFile = limit }
        options.knownKeys = try KnownKeys(files: request.knownKeyFiles, contents: loaded.knownKeys)
        // NOTE: a folder about to be shared is checked whole: no path ignores.
        options.ignore = PathFilter(request.publish ? [] : config?.ignore ?? [])
        options.suppression.inline = request.inlineAllow && !request.publish
        options.suppression.allowedFingerprints = config?.allowedFingerprints ?? [:]
        options.suppression.baseline = try request.baselineFile.map(Baseline.load)
        ruleSet = try ScanPlan.loadRules(directories: request.ruleDirectories, config: config, files: loaded.extraRules)
        options.configFindings = loaded.findings(rule: ruleSet.derivedRules[.configChange])
        failOn = request.failOn ?? (request.publish ? .low : config?.failOn ?? .medium)
        if request.verify {
            var verify = VerifyOptions(endpoint: request.verifyEndpoint, caFile: request.verifyCAFile)
            verify.userAgent = "keyleak/\(KeyLeakVersion.current) (scan --verify)"
            options.verifier = try OCIKeyVerifier(options: verify)
        }
        self.options = options
    }

    /// The embedded rules plus `directories` and `files` (the rule files of
    /// the config's `rules.extra`, read where the config may name them),
    /// minus the config's `rules.disable` (each of which must name a rule).
    public static func loadRules(directories: [String] = [], config: ConfigFile? = nil,
                                 files: [(name: String, text: String)] = []) throws -> RuleSet {
        let disabled = Set(config?.disabledRules ?? [])
        let set = try RuleSet(extraDirectories: directories, extraFiles: files, disabled: disabled)
        if let unknown = disabled.subtracting(set.knownIDs).sorted().first, let path = config?.path {
            throw ScanError.config(file: path, line: nil, message: "rules.disable names '\(unknown)', which is not a rule (keyleak rules list)")
        }
        return set
    }

    /// Runs the scan.
    public func run(progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> ScanReport {
        var options = self.options
        options.progress = progress
        var report = try Scanner(ruleSet: ruleSet).scan(options)
        if let ignoredConfig {
            report.summary.ignoredConfig = ignoredConfig.path
            report.summary.ignoredConfigRequests = ignoredConfig.requests
        }
        if request.publish {
            report.summary.inlineAllowsIgnored = report.findings.reduce(0) { total, f in
                total + (f.inlineAllowed ? 1 : 0)
                    + (f.notListed?.groups.filter(\.first.inlineAllowed).reduce(0) { $0 + $1.count } ?? 0)
            }
        }
        report.summary.disabledRules = (config?.disabledRules ?? []).sorted()
        return report
    }

    /// True when `report` must fail for its incomplete history (`--fail-on-incomplete`).
    public func failsAsIncomplete(_ report: ScanReport) -> Bool {
        request.failOnIncomplete && report.summary.incompleteHistory != nil
    }

    /// The closing verdict of `--publish` for `report`.
    public func shareVerdict(_ report: ScanReport) -> ShareVerdict {
        let folders: String
        if case let .files(paths) = request.target, !paths.isEmpty { folders = paths.joined(separator: " ") } else { folders = "." }
        return ShareVerdict(report, failOn: failOn, folders: folders)
    }
}

/// What `--publish` says of a folder: safe to share, not safe, or not verified.
public enum ShareVerdict: Sendable, Equatable {
    /// No finding at or above fail-on, and every input was read; `links` symbolic links followed.
    case safe(folders: String, files: Int, links: Int)
    /// Findings at or above fail-on.
    case notSafe(folders: String, findings: Int)
    /// Nothing found, but some inputs (files, or links leading nowhere) could not be read.
    case notVerified(folders: String, skipped: Int)

    /// The verdict for `report`.
    public init(_ report: ScanReport, failOn: Severity, folders: String) {
        let failing = report.count(atOrAbove: failOn)
        if failing > 0 {
            self = .notSafe(folders: folders, findings: failing)
        } else if !report.summary.skipped.isEmpty {
            self = .notVerified(folders: folders, skipped: report.summary.skipped.count)
        } else {
            self = .safe(folders: folders, files: report.summary.files, links: report.summary.links.count)
        }
    }

    /// The closing line.
    public var line: String {
        switch self {
        case let .safe(folders, files, links):
            let followed = links == 0 ? "" : " and \(links) symbolic link\(links == 1 ? "" : "s") (listed in the report)"
            return "SAFE TO SHARE: no private keys or OCI credentials found in \(folders) (\(files) files, archives\(followed) included)."
        case let .notSafe(folders, n):
            return "NOT SAFE TO SHARE: \(folders) holds \(n) key\(n == 1 ? "" : "s") or credential\(n == 1 ? "" : "s") (listed above). Remove them, and rotate any key that has left the machine."
        case let .notVerified(folders, n):
            return "NOT VERIFIED: \(n) file\(n == 1 ? "" : "s") or link\(n == 1 ? "" : "s") in \(folders) could not be read (listed above), so keyleak cannot say the folder is safe to share."
        }
    }

    /// Exit status: 0 only when safe.
    public var exitCode: Int32 {
        if case .safe = self { return 0 }
        return 1
    }
}
