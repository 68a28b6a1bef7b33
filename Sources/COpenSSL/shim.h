#ifndef INLET_COpenSSL_SHIM_H
#define INLET_COpenSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

// Typed helpers for what Swift cannot express directly (OSSL_PARAM arrays built from string macros).
// Prefixed `inlet_`; InletCrypto is their only caller.

/// Initialises `ctx` (from EVP_MAC_CTX_new on a fetched "HMAC") with `digest` ("SHA256", ...) and `key`.
/// Returns 1 on success, 0 on failure (details on the OpenSSL error queue).
static inline int inlet_hmac_init(EVP_MAC_CTX *ctx, const char *digest, const unsigned char *key, size_t keylen) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    // OpenSSL rejects a NULL key even when keylen is 0; an empty HMAC key is legal, so pass a dummy address.
    static const unsigned char empty = 0;
    return EVP_MAC_init(ctx, keylen == 0 ? &empty : key, keylen, params);
}

/// Re-initialises an HMAC context for a new message with the key it already holds (OpenSSL 3: NULL key = reuse).
static inline int inlet_hmac_reinit(EVP_MAC_CTX *ctx) {
    return EVP_MAC_init(ctx, NULL, 0, NULL);
}

/// Sets the GCM IV length (EVP_CIPHER_CTX_ctrl takes a void* argument Swift can call, but this keeps the intent clear).
static inline int inlet_gcm_set_ivlen(EVP_CIPHER_CTX *ctx, int ivlen) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, ivlen, NULL);
}
static inline int inlet_gcm_get_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int taglen) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, taglen, tag);
}
static inline int inlet_gcm_set_tag(EVP_CIPHER_CTX *ctx, const unsigned char *tag, int taglen) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, taglen, (void *)tag);
}
#endif
