import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import Foundation

/// `--format text`: one block per finding (`path:line:column`, severity, rule,
/// what key, fingerprints, redacted preview), then a summary.
public struct TextReporter {
    /// ANSI colour; the CLI turns it on only for a terminal without `NO_COLOR`.
    public var color: Bool

    /// A reporter, with or without ANSI colour.
    public init(color: Bool) { self.color = color }

    /// The report: one block per finding, then the summary line and the skipped inputs.
    public func render(_ report: ScanReport) -> String {
        var out = ""
        // NOTE: every value below may come from the scanned files (names,
        // settings, git metadata): each is escaped, so that none can drive the
        // terminal (see `TerminalText`). Fixed text and numbers are not.
        let safe = TerminalText.escape
        for f in report.findings {
            let location = "\(safe(f.path)):\(f.line):\(f.column)"
            out += paint(location, "1") + " " + paint(f.severity.rawValue, colorCode(f.severity)) + " [\(safe(f.rule))] \(safe(f.message))\n"
            if let commit = f.commit {
                out += "    commit \(safe(commit))" + (f.author.map { " by \(safe($0))" } ?? "") + (f.date.map { " on \(safe($0))" } ?? "") + "\n"
            }
            // Every path of the key's blob at the tips (a rename or copy leaves more than one).
            for place in f.paths where place.path != f.path || f.paths.count > 1 {
                out += "    at \(place.ref): \(place.path)\n"
            }
            if f.commit != nil, f.blob != nil, f.paths.isEmpty, f.configChange == nil { out += "    at no scanned tip (deleted since)\n" }
            if let identity = f.key?.identity {
                out += "    fingerprint \(identity.oci)" + (identity.sha256.map { "  \($0)" } ?? "") + "\n"
            }
            if let v = f.verification { out += "    " + TextReporter.verificationLine(v, paint: paint) + "\n" }
            out += "    " + paint(safe(f.preview), "2") + "\n"
            if let r = f.remediation {
                out += "    revoke: \(safe(r.revoke))\n    rotate: \(safe(r.rotate))\n    purge:  \(safe(r.purge))\n    \(r.note)\n"
            }
        }
        out += summaryLine(report)
        return out
    }

    /// `verified LIVE (HTTP 200 from https://identity…, 2026-11-26T03:40:00Z)`: what `--verify` learnt, on one line.
    static func verificationLine(_ v: VerificationFacts, paint: (String, String) -> String) -> String {
        let safe = TerminalText.escape
        var answer = v.httpStatus.map { "HTTP \($0)" } ?? safe(v.detail ?? "no answer")
        if v.httpStatus != nil, v.state == .unknown, let detail = v.detail, detail != answer { answer += ", " + safe(detail) }
        let place = v.endpoint.isEmpty ? "" : " from \(safe(v.endpoint))"
        switch v.state {
        case .live: return paint("verified LIVE", "1;31") + " (\(answer)\(place), \(safe(v.checkedAt)))"
        case .rejected: return "verified: not accepted (\(answer)\(place), \(safe(v.checkedAt)))"
        case .unknown: return "verified: unknown (\(answer)\(place), \(safe(v.checkedAt)))"
        }
    }

    /// `N findings (…) in F files, B, T ms`, then one line per skipped input.
    package func summaryLine(_ report: ScanReport) -> String {
        let s = report.summary
        var counts: [String] = []
        for severity in Severity.allCases.reversed() {
            let n = report.findings.filter { $0.severity == severity }.count
            if n > 0 { counts.append("\(n) \(severity.rawValue)") }
        }
        let total = report.findings.count
        var line = total == 0 ? "no findings" : "\(total) finding\(total == 1 ? "" : "s") (\(counts.joined(separator: ", ")))"
        line += " in \(s.files) file\(s.files == 1 ? "" : "s"), \(TextReporter.bytes(s.bytes)), \(s.durationMs) ms"
        if s.suppressed > 0 { line += "; \(s.suppressed) suppressed inline" }
        if s.allowed > 0 { line += "; \(s.allowed) allowed by config" }
        if s.baselined > 0 { line += "; \(s.baselined) in the baseline" }
        if s.findingsNotListed > 0 { line += "; \(s.findingsNotListed) finding\(s.findingsNotListed == 1 ? "" : "s") not listed" }
        if !s.skipped.isEmpty { line += "; \(s.skipped.count) skipped" }
        if !s.links.isEmpty { line += "; \(s.links.count) symbolic link\(s.links.count == 1 ? "" : "s") followed" }
        if s.linksNotFollowed > 0 {
            line += "; \(s.linksNotFollowed) symbolic link\(s.linksNotFollowed == 1 ? "" : "s") not followed (--follow-symlinks)"
        }
        if s.ignoredByConfig > 0 { line += "; \(s.ignoredByConfig) path\(s.ignoredByConfig == 1 ? "" : "s") ignored by config" }
        var out = (report.findings.isEmpty ? "" : "\n") + line + "\n"
        if let config = s.ignoredConfig {
            out += "  not obeyed: \(TerminalText.escape(config)) (a folder's own settings cannot silence its check)"
                + (s.ignoredConfigRequests.isEmpty ? "" : ": " + s.ignoredConfigRequests.map(TerminalText.escape).joined(separator: "; ")) + "\n"
        }
        if !s.disabledRules.isEmpty { out += "  rules disabled by config: \(s.disabledRules.joined(separator: ", "))\n" }
        if let reason = s.incompleteHistory { out += "  incomplete history: \(reason)\n" }
        if s.inlineAllowsIgnored > 0 {
            out += "  not obeyed: \(s.inlineAllowsIgnored) inline allow comment\(s.inlineAllowsIgnored == 1 ? "" : "s") (reported above)\n"
        }
        for skipped in s.skipped { out += "  skipped \(TerminalText.escape(skipped.path)): \(TerminalText.escape(skipped.reason))\n" }
        for link in s.links { out += "  link \(TerminalText.escape(link.path)) -> \(TerminalText.escape(link.target))\n" }
        return out
    }

    package static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(n) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        // One decimal, as printf's %.1f rounds (half to even; `value` is
        // n / 1024^k, exact in binary). NOTE: not String(format:), whose
        // locale set-up cost a hook as much as its scan.
        let tenths = Int((value * 10).rounded(.toNearestOrEven))
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    private func colorCode(_ s: Severity) -> String {
        switch s {
        case .critical: return "1;31"
        case .high: return "31"
        case .medium: return "33"
        case .low: return "36"
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text
    }
}
