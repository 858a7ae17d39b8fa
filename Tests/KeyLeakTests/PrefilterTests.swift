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
