import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Key containers opened with the well-known passwords (issue 15, items 8
/// and 9): PKCS#12 written by openssl (modern, and `-legacy` with RC2-40
/// certificate bags), JKS and JCEKS written by keytool. One that opens is a
/// high finding per key, with the fingerprint openssl computes; one that
/// stays locked is a medium finding that does not claim a key.
@Suite struct KeyContainerTests {
    static let ruleSet = try! RuleSet()

    static func findings(_ path: String) throws -> [Finding] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return Scanner(ruleSet: ruleSet).scan(bytes: bytes, path: (path as NSString).lastPathComponent).findings
    }

    /// A key with a certificate signed by a CA of its own (a chain of two).
    struct Material {
        let dir: TemporaryDirectory
        let fingerprint: String
        init() throws {
            dir = try TemporaryDirectory()
            let pem = try TestKeys.rsa(dir, "key.pem")
            fingerprint = try TestKeys.ociFingerprint(pem)
            _ = try TestKeys.rsa(dir, "ca.key")
            try Shell.check("openssl", ["req", "-x509", "-key", dir.file("ca.key"), "-subj", "/CN=ca", "-days", "1", "-out", dir.file("ca.pem")])
            try Shell.check("openssl", ["req", "-new", "-key", dir.file("key.pem"), "-subj", "/CN=leaf", "-out", dir.file("leaf.csr")])
            try Shell.check("openssl", ["x509", "-req", "-in", dir.file("leaf.csr"), "-CA", dir.file("ca.pem"), "-CAkey", dir.file("ca.key"),
                                        "-CAcreateserial", "-days", "1", "-out", dir.file("leaf.pem")])
        }

        /// A PKCS#12 of the key and its chain under `password`, with extra `openssl pkcs12` arguments.
        func pkcs12(_ name: String, password: String, _ extra: [String] = []) throws -> String {
            try Shell.check("openssl", ["pkcs12", "-export", "-inkey", dir.file("key.pem"), "-in", dir.file("leaf.pem"),
                                        "-certfile", dir.file("ca.pem"), "-name", "server", "-passout", "pass:\(password)",
                                        "-out", dir.file(name)] + extra)
            return dir.file(name)
        }

        /// A Java keystore of `type` (JKS, JCEKS) converted by keytool from a PKCS#12 under `password`.
        func keystore(_ name: String, type: String, password: String) throws -> String {
            let p12 = try pkcs12(name + ".p12", password: password)
            try Shell.check("keytool", ["-importkeystore", "-noprompt", "-srckeystore", p12, "-srcstoretype", "PKCS12",
                                        "-srcstorepass", password, "-destkeystore", dir.file(name), "-deststoretype", type,
                                        "-deststorepass", password, "-destkeypass", password])
            return dir.file(name)
        }
    }

    static func expectOpened(_ findings: [Finding], _ material: Material, password: String, container: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(findings.count == 1, "\(findings.map(\.message))", sourceLocation: sourceLocation)
        guard let finding = findings.first else { return }
        #expect(finding.fingerprint == material.fingerprint, "\(finding.message)", sourceLocation: sourceLocation)
        #expect(finding.severity == .high, sourceLocation: sourceLocation)
        let opens = password.isEmpty ? "opens without a password" : "opens with the well-known password '\(password)'"
        #expect(finding.message.contains("in a \(container) that \(opens)"), "\(finding.message)", sourceLocation: sourceLocation)
    }

    @Test func pkcs12ModernAndLegacyOpenWithWellKnownPasswords() throws {
        let material = try Material()
        for (name, password, extra) in [("empty.p12", "", ["-legacy"]), ("legacy.pfx", "changeit", ["-legacy"]),
                                        ("all-rc2.p12", "password", ["-legacy", "-keypbe", "PBE-SHA1-RC2-40"]),
                                        ("service-account.p12", "notasecret", []), ("debug.p12", "android", [])] {
            let findings = try Self.findings(try material.pkcs12(name, password: password, extra))
            Self.expectOpened(findings, material, password: password, container: "PKCS#12 container")
            // The facts survive a JSON report, so `keyleak merge` says the same.
            if let finding = findings.first {
                let back = try FindingJSONTests.roundTrip(finding)
                #expect(back.container == finding.container && Policy(rules: Self.ruleSet.rules).message(back) == finding.message)
            }
        }
    }

    /// A PKCS#12 whose MAC needs an unknown password but whose bags are not
    /// encrypted (`-keypbe NONE -certpbe NONE`): the key is readable, so named.
    @Test func pkcs12WithUnencryptedBagsOpensWhateverItsMAC() throws {
        let material = try Material()
        let path = try material.pkcs12("mac-only.p12", password: "Zq9-not-a-default", ["-keypbe", "NONE", "-certpbe", "NONE"])
        Self.expectOpened(try Self.findings(path), material, password: "", container: "PKCS#12 container")
    }

    @Test func lockedPKCS12IsMediumAndClaimsNoKey() throws {
        let material = try Material()
        let findings = try Self.findings(try material.pkcs12("locked.p12", password: "Zq9-not-a-default", ["-legacy"]))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .medium && finding.key == nil && finding.fingerprint == nil)
        #expect(finding.message == "locked PKCS#12 container: may hold private keys (none of the 11 well-known passwords opens it)",
                "\(finding.message)")
    }

    @Test func javaKeystoresOpenWithWellKnownPasswordsAndCountChains() throws {
        let material = try Material()
        Self.expectOpened(try Self.findings(try material.keystore("s.jks", type: "JKS", password: "changeit")), material,
                          password: "changeit", container: "JKS keystore")
        Self.expectOpened(try Self.findings(try material.keystore("s.jceks", type: "JCEKS", password: "storepwd")), material,
                          password: "storepwd", container: "JCEKS keystore")
        // Locked, with a trusted certificate entry besides the key entry and its chain of two.
        let locked = try material.keystore("locked.jks", type: "JKS", password: "Zq9-not-a-default")
        try Shell.check("keytool", ["-importcert", "-noprompt", "-alias", "ca", "-file", material.dir.file("ca.pem"),
                                    "-keystore", locked, "-storetype", "JKS", "-storepass", "Zq9-not-a-default"])
        let findings = try Self.findings(locked)
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .medium && finding.key == nil)
        #expect(finding.message == "locked Java keystore (JKS): 1 private key entry (its chain: 2 certificates), 1 trusted certificate"
                + " (none of the 11 well-known passwords opens it)", "\(finding.message)")
    }

    /// An EncryptedPrivateKeyInfo under JCEKS's PBE declaring `iterations`.
    static func jceksProtected(iterations: [UInt8]) -> [UInt8] {
        let oid: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x13, 0x01]
        let parameters = DER.sequence(DER.encode(0x04, [1, 2, 3, 4, 5, 6, 7, 8]), DER.encode(0x02, iterations))
        return DER.sequence(DER.sequence(DER.encode(0x06, oid), parameters), DER.encode(0x04, [UInt8](repeating: 7, count: 1224)))
    }

    @Test func aContainerDeclaringHugeIterationCountsIsNotTriedAndSaysSo() throws {
        // A JCEKS key entry whose PBE declares a billion iterations: no password is tried.
        let protected = Self.jceksProtected(iterations: [0x3b, 0x9a, 0xca, 0x00])
        #expect(JavaKeyProtection.cost(protected) == 2_000_000_000)
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        let store = [0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2] + u32(1) + u32(1) + [0, 1, 0x6b] + [UInt8](repeating: 0, count: 8)
            + u32(protected.count) + protected + u32(0) + [UInt8](repeating: 0, count: 20)
        let findings = Scanner(ruleSet: Self.ruleSet).scan(bytes: store, path: "crafted.jceks").findings
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("only 0 of the 11 well-known passwords tried") == true, "\(findings.map(\.message))")
        // A PKCS#12 whose MAC declares a billion iterations, likewise.
        let material = try Material()
        let der = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try material.pkcs12("m.p12", password: ""))))
        let outer = try #require(DER.read(der, at: 0))
        let fields = DER.children(der, of: outer)
        let mac = DER.children(der, of: fields[2])
        let macData = DER.sequence(Array(der[mac[0].start..<mac[0].end]), Array(der[mac[1].start..<mac[1].end]),
                                   DER.encode(0x02, [0x3b, 0x9a, 0xca, 0x00]))
        let crafted = DER.sequence(Array(der[fields[0].start..<fields[0].end]), Array(der[fields[1].start..<fields[1].end]), macData)
        let p12 = Scanner(ruleSet: Self.ruleSet).scan(bytes: crafted, path: "crafted.p12").findings
        #expect(p12.count == 1 && p12.first?.severity == .medium, "\(p12.map(\.message))")
        #expect(p12.first?.message.contains("only 0 of the 11 well-known passwords tried") == true, "\(p12.map(\.message))")
    }
}
