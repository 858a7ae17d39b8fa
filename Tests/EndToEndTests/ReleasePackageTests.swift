import Foundation
import Testing
import TestSupport
import Yams

/// The tarball under test: `$KEYLEAK_RELEASE_TARBALL`, nil when not set.
private let releaseTarball = ProcessInfo.processInfo.environment["KEYLEAK_RELEASE_TARBALL"]

/// The release tarball scripts/package builds: checksums, a binary that needs
/// glibc only and runs in an empty root, install.sh, and the CI recipes in
/// ci-examples/ run against it.
///
/// Runs when `KEYLEAK_RELEASE_TARBALL` names the tarball (scripts/test-release
/// builds it and sets it); a plain `swift test` skips it, since building the
/// release takes minutes.
@Suite(.enabled(if: releaseTarball != nil, "set KEYLEAK_RELEASE_TARBALL (scripts/test-release)"), .serialized)
struct ReleasePackageTests {
    static let tarball = releaseTarball

    /// glibc's libraries and the dynamic loader: all the binary may load.
    static func isGlibc(_ soname: String) -> Bool {
        ["libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "libresolv.so", "libutil.so", "libmvec.so",
         "ld-linux", "linux-vdso"].contains { soname.hasPrefix($0) }
    }

    /// The tarball unpacked into a temporary folder.
    struct Unpacked {
        let dir: TemporaryDirectory
        let tarball: String
        /// The release folder, `keyleak-<version>-linux-<arch>`.
        let release: String
        var binary: String { release + "/keyleak" }
    }

    func unpack() throws -> Unpacked {
        let tarball = try #require(Self.tarball)
        let dir = try TemporaryDirectory()
        try Shell.check("tar", ["-xzf", tarball, "-C", dir.path])
        let name = (tarball as NSString).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        return Unpacked(dir: dir, tarball: tarball, release: dir.file(name))
    }

    /// `ldd`'s lines that name a file: (soname, path).
    func sharedLibraries(_ binary: String) throws -> [(soname: String, path: String)] {
        let text = String(decoding: try Shell.check("ldd", [binary]), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init).filter { !$0.hasPrefix("(") }
            guard let first = fields.first?.trimmingCharacters(in: .whitespaces) else { return nil }
            if fields.count >= 3, fields[1] == "=>" { return (first, fields[2]) }
            return first.hasPrefix("/") ? ((first as NSString).lastPathComponent, first) : nil
        }
    }

    @Test func tarballHoldsEveryPartWithChecksums() throws {
        let unpacked = try unpack()
        let name = (unpacked.release as NSString).lastPathComponent
        #expect(name.range(of: "^keyleak-[0-9][^-]*-linux-[a-z0-9_]+$", options: .regularExpression) != nil, "\(name)")
        // The SHA256SUMS beside the tarball checks the tarball.
        let dist = (unpacked.tarball as NSString).deletingLastPathComponent
        let outer = try String(contentsOfFile: dist + "/SHA256SUMS", encoding: .utf8)
        #expect(outer.contains("  \(name).tar.gz\n"))
        #expect(try Shell.run("sha256sum", ["-c", "--strict", "SHA256SUMS"], cwd: dist).status == 0)
        // The one inside checks every file, and lists them all.
        let listing = try Shell.run("sha256sum", ["-c", "--strict", "SHA256SUMS"], cwd: unpacked.release)
        #expect(listing.status == 0, "\(listing.stderr)")
        let listed = try String(contentsOfFile: unpacked.release + "/SHA256SUMS", encoding: .utf8)
            .split(separator: "\n").map { String($0.split(separator: " ", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        for file in ["keyleak", "install.sh", "README.md", "LICENSE", "THIRD-PARTY-NOTICES", "doc/keyleak.1", "complete/keyleak.bash",
                     "complete/_keyleak", "complete/keyleak.fish", "hooks/pre-commit"] {
            #expect(listed.contains(file), "SHA256SUMS does not list \(file)")
            #expect(FileManager.default.fileExists(atPath: unpacked.release + "/" + file), "no \(file)")
        }
        let found = String(decoding: try Shell.check("find", [".", "-type", "f", "!", "-name", "SHA256SUMS"], cwd: unpacked.release), as: UTF8.self)
            .split(separator: "\n").map { String($0.dropFirst(2)) }
        #expect(Set(found) == Set(listed), "files not listed: \(Set(found).subtracting(listed))")
        // The licenses of what the binary holds.
        let notices = try String(contentsOfFile: unpacked.release + "/THIRD-PARTY-NOTICES", encoding: .utf8)
        for part in ["libcrypto.a", "libpcre2-8.a", "libarchive.a", "libhs.a", "libzstd.a", "Swift runtime",
                     "swift-argument-parser", "Yams"] {
            #expect(notices.contains(part), "THIRD-PARTY-NOTICES does not name \(part)")
        }
        // A changed file is caught.
        let readme = unpacked.release + "/README.md"
        try Data("changed\n".utf8).write(to: URL(fileURLWithPath: readme))
        #expect(try Shell.run("sha256sum", ["-c", "--strict", "--quiet", "SHA256SUMS"], cwd: unpacked.release).status != 0)
    }

    @Test func binaryLoadsGlibcOnly() throws {
        let unpacked = try unpack()
        let libraries = try sharedLibraries(unpacked.binary)
        #expect(!libraries.isEmpty)
        let others = libraries.filter { !Self.isGlibc($0.soname) }
        #expect(others.isEmpty, "loads more than glibc: \(others.map(\.soname))")
        let needed = String(decoding: try Shell.check("readelf", ["-d", unpacked.binary]), as: UTF8.self)
            .split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(!needed.isEmpty)
        #expect(needed.allSatisfy { line in Self.isGlibc(String(line.split(separator: "[").last ?? "")) }, "\(needed)")
    }

    /// The newest glibc symbol version the binary needs is no newer than the
    /// README's "glibc X.Y or later".
    @Test func readmeStatesTheGlibcItNeeds() throws {
        let unpacked = try unpack()
        let symbols = String(decoding: try Shell.check("objdump", ["-T", unpacked.binary]), as: UTF8.self)
        let versions = symbols.matches(of: /GLIBC_([0-9]+)\.([0-9]+)/).map { (Int($0.1)!, Int($0.2)!) }
        let needed = try #require(versions.max { $0 < $1 })
        let readme = try String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let stated = try #require(readme.firstMatch(of: /glibc ([0-9]+)\.([0-9]+) or later/))
        #expect(needed <= (Int(stated.1)!, Int(stated.2)!), "the binary needs glibc \(needed.0).\(needed.1)")
    }

    /// The release binary reports what the source build (`swift build`, the
    /// tests' binary) reports: keys, a legacy RC2 PKCS#12 that opens with no
    /// password, archives.
    @Test func reportsWhatTheSourceBuildReports() throws {
        let unpacked = try unpack()
        let dir = try TemporaryDirectory()
        let keys = try TemporaryDirectory()
        _ = try dir.write("rsa.pem", try TestKeys.rsa(keys, "a.pem"))
        _ = try dir.write("ec.pem", try TestKeys.generate(keys, "b.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]))
        _ = try dir.write("ed.pem", try TestKeys.generate(keys, "c.pem", ["-algorithm", "ED25519"]))
        try writePKCS12s(into: dir, key: keys.file("a.pem"), scratch: keys)
        try Shell.check("bsdtar", ["--zstd", "-cf", dir.file("keys.tar.zst"), "-C", keys.path, "a.pem", "b.pem"])
        func findings(_ binary: String) throws -> [String] {
            let result = try Shell.run(binary, ["scan", "--format", "json", dir.path])
            #expect(result.status == 1, "\(binary): exit \(result.status) \(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            return ((report["findings"] as? [[String: Any]]) ?? []).map { finding in
                ["path", "rule", "severity", "fingerprint", "message"].map { "\(finding[$0] ?? "nil")" }.joined(separator: " | ")
            }
        }
        let release = try findings(unpacked.binary)
        let source = try findings(Paths.binary)
        #expect(release.count == 7, "\(release)")
        #expect(release == source)
    }

    /// PKCS#12 files that open with no password: one as OpenSSL 3 writes it
    /// (AES), one as older tools do (`-legacy`: RC2-40, which needs OpenSSL's
    /// legacy provider).
    func writePKCS12s(into dir: TemporaryDirectory, key: String, scratch: TemporaryDirectory) throws {
        let cert = scratch.file("cert-\(UUID().uuidString).pem")
        try Shell.check("openssl", ["req", "-x509", "-key", key, "-out", cert, "-subj", "/CN=t", "-days", "2"])
        for (name, extra) in [("modern.p12", [String]()), ("legacy.p12", ["-legacy"])] {
            try Shell.check("openssl", ["pkcs12", "-export"] + extra + ["-inkey", key, "-in", cert, "-passout", "pass:", "-out", dir.file(name)])
        }
    }

    @Test func manPageAndCompletionsDescribeTheCommands() throws {
        let unpacked = try unpack()
        let man = try String(contentsOfFile: unpacked.release + "/doc/keyleak.1", encoding: .utf8)
        #expect(man.contains(".Dt KEYLEAK 1"))
        for command in ["scan", "fingerprint", "doctor", "hook", "rules", "version"] {
            #expect(man.contains(command), "the man page does not mention \(command)")
        }
        #expect(man.contains("--staged"))
        let bash = unpacked.release + "/complete/keyleak.bash"
        #expect(try Shell.run("bash", ["-n", bash]).status == 0)
        for file in ["keyleak.bash", "_keyleak", "keyleak.fish"] {
            let text = try String(contentsOfFile: unpacked.release + "/complete/" + file, encoding: .utf8)
            #expect(text.contains("--staged"), "\(file) does not complete --staged")
            #expect(text.contains("fingerprint"), "\(file) does not complete fingerprint")
        }
        #expect(try String(contentsOfFile: unpacked.release + "/complete/_keyleak", encoding: .utf8).hasPrefix("#compdef keyleak"))
    }

    /// The binary in a root that holds nothing but it, the glibc files `ldd`
    /// names and the files to scan: no Swift, no -dev package, no /etc, /dev,
    /// /proc or /tmp.
    @Test func runsInAnEmptyRoot() throws {
        let unpacked = try unpack()
        let root = try TemporaryDirectory()
        let manager = FileManager.default
        for library in try sharedLibraries(unpacked.binary) {
            let target = root.path + library.path
            try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try manager.copyItem(atPath: URL(fileURLWithPath: library.path).resolvingSymlinksInPath().path, toPath: target)
        }
        try manager.copyItem(atPath: unpacked.binary, toPath: root.file("keyleak"))
        let keys = try TemporaryDirectory()
        let pem = try TestKeys.rsa(keys, "id_rsa")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        _ = try root.write("data/deploy/id_rsa", pem)
        _ = try root.write("data/readme.txt", "nothing here\n")
        // The archive formats and compressors linked statically with libarchive.
        let pem2 = try TestKeys.rsa(keys, "inner.pem")
        _ = try keys.write("member/inner.pem", pem2)
        let archives: [(String, [String])] = [
            ("keys.tar.zst", ["--zstd", "-cf"]), ("keys.tar.xz", ["--xz", "-cf"]), ("keys.tar.lz4", ["--lz4", "-cf"]),
            ("keys.tar.bz2", ["--bzip2", "-cf"]), ("keys.tar.gz", ["--gzip", "-cf"]), ("keys.zip", ["--format", "zip", "-cf"]),
            ("keys.7z", ["--format", "7zip", "-cf"]), ("keys.cpio", ["--format", "cpio", "-cf"]),
        ]
        try manager.createDirectory(atPath: root.file("archives"), withIntermediateDirectories: true)
        for (name, flags) in archives {
            try Shell.check("bsdtar", flags + [root.file("archives/" + name), "-C", keys.path, "member/inner.pem"])
        }
        let contents = try manager.subpathsOfDirectory(atPath: root.path).filter { !$0.hasPrefix("data") && !$0.hasPrefix("archives") }
        #expect(!contents.contains { $0.contains("swift") || $0.contains("ssl") || $0.contains("pcre") || $0.contains("archive") || $0.contains("libhs") },
                "\(contents)")

        // As root, chroot; otherwise chroot in a user namespace where we are root.
        // The binary gets an empty environment: no PATH, no HOME, no locale.
        let chroot = try #require(["/usr/sbin/chroot", "/sbin/chroot", "/usr/bin/chroot"].first { manager.isExecutableFile(atPath: $0) })
        func inRoot(_ arguments: [String]) throws -> Shell.Result {
            if getuid() == 0 { return try Shell.run(chroot, [root.path, "/keyleak"] + arguments, environment: [:]) }
            return try Shell.run("/usr/bin/unshare", ["--map-root-user", chroot, root.path, "/keyleak"] + arguments, environment: [:])
        }
        let version = try inRoot(["--version"])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.text.hasPrefix("keyleak "), "\(version.text)")
        #expect(version.text.contains("prefilter"))
        let json = try inRoot(["version", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let info = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        // scripts/package says which commit it built.
        #expect((info["commit"] as? String)?.range(of: "^[0-9a-f]{40}(-dirty)?$", options: .regularExpression) != nil, "\(info)")
        #expect(info["pcre2_jit_in_use"] as? Bool == true)

        let scan = try inRoot(["scan", "--format", "json", "/data"])
        #expect(scan.status == 1, "exit \(scan.status): \(scan.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: scan.stdout) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(findings.first?["path"] as? String == "deploy/id_rsa")
        #expect(findings.first?["fingerprint"] as? String == fingerprint)
        #expect(!scan.text.contains(String(pem.split(separator: "\n")[1])), "the key body was printed")
        #expect(try inRoot(["scan", "/data/readme.txt"]).status == 0)

        // No OpenSSL legacy provider in the empty root: an RC2 PKCS#12 is still
        // reported (exit 1), never a crash; the message is whatever the
        // analysis says without RC2 (see README, Install).
        let p12 = try TemporaryDirectory()
        try writePKCS12s(into: p12, key: keys.file("id_rsa"), scratch: keys)
        try manager.createDirectory(atPath: root.file("p12"), withIntermediateDirectories: true)
        try manager.copyItem(atPath: p12.file("legacy.p12"), toPath: root.file("p12/legacy.p12"))
        let legacy = try inRoot(["scan", "--format", "json", "/p12"])
        #expect(legacy.status == 1, "exit \(legacy.status): \(legacy.stderr)")
        let legacyReport = try #require(try JSONSerialization.jsonObject(with: legacy.stdout) as? [String: Any])
        #expect((legacyReport["findings"] as? [[String: Any]])?.first?["rule"] as? String == "pkcs12-container")

        let inArchives = try inRoot(["scan", "--format", "json", "/archives"])
        #expect(inArchives.status == 1, "exit \(inArchives.status): \(inArchives.stderr)")
        let archiveReport = try #require(try JSONSerialization.jsonObject(with: inArchives.stdout) as? [String: Any])
        let paths = Set(((archiveReport["findings"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String })
        for (name, _) in archives {
            #expect(paths.contains("\(name)!member/inner.pem"), "\(name): \(paths) \(inArchives.stderr)")
        }
        let skipped = (archiveReport["summary"] as? [String: Any])?["skipped"] as? [Any]
        #expect(skipped?.isEmpty == true, "\(skipped ?? [])")
    }

    /// The folder for one install.sh test: the release files, a prefix.
    func expectInstalled(_ prefix: String) throws {
        for file in ["bin/keyleak", "share/man/man1/keyleak.1", "share/bash-completion/completions/keyleak",
                     "share/zsh/site-functions/_keyleak", "share/fish/vendor_completions.d/keyleak.fish",
                     "share/keyleak/hooks/pre-commit", "share/keyleak/LICENSE"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + file), "not installed: \(file)")
        }
        let version = try Shell.run(prefix + "/bin/keyleak", ["version"])
        #expect(version.status == 0)
        #expect(version.text.hasPrefix("keyleak "))
    }

    @Test func installScriptChecksThenInstalls() throws {
        let unpacked = try unpack()
        let script = Paths.packageRoot.appendingPathComponent("scripts/install.sh").path
        // From a source clone: the tarball and the SHA256SUMS beside it.
        let prefix = try TemporaryDirectory()
        let fromClone = try Shell.run(script, [prefix.path], environment: ["KEYLEAK_TARBALL": unpacked.tarball, "PATH": "/usr/bin:/bin"])
        #expect(fromClone.status == 0, "\(fromClone.stderr)")
        #expect(fromClone.text.contains("installed keyleak "))
        try expectInstalled(prefix.path)

        // From the unpacked folder, with its own copy of the script.
        let second = try TemporaryDirectory()
        let fromFolder = try Shell.run(unpacked.release + "/install.sh", [second.path + "/usr"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(fromFolder.status == 0, "\(fromFolder.stderr)")
        try expectInstalled(second.path + "/usr")

        // A tarball that does not match its checksum installs nothing.
        let bad = try TemporaryDirectory()
        let name = (unpacked.tarball as NSString).lastPathComponent
        var bytes = try Data(contentsOf: URL(fileURLWithPath: unpacked.tarball))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: bad.file(name)))
        try FileManager.default.copyItem(atPath: (unpacked.tarball as NSString).deletingLastPathComponent + "/SHA256SUMS", toPath: bad.file("SHA256SUMS"))
        let refused = try Shell.run(script, [bad.file("prefix")], environment: ["KEYLEAK_TARBALL": bad.file(name), "PATH": "/usr/bin:/bin"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("does not match"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bad.file("prefix")))
        // No SHA256SUMS beside it: refused too.
        try FileManager.default.removeItem(atPath: bad.file("SHA256SUMS"))
        #expect(try Shell.run(script, [bad.file("prefix")], environment: ["KEYLEAK_TARBALL": bad.file(name), "PATH": "/usr/bin:/bin"]).status == 2)

        // An unpacked folder with a changed binary installs nothing.
        try Data("#!/bin/sh\necho pwned\n".utf8).write(to: URL(fileURLWithPath: unpacked.binary))
        let third = try TemporaryDirectory()
        let tampered = try Shell.run(unpacked.release + "/install.sh", [third.file("usr")], environment: ["PATH": "/usr/bin:/bin"])
        #expect(tampered.status == 2)
        #expect(!FileManager.default.fileExists(atPath: third.file("usr/bin/keyleak")))
    }

    // MARK: - The CI recipes, run as their runners would run them

    /// A repository whose last push added a key: (repository, base, tip).
    func pushedRepository() throws -> (TestRepository, String, String) {
        let repository = try TestRepository()
        _ = try repository.dir.write("README.md", "hello\n")
        let base = try repository.commitAll("first")
        let keys = try TemporaryDirectory()
        _ = try repository.dir.write("deploy/id_rsa", try TestKeys.rsa(keys, "k.pem"))
        _ = try repository.commitAll("add a key")
        _ = try repository.dir.write("README.md", "hello again\n")
        let tip = try repository.commitAll("more")
        return (repository, base, tip)
    }

    /// Runs `script` with `sh -e` in `cwd`, with `environment` on top of a plain PATH.
    func runScript(_ script: String, cwd: String, environment: [String: String]) throws -> Shell.Result {
        var env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": cwd]
        env.merge(environment) { $1 }
        return try Shell.run("sh", ["-e", "-c", script], cwd: cwd, environment: env)
    }

    func recipe(_ name: String) throws -> Node {
        let path = Paths.packageRoot.appendingPathComponent("ci-examples/" + name).path
        return try #require(try Yams.compose(yaml: String(contentsOfFile: path, encoding: .utf8)))
    }

    func sha256(_ path: String) throws -> String {
        String(String(decoding: try Shell.check("sha256sum", [path]), as: UTF8.self).prefix(64))
    }

    /// Checks a SARIF report holds the key's finding.
    func expectSARIFWithTheKey(_ path: String) throws {
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        let results = ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.count == 1, "\(results)")
        let uri = ((((results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String)
        #expect(uri == "deploy/id_rsa")
    }

    @Test func gitHubActionsRecipeVerifiesInstallsAndScansThePush() throws {
        let workflow = try recipe("github-actions.yml")
        let steps = try #require(workflow["jobs"]?["keyleak"]?["steps"]?.sequence)
        let runs = steps.compactMap { $0["run"]?.string }
        #expect(runs.count == 2, "expected an install step and a scan step")
        let upload = steps.first { $0["uses"]?.string?.hasPrefix("github/codeql-action/upload-sarif") == true }
        #expect(upload?["with"]?["sarif_file"]?.string == "keyleak.sarif")
        #expect(upload?["if"]?.string?.contains("always()") == true, "the upload must run when the scan finds keys")
        #expect(steps.first { $0["uses"]?.string?.hasPrefix("actions/checkout") == true }?["with"]?["fetch-depth"]?.int == 0)

        let (repository, base, tip) = try pushedRepository()
        let tarball = try #require(Self.tarball)
        let runnerTemp = try TemporaryDirectory()
        let githubPath = runnerTemp.file("github_path")
        try Data().write(to: URL(fileURLWithPath: githubPath))
        var environment = ["KEYLEAK_URL": "file://" + tarball, "KEYLEAK_SHA256": try sha256(tarball),
                           "RUNNER_TEMP": runnerTemp.path, "GITHUB_PATH": githubPath]
        // A wrong checksum stops the install step.
        var wrong = environment
        wrong["KEYLEAK_SHA256"] = String(repeating: "0", count: 64)
        #expect(try runScript(runs[0], cwd: repository.path, environment: wrong).status != 0)
        let install = try runScript(runs[0], cwd: repository.path, environment: environment)
        #expect(install.status == 0, "\(install.stderr)")
        let added = try String(contentsOfFile: githubPath, encoding: .utf8).split(separator: "\n").map(String.init)
        environment["PATH"] = (added + ["/usr/local/bin", "/usr/bin", "/bin"]).joined(separator: ":")
        #expect(!repository.path.isEmpty && !FileManager.default.fileExists(atPath: repository.dir.file("keyleak.tar.gz")))

        // A push: before..after holds the key.
        environment["BEFORE"] = base
        environment["TIP"] = tip
        let scan = try runScript(runs[1], cwd: repository.path, environment: environment)
        #expect(scan.status == 1, "exit \(scan.status): \(scan.stderr)")
        try expectSARIFWithTheKey(repository.dir.file("keyleak.sarif"))
        // A new branch (before is all zeros): the tip's whole history.
        environment["BEFORE"] = String(repeating: "0", count: 40)
        #expect(try runScript(runs[1], cwd: repository.path, environment: environment).status == 1)
        // A push after the key: clean.
        environment["BEFORE"] = try repository.git("rev-parse", "HEAD~1").trimmingCharacters(in: .whitespacesAndNewlines)
        let clean = try runScript(runs[1], cwd: repository.path, environment: environment)
        #expect(clean.status == 0, "\(clean.stderr)")
    }

    @Test func gitLabRecipeVerifiesInstallsAndScansThePush() throws {
        let pipeline = try recipe("gitlab-ci.yml")
        let job = try #require(pipeline["keyleak"])
        #expect(job["variables"]?["GIT_DEPTH"]?.int == 0)
        #expect(job["artifacts"]?["when"]?.string == "always")
        #expect(job["artifacts"]?["paths"]?.sequence?.contains { $0.string == "keyleak.sarif" } == true)
        let lines = (job["before_script"]?.sequence ?? []).compactMap(\.string)
            .filter { !$0.contains("apt-get") } + (job["script"]?.sequence ?? []).compactMap(\.string)
        #expect(lines.count >= 2)
        let script = lines.joined(separator: "\n")

        let (repository, base, tip) = try pushedRepository()
        let tarball = try #require(Self.tarball)
        let variables = job["variables"]?.mapping
        var environment: [String: String] = [:]
        for (key, value) in variables ?? [:] { if let k = key.string, let v = value.string { environment[k] = v } }
        environment["KEYLEAK_URL"] = "file://" + tarball
        environment["KEYLEAK_SHA256"] = try sha256(tarball)
        environment["CI_COMMIT_SHA"] = tip
        environment["CI_COMMIT_BEFORE_SHA"] = base
        environment["CI_PROJECT_DIR"] = repository.path
        let scan = try runScript(script, cwd: repository.path, environment: environment)
        #expect(scan.status == 1, "exit \(scan.status): \(scan.stderr)")
        try expectSARIFWithTheKey(repository.dir.file("keyleak.sarif"))
        // A merge request: the diff base to the tip.
        environment["CI_COMMIT_BEFORE_SHA"] = String(repeating: "0", count: 40)
        environment["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = base
        #expect(try runScript(script, cwd: repository.path, environment: environment).status == 1)
        environment["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = tip
        #expect(try runScript(script, cwd: repository.path, environment: environment).status == 0)
        // A wrong checksum stops it before any scan.
        environment["KEYLEAK_SHA256"] = String(repeating: "0", count: 64)
        try? FileManager.default.removeItem(atPath: repository.dir.file("keyleak.sarif"))
        #expect(try runScript(script, cwd: repository.path, environment: environment).status != 0)
        #expect(!FileManager.default.fileExists(atPath: repository.dir.file("keyleak.sarif")))
    }
}
