import KeyLeak
import KeyLeakMatching
import KeyLeakReport
import Synchronization

/// The one way out for everything keyleak prints or writes: reports,
/// baselines, the lines of `doctor`, `fingerprint` and the other commands,
/// and error messages. Everything passes the output firewall first (see
/// `OutputFirewall`), then goes out with `OutputFile`, whose failures are
/// errors (exit 2), never traps.
enum Output {
    /// The firewall in force, made on first use: keyleak's embedded key rules
    /// (whatever `--rules` or the config add or disable; compiled only for an
    /// output that could hold a key), plus the secrets learnt from the scan.
    private static let firewall = Mutex<OutputFirewall?>(nil)

    /// The firewall, made on first use.
    private static func current() -> OutputFirewall {
        firewall.withLock { value -> OutputFirewall in
            if let value { return value }
            let made = OutputFirewall()
            value = made
            return made
        }
    }

    /// From now on, also redacts the secret values `report`'s findings know
    /// (clear pass phrases).
    static func learn(from report: ScanReport) {
        let updated = current().adding(report)
        firewall.withLock { $0 = updated }
    }

    /// Writes `text` (a report, a baseline) to `path`, or to standard output
    /// when nil, after the firewall. Says so on standard error when the
    /// firewall had to redact something.
    static func write(_ text: String, to path: String?) throws(WriteError) {
        let bytes = filtered(text)
        if let path { try OutputFile.write(bytes, to: path) } else { try OutputFile.writeStandardOutput(bytes) }
    }

    /// Prints `text` and a newline on standard output, after the firewall.
    /// Values from files or the command line in it must be escaped by the
    /// caller (`TerminalText.escape`); the rest may hold colour codes.
    static func line(_ text: String) throws(WriteError) {
        try OutputFile.writeStandardOutput(filtered(text + "\n"))
    }

    /// Prints `keyleak: message` on standard error, control characters
    /// escaped, after the firewall. Failures to write are ignored.
    static func error(_ message: String) {
        let (bytes, _) = current().filter(Array("keyleak: \(TerminalText.escape(message))\n".utf8))
        OutputFile.writeStandardError(bytes)
    }

    /// Prints an argument parser's message (usage and help, several lines) on
    /// standard error: each line escaped, the whole after the firewall.
    static func usage(_ message: String) {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { TerminalText.escape(String($0)) }
        let (bytes, _) = current().filter(Array((lines.joined(separator: "\n") + "\n").utf8))
        OutputFile.writeStandardError(bytes)
    }

    /// `text` after the firewall, with a warning on standard error when
    /// something was redacted.
    private static func filtered(_ text: String) -> [UInt8] {
        let (bytes, redacted) = current().filter(Array(text.utf8))
        if redacted {
            error("secret material was redacted from the output before it was written (\(OutputFirewall.redaction)); please report this as a keyleak bug")
        }
        return bytes
    }
}
