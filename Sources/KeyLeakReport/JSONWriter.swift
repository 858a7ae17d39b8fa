import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
/// A small JSON writer with a fixed key order (the contract's), two-space
/// indentation, and `null` for absent values.
package struct JSONWriter {
    package indirect enum Value {
        case string(String)
        case int(Int)
        case bool(Bool)
        case null
        case array([Value])
        case object([(String, Value)])

        package static func optional(_ s: String?) -> Value { s.map(Value.string) ?? .null }
        package static func optional(_ i: Int?) -> Value { i.map(Value.int) ?? .null }
    }

    package static func render(_ value: Value, pretty: Bool = true) -> String {
        var out = ""
        write(value, into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private static func write(_ value: Value, into out: inout String, indent: Int?) {
        switch value {
        case let .string(s): out += quote(s)
        case let .int(i): out += String(i)
        case let .bool(b): out += b ? "true" : "false"
        case .null: out += "null"
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                write(item, into: &out, indent: indent.map { $0 + 1 })
            }
            newline(&out, indent)
            out += "]"
        case let .object(fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, item)) in fields.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                out += quote(key) + (indent == nil ? ":" : ": ")
                write(item, into: &out, indent: indent.map { $0 + 1 })
            }
            newline(&out, indent)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n" + String(repeating: "  ", count: indent)
    }

    package static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // NOTE: C1 controls and bidi formatting characters too (see
                // `TerminalText`): valid either way, but safe to show with `cat`.
                if scalar.value < 0x20 || TerminalText.needsEscape(scalar) {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
