import KeyLeakInput
import KeyLeakMatching
internal import COpenSSL

/// Opens a PKCS#12 (PFX) file with the well-known passwords, the way a
/// person who found it would: the MAC says which password is right, then
/// every bag is read (keys in clear, shrouded keys, nested safe contents),
/// so that each private key inside is named by its fingerprint.
package enum PKCS12Container {
    /// What opening the file found.
    package struct Contents {
        /// The well-known password that opens it (`""`: none needed, or the
        /// empty one); nil when none of those tried does.
        package var password: String?
        /// The private keys read from it, in bag order.
        package var keys: [KeyFacts] = []
        /// Certificate bags.
        package var certificates = 0
        /// Secret bags (PKCS#12 secretBag: a symmetric key or password).
        package var secrets = 0
        /// A part the password is right for that keyleak could not decrypt:
        /// its algorithm (`pbeWithSHA1And40BitRC2-CBC`) and why.
        package var unreadablePart: String?
        /// Why `unreadablePart` could not be read: OpenSSL's error, and the
        /// legacy provider's when it is missing.
        package var unreadableReason: String?
        /// How many of `WellKnownPasswords.all` were tried (the budget may stop early).
        package var passwordsTried = 0
    }

    /// The contents of the PKCS#12 structure `der`; nil when it is not one.
    package static func open(der: [UInt8]) -> Contents? {
        OpenSSLProviders.load()
        return der.withUnsafeBufferPointer { buffer -> Contents? in
            guard let base = buffer.baseAddress, !der.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let p12 = d2i_PKCS12(nil, &cursor, der.count) else {
                ERR_clear_error()
                return nil
            }
            defer { PKCS12_free(p12) }
            return open(p12)
        }
    }

    private static func open(_ p12: OpaquePointer) -> Contents {
        var budget = WellKnownPasswords.iterationBudget
        var contents = Contents()
        if PKCS12_mac_present(p12) == 1 {
            // The MAC tells which password is right, at the cost of one key derivation a try.
            let cost = max(1, macIterations(p12))
            for password in WellKnownPasswords.all {
                guard budget >= cost else { break }
                budget -= cost
                contents.passwordsTried += 1
                // NOTE: the empty password is written two ways: no bytes at all, or
                // an empty BMPString (its two-byte terminator); `openssl` writes the second.
                for candidate in password.isEmpty ? [nil, ""] : [password] where verifyMAC(p12, candidate) {
                    var walk = Walk(password: candidate, budget: budget)
                    walk.run(p12)
                    return walk.contents(password: password, tried: contents.passwordsTried)
                }
            }
            let macError = OpenSSLError.drain()
            // NOTE: the MAC only guards integrity: bags stored without encryption
            // (`-keypbe NONE -certpbe NONE`) are readable whatever its password.
            var walk = Walk(password: nil, budget: budget)
            walk.run(p12)
            if !walk.decrypted, walk.failure == nil, !walk.keys.isEmpty {
                return walk.contents(password: "", tried: contents.passwordsTried)
            }
            if let macError {
                // The MAC could not be computed at all (an algorithm OpenSSL lacks): say so, not "locked".
                contents.unreadablePart = "MAC"
                contents.unreadableReason = macError
            }
            return contents
        }
        // No MAC: only decrypting tells. A file with nothing encrypted opens with no password.
        for password in WellKnownPasswords.all {
            contents.passwordsTried += 1
            for candidate in password.isEmpty ? [nil, ""] : [password] {
                var walk = Walk(password: candidate, budget: budget)
                walk.run(p12)
                budget = walk.budget
                if walk.failure == nil || !walk.decrypted { return walk.contents(password: walk.decrypted ? password : "", tried: contents.passwordsTried) }
                if budget <= 0 { return contents }
            }
        }
        return contents
    }

    /// The MAC's declared iteration count (1 when absent, as the standard defaults).
    private static func macIterations(_ p12: OpaquePointer) -> Int {
        var iterations: UnsafePointer<ASN1_INTEGER>?
        PKCS12_get0_mac(nil, nil, nil, &iterations, p12)
        guard let iterations else { return 1 }
        let value = ASN1_INTEGER_get(iterations)
        return value <= 0 ? Int.max : value
    }

    private static func verifyMAC(_ p12: OpaquePointer, _ password: String?) -> Bool {
        let ok = if let password {
            password.withCString { PKCS12_verify_mac(p12, $0, -1) }
        } else {
            PKCS12_verify_mac(p12, nil, 0)
        }
        return ok == 1
    }

    /// One reading of every bag with one password.
    private struct Walk {
        let password: String?
        /// Iterations still allowed for key derivations.
        var budget: Int
        var keys: [KeyFacts] = []
        var certificates = 0
        var secrets = 0
        /// Something needed the password.
        var decrypted = false
        /// The first part that could not be read: its algorithm and OpenSSL's reason.
        var failure: (part: String, reason: String)?

        init(password: String?, budget: Int) {
            self.password = password
            self.budget = budget
        }

        func contents(password: String, tried: Int) -> Contents {
            var contents = Contents(password: password, keys: keys, certificates: certificates, secrets: secrets)
            contents.passwordsTried = tried
            if let failure {
                contents.unreadablePart = failure.part
                var reason = failure.reason
                if let legacy = OpenSSLProviders.legacyUnavailable { reason += "; " + legacy }
                contents.unreadableReason = reason
            }
            return contents
        }

        mutating func run(_ p12: OpaquePointer) {
            guard let safes = PKCS12_unpack_authsafes(p12) else {
                fail("authenticated safe", OpenSSLError.drain() ?? "does not parse")
                return
            }
            defer { keyleak_pkcs7_stack_free(safes) }
            for i in 0..<keyleak_pkcs7_count(safes) {
                guard let p7 = keyleak_pkcs7_at(safes, i) else { continue }
                switch keyleak_pkcs7_type(p7) {
                case NID_pkcs7_data:
                    guard let bags = PKCS12_unpack_p7data(p7) else {
                        fail("safe contents", OpenSSLError.drain() ?? "does not parse")
                        continue
                    }
                    read(bags, depth: 0)
                    keyleak_safebag_stack_free(bags)
                case NID_pkcs7_encrypted:
                    let algorithm = keyleak_pkcs7_encryption(p7)
                    guard afford(algorithm) else { continue }
                    decrypted = true
                    let bags = withPassword { PKCS12_unpack_p7encdata(p7, $0, $1) }
                    guard let bags else {
                        fail(name(algorithm) ?? "encrypted safe contents", OpenSSLError.drain() ?? "does not decrypt")
                        continue
                    }
                    read(bags, depth: 0)
                    keyleak_safebag_stack_free(bags)
                default:
                    // EnvelopedData: encrypted to a certificate's key, which no password opens.
                    fail("public-key encrypted safe contents", "it opens with a private key, not a password")
                }
            }
        }

        private mutating func read(_ bags: OpaquePointer, depth: Int) {
            for i in 0..<keyleak_safebag_count(bags) {
                guard let bag = keyleak_safebag_at(bags, i) else { continue }
                switch PKCS12_SAFEBAG_get_nid(bag) {
                case NID_keyBag:
                    if let info = PKCS12_SAFEBAG_get0_p8inf(bag) { add(info) }
                case NID_pkcs8ShroudedKeyBag:
                    var algorithm: UnsafePointer<X509_ALGOR>?
                    if let sig = PKCS12_SAFEBAG_get0_pkcs8(bag) { X509_SIG_get0(sig, &algorithm, nil) }
                    guard afford(algorithm) else { continue }
                    decrypted = true
                    guard let info = withPassword({ PKCS12_decrypt_skey(bag, $0, $1) }) else {
                        fail(name(algorithm) ?? "shrouded key bag", OpenSSLError.drain() ?? "does not decrypt")
                        continue
                    }
                    add(info)
                    PKCS8_PRIV_KEY_INFO_free(info)
                case NID_certBag:
                    certificates += 1
                case NID_secretBag:
                    secrets += 1
                case NID_safeContentsBag:
                    if depth < 4, let nested = PKCS12_SAFEBAG_get0_safes(bag) { read(nested, depth: depth + 1) }
                default:
                    break
                }
            }
        }

        /// A key bag's PrivateKeyInfo, analysed like any DER key (so an algorithm
        /// OpenSSL cannot read is still named).
        private mutating func add(_ info: OpaquePointer) {
            var out: UnsafeMutablePointer<UInt8>?
            let length = i2d_PKCS8_PRIV_KEY_INFO(info, &out)
            guard length > 0, let out else {
                ERR_clear_error()
                return
            }
            let der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
            keyleak_openssl_free(out)
            if let facts = PrivateKey.analyze(der: der) { keys.append(facts) }
        }

        /// Whether the budget allows one key derivation of `algorithm`, and spends it.
        private mutating func afford(_ algorithm: UnsafePointer<X509_ALGOR>?) -> Bool {
            let cost = algorithm.flatMap(algorithmDER).flatMap(PBECost.iterations) ?? 1
            guard cost <= budget else {
                fail(name(algorithm) ?? "encrypted part",
                     "it declares \(cost) key-derivation iterations, more than keyleak spends on one container (\(budget) left)")
                return false
            }
            budget -= cost
            return true
        }

        private mutating func fail(_ part: String, _ reason: String) {
            if failure == nil { failure = (part, reason) }
        }

        private func withPassword<T>(_ body: (UnsafePointer<CChar>?, Int32) -> T) -> T {
            if let password { return password.withCString { body($0, -1) } }
            return body(nil, 0)
        }
    }

    /// The DER of an `X509_ALGOR`.
    private static func algorithmDER(_ algorithm: UnsafePointer<X509_ALGOR>) -> [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_ALGOR(algorithm, &out)
        guard length > 0, let out else {
            ERR_clear_error()
            return nil
        }
        defer { keyleak_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// OpenSSL's name for an algorithm (`pbeWithSHA1And40BitRC2-CBC`, `PBES2`).
    private static func name(_ algorithm: UnsafePointer<X509_ALGOR>?) -> String? {
        guard let algorithm else { return nil }
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        guard let object else { return nil }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 0)
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
