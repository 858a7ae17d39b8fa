import KeyLeakInput
import KeyLeakMatching

/// An INI text read exactly the way the OCI SDK reads its config file:
/// Python 3's `configparser.ConfigParser(interpolation=None)` with its
/// defaults (`oci/config.py`, `from_file`).
///
/// - Lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines).
/// - A line whose stripped text starts with `#` or `;` is a comment; there are
///   no inline comments (`key = a # b` keeps `a # b`).
/// - `[name]` is a section header: the name runs to the *last* `]` on the
///   line, is case-sensitive and is not trimmed (`[ prod ]` is ` prod `;
///   `[PROD] # production` is `PROD`). Only `DEFAULT` is the defaults section.
/// - `name = value` or `name : value`, split at the first `=` or `:`; the name
///   is stripped and lowercased, the value stripped and otherwise kept as
///   written (quotes, trailing `,` or `;`, `$`, parentheses all stay).
/// - A line indented deeper than the option line above it continues that
///   value (joined with `\n`), also after blank and comment lines; blank lines
///   inside a value are kept, trailing ones dropped.
/// - A duplicate section (other than `DEFAULT`) or a duplicate option within
///   one section (`user` and `USER` included) is an error at once; a line
///   with no `=` or `:` (or an empty name) is an error raised at the end.
///   A file that does not start with a section header is an error.
/// - Whitespace is Python's: Unicode whitespace, including U+001C–U+001F and
///   U+0085. A byte order mark is not whitespace (a file starting with one
///   has no section header).
///
/// `parse` reads a whole file (for `keyleak doctor`); the scan uses `Reader`
/// line by line to read INI documents embedded in any text.
package struct INIDocument: Sendable {
    /// One option: its lowercased name, its value as configparser returns it,
    /// and where its first line is.
    package struct Option: Sendable, Equatable {
        /// Lowercased name (`user`).
        package var name: String
        /// The value, continuation lines joined with `\n`.
        package var value: String
        /// 1-based line of the option line.
        package var line: Int
        /// Byte offset of the option line's start.
        package var offset: Int
    }

    /// One section (profile) and its own options, in file order.
    package struct Section: Sendable, Equatable {
        /// The name between the brackets, as written.
        package var name: String
        /// 1-based line of the (first) header.
        package var line: Int
        /// Byte offset of the header line's start.
        package var offset: Int
        /// The header line, stripped.
        package var header: String
        /// Options, in the order first set.
        package var options: [Option] = []

        /// The option named `name` (lowercase), if set.
        package func option(_ name: String) -> Option? { options.first { $0.name == name } }
    }

    /// What configparser raises reading the file, if anything.
    package enum Failure: Sendable, Equatable {
        /// The bytes are not UTF-8 (`UnicodeDecodeError`).
        case notUTF8
        /// A setting before any section header (`MissingSectionHeaderError`).
        case missingSectionHeader(line: Int)
        /// A section header seen twice (`DuplicateSectionError`).
        case duplicateSection(name: String, line: Int)
        /// An option set twice in one section (`DuplicateOptionError`).
        case duplicateOption(section: String, option: String, line: Int)
        /// Lines that are neither comment, header, option nor continuation (`ParsingError`).
        case parsing(lines: [Int])

        /// The Python exception's class name, as the differential test compares it.
        package var pythonName: String {
            switch self {
            case .notUTF8: return "UnicodeDecodeError"
            case .missingSectionHeader: return "MissingSectionHeaderError"
            case .duplicateSection: return "DuplicateSectionError"
            case .duplicateOption: return "DuplicateOptionError"
            case .parsing: return "ParsingError"
            }
        }

        /// The 1-based line the error names (the first bad line of a `ParsingError`).
        package var line: Int? {
            switch self {
            case .notUTF8: return nil
            case let .missingSectionHeader(line), let .duplicateSection(_, line), let .duplicateOption(_, _, line): return line
            case let .parsing(lines): return lines.first
            }
        }

        /// What is wrong, naming lines and names but never a value.
        package var reason: String {
            switch self {
            case .notUTF8: return "the file is not UTF-8 text"
            case let .missingSectionHeader(line): return "line \(line): a setting before the first [PROFILE] header"
            case let .duplicateSection(name, line): return "line \(line): profile [\(name)] appears twice"
            case let .duplicateOption(section, option, line):
                return "line \(line): '\(option)' is set twice in [\(section)] (names are case-insensitive)"
            case let .parsing(lines):
                return "line\(lines.count == 1 ? "" : "s") \(lines.map(String.init).joined(separator: ", ")): neither a [PROFILE] header, a comment nor a 'name = value' setting"
            }
        }
    }

    /// The sections other than `DEFAULT`, in file order.
    package var sections: [Section] = []
    /// Every `[DEFAULT]` section's options, merged; nil when there is none.
    package var defaults: Section?
    /// What configparser would raise; nil when the file reads cleanly.
    package var failure: Failure?

    /// The name of the defaults section (configparser's `default_section`).
    package static let defaultSection = "DEFAULT"

    /// The section named exactly `name` (`DEFAULT` is `defaults`).
    package func section(_ name: String) -> Section? {
        name == INIDocument.defaultSection ? defaults : sections.first { $0.name == name }
    }

    /// The settings `parser[profile]` yields: the section's own options over
    /// the defaults; nil when the profile does not exist. `DEFAULT` always
    /// exists for configparser (`"DEFAULT" in parser` is true), empty or not.
    package func profile(_ name: String) -> [String: String]? {
        var values: [String: String] = [:]
        for option in defaults?.options ?? [] { values[option.name] = option.value }
        if name == INIDocument.defaultSection { return values }
        guard let section = sections.first(where: { $0.name == name }) else { return nil }
        for option in section.options { values[option.name] = option.value }
        return values
    }

    /// Where each setting of `profile(name)` comes from (its section's line, or `[DEFAULT]`'s).
    package func origin(of option: String, in name: String) -> Option? {
        section(name)?.option(option) ?? defaults?.option(option)
    }

    /// Reads a whole file the way `configparser.read` does (UTF-8, as Python
    /// decodes it in a UTF-8 locale). Stops at the first error configparser
    /// raises at once; collects the lines it complains about at the end.
    package static func parse(_ bytes: [UInt8]) -> INIDocument {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return INIDocument(failure: .notUTF8)
        }
        var reader = Reader(strict: true)
        var offset = 0
        for (number, line) in Reader.lines(text).enumerated() {
            reader.feed(line.text, number: number + 1, offset: offset)
            offset += line.byteCount
            if reader.document.failure != nil { break }
        }
        return reader.finish()
    }

    /// configparser's state machine, fed one line at a time.
    package struct Reader: Sendable {
        /// What has been read so far.
        package private(set) var document = INIDocument()
        /// Lines configparser rejects but keeps reading past (raised at the end).
        private var badLines: [Int] = []
        /// Raise on duplicates (a file) or keep the first value and go on (the scan).
        private let strict: Bool
        /// Index in `document.sections`, or -1 for `[DEFAULT]`; nil before any header.
        private var current: Int?
        /// The option continuation lines extend (configparser's `optname`).
        private var optionName: String?
        /// Indent, in characters, of the last header or option line.
        private var indentLevel = 0
        /// Raw value lines per (section index, option), joined at the end.
        private var pending: [Int: [String: [String]]] = [:]
        private var seenOptions: Set<String> = []

        /// A reader; `strict` records duplicates as configparser's errors.
        package init(strict: Bool) { self.strict = strict }

        /// True once a section header has been read.
        package var inSection: Bool { current != nil }

        /// How a line was taken.
        package enum Outcome: Sendable, Equatable {
            /// Blank or a comment.
            case blank
            /// A section header.
            case header
            /// An option line.
            case option
            /// A continuation of the option above.
            case continuation
            /// A line configparser rejects (no `=` or `:`, or no section yet).
            case rejected
        }

        /// How `line` would be read now, without reading it.
        package func classify(_ line: Substring) -> Outcome {
            let value = INIDocument.strip(line)
            if value.isEmpty || value.hasPrefix("#") || value.hasPrefix(";") { return .blank }
            if current != nil, optionName?.isEmpty == false, INIDocument.indent(line) > indentLevel { return .continuation }
            if INIDocument.header(value) != nil { return .header }
            if current == nil { return .rejected }
            return value.unicodeScalars.contains(where: { $0 == "=" || $0 == ":" }) ? .option : .rejected
        }

        /// Reads one line (its text without the line break) at 1-based `number`, starting at byte `offset`.
        @discardableResult
        package mutating func feed(_ line: Substring, number: Int, offset: Int) -> Outcome {
            let value = INIDocument.strip(line)
            let comment = value.hasPrefix("#") || value.hasPrefix(";")
            if value.isEmpty || comment {
                // A blank line (not a comment) is kept inside a value.
                if !comment, let c = current, let name = optionName, !name.isEmpty {
                    pending[c, default: [:]][name, default: []].append("")
                }
                return .blank
            }
            let indent = INIDocument.indent(line)
            if let c = current, let name = optionName, !name.isEmpty, indent > indentLevel {
                pending[c, default: [:]][name, default: []].append(String(value))
                return .continuation
            }
            indentLevel = indent
            if let name = INIDocument.header(value) {
                optionName = nil
                if name == INIDocument.defaultSection {
                    if document.defaults == nil {
                        document.defaults = Section(name: name, line: number, offset: offset, header: String(value))
                    }
                    current = -1
                } else if let existing = document.sections.firstIndex(where: { $0.name == name }) {
                    if strict { fail(.duplicateSection(name: name, line: number)) }
                    current = existing
                } else {
                    document.sections.append(Section(name: name, line: number, offset: offset, header: String(value)))
                    current = document.sections.count - 1
                }
                return .header
            }
            guard let c = current else {
                fail(.missingSectionHeader(line: number))
                return .rejected
            }
            let scalars = Array(value.unicodeScalars)
            guard let delimiter = scalars.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                badLines.append(number)
                return .rejected
            }
            let name = INIDocument.pythonLower(INIDocument.strip(Substring(String(String.UnicodeScalarView(scalars[..<delimiter])))))
            if name.isEmpty { badLines.append(number) }
            let sectionName = c < 0 ? INIDocument.defaultSection : document.sections[c].name
            let key = sectionName + "\u{0}" + name
            if seenOptions.contains(key) {
                if strict {
                    fail(.duplicateOption(section: sectionName, option: name, line: number))
                    return .rejected
                }
                // The scan keeps the first value and ignores the repeat.
                optionName = nil
                return .option
            }
            seenOptions.insert(key)
            let rest = INIDocument.strip(Substring(String(String.UnicodeScalarView(scalars[(delimiter + 1)...]))))
            let option = Option(name: name, value: "", line: number, offset: offset)
            if c < 0 { document.defaults?.options.append(option) } else { document.sections[c].options.append(option) }
            pending[c, default: [:]][name] = [String(rest)]
            optionName = name
            return .option
        }

        /// Ends the current section: lines after it belong to no document
        /// (the scan, when prose follows an INI block).
        package mutating func closeSection() {
            current = nil
            optionName = nil
        }

        /// The document: values joined, the errors configparser raises at the end added.
        package mutating func finish() -> INIDocument {
            if document.failure == nil, !badLines.isEmpty { document.failure = .parsing(lines: badLines) }
            for (c, options) in pending {
                for (name, lines) in options {
                    let joined = INIDocument.rstrip(lines.joined(separator: "\n"))
                    if c < 0 {
                        if let i = document.defaults?.options.firstIndex(where: { $0.name == name }) {
                            document.defaults?.options[i].value = joined
                        }
                    } else if let i = document.sections[c].options.firstIndex(where: { $0.name == name }) {
                        document.sections[c].options[i].value = joined
                    }
                }
            }
            pending = [:]
            return document
        }

        private mutating func fail(_ failure: Failure) {
            if document.failure == nil { document.failure = failure }
        }

        /// The lines of `text` as Python's universal newlines split them, each
        /// with the byte count it spans (its line break included).
        package static func lines(_ text: String) -> [(text: Substring, byteCount: Int)] {
            var result: [(text: Substring, byteCount: Int)] = []
            let utf8 = text.utf8
            var start = utf8.startIndex
            var i = start
            while i != utf8.endIndex {
                let byte = utf8[i]
                if byte == 10 || byte == 13 {
                    var next = utf8.index(after: i)
                    if byte == 13, next != utf8.endIndex, utf8[next] == 10 { next = utf8.index(after: next) }
                    result.append((text[start..<i], utf8.distance(from: start, to: next)))
                    start = next
                    i = next
                } else {
                    i = utf8.index(after: i)
                }
            }
            if start != utf8.endIndex { result.append((text[start...], utf8.distance(from: start, to: utf8.endIndex))) }
            return result
        }
    }

    /// The section name of a stripped line, if it is a header: from after
    /// the `[` to the last `]`, at least one character (`\[(?P<header>.+)\]`).
    package static func header(_ value: Substring) -> String? {
        let scalars = Array(value.unicodeScalars)
        guard scalars.first == "[", let close = scalars.lastIndex(of: "]"), close >= 2 else { return nil }
        return String(String.UnicodeScalarView(scalars[1..<close]))
    }

    /// Python's `str.isspace()` for one character (what `strip()` and `\s` remove).
    package static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `text.strip()` as Python does it.
    package static func strip(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }) else { return text[text.endIndex...] }
        let last = scalars.lastIndex(where: { !isPythonSpace($0) })!
        return Substring(scalars[first...last])
    }

    /// `text.rstrip()` as Python does it.
    package static func rstrip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let last = scalars.lastIndex(where: { !isPythonSpace($0) }) else { return "" }
        return String(scalars[...last])
    }

    /// Characters (code points) of leading whitespace: configparser's indent level.
    package static func indent(_ line: Substring) -> Int {
        var n = 0
        for s in line.unicodeScalars {
            guard isPythonSpace(s) else { break }
            n += 1
        }
        return n
    }

    /// `str.lower()`: option names are compared lowercased.
    package static func pythonLower(_ text: Substring) -> String { text.lowercased() }
}
