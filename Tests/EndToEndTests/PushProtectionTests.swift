import Foundation
import Testing
import TestSupport

/// Hooks on both sides of a push: `hooks/pre-receive` on a bare server
/// repository (pushed to over `file://` and through `git daemon` on
/// 127.0.0.1) and `keyleak hook install --pre-push` on the client. A push
/// that adds a key is refused, naming ref, commit, path and fingerprint, and
/// the server holds no new ref; only what the push adds is scanned, and only
/// the server's config is obeyed.
@Suite struct PushProtectionTests {
    /// A bare server repository with keyleak's pre-receive hook, and a clone of it.
    final class Setup {
        let root: TemporaryDirectory
        let server: String
        let client: TestRepository

        init(hook: Bool = true) throws {
            root = try TemporaryDirectory()
            server = root.file("server.git")
            try Shell.check("git", ["init", "-q", "--bare", "-b", "main", server])
            client = try TestRepository()
            try client.git("remote", "add", "origin", "file://" + server)
            if hook { try installServerHook() }
        }

        /// Copies `hooks/pre-receive` into the server, calling the keyleak under test.
        func installServerHook() throws {
            let hook = server + "/hooks/pre-receive"
            try? FileManager.default.removeItem(atPath: hook)
            try FileManager.default.copyItem(atPath: Paths.packageRoot.appendingPathComponent("hooks/pre-receive").path, toPath: hook)
        }

        /// `git push` from the client with keyleak under test named for the hooks.
        func push(_ arguments: String..., url: String? = nil) throws -> Shell.Result {
            var environment = ProcessInfo.processInfo.environment
            environment["KEYLEAK"] = Paths.binary
            let target = url.map { [$0] } ?? ["origin"]
            return try Shell.run("git", ["-C", client.path, "push"] + target + arguments, environment: environment)
        }

        /// Whether the server holds object `id`.
        func serverHas(_ id: String) -> Bool {
            (try? Shell.run("git", ["-C", server, "cat-file", "-e", id]))?.status == 0
        }

        /// The server's value of `ref`, or nil when it has none.
        func serverRef(_ ref: String) -> String? {
            guard let result = try? Shell.run("git", ["-C", server, "rev-parse", "-q", "--verify", ref]), result.status == 0 else { return nil }
            return result.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func preReceiveRefusesAKeyInAnyPushedCommitAndKeepsTheRefs() throws {
        let setup = try Setup()
        let client = setup.client
        try client.dir.write("README.md", "hello\n")
        try client.commitAll("readme")
        let clean = try setup.push("HEAD:refs/heads/main")
        #expect(clean.status == 0, "a clean push goes through: \(clean.stderr)")
        let before = try #require(setup.serverRef("refs/heads/main"))

        // The key is added in one commit and deleted in the next: the tip is clean.
        let pem = try TestKeys.rsa(client.dir, "deploy/key.pem")
        let keyCommit = try client.commitAll("add key")
        try FileManager.default.removeItem(atPath: client.dir.file("deploy/key.pem"))
        try client.commitAll("remove key")
        let refused = try setup.push("HEAD:refs/heads/main")
        #expect(refused.status != 0, "the push is refused")
        #expect(refused.stderr.contains("pre-receive hook declined"), "\(refused.stderr)")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        let line = refused.stderr.split(separator: "\n").first { $0.contains("refs/heads/main:") && $0.contains(keyCommit) }
        #expect(line?.contains("deploy/key.pem") == true, "ref, commit and path named: \(refused.stderr)")
        #expect(line?.contains(fingerprint) == true, "the fingerprint named: \(refused.stderr)")
        #expect(!refused.stderr.contains(String(pem.split(separator: "\n")[1])), "no key body printed")
        #expect(setup.serverRef("refs/heads/main") == before, "the server's ref did not move")
        #expect(!setup.serverHas(keyCommit), "the refused objects stayed in quarantine, removed with it")

        // A new branch holding the same commits is refused as well.
        let branch = try setup.push("HEAD:refs/heads/feature")
        #expect(branch.status != 0 && branch.stderr.contains("refs/heads/feature:"), "\(branch.stderr)")
        #expect(setup.serverRef("refs/heads/feature") == nil)
    }

    @Test func onlyWhatThePushAddsIsScanned() throws {
        // A key the server already holds (pushed before the hook was installed)
        // does not block later, clean pushes: they add nothing with a key.
        let setup = try Setup(hook: false)
        let client = setup.client
        _ = try TestKeys.rsa(client.dir, "old/key.pem")
        try client.commitAll("old key")
        #expect(try setup.push("HEAD:refs/heads/main").status == 0)
        try setup.installServerHook()
        try client.dir.write("notes.txt", "more\n")
        try client.commitAll("notes")
        let next = try setup.push("HEAD:refs/heads/main")
        #expect(next.status == 0, "history the server holds is not scanned again: \(next.stderr)")
        let head = try client.git("rev-parse", "HEAD")
        #expect(setup.serverRef("refs/heads/main") == head)
        // Deleting a branch carries nothing to scan.
        #expect(try setup.push("HEAD:refs/heads/tmp").status == 0)
        #expect(try setup.push(":refs/heads/tmp").status == 0)
    }

    @Test func theServersConfigIsObeyedNeverThePushers() throws {
        let setup = try Setup()
        let client = setup.client
        // The pusher's own config and inline allows try to silence the check.
        try client.dir.write(".keyleak.yaml", "paths:\n  ignore: [\"**\"]\nrules:\n  disable: [private-key]\nfail-on: critical\n")
        let pem = try TestKeys.rsa(client.dir, "k.pem")
        try client.dir.write("k.pem", "# keyleak:allow\n" + pem)
        try client.commitAll("silenced key")
        let refused = try setup.push("HEAD:refs/heads/main")
        #expect(refused.status != 0, "the pusher's config and comments are not obeyed: \(refused.stderr)")
        #expect(setup.serverRef("refs/heads/main") == nil)

        // The server's own config (keyleak.yaml in its git directory) is.
        try Data("fail-on: critical\n".utf8).write(to: URL(fileURLWithPath: setup.server + "/keyleak.yaml"))
        let allowed = try setup.push("HEAD:refs/heads/main")
        #expect(allowed.status == 0, "the server's fail-on: critical lets a high finding through: \(allowed.stderr)")
        #expect(allowed.stderr.contains("k.pem"), "what was found is still shown")
    }

    @Test func aTagNamingABlobIsScannedToo() throws {
        let setup = try Setup()
        let client = setup.client
        try client.dir.write("README.md", "hello\n")
        try client.commitAll("readme")
        #expect(try setup.push("HEAD:refs/heads/main").status == 0)
        let scratch = try TemporaryDirectory()
        _ = try TestKeys.generate(scratch, "e.pem", ["-algorithm", "ED25519"])
        let blob = try client.git("hash-object", "-w", scratch.file("e.pem"))
        try client.git("tag", "stash", blob)
        let refused = try setup.push("refs/tags/stash")
        #expect(refused.status != 0, "\(refused.stderr)")
        #expect(refused.stderr.contains("refs/tags/stash:") && refused.stderr.contains(blob), "\(refused.stderr)")
        #expect(setup.serverRef("refs/tags/stash") == nil)
    }

    @Test func theServerRefusesWhenKeyleakIsMissing() throws {
        let setup = try Setup()
        try setup.client.dir.write("README.md", "hello\n")
        try setup.client.commitAll("readme")
        var environment = ProcessInfo.processInfo.environment
        environment["KEYLEAK"] = "/nonexistent/keyleak"
        let result = try Shell.run("git", ["-C", setup.client.path, "push", "origin", "HEAD:refs/heads/main"], environment: environment)
        #expect(result.status != 0 && result.stderr.contains("not installed on the server"), "fails closed: \(result.stderr)")
        #expect(setup.serverRef("refs/heads/main") == nil)
    }

    @Test func gitDaemonOnLoopbackRefusesToo() throws {
        let setup = try Setup()
        try Shell.check("git", ["-C", setup.server, "config", "daemon.receivepack", "true"])
        let client = setup.client
        try client.dir.write("README.md", "hello\n")
        try client.commitAll("readme")
        #expect(try setup.push("HEAD:refs/heads/main").status == 0)
        let before = setup.serverRef("refs/heads/main")

        // The daemon runs the hook with its own environment: KEYLEAK comes from there.
        let port = Int.random(in: 20_000..<60_000)
        // NOTE: git-daemon itself, not `git daemon`: the `git` wrapper outlives a SIGTERM.
        let execPath = String(decoding: try Shell.check("git", ["--exec-path"]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: execPath + "/git-daemon")
        var environment = ProcessInfo.processInfo.environment
        environment["KEYLEAK"] = Paths.binary
        daemon.environment = environment
        daemon.arguments = ["--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", "--export-all",
                            "--enable=receive-pack", "--base-path=" + setup.root.path, setup.root.path]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        let url = "git://127.0.0.1:\(port)/server.git"
        var ready = false
        for _ in 0..<50 where !ready {
            ready = (try? Shell.run("git", ["ls-remote", url]))?.status == 0
            if !ready { usleep(100_000) }
        }
        try #require(ready, "git daemon answers on 127.0.0.1:\(port)")

        let pem = try TestKeys.rsa(client.dir, "id_rsa")
        let keyCommit = try client.commitAll("key")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        let refused = try setup.push("HEAD:refs/heads/main", url: url)
        #expect(refused.status != 0, "\(refused.stderr)")
        #expect(refused.stderr.contains(keyCommit) && refused.stderr.contains(fingerprint), "\(refused.stderr)")
        #expect(setup.serverRef("refs/heads/main") == before, "no new ref on the server")
    }

    @Test func prePushStopsTheKeyBeforeItLeavesAndKeepsTheUsersHook() throws {
        let setup = try Setup(hook: false)
        let client = setup.client
        try client.dir.write("README.md", "hello\n")
        try client.commitAll("readme")
        #expect(try setup.push("HEAD:refs/heads/main").status == 0)
        try client.git("fetch", "-q", "origin")

        // The user's own pre-push hook reads git's input too; it must still get it.
        try client.dir.write(".git/hooks/pre-push", "#!/bin/sh\ncat > \"$(git rev-parse --git-dir)/user-hook-input\"\n")
        try Shell.check("chmod", ["+x", client.dir.file(".git/hooks/pre-push")])
        let install = try client.keyleak(["hook", "install", "--pre-push"])
        #expect(install.status == 0 && install.text.contains("pre-push.keyleak-previous"), "\(install.stderr)")

        let pem = try TestKeys.rsa(client.dir, "deploy/id_rsa")
        let keyCommit = try client.commitAll("key")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        let stopped = try setup.push("HEAD:refs/heads/main")
        #expect(stopped.status != 0, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("refs/heads/main:") && stopped.stderr.contains(keyCommit)
                && stopped.stderr.contains("deploy/id_rsa") && stopped.stderr.contains(fingerprint), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("--no-verify"), "the advice is shown")
        #expect(!setup.serverHas(keyCommit) && setup.serverRef("refs/heads/main") != keyCommit, "nothing left the machine")
        let userInput = try String(contentsOfFile: client.dir.file(".git/user-hook-input"), encoding: .utf8)
        #expect(userInput.contains(keyCommit) && userInput.contains("refs/heads/main"), "the user's hook got git's input: \(userInput)")

        // Only what the remote lacks is scanned: with the key taken out, the push goes.
        try client.git("reset", "-q", "--hard", "HEAD~1")
        try client.dir.write("notes.txt", "more\n")
        try client.commitAll("notes")
        let clean = try setup.push("HEAD:refs/heads/main")
        #expect(clean.status == 0, "\(clean.stderr)")

        let uninstall = try client.keyleak(["hook", "uninstall", "--pre-push"])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(try String(contentsOfFile: client.dir.file(".git/hooks/pre-push"), encoding: .utf8).contains("user-hook-input"))
    }

    @Test func hookInputOfTheWrongShapeIsAnError() throws {
        let repo = try TestRepository()
        let result = try Shell.run(Paths.binary, ["hook", "pre-receive"], input: Data("--output=/tmp/x HEAD refs/heads/main\n".utf8), cwd: repo.path)
        #expect(result.status == 2 && result.stderr.contains("not a pre-receive input line"), "\(result.stderr)")
    }
}
