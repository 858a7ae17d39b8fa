import KeyLeakInput
internal import CPCRE2

/// A compiled, JIT-compiled PCRE2 pattern with its match limits.
/// SAFETY: after init the code and match context are never modified; PCRE2
/// documents both as safe to share between threads for matching. Per-thread
/// state (match data) lives in `PCRE2MatchData`.
package final class PCRE2Pattern: @unchecked Sendable {
    private let code: OpaquePointer
    private let context: OpaquePointer
    /// True when JIT compilation succeeded (the match then uses `pcre2_jit_match_8`).
    package let jit: Bool

    /// Backtracking steps one match attempt may take before giving up.
    /// NOTE: keeps crafted input from making a pattern run away; the scan goes on.
    package static let matchLimit: UInt32 = 1_000_000
    /// Nesting depth (interpreter) and heap (KiB) limits for the same reason.
    package static let depthLimit: UInt32 = 10_000
    package static let heapLimitKiB: UInt32 = 20_000

    package struct CompileError: Error, CustomStringConvertible {
        package var message: String
        package var offset: Int
        package var description: String { "\(message) at offset \(offset)" }
    }

    package init(_ pattern: String) throws {
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, 0, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw CompileError(message: PCRE2Pattern.message(errorCode), offset: errorOffset)
        }
        code = compiled
        jit = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        guard let ctx = pcre2_match_context_create_8(nil) else {
            pcre2_code_free_8(compiled)
            throw CompileError(message: "out of memory", offset: 0)
        }
        pcre2_set_match_limit_8(ctx, PCRE2Pattern.matchLimit)
        pcre2_set_depth_limit_8(ctx, PCRE2Pattern.depthLimit)
        pcre2_set_heap_limit_8(ctx, PCRE2Pattern.heapLimitKiB)
        context = ctx
    }

    deinit {
        pcre2_match_context_free_8(context)
        pcre2_code_free_8(code)
    }

    package func makeMatchData() -> PCRE2MatchData { PCRE2MatchData(code: code) }

    /// Finds the first match in `subject[..<length]` at or after `start`.
    /// Returns nil on no match and on a hit limit (crafted input): such a
    /// window is simply not matched.
    package func firstMatch(in subject: UnsafeRawPointer, length: Int, from start: Int, using data: PCRE2MatchData) -> Range<Int>? {
        if case let .match(range) = search(in: subject, length: length, from: start, using: data) { return range }
        return nil
    }

    /// The outcome of one search: a match, none, or a limit hit (crafted
    /// input; the caller may then search smaller pieces).
    package enum Outcome: Equatable {
        case match(Range<Int>)
        case noMatch
        case limit
    }

    /// Searches `subject[..<length]` from `start`.
    package func search(in subject: UnsafeRawPointer, length: Int, from start: Int, using data: PCRE2MatchData) -> Outcome {
        let s = subject.assumingMemoryBound(to: UInt8.self)
        let rc = jit
            ? pcre2_jit_match_8(code, s, length, start, 0, data.pointer, context)
            : pcre2_match_8(code, s, length, start, 0, data.pointer, context)
        if rc == PCRE2_ERROR_NOMATCH { return .noMatch }
        guard rc > 0, let ovector = pcre2_get_ovector_pointer_8(data.pointer) else { return .limit }
        let lower = ovector[0]
        let upper = ovector[1]
        guard lower <= upper, upper <= length else { return .noMatch }
        return .match(lower..<upper)
    }

    /// Convenience for short texts (rule examples).
    package func matches(_ text: String) -> Bool {
        let data = makeMatchData()
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else {
                var empty: UInt8 = 0
                return firstMatch(in: &empty, length: 0, from: 0, using: data) != nil
            }
            return firstMatch(in: base, length: raw.count, from: 0, using: data) != nil
        }
    }

    package static func message(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[0..<Int(n)], as: UTF8.self) : "PCRE2 error \(code)"
    }
}

/// PCRE2 match data: one per pattern per worker thread, reused for every match.
package final class PCRE2MatchData {
    fileprivate let pointer: OpaquePointer

    fileprivate init(code: OpaquePointer) {
        pointer = pcre2_match_data_create_from_pattern_8(code, nil)
    }

    deinit { pcre2_match_data_free_8(pointer) }
}
