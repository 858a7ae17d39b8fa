import Testing
@testable import KeyLeak

@Suite struct PrefilterTests {
    @Test func findsEveryKeywordOccurrenceInRange() {
        let filter = Prefilter(keywords: [(Array("-----BEGIN".utf8), 0), (Array("OCI_API_KEY".utf8), 1)])
        let text = Array("xx -----BEGIN a\nOCI_API_KEY -----BEGIN".utf8)
        var hits: [(offset: Int, rule: Int)] = []
        text.withUnsafeBytes { filter.hits(in: $0, range: 0..<text.count, into: &hits) }
        let sorted = hits.sorted { $0.offset < $1.offset }
        #expect(sorted.map(\.offset) == [3, 16, 28])
        #expect(sorted.map(\.rule) == [0, 1, 0])
    }

    @Test func keywordMustStartInsideTheRange() {
        let filter = Prefilter(keywords: [(Array("BEGIN".utf8), 0)])
        let text = Array("aaBEGINbbBEGIN".utf8)
        var hits: [(offset: Int, rule: Int)] = []
        // The second keyword starts at 9; a range ending at 9 excludes it, one ending at 10 includes it
        // even though the keyword then runs past the range.
        text.withUnsafeBytes { filter.hits(in: $0, range: 3..<9, into: &hits) }
        #expect(hits.isEmpty)
        text.withUnsafeBytes { filter.hits(in: $0, range: 0..<10, into: &hits) }
        #expect(hits.map(\.offset).sorted() == [2, 9])
    }
}

@Suite struct PrefilterVectorTests {
    /// Every occurrence a plain search finds, at any alignment, near the
    /// buffer's ends and across the 16-byte steps of the vector pass.
    @Test func agreesWithAPlainSearchAtEveryAlignment() {
        let keywords = ["-----BEGIN", "OCI_API_KEY", "MII", "MIE", "ocid1.", "LS0tLS1CRUdJTi", "MC4CAQAw", "PuTTY-User-Key-File-"]
        let filter = Prefilter(keywords: keywords.enumerated().map { (Array($0.element.utf8), $0.offset) })
        var generator = SystemRandomNumberGenerator()
        let filler = Array("abcdefghijklmnopqrstuvwxyzMI-_ O0\n".utf8)
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
            var hits: [(offset: Int, rule: Int)] = []
            text.withUnsafeBytes { filter.hits(in: $0, range: lower..<upper, into: &hits) }
            #expect(hits.map { "\($0.offset):\($0.rule)" }.sorted() == expected.sorted(),
                    "text \(String(decoding: text, as: UTF8.self).debugDescription) range \(lower)..<\(upper)")
        }
    }

    @Test func keywordsSharingABytePairShareOneCompare() {
        let filter = Prefilter(keywords: ["MII", "MIE", "MIF", "MIG", "MIH"].map { (Array($0.utf8), 0) })
        #expect(filter.pairDescriptions == ["MI"])
    }

    @Test func keywordAtTheVeryEndOfTheBuffer() {
        let filter = Prefilter(keywords: [(Array("ocid1.".utf8), 0)])
        let text = Array((String(repeating: "x", count: 37) + "ocid1.").utf8)
        var hits: [(offset: Int, rule: Int)] = []
        text.withUnsafeBytes { filter.hits(in: $0, range: 0..<text.count, into: &hits) }
        #expect(hits.map(\.offset) == [37])
    }
}
