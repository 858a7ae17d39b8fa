import KeyLeakInput

/// Bytes read back from a hex dump: `xxd`, `hexdump -C`, `od -A x -t x1z`,
/// `hexdump` and `od -x` (16-bit words), a hex editor's copy, or plain hex
/// lines (`xxd -p`).
///
/// A dump line is an offset (4 to 16 hex or octal digits, then `:` or white
/// space), then the bytes as groups of 2 to 16 hex digits, then maybe the
/// dump's text column (`|…|`, `>…<`, or after a gap of two spaces). Every full line
/// holds the same number of bytes: lines are cut to the fewest any line but
/// the last holds, so a text column that happens to read as hex is never
/// taken for bytes. Plain hex (no offsets) is read as hex DER text is.
package struct HexDump {
    /// The bytes, in the order the dump shows them.
    package let bytes: [UInt8]
    /// The bytes with each 2-byte group swapped, when every group was one
    /// 16-bit word (`hexdump`, `od -x` print them little-endian).
    let swapped: [UInt8]?
    /// Per line: its first byte's index, and the input offset past the line.
    private let lines: [(firstByte: Int, end: Int)]

    /// Most bytes read from one dump (a key file is a few KiB).
    static let maximumBytes = 65536

    /// The input offset just past the line that holds byte `count - 1`: the
    /// end of the text that gave the first `count` bytes.
    func inputOffset(after count: Int) -> Int {
        var low = 0
        var high = lines.count - 1
        // The last line whose first byte is below `count`.
        while low < high {
            let middle = (low + high + 1) / 2
            if lines[middle].firstByte < count { low = middle } else { high = middle - 1 }
        }
        return lines.isEmpty ? 0 : lines[low].end
    }

    /// The dump whose first line starts at `start` (its offset, or leading
    /// white space), or the plain hex that starts there; nil when neither
    /// reads as at least 16 bytes.
    package static func read(_ text: UnsafeRawBufferPointer, from start: Int) -> HexDump? {
        if let dump = readDump(text, from: start) { return dump }
        // Plain hex: digits, maybe split by white space and line breaks.
        var end = start
        while end < text.count, end - start < 2 * maximumBytes + 4096,
              PastedText.hexDigit(text[end]) != nil || isBlank(text[end]) || text[end] == UInt8(ascii: "\n") || text[end] == UInt8(ascii: "\r") {
            end += 1
        }
        let digits = PastedText.hexBytes(text, start..<end)
        guard digits.bytes.count >= 16 else { return nil }
        // NOTE: one line for all of it: offsets map back through `digits`.
        var lines: [(firstByte: Int, end: Int)] = []
        var next = 0
        while next < digits.bytes.count {
            lines.append((next, digits.inputOffset(after: next + 1)))
            next += 16
        }
        return HexDump(bytes: digits.bytes, swapped: nil, lines: lines)
    }

    /// Whether some line of `bytes` is a dump line of at least 8 bytes (the
    /// output firewall's test for text that could hold a dumped key).
    package static func holdsDumpLine(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { text in
            var start = 0
            while start < text.count {
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
                if let line = dumpLine(text, start..<end), line.bytes.count >= 8 { return true }
                start = end + 1
            }
            return false
        }
    }

    /// The lines of a dump with offsets, from `start`.
    private static func readDump(_ text: UnsafeRawBufferPointer, from start: Int) -> HexDump? {
        var parsed: [(bytes: [UInt8], words: Bool, end: Int)] = []
        var position = start
        var total = 0
        while position < text.count, total < maximumBytes {
            var lineEnd = position
            while lineEnd < text.count, text[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            guard let line = dumpLine(text, position..<lineEnd), !line.bytes.isEmpty else { break }
            parsed.append((line.bytes, line.words, lineEnd))
            total += line.bytes.count
            position = lineEnd + 1
        }
        guard !parsed.isEmpty else { return nil }
        // Full lines all hold `width` bytes; a longer one read its text column as hex.
        let width = parsed.count > 1 ? parsed.dropLast().map(\.bytes.count).min()! : parsed[0].bytes.count
        var bytes: [UInt8] = []
        var lines: [(firstByte: Int, end: Int)] = []
        for line in parsed {
            lines.append((bytes.count, line.end))
            bytes += line.bytes.prefix(width)
        }
        guard bytes.count >= 16 else { return nil }
        var swapped: [UInt8]?
        if parsed.allSatisfy(\.words), width % 2 == 0 {
            var words = bytes
            for i in stride(from: 0, to: words.count - 1, by: 2) { words.swapAt(i, i + 1) }
            swapped = words
        }
        return HexDump(bytes: bytes, swapped: swapped, lines: lines)
    }

    /// One dump line's bytes, and whether every group was a 16-bit word; nil
    /// when `range` is no dump line (no offset, or no group after it).
    private static func dumpLine(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> (bytes: [UInt8], words: Bool)? {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end, isBlank(text[i]) { i += 1 }
        let offsetStart = i
        while i < end, PastedText.hexDigit(text[i]) != nil { i += 1 }
        guard (4...16).contains(i - offsetStart), i < end, text[i] == UInt8(ascii: ":") || isBlank(text[i]) else { return nil }
        if text[i] == UInt8(ascii: ":") { i += 1 }
        var bytes: [UInt8] = []
        var words = true
        while i < end {
            let gapStart = i
            while i < end, isBlank(text[i]) || text[i] == UInt8(ascii: "\r") { i += 1 }
            // A wide gap after the bytes starts the text column; hexdump -C's
            // gap after its eighth byte is the one inside the bytes.
            if i - gapStart >= 2, !bytes.isEmpty, bytes.count != 8 { break }
            let groupStart = i
            var value: UInt8 = 0
            var digits = 0
            var group: [UInt8] = []
            while i < end, !isBlank(text[i]), text[i] != UInt8(ascii: "\r") {
                guard let digit = PastedText.hexDigit(text[i]) else { return finish(bytes, words) }
                value = value << 4 | digit
                digits += 1
                if digits % 2 == 0 { group.append(value); value = 0 }
                i += 1
            }
            let length = i - groupStart
            guard length >= 2, length <= 16, length % 2 == 0 else { return finish(bytes, words) }
            if length != 4 { words = false }
            bytes += group
        }
        return finish(bytes, words)
    }

    private static func finish(_ bytes: [UInt8], _ words: Bool) -> (bytes: [UInt8], words: Bool)? {
        bytes.isEmpty ? nil : (bytes, words)
    }

    private static func isBlank(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }
}
