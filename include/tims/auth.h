/*
 * auth.h — how an officer proves who they are: password and second factor.
 *
 * Passwords are stored only as Argon2id strings (libsodium crypto_pwhash_str,
 * which embeds salt and cost, so costs can be raised later and old hashes
 * upgraded at the next login). The second factor is TOTP (RFC 6238: HMAC-SHA-1,
 * 6 digits, 30-second steps), accepting one step of clock drift either side
 * and refusing any step at or before the last one used, so a code seen over a
 * shoulder cannot be replayed. Repeated failures from one address for one
 * account are delayed, growing (tims_auth_lockout_seconds, used by
 * tims_officer_login_admit).
 *
 * Secrets: TOTP keys are handed in by the caller (the store keeps them); this
 * module never logs them; comparisons of codes are constant-time.
 */
#ifndef TIMS_AUTH_H
#define TIMS_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_PW_MIN 12            /* characters a password needs at least */
#define TIMS_PW_MAX 256           /* bytes: longer is refused, not truncated */
#define TIMS_PW_HASH_BYTES 128    /* room for an Argon2id string */
#define TIMS_TOTP_KEY_BYTES 20    /* RFC 4226 recommends 160 bits */
#define TIMS_TOTP_STEP 30
#define TIMS_TOTP_DIGITS 6
#define TIMS_TOTP_B32_BYTES 33    /* 32 base32 characters for 20 bytes + NUL */

/* Cost of a new hash: interactive for officers' logins (libsodium's levels). */
enum tims_pw_cost { TIMS_PW_COST_INTERACTIVE, TIMS_PW_COST_MODERATE, TIMS_PW_COST_TEST };

/* Check length and content rules; TIMS_ERR_INVALID saying which. */
TIMS_MUST_USE tims_rc tims_pw_check_policy(const char *password, struct tims_err *err);

/* Hash a password that passes the policy into out (a NUL-terminated string). */
tims_rc tims_pw_hash(const char *password, enum tims_pw_cost cost,
		     char out[TIMS_PW_HASH_BYTES], struct tims_err *err);

/* TIMS_OK if password matches stored, TIMS_ERR_AUTH if not. */
TIMS_MUST_USE tims_rc tims_pw_verify(const char *stored, const char *password,
		       struct tims_err *err);

/* A stored hash of `cost` for an id that does not exist: a login for it is
 * checked against this, so that it takes the time a known id's does. A
 * constant: the hash of a random password thrown away when it was made
 * (lib/auth/password.c); a login for an unknown id fails whatever it gives. */
const char *tims_pw_dummy(enum tims_pw_cost cost);

/* 1 if stored was made with a lower cost than `cost` (rehash after login). */
int tims_pw_needs_rehash(const char *stored, enum tims_pw_cost cost);

/* RFC 4226 HOTP value for counter, truncated to `digits` (6..8) digits. */
tims_rc tims_hotp(const uint8_t *key, size_t keylen, uint64_t counter,
		  unsigned digits, uint32_t *code, struct tims_err *err);

/*
 * Check a 6-digit TOTP code typed by the officer at time `now`. Accepts the
 * steps now-1, now, now+1 whose number is greater than *last_step (the last
 * step this officer used, 0 if none); on success *last_step is set to the
 * matched step, which the caller must store before answering (durably), so
 * a second use of the same code is refused as TIMS_ERR_REPLAY.
 */
TIMS_MUST_USE tims_rc tims_totp_check(const uint8_t *key, size_t keylen, const char *code,
			time_t now, uint64_t *last_step, struct tims_err *err);

/* A fresh random TOTP key. */
tims_rc tims_totp_keygen(uint8_t key[TIMS_TOTP_KEY_BYTES]);

/* RFC 4648 base32 (A–Z 2–7, no padding), as authenticator apps and oathtool take it. */
tims_rc tims_base32_encode(const uint8_t *in, size_t len, char *out,
			   size_t outlen);
/* Decode; spaces and lower case accepted, padding optional. */
tims_rc tims_base32_decode(const char *in, uint8_t *out, size_t outlen,
			   size_t *len, struct tims_err *err);

/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=... for enrolment QR codes. */
tims_rc tims_totp_uri(const char *issuer, const char *account,
		      const uint8_t *key, size_t keylen, struct tims_buf *out);

/*
 * Back-off: after `failures` consecutive failed logins (for one account from
 * one address), how many seconds must pass before the next attempt there is
 * even checked. 0 for the first
 * TIMS_AUTH_FREE_TRIES, then doubling from 30 s up to one hour.
 */
#define TIMS_AUTH_FREE_TRIES 5
unsigned tims_auth_lockout_seconds(unsigned failures);

/* Session tokens: 32 random bytes, base64url (43 characters) for the client;
 * only their SHA-256 is stored, so a copy of the database opens no session. */
#define TIMS_TOKEN_BYTES 32
#define TIMS_TOKEN_CHARS 44 /* 43 + NUL */
tims_rc tims_token_new(char token[TIMS_TOKEN_CHARS]);
tims_rc tims_token_digest(const char *token, uint8_t digest[32],
			  struct tims_err *err);

#endif
