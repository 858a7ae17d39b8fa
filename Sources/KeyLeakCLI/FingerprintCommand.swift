import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print the OCI fingerprint (MD5 of the DER public key) of private or public keys.",
        discussion: "Reads PEM (private keys in any format keyleak knows, PUBLIC KEY, RSA PUBLIC KEY), DER and OpenSSH public key lines. Exit status 2 when a file cannot be read or holds no key."
    )

    @Argument(help: "Key files.")
    var files: [String]

    @OptionGroup var rules: RuleOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one key file") }
    }

    func run() throws {
        let ruleSet = try exitingOnFailure { try rules.load() }
        var failed = false
        for file in files {
            let shown = TerminalText.escape(file)
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(shown): cannot read file")
                failed = true
                continue
            }
            let entries = KeyFile.identities(of: [UInt8](data), ruleSet: ruleSet)
            if entries.isEmpty {
                printError("\(shown): no private or public key found")
                failed = true
                continue
            }
            for entry in entries {
                guard let identity = entry.identity else {
                    let what = entry.facts?.summary ?? "key"
                    printError("\(shown): \(what): public key not readable, no fingerprint")
                    failed = true
                    continue
                }
                let prefix = files.count > 1 ? "\(shown): " : ""
                try exitingOnFailure {
                    try Output.line("\(prefix)\(identity.oci)  \(identity.summary) \(entry.kind)" + (identity.sha256.map { "  \($0)" } ?? ""))
                }
            }
        }
        if failed { throw ExitCode(2) }
    }
}
