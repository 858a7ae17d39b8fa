import KeyLeakInput
import KeyLeakMatching

/// One request `scan --verify` can send: the key (by OCI fingerprint) and the
/// identity it is signed for. Findings that share a target share its answer.
package struct VerificationTarget: Sendable, Hashable {
    /// The OCI fingerprint of the key that signs (its own, never a claimed one).
    package var fingerprint: String
    /// The user OCID (the request reads this user).
    package var user: String
    /// The tenancy OCID.
    package var tenancy: String
    /// The region whose identity endpoint is asked, when known (lowercased).
    package var region: String?

    /// A request signed by `fingerprint` for `user` in `tenancy`, sent to `region`.
    package init(fingerprint: String, user: String, tenancy: String, region: String?) {
        self.fingerprint = fingerprint
        self.user = user
        self.tenancy = tenancy
        self.region = region
    }

    /// The realm in a tenancy OCID (`ocid1.tenancy.oc1..aaa` → `oc1`), nil when it names none.
    package var realm: String? {
        let parts = tenancy.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0] == "ocid1", !parts[2].isEmpty else { return nil }
        return String(parts[2])
    }

    /// True for an OCID that can go into a `keyId` and a path as it is: letters,
    /// digits and `._:-` only (no quote, slash or space from a hostile file).
    package static func isPlainOCID(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 256 && value.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
        }
    }

    /// True for a region name that can go into a host name: a DNS label
    /// (`us-ashburn-1`), nothing that could lead the request elsewhere.
    package static func isPlainRegion(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 63 && value.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || b == UInt8(ascii: "-")
        }
    }
}

extension CredentialLinker {
    /// Sets the verification targets of every finding, after `link`: for an
    /// RSA key, one per identity whose user and tenancy are known — the
    /// settings linked to it (by `key_file`, inline, or the fingerprint they
    /// claim) and a `--known-keys` match's user, with the tenancy (and region)
    /// of settings in the scan that name that user; for settings, one per
    /// RSA key they are linked to. The key's own fingerprint signs, whatever
    /// the settings claim. OCIDs or regions that are not plain are left out.
    package static func planVerification(_ findings: inout [Finding]) {
        var byReference: [RelatedFinding: [Int]] = [:]
        for i in findings.indices where findings[i].oci != nil { byReference[findings[i].reference, default: []].append(i) }
        var settingsTargets: [Int: [VerificationTarget]] = [:]
        for k in findings.indices {
            findings[k].verificationTargets = []
            guard let identity = findings[k].key?.identity, identity.algorithm == "RSA" else { continue }
            var targets: [VerificationTarget] = []
            func add(_ oci: OCIIdentity, settings: Int?) {
                guard let user = oci.user, let tenancy = oci.tenancy, VerificationTarget.isPlainOCID(user), VerificationTarget.isPlainOCID(tenancy) else { return }
                let region = oci.region.map { $0.lowercased() }.flatMap { VerificationTarget.isPlainRegion($0) ? $0 : nil }
                let target = VerificationTarget(fingerprint: identity.oci, user: user, tenancy: tenancy, region: region)
                if !targets.contains(target) { targets.append(target) }
                if let settings, !(settingsTargets[settings]?.contains(target) ?? false) { settingsTargets[settings, default: []].append(target) }
            }
            for owner in findings[k].links.owners {
                for s in byReference[owner.reference] ?? [] {
                    if let oci = findings[s].oci { add(oci, settings: s) }
                }
            }
            if let user = findings[k].knownKey?.user {
                // NOTE: `oci iam user api-key list` names the user, not the tenancy:
                // settings elsewhere in the scan that name the same user supply it.
                for s in findings.indices where findings[s].oci?.user == user && findings[s].oci?.tenancy != nil {
                    if let oci = findings[s].oci { add(oci, settings: nil) }
                }
            }
            findings[k].verificationTargets = targets
        }
        for (s, targets) in settingsTargets { findings[s].verificationTargets = targets }
    }
}
