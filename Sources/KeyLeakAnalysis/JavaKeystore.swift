import KeyLeakInput
import KeyLeakMatching
/// What a JKS or JCEKS keystore holds, read from its entry headers: private
/// key entries (tag 1), trusted certificates (tag 2), secret keys (tag 3).
/// A truststore of certificates only (the JDK's `cacerts`) holds no secret.
package enum JavaKeystore {
    package struct Contents: Equatable {
        package var privateKeys = 0
        package var secretKeys = 0
        /// Trusted certificate entries (a key entry's chain is counted in `keyEntries`).
        package var certificates = 0
        /// The entries could not all be read (cut off, or a JCEKS secret key,
        /// whose serialized form is not walked): assume the worst.
        package var unreadable = false
        /// Each private key entry read whole: where its protected key lies and
        /// how many certificates its chain holds.
        package var keyEntries: [KeyEntry] = []
    }

    /// A private key entry: its protected key (a DER EncryptedPrivateKeyInfo
    /// under Sun's key protector or JCEKS PBE) and its certificate chain's length.
    package struct KeyEntry: Equatable {
        /// Byte range of the protected key in the store.
        package var protectedKey: Range<Int>
        /// Certificates in the entry's chain.
        package var chain: Int
    }

    package static func contents(_ bytes: UnsafeRawBufferPointer) -> Contents {
        var result = Contents()
        var at = 12
        func u32() -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            defer { at += 4 }
            return (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) }
        }
        func u16() -> Int? {
            guard at + 2 <= bytes.count else { return nil }
            defer { at += 2 }
            return Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func skip(_ n: Int?) -> Bool {
            guard let n, n >= 0, at + n <= bytes.count else { return false }
            at += n
            return true
        }
        guard bytes.count >= 12 else { return Contents(unreadable: true) }
        at = 8
        guard let count = u32() else { return Contents(unreadable: true) }
        for _ in 0..<min(count, 100_000) {
            guard let tag = u32(), skip(u16()), skip(8) else { result.unreadable = true; break }  // alias, date
            switch tag {
            case 1:
                result.privateKeys += 1
                let keyLength = u32()
                let keyStart = at
                guard skip(keyLength), let keyLength, let chain = u32() else { result.unreadable = true; return result }
                for _ in 0..<min(chain, 1000) {
                    guard skip(u16()), skip(u32()) else { result.unreadable = true; return result }
                }
                result.keyEntries.append(KeyEntry(protectedKey: keyStart..<keyStart + keyLength, chain: min(chain, 1000)))
            case 2:
                result.certificates += 1
                guard skip(u16()), skip(u32()) else { result.unreadable = true; return result }
            case 3:
                result.secretKeys += 1
                result.unreadable = true
                return result
            default:
                result.unreadable = true
                return result
            }
        }
        return result
    }
}
