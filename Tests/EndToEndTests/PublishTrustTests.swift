import Foundation
import Testing
import TestSupport

/// `--publish` checks a folder that is untrusted input: nothing in it can
/// silence the check. Its `.keyleak.yaml` and inline allows are named, not
/// obeyed, unless the user chooses a config with `--config`.
@Suite struct PublishTrustTests {
    /// What the folder's own config tries; each must leave the verdict NOT SAFE.
    static let configs: [(name: String, yaml: @Sendable (String) -> String)] = [
        ("rules.disable", { _ in "rules:\n  disable: [\"private-key\", \"der-private-key\"]\n" }),
        ("allow.fingerprints", { fp in "allow:\n  fingerprints:\n    - fingerprint: \"\(fp)\"\n      reason: fixture\n" }),
        ("paths.ignore", { _ in "paths:\n  ignore: [\"**\"]\n" }),
        ("fail-on", { _ in "fail-on: critical\n" }),
    ]

    @Test(arguments: configs.map(\.name))
    func theFoldersOwnConfigIsNamedNotObeyed(name: String) throws {
        let spec = try #require(Self.configs.first { $0.name == name })
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "share/deploy/id.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try dir.write("share/.keyleak.yaml", spec.yaml(fp))
        // A plain scan obeys the folder's config (it is the user's own repository)…
        let plain = try Shell.run(Paths.binary, ["scan", "--format", "json", dir.file("share")])
        #expect(plain.status == 0, "\(name): a plain scan obeys the config")
        // …--publish does not, and says so.
        let shared = try Shell.run(Paths.binary, ["scan", "--publish", "--format", "json", dir.file("share")])
        #expect(shared.status == 1, "\(name)")
        #expect(shared.stderr.contains("NOT SAFE TO SHARE"), "\(name): \(shared.stderr)")
        #expect(shared.stderr.contains("not obeyed"), "\(name): \(shared.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: shared.stdout) as? [String: Any])
        let findings = report["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["fingerprint"] as? String == fp }, "\(name)")
        let ignored = (report["summary"] as? [String: Any])?["ignored_config"] as? [String: Any]
        #expect((ignored?["path"] as? String)?.hasSuffix(".keyleak.yaml") == true, "\(name)")
        #expect((ignored?["requests"] as? [String])?.isEmpty == false, "\(name): what it asked for is listed")
    }

    @Test func inlineAllowsAreReportedNotObeyed() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "key.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try FileManager.default.removeItem(atPath: dir.file("key.pem"))
        try dir.write("share/settings.py", "# keyleak:allow test fixture\nKEY = \"\"\"" + pem + "\"\"\"\n")
        let plain = try Shell.run(Paths.binary, ["scan", dir.file("share")])
        #expect(plain.status == 0, "a plain scan honours the comment")
        let shared = try Shell.run(Paths.binary, ["scan", "--publish", "--format", "json", dir.file("share")])
        #expect(shared.status == 1)
        #expect(shared.stderr.contains("NOT SAFE TO SHARE"))
        let report = try #require(try JSONSerialization.jsonObject(with: shared.stdout) as? [String: Any])
        #expect((report["findings"] as? [[String: Any]] ?? []).contains { $0["fingerprint"] as? String == fp })
        #expect((report["summary"] as? [String: Any])?["inline_allows_ignored"] as? Int == 1)
    }

    @Test func aConfigChosenWithConfigIsObeyed() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "share/fixture.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        let config = try dir.write("mine.yaml", "allow:\n  fingerprints:\n    - fingerprint: \"\(fp)\"\n      reason: fixture\n")
        let shared = try Shell.run(Paths.binary, ["scan", "--publish", "--config", config, dir.file("share")])
        #expect(shared.status == 0, "\(shared.stderr)")
        #expect(shared.stderr.contains("SAFE TO SHARE"))
    }
}
