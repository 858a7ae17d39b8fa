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
    /// (`suppressed` inline, `allowed` by fingerprint, `baselined`).
    public func apply(_ findings: inout [Finding], summary: inout ScanSummary) {
        findings.removeAll { finding in
            if inline, finding.inlineAllowed {
                summary.suppressed += 1
                return true
            }
            if let fingerprint = finding.fingerprint, allowedFingerprints[fingerprint] != nil {
                summary.allowed += 1
                return true
            }
            if let baseline, baseline.contains(finding) {
                summary.baselined += 1
                return true
            }
            return false
        }
    }
}
