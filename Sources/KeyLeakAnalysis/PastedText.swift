import KeyLeakInput
import KeyLeakMatching

/// Text recovered from a form that hides a key's plain bytes from the
/// normaliser (one side of a unified diff, URL encoding, UTF-16, base64 or
/// hex digits spread over lines), with, for each recovered byte, the offset in
/// the input just past the bytes it came from: findings keep pointing at the
/// input's lines.
package struct PastedText: Sendable {
    /// The recovered bytes.
    package var bytes: [UInt8] = []
    /// For each recovered byte, the input offset just past its source bytes.
    package var inputEnd: [Int] = []
    /// The armoured block the text holds has ended: the line after its END
    /// armour is complete (room for the OCI marker), or another BEGIN armour
    /// started. Decoders stop there.
    /// NOTE: without it, every armour line of a long diff or UTF-16 file would
    /// decode the whole 64 KiB that a block may span.
    package private(set) var complete = false
    /// A diff side only: some line had a `+` or `-` prefix (kept or skipped),
    /// so the side differs from the lines read as plain indented text.
    package var changed = false
    /// Where watching for the block's end starts (the armour's own BEGIN is not another's).
    private let watchFrom: Int
    /// Bytes of `-----BEGIN`, `-----END` and `---- END` matched so far.
    private var beginMatched = 0, endMatched = 0, ssh2EndMatched = 0
    /// Line breaks still allowed after an END armour; nil before one.
    private var linesLeft: Int?

    private static let begin = Array("-----BEGIN".utf8), end = Array("-----END".utf8), ssh2End = Array("---- END".utf8)

    /// An empty text with room for `capacity` bytes, watching for its block's
    /// end from recovered byte `watchFrom` on (just past the block's BEGIN).
    package init(capacity: Int = 0, watchFrom: Int = 1) {
        bytes.reserveCapacity(capacity)
        inputEnd.reserveCapacity(capacity)
        self.watchFrom = watchFrom
    }

    /// Appends `byte`, which came from input bytes ending just before `end`.
    @inline(__always)
    package mutating func append(_ byte: UInt8, end: Int) {
        bytes.append(byte)
        inputEnd.append(end)
        guard bytes.count > watchFrom else { return }
        if let left = linesLeft {
            if byte == UInt8(ascii: "\n") {
                linesLeft = left - 1
                if left == 1 { complete = true }
            }
            return
        }
        if PastedText.advance(&beginMatched, PastedText.begin, byte) { complete = true }
        if PastedText.advance(&endMatched, PastedText.end, byte) || PastedText.advance(&ssh2EndMatched, PastedText.ssh2End, byte) {
            linesLeft = 2
        }
    }

    /// Advances a running match of `word` by `byte`; true when it completes.
    @inline(__always)
    private static func advance(_ matched: inout Int, _ word: [UInt8], _ byte: UInt8) -> Bool {
        if byte == word[matched] {
            matched += 1
            if matched == word.count {
                matched = 0
                return true
            }
        } else {
            matched = byte == word[0] ? 1 : 0
        }
        return false
    }

    /// The input offset just past the recovered bytes `0..<count`; 0 for an empty text.
    package func inputOffset(after count: Int) -> Int {
        inputEnd.isEmpty ? 0 : inputEnd[max(0, min(count, inputEnd.count) - 1)]
    }

    // MARK: unified diffs

    /// The diff line prefix before the armour at `start`, if its line is a
    /// diff line: `+`, `-` or a space at the line's start (after indentation
    /// made of spaces and tabs, as a patch quoted in a ticket). Returns the
    /// prefix and where its line starts.
    package static func diffPrefix(_ input: UnsafeRawBufferPointer, before start: Int) -> (prefix: UInt8, lineStart: Int)? {
        guard start >= 1 else { return nil }
        let prefix = input[start - 1]
        guard prefix == UInt8(ascii: "+") || prefix == UInt8(ascii: "-") || prefix == UInt8(ascii: " ") else { return nil }
        var i = start - 1
        while i > 0, start - i < 64, input[i - 1] == UInt8(ascii: " ") || input[i - 1] == UInt8(ascii: "\t") { i -= 1 }
        guard i == 0 || input[i - 1] == UInt8(ascii: "\n") else { return nil }
        return (prefix, i)
    }

    /// One side of the unified diff whose line starts at `lineStart` with
    /// `indent` bytes of indentation: the lines prefixed with `keep` (`+` for
    /// the new side, `-` for the old) or a space (context), without their
    /// prefix. Lines of the other side and `\ No newline at end of file` are
    /// skipped; the text ends at the first line that is not a diff line.
    /// NOTE: `+` and `/` are base64 too, so a prefix is only ever stripped from
    /// a run where every line has one, starting at the armour line that had it.
    package static func diffSide(_ input: UnsafeRawBufferPointer, lineStart: Int, indent: Int, keep: UInt8) -> PastedText {
        let limit = min(input.count, lineStart + PEMNormalizer.maximumBlockLength)
        var text = PastedText(capacity: min(limit - lineStart, 8192))
        var i = lineStart
        while i < limit, !text.complete {
            var eol = i
            while eol < limit, input[eol] != UInt8(ascii: "\n") { eol += 1 }
            let contentStart = i + indent
            guard contentStart < eol, (i..<contentStart).allSatisfy({ input[$0] == input[lineStart + $0 - i] }) else { break }
            let prefix = input[contentStart]
            if prefix == UInt8(ascii: "+") || prefix == UInt8(ascii: "-") { text.changed = true }
            if prefix == keep || prefix == UInt8(ascii: " ") {
                for j in (contentStart + 1)..<eol { text.append(input[j], end: j + 1) }
                text.append(UInt8(ascii: "\n"), end: min(eol + 1, input.count))
            } else if prefix != UInt8(ascii: "+") && prefix != UInt8(ascii: "-") && prefix != UInt8(ascii: "\\") {
                break
            }
            i = eol + 1
        }
        return text
    }

    // MARK: URL encoding

    /// How the armour at `start` (matched as `armour`) was URL-encoded, if it
    /// was: `plusIsSpace` when its words are joined by `+` (form encoding, where
    /// a `+` of the body is written `%2B`); nil for plain text.
    package static func urlEncoding(_ input: UnsafeRawBufferPointer, armour: Range<Int>) -> (plusIsSpace: Bool, whole: Bool)? {
        let matched = UnsafeRawBufferPointer(rebasing: input[armour])
        if matched.contains(UInt8(ascii: "+")) { return (true, true) }
        if matched.contains(UInt8(ascii: "%")) { return (false, true) }
        // The armour's spaces kept, only the line breaks encoded: `…KEY-----%0AMIIE…`.
        let after = armour.upperBound
        guard after + 3 <= input.count, input[after] == UInt8(ascii: "%"), input[after + 1] == UInt8(ascii: "0"),
              input[after + 2] | 0x20 == UInt8(ascii: "a") || input[after + 2] | 0x20 == UInt8(ascii: "d") else { return nil }
        return (false, false)
    }

    /// The URL-decoded text from `start`: `%HH` is the byte HH and, with
    /// `plusIsSpace`, `+` a space. Ends where the encoded value must end: at a
    /// raw line break, `&` or quote, and for a `whole`ly encoded value also at
    /// raw white space.
    package static func urlDecoded(_ input: UnsafeRawBufferPointer, from start: Int, plusIsSpace: Bool, whole: Bool) -> PastedText {
        let limit = min(input.count, start + PEMNormalizer.maximumBlockLength)
        var text = PastedText(capacity: min(limit - start, 8192))
        var i = start
        while i < limit, !text.complete {
            let c = input[i]
            if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "&") || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "'") || (whole && (c == UInt8(ascii: " ") || c == UInt8(ascii: "\t"))) { break }
            if c == UInt8(ascii: "%"), i + 2 < limit, let high = hexDigit(input[i + 1]), let low = hexDigit(input[i + 2]) {
                text.append(high << 4 | low, end: i + 3)
                i += 3
                continue
            }
            text.append(plusIsSpace && c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c, end: i + 1)
            i += 1
        }
        return text
    }

    // MARK: UTF-16

    /// The text around `start` (the first `-` of an armour in UTF-16) as
    /// bytes: each 16-bit unit that is ASCII becomes its byte, any other a `?`.
    /// Starts at the beginning of the armour's line (so that a quote before it
    /// is seen) and ends at a NUL unit or after the longest block. Returns the
    /// text and the armour's offset in it.
    /// NOTE: units are read little-endian, aligned on the armour's first `-`.
    /// ASCII text in big-endian UTF-16 is the same bytes shifted by one, so this
    /// reads both byte orders alike (the BOM, if any, is far behind).
    package static func utf16(_ input: UnsafeRawBufferPointer, armour start: Int) -> (text: PastedText, armour: Int) {
        var lineStart = start
        while lineStart >= 2, start - lineStart < 512,
              !(input[lineStart - 2] == UInt8(ascii: "\n") && input[lineStart - 1] == 0) { lineStart -= 2 }
        let limit = min(input.count - 1, start + 2 * PEMNormalizer.maximumBlockLength)
        let armour = (start - lineStart) / 2
        var text = PastedText(capacity: min((limit - lineStart) / 2, 8192), watchFrom: armour + 1)
        var i = lineStart
        while i < limit, !text.complete {
            let low = input[i], high = input[i + 1]
            if low == 0 && high == 0 { break }
            text.append(high == 0 && low < 0x80 ? low : UInt8(ascii: "?"), end: i + 2)
            i += 2
        }
        return (text, armour)
    }

    // MARK: base64 and hex spread over lines

    /// The base64 characters (and `=`) of `range`, skipping line breaks and
    /// white space: a body wrapped over lines, joined.
    package static func base64Characters(_ input: UnsafeRawBufferPointer, _ range: Range<Int>) -> PastedText {
        var text = PastedText(capacity: range.count, watchFrom: .max)
        for i in range {
            let c = input[i]
            if Base64.isAlphabet(c) || c == UInt8(ascii: "=") { text.append(c, end: i + 1) }
        }
        return text
    }

    /// The bytes the hex digits of `range` spell, skipping what lies between
    /// them: quotes, `+`, commas, colons, white space and line breaks (a hex
    /// string split over lines or concatenated, bytes standing apart as
    /// `30 82 04 a4` or `30:82:04:a4`). A byte written with a prefix (`0x30`
    /// in a C array, `\x30` in a string) is that one byte, of one or two
    /// digits; plain digits are read two a byte, the pairing carried across
    /// what separates them. `inputEnd` is past each byte's last digit.
    package static func hexBytes(_ input: UnsafeRawBufferPointer, _ range: Range<Int>) -> PastedText {
        var text = PastedText(capacity: range.count / 2, watchFrom: .max)
        var pending: UInt8?
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let c = input[i]
            // `0x30`, or the `x30` of `\x30` (the backslash was skipped as a separator).
            let prefix = c | 0x20 == UInt8(ascii: "x") ? 1
                : c == UInt8(ascii: "0") && i + 1 < end && input[i + 1] | 0x20 == UInt8(ascii: "x") ? 2 : 0
            if prefix > 0, i + prefix < end, let high = hexDigit(input[i + prefix]) {
                pending = nil
                var j = i + prefix + 1
                var value = high
                if j < end, let low = hexDigit(input[j]) {
                    value = high << 4 | low
                    j += 1
                }
                text.append(value, end: j)
                i = j
                continue
            }
            guard let digit = hexDigit(c) else {
                i += 1
                continue
            }
            if let high = pending {
                text.append(high << 4 | digit, end: i + 1)
                pending = nil
            } else {
                pending = digit
            }
            i += 1
        }
        return text
    }

    /// The value of one hex digit, either case.
    @inline(__always)
    package static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }
}
