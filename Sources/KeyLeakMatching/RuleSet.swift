import KeyLeakInput
import KeyLeakRuleFile
import Foundation

/// The rules in force for a scan, each compiled once and shared read-only by
/// every worker thread.
public final class RuleSet: Sendable {
    /// The enabled rules; a finding's rule index points into it.
    public let rules: [Rule]
    /// Ids of every rule read, disabled ones included (to check `rules.disable`).
    public let knownIDs: Set<String>
    package let patterns: [PCRE2Pattern]
    package let prefilter: Prefilter

    /// The prefilter's engine: Vectorscan literals, or (the portable
    /// fallback) the byte pairs compared at every position.
    public var prefilterEngine: String { prefilter.engineDescription }
    /// Rules tried at the first byte of every blob.
    package let fileStartRules: [Int]
    /// The enabled rule of each derived analyzer (absent when disabled).
    public let derivedRules: [AnalyzerKind: Rule]

    /// A rule file that cannot be used, naming the file (and line where known).
    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalid(file: String, reason: String)
        case duplicateID(String, file: String)
        case pattern(rule: String, file: String, error: String)
        case noKeywords(rule: String, file: String)

        /// One line naming the file and the problem.
        public var description: String {
            switch self {
            case let .unreadable(path, reason): return "\(path): cannot read rules: \(reason)"
            case let .invalid(file, reason): return "\(file): invalid rule file: \(reason)"
            case let .duplicateID(id, file): return "\(file): duplicate rule id '\(id)'"
            case let .pattern(rule, file, error): return "\(file): rule '\(rule)': pattern does not compile: \(error)"
            case let .noKeywords(rule, file): return "\(file): rule '\(rule)': needs keywords, each at least 2 bytes long"
            }
        }
    }

    /// The rules embedded in the binary (from `rules/` at build time), plus
    /// every `*.yaml` file in `extraDirectories`, plus the rule files
    /// `extraFiles` (name, YAML text: read already, from where a config may
    /// name them), minus the ids in `disabled`. With `analyzers`, only rules
    /// of those analyzers are kept (the output firewall's key rules), read and
    /// compiled in the same single pass.
    public convenience init(extraDirectories: [String] = [], extraFiles: [(name: String, text: String)] = [],
                            disabled: Set<String> = [], analyzers: Set<AnalyzerKind>? = nil) throws {
        var files = try RuleSet.embedded()
        for directory in extraDirectories {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw LoadError.unreadable(path: directory, reason: (error as NSError).localizedDescription)
            }
            for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = (directory as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw LoadError.unreadable(path: path, reason: "permission denied or not a file")
                }
                files.append((path, try Rule.rules(yaml: String(decoding: data, as: UTF8.self), file: path)))
            }
        }
        for file in extraFiles {
            files.append((file.name, try Rule.rules(yaml: file.text, file: file.name)))
        }
        try self.init(ruleFiles: files, disabled: disabled, analyzers: analyzers)
    }

    /// Parses and compiles rule files given as (name, YAML text).
    /// With `analyzers`, rules of other analyzers are left out (never compiled).
    public convenience init(files: [(name: String, text: String)], disabled: Set<String> = [], analyzers: Set<AnalyzerKind>? = nil) throws {
        try self.init(ruleFiles: files.map { ($0.name, try Rule.rules(yaml: $0.text, file: $0.name)) },
                      disabled: disabled, analyzers: analyzers)
    }

    /// The rules the binary carries: `rules/*.yaml` read into fields at build
    /// time (no YAML parser at start-up), typed and checked here as a rule
    /// file read at run time is.
    package static func embedded() throws -> [(name: String, rules: [Rule])] {
        guard let bytes = Data(base64Encoded: EmbeddedRules.rules), let files = RuleFieldsCodec.decode(Array(bytes)) else {
            throw LoadError.invalid(file: "rules embedded in keyleak", reason: "cannot be decoded (a broken build)")
        }
        return try files.map { file in (file.name, try file.rules.map { try Rule(fields: $0, file: file.name) }) }
    }

    /// Compiles rules read already, by file (for errors naming it).
    /// With `analyzers`, rules of other analyzers are left out (never compiled).
    public init(ruleFiles files: [(name: String, rules: [Rule])], disabled: Set<String> = [], analyzers: Set<AnalyzerKind>? = nil) throws {
        var rules: [Rule] = []
        var patterns: [PCRE2Pattern] = []
        var seen: [String: String] = [:]
        for file in files {
            for rule in file.rules {
                if seen[rule.id] != nil { throw LoadError.duplicateID(rule.id, file: file.name) }
                seen[rule.id] = file.name
                if let analyzers, !analyzers.contains(rule.analyzer) { continue }
                guard rule.isFileStart || rule.analyzer.isDerived
                        || (!rule.keywords.isEmpty && !rule.keywords.contains(where: { $0.utf8.count < 2 })) else {
                    throw LoadError.noKeywords(rule: rule.id, file: file.name)
                }
                if rule.analyzer.isDerived, !rule.keywords.isEmpty || !rule.pattern.isEmpty {
                    throw LoadError.invalid(file: file.name, reason: "rule '\(rule.id)': a \(rule.analyzer.rawValue) rule is derived from other findings and takes no keywords or pattern")
                }
                let pattern: PCRE2Pattern
                do {
                    // NOTE: a derived rule gets a pattern that never matches, so every
                    // rule index has one and the matcher needs no special case.
                    pattern = try PCRE2Pattern(rule.analyzer.isDerived ? "(*FAIL)" : rule.pattern)
                } catch {
                    throw LoadError.pattern(rule: rule.id, file: file.name, error: "\(error)")
                }
                if disabled.contains(rule.id) { continue }
                rules.append(rule)
                patterns.append(pattern)
            }
        }
        self.rules = rules
        self.knownIDs = Set(seen.keys)
        self.patterns = patterns
        // KEYLEAK_PREFILTER=pairs forces the portable engine (tests, and a way
        // out should Vectorscan misbehave on some machine).
        self.prefilter = Prefilter(keywords: rules.enumerated().flatMap { index, rule in
            rule.isFileStart ? [] : rule.keywords.map { (Array($0.utf8), index) }
        }, literalEngine: getenv("KEYLEAK_PREFILTER").map { String(cString: $0) } != "pairs")
        self.fileStartRules = rules.indices.filter { rules[$0].isFileStart }
        self.derivedRules = Dictionary(rules.filter(\.analyzer.isDerived).map { ($0.analyzer, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Problems with the rules' own examples: an example the pattern misses, a
    /// negative example it matches, or an example no keyword would let through
    /// the prefilter. Empty when every rule is consistent.
    public func checkExamples() -> [String] {
        var problems: [String] = []
        for (index, rule) in rules.enumerated() {
            for hex in rule.examplesHex {
                let bytes = RuleSet.hexBytes(hex)
                let data = patterns[index].makeMatchData()
                let matched = bytes.withUnsafeBytes { raw in
                    raw.baseAddress.map { patterns[index].firstMatch(in: $0, length: raw.count, from: 0, using: data) != nil } ?? false
                }
                if !matched { problems.append("rule '\(rule.id)': hex example does not match: \(hex.prefix(40))") }
            }
            for example in rule.examples {
                if !patterns[index].matches(example) {
                    problems.append("rule '\(rule.id)': example does not match: \(RuleSet.clip(example))")
                }
                if !rule.isFileStart, !rule.keywords.contains(where: { example.utf8.count >= $0.utf8.count && example.contains($0) }) {
                    problems.append("rule '\(rule.id)': no keyword occurs in example: \(RuleSet.clip(example))")
                }
            }
            for negative in rule.negativeExamples where patterns[index].matches(negative) {
                problems.append("rule '\(rule.id)': negative example matches: \(RuleSet.clip(negative))")
            }
            if rule.examples.isEmpty && rule.examplesHex.isEmpty && !rule.analyzer.isDerived { problems.append("rule '\(rule.id)': has no examples") }
        }
        return problems
    }

    package static func hexBytes(_ hex: String) -> [UInt8] {
        Hex.decode(hex.utf8.filter { $0 != 32 })
    }

    package static func clip(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > 60 ? String(flat.prefix(60)) + "…" : flat
    }
}
