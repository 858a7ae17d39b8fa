import Foundation
import Testing
import TestSupport
@testable import KeyLeakInput

/// The archive reader's limits, with small budgets, and its sniffing.
@Suite struct ArchiveReaderTests {
    /// What one scan saw: members read to their end, with their sizes, and the skips.
    struct Outcome {
        var members: [String: Int] = [:]
        var skipped: [String: String] = [:]
    }

    /// Builds a `kind` archive (zip, tar or tar.gz) with Python's standard library
    /// from `members`: names and Python expressions of their bytes.
    func archive(_ kind: String, _ members: [(String, String)]) throws -> [UInt8] {
        let dir = try TemporaryDirectory()
        let script = """
        import io, sys, tarfile, zipfile
        kind, out = sys.argv[1], sys.argv[2]
        members = [(n, eval(e)) for n, e in zip(sys.argv[3::2], sys.argv[4::2])]
        if kind == "zip":
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for n, d in members: z.writestr(n, d)
        else:
            with tarfile.open(out, "w:gz" if kind == "tar.gz" else "w") as t:
                for n, d in members:
                    i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))
        """
        try Shell.check("python3", ["-c", script, kind, dir.file("out")] + members.flatMap { [$0.0, $0.1] })
        return Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("out"))))
    }

    /// Scans `bytes` named `name` with `reader`, reading every member to its end.
    func scan(_ reader: ArchiveReader, _ bytes: [UInt8], name: String) -> Outcome {
        var outcome = Outcome()
        var skipped: [(String, String)] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        reader.scan(bytes: bytes, name: name, member: { display, read in
            var total = 0
            while true {
                let n = try buffer.withUnsafeMutableBytes { try read($0) }
                if n == 0 { break }
                total += n
            }
            outcome.members[display] = total
        }, skipped: &skipped)
        for (path, reason) in skipped where outcome.skipped[path] == nil { outcome.skipped[path] = reason }
        return outcome
    }

    /// A reader with a 4 MiB budget whose bombs are judged after 256 KiB.
    var small: ArchiveReader {
        var reader = ArchiveReader()
        reader.maxTotalBytes = 4 << 20
        reader.ratioGrace = 256 << 10
        return reader
    }

    @Test func aBombInAZipSkipsThatMemberAtNoCostToTheBudget() throws {
        let bytes = try archive("zip", [("zeros.bin", "b'\\0' * (8 << 20)"), ("key.txt", "b'after'")])
        let outcome = scan(small, bytes, name: "a.zip")
        #expect(outcome.skipped["a.zip!zeros.bin"]?.contains("bomb") == true, "\(outcome.skipped)")
        #expect(outcome.members["a.zip!key.txt"] == 5, "\(outcome.members)")
        #expect(outcome.skipped.count == 1, "\(outcome.skipped)")
    }

    @Test func movingPastABombInATarGzIsChargedToTheBudget() throws {
        let bytes = try archive("tar.gz", [("zeros.bin", "b'\\0' * (2 << 20)"), ("key.txt", "b'after'")])
        // The rest of the bomb (under 2 MiB) is decompressed to reach the next member: the budget pays.
        let paid = scan(small, bytes, name: "b.tar.gz")
        #expect(paid.skipped["b.tar.gz!zeros.bin"]?.contains("bomb") == true, "\(paid.skipped)")
        #expect(paid.members["b.tar.gz!key.txt"] == 5, "\(paid.members)")
        #expect(paid.skipped.count == 1, "\(paid.skipped)")
        // With 1 MiB it cannot: the archive stops there, and says so.
        var poor = small
        poor.maxTotalBytes = 1 << 20
        let stopped = scan(poor, bytes, name: "b.tar.gz")
        #expect(stopped.skipped["b.tar.gz!zeros.bin"]?.contains("bomb") == true, "\(stopped.skipped)")
        #expect(stopped.skipped["b.tar.gz"]?.contains("not scanned") == true, "\(stopped.skipped)")
        #expect(stopped.members["b.tar.gz!key.txt"] == nil)
    }

    @Test func aSpentBudgetStopsTheArchiveAndListsIt() throws {
        // An uncompressed tar is no bomb, but its bytes count.
        let bytes = try archive("tar", [("big.bin", "b'x' * (6 << 20)"), ("key.txt", "b'after'")])
        let outcome = scan(small, bytes, name: "c.tar")
        #expect(outcome.skipped["c.tar!big.bin"]?.contains("more than 4 MiB") == true, "\(outcome.skipped) \(outcome.members)")
        #expect(outcome.skipped["c.tar"]?.contains("the rest was not scanned") == true, "\(outcome.skipped)")
        #expect(outcome.members["c.tar!key.txt"] == nil)
    }

    @Test func sniffingKnowsTheMagicNumbersAndChecksTheWeakOnes() {
        /// Sniffs `bytes` padded with `fill` to 512 bytes.
        func sniff(_ bytes: [UInt8], fill: UInt8 = 0x41) -> Bool {
            let padded = bytes + [UInt8](repeating: fill, count: max(0, 512 - bytes.count))
            return padded.withUnsafeBytes { ArchiveReader.looksLikeArchive($0) }
        }
        let strong: [[UInt8]] = [
            [0x50, 0x4B, 0x03, 0x04], [0x1F, 0x8B], [0x42, 0x5A, 0x68], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00],
            [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], Array("!<arch>\n".utf8), [0x28, 0xB5, 0x2F, 0xFD],
            [0x04, 0x22, 0x4D, 0x18], Array("LZIP".utf8), [0xED, 0xAB, 0xEE, 0xDB],
        ]
        for magic in strong { #expect(sniff(magic), "\(magic)") }
        // ASCII cpio: the header's fields must be digits.
        #expect(sniff(Array("070707".utf8), fill: 0x30))
        #expect(sniff(Array("070701".utf8), fill: 0x61))
        #expect(!sniff(Array("070707 is a number\n".utf8)))
        // Binary cpio: a file type in the mode and a NUL-terminated name.
        var cpio: [UInt8] = [0xC7, 0x71] + [UInt8](repeating: 0, count: 24) + Array("key.pem".utf8) + [0]
        cpio[6] = 0xA4; cpio[7] = 0x81  // mode 0o100644, little-endian
        cpio[20] = 8  // name size, NUL included
        #expect(sniff(cpio, fill: 0))
        #expect(!sniff([0xC7, 0x71, 0x13, 0x37]))
        // lzma: properties 0x5D, an 8 MiB dictionary, unknown size.
        #expect(sniff([0x5D, 0x00, 0x00, 0x80, 0x00] + [UInt8](repeating: 0xFF, count: 8)))
        #expect(!sniff([0x5D, 0x12, 0x34, 0x56, 0x78]))
        // compress: 16-bit codes, block mode.
        #expect(sniff([0x1F, 0x9D, 0x90]))
        #expect(!sniff([0x1F, 0x9D, 0x7F]))
        // tar after a weak magic that does not hold up.
        var tar = Array("070707-notes.txt".utf8) + [UInt8](repeating: 0, count: 241)
        tar += Array("ustar".utf8)
        #expect(sniff(tar))
        #expect(!sniff(Array("plain text".utf8)))
    }
}
