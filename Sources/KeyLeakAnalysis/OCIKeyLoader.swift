import KeyLeakInput
import KeyLeakMatching

/// Opens a `key_file` exactly as the OCI SDK does (`oci/signer.py`,
/// `load_private_key_from_file`), so that `keyleak doctor` says what `oci`
/// will say about it.
///
/// The SDK strips the file's bytes, then asks Python `cryptography` for a PEM
/// private key: the first block labelled `PRIVATE KEY`, `ENCRYPTED PRIVATE
/// KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY` or `DSA PRIVATE KEY`, read by
/// the Rust `pem` crate's rules (below) and parsed as strict DER. Nothing
/// else opens: no OpenSSH, PuTTY, DER, base64-wrapped or JSON-escaped key.
///
/// Pass phrase rules (`load_private_key`): the pass phrase must be ASCII (the
/// SDK encodes it so before anything else); an unencrypted key opens whatever
/// pass phrase is given (the SDK retries without); an encrypted key without
/// one is `missingPassPhrase` (the CLI then prompts); an empty one is an
/// error that does not prompt.
package enum OCIKeyLoader {
    /// Why the SDK does not load the key.
    package enum Failure: String, Sendable, Error {
        /// The file cannot be opened (a folder, no permission): `OSError`.
        case unreadable = "unreadable"
        /// The key is encrypted and no `pass_phrase` is set: `MissingPrivateKeyPassphrase` (`oci` prompts).
        case missingPassPhrase = "missing-pass-phrase"
        /// The key is encrypted and `pass_phrase` is empty: a `TypeError`, no prompt.
        case emptyPassPhrase = "empty-pass-phrase"
        /// `pass_phrase` is not ASCII: a `UnicodeEncodeError`, whatever the key.
        case nonASCIIPassPhrase = "non-ascii-pass-phrase"
        /// The file holds a public key: `InvalidPrivateKey` ("a public key was provided").
        case publicKey = "public-key"
        /// Not a PEM private key the SDK reads, or the pass phrase is wrong: `InvalidPrivateKey`.
        case invalid = "invalid-key"
    }

    /// A key the SDK loads.
    package struct Loaded {
        /// The key.
        package var key: OpenSSLKey
        /// Its PEM label (`RSA PRIVATE KEY`).
        package var label: String
        /// It was encrypted (and the pass phrase opened it).
        package var encrypted: Bool
    }

    /// The PEM labels `cryptography.load_pem_private_key` takes.
    package static let privateLabels: Set<String> = ["PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY"]

    /// Loads the key in `bytes` (the file's content) with `passPhrase` (nil
    /// when the profile sets none; `""` when it is set empty).
    package static func load(_ bytes: [UInt8], passPhrase: String?) -> Result<Loaded, Failure> {
        if let passPhrase, !passPhrase.unicodeScalars.allSatisfy(\.isASCII) { return .failure(.nonASCIIPassPhrase) }
        let data = strip(bytes)
        let phrase = passPhrase.map { Array($0.utf8) }
        switch attempt(data, password: phrase) {
        case let .key(loaded): return .success(loaded)
        case .wrongPassPhraseGiven:
            // The key is not encrypted but a pass phrase was given, or it is
            // encrypted and none was: the SDK retries once without.
            guard phrase != nil else { return .failure(.missingPassPhrase) }
            switch attempt(data, password: nil) {
            case let .key(loaded): return .success(loaded)
            case .wrongPassPhraseGiven: return .failure(.emptyPassPhrase)
            case .notAKey: return .failure(.invalid)
            }
        case .notAKey:
            return .failure(isPublicKey(data) ? .publicKey : .invalid)
        }
    }

    /// What one `load_pem_private_key` call does.
    private enum Attempt {
        case key(Loaded)
        /// `TypeError`: encrypted without a password, or a password for a clear key.
        case wrongPassPhraseGiven
        /// `ValueError`: not a private key it reads, or a wrong password.
        case notAKey
    }

    private static func attempt(_ data: [UInt8], password: [UInt8]?) -> Attempt {
        guard let blocks = PEM.parseMany(data), let block = blocks.first(where: { privateLabels.contains($0.tag) }) else {
            return .notAKey
        }
        let encrypted: Bool
        var key: OpenSSLKey?
        switch block.tag {
        case "ENCRYPTED PRIVATE KEY":
            guard let password, !password.isEmpty else { return .wrongPassPhraseGiven }
            encrypted = true
            key = decrypt(block, password: password)
        case "PRIVATE KEY":
            encrypted = false
            key = OpenSSLKey.privateKey(pkcs8: block.contents)
        default:
            encrypted = block.header("Proc-Type") == "4,ENCRYPTED"
            if encrypted {
                guard block.header("DEK-Info") != nil else { return .notAKey }
                guard let password, !password.isEmpty else { return .wrongPassPhraseGiven }
                key = decrypt(block, password: password)
            } else {
                let type: OpenSSLKey.TypeSpecific = block.tag == "RSA PRIVATE KEY" ? .rsa : block.tag == "EC PRIVATE KEY" ? .ec : .dsa
                key = shapeMatches(block.contents, type) ? OpenSSLKey.privateKey(der: block.contents, as: type) : nil
            }
        }
        guard let key else { return .notAKey }
        if !encrypted, password != nil { return .wrongPassPhraseGiven }
        if key.algorithm == "RSA" || key.algorithm == "EC", !key.isConsistent { return .notAKey }
        return .key(Loaded(key: key, label: block.tag, encrypted: encrypted))
    }

    /// Decrypts an encrypted block (PKCS#8, or legacy `Proc-Type` PEM) with OpenSSL.
    private static func decrypt(_ block: PEM.Block, password: [UInt8]) -> OpenSSLKey? {
        var pem = "-----BEGIN \(block.tag)-----\n"
        for (name, value) in block.headers { pem += "\(name): \(value)\n" }
        if !block.headers.isEmpty { pem += "\n" }
        let body = Base64.encode(block.contents)
        var i = body.startIndex
        while i < body.endIndex {
            let end = body.index(i, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
            pem += body[i..<end] + "\n"
            i = end
        }
        pem += "-----END \(block.tag)-----\n"
        // NOTE: the pass phrase goes to OpenSSL as a C string; one holding NUL is cut there.
        return OpenSSLKey.privateKey(pem: Array(pem.utf8), passphrase: String(decoding: password, as: UTF8.self))
    }

    /// The DER's outline fits the label (an RSA label on a PKCS#8 body does not open).
    private static func shapeMatches(_ der: [UInt8], _ type: OpenSSLKey.TypeSpecific) -> Bool {
        guard let outer = DER.read(der, at: 0), outer.tag == 0x30, !outer.truncated, outer.end == der.count else { return false }
        let children = DER.children(der, of: outer)
        switch type {
        case .rsa: return children.count >= 9 && children.allSatisfy { $0.tag == 0x02 }
        case .dsa: return children.count == 6 && children.allSatisfy { $0.tag == 0x02 }
        case .ec: return children.count >= 2 && children[0].tag == 0x02 && children[1].tag == 0x04
        }
    }

    /// After a failed load, the SDK tries the bytes as a DER, PEM and OpenSSH public key.
    private static func isPublicKey(_ data: [UInt8]) -> Bool {
        if OpenSSLKey.publicKey(exactDER: data) != nil { return true }
        if let blocks = PEM.parseMany(data), let block = blocks.first(where: { $0.tag == "PUBLIC KEY" || $0.tag == "RSA PUBLIC KEY" }) {
            let key = block.tag == "PUBLIC KEY" ? OpenSSLKey.publicKey(spki: block.contents) : OpenSSLKey.rsaPublicKey(pkcs1: block.contents)
            if key != nil { return true }
        }
        // `load_ssh_public_key`: `<type> <base64> [comment]` whose blob names the same type.
        let fields = data.split(maxSplits: 2, whereSeparator: { $0 == 32 || $0 == 9 })
        guard fields.count >= 2, let blob = Base64.decode(fields[1].filter { Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") }),
              blob.count > 4 else { return false }
        let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard length <= blob.count - 4, Array(blob[4..<(4 + length)]) == Array(fields[0]) else { return false }
        return Fingerprint(sshBlob: blob) != nil
    }

    /// Python `bytes.strip()`: ASCII whitespace off both ends.
    private static func strip(_ bytes: [UInt8]) -> [UInt8] {
        let space: (UInt8) -> Bool = { $0 == 32 || (9...13).contains($0) }
        guard let first = bytes.firstIndex(where: { !space($0) }), let last = bytes.lastIndex(where: { !space($0) }) else { return [] }
        return Array(bytes[first...last])
    }

    /// PEM as the Rust `pem` crate (3.x) reads it, which `cryptography` uses.
    package enum PEM {
        /// One block.
        package struct Block {
            /// The label (`RSA PRIVATE KEY`).
            package var tag: String
            /// `Proc-Type`, `DEK-Info`, … in order.
            package var headers: [(String, String)]
            /// The decoded body.
            package var contents: [UInt8]

            /// The header `name`'s value.
            package func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        }

        /// Every block in `data`; nil when there is none, or when any block is
        /// malformed (the crate then fails the whole text): a BEGIN and END
        /// label that differ or are empty, a header line without `:`, a body
        /// that is not canonical padded base64 once Unicode whitespace is
        /// removed. A BEGIN with no END after it ends the text quietly.
        /// NOTE: the crate's marker search forgets a partial match without
        /// retrying its last byte, so `------BEGIN ` (six dashes) is no marker.
        package static func parseMany(_ data: [UInt8]) -> [Block]? {
            var captures: [(begin: ArraySlice<UInt8>, body: ArraySlice<UInt8>, end: ArraySlice<UInt8>)] = []
            var input = data[...]
            while let (r1, _) = readUntil(input, Array("-----BEGIN ".utf8)),
                  let (r2, begin) = readUntil(r1, Array("-----".utf8)),
                  let (r3, body) = readUntil(skipWhitespace(r2), Array("-----END ".utf8)),
                  let (r4, end) = readUntil(r3, Array("-----".utf8)) {
                captures.append((begin, body, end))
                input = skipWhitespace(r4)
            }
            guard !captures.isEmpty else { return nil }
            var blocks: [Block] = []
            for capture in captures {
                guard let tag = String(validating: capture.begin, as: UTF8.self), !tag.isEmpty,
                      let endTag = String(validating: capture.end, as: UTF8.self), !endTag.isEmpty, tag == endTag,
                      let raw = String(validating: capture.body, as: UTF8.self) else { return nil }
                var headers: [(String, String)] = []
                var body = Substring(raw)
                if let split = raw.range(of: "\r\n\r\n") ?? raw.range(of: "\n\n") {
                    // NOTE: by scalars: a Swift Character joins "\r\n" into one.
                    let head = raw[..<split.lowerBound].unicodeScalars
                    for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
                        let text = Substring(line.last == "\r" ? line.dropLast() : line)
                        guard let colon = text.unicodeScalars.firstIndex(of: ":") else { return nil }
                        headers.append((Substring(text.unicodeScalars[..<colon]).trimmingWhitespace(),
                                        Substring(text.unicodeScalars[text.unicodeScalars.index(after: colon)...]).trimmingWhitespace()))
                    }
                    body = raw[split.upperBound...]
                }
                let characters = body.unicodeScalars.filter { !$0.properties.isWhitespace }
                guard characters.allSatisfy(\.isASCII),
                      let contents = canonicalBase64(characters.map { UInt8($0.value) }) else { return nil }
                blocks.append(Block(tag: tag, headers: headers, contents: contents))
            }
            return blocks
        }

        /// The crate's `read_until`: the bytes after `marker` and the bytes before it.
        private static func readUntil(_ input: ArraySlice<UInt8>, _ marker: [UInt8]) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
            var index = input.startIndex
            var found = 0
            while input.endIndex - index >= marker.count - found {
                if input[index] == marker[found] { found += 1 } else { found = 0 }
                index += 1
                if found == marker.count { return (input[index...], input[..<(index - found)]) }
            }
            return nil
        }

        private static func skipWhitespace(_ input: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            input.drop { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
        }

        /// Standard base64 with canonical padding and zero trailing bits; nil otherwise.
        package static func canonicalBase64(_ text: [UInt8]) -> [UInt8]? {
            guard text.count % 4 == 0 else { return nil }
            let padding = text.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, text.dropLast(padding).allSatisfy(Base64.isAlphabet),
                  text.allSatisfy({ $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "_") }),
                  let decoded = Base64.decode(text) else { return nil }
            // Canonical: the decoded bytes encode back to the same text (no stray bits).
            guard Array(Base64.encode(decoded).utf8) == text else { return nil }
            return decoded
        }
    }
}

private extension Substring {
    /// Unicode whitespace off both ends (Rust `str::trim`).
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
