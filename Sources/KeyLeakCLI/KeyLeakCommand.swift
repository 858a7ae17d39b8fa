import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

/// `keyleak scan --staged` (the pre-commit hook) waits mostly on one `git diff
/// --cached`: start it before the command line is parsed. Only the plain
/// shapes are recognised (`--repo DIR`, `--repo=DIR`, default `.`); the scan
/// uses the listing only if the parsed options name the same repository.
private func startHookGitEarly(_ arguments: [String]) {
    guard arguments.first == "scan", arguments.contains("--staged"), !arguments.contains("--help"), !arguments.contains("-h") else { return }
    var repository = "."
    for (i, argument) in arguments.enumerated() {
        if argument == "--repo", i + 1 < arguments.count { repository = arguments[i + 1] }
        if argument.hasPrefix("--repo=") { repository = String(argument.dropFirst("--repo=".count)) }
    }
    ScanOptions.startStagedListing(repository: repository)
}

@main
struct KeyLeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyleak",
        abstract: "Find leaked private keys and OCI API credentials before they leave the machine.",
        version: KeyLeakVersion.current,
        subcommands: [ScanCommand.self, FingerprintCommand.self, DoctorCommand.self, HookCommand.self, InitCommand.self, MergeCommand.self, RulesCommand.self, VersionCommand.self],
        defaultSubcommand: ScanCommand.self
    )

    /// Parses and runs, mapping usage errors to exit status 2 (the contract:
    /// 0 clean, 1 findings, 2 the scan could not be done) instead of 64.
    static func main() {
        OutputFile.secureStandardDescriptors()
        var arguments = Array(CommandLine.arguments.dropFirst())
        startHookGitEarly(arguments)
        // `keyleak --version` says what `keyleak version` says, libraries included.
        if arguments.first == "--version" { arguments[0] = "version" }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 1 || code.rawValue == 2 {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { Output.usage(message) }
            Foundation.exit(2)
        }
    }
}
