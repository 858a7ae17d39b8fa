import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import Synchronization

/// The last check before anything leaves keyleak. Every report, baseline and
/// message is run through it just before it is written, whatever code path
/// rendered it, and the secret material found in it is replaced by
/// `redaction`. A reporter that never prints a secret passes through
/// unchanged; the firewall is there for the bug that would.
///
/// Three passes over the rendered bytes:
/// 1. Pass phrases the scan read in clear (the finding model keeps them to open
///    keys): every occurrence, as written and as JSON or terminal escaping
///    shows it. Phrases shorter than `minimumSecretLength` are not searched.
/// 2. Private keys, found by keyleak's own key rules and analysis run over the
///    rendered bytes (`keyRules`): a key inside a JSON string with `\n`
///    escapes, a message, a YAML block is found as it would be in a file.
///    Inside each key found, every base64 run of `minimumBodyRun` or more
///    characters that mixes cases (`looksLikeBody`) is redacted: the body
///    lines, whatever their width. The armour and headers stay.
/// 3. A backstop for key material that is not a whole key (part of a body, a
///    body without armour): every run of `minimumRun` or more base64
///    characters anywhere that looks random (`looksRandom`).
/// Passes 2 and 3 never redact the digest of a `SHA256:` fingerprint.
/// Redacted runs separated only by white space and `\n`, `\r`, `\t` escapes
/// become one `redaction`.
///
/// What stays: fingerprints (colon hex and `SHA256:`), OCIDs, hex digests and
/// commit ids, paths, and previews (armour plus a few characters). Pass 3
/// leaves alone the paths of the report it learnt (`adding`), in each form a
/// reporter writes them (as they are, JSON- and terminal-escaped, as a SARIF
/// URI): a long mixed-case file name is no secret, and a report must name
/// the file that exists.
///
/// Passes 2 and 3 replace only base64 characters (never a quote, a backslash
/// or a bracket, never the letter of a `\n` escape), and `redaction` needs no
/// escaping: the JSON of a report stays valid whatever was redacted.
public struct OutputFirewall: Sendable {
    /// What replaces a secret.
    public static let redaction = "[REDACTED]"
    /// Shortest run of base64 characters pass 3 considers, in characters.
    /// NOTE: 40 is under one PEM line (64) and OpenSSH/PuTTY line (70); a
    /// shorter run of a key body is not enough to rebuild anything, and 40
    /// random-looking characters are rare in anything else a report shows.
    public static let minimumRun = 40
    /// Shortest run of base64 characters pass 2 redacts inside a key, in
    /// characters: the lines of a body wrapped narrow; armour words, header
    /// names and JSON field names are shorter.
    public static let minimumBodyRun = 16
    /// Shortest pass phrase searched for, in characters: shorter ones would
    /// redact common words all over the report.
    public static let minimumSecretLength = 4

    /// keyleak's rules for pass 2, compiled on first need; nil inside skips
    /// the pass (the rules could not be loaded).
    private let rules: KeyRules
    /// Secret values to redact wherever they appear (pass phrases).
    private let secrets: [String]
    /// Texts pass 3 leaves alone: the paths a learnt report names, in every
    /// form a reporter writes them.
    private let paths: [String]

    /// The key rules of pass 2: given, or read and compiled the first time a
    /// text could hold a key (`mayHoldKey`).
    /// NOTE: most outputs (a clean hook's one line) cannot hold a key; not
    /// compiling rules for them keeps the firewall off a hook's start-up.
    final class KeyRules: Sendable {
        /// The rules once made (nil inside when they could not be loaded).
        private let made: Mutex<RuleSet??>

        /// `ruleSet` as given, or (`lazy`) made on first use.
        init(_ ruleSet: RuleSet?, lazy: Bool) {
            made = Mutex(lazy ? .none : .some(ruleSet))
        }

        /// The rules, made now if they were not yet.
        var ruleSet: RuleSet? {
            made.withLock { value in
                if case let .some(ruleSet) = value { return ruleSet }
                let ruleSet = try? OutputFirewall.keyRules()
                value = .some(ruleSet)
                return ruleSet
            }
        }
    }

    /// A firewall using `ruleSet` (`keyRules()`) to find keys, and redacting
    /// `secrets` wherever they appear.
    public init(ruleSet: RuleSet?, secrets: [String] = []) {
        self.init(rules: KeyRules(ruleSet, lazy: false), secrets: secrets, paths: [])
    }

    /// A firewall that reads keyleak's key rules (`keyRules()`) the first
    /// time an output could hold a key, and redacts `secrets` wherever they appear.
    public init(secrets: [String] = []) {
        self.init(rules: KeyRules(nil, lazy: true), secrets: secrets, paths: [])
    }

    private init(rules: KeyRules, secrets: [String], paths: [String]) {
        self.rules = rules
        self.secrets = secrets.filter { $0.count >= OutputFirewall.minimumSecretLength }
        self.paths = paths
    }

    /// False when `bytes` cannot hold what the key rules find: no armour
    /// (`-----BEGIN`, `---- BEGIN`, or in UTF-16), no PuTTY header, no
    /// base64-encoded PEM (`LS0tLS1CRUdJTi`), no base64 run of 40 characters
    /// (a bare DER key's shortest match, and hex DER's), no spaced hex bytes
    /// and no hex dump line. `OutputFirewallTests`
    /// holds it to every key rule's examples.
    static func mayHoldKey(_ bytes: [UInt8]) -> Bool {
        mayHoldKey(bytes, runs: base64Runs(in: bytes, within: 0..<bytes.count))
    }

    /// `mayHoldKey` for `bytes` whose base64 runs are `runs`.
    static func mayHoldKey(_ bytes: [UInt8], runs: [Range<Int>]) -> Bool {
        for literal in ["-----BEGIN", "---- BEGIN", "-\u{0}B\u{0}E\u{0}G\u{0}I\u{0}N", "PuTTY-User-Key-File-", "LS0tLS1CRUdJTi"]
        where ByteSearch.find(Array(literal.utf8), in: bytes) != nil {
            return true
        }
        return runs.contains { $0.count >= minimumRun } || hasHexBytes(bytes) || HexDump.holdsDumpLine(bytes)
    }

    /// Whether `bytes` hold a run of at least 24 bytes written as hex that
    /// stand apart (`30 82 04 a4`, `30:82:04:a4`, `0x30, 0x82`, `\x30\x82`,
    /// a dump's groups `3082 04a4`):
    /// what the hex DER rule finds beside long runs of plain digits (which
    /// are base64 runs already).
    static func hasHexBytes(_ bytes: [UInt8]) -> Bool {
        var count = 0
        var i = 0
        while i < bytes.count {
            var j = i
            // An optional `0x` or `\x` prefix, then two hex digits, then a separator or the end.
            if j + 1 < bytes.count, bytes[j + 1] | 0x20 == UInt8(ascii: "x"), bytes[j] == UInt8(ascii: "0") || bytes[j] == UInt8(ascii: "\\") {
                j += 2
            }
            // Two hex digits, or a group of 4 or 8 (a dump's 16- and 32-bit groups: `2d2d 2d2d`).
            var digits = 0
            while j + digits < bytes.count, digits <= 8, isHexDigit(bytes[j + digits]) { digits += 1 }
            if digits == 2 || (j == i && (digits == 4 || digits == 8)) {
                count += digits / 2
                if count >= 24 { return true }
                i = j + digits
                while i < bytes.count, [UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "\n"),
                                        UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: "\r")].contains(bytes[i]) { i += 1 }
                continue
            }
            count = 0
            i += 1
        }
        return false
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c | 0x20)
    }

    /// Analyzers of the rules pass 2 runs: those that find private keys in text.
    static let keyAnalyzers: Set<AnalyzerKind> = [.pem, .putty, .base64PEM, .der, .hexDER, .hexDump]

    /// keyleak's embedded rules that find private keys in text, for pass 2;
    /// the others (OCI settings, the marker line, whole binary files) are
    /// disabled.
    /// NOTE: reading a whole report as OCI settings costs more than every other
    /// rule together, and finds nothing secret a key rule would not.
    public static func keyRules() throws -> RuleSet {
        try RuleSet(analyzers: keyAnalyzers)
    }

    /// This firewall, also redacting the secret values `report`'s findings
    /// know: the clear pass phrases of OCI configs, Terraform files and
    /// `OCI_CLI_*` variables.
    public func adding(_ report: ScanReport) -> OutputFirewall {
        let known = report.findings.compactMap { $0.oci?.passPhrase }
        var named = Set(report.summary.skipped.map(\.path))
        for finding in report.findings {
            named.insert(finding.path)
            named.formUnion(finding.paths.map(\.path))
            named.formUnion(finding.related.map(\.path))
        }
        // Only a path holding a run pass 3 could take matters; each in the
        // forms the reporters write.
        var forms = Set<String>()
        for path in named where path.utf8.count >= OutputFirewall.minimumRun {
            forms.formUnion([path, String(JSONWriter.quote(path).dropFirst().dropLast()), TerminalText.escape(path), SARIFReporter.uri(path)])
        }
        return OutputFirewall(rules: rules, secrets: secrets + known, paths: paths + forms.sorted())
    }

    /// `text` with every secret found replaced by `redaction`, and whether
    /// anything was.
    public func filter(_ text: String) -> (text: String, redacted: Bool) {
        let (bytes, redacted) = filter(Array(text.utf8))
        return redacted ? (String(decoding: bytes, as: UTF8.self), true) : (text, false)
    }

    /// `bytes` with every secret found replaced by `redaction`, and whether
    /// anything was.
    public func filter(_ bytes: [UInt8]) -> (bytes: [UInt8], redacted: Bool) {
        var out = bytes
        var redacted = false
        // NOTE: a pass phrase is replaced wherever it appears, even where that
        // cuts through JSON syntax (a phrase like `": "`): never printing it
        // matters more than the report's form.
        for secret in Set(secrets) {
            for form in Set([secret, String(JSONWriter.quote(secret).dropFirst().dropLast()), TerminalText.escape(secret)]) {
                redacted = OutputFirewall.replaceAll(Array(form.utf8), in: &out) || redacted
            }
        }
        // Every base64 run of the text, found once for passes 2 and 3.
        let all = OutputFirewall.base64Runs(in: out, within: 0..<out.count)
        var runs = OutputFirewall.randomRuns(all, in: out)
        if !runs.isEmpty, !paths.isEmpty {
            let named = OutputFirewall.occurrences(of: paths, in: out)
            runs.removeAll { run in named.contains { $0.contains(run.lowerBound) && $0.upperBound >= run.upperBound } }
        }
        // NOTE: pass 2 only ever redacts body-like runs inside keys: with no
        // body-like run anywhere (a report's previews stop after four
        // characters) it would find nothing, and the analysis is skipped.
        let bodyLike = OutputFirewall.bodyLikeRuns(all, in: out)
        if !bodyLike.isEmpty, OutputFirewall.mayHoldKey(out, runs: all), let ruleSet = rules.ruleSet {
            runs += OutputFirewall.keyBodyRuns(around: bodyLike, in: out, ruleSet: ruleSet)
        }
        if !runs.isEmpty {
            out = OutputFirewall.replace(OutputFirewall.collapse(runs, in: out), in: out)
            redacted = true
        }
        return (out, redacted)
    }

    private static let redactionBytes = Array(redaction.utf8)

    /// Where each of `texts` occurs in `bytes`.
    static func occurrences(of texts: [String], in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        for text in texts {
            let needle = Array(text.utf8)
            var position = 0
            while position < bytes.count,
                  let offset = bytes[position...].withUnsafeBytes({ ByteSearch.find(needle, in: $0) }) {
                found.append(position + offset..<position + offset + needle.count)
                position += offset + 1
            }
        }
        return found
    }

    /// Replaces every occurrence of `needle` in `bytes`; says whether there was one.
    static func replaceAll(_ needle: [UInt8], in bytes: inout [UInt8]) -> Bool {
        guard !needle.isEmpty, ByteSearch.find(needle, in: bytes) != nil else { return false }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        while position < bytes.count {
            let found = bytes[position...].withUnsafeBytes { ByteSearch.find(needle, in: $0) }
            guard let found else { break }
            out += bytes[position..<position + found]
            out += redactionBytes
            position += found + needle.count
        }
        out += bytes[position...]
        bytes = out
        return true
    }

    /// The runs among `runs` (base64 runs of `bytes`) that pass 2 redacts
    /// inside a key: `minimumBodyRun` or more characters that look like a
    /// key's body and are no `SHA256:` fingerprint.
    static func bodyLikeRuns(_ runs: [Range<Int>], in bytes: [UInt8]) -> [Range<Int>] {
        runs.filter { $0.count >= minimumBodyRun && !isSHA256Digest(at: $0.lowerBound, in: bytes) && looksLikeBody(bytes[$0]) }
    }

    /// Pass 2: the body runs of every key keyleak's scanner finds in `bytes`
    /// (parsed, encrypted or truncated).
    static func keyBodyRuns(around candidates: [Range<Int>], in bytes: [UInt8], ruleSet: RuleSet) -> [Range<Int>] {
        // NOTE: only the surroundings of body-like runs (`candidates`) are
        // analysed (a key's armour stands within `windowBefore` bytes of its
        // first body line), so a report's many short previews cost no analysis
        // far past them.
        var windows: [Range<Int>] = []
        for run in candidates {
            let window = max(0, run.lowerBound - windowBefore)..<min(bytes.count, run.upperBound + windowAfter)
            if let last = windows.last, window.lowerBound <= last.upperBound {
                windows[windows.count - 1] = last.lowerBound..<max(last.upperBound, window.upperBound)
            } else {
                windows.append(window)
            }
        }
        // NOTE: inline `keyleak:allow` comments are not honoured here: text in a
        // report cannot vouch for itself.
        let scanner = BlobScanner(ruleSet: ruleSet, allowInline: false)
        var runs: [Range<Int>] = []
        for window in windows {
            for finding in scanner.scan(path: "", bytes: Array(bytes[window])) where finding.key != nil {
                let start = window.lowerBound + min(max(finding.startOffset, 0), window.count)
                let end = window.lowerBound + min(max(finding.endOffset, finding.startOffset, 0), window.count)
                runs += bodyLikeRuns(base64Runs(in: bytes, within: start..<end), in: bytes)
            }
        }
        return runs
    }

    /// Bytes before a body-like run that pass 2 analyses with it (room for the
    /// armour and headers of a PEM block, a PuTTY file's header and public lines).
    static let windowBefore = 320
    /// Bytes after a body-like run that pass 2 analyses with it (the END armour, the marker).
    static let windowAfter = 320

    /// Pass 3: among `runs` (base64 runs of `bytes`), every run of
    /// `minimumRun` or more characters that looks random, except a `SHA256:`
    /// fingerprint's digest.
    static func randomRuns(_ runs: [Range<Int>], in bytes: [UInt8]) -> [Range<Int>] {
        runs.filter { $0.count >= minimumRun && !isSHA256Digest(at: $0.lowerBound, in: bytes) && looksRandom(bytes[$0]) }
    }

    /// The maximal runs of base64 alphabet characters (`=` padding included)
    /// in `range`; a JSON-escaped slash (`\/`) counts as one. A run right
    /// after a backslash starts after the escape's letter and digits (`\n`,
    /// `\x1b`, `\u202e`), which are not its own.
    static func base64Runs(in bytes: [UInt8], within range: Range<Int>) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var i = range.lowerBound
        while i < range.upperBound {
            guard Base64.isAlphabet(bytes[i]) else { i += 1; continue }
            var start = i
            while i < range.upperBound {
                if Base64.isAlphabet(bytes[i]) {
                    i += 1
                } else if isEscapedSlash(at: i, in: bytes), i + 1 < range.upperBound {
                    i += 2
                } else {
                    break
                }
            }
            var end = i
            while end < range.upperBound, end - i < 2, bytes[end] == UInt8(ascii: "=") { end += 1 }
            if oddBackslashes(before: start, in: bytes) { start = min(i, start + 1 + escapeDigits(at: start, in: bytes)) }
            if start < i { runs.append(start..<end) }
            i = end
        }
        return runs
    }

    /// Whether `offset` starts a `\/` escape: one backslash, not itself escaped.
    static func isEscapedSlash(at offset: Int, in bytes: [UInt8]) -> Bool {
        offset + 1 < bytes.count && bytes[offset] == UInt8(ascii: "\\") && bytes[offset + 1] == UInt8(ascii: "/")
            && !oddBackslashes(before: offset, in: bytes)
    }

    /// Whether an odd number of backslashes ends just before `offset`.
    static func oddBackslashes(before offset: Int, in bytes: [UInt8]) -> Bool {
        var count = 0
        var i = offset - 1
        while i >= 0, bytes[i] == UInt8(ascii: "\\") { count += 1; i -= 1 }
        return count % 2 == 1
    }

    /// Digits that belong to the escape whose letter is at `offset`: 4 after
    /// `u`, 2 after `x` (when they are hex), else none.
    static func escapeDigits(at offset: Int, in bytes: [UInt8]) -> Int {
        let wanted: Int
        switch bytes[offset] {
        case UInt8(ascii: "u"): wanted = 4
        case UInt8(ascii: "x"): wanted = 2
        default: return 0
        }
        guard offset + wanted < bytes.count,
              bytes[offset + 1...offset + wanted].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }) else { return 0 }
        return wanted
    }

    /// Whether the run at `offset` follows `SHA256:` (an OpenSSH-style
    /// fingerprint: public, and printed on purpose).
    static func isSHA256Digest(at offset: Int, in bytes: [UInt8]) -> Bool {
        let prefix = Array("sha256:".utf8)
        guard offset >= prefix.count else { return false }
        return zip(bytes[(offset - prefix.count)..<offset], prefix).allSatisfy { ($0 | 0x20) == $1 }
    }

    /// `runs` sorted, with overlapping runs merged and neighbours joined when
    /// only white space and `\n`, `\r`, `\t` escapes (of any depth) lie
    /// between them: the lines of one body become one redaction.
    static func collapse(_ runs: [Range<Int>], in bytes: [UInt8]) -> [Range<Int>] {
        var merged: [Range<Int>] = []
        for run in runs.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, run.lowerBound <= last.upperBound || onlySeparators(bytes[last.upperBound..<run.lowerBound]) {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, run.upperBound)
            } else {
                merged.append(run)
            }
        }
        return merged
    }

    /// Whether `gap` is only white space and backslash escapes of `n`, `r`, `t`.
    static func onlySeparators(_ gap: ArraySlice<UInt8>) -> Bool {
        var i = gap.startIndex
        while i < gap.endIndex {
            switch gap[i] {
            case 0x20, 0x09, 0x0a, 0x0d: i += 1
            case UInt8(ascii: "\\"):
                var j = i
                while j < gap.endIndex, gap[j] == UInt8(ascii: "\\") { j += 1 }
                guard j < gap.endIndex, [UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t")].contains(gap[j]) else { return false }
                i = j + 1
            default: return false
            }
        }
        return true
    }

    /// `bytes` with each of `spans` (sorted, disjoint) replaced by `redaction`.
    static func replace(_ spans: [Range<Int>], in bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for span in spans {
            out += bytes[position..<span.lowerBound]
            out += redactionBytes
            position = span.upperBound
        }
        out += bytes[position...]
        return out
    }

    /// Counts of what a base64 run is made of.
    private struct Shape {
        var uppers = 0, lowers = 0
        var digit = false
        var slashes = 0
        /// Positions where the class (upper, lower, digit, `+` `/` `=`) changes.
        var changes = 0

        init(_ run: ArraySlice<UInt8>) {
            var previous = -1
            for byte in run {
                let kind: Int
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): kind = 0; uppers += 1
                case UInt8(ascii: "a")...UInt8(ascii: "z"): kind = 1; lowers += 1
                case UInt8(ascii: "0")...UInt8(ascii: "9"): kind = 2; digit = true
                default: kind = 3; if byte == UInt8(ascii: "/") { slashes += 1 }
                }
                if previous >= 0, kind != previous { changes += 1 }
                previous = kind
            }
        }
    }

    /// Whether a base64 run looks like encoded random bytes (key material)
    /// rather than a word, an identifier or a path: it mixes upper case,
    /// lower case and digits; the class of character (upper, lower, digit,
    /// `+` or `/`) changes at 40 % of positions or more (random base64: 64 %;
    /// `CamelCaseNames` and `dir/sub/path` far fewer); and fewer than one
    /// character in eight is a `/`.
    /// NOTE: a path made of 40+ base64 characters that passes all three (a
    /// random token as a file name) is redacted too: a report that names a file
    /// less well is the price of never printing a key.
    static func looksRandom(_ run: ArraySlice<UInt8>) -> Bool {
        let shape = Shape(run)
        return shape.uppers > 0 && shape.lowers > 0 && shape.digit && shape.slashes * 8 < run.count
            && shape.changes * 5 >= (run.count - 1) * 2
    }

    /// Whether a base64 run inside a key looks like a line of its body: at
    /// least two upper-case and two lower-case letters (a camelCase field name
    /// has one capital, an upper-case hex IV no lower case).
    /// NOTE: no test of randomness here: inside a key the odds favour the body,
    /// and 16 random characters are too few to judge reliably. The price: when
    /// the analysis reads a cut-off key on past its text (a preview in a
    /// report), a long mixed-case path in what follows is redacted too.
    static func looksLikeBody(_ run: ArraySlice<UInt8>) -> Bool {
        let shape = Shape(run)
        return shape.uppers >= 2 && shape.lowers >= 2
    }
}
