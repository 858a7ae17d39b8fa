import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

/// Output options shared by the commands that report findings.
struct ReportOptions: ParsableArguments {
    @Option(help: "Report format: text, json, jsonl (one finding a line), sarif (SARIF 2.1.0).")
    var format: ReportFormat = .text

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding is at or above this severity: low, medium, high, critical (default: the config's fail-on, else medium).")
    var failOn: Severity?

    @Flag(help: "Print nothing but the report (no progress line, no warnings about skipped files on standard error).")
    var quiet = false
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, sarif
}

extension Severity: ExpressibleByArgument {}

/// Rule options shared by `scan`, `fingerprint` and `rules`.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp("Add the rule files (*.yaml) in DIR (repeatable).", valueName: "DIR"))
    var ruleDirectories: [String] = []

    /// The embedded rules plus those in `--rules` folders.
    func load() throws -> RuleSet {
        try ScanPlan.loadRules(directories: ruleDirectories)
    }
}

/// An error that ends the command with exit status 2 and a message.
struct Fatal: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Prints `keyleak: message` on standard error, through the output firewall
/// and with control characters escaped (see `Output.error`).
func printError(_ message: String) {
    Output.error(message)
}

/// Runs `body`, mapping failures to exit status 2 with a message on standard error.
func exitingOnFailure<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as any (Error & CustomStringConvertible) {
        printError(error.description)
        throw ExitCode(2)
    } catch {
        printError("\(error)")
        throw ExitCode(2)
    }
}
