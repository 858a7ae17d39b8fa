import Foundation
import KeyLeakInput
internal import COpenSSL

/// A private key as OpenSSL's `-text` prints it (`openssl rsa -text`,
/// `openssl ec -text`, `openssl pkey -text -noout`, `openssl genrsa | openssl
/// rsa -text` pasted into an issue): a `Private-Key:` line, then labelled
/// fields, each a number inline (`publicExponent: 65537 (0x10001)`), a name
/// (`ASN1 OID: prime256v1`) or colon hex on the indented lines below it.
///
/// The fields are put back together as the DER OpenSSL writes for the key
/// (RSAPrivateKey, ECPrivateKey, DSA's structure, or PKCS#8 for the Edwards
/// and Montgomery curves), which is then parsed as any other DER key.
enum OpenSSLText {
    /// Most lines one key's text spans (an 8192-bit RSA key prints about 330).
    static let maximumLines = 1200

    /// The key's DER, and the offset just past the last field read, from the
    /// `Private-Key:` line at `start`; nil when the fields make no key
    /// (cut short, explicit curve parameters, an algorithm not printed so).
    static func der(_ text: UnsafeRawBufferPointer, from start: Int) -> (der: [UInt8], end: Int)? {
        var position = start
        guard let header = line(text, &position) else { return nil }
        let title = String(decoding: header, as: UTF8.self)
        guard let keyword = title.range(of: "Private-Key:") else { return nil }
        let algorithm = title[..<keyword.lowerBound].trimmingCharacters(in: .whitespaces).uppercased()
        var fields: [String: [UInt8]] = [:]
        var names: [String: String] = [:]
        var current: String?
        var end = position
        for _ in 0..<maximumLines {
            let lineStart = position
            guard let bytes = line(text, &position) else { break }
            let content = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if let label = current, !content.isEmpty, let hex = colonHex(content) {
                fields[label, default: []] += hex
                end = position
                continue
            }
            guard let colon = content.firstIndex(of: ":"), !content.hasPrefix("-") else { position = lineStart; break }
            let label = String(content[..<colon])
            let value = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" }), !label.isEmpty else {
                position = lineStart
                break
            }
            end = position
            if value.isEmpty {
                current = label
            } else {
                current = nil
                names[label] = value
                // `publicExponent: 65537 (0x10001)`: the number in hex.
                if let open = value.range(of: "(0x"), let close = value[open.upperBound...].firstIndex(of: ")") {
                    let digits = value[open.upperBound..<close]
                    fields[label] = Hex.decode(Array(((digits.count % 2 == 1 ? "0" : "") + digits).utf8))
                } else if let number = UInt64(value.prefix { $0.isNumber }) {
                    fields[label] = withUnsafeBytes(of: number.bigEndian) { Array($0) }
                }
            }
        }
        guard let der = der(algorithm: algorithm, bits: bits(title), fields: fields, names: names) else { return nil }
        return (der, end)
    }

    /// The DER of the key the fields describe.
    private static func der(algorithm: String, bits: Int?, fields: [String: [UInt8]], names: [String: String]) -> [UInt8]? {
        let integer = DER.integer
        let edwards: [String: ([UInt8], Int)] = ["ED25519": (DER.OID.ed25519, 32), "ED448": (DER.OID.ed448, 57),
                                                 "X25519": ([0x06, 0x03, 0x2b, 0x65, 0x6e], 32), "X448": ([0x06, 0x03, 0x2b, 0x65, 0x6f], 56)]
        if let (oid, size) = edwards[algorithm] {
            guard let priv = fields["priv"], priv.count == size else { return nil }
            return DER.sequence(integer([0]), DER.sequence(oid), DER.encode(0x04, DER.encode(0x04, priv)))
        }
        guard algorithm.isEmpty || algorithm == "RSA" || algorithm == "DSA" else { return nil }
        if fields["modulus"] != nil {
            // The modulus and both exponents are the key: text cut off before
            // (or inside) the CRT fields still leaks it, and still names it
            // (the fingerprint comes from the modulus and public exponent).
            // The missing fields are written as 0, which OpenSSL reads.
            guard let n = fields["modulus"], let e = fields["publicExponent"], let d = fields["privateExponent"] else { return nil }
            let crt = ["prime1", "prime2", "exponent1", "exponent2", "coefficient"].map { fields[$0] ?? [0] }
            return DER.encode(0x30, ([[0], n, e, d] + crt).flatMap(integer))
        }
        if let name = names["ASN1 OID"] {
            guard let priv = fields["priv"], let oid = curveOID(name) else { return nil }
            let size = bits.map { ($0 + 7) / 8 } ?? priv.count
            let scalar = [UInt8](repeating: 0, count: max(0, size - priv.count)) + priv.suffix(size)
            var body = integer([1]) + DER.encode(0x04, scalar) + DER.encode(0xa0, oid)
            if let pub = fields["pub"] { body += DER.encode(0xa1, DER.bitString(pub)) }
            return DER.encode(0x30, body)
        }
        if let p = fields["P"], let q = fields["Q"], let g = fields["G"], let y = fields["pub"], let x = fields["priv"] {
            return DER.encode(0x30, integer([0]) + integer(p) + integer(q) + integer(g) + integer(y) + integer(x))
        }
        return nil
    }

    /// `(2048 bit, 2 primes)` → 2048.
    private static func bits(_ title: String) -> Int? {
        guard let open = title.firstIndex(of: "(") else { return nil }
        return Int(title[title.index(after: open)...].prefix { $0.isNumber })
    }

    /// `00:db:7c:22:` → its bytes; nil when the line is not colon hex.
    private static func colonHex(_ line: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for part in line.split(separator: ":", omittingEmptySubsequences: true) {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : bytes
    }

    /// The next line's bytes (without its line break) from `position`, which
    /// moves past it; nil at the end of the text.
    private static func line(_ text: UnsafeRawBufferPointer, _ position: inout Int) -> ArraySlice<UInt8>? {
        guard position < text.count else { return nil }
        var end = position
        while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
        var stop = end
        if stop > position, text[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        let bytes = Array(text[position..<stop])[...]
        position = end + 1
        return bytes
    }

    /// The DER OBJECT IDENTIFIER (tag included) of a curve OpenSSL names so
    /// (`prime256v1`, `secp384r1`, `secp256k1`, `brainpoolP256r1`).
    static func curveOID(_ name: String) -> [UInt8]? {
        guard let object = OBJ_txt2obj(name, 0) else {
            ERR_clear_error()
            return nil
        }
        defer { ASN1_OBJECT_free(object) }
        let length = i2d_ASN1_OBJECT(object, nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ASN1_OBJECT(object, &cursor)
        }
        return written == length ? out : nil
    }
}
