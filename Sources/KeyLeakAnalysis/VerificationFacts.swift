import KeyLeakInput
import KeyLeakMatching

/// What OCI answered when `scan --verify` signed one read-only request with a
/// leaked key: whether the key is live. A fact like the others; the policy
/// words it and rates a live key critical.
public struct VerificationFacts: Sendable, Hashable {
    /// What the answer means.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// HTTP 200: OCI accepted the signature. The key works: revoke it now.
        case live
        /// HTTP 401: OCI did not accept it (the key was rotated, or the user
        /// or tenancy the request named is not the key's).
        case rejected
        /// Any other status, a timeout, a network or TLS failure: nothing learnt.
        case unknown
    }

    /// What the answer means.
    public var state: State
    /// The HTTP status, nil when no response came.
    public var httpStatus: Int?
    /// The endpoint the request went to (`https://identity.us-ashburn-1.oci.oraclecloud.com`).
    public var endpoint: String
    /// When the request was sent, ISO 8601 UTC (`2026-11-26T03:40:00Z`).
    public var checkedAt: String
    /// The user OCID the request was signed for (its revoke command names it).
    public var user: String
    /// The OCI fingerprint of the key that signed (its own, whatever settings claim).
    public var fingerprint: String
    /// Why the state is unknown, in a few words (`timed out after 5 s`), else nil.
    public var detail: String?

    /// The answer `state` (`httpStatus`) from `endpoint` at `checkedAt`, for `user` and the key `fingerprint`.
    public init(state: State, httpStatus: Int?, endpoint: String, checkedAt: String, user: String, fingerprint: String,
                detail: String? = nil) {
        self.state = state
        self.httpStatus = httpStatus
        self.endpoint = endpoint
        self.checkedAt = checkedAt
        self.user = user
        self.fingerprint = fingerprint
        self.detail = detail
    }

    /// The answer for a key checked for several identities (several profiles
    /// name it): live when any is live, rejected only when all are, else unknown.
    package static func combined(_ answers: [VerificationFacts]) -> VerificationFacts? {
        if let live = answers.first(where: { $0.state == .live }) { return live }
        if let first = answers.first, answers.allSatisfy({ $0.state == .rejected }) { return first }
        return answers.first { $0.state == .unknown }
    }
}
