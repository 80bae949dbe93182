/*
 * key.c — signed-note keys: key hashes, key generation, signer keys
 * (secret, in sodium_malloc'ed memory) and verifier keys.
 *
 *   verifier key: NAME+HHHHHHHH+BASE64(alg || public key[32])
 *   signer key:   PRIVATE+KEY+NAME+HHHHHHHH+BASE64(alg || Ed25519 seed[32])
 *
 * HHHHHHHH is the key hash, SHA-256(NAME || "\n" || alg || public key)[:4]
 * big-endian; both parsers recompute it and refuse a key whose hash does not
 * match, so a mangled key fails to load instead of failing every signature.
 * alg is 0x01 (Ed25519 note signatures) or 0x04 (tlog-cosignature/v1, the
 * same Ed25519 key used by a witness); the signer-key form with 0x04 is this
 * project's (Go's x/mod only defines 0x01 signer keys).
 */
#include <sodium.h>

#include "internal.h"
#include "tims/util.h"

#define SKEY_PREFIX "PRIVATE+KEY+"

uint32_t tims_note_keyhash(const char *name, uint8_t alg,
			   const uint8_t pub[TIMS_PUBKEY_BYTES])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name,
				  strlen(name));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pub, TIMS_PUBKEY_BYTES);
	crypto_hash_sha256_final(&st, h);
	return note_get_be32(h);
}

static int known_alg(unsigned alg)
{
	return alg == TIMS_KEY_ED25519 || alg == TIMS_KEY_COSIGNATURE_V1;
}

/* Parse "NAME+HHHHHHHH+BASE64" (the part after PRIVATE+KEY+ for signer keys)
 * into name, hash and the decoded key material (alg || 32 bytes). */
static tims_rc split_key(const char *s, const char *what,
			 char name[TIMS_NOTE_MAX_NAME + 1], uint32_t *hash,
			 uint8_t material[1 + 32], struct tims_err *err)
{
	const char *plus = strchr(s, '+'), *b64;
	size_t nlen, outlen = 0;
	uint8_t h[4];
	tims_rc rc;

	if (!plus)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: expected NAME+HASH+KEY", what);
	nlen = (size_t)(plus - s);
	if ((rc = tims_note_check_name(s, nlen, what, err)))
		return rc;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	if (strlen(plus + 1) < 9 || plus[9] != '+')
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: key hash must be 8 hex digits "
				    "followed by '+'", what);
	for (int i = 1; i <= 8; i++)
		if (!isxdigit((unsigned char)plus[i]))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: key hash must be 8 hex digits",
					    what);
	{
		char hex[9];

		memcpy(hex, plus + 1, 8);
		hex[8] = '\0';
		if (tims_hex_decode(hex, h, sizeof(h), what, err))
			return TIMS_ERR_INVALID;
	}
	*hash = note_get_be32(h);
	b64 = plus + 10;
	if (note_b64_decode(b64, strlen(b64), material, 1 + 32, &outlen) ||
	    outlen != 1 + 32)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: key is not base64 of 33 bytes "
				    "(algorithm and 32-byte key)", what);
	if (!known_alg(material[0]))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: unknown key algorithm 0x%02x", what,
				    material[0]);
	return TIMS_OK;
}

/* The ctx of a key-file signer: the Ed25519 secret key (seed || public). */
struct key_signer {
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

static tims_rc key_sign(void *ctx, const void *msg, size_t len,
			uint8_t sig[TIMS_SIG_BYTES])
{
	struct key_signer *k = ctx;

	if (crypto_sign_detached(sig, NULL, msg, len, k->sk) != 0)
		return TIMS_ERR_CRYPTO;
	return TIMS_OK;
}

static void key_free(void *ctx)
{
	sodium_free(ctx); /* wipes before unmapping */
}

tims_rc tims_signer_from_skey(const char *skey, struct tims_signer *out,
			      struct tims_err *err)
{
	uint8_t material[1 + 32];
	struct key_signer *k;
	uint32_t hash;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if (strncmp(skey, SKEY_PREFIX, strlen(SKEY_PREFIX)) != 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "signer key: does not start with "
				    "PRIVATE+KEY+");
	rc = split_key(skey + strlen(SKEY_PREFIX), "signer key", out->name,
		       &hash, material, err);
	if (rc)
		goto out;
	k = sodium_malloc(sizeof(*k));
	if (!k) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "signer key: out of "
				  "secure memory");
		goto out;
	}
	crypto_sign_seed_keypair(out->pub, k->sk, material + 1);
	out->alg = material[0];
	out->keyhash = tims_note_keyhash(out->name, out->alg, out->pub);
	if (out->keyhash != hash) {
		sodium_free(k);
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "signer key: key hash %08" PRIx32 " does not "
				  "match the key (%08" PRIx32 ")", hash,
				  out->keyhash);
		goto out;
	}
	out->ctx = k;
	out->sign = key_sign;
	out->free = key_free;
out:
	sodium_memzero(material, sizeof(material));
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

void tims_signer_release(struct tims_signer *s)
{
	if (!s)
		return;
	if (s->free && s->ctx)
		s->free(s->ctx);
	memset(s, 0, sizeof(*s));
}

void tims_signer_verifier(const struct tims_signer *s,
			  struct tims_verifier *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->name, s->name, sizeof(v->name));
	v->keyhash = s->keyhash;
	v->alg = s->alg;
	memcpy(v->pub, s->pub, TIMS_PUBKEY_BYTES);
}

tims_rc tims_verifier_parse(const char *vkey, struct tims_verifier *out,
			    struct tims_err *err)
{
	uint8_t material[1 + 32];
	uint32_t hash;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	rc = split_key(vkey, "verifier key", out->name, &hash, material, err);
	if (rc)
		return rc;
	out->alg = material[0];
	memcpy(out->pub, material + 1, TIMS_PUBKEY_BYTES);
	out->keyhash = tims_note_keyhash(out->name, out->alg, out->pub);
	if (out->keyhash != hash) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "verifier key: key hash %08" PRIx32 " does "
				  "not match the key (%08" PRIx32 ")", hash,
				  out->keyhash);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

tims_rc tims_verifier_format(const struct tims_verifier *v,
			     struct tims_buf *out)
{
	uint8_t material[1 + 32];
	tims_rc rc;

	if (tims_note_check_name(v->name, strlen(v->name), "verifier", NULL) ||
	    !known_alg(v->alg))
		return TIMS_ERR_INVALID;
	material[0] = v->alg;
	memcpy(material + 1, v->pub, TIMS_PUBKEY_BYTES);
	if ((rc = tims_buf_addf(out, "%s+%08" PRIx32 "+", v->name, v->keyhash)))
		return rc;
	return note_b64_add(out, material, sizeof(material));
}

tims_rc tims_note_keygen(const char *name, enum tims_key_alg alg, char **skey,
			 char **vkey, struct tims_err *err)
{
	struct tims_verifier v;
	struct tims_buf vb = TIMS_BUF_INIT(1024);
	uint8_t *secret = NULL; /* alg || seed, then the skey text */
	uint8_t pub[crypto_sign_PUBLICKEYBYTES];
	uint8_t *sk = NULL;
	size_t b64len, n;
	char *s = NULL;
	tims_rc rc;

	*skey = *vkey = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if ((rc = tims_note_check_name(name, strlen(name), "key name", err)))
		return rc;
	if (!known_alg(alg))
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "keygen: unknown algorithm %d", (int)alg);
	secret = sodium_malloc(1 + 32);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	b64len = sodium_base64_ENCODED_LEN(33, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(SKEY_PREFIX) + strlen(name) + 1 + 8 + 1 + b64len;
	s = sodium_malloc(n);
	if (!secret || !sk || !s) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "keygen: out of secure "
				  "memory");
		goto out;
	}
	secret[0] = (uint8_t)alg;
	randombytes_buf(secret + 1, 32);
	crypto_sign_seed_keypair(pub, sk, secret + 1);
	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "%s", name);
	v.alg = (uint8_t)alg;
	memcpy(v.pub, pub, sizeof(pub));
	v.keyhash = tims_note_keyhash(name, v.alg, pub);
	{
		int k = snprintf(s, n, SKEY_PREFIX "%s+%08" PRIx32 "+", name,
				 v.keyhash);

		sodium_bin2base64(s + k, n - (size_t)k, secret, 33,
				  sodium_base64_VARIANT_ORIGINAL);
	}
	if ((rc = tims_verifier_format(&v, &vb))) {
		rc = tims_err_set(err, rc, "keygen: formatting the verifier key");
		goto out;
	}
	*vkey = tims_buf_detach(&vb, NULL);
	if (!*vkey) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "keygen: out of memory");
		goto out;
	}
	*skey = s;
	s = NULL;
out:
	sodium_free(secret);
	sodium_free(sk);
	sodium_free(s);
	tims_buf_release(&vb);
	return rc;
}

void tims_note_free_secret(char *skey)
{
	sodium_free(skey); /* zeroes the whole allocation first */
}
