import Foundation
internal import CHyperscan

/// The Vectorscan (or Hyperscan) linked into this binary, as it reports
/// itself (for `keyleak version` and bug reports).
package enum VectorscanLibrary {
    /// Its version and build date, e.g. `5.4.9 2023-03-23`.
    package static var version: String {
        // NOTE: Debian's build leaves the date empty ("5.4.9 "): no trailing space.
        String(cString: hs_version()).trimmingCharacters(in: .whitespaces)
    }

    /// True when it runs on this CPU (it needs SSE4.2 on x86, NEON on Arm);
    /// when false the prefilter uses its portable engine.
    package static var runsOnThisCPU: Bool { hs_valid_platform() == HS_SUCCESS }
}
