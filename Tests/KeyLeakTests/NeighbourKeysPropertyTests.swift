import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Property tests: random blobs holding 2–20 keys in random embeddings with
/// gaps of 0–200 bytes between them. Every key must be reported exactly once,
/// at its line, with the fingerprint openssl computes; keys allowed inline are
/// the only ones missing, and allowing one never hides a neighbour.
@Suite struct NeighbourKeysPropertyTests {
    /// A generated key: its PEM text and the fingerprint openssl gives it.
    struct Key {
        var pem: String
        var fingerprint: String
    }

    /// Keys of several algorithms and formats, generated once per run.
    static let keys: [Key] = {
        let dir = try! TemporaryDirectory()
        var pems: [String] = []
        let rsa = try! TestKeys.rsa(dir, "rsa.pem")
        pems.append(rsa)
        pems.append(String(decoding: try! TestKeys.convert(rsa, ["-traditional"]), as: UTF8.self))
        let ec = try! TestKeys.generate(dir, "ec.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        pems.append(ec)
        pems.append(String(decoding: try! TestKeys.convert(ec, ["-traditional"]), as: UTF8.self))
        pems.append(try! TestKeys.generate(dir, "ed.pem", ["-algorithm", "ed25519"]))
        pems.append(try! TestKeys.generate(dir, "ed448.pem", ["-algorithm", "ed448"]))
        return pems.map { Key(pem: $0.trimmingCharacters(in: .newlines), fingerprint: try! TestKeys.ociFingerprint($0)) }
    }()

    /// SplitMix64: a small seeded generator, so a failure names a reproducible seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    /// The ways a key is pasted: (prefix, body transform, suffix).
    static func embed(_ pem: String, style: Int) -> String {
        let escaped = pem.replacingOccurrences(of: "\n", with: "\\n")
        switch style {
        case 0: return pem + "\n"
        case 1: return "K = \"\"\"" + pem + "\"\"\""
        case 2: return "K = '''" + pem + "'''"
        case 3: return "var k = `" + pem + "`"
        case 4: return "const k = \"" + escaped + "\";"
        case 5: return "{\"private_key\": \"" + escaped + "\\n\"}"
        case 6: return "k = '" + escaped + "'"
        default:
            let indented = pem.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            return "key: |\n" + indented + "\n"
        }
    }

    static let styles = 8

    /// Filler between keys: white space, punctuation and lowercase prose.
    static func gap(_ rng: inout SeededGenerator, newline: Bool) -> String {
        let alphabet = Array(" \n\t;,=()xyz.")
        let length = Int.random(in: 0...200, using: &rng)
        var text = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
        if newline && !text.contains("\n") { text += "\n" }
        return text
    }

    /// Builds one random blob; returns it with the expected (line, fingerprint) of each reported key.
    static func blob(seed: UInt64, allowSome: Bool) -> (text: String, expected: [String], allowed: Int) {
        var rng = SeededGenerator(state: seed)
        let count = Int.random(in: 2...20, using: &rng)
        var text = gap(&rng, newline: false)
        var expected: [String] = []
        var allowed = 0
        var previousAllowed = false
        for _ in 0..<count {
            let key = keys.randomElement(using: &rng)!
            let allow = allowSome && Bool.random(using: &rng)
            if previousAllowed || allow, !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            let style = Int.random(in: 0..<styles, using: &rng)
            var embedded = embed(key.pem, style: style)
            if allow {
                // In YAML the comment goes on the `key: |` line, the line before the block.
                if style == styles - 1 {
                    embedded = embedded.replacingOccurrences(of: "key: |\n", with: "key: | # keyleak:allow\n")
                } else {
                    text += "# keyleak:allow\n"
                }
            }
            let before = text + embedded[..<embedded.range(of: "-----BEGIN")!.lowerBound]
            let line = before.utf8.reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
            text += embedded
            if allow {
                allowed += 1
            } else {
                expected.append("\(line) \(key.fingerprint)")
            }
            previousAllowed = allow
            text += gap(&rng, newline: allow)
        }
        return (text, expected.sorted(), allowed)
    }

    static func reported(_ text: String) -> (found: [String], suppressed: Int) {
        let report = Scanner(ruleSet: try! RuleSet()).scan(bytes: Array(text.utf8), path: "blob")
        let (findings, suppressed) = (report.findings, report.summary.suppressed)
        return (findings.map { "\($0.line) \($0.key?.identity?.oci ?? "no fingerprint: \($0.rule) \($0.message)")" }.sorted(),
                suppressed)
    }

    @Test("every key in a random blob is reported once, at its line, with its fingerprint")
    func everyKeyOnce() {
        for seed in UInt64(1)...150 {
            let (text, expected, _) = Self.blob(seed: seed, allowSome: false)
            let (found, _) = Self.reported(text)
            #expect(found == expected, "seed \(seed)")
        }
    }

    @Test("allowing some fingerprints in the config never hides a neighbour")
    func allowedFingerprintsHideNoNeighbour() {
        let scanner = Scanner(ruleSet: try! RuleSet())
        for seed in UInt64(2001)...2060 {
            var rng = SeededGenerator(state: seed)
            let allowed = Set(Self.keys.map(\.fingerprint).filter { _ in Bool.random(using: &rng) })
            let (text, expected, _) = Self.blob(seed: seed, allowSome: false)
            var options = ScanOptions()
            options.suppression.allowedFingerprints = Dictionary(uniqueKeysWithValues: allowed.map { ($0, "fixture") })
            let report = scanner.scan(bytes: Array(text.utf8), path: "blob", options: options)
            let found = report.findings.map { "\($0.line) \($0.key?.identity?.oci ?? "none")" }.sorted()
            let kept = expected.filter { !allowed.contains(String($0.split(separator: " ")[1])) }
            #expect(found == kept, "seed \(seed)")
            #expect(report.summary.allowed == expected.count - kept.count, "seed \(seed)")
        }
    }

    @Test("allowing some keys inline never hides a neighbour")
    func allowedKeysHideNoNeighbour() {
        for seed in UInt64(1001)...1150 {
            let (text, expected, allowed) = Self.blob(seed: seed, allowSome: true)
            let (found, suppressed) = Self.reported(text)
            #expect(found == expected, "seed \(seed)")
            #expect(suppressed == allowed, "seed \(seed)")
        }
    }
}
