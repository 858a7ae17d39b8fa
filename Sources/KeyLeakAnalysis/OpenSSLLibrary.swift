internal import COpenSSL

/// The OpenSSL linked into this binary, as it reports itself (for
/// `keyleak version` and bug reports).
package enum OpenSSLLibrary {
    /// Its version and release date, e.g. `3.0.19 27 Jan 2026`.
    package static var version: String {
        let text = String(cString: OpenSSL_version(Int32(OPENSSL_VERSION)))
        // NOTE: OpenSSL_version(OPENSSL_VERSION) says "OpenSSL 3.0.19 27 Jan 2026"; the name is said elsewhere.
        return text.hasPrefix("OpenSSL ") ? String(text.dropFirst("OpenSSL ".count)) : text
    }

    /// The folder it loads provider modules from (the `legacy` provider, for
    /// old PKCS#12 ciphers, is one); `OPENSSL_MODULES` overrides it.
    package static var modulesDirectory: String {
        let text = String(cString: OpenSSL_version(Int32(OPENSSL_MODULES_DIR)))
        // NOTE: it says `MODULESDIR: "/usr/lib/x86_64-linux-gnu/ossl-modules"`: the path is between the quotes.
        guard let open = text.firstIndex(of: "\""), let close = text.lastIndex(of: "\""), open < close else { return text }
        return String(text[text.index(after: open)..<close])
    }
}
