import Testing
@testable import KeyLeakInput
@testable import KeyLeakMatching

/// The matcher and the windowed searcher over in-memory bytes, with two
/// small rules of our own: every keyword is matched exactly once wherever it
/// falls against the 1 MiB windows and their overlap, matches reach the sink
/// sorted, and nothing reaches it when no keyword occurs.
@Suite struct MatcherTests {
    /// Rule 0 matches `LEAKWORD`; rule 1 its prefix `LEAKW`, so each keyword
    /// gives two matches at one offset (the tie is ordered by rule index).
    static let ruleSet = try! RuleSet(files: [("test.yaml", """
    rules:
      - id: leak-word
        title: Leak word
        severity: low
        analyzer: oci-marker
        keywords: ["LEAKWORD"]
        pattern: 'LEAKWORD'
        examples: ["LEAKWORD"]
      - id: leak-prefix
        title: Leak prefix
        severity: low
        analyzer: oci-marker
        keywords: ["LEAKW"]
        pattern: 'LEAKW'
        examples: ["LEAKW"]
    """)])
    static let keyword = Array("LEAKWORD".utf8)

    /// One match as the sink saw it: absolute offsets in the blob, and position.
    struct Seen: Equatable, CustomStringConvertible {
        var rule: Int
        var start: Int
        var end: Int
        var line: Int
        var column: Int
        var description: String { "rule \(rule) at \(start)..<\(end) (\(line):\(column))" }
    }

    /// A sink that only records what it is given.
    struct CollectingSink: MatchSink {
        var seen: [Seen] = []
        /// Every batch the searcher pushed was sorted by (offset, rule).
        var batchesSorted = true
        var fileStartCalls = 0
        /// When set, the sink first asks the position of the byte this far past
        /// each match (as a finding's end may lie in the overlap), then the match's.
        var lookAhead: Int?
        /// The positions asked for that way: absolute offset, line, column.
        var probes: [(offset: Int, line: Int, column: Int)] = []

        mutating func fileStartMatched(_ rules: [Int], in window: SearchWindow) { fileStartCalls += 1 }

        mutating func matched(_ matches: [RawMatch], in window: SearchWindow) {
            let keys = matches.map { [$0.range.lowerBound, $0.rule] }
            if keys != keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) { batchesSorted = false }
            for match in matches {
                #expect(window.block.contains(match.range.lowerBound), "a match outside its window's block")
                if let lookAhead {
                    let ahead = min(window.view.count - 1, match.range.lowerBound + lookAhead)
                    let position = window.position(of: ahead)
                    probes.append((window.start + ahead, position.line, position.column))
                }
                let position = window.position(of: match.range.lowerBound)
                seen.append(Seen(rule: match.rule, start: window.start + match.range.lowerBound,
                                 end: window.start + match.range.upperBound, line: position.line, column: position.column))
            }
        }
    }

    /// Searches `bytes` with a fresh searcher, the read handing out at most `chunk` bytes at a time.
    static func search(_ bytes: [UInt8], chunk: Int = .max, lookAhead: Int? = nil) throws -> CollectingSink {
        let searcher = Searcher(ruleSet: ruleSet)
        var sink = CollectingSink(lookAhead: lookAhead)
        var offset = 0
        let (count, archive) = try searcher.search(into: &sink) { target in
            let n = min(target.count, bytes.count - offset, chunk)
            if n > 0 {
                bytes.withUnsafeBytes { source in
                    target.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: n)
                }
            }
            offset += n
            return n
        }
        #expect(count == bytes.count && !archive)
        return sink
    }

    /// Lines of 63 `x` and a newline.
    static func filler(_ count: Int) -> [UInt8] {
        (0..<count).map { $0 % 64 == 63 ? 10 : UInt8(ascii: "x") }
    }

    /// What the sink must see for keywords at `offsets` of `bytes`: both rules at
    /// each, rule 0 first, with line and column counted here independently.
    static func expected(at offsets: [Int], in bytes: [UInt8]) -> [Seen] {
        let positions = positions(of: offsets.sorted(), in: bytes)
        return zip(offsets.sorted(), positions).flatMap { offset, position -> [Seen] in
            [Seen(rule: 0, start: offset, end: offset + keyword.count, line: position.line, column: position.column),
             Seen(rule: 1, start: offset, end: offset + 5, line: position.line, column: position.column)]
        }
    }

    /// 1-based line and byte column of each offset of `bytes`, counted here independently.
    static func positions(of offsets: [Int], in bytes: [UInt8]) -> [(line: Int, column: Int)] {
        var newlines: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where buffer[i] == 10 { newlines.append(i) }
        }
        return offsets.map { offset in
            // Newlines before `offset`: a binary search over their positions.
            var low = 0, high = newlines.count
            while low < high {
                let mid = (low + high) / 2
                if newlines[mid] < offset { low = mid + 1 } else { high = mid }
            }
            let lineStart = low == 0 ? 0 : newlines[low - 1] + 1
            return (low + 1, offset - lineStart + 1)
        }
    }

    static let block = Searcher.blockSize
    static let overlap = Searcher.overlap
    /// Three windows: [0, B+O), [B, 2B+O), [2B, end).
    static let blobLength = 2 * Searcher.blockSize + 4096

    /// Offsets around the first block's end, the first window's end (block + overlap),
    /// the second block's end, and the blob's two ends.
    static let offsets: [Int] = {
        var list = [0, 1, blobLength - keyword.count]
        for boundary in [block, block + overlap, 2 * block] {
            list += (boundary - keyword.count - 4)...(boundary + 4)
        }
        return list
    }()

    @Test func aKeywordNearAWindowBoundaryIsMatchedExactlyOnce() throws {
        var bytes = MatcherTests.filler(MatcherTests.blobLength)
        for offset in MatcherTests.offsets {
            let saved = Array(bytes[offset..<offset + MatcherTests.keyword.count])
            bytes.replaceSubrange(offset..<offset + MatcherTests.keyword.count, with: MatcherTests.keyword)
            let sink = try MatcherTests.search(bytes)
            #expect(sink.seen == MatcherTests.expected(at: [offset], in: bytes), "keyword at \(offset) (block \(MatcherTests.block))")
            #expect(sink.batchesSorted)
            bytes.replaceSubrange(offset..<offset + MatcherTests.keyword.count, with: saved)
        }
    }

    @Test(arguments: [1, 4096, 65_537, 1_000_003])
    func shortReadsChangeNothing(chunk: Int) throws {
        var bytes = MatcherTests.filler(MatcherTests.blobLength)
        let offsets = [5, MatcherTests.block - 3, MatcherTests.block + MatcherTests.overlap - 2, 2 * MatcherTests.block]
        for offset in offsets { bytes.replaceSubrange(offset..<offset + 8, with: MatcherTests.keyword) }
        // One byte a read is slow over 2 MiB: that case gets a shorter blob with the first two keywords.
        if chunk == 1 { bytes.removeSubrange((MatcherTests.block + 1024)...) }
        let sink = try MatcherTests.search(bytes, chunk: chunk)
        let kept = offsets.filter { $0 + 8 <= bytes.count }
        #expect(sink.seen == MatcherTests.expected(at: kept, in: bytes))
    }

    @Test func manyKeywordsAcrossWindowsArriveSortedAndOnce() throws {
        var bytes = MatcherTests.filler(MatcherTests.blobLength)
        var generator = SeededGenerator(seed: 42)
        var offsets = Set<Int>()
        // Keywords never overlap one another: each starts on its own 16-byte slot.
        while offsets.count < 500 {
            let slot = Int.random(in: 0..<(MatcherTests.blobLength / 16 - 1), using: &generator) * 16
            offsets.insert(slot)
        }
        // Dense ones right at the boundaries too.
        for boundary in [MatcherTests.block, 2 * MatcherTests.block] {
            for slot in stride(from: boundary - 64, to: boundary + 64, by: 16) { offsets.insert(slot) }
        }
        for offset in offsets { bytes.replaceSubrange(offset..<offset + 8, with: MatcherTests.keyword) }
        let sink = try MatcherTests.search(bytes)
        #expect(sink.batchesSorted)
        let keys = sink.seen.map { [$0.start, $0.rule] }
        #expect(keys == keys.sorted(by: { $0.lexicographicallyPrecedes($1) }), "matches not sorted across windows")
        #expect(sink.seen == MatcherTests.expected(at: Array(offsets), in: bytes))
    }

    /// A sink may ask for a position past the next match (a key's last line) before
    /// the match's own, and into the overlap the next window starts with: the line
    /// counter must count again rather than drift, in this window and the next ones.
    @Test(arguments: [100, 5000, 70_000])
    func positionsStayRightWhenTheSinkLooksAhead(lookAhead: Int) throws {
        var bytes = MatcherTests.filler(MatcherTests.blobLength)
        var offsets = [16, 4096, 9000 * 16, MatcherTests.block - 64, MatcherTests.block - 16, MatcherTests.block + 48,
                       MatcherTests.block + MatcherTests.overlap - 32, 2 * MatcherTests.block - 80, 2 * MatcherTests.block + 16]
        offsets += stride(from: MatcherTests.block - 20_000, to: MatcherTests.block, by: 3_200).map { $0 / 16 * 16 }
        offsets = Array(Set(offsets)).sorted()
        // Some lines get longer (a newline replaced), so columns are not all alike.
        for offset in offsets { bytes.replaceSubrange(offset..<offset + 8, with: MatcherTests.keyword) }
        for offset in offsets.dropFirst(3) { bytes[offset + 15] = UInt8(ascii: "y") }
        let sink = try MatcherTests.search(bytes, lookAhead: lookAhead)
        #expect(sink.seen == MatcherTests.expected(at: offsets, in: bytes))
        let probed = MatcherTests.positions(of: sink.probes.map(\.offset), in: bytes)
        for (probe, expected) in zip(sink.probes, probed) {
            #expect(probe.line == expected.line && probe.column == expected.column,
                    "offset \(probe.offset): \(probe.line):\(probe.column), expected \(expected.line):\(expected.column)")
        }
        #expect(sink.probes.count == sink.seen.count)
    }

    @Test func nothingIsMatchedWhenNoKeywordOccurs() throws {
        var bytes = MatcherTests.filler(MatcherTests.blobLength)
        // Near misses, some across the boundaries: none contains a keyword.
        let misses = ["LEAK WORD", "leakword", "EAKWORD", "LEAKwORD", "LEAK\nWORD"].map { Array($0.utf8) }
        for (i, boundary) in [100, MatcherTests.block - 4, MatcherTests.block + MatcherTests.overlap - 3, 2 * MatcherTests.block - 2].enumerated() {
            let miss = misses[i % misses.count]
            bytes.replaceSubrange(boundary..<boundary + miss.count, with: miss)
        }
        let sink = try MatcherTests.search(bytes)
        #expect(sink.seen.isEmpty)
        #expect(sink.fileStartCalls == 0)
        #expect(try MatcherTests.search([]).seen.isEmpty)
    }

    @Test func matcherKeepsKeywordsThatStartInTheBlockOnly() throws {
        // As the searcher calls it (blocks start at the window's first byte): a keyword
        // starting on the block's last byte is this block's, though it runs past it; one
        // starting right after belongs to the next window.
        let text = Array("xxLEAKWORDyyLEAKWORDzz".utf8)
        let matcher = Matcher(ruleSet: MatcherTests.ruleSet)
        let scratch = MatchScratch(ruleSet: MatcherTests.ruleSet)
        let first = text.withUnsafeBytes { matcher.matches(in: $0, block: 0..<3, scratch: scratch) }
        #expect(first.map(\.rule) == [0, 1])
        #expect(first.map(\.range) == [2..<10, 2..<7])
        let both = text.withUnsafeBytes { matcher.matches(in: $0, block: 0..<13, scratch: scratch) }
        #expect(both.map(\.range) == [2..<10, 2..<7, 12..<20, 12..<17])
        let none = text.withUnsafeBytes { matcher.matches(in: $0, block: 0..<2, scratch: scratch) }
        #expect(none.isEmpty)
    }

    @Test func matcherHonoursABlockThatStartsInsideTheBuffer() throws {
        // `Matcher.matches(in:block:scratch:)` documents "matches whose keyword starts in
        // `block` (a range of `buffer`)", but only the lower bound 0 is ever used (by the
        // Searcher). With a later lower bound the pattern search from the start of the
        // hit's line finds an earlier match on that line, before the block, reports it,
        // and the match of the keyword inside the block is lost.
        let text = Array("xxLEAKWORDyyLEAKWORDzz".utf8)
        let matcher = Matcher(ruleSet: MatcherTests.ruleSet)
        let scratch = MatchScratch(ruleSet: MatcherTests.ruleSet)
        let none = text.withUnsafeBytes { matcher.matches(in: $0, block: 3..<12, scratch: scratch) }
        #expect(none.isEmpty)
        let second = text.withUnsafeBytes { matcher.matches(in: $0, block: 3..<13, scratch: scratch) }
        withKnownIssue("Matcher: a block with a lower bound > 0 reports a match before the block (latent; the Searcher always passes 0)") {
            #expect(second.map(\.range) == [12..<20, 12..<17])
        }
    }

    /// A small deterministic generator (SplitMix64), so a failure replays.
    struct SeededGenerator: RandomNumberGenerator {
        private var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
