/// A deterministic share of a scan (`--shard K/N`, K from 1 to N), so that N
/// jobs on any scheduler split the files or blobs between them.
public struct Shard: Sendable, Equatable {
    /// K: this scanner's share, from 1.
    public var index: Int
    /// N: how many shares the work is split into.
    public var count: Int

    /// Parses `K/N`; nil when malformed or out of range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else { return nil }
        index = k
        count = n
    }

    /// FNV-1a of the path's bytes: stable across runs, machines and versions.
    public func contains(path: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count)) == index - 1
    }

    /// By the object id's leading hex digits.
    public func contains(object: String) -> Bool {
        let value = UInt64(object.prefix(15), radix: 16) ?? 0
        return Int(value % UInt64(count)) == index - 1
    }
}
