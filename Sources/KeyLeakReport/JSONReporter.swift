import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
/// `--format json`: one object, the contract in DESIGN.md.
public enum JSONReporter {
    public static func render(_ report: ScanReport) -> String {
        let findings = report.findings.map(value)
        let summary = JSONWriter.Value.object([
            ("files", .int(report.summary.files)),
            ("bytes", .int(report.summary.bytes)),
            ("skipped", .array(report.summary.skipped.map {
                .object([("path", .string($0.path)), ("reason", .string($0.reason))])
            })),
            ("suppressed", .int(report.summary.suppressed)),
            ("allowed", .int(report.summary.allowed)),
            ("baselined", .int(report.summary.baselined)),
            ("duration_ms", .int(report.summary.durationMs)),
        ])
        return JSONWriter.render(.object([("version", .int(1)), ("findings", .array(findings)), ("summary", summary)])) + "\n"
    }

    package static func value(_ f: Finding) -> JSONWriter.Value {
        let key = f.key
        return .object([
            ("rule", .string(f.rule)),
            ("severity", .string(f.severity.rawValue)),
            ("path", .string(f.path)),
            ("line", .int(f.line)),
            ("column", .int(f.column)),
            ("end_line", .int(f.endLine)),
            ("commit", .optional(f.commit)),
            ("author", .optional(f.author)),
            ("date", .optional(f.date)),
            ("fingerprint", .optional(key?.identity?.oci ?? f.oci?.fingerprint)),
            ("sha256", .optional(key?.identity?.sha256)),
            ("key_type", .optional(key?.algorithm)),
            ("key_bits", .optional(key?.identity?.bits)),
            ("key_format", .optional(key?.format)),
            ("encrypted", .bool(key?.encrypted ?? false)),
            ("truncated", .bool(key?.truncated ?? false)),
            ("oci_marker", .bool(f.ociMarker)),
            ("known_key", f.knownKey.map { k in
                .object([("label", .optional(k.label)), ("state", .optional(k.state)), ("user", .optional(k.user)),
                         ("source", .string(k.source))])
            } ?? .null),
            ("oci", f.oci.map { o in
                .object([("source", .string(o.source)), ("profile", .optional(o.profile)), ("user", .optional(o.user)),
                         ("tenancy", .optional(o.tenancy)), ("region", .optional(o.region)),
                         ("key_file", .optional(o.keyFile)), ("pass_phrase", .bool(o.hasPassPhrase))])
            } ?? .null),
            ("related", .array(f.related.map {
                .object([("path", .string($0.path)), ("line", .int($0.line)), ("rule", .string($0.rule))])
            })),
            ("message", .string(f.message)),
            ("preview", .string(f.preview)),
        ])
    }
}

/// `--format jsonl`: one finding per line, the same fields as `--format json`,
/// for pipelines that stream.
public enum JSONLReporter {
    public static func render(_ report: ScanReport) -> String {
        report.findings.map { JSONWriter.render(JSONReporter.value($0), pretty: false) + "\n" }.joined()
    }
}
