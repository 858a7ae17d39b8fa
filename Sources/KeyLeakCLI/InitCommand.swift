import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented starter .keyleak.yaml."
    )

    @Option(help: ArgumentHelp("Where to write it.", valueName: "FILE"))
    var path = ".keyleak.yaml"

    @Flag(help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        try exitingOnFailure {
            if FileManager.default.fileExists(atPath: path) && !force {
                throw Fatal("\(path) exists already (use --force to overwrite it)")
            }
            try Output.write(ConfigFile.starter, to: path)
            try Output.line("wrote \(TerminalText.escape(path))")
        }
    }
}
