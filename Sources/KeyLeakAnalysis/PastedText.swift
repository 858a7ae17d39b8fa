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
    /// Watching starts only with bytes whose source ends past this input
    /// offset (just past the anchor armour's first byte, when the text starts before it).
    private let watchInput: Int
    /// Bytes of `-----BEGIN`, `-----END` and `---- END` matched so far.
    private var beginMatched = 0, endMatched = 0, ssh2EndMatched = 0
    /// Line breaks still allowed after an END armour; nil before one.
    private var linesLeft: Int?

    private static let begin = Array("-----BEGIN".utf8), end = Array("-----END".utf8), ssh2End = Array("---- END".utf8)

    /// An empty text with room for `capacity` bytes, watching for its block's
    /// end from recovered byte `watchFrom` on (just past the block's BEGIN).
    package init(capacity: Int = 0, watchFrom: Int = 1, anchor: Int? = nil) {
        bytes.reserveCapacity(capacity)
        inputEnd.reserveCapacity(capacity)
        self.watchFrom = watchFrom
        watchInput = anchor.map { $0 + 1 } ?? Int.min
    }

    /// Appends `byte`, which came from input bytes ending just before `end`.
    @inline(__always)
    package mutating func append(_ byte: UInt8, end: Int) {
        bytes.append(byte)
        inputEnd.append(end)
        guard bytes.count > watchFrom, end > watchInput else { return }
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

    /// The first recovered byte whose source lies at or after input offset
    /// `offset` (where an anchor in the input stands in the text); nil when
    /// every recovered byte comes from before it.
    package func index(ofInput offset: Int) -> Int? {
        // NOTE: `inputEnd` never decreases: a binary search.
        var low = 0, high = inputEnd.count
        while low < high {
            let mid = (low + high) / 2
            if inputEnd[mid] <= offset { low = mid + 1 } else { high = mid }
        }
        return low < inputEnd.count ? low : nil
    }

    // MARK: unified diffs

    /// Every way the line of `anchor` can be a diff line: a `+` or `-` prefix
    /// after the quoting indentation (a patch quoted in a ticket), whatever
    /// stands between it and the anchor (a YAML key, a comment leader, the
    /// content's own indentation). A line that starts with a space reads as
    /// a context line, its first space the prefix; when only spaces stand
    /// before the anchor, also its last (the rest being quoting).
    /// Returns each prefix, its line's start and the quoting indentation's length.
    package static func diffPrefixes(_ input: UnsafeRawBufferPointer, before anchor: Int) -> [(prefix: UInt8, lineStart: Int, indent: Int)] {
        let start = lineStart(input, of: anchor)
        guard anchor - start <= 256 else { return [] }
        var prefixAt = start
        while prefixAt < anchor, input[prefixAt] == UInt8(ascii: " ") || input[prefixAt] == UInt8(ascii: "\t") { prefixAt += 1 }
        if prefixAt < anchor, input[prefixAt] == UInt8(ascii: "+") || input[prefixAt] == UInt8(ascii: "-") {
            guard prefixAt - start <= 64 else { return [] }
            return [(input[prefixAt], start, prefixAt - start)]
        }
        guard start < anchor, input[start] == UInt8(ascii: " ") else { return [] }
        var found = [(UInt8(ascii: " "), start, 0)]
        if prefixAt == anchor, anchor - 1 > start { found.append((UInt8(ascii: " "), start, anchor - 1 - start)) }
        return found
    }

    // MARK: quoted and commented lines

    /// The quoting of the anchor's line when the lines around it share it: a
    /// run of comment or quote leaders (`#`, `//`, `>`, `*`, `;`, `%`, `!`)
    /// after indentation, and one space after them (`# `, `// `, `> > `,
    /// ` * `). Returns where the line starts and the quoting's length; nil
    /// when the next line does not start the same way.
    package static func quoting(_ input: UnsafeRawBufferPointer, before anchor: Int) -> (lineStart: Int, length: Int)? {
        let start = lineStart(input, of: anchor)
        var next = anchor
        while next < input.count, input[next] != UInt8(ascii: "\n") { next += 1 }
        next += 1
        // The longest run of leaders and spaces both lines start with…
        var length = 0
        while start + length < anchor, next + length < input.count, length < 32, input[start + length] == input[next + length],
              isQuoteLeader(input[start + length]) || input[start + length] == UInt8(ascii: " ") || input[start + length] == UInt8(ascii: "\t") {
            length += 1
        }
        // …cut after its last space when it has one past a leader: `# //4tAC0…` is quoted by `# `, the rest is base64.
        let leader = (0..<length).firstIndex { isQuoteLeader(input[start + $0]) }
        guard let leader else { return nil }
        if let space = (leader..<length).last(where: { input[start + $0] == UInt8(ascii: " ") }) { length = space + 1 }
        return (start, length)
    }

    private static func isQuoteLeader(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "#") || c == UInt8(ascii: "/") || c == UInt8(ascii: ">") || c == UInt8(ascii: "*")
            || c == UInt8(ascii: ";") || c == UInt8(ascii: "%") || c == UInt8(ascii: "!")
    }

    /// The lines from `lineStart` on without their quoting of `length` bytes,
    /// while they have it (a quoted line left empty may have lost its
    /// trailing space).
    package static func unquoted(_ input: UnsafeRawBufferPointer, lineStart: Int, length: Int, anchor: Int) -> PastedText {
        let limit = min(input.count, lineStart + 2 * PEMNormalizer.maximumBlockLength)
        var text = PastedText(capacity: min(limit - lineStart, 8192), anchor: anchor)
        var i = lineStart
        while i < limit, !text.complete {
            var eol = i
            while eol < limit, input[eol] != UInt8(ascii: "\n") { eol += 1 }
            var shared = 0
            while shared < length, i + shared < eol, input[i + shared] == input[lineStart + shared] { shared += 1 }
            let bare = shared == eol - i && (shared..<length).allSatisfy { input[lineStart + $0] == UInt8(ascii: " ") }
            guard shared == length || bare else { break }
            for j in (i + shared)..<eol { text.append(input[j], end: j + 1) }
            text.append(UInt8(ascii: "\n"), end: min(eol + 1, input.count))
            i = eol + 1
        }
        return text
    }

    /// One side of the unified diff whose line starts at `lineStart` with
    /// `indent` bytes of indentation: the lines prefixed with `keep` (`+` for
    /// the new side, `-` for the old) or a space (context), without their
    /// prefix. Lines of the other side and `\ No newline at end of file` are
    /// skipped; the text ends at the first line that is not a diff line.
    /// NOTE: `+` and `/` are base64 too, so a prefix is only ever stripped from
    /// a run where every line has one, starting at the armour line that had it.
    package static func diffSide(_ input: UnsafeRawBufferPointer, lineStart: Int, indent: Int, keep: UInt8,
                                 anchor: Int? = nil) -> PastedText {
        let limit = min(input.count, lineStart + PEMNormalizer.maximumBlockLength)
        var text = PastedText(capacity: min(limit - lineStart, 8192), anchor: anchor)
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
    package static func urlDecoded(_ input: UnsafeRawBufferPointer, from start: Int, plusIsSpace: Bool, whole: Bool,
                                   anchor: Int? = nil) -> PastedText {
        let limit = min(input.count, start + PEMNormalizer.maximumBlockLength)
        var text = PastedText(capacity: min(limit - start, 8192), anchor: anchor)
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

    /// Where the URL-encoded value holding `anchor` begins: just after the
    /// `=`, `?`, `&`, quote or white space before it on its line.
    package static func urlValueStart(_ input: UnsafeRawBufferPointer, before anchor: Int) -> Int {
        var i = anchor
        while i > 0, anchor - i < 4096 {
            let c = input[i - 1]
            if c == UInt8(ascii: "=") || c == UInt8(ascii: "?") || c == UInt8(ascii: "&") || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "'") || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") { break }
            i -= 1
        }
        return i
    }

    // MARK: string escapes and markup references

    /// The text from `start` with string escapes (`\n`, `\r`, `\t`, `\"`,
    /// `\\`, `\/`, `\uXXXX`, `\xHH`) and XML/HTML references (`&#10;`, `&#xA;`,
    /// `&quot;`, `&amp;`, `&lt;`, `&gt;`, `&apos;`) decoded once; a character
    /// outside ASCII becomes `?`. Stops where a raw line break follows a
    /// decoded one (the escaped text ended), or after the longest block.
    package static func unescaped(_ input: UnsafeRawBufferPointer, from start: Int, anchor: Int) -> PastedText {
        let limit = min(input.count, start + 2 * PEMNormalizer.maximumBlockLength)
        var text = PastedText(capacity: min(limit - start, 8192), anchor: anchor)
        var i = start
        var decodedBreak = false
        while i < limit, !text.complete {
            let c = input[i]
            if c == UInt8(ascii: "\\"), i + 1 < limit {
                let e = input[i + 1]
                var value: UInt8?
                var next = i + 2
                switch e {
                case UInt8(ascii: "n"): value = UInt8(ascii: "\n")
                case UInt8(ascii: "r"): value = UInt8(ascii: "\r")
                case UInt8(ascii: "t"): value = UInt8(ascii: "\t")
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"), UInt8(ascii: "/"): value = e
                case UInt8(ascii: "u"), UInt8(ascii: "x"):
                    let digits = e == UInt8(ascii: "u") ? 4 : 2
                    var scalar = 0
                    var ok = i + 2 + digits <= limit
                    for k in 0..<digits where ok {
                        if let d = hexDigit(input[i + 2 + k]) { scalar = scalar << 4 | Int(d) } else { ok = false }
                    }
                    if ok {
                        value = scalar < 0x80 ? UInt8(scalar) : UInt8(ascii: "?")
                        next = i + 2 + digits
                    }
                default: break
                }
                if let value {
                    if value == UInt8(ascii: "\n") { decodedBreak = true }
                    text.append(value, end: next)
                    i = next
                    continue
                }
            }
            if c == UInt8(ascii: "&"), let (value, next) = reference(input, at: i, limit: limit) {
                if value == UInt8(ascii: "\n") { decodedBreak = true }
                text.append(value, end: next)
                i = next
                continue
            }
            if c == UInt8(ascii: "\n"), decodedBreak { break }
            text.append(c, end: i + 1)
            i += 1
        }
        return text
    }

    /// The ASCII character a numeric or named markup reference at `at` stands for, and the offset past its `;`.
    private static func reference(_ input: UnsafeRawBufferPointer, at: Int, limit: Int) -> (UInt8, Int)? {
        if let numeric = PEMNormalizer.characterReference(input, at: at, limit: limit) { return numeric }
        for (name, value) in [("quot;", UInt8(ascii: "\"")), ("amp;", UInt8(ascii: "&")), ("lt;", UInt8(ascii: "<")),
                              ("gt;", UInt8(ascii: ">")), ("apos;", UInt8(ascii: "'"))] {
            let bytes = Array(name.utf8)
            if at + 1 + bytes.count <= limit, (0..<bytes.count).allSatisfy({ input[at + 1 + $0] == bytes[$0] }) {
                return (value, at + 1 + bytes.count)
            }
        }
        return nil
    }

    /// Whether the text around `anchor` holds an escape or a markup reference
    /// (from the start of its line to a little past it): the sign that a string
    /// or an attribute holds what was pasted.
    package static func hasEscapes(_ input: UnsafeRawBufferPointer, lineStart: Int, anchor: Int) -> Bool {
        let end = min(input.count - 1, anchor + 512)
        var i = lineStart
        while i < end {
            let c = input[i], n = input[i + 1]
            if c == UInt8(ascii: "\\"), n == UInt8(ascii: "n") || n == UInt8(ascii: "r") || n == UInt8(ascii: "u") || n == UInt8(ascii: "x")
                || n == UInt8(ascii: "\"") || n == UInt8(ascii: "\\") { return true }
            if c == UInt8(ascii: "&"), n == UInt8(ascii: "#") || n == UInt8(ascii: "q") || n == UInt8(ascii: "a") { return true }
            i += 1
        }
        return false
    }

    /// The start of `offset`'s line.
    package static func lineStart(_ input: UnsafeRawBufferPointer, of offset: Int) -> Int {
        var i = offset
        while i > 0, offset - i < PEMNormalizer.maximumBlockLength, input[i - 1] != UInt8(ascii: "\n") { i -= 1 }
        return i
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

    /// `bytes` as text when they are UTF-16 (a byte order mark, or ASCII with
    /// a NUL in every other byte: `UTF16Reader.byteOrder`): each unit that is
    /// ASCII becomes its byte, any other a `?`. Nil when they are not.
    package static func utf16Text(_ bytes: [UInt8]) -> PastedText? {
        guard let order = bytes.withUnsafeBytes({ UTF16Reader.byteOrder(of: UnsafeRawBufferPointer(rebasing: $0.prefix(UTF16Reader.sniffLength))) })
        else { return nil }
        var text = PastedText(capacity: bytes.count / 2, watchFrom: .max)
        var i = order.bom ? 2 : 0
        while i + 1 < bytes.count {
            let (high, low) = order.bigEndian ? (bytes[i], bytes[i + 1]) : (bytes[i + 1], bytes[i])
            text.append(high == 0 && low < 0x80 ? low : UInt8(ascii: "?"), end: i + 2)
            i += 2
        }
        return text
    }

    // MARK: base64 and hex spread over lines

    /// The base64 run around `anchor` (a group boundary of it): back over its
    /// line by whole groups and over the whole lines of base64 before it (a
    /// wrapped run: each line whole groups), and forward over its lines (a line
    /// break, indentation, then base64) to its padding. Returns the range.
    package static func base64Run(_ input: UnsafeRawBufferPointer, around anchor: Int) -> Range<Int> {
        let alphabet = { (c: UInt8) in Base64.isAlphabet(c) }
        var start = anchor
        while start > 0, anchor - start < 4096, alphabet(input[start - 1]) { start -= 1 }
        start = anchor - (anchor - start) / 4 * 4
        // Whole earlier lines of the same indentation, while they are base64 groups.
        var lineBegin = start
        while lineBegin > 0, input[lineBegin - 1] == UInt8(ascii: " ") || input[lineBegin - 1] == UInt8(ascii: "\t") { lineBegin -= 1 }
        if lineBegin == 0 || input[lineBegin - 1] == UInt8(ascii: "\n") {
            let indent = start - lineBegin
            var lines = 0
            var previousEnd = lineBegin - 1
            while previousEnd > 0, lines < 256, anchor - previousEnd < PEMNormalizer.maximumBlockLength {
                var contentEnd = previousEnd
                if contentEnd > 0, input[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
                var b = contentEnd
                while b > 0, alphabet(input[b - 1]) { b -= 1 }
                let count = contentEnd - b
                guard count >= 16, count % 4 == 0, b >= indent, (b - indent == 0 || input[b - indent - 1] == UInt8(ascii: "\n")),
                      (0..<indent).allSatisfy({ input[b - indent + $0] == input[lineBegin + $0] }) else { break }
                start = b
                previousEnd = b - indent - 1
                lines += 1
            }
        }
        let limit = min(input.count, anchor + PEMNormalizer.maximumBlockLength)
        var end = anchor
        while end < limit, alphabet(input[end]) { end += 1 }
        while end < limit {
            var j = end
            if j < limit, input[j] == UInt8(ascii: "\r") { j += 1 }
            guard j < limit, input[j] == UInt8(ascii: "\n") else { break }
            j += 1
            while j < limit, input[j] == UInt8(ascii: " ") || input[j] == UInt8(ascii: "\t") { j += 1 }
            var k = j
            while k < limit, alphabet(input[k]) { k += 1 }
            guard k - j >= 4 else { break }
            end = k
        }
        while end < limit, input[end] == UInt8(ascii: "="), end - anchor < PEMNormalizer.maximumBlockLength { end += 1 }
        return start..<end
    }

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
