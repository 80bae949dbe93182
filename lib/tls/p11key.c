/*
 * p11key.c — the centre's CA key in a PKCS#11 token, used through GnuTLS's
 * own PKCS#11 support: ca.key then holds a pkcs11: URI (RFC 7512, with
 * object=) instead of a PEM key, and certificates and revocation lists are
 * signed in the token. The key is an ECDSA P-256 pair made by lib/p11
 * (sensitive, not extractable), the algorithm of every other TIMS
 * certificate: browsers that reach the centre's dashboard accept it, where
 * an Ed25519 CA (which GnuTLS 3.7 signs with from SoftHSM2 too, but cannot
 * generate there) would not be.
 *
 * GnuTLS is initialised for PKCS#11 by hand (GNUTLS_PKCS11_FLAG_MANUAL: no
 * module from the system's p11-kit configuration is loaded) and the URI's
 * module is added by path. The PIN is read as lib/p11 reads it and given
 * to GnuTLS through a per-key callback that answers once: a wrong PIN is
 * never tried twice.
 */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>

#include "internal.h"
#include "tims/p11.h"
#include "tims/tls.h"

#define MAX_PROVIDERS 4

static pthread_mutex_t prov_lock = PTHREAD_MUTEX_INITIALIZER;
static int prov_init;
static char providers[MAX_PROVIDERS][PATH_MAX];

static tims_rc add_provider(const char *module, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;
	int r, i;

	pthread_mutex_lock(&prov_lock);
	if (!prov_init) {
		r = gnutls_pkcs11_init(GNUTLS_PKCS11_FLAG_MANUAL, NULL);
		if (r < 0) {
			rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "CA key: "
					  "GnuTLS PKCS#11: %s", gnutls_strerror(r));
			goto out;
		}
		prov_init = 1;
	}
	for (i = 0; i < MAX_PROVIDERS && providers[i][0]; i++)
		if (!strcmp(providers[i], module))
			goto out;
	if (i == MAX_PROVIDERS) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "CA key: more than %d "
				  "PKCS#11 modules", MAX_PROVIDERS);
		goto out;
	}
	r = gnutls_pkcs11_add_provider(module, NULL);
	if (r < 0) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "CA key: PKCS#11 "
				  "module %s: %s", module, gnutls_strerror(r));
		goto out;
	}
	snprintf(providers[i], sizeof(providers[i]), "%s", module);
out:
	pthread_mutex_unlock(&prov_lock);
	return rc;
}

static int pin_cb(void *ud, int attempt, const char *token_url,
		  const char *token_label, unsigned flags, char *pin,
		  size_t pin_max)
{
	struct tls_ca_key *k = ud;
	size_t n;

	(void)token_url;
	(void)token_label;
	if (attempt > 0 || (flags & GNUTLS_PIN_WRONG) || !k->pin)
		return -1; /* never the same wrong PIN twice */
	n = strlen(k->pin);
	if (n >= pin_max)
		return -1;
	memcpy(pin, k->pin, n + 1);
	return 0;
}

static tims_rc load_token_key(const char *uri, struct tls_ca_key *k,
			      struct tims_err *err)
{
	char module[PATH_MAX], url[TIMS_P11_URI_MAX + 64];
	tims_rc rc;
	int r;

	k->pin = sodium_malloc(TIMS_P11_PIN_BUF);
	if (!k->pin)
		return tims_err_set(err, TIMS_ERR_NOMEM, "CA key: out of secure memory");
	if ((rc = tims_p11_uri_parts(uri, module, sizeof(module), k->pin,
				     TIMS_P11_PIN_BUF, url, sizeof(url), err)) ||
	    (rc = add_provider(module, err)))
		return rc;
	if ((r = gnutls_privkey_init(&k->pk)) < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "CA key: %s",
				    gnutls_strerror(r));
	gnutls_privkey_set_pin_function(k->pk, pin_cb, k);
	if ((r = gnutls_privkey_import_url(k->pk, url, 0)) < 0)
		return tims_err_set(err, r == GNUTLS_E_PKCS11_PIN_ERROR ||
				    r == GNUTLS_E_PKCS11_TOKEN_ERROR ||
				    r == GNUTLS_E_PKCS11_DEVICE_ERROR ||
				    r == GNUTLS_E_PKCS11_LOAD_ERROR ||
				    r == GNUTLS_E_PKCS11_ERROR ||
				    r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE
				    ? TIMS_ERR_UNAVAILABLE : TIMS_ERR_CRYPTO,
				    "CA key: %s in the token: %s", url,
				    gnutls_strerror(r));
	return TIMS_OK;
}

tims_rc tls_ca_key_load(const char *ca_key, struct tls_ca_key *k,
			struct tims_err *err)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t d;
	tims_rc rc = TIMS_OK;
	int r;

	memset(k, 0, sizeof(*k));
	if (!strncmp(ca_key, "pkcs11:", 7)) {
		char uri[TIMS_P11_URI_MAX + 1];
		size_t n = strnlen(ca_key, sizeof(uri));

		if (n && ca_key[n - 1] == '\n')
			n--;
		if (n >= sizeof(uri))
			return tims_err_set(err, TIMS_ERR_INVALID, "CA key: URI too long");
		memcpy(uri, ca_key, n);
		uri[n] = '\0';
		if ((rc = load_token_key(uri, k, err)))
			tls_ca_key_release(k);
		return rc;
	}
	d.data = (unsigned char *)(uintptr_t)ca_key;
	d.size = (unsigned)strlen(ca_key);
	if ((r = gnutls_x509_privkey_init(&x)) < 0 ||
	    (r = gnutls_x509_privkey_import(x, &d, GNUTLS_X509_FMT_PEM)) < 0 ||
	    (r = gnutls_privkey_init(&k->pk)) < 0 ||
	    (r = gnutls_privkey_import_x509(k->pk, x,
					    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE)) < 0) {
		if (x)
			gnutls_x509_privkey_deinit(x);
		tls_ca_key_release(k);
		return tims_err_set(err, TIMS_ERR_CRYPTO, "certificate: CA key: %s",
				    gnutls_strerror(r));
	}
	return TIMS_OK;
}

void tls_ca_key_release(struct tls_ca_key *k)
{
	if (k->pk)
		gnutls_privkey_deinit(k->pk);
	if (k->pin)
		sodium_free(k->pin);
	memset(k, 0, sizeof(*k));
}

#define GT(call, what) do { \
	int gt_rc_ = (call); \
	if (gt_rc_ < 0) { \
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "CA certificate: %s: %s", \
				  what, gnutls_strerror(gt_rc_)); \
		goto out; \
	} \
} while (0)

tims_rc tims_tls_ca_in_token(const char *common_name, unsigned days,
			     const char *token, const char *label,
			     struct tims_buf *cert_pem, struct tims_buf *key_ref,
			     struct tims_err *err)
{
	struct tims_p11 *p = NULL;
	struct tls_ca_key k = { NULL, NULL };
	gnutls_pubkey_t pub = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t out = { NULL, 0 };
	unsigned char serial[16], keyid[64];
	size_t keyid_len = sizeof(keyid);
	const char *q = strchr(token, '?');
	time_t now = time(NULL);
	int made = 0;
	tims_rc rc;

	if (!common_name || !*common_name || strlen(common_name) > 64 ||
	    !days || days > 3650)
		return tims_err_set(err, TIMS_ERR_INVALID, "CA certificate: a "
				    "common name of 1-64 bytes, 1-3650 days");
	if ((rc = tims_p11_open(token, &p, err)))
		return rc;
	if (tims_p11_object(p)[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "token URI: give it "
				  "without object= (the label is separate)");
		goto out;
	}
	if ((rc = tims_p11_ecdsa_p256_generate(p, label, err)))
		goto out;
	made = 1;
	if ((rc = tims_buf_addf(key_ref, "%.*s;object=%s%s\n",
				(int)(q ? (size_t)(q - token) : strlen(token)),
				token, label, q ? q : ""))) {
		rc = tims_err_set(err, rc, "CA key: reference too long");
		goto out;
	}
	if ((rc = tls_ca_key_load(key_ref->buf, &k, err)))
		goto out;
	GT(gnutls_pubkey_init(&pub), "init");
	GT(gnutls_pubkey_import_privkey(pub, k.pk, 0, 0), "public key");
	GT(gnutls_x509_crt_init(&crt), "init");
	GT(gnutls_x509_crt_set_version(crt, 3), "version");
	GT(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)), "serial");
	serial[0] &= 0x7f;
	GT(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), "serial");
	GT(gnutls_x509_crt_set_activation_time(crt, now - 3600), "activation time");
	GT(gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400),
	   "expiration time");
	GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
		common_name, (unsigned)strlen(common_name)), "common name");
	GT(gnutls_x509_crt_set_pubkey(crt, pub), "public key");
	GT(gnutls_x509_crt_set_basic_constraints(crt, 1, 0), "basic constraints");
	GT(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
		GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN), "key usage");
	GT(gnutls_x509_crt_get_key_id(crt, 0, keyid, &keyid_len), "key id");
	GT(gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len), "key id");
	GT(gnutls_x509_crt_privkey_sign(crt, crt, k.pk, GNUTLS_DIG_SHA256, 0),
	   "signing in the token");
	GT(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out), "export");
	if ((rc = tims_buf_add(cert_pem, out.data, out.size)))
		tims_err_set(err, rc, "CA certificate: PEM larger than its buffer");
out:
	gnutls_free(out.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (pub)
		gnutls_pubkey_deinit(pub);
	tls_ca_key_release(&k);
	if (rc && made)
		(void)tims_p11_destroy(p, label, NULL);
	tims_p11_close(p);
	return rc;
}
