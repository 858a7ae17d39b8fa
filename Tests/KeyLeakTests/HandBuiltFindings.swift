@testable import KeyLeakAnalysis
@testable import KeyLeakMatching

/// Findings built by hand from the public initialisers, for the tests of the
/// stages after analysis (linking, policy, baseline, merge, reporters). They
/// hold fixed, made-up fingerprints and short previews: no key material.
enum HandBuilt {
    /// Made-up OCI fingerprints (16 colon-separated hex bytes).
    static let fingerprintA = "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:01"
    static let fingerprintB = "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:02"
    static let fingerprintC = "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:03"

    /// What reports print of a key: its first characters, cut.
    static let keyPreview = "-----BEGIN RSA PRIVATE KEY-----MIIE…"

    /// An RSA 2048 identity with `fingerprint`.
    static func rsa(_ fingerprint: String) -> Fingerprint {
        Fingerprint(oci: fingerprint, sha256: "SHA256:made-up-" + fingerprint.suffix(2), algorithm: "RSA", bits: 2048, curve: nil)
    }

    /// A parsed private key finding (rule `private-key`) at `path`:`line`.
    static func key(_ path: String, line: Int = 1, fingerprint: String? = fingerprintA, format: KeyFormat = .pkcs1,
                    encrypted: Bool = false, truncated: Bool = false, marker: Bool = false) -> Finding {
        let facts = KeyFacts(format: format, encrypted: encrypted, truncated: truncated,
                             identity: fingerprint.map(rsa), declaredAlgorithm: fingerprint == nil ? "RSA" : nil)
        return Finding(rule: "private-key", analyzer: .pem, severity: .high, path: path, line: line, column: 1,
                       endLine: line + 26, key: facts, ociMarker: marker, preview: keyPreview)
    }

    /// An OCI settings finding (rule `oci-config`) at `path`:`line`.
    static func settings(_ path: String, line: Int = 1, source: OCISource = .config, profile: String? = "DEFAULT",
                         keyFile: String? = nil, fingerprint: String? = nil, passPhrase: String? = nil,
                         inlineKey: Bool = false) -> Finding {
        var identity = OCIIdentity(source: source, profile: source == .config ? profile : nil)
        identity.user = "ocid1.user.oc1..aaaatestuser"
        identity.tenancy = "ocid1.tenancy.oc1..aaaatesttenancy"
        identity.region = "us-ashburn-1"
        identity.keyFile = keyFile
        identity.fingerprint = fingerprint
        identity.hasPassPhrase = passPhrase != nil
        identity.passPhrase = passPhrase
        identity.inlineKey = inlineKey
        var finding = Finding(rule: "oci-config", analyzer: .ociConfig, severity: .low, path: path, line: line, column: 1,
                              endLine: line + 5, preview: source == .config ? "[\(profile ?? "DEFAULT")]" : "tenancy_ocid = …")
        finding.oci = identity
        return finding
    }

    /// A lone `OCI_API_KEY` line (rule `oci-api-key-marker`).
    static func marker(_ path: String, line: Int = 1) -> Finding {
        Finding(rule: "oci-api-key-marker", analyzer: .ociMarker, severity: .medium, path: path, line: line, column: 1,
                endLine: line, preview: "OCI_API_KEY")
    }
}
