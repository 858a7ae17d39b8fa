import KeyLeakInput
import KeyLeakMatching
/// The `openssh-key-v1` format (`BEGIN OPENSSH PRIVATE KEY`). Its public keys
/// are stored in clear, so the fingerprint is known even when the private
/// section is encrypted.
package enum OpenSSHKey {
    package static let magic = Array("openssh-key-v1\0".utf8)

    package static func analyze(body: [UInt8]) -> KeyFacts? {
        guard let bytes = PrivateKey.decodeBody(body), bytes.count >= magic.count + 8,
              Array(bytes[0..<magic.count]) == magic else { return nil }
        var r = SSHWireReader(bytes, offset: magic.count)
        guard let cipher = r.text(), let kdf = r.text(), r.string() != nil else {
            return bytes.count >= PrivateKey.minimumFragment ? KeyFacts(format: .openssh, truncated: true) : nil
        }
        _ = kdf
        // NOTE: a key always names its cipher (`none` when clear): magic then zeros is no key's start.
        guard !cipher.isEmpty else { return nil }
        let encrypted = cipher != "none"
        guard let count = r.uint32(), count >= 1, count < 64, let publicBlob = r.string() else {
            return KeyFacts(format: .openssh, encrypted: encrypted, truncated: true)
        }
        let identity = Fingerprint(sshBlob: publicBlob)
        for _ in 1..<count { _ = r.string() }
        guard let privateSection = r.string() else {
            return KeyFacts(format: .openssh, encrypted: encrypted, truncated: true, identity: identity)
        }
        var truncated = false
        if !encrypted {
            // Two equal check integers open the clear private section.
            var p = SSHWireReader(privateSection)
            if let a = p.uint32(), let b = p.uint32(), a != b { truncated = true }
        }
        return KeyFacts(format: .openssh, encrypted: encrypted, truncated: truncated, identity: identity,
                        declaredAlgorithm: identity == nil ? algorithmName(publicBlob) : nil)
    }

    package static func algorithmName(_ blob: [UInt8]) -> String? {
        var r = SSHWireReader(blob)
        return r.text()
    }
}
