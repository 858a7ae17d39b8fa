import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

/// `keyleak merge`: reads the JSON or SARIF reports of sharded scans back
/// into typed findings, drops duplicates, links and judges them again (so a
/// key and its config in different shards are linked, and a copied `.oci`
/// folder is one credential set, exactly as in one scan), and adds up the
/// summaries. The result is written by the same reporter a scan uses.
public enum ReportMerger {
    /// The format of the reports merged (and of the result).
    public enum Kind: Sendable { case json, sarif }

    /// Reads `files`, merges them and returns the format and the merged report.
    /// `rules` are the rules the scans ran with (for the policy and SARIF's rule list).
    public static func merge(files: [String], rules: [Rule]) throws -> (kind: Kind, report: ScanReport) {
        guard !files.isEmpty else { throw ReportError.noReports }
        var kind: Kind?
        var findings: [Finding] = []
        var summary = ScanSummary()
        var seen = Set<String>()
        let analyzers = Dictionary(rules.map { ($0.id, $0.analyzer) }, uniquingKeysWith: { a, _ in a })
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw ReportError.reportUnreadable(file) }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ReportError.notAReport(file) }
            let objects: [[String: Any]]
            let fileKind: Kind
            if let runs = object["runs"] as? [[String: Any]] {
                fileKind = .sarif
                objects = runs.flatMap { $0["results"] as? [[String: Any]] ?? [] }.compactMap {
                    ($0["properties"] as? [String: Any])?["keyleak"] as? [String: Any]
                }
                // A run's properties carry the summary facts SARIF has no place for.
                for run in runs { add(run["properties"] as? [String: Any] ?? [:], to: &summary) }
            } else if object["version"] as? Int == 1, let list = object["findings"] as? [[String: Any]] {
                fileKind = .json
                objects = list
                add(object["summary"] as? [String: Any] ?? [:], to: &summary)
            } else {
                throw ReportError.notAReport(file)
            }
            if let kind, kind != fileKind { throw ReportError.mixedFormats }
            kind = fileKind
            for item in objects {
                guard let finding = FindingJSON.finding(item, analyzer: { analyzers[$0] }) else { throw ReportError.notAReport(file) }
                // Credential sets are made again from the merged findings.
                guard finding.analyzer != .credentialSet else { continue }
                if seen.insert(identity(finding)).inserted { findings.append(finding) }
            }
        }
        findings.sort(by: Finding.reportOrder)
        let setRule = rules.first { $0.analyzer == .credentialSet }
        CredentialLinker.link(&findings, knownKeys: KnownKeys.none, credentialSetRule: setRule)
        Policy(rules: rules).apply(&findings)
        summary.skipped.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        summary.links = Set(summary.links).sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return (kind ?? .json, ScanReport(findings: findings, summary: summary))
    }

    /// What makes two findings the same one: rule, place, commit and secret.
    private static func identity(_ f: Finding) -> String {
        [f.rule, f.path, "\(f.line)", "\(f.column)", f.commit ?? "", f.blob ?? "", f.fingerprint ?? "", f.secretHash ?? ""]
            .joined(separator: "\u{0}")
    }

    /// Adds one JSON report's summary (or a SARIF run's properties) to `summary`.
    private static func add(_ s: [String: Any], to summary: inout ScanSummary) {
        summary.files += s["files"] as? Int ?? 0
        summary.bytes += s["bytes"] as? Int ?? 0
        summary.suppressed += s["suppressed"] as? Int ?? 0
        summary.allowed += s["allowed"] as? Int ?? 0
        summary.baselined += s["baselined"] as? Int ?? 0
        summary.inlineAllowsIgnored += s["inline_allows_ignored"] as? Int ?? 0
        summary.findingsNotListed += s["findings_not_listed"] as? Int ?? 0
        // NOTE: every shard walks every folder (only files are shared out), so
        // each one meets the same links: listed once, counted once.
        summary.linksNotFollowed = max(summary.linksNotFollowed, s["links_not_followed"] as? Int ?? 0)
        for item in s["links"] as? [[String: Any]] ?? [] {
            guard let path = item["path"] as? String, let target = item["target"] as? String else { continue }
            summary.links.append(SymbolicLink(path: path, target: target))
        }
        summary.ignoredByConfig += s["ignored_by_config"] as? Int ?? 0
        summary.disabledRules = Array(Set(summary.disabledRules + (s["disabled_rules"] as? [String] ?? []))).sorted()
        if let reason = s["incomplete_history"] as? String {
            summary.incompleteHistory = summary.incompleteHistory.map { $0 == reason ? $0 : $0 + "; " + reason } ?? reason
        }
        summary.durationMs = max(summary.durationMs, s["duration_ms"] as? Int ?? 0)
        for item in s["skipped"] as? [[String: Any]] ?? [] {
            if let path = item["path"] as? String, let reason = item["reason"] as? String {
                summary.skipped.append(SkippedInput(path: path, reason: reason))
            }
        }
        if let ignored = s["ignored_config"] as? [String: Any], summary.ignoredConfig == nil {
            summary.ignoredConfig = ignored["path"] as? String
            summary.ignoredConfigRequests = ignored["requests"] as? [String] ?? []
        }
    }
}
