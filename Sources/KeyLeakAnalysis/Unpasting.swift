import KeyLeakInput
import KeyLeakMatching

/// Un-pasting: a key is often pasted in several forms at once (JSON-escaped
/// inside a diff, URL-encoded inside JSON, a diff of a YAML block, base64 of
/// a UTF-16 file). Each form is a layer keyleak can peel off at the place a
/// rule matched (the anchor): UTF-16, string escapes and markup references,
/// URL encoding, and the prefixes of a unified diff. The search tries the
/// anchor's own decoder first (PEM normalisation, base64, hex), then every
/// layer whose sign is present, in any order, each at most once on a path,
/// until a whole key comes out. Base64 is a layer too, but an opaque one: what
/// it decodes to is scanned again by every rule (`nestedFindings`).
extension Analyzer {
    /// The decoder that reads a key from plain text at an anchor.
    enum AnchorKind {
        /// A PEM (or SSH2) armour line: normalised and parsed.
        case armour
        /// The base64 of text that holds an armour: decoded, then scanned again.
        case base64PEM
        /// Bare base64 DER.
        case der
        /// Hex DER.
        case hex
        /// A hex dump, or plain hex lines: read back into bytes.
        case hexDump
        /// OpenSSL's `-text` fields: put back together as DER.
        case opensslText
    }

    /// A form peeled off around an anchor.
    enum Layer: CaseIterable {
        case utf16, escapes, urlEncoding, diff, quoting
    }

    /// Transparent layers one path may peel, each at most twice (a diff of a
    /// patch file, a URL encoded twice).
    static let maximumLayers = 3

    /// Nodes (decodings) one match may cost. NOTE: a layer is tried only where
    /// its sign is present, so real text costs a few; the bound keeps a file
    /// crafted to show every sign everywhere linear in its size.
    static let searchBudget = 48

    /// How deep opaque decodes nest (base64 of a file that holds base64 …).
    static let maximumNesting = 2

    /// One match being un-pasted: what does not change along the search.
    struct Unpasting {
        let rule: Rule
        let kind: AnchorKind
        /// Where the match starts in the input: findings start there.
        let start: Int
        /// The match as written (previews).
        let matched: [UInt8]
        /// Opaque decodes above this one.
        let nesting: Int
    }

    /// What a node of the search found.
    struct Outcome {
        var findings: [Finding] = []
        /// A layer recovered the whole block it held (past the END armour) and
        /// it is what `findings` say: the form was understood.
        var conclusive = false

        var whole: Bool { findings.contains(where: Analyzer.isWhole) }
    }

    /// A whole key (not cut short), or a container's findings.
    static func isWhole(_ finding: Finding) -> Bool {
        if let key = finding.key { return !key.truncated }
        return finding.container != nil
    }

    /// The findings of the match `job` at `anchor` in `text`, whose offsets
    /// map to the input through `toInput` (an end offset in `text` to one in
    /// the input), having peeled the layers `used` already.
    func unpaste(_ job: Unpasting, text: UnsafeRawBufferPointer, anchor: Int, toInput: (Int) -> Int,
                 used: [Layer] = []) -> Outcome {
        var budget = Analyzer.searchBudget
        return unpaste(job, text: text, anchor: anchor, toInput: toInput, used: used, budget: &budget)
    }

    private func unpaste(_ job: Unpasting, text: UnsafeRawBufferPointer, anchor: Int, toInput: (Int) -> Int,
                         used: [Layer], budget: inout Int) -> Outcome {
        budget -= 1
        let plain = terminal(job, text: text, anchor: anchor, toInput: toInput)
        if plain.whole || used.count >= Analyzer.maximumLayers || budget <= 0 { return plain }
        var fallback: Outcome?
        for peeling in peelings(job.kind, text: text, anchor: anchor, used: used) {
            var whole: [Finding] = []
            var partial: [Finding] = []
            var conclusive = peeling.conclusive
            for (part, partAnchor) in peeling.parts {
                let outcome = part.bytes.withUnsafeBytes { inner in
                    unpaste(job, text: inner, anchor: partAnchor, toInput: { toInput(part.inputOffset(after: $0)) },
                            used: used + [peeling.layer], budget: &budget)
                }
                conclusive = conclusive || outcome.conclusive
                for finding in outcome.findings where !(whole + partial).contains(where: { $0.secretHash == finding.secretHash }) {
                    if Analyzer.isWhole(finding) { whole.append(finding) } else { partial.append(finding) }
                }
            }
            if !whole.isEmpty { return Outcome(findings: whole, conclusive: true) }
            if conclusive, fallback == nil { fallback = Outcome(findings: partial, conclusive: true) }
        }
        // NOTE: a form understood whole (every line of a block had a diff prefix)
        // that held no key outweighs the plain reading, which then saw the prefixes as body.
        return fallback ?? plain
    }

    /// The layers whose sign is present at `anchor`, each with the text(s) it
    /// recovers and the anchor's place in them. A diff's context line gives
    /// both sides (an old key and a new one are two findings).
    private func peelings(_ kind: AnchorKind, text: UnsafeRawBufferPointer, anchor: Int, used layers: [Layer])
        -> [(layer: Layer, parts: [(PastedText, Int)], conclusive: Bool)] {
        var found: [(layer: Layer, parts: [(PastedText, Int)], conclusive: Bool)] = []
        // Each layer at most twice on a path.
        let used = Set(Layer.allCases.filter { layer in layers.filter { $0 == layer }.count >= 2 })
        func place(_ part: PastedText) -> (PastedText, Int)? { part.index(ofInput: anchor).map { (part, $0) } }
        if !used.contains(.utf16), anchor + 1 < text.count, text[anchor + 1] == 0 {
            let (part, at) = PastedText.utf16(text, armour: anchor)
            found.append((.utf16, [(part, at)], false))
            return found
        }
        let lineStart = PastedText.lineStart(text, of: anchor)
        if !used.contains(.escapes), PastedText.hasEscapes(text, lineStart: lineStart, anchor: anchor),
           let part = place(PastedText.unescaped(text, from: lineStart, anchor: anchor)) {
            found.append((.escapes, [part], false))
        }
        if !used.contains(.urlEncoding), let encoding = urlEncoding(kind, text: text, anchor: anchor),
           let part = place(PastedText.urlDecoded(text, from: PastedText.urlValueStart(text, before: anchor),
                                                  plusIsSpace: encoding.plusIsSpace, whole: encoding.whole, anchor: anchor)) {
            found.append((.urlEncoding, [part], false))
        }
        if !used.contains(.quoting), let (start, length) = PastedText.quoting(text, before: anchor),
           let part = place(PastedText.unquoted(text, lineStart: start, length: length, anchor: anchor)) {
            found.append((.quoting, [part], false))
        }
        if !used.contains(.diff) {
            for (prefix, start, indent) in PastedText.diffPrefixes(text, before: anchor) {
                if prefix == UInt8(ascii: " ") {
                    let sides = [UInt8(ascii: "+"), UInt8(ascii: "-")].map {
                        PastedText.diffSide(text, lineStart: start, indent: indent, keep: $0, anchor: anchor)
                    }
                    guard sides.contains(where: \.changed) else { continue }
                    found.append((.diff, sides.compactMap(place), false))
                } else {
                    let side = PastedText.diffSide(text, lineStart: start, indent: indent, keep: prefix, anchor: anchor)
                    if let part = place(side) { found.append((.diff, [part], side.complete && kind == .armour)) }
                }
            }
        }
        return found
    }

    /// How the text at `anchor` is URL-encoded, if it is: an armour by its
    /// own spelling; base64 or hex by an encoded `+`, `/`, `=` or line break soon after.
    private func urlEncoding(_ kind: AnchorKind, text: UnsafeRawBufferPointer, anchor: Int) -> (plusIsSpace: Bool, whole: Bool)? {
        if kind == .armour {
            var end = anchor
            while end < text.count, end - anchor < 160, text[end] != UInt8(ascii: "\n") {
                end += 1
                if end - anchor > 12, text[end - 1] == UInt8(ascii: "-"), text[end - 2] == UInt8(ascii: "-"),
                   text[end - 3] == UInt8(ascii: "-"), text[end - 4] == UInt8(ascii: "-"), text[end - 5] == UInt8(ascii: "-") { break }
            }
            return PastedText.urlEncoding(text, armour: anchor..<end)
        }
        let end = min(text.count - 2, anchor + 512)
        var i = anchor
        while i < end {
            if text[i] == UInt8(ascii: "%") {
                let pair = (text[i + 1], text[i + 2] | 0x20)
                if pair == (UInt8(ascii: "2"), UInt8(ascii: "b")) || pair == (UInt8(ascii: "2"), UInt8(ascii: "f"))
                    || pair == (UInt8(ascii: "3"), UInt8(ascii: "d")) || pair == (UInt8(ascii: "0"), UInt8(ascii: "a"))
                    || pair == (UInt8(ascii: "0"), UInt8(ascii: "d")) { return (false, true) }
            }
            i += 1
        }
        return nil
    }

    /// The anchor's own decoder on `text`.
    private func terminal(_ job: Unpasting, text: UnsafeRawBufferPointer, anchor: Int, toInput: (Int) -> Int) -> Outcome {
        let rule = job.rule
        switch job.kind {
        case .armour:
            let armour = job.matched.count <= text.count - anchor
                && job.matched.indices.allSatisfy { text[anchor + $0] == job.matched[$0] } ? job.matched : nil
            let finding = armouredFinding(rule, in: text, at: anchor, start: job.start, preview: armour, inputEnd: toInput)
            return Outcome(findings: finding.map { [$0] } ?? [])
        case .base64PEM:
            // Base64 of text that holds a key (a PEM file, a diff, JSON, UTF-16 …): decoded and scanned again.
            guard job.nesting < Analyzer.maximumNesting else { return Outcome() }
            let characters = PastedText.base64Characters(text, PastedText.base64Run(text, around: anchor))
            guard let decoded = PrivateKey.decodeBody(characters.bytes) else { return Outcome() }
            // A decoded byte k comes from base64 characters 4k/3 on: its end maps back through them.
            // Decoded UTF-16 (the base64 of a file PowerShell wrote) is read as the text it holds.
            let utf16 = PastedText.utf16Text(decoded)
            // A decoded byte k comes from base64 characters 4k/3 on: its end maps back through them.
            func back(_ end: Int) -> Int {
                let decodedEnd = utf16.map { $0.inputOffset(after: end) } ?? end
                return toInput(characters.inputOffset(after: (decodedEnd * 4 + 2) / 3))
            }
            let nested = nestedFindings(utf16?.bytes ?? decoded, nesting: job.nesting + 1)
            return Outcome(findings: asOuterForm(nested, job, encoding: .base64PEM, preview: Analyzer.clip(job.matched, 14)) { finding in
                let start = max(job.start, back(finding.startOffset + 1) - 1)
                return start..<max(start + 1, back(finding.endOffset))
            })
        case .der:
            let run = PastedText.base64Run(text, around: anchor)
            let characters = PastedText.base64Characters(text, anchor..<run.upperBound)
            guard let decoded = PrivateKey.decodeBody(characters.bytes), let der = Analyzer.wholeStructure(decoded) else { return Outcome() }
            // The key's characters, padding included: on one line, the whole match (as before lines were joined).
            let used = Array(characters.bytes.prefix((der.count + 2) / 3 * 4))
            let end = toInput(characters.inputOffset(after: used.count))
            let preview = Analyzer.clip(job.matched, 8)
            if let finding = derKeyFinding(rule, der: der, encoding: .bareDER, start: job.start, end: end, preview: preview, written: used) {
                return Outcome(findings: [finding])
            }
            // A PKCS#12 pasted as base64 (a Kubernetes secret's `keystore.p12`, a JSON `pfx` field).
            return Outcome(findings: asOuterForm(pkcs12Findings(rule, der: der), job, encoding: nil, preview: preview) { _ in
                job.start..<max(job.start + 1, end)
            })
        case .hex:
            var end = anchor
            while end < text.count, end - anchor < 60000, Analyzer.isHexText(text[end]) { end += 1 }
            let digits = PastedText.hexBytes(text, anchor..<end)
            guard let der = Analyzer.wholeStructure(digits.bytes),
                  let finding = derKeyFinding(rule, der: der, encoding: .hexDER, start: job.start,
                                              end: toInput(digits.inputOffset(after: der.count)), preview: Analyzer.clip(job.matched, 8)) else {
                return Outcome()
            }
            return Outcome(findings: [finding])
        case .hexDump:
            return hexDumpFindings(job, text: text, anchor: anchor, toInput: toInput)
        case .opensslText:
            guard let (der, end) = OpenSSLText.der(text, from: anchor),
                  let finding = derKeyFinding(rule, der: der, encoding: .opensslText, start: job.start, end: toInput(end),
                                              preview: Analyzer.clip(job.matched, 24)) else {
                return Outcome()
            }
            return Outcome(findings: [finding])
        }
    }

    /// The keys in the hex dump (or plain hex) starting at `anchor`: a DER
    /// key, encrypted PKCS#8 or PKCS#12 starting on the dump's first line, or
    /// any key the bytes hold as text (a PEM file), found by every rule.
    /// `hexdump` and `od -x` print 16-bit words little-endian: when the bytes
    /// as shown hold nothing, the words are read swapped.
    private func hexDumpFindings(_ job: Unpasting, text: UnsafeRawBufferPointer, anchor: Int, toInput: (Int) -> Int) -> Outcome {
        guard job.nesting < Analyzer.maximumNesting, let dump = HexDump.read(text, from: anchor) else { return Outcome() }
        let rule = job.rule
        let preview = Analyzer.clip(job.matched, 24)
        for bytes in [dump.bytes] + (dump.swapped.map { [$0] } ?? []) {
            // A binary structure starts at a SEQUENCE on the first line (a dump of a DER or PKCS#12 file).
            for first in bytes.indices.prefix(64) where bytes[first] == 0x30 {
                guard let der = Analyzer.wholeStructure(Array(bytes[first...])) else { continue }
                let end = toInput(dump.inputOffset(after: first + der.count))
                if let finding = derKeyFinding(rule, der: der, encoding: .hexDump, start: job.start, end: end, preview: preview) {
                    return Outcome(findings: [finding])
                }
                let containers = pkcs12Findings(rule, der: der)
                if !containers.isEmpty {
                    return Outcome(findings: asOuterForm(containers, job, encoding: nil, preview: preview) { _ in
                        job.start..<max(job.start + 1, end)
                    })
                }
            }
            // Text (a PEM file's dump): scanned again by every rule.
            let nested = nestedFindings(bytes, nesting: job.nesting + 1)
            if !nested.isEmpty {
                return Outcome(findings: asOuterForm(nested, job, encoding: .hexDump, preview: preview) { finding in
                    job.start..<max(job.start + 1, toInput(dump.inputOffset(after: finding.endOffset)))
                })
            }
        }
        return Outcome()
    }

    /// The finding for `der` when it is a private key or an encrypted PKCS#8,
    /// written in the input as `encoding` (`written`: the characters that
    /// name the secret, when not `der` itself); nil for anything else.
    private func derKeyFinding(_ rule: Rule, der: [UInt8], encoding: KeyEncoding, start: Int, end: Int, preview: String,
                               written: [UInt8]? = nil) -> Finding? {
        guard var facts = PrivateKey.analyze(der: der) ?? Analyzer.encryptedPKCS8(der) else { return nil }
        facts.encoding = encoding
        var finding = keyFinding(rule, facts, marker: false, start: start, end: end, preview: preview)
        finding.secretHash = Analyzer.hash(written ?? der)
        return finding
    }

    /// `found` (in bytes a form decoded to, or in a container it held)
    /// reported as that form: the match's rule names it, as before a form's
    /// bytes were scanned again; `span` places it in the input; a key
    /// armoured inside takes `encoding`.
    private func asOuterForm(_ found: [Finding], _ job: Unpasting, encoding: KeyEncoding?, preview: String,
                             span: (Finding) -> Range<Int>) -> [Finding] {
        found.map { inner in
            var finding = inner
            let range = span(inner)
            finding.startOffset = range.lowerBound
            finding.endOffset = range.upperBound
            if let encoding, finding.key?.encoding == .armoured { finding.key?.encoding = encoding }
            finding.rule = job.rule.id
            finding.analyzer = job.rule.analyzer
            finding.preview = preview
            return finding
        }
    }

    /// Facts of an EncryptedPrivateKeyInfo under a password-based scheme (an
    /// encrypted PKCS#8 key), nil for anything else.
    static func encryptedPKCS8(_ der: [UInt8]) -> KeyFacts? {
        guard OpenSSLKey.isEncryptedPKCS8(der: der), Analyzer.hasPBEAlgorithm(der) else { return nil }
        return KeyFacts(format: .pkcs8, encrypted: true)
    }

    /// What hex DER text may hold between its digits (the rule's own class).
    static func isHexText(_ c: UInt8) -> Bool {
        PastedText.hexDigit(c) != nil || c == UInt8(ascii: "x") || c == UInt8(ascii: "X") || c == UInt8(ascii: "\"")
            || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t")
            || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: ",") || c == UInt8(ascii: ":")
            || c == UInt8(ascii: "+") || c == UInt8(ascii: "\\")
    }

    /// Every finding in `bytes` (decoded from an opaque layer), scanned by
    /// every rule, with offsets in `bytes`.
    func nestedFindings(_ bytes: [UInt8], nesting: Int) -> [Finding] {
        bytes.withUnsafeBytes { view -> [Finding] in
            let matches = nested.matcher.matches(in: view, block: 0..<view.count, scratch: nested.scratch)
            var result: [Finding] = []
            findings(for: matches, in: view, block: 0..<view.count, nesting: nesting) { result.append($0) }
            return result
        }
    }
}
