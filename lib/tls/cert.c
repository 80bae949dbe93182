/*
 * cert.c — key and certificate generation with GnuTLS (see include/tims/tls.h).
 */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tims/tls.h"

const char tims_tls_priorities[] =
	"NONE:+VERS-TLS1.3:+VERS-TLS1.2:"
	"+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:+AEAD:"
	"+ECDHE-ECDSA:+ECDHE-RSA:"
	"+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
	"+SIGN-ECDSA-SECP256R1-SHA256:+SIGN-ECDSA-SECP384R1-SHA384:"
	"+SIGN-ECDSA-SHA256:+SIGN-ECDSA-SHA384:+SIGN-RSA-PSS-RSAE-SHA256:"
	"+SIGN-RSA-PSS-RSAE-SHA384:+SIGN-RSA-SHA256:+SIGN-RSA-SHA384:"
	"+SIGN-EDDSA-ED25519:+COMP-NULL:+CTYPE-X509:%SERVER_PRECEDENCE";

#define GT(call, what) do { \
	int gt_rc_ = (call); \
	if (gt_rc_ < 0) { \
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "certificate: %s: %s", \
				  what, gnutls_strerror(gt_rc_)); \
		goto out; \
	} \
} while (0)

static tims_rc load_ca(const char *ca_cert, const char *ca_key,
		       gnutls_x509_crt_t *crt, gnutls_x509_privkey_t *key,
		       struct tims_err *err)
{
	gnutls_datum_t d;
	tims_rc rc = TIMS_OK;

	*crt = NULL;
	*key = NULL;
	GT(gnutls_x509_crt_init(crt), "init");
	GT(gnutls_x509_privkey_init(key), "init");
	d.data = (unsigned char *)(uintptr_t)ca_cert;
	d.size = (unsigned)strlen(ca_cert);
	GT(gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM), "CA certificate");
	d.data = (unsigned char *)(uintptr_t)ca_key;
	d.size = (unsigned)strlen(ca_key);
	GT(gnutls_x509_privkey_import(*key, &d, GNUTLS_X509_FMT_PEM), "CA key");
out:
	return rc;
}

static tims_rc add_names(gnutls_x509_crt_t crt, const struct tims_cert_req *req,
			 struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	for (int i = 0; i < TIMS_TLS_MAX_NAMES && req->dns[i]; i++)
		GT(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
			req->dns[i], (unsigned)strlen(req->dns[i]),
			GNUTLS_FSAN_APPEND), "DNS name");
	for (int i = 0; i < TIMS_TLS_MAX_NAMES && req->ips[i]; i++) {
		unsigned char ip[16];
		unsigned len;

		if (inet_pton(AF_INET, req->ips[i], ip) == 1)
			len = 4;
		else if (inet_pton(AF_INET6, req->ips[i], ip) == 1)
			len = 16;
		else
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "certificate: '%s' is not an IP address",
					    req->ips[i]);
		GT(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS,
			ip, len, GNUTLS_FSAN_APPEND), "IP address");
	}
out:
	return rc;
}

static tims_rc check_req(const struct tims_cert_req *req, struct tims_err *err)
{
	size_t n;

	if (!req->common_name || !*req->common_name)
		return tims_err_set(err, TIMS_ERR_INVALID, "common name: empty");
	n = strnlen(req->common_name, 65);
	if (n > 64)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "common name: longer than 64 bytes");
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)req->common_name[i]))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "common name: unprintable byte at %zu", i + 1);
	if (req->days == 0 || req->days > 3650)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "validity: %u days, 1 to 3650 allowed", req->days);
	return TIMS_OK;
}

tims_rc tims_tls_issue(const struct tims_cert_req *req, const char *ca_cert,
		       const char *ca_key, struct tims_buf *cert_pem,
		       struct tims_buf *key_pem, struct tims_err *err)
{
	gnutls_x509_privkey_t key = NULL, cakey = NULL;
	gnutls_x509_crt_t crt = NULL, cacrt = NULL;
	gnutls_datum_t out_crt = { NULL, 0 }, out_key = { NULL, 0 };
	unsigned char serial[16], keyid[64];
	size_t keyid_len = sizeof(keyid);
	unsigned usage;
	time_t now = time(NULL);
	tims_rc rc;

	if ((rc = check_req(req, err)))
		return rc;
	if (!ca_cert != !ca_key)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "certificate: a CA needs both its certificate and key");
	if (ca_cert && (rc = load_ca(ca_cert, ca_key, &cacrt, &cakey, err)))
		goto out;
	GT(gnutls_x509_privkey_init(&key), "init");
	GT(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), "key generation");
	GT(gnutls_x509_crt_init(&crt), "init");
	GT(gnutls_x509_crt_set_version(crt, 3), "version");
	GT(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)), "serial");
	serial[0] &= 0x7f; /* a positive INTEGER */
	GT(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), "serial");
	GT(gnutls_x509_crt_set_activation_time(crt, now - 3600), "activation time");
	GT(gnutls_x509_crt_set_expiration_time(crt,
		now + (time_t)req->days * 86400), "expiration time");
	GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
		req->common_name, (unsigned)strlen(req->common_name)), "common name");
	GT(gnutls_x509_crt_set_key(crt, key), "public key");
	if ((rc = add_names(crt, req, err)))
		goto out;
	GT(gnutls_x509_crt_set_basic_constraints(crt,
		(req->uses & TIMS_CERT_CA) ? 1 : 0, (req->uses & TIMS_CERT_CA) ? 0 : -1),
		"basic constraints");
	usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	if (req->uses & TIMS_CERT_CA)
		usage |= GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	GT(gnutls_x509_crt_set_key_usage(crt, usage), "key usage");
	if (req->uses & TIMS_CERT_SERVER)
		GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
		   "key purpose");
	if (req->uses & TIMS_CERT_CLIENT)
		GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0),
		   "key purpose");
	GT(gnutls_x509_crt_get_key_id(crt, 0, keyid, &keyid_len), "key id");
	GT(gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len), "key id");
	if (cacrt) {
		keyid_len = sizeof(keyid);
		GT(gnutls_x509_crt_get_subject_key_id(cacrt, keyid, &keyid_len, NULL),
		   "CA key id");
		GT(gnutls_x509_crt_set_authority_key_id(crt, keyid, keyid_len),
		   "authority key id");
		GT(gnutls_x509_crt_sign2(crt, cacrt, cakey, GNUTLS_DIG_SHA256, 0), "signing");
	} else {
		GT(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), "signing");
	}
	GT(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out_crt), "export");
	GT(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
		GNUTLS_PKCS_PLAIN, &out_key), "key export");
	if ((rc = tims_buf_add(cert_pem, out_crt.data, out_crt.size)) ||
	    (rc = tims_buf_add(key_pem, out_key.data, out_key.size)))
		tims_err_set(err, rc, "certificate: PEM larger than its buffer");
out:
	if (out_key.data) {
		gnutls_memset(out_key.data, 0, out_key.size);
		gnutls_free(out_key.data);
	}
	gnutls_free(out_crt.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (cacrt)
		gnutls_x509_crt_deinit(cacrt);
	if (cakey)
		gnutls_x509_privkey_deinit(cakey);
	return rc;
}

static tims_rc import_crt(const char *pem, gnutls_x509_crt_t *crt,
			  struct tims_err *err)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem, 0 };
	tims_rc rc = TIMS_OK;

	*crt = NULL;
	d.size = (unsigned)strnlen(pem, TIMS_TLS_PEM_MAX + 1);
	if (d.size > TIMS_TLS_PEM_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "certificate: larger than %d bytes", TIMS_TLS_PEM_MAX);
	GT(gnutls_x509_crt_init(crt), "init");
	GT(gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM), "import");
out:
	return rc;
}

tims_rc tims_tls_fingerprint(const char *cert_pem, uint8_t out[32],
			     struct tims_err *err)
{
	gnutls_x509_crt_t crt;
	size_t len = 32;
	tims_rc rc = import_crt(cert_pem, &crt, err);

	if (rc)
		goto out;
	GT(gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, out, &len),
	   "fingerprint");
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

tims_rc tims_tls_common_name(const char *cert_pem, char *out, size_t outlen,
			     struct tims_err *err)
{
	gnutls_x509_crt_t crt;
	size_t len = outlen;
	tims_rc rc = import_crt(cert_pem, &crt, err);

	if (rc)
		goto out;
	GT(gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
		out, &len), "common name");
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}
