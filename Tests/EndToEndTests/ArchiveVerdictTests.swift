import Foundation
import Testing
import TestSupport

/// The share verdict over archives: every member is scanned or listed as
/// skipped with its reason, so `scan --publish` never says SAFE TO SHARE
/// about bytes it did not read.
@Suite struct ArchiveVerdictTests {
    /// The parts of the JSON report these tests read.
    struct Report: Decodable {
        /// One finding: where it is and which key.
        struct Finding: Decodable {
            var path: String
            var fingerprint: String?
        }
        /// One input that was not scanned (whole or in part), and why.
        struct Skipped: Decodable { var path: String; var reason: String }
        /// Counts and the skipped inputs.
        struct Summary: Decodable { var files: Int; var skipped: [Skipped] }
        var findings: [Finding]
        var summary: Summary

        /// Finding paths, as a set.
        var paths: Set<String> { Set(findings.map(\.path)) }
        /// Skip reasons by path (the first one for a path listed twice).
        var skipped: [String: String] {
            Dictionary(summary.skipped.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Runs `keyleak scan --format json` with `arguments`.
    func scan(_ arguments: [String]) throws -> (Shell.Result, Report) {
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json"] + arguments)
        return (result, try JSONDecoder().decode(Report.self, from: result.stdout))
    }

    /// Generates an RSA key into `dir/work/key.pem`; returns its OCI fingerprint.
    func makeKey(_ dir: TemporaryDirectory) throws -> String {
        try TestKeys.ociFingerprint(try TestKeys.rsa(dir, "work/key.pem"))
    }

    /// Runs a Python script with the directory as `d` and the key's bytes as `key`
    /// (the standard library builds the archives), then deletes the key.
    func python(_ dir: TemporaryDirectory, _ body: String) throws {
        let script = """
        import bz2, gzip, io, lzma, os, sys, tarfile, zipfile
        d = sys.argv[1]; key = open(os.path.join(d, "work/key.pem"), "rb").read()
        def path(name):
            p = os.path.join(d, name); os.makedirs(os.path.dirname(p), exist_ok=True); return p
        def zipped(members):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in members: z.writestr(name, data)
            return buf.getvalue()
        def tarred(members, mode="w:gz"):
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode=mode) as t:
                for name, data in members:
                    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
            return buf.getvalue()
        \(body)
        os.remove(os.path.join(d, "work/key.pem"))
        """
        try Shell.check("python3", ["-c", script, dir.path])
    }

    // MARK: 1. a compressed stream is scanned whatever its first bytes are

    @Test func compressedStreamsThatBeginWithZerosAreScanned() throws {
        let dir = try TemporaryDirectory()
        let fp = try makeKey(dir)
        // NOTE: 512 zero bytes are an empty tar archive's end mark, so libarchive's
        // tar reader outbids the raw one and reads "no members" from such a stream.
        try python(dir, """
        for n in (1024, 4096, 1 << 20):
            data = b"\\0" * n + key
            open(path(f"share/disk-{n}.img.gz"), "wb").write(gzip.compress(data))
            open(path(f"share/disk-{n}.img.xz"), "wb").write(lzma.compress(data))
            open(path(f"share/disk-{n}.img.bz2"), "wb").write(bz2.compress(data))
        open(path("share/outer.zip"), "wb").write(zipped([("disk.img.gz", gzip.compress(b"\\0" * 4096 + key))]))
        open(path("share/backup.tar.gz"), "wb").write(tarred([("etc/key.pem", key)]))
        open(path("empty/empty.tar.gz"), "wb").write(tarred([]))
        """)
        let (result, report) = try scan(["--publish", dir.file("share")])
        var expected: Set<String> = ["outer.zip!disk.img.gz!disk.img", "backup.tar.gz!etc/key.pem"]
        for n in [1024, 4096, 1 << 20] {
            for suffix in ["gz", "xz", "bz2"] { expected.insert("disk-\(n).img.\(suffix)!disk-\(n).img") }
        }
        #expect(report.paths == expected, "\(report.paths.symmetricDifference(expected))")
        #expect(report.findings.allSatisfy { $0.fingerprint == fp })
        #expect(report.summary.skipped.isEmpty, "\(report.skipped)")
        #expect(result.status == 1)
        #expect(result.stderr.contains("NOT SAFE TO SHARE"), "\(result.stderr)")

        // An empty tar.gz is read (as the zeros it holds) and is no finding.
        let (emptyResult, empty) = try scan(["--publish", dir.file("empty")])
        #expect(empty.findings.isEmpty && empty.summary.skipped.isEmpty, "\(empty.findings) \(empty.skipped)")
        #expect(emptyResult.status == 0)
        #expect(emptyResult.stderr.contains("SAFE TO SHARE"), "\(emptyResult.stderr)")
    }

    // MARK: 2. a refused member skips that member only

    @Test func aRefusedMemberSkipsThatMemberOnly() throws {
        let dir = try TemporaryDirectory()
        let fp = try makeKey(dir)
        // 64 MiB of zeros expand far past 100:1: each is refused as a bomb.
        try python(dir, """
        zeros = b"\\0" * (64 << 20)
        open(path("share/a.zip"), "wb").write(zipped([("zeros.bin", zeros), ("key.pem", key)]))
        open(path("share/b.tar.gz"), "wb").write(tarred([("zeros.bin", zeros), ("key.pem", key)]))
        inner = zipped([("zeros.bin", zeros), ("key.pem", key)])
        open(path("share/c.zip"), "wb").write(zipped([("inner.zip", inner), ("after.pem", key)]))
        open(path("share/d.tar.gz"), "wb").write(tarred([("inner.tar.gz", tarred([("zeros.bin", zeros), ("key.pem", key)])),
                                                        ("after.pem", key)]))
        """)
        let (plain, report) = try scan([dir.file("share")])
        let expected: Set<String> = ["a.zip!key.pem", "b.tar.gz!key.pem", "c.zip!inner.zip!key.pem", "c.zip!after.pem",
                                     "d.tar.gz!inner.tar.gz!key.pem", "d.tar.gz!after.pem"]
        #expect(report.paths == expected, "\(report.paths.symmetricDifference(expected))")
        #expect(report.findings.allSatisfy { $0.fingerprint == fp })
        let bombs = ["a.zip!zeros.bin", "b.tar.gz!zeros.bin", "c.zip!inner.zip!zeros.bin", "d.tar.gz!inner.tar.gz!zeros.bin"]
        #expect(Set(report.summary.skipped.map(\.path)) == Set(bombs), "\(report.skipped)")
        for bomb in bombs { #expect(report.skipped[bomb]?.contains("bomb") == true, "\(bomb): \(report.skipped)") }
        #expect(plain.status == 1)
    }

    // MARK: 3. 7z, ar, cpio and the other compressions libarchive reads are opened

    @Test func sevenZipArCpioAndOtherCompressionsAreOpened() throws {
        try #require(Shell.available("bsdtar"), "bsdtar (libarchive-tools) writes the archives: scripts/install-deps.sh --tests")
        let dir = try TemporaryDirectory()
        let fp = try makeKey(dir)
        let work = dir.file("work")
        try FileManager.default.createDirectory(atPath: dir.file("share"), withIntermediateDirectories: true)
        func bsdtar(_ out: String, _ options: [String], _ member: String = "key.pem") throws {
            try Shell.check("bsdtar", ["-cf", dir.file("share/" + out)] + options + [member], cwd: work)
        }
        try bsdtar("x.7z", ["--format", "7zip"])
        try bsdtar("x.a", ["--format", "ar"])
        try bsdtar("newc.cpio", ["--format", "newc"])
        try bsdtar("odc.cpio", ["--format", "odc"])
        try bsdtar("bin.cpio", ["--format", "bin"])
        try bsdtar("key.pem.zst", ["--format", "raw", "--zstd"])
        try bsdtar("key.pem.lz4", ["--format", "raw", "--lz4"])
        try bsdtar("key.pem.lz", ["--format", "raw", "--lzip"])
        try bsdtar("key.pem.lzma", ["--format", "raw", "--lzma"])
        try bsdtar("key.pem.Z", ["--format", "raw", "-Z"])
        // A .deb is an ar archive holding tar.xz members.
        try Shell.check("mkdir", ["-p", dir.file("deb/etc")])
        try Shell.check("cp", [dir.file("work/key.pem"), dir.file("deb/etc/key.pem")])
        try Shell.check("bsdtar", ["-cJf", dir.file("work/data.tar.xz"), "etc/key.pem"], cwd: dir.file("deb"))
        try bsdtar("tool.deb", ["--format", "ar"], "data.tar.xz")
        // binutils' ar writes modes without a file type (when it is there: bsdtar's ar above is the one required).
        let gnuAr = Shell.available("ar")
        if gnuAr { try Shell.check("ar", ["rc", dir.file("share/gnu.a"), "key.pem"], cwd: work) }
        try Shell.check("rm", ["-r", dir.file("work/key.pem"), dir.file("deb")])

        let (result, report) = try scan(["--publish", dir.file("share")])
        var expected: Set<String> = ["x.7z!key.pem", "x.a!key.pem", "newc.cpio!key.pem", "odc.cpio!key.pem", "bin.cpio!key.pem",
                                     "key.pem.zst!key.pem", "key.pem.lz4!key.pem", "key.pem.lz!key.pem",
                                     "key.pem.lzma!key.pem", "key.pem.Z!key.pem", "tool.deb!data.tar.xz!etc/key.pem"]
        if gnuAr { expected.insert("gnu.a!key.pem") }
        #expect(report.paths == expected, "\(report.paths.symmetricDifference(expected))")
        #expect(report.findings.allSatisfy { $0.fingerprint == fp })
        #expect(report.summary.skipped.isEmpty, "\(report.skipped)")
        #expect(result.status == 1)
    }

    // MARK: 4. every skip inside an archive makes the share verdict NOT VERIFIED

    @Test func skipsInsideArchivesMakePublishNotVerified() throws {
        let dir = try TemporaryDirectory()
        _ = try makeKey(dir)
        try python(dir, """
        open(path("bomb/bomb.zip"), "wb").write(zipped([("zeros.bin", b"\\0" * (64 << 20))]))
        # Sniffed as 7z and ar, but not archives libarchive can read.
        open(path("bad7z/bad.7z"), "wb").write(bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) + os.urandom(200))
        open(path("badar/bad.a"), "wb").write(b"!<arch>\\n" + os.urandom(200))
        # A zero-led stream cut short: the zeros decompress, the rest is gone.
        stream = gzip.compress(b"\\0" * (1 << 20) + key)
        open(path("cut/disk.img.gz"), "wb").write(stream[:200])
        """)
        for (folder, skippedPath) in [("bomb", "bomb.zip!zeros.bin"), ("bad7z", "bad.7z"), ("badar", "bad.a"),
                                      ("cut", "disk.img.gz!disk.img")] {
            let (result, report) = try scan(["--publish", dir.file(folder)])
            #expect(report.findings.isEmpty)
            #expect(report.skipped[skippedPath] != nil, "\(folder): \(report.skipped)")
            #expect(result.status == 1, "\(folder)")
            #expect(result.stderr.contains("NOT VERIFIED"), "\(folder): \(result.stderr)")
            #expect(!result.stderr.contains("SAFE TO SHARE:"), "\(folder): \(result.stderr)")
        }
    }
}
