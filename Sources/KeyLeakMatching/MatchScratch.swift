import KeyLeakInput
/// Per-thread matching state, reused for every window: one PCRE2 match data
/// per rule and the prefilter's hit list. Never shared between threads.
package final class MatchScratch {
    package let matchData: [PCRE2MatchData]
    private var hits: [(offset: Int, rule: Int)] = []
    /// Per rule: offset before which no new search starts (set past each match).
    package var resumeAt: [Int]
    /// Per rule: failed searches in the current block (see `Matcher.sweepAfter`).
    package var failures: [Int]
    /// This thread's scratch for the prefilter's literal engine, once it is compiled.
    private var literals: LiteralScratch?
    private let prefilter: Prefilter

    package init(ruleSet: RuleSet) {
        matchData = ruleSet.patterns.map { $0.makeMatchData() }
        prefilter = ruleSet.prefilter
        resumeAt = Array(repeating: 0, count: ruleSet.rules.count)
        failures = Array(repeating: 0, count: ruleSet.rules.count)
        hits.reserveCapacity(64)
    }

    /// The literal engine's scratch for scanning `bytes` more, once the scan
    /// has read enough for the engine to be compiled (see `LazyLiteralDatabase`).
    package func literalScratch(scanning bytes: Int) -> LiteralScratch? {
        if literals == nil, let database = prefilter.literals?.database(after: bytes) { literals = database.makeScratch() }
        return literals
    }

    /// The reusable hit list, emptied; hand it back with `returnHits` so its
    /// storage serves the next window (a local `inout` avoids exclusivity checks).
    package func takeHits() -> [(offset: Int, rule: Int)] {
        var list: [(offset: Int, rule: Int)] = []
        swap(&list, &hits)
        list.removeAll(keepingCapacity: true)
        return list
    }

    package func returnHits(_ list: [(offset: Int, rule: Int)]) { hits = list }
}
