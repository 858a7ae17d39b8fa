/// File-system paths are bytes on Linux; keyleak keeps them as bytes (so names
/// that are not UTF-8 still open) and shows them with invalid bytes escaped.
package enum PathBytes {
    /// `\xNN` for every byte of an invalid UTF-8 sequence and for control
    /// characters (a newline in a name shows as `\x0a`); the rest as is.
    package static func display(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self),
           !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" }) {
            return text
        }
        var out = ""
        var i = 0
        while i < bytes.count {
            let length = sequenceLength(bytes, at: i)
            if length > 0, bytes[i] >= 0x20, bytes[i] != 0x7f, bytes[i] != UInt8(ascii: "\\") {
                out += String(decoding: bytes[i..<i + length], as: UTF8.self)
                i += length
            } else {
                out += "\\x" + String(bytes[i], radix: 16).leftPadded(2)
                i += 1
            }
        }
        return out
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
    package func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
