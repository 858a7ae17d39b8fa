import KeyLeakInput
import KeyLeakMatching
/// Reads and writes the SSH wire encoding (RFC 4251: uint32, string, mpint),
/// used by OpenSSH and PuTTY key files and by SSH public key blobs.
package struct SSHWireReader {
    package let bytes: [UInt8]
    private(set) var offset: Int

    package init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    package var remaining: Int { bytes.count - offset }

    package mutating func uint32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        let v = bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        offset += 4
        return v
    }

    package mutating func string() -> [UInt8]? {
        guard let length = uint32(), Int(length) <= remaining else { return nil }
        let value = Array(bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return value
    }

    package mutating func text() -> String? { string().map { String(decoding: $0, as: UTF8.self) } }

    package mutating func skip(_ n: Int) -> Bool {
        guard n <= remaining else { return false }
        offset += n
        return true
    }

    package mutating func raw(_ n: Int) -> [UInt8]? {
        guard n >= 0, n <= remaining else { return nil }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
}

package enum SSHWire {
    package static func uint32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }

    package static func string(_ bytes: [UInt8]) -> [UInt8] { uint32(UInt32(bytes.count)) + bytes }
    package static func string(_ text: String) -> [UInt8] { string(Array(text.utf8)) }

    /// An mpint from an unsigned big-endian magnitude.
    package static func mpint(_ magnitude: [UInt8]) -> [UInt8] {
        var m = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = m.first, first & 0x80 != 0 { m.insert(0, at: 0) }
        return string(m)
    }
}
