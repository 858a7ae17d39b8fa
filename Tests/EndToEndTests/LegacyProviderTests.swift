import Foundation
import Testing
import TestSupport

/// A PKCS#12 whose every part uses RC2-40 (`openssl pkcs12 -export -legacy
/// -keypbe PBE-SHA1-RC2-40`) needs OpenSSL's legacy provider. With it, the
/// key inside is named; without it (a binary with no `legacy` module), the
/// finding says the password is right but the part could not be decrypted,
/// and why; never "locked", never nothing.
@Suite struct LegacyProviderTests {
    struct Report: Decodable {
        struct Finding: Decodable {
            var severity: String
            var fingerprint: String?
            var message: String
        }
        var findings: [Finding]
    }

    func scan(_ path: String, environment extra: [String: String] = [:]) throws -> (Int32, [Report.Finding]) {
        let environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json", path], environment: environment)
        return (result.status, try JSONDecoder().decode(Report.self, from: result.stdout).findings)
    }

    @Test func rc2OnlyPKCS12WithAndWithoutTheLegacyProvider() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "key.pem")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        try Shell.check("openssl", ["req", "-x509", "-key", dir.file("key.pem"), "-subj", "/CN=t", "-days", "1", "-out", dir.file("c.pem")])
        try Shell.check("mkdir", [dir.file("share")])
        try Shell.check("openssl", ["pkcs12", "-export", "-legacy", "-keypbe", "PBE-SHA1-RC2-40", "-inkey", dir.file("key.pem"),
                                    "-in", dir.file("c.pem"), "-passout", "pass:", "-out", dir.file("share/old.pfx")])
        let (status, findings) = try scan(dir.file("share"))
        #expect(status == 1)
        #expect(findings.map(\.fingerprint) == [fingerprint], "\(findings.map(\.message))")
        #expect(findings.first?.severity == "high")
        // No legacy module where OpenSSL looks for it.
        try Shell.check("mkdir", [dir.file("no-modules")])
        let (without, missing) = try scan(dir.file("share"), environment: ["OPENSSL_MODULES": dir.file("no-modules")])
        #expect(without == 1)
        #expect(missing.count == 1, "\(missing.map(\.message))")
        let finding = try #require(missing.first)
        #expect(finding.severity == "high" && finding.fingerprint == nil)
        #expect(finding.message.hasPrefix("PKCS#12 container that opens without a password, but its pbeWithSHA1And40BitRC2-CBC part could not be decrypted"),
                "\(finding.message)")
        #expect(finding.message.contains("legacy provider could not be loaded"), "\(finding.message)")
        #expect(!finding.message.contains("locked"))
    }
}
