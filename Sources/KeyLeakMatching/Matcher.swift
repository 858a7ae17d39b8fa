import KeyLeakInput
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two-stage matching over a window of bytes: the prefilter finds keyword
/// hits, then each hit's rule pattern runs from the start of the hit's line
/// over at most the rule's search window.
package struct Matcher {
    package let ruleSet: RuleSet

    /// A matcher over `ruleSet`'s compiled rules.
    package init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// How far back from a keyword a match may start (the rest of its line).
    package static let lookBack = 256

    /// Failed searches of one rule in one block after which its remaining
    /// hits are handled by a single sweep.
    package static let sweepAfter = 16

    /// Every match of `rule` from `start` to `end`, leftmost first, appended
    /// when it starts in the block; afterwards the rule's remaining hits in
    /// this block are done. False (nothing appended) when PCRE2 hit a limit.
    private func sweep(_ rule: Int, _ base: UnsafeRawPointer, from start: Int, to end: Int, block: Range<Int>,
                       scratch: MatchScratch, into result: inout [RawMatch]) -> Bool {
        var found: [RawMatch] = []
        var position = start
        while position < end {
            switch ruleSet.patterns[rule].search(in: base, length: end, from: position, using: scratch.matchData[rule]) {
            case .noMatch:
                position = end
            case .limit:
                return false
            case let .match(range):
                if range.lowerBound < block.upperBound { found.append(RawMatch(rule: rule, range: range)) }
                position = max(range.upperBound, range.lowerBound + 1)
            }
        }
        result += found
        scratch.resumeAt[rule] = Int.max
        return true
    }

    /// Matches whose keyword starts in `block` (a range of `buffer`); patterns
    /// may read the whole buffer. Results are sorted by offset.
    package func matches(in buffer: UnsafeRawBufferPointer, block: Range<Int>, scratch: MatchScratch) -> [RawMatch] {
        var hits = scratch.takeHits()
        defer { scratch.returnHits(hits) }
        ruleSet.prefilter.hits(in: buffer, range: block, scratch: scratch.literalScratch(scanning: block.count), into: &hits)
        guard !hits.isEmpty, let base = buffer.baseAddress else { return [] }
        hits.sort { $0.offset < $1.offset || ($0.offset == $1.offset && $0.rule < $1.rule) }
        for i in scratch.resumeAt.indices {
            scratch.resumeAt[i] = 0
            scratch.failures[i] = 0
        }
        var result: [RawMatch] = []
        for hit in hits {
            let rule = hit.rule
            guard hit.offset >= scratch.resumeAt[rule] else { continue }
            let start = max(lineStart(base, before: hit.offset), scratch.resumeAt[rule])
            if scratch.failures[rule] >= Matcher.sweepAfter {
                // Dense keyword hits (crafted input: "MIIMIIMII…"): one search per
                // hit would rescan the same window again and again. Sweep the rest
                // of the block and its window once instead: every match a later
                // hit could find lies in there, so nothing is lost.
                let end = min(buffer.count, block.upperBound + ruleSet.rules[rule].searchWindow)
                if sweep(rule, base, from: start, to: end, block: block, scratch: scratch, into: &result) { continue }
                // A limit hit on the whole sweep: back to searching hit by hit (bounded each).
                scratch.failures[rule] = Int.min
            }
            let end = min(buffer.count, hit.offset + ruleSet.rules[rule].searchWindow)
            guard let range = ruleSet.patterns[rule].firstMatch(in: base, length: end, from: start,
                                                                 using: scratch.matchData[rule]) else {
                scratch.resumeAt[rule] = hit.offset + 1
                scratch.failures[rule] += 1
                continue
            }
            scratch.resumeAt[rule] = max(range.upperBound, hit.offset + 1)
            if range.lowerBound < block.upperBound {
                result.append(RawMatch(rule: rule, range: range))
            }
        }
        result.sort { $0.range.lowerBound < $1.range.lowerBound || ($0.range.lowerBound == $1.range.lowerBound && $0.rule < $1.rule) }
        return result
    }

    private func lineStart(_ base: UnsafeRawPointer, before offset: Int) -> Int {
        var i = offset
        let floor = max(0, offset - Matcher.lookBack)
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        while i > floor, bytes[i - 1] != 10 { i -= 1 }
        return i
    }
}
