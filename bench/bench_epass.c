/*
 * bench_epass.c — passive authentications per second, one core: the whole
 * tims_epass_verify (CMS signature, DS chain and validity, CRL, DG1 and DG2
 * hashes, MRZ and issuing state) on one RSA-PSS document made by
 * tests/data/epass/mkpki.sh, next to the anchor: OpenSSL's own CMS_verify
 * (what `openssl cms -verify` runs, here in-process so that process start
 * does not count) on the same SignedData with the same CSCA, in the same run.
 *
 *   bench_epass DIR [--smoke]     prints pa_per_sec=N and anchor_per_sec=N
 */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tims/buf.h"
#include "tims/epass.h"
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
	X509_free(ca);
	BIO_free(b);
	X509_STORE_free(store);
	tims_epass_trust_free(t);
	tims_buf_release(&csca); tims_buf_release(&crl); tims_buf_release(&sod);
	tims_buf_release(&dg1); tims_buf_release(&dg2); tims_buf_release(&cms);
	return 0;
}
