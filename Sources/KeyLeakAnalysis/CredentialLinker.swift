import Foundation
import KeyLeakInput
import KeyLeakMatching

/// Links what belongs together across files once the scan is done: an OCI
/// profile and the key its `key_file` points to (or whose fingerprint it
/// names), a pass phrase and the encrypted key it opens, a copied `.oci`
/// folder as one credential set, and every key or profile whose fingerprint
/// is a known, registered key. It records facts only; the policy words them.
///
/// Linking works from what the findings carry (never by re-reading a path), so
/// it gives the same answer in one scan and over merged shard reports.
package enum CredentialLinker {
    /// Opens encrypted keys with the clear pass phrases of the settings that
    /// point to them, from the key bytes kept in memory (`Finding.sealedKey`),
    /// wherever the key was: a file, an archive member, a git blob. Run before
    /// `link`, in the process that scanned; merged reports hold no key bytes.
    package static func openEncryptedKeys(_ findings: inout [Finding]) {
        let keys = findings.indices.filter { findings[$0].key != nil }
        for i in findings.indices {
            guard let identity = findings[i].oci, let passPhrase = identity.passPhrase else { continue }
            for k in linkedKeys(of: i, among: keys, in: findings) {
                // NOTE: a scanned key can declare billions of key-derivation
                // iterations; it is opened only within the budget a container gets.
                guard let sealed = findings[k].sealedKey, findings[k].key?.identity == nil,
                      let cost = PBECost.iterationsToOpen(pem: sealed), cost <= WellKnownPasswords.iterationBudget,
                      let key = OpenSSLKey.privateKey(pem: sealed, passphrase: passPhrase),
                      let opened = Fingerprint(key: key) else { continue }
                findings[k].key?.identity = opened
                SigningKeys.shared.record(key, identity: opened)
                findings[k].key?.decrypted = true
                findings[k].sealedKey = nil
            }
        }
        for i in findings.indices { findings[i].sealedKey = nil }
    }

    /// Records links between settings and keys, adds one finding per copied
    /// `.oci` folder when `credentialSetRule` is enabled (dropping any left
    /// from an earlier linking), and matches fingerprints to `knownKeys`
    /// (when it is empty, matches already recorded are kept).
    package static func link(_ findings: inout [Finding], knownKeys: KnownKeys, credentialSetRule: Rule?) {
        findings.removeAll { $0.analyzer == .credentialSet }
        for i in findings.indices {
            findings[i].links = LinkFacts()
            findings[i].related = []
        }
        let keys = findings.indices.filter { findings[$0].key != nil }
        let tokens = findings.indices.filter { findings[$0].sessionToken != nil }
        for i in findings.indices {
            guard let identity = findings[i].oci else { continue }
            var linked = linkedKeys(of: i, among: keys, in: findings)
            if let fingerprint = identity.fingerprint {
                linked += keys.filter { findings[$0].key?.identity?.oci == fingerprint && !linked.contains($0) }
            }
            var settings = LinkedSettings(reference: findings[i].reference, name: name(identity), user: identity.user,
                                          tenancy: identity.tenancy, region: identity.region, profile: identity.profile)
            settings.session = identity.securityTokenFile != nil
            // A session profile's `security_token_file`, resolved like `key_file`.
            if let tokenFile = identity.securityTokenFile,
               let t = resolve(tokenFile, from: findings[i].path, among: tokens, in: findings).first {
                findings[i].links.tokens.append(findings[t].reference)
                findings[t].links.owners.append(settings)
            }
            for k in linked {
                findings[i].links.keys.append(findings[k].reference)
                findings[k].links.owners.append(settings)
                if findings[k].key?.decrypted == true, identity.hasPassPhrase, findings[k].links.openedBy == nil {
                    findings[k].links.openedBy = settings
                }
                if let claimed = identity.fingerprint, let actual = findings[k].key?.identity?.oci, claimed != actual {
                    findings[i].links.mismatchedFingerprint = actual
                }
            }
            if linked.isEmpty, identity.keyFile != nil { findings[i].links.keyFileMissing = true }
        }
        for i in findings.indices {
            let links = findings[i].links
            findings[i].related = Array(Set(links.keys + links.tokens + links.owners.map(\.reference))).sorted(by: RelatedFinding.order)
        }
        if let credentialSetRule { addCredentialSets(&findings, rule: credentialSetRule) }
        if !knownKeys.isEmpty {
            for i in findings.indices {
                findings[i].knownKey = findings[i].fingerprint.flatMap(knownKeys.lookup)
            }
        }
        findings.sort(by: Finding.reportOrder)
    }

    /// Keys settings `i` names by `key_file` (or holds inline): at most one by
    /// path, preferring the one with the claimed fingerprint, plus inline keys.
    private static func linkedKeys(of i: Int, among keys: [Int], in findings: [Finding]) -> [Int] {
        guard let identity = findings[i].oci else { return [] }
        var linked: [Int] = []
        if let keyFile = identity.keyFile {
            var candidates = resolve(keyFile, from: findings[i].path, among: keys, in: findings)
            if candidates.count > 1, let fingerprint = identity.fingerprint {
                let same = candidates.filter { findings[$0].key?.identity?.oci == fingerprint }
                if !same.isEmpty { candidates = same }
            }
            if let first = candidates.first { linked.append(first) }
        }
        if identity.inlineKey {
            linked += keys.filter { findings[$0].path == findings[i].path && !linked.contains($0) }
        }
        return linked
    }

    /// A copied `.oci` folder is one credential set: one more finding, at its
    /// config, that names the login it holds and links every part.
    private static func addCredentialSets(_ findings: inout [Finding], rule: Rule) {
        var byFolder: [String: [Int]] = [:]
        for i in findings.indices {
            let path = findings[i].path
            guard let range = path.range(of: ".oci/", options: .backwards),
                  range.lowerBound == path.startIndex || path[path.index(before: range.lowerBound)] == "/"
                    || path[path.index(before: range.lowerBound)] == "!" else { continue }
            byFolder[String(path[..<range.upperBound]), default: []].append(i)
        }
        for (folder, members) in byFolder.sorted(by: { $0.key < $1.key }) {
            let profiles = members.filter { findings[$0].oci != nil }
            let keys = members.filter { findings[$0].key != nil }
            guard let config = profiles.first, !keys.isEmpty || profiles.count > 1 else { continue }
            // A working login: a profile linked to a key of the folder whose fingerprint is the one it claims.
            let working = profiles.contains { p in
                guard let claimed = findings[p].oci?.fingerprint else { return false }
                return keys.contains { k in
                    findings[k].key?.identity?.oci == claimed && findings[p].links.keys.contains(findings[k].reference)
                }
            }
            var set = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: findings[config].path,
                              line: findings[config].line, column: findings[config].column, endLine: findings[config].line,
                              preview: String(folder.dropLast()))
            set.commit = findings[config].commit
            set.oci = findings[config].oci
            set.oci?.passPhrase = nil
            set.credentialSet = CredentialSetFacts(folder: String(folder.dropLast()), profiles: profiles.count,
                                                   keys: keys.count, working: working)
            set.related = members.map { findings[$0].reference }.sorted(by: RelatedFinding.order)
            set.secretHash = findings[config].secretHash
            findings.append(set)
        }
    }

    /// `OCI profile [ADMIN]`, `OCI Terraform provider settings`, `OCI_CLI_* variables`.
    package static func name(_ identity: OCIIdentity) -> String {
        switch identity.source {
        case .config: return "OCI profile" + (identity.profile.map { " [\($0)]" } ?? "")
        case .terraform: return "OCI Terraform provider settings"
        case .env: return "OCI_CLI_* variables"
        }
    }

    /// Key findings a `key_file` value may name: relative paths from the config's
    /// folder; `~/…` and absolute paths by file name, or, when the config is
    /// in a copied home and the file is there, that file only
    /// (`backup/.oci/config` naming `~/.oci/key.pem`: `backup/.oci/key.pem`).
    static func resolve(_ keyFile: String, from configPath: String, among keys: [Int], in findings: [Finding]) -> [Int] {
        // NOTE: a Windows path (`C:\\Users\\dev\\.oci\\key.pem`) separates with backslashes.
        let name = keyFile.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? keyFile
        if keyFile.hasPrefix("~") || keyFile.hasPrefix("/") || keyFile.contains("\\") {
            let matches = keys.filter { ($0 < findings.count) && (findings[$0].path as NSString).lastPathComponent == name }
            let folder = (configPath as NSString).deletingLastPathComponent
            if keyFile.hasPrefix("~/"), (folder as NSString).lastPathComponent == ".oci" {
                let home = (folder as NSString).deletingLastPathComponent
                let expected = normalize(home.isEmpty ? String(keyFile.dropFirst(2)) : home + "/" + keyFile.dropFirst(2))
                let exact = matches.filter { normalize(findings[$0].path) == expected }
                if !exact.isEmpty { return exact }
            }
            return matches.sorted { findings[$0].path < findings[$1].path }
        }
        let folder = (configPath as NSString).deletingLastPathComponent
        let joined = normalize(folder.isEmpty ? keyFile : folder + "/" + keyFile)
        return keys.filter { normalize(findings[$0].path) == joined }
    }

    /// A path with `.` and `dir/..` steps removed.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}

extension RelatedFinding {
    /// Path (bytes), line, rule.
    static func order(_ a: RelatedFinding, _ b: RelatedFinding) -> Bool {
        if a.path != b.path { return a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
        if a.line != b.line { return a.line < b.line }
        return a.rule < b.rule
    }
}
