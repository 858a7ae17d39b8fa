internal import CPCRE2

/// The PCRE2 linked into this binary, as it reports itself (for
/// `keyleak version` and bug reports).
package enum PCRE2Library {
    /// Its version and release date, e.g. `10.42 2022-12-11`.
    package static var version: String { configString(PCRE2_CONFIG_VERSION) ?? "unknown" }

    /// The JIT compiler's target, e.g. `x86 64bit (little endian + unaligned)`;
    /// nil when this PCRE2 was built without JIT support.
    package static var jitTarget: String? {
        var available: UInt32 = 0
        guard pcre2_config_8(UInt32(PCRE2_CONFIG_JIT), &available) >= 0, available != 0 else { return nil }
        return configString(PCRE2_CONFIG_JITTARGET)
    }

    /// A string-valued configuration item (`pcre2_config` with a NULL buffer
    /// returns the length it needs, terminating NUL included).
    private static func configString(_ item: Int32) -> String? {
        let needed = pcre2_config_8(UInt32(item), nil)
        guard needed > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: Int(needed))
        guard pcre2_config_8(UInt32(item), &buffer) >= 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}
