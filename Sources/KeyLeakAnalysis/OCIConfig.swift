import KeyLeakInput
import KeyLeakMatching
import Foundation

/// Finds OCI credentials described as settings rather than as a key: INI
/// profiles of an OCI config file (`~/.oci/config` and copies of it under any
/// name, or pasted into a README), Terraform provider settings and `*.tfvars`,
/// and `OCI_CLI_*` variables in `.env` files, shell scripts and CI YAML.
///
/// An INI document (from a `[section]` header on, until a line configparser
/// would reject: a README's code block ends there) is read by `INIDocument`,
/// the reader `keyleak doctor` uses, with the OCI SDK's semantics: values as
/// written (quotes, `$`, parentheses and all), continuation lines,
/// duplicates ignored past the first, `[DEFAULT]` inherited; `user`,
/// `tenancy` and `fingerprint` kept only when the SDK's own checks accept
/// them. Terraform and environment settings, and INI lines with no section
/// header, are read by the heuristics below, which tell values from code and
/// references (`var.x`, `${…}`, `$VAR`, `getpass()`).
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
    /// The Terraform provider's own environment variables, `OCI_` and the
    /// setting's name in any case (`OCI_tenancy_ocid`, `OCI_TENANCY_OCID`).
    package static let terraformEnvironmentKeys: [String: String] = [
        "oci_tenancy_ocid": "tenancy", "oci_user_ocid": "user", "oci_fingerprint": "fingerprint",
        "oci_private_key_path": "key_file", "oci_private_key_password": "pass_phrase", "oci_private_key": "key_content",
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

    private static func parse(_ text: UnsafeRawBufferPointer) -> [Found] {
        var groups: [Group] = []
        var loose: [OCISource: Int] = [:]  // source -> index of the open Terraform / env group
        var lastKeyGroup: (group: Int, key: String)?
        var found: [Found] = []
        // The INI document being read (configparser's rules), from a section header on.
        var reader: INIDocument.Reader?
        var lineStart = 0
        var number = 0
        let count = text.count
        while lineStart < count {
            // Python's universal newlines: `\n`, `\r\n` or a lone `\r` ends a line.
            var lineEnd = lineStart
            while lineEnd < count, text[lineEnd] != 10, text[lineEnd] != 13 { lineEnd += 1 }
            var next = lineEnd + 1
            if lineEnd < count, text[lineEnd] == 13, next < count, text[next] == 10 { next += 1 }
            defer { lineStart = next }
            number += 1
            let long = lineEnd - lineStart >= 4096
            if long && reader == nil { lastKeyGroup = nil; continue }
            let raw = String(decoding: UnsafeRawBufferPointer(rebasing: text[lineStart..<min(lineEnd, lineStart + 65536)]), as: UTF8.self)
            let line = Substring(raw)
            if var document = reader {
                if document.classify(line) != .rejected {
                    let outcome = document.feed(line, number: number, offset: lineStart)
                    reader = document
                    // A Terraform or OCI_CLI_* setting inside is also read as one (an INI option keeps it too).
                    if outcome == .option, let assignment = parseAssignment(raw.trimmingCharacters(in: .whitespaces), offset: lineStart),
                       !iniKeys.contains(assignment.key.lowercased()) {
                        assign(assignment, section: true, groups: &groups, loose: &loose, lastKeyGroup: &lastKeyGroup)
                    }
                    continue
                }
                // configparser would reject the line: the INI document (a README's code block) ended.
                found += identities(of: document.finish())
                reader = nil
            }
            if long { lastKeyGroup = nil; continue }
            let stripped = INIDocument.strip(line)
            if INIDocument.header(stripped) != nil, !stripped.contains("="), !stripped.contains("\"") {
                var document = INIDocument.Reader(strict: false)
                document.feed(line, number: number, offset: lineStart)
                reader = document
                lastKeyGroup = nil
                continue
            }
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            let indented = raw.first == " " || raw.first == "\t"
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") {
                if trimmed.isEmpty { lastKeyGroup = nil }
                continue
            }
            guard let assignment = parseAssignment(trimmed, offset: lineStart) else {
                // An indented line continues a section-less INI value.
                if indented, let last = lastKeyGroup, groups[last.group].source == .config {
                    groups[last.group].values[last.key, default: ""] += "\n" + trimmed
                }
                continue
            }
            assign(assignment, section: false, groups: &groups, loose: &loose, lastKeyGroup: &lastKeyGroup)
        }
        if var document = reader { found += identities(of: document.finish()) }

        for group in groups {
            let values = group.values
            var identity = OCIIdentity(source: group.source, profile: group.profile)
            identity.user = ocid(values["user"], kind: "user")
            identity.tenancy = ocid(values["tenancy"], kind: "tenancy")
            identity.fingerprint = fingerprint(values["fingerprint"])
            identity.region = region(values["region"])
            identity.keyFile = path(literal(values["key_file"]))
            identity.securityTokenFile = path(literal(values["security_token_file"]))
            let passPhrase = literal(values["pass_phrase"]).flatMap { $0.isEmpty ? nil : $0 }
            identity.hasPassPhrase = passPhrase != nil
            identity.passPhrase = passPhrase
            identity.inlineKey = (values["key_content"].map { $0.contains("PRIVATE KEY") || $0.count > 100 }) ?? false
            found.append(Found(identity: identity, offset: group.offset, preview: group.preview, raw: values, facts: facts(identity)))
        }
        return found.sorted { $0.offset < $1.offset }
    }

    /// The identity facts `identity` holds.
    private static func facts(_ identity: OCIIdentity) -> Int {
        [identity.user != nil, identity.tenancy != nil, identity.fingerprint != nil, identity.keyFile != nil,
         identity.hasPassPhrase, identity.inlineKey, identity.securityTokenFile != nil].filter { $0 }.count
    }

    /// The profiles of an INI document, with the values the OCI SDK reads:
    /// each section's settings over `[DEFAULT]`'s, kept as written (quotes
    /// and all); `user`, `tenancy` and `fingerprint` only when the SDK's own
    /// checks accept them.
    private static func identities(of document: INIDocument) -> [Found] {
        var sections = document.sections
        if let defaults = document.defaults { sections.insert(defaults, at: 0) }
        return sections.compactMap { section -> Found? in
            guard let values = document.profile(section.name) else { return nil }
            var identity = OCIIdentity(source: .config, profile: section.name)
            identity.user = values["user"].flatMap { OCISDKConfig.isOCID($0) && $0.utf8.count <= ocidLimit ? $0 : nil }
            identity.tenancy = values["tenancy"].flatMap { OCISDKConfig.isOCID($0) && $0.utf8.count <= ocidLimit ? $0 : nil }
            identity.fingerprint = values["fingerprint"].flatMap { OCISDKConfig.isFingerprint($0) ? $0 : nil }
            identity.region = values["region"].flatMap(regionName)
            identity.keyFile = path(values["key_file"])
            identity.securityTokenFile = path(values["security_token_file"])
            let passPhrase = values["pass_phrase"].flatMap { $0.isEmpty ? nil : $0 }
            identity.hasPassPhrase = passPhrase != nil
            identity.passPhrase = passPhrase
            identity.inlineKey = (values["key_content"].map { $0.contains("PRIVATE KEY") || $0.count > 100 }) ?? false
            return Found(identity: identity, offset: section.offset, preview: clipped(section.header, previewLimit), raw: values,
                         facts: facts(identity))
        }
    }

    /// Files a Terraform or environment setting (or a section-less INI one) into its group.
    private static func assign(_ assignment: Assignment, section: Bool, groups: inout [Group], loose: inout [OCISource: Int],
                               lastKeyGroup: inout (group: Int, key: String)?) {
        let key = assignment.key.lowercased()
        let bare = key.hasPrefix("tf_var_") ? String(key.dropFirst(7)) : key
        let mapped: (source: OCISource, key: String)?
        if let k = environmentKeys[key] { mapped = (.env, k) }
        else if let k = terraformKeys[bare] ?? terraformEnvironmentKeys[bare] { mapped = (.terraform, k) }
        else if !section && ["user", "tenancy", "key_file", "pass_phrase"].contains(key) {
            mapped = (.config, key)  // an INI snippet without a section header
        } else { mapped = nil }
        guard let mapped else {
            // NOTE: an indented line continues the value of the key just
            // before it, whatever that key is (configparser; a YAML block
            // scalar `key: |`). Without this reset, the PEM body under an
            // unrecognised `key: |` was appended to the `user:` above it.
            lastKeyGroup = nil
            return
        }
        var index = loose[mapped.source]
        if index == nil || groups[index!].values[mapped.key] != nil {
            // A repeated setting starts the next identity (a second provider block).
            groups.append(Group(source: mapped.source, profile: nil, offset: assignment.offset, preview: preview(for: assignment)))
            index = groups.count - 1
            loose[mapped.source] = index
        }
        groups[index!].values[mapped.key] = assignment.value
        groups[index!].order.append(mapped.key)
        lastKeyGroup = (index!, mapped.key)
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

    /// A region as written, when it is one token a report may print: 1 to 64
    /// letters, digits, `.`, `-` and `_` (`us-ashburn-1`, `IAD`, a realm domain).
    package static func regionName(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 64, value.utf8.allSatisfy({ b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
        }) else { return nil }
        return value
    }

    /// A file path setting (`key_file`, `security_token_file`) as written: one
    /// line, at most 1024 bytes, and not key text itself (a PEM armour pasted where the
    /// path belongs); nil for anything else.
    package static func path(_ value: String?) -> String? {
        guard let v = value, !v.isEmpty, v.utf8.count <= 1024,
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
