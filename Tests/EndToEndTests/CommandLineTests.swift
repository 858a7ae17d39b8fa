import Foundation
import Testing
import TestSupport

/// Exit codes, formats and the walker's behaviour, through the built binary.
@Suite struct CommandLineTests {
    func keyleak(_ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments, cwd: cwd, environment: environment)
    }

    @Test func exitCodesFollowTheContract() throws {
        let dir = try TemporaryDirectory()
        try dir.write("clean/readme.txt", "nothing here\n")
        #expect(try keyleak(["scan", dir.file("clean")]).status == 0)
        try dir.write("dirty/key.pem", try TestKeys.rsa(dir, "gen.pem"))
        #expect(try keyleak(["scan", dir.file("dirty")]).status == 1)
        #expect(try keyleak(["scan", "--fail-on", "critical", dir.file("dirty")]).status == 0)
        let missing = try keyleak(["scan", dir.file("does-not-exist")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does-not-exist"))
        #expect(try keyleak(["scan", "--threads", "0", dir.path]).status == 2)
        let badFormat = try keyleak(["scan", "--format", "xml", dir.path])
        #expect(badFormat.status == 2)
        #expect(badFormat.stderr.contains("xml"))
        #expect(try keyleak(["scan", "--no-such-option"]).status == 2)
        #expect(try keyleak(["--help"]).status == 0)
    }

    @Test func scanWithoutPathScansTheCurrentDirectory() throws {
        let dir = try TemporaryDirectory()
        try dir.write("sub/id.pem", try TestKeys.rsa(dir, "gen.pem"))
        let result = try keyleak(["scan", "--format", "json"], cwd: dir.path)
        #expect(result.status == 1)
        #expect(result.text.contains("\"path\": \"sub/id.pem\""))
        #expect(result.text.contains("\"path\": \"gen.pem\""))
    }

    @Test func jsonHasEveryContractField() throws {
        let dir = try TemporaryDirectory()
        _ = try TestKeys.rsa(dir, "k.pem")
        let result = try keyleak(["scan", "--format", "json", dir.path])
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        let finding = try #require((object["findings"] as? [[String: Any]])?.first)
        for field in ["rule", "severity", "path", "line", "column", "end_line", "commit", "fingerprint", "sha256",
                      "key_type", "key_bits", "key_format", "encrypted", "oci_marker", "known_key", "oci", "related",
                      "message", "preview"] {
            #expect(finding.keys.contains(field), "missing \(field)")
        }
        #expect(finding["end_line"] as? Int == 28)
        #expect(finding["key_bits"] as? Int == 2048)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["files"] as? Int == 1)
        #expect((summary["bytes"] as? Int ?? 0) > 1000)
    }

    @Test func outputFileAndNoColor() throws {
        let dir = try TemporaryDirectory()
        _ = try TestKeys.rsa(dir, "k.pem")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("keyleak-out-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try keyleak(["scan", "--format", "json", "--output", out, dir.path])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("\"rule\": \"private-key\""))
        let text = try keyleak(["scan", dir.path])
        #expect(!text.text.contains("\u{1b}["), "no colour when not a terminal")
        #expect(text.text.contains("k.pem:1:1 high [private-key] RSA 2048 private key (pkcs8)"))
    }

    @Test func fingerprintCommandMatchesOpenSSL() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "k.pem")
        let expected = try TestKeys.ociFingerprint(pem)
        try dir.write("k.pub", try TestKeys.convert(pem, ["-pubout"]))
        try dir.write("k.der", try TestKeys.convert(pem, ["-outform", "DER"]))
        for file in ["k.pem", "k.pub", "k.der"] {
            let result = try keyleak(["fingerprint", dir.file(file)])
            #expect(result.status == 0, "\(file): \(result.stderr)")
            #expect(result.text.hasPrefix(expected), "\(file): \(result.text)")
        }
        try dir.write("empty.txt", "no key\n")
        #expect(try keyleak(["fingerprint", dir.file("empty.txt")]).status == 2)
        #expect(try keyleak(["fingerprint", dir.file("missing")]).status == 2)
    }

    @Test func specialFilesAreNeverOpenedAndLinksNotFollowedByDefault() throws {
        let dir = try TemporaryDirectory()
        try Shell.check("mkfifo", [dir.file("fifo")])
        let outside = try TemporaryDirectory()
        _ = try TestKeys.rsa(outside, "outside.pem")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.pem"), withDestinationPath: outside.file("outside.pem"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("loop"), withDestinationPath: dir.path)
        try FileManager.default.createSymbolicLink(atPath: dir.file("zero"), withDestinationPath: "/dev/zero")
        try dir.write(".hidden/.env", "nothing\n")
        let plain = try keyleak(["scan", "--format", "json", dir.path])
        #expect(plain.status == 0, "\(plain.text)")
        #expect(plain.text.contains("\"files\": 1"))
        let followed = try keyleak(["scan", "--format", "json", "--follow-symlinks", dir.path])
        #expect(followed.status == 1)
        #expect(followed.text.contains("\"path\": \"link.pem\""))
    }

    @Test func gitInternalsAreSkippedButHiddenFilesAreNot() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, ".secret.pem")
        try dir.write(".git/objects/key", pem)
        let result = try keyleak(["scan", "--format", "json", dir.path])
        #expect(result.text.contains("\"path\": \".secret.pem\""))
        #expect(!result.text.contains(".git/"))
    }

    /// Permission-denied files and directories are listed in the summary and on
    /// stderr. Permissions do not bind root, so as root the scan runs as `nobody`.
    @Test func unreadableFilesAreListedNotSilent() throws {
        let dir = try TemporaryDirectory()
        try Shell.check("chmod", ["755", dir.path])
        let locked = try dir.write("locked.txt", "x")
        try dir.write("closed/inside.txt", "x")
        try dir.write("open.txt", "x")
        try Shell.check("chmod", ["644", dir.file("open.txt")])
        try Shell.check("chmod", ["000", locked, dir.file("closed")])
        let result: Shell.Result
        if getuid() == 0 {
            try #require(Shell.available("setpriv"))
            try Shell.check("chmod", ["755", Paths.binary])
            result = try Shell.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Paths.binary, "scan", dir.path])
        } else {
            result = try keyleak(["scan", dir.path])
        }
        #expect(result.stderr.contains("locked.txt"), "\(result.stderr)")
        #expect(result.stderr.contains("closed"), "\(result.stderr)")
        #expect(result.text.contains("2 skipped"), "\(result.text)")
        #expect(result.text.contains("skipped locked.txt: Permission denied"), "\(result.text)")
    }

    @Test func inlineAllowSuppressesAndIsCounted() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        try dir.write("fixture.yaml", "key: | # keyleak:allow test fixture\n" + pem.split(separator: "\n").map { "  \($0)\n" }.joined())
        let allowed = try keyleak(["scan", dir.path])
        #expect(allowed.status == 0)
        #expect(allowed.text.contains("1 suppressed inline"))
        let audit = try keyleak(["scan", "--no-inline-allow", dir.path])
        #expect(audit.status == 1)
    }

    @Test func rulesCheckAndList() throws {
        let check = try keyleak(["rules", "check"])
        #expect(check.status == 0, "\(check.text)")
        let list = try keyleak(["rules", "list"])
        #expect(list.text.contains("private-key"))
        let dir = try TemporaryDirectory()
        try dir.write("bad.yaml", "rules:\n  - id: x\n")
        let bad = try keyleak(["rules", "check", "--rules", dir.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml"))
    }

    @Test func ownRepositoryIsClean() throws {
        let root = Paths.packageRoot.path
        let parts = ["Sources", "Tests", "rules", "scripts", "hooks", ".ci", "README.md", "Package.swift", ".pre-commit-hooks.yaml"].map { "\(root)/\($0)" }
            .filter { FileManager.default.fileExists(atPath: $0) }
        let result = try keyleak(["scan", "--fail-on", "low"] + parts)
        #expect(result.status == 0, "\(result.text)")
        #expect(result.text.hasPrefix("no findings"), "\(result.text)")
    }
}
