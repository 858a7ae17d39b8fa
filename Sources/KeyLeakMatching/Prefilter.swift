import KeyLeakInput
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cheap first stage of matching: finds the offsets where any rule's
/// keyword occurs, so the PCRE2 patterns run only near them.
///
/// The literals go to Vectorscan (`LiteralDatabase`) when it runs on this
/// CPU; the byte-pair engine below is the portable fallback, and both give
/// the same hits (tested).
///
/// Each keyword is represented by one pair of adjacent bytes, its rarest by a
/// byte-frequency rank taken from source code and prose. One pass over the
/// bytes compares 16 positions at a time against every distinct pair (vector
/// compares, no branches); only the rare positions where a pair occurs are
/// then checked against the whole keywords. Keywords sharing a pair (`MII`,
/// `MIE`, …) cost one compare between them.
package struct Prefilter: Sendable {
    /// One keyword as the hot loop sees it: trivial values only, so scanning
    /// never retains or releases anything.
    package struct Entry: Sendable {
        /// Offset of the keyword's first byte in `bytes`.
        package var start: Int
        package var length: Int
        /// Position of the keyword's pair inside the keyword.
        package var pairOffset: Int
        package var rule: Int
    }

    package typealias Lanes = SIMD16<UInt8>

    /// Distinct pairs: first and second byte.
    package let pairs: [(UInt8, UInt8)]
    /// The pairs' bytes splatted across a vector, for the vector compares.
    package let firstLanes: [Lanes]
    package let secondLanes: [Lanes]
    /// For pair `i`, its entries are `entries[entryRanges[i]]`.
    package let entryRanges: [Range<Int>]
    package let entries: [Entry]
    /// Every keyword's bytes, back to back.
    package let bytes: [UInt8]
    /// Smallest and largest offset of a pair inside its keyword.
    package let minPairOffset: Int
    package let maxPairOffset: Int
    /// Longest keyword, in bytes.
    package let longest: Int
    /// The SIMD literal engine, when available and wanted (compiled on first need).
    package let literals: LazyLiteralDatabase?

    /// A keyword accepts any of its pairs whose rank sum is at most this much
    /// above its rarest pair's: one vector compare fewer (a pair shared with
    /// other keywords) costs less than a few more candidate checks.
    package static let shareMargin = 56

    /// `keywords` are (bytes, rule index); every keyword is at least 2 bytes
    /// (RuleSet rejects shorter ones).
    package init(keywords: [([UInt8], Int)], literalEngine: Bool = true) {
        let keywords = keywords.filter { $0.0.count >= 2 }
        literals = literalEngine ? LazyLiteralDatabase(keywords: keywords) : nil
        func code(_ k: [UInt8], _ i: Int) -> UInt16 { UInt16(k[i]) << 8 | UInt16(k[i + 1]) }
        func score(_ k: [UInt8], _ i: Int) -> Int { Int(Prefilter.rank[Int(k[i])]) + Int(Prefilter.rank[Int(k[i + 1])]) }
        // The pairs each keyword accepts, by pair code → rank sum.
        let acceptable: [[UInt16: Int]] = keywords.map { keyword, _ in
            let offsets = 0..<(keyword.count - 1)
            let rarest = offsets.map { score(keyword, $0) }.min()!
            var pairs: [UInt16: Int] = [:]
            for i in offsets where score(keyword, i) <= rarest + Prefilter.shareMargin { pairs[code(keyword, i)] = score(keyword, i) }
            return pairs
        }
        // Greedy cover: the pair most keywords accept (rarer on a tie), until
        // every keyword has one. Deterministic: ties end on the pair code.
        var pairOf = [UInt16?](repeating: nil, count: keywords.count)
        var chosen: [UInt16] = []
        while pairOf.contains(where: { $0 == nil }) {
            var votes: [UInt16: (count: Int, score: Int)] = [:]
            for (i, pairs) in acceptable.enumerated() where pairOf[i] == nil {
                for (pair, s) in pairs { votes[pair, default: (0, 0)].count += 1; votes[pair]!.score = s }
            }
            let best = votes.min { a, b in
                (a.value.count, -a.value.score, -Int(a.key)) > (b.value.count, -b.value.score, -Int(b.key))
            }!.key
            chosen.append(best)
            for i in keywords.indices where pairOf[i] == nil && acceptable[i][best] != nil { pairOf[i] = best }
        }
        var ranges: [Range<Int>] = []
        var entries: [Entry] = []
        var bytes: [UInt8] = []
        for pair in chosen {
            let start = entries.count
            for (i, (keyword, rule)) in keywords.enumerated() where pairOf[i] == pair {
                // The pair's first occurrence in the keyword.
                let offset = (0..<(keyword.count - 1)).first { code(keyword, $0) == pair }!
                entries.append(Entry(start: bytes.count, length: keyword.count, pairOffset: offset, rule: rule))
                bytes += keyword
            }
            ranges.append(start..<entries.count)
        }
        pairs = chosen.map { (UInt8($0 >> 8), UInt8($0 & 0xFF)) }
        firstLanes = pairs.map { Lanes(repeating: $0.0) }
        secondLanes = pairs.map { Lanes(repeating: $0.1) }
        entryRanges = ranges
        self.entries = entries
        self.bytes = bytes
        minPairOffset = entries.map(\.pairOffset).min() ?? 0
        maxPairOffset = entries.map(\.pairOffset).max() ?? 0
        longest = keywords.map(\.0.count).max() ?? 0
    }

    /// The chosen pairs as text (for `rules list --verbose` and tests).
    package var pairDescriptions: [String] {
        pairs.map { String(decoding: [$0.0, $0.1], as: UTF8.self) }
    }

    /// The engine in use, for `rules check` and the benchmark.
    package var engineDescription: String {
        literals != nil ? "vectorscan literals" : "\(pairs.count) byte pairs (\(pairDescriptions.map(\.debugDescription).joined(separator: " ")))"
    }

    /// Appends `(offset, rule)` for every keyword that starts in `range` of
    /// `buffer` (it may end past `range`, within `buffer`), unsorted.
    /// `scratch` is the calling thread's (from `literals.database.makeScratch()`):
    /// without one, the pair engine runs.
    package func hits(in buffer: UnsafeRawBufferPointer, range: Range<Int>, scratch: LiteralScratch?,
              into out: inout [(offset: Int, rule: Int)]) {
        let before = out.count
        if let literals = scratch?.database, let scratch, literals.hits(in: buffer, range: range, scratch: scratch, into: &out) { return }
        // No literal engine, or it failed this window: never skip a window.
        out.removeSubrange(before...)
        pairHits(in: buffer, range: range, into: &out)
    }

    /// The portable engine: one vector pass over the byte pairs.
    package func pairHits(in buffer: UnsafeRawBufferPointer, range: Range<Int>, into out: inout [(offset: Int, rule: Int)]) {
        guard let base = buffer.baseAddress, !range.isEmpty, !pairs.isEmpty else { return }
        // A keyword starting at s has its pair at s + pairOffset, and the pair's
        // second byte must lie inside the buffer.
        let first = range.lowerBound + minPairOffset
        let end = min(buffer.count - 1, range.upperBound + maxPairOffset)
        guard first < end else { return }
        firstLanes.withUnsafeBufferPointer { firsts in
            secondLanes.withUnsafeBufferPointer { seconds in
                let count = firsts.count
                let step = 2 * Lanes.scalarCount
                var q = first
                // Vector pass, 32 positions a step as two 16-lane halves (wider
                // Swift vectors compile poorly on baseline x86-64): positions
                // q..<q+32, reading bytes up to q+32. Integer lanes (0 or -1)
                // rather than SIMDMask keep the compiler from re-normalising masks.
                while q + step <= end {
                    let a0 = (base + q).loadUnaligned(as: Lanes.self)
                    let a1 = (base + q + 1).loadUnaligned(as: Lanes.self)
                    let b0 = (base + q + Lanes.scalarCount).loadUnaligned(as: Lanes.self)
                    let b1 = (base + q + Lanes.scalarCount + 1).loadUnaligned(as: Lanes.self)
                    var low = SIMD16<Int8>(repeating: 0)
                    var high = SIMD16<Int8>(repeating: 0)
                    for p in 0..<count {
                        let x = firsts[p], y = seconds[p]
                        low |= (a0 .== x)._storage & (a1 .== y)._storage
                        high |= (b0 .== x)._storage & (b1 .== y)._storage
                    }
                    let any = unsafeBitCast(low | high, to: SIMD2<UInt64>.self)
                    if any[0] | any[1] != 0 {
                        for lane in 0..<Lanes.scalarCount where low[lane] != 0 {
                            check(base, count: buffer.count, at: q + lane, range: range, into: &out)
                        }
                        for lane in 0..<Lanes.scalarCount where high[lane] != 0 {
                            check(base, count: buffer.count, at: q + Lanes.scalarCount + lane, range: range, into: &out)
                        }
                    }
                    q += step
                }
                while q < end {
                    check(base, count: buffer.count, at: q, range: range, into: &out)
                    q += 1
                }
            }
        }
    }

    /// The keywords whose pair sits at `position`.
    @inline(__always)
    private func check(_ base: UnsafeRawPointer, count: Int, at position: Int, range: Range<Int>,
                       into out: inout [(offset: Int, rule: Int)]) {
        let b0 = base.load(fromByteOffset: position, as: UInt8.self)
        let b1 = base.load(fromByteOffset: position + 1, as: UInt8.self)
        for p in pairs.indices where pairs[p].0 == b0 && pairs[p].1 == b1 {
            for e in entryRanges[p] {
                let entry = entries[e]
                let start = position - entry.pairOffset
                guard start >= range.lowerBound, start < range.upperBound, start + entry.length <= count else { continue }
                let matched = bytes.withUnsafeBytes { keyword in
                    memcmp(base + start, keyword.baseAddress! + entry.start, entry.length) == 0
                }
                if matched { out.append((start, entry.rule)) }
            }
        }
    }

    /// Byte frequency rank (0 rarest … 255 most common), measured over C headers,
    /// Python and Perl sources and their documentation.
    package static let rank: [UInt8] = [
        254, 237, 218, 199, 191, 200, 171, 162, 188, 193, 244, 154, 164, 156, 160, 219, 178, 146, 134, 128, 132, 125,
        114, 112, 137, 124, 104, 103, 110, 107, 101, 133, 255, 115, 201, 190, 195, 117, 121, 185, 231, 234, 225, 129,
        236, 217, 230, 211, 228, 213, 198, 183, 177, 184, 172, 153, 170, 179, 202, 181, 152, 196, 176, 116, 135, 222,
        180, 215, 204, 229, 186, 182, 212, 221, 113, 149, 223, 189, 220, 209, 207, 105, 210, 233, 224, 173, 157, 119,
        216, 145, 139, 158, 144, 163, 81, 248, 147, 246, 214, 241, 243, 253, 239, 227, 232, 247, 168, 208, 242, 235,
        249, 245, 240, 138, 251, 250, 252, 238, 205, 192, 206, 226, 174, 127, 194, 167, 86, 78, 142, 38, 72, 122, 159,
        120, 32, 45, 141, 175, 62, 155, 111, 118, 44, 56, 140, 60, 46, 36, 95, 53, 3, 99, 131, 82, 40, 30, 90, 67, 4,
        33, 150, 20, 49, 2, 75, 37, 165, 14, 108, 71, 8, 166, 93, 21, 7, 27, 97, 5, 0, 1, 58, 12, 10, 6, 91, 22, 35, 9,
        77, 31, 43, 63, 130, 89, 73, 83, 74, 80, 59, 94, 79, 68, 25, 18, 54, 19, 16, 26, 187, 151, 100, 13, 161, 23,
        17, 87, 148, 42, 169, 66, 11, 109, 39, 55, 98, 28, 51, 34, 41, 65, 24, 50, 136, 123, 15, 64, 48, 47, 29, 88,
        197, 106, 143, 126, 84, 70, 69, 57, 102, 52, 85, 61, 76, 92, 96, 203,
    ]
}
