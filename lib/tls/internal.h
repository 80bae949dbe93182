/*
 * internal.h — shared by lib/tls: the CA's private key, from a PEM file or
 * from a PKCS#11 token (p11key.c). Not a public header.
 */
#ifndef TIMS_TLS_INTERNAL_H
#define TIMS_TLS_INTERNAL_H

#include <gnutls/abstract.h>

#include "tims/err.h"

struct tls_ca_key {
	gnutls_privkey_t pk;
	char *pin;          /* sodium_malloc'ed, for GnuTLS's PIN callback */
};

/* ca_key: a PEM private key, or a pkcs11: URI with object= (one trailing
 * newline allowed). A token key signs in the token (GnuTLS's PKCS#11
 * support, the module added by path); TIMS_ERR_UNAVAILABLE when the token
 * cannot be reached. */
tims_rc tls_ca_key_load(const char *ca_key, struct tls_ca_key *k,
			struct tims_err *err);
void tls_ca_key_release(struct tls_ca_key *k);

/* path with its directory resolved (realpath) and its last name kept (a
 * link stays a link): what a signer request names, since the signer's
 * working directory is not this process's (lib/tls/caop.c). */
tims_rc tls_abs_path(const char *path, char *out, size_t cap, struct tims_err *err);

/* A key the signer process loads (ref: a pkcs11: URI with object=, or the
 * absolute path of a PEM key file) and signs with: *pk signs through it
 * (gnutls_privkey_import_ext4), *pub (if not NULL) is its public key. */
tims_rc tls_remote_key(const char *ref, gnutls_privkey_t *pk,
		       gnutls_pubkey_t *pub, struct tims_err *err);

#endif
