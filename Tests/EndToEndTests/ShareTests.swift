import Foundation
import Testing
import TestSupport

/// Checking a folder before it is shared: archives, binary key containers,
/// a copied `.oci` folder and the `--publish` verdict.
@Suite struct ShareTests {
    struct Report: Decodable {
        struct Finding: Decodable {
            var rule: String
            var path: String
            var severity: String
            var fingerprint: String?
            var related: [[String: AnyCodableValue]]?
        }
        struct Skipped: Decodable { var path: String; var reason: String }
        struct Summary: Decodable { var skipped: [Skipped] }
        var findings: [Finding]
        var summary: Summary
    }

    /// Accepts any JSON value (the related entries are checked by count only).
    struct AnyCodableValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    func scan(_ arguments: [String]) throws -> (Shell.Result, Report) {
        let result = try Shell.run(Paths.binary, ["scan", "--format", "json"] + arguments)
        return (result, try JSONDecoder().decode(Report.self, from: result.stdout))
    }

    @Test func keysInsideArchivesAreNamedByMemberPath() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "work/key.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        // Archives built with Python's standard library: zip, jar, tar.gz, gzip, nested, a bomb, a corrupt one.
        let script = """
        import gzip, io, os, sys, tarfile, zipfile
        d = sys.argv[1]; key = open(os.path.join(d, "work/key.pem"), "rb").read()
        os.makedirs(os.path.join(d, "share"))
        def zipped(path, members):
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in members: z.writestr(name, data)
        zipped(os.path.join(d, "share/project.zip"), [("src/readme.txt", b"hello"), ("deploy/key.pem", key)])
        zipped(os.path.join(d, "share/app.jar"), [("META-INF/keys/id.pem", key)])
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as t:
            info = tarfile.TarInfo("etc/key.pem"); info.size = len(key); t.addfile(info, io.BytesIO(key))
        open(os.path.join(d, "share/backup.tar.gz"), "wb").write(buf.getvalue())
        open(os.path.join(d, "share/key.pem.gz"), "wb").write(gzip.compress(key))
        inner = io.BytesIO(); zipped(inner, [("inner/key.pem", key)])
        zipped(os.path.join(d, "share/outer.zip"), [("middle.zip", inner.getvalue())])
        zipped(os.path.join(d, "share/bomb.zip"), [("zeros.bin", b"\\0" * (400 << 20))])
        open(os.path.join(d, "share/corrupt.zip"), "wb").write(b"PK\\x03\\x04" + os.urandom(64))
        os.remove(os.path.join(d, "work/key.pem"))
        """
        try Shell.check("python3", ["-c", script, dir.path])
        let (result, report) = try scan([dir.file("share")])
        #expect(result.status == 1)
        let paths = Set(report.findings.map(\.path))
        #expect(paths == ["project.zip!deploy/key.pem", "app.jar!META-INF/keys/id.pem", "backup.tar.gz!etc/key.pem",
                          "key.pem.gz!key.pem", "outer.zip!middle.zip!inner/key.pem"], "\(paths)")
        #expect(report.findings.allSatisfy { $0.fingerprint == fp })
        let skipped = Dictionary(report.summary.skipped.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(skipped["bomb.zip!zeros.bin"]?.contains("bomb") == true, "\(skipped)")
        #expect(skipped["corrupt.zip"] != nil, "\(skipped)")
        // Nesting deeper than allowed is not opened, and says so.
        let (_, shallow) = try scan(["--max-archive-depth", "1", dir.file("share")])
        #expect(!shallow.findings.contains { $0.path.hasPrefix("outer.zip!middle.zip!") })
        #expect(shallow.summary.skipped.contains { $0.path == "outer.zip!middle.zip" })
        let (_, off) = try scan(["--no-archives", dir.file("share")])
        #expect(off.findings.isEmpty)
    }

    @Test func binaryKeysAndContainers() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "gen/key.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        let key = dir.file("gen/key.pem")
        try Shell.check("mkdir", ["-p", dir.file("bin")])
        try Shell.check("openssl", ["pkey", "-in", key, "-outform", "DER", "-out", dir.file("bin/key.der")])
        try Shell.check("openssl", ["pkcs8", "-topk8", "-in", key, "-outform", "DER", "-v2", "aes256", "-passout", "pass:x", "-out", dir.file("bin/key-enc.der")])
        try Shell.check("openssl", ["req", "-x509", "-key", key, "-subj", "/CN=test", "-days", "1", "-out", dir.file("gen/cert.pem")])
        try Shell.check("openssl", ["x509", "-in", dir.file("gen/cert.pem"), "-outform", "DER", "-out", dir.file("bin/cert.der")])
        try Shell.check("openssl", ["pkcs12", "-export", "-inkey", key, "-in", dir.file("gen/cert.pem"), "-passout", "pass:", "-out", dir.file("bin/open.p12")])
        try Shell.check("openssl", ["pkcs12", "-export", "-inkey", key, "-in", dir.file("gen/cert.pem"), "-passout", "pass:s3cret", "-out", dir.file("bin/locked.pfx")])
        try dir.write("bin/store.jks", Data([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1]))
        let (_, report) = try scan([dir.file("bin")])
        let byPath = Dictionary(report.findings.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["key.der"]?.fingerprint == fp && byPath["key.der"]?.rule == "binary-private-key")
        #expect(byPath["key-enc.der"]?.severity == "medium")
        #expect(byPath["open.p12"]?.fingerprint == fp && byPath["open.p12"]?.rule == "pkcs12-container")
        #expect(byPath["locked.pfx"]?.rule == "pkcs12-container" && byPath["locked.pfx"]?.fingerprint == nil)
        #expect(byPath["store.jks"]?.rule == "java-keystore")
        #expect(byPath["cert.der"] == nil, "a certificate is not a key")
    }

    @Test func copiedOCIFolderIsOneCredentialSetAndPublishSaysSo() throws {
        let dir = try TemporaryDirectory()
        let pem = try TestKeys.rsa(dir, "bundle/home/.oci/oci_api_key.pem")
        let fp = try TestKeys.ociFingerprint(pem)
        try dir.write("bundle/home/.oci/config", "[DEFAULT]\nuser=ocid1.user.oc1..aaaauser\ntenancy=ocid1.tenancy.oc1..aaaatenancy\nregion=us-ashburn-1\nfingerprint=\(fp)\nkey_file=~/.oci/oci_api_key.pem\n")
        let (result, report) = try scan(["--publish", dir.file("bundle")])
        #expect(result.status == 1)
        let set = try #require(report.findings.first { $0.rule == "oci-credential-set" })
        #expect(set.severity == "critical" && set.path == "home/.oci/config")
        #expect(result.stderr.contains("NOT SAFE TO SHARE"))
        try dir.write("clean/readme.txt", "nothing secret\n")
        let clean = try Shell.run(Paths.binary, ["scan", "--publish", dir.file("clean")])
        #expect(clean.status == 0 && clean.stderr.contains("SAFE TO SHARE"))
    }
}
