/*
 * note.h — C2SP signed notes, checkpoints and cosignatures.
 *
 * signed-note (c2sp.org/signed-note): a UTF-8 text ending in "\n", a blank
 * line, then one line per signature: "— NAME BASE64(keyhash[4] || sig)\n".
 * Ed25519 keys (algorithm 0x01); key hash = first 4 bytes of
 * SHA-256(NAME || "\n" || 0x01 || public key), big-endian.
 *   verifier key: "NAME+HHHHHHHH+BASE64(0x01 || pub[32])"
 *   signer key:   "PRIVATE+KEY+NAME+HHHHHHHH+BASE64(0x01 || seed[32])"
 *
 * tlog-checkpoint (c2sp.org/tlog-checkpoint): body "ORIGIN\nSIZE\nBASE64(root)\n"
 * plus optional extension lines, inside a signed note.
 *
 * tlog-cosignature (c2sp.org/tlog-cosignature): a witness's Ed25519 key with
 * algorithm 0x04; it signs "cosignature/v1\ntime T\n" || checkpoint body, and
 * its note signature is keyhash[4] || T (8 bytes big-endian) || sig[64].
 *
 * Signing goes through struct tims_signer so that a key in a file can later be
 * replaced by a PKCS#11 token: the log code never sees a secret key.
 * Secrets live in sodium_malloc'ed memory and are wiped on free.
 */
#ifndef TIMS_NOTE_H
#define TIMS_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/tlog.h"

#define TIMS_NOTE_MAX_NAME 128     /* key and origin names */
#define TIMS_NOTE_MAX_BYTES 65536  /* a whole note */
#define TIMS_NOTE_MAX_SIGS 32      /* signature lines read from one note */
#define TIMS_SIG_BYTES 64
#define TIMS_PUBKEY_BYTES 32

enum tims_key_alg {
	TIMS_KEY_ED25519 = 0x01,
	TIMS_KEY_COSIGNATURE_V1 = 0x04,
};

/* A public key that can check note signatures (plain data). */
struct tims_verifier {
	char name[TIMS_NOTE_MAX_NAME + 1];
	uint32_t keyhash;
	uint8_t alg;                 /* enum tims_key_alg */
	uint8_t pub[TIMS_PUBKEY_BYTES];
};

/* Anything that can sign (opaque to its user: a key file, later PKCS#11). */
struct tims_signer {
	char name[TIMS_NOTE_MAX_NAME + 1];
	uint32_t keyhash;
	uint8_t alg;
	uint8_t pub[TIMS_PUBKEY_BYTES];
	void *ctx;
	tims_rc (*sign)(void *ctx, const void *msg, size_t len,
			uint8_t sig[TIMS_SIG_BYTES]);
	void (*free)(void *ctx);
};

/* Make a new Ed25519 key pair; *vkey is a malloc'ed string (free()), *skey
 * lives in sodium_malloc'ed memory and is wiped and freed by the caller with
 * tims_note_free_secret(). With TIMS_KEY_COSIGNATURE_V1 both keys carry
 * algorithm byte 0x04 (a witness key; the key hash differs from the 0x01
 * key hash of the same public key). */
tims_rc tims_note_keygen(const char *name, enum tims_key_alg alg, char **skey,
			 char **vkey, struct tims_err *err);
void tims_note_free_secret(char *skey);

/* A signer from a signer-key string ("PRIVATE+KEY+..."), exactly, with no
 * trailing newline. The key hash is checked against the key. The secret is
 * kept in sodium_malloc'ed memory; tims_signer_release() wipes it. */
tims_rc tims_signer_from_skey(const char *skey, struct tims_signer *out,
			      struct tims_err *err);
void tims_signer_release(struct tims_signer *s);

/*
 * A signer from a key file, whichever kind it holds:
 *   "PRIVATE+KEY+NAME+HHHHHHHH+BASE64(alg || seed)"  a key in the file
 *     (tims_signer_from_skey);
 *   "PKCS11+KEY+NAME+HHHHHHHH+ALG+pkcs11:...;object=LABEL?..."  a key in a
 *     PKCS#11 token (tims_p11): ALG is 01 or 04 (hex), the private key never
 *     leaves the token, the key hash is checked against the public key the
 *     token reports.
 * One trailing newline is allowed. TIMS_ERR_UNAVAILABLE when the token
 * cannot be reached; signing through the signer then fails with
 * TIMS_ERR_UNAVAILABLE until it returns (the signer reopens its session).
 */
tims_rc tims_signer_load(const char *path, struct tims_signer *out,
			 struct tims_err *err);

/* Whether the signer's key lives in a PKCS#11 token (tims_signer_load of a
 * PKCS11+KEY reference). */
int tims_signer_in_token(const struct tims_signer *s);

/* Why the signer's last sign() failed, into buf ("" when it did not, or when
 * the signer keeps no reason: a key in a file fails only on a bug). For a
 * token key this names the CKR ("C_Login: CKR_PIN_INCORRECT"), never a PIN. */
void tims_signer_why(const struct tims_signer *s, char *buf, size_t n);

/* A new key pair for NAME: with token NULL, tims_note_keygen (the secret in
 * *skey); otherwise an Ed25519 pair made in the PKCS#11 token `token` (a
 * URI without object=) under `label` (TIMS_ERR_EXISTS if taken), and *skey
 * is its PKCS11+KEY reference line (secure memory, may hold a pin-value;
 * tims_note_free_secret). *vkey as for tims_note_keygen. On failure nothing
 * is left in the token. */
tims_rc tims_note_keygen_in(const char *token, const char *label,
			    const char *name, enum tims_key_alg alg,
			    char **skey, char **vkey, struct tims_err *err);

/* A fresh token key label "tims-ROLE-<16 hex>" for a node's own key: unique
 * per node even when several nodes share one token. */
tims_rc tims_note_key_label(const char *role, char *out, size_t n,
			    struct tims_err *err);

/* Append the reference line for a key in a token to out:
 * "PKCS11+KEY+NAME+HHHHHHHH+AA+" then `uri` (a token URI without object=)
 * with ";object=LABEL" added to its path. The key hash is computed from
 * name, alg and pub (the public key the token made). */
tims_rc tims_signer_reference(const char *name, uint8_t alg,
			      const uint8_t pub[TIMS_PUBKEY_BYTES],
			      const char *uri, const char *label,
			      struct tims_buf *out, struct tims_err *err);

/* The public half of a signer, as a verifier. */
void tims_signer_verifier(const struct tims_signer *s,
			  struct tims_verifier *v);

/* SHA-256(name || "\n" || alg || pub)[:4], big-endian (for a signer that is
 * not built from a key string, e.g. a PKCS#11 token). */
uint32_t tims_note_keyhash(const char *name, uint8_t alg,
			   const uint8_t pub[TIMS_PUBKEY_BYTES]);

/* A key name (or origin) of `len` bytes: non-empty, at most
 * TIMS_NOTE_MAX_NAME bytes, UTF-8, no Unicode space, no '+', no control
 * character. `what` prefixes the message. */
TIMS_MUST_USE tims_rc tims_note_check_name(const char *name, size_t len, const char *what,
			     struct tims_err *err);

/* Parse a verifier key string (algorithm 0x01 or 0x04), exactly; the key
 * hash is checked against the key. */
tims_rc tims_verifier_parse(const char *vkey, struct tims_verifier *out,
			    struct tims_err *err);
/* Format a verifier key string (appended to out). */
tims_rc tims_verifier_format(const struct tims_verifier *v,
			     struct tims_buf *out);

/*
 * text + "\n" + one signature line per signer, appended to out (nothing is
 * appended on error). The text must be valid UTF-8 without control
 * characters other than "\n", and end in "\n"; it may contain blank lines.
 * A cosigner (alg 0x04) in signers cosigns at the current time, which
 * requires text to be a checkpoint (see tims_cosign).
 */
tims_rc tims_note_sign(const char *text, size_t len,
		       const struct tims_signer *signers, size_t nsigners,
		       struct tims_buf *out, struct tims_err *err);

/* A parsed note: the text and its signature lines (not yet verified).
 * sig[] holds the signature bytes after the key hash when they fit (Ed25519
 * 64, cosignature 72); a longer signature from an unknown algorithm keeps
 * only its length, and never verifies against a known key. */
struct tims_note_sig {
	char name[TIMS_NOTE_MAX_NAME + 1];
	uint32_t keyhash;
	uint8_t sig[8 + TIMS_SIG_BYTES]; /* cosignatures carry a timestamp */
	size_t siglen;
};

struct tims_note {
	const char *text;  /* points into the caller's note; ends in "\n" */
	size_t textlen;
	struct tims_note_sig sigs[TIMS_NOTE_MAX_SIGS];
	size_t nsigs;
	/* after tims_note_verify: which of the given verifiers signed */
	uint64_t verified_mask; /* bit i: verifiers[i] signed */
	uint64_t cosigned_time[TIMS_NOTE_MAX_SIGS]; /* per verifier, alg 0x04 */
};

/* Parse only (bounded, strict): TIMS_ERR_INVALID naming the line and reason;
 * TIMS_ERR_TOOBIG past TIMS_NOTE_MAX_BYTES. At most TIMS_NOTE_MAX_SIGS
 * signature lines, each signature at most 5000 bytes. */
tims_rc tims_note_parse(const char *note, size_t len, struct tims_note *out,
			struct tims_err *err);

/*
 * Parse and check signatures against the known verifiers. Unknown signers are
 * ignored (as the spec says); a known key whose signature fails is an error
 * (TIMS_ERR_SIGNATURE naming the key). Succeeds only if at least one known
 * verifier signed. Every line from a known key is checked, duplicates too.
 * At most TIMS_NOTE_MAX_SIGS verifiers (bits of verified_mask, slots of
 * cosigned_time: the latest time when a cosigner signed twice). Two
 * different keys with the same name and hash are refused as ambiguous.
 */
TIMS_MUST_USE tims_rc tims_note_verify(const char *note, size_t len,
			 const struct tims_verifier *verifiers, size_t nv,
			 struct tims_note *out, struct tims_err *err);

/* tlog-checkpoint body. */
struct tims_checkpoint {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	uint64_t size;
	tims_hash root;
};

TIMS_MUST_USE tims_rc tims_checkpoint_format(const struct tims_checkpoint *c,
			       struct tims_buf *out);
/* Parse a checkpoint body (the text of a note); extensions are checked to be
 * non-empty lines and otherwise ignored. TIMS_ERR_INVALID names the line:
 * "checkpoint line 2 (size): leading zero". tims_checkpoint_format appends
 * "ORIGIN\nSIZE\nBASE64(root)\n" (TIMS_ERR_INVALID for a bad origin). */
TIMS_MUST_USE tims_rc tims_checkpoint_parse(const char *text, size_t len,
			      struct tims_checkpoint *out,
			      struct tims_err *err);

/* Append a witness's cosignature line "— NAME BASE64(...)\n" over checkpoint
 * `body` at time t (<= 2^63-1) to sigline. The witness must be a 0x04 key;
 * body must parse as a checkpoint (a witness never signs other text). */
tims_rc tims_cosign(const struct tims_signer *witness, const char *body,
		    size_t len, uint64_t t, struct tims_buf *sigline,
		    struct tims_err *err);

#endif
