/// File-system paths are bytes on Linux; keyleak keeps them as bytes (so names
/// that are not UTF-8 still open) and reports them as text in one reversible
/// form, the same in every report and every format.
///
/// The form: a path that is valid UTF-8 is its own text, backslashes, spaces
/// and control characters included (JSON escapes what JSON must). Only a path
/// that is not valid UTF-8, or whose text holds a backslash, `x` and two hex
/// digits (which would read as an escape), is escaped: then every byte that is
/// not part of a valid UTF-8 character, and every backslash, is written `\xNN`
/// (two lowercase hex digits). `bytes(_:)` gives the exact bytes back.
package enum PathBytes {
    /// The reported form of the path `bytes` (see the type's description).
    package static func display(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self), !looksEscaped(bytes) {
            return text
        }
        var out = ""
        var i = 0
        while i < bytes.count {
            let length = sequenceLength(bytes, at: i)
            if length > 0, bytes[i] != backslash {
                out += String(decoding: bytes[i..<i + length], as: UTF8.self)
                i += length
            } else {
                out += "\\x" + String(bytes[i], radix: 16).leftPadded(2)
                i += 1
            }
        }
        return out
    }

    /// The bytes a reported path stands for: the inverse of `display`. A text
    /// with no `\xNN` sequence is its own UTF-8; otherwise each `\xNN` is the
    /// byte NN (a backslash not so followed is kept as it is).
    package static func bytes(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard looksEscaped(utf8) else { return utf8 }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            if utf8[i] == backslash, i + 3 < utf8.count, utf8[i + 1] == UInt8(ascii: "x"), let high = hexValue(utf8[i + 2]), let low = hexValue(utf8[i + 3]) {
                out.append(high << 4 | low)
                i += 4
            } else {
                out.append(utf8[i])
                i += 1
            }
        }
        return out
    }

    private static let backslash = UInt8(ascii: "\\")

    /// Holds a backslash, `x` and two hex digits: text that reads as an escape.
    private static func looksEscaped(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for i in 0..<(bytes.count - 3) where bytes[i] == backslash && bytes[i + 1] == UInt8(ascii: "x")
            && hexValue(bytes[i + 2]) != nil && hexValue(bytes[i + 3]) != nil {
            return true
        }
        return false
    }

    /// The value of one hex digit (either case), nil for any other byte.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Length of the valid UTF-8 sequence at `i`, 0 if invalid.
    private static func sequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let lead = b[i]
        let n: Int
        switch lead {
        case 0x00...0x7f: return 1
        case 0xc2...0xdf: n = 2
        case 0xe0...0xef: n = 3
        case 0xf0...0xf4: n = 4
        default: return 0
        }
        guard i + n <= b.count, String(validating: b[i..<i + n], as: UTF8.self) != nil else { return 0 }
        return n
    }
}

extension String {
    /// The string with zeros in front up to `width` characters.
    package func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
