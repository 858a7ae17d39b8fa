import KeyLeakInput
/// One detection rule, as written in a `rules/*.yaml` file.
public struct Rule: Sendable, Hashable {
    /// Stable identifier reported in findings (`private-key`).
    public var id: String
    /// One-line human title.
    public var title: String
    /// Longer help text (SARIF help, `rules list`).
    public var description: String?
    /// Severity before analysis adjusts it (an encrypted key is lowered to medium, …).
    public var severity: Severity
    /// Which analysis turns a match into a finding.
    public var analyzer: AnalyzerKind
    /// Literal byte strings, one of which every match contains: the prefilter
    /// runs the pattern only near these.
    public var keywords: [String]
    /// PCRE2 pattern, matched against raw bytes (no UTF mode); empty for a
    /// derived rule (`analyzer: credential-set`), which matches nothing itself.
    public var pattern: String
    /// Bytes after a keyword hit that the pattern may span. Default 4096.
    public var window: Int?
    /// Texts the pattern must match (`rules check` and the tests verify them).
    public var examples: [String]
    /// Texts the pattern must not match.
    public var negativeExamples: [String]
    /// Binary examples, as hex (for rules on file contents that are not text).
    public var examplesHex: [String]

    /// The rule looks at the start of every blob rather than near keywords.
    public var isFileStart: Bool { analyzer.isFileStart }

    /// Bytes after a keyword hit the pattern may span.
    package var searchWindow: Int { window ?? 4096 }
}
