#ifndef KEYLEAK_COPENSSL_SHIM_H
#define KEYLEAK_COPENSSL_SHIM_H
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/objects.h>

/// A password callback that never prompts: an encrypted key fails to open
/// instead of blocking on "Enter PEM pass phrase:".
static inline int keyleak_no_password(char *buf, int size, int rwflag, void *u) {
    (void)buf; (void)size; (void)rwflag; (void)u;
    return 0;
}

/// A password callback that hands OpenSSL the NUL-terminated pass phrase in `u`.
static inline int keyleak_password(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    if (u == NULL) return 0;
    const char *p = (const char *)u;
    int n = 0;
    while (p[n] != 0 && n < size) { buf[n] = p[n]; n++; }
    return n;
}

static inline void keyleak_openssl_free(void *p) { OPENSSL_free(p); }
/// Zeroes then frees OpenSSL memory that held secret bytes.
static inline void keyleak_openssl_clear_free(void *p, size_t n) { OPENSSL_clear_free(p, n); }

/* PKCS#12 walking: OpenSSL's STACK_OF accessors and PKCS7 fields are macros
   or struct members Swift cannot reach. */
static inline int keyleak_pkcs7_count(const STACK_OF(PKCS7) *sk) { return sk_PKCS7_num(sk); }
static inline PKCS7 *keyleak_pkcs7_at(const STACK_OF(PKCS7) *sk, int i) { return sk_PKCS7_value(sk, i); }
static inline void keyleak_pkcs7_stack_free(STACK_OF(PKCS7) *sk) { sk_PKCS7_pop_free(sk, PKCS7_free); }
static inline int keyleak_safebag_count(const STACK_OF(PKCS12_SAFEBAG) *sk) { return sk_PKCS12_SAFEBAG_num(sk); }
static inline const PKCS12_SAFEBAG *keyleak_safebag_at(const STACK_OF(PKCS12_SAFEBAG) *sk, int i) {
    return sk_PKCS12_SAFEBAG_value(sk, i);
}
static inline void keyleak_safebag_stack_free(STACK_OF(PKCS12_SAFEBAG) *sk) { sk_PKCS12_SAFEBAG_pop_free(sk, PKCS12_SAFEBAG_free); }
/// The content type of a PKCS#7 ContentInfo (NID_pkcs7_data, NID_pkcs7_encrypted, …).
static inline int keyleak_pkcs7_type(const PKCS7 *p7) { return OBJ_obj2nid(p7->type); }
/// The encryption algorithm of a PKCS#7 EncryptedData, or NULL.
static inline const X509_ALGOR *keyleak_pkcs7_encryption(const PKCS7 *p7) {
    if (OBJ_obj2nid(p7->type) != NID_pkcs7_encrypted || p7->d.encrypted == NULL || p7->d.encrypted->enc_data == NULL) return NULL;
    return p7->d.encrypted->enc_data->algorithm;
}
#endif
