import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Replays every input in Tests/Fixtures/fuzz-regressions/TARGET/ through its
/// fuzz entry point: each once crashed, hung or stressed keyleak. A crash here
/// fails the whole test run, which is the point.
@Suite struct FuzzRegressionTests {
    static let root = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions")

    static func inputs(_ target: String) -> [String] {
        let folder = root.appendingPathComponent(target).path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().map { folder + "/" + $0 }
    }

    @Test(arguments: ["FuzzScan", "FuzzSettings", "FuzzArchive"])
    func everyTargetHasRegressionInputs(target: String) {
        #expect(!Self.inputs(target).isEmpty)
    }

    @Test(arguments: inputs("FuzzScan") + inputs("FuzzSettings") + inputs("FuzzArchive"))
    func replaysWithoutCrashingAndGivesTheSameAnswerTwice(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let entry: ([UInt8]) -> Int
        switch URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent {
        case "FuzzScan": entry = FuzzEntryPoints.scan
        case "FuzzSettings": entry = FuzzEntryPoints.settings
        default: entry = FuzzEntryPoints.archive
        }
        let started = Date()
        let first = entry(bytes)
        #expect(first == entry(bytes), "nondeterministic on \(path)")
        #expect(Date().timeIntervalSince(started) < 30, "slow on \(path)")
    }

    /// No regression input may hold a key: they are committed.
    @Test func noInputIsAKey() throws {
        for path in Self.inputs("FuzzScan") + Self.inputs("FuzzSettings") {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let findings = BlobScanner(ruleSet: try RuleSet()).scan(path: path, bytes: bytes)
            #expect(!findings.contains { $0.key?.identity != nil }, "\(path) holds a parseable key")
        }
    }
}
