import KeyLeakInput
import KeyLeakMatching

/// What one password try costs on a password-based encryption, read from its
/// AlgorithmIdentifier before OpenSSL (or keyleak) derives any key: the
/// iteration count the container declares, so that a crafted container cannot
/// make a scan spend minutes in a key derivation.
package enum PBECost {
    /// Iterations one try of `algorithm` (a DER AlgorithmIdentifier) costs:
    /// the declared count of PKCS#12 PBE, PBES1, PBKDF2 (under PBES2) and
    /// Sun's JCEKS PBE (twice: it derives two halves); N·r·p for scrypt; 1
    /// for what declares none (Sun's JKS key protector). Nil when the
    /// identifier does not parse.
    package static func iterations(_ algorithm: [UInt8]) -> Int? {
        guard let outer = DER.read(algorithm, at: 0), outer.tag == 0x30, !outer.truncated else { return nil }
        let fields = DER.children(algorithm, of: outer)
        guard let oid = fields.first, oid.tag == 0x06, let dotted = KeyAlgorithmOID.dotted(algorithm[oid.value]) else { return nil }
        let parameters = fields.count > 1 ? fields[1] : nil
        switch dotted {
        case pbes2:
            // PBES2-params: SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
            guard let parameters, parameters.tag == 0x30, let kdf = DER.children(algorithm, of: parameters).first,
                  kdf.tag == 0x30 else { return nil }
            return iterations(Array(algorithm[kdf.start..<kdf.end]))
        case scrypt:
            // scrypt-params: SEQUENCE { salt, N, r, p, keyLength OPTIONAL }
            let values = integers(parameters, in: algorithm)
            guard values.count >= 3 else { return nil }
            return values[0].multipliedReportingOverflow(by: values[1]).partialValue
                .multipliedReportingOverflow(by: values[2]).partialValue
        case jceksPBE:
            return integers(parameters, in: algorithm).first.map { $0 > Int.max / 2 ? Int.max : 2 * $0 }
        default:
            // PKCS#12 PBE, PBES1 and PBKDF2 parameters: SEQUENCE { salt, iterationCount INTEGER, … }.
            return integers(parameters, in: algorithm).first ?? 1
        }
    }

    /// Iterations one try at opening the encrypted PEM key `pem` costs: the
    /// count an `ENCRYPTED PRIVATE KEY` declares; 1 for OpenSSL's legacy
    /// encryption (`DEK-Info`: one MD5). Nil when the PEM cannot be read.
    package static func iterationsToOpen(pem: [UInt8]) -> Int? {
        guard let block = pem.withUnsafeBytes({ PEMNormalizer.normalize($0, at: 0) }) else { return nil }
        guard block.label == "ENCRYPTED PRIVATE KEY" else { return 1 }
        guard let der = PrivateKey.decodeBody(block.body), let outer = DER.read(der, at: 0), outer.tag == 0x30,
              let algorithm = DER.children(der, of: outer).first, algorithm.tag == 0x30 else { return nil }
        return iterations(Array(der[algorithm.start..<algorithm.end]))
    }

    private static let pbes2 = "1.2.840.113549.1.5.13"
    private static let scrypt = "1.3.6.1.4.1.11591.4.11"
    private static let jceksPBE = "1.3.6.1.4.1.42.2.19.1"

    /// The INTEGER fields of a parameters SEQUENCE, in order (a value too large for `Int` saturates).
    private static func integers(_ parameters: DER.Element?, in bytes: [UInt8]) -> [Int] {
        guard let parameters, parameters.tag == 0x30 else { return [] }
        return DER.children(bytes, of: parameters).filter { $0.tag == 0x02 && !$0.truncated }.map { element in
            let magnitude = bytes[element.value].drop(while: { $0 == 0 })
            guard magnitude.count <= 7 else { return Int.max }
            return magnitude.reduce(0) { $0 << 8 | Int($1) }
        }
    }
}
