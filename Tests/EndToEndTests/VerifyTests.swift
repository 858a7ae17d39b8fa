import Foundation
import Testing
import TestSupport

/// `keyleak scan --verify` against a stand-in for OCI's identity endpoint on
/// 127.0.0.1 (Tests/Fixtures/verify/identity_server.py, with a certificate
/// made for the test): it checks each request's signature with the public
/// keys it was given and answers 200, 401, 500 or too late; the report must
/// say live, rejected or unknown for each, and a key whose signature does not
/// verify must come out rejected. Nothing is sent without `--verify`, or by
/// `--staged`; TLS is verified. Nothing goes beyond 127.0.0.1.
@Suite(.serialized) struct VerifyTests {
    struct Report: Decodable {
        struct Finding: Decodable {
            struct Verification: Decodable {
                var state: String
                var http_status: Int?
                var endpoint: String
                var checked_at: String
                var user: String
                var fingerprint: String
                var detail: String?
            }
            var rule: String
            var severity: String
            var path: String
            var fingerprint: String?
            var message: String
            var verification: Verification?
        }
        var findings: [Finding]
    }

    struct NotStarted: Error {}

    /// The stand-in server, stopped when released.
    final class Server {
        let process = Process()
        let dir: TemporaryDirectory
        let port: Int
        var log: String { dir.file("requests.jsonl") }
        var cert: String { dir.file("server.crt") }
        var endpoint: String { "https://127.0.0.1:\(port)" }

        /// Starts the server knowing `keys` (fingerprint → public key PEM).
        init(python: String, keys: [String: String]) throws {
            dir = try TemporaryDirectory()
            try Shell.check("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir.file("server.key"),
                                        "-out", dir.file("server.crt")])
            try dir.write("keys.json", try JSONEncoder().encode(keys))
            try dir.write("requests.jsonl", "")
            let script = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/verify/identity_server.py").path
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "--cert", dir.file("server.crt"), "--key", dir.file("server.key"), "--keys", dir.file("keys.json"),
                                 "--port-file", dir.file("port"), "--log", dir.file("requests.jsonl"), "--slow", "8", "--lifetime", "100"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            var port: Int?
            for _ in 0..<300 where port == nil {
                port = (try? String(contentsOfFile: dir.file("port"), encoding: .utf8)).flatMap { Int($0) }
                if port == nil { usleep(100_000) }
            }
            guard let port else {
                process.terminate()
                throw NotStarted()
            }
            self.port = port
        }

        deinit {
            // NOTE: SIGKILL, by its id: the test runner's children may inherit SIGTERM blocked.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// The requests it has answered, one JSON object each.
        func requests() throws -> [[String: Any]] {
            try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
    }

    /// A folder per case: a profile (user `ocid1.user.oc1..aaaa<name>`) and the key its `key_file` names.
    static func writeCase(_ dir: TemporaryDirectory, _ name: String, tenancy: Bool = true) throws -> (pem: String, fingerprint: String) {
        let pem = try TestKeys.rsa(dir, "\(name)/key.pem")
        let fingerprint = try TestKeys.ociFingerprint(pem)
        try dir.write("\(name)/config", """
        # keyleak:allow (test fixture)
        [DEFAULT]
        user=ocid1.user.oc1..aaaa\(name)
        \(tenancy ? "tenancy=ocid1.tenancy.oc1..aaaatenancy" : "")
        region=us-ashburn-1
        fingerprint=\(fingerprint)
        key_file=key.pem

        """)
        return (pem, fingerprint)
    }

    static func publicPEM(_ pem: String) throws -> String {
        String(decoding: try Shell.check("openssl", ["pkey", "-pubout"], input: Data(pem.utf8)), as: UTF8.self)
    }

    static func scan(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> (Int32, Report, Shell.Result) {
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let result = try Shell.run(Paths.binary, ["scan", "--no-inline-allow"] + arguments, cwd: cwd, environment: env)
        let report = (try? JSONDecoder().decode(Report.self, from: result.stdout)) ?? Report(findings: [])
        return (result.status, report, result)
    }

    @Test func liveRejectedUnknownAndAForgedSignatureAgainstALoopbackServer() throws {
        let python = try Shell.check("/bin/sh", [Paths.packageRoot.appendingPathComponent("scripts/oci-sdk.sh").path])
        let dir = try TemporaryDirectory()
        var keys: [String: String] = [:]
        var fingerprints: [String: String] = [:]
        var bodies: [String] = []
        for name in ["live", "rotated", "error", "slow", "forgedlive"] {
            let (pem, fingerprint) = try VerifyTests.writeCase(dir, name)
            fingerprints[name] = fingerprint
            keys[fingerprint] = try VerifyTests.publicPEM(pem)
            bodies.append(String(pem.split(separator: "\n")[1].prefix(40)))
        }
        // The server holds another key under the forged key's fingerprint: its signature cannot verify.
        let elsewhere = try TemporaryDirectory()
        let stranger = try TestKeys.rsa(elsewhere, "stranger.pem")
        keys[fingerprints["forgedlive"]!] = try VerifyTests.publicPEM(stranger)
        let (_, lonely) = try VerifyTests.writeCase(dir, "notenancy", tenancy: false)
        let server = try Server(python: String(decoding: python, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                                keys: keys)

        // Without --verify nothing is sent, whatever the environment says.
        let quiet = try VerifyTests.scan(["--format", "json", dir.path], environment: ["KEYLEAK_VERIFY_ENDPOINT": server.endpoint])
        #expect(quiet.0 == 1 && quiet.1.findings.count == 12 && quiet.1.findings.allSatisfy { $0.verification == nil })
        #expect(try server.requests().isEmpty)

        let (status, report, result) = try VerifyTests.scan(["--format", "json", "--verify", "--verify-endpoint", server.endpoint,
                                                             "--verify-ca", server.cert, dir.path])
        #expect(status == 1, "\(result.stderr)")
        func finding(_ path: String) throws -> Report.Finding { try #require(report.findings.first { $0.path == path }) }
        for path in ["live/key.pem", "live/config"] {
            let f = try finding(path)
            let v = try #require(f.verification, "\(path)")
            #expect(v.state == "live" && v.http_status == 200 && v.endpoint == server.endpoint && f.severity == "critical")
            #expect(v.user == "ocid1.user.oc1..aaaalive" && v.fingerprint == fingerprints["live"])
            #expect(v.checked_at.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
            #expect(f.message.hasPrefix("LIVE: revoke now: oci iam user api-key delete --user-id ocid1.user.oc1..aaaalive --fingerprint \(fingerprints["live"]!) --force: "))
        }
        let rotated = try #require(try finding("rotated/key.pem").verification)
        #expect(rotated.state == "rejected" && rotated.http_status == 401)
        let forged = try #require(try finding("forgedlive/key.pem").verification)
        #expect(forged.state == "rejected" && forged.http_status == 401)
        let error = try #require(try finding("error/key.pem").verification)
        #expect(error.state == "unknown" && error.http_status == 500)
        let slow = try #require(try finding("slow/key.pem").verification)
        #expect(slow.state == "unknown" && slow.http_status == nil && slow.detail == "no answer within 5 s")
        #expect(try finding("notenancy/key.pem").verification == nil && (try finding("notenancy/key.pem").fingerprint) == lonely)
        #expect(try finding("rotated/key.pem").severity == "critical", "linked to its profile, as without --verify")

        // One request per key and identity (a key and its profile share it), each as OCI requires.
        let requests = try server.requests()
        #expect(requests.count == 5)
        #expect(Set(requests.compactMap { $0["path"] as? String })
            == Set(["live", "rotated", "error", "slow", "forgedlive"].map { "/20160918/users/ocid1.user.oc1..aaaa\($0)" }))
        for request in requests {
            let path = request["path"] as? String ?? ""
            #expect(request["method"] as? String == "GET" && request["body_length"] as? Int == 0)
            #expect((request["problem"] as? String) == (path.hasSuffix("forgedlive") ? "signature does not verify" : nil), "\(path)")
            // Only the signature leaves: no header holds anything of a key.
            let headers = "\(request["headers"] ?? "")"
            #expect(!headers.contains("PRIVATE") && !bodies.contains { headers.contains($0) })
        }

        // TLS is always verified: without the test's CA, nothing is sent and the answer is unknown.
        let untrusted = try VerifyTests.scan(["--verify", dir.file("live")], environment: ["KEYLEAK_VERIFY_ENDPOINT": server.endpoint])
        #expect(untrusted.2.text.contains("    verified: unknown (TLS: the server's certificate is not trusted (--verify-ca adds a CA) from \(server.endpoint), "),
                "\(untrusted.2.text)")
        #expect(try server.requests().count == 5)

        // The text report: one line per verified finding.
        let text = try VerifyTests.scan(["--verify", "--verify-ca", server.cert, dir.file("live")],
                                        environment: ["KEYLEAK_VERIFY_ENDPOINT": server.endpoint])
        #expect(text.2.text.contains("    verified LIVE (HTTP 200 from \(server.endpoint), "), "\(text.2.text)")
        #expect(text.2.text.contains("critical [private-key] LIVE: revoke now: oci iam user api-key delete"))

        // --staged never verifies, even with the endpoint in the environment.
        let repo = try TestRepository()
        try repo.dir.write("oci/key.pem", try String(contentsOfFile: dir.file("live/key.pem"), encoding: .utf8))
        try repo.dir.write("oci/config", try String(contentsOfFile: dir.file("live/config"), encoding: .utf8))
        try repo.git("add", "-A")
        let staged = try VerifyTests.scan(["--staged", "--format", "json"], environment: ["KEYLEAK_VERIFY_ENDPOINT": server.endpoint],
                                          cwd: repo.path)
        #expect(staged.0 == 1 && staged.1.findings.count == 2 && staged.1.findings.allSatisfy { $0.verification == nil })
        #expect(try server.requests().count == 6, "one more request, from the text scan only")
    }

    @Test func endpointAndCAAreCheckedBeforeAnythingIsScanned() throws {
        let dir = try TemporaryDirectory()
        try dir.write("empty.txt", "nothing here\n")
        for (arguments, needle) in [(["--verify", "--verify-endpoint", "http://127.0.0.1:9"], "https"),
                                    (["--verify-endpoint", "https://127.0.0.1:9"], "--verify"),
                                    (["--verify-ca", dir.file("empty.txt")], "--verify"),
                                    (["--verify", "--verify-ca", dir.file("empty.txt")], "--verify-ca"),
                                    (["--verify", "--verify-ca", dir.file("missing.pem")], "cannot read")] {
            let result = try Shell.run(Paths.binary, ["scan"] + arguments + [dir.path])
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(needle), "\(arguments): \(result.stderr)")
        }
    }
}
