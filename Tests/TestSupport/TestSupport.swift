import Foundation

/// A temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("keyleak-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Restore permissions a test may have removed, so everything can be deleted.
        _ = try? Shell.run("chmod", ["-R", "u+rwx", url.path])
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` (or bytes) at a relative path, creating folders.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, Data(text.utf8))
    }

    @discardableResult
    public func write(_ relative: String, _ data: Data) throws -> String {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return file.path
    }

    public func file(_ relative: String) -> String { url.appendingPathComponent(relative).path }
}

public struct ShellError: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var stderr: String
    public var description: String { "\(command) exited \(status): \(stderr)" }
}

/// Runs external programs (openssl, ssh-keygen, the keyleak binary).
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `tool` (looked up on PATH unless it contains a slash) and returns its output.
    public static func run(_ tool: String, _ arguments: [String], input: Data? = nil, cwd: String? = nil,
                           environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        if tool.contains("/") {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
        }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(input) }
        try inp.fileHandleForWriting.close()
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `tool` and returns standard output, throwing on a non-zero exit.
    @discardableResult
    public static func check(_ tool: String, _ arguments: [String], input: Data? = nil, cwd: String? = nil) throws -> Data {
        let result = try run(tool, arguments, input: input, cwd: cwd)
        guard result.status == 0 else {
            throw ShellError(command: ([tool] + arguments).joined(separator: " "), status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    public static func available(_ tool: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(tool)"]).status) == 0
    }
}

/// Private keys generated at test time with the openssl command line.
public enum TestKeys {
    /// Generates a key with `openssl genpkey` arguments into `dir/name` and returns its PEM text.
    public static func generate(_ dir: TemporaryDirectory, _ name: String, _ arguments: [String]) throws -> String {
        let path = dir.file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Shell.check("openssl", ["genpkey"] + arguments + ["-out", path])
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    public static func rsa(_ dir: TemporaryDirectory, _ name: String = "rsa.pem", bits: Int = 2048) throws -> String {
        try generate(dir, name, ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)"])
    }

    /// Converts a PEM key with `openssl pkey` extra arguments (`-traditional`, `-outform DER`, …).
    public static func convert(_ pem: String, _ arguments: [String]) throws -> Data {
        try Shell.check("openssl", ["pkey"] + arguments, input: Data(pem.utf8))
    }

    /// The OCI fingerprint as the openssl command line computes it:
    /// `openssl pkey -pubout -outform DER | openssl md5 -c`.
    public static func ociFingerprint(_ pem: String) throws -> String {
        let der = try Shell.check("openssl", ["pkey", "-pubout", "-outform", "DER"], input: Data(pem.utf8))
        let digest = String(decoding: try Shell.check("openssl", ["md5", "-c"], input: der), as: UTF8.self)
        return digest.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "= ").last ?? ""
    }
}

/// Locates the package root and the built `keyleak` binary.
public enum Paths {
    /// The package root (where Package.swift is).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `$KEYLEAK_BIN`, else `keyleak` next to the test bundle, else `.build/debug/keyleak`.
    public static let binary: String = {
        if let env = ProcessInfo.processInfo.environment["KEYLEAK_BIN"] { return env }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("keyleak").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/keyleak").path
    }()
}

/// A temporary git repository with a committer set up, for tests of git scans and hooks.
public final class TestRepository {
    /// The folder, removed when the repository is released.
    public let dir: TemporaryDirectory
    /// The work tree's path.
    public var path: String { dir.path }

    /// A new repository on branch `main`, without commits.
    public init() throws {
        dir = try TemporaryDirectory()
        try git("init", "-q", "-b", "main")
        try git("config", "user.email", "dev@example.invalid")
        try git("config", "user.name", "Dev")
        try git("config", "commit.gpgsign", "false")
    }

    /// Runs git in the repository; its standard output, trimmed.
    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        String(decoding: try Shell.check("git", ["-C", path] + arguments), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Commits what is staged (no hooks run); returns the commit id.
    public func commit(_ message: String) throws -> String {
        try git("commit", "-q", "--no-verify", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    /// Stages everything and commits; returns the commit id.
    @discardableResult
    public func commitAll(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "--no-verify", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    /// Runs the keyleak binary with the repository as working directory.
    public func keyleak(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run(Paths.binary, arguments, cwd: path)
    }
}
