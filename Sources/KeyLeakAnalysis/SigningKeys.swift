import KeyLeakInput
import KeyLeakMatching
import Synchronization

/// The RSA private keys met in a `scan --verify`, by OCI fingerprint, so that
/// verification can sign with a key once linking has said whose it is.
/// Findings never hold key bytes; this is the one place that does, in memory
/// only, and only while recording (off unless `--verify` asked for it).
///
/// NOTE: process-wide, like `ParsedKeyCache`, because keys are parsed deep in
/// the analyzers (every form ends in `PrivateKey.analyze(der:)`) on every
/// worker thread; threading a store through each of them would touch every
/// analyzer for one optional feature. Recording is switched on and off by the
/// scan that verifies; `stop()` forgets every key.
package final class SigningKeys: Sendable {
    /// The store every scan records into.
    package static let shared = SigningKeys()

    /// Keys kept at most: a tree of test fixtures cannot grow memory without bound.
    package static let limit = 10_000

    private let recording = Atomic<Int>(0)
    private let keys = Mutex<[String: [UInt8]]>([:])

    private init() {}

    /// Starts keeping RSA keys (nested scans count: each `start` needs its `stop`).
    package func start() { recording.add(1, ordering: .sequentiallyConsistent) }

    /// Stops keeping keys; the last `stop` forgets them all.
    package func stop() {
        let left = recording.subtract(1, ordering: .sequentiallyConsistent).newValue
        if left <= 0 { keys.withLock { $0.removeAll() } }
    }

    /// True while a verifying scan runs.
    package var isRecording: Bool { recording.load(ordering: .relaxed) > 0 }

    /// Keeps the DER private key `der` of an RSA key whose OCI fingerprint is
    /// `fingerprint`, while recording; cheap (one atomic load) otherwise.
    package func record(der: [UInt8], facts: KeyFacts?) {
        guard isRecording, let identity = facts?.identity, identity.algorithm == "RSA" else { return }
        keys.withLock { keys in
            if keys[identity.oci] == nil, keys.count < SigningKeys.limit { keys[identity.oci] = der }
        }
    }

    /// Keeps an opened key (an encrypted key a clear pass phrase opened).
    package func record(_ key: OpenSSLKey, identity: Fingerprint) {
        guard isRecording, identity.algorithm == "RSA", let der = key.privateKeyDER else { return }
        record(der: der, facts: KeyFacts(format: .pkcs1, identity: identity))
    }

    /// The key with OCI fingerprint `fingerprint`, parsed, if one was kept.
    package func key(fingerprint: String) -> OpenSSLKey? {
        keys.withLock { $0[fingerprint] }.flatMap(OpenSSLKey.privateKey(der:))
    }
}
