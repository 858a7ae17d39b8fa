import ArgumentParser
import Foundation
import KeyLeak

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

    func run() throws {
        let (kind, data) = try exitingOnFailure { try ReportMerger.merge(files: reports) }
        try exitingOnFailure { try Output.write(String(decoding: data, as: UTF8.self) + "\n", to: output) }
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        let severities: [String]
        switch kind {
        case .json: severities = (object?["findings"] as? [[String: Any]] ?? []).compactMap { $0["severity"] as? String }
        case .sarif:
            severities = ((object?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? [])
                .compactMap { ($0["properties"] as? [String: Any])?["severity"] as? String }
        }
        if severities.contains(where: { (Severity(rawValue: $0) ?? .low) >= failOn }) { throw ExitCode(1) }
    }
}
