import KeyLeakInput
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One window of a blob, as the searcher hands it to a sink: the bytes, the
/// part whose keyword hits belong to this window, and line positions.
public struct SearchWindow {
    /// The window's bytes: `block` plus the overlap into the next window.
    public let view: UnsafeRawBufferPointer
    /// Matches starting here belong to this window; later ones to the next.
    public let block: Range<Int>
    /// Absolute offset of `view`'s first byte in the blob.
    public let start: Int
    /// Line counting, shared by the windows of one blob.
    fileprivate let lines: UnsafeMutablePointer<LineCounter>

    /// 1-based line and byte column of `offset` (relative to `view`).
    public func position(of offset: Int) -> (line: Int, column: Int) {
        lines.pointee.position(of: offset, in: view)
    }
}

/// Receives what the searcher finds in a blob. The searcher never knows who
/// analyses, counts or prints matches (ripgrep's `Sink`).
package protocol MatchSink {
    /// Whole-file rules (indices) whose pattern matched the blob's first bytes; `window.view` starts at byte 0.
    mutating func fileStartMatched(_ rules: [Int], in window: SearchWindow)
    /// Matches (sorted by offset) whose keyword starts in `window.block`.
    mutating func matched(_ matches: [RawMatch], in window: SearchWindow)
}

/// Searches one blob (a file, a git blob, an archive member) in fixed windows
/// through one reusable buffer, so memory does not grow with the blob's size,
/// and pushes raw matches to a sink. One per worker thread.
///
/// Window k covers bytes [k·B, k·B + B + O): keywords that start in its first
/// B bytes are matched there, and matches and key blocks may run on into the
/// O-byte overlap. B is `blockSize`, O is `overlap`.
package final class Searcher {
    /// Bytes of new data per window. NOTE: 1 MiB keeps the buffer in L2-ish
    /// reach while making per-window overhead negligible.
    package static let blockSize = 1 << 20
    /// Bytes shared by consecutive windows: the longest key block keyleak
    /// analyses whole (64 KiB; a 16384-bit RSA key in PEM is about 12 KiB).
    package static let overlap = 64 * 1024

    private let ruleSet: RuleSet
    private let matcher: Matcher
    private let scratch: MatchScratch
    private let buffer: UnsafeMutableRawBufferPointer

    /// A searcher over `ruleSet`, with its own buffer and match scratch.
    package init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        matcher = Matcher(ruleSet: ruleSet)
        scratch = MatchScratch(ruleSet: ruleSet)
        buffer = .allocate(byteCount: Searcher.blockSize + Searcher.overlap, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Searches the bytes `read` produces (it fills the buffer it is given and
    /// returns the count, 0 at the end, or throws), pushing matches to `sink`.
    /// Returns the bytes searched. With `stopAtArchive`, a blob that starts
    /// like an archive is not searched: `archive` is true and the caller opens it.
    package func search<Sink: MatchSink>(stopAtArchive: Bool = false, into sink: inout Sink,
                                         read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> (bytes: Int, archive: Bool) {
        var windowStart = 0  // absolute offset of buffer[0]
        var filled = 0
        var atEnd = false
        var lines = LineCounter()

        func fill() throws {
            while !atEnd, filled < buffer.count {
                let n = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { atEnd = true } else { filled += n }
            }
        }

        try fill()
        if stopAtArchive, ArchiveReader.looksLikeArchive(UnsafeRawBufferPointer(rebasing: buffer[0..<min(filled, 512)])) {
            return (0, true)
        }
        return try withUnsafeMutablePointer(to: &lines) { linesPointer in
            // Whole-file rules (binary DER keys, PKCS#12, keystores) look at the first bytes only.
            if !ruleSet.fileStartRules.isEmpty, filled > 0 {
                let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
                let matched = ruleSet.fileStartRules.filter { index in
                    guard let base = view.baseAddress else { return false }
                    return ruleSet.patterns[index].firstMatch(in: base, length: min(filled, 64), from: 0,
                                                              using: scratch.matchData[index]) != nil
                }
                if !matched.isEmpty {
                    sink.fileStartMatched(matched, in: SearchWindow(view: view, block: 0..<filled, start: 0, lines: linesPointer))
                }
            }
            while true {
                let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
                let blockEnd = atEnd ? filled : min(filled, Searcher.blockSize)
                let matches = matcher.matches(in: view, block: 0..<blockEnd, scratch: scratch)
                if !matches.isEmpty {
                    sink.matched(matches, in: SearchWindow(view: view, block: 0..<blockEnd, start: windowStart, lines: linesPointer))
                }
                if atEnd && blockEnd == filled { break }
                // Slide: keep the overlap, count the lines of the block we drop.
                linesPointer.pointee.advance(past: blockEnd, in: view)
                let keep = filled - blockEnd
                if keep > 0, let base = buffer.baseAddress { memmove(base, base + blockEnd, keep) }
                windowStart += blockEnd
                filled = keep
                try fill()
                if filled == 0 { break }
            }
            return (windowStart + filled, false)
        }
    }
}
