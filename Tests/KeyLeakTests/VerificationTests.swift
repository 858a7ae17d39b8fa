import Foundation
import Testing
import TestSupport
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport
@testable import KeyLeakVerify

/// `scan --verify`, the parts that need no server: the signature is the OCI
/// SDK's, byte for byte (the SDK, pinned by scripts/oci-sdk.sh, is the
/// oracle); what is asked of whom (targets from linking); how the answer is
/// judged, worded, written and merged.
@Suite struct VerificationTests {
    /// One request to sign, with the key that signs it.
    struct Case: Codable {
        var key_file: String
        var tenancy: String
        var user: String
        var fingerprint: String
        var url: String
        var date: String
        var timestamp: Int
    }

    /// What the SDK made of a case.
    struct Oracle: Codable {
        var authorization: String
        var host: String
        var http_date: String
        var quoted_user: String
        var path_url: String
    }

    /// The python of the OCI SDK's virtualenv (installed from the Python package index on first use).
    static func sdkPython() throws -> String {
        let script = Paths.packageRoot.appendingPathComponent("scripts/oci-sdk.sh").path
        let out = try Shell.check("/bin/sh", [script])
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func authorizationHeaderIsTheSDKsByteForByte() throws {
        let python = try VerificationTests.sdkPython()
        let dir = try TemporaryDirectory()
        // RSA 2048, 3072 and 4096, in PKCS#1 and PKCS#8 PEM (both are what `oci setup keys` and openssl write).
        var keys: [(file: String, pem: String)] = []
        for bits in [2048, 3072, 4096] {
            let pem = try TestKeys.rsa(dir, "rsa\(bits).pem", bits: bits)
            keys.append((dir.file("rsa\(bits).pem"), pem))
        }
        let traditional = String(decoding: try TestKeys.convert(keys[0].pem, ["-traditional"]), as: UTF8.self)
        keys.append((try dir.write("rsa2048-pkcs1.pem", traditional), traditional))

        let users = ["ocid1.user.oc1..aaaaaaaa2fxmdd3k5ppjxnnu2cmh2yxpdhw5kzrmhxzwqmgz7mmwbyqojyyq",
                     "ocid1.user.oc2..aaaaaaaab", "ocidv1:user:oc1:phx:1234567890:aaaaaaaa"]
        let hosts = ["identity.us-ashburn-1.oci.oraclecloud.com", "127.0.0.1:8443", "identity.uk-gov-london-1.oci.oraclegovcloud.uk"]
        let times = [1_389_044_200, 1_764_125_000, 978_307_200]
        var cases: [Case] = []
        var signers: [OCIRequestSigner] = []
        var expected: [(path: String, host: String, date: String)] = []
        for (k, key) in keys.enumerated() {
            let parsed = try #require(OpenSSLKey.privateKey(pem: Array(key.pem.utf8)))
            let fingerprint = try #require(Fingerprint(key: parsed)).oci
            #expect(fingerprint == (try TestKeys.ociFingerprint(key.pem)))
            for (u, user) in users.enumerated() {
                let host = hosts[(k + u) % hosts.count]
                let time = times[(k + u) % times.count]
                let prefix = host.hasPrefix("127.") ? "/oci" : ""
                let path = prefix + OCIKeyVerifier.path(user: user)
                let date = OCIRequestSigner.httpDate(secondsSince1970: time)
                let tenancy = "ocid1.tenancy.oc1..aaaaaaaatenancy\(k)"
                cases.append(Case(key_file: key.file, tenancy: tenancy, user: user, fingerprint: fingerprint,
                                  url: "https://\(host)\(path)", date: date, timestamp: time))
                signers.append(OCIRequestSigner(tenancy: tenancy, user: user, fingerprint: fingerprint, key: parsed))
                expected.append((path, host, date))
            }
        }
        let input = try JSONEncoder().encode(cases)
        let script = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/verify/oci_sign.py").path
        let oracle = try JSONDecoder().decode([Oracle].self, from: try Shell.check(python, [script], input: input))
        try #require(oracle.count == cases.count)
        for i in cases.indices {
            let ours = signers[i].authorization(method: "GET", path: expected[i].path, host: expected[i].host, date: expected[i].date)
            #expect(ours == oracle[i].authorization, "case \(i): \(cases[i].url)")
            #expect(expected[i].date == oracle[i].http_date, "the SDK's own Date header for \(cases[i].timestamp)")
            #expect(expected[i].host == oracle[i].host && expected[i].path == oracle[i].path_url)
            #expect(OCIRequestSigner.pathParameter(cases[i].user) == oracle[i].quoted_user)
        }
        // A different date is a different signature (nothing is cached or fixed).
        let again = signers[0].authorization(method: "GET", path: expected[0].path, host: expected[0].host,
                                             date: OCIRequestSigner.httpDate(secondsSince1970: times[0] + 1))
        #expect(again != oracle[0].authorization)
    }

    @Test func onlyRSAKeysSign() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.generate(dir, "ec.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let key = try #require(OpenSSLKey.privateKey(pem: Array(pem.utf8)))
        #expect(key.signSHA256(Array("x".utf8)) == nil)
        let signer = OCIRequestSigner(tenancy: "t", user: "u", fingerprint: "f", key: key)
        #expect(signer.authorization(method: "GET", path: "/", host: "h", date: "d") == nil)
    }

    @Test func keysAreKeptOnlyWhileAVerifyingScanRuns() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir)
        let der = [UInt8](try TestKeys.convert(pem, ["-outform", "DER"]))
        let fingerprint = try TestKeys.ociFingerprint(pem)
        let store = SigningKeys.shared
        // NOTE: other suites never record; this one leaves the store as it found it.
        #expect(PrivateKey.analyze(der: der)?.identity?.oci == fingerprint)
        #expect(store.key(fingerprint: fingerprint) == nil, "not recording: nothing kept")
        store.start()
        store.start()
        _ = PrivateKey.analyze(der: der)
        let kept = try #require(store.key(fingerprint: fingerprint))
        #expect(Fingerprint(key: kept)?.oci == fingerprint)
        store.stop()
        #expect(store.key(fingerprint: fingerprint) != nil, "a nested scan's stop keeps the outer scan's keys")
        store.stop()
        #expect(store.key(fingerprint: fingerprint) == nil && !store.isRecording)
    }

    @Test func dates() {
        #expect(OCIRequestSigner.httpDate(secondsSince1970: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(OCIRequestSigner.isoDate(secondsSince1970: 1_764_125_000) == "2025-11-26T02:43:20Z")
    }

    @Test func endpointsAreHTTPSURLsOnly() throws {
        let local = try VerifyEndpoint(parsing: "https://127.0.0.1:8443/")
        #expect(local.host == "127.0.0.1:8443" && local.origin == "https://127.0.0.1:8443" && local.pathPrefix == "")
        let prefixed = try VerifyEndpoint(parsing: "https://Identity.Example.com/oci/")
        #expect(prefixed.host == "identity.example.com" && prefixed.pathPrefix == "/oci")
        #expect(VerifyEndpoint(region: "eu-frankfurt-1", domain: "oraclecloud.com").origin
            == "https://identity.eu-frankfurt-1.oci.oraclecloud.com")
        for bad in ["http://127.0.0.1:8443", "127.0.0.1:8443", "https://u:p@host", "https://host/?q=1", "https://host/#x", "https://"] {
            #expect(throws: VerifyError.self, "\(bad)") { _ = try VerifyEndpoint(parsing: bad) }
        }
        #expect(throws: VerifyError.self) { _ = try OCIKeyVerifier(options: VerifyOptions(caFile: "/nonexistent/ca.pem")) }
    }

    /// A key linked to a profile, as linking leaves them.
    static func linked(user: String = "ocid1.user.oc1..aaaatestuser", region: String = "us-ashburn-1") -> [Finding] {
        var settings = HandBuilt.settings("deploy/config", keyFile: "key.pem", fingerprint: HandBuilt.fingerprintB)
        settings.oci?.user = user
        settings.oci?.region = region
        var findings = [settings, HandBuilt.key("deploy/key.pem", fingerprint: HandBuilt.fingerprintA)]
        CredentialLinker.link(&findings, knownKeys: .none, credentialSetRule: nil)
        CredentialLinker.planVerification(&findings)
        return findings
    }

    @Test func targetsComeFromLinkingAndTheKeysOwnFingerprintSigns() throws {
        let findings = VerificationTests.linked(region: "US-Ashburn-1")
        let key = try #require(findings.first { $0.key != nil })
        let settings = try #require(findings.first { $0.oci != nil })
        let expected = VerificationTarget(fingerprint: HandBuilt.fingerprintA, user: "ocid1.user.oc1..aaaatestuser",
                                          tenancy: "ocid1.tenancy.oc1..aaaatesttenancy", region: "us-ashburn-1")
        #expect(key.verificationTargets == [expected])
        #expect(settings.verificationTargets == [expected])
        #expect(expected.realm == "oc1")

        // A hostile profile: a user that would break the keyId, a region that would lead elsewhere.
        #expect(VerificationTests.linked(user: "ocid1.user.oc1..a\",x=\"y").allSatisfy { $0.verificationTargets.isEmpty })
        let elsewhere = VerificationTests.linked(region: "evil.example.com/#")
        #expect(elsewhere.first { $0.key != nil }?.verificationTargets.first?.region == nil)

        // A known key names its user; the tenancy comes from settings in the scan that name the same user.
        var known = HandBuilt.key("keys/prod.pem", fingerprint: HandBuilt.fingerprintC)
        known.knownKey = KnownKeyMatch(label: "prod", state: "ACTIVE", user: "ocid1.user.oc1..aaaatestuser", source: "keys.json")
        var findings2 = [HandBuilt.settings("other/config"), known]
        CredentialLinker.planVerification(&findings2)
        #expect(findings2[1].verificationTargets.map(\.fingerprint) == [HandBuilt.fingerprintC])
        #expect(findings2[0].verificationTargets.isEmpty)
    }

    @Test func aTargetWithNoRegionOrNoKeyIsUnknownAndNothingIsSent() throws {
        let verifier = try OCIKeyVerifier(options: VerifyOptions())
        let noRegion = VerificationTarget(fingerprint: HandBuilt.fingerprintA, user: "ocid1.user.oc1..u", tenancy: "ocid1.tenancy.oc1..t",
                                          region: nil)
        let noKey = VerificationTarget(fingerprint: HandBuilt.fingerprintB, user: "ocid1.user.oc1..u", tenancy: "ocid1.tenancy.oc99..t",
                                       region: "us-ashburn-1")
        // NOTE: neither can reach a network: one has no endpoint, the other's realm has no known domain.
        let answers = verifier.check([noRegion, noKey])
        #expect(answers[noRegion]?.state == .unknown && answers[noRegion]?.detail?.contains("no region") == true)
        #expect(answers[noKey]?.state == .unknown && answers[noKey]?.detail?.contains("oc99") == true)
        #expect(answers.values.allSatisfy { $0.httpStatus == nil })
    }

    static func answer(_ state: VerificationFacts.State, status: Int?) -> VerificationFacts {
        VerificationFacts(state: state, httpStatus: status, endpoint: "https://identity.us-ashburn-1.oci.oraclecloud.com",
                          checkedAt: "2026-11-26T03:40:00Z", user: "ocid1.user.oc1..aaaatestuser", fingerprint: HandBuilt.fingerprintA,
                          detail: state == .unknown ? "HTTP 500" : nil)
    }

    @Test func aLiveKeyIsCriticalAndSaysHowToRevokeIt() throws {
        let policy = Policy(rules: try RuleSet().rules)
        var key = HandBuilt.key("notes/key.pem")
        #expect(policy.severity(key) == .high)
        key.verification = VerificationTests.answer(.live, status: 200)
        #expect(policy.severity(key) == .critical)
        #expect(policy.message(key).hasPrefix("LIVE: revoke now: oci iam user api-key delete --user-id ocid1.user.oc1..aaaatestuser --fingerprint \(HandBuilt.fingerprintA) --force: RSA 2048"))
        key.verification = VerificationTests.answer(.rejected, status: 401)
        #expect(policy.severity(key) == .high)
        #expect(policy.message(key).contains("OCI did not accept a request signed with the key (HTTP 401"))
        key.verification = VerificationTests.answer(.unknown, status: 500)
        #expect(policy.message(key).contains("whether it is live is unknown (HTTP 500)"))

        #expect(VerificationFacts.combined([VerificationTests.answer(.rejected, status: 401), VerificationTests.answer(.live, status: 200)])?.state == .live)
        #expect(VerificationFacts.combined([VerificationTests.answer(.rejected, status: 401), VerificationTests.answer(.unknown, status: 500)])?.state == .unknown)
        #expect(VerificationFacts.combined([VerificationTests.answer(.rejected, status: 401)])?.state == .rejected)
    }

    @Test func verificationIsWrittenAndReadBackAndSurvivesAMerge() throws {
        let rules = try RuleSet().rules
        var findings = VerificationTests.linked()
        for i in findings.indices { findings[i].verification = VerificationTests.answer(.live, status: 200) }
        findings.append(HandBuilt.key("other/key.pem", fingerprint: HandBuilt.fingerprintC))
        findings[2].verification = VerificationTests.answer(.unknown, status: nil)
        Policy(rules: rules).apply(&findings)
        let report = ScanReport(findings: findings, summary: ScanSummary())

        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONReporter.render(report).utf8)) as? [String: Any])
        let objects = try #require(json["findings"] as? [[String: Any]])
        let live = try #require(objects.first { $0["path"] as? String == "deploy/key.pem" }?["verification"] as? [String: Any])
        #expect(live["state"] as? String == "live" && live["http_status"] as? Int == 200)
        #expect(live["endpoint"] as? String == "https://identity.us-ashburn-1.oci.oraclecloud.com")
        #expect(live["checked_at"] as? String == "2026-11-26T03:40:00Z")
        let unknown = try #require(objects.first { $0["path"] as? String == "other/key.pem" }?["verification"] as? [String: Any])
        #expect(unknown["state"] as? String == "unknown" && unknown["http_status"] is NSNull)

        let sarif = SARIFReporter.render(report, rules: rules)
        #expect(sarif.contains("\"verification\": \"live\""))
        let text = TextReporter(color: false).render(report)
        #expect(text.contains("    verified LIVE (HTTP 200 from https://identity.us-ashburn-1.oci.oraclecloud.com, 2026-11-26T03:40:00Z)\n"))

        let dir = try TemporaryDirectory()
        for (name, rendered) in [("r.json", JSONReporter.render(report)), ("r.sarif", sarif)] {
            let (_, merged) = try ReportMerger.merge(files: [try dir.write(name, rendered)], rules: rules)
            let key = try #require(merged.findings.first { $0.path == "deploy/key.pem" })
            #expect(key.verification == findings.first { $0.path == "deploy/key.pem" }?.verification, "\(name)")
            #expect(key.severity == .critical && key.message.hasPrefix("LIVE: revoke now"))
            #expect(merged.findings.first { $0.path == "other/key.pem" }?.verification?.state == .unknown)
            #expect(merged.findings.first { $0.path == "other/key.pem" }?.severity == .high)
        }
    }
}
