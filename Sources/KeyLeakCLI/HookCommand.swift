import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Install or remove keyleak's git pre-commit hook.",
        subcommands: [Install.self, Uninstall.self]
    )

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the pre-commit hook (honours core.hooksPath; an existing hook is kept and run first)."
        )
        @Option(help: ArgumentHelp("The repository (default: the current directory).", valueName: "DIR"))
        var repo = "."
        @Flag(help: "Overwrite an existing pre-commit hook instead of keeping and chaining it.")
        var force = false

        func run() throws {
            let (outcome, path) = try exitingOnFailure {
                try HookInstaller(repository: repo).install(binary: currentExecutable(), force: force)
            }
            let shown = TerminalText.escape(path)
            let message = switch outcome {
            case .alreadyInstalled: "keyleak's pre-commit hook is already installed: \(shown)"
            case .installedChaining: "installed \(shown); the previous hook was kept as \(HookInstaller.previousName) and runs first"
            case .replaced: "replaced the existing hook with keyleak's: \(shown)"
            case .addedToHusky: "added keyleak to husky's \(shown); husky runs it with the rest of your pre-commit script"
            default: "installed \(shown)"
            }
            try exitingOnFailure { try Output.line(message) }
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the hook and restore the one that was there before.")
        @Option(help: ArgumentHelp("The repository (default: the current directory).", valueName: "DIR"))
        var repo = "."

        func run() throws {
            let (outcome, path) = try exitingOnFailure { try HookInstaller(repository: repo).uninstall() }
            let shown = TerminalText.escape(path)
            try exitingOnFailure {
                let message = switch outcome {
                case .restoredPrevious: "removed keyleak's hook and restored the previous one: \(shown)"
                case .removedFromHusky: "removed keyleak's lines from \(shown)"
                default: "removed \(shown)"
                }
                try Output.line(message)
            }
        }
    }
}

/// Absolute path of the running keyleak binary (for the hook to call).
func currentExecutable() -> String {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
}
