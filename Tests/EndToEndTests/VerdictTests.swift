import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A verdict you can trust: `keyleak scan` exiting 0 and `--publish` saying
/// SAFE TO SHARE mean nothing was missed (links, huge finding counts and
/// unreadable roots included).
@Suite struct VerdictTests {
    /// Runs the built binary.
    func keyleak(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments)
    }

    /// Runs the binary and decodes its JSON report (`--format json` is added).
    func report(_ arguments: [String]) throws -> (result: Shell.Result, findings: [[String: Any]], summary: [String: Any]) {
        let result = try keyleak(["scan", "--format", "json"] + arguments)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
        return (result, object["findings"] as? [[String: Any]] ?? [], object["summary"] as? [String: Any] ?? [:])
    }

    /// Runs the binary as `nobody` (permissions do not bind root), else as is.
    func keyleakUnprivileged(_ arguments: [String]) throws -> Shell.Result {
        guard getuid() == 0 else { return try Shell.run("timeout", ["30", Paths.binary] + arguments) }
        try #require(Shell.available("setpriv"))
        try Shell.check("chmod", ["755", Paths.binary])
        return try Shell.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "timeout", "30", Paths.binary] + arguments)
    }

    // MARK: symbolic links

    /// `zip -r` and sync tools follow links: a link to a key (or to a folder of
    /// keys) outside the folder publishes the key. `--publish` follows them,
    /// reports the key at the link's path and lists every link it met.
    @Test func publishFollowsLinksToKeysOutsideTheFolder() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "outside/id_rsa")
        let fp = try TestKeys.ociFingerprint(pem)
        let other = try TestKeys.generate(dir, "elsewhere/deploy.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let otherFp = try TestKeys.ociFingerprint(other)
        try dir.write("share/readme.txt", "nothing secret here\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/id_rsa"), withDestinationPath: dir.file("outside/id_rsa"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/lib"), withDestinationPath: dir.file("elsewhere"))
        // Loops back to the folder itself: detected, not walked forever.
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/again"), withDestinationPath: "../share")
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/self"), withDestinationPath: ".")

        let (result, findings, summary) = try report(["--publish", dir.file("share")])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("NOT SAFE TO SHARE"), "\(result.stderr)")
        let linked = try #require(findings.first { $0["path"] as? String == "id_rsa" }, "\(findings)")
        #expect(linked["fingerprint"] as? String == fp)
        #expect(linked["severity"] as? String == "high")
        #expect((linked["message"] as? String ?? "").contains("links to a private key outside the folder"), "\(linked)")
        #expect((linked["link"] as? [String: Any])?["path"] as? String == "id_rsa")
        let inFolder = try #require(findings.first { $0["path"] as? String == "lib/deploy.pem" }, "\(findings)")
        #expect(inFolder["fingerprint"] as? String == otherFp)
        #expect((inFolder["message"] as? String ?? "").contains("symbolic link lib"), "\(inFolder)")
        let links = (summary["links"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(Set(links) == ["again", "id_rsa", "lib", "self"], "\(summary)")

        // Text and SARIF say the same.
        let text = try keyleak(["scan", "--publish", dir.file("share")])
        #expect(text.text.contains("4 symbolic links followed"), "\(text.text)")
        #expect(text.text.contains("link id_rsa -> \(dir.file("outside/id_rsa"))"), "\(text.text)")
        let sarif = try keyleak(["scan", "--publish", "--format", "sarif", dir.file("share")])
        let runs = (try JSONSerialization.jsonObject(with: sarif.stdout) as? [String: Any])?["runs"] as? [[String: Any]]
        let properties = runs?.first?["properties"] as? [String: Any]
        #expect((properties?["links"] as? [Any])?.count == 4, "\(String(describing: properties))")
    }

    /// A dangling link is not something keyleak could check: NOT VERIFIED.
    @Test func publishListsADanglingLinkAsNotVerified() throws {
        let dir = try TemporaryDirectory()
        try dir.write("share/readme.txt", "nothing secret here\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/gone"), withDestinationPath: dir.file("nowhere/id_rsa"))
        let (result, _, summary) = try report(["--publish", dir.file("share")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("NOT VERIFIED"), "\(result.stderr)")
        let skipped = (summary["skipped"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(skipped == ["gone"], "\(summary)")
        #expect((summary["links"] as? [[String: Any]])?.first?["target"] as? String == dir.file("nowhere/id_rsa"))
    }

    /// A link to something harmless is read and listed: the verdict says how many links it covers.
    @Test func publishSaysSafeWithTheLinksItFollowed() throws {
        let dir = try TemporaryDirectory()
        try dir.write("elsewhere/notes.txt", "nothing secret here either\n")
        try dir.write("share/readme.txt", "nothing secret here\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/notes"), withDestinationPath: dir.file("elsewhere"))
        let (result, findings, summary) = try report(["--publish", dir.file("share")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(findings.isEmpty)
        #expect(summary["files"] as? Int == 2)
        #expect(result.stderr.contains("SAFE TO SHARE"), "\(result.stderr)")
        #expect(result.stderr.contains("archives and 1 symbolic link (listed in the report) included"), "\(result.stderr)")
    }

    /// Without `--publish` links are still not read, but the summary says how
    /// many were left out, so an exit 0 does not hide them.
    @Test func plainScanCountsTheLinksItDidNotFollow() throws {
        let dir = try TemporaryDirectory()
        _ = try TestKeys.rsa(dir, "outside/id_rsa")
        try dir.write("share/readme.txt", "nothing secret here\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/id_rsa"), withDestinationPath: dir.file("outside/id_rsa"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/lib"), withDestinationPath: dir.file("outside"))
        let (result, findings, summary) = try report([dir.file("share")])
        #expect(result.status == 0)
        #expect(findings.isEmpty)
        #expect(summary["links_not_followed"] as? Int == 2, "\(summary)")
        let text = try keyleak(["scan", dir.file("share")])
        #expect(text.text.contains("2 symbolic links not followed"), "\(text.text)")
    }

    // MARK: bounded findings

    /// Past the per-file cap findings are counted, not kept; one finding says
    /// how many, with the highest severity among them, so the exit code holds.
    @Test func findingsPerFileAreCappedWithoutChangingTheVerdict() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        // 1,500 lone markers (medium), then a key (high) past the cap.
        try dir.write("scan/markers.txt", String(repeating: "OCI_API_KEY\n", count: 1500) + "\n" + pem)
        let (result, findings, summary) = try report(["--fail-on", "high", dir.file("scan")])
        #expect(result.status == 1, "the key past the cap still fails the scan")
        #expect(findings.count == 1001, "\(findings.count)")
        let more = try #require(findings.first { ($0["message"] as? String ?? "").contains("more findings in this file not listed") })
        #expect((more["message"] as? String ?? "").hasPrefix("501 more findings"), "\(more)")
        #expect(more["severity"] as? String == "high")
        #expect(more["path"] as? String == "markers.txt")
        #expect(summary["findings_not_listed"] as? Int == 501, "\(summary)")

        let (_, ten, _) = try report(["--max-findings-per-file", "10", dir.file("scan")])
        #expect(ten.count == 11)
        #expect(try keyleak(["scan", "--max-findings-per-file", "0", dir.file("scan")]).status == 2)
        try dir.write("scan/.keyleak.yaml", "max-findings-per-file: 20\n")
        let (_, twenty, _) = try report([dir.file("scan")])
        #expect(twenty.count == 21)
        let text = try keyleak(["scan", dir.file("scan")])
        #expect(text.text.contains("1481 findings not listed"), "\(text.text.suffix(300))")
    }

    /// A million marker lines in one 12 MB file: bounded memory, not a million findings.
    @Test func aMillionMarkersInOneFileInBoundedMemory() throws {
        let dir = try TemporaryDirectory()
        try dir.write("markers.txt", String(repeating: "OCI_API_KEY\n", count: 1_000_000))
        let measured = try Shell.run("python3", ["-c", """
        import resource, subprocess, sys
        done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
        print("peak", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
        sys.exit(done.returncode)
        """, Paths.binary, "scan", "--format", "json", dir.path])
        #expect(measured.status == 1)
        let peak = Int(measured.stderr.split(separator: "\n").last { $0.hasPrefix("peak ") }?.dropFirst(5) ?? "") ?? Int.max
        #expect(peak < 64 * 1024, "peak RSS \(peak) KiB")
    }

    /// Findings past the cap that inline comments allow stay silenced (the
    /// cap never turns allowed lines into a failing scan); `--no-inline-allow`
    /// and `--publish` count them; a key among them is the standing finding alone.
    @Test func inlineAllowsPastTheCapStillSilence() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        let allowed = String(repeating: "# keyleak:allow\nOCI_API_KEY\n", count: 1500)
        try dir.write("scan/allowed.txt", allowed)
        let (quiet, none, quietSummary) = try report([dir.file("scan")])
        #expect(quiet.status == 0, "\(none.prefix(2))")
        #expect(none.isEmpty)
        #expect(quietSummary["suppressed"] as? Int == 1500, "\(quietSummary)")
        #expect(quietSummary["findings_not_listed"] as? Int == 0)
        let (audit, all, auditSummary) = try report(["--no-inline-allow", dir.file("scan")])
        #expect(audit.status == 1)
        #expect(all.count == 1001)
        #expect(auditSummary["findings_not_listed"] as? Int == 500, "\(auditSummary)")

        try dir.write("scan/allowed.txt", allowed + "\n" + pem)
        let (mixed, rest, mixedSummary) = try report(["--fail-on", "high", dir.file("scan")])
        #expect(mixed.status == 1)
        let standing = try #require(rest.first, "\(mixedSummary)")
        #expect(rest.count == 1)
        #expect((standing["message"] as? String ?? "").hasPrefix("1 more finding in this file not listed"), "\(standing)")
        #expect(standing["severity"] as? String == "high")
        #expect(mixedSummary["suppressed"] as? Int == 1500)
        #expect(mixedSummary["findings_not_listed"] as? Int == 1)
        let (_, _, published) = try report(["--publish", dir.file("scan")])
        #expect(published["inline_allows_ignored"] as? Int == 1500, "\(published)")
    }

    /// The standing finding and the link facts survive `keyleak merge` (JSON
    /// and SARIF): merged, the report is the scan's, word for word.
    @Test(arguments: ["json", "sarif"])
    func capAndLinksSurviveMerge(format: String) throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "outside/id_rsa")
        try dir.write("outside/markers.txt", String(repeating: "OCI_API_KEY\n", count: 30) + "\n" + pem)
        try dir.write("share/readme.txt", "nothing secret here\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/id_rsa"), withDestinationPath: dir.file("outside/id_rsa"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("share/lib"), withDestinationPath: dir.file("outside"))
        let scanned = try keyleak(["scan", "--publish", "--max-findings-per-file", "10", "--format", format, dir.file("share")])
        #expect(scanned.status == 1)
        let file = try dir.write("report.\(format)", scanned.stdout)
        let merged = try keyleak(["merge", file])
        #expect(merged.status == 1, "\(merged.stderr)")
        #expect(try ShardMergeTests.normalized(merged.stdout) == ShardMergeTests.normalized(scanned.stdout))
        let text = String(decoding: merged.stdout, as: UTF8.self)
        #expect(text.contains("21 more findings in this file not listed"), "\(text)")
        #expect(text.contains("reached through the symbolic link lib -> \(dir.file("outside"))"), "\(text)")
        #expect(text.contains("links to a private key outside the folder (\(dir.file("outside/id_rsa")))"), "\(text)")
    }

    /// A baseline written with the cap takes the standing finding; allowed
    /// fingerprints silence the findings it stands for.
    @Test func capWithBaselineAndAllowedFingerprints() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen.pem")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        try FileManager.default.removeItem(atPath: dir.file("gen.pem"))
        try dir.write("scan/keys.txt", Array(repeating: pem, count: 5).joined(separator: "\n"))
        let (before, listed, _) = try report(["--max-findings-per-file", "2", dir.file("scan")])
        #expect(before.status == 1)
        #expect(listed.count == 3)
        let baseline = dir.file("baseline.json")
        #expect(try keyleak(["scan", "--max-findings-per-file", "2", "--write-baseline", baseline, dir.file("scan")]).status == 0)
        let (after, left, afterSummary) = try report(["--max-findings-per-file", "2", "--baseline", baseline, dir.file("scan")])
        #expect(after.status == 0, "\(left)")
        #expect(afterSummary["baselined"] as? Int == 5, "\(afterSummary)")
        try dir.write("scan/.keyleak.yaml", """
            allow:
              fingerprints:
                - fingerprint: "\(fingerprint)"
                  reason: test fixture
            """)
        let (allowed, kept, allowedSummary) = try report(["--max-findings-per-file", "2", dir.file("scan")])
        #expect(allowed.status == 0, "\(kept)")
        #expect(allowedSummary["allowed"] as? Int == 5, "\(allowedSummary)")
    }

    // MARK: roots that cannot be read

    /// Any root that cannot be read, file or directory, makes the scan
    /// impossible (exit 2, one line naming it); FIFOs and sockets never hang.
    @Test func unreadableRootsExitTwo() throws {
        let dir = try TemporaryDirectory()
        try Shell.check("chmod", ["755", dir.path])
        let file = try dir.write("locked.txt", "x")
        try dir.write("closed/inside.txt", "x")
        try Shell.check("chmod", ["000", file, dir.file("closed")])
        for root in [file, dir.file("closed")] {
            for extra in [[], ["--publish"]] {
                let result = try keyleakUnprivileged(["scan"] + extra + [root])
                #expect(result.status == 2, "\(root) \(extra): \(result.status) \(result.stderr)")
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].contains(root), "\(result.stderr)")
            }
        }
        try Shell.check("mkfifo", [dir.file("fifo")])
        try Shell.check("python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", dir.file("socket")])
        for root in [dir.file("fifo"), dir.file("socket")] {
            let result = try Shell.run("timeout", ["30", Paths.binary, "scan", root])
            #expect(result.status == 2, "\(root): \(result.status)")
            #expect(result.stderr.contains(root))
        }
    }
}
