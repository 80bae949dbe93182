/*
 * vault.h — personal data at rest: sealed payloads, blind indexes, and the
 * keys behind them (one vault per node directory: post, centre).
 *
 * Key hierarchy:
 *   KEK        AES-256 key in a PKCS#11 token (tims_p11), label in
 *              DIR/vault.conf; its bytes never leave the token.
 *   intake     an X25519 key pair: the public half in DIR/vault.conf, the
 *              secret half wrapped by the KEK (AES-GCM in the token) in
 *              DIR/keys.db.
 *   index key  32 bytes wrapped by the KEK in keys.db: keyed BLAKE2b blind
 *              indexes for equality lookups (document number, person key).
 *   secrets    32 bytes wrapped by the KEK in keys.db: officers' TOTP
 *              secrets (replaces the old DIR/store.key file).
 *   data keys  XChaCha20-Poly1305 keys, one per writer process and month of
 *              the sealed record's time ("epoch"), each sealed to the intake
 *              public key (crypto_box_seal) in keys.db.
 *
 * A writer makes its data key itself, so sealing never needs the token: a
 * post whose token is absent still stores crossings durably (sealed). Opening
 * a sealed blob and computing a blind index need the token (at open, or when
 * it returns: tims_vault_retry). A copied directory without the token opens
 * nothing: keys.db holds only wrapped and sealed keys.
 *
 * Crypto-shredding: tims_vault_shred_before destroys the data keys of whole
 * epochs (secure_delete), after retention has erased their records; every
 * copy of a blob sealed under such a key (a backup, a copied directory) is
 * then unreadable even with the token.
 *
 * DIR/vault.conf (text, mode 0600, no secret):
 *   tims-vault 1
 *   token pkcs11:token=...?module-path=...&pin-source=...
 *   kek LABEL
 *   intake BASE64(X25519 public key)
 *
 * Blob format (TIMS_VAULT_OVERHEAD bytes more than the plaintext):
 *   "TV1" || data key id[8] || nonce[24] || XChaCha20-Poly1305(ad, pt)
 * The caller's associated data binds a blob to its place: use
 * "STORE/TABLE/KEY" (e.g. "post.records/17"), so a blob moved to another row
 * does not open.
 *
 * A vault handle is thread-safe.
 */
#ifndef TIMS_VAULT_H
#define TIMS_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_VAULT_OVERHEAD (3 + 8 + 24 + 16)
#define TIMS_VAULT_BLIND_BYTES 32
#define TIMS_VAULT_BLIND_HEX (2 * TIMS_VAULT_BLIND_BYTES + 1)
#define TIMS_VAULT_KEY_BYTES 32

struct tims_vault;

enum tims_vault_state {
	TIMS_VAULT_OPEN = 0,      /* token reached: seal, open, blind */
	TIMS_VAULT_SEAL_ONLY = 1, /* token unavailable: seal only */
};

/*
 * Make the vault of a new node in dir: vault.conf, keys.db, a new KEK in
 * the token (label "tims-kek-" + 16 random hex digits), the intake pair,
 * index and secrets keys. token_uri NULL: the environment's TIMS_TOKEN
 * (TIMS_ERR_USAGE naming both when neither is given). TIMS_ERR_EXISTS if
 * dir already has a vault; TIMS_ERR_UNAVAILABLE if the token cannot be
 * reached (nothing is left behind).
 */
tims_rc tims_vault_create(const char *dir, const char *token_uri,
			  struct tims_err *err);

/*
 * Open dir's vault. TIMS_ERR_NOTFOUND when dir has none. When the token
 * cannot be reached the vault still opens, in TIMS_VAULT_SEAL_ONLY, with
 * the reason in tims_vault_why(); a caller that must read fails closed.
 */
tims_rc tims_vault_open(const char *dir, struct tims_vault **out,
			struct tims_err *err);
void tims_vault_close(struct tims_vault *v);

enum tims_vault_state tims_vault_state(const struct tims_vault *v);
/* Why the token is unavailable ("" when open): a copy of this thread's,
 * valid until its next call. */
const char *tims_vault_why(const struct tims_vault *v);
/* Try the token again; TIMS_OK once the vault is TIMS_VAULT_OPEN. */
tims_rc tims_vault_retry(struct tims_vault *v, struct tims_err *err);

/* Seal pt under the data key of time_ms's month (UTC), made on first use;
 * the blob is appended to out. Works in either state. */
tims_rc tims_vault_seal(struct tims_vault *v, int64_t time_ms,
			const void *ad, size_t adlen, const void *pt,
			size_t len, struct tims_buf *out, struct tims_err *err);

/* Open a blob (plaintext appended to out). TIMS_ERR_UNAVAILABLE in
 * SEAL_ONLY (unless the key is one this handle made); TIMS_ERR_NOTFOUND
 * when its data key was shredded; TIMS_ERR_TAMPER when it does not verify
 * (wrong ad, altered bytes); TIMS_ERR_INVALID when it is not a blob. */
TIMS_MUST_USE tims_rc tims_vault_open_blob(struct tims_vault *v, const void *ad,
					   size_t adlen, const void *blob,
					   size_t len, struct tims_buf *out,
					   struct tims_err *err);

/* Whether bytes start like a blob (for stores migrated from plaintext). */
int tims_vault_is_blob(const void *blob, size_t len);

/* Keyed BLAKE2b(index key, domain || 0x00 || value): the same value in the
 * same domain gives the same index in this vault only. TIMS_ERR_UNAVAILABLE
 * in SEAL_ONLY. The hex form is lower case, NUL-terminated. */
TIMS_MUST_USE tims_rc tims_vault_blind(struct tims_vault *v, const char *domain,
				       const void *value, size_t len,
				       uint8_t out[TIMS_VAULT_BLIND_BYTES],
				       struct tims_err *err);
TIMS_MUST_USE tims_rc tims_vault_blind_hex(struct tims_vault *v, const char *domain,
					   const void *value, size_t len,
					   char out[TIMS_VAULT_BLIND_HEX],
					   struct tims_err *err);

/* The secrets key (officers' TOTP secrets); TIMS_ERR_UNAVAILABLE in
 * SEAL_ONLY. The caller wipes it (sodium_memzero). */
tims_rc tims_vault_secrets_key(struct tims_vault *v,
			       uint8_t out[TIMS_VAULT_KEY_BYTES],
			       struct tims_err *err);

/* Destroy the data keys of every epoch that ended before cutoff_ms, but
 * the epoch of time 0 (January 1970: what has no retention period, sealed
 * with time_ms 0, e.g. watchlist entries); *shredded gets how many keys
 * were destroyed. keys.db uses secure_delete and is vacuumed afterwards.
 * Retention calls it with the time of the oldest sealed item it keeps. */
tims_rc tims_vault_shred_before(struct tims_vault *v, int64_t cutoff_ms,
				unsigned *shredded, struct tims_err *err);

/* Re-wrap the intake secret, index and secrets keys under a new KEK, then
 * destroy the old KEK in the token: copies of keys.db taken before no longer
 * open. Needs TIMS_VAULT_OPEN. */
tims_rc tims_vault_rotate_kek(struct tims_vault *v, struct tims_err *err);

#endif
