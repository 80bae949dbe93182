/*
 * trust.c — a post's side of certificates and revocation (docs/keys.md,
 * "Certificates and revocation").
 *
 *   centre/revocations.json  the centre's signed revocation list, the
 *                            newest verified (bundle key pinned at
 *                            enrolment); an older one is refused
 *   centre/ca.crt            the CAs to trust: what the list names, so a
 *                            CA rollover reaches the post signed
 *   centre/client.crt/.key   the client certificate, renewed here
 *
 * Renewal (tims_node_renew_cert): when a third of the certificate's
 * lifetime remains, or it was issued by a CA other than the one the
 * centre issues with now, the post's signer makes a new key (written as
 * client.key.new, never seen by this process: tims_signer_tls_csr; in
 * the key directory beside the installed key, a link in DIR) and
 * hands back its CSR, which the post sends to the centre over mutual TLS
 * with the certificate it has. Expired, or refused
 * by the centre (a CA retired while the post was offline), it asks with
 * a request signed by its log key instead, which the centre pinned at
 * enrolment. The new pair is written beside the old (.new), tried on a
 * request to the centre, and only then installed over it: key first (by
 * the signer: tims_signer_tls_install), then certificate; a crash between
 * the two is finished at the next try.
 */
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <time.h>

#include "tims/conf.h"
#include "tims/node.h"
#include "tims/revocation.h"
#include "tims/signer.h"
#include "tims/sync.h"
#include "tims/tls.h"
#include "tims/util.h"
#include "internal.h"

#define ENROL_MAX 8192
#define TRUST_PATH 4200

static tims_rc cpath(const char *dir, const char *name, char out[TRUST_PATH],
		     struct tims_err *err)
{
	if (snprintf(out, TRUST_PATH, "%s/centre/%s", dir, name) >= TRUST_PATH)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

/* What the enrolment says: the post's name, the centre's name and URL. */
struct enrolment {
	char name[TIMS_NOTE_MAX_NAME + 1];
	char centre[TIMS_NOTE_MAX_NAME + 1];
	char url[512];
	struct tims_verifier bundle_key;
};

static tims_rc read_enrolment(const char *dir, struct enrolment *e, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(ENROL_MAX);
	char path[TRUST_PATH];
	tims_rc rc;

	memset(e, 0, sizeof(*e));
	if ((rc = cpath(dir, "enrolment.conf", path, err)) ||
	    (rc = tims_read_file(path, b.max, &b, err)))
		return rc;
	if (!tims_conf_line_value(tims_buf_str(&b), "name", e->name, sizeof(e->name)) ||
	    !tims_conf_line_value(tims_buf_str(&b), "centre", e->centre, sizeof(e->centre)) ||
	    !tims_conf_line_value(tims_buf_str(&b), "url", e->url, sizeof(e->url)))
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: want name, centre and url", path);
	tims_buf_release(&b);
	if (!rc && !(rc = cpath(dir, "bundle.vkey", path, err)))
		rc = tims_mlog_load_keys(path, path, NULL, &e->bundle_key, NULL, err);
	return rc;
}

tims_rc node_trust_held(const char *dir, struct tims_revocation *out, struct tims_err *err)
{
	struct enrolment e;
	char path[TRUST_PATH];
	tims_rc rc;

	tims_revocation_init(out);
	if ((rc = read_enrolment(dir, &e, err)) || (rc = cpath(dir, "revocations.json", path, err)))
		return rc;
	return tims_revocation_load(path, &e.bundle_key, e.centre, out, err);
}

/* The CAs the list names, as the post's trust file, if they changed. */
static tims_rc install_cas(const char *dir, const struct tims_revocation *r, int *changed,
			   struct tims_err *err)
{
	struct tims_buf want = TIMS_BUF_INIT(4 * TIMS_TLS_PEM_MAX + 16);
	struct tims_buf have = TIMS_BUF_INIT(4 * TIMS_TLS_PEM_MAX + 16);
	char path[TRUST_PATH];
	tims_rc rc = TIMS_OK;

	*changed = 0;
	if (!r->ncas)
		return TIMS_OK;
	for (size_t i = 0; !rc && i < r->ncas; i++)
		if (tims_buf_addstr(&want, r->cas[i]))
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "CA certificates: too large");
	if (!rc && !(rc = cpath(dir, "ca.crt", path, err)) &&
	    (tims_read_file(path, have.max, &have, NULL) || have.len != want.len ||
	     memcmp(have.buf, want.buf, want.len))) {
		rc = tims_write_file(path, want.buf, want.len, 0644, 1, err);
		*changed = !rc;
	}
	tims_buf_release(&want);
	tims_buf_release(&have);
	return rc;
}

tims_rc tims_node_apply_revocations(const char *dir, const char *json, size_t len,
				    uint64_t *version, int *kept, struct tims_err *err)
{
	struct tims_revocation r;
	struct enrolment e;
	char path[TRUST_PATH];
	int cas = 0;
	tims_rc rc;

	*version = 0;
	*kept = 0;
	if ((rc = read_enrolment(dir, &e, err)) || (rc = cpath(dir, "revocations.json", path, err)) ||
	    (rc = tims_revocation_keep(path, json, len, &e.bundle_key, e.centre, kept, &r, err)))
		return rc;
	*version = r.version;
	rc = install_cas(dir, &r, &cas, err);
	tims_revocation_release(&r);
	return rc;
}

tims_rc node_trust_fetch(const char *dir, const struct tims_sync_peer *peer, uint64_t *version,
			 int *kept, struct tims_err *err)
{
	struct tims_buf ans = TIMS_BUF_INIT(TIMS_REVOCATION_MAX);
	long status = 0;
	tims_rc rc;

	*version = 0;
	*kept = 0;
	if ((rc = tims_sync_http(peer, "GET", "/api/v1/revocations", NULL, 0, NULL, ans.max, &ans,
				 &status, err)))
		goto out;
	if (status != 200) {
		rc = tims_err_set(err, TIMS_ERR_NET, "revocation list: the centre answered %ld",
				  status);
		goto out;
	}
	rc = tims_node_apply_revocations(dir, ans.buf, ans.len, version, kept, err);
out:
	tims_buf_release(&ans);
	return rc;
}

/* ---- renewal -------------------------------------------------------------- */

/* Finish an install cut off between its two renames, or drop a half-made one. */
static void recover(const char *dir)
{
	char ck[TRUST_PATH], cc[TRUST_PATH], k[TRUST_PATH], c[TRUST_PATH];

	if (cpath(dir, "client.key.new", ck, NULL) || cpath(dir, "client.crt.new", cc, NULL) ||
	    cpath(dir, "client.key", k, NULL) || cpath(dir, "client.crt", c, NULL))
		return;
	if (access(cc, F_OK) == 0 && access(ck, F_OK) != 0) {
		rename(cc, c);  /* the key is in place already: roll forward */
		unlink(ck);     /* a link to the key it was, if any */
	} else if (access(ck, F_OK) == 0) {
		unlink(ck);     /* never tried: the old pair is whole */
		unlink(cc);
	}
}

static tims_rc post_json(const struct tims_sync_peer *peer, const char *path, json_t *body,
			 struct tims_buf *ans, long *status, struct tims_err *err)
{
	char *s = json_dumps(body, JSON_COMPACT);
	tims_rc rc;

	json_decref(body);
	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_sync_http(peer, "POST", path, s, strlen(s), "application/json", ans->max, ans,
			    status, err);
	free(s);
	return rc;
}

/* The request signed by the post's log key: who, when, a nonce, the CSR. */
static tims_rc key_request(const char *dir, const char *name, const char *csr,
			   struct tims_buf *note, struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(1024);
	struct tims_signer signer = { 0 };
	struct tims_verifier v;
	char vk[TRUST_PATH], sk[TRUST_PATH], nonce[33], hex[65];
	uint8_t rnd[16], h[32];
	tims_rc rc;

	snprintf(vk, sizeof(vk), "%s/post.vkey", dir);
	snprintf(sk, sizeof(sk), "%s/post.skey", dir);
	if ((rc = tims_mlog_load_keys(dir, vk, sk, &v, &signer, err)))
		return rc;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(nonce, sizeof(nonce), rnd, sizeof(rnd));
	crypto_hash_sha256(h, (const unsigned char *)csr, strlen(csr));
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	if (tims_buf_addf(&text, "tims cert renewal v1\npost %s\ntime %lld\nnonce %s\ncsr %s\n",
			  name, (long long)time(NULL), nonce, hex))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "request: too long");
	else
		rc = tims_note_sign(text.buf, text.len, &signer, 1, note, err);
	tims_signer_release(&signer);
	tims_buf_release(&text);
	return rc;
}

static tims_rc answer_cert(const struct tims_buf *ans, long status, struct tims_buf *cert,
			   struct tims_err *err)
{
	json_t *o = json_loadb(ans->buf ? ans->buf : "", ans->len, 0, NULL);
	const char *c = json_string_value(json_object_get(o, "certificate"));
	const char *m = json_string_value(json_object_get(o, "message"));
	tims_rc rc;

	if (status != 200 || !c)
		rc = tims_err_set(err, status == 401 || status == 403 ? TIMS_ERR_AUTH : TIMS_ERR_NET,
				  "renewal: the centre answered %ld%s%.300s", status, m ? ": " : "",
				  m ? m : "");
	else
		rc = tims_buf_addstr(cert, c) ? tims_err_set(err, TIMS_ERR_TOOBIG,
							    "renewal: certificate too large") :
						TIMS_OK;
	json_decref(o);
	return rc;
}

static tims_rc renew_locked(const char *dir, unsigned flags, char *what, size_t cap,
			    struct tims_err *err);

/* One renewal at a time per post directory: the node's and a command's. */
tims_rc tims_node_renew_cert(const char *dir, unsigned flags, char *what, size_t cap,
			     struct tims_err *err)
{
	char path[TRUST_PATH];
	tims_rc rc;
	int fd;

	what[0] = '\0';
	if ((rc = cpath(dir, "client.lock", path, err)))
		return rc;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if (flock(fd, (flags & TIMS_RENEW_NOWAIT) ? LOCK_EX | LOCK_NB : LOCK_EX) != 0) {
		close(fd);
		return TIMS_OK; /* another renewal is under way */
	}
	rc = renew_locked(dir, flags, what, cap, err);
	close(fd); /* and its lock */
	return rc;
}

static tims_rc renew_locked(const char *dir, unsigned flags, char *what, size_t cap,
			    struct tims_err *err)
{
	struct tims_buf cur = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), csr = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf ans = TIMS_BUF_INIT(64 * 1024), note = TIMS_BUF_INIT(4096);
	struct tims_buf cas = TIMS_BUF_INIT(4 * TIMS_TLS_PEM_MAX + 16);
	char ca[TRUST_PATH], crt[TRUST_PATH], kf[TRUST_PATH], crtn[TRUST_PATH], kn[TRUST_PATH];
	struct tims_tls_policy pol;
	struct tims_tls_crl *crl = NULL;
	struct tims_revocation held;
	struct tims_tls_peer got;
	struct enrolment e;
	uint8_t pin[32];
	int64_t nb, na, now = (int64_t)time(NULL);
	int by_key = (flags & TIMS_RENEW_BY_KEY) != 0, due = (flags & TIMS_RENEW_FORCE) != 0;
	int current_ca = 1, trusted = 1, made = 0;
	long status = 0;
	tims_rc rc;

	what[0] = '\0';
	tims_revocation_init(&held);
	recover(dir);
	if ((rc = read_enrolment(dir, &e, err)) || (rc = cpath(dir, "ca.crt", ca, err)) ||
	    (rc = cpath(dir, "client.crt", crt, err)) || (rc = cpath(dir, "client.key", kf, err)) ||
	    (rc = cpath(dir, "client.crt.new", crtn, err)) ||
	    (rc = cpath(dir, "client.key.new", kn, err)) ||
	    (rc = tims_read_file(crt, cur.max, &cur, err)) ||
	    (rc = tims_tls_cert_times(tims_buf_str(&cur), &nb, &na, err)))
		goto out;
	/* issued by the CA the centre issues with now (the list's first)? */
	if (!node_trust_held(dir, &held, NULL) && held.ncas) {
		current_ca = !tims_tls_issued_by(tims_buf_str(&cur), held.cas[0], NULL);
		for (size_t i = 0; i < held.ncas; i++)
			if (tims_buf_addstr(&cas, held.cas[i]))
				break;
		trusted = !tims_tls_issued_by(tims_buf_str(&cur), tims_buf_str(&cas), NULL);
	}
	if (!due && now < na - (na - nb) / 3 && current_ca) {
		rc = TIMS_OK; /* not due */
		goto out;
	}
	if (now >= na || !trusted)
		by_key = 1;
	/* the new key is made and written by the signer (when there is one):
	 * this process, which talks to the network, gets only the CSR */
	if ((rc = tims_signer_tls_csr(kn, e.name, &csr, err)))
		goto out;
	made = 1;
	if (
	    (rc = node_identity_policy(dir, TIMS_CERT_CENTRE_SERVER, &pol, pin, &crl, err)))
		goto out;
	if (!by_key) {
		struct tims_sync_peer peer = { e.url, ca, crt, kf, 30, &pol };

		rc = post_json(&peer, "/api/v1/sync/renew", json_pack("{s:s}", "csr",
			       tims_buf_str(&csr)), &ans, &status, err);
		if (!rc)
			rc = answer_cert(&ans, status, &cert, err);
		if (rc == TIMS_ERR_AUTH || (!rc && status == 401)) {
			by_key = 1; /* the centre no longer takes this certificate */
			tims_buf_reset(&ans);
		} else if (rc) {
			goto out;
		}
	}
	if (by_key) {
		struct tims_sync_peer peer = { e.url, ca, NULL, NULL, 30, &pol };

		if ((rc = key_request(dir, e.name, tims_buf_str(&csr), &note, err)) ||
		    (rc = post_json(&peer, "/api/v1/renew", json_pack("{s:s, s:s}", "request",
				    tims_buf_str(&note), "csr", tims_buf_str(&csr)), &ans, &status,
				    err)) ||
		    (rc = answer_cert(&ans, status, &cert, err)))
			goto out;
	}
	/* what came back: ours, for this post, a client certificate */
	if ((rc = tims_tls_peer_read_pem(tims_buf_str(&cert), &got, err)))
		goto out;
	if (got.role != TIMS_CERT_POST_CLIENT || strcmp(got.cn, e.name)) {
		rc = tims_err_set(err, TIMS_ERR_AUTH, "renewal: the centre answered a certificate "
				  "for \"%s\" (%s), not this post's client", got.cn,
				  tims_tls_role_name(got.role));
		goto out;
	}
	if ((rc = tims_write_file(crtn, cert.buf, cert.len, 0644, 1, err)))
		goto out;
	/* the new pair must work before the old one goes */
	{
		struct tims_sync_peer peer = { e.url, ca, crtn, kn, 30, &pol };

		tims_buf_reset(&ans);
		if ((rc = tims_sync_http(&peer, "GET", "/api/v1/sync/state", NULL, 0, NULL, ans.max,
					 &ans, &status, err)))
			goto drop;
		if (status != 200) {
			rc = tims_err_set(err, TIMS_ERR_AUTH, "renewal: the new certificate was "
					  "refused (%ld); the old one is kept", status);
			goto drop;
		}
	}
	made = 0; /* from here recover() rolls an interrupted install forward */
	/* the key by the signer, inside the key directory (this process can
	 * neither read nor rename there); then the certificate */
	if ((rc = tims_signer_tls_install(kn, err)))
		goto out;
	if (rename(crtn, crt) != 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "renewal: installing %s: %s", crt,
				  strerror(errno));
		goto out;
	}
	{
		char hex[2 * TIMS_TLS_SERIAL_MAX + 1];

		sodium_bin2hex(hex, sizeof(hex), got.serial, got.serial_len);
		snprintf(what, cap, "client certificate renewed (%s), serial %s",
			 by_key ? "by proof of possession of the log key" : "over mutual TLS", hex);
	}
	goto out;
drop:
	unlink(kn);
	unlink(crtn);
	made = 0;
out:
	if (rc && made) { /* a new key made for a renewal that did not happen */
		unlink(kn);
		unlink(crtn);
	}
	tims_tls_crl_free(crl);
	tims_revocation_release(&held);
	tims_buf_release(&cur);
	tims_buf_release(&csr);
	tims_buf_release(&cert);
	tims_buf_release(&ans);
	tims_buf_release(&note);
	tims_buf_release(&cas);
	return rc;
}
