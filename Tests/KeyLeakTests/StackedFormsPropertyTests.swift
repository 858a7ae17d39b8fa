import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// A key pasted in several forms at once (issue 15, stacked forms): random
/// compositions of one to three of the forms keyleak reads (JSON strings,
/// YAML blocks, Terraform heredocs, comment blocks, unified diffs, URL
/// encoding, XML attributes, base64 wrapped at 76, UTF-16) around a PEM key.
/// Every composition must give the key, whole, with the fingerprint openssl
/// computes, and nothing else. The seed of a failing composition is printed.
@Suite struct StackedFormsPropertyTests {
    typealias Key = NeighbourKeysPropertyTests.Key

    /// One form: a name, and what it makes of the bytes it wraps.
    struct Form: Sendable {
        var name: String
        /// The form reads text (every form but base64 needs ASCII text, not UTF-16 bytes).
        var needsText = true
        /// The form's output is text again.
        var makesText = true
        var wrap: @Sendable ([UInt8]) -> [UInt8]
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text.components(separatedBy: "\n")
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let forms: [Form] = [
        Form(name: "json") { b in
            let escaped = String(decoding: b, as: UTF8.self).replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return bytes("{\"name\": \"deploy\", \"value\": \"" + escaped + "\"}\n")
        },
        Form(name: "yaml") { b in bytes("data:\n  key: |\n" + lines(b).map { "    " + $0 + "\n" }.joined()) },
        Form(name: "heredoc") { b in bytes("resource \"x\" \"y\" {\n  private_key = <<EOF\n" + lines(b).map { $0 + "\n" }.joined() + "EOF\n}\n") },
        Form(name: "comment") { b in bytes("# The key, for the record:\n" + lines(b).map { "# " + $0 + "\n" }.joined() + "\nrun()\n") },
        Form(name: "diff") { b in
            let l = lines(b)
            return bytes("diff --git a/f b/f\n--- /dev/null\n+++ b/f\n@@ -0,0 +1,\(l.count) @@\n" + l.map { "+" + $0 + "\n" }.joined())
        },
        Form(name: "url") { b in
            let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
            let encoded = String(decoding: b, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: allowed)!
            return bytes("10.0.0.7 - - \"GET /upload?name=x&key=" + encoded + "&z=1 HTTP/1.1\" 200\n")
        },
        Form(name: "xml") { b in
            let text = String(decoding: b, as: UTF8.self).replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\n", with: "&#10;")
            return bytes("<?xml version=\"1.0\"?>\n<settings>\n  <add key=\"k\" value=\"" + text + "\" />\n</settings>\n")
        },
        Form(name: "base64", needsText: false) { b in
            bytes("$ base64 secret\n" + Data(b).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]) + "\n$ \n")
        },
        Form(name: "utf16", makesText: false) { b in [0xff, 0xfe] + Array(String(decoding: b, as: UTF8.self).data(using: .utf16LittleEndian)!) },
    ]

    /// `count` forms in a row (innermost first) that fit: only base64 wraps
    /// UTF-16 bytes; a form at most twice (a diff of a patch, a URL encoded
    /// twice, base64 of a PEM file's base64), and at most two opaque ones
    /// (base64, UTF-16).
    static func composition(_ count: Int, using rng: inout NeighbourKeysPropertyTests.SeededGenerator) -> [Form] {
        var chosen: [Form] = []
        var text = true
        var tries = 0
        while chosen.count < count {
            tries += 1
            if tries % 50 == 0 {
                // No form fits after these (UTF-16 bytes with two opaque forms already): start over.
                chosen = []
                text = true
            }
            let form = forms.randomElement(using: &rng)!
            let opaque = chosen.filter { !$0.needsText || !$0.makesText }.count
            // NOTE: base64 of base64 is read for a PEM file encoded twice (the rule's
            // keywords), not for a key deep inside other text encoded twice.
            let twiceBase64 = form.name == "base64" && chosen.contains { $0.name == "base64" }
                && chosen.map(\.name) != ["base64"]
            guard text || !form.needsText, chosen.filter({ $0.name == form.name }).count < 2, !twiceBase64,
                  form.needsText && form.makesText || opaque < 2 else { continue }
            chosen.append(form)
            text = form.makesText
        }
        return chosen
    }

    @Test func everyCompositionOfFormsGivesTheKey() throws {
        let keys = NeighbourKeysPropertyTests.keys
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = NeighbourKeysPropertyTests.SeededGenerator(state: seed)
        let scanner = Scanner(ruleSet: PastedFormsTests.ruleSet)
        var failures: [String] = []
        for round in 0..<120 {
            let key = keys.randomElement(using: &rng)!
            let stack = Self.composition(1 + round % 3, using: &rng)
            let blob = stack.reduce(Array((key.pem + "\n").utf8)) { $1.wrap($0) }
            let findings = scanner.scan(bytes: blob, path: "pasted").findings
            let whole = findings.filter { $0.key.map { !$0.truncated } ?? false }
            if whole.map(\.fingerprint) != [key.fingerprint] || findings.count != 1 {
                failures.append(stack.map(\.name).joined(separator: " ∘ ") + ": "
                    + (findings.isEmpty ? "nothing" : findings.map { "\($0.rule) \($0.message)" }.joined(separator: "; ")))
            }
        }
        #expect(failures.isEmpty, "seed \(seed): \(failures.count) of 120 compositions (innermost first) failed:\n\(failures.joined(separator: "\n"))")
    }
}
