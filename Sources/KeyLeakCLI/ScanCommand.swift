import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
import KeyLeakVerify
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

    @Flag(name: .customLong("follow-symlinks"), help: "Follow symbolic links (loops are detected) and list them. Default: links are not read, only counted; --publish follows them.")
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

    @Flag(help: "Check a folder before it is shared: archives opened, symbolic links followed and listed, no path ignores from configs, --fail-on low, and a closing line saying whether it is safe to share.")
    var publish = false

    @Option(help: ArgumentHelp("Scan only share K of N (1 ≤ K ≤ N): files by path hash, blobs by object id. Combine the reports with `keyleak merge`.", valueName: "K/N"))
    var shard: String?

    @Flag(name: .customLong("no-archives"), help: "Do not look inside archives (zip, jar, tar, tar.gz, gzip, …).")
    var noArchives = false

    @Option(name: .customLong("max-archive-depth"), help: "How deep nested archives are opened (default 3).")
    var maxArchiveDepth = 3

    @Option(name: .customLong("max-findings-per-file"), help: ArgumentHelp(
        "Findings listed per file (default: the config's max-findings-per-file, else 1000); the rest are counted in one finding rated as the worst of them.",
        valueName: "N"))
    var maxFindingsPerFile: Int?

    @Flag(name: .customLong("no-inline-allow"), help: "Ignore keyleak:allow comments (for audits).")
    var noInlineAllow = false

    @Flag(name: .customLong("trust-repo-config"), help: "With --staged or --git BASE..TIP, read .keyleak.yaml from the working tree (default: from the base of the change, so the change cannot configure its own scan).")
    var trustRepoConfig = false

    @Flag(name: .customLong("fail-on-incomplete"), help: "With --git, exit 1 when the history is incomplete (a shallow or partial clone): default, it is reported.")
    var failOnIncomplete = false

    @Flag(help: "Ask OCI whether each leaked OCI API key whose user and tenancy are known is live: one read-only request (GET the key's user) signed with the key, as the OCI SDK signs it; the key itself is never sent. Live keys are critical. Default: off, nothing is sent.")
    var verify = false

    @Option(name: .customLong("verify-endpoint"), help: ArgumentHelp(
        "With --verify, send the requests to this https:// URL instead of each key's region's identity endpoint (other realms, private endpoints, tests). Default: $\(VerifyOptions.endpointVariable), else OCI's.",
        valueName: "URL"))
    var verifyEndpoint: String?

    @Option(name: .customLong("verify-ca"), help: ArgumentHelp("With --verify, also trust the CA certificates in this PEM file (TLS is always verified).", valueName: "FILE"))
    var verifyCA: String?

    @OptionGroup var rules: RuleOptions
    @OptionGroup var report: ReportOptions

    func validate() throws {
        if staged && git { throw ValidationError("--staged and --git cannot be combined") }
        if publish && (staged || git) { throw ValidationError("--publish checks folders, not git") }
        if publish && noArchives { throw ValidationError("--publish always opens archives") }
        if staged && !paths.isEmpty { throw ValidationError("--staged scans the index: give no paths (use --repo DIR)") }
        if git && paths.count > 1 { throw ValidationError("--git takes at most one revision range") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard takes K/N with 1 ≤ K ≤ N, e.g. 2/8") }
        if let maxFindingsPerFile, maxFindingsPerFile < 1 { throw ValidationError("--max-findings-per-file must be at least 1") }
        if !verify && (verifyEndpoint != nil || verifyCA != nil) {
            throw ValidationError("--verify-endpoint and --verify-ca go with --verify (nothing is sent without it)")
        }
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256")
        }
    }

    /// The command line as a scan request; the library settles the rest.
    private var request: ScanRequest {
        var request = ScanRequest()
        request.target = staged ? .staged : git ? .history(range: paths.first) : .files(paths)
        request.repository = repo
        request.configFile = config
        request.publish = publish
        request.threads = threads
        request.followSymlinks = followSymlinks
        request.knownKeyFiles = knownKeys
        request.baselineFile = baseline
        request.shard = shard.flatMap(Shard.init)
        request.archives = !noArchives
        request.maxArchiveDepth = maxArchiveDepth
        request.maxFindingsPerFile = maxFindingsPerFile
        request.inlineAllow = !noInlineAllow
        request.ruleDirectories = rules.ruleDirectories
        request.failOn = report.failOn
        request.trustRepoConfig = trustRepoConfig
        request.failOnIncomplete = failOnIncomplete
        request.verify = verify
        if verify {
            let fromEnvironment = ProcessInfo.processInfo.environment[VerifyOptions.endpointVariable].flatMap { $0.isEmpty ? nil : $0 }
            request.verifyEndpoint = verifyEndpoint ?? fromEnvironment
            request.verifyCAFile = verifyCA
        }
        return request
    }

    func run() throws {
        try ScanCommand.execute(request, output: ScanOutput(format: report.format, file: report.output, quiet: report.quiet,
                                                            writeBaseline: writeBaseline))
    }

    /// Where and how a scan's results go.
    struct ScanOutput {
        var format = ReportFormat.text
        /// The report's file; nil for standard output.
        var file: String?
        var quiet = false
        /// `--write-baseline FILE`.
        var writeBaseline: String?
    }

    /// Runs `request` and prints its report, warnings, verdict and advice;
    /// exits 1 (throws `ExitCode(1)`) when it fails, 2 when it cannot be done.
    static func execute(_ request: ScanRequest, output: ScanOutput) throws {
        let progress = ProgressLine(enabled: !output.quiet && isatty(STDERR_FILENO) == 1)
        let (plan, result) = try exitingOnFailure { () -> (ScanPlan, ScanReport) in
            let plan = try ScanPlan(resolving: request)
            return (plan, try plan.run(progress: progress.callback))
        }
        progress.finish()
        Output.learn(from: result)
        // NOTE: always on stderr too (the contract), even when a text report lists them.
        if !output.quiet {
            warnIncomplete(result)
            if let ignored = plan.ignoredConfig {
                printError("not obeyed: \(ignored.path): the folder under check cannot configure its own check (use --config FILE to choose a config)")
            }
        }
        if let writeBaseline = output.writeBaseline {
            try exitingOnFailure { try Output.write(Baseline(findings: result.findings).render(), to: writeBaseline) }
            printError("wrote \(result.findings.count) finding\(result.findings.count == 1 ? "" : "s") to the baseline \(writeBaseline)")
            return
        }
        try exitingOnFailure { try Output.write(render(result, rules: plan.ruleSet.rules, output: output), to: output.file) }
        if request.publish {
            let verdict = plan.shareVerdict(result)
            printError(verdict.line)
            if verdict.exitCode != 0 { throw ExitCode(verdict.exitCode) }
        }
        if request.target == .staged, !output.quiet, result.count(atOrAbove: plan.failOn) > 0 {
            // NOTE: said by the scan itself, not only by hooks/pre-commit, so that
            // it reaches the user through husky and the pre-commit framework too.
            Output.usage(ScanCommand.stagedAdvice)
        }
        if result.count(atOrAbove: plan.failOn) > 0 || plan.failsAsIncomplete(result) { throw ExitCode(1) }
    }

    /// Says on standard error what `result` could not read: each skipped
    /// input, and a history that is not all there.
    static func warnIncomplete(_ result: ScanReport) {
        for skipped in result.summary.skipped { printError("skipped \(skipped.path): \(skipped.reason)") }
        if let reason = result.summary.incompleteHistory { printError("warning: incomplete history: \(reason)") }
    }

    /// What to do when `--staged` finds a key: how to take the file out of the
    /// commit, and how to get past a false positive.
    static let stagedAdvice = """

        keyleak: this commit would record the key(s) or credential(s) above.
          Take a file out of the commit (it stays in your working tree):
              git rm --cached PATH          (or, after the first commit: git restore --staged PATH)
          then add it to .gitignore. A key that was ever pushed or shared must be rotated.
          A false positive, such as a test fixture? Put a `keyleak:allow` comment on
          its line (or the line before a key block), or commit once without the check:
              git commit --no-verify

        """

    private static func render(_ result: ScanReport, rules: [Rule], output: ScanOutput) -> String {
        switch output.format {
        case .text:
            let toTerminal = output.file == nil && isatty(STDOUT_FILENO) == 1
            let color = toTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            return TextReporter(color: color).render(result)
        case .json: return JSONReporter.render(result)
        case .jsonl: return JSONLReporter.render(result)
        case .sarif: return SARIFReporter.render(result, rules: rules)
        }
    }
}
