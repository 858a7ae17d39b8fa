import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching

/// Renders `keyleak doctor`'s report: text, one line per check under each
/// profile; or JSON, one object per profile with what the OCI SDK will say
/// of it (`sdk`), its settings, its key, its session and every check.
/// Nothing secret is in either: no pass phrase, no token, no key.
public enum DoctorReporter {
    /// The text report; `color` adds ANSI colour to the status words.
    public static func text(_ report: OCIDoctor.Report, color: Bool) -> String {
        // NOTE: profile names and messages quote the config: escaped, so that
        // they cannot drive the terminal.
        var out = ""
        var current: String?
        for check in report.allChecks {
            if check.profile != current {
                out += (current == nil ? "" : "\n") + (check.profile.isEmpty ? TerminalText.escape(report.configPath) : "[\(TerminalText.escape(check.profile))]") + "\n"
                current = check.profile
            }
            let (word, code) = switch check.status {
            case .ok: ("ok  ", "32")
            case .warning: ("warn", "33")
            case .failure: ("FAIL", "31")
            }
            out += "  " + (color ? "\u{1b}[\(code)m\(word)\u{1b}[0m" : word) + "  " + TerminalText.escape(check.message) + "\n"
        }
        let failures = report.allChecks.filter { $0.status == .failure }.count
        let warnings = report.allChecks.filter { $0.status == .warning }.count
        out += "\n\(failures == 0 ? "all checks passed" : "\(failures) check\(failures == 1 ? "" : "s") failed")"
            + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")
        return out
    }

    /// The JSON report:
    /// `{version, config, parse_error, checks, profiles: [{profile, status, sdk, settings, key, session, checks}], summary}`.
    public static func json(_ report: OCIDoctor.Report) -> String {
        typealias V = JSONWriter.Value
        func checks(_ list: [OCIDoctor.Check]) -> V {
            .array(list.map { .object([("status", .string($0.status.rawValue)), ("check", .string($0.check)), ("message", .string($0.message))]) })
        }
        let profiles: [V] = report.profiles.map { p in
            let sdk = p.sdk
            return .object([
                ("profile", .string(p.profile)),
                ("status", .string(p.status.rawValue)),
                ("sdk", .object([
                    ("auth", .string(sdk.auth.rawValue)), ("ok", .bool(sdk.ok)), ("stage", .optional(sdk.stage)),
                    ("error", .optional(sdk.error)),
                    ("fields", .object(sdk.fields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ("key_error", .optional(sdk.keyError)), ("key_fingerprint", .optional(sdk.keyFingerprint)),
                    ("endpoint", .optional(sdk.endpoint)),
                ])),
                ("settings", .object([
                    ("user", .optional(p.settings.user)), ("tenancy", .optional(p.settings.tenancy)),
                    ("fingerprint", .optional(p.settings.fingerprint)), ("region", .optional(p.settings.region)),
                    ("key_file", .optional(p.settings.keyFile)), ("pass_phrase", .bool(p.settings.passPhrase)),
                    ("security_token_file", .optional(p.settings.securityTokenFile)),
                ])),
                ("key", p.key.map { k in
                    .object([("path", .string(k.path)), ("fingerprint", .string(k.identity.oci)), ("key_type", .string(k.identity.algorithm)),
                             ("key_bits", .int(k.identity.bits)), ("encrypted", .bool(k.encrypted))])
                } ?? .null),
                ("session", p.session.map { s in
                    .object([("path", .string(s.path)), ("subject", .optional(s.token.subject)), ("tenancy", .optional(s.token.tenancy)),
                             ("expires_at", .optional(s.token.expiresAt)), ("expired", .bool(s.expired)),
                             ("key_fingerprint", .optional(s.token.keyFingerprint))])
                } ?? .null),
                ("checks", checks(p.checks)),
            ])
        }
        let all = report.allChecks
        return JSONWriter.render(.object([
            ("version", .int(1)),
            ("config", .string(report.configPath)),
            ("parse_error", report.parseFailure.map { f in
                .object([("kind", .string(f.kind)), ("line", .optional(f.line)), ("reason", .string(f.reason))])
            } ?? .null),
            ("status", .string(report.status.rawValue)),
            ("checks", checks(report.checks)),
            ("profiles", .array(profiles)),
            ("summary", .object([("failures", .int(all.filter { $0.status == .failure }.count)),
                                 ("warnings", .int(all.filter { $0.status == .warning }.count))])),
        ]))
    }
}
