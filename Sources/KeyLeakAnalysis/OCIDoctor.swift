import KeyLeakInput
import KeyLeakMatching
import Foundation

/// Offline checks of an OCI config file, the way a user wants them before
/// running `oci`: every profile's settings, its key file, and whether the key
/// matches the fingerprint the profile claims.
public enum OCIDoctor {
    /// The outcome of one check.
    public enum Status: String, Sendable { case ok, warning, failure }

    /// One line of the doctor's report.
    public struct Check: Sendable {
        /// The profile checked.
        public var profile: String
        /// Passed, worth a look, or failed.
        public var status: Status
        /// What was checked and what was found.
        public var message: String
    }

    /// The config to check when none is named: `~/.oci/config`, else `$OCI_CONFIG_FILE`.
    public static func defaultConfigPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let standard = home + "/.oci/config"
        if FileManager.default.fileExists(atPath: standard) { return standard }
        if let env = environment["OCI_CONFIG_FILE"], !env.isEmpty { return env }
        return nil
    }

    /// Checks every profile of the config at `path` (or only `profile`).
    public static func check(configPath path: String, profile only: String? = nil, ruleSet: RuleSet,
                             home: String = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) throws -> [Check] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AnalysisError.ociConfig(file: path, reason: "cannot read the OCI config file")
        }
        let bytes = [UInt8](data)
        var profiles = bytes.withUnsafeBytes { OCIConfig.profiles(in: $0) }
        if profiles.isEmpty { throw AnalysisError.ociConfig(file: path, reason: "no [PROFILE] sections: not an OCI config file") }
        if let only {
            profiles = profiles.filter { $0.identity.profile == only }
            if profiles.isEmpty { throw AnalysisError.ociConfig(file: path, reason: "no profile [\(only)]") }
        }
        let folder = (path as NSString).deletingLastPathComponent
        return profiles.flatMap { check($0, ruleSet: ruleSet, home: home, configFolder: folder) }
    }

    package static func check(_ found: OCIConfig.Found, ruleSet: RuleSet, home: String, configFolder: String) -> [Check] {
        let name = found.identity.profile ?? "?"
        var checks: [Check] = []
        func add(_ status: Status, _ message: String) { checks.append(Check(profile: name, status: status, message: message)) }
        let raw = found.raw
        let value = { (key: String) -> String? in OCIConfig.literal(raw[key]).flatMap { $0.isEmpty ? nil : $0 } }

        for (key, kind) in [("user", "user"), ("tenancy", "tenancy")] {
            guard let v = value(key) else { add(.failure, "\(key) is missing"); continue }
            if OCIConfig.ocid(v, kind: kind) != nil {
                add(.ok, "\(key) \(v)")
            } else {
                add(.failure, "\(key) '\(OCIConfig.shown(v))' is not a \(kind) OCID (ocid1.\(kind).oc1..…)")
            }
        }
        let claimed = value("fingerprint").flatMap { OCIConfig.fingerprint($0) }
        if let v = value("fingerprint") {
            if claimed != nil { add(.ok, "fingerprint \(v) is well-formed") } else {
                add(.failure, "fingerprint '\(OCIConfig.shown(v))' is not 16 colon-separated hex bytes (12:34:…:ef)")
            }
        } else {
            add(.failure, "fingerprint is missing")
        }
        if let region = value("region") {
            let shape = region.range(of: "^([a-z]{2,}-[a-z]+-[0-9]+|[a-z]{3})$", options: .regularExpression) != nil
            add(shape ? .ok : .failure, shape ? "region \(region)" : "region '\(OCIConfig.shown(region))' is not a region name (us-ashburn-1)")
        } else {
            add(.failure, "region is missing: oci will not know where to connect")
        }

        guard let keyFileValue = value("key_file") else {
            add(.failure, "key_file is missing")
            return checks
        }
        // NOTE: the path is quoted in most messages below: a value that is not a
        // plain one-line path (a key pasted in its place) is shown cut short.
        let keyFile = OCIConfig.path(keyFileValue) ?? OCIConfig.shown(keyFileValue)
        var path = keyFileValue
        if path.hasPrefix("~/") { path = home + String(path.dropFirst(1)) }
        else if path == "~" { path = home }
        // NOTE: the OCI SDK opens a relative key_file from the current directory.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            add(.failure, "key_file \(keyFile) does not exist")
            return checks
        }
        guard let keyData = FileManager.default.contents(atPath: path) else {
            add(.failure, "key_file \(keyFile) cannot be read")
            return checks
        }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue {
            if mode & 0o077 != 0 {
                add(.failure, "key_file \(keyFile) is readable by others (mode \(String(mode & 0o777, radix: 8))): run chmod 600 \(keyFile)")
            } else {
                add(.ok, "key_file \(keyFile) is private (mode \(String(mode & 0o777, radix: 8)))")
            }
        }
        let keys = KeyFile.identities(of: [UInt8](keyData), ruleSet: ruleSet).filter { $0.kind == "private" }
        guard let key = keys.first, let facts = key.facts else {
            add(.failure, "key_file \(keyFile) holds no private key keyleak can read (invalid key format)")
            return checks
        }
        var identity = facts.identity
        if facts.encrypted {
            if let phrase = value("pass_phrase") {
                let opened = keyData.withUnsafeBytes { raw -> Fingerprint? in
                    guard let start = ByteSearch.find(Array("-----BEGIN".utf8), in: raw),
                          let block = PEMNormalizer.normalize(raw, at: start),
                          let key = OpenSSLKey.privateKey(pem: PrivateKey.canonicalPEM(block), passphrase: phrase) else { return nil }
                    return Fingerprint(key: key)
                }
                if let opened {
                    identity = opened
                    add(.ok, "pass_phrase opens the encrypted key")
                } else if [KeyFormat.pkcs8, .pkcs1, .sec1, .dsa].contains(facts.format) {
                    add(.failure, "pass_phrase does not open the encrypted key in \(keyFile)")
                } else {
                    add(.warning, "the key is encrypted (\(facts.format.rawValue)); keyleak cannot verify its pass_phrase")
                }
            } else {
                add(.warning, "the key is encrypted and the profile has no pass_phrase: oci will prompt for it")
            }
        }
        guard let identity else {
            add(.warning, "cannot read the key's public half, so its fingerprint is not checked")
            return checks
        }
        if let claimed {
            if claimed == identity.oci {
                add(.ok, "key fingerprint matches (\(identity.oci))")
            } else {
                add(.failure, "fingerprint mismatch: the profile says \(claimed) but \(keyFile) has \(identity.oci)")
            }
        }
        if identity.algorithm != "RSA" {
            add(.failure, "the key is \(identity.summary): OCI API keys must be RSA")
        } else if identity.bits < 2048 {
            add(.failure, "the key is RSA \(identity.bits): OCI requires at least 2048 bits")
        } else {
            add(.ok, "key is \(identity.summary)")
        }
        return checks
    }
}
