#if canImport(Glibc)
import Glibc
#endif

/// Why output could not be written: the file (or `standard output`) and the
/// system's error number. Described the way other tools say it:
/// `report.json: No space left on device`.
struct WriteError: Error, CustomStringConvertible {
    /// The path written to, or `standard output`.
    var path: String
    /// The `errno` of the call that failed.
    var code: Int32

    /// `path: reason`, the reason as `strerror` says it.
    var description: String { "\(path): \(String(cString: strerror(code)))" }
}
