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
            let text = try String(contentsOfFile: dir.file(key.path), encoding: .utf8)
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
}
