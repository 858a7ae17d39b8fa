import Foundation
internal import CArchive

/// Looks inside archives (zip and its kin jar/war/whl, tar, gzip, bzip2, xz,
/// nested up to a depth) with libarchive, streaming each member to a scan
/// callback. Nothing is extracted to disk and member names are never used as
/// file-system paths. Limits keep archive bombs from costing time or memory.
package struct ArchiveReader {
    /// How deep archives nest before keyleak stops opening them. Default 3.
    package var maxDepth = 3
    /// Uncompressed bytes one top-level archive may produce in all. Default 1 GiB.
    package var maxTotalBytes = 1 << 30
    /// Uncompressed/compressed ratio above which a large archive is treated as a bomb.
    package var maxRatio = 100
    /// Bytes produced before the ratio is judged (small files compress well legitimately).
    package var ratioGrace = 16 << 20
    /// Largest nested archive read into memory to open it. Default 64 MiB.
    package var maxNestedBytes = 64 << 20
    /// Members one archive may have. Default 100,000.
    package var maxMembers = 100_000

    /// A reader with the default limits.
    package init() {}

    /// What a member scan is given: its display name and a reader of its bytes.
    package typealias MemberScan = (String, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void

    package struct Skip: Error, CustomStringConvertible {
        package var description: String
    }

    /// True when `prefix` starts like an archive or compressed file keyleak opens.
    package static func looksLikeArchive(_ prefix: UnsafeRawBufferPointer) -> Bool {
        let n = prefix.count
        func starts(_ magic: [UInt8]) -> Bool { n >= magic.count && (0..<magic.count).allSatisfy { prefix[$0] == magic[$0] } }
        if starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06]) { return true }  // zip
        if starts([0x1f, 0x8b]) || starts([0x42, 0x5a, 0x68]) || starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return true }
        if n >= 262, prefix[257] == 0x75, prefix[258] == 0x73, prefix[259] == 0x74, prefix[260] == 0x61, prefix[261] == 0x72 {
            return true  // "ustar"
        }
        return false
    }

    /// Opens the archive on `fd` (named `name`) and scans its members.
    /// Problems are appended to `skipped` as (path, reason); the scan goes on.
    package func scan(fd: Int32, name: String, member: MemberScan, skipped: inout [(String, String)]) {
        guard let archive = ArchiveReader.makeReader() else { return }
        defer { archive_read_free(archive) }
        guard archive_read_open_fd(archive, fd, 1 << 16) == ARCHIVE_OK else {
            skipped.append((name, "cannot open archive: \(ArchiveReader.message(archive))"))
            return
        }
        var budget = maxTotalBytes
        walk(archive, name: name, depth: 1, budget: &budget, member: member, skipped: &skipped)
    }

    /// Opens an in-memory archive (for fuzzing and nested archives) and scans its members.
    package func scan(bytes: [UInt8], name: String, member: MemberScan, skipped: inout [(String, String)]) {
        guard let archive = ArchiveReader.makeReader() else { return }
        defer { archive_read_free(archive) }
        bytes.withUnsafeBytes { raw in
            guard archive_read_open_memory(archive, raw.baseAddress, raw.count) == ARCHIVE_OK else {
                skipped.append((name, "cannot open archive: \(ArchiveReader.message(archive))"))
                return
            }
            var budget = maxTotalBytes
            walk(archive, name: name, depth: 1, budget: &budget, member: member, skipped: &skipped)
        }
    }

    private static func makeReader() -> OpaquePointer? {
        guard let archive = archive_read_new() else { return nil }
        archive_read_support_filter_all(archive)
        // NOTE: the formats keyleak opens, not `format_all`: every registered
        // format bids on every archive, and the text-sniffing ones (mtree, warc,
        // iso9660) made each of /usr/share's 26,000 gzip'ed man pages twice as slow.
        archive_read_support_format_tar(archive)  // ustar, pax, GNU tar
        archive_read_support_format_zip(archive)  // also jar, war, whl, apk, docx
        archive_read_support_format_7zip(archive)
        archive_read_support_format_cpio(archive)
        archive_read_support_format_ar(archive)  // .deb
        // A lone compressed file (key.pem.gz) is one member, "data".
        archive_read_support_format_raw(archive)
        return archive
    }

    private func walk(_ archive: OpaquePointer, name: String, depth: Int, budget: inout Int,
                      member: MemberScan, skipped: inout [(String, String)]) {
        var entry: OpaquePointer?
        var members = 0
        var produced = 0
        while true {
            let rc = archive_read_next_header(archive, &entry)
            if rc == ARCHIVE_EOF { break }
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let entry else {
                skipped.append((name, "corrupt or unsupported archive: \(ArchiveReader.message(archive))"))
                return
            }
            members += 1
            guard members <= maxMembers else {
                skipped.append((name, "more than \(maxMembers) members: the rest was not scanned"))
                return
            }
            guard archive_entry_filetype(entry) == UInt32(0o100000) else { continue }  // regular files only
            let memberName = ArchiveReader.memberName(entry, archiveName: name)
            let display = name + "!" + memberName

            // Read the first block to see whether the member is itself an archive.
            // NOTE: uninitialised: only the first `headCount` bytes are ever read.
            var head = [UInt8](unsafeUninitializedCapacity: 1 << 16) { _, count in count = 1 << 16 }
            var headCount = 0
            var failed: String?
            func pull(_ target: UnsafeMutableRawBufferPointer) -> Int {
                let n = archive_read_data(archive, target.baseAddress, target.count)
                if n < 0 { failed = ArchiveReader.message(archive); return 0 }
                produced += n
                budget -= n
                return n
            }
            headCount = head.withUnsafeMutableBytes { pull($0) }
            let nested = head.withUnsafeBytes { ArchiveReader.looksLikeArchive(UnsafeRawBufferPointer(rebasing: $0[0..<headCount])) }
            if nested && depth < maxDepth {
                var bytes = Array(head[0..<headCount])
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                while failed == nil {
                    let n = chunk.withUnsafeMutableBytes { pull($0) }
                    if n == 0 { break }
                    bytes += chunk[0..<n]
                    if bytes.count > maxNestedBytes { failed = "nested archive larger than \(maxNestedBytes >> 20) MiB"; break }
                    if budget < 0 { break }
                }
                if let failed {
                    skipped.append((display, failed))
                } else if let inner = ArchiveReader.makeReader() {
                    defer { archive_read_free(inner) }
                    bytes.withUnsafeBytes { raw in
                        if archive_read_open_memory(inner, raw.baseAddress, raw.count) == ARCHIVE_OK {
                            walk(inner, name: display, depth: depth + 1, budget: &budget, member: member, skipped: &skipped)
                        } else {
                            skipped.append((display, "cannot open nested archive: \(ArchiveReader.message(inner))"))
                        }
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
                        guard budget > 0 else { throw Skip(description: "archive produced more than \(maxTotalBytes >> 20) MiB: the rest was not scanned") }
                        let n = pull(target)
                        if let failed { throw Skip(description: "corrupt member: \(failed)") }
                        if produced > ratioGrace {
                            let compressed = max(1, Int(archive_filter_bytes(archive, -1)))
                            if produced / compressed > maxRatio {
                                throw Skip(description: "looks like an archive bomb (expands more than \(maxRatio):1): not scanned further")
                            }
                        }
                        return n
                    }
                } catch let skip as Skip {
                    skipped.append((display, skip.description))
                    if budget <= 0 || skip.description.contains("bomb") { return }
                } catch {
                    skipped.append((display, "\(error)"))
                }
            }
            if budget <= 0 {
                skipped.append((name, "archive produced more than \(maxTotalBytes >> 20) MiB: the rest was not scanned"))
                return
            }
        }
    }

    /// The member's name as bytes (not necessarily UTF-8), shown escaped;
    /// `data` (a lone compressed file) becomes the archive's name without `.gz`.
    private static func memberName(_ entry: OpaquePointer, archiveName: String) -> String {
        guard let raw = archive_entry_pathname(entry) else { return "?" }
        let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)))
        let name = PathBytes.display(bytes)
        if name == "data" {
            let base = (archiveName.split(separator: "!").last.map(String.init) ?? archiveName)
            for suffix in [".gz", ".bz2", ".xz", ".gzip"] where base.hasSuffix(suffix) {
                return (String(base.dropLast(suffix.count)) as NSString).lastPathComponent
            }
        }
        return name
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }
}
