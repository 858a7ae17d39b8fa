import Testing
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Both prefilter engines (Vectorscan literals and the portable byte pairs)
/// run every test and must agree.
@Suite struct PrefilterTests {
    static let engines = [true, false]

    func hits(_ filter: Prefilter, _ text: [UInt8], _ range: Range<Int>) -> [(offset: Int, rule: Int)] {
        var hits: [(offset: Int, rule: Int)] = []
        let scratch = filter.literals?.database?.makeScratch()
        text.withUnsafeBytes { filter.hits(in: $0, range: range, scratch: scratch, into: &hits) }
        return hits.sorted { ($0.offset, $0.rule) < ($1.offset, $1.rule) }
    }

    @Test func theLiteralEngineRunsHere() {
        // NOTE: if this fails, scans still work (on the pair engine) but slower.
        let filter = Prefilter(keywords: [(Array("-----BEGIN".utf8), 0)])
        #expect(filter.literals?.database != nil)
        #expect(filter.engineDescription == "vectorscan literals")
    }

    @Test(arguments: engines) func findsEveryKeywordOccurrenceInRange(literalEngine: Bool) {
        let filter = Prefilter(keywords: [(Array("-----BEGIN".utf8), 0), (Array("OCI_API_KEY".utf8), 1)], literalEngine: literalEngine)
        let found = hits(filter, Array("xx -----BEGIN a\nOCI_API_KEY -----BEGIN".utf8), 0..<38)
        #expect(found.map(\.offset) == [3, 16, 28])
        #expect(found.map(\.rule) == [0, 1, 0])
    }

    @Test(arguments: engines) func keywordMustStartInsideTheRange(literalEngine: Bool) {
        let filter = Prefilter(keywords: [(Array("BEGIN".utf8), 0)], literalEngine: literalEngine)
        let text = Array("aaBEGINbbBEGIN".utf8)
        // The second keyword starts at 9; a range ending at 9 excludes it, one ending at 10 includes it
        // even though the keyword then runs past the range.
        #expect(hits(filter, text, 3..<9).isEmpty)
        #expect(hits(filter, text, 0..<10).map(\.offset) == [2, 9])
    }

    /// Every occurrence a plain search finds, at any alignment, near the
    /// buffer's ends and across the 16-byte steps of the vector pass.
    @Test(arguments: engines) func agreesWithAPlainSearchAtEveryAlignment(literalEngine: Bool) {
        let keywords = ["-----BEGIN", "OCI_API_KEY", "MII", "MIE", "ocid1.", "LS0tLS1CRUdJTi", "MC4CAQAw", "PuTTY-User-Key-File-"]
        let filter = Prefilter(keywords: keywords.enumerated().map { (Array($0.element.utf8), $0.offset) }, literalEngine: literalEngine)
        var generator = SystemRandomNumberGenerator()
        let filler = Array("abcdefghijklmnopqrstuvwxyzMI-_ O0\n\u{0}".utf8)
        for trial in 0..<300 {
            var text = (0..<Int.random(in: 0...200, using: &generator)).map { _ in filler.randomElement(using: &generator)! }
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                let keyword = Array(keywords.randomElement(using: &generator)!.utf8)
                text.insert(contentsOf: keyword, at: Int.random(in: 0...text.count, using: &generator))
            }
            let lower = trial % 3 == 0 ? 0 : Int.random(in: 0...text.count, using: &generator)
            let upper = Int.random(in: lower...text.count, using: &generator)
            var expected: [String] = []
            for (rule, keyword) in keywords.enumerated() {
                let k = Array(keyword.utf8)
                for start in lower..<upper where start + k.count <= text.count && Array(text[start..<start + k.count]) == k {
                    expected.append("\(start):\(rule)")
                }
            }
            #expect(hits(filter, text, lower..<upper).map { "\($0.offset):\($0.rule)" }.sorted() == expected.sorted(),
                    "text \(String(decoding: text, as: UTF8.self).debugDescription) range \(lower)..<\(upper)")
        }
    }

    @Test func keywordsSharingABytePairShareOneCompare() {
        let filter = Prefilter(keywords: ["MII", "MIE", "MIF", "MIG", "MIH"].map { (Array($0.utf8), 0) }, literalEngine: false)
        #expect(filter.pairDescriptions == ["MI"])
    }

    @Test(arguments: engines) func keywordAtTheVeryEndOfTheBuffer(literalEngine: Bool) {
        let filter = Prefilter(keywords: [(Array("ocid1.".utf8), 0)], literalEngine: literalEngine)
        let text = Array((String(repeating: "x", count: 37) + "ocid1.").utf8)
        #expect(hits(filter, text, 0..<text.count).map(\.offset) == [37])
    }
}
