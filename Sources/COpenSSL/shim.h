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
#endif
