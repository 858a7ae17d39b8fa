import KeyLeakInput
import KeyLeakMatching
/// PuTTY private key files (`.ppk`, versions 2 and 3): text with a clear
/// public blob (so the fingerprint is known even when encrypted), the private
/// blob and a MAC line that closes the file.
package enum PuTTYKey {
    /// Parses the unwrapped text that starts at `PuTTY-User-Key-File-`.
    package static func analyze(text: [UInt8]) -> (facts: KeyFacts, length: Int)? {
        var fields: [String: String] = [:]
        var publicLines: [[UInt8]] = []
        var privateCount = 0
        var expectedPrivate = 0
        var mode = 0  // 0 headers, 1 public lines, 2 private lines
        var remaining = 0
        var consumed = 0
        var sawMAC = false
        var version = 0
        for rawLine in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            consumed += rawLine.count + 1
            let line = PEMNormalizer.stripFraming(rawLine)
            if mode != 0, remaining > 0 {
                guard !line.isEmpty, line.allSatisfy({ Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") }) else { break }
                if mode == 1 { publicLines.append(Array(line)) } else { privateCount += 1 }
                remaining -= 1
                if remaining == 0 { mode = 0 }
                continue
            }
            guard let header = PEMNormalizer.headerLine(line) else {
                if line.isEmpty && fields.isEmpty { continue }
                break
            }
            if version == 0 {
                guard header.name.hasPrefix("PuTTY-User-Key-File-"), let v = Int(header.name.dropFirst(20)) else { return nil }
                version = v
            }
            fields[header.name] = header.value
            switch header.name {
            case "Public-Lines":
                guard let n = Int(header.value), n > 0, n < 1000 else { return nil }
                mode = 1
                remaining = n
            case "Private-Lines":
                guard let n = Int(header.value), n > 0, n < 1000 else { return nil }
                mode = 2
                remaining = n
                expectedPrivate = n
            case "Private-MAC", "Private-Hash":
                sawMAC = true
            default:
                break
            }
            if sawMAC { break }
        }
        guard version == 2 || version == 3, !publicLines.isEmpty,
              let blob = Base64.decode(publicLines.flatMap { $0 }) else { return nil }
        let encrypted = (fields["Encryption"] ?? "none") != "none"
        let identity = Fingerprint(sshBlob: blob)
        guard identity != nil || OpenSSHKey.algorithmName(blob) != nil else { return nil }
        let complete = sawMAC && expectedPrivate > 0 && privateCount == expectedPrivate
        let facts = KeyFacts(format: version == 3 ? .ppk3 : .ppk2, encrypted: encrypted, truncated: !complete, identity: identity,
                             declaredAlgorithm: identity == nil ? fields["PuTTY-User-Key-File-\(version)"] : nil)
        return (facts, min(consumed, text.count))
    }
}
