import Foundation
internal import CArchive

/// Looks inside archives (zip and its kin jar/war/whl, tar, 7z, cpio, ar and
/// .deb, rpm; gzip, bzip2, xz, zstd, lz4, lzip, lzma and compress streams;
/// nested up to a depth) with libarchive, streaming each member to a scan
/// callback. Nothing is extracted to disk and member names are never used as
/// file-system paths. Limits keep archive bombs from costing time or memory.
///
/// Every member is scanned or listed as skipped with its reason: a refused
/// member skips that member only, and an archive stopped before its end (its
/// budget spent, a header that does not parse) is listed as such.
package struct ArchiveReader {
    /// How deep archives nest before keyleak stops opening them. Default 3.
    package var maxDepth = 3
    /// Uncompressed bytes one top-level archive may produce in all, nested
    /// archives and the members decompressed only to move past them included.
    /// Default 1 GiB. Spending it stops the whole archive.
    package var maxTotalBytes = 1 << 30
    /// Uncompressed/compressed ratio of one member above which it is treated
    /// as a bomb and skipped. Default 100.
    package var maxRatio = 100
    /// Bytes a member produces before its ratio is judged (small files
    /// compress well legitimately). Default 16 MiB.
    package var ratioGrace = 16 << 20
    /// Largest nested archive read into memory to open it. Default 64 MiB.
    package var maxNestedBytes = 64 << 20
    /// Members one archive may have. Default 100,000.
    package var maxMembers = 100_000

    /// A reader with the default limits.
    package init() {}

    /// What a member scan is given: its display name and a reader of its bytes.
    package typealias MemberScan = (String, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void

    /// Where an archive's bytes come from.
    private enum Source {
        /// An open file, always read from its start; the caller owns and closes it.
        case file(Int32)
        /// Bytes in memory (a nested archive, fuzz input), borrowed for one read.
        case memory(UnsafeRawBufferPointer)
    }

    /// True when `prefix` (a file's first bytes, 512 are enough) starts like an
    /// archive or compressed stream keyleak opens.
    /// NOTE: called on every file: the first 8 bytes are compared as one
    /// integer, and only the weak magic numbers (binary and ASCII cpio, lzma,
    /// compress) look further, so that a random file is not taken for an
    /// archive that then fails to open and is listed as not scanned.
    package static func looksLikeArchive(_ prefix: UnsafeRawBufferPointer) -> Bool {
        let n = prefix.count
        guard n >= 2 else { return false }
        var head: UInt64 = 0  // the first 8 bytes, big-endian, zero-padded
        for i in 0..<min(n, 8) { head |= UInt64(prefix[i]) << (56 - 8 * i) }
        /// True when the prefix starts with the `count` bytes of `magic`.
        func starts(_ magic: UInt64, _ count: Int) -> Bool { n >= count && head >> (64 - 8 * count) == magic }

        if starts(0x504B_0304, 4) || starts(0x504B_0506, 4) { return true }  // zip, empty zip
        if starts(0x1F8B, 2) || starts(0x425A_68, 3) || starts(0xFD37_7A58_5A00, 6) { return true }  // gzip, bzip2, xz
        if starts(0x28B5_2FFD, 4) { return true }  // zstd
        if starts(0x0422_4D18, 4) || starts(0x0221_4C18, 4) { return true }  // lz4 frame, lz4 legacy
        if starts(0x4C5A_4950, 4) || starts(0x4C52_5A49, 4) { return true }  // "LZIP", "LRZI"
        if starts(0x894C_5A4F_000D_0A1A, 8) { return true }  // lzop
        if starts(0x377A_BCAF_271C, 6) { return true }  // 7z
        if starts(0x213C_6172_6368_3E0A, 8) { return true }  // ar, .deb: "!<arch>\n"
        if starts(0xEDAB_EEDB, 4) { return true }  // rpm (a cpio inside)
        // Weak magic numbers: the header behind them must hold up too (else a tar may still follow).
        if starts(0x3037_3037_3037, 6), digits(prefix, 6..<76, radix: 8) { return true }  // cpio odc "070707"
        if starts(0x3037_3037_3031, 6) || starts(0x3037_3037_3032, 6), digits(prefix, 6..<110, radix: 16) {
            return true  // cpio newc "070701", with CRC "070702"
        }
        if starts(0xC771, 2) || starts(0x71C7, 2), binaryCpio(prefix, littleEndian: prefix[0] == 0xC7) { return true }
        // compress (.Z): the third byte holds the largest code width (9 to 16 bits) and two reserved bits.
        if starts(0x1F9D, 2), n >= 3, (9...16).contains(prefix[2] & 0x1F), prefix[2] & 0x60 == 0 { return true }
        if prefix[0] == 0x5D, lzmaAlone(prefix) { return true }
        if n >= 262, prefix[257] == 0x75, prefix[258] == 0x73, prefix[259] == 0x74, prefix[260] == 0x61, prefix[261] == 0x72 {
            return true  // "ustar"
        }
        return false
    }

    /// True when `prefix[range]` is all digits of `radix` (8 or 16), as in an ASCII cpio header.
    private static func digits(_ prefix: UnsafeRawBufferPointer, _ range: Range<Int>, radix: Int) -> Bool {
        guard prefix.count >= range.upperBound else { return false }
        for i in range {
            let c = prefix[i]
            let digit = (0x30...0x37).contains(c) || (radix == 16 && ((0x38...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)))
            if !digit { return false }
        }
        return true
    }

    /// True when `prefix` starts with a binary cpio header: a known file type
    /// in its mode and a NUL-terminated name within the prefix.
    private static func binaryCpio(_ prefix: UnsafeRawBufferPointer, littleEndian: Bool) -> Bool {
        guard prefix.count >= 26 else { return false }
        /// The 16-bit header field at `offset`.
        func field(_ offset: Int) -> Int {
            littleEndian ? Int(prefix[offset]) | Int(prefix[offset + 1]) << 8 : Int(prefix[offset]) << 8 | Int(prefix[offset + 1])
        }
        let type = field(6) & 0o170000
        guard [0o010000, 0o020000, 0o040000, 0o060000, 0o100000, 0o120000, 0o140000].contains(type) else { return false }
        let nameSize = field(20)  // the name's bytes and its NUL
        return nameSize >= 2 && 26 + nameSize <= prefix.count && prefix[26 + nameSize - 1] == 0
    }

    /// True when `prefix` starts with an "LZMA alone" (.lzma) header: the
    /// default properties byte 0x5D, a dictionary of a power of two from 4 KiB
    /// to 1 GiB, and an uncompressed size that is unknown (all ones) or below 2^48.
    private static func lzmaAlone(_ prefix: UnsafeRawBufferPointer) -> Bool {
        guard prefix.count >= 13, prefix[0] == 0x5D else { return false }
        let dictionary = (1...4).reduce(UInt32(0)) { $0 | UInt32(prefix[$1]) << (8 * ($1 - 1)) }
        guard dictionary.nonzeroBitCount == 1, ((1 << 12)...(1 << 30)).contains(dictionary) else { return false }
        return (5...12).allSatisfy { prefix[$0] == 0xFF } || (prefix[11] == 0 && prefix[12] == 0)
    }

    /// Opens the archive on `fd` (named `name`) and scans its members.
    /// Problems are appended to `skipped` as (path, reason); the scan goes on.
    package func scan(fd: Int32, name: String, member: MemberScan, skipped: inout [(String, String)]) {
        var budget = maxTotalBytes
        read(.file(fd), name: name, depth: 1, budget: &budget, member: member, skipped: &skipped)
    }

    /// Opens an in-memory archive (for fuzzing) and scans its members.
    package func scan(bytes: [UInt8], name: String, member: MemberScan, skipped: inout [(String, String)]) {
        var budget = maxTotalBytes
        bytes.withUnsafeBytes { raw in
            read(.memory(raw), name: name, depth: 1, budget: &budget, member: member, skipped: &skipped)
        }
    }

    /// Opens `source` and scans its members.
    /// NOTE: a compressed stream in which no archive format found a single
    /// member is read again as one raw stream. 512 zero bytes are an empty tar
    /// archive's end mark, so tar outbids the raw reader on a disk image that
    /// starts with zeros and reads "no members": a single compressed stream
    /// must be scanned whatever its first bytes are. An empty tar.gz is then
    /// scanned as the zeros it holds.
    private func read(_ source: Source, name: String, depth: Int, budget: inout Int,
                      member: MemberScan, skipped: inout [(String, String)]) {
        var attempt: [(String, String)] = []
        let again: Bool
        do {
            let archive = try ArchiveReader.open(source, rawOnly: false)
            defer { archive_read_free(archive) }
            let members = walk(archive, name: name, depth: depth, budget: &budget, member: member, skipped: &attempt)
            again = members == 0 && archive_filter_code(archive, 0) != ARCHIVE_FILTER_NONE
        } catch {
            skipped.append((name, error.description))
            return
        }
        guard again else {
            skipped += attempt
            return
        }
        do {
            let archive = try ArchiveReader.open(source, rawOnly: true)
            defer { archive_read_free(archive) }
            walk(archive, name: name, depth: depth, budget: &budget, member: member, skipped: &skipped)
        } catch {
            skipped.append((name, error.description))
        }
    }

    /// A libarchive reader over `source`, with every filter and the formats
    /// keyleak opens (with `rawOnly`, the raw format alone: one stream, "data").
    private static func open(_ source: Source, rawOnly: Bool) throws(InputError) -> OpaquePointer {
        guard let archive = archive_read_new() else { throw InputError.archive("cannot open archive: out of memory") }
        archive_read_support_filter_all(archive)
        if !rawOnly {
            // NOTE: the formats keyleak opens, not `format_all`: every registered
            // format bids on every archive, and the text-sniffing ones (mtree, warc,
            // iso9660) made each of /usr/share's 26,000 gzip'ed man pages twice as slow.
            archive_read_support_format_tar(archive)  // ustar, pax, GNU tar
            archive_read_support_format_zip(archive)  // also jar, war, whl, apk, docx
            archive_read_support_format_7zip(archive)
            archive_read_support_format_cpio(archive)  // also inside rpm
            archive_read_support_format_ar(archive)  // also .deb
        }
        // A lone compressed file (key.pem.gz) is one member, "data".
        archive_read_support_format_raw(archive)
        let rc: Int32
        switch source {
        case .file(let fd):
            guard lseek(fd, 0, SEEK_SET) == 0 else {
                let code = errno
                archive_read_free(archive)
                throw InputError.archive("cannot read archive: " + errnoText(code))
            }
            rc = archive_read_open_fd(archive, fd, 1 << 16)
        case .memory(let raw):
            // NOTE: in 64 KiB blocks, as from a file: in one block, a member's
            // bytes would be counted as consumed only after all were read, and
            // every large stored member would look like a bomb.
            rc = archive_read_open_memory2(archive, raw.baseAddress, raw.count, 1 << 16)
        }
        guard rc == ARCHIVE_OK else {
            let text = message(archive)
            archive_read_free(archive)
            throw InputError.archive("cannot open archive: \(text)")
        }
        return archive
    }

    /// Scans the members of an open archive. Returns how many headers were
    /// read: 0 when no format found a member (an empty archive, or a header
    /// that does not parse).
    @discardableResult
    private func walk(_ archive: OpaquePointer, name: String, depth: Int, budget: inout Int,
                      member: MemberScan, skipped: inout [(String, String)]) -> Int {
        var entry: OpaquePointer?
        var members = 0
        while true {
            let rc = archive_read_next_header(archive, &entry)
            if rc == ARCHIVE_EOF { return members }
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let entry else {
                let rest = members == 0 ? "" : ": the rest was not scanned"
                skipped.append((name, "corrupt or unsupported archive: \(ArchiveReader.message(archive))" + rest))
                return members
            }
            members += 1
            guard members <= maxMembers else {
                skipped.append((name, "more than \(maxMembers) members: the rest was not scanned"))
                return members
            }
            // NOTE: regular files, and members of no stated type: GNU ar (binutils'
            // `ar rc`, and .deb files) writes modes without the file-type bits.
            let type = archive_entry_filetype(entry)
            guard type == UInt32(0o100000) || type == 0 else { continue }
            // NOTE: a stream no format recognised, read as is (a file sniffed as
            // an archive that is none), is the file itself, not a member of it.
            let whole = archive_format(archive) == ARCHIVE_FORMAT_RAW && archive_filter_code(archive, 0) == ARCHIVE_FILTER_NONE
            let display = whole ? name : name + "!" + ArchiveReader.memberName(entry, archiveName: name)
            if let stop = scanMember(archive, entry, display: display, depth: depth, budget: &budget,
                                     member: member, skipped: &skipped) {
                skipped.append((name, stop))
                return members
            }
        }
    }

    /// Scans one regular member, or opens it when it is itself an archive.
    /// A member that is refused (a bomb, a read error, a nested archive too
    /// large) is listed under `display` and skipped alone. Returns why the
    /// whole archive must stop (its budget is spent), or nil to go on.
    private func scanMember(_ archive: OpaquePointer, _ entry: OpaquePointer, display: String, depth: Int,
                            budget: inout Int, member: MemberScan, skipped: inout [(String, String)]) -> String? {
        let spent = "archive produced more than \(maxTotalBytes >> 20) MiB: the rest was not scanned"
        // NOTE: the ratio is judged per member, on the compressed bytes this
        // member consumed: judged over the whole archive, one bomb would make
        // every member after it look like one too.
        let compressedStart = Int(archive_filter_bytes(archive, -1))
        var produced = 0  // uncompressed bytes of this member read so far
        var complete = false  // read to its end
        var failed: String?  // why the member was not read to its end
        /// Reads the member's next bytes into `target`, charging the budget.
        func pull(_ target: UnsafeMutableRawBufferPointer) -> Int {
            let n = archive_read_data(archive, target.baseAddress, target.count)
            if n < 0 { failed = "corrupt member: " + ArchiveReader.message(archive); return 0 }
            if n == 0 { complete = true }
            produced += n
            budget -= n
            return n
        }

        // Read the first block to see whether the member is itself an archive.
        // NOTE: uninitialised: only the first `headCount` bytes are ever read.
        var head = [UInt8](unsafeUninitializedCapacity: 1 << 16) { _, count in count = 1 << 16 }
        let headCount = head.withUnsafeMutableBytes { pull($0) }
        let nested = head.withUnsafeBytes { ArchiveReader.looksLikeArchive(UnsafeRawBufferPointer(rebasing: $0[0..<headCount])) }
        if nested && depth < maxDepth {
            var bytes = Array(head[0..<headCount])
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while failed == nil && !complete {
                guard budget > 0 else { failed = spent; break }
                let n = chunk.withUnsafeMutableBytes { pull($0) }
                bytes += chunk[0..<n]
                if bytes.count > maxNestedBytes { failed = "nested archive larger than \(maxNestedBytes >> 20) MiB: not opened"; break }
            }
            if let failed {
                skipped.append((display, failed))
            } else {
                bytes.withUnsafeBytes { raw in
                    read(.memory(raw), name: display, depth: depth + 1, budget: &budget, member: member, skipped: &skipped)
                }
            }
        } else {
            if nested { skipped.append((display, "archive nested deeper than \(maxDepth): not opened")) }
            var served = 0
            do {
                try member(display) { target in
                    if served < headCount {
                        let n = min(target.count, headCount - served)
                        head.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress! + served, byteCount: n) }
                        served += n
                        return n
                    }
                    if let failed { throw InputError.archive(failed) }
                    guard budget > 0 else { throw InputError.archive(spent) }
                    let n = pull(target)
                    if let failed { throw InputError.archive(failed) }
                    if produced > ratioGrace {
                        let compressed = max(1, Int(archive_filter_bytes(archive, -1)) - compressedStart)
                        if produced / compressed > maxRatio {
                            throw InputError.archive("looks like an archive bomb (expands more than \(maxRatio):1): not scanned further")
                        }
                    }
                    return n
                }
            } catch let InputError.archive(reason) {
                skipped.append((display, reason))
            } catch {
                skipped.append((display, "\(error)"))
            }
        }
        if budget <= 0 { return spent }
        if complete { return nil }
        // The member was left before its end: moving past the rest may decompress it.
        guard let cost = ArchiveReader.skipCost(archive, entry, read: produced), cost < budget else {
            return "the members after \(display) were not scanned: moving past it would decompress more than the \(maxTotalBytes >> 20) MiB an archive may produce"
        }
        budget -= cost
        return nil
    }

    /// Uncompressed bytes libarchive decompresses to move past the unread rest
    /// of `entry` (of which `read` bytes were read), or nil when unknown.
    /// NOTE: libarchive steps over a zip member's stored bytes, or an
    /// uncompressed tar, cpio or ar member's, at no cost; behind a compression
    /// filter (a tar.gz) or in a 7z it decompresses the whole rest of the
    /// member. Charging that to the budget keeps a refused 100 GiB member of
    /// zeros from costing minutes after its refusal.
    private static func skipCost(_ archive: OpaquePointer, _ entry: OpaquePointer, read: Int) -> Int? {
        let format = archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK
        if format == ARCHIVE_FORMAT_RAW { return 0 }  // the only member: nothing follows it
        guard archive_entry_size_is_set(entry) != 0 else { return nil }
        let decompresses = archive_filter_code(archive, 0) != ARCHIVE_FILTER_NONE || format == ARCHIVE_FORMAT_7ZIP
        return decompresses ? max(0, Int(archive_entry_size(entry)) - read) : 0
    }

    /// Suffixes of a lone compressed file, and what its content is called
    /// without them (`key.pem.gz` holds `key.pem`, `backup.tgz` holds `backup.tar`).
    private static let compressionSuffixes: [(String, String)] = [
        (".gz", ""), (".gzip", ""), (".bz2", ""), (".xz", ""), (".zst", ""), (".zstd", ""), (".lz4", ""),
        (".lz", ""), (".lzma", ""), (".Z", ""), (".lzo", ""), (".lrz", ""),
        (".tgz", ".tar"), (".tbz2", ".tar"), (".tbz", ".tar"), (".txz", ".tar"), (".tzst", ".tar"),
    ]

    /// The member's name as bytes (not necessarily UTF-8), shown escaped;
    /// `data` (a lone compressed file) becomes the archive's name without its
    /// compression suffix.
    private static func memberName(_ entry: OpaquePointer, archiveName: String) -> String {
        guard let raw = archive_entry_pathname(entry) else { return "?" }
        let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)))
        let name = PathBytes.display(bytes)
        if name == "data" {
            let base = ((archiveName.split(separator: "!").last.map(String.init) ?? archiveName) as NSString).lastPathComponent
            for (suffix, replacement) in compressionSuffixes where base.hasSuffix(suffix) && base.count > suffix.count {
                return String(base.dropLast(suffix.count)) + replacement
            }
        }
        return name
    }

    /// libarchive's text for the last error on `archive`.
    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }
}
