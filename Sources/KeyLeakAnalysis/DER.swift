import KeyLeakInput
import KeyLeakMatching
/// Minimal DER reading and writing: just what key structures need (tag, length,
/// value), so keyleak can inspect a block before OpenSSL parses it and build a
/// SubjectPublicKeyInfo from SSH or PGP public key material.
package enum DER {
    /// One element read from DER bytes: tag, where its value lies, and whether
    /// the input ended before the length its header declared.
    package struct Element {
        /// Offset of the element's first (tag) byte.
        package var start: Int
        package var tag: UInt8
        /// Value range in the input.
        package var value: Range<Int>
        /// The header claimed more bytes than the input has.
        package var truncated: Bool
        /// Offset just past the element (clamped to the input).
        package var end: Int { value.upperBound }
    }

    /// Reads the element at `offset`; nil when the header itself is malformed.
    package static func read(_ bytes: [UInt8], at offset: Int) -> Element? {
        var i = offset
        guard i + 2 <= bytes.count else { return nil }
        let tag = bytes[i]
        i += 1
        var length = Int(bytes[i])
        i += 1
        if length & 0x80 != 0 {
            let count = length & 0x7f
            guard count >= 1, count <= 4, i + count <= bytes.count else { return nil }
            length = 0
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[i])
                i += 1
            }
            // NOTE: DER demands the shortest length form; BER-ish keys still parse in OpenSSL,
            // so keyleak accepts them too and leaves strictness to OpenSSL.
        }
        let available = bytes.count - i
        if length > available {
            return Element(start: offset, tag: tag, value: i..<bytes.count, truncated: true)
        }
        return Element(start: offset, tag: tag, value: i..<(i + length), truncated: false)
    }

    /// The children of a constructed element (stops at the first malformed one).
    package static func children(_ bytes: [UInt8], of element: Element) -> [Element] {
        var result: [Element] = []
        var i = element.value.lowerBound
        while i < element.value.upperBound, let child = read(bytes, at: i) {
            result.append(child)
            if child.truncated { break }
            i = child.end
        }
        return result
    }

    /// Encodes one TLV.
    package static func encode(_ tag: UInt8, _ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        let n = value.count
        if n < 0x80 {
            out.append(UInt8(n))
        } else {
            var lengthBytes: [UInt8] = []
            var v = n
            while v > 0 {
                lengthBytes.insert(UInt8(v & 0xff), at: 0)
                v >>= 8
            }
            out.append(0x80 | UInt8(lengthBytes.count))
            out += lengthBytes
        }
        return out + value
    }

    /// A positive INTEGER from big-endian magnitude bytes (leading zeros trimmed,
    /// a zero prepended when the top bit is set).
    package static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var m = Array(magnitude.drop(while: { $0 == 0 }))
        if m.isEmpty { m = [0] }
        if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
        return encode(0x02, m)
    }

    package static func sequence(_ parts: [UInt8]...) -> [UInt8] { encode(0x30, parts.flatMap { $0 }) }
    package static func bitString(_ bytes: [UInt8]) -> [UInt8] { encode(0x03, [0] + bytes) }
    package static let null: [UInt8] = [0x05, 0x00]

    /// Object identifiers keyleak builds or recognises, as full TLVs.
    package enum OID {
        package static let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
        package static let ecPublicKey: [UInt8] = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        package static let dsa: [UInt8] = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]
        package static let ed25519: [UInt8] = [0x06, 0x03, 0x2b, 0x65, 0x70]
        package static let ed448: [UInt8] = [0x06, 0x03, 0x2b, 0x65, 0x71]
        package static let prime256v1: [UInt8] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        package static let secp384r1: [UInt8] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]
        package static let secp521r1: [UInt8] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]
    }

    /// SubjectPublicKeyInfo builders.
    package static func rsaPublicKey(modulus n: [UInt8], exponent e: [UInt8]) -> [UInt8] {
        sequence(sequence(OID.rsaEncryption, null), bitString(sequence(integer(n), integer(e))))
    }

    package static func ecPublicKey(curveOID: [UInt8], point: [UInt8]) -> [UInt8] {
        sequence(sequence(OID.ecPublicKey, curveOID), bitString(point))
    }

    package static func dsaPublicKey(p: [UInt8], q: [UInt8], g: [UInt8], y: [UInt8]) -> [UInt8] {
        sequence(sequence(OID.dsa, sequence(integer(p), integer(q), integer(g))), bitString(integer(y)))
    }

    package static func edPublicKey(oid: [UInt8], key: [UInt8]) -> [UInt8] {
        sequence(sequence(oid), bitString(key))
    }
}
