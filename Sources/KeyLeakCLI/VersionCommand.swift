import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

/// `keyleak version` (also `keyleak --version`): what a bug report needs.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print keyleak's version and commit, its libraries' versions and the prefilter engine in use."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "text, or json (one object).")
    var format: Format = .text

    func run() throws {
        let info = BuildInfo.current()
        try exitingOnFailure { try Output.line(format == .json ? info.json : info.text) }
    }
}
