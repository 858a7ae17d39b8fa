import KeyLeakInput
import KeyLeakMatching
/// OpenPGP secret key blocks (`BEGIN PGP PRIVATE KEY BLOCK`): the first packet
/// is a Secret-Key packet whose public part is in clear, followed by the
/// secret part (S2K usage 0 means not encrypted).
package enum PGPKey {
    package static func analyze(_ block: NormalizedBlock) -> KeyFacts? {
        var lines = block.lines
        if let last = lines.last, last.first == UInt8(ascii: "="), last.count == 5 { lines.removeLast() }
        guard let bytes = PrivateKey.decodeBody(lines.flatMap { $0 }), bytes.count >= 8 else { return nil }
        guard let packet = firstPacket(bytes), packet.tag == 5 || packet.tag == 7 else { return nil }
        let body = Array(bytes[packet.body])
        var i = 0
        guard body.count >= 6 else { return KeyFacts(format: .pgp, truncated: true) }
        let version = body[0]
        guard version == 4 || version == 5 || version == 6 else { return nil }
        i = 5
        if version >= 5 { i += 4 }
        guard i < body.count else { return KeyFacts(format: .pgp, truncated: true) }
        let algorithm = body[i]
        i += 1
        var identity: Fingerprint?
        var name: String?
        func mpi() -> [UInt8]? {
            guard i + 2 <= body.count else { return nil }
            let bits = Int(body[i]) << 8 | Int(body[i + 1])
            let n = (bits + 7) / 8
            guard i + 2 + n <= body.count else { return nil }
            defer { i += 2 + n }
            return Array(body[(i + 2)..<(i + 2 + n)])
        }
        func oid() -> [UInt8]? {
            guard i < body.count else { return nil }
            let n = Int(body[i])
            guard n > 0, n < 0xff, i + 1 + n <= body.count else { return nil }
            defer { i += 1 + n }
            return Array(body[(i + 1)..<(i + 1 + n)])
        }
        switch algorithm {
        case 1, 2, 3:
            name = "RSA"
            if let n = mpi(), let e = mpi() { identity = Fingerprint(spki: DER.rsaPublicKey(modulus: n, exponent: e)) }
        case 17:
            name = "DSA"
            if let p = mpi(), let q = mpi(), let g = mpi(), let y = mpi() {
                identity = Fingerprint(spki: DER.dsaPublicKey(p: p, q: q, g: g, y: y))
            }
        case 19:
            name = "EC"
            if let curve = oid(), let point = mpi(), let der = ecCurve(curve) {
                identity = Fingerprint(spki: DER.ecPublicKey(curveOID: der, point: point))
            }
        case 22:
            name = "EdDSA"
            if let curve = oid(), let point = mpi(), curve == ed25519Legacy, point.count == 33, point[0] == 0x40 {
                identity = Fingerprint(spki: DER.edPublicKey(oid: DER.OID.ed25519, key: Array(point.dropFirst())))
            }
        case 27:
            name = "Ed25519"
            if i + 32 <= body.count {
                identity = Fingerprint(spki: DER.edPublicKey(oid: DER.OID.ed25519, key: Array(body[i..<(i + 32)])))
                i += 32
            }
        case 16:
            name = "ElGamal"
        case 18:
            name = "ECDH"
        default:
            return nil
        }
        // For ECDH the public part continues with KDF parameters; other
        // algorithms go straight on to the S2K usage octet.
        if algorithm == 18 {
            _ = oid(); _ = mpi()
            if i < body.count { i += 1 + Int(body[i]) }
        }
        let truncated = packet.truncated || i >= body.count
        let encrypted = i < body.count ? body[i] != 0 : false
        return KeyFacts(format: .pgp, encrypted: encrypted, truncated: truncated, identity: identity,
                        declaredAlgorithm: identity == nil ? name : nil)
    }

    private static let ed25519Legacy: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01]

    private static func ecCurve(_ oid: [UInt8]) -> [UInt8]? {
        for full in [DER.OID.prime256v1, DER.OID.secp384r1, DER.OID.secp521r1] where Array(full.dropFirst(2)) == oid {
            return full
        }
        return nil
    }

    /// Tag and body range of the first packet (old or new header format).
    private static func firstPacket(_ bytes: [UInt8]) -> (tag: Int, body: Range<Int>, truncated: Bool)? {
        let h = bytes[0]
        guard h & 0x80 != 0 else { return nil }
        var tag: Int
        var length: Int
        var start: Int
        if h & 0x40 != 0 {
            tag = Int(h & 0x3f)
            let first = Int(bytes[1])
            if first < 192 {
                length = first; start = 2
            } else if first < 224 {
                length = ((first - 192) << 8) + Int(bytes[2]) + 192; start = 3
            } else if first == 255 {
                length = bytes[2..<6].reduce(0) { $0 << 8 | Int($1) }; start = 6
            } else {
                length = 1 << (first & 0x1f); start = 2
            }
        } else {
            tag = Int((h >> 2) & 0x0f)
            switch h & 3 {
            case 0: length = Int(bytes[1]); start = 2
            case 1: length = Int(bytes[1]) << 8 | Int(bytes[2]); start = 3
            case 2: length = bytes[1..<5].reduce(0) { $0 << 8 | Int($1) }; start = 5
            default: length = bytes.count - 1; start = 1
            }
        }
        let end = start + length
        return (tag, start..<min(end, bytes.count), end > bytes.count)
    }
}
