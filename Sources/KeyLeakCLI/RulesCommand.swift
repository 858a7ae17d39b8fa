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
            for rule in ruleSet.rules {
                print("\(rule.id.padding(toLength: 24, withPad: " ", startingAt: 0)) \(rule.severity.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(rule.title)")
            }
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
            for problem in problems { print(problem) }
            if !problems.isEmpty { throw ExitCode(1) }
            print("\(ruleSet.rules.count) rules OK; prefilter: \(ruleSet.prefilterEngine)")
        }
    }
}
