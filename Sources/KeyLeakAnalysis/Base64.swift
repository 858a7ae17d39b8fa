import KeyLeakInput
import KeyLeakMatching
/// Standard base64 (RFC 4648, `+/`), tolerant of missing padding, strict about
/// the alphabet: a key body with anything else in it is not a key body.
package enum Base64 {
    private static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            t[Int(c)] = Int8(i)
        }
        return t
    }()

    /// True for the 64 alphabet bytes (not `=`).
    @inline(__always)
    package static func isAlphabet(_ byte: UInt8) -> Bool { table[Int(byte)] >= 0 }

    /// Decodes `bytes`; nil when a byte outside the alphabet appears before the
    /// padding, or when the length cannot be base64.
    package static func decode<C: Collection>(_ bytes: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var accumulator: UInt32 = 0
        var count = 0
        var padding = 0
        for byte in bytes {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            let value = table[Int(byte)]
            guard value >= 0, padding == 0 else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            count += 1
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                out.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                count = 0
            }
        }
        switch count {
        case 0: break
        case 2: out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            out.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default: return nil
        }
        return padding <= 2 ? out : nil
    }

    /// Encodes without line breaks; `padded: false` drops the `=` (as OpenSSH fingerprints do).
    package static func encode(_ bytes: [UInt8], padded: Bool = true) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)]]
            if padded { out += Array("==".utf8) }
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)]]
            if padded { out += Array("=".utf8) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
