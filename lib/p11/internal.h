/*
 * internal.h — shared by lib/p11: the parsed URI. Not a public header.
 */
#ifndef TIMS_P11_INTERNAL_H
#define TIMS_P11_INTERNAL_H

#include <limits.h>

#include "tims/p11.h"

#define P11_PIN_MAX 256        /* longest PIN read from pin-source or pin-value */
#define P11_PIN_FILE_MAX 4096  /* a pin-source file larger than this is refused */

struct p11_uri {
	char token[33];                          /* CK_TOKEN_INFO.label is 32 bytes */
	char object[TIMS_P11_LABEL_MAX + 1];
	char module[PATH_MAX];
	char pin_source[PATH_MAX];
	char pin_value[P11_PIN_MAX + 1];         /* wiped by whoever holds it */
	char display[TIMS_P11_URI_MAX + 1];      /* without pin-value */
};

/* Parse a pkcs11: URI (see uri.c). On error the PIN is wiped. */
tims_rc p11_uri_parse(const char *uri, struct p11_uri *u, struct tims_err *err);

/* The token itself, in this process (p11.c): what tims_p11_* do when no
 * signer runs, and what the signer process does for its requests. */
struct p11_local;
tims_rc p11_local_open(const char *uri, struct p11_local **out,
		       struct tims_err *err);
void p11_local_close(struct p11_local *p);
const char *p11_local_uri_display(const struct p11_local *p);
const char *p11_local_object(const struct p11_local *p);
tims_rc p11_local_aes_generate(struct p11_local *p, const char *label,
			       struct tims_err *err);
tims_rc p11_local_aes_encrypt(struct p11_local *p, const char *label,
			      const void *ad, size_t adlen, const void *pt,
			      size_t len, struct tims_buf *out,
			      struct tims_err *err);
tims_rc p11_local_aes_decrypt(struct p11_local *p, const char *label,
			      const void *ad, size_t adlen, const void *blob,
			      size_t len, struct tims_buf *out,
			      struct tims_err *err);
tims_rc p11_local_ed25519_generate(struct p11_local *p, const char *label,
				   uint8_t pub[32], struct tims_err *err);
tims_rc p11_local_ed25519_public(struct p11_local *p, const char *label,
				 uint8_t pub[32], struct tims_err *err);
tims_rc p11_local_ed25519_sign(struct p11_local *p, const char *label,
			       const void *msg, size_t len, uint8_t sig[64],
			       struct tims_err *err);
tims_rc p11_local_ecdsa_p256_generate(struct p11_local *p, const char *label,
				      struct tims_err *err);
tims_rc p11_local_destroy(struct p11_local *p, const char *label,
			  struct tims_err *err);
int p11_local_exists(struct p11_local *p, const char *label,
		     struct tims_err *err);

#endif
