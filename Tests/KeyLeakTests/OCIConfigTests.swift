import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

@Suite struct OCIConfigTests {
    static func identities(_ text: String) -> [OCIIdentity] {
        Array(text.utf8).withUnsafeBytes { OCIConfig.identities(in: $0) }.map(\.identity)
    }

    static let fp = "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef"

    @Test func defaultIsInheritedByEveryProfile() throws {
        let text = """
        # keyleak:allow (test fixture)
        [DEFAULT]
        user=ocid1.user.oc1..aaaaaaaadefault
        tenancy = ocid1.tenancy.oc1..aaaaaaaatenancy
        region: eu-frankfurt-1
        # a comment
        ; another comment

        # keyleak:allow (test fixture)
        [dev]
        User=ocid1.user.oc1..aaaaaaaadev
        fingerprint=\(Self.fp)
        key_file=~/.oci/dev.pem
        """
        let found = Self.identities(text)
        try #require(found.count == 2)
        #expect(found[0].profile == "DEFAULT" && found[0].user == "ocid1.user.oc1..aaaaaaaadefault")
        #expect(found[1].profile == "dev")
        #expect(found[1].user == "ocid1.user.oc1..aaaaaaaadev", "keys are case-insensitive and the profile's own value wins")
        #expect(found[1].tenancy == "ocid1.tenancy.oc1..aaaaaaaatenancy", "inherited from DEFAULT")
        #expect(found[1].region == "eu-frankfurt-1")
        #expect(found[1].fingerprint == Self.fp && found[1].keyFile == "~/.oci/dev.pem")
        #expect(!found[1].hasPassPhrase)
    }

    @Test func passPhraseIsNotedButNeverPartOfTheDescription() throws {
        let text = "[DEFAULT]\nuser=ocid1.user.oc1..aaaa1\nkey_file=k.pem\npass_phrase=correct horse\n"
        let identity = try #require(Self.identities(text).first)
        #expect(identity.hasPassPhrase && identity.passPhrase == "correct horse")
        #expect(!Policy.describe(identity).contains("correct horse"))
    }

    @Test func configInsideMarkdownFence() {
        let text = "Set up:\n\n```\n[DEFAULT]\nuser=ocid1.user.oc1..aaaa1\nfingerprint=\(Self.fp)\ntenancy=ocid1.tenancy.oc1..bbbb\n```\n"
        #expect(Self.identities(text).map(\.profile) == ["DEFAULT"])
    }

    @Test func terraformAndTfvars() throws {
        let provider = """
        provider "oci" { # keyleak:allow (test fixture)
          tenancy_ocid     = "ocid1.tenancy.oc1..aaaa"
          user_ocid        = "ocid1.user.oc1..bbbb"
          fingerprint      = "\(Self.fp)"
          private_key_path = "~/.oci/oci_api_key.pem"
          private_key_password = var.password
          region           = "us-phoenix-1"
        }
        """
        let identity = try #require(Self.identities(provider).first)
        #expect(identity.source == .terraform && identity.user == "ocid1.user.oc1..bbbb")
        #expect(identity.keyFile == "~/.oci/oci_api_key.pem" && !identity.hasPassPhrase, "var.password is a reference")
        let tfvars = "tenancy_ocid = \"ocid1.tenancy.oc1..aaaa\"\nuser_ocid=\"ocid1.user.oc1..bbbb\"\nprivate_key_password = \"s3cret\"\n"
        #expect(Self.identities(tfvars).first?.hasPassPhrase == true)
    }

    @Test func environmentVariablesInShellAndCIYAML() throws {
        let shell = "export OCI_CLI_USER=ocid1.user.oc1..aaaa\nexport OCI_CLI_TENANCY=ocid1.tenancy.oc1..bbbb\nexport OCI_CLI_REGION=us-ashburn-1\n"
        #expect(Self.identities(shell).first?.source == .env)
        let yaml = "env:\n  OCI_CLI_USER: ocid1.user.oc1..aaaa\n  OCI_CLI_FINGERPRINT: \"\(Self.fp)\"\n  OCI_CLI_KEY_FILE: /tmp/key.pem\n"
        let identity = try #require(Self.identities(yaml).first)
        #expect(identity.fingerprint == Self.fp && identity.keyFile == "/tmp/key.pem")
    }

    @Test func placeholdersAndCodeAreNotIdentities() {
        #expect(Self.identities("user=ocid1.user.oc1..<unique_id>\ntenancy=ocid1.tenancy.oc1..<unique_id>\n").isEmpty)
        #expect(Self.identities("let keys = [\"oci_cli_user\": \"user\", \"oci_cli_key_file\": \"key_file\"]\n").isEmpty)
        #expect(Self.identities("compartment_id = \"ocid1.compartment.oc1..aaaa\"\n").isEmpty)
        #expect(Self.identities("pass_phrase = getpass()\nkey_file = path\n").allSatisfy { !$0.hasPassPhrase })
    }

    @Test func knownKeysTextFormatAndErrors() throws {
        let dir = try TemporaryDirectory()
        let good = try dir.write("known.txt", "# registered\n\(Self.fp) ci-deploy key\n\n")
        let keys = try KnownKeys(files: [good])
        #expect(keys.lookup(Self.fp)?.label == "ci-deploy key")
        let bad = try dir.write("bad.txt", "not a fingerprint\n")
        #expect(throws: AnalysisError.self) { try KnownKeys(files: [bad]) }
        // A user with no keys: `api-key list` prints nothing (or an empty list); no key is known, and that is no error.
        let empty = try dir.write("empty.json", "{\"data\": []}")
        #expect(try KnownKeys(files: [empty]).isEmpty)
        #expect(try KnownKeys(files: [try dir.write("nothing.json", "")]).isEmpty)
        #expect(throws: AnalysisError.self) { try KnownKeys(files: [try dir.write("number.json", "42")]) }
        #expect(throws: AnalysisError.self) { try KnownKeys(files: [dir.path + "/missing"]) }
    }
}
