import KeyLeakInput
import KeyLeakMatching
internal import COpenSSL

/// Message digests through OpenSSL; each algorithm is fetched once and shared.
package enum Digest {
    /// A fetched `EVP_MD`, never freed (lives as long as the process).
    /// SAFETY: a fetched EVP_MD is immutable and OpenSSL documents it as safe to
    /// share between threads; only the per-call EVP_MD_CTX is mutable.
    private final class Algorithm: @unchecked Sendable {
        package let md: OpaquePointer?
        package init(_ name: String) { md = EVP_MD_fetch(nil, name, nil) }
    }

    private static let md5Algorithm = Algorithm("MD5")
    private static let sha256Algorithm = Algorithm("SHA256")
    private static let sha1Algorithm = Algorithm("SHA1")

    /// Fetches the digests that name git objects (SHA-1, SHA-256) ahead of
    /// use: the first fetch loads OpenSSL's config and default provider.
    package static func prepareGitObjectIDs() {
        _ = sha1Algorithm.md
        _ = sha256Algorithm.md
    }

    package static func md5(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, md5Algorithm) }
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, sha256Algorithm) }
    /// For naming git objects (git's own choice) and opening Java keystores
    /// (Sun's key protector), never for keyleak's own security.
    package static func sha1(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, sha1Algorithm) }

    /// `h = MD5(h ‖ suffix)`, `iterations` times from `start`: Sun's JCEKS key
    /// derivation (PBEWithMD5AndTripleDES). One digest context serves every round.
    package static func md5Chain(_ start: [UInt8], suffix: [UInt8], iterations: Int) -> [UInt8] {
        guard let md = md5Algorithm.md, let context = EVP_MD_CTX_new() else { return [] }
        defer { EVP_MD_CTX_free(context) }
        // NOTE: 200,000 rounds a half for Java's own keys: no allocation inside the loop.
        var h = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = UInt32(min(start.count, h.count))
        h.replaceSubrange(0..<Int(length), with: start.prefix(Int(length)))
        let ok = h.withUnsafeMutableBufferPointer { state in
            suffix.withUnsafeBufferPointer { tail in
                for _ in 0..<iterations {
                    guard EVP_DigestInit_ex2(context, md, nil) == 1, EVP_DigestUpdate(context, state.baseAddress, Int(length)) == 1,
                          EVP_DigestUpdate(context, tail.baseAddress, tail.count) == 1,
                          EVP_DigestFinal_ex(context, state.baseAddress, &length) == 1 else { return false }
                }
                return true
            }
        }
        guard ok else {
            ERR_clear_error()
            return []
        }
        return Array(h[0..<Int(length)])
    }

    private static func digest(_ bytes: [UInt8], _ algorithm: Algorithm) -> [UInt8] {
        guard let md = algorithm.md else { return [] }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &out, &length, md, nil)
        }
        guard ok == 1 else {
            ERR_clear_error()
            return []
        }
        return Array(out[0..<Int(length)])
    }
}
