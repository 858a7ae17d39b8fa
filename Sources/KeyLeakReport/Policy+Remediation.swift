import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

extension Policy {
    /// How to undo `f` when it is an OCI credential: a key that is an OCI key
    /// (marked, linked to settings, or registered), OCI settings, a copied
    /// `.oci` folder, a session token, a lone `OCI_API_KEY` marker. Nil for
    /// every other finding.
    public func remediation(_ f: Finding) -> Remediation? {
        let linkedKey = f.key != nil && (f.ociMarker || !f.links.owners.isEmpty || f.knownKey != nil)
        let isOCI = linkedKey || f.oci != nil || f.credentialSet != nil || f.sessionToken != nil || f.analyzer == .ociMarker
        guard isOCI, f.notListed == nil else { return nil }
        let purge = "git filter-repo --invert-paths --path " + Policy.shellQuoted(Policy.repositoryPath(f.path))
            + " (then force-push, and have every clone re-cloned)"
        let note = "A key once pushed stays compromised: revoke it first; rewriting history does not recall the copies already made."
        let sessionKey = f.key != nil && !f.links.owners.isEmpty && f.links.owners.allSatisfy(\.session) && f.knownKey == nil
        let sessionSettings = f.oci?.securityTokenFile != nil && f.credentialSet == nil
        if f.sessionToken != nil || sessionKey || sessionSettings {
            let token = f.sessionToken ?? SessionToken(subject: nil, tenancy: nil, issuer: nil, expiresAt: nil)
            let owner = f.links.owners.first ?? f.oci.map { LinkedSettings(reference: f.reference, name: "", profile: $0.profile) }
            let profile = owner?.profile.map { " --profile " + Policy.shellQuoted($0) } ?? ""
            let until = token.expiresAt.map { " until \(OCIDoctor.timestamp($0))" } ?? ""
            let user = token.subject.map { " \($0)" } ?? ""
            return Remediation(
                revoke: "A session token cannot be revoked by itself: with its session key it works\(until.isEmpty ? " until it expires" : until) and can be refreshed while the session lasts. "
                    + "To end it now, sign the user\(user) out of all sessions in the OCI Console (Identity & Security → Domains → the domain → Users → the user)"
                    + "; `oci session terminate\(profile)` then removes the local copy.",
                rotate: "oci session authenticate" + profile,
                purge: purge, note: note)
        }
        let fingerprint = f.fingerprint
        let owner = f.links.owners.first
        let user = f.oci?.user ?? f.knownKey?.user ?? owner?.user
        let revoke: String
        if let user, let fingerprint {
            revoke = "oci iam user api-key delete --user-id \(user) --fingerprint \(fingerprint) --force"
        } else if let fingerprint {
            revoke = "In the OCI Console (Identity & Security → Domains → the domain → Users → the key's user → API keys), delete the key with fingerprint \(fingerprint); "
                + "or: oci iam user api-key delete --user-id <user OCID> --fingerprint \(fingerprint) --force"
        } else {
            revoke = "In the OCI Console (Identity & Security → Domains → the domain → Users → the key's user → API keys), delete the API key this is "
                + "(its fingerprint: keyleak fingerprint on the key file)"
        }
        let upload = "oci iam user api-key upload --user-id \(user ?? "<user OCID>") --key-file ~/.oci/oci_api_key_public.pem"
        return Remediation(
            revoke: revoke,
            rotate: "oci setup keys (a new key pair in ~/.oci), then \(upload), and set key_file and fingerprint in the config to the new key",
            purge: purge, note: note)
    }

    /// The path of the file in the repository: an archive member's archive.
    static func repositoryPath(_ path: String) -> String {
        path.split(separator: "!", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
    }

    /// `path` as one shell word: as it is when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { s in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || "/._-+=:@,%".unicodeScalars.contains(s))
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
