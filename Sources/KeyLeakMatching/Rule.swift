import KeyLeakInput
/// One detection rule, as written in a `rules/*.yaml` file.
public struct Rule: Sendable, Codable, Hashable {
    /// Stable identifier reported in findings (`private-key`).
    public var id: String
    /// One-line human title.
    public var title: String
    /// Longer help text (SARIF help, `rules list`).
    public var description: String?
    /// Severity before analysis adjusts it (an encrypted key is lowered to medium, …).
    public var severity: Severity
    /// Which analysis turns a match into a finding: `pem`, `putty`, `base64-pem`, `der`, `oci-marker`.
    public var analyzer: String
    /// Literal byte strings, one of which every match contains: the prefilter
    /// runs the pattern only near these.
    public var keywords: [String]
    /// PCRE2 pattern, matched against raw bytes (no UTF mode).
    public var pattern: String
    /// Bytes after a keyword hit that the pattern may span. Default 4096.
    public var window: Int?
    /// Texts the pattern must match (`rules check` and the tests verify them).
    public var examples: [String]
    /// Texts the pattern must not match.
    public var negativeExamples: [String]
    /// Binary examples, as hex (for rules on file contents that are not text).
    public var examplesHex: [String]

    package enum CodingKeys: String, CodingKey {
        case id, title, description, severity, analyzer, keywords, pattern, window, examples
        case negativeExamples = "negative_examples"
        case examplesHex = "examples_hex"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        severity = try c.decode(Severity.self, forKey: .severity)
        analyzer = try c.decode(String.self, forKey: .analyzer)
        keywords = try c.decode([String].self, forKey: .keywords)
        pattern = try c.decode(String.self, forKey: .pattern)
        window = try c.decodeIfPresent(Int.self, forKey: .window)
        examples = try c.decodeIfPresent([String].self, forKey: .examples) ?? []
        negativeExamples = try c.decodeIfPresent([String].self, forKey: .negativeExamples) ?? []
        examplesHex = try c.decodeIfPresent([String].self, forKey: .examplesHex) ?? []
    }

    /// Analyzers keyleak knows.
    package static let analyzers = Set<String>(["pem", "putty", "base64-pem", "der", "oci-marker", "oci-config"])
        .union(fileStartAnalyzers)

    /// Analyzers of whole binary files: their pattern is tried once, at the
    /// first byte of every blob, instead of near keywords.
    package static let fileStartAnalyzers: Set<String> = ["der-file", "pkcs12", "keystore"]

    /// The rule looks at the start of every blob rather than near keywords.
    public var isFileStart: Bool { Rule.fileStartAnalyzers.contains(analyzer) }

    /// Bytes after a keyword hit the pattern may span.
    package var searchWindow: Int { window ?? 4096 }
}
