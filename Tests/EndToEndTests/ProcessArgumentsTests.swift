import Foundation
import Testing
import TestSupport

/// The Swift runtime finds argv through /proc on Linux; without /proc (an
/// empty chroot, a sandbox) CommandLine.arguments was empty and every command
/// line ran the default `scan .`, exit 0 included. CProcessArguments hands
/// argv to the runtime before main.
@Suite struct ProcessArgumentsTests {
    /// Runs the binary where /proc is an empty folder (a mount namespace of its own).
    func withoutProc(_ arguments: [String], cwd: String) throws -> Shell.Result {
        let script = "mount -t tmpfs none /proc && [ ! -e /proc/self ] && exec \"$0\" \"$@\""
        let unshare = getuid() == 0 ? ["--mount"] : ["--map-root-user", "--mount"]
        return try Shell.run("unshare", unshare + ["sh", "-c", script, Paths.binary] + arguments, cwd: cwd)
    }

    @Test(.enabled(if: Shell.available("unshare")))
    func argumentsArriveWithoutProc() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("clean/readme.txt", "nothing here\n")
        _ = try dir.write("dirty/key.pem", try TestKeys.rsa(dir, "gen.pem"))
        let version = try withoutProc(["version"], cwd: dir.file("dirty"))
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.text.hasPrefix("keyleak "), "ran something else: \(version.text)")
        // The path given is the path scanned, not the current directory.
        #expect(try withoutProc(["scan", dir.file("clean")], cwd: dir.file("dirty")).status == 0)
        #expect(try withoutProc(["scan", dir.file("dirty")], cwd: dir.file("clean")).status == 1)
        #expect(try withoutProc(["scan", "--no-such-option"], cwd: dir.file("clean")).status == 2)
    }
}
