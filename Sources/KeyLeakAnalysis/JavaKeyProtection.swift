import KeyLeakInput
import KeyLeakMatching

/// Opens the protected private key of a JKS or JCEKS key entry with a
/// password, as the JDK does: Sun's key protector (JKS: a SHA-1 keystream
/// with a SHA-1 check digest) or PBEWithMD5AndTripleDES (JCEKS). The
/// result is the key's PKCS#8 DER.
package enum JavaKeyProtection {
    /// The key protector's algorithm in a JKS (1.3.6.1.4.1.42.2.17.1.1).
    private static let keyProtector = "1.3.6.1.4.1.42.2.17.1.1"
    /// PBEWithMD5AndTripleDES, JCEKS's (1.3.6.1.4.1.42.2.19.1).
    private static let md5TripleDES = "1.3.6.1.4.1.42.2.19.1"

    /// What one password try costs: the declared iterations (JCEKS), or the
    /// keystream's SHA-1 rounds (JKS). Nil when `protected` is no EncryptedPrivateKeyInfo.
    package static func cost(_ protected: [UInt8]) -> Int? {
        guard let (algorithm, data) = parts(protected) else { return nil }
        return PBECost.iterations(algorithm).map { max($0, data.count / 20 + 1) }
    }

    /// The PKCS#8 DER of the key, or nil when `password` does not open it
    /// (or the algorithm is neither of the two).
    package static func open(_ protected: [UInt8], password: String) -> [UInt8]? {
        guard let (algorithm, data) = parts(protected), let outer = DER.read(algorithm, at: 0),
              let identifier = DER.children(algorithm, of: outer).first, identifier.tag == 0x06,
              let oid = KeyAlgorithmOID.dotted(algorithm[identifier.value]) else { return nil }
        switch oid {
        case keyProtector: return openKeyProtector(data, password: password)
        case md5TripleDES: return openTripleDES(data, algorithm: algorithm, password: password)
        default: return nil
        }
    }

    /// The AlgorithmIdentifier (whole TLV) and the encrypted data of an EncryptedPrivateKeyInfo.
    private static func parts(_ der: [UInt8]) -> (algorithm: [UInt8], data: [UInt8])? {
        guard let outer = DER.read(der, at: 0), outer.tag == 0x30, !outer.truncated else { return nil }
        let fields = DER.children(der, of: outer)
        guard fields.count == 2, fields[0].tag == 0x30, fields[1].tag == 0x04, !fields[1].truncated else { return nil }
        return (Array(der[fields[0].start..<fields[0].end]), Array(der[fields[1].value]))
    }

    /// Sun's KeyProtector: salt(20) ‖ key XOR stream ‖ check(20), where the
    /// stream is SHA-1(password ‖ previous), starting from the salt, and the
    /// check is SHA-1(password ‖ plain key). The password is UTF-16BE.
    private static func openKeyProtector(_ data: [UInt8], password: String) -> [UInt8]? {
        guard data.count > 40 else { return nil }
        let passwordBytes = password.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        let salt = Array(data[0..<20]), encrypted = Array(data[20..<(data.count - 20)]), check = Array(data[(data.count - 20)...])
        var stream: [UInt8] = []
        stream.reserveCapacity(encrypted.count + 20)
        var digest = salt
        while stream.count < encrypted.count {
            digest = Digest.sha1(passwordBytes + digest)
            guard !digest.isEmpty else { return nil }
            stream += digest
        }
        let plain = zip(encrypted, stream).map { $0 ^ $1 }
        return Digest.sha1(passwordBytes + plain) == check ? plain : nil
    }

    /// PBEWithMD5AndTripleDES: the 8-byte salt's halves (the first reversed
    /// when both are equal) are each hashed `iterations` times with the
    /// password's bytes; the 32 bytes are a DES-EDE3 key and an IV.
    private static func openTripleDES(_ data: [UInt8], algorithm: [UInt8], password: String) -> [UInt8]? {
        guard let outer = DER.read(algorithm, at: 0), let parameters = DER.children(algorithm, of: outer).dropFirst().first,
              parameters.tag == 0x30 else { return nil }
        let fields = DER.children(algorithm, of: parameters)
        guard fields.count >= 2, fields[0].tag == 0x04, fields[0].value.count == 8, fields[1].tag == 0x02,
              let iterations = PBECost.iterations(algorithm).map({ $0 / 2 }), iterations >= 1 else { return nil }
        let salt = Array(algorithm[fields[0].value])
        var first = Array(salt[0..<4])
        let second = Array(salt[4..<8])
        if first == second { first.reverse() }
        // NOTE: Java passes each char's low byte (the passwords tried are ASCII).
        let passwordBytes = password.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        let derived = Digest.md5Chain(first, suffix: passwordBytes, iterations: iterations)
            + Digest.md5Chain(second, suffix: passwordBytes, iterations: iterations)
        guard derived.count == 32,
              let plain = Decryption.decrypt(cipher: "DES-EDE3-CBC", key: Array(derived[0..<24]), iv: Array(derived[24..<32]), data),
              let key = DER.read(plain, at: 0), key.tag == 0x30, key.end == plain.count, !key.truncated else { return nil }
        return plain
    }
}
