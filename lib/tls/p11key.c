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
#include "tims/keydir.h"
#include "tims/p11.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/util.h"

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

	/* in the signer, a module named in a key file (which the network
	 * process may have written) is held to the prefixes before GnuTLS
	 * loads it */
	if ((rc = tims_signer_module_check(uri, err)))
		return rc;
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
		/* with a signer, it holds the module, the PIN and the key */
		rc = tims_signer_active() ? tls_remote_key(uri, &k->pk, NULL, err)
					  : load_token_key(uri, k, err);
		if (rc)
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

/* ---- keys the signer holds (tims/signer.h) -------------------------------- */

/* The signer's side: a key and what its PIN callback answers. */
struct signer_tls_key {
	struct tls_ca_key k;
};

tims_rc tims_signer_tls_open(const char *ref, void **ctx, unsigned *pk_algo,
			     unsigned *bits, struct tims_buf *spki,
			     struct tims_err *err)
{
	struct signer_tls_key *s;
	struct tims_buf pem = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t der = { NULL, 0 };
	unsigned b = 0;
	tims_rc rc;
	int r;

	*ctx = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "TLS key: out of memory");
	if (!strncmp(ref, "pkcs11:", 7)) {
		rc = load_token_key(ref, &s->k, err);
	} else if (ref[0] != '/') {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "TLS key: a pkcs11: URI "
				  "or an absolute path");
	} else if (!(rc = tims_read_file(ref, TIMS_TLS_PEM_MAX, &pem, err))) {
		struct tims_err e;

		tims_err_clear(&e);
		/* a key file holding the CA's token URI (any name, written
		 * anywhere): the CA's key all the same */
		if (!strncmp(tims_buf_str(&pem), "pkcs11:", 7) &&
		    tims_p11_uri_names_ca(tims_buf_str(&pem)))
			rc = tims_err_set(err, TIMS_ERR_DENIED, "TLS key %s: names the "
					  "centre's CA key (or no object) in a token: it "
					  "signs what the signer checks, not TLS handshakes",
					  ref);
		else if ((rc = tls_ca_key_load(tims_buf_str(&pem), &s->k, &e)))
			rc = tims_err_set(err, rc, "TLS key %s: %s", ref,
					  tims_err_msg(&e));
	}
	if (pem.buf)
		sodium_memzero(pem.buf, pem.alloc);
	tims_buf_release(&pem);
	if (rc)
		goto fail;
	if ((r = gnutls_pubkey_init(&pub)) < 0 ||
	    (r = gnutls_pubkey_import_privkey(pub, s->k.pk, 0, 0)) < 0 ||
	    (r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "TLS key: public key: %s",
				  gnutls_strerror(r));
		goto fail;
	}
	*pk_algo = (unsigned)gnutls_privkey_get_pk_algorithm(s->k.pk, &b);
	*bits = b;
	if ((rc = tims_buf_add(spki, der.data, der.size))) {
		rc = tims_err_set(err, rc, "TLS key: public key too long");
		goto fail;
	}
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	*ctx = s;
	return TIMS_OK;
fail:
	gnutls_free(der.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	tls_ca_key_release(&s->k);
	free(s);
	return rc;
}

tims_rc tims_signer_tls_sign(void *ctx, unsigned sign_algo, unsigned flags,
			     int is_data, const void *in, size_t len,
			     struct tims_buf *sig, struct tims_err *err)
{
	struct signer_tls_key *s = ctx;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)in, (unsigned)len };
	gnutls_datum_t out = { NULL, 0 };
	tims_rc rc;
	int r;

	if (!s || !s->k.pk)
		return tims_err_set(err, TIMS_ERR_USAGE, "TLS key: none");
	if (len > UINT32_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "TLS key: input too long");
	r = is_data ? gnutls_privkey_sign_data2(s->k.pk, (gnutls_sign_algorithm_t)sign_algo,
						flags, &d, &out)
		    : gnutls_privkey_sign_hash2(s->k.pk, (gnutls_sign_algorithm_t)sign_algo,
						flags, &d, &out);
	if (r < 0)
		return tims_err_set(err, r == GNUTLS_E_PKCS11_ERROR ||
				    r == GNUTLS_E_PKCS11_TOKEN_ERROR ||
				    r == GNUTLS_E_PKCS11_DEVICE_ERROR ||
				    r == GNUTLS_E_PKCS11_PIN_ERROR ?
				    TIMS_ERR_UNAVAILABLE : TIMS_ERR_CRYPTO,
				    "TLS key: sign: %s", gnutls_strerror(r));
	if ((rc = tims_buf_add(sig, out.data, out.size)))
		rc = tims_err_set(err, rc, "TLS key: signature too long");
	gnutls_free(out.data);
	return rc;
}

void tims_signer_tls_close(void *ctx)
{
	struct signer_tls_key *s = ctx;

	if (!s)
		return;
	tls_ca_key_release(&s->k);
	free(s);
}

/* The daemon's side: a gnutls_privkey_t whose signatures the signer makes. */
struct remote_key {
	uint32_t id;
	unsigned pk, bits;
};

static int remote_sign(struct remote_key *rk, gnutls_sign_algorithm_t algo,
		       unsigned flags, int is_data, const gnutls_datum_t *in,
		       gnutls_datum_t *sig)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	uint8_t id[4], a[4], f[4], w[4];
	struct tims_signer_field fin[5] = {
		{ id, 4 }, { a, 4 }, { f, 4 }, { w, 4 }, { in->data, in->size },
	}, out;
	int r = GNUTLS_E_PK_SIGN_FAILED;

	tims_signer_put32(id, rk->id);
	tims_signer_put32(a, (uint32_t)algo);
	tims_signer_put32(f, flags);
	tims_signer_put32(w, is_data ? 1 : 0);
	if (!tims_signer_call(TIMS_SIGNER_TLS_SIGN, fin, 5, &resp, &out, 1, NULL) &&
	    out.len && out.len <= 4096) {
		sig->data = gnutls_malloc(out.len);
		if (sig->data) {
			memcpy(sig->data, out.p, out.len);
			sig->size = (unsigned)out.len;
			r = 0;
		} else {
			r = GNUTLS_E_MEMORY_ERROR;
		}
	}
	tims_buf_release(&resp);
	return r;
}

static int remote_sign_data(gnutls_privkey_t key, gnutls_sign_algorithm_t algo,
			    void *ud, unsigned flags, const gnutls_datum_t *data,
			    gnutls_datum_t *sig)
{
	(void)key;
	return remote_sign(ud, algo, flags, 1, data, sig);
}

static int remote_sign_hash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo,
			    void *ud, unsigned flags, const gnutls_datum_t *hash,
			    gnutls_datum_t *sig)
{
	(void)key;
	return remote_sign(ud, algo, flags, 0, hash, sig);
}

static void remote_deinit(gnutls_privkey_t key, void *ud)
{
	struct remote_key *rk = ud;
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	uint8_t id[4];
	struct tims_signer_field in = { id, 4 };

	(void)key;
	tims_signer_put32(id, rk->id);
	(void)tims_signer_call(TIMS_SIGNER_TLS_FREE, &in, 1, &resp, NULL, 0, NULL);
	tims_buf_release(&resp);
	free(rk);
}

static int remote_info(gnutls_privkey_t key, unsigned flags, void *ud)
{
	struct remote_key *rk = ud;

	(void)key;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO)
		return (int)rk->pk;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS)
		return (int)rk->bits;
	if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO) {
		gnutls_sign_algorithm_t s = GNUTLS_FLAGS_TO_SIGN_ALGO(flags);

		return gnutls_sign_supports_pk_algorithm(s, (gnutls_pk_algorithm_t)rk->pk);
	}
	return -1;
}

tims_rc tls_remote_key(const char *ref, gnutls_privkey_t *pk,
		       gnutls_pubkey_t *pub, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_signer_field in = { ref, strlen(ref) }, f[4];
	struct remote_key *rk = NULL;
	gnutls_pubkey_t p = NULL;
	gnutls_datum_t der;
	tims_rc rc;
	int r;

	*pk = NULL;
	if (pub)
		*pub = NULL;
	if ((rc = tims_signer_call(TIMS_SIGNER_TLS_LOAD, &in, 1, &resp, f, 4, err)))
		goto out;
	if (f[0].len != 4 || f[1].len != 4 || f[2].len != 4 || !f[3].len ||
	    f[3].len > 4096) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: malformed "
				  "answer to a TLS key load");
		goto out;
	}
	rk = calloc(1, sizeof(*rk));
	if (!rk) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "TLS key: out of memory");
		goto out;
	}
	rk->id = tims_signer_get32(f[0].p);
	rk->pk = tims_signer_get32(f[1].p);
	rk->bits = tims_signer_get32(f[2].p);
	der.data = (unsigned char *)(uintptr_t)f[3].p;
	der.size = (unsigned)f[3].len;
	if ((r = gnutls_pubkey_init(&p)) < 0 ||
	    (r = gnutls_pubkey_import(p, &der, GNUTLS_X509_FMT_DER)) < 0 ||
	    (unsigned)gnutls_pubkey_get_pk_algorithm(p, NULL) != rk->pk) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "TLS key: the signer's "
				  "public key: %s", r < 0 ? gnutls_strerror(r) :
				  "another algorithm");
		goto out;
	}
	if ((r = gnutls_privkey_init(pk)) < 0 ||
	    (r = gnutls_privkey_import_ext4(*pk, rk, remote_sign_data, remote_sign_hash,
					    NULL, remote_deinit, remote_info,
					    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE)) < 0) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "TLS key: %s",
				  gnutls_strerror(r));
		goto out;
	}
	rk = NULL;   /* the privkey's now: remote_deinit frees it */
	if (pub) {
		*pub = p;
		p = NULL;
	}
out:
	if (rk) {
		remote_deinit(NULL, rk);
	}
	if (rc && *pk) {
		gnutls_privkey_deinit(*pk);
		*pk = NULL;
	}
	if (p)
		gnutls_pubkey_deinit(p);
	tims_buf_release(&resp);
	return rc;
}

/* ---- a server's certificate with the signer's key ------------------------- */

#define SRV_CHAIN 8
#define SRV_RETIRED 4

struct srv_key {
	gnutls_pcert_st pcert[SRV_CHAIN];
	unsigned n;
	gnutls_privkey_t pk;
};

static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct srv_key *srv_cur;
/* one replaced while handshakes may still use it: kept, not freed */
static struct srv_key *srv_retired[SRV_RETIRED];

static void srv_free(struct srv_key *k)
{
	for (unsigned i = 0; i < k->n; i++)
		gnutls_pcert_deinit(&k->pcert[i]);
	if (k->pk)
		gnutls_privkey_deinit(k->pk);
	free(k);
}

tims_rc tims_signer_tls_server(const char *cert_pem, const char *key_file,
			       struct tims_err *err)
{
	char abs[PATH_MAX];
	struct srv_key *k;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)cert_pem,
			     (unsigned)strlen(cert_pem) };
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	tims_rc rc;
	int r;

	/* the path resolved here (a stat, not a read): the signer reads it */
	if (!realpath(key_file, abs))
		return tims_err_set(err, TIMS_ERR_IO, "TLS key %s: %s", key_file,
				    strerror(errno));
	k = calloc(1, sizeof(*k));
	if (!k)
		return tims_err_set(err, TIMS_ERR_NOMEM, "TLS key: out of memory");
	if ((rc = tls_remote_key(abs, &k->pk, &pub, err)))
		goto fail;
	k->n = SRV_CHAIN;
	if ((r = gnutls_pcert_list_import_x509_raw(k->pcert, &k->n, &d,
						   GNUTLS_X509_FMT_PEM, 0)) < 0 || !k->n) {
		if (r < 0)
			k->n = 0;
		rc = tims_err_set(err, TIMS_ERR_INVALID, "TLS certificate: %s",
				  r < 0 ? gnutls_strerror(r) : "none");
		goto fail;
	}
	/* the key must be the certificate's */
	if ((r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a)) < 0 ||
	    (r = gnutls_pubkey_export2(k->pcert[0].pubkey, GNUTLS_X509_FMT_DER, &b)) < 0 ||
	    a.size != b.size || memcmp(a.data, b.data, a.size)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "TLS key %s is not the "
				  "certificate's key", abs);
		goto fail;
	}
	pthread_mutex_lock(&srv_lock);
	if (srv_cur) {
		unsigned i;

		for (i = 0; i < SRV_RETIRED && srv_retired[i]; i++)
			;
		if (i == SRV_RETIRED) {
			pthread_mutex_unlock(&srv_lock);
			rc = tims_err_set(err, TIMS_ERR_FULL, "TLS key: replaced "
					  "%d times already", SRV_RETIRED);
			goto fail;
		}
		srv_retired[i] = srv_cur;
	}
	srv_cur = k;
	pthread_mutex_unlock(&srv_lock);
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
	return TIMS_OK;
fail:
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	srv_free(k);
	return rc;
}

int tims_signer_tls_retrieve(gnutls_session_t session,
			     const gnutls_datum_t *req_ca_rdn, int nreqs,
			     const gnutls_pk_algorithm_t *pk_algos,
			     int pk_algos_length, gnutls_pcert_st **pcert,
			     unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	int r = -1;

	(void)session;
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	pthread_mutex_lock(&srv_lock);
	if (srv_cur) {
		*pcert = srv_cur->pcert;
		*pcert_length = srv_cur->n;
		*pkey = srv_cur->pk;
		r = 0;
	}
	pthread_mutex_unlock(&srv_lock);
	return r;
}

/* ---- a client's certificate with its key (the signer's or local) ---------- */

struct tims_tls_ident {
	gnutls_pcert_st pcert[SRV_CHAIN];
	unsigned n;
	struct tls_ca_key k; /* k.pin: a local token key's PIN, for pin_cb */
};

void tims_tls_ident_free(struct tims_tls_ident *id)
{
	if (!id)
		return;
	for (unsigned i = 0; i < id->n; i++)
		gnutls_pcert_deinit(&id->pcert[i]);
	tls_ca_key_release(&id->k);
	free(id);
}

void tims_tls_ident_get(const struct tims_tls_ident *id, gnutls_pcert_st **pcert,
			unsigned *n, gnutls_privkey_t *pk)
{
	*pcert = (gnutls_pcert_st *)(uintptr_t)id->pcert;
	*n = id->n;
	*pk = id->k.pk;
}

tims_rc tims_tls_ident_load(const char *cert_file, const char *key_file,
			    struct tims_tls_ident **out, struct tims_err *err)
{
	struct tims_buf crt = TIMS_BUF_INIT(SRV_CHAIN * TIMS_TLS_PEM_MAX);
	struct tims_buf pem = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_tls_ident *id;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 }, d;
	char abs[PATH_MAX];
	tims_rc rc;
	int r;

	*out = NULL;
	if (!cert_file || !key_file)
		return tims_err_set(err, TIMS_ERR_USAGE, "client certificate: a "
				    "certificate and a key file go together");
	if (!(id = calloc(1, sizeof(*id))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "client certificate: out of memory");
	if ((rc = tims_read_file(cert_file, crt.max, &crt, err)))
		goto out;
	if (tims_signer_active()) {
		/* the path resolved here (a stat, not a read): the signer reads it */
		if (!realpath(key_file, abs)) {
			rc = tims_err_set(err, TIMS_ERR_IO, "client key %s: %s", key_file,
					  strerror(errno));
			goto out;
		}
		if ((rc = tls_remote_key(abs, &id->k.pk, &pub, err)))
			goto out;
	} else {
		struct tims_err e;

		tims_err_clear(&e);
		if ((rc = tims_read_file(key_file, pem.max, &pem, err)))
			goto out;
		if ((rc = tls_ca_key_load(tims_buf_str(&pem), &id->k, &e))) {
			rc = tims_err_set(err, rc, "client key %s: %s", key_file,
					  tims_err_msg(&e));
			goto out;
		}
		if ((r = gnutls_pubkey_init(&pub)) < 0 ||
		    (r = gnutls_pubkey_import_privkey(pub, id->k.pk, 0, 0)) < 0) {
			rc = tims_err_set(err, TIMS_ERR_CRYPTO, "client key %s: public "
					  "key: %s", key_file, gnutls_strerror(r));
			goto out;
		}
	}
	d.data = (unsigned char *)crt.buf;
	d.size = (unsigned)crt.len;
	id->n = SRV_CHAIN;
	if ((r = gnutls_pcert_list_import_x509_raw(id->pcert, &id->n, &d,
						   GNUTLS_X509_FMT_PEM, 0)) < 0 || !id->n) {
		if (r < 0)
			id->n = 0;
		rc = tims_err_set(err, TIMS_ERR_INVALID, "client certificate %s: %s",
				  cert_file, r < 0 ? gnutls_strerror(r) : "none");
		goto out;
	}
	/* the key must be the certificate's */
	if ((r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a)) < 0 ||
	    (r = gnutls_pubkey_export2(id->pcert[0].pubkey, GNUTLS_X509_FMT_DER, &b)) < 0 ||
	    a.size != b.size || memcmp(a.data, b.data, a.size)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "client key %s is not the key "
				  "of %s", key_file, cert_file);
		goto out;
	}
	*out = id;
	id = NULL;
out:
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (pem.buf)
		sodium_memzero(pem.buf, pem.alloc);
	tims_buf_release(&pem);
	tims_buf_release(&crt);
	tims_tls_ident_free(id);
	return rc;
}

/* ---- a renewed client key, made where it is used ---------------------------- */

static tims_rc new_key_path(const char *key_path, struct tims_err *err)
{
	const char *base = strrchr(key_path, '/');

	if (key_path[0] != '/' || strstr(key_path, "/../") || !base ||
	    strcmp(base + 1, "client.key.new") != 0)
		return tims_err_set(err, TIMS_ERR_USAGE, "new TLS key %s: not an absolute "
				    "path to a client.key.new file", key_path);
	return TIMS_OK;
}

tims_rc tims_signer_tls_install_local(const char *key_path, struct tims_err *err)
{
	tims_rc rc = new_key_path(key_path, err);

	return rc ? rc : tims_keys_install_new(key_path, err);
}

tims_rc tims_signer_tls_install(const char *key_path, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	char full[PATH_MAX + 256];
	struct tims_signer_field in;
	tims_rc rc;

	/* the directory resolved here (the signer's working directory is not
	 * ours); the name is checked where it is renamed */
	if ((rc = tls_abs_path(key_path, full, sizeof(full), err)))
		return rc;
	if (!tims_signer_active())
		return tims_signer_tls_install_local(full, err);
	in = (struct tims_signer_field){ full, strlen(full) };
	rc = tims_signer_call(TIMS_SIGNER_TLS_INSTALL, &in, 1, &resp, NULL, 0, err);
	tims_buf_release(&resp);
	return rc;
}

tims_rc tims_signer_tls_csr_local(const char *key_path, const char *common_name,
				  struct tims_buf *csr_pem, struct tims_err *err)
{
	struct tims_buf key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	tims_rc rc;

	/* the signer writes where a compromised caller says: only a TLS
	 * client key's new name, never over the token's files, an installed
	 * key, the server's or the CA's */
	if ((rc = new_key_path(key_path, err)))
		return rc;
	/* into the key directory beside the installed key, when it is there */
	if (!(rc = tims_tls_csr_make(common_name, csr_pem, &key, err)))
		rc = tims_keys_write_new(key_path, key.buf, key.len, err);
	if (key.buf)
		sodium_memzero(key.buf, key.alloc);
	tims_buf_release(&key);
	return rc;
}

tims_rc tims_signer_tls_csr(const char *key_path, const char *common_name,
			    struct tims_buf *csr_pem, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	char full[PATH_MAX + 256];
	struct tims_signer_field in[2], out;
	tims_rc rc;

	/* the directory resolved here (the signer's working directory is not
	 * ours); the name is checked where it is written */
	if ((rc = tls_abs_path(key_path, full, sizeof(full), err)))
		return rc;
	if (!tims_signer_active())
		return tims_signer_tls_csr_local(full, common_name, csr_pem, err);
	in[0] = (struct tims_signer_field){ full, strlen(full) };
	in[1] = (struct tims_signer_field){ common_name, strlen(common_name) };
	if ((rc = tims_signer_call(TIMS_SIGNER_TLS_CSR, in, 2, &resp, &out, 1, err)))
		goto done;
	if (!out.len || out.len > TIMS_TLS_PEM_MAX || memchr(out.p, '\0', out.len)) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: malformed answer "
				  "to a new TLS key");
		goto done;
	}
	if ((rc = tims_buf_add(csr_pem, out.p, out.len)))
		rc = tims_err_set(err, rc, "certificate request: PEM larger than its buffer");
done:
	tims_buf_release(&resp);
	return rc;
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
	if (tims_signer_active()) {
		/* the key is the signer's: its public half comes with it */
		char uri[TIMS_P11_URI_MAX + 1];

		snprintf(uri, sizeof(uri), "%.*s", (int)strcspn(key_ref->buf, "\n"),
			 key_ref->buf);
		if ((rc = tls_remote_key(uri, &k.pk, &pub, err)))
			goto out;
	} else {
		if ((rc = tls_ca_key_load(key_ref->buf, &k, err)))
			goto out;
		GT(gnutls_pubkey_init(&pub), "init");
		GT(gnutls_pubkey_import_privkey(pub, k.pk, 0, 0), "public key");
	}
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
