/*
 * aa.c — active authentication of an e-passport chip (ICAO Doc 9303 Part
 * 11, section 6.1): the chip proves it holds the private key whose public
 * half is in DG15, by signing a challenge of the terminal. Passive
 * authentication proves the files are the issuer's; only this proves the
 * chip is not a copy of them.
 *
 * An RSA key: the answer is an ISO/IEC 9796-2 digital signature scheme 1
 * signature with partial message recovery (the hash in its trailer). An
 * ECDSA key: the answer is a plain signature r || s (BSI TR-03111, each
 * the size of the group's order) of the challenge, with the hash that
 * DG14's ActiveAuthenticationInfo names (ecdsa-plain-SHA1 ... SHA512); a
 * chip with an ECDSA key and no such DG14 is not verified (Doc 9303
 * requires it). Other key kinds are not checked, and say so.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
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

/* One DER header at *p (at most *left bytes): the tag, its class, whether
 * constructed, and a definite length that fits; *p and *left move past
 * the header. -1 for anything else. */
static int der_head(const uint8_t **p, long *left, int *tag, int *cls, int *cons, long *len)
{
	const unsigned char *q = *p;
	int r = ASN1_get_object(&q, len, tag, cls, *left);

	ERR_clear_error();
	if (r & 0x80 || r & 0x01 || *len < 0 || *len > *left - (long)(q - *p))
		return -1; /* malformed, indefinite, or longer than what is left */
	*cons = r & V_ASN1_CONSTRUCTED;
	*left -= (long)(q - *p);
	*p = q;
	return 0;
}

/* id-icao-mrtd-security-aaProtocolObject (2.23.136.1.1.5) and BSI
 * TR-03111's ecdsa-plain-signatures (0.4.0.127.0.7.1.1.4.1), the content
 * bytes of their DER. */
static const uint8_t OID_AA[] = { 0x67, 0x81, 0x08, 0x01, 0x01, 0x05 };
static const uint8_t OID_ECDSA_PLAIN[] = { 0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01 };
#define DG14_INFOS_MAX 64
#define DG14_MAX 65536 /* a few hundred bytes on real chips */

/*
 * The hash of ECDSA active authentication, from DG14 (0x6E { SET OF
 * SecurityInfo }): the one ActiveAuthenticationInfo { aaProtocolObject,
 * version 1, ecdsa-plain-SHAx }. Other SecurityInfos (PACE, chip and
 * terminal authentication) are passed over. TIMS_ERR_INVALID, named, for
 * a DG14 that is malformed, has none, or two, or another algorithm.
 */
static tims_rc dg14_aa_md(const uint8_t *dg14, size_t n, const EVP_MD **md, struct tims_err *err)
{
	const uint8_t *p = dg14, *end;
	long left = (long)n, len;
	int tag, cls, cons, found = 0;
	unsigned infos = 0;

	*md = NULL;
	if (!dg14 || n > DG14_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg14: %s", dg14 ? "too large" : "absent");
	if (der_head(&p, &left, &tag, &cls, &cons, &len) || cls != V_ASN1_APPLICATION ||
	    tag != 14 || !cons || len != left)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg14: not one element tagged 6E");
	if (der_head(&p, &left, &tag, &cls, &cons, &len) || cls != V_ASN1_UNIVERSAL ||
	    tag != V_ASN1_SET || !cons || len != left)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg14: not a SET OF SecurityInfo");
	while (left > 0) {
		const uint8_t *oid;
		long rest, olen;

		if (++infos > DG14_INFOS_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID, "dg14: more than %d SecurityInfos",
					    DG14_INFOS_MAX);
		if (der_head(&p, &left, &tag, &cls, &cons, &len) || cls != V_ASN1_UNIVERSAL ||
		    tag != V_ASN1_SEQUENCE || !cons)
			return tims_err_set(err, TIMS_ERR_INVALID, "dg14: SecurityInfo %u: not a SEQUENCE",
					    infos);
		end = p + len;
		rest = len;
		left -= len;
		if (der_head(&p, &rest, &tag, &cls, &cons, &olen) || cls != V_ASN1_UNIVERSAL ||
		    tag != V_ASN1_OBJECT || cons)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg14: SecurityInfo %u: does not start with its protocol", infos);
		if (olen != (long)sizeof(OID_AA) || memcmp(p, OID_AA, sizeof(OID_AA))) {
			p = end; /* another protocol */
			continue;
		}
		if (found++)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg14: two ActiveAuthenticationInfos");
		p += olen;
		rest -= olen;
		if (der_head(&p, &rest, &tag, &cls, &cons, &len) || tag != V_ASN1_INTEGER ||
		    cls != V_ASN1_UNIVERSAL || len != 1 || p[0] != 1)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg14: ActiveAuthenticationInfo: version is not 1");
		p += len;
		rest -= len;
		if (der_head(&p, &rest, &tag, &cls, &cons, &len) || tag != V_ASN1_OBJECT ||
		    cls != V_ASN1_UNIVERSAL || len != rest)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg14: ActiveAuthenticationInfo: no signature algorithm");
		oid = p;
		if (len != (long)sizeof(OID_ECDSA_PLAIN) + 1 ||
		    memcmp(oid, OID_ECDSA_PLAIN, sizeof(OID_ECDSA_PLAIN)))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg14: ActiveAuthenticationInfo: the algorithm is not "
					    "ecdsa-plain-SHA* (BSI TR-03111)");
		switch (oid[sizeof(OID_ECDSA_PLAIN)]) {
		case 1: *md = EVP_sha1(); break;
		case 2: *md = EVP_sha224(); break;
		case 3: *md = EVP_sha256(); break;
		case 4: *md = EVP_sha384(); break;
		case 5: *md = EVP_sha512(); break;
		default:
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg14: ActiveAuthenticationInfo: ecdsa-plain with hash %u "
					    "(want SHA-1, -224, -256, -384 or -512)",
					    oid[sizeof(OID_ECDSA_PLAIN)]);
		}
		p = end;
	}
	if (!found)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg14: no ActiveAuthenticationInfo");
	return TIMS_OK;
}

/* The plain ECDSA signature r || s (each as long as the group's order) of
 * the challenge, with md. */
static tims_rc verify_ecdsa(EVP_PKEY *key, const EVP_MD *md, const uint8_t *sig, size_t sl,
			    const uint8_t rnd[8], struct tims_err *err)
{
	size_t fl = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
	BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *es = NULL;
	EVP_MD_CTX *mc = NULL;
	unsigned char *der = NULL;
	int dl = -1, v = -1;

	if (sl != 2 * fl)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "aa: the chip's signature does not verify with DG15's key "
				    "(%zu bytes, not a plain ECDSA signature of %zu): chip possibly "
				    "cloned", sl, 2 * fl);
	if ((r = BN_bin2bn(sig, (int)fl, NULL)) && (s = BN_bin2bn(sig + fl, (int)fl, NULL)) &&
	    (es = ECDSA_SIG_new()) && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL; /* es owns them */
		dl = i2d_ECDSA_SIG(es, &der);
	}
	if (dl > 0 && (mc = EVP_MD_CTX_new()) &&
	    EVP_DigestVerifyInit(mc, NULL, md, NULL, key) == 1)
		v = EVP_DigestVerify(mc, der, (size_t)dl, rnd, 8);
	ERR_clear_error();
	EVP_MD_CTX_free(mc);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	if (dl <= 0 || !mc)
		return tims_err_set(err, TIMS_ERR_NOMEM, "aa: out of memory");
	if (v != 1)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "aa: the chip's signature does not verify with DG15's key "
				    "(ECDSA, %s of the challenge): chip possibly cloned",
				    EVP_MD_get0_name(md));
	return TIMS_OK;
}

static tims_rc dg15_key(const uint8_t *dg15, size_t n, EVP_PKEY **out, struct tims_err *err);

/* DG15's key and, for ECDSA, DG14's hash (*md; NULL for RSA). */
static tims_rc aa_key(const uint8_t *dg15, size_t n, const uint8_t *dg14, size_t n14,
		      EVP_PKEY **key, const EVP_MD **md, struct tims_err *err)
{
	struct tims_err e14;
	tims_rc rc = dg15_key(dg15, n, key, err);

	*md = NULL;
	if (rc != TIMS_OK || EVP_PKEY_get_base_id(*key) != EVP_PKEY_EC)
		return rc;
	if (dg14_aa_md(dg14, n14, md, &e14) != TIMS_OK) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "aa: DG15 holds an ECDSA key, and its hash is not known (%s): "
				    "not verified", e14.msg);
	}
	return TIMS_OK;
}

/* DG15's RSA or ECDSA key; TIMS_ERR_DENIED for a key kind not checked. */
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
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
		if (EVP_PKEY_get_bits(key) < 160 || EVP_PKEY_get_bits(key) > 521) {
			EVP_PKEY_free(key);
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "dg15: ECDSA key of %d bits (want 160 to 521)",
					    EVP_PKEY_get_bits(key));
		}
		*out = key;
		return TIMS_OK;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "aa: DG15 holds a key that is neither RSA nor ECDSA: active "
				    "authentication with it is not done");
	}
	if ((size_t)EVP_PKEY_get_size(key) > AA_SIG_MAX) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_INVALID, "dg15: RSA key larger than 4096 bits");
	}
	*out = key;
	return TIMS_OK;
}

tims_rc tims_epass_aa_verify(const uint8_t *dg15, size_t n, const uint8_t *dg14, size_t n14,
			     const uint8_t rnd[8], const uint8_t *sig, size_t sl, struct tims_err *err)
{
	const EVP_MD *md;
	EVP_PKEY *key;
	tims_rc rc = aa_key(dg15, n, dg14, n14, &key, &md, err);

	if (rc != TIMS_OK)
		return rc;
	rc = md ? verify_ecdsa(key, md, sig, sl, rnd, err) : verify_9796(key, sig, sl, rnd, err);
	EVP_PKEY_free(key);
	return rc;
}

tims_rc tims_epass_chip_aa_with(const struct tims_epass_card *card, struct tims_epass_sm *sm,
				const uint8_t *dg15, size_t n, const uint8_t *dg14, size_t n14,
				const uint8_t challenge[8], uint8_t *sig, size_t cap, size_t *sl,
				struct tims_err *err)
{
	static const uint8_t hdr[4] = { 0x00, 0x88, 0x00, 0x00 };
	uint8_t rnd[8];
	size_t le;
	const EVP_MD *md;
	uint16_t sw;
	EVP_PKEY *key;
	tims_rc rc = aa_key(dg15, n, dg14, n14, &key, &md, err);

	*sl = 0;
	if (rc != TIMS_OK)
		return rc;
	/* the answer's length: the RSA modulus, or r || s */
	le = md ? 2 * (((size_t)EVP_PKEY_get_bits(key) + 7) / 8) : (size_t)EVP_PKEY_get_size(key);
	if (challenge) {
		memcpy(rnd, challenge, sizeof(rnd));
	} else if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_CRYPTO, "aa: no random bytes");
	}
	if (cap < AA_SIG_MAX) {
		EVP_PKEY_free(key);
		return tims_err_set(err, TIMS_ERR_USAGE, "aa: room for %d bytes of answer needed",
				    AA_SIG_MAX);
	}
	rc = tims_epass_sm_transmit(card, sm, "aa", hdr, rnd, sizeof(rnd), le, sig, AA_SIG_MAX,
				    sl, &sw, err);
	if (rc == TIMS_OK && sw != 0x9000) {
		*sl = 0;
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "aa: the chip refused INTERNAL AUTHENTICATE (SW %04X) although DG15 "
				  "is present: chip possibly cloned", sw);
	}
	if (rc == TIMS_OK)
		rc = md ? verify_ecdsa(key, md, sig, *sl, rnd, err) : verify_9796(key, sig, *sl, rnd, err);
	EVP_PKEY_free(key);
	return rc;
}

tims_rc tims_epass_chip_aa(const struct tims_epass_card *card, struct tims_epass_sm *sm,
			   const uint8_t *dg15, size_t n, const uint8_t *dg14, size_t n14,
			   struct tims_err *err)
{
	uint8_t sig[AA_SIG_MAX];
	size_t sl;

	return tims_epass_chip_aa_with(card, sm, dg15, n, dg14, n14, NULL, sig, sizeof(sig), &sl,
				       err);
}
