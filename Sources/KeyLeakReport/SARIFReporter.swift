import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import Foundation

/// `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it: rules
/// with help, results with locations (and the commit in history scans),
/// severity as `level` and `security-severity`, and partial fingerprints that
/// identify the secret rather than its line.
public enum SARIFReporter {
    /// The report as one SARIF log; `rules` are those the scan ran with (those used are listed).
    public static func render(_ report: ScanReport, rules: [Rule]) -> String {
        let used = Set(report.findings.map(\.rule))
        let known = rules.filter { used.contains($0.id) }
        var ruleList = known.map(rule)
        var ids = known.map(\.id)
        // A rule the run does not know (a custom rule in a merged report) still gets an entry.
        for id in used.subtracting(ids).sorted() {
            ruleList.append(.object([("id", .string(id)), ("shortDescription", .object([("text", .string(id))]))]))
            ids.append(id)
        }
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let driver = JSONWriter.Value.object([
            ("name", .string("keyleak")),
            ("version", .string(KeyLeakVersion.current)),
            ("semanticVersion", .string(KeyLeakVersion.current)),
            ("rules", .array(ruleList)),
        ])
        let run = JSONWriter.Value.object([
            ("tool", .object([("driver", driver)])),
            ("columnKind", .string("utf16CodeUnits")),
            ("results", .array(report.findings.map { result($0, ruleIndex: index[$0.rule]!) })),
            // The summary facts that decide whether a clean result can be trusted, and what
            // the scan left out whatever it found (read back by `keyleak merge`).
            ("properties", .object([
                ("links", JSONReporter.links(report.summary.links)),
                ("links_not_followed", .int(report.summary.linksNotFollowed)),
                ("findings_not_listed", .int(report.summary.findingsNotListed)),
                ("ignored_by_config", .int(report.summary.ignoredByConfig)),
                ("disabled_rules", .array(report.summary.disabledRules.map(JSONWriter.Value.string))),
                ("incomplete_history", .optional(report.summary.incompleteHistory)),
            ])),
        ])
        return JSONWriter.render(.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])) + "\n"
    }

    package static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low: return "note"
        }
    }

    /// GitHub's `security-severity`: critical ≥ 9, high 7–8.9, medium 4–6.9, low < 4.
    package static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "3.0"
        }
    }

    private static func rule(_ r: Rule) -> JSONWriter.Value {
        var help = (r.description ?? r.title)
            + " Remove the secret from the file (and from history), rotate it, and see `keyleak doctor` for OCI configs."
        if r.id.hasPrefix("oci-") || r.id == "private-key" {
            // Each result's `properties.keyleak.remediation` holds the exact commands for its key.
            help += " For an OCI API key: revoke it with `oci iam user api-key delete --user-id <user> --fingerprint <fingerprint> --force`"
                + " (or in the Console: Identity & Security → Domains → Users → the user → API keys), make a new one with `oci setup keys`"
                + " and `oci iam user api-key upload`, and purge the file from history with `git filter-repo --invert-paths --path <path>`."
                + " A key once pushed stays compromised: revoke it first."
        }
        return .object([
            ("id", .string(r.id)),
            ("name", .string(r.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())),
            ("shortDescription", .object([("text", .string(r.title))])),
            ("fullDescription", .object([("text", .string(r.description ?? r.title))])),
            ("help", .object([("text", .string(help)), ("markdown", .string(help))])),
            ("defaultConfiguration", .object([("level", .string(level(r.severity)))])),
            ("properties", .object([
                ("security-severity", .string(securitySeverity(r.severity))),
                ("tags", .array([.string("security"), .string("secret"), .string("private-key")])),
            ])),
        ])
    }

    private static func result(_ f: Finding, ruleIndex: Int) -> JSONWriter.Value {
        var message = f.message
        if let fingerprint = f.key?.identity?.oci { message += " (fingerprint \(fingerprint))" }
        if let commit = f.commit { message += " in commit \(commit)" }
        var properties: [(String, JSONWriter.Value)] = [
            ("severity", .string(f.severity.rawValue)),
            ("security-severity", .string(securitySeverity(f.severity))),
        ]
        if let fingerprint = f.key?.identity?.oci ?? f.oci?.fingerprint { properties.append(("fingerprint", .string(fingerprint))) }
        if let commit = f.commit { properties.append(("commit", .string(commit))) }
        if let link = f.throughLink?.link { properties.append(("link", .string("\(link.path) -> \(link.target)"))) }
        if let verification = f.verification { properties.append(("verification", .string(verification.state.rawValue))) }
        // Every fact of the finding, as in `--format json`, so `keyleak merge` can read SARIF back.
        properties.append(("keyleak", FindingJSON.value(f)))
        let identity = f.key?.identity?.oci ?? f.secretHash ?? "\(f.path):\(f.line)"
        return .object([
            ("ruleId", .string(f.rule)),
            ("ruleIndex", .int(ruleIndex)),
            ("level", .string(level(f.severity))),
            ("message", .object([("text", .string(message))])),
            ("locations", .array([.object([("physicalLocation", .object([
                ("artifactLocation", .object([("uri", .string(uri(f.path))), ("uriBaseId", .string("%SRCROOT%"))])),
                ("region", .object([
                    ("startLine", .int(max(1, f.line))), ("startColumn", .int(max(1, f.column))),
                    ("endLine", .int(max(f.line, f.endLine, 1))),
                ])),
            ]))])])),
            ("partialFingerprints", .object([("keyleak/v1", .string("\(f.rule):\(identity)"))])),
            ("properties", .object(properties)),
        ])
    }

    /// A relative URI reference for a reported path: the path's real bytes
    /// (`PathBytes.bytes`), each percent-encoded unless it is an unreserved
    /// character, `/`, or a sub-delimiter (`!` archive separators kept); `:`
    /// is encoded so the reference is never read as a scheme.
    package static func uri(_ path: String) -> String {
        var out = ""
        for byte in PathBytes.bytes(path) {
            if uriKept.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// The bytes `uri` writes as they are (RFC 3986 unreserved, sub-delims, `@` and `/`).
    private static let uriKept: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=@/".utf8))
}
