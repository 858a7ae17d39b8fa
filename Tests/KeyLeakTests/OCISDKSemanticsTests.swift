import Foundation
import Testing
import TestSupport
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The OCI SDK's reading of configs and keys, one rule at a time (the
/// differential test, scripts/oci-differential.py, checks the same against
/// the SDK itself over a generated corpus).
@Suite struct OCISDKSemanticsTests {
    static let fp = "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef"

    static func document(_ text: String) -> INIDocument { INIDocument.parse(Array(text.utf8)) }

    static func identities(_ text: String) -> [OCIIdentity] {
        Array(text.utf8).withUnsafeBytes { OCIConfig.identities(in: $0) }.map(\.identity)
    }

    @Test func configparserKeepsValuesAsWritten() throws {
        let doc = Self.document("[DEFAULT]\nuser = \"ocid1.user.oc1..a\"\nregion: us-ashburn-1,\npass_phrase=$ecret(1) # not a comment\n")
        #expect(doc.failure == nil)
        let values = try #require(doc.profile("DEFAULT"))
        #expect(values["user"] == "\"ocid1.user.oc1..a\"")
        #expect(values["region"] == "us-ashburn-1,")
        #expect(values["pass_phrase"] == "$ecret(1) # not a comment")
    }

    @Test func indentedLinesContinueTheValueAbove() throws {
        let doc = Self.document("[DEFAULT]\nuser=ocid1.user.oc1..a\n  fingerprint=\(Self.fp)\n\n\tmore\n# c\n  last\ntenancy=t\n\n")
        let values = try #require(doc.profile("DEFAULT"))
        #expect(values["user"] == "ocid1.user.oc1..a\nfingerprint=\(Self.fp)\n\nmore\nlast")
        #expect(values["fingerprint"] == nil && values["tenancy"] == "t")
    }

    @Test func sectionHeadersAndDefaults() throws {
        let doc = Self.document("[default]\nuser=a\n[PROD] # production\nregion=r\n[ spaced ]\nx=1\n[a]b]\ny=2\n[DEFAULT]\ntenancy=t\n")
        #expect(doc.sections.map(\.name) == ["default", "PROD", " spaced ", "a]b"])
        #expect(doc.profile("PROD")?["user"] == nil, "a lowercase [default] is an ordinary profile")
        #expect(doc.profile("PROD")?["tenancy"] == "t", "[DEFAULT] is inherited wherever it is")
        #expect(doc.profile("missing") == nil && doc.profile("DEFAULT") != nil)
    }

    @Test(arguments: [
        ("[A]\nx=1\n[A]\ny=2\n", "DuplicateSectionError"),
        ("[A]\nuser=1\nUSER=2\n", "DuplicateOptionError"),
        ("[DEFAULT]\nx=1\n[DEFAULT]\nx=2\n", "DuplicateOptionError"),
        ("[A]\njust words\n", "ParsingError"),
        ("[A]\n=value\n", "ParsingError"),
        ("user=1\n[A]\n", "MissingSectionHeaderError"),
        ("\u{FEFF}[A]\nx=1\n", "MissingSectionHeaderError"),
    ])
    func whatConfigparserRefuses(text: String, error: String) {
        #expect(Self.document(text).failure?.pythonName == error)
    }

    @Test func notUTF8AndLineEndings() throws {
        #expect(INIDocument.parse(Array("[A]\nx=caf".utf8) + [0xE9]).failure == .notUTF8)
        let cr = Self.document("[A]\rx=1\r\ny=2\r")
        #expect(cr.profile("A") == ["x": "1", "y": "2"])
        // Python's whitespace (U+00A0, U+001C) is stripped; a byte order mark is not whitespace.
        #expect(Self.document("[A]\nx=\u{A0}v\u{1C}\n").profile("A")?["x"] == "v")
    }

    @Test func theSDKsChecks() {
        #expect(OCISDKConfig.isOCID("ocid1.user.oc1..aaaa") && OCISDKConfig.isOCID("ocidv1:tenancy:oc1:phx:1460406592660:aaaa"))
        #expect(!OCISDKConfig.isOCID("ocid1.user.oc1.aaaa") && !OCISDKConfig.isOCID("ocid1.user.oc1..<unique_id>")
                && !OCISDKConfig.isOCID("\"ocid1.user.oc1..a\"") && !OCISDKConfig.isOCID(".a.b.c.d"))
        #expect(OCISDKConfig.isFingerprint(Self.fp) && !OCISDKConfig.isFingerprint(Self.fp.uppercased()))
        let missing = OCISDKConfig.validate(["user": "x"], environment: [:])
        let expected = Dictionary(uniqueKeysWithValues: OCISDKConfig.required.map { ($0, $0 == "user" ? "malformed" : "missing") })
        #expect(missing == .invalid(expected))
        if case let .invalid(fields) = OCISDKConfig.validate([:], environment: ["OCI_REGION": "us-ashburn-1"]) {
            #expect(fields["region"] == nil, "$OCI_REGION stands in for a missing region")
        }
    }

    @Test func tildeExpansion() throws {
        let env = ["HOME": "/home/me/"]
        #expect(OCISDKConfig.expandUser("~/.oci/k.pem", environment: env) == "/home/me/.oci/k.pem")
        #expect(OCISDKConfig.expandUser("~", environment: env) == "/home/me")
        #expect(OCISDKConfig.expandUser("~root/k.pem", environment: env).hasSuffix("/k.pem"))
        #expect(!OCISDKConfig.expandUser("~root/k.pem", environment: env).hasPrefix("~"))
        #expect(OCISDKConfig.expandUser("~nosuchuser12345/k.pem", environment: env) == "~nosuchuser12345/k.pem")
        #expect(OCISDKConfig.expandUser("a/~/k", environment: env) == "a/~/k")
    }

    @Test func theFallbackConfigPath() throws {
        let home = try TemporaryDirectory()
        let env = ["HOME": home.path]
        #expect(OCISDKConfig.configPath(nil, environment: env) == home.path + "/.oci/config")
        try home.write(".oraclebmc/config", "[DEFAULT]\n")
        #expect(OCISDKConfig.configPath(nil, environment: env) == home.path + "/.oraclebmc/config")
        #expect(OCISDKConfig.configPath(nil, environment: env.merging(["OCI_CONFIG_FILE": "~/elsewhere"]) { a, _ in a })
                == home.path + "/elsewhere")
        try home.write(".oci/config", "[DEFAULT]\n")
        #expect(OCISDKConfig.configPath(nil, environment: env) == home.path + "/.oci/config")
    }

    @Test func regionsAsTheSDKResolvesThem() throws {
        let regions = OCIRegions(home: "/nonexistent", environment: [:])
        #expect(regions.resolve("US-ASHBURN-1")?.endpoint == "https://identity.us-ashburn-1.oraclecloud.com")
        #expect(regions.resolve("iad")?.region == "us-ashburn-1")
        #expect(regions.resolve("us-langley-1")?.endpoint == "https://identity.us-langley-1.oraclegovcloud.com")
        #expect(regions.resolve("eu-dcc-milan-1")?.known == true)
        let unknown = try #require(regions.resolve("xx-nowhere-1"))
        #expect(!unknown.known && unknown.realm == "oc1")
        #expect(regions.resolve("") == nil && regions.resolve(nil) == nil)
        #expect(regions.resolve("region.example.com")?.endpoint == "https://identity.region.example.com")
    }

    @Test func keysLoadAsTheSDKLoadsThem() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "k.pem")
        let plain = Array(pem.utf8)
        let encrypted = [UInt8](try TestKeys.convert(pem, ["-aes256", "-passout", "pass:pw"]))
        let legacy = [UInt8](try Shell.check("openssl", ["rsa", "-traditional", "-aes256", "-passout", "pass:pw"], input: Data(pem.utf8)))
        func outcome(_ bytes: [UInt8], _ phrase: String?) -> String {
            switch OCIKeyLoader.load(bytes, passPhrase: phrase) {
            case let .success(loaded): return Fingerprint(key: loaded.key)?.oci ?? "?"
            case let .failure(failure): return failure.rawValue
            }
        }
        let fp = try TestKeys.ociFingerprint(pem)
        #expect(outcome(plain, nil) == fp && outcome(plain, "anything") == fp && outcome(plain, "") == fp)
        #expect(outcome(encrypted, "pw") == fp && outcome(legacy, "pw") == fp)
        #expect(outcome(encrypted, nil) == "missing-pass-phrase" && outcome(legacy, nil) == "missing-pass-phrase")
        #expect(outcome(encrypted, "") == "empty-pass-phrase" && outcome(encrypted, "wrong") == "invalid-key")
        #expect(outcome(plain, "pässword") == "non-ascii-pass-phrase")
        #expect(outcome(Array("my key:\n".utf8) + plain + Array("OCI_API_KEY\n".utf8), nil) == fp)
        // Forms the SDK does not read.
        let der = [UInt8](try TestKeys.convert(pem, ["-outform", "DER"]))
        #expect(outcome(der, nil) == "invalid-key")
        #expect(outcome(Array(Base64.encode(plain).utf8), nil) == "invalid-key")
        #expect(outcome(Array(pem.replacingOccurrences(of: "\n", with: "\\n").utf8), nil) == "invalid-key")
        #expect(outcome(Array(pem.replacingOccurrences(of: "-----BEGIN", with: "------BEGIN").utf8), nil) == "invalid-key")
        let lines = pem.split(separator: "\n")
        #expect(outcome(Array((lines[0...2] + [""] + lines[3...]).joined(separator: "\n").utf8), nil) == "invalid-key",
                "a blank line inside the body reads as the end of PEM headers")
        let publicKey = [UInt8](try Shell.check("openssl", ["pkey", "-pubout"], input: Data(pem.utf8)))
        #expect(outcome(publicKey, nil) == "public-key")
        if Shell.available("ssh-keygen") {
            try Shell.check("chmod", ["600", dir.file("k.pem")])
            let ssh = try Shell.check("ssh-keygen", ["-y", "-f", dir.file("k.pem")])
            #expect(outcome([UInt8](ssh), nil) == "public-key")
        }
    }

    @Test func sessionTokensAreReadAsPyJWTReadsThem() throws {
        func b64(_ s: String) -> String {
            Base64.encode(Array(s.utf8), padded: false).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let token = b64("{\"alg\":\"RS256\"}") + "." + b64("{\"sub\":\"ocid1.user.oc1..a\",\"iss\":\"authService.oracle.com\",\"exp\":1700000000}")
            + "." + b64(String(repeating: "s", count: 64))
        let parsed = try #require(SessionToken.parse(Array(token.utf8)))
        #expect(parsed.subject == "ocid1.user.oc1..a" && parsed.expiresAt == 1_700_000_000 && parsed.isOCI)
        #expect(parsed.isExpired(at: Date(timeIntervalSince1970: 1_700_000_001)) && !parsed.isExpired(at: Date(timeIntervalSince1970: 1)))
        // PyJWT pads each segment by its raw length: a newline after an 86-character signature breaks it.
        #expect(SessionToken.parse(Array((token + "\n").utf8)) == nil)
        #expect(SessionToken.parse(Array("a.b".utf8)) == nil)
        let other = b64("{\"alg\":\"HS256\"}") + "." + b64("{\"sub\":\"1234\"}") + "." + b64("sig-sig-sig-sig")
        #expect(SessionToken.parse(Array(other.utf8))?.isOCI == false)
    }

    @Test func theScanReadsProfilesAsTheSDKDoes() throws {
        let found = Self.identities("""
        # keyleak:allow (test fixture)
        [DEFAULT]
        user="ocid1.user.oc1..aaaaquoted"
        tenancy=ocidv1:tenancy:oc1:phx:1460406592660:aaaa
        fingerprint=\(Self.fp.uppercased())
        key_file=~/.oci/key.pem
        pass_phrase=$ecret(1)
        # keyleak:allow (test fixture)
        [PROD] # production
        user=ocid1.user.oc1..aaaaprod
          fingerprint=\(Self.fp)
        """)
        try #require(found.count == 2)
        #expect(found[0].user == nil, "quotes are part of the value: not an OCID the SDK accepts")
        #expect(found[0].tenancy == "ocidv1:tenancy:oc1:phx:1460406592660:aaaa")
        #expect(found[0].fingerprint == nil, "the SDK accepts lowercase hex only")
        #expect(found[0].hasPassPhrase && found[0].passPhrase == "$ecret(1)")
        #expect(found[1].profile == "PROD" && found[1].user == nil && found[1].fingerprint == nil,
                "the indented line continues user")
    }

    @Test func terraformEnvironmentSpellings() throws {
        let found = Self.identities("""
        # keyleak:allow (test fixture)
        export OCI_tenancy_ocid=ocid1.tenancy.oc1..aaaa
        export OCI_USER_OCID=ocid1.user.oc1..bbbb
        export OCI_FINGERPRINT=\(Self.fp)
        export OCI_PRIVATE_KEY_PATH=~/.oci/key.pem
        export OCI_PRIVATE_KEY_PASSWORD=hunter2
        """)
        let identity = try #require(found.first)
        #expect(identity.source == .terraform && identity.user == "ocid1.user.oc1..bbbb" && identity.tenancy == "ocid1.tenancy.oc1..aaaa")
        #expect(identity.fingerprint == Self.fp && identity.keyFile == "~/.oci/key.pem" && identity.hasPassPhrase)
    }

    @Test func knownKeysInEveryShapeTheCLIPrints() throws {
        let dir = try TemporaryDirectory()
        let fingerprints = try dir.write("query.json", "[\"\(Self.fp)\"]")
        #expect(try KnownKeys(files: [fingerprints]).lookup(Self.fp) != nil)
        let upload = try dir.write("upload.json", """
        {"data": {"fingerprint": "\(Self.fp)", "key-id": "ocid1.tenancy.oc1..t/ocid1.user.oc1..u/\(Self.fp)",
         "lifecycle-state": "CREATING", "user-id": "ocid1.user.oc1..u"}, "etag": "x"}
        """)
        let known = try #require(try KnownKeys(files: [upload]).lookup(Self.fp))
        #expect(known.state == "CREATING" && known.user == "ocid1.user.oc1..u")
        // CREATING is a key about to work: not rotated, and critical.
        var key = HandBuilt.key("k.pem", fingerprint: Self.fp)
        key.knownKey = known
        let policy = Policy(rules: [])
        #expect(policy.severity(key) == .critical)
        #expect(!policy.message(key).contains("already rotated") && policy.message(key).contains("CREATING"))
        key.knownKey?.state = "INACTIVE"
        #expect(policy.message(key).contains("already rotated"))
        #expect(throws: AnalysisError.self) { try KnownKeys(files: [try dir.write("bad.json", "[\"not a fingerprint\"]")]) }
    }

    @Test func remediationNamesTheExactCommands() throws {
        let policy = Policy(rules: [])
        var identity = OCIIdentity(source: .config, profile: "DEFAULT")
        identity.user = "ocid1.user.oc1..aaaa"
        identity.fingerprint = Self.fp
        var config = Finding(rule: "oci-config", analyzer: .ociConfig, severity: .low, path: "deploy/my config", preview: "[DEFAULT]")
        config.oci = identity
        let steps = try #require(policy.remediation(config))
        #expect(steps.revoke == "oci iam user api-key delete --user-id ocid1.user.oc1..aaaa --fingerprint \(Self.fp) --force")
        #expect(steps.rotate.contains("oci setup keys") && steps.purge.hasPrefix("git filter-repo --invert-paths --path 'deploy/my config'"))
        #expect(steps.note.contains("stays compromised"))
        config.oci?.user = nil
        #expect(try #require(policy.remediation(config)).revoke.contains("OCI Console"))
        // An SSH key that is no OCI key gets none.
        #expect(policy.remediation(HandBuilt.key("id_rsa")) == nil)
        var marked = HandBuilt.key("k.pem")
        marked.ociMarker = true
        #expect(policy.remediation(marked) != nil)
        var token = Finding(rule: "oci-session-token", analyzer: .sessionToken, severity: .high, path: "t", preview: "eyJ…")
        token.sessionToken = SessionToken(subject: "ocid1.user.oc1..aaaa", tenancy: nil, issuer: "authService.oracle.com", expiresAt: 100)
        #expect(try #require(policy.remediation(token)).rotate == "oci session authenticate")
        #expect(policy.severity(token) == .low, "expired")
        token.sessionToken?.expiresAt = Int(Date().timeIntervalSince1970) + 3600
        #expect(policy.severity(token) == .high)
    }

    /// Bytes cut and mixed from configs, PEM and tokens never crash the readers,
    /// and configparser never finds more profiles than header lines.
    @Test func arbitraryBytesAreSafe() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = ["[DEFAULT]\n", "[a]b] # x\n", "user=ocid1.user.oc1..a\n", "  more\n", "\r\n", "\r", "=\n", "x\n",
                                 "-----BEGIN RSA PRIVATE KEY-----\n", "------BEGIN ", "-----END RSA PRIVATE KEY-----\n", "Proc-Type: 4,ENCRYPTED\n\n",
                                 "MIIEow==\n", "\u{A0}", "\u{FEFF}", "eyJhbGciOiJSUzI1NiJ9.", "eyJzdWIiOiJvY2lkMS4ifQ.", "c2ln",
                                 "ssh-rsa AAAAB3NzaC1yc2E= x\n", "~nobody/k\n"].map { Array($0.utf8) } + [[0xFF], [0xE9], [0]]
        for _ in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) { bytes += pieces.randomElement(using: &generator)! }
            let document = INIDocument.parse(bytes)
            let headers = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                .filter { INIDocument.header(INIDocument.strip($0)) != nil }.count
            #expect(document.sections.count <= headers)
            _ = OCIKeyLoader.load(bytes, passPhrase: Bool.random(using: &generator) ? "pw" : nil)
            _ = SessionToken.parse(bytes)
            _ = bytes.withUnsafeBytes { OCIConfig.identities(in: $0) }
        }
    }
}
