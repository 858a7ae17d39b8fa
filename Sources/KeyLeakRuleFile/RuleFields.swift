import Yams

/// One rule as a rule file states it, before its fields are typed: each
/// field one value or a list of values, with the line it is on.
///
/// Both readers of rules share it. At build time the rules embedder reads
/// `rules/*.yaml` into these and stores them in the binary (`encode`); at run
/// time the binary decodes them without parsing YAML (`decode`), and a rule
/// file a config names is read from YAML. Either way `Rule(fields:file:)`
/// types and checks the same fields, so both give the same rules.
package struct RuleFields: Sendable, Equatable {
    package enum Value: Sendable, Equatable {
        case scalar(String)
        case list([String])
    }

    package struct Field: Sendable, Equatable {
        package var value: Value
        /// 1-based line of the value, when known.
        package var line: Int?

        package init(_ value: Value, line: Int?) {
            self.value = value
            self.line = line
        }
    }

    /// The fields by key: every key is one of `keys`.
    package var fields: [String: Field]
    /// 1-based line where the rule starts, when known.
    package var line: Int?

    package init(fields: [String: Field], line: Int?) {
        self.fields = fields
        self.line = line
    }

    /// The keys a rule may have.
    package static let keys = ["id", "title", "description", "severity", "analyzer", "keywords", "pattern", "window",
                               "examples", "negative_examples", "examples_hex"]
}

/// What is wrong with a rule file's shape, and on which line: never its text
/// (a rule file may be any file a config names).
package struct RuleFileProblem: Error, Sendable, Equatable {
    package var line: Int?
    package var message: String

    package init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    /// `line N: message`, or the message alone.
    package var description: String { (line.map { "line \($0): " } ?? "") + message }
}

extension RuleFields {
    /// The rules of one YAML rule file: a mapping with a `rules` list of
    /// mappings, each value a single value or a list of them. An unknown key
    /// is a problem naming its line, so a typo cannot pass silently.
    package static func read(yaml text: String) throws(RuleFileProblem) -> [RuleFields] {
        let node: Node?
        do {
            // NOTE: the basic resolver leaves scalars untyped (fields are typed
            // by Rule); the default one builds a dozen regexes (ICU) on first use.
            node = try Yams.compose(yaml: text, .basic)
        } catch {
            let (line, problem) = YAMLProblem.describe(error)
            throw RuleFileProblem(line: line, problem)
        }
        guard let node else { throw RuleFileProblem(line: nil, "empty file") }
        var list: Node?
        for (key, value) in try mapping(node, "the top level") {
            guard try scalar(key, "a key") == "rules" else {
                throw problem(key, "unknown key \(YAMLProblem.quoted(key: key.string ?? "")) (known: rules)")
            }
            list = value
        }
        guard let list else { throw problem(node, "missing key 'rules'") }
        guard case let .sequence(items) = list else { throw problem(list, "'rules' must be a list of rules") }
        return try items.map { (item: Node) throws(RuleFileProblem) -> RuleFields in
            var fields: [String: Field] = [:]
            for (key, value) in try mapping(item, "a rule") {
                let name = try scalar(key, "a key")
                guard keys.contains(name) else {
                    throw problem(key, "unknown key \(YAMLProblem.quoted(key: name)) (known: \(keys.joined(separator: ", ")))")
                }
                switch value {
                case let .scalar(s):
                    fields[name] = Field(.scalar(s.string), line: value.mark?.line)
                case let .sequence(entries):
                    var strings: [String] = []
                    for entry in entries { strings.append(try scalar(entry, "each entry of \(name)")) }
                    fields[name] = Field(.list(strings), line: value.mark?.line)
                default:
                    throw problem(value, "\(name) must be a single value or a list")
                }
            }
            return RuleFields(fields: fields, line: item.mark?.line)
        }
    }

    private static func problem(_ node: Node, _ message: String) -> RuleFileProblem {
        RuleFileProblem(line: node.mark?.line, message)
    }

    private static func mapping(_ node: Node, _ what: String) throws(RuleFileProblem) -> [(Node, Node)] {
        guard case let .mapping(m) = node else { throw problem(node, "\(what) must be a mapping (key: value)") }
        return m.map { ($0.key, $0.value) }
    }

    private static func scalar(_ node: Node, _ what: String) throws(RuleFileProblem) -> String {
        guard case let .scalar(s) = node else { throw problem(node, "\(what) must be a single value") }
        return s.string
    }
}

/// Rule files as bytes, for the binary to carry its rules without a YAML
/// parser at start-up: (file name, rules) in order, each rule its line and
/// its fields in key order; a string is its UTF-8 length then bytes, a
/// number 4 bytes little-endian, a line 0 when unknown.
package enum RuleFieldsCodec {
    package static func encode(_ files: [(name: String, rules: [RuleFields])]) -> [UInt8] {
        var out: [UInt8] = []
        func number(_ n: Int) { withUnsafeBytes(of: UInt32(n).littleEndian) { out += $0 } }
        func string(_ s: String) { number(s.utf8.count); out += s.utf8 }
        number(files.count)
        for file in files {
            string(file.name)
            number(file.rules.count)
            for rule in file.rules {
                number(rule.line ?? 0)
                number(rule.fields.count)
                for key in rule.fields.keys.sorted() {
                    let field = rule.fields[key]!
                    string(key)
                    number(field.line ?? 0)
                    switch field.value {
                    case let .scalar(s):
                        out.append(0)
                        string(s)
                    case let .list(items):
                        out.append(1)
                        number(items.count)
                        items.forEach(string)
                    }
                }
            }
        }
        return out
    }

    /// The files `encode` wrote; nil when the bytes are not such a list.
    package static func decode(_ bytes: [UInt8]) -> [(name: String, rules: [RuleFields])]? {
        var at = 0
        func number() -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            defer { at += 4 }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        func string() -> String? {
            guard let count = number(), count <= bytes.count - at else { return nil }
            defer { at += count }
            return String(decoding: bytes[at..<(at + count)], as: UTF8.self)
        }
        func line() -> Int?? { number().map { $0 == 0 ? nil : $0 } }
        guard let fileCount = number() else { return nil }
        var files: [(name: String, rules: [RuleFields])] = []
        for _ in 0..<fileCount {
            guard let name = string(), let ruleCount = number() else { return nil }
            var rules: [RuleFields] = []
            for _ in 0..<ruleCount {
                guard let ruleLine = line(), let fieldCount = number() else { return nil }
                var fields: [String: RuleFields.Field] = [:]
                for _ in 0..<fieldCount {
                    guard let key = string(), let fieldLine = line(), at < bytes.count else { return nil }
                    let kind = bytes[at]
                    at += 1
                    switch kind {
                    case 0:
                        guard let s = string() else { return nil }
                        fields[key] = .init(.scalar(s), line: fieldLine)
                    case 1:
                        guard let count = number(), count <= bytes.count else { return nil }
                        var items: [String] = []
                        for _ in 0..<count {
                            guard let s = string() else { return nil }
                            items.append(s)
                        }
                        fields[key] = .init(.list(items), line: fieldLine)
                    default:
                        return nil
                    }
                }
                rules.append(RuleFields(fields: fields, line: ruleLine))
            }
            files.append((name, rules))
        }
        return at == bytes.count ? files : nil
    }
}
