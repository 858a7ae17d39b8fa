import Foundation
import Testing
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The per-file cap and the policy: past the cap findings are counted, the
/// first of each kind kept, and the policy rates the one standing finding as
/// the worst of those kinds; suppression drops the kinds it silences and has
/// the policy judge the rest again; the codec keeps every fact.
@Suite struct FindingCapTests {
    static let rules = try! RuleSet().rules
    static let policy = Policy(rules: rules)

    /// `findings` through a cap of `limit`: those kept, then the standing one if any.
    static func capped(_ findings: [Finding], limit: Int) -> [Finding] {
        var cap = FindingCap(limit: limit)
        var kept = findings.filter { cap.admit($0) }
        if let standing = cap.summary() { kept.append(standing) }
        return kept
    }

    /// A marker at `line`, allowed inline or not.
    static func marker(_ line: Int, allowed: Bool = false) -> Finding {
        var f = HandBuilt.marker("big.txt", line: line)
        f.inlineAllowed = allowed
        f.secretHash = "marker"
        return f
    }

    @Test func theStandingFindingIsRatedAsTheWorstKindLeftOut() throws {
        var key = HandBuilt.key("big.txt", line: 9, marker: true)
        key.secretHash = "key"
        var findings = FindingCapTests.capped((1...5).map { FindingCapTests.marker($0) } + [key], limit: 2)
        #expect(findings.count == 3)
        let facts = try #require(findings.last?.notListed)
        #expect(facts.count == 4 && facts.groups.count == 2 && facts.groups[0].count == 3)
        FindingCapTests.policy.apply(&findings)
        let standing = try #require(findings.last)
        // A key with the OCI_API_KEY line is critical; the markers medium.
        #expect(standing.severity == .critical)
        #expect(standing.message.hasPrefix("4 more findings in this file not listed (--max-findings-per-file 2), from line 3 on; the most severe, at line 9: RSA 2048"),
                "\(standing.message)")
        #expect(facts.groups[0].sameSecret)
    }

    @Test func suppressionDropsTheKindsItSilencesAndThePolicyJudgesAgain() throws {
        var key = HandBuilt.key("big.txt", line: 9)
        key.secretHash = "key"
        var findings = FindingCapTests.capped((1...5).map { FindingCapTests.marker($0, allowed: true) } + [key], limit: 2)
        FindingCapTests.policy.apply(&findings)
        var summary = ScanSummary()
        Suppression().apply(&findings, summary: &summary, policy: FindingCapTests.policy)
        #expect(summary.suppressed == 5)
        let standing = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(standing.notListed?.count == 1)
        #expect(standing.severity == .high)
        #expect(standing.message.hasPrefix("1 more finding in this file not listed"), "\(standing.message)")

        var allowed = Suppression()
        allowed.allowedFingerprints = [HandBuilt.fingerprintA: "fixture"]
        var onlyKeys = FindingCapTests.capped((1...4).map { HandBuilt.key("keys.txt", line: $0 * 30) }, limit: 1)
        FindingCapTests.policy.apply(&onlyKeys)
        var allowedSummary = ScanSummary()
        allowed.apply(&onlyKeys, summary: &allowedSummary, policy: FindingCapTests.policy)
        #expect(onlyKeys.isEmpty)
        #expect(allowedSummary.allowed == 4)
    }

    @Test func kindsPastTheSamplingBoundAreRatedCritical() throws {
        let findings = (0..<(FindingCap.maxGroups + 3)).map { i -> Finding in
            var f = FindingCapTests.marker(i + 2)
            f.rule = "custom-\(i)"
            return f
        }
        var capped = FindingCapTests.capped([FindingCapTests.marker(1)] + findings, limit: 1)
        let facts = try #require(capped.last?.notListed)
        #expect(facts.groups.count == FindingCap.maxGroups && facts.unsampled == 3)
        FindingCapTests.policy.apply(&capped)
        #expect(capped.last?.severity == .critical)
    }

    @Test func theCodecKeepsTheLinkAndTheFindingsLeftOut() throws {
        var findings = FindingCapTests.capped((1...4).map { FindingCapTests.marker($0) } + [HandBuilt.key("big.txt", line: 9)], limit: 1)
        let link = ReachedThroughLink(link: SymbolicLink(path: "lib", target: "/elsewhere"), linkIsTheFile: false,
                                      resolved: "/elsewhere/big.txt", outside: true)
        for i in findings.indices { findings[i].throughLink = link }
        FindingCapTests.policy.apply(&findings)
        #expect(findings[0].message.hasPrefix("reached through the symbolic link lib -> /elsewhere (outside the folder): OCI_API_KEY"))
        for var finding in findings {
            // Byte offsets are not in reports.
            finding.startOffset = 0
            finding.endOffset = 0
            #expect(try FindingJSONTests.roundTrip(finding) == finding, "\(finding.message)")
        }
    }
}
