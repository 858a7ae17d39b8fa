import KeyLeakInput
import KeyLeakMatching

/// The matcher and scratch an analyzer uses to scan what it decodes (created
/// on first use: most analyzers never decode an opaque layer).
/// NOTE: one per analyzer, hence per worker thread; a nested scan takes its
/// matches before analysing them, so nesting reuses the scratch safely.
final class NestedMatching {
    let ruleSet: RuleSet
    init(ruleSet: RuleSet) { self.ruleSet = ruleSet }
    lazy var matcher = Matcher(ruleSet: ruleSet)
    lazy var scratch = MatchScratch(ruleSet: ruleSet)
}
