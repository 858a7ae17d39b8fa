import Foundation
import Testing
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakRuleFile
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

@Suite struct RuleTests {
    static let ruleSet = try! RuleSet()

    @Test("every rule's examples match and negatives do not", arguments: RuleTests.ruleSet.rules.map(\.id))
    func examples(ruleID: String) throws {
        let problems = RuleTests.ruleSet.checkExamples().filter { $0.hasPrefix("rule '\(ruleID)'") }
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func embeddedRulesAreLoaded() {
        let ids = Set(RuleTests.ruleSet.rules.map(\.id))
        #expect(ids.isSuperset(of: ["private-key", "putty-private-key", "ssh2-private-key", "der-private-key",
                                    "base64-pem-private-key", "oci-api-key-marker"]))
    }

    /// The rules the binary carries (fields read at build time, no YAML at
    /// start-up) are exactly those `rules/*.yaml` gives when parsed now.
    @Test func embeddedRulesAreTheRuleFilesParsedNow() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(!names.isEmpty)
        let parsed = try names.map { name in
            ("rules/" + name, try Rule.rules(yaml: String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8), file: "rules/" + name))
        }
        let embedded = try RuleSet.embedded()
        #expect(embedded.map(\.name) == parsed.map(\.0))
        for (a, b) in zip(embedded, parsed) {
            #expect(a.rules == b.1, "\(a.name)")
        }
    }

    @Test func ruleFieldsSurviveTheCodecAndBrokenBytesAreRefused() throws {
        let fields = try RuleFields.read(yaml: RuleTests.valid + "\n    window: 12\n")
        let bytes = RuleFieldsCodec.encode([("a.yaml", fields), ("b.yaml", [])])
        let back = try #require(RuleFieldsCodec.decode(bytes))
        #expect(back.map(\.name) == ["a.yaml", "b.yaml"])
        #expect(back[0].rules == fields && back[1].rules.isEmpty)
        #expect(fields[0].fields["keywords"] == .init(.list(["DEMO"]), line: 6))
        // Cut anywhere, or with a byte added, it is refused, never read short.
        for cut in [0, 1, 4, bytes.count / 2, bytes.count - 1] {
            #expect(RuleFieldsCodec.decode(Array(bytes.prefix(cut))) == nil, "cut at \(cut)")
        }
        #expect(RuleFieldsCodec.decode(bytes + [0]) == nil)
    }

    @Test func aFieldOfTheWrongShapeNamesItsLine() {
        for (broken, expected) in [
            (RuleTests.valid.replacingOccurrences(of: "keywords: [\"DEMO\"]", with: "keywords: DEMO"), "line 6: keywords must be a list"),
            (RuleTests.valid.replacingOccurrences(of: "severity: low", with: "severity: [low]"), "line 4: severity must be a single value"),
            (RuleTests.valid.replacingOccurrences(of: "keywords: [\"DEMO\"]", with: "keywords: [[DEMO]]"), "each entry of keywords must be a single value"),
            (RuleTests.valid.replacingOccurrences(of: "severity: low", with: "severity: {a: b}"), "line 4: severity must be a single value or a list"),
        ] {
            do {
                _ = try Rule.rules(yaml: broken, file: "v.yaml")
                Issue.record("accepted: \(expected)")
            } catch {
                #expect("\(error)".contains("v.yaml") && "\(error)".contains(expected), "\(error)")
            }
        }
    }

    static let valid = """
    rules:
      - id: demo
        title: Demo
        severity: low
        analyzer: oci-marker
        keywords: ["DEMO"]
        pattern: 'DEMO'
        examples: ["DEMO"]
        negative_examples: ["demo"]
    """

    @Test func duplicateIDsAreRejected() {
        #expect(throws: RuleSet.LoadError.self) {
            try RuleSet(files: [("a.yaml", RuleTests.valid), ("b.yaml", RuleTests.valid)])
        }
    }

    @Test func brokenPatternNamesRuleAndPCRE2Message() {
        let broken = RuleTests.valid.replacingOccurrences(of: "pattern: 'DEMO'", with: "pattern: 'DEMO('")
        do {
            _ = try RuleSet(files: [("x.yaml", broken)])
            Issue.record("a pattern that does not compile was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("x.yaml") && text.contains("demo") && text.contains("missing closing parenthesis"))
        }
    }

    @Test func missingFieldIsReportedWithFile() {
        let broken = RuleTests.valid.replacingOccurrences(of: "    severity: low\n", with: "")
        do {
            _ = try RuleSet(files: [("y.yaml", broken)])
            Issue.record("a rule without severity was accepted")
        } catch {
            #expect("\(error)".contains("y.yaml") && "\(error)".contains("severity"))
        }
    }

    @Test func unknownKeyOrBadSeverityIsAnErrorWithItsLine() {
        for (broken, expected) in [
            (RuleTests.valid.replacingOccurrences(of: "    severity: low\n", with: "    severity: low\n    severty: high\n"), "unknown key 'severty'"),
            // The line and the problem, never the value (a rule file may be any file a config names).
            (RuleTests.valid.replacingOccurrences(of: "severity: low", with: "severity: urgent"), "severity is not one of"),
        ] {
            do {
                _ = try RuleSet(files: [("w.yaml", broken)])
                Issue.record("accepted: \(expected)")
            } catch {
                #expect("\(error)".contains("w.yaml") && "\(error)".contains("line ") && "\(error)".contains(expected), "\(error)")
            }
        }
    }

    @Test func checkReportsFailingExamples() throws {
        let wrong = RuleTests.valid.replacingOccurrences(of: "negative_examples: [\"demo\"]", with: "negative_examples: [\"DEMO too\"]")
        let set = try RuleSet(files: [("z.yaml", wrong)])
        #expect(set.checkExamples().contains { $0.contains("negative example matches") })
    }

    @Test func disabledRulesAreLeftOut() throws {
        let set = try RuleSet(files: [("a.yaml", RuleTests.valid)], disabled: ["demo"])
        #expect(set.rules.isEmpty)
    }
}
