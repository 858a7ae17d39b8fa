/// The part of a repository's history a scan covers.
package enum GitRange: Sendable, Equatable, ExpressibleByStringLiteral {
    /// A revision range as the user writes it, one argument to git: `main`,
    /// `BASE..TIP`, `A...B`, `TIP^!`.
    case expression(String)
    /// What a push adds: the history of `tips` that the receiving side does
    /// not hold yet, that is, not reachable from the refs `existing` selects
    /// nor from `knownCommits` (a remote ref's old value, when it is here).
    case push(tips: [GitSource.Revision], existing: Existing, knownCommits: [String])

    /// The refs the receiving side of a push already holds.
    package enum Existing: Sendable, Equatable {
        /// Every ref of this repository: a server in its pre-receive hook,
        /// before the push updates any ref.
        case allRefs
        /// The remote-tracking refs of one remote (`refs/remotes/NAME/*`): a
        /// client in its pre-push hook.
        case remote(String)
    }

    /// `.expression(value)`, so tests and callers can write a range as a string.
    package init(stringLiteral value: String) {
        self = .expression(value)
    }

    /// Refuses what git could read as an option or that names nothing: a
    /// leading `-`, control characters, an empty revision.
    package func validate() throws {
        switch self {
        case let .expression(text):
            try GitRange.validate(revision: text)
        case let .push(tips, existing, knownCommits):
            guard !tips.isEmpty else { throw InputError.invalidRange("(a push with no new ref values)") }
            for revision in tips.map(\.id) + knownCommits { try GitRange.validate(revision: revision) }
            if case let .remote(name) = existing { try GitRange.validate(revision: name) }
        }
    }

    /// Refuses one revision (or range expression) git could take for an
    /// option, or that names nothing.
    package static func validate(revision: String) throws {
        guard !revision.isEmpty, !revision.hasPrefix("-"),
              !revision.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw InputError.invalidRange(revision)
        }
    }

    /// The revision arguments of `git rev-list` and `git log` for this range,
    /// after their other options. Whatever came from outside (a range, a
    /// ref's value) stands behind `--end-of-options`, so git never reads it as
    /// an option; the exclusion of existing refs (`--not --all --not`) is
    /// keyleak's own and stands before it.
    /// NOTE: `--ignore-missing`: a remote's old value that this clone never
    /// fetched excludes nothing, instead of failing the scan.
    package var revisionArguments: [String] {
        switch self {
        case let .expression(text):
            return ["--end-of-options", text]
        case let .push(tips, existing, knownCommits):
            let refs = switch existing {
            case .allRefs: "--all"
            case let .remote(name): "--remotes=" + name
            }
            return ["--ignore-missing", "--not", refs, "--not", "--end-of-options"] + tips.map(\.id) + knownCommits.map { "^" + $0 }
        }
    }
}
