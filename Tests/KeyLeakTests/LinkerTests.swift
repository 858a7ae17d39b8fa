import Foundation
import Testing
import TestSupport
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis

/// Credential linking over hand-built findings: which settings own which key
/// (by a relative or `~/` key file, a claimed fingerprint, an inline key),
/// the facts it records (mismatched fingerprint, missing key file), `related`
/// lists, one credential set per copied `.oci` folder, known keys, and that
/// linking again changes nothing.
@Suite struct LinkerTests {
    static let setRule = try! RuleSet().derivedRules[.credentialSet]

    static func link(_ findings: [Finding], known: KnownKeys = .none, sets: Bool = false) -> [Finding] {
        var findings = findings
        CredentialLinker.link(&findings, knownKeys: known, credentialSetRule: sets ? setRule : nil)
        return findings
    }

    static func find(_ findings: [Finding], _ path: String, rule: String? = nil) throws -> Finding {
        try #require(findings.first { $0.path == path && (rule == nil || $0.rule == rule) && $0.analyzer != .credentialSet },
                     "no finding at \(path)")
    }

    @Test func relativeKeyFileIsResolvedFromTheConfigsFolder() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("deploy/conf/config", keyFile: "../keys/api.pem"),
            HandBuilt.key("deploy/keys/api.pem", line: 3),
            HandBuilt.key("other/keys/api.pem", fingerprint: HandBuilt.fingerprintB),
            HandBuilt.key("deploy/conf/api.pem", fingerprint: HandBuilt.fingerprintC),
        ])
        let config = try LinkerTests.find(findings, "deploy/conf/config")
        let key = try LinkerTests.find(findings, "deploy/keys/api.pem")
        #expect(config.links.keys == [key.reference])
        #expect(key.links.owners.map(\.reference) == [config.reference] && key.links.owners.map(\.name) == ["OCI profile [DEFAULT]"])
        #expect(key.links.owners.first?.user == config.oci?.user && key.links.owners.first?.tenancy == config.oci?.tenancy,
                "linking carries the settings' user and tenancy to the key (for the revoke command and --verify)")
        #expect(config.related == [key.reference] && key.related == [config.reference])
        #expect(!config.links.keyFileMissing && config.links.mismatchedFingerprint == nil)
        // Same file name elsewhere: not this config's key.
        #expect(try LinkerTests.find(findings, "other/keys/api.pem").links.owners.isEmpty)
        #expect(try LinkerTests.find(findings, "deploy/conf/api.pem").links.owners.isEmpty)
    }

    @Test func keyFileInTheSameFolderAndAtTheRoot() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("config", keyFile: "./oci_api_key.pem"),
            HandBuilt.key("oci_api_key.pem"),
        ])
        #expect(try LinkerTests.find(findings, "config").links.keys == [RelatedFinding(path: "oci_api_key.pem", line: 1, rule: "private-key")])
    }

    @Test func homeKeyFileMatchesByNamePreferringTheClaimedFingerprint() throws {
        let keys = [HandBuilt.key("a/oci_api_key.pem", fingerprint: HandBuilt.fingerprintA),
                    HandBuilt.key("b/oci_api_key.pem", fingerprint: HandBuilt.fingerprintB)]
        // With the fingerprint of b's key: b, though a sorts first.
        let claimed = LinkerTests.link([HandBuilt.settings("ci/config", keyFile: "~/.oci/oci_api_key.pem",
                                                           fingerprint: HandBuilt.fingerprintB)] + keys)
        #expect(try LinkerTests.find(claimed, "ci/config").links.keys.map(\.path) == ["b/oci_api_key.pem"])
        #expect(try LinkerTests.find(claimed, "a/oci_api_key.pem").links.owners.isEmpty)
        // Without a fingerprint: exactly one key by that name, the first by path.
        let unclaimed = LinkerTests.link([HandBuilt.settings("ci/config", keyFile: "~/.oci/oci_api_key.pem")] + keys)
        #expect(try LinkerTests.find(unclaimed, "ci/config").links.keys.map(\.path) == ["a/oci_api_key.pem"])
        // An absolute path is matched by name the same way.
        let absolute = LinkerTests.link([HandBuilt.settings("ci/config", keyFile: "/home/ci/.oci/oci_api_key.pem",
                                                            fingerprint: HandBuilt.fingerprintA)] + keys)
        #expect(try LinkerTests.find(absolute, "ci/config").links.keys.map(\.path) == ["a/oci_api_key.pem"])
    }

    @Test func windowsKeyFileMatchesByName() throws {
        // A key file with backslashes is matched by its file name, split on `\\` too
        // (`NSString.lastPathComponent` splits on `/` only on Linux: it never matched).
        let findings = LinkerTests.link([
            HandBuilt.settings("win/config", keyFile: #"C:\Users\dev\.oci\oci_api_key.pem"#),
            HandBuilt.key("backup/oci_api_key.pem"),
        ])
        let config = try LinkerTests.find(findings, "win/config")
        #expect(config.links.keys.map(\.path) == ["backup/oci_api_key.pem"])
        #expect(!config.links.keyFileMissing)
    }

    @Test func claimedFingerprintLinksAKeyAnywhere() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("env/.env", source: .env, fingerprint: HandBuilt.fingerprintC),
            HandBuilt.key("secrets/renamed.txt", line: 9, fingerprint: HandBuilt.fingerprintC),
            HandBuilt.key("secrets/other.pem", fingerprint: HandBuilt.fingerprintA),
        ])
        let settings = try LinkerTests.find(findings, "env/.env")
        #expect(settings.links.keys == [RelatedFinding(path: "secrets/renamed.txt", line: 9, rule: "private-key")])
        #expect(try LinkerTests.find(findings, "secrets/renamed.txt").links.owners.map(\.name) == ["OCI_CLI_* variables"])
        #expect(settings.links.mismatchedFingerprint == nil && !settings.links.keyFileMissing)
    }

    @Test func aKeyWithAnotherFingerprintIsLinkedAndTheMismatchRecorded() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("app/config", profile: "ADMIN", keyFile: "admin.pem", fingerprint: HandBuilt.fingerprintB),
            HandBuilt.key("app/admin.pem", fingerprint: HandBuilt.fingerprintA),
        ])
        let config = try LinkerTests.find(findings, "app/config")
        #expect(config.links.keys.map(\.path) == ["app/admin.pem"])
        #expect(config.links.mismatchedFingerprint == HandBuilt.fingerprintA)
        #expect(try LinkerTests.find(findings, "app/admin.pem").links.owners.map(\.name) == ["OCI profile [ADMIN]"])
    }

    @Test func keyFileNotInTheScanIsMissing() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("config", keyFile: "~/.oci/missing.pem"),
            HandBuilt.key("present.pem"),
            HandBuilt.settings("tf/main.tf", source: .terraform),
        ])
        let config = try LinkerTests.find(findings, "config")
        #expect(config.links.keyFileMissing)
        #expect(config.links.keys.isEmpty && config.related.isEmpty)
        #expect(try LinkerTests.find(findings, "present.pem").links.owners.isEmpty)
        // Settings that name no key file are not missing one.
        #expect(try !LinkerTests.find(findings, "tf/main.tf").links.keyFileMissing)
    }

    @Test func inlineKeyBelongsToTheSettingsInItsFile() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("infra/main.tf", line: 2, source: .terraform, inlineKey: true),
            HandBuilt.key("infra/main.tf", line: 12, fingerprint: HandBuilt.fingerprintB),
            HandBuilt.key("infra/other.tf", line: 12, fingerprint: HandBuilt.fingerprintC),
        ])
        let settings = try LinkerTests.find(findings, "infra/main.tf", rule: "oci-config")
        #expect(settings.links.keys == [RelatedFinding(path: "infra/main.tf", line: 12, rule: "private-key")])
        #expect(try LinkerTests.find(findings, "infra/main.tf", rule: "private-key").links.owners.map(\.name)
                == ["OCI Terraform provider settings"])
        #expect(try LinkerTests.find(findings, "infra/other.tf").links.owners.isEmpty)
    }

    @Test func relatedListsAreSortedAndFindingsInReportOrder() throws {
        // Three settings in different files name one key; given out of order.
        let findings = LinkerTests.link([
            HandBuilt.settings("z/config", keyFile: "~/.oci/shared.pem"),
            HandBuilt.key("keys/shared.pem", line: 4),
            HandBuilt.settings("a/config", line: 7, keyFile: "~/.oci/shared.pem"),
            HandBuilt.settings("a/config", line: 1, profile: "OTHER", fingerprint: HandBuilt.fingerprintA),
        ])
        let key = try LinkerTests.find(findings, "keys/shared.pem")
        let expected = [RelatedFinding(path: "a/config", line: 1, rule: "oci-config"),
                        RelatedFinding(path: "a/config", line: 7, rule: "oci-config"),
                        RelatedFinding(path: "z/config", line: 1, rule: "oci-config")]
        #expect(key.related == expected)
        #expect(Set(key.links.owners.map(\.reference)) == Set(expected))
        #expect(findings.map(\.reference) == findings.map(\.reference).sorted(by: { a, b in
            (a.path, a.line) < (b.path, b.line)
        }))
    }

    @Test func aCopiedOCIFolderWithConfigAndKeyIsOneWorkingCredentialSet() throws {
        let rule = try #require(LinkerTests.setRule)
        let findings = LinkerTests.link([
            HandBuilt.settings("backup/.oci/config", keyFile: "~/.oci/oci_api_key.pem", fingerprint: HandBuilt.fingerprintA),
            HandBuilt.key("backup/.oci/oci_api_key.pem"),
            HandBuilt.key("elsewhere/unrelated.pem", fingerprint: HandBuilt.fingerprintB),
        ], sets: true)
        let sets = findings.filter { $0.analyzer == .credentialSet }
        try #require(sets.count == 1)
        let set = sets[0]
        #expect(set.rule == rule.id)
        #expect(set.path == "backup/.oci/config" && set.line == 1)
        #expect(set.credentialSet == CredentialSetFacts(folder: "backup/.oci", profiles: 1, keys: 1, working: true))
        #expect(set.related == [RelatedFinding(path: "backup/.oci/config", line: 1, rule: "oci-config"),
                                RelatedFinding(path: "backup/.oci/oci_api_key.pem", line: 1, rule: "private-key")])
        #expect(set.oci?.user == "ocid1.user.oc1..aaaatestuser")
    }

    @Test func profilesWithoutTheirKeyArePresentButNotWorking() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("home/.oci/config", line: 1, keyFile: "~/.oci/oci_api_key.pem"),
            HandBuilt.settings("home/.oci/config", line: 8, profile: "ADMIN", keyFile: "~/.oci/admin.pem"),
        ], sets: true)
        let sets = findings.filter { $0.analyzer == .credentialSet }
        try #require(sets.count == 1)
        #expect(sets[0].credentialSet == CredentialSetFacts(folder: "home/.oci", profiles: 2, keys: 0, working: false))
    }

    @Test func aKeyInTheFolderThatNoProfileNamesIsNotWorking() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("x/.oci/config", keyFile: "~/.oci/gone.pem"),
            HandBuilt.key("x/.oci/other.pem"),
        ], sets: true)
        let sets = findings.filter { $0.analyzer == .credentialSet }
        try #require(sets.count == 1)
        #expect(sets[0].credentialSet == CredentialSetFacts(folder: "x/.oci", profiles: 1, keys: 1, working: false))
    }

    @Test func credentialSetsInArchivesAndNotInLookalikeFolders() throws {
        let findings = LinkerTests.link([
            HandBuilt.settings("backup.zip!.oci/config", keyFile: "~/.oci/oci_api_key.pem"),
            HandBuilt.key("backup.zip!.oci/oci_api_key.pem"),
            HandBuilt.settings("my.oci/config", keyFile: "key.pem"),
            HandBuilt.key("my.oci/key.pem", fingerprint: HandBuilt.fingerprintB),
        ], sets: true)
        let folders = findings.compactMap(\.credentialSet).map(\.folder)
        #expect(folders == ["backup.zip!.oci"])
    }

    @Test func noCredentialSetWhenTheRuleIsDisabled() throws {
        let input = [HandBuilt.settings("backup/.oci/config", keyFile: "~/.oci/oci_api_key.pem"),
                     HandBuilt.key("backup/.oci/oci_api_key.pem")]
        let findings = LinkerTests.link(input, sets: false)
        #expect(!findings.contains { $0.analyzer == .credentialSet || $0.credentialSet != nil })
        #expect(findings.count == 2)
        // Linking without the rule also drops sets an earlier linking made.
        var again = LinkerTests.link(input, sets: true)
        #expect(again.count == 3)
        CredentialLinker.link(&again, knownKeys: .none, credentialSetRule: nil)
        #expect(again.count == 2)
    }

    @Test func linkingTwiceGivesTheSameResult() throws {
        let dir = try TemporaryDirectory()
        let known = try KnownKeys(files: [try dir.write("known.txt", "\(HandBuilt.fingerprintA) prod-key\n")])
        let input = [
            HandBuilt.key("backup/.oci/oci_api_key.pem"),
            HandBuilt.settings("backup/.oci/config", keyFile: "~/.oci/oci_api_key.pem", fingerprint: HandBuilt.fingerprintB),
            HandBuilt.settings("tf/main.tf", source: .terraform, inlineKey: true),
            HandBuilt.key("tf/main.tf", line: 20, fingerprint: HandBuilt.fingerprintC),
            HandBuilt.settings("lost/config", keyFile: "~/.oci/nowhere.pem"),
            HandBuilt.marker("notes.txt"),
        ]
        var once = input
        CredentialLinker.link(&once, knownKeys: known, credentialSetRule: LinkerTests.setRule)
        var twice = once
        CredentialLinker.link(&twice, knownKeys: known, credentialSetRule: LinkerTests.setRule)
        #expect(twice == once)
        #expect(once.filter { $0.analyzer == .credentialSet }.count == 1)
        // And the input order does not matter.
        var reversed = Array(input.reversed())
        CredentialLinker.link(&reversed, knownKeys: known, credentialSetRule: LinkerTests.setRule)
        #expect(reversed == once)
    }

    @Test func knownKeysAreMatchedByFingerprint() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("known.txt", "# registered keys\n\(HandBuilt.fingerprintA.uppercased()) prod-key\n")
        let known = try KnownKeys(files: [file])
        var findings = [
            HandBuilt.key("a.pem", fingerprint: HandBuilt.fingerprintA),
            HandBuilt.key("b.pem", fingerprint: HandBuilt.fingerprintB),
            HandBuilt.key("c.pem", fingerprint: nil, encrypted: true),
            HandBuilt.settings("config", fingerprint: HandBuilt.fingerprintA),
        ]
        CredentialLinker.link(&findings, knownKeys: known, credentialSetRule: nil)
        let match = KnownKeyMatch(label: "prod-key", state: nil, user: nil, source: file)
        #expect(try LinkerTests.find(findings, "a.pem").knownKey == match)
        #expect(try LinkerTests.find(findings, "config").knownKey == match)
        #expect(try LinkerTests.find(findings, "b.pem").knownKey == nil)
        #expect(try LinkerTests.find(findings, "c.pem").knownKey == nil)
        // Linking again with no known keys keeps the matches recorded (a merge has no --known-keys).
        CredentialLinker.link(&findings, knownKeys: .none, credentialSetRule: nil)
        #expect(try LinkerTests.find(findings, "a.pem").knownKey == match)
    }
}
