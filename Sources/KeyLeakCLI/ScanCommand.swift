import ArgumentParser
import Foundation
import KeyLeak
#if canImport(Glibc)
import Glibc
#endif

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan files and directories for private keys and OCI credentials.",
        discussion: "Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 the scan could not be done."
    )

    @Argument(help: "Files and directories to scan (default: the current directory); with --git, an optional revision range.")
    var paths: [String] = []

    @Flag(help: "Scan what `git commit` would record: the staged (index) version of added and modified files.")
    var staged = false

    @Flag(help: "Scan every blob in the history (all refs, or the revision range given as argument), each once.")
    var git = false

    @Option(help: ArgumentHelp("The repository for --staged and --git (default: the current directory).", valueName: "DIR"))
    var repo: String = "."

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Flag(name: .customLong("follow-symlinks"), help: "Follow symbolic links (loops are detected). Default: links are not read.")
    var followSymlinks = false

    @Option(name: .customLong("known-keys"), help: ArgumentHelp(
        "Registered keys: `oci iam user api-key list` JSON, `fingerprint [label]` lines or PEM public keys (repeatable).",
        valueName: "FILE"))
    var knownKeys: [String] = []

    @Option(help: ArgumentHelp("Read this config instead of .keyleak.yaml at the scan root.", valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp("Report only findings that are not in this baseline.", valueName: "FILE"))
    var baseline: String?

    @Option(name: .customLong("write-baseline"), help: ArgumentHelp("Record the current findings as the baseline in FILE, and exit 0.", valueName: "FILE"))
    var writeBaseline: String?

    @Flag(help: "Check a folder before it is shared: archives opened, no path ignores from configs, --fail-on low, and a closing line saying whether it is safe to share.")
    var publish = false

    @Option(help: ArgumentHelp("Scan only share K of N (1 ≤ K ≤ N): files by path hash, blobs by object id. Combine the reports with `keyleak merge`.", valueName: "K/N"))
    var shard: String?

    @Flag(name: .customLong("no-archives"), help: "Do not look inside archives (zip, jar, tar, tar.gz, gzip, …).")
    var noArchives = false

    @Option(name: .customLong("max-archive-depth"), help: "How deep nested archives are opened (default 3).")
    var maxArchiveDepth = 3

    @Flag(name: .customLong("no-inline-allow"), help: "Ignore keyleak:allow comments (for audits).")
    var noInlineAllow = false

    @OptionGroup var rules: RuleOptions
    @OptionGroup var report: ReportOptions

    func validate() throws {
        if staged && git { throw ValidationError("--staged and --git cannot be combined") }
        if publish && (staged || git) { throw ValidationError("--publish checks folders, not git") }
        if publish && noArchives { throw ValidationError("--publish always opens archives") }
        if staged && !paths.isEmpty { throw ValidationError("--staged scans the index: give no paths (use --repo DIR)") }
        if git && paths.count > 1 { throw ValidationError("--git takes at most one revision range") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard takes K/N with 1 ≤ K ≤ N, e.g. 2/8") }
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256")
        }
    }

    /// Where `.keyleak.yaml` is looked for: the repository, or the one directory scanned, or here.
    private var configRoot: String {
        if staged || git { return repo }
        if paths.count == 1 {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: paths[0], isDirectory: &isDirectory), isDirectory.boolValue { return paths[0] }
        }
        return "."
    }

    func run() throws {
        let progress = ProgressLine(enabled: !report.quiet && isatty(STDERR_FILENO) == 1)
        let (result, ruleSet, failOn) = try exitingOnFailure { () -> (ScanReport, RuleSet, Severity) in
            var options = ScanOptions()
            if staged {
                options.git = .staged
            } else if git {
                options.git = .history(range: paths.first)
            } else if !paths.isEmpty {
                options.paths = paths
            }
            options.repository = repo
            options.startGitEarly()
            let configFile = try config.map(ConfigFile.load) ?? ConfigFile.discover(root: configRoot)
            if let threads { options.threads = threads }
            options.followSymlinks = followSymlinks
            options.allowInline = !noInlineAllow
            options.archives = !noArchives
            options.shard = shard.flatMap(Shard.init)
            options.maxArchiveDepth = maxArchiveDepth
            options.knownKeys = try KnownKeys(files: knownKeys + (configFile?.knownKeys ?? []))
            // NOTE: a folder about to be shared is checked whole: the repository's ignores do not apply.
            options.ignore = PathFilter(publish ? [] : configFile?.ignore ?? [])
            options.allowedFingerprints = configFile?.allowedFingerprints ?? [:]
            options.baseline = try baseline.map(Baseline.load)
            options.progress = progress.callback
            let ruleSet = try rules.load(config: configFile)
            let scanned = try Scanner(ruleSet: ruleSet).scan(options)
            return (scanned, ruleSet, report.failOn ?? (publish ? .low : configFile?.failOn ?? .medium))
        }
        progress.finish()
        Output.learn(from: result)
        // NOTE: always on stderr too (the contract), even when a text report lists them.
        if !report.quiet {
            for skipped in result.summary.skipped { printError("skipped \(skipped.path): \(skipped.reason)") }
        }
        if let writeBaseline {
            try exitingOnFailure { try Output.write(Baseline(findings: result.findings).render(), to: writeBaseline) }
            printError("wrote \(result.findings.count) finding\(result.findings.count == 1 ? "" : "s") to the baseline \(writeBaseline)")
            return
        }
        try exitingOnFailure { try Output.write(render(result, rules: ruleSet.rules), to: report.output) }
        let failing = result.count(atOrAbove: failOn)
        if publish {
            let folders = paths.isEmpty ? "." : paths.joined(separator: " ")
            let unread = result.summary.skipped.count
            if failing > 0 {
                printError("NOT SAFE TO SHARE: \(folders) holds \(failing) key\(failing == 1 ? "" : "s") or credential\(failing == 1 ? "" : "s") (listed above). Remove them, and rotate any key that has left the machine.")
            } else if unread > 0 {
                printError("NOT VERIFIED: \(unread) file\(unread == 1 ? "" : "s") in \(folders) could not be read (listed above), so keyleak cannot say the folder is safe to share.")
                throw ExitCode(1)
            } else {
                printError("SAFE TO SHARE: no private keys or OCI credentials found in \(folders) (\(result.summary.files) files, archives included).")
            }
        }
        if failing > 0 { throw ExitCode(1) }
    }

    private func render(_ result: ScanReport, rules: [Rule]) -> String {
        switch report.format {
        case .text:
            let toTerminal = report.output == nil && isatty(STDOUT_FILENO) == 1
            let color = toTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            return TextReporter(color: color).render(result)
        case .json: return JSONReporter.render(result)
        case .jsonl: return JSONLReporter.render(result)
        case .sarif: return SARIFReporter.render(result, rules: rules)
        }
    }
}
