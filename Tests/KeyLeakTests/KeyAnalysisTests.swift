import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Known-answer tests: keys generated with the openssl command line, analysed by
/// keyleak, fingerprints compared with what `openssl … | openssl md5 -c` prints.
@Suite struct KeyAnalysisTests {
    static let ruleSet = try! RuleSet()

    static func findings(_ text: String) -> [Finding] {
        Scanner(ruleSet: ruleSet).scan(bytes: Array(text.utf8), path: "t").findings
    }

    static let algorithms: [(name: String, args: [String], type: String, bits: Int)] = [
        ("rsa2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "RSA", 2048),
        ("rsa3072", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], "RSA", 3072),
        ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"], "EC", 256),
        ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp384r1"], "EC", 384),
        ("p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp521r1"], "EC", 521),
        ("ed25519", ["-algorithm", "ed25519"], "Ed25519", 256),
        ("x25519", ["-algorithm", "x25519"], "X25519", 253),
        ("ed448", ["-algorithm", "ed448"], "Ed448", 456),
    ]

    /// An OpenSSH key held by a FIDO security key (`ssh-keygen -t
    /// ed25519-sk`, which needs the token to make one, so the file is built
    /// here and `ssh-keygen -y` reads it as the oracle) is the key's handle:
    /// medium, and named as what it is. The same file as a plain Ed25519
    /// key would be high.
    @Test func securityKeyHandlesAreMediumAndNamed() throws {
        try #require(Shell.available("ssh-keygen"), "scripts/install-deps.sh --tests installs openssh-client")
        func uint32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).bigEndian) { Array($0) } }
        func string(_ bytes: [UInt8]) -> [UInt8] { uint32(bytes.count) + bytes }
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.generate(dir, "ed.pem", ["-algorithm", "ed25519"])
        let point = Array(try TestKeys.convert(pem, ["-pubout", "-outform", "DER"]).suffix(32))
        let type = Array("sk-ssh-ed25519@openssh.com".utf8)
        let application = Array("ssh:".utf8)
        var secret = uint32(0x5eed) + uint32(0x5eed) + string(type) + string(point) + string(application) + [0x01]
            + string((0..<64).map { UInt8($0 * 7 & 0xff) }) + string([]) + string(Array("test@host".utf8))
        var padding: UInt8 = 1
        while secret.count % 8 != 0 { secret.append(padding); padding += 1 }
        let body = Array("openssh-key-v1\u{0}".utf8) + string(Array("none".utf8)) + string(Array("none".utf8)) + string([])
            + uint32(1) + string(string(type) + string(point) + string(application)) + string(secret)
        let base64 = Data(body).base64EncodedString()
        var lines: [String] = []
        var rest = Substring(base64)
        while !rest.isEmpty { lines.append(String(rest.prefix(70))); rest = rest.dropFirst(70) }
        let file = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + lines.joined(separator: "\n") + "\n-----END OPENSSH PRIVATE KEY-----\n"
        let path = try dir.write("id_ed25519_sk", file)
        _ = try Shell.check("chmod", ["600", path])
        let publicKey = String(decoding: try Shell.check("ssh-keygen", ["-y", "-f", path]), as: UTF8.self)
        #expect(publicKey.hasPrefix("sk-ssh-ed25519@openssh.com "), "the oracle reads the file as a security key: \(publicKey)")
        let findings = Self.findings(file)
        #expect(findings.count == 1, "\(findings.map(\.message))")
        let finding = try #require(findings.first)
        #expect(finding.severity == .medium, "\(finding.severity)")
        #expect(finding.message.contains("security key's handle"), "\(finding.message)")
    }

    @Test("PKCS#8 and traditional PEM: type, size and OCI fingerprint", arguments: algorithms.map(\.name))
    func pemKey(name: String) throws {
        let spec = try #require(Self.algorithms.first { $0.name == name })
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.generate(dir, "k.pem", spec.args)
        let expected = try TestKeys.ociFingerprint(pem)
        var variants = [pem]
        if spec.type == "RSA" || spec.type == "EC" {
            variants.append(String(decoding: try TestKeys.convert(pem, ["-traditional"]), as: UTF8.self))
        }
        for variant in variants {
            let findings = Self.findings(variant)
            try #require(findings.count == 1, "\(findings)")
            let key = try #require(findings[0].key)
            #expect(key.identity?.oci == expected)
            #expect(key.identity?.algorithm == spec.type)
            #expect(key.identity?.bits == spec.bits)
            #expect(!key.encrypted && !key.truncated)
            #expect(findings[0].severity == .high)
            #expect(findings[0].line == 1 && findings[0].column == 1)
        }
    }

    @Test func sha256MatchesSSHKeygen() throws {
        try #require(Shell.available("ssh-keygen"))
        let dir = try TemporaryDirectory()
        let pem = String(decoding: try TestKeys.convert(try TestKeys.rsa(dir), ["-traditional"]), as: UTF8.self)
        let path = try dir.write("id_rsa", pem)
        try Shell.check("chmod", ["600", path])
        let pub = try Shell.check("ssh-keygen", ["-y", "-f", path])
        let line = String(decoding: try Shell.check("ssh-keygen", ["-l", "-f", "-"], input: pub), as: UTF8.self)
        let sha = try #require(Self.findings(pem).first?.key?.identity?.sha256)
        #expect(line.contains(sha))
    }

    @Test func encryptedPKCS8IsMediumWithoutFingerprint() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir)
        let encrypted = String(decoding: try TestKeys.convert(pem, ["-aes256", "-passout", "pass:pw"]), as: UTF8.self)
        #expect(encrypted.contains("ENCRYPTED PRIVATE KEY"))
        let finding = try #require(Self.findings(encrypted).first)
        #expect(finding.key?.encrypted == true && finding.key?.format == .pkcs8)
        #expect(finding.severity == .medium)
    }

    @Test func legacyEncryptedPEMIsRecognised() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("k.pem")
        _ = try TestKeys.rsa(dir, "k.pem")
        let legacy = String(decoding: try Shell.check("openssl", ["rsa", "-in", path, "-aes128", "-passout", "pass:pw", "-traditional"]), as: UTF8.self)
        #expect(legacy.contains("Proc-Type: 4,ENCRYPTED"))
        let finding = try #require(Self.findings(legacy).first)
        #expect(finding.key?.encrypted == true && finding.key?.algorithm == "RSA" && finding.key?.format == .pkcs1)
    }

    @Test func truncatedKeyIsMedium() throws {
        let dir = try TemporaryDirectory()
        let lines = try TestKeys.rsa(dir).split(separator: "\n")
        let cut = lines[0..<12].joined(separator: "\n") + "\n" + lines[lines.count - 1] + "\n"
        let finding = try #require(Self.findings(cut).first)
        #expect(finding.key?.truncated == true)
        #expect(finding.severity == .medium)
    }

    @Test func randomBodyAndPublicMaterialAreNotKeys() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir)
        let pub = String(decoding: try TestKeys.convert(pem, ["-pubout"]), as: UTF8.self)
        let pubBody = pub.split(separator: "\n").dropFirst().dropLast().joined(separator: "\n")
        let random = (0..<20).map { i in String(repeating: "Zm9v", count: 16).replacingOccurrences(of: "v", with: i % 2 == 0 ? "v" : "w") }.joined(separator: "\n")
        #expect(Self.findings(pub).isEmpty)
        #expect(Self.findings("-----BEGIN RSA PRIVATE KEY-----\n\(pubBody)\n-----END RSA PRIVATE KEY-----\n").isEmpty)
        #expect(Self.findings("-----BEGIN RSA PRIVATE KEY-----\n\(random)\n-----END RSA PRIVATE KEY-----\n").isEmpty)
        #expect(Self.findings("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n-----END PRIVATE KEY-----\n").isEmpty)
    }

    @Test func ociMarkerMakesKeyCriticalAndLoneMarkerMedium() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir)
        // NOTE: the marker is spelled in pieces so that keyleak's scan of its own sources stays clean.
        let marker = "OCI_" + "API_KEY"
        let marked = Self.findings(pem + marker + "\n")
        #expect(marked.count == 1)
        #expect(marked.first?.severity == .critical && marked.first?.ociMarker == true)
        let lone = Self.findings("some text\n\(marker)\n")
        #expect(lone.count == 1 && lone.first?.rule == "oci-api-key-marker" && lone.first?.severity == .medium)
        #expect(Self.findings("append the line OCI_API_KEY to your key").isEmpty)
    }

    @Test func base64WrappedPEMAndBareDER() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir)
        let expected = try TestKeys.ociFingerprint(pem)
        let wrapped = Self.findings("data:\n  tls.key: \(Data(pem.utf8).base64EncodedString())\n")
        #expect(wrapped.map { $0.key?.identity?.oci } == [expected])
        #expect(wrapped.first?.line == 2)
        let der = try TestKeys.convert(pem, ["-outform", "DER"]).base64EncodedString()
        let bare = Self.findings("{\"key\": \"\(der)\"}")
        #expect(bare.map { $0.key?.identity?.oci } == [expected])
    }

    @Test func keyStraddlingAWindowBoundaryIsFoundAtItsLine() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir)
        let expected = try TestKeys.ociFingerprint(pem)
        // Filler lines so that the key starts just before the end of the first 1 MiB block.
        let line = String(repeating: "x", count: 99) + "\n"
        let fillerLines = (Searcher.blockSize - 500) / line.utf8.count
        let text = String(repeating: line, count: fillerLines) + pem + String(repeating: line, count: fillerLines * 2) + pem
        let findings = Self.findings(text)
        #expect(findings.count == 2)
        #expect(findings.map(\.line) == [fillerLines + 1, fillerLines * 3 + 1 + pem.split(separator: "\n").count])
        #expect(findings.allSatisfy { $0.key?.identity?.oci == expected })
    }
}
