import KeyLeakInput
import Yams

/// Rules read straight from YAML nodes, without Codable: the generic
/// decoding machinery (type metadata lookups, protocol conformance scans)
/// was most of every run's start-up, a hook's included. Also stricter: an
/// unknown key is an error naming its line, so a typo cannot pass silently.
extension Rule {
    package static let yamlKeys = ["id", "title", "description", "severity", "analyzer", "keywords", "pattern", "window",
                           "examples", "negative_examples", "examples_hex"]

    /// The rules of one file: a mapping with a `rules` list.
    package static func rules(yaml text: String, file: String) throws -> [Rule] {
        let node: Node?
        do {
            // NOTE: the basic resolver leaves scalars untyped (fields are typed
            // here); the default one builds a dozen regexes (ICU) on first use.
            node = try Yams.compose(yaml: text, .basic)
        } catch {
            let (line, problem) = YAMLProblem.describe(error)
            throw RuleSet.LoadError.invalid(file: file, reason: (line.map { "line \($0): " } ?? "") + problem)
        }
        guard let node else { throw RuleSet.LoadError.invalid(file: file, reason: "empty file") }
        let reader = Reader(file: file)
        var list: Node?
        for (key, value) in try reader.mapping(node, "the top level") {
            guard try reader.string(key, "a key") == "rules" else { throw reader.error(key, "unknown key \(YAMLProblem.quoted(key: key.string ?? "")) (known: rules)") }
            list = value
        }
        guard let list else { throw reader.error(node, "missing key 'rules'") }
        guard case let .sequence(items) = list else { throw reader.error(list, "'rules' must be a list of rules") }
        return try items.map { try Rule(yaml: $0, reader: reader) }
    }

    private init(yaml node: Node, reader: Reader) throws {
        var fields: [String: Node] = [:]
        for (key, value) in try reader.mapping(node, "a rule") {
            let name = try reader.string(key, "a key")
            guard Rule.yamlKeys.contains(name) else {
                throw reader.error(key, "unknown key \(YAMLProblem.quoted(key: name)) (known: \(Rule.yamlKeys.joined(separator: ", ")))")
            }
            fields[name] = value
        }
        func required(_ name: String) throws -> Node {
            guard let value = fields[name] else { throw reader.error(node, "missing key '\(name)' in a rule") }
            return value
        }
        id = try reader.string(try required("id"), "id")
        title = try reader.string(try required("title"), "title")
        description = try fields["description"].map { try reader.string($0, "description") }
        let severityNode = try required("severity")
        let severityText = try reader.string(severityNode, "severity")
        guard let severity = Severity(rawValue: severityText) else {
            throw reader.error(severityNode, "severity is not one of low, medium, high, critical")
        }
        self.severity = severity
        let analyzerNode = try required("analyzer")
        let analyzerName = try reader.string(analyzerNode, "analyzer")
        guard let analyzer = AnalyzerKind(rawValue: analyzerName) else {
            throw reader.error(analyzerNode, "unknown analyzer (known: \(AnalyzerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.analyzer = analyzer
        // A derived rule matches nothing itself: it has neither keywords nor a pattern.
        keywords = analyzer.isDerived ? try fields["keywords"].map { try reader.strings($0, "keywords") } ?? [] : try reader.strings(try required("keywords"), "keywords")
        pattern = analyzer.isDerived ? try fields["pattern"].map { try reader.string($0, "pattern") } ?? "" : try reader.string(try required("pattern"), "pattern")
        if let windowNode = fields["window"] {
            guard let value = Int(try reader.string(windowNode, "window")), value > 0 else {
                throw reader.error(windowNode, "window must be a positive number of bytes")
            }
            window = value
        } else {
            window = nil
        }
        examples = try fields["examples"].map { try reader.strings($0, "examples") } ?? []
        negativeExamples = try fields["negative_examples"].map { try reader.strings($0, "negative_examples") } ?? []
        examplesHex = try fields["examples_hex"].map { try reader.strings($0, "examples_hex") } ?? []
    }

    /// Typed reads of YAML nodes, with errors naming the file and line.
    private struct Reader {
        package let file: String

        package func error(_ node: Node, _ message: String) -> RuleSet.LoadError {
            .invalid(file: file, reason: (node.mark.map { "line \($0.line): " } ?? "") + message)
        }

        package func mapping(_ node: Node, _ what: String) throws -> [(Node, Node)] {
            guard case let .mapping(m) = node else { throw error(node, "\(what) must be a mapping (key: value)") }
            return m.map { ($0.key, $0.value) }
        }

        package func string(_ node: Node, _ what: String) throws -> String {
            guard case let .scalar(s) = node else { throw error(node, "\(what) must be a single value") }
            return s.string
        }

        package func strings(_ node: Node, _ what: String) throws -> [String] {
            guard case let .sequence(items) = node else { throw error(node, "\(what) must be a list") }
            return try items.map { try string($0, "each entry of \(what)") }
        }
    }
}
