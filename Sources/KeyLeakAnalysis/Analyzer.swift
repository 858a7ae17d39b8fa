import KeyLeakInput
import KeyLeakMatching
/// Turns raw matches into findings: normalises and decodes each candidate
/// block, parses it with OpenSSL, and drops what is not a real key
/// (placeholders, random base64 between markers, public keys).
package struct Analyzer {
    package let ruleSet: RuleSet
    /// What scans the text an opaque layer (base64) decodes to.
    let nested: NestedMatching

    /// An analyzer of `ruleSet`'s matches.
    package init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        nested = NestedMatching(ruleSet: ruleSet)
    }

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
    /// `nesting` counts the opaque layers (base64) `buffer` was decoded from.
    package func findings(for matches: [RawMatch], in buffer: UnsafeRawBufferPointer, block: Range<Int>, nesting: Int = 0,
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
            for finding in analyze(match, rule: rule, in: buffer, nesting: nesting) {
                if finding.key != nil { coveredUntil = max(coveredUntil, finding.endOffset) }
                sink(finding)
            }
        }
    }

    /// The findings one match makes: none, one, or (a key changed in a diff) one for each side.
    private func analyze(_ match: RawMatch, rule: Rule, in buffer: UnsafeRawBufferPointer, nesting: Int) -> [Finding] {
        let matched = Array(UnsafeRawBufferPointer(rebasing: buffer[match.range]))
        let kind: AnchorKind
        switch rule.analyzer {
        case .pem: kind = .armour
        case .base64PEM: kind = .base64PEM
        case .der: kind = .der
        case .hexDER: kind = .hex
        case .hexDump: kind = .hexDump
        case .opensslText: kind = .opensslText
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
        let job = Unpasting(rule: rule, kind: kind, start: match.range.lowerBound, matched: matched, nesting: nesting)
        return unpaste(job, text: buffer, anchor: match.range.lowerBound, toInput: { $0 }).findings
    }

    /// The finding for the armoured block at `begin` in `text` (the input
    /// itself, or a text recovered from it). The finding starts at `start` in
    /// the input and ends where `inputEnd` maps the block's end. `preview` is
    /// the armour as written (nil: rebuilt from the label).
    func armouredFinding(_ rule: Rule, in text: UnsafeRawBufferPointer, at begin: Int, start: Int, preview: [UInt8]?,
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
            return keystoreFindings(rule, in: view)
        case .derFile, .pkcs12:
            guard let outer = DER.read(Array(view.prefix(8)), at: 0), outer.tag == 0x30 else { return [] }
            // The header's own length plus its declared content length: the whole structure.
            let total = outer.value.lowerBound + Analyzer.declaredLength(view)
            guard total <= view.count, total > 16 else { return [] }
            let der = Array(view.prefix(total))
            if rule.analyzer == .pkcs12 { return pkcs12Findings(rule, der: der) }
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
        case .pem, .putty, .base64PEM, .der, .hexDER, .hexDump, .opensslText, .ociMarker, .ociConfig, .sessionToken, .credentialSet, .configChange:
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

    /// An EncryptedPrivateKeyInfo's algorithm is PBES1, PBES2 (PKCS#5) or a
    /// PKCS#12 PBE (a DigestInfo has the same shape, with a hash algorithm instead).
    package static func hasPBEAlgorithm(_ der: [UInt8]) -> Bool {
        let pkcs5: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05]
        let pkcs12PBE: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01]
        let head = Array(der.prefix(32))
        // PBES1 schemes (.1, .3, .4, .6, .10, .11) and PBES2 (.13); .12 (PBKDF2) is no encryption scheme.
        if let at = ByteSearch.find(pkcs5, in: head)?.upperBound, at < head.count,
           [0x01, 0x03, 0x04, 0x06, 0x0a, 0x0b, 0x0d].contains(head[at]) { return true }
        return ByteSearch.find(pkcs12PBE, in: head) != nil
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

    func keyFinding(_ rule: Rule, _ facts: KeyFacts, marker: Bool, start: Int, end: Int, preview: String) -> Finding {
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
