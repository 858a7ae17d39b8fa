import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One long-lived `git cat-file --batch`: object ids go in on a writer
/// thread, and each object's bytes are streamed out to the caller, so a blob
/// of any size passes through a fixed buffer and no process is started per file.
package final class GitCatFile {
    private let child: ChildProcess
    private let output: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0

    /// Starts `git cat-file --batch` in `directory` and feeds it `objects`.
    package convenience init(directory: String, objects: [String]) throws {
        try self.init(directory: directory)
        child.feed(Data(objects.map { $0 + "\n" }.joined().utf8))
    }

    /// Starts `git cat-file --batch` in `directory` for objects asked for one
    /// at a time with `request(_:)`.
    package init(directory: String) throws {
        buffer = [UInt8](repeating: 0, count: 1 << 16)
        do {
            child = try GitCommand.spawn(directory: directory, ["cat-file", "--batch"], stdin: true)
        } catch {
            throw InputError.gitStream("cannot run git cat-file: \(error)")
        }
        output = child.output
    }

    /// What git wrote to standard error, once its output has ended (to tell
    /// why it stopped: "not a git repository").
    package func errorText() -> String {
        String(decoding: ChildProcess.readAll(child.error), as: UTF8.self)
    }

    /// Asks for one object, by id or as `revision:path`; its answer is read
    /// with `nextHeader()` (and `readObject`) before the next request.
    package func request(_ name: String) throws {
        guard child.send(Data((name + "\n").utf8)) else { throw InputError.gitStream("git cat-file stopped reading") }
    }

    /// The whole body of the current object (`size` bytes from its header),
    /// its trailing newline consumed.
    package func readObject(size: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var remaining = size
        var filled = 0
        while remaining > 0 {
            let n = try bytes.withUnsafeMutableBytes { raw in
                try readBody(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), remaining: &remaining)
            }
            guard n > 0 else { throw InputError.gitStream("git cat-file output ended early") }
            filled += n
        }
        try finishObject(remaining: 0)
        return bytes
    }

    deinit {
        // Reap git: it exits at the end of its input, or on the closed pipe if
        // we stopped reading early.
        _ = child.wait()
    }

    /// Reads more bytes into the buffer; false at end of output.
    private func refill() throws -> Bool {
        if start > 0 {
            let n = end - start
            if n > 0 { buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: n) } }
            start = 0
            end = n
        }
        if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress! + end, $0.count - end) }
            if n > 0 { end += n; return true }
            if n == 0 { return false }
            if errno == EINTR { continue }
            throw InputError.gitStream("reading from git cat-file: \(String(cString: strerror(errno)))")
        }
    }

    /// The next object's header: id, type, size; nil when git has no more output.
    /// `missing` (and `ambiguous`) names come back with that type and size 0.
    package func nextHeader() throws -> (id: String, type: String, size: Int)? {
        while true {
            if let newline = buffer[start..<end].firstIndex(of: 10) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                let parts = line.split(separator: " ")
                if parts.count >= 2, parts.last == "missing" || parts.last == "ambiguous" {
                    return (String(parts.dropLast().joined(separator: " ")), String(parts.last!), 0)
                }
                guard parts.count == 3, let size = Int(parts[2]) else {
                    throw InputError.gitStream("unexpected git cat-file output: \(line.prefix(80))")
                }
                return (String(parts[0]), String(parts[1]), size)
            }
            guard try refill() else { return nil }
        }
    }

    /// Copies up to `target.count` bytes of the current object's remaining
    /// `remaining` bytes into `target`; returns the count (0 when none remain).
    package func readBody(into target: UnsafeMutableRawBufferPointer, remaining: inout Int) throws -> Int {
        guard remaining > 0 else { return 0 }
        if start == end { guard try refill() else { throw InputError.gitStream("git cat-file output ended early") } }
        let n = min(target.count, remaining, end - start)
        buffer.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: n) }
        start += n
        remaining -= n
        return n
    }

    /// Skips the rest of the current object and its trailing newline.
    package func finishObject(remaining: Int) throws {
        var left = remaining + 1
        while left > 0 {
            if start == end { guard try refill() else { return } }
            let n = min(left, end - start)
            start += n
            left -= n
        }
    }
}
