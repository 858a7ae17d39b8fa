import KeyLeakInput
import KeyLeakMatching

/// Names for the algorithm OIDs of a PrivateKeyInfo, for keys OpenSSL 3.0
/// cannot read (post-quantum algorithms, EC with explicit parameters, unusual
/// DSA), so that a report can say what leaked.
package enum KeyAlgorithmOID {
    /// Algorithms OpenSSL reads whenever their key is well formed: a
    /// PrivateKeyInfo of these that does not parse is damaged, not unreadable.
    package static let readable: Set<String> = [
        "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10", "1.3.101.110", "1.3.101.111", "1.3.101.112", "1.3.101.113",
    ]

    /// The EC public key algorithm (its parameters name a curve, or spell one out).
    package static let ecPublicKey = "1.2.840.10045.2.1"

    /// Report names by dotted OID.
    private static let names: [String: String] = {
        var names = [
            ecPublicKey: "EC", "1.2.840.10040.4.1": "DSA", "1.2.840.113549.1.3.1": "DH", "1.2.840.10046.2.1": "X9.42 DH",
            "2.16.840.1.101.3.4.3.17": "ML-DSA-44", "2.16.840.1.101.3.4.3.18": "ML-DSA-65", "2.16.840.1.101.3.4.3.19": "ML-DSA-87",
            "2.16.840.1.101.3.4.4.1": "ML-KEM-512", "2.16.840.1.101.3.4.4.2": "ML-KEM-768", "2.16.840.1.101.3.4.4.3": "ML-KEM-1024",
            "1.2.643.7.1.1.1.1": "GOST R 34.10-2012 256", "1.2.643.7.1.1.1.2": "GOST R 34.10-2012 512",
            "1.2.156.10197.1.301": "SM2",
        ]
        let slh = ["SHA2-128s", "SHA2-128f", "SHA2-192s", "SHA2-192f", "SHA2-256s", "SHA2-256f",
                   "SHAKE-128s", "SHAKE-128f", "SHAKE-192s", "SHAKE-192f", "SHAKE-256s", "SHAKE-256f"]
        for (i, variant) in slh.enumerated() { names["2.16.840.1.101.3.4.3.\(20 + i)"] = "SLH-DSA-" + variant }
        return names
    }()

    /// `ML-DSA-65`, …; nil for an OID keyleak has no name for.
    package static func name(_ dotted: String) -> String? { names[dotted] }

    /// The dotted form of an OID's content bytes (`2.16.840.1.101.3.4.3.18`);
    /// nil when they are not a valid encoding.
    package static func dotted<C: Collection>(_ content: C) -> String? where C.Element == UInt8 {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var pending = false
        for byte in content {
            guard value >> 56 == 0 else { return nil }
            value = value << 7 | UInt64(byte & 0x7f)
            pending = byte & 0x80 != 0
            if !pending {
                arcs.append(value)
                value = 0
            }
        }
        guard !pending, let first = arcs.first else { return nil }
        let head: [UInt64] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }
}
