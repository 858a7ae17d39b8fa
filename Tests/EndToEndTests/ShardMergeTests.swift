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

    /// A report with its duration zeroed (the only field allowed to differ).
    static func normalized(_ data: Data) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        if var summary = object["summary"] as? [String: Any] {
            summary["duration_ms"] = 0
            object["summary"] = summary
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
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

    @Test func mergeRefusesWhatIsNotAReport() throws {
        let dir = try TemporaryDirectory()
        let bogus = try dir.write("x.json", "{\"hello\": 1}")
        let result = try Shell.run(Paths.binary, ["merge", bogus])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not a keyleak"))
    }
}
