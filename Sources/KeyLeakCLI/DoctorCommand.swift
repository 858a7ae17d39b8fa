import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
#if canImport(Glibc)
import Glibc
#endif

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check an OCI config file offline: settings, key file, fingerprint, permissions.",
        discussion: "Default config: ~/.oci/config, else $OCI_CONFIG_FILE. Exit status: 0 every check passed (warnings allowed), 1 a check failed, 2 the config could not be read."
    )

    @Argument(help: "The OCI config file to check.")
    var config: String?

    @Option(help: "Check only this profile.")
    var profile: String?

    @OptionGroup var rules: RuleOptions

    func run() throws {
        let checks = try exitingOnFailure { () -> [OCIDoctor.Check] in
            guard let path = config ?? OCIDoctor.defaultConfigPath() else {
                throw Fatal("no OCI config: ~/.oci/config does not exist and OCI_CONFIG_FILE is not set")
            }
            return try OCIDoctor.check(configPath: path, profile: profile, ruleSet: try rules.load())
        }
        let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        // NOTE: profile names and messages quote the config: escaped, so that
        // they cannot drive the terminal; the whole goes out in one write.
        var out = ""
        var current: String?
        for check in checks {
            if check.profile != current {
                out += (current == nil ? "" : "\n") + "[\(TerminalText.escape(check.profile))]\n"
                current = check.profile
            }
            let (word, code) = switch check.status {
            case .ok: ("ok  ", "32")
            case .warning: ("warn", "33")
            case .failure: ("FAIL", "31")
            }
            out += "  " + (color ? "\u{1b}[\(code)m\(word)\u{1b}[0m" : word) + "  " + TerminalText.escape(check.message) + "\n"
        }
        let failures = checks.filter { $0.status == .failure }.count
        let warnings = checks.filter { $0.status == .warning }.count
        out += "\n\(failures == 0 ? "all checks passed" : "\(failures) check\(failures == 1 ? "" : "s") failed")"
            + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")
        try exitingOnFailure { try Output.line(out) }
        if failures > 0 { throw ExitCode(1) }
    }
}
