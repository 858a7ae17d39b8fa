import Synchronization

/// Glob patterns for paths to leave out (`paths.ignore` in `.keyleak.yaml`):
/// `*` any characters but `/`, `?` one such character, `**` any number of
/// folders. A pattern without `/` matches a file or folder name at any depth
/// (`*.min.js`); a pattern ending in `/**` also leaves out the folder itself.
/// Every path it leaves out is counted, so a report can say how much the
/// config kept from the scan.
public struct PathFilter: Sendable {
    /// The glob patterns (`**` for any folders, `*` within one).
    public let patterns: [String]
    /// Paths left out so far, shared by every copy of this filter.
    private let counter = Counter()

    /// A filter leaving out paths that match any of `patterns`.
    public init(_ patterns: [String]) { self.patterns = patterns }

    /// No pattern: nothing is left out.
    public var isEmpty: Bool { patterns.isEmpty }

    /// How many paths `ignores` has left out (each folder once: its contents are never asked about).
    public var ignoredCount: Int { counter.value.load(ordering: .relaxed) }

    /// A count shared across threads.
    private final class Counter: Sendable {
        /// The count.
        let value = Atomic<Int>(0)
    }

    /// True when `path` (relative to the scan root, `/`-separated) is ignored;
    /// counts it in `ignoredCount` then.
    public func ignores(_ path: String) -> Bool {
        guard matches(path) else { return false }
        counter.value.wrappingAdd(1, ordering: .relaxed)
        return true
    }

    /// True when a pattern matches `path`.
    private func matches(_ path: String) -> Bool {
        let p = Array(path.utf8)
        for pattern in patterns {
            let g = Array(pattern.utf8)
            if PathFilter.match(g, p) { return true }
            if !g.contains(UInt8(ascii: "/")) {
                // Any single component.
                for component in p.split(separator: UInt8(ascii: "/")) where PathFilter.match(g, Array(component)) { return true }
            } else if pattern.hasSuffix("/**"), PathFilter.match(Array(g.dropLast(3)), p) {
                return true
            }
        }
        return false
    }

    /// Matches a whole path; `**` spans folders, `*` and `?` do not cross `/`.
    package static func match(_ g: [UInt8], _ p: [UInt8]) -> Bool {
        var memo = [Int8](repeating: -1, count: (g.count + 1) * (p.count + 1))
        func go(_ i: Int, _ j: Int) -> Bool {
            let key = i * (p.count + 1) + j
            if memo[key] >= 0 { return memo[key] == 1 }
            var result: Bool
            if i == g.count {
                result = j == p.count
            } else if g[i] == UInt8(ascii: "*"), i + 1 < g.count, g[i + 1] == UInt8(ascii: "*") {
                // `**/` matches zero or more whole folders; a bare `**` anything.
                var next = i + 2
                let slash = next < g.count && g[next] == UInt8(ascii: "/")
                if slash { next += 1 }
                result = go(next, j)
                var k = j
                while !result && k < p.count {
                    if !slash || p[k] == UInt8(ascii: "/") { result = go(next, k + 1) }
                    k += 1
                }
            } else if g[i] == UInt8(ascii: "*") {
                result = go(i + 1, j)
                var k = j
                while !result && k < p.count && p[k] != UInt8(ascii: "/") {
                    result = go(i + 1, k + 1)
                    k += 1
                }
            } else if j < p.count && (g[i] == p[j] || (g[i] == UInt8(ascii: "?") && p[j] != UInt8(ascii: "/"))) {
                result = go(i + 1, j + 1)
            } else {
                result = false
            }
            memo[key] = result ? 1 : 0
            return result
        }
        return go(0, 0)
    }
}
