import KeyLeakInput
import KeyLeakMatching
/// What identifies a key's public half: the OCI fingerprint (MD5 of the DER
/// SubjectPublicKeyInfo, lowercase colon hex) and the OpenSSH-style SHA-256
/// fingerprint (of the SSH public key blob, unpadded base64), with the
/// algorithm facts OpenSSL reports for the same public key.
public struct Fingerprint: Sendable, Hashable {
    /// OCI fingerprint, e.g. `12:34:…:ef` (16 bytes).
    public var oci: String
    /// `SHA256:…` as `ssh-keygen -l` prints it; nil where the key type has no SSH form.
    public var sha256: String?
    /// RSA, EC, DSA, Ed25519, X25519, Ed448, X448.
    public var algorithm: String
    /// Modulus or field size in bits.
    public var bits: Int
    /// Named curve of an EC key (`prime256v1`), nil otherwise.
    public var curve: String?

    /// An identity as a report states it.
    public init(oci: String, sha256: String?, algorithm: String, bits: Int, curve: String?) {
        self.oci = oci
        self.sha256 = sha256
        self.algorithm = algorithm
        self.bits = bits
        self.curve = curve
    }

    /// Identity of an OpenSSL key's public half.
    package init?(key: OpenSSLKey) {
        let spki = key.subjectPublicKeyInfo
        guard !spki.isEmpty else { return nil }
        oci = Fingerprint.colonHex(Digest.md5(spki))
        sha256 = SSHPublicKey.blob(fromSPKI: spki).map { "SHA256:" + Base64.encode(Digest.sha256($0), padded: false) }
        algorithm = key.algorithm
        bits = key.bits
        curve = key.curve
    }

    /// Identity of a DER SubjectPublicKeyInfo; nil when OpenSSL rejects it.
    package init?(spki: [UInt8]) {
        guard let key = OpenSSLKey.publicKey(spki: spki) else { return nil }
        self.init(key: key)
    }

    /// Identity of an SSH public key blob (`ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-*`, `ssh-dss`).
    package init?(sshBlob: [UInt8]) {
        guard let spki = SSHPublicKey.spki(fromBlob: sshBlob) else { return nil }
        self.init(spki: spki)
    }

    package static func colonHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for (i, b) in bytes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Short description for reports: `RSA 2048`, `EC P-256`, `Ed25519`.
    public var summary: String {
        switch algorithm {
        case "EC": return "EC " + (curve.map(Fingerprint.curveDisplayName) ?? "\(bits)")
        case "Ed25519", "X25519", "Ed448", "X448": return algorithm
        default: return "\(algorithm) \(bits)"
        }
    }

    package static func curveDisplayName(_ curve: String) -> String {
        switch curve {
        case "prime256v1": return "P-256"
        case "secp384r1": return "P-384"
        case "secp521r1": return "P-521"
        default: return curve
        }
    }
}

/// Conversions between SSH public key blobs and DER SubjectPublicKeyInfo.
package enum SSHPublicKey {
    private static let curves: [(ssh: String, oid: [UInt8])] = [
        ("nistp256", DER.OID.prime256v1), ("nistp384", DER.OID.secp384r1), ("nistp521", DER.OID.secp521r1),
    ]

    package static func spki(fromBlob blob: [UInt8]) -> [UInt8]? {
        var r = SSHWireReader(blob)
        guard let type = r.text() else { return nil }
        switch type {
        case "ssh-rsa":
            guard let e = r.string(), let n = r.string() else { return nil }
            return DER.rsaPublicKey(modulus: n, exponent: e)
        case "ssh-dss":
            guard let p = r.string(), let q = r.string(), let g = r.string(), let y = r.string() else { return nil }
            return DER.dsaPublicKey(p: p, q: q, g: g, y: y)
        case "ssh-ed25519":
            guard let key = r.string(), key.count == 32 else { return nil }
            return DER.edPublicKey(oid: DER.OID.ed25519, key: key)
        case "ssh-ed448":
            guard let key = r.string(), key.count == 57 else { return nil }
            return DER.edPublicKey(oid: DER.OID.ed448, key: key)
        default:
            if type.hasPrefix("ecdsa-sha2-") {
                guard let curve = r.text(), let point = r.string(),
                      let oid = curves.first(where: { $0.ssh == curve })?.oid else { return nil }
                return DER.ecPublicKey(curveOID: oid, point: point)
            }
            return nil
        }
    }

    /// The SSH blob for a SubjectPublicKeyInfo; nil for key types SSH has no form for.
    package static func blob(fromSPKI spki: [UInt8]) -> [UInt8]? {
        guard let outer = DER.read(spki, at: 0), outer.tag == 0x30, !outer.truncated else { return nil }
        let parts = DER.children(spki, of: outer)
        guard parts.count == 2, parts[0].tag == 0x30, parts[1].tag == 0x03, parts[1].value.count >= 1 else { return nil }
        let algorithm = DER.children(spki, of: parts[0])
        guard let oidElement = algorithm.first, oidElement.tag == 0x06 else { return nil }
        let oid = Array(spki[oidElement.value.lowerBound - 2..<oidElement.value.upperBound])
        let key = Array(spki[(parts[1].value.lowerBound + 1)..<parts[1].value.upperBound])
        func magnitude(_ e: DER.Element, in bytes: [UInt8]) -> [UInt8] { Array(bytes[e.value]) }
        switch oid {
        case DER.OID.rsaEncryption:
            guard let seq = DER.read(key, at: 0), seq.tag == 0x30 else { return nil }
            let ints = DER.children(key, of: seq)
            guard ints.count == 2 else { return nil }
            return SSHWire.string("ssh-rsa") + SSHWire.mpint(magnitude(ints[1], in: key)) + SSHWire.mpint(magnitude(ints[0], in: key))
        case DER.OID.ed25519:
            return SSHWire.string("ssh-ed25519") + SSHWire.string(key)
        case DER.OID.ed448:
            return SSHWire.string("ssh-ed448") + SSHWire.string(key)
        case DER.OID.ecPublicKey:
            guard algorithm.count == 2, algorithm[1].tag == 0x06 else { return nil }
            let curveOID = Array(spki[algorithm[1].value.lowerBound - 2..<algorithm[1].value.upperBound])
            guard let curve = curves.first(where: { $0.oid == curveOID })?.ssh else { return nil }
            return SSHWire.string("ecdsa-sha2-" + curve) + SSHWire.string(curve) + SSHWire.string(key)
        case DER.OID.dsa:
            guard algorithm.count == 2 else { return nil }
            let params = DER.children(spki, of: algorithm[1])
            guard params.count == 3, let y = DER.read(key, at: 0), y.tag == 0x02 else { return nil }
            return SSHWire.string("ssh-dss") + SSHWire.mpint(magnitude(params[0], in: spki))
                + SSHWire.mpint(magnitude(params[1], in: spki)) + SSHWire.mpint(magnitude(params[2], in: spki))
                + SSHWire.mpint(magnitude(y, in: key))
        default:
            return nil
        }
    }
}
