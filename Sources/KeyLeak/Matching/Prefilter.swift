#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cheap first stage of matching: finds the offsets where any rule's
/// keyword occurs, so the PCRE2 patterns run only near them.
///
/// Each keyword is anchored on its rarest byte (by a byte-frequency rank taken
/// from source code and prose). The scan is one `memchr` pass per distinct
/// anchor byte, then a compare of the keyword around each anchor hit.
struct Prefilter: Sendable {
    /// One keyword as the hot loop sees it: trivial values only, so scanning
    /// never retains or releases anything.
    struct Entry: Sendable {
        /// Offset of the keyword's first byte in `bytes`.
        var start: Int
        var length: Int
        /// Position of the anchor byte inside the keyword.
        var anchorOffset: Int
        var rule: Int
    }

    /// Distinct anchor bytes, one `memchr` pass each.
    let anchors: [UInt8]
    /// For anchor `i`, its entries are `entries[entryRanges[i]]`.
    let entryRanges: [Range<Int>]
    let entries: [Entry]
    /// Every keyword's bytes, back to back.
    let bytes: [UInt8]
    /// Largest anchor offset per anchor (how far past a range an anchor may lie).
    let maxAnchorOffset: [Int]
    /// Longest keyword, in bytes.
    let longest: Int

    /// An anchor already chosen is reused when it is at most this much more
    /// common (in rank) than a keyword's rarest byte: one pass fewer costs less
    /// than a few more candidate compares.
    static let reuseMargin = 48

    init(keywords: [([UInt8], Int)]) {
        // Shortest keywords first: they have the fewest bytes to choose from.
        let ordered = keywords.filter { !$0.0.isEmpty }.sorted { $0.0.count < $1.0.count }
        var chosen: [UInt8] = []
        var byAnchor: [UInt8: [(keyword: [UInt8], offset: Int, rule: Int)]] = [:]
        for (keyword, rule) in ordered {
            var best = 0
            for i in keyword.indices where Prefilter.rank[Int(keyword[i])] < Prefilter.rank[Int(keyword[best])] { best = i }
            if let reuse = keyword.indices.filter({ chosen.contains(keyword[$0]) })
                .min(by: { Prefilter.rank[Int(keyword[$0])] < Prefilter.rank[Int(keyword[$1])] }),
               Int(Prefilter.rank[Int(keyword[reuse])]) <= Int(Prefilter.rank[Int(keyword[best])]) + Prefilter.reuseMargin {
                best = reuse
            }
            if !chosen.contains(keyword[best]) { chosen.append(keyword[best]) }
            byAnchor[keyword[best], default: []].append((keyword, best, rule))
        }
        var anchors: [UInt8] = []
        var ranges: [Range<Int>] = []
        var entries: [Entry] = []
        var bytes: [UInt8] = []
        var maxOffsets: [Int] = []
        for anchor in chosen {
            let start = entries.count
            for item in byAnchor[anchor] ?? [] {
                entries.append(Entry(start: bytes.count, length: item.keyword.count, anchorOffset: item.offset, rule: item.rule))
                bytes += item.keyword
            }
            anchors.append(anchor)
            ranges.append(start..<entries.count)
            maxOffsets.append((byAnchor[anchor] ?? []).map(\.offset).max() ?? 0)
        }
        self.anchors = anchors
        self.entryRanges = ranges
        self.entries = entries
        self.bytes = bytes
        self.maxAnchorOffset = maxOffsets
        longest = keywords.map(\.0.count).max() ?? 0
    }

    /// Appends `(offset, rule)` for every keyword that starts in `range` of
    /// `buffer` (it may end past `range`, within `buffer`), unsorted.
    func hits(in buffer: UnsafeRawBufferPointer, range: Range<Int>, into out: inout [(offset: Int, rule: Int)]) {
        guard let base = buffer.baseAddress, !range.isEmpty else { return }
        entries.withUnsafeBufferPointer { entries in
            bytes.withUnsafeBytes { keywordBytes in
                let keywordBase = keywordBytes.baseAddress!
                for a in anchors.indices {
                    let anchor = Int32(anchors[a])
                    let group = entryRanges[a]
                    var position = range.lowerBound
                    let end = min(buffer.count, range.upperBound + maxAnchorOffset[a])
                    while position < end {
                        guard let found = memchr(base + position, anchor, end - position) else { break }
                        let hit = base.distance(to: UnsafeRawPointer(found))
                        for e in group {
                            let entry = entries[e]
                            let start = hit - entry.anchorOffset
                            guard start >= range.lowerBound, start < range.upperBound,
                                  start + entry.length <= buffer.count,
                                  // NOTE: first and last bytes inline before memcmp: most hits fail here.
                                  base.load(fromByteOffset: start, as: UInt8.self) == keywordBytes[entry.start],
                                  base.load(fromByteOffset: start + entry.length - 1, as: UInt8.self)
                                      == keywordBytes[entry.start + entry.length - 1],
                                  memcmp(base + start, keywordBase + entry.start, entry.length) == 0 else { continue }
                            out.append((start, entry.rule))
                        }
                        position = hit + 1
                    }
                }
            }
        }
    }

    /// Byte frequency rank (0 rarest … 255 most common), measured over C headers,
    /// Python and Perl sources and their documentation.
    static let rank: [UInt8] = [
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
