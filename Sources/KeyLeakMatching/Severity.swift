import KeyLeakInput
/// How urgent a finding is, from `low` to `critical` (see DESIGN.md, Severity).
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high, critical

    package var rank: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .high: return 2
        case .critical: return 3
        }
    }

    /// Orders from `low` to `critical`.
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}
