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
    struct Keyword: Sendable {
        var bytes: [UInt8]
        var anchorOffset: Int
        var rule: Int
    }

    /// Keywords grouped by their anchor byte.
    let groups: [(anchor: UInt8, keywords: [Keyword])]
    /// Longest keyword, in bytes.
    let longest: Int

    init(keywords: [([UInt8], Int)]) {
        var byAnchor: [UInt8: [Keyword]] = [:]
        for (bytes, rule) in keywords where !bytes.isEmpty {
            var best = 0
            for i in bytes.indices where Prefilter.rank[Int(bytes[i])] < Prefilter.rank[Int(bytes[best])] { best = i }
            byAnchor[bytes[best], default: []].append(Keyword(bytes: bytes, anchorOffset: best, rule: rule))
        }
        groups = byAnchor.keys.sorted().map { ($0, byAnchor[$0]!) }
        longest = keywords.map(\.0.count).max() ?? 0
    }

    /// Appends `(offset, rule)` for every keyword that starts in `range` of
    /// `buffer` (it may end past `range`, within `buffer`), unsorted.
    func hits(in buffer: UnsafeRawBufferPointer, range: Range<Int>, into out: inout [(offset: Int, rule: Int)]) {
        guard let base = buffer.baseAddress, !range.isEmpty else { return }
        for group in groups {
            let maxOffset = group.keywords.map(\.anchorOffset).max() ?? 0
            var position = range.lowerBound
            let end = min(buffer.count, range.upperBound + maxOffset)
            while position < end {
                guard let found = memchr(base + position, Int32(group.anchor), end - position) else { break }
                let hit = base.distance(to: UnsafeRawPointer(found))
                for keyword in group.keywords {
                    let start = hit - keyword.anchorOffset
                    guard start >= range.lowerBound, start < range.upperBound,
                          start + keyword.bytes.count <= buffer.count else { continue }
                    let equal = keyword.bytes.withUnsafeBytes { memcmp(base + start, $0.baseAddress!, $0.count) == 0 }
                    if equal { out.append((start, keyword.rule)) }
                }
                position = hit + 1
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
