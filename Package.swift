// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "keyleak",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keyleak", targets: ["KeyLeakCLI"]),
        .library(name: "KeyLeak", targets: ["KeyLeak"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `scan --verify`: one signed HTTPS request per leaked OCI key. TLS is
        // NIOSSL's own BoringSSL, compiled in: no libcurl, nothing dynamic added.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8",
                       providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]),
        // fstatfs, for recognising kernel file systems (/proc, /sys). Not `CSystem`:
        // swift-system (under async-http-client) has a module of that name.
        .systemLibrary(name: "CKeyLeakSystem"),
        // The git commit scripts/package defines on the build command line, for `keyleak version`.
        .systemLibrary(name: "CBuildInfo"),
        // Hands argv to the Swift runtime before main where /proc is not mounted (an empty chroot).
        .target(name: "CProcessArguments"),
        // Multi-literal SIMD search for the prefilter (Vectorscan, or Hyperscan: same API).
        .systemLibrary(name: "CHyperscan", pkgConfig: "libhs",
                       providers: [.apt(["libvectorscan-dev"]), .brew(["vectorscan"])]),
        // Turns rules/*.yaml into Swift source at build time, so an installed
        // binary carries its rules while rules/ stays the single source of truth.
        // Rule files read into their fields (YAML at build time, bytes at run time).
        .target(name: "KeyLeakRuleFile", dependencies: [.product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "RulesEmbedder", dependencies: ["KeyLeakRuleFile"]),
        .plugin(name: "EmbedRules", capability: .buildTool(), dependencies: ["RulesEmbedder"]),
        // The pipeline, one target per stage; each depends only on the stages above it.
        // Input: walk, files, git, archives → blobs with their provenance.
        .target(name: "KeyLeakInput", dependencies: ["CArchive", "CKeyLeakSystem"]),
        // Matching: rules, prefilter, PCRE2 → raw detections pushed to a sink.
        .target(
            name: "KeyLeakMatching",
            dependencies: ["KeyLeakInput", "KeyLeakRuleFile", "CPCRE2", "CHyperscan"],
            plugins: ["EmbedRules"]
        ),
        // Analysis: key parsers, fingerprints, OCI semantics, linking → typed findings.
        .target(name: "KeyLeakAnalysis", dependencies: ["KeyLeakMatching", "COpenSSL"]),
        // Report: policy (severity, wording), suppression, baseline, reporters, merge.
        .target(name: "KeyLeakReport", dependencies: ["KeyLeakAnalysis"]),
        // Verification (`scan --verify`): OCI request signing and the one HTTPS
        // request per key that says whether a leaked key is live.
        .target(
            name: "KeyLeakVerify",
            dependencies: ["KeyLeakAnalysis", .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        // The façade: a scan request in, a report and a verdict out; config resolution.
        .target(
            name: "KeyLeak",
            dependencies: ["KeyLeakReport", "KeyLeakVerify", "KeyLeakRuleFile", "CBuildInfo", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "KeyLeakCLI",
            dependencies: ["KeyLeak", "KeyLeakInput", "KeyLeakMatching", "KeyLeakAnalysis", "KeyLeakReport", "KeyLeakVerify", "CProcessArguments", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Helpers shared by the test targets: temporary trees, OpenSSL key generation, running the binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "KeyLeakTests", dependencies: ["KeyLeak", "KeyLeakInput", "KeyLeakRuleFile", "KeyLeakMatching", "KeyLeakAnalysis", "KeyLeakReport", "KeyLeakVerify", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["KeyLeak", "KeyLeakInput", "KeyLeakMatching", "KeyLeakAnalysis", "KeyLeakReport", "TestSupport", .product(name: "Yams", package: "Yams")]),
    ]
)
