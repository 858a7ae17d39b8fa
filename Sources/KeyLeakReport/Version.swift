import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
/// keyleak's version, printed by `--version` and written into reports.
public enum KeyLeakVersion {
    public static let current = "0.1.0"
}
