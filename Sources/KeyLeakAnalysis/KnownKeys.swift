import KeyLeakInput
import KeyLeakMatching
import Foundation

/// Registered OCI API keys, by fingerprint, from `--known-keys` files: the
/// JSON `oci iam user api-key list` prints, text files of `fingerprint
/// [label]` lines, or PEM public keys.
public struct KnownKeys: Sendable {
    private var entries: [String: KnownKeyMatch] = [:]

    /// No known keys.
    public static let none = KnownKeys()
    /// True when no key is known.
    public var isEmpty: Bool { entries.isEmpty }
    /// How many keys are known.
    public var count: Int { entries.count }

    /// No known keys.
    public init() {}

    /// Loads every file; a file that cannot be read, is malformed or lists no key is an error.
    public init(files: [String]) throws {
        try self.init(files: files, contents: [])
    }

    /// Loads every file of `files`, then every (name, bytes) of `contents`
    /// (files a config names, already read: from a commit, or from inside the
    /// repository); one that is malformed or lists no key is an error.
    public init(files: [String], contents: [(name: String, data: Data)]) throws {
        var all: [(name: String, data: Data)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AnalysisError.knownKeys(file: file, line: nil, reason: "cannot read it")
            }
            all.append((file, data))
        }
        for (file, data) in all + contents {
            let text = String(decoding: data, as: UTF8.self)
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // NOTE: an empty file is what `oci iam user api-key list` prints for
            // a user with no keys: no key is known, which hides nothing.
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
                try loadJSON(data, file: file)
            } else if trimmed.contains("-----BEGIN") {
                try loadPEM(data, file: file)
            } else {
                try loadText(text, file: file)
            }
        }
    }

    /// The registered key with OCI fingerprint `fingerprint`, if any.
    public func lookup(_ fingerprint: String) -> KnownKeyMatch? { entries[fingerprint.lowercased()] }

    private mutating func add(_ fingerprint: String, _ match: KnownKeyMatch) {
        // A live entry (ACTIVE, CREATING, no state) wins over a rotated one for the same key.
        let rotated = { (m: KnownKeyMatch) in ["INACTIVE", "DELETING", "DELETED"].contains(m.state?.uppercased() ?? "") }
        if let existing = entries[fingerprint], !rotated(existing) || rotated(match) { return }
        entries[fingerprint] = match
    }

    private mutating func loadJSON(_ data: Data, file: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            // NOTE: not the parser's message: it may quote the text it stopped at.
            throw AnalysisError.knownKeys(file: file, line: nil, reason: "not valid JSON")
        }
        // `api-key list` prints {"data": [...]}; `api-key upload` {"data": {...}};
        // `--query 'data[].fingerprint'` an array of strings; `--query data` an array of objects.
        let items: [Any]
        if let dict = object as? [String: Any], let data = dict["data"] as? [Any] {
            items = data
        } else if let dict = object as? [String: Any], let data = dict["data"] as? [String: Any] {
            items = [data]
        } else if let dict = object as? [String: Any], dict["fingerprint"] != nil {
            items = [dict]
        } else if let array = object as? [Any] {
            items = array
        } else {
            throw AnalysisError.knownKeys(file: file, line: nil, reason: "expected what `oci iam user api-key list` or `api-key upload` prints: an object with \"data\" (a list of keys, or one key), or a list of keys or fingerprints")
        }
        for (index, item) in items.enumerated() {
            if let text = item as? String {
                guard let fingerprint = OCIConfig.fingerprint(text) else {
                    throw AnalysisError.knownKeys(file: file, line: nil, reason: "item \(index) is not a fingerprint (16 colon-separated hex bytes)")
                }
                add(fingerprint, KnownKeyMatch(label: nil, state: nil, user: nil, source: file))
                continue
            }
            guard let entry = item as? [String: Any] else {
                throw AnalysisError.knownKeys(file: file, line: nil, reason: "item \(index) is neither a key object nor a fingerprint")
            }
            guard let raw = entry["fingerprint"] as? String, let fingerprint = OCIConfig.fingerprint(raw) else {
                throw AnalysisError.knownKeys(file: file, line: nil, reason: "data[\(index)] has no valid \"fingerprint\" (16 colon-separated hex bytes)")
            }
            if let value = entry["key-value"] as? String {
                let key = OpenSSLKey.publicKey(pem: Array(value.utf8))
                guard let actual = key.flatMap({ Fingerprint(key: $0) })?.oci else {
                    throw AnalysisError.knownKeys(file: file, line: nil, reason: "data[\(index)] \"key-value\" is not a PEM public key")
                }
                guard actual == fingerprint else {
                    throw AnalysisError.knownKeys(file: file, line: nil, reason: "data[\(index)] lists fingerprint \(fingerprint) but its \"key-value\" has fingerprint \(actual)")
                }
            }
            add(fingerprint, KnownKeyMatch(label: entry["key-id"] as? String, state: entry["lifecycle-state"] as? String,
                                           user: entry["user-id"] as? String, source: file))
        }
    }

    private mutating func loadPEM(_ data: Data, file: String) throws {
        let name = (file as NSString).lastPathComponent
        let blocks = KeyFile.publicKeys(in: String(decoding: data, as: UTF8.self))
        if blocks.isEmpty { throw AnalysisError.knownKeys(file: file, line: nil, reason: "no PUBLIC KEY block") }
        for block in blocks {
            guard let fingerprint = block.identity?.oci else {
                throw AnalysisError.knownKeys(file: file, line: nil, reason: "a \(block.label) block does not parse")
            }
            add(fingerprint, KnownKeyMatch(label: name, state: nil, user: nil, source: file))
        }
    }

    private mutating func loadText(_ text: String, file: String) throws {
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard let fingerprint = OCIConfig.fingerprint(String(fields[0])) else {
                throw AnalysisError.knownKeys(file: file, line: number + 1, reason: "expected `fingerprint [label]` (16 colon-separated hex bytes, then an optional label)")
            }
            let label = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespaces) : nil
            add(fingerprint, KnownKeyMatch(label: label, state: nil, user: nil, source: file))
        }
    }
}
