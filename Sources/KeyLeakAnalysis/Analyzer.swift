import KeyLeakInput
import KeyLeakMatching
/// Turns raw matches into findings: normalises and decodes each candidate
/// block, parses it with OpenSSL, and drops what is not a real key
/// (placeholders, random base64 between markers, public keys).
package struct Analyzer {
    package let ruleSet: RuleSet

    /// Body characters a preview shows after the armour (the fixed ASN.1
    /// header of a key, never key material).
    package static let previewBodyCharacters = 4

    /// Findings for `matches` in `buffer`, with byte offsets relative to the
    /// buffer. Findings nested in another key's span (a bare-DER match inside a
    /// PEM body, the marker after a key) are dropped.
    package func findings(for matches: [RawMatch], in buffer: UnsafeRawBufferPointer, block: Range<Int>) -> [Finding] {
        var result: [Finding] = []
        findings(for: matches, in: buffer, block: block) { result.append($0) }
        return result
    }

    /// The same findings, in the same order, handed to `sink` one by one as
    /// they are made, so a caller that keeps few of them (`FindingCap`) never
    /// holds a window's worth.
    package func findings(for matches: [RawMatch], in buffer: UnsafeRawBufferPointer, block: Range<Int>,
                          into sink: (Finding) -> Void) {
        var coveredUntil = -1
        var identitiesDone = false
        for match in matches {
            let rule = ruleSet.rules[match.rule]
            if rule.analyzer == .ociConfig {
                // Settings are read once per window, as whole documents.
                guard !identitiesDone else { continue }
                identitiesDone = true
                identityFindings(rule, in: buffer).filter { block.contains($0.startOffset) }.forEach(sink)
                continue
            }
            // NOTE: an armour line always starts a block of its own (a block ends
            // where another BEGIN starts), so only what lies inside a key is skipped.
            guard rule.analyzer == .pem || match.range.lowerBound >= coveredUntil else { continue }
            for finding in analyze(match, rule: rule, in: buffer) {
                if finding.key != nil { coveredUntil = max(coveredUntil, finding.endOffset) }
                sink(finding)
            }
        }
    }

    /// The findings one match makes: none, one, or (a key changed in a diff) one for each side.
    private func analyze(_ match: RawMatch, rule: Rule, in buffer: UnsafeRawBufferPointer) -> [Finding] {
        let matched = Array(UnsafeRawBufferPointer(rebasing: buffer[match.range]))
        switch rule.analyzer {
        case .pem:
            return armouredFindings(match, rule: rule, matched: matched, in: buffer)
        case .putty:
            let (text, origin) = PEMNormalizer.unwrap(buffer, from: match.range.lowerBound,
                                                       terminator: Array("Private-MAC:".utf8),
                                                       quote: PEMNormalizer.openingQuote(buffer, before: match.range.lowerBound))
            guard let (facts, length) = PuTTYKey.analyze(text: text), length > 0 else { return [] }
            let end = origin[min(length, origin.count) - 1] + 1
            let marker = PEMNormalizer.ociMarker(in: text, after: min(length, text.count)) != nil
            var finding = keyFinding(rule, facts, marker: marker, start: match.range.lowerBound, end: end,
                                     preview: Analyzer.clip(matched, 40))
            finding.secretHash = Analyzer.hash(Array(text[0..<min(length, text.count)]))
            return [finding]
        case .base64PEM:
            // One line, or `base64 id_rsa` wrapped at 76 columns (a MIME attachment too).
            let characters = PastedText.base64Characters(buffer, match.range)
            guard let decoded = PrivateKey.decodeBody(characters.bytes),
                  let begin = PEMNormalizer.find(Array("-----BEGIN ".utf8), in: decoded)?.lowerBound else { return [] }
            // A decoded byte k comes from base64 character 4k/3: the block's end maps back to its line.
            let finding = decoded.withUnsafeBytes { inner in
                armouredFinding(rule, in: inner, at: begin, start: match.range.lowerBound, preview: nil,
                                inputEnd: { characters.inputOffset(after: ($0 * 4 + 2) / 3) })
            }
            guard var finding else { return [] }
            finding.key?.encoding = .base64PEM
            finding.preview = Analyzer.clip(matched, 14)
            return [finding]
        case .der:
            // One line, or a body wrapped over lines with its armour removed.
            let characters = PastedText.base64Characters(buffer, match.range)
            guard let decoded = PrivateKey.decodeBody(characters.bytes), let der = Analyzer.wholeStructure(decoded),
                  var facts = PrivateKey.analyze(der: der) else { return [] }
            facts.encoding = .bareDER
            // The key's characters, padding included: on one line, the whole match (as before lines were joined).
            let used = Array(characters.bytes.prefix((der.count + 2) / 3 * 4))
            var finding = keyFinding(rule, facts, marker: false, start: match.range.lowerBound,
                                     end: characters.inputOffset(after: used.count), preview: Analyzer.clip(matched, 8))
            finding.secretHash = Analyzer.hash(used)
            return [finding]
        case .hexDER:
            let digits = PastedText.hexBytes(buffer, match.range)
            guard let der = Analyzer.wholeStructure(digits.bytes), var facts = PrivateKey.analyze(der: der) else { return [] }
            facts.encoding = .hexDER
            var finding = keyFinding(rule, facts, marker: false, start: match.range.lowerBound,
                                     end: digits.inputOffset(after: der.count), preview: Analyzer.clip(matched, 8))
            finding.secretHash = Analyzer.hash(der)
            return [finding]
        case .ociMarker:
            var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                  preview: Analyzer.clip(Array(matched.drop(while: { $0 == 32 || $0 == 9 || $0 == 10 })), 16),
                                  startOffset: match.range.lowerBound, endOffset: match.range.upperBound)
            finding.secretHash = Analyzer.hash(matched)
            return [finding]
        case .sessionToken:
            guard let token = SessionToken.parse(matched), token.isOCI else { return [] }
            var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                  preview: Analyzer.clip(matched, 12), startOffset: match.range.lowerBound,
                                  endOffset: match.range.upperBound)
            finding.sessionToken = token
            finding.secretHash = Analyzer.hash(matched)
            return [finding]
        case .ociConfig, .derFile, .pkcs12, .keystore, .credentialSet, .configChange:
            return []
        }
    }

    /// Findings for an armour line: in UTF-16, URL-encoded, on a diff line, or plain text.
    private func armouredFindings(_ match: RawMatch, rule: Rule, matched: [UInt8], in buffer: UnsafeRawBufferPointer) -> [Finding] {
        let start = match.range.lowerBound
        if matched.count > 1, matched[1] == 0 {
            let (text, armour) = PastedText.utf16(buffer, armour: start)
            let finding = text.bytes.withUnsafeBytes { inner in
                armouredFinding(rule, in: inner, at: armour, start: start, preview: nil, inputEnd: { text.inputOffset(after: $0) })
            }
            return finding.map { [$0] } ?? []
        }
        if let (plusIsSpace, whole) = PastedText.urlEncoding(buffer, armour: match.range) {
            let text = PastedText.urlDecoded(buffer, from: start, plusIsSpace: plusIsSpace, whole: whole)
            let finding = text.bytes.withUnsafeBytes { inner in
                armouredFinding(rule, in: inner, at: 0, start: start, preview: nil, inputEnd: { text.inputOffset(after: $0) })
            }
            return finding.map { [$0] } ?? []
        }
        let plain = { self.armouredFinding(rule, in: buffer, at: start, start: start, preview: matched, inputEnd: { $0 }) }
        guard let (prefix, lineStart) = PastedText.diffPrefix(buffer, before: start) else { return plain().map { [$0] } ?? [] }
        // A diff line. NOTE: a context line (a space) reads as plain text first:
        // that is also an indented block; only when that is no whole key, and
        // the block has changed lines, are the diff's sides tried, each of which
        // may hold a key (the old one, the new one).
        let context = prefix == UInt8(ascii: " ")
        let plainFinding = context ? plain() : nil
        if let plainFinding, plainFinding.key?.truncated == false { return [plainFinding] }
        var sides: [Finding] = []
        var wholeBlock = false
        for side in context ? [UInt8(ascii: "+"), UInt8(ascii: "-")] : [prefix] {
            let text = PastedText.diffSide(buffer, lineStart: lineStart, indent: start - 1 - lineStart, keep: side)
            if context && !text.changed { break }
            wholeBlock = wholeBlock || text.complete
            let finding = text.bytes.withUnsafeBytes { inner in
                armouredFinding(rule, in: inner, at: 0, start: start, preview: matched, inputEnd: { text.inputOffset(after: $0) })
            }
            if let finding, !context || finding.key?.truncated == false,
               !sides.contains(where: { $0.secretHash == finding.secretHash }) { sides.append(finding) }
        }
        // Every line of the block had a prefix: it was a diff, and not a key.
        if !sides.isEmpty || (!context && wholeBlock) { return sides }
        return (context ? plainFinding : plain()).map { [$0] } ?? []
    }

    /// The finding for the armoured block at `begin` in `text` (the input
    /// itself, or a text recovered from it). The finding starts at `start` in
    /// the input and ends where `inputEnd` maps the block's end. `preview` is
    /// the armour as written (nil: rebuilt from the label).
    private func armouredFinding(_ rule: Rule, in text: UnsafeRawBufferPointer, at begin: Int, start: Int, preview: [UInt8]?,
                                 inputEnd: (Int) -> Int) -> Finding? {
        guard var block = PEMNormalizer.normalize(text, at: begin) else { return nil }
        // NOTE: Go's tests write `-----BEGIN RSA TESTING KEY-----` and swap the
        // word back before parsing; so does keyleak, and records the disguise.
        let testArmour = block.label.hasSuffix("TESTING KEY")
        if testArmour { block.label = String(block.label.dropLast("TESTING KEY".count)) + "PRIVATE KEY" }
        guard block.label.hasSuffix("PRIVATE KEY") || block.label.hasSuffix("PRIVATE KEY BLOCK"),
              var facts = PrivateKey.analyze(block) else { return nil }
        facts.testArmour = testArmour
        let armour = preview ?? Array("-----BEGIN \(testArmour ? block.label.replacingOccurrences(of: "PRIVATE", with: "TESTING") : block.label)-----".utf8)
        var finding = keyFinding(rule, facts, marker: block.ociMarker, start: start, end: inputEnd(block.endOffset),
                                 preview: Analyzer.preview(armour: armour, body: block.body))
        finding.secretHash = Analyzer.hash(block.body)
        if facts.encrypted, facts.identity == nil, !facts.truncated { finding.sealedKey = PrivateKey.canonicalPEM(block) }
        return finding
    }

    /// The DER structure at the start of `bytes`, cut to the length its outer
    /// header declares (what follows is other text). When `bytes` end first,
    /// all of them: python-jose's malformed PKCS#8 declares a wrong length.
    package static func wholeStructure(_ bytes: [UInt8]) -> [UInt8]? {
        guard let outer = DER.read(bytes, at: 0), outer.tag == 0x30 else { return nil }
        return outer.truncated ? bytes : Array(bytes.prefix(outer.end))
    }

    /// Findings for a whole binary file (DER key, PKCS#12, Java keystore) whose
    /// start matched a file-start rule. `view` starts at the blob's first byte.
    package func fileStartFindings(_ rule: Rule, in view: UnsafeRawBufferPointer) -> [Finding] {
        switch rule.analyzer {
        case .keystore:
            let kind: ContainerKind = view.count >= 4 && view[0] == 0xce ? .jceks : .jks
            let contents = JavaKeystore.contents(view)
            // A truststore of certificates only holds nothing secret.
            if !contents.unreadable, contents.privateKeys == 0, contents.secretKeys == 0 { return [] }
            var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                  preview: "(binary \(kind.rawValue) keystore)", startOffset: 0, endOffset: 1)
            finding.container = ContainerFacts(kind: kind, privateKeys: contents.privateKeys, secretKeys: contents.secretKeys,
                                               certificates: contents.certificates, incomplete: contents.unreadable)
            return [finding]
        case .derFile, .pkcs12:
            guard let outer = DER.read(Array(view.prefix(8)), at: 0), outer.tag == 0x30 else { return [] }
            // The header's own length plus its declared content length: the whole structure.
            let total = outer.value.lowerBound + Analyzer.declaredLength(view)
            guard total <= view.count, total > 16 else { return [] }
            let der = Array(view.prefix(total))
            if rule.analyzer == .pkcs12 {
                guard OpenSSLKey.isPKCS12(der: der) else { return [] }
                let keys = OpenSSLKey.pkcs12Keys(der: der, password: "") ?? OpenSSLKey.pkcs12Keys(der: der, password: nil)
                guard let keys else {
                    var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                          preview: "(binary PKCS#12)", startOffset: 0, endOffset: 1)
                    finding.container = ContainerFacts(kind: .pkcs12, privateKeys: nil, incomplete: true)
                    finding.secretHash = Analyzer.hash(der)
                    return [finding]
                }
                return keys.compactMap { key -> Finding? in
                    guard let identity = Fingerprint(key: key) else { return nil }
                    var facts = KeyFacts(format: .pkcs12, identity: identity)
                    facts.encoding = .pkcs12
                    var finding = keyFinding(rule, facts, marker: false, start: 0, end: 1, preview: "(binary PKCS#12)")
                    finding.secretHash = Analyzer.hash(der)
                    return finding
                }
            }
            if var facts = PrivateKey.analyze(der: der) {
                facts.encoding = .binaryDER
                var finding = keyFinding(rule, facts, marker: false, start: 0, end: total, preview: "(binary DER)")
                finding.secretHash = Analyzer.hash(der)
                return [finding]
            }
            if OpenSSLKey.isEncryptedPKCS8(der: der), Analyzer.hasPBEAlgorithm(der) {
                var facts = KeyFacts(format: .pkcs8, encrypted: true)
                facts.encoding = .binaryDER
                var finding = keyFinding(rule, facts, marker: false, start: 0, end: total, preview: "(binary DER)")
                finding.secretHash = Analyzer.hash(der)
                return [finding]
            }
            return []
        case .pem, .putty, .base64PEM, .der, .hexDER, .ociMarker, .ociConfig, .sessionToken, .credentialSet, .configChange:
            return []
        }
    }

    /// The content length a DER header at the start of `view` declares.
    package static func declaredLength(_ view: UnsafeRawBufferPointer) -> Int {
        guard view.count >= 2 else { return 0 }
        let first = Int(view[1])
        guard first & 0x80 != 0 else { return first }
        let count = first & 0x7f
        guard count >= 1, count <= 4, view.count >= 2 + count else { return Int.max / 2 }
        return (0..<count).reduce(0) { $0 << 8 | Int(view[2 + $1]) }
    }

    /// An EncryptedPrivateKeyInfo's algorithm is PBES2 or a PKCS#12 PBE (a
    /// DigestInfo has the same shape, with a hash algorithm instead).
    package static func hasPBEAlgorithm(_ der: [UInt8]) -> Bool {
        let pbes2: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d]
        let pkcs12PBE: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01]
        let head = Array(der.prefix(32))
        return ByteSearch.find(pbes2, in: head) != nil || ByteSearch.find(pkcs12PBE, in: head) != nil
    }

    private func identityFindings(_ rule: Rule, in buffer: UnsafeRawBufferPointer) -> [Finding] {
        OCIConfig.identities(in: buffer).map { found in
            let identity = found.identity
            var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                  preview: found.preview, startOffset: found.offset, endOffset: found.offset + 1)
            finding.oci = identity
            finding.secretHash = Analyzer.hash(Array([identity.source.rawValue, identity.profile ?? "", identity.user ?? "",
                                                      identity.tenancy ?? "", identity.fingerprint ?? "",
                                                      identity.keyFile ?? ""].joined(separator: "|").utf8))
            return finding
        }
    }

    private func keyFinding(_ rule: Rule, _ facts: KeyFacts, marker: Bool, start: Int, end: Int, preview: String) -> Finding {
        Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "", key: facts, ociMarker: marker,
                preview: preview, startOffset: start, endOffset: max(end, start + 1))
    }

    /// First 16 bytes of SHA-256, hex: enough to tell secrets apart, reveals nothing.
    package static func hash(_ bytes: [UInt8]) -> String {
        Hex.encode(Digest.sha256(bytes).prefix(16))
    }

    /// `-----BEGIN RSA PRIVATE KEY-----MIIE…`
    package static func preview(armour: [UInt8], body: [UInt8]) -> String {
        String(decoding: armour, as: UTF8.self) + String(decoding: body.prefix(previewBodyCharacters), as: UTF8.self) + "…"
    }

    /// The first `count` bytes, printable ASCII only, then `…`.
    package static func clip(_ bytes: [UInt8], _ count: Int) -> String {
        let printable = bytes.prefix(count).map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }
        return String(decoding: printable, as: UTF8.self) + (bytes.count > count ? "…" : "")
    }
}
