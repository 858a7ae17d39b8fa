import Foundation
import Testing
import TestSupport

/// `scan --staged`, `scan --git` and the pre-commit hook, in temporary repositories.
@Suite struct GitTests {
    typealias Repo = TestRepository

    struct Report: Decodable {
        struct Finding: Decodable {
            var path: String
            var line: Int
            var commit: String?
            var author: String?
            var fingerprint: String?
        }
        var findings: [Finding]
    }

    func report(_ result: Shell.Result) throws -> Report {
        try JSONDecoder().decode(Report.self, from: result.stdout)
    }

    @Test func stagedScansTheIndexNotTheWorkingTree() throws {
        let repo = try Repo()
        let pem = try TestKeys.rsa(repo.dir, "gen.pem")
        try FileManager.default.removeItem(atPath: repo.dir.file("gen.pem"))
        let fp = try TestKeys.ociFingerprint(pem)
        // Root commit of a new repository: nothing committed yet.
        try repo.dir.write("dir with space/id rsa.pem", pem)
        try repo.dir.write("ünïcödé.txt", "hello\n")
        try repo.git("add", ".")
        var result = try repo.keyleak(["scan", "--staged", "--format", "json"])
        #expect(result.status == 1)
        #expect(try report(result).findings.map(\.path) == ["dir with space/id rsa.pem"])
        #expect(try report(result).findings.first?.fingerprint == fp)
        _ = try repo.commit("first")

        // Partially staged: the key is staged, then removed from the working tree.
        try repo.dir.write("config.env", "A=1\nKEY=\"" + pem.replacingOccurrences(of: "\n", with: "\\n") + "\"\n")
        try repo.git("add", "config.env")
        try repo.dir.write("config.env", "A=1\n")
        // A key only in the working tree is not part of the commit.
        try repo.dir.write("unstaged.pem", pem)
        // A deletion is skipped.
        try repo.git("rm", "-q", "--cached", "dir with space/id rsa.pem")
        result = try repo.keyleak(["scan", "--staged", "--format", "json"])
        #expect(try report(result).findings.map(\.path) == ["config.env"])
        #expect(try report(result).findings.first?.line == 2)

        // A file name with a newline is reported as it is (JSON escapes it).
        try repo.git("reset", "-q")
        try repo.dir.write("odd\nname.pem", pem)
        try repo.git("add", "odd\nname.pem")
        result = try repo.keyleak(["scan", "--staged", "--format", "json"])
        #expect(try report(result).findings.map(\.path) == ["odd\nname.pem"])
    }

    /// Files staged as they are on disk are read from disk (no `git cat-file`);
    /// a working copy changed after staging must never stand in for the index.
    @Test func stagedTrustsTheWorkingCopyOnlyWhenItIsTheStagedBlob() throws {
        let repo = try Repo()
        let pem = try TestKeys.rsa(repo.dir, "gen.pem")
        try FileManager.default.removeItem(atPath: repo.dir.file("gen.pem"))
        try repo.dir.write("notes.txt", "hello\n")
        try repo.dir.write("sub/deep/k.pem", pem)
        try repo.git("add", ".")
        // Changed after staging: the key in the working copy is not what would be committed.
        try repo.dir.write("notes.txt", "hello\n" + pem)
        // Run from a subfolder: paths are the repository's, the working copy is found upwards.
        let result = try Shell.run(Paths.binary, ["scan", "--staged", "--format", "json", "--repo", repo.dir.file("sub/deep")])
        #expect(result.status == 1)
        #expect(try report(result).findings.map(\.path) == ["sub/deep/k.pem"])
        #expect(try report(result).findings.first?.fingerprint == (try TestKeys.ociFingerprint(pem)))
        // And the reverse: the key staged, the working copy cleaned since.
        try repo.git("add", "notes.txt")
        try repo.dir.write("notes.txt", "hello\n")
        let again = try Shell.run(Paths.binary, ["scan", "--staged", "--format", "json", "--repo", repo.path])
        #expect(try report(again).findings.map(\.path).sorted() == ["notes.txt", "sub/deep/k.pem"])
    }

    @Test func stagedWorksInAWorktreeAndOutsideARepositoryIsAnError() throws {
        let repo = try Repo()
        try repo.dir.write("a.txt", "a\n")
        try repo.git("add", ".")
        _ = try repo.commit("a")
        let other = try TemporaryDirectory()
        let worktree = other.file("wt")
        try repo.git("worktree", "add", "-q", worktree)
        try other.write("wt/k.pem", try TestKeys.rsa(other, "gen.pem"))
        try Shell.check("git", ["-C", worktree, "add", "k.pem"])
        let result = try Shell.run(Paths.binary, ["scan", "--staged", "--repo", worktree])
        #expect(result.status == 1)
        let outside = try Shell.run(Paths.binary, ["scan", "--staged", "--repo", other.path])
        #expect(outside.status == 2 && outside.stderr.contains("not a git repository"))
    }

    @Test func historyFindsDeletedAndSideBranchKeysOnceWithTheirCommit() throws {
        let repo = try Repo()
        let pem = try TestKeys.rsa(repo.dir, "gen.pem")
        let ec = try TestKeys.generate(repo.dir, "gen-ec.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        try FileManager.default.removeItem(atPath: repo.dir.file("gen.pem"))
        try FileManager.default.removeItem(atPath: repo.dir.file("gen-ec.pem"))
        try repo.dir.write("README", "x\n")
        try repo.git("add", ".")
        _ = try repo.commit("init")
        try repo.dir.write("deploy/key.pem", pem)
        try repo.git("add", ".")
        let added = try repo.commit("add key")
        try repo.dir.write("copy/key.pem", pem)  // same blob, another path and commit
        try repo.git("add", ".")
        _ = try repo.commit("copy key")
        try repo.git("rm", "-q", "-r", "deploy", "copy")
        _ = try repo.commit("remove keys")
        try repo.git("checkout", "-q", "-b", "side")
        try repo.dir.write("side.pem", ec)
        try repo.git("add", ".")
        let side = try repo.commit("side key")
        try repo.git("checkout", "-q", "main")

        let result = try repo.keyleak(["scan", "--git", "--format", "json"])
        #expect(result.status == 1)
        let findings = try report(result).findings
        #expect(findings.count == 2, "\(findings)")
        let rsa = try #require(findings.first { $0.path == "deploy/key.pem" })
        #expect(rsa.commit == added && rsa.author == "Dev")
        let sideFinding = try #require(findings.first { $0.path == "side.pem" })
        #expect(sideFinding.commit == side)

        let range = try repo.keyleak(["scan", "--git", "main", "--format", "json"])
        #expect(try report(range).findings.map(\.path) == ["deploy/key.pem"])
        let text = try repo.keyleak(["scan", "--git"])
        #expect(text.text.contains("commit \(added) by Dev"))

        // History findings in SARIF carry their commit and validate against the schema.
        let scratch = try TemporaryDirectory()
        let file = scratch.file("history.sarif")
        let sarif = try repo.keyleak(["scan", "--git", "--format", "sarif", "--output", file])
        #expect(sarif.status == 1)
        let schema = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/sarif-schema-2.1.0.json").path
        let check = try Shell.run("python3", ["-c", """
        import json, sys, jsonschema
        report = json.load(open(sys.argv[2])); jsonschema.validate(report, json.load(open(sys.argv[1])))
        commits = {r["properties"]["commit"] for r in report["runs"][0]["results"]}
        assert sys.argv[3] in commits, commits
        """, schema, file, added])
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test func hookKeepsChainsAndRestoresAnExistingHook() throws {
        let repo = try Repo()
        let hooks = repo.dir.file(".git/hooks")
        let old = "#!/bin/sh\necho previous-hook-ran >> \"$(git rev-parse --git-dir)/ran\"\n"
        try repo.dir.write(".git/hooks/pre-commit", old)
        try Shell.check("chmod", ["+x", hooks + "/pre-commit"])
        #expect(try repo.keyleak(["hook", "install"]).status == 0)
        let installed = try String(contentsOfFile: hooks + "/pre-commit", encoding: .utf8)
        #expect(installed.contains(Paths.binary) || installed.contains("keyleak"))
        let again = try repo.keyleak(["hook", "install"])
        #expect(again.text.contains("already installed"))
        #expect(try String(contentsOfFile: hooks + "/pre-commit", encoding: .utf8) == installed)

        // A commit with a key is stopped, with advice; the old hook still ran.
        try repo.dir.write("id.pem", try TestKeys.rsa(repo.dir, "gen.pem"))
        try FileManager.default.removeItem(atPath: repo.dir.file("gen.pem"))
        try repo.git("add", "id.pem")
        let blocked = try Shell.run("git", ["-C", repo.path, "commit", "-m", "with key"])
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("git rm --cached"))
        #expect(blocked.stderr.contains("--no-verify"))
        #expect(FileManager.default.fileExists(atPath: repo.dir.file(".git/ran")))

        // A clean commit goes through.
        try repo.git("rm", "-q", "--cached", "id.pem")
        try repo.dir.write("ok.txt", "fine\n")
        try repo.git("add", "ok.txt")
        let clean = try Shell.run("git", ["-C", repo.path, "commit", "-q", "-m", "clean"])
        #expect(clean.status == 0, "\(clean.stderr)")

        #expect(try repo.keyleak(["hook", "uninstall"]).status == 0)
        #expect(try String(contentsOfFile: hooks + "/pre-commit", encoding: .utf8) == old)
        #expect(!FileManager.default.fileExists(atPath: hooks + "/pre-commit.keyleak-previous"))
        #expect(try repo.keyleak(["hook", "uninstall"]).status == 2, "nothing of keyleak's left to remove")
    }

    @Test func hookHonoursCoreHooksPathAndForce() throws {
        let repo = try Repo()
        try repo.git("config", "core.hooksPath", "custom-hooks")
        try repo.dir.write("custom-hooks/pre-commit", "#!/bin/sh\nexit 0\n")
        #expect(try repo.keyleak(["hook", "install", "--force"]).status == 0)
        let hook = try String(contentsOfFile: repo.dir.file("custom-hooks/pre-commit"), encoding: .utf8)
        #expect(hook.contains("keyleak pre-commit hook"))
        #expect(!FileManager.default.fileExists(atPath: repo.dir.file("custom-hooks/pre-commit.keyleak-previous")))
    }
}
