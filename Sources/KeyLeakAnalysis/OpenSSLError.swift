import KeyLeakInput
import KeyLeakMatching
internal import COpenSSL

/// OpenSSL's error queue as text, for facts that say why something failed.
package enum OpenSSLError {
    /// The first queued error's text with OpenSSL's detail for it
    /// (`error:12800067:DSO support routines::could not load the shared
    /// library: filename(…/legacy.so): cannot open shared object file`), the
    /// queue then cleared; nil when it is empty. The first error is the
    /// cause; later ones only say what gave up because of it.
    package static func drain() -> String? {
        var data: UnsafePointer<CChar>?
        var flags: Int32 = 0
        let code = ERR_peek_error_data(&data, &flags)
        defer { ERR_clear_error() }
        guard code != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
            text += ": " + String(decoding: UnsafeBufferPointer(start: data, count: min(strlen(data), 200)).map { UInt8(bitPattern: $0) },
                                  as: UTF8.self)
        }
        return text
    }
}
