import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
import Foundation
import Yams
import KeyLeakRuleFile

/// `.keyleak.yaml`: what a repository tells keyleak about itself. Read
/// strictly: an unknown key or a wrong type is an error naming the file and
/// line, never silently ignored.
public struct ConfigFile: Sendable {
    /// `fail-on`: the default for `--fail-on`.
    public var failOn: Severity?
    /// `paths.ignore`: globs of paths to leave out.
    public var ignore: [String] = []
    /// `allow.fingerprints`: keys to allow (test fixtures), each with its reason.
    public var allowedFingerprints: [String: String] = [:]
    /// `known-keys`: files of registered keys, resolved against the config's folder.
    public var knownKeys: [String] = []
    /// `rules.extra`: folders of additional rule files, resolved against the config's folder.
    public var extraRules: [String] = []
    /// `rules.disable`: rule ids to turn off.
    public var disabledRules: [String] = []
    /// `max-findings-per-file`: the default for `--max-findings-per-file` (at least 1).
    public var maxFindingsPerFile: Int?
    /// The file this came from (`BASE:.keyleak.yaml` when read from a commit).
    public var path: String?
    /// The line of each `known-keys` and `rules.extra` entry, by its resolved
    /// path: where an error about the file it names points.
    public var referenceLines: [String: Int] = [:]

    /// An empty config.
    public init() {}

    /// The name looked for at a scan's root.
    public static let fileName = ".keyleak.yaml"

    /// What this config asks of a scan that could hide findings, one phrase
    /// each (`rules.disable: oci-config`): reported when it is not obeyed.
    public var requests: [String] {
        var out: [String] = []
        if !disabledRules.isEmpty { out.append("rules.disable: " + disabledRules.joined(separator: ", ")) }
        if !ignore.isEmpty { out.append("paths.ignore: " + ignore.joined(separator: ", ")) }
        if !allowedFingerprints.isEmpty { out.append("allow.fingerprints: " + allowedFingerprints.keys.sorted().joined(separator: ", ")) }
        if let failOn { out.append("fail-on: \(failOn.rawValue)") }
        if !extraRules.isEmpty { out.append("rules.extra: " + extraRules.joined(separator: ", ")) }
        if !knownKeys.isEmpty { out.append("known-keys: " + knownKeys.joined(separator: ", ")) }
        return out
    }

    /// The config that applies to a scan of `root`: `root/.keyleak.yaml` if present.
    public static func discover(root: String) throws -> ConfigFile? {
        let candidate = (root as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: candidate) else { return nil }
        return try load(candidate)
    }

    /// Reads the config file at `path`; names in it resolve against its folder.
    public static func load(_ path: String) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScanError.config(file: path, line: nil, message: "cannot read the config file")
        }
        return try parse(data, name: path, folder: (path as NSString).deletingLastPathComponent)
    }

    /// Parses config bytes read from `name` (a file, or `REV:.keyleak.yaml`);
    /// relative `known-keys` and `rules.extra` entries resolve against `folder`
    /// (empty: left relative, as paths from the top of a commit's tree).
    public static func parse(_ data: Data, name path: String, folder: String) throws -> ConfigFile {
        let text = String(decoding: data, as: UTF8.self)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, .basic)  // untyped scalars: no regex set-up (see RuleSet)
        } catch {
            let (line, problem) = YAMLProblem.describe(error)
            throw ScanError.config(file: path, line: line, message: problem)
        }
        var config = ConfigFile()
        config.path = path
        guard let node else { return config }  // an empty file configures nothing
        let resolve = { (p: String) -> String in
            p.hasPrefix("/") || folder.isEmpty ? p : (folder as NSString).appendingPathComponent(p)
        }
        /// The entries of a list of paths, resolved, each with its line recorded.
        func references(_ value: Node, _ what: String) throws -> [String] {
            guard case let .sequence(items) = value else {
                throw ScanError.config(file: path, line: line(value), message: "\(what) must be a list of strings")
            }
            return try items.map { item in
                let resolved = resolve(try scalar(item, "each entry of \(what)", path))
                if let number = line(item) { config.referenceLines[resolved] = number }
                return resolved
            }
        }
        let root = try mapping(node, "the top level", path)
        for (keyNode, value) in root {
            let key = try scalar(keyNode, "a key", path)
            switch key {
            case "fail-on":
                let text = try scalar(value, "fail-on", path)
                guard let severity = Severity(rawValue: text) else {
                    throw ScanError.config(file: path, line: line(value), message: "fail-on must be one of low, medium, high, critical")
                }
                config.failOn = severity
            case "paths":
                for (k, v) in try mapping(value, "paths", path) {
                    let name = try scalar(k, "a key", path)
                    guard name == "ignore" else { throw unknown("paths.\(name)", k, path, known: ["ignore"]) }
                    config.ignore = try strings(v, "paths.ignore", path)
                }
            case "allow":
                for (k, v) in try mapping(value, "allow", path) {
                    let name = try scalar(k, "a key", path)
                    guard name == "fingerprints" else { throw unknown("allow.\(name)", k, path, known: ["fingerprints"]) }
                    guard case let .sequence(items) = v else {
                        throw ScanError.config(file: path, line: line(v), message: "allow.fingerprints must be a list of {fingerprint, reason}")
                    }
                    for item in items {
                        var fingerprint: String?
                        var reason: String?
                        for (ik, iv) in try mapping(item, "an allow.fingerprints entry", path) {
                            switch try scalar(ik, "a key", path) {
                            case "fingerprint": fingerprint = try scalar(iv, "fingerprint", path)
                            case "reason": reason = try scalar(iv, "reason", path)
                            case let other: throw unknown("allow.fingerprints[].\(other)", ik, path, known: ["fingerprint", "reason"])
                            }
                        }
                        guard let raw = fingerprint, let valid = OCIConfig.fingerprint(raw) else {
                            throw ScanError.config(file: path, line: line(item), message: "allow.fingerprints entry needs a fingerprint of 16 colon-separated hex bytes")
                        }
                        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                            throw ScanError.config(file: path, line: line(item), message: "allow.fingerprints entry \(valid) needs a reason")
                        }
                        config.allowedFingerprints[valid] = reason
                    }
                }
            case "max-findings-per-file":
                let text = try scalar(value, "max-findings-per-file", path)
                guard let limit = Int(text), limit >= 1 else {
                    throw ScanError.config(file: path, line: line(value), message: "max-findings-per-file must be a whole number of at least 1, not '\(text)'")
                }
                config.maxFindingsPerFile = limit
            case "known-keys":
                config.knownKeys = try references(value, "known-keys")
            case "rules":
                for (k, v) in try mapping(value, "rules", path) {
                    switch try scalar(k, "a key", path) {
                    case "extra": config.extraRules = try references(v, "rules.extra")
                    case "disable": config.disabledRules = try strings(v, "rules.disable", path)
                    case let other: throw unknown("rules.\(other)", k, path, known: ["extra", "disable"])
                    }
                }
            default:
                throw unknown(key, keyNode, path, known: ["fail-on", "paths", "allow", "known-keys", "rules", "max-findings-per-file"])
            }
        }
        return config
    }

    private static func line(_ node: Node) -> Int? { node.mark.map { $0.line } }

    private static func unknown(_ key: String, _ node: Node, _ file: String, known: [String]) -> ScanError {
        ScanError.config(file: file, line: line(node), message: "unknown key \(YAMLProblem.quoted(key: key)) (known: \(known.joined(separator: ", ")))")
    }

    private static func mapping(_ node: Node, _ what: String, _ file: String) throws -> [(Node, Node)] {
        guard case let .mapping(m) = node else {
            throw ScanError.config(file: file, line: line(node), message: "\(what) must be a mapping (key: value)")
        }
        return m.map { ($0.key, $0.value) }
    }

    private static func scalar(_ node: Node, _ what: String, _ file: String) throws -> String {
        guard case let .scalar(s) = node else {
            throw ScanError.config(file: file, line: line(node), message: "\(what) must be a single value")
        }
        return s.string
    }

    private static func strings(_ node: Node, _ what: String, _ file: String) throws -> [String] {
        guard case let .sequence(items) = node else {
            throw ScanError.config(file: file, line: line(node), message: "\(what) must be a list of strings")
        }
        return try items.map { try scalar($0, "each entry of \(what)", file) }
    }

    /// The commented starter file `keyleak init` writes.
    public static let starter = """
    # keyleak configuration (see "Configuration" in keyleak's README).
    # Every key is optional; an unknown key is an error, so typos do not pass silently.

    # Exit 1 when a finding is at or above this severity: low, medium, high, critical.
    fail-on: medium

    # Findings listed per file; the rest are counted in one finding rated as the worst of them.
    max-findings-per-file: 1000

    paths:
      # Globs of paths to leave out: * within a folder, ** across folders.
      ignore: []
      #  - "vendor/**"
      #  - "**/*.min.js"

    allow:
      # Keys that may stay (test fixtures that were never registered anywhere).
      # `keyleak fingerprint FILE` prints a key's fingerprint.
      fingerprints: []
      #  - fingerprint: "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef"
      #    reason: test fixture key, never registered

    # Registered OCI API keys (`oci iam user api-key list --user-id OCID > file`),
    # `fingerprint [label]` lines, or PEM public keys. Paths are relative to this file.
    known-keys: []

    rules:
      # Folders of extra rule files (*.yaml), relative to this file.
      extra: []
      # Rule ids to turn off (`keyleak rules list` shows them).
      disable: []

    """
}
