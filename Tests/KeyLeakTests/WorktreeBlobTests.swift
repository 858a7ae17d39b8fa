import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

@Suite struct WorktreeBlobTests {
    /// The blob id keyleak computes is the one git computes.
    @Test func blobIDMatchesGitHashObject() throws {
        let dir = try TemporaryDirectory()
        for (name, text) in [("empty", ""), ("text", "hello\nworld\n"), ("bytes", "\u{0}\u{1}ü\r\n")] {
            try dir.write(name, text)
            let expected = String(decoding: try Shell.check("git", ["hash-object", dir.file(name)]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(WorktreeBlob.blobID(Array(text.utf8), hexLength: 40) == expected)
            #expect(WorktreeBlob.contents(top: dir.path, path: name, object: expected) == Array(text.utf8))
            #expect(WorktreeBlob.contents(top: dir.path, path: name, object: String(repeating: "0", count: 40)) == nil)
        }
    }

    /// The work tree's top is git's own answer, from any folder inside it,
    /// however the folder is spelt (`.`, `..`, a trailing slash).
    @Test func topLevelIsWhatGitSays() throws {
        let dir = try TemporaryDirectory()
        try dir.write("a/b/file", "x")
        _ = try Shell.check("git", ["-C", dir.path, "init", "-q"])
        let expected = String(decoding: try Shell.check("git", ["-C", dir.file("a/b"), "rev-parse", "--show-toplevel"]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for spelling in [dir.path, dir.file("a/b"), dir.file("a/./b/../b/"), dir.path + "/a/.."] {
            #expect(WorktreeBlob.topLevel(of: spelling).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                    == URL(fileURLWithPath: expected).resolvingSymlinksInPath().path, "\(spelling)")
        }
    }
}
