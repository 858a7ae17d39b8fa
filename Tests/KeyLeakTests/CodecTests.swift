import Testing
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

@Suite struct CodecTests {
    @Test func base64RoundTrip() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(($0 * 37 + 11) & 0xff) }
            let text = Base64.encode(bytes)
            #expect(Base64.decode(Array(text.utf8)) == bytes)
            #expect(Base64.decode(Array(Base64.encode(bytes, padded: false).utf8)) == bytes)
        }
    }

    @Test func base64RejectsForeignBytes() {
        #expect(Base64.decode(Array("AB.D".utf8)) == nil)
        #expect(Base64.decode(Array("AB=D".utf8)) == nil)
        #expect(Base64.decode(Array("A".utf8)) == nil)
    }

    @Test func derReadsTruncatedLengths() throws {
        let bytes: [UInt8] = [0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00]
        let element = try #require(DER.read(bytes, at: 0))
        #expect(element.tag == 0x30 && element.truncated)
        #expect(DER.children(bytes, of: element).first?.tag == 0x02)
    }

    @Test func derEncodesLongLengths() {
        let value = [UInt8](repeating: 1, count: 300)
        let encoded = DER.encode(0x04, value)
        #expect(Array(encoded.prefix(4)) == [0x04, 0x82, 0x01, 0x2c])
        #expect(DER.integer([0x80]) == [0x02, 0x02, 0x00, 0x80])
    }

    @Test func pathsThatAreNotUTF8AreEscaped() {
        #expect(PathBytes.display(Array("a/b.pem".utf8)) == "a/b.pem")
        #expect(PathBytes.display([0x61, 0xff, 0x62]) == "a\\xffb")
        // A line break is valid UTF-8: the real name (reporters escape what they must).
        #expect(PathBytes.display([0x61, 0x0a, 0x62]) == "a\nb")
        #expect(PathBytes.display(Array("é".utf8)) == "é")
    }
}
