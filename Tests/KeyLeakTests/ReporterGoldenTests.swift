import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The four reporters pinned byte for byte by golden files in
/// `Tests/Fixtures/golden/`, over one fixed report of hand-made findings
/// (made-up fingerprints, short previews, duration 0). To accept a change in
/// the output, run the suite with `KEYLEAK_UPDATE_GOLDEN=1`: it rewrites the
/// files and records an issue (so a rewrite never passes silently), then
/// review the diff and run again without it.
///
/// keyleak's own repository must scan clean, golden files included
/// (`theGoldenFileHoldsNothingTheScannerReports`).
@Suite struct ReporterGoldenTests {
    /// The summary's sizes read as C's printf `%.1f` prints them (the oracle),
    /// ties included, though they are no longer made with String(format:).
    @Test func sizesReadAsPrintfPrintsThem() {
        var sizes = [0, 1, 1023, 1024, 1075, 1076, 1126, 1127, 1536, 10_240 + 51, 1_048_575, 1_048_576, 5 << 30, 3 << 40, 2_000 << 40]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            sizes.append(Int(state >> (20 + state % 24)))
        }
        // Exact ties of one decimal: n / 1024 = k + 0.05 * odd is never exact, but k + 0.25 is.
        sizes += (1...64).map { 1024 * $0 + 256 }
        for n in sizes {
            let expected: String
            if n < 1024 {
                expected = "\(n) B"
            } else {
                var value = Double(n) / 1024
                var unit = 0
                while value >= 1024, unit < 3 { value /= 1024; unit += 1 }
                expected = String(format: "%.1f %@", value, ["KiB", "MiB", "GiB", "TiB"][unit])
            }
            #expect(TextReporter.bytes(n) == expected, "\(n)")
        }
    }

    static let rules = try! RuleSet().rules
    static let goldenDirectory = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/golden")
    static let updating = ProcessInfo.processInfo.environment["KEYLEAK_UPDATE_GOLDEN"] == "1"

    /// Made-up OCIDs in the `<unique_id>` placeholder form the OCI documentation uses.
    static let user = "ocid1.user.oc1..<unique_id>"
    static let tenancy = "ocid1.tenancy.oc1..<unique_id>"

    /// One finding of each shape the reporters print differently; `settings`
    /// false leaves out the three that carry an OCI identity.
    static func report(settings: Bool = true) -> ScanReport {
        let configRef = RelatedFinding(path: "deploy/.oci/config", line: 1, rule: "oci-config")
        let keyRef = RelatedFinding(path: "deploy/.oci/oci_api_key.pem", line: 1, rule: "private-key")

        var identity = OCIIdentity(source: .config, profile: "DEFAULT")
        identity.user = user
        identity.tenancy = tenancy
        identity.region = "us-ashburn-1"
        identity.fingerprint = HandBuilt.fingerprintA
        identity.keyFile = "~/.oci/oci_api_key.pem"

        var config = Finding(rule: "oci-config", analyzer: .ociConfig, severity: .critical, path: configRef.path, line: 1,
                             column: 1, endLine: 6, preview: "[DEFAULT]")
        config.oci = identity
        config.related = [keyRef]
        config.message = "OCI config profile [DEFAULT]: region us-ashburn-1, fingerprint \(HandBuilt.fingerprintA), its key is in the scan at \(keyRef.path):1"
        config.secretHash = String(repeating: "1f", count: 32)

        var set = Finding(rule: "oci-credential-set", analyzer: .credentialSet, severity: .critical, path: configRef.path,
                          line: 1, column: 1, endLine: 1, preview: "deploy/.oci")
        set.oci = identity
        set.credentialSet = CredentialSetFacts(folder: "deploy/.oci", profiles: 1, keys: 1, working: true)
        set.related = [configRef, keyRef]
        set.message = "OCI credential set in deploy/.oci: 1 profile, 1 key — a working OCI login"
        set.secretHash = config.secretHash

        var key = HandBuilt.key(keyRef.path, marker: true)
        key.severity = .critical
        key.endLine = 28
        key.related = [configRef]
        key.knownKey = KnownKeyMatch(label: "deploy key", state: "ACTIVE", user: nil, source: "known-keys.txt")
        key.message = "RSA 2048 private key (pkcs1), marked as an OCI API key (OCI_API_KEY line), the key of OCI profile [DEFAULT] in deploy/.oci/config:1, a registered OCI API key ('deploy key', ACTIVE)"
        key.secretHash = String(repeating: "2e", count: 32)
        // The revoke / rotate / purge steps, as the policy writes them for OCI findings.
        config.remediation = Policy(rules: []).remediation(config)
        key.remediation = Policy(rules: []).remediation(key)
        key.verification = VerificationFacts(state: .live, httpStatus: 200, endpoint: "https://identity.us-ashburn-1.oci.oraclecloud.com",
                                             checkedAt: "2026-11-26T03:40:00Z", user: user, fingerprint: HandBuilt.fingerprintA)

        var old = HandBuilt.key("src/test data/id_ec.pem", line: 5, fingerprint: nil, format: .sec1)
        old.key?.identity = Fingerprint(oci: HandBuilt.fingerprintB, sha256: "SHA256:made-up-ec", algorithm: "EC", bits: 256,
                                        curve: "prime256v1")
        old.key?.declaredAlgorithm = nil
        old.key?.encoding = .base64PEM
        old.rule = "base64-pem-private-key"
        old.analyzer = .base64PEM
        old.column = 9
        old.endLine = 5
        old.commit = "0123456789abcdef0123456789abcdef01234567"
        old.author = "Dev Eloper"
        old.date = "2024-05-01T12:00:00Z"
        old.blob = "89abcdef0123456789abcdef0123456789abcdef"
        // Renamed since it was committed, and copied on another branch (a path with a backslash).
        old.paths = [RefPath(path: "src/id_ec.pem", ref: "refs/heads/main"), RefPath(path: "win\\id_ec.pem", ref: "refs/heads/side")]
        old.message = "EC P-256 private key (sec1), base64-encoded PEM"
        old.preview = "LS0tLS1CRUdJTiBF…"
        old.secretHash = String(repeating: "3d", count: 32)

        var encrypted = HandBuilt.key("vault/enc.pem", line: 2, fingerprint: nil, format: .pkcs8, encrypted: true)
        encrypted.severity = .medium
        encrypted.endLine = 30
        encrypted.key?.declaredAlgorithm = nil
        encrypted.message = "encrypted private key (pkcs8)"
        encrypted.preview = "-----BEGIN ENCRYPTED PRIVATE KEY-----MIIF…"
        encrypted.secretHash = String(repeating: "4c", count: 32)

        var keystore = Finding(rule: "java-keystore", analyzer: .keystore, severity: .medium, path: "app/keystore.jks",
                               line: 1, column: 1, endLine: 1, preview: "(binary JKS keystore)")
        keystore.container = ContainerFacts(kind: .jks, privateKeys: 1, certificates: 2, incomplete: false)
        keystore.message = "Java keystore (JKS): 1 private key entry, 2 certificates"
        keystore.secretHash = String(repeating: "5b", count: 32)

        // NOTE: the analyzer's preview of a marker line with trailing blanks (cut at 16
        // characters). A bare `OCI_API_KEY` preview sits alone on its line in the text
        // report, where the marker rule would find it again.
        var marker = HandBuilt.marker("notes/paste \"quoted\".txt", line: 12)
        marker.preview = "OCI_PRIVATE_KEY …"
        marker.severity = .medium
        marker.message = "OCI_API_KEY marker line with no private key before it (part of a pasted OCI API key?)"

        var providerSettings = Finding(rule: "oci-config", analyzer: .ociConfig, severity: .low, path: "infra/main.tf", line: 3,
                                       column: 1, endLine: 7, preview: "region = us-phoenix-1")
        var terraform = OCIIdentity(source: .terraform)
        terraform.region = "us-phoenix-1"
        terraform.fingerprint = HandBuilt.fingerprintC
        providerSettings.oci = terraform
        providerSettings.message = "OCI Terraform provider settings: region us-phoenix-1, fingerprint \(HandBuilt.fingerprintC)"

        var summary = ScanSummary()
        summary.files = 12
        summary.bytes = 34_567
        summary.skipped = [SkippedInput(path: "locked/secrets.txt", reason: "permission denied")]
        summary.suppressed = 1
        summary.baselined = 2
        summary.durationMs = 0
        let findings = [key, config, set, old, encrypted, keystore, marker, providerSettings].filter { settings || $0.oci == nil }
        return ScanReport(findings: findings.sorted(by: Finding.reportOrder), summary: summary)
    }

    /// The report each golden file pins (see the suite's note on JSON and SARIF).
    static func fixture(_ name: String) -> ScanReport {
        report()
    }

    static func render(_ name: String, _ report: ScanReport? = nil) -> String {
        let report = report ?? fixture(name)
        switch name {
        case "report.txt": return TextReporter(color: false).render(report)
        case "report.json": return JSONReporter.render(report)
        case "report.jsonl": return JSONLReporter.render(report)
        case "report.sarif": return SARIFReporter.render(report, rules: rules)
        default: fatalError("no reporter for \(name)")
        }
    }

    static let names = ["report.txt", "report.json", "report.jsonl", "report.sarif"]

    /// The first line where two texts differ, for a readable failure.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let left = a.split(separator: "\n", omittingEmptySubsequences: false)
        let right = b.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(left.count, right.count) {
            let l = i < left.count ? String(left[i]) : "<end>"
            let r = i < right.count ? String(right[i]) : "<end>"
            if l != r { return "line \(i + 1):\n  actual: \(l)\n  golden: \(r)" }
        }
        return "no line differs"
    }

    @Test(arguments: ReporterGoldenTests.names)
    func matchesTheGoldenFile(name: String) throws {
        let actual = ReporterGoldenTests.render(name)
        let file = ReporterGoldenTests.goldenDirectory.appendingPathComponent(name)
        if ReporterGoldenTests.updating {
            try FileManager.default.createDirectory(at: ReporterGoldenTests.goldenDirectory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            Issue.record("rewrote \(name) (KEYLEAK_UPDATE_GOLDEN=1): review the diff, then run again without it")
            return
        }
        let golden = try Data(contentsOf: file)
        #expect(Data(actual.utf8) == golden,
                "\(name) differs from its golden file: \(ReporterGoldenTests.firstDifference(actual, String(decoding: golden, as: UTF8.self)))")
    }

    @Test func theGoldenSARIFValidatesAgainstTheOfficialSchema() throws {
        // The official SARIF 2.1.0 schema, as the end-to-end tests use it.
        let schema = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/sarif-schema-2.1.0.json").path
        let golden = ReporterGoldenTests.goldenDirectory.appendingPathComponent("report.sarif").path
        try #require(FileManager.default.fileExists(atPath: schema) && FileManager.default.fileExists(atPath: golden))
        let check = try Shell.run("python3", ["-c", """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); report = json.load(open(sys.argv[2]))
        jsonschema.validate(report, schema)
        run = report["runs"][0]
        rules = run["tool"]["driver"]["rules"]
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"], result["ruleId"]
        print("valid", len(run["results"]))
        """, schema, golden])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.text == "valid \(ReporterGoldenTests.fixture("report.sarif").findings.count)\n")
    }

    @Test func everyFormatHoldsEveryFinding() throws {
        let report = ReporterGoldenTests.report()
        #expect(report.findings.count == 8 && ReporterGoldenTests.report(settings: false).findings.count == 5)
        #expect(ReporterGoldenTests.render("report.jsonl").split(separator: "\n").count == report.findings.count)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReporterGoldenTests.render("report.json", report).utf8)) as? [String: Any])
        #expect((json["findings"] as? [Any])?.count == report.findings.count)
        let text = ReporterGoldenTests.render("report.txt")
        for finding in report.findings {
            #expect(text.contains("\(finding.path):\(finding.line):\(finding.column) \(finding.severity.rawValue) [\(finding.rule)]"))
        }
        #expect(text.hasSuffix("8 findings (3 critical, 1 high, 3 medium, 1 low) in 12 files, 33.8 KiB, 0 ms; 1 suppressed inline; 2 in the baseline; 1 skipped\n  skipped locked/secrets.txt: permission denied\n"))
    }

    /// What the scanner reports in `text`, allow comments not obeyed.
    static func scan(_ text: [UInt8], path: String) throws -> [String] {
        var options = ScanOptions()
        options.suppression.inline = false
        return KeyLeak.Scanner(ruleSet: try RuleSet()).scan(bytes: text, path: path, options: options).findings
            .map { "\($0.path):\($0.line) \($0.severity.rawValue) [\($0.rule)] \($0.message)" }
    }

    /// keyleak's own repository must scan clean: the golden files hold
    /// previews and fingerprints, nothing that analyses as a key or settings.
    @Test(arguments: ReporterGoldenTests.names)
    func theGoldenFileHoldsNothingTheScannerReports(name: String) throws {
        let file = ReporterGoldenTests.goldenDirectory.appendingPathComponent(name)
        let found = try ReporterGoldenTests.scan(try [UInt8](Data(contentsOf: file)), path: name)
        #expect(found.isEmpty, "\(found)")
    }

    /// The JSON literals `null` and `false` are no values: the `oci` object of
    /// a keyleak JSON or SARIF report (`"key_file": null`, `"pass_phrase": false`)
    /// is no OCI profile with a key file "null" and a clear pass phrase
    /// (it was, a high finding in keyleak's own reports).
    @Test func jsonReportsOfOCISettingsAreNotFindings() throws {
        let minimal = "{\n  \"user\": \"ocid1.user.oc1..<unique_id>\",\n  \"key_file\": null,\n  \"pass_phrase\": false\n}\n"
        let full = ReporterGoldenTests.report()
        for (name, text) in [("minimal.json", minimal), ("report.json", ReporterGoldenTests.render("report.json", full)),
                             ("report.sarif", ReporterGoldenTests.render("report.sarif", full))] {
            let found = try ReporterGoldenTests.scan(Array(text.utf8), path: name)
            #expect(found.isEmpty, "\(name): \(found)")
        }
    }
}
