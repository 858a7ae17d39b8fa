import Foundation
import Testing
import TestSupport

/// `keyleak doctor` on a deliberately broken `~/.oci` and on a correct one.
@Suite struct DoctorTests {
    func doctor(home: TemporaryDirectory, _ arguments: [String] = []) throws -> Shell.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment.removeValue(forKey: "OCI_CONFIG_FILE")
        return try Shell.run(Paths.binary, ["doctor"] + arguments, environment: environment)
    }

    func makeHome(mode: String = "600", fingerprint: String? = nil, extra: String = "") throws -> (TemporaryDirectory, String) {
        let home = try TemporaryDirectory()
        let pem = try TestKeys.rsa(home, ".oci/oci_api_key.pem")
        try Shell.check("chmod", [mode, home.file(".oci/oci_api_key.pem")])
        let fp = try TestKeys.ociFingerprint(pem)
        try home.write(".oci/config", """
        # keyleak:allow (test fixture)
        [DEFAULT]
        user=ocid1.user.oc1..aaaaaaaauser
        fingerprint=\(fingerprint ?? fp)
        tenancy=ocid1.tenancy.oc1..aaaaaaaatenancy
        region=us-ashburn-1
        key_file=~/.oci/oci_api_key.pem
        \(extra)
        """)
        return (home, fp)
    }

    @Test func correctConfigPasses() throws {
        let (home, fp) = try makeHome()
        let result = try doctor(home: home)
        #expect(result.status == 0, "\(result.text)")
        #expect(result.text.contains("key fingerprint matches (\(fp))"))
        #expect(result.text.contains("all checks passed"))
    }

    @Test func mismatchPermissionsAndMissingFieldsFail() throws {
        let (home, fp) = try makeHome(mode: "644", fingerprint: "11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff",
                                      extra: "\n[EMPTY]\nuser=not-an-ocid\nregion=\n")
        let result = try doctor(home: home)
        #expect(result.status == 1)
        #expect(result.text.contains("fingerprint mismatch: the profile says 11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff but ~/.oci/oci_api_key.pem has \(fp)"))
        #expect(result.text.contains("chmod 600"))
        #expect(result.text.contains("[EMPTY]"))
        #expect(result.text.contains("user 'not-an-ocid' is not a user OCID"))
        #expect(result.text.contains("region is missing"))
        let one = try doctor(home: home, ["--profile", "EMPTY"])
        #expect(!one.text.contains("[DEFAULT]"))
    }

    @Test func encryptedKeyWithoutPassPhraseWarnsAndSmallKeysFail() throws {
        let home = try TemporaryDirectory()
        let pem = try TestKeys.rsa(home, "plain.pem", bits: 1024)
        try home.write(".oci/k.pem", try TestKeys.convert(pem, ["-aes256", "-passout", "pass:pw"]))
        try Shell.check("chmod", ["600", home.file(".oci/k.pem")])
        try home.write(".oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..a\ntenancy=ocid1.tenancy.oc1..b\nregion=us-ashburn-1\nfingerprint=\(try TestKeys.ociFingerprint(pem))\nkey_file=~/.oci/k.pem\n")
        let prompt = try doctor(home: home)
        #expect(prompt.text.contains("oci will prompt"))
        try home.write(".oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..a\ntenancy=ocid1.tenancy.oc1..b\nregion=us-ashburn-1\nfingerprint=\(try TestKeys.ociFingerprint(pem))\nkey_file=~/.oci/k.pem\npass_phrase=pw\n")
        let opened = try doctor(home: home)
        #expect(opened.text.contains("pass_phrase opens the encrypted key"))
        #expect(opened.text.contains("key fingerprint matches"))
        #expect(opened.text.contains("at least 2048 bits"))
        #expect(opened.status == 1)
    }

    @Test func missingConfigIsExitTwo() throws {
        let home = try TemporaryDirectory()
        let result = try doctor(home: home)
        #expect(result.status == 2 && result.stderr.contains("~/.oci/config"))
        try home.write("elsewhere.ini", "[DEFAULT]\nuser=ocid1.user.oc1..a\n")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["OCI_CONFIG_FILE"] = home.file("elsewhere.ini")
        let fallback = try Shell.run(Paths.binary, ["doctor"], environment: environment)
        #expect(fallback.status == 1 && fallback.text.contains("tenancy is missing"))
    }

    static func token(subject: String, expires: Int) -> String {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        return b64("{\"alg\":\"RS256\"}") + "." + b64("{\"sub\":\"\(subject)\",\"iss\":\"authService.oracle.com\",\"exp\":\(expires)}")
            + "." + b64(String(repeating: "s", count: 63))
    }

    @Test func jsonSaysWhatTheSDKWillSay() throws {
        let (home, fp) = try makeHome(extra: "\n[PROD] # production\nregion=US-ASHBURN-1\nfingerprint=\(String(repeating: "AB:", count: 15))AB\n")
        let result = try doctor(home: home, ["--format", "json"])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let profiles = try #require(report["profiles"] as? [[String: Any]])
        #expect(profiles.compactMap { $0["profile"] as? String } == ["DEFAULT", "PROD"])
        let sdk = try #require(profiles[0]["sdk"] as? [String: Any])
        #expect(sdk["ok"] as? Bool == true && sdk["key_fingerprint"] as? String == fp)
        #expect(sdk["endpoint"] as? String == "https://identity.us-ashburn-1.oraclecloud.com")
        let prod = try #require(profiles[1]["sdk"] as? [String: Any])
        #expect(prod["stage"] as? String == "validate" && (prod["fields"] as? [String: String]) == ["fingerprint": "malformed"],
                "uppercase hex is malformed for the SDK")
        #expect(prod["endpoint"] as? String == "https://identity.us-ashburn-1.oraclecloud.com", "the SDK lowercases the region")
        #expect(!result.text.contains("AB:AB") || result.text.contains("uppercase"))
    }

    @Test func configparserErrorsFailEveryProfile() throws {
        let (home, _) = try makeHome(extra: "USER=ocid1.user.oc1..aaaaaaaaother\n")
        let result = try doctor(home: home)
        #expect(result.status == 1)
        #expect(result.text.contains("'user' is set twice") && result.text.contains("DuplicateOptionError"))
    }

    @Test func sessionProfilesAreCheckedWithTheirToken() throws {
        let home = try TemporaryDirectory()
        let pem = try TestKeys.rsa(home, ".oci/sessions/DEFAULT/oci_api_key.pem")
        try Shell.check("chmod", ["600", home.file(".oci/sessions/DEFAULT/oci_api_key.pem")])
        let config = """
        # keyleak:allow (test fixture)
        [DEFAULT]
        fingerprint=\(try TestKeys.ociFingerprint(pem))
        key_file=~/.oci/sessions/DEFAULT/oci_api_key.pem
        tenancy=ocid1.tenancy.oc1..aaaaaaaatenancy
        region=us-ashburn-1
        security_token_file=~/.oci/sessions/DEFAULT/token
        """
        try home.write(".oci/config", config)
        try Shell.check("chmod", ["600", home.file(".oci/config")])
        let now = Int(Date().timeIntervalSince1970)
        try home.write(".oci/sessions/DEFAULT/token", Self.token(subject: "ocid1.user.oc1..aaaasession", expires: now + 3600))
        try Shell.check("chmod", ["600", home.file(".oci/sessions/DEFAULT/token")])
        let valid = try doctor(home: home)
        #expect(valid.status == 0, "\(valid.text)")
        #expect(valid.text.contains("session token for ocid1.user.oc1..aaaasession is valid") && !valid.text.contains("user is missing"))
        try home.write(".oci/sessions/DEFAULT/token", Self.token(subject: "ocid1.user.oc1..aaaasession", expires: now - 60))
        let expired = try doctor(home: home)
        #expect(expired.status == 1 && expired.text.contains("has expired") && expired.text.contains("oci session authenticate"))
        #expect(!expired.text.contains("eyJ"), "the token itself is never printed")
    }
}
