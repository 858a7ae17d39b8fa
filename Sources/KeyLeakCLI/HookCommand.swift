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
        abstract: "Install or remove keyleak's git hooks, and run the push checks they call.",
        subcommands: [Install.self, Uninstall.self, PrePushCommand.self, PreReceiveCommand.self]
    )

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the pre-commit hook, or with --pre-push the pre-push hook (honours core.hooksPath; an existing hook is kept and run first)."
        )
        @Option(help: ArgumentHelp("The repository (default: the current directory).", valueName: "DIR"))
        var repo = "."
        @Flag(help: "Overwrite an existing hook instead of keeping and chaining it.")
        var force = false
        @Flag(name: .customLong("pre-push"), help: "Install the pre-push hook (checks the commits a push sends) instead of the pre-commit hook.")
        var prePush = false

        func run() throws {
            let hook: HookInstaller.Hook = prePush ? .prePush : .preCommit
            let (outcome, path) = try exitingOnFailure {
                try HookInstaller(repository: repo, hook: hook).install(binary: currentExecutable(), force: force)
            }
            let shown = TerminalText.escape(path)
            let message = switch outcome {
            case .alreadyInstalled: "keyleak's \(hook.rawValue) hook is already installed: \(shown)"
            case .installedChaining: "installed \(shown); the previous hook was kept as \(hook.rawValue).keyleak-previous and runs first"
            case .replaced: "replaced the existing hook with keyleak's: \(shown)"
            case .addedToHusky: "added keyleak to husky's \(shown); husky runs it with the rest of your \(hook.rawValue) script"
            default: "installed \(shown)"
            }
            try exitingOnFailure { try Output.line(message) }
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the hook and restore the one that was there before.")
        @Option(help: ArgumentHelp("The repository (default: the current directory).", valueName: "DIR"))
        var repo = "."
        @Flag(name: .customLong("pre-push"), help: "Remove the pre-push hook instead of the pre-commit hook.")
        var prePush = false

        func run() throws {
            let hook: HookInstaller.Hook = prePush ? .prePush : .preCommit
            let (outcome, path) = try exitingOnFailure { try HookInstaller(repository: repo, hook: hook).uninstall() }
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
