import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import Foundation

/// Findings recorded as already known (`--write-baseline`), so that a later
/// scan (`--baseline`) reports only what is new. An entry is keyed by what
/// identifies the secret, not by line: rule, path, and the key's fingerprint
/// or a SHA-256 of the secret. The file holds no secret.
public struct Baseline: Sendable {
    package struct Entry: Hashable, Sendable {
        package var rule: String
        package var path: String
        package var identity: String
    }

    private var entries: Set<Entry> = []

    /// An empty baseline.
    public init() {}

    /// Entries recorded.
    public var count: Int { entries.count }

    /// A baseline file that cannot be read or is not a keyleak baseline.
    public struct Error: Swift.Error, CustomStringConvertible {
        /// One line naming the file.
        public var description: String
    }

    package static func entry(_ f: Finding) -> Entry {
        Entry(rule: f.rule, path: f.path, identity: f.key?.identity?.oci ?? f.oci?.fingerprint.map { "config:" + $0 } ?? f.secretHash ?? "")
    }

    /// The baseline of `findings`.
    public init(findings: [Finding]) {
        entries = Set(findings.map(Baseline.entry))
    }

    /// The baseline already holds `finding` (same rule, path and secret).
    public func contains(_ finding: Finding) -> Bool { entries.contains(Baseline.entry(finding)) }

    /// Reads a baseline written by `render()`.
    public static func load(_ path: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(description: "\(path): cannot read the baseline")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["version"] as? Int == 1, let list = object["entries"] as? [[String: Any]] else {
            throw Error(description: "\(path): not a keyleak baseline (expected {\"version\": 1, \"entries\": [...]})")
        }
        var baseline = Baseline()
        for (i, item) in list.enumerated() {
            guard let rule = item["rule"] as? String, let path = item["path"] as? String,
                  let identity = item["identity"] as? String else {
                throw Error(description: "\(path): entries[\(i)] needs rule, path and identity")
            }
            baseline.entries.insert(Entry(rule: rule, path: path, identity: identity))
        }
        return baseline
    }

    /// The baseline file: sorted entries, no line numbers, no secrets.
    public func render() -> String {
        let sorted = entries.sorted { ($0.path, $0.rule, $0.identity) < ($1.path, $1.rule, $1.identity) }
        let value = JSONWriter.Value.object([
            ("version", .int(1)),
            ("tool", .string("keyleak")),
            ("entries", .array(sorted.map {
                .object([("rule", .string($0.rule)), ("path", .string($0.path)), ("identity", .string($0.identity))])
            })),
        ])
        return JSONWriter.render(value) + "\n"
    }
}
