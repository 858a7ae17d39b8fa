import KeyLeakInput
internal import CHyperscan
import Synchronization

/// The prefilter's literal engine: Vectorscan's (or Hyperscan's)
/// multi-literal matcher, compiled once for every rule keyword and shared by
/// all threads. It picks the best SIMD instruction set of the CPU at run time
/// (SSE4.2, AVX2, AVX-512, NEON), several times faster than comparing byte
/// pairs with baseline SSE2 vectors in Swift.
///
/// SAFETY: a compiled `hs_database_t` is immutable and documented as safe to
/// scan from many threads at once; every thread scans with its own
/// `LiteralScratch` (`makeScratch()`).
package final class LiteralDatabase: @unchecked Sendable {
    private let database: OpaquePointer
    /// Scratch sized for the database, cloned for each thread.
    private let prototype: OpaquePointer
    /// Per literal id: its length and rule.
    private let lengths: [Int]
    private let rules: [Int]
    /// Longest literal, in bytes.
    package let longest: Int

    /// Compiles `keywords` (bytes, rule index); nil when the library refuses
    /// this CPU or the literals (the caller then uses its portable engine).
    /// Whether the library runs on this CPU (it needs SSSE3 on x86).
    package static var runsHere: Bool { hs_valid_platform() == HS_SUCCESS }

    package init?(keywords: [([UInt8], Int)]) {
        guard !keywords.isEmpty, LiteralDatabase.runsHere else { return nil }
        let lengths = keywords.map(\.0.count)
        let flags = [UInt32](repeating: 0, count: keywords.count)
        let ids = (0..<keywords.count).map { UInt32($0) }
        // The literals as C buffers (they may hold any byte, NUL included: lengths say where they end).
        let buffers = keywords.map { keyword -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, keyword.0.count))
            for (i, byte) in keyword.0.enumerated() { buffer[i] = CChar(bitPattern: byte) }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var database: OpaquePointer?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let status = buffers.map { UnsafePointer<CChar>?($0) }.withUnsafeBufferPointer { expressions in
            hs_compile_lit_multi(expressions.baseAddress, flags, ids, lengths, UInt32(keywords.count),
                                 UInt32(HS_MODE_BLOCK), nil, &database, &error)
        }
        if let error { hs_free_compile_error(error) }
        guard status == HS_SUCCESS, let database else { return nil }
        var scratch: OpaquePointer?
        guard hs_alloc_scratch(database, &scratch) == HS_SUCCESS, let scratch else {
            hs_free_database(database)
            return nil
        }
        self.database = database
        prototype = scratch
        self.lengths = lengths
        rules = keywords.map(\.1)
        longest = lengths.max() ?? 0
    }

    deinit {
        hs_free_scratch(prototype)
        hs_free_database(database)
    }

    /// A scratch for one thread (nil only when out of memory).
    package func makeScratch() -> LiteralScratch? {
        var clone: OpaquePointer?
        guard hs_clone_scratch(prototype, &clone) == HS_SUCCESS, let clone else { return nil }
        return LiteralScratch(clone, database: self)
    }

    /// What the match callback needs; passed to C as a raw pointer.
    private struct Context {
        package var out: UnsafeMutablePointer<[(offset: Int, rule: Int)]>
        package var origin: Int
        package var limit: Int
        package var lengths: UnsafePointer<Int>
        package var rules: UnsafePointer<Int>
    }

    /// Appends `(offset, rule)` for every keyword that starts in `range` of
    /// `buffer` (it may end past `range`, within `buffer`), unsorted. False
    /// when the library failed the scan (the caller then scans again another way).
    package func hits(in buffer: UnsafeRawBufferPointer, range: Range<Int>, scratch: LiteralScratch,
              into out: inout [(offset: Int, rule: Int)]) -> Bool {
        guard let base = buffer.baseAddress, !range.isEmpty else { return true }
        // A keyword starting before range.upperBound ends before this.
        let end = min(buffer.count, range.upperBound + longest - 1)
        guard range.lowerBound < end else { return true }
        let status = lengths.withUnsafeBufferPointer { lengths in
            rules.withUnsafeBufferPointer { rules in
                withUnsafeMutablePointer(to: &out) { out in
                    var context = Context(out: out, origin: range.lowerBound, limit: range.upperBound,
                                          lengths: lengths.baseAddress!, rules: rules.baseAddress!)
                    return withUnsafeMutablePointer(to: &context) { context in
                        hs_scan(database, (base + range.lowerBound).assumingMemoryBound(to: CChar.self),
                                UInt32(end - range.lowerBound), 0, scratch.pointer, { id, _, to, _, raw in
                                    let context = raw!.assumingMemoryBound(to: Context.self).pointee
                                    let start = context.origin + Int(to) - context.lengths[Int(id)]
                                    if start < context.limit { context.out.pointee.append((start, context.rules[Int(id)])) }
                                    return 0
                                }, context)
                    }
                }
            }
        }
        return status == HS_SUCCESS
    }
}

/// One thread's scratch space for `LiteralDatabase.hits`. Never shared.
package final class LiteralScratch {
    fileprivate let pointer: OpaquePointer
    /// The database it scans with.
    package let database: LiteralDatabase
    fileprivate init(_ pointer: OpaquePointer, database: LiteralDatabase) {
        self.pointer = pointer
        self.database = database
    }
    deinit { hs_free_scratch(pointer) }
}

/// The literal engine compiled on first need: a scan reads its first MiB
/// with the byte-pair engine, which needs no compilation, and compiles
/// Vectorscan's database only past it. A pre-commit hook's few files never
/// pay for the compilation (about a third of its start-up); a larger scan
/// pays it once. Both engines give the same hits (PrefilterTests).
package final class LazyLiteralDatabase: Sendable {
    /// Bytes scanned with the pair engine before the database is compiled.
    package static let threshold = 1 << 20
    private let keywords: [([UInt8], Int)]
    private let scanned = Atomic<Int>(0)
    /// nil until compiled; then the database, or nil when the library refused it.
    private let state = Mutex<LiteralDatabase??>(nil)

    /// For `keywords` (bytes, rule index); nil when Vectorscan cannot run on this CPU.
    package init?(keywords: [([UInt8], Int)]) {
        guard !keywords.isEmpty, LiteralDatabase.runsHere else { return nil }
        self.keywords = keywords
    }

    /// The database, compiled now if it is not yet (nil when the library refused it).
    package var database: LiteralDatabase? {
        state.withLock { compiled in
            if let compiled { return compiled }
            let made = LiteralDatabase(keywords: keywords)
            compiled = .some(made)
            return made
        }
    }

    /// The database once the scan has read `threshold` bytes, counting
    /// `bytes` more; nil before (use the pair engine).
    package func database(after bytes: Int) -> LiteralDatabase? {
        guard scanned.add(bytes, ordering: .relaxed).newValue >= LazyLiteralDatabase.threshold else { return nil }
        return database
    }
}
