/// A rule's pattern matched: which rule, and where (byte offsets in the window
/// the matcher was given).
struct RawMatch: Sendable {
    var rule: Int
    var range: Range<Int>
}
