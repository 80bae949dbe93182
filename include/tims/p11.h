/*
 * p11.h — keys in a PKCS#11 token (direct Cryptoki, through p11-kit's
 * pkcs11.h; the module is dlopen'ed by path).
 *
 * A token is named by a PKCS#11 URI (RFC 7512):
 *   pkcs11:token=LABEL?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/path/to/pin
 * Query attributes read: module-path (required), pin-source (a file holding
 * the user PIN; its first line is used) or pin-value. Path attributes read:
 * token (the token label, required), object (a key label, where a call
 * takes one from the URI). Anything else is refused, naming the attribute.
 *
 * Keys are found by CKA_LABEL. Secret keys are made CKA_TOKEN, CKA_PRIVATE,
 * CKA_SENSITIVE, not CKA_EXTRACTABLE: their bytes never leave the token.
 *
 * Every call that reaches the token returns TIMS_ERR_UNAVAILABLE when the
 * module cannot be loaded, the token is absent, the PIN is refused or
 * missing, or the token stops answering (CKR_DEVICE_*, CKR_TOKEN_*,
 * CKR_SESSION_*, CKR_PIN_*); the handle then tries to reopen its session on
 * the next call, so a token that returns is used again without a restart.
 * A handle is thread-safe (one session, one mutex). The module is
 * initialised once per process (reference-counted across handles).
 *
 * In a process that started a signer (tims/signer.h: the daemons), every
 * call here is a request to the signer process, which alone loads the
 * module and reads the PIN; results and codes are the same, a signer that
 * died or does not answer is TIMS_ERR_UNAVAILABLE, and one AES-GCM input
 * is then bounded by the signer's message size (TIMS_SIGNER_MSG_MAX, less
 * its framing) instead of 64 MiB.
 */
#ifndef TIMS_P11_H
#define TIMS_P11_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_P11_URI_MAX 1024
#define TIMS_P11_LABEL_MAX 64

struct tims_p11;

/* Open a session on the token the URI names and log in as user. Fails
 * (TIMS_ERR_UNAVAILABLE, with the reason) when the token cannot be reached;
 * TIMS_ERR_INVALID for a malformed URI. */
TIMS_MUST_USE tims_rc tims_p11_open(const char *uri, struct tims_p11 **out,
				    struct tims_err *err);
void tims_p11_close(struct tims_p11 *p);

/* The URI without pin-value (for logs and status): never prints a PIN. */
const char *tims_p11_uri_display(const struct tims_p11 *p);

/* The URI's object= (a key label), "" when it has none. */
const char *tims_p11_object(const struct tims_p11 *p);

/* A new AES-256 key-encryption key under label (TIMS_ERR_EXISTS if one is
 * there). */
tims_rc tims_p11_aes_generate(struct tims_p11 *p, const char *label,
			      struct tims_err *err);
/* AES-256-GCM in the token: out gets IV[12] || ciphertext || tag[16]. */
tims_rc tims_p11_aes_encrypt(struct tims_p11 *p, const char *label,
			     const void *ad, size_t adlen, const void *pt,
			     size_t len, struct tims_buf *out,
			     struct tims_err *err);
/* The inverse; TIMS_ERR_TAMPER when the tag does not verify. */
TIMS_MUST_USE tims_rc tims_p11_aes_decrypt(struct tims_p11 *p, const char *label,
					   const void *ad, size_t adlen,
					   const void *blob, size_t len,
					   struct tims_buf *out,
					   struct tims_err *err);

/* Ed25519 (CKK_EC_EDWARDS, CKM_EDDSA) key pairs: the private key is made in
 * the token and never leaves it. */
tims_rc tims_p11_ed25519_generate(struct tims_p11 *p, const char *label,
				  uint8_t pub[32], struct tims_err *err);
tims_rc tims_p11_ed25519_public(struct tims_p11 *p, const char *label,
				uint8_t pub[32], struct tims_err *err);
TIMS_MUST_USE tims_rc tims_p11_ed25519_sign(struct tims_p11 *p, const char *label,
					    const void *msg, size_t len,
					    uint8_t sig[64], struct tims_err *err);

/* An ECDSA P-256 key pair (CKM_EC_KEY_PAIR_GEN), private half sensitive and
 * not extractable, for a key GnuTLS uses through its own PKCS#11 support
 * (the centre's TLS CA: lib/tls). */
tims_rc tims_p11_ecdsa_p256_generate(struct tims_p11 *p, const char *label,
				     struct tims_err *err);

/* For a library that speaks PKCS#11 itself (GnuTLS): from a URI with
 * object=, the module path, the PIN (read as tims_p11_open reads it; pin
 * needs TIMS_P11_PIN_BUF bytes, sodium_malloc'ed, wiped by the caller) and
 * "pkcs11:token=T;object=L;type=private" in url. */
#define TIMS_P11_PIN_BUF 257
tims_rc tims_p11_uri_parts(const char *uri, char *module, size_t mlen,
			   char *pin, size_t pinlen, char *url, size_t ulen,
			   struct tims_err *err);

/* The files a URI names, for a sandbox's rules, reading none of them and
 * no PIN: module-path into module and pin-source (a file: URI made a path)
 * into pin_source, each "" when absent. uri is [uri, uri + len), not
 * NUL-terminated. TIMS_ERR_INVALID for a malformed URI, TIMS_ERR_TOOBIG
 * when a path does not fit. Works with or without a signer. */
tims_rc tims_p11_uri_paths(const char *uri, size_t len, char *module, size_t mlen,
			   char *pin_source, size_t plen, struct tims_err *err);

/* Whether a pkcs11: URI (up to its first line end) names the centre's CA
 * key or no object at all (1): its object label, percent-decoded, empty
 * or beginning "tims-ca-" (the labels make_ca and a rollover give). 0 for
 * any other label, and for a URI that does not parse (it opens nothing).
 * The signer refuses such a key for raw TLS signatures. */
int tims_p11_uri_names_ca(const char *uri);

/* Destroy every object with this label (TIMS_ERR_NOTFOUND if none). */
tims_rc tims_p11_destroy(struct tims_p11 *p, const char *label,
			 struct tims_err *err);

/* Whether an object with this label exists (1), not (0); -1 on error. */
int tims_p11_exists(struct tims_p11 *p, const char *label,
		    struct tims_err *err);

#endif
