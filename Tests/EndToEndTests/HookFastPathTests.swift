import Foundation
import Testing
import TestSupport

/// The pre-commit hook's command line (`scan --staged` with `--quiet`,
/// `--fail-on`, `--repo`) skips ArgumentParser; it must behave exactly as the
/// same scan read by ArgumentParser (forced here with `--format text`).
@Suite struct HookFastPathTests {
    /// `text` without the timing at the end of the summary line.
    static func withoutTiming(_ text: String) -> String {
        text.replacingOccurrences(of: #", [0-9]+ ms"#, with: "", options: .regularExpression)
    }

    @Test func theFastPathAgreesWithTheParsedCommand() throws {
        let repo = try TestRepository()
        try repo.dir.write("README.md", "hello\n")
        try repo.commitAll("readme")
        _ = try TestKeys.rsa(repo.dir, "deploy/key.pem")
        try repo.git("add", "deploy/key.pem")
        let elsewhere = try TemporaryDirectory()
        for (fast, parsed, status) in [
            (["scan", "--staged"], ["scan", "--staged", "--format", "text"], Int32(1)),
            (["scan", "--staged", "--fail-on", "critical"], ["scan", "--fail-on=critical", "--format", "text", "--staged"], 0),
            (["scan", "--quiet", "--staged", "--fail-on=high"], ["scan", "--staged", "--quiet", "--fail-on", "high", "--format", "text"], 1),
        ] {
            let a = try repo.keyleak(fast), b = try repo.keyleak(parsed)
            #expect(a.status == status && b.status == status, "\(fast): \(a.status) \(b.status) \(a.stderr)")
            #expect(Self.withoutTiming(a.text) == Self.withoutTiming(b.text), "\(fast)")
            #expect(Self.withoutTiming(a.stderr) == Self.withoutTiming(b.stderr), "\(fast)")
            #expect(a.text.contains("deploy/key.pem"))
        }
        let other = try Shell.run(Paths.binary, ["scan", "--staged", "--repo", repo.path], cwd: elsewhere.path)
        #expect(other.status == 1 && other.text.contains("deploy/key.pem"), "--repo DIR on the fast path: \(other.stderr)")
        // Anything else goes to ArgumentParser, with its errors (exit 2).
        for wrong in [["scan", "--staged", "--fail-on", "bogus"], ["scan", "--staged", "--git"], ["scan", "--staged", "extra"]] {
            let result = try repo.keyleak(wrong)
            #expect(result.status == 2, "\(wrong): \(result.stderr)")
        }
    }
}
