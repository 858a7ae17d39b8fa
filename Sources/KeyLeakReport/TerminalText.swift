/// Text made safe to print on a terminal. Values keyleak prints come from the
/// files it scans (profile names, settings, git authors, previews), and a
/// crafted value can hold control sequences that move the cursor, erase the
/// line or reorder what is shown, so that the terminal shows a clean summary
/// over a finding. Every such character is shown escaped instead.
public enum TerminalText {
    /// `text` with every control or bidirectional-formatting character
    /// escaped: `\n`, `\r`, `\t`; `\xNN` for the other C0 controls and DEL
    /// (`\x1b` for ESC); `\u{NNNN}` for C1 controls, line and paragraph
    /// separators and the bidi marks, embeddings, overrides and isolates
    /// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Everything else
    /// is kept, backslashes included.
    /// NOTE: newline is `\n` (not `\x0a`) on purpose: the output firewall's key
    /// analysis reads `\n`-escaped text as it reads a JSON string, so a key
    /// that reached a message is still found whole after escaping.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value < 0x80 ? "\\x" + hex.leftPadded(2) : "\\u{" + hex.leftPadded(4) + "}"
            }
        }
        return out
    }

    /// A character a terminal acts on instead of showing: C0 and C1 controls,
    /// DEL, line and paragraph separators, and the bidirectional formatting
    /// characters that reorder the text around them.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1f, 0x7f...0x9f: return true
        case 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069: return true
        default: return false
        }
    }
}
