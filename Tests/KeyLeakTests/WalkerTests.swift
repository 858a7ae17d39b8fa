import Foundation
import Testing
import TestSupport
@testable import KeyLeakInput

/// The file walker over a generated tree: the same sorted file set whatever
/// the thread count, hidden files in, `.git` and ignored globs out, symbolic
/// links not followed unless asked, and `--shard K/N` splitting the files
/// into disjoint shares that add up to the whole.
@Suite struct WalkerTests {
    /// What one walk reported, collected from the worker threads.
    final class Collected: @unchecked Sendable {
        // SAFETY: `files` and `skipped` are only touched with `lock` held.
        private let lock = NSLock()
        private var files: [String] = []
        private var skipped: [String] = []

        func add(file: String) { lock.lock(); files.append(file); lock.unlock() }
        func add(skipped path: String) { lock.lock(); skipped.append(path); lock.unlock() }
        /// Reported paths, sorted by bytes (report order), duplicates kept.
        var sortedFiles: [String] { lock.lock(); defer { lock.unlock() }; return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        var skippedPaths: [String] { lock.lock(); defer { lock.unlock() }; return skipped.sorted() }
    }

    /// Walks `root` and returns what was found.
    static func walk(_ root: String, threads: Int, followSymlinks: Bool = false, ignore: [String] = [],
                     shard: Shard? = nil) -> Collected {
        let collected = Collected()
        let walker = FileWalker(threads: threads, followSymlinks: followSymlinks, ignore: PathFilter(ignore), shard: shard)
        walker.walk(directories: [(path: Array(root.utf8), display: [])],
                    file: { _, file in collected.add(file: file.display) },
                    skipped: { _, path, _ in collected.add(skipped: path) })
        return collected
    }

    static func sorted(_ paths: [String]) -> [String] { paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    /// Files the walk must report: nested folders, hidden files and folders,
    /// a wide folder (more than one batch of files) and names with spaces.
    static let kept: [String] = {
        var paths = ["README.md", ".env", ".hidden/inner/.secret", "a/b/c/d/e/deep.txt", "dir with space/file name.pem",
                     "src/main.swift", "src/.gitignore", "src/lib/.oci/config", "git/not-dot-git.txt", ".gitkeep/file"]
        for i in 0..<150 { paths.append("wide/file\(i).txt") }
        for i in 0..<40 { paths.append("nested/\(i % 5)/\(i % 3)/f\(i)") }
        return paths
    }()

    /// Files the walk must not report: in `.git` folders at any depth, or under the ignore globs.
    static let left: [String] = [".git/config", ".git/objects/ab/cdef", "sub/.git/HEAD", "logs/run.log", "src/debug.log",
                                 "build/out/artifact.bin", "build/x"]
    static let ignore = ["*.log", "build/**"]

    static func tree() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        for path in kept + left { try dir.write(path, "content of \(path)\n") }
        return dir
    }

    @Test func sameSortedFilesWithOneThreadAndWithEight() throws {
        let dir = try WalkerTests.tree()
        let one = WalkerTests.walk(dir.path, threads: 1, ignore: WalkerTests.ignore)
        let eight = WalkerTests.walk(dir.path, threads: 8, ignore: WalkerTests.ignore)
        #expect(one.sortedFiles == WalkerTests.sorted(WalkerTests.kept))
        #expect(eight.sortedFiles == one.sortedFiles)
        #expect(one.skippedPaths.isEmpty && eight.skippedPaths.isEmpty)
    }

    @Test func repeatedParallelWalksAgree() throws {
        // Work stealing varies from run to run; the set must not.
        let dir = try WalkerTests.tree()
        let expected = WalkerTests.sorted(WalkerTests.kept)
        for threads in [2, 3, 8, 16] {
            #expect(WalkerTests.walk(dir.path, threads: threads, ignore: WalkerTests.ignore).sortedFiles == expected, "threads \(threads)")
        }
    }

    @Test func hiddenFilesAreWalkedAndDotGitIsNot() throws {
        let dir = try WalkerTests.tree()
        let files = WalkerTests.walk(dir.path, threads: 4).sortedFiles
        #expect(files.contains(".env") && files.contains(".hidden/inner/.secret") && files.contains("src/lib/.oci/config"))
        #expect(!files.contains { $0.hasPrefix(".git/") || $0.contains("/.git/") })
        // Without the ignore globs those files are reported.
        #expect(files.contains("logs/run.log") && files.contains("build/out/artifact.bin"))
    }

    @Test func ignoredGlobsLeaveOutFilesAndFolders() throws {
        let dir = try WalkerTests.tree()
        let files = WalkerTests.walk(dir.path, threads: 2, ignore: WalkerTests.ignore).sortedFiles
        #expect(!files.contains { $0.hasSuffix(".log") })
        #expect(!files.contains { $0.hasPrefix("build/") })
        #expect(files.contains("src/main.swift"))
    }

    @Test func symbolicLinksAreNotFollowedByDefault() throws {
        let dir = try TemporaryDirectory()
        try dir.write("real/key.txt", "x\n")
        try dir.write("outside/elsewhere.txt", "y\n")
        try dir.write("tree/plain.txt", "z\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("tree/link-to-file.txt"), withDestinationPath: dir.file("real/key.txt"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("tree/link-to-dir"), withDestinationPath: dir.file("outside"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("tree/loop"), withDestinationPath: dir.file("tree"))

        let notFollowed = WalkerTests.walk(dir.file("tree"), threads: 4)
        #expect(notFollowed.sortedFiles == ["plain.txt"])
        #expect(notFollowed.skippedPaths.isEmpty)

        // Followed on request, each folder once (the loop back to the root is not walked again).
        let followed = WalkerTests.walk(dir.file("tree"), threads: 4, followSymlinks: true)
        #expect(followed.sortedFiles == ["link-to-dir/elsewhere.txt", "link-to-file.txt", "plain.txt"])
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func shardsPartitionTheWalkedFiles(count: Int) throws {
        let dir = try WalkerTests.tree()
        let all = WalkerTests.walk(dir.path, threads: 4, ignore: WalkerTests.ignore).sortedFiles
        var seen: [String: Int] = [:]
        for k in 1...count {
            let shard = try #require(Shard("\(k)/\(count)"))
            for file in WalkerTests.walk(dir.path, threads: 4, ignore: WalkerTests.ignore, shard: shard).sortedFiles {
                seen[file, default: 0] += 1
                #expect(shard.contains(path: file))
            }
        }
        // Every file in exactly one shard, and nothing else.
        #expect(WalkerTests.sorted(Array(seen.keys)) == all)
        #expect(seen.values.allSatisfy { $0 == 1 }, "\(seen.filter { $0.value != 1 })")
    }

    @Test func shardOverPathsIsAPartitionAndIsStable() throws {
        let paths = (0..<2000).map { "dir\($0 % 17)/file-\($0).pem" }
        for count in [1, 2, 4, 7] {
            let shards = (1...count).map { Shard("\($0)/\(count)")! }
            for path in paths {
                #expect(shards.filter { $0.contains(path: path) }.count == 1, "\(path) in \(count) shards")
            }
            if count > 1 {
                // No shard is empty or holds everything for a list this long.
                for shard in shards {
                    let share = paths.filter { shard.contains(path: $0) }.count
                    #expect(share > 0 && share < paths.count)
                }
            }
        }
        // FNV-1a of the path's bytes: the same share on every machine and run
        // (known answers computed independently: FNV-1a 64 modulo N, plus 1).
        for (path, shares) in [("a", [1, 2, 2]), ("deploy/oci_api_key.pem", [2, 1, 1]), ("src/main.swift", [1, 1, 4])] {
            for (count, k) in zip([2, 3, 5], shares) {
                #expect(Shard("\(k)/\(count)")!.contains(path: path), "\(path) should be in shard \(k)/\(count)")
            }
        }
        #expect(Shard("0/2") == nil && Shard("3/2") == nil && Shard("1/0") == nil && Shard("x") == nil)
    }
}
