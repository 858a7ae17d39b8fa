import KeyLeakInput
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search over raw bytes: `memchr` for the first byte, then `memcmp`.
package enum ByteSearch {
    /// Offset of the first occurrence of `needle` in `haystack`, or nil.
    package static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
        guard let first = needle.first, let base = haystack.baseAddress, needle.count <= haystack.count else { return nil }
        var position = 0
        let last = haystack.count - needle.count
        while position <= last {
            guard let found = memchr(base + position, Int32(first), last - position + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(found))
            let equal = needle.withUnsafeBytes { memcmp(base + at, $0.baseAddress!, needle.count) == 0 }
            if equal { return at }
            position = at + 1
        }
        return nil
    }

    package static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        haystack.withUnsafeBytes { raw in find(needle, in: raw).map { $0..<($0 + needle.count) } }
    }
}
