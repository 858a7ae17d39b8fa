import Foundation
import Testing
import TestSupport
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The output firewall and terminal escaping on rendered text, and the OCI
/// value shapes the settings parser accepts.
@Suite struct OutputFirewallTests {
    /// The firewall with keyleak's key rules.
    static let firewall = OutputFirewall(ruleSet: try? OutputFirewall.keyRules())

    /// A PEM key's base64 body lines.
    static func bodyLines(_ pem: String) -> [String] {
        pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
    }

    @Test func publicFactsPassUnchanged() throws {
        let text = """
        keys/id_rsa.pem:1:1 high [private-key] RSA 2048 private key (pkcs1)
            commit 3f786850e387550fdab836ed7e6dc881de23001b by Dev on 2024-01-01
            fingerprint 5d:97:18:bf:be:60:f3:0c:9f:47:8e:5f:77:59:9e:23  SHA256:IqHOggJCWD1rCfLyaueS3wxoEoLgBJvl7AmZXvFPjRY
            -----BEGIN RSA PRIVATE KEY-----MIIE…
        src/main/java/com/example/service/impl/UserServiceImpl.java:3:1 low [oci-config] user ocid1.user.oc1..aaaaaaaaqdlkfjg4jnrpdhs3e5kvtfl2a4a6m7ngmgo2p2m3bvg3nlqxqma
        {"partialFingerprints": {"keyleak/v1": "private-key:0123456789abcdef0123456789abcdef"}, "AbstractSingletonProxyFactoryBeanTests": 1}
        """
        let (filtered, redacted) = Self.firewall.filter(text)
        #expect(!redacted)
        #expect(filtered == text)
    }

    @Test func aKeyInAJSONStringIsRedactedAndTheJSONStaysValid() throws {
        let dir = try TemporaryDirectory()
        let pem = String(decoding: try TestKeys.convert(TestKeys.rsa(dir, "rsa.pem"), ["-traditional"]), as: UTF8.self)
        let object: [String: Any] = ["message": "user x\n" + pem + ", tenancy y", "preview": "-----BEGIN RSA PRIVATE KEY-----MIIE…",
                                     "lines": Self.bodyLines(pem)]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        let (filtered, redacted) = Self.firewall.filter(json)
        #expect(redacted)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(filtered.utf8)) as? [String: Any])
        let message = try #require(parsed["message"] as? String)
        #expect(message == "user x\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\n, tenancy y")
        #expect(parsed["preview"] as? String == "-----BEGIN RSA PRIVATE KEY-----MIIE…")
        for line in Self.bodyLines(pem) where line.count >= 40 { #expect(!filtered.contains(line.prefix(40))) }
    }

    @Test func aBodyWrappedNarrowIsRedactedWhole() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "rsa.pem")
        let body = Self.bodyLines(pem).joined()
        var narrow = "-----BEGIN PRIVATE KEY-----\n"
        var rest = Substring(body)
        while !rest.isEmpty { narrow += rest.prefix(32) + "\n"; rest = rest.dropFirst(32) }
        narrow += "-----END PRIVATE KEY-----\n"
        let (filtered, redacted) = Self.firewall.filter("before\n" + narrow + "after\n")
        #expect(redacted)
        #expect(filtered == "before\n-----BEGIN PRIVATE KEY-----\n[REDACTED]\n-----END PRIVATE KEY-----\nafter\n")
    }

    @Test func randomRunsAreRedactedWithoutTouchingEscapes() throws {
        let random = "q8Zr3vN0bXk2Lw9TfA1sYc7HdP4mJu6GeR5oKi0QzVn2WxB8"
        let (filtered, redacted) = Self.firewall.filter("{\"a\": \"x\\n\(random)\\n\(random)\", \"b\": \"SHA256:\(random)\"}")
        #expect(redacted)
        #expect(filtered == "{\"a\": \"x\\n[REDACTED]\", \"b\": \"SHA256:\(random)\"}")
    }

    @Test func passPhrasesAreRedactedInEveryEscaping() {
        let phrase = "open \"sesame\"\u{1b}42"
        let firewall = OutputFirewall(ruleSet: nil, secrets: [phrase, "abc"])
        let text = "raw \(phrase); json \(String(JSONWriter.quote(phrase).dropFirst().dropLast())); shown \(TerminalText.escape(phrase)); abc"
        let (filtered, redacted) = firewall.filter(text)
        #expect(redacted)
        #expect(filtered == "raw [REDACTED]; json [REDACTED]; shown [REDACTED]; abc", "phrases under 4 characters are not searched")
    }

    @Test func terminalEscapes() {
        #expect(TerminalText.escape("plain ünïcödé \\ path") == "plain ünïcödé \\ path")
        #expect(TerminalText.escape("a\u{1b}[2Kb\rc\nd\te\u{7}\u{8}\u{7f}") == "a\\x1b[2Kb\\rc\\nd\\te\\x07\\x08\\x7f")
        #expect(TerminalText.escape("x\u{9b}31m\u{202e}\u{2066}\u{200f}") == "x\\u{009b}31m\\u{202e}\\u{2066}\\u{200f}")
        #expect(JSONWriter.quote("a\u{202e}b\u{85}") == "\"a\\u202eb\\u0085\"")
    }

    @Test func ociValueShapes() {
        #expect(OCIConfig.ocid("ocid1.user.oc1..aaaaaaaab4faofrfkxecohhjuivjq262pu", kind: "user") != nil)
        #expect(OCIConfig.ocid("ocid1.tenancy.oc1.phx.aaaa.bbbb", kind: "tenancy") != nil)
        #expect(OCIConfig.ocid("ocidv1:tenancy:oc1:phx:1460406592660:aaaaaaaab4faofrfkxecohhjuivjq262pu", kind: "tenancy") != nil)
        #expect(OCIConfig.ocid("ocid1.user.oc1..aaaa\n-----BEGIN RSA PRIVATE KEY-----", kind: "user") == nil)
        #expect(OCIConfig.ocid("ocid1.user.oc1..aaaa\u{1b}[8m", kind: "user") == nil)
        #expect(OCIConfig.ocid("ocid1.user.oc1..aaaa junk", kind: "user") == nil)
        #expect(OCIConfig.ocid("ocid1.tenancy.oc1..aaaa", kind: "user") == nil)
        #expect(OCIConfig.region("us-ashburn-1") == "us-ashburn-1")
        #expect(OCIConfig.region("us-ashburn-1\nMIIE") == nil)
        #expect(OCIConfig.path("~/.oci/oci_api_key.pem") == "~/.oci/oci_api_key.pem")
        #expect(OCIConfig.path("-----BEGIN RSA PRIVATE KEY-----MIIEow") == nil)
        #expect(OCIConfig.shown("|\n-----BEGIN RSA PRIVATE KEY-----\nMIIE") == "|…")
        #expect(OCIConfig.shown(String(repeating: "A", count: 100)) == String(repeating: "A", count: 40) + "…")
    }

    /// The firewall compiles its key rules only for outputs that could hold a
    /// key; what could is decided without them, so it must cover every match
    /// the key rules make: each of their examples.
    @Test func whatCouldHoldAKeyCoversEveryKeyRuleExample() throws {
        let rules = try OutputFirewall.keyRules().rules
        #expect(rules.count >= 4)
        for rule in rules {
            for example in rule.examples {
                #expect(OutputFirewall.mayHoldKey(Array(example.utf8)), "\(rule.id): \(example)")
            }
        }
        #expect(!OutputFirewall.mayHoldKey(Array("no findings in 5 files, 6.5 KiB, 3 ms\n".utf8)))
    }
}
