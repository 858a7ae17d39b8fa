import Testing
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

@Suite struct JavaKeystoreTests {
    static func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func utf(_ s: String) -> [UInt8] { [0, UInt8(s.utf8.count)] + Array(s.utf8) }
    static let header = [UInt8]([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2])
    static func certificate(_ alias: String) -> [UInt8] {
        u32(2) + utf(alias) + [UInt8](repeating: 0, count: 8) + utf("X.509") + u32(5) + [0x30, 3, 2, 1, 0]
    }
    static func privateKey(_ alias: String) -> [UInt8] {
        u32(1) + utf(alias) + [UInt8](repeating: 0, count: 8) + u32(4) + [1, 2, 3, 4] + u32(1) + utf("X.509") + u32(2) + [0x30, 0]
    }

    @Test func aTruststoreHoldsNoSecretAndIsNoFinding() throws {
        let store = Self.header + Self.u32(2) + Self.certificate("ca one") + Self.certificate("ca two") + [UInt8](repeating: 0, count: 20)
        #expect(store.withUnsafeBytes { JavaKeystore.contents($0) } == .init(privateKeys: 0, secretKeys: 0, certificates: 2, unreadable: false))
        let scanner = BlobScanner(ruleSet: try RuleSet())
        #expect(scanner.scan(path: "cacerts", bytes: store).isEmpty)
    }

    @Test func privateKeyEntriesAreCountedAndFound() throws {
        let store = Self.header + Self.u32(2) + Self.certificate("ca") + Self.privateKey("server") + [UInt8](repeating: 0, count: 20)
        #expect(store.withUnsafeBytes { JavaKeystore.contents($0) }.privateKeys == 1)
        let findings = Scanner(ruleSet: try RuleSet()).scan(bytes: store, path: "server.jks").findings
        #expect(findings.map(\.rule) == ["java-keystore"])
        #expect(findings.first?.message.contains("1 private key entry") == true)
    }

    @Test func aCutOffStoreIsAssumedToHoldKeys() throws {
        let store = Self.header + Self.u32(3) + Self.certificate("ca")
        #expect(store.withUnsafeBytes { JavaKeystore.contents($0) }.unreadable)
        #expect(BlobScanner(ruleSet: try RuleSet()).scan(path: "x.jks", bytes: store).count == 1)
    }
}
