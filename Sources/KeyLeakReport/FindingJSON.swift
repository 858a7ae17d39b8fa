import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

/// A finding as a JSON object (the field names of DESIGN.md's contract, in
/// its order) and back: `keyleak merge` reads reports into the same typed
/// findings a scan makes, so it can link and judge them again.
package enum FindingJSON {
    /// The finding's object; every fact the policy uses is in it.
    package static func value(_ f: Finding) -> JSONWriter.Value {
        .object(location(f) + keyFields(f.key, fingerprint: f.fingerprint) + [
            ("oci_marker", .bool(f.ociMarker)),
            ("known_key", f.knownKey.map { k in
                .object([("label", .optional(k.label)), ("state", .optional(k.state)), ("user", .optional(k.user)),
                         ("source", .string(k.source))])
            } ?? .null),
            ("oci", f.oci.map(ociValue) ?? .null),
            ("container", f.container.map(containerValue) ?? .null),
            ("credential_set", f.credentialSet.map { s in
                .object([("folder", .string(s.folder)), ("profiles", .int(s.profiles)), ("keys", .int(s.keys)),
                         ("working", .bool(s.working))])
            } ?? .null),
            ("link", f.throughLink.map(linkValue) ?? .null),
            ("not_listed", f.notListed.map(notListedValue) ?? .null),
            ("config_change", f.configChange.map { c in
                .object([("kind", .string(c.kind.rawValue)), ("base", .string(c.base)),
                         ("requests", .array(c.requests.map(JSONWriter.Value.string)))])
            } ?? .null),
            ("related", .array(f.related.map {
                .object([("path", .string($0.path)), ("line", .int($0.line)), ("rule", .string($0.rule))])
            })),
            ("verification", f.verification.map(verificationValue) ?? .null),
            ("message", .string(f.message)),
            ("remediation", f.remediation.map { r in
                .object([("revoke", .string(r.revoke)), ("rotate", .string(r.rotate)), ("purge", .string(r.purge)), ("note", .string(r.note))])
            } ?? .null),
            ("preview", .string(f.preview)),
            ("secret_id", .optional(f.secretHash)),
        ] + (f.sessionToken.map { t in
            // NOTE: written only for session tokens, so that every other finding's object stays as it was.
            [("session_token", .object([("subject", .optional(t.subject)), ("tenancy", .optional(t.tenancy)),
                                        ("issuer", .optional(t.issuer)), ("expires_at", .optional(t.expiresAt)),
                                        ("session_expires_at", .optional(t.sessionExpiresAt)),
                                        ("key_fingerprint", .optional(t.keyFingerprint))]))]
        } ?? []))
    }

    private static func location(_ f: Finding) -> [(String, JSONWriter.Value)] {
        [
            ("rule", .string(f.rule)),
            ("severity", .string(f.severity.rawValue)),
            ("path", .string(f.path)),
            ("line", .int(f.line)),
            ("column", .int(f.column)),
            ("end_line", .int(f.endLine)),
            ("commit", .optional(f.commit)),
            ("author", .optional(f.author)),
            ("date", .optional(f.date)),
            ("blob", .optional(f.blob)),
            ("paths", .array(f.paths.map { .object([("path", .string($0.path)), ("ref", .string($0.ref))]) })),
        ]
    }

    private static func keyFields(_ key: KeyFacts?, fingerprint: String?) -> [(String, JSONWriter.Value)] {
        // NOTE: `test_key`, `malformed` and `algorithm_oid` are written only when
        // set, so that every other finding's object (and the golden reports)
        // stays as it was. A key OpenSSL cannot read has no SSH fingerprint:
        // `sha256` then holds the SHA-256 of its DER.
        [
            ("fingerprint", .optional(fingerprint)),
            ("sha256", .optional(key?.identity?.sha256 ?? key?.derSHA256)),
            ("key_type", .optional(key?.algorithm)),
            ("key_bits", .optional(key?.identity?.bits)),
            ("key_curve", .optional(key?.identity?.curve)),
            ("key_format", .optional(key?.format.rawValue)),
            ("key_encoding", .optional(key?.encoding.rawValue)),
            ("encrypted", .bool(key?.encrypted ?? false)),
            ("decrypted", .bool(key?.decrypted ?? false)),
            ("truncated", .bool(key?.truncated ?? false)),
        ] + (key?.testArmour == true ? [("test_key", .bool(true))] : []) + (key?.malformed == true ? [("malformed", .bool(true))] : [])
            + (key?.algorithmOID.map { [("algorithm_oid", .string($0))] } ?? [])
    }

    private static func ociValue(_ o: OCIIdentity) -> JSONWriter.Value {
        .object([("source", .string(o.source.rawValue)), ("profile", .optional(o.profile)), ("user", .optional(o.user)),
                 ("tenancy", .optional(o.tenancy)), ("region", .optional(o.region)), ("fingerprint", .optional(o.fingerprint)),
                 ("key_file", .optional(o.keyFile)), ("pass_phrase", .bool(o.hasPassPhrase)), ("inline_key", .bool(o.inlineKey)),
                 ("security_token_file", .optional(o.securityTokenFile))])
    }

    /// `{path, target, link_is_the_file, resolved, outside}`.
    private static func linkValue(_ r: ReachedThroughLink) -> JSONWriter.Value {
        .object([("path", .string(r.link.path)), ("target", .string(r.link.target)),
                 ("link_is_the_file", .bool(r.linkIsTheFile)), ("resolved", .optional(r.resolved)),
                 ("outside", r.outside.map(JSONWriter.Value.bool) ?? .null)])
    }

    /// `{count, limit, unsampled, groups: [{count, same_secret, finding}]}`: each group's first finding in full.
    private static func notListedValue(_ n: NotListedFacts) -> JSONWriter.Value {
        .object([("count", .int(n.count)), ("limit", .int(n.limit)), ("unsampled", .int(n.unsampled)),
                 ("groups", .array(n.groups.map { g in
                     .object([("count", .int(g.count)), ("same_secret", .bool(g.sameSecret)), ("finding", value(g.first))])
                 }))])
    }

    /// `{state, http_status, endpoint, checked_at, user, fingerprint, detail}` (`--verify`).
    package static func verificationValue(_ v: VerificationFacts) -> JSONWriter.Value {
        .object([("state", .string(v.state.rawValue)), ("http_status", .optional(v.httpStatus)), ("endpoint", .string(v.endpoint)),
                 ("checked_at", .string(v.checkedAt)), ("user", .string(v.user)), ("fingerprint", .string(v.fingerprint)),
                 ("detail", .optional(v.detail))])
    }

    private static func verification(_ o: [String: Any]) -> VerificationFacts? {
        guard let stateText = o["state"] as? String, let state = VerificationFacts.State(rawValue: stateText) else { return nil }
        return VerificationFacts(state: state, httpStatus: o["http_status"] as? Int, endpoint: o["endpoint"] as? String ?? "",
                                 checkedAt: o["checked_at"] as? String ?? "", user: o["user"] as? String ?? "",
                                 fingerprint: o["fingerprint"] as? String ?? "", detail: o["detail"] as? String)
    }

    /// NOTE: the password facts are written only when set, so that other
    /// container objects (and the golden reports) stay as they were. The
    /// password is one of the published defaults keyleak tries, never a secret.
    private static func containerValue(_ c: ContainerFacts) -> JSONWriter.Value {
        var fields: [(String, JSONWriter.Value)] = [
            ("kind", .string(c.kind.rawValue)), ("private_keys", .optional(c.privateKeys)),
            ("secret_keys", .int(c.secretKeys)), ("certificates", .int(c.certificates)), ("incomplete", .bool(c.incomplete)),
        ]
        if let password = c.opensWith { fields.append(("opens_with_password", .string(password))) }
        if let part = c.unreadablePart { fields.append(("unreadable_part", .string(part))) }
        if let reason = c.unreadableReason { fields.append(("unreadable_reason", .string(reason))) }
        if !c.keyChains.isEmpty { fields.append(("key_chains", .array(c.keyChains.map(JSONWriter.Value.int)))) }
        if let tried = c.passwordsTried { fields.append(("passwords_tried", .int(tried))) }
        return .object(fields)
    }

    /// Reads a finding object back; nil when a required field is missing or
    /// has the wrong type. `analyzer` names the analyzer of a rule id (nil for
    /// a rule keyleak does not know: the facts then say what it was).
    package static func finding(_ o: [String: Any], analyzer: (String) -> AnalyzerKind?) -> Finding? {
        guard let rule = o["rule"] as? String, let severityText = o["severity"] as? String,
              let severity = Severity(rawValue: severityText), let path = o["path"] as? String,
              let line = o["line"] as? Int else { return nil }
        let key = keyFacts(o)
        let oci = (o["oci"] as? [String: Any]).flatMap(identity)
        let container = (o["container"] as? [String: Any]).flatMap(containerFacts)
        let set = (o["credential_set"] as? [String: Any]).flatMap { s -> CredentialSetFacts? in
            guard let folder = s["folder"] as? String, let profiles = s["profiles"] as? Int, let keys = s["keys"] as? Int,
                  let working = s["working"] as? Bool else { return nil }
            return CredentialSetFacts(folder: folder, profiles: profiles, keys: keys, working: working)
        }
        let change = (o["config_change"] as? [String: Any]).flatMap { c -> ConfigChangeFacts? in
            guard let kindText = c["kind"] as? String, let kind = ConfigChangeFacts.Kind(rawValue: kindText),
                  let base = c["base"] as? String else { return nil }
            return ConfigChangeFacts(kind: kind, base: base, requests: c["requests"] as? [String] ?? [])
        }
        let kind = analyzer(rule) ?? (o["session_token"] is [String: Any] ? .sessionToken : set != nil ? .credentialSet : change != nil ? .configChange : key != nil ? .pem : oci != nil ? .ociConfig
            : container?.kind == .pkcs12 ? .pkcs12 : container != nil ? .keystore : .ociMarker)
        var f = Finding(rule: rule, analyzer: kind, severity: severity, path: path, line: line,
                        column: o["column"] as? Int ?? 1, endLine: o["end_line"] as? Int ?? line,
                        commit: o["commit"] as? String, key: key, ociMarker: o["oci_marker"] as? Bool ?? false,
                        message: o["message"] as? String ?? "", preview: o["preview"] as? String ?? "")
        f.author = o["author"] as? String
        f.date = o["date"] as? String
        f.blob = o["blob"] as? String
        f.oci = oci
        f.container = container
        f.credentialSet = set
        f.configChange = change
        f.paths = (o["paths"] as? [[String: Any]] ?? []).compactMap { p in
            guard let path = p["path"] as? String, let ref = p["ref"] as? String else { return nil }
            return RefPath(path: path, ref: ref)
        }
        f.secretHash = o["secret_id"] as? String
        if let r = o["remediation"] as? [String: Any], let revoke = r["revoke"] as? String, let rotate = r["rotate"] as? String,
           let purge = r["purge"] as? String, let note = r["note"] as? String {
            f.remediation = Remediation(revoke: revoke, rotate: rotate, purge: purge, note: note)
        }
        if let t = o["session_token"] as? [String: Any] {
            f.sessionToken = SessionToken(subject: t["subject"] as? String, tenancy: t["tenancy"] as? String, issuer: t["issuer"] as? String,
                                          expiresAt: t["expires_at"] as? Int, sessionExpiresAt: t["session_expires_at"] as? Int,
                                          keyFingerprint: t["key_fingerprint"] as? String)
        }
        if let l = o["link"] as? [String: Any], let linkPath = l["path"] as? String, let target = l["target"] as? String {
            f.throughLink = ReachedThroughLink(link: SymbolicLink(path: linkPath, target: target),
                                               linkIsTheFile: l["link_is_the_file"] as? Bool ?? (linkPath == path),
                                               resolved: l["resolved"] as? String, outside: l["outside"] as? Bool)
        }
        if let n = o["not_listed"] as? [String: Any] {
            let groups = (n["groups"] as? [[String: Any]] ?? []).compactMap { g -> NotListedGroup? in
                guard let count = g["count"] as? Int, let item = g["finding"] as? [String: Any],
                      let first = finding(item, analyzer: analyzer) else { return nil }
                return NotListedGroup(first: first, count: count, sameSecret: g["same_secret"] as? Bool ?? false)
            }
            f.notListed = NotListedFacts(limit: n["limit"] as? Int ?? 0, groups: groups, unsampled: n["unsampled"] as? Int ?? 0)
        }
        if let k = o["known_key"] as? [String: Any], let source = k["source"] as? String {
            f.knownKey = KnownKeyMatch(label: k["label"] as? String, state: k["state"] as? String, user: k["user"] as? String,
                                       source: source)
        }
        f.verification = (o["verification"] as? [String: Any]).flatMap(verification)
        f.related = (o["related"] as? [[String: Any]] ?? []).compactMap { r in
            guard let p = r["path"] as? String, let l = r["line"] as? Int, let id = r["rule"] as? String else { return nil }
            return RelatedFinding(path: p, line: l, rule: id)
        }
        return f
    }

    private static func keyFacts(_ o: [String: Any]) -> KeyFacts? {
        guard let formatText = o["key_format"] as? String, let format = KeyFormat(rawValue: formatText) else { return nil }
        var identity: Fingerprint?
        if let fingerprint = o["fingerprint"] as? String, let algorithm = o["key_type"] as? String, let bits = o["key_bits"] as? Int {
            identity = Fingerprint(oci: fingerprint, sha256: o["sha256"] as? String, algorithm: algorithm, bits: bits,
                                   curve: o["key_curve"] as? String)
        }
        var facts = KeyFacts(format: format, encrypted: o["encrypted"] as? Bool ?? false, truncated: o["truncated"] as? Bool ?? false,
                             identity: identity, declaredAlgorithm: identity == nil ? o["key_type"] as? String : nil)
        facts.decrypted = o["decrypted"] as? Bool ?? false
        facts.testArmour = o["test_key"] as? Bool ?? false
        facts.malformed = o["malformed"] as? Bool ?? false
        facts.algorithmOID = o["algorithm_oid"] as? String
        if identity == nil { facts.derSHA256 = o["sha256"] as? String }
        facts.encoding = (o["key_encoding"] as? String).flatMap(KeyEncoding.init(rawValue:)) ?? .armoured
        return facts
    }

    private static func identity(_ o: [String: Any]) -> OCIIdentity? {
        guard let sourceText = o["source"] as? String, let source = OCISource(rawValue: sourceText) else { return nil }
        var identity = OCIIdentity(source: source, profile: o["profile"] as? String)
        identity.user = o["user"] as? String
        identity.tenancy = o["tenancy"] as? String
        identity.region = o["region"] as? String
        identity.fingerprint = o["fingerprint"] as? String
        identity.keyFile = o["key_file"] as? String
        identity.hasPassPhrase = o["pass_phrase"] as? Bool ?? false
        identity.inlineKey = o["inline_key"] as? Bool ?? false
        identity.securityTokenFile = o["security_token_file"] as? String
        return identity
    }

    private static func containerFacts(_ o: [String: Any]) -> ContainerFacts? {
        guard let kindText = o["kind"] as? String, let kind = ContainerKind(rawValue: kindText) else { return nil }
        var facts = ContainerFacts(kind: kind, privateKeys: o["private_keys"] as? Int, secretKeys: o["secret_keys"] as? Int ?? 0,
                                   certificates: o["certificates"] as? Int ?? 0, incomplete: o["incomplete"] as? Bool ?? false,
                                   opensWith: o["opens_with_password"] as? String)
        facts.unreadablePart = o["unreadable_part"] as? String
        facts.unreadableReason = o["unreadable_reason"] as? String
        facts.keyChains = o["key_chains"] as? [Int] ?? []
        facts.passwordsTried = o["passwords_tried"] as? Int
        return facts
    }
}
