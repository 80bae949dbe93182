/*
 * test_aa.c — active authentication's check (lib/epass/aa.c): an ISO/IEC
 * 9796-2 scheme 1 signature of the terminal's challenge with DG15's RSA
 * key. Signatures are made here with a fresh key (OpenSSL, raw RSA), then
 * the attacker's: another key (a clone), another challenge (a replayed
 * answer), one byte changed, a wrong header or hash trailer, a short
 * signature, an ECDSA key (said not done), a DG15 that is not a key.
 */
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
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_OK, "SHA-1 (trailer BC): verified");
	T_OK(tims_epass_aa_verify(dg15, n, other, sig, sl, &err) == TIMS_ERR_SIGNATURE,
	     "an answer to another challenge (replayed): refused");
	T_OK(strstr(err.msg, "chip possibly cloned") != NULL, "named: %s", err.msg);
	sig[sl / 2] ^= 0x01;
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE, "one byte changed: refused");
	sig[sl / 2] ^= 0x01;
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl - 1, &err) == TIMS_ERR_SIGNATURE, "short signature: refused");

	sl = sign(k, rnd, 0x6A, EVP_sha256(), s256, 2, sig);
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_OK, "SHA-256 (trailer 34 CC): verified");
	sl = sign(k, rnd, 0x6A, EVP_sha256(), bad, 2, sig);
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE, "unknown hash in the trailer: refused");
	sl = sign(k, rnd, 0x4B, EVP_sha1(), bc, 1, sig);
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE, "header 4B instead of 6A: refused");

	sl = sign(k2, rnd, 0x6A, EVP_sha1(), bc, 1, sig);
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_ERR_SIGNATURE,
	     "a clone signing with its own key: refused");

	T_OK(tims_epass_aa_verify(dgec, nec, rnd, sig, sl, &err) == TIMS_ERR_DENIED, "ECDSA key in DG15: not done, said");
	T_OK(strstr(err.msg, "ECDSA") && strstr(err.msg, "not done"), "named: %s", err.msg);
	dg15[0] = 0x6E;
	T_OK(tims_epass_aa_verify(dg15, n, rnd, sig, sl, &err) == TIMS_ERR_INVALID, "DG15 with another tag: refused");
	dg15[0] = 0x6F;
	dg15[n - 1] ^= 0xFF;
	T_OK(tims_epass_aa_verify(dg15, n - 3, rnd, sig, sl, &err) == TIMS_ERR_INVALID, "DG15 cut short: refused");
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(ec);
	return t_done();
}
