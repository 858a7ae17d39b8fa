import ArgumentParser
import KeyLeak

@main
struct KeyLeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyleak",
        abstract: "Find leaked private keys and OCI API credentials before they leave the machine.",
        version: KeyLeakVersion.current,
        subcommands: [ScanCommand.self, FingerprintCommand.self, RulesCommand.self],
        defaultSubcommand: ScanCommand.self
    )
}
