import Foundation
import KeyLeakInput
import KeyLeakMatching
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The OCI SDK's own rules for a config file (`oci/config.py`): where it is,
/// how a profile is read (`from_file`) and what `validate_config` accepts.
/// `keyleak doctor` and the scan share them, so both say what `oci` says.
package enum OCISDKConfig {
    /// Where the SDK looks by default.
    package static let defaultLocation = "~/.oci/config"
    /// The SDK's last resort when the default is missing and `$OCI_CONFIG_FILE` is unset.
    package static let fallbackLocation = "~/.oraclebmc/config"

    /// `validate_config`'s required settings, in the order doctor reports them.
    package static let required = ["user", "tenancy", "fingerprint", "key_file", "region"]

    /// The config file the SDK reads: `explicit` (tilde-expanded) when given;
    /// else `~/.oci/config` when it is a file, else `$OCI_CONFIG_FILE`, else
    /// `~/.oraclebmc/config` when it is a file, else `~/.oci/config`
    /// (`_get_config_path_with_fallback`).
    package static func configPath(_ explicit: String?, environment: [String: String]) -> String {
        if let explicit { return expandUser(explicit, environment: environment) }
        let standard = expandUser(defaultLocation, environment: environment)
        if isRegularFile(standard) { return standard }
        if let env = environment["OCI_CONFIG_FILE"], !env.isEmpty { return expandUser(env, environment: environment) }
        let fallback = expandUser(fallbackLocation, environment: environment)
        if isRegularFile(fallback) { return fallback }
        return standard
    }

    /// Python's `os.path.expanduser`: `~` is `$HOME` (else the password
    /// database's home of the current user), `~name` is that user's home;
    /// an unknown user leaves the path as it is.
    package static func expandUser(_ path: String, environment: [String: String]) -> String {
        guard path.hasPrefix("~") else { return path }
        let scalars = Array(path.unicodeScalars)
        let slash = scalars.dropFirst().firstIndex(of: "/") ?? scalars.count
        var home: String
        if slash == 1 {
            if let env = environment["HOME"] {
                home = env
            } else if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir {
                home = String(cString: dir)
            } else {
                return path
            }
        } else {
            let name = String(String.UnicodeScalarView(scalars[1..<slash]))
            guard let entry = getpwnam(name), let dir = entry.pointee.pw_dir else { return path }
            home = String(cString: dir)
        }
        while home.hasSuffix("/") { home.removeLast() }
        let joined = home + String(String.UnicodeScalarView(scalars[slash...]))
        return joined.isEmpty ? "/" : joined
    }

    /// `os.path.isfile`: a regular file, symbolic links followed.
    package static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        guard !path.isEmpty, stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Why `from_file` raises for a profile.
    package enum ReadFailure: Error, Sendable, Equatable {
        /// The file cannot be opened (`ConfigFileNotFound`).
        case fileNotFound
        /// configparser raised (see `INIDocument.Failure`).
        case parse(INIDocument.Failure)
        /// No such section (`ProfileNotFound`).
        case profileNotFound
        /// `log_requests` is not a boolean word (`ValueError`).
        case logRequests
        /// `key_content` is set in the file, which the SDK forbids (`ValueError`).
        case keyContent
        /// `key_file` does not name a regular file (`InvalidKeyFilePath`); the path as expanded.
        case keyFileNotFound(String)

        /// The Python exception's class name.
        package var pythonName: String {
            switch self {
            case .fileNotFound: return "ConfigFileNotFound"
            case let .parse(failure): return failure.pythonName
            case .profileNotFound: return "ProfileNotFound"
            case .logRequests, .keyContent: return "ValueError"
            case .keyFileNotFound: return "InvalidKeyFilePath"
            }
        }
    }

    /// `from_file(path, profile)`'s config dict for a read document: the
    /// profile's settings over `[DEFAULT]`'s. `log_requests` must be a
    /// boolean word, `key_content` must not be set, and `key_file` (when set)
    /// must name a regular file once tilde-expanded (relative to the current
    /// directory, as the SDK opens it).
    package static func read(_ document: INIDocument, profile: String, environment: [String: String]) -> Result<[String: String], ReadFailure> {
        if let failure = document.failure { return .failure(.parse(failure)) }
        guard let values = document.profile(profile) else { return .failure(.profileNotFound) }
        if let log = values["log_requests"], !["1", "yes", "true", "on", "0", "no", "false", "off"].contains(log.lowercased()) {
            return .failure(.logRequests)
        }
        if values["key_content"] != nil { return .failure(.keyContent) }
        if let keyFile = values["key_file"] {
            let expanded = expandUser(keyFile, environment: environment)
            if !isRegularFile(expanded) { return .failure(.keyFileNotFound(expanded)) }
        }
        return .success(values)
    }

    /// What `validate_config` says of a config dict.
    package enum Validation: Sendable, Equatable {
        /// Every required setting is there and well-formed.
        case valid
        /// Settings missing or malformed: name → `missing` / `malformed`.
        case invalid([String: String])
        /// `authentication_type` is set: the SDK checks only that (`InvalidConfig` when wrong).
        case authenticationType(valid: Bool, reason: String?)
    }

    /// `validate_config(config)`: `user`, `tenancy`, `fingerprint`, `key_file`
    /// and `region` must be set (`region` may come from `$OCI_REGION`); `user`
    /// and `tenancy` must match the SDK's OCID pattern and `fingerprint`
    /// 16 lowercase hex pairs. A config with `authentication_type` is judged
    /// on that alone (Cloud Shell's `instance_principal` with a
    /// `delegation_token_file` that exists).
    package static func validate(_ config: [String: String], environment: [String: String]) -> Validation {
        if let type = config["authentication_type"] {
            guard type == "instance_principal", let token = config["delegation_token_file"] else {
                return .authenticationType(valid: false, reason: "authentication_type '\(OCIConfig.shown(type))' is not supported (only instance_principal with a delegation_token_file)")
            }
            let expanded = expandUser(token, environment: environment)
            return isRegularFile(expanded) ? .authenticationType(valid: true, reason: nil)
                : .authenticationType(valid: false, reason: "delegation_token_file \(OCIConfig.shown(expanded)) does not exist")
        }
        var errors: [String: String] = [:]
        for key in required where config[key] == nil {
            if key == "region", let env = environment["OCI_REGION"], !env.isEmpty { continue }
            errors[key] = "missing"
        }
        for key in ["user", "tenancy"] where errors[key] == nil {
            if !isOCID(config[key] ?? "") { errors[key] = "malformed" }
        }
        if errors["fingerprint"] == nil, !isFingerprint(config["fingerprint"] ?? "") { errors["fingerprint"] = "malformed" }
        return errors.isEmpty ? .valid : .invalid(errors)
    }

    /// The SDK's pattern for `user` and `tenancy`:
    /// `^([0-9a-zA-Z-_]+[.:])([0-9a-zA-Z-_]*[.:]){3,}([0-9a-zA-Z-_]+)$`: at
    /// least five parts separated by `.` or `:`, the first and last not empty
    /// (`ocid1.user.oc1..aaaa`, the legacy `ocidv1:tenancy:oc1:phx:…`).
    package static func isOCID(_ value: String) -> Bool {
        var parts = 1
        var current = 0
        var first = -1
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: ":"):
                if first < 0 { first = current }
                parts += 1
                current = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                current += 1
            default:
                return false
            }
        }
        return parts >= 5 && first > 0 && current > 0
    }

    /// The SDK's fingerprint pattern: 16 lowercase hex pairs joined by `:`.
    package static func isFingerprint(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 47 else { return false }
        for (i, b) in bytes.enumerated() {
            if i % 3 == 2 {
                guard b == UInt8(ascii: ":") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b) else { return false }
            }
        }
        return true
    }
}
