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

    @Flag(name: .customLong("no-inline-allow"), help: "Ignore keyleak:allow comments (for audits).")
    var noInlineAllow = false

    @OptionGroup var rules: RuleOptions
    @OptionGroup var report: ReportOptions

    func validate() throws {
        if staged && git { throw ValidationError("--staged and --git cannot be combined") }
        if staged && !paths.isEmpty { throw ValidationError("--staged scans the index: give no paths (use --repo DIR)") }
        if git && paths.count > 1 { throw ValidationError("--git takes at most one revision range") }
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256")
        }
    }

    func run() throws {
        let result = try exitingOnFailure { () -> ScanReport in
            var options = ScanOptions()
            if staged {
                options.git = .staged
            } else if git {
                options.git = .history(range: paths.first)
            } else if !paths.isEmpty {
                options.paths = paths
            }
            options.repository = repo
            if let threads { options.threads = threads }
            options.followSymlinks = followSymlinks
            options.allowInline = !noInlineAllow
            options.knownKeys = try KnownKeys(files: knownKeys)
            let scanner = Scanner(ruleSet: try rules.load())
            return try scanner.scan(options)
        }
        if !report.quiet {
            for skipped in result.summary.skipped { printError("skipped \(skipped.path): \(skipped.reason)") }
        }
        try exitingOnFailure { try write(result) }
        if result.count(atOrAbove: report.failOn) > 0 { throw ExitCode(1) }
    }

    private func write(_ result: ScanReport) throws {
        let toTerminal = report.output == nil && isatty(STDOUT_FILENO) == 1
        let text: String
        switch report.format {
        case .text:
            let color = toTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            text = TextReporter(color: color).render(result)
        case .json:
            text = JSONReporter.render(result)
        }
        if let output = report.output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                throw Fatal("\(output): cannot write report: \((error as NSError).localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
