import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

/// What may silence a finding, applied once at the end of a scan to the
/// final, linked findings, one finding at a time (so silencing one can never
/// touch a neighbour), each silenced finding counted in the summary.
public struct Suppression: Sendable {
    /// Honour inline `keyleak:allow` comments. Default: on; `--no-inline-allow` and `--publish` turn it off.
    public var inline = true
    /// Fingerprints allowed to stay, with the reason (`allow.fingerprints`).
    public var allowedFingerprints: [String: String] = [:]
    /// Findings already known (`--baseline`): only new ones are reported.
    public var baseline: Baseline?

    /// Nothing is silenced but inline comments.
    public init() {}

    /// Removes the silenced findings, counting them in `summary`
    /// (`suppressed` inline, `allowed` by fingerprint, `baselined`). The
    /// finding that stands for a file's findings past `--max-findings-per-file`
    /// loses the kinds silenced (all of them: it goes) and `policy` judges it
    /// again on the rest.
    public func apply(_ findings: inout [Finding], summary: inout ScanSummary, policy: Policy) {
        for i in findings.indices {
            guard var notListed = findings[i].notListed, trim(&notListed, summary: &summary) else { continue }
            findings[i].notListed = notListed
            findings[i].severity = policy.severity(findings[i])
            findings[i].message = policy.message(findings[i])
        }
        findings.removeAll { finding in
            if let notListed = finding.notListed, notListed.count == 0 { return true }
            if inline, finding.inlineAllowed {
                summary.suppressed += 1
                return true
            }
            if let fingerprint = finding.fingerprint, allowedFingerprints[fingerprint] != nil {
                summary.allowed += 1
                return true
            }
            if let baseline, baseline.contains(finding) {
                summary.baselined += finding.notListed?.count ?? 1
                return true
            }
            return false
        }
    }

    /// Drops the groups of findings left out that an inline comment or an
    /// allowed fingerprint silences, counting them; true when any was dropped.
    /// NOTE: a group is silenced by fingerprint only when all its findings
    /// share it; the baseline takes the standing finding whole, by its own
    /// identity, since the findings it stands for were never kept to compare.
    private func trim(_ notListed: inout NotListedFacts, summary: inout ScanSummary) -> Bool {
        let before = notListed.groups.count
        notListed.groups.removeAll { group in
            if inline, group.first.inlineAllowed {
                summary.suppressed += group.count
                return true
            }
            if group.sameSecret, let fingerprint = group.first.fingerprint, allowedFingerprints[fingerprint] != nil {
                summary.allowed += group.count
                return true
            }
            return false
        }
        return notListed.groups.count != before
    }
}
