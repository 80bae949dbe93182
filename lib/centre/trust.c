/*
 * trust.c — certificates that live short and are renewed, the CA's
 * rollover with overlap, and the signed revocation list (docs/keys.md,
 * "Certificates and revocation").
 *
 * Lifetimes come from DIR/certs.conf (optional "key = value" lines:
 * post_client_lifetime, centre_server_lifetime; a number with s, m, h or
 * d; default 30d). A post renews its client certificate over mutual TLS
 * (POST /api/v1/sync/renew) while it is valid, or — expired, or issued by
 * a CA the centre no longer trusts — by proof of possession of its log
 * signing key (POST /api/v1/renew): a request signed by the key the
 * centre pinned at enrolment, for a known, non-revoked post, with a time
 * window and a nonce seen once. Either way the centre issues for the key
 * of the post's CSR, never a key of its own making, and audits it.
 *
 * During a CA rollover the directory holds the new CA (ca.crt, ca.key,
 * issuing) and the old (ca-prev.crt, ca-prev.key, trusted only);
 * ca-bundle.crt holds both, and is what the centre trusts for client
 * certificates and gives new enrolments. The revocation list carries the
 * CA certificates to trust, so posts learn the new CA through a channel
 * signed by the bundle key they pinned at enrolment.
 */
#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/keydir.h"
#include "tims/revocation.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/util.h"
#include "internal.h"

#define RENEW_WINDOW_S 300      /* a key-signed request's time, ± this */
#define NONCE_KEEP_MS (2 * RENEW_WINDOW_S * 1000)
#define DEFAULT_LIFETIME_S (30u * 86400)

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS revoked_keys ("
	" hash TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
	" time_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS trust_versions ("
	" version INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, why TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS renew_nonces ("
	" nonce TEXT PRIMARY KEY, post TEXT NOT NULL, time_ms INTEGER NOT NULL);";

/* db_lock held */
static tims_rc ensure_schema(struct tims_centre *c, struct tims_err *err)
{
	if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return centre_db_err(c, "trust tables", err);
	return TIMS_OK;
}

static void wipe_release(struct tims_buf *b)
{
	if (b->buf)
		sodium_memzero(b->buf, b->alloc);
	tims_buf_release(b);
}

static tims_rc read_in(const struct tims_centre *c, const char *name, size_t max,
		       struct tims_buf *out, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc = centre_path(c, name, path, err);

	return rc ? rc : tims_read_file(path, max, out, err);
}

static tims_rc write_in(const struct tims_centre *c, const char *name, const void *data,
			size_t len, unsigned mode, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc = centre_path(c, name, path, err);

	return rc ? rc : tims_write_file(path, data, len, mode, 1, err);
}

static int exists_in(const struct tims_centre *c, const char *name)
{
	char path[CENTRE_PATH_MAX];

	return !centre_path(c, name, path, NULL) && access(path, F_OK) == 0;
}

/* ---- lifetimes ----------------------------------------------------------- */

static tims_rc parse_lifetime(const char *v, unsigned *out, struct tims_err *err)
{
	uint64_t n = 0, mul = 1;
	size_t len = strlen(v);
	char num[24];

	if (len == 0 || len >= sizeof(num))
		return tims_err_set(err, TIMS_ERR_INVALID, "certs.conf: lifetime \"%s\"", v);
	switch (v[len - 1]) {
	case 's': mul = 1; len--; break;
	case 'm': mul = 60; len--; break;
	case 'h': mul = 3600; len--; break;
	case 'd': mul = 86400; len--; break;
	default: break;
	}
	memcpy(num, v, len);
	num[len] = '\0';
	if (tims_parse_u64(num, 3650ull * 86400, &n, "lifetime", err))
		return err ? err->rc : TIMS_ERR_INVALID;
	if (n == 0 || n * mul > 3650ull * 86400)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "certs.conf: lifetime \"%s\": 1 s to 3650 days", v);
	*out = (unsigned)(n * mul);
	return TIMS_OK;
}

tims_rc centre_cert_lifetime(const char *dir, const char *what, unsigned *seconds,
			     struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	char path[CENTRE_PATH_MAX], key[64], val[64];
	const char *p;
	tims_rc rc = TIMS_OK;

	*seconds = DEFAULT_LIFETIME_S;
	if (snprintf(path, sizeof(path), "%s/certs.conf", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if ((rc = tims_read_file(path, b.max, &b, err)))
		return rc;
	snprintf(key, sizeof(key), "%s_lifetime", what);
	for (p = tims_buf_str(&b); p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t kl = strlen(key), n;
		const char *v, *nl;

		if (strncmp(p, key, kl) || strncmp(p + kl, " = ", 3))
			continue;
		v = p + kl + 3;
		nl = strchr(v, '\n');
		n = nl ? (size_t)(nl - v) : strlen(v);
		if (n >= sizeof(val)) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: %s: too long", path, key);
			break;
		}
		memcpy(val, v, n);
		val[n] = '\0';
		rc = parse_lifetime(val, seconds, err);
		break;
	}
	tims_buf_release(&b);
	return rc;
}

/* ---- issuing ------------------------------------------------------------- */

static tims_rc record_cert(struct tims_centre *c, const char *post, const char *pem,
			   struct tims_tls_peer *p, struct tims_err *err)
{
	char hex[2 * TIMS_TLS_SERIAL_MAX + 1];
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if ((rc = tims_tls_peer_read_pem(pem, p, err)))
		return rc;
	sodium_bin2hex(hex, sizeof(hex), p->serial, p->serial_len);
	if (sqlite3_prepare_v2(c->db, "INSERT INTO certs (serial, post, role, fp, issued_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "certs", err);
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, post, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tims_tls_role_name(p->role), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, p->fp, sizeof(p->fp), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "certs", err);
	sqlite3_finalize(st);
	return rc;
}

/* A post by name (origin NULL) or origin: its name, origin, key and
 * whether it is revoked (db_lock held). */
static tims_rc find_post(struct tims_centre *c, const char *name, const char *origin,
			 char out_name[TIMS_CENTRE_NAME_MAX + 1],
			 char out_origin[TIMS_NOTE_MAX_NAME + 1], struct tims_verifier *key,
			 int *revoked, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(c->db, origin ?
			       "SELECT name, origin, vkey, revoked_ms FROM posts WHERE origin = ?1" :
			       "SELECT name, origin, vkey, revoked_ms FROM posts WHERE name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "posts", err);
	sqlite3_bind_text(st, 1, origin ? origin : name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "post %s: not enrolled",
				  origin ? origin : name);
		goto out;
	}
	snprintf(out_name, TIMS_CENTRE_NAME_MAX + 1, "%s", sqlite3_column_text(st, 0));
	snprintf(out_origin, TIMS_NOTE_MAX_NAME + 1, "%s", sqlite3_column_text(st, 1));
	*revoked = sqlite3_column_type(st, 3) != SQLITE_NULL;
	if (key)
		rc = tims_verifier_parse((const char *)sqlite3_column_text(st, 2), key, err);
out:
	sqlite3_finalize(st);
	return rc;
}

/* A key the signed list revokes (db_lock held). */
static int key_revoked(struct tims_centre *c, const struct tims_verifier *v)
{
	uint8_t h[32];
	char hex[65];
	sqlite3_stmt *st = NULL;
	int r = 0;

	if (tims_revocation_key_hash(v, h, NULL))
		return 1;
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM revoked_keys WHERE hash = ?1 AND"
			       " kind IN ('key', 'witness')", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return r;
}

/* Issue a post-client certificate for the CSR (db_lock held). */
static tims_rc issue_for(struct tims_centre *c, const char *name, const char *csr,
			 struct tims_buf *cert, struct tims_err *err)
{
	char crt[CENTRE_PATH_MAX], key[CENTRE_PATH_MAX];
	struct tims_tls_peer p;
	unsigned seconds;
	tims_rc rc;

	/* the signer reads ca.key and signs (tims_signer_ca_issue): this
	 * process, which parses the posts' requests, never holds it */
	if (!(rc = centre_cert_lifetime(c->dir, "post_client", &seconds, err)) &&
	    !(rc = centre_path(c, "ca.crt", crt, err)) &&
	    !(rc = centre_path(c, "ca.key", key, err)) &&
	    !(rc = tims_signer_ca_issue(crt, key, csr, name, seconds, cert, err)))
		rc = record_cert(c, name, tims_buf_str(cert), &p, err);
	return rc;
}

static tims_rc reply_cert(struct tims_http_resp *resp, const struct tims_buf *cert)
{
	return tims_http_reply_json(resp, 200, json_pack("{s:s}", "certificate",
							 tims_buf_str(cert)));
}

const struct tims_json_field centre_renew_mtls_schema[] = {
	{ "csr", TIMS_JSON_STRING, 1, TIMS_TLS_PEM_MAX },
	{ NULL, 0, 0, 0 },
};

const struct tims_json_field centre_renew_key_schema[] = {
	{ "request", TIMS_JSON_STRING, 1, 4096 },
	{ "csr", TIMS_JSON_STRING, 1, TIMS_TLS_PEM_MAX },
	{ NULL, 0, 0, 0 },
};

static tims_rc audit_renewal(struct centre_serve *s, struct tims_http_req *req,
			     const char *who, const char *how, int status, const char *detail)
{
	json_t *qo = json_pack("{s:s, s:s}", "post", who, "by", how);
	json_t *ao = json_pack("{s:i, s:s}", "status", status, "detail", detail);
	char *q = qo ? json_dumps(qo, JSON_COMPACT) : NULL;
	char *a = ao ? json_dumps(ao, JSON_COMPACT) : NULL;
	struct tims_err e;
	tims_rc rc = q && a ? centre_audit(s->c, who, "post", req->addr, "cert.renew", how, q, a,
					   status, &e) : TIMS_ERR_NOMEM;

	json_decref(qo);
	json_decref(ao);
	free(q);
	free(a);
	return rc;
}

/* POST /api/v1/sync/renew (mutual TLS): a valid certificate asks for the next. */
tims_rc centre_h_renew_mtls(void *app, struct tims_http_req *req,
			    struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char name[TIMS_CENTRE_NAME_MAX + 1], origin[TIMS_NOTE_MAX_NAME + 1];
	const char *csr = json_string_value(json_object_get(req->json, "csr"));
	struct tims_err err = { 0, "" };
	int revoked = 0;
	tims_rc rc;

	pthread_mutex_lock(&s->c->db_lock);
	rc = ensure_schema(s->c, &err);
	if (!rc)
		rc = find_post(s->c, NULL, req->who.id, name, origin, NULL, &revoked, &err);
	if (!rc && revoked)
		rc = tims_err_set(&err, TIMS_ERR_DENIED, "post %s: revoked", origin);
	if (!rc)
		rc = issue_for(s->c, name, csr, &cert, &err);
	pthread_mutex_unlock(&s->c->db_lock);
	if (audit_renewal(s, req, req->who.id, "mtls", rc ? 400 : 200, rc ? err.msg : "issued")) {
		tims_buf_release(&cert);
		return tims_http_reply_error(resp, 503, "audit_unavailable",
					     "the renewal could not be audited: nothing issued");
	}
	if (rc) {
		tims_buf_release(&cert);
		if (rc == TIMS_ERR_DENIED)
			tims_centre_event(s->c, "revoked", req->who.id,
					  "a revoked post asked for a certificate: refused");
		return tims_http_reply_error(resp, rc == TIMS_ERR_DENIED ? 403 : 400,
					     rc == TIMS_ERR_DENIED ? "revoked" : "bad_csr", "%s",
					     err.msg);
	}
	tims_centre_event(s->c, "cert-renewed", origin, "client certificate renewed over mTLS");
	rc = reply_cert(resp, &cert);
	tims_buf_release(&cert);
	return rc;
}

/* One "key value" line; advances *p. */
static int line(const char **p, const char *end, const char *key, char *val, size_t cap)
{
	size_t kl = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (!nl || (size_t)(nl - *p) <= kl + 1 || memcmp(*p, key, kl) || (*p)[kl] != ' ' ||
	    (size_t)(nl - *p - (ptrdiff_t)kl - 1) >= cap)
		return 0;
	memcpy(val, *p + kl + 1, (size_t)(nl - *p) - kl - 1);
	val[(size_t)(nl - *p) - kl - 1] = '\0';
	for (const char *q = val; *q; q++)
		if ((unsigned char)*q <= 0x20)
			return 0;
	*p = nl + 1;
	return 1;
}

#define RENEW_HEADER "tims cert renewal v1\n"

/*
 * The key-signed request (db_lock held): for a known post, not revoked,
 * signed by its pinned key (not revoked either), its time within the
 * window, its nonce never seen, the CSR the one it names.
 */
static tims_rc check_key_request(struct tims_centre *c, const char *note, size_t len,
				 const char *csr, char name[TIMS_CENTRE_NAME_MAX + 1],
				 char origin[TIMS_NOTE_MAX_NAME + 1], int *refused_revoked,
				 struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_verifier key;
	char pname[TIMS_CENTRE_NAME_MAX + 2], v[80], nonce[80];
	const char *p, *end;
	uint8_t want[32], got[32];
	uint64_t t;
	int64_t now = (int64_t)time(NULL);
	sqlite3_stmt *st = NULL;
	int revoked = 0;
	tims_rc rc;

	*refused_revoked = 0;
	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	/* the text first, to know whose key to verify with */
	if ((rc = tims_note_parse(note, len, n, err)))
		goto out;
	p = n->text;
	end = n->text + n->textlen;
	rc = TIMS_ERR_INVALID;
	if ((size_t)(end - p) < sizeof(RENEW_HEADER) - 1 ||
	    memcmp(p, RENEW_HEADER, sizeof(RENEW_HEADER) - 1)) {
		tims_err_set(err, rc, "request: not a tims cert renewal v1");
		goto out;
	}
	p += sizeof(RENEW_HEADER) - 1;
	if (!line(&p, end, "post", pname, sizeof(pname)) ||
	    !line(&p, end, "time", v, sizeof(v)) ||
	    tims_parse_u64(v, INT64_MAX, &t, "time", NULL) ||
	    !line(&p, end, "nonce", nonce, sizeof(nonce)) || strlen(nonce) != 32 ||
	    tims_hex_decode(nonce, got, 16, "nonce", NULL) ||
	    !line(&p, end, "csr", v, sizeof(v)) || tims_hex_decode(v, want, 32, "csr", NULL) ||
	    p != end || strlen(pname) > TIMS_CENTRE_NAME_MAX) {
		tims_err_set(err, rc, "request: a line of the signed text is malformed");
		goto out;
	}
	if ((rc = find_post(c, pname, NULL, name, origin, &key, &revoked, err)))
		goto out;
	if (revoked || key_revoked(c, &key)) {
		*refused_revoked = 1;
		rc = tims_err_set(err, TIMS_ERR_DENIED, "post %s: %s: never renewed", pname,
				  revoked ? "revoked" : "its signing key is revoked");
		goto out;
	}
	if ((rc = tims_note_verify(note, len, &key, 1, n, err)))
		goto out;
	if (!(n->verified_mask & 1)) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "request: not signed by post %s's "
				  "key (%s)", pname, key.name);
		goto out;
	}
	if ((int64_t)t < now - RENEW_WINDOW_S || (int64_t)t > now + RENEW_WINDOW_S) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "request: its time is %lld s from the "
				  "centre's (at most %d): a stale or replayed request, or a "
				  "wrong clock", (long long)((int64_t)t - now), RENEW_WINDOW_S);
		goto out;
	}
	crypto_hash_sha256(got, (const unsigned char *)csr, strlen(csr));
	if (sodium_memcmp(got, want, 32) != 0) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "request: the CSR is not the one signed");
		goto out;
	}
	/* Seen once: a replay inside the window finds its nonce. */
	if (sqlite3_prepare_v2(c->db, "DELETE FROM renew_nonces WHERE time_ms < ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, tims_mlog_now_ms() - NONCE_KEEP_MS);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO renew_nonces (nonce, post, time_ms)"
			       " VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "renew_nonces", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, nonce, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_PRIMARYKEY ?
			tims_err_set(err, TIMS_ERR_EXISTS, "request: its nonce was used already "
				     "(a replay): refused") : centre_db_err(c, "renew_nonces", err);
		goto out;
	}
	rc = TIMS_OK;
out:
	sqlite3_finalize(st);
	free(n);
	return rc;
}

/* POST /api/v1/renew (no client certificate): proof of possession of the
 * post's log signing key. */
tims_rc centre_h_renew_key(void *app, struct tims_http_req *req,
			   struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char name[TIMS_CENTRE_NAME_MAX + 1] = "", origin[TIMS_NOTE_MAX_NAME + 1] = "";
	json_t *jr = json_object_get(req->json, "request");
	const char *csr = json_string_value(json_object_get(req->json, "csr"));
	struct tims_err err = { 0, "" };
	int revoked = 0, status;
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return tims_http_reply_error(resp, 503, "isolated", "the centre is isolated");
	pthread_mutex_lock(&s->c->db_lock);
	rc = ensure_schema(s->c, &err);
	if (!rc)
		rc = check_key_request(s->c, json_string_value(jr), json_string_length(jr), csr,
				       name, origin, &revoked, &err);
	if (!rc)
		rc = issue_for(s->c, name, csr, &cert, &err);
	pthread_mutex_unlock(&s->c->db_lock);
	status = !rc ? 200 : rc == TIMS_ERR_DENIED ? 403 : rc == TIMS_ERR_EXISTS ||
		 rc == TIMS_ERR_STATE ? 409 : rc == TIMS_ERR_NOTFOUND ? 404 :
		 rc == TIMS_ERR_SIGNATURE || rc == TIMS_ERR_TAMPER ? 401 : 400;
	if (audit_renewal(s, req, name[0] ? name : "-", "key", status, rc ? err.msg : "issued")) {
		tims_buf_release(&cert);
		return tims_http_reply_error(resp, 503, "audit_unavailable",
					     "the renewal could not be audited: nothing issued");
	}
	if (rc) {
		tims_buf_release(&cert);
		tims_centre_event(s->c, revoked ? "revoked" : "renew-refused",
				  origin[0] ? origin : NULL, err.msg);
		return tims_http_reply_error(resp, status, status == 403 ? "revoked" :
					     status == 409 ? "replayed" : status == 404 ?
					     "unknown_post" : status == 401 ? "not_verified" :
					     "bad_request", "%s", err.msg);
	}
	tims_centre_event(s->c, "cert-renewed", origin,
			  "client certificate renewed by proof of possession of the log key");
	rc = reply_cert(resp, &cert);
	tims_buf_release(&cert);
	return rc;
}

/*
 * Is this certificate (fingerprint) one issued to the post, not revoked,
 * and not older than the one it uses now? A newer one becomes the one it
 * uses: the old one is then refused (db_lock held).
 */
int centre_post_cert_ok(struct tims_centre *c, const char *name, const uint8_t fp[32])
{
	sqlite3_stmt *st = NULL;
	int ok = 0, newer = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT p.cert_fp = ?2 FROM posts p JOIN certs k"
			       " ON k.post = p.name AND k.fp = ?2 AND k.role = 'post-client'"
			       " AND k.revoked_ms IS NULL"
			       " WHERE p.name = ?1 AND p.revoked_ms IS NULL AND (p.cert_fp = ?2 OR"
			       " k.issued_ms >= coalesce((SELECT issued_ms FROM certs"
			       " WHERE fp = p.cert_fp), 0))", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, fp, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ok = 1;
		newer = !sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	if (ok && newer && sqlite3_prepare_v2(c->db, "UPDATE posts SET cert_fp = ?2 WHERE"
					      " name = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, fp, 32, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return ok;
}

/* ---- the signed revocation list ------------------------------------------- */

/* The CAs trusted now: the issuing one first, the old during an overlap. */
tims_rc centre_trusted_cas(struct tims_centre *c, struct tims_buf *out, struct tims_err *err)
{
	static const char *const names[] = { "ca.crt", "ca-prev.crt" };
	struct tims_buf b = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(names); i++) {
		if (i && !exists_in(c, names[i]))
			continue;
		tims_buf_release(&b);
		if ((rc = read_in(c, names[i], b.max, &b, err)))
			break;
		if (tims_buf_add(out, b.buf, b.len))
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "CA certificates: too large");
	}
	tims_buf_release(&b);
	return rc;
}

static tims_rc add_cas(struct tims_centre *c, struct tims_revocation *r, struct tims_err *err)
{
	static const char *const names[] = { "ca.crt", "ca-prev.crt" };
	struct tims_buf b = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(names); i++) {
		if (!exists_in(c, names[i]))
			continue;
		tims_buf_release(&b);
		if (!(rc = read_in(c, names[i], b.max, &b, err)))
			rc = tims_revocation_add_ca(r, tims_buf_str(&b), err);
	}
	tims_buf_release(&b);
	return rc;
}

/* Build the list from centre.db (db_lock held). */
static tims_rc build(struct tims_centre *c, struct tims_revocation *r, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	snprintf(r->centre, sizeof(r->centre), "%s", c->name);
	if (sqlite3_prepare_v2(c->db, "SELECT origin FROM posts WHERE revoked_ms IS NOT NULL"
			       " ORDER BY origin", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "posts", err);
	while (!rc && sqlite3_step(st) == SQLITE_ROW)
		rc = tims_revocation_add_post(r, (const char *)sqlite3_column_text(st, 0), err);
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(c->db, "SELECT serial FROM certs WHERE revoked_ms IS NOT NULL"
			       " UNION SELECT hash FROM revoked_keys WHERE kind = 'cert'"
			       " ORDER BY 1", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "certs", err);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);
		uint8_t b[TIMS_TLS_SERIAL_MAX];
		size_t bl = 0;

		if (!hex || sodium_hex2bin(b, sizeof(b), hex, strlen(hex), NULL, &bl, NULL))
			rc = tims_err_set(err, TIMS_ERR_DB, "centre.db: a bad serial");
		else
			rc = tims_revocation_add_cert(r, b, bl, err);
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(c->db, "SELECT hash, kind FROM revoked_keys WHERE kind IN"
			       " ('witness', 'key') ORDER BY hash", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "revoked_keys", err);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		uint8_t h[32];

		if (tims_hex_decode((const char *)sqlite3_column_text(st, 0), h, 32, "hash", err))
			rc = TIMS_ERR_DB;
		else
			rc = tims_revocation_add_hash(r, !strcmp((const char *)
						      sqlite3_column_text(st, 1), "witness"), h, err);
	}
	sqlite3_finalize(st);
	return rc ? rc : add_cas(c, r, err);
}

tims_rc centre_revocations_publish(struct tims_centre *c, const char *why,
				   struct tims_err *err)
{
	struct tims_revocation r;
	struct tims_buf out = TIMS_BUF_INIT(TIMS_REVOCATION_MAX);
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	tims_revocation_init(&r);
	pthread_mutex_lock(&c->db_lock);
	if ((rc = ensure_schema(c, err)))
		goto out;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO trust_versions (time_ms, why) VALUES (?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "trust_versions", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, tims_mlog_now_ms());
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = centre_db_err(c, "trust_versions", err);
		goto out;
	}
	r.version = (uint64_t)sqlite3_last_insert_rowid(c->db);
	if (!(rc = build(c, &r, err)) &&
	    !(rc = tims_revocation_sign(&r, &c->bundle_signer, &out, err)))
		rc = write_in(c, "revocations.json", out.buf, out.len, 0644, err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	tims_revocation_release(&r);
	tims_buf_release(&out);
	if (!rc)
		rc = centre_crl_write(c, err);
	return rc;
}

tims_rc centre_revocations_ensure(struct tims_centre *c, struct tims_err *err)
{
	return exists_in(c, "revocations.json") ? TIMS_OK :
	       centre_revocations_publish(c, "first list", err);
}

tims_rc tims_centre_revocations(struct tims_centre *c, struct tims_buf *out,
				struct tims_err *err)
{
	if (!exists_in(c, "revocations.json"))
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no signed revocation list yet (the "
				    "centre makes one when it first serves, enrols a post or "
				    "revokes)", c->dir);
	return read_in(c, "revocations.json", out->max, out, err);
}

/* GET /api/v1/revocations (public: it is signed, and names no person). */
tims_rc centre_h_revocations(void *app, struct tims_http_req *req,
			     struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_err err;
	tims_rc rc;

	(void)req;
	if (tims_centre_isolated(s->c))
		return tims_http_reply_error(resp, 503, "isolated", "the centre is isolated");
	if ((rc = centre_revocations_ensure(s->c, &err)))
		return rc;
	tims_buf_reset(&resp->body);
	resp->body.max = TIMS_REVOCATION_MAX;
	if ((rc = read_in(s->c, "revocations.json", resp->body.max, &resp->body, &err)))
		return rc;
	resp->status = 200;
	resp->type = "application/json";
	return TIMS_OK;
}

/* ---- revoking ---------------------------------------------------------- */

static tims_rc revoke_row(struct tims_centre *c, const char *kind, const char *hash,
			  const char *name, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	if ((rc = ensure_schema(c, err)))
		goto out;
	if (sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO revoked_keys (hash, kind, name,"
			       " time_ms) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "revoked_keys", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "revoked_keys", err);
	else if (sqlite3_changes(c->db) == 0)
		rc = tims_err_set(err, TIMS_ERR_EXISTS, "%s %s: already revoked", kind, name);
	sqlite3_finalize(st);
	st = NULL;
	/* a serial the centre issued: its row too */
	if (!rc && !strcmp(kind, "cert") &&
	    sqlite3_prepare_v2(c->db, "UPDATE certs SET revoked_ms = ?2 WHERE serial = ?1"
			       " AND revoked_ms IS NULL", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
		sqlite3_step(st);
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

tims_rc tims_centre_revoke_key(struct tims_centre *c, int witness, const char *vkey,
			       struct tims_err *err)
{
	struct tims_verifier v;
	uint8_t h[32];
	char hex[65], d[300];
	tims_rc rc;

	if ((rc = tims_verifier_parse(vkey, &v, err)) || (rc = tims_revocation_key_hash(&v, h, err)))
		return rc;
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	if ((rc = revoke_row(c, witness ? "witness" : "key", hex, v.name, err)) ||
	    (rc = centre_revocations_publish(c, witness ? "witness revoked" : "key revoked", err)))
		return rc;
	snprintf(d, sizeof(d), "%s %s (key %s) revoked", witness ? "witness" : "key", v.name, hex);
	tims_centre_event(c, "revoked", NULL, d);
	return TIMS_OK;
}

tims_rc tims_centre_revoke_cert(struct tims_centre *c, const char *serial_hex,
				struct tims_err *err)
{
	uint8_t b[TIMS_TLS_SERIAL_MAX];
	char hex[2 * TIMS_TLS_SERIAL_MAX + 1], d[120];
	size_t bl = 0, n = strlen(serial_hex);
	tims_rc rc;

	if (n == 0 || n > 2 * TIMS_TLS_SERIAL_MAX ||
	    sodium_hex2bin(b, sizeof(b), serial_hex, n, NULL, &bl, NULL) || bl * 2 != n)
		return tims_err_set(err, TIMS_ERR_INVALID, "serial: want hex digits (at most %d "
				    "bytes)", TIMS_TLS_SERIAL_MAX);
	sodium_bin2hex(hex, sizeof(hex), b, bl); /* lower case, as certs holds it */
	if ((rc = revoke_row(c, "cert", hex, hex, err)) ||
	    (rc = centre_revocations_publish(c, "certificate revoked", err)))
		return rc;
	snprintf(d, sizeof(d), "certificate %s revoked", hex);
	tims_centre_event(c, "revoked", NULL, d);
	return TIMS_OK;
}

tims_rc tims_centre_revoke_post(struct tims_centre *c, const char *name, struct tims_err *err)
{
	tims_rc rc = tims_centre_revoke(c, name, err);

	return rc ? rc : centre_revocations_publish(c, "post revoked", err);
}

/* ---- the CA's rollover --------------------------------------------------- */

static tims_rc rename_in(struct tims_centre *c, const char *from, const char *to,
			 struct tims_err *err)
{
	char a[CENTRE_PATH_MAX], b[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = centre_path(c, from, a, err)) || (rc = centre_path(c, to, b, err)))
		return rc;
	/* a CA key's link into the key directory: the key renamed there, so
	 * that the new CA's ca.key never lands on the old one's file */
	return tims_keys_rename(c->dir, from, to, err);
}

static tims_rc write_bundle_file(struct tims_centre *c, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(4 * TIMS_TLS_PEM_MAX);
	tims_rc rc = centre_trusted_cas(c, &b, err);

	if (!rc)
		rc = write_in(c, "ca-bundle.crt", b.buf, b.len, 0644, err);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_centre_ca_rollover(struct tims_centre *c, const char *key_token,
				struct tims_err *err)
{
	struct tims_cert_req req = { .days = 3650, .uses = TIMS_CERT_CA };
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf old = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char cn[TIMS_CENTRE_NAME_MAX + 40], token[2048], label[256];
	tims_rc rc;

	if (exists_in(c, "ca-prev.crt"))
		return tims_err_set(err, TIMS_ERR_STATE, "a CA rollover is in progress already: "
				    "retire the old CA first (tims centre ca retire)");
	snprintf(cn, sizeof(cn), "%.64s CA %lld", c->name, (long long)time(NULL));
	cn[64] = '\0';
	req.common_name = cn;
	/* the new CA's key where the old one's is: a token stays a token
	 * (its URI without object=), unless another token is named */
	token[0] = '\0';
	if (key_token)
		snprintf(token, sizeof(token), "%s", key_token);
	else if (!read_in(c, "ca.key", old.max, &old, NULL) &&
		 !strncmp(tims_buf_str(&old), "pkcs11:", 7)) {
		/* pkcs11:ATTR;object=LABEL;ATTR?QUERY: all but the object */
		const char *u = tims_buf_str(&old), *o = strstr(u, ";object=");
		size_t n = strcspn(u, "\r\n"), head = o ? (size_t)(o - u) : n;
		size_t tail = o ? head + 1 + strcspn(o + 1, ";?\r\n") : n;

		if (n < sizeof(token) && tail <= n)
			snprintf(token, sizeof(token), "%.*s%.*s", (int)head, u,
				 (int)(n - tail), u + tail);
	}
	wipe_release(&old);
	if (token[0])
		rc = tims_note_key_label("ca", label, sizeof(label), err);
	else
		rc = TIMS_OK;
	if (rc || (rc = token[0] ? tims_tls_ca_in_token(cn, req.days, token, label, &cert, &key, err)
				 : tims_tls_issue(&req, NULL, NULL, &cert, &key, err)) ||
	    (rc = write_in(c, "ca-next.key", key.buf, key.len, 0600, err)) ||
	    /* into the key directory at once (a centre serving meanwhile
	     * must not find it in DIR), then renamed there */
	    (rc = tims_keys_jail(c->dir, NULL, err)) ||
	    (rc = write_in(c, "ca-next.crt", cert.buf, cert.len, 0644, err)) ||
	    /* the old one stays trusted; the new one issues */
	    (rc = rename_in(c, "ca.key", "ca-prev.key", err)) ||
	    (rc = rename_in(c, "ca.crt", "ca-prev.crt", err)) ||
	    (rc = rename_in(c, "ca-next.key", "ca.key", err)) ||
	    (rc = rename_in(c, "ca-next.crt", "ca.crt", err)) ||
	    (rc = write_bundle_file(c, err)) ||
	    (rc = centre_revocations_publish(c, "CA rollover: a new CA", err)))
		goto out;
	tims_centre_event(c, "ca-rollover", NULL, "a new CA issues; the old one is trusted "
			  "until it is retired");
out:
	tims_buf_release(&cert);
	wipe_release(&key);
	return rc;
}

/* Renew one of the centre's own certificates under the issuing CA, with
 * its key kept (posts pin the key): the old certificate's public key, so
 * the private key is never read here (the signer uses it). */
static tims_rc reissue_own(struct tims_centre *c, const char *crt_name, const char *what,
			   struct tims_err *err)
{
	struct tims_buf old = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), cakey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_cert_req req = { 0 };
	struct tims_tls_peer p;
	char cn[65];
	tims_rc rc;

	if ((rc = read_in(c, crt_name, old.max, &old, err)) ||
	    (rc = read_in(c, "ca.crt", ca.max, &ca, err)) ||
	    (rc = read_in(c, "ca.key", cakey.max, &cakey, err)) ||
	    (rc = tims_tls_peer_read_pem(tims_buf_str(&old), &p, err)) ||
	    (rc = tims_tls_common_name(tims_buf_str(&old), cn, sizeof(cn), err)) ||
	    (rc = centre_cert_lifetime(c->dir, what, &req.seconds, err)) ||
	    (rc = tims_tls_cert_names(tims_buf_str(&old), &req, err)))
		goto out;
	req.common_name = cn;
	req.role = p.role;
	if ((rc = tims_tls_issue_for_cert(&req, tims_buf_str(&old), tims_buf_str(&ca),
					 tims_buf_str(&cakey), &cert, err)) ||
	    (rc = write_in(c, crt_name, cert.buf, cert.len, 0644, err)))
		goto out;
	pthread_mutex_lock(&c->db_lock);
	rc = record_cert(c, "centre", tims_buf_str(&cert), &p, err);
	pthread_mutex_unlock(&c->db_lock);
out:
	tims_tls_cert_names_free(&req);
	tims_buf_release(&old);
	tims_buf_release(&ca);
	wipe_release(&cakey);
	tims_buf_release(&cert);
	return rc;
}

tims_rc tims_centre_renew_own(struct tims_centre *c, struct tims_err *err)
{
	tims_rc rc = reissue_own(c, "tls.crt", "centre_server", err);

	if (!rc)
		rc = reissue_own(c, "client.crt", "centre_client", err);
	if (!rc)
		tims_centre_event(c, "cert-renewed", NULL, "the centre's server and client "
				  "certificates renewed (same keys)");
	return rc;
}

tims_rc tims_centre_ca_retire(struct tims_centre *c, struct tims_err *err)
{
	char to[64];
	tims_rc rc;

	if (!exists_in(c, "ca-prev.crt"))
		return tims_err_set(err, TIMS_ERR_STATE, "no CA rollover in progress "
				    "(tims centre ca rollover first)");
	/* the centre's own certificates under the new CA first: after this,
	 * nothing the old CA signed is trusted */
	if ((rc = tims_centre_renew_own(c, err)))
		return rc;
	snprintf(to, sizeof(to), "ca-retired-%lld.crt", (long long)time(NULL));
	if ((rc = rename_in(c, "ca-prev.crt", to, err)))
		return rc;
	snprintf(to, sizeof(to), "ca-retired-%lld.key", (long long)time(NULL));
	if ((rc = rename_in(c, "ca-prev.key", to, err)) || (rc = write_bundle_file(c, err)) ||
	    (rc = centre_revocations_publish(c, "CA rollover: the old CA retired", err)))
		return rc;
	tims_centre_event(c, "ca-retired", NULL, "the old CA is no longer trusted");
	return TIMS_OK;
}
