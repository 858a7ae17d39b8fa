import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
/// keyleak's version, printed by `--version` and written into reports.
public enum KeyLeakVersion {
    /// The version of this build.
    public static let current = "0.1.0"
}
