import KeyLeakInput
import KeyLeakMatching
/// One thing keyleak reports: where, which rule, how severe, and what the
/// analysis learned. Never holds a secret beyond its short `preview`.
public struct Finding: Sendable, Hashable {
    /// Rule id (`private-key`).
    public var rule: String
    public var severity: Severity
    /// Path relative to the scan root (`archive.zip!member` for archive members).
    public var path: String
    /// 1-based line and byte column of the first byte, and the last line.
    public var line: Int
    public var column: Int
    public var endLine: Int
    /// Commit that introduced the blob (history scans), else nil.
    public var commit: String?
    /// Author and date (ISO 8601) of `commit`.
    public var author: String?
    public var date: String?
    /// Facts about the private key, nil for findings that are not keys.
    public var key: KeyFacts?
    /// An `OCI_API_KEY` line follows the key.
    public var ociMarker: Bool
    /// Registered key this key (or config fingerprint) matches, from `--known-keys`.
    public var knownKey: KnownKeyMatch?
    /// OCI identity of config-like findings.
    public var oci: OCIIdentity?
    /// Linked findings (a config and the key it points to), sorted.
    public var related: [RelatedFinding] = []
    /// What the finding is, in a sentence.
    public var message: String
    /// The start of the match, cut after a few characters: never the secret.
    public var preview: String

    /// SHA-256 (hex) of the secret's normalised bytes: identifies a secret with
    /// no fingerprint (an encrypted or truncated key) in baselines and SARIF.
    public var secretHash: String?
    /// Byte offsets of the match in its blob (start inclusive, end exclusive).
    package var startOffset: Int
    package var endOffset: Int
    /// Path bytes to reopen the blob (directory scans), for analysis that needs
    /// the bytes again after the scan (opening an encrypted key with a pass phrase).
    package var sourcePath: [UInt8]?

    public init(rule: String, severity: Severity, path: String, line: Int = 0, column: Int = 0, endLine: Int = 0,
                commit: String? = nil, key: KeyFacts? = nil, ociMarker: Bool = false, message: String,
                preview: String, startOffset: Int = 0, endOffset: Int = 0) {
        self.rule = rule
        self.severity = severity
        self.path = path
        self.line = line
        self.column = column
        self.endLine = endLine
        self.commit = commit
        self.key = key
        self.ociMarker = ociMarker
        self.message = message
        self.preview = preview
        self.startOffset = startOffset
        self.endOffset = endOffset
    }

    /// Report order: path, line, column, rule; independent of thread count.
    package static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.path != b.path { return a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
        if a.line != b.line { return a.line < b.line }
        if a.column != b.column { return a.column < b.column }
        if a.rule != b.rule { return a.rule < b.rule }
        return (a.commit ?? "") < (b.commit ?? "")
    }
}
