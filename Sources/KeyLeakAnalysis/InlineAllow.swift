import KeyLeakInput
import KeyLeakMatching
/// Inline suppression: a `keyleak:allow` comment on a finding's first line or
/// on the line before it (also `gitleaks:allow` and `pragma: allowlist secret`,
/// for teams moving over from other scanners).
package enum InlineAllow {
    package static let markers: [[UInt8]] = ["keyleak:allow", "gitleaks:allow", "pragma: allowlist secret"].map { Array($0.utf8) }
    /// Longest line searched for a marker, in bytes either side of the finding.
    package static let reach = 4096

    package static func allows(_ view: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard let base = view.baseAddress else { return false }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        // The finding's line (to its end) and the line before it.
        var lineStart = offset
        while lineStart > 0, offset - lineStart < reach, bytes[lineStart - 1] != 10 { lineStart -= 1 }
        var previous = lineStart > 0 ? lineStart - 1 : 0
        while previous > 0, lineStart - previous < reach, bytes[previous - 1] != 10 { previous -= 1 }
        var lineEnd = offset
        while lineEnd < view.count, lineEnd - offset < reach, bytes[lineEnd] != 10 { lineEnd += 1 }
        let region = UnsafeRawBufferPointer(rebasing: view[previous..<lineEnd])
        return markers.contains { ByteSearch.find($0, in: region) != nil }
    }
}
