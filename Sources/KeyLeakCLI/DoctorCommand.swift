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
        abstract: "Check an OCI config file offline the way the OCI SDK reads it: settings, key file, fingerprint, permissions, sessions.",
        discussion: "Default config: the SDK's (~/.oci/config, else $OCI_CONFIG_FILE, else ~/.oraclebmc/config). Exit status: 0 every check passed (warnings allowed), 1 a check failed, 2 the config could not be read."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "The OCI config file to check.")
    var config: String?

    @Option(help: "Check only this profile.")
    var profile: String?

    @Option(help: "Report format: text, json.")
    var format: Format = .text

    func run() throws {
        let report = try exitingOnFailure { () -> OCIDoctor.Report in
            let path = OCIDoctor.configPath(config)
            guard config != nil || FileManager.default.fileExists(atPath: path) else {
                throw Fatal("no OCI config: ~/.oci/config does not exist, OCI_CONFIG_FILE is not set and there is no ~/.oraclebmc/config")
            }
            return try OCIDoctor.check(configPath: path, profile: profile)
        }
        let out: String
        switch format {
        case .json: out = DoctorReporter.json(report)
        case .text:
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            out = DoctorReporter.text(report, color: color)
        }
        try exitingOnFailure { try Output.line(out) }
        if report.status == .failure { throw ExitCode(1) }
    }
}
