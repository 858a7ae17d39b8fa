import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawnp`, its standard streams on pipes.
/// NOTE: Foundation's `Process` waits for exit by polling a run loop (tens of
/// milliseconds each time); a pre-commit hook cannot afford that.
package final class ChildProcess {
    package let pid: pid_t
    /// Write end of the child's standard input (nil when it reads /dev/null).
    private(set) var input: Int32?
    /// Read ends of the child's standard output and error.
    package let output: Int32
    package let error: Int32

    /// Serialises pipe creation and spawning across threads.
    /// NOTE: a pipe end must never leak into another child: git would then never
    /// see end-of-input and never exit. Every end is close-on-exec before any
    /// spawn can happen (the child's dup2 onto 0, 1, 2 clears the flag there).
    private static let spawnLock = NSLock()

    /// Starts `arguments[0]` (looked up on PATH) with the rest as arguments,
    /// with `environment` (`NAME=value` entries) in place of this process's
    /// environment when given.
    package init(_ arguments: [String], stdin: Bool, environment: [String]? = nil) throws {
        ChildProcess.spawnLock.lock()
        defer { ChildProcess.spawnLock.unlock() }
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw InputError.spawn("pipe: \(errnoText(errno))") }
        if stdin { guard pipe(&inPipe) == 0 else { throw InputError.spawn("pipe: \(errnoText(errno))") } }
        for fd in outPipe + errPipe + (stdin ? inPipe : []) { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
            posix_spawn_file_actions_addclose(&actions, inPipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], errPipe[0]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { for p in cArguments { free(p) } }
        var cEnvironment = environment.map { $0.map { strdup($0) } + [nil] }
        defer { for p in cEnvironment ?? [] { free(p) } }
        var child: pid_t = 0
        let rc: Int32
        if cEnvironment != nil {
            rc = posix_spawnp(&child, arguments[0], &actions, nil, &cArguments, &cEnvironment!)
        } else {
            rc = posix_spawnp(&child, arguments[0], &actions, nil, &cArguments, environ)
        }
        close(outPipe[1])
        close(errPipe[1])
        if stdin { close(inPipe[0]) }
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            if stdin { close(inPipe[1]) }
            throw InputError.spawn("cannot run \(arguments[0]): \(errnoText(rc))")
        }
        pid = child
        output = outPipe[0]
        error = errPipe[0]
        input = stdin ? inPipe[1] : nil
    }

    /// Writes `data` to the child's standard input on a thread of its own and closes it.
    package func feed(_ data: Data) {
        guard let fd = input else { return }
        input = nil
        let worker = Thread {
            _ = ChildProcess.writeAll(fd, data)
            close(fd)
        }
        worker.start()
    }

    /// Writes all of `data` to the child's standard input, on this thread;
    /// false when the child closed it. For request/response use (one request,
    /// then its whole answer read) where the pipe cannot fill up both ways.
    package func send(_ data: Data) -> Bool {
        guard let fd = input else { return false }
        return ChildProcess.writeAll(fd, data)
    }

    /// Writes all of `data` to the pipe `fd`; false when the reader is gone.
    /// NOTE: a child that exits early (git in a folder that is no repository)
    /// closes the pipe, and a write would raise SIGPIPE, whose default action
    /// ends keyleak without a word. SIGPIPE is blocked on this thread during
    /// the write and one it raised is taken off, so the write fails with EPIPE
    /// instead; the process's own signal handling is left as it was.
    private static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1, sigismember(&previous, SIGPIPE) == 0 {
                var now = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        return data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if errno != EINTR { return false }
            }
            return true
        }
    }

    /// Reads `fd` to its end.
    package static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { data.append(contentsOf: chunk[0..<n]) } else if n == 0 || errno != EINTR { break }
        }
        return data
    }

    /// Waits for the child and returns its exit status (128+signal when killed).
    package func wait() -> Int32 {
        // Close our ends first: a child still writing gets EPIPE instead of blocking.
        close(output)
        close(error)
        if let input { close(input) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let low = status & 0x7f
        return low == 0 ? (status >> 8) & 0xff : 128 + low
    }
}
