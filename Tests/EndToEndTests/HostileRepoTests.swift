import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// CI scans code written by people it should not trust. Each test is a move
/// a hostile pull request (or repository) can make, and checks that the scan
/// still sees what a push sends and says what it could not see.
@Suite struct HostileRepoTests {
    typealias Repo = TestRepository

    /// A fresh RSA key's PEM text and OCI fingerprint (the generated file is removed).
    static func key(_ dir: TemporaryDirectory) throws -> (pem: String, fingerprint: String) {
        let name = "gen-\(UUID().uuidString).pem"
        let pem = try TestKeys.rsa(dir, name)
        try FileManager.default.removeItem(atPath: dir.file(name))
        return (pem, try TestKeys.ociFingerprint(pem))
    }

    static func json(_ result: Shell.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.text) \(result.stderr)")
    }

    static func findings(_ report: [String: Any]) -> [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }
    static func summary(_ report: [String: Any]) -> [String: Any] { report["summary"] as? [String: Any] ?? [:] }

    /// The config a pull request adds to silence its own scan.
    static let silencing = "paths:\n  ignore: [\"**\"]\nrules:\n  disable: [\"private-key\"]\nfail-on: critical\n"

    // MARK: 1. The config trust boundary

    @Test func aRangeIsScannedWithItsBaseConfigAndTheConfigChangeIsReported() throws {
        let repo = try Repo()
        let key = try Self.key(repo.dir)
        try repo.dir.write("README", "hello\n")
        let base = try repo.commitAll("base")
        try repo.dir.write("deploy/id.pem", key.pem)
        try repo.dir.write(".keyleak.yaml", Self.silencing)
        try repo.commitAll("add a key, and silence the scan")

        let result = try repo.keyleak(["scan", "--git", "\(base)..HEAD", "--format", "json"])
        #expect(result.status == 1, "the pull request cannot silence its own scan: \(result.stderr)")
        let report = try Self.json(result)
        let findings = Self.findings(report)
        #expect(findings.contains { $0["fingerprint"] as? String == key.fingerprint })
        let change = try #require(findings.first { $0["rule"] as? String == "keyleak-config-change" })
        #expect(change["severity"] as? String == "low")
        #expect(change["path"] as? String == ".keyleak.yaml")
        #expect(change["commit"] as? String == (try repo.git("rev-parse", "HEAD")))
        let message = change["message"] as? String ?? ""
        #expect(message.contains("rules.disable: private-key") && message.contains("paths.ignore: **") && message.contains("fail-on: critical"),
                "names what it would suppress: \(message)")
        #expect((change["config_change"] as? [String: Any])?["kind"] as? String == "added")
        #expect(Self.summary(report)["ignored_by_config"] as? Int == 0)
        #expect(Self.summary(report)["disabled_rules"] as? [String] == [])

        // --trust-repo-config restores the old behaviour: the working tree's config, obeyed and counted.
        let trusting = try repo.keyleak(["scan", "--git", "\(base)..HEAD", "--trust-repo-config", "--format", "json"])
        #expect(trusting.status == 0, "\(trusting.stderr)")
        let trusted = Self.summary(try Self.json(trusting))
        #expect((trusted["ignored_by_config"] as? Int ?? 0) >= 2, "the key and the config were ignored: \(trusted)")
        #expect(trusted["disabled_rules"] as? [String] == ["private-key"])
    }

    @Test func theBaseConfigIsObeyedAndItsNamedFilesComeFromTheBase() throws {
        let repo = try Repo()
        let fixture = try Self.key(repo.dir)
        let leaked = try Self.key(repo.dir)
        try repo.dir.write(".keyleak.yaml", "paths:\n  ignore: [\"fixtures/**\"]\nknown-keys: [\"ops/keys.txt\"]\n")
        try repo.dir.write("ops/keys.txt", "\(leaked.fingerprint) prod-deploy\n")
        let base = try repo.commitAll("base")
        try repo.dir.write("fixtures/test.pem", fixture.pem)
        try repo.dir.write("src/leak.pem", leaked.pem)
        // The change also empties the known-keys file: the base's copy is the one read.
        try repo.dir.write("ops/keys.txt", "# nothing here\n")
        try repo.commitAll("fixture and a leak")

        let result = try repo.keyleak(["scan", "--git", "\(base)..main", "--format", "json"])
        let report = try Self.json(result)
        let findings = Self.findings(report)
        #expect(findings.map { $0["path"] as? String } == ["src/leak.pem"], "the base's paths.ignore is obeyed")
        #expect((findings.first?["known_key"] as? [String: Any])?["label"] as? String == "prod-deploy",
                "known-keys is read from the base commit")
        #expect(findings.first?["severity"] as? String == "critical")
        #expect(Self.summary(report)["ignored_by_config"] as? Int == 1)
    }

    @Test func stagedReadsHEADsConfigAndNoneBeforeTheFirstCommit() throws {
        let repo = try Repo()
        let key = try Self.key(repo.dir)
        // A repository without commits: no config at all, whatever is staged.
        try repo.dir.write("id.pem", key.pem)
        try repo.dir.write(".keyleak.yaml", Self.silencing)
        try repo.git("add", "-A")
        var result = try repo.keyleak(["scan", "--staged", "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        var findings = Self.findings(try Self.json(result))
        #expect(findings.contains { $0["fingerprint"] as? String == key.fingerprint })
        #expect(findings.contains { $0["rule"] as? String == "keyleak-config-change" })

        // After a first commit without a config, a staged silencing config is still not obeyed.
        try repo.git("rm", "-q", "--cached", "id.pem", ".keyleak.yaml")
        try repo.dir.write("README", "x\n")
        try repo.git("add", "README")
        try repo.git("commit", "-q", "--no-verify", "-m", "first")
        try repo.git("add", "id.pem", ".keyleak.yaml")
        result = try repo.keyleak(["scan", "--staged", "--format", "json"])
        #expect(result.status == 1)
        findings = Self.findings(try Self.json(result))
        #expect(findings.contains { $0["fingerprint"] as? String == key.fingerprint })

        // A config chosen with --config is obeyed.
        let chosen = try repo.dir.write("../chosen-\(UUID().uuidString).yaml", "paths:\n  ignore: [\"*.pem\"]\n")
        defer { try? FileManager.default.removeItem(atPath: chosen) }
        #expect(try repo.keyleak(["scan", "--staged", "--config", chosen]).status == 0)
        // --trust-repo-config obeys the staged change's own config, as before.
        #expect(try repo.keyleak(["scan", "--staged", "--trust-repo-config"]).status == 0)
    }

    @Test func allRefsAndFileScansKeepTheWorkingTreesConfigAndCountWhatItLeftOut() throws {
        let repo = try Repo()
        let key = try Self.key(repo.dir)
        try repo.dir.write("vendor/a/id.pem", key.pem)
        try repo.dir.write("vendor/b.txt", "b\n")
        try repo.dir.write(".keyleak.yaml", "paths:\n  ignore: [\"vendor/**\"]\nrules:\n  disable: [\"oci-config\"]\n")
        try repo.commitAll("vendored")
        for arguments in [["scan", "--git"], ["scan", "--git", "HEAD"], ["scan", "."]] {
            let json = try repo.keyleak(arguments + ["--format", "json"])
            #expect(json.status == 0, "\(arguments): \(json.stderr)")
            let summary = Self.summary(try Self.json(json))
            #expect((summary["ignored_by_config"] as? Int ?? 0) >= 1, "\(arguments): \(summary)")
            #expect(summary["disabled_rules"] as? [String] == ["oci-config"], "\(arguments)")

            let sarif = try repo.keyleak(arguments + ["--format", "sarif"])
            let run = ((try Self.json(sarif))["runs"] as? [[String: Any]])?.first
            let properties = run?["properties"] as? [String: Any] ?? [:]
            #expect((properties["ignored_by_config"] as? Int ?? 0) >= 1, "\(arguments): SARIF run properties")
            #expect(properties["disabled_rules"] as? [String] == ["oci-config"], "\(arguments)")

            let text = try repo.keyleak(arguments)
            #expect(text.text.contains("ignored by config") && text.text.contains("rules disabled by config: oci-config"),
                    "\(arguments): \(text.text)")
        }
    }

    // MARK: 2. Files named by a config

    @Test func aRepositorysConfigCannotPrintOtherFilesIntoTheLog() throws {
        let dir = try TemporaryDirectory()
        try dir.write("src/a.txt", "a\n")
        try dir.write(".keyleak.yaml", "fail-on: high\nknown-keys: [\"/proc/self/environ\"]\n")
        let secret = "s3cr3t-\(UUID().uuidString)"
        let environment = ["KEYLEAK_TEST_TOKEN": secret]
        var result = try Shell.run(Paths.binary, ["scan", dir.path], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.contains(".keyleak.yaml:2") && result.stderr.contains("outside"), "\(result.stderr)")
        #expect(!result.stderr.contains(secret) && !result.stderr.contains("KEYLEAK_TEST_TOKEN"))

        // Named on the command line it is read, and the parse error quotes nothing of it.
        result = try Shell.run(Paths.binary, ["scan", "--known-keys", "/proc/self/environ", dir.file("src")], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.contains("/proc/self/environ:1"), "\(result.stderr)")
        #expect(!result.stderr.contains(secret) && !result.stderr.contains("KEYLEAK_TEST_TOKEN"), "\(result.stderr)")

        // A link inside the folder that leads out of it, and `..`, are refused too, at their line.
        let outside = try TemporaryDirectory()
        let secretFile = try outside.write("keys.txt", "\(secret)\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("keys.txt"), withDestinationPath: secretFile)
        for (entry, line) in [("keys.txt", 3), ("../\((outside.path as NSString).lastPathComponent)/keys.txt", 3)] {
            try dir.write(".keyleak.yaml", "fail-on: high\nknown-keys:\n  - \"\(entry)\"\n")
            let refused = try Shell.run(Paths.binary, ["scan", dir.path])
            #expect(refused.status == 2, "\(entry)")
            #expect(refused.stderr.contains(".keyleak.yaml:\(line)") && !refused.stderr.contains(secret), "\(entry): \(refused.stderr)")
        }
        try dir.write(".keyleak.yaml", "rules:\n  extra: [\"\(outside.path)\"]\n")
        let rules = try Shell.run(Paths.binary, ["scan", dir.path])
        #expect(rules.status == 2 && rules.stderr.contains(".keyleak.yaml:2"), "\(rules.stderr)")

        // Inside the folder, named files are read as before.
        try dir.write("ops/keys.txt", "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef label\n")
        try dir.write(".keyleak.yaml", "known-keys: [\"ops/keys.txt\"]\n")
        #expect(try Shell.run(Paths.binary, ["scan", dir.path]).status == 0)
    }

    @Test func configParseErrorsGiveTheLineAndQuoteNothing() throws {
        let dir = try TemporaryDirectory()
        let secret = "hunter2-\(UUID().uuidString)"
        try dir.write(".keyleak.yaml", "fail-on: medium\npaths:\n  ignore: [\"a\"\n  \(secret): [\n")
        let result = try Shell.run(Paths.binary, ["scan", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(".keyleak.yaml:") && result.stderr.contains("not valid YAML"), "\(result.stderr)")
        #expect(!result.stderr.contains(secret), "\(result.stderr)")
        try dir.write(".keyleak.yaml", "fail-on: \(secret)\n")
        let value = try Shell.run(Paths.binary, ["scan", dir.path])
        #expect(value.status == 2 && value.stderr.contains(".keyleak.yaml:1"))
        #expect(!value.stderr.contains(secret), "\(value.stderr)")
    }

    // MARK: 3. Hardened git

    @Test func rangesThatGitWouldReadAsOptionsAreRefused() throws {
        let repo = try Repo()
        try repo.dir.write("README", "x\n")
        try repo.commitAll("one")
        let victim = try repo.dir.write("../victim-\(UUID().uuidString).txt", "precious\n")
        defer { try? FileManager.default.removeItem(atPath: victim) }
        for range in ["--output=\(victim)", "--not", "-n1", ""] {
            let result = try repo.keyleak(["scan", "--git", "--", range])
            #expect(result.status == 2, "\(range): \(result.stderr)")
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
    }

    @Test func replaceRefsAndGraftsCannotHideAKey() throws {
        let repo = try Repo()
        let key = try Self.key(repo.dir)
        try repo.dir.write("README", "x\n")
        try repo.commitAll("one")
        try repo.dir.write("id.pem", key.pem)
        let keyed = try repo.commitAll("add a key")
        // A look-alike commit without the key, put in its place with `git replace`.
        try repo.git("rm", "-q", "--cached", "id.pem")
        let tree = try repo.git("write-tree")
        let clean = try repo.git("commit-tree", tree, "-p", "HEAD~1", "-m", "add a key")
        try repo.git("replace", keyed, clean)
        try repo.git("reset", "-q", "--hard")
        #expect(try repo.git("ls-tree", "-r", "--name-only", "main").contains("id.pem") == false, "git itself now shows the look-alike")

        var result = try repo.keyleak(["scan", "--git", "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(Self.findings(try Self.json(result)).contains { $0["fingerprint"] as? String == key.fingerprint && $0["commit"] as? String == keyed })
        result = try repo.keyleak(["scan", "--git", "main", "--format", "json"])
        #expect(Self.findings(try Self.json(result)).contains { $0["fingerprint"] as? String == key.fingerprint }, "a range too")

        // Grafts: history cut below a later commit hides the key's commit.
        try repo.git("replace", "-d", keyed)
        try repo.git("reset", "-q", "--hard")
        try repo.git("rm", "-q", "id.pem")
        let later = try repo.commitAll("remove the key")
        try FileManager.default.createDirectory(atPath: repo.dir.file(".git/info"), withIntermediateDirectories: true)
        try repo.dir.write(".git/info/grafts", "\(later)\n")
        #expect(try repo.git("rev-list", "--count", "main") == "1", "git itself now sees one commit")
        result = try repo.keyleak(["scan", "--git", "main", "--format", "json"])
        #expect(Self.findings(try Self.json(result)).contains { $0["fingerprint"] as? String == key.fingerprint }, "\(result.stderr)")
    }

    @Test func shallowAndPartialClonesAreReportedAsIncomplete() throws {
        let origin = try Repo()
        let key = try Self.key(origin.dir)
        try origin.dir.write("id.pem", key.pem)
        try origin.commitAll("a key")
        try origin.git("rm", "-q", "id.pem")
        try origin.commitAll("removed")
        try origin.dir.write("README", "x\n")
        try origin.commitAll("more")
        try origin.git("config", "uploadpack.allowFilter", "true")
        let clones = try TemporaryDirectory()

        let shallow = clones.file("shallow")
        try Shell.check("git", ["clone", "-q", "--depth", "1", "file://" + origin.path, shallow])
        var result = try Shell.run(Paths.binary, ["scan", "--git", "--repo", shallow, "--format", "json"])
        #expect(result.status == 0, "the key is beyond the boundary: \(result.stderr)")
        let reason = Self.summary(try Self.json(result))["incomplete_history"] as? String
        #expect(reason?.contains("shallow") == true, "\(String(describing: reason))")
        #expect(result.stderr.contains("warning: incomplete history"), "\(result.stderr)")
        result = try Shell.run(Paths.binary, ["scan", "--git", "--repo", shallow, "--fail-on-incomplete", "--format", "sarif"])
        #expect(result.status == 1, "\(result.stderr)")
        let run = ((try Self.json(result))["runs"] as? [[String: Any]])?.first
        #expect(((run?["properties"] as? [String: Any])?["incomplete_history"] as? String)?.contains("shallow") == true)
        #expect(try Shell.run(Paths.binary, ["scan", "--git", "--repo", shallow]).text.contains("incomplete history: shallow"))
        // A range that stays above the boundary is whole.
        try Shell.check("git", ["-C", shallow, "fetch", "-q", "--deepen", "1"])
        result = try Shell.run(Paths.binary, ["scan", "--git", "HEAD~1..HEAD", "--repo", shallow, "--fail-on-incomplete", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.summary(try Self.json(result))["incomplete_history"] is NSNull)

        let partial = clones.file("partial")
        try Shell.check("git", ["clone", "-q", "--filter=blob:none", "--no-checkout", "file://" + origin.path, partial])
        let packs = try FileManager.default.contentsOfDirectory(atPath: partial + "/.git/objects/pack").count
        result = try Shell.run(Paths.binary, ["scan", "--git", "--repo", partial, "--format", "json"])
        let partialReason = Self.summary(try Self.json(result))["incomplete_history"] as? String
        #expect(partialReason?.contains("partial clone") == true, "\(String(describing: partialReason)) \(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: partial + "/.git/objects/pack").count == packs,
                "nothing was fetched from the promisor remote")
        #expect(try Shell.run(Paths.binary, ["scan", "--git", "--repo", partial, "--fail-on-incomplete"]).status == 1)

        // A full clone is whole.
        result = try Shell.run(Paths.binary, ["scan", "--git", "--repo", origin.path, "--fail-on-incomplete", "--format", "json"])
        #expect(result.status == 1, "the key is found")
        #expect(Self.summary(try Self.json(result))["incomplete_history"] is NSNull)
    }

    // MARK: 4. Every path of a key

    @Test func aKeyNamesEveryPathItHasAtTheTips() throws {
        let repo = try Repo()
        let key = try Self.key(repo.dir)
        try repo.dir.write("old/id.pem", key.pem)
        let introduced = try repo.commitAll("add")
        try FileManager.default.createDirectory(atPath: repo.dir.file("new"), withIntermediateDirectories: true)
        try repo.git("mv", "old/id.pem", "new/id_rsa")
        try repo.dir.write("copy/id.pem", key.pem)
        try repo.commitAll("rename and copy")
        try repo.git("checkout", "-q", "-b", "side")
        try repo.git("mv", "copy/id.pem", "side.pem")
        try repo.commitAll("side")
        try repo.git("checkout", "-q", "main")

        let result = try repo.keyleak(["scan", "--git", "--format", "json"])
        let finding = try #require(Self.findings(try Self.json(result)).first { $0["fingerprint"] as? String == key.fingerprint })
        #expect(finding["commit"] as? String == introduced)
        #expect(finding["path"] as? String == "old/id.pem", "the introducing path")
        let paths = (finding["paths"] as? [[String: Any]] ?? []).map { "\($0["ref"] as? String ?? ""):\($0["path"] as? String ?? "")" }
        #expect(paths.sorted() == ["refs/heads/main:copy/id.pem", "refs/heads/main:new/id_rsa", "refs/heads/side:new/id_rsa",
                                   "refs/heads/side:side.pem"], "\(paths)")
        let text = try repo.keyleak(["scan", "--git"]).text
        #expect(text.contains("at refs/heads/main: new/id_rsa") && text.contains("at refs/heads/side: side.pem"), "\(text)")
        let range = try repo.keyleak(["scan", "--git", "\(introduced)^!", "--format", "json"])
        let inRange = Self.findings(try Self.json(range)).first { $0["fingerprint"] as? String == key.fingerprint }
        #expect((inRange?["paths"] as? [[String: Any]])?.map { $0["path"] as? String } == ["old/id.pem"])

        // `keyleak merge` reads them back.
        let report = try repo.dir.write("../report-\(UUID().uuidString).json", result.text)
        defer { try? FileManager.default.removeItem(atPath: report) }
        let merged = try Shell.run(Paths.binary, ["merge", report])
        let again = Self.findings(try Self.json(merged)).first { $0["fingerprint"] as? String == key.fingerprint }
        #expect((again?["paths"] as? [[String: Any]])?.count == 4, "\(merged.text)")
    }

    // MARK: 5. Exact paths in every format

    @Test func pathsAreTheRealBytesInEveryFormat() throws {
        let repo = try Repo()
        let key = try Self.key(repo.dir)
        let other = try Self.key(repo.dir)
        let backslash = "dir\\sub \"q\".pem"
        // NOTE: FileManager, not URL, which may read a backslash as a separator.
        #expect(FileManager.default.createFile(atPath: repo.path + "/" + backslash, contents: Data(other.pem.utf8)))
        // A name that is not UTF-8 (Latin-1 é).
        let raw = Array((repo.path + "/caf").utf8) + [0xe9] + Array(".pem".utf8) + [0]
        let fd = raw.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        try #require(fd >= 0)
        _ = Array(key.pem.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try repo.commitAll("keys with awkward names")

        for arguments in [["scan", "."], ["scan", "--git"], ["scan", "--git", "HEAD"]] {
            let json = try repo.keyleak(arguments + ["--format", "json"])
            let paths = Self.findings(try Self.json(json)).compactMap { $0["path"] as? String }.sorted()
            #expect(paths == ["caf\\xe9.pem", backslash].sorted(), "\(arguments): \(paths)")
            let sarif = try repo.keyleak(arguments + ["--format", "sarif"]).text
            #expect(sarif.contains("\"uri\": \"dir%5Csub%20%22q%22.pem\"") && sarif.contains("\"uri\": \"caf%E9.pem\""), "\(arguments): \(sarif)")
        }
        let text = try repo.keyleak(["scan", "--git"]).text
        #expect(text.contains(backslash + ":1:1"), "git's quoting never reaches a report: \(text)")
    }
}
