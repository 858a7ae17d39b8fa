import Foundation
import Testing
import TestSupport

/// The built binary against a corpus of keys in every form and embedding, made
/// by `scripts/make-corpus.py` with openssl, ssh-keygen, puttygen and gpg.
@Suite(.serialized) struct CorpusTests {
    struct Expected: Decodable {
        struct Key: Decodable {
            var path: String
            var line: Int
            var fingerprint: String?
            var severity: String
            var encrypted: Bool
            var truncated: Bool
            var format: String?
        }
        var findings: [Key]
        var lookalikes: [String]
    }

    static func makeCorpus() throws -> (TemporaryDirectory, Expected) {
        let dir = try TemporaryDirectory()
        try Shell.check("python3", [Paths.packageRoot.appendingPathComponent("scripts/make-corpus.py").path, dir.path])
        let data = try Data(contentsOf: dir.url.appendingPathComponent("expected.json"))
        return (dir, try JSONDecoder().decode(Expected.self, from: data))
    }

    @Test func everyKeyFoundWithItsFingerprintAndNoLookalike() throws {
        let (dir, expected) = try Self.makeCorpus()
        #expect(expected.findings.count >= 30)
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json", dir.path])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        var got: [String: [String: Any]] = [:]
        for finding in report["findings"] as? [[String: Any]] ?? [] {
            got["\(finding["path"] as? String ?? ""):\(finding["line"] as? Int ?? 0)"] = finding
        }
        for key in expected.findings {
            let id = "\(key.path):\(key.line)"
            guard let finding = got.removeValue(forKey: id) else {
                Issue.record("missing: \(id)")
                continue
            }
            let fingerprint = finding["fingerprint"] as? String
            if key.fingerprint == "*" {
                #expect(fingerprint != nil, "\(id): no fingerprint")
            } else {
                #expect(fingerprint == key.fingerprint, "\(id): fingerprint")
            }
            #expect(finding["severity"] as? String == key.severity, "\(id): severity")
            #expect(finding["encrypted"] as? Bool == key.encrypted, "\(id): encrypted")
            #expect(finding["truncated"] as? Bool == key.truncated, "\(id): truncated")
            if let format = key.format { #expect(finding["key_format"] as? String == format, "\(id): format") }
        }
        for (id, finding) in got {
            Issue.record("unexpected finding \(id): \(finding["message"] ?? "")")
        }
    }

    /// Same findings on one thread and eight, and with the portable prefilter
    /// engine (byte pairs) instead of Vectorscan's.
    @Test func sameFindingsWithOneThreadAndEightAndEitherPrefilter() throws {
        let (dir, _) = try Self.makeCorpus()
        let one = try Shell.run(Paths.binary, ["scan", "--format", "json", "--threads", "1", dir.path])
        let eight = try Shell.run(Paths.binary, ["scan", "--format", "json", "--threads", "8", dir.path])
        var environment = ProcessInfo.processInfo.environment
        environment["KEYLEAK_PREFILTER"] = "pairs"
        let pairs = try Shell.run(Paths.binary, ["scan", "--format", "json", dir.path], environment: environment)
        #expect(try findings(one.stdout) == findings(pairs.stdout))
        func findings(_ data: Data) throws -> String {
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let list = try JSONSerialization.data(withJSONObject: object["findings"] ?? [], options: [.sortedKeys])
            return String(decoding: list, as: UTF8.self)
        }
        #expect(try findings(one.stdout) == findings(eight.stdout))
    }
}

/// `--shard K/N` splits the work deterministically and `keyleak merge` puts it back together.
@Suite struct ShardTests {
    @Test func shardsCoverEverythingOnceAndMergeBack() throws {
        let (dir, expected) = try CorpusTests.makeCorpus()
        let whole = try Shell.run(Paths.binary, ["scan", "--format", "json", dir.path])
        var parts: [String] = []
        var counts: [Int] = []
        let scratch = try TemporaryDirectory()
        for k in 1...3 {
            let path = scratch.file("part\(k).json")
            _ = try Shell.run(Paths.binary, ["scan", "--format", "json", "--shard", "\(k)/3", "--output", path, dir.path])
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            counts.append((object?["findings"] as? [Any])?.count ?? -1)
            parts.append(path)
        }
        #expect(counts.reduce(0, +) == expected.findings.count, "\(counts)")
        #expect(counts.allSatisfy { $0 > 0 }, "every shard has some of the work: \(counts)")
        let merged = try Shell.run(Paths.binary, ["merge"] + parts)
        #expect(merged.status == 1)
        func keys(_ data: Data) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return ((object?["findings"] as? [[String: Any]]) ?? []).map { "\($0["path"] ?? ""):\($0["line"] ?? ""):\($0["fingerprint"] ?? "")" }.sorted()
        }
        #expect(try keys(merged.stdout) == keys(whole.stdout))
        #expect(try Shell.run(Paths.binary, ["scan", "--shard", "4/3", dir.path]).status == 2)
    }
}
