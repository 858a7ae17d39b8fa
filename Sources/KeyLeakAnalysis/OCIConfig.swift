import KeyLeakInput
import KeyLeakMatching
import Foundation

/// Finds OCI credentials described as settings rather than as a key: INI
/// profiles of an OCI config file (`~/.oci/config` and copies of it under any
/// name, or pasted into a README), Terraform provider settings and `*.tfvars`,
/// and `OCI_CLI_*` variables in `.env` files, shell scripts and CI YAML.
///
/// INI files are read with the OCI SDK's semantics (Python `configparser`
/// without interpolation): `key = value` or `key: value`, keys
/// case-insensitive, `#` and `;` full-line comments, indented continuation
/// lines, and `[DEFAULT]` values inherited by every other profile.
package enum OCIConfig {
    /// One identity found, with where it starts (byte offset in the text).
    package struct Found {
        package var identity: OCIIdentity
        package var offset: Int
        /// First line of the identity's text, for the preview (never a secret's value).
        package var preview: String
        /// Settings as written (after `[DEFAULT]` inheritance), by canonical name.
        package var raw: [String: String] = [:]
        /// How many identity facts the settings hold.
        package var facts = 0
    }

    private struct Assignment {
        package var key: String
        package var value: String
        package var offset: Int
    }

    private struct Group {
        package var source: OCISource
        package var profile: String?
        package var offset: Int
        package var preview: String
        package var values: [String: String] = [:]
        package var order: [String] = []
    }

    package static let iniKeys: Set<String> = ["user", "tenancy", "fingerprint", "key_file", "region", "pass_phrase", "security_token_file"]
    package static let terraformKeys: [String: String] = [
        "tenancy_ocid": "tenancy", "user_ocid": "user", "fingerprint": "fingerprint", "private_key_path": "key_file",
        "private_key_password": "pass_phrase", "region": "region", "private_key": "key_content",
    ]
    package static let environmentKeys: [String: String] = [
        "oci_cli_user": "user", "oci_cli_tenancy": "tenancy", "oci_cli_fingerprint": "fingerprint",
        "oci_cli_key_file": "key_file", "oci_cli_region": "region", "oci_cli_key_content": "key_content",
        "oci_cli_passphrase": "pass_phrase", "oci_cli_pass_phrase": "pass_phrase",
        "oci_cli_security_token_file": "security_token_file",
    ]

    /// Every identity in `text` (a whole blob or window) with enough facts to be
    /// a credential: two of user, tenancy, fingerprint, key file, pass phrase,
    /// inline key, session token (or a user OCID in a named profile), at least
    /// one of them more than the tenancy. NOTE: OCIDs are not secrets: a
    /// profile with only a tenancy and a region is not a finding.
    package static func identities(in text: UnsafeRawBufferPointer) -> [Found] {
        parse(text).filter { found in
            let identity = found.identity
            let beyondTenancy = identity.user != nil || identity.fingerprint != nil || identity.keyFile != nil
                || identity.hasPassPhrase || identity.inlineKey || identity.securityTokenFile != nil
            guard beyondTenancy else { return false }
            return found.facts >= 2 || (identity.source == .config && identity.profile != nil && identity.user != nil)
        }
    }

    /// Every INI profile of an OCI config file, whatever it holds (for `keyleak doctor`).
    package static func profiles(in text: UnsafeRawBufferPointer) -> [Found] {
        parse(text).filter { $0.identity.source == .config && $0.identity.profile != nil }
    }

    private static func parse(_ text: UnsafeRawBufferPointer) -> [Found] {
        var groups: [Group] = []
        var section: Int?            // index in `groups` of the current INI section
        var defaults: [String: String] = [:]
        var loose: [OCISource: Int] = [:]  // source -> index of the open Terraform / env group
        var lastKeyGroup: (group: Int, key: String)?
        var lineStart = 0
        let count = text.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count, text[lineEnd] != 10 { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            guard lineEnd - lineStart < 4096 else { lastKeyGroup = nil; continue }
            let raw = String(decoding: UnsafeRawBufferPointer(rebasing: text[lineStart..<lineEnd]), as: UTF8.self)
            let indented = raw.first == " " || raw.first == "\t"
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") {
                if line.isEmpty { lastKeyGroup = nil }
                continue
            }
            if line.hasPrefix("["), line.hasSuffix("]"), line.count > 2, !line.contains("="), !line.contains("\"") {
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                groups.append(Group(source: .config, profile: name, offset: lineStart, preview: clipped(line, previewLimit)))
                section = groups.count - 1
                lastKeyGroup = nil
                continue
            }
            guard let assignment = parseAssignment(line, offset: lineStart) else {
                // An indented line continues an INI value (configparser multi-line values).
                if indented, let last = lastKeyGroup, groups[last.group].source == .config {
                    groups[last.group].values[last.key, default: ""] += "\n" + line
                } else if !line.hasPrefix("-") && !line.hasPrefix("```") {
                    section = nil  // prose: the INI document ended
                }
                continue
            }
            let key = assignment.key.lowercased()
            if let s = section, iniKeys.contains(key) {
                groups[s].values[key] = assignment.value
                groups[s].order.append(key)
                if groups[s].profile?.uppercased() == "DEFAULT" { defaults[key] = assignment.value }
                lastKeyGroup = (s, key)
                continue
            }
            let bare = key.hasPrefix("tf_var_") ? String(key.dropFirst(7)) : key
            let mapped: (source: OCISource, key: String)?
            if let k = environmentKeys[key] { mapped = (.env, k) }
            else if let k = terraformKeys[bare] { mapped = (.terraform, k) }
            else if iniKeys.contains(key) && section == nil && (key == "user" || key == "tenancy" || key == "key_file" || key == "pass_phrase") {
                mapped = (.config, key)  // an INI document without a section header
            } else { mapped = nil }
            guard let mapped else {
                // NOTE: an indented line continues the value of the key just
                // before it, whatever that key is (configparser; a YAML block
                // scalar `key: |`). Without this reset, the PEM body under an
                // unrecognised `key: |` was appended to the `user:` above it.
                lastKeyGroup = nil
                continue
            }
            var index = loose[mapped.source]
            if index == nil || groups[index!].values[mapped.key] != nil {
                // A repeated setting starts the next identity (a second provider block).
                groups.append(Group(source: mapped.source, profile: nil, offset: assignment.offset,
                                    preview: preview(for: assignment)))
                index = groups.count - 1
                loose[mapped.source] = index
            }
            groups[index!].values[mapped.key] = assignment.value
            groups[index!].order.append(mapped.key)
            lastKeyGroup = (index!, mapped.key)
        }

        var found: [Found] = []
        for group in groups {
            var values = group.values
            if group.source == .config, group.profile?.uppercased() != "DEFAULT" {
                for (k, v) in defaults where values[k] == nil { values[k] = v }
            }
            var identity = OCIIdentity(source: group.source, profile: group.profile)
            identity.user = ocid(values["user"], kind: "user")
            identity.tenancy = ocid(values["tenancy"], kind: "tenancy")
            identity.fingerprint = fingerprint(values["fingerprint"])
            identity.region = region(values["region"])
            identity.keyFile = path(values["key_file"])
            identity.securityTokenFile = path(values["security_token_file"])
            let passPhrase = literal(values["pass_phrase"]).flatMap { $0.isEmpty ? nil : $0 }
            identity.hasPassPhrase = passPhrase != nil
            identity.passPhrase = passPhrase
            let inlineKey = (values["key_content"].map { $0.contains("PRIVATE KEY") || $0.count > 100 }) ?? false
            let facts = [identity.user != nil, identity.tenancy != nil, identity.fingerprint != nil,
                         identity.keyFile != nil, identity.hasPassPhrase, inlineKey, identity.securityTokenFile != nil]
                .filter { $0 }.count
            identity.inlineKey = inlineKey
            found.append(Found(identity: identity, offset: group.offset, preview: group.preview, raw: values, facts: facts))
        }
        return found
    }

    /// `key = value`, `key: value`, `export KEY=value`, `- KEY=value`, `"key": "value",`.
    private static func parseAssignment(_ line: String, offset: Int) -> Assignment? {
        var rest = Substring(line)
        if rest.hasPrefix("- ") { rest = rest.dropFirst(2) }
        if rest.hasPrefix("export ") { rest = rest.dropFirst(7) }
        if rest.hasPrefix("set ") { rest = rest.dropFirst(4) }
        rest = rest.drop(while: { $0 == " " || $0 == "\t" })
        var key = ""
        if let q = rest.first, q == "\"" || q == "'" {
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: q) else { return nil }
            key = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
        } else {
            let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
            key = String(name)
            rest = rest.dropFirst(name.count)
        }
        guard !key.isEmpty, key.first!.isLetter || key.first == "_" else { return nil }
        rest = rest.drop(while: { $0 == " " || $0 == "\t" })
        guard let delimiter = rest.first, delimiter == "=" || delimiter == ":" else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        return Assignment(key: key, value: String(rest), offset: offset)
    }

    private static func preview(for assignment: Assignment) -> String {
        let key = assignment.key
        let lower = key.lowercased()
        if lower.contains("pass") || lower.contains("key_content") || lower == "private_key" { return key + " = …" }
        let value = literal(assignment.value) ?? ""
        return key + " = " + (value.count > 24 ? String(value.prefix(24)) + "…" : value)
    }

    /// A literal value: quotes and a trailing comma removed; nil for
    /// references (`var.x`, `${…}`, `$VAR`) and empty values.
    package static func literal(_ value: String?) -> String? {
        guard var v = value?.trimmingCharacters(in: .whitespaces) else { return nil }
        if v.hasSuffix(",") || v.hasSuffix(";") { v.removeLast() }
        v = v.trimmingCharacters(in: .whitespaces)
        if v.count >= 2, let f = v.first, let l = v.last, (f == "\"" && l == "\"") || (f == "'" && l == "'") {
            v = String(v.dropFirst().dropLast())
        } else if v.contains("(") {
            return nil  // a call (`getpass()`, `os.environ.get(…)`), not a value
        } else if ["null", "false", "true", "none", "nil", "~"].contains(v.lowercased()) {
            // NOTE: JSON and YAML say "no value" so (`"pass_phrase": false` in a
            // report, `key_file: null`): an unquoted keyword is no setting.
            return nil
        }
        // Code, not a setting: more quotes inside (`"a", "b": "c"`).
        if v.contains("\"") || v.contains("'") { return nil }
        if v.isEmpty || v.hasPrefix("var.") || v.hasPrefix("local.") || v.contains("${") || v.hasPrefix("$") || v.hasPrefix("{{") {
            return nil
        }
        return v
    }

    /// An OCID of the given kind that is not a documentation placeholder: a
    /// single token shaped `ocid1.<kind>.<realm>.[region].<unique id>` (or the
    /// legacy `ocidv1:<kind>:…`), at most `ocidLimit` characters.
    /// NOTE: the value is printed in every report, so anything else (a value
    /// that runs on over several lines, a key pasted after it) is not taken.
    package static func ocid(_ value: String?, kind: String) -> String? {
        guard let v = literal(value), v.utf8.count <= ocidLimit, !v.contains(where: \.isNewline), !v.contains("..."),
              !v.lowercased().contains("xxxx") else { return nil }
        let modern = "^ocid1\\.\(kind)\\.[a-z0-9-]*\\.[a-z0-9-]*\\.[A-Za-z0-9._-]+$"
        let legacy = "^ocidv1:\(kind):[A-Za-z0-9._:-]+$"
        guard v.range(of: modern, options: .regularExpression) != nil
                || v.range(of: legacy, options: .regularExpression) != nil else { return nil }
        return v
    }

    /// Longest OCID taken, in characters (real ones are under 100).
    package static let ocidLimit = 255
    /// Longest section-header preview, in characters.
    package static let previewLimit = 40

    /// A region identifier (`us-ashburn-1`, `iad`): one token of letters,
    /// digits, `-` and `_`, at most 64 characters; nil for anything else.
    package static func region(_ value: String?) -> String? {
        guard let v = literal(value), v.utf8.count <= 64, !v.contains(where: \.isNewline),
              v.range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil else { return nil }
        return v
    }

    /// A file path setting (`key_file`, `security_token_file`): one line, at
    /// most 1024 bytes, and not key text itself (a PEM armour pasted where the
    /// path belongs); nil for anything else.
    package static func path(_ value: String?) -> String? {
        guard let v = literal(value), v.utf8.count <= 1024,
              !v.contains(where: \.isNewline),
              !v.contains("-----BEGIN"), !v.uppercased().contains("PRIVATE KEY") else { return nil }
        return v
    }

    /// A raw setting as it may be quoted in a message: its first line, cut
    /// after `previewLimit` characters. Never a whole value that may hold a
    /// secret (for `keyleak doctor`'s complaints about malformed settings).
    package static func shown(_ value: String) -> String {
        let lines = value.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })
        let first = String(lines.first ?? "")
        if first.count > previewLimit { return String(first.prefix(previewLimit)) + "…" }
        return first + (lines.count > 1 ? "…" : "")
    }

    /// `text` cut after `limit` characters, with `…` when cut.
    package static func clipped(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// A fingerprint of 16 colon-separated hex bytes, lowercased.
    package static func fingerprint(_ value: String?) -> String? {
        guard let v = literal(value)?.lowercased() else { return nil }
        let parts = v.split(separator: ":")
        guard parts.count == 16, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return v
    }
}
