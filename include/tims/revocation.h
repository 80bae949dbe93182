/*
 * revocation.h — the centre's signed revocation list (docs/keys.md,
 * "Certificates and revocation").
 *
 * One document says, at one version, what every node must refuse: posts
 * (by origin), witnesses (by the SHA-256 of their verifier key), signing
 * keys (the same hash: a post's, the centre's bundle or cosigner key, any
 * note key) and TLS certificates (serials), and which CA certificates to
 * trust (the channel by which posts learn a new CA during a rollover).
 *
 * It travels like a bundle: {"note": SIGNED_NOTE, "payload": JSON}, the
 * note signed by the centre's bundle key (NAME/bundles), which every post
 * pins at enrolment and a witness pins once (docs/keys.md says why that
 * key and not one of its own). The version only grows: a holder keeps the
 * newest it has verified and refuses an older one (a replay), so a node
 * offline since still refuses what was revoked when it last heard.
 *
 *   tims revocations v1
 *   centre NAME
 *   version N
 *   time T
 *   sha256 HEX        (of the payload as sent)
 *
 * payload: {"posts": [ORIGIN...], "witnesses": [HEX...], "keys": [HEX...],
 *           "certs": [SERIAL_HEX...], "cas": [PEM...]}, nothing else.
 */
#ifndef TIMS_REVOCATION_H
#define TIMS_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/note.h"
#include "tims/tls.h"

#define TIMS_REVOCATION_MAX (8u << 20)     /* the whole document */
#define TIMS_REVOCATION_ENTRIES 65536      /* per kind */
#define TIMS_REVOCATION_CAS 4

struct tims_revocation {
	char centre[TIMS_NOTE_MAX_NAME + 1];
	uint64_t version;
	int64_t time_s;
	char (*posts)[TIMS_NOTE_MAX_NAME + 1];
	size_t nposts;
	uint8_t (*witnesses)[32];
	size_t nwitnesses;
	uint8_t (*keys)[32];
	size_t nkeys;
	struct tims_tls_serial *certs;
	size_t ncerts;
	char *cas[TIMS_REVOCATION_CAS]; /* PEM, NUL-terminated */
	size_t ncas;
};

void tims_revocation_init(struct tims_revocation *r);
void tims_revocation_release(struct tims_revocation *r);

/* Add entries (the centre building a list). */
tims_rc tims_revocation_add_post(struct tims_revocation *r, const char *origin,
				 struct tims_err *err);
tims_rc tims_revocation_add_hash(struct tims_revocation *r, int witness,
				 const uint8_t hash[32], struct tims_err *err);
tims_rc tims_revocation_add_cert(struct tims_revocation *r, const uint8_t *serial,
				 size_t len, struct tims_err *err);
tims_rc tims_revocation_add_ca(struct tims_revocation *r, const char *pem,
			       struct tims_err *err);

/* Sign r (its centre, version, entries; time = now) with the bundle key;
 * the envelope is appended to out. */
tims_rc tims_revocation_sign(const struct tims_revocation *r,
			     const struct tims_signer *bundle_key,
			     struct tims_buf *out, struct tims_err *err);

/*
 * Open a list: the envelope strictly, the note signed by key, made by
 * centre (NULL: any name, the one signed), the payload the one signed and
 * well formed. TIMS_ERR_SIGNATURE / TIMS_ERR_TAMPER / TIMS_ERR_INVALID.
 */
tims_rc tims_revocation_open(const char *json, size_t len, const struct tims_verifier *key,
			     const char *centre, struct tims_revocation *out,
			     struct tims_err *err);

/*
 * Keep a list at path if it opens and is not older than the one held
 * there: TIMS_OK (*kept 1 if it replaced the file, 0 if the same version
 * was held), TIMS_ERR_STATE "older than the one held" for a replay. The
 * file is replaced atomically.
 */
tims_rc tims_revocation_keep(const char *path, const char *json, size_t len,
			     const struct tims_verifier *key, const char *centre,
			     int *kept, struct tims_revocation *out, struct tims_err *err);

/* The list held at path; TIMS_ERR_NOTFOUND if none. */
tims_rc tims_revocation_load(const char *path, const struct tims_verifier *key,
			     const char *centre, struct tims_revocation *out,
			     struct tims_err *err);

/* SHA-256 of a verifier key as its string ("NAME+HASH+BASE64"). */
tims_rc tims_revocation_key_hash(const struct tims_verifier *v, uint8_t out[32],
				 struct tims_err *err);

int tims_revocation_post_revoked(const struct tims_revocation *r, const char *origin);
/* witness: a witness entry or a key entry matches */
int tims_revocation_key_revoked(const struct tims_revocation *r, const uint8_t hash[32],
				int witness);
int tims_revocation_verifier_revoked(const struct tims_revocation *r,
				     const struct tims_verifier *v, int witness);
int tims_revocation_cert_revoked(const struct tims_revocation *r, const uint8_t *serial,
				 size_t len);

#endif
