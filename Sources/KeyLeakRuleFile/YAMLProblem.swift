import Yams

/// A YAML parse error told as its line and libyaml's problem, never the text
/// being read: Yams' own description quotes the offending line, and the file
/// may be one a config points at (`/proc/self/environ`, a key file).
package enum YAMLProblem {
    /// A mapping key in quotes when it reads as a name (letters, digits, `-`,
    /// `_`, `.`, at most 40 of them: a key a user mistyped), else "a key": an
    /// error message names a typo without echoing content. Values are never
    /// quoted (a secret is a value).
    package static func quoted(key text: String) -> String {
        let isName = !text.isEmpty && text.utf8.count <= 40
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }
        return isName ? "'\(text)'" : "a key"
    }

    /// The 1-based line (when known) and the problem, in words of libyaml.
    package static func describe(_ error: Error) -> (line: Int?, problem: String) {
        guard let yaml = error as? YamlError else { return (nil, "not valid YAML") }
        switch yaml {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return (mark.line, "not valid YAML: \(problem)")
        case let .reader(problem, _, _, _):
            return (nil, "not valid YAML: \(problem)")
        case let .duplicatedKeysInMapping(_, context):
            return (context.mark.line, "not valid YAML: a key is repeated in a mapping")
        case .dataCouldNotBeDecoded:
            return (nil, "not valid YAML: not UTF-8 text")
        default:
            return (nil, "not valid YAML")
        }
    }
}
