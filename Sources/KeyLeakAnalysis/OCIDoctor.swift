import Foundation
import KeyLeakInput
import KeyLeakMatching
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Offline checks of an OCI config file, the way a user wants them before
/// running `oci`: for every profile, what the OCI SDK will say of it
/// (`from_file`, `validate_config`, loading the key and signing, or the
/// CLI's `--auth security_token` path for a session profile), and what
/// keyleak adds (the key matches the fingerprint, RSA of 2048 bits or more,
/// files not readable by others, the session not expired). It reads the
/// file with the same `INIDocument`, `OCISDKConfig` and `OCIKeyLoader` rules
/// the scan uses.
public enum OCIDoctor {
    /// The outcome of one check.
    public enum Status: String, Sendable, Comparable {
        case ok, warning, failure

        /// ok < warning < failure.
        public static func < (a: Status, b: Status) -> Bool {
            let order: [Status] = [.ok, .warning, .failure]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    /// One line of the doctor's report.
    public struct Check: Sendable {
        /// The profile checked (empty for checks of the file itself).
        public var profile: String
        /// Passed, worth a look, or failed.
        public var status: Status
        /// What was checked: `user`, `tenancy`, `fingerprint`, `region`,
        /// `key_file`, `pass_phrase`, `key`, `permissions`, `session`, `auth`, `config`.
        public var check: String
        /// What was checked and what was found (never a secret).
        public var message: String
    }

    /// How `oci` authenticates with a profile.
    public enum Auth: String, Sendable {
        /// An API signing key (`user`, `fingerprint`, `key_file`).
        case apiKey = "api_key"
        /// A session made by `oci session authenticate` (`security_token_file`), used with `--auth security_token`.
        case securityToken = "security_token"
        /// Cloud Shell's `authentication_type=instance_principal`.
        case instancePrincipal = "instance_principal"
    }

    /// What the OCI SDK (and CLI) will say of one profile.
    public struct SDKVerdict: Sendable {
        /// How it authenticates.
        public var auth: Auth
        /// Where it stops: `read` (`from_file`), `validate` (`validate_config`),
        /// `token` (the session token file), `key` (loading the key), `sign`
        /// (signing a request); nil when nothing stops it.
        public var stage: String?
        /// Why: the Python exception (`ParsingError`, `InvalidKeyFilePath`, …)
        /// or the key loader's reason (`missing-pass-phrase`, `public-key`, …).
        public var error: String?
        /// `validate_config`'s complaints, setting → `missing` / `malformed`.
        public var fields: [String: String] = [:]
        /// OCI fingerprint of the key the SDK loads.
        public var keyFingerprint: String?
        /// Why the SDK's key loader refuses the key file, whatever stage stops
        /// first (`missing-pass-phrase`, `public-key`, `invalid-key`, …); nil when it loads or is not tried.
        public var keyError: String?
        /// The identity endpoint the SDK will call; nil without a region.
        public var endpoint: String?

        /// True when nothing stops it.
        public var ok: Bool { stage == nil }

        /// Records where the SDK stops, unless an earlier stage already did.
        mutating func stop(_ stage: String, _ error: String) {
            if self.stage == nil {
                self.stage = stage
                self.error = error
            }
        }
    }

    /// A profile's settings as the SDK reads them (values that fail its own
    /// validation are left out, so that nothing malformed is printed).
    public struct Settings: Sendable {
        /// `user`, when it is an OCID the SDK accepts.
        public var user: String?
        /// `tenancy`, when it is an OCID the SDK accepts.
        public var tenancy: String?
        /// `fingerprint`, when well-formed.
        public var fingerprint: String?
        /// `region` as the SDK resolves it (lowercased, short names expanded).
        public var region: String?
        /// `key_file` as written.
        public var keyFile: String?
        /// A `pass_phrase` is set (its value is never reported).
        public var passPhrase: Bool
        /// `security_token_file` as written.
        public var securityTokenFile: String?
    }

    /// The key the profile's `key_file` holds, when the SDK loads it.
    public struct KeyInfo: Sendable {
        /// The file, tilde-expanded.
        public var path: String
        /// Its identity (OCI fingerprint, algorithm, size).
        public var identity: Fingerprint
        /// It was encrypted and the pass phrase opened it.
        public var encrypted: Bool
    }

    /// A session profile's token.
    public struct SessionInfo: Sendable {
        /// The token file, tilde-expanded.
        public var path: String
        /// Its claims (never the token itself).
        public var token: SessionToken
        /// Expired when checked.
        public var expired: Bool
    }

    /// Everything doctor found about one profile.
    public struct ProfileReport: Sendable {
        /// The profile.
        public var profile: String
        /// What the SDK will say.
        public var sdk: SDKVerdict
        /// Its settings.
        public var settings: Settings
        /// The key, when it loads.
        public var key: KeyInfo?
        /// The session, for a session profile whose token reads.
        public var session: SessionInfo?
        /// Every check, in order.
        public var checks: [Check]
        /// The worst check.
        public var status: Status { checks.map(\.status).max() ?? .ok }
    }

    /// The whole report.
    public struct Report: Sendable {
        /// The config file checked (tilde-expanded).
        public var configPath: String
        /// What configparser raises reading it (the SDK can use no profile then).
        public var parseFailure: (kind: String, line: Int?, reason: String)?
        /// Checks of the file itself (its permissions, how it reads).
        public var checks: [Check]
        /// One report per profile, in file order (`DEFAULT` first when present).
        public var profiles: [ProfileReport]

        /// Every check, the file's first.
        public var allChecks: [Check] { checks + profiles.flatMap(\.checks) }
        /// The worst check.
        public var status: Status { allChecks.map(\.status).max() ?? .ok }
    }

    /// Where doctor runs: environment (`HOME`, `OCI_REGION`, `OCI_CONFIG_FILE`, …) and the time.
    public struct Context: Sendable {
        /// The environment variables the SDK reads.
        public var environment: [String: String]
        /// Now, for session expiry.
        public var now: Date

        /// The process's environment and the current time.
        public init(environment: [String: String] = ProcessInfo.processInfo.environment, now: Date = Date()) {
            self.environment = environment
            self.now = now
        }
    }

    /// The config doctor checks: `explicit`, else the SDK's default search
    /// (`~/.oci/config`, `$OCI_CONFIG_FILE`, `~/.oraclebmc/config`).
    public static func configPath(_ explicit: String?, context: Context = Context()) -> String {
        OCISDKConfig.configPath(explicit, environment: context.environment)
    }

    /// Checks every profile of the config at `path` (or only `profile`).
    /// Throws when the file cannot be read, holds no profile, or has no `profile`.
    public static func check(configPath path: String, profile only: String? = nil, context: Context = Context()) throws -> Report {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            throw AnalysisError.ociConfig(file: path, reason: "cannot read the OCI config file")
        }
        let bytes = [UInt8](data)
        let strict = INIDocument.parse(bytes)
        // NOTE: a file configparser rejects is still read leniently, so that
        // every profile's other problems are listed too.
        let lenient: INIDocument = {
            guard strict.failure != nil, let text = String(validating: bytes, as: UTF8.self) else { return strict }
            var reader = INIDocument.Reader(strict: false)
            var offset = 0
            for (n, line) in INIDocument.Reader.lines(text).enumerated() {
                reader.feed(line.text, number: n + 1, offset: offset)
                offset += line.byteCount
            }
            return reader.finish()
        }()
        var names = (lenient.defaults != nil ? [INIDocument.defaultSection] : []) + lenient.sections.map(\.name)
        if let only {
            guard lenient.profile(only) != nil else {
                if let failure = strict.failure {
                    throw AnalysisError.ociConfig(file: path, reason: failure.reason + " (the SDK says \(failure.pythonName))")
                }
                throw AnalysisError.ociConfig(file: path, reason: "no profile [\(only)] (the SDK says ProfileNotFound)")
            }
            names = [only]
        }
        if names.isEmpty {
            if let failure = strict.failure {
                throw AnalysisError.ociConfig(file: path, reason: failure.reason + " (the SDK says \(failure.pythonName))")
            }
            throw AnalysisError.ociConfig(file: path, reason: "no [PROFILE] sections: not an OCI config file")
        }
        var fileChecks: [Check] = []
        if let failure = strict.failure {
            fileChecks.append(Check(profile: "", status: .failure, check: "config",
                                    message: "the SDK cannot read this file: \(failure.reason) (\(failure.pythonName)); no profile works until it is fixed"))
        }
        if let warning = permissionWarning(path, what: "the config file", context: context) { fileChecks.append(warning) }
        let regions = OCIRegions(home: OCISDKConfig.expandUser("~", environment: context.environment), environment: context.environment)
        let profiles = names.map { name in
            profileReport(name, strict: strict, lenient: lenient, regions: regions, context: context)
        }
        return Report(configPath: path, parseFailure: strict.failure.map { ($0.pythonName, $0.line, $0.reason) },
                      checks: fileChecks, profiles: profiles)
    }

    // MARK: - One profile

    private static func profileReport(_ name: String, strict: INIDocument, lenient: INIDocument, regions: OCIRegions,
                                      context: Context) -> ProfileReport {
        let environment = context.environment
        let values = lenient.profile(name) ?? [:]
        var checks: [Check] = []
        func add(_ status: Status, _ check: String, _ message: String) {
            checks.append(Check(profile: name, status: status, check: check, message: message))
        }
        let auth: Auth = values["authentication_type"] != nil ? .instancePrincipal
            : values["security_token_file"] != nil ? .securityToken : .apiKey
        var sdk = SDKVerdict(auth: auth)
        var settings = Settings(passPhrase: !(values["pass_phrase"] ?? "").isEmpty)
        settings.user = values["user"].flatMap { OCISDKConfig.isOCID($0) ? $0 : nil }
        settings.tenancy = values["tenancy"].flatMap { OCISDKConfig.isOCID($0) ? $0 : nil }
        settings.fingerprint = values["fingerprint"].flatMap { OCISDKConfig.isFingerprint($0) ? $0 : nil }
        settings.keyFile = values["key_file"].flatMap(OCIConfig.path)
        settings.securityTokenFile = values["security_token_file"].flatMap(OCIConfig.path)

        // from_file
        switch OCISDKConfig.read(strict, profile: name, environment: environment) {
        case .success: break
        case let .failure(failure):
            sdk.stop("read", failure.pythonName)
            switch failure {
            case .logRequests:
                add(.failure, "config", "log_requests '\(OCIConfig.shown(values["log_requests"] ?? ""))' is not a yes/no word (1, yes, true, on, 0, no, false, off): the SDK raises ValueError")
            case .keyContent:
                add(.failure, "config", "key_content cannot be set in a config file (the SDK refuses it for security reasons)")
            default: break  // the parse failure is a file check; a missing key file is reported with key_file below
            }
        }

        switch auth {
        case .instancePrincipal:
            add(.ok, "auth", "authentication_type=\(OCIConfig.shown(values["authentication_type"] ?? "")): only this and delegation_token_file are checked by the SDK")
            if case let .authenticationType(valid, reason) = OCISDKConfig.validate(values, environment: environment), !valid {
                sdk.stop("validate", "InvalidConfig")
                add(.failure, "auth", reason ?? "invalid authentication_type")
            }
            return ProfileReport(profile: name, sdk: sdk, settings: settings, key: nil, session: nil, checks: checks)
        case .securityToken:
            add(.ok, "auth", "a session profile (security_token_file): use it with oci --auth security_token")
        case .apiKey:
            break
        }

        // validate_config (a session profile needs only tenancy and region, which the CLI reads)
        let validation = OCISDKConfig.validate(values, environment: environment)
        if auth == .apiKey, case let .invalid(fields) = validation {
            sdk.fields = fields
            sdk.stop("validate", "InvalidConfig")
        }
        checkOCID("user", values["user"], required: auth == .apiKey, add)
        checkOCID("tenancy", values["tenancy"], required: true, add)
        if let v = values["fingerprint"] {
            if OCISDKConfig.isFingerprint(v) {
                add(.ok, "fingerprint", "fingerprint \(v) is well-formed")
            } else if OCISDKConfig.isFingerprint(v.lowercased()) {
                add(.failure, "fingerprint", "fingerprint \(OCIConfig.shown(v)) has uppercase hex: the SDK accepts only lowercase (\(v.lowercased()))")
            } else {
                add(.failure, "fingerprint", "fingerprint '\(OCIConfig.shown(v))' is not 16 colon-separated lowercase hex bytes (12:34:…:ef)")
            }
        } else if auth == .apiKey {
            add(.failure, "fingerprint", "fingerprint is missing")
        }
        checkRegion(values["region"], regions: regions, environment: environment, sdk: &sdk, settings: &settings, add)

        // The session token (the CLI's get_session_token_signer).
        var session: SessionInfo?
        // NOTE: the CLI opens the token file, then loads the key, then decodes
        // the token and checks its expiry: token stops after the key's wait.
        var tokenStop: String?
        if auth == .securityToken, let tokenFile = values["security_token_file"] {
            let expanded = OCISDKConfig.expandUser(tokenFile, environment: environment)
            let shown = OCIConfig.path(tokenFile) ?? OCIConfig.shown(tokenFile)
            if !FileManager.default.fileExists(atPath: expanded) {
                sdk.stop("token", "token-file-not-found")
                add(.failure, "session", "security_token_file \(shown) does not exist: run oci session authenticate --profile-name \(name)")
            } else if let data = FileManager.default.contents(atPath: expanded) {
                if let warning = permissionWarning(expanded, what: "security_token_file \(shown)", context: context, profile: name) {
                    checks.append(warning)
                }
                if let token = SessionToken.parse([UInt8](data)) {
                    let expired = token.isExpired(at: context.now)
                    session = SessionInfo(path: expanded, token: token, expired: expired)
                    let subject = token.subject.map { " for \($0)" } ?? ""
                    let until = token.expiresAt.map { " (expires \(Self.timestamp($0)))" } ?? ""
                    if expired {
                        tokenStop = "expired"
                        add(.failure, "session", "the session token\(subject) has expired\(until): run oci session authenticate --profile-name \(name)")
                    } else {
                        add(.ok, "session", "session token\(subject) is valid\(until)")
                    }
                } else {
                    tokenStop = "not-a-jwt"
                    add(.failure, "session", "security_token_file \(shown) does not hold a session token (a JWT)")
                }
            } else {
                sdk.stop("token", "unreadable")
                add(.failure, "session", "security_token_file \(shown) cannot be read")
            }
        }

        // The key: from_file checks the path; the signer loads it.
        var key: KeyInfo?
        if let keyFile = values["key_file"] {
            key = checkKey(keyFile, values: values, session: session, context: context, sdk: &sdk, add: add)
        } else {
            add(.failure, "key_file", "key_file is missing")
        }
        if let tokenStop { sdk.stop("token", tokenStop) }
        if let key, key.identity.algorithm != "RSA" { sdk.stop("sign", "not-rsa") }
        return ProfileReport(profile: name, sdk: sdk, settings: settings, key: key, session: session, checks: checks)
    }

    private static func checkOCID(_ name: String, _ value: String?, required: Bool, _ add: (Status, String, String) -> Void) {
        guard let value else {
            if required { add(.failure, name, "\(name) is missing") }
            return
        }
        guard OCISDKConfig.isOCID(value) else {
            add(.failure, name, "\(name) '\(OCIConfig.shown(value))' is not a \(name) OCID the SDK accepts (ocid1.\(name).oc1..…)")
            return
        }
        // Well-formed for the SDK; is it the right kind of OCID?
        let kind = value.hasPrefix("ocid1.") ? value.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first
            : value.hasPrefix("ocidv1:") ? value.split(separator: ":", omittingEmptySubsequences: false).dropFirst().first : nil
        if let kind, kind != Substring(name) {
            add(.warning, name, "\(name) \(value) is well-formed but an OCID of a \(kind), not of a \(name): the service will refuse it")
        } else if kind == nil {
            add(.warning, name, "\(name) \(value) passes the SDK's check but is not an OCID (ocid1.\(name).…)")
        } else {
            add(.ok, name, "\(name) \(value)")
        }
    }

    private static func checkRegion(_ value: String?, regions: OCIRegions, environment: [String: String], sdk: inout SDKVerdict,
                                    settings: inout Settings, _ add: (Status, String, String) -> Void) {
        let fromEnvironment = value == nil ? environment["OCI_REGION"].flatMap { $0.isEmpty ? nil : $0 } : nil
        guard let written = value ?? fromEnvironment else {
            add(.failure, "region", "region is missing: oci will not know where to connect")
            return
        }
        guard let resolved = regions.resolve(written) else {
            add(.failure, "region", "region is missing (set but empty): oci will not know where to connect")
            return
        }
        sdk.endpoint = resolved.endpoint
        settings.region = resolved.region
        let source = fromEnvironment != nil ? " (from $OCI_REGION)" : ""
        let shown = OCIConfig.shown(written)
        if resolved.known {
            let alias = written == resolved.region ? "" : " ('\(shown)')"
            add(.ok, "region", "region \(resolved.region)\(alias)\(source)\(resolved.realm.map { " in realm \($0)" } ?? ""): \(resolved.endpoint)")
        } else {
            add(.warning, "region", "region '\(shown)'\(source) is not one the OCI SDK knows: it will connect to \(OCIConfig.shown(resolved.endpoint))")
        }
    }

    private static func checkKey(_ keyFile: String, values: [String: String], session: SessionInfo?, context: Context,
                                 sdk: inout SDKVerdict, add: (Status, String, String) -> Void) -> KeyInfo? {
        // NOTE: the path is quoted in messages: a value that is not a plain
        // one-line path (a key pasted in its place) is shown cut short.
        let shown = OCIConfig.path(keyFile) ?? OCIConfig.shown(keyFile)
        let path = OCISDKConfig.expandUser(keyFile, environment: context.environment)
        guard OCISDKConfig.isRegularFile(path) else {
            let relative = path.hasPrefix("/") ? "" : " (a relative path is opened from the current directory)"
            add(.failure, "key_file", "key_file \(shown) does not exist\(relative)")
            return nil
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            let mode = Int(info.st_mode) & 0o777
            let octal = String(mode, radix: 8)
            if mode & 0o077 != 0 {
                add(.failure, "permissions", "key_file \(shown) is readable by others (mode \(octal)): run chmod 600 \(shown)")
            } else if mode & 0o100 != 0 {
                add(.warning, "permissions", "key_file \(shown) is executable (mode \(octal)): the oci CLI warns; run chmod 600 \(shown)")
            } else {
                add(.ok, "permissions", "key_file \(shown) is private (mode \(octal))")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            sdk.stop("key", OCIKeyLoader.Failure.unreadable.rawValue)
            sdk.keyError = OCIKeyLoader.Failure.unreadable.rawValue
            add(.failure, "key_file", "key_file \(shown) cannot be read")
            return nil
        }
        let loaded: OCIKeyLoader.Loaded
        switch OCIKeyLoader.load([UInt8](data), passPhrase: values["pass_phrase"]) {
        case let .success(key): loaded = key
        case let .failure(failure):
            sdk.stop("key", failure.rawValue)
            sdk.keyError = failure.rawValue
            switch failure {
            case .missingPassPhrase:
                add(.warning, "pass_phrase", "the key is encrypted and the profile has no pass_phrase: oci will prompt for it (the SDK and scripts fail)")
            case .emptyPassPhrase:
                add(.failure, "pass_phrase", "the key is encrypted and pass_phrase is empty: the SDK and the CLI fail, they do not prompt")
            case .nonASCIIPassPhrase:
                add(.failure, "pass_phrase", "pass_phrase has characters outside ASCII: the SDK and the CLI cannot use it (UnicodeEncodeError)")
            case .publicKey:
                add(.failure, "key", "key_file \(shown) holds a public key: key_file must name the private key")
            case .invalid:
                let encrypted = values["pass_phrase"].map { !$0.isEmpty } ?? false
                add(.failure, "key", "key_file \(shown) is not a PEM private key the SDK reads"
                    + (encrypted ? ", or pass_phrase does not open it" : "")
                    + " (invalid key format: the SDK reads PEM only, not OpenSSH, PuTTY, DER or an escaped copy)")
            case .unreadable:
                add(.failure, "key_file", "key_file \(shown) cannot be read")
            }
            return nil
        }
        guard let identity = Fingerprint(key: loaded.key) else {
            add(.warning, "key", "cannot read the key's public half, so its fingerprint is not checked")
            return nil
        }
        sdk.keyFingerprint = identity.oci
        if loaded.encrypted { add(.ok, "pass_phrase", "pass_phrase opens the encrypted key") }
        if identity.algorithm != "RSA" {
            add(.failure, "key", "the key is \(identity.summary): OCI API keys must be RSA (the SDK cannot sign with it)")
        } else if identity.bits < 2048 {
            add(.failure, "key", "the key is RSA \(identity.bits): OCI requires at least 2048 bits")
        } else {
            add(.ok, "key", "key is \(identity.summary)")
        }
        if let session {
            if let expected = session.token.keyFingerprint {
                if expected == identity.oci {
                    add(.ok, "session", "the session key matches the token (\(identity.oci))")
                } else {
                    add(.failure, "session", "the session token was issued for key \(expected) but \(shown) has \(identity.oci)")
                }
            }
        } else if let claimed = values["fingerprint"].flatMap({ OCISDKConfig.isFingerprint($0) ? $0 : nil }) {
            if claimed == identity.oci {
                add(.ok, "fingerprint", "key fingerprint matches (\(identity.oci))")
            } else {
                add(.failure, "fingerprint", "fingerprint mismatch: the profile says \(claimed) but \(shown) has \(identity.oci)")
            }
        }
        return KeyInfo(path: path, identity: identity, encrypted: loaded.encrypted)
    }

    /// The oci CLI's warning when a file is open to more than its owner's
    /// read and write (`mode & 0o177`, on the path itself, a link not followed).
    private static func permissionWarning(_ path: String, what: String, context: Context, profile: String = "") -> Check? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o177 != 0 else { return nil }
        return Check(profile: profile, status: .warning, check: "permissions",
                     message: "\(what) has mode \(String(mode, radix: 8)): the oci CLI warns that it is too open; run chmod 600 \(OCIConfig.shown(path))")
    }

    /// `2026-05-01 12:00:00 UTC`.
    package static func timestamp(_ seconds: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
