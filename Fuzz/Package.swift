// swift-tools-version:6.0
// libFuzzer targets for keyleak. Build and run with scripts/fuzz.sh (see README, "Fuzzing").
import PackageDescription

let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-parse-as-library"])]
let fuzzLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

let package = Package(
    name: "keyleak-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "keyleak", path: "..")],
    targets: ["FuzzScan", "FuzzSettings", "FuzzArchive"].map {
        .executableTarget(name: $0, dependencies: [.product(name: "KeyLeak", package: "keyleak")],
                          swiftSettings: fuzzFlags, linkerSettings: fuzzLink)
    }
)
