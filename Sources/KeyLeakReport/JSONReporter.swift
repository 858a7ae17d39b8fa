import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

/// `--format json`: one object, the contract in DESIGN.md.
public enum JSONReporter {
    /// The report as one JSON object.
    public static func render(_ report: ScanReport) -> String {
        let findings = report.findings.map(FindingJSON.value)
        return JSONWriter.render(.object([("version", .int(1)), ("findings", .array(findings)),
                                          ("summary", summaryValue(report.summary))])) + "\n"
    }

    /// The `summary` object.
    static func summaryValue(_ summary: ScanSummary) -> JSONWriter.Value {
        .object([
            ("files", .int(summary.files)),
            ("bytes", .int(summary.bytes)),
            ("skipped", .array(summary.skipped.map {
                .object([("path", .string($0.path)), ("reason", .string($0.reason))])
            })),
            ("suppressed", .int(summary.suppressed)),
            ("allowed", .int(summary.allowed)),
            ("baselined", .int(summary.baselined)),
            ("ignored_config", summary.ignoredConfig.map { path in
                .object([("path", .string(path)), ("requests", .array(summary.ignoredConfigRequests.map(JSONWriter.Value.string)))])
            } ?? .null),
            ("inline_allows_ignored", .int(summary.inlineAllowsIgnored)),
            ("links", links(summary.links)),
            ("links_not_followed", .int(summary.linksNotFollowed)),
            ("findings_not_listed", .int(summary.findingsNotListed)),
            ("ignored_by_config", .int(summary.ignoredByConfig)),
            ("disabled_rules", .array(summary.disabledRules.map(JSONWriter.Value.string))),
            ("incomplete_history", .optional(summary.incompleteHistory)),
            ("duration_ms", .int(summary.durationMs)),
        ])
    }

    /// Symbolic links as `[{path, target}]` (the summary's `links`, also in SARIF run properties).
    static func links(_ links: [SymbolicLink]) -> JSONWriter.Value {
        .array(links.map { .object([("path", .string($0.path)), ("target", .string($0.target))]) })
    }
}

/// `--format jsonl`: one finding per line, the same fields as `--format json`,
/// for pipelines that stream.
public enum JSONLReporter {
    /// One line per finding.
    public static func render(_ report: ScanReport) -> String {
        report.findings.map { JSONWriter.render(FindingJSON.value($0), pretty: false) + "\n" }.joined()
    }
}
