import KeyLeakInput
import KeyLeakMatching

/// Key containers (PKCS#12, JKS, JCEKS): each is opened with the well-known
/// passwords; every key read from one is a key finding that carries the
/// container's facts, and what stays locked is one container finding.
extension Analyzer {
    /// Findings for a PKCS#12 structure `der` (the whole file).
    func pkcs12Findings(_ rule: Rule, der: [UInt8]) -> [Finding] {
        guard let contents = PKCS12Container.open(der: der) else { return [] }
        var container = ContainerFacts(kind: .pkcs12, privateKeys: nil, secretKeys: contents.secrets,
                                       certificates: contents.certificates, incomplete: contents.password == nil,
                                       opensWith: contents.password)
        container.passwordsTried = contents.passwordsTried
        container.unreadablePart = contents.unreadablePart
        container.unreadableReason = contents.unreadableReason
        var findings = contents.keys.map { facts in
            var facts = facts
            facts.encoding = .pkcs12
            var finding = keyFinding(rule, facts, marker: false, start: 0, end: 1, preview: "(binary PKCS#12)")
            finding.container = ContainerFacts(kind: .pkcs12, privateKeys: nil, incomplete: false, opensWith: contents.password)
            finding.secretHash = Analyzer.hash(der)
            return finding
        }
        // What is left: a locked file, a part that did not decrypt, or secret bags.
        // An opened file of certificates only holds nothing secret.
        if contents.password == nil || contents.unreadablePart != nil || contents.secrets > 0 {
            container.incomplete = contents.password == nil || contents.unreadablePart != nil
            var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                  preview: "(binary PKCS#12)", startOffset: 0, endOffset: 1)
            finding.container = container
            finding.secretHash = Analyzer.hash(der)
            findings.append(finding)
        }
        return findings
    }

    /// Findings for a JKS or JCEKS keystore starting at `view`'s first byte.
    func keystoreFindings(_ rule: Rule, in view: UnsafeRawBufferPointer) -> [Finding] {
        let kind: ContainerKind = view.count >= 4 && view[0] == 0xce ? .jceks : .jks
        let contents = JavaKeystore.contents(view)
        // A truststore of certificates only holds nothing secret.
        if !contents.unreadable, contents.privateKeys == 0, contents.secretKeys == 0 { return [] }
        var findings: [Finding] = []
        var locked: [JavaKeystore.KeyEntry] = []
        var budget = WellKnownPasswords.iterationBudget
        var tried = WellKnownPasswords.all.count
        for entry in contents.keyEntries {
            let protected = Array(view[entry.protectedKey])
            let cost = JavaKeyProtection.cost(protected) ?? Int.max
            var opened: (facts: KeyFacts, password: String)?
            var triedHere = 0
            for password in WellKnownPasswords.all where budget >= cost {
                budget -= cost
                triedHere += 1
                if let der = JavaKeyProtection.open(protected, password: password), let facts = PrivateKey.analyze(der: der) {
                    opened = (facts, password)
                    break
                }
            }
            guard let (facts, password) = opened else {
                tried = min(tried, triedHere)
                locked.append(entry)
                continue
            }
            var key = facts
            key.encoding = .keystore
            var finding = keyFinding(rule, key, marker: false, start: 0, end: 1, preview: "(binary \(kind.rawValue) keystore)")
            var container = ContainerFacts(kind: kind, privateKeys: nil, incomplete: false, opensWith: password)
            container.keyChains = [entry.chain]
            finding.container = container
            finding.secretHash = Analyzer.hash(protected)
            findings.append(finding)
        }
        // Entries no password opened, secret keys, and what could not be walked stay one finding.
        let unwalked = contents.privateKeys - contents.keyEntries.count
        if !locked.isEmpty || unwalked > 0 || contents.secretKeys > 0 || contents.unreadable {
            var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: "",
                                  preview: "(binary \(kind.rawValue) keystore)", startOffset: 0, endOffset: 1)
            var container = ContainerFacts(kind: kind, privateKeys: locked.count + unwalked, secretKeys: contents.secretKeys,
                                           certificates: contents.certificates, incomplete: contents.unreadable)
            container.keyChains = locked.map(\.chain)
            container.passwordsTried = locked.isEmpty ? nil : tried
            finding.container = container
            finding.secretHash = Analyzer.hash(Array(view.prefix(4096)))
            findings.append(finding)
        }
        return findings
    }
}
