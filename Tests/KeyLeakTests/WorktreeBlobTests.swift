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
}
