#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts lines lazily: only up to offsets that findings need, and across
/// window slides, so a blob without findings is never scanned for newlines
/// beyond its first window.
package struct LineCounter {
    /// Lines completed before `countedTo` (relative to the current window).
    private var line = 1
    private var countedTo = 0
    private var lastLineStart = 0

    /// 1-based line and column of `offset` in the current window.
    package mutating func position(of offset: Int, in view: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
        if offset >= countedTo {
            count(in: view, to: offset)
            return (line, offset - lastLineStart + 1)
        }
        // Rare path (a key's end before a later finding's start): count again from the window start.
        var temp = LineCounter(line: baseLine, countedTo: 0, lastLineStart: baseLineStart)
        temp.count(in: view, to: offset)
        return (temp.line, offset - temp.lastLineStart + 1)
    }

    /// Line at the window's first byte and where that line began (may be negative).
    private var baseLine = 1
    private var baseLineStart = 0

    private init(line: Int, countedTo: Int, lastLineStart: Int) {
        self.line = line
        self.countedTo = countedTo
        self.lastLineStart = lastLineStart
        self.baseLine = line
        self.baseLineStart = lastLineStart
    }

    package init() {}

    private mutating func count(in view: UnsafeRawBufferPointer, to offset: Int) {
        guard let base = view.baseAddress, offset > countedTo else { return }
        var i = countedTo
        while i < offset {
            guard let found = memchr(base + i, 10, offset - i) else { break }
            let at = base.distance(to: UnsafeRawPointer(found))
            line += 1
            lastLineStart = at + 1
            i = at + 1
        }
        countedTo = offset
    }

    /// Moves past the first `blockEnd` bytes of the window, which the next window drops.
    package mutating func advance(past blockEnd: Int, in view: UnsafeRawBufferPointer) {
        if countedTo > blockEnd {
            // A finding's end reached into the overlap: count the dropped block alone.
            self = LineCounter(line: baseLine, countedTo: 0, lastLineStart: baseLineStart)
        }
        count(in: view, to: blockEnd)
        countedTo = 0
        lastLineStart -= blockEnd
        baseLine = line
        baseLineStart = lastLineStart
    }
}
