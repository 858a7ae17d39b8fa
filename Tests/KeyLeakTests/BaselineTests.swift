import Foundation
import Testing
import TestSupport
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The baseline file: written and loaded back it knows the same findings; an
/// entry names the secret (rule, path, fingerprint or secret hash), not the
/// line; and a file that is not a baseline is an error, never an empty one.
@Suite struct BaselineTests {
    static var findings: [Finding] {
        var encrypted = HandBuilt.key("deploy/enc.pem", line: 4, fingerprint: nil, encrypted: true)
        encrypted.secretHash = "5f1c0a7e" + String(repeating: "0", count: 56)
        return [HandBuilt.key("deploy/oci_api_key.pem", line: 1),
                encrypted,
                HandBuilt.settings("deploy/config", fingerprint: HandBuilt.fingerprintB),
                HandBuilt.marker("notes/readme.txt", line: 30)]
    }

    static func roundTrip(_ baseline: Baseline) throws -> (Baseline, String) {
        let dir = try TemporaryDirectory()
        let text = baseline.render()
        let file = try dir.write("baseline.json", text)
        return (try Baseline.load(file), text)
    }

    @Test func writeThenLoadKnowsTheSameFindings() throws {
        let (loaded, text) = try BaselineTests.roundTrip(Baseline(findings: BaselineTests.findings))
        #expect(loaded.count == BaselineTests.findings.count)
        for finding in BaselineTests.findings { #expect(loaded.contains(finding), "\(finding.path)") }
        // Rendering the loaded baseline gives the same file (sorted, stable).
        #expect(loaded.render() == text)
        // No line numbers and no previews in the file.
        #expect(!text.contains("\"line\"") && !text.contains("BEGIN") && !text.contains("OCI_API_KEY"))
    }

    @Test func anEntrySurvivesTheKeyMovingToAnotherLine() throws {
        let (loaded, _) = try BaselineTests.roundTrip(Baseline(findings: BaselineTests.findings))
        for var finding in BaselineTests.findings {
            finding.line += 17
            finding.endLine += 17
            finding.column = 9
            #expect(loaded.contains(finding), "\(finding.path) moved")
        }
    }

    @Test func aDifferentKeyAtTheSamePlaceIsNew() throws {
        let (loaded, _) = try BaselineTests.roundTrip(Baseline(findings: BaselineTests.findings))
        // Same path and line, another key.
        #expect(!loaded.contains(HandBuilt.key("deploy/oci_api_key.pem", line: 1, fingerprint: HandBuilt.fingerprintC)))
        // Another encrypted key: another secret hash.
        var encrypted = HandBuilt.key("deploy/enc.pem", line: 4, fingerprint: nil, encrypted: true)
        encrypted.secretHash = "9" + String(repeating: "0", count: 63)
        #expect(!loaded.contains(encrypted))
        // Settings claiming another fingerprint.
        #expect(!loaded.contains(HandBuilt.settings("deploy/config", fingerprint: HandBuilt.fingerprintC)))
        // The same key in another file, and the same place under another rule.
        #expect(!loaded.contains(HandBuilt.key("other/oci_api_key.pem", line: 1)))
        var otherRule = HandBuilt.key("deploy/oci_api_key.pem", line: 1)
        otherRule.rule = "der-private-key"
        #expect(!loaded.contains(otherRule))
    }

    @Test(arguments: [
        ("not JSON", "this is not json"),
        ("a JSON array", "[]"),
        ("another version", #"{"version": 2, "entries": []}"#),
        ("version as text", #"{"version": "1", "entries": []}"#),
        ("no entries", #"{"version": 1}"#),
        ("entries not a list", #"{"version": 1, "entries": {}}"#),
        ("an entry without identity", #"{"version": 1, "entries": [{"rule": "private-key", "path": "a.pem"}]}"#),
        ("an entry with a number for a path", #"{"version": 1, "entries": [{"rule": "r", "path": 3, "identity": "x"}]}"#),
        ("a keyleak JSON report", #"{"version": 1, "findings": [], "summary": {}}"#),
        ("an empty file", ""),
    ])
    func malformedBaselinesAreErrors(name: String, text: String) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("baseline.json", text)
        #expect(throws: Baseline.Error.self, "\(name)") { try Baseline.load(file) }
    }

    @Test func aMissingBaselineFileIsAnError() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: Baseline.Error.self) { try Baseline.load(dir.file("absent.json")) }
        #expect(error?.description.contains("absent.json") == true)
    }
}
