import Foundation
import Testing
import TestSupport
@testable import KeyLeak
@testable import KeyLeakInput
@testable import KeyLeakMatching
@testable import KeyLeakAnalysis
@testable import KeyLeakReport

/// The forms of issue 15: a key pasted as a diff, base64 wrapped at 76
/// columns, UTF-16 text, XML character references, URL encoding, Go's test
/// armour, a base64 body without armour over several lines, and hex DER.
/// Each form must be found at its line with the key's OCI fingerprint; the
/// same forms of public material (public keys, certificates, random bytes)
/// must stay silent.
@Suite struct PastedFormsTests {
    static let ruleSet = try! RuleSet()

    /// Every stage on one in-memory blob.
    static func findings(_ bytes: [UInt8], path: String = "t") -> [Finding] {
        Scanner(ruleSet: ruleSet).scan(bytes: bytes, path: path).findings
    }

    static func findings(_ text: String, path: String = "t") -> [Finding] { findings(Array(text.utf8), path: path) }

    /// A key generated now: its PKCS#8 PEM, traditional PEM, DER and OCI fingerprint.
    struct Key {
        var pkcs8: String
        var traditional: String
        var der: Data
        var traditionalDER: Data
        var fingerprint: String

        init(_ arguments: [String] = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]) throws {
            let dir = try TemporaryDirectory()
            pkcs8 = try TestKeys.generate(dir, "k.pem", arguments)
            // Ed25519 has no traditional form: its PKCS#8 stands in.
            traditional = (try? TestKeys.convert(pkcs8, ["-traditional"])).map { String(decoding: $0, as: UTF8.self) } ?? pkcs8
            der = try TestKeys.convert(pkcs8, ["-outform", "DER"])
            traditionalDER = (try? TestKeys.convert(pkcs8, ["-traditional", "-outform", "DER"])) ?? der
            fingerprint = try TestKeys.ociFingerprint(pkcs8)
        }

        /// The PEM's lines without their line breaks.
        var lines: [String] { traditional.split(separator: "\n").map(String.init) }
    }

    /// Public material of the same kinds: a public key and a certificate.
    static func publicMaterial(_ key: Key) throws -> (publicKey: String, certificate: String) {
        let dir = try TemporaryDirectory()
        let path = try dir.write("k.pem", key.pkcs8)
        let pub = String(decoding: try TestKeys.convert(key.pkcs8, ["-pubout"]), as: UTF8.self)
        let cert = String(decoding: try Shell.check("openssl", ["req", "-x509", "-key", path, "-subj", "/CN=t", "-days", "1"]),
                          as: UTF8.self)
        return (pub, cert)
    }

    static func expectOne(_ findings: [Finding], _ key: Key, line: Int, _ what: String,
                          severity: Severity = .high, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(findings.count == 1, "\(what): \(findings.map { "\($0.line) \($0.rule) \($0.message)" })", sourceLocation: sourceLocation)
        guard let finding = findings.first else { return }
        #expect(finding.key?.identity?.oci == key.fingerprint, "\(what): fingerprint", sourceLocation: sourceLocation)
        #expect(finding.line == line, "\(what): line \(finding.line)", sourceLocation: sourceLocation)
        #expect(finding.severity == severity, "\(what): severity \(finding.severity)", sourceLocation: sourceLocation)
    }

    // MARK: 1. unified diffs and patches

    @Test func keyAddedRemovedOrChangedInADiff() throws {
        let key = try Key()
        let lines = key.lines
        let header = "diff --git a/deploy/key.pem b/deploy/key.pem\nnew file mode 100600\nindex 0000000..8f3e2a1\n--- /dev/null\n+++ b/deploy/key.pem\n@@ -0,0 +1,\(lines.count) @@\n"
        let added = header + lines.map { "+" + $0 + "\n" }.joined()
        Self.expectOne(Self.findings(added, path: "fix.patch"), key, line: 7, "added")
        let removed = "--- a/key.pem\n+++ /dev/null\n@@ -1,\(lines.count) +0,0 @@\n" + lines.map { "-" + $0 + "\n" }.joined()
        Self.expectOne(Self.findings(removed, path: "fix.diff"), key, line: 4, "removed")
        // git format-patch output pasted into a ticket, indented by the ticket's quoting.
        let ticket = "Subject: [PATCH] add key\n\n" + added.split(separator: "\n").map { "    " + $0 + "\n" }.joined() + "-- \n2.39.2\n"
        Self.expectOne(Self.findings(ticket), key, line: 9, "indented")
        // A key replaced by another: the armour lines are context, the bodies differ.
        let other = try Key()
        let changed = "@@ -1,\(lines.count) +1,\(lines.count) @@\n " + lines[0] + "\n"
            + lines.dropFirst().dropLast().map { "-" + $0 + "\n" }.joined()
            + other.lines.dropFirst().dropLast().map { "+" + $0 + "\n" }.joined() + " " + lines[lines.count - 1] + "\n"
        let both = Self.findings(changed)
        #expect(Set(both.compactMap { $0.key?.identity?.oci }) == [key.fingerprint, other.fingerprint], "\(both.map(\.message))")
        #expect(both.allSatisfy { $0.line == 2 })
    }

    @Test func diffOfPublicMaterialOrRandomBodyIsSilent() throws {
        let key = try Key()
        let (pub, cert) = try Self.publicMaterial(key)
        for text in [pub, cert] {
            #expect(Self.findings(text.split(separator: "\n").map { "+" + $0 + "\n" }.joined()).isEmpty)
        }
        let random = (0..<26).map { _ in Data((0..<48).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        let fake = (["-----BEGIN RSA PRIVATE KEY-----"] + random + ["-----END RSA PRIVATE KEY-----"]).map { "+" + $0 + "\n" }.joined()
        #expect(Self.findings(fake).isEmpty)
    }

    // MARK: 2. base64 of a whole PEM file, wrapped; MIME attachments

    @Test func base64OfAPEMFileWrappedAt76AndMIMEAttachment() throws {
        let key = try Key()
        let wrapped = Data(key.traditional.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        Self.expectOne(Self.findings("$ base64 id_rsa\n" + wrapped + "\n$ \n"), key, line: 2, "base64 -w76")
        let openssh = Data(key.pkcs8.utf8).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        Self.expectOne(Self.findings("data:\n  key: |\n" + openssh.split(separator: "\n").map { "    " + $0 + "\n" }.joined()),
                       key, line: 3, "indented, 64")
        let crlf = Data(key.traditional.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let eml = "From: a@example.invalid\r\nSubject: key\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\nhere it is\r\n--b\r\nContent-Type: application/octet-stream; name=\"id_rsa\"\r\n"
            + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"id_rsa\"\r\n\r\n" + crlf + "\r\n--b--\r\n"
        Self.expectOne(Self.findings(eml, path: "mail.eml"), key, line: 15, "eml")
        // A DER key attached (`id_rsa.der`): its wrapped base64 is a body without armour.
        let derAttachment = "Content-Transfer-Encoding: base64\r\n\r\n"
            + key.der.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]) + "\r\n--b--\r\n"
        Self.expectOne(Self.findings(derAttachment, path: "mail.eml"), key, line: 3, "eml der")
    }

    @Test func base64OfPublicMaterialWrappedIsSilent() throws {
        let key = try Key()
        let (pub, cert) = try Self.publicMaterial(key)
        for text in [pub, cert] {
            #expect(Self.findings(Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]) + "\n").isEmpty)
        }
    }

    // MARK: 3. UTF-16

    @Test func utf16LittleEndianWithAndWithoutBOMAndBigEndian() throws {
        let key = try Key()
        let text = "PS> Get-Content key.pem > key.txt\r\n" + key.traditional.replacingOccurrences(of: "\n", with: "\r\n")
        let le = Array(text.data(using: .utf16LittleEndian)!)
        let be = Array(text.data(using: .utf16BigEndian)!)
        Self.expectOne(Self.findings([0xff, 0xfe] + le), key, line: 2, "UTF-16LE with BOM")
        Self.expectOne(Self.findings(le), key, line: 2, "UTF-16LE")
        Self.expectOne(Self.findings([0xfe, 0xff] + be), key, line: 2, "UTF-16BE with BOM")
        // JSON written by PowerShell's Out-File: escapes and all.
        let json = "{\"key\": \"" + key.pkcs8.replacingOccurrences(of: "\n", with: "\\n") + "\"}\r\n"
        Self.expectOne(Self.findings([0xff, 0xfe] + Array(json.data(using: .utf16LittleEndian)!)), key, line: 1, "UTF-16LE JSON")
    }

    @Test func bytesThatOnlyStartLikeAByteOrderMarkAreReadAsTheyAre() throws {
        // FF FE then 8-bit text: not UTF-16 (the OCI SDK reads this key file).
        let key = try Key()
        for mark: [UInt8] in [[0xff, 0xfe], [0xfe, 0xff]] {
            Self.expectOne(Self.findings(mark + Array(" junk\n".utf8) + Array(key.traditional.utf8)), key, line: 2, "after \(mark)")
        }
    }

    @Test func utf16PublicMaterialIsSilent() throws {
        let key = try Key()
        let (pub, cert) = try Self.publicMaterial(key)
        for text in [pub, cert, "-----BEGIN RSA PRIVATE KEY-----\r\n...\r\n-----END RSA PRIVATE KEY-----\r\n"] {
            #expect(Self.findings([0xff, 0xfe] + Array(text.data(using: .utf16LittleEndian)!)).isEmpty)
        }
    }

    // MARK: 4. XML and HTML character references

    @Test func xmlCharacterReferencesForNewlines() throws {
        let key = try Key()
        let crlf = key.lines.joined(separator: "&#xD;&#xA;")
        let config = "<?xml version=\"1.0\"?>\n<configuration>\n  <appSettings>\n    <add key=\"SigningKey\" value=\"" + crlf + "&#xD;&#xA;\" />\n  </appSettings>\n</configuration>\n"
        Self.expectOne(Self.findings(config), key, line: 4, "&#xD;&#xA;")
        let html = "<html><body>\n<pre>" + key.lines.joined(separator: "&#10;") + "</pre>\n</body></html>\n"
        Self.expectOne(Self.findings(html), key, line: 2, "&#10;")
        let decimal = "<k v='" + key.lines.joined(separator: "&#13;&#10;") + "'/>\n"
        Self.expectOne(Self.findings(decimal), key, line: 1, "&#13;&#10;")
        let (pub, _) = try Self.publicMaterial(key)
        #expect(Self.findings("<k v=\"" + pub.split(separator: "\n").joined(separator: "&#10;") + "\"/>").isEmpty)
    }

    // MARK: 5. URL encoding

    /// `encodeURIComponent`, or with `plus` Python's `quote_plus`.
    static func urlEncode(_ text: String, plus: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: " ") where plus:
                out += "+"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    @Test func urlEncodedKeysInLogsAndQueryStrings() throws {
        let key = try Key()
        let component = "10.0.0.7 - - [01/Jan/2025] \"GET /upload?name=a&key=" + Self.urlEncode(key.traditional, plus: false) + "&x=1 HTTP/1.1\" 200\n"
        Self.expectOne(Self.findings("start\n" + component), key, line: 2, "encodeURIComponent")
        let form = "POST body: key=" + Self.urlEncode(key.pkcs8, plus: true) + "&submit=1\n"
        Self.expectOne(Self.findings(form), key, line: 1, "quote_plus")
        // Only the line breaks and the base64 symbols encoded, the armour's spaces kept.
        let partial = "key=" + key.traditional.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F")
            .replacingOccurrences(of: "=", with: "%3D").replacingOccurrences(of: "\n", with: "%0A") + "\n"
        Self.expectOne(Self.findings(partial), key, line: 1, "partial")
        let (_, cert) = try Self.publicMaterial(key)
        #expect(Self.findings("cert=" + Self.urlEncode(cert, plus: true) + "\n").isEmpty)
    }

    // MARK: 10. Go's disguised test armour

    @Test(arguments: ["rsa", "ec", "ed25519"])
    func testingKeyArmourIsALowTestKey(algorithm: String) throws {
        let args: [String] = switch algorithm {
        case "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        case "ec": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        default: ["-algorithm", "ed25519"]
        }
        let key = try Key(args)
        for pem in Set([key.traditional, key.pkcs8]) {
            let disguised = pem.replacingOccurrences(of: "PRIVATE KEY", with: "TESTING KEY")
            let go = "package tls\n\nvar testKeyPEM = testingKey(`" + disguised + "`)\n"
            let findings = Self.findings(go, path: "handshake_test.go")
            Self.expectOne(findings, key, line: 3, "\(algorithm) \(disguised.prefix(30))", severity: .low)
            #expect(findings.first?.message.contains("TESTING KEY") == true, "\(findings.first?.message ?? "")")
            #expect(findings.first?.key?.testArmour == true)
            // The fact survives a JSON report, so `keyleak merge` judges it the same.
            if let finding = findings.first {
                #expect(try FindingJSONTests.roundTrip(finding).key?.testArmour == true)
                #expect(Policy(rules: Self.ruleSet.rules).severity(try FindingJSONTests.roundTrip(finding)) == .low)
            }
        }
    }

    // MARK: 11. a base64 body over several lines, armour removed

    @Test func multiLineBodyWithoutArmour() throws {
        let key = try Key()
        let body = key.lines.dropFirst().dropLast()
        Self.expectOne(Self.findings("The key (armour removed):\n" + body.joined(separator: "\n") + "\n"), key, line: 2, "pkcs1 body")
        let pkcs8 = key.der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let yaml = "signing:\n  key: >\n" + pkcs8.split(separator: "\n").map { "    " + $0 + "\n" }.joined() + "  other: value\n"
        Self.expectOne(Self.findings(yaml), key, line: 3, "pkcs8 body in YAML")
    }

    @Test func multiLineBodiesOfPublicMaterialAreSilent() throws {
        let key = try Key()
        let (pub, cert) = try Self.publicMaterial(key)
        for text in [pub, cert] {
            #expect(Self.findings(text.split(separator: "\n").dropFirst().dropLast().joined(separator: "\n") + "\n").isEmpty)
        }
        // A real key's first line followed by random lines: not a key.
        let first = key.lines[1]
        let random = (0..<25).map { _ in Data((0..<48).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        #expect(Self.findings(([first] + random).joined(separator: "\n") + "\n").isEmpty)
    }

    // MARK: 12. hex DER

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    @Test func hexEncodedDERKeys() throws {
        let rsa = try Key()
        let go = "package x\n\nvar rsaKeyHex = \"" + Self.hex(rsa.traditionalDER) + "\"\n"
        Self.expectOne(Self.findings(go), rsa, line: 3, "go pkcs1")
        let hex = Self.hex(rsa.der)
        var chunks: [String] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 64, limitedBy: hex.endIndex) ?? hex.endIndex
            chunks.append(String(hex[i..<j]))
            i = j
        }
        let rust = "const KEY: &[u8] = &hex!(\n" + chunks.map { "    \"" + $0 + "\"\n" }.joined() + ");\n"
        Self.expectOne(Self.findings(rust), rsa, line: 2, "rust pkcs8 split")
        let js = "const key = Buffer.from(\n  '" + chunks.joined(separator: "' +\n  '") + "', 'hex');\n"
        Self.expectOne(Self.findings(js), rsa, line: 2, "js concatenated")
        let ed = try Key(["-algorithm", "ed25519"])
        Self.expectOne(Self.findings("\"" + Self.hex(ed.der).uppercased() + "\",\n"), ed, line: 1, "ed25519 upper")
        let ec = try Key(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        Self.expectOne(Self.findings("sec1 = " + Self.hex(ec.traditionalDER) + "\n"), ec, line: 1, "ec sec1")
        #expect(Self.findings(go).first?.key?.encoding == .hexDER)
    }

    /// `der` as lines of `perLine` bytes, each byte written by `byte`, joined by `separator`.
    static func lines(_ der: Data, perLine: Int, _ byte: (UInt8) -> String, separator: String) -> [String] {
        stride(from: 0, to: der.count, by: perLine).map { start in
            der[der.startIndex + start..<der.startIndex + min(start + perLine, der.count)].map(byte).joined(separator: separator)
        }
    }

    /// Every spelling of hex DER bytes that stand apart: the same key each time, at the line of its first byte.
    @Test(arguments: ["rsa", "ed25519", "ec"])
    func hexDERBytesSpacedInArraysEscapedOrColonSeparated(algorithm: String) throws {
        let key = try Key(algorithm == "rsa" ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            : algorithm == "ec" ? ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-algorithm", "ed25519"])
        for der in Set([key.der, key.traditionalDER]) {
            let lower = { (b: UInt8) in String(format: "%02x", b) }
            let spaced = "$ xxd -p -c16 key.der | sed 's/../& /g'\n"
                + Self.lines(der, perLine: 16, lower, separator: " ").joined(separator: "\n") + "\n"
            Self.expectOne(Self.findings(spaced), key, line: 2, "\(algorithm) spaced")
            let colon = "privkey:\n" + Self.lines(der, perLine: 15, lower, separator: ":").map { "    " + $0 }.joined(separator: ":\n") + "\n"
            Self.expectOne(Self.findings(colon), key, line: 2, "\(algorithm) colon")
            let c = "static const unsigned char kKey[] = {\n"
                + Self.lines(der, perLine: 12, { String(format: "0x%02x", $0) }, separator: ", ").map { "    " + $0 + ",\n" }.joined() + "};\n"
            Self.expectOne(Self.findings(c), key, line: 2, "\(algorithm) C array")
            let go = "var key = []byte{" + der.map { String(format: "0x%02X", $0) }.joined(separator: ",") + "}\n"
            Self.expectOne(Self.findings(go), key, line: 1, "\(algorithm) Go array, one line, upper case")
            let escaped = "KEY = (\n" + Self.lines(der, perLine: 16, { String(format: "\\x%02x", $0) }, separator: "")
                .map { "    b\"" + $0 + "\"\n" }.joined() + ")\n"
            Self.expectOne(Self.findings(escaped), key, line: 2, "\(algorithm) \\x string")
        }
    }

    /// The dump tools people paste key files with, run now on the key's PEM
    /// and DER files; each dump is found at its first line with the key's
    /// fingerprint, inside a message, whatever the tool and its options.
    @Test(arguments: ["rsa", "ed25519", "ec"])
    func hexDumpsOfKeyFiles(algorithm: String) throws {
        let key = try Key(algorithm == "rsa" ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            : algorithm == "ec" ? ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-algorithm", "ed25519"])
        let dir = try TemporaryDirectory()
        let files = [("pem", try dir.write("k.pem", key.traditional)), ("der", try dir.write("k.der", key.traditionalDER)),
                     ("pkcs8.der", try dir.write("p8.der", key.der))]
        let dumps: [(String, [String])] = [
            ("xxd", []), ("xxd", ["-g", "1"]), ("xxd", ["-g", "8"]), ("xxd", ["-c", "32"]), ("xxd", ["-u"]), ("xxd", ["-p"]),
            ("hexdump", ["-C"]), ("hexdump", []), ("od", ["-t", "x1"]), ("od", ["-A", "x", "-t", "x1z"]), ("od", ["-x"]),
        ]
        var tried = 0
        for tool in ["xxd", "hexdump", "od"] {
            try #require(Shell.available(tool), "scripts/install-deps.sh --tests installs \(tool)")
        }
        for (tool, options) in dumps {
            for (kind, file) in files {
                // Plain hex lines hold a PEM file's text; DER in plain hex is the hex DER rule's.
                if options == ["-p"], kind != "pem" { continue }
                let dump = String(decoding: try Shell.check(tool, options + [file]), as: UTF8.self)
                let text = "Here is what `\(tool) \(options.joined(separator: " "))` printed:\n\n" + dump + "\nThanks\n"
                Self.expectOne(Self.findings(text), key, line: 3, "\(algorithm) \(kind): \(tool) \(options)")
                tried += 1
            }
        }
        #expect(tried == 31)
    }

    /// The dump's bytes are exactly what `xxd -r` reads back, also where the
    /// text column of a full line reads as hex (it is never taken for bytes),
    /// and the key it holds is found.
    @Test func hexDumpBytesAreWhatXxdReadsBack() throws {
        try #require(Shell.available("xxd"), "scripts/install-deps.sh --tests installs xxd")
        let key = try Key(["-algorithm", "ed25519"])
        let dir = try TemporaryDirectory()
        let path = try dir.write("k.der", key.der)
        var lines = String(decoding: try Shell.check("xxd", [path]), as: UTF8.self).split(separator: "\n").map(String.init)
        // Text columns that look like hex bytes ("cafe babe"), on every full line.
        for i in lines.indices.dropLast() { lines[i] = String(lines[i].prefix(51)) + " cafe babe 0000 1111" }
        let dump = lines.joined(separator: "\n") + "\n"
        let expected = try Shell.check("xxd", ["-r"], input: Data(dump.utf8))
        #expect(expected == key.der)
        let decoded = Array(dump.utf8).withUnsafeBytes { HexDump.read($0, from: 0)?.bytes }
        #expect(decoded.map { Data($0) } == expected)
        Self.expectOne(Self.findings(dump), key, line: 1, "text columns that read as hex")
    }

    /// Dumps of public material (a public key, a certificate, random bytes)
    /// and look-alikes stay silent.
    @Test func hexDumpsOfPublicMaterialAreSilent() throws {
        let key = try Key()
        let (publicKey, certificate) = try Self.publicMaterial(key)
        let dir = try TemporaryDirectory()
        var random = [UInt8](repeating: 0, count: 1200)
        for i in random.indices { random[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        // A SEQUENCE and INTEGER 0 that holds no key.
        random.replaceSubrange(0..<7, with: [0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00])
        let files = [try dir.write("pub.pem", publicKey), try dir.write("cert.pem", certificate),
                     try dir.write("cert.der", try Shell.check("openssl", ["x509", "-outform", "DER"], input: Data(certificate.utf8))),
                     try dir.write("random.bin", Data(random))]
        for file in files {
            for (tool, options) in [("xxd", [String]()), ("hexdump", ["-C"]), ("od", ["-t", "x1"])] {
                let dump = String(decoding: try Shell.check(tool, options + [file]), as: UTF8.self)
                let findings = Self.findings(dump)
                #expect(findings.isEmpty, "\(file) \(tool): \(findings.map(\.message))")
            }
        }
    }

    /// OpenSSL's own `-text` output of a private key, for every algorithm it
    /// prints so, as printed and pasted (quoted in an email, a diff, a JSON
    /// log line): found at its `Private-Key:` line with the key's fingerprint.
    @Test(arguments: ["rsa", "ec", "secp384r1", "secp256k1", "ed25519", "ed448", "x25519", "dsa"])
    func opensslTextOfAPrivateKey(algorithm: String) throws {
        let arguments: [String]
        let dir = try TemporaryDirectory()
        switch algorithm {
        case "rsa": arguments = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        case "ec": arguments = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        case "secp384r1", "secp256k1": arguments = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(algorithm)"]
        case "dsa":
            let parameters = dir.file("dsa-parameters.pem")
            _ = try Shell.check("openssl", ["genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", parameters])
            arguments = ["-paramfile", parameters]
        default: arguments = ["-algorithm", algorithm]
        }
        let key = try Key(arguments)
        let text = String(decoding: try TestKeys.convert(key.pkcs8, ["-text", "-noout"]), as: UTF8.self)
        #expect(text.contains("Private-Key:"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: ["log": text]), as: UTF8.self)
        for (what, pasted, line) in [
            ("as printed", "$ openssl pkey -in key.pem -text -noout\n" + text, 2),
            ("quoted", "On Monday you wrote:\n" + lines.map { "> " + $0 }.joined(separator: "\n"), 2),
            ("in a diff", "@@ -0,0 +1,40 @@\n" + lines.dropLast().map { "+" + $0 }.joined(separator: "\n") + "\n", 2),
            ("in a JSON log line", json + "\n", 1),
        ] {
            Self.expectOne(Self.findings(pasted), key, line: line, "\(algorithm) \(what)")
            if let finding = Self.findings(pasted).first {
                #expect(finding.key?.encoding == .opensslText, "\(algorithm) \(what)")
            }
        }
    }

    /// Public keys and certificates as `-text` prints them make no finding;
    /// an RSA key's text cut off after its private exponent (the key, without
    /// its CRT fields) is still the key, named by its fingerprint, and one cut
    /// before the private exponent is silent.
    @Test func opensslTextOfPublicMaterialIsSilentAndACutKeyIsStillNamed() throws {
        let key = try Key()
        let (publicKey, certificate) = try Self.publicMaterial(key)
        let publicText = String(decoding: try Shell.check("openssl", ["pkey", "-pubin", "-text", "-noout"], input: Data(publicKey.utf8)), as: UTF8.self)
        let certificateText = String(decoding: try Shell.check("openssl", ["x509", "-text", "-noout"], input: Data(certificate.utf8)), as: UTF8.self)
        let text = String(decoding: try TestKeys.convert(key.pkcs8, ["-text", "-noout"]), as: UTF8.self)
        let beforePrivate = text.components(separatedBy: "privateExponent:").first ?? ""
        for (what, sample) in [("public key", publicText), ("certificate", certificateText), ("cut before the private exponent", beforePrivate)] {
            #expect(Self.findings(sample).isEmpty, "\(what): \(Self.findings(sample).map(\.message))")
        }
        for field in ["prime1:", "exponent2:", "coefficient:"] {
            let cut = text.components(separatedBy: field).first ?? ""
            Self.expectOne(Self.findings(cut), key, line: 1, "cut before \(field)")
        }
    }

    /// Encrypted PKCS#8 pasted without armour (hex in a test vector, bare base64
    /// in a config) is an encrypted key: medium, and never mistaken for nothing.
    @Test func encryptedPKCS8AsHexOrBareBase64() throws {
        let key = try Key()
        let dir = try TemporaryDirectory()
        let path = try dir.write("k.pem", key.pkcs8)
        for scheme in [["-v2", "aes256"], ["-v1", "PBE-SHA1-3DES"], ["-v1", "PBE-MD5-DES"]] {
            let result = try Shell.run("openssl", ["pkcs8", "-topk8", "-in", path, "-outform", "DER", "-passout", "pass:x"] + scheme)
            guard result.status == 0 else { continue }  // PBE-MD5-DES needs the legacy provider
            let der = result.stdout
            let hex = "enc = (\n" + Self.lines(der, perLine: 32, { String(format: "%02x", $0) }, separator: "").map { "    \"" + $0 + "\"\n" }.joined() + ")\n"
            let base64 = "ENCRYPTED_KEY=" + der.base64EncodedString() + "\n"
            for (what, text) in [("hex", hex), ("base64", base64)] {
                let findings = Self.findings(text)
                #expect(findings.count == 1 && findings.first?.key?.encrypted == true && findings.first?.severity == .medium,
                        "\(scheme) \(what): \(findings.map(\.message))")
            }
        }
    }

    /// A PKCS#8 v2 (OneAsymmetricKey) with attributes and its public key, as
    /// RFC 8410 shows: OpenSSL 3.0 refuses it, the key without them is read.
    @Test func pkcs8Version2WithAttributesAndPublicKey() throws {
        let key = try Key(["-algorithm", "ed25519"])
        let fields = DER.children(Array(key.der), of: try #require(DER.read(Array(key.der), at: 0)))
        let bytes = Array(key.der)
        let publicKey = Array(try TestKeys.convert(key.pkcs8, ["-pubout", "-outform", "DER"]).suffix(32))
        let attribute = DER.encode(0xa0, DER.sequence(DER.encode(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x09, 0x14]),
                                                      DER.encode(0x31, DER.encode(0x0c, Array("Curdle Chairs".utf8)))))
        let v2 = DER.sequence(DER.encode(0x02, [1]), Array(bytes[fields[1].start..<fields[1].end]), Array(bytes[fields[2].start..<fields[2].end]),
                              attribute, DER.encode(0x81, [0] + publicKey))
        Self.expectOne(Self.findings(Self.pem("PRIVATE KEY", Data(v2))), key, line: 1, "RFC 8410 v2")
    }

    /// A PKCS#12 pasted as base64 (a Kubernetes secret's keystore, a JSON `pfx`
    /// field) is opened like the file: its key, named.
    @Test func pkcs12AsBase64() throws {
        let key = try Key()
        let dir = try TemporaryDirectory()
        let path = try dir.write("k.pem", key.pkcs8)
        try Shell.check("openssl", ["req", "-x509", "-key", path, "-subj", "/CN=t", "-days", "1", "-out", dir.file("c.pem")])
        let p12 = try Shell.check("openssl", ["pkcs12", "-export", "-inkey", path, "-in", dir.file("c.pem"), "-passout", "pass:changeit"])
        let secret = "apiVersion: v1\nkind: Secret\ndata:\n  keystore.p12: " + p12.base64EncodedString() + "\n"
        Self.expectOne(Self.findings(secret), key, line: 4, "secret")
        #expect(Self.findings(secret).first?.message.contains("opens with the well-known password 'changeit'") == true)
    }

    @Test func spacedOrArrayHexOfPublicMaterialIsSilent() throws {
        let key = try Key()
        let (_, cert) = try Self.publicMaterial(key)
        let certDER = try Shell.check("openssl", ["x509", "-outform", "DER"], input: Data(cert.utf8))
        let array = Self.lines(certDER, perLine: 12, { String(format: "0x%02x", $0) }, separator: ", ").joined(separator: ",\n")
        #expect(Self.findings(array + "\n").isEmpty)
        // A key's header over random bytes, and a key cut in half.
        let random = Data([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00] + (0..<1100).map { _ in UInt8.random(in: 0...255) })
        #expect(Self.findings(Self.lines(random, perLine: 16, { String(format: "%02x", $0) }, separator: " ").joined(separator: "\n")).isEmpty)
        let half = key.traditionalDER.prefix(600)
        #expect(Self.findings(Self.lines(half, perLine: 16, { String(format: "0x%02x", $0) }, separator: ", ").joined(separator: ",\n")).isEmpty)
    }

    @Test func hexOfPublicMaterialOrRandomBytesIsSilent() throws {
        let key = try Key()
        let (pub, cert) = try Self.publicMaterial(key)
        let pubDER = try TestKeys.convert(pub, ["-pubin", "-outform", "DER"])
        let certDER = try Shell.check("openssl", ["x509", "-outform", "DER"], input: Data(cert.utf8))
        #expect(Self.findings("pub = \"" + Self.hex(pubDER) + "\"\ncert = \"" + Self.hex(certDER) + "\"\n").isEmpty)
        let random = Data((0..<1100).map { _ in UInt8.random(in: 0...255) })
        #expect(Self.findings("x = \"308204a4020100" + Self.hex(random) + "\"\n").isEmpty)
        // The first half of a real key: hex DER is reported only when it parses.
        #expect(Self.findings("x = \"" + Self.hex(key.traditionalDER.prefix(600)) + "\"\n").isEmpty)
    }

    // MARK: 6. python-jose's malformed PKCS#8

    /// PEM armour around `der`, wrapped at 64.
    static func pem(_ label: String, _ der: Data) -> String {
        "-----BEGIN \(label)-----\n" + der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END \(label)-----\n"
    }

    @Test func pythonJoseLegacyPKCS8HoldsAWholeKey() throws {
        let key = try Key()
        // Old python-jose (rsa backend): a fixed header with a wrong outer length, then the
        // RSAPrivateKey itself where an OCTET STRING should wrap it.
        let header: [UInt8] = [0x30, 0x82, 0x04, 0xbd, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                               0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]
        let legacy = Data(header) + key.traditionalDER
        let findings = Self.findings(Self.pem("PRIVATE KEY", legacy))
        Self.expectOne(findings, key, line: 1, "python-jose PKCS#8")
        #expect(findings.first?.message.contains("malformed PKCS#8") == true, "\(findings.first?.message ?? "")")
        #expect(findings.first?.key?.malformed == true && findings.first?.key?.format == .pkcs8)
        let bare = Self.findings("PRIVATE_KEY=" + legacy.base64EncodedString() + "\n")
        Self.expectOne(bare, key, line: 1, "python-jose PKCS#8, bare base64")
    }

    // MARK: 7. PKCS#8 of algorithms OpenSSL 3.0 cannot parse

    /// A PrivateKeyInfo of algorithm `oid` (content bytes) holding `privateKey`.
    static func privateKeyInfo(oid: [UInt8], parameters: [UInt8] = [], privateKey: [UInt8]) -> Data {
        Data(DER.sequence(DER.encode(0x02, [0]), DER.sequence(DER.encode(0x06, oid) + parameters), DER.encode(0x04, privateKey)))
    }

    @Test func pkcs8OfAnAlgorithmOpenSSLCannotParseIsHighAndNamed() throws {
        // ML-DSA-65 (2.16.840.1.101.3.4.3.18), expanded private key: 4032 bytes.
        let mlDSA: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12]
        let der = Self.privateKeyInfo(oid: mlDSA, privateKey: (0..<4032).map { _ in UInt8.random(in: 0...255) })
        let findings = Self.findings(Self.pem("PRIVATE KEY", der))
        #expect(findings.count == 1, "\(findings.map(\.message))")
        let finding = try #require(findings.first)
        #expect(finding.severity == .high)
        #expect(finding.key?.algorithm == "ML-DSA-65")
        #expect(finding.message.contains("2.16.840.1.101.3.4.3.18"), "\(finding.message)")
        let digest = "SHA256:" + Data(Digest.sha256(Array(der))).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(finding.message.contains(digest), "\(finding.message)")
        #expect(finding.key?.algorithmOID == "2.16.840.1.101.3.4.3.18" && finding.key?.derSHA256 == digest)
        // The facts survive a JSON report (`sha256` holds the DER's digest), so `keyleak merge` says the same.
        let back = try FindingJSONTests.roundTrip(finding)
        #expect(back.key == finding.key, "\(String(describing: back.key))")
        // The same as a binary DER file: ML-KEM-768 (2.16.840.1.101.3.4.4.2), seed form.
        let mlKEM: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02]
        let seed = DER.encode(0x80, (0..<64).map { _ in UInt8.random(in: 0...255) })
        let binary = Self.findings(Array(Self.privateKeyInfo(oid: mlKEM, privateKey: seed)), path: "kem.der")
        #expect(binary.count == 1 && binary.first?.key?.algorithm == "ML-KEM-768", "\(binary.map(\.message))")
    }

    @Test func shapesThatAreNoPrivateKeyInfoStaySilent() throws {
        let mlDSA: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12]
        // A public key of that algorithm between private-key armour, and a PrivateKeyInfo holding 4 bytes.
        let spki = Data(DER.sequence(DER.sequence(DER.encode(0x06, mlDSA)), DER.bitString((0..<1952).map { _ in UInt8.random(in: 0...255) })))
        #expect(Self.findings(Self.pem("PRIVATE KEY", spki)).isEmpty)
        #expect(Self.findings(Self.pem("PRIVATE KEY", Self.privateKeyInfo(oid: mlDSA, privateKey: [1, 2, 3, 4]))).isEmpty)
    }
}
