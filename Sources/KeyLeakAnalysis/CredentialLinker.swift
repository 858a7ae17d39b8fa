import KeyLeakInput
import KeyLeakMatching
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Links what belongs together across files once the scan is done: an OCI
/// profile and the key its `key_file` points to (or whose fingerprint it
/// names), a pass phrase and the encrypted key it opens, and every key or
/// profile whose fingerprint is a known, registered key.
package enum CredentialLinker {
    package static func link(_ findings: inout [Finding], knownKeys: KnownKeys) {
        let keyIndices = findings.indices.filter { findings[$0].key != nil }
        let identityIndices = findings.indices.filter { findings[$0].oci != nil }

        for i in identityIndices {
            guard let identity = findings[i].oci else { continue }
            var linked: [Int] = []
            if let keyFile = identity.keyFile {
                var candidates = resolve(keyFile, from: findings[i].path, among: keyIndices, in: findings)
                if candidates.count > 1, let fingerprint = identity.fingerprint {
                    let same = candidates.filter { findings[$0].key?.identity?.oci == fingerprint }
                    if !same.isEmpty { candidates = same }
                }
                if let first = candidates.first { linked.append(first) }
            }
            if identity.inlineKey {
                linked += keyIndices.filter { findings[$0].path == findings[i].path && !linked.contains($0) }
            }
            // Open an encrypted key with the profile's pass phrase.
            if let passPhrase = identity.passPhrase {
                for k in linked where findings[k].key?.encrypted == true && findings[k].key?.identity == nil {
                    if let opened = decrypt(findings[k], passPhrase: passPhrase) {
                        findings[k].key?.identity = opened
                        findings[k].message += ", opened with the pass phrase of \(name(identity)) in \(findings[i].path)"
                    }
                }
            }
            if let fingerprint = identity.fingerprint {
                linked += keyIndices.filter { findings[$0].key?.identity?.oci == fingerprint && !linked.contains($0) }
            }
            for k in linked { connect(config: i, key: k, in: &findings) }
            if linked.isEmpty, let keyFile = identity.keyFile {
                findings[i].message += " (key file \(keyFile) is not in the scan)"
            }
        }

        addCredentialSets(&findings)
        guard !knownKeys.isEmpty else { return }
        for i in findings.indices {
            guard let fingerprint = findings[i].key?.identity?.oci ?? findings[i].oci?.fingerprint,
                  let known = knownKeys.lookup(fingerprint) else { continue }
            findings[i].knownKey = known
            let name = known.label.map { "'\($0)'" } ?? fingerprint
            let owner = known.user.map { " of user \($0)" } ?? ""
            switch known.state?.uppercased() {
            case "ACTIVE"?, nil:
                if findings[i].key != nil { findings[i].severity = .critical }
                findings[i].message += ", a registered OCI API key (\(name)\(owner), \(known.state ?? "listed"))"
            default:
                findings[i].message += ", a registered OCI API key already rotated (\(name)\(owner), \(known.state!))"
            }
        }
    }

    /// A copied `.oci` folder is one credential set: one more finding, at its
    /// config, that names the login it holds and links every part.
    private static func addCredentialSets(_ findings: inout [Finding]) {
        var byFolder: [String: [Int]] = [:]
        for i in findings.indices {
            let path = findings[i].path
            guard let range = path.range(of: ".oci/", options: .backwards),
                  range.lowerBound == path.startIndex || path[path.index(before: range.lowerBound)] == "/" || path[path.index(before: range.lowerBound)] == "!" else { continue }
            byFolder[String(path[..<range.upperBound]), default: []].append(i)
        }
        for (folder, members) in byFolder.sorted(by: { $0.key < $1.key }) {
            let profiles = members.filter { findings[$0].oci != nil }
            let keys = members.filter { findings[$0].key != nil }
            guard let config = profiles.first, !keys.isEmpty || profiles.count > 1 else { continue }
            let identity = findings[config].oci!
            let working = profiles.contains { p in findings[p].related.contains { r in keys.contains { findings[$0].path == r.path } } }
            var message = "OCI credential set in \(folder.dropLast()): \(profiles.count) profile\(profiles.count == 1 ? "" : "s"), \(keys.count) key\(keys.count == 1 ? "" : "s")"
            if working, let user = identity.user {
                message += " — a working OCI login for user \(user)" + (identity.tenancy.map { " in tenancy \($0)" } ?? "")
            }
            var set = Finding(rule: "oci-credential-set", severity: working ? .critical : .high, path: findings[config].path,
                              line: findings[config].line, column: findings[config].column, endLine: findings[config].line,
                              message: message, preview: String(folder.dropLast()))
            set.oci = identity
            set.related = members.map { RelatedFinding(path: findings[$0].path, line: findings[$0].line, rule: findings[$0].rule) }
            set.secretHash = findings[config].secretHash
            findings.append(set)
        }
        findings.sort(by: Finding.reportOrder)
    }

    private static func connect(config i: Int, key k: Int, in findings: inout [Finding]) {
        let configRef = RelatedFinding(path: findings[i].path, line: findings[i].line, rule: findings[i].rule)
        let keyRef = RelatedFinding(path: findings[k].path, line: findings[k].line, rule: findings[k].rule)
        guard !findings[i].related.contains(keyRef) else { return }
        findings[i].related.append(keyRef)
        findings[k].related.append(configRef)
        findings[i].severity = .critical
        findings[k].severity = .critical
        let owner = findings[i].oci.map(CredentialLinker.name) ?? "OCI settings"
        findings[k].message += ", the key of \(owner) in \(configRef.path):\(configRef.line)"
        findings[i].message += ", its key is in the scan at \(keyRef.path):\(keyRef.line)"
        if let claimed = findings[i].oci?.fingerprint, let actual = findings[k].key?.identity?.oci, claimed != actual {
            findings[i].message += " but its fingerprint \(actual) does not match the profile's \(claimed)"
        }
    }

    /// `OCI profile [ADMIN]`, `OCI Terraform provider settings`, `OCI_CLI_* variables`.
    package static func name(_ identity: OCIIdentity) -> String {
        switch identity.source {
        case "config": return "OCI profile" + (identity.profile.map { " [\($0)]" } ?? "")
        case "terraform": return "OCI Terraform provider settings"
        default: return "OCI_CLI_* variables"
        }
    }

    /// Key findings a `key_file` value may name: relative paths from the config's
    /// folder; `~/…` and absolute paths by file name.
    package static func resolve(_ keyFile: String, from configPath: String, among keys: [Int], in findings: [Finding]) -> [Int] {
        let name = (keyFile as NSString).lastPathComponent
        if keyFile.hasPrefix("~") || keyFile.hasPrefix("/") || keyFile.contains("\\") {
            let matches = keys.filter { ($0 < findings.count) && (findings[$0].path as NSString).lastPathComponent == name }
            return matches.sorted { findings[$0].path < findings[$1].path }
        }
        let folder = (configPath as NSString).deletingLastPathComponent
        let joined = normalize(folder.isEmpty ? keyFile : folder + "/" + keyFile)
        return keys.filter { normalize(findings[$0].path) == joined }
    }

    package static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// Re-reads an encrypted key's block and opens it with `passPhrase`.
    package static func decrypt(_ finding: Finding, passPhrase: String) -> Fingerprint? {
        guard let path = finding.sourcePath else { return nil }
        let fd = open(cString(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let length = min(finding.endOffset - finding.startOffset + 64, PEMNormalizer.maximumBlockLength)
        var bytes = [UInt8](repeating: 0, count: max(0, length))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(finding.startOffset)) }
        guard n > 0 else { return nil }
        bytes.removeSubrange(n...)
        return bytes.withUnsafeBytes { raw -> Fingerprint? in
            guard let block = PEMNormalizer.normalize(raw, at: 0) else { return nil }
            guard let key = OpenSSLKey.privateKey(pem: PrivateKey.canonicalPEM(block), passphrase: passPhrase) else { return nil }
            return Fingerprint(key: key)
        }
    }
}
