import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
import Foundation

/// Installs keyleak's pre-commit hook into a repository's hooks directory
/// (honouring `core.hooksPath`), keeping and chaining a hook that was there
/// before, and removes it again, restoring that hook.
public struct HookInstaller {
    /// Where a previous hook is kept while keyleak's is installed.
    public static let previousName = "pre-commit.keyleak-previous"
    /// A line only keyleak's hook contains.
    package static let signature = "keyleak pre-commit hook"

    /// What an install or uninstall did.
    public enum Outcome: Equatable, Sendable {
        case installed, alreadyInstalled, installedChaining, replaced
        case uninstalled, restoredPrevious
    }

    package let git: GitCommand

    /// Hooks of the repository at (or above) `repository`.
    public init(repository: String) {
        git = GitCommand(directory: repository)
    }

    /// The hook script as shipped in `hooks/pre-commit`, pointing at `binary`.
    public static func script(binary: String) -> String {
        let template = EmbeddedRules.files.first { $0.name == "hooks/pre-commit" }
            .map { String(decoding: Data(base64Encoded: $0.base64) ?? Data(), as: UTF8.self) } ?? ""
        let quoted = "'" + binary.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return template.replacingOccurrences(of: "KEYLEAK=${KEYLEAK:-keyleak}", with: "KEYLEAK=${KEYLEAK:-\(quoted)}")
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

    /// Installs the pre-commit hook running `binary`, keeping and chaining a hook already there (unless `force`).
    public func install(binary: String, force: Bool) throws -> (Outcome, String) {
        let directory = try hooksDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let hook = directory + "/pre-commit"
        let previous = directory + "/" + HookInstaller.previousName
        let script = HookInstaller.script(binary: binary)
        var outcome = Outcome.installed
        if let existing = fm.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }) {
            if existing == script { return (.alreadyInstalled, hook) }
            if existing.contains(HookInstaller.signature) {
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

    /// Removes keyleak's hook and puts back the one it replaced.
    public func uninstall() throws -> (Outcome, String) {
        let directory = try hooksDirectory()
        let fm = FileManager.default
        let hook = directory + "/pre-commit"
        let previous = directory + "/" + HookInstaller.previousName
        guard let existing = fm.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }),
              existing.contains(HookInstaller.signature) else {
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
