/*
 * aa.c — active authentication of an e-passport chip (ICAO Doc 9303 Part
 * 11, section 6.1): the chip proves it holds the private key whose public
 * half is in DG15, by signing a challenge of the terminal. Passive
 * authentication proves the files are the issuer's; only this proves the
 * chip is not a copy of them.
 *
 * RSA keys only: the answer is an ISO/IEC 9796-2 digital signature scheme 1
 * signature with partial message recovery. ECDSA active authentication
 * (its hash named in DG14) is not done and says so.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tims/epass_chip.h"

#define AA_SIG_MAX 512 /* RSA-4096 */

/* ISO/IEC 10118-3 hash identifiers in a 9796-2 trailer "xx CC". */
static const EVP_MD *trailer_md(uint8_t id, size_t *hl)
{
	const EVP_MD *md = NULL;

	switch (id) {
	case 0x33: md = EVP_sha1(); break;
	case 0x38: md = EVP_sha224(); break;
	case 0x34: md = EVP_sha256(); break;
	case 0x36: md = EVP_sha384(); break;
	case 0x35: md = EVP_sha512(); break;
	}
	*hl = md ? (size_t)EVP_MD_get_size(md) : 0;
	return md;
}

/* F = s^e mod n, then 6A || M1 || H || trailer with H = hash(M1 || rnd). */
static tims_rc verify_9796(EVP_PKEY *key, const uint8_t *sig, size_t sl, const uint8_t rnd[8],
			   struct tims_err *err)
{
	uint8_t f[AA_SIG_MAX], h[EVP_MAX_MD_SIZE];
	size_t fl = sizeof(f), hl = 0, tl, m1l;
	const EVP_MD *md;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	EVP_MD_CTX *mc = NULL;
	unsigned hn = 0;
	bool ok;

	if (!c)
		return tims_err_set(err, TIMS_ERR_NOMEM, "aa: out of memory");
	ok = EVP_PKEY_verify_recover_init(c) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
	     EVP_PKEY_verify_recover(c, f, &fl, sig, sl) == 1;
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	if (!ok || fl != sl || fl < 32)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "aa: the chip's signature does not verify with DG15's key "
				    "(not an RSA signature of the key's size): chip possibly cloned");
	if (f[fl - 1] == 0xBC) {
		md = EVP_sha1();
		hl = 20;
		tl = 1;
	} else if (f[fl - 1] == 0xCC) {
		md = trailer_md(f[fl - 2], &hl);
		tl = 2;
	} else {
		md = NULL;
		tl = 0;
	}
	if (f[0] != 0x6A || !md || fl < 1 + hl + tl + 1)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "aa: the chip's signature does not verify with DG15's key "
				    "(no ISO 9796-2 message representative): chip possibly cloned");
	m1l = fl - 1 - hl - tl;
	ok = (mc = EVP_MD_CTX_new()) && EVP_DigestInit_ex(mc, md, NULL) == 1 &&
	     EVP_DigestUpdate(mc, f + 1, m1l) == 1 && EVP_DigestUpdate(mc, rnd, 8) == 1 &&
	     EVP_DigestFinal_ex(mc, h, &hn) == 1 && hn == hl;
	EVP_MD_CTX_free(mc);
	if (!ok)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "aa: hash failed");
	if (CRYPTO_memcmp(h, f + 1 + m1l, hl) != 0)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "aa: the chip's signature does not verify with DG15's key "
				    "(hash of the challenge differs): chip possibly cloned");
	return TIMS_OK;
}

/* DG15's RSA key; TIMS_ERR_DENIED for a key kind not checked. */
static tims_rc dg15_key(const uint8_t *dg15, size_t n, EVP_PKEY **out, struct tims_err *err)
{
	const uint8_t *q;
	size_t l, h;
	EVP_PKEY *key;

	*out = NULL;

	/* 0x6F, a DER length, one SubjectPublicKeyInfo spanning the rest */
	if (n < 4 || n > 4096 || dg15[0] != 0x6F)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg15: not tagged 6F");
	l = dg15[1];
	h = 2;
	if (l == 0x81) {
		l = dg15[2];
		h = 3;
	} else if (l == 0x82) {
		l = (size_t)dg15[2] << 8 | dg15[3];
		h = 4;
	} else if (l >= 0x80) {
		return tims_err_set(err, TIMS_ERR_INVALID, "dg15: bad length");
	}
	if (h + l != n)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg15: length %zu in a file of %zu", l, n);
	q = dg15 + h;
	key = d2i_PUBKEY(NULL, &q, (long)l);
	ERR_clear_error();
	if (!key || q != dg15 + n) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_INVALID, "dg15: not a DER public key");
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		bool ec = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;

		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "aa: DG15 holds a %s key: active authentication with it is not done",
				    ec ? "ECDSA" : "non-RSA");
	}
	if ((size_t)EVP_PKEY_get_size(key) > AA_SIG_MAX) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_INVALID, "dg15: RSA key larger than 4096 bits");
	}
	*out = key;
	return TIMS_OK;
}

tims_rc tims_epass_aa_verify(const uint8_t *dg15, size_t n, const uint8_t rnd[8],
			     const uint8_t *sig, size_t sl, struct tims_err *err)
{
	EVP_PKEY *key;
	tims_rc rc = dg15_key(dg15, n, &key, err);

	if (rc != TIMS_OK)
		return rc;
	rc = verify_9796(key, sig, sl, rnd, err);
	EVP_PKEY_free(key);
	return rc;
}

tims_rc tims_epass_chip_aa(const struct tims_epass_card *card, struct tims_epass_sm *sm,
			   const uint8_t *dg15, size_t n, struct tims_err *err)
{
	static const uint8_t hdr[4] = { 0x00, 0x88, 0x00, 0x00 };
	uint8_t rnd[8], sig[AA_SIG_MAX];
	size_t sl = 0;
	uint16_t sw;
	EVP_PKEY *key;
	tims_rc rc = dg15_key(dg15, n, &key, err);

	if (rc != TIMS_OK)
		return rc;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_CRYPTO, "aa: no random bytes");
	}
	rc = tims_epass_sm_transmit(card, sm, "aa", hdr, rnd, sizeof(rnd),
				    (size_t)EVP_PKEY_get_size(key), sig, sizeof(sig), &sl, &sw, err);
	if (rc == TIMS_OK && sw != 0x9000)
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "aa: the chip refused INTERNAL AUTHENTICATE (SW %04X) although DG15 "
				  "is present: chip possibly cloned", sw);
	if (rc == TIMS_OK)
		rc = verify_9796(key, sig, sl, rnd, err);
	EVP_PKEY_free(key);
	return rc;
}
