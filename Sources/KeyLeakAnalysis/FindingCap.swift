import KeyLeakInput
import KeyLeakMatching

/// What one blob's findings past `--max-findings-per-file` were: counted
/// while the blob was scanned, never kept, and stood for by one finding
/// whose severity and wording the policy decides from these facts.
public struct NotListedFacts: Sendable, Hashable {
    /// The limit that was reached (`--max-findings-per-file`).
    public var limit: Int
    /// The findings left out, one group per kind, in the order the kinds were met.
    public var groups: [NotListedGroup]
    /// Findings left out whose kind was not kept apart (past `FindingCap.maxGroups` kinds).
    public var unsampled: Int

    /// Facts of findings left out past `limit`.
    public init(limit: Int, groups: [NotListedGroup], unsampled: Int = 0) {
        self.limit = limit
        self.groups = groups
        self.unsampled = unsampled
    }

    /// Findings left out, every group and the unsampled ones.
    public var count: Int { groups.reduce(unsampled) { $0 + $1.count } }
}

/// Findings left out of one kind: the first of them and how many.
public struct NotListedGroup: Sendable, Hashable {
    /// The first finding of this kind left out: the facts the policy judges the group by.
    public var first: Finding
    /// Findings of this kind left out.
    public var count: Int
    /// Every one of them has `first`'s fingerprint (or secret hash), so what
    /// silences `first` by it silences them all.
    public var sameSecret: Bool

    /// `count` findings of `first`'s kind.
    public init(first: Finding, count: Int, sameSecret: Bool) {
        self.first = first
        self.count = count
        self.sameSecret = sameSecret
    }
}

/// The most findings one blob keeps (`--max-findings-per-file`): past it,
/// findings are counted while the blob is scanned, never stored, and one
/// finding (`summary()`) stands for them all.
///
/// NOTE: a 12 MB file of `OCI_API_KEY` lines is a million findings; kept, they
/// took gigabytes and a report nobody reads. Severity is the policy's to
/// decide after linking, so the cap cannot keep "the most severe" one: it
/// keeps the first finding of each kind (rule and the typed facts the policy
/// and suppression look at, but not which key or which line), with a count,
/// and the policy rates the summary at the highest of those it judges. Kinds
/// are few (a rule yields a handful of key shapes), so memory stays bounded;
/// past `maxGroups` kinds the rest are counted as unsampled, which the policy
/// rates critical rather than guess. Findings left out are not linked to
/// settings (linking only raises severity), and a dropped key does not count
/// towards a copied `.oci` folder's credential set.
package struct FindingCap {
    /// Findings kept per blob unless configured. Default 1,000.
    package static let defaultLimit = 1000
    /// Kinds of findings kept apart past the limit.
    package static let maxGroups = 64

    /// What sets findings of one blob apart for the policy and suppression;
    /// never a key's identity or a position.
    private struct Kind: Hashable {
        /// Rule id.
        var rule: String
        /// The analysis that made the finding.
        var analyzer: AnalyzerKind
        /// A key's container format.
        var format: KeyFormat?
        /// How a key was written.
        var encoding: KeyEncoding?
        /// A key behind a pass phrase.
        var encrypted: Bool
        /// An encrypted key opened.
        var decrypted: Bool
        /// A key cut short.
        var truncated: Bool
        /// A key whose public half is known.
        var fingerprinted: Bool
        /// A key's algorithm.
        var algorithm: String?
        /// An `OCI_API_KEY` line follows the key.
        var ociMarker: Bool
        /// An inline comment allows it.
        var inlineAllowed: Bool
        /// Where OCI settings come from.
        var settings: OCISource?
        /// OCI settings with a clear pass phrase.
        var passPhrase: Bool
        /// OCI settings holding the key inline.
        var inlineKey: Bool
        /// A key container's kind.
        var container: ContainerKind?

        /// The kind of `f`.
        init(_ f: Finding) {
            rule = f.rule
            analyzer = f.analyzer
            format = f.key?.format
            encoding = f.key?.encoding
            encrypted = f.key?.encrypted ?? false
            decrypted = f.key?.decrypted ?? false
            truncated = f.key?.truncated ?? false
            fingerprinted = f.key?.identity != nil
            algorithm = f.key?.algorithm
            ociMarker = f.ociMarker
            inlineAllowed = f.inlineAllowed
            settings = f.oci?.source
            passPhrase = f.oci?.hasPassPhrase ?? false
            inlineKey = f.oci?.inlineKey ?? false
            container = f.container?.kind
        }
    }

    /// Findings kept for this blob; at least 1.
    package let limit: Int
    /// Findings kept so far.
    package private(set) var kept = 0
    /// The groups of findings left out, in the order their kinds were met.
    private var groups: [NotListedGroup] = []
    /// Each kind's index in `groups`.
    private var index: [Kind: Int] = [:]
    /// Findings left out past `maxGroups` kinds.
    private var unsampled = 0
    /// Where the first finding left out was: the summary finding's place.
    private var firstLeftOut: Finding?

    /// A cap of `limit` findings (values below 1 count as 1).
    package init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// True while `finding` is to be kept; otherwise counts it and returns false.
    package mutating func admit(_ finding: Finding) -> Bool {
        guard kept >= limit else {
            kept += 1
            return true
        }
        if firstLeftOut == nil { firstLeftOut = finding }
        let kind = Kind(finding)
        if let i = index[kind] {
            groups[i].count += 1
            if groups[i].sameSecret, FindingCap.secret(groups[i].first) != FindingCap.secret(finding) { groups[i].sameSecret = false }
        } else if groups.count < FindingCap.maxGroups {
            var first = finding
            first.sealedKey = nil
            index[kind] = groups.count
            groups.append(NotListedGroup(first: first, count: 1, sameSecret: true))
        } else {
            unsampled += 1
        }
        return false
    }

    /// The one finding that stands for those left out, nil when none were:
    /// at the first one's place, with its rule; the policy words and rates it.
    /// NOTE: the rule is the first one's, not the most severe one's: which is
    /// most severe is the policy's call, made later, and the rule of a finding
    /// is never chosen by severity.
    package func summary() -> Finding? {
        guard let first = firstLeftOut else { return nil }
        var finding = Finding(rule: first.rule, analyzer: first.analyzer, severity: first.severity, path: first.path,
                              line: first.line, column: first.column, endLine: first.line, commit: first.commit,
                              preview: "(not listed)", startOffset: first.startOffset, endOffset: first.startOffset + 1)
        finding.blob = first.blob
        finding.throughLink = first.throughLink
        let facts = NotListedFacts(limit: limit, groups: groups, unsampled: unsampled)
        finding.notListed = facts
        // NOTE: a baseline keys a finding without a fingerprint by this hash:
        // more findings left out, or one of another kind, is a new finding,
        // never one the baseline already accepted.
        let kinds = facts.groups.map { "\($0.first.rule) \(FindingCap.secret($0.first) ?? "-") \($0.count)" }
        finding.secretHash = Analyzer.hash(Array((["not listed \(facts.count) \(facts.unsampled)"] + kinds).joined(separator: "\n").utf8))
        return finding
    }

    /// What identifies `f`'s secret: its fingerprint, else its secret hash.
    private static func secret(_ f: Finding) -> String? { f.fingerprint ?? f.secretHash }
}
