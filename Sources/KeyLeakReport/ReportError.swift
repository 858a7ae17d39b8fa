import KeyLeakInput

/// What goes wrong in the report stage, one case per cause, so that callers
/// match cases rather than message text. Each names the file.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// A baseline file could not be read.
    case baselineUnreadable(String)
    /// A file is not a keyleak baseline (`{"version": 1, "entries": [...]}`).
    case notABaseline(String)
    /// A baseline entry lacks rule, path or identity: (file, entry index).
    case baselineEntry(String, Int)
    /// A report to merge could not be read.
    case reportUnreadable(String)
    /// A file is not a keyleak JSON report (version 1) or SARIF report.
    case notAReport(String)
    /// JSON and SARIF reports were given together to merge.
    case mixedFormats
    /// No report was given to merge.
    case noReports

    /// One line naming the file and the problem.
    public var description: String {
        switch self {
        case let .baselineUnreadable(file): return "\(file): cannot read the baseline"
        case let .notABaseline(file): return "\(file): not a keyleak baseline (expected {\"version\": 1, \"entries\": [...]})"
        case let .baselineEntry(file, index): return "\(file): entries[\(index)] needs rule, path and identity"
        case let .reportUnreadable(file): return "\(file): cannot read it"
        case let .notAReport(file): return "\(file): not a keyleak JSON report (version 1) or SARIF report"
        case .mixedFormats: return "cannot merge JSON and SARIF reports together"
        case .noReports: return "no reports to merge"
        }
    }
}
