import KeyLeakAnalysis
import KeyLeakInput

/// What a `git push` adds to the receiving repository: the new value of each
/// ref it updates, and what the receiving side already holds, so that a
/// scan reads exactly the commits and blobs the push sends.
public struct PushedRange: Sendable, Equatable {
    /// One ref a push creates or moves.
    public struct Update: Sendable, Equatable {
        /// The full ref name: `refs/heads/main`, `refs/tags/v1`.
        public var ref: String
        /// Its new object id (a commit, a tag, or any object a ref may name).
        public var id: String

        /// Ref `ref` moving to `id`.
        public init(ref: String, id: String) {
            self.ref = ref
            self.id = id
        }
    }

    /// Which side of the push the scan runs on.
    public enum Side: Sendable, Equatable {
        /// The receiving repository, in its pre-receive hook: every ref it has
        /// (before the push updates any) is already held; the pushed objects
        /// are still in git's quarantine, which git's environment points at.
        case server
        /// The sending clone, in its pre-push hook: the remote-tracking refs of
        /// `remote` (`refs/remotes/NAME/*`) and the remote refs' old values
        /// are already held.
        case client(remote: String)
    }

    /// The refs the push creates or moves (deletions carry nothing to scan).
    public var updates: [Update]
    /// Where the scan runs.
    public var side: Side
    /// Object ids the receiving side is known to hold: the old values of the
    /// remote refs (pre-push), skipped when this clone does not have them.
    public var knownCommits: [String]

    /// A push of `updates`, scanned on `side`.
    public init(updates: [Update], side: Side, knownCommits: [String] = []) {
        self.updates = updates
        self.side = side
        self.knownCommits = knownCommits
    }

    /// Reads the lines git gives a pre-receive hook (`OLD NEW REF`) or a
    /// pre-push hook (`LOCAL-REF LOCAL-ID REMOTE-REF REMOTE-ID`) on standard
    /// input. Deletions (a new id of all zeros) are left out; a pushed ref is
    /// named by its name on the receiving side. Throws on a line of another shape.
    public init(hookInput: String, side: Side) throws {
        self.init(updates: [], side: side)
        for line in hookInput.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let isZero = { (id: String) in id.allSatisfy { $0 == "0" } }
            switch side {
            case .server:
                guard fields.count == 3, PushedRange.isObjectID(fields[0]), PushedRange.isObjectID(fields[1]) else {
                    throw ScanError.hook("not a pre-receive input line (OLD NEW REF): \(line.debugDescription)")
                }
                if !isZero(fields[1]) { updates.append(Update(ref: fields[2], id: fields[1])) }
            case .client:
                guard fields.count == 4, PushedRange.isObjectID(fields[1]), PushedRange.isObjectID(fields[3]) else {
                    throw ScanError.hook("not a pre-push input line (LOCAL-REF LOCAL-ID REMOTE-REF REMOTE-ID): \(line.debugDescription)")
                }
                if !isZero(fields[1]) { updates.append(Update(ref: fields[2], id: fields[1])) }
                if !isZero(fields[3]) { knownCommits.append(fields[3]) }
            }
        }
    }

    /// A full hexadecimal object id (SHA-1 or SHA-256).
    static func isObjectID(_ text: String) -> Bool {
        (text.utf8.count == 40 || text.utf8.count == 64) && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The history the scan reads.
    var gitRange: GitRange {
        let existing: GitRange.Existing = switch side {
        case .server: .allRefs
        case let .client(remote): .remote(remote)
        }
        return .push(tips: updates.map { GitSource.Revision(name: $0.ref, id: $0.id) }, existing: existing, knownCommits: knownCommits)
    }
}

extension PushedRange {
    /// For each finding, the refs of the push that carry it: those whose new
    /// history holds the commit that introduced it, else those whose tip
    /// holds it, else every ref the push updates (a blob a tag names directly).
    public func refs(carrying findings: [Finding], repository: String) -> [[String]] {
        let source = GitSource(directory: repository)
        var commitsByRef: [(ref: String, commits: Set<String>)] = []
        for update in updates {
            let range = PushedRange(updates: [update], side: side, knownCommits: knownCommits).gitRange
            commitsByRef.append((update.ref, Set(source.commits(in: range))))
        }
        return findings.map { finding in
            if let commit = finding.commit {
                let refs = commitsByRef.filter { $0.commits.contains(commit) }.map(\.ref)
                if !refs.isEmpty { return refs }
            }
            let atTips = updates.map(\.ref).filter { ref in finding.paths.contains { $0.ref == ref } }
            return atTips.isEmpty ? updates.map(\.ref) : atTips
        }
    }
}
