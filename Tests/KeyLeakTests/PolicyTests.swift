import Testing
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The policy's severity for each combination of facts DESIGN.md's
/// "Severity" names, with the embedded rules' base severities, and its
/// messages, which state the facts and never a pass phrase.
@Suite struct PolicyTests {
    static let policy = Policy(rules: try! RuleSet().rules)

    /// One combination of facts and the severity it calls for.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var finding: Finding
        var expected: Severity
        var testDescription: String { name }
    }

    static var linkedKey: Finding {
        var key = HandBuilt.key("deploy/oci_api_key.pem")
        key.links.owners = [LinkedSettings(reference: RelatedFinding(path: "deploy/config", line: 1, rule: "oci-config"),
                                           name: "OCI profile [DEFAULT]")]
        return key
    }

    static func known(_ finding: Finding, state: String?) -> Finding {
        var finding = finding
        finding.knownKey = KnownKeyMatch(label: "prod", state: state, user: "ocid1.user.oc1..aaaatestuser", source: "keys.json")
        return finding
    }

    static func credentialSet(working: Bool, keys: Int? = nil) -> Finding {
        var set = Finding(rule: "oci-credential-set", analyzer: .credentialSet, severity: .high, path: "b/.oci/config",
                          line: 1, column: 1, endLine: 1, preview: "b/.oci")
        set.oci = HandBuilt.settings("b/.oci/config").oci
        set.credentialSet = CredentialSetFacts(folder: "b/.oci", profiles: 1, keys: keys ?? (working ? 1 : 0), working: working)
        return set
    }

    static var linkedSettings: Finding {
        var settings = HandBuilt.settings("deploy/config", keyFile: "oci_api_key.pem")
        settings.links.keys = [RelatedFinding(path: "deploy/oci_api_key.pem", line: 1, rule: "private-key")]
        return settings
    }

    static var decryptedKey: Finding {
        var key = HandBuilt.key("k.pem", encrypted: true)
        key.key?.decrypted = true
        return key
    }

    static let cases: [Case] = [
        Case(name: "parsed unencrypted key", finding: HandBuilt.key("id_rsa"), expected: .high),
        Case(name: "parsed key with the OCI marker", finding: HandBuilt.key("k.pem", marker: true), expected: .critical),
        Case(name: "encrypted key", finding: HandBuilt.key("k.pem", fingerprint: nil, encrypted: true), expected: .medium),
        Case(name: "encrypted key with the OCI marker", finding: HandBuilt.key("k.pem", fingerprint: nil, encrypted: true, marker: true),
             expected: .high),
        Case(name: "encrypted key opened by a clear pass phrase", finding: decryptedKey, expected: .high),
        Case(name: "truncated key", finding: HandBuilt.key("k.pem", fingerprint: nil, truncated: true), expected: .medium),
        Case(name: "truncated key with the OCI marker", finding: HandBuilt.key("k.pem", fingerprint: nil, truncated: true, marker: true),
             expected: .medium),
        Case(name: "key linked to OCI settings", finding: linkedKey, expected: .critical),
        Case(name: "encrypted key linked to OCI settings",
             finding: { var f = linkedKey; f.key?.encrypted = true; f.key?.identity = nil; return f }(), expected: .critical),
        Case(name: "known ACTIVE key", finding: known(HandBuilt.key("k.pem"), state: "ACTIVE"), expected: .critical),
        Case(name: "known key, state not given", finding: known(HandBuilt.key("k.pem"), state: nil), expected: .critical),
        Case(name: "known key already rotated", finding: known(HandBuilt.key("k.pem"), state: "INACTIVE"), expected: .high),
        Case(name: "settings (identity, no secret)", finding: HandBuilt.settings("config", fingerprint: HandBuilt.fingerprintA),
             expected: .low),
        Case(name: "settings with a clear pass phrase", finding: HandBuilt.settings("config", passPhrase: "hunter2-not-real"),
             expected: .high),
        Case(name: "settings linked to their key", finding: linkedSettings, expected: .critical),
        Case(name: "lone OCI_API_KEY marker", finding: HandBuilt.marker("notes.txt"), expected: .medium),
        Case(name: "working credential set", finding: credentialSet(working: true), expected: .critical),
        Case(name: "credential set with a key that is not a login", finding: credentialSet(working: false, keys: 1), expected: .high),
        Case(name: "credential set without a key", finding: credentialSet(working: false), expected: .low),
    ]

    @Test(arguments: PolicyTests.cases)
    func severity(of c: Case) {
        #expect(PolicyTests.policy.severity(c.finding) == c.expected)
        // `apply` sets what `severity` says, whatever severity the finding came with.
        var findings = [c.finding]
        findings[0].severity = c.expected == .low ? .critical : .low
        PolicyTests.policy.apply(&findings)
        #expect(findings[0].severity == c.expected)
        #expect(!findings[0].message.isEmpty)
    }

    @Test func aRuleUnknownToThePolicyKeepsItsOwnSeverityAsTheBase() {
        var custom = Finding(rule: "custom-rule", analyzer: .der, severity: .low, path: "x", preview: "x")
        custom.message = "a custom thing"
        #expect(PolicyTests.policy.severity(custom) == .low)
        #expect(PolicyTests.policy.message(custom) == "a custom thing")
    }

    @Test func messagesStateTheFacts() {
        let policy = PolicyTests.policy
        #expect(policy.message(HandBuilt.key("k.pem", marker: true))
                == "RSA 2048 private key (pkcs1), marked as an OCI API key (OCI_API_KEY line)")
        #expect(policy.message(HandBuilt.key("k.pem", fingerprint: nil, encrypted: true)) == "encrypted RSA private key (pkcs1)")
        #expect(policy.message(PolicyTests.linkedKey).hasSuffix(", the key of OCI profile [DEFAULT] in deploy/config:1"))
        #expect(policy.message(PolicyTests.credentialSet(working: true))
                == "OCI credential set in b/.oci: 1 profile, 1 key — a working OCI login for user ocid1.user.oc1..aaaatestuser in tenancy ocid1.tenancy.oc1..aaaatesttenancy")
        var mismatch = PolicyTests.linkedSettings
        mismatch.oci?.fingerprint = HandBuilt.fingerprintB
        mismatch.links.mismatchedFingerprint = HandBuilt.fingerprintA
        #expect(policy.message(mismatch).contains("but its fingerprint \(HandBuilt.fingerprintA) does not match the profile's \(HandBuilt.fingerprintB)"))
        var missing = HandBuilt.settings("config", keyFile: "~/.oci/gone.pem")
        missing.links.keyFileMissing = true
        #expect(policy.message(missing).hasSuffix("(key file ~/.oci/gone.pem is not in the scan)"))
        #expect(policy.message(HandBuilt.marker("n.txt")).hasPrefix("OCI_API_KEY marker line"))
    }

    @Test func messagesNeverContainAPassPhrase() {
        let secret = "hunter2-pass-phrase-value"
        var opened = PolicyTests.decryptedKey
        let settings = HandBuilt.settings("deploy/config", keyFile: "k.pem", passPhrase: secret)
        opened.links.openedBy = LinkedSettings(reference: settings.reference, name: "OCI profile [DEFAULT]")
        opened.links.owners = [opened.links.openedBy!]
        var linkedSettings = settings
        linkedSettings.links.keys = [opened.reference]
        var set = PolicyTests.credentialSet(working: true)
        set.oci = settings.oci
        let terraform = HandBuilt.settings("main.tf", source: .terraform, passPhrase: secret)
        let env = HandBuilt.settings(".env", source: .env, keyFile: "/k.pem", passPhrase: secret)
        var all = [opened, settings, linkedSettings, set, terraform, env]
        PolicyTests.policy.apply(&all)
        for finding in all {
            #expect(!finding.message.contains(secret), "\(finding.path): \(finding.message)")
            #expect(!finding.message.contains("hunter2"))
        }
        // It says a pass phrase is there, without it.
        #expect(all[1].message.contains("PASS PHRASE IN CLEAR"))
        #expect(all[0].message.contains("opened with the pass phrase of OCI profile [DEFAULT] in deploy/config"))
    }
}
