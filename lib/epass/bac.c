/*
 * bac.c — Basic Access Control and secure messaging for e-passport chips
 * (ICAO Doc 9303 Part 11, sections 9.7 and 9.8): the BAC keys from the
 * printed MRZ, GET CHALLENGE / MUTUAL AUTHENTICATE, the session keys and
 * send sequence counter, and every later command wrapped (3DES-CBC with a
 * zero IV, ISO 9797-1 MAC algorithm 3 with padding method 2) and every
 * response checked before it is used. SELECT and READ BINARY of the LDS
 * files on top.
 *
 * Why here and with OpenSSL: lib/epass is the one module that links
 * libcrypto (see epass.h); 3DES and SHA-1 are what the chip speaks. Single
 * DES (the retail MAC's chaining) is two-key 3DES with K1 || K1, so the
 * default provider suffices (plain DES is in OpenSSL 3's legacy provider).
 *
 * Fail closed: a response whose MAC does not verify, whose DO'99' differs
 * from its status word, or that is malformed, closes the session and
 * wipes its keys; nothing in it is used.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "tims/epass_chip.h"
#include "tims/mrz.h"

void tims_epass_sm_clear(struct tims_epass_sm *sm)
{
	OPENSSL_cleanse(sm, sizeof(*sm));
	sm->open = false;
}

/* --- the MRZ information and the keys ------------------------------------ */

static tims_rc check_field(const char *what, const char *s, size_t n, char cd,
			   struct tims_err *err)
{
	int want = tims_mrz_check_digit(s, n);

	if (want < 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "mrz: %s: characters other than A-Z 0-9 <", what);
	if (cd != want)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "mrz: %s: check digit is %c, expected %c", what, cd, want);
	return TIMS_OK;
}

tims_rc tims_epass_bac_mrz_info(const char *mrz, size_t n,
				char out[TIMS_EPASS_MRZ_INFO_MAX + 1], struct tims_err *err)
{
	char num[32];
	size_t nlen = 9, o = 0;
	const char *dob, *doe, *l2;
	char numcd;
	tims_rc rc;

	if (n == 88 || n == 72) {          /* TD3, TD2: line 2 */
		l2 = mrz + n / 2;
		memcpy(num, l2, 9);
		numcd = l2[9];
		dob = l2 + 13;
		doe = l2 + 21;
	} else if (n == 90) {              /* TD1: line 1, then line 2 */
		const char *l1 = mrz;

		memcpy(num, l1 + 5, 9);
		numcd = l1[14];
		if (numcd == '<') {
			/* A number longer than 9 characters continues in the
			 * optional data; its last character there is the
			 * check digit (Doc 9303 Part 5, 4.2.4 note j). */
			size_t k = 15;

			while (k < 30 && l1[k] != '<')
				k++;
			if (k < 17)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "mrz: document number: check digit missing");
			memcpy(num + 9, l1 + 15, k - 16);
			nlen = 9 + k - 16;
			numcd = l1[k - 1];
		}
		l2 = mrz + 30;
		dob = l2;
		doe = l2 + 8;
	} else {
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "mrz: %zu characters, expected 88 (TD3), 72 (TD2) or 90 (TD1)", n);
	}
	if ((rc = check_field("document number", num, nlen, numcd, err)) != TIMS_OK ||
	    (rc = check_field("date of birth", dob, 6, dob[6], err)) != TIMS_OK ||
	    (rc = check_field("date of expiry", doe, 6, doe[6], err)) != TIMS_OK)
		return rc;
	memcpy(out + o, num, nlen);
	o += nlen;
	out[o++] = numcd;
	memcpy(out + o, dob, 7);
	o += 7;
	memcpy(out + o, doe, 7);
	o += 7;
	out[o] = '\0';
	return TIMS_OK;
}

tims_rc tims_epass_bac_seed(const char *mrz_info, uint8_t seed[16], struct tims_err *err)
{
	uint8_t md[SHA_DIGEST_LENGTH];
	size_t n = strnlen(mrz_info, TIMS_EPASS_MRZ_INFO_MAX + 1);

	if (n < 24 || n > TIMS_EPASS_MRZ_INFO_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "mrz: MRZ information of %zu characters", n);
	if (!SHA1((const unsigned char *)mrz_info, n, md))
		return tims_err_set(err, TIMS_ERR_CRYPTO, "bac: SHA-1 failed");
	memcpy(seed, md, 16);
	OPENSSL_cleanse(md, sizeof(md));
	return TIMS_OK;
}

tims_rc tims_epass_bac_derive(const uint8_t seed[16], uint32_t counter, uint8_t key[16],
			      struct tims_err *err)
{
	uint8_t d[20], md[SHA_DIGEST_LENGTH];

	memcpy(d, seed, 16);
	d[16] = (uint8_t)(counter >> 24);
	d[17] = (uint8_t)(counter >> 16);
	d[18] = (uint8_t)(counter >> 8);
	d[19] = (uint8_t)counter;
	if (!SHA1(d, sizeof(d), md)) {
		OPENSSL_cleanse(d, sizeof(d));
		return tims_err_set(err, TIMS_ERR_CRYPTO, "bac: SHA-1 failed");
	}
	for (int i = 0; i < 16; i++) { /* odd parity in each byte's low bit */
		uint8_t b = md[i] & 0xFE;

		key[i] = (uint8_t)(b | !(__builtin_popcount(b) & 1));
	}
	OPENSSL_cleanse(d, sizeof(d));
	OPENSSL_cleanse(md, sizeof(md));
	return TIMS_OK;
}

/* --- 3DES and the retail MAC ----------------------------------------------- */

/* Two-key 3DES, CBC (zero IV) or ECB, over n bytes (a multiple of 8). */
static tims_rc des(const uint8_t key[16], bool cbc, bool encrypt, const uint8_t *in,
		   uint8_t *out, size_t n, struct tims_err *err)
{
	static const uint8_t iv[8];
	EVP_CIPHER_CTX *c;
	int l1 = 0, l2 = 0;
	bool ok;

	if (n % 8 || n > INT32_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "3des: %zu bytes, not whole blocks", n);
	if (!(c = EVP_CIPHER_CTX_new()))
		return tims_err_set(err, TIMS_ERR_NOMEM, "3des: out of memory");
	ok = EVP_CipherInit_ex(c, cbc ? EVP_des_ede_cbc() : EVP_des_ede_ecb(), NULL, key,
			       cbc ? iv : NULL, encrypt) == 1 &&
	     EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	     EVP_CipherUpdate(c, out, &l1, in, (int)n) == 1 &&
	     EVP_CipherFinal_ex(c, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok ? TIMS_OK : tims_err_set(err, TIMS_ERR_CRYPTO, "3des: OpenSSL failed");
}

tims_rc tims_epass_3des_cbc(const uint8_t key[16], bool encrypt, uint8_t *buf, size_t n,
			    struct tims_err *err)
{
	return des(key, true, encrypt, buf, buf, n, err);
}

/* ISO 7816-4 / ISO 9797-1 padding method 2: 0x80 then zeros to a block;
 * returns the padded length (room for it is the caller's). */
static size_t pad(uint8_t *p, size_t n)
{
	p[n++] = 0x80;
	while (n % 8)
		p[n++] = 0x00;
	return n;
}

/* The MAC over an already padded message (a multiple of 8): DES-CBC with
 * K1 over every block, then the last result decrypted with K2 and
 * encrypted with K1, which is two-key 3DES on the last chained block. */
static tims_rc mac_padded(const uint8_t key[16], const uint8_t *m, size_t n, uint8_t mac[8],
			  struct tims_err *err)
{
	uint8_t k11[16], h[8] = { 0 }, x[8];
	tims_rc rc = TIMS_OK;

	if (n == 0 || n % 8)
		return tims_err_set(err, TIMS_ERR_INVALID, "mac: %zu bytes, not whole blocks", n);
	memcpy(k11, key, 8);
	memcpy(k11 + 8, key, 8);
	for (size_t i = 0; i + 8 < n && rc == TIMS_OK; i += 8) {
		for (int j = 0; j < 8; j++)
			x[j] = h[j] ^ m[i + (size_t)j];
		rc = des(k11, false, true, x, h, 8, err);
	}
	if (rc == TIMS_OK) {
		for (int j = 0; j < 8; j++)
			x[j] = h[j] ^ m[n - 8 + (size_t)j];
		rc = des(key, false, true, x, mac, 8, err);
	}
	OPENSSL_cleanse(k11, sizeof(k11));
	return rc;
}

tims_rc tims_epass_retail_mac(const uint8_t key[16], const uint8_t *msg, size_t n,
			      uint8_t mac[8], struct tims_err *err)
{
	uint8_t *m;
	tims_rc rc;

	if (n > TIMS_EPASS_APDU_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "mac: message of %zu bytes", n);
	if (!(m = malloc(n + 8)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "mac: out of memory");
	if (n)
		memcpy(m, msg, n);
	rc = mac_padded(key, m, pad(m, n), mac, err);
	free(m);
	return rc;
}

/* --- BAC ------------------------------------------------------------------------ */

static tims_rc xmit(const struct tims_epass_card *card, const uint8_t *c, size_t cl,
		    uint8_t *r, size_t *rl, struct tims_err *err)
{
	size_t cap = *rl;
	tims_rc rc = card->transmit(card->ctx, c, cl, r, rl, err);

	if (rc != TIMS_OK)
		return rc;
	if (*rl < 2 || *rl > cap)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "card: response of %zu bytes, no status word", *rl);
	return TIMS_OK;
}

static uint16_t sw_of(const uint8_t *r, size_t n)
{
	return (uint16_t)(r[n - 2] << 8 | r[n - 1]);
}

tims_rc tims_epass_chip_select_app(const struct tims_epass_card *card, struct tims_err *err)
{
	static const uint8_t sel[] = { 0x00, 0xA4, 0x04, 0x0C, 0x07,
				       0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };
	uint8_t r[258];
	size_t rl = sizeof(r);
	tims_rc rc = xmit(card, sel, sizeof(sel), r, &rl, err);

	if (rc != TIMS_OK)
		return rc;
	if (sw_of(r, rl) != 0x9000)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "select: no eMRTD application (AID A0000002471001) on the chip (SW %04X)",
				    sw_of(r, rl));
	return TIMS_OK;
}

static tims_rc get_random(const struct tims_epass_card *card, uint8_t *out, size_t n)
{
	if (card->random)
		return card->random(card->random_ctx, out, n);
	return RAND_bytes(out, (int)n) == 1 ? TIMS_OK : TIMS_ERR_CRYPTO;
}

tims_rc tims_epass_bac(const struct tims_epass_card *card, const char *mrz_info,
		       struct tims_epass_sm *sm, struct tims_err *err)
{
	static const uint8_t getch[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	struct {
		uint8_t seed[16], kenc[16], kmac[16], rnd_ic[8], rnd[24], s[32],
			cmd[46], r[258], kseed[16];
	} k; /* one struct: one wipe */
	size_t rl;
	tims_rc rc;

	tims_epass_sm_clear(sm);
	memset(&k, 0, sizeof(k));
	if ((rc = tims_epass_bac_seed(mrz_info, k.seed, err)) != TIMS_OK ||
	    (rc = tims_epass_bac_derive(k.seed, 1, k.kenc, err)) != TIMS_OK ||
	    (rc = tims_epass_bac_derive(k.seed, 2, k.kmac, err)) != TIMS_OK)
		goto out;
	rl = sizeof(k.r);
	if ((rc = xmit(card, getch, sizeof(getch), k.r, &rl, err)) != TIMS_OK)
		goto out;
	if (sw_of(k.r, rl) != 0x9000 || rl != 10) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "bac: GET CHALLENGE answered with %zu bytes, SW %04X",
				  rl - 2, sw_of(k.r, rl));
		goto out;
	}
	memcpy(k.rnd_ic, k.r, 8);
	/* S = RND.IFD || RND.IC || K.IFD */
	if (get_random(card, k.rnd, 24) != TIMS_OK) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "bac: no random bytes");
		goto out;
	}
	memcpy(k.s, k.rnd, 8);
	memcpy(k.s + 8, k.rnd_ic, 8);
	memcpy(k.s + 16, k.rnd + 8, 16);
	k.cmd[0] = 0x00;
	k.cmd[1] = 0x82;
	k.cmd[2] = 0x00;
	k.cmd[3] = 0x00;
	k.cmd[4] = 0x28;
	if ((rc = des(k.kenc, true, true, k.s, k.cmd + 5, 32, err)) != TIMS_OK ||
	    (rc = tims_epass_retail_mac(k.kmac, k.cmd + 5, 32, k.cmd + 37, err)) != TIMS_OK)
		goto out;
	k.cmd[45] = 0x28;
	rl = sizeof(k.r);
	if ((rc = xmit(card, k.cmd, sizeof(k.cmd), k.r, &rl, err)) != TIMS_OK)
		goto out;
	if (sw_of(k.r, rl) != 0x9000) {
		rc = tims_err_set(err, TIMS_ERR_AUTH,
				  "bac: the chip refused the keys from the MRZ (SW %04X): "
				  "wrong MRZ, or not this document's chip", sw_of(k.r, rl));
		goto out;
	}
	if (rl != 42) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "bac: MUTUAL AUTHENTICATE answered with %zu bytes, expected 40", rl - 2);
		goto out;
	}
	{
		uint8_t mic[8];

		if ((rc = tims_epass_retail_mac(k.kmac, k.r, 32, mic, err)) != TIMS_OK)
			goto out;
		if (CRYPTO_memcmp(mic, k.r + 32, 8) != 0) {
			rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
					  "bac: the chip's answer has a wrong MAC");
			goto out;
		}
	}
	if ((rc = des(k.kenc, true, false, k.r, k.s, 32, err)) != TIMS_OK)
		goto out;
	/* R = RND.IC || RND.IFD || K.IC: the chip must echo our challenge. */
	if (CRYPTO_memcmp(k.s, k.rnd_ic, 8) != 0 || CRYPTO_memcmp(k.s + 8, k.rnd, 8) != 0) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "bac: the chip's answer does not carry the challenges");
		goto out;
	}
	for (int i = 0; i < 16; i++)
		k.kseed[i] = k.rnd[8 + i] ^ k.s[16 + i];
	if ((rc = tims_epass_bac_derive(k.kseed, 1, sm->ks_enc, err)) != TIMS_OK ||
	    (rc = tims_epass_bac_derive(k.kseed, 2, sm->ks_mac, err)) != TIMS_OK)
		goto out;
	memcpy(sm->ssc, k.rnd_ic + 4, 4);
	memcpy(sm->ssc + 4, k.rnd + 4, 4);
	sm->open = true;
out:
	if (rc != TIMS_OK)
		tims_epass_sm_clear(sm);
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

/* --- secure messaging ------------------------------------------------------------ */

static void ssc_inc(struct tims_epass_sm *sm)
{
	for (int i = 7; i >= 0; i--)
		if (++sm->ssc[i] != 0)
			break;
}

/* BER length of n at p; returns the bytes written (n < 65536). */
static size_t put_len(uint8_t *p, size_t n)
{
	if (n < 0x80) {
		p[0] = (uint8_t)n;
		return 1;
	}
	if (n < 0x100) {
		p[0] = 0x81;
		p[1] = (uint8_t)n;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)n;
	return 3;
}

tims_rc tims_epass_sm_wrap(struct tims_epass_sm *sm, const uint8_t hdr[4],
			   const uint8_t *data, size_t dlen, size_t le,
			   uint8_t *out, size_t *olen, struct tims_err *err)
{
	uint8_t *n_buf = NULL; /* SSC || padded header || DO'87' || DO'97', padded */
	uint8_t *body = out + 7; /* room for an extended Lc */
	size_t blen = 0, nl = 0, lc;
	bool ext;
	tims_rc rc;

	if (!sm->open)
		return tims_err_set(err, TIMS_ERR_STATE, "sm: no secure-messaging session");
	if (dlen > 0xFF00 || le > 65536)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "sm: command of %zu bytes, Le %zu", dlen, le);
	ssc_inc(sm);
	if (dlen) {
		/* odd INS (READ BINARY B1): the data is BER-TLV, sent in
		 * DO'85' without the padding-indicator byte */
		size_t plen = (dlen / 8 + 1) * 8;
		bool odd = hdr[1] & 1;

		body[blen++] = odd ? 0x85 : 0x87;
		blen += put_len(body + blen, plen + !odd);
		if (!odd)
			body[blen++] = 0x01;
		memcpy(body + blen, data, dlen);
		pad(body + blen, dlen);
		if ((rc = des(sm->ks_enc, true, true, body + blen, body + blen, plen, err)) != TIMS_OK)
			goto fail;
		blen += plen;
	}
	if (le) {
		body[blen++] = 0x97;
		if (le <= 256) {
			body[blen++] = 0x01;
			body[blen++] = (uint8_t)(le & 0xFF);
		} else {
			body[blen++] = 0x02;
			body[blen++] = (uint8_t)((le >> 8) & 0xFF);
			body[blen++] = (uint8_t)(le & 0xFF);
		}
	}
	if (!(n_buf = malloc(blen + 32))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "sm: out of memory");
		goto fail;
	}
	memcpy(n_buf, sm->ssc, 8);
	n_buf[8] = hdr[0] | 0x0C;
	n_buf[9] = hdr[1];
	n_buf[10] = hdr[2];
	n_buf[11] = hdr[3];
	nl = pad(n_buf + 8, 4) + 8;
	memcpy(n_buf + nl, body, blen);
	nl = pad(n_buf, nl + blen);
	body[blen++] = 0x8E;
	body[blen++] = 0x08;
	if ((rc = mac_padded(sm->ks_mac, n_buf, nl, body + blen, err)) != TIMS_OK)
		goto fail;
	blen += 8;
	/* Extended length when the body or the answer needs it: the answer
	 * is the data (padded, in DO'87') plus DO'99' and DO'8E'. */
	lc = blen;
	ext = lc > 255 || (le && ((le / 8 + 1) * 8 + 4 + 14) > 256);
	memcpy(out, n_buf + 8, 4);
	if (ext) {
		out[4] = 0x00;
		out[5] = (uint8_t)(lc >> 8);
		out[6] = (uint8_t)lc;
		*olen = 7 + lc;
		out[(*olen)++] = 0x00;
		out[(*olen)++] = 0x00;
	} else {
		out[4] = (uint8_t)lc;
		memmove(out + 5, body, lc);
		*olen = 5 + lc;
		out[(*olen)++] = 0x00;
	}
	OPENSSL_cleanse(n_buf, nl);
	free(n_buf);
	return TIMS_OK;
fail:
	if (n_buf) {
		OPENSSL_cleanse(n_buf, blen + 32);
		free(n_buf);
	}
	tims_epass_sm_clear(sm);
	return rc;
}

/* One response data object: a one-byte tag and a BER length of 1..3 bytes. */
static int do_next(const uint8_t **p, const uint8_t *end, uint8_t *tag, const uint8_t **v,
		   size_t *len, const uint8_t **whole)
{
	const uint8_t *q = *p;
	size_t l;

	*whole = q;
	if (end - q < 2)
		return -1;
	*tag = *q++;
	l = *q++;
	if (l == 0x81) {
		if (end - q < 1 || *q < 0x80)
			return -1;
		l = *q++;
	} else if (l == 0x82) {
		if (end - q < 2 || q[0] == 0)
			return -1;
		l = (size_t)q[0] << 8 | q[1];
		q += 2;
	} else if (l >= 0x80) {
		return -1;
	}
	if ((size_t)(end - q) < l)
		return -1;
	*v = q;
	*len = l;
	*p = q + l;
	return 0;
}

tims_rc tims_epass_sm_unwrap(struct tims_epass_sm *sm, const char *name,
			     const uint8_t *rapdu, size_t rlen, uint8_t *out, size_t cap,
			     size_t *olen, uint16_t *sw, struct tims_err *err)
{
	uint8_t *k_buf = NULL; /* the MAC input, then the plain data */
	const uint8_t *p = rapdu, *end, *v, *whole;
	const uint8_t *d87 = NULL, *d99 = NULL, *d8e = NULL, *w87 = NULL, *w99 = NULL;
	size_t l87 = 0, l99 = 0, l8e = 0, lw87 = 0, kl, plen, pi = 1;
	uint8_t tag, mac[8];
	const char *why;
	tims_rc rc;

	*olen = 0;
	*sw = 0;
	if (!sm->open)
		return tims_err_set(err, TIMS_ERR_STATE, "%s: no secure-messaging session", name);
	if (rlen < 2 || rlen > TIMS_EPASS_RAPDU_MAX) {
		why = "response without a status word";
		goto bad;
	}
	*sw = sw_of(rapdu, rlen);
	ssc_inc(sm);
	if (rlen == 2) {
		/* An unprotected status: an error the chip gives outside SM
		 * (6987/6988: SM objects missing or wrong; 6A82 ...). Not
		 * authenticated, so it can only ever fail the caller. */
		tims_epass_sm_clear(sm);
		*sw = sw_of(rapdu, rlen);
		if (*sw == 0x9000)
			return tims_err_set(err, TIMS_ERR_SIGNATURE,
					    "%s: success answered without secure messaging", name);
		return TIMS_OK;
	}
	end = rapdu + rlen - 2;
	while (p < end) {
		if (do_next(&p, end, &tag, &v, &plen, &whole)) {
			why = "malformed data object";
			goto bad;
		}
		if ((tag == 0x87 || tag == 0x85) && !d87 && !d99 && !d8e) {
			/* DO'85' (odd INS): no padding-indicator byte */
			d87 = v; l87 = plen; w87 = whole; lw87 = (size_t)(p - whole);
			pi = tag == 0x87;
		} else if (tag == 0x99 && !d99 && !d8e) {
			d99 = v; l99 = plen; w99 = whole;
		} else if (tag == 0x8E && !d8e) {
			d8e = v; l8e = plen;
		} else {
			why = "unexpected or repeated data object";
			goto bad;
		}
	}
	if (!d8e || l8e != 8 || p != end) {
		why = "no MAC (DO'8E' of 8 bytes) at the end";
		goto bad;
	}
	if (!d99 || l99 != 2) {
		why = "no status (DO'99' of 2 bytes)";
		goto bad;
	}
	/* K = SSC || DO'87' || DO'99', padded; the MAC first, before any
	 * of the response is used. */
	if (!(k_buf = malloc(rlen + 16))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	memcpy(k_buf, sm->ssc, 8);
	kl = 8;
	if (w87) {
		memcpy(k_buf + kl, w87, lw87);
		kl += lw87;
	}
	memcpy(k_buf + kl, w99, 4);
	kl = pad(k_buf, kl + 4);
	rc = mac_padded(sm->ks_mac, k_buf, kl, mac, err);
	OPENSSL_cleanse(k_buf, kl);
	if (rc != TIMS_OK)
		goto fail;
	if (CRYPTO_memcmp(mac, d8e, 8) != 0) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "%s: response MAC does not verify: secure messaging broken off", name);
		goto fail;
	}
	if ((uint16_t)(d99[0] << 8 | d99[1]) != *sw) {
		why = "DO'99' differs from the status word";
		goto bad;
	}
	if (d87) {
		size_t n;

		if (l87 < 8 + pi || (l87 - pi) % 8 || (pi && d87[0] != 0x01)) {
			why = "DO'87' not a padded 3DES cryptogram";
			goto bad;
		}
		n = l87 - pi;
		memcpy(k_buf, d87 + pi, n);
		if ((rc = des(sm->ks_enc, true, false, k_buf, k_buf, n, err)) != TIMS_OK)
			goto fail;
		while (n > 0 && k_buf[n - 1] == 0x00)
			n--;
		if (n == 0 || k_buf[n - 1] != 0x80 || l87 - pi - (n - 1) > 8) {
			why = "bad padding in DO'87'";
			goto bad;
		}
		n--;
		if (n > cap) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG,
					  "%s: response of %zu bytes, room for %zu", name, n, cap);
			goto fail;
		}
		memcpy(out, k_buf, n);
		*olen = n;
	}
	rc = TIMS_OK;
	goto done;
bad:
	rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: secure-messaging response: %s", name, why);
fail:
	tims_epass_sm_clear(sm);
done:
	if (k_buf) {
		OPENSSL_cleanse(k_buf, rlen + 16);
		free(k_buf);
	}
	return rc;
}

tims_rc tims_epass_sm_transmit(const struct tims_epass_card *card, struct tims_epass_sm *sm,
			       const char *name, const uint8_t hdr[4], const uint8_t *data,
			       size_t dlen, size_t le, uint8_t *out, size_t cap, size_t *olen,
			       uint16_t *sw, struct tims_err *err)
{
	uint8_t *c = malloc(TIMS_EPASS_APDU_MAX), *r = malloc(TIMS_EPASS_RAPDU_MAX);
	size_t cl, rl = TIMS_EPASS_RAPDU_MAX;
	tims_rc rc;

	if (!c || !r) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", name);
	} else if ((rc = tims_epass_sm_wrap(sm, hdr, data, dlen, le, c, &cl, err)) != TIMS_OK) {
		/* wrap closed the session */
	} else if ((rc = xmit(card, c, cl, r, &rl, err)) != TIMS_OK) {
		tims_epass_sm_clear(sm);
	} else {
		rc = tims_epass_sm_unwrap(sm, name, r, rl, out, cap, olen, sw, err);
	}
	free(c);
	free(r);
	return rc;
}

static tims_rc sw_error(const char *name, const char *what, uint16_t sw, struct tims_err *err)
{
	if (sw == 0x6A82)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not on the chip (SW 6A82)", name);
	if (sw == 0x6982)
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "%s: access denied by the chip (SW 6982): needs more than BAC", name);
	if (sw == 0x6987 || sw == 0x6988)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "%s: the chip refused our secure messaging (SW %04X)", name, sw);
	return tims_err_set(err, TIMS_ERR_INVALID, "%s: %s answered SW %04X", name, what, sw);
}

/* READ BINARY of want bytes at off: INS B0 with the offset in P1-P2 up
 * to 32767; past it INS B1 with the offset in DO'54' and the bytes back
 * in DO'53' (ISO 7816-4, Doc 9303 Part 10 for large data groups). */
static tims_rc read_chunk(const struct tims_epass_card *card, struct tims_epass_sm *sm,
			  const char *name, size_t off, size_t want, uint8_t *out,
			  size_t total, struct tims_err *err)
{
	uint8_t hdr[4] = { 0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off };
	uint8_t d54[5], tmp[TIMS_EPASS_CHUNK + 8];
	size_t got = 0, dl = 0;
	uint16_t sw;
	tims_rc rc;

	if (want > TIMS_EPASS_CHUNK)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: chunk of %zu bytes", name, want);
	if (off <= 0x7FFF) {
		rc = tims_epass_sm_transmit(card, sm, name, hdr, NULL, 0, want, out, want, &got, &sw, err);
	} else {
		size_t hl = want < 0x80 ? 2 : 3;

		hdr[1] = 0xB1;
		hdr[2] = hdr[3] = 0;
		d54[dl++] = 0x54;
		if (off > 0xFFFF) {
			d54[dl++] = 3;
			d54[dl++] = (uint8_t)(off >> 16);
		} else {
			d54[dl++] = 2;
		}
		d54[dl++] = (uint8_t)(off >> 8);
		d54[dl++] = (uint8_t)off;
		rc = tims_epass_sm_transmit(card, sm, name, hdr, d54, dl, want + hl, tmp, sizeof(tmp), &got, &sw, err);
		if (rc == TIMS_OK && got > 0) {
			/* 53 L data, one DO spanning the answer */
			size_t l, h;

			if (got < 2 || tmp[0] != 0x53)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: READ BINARY (B1) answer is not a DO'53'", name);
			l = tmp[1];
			h = 2;
			if (l == 0x81 && got >= 3 && tmp[2] >= 0x80) {
				l = tmp[2];
				h = 3;
			} else if (l >= 0x80) {
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: READ BINARY (B1) answer: bad DO'53' length", name);
			}
			if (h + l != got || l > want)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: READ BINARY (B1) answer: DO'53' of %zu bytes in %zu",
						    name, l, got);
			memcpy(out, tmp + h, l);
			got = l;
		}
	}
	if (rc != TIMS_OK)
		return rc;
	if (sw == 0x6B00 || sw == 0x6282 || (sw == 0x9000 && got < want))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: file ends at offset %zu, its TLV says %zu bytes (truncated)",
				    name, off + (sw == 0x9000 || sw == 0x6282 ? got : 0), total);
	if (sw != 0x9000)
		return sw_error(name, "READ BINARY", sw, err);
	if (got != want)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: READ BINARY returned %zu bytes, asked %zu", name, got, want);
	return TIMS_OK;
}

tims_rc tims_epass_chip_read_file(const struct tims_epass_card *card, struct tims_epass_sm *sm,
				  uint16_t fid, const char *name, size_t max, uint8_t **buf,
				  size_t *len, struct tims_err *err)
{
	uint8_t hdr[4] = { 0x00, 0xA4, 0x02, 0x0C }, id[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	uint8_t head[5], *b;
	size_t got, total, hl, l, off;
	uint16_t sw;
	tims_rc rc;

	*buf = NULL;
	*len = 0;
	rc = tims_epass_sm_transmit(card, sm, name, hdr, id, 2, 0, head, sizeof(head), &got, &sw, err);
	if (rc != TIMS_OK)
		return rc;
	if (sw != 0x9000)
		return sw_error(name, "SELECT", sw, err);
	if ((rc = read_chunk(card, sm, name, 0, 4, head, 4, err)) != TIMS_OK)
		return rc;
	/* The first TLV: a one-byte tag (EF.COM 0x60, EF.SOD 0x77, DGs
	 * 0x61..0x70) and a DER length of at most 4 bytes (a 5th byte then
	 * read on its own). */
	if ((head[0] & 0x1F) == 0x1F)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: tag %02X%02X is not an LDS file's",
				    name, head[0], head[1]);
	l = head[1];
	if (l < 0x80) {
		hl = 2;
	} else if (l == 0x81 && head[2] >= 0x80) {
		hl = 3;
		l = head[2];
	} else if (l == 0x82 && head[2] != 0) {
		hl = 4;
		l = (size_t)head[2] << 8 | head[3];
	} else if (l == 0x83 && head[2] != 0) {
		if ((rc = read_chunk(card, sm, name, 4, 1, head + 4, 5, err)) != TIMS_OK)
			return rc;
		hl = 5;
		l = (size_t)head[2] << 16 | (size_t)head[3] << 8 | head[4];
	} else {
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: length %02zX of its first TLV not a DER length of 1 to 4 bytes",
				    name, l);
	}
	total = hl + l;
	if (total > max)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: %zu bytes, more than %zu", name, total, max);
	if (total < 4)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: %zu bytes", name, total);
	if (!(b = malloc(total)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", name);
	memcpy(b, head, hl > 4 ? 5 : 4);
	for (off = hl > 4 ? 5 : 4; off < total; off += l) {
		l = total - off < TIMS_EPASS_CHUNK ? total - off : TIMS_EPASS_CHUNK;
		if ((rc = read_chunk(card, sm, name, off, l, b + off, total, err)) != TIMS_OK) {
			free(b);
			return rc;
		}
	}
	*buf = b;
	*len = total;
	return TIMS_OK;
}

tims_rc tims_epass_com_groups(const uint8_t *p, size_t n, unsigned groups[16], unsigned *ngroups,
			      struct tims_err *err)
{
	const uint8_t *q = p, *end = p + n, *v, *whole;
	size_t l;
	uint8_t tag;

	*ngroups = 0;
	if (do_next(&q, end, &tag, &v, &l, &whole) || tag != 0x60 || q != end)
		return tims_err_set(err, TIMS_ERR_INVALID, "ef.com: not one TLV tagged 60");
	end = v + l;
	q = v;
	/* 5F01 LDS version, 5F36 Unicode version (two-byte tags), 5C list */
	while (q < end) {
		unsigned t;
		size_t ll;

		if (end - q < 2)
			return tims_err_set(err, TIMS_ERR_INVALID, "ef.com: truncated");
		t = *q++;
		if ((t & 0x1F) == 0x1F) {
			t = t << 8 | *q++;
			if (q >= end)
				return tims_err_set(err, TIMS_ERR_INVALID, "ef.com: truncated");
		}
		ll = *q++;
		if (ll >= 0x80 || (size_t)(end - q) < ll)
			return tims_err_set(err, TIMS_ERR_INVALID, "ef.com: bad length");
		if (t == 0x5C) {
			for (size_t i = 0; i < ll; i++) {
				static const uint8_t tags[16] = { 0x61, 0x75, 0x63, 0x76, 0x65, 0x66,
					0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70 };
				unsigned g = 0;

				for (unsigned j = 0; j < 16; j++)
					if (tags[j] == q[i])
						g = j + 1;
				if (!g)
					return tims_err_set(err, TIMS_ERR_INVALID,
							    "ef.com: tag %02X is no data group", q[i]);
				for (unsigned j = 0; j < *ngroups; j++)
					if (groups[j] == g)
						return tims_err_set(err, TIMS_ERR_INVALID,
								    "ef.com: dg%u listed twice", g);
				groups[(*ngroups)++] = g;
			}
		}
		q += ll;
	}
	return TIMS_OK;
}
