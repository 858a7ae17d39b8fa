import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
import Foundation

/// Installs keyleak's pre-commit or pre-push hook into a repository's hooks
/// directory (honouring `core.hooksPath`), keeping and chaining a hook that
/// was there before, and removes it again, restoring that hook.
public struct HookInstaller {
    /// The client-side hooks keyleak installs.
    public enum Hook: String, Sendable, CaseIterable {
        /// Scans what `git commit` would record (`scan --staged`).
        case preCommit = "pre-commit"
        /// Scans what `git push` would send (`hook pre-push`).
        case prePush = "pre-push"
    }

    /// Where a previous pre-commit hook is kept while keyleak's is installed.
    public static let previousName = Hook.preCommit.rawValue + previousSuffix
    /// What a previous hook's name gets while keyleak's is installed.
    static let previousSuffix = ".keyleak-previous"
    /// A line only keyleak's pre-commit hook contains.
    package static let signature = signature(of: .preCommit)

    /// A line only keyleak's `hook` contains.
    static func signature(of hook: Hook) -> String { "keyleak \(hook.rawValue) hook" }

    /// What an install or uninstall did.
    public enum Outcome: Equatable, Sendable {
        case installed, alreadyInstalled, installedChaining, replaced
        case uninstalled, restoredPrevious
        /// keyleak's lines were added to husky's `.husky/pre-commit` (or removed from it).
        case addedToHusky, removedFromHusky
    }

    package let git: GitCommand
    /// The hook installed or removed.
    public let hook: Hook

    /// `hook` of the repository at (or above) `repository`.
    public init(repository: String, hook: Hook = .preCommit) {
        git = GitCommand(directory: repository)
        self.hook = hook
    }

    /// The hook script as shipped in `hooks/pre-commit` (or `hooks/pre-push`), pointing at `binary`.
    public static func script(binary: String, hook: Hook = .preCommit) -> String {
        let template = EmbeddedRules.files.first { $0.name == "hooks/" + hook.rawValue }
            .map { String(decoding: Data(base64Encoded: $0.base64) ?? Data(), as: UTF8.self) } ?? ""
        return template.replacingOccurrences(of: "KEYLEAK=${KEYLEAK:-keyleak}", with: "KEYLEAK=${KEYLEAK:-\(shellQuoted(binary))}")
    }

    /// The repository's hooks directory (absolute).
    public func hooksDirectory() throws -> String {
        let path: String
        do {
            path = try git.text(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        } catch {
            throw ScanError.hook("\(git.directory): not a git repository")
        }
        return path
    }

    /// The user's husky script (`.husky/pre-commit`) when `directory` is the
    /// folder husky points `core.hooksPath` at (`.husky/_`, holding husky's
    /// `h` runner in v9 or `husky.sh` in v8), else nil.
    /// NOTE: husky's stubs find the user's script by their own file name, so
    /// a stub kept under another name runs nothing: keyleak joins the user's
    /// script instead of replacing the stub.
    static func huskyScript(hooksDirectory directory: String, hook: Hook = .preCommit) -> String? {
        let fm = FileManager.default
        guard (directory as NSString).lastPathComponent == "_",
              fm.fileExists(atPath: directory + "/h") || fm.fileExists(atPath: directory + "/husky.sh") else { return nil }
        return (directory as NSString).deletingLastPathComponent + "/" + hook.rawValue
    }

    /// `text` as one POSIX shell word: single-quoted, its own quotes escaped.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The lines keyleak adds to a husky script: a marked comment, then the scan.
    static func huskyLines(binary: String, hook: Hook = .preCommit) -> String {
        switch hook {
        case .preCommit:
            return "# \(signature(of: hook)): the commit is stopped when it records a private key (keyleak hook uninstall removes these two lines)\n"
                + "\(shellQuoted(binary)) scan --staged\n"
        case .prePush:
            return "# \(signature(of: hook)): the push is stopped when it sends a private key (keyleak hook uninstall --pre-push removes these two lines)\n"
                + "\(shellQuoted(binary)) hook pre-push \"$@\"\n"
        }
    }

    /// A hook manager keyleak cannot join by itself (lefthook, the pre-commit
    /// framework), with how to add keyleak to it; nil when there is none.
    func otherManager(hook: String) -> String? {
        let existing = FileManager.default.contents(atPath: hook).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if existing.contains("pre-commit.com") {
            return "\(hook) belongs to the pre-commit framework: add the keyleak hook to .pre-commit-config.yaml instead (see README)"
        }
        let top = (try? git.text(["rev-parse", "--show-toplevel"])) ?? git.directory
        let lefthook = ["lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml"].contains {
            FileManager.default.fileExists(atPath: top + "/" + $0)
        }
        if existing.contains("lefthook") || lefthook {
            let command = self.hook == .preCommit ? "keyleak scan --staged" : "keyleak hook pre-push {1}"
            return "\(hook) belongs to lefthook: add `\(command)` under \(self.hook.rawValue): commands: in lefthook.yml instead"
        }
        return nil
    }

    /// Installs the pre-commit hook running `binary`, keeping and chaining a
    /// hook already there (unless `force`). In a husky repository keyleak's
    /// lines join the user's `.husky/pre-commit`; with lefthook or the
    /// pre-commit framework it refuses (unless `force`) and says how to add it there.
    public func install(binary: String, force: Bool) throws -> (Outcome, String) {
        let directory = try hooksDirectory()
        if let husky = HookInstaller.huskyScript(hooksDirectory: directory, hook: hook) {
            let existing = FileManager.default.contents(atPath: husky).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let lines = HookInstaller.huskyLines(binary: binary, hook: hook)
            if existing.contains(lines) { return (.alreadyInstalled, husky) }
            var updated = HookInstaller.removingHuskyLines(existing, hook: hook)
            if !updated.isEmpty, !updated.hasSuffix("\n") { updated += "\n" }
            updated += lines
            try Data(updated.utf8).write(to: URL(fileURLWithPath: husky))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: husky)
            return (.addedToHusky, husky)
        }
        if !force, let manager = otherManager(hook: directory + "/" + self.hook.rawValue) {
            throw ScanError.hook(manager + " (or use --force to replace the hook)")
        }
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let hook = directory + "/" + self.hook.rawValue
        let previous = hook + HookInstaller.previousSuffix
        let script = HookInstaller.script(binary: binary, hook: self.hook)
        var outcome = Outcome.installed
        if let existing = fm.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }) {
            if existing == script { return (.alreadyInstalled, hook) }
            if existing.contains(HookInstaller.signature(of: self.hook)) {
                outcome = .installed  // keyleak's own hook, another binary path: update it
            } else if force {
                outcome = .replaced
            } else {
                guard !fm.fileExists(atPath: previous) else {
                    throw ScanError.hook("\(hook) exists and \(previous) too: move one away, or use --force to overwrite the hook")
                }
                try fm.moveItem(atPath: hook, toPath: previous)
                outcome = .installedChaining
            }
        }
        try Data(script.utf8).write(to: URL(fileURLWithPath: hook))
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
        return (outcome, hook)
    }

    /// `text` without the two lines `huskyLines` adds (whatever binary they name).
    static func removingHuskyLines(_ text: String, hook: Hook = .preCommit) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let marker = lines.firstIndex(where: { $0.hasPrefix("# " + signature(of: hook)) }) {
            lines.removeSubrange(marker...min(marker + 1, lines.count - 1))
        }
        return lines.joined(separator: "\n")
    }

    /// Removes keyleak's hook and puts back the one it replaced (in a husky
    /// repository: removes keyleak's lines from `.husky/pre-commit`).
    public func uninstall() throws -> (Outcome, String) {
        let directory = try hooksDirectory()
        if let husky = HookInstaller.huskyScript(hooksDirectory: directory, hook: hook) {
            let existing = FileManager.default.contents(atPath: husky).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let updated = HookInstaller.removingHuskyLines(existing, hook: hook)
            guard updated != existing else { throw ScanError.hook("\(husky) holds no keyleak lines: nothing to uninstall") }
            try Data(updated.utf8).write(to: URL(fileURLWithPath: husky))
            return (.removedFromHusky, husky)
        }
        let fm = FileManager.default
        let hook = directory + "/" + self.hook.rawValue
        let previous = hook + HookInstaller.previousSuffix
        guard let existing = fm.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }),
              existing.contains(HookInstaller.signature(of: self.hook)) else {
            throw ScanError.hook("\(hook) is not keyleak's hook: nothing to uninstall")
        }
        try fm.removeItem(atPath: hook)
        if fm.fileExists(atPath: previous) {
            try fm.moveItem(atPath: previous, toPath: hook)
            return (.restoredPrevious, hook)
        }
        return (.uninstalled, hook)
    }
}
