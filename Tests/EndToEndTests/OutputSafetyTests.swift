import Foundation
import Testing
import TestSupport
@testable import KeyLeakReport

/// "A verdict you can trust", the output side: nothing secret is ever printed
/// (in any format, in error messages, in merged reports), a failed write exits
/// 2 and never leaves a half report in place of the old one, and nothing read
/// from the scanned files can drive the terminal. Keys are generated at test
/// time.
@Suite struct OutputSafetyTests {
    // NOTE: fixtures interpolate these, so that this file does not itself read
    // as OCI settings when keyleak scans its own repository.
    /// A user OCID for the fixtures.
    static let user = ["ocid1", "user", "oc1", "", "aaaaaaaauser"].joined(separator: ".")
    /// A second user OCID.
    static let otherUser = ["ocid1", "user", "oc1", "", "aaaaaaaaother"].joined(separator: ".")
    /// A tenancy OCID.
    static let tenancy = ["ocid1", "tenancy", "oc1", "", "aaaaaaaatenancy"].joined(separator: ".")
    /// A fingerprint no key has.
    static let fingerprint = ["aa", "bb", "cc", "dd", "ee", "ff", "00", "11", "22", "33", "44", "55", "66", "77", "88", "99"].joined(separator: ":")

    /// Runs the built binary.
    func keyleak(_ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments, cwd: cwd, environment: environment)
    }

    /// Runs `script` with `sh -c`, `$K` set to the binary (for redirections
    /// of keyleak's own standard output).
    func shell(_ script: String) throws -> Shell.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["K"] = Paths.binary
        return try Shell.run("sh", ["-c", script], environment: environment)
    }

    // MARK: - Secrets in output

    /// Every 40-character window of a PEM key's base64 body (its lines joined).
    static func bodyWindows(_ pem: String) -> Set<String> {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") && !$0.contains(":") }.joined()
        let characters = Array(body)
        guard characters.count >= 40 else { return [] }
        return Set((0...(characters.count - 40)).map { String(characters[$0..<$0 + 40]) })
    }

    /// The first 40-character window of a key body found in `output`, looking
    /// at every run of base64 characters in it.
    static func leak(in output: String, windows: Set<String>) -> String? {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
        var run: [Character] = []
        func check() -> String? {
            defer { run.removeAll(keepingCapacity: true) }
            guard run.count >= 40 else { return nil }
            for start in 0...(run.count - 40) {
                let window = String(run[start..<start + 40])
                if windows.contains(window) { return window }
            }
            return nil
        }
        for character in output {
            if alphabet.contains(character) {
                run.append(character)
            } else if let found = check() {
                return found
            }
        }
        return check()
    }

    /// `pem` indented by `indent` spaces on every line.
    static func indented(_ pem: String, _ indent: Int) -> String {
        pem.split(separator: "\n").map { String(repeating: " ", count: indent) + $0 }.joined(separator: "\n")
    }

    /// The Kubernetes OCI cloud-controller-manager's config: OCI settings with the
    /// private key as a YAML block scalar between them.
    static func cloudProviderConfig(key: String, fingerprint: String) -> String {
        """
        auth:
          region: us-ashburn-1
          tenancy: \(tenancy)
          user: \(user)
          key: |
        \(indented(key, 4))
          fingerprint: \(fingerprint)

        """
    }

    /// A config shaped like the Kubernetes OCI cloud-controller-manager's,
    /// and variants where the value after `tenancy:`/`user:` is empty or the
    /// key follows a setting as INI continuation lines: no OCI value may carry
    /// the key that follows it.
    @Test func ociSettingsNeverTakeTheKeyThatFollowsThem() throws {
        let dir = try TemporaryDirectory()
        let pem = try String(decoding: TestKeys.convert(TestKeys.rsa(dir, "gen/rsa.pem"), ["-traditional"]), as: UTF8.self)
        try FileManager.default.removeItem(atPath: dir.file("gen"))
        let windows = Self.bodyWindows(pem)
        let fp = Self.fingerprint
        try dir.write("tree/ccm/cloud-provider.yaml", Self.cloudProviderConfig(key: pem, fingerprint: fp))
        try dir.write("tree/ccm/empty-tenancy.yaml", """
        auth:
          region: us-ashburn-1
          user: \(Self.user)
          tenancy:
          key: |
        \(Self.indented(pem, 4))
          fingerprint: \(fp)

        """)
        try dir.write("tree/ccm/empty-user.yaml", """
        auth:
          tenancy: \(Self.tenancy)
          user:
          privateKey: |
        \(Self.indented(pem, 4))

        """)
        try dir.write("tree/ccm/block-values.yaml", """
        auth:
          user: |
        \(Self.indented(pem, 4))
          tenancy: \(Self.tenancy)
          key_file: |
        \(Self.indented(pem, 4))
          region: |
        \(Self.indented(pem, 4))

        """)
        try dir.write("tree/oci/config", """
        [DEFAULT]
        user=\(Self.user)
        fingerprint=\(fp)
        tenancy=\(Self.tenancy)
        region=us-ashburn-1
        \(Self.indented(pem, 2))

        [KEYFILE]
        user=\(Self.otherUser)
        fingerprint=\(fp)
        key_file=~/.oci/key.pem
        \(Self.indented(pem, 2))

        """)
        for format in ["text", "json", "jsonl", "sarif"] {
            let result = try keyleak(["scan", "--format", format, dir.file("tree")])
            #expect(result.status == 1, "\(format): \(result.stderr)")
            #expect(Self.leak(in: result.text, windows: windows) == nil, "\(format) prints the key body")
            #expect(!result.stderr.contains("redacted"), "\(format): the firewall had to step in: \(result.stderr)")
        }
        let json = try keyleak(["scan", "--format", "json", dir.file("tree")])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let ocid = try Regex("^ocid1\\.[a-z0-9_]+\\.[a-z0-9-]*\\.[a-z0-9-]*\\.[A-Za-z0-9._-]+$")
        var profiles = 0
        for finding in findings {
            guard let oci = finding["oci"] as? [String: Any] else { continue }
            profiles += 1
            for field in ["user", "tenancy"] {
                if let value = oci[field] as? String { #expect(value.wholeMatch(of: ocid) != nil, "\(field): \(value.prefix(80))") }
            }
            if let region = oci["region"] as? String { #expect(region == "us-ashburn-1") }
            if let keyFile = oci["key_file"] as? String { #expect(keyFile == "~/.oci/key.pem") }
            #expect(!(finding["message"] as? String ?? "").contains("PRIVATE KEY"))
        }
        #expect(profiles >= 2)
        // The cloud-controller-manager shape is read right: user and tenancy as written.
        let ccm = try #require(findings.first { $0["path"] as? String == "ccm/cloud-provider.yaml" && $0["oci"] is [String: Any] })
        let oci = try #require(ccm["oci"] as? [String: Any])
        #expect(oci["user"] as? String == Self.user)
        #expect(oci["tenancy"] as? String == Self.tenancy)
    }

    /// A file whose path looks random to the firewall's backstop (mixed case,
    /// digits, over 40 base64 characters with its folders) is named as it is
    /// in every format, so the report points at a file that exists; the key
    /// inside is still never printed.
    @Test func aRandomLookingPathIsNamedAsItIs() throws {
        let dir = try TemporaryDirectory()
        let folder = "pkits/pkcs12"
        let name = "ValidBasicSelfIssuedNewWithOldTest4EE9qXz7Lm2Rt"
        let pem = try TestKeys.rsa(dir, "\(folder)/\(name).pem")
        let windows = Self.bodyWindows(pem)
        let path = "\(folder)/\(name).pem"
        let run = ArraySlice(Array(path.prefix { $0 != "." }.utf8))
        #expect(run.count >= OutputFirewall.minimumRun && OutputFirewall.looksRandom(run), "the fixture must be one the backstop would take")
        for format in ["text", "json", "jsonl", "sarif"] {
            let result = try keyleak(["scan", "--format", format, dir.path])
            #expect(result.status == 1, "\(format): \(result.stderr)")
            #expect(result.text.contains(path), "\(format) does not name \(path): \(result.text.prefix(600))")
            #expect(!result.text.contains("[REDACTED]"), "\(format)")
            #expect(Self.leak(in: result.text, windows: windows) == nil, "\(format) prints the key body")
        }
    }

    /// A hostile corpus (keys in many embeddings, clear pass phrases, the
    /// cloud-controller-manager YAML, an inline `OCI_CLI_KEY_CONTENT`, a
    /// Terraform heredoc): no format prints 40 characters of any key body or
    /// any pass phrase, and the public fingerprints are all there.
    @Test func noFormatPrintsAKeyBodyOrAPassPhrase() throws {
        let dir = try TemporaryDirectory()
        let rsa = try TestKeys.rsa(dir, "gen/rsa.pem")
        let pkcs1 = String(decoding: try TestKeys.convert(rsa, ["-traditional"]), as: UTF8.self)
        let ec = try TestKeys.generate(dir, "gen/ec.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let other = try TestKeys.rsa(dir, "gen/other.pem")
        let phrase = "Correct-Horse 42 staple"
        let tfPhrase = "terraform-Pass-Phrase-9"
        let envPhrase = "env-Pass-Phrase-Ninety"
        let encrypted = String(decoding: try TestKeys.convert(other, ["-aes256", "-passout", "pass:\(phrase)"]), as: UTF8.self)
        let fp = try TestKeys.ociFingerprint(rsa)
        let otherFP = try TestKeys.ociFingerprint(other)
        try FileManager.default.removeItem(atPath: dir.file("gen"))
        let windows = Self.bodyWindows(rsa).union(Self.bodyWindows(pkcs1)).union(Self.bodyWindows(ec))
            .union(Self.bodyWindows(other)).union(Self.bodyWindows(encrypted))
        let escaped = { (pem: String) in pem.replacingOccurrences(of: "\n", with: "\\n") }

        try dir.write("tree/keys/id_rsa.pem", rsa + "OCI_API_KEY\n")
        try dir.write("tree/keys/ec.pem", ec)
        try dir.write("tree/app/settings.json", "{\"service\": {\"private_key\": \"\(escaped(pkcs1))\"}}\n")
        try dir.write("tree/ccm/cloud-provider.yaml", Self.cloudProviderConfig(key: pkcs1, fingerprint: fp))
        try dir.write("tree/home/.oci/config", """
        # keyleak:allow (test fixture)
        [DEFAULT]
        user=\(Self.user)
        tenancy=\(Self.tenancy)
        region=us-ashburn-1
        fingerprint=\(otherFP)
        key_file=~/.oci/enc.pem
        pass_phrase=\(phrase)

        """)
        try dir.write("tree/home/.oci/enc.pem", encrypted)
        try dir.write("tree/infra/main.tf", """
        provider "oci" {
          tenancy_ocid         = "\(Self.tenancy)"
          user_ocid            = "\(Self.user)"
          fingerprint          = "\(fp)"
          region               = "us-ashburn-1"
          private_key_password = "\(tfPhrase)"
          private_key          = <<EOF
        \(rsa)EOF
        }

        """)
        try dir.write("tree/ci/.env", """
        OCI_CLI_USER=\(Self.user)
        OCI_CLI_TENANCY=\(Self.tenancy)
        OCI_CLI_FINGERPRINT=\(fp)
        OCI_CLI_PASSPHRASE=\(envPhrase)
        OCI_CLI_KEY_CONTENT="\(escaped(ec))"

        """)
        try dir.write("tree/ci/deploy.sh", "export OCI_CLI_KEY_CONTENT=\"\(rsa)\"\n")
        // The pass phrase reaches the report another way: as a file name.
        try dir.write("tree/notes/\(envPhrase).pem", ec)

        for format in ["text", "json", "jsonl", "sarif"] {
            let result = try keyleak(["scan", "--no-inline-allow", "--format", format, dir.file("tree")])
            #expect(result.status == 1, "\(format): \(result.stderr)")
            let everything = result.text + result.stderr
            #expect(Self.leak(in: everything, windows: windows) == nil, "\(format) prints a key body")
            for secret in [phrase, tfPhrase, envPhrase] { #expect(!everything.contains(secret), "\(format) prints a pass phrase") }
            #expect(result.text.contains(fp) && result.text.contains(otherFP), "\(format) lost a fingerprint")
            #expect(result.text.contains("notes/[REDACTED].pem") || result.text.contains("notes/%5BREDACTED%5D.pem"),
                    "\(format): the path holding a pass phrase is not redacted")
            switch format {
            case "json", "sarif": #expect((try? JSONSerialization.jsonObject(with: result.stdout)) != nil, "\(format) is not JSON")
            case "jsonl":
                for line in result.text.split(separator: "\n") {
                    #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "jsonl line is not JSON")
                }
            default: #expect(result.text.contains("SHA256:"))
            }
        }
        // The same through --output and into a baseline.
        let report = dir.file("out/report.sarif")
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        _ = try keyleak(["scan", "--no-inline-allow", "--format", "sarif", "--output", report, dir.file("tree")])
        _ = try keyleak(["scan", "--no-inline-allow", "--write-baseline", dir.file("out/baseline.json"), dir.file("tree")])
        for file in [report, dir.file("out/baseline.json")] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(Self.leak(in: text, windows: windows) == nil && !text.contains(phrase), "\(file)")
        }
    }

    /// Error messages, `doctor`, and `merge` of reports that hold a key: the
    /// firewall redacts key material whatever path printed it.
    @Test func errorMessagesDoctorAndMergePassTheFirewall() throws {
        let dir = try TemporaryDirectory()
        let pem = String(decoding: try TestKeys.convert(TestKeys.rsa(dir, "gen/rsa.pem"), ["-traditional"]), as: UTF8.self)
        try FileManager.default.removeItem(atPath: dir.file("gen"))
        let windows = Self.bodyWindows(pem)
        try dir.write("tree/a.txt", "nothing here\n")

        // A config value quoted back in an error.
        try dir.write("bad-config.yaml", "fail-on: |\n\(Self.indented(pem, 2))\n")
        var result = try keyleak(["scan", "--config", dir.file("bad-config.yaml"), dir.file("tree")])
        #expect(result.status == 2)
        #expect(Self.leak(in: result.stderr, windows: windows) == nil, "config error quotes the key")
        #expect(result.stderr.contains("bad-config.yaml"))

        // A known-keys file that is a key body: the error quotes its first line.
        let lines = pem.split(separator: "\n")
        try dir.write("known.txt", lines[1...3].joined(separator: "\n") + "\n")
        result = try keyleak(["scan", "--known-keys", dir.file("known.txt"), dir.file("tree")])
        #expect(result.status == 2)
        #expect(Self.leak(in: result.stderr, windows: windows) == nil, "known-keys error quotes the key")

        // A command-line value the argument parser quotes back.
        result = try keyleak(["scan", "--format", pem, dir.file("tree")])
        #expect(result.status == 2)
        #expect(Self.leak(in: result.stderr, windows: windows) == nil, "usage error quotes the key")

        // doctor quoting a malformed setting that runs on over the key.
        try dir.write("home/.oci/config", """
        [DEFAULT]
        user=
        \(Self.indented(pem, 2))
        tenancy=\(Self.tenancy)
        region=us-ashburn-1
        \(Self.indented(pem, 2))
        fingerprint=\(Self.fingerprint)
        key_file=
        \(Self.indented(pem, 2))

        """)
        result = try keyleak(["doctor", dir.file("home/.oci/config")])
        #expect(result.status == 1)
        #expect(Self.leak(in: result.text + result.stderr, windows: windows) == nil, "doctor quotes the key")
        #expect(result.text.contains("user") && result.text.contains("is not a user OCID"))

        // merge: a report (from another tool, or tampered) that holds a key.
        let leaked = """
        {"version": 1, "findings": [{"rule": "private-key", "severity": "high", "path": "a.pem", "line": 1,
          "message": "\(pem.replacingOccurrences(of: "\n", with: "\\n"))", "preview": "x"}],
         "summary": {"files": 1, "bytes": 1, "skipped": [], "duration_ms": 0}}
        """
        try dir.write("shard1.json", leaked)
        try dir.write("shard2.json", "{\"version\": 1, \"findings\": [], \"summary\": {\"files\": 0}}")
        result = try keyleak(["merge", dir.file("shard1.json"), dir.file("shard2.json")])
        #expect(result.status == 1)
        #expect(Self.leak(in: result.text, windows: windows) == nil, "merge copies the key")
        #expect((try? JSONSerialization.jsonObject(with: result.stdout)) != nil, "merged report is not JSON")
        #expect(result.stderr.contains("redacted"))
    }

    // MARK: - Failed writes

    /// A corpus with one finding, for the write tests.
    static func corpus() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        _ = try TestKeys.rsa(dir, "tree/id_rsa.pem")
        return dir
    }

    /// The error of a failed write is one line naming the file and the reason,
    /// never a Swift trap and backtrace.
    static func expectOneLineError(_ result: Shell.Result, _ expected: String, _ what: String) {
        #expect(result.status == 2, "\(what): exit \(result.status): \(result.stderr.prefix(300))")
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("keyleak: skipped") }
        #expect(lines == [Substring(expected)], "\(what): \(result.stderr.prefix(300))")
    }

    /// ENOSPC on `--output`, `--write-baseline`, `merge --output` and
    /// standard output, and a closed standard output: exit 2, one line.
    @Test func aFailedWriteExits2WithOneLineNeverACrash() throws {
        let dir = try Self.corpus()
        let tree = dir.file("tree")
        Self.expectOneLineError(try keyleak(["scan", "--output", "/dev/full", tree]),
                                "keyleak: /dev/full: No space left on device", "--output /dev/full")
        Self.expectOneLineError(try keyleak(["scan", "--format", "sarif", "--output", "/dev/full", tree]),
                                "keyleak: /dev/full: No space left on device", "sarif --output /dev/full")
        Self.expectOneLineError(try keyleak(["scan", "--write-baseline", "/dev/full", tree]),
                                "keyleak: /dev/full: No space left on device", "--write-baseline /dev/full")
        Self.expectOneLineError(try shell("\"$K\" scan '\(tree)' > /dev/full"),
                                "keyleak: standard output: No space left on device", "stdout to /dev/full")
        Self.expectOneLineError(try shell("\"$K\" scan --format json '\(tree)' >&-"),
                                "keyleak: standard output: Bad file descriptor", "stdout closed")
        let report = dir.file("report.json")
        _ = try keyleak(["scan", "--format", "json", "--output", report, tree])
        Self.expectOneLineError(try keyleak(["merge", "--output", "/dev/full", report]),
                                "keyleak: /dev/full: No space left on device", "merge --output /dev/full")
        Self.expectOneLineError(try shell("\"$K\" doctor /nonexistent/config > /dev/full; exit $?"),
                                "keyleak: /nonexistent/config: cannot read the OCI config file", "doctor error")
        Self.expectOneLineError(try shell("\"$K\" fingerprint '\(tree)/id_rsa.pem' > /dev/full"),
                                "keyleak: standard output: No space left on device", "fingerprint to /dev/full")

        // Devices and the process's own descriptors still work.
        var result = try keyleak(["scan", "--output", "/dev/null", tree])
        #expect(result.status == 1 && result.text.isEmpty && result.stderr.isEmpty)
        result = try keyleak(["scan", "--format", "json", "--output", "/dev/stdout", tree])
        #expect(result.status == 1 && (try? JSONSerialization.jsonObject(with: result.stdout)) != nil)
        try dir.write("appended.txt", "kept\n")
        result = try shell("\"$K\" scan --format json --output /dev/stdout '\(tree)' >> '\(dir.file("appended.txt"))'")
        #expect(result.status == 1)
        let appended = try String(contentsOfFile: dir.file("appended.txt"), encoding: .utf8)
        #expect(appended.hasPrefix("kept\n{") && appended.contains("\"findings\""))
        // A folder that does not exist: an error, not a crash.
        Self.expectOneLineError(try keyleak(["scan", "--output", dir.file("missing/report.txt"), tree]),
                                "keyleak: \(dir.file("missing/report.txt")): No such file or directory", "missing folder")
    }

    /// `--output` replaces a regular file atomically: a reader of the old file
    /// is not disturbed; through a symbolic link the link stays and its target
    /// changes; the file's mode is kept; no temporary file is left behind.
    @Test func reportsReplaceTheFileAtomically() throws {
        let dir = try Self.corpus()
        let tree = dir.file("tree")
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try dir.write("out/report.json", "old report\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: dir.file("out/report.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("out/latest.json"), withDestinationPath: "report.json")
        // A reader that has the old report open keeps reading the old report:
        // the file is replaced, never truncated and rewritten under it.
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir.file("out/report.json")))
        defer { try? reader.close() }
        let result = try keyleak(["scan", "--format", "json", "--output", dir.file("out/latest.json"), tree])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try reader.readToEnd() == Data("old report\n".utf8), "the old report was overwritten in place")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("out/report.json"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("out/latest.json")) == "report.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir.file("out/report.json")))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["latest.json", "report.json"])
        // A new file: created with the umask's mode.
        _ = try shell("umask 027; \"$K\" scan --output '\(dir.file("out/new.txt"))' '\(tree)'")
        let mode = (try FileManager.default.attributesOfItem(atPath: dir.file("out/new.txt"))[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o640)
    }

    /// Whether this process may mount a small tmpfs in a private mount
    /// namespace (`unshare -m`, as root).
    static let canMountTmpfs: Bool = {
        guard let dir = try? TemporaryDirectory() else { return false }
        let probe = try? Shell.run("unshare", ["-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs '\(dir.path)' && umount '\(dir.path)'"])
        return probe?.status == 0
    }()

    /// A disk that fills up while the report is written: exit 2 with one
    /// line, and the old report, baseline or merged report is still there,
    /// whole, with no temporary file left.
    @Test(.enabled(if: OutputSafetyTests.canMountTmpfs, "needs `unshare -m` and `mount -t tmpfs` (root); /dev/full is tested in any case"))
    func aFullDiskLeavesTheOldReportInPlace() throws {
        let dir = try Self.corpus()
        let tree = dir.file("tree")
        let shard = dir.file("shard.json")
        _ = try keyleak(["scan", "--format", "json", "--output", shard, tree])
        let disk = dir.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // NOTE: the script runs in its own mount namespace: the tmpfs goes away with it.
        let namespaced = try Shell.run("unshare", ["-m", "sh", "-c", """
        set -e
        mount -t tmpfs -o size=64k tmpfs '\(disk)'
        cd '\(disk)'
        printf 'old report\\n' > report.json
        printf 'old baseline\\n' > baseline.json
        printf 'old merge\\n' > merged.json
        dd if=/dev/zero of=filler bs=1024 2>/dev/null || true
        set +e
        "$K" scan --format json --output report.json '\(tree)' 2>&1; echo "scan=$?"
        "$K" scan --write-baseline baseline.json '\(tree)' 2>&1; echo "baseline=$?"
        "$K" merge --output merged.json '\(shard)' 2>&1; echo "merge=$?"
        cat report.json baseline.json merged.json
        ls -A
        rm filler
        "$K" scan --format json --output report.json '\(tree)' 2>&1; echo "after=$?"
        head -c 1 report.json; echo
        """], environment: ProcessInfo.processInfo.environment.merging(["K": Paths.binary]) { $1 })
        let lines = namespaced.text.split(separator: "\n").map(String.init)
        #expect(lines == [
            "keyleak: report.json: No space left on device", "scan=2",
            "keyleak: baseline.json: No space left on device", "baseline=2",
            "keyleak: merged.json: No space left on device", "merge=2",
            "old report", "old baseline", "old merge",
            "baseline.json", "filler", "merged.json", "report.json",
            "after=1", "{",
        ], "\(namespaced.text)\n\(namespaced.stderr)")
    }

    // MARK: - Terminal control

    /// True when `text` holds a character a terminal acts on (other than newline).
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains {
            ($0.value < 0x20 && $0 != "\n") || (0x7f...0x9f).contains($0.value)
                || (0x202a...0x202e).contains($0.value) || (0x2066...0x2069).contains($0.value)
        }
    }

    /// A config whose profile name and settings hold ESC sequences, CR, BEL,
    /// backspace and a bidi override, an archive whose name does, and a
    /// folder whose name does: the text report, the skipped lines, the publish
    /// verdict and `doctor` show them escaped.
    @Test func controlCharactersFromTheScannedFilesAreEscaped() throws {
        let dir = try TemporaryDirectory()
        let folder = "share\u{1b}[2K\u{202e}"
        try dir.write("\(folder)/oci/config", """
        [prod\u{1b}[2K\u{1b}[1A\u{b}all clear\u{7}\u{8}]
        user=\(Self.user)\u{1b}[8m
        tenancy=\(Self.tenancy)
        fingerprint=\(Self.fingerprint)
        region=us-ashburn-1\u{202e}
        key_file=~/.oci/key\u{1b}]0;title\u{7}.pem

        """)
        try dir.write("\(folder)/bad\u{202e}piz.zip", "PK\u{3}\u{4}not really a zip archive at all")
        let result = try keyleak(["scan", "--publish", dir.file(folder)])
        #expect(result.status == 1)
        #expect(!Self.hasControl(result.text), "report: \(result.text.debugDescription)")
        #expect(!Self.hasControl(result.stderr), "stderr: \(result.stderr.debugDescription)")
        // NOTE: not a CR: configparser (universal newlines) ends the line there.
        #expect(result.text.contains("[prod\\x1b[2K\\x1b[1A\\x0ball clear\\x07\\x08]"))
        #expect(result.text.contains("key file ~/.oci/key\\x1b]0;title\\x07.pem"))
        #expect(result.stderr.contains("bad\\u{202e}piz.zip"))
        #expect(result.stderr.contains("NOT SAFE TO SHARE: \(dir.file("share"))\\x1b[2K\\u{202e}"))
        // The user with an ESC sequence is not an OCID: not taken.
        #expect(!result.text.contains("user \(Self.user)"))

        let doctor = try keyleak(["doctor", dir.file("\(folder)/oci/config")])
        #expect(!Self.hasControl(doctor.text + doctor.stderr), "doctor: \(doctor.text.debugDescription)")
        #expect(doctor.text.contains("[prod\\x1b[2K"))
    }

    /// A history scan prints the commit's author: escaped too.
    @Test func gitAuthorsAreEscaped() throws {
        guard Shell.available("git") else { return }
        let dir = try TemporaryDirectory()
        _ = try TestKeys.rsa(dir, "id_rsa.pem")
        for arguments in [["init", "-q", "-b", "main"], ["add", "."],
                          ["-c", "user.email=a@b.invalid", "-c", "user.name=Mallory\u{1b}[2K\u{1b}[1AClean\u{202e}",
                           "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "add"]] {
            try Shell.check("git", ["-C", dir.path] + arguments)
        }
        let result = try keyleak(["scan", "--git", "--repo", dir.path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!Self.hasControl(result.text), "\(result.text.debugDescription)")
        #expect(result.text.contains("by Mallory\\x1b[2K\\x1b[1AClean\\u{202e}"))
    }
}
