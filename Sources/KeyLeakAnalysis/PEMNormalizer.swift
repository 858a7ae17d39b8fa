import KeyLeakInput
import KeyLeakMatching
/// A key block taken out of whatever it was embedded in: the text between its
/// armour lines with string quoting, escapes, indentation, comment prefixes and
/// line wrapping undone.
package struct NormalizedBlock: Sendable {
    /// The label between `BEGIN ` and the dashes, e.g. `RSA PRIVATE KEY`.
    package var label: String
    /// `Name: value` header lines before the body (Proc-Type, DEK-Info, Comment, …).
    package var headers: [(name: String, value: String)]
    /// The body's base64 characters (and `=`), joined with no line breaks.
    package var body: [UInt8]
    /// The body's base64 runs as they stood on separate lines (PuTTY counts them).
    package var lines: [[UInt8]]
    /// Tokens between the armour that are neither base64 nor header (`...`, `<your key>`).
    package var foreignTokens: Int
    /// The closing armour line was found.
    package var closed: Bool
    /// Oracle's `OCI_API_KEY` (or `OCI_PRIVATE_KEY`) line follows the block.
    package var ociMarker: Bool
    /// Offset in the input just past the last byte that belongs to the block.
    package var endOffset: Int

    package func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Undoes the ways keys get embedded, without knowing the host format: JSON and
/// source strings (quotes, `\n` escapes, `+` or implicit concatenation), YAML
/// block scalars and heredocs (indentation), `.env` values, Markdown fences,
/// comment prefixes (`#`, `// `, `*`), CRLF, XML and HTML character references
/// (`&#10;`, `&#xD;&#xA;`), and keys flattened onto one line. Diffs, URL
/// encoding and UTF-16 are undone before it (`PastedText`).
package enum PEMNormalizer {
    /// How far past the start of a block keyleak looks for its end (bytes of input).
    /// NOTE: a 16384-bit RSA key in PEM is about 12 KiB; PGP blocks with
    /// subkeys are larger. 64 KiB is the overlap the reader keeps between blocks.
    package static let maximumBlockLength = Searcher.overlap

    /// Unwraps the text that starts at `start` (the first byte of the BEGIN
    /// armour) into plain lines, stopping shortly after `terminator` appears.
    /// Returns the unwrapped bytes and, for each, its offset in the input.
    package static func unwrap(_ input: UnsafeRawBufferPointer, from start: Int, terminator: [UInt8], quote: UInt8?,
                       stopWord: [UInt8] = Array("-----BEGIN".utf8)) -> (text: [UInt8], origin: [Int]) {
        let limit = min(input.count, start + maximumBlockLength)
        // NOTE: the output and the two running matches live in a struct with a
        // mutating `emit`, not in locals captured by a nested function: captured
        // locals are boxed on the heap and checked for exclusivity at every byte.
        var out = UnwrapOutput(terminator: terminator, stopWord: stopWord, capacity: min(limit - start, 8192))
        var inString = true
        var outsideRun = 0
        var i = start
        while i < limit, out.text.count < out.stopAt {
            let c = input[i]
            if quote != nil, !inString {
                if c == quote {
                    inString = true
                    outsideRun = 0
                } else {
                    outsideRun += 1
                    // NOTE: between concatenated string pieces stand only operators,
                    // commas, parentheses and white space; a long run means the string ended.
                    if outsideRun > 64 { break }
                }
                i += 1
                continue
            }
            if c == UInt8(ascii: "\\"), i + 1 < limit {
                var j = i + 1
                while j < limit, input[j] == UInt8(ascii: "\\") { j += 1 }
                guard j < limit else { break }
                switch input[j] {
                case UInt8(ascii: "n"): out.emit(UInt8(ascii: "\n"), i)
                case UInt8(ascii: "r"): break
                case UInt8(ascii: "t"): out.emit(UInt8(ascii: " "), i)
                case UInt8(ascii: "u"):
                    if j + 4 < limit, let scalar = hexValue(input, j + 1, 4), scalar < 0x80 {
                        out.emit(UInt8(scalar), i)
                        j += 4
                    } else {
                        out.emit(input[j], j)
                    }
                case UInt8(ascii: "x"):
                    if j + 2 < limit, let scalar = hexValue(input, j + 1, 2), scalar < 0x80 {
                        out.emit(UInt8(scalar), i)
                        j += 2
                    } else {
                        out.emit(input[j], j)
                    }
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    // A line continuation (shell, C macro): the line goes on.
                    if input[j] == UInt8(ascii: "\r"), j + 1 < limit, input[j + 1] == UInt8(ascii: "\n") { j += 1 }
                    out.emit(UInt8(ascii: "\n"), j)
                default:
                    if quote == nil, j == i + 1 {
                        // Outside a string a lone backslash is just a character.
                        out.emit(c, i)
                        i += 1
                        continue
                    }
                    out.emit(input[j], j)
                }
                i = j + 1
                continue
            }
            if c == UInt8(ascii: "&"), let (value, next) = characterReference(input, at: i, limit: limit) {
                // XML and HTML character references (`&#10;`, `&#xD;&#xA;`): `&` is
                // never base64, so decoding them cannot change a plain body.
                if value != UInt8(ascii: "\r") { out.emit(value, i) }
                i = next
                continue
            }
            if let quote, c == quote {
                inString = false
                outsideRun = 0
                i += 1
                continue
            }
            if c != UInt8(ascii: "\r") { out.emit(c, i) }
            i += 1
        }
        return (out.text, out.origin)
    }

    /// `unwrap`'s output: the bytes, their origins, and where to stop.
    private struct UnwrapOutput {
        package let terminator: [UInt8]
        package let stopWord: [UInt8]
        package var text: [UInt8] = []
        package var origin: [Int] = []
        /// Text length at which to stop, once the terminator's line is done.
        package var stopAt = Int.max
        package var terminatorSeen = false
        /// Bytes of `terminator` matched so far at the end of `text`.
        package var matched = 0
        /// Bytes of `stopWord` matched: another block begins, this one cannot go on.
        package var stopMatched = 0

        package init(terminator: [UInt8], stopWord: [UInt8], capacity: Int) {
            self.terminator = terminator
            self.stopWord = stopWord
            text.reserveCapacity(capacity)
            origin.reserveCapacity(capacity)
        }

        @inline(__always)
        package mutating func emit(_ byte: UInt8, _ at: Int) {
            text.append(byte)
            origin.append(at)
            if !stopWord.isEmpty {
                if byte == stopWord[stopMatched] {
                    stopMatched += 1
                    if stopMatched == stopWord.count { stopAt = text.count }
                } else {
                    stopMatched = byte == stopWord[0] ? 1 : 0
                }
            }
            if !terminatorSeen {
                if byte == terminator[matched] {
                    matched += 1
                    if matched == terminator.count { terminatorSeen = true }
                } else {
                    matched = byte == terminator[0] ? 1 : 0
                }
            } else if stopAt == .max, byte == UInt8(ascii: "\n") {
                // The terminator's line is complete: keep a little more for the OCI marker.
                stopAt = text.count + 48
            }
        }
    }

    /// The quote character that opens the string a block starts in, if any:
    /// the byte before the armour, skipping escaped newlines and white space.
    package static func openingQuote(_ input: UnsafeRawBufferPointer, before start: Int) -> UInt8? {
        var i = start - 1
        var steps = 0
        while i >= 0, steps < 16 {
            let c = input[i]
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
                return c
            case UInt8(ascii: "n") where i >= 1 && input[i - 1] == UInt8(ascii: "\\"):
                i -= 2
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                // Only when the white space itself sits inside a string, as after `"\n  `.
                i -= 1
            default:
                return nil
            }
            steps += 1
        }
        return nil
    }

    /// The ASCII character an XML/HTML numeric character reference at `at`
    /// stands for (`&#10;`, `&#x0A;`), and the offset past its `;`.
    package static func characterReference(_ input: UnsafeRawBufferPointer, at: Int, limit: Int) -> (UInt8, Int)? {
        guard at + 3 < limit, input[at + 1] == UInt8(ascii: "#") else { return nil }
        let hex = input[at + 2] | 0x20 == UInt8(ascii: "x")
        var i = at + (hex ? 3 : 2)
        var value = 0
        let digitsStart = i
        while i < limit, i - digitsStart < 6 {
            let c = input[i]
            if hex, let digit = PastedText.hexDigit(c) {
                value = value << 4 | Int(digit)
            } else if !hex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                value = value * 10 + Int(c - 48)
            } else {
                break
            }
            i += 1
        }
        guard i > digitsStart, i < limit, input[i] == UInt8(ascii: ";"), value < 0x80 else { return nil }
        return (UInt8(value), i + 1)
    }

    private static func hexValue(_ input: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        var v = 0
        for k in 0..<count {
            let c = input[at + k]
            let d: Int
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = Int(c) - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = Int(c) - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = Int(c) - 55
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// Normalises the armoured block starting at `start` (a `-----BEGIN …-----`
    /// or `---- BEGIN … ----` line).
    package static func normalize(_ input: UnsafeRawBufferPointer, at start: Int) -> NormalizedBlock? {
        // Read the BEGIN armour from the raw input: it is never escaped.
        var dashes = 0
        var i = start
        while i < input.count, input[i] == UInt8(ascii: "-") { dashes += 1; i += 1 }
        guard dashes == 4 || dashes == 5 else { return nil }
        while i < input.count, input[i] == UInt8(ascii: " ") { i += 1 }
        let beginWord = Array("BEGIN ".utf8)
        guard i + beginWord.count <= input.count, (0..<beginWord.count).allSatisfy({ input[i + $0] == beginWord[$0] }) else { return nil }
        i += beginWord.count
        let labelStart = i
        while i < input.count, i - labelStart < 100, input[i] != UInt8(ascii: "-") { i += 1 }
        var labelBytes = Array(UnsafeRawBufferPointer(rebasing: input[labelStart..<i]))
        while labelBytes.last == UInt8(ascii: " ") { labelBytes.removeLast() }
        let label = String(decoding: labelBytes, as: UTF8.self)
        // NOTE: the block ends at the first END armour whatever its label: a
        // private key body under `-----END EC PUBLIC KEY-----` is still a key.
        let endArmour = Array((dashes == 5 ? "-----END" : "---- END").utf8)
        let nextBegin = Array((dashes == 5 ? "-----BEGIN" : "---- BEGIN").utf8)
        while i < input.count, input[i] == UInt8(ascii: "-") { i += 1 }
        let bodyStart = i

        var (text, origin) = unwrap(input, from: bodyStart, terminator: endArmour, quote: openingQuote(input, before: start))
        var endRange = closingArmour(endArmour, nextBegin, in: &text)
        if endRange == nil {
            // NOTE: a quoted armour line above a plain body (`"-----BEGIN …"` in prose) reads as plain text.
            (text, origin) = unwrap(input, from: bodyStart, terminator: endArmour, quote: nil)
            endRange = closingArmour(endArmour, nextBegin, in: &text)
        }
        let interior = endRange.map { Array(text[0..<$0.lowerBound]) } ?? text
        var block = NormalizedBlock(label: label, headers: [], body: [], lines: [], foreignTokens: 0,
                                    closed: endRange != nil, ociMarker: false, endOffset: bodyStart)
        parseInterior(interior, into: &block, stopAtFirstGap: endRange == nil)
        if let endRange {
            // Past the END label and its closing dashes.
            var endIndex = endRange.upperBound
            while endIndex < text.count, endIndex - endRange.upperBound < 100,
                  text[endIndex] == UInt8(ascii: " ") || (65...90).contains(text[endIndex]) || (48...57).contains(text[endIndex]) {
                endIndex += 1
            }
            // NOTE: at most the armour's own dashes: the next block's `-----BEGIN`
            // may follow at once (adjacent quoted strings lose what lies between them).
            var closing = 0
            while endIndex < text.count, closing < dashes, text[endIndex] == UInt8(ascii: "-") {
                endIndex += 1
                closing += 1
            }
            block.endOffset = origin[endIndex - 1] + 1
            if let markerEnd = ociMarker(in: text, after: endIndex) {
                block.ociMarker = true
                block.endOffset = origin[markerEnd - 1] + 1
            }
        } else if let last = block.lastBodyOffset(in: interior) {
            block.endOffset = origin[last] + 1
        }
        return block
    }

    /// The first END armour in `text`, unless another BEGIN comes first: then the
    /// block was never closed, and `text` is cut where the next block begins.
    package static func closingArmour(_ end: [UInt8], _ begin: [UInt8], in text: inout [UInt8]) -> Range<Int>? {
        let endRange = find(end, in: text)
        if let nextBegin = find(begin, in: text), nextBegin.lowerBound < (endRange?.lowerBound ?? Int.max) {
            text.removeSubrange(nextBegin.lowerBound...)
            return nil
        }
        return endRange
    }

    /// Splits the interior into headers and base64 body lines.
    /// With `stopAtFirstGap` (no END armour), the body ends at the first line that is not base64.
    package static func parseInterior(_ interior: [UInt8], into block: inout NormalizedBlock, stopAtFirstGap: Bool) {
        var sawBody = false
        var continuingHeader = false
        for rawLine in interior.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = stripFraming(rawLine)
            if line.isEmpty {
                if stopAtFirstGap && sawBody { break }
                continue
            }
            if continuingHeader, var last = block.headers.popLast() {
                last.value += String(decoding: line, as: UTF8.self)
                block.headers.append(last)
                continuingHeader = line.last == UInt8(ascii: "\\")
                continue
            }
            if !sawBody, let header = headerLine(line) {
                block.headers.append(header)
                continuingHeader = line.last == UInt8(ascii: "\\")
                continue
            }
            var lineBody: [UInt8] = []
            var foreign = 0
            for token in line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                if token.allSatisfy({ Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") }) {
                    lineBody += token
                } else {
                    foreign += 1
                }
            }
            if stopAtFirstGap && foreign > 0 && sawBody { break }
            block.foreignTokens += foreign
            if !lineBody.isEmpty {
                sawBody = true
                block.lines.append(lineBody)
                block.body += lineBody
            }
        }
    }

    /// Trims white space and the prefixes and suffixes that embed a line in a
    /// host format: comment leaders, YAML/Markdown markers, leftover quotes and operators.
    package static func stripFraming(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = line
        let space: (UInt8) -> Bool = { $0 == 32 || $0 == 9 || $0 == 13 }
        while true {
            while let f = s.first, space(f) { s = s.dropFirst() }
            guard let f = s.first else { break }
            if f == UInt8(ascii: "#") || f == UInt8(ascii: "*") || f == UInt8(ascii: "|") || f == UInt8(ascii: ">")
                || f == UInt8(ascii: ";") || f == UInt8(ascii: "\"") || f == UInt8(ascii: "'") || f == UInt8(ascii: "`")
                || f == UInt8(ascii: ",") || f == UInt8(ascii: "(") {
                s = s.dropFirst()
                continue
            }
            // `// ` and `-- ` comments; `/` and `+` alone are base64 and stay.
            if s.count >= 3, (f == UInt8(ascii: "/") || f == UInt8(ascii: "-")), s[s.startIndex + 1] == f, space(s[s.startIndex + 2]) {
                s = s.dropFirst(3)
                continue
            }
            break
        }
        while let l = s.last, !(Base64.isAlphabet(l) || l == UInt8(ascii: "=")) { s = s.dropLast() }
        // A trailing ` +` or `" +` (string concatenation) is not body; a `+` glued to base64 is.
        while s.count >= 2, s.last == UInt8(ascii: "+"), space(s[s.endIndex - 2]) {
            s = s.dropLast(2)
            while let l = s.last, !(Base64.isAlphabet(l) || l == UInt8(ascii: "=")) { s = s.dropLast() }
        }
        return s
    }

    /// `Name: value` (RFC 1421 / RFC 4716 / OpenPGP armour headers).
    package static func headerLine(_ line: ArraySlice<UInt8>) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return nil }
        let name = line[line.startIndex..<colon]
        guard name.count <= 40, let first = name.first, (65...90).contains(first) || (97...122).contains(first),
              name.allSatisfy({ Base64.isAlphabet($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }),
              name.contains(where: { !(48...57).contains($0) }) else { return nil }
        var value = line[(colon + 1)...]
        while value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        // NOTE: a real header is `Name: value`; `abc:def` inside base64 cannot occur (`:` is not base64).
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// End of an `OCI_API_KEY` / `OCI_PRIVATE_KEY` line right after `from`, if present.
    package static func ociMarker(in text: [UInt8], after from: Int) -> Int? {
        var i = from
        var newlines = 0
        while i < text.count, text[i] == 10 || text[i] == 32 || text[i] == 9 || text[i] == 13 {
            if text[i] == 10 { newlines += 1 }
            i += 1
        }
        guard newlines <= 2 else { return nil }
        for marker in ["OCI_API_KEY", "OCI_PRIVATE_KEY"] {
            let m = Array(marker.utf8)
            if i + m.count <= text.count, Array(text[i..<i + m.count]) == m {
                let after = i + m.count
                if after == text.count || !(Base64.isAlphabet(text[after]) || text[after] == UInt8(ascii: "_")) {
                    return after
                }
            }
        }
        return nil
    }

    package static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        ByteSearch.find(needle, in: haystack)
    }
}

extension NormalizedBlock {
    /// Index in `interior` of the last base64 byte (where an unterminated block ends).
    package func lastBodyOffset(in interior: [UInt8]) -> Int? {
        guard let lastLine = lines.last else { return nil }
        // Search backwards for the final line's text.
        return PEMNormalizer.findLast(lastLine, in: interior).map { $0.upperBound - 1 }
    }
}

extension PEMNormalizer {
    package static func findLast(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if Array(haystack[i..<i + needle.count]) == needle { return i..<i + needle.count }
            i -= 1
        }
        return nil
    }
}
