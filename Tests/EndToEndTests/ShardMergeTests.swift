import Foundation
import Testing
import TestSupport

/// N shards merged give exactly what one scan gives: the same findings,
/// severities, messages, links and credential sets, in JSON and in SARIF.
@Suite(.serialized) struct ShardMergeTests {
    /// The corpus plus copied `.oci` folders whose config and key are linked
    /// (and so critical) only when both are seen together.
    static func makeTree() throws -> TemporaryDirectory {
        let (dir, _) = try CorpusTests.makeCorpus()
        for name in ["alice", "bob", "carol"] {
            let pem = try TestKeys.rsa(dir, "home/\(name)/.oci/oci_api_key.pem")
            let fingerprint = try TestKeys.ociFingerprint(pem)
            let config = ["[DEFAULT]", "user=ocid1.user.oc1..\(name)aaaaaaaa", "fingerprint=\(fingerprint)", "tenancy=ocid1.tenancy.oc1..aaaaaaaatenancy", "region=us-ashburn-1", "key_file=~/.oci/oci_api_key.pem", ""]  // keyleak:allow (test fixture)
            try dir.write("home/\(name)/.oci/config", config.joined(separator: "\n"))
        }
        return dir
    }

    /// A report as written, its duration zeroed (the only field allowed to
    /// differ): key order and layout must match too.
    static func normalized(_ data: Data) throws -> String {
        let text = String(decoding: data, as: UTF8.self)
        _ = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return text.replacingOccurrences(of: #""duration_ms": [0-9]+"#, with: "\"duration_ms\": 0", options: .regularExpression)
    }

    @Test(arguments: ["json", "sarif"])
    func shardsMergedEqualOneScan(format: String) throws {
        let dir = try Self.makeTree()
        let whole = try Shell.run(Paths.binary, ["scan", "--format", format, dir.path])
        #expect(whole.status == 1)
        let expected = try Self.normalized(whole.stdout)
        #expect(expected.contains("oci-credential-set") && expected.contains("a working OCI login"))
        let scratch = try TemporaryDirectory()
        for n in 1...5 {
            var parts: [String] = []
            for k in 1...n {
                let path = scratch.file("part-\(n)-\(k).\(format)")
                let part = try Shell.run(Paths.binary, ["scan", "--format", format, "--shard", "\(k)/\(n)", "--output", path, dir.path])
                #expect(part.status <= 1, "\(part.stderr)")
                parts.append(path)
            }
            let merged = try Shell.run(Paths.binary, ["merge"] + parts)
            #expect(merged.status == 1, "\(merged.stderr)")
            let got = try Self.normalized(merged.stdout)
            #expect(got == expected, "\(n) shards, \(format)")
            if got != expected {
                let a = expected.split(separator: "\n"), b = got.split(separator: "\n")
                let firstDiff = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                Issue.record("first difference at line \(firstDiff): \(a.dropFirst(firstDiff).first ?? "") vs \(b.dropFirst(firstDiff).first ?? "")")
            }
        }
    }

    @Test func credentialSetIsARuleLikeAnyOther() throws {
        let dir = try Self.makeTree()
        let list = try Shell.run(Paths.binary, ["rules", "list"])
        #expect(list.text.contains("oci-credential-set"))
        // SARIF: every result's ruleIndex points at its own rule.
        let sarif = try Shell.run(Paths.binary, ["scan", "--format", "sarif", dir.path])
        let object = try #require(try JSONSerialization.jsonObject(with: sarif.stdout) as? [String: Any])
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        let rules = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        let results = run["results"] as? [[String: Any]] ?? []
        #expect(results.contains { $0["ruleId"] as? String == "oci-credential-set" })
        for result in results {
            let index = try #require(result["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == result["ruleId"] as? String)
        }
        // It can be disabled like any rule.
        let config = try dir.write("keyleak.yaml", "rules:\n  disable: [\"oci-credential-set\"]\n")
        let disabled = try Shell.run(Paths.binary, ["scan", "--format", "json", "--config", config, dir.path])
        #expect(disabled.status == 1)
        // (The summary's disabled_rules names it; no finding has it.)
        #expect(!disabled.text.contains("\"rule\": \"oci-credential-set\""))
        #expect(disabled.text.contains("\"rule\": \"oci-config\""))
    }

    @Test func mergeRefusesWhatIsNotAReport() throws {
        let dir = try TemporaryDirectory()
        let bogus = try dir.write("x.json", "{\"hello\": 1}")
        let result = try Shell.run(Paths.binary, ["merge", bogus])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not a keyleak"))
    }
}
