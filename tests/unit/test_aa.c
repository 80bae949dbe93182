/*
 * test_aa.c — active authentication's check (lib/epass/aa.c): an ISO/IEC
 * 9796-2 scheme 1 signature of the terminal's challenge with DG15's RSA
 * key. Signatures are made here with a fresh key (OpenSSL, raw RSA), then
 * the attacker's: another key (a clone), another challenge (a replayed
 * answer), one byte changed, a wrong header or hash trailer, a short
 * signature, a DG15 that is not a key. Then ECDSA (plain r || s, BSI
 * TR-03111, the hash named by DG14's ActiveAuthenticationInfo): verified
 * with SHA-256 and SHA-384 on P-256 and brainpoolP384r1; refused for a
 * clone's key, another challenge, a changed byte, a short answer, s = 0,
 * a DG14 naming another hash than the chip used; not verified without
 * DG14, with a DG14 holding no or two ActiveAuthenticationInfos, an
 * unknown hash, or malformed.
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "t.h"
#include "tims/epass_chip.h"

static size_t dg15_of(EVP_PKEY *k, uint8_t *out)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	size_t h;

	out[0] = 0x6F;
	if (n < 0x80) {
		out[1] = (uint8_t)n;
		h = 2;
	} else if (n < 0x100) {
		out[1] = 0x81;
		out[2] = (uint8_t)n;
		h = 3;
	} else {
		out[1] = 0x82;
		out[2] = (uint8_t)(n >> 8);
		out[3] = (uint8_t)n;
		h = 4;
	}
	memcpy(out + h, der, (size_t)n);
	OPENSSL_free(der);
	return h + (size_t)n;
}

/* F = hdr || M1 || hash(M1 || rnd) || trailer, raised to d. */
static size_t sign(EVP_PKEY *k, const uint8_t rnd[8], uint8_t header, const EVP_MD *md,
		   const uint8_t *trailer, size_t tl, uint8_t *sig)
{
	uint8_t f[512];
	size_t kl = (size_t)EVP_PKEY_get_size(k), hl = (size_t)EVP_MD_get_size(md), m1 = kl - 1 - hl - tl;
	size_t sl = 512;
	unsigned hn;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);

	f[0] = header;
	for (size_t i = 0; i < m1; i++)
		f[1 + i] = (uint8_t)(i * 13 + 5);
	EVP_DigestInit_ex(mc, md, NULL);
	EVP_DigestUpdate(mc, f + 1, m1);
	EVP_DigestUpdate(mc, rnd, 8);
	EVP_DigestFinal_ex(mc, f + 1 + m1, &hn);
	memcpy(f + kl - tl, trailer, tl);
	if (EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_sign(c, sig, &sl, f, kl) != 1)
		sl = 0;
	EVP_PKEY_CTX_free(c);
	EVP_MD_CTX_free(mc);
	return sl;
}

/* DG14: 6E { SET { [a PACEInfo,] ActiveAuthenticationInfo { 2.23.136.1.1.5,
 * 1, 0.4.0.127.0.7.1.1.4.1.HASH } x COUNT } } */
static size_t dg14_of(uint8_t hash, int count, int other, uint8_t *out)
{
	static const uint8_t aa[] = { 0x30, 0x17, 0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x05,
				      0x02, 0x01, 0x01, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07,
				      0x01, 0x01, 0x04, 0x01, 0x00 };
	/* PACEInfo { id-PACE-ECDH-GM-AES-CBC-CMAC-128, 2, 13 } */
	static const uint8_t pace[] = { 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02,
					0x02, 0x04, 0x02, 0x02, 0x02, 0x01, 0x02, 0x02, 0x01, 0x0D };
	size_t l = 0, inner = (size_t)count * sizeof(aa) + (other ? sizeof(pace) : 0);

	out[l++] = 0x6E;
	out[l++] = (uint8_t)(inner + 2);
	out[l++] = 0x31;
	out[l++] = (uint8_t)inner;
	if (other) {
		memcpy(out + l, pace, sizeof(pace));
		l += sizeof(pace);
	}
	for (int i = 0; i < count; i++) {
		memcpy(out + l, aa, sizeof(aa));
		out[l + sizeof(aa) - 1] = hash;
		l += sizeof(aa);
	}
	return l;
}

/* The plain ECDSA signature r || s of rnd with md. */
static size_t sign_ec(EVP_PKEY *k, const uint8_t rnd[8], const EVP_MD *md, uint8_t *sig)
{
	uint8_t der[160];
	size_t dl = sizeof(der), fl = ((size_t)EVP_PKEY_get_bits(k) + 7) / 8;
	const unsigned char *q = der;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;

	if (EVP_DigestSignInit(mc, NULL, md, NULL, k) != 1 ||
	    EVP_DigestSign(mc, der, &dl, rnd, 8) != 1 || !(es = d2i_ECDSA_SIG(NULL, &q, (long)dl))) {
		EVP_MD_CTX_free(mc);
		return 0;
	}
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, sig, (int)fl);
	BN_bn2binpad(s, sig + fl, (int)fl);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mc);
	return 2 * fl;
}

int main(void)
{
	static const uint8_t rnd[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, other[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };
	static const uint8_t bc[1] = { 0xBC }, s256[2] = { 0x34, 0xCC }, bad[2] = { 0x99, 0xCC };
	EVP_PKEY *k = EVP_RSA_gen(1024), *k2 = EVP_RSA_gen(1024), *ec = EVP_EC_gen("P-256");
	uint8_t dg15[600], dgec[300], sig[512];
	size_t n, nec, sl;
	struct tims_err err;

	T_OK(k && k2 && ec, "test keys made");
	n = dg15_of(k, dg15);
	nec = dg15_of(ec, dgec);

	sl = sign(k, rnd, 0x6A, EVP_sha1(), bc, 1, sig);
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_OK, "SHA-1 (trailer BC): verified");
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, other, sig, sl, &err) == TIMS_ERR_SIGNATURE,
	     "an answer to another challenge (replayed): refused");
	T_OK(strstr(err.msg, "chip possibly cloned") != NULL, "named: %s", err.msg);
	sig[sl / 2] ^= 0x01;
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE, "one byte changed: refused");
	sig[sl / 2] ^= 0x01;
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl - 1, &err) == TIMS_ERR_SIGNATURE, "short signature: refused");

	sl = sign(k, rnd, 0x6A, EVP_sha256(), s256, 2, sig);
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_OK, "SHA-256 (trailer 34 CC): verified");
	sl = sign(k, rnd, 0x6A, EVP_sha256(), bad, 2, sig);
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE, "unknown hash in the trailer: refused");
	sl = sign(k, rnd, 0x4B, EVP_sha1(), bc, 1, sig);
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE, "header 4B instead of 6A: refused");

	sl = sign(k2, rnd, 0x6A, EVP_sha1(), bc, 1, sig);
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
	     "a clone signing with its own key: refused");

	/* ECDSA active authentication */
	{
		EVP_PKEY *ec2 = EVP_EC_gen("P-256"), *bp = EVP_EC_gen("brainpoolP384r1");
		uint8_t d14[200], dgbp[300];
		size_t n14, nbp, cut;

		T_OK(ec2 && bp, "ECDSA test keys made");
		n14 = dg14_of(3, 1, 1, d14);
		sl = sign_ec(ec, rnd, EVP_sha256(), sig);
		T_EQ_INT((long)sl, 64L, "P-256: a plain signature of 64 bytes");
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_OK,
		     "ECDSA P-256, ecdsa-plain-SHA256 in DG14 (after a PACEInfo): verified");
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, other, sig, sl, &err) == TIMS_ERR_SIGNATURE,
		     "ECDSA: an answer to another challenge (replayed): refused");
		T_OK(strstr(err.msg, "chip possibly cloned") != NULL, "named: %s", err.msg);
		sig[5] ^= 0x40;
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
		     "ECDSA: one byte of r changed: refused");
		sig[5] ^= 0x40;
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl - 1, &err) == TIMS_ERR_SIGNATURE,
		     "ECDSA: an answer one byte short: refused");
		memset(sig + 32, 0, 32);
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
		     "ECDSA: s = 0: refused");
		sl = sign_ec(ec2, rnd, EVP_sha256(), sig);
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
		     "ECDSA: a clone signing with its own key: refused");
		sl = sign_ec(ec, rnd, EVP_sha256(), sig);
		n14 = dg14_of(4, 1, 0, d14);
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
		     "ECDSA: DG14 names SHA-384, the chip signed SHA-256: refused");
		T_OK(tims_epass_aa_verify(dgec, nec, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_INVALID,
		     "ECDSA without DG14: not verified");
		T_OK(strstr(err.msg, "ECDSA") && strstr(err.msg, "dg14: absent"), "named: %s", err.msg);
		n14 = dg14_of(3, 0, 1, d14);
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_INVALID &&
		     strstr(err.msg, "no ActiveAuthenticationInfo"),
		     "ECDSA, DG14 without an ActiveAuthenticationInfo: not verified (%s)", err.msg);
		n14 = dg14_of(3, 2, 0, d14);
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_INVALID &&
		     strstr(err.msg, "two"), "ECDSA, DG14 with two ActiveAuthenticationInfos: not verified (%s)", err.msg);
		n14 = dg14_of(9, 1, 0, d14);
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_INVALID &&
		     strstr(err.msg, "hash 9"), "ECDSA, DG14 naming an unknown hash: not verified (%s)", err.msg);
		n14 = dg14_of(3, 1, 0, d14);
		for (cut = 1; cut < n14; cut++)
			if (tims_epass_aa_verify(dgec, nec, d14, n14 - cut, rnd, sig, sl, &err) != TIMS_ERR_INVALID)
				break;
		T_EQ_INT((long)cut, (long)n14, "ECDSA, DG14 cut short at every length: not verified");
		d14[1] = 0x7F;
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_INVALID,
		     "ECDSA, DG14 whose length runs past the file: not verified");
		d14[1] = 0x80; /* indefinite length: not DER */
		T_OK(tims_epass_aa_verify(dgec, nec, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_INVALID,
		     "ECDSA, DG14 with an indefinite length: not verified");
		nbp = dg15_of(bp, dgbp);
		n14 = dg14_of(4, 1, 0, d14);
		sl = sign_ec(bp, rnd, EVP_sha384(), sig);
		T_EQ_INT((long)sl, 96L, "brainpoolP384r1: a plain signature of 96 bytes");
		T_OK(tims_epass_aa_verify(dgbp, nbp, d14, n14, rnd, sig, sl, &err) == TIMS_OK,
		     "ECDSA brainpoolP384r1, ecdsa-plain-SHA384: verified");
		T_OK(tims_epass_aa_verify(dg15, n, d14, n14, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
		     "an ECDSA answer against an RSA DG15 (DG14 not used for RSA): refused");
		EVP_PKEY_free(ec2);
		EVP_PKEY_free(bp);
	}
	dg15[0] = 0x6E;
	T_OK(tims_epass_aa_verify(dg15, n, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_INVALID, "DG15 with another tag: refused");
	dg15[0] = 0x6F;
	dg15[n - 1] ^= 0xFF;
	T_OK(tims_epass_aa_verify(dg15, n - 3, NULL, 0, rnd, sig, sl, &err) == TIMS_ERR_INVALID, "DG15 cut short: refused");
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(ec);
	return t_done();
}
