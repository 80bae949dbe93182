/*
 * bench_epass.c — passive authentications per second, one core: the whole
 * tims_epass_verify (CMS signature, DS chain and validity, CRL, DG1 and DG2
 * hashes, MRZ and issuing state) on one RSA-PSS document made by
 * tests/data/epass/mkpki.sh, next to the anchor: OpenSSL's own CMS_verify
 * (what `openssl cms -verify` runs, here in-process so that process start
 * does not count) on the same SignedData with the same CSCA, in the same run.
 * Then what active authentication adds to a booth's check at the post
 * (tims_epass_aa_verify: DG15's key parsed, the chip's answer verified) for
 * RSA-1024 ISO 9796-2 and ECDSA P-256 answers made here with mkpki's keys,
 * a tenth of the time each.
 *
 *   bench_epass DIR [--smoke]     prints pa_per_sec=N, anchor_per_sec=N,
 *                                 aa_rsa_per_sec=N, aa_ec_per_sec=N
 */
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tims/buf.h"
#include "tims/epass.h"
#include "tims/epass_chip.h"
#include "tims/util.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct tims_buf rd(const char *dir, const char *name)
{
	char path[600];
	struct tims_buf b;
	struct tims_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tims_buf_init(&b, TIMS_EPASS_LIST_MAX);
	if (tims_read_file(path, TIMS_EPASS_LIST_MAX, &b, &err) != TIMS_OK) {
		fprintf(stderr, "bench_epass: %s\n", err.msg);
		exit(1);
	}
	return b;
}

static EVP_PKEY *key_of(const char *dir, const char *name)
{
	char path[600];
	EVP_PKEY *k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "r")) || !(k = PEM_read_PrivateKey(f, NULL, NULL, NULL))) {
		fprintf(stderr, "bench_epass: %s: no key\n", path);
		exit(1);
	}
	fclose(f);
	return k;
}

/* A chip's answer to rnd: RSA ISO 9796-2 scheme 1 with SHA-1, or the
 * plain ECDSA r || s with SHA-256 (what DG14 names in mkpki's document). */
static size_t answer(EVP_PKEY *k, const uint8_t rnd[8], uint8_t *sig)
{
	size_t sl = 512;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		uint8_t der[160];
		size_t dl = sizeof(der), fl = ((size_t)EVP_PKEY_get_bits(k) + 7) / 8;
		const unsigned char *q = der;
		EVP_MD_CTX *mc = EVP_MD_CTX_new();
		ECDSA_SIG *es = NULL;
		const BIGNUM *r, *s;

		if (EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, k) != 1 ||
		    EVP_DigestSign(mc, der, &dl, rnd, 8) != 1 || !(es = d2i_ECDSA_SIG(NULL, &q, (long)dl)))
			exit(1);
		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, sig, (int)fl);
		BN_bn2binpad(s, sig + fl, (int)fl);
		ECDSA_SIG_free(es);
		EVP_MD_CTX_free(mc);
		return 2 * fl;
	}
	uint8_t f[512];
	size_t kl = (size_t)EVP_PKEY_get_size(k), m1 = kl - 22;
	unsigned hn;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);

	f[0] = 0x6A;
	memset(f + 1, 0x5A, m1);
	EVP_DigestInit_ex(mc, EVP_sha1(), NULL);
	EVP_DigestUpdate(mc, f + 1, m1);
	EVP_DigestUpdate(mc, rnd, 8);
	EVP_DigestFinal_ex(mc, f + 1 + m1, &hn);
	f[kl - 1] = 0xBC;
	if (EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_sign(c, sig, &sl, f, kl) != 1)
		exit(1);
	EVP_PKEY_CTX_free(c);
	EVP_MD_CTX_free(mc);
	return sl;
}

/* Active authentication checks of one answer per second. */
static double aa_rate(const char *dir, const char *key, const char *dg15, const char *dg14,
		      double secs)
{
	static const uint8_t rnd[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct tims_buf d15 = rd(dir, dg15), d14 = { 0 };
	EVP_PKEY *k = key_of(dir, key);
	uint8_t sig[512];
	size_t sl = answer(k, rnd, sig);
	struct tims_err err;
	double t0, el;
	long n;

	if (dg14)
		d14 = rd(dir, dg14);
	for (n = 0, t0 = now_s(); (el = now_s() - t0) < secs; n++)
		if (tims_epass_aa_verify((uint8_t *)d15.buf, d15.len, dg14 ? (uint8_t *)d14.buf : NULL,
					 d14.len, rnd, sig, sl, &err) != TIMS_OK) {
			fprintf(stderr, "bench_epass: %s: %s\n", key, err.msg);
			exit(1);
		}
	printf("tims_epass_aa_verify %s: %ld in %.2f s\n", key, n, el);
	EVP_PKEY_free(k);
	tims_buf_release(&d15);
	if (dg14)
		tims_buf_release(&d14);
	return (double)n / el;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;
	double secs = argc > 2 && !strcmp(argv[2], "--smoke") ? 0.3 : 2.0, t0, el;
	struct tims_buf csca, crl, sod, dg1, dg2, cms;
	struct tims_epass_trust *t;
	struct tims_epass_input in = { .at = time(NULL) };
	static struct tims_epass_result r;
	struct tims_err err;
	long n;

	if (!dir) {
		fprintf(stderr, "usage: bench_epass DIR [--smoke]\n");
		return 2;
	}
	csca = rd(dir, "csca-rsa.pem"); crl = rd(dir, "crl.pem");
	sod = rd(dir, "sod-pss.bin"); dg1 = rd(dir, "dg1.bin"); dg2 = rd(dir, "dg2.bin");
	cms = rd(dir, "sod-pss.bin.cms");
	if (tims_epass_trust_new(&t, &err) ||
	    tims_epass_trust_add_csca(t, (uint8_t *)csca.buf, csca.len, "csca", &err) ||
	    tims_epass_trust_add_crl(t, (uint8_t *)crl.buf, crl.len, "crl", &err) ||
	    tims_epass_trust_seal(t, in.at, NULL, &err)) {
		fprintf(stderr, "bench_epass: %s\n", err.msg);
		return 1;
	}
	in.sod.p = (uint8_t *)sod.buf; in.sod.n = sod.len;
	in.dgs[0].p = (uint8_t *)dg1.buf; in.dgs[0].n = dg1.len;
	in.dgs[1].p = (uint8_t *)dg2.buf; in.dgs[1].n = dg2.len;
	in.ndgs = 2;

	for (n = 0, t0 = now_s(); (el = now_s() - t0) < secs; n++)
		if (tims_epass_verify(t, &in, &r) != TIMS_OK) {
			fprintf(stderr, "bench_epass: the document does not verify: %s\n",
				r.nerrors ? r.errors[0].message : "?");
			return 1;
		}
	printf("tims_epass_verify: %ld in %.2f s\n", n, el);
	printf("pa_per_sec=%.0f\n", (double)n / el);

	/* The anchor: OpenSSL's CMS_verify, chain to the same CSCA. */
	X509_STORE *store = X509_STORE_new();
	BIO *b = BIO_new_mem_buf(csca.buf, (int)csca.len);
	X509 *ca = PEM_read_bio_X509(b, NULL, NULL, NULL);

	if (!store || !ca || X509_STORE_add_cert(store, ca) != 1 ||
	    X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1) {
		fprintf(stderr, "bench_epass: anchor setup failed\n");
		return 1;
	}
	for (n = 0, t0 = now_s(); (el = now_s() - t0) < secs; n++) {
		const unsigned char *q = (const unsigned char *)cms.buf;
		CMS_ContentInfo *ci = d2i_CMS_ContentInfo(NULL, &q, (long)cms.len);

		if (!ci || CMS_verify(ci, NULL, store, NULL, NULL, CMS_BINARY) != 1) {
			fprintf(stderr, "bench_epass: CMS_verify failed on the anchor\n");
			ERR_print_errors_fp(stderr);
			return 1;
		}
		CMS_ContentInfo_free(ci);
	}
	printf("openssl CMS_verify: %ld in %.2f s\n", n, el);
	printf("anchor_per_sec=%.0f\n", (double)n / el);
	printf("aa_rsa_per_sec=%.0f\n", aa_rate(dir, "aa.key", "dg15.bin", NULL, secs / 10));
	printf("aa_ec_per_sec=%.0f\n", aa_rate(dir, "aa-ec.key", "dg15-ec.bin", "dg14-ec.bin", secs / 10));
	X509_free(ca);
	BIO_free(b);
	X509_STORE_free(store);
	tims_epass_trust_free(t);
	tims_buf_release(&csca); tims_buf_release(&crl); tims_buf_release(&sod);
	tims_buf_release(&dg1); tims_buf_release(&dg2); tims_buf_release(&cms);
	return 0;
}
