/* test_tls.c — certificates: self-signed, CA-issued, chain checks, the priority string. */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "t.h"
#include "tims/tls.h"

static int verify_chain(const char *leaf_pem, const char *ca_pem)
{
	gnutls_x509_crt_t leaf, ca;
	gnutls_datum_t d;
	unsigned status = 1;

	gnutls_x509_crt_init(&leaf);
	gnutls_x509_crt_init(&ca);
	d.data = (unsigned char *)(uintptr_t)leaf_pem; d.size = (unsigned)strlen(leaf_pem);
	if (gnutls_x509_crt_import(leaf, &d, GNUTLS_X509_FMT_PEM) < 0) goto out;
	d.data = (unsigned char *)(uintptr_t)ca_pem; d.size = (unsigned)strlen(ca_pem);
	if (gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM) < 0) goto out;
	if (gnutls_x509_crt_verify(leaf, &ca, 1, 0, &status) < 0) status = 1;
out:
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(ca);
	return status == 0;
}

int main(void)
{
	struct tims_buf ca_crt = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), ca_key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf crt = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf other = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), other_key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_cert_req ca = { .common_name = "TIMS test centre CA", .days = 30, .uses = TIMS_CERT_CA };
	struct tims_cert_req post = { .common_name = "post-kapitan-andreevo", .days = 30,
				      .uses = TIMS_CERT_CLIENT | TIMS_CERT_SERVER,
				      .dns = { "localhost" }, .ips = { "127.0.0.1", "::1" } };
	struct tims_cert_req bad = { .common_name = "x", .days = 30, .ips = { "300.1.1.1" } };
	struct tims_err err;
	char cn[128];
	uint8_t fp1[32], fp2[32];
	gnutls_priority_t prio;
	const char *where = NULL;

	T_OK(gnutls_priority_init(&prio, tims_tls_priorities, &where) == 0, "tls: the priority string is accepted by GnuTLS (error at: %s)", where ? where : "-");
	gnutls_priority_deinit(prio);

	T_OK(tims_tls_issue(&ca, NULL, NULL, &ca_crt, &ca_key, &err) == TIMS_OK, "tls: a self-signed CA is made (%s)", err.msg);
	T_OK(strstr(ca_key.buf, "BEGIN PRIVATE KEY") != NULL, "tls: the key comes as PKCS#8 PEM");
	T_OK(tims_tls_issue(&post, ca_crt.buf, ca_key.buf, &crt, &key, &err) == TIMS_OK, "tls: the CA issues a post certificate (%s)", err.msg);
	T_OK(verify_chain(crt.buf, ca_crt.buf), "tls: the post certificate verifies against the CA");
	T_OK(tims_tls_issue(&post, NULL, NULL, &other, &other_key, &err) == TIMS_OK, "tls: a self-signed post certificate is made");
	T_OK(!verify_chain(other.buf, ca_crt.buf), "tls: a certificate the CA did not issue does not verify");
	T_OK(tims_tls_common_name(crt.buf, cn, sizeof(cn), &err) == TIMS_OK, "tls: common name read back");
	T_EQ_STR(cn, "post-kapitan-andreevo", "tls: common name is the post's");
	T_OK(tims_tls_fingerprint(crt.buf, fp1, &err) == TIMS_OK && tims_tls_fingerprint(other.buf, fp2, &err) == TIMS_OK && memcmp(fp1, fp2, 32), "tls: fingerprints differ between certificates");
	{
		/* reissued for the old certificate's key, without its private key */
		struct tims_buf again = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		struct tims_tls_peer a, b;

		T_OK(tims_tls_issue_for_cert(&post, crt.buf, ca_crt.buf, ca_key.buf, &again, &err) == TIMS_OK &&
		     verify_chain(again.buf, ca_crt.buf), "tls: a certificate reissued from the old one verifies (%s)", err.msg);
		T_OK(!tims_tls_peer_read_pem(crt.buf, &a, NULL) && !tims_tls_peer_read_pem(again.buf, &b, NULL) &&
		     !memcmp(a.spki, b.spki, 32) && memcmp(a.fp, b.fp, 32), "tls: with the same public key (a pin holds), as a new certificate");
		T_OK(tims_tls_issue_for_cert(&post, key.buf, ca_crt.buf, ca_key.buf, &again, &err) != TIMS_OK,
		     "tls: a private key is not a certificate to reissue from");
		tims_buf_release(&again);
	}
	T_OK(tims_tls_issue(&bad, NULL, NULL, &other, &other_key, &err) == TIMS_ERR_INVALID, "tls: a bad IP address is refused");
	T_EQ_STR(err.msg, "certificate: '300.1.1.1' is not an IP address", "tls: the error names the address");
	bad.ips[0] = NULL; bad.days = 0;
	T_OK(tims_tls_issue(&bad, NULL, NULL, &other, &other_key, &err) == TIMS_ERR_INVALID, "tls: zero days of validity refused");
	T_OK(tims_tls_common_name("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", cn, sizeof(cn), &err) == TIMS_ERR_CRYPTO, "tls: a garbage certificate is refused");
	T_OK(tims_tls_issue(&post, ca_crt.buf, NULL, &other, &other_key, &err) == TIMS_ERR_USAGE, "tls: a CA certificate without its key is refused");

	sodium_memzero(ca_key.buf, ca_key.len);
	sodium_memzero(key.buf, key.len);
	sodium_memzero(other_key.buf, other_key.len);
	tims_buf_release(&ca_crt); tims_buf_release(&ca_key); tims_buf_release(&crt);
	tims_buf_release(&key); tims_buf_release(&other); tims_buf_release(&other_key);
	return t_done();
}
