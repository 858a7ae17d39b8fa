import AsyncHTTPClient
import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Asks OCI whether leaked keys are live: for each verification target (a
/// key and the identity that names it), one `GET /20160918/users/{user}`
/// signed with the key as the OCI SDK signs it, sent to the identity endpoint
/// of the identity's region (or `VerifyOptions.endpoint`). 200 is live, 401
/// rejected, anything else (or no answer within the timeout) unknown. No
/// retries; a few requests at a time; TLS always verified.
///
/// Only the signature over that one request leaves the process, never the key.
public struct OCIKeyVerifier: Sendable {
    /// The options it was made with.
    public let options: VerifyOptions
    private let endpoint: VerifyEndpoint?
    private let tls: TLSConfiguration

    /// The read-only request every check sends: the user the key belongs to.
    package static func path(user: String) -> String { "/20160918/users/" + OCIRequestSigner.pathParameter(user) }

    /// A verifier with `options`; throws when the endpoint is not an HTTPS URL
    /// or the CA file holds no certificate.
    public init(options: VerifyOptions) throws(VerifyError) {
        self.options = options
        endpoint = try options.endpoint.map { text throws(VerifyError) in try VerifyEndpoint(parsing: text) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        // NOTE: a connection given up on (a timeout) is closed at once, not after waiting
        // up to 5 s more for the server's close_notify.
        tls.shutdownTimeout = .milliseconds(200)
        if let caFile = options.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else { throw .caFile(caFile, "cannot read it") }
            let certificates: [NIOSSLCertificate]
            do { certificates = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw .caFile(caFile, "not a PEM certificate file")
            }
            guard !certificates.isEmpty else { throw .caFile(caFile, "holds no certificate") }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        self.tls = tls
    }

    /// Checks every target the findings carry, once each, and records the
    /// answers: each settings finding gets its own identity's, each key the
    /// combination of its identities' (`VerificationFacts.combined`).
    public func verify(_ findings: inout [Finding]) {
        var targets: [VerificationTarget] = []
        var seen = Set<VerificationTarget>()
        for f in findings { for t in f.verificationTargets where seen.insert(t).inserted { targets.append(t) } }
        guard !targets.isEmpty else { return }
        let answers = check(targets)
        for i in findings.indices where !findings[i].verificationTargets.isEmpty {
            findings[i].verification = VerificationFacts.combined(findings[i].verificationTargets.compactMap { answers[$0] })
        }
    }

    /// The answer for each target: at most `maxRequests` sent, `concurrency` at a time.
    package func check(_ targets: [VerificationTarget]) -> [VerificationTarget: VerificationFacts] {
        let sent = Array(targets.prefix(max(0, options.maxRequests)))
        var answers: [VerificationTarget: VerificationFacts] = [:]
        for target in targets.dropFirst(sent.count) {
            answers[target] = VerificationFacts(state: .unknown, httpStatus: nil, endpoint: base(for: target)?.origin ?? "",
                                                checkedAt: OCIRequestSigner.isoDate(secondsSince1970: OCIRequestSigner.now()),
                                                user: target.user, fingerprint: target.fingerprint,
                                                detail: "not checked: --verify sends at most \(options.maxRequests) requests a scan")
        }
        guard !sent.isEmpty else { return answers }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(options.timeoutSeconds), read: .seconds(options.timeoutSeconds)),
            proxy: nil, ignoreUncleanSSLShutdown: false, decompression: .disabled)
        configuration.httpVersion = .http1Only
        // No retries: a connection that fails (refused, TLS) fails its request once.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        defer { try? client.syncShutdown() }
        let results = Mutex<[VerificationTarget: VerificationFacts]>([:])
        let next = Atomic<Int>(0)
        // NOTE: blocking waits on our own threads, never on the event loop; no async in the scan's path.
        DispatchQueue.concurrentPerform(iterations: min(max(1, options.concurrency), sent.count)) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < sent.count else { return }
                let answer = check(sent[i], client: client)
                results.withLock { $0[sent[i]] = answer }
            }
        }
        return answers.merging(results.withLock { $0 }) { a, _ in a }
    }

    /// Where `target`'s request goes: the endpoint given, else its region's identity endpoint.
    private func base(for target: VerificationTarget) -> VerifyEndpoint? {
        if let endpoint { return endpoint }
        guard let region = target.region, let realm = target.realm, let domain = OCIRealms.domains[realm] else { return nil }
        return VerifyEndpoint(region: region, domain: domain)
    }

    /// Sends one signed request and classifies the answer.
    private func check(_ target: VerificationTarget, client: HTTPClient) -> VerificationFacts {
        let now = OCIRequestSigner.now()
        let checkedAt = OCIRequestSigner.isoDate(secondsSince1970: now)
        func unknown(_ origin: String, _ detail: String, status: Int? = nil) -> VerificationFacts {
            VerificationFacts(state: .unknown, httpStatus: status, endpoint: origin, checkedAt: checkedAt, user: target.user,
                              fingerprint: target.fingerprint, detail: detail)
        }
        guard let base = base(for: target) else {
            let why = target.region == nil ? "no region is known for it"
                : "its tenancy's realm (\(target.realm ?? "none")) has no known domain"
            return unknown("", "not checked: \(why); give --verify-endpoint")
        }
        guard let key = SigningKeys.shared.key(fingerprint: target.fingerprint) else {
            return unknown(base.origin, "not checked: keyleak holds no private key it can sign with for this fingerprint")
        }
        let path = base.pathPrefix + OCIKeyVerifier.path(user: target.user)
        let date = OCIRequestSigner.httpDate(secondsSince1970: now)
        let signer = OCIRequestSigner(tenancy: target.tenancy, user: target.user, fingerprint: target.fingerprint, key: key)
        guard let authorization = signer.authorization(method: "GET", path: path, host: base.host, date: date) else {
            return unknown(base.origin, "not checked: the key cannot sign (not RSA)")
        }
        var headers = HTTPHeaders()
        headers.add(name: "date", value: date)
        headers.add(name: "host", value: base.host)
        headers.add(name: "authorization", value: authorization)
        headers.add(name: "accept", value: "application/json")
        headers.add(name: "user-agent", value: options.userAgent)
        let response: HTTPClient.Response
        do {
            let request = try HTTPClient.Request(url: base.origin + path, method: .GET, headers: headers)
            response = try client.execute(request: request, deadline: .now() + .seconds(options.timeoutSeconds)).wait()
        } catch {
            return unknown(base.origin, OCIKeyVerifier.describe(error, timeout: options.timeoutSeconds))
        }
        let status = Int(response.status.code)
        switch status {
        case 200: return VerificationFacts(state: .live, httpStatus: status, endpoint: base.origin, checkedAt: checkedAt, user: target.user,
                                          fingerprint: target.fingerprint)
        case 401: return VerificationFacts(state: .rejected, httpStatus: status, endpoint: base.origin, checkedAt: checkedAt, user: target.user,
                                          fingerprint: target.fingerprint)
        default: return unknown(base.origin, "HTTP \(status)", status: status)
        }
    }

    /// A short reason for a failed request: a timeout, TLS, or the connection.
    private static func describe(_ error: any Error, timeout: Int64) -> String {
        if let client = error as? HTTPClientError,
           [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(client) {
            return "no answer within \(timeout) s"
        }
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate is not trusted (--verify-ca adds a CA)"
        }
        if let ssl = error as? NIOSSLExtraError, ssl == .failedToValidateHostname {
            return "TLS: the server's certificate is not for this host"
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return "TLS failed"
        }
        if let connect = error as? NIOConnectionError {
            return "no connection (\(connect.connectionErrors.isEmpty ? "host name not found" : "refused or unreachable"))"
        }
        if error is IOError { return "no connection" }
        // NOTE: only the kind of error: its text may hold build paths and C error stacks.
        return "no answer (\(type(of: error)))"
    }
}
