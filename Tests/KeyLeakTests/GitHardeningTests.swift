import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakRuleFile
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// Units of the hostile-repository hardening: the reversible path form, git's
/// environment and range checks, tree walks, the config's trust boundary and
/// error texts that quote nothing.
@Suite struct GitHardeningTests {
    // MARK: Paths

    @Test func validUTF8PathsAreTheirOwnTextBackslashesIncluded() {
        #expect(PathBytes.display(Array("dir\\sub \"q\".pem".utf8)) == "dir\\sub \"q\".pem")
        #expect(PathBytes.display(Array("C:\\xyz\\key.pem".utf8)) == "C:\\xyz\\key.pem", "\\xy is no escape: kept")
        #expect(PathBytes.display(Array("tab\there".utf8)) == "tab\there")
        #expect(PathBytes.display([0x63, 0x61, 0x66, 0xe9]) == "caf\\xe9")
        // A name that would read as an escape is escaped whole, so it reads back.
        #expect(PathBytes.display(Array("a\\x41".utf8)) == "a\\x5cx41")
        // Invalid bytes and a backslash in one name.
        #expect(PathBytes.display([0x5c, 0xff]) == "\\x5c\\xff")
    }

    @Test func thePathFormGivesTheExactBytesBack() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x5c, 0x78, 0x34, 0x31, 0x61, 0x2f, 0x0a, 0xc3, 0xa9, 0xe9, 0xff, 0x80, 0x20, 0x22, 0x46]
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let shown = PathBytes.display(bytes)
            #expect(PathBytes.bytes(shown) == bytes, "\(bytes) shown as \(shown)")
            if let text = String(validating: bytes, as: UTF8.self), !text.contains("\\x") {
                #expect(shown == text, "valid UTF-8 is shown as it is")
            }
        }
    }

    @Test func sarifURIsPercentEncodeTheRealBytes() {
        #expect(SARIFReporter.uri("dir\\sub \"q\".pem") == "dir%5Csub%20%22q%22.pem")
        #expect(SARIFReporter.uri(PathBytes.display([0x63, 0x61, 0x66, 0xe9])) == "caf%E9")
        #expect(SARIFReporter.uri("é/a.zip!m.pem") == "%C3%A9/a.zip!m.pem")
        #expect(SARIFReporter.uri("a:b%c") == "a%3Ab%25c")
    }

    // MARK: git

    @Test func rangesThatCouldBeOptionsAreRefused() {
        for range in ["-n1", "--output=/tmp/x", "--not", "", "a\nb", "a\u{0}b"] {
            #expect(throws: InputError.self, "\(range.debugDescription)") { try GitRange.validate(revision: range) }
        }
        for range in ["main", "a..b", "origin/main...HEAD", "v1.0^!", "HEAD~3..HEAD"] {
            #expect(throws: Never.self) { try GitRange.validate(revision: range) }
        }
        #expect("\(InputError.invalidRange("--not"))".contains("never begins with '-'"))
    }

    @Test func everyGitChildRunsWithoutReplaceRefsOrGrafts() throws {
        #expect(GitCommand.environment.contains("GIT_NO_REPLACE_OBJECTS=1"))
        #expect(GitCommand.environment.contains { $0.hasPrefix("GIT_GRAFT_FILE=/dev/null/") })
        let printed = try ChildProcess(["sh", "-c", "echo $GIT_NO_REPLACE_OBJECTS"], stdin: false, environment: GitCommand.environment)
        #expect(String(decoding: ChildProcess.readAll(printed.output), as: UTF8.self) == "1\n")
        #expect(printed.wait() == 0)
    }

    @Test func theTreeWalkerFindsEveryPathOfABlobReadingSharedTreesOnce() throws {
        let dir = try TemporaryDirectory()
        @discardableResult
        func git(_ arguments: String...) throws -> String {
            String(decoding: try Shell.check("git", ["-C", dir.path] + arguments), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try git("init", "-q", "-b", "main")
        try dir.write("a/x.txt", "same\n")
        try dir.write("b/c/y.txt", "same\n")
        try dir.write("z.txt", "other\n")
        try git("add", "-A")
        try git("-c", "user.name=A", "-c", "user.email=a@b", "commit", "-q", "-m", "one")
        let blob = try git("rev-parse", "HEAD:a/x.txt")
        let walker = try GitTreeWalker(directory: dir.path, wanted: [blob])
        let found = try walker.blobs(in: "HEAD")
        #expect(found.map { String(decoding: $0.path, as: UTF8.self) } == ["a/x.txt", "b/c/y.txt"])
        #expect(found.allSatisfy { $0.object == blob })
        let source = GitSource(directory: dir.path)
        #expect(source.tipPaths(of: [blob], range: nil)[blob]?.map(\.ref) == ["refs/heads/main", "refs/heads/main"])
        #expect(source.tips(range: nil).map(\.name) == ["refs/heads/main"], "HEAD at the same commit adds nothing")
        let revisions = try source.revisions(of: "HEAD^!")
        #expect(revisions.included.map(\.name) == ["HEAD"] && revisions.excluded.isEmpty, "a root commit excludes nothing")
    }

    @Test func introductionsReadNamesGitWouldQuote() throws {
        let dir = try TemporaryDirectory()
        try Shell.check("git", ["-C", dir.path, "init", "-q", "-b", "main"])
        let name = "q \"uo\\te\"\nd.txt"
        try dir.write(name, "content\n")
        try Shell.check("git", ["-C", dir.path, "add", "-A"])
        try Shell.check("git", ["-C", dir.path, "-c", "user.name=A", "-c", "user.email=a@b", "commit", "-q", "-m", "one"])
        let blob = String(decoding: try Shell.check("git", ["-C", dir.path, "hash-object", dir.file(name)]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let source = GitSource(directory: dir.path)
        #expect(source.introductions(of: [blob], range: nil)[blob]?.path == name)
        #expect(source.lastChange(of: name, range: "HEAD")?.object == blob)
    }

    // MARK: Config and the files it names

    @Test func configEntriesKeepTheirLines() throws {
        let config = try ConfigFile.parse(Data("fail-on: low\nknown-keys:\n  - a.json\n  - ../b.json\nrules:\n  extra: [r]\n".utf8),
                                          name: "HEAD:.keyleak.yaml", folder: "")
        #expect(config.knownKeys == ["a.json", "../b.json"])
        #expect(config.referenceLines["a.json"] == 3 && config.referenceLines["../b.json"] == 4 && config.referenceLines["r"] == 6)
    }

    @Test func parseErrorsNameTheLineAndQuoteNothing() {
        let secret = "tok_\(UUID().uuidString.prefix(8))"
        for text in ["a: [\n  \(secret): {\n", "fail-on: \(secret)\n", "paths: \(secret)\n", "\(secret) \(secret): [\n"] {
            do {
                _ = try ConfigFile.parse(Data(text.utf8), name: "c.yaml", folder: "")
                Issue.record("\(text) parsed")
            } catch {
                #expect(!"\(error)".contains(secret), "\(error)")
                #expect("\(error)".hasPrefix("c.yaml:"), "\(error)")
            }
        }
        do {
            _ = try Rule.rules(yaml: "rules:\n  - id: x\n    severity: \(secret)\n", file: "r.yaml")
            Issue.record("parsed")
        } catch {
            #expect(!"\(error)".contains(secret), "\(error)")
        }
        #expect(YAMLProblem.quoted(key: "colour") == "'colour'")
        #expect(YAMLProblem.quoted(key: "AKIA/abc+def=") == "a key")
    }

    @Test func knownKeysErrorsGiveTheLineNotTheText() {
        let secret = "PASSWORD=\(UUID().uuidString)"
        do {
            _ = try KnownKeys(files: [], contents: [("env", Data("# ok\n\(secret)\n".utf8))])
            Issue.record("loaded")
        } catch let error as AnalysisError {
            #expect(error.line == 2)
            #expect("\(error)".hasPrefix("env:2: invalid known-keys file"))
            #expect(!"\(error)".contains(secret))
        } catch {
            Issue.record("\(error)")
        }
        do {
            _ = try KnownKeys(files: [], contents: [("j", Data("{\"data\": [\(secret)]}".utf8))])
            Issue.record("loaded")
        } catch {
            #expect(!"\(error)".contains(secret), "\(error)")
        }
    }

    // MARK: Reports

    @Test func pathsAndConfigChangesSurviveJSON() throws {
        var finding = Finding(rule: "private-key", analyzer: .pem, severity: .high, path: "a\\b.pem", line: 1, column: 1, endLine: 2,
                              commit: "abc", preview: "-----BEGIN")
        finding.paths = [RefPath(path: "new\\b.pem", ref: "refs/heads/main"), RefPath(path: "caf\\xe9", ref: "HEAD")]
        var change = Finding(rule: "keyleak-config-change", analyzer: .configChange, severity: .low, path: ".keyleak.yaml", preview: "")
        change.configChange = ConfigChangeFacts(kind: .modified, base: "origin/main", requests: ["paths.ignore: **"])
        for original in [finding, change] {
            let text = JSONWriter.render(FindingJSON.value(original))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let back = try #require(FindingJSON.finding(object, analyzer: { $0 == "private-key" ? .pem : nil }))
            #expect(back.paths == original.paths)
            #expect(back.configChange == original.configChange)
            #expect(back.analyzer == original.analyzer)
            #expect(back.path == original.path)
        }
        let message = Policy(rules: []).message(change)
        #expect(message.contains("not obeyed") && message.contains("origin/main") && message.contains("paths.ignore: **"), "\(message)")
    }

    @Test func summariesSayWhatWasLeftOutInEveryFormat() throws {
        var summary = ScanSummary()
        summary.ignoredByConfig = 3
        summary.disabledRules = ["oci-config"]
        summary.incompleteHistory = "shallow clone: …"
        let report = ScanReport(findings: [], summary: summary)
        let json = JSONReporter.render(report)
        #expect(json.contains("\"ignored_by_config\": 3") && json.contains("\"disabled_rules\": [\n      \"oci-config\"")
                && json.contains("\"incomplete_history\": \"shallow clone: …\""), "\(json)")
        let sarif = SARIFReporter.render(report, rules: [])
        #expect(sarif.contains("\"ignored_by_config\": 3") && sarif.contains("\"incomplete_history\""))
        let text = TextReporter(color: false).render(report)
        #expect(text.contains("3 paths ignored by config") && text.contains("rules disabled by config: oci-config")
                && text.contains("incomplete history: shallow clone"), "\(text)")
        let filter = PathFilter(["vendor/**"])
        #expect(filter.ignores("vendor/a") && !filter.ignores("src/a") && filter.ignores("x/vendor/b") == false)
        #expect(filter.ignoredCount == 1)
    }
}
