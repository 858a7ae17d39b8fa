import KeyLeakInput
import KeyLeakMatching
internal import COpenSSL

/// Symmetric decryption through OpenSSL, for the containers keyleak opens
/// itself (JCEKS keys).
package enum Decryption {
    /// `data` decrypted with the cipher OpenSSL calls `cipher` (`DES-EDE3-CBC`),
    /// PKCS#5 padding removed; nil when the padding is wrong (a wrong key) or
    /// the cipher is not available.
    package static func decrypt(cipher name: String, key: [UInt8], iv: [UInt8], _ data: [UInt8]) -> [UInt8]? {
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else {
            ERR_clear_error()
            return nil
        }
        defer { EVP_CIPHER_free(cipher) }
        guard let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: data.count + 64)
        var written: Int32 = 0
        var final: Int32 = 0
        let ok = EVP_DecryptInit_ex2(context, cipher, key, iv, nil) == 1
            && EVP_DecryptUpdate(context, &out, &written, data, Int32(data.count)) == 1
            && out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(written), &final) } == 1
        guard ok else {
            ERR_clear_error()
            return nil
        }
        return Array(out[0..<Int(written + final)])
    }
}
