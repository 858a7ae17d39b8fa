import Foundation
import Testing
import TestSupport

/// Living with keyleak in a team: config file, allow-listed fingerprints,
/// baselines, SARIF and JSONL.
@Suite struct TeamTests {
    func keyleak(_ arguments: [String], cwd: String? = nil) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments, cwd: cwd)
    }

    func tree() throws -> (TemporaryDirectory, String, String) {
        let dir = try TemporaryDirectory()
        let a = try TestKeys.rsa(dir, "fixtures/test-key.pem")
        let fp = try TestKeys.ociFingerprint(a)
        let b = try TestKeys.generate(dir, "src/other.pem", ["-algorithm", "ed25519"])
        return (dir, fp, b)
    }

    @Test func initWritesAStarterThatLoads() throws {
        let dir = try TemporaryDirectory()
        #expect(try keyleak(["init"], cwd: dir.path).status == 0)
        let text = try String(contentsOfFile: dir.file(".keyleak.yaml"), encoding: .utf8)
        #expect(text.contains("fail-on: medium") && text.contains("allow:"))
        #expect(try keyleak(["scan", dir.path]).status == 0)
        #expect(try keyleak(["init"], cwd: dir.path).status == 2, "never overwrites without --force")
    }

    @Test func allowedFingerprintIgnoredPathsAndDisabledRules() throws {
        let (dir, fp, _) = try tree()
        try dir.write(".keyleak.yaml", """
        fail-on: high
        paths:
          ignore: ["src/**"]
        allow:
          fingerprints:
            - fingerprint: "\(fp)"
              reason: test fixture, never registered
        rules:
          disable: ["oci-api-key-marker"]
        """)
        let result = try keyleak(["scan", dir.path])
        #expect(result.status == 0, "\(result.text)")
        #expect(result.text.contains("1 allowed by config"))
        // A key added later is still reported.
        _ = try TestKeys.generate(dir, "new.pem", ["-algorithm", "ed25519"])
        #expect(try keyleak(["scan", dir.path]).status == 1)
    }

    @Test func badConfigsNameFileLineAndProblem() throws {
        let dir = try TemporaryDirectory()
        let cases: [(String, String)] = [
            ("fail-on: loud\n", ":1: fail-on must be one of"),
            ("paths:\n  ignore: \"vendor/**\"\n", ":2: paths.ignore must be a list"),
            ("paths:\n  exclude: []\n", ":2: unknown key 'paths.exclude'"),
            ("allow:\n  fingerprints:\n    - fingerprint: \"zz\"\n      reason: x\n", ":3: allow.fingerprints entry needs a fingerprint"),
            ("rules:\n  disable: [no-such-rule]\n", "no-such-rule"),
            ("colour: blue\n", ":1: unknown key 'colour'"),
            ("fail-on: [\n", "not valid YAML"),
        ]
        for (text, expected) in cases {
            try dir.write(".keyleak.yaml", text)
            let result = try keyleak(["scan", dir.path])
            #expect(result.status == 2, "\(text)")
            #expect(result.stderr.contains(".keyleak.yaml") && result.stderr.contains(expected), "\(text): \(result.stderr)")
        }
        let missing = try keyleak(["scan", "--config", dir.file("nope.yaml"), dir.path])
        #expect(missing.status == 2 && missing.stderr.contains("nope.yaml"))
    }

    @Test func baselineKeepsOldFindingsQuietAndSurvivesMovingAKey() throws {
        let (dir, _, other) = try tree()
        let baseline = dir.file("../baseline-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(atPath: baseline) }
        #expect(try keyleak(["scan", "--write-baseline", baseline, dir.path]).status == 0)
        let content = try String(contentsOfFile: baseline, encoding: .utf8)
        #expect(!content.contains("MII") && !content.contains("MC4C"), "the baseline holds no key material")
        #expect(try keyleak(["scan", "--baseline", baseline, dir.path]).status == 0)
        // The same key moved down its file is not new.
        try dir.write("src/other.pem", "\n\n# moved\n" + other)
        let moved = try keyleak(["scan", "--baseline", baseline, dir.path])
        #expect(moved.status == 0, "\(moved.text)")
        #expect(moved.text.contains("2 in the baseline"))
        // A new key is.
        _ = try TestKeys.rsa(dir, "src/added.pem")
        let added = try keyleak(["scan", "--baseline", baseline, "--format", "json", dir.path])
        #expect(added.status == 1)
        #expect(added.text.contains("src/added.pem") && !added.text.contains("src/other.pem"))
    }

    @Test func sarifValidatesAgainstTheOfficialSchema() throws {
        let (dir, _, _) = try tree()
        try dir.write("dir with space/.oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\ntenancy=ocid1.tenancy.oc1..bbbb\nfingerprint=11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff\n")
        let sarif = try keyleak(["scan", "--format", "sarif", dir.path])
        #expect(sarif.status == 1)
        // The official SARIF 2.1.0 schema, a copy of ../shared/schemas/sarif-schema-2.1.0.json.
        let schema = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/sarif-schema-2.1.0.json").path
        try #require(FileManager.default.fileExists(atPath: schema))
        let file = dir.file("../report-\(UUID().uuidString).sarif")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try sarif.stdout.write(to: URL(fileURLWithPath: file))
        let check = try Shell.run("python3", ["-c", """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); report = json.load(open(sys.argv[2]))
        jsonschema.validate(report, schema)
        results = report["runs"][0]["results"]
        assert len(results) == 3, len(results)
        assert {r["level"] for r in results} >= {"error", "note"}
        assert all(r["partialFingerprints"] for r in results)
        assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("dir%20with%20space") for r in results)
        print("valid")
        """, schema, file])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.text.contains("valid"))
    }

    @Test func jsonlIsOneFindingALine() throws {
        let (dir, _, _) = try tree()
        let result = try keyleak(["scan", "--format", "jsonl", dir.path])
        let lines = result.text.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["rule"] as? String == "private-key")
        }
    }
}
