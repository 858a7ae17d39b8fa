import Foundation
import Testing
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The finding codec `keyleak merge` relies on: `FindingJSON.value`, rendered
/// and parsed back, then `FindingJSON.finding`, gives the same finding, every
/// fact included (key facts with encoding, decrypted and curve, OCI identity,
/// container, credential set, known key, related findings, commit).
/// Links, byte offsets and pass phrases are not in reports: linking makes the
/// links again, and the pass phrase is never written.
@Suite struct FindingJSONTests {
    static let analyzers = Dictionary(try! RuleSet().rules.map { ($0.id, $0.analyzer) }, uniquingKeysWith: { a, _ in a })

    /// The finding as a report holds it, read back through JSON text.
    static func roundTrip(_ finding: Finding, pretty: Bool = true) throws -> Finding {
        let text = JSONWriter.render(FindingJSON.value(finding), pretty: pretty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return try #require(FindingJSON.finding(object, analyzer: { analyzers[$0] }), "not read back: \(text)")
    }

    static var keyFindings: [Finding] {
        var rsa = HandBuilt.key("deploy/oci_api_key.pem", line: 3, marker: true)
        rsa.severity = .critical
        rsa.commit = "0123456789abcdef0123456789abcdef01234567"
        rsa.author = "Dev Eloper <dev@example.com>"
        rsa.date = "2024-05-01T12:00:00Z"
        rsa.blob = "89abcdef0123456789abcdef0123456789abcdef"
        rsa.knownKey = KnownKeyMatch(label: "prod-api-key", state: "ACTIVE",
                                     user: "ocid1.user.oc1..aaaatestuser", source: "keys.json")
        rsa.related = [RelatedFinding(path: "deploy/config", line: 1, rule: "oci-config"),
                       RelatedFinding(path: "deploy/config", line: 1, rule: "oci-credential-set")]
        rsa.message = "RSA 2048 private key (pkcs1), marked as an OCI API key (OCI_API_KEY line)"
        rsa.secretHash = String(repeating: "ab", count: 32)

        var ec = HandBuilt.key("a/ec.pem", fingerprint: nil, format: .sec1)
        ec.key?.identity = Fingerprint(oci: HandBuilt.fingerprintB, sha256: "SHA256:made-up-ec", algorithm: "EC", bits: 256,
                                       curve: "prime256v1")
        ec.key?.declaredAlgorithm = nil
        ec.key?.encoding = .base64PEM
        ec.rule = "base64-pem-private-key"
        ec.analyzer = .base64PEM

        var opened = HandBuilt.key("b/opened.pem", fingerprint: nil, format: .pkcs8, encrypted: true)
        opened.key?.identity = Fingerprint(oci: HandBuilt.fingerprintC, sha256: nil, algorithm: "Ed25519", bits: 253, curve: nil)
        opened.key?.declaredAlgorithm = nil
        opened.key?.decrypted = true
        opened.severity = .high

        var legacy = HandBuilt.key("c/legacy.pem", fingerprint: nil, encrypted: true)
        legacy.key?.declaredAlgorithm = "EC"
        legacy.severity = .medium
        legacy.secretHash = String(repeating: "cd", count: 32)

        var truncated = HandBuilt.key("d/cut.pem", fingerprint: nil, format: .pkcs8, truncated: true)
        truncated.key?.declaredAlgorithm = nil
        truncated.severity = .medium

        var der = HandBuilt.key("e/key.der", fingerprint: HandBuilt.fingerprintA, format: .pkcs8)
        der.key?.encoding = .binaryDER
        der.rule = "binary-private-key"
        der.analyzer = .derFile

        var inContainer = HandBuilt.key("f/store.p12", fingerprint: HandBuilt.fingerprintA, format: .pkcs12)
        inContainer.key?.encoding = .pkcs12
        inContainer.rule = "pkcs12-container"
        inContainer.analyzer = .pkcs12

        var bare = HandBuilt.key("g/app.yaml", line: 40, fingerprint: HandBuilt.fingerprintB, format: .pkcs1)
        bare.key?.encoding = .bareDER
        bare.rule = "der-private-key"
        bare.analyzer = .der
        bare.column = 17
        bare.endLine = 40
        bare.preview = "MIIEow…"
        return [rsa, ec, opened, legacy, truncated, der, inContainer, bare]
    }

    static var otherFindings: [Finding] {
        var config = HandBuilt.settings("home/.oci/config", line: 1, keyFile: "~/.oci/oci_api_key.pem",
                                        fingerprint: HandBuilt.fingerprintA)
        config.oci?.hasPassPhrase = true
        config.oci?.securityTokenFile = "~/.oci/token"
        config.severity = .critical
        config.knownKey = KnownKeyMatch(label: nil, state: nil, user: nil, source: "known.txt")

        var terraform = HandBuilt.settings("infra/main.tf", line: 12, source: .terraform, inlineKey: true)
        terraform.oci?.region = nil
        var env = HandBuilt.settings("ci/.env", line: 2, source: .env, keyFile: "/secrets/k.pem")
        env.oci?.user = nil

        var jks = Finding(rule: "java-keystore", analyzer: .keystore, severity: .medium, path: "app/keystore.jks", line: 1,
                          column: 1, endLine: 1, preview: "(binary JCEKS keystore)")
        jks.container = ContainerFacts(kind: .jceks, privateKeys: 2, secretKeys: 1, certificates: 3, incomplete: true)
        var p12 = Finding(rule: "pkcs12-container", analyzer: .pkcs12, severity: .medium, path: "app/cert.pfx", line: 1,
                          column: 1, endLine: 1, preview: "3082…")
        p12.container = ContainerFacts(kind: .pkcs12, privateKeys: nil, incomplete: false)

        var set = Finding(rule: "oci-credential-set", analyzer: .credentialSet, severity: .critical, path: "home/.oci/config",
                          line: 1, column: 1, endLine: 1, preview: "home/.oci")
        set.oci = config.oci
        set.credentialSet = CredentialSetFacts(folder: "home/.oci", profiles: 2, keys: 1, working: true)
        set.related = [config.reference, RelatedFinding(path: "home/.oci/oci_api_key.pem", line: 1, rule: "private-key")]

        var marker = HandBuilt.marker("notes/paste.txt", line: 99)
        // Text that JSON must escape: quotes, a backslash, a newline, a tab, a control byte, and not ASCII.
        marker.message = "say \"hi\" \\ then\nnext\tline \u{1} — ünïcödé ✓"
        marker.preview = "OCI_API_KEY"
        return [config, terraform, env, jks, p12, set, marker]
    }

    @Test func everyFactRoundTrips() throws {
        for finding in FindingJSONTests.keyFindings + FindingJSONTests.otherFindings {
            #expect(try FindingJSONTests.roundTrip(finding) == finding, "\(finding.path) [\(finding.rule)]")
            #expect(try FindingJSONTests.roundTrip(finding, pretty: false) == finding, "\(finding.path) one line")
        }
    }

    @Test(arguments: KeyFormat.allCases)
    func everyKeyFormatAndEncodingRoundTrips(format: KeyFormat) throws {
        for encoding in KeyEncoding.allCases {
            for (encrypted, decrypted) in [(false, false), (true, false), (true, true)] {
                var finding = HandBuilt.key("k/\(format.rawValue)", format: format, encrypted: encrypted)
                finding.key?.encoding = encoding
                finding.key?.decrypted = decrypted
                #expect(try FindingJSONTests.roundTrip(finding) == finding, "\(format) \(encoding) \(encrypted) \(decrypted)")
            }
        }
    }

    @Test(arguments: Severity.allCases)
    func everySeverityRoundTrips(severity: Severity) throws {
        var finding = HandBuilt.marker("m.txt")
        finding.severity = severity
        #expect(try FindingJSONTests.roundTrip(finding).severity == severity)
    }

    @Test func theAnalyzerOfAnUnknownRuleIsInferredFromTheFacts() throws {
        func read(_ finding: Finding) throws -> AnalyzerKind {
            let text = JSONWriter.render(FindingJSON.value(finding))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(FindingJSON.finding(object, analyzer: { _ in nil })).analyzer
        }
        let others = FindingJSONTests.otherFindings
        #expect(try read(HandBuilt.key("k.pem")) == .pem)
        #expect(try read(others[0]) == .ociConfig)
        #expect(try read(others[3]) == .keystore)
        #expect(try read(others[4]) == .pkcs12)
        #expect(try read(others[5]) == .credentialSet)
        #expect(try read(others[6]) == .ociMarker)
    }

    @Test func linksOffsetsAndThePassPhraseAreNotWritten() throws {
        var settings = HandBuilt.settings("deploy/config", keyFile: "k.pem", passPhrase: "hunter2-not-written")
        settings.links.keys = [RelatedFinding(path: "deploy/k.pem", line: 1, rule: "private-key")]
        settings.related = settings.links.keys
        settings.startOffset = 10
        settings.endOffset = 90
        settings.inlineAllowed = true
        let text = JSONWriter.render(FindingJSON.value(settings))
        #expect(!text.contains("hunter2"))
        #expect(text.contains("\"pass_phrase\": true"))
        let back = try FindingJSONTests.roundTrip(settings)
        #expect(back.oci?.passPhrase == nil && back.oci?.hasPassPhrase == true)
        #expect(back.links == LinkFacts() && back.related == settings.related)
        #expect(back.startOffset == 0 && back.endOffset == 0 && !back.inlineAllowed)
    }

    @Test func aFindingWithoutItsRequiredFieldsIsNotRead() throws {
        let text = JSONWriter.render(FindingJSON.value(HandBuilt.marker("m.txt")))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for field in ["rule", "severity", "path", "line"] {
            var broken = object
            broken.removeValue(forKey: field)
            #expect(FindingJSON.finding(broken, analyzer: { FindingJSONTests.analyzers[$0] }) == nil, "without \(field)")
        }
        var badSeverity = object
        badSeverity["severity"] = "urgent"
        #expect(FindingJSON.finding(badSeverity, analyzer: { FindingJSONTests.analyzers[$0] }) == nil)
    }
}
