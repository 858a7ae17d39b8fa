import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The config a scan obeys, read from where DESIGN.md's trust boundary says,
/// and the files it names, read only from where it may name them.
///
/// - A change (`--git BASE..TIP`, `--staged`) is scanned with the config of
///   its base (`BASE:.keyleak.yaml`; for `--staged` HEAD's, none before the
///   first commit), and the files that config names are read from that commit
///   too: the change under review cannot configure its own scan. A change to
///   the config itself becomes a `keyleak-config-change` finding.
/// - `--config FILE`, `--trust-repo-config`, `--git` without a range or with a
///   single revision, and file scans read `.keyleak.yaml` from disk.
/// - A config on disk may name files (`known-keys`, `rules.extra`) only inside
///   the scan root (the repository for git scans) or, for a config chosen with
///   `--config`, beside or below it, after links and `..` are resolved; files
///   anywhere else must be named on the command line (`--known-keys`, `--rules`).
struct LoadedConfig {
    /// The config obeyed, if any.
    var file: ConfigFile?
    /// The `known-keys` files it names: (name for messages, bytes).
    var knownKeys: [(name: String, data: Data)] = []
    /// The rule files of its `rules.extra` folders: (name for messages, YAML text).
    var extraRules: [(name: String, text: String)] = []
    /// How the config changed in the change under review, with the commit that changed it last.
    var change: (facts: ConfigChangeFacts, commit: GitSource.Introduction?)?

    /// No config.
    init() {}

    /// The config `request` is to obey, and what it names.
    init(for request: ScanRequest) throws {
        if let explicit = request.configFile {
            let config = try ConfigFile.load(explicit)
            let folder = (explicit as NSString).deletingLastPathComponent
            try readNamedFiles(of: config, roots: [LoadedConfig.scanRoot(request), folder.isEmpty ? "." : folder])
            return
        }
        if !request.trustRepoConfig {
            let source = GitSource(directory: request.repository)
            switch request.target {
            case .staged:
                // NOTE: a pre-commit hook's fast path. With no `.keyleak.yaml` in
                // the work tree, no config is at least as strict as HEAD's, so
                // git is not asked for it (one process less: about 8 ms of a
                // 30 ms hook). What is lost: the low finding for a config that
                // `git rm` is deleting.
                let top = LoadedConfig.scanRoot(request)
                guard FileManager.default.fileExists(atPath: (top as NSString).appendingPathComponent(ConfigFile.fileName)) else {
                    return
                }
                try readFromBase(source, base: GitSource.Revision(name: "HEAD", id: "HEAD"), tips: [":"], range: nil)
                return
            case .push(let pushed) where pushed.side == .server:
                // NOTE: a server obeys its own config (`--config`), never one the
                // pusher sends: with none named, it scans with the defaults.
                return
            case let .history(range?):
                let revisions = try source.revisions(of: .expression(range))
                // NOTE: a range that excludes nothing (one revision) is a history,
                // not a change: like all refs, it is read with the working tree's config.
                if let base = revisions.excluded.first {
                    try readFromBase(source, base: base, tips: revisions.included.map { $0.id + ":" }, range: range)
                    return
                }
            case .history(nil), .files, .push: break
            }
        }
        let root = request.configRoot
        guard let config = try ConfigFile.discover(root: root) else { return }
        try readNamedFiles(of: config, roots: [LoadedConfig.scanRoot(request)])
    }

    /// The `keyleak-config-change` finding for `change`, when there is one and `rule` is enabled.
    func findings(rule: Rule?) -> [Finding] {
        guard let rule, let change else { return [] }
        var finding = Finding(rule: rule.id, analyzer: rule.analyzer, severity: rule.severity, path: ConfigFile.fileName,
                              line: 1, column: 1, endLine: 1, preview: "\(change.facts.kind.rawValue) \(ConfigFile.fileName)")
        finding.configChange = change.facts
        finding.commit = change.commit?.commit
        finding.author = change.commit?.author
        finding.date = change.commit?.date
        return [finding]
    }

    /// Where files named by a config may be: the scanned folder, or the
    /// repository's working tree for git scans.
    private static func scanRoot(_ request: ScanRequest) -> String {
        switch request.target {
        case .files: return request.configRoot
        case .staged, .history, .push: return WorktreeBlob.topLevel(of: request.repository) ?? request.repository
        }
    }

    // MARK: - A config read from a commit

    /// Reads `.keyleak.yaml` at `base` (and the files it names, from there),
    /// and at each of `tips` (`REV:` prefixes; `:` is the index) to see
    /// whether the change under review touches it.
    private mutating func readFromBase(_ source: GitSource, base: GitSource.Revision, tips: [String], range: String?) throws {
        let baseName = base.id + ":" + ConfigFile.fileName
        let tipNames = tips.map { $0 + ConfigFile.fileName }
        let blobs = try source.blobs(at: [baseName] + tipNames)
        let label = base.name + ":" + ConfigFile.fileName
        let baseBlob = blobs[baseName] ?? nil
        if let baseBlob {
            let config = try ConfigFile.parse(Data(baseBlob.bytes), name: label, folder: "")
            try readNamedFiles(of: config, commit: base, source: source)
        }
        for name in tipNames {
            let tipBlob = blobs[name] ?? nil
            guard tipBlob?.object != baseBlob?.object else { continue }
            let kind: ConfigChangeFacts.Kind = baseBlob == nil ? .added : tipBlob == nil ? .deleted : .modified
            var requests: [String] = []
            if let tipBlob {
                if let changed = try? ConfigFile.parse(Data(tipBlob.bytes), name: name, folder: "") {
                    let before = Set(file?.requests ?? [])
                    requests = changed.requests.filter { !before.contains($0) }
                } else {
                    requests = ["(not a valid config)"]
                }
            }
            let commit = range.flatMap { source.lastChange(of: ConfigFile.fileName, range: .expression($0))?.introduction }
            change = (ConfigChangeFacts(kind: kind, base: base.name, requests: requests), commit)
            break
        }
    }

    /// Reads the files `config` (read from `commit`) names, from the same
    /// commit: `known-keys` files and the rule files of `rules.extra` folders.
    private mutating func readNamedFiles(of config: ConfigFile, commit: GitSource.Revision, source: GitSource) throws {
        file = config
        let label = config.path ?? ConfigFile.fileName
        for entry in config.knownKeys {
            let path = try LoadedConfig.treePath(entry, config: config)
            guard let blob = try source.blobs(at: [commit.id + ":" + path])[commit.id + ":" + path] ?? nil else {
                throw ScanError.config(file: label, line: config.referenceLines[entry],
                                       message: "known-keys names \(path), which is not a file in \(commit.name)")
            }
            knownKeys.append((commit.name + ":" + path, Data(blob.bytes)))
        }
        for entry in config.extraRules {
            let folder = try LoadedConfig.treePath(entry, config: config)
            guard let listing = try? source.git.run(["ls-tree", "-z", commit.id + ":" + folder]) else {
                throw ScanError.config(file: label, line: config.referenceLines[entry],
                                       message: "rules.extra names \(folder), which is not a folder in \(commit.name)")
            }
            let names = listing.split(separator: 0).compactMap { entry -> String? in
                // `mode type id\tname`
                guard let tab = entry.firstIndex(of: 9), entry.starts(with: Array("100".utf8)) else { return nil }
                let name = String(decoding: entry[(tab + 1)...], as: UTF8.self)
                return name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? folder + "/" + name : nil
            }.sorted()
            let blobs = try source.blobs(at: names.map { commit.id + ":" + $0 })
            for name in names {
                guard let blob = blobs[commit.id + ":" + name] ?? nil else { continue }
                extraRules.append((commit.name + ":" + name, String(decoding: blob.bytes, as: UTF8.self)))
            }
        }
    }

    /// `entry` as a path from the top of a commit's tree (`.` and `..`
    /// resolved), or an error at its line when it is absolute or climbs out.
    private static func treePath(_ entry: String, config: ConfigFile) throws -> String {
        var parts: [Substring] = []
        var inside = !entry.hasPrefix("/")
        for part in entry.split(separator: "/") where inside {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { inside = false } else { parts.removeLast() }
            } else {
                parts.append(part)
            }
        }
        guard inside, !parts.isEmpty else {
            throw ScanError.config(file: config.path ?? ConfigFile.fileName, line: config.referenceLines[entry],
                                   message: "\(entry) is outside the repository: a config read from a commit names files by their path in it; name others on the command line (--known-keys, --rules)")
        }
        return parts.joined(separator: "/")
    }

    // MARK: - A config read from disk

    /// Reads the files `config` (read from disk) names, each only when it
    /// resolves (links and `..` followed) inside one of `roots`.
    private mutating func readNamedFiles(of config: ConfigFile, roots: [String]) throws {
        file = config
        let realRoots = roots.compactMap(LoadedConfig.realPath)
        let label = config.path ?? ConfigFile.fileName
        for entry in config.knownKeys {
            let real = try LoadedConfig.confined(entry, roots: realRoots, config: config, what: "known-keys", flag: "--known-keys")
            guard let data = FileManager.default.contents(atPath: real) else {
                throw ScanError.config(file: label, line: config.referenceLines[entry], message: "known-keys names \(entry), which cannot be read")
            }
            knownKeys.append((entry, data))
        }
        for entry in config.extraRules {
            let real = try LoadedConfig.confined(entry, roots: realRoots, config: config, what: "rules.extra", flag: "--rules")
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: real)
            } catch {
                throw ScanError.config(file: label, line: config.referenceLines[entry], message: "rules.extra names \(entry), which is not a readable folder")
            }
            for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = (entry as NSString).appendingPathComponent(name)
                let file = try LoadedConfig.confined(path, roots: realRoots, config: config, what: "rules.extra", flag: "--rules", line: config.referenceLines[entry])
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ScanError.config(file: label, line: config.referenceLines[entry], message: "rules.extra: \(path) cannot be read")
                }
                extraRules.append((path, String(decoding: data, as: UTF8.self)))
            }
        }
    }

    /// The real path of `entry` when it is inside one of `roots` (real paths);
    /// else an error at the entry's line in the config.
    private static func confined(_ entry: String, roots: [String], config: ConfigFile, what: String, flag: String,
                                 line: Int? = nil) throws -> String {
        let label = config.path ?? ConfigFile.fileName
        let number = line ?? config.referenceLines[entry]
        guard let real = realPath(entry) else {
            throw ScanError.config(file: label, line: number, message: "\(what) names \(entry), which does not exist")
        }
        guard roots.contains(where: { root in root == "/" || real == root || real.hasPrefix(root + "/") }) else {
            throw ScanError.config(file: label, line: number,
                                   message: "\(what) names \(entry), which is outside the repository or scan root (\(roots.joined(separator: ", "))): a config may name only files inside it; name others on the command line (\(flag))")
        }
        return real
    }

    /// `path` with every link and `..` resolved, nil when it does not exist.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
