import KeyLeakInput
import KeyLeakMatching

/// Scans one blob: the searcher's matches go through the analyzer and come
/// out as findings carrying the blob's provenance, their lines, and whether an
/// inline comment allows them (suppression itself happens at the end of the
/// scan). One per worker thread: it owns the searcher's buffer.
package final class BlobScanner {
    private let searcher: Searcher
    private let analyzer: Analyzer
    /// Look for `keyleak:allow` comments. Default: on; off for audits.
    package let allowInline: Bool
    /// Findings kept per blob (`--max-findings-per-file`); the rest are
    /// counted into one finding that stands for them. Default `FindingCap.defaultLimit`.
    package let maxFindings: Int

    /// A scanner over `ruleSet` keeping at most `maxFindings` findings per blob.
    package init(ruleSet: RuleSet, allowInline: Bool = true, maxFindings: Int = FindingCap.defaultLimit) {
        self.allowInline = allowInline
        self.maxFindings = maxFindings
        searcher = Searcher(ruleSet: ruleSet)
        analyzer = Analyzer(ruleSet: ruleSet)
    }

    /// The analysis sink: turns one blob's raw matches into findings, keeping
    /// those under the cap and counting the rest.
    private struct FindingSink: MatchSink {
        let analyzer: Analyzer
        let provenance: Provenance
        let allowInline: Bool
        /// Keeps the first findings and counts the rest.
        var cap: FindingCap
        var findings: [Finding] = []

        mutating func fileStartMatched(_ rules: [Int], in window: SearchWindow) {
            for index in rules {
                for var finding in analyzer.fileStartFindings(analyzer.ruleSet.rules[index], in: window.view) {
                    finding.line = 1
                    finding.column = 1
                    finding.endLine = 1
                    provenance.stamp(&finding)
                    if cap.admit(finding) { findings.append(finding) }
                }
            }
        }

        mutating func matched(_ matches: [RawMatch], in window: SearchWindow) {
            // NOTE: findings are taken one by one as the analyzer makes them: past
            // the cap, a window of a hundred thousand marker lines is counted, never held.
            analyzer.findings(for: matches, in: window.view, block: window.block) { made in
                var finding = made
                let start = window.position(of: finding.startOffset)
                let end = window.position(of: max(finding.startOffset, finding.endOffset - 1))
                finding.line = start.line
                finding.column = start.column
                finding.endLine = end.line
                if allowInline { finding.inlineAllowed = InlineAllow.allows(window.view, at: finding.startOffset) }
                finding.startOffset += window.start
                finding.endOffset += window.start
                provenance.stamp(&finding)
                if cap.admit(finding) { findings.append(finding) }
            }
        }

        /// The findings kept, and the one that stands for those left out, if any.
        func result() -> [Finding] {
            guard let unlisted = cap.summary() else { return findings }
            return findings + [unlisted]
        }
    }

    /// Scans the bytes `read` produces (see `Searcher.search`). Returns the
    /// findings, the bytes scanned, and whether the blob is an archive left
    /// for the caller to open (with `stopAtArchive`).
    package func scan(_ provenance: Provenance, stopAtArchive: Bool = false,
                      read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> (findings: [Finding], bytes: Int, archive: Bool) {
        var sink = FindingSink(analyzer: analyzer, provenance: provenance, allowInline: allowInline,
                               cap: FindingCap(limit: maxFindings))
        // NOTE: a UTF-16 text file is scanned as the text it holds (every rule, every form in it).
        let (bytes, archive) = try withoutActuallyEscaping(read) { read in
            let reader = UTF16Reader(read)
            let result = try searcher.search(stopAtArchive: stopAtArchive, into: &sink, read: reader.read)
            return (result.archive ? result.bytes : reader.rawBytes, result.archive)
        }
        return (sink.result(), bytes, archive)
    }

    /// Scans an in-memory blob found at `path`.
    package func scan(path: String, bytes: [UInt8]) -> [Finding] {
        scan(Provenance(path: path), bytes: bytes)
    }

    /// Scans an in-memory blob.
    package func scan(_ provenance: Provenance, bytes: [UInt8]) -> [Finding] {
        var offset = 0
        let result = try? scan(provenance) { target in
            let n = min(target.count, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBytes { source in
                    target.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: n)
                }
            }
            offset += n
            return n
        }
        return result?.findings ?? []
    }
}
