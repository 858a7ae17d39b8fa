import KeyLeakInput
import KeyLeakMatching
internal import COpenSSL

/// OpenSSL's providers, loaded once per process: `default`, and `legacy` for
/// the algorithms real PKCS#12 files still use (RC2-40 certificate bags from
/// `openssl pkcs12 -export -legacy`, Windows and old Java exports; DES and
/// RC4 in legacy PEM). The legacy provider is a separate module
/// (`legacy.so` in OpenSSL's MODULESDIR, or `$OPENSSL_MODULES`): a statically
/// linked binary, or a system without the module, runs without it, and the
/// findings that needed it say so.
package enum OpenSSLProviders {
    /// Why the legacy provider could not be loaded; nil when it is loaded.
    /// The first use loads both providers (once: a lazy static).
    package static let legacyUnavailable: String? = {
        // NOTE: loading any provider explicitly stops OpenSSL from loading
        // `default` implicitly, so it is loaded first, by name.
        _ = OSSL_PROVIDER_load(nil, "default")
        ERR_clear_error()
        guard OSSL_PROVIDER_load(nil, "legacy") == nil else { return nil }
        return "OpenSSL's legacy provider could not be loaded (" + (OpenSSLError.drain() ?? "no reason given") + ")"
    }()

    /// Loads the providers, if not done yet.
    package static func load() { _ = legacyUnavailable }
}
