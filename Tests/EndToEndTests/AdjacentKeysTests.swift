import Foundation
import Testing
import TestSupport

/// Keys in neighbouring quoted strings, the shape of real test files
/// (golang.org/x/crypto `ssh/testdata/keys.go`, python-jose, pyOpenSSL):
/// the binary reports every one, at its line, with its fingerprint.
@Suite struct AdjacentKeysTests {
    @Test func neighbouringQuotedKeysAreAllReported() throws {
        let dir = try TemporaryDirectory()
        let rsa = try TestKeys.rsa(dir, "gen/rsa.pem").trimmingCharacters(in: .newlines)
        let ed = try TestKeys.generate(dir, "gen/ed.pem", ["-algorithm", "ed25519"]).trimmingCharacters(in: .newlines)
        let fingerprints = [try TestKeys.ociFingerprint(rsa), try TestKeys.ociFingerprint(ed)]
        try FileManager.default.removeItem(atPath: dir.file("gen"))
        let escaped = { (pem: String) in pem.replacingOccurrences(of: "\n", with: "\\n") }
        try dir.write("tree/keys.js", "const a = \"\(escaped(rsa))\";\nconst b = \"\(escaped(ed))\";\n")
        try dir.write("tree/keys.py", "A = '''\(rsa)''';B = '''\(ed)'''\n")
        try dir.write("tree/keys.go", "var a = `\(rsa)`\nvar b = `\(ed)`\n")
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json", dir.file("tree")])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = report["findings"] as? [[String: Any]] ?? []
        for file in ["keys.js", "keys.py", "keys.go"] {
            let found = findings.filter { $0["path"] as? String == file }.compactMap { $0["fingerprint"] as? String }
            #expect(found == fingerprints, "\(file): \(found)")
        }
    }
}
