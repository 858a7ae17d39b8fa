import ArgumentParser
import Foundation
import KeyLeak
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching
import KeyLeakReport

/// `keyleak hook pre-receive`: what `hooks/pre-receive` runs on a server.
struct PreReceiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-receive",
        abstract: "Check a push on the server: reads git's pre-receive input (OLD NEW REF lines) and refuses the push when it adds a key.",
        discussion: """
            Run from a bare repository's hooks/pre-receive (see hooks/pre-receive). Scans only what the push adds \
            (every new ref value against every ref the server already has), reading the pushed objects from git's \
            quarantine, with the server's config: --config FILE, else keyleak.yaml in the repository's git directory, \
            else the defaults. A .keyleak.yaml or keyleak:allow comment in the pushed files is not obeyed.
            Exit status: 0 the push may go on, 1 it adds findings at or above --fail-on, 2 it could not be checked.
            """
    )

    @Option(help: ArgumentHelp("The server's config (default: keyleak.yaml in the repository's git directory, if there is one).", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("known-keys"), help: ArgumentHelp("Registered keys, as for scan (repeatable).", valueName: "FILE"))
    var knownKeys: [String] = []

    @Option(name: .customLong("fail-on"), help: "Refuse the push for a finding at or above this severity (default: the config's fail-on, else medium).")
    var failOn: Severity?

    @Option(help: ArgumentHelp("The repository (default: the current directory, where git runs the hook).", valueName: "DIR"))
    var repo = "."

    func run() throws {
        var (request, pushed) = try PushCheck.request(side: .server, repository: repo, failOn: failOn)
        request.configFile = config ?? PreReceiveCommand.serverConfig(repository: repo)
        request.knownKeyFiles = knownKeys
        // The pushed files are the pusher's: their comments cannot silence the check.
        request.inlineAllow = false
        try PushCheck.run(request, pushed: pushed, advice: """
            Take the key out of these commits (git rebase -i; git filter-repo for older history), rotate it \
            if it was ever shared, and push again.
            """)
    }

    /// `keyleak.yaml` in the repository's git directory when there is one:
    /// where a server keeps its own settings, out of any pusher's reach.
    static func serverConfig(repository: String) -> String? {
        guard let gitDirectory = try? GitCommand(directory: repository).text(["rev-parse", "--absolute-git-dir"]) else { return nil }
        let path = (gitDirectory as NSString).appendingPathComponent("keyleak.yaml")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// `keyleak hook pre-push`: what `hooks/pre-push` runs on a client.
struct PrePushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-push",
        abstract: "Check a push before it leaves: reads git's pre-push input and stops the push when a commit it sends adds a key.",
        discussion: """
            Run from hooks/pre-push (keyleak hook install --pre-push installs it). Scans the commits the push \
            sends that the remote does not have yet (not reachable from its remote-tracking refs nor from the \
            remote refs' old values), with the repository's .keyleak.yaml.
            Exit status: 0 the push may go on, 1 it sends findings at or above --fail-on, 2 it could not be checked.
            """
    )

    @Argument(help: "The remote's name, as git passes it to the hook.")
    var remote: String

    @Argument(help: "The remote's URL, as git passes it (not used).")
    var url: String?

    @Option(name: .customLong("fail-on"), help: "Stop the push for a finding at or above this severity (default: the config's fail-on, else medium).")
    var failOn: Severity?

    @Option(help: ArgumentHelp("The repository (default: the current directory).", valueName: "DIR"))
    var repo = "."

    func run() throws {
        let (request, pushed) = try PushCheck.request(side: .client(remote: remote), repository: repo, failOn: failOn)
        try PushCheck.run(request, pushed: pushed, advice: """
            Take the key out of these commits before you push (git rebase -i, then git rm --cached PATH in the \
            commit that added it), and rotate it if it was ever shared. A false positive? Put a keyleak:allow \
            comment on its line, or push once without the check: git push --no-verify
            """)
    }
}

/// The scan a push hook runs and what it prints.
enum PushCheck {
    /// The scan of the push git describes on the hook's standard input
    /// (pre-receive's `OLD NEW REF` lines on the server, pre-push's
    /// `LOCAL-REF LOCAL REMOTE-REF REMOTE` lines on a client: `side`), in
    /// `repository`; a malformed input exits 2.
    static func request(side: PushedRange.Side, repository: String, failOn: Severity?) throws -> (ScanRequest, PushedRange) {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let pushed = try exitingOnFailure { try PushedRange(hookInput: input, side: side) }
        var request = ScanRequest()
        request.target = .push(pushed)
        request.repository = repository
        request.failOn = failOn
        return (request, pushed)
    }

    /// Scans `request` (a push), prints the report, and when it fails, one
    /// line per finding naming ref, commit, path and fingerprint, then
    /// `advice`; exits 1 then, 2 when the push could not be scanned.
    static func run(_ request: ScanRequest, pushed: PushedRange, advice: String) throws {
        guard !pushed.updates.isEmpty else { return }  // only deletions: nothing is sent
        let (plan, result) = try exitingOnFailure { () -> (ScanPlan, ScanReport) in
            let plan = try ScanPlan(resolving: request)
            return (plan, try plan.run())
        }
        Output.learn(from: result)
        ScanCommand.warnIncomplete(result)
        let failing = result.findings.filter { $0.severity >= plan.failOn }
        if !result.findings.isEmpty {
            // NOTE: git relays a hook's standard error to the pusher (`remote:` lines on a server).
            Output.usage(TextReporter(color: false).render(result))
        }
        guard !failing.isEmpty || plan.failsAsIncomplete(result) else { return }
        if !result.summary.skipped.isEmpty, failing.isEmpty {
            printError("push refused: \(result.summary.skipped.count) pushed file(s) could not be scanned")
            throw ExitCode(1)
        }
        let refs = pushed.refs(carrying: failing, repository: request.repository)
        printError("push refused: it adds \(failing.count) finding\(failing.count == 1 ? "" : "s") at or above \(plan.failOn.rawValue):")
        for (finding, carriers) in zip(failing, refs) {
            let commit = finding.commit.map { " commit " + $0 } ?? ""
            let fingerprint = finding.fingerprint.map { " fingerprint " + $0 } ?? ""
            printError("  \(carriers.joined(separator: ", ")):\(commit) \(finding.path):\(finding.line) [\(finding.rule)]\(fingerprint)")
        }
        Output.usage("keyleak: " + advice)
        throw ExitCode(1)
    }
}
