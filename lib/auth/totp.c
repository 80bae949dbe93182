/*
 * totp.c — one-time codes for the officer's second factor (RFC 4226, 6238),
 * base32 secrets as authenticator apps and oathtool take them, the lock-out
 * schedule, and session tokens.
 *
 * HMAC-SHA-1 comes from GnuTLS (libsodium has no SHA-1); SHA-1 is what RFC 6238
 * and every authenticator app use, and HOTP's security does not rest on SHA-1
 * collision resistance.
 */
#include <gnutls/crypto.h>
#include <sodium.h>

#include "tims/auth.h"

static const uint32_t pow10_table[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

tims_rc tims_hotp(const uint8_t *key, size_t keylen, uint64_t counter,
		  unsigned digits, uint32_t *code, struct tims_err *err)
{
	uint8_t msg[8], mac[20];
	unsigned off;
	uint32_t bin;

	if (digits < 6 || digits > 8)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "hotp: %u digits, 6 to 8 allowed", digits);
	if (!key || keylen == 0 || keylen > 64)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "hotp: key of %zu bytes, 1 to 64 allowed", keylen);
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA1, key, keylen, msg, sizeof(msg), mac) < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "hotp: HMAC-SHA-1 failed");
	off = mac[19] & 0x0f; /* RFC 4226 5.3 dynamic truncation */
	bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	      (uint32_t)mac[off + 2] << 8 | (uint32_t)mac[off + 3];
	*code = bin % pow10_table[digits];
	sodium_memzero(mac, sizeof(mac));
	return TIMS_OK;
}

tims_rc tims_totp_check(const uint8_t *key, size_t keylen, const char *code,
			time_t now, uint64_t *last_step, struct tims_err *err)
{
	char want[TIMS_TOTP_DIGITS + 1];
	uint64_t step, matched = 0;
	int any = 0, replay = 0;
	tims_rc rc;

	if (!code || strlen(code) != TIMS_TOTP_DIGITS)
		return tims_err_set(err, TIMS_ERR_AUTH,
				    "totp: a code has %d digits", TIMS_TOTP_DIGITS);
	for (int i = 0; i < TIMS_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return tims_err_set(err, TIMS_ERR_AUTH,
					    "totp: a code has digits only");
	if (now < TIMS_TOTP_STEP)
		return tims_err_set(err, TIMS_ERR_STATE, "totp: clock not set");
	step = (uint64_t)now / TIMS_TOTP_STEP;
	/* Check all three windows the same way; the timing says nothing useful. */
	for (uint64_t s = step - 1; s <= step + 1; s++) {
		uint32_t v;

		if ((rc = tims_hotp(key, keylen, s, TIMS_TOTP_DIGITS, &v, err)))
			return rc;
		snprintf(want, sizeof(want), "%06" PRIu32, v);
		if (sodium_memcmp(want, code, TIMS_TOTP_DIGITS) == 0) {
			if (s <= *last_step) {
				replay = 1;
			} else if (!any) {
				any = 1;
				matched = s;
			}
		}
	}
	sodium_memzero(want, sizeof(want));
	if (any) {
		*last_step = matched;
		return TIMS_OK;
	}
	if (replay)
		return tims_err_set(err, TIMS_ERR_REPLAY,
				    "totp: this code was already used");
	return tims_err_set(err, TIMS_ERR_AUTH, "totp: code does not match");
}

tims_rc tims_totp_keygen(uint8_t key[TIMS_TOTP_KEY_BYTES])
{
	if (sodium_init() < 0)
		return TIMS_ERR_CRYPTO;
	randombytes_buf(key, TIMS_TOTP_KEY_BYTES);
	return TIMS_OK;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

tims_rc tims_base32_encode(const uint8_t *in, size_t len, char *out,
			   size_t outlen)
{
	size_t need = (len * 8 + 4) / 5 + 1, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (outlen < need)
		return TIMS_ERR_TOOBIG;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return TIMS_OK;
}

tims_rc tims_base32_decode(const char *in, uint8_t *out, size_t outlen,
			   size_t *len, struct tims_err *err)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, pos = 0;

	for (const char *p = in; *p; p++, pos++) {
		char c = *p;
		const char *q;

		if (c == ' ' || c == '-')
			continue;
		if (c == '=')
			break;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		q = c ? strchr(b32, c) : NULL;
		if (!q)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "base32: '%c' at position %zu is not base32",
					    (*p >= 0x20 && *p < 0x7f) ? *p : '?', pos + 1);
		acc = (acc << 5) | (uint32_t)(q - b32);
		bits += 5;
		if (bits >= 8) {
			if (o >= outlen)
				return tims_err_set(err, TIMS_ERR_TOOBIG,
						    "base32: longer than %zu bytes", outlen);
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	*len = o;
	return TIMS_OK;
}

/* Percent-encode everything but unreserved characters (RFC 3986). */
static tims_rc add_escaped(struct tims_buf *out, const char *s)
{
	tims_rc rc = TIMS_OK;

	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			rc = tims_buf_addch(out, (char)c);
		else
			rc = tims_buf_addf(out, "%%%02X", c);
	}
	return rc;
}

tims_rc tims_totp_uri(const char *issuer, const char *account,
		      const uint8_t *key, size_t keylen, struct tims_buf *out)
{
	char secret[128];
	tims_rc rc;

	if ((rc = tims_base32_encode(key, keylen, secret, sizeof(secret))))
		return rc;
	if (!(rc = tims_buf_addstr(out, "otpauth://totp/")) &&
	    !(rc = add_escaped(out, issuer)) && !(rc = tims_buf_addch(out, ':')) &&
	    !(rc = add_escaped(out, account)) &&
	    !(rc = tims_buf_addf(out, "?secret=%s&issuer=", secret)) &&
	    !(rc = add_escaped(out, issuer)))
		rc = tims_buf_addstr(out, "&algorithm=SHA1&digits=6&period=30");
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

unsigned tims_auth_lockout_seconds(unsigned failures)
{
	unsigned n;

	if (failures < TIMS_AUTH_FREE_TRIES)
		return 0;
	n = failures - TIMS_AUTH_FREE_TRIES;
	if (n >= 7)
		return 3600;
	return 30u << n > 3600 ? 3600 : 30u << n;
}

tims_rc tims_token_new(char token[TIMS_TOKEN_CHARS])
{
	uint8_t raw[TIMS_TOKEN_BYTES];

	if (sodium_init() < 0)
		return TIMS_ERR_CRYPTO;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, TIMS_TOKEN_CHARS, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return TIMS_OK;
}

tims_rc tims_token_digest(const char *token, uint8_t digest[32],
			  struct tims_err *err)
{
	size_t n = token ? strnlen(token, TIMS_TOKEN_CHARS) : 0;

	if (n != TIMS_TOKEN_CHARS - 1)
		return tims_err_set(err, TIMS_ERR_AUTH, "session token: wrong length");
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)token[i]) && token[i] != '-' &&
		    token[i] != '_')
			return tims_err_set(err, TIMS_ERR_AUTH,
					    "session token: not base64url");
	crypto_hash_sha256(digest, (const unsigned char *)token, n);
	return TIMS_OK;
}
