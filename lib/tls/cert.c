/*
 * cert.c — key and certificate generation with GnuTLS, certificate roles,
 * the centre's revocation list, and the checks each side makes of its peer
 * (see include/tims/tls.h).
 */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "internal.h"
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

/*
 * A role is the subject's organizational unit, exactly one, with the
 * extended key usage that goes with it (TLS server or TLS client). Only
 * the centre's CA writes subjects into the certificates it issues, so a
 * chain to it vouches for the role as much as for the name.
 */
static const struct {
	const char *name;
	unsigned use;
} roles[TIMS_CERT_ROLES + 1] = {
	[TIMS_CERT_ROLE_NONE] = { "none", 0 },
	[TIMS_CERT_CENTRE_SERVER] = { "centre-server", TIMS_CERT_SERVER },
	[TIMS_CERT_CENTRE_CLIENT] = { "centre-client", TIMS_CERT_CLIENT },
	[TIMS_CERT_POST_SERVER] = { "post-server", TIMS_CERT_SERVER },
	[TIMS_CERT_POST_CLIENT] = { "post-client", TIMS_CERT_CLIENT },
	[TIMS_CERT_WITNESS] = { "witness", TIMS_CERT_SERVER },
};

const char *tims_tls_role_name(unsigned role)
{
	return role <= TIMS_CERT_ROLES ? roles[role].name : "none";
}

#define GT(call, what) do { \
	int gt_rc_ = (call); \
	if (gt_rc_ < 0) { \
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "certificate: %s: %s", \
				  what, gnutls_strerror(gt_rc_)); \
		goto out; \
	} \
} while (0)

/* The CA: its certificate, and its key from a PEM file or a PKCS#11 token
 * (ca.key holding a pkcs11: URI; p11key.c). */
static tims_rc load_ca(const char *ca_cert, const char *ca_key,
		       gnutls_x509_crt_t *crt, struct tls_ca_key *key,
		       struct tims_err *err)
{
	gnutls_datum_t d;
	tims_rc rc = TIMS_OK;

	*crt = NULL;
	memset(key, 0, sizeof(*key));
	GT(gnutls_x509_crt_init(crt), "init");
	d.data = (unsigned char *)(uintptr_t)ca_cert;
	d.size = (unsigned)strlen(ca_cert);
	GT(gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM), "CA certificate");
	rc = tls_ca_key_load(ca_key, key, err);
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
	if (req->role > TIMS_CERT_ROLES)
		return tims_err_set(err, TIMS_ERR_INVALID, "role: %u is not a role", req->role);
	if (req->seconds ? req->seconds > 3650u * 86400 : (req->days == 0 || req->days > 3650))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "validity: %u %s, 1 s to 3650 days allowed",
				    req->seconds ? req->seconds : req->days,
				    req->seconds ? "seconds" : "days");
	return TIMS_OK;
}

/* The validity asked for, in seconds. */
static int64_t lifetime_s(const struct tims_cert_req *req)
{
	return req->seconds ? (int64_t)req->seconds : (int64_t)req->days * 86400;
}

/*
 * Fill and sign a certificate for public key pub: by the CA (cacrt,
 * cakey), or self-signed with selfkey. Backdated by a tenth of its
 * lifetime, at most an hour, for clocks a little behind.
 */
static tims_rc sign_cert(const struct tims_cert_req *req, gnutls_pubkey_t pub,
			 gnutls_x509_crt_t cacrt, const struct tls_ca_key *cakey,
			 gnutls_x509_privkey_t selfkey, struct tims_buf *cert_pem,
			 struct tims_err *err)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t out_crt = { NULL, 0 };
	unsigned char serial[16], keyid[64];
	size_t keyid_len = sizeof(keyid);
	unsigned usage, uses = req->uses;
	time_t now = time(NULL);
	int64_t life = lifetime_s(req), back = life / 10 < 3600 ? life / 10 : 3600;
	tims_rc rc = TIMS_OK;

	GT(gnutls_x509_crt_init(&crt), "init");
	GT(gnutls_x509_crt_set_version(crt, 3), "version");
	GT(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)), "serial");
	serial[0] &= 0x7f; /* a positive INTEGER */
	GT(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), "serial");
	GT(gnutls_x509_crt_set_activation_time(crt, now - (time_t)back), "activation time");
	GT(gnutls_x509_crt_set_expiration_time(crt, now + (time_t)life), "expiration time");
	GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
		req->common_name, (unsigned)strlen(req->common_name)), "common name");
	if (req->role) {
		const char *r = roles[req->role].name;

		uses |= roles[req->role].use;
		GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME,
			0, r, (unsigned)strlen(r)), "role");
	}
	GT(gnutls_x509_crt_set_pubkey(crt, pub), "public key");
	if ((rc = add_names(crt, req, err)))
		goto out;
	GT(gnutls_x509_crt_set_basic_constraints(crt,
		(uses & TIMS_CERT_CA) ? 1 : 0, (uses & TIMS_CERT_CA) ? 0 : -1),
		"basic constraints");
	usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
	if (uses & TIMS_CERT_CA)
		usage |= GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	GT(gnutls_x509_crt_set_key_usage(crt, usage), "key usage");
	if (uses & TIMS_CERT_SERVER)
		GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
		   "key purpose");
	if (uses & TIMS_CERT_CLIENT)
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
		GT(gnutls_x509_crt_privkey_sign(crt, cacrt, cakey->pk, GNUTLS_DIG_SHA256, 0),
		   "signing");
	} else {
		GT(gnutls_x509_crt_sign2(crt, crt, selfkey, GNUTLS_DIG_SHA256, 0), "signing");
	}
	GT(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out_crt), "export");
	if ((rc = tims_buf_add(cert_pem, out_crt.data, out_crt.size)))
		tims_err_set(err, rc, "certificate: PEM larger than its buffer");
out:
	gnutls_free(out_crt.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

static tims_rc import_key(const char *pem, gnutls_x509_privkey_t *key, struct tims_err *err)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem, 0 };
	tims_rc rc = TIMS_OK;

	*key = NULL;
	d.size = (unsigned)strnlen(pem, TIMS_TLS_PEM_MAX + 1);
	if (d.size > TIMS_TLS_PEM_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "key: larger than %d bytes",
				    TIMS_TLS_PEM_MAX);
	GT(gnutls_x509_privkey_init(key), "init");
	GT(gnutls_x509_privkey_import(*key, &d, GNUTLS_X509_FMT_PEM), "key");
out:
	return rc;
}

static tims_rc pub_of(gnutls_x509_privkey_t key, gnutls_pubkey_t *pub, struct tims_err *err)
{
	gnutls_privkey_t pk = NULL;
	tims_rc rc = TIMS_OK;

	*pub = NULL;
	GT(gnutls_privkey_init(&pk), "init");
	GT(gnutls_privkey_import_x509(pk, key, 0), "key");
	GT(gnutls_pubkey_init(pub), "init");
	GT(gnutls_pubkey_import_privkey(*pub, pk, 0, 0), "public key");
out:
	if (pk)
		gnutls_privkey_deinit(pk);
	return rc;
}

tims_rc tims_tls_issue(const struct tims_cert_req *req, const char *ca_cert,
		       const char *ca_key, struct tims_buf *cert_pem,
		       struct tims_buf *key_pem, struct tims_err *err)
{
	gnutls_x509_privkey_t key = NULL;
	struct tls_ca_key cakey = { NULL, NULL };
	gnutls_x509_crt_t cacrt = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t out_key = { NULL, 0 };
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
	if ((rc = pub_of(key, &pub, err)) ||
	    (rc = sign_cert(req, pub, cacrt, &cakey, key, cert_pem, err)))
		goto out;
	GT(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
		GNUTLS_PKCS_PLAIN, &out_key), "key export");
	if ((rc = tims_buf_add(key_pem, out_key.data, out_key.size)))
		tims_err_set(err, rc, "certificate: PEM larger than its buffer");
out:
	if (out_key.data) {
		gnutls_memset(out_key.data, 0, out_key.size);
		gnutls_free(out_key.data);
	}
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (cacrt)
		gnutls_x509_crt_deinit(cacrt);
	tls_ca_key_release(&cakey);
	return rc;
}

tims_rc tims_tls_csr_make(const char *common_name, struct tims_buf *csr_pem,
			  struct tims_buf *key_pem, struct tims_err *err)
{
	struct tims_cert_req probe = { .common_name = common_name, .days = 1 };
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_datum_t out = { NULL, 0 }, out_key = { NULL, 0 };
	tims_rc rc;

	if ((rc = check_req(&probe, err)))
		return rc;
	GT(gnutls_x509_privkey_init(&key), "init");
	GT(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), "key generation");
	GT(gnutls_x509_crq_init(&crq), "init");
	GT(gnutls_x509_crq_set_version(crq, 1), "request version");
	GT(gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, common_name,
		(unsigned)strlen(common_name)), "common name");
	GT(gnutls_x509_crq_set_key(crq, key), "public key");
	GT(gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256, 0), "signing the request");
	GT(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, &out), "export");
	GT(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
		GNUTLS_PKCS_PLAIN, &out_key), "key export");
	if ((rc = tims_buf_add(csr_pem, out.data, out.size)) ||
	    (rc = tims_buf_add(key_pem, out_key.data, out_key.size)))
		tims_err_set(err, rc, "certificate request: PEM larger than its buffer");
out:
	if (out_key.data) {
		gnutls_memset(out_key.data, 0, out_key.size);
		gnutls_free(out_key.data);
	}
	gnutls_free(out.data);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

tims_rc tims_tls_issue_csr(const struct tims_cert_req *req, const char *csr_pem,
			   const char *ca_cert, const char *ca_key,
			   struct tims_buf *cert_pem, struct tims_err *err)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)csr_pem, 0 };
	struct tls_ca_key cakey = { NULL, NULL };
	gnutls_x509_crt_t cacrt = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_pubkey_t pub = NULL;
	tims_rc rc;

	if ((rc = check_req(req, err)))
		return rc;
	d.size = (unsigned)strnlen(csr_pem, TIMS_TLS_PEM_MAX + 1);
	if (d.size > TIMS_TLS_PEM_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "csr: larger than %d bytes",
				    TIMS_TLS_PEM_MAX);
	if ((rc = load_ca(ca_cert, ca_key, &cacrt, &cakey, err)))
		goto out;
	GT(gnutls_x509_crq_init(&crq), "init");
	if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM) < 0) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "csr: not a PEM certificate request");
		goto out;
	}
	/* Proof of possession: the request is signed by its own key. */
	if (gnutls_x509_crq_verify(crq, 0) < 0) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "csr: not signed by the key it carries");
		goto out;
	}
	GT(gnutls_pubkey_init(&pub), "init");
	GT(gnutls_pubkey_import_x509_crq(pub, crq, 0), "csr public key");
	rc = sign_cert(req, pub, cacrt, &cakey, NULL, cert_pem, err);
out:
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	if (cacrt)
		gnutls_x509_crt_deinit(cacrt);
	tls_ca_key_release(&cakey);
	return rc;
}

tims_rc tims_tls_issue_for_key(const struct tims_cert_req *req, const char *key_pem,
			       const char *ca_cert, const char *ca_key,
			       struct tims_buf *cert_pem, struct tims_err *err)
{
	gnutls_x509_privkey_t key = NULL;
	struct tls_ca_key cakey = { NULL, NULL };
	gnutls_x509_crt_t cacrt = NULL;
	gnutls_pubkey_t pub = NULL;
	tims_rc rc;

	if ((rc = check_req(req, err)) ||
	    (rc = load_ca(ca_cert, ca_key, &cacrt, &cakey, err)) ||
	    (rc = import_key(key_pem, &key, err)) || (rc = pub_of(key, &pub, err)))
		goto out;
	rc = sign_cert(req, pub, cacrt, &cakey, NULL, cert_pem, err);
out:
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (cacrt)
		gnutls_x509_crt_deinit(cacrt);
	tls_ca_key_release(&cakey);
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

tims_rc tims_tls_issue_for_cert(const struct tims_cert_req *req, const char *old_pem,
				const char *ca_cert, const char *ca_key,
				struct tims_buf *cert_pem, struct tims_err *err)
{
	struct tls_ca_key cakey = { NULL, NULL };
	gnutls_x509_crt_t cacrt = NULL, old = NULL;
	gnutls_pubkey_t pub = NULL;
	tims_rc rc;

	if ((rc = check_req(req, err)) ||
	    (rc = load_ca(ca_cert, ca_key, &cacrt, &cakey, err)) ||
	    (rc = import_crt(old_pem, &old, err)))
		goto out;
	GT(gnutls_pubkey_init(&pub), "init");
	GT(gnutls_pubkey_import_x509(pub, old, 0), "the certificate's public key");
	rc = sign_cert(req, pub, cacrt, &cakey, NULL, cert_pem, err);
out:
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (old)
		gnutls_x509_crt_deinit(old);
	if (cacrt)
		gnutls_x509_crt_deinit(cacrt);
	tls_ca_key_release(&cakey);
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

tims_rc tims_tls_cert_times(const char *cert_pem, int64_t *not_before,
			    int64_t *not_after, struct tims_err *err)
{
	gnutls_x509_crt_t crt;
	tims_rc rc = import_crt(cert_pem, &crt, err);

	if (!rc) {
		*not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
		*not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
		if (*not_before < 0 || *not_after <= *not_before)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "certificate: no validity");
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

tims_rc tims_tls_cert_names(const char *cert_pem, struct tims_cert_req *req,
			    struct tims_err *err)
{
	gnutls_x509_crt_t crt;
	size_t nd = 0, ni = 0;
	tims_rc rc = import_crt(cert_pem, &crt, err);

	for (unsigned i = 0; !rc && i < 64; i++) {
		char buf[256], txt[64];
		size_t len = sizeof(buf);
		int t = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &len, NULL);

		if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (t == GNUTLS_SAN_DNSNAME && nd < TIMS_TLS_MAX_NAMES && len < sizeof(buf)) {
			buf[len] = '\0';
			if (!(req->dns[nd++] = strdup(buf)))
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		} else if (t == GNUTLS_SAN_IPADDRESS && ni < TIMS_TLS_MAX_NAMES &&
			   (len == 4 || len == 16) &&
			   inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, txt, sizeof(txt))) {
			if (!(req->ips[ni++] = strdup(txt)))
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		}
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

void tims_tls_cert_names_free(struct tims_cert_req *req)
{
	for (int i = 0; i < TIMS_TLS_MAX_NAMES; i++) {
		free((char *)(uintptr_t)req->dns[i]);
		free((char *)(uintptr_t)req->ips[i]);
		req->dns[i] = req->ips[i] = NULL;
	}
}

#define CA_LIST_MAX 8

/* One or several PEM certificates (a CA bundle during a rollover). */
static tims_rc import_list(const char *pem, gnutls_x509_crt_t *list, unsigned *n,
			   struct tims_err *err)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem, 0 };
	int r;

	*n = CA_LIST_MAX;
	d.size = (unsigned)strnlen(pem, CA_LIST_MAX * TIMS_TLS_PEM_MAX + 1);
	if (d.size > CA_LIST_MAX * TIMS_TLS_PEM_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "CA certificates: too large");
	r = gnutls_x509_crt_list_import(list, n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (r <= 0) {
		*n = 0;
		return tims_err_set(err, TIMS_ERR_INVALID, "CA certificates: %s",
				    r < 0 ? gnutls_strerror(r) : "none");
	}
	*n = (unsigned)r;
	return TIMS_OK;
}

static void free_list(gnutls_x509_crt_t *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
}

tims_rc tims_tls_issued_by(const char *cert_pem, const char *ca_pem,
			   struct tims_err *err)
{
	gnutls_x509_crt_t list[CA_LIST_MAX], crt = NULL;
	unsigned n = 0, status = 0;
	tims_rc rc;

	if ((rc = import_crt(cert_pem, &crt, err)) || (rc = import_list(ca_pem, list, &n, err)))
		goto out;
	if (gnutls_x509_crt_verify(crt, list, n, GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
				   GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status) < 0 ||
	    status)
		rc = tims_err_set(err, TIMS_ERR_AUTH,
				  "certificate: not issued by a CA trusted here (status 0x%x)",
				  status);
out:
	free_list(list, n);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/* ---- peers -------------------------------------------------------------- */

static tims_rc read_crt(gnutls_x509_crt_t crt, struct tims_tls_peer *out,
			struct tims_err *err)
{
	gnutls_pubkey_t pk = NULL;
	gnutls_datum_t spki = { NULL, 0 };
	char oid[128], ou[64];
	size_t len = sizeof(out->cn), fplen = sizeof(out->fp);
	unsigned role = TIMS_CERT_ROLE_NONE;
	int found = 0;
	tims_rc rc = TIMS_OK;

	memset(out, 0, sizeof(*out));
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
					  out->cn, &len) < 0)
		out->cn[0] = '\0';
	GT(gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, out->fp, &fplen),
	   "fingerprint");
	len = sizeof(out->serial);
	GT(gnutls_x509_crt_get_serial(crt, out->serial, &len), "serial");
	out->serial_len = len;
	/* The role: exactly one OU, one of ours, with its key purpose. */
	len = sizeof(ou);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, 0, 0,
					  ou, &len) >= 0 &&
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, 1, 0,
					  oid, &(size_t){ sizeof(oid) }) < 0)
		for (unsigned k = 1; k <= TIMS_CERT_ROLES; k++)
			if (!strcmp(ou, roles[k].name))
				role = k;
	for (unsigned i = 0; role && i < 64; i++) {
		size_t ol = sizeof(oid);
		int r = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &ol, NULL);

		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r >= 0 && !strcmp(oid, roles[role].use == TIMS_CERT_SERVER ?
				      GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT))
			found = 1;
	}
	out->role = found ? role : TIMS_CERT_ROLE_NONE;
	GT(gnutls_pubkey_init(&pk), "init");
	GT(gnutls_pubkey_import_x509(pk, crt, 0), "public key");
	GT(gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &spki), "public key");
	GT(gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, out->spki), "hash");
out:
	gnutls_free(spki.data);
	if (pk)
		gnutls_pubkey_deinit(pk);
	return rc;
}

tims_rc tims_tls_peer_read(const void *der, size_t len, struct tims_tls_peer *out,
			   struct tims_err *err)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)der, (unsigned)len };
	gnutls_x509_crt_t crt = NULL;
	tims_rc rc = TIMS_OK;

	if (len > TIMS_TLS_PEM_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "certificate: larger than %d bytes",
				    TIMS_TLS_PEM_MAX);
	GT(gnutls_x509_crt_init(&crt), "init");
	GT(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), "import");
	rc = read_crt(crt, out, err);
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

tims_rc tims_tls_peer_read_pem(const char *pem, struct tims_tls_peer *out,
			       struct tims_err *err)
{
	gnutls_x509_crt_t crt;
	tims_rc rc = import_crt(pem, &crt, err);

	if (!rc)
		rc = read_crt(crt, out, err);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/* Serial numbers compare as integers: leading zero bytes do not count. */
static int same_serial(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	while (al && !*a)
		a++, al--;
	while (bl && !*b)
		b++, bl--;
	return al == bl && memcmp(a, b, al) == 0;
}

static void serial_hex(const uint8_t *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && k + 3 <= cap; i++, k += 2)
		snprintf(out + k, cap - k, "%02x", s[i]);
}

/* ---- the revocation list ------------------------------------------------ */

#define CRL_MAX_ENTRIES 65536

struct tims_tls_crl {
	uint64_t number;
	size_t n;
	struct tims_tls_serial *serials;
};

tims_rc tims_tls_crl_make(const char *ca_cert, const char *ca_key, uint64_t number,
			  unsigned days, const struct tims_tls_serial *serials,
			  size_t n, struct tims_buf *pem, struct tims_err *err)
{
	gnutls_x509_crt_t cacrt = NULL;
	struct tls_ca_key cakey = { NULL, NULL };
	gnutls_x509_crl_t crl = NULL;
	gnutls_datum_t out = { NULL, 0 };
	unsigned char num[8], keyid[64];
	size_t keyid_len = sizeof(keyid);
	time_t now = time(NULL);
	tims_rc rc;

	if (days == 0 || days > 3650)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "revocation list: %u days, 1 to 3650 allowed", days);
	if (n > CRL_MAX_ENTRIES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "revocation list: more than %d entries", CRL_MAX_ENTRIES);
	if ((rc = load_ca(ca_cert, ca_key, &cacrt, &cakey, err)))
		goto out;
	GT(gnutls_x509_crl_init(&crl), "init");
	GT(gnutls_x509_crl_set_version(crl, 2), "revocation list version");
	GT(gnutls_x509_crl_set_this_update(crl, now), "this update");
	GT(gnutls_x509_crl_set_next_update(crl, now + (time_t)days * 86400), "next update");
	for (int i = 0; i < 8; i++)
		num[i] = (unsigned char)(number >> (56 - 8 * i));
	GT(gnutls_x509_crl_set_number(crl, num, sizeof(num)), "revocation list number");
	GT(gnutls_x509_crt_get_subject_key_id(cacrt, keyid, &keyid_len, NULL), "CA key id");
	GT(gnutls_x509_crl_set_authority_key_id(crl, keyid, keyid_len), "authority key id");
	for (size_t i = 0; i < n; i++)
		GT(gnutls_x509_crl_set_crt_serial(crl, serials[i].b, serials[i].len, now),
		   "revoked serial");
	GT(gnutls_x509_crl_privkey_sign(crl, cacrt, cakey.pk, GNUTLS_DIG_SHA256, 0),
	   "signing");
	GT(gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_PEM, &out), "export");
	if ((rc = tims_buf_add(pem, out.data, out.size)))
		tims_err_set(err, rc, "revocation list: larger than its buffer");
out:
	gnutls_free(out.data);
	if (crl)
		gnutls_x509_crl_deinit(crl);
	if (cacrt)
		gnutls_x509_crt_deinit(cacrt);
	tls_ca_key_release(&cakey);
	return rc;
}

tims_rc tims_tls_crl_load(const char *pem, size_t len, const char *ca_cert,
			  struct tims_tls_crl **out, struct tims_err *err)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem, (unsigned)len };
	gnutls_x509_crl_t crl = NULL;
	gnutls_x509_crt_t ca[CA_LIST_MAX];
	unsigned nca = 0;
	struct tims_tls_crl *c = NULL;
	unsigned char num[20];
	size_t numlen = sizeof(num);
	unsigned status = 0, crit = 0;
	int count;
	tims_rc rc;

	*out = NULL;
	if (len > (size_t)CRL_MAX_ENTRIES * 64)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: too large");
	if ((rc = import_list(ca_cert, ca, &nca, err)))
		goto out;
	GT(gnutls_x509_crl_init(&crl), "init");
	GT(gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_PEM), "revocation list");
	GT(gnutls_x509_crl_verify(crl, ca, nca, 0, &status), "revocation list");
	/* Past its next update it is still the newest an offline post has. */
	status &= ~(unsigned)GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED;
	if (status) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "revocation list: not signed by the centre's CA (status 0x%x)",
				  status);
		goto out;
	}
	if ((count = gnutls_x509_crl_get_crt_count(crl)) < 0 || count > CRL_MAX_ENTRIES) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: bad entry count");
		goto out;
	}
	if (!(c = calloc(1, sizeof(*c))) ||
	    (count && !(c->serials = calloc((size_t)count, sizeof(*c->serials))))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (gnutls_x509_crl_get_number(crl, num, &numlen, &crit) >= 0 && numlen <= 8)
		for (size_t i = 0; i < numlen; i++)
			c->number = c->number << 8 | num[i];
	for (int i = 0; i < count; i++) {
		size_t sl = TIMS_TLS_SERIAL_MAX;

		GT(gnutls_x509_crl_get_crt_serial(crl, i, c->serials[i].b, &sl, NULL),
		   "revoked serial");
		c->serials[i].len = sl;
	}
	c->n = (size_t)count;
	*out = c;
	c = NULL;
out:
	tims_tls_crl_free(c);
	if (crl)
		gnutls_x509_crl_deinit(crl);
	free_list(ca, nca);
	return rc;
}

uint64_t tims_tls_crl_number(const struct tims_tls_crl *crl)
{
	return crl->number;
}

size_t tims_tls_crl_count(const struct tims_tls_crl *crl)
{
	return crl->n;
}

int tims_tls_crl_revoked(const struct tims_tls_crl *crl, const uint8_t *serial,
			 size_t len)
{
	for (size_t i = 0; crl && i < crl->n; i++)
		if (same_serial(crl->serials[i].b, crl->serials[i].len, serial, len))
			return 1;
	return 0;
}

tims_rc tims_tls_crl_add(struct tims_tls_crl **crl, const struct tims_tls_serial *serials,
			 size_t n, struct tims_err *err)
{
	struct tims_tls_crl *c = *crl;
	struct tims_tls_serial *m;

	if (!n)
		return TIMS_OK;
	if (!c && !(c = *crl = calloc(1, sizeof(*c))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (c->n + n > CRL_MAX_ENTRIES * 2)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: too many entries");
	if (!(m = realloc(c->serials, (c->n + n) * sizeof(*m))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	memcpy(m + c->n, serials, n * sizeof(*m));
	c->serials = m;
	c->n += n;
	return TIMS_OK;
}

void tims_tls_crl_free(struct tims_tls_crl *crl)
{
	if (!crl)
		return;
	free(crl->serials);
	free(crl);
}

/* ---- the checks --------------------------------------------------------- */

tims_rc tims_tls_check(const struct tims_tls_peer *peer,
		       const struct tims_tls_policy *policy, struct tims_err *err)
{
	char hex[2 * TIMS_TLS_SERIAL_MAX + 1];

	if (!policy->role || peer->role != policy->role)
		return tims_err_set(err, TIMS_ERR_AUTH,
				    "certificate \"%s\": role %s, not %s", peer->cn,
				    tims_tls_role_name(peer->role),
				    tims_tls_role_name(policy->role));
	if (policy->name && strcmp(peer->cn, policy->name) != 0)
		return tims_err_set(err, TIMS_ERR_AUTH,
				    "certificate \"%s\": not \"%s\"", peer->cn, policy->name);
	if (policy->spki_pin && sodium_memcmp(peer->spki, policy->spki_pin, 32) != 0)
		return tims_err_set(err, TIMS_ERR_AUTH,
				    "certificate \"%s\" (%s): its key is not the one pinned "
				    "at enrolment", peer->cn, tims_tls_role_name(peer->role));
	if (policy->crl && tims_tls_crl_revoked(policy->crl, peer->serial, peer->serial_len)) {
		serial_hex(peer->serial, peer->serial_len, hex, sizeof(hex));
		return tims_err_set(err, TIMS_ERR_AUTH,
				    "certificate \"%s\" (%s, serial %s): revoked by the centre",
				    peer->cn, tims_tls_role_name(peer->role), hex);
	}
	return TIMS_OK;
}

void tims_tls_hex32(const uint8_t in[32], char out[65])
{
	sodium_bin2hex(out, 65, in, 32);
}

tims_rc tims_tls_unhex32(const char *in, uint8_t out[32], struct tims_err *err)
{
	size_t n = 0;

	if (strlen(in) != 64 || sodium_hex2bin(out, 32, in, 64, NULL, &n, NULL) != 0 ||
	    n != 32)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pin: want 64 hex digits (a SHA-256)");
	return TIMS_OK;
}
