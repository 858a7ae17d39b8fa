import Foundation
import Testing
import TestSupport

/// `keyleak version` and `keyleak --version`: the facts a bug report needs,
/// as the linked libraries report themselves.
@Suite struct VersionTests {
    func keyleak(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments)
    }

    @Test func versionNamesEveryLibraryAndThePrefilter() throws {
        let result = try keyleak(["version"])
        #expect(result.status == 0)
        let lines = result.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("keyleak ") == true)
        for name in ["commit", "platform", "OpenSSL", "PCRE2", "libarchive", "Vectorscan", "prefilter"] {
            #expect(lines.contains { $0.hasPrefix(name + " ") }, "no \(name) line in \(result.text)")
        }
        // `--version` says the same.
        let flag = try keyleak(["--version"])
        #expect(flag.status == 0)
        #expect(flag.text == result.text)
    }

    @Test func jsonAgreesWithTheLibrariesOnThisMachine() throws {
        let result = try keyleak(["version", "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        for field in ["version", "commit", "platform", "openssl", "openssl_modules", "pcre2", "pcre2_jit",
                      "pcre2_jit_in_use", "libarchive", "libarchive_compressors", "vectorscan", "prefilter"] {
            #expect(object.keys.contains(field), "missing \(field)")
        }
        let text = try keyleak(["version"]).text
        #expect(text.hasPrefix("keyleak \(object["version"] as? String ?? "?")\n"))
        // The binary the tests run was built by `swift build` (or scripts/package, which says its commit).
        if let commit = object["commit"] as? String {
            #expect(commit.range(of: "^[0-9a-f]{40}(-dirty)?$", options: .regularExpression) != nil, "\(commit)")
        } else {
            #expect(text.contains("\ncommit     unknown\n"))
        }
        // The libraries say the versions their own tools and pkg-config say.
        let openssl = String(decoding: try Shell.check("openssl", ["version"]), as: UTF8.self)
        #expect(openssl.hasPrefix("OpenSSL \(object["openssl"] as? String ?? "?")"), "\(openssl)")
        for (field, module) in [("pcre2", "libpcre2-8"), ("libarchive", "libarchive"), ("vectorscan", "libhs")] {
            let version = String(decoding: try Shell.check("pkg-config", ["--modversion", module]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect((object[field] as? String)?.hasPrefix(version) == true, "\(field): \(object[field] ?? "nil") vs \(version)")
        }
        #expect((object["libarchive_compressors"] as? String)?.contains("zlib/") == true)
        #expect(object["pcre2_jit_in_use"] as? Bool == true)
        let prefilter = try #require(object["prefilter"] as? String)
        // The same engine `rules check` reports.
        let check = try keyleak(["rules", "check"]).text
        #expect(check.hasSuffix("prefilter: \(prefilter)\n"), "\(check) vs \(prefilter)")
    }

    @Test func versionRejectsAnUnknownFormat() throws {
        let result = try keyleak(["version", "--format", "xml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("xml"))
    }
}
