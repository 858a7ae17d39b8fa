import KeyLeakInput
/// A rule's pattern matched: which rule, and where (byte offsets in the window
/// the matcher was given).
package struct RawMatch: Sendable {
    package var rule: Int
    package var range: Range<Int>
}
