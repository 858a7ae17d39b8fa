import Foundation
import KeyLeakAnalysis
import KeyLeakInput
import KeyLeakMatching
import KeyLeakReport
// NOTE: a header-only module: the commit the build command line defined (scripts/package).
internal import CBuildInfo

/// What a bug report needs to know about this binary: keyleak's version and
/// commit, the versions of the C libraries it runs on (as each reports
/// itself at run time, so a static release and a source build both tell the
/// truth), and the prefilter engine its rules use on this CPU.
public struct BuildInfo: Sendable {
    /// keyleak's version (`KeyLeakVersion.current`).
    public var version: String
    /// The git commit it was built from (`-dirty` appended when the work tree
    /// had changes); nil when the build did not say (a plain `swift build`).
    public var commit: String?
    /// OpenSSL's version and release date.
    public var openSSL: String
    /// The folder OpenSSL loads provider modules from (the `legacy` provider
    /// for old PKCS#12 ciphers); `OPENSSL_MODULES` overrides it.
    public var openSSLModules: String
    /// PCRE2's version and release date.
    public var pcre2: String
    /// PCRE2's JIT target; nil when PCRE2 has no JIT.
    public var pcre2JITTarget: String?
    /// True when every rule pattern was JIT-compiled (false: interpreted, slower).
    public var pcre2JITInUse: Bool
    /// libarchive's version.
    public var libarchive: String
    /// The compression libraries libarchive was built with, with versions.
    public var libarchiveCompressors: String
    /// Vectorscan's (or Hyperscan's) version and build date.
    public var vectorscan: String
    /// The prefilter engine the built-in rules use here: Vectorscan literals,
    /// or the portable byte-pair engine when Vectorscan does not run on this CPU.
    public var prefilter: String
    /// The operating system and CPU it was built for, e.g. `linux-x86_64`.
    public var platform: String

    /// This binary's facts. Compiles the built-in rules to learn the prefilter
    /// engine in use (a few milliseconds); a rule that does not compile is said
    /// in `prefilter` rather than thrown, so the versions are printed anyway.
    public static func current() -> BuildInfo {
        var prefilter: String
        var jitInUse = false
        do {
            let rules = try ScanPlan.loadRules()
            prefilter = rules.prefilterEngine
            jitInUse = !rules.patterns.isEmpty && rules.patterns.allSatisfy(\.jit)
        } catch {
            prefilter = "unavailable: the built-in rules do not load: \(error)"
        }
        let commit = String(cString: keyleak_build_commit())
        return BuildInfo(
            version: KeyLeakVersion.current, commit: commit.isEmpty ? nil : commit,
            openSSL: OpenSSLLibrary.version, openSSLModules: OpenSSLLibrary.modulesDirectory,
            pcre2: PCRE2Library.version, pcre2JITTarget: PCRE2Library.jitTarget, pcre2JITInUse: jitInUse,
            libarchive: ArchiveLibrary.version, libarchiveCompressors: ArchiveLibrary.compressors,
            vectorscan: VectorscanLibrary.version, prefilter: prefilter, platform: BuildInfo.builtFor)
    }

    /// The platform this binary was compiled for.
    private static var builtFor: String {
        #if os(Linux)
        let os = "linux"
        #elseif os(macOS)
        let os = "macos"
        #else
        let os = "unknown"
        #endif
        #if arch(x86_64)
        return "\(os)-x86_64"
        #elseif arch(arm64)
        return "\(os)-aarch64"
        #else
        return "\(os)-unknown"
        #endif
    }

    /// One fact a line, the version first: `keyleak 0.1.0`, then aligned
    /// `name  value` lines.
    public var text: String {
        let jit: String
        if let target = pcre2JITTarget {
            jit = pcre2JITInUse ? "JIT \(target)" : "JIT \(target), not in use"
        } else {
            jit = "no JIT"
        }
        let lines: [(String, String)] = [
            ("commit", commit ?? "unknown"),
            ("platform", platform),
            ("OpenSSL", "\(openSSL) (modules: \(openSSLModules))"),
            ("PCRE2", "\(pcre2) (\(jit))"),
            ("libarchive", libarchiveCompressors.isEmpty ? libarchive : "\(libarchive) (\(libarchiveCompressors))"),
            ("Vectorscan", vectorscan),
            ("prefilter", prefilter),
        ]
        return (["keyleak \(version)"] + lines.map { name, value in
            name.padding(toLength: 11, withPad: " ", startingAt: 0) + value
        }).joined(separator: "\n")
    }

    /// The same facts as one JSON object with stable field names.
    public var json: String {
        JSONWriter.render(.object([
            ("version", .string(version)),
            ("commit", .optional(commit)),
            ("platform", .string(platform)),
            ("openssl", .string(openSSL)),
            ("openssl_modules", .string(openSSLModules)),
            ("pcre2", .string(pcre2)),
            ("pcre2_jit", .optional(pcre2JITTarget)),
            ("pcre2_jit_in_use", .bool(pcre2JITInUse)),
            ("libarchive", .string(libarchive)),
            ("libarchive_compressors", .string(libarchiveCompressors)),
            ("vectorscan", .string(vectorscan)),
            ("prefilter", .string(prefilter)),
        ]))
    }
}
