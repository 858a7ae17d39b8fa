import KeyLeakInput
import KeyLeakMatching
import Synchronization

/// What OpenSSL made of each distinct DER private key seen in this run.
///
/// OpenSSL 3's decoders are costly (provider lookups under global locks,
/// about half a millisecond a key here), and real trees hold the same test
/// keys many times over (vendored copies, fixtures repeated per package). The
/// cache is keyed by the key's DER bytes, holds failures too, and is bounded:
/// when full it starts over, so memory never grows with the tree.
package final class ParsedKeyCache: Sendable {
    package static let shared = ParsedKeyCache(limit: 4096)

    private let entries: Mutex<[[UInt8]: KeyFacts?]>
    private let limit: Int

    package init(limit: Int) {
        self.limit = limit
        entries = Mutex([:])
    }

    /// The cached result for `der`, or `parse(der)` (run outside the lock,
    /// so two threads may parse the same new key once each).
    package func facts(for der: [UInt8], parse: ([UInt8]) -> KeyFacts?) -> KeyFacts? {
        if let hit = entries.withLock({ $0[der] }) { return hit }
        let facts = parse(der)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[der] = .some(facts)
        }
        return facts
    }

    package var count: Int { entries.withLock { $0.count } }
}
