import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the JSON or SARIF reports of sharded scans (--shard K/N) into one.",
        discussion: "Exit status: 0 merged and no finding at or above --fail-on, 1 findings at or above it, 2 a report could not be read."
    )

    @Argument(help: "Reports to merge (all JSON or all SARIF).")
    var reports: [String]

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the merged report to FILE.", valueName: "FILE"))
    var output: String?

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a merged finding is at or above this severity (default medium).")
    var failOn: Severity = .medium

    func validate() throws {
        if reports.isEmpty { throw ValidationError("give the reports to merge") }
    }

    @OptionGroup var rules: RuleOptions

    func run() throws {
        let merged = try exitingOnFailure { () -> ScanReport in
            let ruleSet = try rules.load()
            let (kind, report) = try ReportMerger.merge(files: reports, rules: ruleSet.rules)
            let text = kind == .json ? JSONReporter.render(report) : SARIFReporter.render(report, rules: ruleSet.rules)
            Output.learn(from: report)
            try Output.write(text, to: output)
            return report
        }
        if merged.count(atOrAbove: failOn) > 0 { throw ExitCode(1) }
    }
}
