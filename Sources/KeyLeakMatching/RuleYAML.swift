import KeyLeakRuleFile

/// Rules typed from their fields (`RuleFields`), without Codable: the generic
/// decoding machinery (type metadata lookups, protocol conformance scans)
/// was most of every run's start-up, a hook's included.
extension Rule {
    /// The rules of one YAML rule file: a mapping with a `rules` list.
    package static func rules(yaml text: String, file: String) throws -> [Rule] {
        let read: [RuleFields]
        do {
            read = try RuleFields.read(yaml: text)
        } catch {
            throw RuleSet.LoadError.invalid(file: file, reason: error.description)
        }
        return try read.map { try Rule(fields: $0, file: file) }
    }

    /// Types and checks one rule's fields; errors name the file and line.
    package init(fields rule: RuleFields, file: String) throws {
        func error(_ line: Int?, _ message: String) -> RuleSet.LoadError {
            .invalid(file: file, reason: RuleFileProblem(line: line, message).description)
        }
        func required(_ name: String) throws -> RuleFields.Field {
            guard let value = rule.fields[name] else { throw error(rule.line, "missing key '\(name)' in a rule") }
            return value
        }
        func string(_ field: RuleFields.Field, _ what: String) throws -> String {
            guard case let .scalar(s) = field.value else { throw error(field.line, "\(what) must be a single value") }
            return s
        }
        func strings(_ field: RuleFields.Field, _ what: String) throws -> [String] {
            guard case let .list(items) = field.value else { throw error(field.line, "\(what) must be a list") }
            return items
        }
        id = try string(try required("id"), "id")
        title = try string(try required("title"), "title")
        description = try rule.fields["description"].map { try string($0, "description") }
        let severityField = try required("severity")
        guard let severity = Severity(rawValue: try string(severityField, "severity")) else {
            throw error(severityField.line, "severity is not one of low, medium, high, critical")
        }
        self.severity = severity
        let analyzerField = try required("analyzer")
        guard let analyzer = AnalyzerKind(rawValue: try string(analyzerField, "analyzer")) else {
            throw error(analyzerField.line, "unknown analyzer (known: \(AnalyzerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.analyzer = analyzer
        // A derived rule matches nothing itself: it has neither keywords nor a pattern.
        keywords = analyzer.isDerived ? try rule.fields["keywords"].map { try strings($0, "keywords") } ?? [] : try strings(try required("keywords"), "keywords")
        pattern = analyzer.isDerived ? try rule.fields["pattern"].map { try string($0, "pattern") } ?? "" : try string(try required("pattern"), "pattern")
        if let windowField = rule.fields["window"] {
            guard let value = Int(try string(windowField, "window")), value > 0 else {
                throw error(windowField.line, "window must be a positive number of bytes")
            }
            window = value
        } else {
            window = nil
        }
        examples = try rule.fields["examples"].map { try strings($0, "examples") } ?? []
        negativeExamples = try rule.fields["negative_examples"].map { try strings($0, "negative_examples") } ?? []
        examplesHex = try rule.fields["examples_hex"].map { try strings($0, "examples_hex") } ?? []
    }
}
