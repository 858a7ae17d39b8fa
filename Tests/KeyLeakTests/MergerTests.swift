import Foundation
import Testing
import TestSupport
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// `keyleak merge` over partial reports written by the reporters from
/// hand-built findings: a config in one shard and its key in another come
/// out linked and critical (with their credential set), duplicates are
/// dropped, summaries are added up, and JSON and SARIF do not mix.
@Suite struct MergerTests {
    static let rules = try! RuleSet().rules

    /// What one shard's scan reports: its findings linked and judged alone.
    static func shard(_ findings: [Finding], files: Int, bytes: Int, skipped: [SkippedInput] = [], suppressed: Int = 0,
                      duration: Int = 0) -> ScanReport {
        var findings = findings
        CredentialLinker.link(&findings, knownKeys: .none, credentialSetRule: RuleSet.embeddedSetRule)
        Policy(rules: rules).apply(&findings)
        var summary = ScanSummary()
        summary.files = files
        summary.bytes = bytes
        summary.skipped = skipped
        summary.suppressed = suppressed
        summary.durationMs = duration
        return ScanReport(findings: findings, summary: summary)
    }

    static var shards: [ScanReport] {
        [shard([HandBuilt.settings("home/.oci/config", keyFile: "~/.oci/oci_api_key.pem", fingerprint: HandBuilt.fingerprintA),
                HandBuilt.marker("notes.txt", line: 3)],
               files: 3, bytes: 1000, skipped: [SkippedInput(path: "z-locked", reason: "permission denied")], suppressed: 1,
               duration: 40),
         shard([HandBuilt.key("home/.oci/oci_api_key.pem"), HandBuilt.marker("notes.txt", line: 3)],
               files: 4, bytes: 2000, skipped: [SkippedInput(path: "a-locked", reason: "permission denied")], suppressed: 2,
               duration: 70)]
    }

    static func write(_ reports: [String], in dir: TemporaryDirectory, ext: String = "json") throws -> [String] {
        try reports.enumerated().map { try dir.write("shard-\($0.offset).\(ext)", $0.element) }
    }

    @Test func aConfigAndItsKeyInDifferentShardsAreLinkedAndCritical() throws {
        let shards = MergerTests.shards
        // Alone, neither shard knows the other half.
        #expect(shards[0].findings.first { $0.rule == "oci-config" }?.severity == .low)
        #expect(shards[1].findings.first { $0.rule == "private-key" }?.severity == .high)

        let dir = try TemporaryDirectory()
        let files = try MergerTests.write(shards.map(JSONReporter.render), in: dir)
        let (kind, merged) = try ReportMerger.merge(files: files, rules: MergerTests.rules)
        #expect(kind == .json)
        let config = try #require(merged.findings.first { $0.rule == "oci-config" })
        let key = try #require(merged.findings.first { $0.rule == "private-key" })
        #expect(config.severity == .critical && key.severity == .critical)
        #expect(config.links.keys == [key.reference] && key.links.owners.map(\.reference) == [config.reference])
        #expect(config.related == [key.reference] && key.related == [config.reference])
        #expect(!config.links.keyFileMissing)
        #expect(key.message.contains("the key of OCI profile [DEFAULT] in home/.oci/config:1"))
        // The copied `.oci` folder is one working credential set, made once from the merged findings.
        let sets = merged.findings.filter { $0.analyzer == .credentialSet }
        #expect(sets.count == 1)
        #expect(sets.first?.credentialSet == CredentialSetFacts(folder: "home/.oci", profiles: 1, keys: 1, working: true))
        #expect(sets.first?.severity == .critical)
        // Report order.
        #expect(merged.findings.map(\.path) == ["home/.oci/config", "home/.oci/config", "home/.oci/oci_api_key.pem", "notes.txt"])
    }

    @Test func duplicatesAreDropped() throws {
        let dir = try TemporaryDirectory()
        let shards = MergerTests.shards
        // The marker is in both shards; the first shard is also given twice.
        let files = try MergerTests.write((shards + [shards[0]]).map(JSONReporter.render), in: dir)
        let merged = try ReportMerger.merge(files: files, rules: MergerTests.rules).report
        #expect(merged.findings.filter { $0.rule == "oci-api-key-marker" }.count == 1)
        #expect(merged.findings.filter { $0.rule == "oci-config" }.count == 1)
        #expect(merged.findings.count == 4)
        // But two findings at the same place with different keys are two findings.
        let other = MergerTests.shard([HandBuilt.key("home/.oci/oci_api_key.pem", fingerprint: HandBuilt.fingerprintB)],
                                      files: 1, bytes: 1)
        let otherDir = try TemporaryDirectory()
        let more = try MergerTests.write((shards + [other]).map(JSONReporter.render), in: otherDir)
        #expect(try ReportMerger.merge(files: more, rules: MergerTests.rules).report.findings
            .filter { $0.rule == "private-key" }.count == 2)
    }

    @Test func summariesAreAddedUp() throws {
        let dir = try TemporaryDirectory()
        let files = try MergerTests.write(MergerTests.shards.map(JSONReporter.render), in: dir)
        let summary = try ReportMerger.merge(files: files, rules: MergerTests.rules).report.summary
        #expect(summary.files == 7 && summary.bytes == 3000 && summary.suppressed == 3)
        #expect(summary.skipped == [SkippedInput(path: "a-locked", reason: "permission denied"),
                                    SkippedInput(path: "z-locked", reason: "permission denied")])
        // Shards run side by side: the merged duration is the longest one.
        #expect(summary.durationMs == 70)
    }

    @Test func sarifShardsMergeToTheSameFindingsAsJSON() throws {
        let shards = MergerTests.shards
        let dir = try TemporaryDirectory()
        let json = try ReportMerger.merge(files: try MergerTests.write(shards.map(JSONReporter.render), in: dir),
                                          rules: MergerTests.rules)
        let sarif = try ReportMerger.merge(files: try MergerTests.write(shards.map { SARIFReporter.render($0, rules: MergerTests.rules) },
                                                                        in: dir, ext: "sarif"),
                                           rules: MergerTests.rules)
        #expect(sarif.kind == .sarif)
        #expect(sarif.report.findings == json.report.findings)
    }

    @Test func jsonAndSARIFTogetherAreRefused() throws {
        let dir = try TemporaryDirectory()
        let shards = MergerTests.shards
        let json = try dir.write("a.json", JSONReporter.render(shards[0]))
        let sarif = try dir.write("b.sarif", SARIFReporter.render(shards[1], rules: MergerTests.rules))
        #expect(throws: ReportMerger.Failure.mixedFormats) { try ReportMerger.merge(files: [json, sarif], rules: MergerTests.rules) }
        #expect(throws: ReportMerger.Failure.mixedFormats) { try ReportMerger.merge(files: [sarif, json], rules: MergerTests.rules) }
    }

    @Test func whatIsNotAReportIsRefused() throws {
        let dir = try TemporaryDirectory()
        let baseline = try dir.write("baseline.json", Baseline(findings: MergerTests.shards[0].findings).render())
        #expect(throws: ReportMerger.Failure.notAReport(baseline)) { try ReportMerger.merge(files: [baseline], rules: MergerTests.rules) }
        let missing = dir.file("absent.json")
        #expect(throws: ReportMerger.Failure.unreadable(missing)) { try ReportMerger.merge(files: [missing], rules: MergerTests.rules) }
        #expect(throws: ReportMerger.Failure.noReports) { try ReportMerger.merge(files: [], rules: MergerTests.rules) }
    }
}

extension RuleSet {
    /// The embedded `credential-set` rule.
    static let embeddedSetRule = try! RuleSet().derivedRules[.credentialSet]
}
