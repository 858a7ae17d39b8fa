import KeyLeakInput
import KeyLeakMatching
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scans one blob (a file, a git blob, an archive member) in fixed windows
/// through one reusable buffer, so memory does not grow with the blob's size.
///
/// Window k covers bytes [k·B, k·B + B + O): keywords that start in its first
/// B bytes are matched there, and matches and key blocks may run on into the
/// O-byte overlap. B is `blockSize`, O is `overlap`.
package final class BlobScanner {
    /// Bytes of new data per window. NOTE: 1 MiB keeps the buffer in L2-ish
    /// reach while making per-window overhead negligible.
    package static let blockSize = 1 << 20
    /// Bytes shared by consecutive windows; the longest key block keyleak can
    /// analyse whole (see `PEMNormalizer.maximumBlockLength`).
    package static let overlap = PEMNormalizer.maximumBlockLength

    private let ruleSet: RuleSet
    private let matcher: Matcher
    private let analyzer: Analyzer
    private let scratch: MatchScratch
    private let buffer: UnsafeMutableRawBufferPointer

    /// Honour `keyleak:allow` comments (off for audits). Default: on.
    package let allowInline: Bool

    package init(ruleSet: RuleSet, allowInline: Bool = true) {
        self.allowInline = allowInline
        self.ruleSet = ruleSet
        matcher = Matcher(ruleSet: ruleSet)
        analyzer = Analyzer(ruleSet: ruleSet)
        scratch = MatchScratch(ruleSet: ruleSet)
        buffer = .allocate(byteCount: BlobScanner.blockSize + BlobScanner.overlap, alignment: 64)
    }

    deinit { buffer.deallocate() }

    package enum ReadError: Error {
        case io(Int32)
    }

    /// Scans bytes produced by `read` (which fills the buffer it is given and
    /// returns the count, 0 at the end, or throws). Returns the findings with
    /// line numbers set and the number of bytes scanned.
    /// With `stopAtArchive`, a blob that starts like an archive is not scanned
    /// as bytes: the result says `archive` and the caller opens it instead.
    package func scan(path: String, sourcePath: [UInt8]? = nil, stopAtArchive: Bool = false,
              read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> (findings: [Finding], bytes: Int, suppressed: Int, archive: Bool) {
        var findings: [Finding] = []
        var suppressed = 0
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
            return ([], 0, 0, true)
        }
        // Whole-file rules (binary DER keys, PKCS#12, keystores) look at the first bytes only.
        if !ruleSet.fileStartRules.isEmpty, filled > 0 {
            let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            for index in ruleSet.fileStartRules {
                guard let base = view.baseAddress,
                      ruleSet.patterns[index].firstMatch(in: base, length: min(filled, 64), from: 0, using: scratch.matchData[index]) != nil
                else { continue }
                for var finding in analyzer.fileStartFindings(ruleSet.rules[index], in: view) {
                    finding.line = 1
                    finding.column = 1
                    finding.endLine = 1
                    finding.path = path
                    finding.sourcePath = sourcePath
                    findings.append(finding)
                }
            }
        }
        while true {
            let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            let blockEnd = atEnd ? filled : min(filled, BlobScanner.blockSize)
            let matches = matcher.matches(in: view, block: 0..<blockEnd, scratch: scratch)
            if !matches.isEmpty {
                for var finding in analyzer.findings(for: matches, in: view, block: 0..<blockEnd) {
                    let start = lines.position(of: finding.startOffset, in: view)
                    let end = lines.position(of: max(finding.startOffset, finding.endOffset - 1), in: view)
                    finding.line = start.line
                    finding.column = start.column
                    if allowInline, InlineAllow.allows(view, at: finding.startOffset) {
                        suppressed += 1
                        continue
                    }
                    finding.endLine = end.line
                    finding.startOffset += windowStart
                    finding.endOffset += windowStart
                    finding.path = path
                    finding.sourcePath = sourcePath
                    findings.append(finding)
                }
            }
            if atEnd && blockEnd == filled { break }
            // Slide: keep the overlap, count the lines of the block we drop.
            lines.advance(past: blockEnd, in: view)
            let keep = filled - blockEnd
            if keep > 0, let base = buffer.baseAddress { memmove(base, base + blockEnd, keep) }
            windowStart += blockEnd
            filled = keep
            try fill()
            if filled == 0 { break }
        }
        return (findings, windowStart + filled, suppressed, false)
    }

    /// Scans an in-memory blob.
    package func scan(path: String, bytes: [UInt8]) -> [Finding] {
        scanCounting(path: path, bytes: bytes).findings
    }

    /// Scans an in-memory blob; also says how many findings inline comments allowed.
    package func scanCounting(path: String, bytes: [UInt8]) -> (findings: [Finding], suppressed: Int) {
        var offset = 0
        let result = try? scan(path: path) { target in
            let n = min(target.count, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBytes { source in
                    target.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: n)
                }
            }
            offset += n
            return n
        }
        return (result?.findings ?? [], result?.suppressed ?? 0)
    }
}

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
