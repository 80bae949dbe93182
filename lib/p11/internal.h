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

#endif
