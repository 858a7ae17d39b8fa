/// Reads a blob that is UTF-16 text as the text it holds, in UTF-8, so that
/// every rule sees a UTF-16 file (what Windows PowerShell 5's `>` and
/// `Out-File` write) as it sees any other: a key in it, base64 or hex in it,
/// a URL-encoded or JSON-escaped key in it. Any other blob passes through
/// unchanged.
///
/// A blob is UTF-16 when it starts with a byte order mark, or when its first
/// bytes (up to `sniffLength`) are ASCII text with a NUL in every other byte.
/// Line breaks stay line breaks, so findings keep their lines; columns count
/// the text's UTF-8 bytes.
package final class UTF16Reader {
    /// Bytes looked at to decide. NOTE: 512 is 256 characters, enough to tell
    /// text from a binary file, whose NULs do not alternate that regularly.
    package static let sniffLength = 512

    private let source: (UnsafeMutableRawBufferPointer) throws -> Int
    /// Raw bytes read but not yet handed on (the sniffed head, an odd byte,
    /// half a surrogate pair).
    private var pending: [UInt8] = []
    private var decided = false
    /// Nil: not UTF-16 (bytes pass through).
    private var bigEndian: Bool?
    private var atEnd = false
    /// Raw bytes read from the source.
    package private(set) var rawBytes = 0

    /// A reader over `source` (it fills a buffer and returns the count, 0 at the end).
    package init(_ source: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.source = source
    }

    /// Whether `head` (a blob's first bytes) is UTF-16 text, and its byte order.
    package static func byteOrder(of head: UnsafeRawBufferPointer) -> (bigEndian: Bool, bom: Bool)? {
        // NOTE: a byte order mark counts only when UTF-16 follows it: a NUL
        // among the next bytes (any ASCII character, any line break). Bytes
        // that merely start with FF FE and go on as 8-bit text ("\xff\xfe
        // junk\n-----BEGIN …", which the OCI SDK reads as a key) are read as they are.
        let afterMark = head.count > 2 ? UnsafeRawBufferPointer(rebasing: head[2..<min(head.count, sniffLength)]) : UnsafeRawBufferPointer(rebasing: head[0..<0])
        let utf16Follows = afterMark.isEmpty || afterMark.contains(0)
        if head.count >= 2, head[0] == 0xff, head[1] == 0xfe, utf16Follows { return (false, true) }
        if head.count >= 2, head[0] == 0xfe, head[1] == 0xff, utf16Follows { return (true, true) }
        let pairs = min(head.count, sniffLength) / 2
        guard pairs >= 16 else { return nil }
        var little = 0, big = 0
        for k in 0..<pairs {
            let a = head[2 * k], b = head[2 * k + 1]
            let ascii = { (c: UInt8) in (0x20..<0x7f).contains(c) || c == 0x0a || c == 0x0d || c == 0x09 }
            if b == 0, ascii(a) { little += 1 } else if a == 0, ascii(b) { big += 1 }
        }
        // NOTE: nearly every unit ASCII: a little non-ASCII text may stand among it.
        if little * 10 >= pairs * 9 { return (false, false) }
        if big * 10 >= pairs * 9 { return (true, false) }
        return nil
    }

    /// Fills `target` as the source would, with UTF-16 text turned into UTF-8.
    package func read(_ target: UnsafeMutableRawBufferPointer) throws -> Int {
        if !decided { try decide() }
        guard let bigEndian else {
            // Not UTF-16: the sniffed head first, then the source itself.
            if !pending.isEmpty {
                let n = min(pending.count, target.count)
                pending.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
                pending.removeFirst(n)
                return n
            }
            let n = try source(target)
            rawBytes += n
            return n
        }
        // Each 2 raw bytes give at most 3 bytes of UTF-8: read no more than fits.
        let want = max(4, target.count / 3 * 2)
        while !atEnd, pending.count < want {
            var chunk = [UInt8](repeating: 0, count: want - pending.count)
            let n = try chunk.withUnsafeMutableBytes { try source($0) }
            if n == 0 { atEnd = true } else { pending += chunk[0..<n]; rawBytes += n }
        }
        var out = 0
        var i = 0
        func emit(_ byte: UInt8) { target[out] = byte; out += 1 }
        while i + 1 < pending.count, out + 4 <= target.count {
            let unit = bigEndian ? UInt32(pending[i]) << 8 | UInt32(pending[i + 1]) : UInt32(pending[i + 1]) << 8 | UInt32(pending[i])
            var scalar = unit
            var used = 2
            if (0xd800..<0xdc00).contains(unit) {
                // A surrogate pair: its second half may not be here yet.
                if i + 3 < pending.count {
                    let low = bigEndian ? UInt32(pending[i + 2]) << 8 | UInt32(pending[i + 3])
                        : UInt32(pending[i + 3]) << 8 | UInt32(pending[i + 2])
                    if (0xdc00..<0xe000).contains(low) {
                        scalar = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                        used = 4
                    } else {
                        scalar = 0xfffd
                    }
                } else if atEnd {
                    scalar = 0xfffd
                } else {
                    break
                }
            } else if (0xdc00..<0xe000).contains(unit) {
                scalar = 0xfffd
            }
            emitScalar(scalar, emit)
            i += used
        }
        pending.removeFirst(i)
        if atEnd, pending.count == 1, out < target.count {
            // An odd last byte: not a character.
            pending.removeAll()
        }
        return out
    }

    private func emitScalar(_ scalar: UInt32, _ emit: (UInt8) -> Void) {
        switch scalar {
        case 0..<0x80: emit(UInt8(scalar))
        case 0x80..<0x800:
            emit(UInt8(0xc0 | scalar >> 6)); emit(UInt8(0x80 | scalar & 0x3f))
        case 0x800..<0x10000:
            emit(UInt8(0xe0 | scalar >> 12)); emit(UInt8(0x80 | scalar >> 6 & 0x3f)); emit(UInt8(0x80 | scalar & 0x3f))
        default:
            emit(UInt8(0xf0 | scalar >> 18)); emit(UInt8(0x80 | scalar >> 12 & 0x3f))
            emit(UInt8(0x80 | scalar >> 6 & 0x3f)); emit(UInt8(0x80 | scalar & 0x3f))
        }
    }

    /// Reads the head and decides.
    private func decide() throws {
        decided = true
        var head = [UInt8](repeating: 0, count: UTF16Reader.sniffLength)
        var filled = 0
        while filled < head.count {
            let n = try head.withUnsafeMutableBytes { try source(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if n == 0 { atEnd = true; break }
            filled += n
        }
        rawBytes += filled
        pending = Array(head[0..<filled])
        guard let order = pending.withUnsafeBytes({ UTF16Reader.byteOrder(of: $0) }) else { return }
        bigEndian = order.bigEndian
        if order.bom { pending.removeFirst(2) }
    }
}
