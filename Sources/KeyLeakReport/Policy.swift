import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

/// Decides every finding's severity and wording from its typed facts, in one
/// place (DESIGN.md, Severity). Run once after linking, in a scan and in
/// `keyleak merge` alike, so both say the same about the same facts.
public struct Policy: Sendable {
    /// Each rule's base severity, by id: what its matches are worth before the facts adjust it.
    private let ruleSeverity: [String: Severity]
    /// When the policy judges: a session token that expired before it is low.
    private let now: Date

    /// A policy for findings of `rules`, judged at `now`. A finding of a rule
    /// not listed (a custom rule in a merged report) keeps its own severity as the base.
    public init(rules: [Rule], now: Date = Date()) {
        ruleSeverity = Dictionary(rules.map { ($0.id, $0.severity) }, uniquingKeysWith: { a, _ in a })
        self.now = now
    }

    /// Sets `severity` and `message` of every finding (and of the first
    /// finding of each kind a not-listed finding stands for).
    public func apply(_ findings: inout [Finding]) {
        for i in findings.indices {
            if var notListed = findings[i].notListed {
                for g in notListed.groups.indices { judge(&notListed.groups[g].first) }
                findings[i].notListed = notListed
            }
            judge(&findings[i])
        }
    }

    /// Sets `severity`, `message` and `remediation` of `f`.
    private func judge(_ f: inout Finding) {
        f.severity = severity(f)
        f.message = message(f)
        f.remediation = remediation(f)
    }

    /// The severity the facts of `f` call for.
    public func severity(_ f: Finding) -> Severity {
        if let notListed = f.notListed {
            // NOTE: kinds past the sampling bound were counted, not kept: never rated lower than they might be.
            if notListed.unsampled > 0 { return .critical }
            return notListed.groups.map { severity($0.first) }.max() ?? ruleSeverity[f.rule] ?? f.severity
        }
        let base = ruleSeverity[f.rule] ?? f.severity
        // OCI accepted a request signed with the key: it works, now.
        if f.verification?.state == .live { return .critical }
        let knownActive = f.knownKey.map { !Policy.isRotated($0) } ?? false
        if let token = f.sessionToken { return token.isExpired(at: now) ? .low : max(base, .high) }
        let linked = !f.links.owners.isEmpty || !f.links.keys.isEmpty
        if let key = f.key {
            // A key linked to OCI settings, or registered and active, is an OCI API key
            // whatever else is true of it.
            if linked || knownActive { return .critical }
            if key.testArmour { return .low }
            if key.truncated { return .medium }
            // A FIDO security key's handle (`sk-ssh-ed25519@openssh.com`): signing also needs the token.
            if key.isSecurityKeyHandle { return .medium }
            if key.encrypted && !key.decrypted {
                // What `oci setup keys --passphrase` writes: a known OCI API key behind one pass phrase.
                return f.ociMarker ? .high : .medium
            }
            if f.ociMarker { return .critical }
            // Read from a container that opens with no or a well-known password: a key in clear.
            if f.container != nil { return max(base, .high) }
            return base
        }
        if let set = f.credentialSet {
            // Profiles without a key are an identity without a secret.
            return set.working ? .critical : set.keys == 0 ? .low : base
        }
        if let identity = f.oci {
            if linked { return .critical }
            if identity.hasPassPhrase { return max(base, .high) }
            return base
        }
        if let container = f.container {
            // Its password is known: what it holds is as good as in clear. Locked: it may hold keys.
            return container.opensWith != nil ? .high : .medium
        }
        return base
    }

    /// The sentence that says what `f` is, and how the walk reached it when through a symbolic link.
    public func message(_ f: Finding) -> String {
        let text = describe(f)
        guard let reach = f.throughLink else { return text }
        let place = reach.outside.map { $0 ? "outside the folder" : "in the folder" } ?? "where the link leads"
        if reach.linkIsTheFile {
            let what = f.key != nil ? "a private key" : "a file"
            return "links to \(what) \(place) (\(reach.resolved ?? reach.link.target)): " + text
        }
        return "reached through the symbolic link \(reach.link.path) -> \(reach.link.target) (\(place)): " + text
    }

    /// What `f` is, in a sentence, whatever way it was reached; what `--verify` learnt first when the key is live.
    private func describe(_ f: Finding) -> String {
        if let notListed = f.notListed { return describe(notListed, line: f.line) }
        guard let verification = f.verification else { return describeFacts(f) }
        switch verification.state {
        case .live:
            return Policy.revokeNow(verification) + ": " + describeFacts(f)
        case .rejected:
            return describeFacts(f) + "; OCI did not accept a request signed with the key (HTTP 401: rotated, or the user or tenancy is not the key's)"
        case .unknown:
            return describeFacts(f) + "; whether it is live is unknown (" + (verification.detail ?? "no answer") + ")"
        }
    }

    /// `LIVE: revoke now: oci iam user api-key delete --user-id … --fingerprint … --force`.
    static func revokeNow(_ verification: VerificationFacts) -> String {
        "LIVE: revoke now: oci iam user api-key delete --user-id \(verification.user) --fingerprint \(verification.fingerprint) --force"
    }

    /// What the facts of `f` other than its verification say.
    private func describeFacts(_ f: Finding) -> String {
        var text: String
        if let key = f.key {
            text = key.summary
            switch key.encoding {
            case .armoured: break
            case .base64PEM: text += ", base64-encoded PEM"
            case .bareDER: text += ", base64 DER without armour"
            case .hexDER: text += ", hex-encoded DER"
            case .hexDump: text += ", in a hex dump"
            case .opensslText: text += ", as OpenSSL's -text prints it"
            case .binaryDER: text += ", binary DER file"
            case .pkcs12, .keystore:
                text += ", in a " + Policy.containerName(f.container?.kind ?? .pkcs12) + " that "
                    + Policy.opens(f.container?.opensWith ?? "")
            }
            if key.testArmour { text += ", in disguised test armour (TESTING KEY): a test key" }
            if key.isSecurityKeyHandle { text += ", a FIDO security key's handle: the private key stays on the token, which signing also needs" }
            if key.malformed { text += ", in a malformed PKCS#8 (its RSAPrivateKey not wrapped, as old python-jose wrote it)" }
            if let oid = key.algorithmOID { text += ", an algorithm OpenSSL cannot read (OID \(oid))" }
            if let digest = key.derSHA256 { text += ", identified by the SHA-256 of its DER \(digest)" }
            if f.ociMarker { text += ", marked as an OCI API key (OCI_API_KEY line)" }
            if let opener = f.links.openedBy {
                text += ", opened with the pass phrase of \(opener.name) in \(opener.reference.path)"
            }
            for owner in f.links.owners {
                text += ", the key of \(owner.name) in \(owner.reference.path):\(owner.reference.line)"
            }
        } else if let set = f.credentialSet {
            text = "OCI credential set in \(set.folder): \(Policy.count(set.profiles, "profile")), \(Policy.count(set.keys, "key"))"
            if set.working, let user = f.oci?.user {
                text += " — a working OCI login for user \(user)" + (f.oci?.tenancy.map { " in tenancy \($0)" } ?? "")
            }
            return text
        } else if let identity = f.oci {
            text = Policy.describe(identity)
            for key in f.links.keys { text += ", its key is in the scan at \(key.path):\(key.line)" }
            for token in f.links.tokens { text += ", its session token is in the scan at \(token.path):\(token.line)" }
            if let actual = f.links.mismatchedFingerprint, let claimed = identity.fingerprint {
                text += " but its fingerprint \(actual) does not match the profile's \(claimed)"
            }
            if f.links.keyFileMissing, let keyFile = identity.keyFile { text += " (key file \(keyFile) is not in the scan)" }
        } else if let container = f.container {
            text = Policy.describe(container)
        } else if let change = f.configChange {
            text = "keyleak config \(f.path) \(change.kind.rawValue) in the change under review, not obeyed ("
                + (change.kind == .added ? "\(change.base) has none, and the scan used none)" : "the scan used the one at \(change.base))")
            text += change.requests.isEmpty ? "; it asks for nothing that could hide findings"
                : "; obeyed, it would suppress: " + change.requests.joined(separator: "; ")
            return text
        } else if let token = f.sessionToken {
            text = Policy.describe(token, now: now)
            for owner in f.links.owners {
                text += ", the session of \(owner.name) in \(owner.reference.path):\(owner.reference.line)"
            }
        } else if f.analyzer == .ociMarker {
            text = "OCI_API_KEY marker line with no private key before it (part of a pasted OCI API key?)"
        } else {
            text = f.message.isEmpty ? f.rule : f.message
        }
        if let known = f.knownKey, let fingerprint = f.fingerprint {
            let name = known.label.map { "'\($0)'" } ?? fingerprint
            let owner = known.user.map { " of user \($0)" } ?? ""
            if Policy.isRotated(known) {
                text += ", a registered OCI API key already rotated (\(name)\(owner), \(known.state ?? ""))"
            } else if let state = known.state, state.uppercased() != "ACTIVE" {
                // CREATING: being registered, about to work; any state OCI may add later counts as live.
                let what = state.uppercased() == "CREATING" ? "being registered, as good as ACTIVE" : "not rotated"
                text += ", a registered OCI API key (\(name)\(owner), \(state): \(what))"
            } else {
                text += ", a registered OCI API key (\(name)\(owner), \(known.state ?? "listed"))"
            }
        }
        return text
    }

    /// `1500 more findings in this file not listed (--max-findings-per-file 1000), from line 1001 on; the most severe, at line 1503: …`
    private func describe(_ notListed: NotListedFacts, line: Int) -> String {
        let n = notListed.count
        var text = "\(n) more finding\(n == 1 ? "" : "s") in this file not listed (--max-findings-per-file \(notListed.limit)), from line \(line) on"
        // The first of the most severe kind: groups are in the order their kinds were met.
        if let worst = notListed.groups.max(by: { severity($0.first) < severity($1.first) }) {
            text += "; the most severe, at line \(worst.first.line): " + describe(worst.first)
        }
        if notListed.unsampled > 0 {
            text += "; \(notListed.unsampled) of more kinds than keyleak keeps apart, so rated critical"
        }
        return text
    }

    /// A registered key that is no longer usable: INACTIVE, DELETING or
    /// DELETED. ACTIVE, CREATING (being registered) and any other state count as live.
    static func isRotated(_ known: KnownKeyMatch) -> Bool {
        guard let state = known.state?.uppercased() else { return false }
        return ["INACTIVE", "DELETING", "DELETED"].contains(state)
    }

    /// `OCI session token for ocid1.user… in tenancy …, expires 2026-05-01 12:00:00 UTC`.
    static func describe(_ token: SessionToken, now: Date) -> String {
        var text = "OCI session token"
        if let subject = token.subject { text += " for \(subject)" }
        if let tenancy = token.tenancy { text += " in tenancy \(tenancy)" }
        if let expiry = token.expiresAt {
            text += token.isExpired(at: now) ? ", expired \(OCIDoctor.timestamp(expiry))" : ", valid until \(OCIDoctor.timestamp(expiry))"
        }
        return text
    }

    /// `OCI config profile [DEFAULT]: user …, tenancy …, fingerprint …, key file …`
    static func describe(_ identity: OCIIdentity) -> String {
        var head: String
        switch identity.source {
        case .config: head = "OCI config profile" + (identity.profile.map { " [\($0)]" } ?? "")
        case .terraform: head = "OCI Terraform provider settings"
        case .env: head = "OCI CLI environment variables"
        }
        var facts: [String] = []
        if let user = identity.user { facts.append("user \(user)") }
        if let tenancy = identity.tenancy { facts.append("tenancy \(tenancy)") }
        if let region = identity.region { facts.append("region \(region)") }
        if let fingerprint = identity.fingerprint { facts.append("fingerprint \(fingerprint)") }
        if let keyFile = identity.keyFile { facts.append("key file \(keyFile)") }
        if identity.inlineKey { facts.append("private key inline") }
        if identity.securityTokenFile != nil { facts.append("session token file") }
        if identity.hasPassPhrase { facts.append("PASS PHRASE IN CLEAR") }
        return head + (facts.isEmpty ? "" : ": " + facts.joined(separator: ", "))
    }

    /// `locked PKCS#12 container: may hold private keys (none of the 11 well-known passwords opens it)`,
    /// `Java keystore (JKS), locked: 1 private key entry (its chain: 2 certificates), 1 trusted certificate (…)`.
    static func describe(_ container: ContainerFacts) -> String {
        var holds: [String] = []
        if container.kind != .pkcs12 {
            let keys = container.privateKeys ?? 0
            if keys > 0 || !container.incomplete {
                var entry = "\(keys) private key \(entries(keys))"
                if container.keyChains.count == 1 {
                    entry += " (its chain: \(count(container.keyChains[0], "certificate")))"
                } else if !container.keyChains.isEmpty {
                    entry += " (their chains: " + container.keyChains.map(String.init).joined(separator: ", ") + " certificates)"
                }
                holds.append(entry)
            }
            if container.secretKeys > 0 { holds.append("\(container.secretKeys) secret key \(entries(container.secretKeys))") }
            if container.certificates > 0 { holds.append(count(container.certificates, "trusted certificate")) }
            if container.incomplete {
                holds.append(holds.isEmpty ? "entries keyleak could not walk, which may be private keys"
                                           : "more entries keyleak could not walk")
            }
        } else if container.opensWith != nil {
            if container.secretKeys > 0 { holds.append(count(container.secretKeys, "secret bag")) }
            if container.certificates > 0 { holds.append(count(container.certificates, "certificate")) }
        }
        var text: String
        if let password = container.opensWith {
            text = containerName(container.kind) + " that " + opens(password)
            if !holds.isEmpty { text += ": " + holds.joined(separator: ", ") }
            if let part = container.unreadablePart {
                text += (holds.isEmpty ? ", but" : "; but") + " its \(part) part could not be decrypted"
                    + (container.unreadableReason.map { " (\($0))" } ?? "") + ", so it may hold private keys keyleak could not name"
            }
            return text
        }
        text = container.kind == .pkcs12 ? "locked PKCS#12 container: may hold private keys"
            : "locked Java keystore (\(container.kind.rawValue)): " + holds.joined(separator: ", ")
        if let part = container.unreadablePart {
            // The MAC itself could not be computed: no password could be checked.
            text += " (its \(part) could not be computed" + (container.unreadableReason.map { ": \($0)" } ?? "")
                + ", so no password could be checked)"
        } else if let tried = container.passwordsTried {
            let all = WellKnownPasswords.all.count
            text += tried >= all ? " (none of the \(all) well-known passwords opens it)"
                : " (only \(tried) of the \(all) well-known passwords tried: its key derivation is too costly to try them all)"
        }
        return text
    }

    /// `PKCS#12 container`, `JKS keystore`.
    static func containerName(_ kind: ContainerKind) -> String {
        kind == .pkcs12 ? "PKCS#12 container" : "\(kind.rawValue) keystore"
    }

    /// `opens without a password`, `opens with the well-known password 'changeit'`.
    static func opens(_ password: String) -> String {
        password.isEmpty ? "opens without a password" : "opens with the well-known password '\(password)'"
    }

    /// `entry`, `entries`.
    static func entries(_ n: Int) -> String { n == 1 ? "entry" : "entries" }

    /// `1 key`, `2 keys`.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
