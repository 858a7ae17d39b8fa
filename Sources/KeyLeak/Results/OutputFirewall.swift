/// The last check before anything leaves keyleak. Every report, baseline and
/// message is run through it just before it is written, whatever code path
/// rendered it, and the secret material found in it is replaced by
/// `redaction`. A reporter that never prints a secret passes through
/// unchanged; the firewall is there for the bug that would.
///
/// Three passes over the rendered bytes, in this order:
/// 1. Pass phrases the scan read in clear (the finding model keeps them to open
///    keys): every occurrence, as written and as JSON or terminal escaping
///    shows it. Phrases shorter than `minimumSecretLength` are not searched.
/// 2. Private keys, found by keyleak's own key rules and analysis run over the
///    rendered bytes: a key inside a JSON string with `\n` escapes, a message,
///    a YAML block is found as it would be in a file. Redacted from the end of
///    its BEGIN armour (the armour names the kind of key and stays) to the end
///    of the key.
/// 3. A backstop for key material that is not a whole key (part of a body, a
///    body without armour): every run of at least `minimumRun` base64
///    characters that looks random (`looksRandom`), unless it is the digest of
///    a `SHA256:` fingerprint.
///
/// What stays: fingerprints (colon hex and `SHA256:`), OCIDs, hex digests and
/// commit ids, paths, and previews (armour plus a few characters).
///
/// Redactions never break the JSON they are in: a replacement starts and ends
/// outside any `\` escape, and `redaction` needs no escaping.
public struct OutputFirewall: Sendable {
    /// What replaces a secret.
    public static let redaction = "[REDACTED]"
    /// Shortest run of base64 characters pass 3 considers, in characters.
    /// NOTE: 40 is under one PEM line (64) and OpenSSH/PuTTY line (70), and
    /// over a commit id's share of mixed-case characters; a shorter run of a
    /// key body is not enough to rebuild anything.
    public static let minimumRun = 40
    /// Shortest pass phrase searched for, in characters: shorter ones would
    /// redact common words all over the report.
    public static let minimumSecretLength = 4

    /// keyleak's rules for pass 2; nil skips it (the rules could not be loaded).
    private let ruleSet: RuleSet?
    /// Secret values to redact wherever they appear (pass phrases).
    private let secrets: [String]

    /// A firewall using `ruleSet` (keyleak's embedded rules) to find keys,
    /// and redacting `secrets` wherever they appear.
    public init(ruleSet: RuleSet?, secrets: [String] = []) {
        self.ruleSet = ruleSet
        self.secrets = secrets.filter { $0.count >= OutputFirewall.minimumSecretLength }
    }

    /// Analyzers of the rules pass 2 runs: those that find private keys in text.
    static let keyAnalyzers: Set<String> = ["pem", "putty", "base64-pem", "der"]

    /// keyleak's embedded rules that find private keys in text, for pass 2;
    /// the others (OCI settings, the marker line, whole binary files) are
    /// disabled.
    /// NOTE: reading a whole report as OCI settings costs more than every other
    /// rule together, and finds nothing secret a key rule would not.
    public static func keyRules() throws -> RuleSet {
        let all = try RuleSet()
        return try RuleSet(disabled: Set(all.rules.filter { !keyAnalyzers.contains($0.analyzer) }.map(\.id)))
    }

    /// This firewall, also redacting the secret values `report`'s findings
    /// know: the clear pass phrases of OCI configs, Terraform files and
    /// `OCI_CLI_*` variables.
    public func adding(_ report: ScanReport) -> OutputFirewall {
        let known = report.findings.compactMap { $0.oci?.passPhrase }
        return OutputFirewall(ruleSet: ruleSet, secrets: secrets + known)
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
        for secret in Set(secrets) {
            for form in Set([secret, String(JSONWriter.quote(secret).dropFirst().dropLast()), TerminalText.escape(secret)]) {
                redacted = OutputFirewall.replaceAll(Array(form.utf8), in: &out) || redacted
            }
        }
        if let ruleSet {
            redacted = OutputFirewall.redactKeys(in: &out, ruleSet: ruleSet) || redacted
        }
        redacted = OutputFirewall.redactRandomRuns(in: &out) || redacted
        return (out, redacted)
    }

    private static let redactionBytes = Array(redaction.utf8)

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

    /// Pass 2: runs keyleak's scanner over `bytes` and redacts every key it
    /// finds (parsed, encrypted or truncated).
    static func redactKeys(in bytes: inout [UInt8], ruleSet: RuleSet) -> Bool {
        // NOTE: inline `keyleak:allow` comments are not honoured here: text in a
        // report cannot vouch for itself.
        let findings = BlobScanner(ruleSet: ruleSet, allowInline: false).scan(path: "", bytes: bytes)
        var spans: [Range<Int>] = []
        for finding in findings where finding.key != nil {
            let start = min(max(finding.startOffset, 0), bytes.count)
            let end = min(max(finding.endOffset, start), bytes.count)
            guard start < end else { continue }
            spans.append(escapeSafe(bodyStart(of: start..<end, in: bytes)..<end, in: bytes))
        }
        return replace(spans, in: &bytes)
    }

    /// Where a key's secret part starts: after its `-----BEGIN … -----` armour
    /// when the span opens with one, else at the span's start.
    static func bodyStart(of span: Range<Int>, in bytes: [UInt8]) -> Int {
        let begin = Array("-----BEGIN".utf8)
        guard span.count > begin.count, Array(bytes[span.lowerBound..<span.lowerBound + begin.count]) == begin else {
            return span.lowerBound
        }
        let rest = span.lowerBound + begin.count
        let dashes = bytes[rest..<span.upperBound].withUnsafeBytes { ByteSearch.find(Array("-----".utf8), in: $0) }
        guard let dashes, dashes <= 64 else { return span.lowerBound }
        return rest + dashes + 5
    }

    /// `range` moved so that it neither starts nor ends inside a `\` escape
    /// (`\n`, `\"`, `\uXXXX`, `\x1b`), so that the text around a
    /// replacement keeps its meaning.
    static func escapeSafe(_ range: Range<Int>, in bytes: [UInt8]) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        // Starts on an escaped character: take its backslash too.
        if oddBackslashes(before: lower, in: bytes, from: 0) { lower -= 1 }
        // Ends after a lone backslash: take the escaped character (and its digits).
        if upper > lower, upper < bytes.count, oddBackslashes(before: upper, in: bytes, from: lower) {
            upper += 1 + escapeDigits(at: upper, in: bytes)
        }
        return lower..<min(upper, bytes.count)
    }

    /// Whether an odd number of backslashes (not before `from`) ends just before `offset`.
    static func oddBackslashes(before offset: Int, in bytes: [UInt8], from: Int) -> Bool {
        var count = 0
        var i = offset - 1
        while i >= from, bytes[i] == UInt8(ascii: "\\") { count += 1; i -= 1 }
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

    /// Replaces each of `spans` (merged where they overlap) by `redaction`.
    static func replace(_ spans: [Range<Int>], in bytes: inout [UInt8]) -> Bool {
        let sorted = spans.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        guard !sorted.isEmpty else { return false }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for span in sorted {
            if span.upperBound <= position { continue }
            let start = max(span.lowerBound, position)
            out += bytes[position..<start]
            if start == span.lowerBound { out += redactionBytes }
            position = span.upperBound
        }
        out += bytes[position...]
        bytes = out
        return true
    }

    /// Pass 3: redacts every run of `minimumRun` or more base64 characters
    /// that looks random, except a `SHA256:` fingerprint's digest.
    static func redactRandomRuns(in bytes: inout [UInt8]) -> Bool {
        var spans: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard Base64.isAlphabet(bytes[i]) else { i += 1; continue }
            var start = i
            while i < bytes.count, Base64.isAlphabet(bytes[i]) { i += 1 }
            var end = i
            while end < bytes.count, end - i < 2, bytes[end] == UInt8(ascii: "=") { end += 1 }
            // A run right after a backslash starts with the escape's letter (`\n`, `\x1b`, `\u202e`).
            if oddBackslashes(before: start, in: bytes, from: 0) { start += 1 + escapeDigits(at: start, in: bytes) }
            guard i - start >= minimumRun, !isSHA256Digest(at: start, in: bytes),
                  looksRandom(bytes[start..<i]) else { continue }
            spans.append(start..<end)
        }
        return replace(spans, in: &bytes)
    }

    /// Whether the run at `offset` follows `SHA256:` (an OpenSSH-style
    /// fingerprint: public, and printed on purpose).
    static func isSHA256Digest(at offset: Int, in bytes: [UInt8]) -> Bool {
        let prefix = Array("sha256:".utf8)
        guard offset >= prefix.count else { return false }
        return zip(bytes[(offset - prefix.count)..<offset], prefix).allSatisfy { ($0 | 0x20) == $1 }
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
        var upper = false, lower = false, digit = false
        var slashes = 0, changes = 0
        var previous = -1
        for byte in run {
            let kind: Int
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): kind = 0; upper = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"): kind = 1; lower = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): kind = 2; digit = true
            default: kind = 3; if byte == UInt8(ascii: "/") { slashes += 1 }
            }
            if previous >= 0, kind != previous { changes += 1 }
            previous = kind
        }
        return upper && lower && digit && slashes * 8 < run.count && changes * 5 >= (run.count - 1) * 2
    }
}
