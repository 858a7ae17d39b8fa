import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

/// The pre-commit hook's command, `keyleak scan --staged` with at most
/// `--quiet`, `--fail-on LEVEL` and `--repo DIR` (each once, any order, also
/// as `--name=value`), as a scan request; nil for any other command line,
/// which ArgumentParser reads. The hook runs on every commit: it skips
/// building ArgumentParser's command tree, which cost about as much as the
/// scan of five files (`git diff --cached` is started before, by `main`).
private func hookCommand(_ arguments: [String]) -> (ScanRequest, ScanCommand.ScanOutput)? {
    guard arguments.first == "scan" else { return nil }
    var request = ScanRequest()
    request.target = .staged
    var output = ScanCommand.ScanOutput()
    var seen = Set<String>()
    var rest = arguments.dropFirst()[...]
    while let argument = rest.popFirst() {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        let name = parts[0]
        guard seen.insert(name).inserted else { return nil }
        switch name {
        case "--staged", "--quiet":
            guard parts.count == 1 else { return nil }
            if name == "--quiet" { output.quiet = true }
        case "--fail-on", "--repo":
            guard let value = parts.count == 2 ? parts[1] : rest.popFirst(), !value.isEmpty, !value.hasPrefix("-") else { return nil }
            if name == "--repo" {
                request.repository = value
            } else {
                guard let level = Severity(rawValue: value) else { return nil }
                request.failOn = level
            }
        default: return nil
        }
    }
    return seen.contains("--staged") ? (request, output) : nil
}

/// The repository of a `keyleak scan --staged` command line (`--repo DIR`,
/// `--repo=DIR`, else the current folder), read with nothing but array and
/// string compares: it runs before git is started. Nil for other commands.
/// A wrong guess costs nothing: the scan starts its own git for another repository.
private func stagedRepository(_ arguments: [String]) -> String? {
    guard arguments.first == "scan", arguments.contains("--staged") else { return nil }
    var repository = "."
    var index = 1
    while index < arguments.count {
        let argument = arguments[index]
        if argument == "--" { break }
        if argument == "--repo", index + 1 < arguments.count {
            repository = arguments[index + 1]
            index += 1
        } else if argument.hasPrefix("--repo=") {
            repository = String(argument.dropFirst("--repo=".count))
        }
        index += 1
    }
    return repository.isEmpty ? nil : repository
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
        if let repository = stagedRepository(arguments) {
            // Before anything else: a pre-commit hook waits on this git process,
            // so every step taken before it starts is added to the hook's time.
            ScanOptions.startStagedListing(repository: repository)
        }
        if let (request, output) = hookCommand(arguments) {
            do {
                try ScanCommand.execute(request, output: output)
                Foundation.exit(0)
            } catch let code as ExitCode {
                Foundation.exit(code.rawValue)
            } catch {
                Output.error("\(error)")
                Foundation.exit(2)
            }
        }
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
