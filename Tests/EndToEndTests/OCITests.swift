import Foundation
import Testing
import TestSupport

/// OCI credentials as a whole: configs linked to keys, pass phrases opening
/// keys, known registered keys, through the built binary.
@Suite struct OCITests {
    struct Report: Decodable {
        struct Finding: Decodable {
            struct Related: Decodable { var path: String; var line: Int; var rule: String }
            struct Known: Decodable { var label: String?; var state: String?; var user: String?; var source: String }
            struct OCI: Decodable { var profile: String?; var user: String?; var tenancy: String?; var key_file: String? }
            var rule: String
            var severity: String
            var path: String
            var line: Int
            var fingerprint: String?
            var message: String
            var preview: String
            var related: [Related]
            var known_key: Known?
            var oci: OCI?
        }
        var findings: [Finding]
    }

    static func scan(_ arguments: [String]) throws -> (Int32, Report, String) {
        // The fixtures carry keyleak:allow comments (so keyleak's own sources scan clean): audit mode.
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json", "--no-inline-allow"] + arguments)
        let report = (try? JSONDecoder().decode(Report.self, from: result.stdout)) ?? Report(findings: [])
        return (result.status, report, result.stderr)
    }

    @Test func configLinksToItsKeyAndFlagsMismatches() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "keys/oci_api_key.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        let other = try TestKeys.rsa(dir, "keys/other.pem")
        let otherFP = try TestKeys.ociFingerprint(other)
        try dir.write("home/oci-config.txt", """
        # keyleak:allow (test fixture)
        [DEFAULT]
        user=ocid1.user.oc1..aaaaaaaauser
        tenancy=ocid1.tenancy.oc1..aaaaaaaatenancy
        region=us-ashburn-1
        fingerprint=\(fp)
        key_file=~/.oci/oci_api_key.pem

        # keyleak:allow (test fixture)
        [WRONG]
        fingerprint=\(fp)
        key_file=../keys/other.pem

        # keyleak:allow (test fixture)
        [ELSEWHERE]
        fingerprint=11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff
        key_file=/home/me/.oci/not-here.pem
        """)
        let (status, report, _) = try Self.scan([dir.path])
        #expect(status == 1)
        let profiles = report.findings.filter { $0.rule == "oci-config" }
        #expect(profiles.map { $0.oci?.profile } == ["DEFAULT", "WRONG", "ELSEWHERE"])
        let main = try #require(profiles.first)
        #expect(main.severity == "critical" && main.related.map(\.path) == ["keys/oci_api_key.pem"])
        let key = try #require(report.findings.first { $0.path == "keys/oci_api_key.pem" })
        #expect(key.severity == "critical" && key.related.contains { $0.path == "home/oci-config.txt" && $0.line == 2 })
        let wrong = profiles[1]
        #expect(wrong.related.map(\.path).contains("keys/other.pem"))
        #expect(wrong.message.contains("does not match") && wrong.message.contains(otherFP))
        let elsewhere = profiles[2]
        #expect(elsewhere.severity == "low" && elsewhere.related.isEmpty && elsewhere.message.contains("not in the scan"))
        #expect(elsewhere.oci?.user == "ocid1.user.oc1..aaaaaaaauser", "inherited from DEFAULT")
    }

    @Test func passPhraseOpensTheEncryptedKey() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "plain.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try FileManager.default.removeItem(atPath: dir.file("plain.pem"))
        try dir.write(".oci/key.pem", try TestKeys.convert(pem, ["-aes256", "-passout", "pass:open sesame"]))
        try dir.write(".oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/key.pem\npass_phrase=open sesame\n")
        let (_, report, _) = try Self.scan([dir.path])
        let key = try #require(report.findings.first { $0.path == ".oci/key.pem" })
        #expect(key.fingerprint == fp)
        #expect(key.severity == "critical")
        let config = try #require(report.findings.first { $0.path == ".oci/config" })
        #expect(config.severity == "critical")
        let everything = try Shell.run(Paths.binary, ["scan", dir.path])
        #expect(!(everything.text + everything.stderr).contains("open sesame"), "the pass phrase is never printed")
    }

    /// A key that declares more key-derivation iterations than keyleak spends
    /// on one container is not opened with the pass phrase beside it (a
    /// crafted key could stall the scan): it stays an encrypted key, named as
    /// such; one within the budget is opened.
    @Test func aKeyDeclaringTooManyIterationsIsNotOpened() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "plain.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try FileManager.default.removeItem(atPath: dir.file("plain.pem"))
        for (name, iterations) in [("costly", 5_000_001), ("cheap", 4_096)] {
            let sealed = try Shell.check("openssl", ["pkcs8", "-topk8", "-v2", "aes256", "-iter", "\(iterations)", "-passout", "pass:open sesame"],
                                         input: Data(pem.utf8))
            try dir.write("\(name)/.oci/key.pem", sealed)
            try dir.write("\(name)/.oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/key.pem\npass_phrase=open sesame\n")
        }
        let (_, report, _) = try Self.scan([dir.path])
        let costly = try #require(report.findings.first { $0.path == "costly/.oci/key.pem" })
        #expect(costly.fingerprint == nil && costly.message.contains("encrypted"), "\(costly.message)")
        let cheap = try #require(report.findings.first { $0.path == "cheap/.oci/key.pem" })
        #expect(cheap.fingerprint == fp)
    }

    /// The pass phrase opens its key from the bytes the scan saw, wherever the
    /// key was: inside a zip, inside a tar.gz, in a git blob that no longer exists on disk.
    @Test(arguments: ["zip", "tar.gz", "git"])
    func passPhraseOpensTheEncryptedKeyWhereverItIs(container: String) throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "plain.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try FileManager.default.removeItem(atPath: dir.file("plain.pem"))
        let tree = dir.file("tree")
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        let encrypted = try TestKeys.convert(pem, ["-aes256", "-passout", "pass:open sesame"])
        let config = "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/key.pem\npass_phrase=open sesame\n"
        var arguments: [String]
        switch container {
        case "zip", "tar.gz":
            let staging = try TemporaryDirectory()
            try staging.write("home/.oci/key.pem", encrypted)
            try staging.write("home/.oci/config", config)
            if container == "zip" {
                try Shell.check("sh", ["-c", "cd '\(staging.path)' && python3 -m zipfile -c '\(tree)/backup.zip' home"])
            } else {
                try Shell.check("tar", ["-czf", tree + "/backup.tar.gz", "-C", staging.path, "home"])
            }
            arguments = [tree]
        default:
            try Shell.check("git", ["init", "-q", tree])
            try Shell.check("mkdir", ["-p", tree + "/.oci"])
            try encrypted.write(to: URL(fileURLWithPath: tree + "/.oci/key.pem"))
            try Data(config.utf8).write(to: URL(fileURLWithPath: tree + "/.oci/config"))
            try Shell.check("git", ["-C", tree, "add", "."])
            try Shell.check("git", ["-C", tree, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "oops"])
            try Shell.check("git", ["-C", tree, "rm", "-q", ".oci/key.pem"])
            try Shell.check("git", ["-C", tree, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "remove"])
            arguments = ["--git", "--repo", tree]
        }
        let (status, report, stderr) = try Self.scan(arguments)
        #expect(status == 1, "\(stderr)")
        let key = try #require(report.findings.first { $0.path.hasSuffix(".oci/key.pem") }, "\(report.findings.map(\.path))")
        #expect(key.fingerprint == fp, "opened with the pass phrase")
        #expect(key.severity == "critical")
        #expect(key.message.contains("opened with the pass phrase"))
    }

    /// OCIDs are not secrets: a profile with only a tenancy and a region is no
    /// finding, and a copied `.oci` folder without a key is no high finding.
    @Test func identitiesWithoutSecretsAreNotAlarms() throws {
        let dir = try TemporaryDirectory()
        try dir.write("a/oci.ini", "[DEFAULT]\ntenancy=ocid1.tenancy.oc1..aaaaaaaatenancy\nregion=us-ashburn-1\n")
        try dir.write("a/provider.tf", "provider \"oci\" {\n  tenancy_ocid = \"ocid1.tenancy.oc1..aaaaaaaatenancy\"\n  region = \"us-phoenix-1\"\n}\n")
        let (status, report, _) = try Self.scan(["--fail-on", "low", dir.file("a")])
        #expect(status == 0 && report.findings.isEmpty, "\(report.findings.map(\.message))")
        var profiles = ""
        for name in ["ONE", "TWO", "THREE", "FOUR"] {
            profiles += "[\(name)]\nuser=ocid1.user.oc1..\(name.lowercased())aaaa\nfingerprint=12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef\ntenancy=ocid1.tenancy.oc1..aaaaaaaatenancy\n\n"
        }
        try dir.write("b/.oci/config", profiles)
        let (_, second, _) = try Self.scan([dir.file("b")])
        let set = try #require(second.findings.first { $0.rule == "oci-credential-set" })
        #expect(set.severity == "low", "no key: an identity without a secret")
        #expect(!set.message.contains("working"))
    }

    /// "A working OCI login" only when the folder's key is the one its profile claims.
    @Test func aMismatchedKeyIsNoWorkingLogin() throws {
        let dir = try TemporaryDirectory()
        _ = try TestKeys.rsa(dir, "b/.oci/oci_api_key.pem")
        try dir.write("b/.oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint=12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef\ntenancy=ocid1.tenancy.oc1..aaaaaaaatenancy\nkey_file=~/.oci/oci_api_key.pem\n")
        let (_, report, _) = try Self.scan([dir.file("b")])
        let set = try #require(report.findings.first { $0.rule == "oci-credential-set" })
        #expect(!set.message.contains("working"), "\(set.message)")
        #expect(set.severity == "high")
    }

    @Test func knownKeysFromTheOCICLI() throws {
        let dir = try TemporaryDirectory()
        let active = try TestKeys.rsa(dir, "scan/active.pem")
        let rotated = try TestKeys.rsa(dir, "scan/rotated.pem")
        let activeFP = try TestKeys.ociFingerprint(active)
        let rotatedFP = try TestKeys.ociFingerprint(rotated)
        let publicPEM = String(decoding: try TestKeys.convert(active, ["-pubout"]), as: UTF8.self)
        let list: [String: Any] = ["data": [
            ["fingerprint": activeFP, "key-id": "ocid1.tenancy.oc1..t/ocid1.user.oc1..u/\(activeFP)", "key-value": publicPEM,
             "lifecycle-state": "ACTIVE", "time-created": "2025-01-01T00:00:00+00:00", "user-id": "ocid1.user.oc1..u"],
            ["fingerprint": rotatedFP, "key-id": "old-key", "lifecycle-state": "INACTIVE", "user-id": "ocid1.user.oc1..u"],
        ]]
        let known = try dir.write("known/api-keys.json", try JSONSerialization.data(withJSONObject: list))
        let (_, report, _) = try Self.scan(["--known-keys", known, dir.file("scan")])
        let a = try #require(report.findings.first { $0.path == "active.pem" })
        #expect(a.severity == "critical" && a.known_key?.state == "ACTIVE" && a.known_key?.user == "ocid1.user.oc1..u")
        let r = try #require(report.findings.first { $0.path == "rotated.pem" })
        #expect(r.known_key?.state == "INACTIVE" && r.message.contains("rotated"))
        #expect(r.severity == "high")

        // A listed fingerprint that does not match its key-value is a malformed file.
        var broken = list
        broken["data"] = [["fingerprint": rotatedFP, "key-value": publicPEM, "lifecycle-state": "ACTIVE"]]
        let bad = try dir.write("known/broken.json", try JSONSerialization.data(withJSONObject: broken))
        let (status, _, stderr) = try Self.scan(["--known-keys", bad, dir.file("scan")])
        #expect(status == 2 && stderr.contains("broken.json"))
    }

    @Test func inlineKeyInTerraformIsAKeyAndLinked() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        let fp = try TestKeys.ociFingerprint(pem)
        try dir.write("main.tf", """
        provider "oci" { # keyleak:allow (test fixture)
          tenancy_ocid = "ocid1.tenancy.oc1..aaaa"
          user_ocid    = "ocid1.user.oc1..bbbb"
          fingerprint  = "\(fp)"
          private_key  = <<EOT
        \(pem)EOT
          region = "us-ashburn-1"
        }
        """)
        let (_, report, _) = try Self.scan([dir.path])
        let key = try #require(report.findings.first { $0.rule == "private-key" })
        #expect(key.fingerprint == fp && key.severity == "critical" && key.line == 6)
        #expect(report.findings.contains { $0.rule == "oci-config" && $0.severity == "critical" })
    }

    @Test func sessionTokensAreFoundAndRatedByExpiry() throws {
        let dir = try TemporaryDirectory()
        let now = Int(Date().timeIntervalSince1970)
        try dir.write("live/.oci/sessions/DEFAULT/token", DoctorTests.token(subject: "ocid1.user.oc1..aaaalive", expires: now + 3600))
        try dir.write("old/.oci/sessions/DEFAULT/token", DoctorTests.token(subject: "ocid1.user.oc1..aaaaold", expires: now - 3600))
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json", dir.path])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]]).filter { $0["rule"] as? String == "oci-session-token" }
        try #require(findings.count == 2)
        let live = try #require(findings.first { ($0["path"] as? String)?.hasPrefix("live/") == true })
        let old = try #require(findings.first { ($0["path"] as? String)?.hasPrefix("old/") == true })
        #expect(live["severity"] as? String == "high" && old["severity"] as? String == "low")
        #expect((live["session_token"] as? [String: Any])?["subject"] as? String == "ocid1.user.oc1..aaaalive")
        #expect(((live["remediation"] as? [String: Any])?["rotate"] as? String)?.contains("oci session authenticate") == true)
        #expect(!result.text.contains(DoctorTests.token(subject: "ocid1.user.oc1..aaaalive", expires: now + 3600)))
    }

    @Test func everyOCIFindingSaysHowToRevoke() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "deploy/.oci/oci_api_key.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try dir.write("deploy/.oci/config", """
        # keyleak:allow (test fixture)
        [DEFAULT]
        user=ocid1.user.oc1..aaaaaaaarevoke
        tenancy=ocid1.tenancy.oc1..aaaaaaaatenancy
        fingerprint=\(fp)
        key_file=~/.oci/oci_api_key.pem
        region=us-ashburn-1
        """)
        let (_, report, _) = try Self.scan([dir.path])
        let text = try Shell.run(Paths.binary, ["scan", "--no-inline-allow", dir.path]).text
        #expect(text.contains("revoke: oci iam user api-key delete --user-id ocid1.user.oc1..aaaaaaaarevoke --fingerprint \(fp) --force"))
        #expect(text.contains("git filter-repo --invert-paths --path deploy/.oci/oci_api_key.pem"))
        #expect(text.contains("stays compromised"))
        #expect(report.findings.contains { $0.rule == "private-key" })
        let sarif = try Shell.run(Paths.binary, ["scan", "--format", "sarif", "--no-inline-allow", dir.path]).text
        #expect(sarif.contains("oci iam user api-key delete --user-id ocid1.user.oc1..aaaaaaaarevoke"))
    }
}
