internal import CArchive

/// The libarchive linked into this binary, as it reports itself (for
/// `keyleak version` and bug reports).
package enum ArchiveLibrary {
    /// Its version, e.g. `3.6.2`.
    package static var version: String {
        let text = String(cString: archive_version_string())
        // NOTE: archive_version_string() says "libarchive 3.6.2"; the name is said elsewhere.
        return text.hasPrefix("libarchive ") ? String(text.dropFirst("libarchive ".count)) : text
    }

    /// The compression libraries it was built with and their versions, e.g.
    /// `zlib/1.2.13 liblzma/5.4.1 bz2lib/1.0.8 liblz4/1.9.4 libzstd/1.5.4`.
    package static var compressors: String {
        String(cString: archive_version_details()).split(separator: " ").filter { $0.contains("/") }.joined(separator: " ")
    }
}
