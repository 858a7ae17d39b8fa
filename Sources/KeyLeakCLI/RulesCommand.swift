import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rules or check them against their own examples.",
        subcommands: [List.self, Check.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules in force.")
        @OptionGroup var rules: RuleOptions

        func run() throws {
            let ruleSet = try exitingOnFailure { try rules.load() }
            let lines = ruleSet.rules.map {
                TerminalText.escape("\($0.id.padding(toLength: 24, withPad: " ", startingAt: 0)) \($0.severity.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.title)")
            }
            try exitingOnFailure { try Output.line(lines.joined(separator: "\n")) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile every rule and verify its examples and negative examples (exit 1 on a problem)."
        )
        @OptionGroup var rules: RuleOptions

        func run() throws {
            let ruleSet = try exitingOnFailure { try rules.load() }
            let problems = ruleSet.checkExamples()
            if !problems.isEmpty {
                try exitingOnFailure { try Output.line(problems.map(TerminalText.escape).joined(separator: "\n")) }
                throw ExitCode(1)
            }
            try exitingOnFailure { try Output.line("\(ruleSet.rules.count) rules OK; prefilter: \(ruleSet.prefilterEngine)") }
        }
    }
}
