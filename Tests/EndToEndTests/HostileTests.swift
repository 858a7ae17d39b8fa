import Foundation
import Testing
import TestSupport

/// Hostile trees and inputs: nothing crashes, hangs or passes silently.
@Suite struct HostileTests {
    func keyleak(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments)
    }

    @Test func keyAtTheBottomOfATenThousandLevelTree() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        try Shell.check("python3", ["-c", """
        import os, sys
        os.chdir(sys.argv[1])
        for _ in range(10000):
            os.mkdir("d"); os.chdir("d")
        open("key.pem", "w").write(sys.argv[2])
        """, dir.path, pem])
        let result = try keyleak(["scan", "--format", "json", dir.path])
        #expect(result.status == 1, "\(result.stderr.prefix(300))")
        #expect(result.text.contains("/d/key.pem"))
    }

    @Test func craftedInputAgainstThePatternsEndsQuicklyAndStillFindsTheKey() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        let noise = String(repeating: " -----BEGIN", count: 20000) + String(repeating: "MII", count: 20000)
            + String(repeating: "A", count: 200_000) + "\n" + String(repeating: "-----BEGIN RSA PRIVATE KEY-----\n", count: 2000)
        try dir.write("crafted.txt", noise + "-----BEGIN" + pem)
        let started = Date()
        let result = try keyleak(["scan", "--format", "json", dir.path])
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(result.status == 1)
        #expect(result.text.contains("\"key_bits\": 2048"))
    }

    @Test func aHundredMegabyteLineWithTheKeyAtTheEnd() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        try Shell.check("python3", ["-c", """
        import sys
        with open(sys.argv[1], "w") as f:
            f.write("x" * 100_000_000)
            f.write(sys.argv[2].replace("\\n", "\\\\n"))
        """, dir.file("line.txt"), pem])
        let result = try keyleak(["scan", "--format", "json", dir.path])
        #expect(result.status == 1)
        #expect(result.text.contains("\"column\": 100000001"))
    }

    @Test func scanningChangesNothing() throws {
        let (dir, _) = try CorpusTests.makeCorpus()
        func snapshot() throws -> [String: String] {
            let out = try Shell.check("sh", ["-c", "cd \"$1\" && find . -printf '%p %m %T@ %s\\n' | sort && find . -type f -exec sha256sum {} + | sort", "sh", dir.path])
            return ["tree": String(decoding: out, as: UTF8.self)]
        }
        let before = try snapshot()
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("keyleak-ro-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        _ = try keyleak(["scan", "--format", "json", "--output", report, dir.path])
        _ = try keyleak(["scan", "--format", "sarif", dir.path])
        #expect(try snapshot() == before, "the scanned tree is unchanged: bytes, mode, mtime, no new files")
        #expect(FileManager.default.fileExists(atPath: report))
    }

    /// No report format, baseline or message shows more of a key than the preview.
    @Test func noFormatLeaksAKeyBody() throws {
        let (dir, expected) = try CorpusTests.makeCorpus()
        var bodies: [String] = []
        for key in expected.findings {
            // NOTE: decoded leniently: some corpus files are UTF-16 or binary DER (their NULs drop out below).
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir.file(key.path))), as: UTF8.self)
            for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\\" || $0 == "\"" || $0 == "'" || $0 == " " }) {
                let chars = Array(line.filter { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" })
                guard chars.count >= 40 else { continue }
                for start in stride(from: 8, to: chars.count - 16, by: 8) { bodies.append(String(chars[start..<start + 16])) }
            }
        }
        let scratch = try TemporaryDirectory()
        var outputs: [String] = []
        #expect(bodies.count > 100)
        for format in ["text", "json", "jsonl", "sarif"] {
            let result = try keyleak(["scan", "--format", format, dir.path])
            outputs.append(result.text + result.stderr)
        }
        _ = try keyleak(["scan", "--write-baseline", scratch.file("baseline.json"), dir.path])
        outputs.append(try String(contentsOfFile: scratch.file("baseline.json"), encoding: .utf8))
        for output in outputs {
            let leaked = bodies.filter { output.contains($0) }
            #expect(leaked.isEmpty, "key material in output: \(leaked.prefix(3))")
        }
    }

    /// Runs keyleak under a small Python parent that reports the child's own
    /// peak RSS (KiB) on its last stderr line.
    func keyleakMeasured(_ arguments: [String]) throws -> (result: Shell.Result, peakKiB: Int) {
        let result = try Shell.run("python3", ["-c", """
        import resource, subprocess, sys
        done = subprocess.run(sys.argv[1:])
        print("peak", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
        sys.exit(done.returncode)
        """, Paths.binary] + arguments)
        let last = result.stderr.split(separator: "\n").last { $0.hasPrefix("peak ") }
        return (result, Int(last?.dropFirst(5) ?? "") ?? Int.max)
    }

    @Test func aMillionEmptyFilesInBoundedMemory() throws {
        let dir = try TemporaryDirectory()
        defer { _ = try? Shell.run("rm", ["-rf", dir.path]) }
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        // 1,000 folders of 1,000 empty files, and one key among them. The
        // files are hard links to 20 empty files (each name is still a file
        // keyleak opens and reads): allocating a million inodes takes minutes
        // on a journalled disk, linking takes seconds.
        try Shell.check("python3", ["-c", """
        import os, sys
        root = sys.argv[1]
        for d in range(1000):
            folder = os.path.join(root, f"d{d:03}")
            os.mkdir(folder)
            source = os.path.join(root, f"empty{d // 50}")
            if d % 50 == 0:
                open(source, "w").close()
            for f in range(1000):
                os.link(source, os.path.join(folder, f"f{f:03}"))
        for i in range(20):
            os.unlink(os.path.join(root, f"empty{i}"))
        os.unlink(os.path.join(root, "d500", "f500"))
        open(os.path.join(root, "d500", "f500"), "w").write(sys.argv[2])
        """, dir.path, pem])
        let (result, peakKiB) = try keyleakMeasured(["scan", "--format", "json", dir.path])
        #expect(result.status == 1, "\(result.stderr.prefix(300))")
        let summary = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        #expect((summary?["summary"] as? [String: Any])?["files"] as? Int == 1_000_000)
        #expect(result.text.contains("d500/f500"))
        // Nothing kept per file: the walk holds folders, not the files in them.
        #expect(peakKiB < 96 * 1024, "peak RSS \(peakKiB) KiB")
    }

    /// Files truncated, deleted and rewritten while the scan runs: no crash or
    /// hang, a file that stays put is still found, and a file that vanished is
    /// listed as not read rather than passed over in silence.
    @Test func filesTruncatedAndDeletedDuringTheScan() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        try dir.write("stable/key.pem", pem)
        try Shell.check("python3", ["-c", """
        import os, sys
        for i in range(400):
            with open(os.path.join(sys.argv[1], f"churn{i:03}.txt"), "wb") as f:
                f.write(b"-----BEGIN x\\n" * 40000)
        """, dir.path])
        for round in 0..<3 {
            // The mutator truncates, deletes and recreates files until the scan ends.
            let mutator = Process()
            mutator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            mutator.arguments = ["python3", "-c", """
            import os, sys, random, time
            root, stop = sys.argv[1], time.time() + 30
            names = [n for n in os.listdir(root) if n.startswith("churn")]
            while time.time() < stop and not os.path.exists(os.path.join(root, "stop")):
                n = os.path.join(root, random.choice(names))
                action = random.random()
                try:
                    if action < 0.4:
                        os.truncate(n, random.randrange(0, 600000))
                    elif action < 0.7:
                        os.unlink(n)
                    else:
                        open(n, "wb").write(b"x" * random.randrange(0, 600000))
                except OSError:
                    pass
            """, dir.path]
            try mutator.run()
            let result = try keyleak(["scan", "--format", "json", "--threads", "2", dir.path])
            try dir.write("stop", "")
            mutator.waitUntilExit()
            try FileManager.default.removeItem(atPath: dir.file("stop"))
            #expect(result.status == 1, "round \(round): \(result.stderr.prefix(300))")
            let report = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
            let findings = report?["findings"] as? [[String: Any]] ?? []
            #expect(findings.contains { ($0["path"] as? String ?? "").hasSuffix("stable/key.pem") && $0["fingerprint"] as? String != nil })
            let skipped = (report?["summary"] as? [String: Any])?["skipped"] as? [[String: Any]] ?? []
            for entry in skipped {
                #expect((entry["reason"] as? String ?? "").contains("No such file"), "\(entry)")
            }
        }
    }

    /// /proc and /sys are views of the running system: some "files" never end
    /// (/proc/self/pagemap) or block (/proc/kmsg). Not entered, listed as skipped.
    @Test func kernelFileSystemsAreListedNotRead() throws {
        try #require(FileManager.default.fileExists(atPath: "/proc/self/pagemap"))
        let started = Date()
        let result = try keyleak(["scan", "--format", "json", "/proc/self", "/proc/self/pagemap", "/sys/kernel"])
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("/proc/self/pagemap") && result.stderr.contains("kernel file system proc"))
        #expect(result.stderr.contains("sysfs"))
    }

    /// Roots named on the command line are followed when they are links (like `find -H`).
    @Test func linkedRootsAreFollowed() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        try dir.write("real/key.pem", pem)
        try FileManager.default.createSymbolicLink(atPath: dir.file("folder-link"), withDestinationPath: dir.file("real"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("file-link.pem"), withDestinationPath: dir.file("real/key.pem"))
        #expect(try keyleak(["scan", dir.file("folder-link")]).status == 1)
        #expect(try keyleak(["scan", dir.file("file-link.pem")]).status == 1)
        // Inside a walk, links are still not followed.
        try FileManager.default.removeItem(atPath: dir.file("real/key.pem"))
        try dir.write("elsewhere/key.pem", pem)
        try FileManager.default.createSymbolicLink(atPath: dir.file("real/inner.pem"), withDestinationPath: dir.file("elsewhere/key.pem"))
        #expect(try keyleak(["scan", dir.file("folder-link")]).status == 0)
    }

    /// Keywords packed back to back (every position a prefilter hit) cost one
    /// sweep, not one window search per hit; keys after the noise are found.
    @Test func denseKeywordNoiseEndsQuicklyAndKeysAfterItAreFound() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        let der = try TestKeys.convert(try TestKeys.generate(dir, "ed.pem", ["-algorithm", "ed25519"]), ["-outform", "DER"])
        try FileManager.default.removeItem(atPath: dir.file("ed.pem"))
        for (name, unit) in [("mii", "MII"), ("mc4", "MC4CAQAw"), ("begin", "-----BEGIN "), ("ocid", "ocid1."), ("ls0", "LS0tLS1CRUdJTi")] {
            let noise = String(repeating: unit, count: 3_000_000 / unit.count)
            try dir.write("\(name).txt", noise + "\n" + pem + "\n" + noise + "\nder = " + der.base64EncodedString() + "\n")
        }
        let started = Date()
        let result = try keyleak(["scan", "--format", "json", dir.path])
        #expect(Date().timeIntervalSince(started) < 60)
        let report = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let findings = report?["findings"] as? [[String: Any]] ?? []
        for name in ["mii", "mc4", "begin", "ocid", "ls0"] {
            let here = findings.filter { ($0["path"] as? String ?? "").hasSuffix("\(name).txt") }
            #expect(here.contains { $0["rule"] as? String == "private-key" && $0["key_bits"] as? Int == 2048 }, "\(name): \(here.map { $0["rule"] ?? "" })")
            #expect(here.contains { $0["rule"] as? String == "der-private-key" && $0["key_type"] as? String == "Ed25519" }, "\(name)")
        }
    }
}
