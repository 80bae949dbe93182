/*
 * export.c — bulk export of personal data at the centre (tims/export.h,
 * docs/export.md): the daily limit every national query counts against,
 * and the two-person export sealed to a recipient's key.
 *
 * Both live in centre.db, next to the posts and the alerts, in tables made
 * here on first use: export_usage (officer, UTC day, rows taken) and
 * exports (one row a request, never deleted). What they let through is in
 * the centre's audit log, which is what an auditor trusts: a row edited by
 * someone with root changes no audit event.
 *
 * The sealed results are DIR/exports/ID.sealed (0600), deleted after the
 * last fetch or once the fetch window has passed; the centre cannot open
 * them (crypto_box_seal: only the recipient's secret key does).
 */
#include <errno.h>
#include <sodium.h>
#include <unistd.h>

#include "internal.h"
#include "tims/export.h"
#include "tims/mlog.h"
#include "tims/record.h"
#include "tims/util.h"

#define PURPOSE_MIN 3
#define PURPOSE_MAX 200
#define CONF_MAX 8192
#define KEYFILE_MAX 1024
#define STALE_MS (10 * 60 * 1000) /* an approval that died midway may be retried */
#define MAX_OVERSTAYS TIMS_CSTORE_MAX_PAGE

/* --- keys and sealing ----------------------------------------------------- */

tims_rc tims_export_keygen(uint8_t pk[TIMS_EXPORT_PK_BYTES], uint8_t sk[TIMS_EXPORT_SK_BYTES],
			   struct tims_err *err)
{
	if (sodium_init() < 0 || crypto_box_keypair(pk, sk) != 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "export key: libsodium failed");
	return TIMS_OK;
}

tims_rc tims_export_key_write(const char *path, const uint8_t pk[TIMS_EXPORT_PK_BYTES],
			      const uint8_t sk[TIMS_EXPORT_SK_BYTES], struct tims_err *err)
{
	char text[32 + 4 * TIMS_EXPORT_PK_BYTES + 32], pub[2 * TIMS_EXPORT_PK_BYTES + 2];
	char pubpath[4200], skhex[2 * TIMS_EXPORT_SK_BYTES + 1];
	tims_rc rc;

	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= (int)sizeof(pubpath))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", path);
	sodium_bin2hex(pub, sizeof(pub), pk, TIMS_EXPORT_PK_BYTES);
	sodium_bin2hex(skhex, sizeof(skhex), sk, TIMS_EXPORT_SK_BYTES);
	snprintf(text, sizeof(text), "tims-export-key v1\npublic %s\nsecret %s\n", pub, skhex);
	rc = tims_write_file(path, text, strlen(text), 0600, 0, err);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(skhex, sizeof(skhex));
	if (rc)
		return rc;
	pub[2 * TIMS_EXPORT_PK_BYTES] = '\n';
	pub[2 * TIMS_EXPORT_PK_BYTES + 1] = '\0';
	return tims_write_file(pubpath, pub, strlen(pub), 0644, 0, err);
}

/* "NAME HEX" on one line of exactly that shape. */
static tims_rc key_line(const char **p, const char *end, const char *name, uint8_t *out,
			size_t n, const char *path, struct tims_err *err)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t nlen = strlen(name);
	char hex[2 * 64 + 1];

	if (!nl || (size_t)(nl - *p) != nlen + 1 + 2 * n || memcmp(*p, name, nlen) ||
	    (*p)[nlen] != ' ')
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: want a line \"%s HEX\" (%zu hex "
				    "digits)", path, name, 2 * n);
	memcpy(hex, *p + nlen + 1, 2 * n);
	hex[2 * n] = '\0';
	*p = nl + 1;
	if (tims_hex_decode(hex, out, n, name, err)) {
		sodium_memzero(hex, sizeof(hex));
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: %s: not %zu hex digits", path,
				    name, 2 * n);
	}
	sodium_memzero(hex, sizeof(hex));
	return TIMS_OK;
}

tims_rc tims_export_key_read(const char *path, uint8_t pk[TIMS_EXPORT_PK_BYTES],
			     uint8_t sk[TIMS_EXPORT_SK_BYTES], struct tims_err *err)
{
	static const char magic[] = "tims-export-key v1\n";
	struct tims_buf b = TIMS_BUF_INIT(KEYFILE_MAX);
	uint8_t check[TIMS_EXPORT_PK_BYTES];
	const char *p, *end;
	tims_rc rc;

	if ((rc = tims_read_file(path, b.max, &b, err)))
		return rc;
	p = tims_buf_str(&b);
	end = p + b.len;
	if (b.len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: not a tims export key (it starts "
				  "\"tims-export-key v1\")", path);
		goto out;
	}
	p += sizeof(magic) - 1;
	if ((rc = key_line(&p, end, "public", pk, TIMS_EXPORT_PK_BYTES, path, err)) ||
	    (rc = key_line(&p, end, "secret", sk, TIMS_EXPORT_SK_BYTES, path, err)))
		goto out;
	if (p != end) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: bytes after the secret line", path);
		goto out;
	}
	/* the two halves belong together */
	if (crypto_scalarmult_base(check, sk) != 0 || sodium_memcmp(check, pk, sizeof(check)))
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: the public key is not the secret "
				  "key's", path);
out:
	if (rc)
		sodium_memzero(sk, TIMS_EXPORT_SK_BYTES);
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_export_pub_parse(const char *text, size_t len, uint8_t pk[TIMS_EXPORT_PK_BYTES],
			      struct tims_err *err)
{
	char hex[2 * TIMS_EXPORT_PK_BYTES + 1];

	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len != 2 * TIMS_EXPORT_PK_BYTES)
		return tims_err_set(err, TIMS_ERR_INVALID, "recipient key: want %d hex digits "
				    "(tims export keygen writes FILE.pub)", 2 * TIMS_EXPORT_PK_BYTES);
	memcpy(hex, text, len);
	hex[len] = '\0';
	if (tims_hex_decode(hex, pk, TIMS_EXPORT_PK_BYTES, "recipient key", err))
		return tims_err_set(err, TIMS_ERR_INVALID, "recipient key: not %d hex digits",
				    2 * TIMS_EXPORT_PK_BYTES);
	return TIMS_OK;
}

tims_rc tims_export_seal(const uint8_t pk[TIMS_EXPORT_PK_BYTES], const void *plain,
			 size_t len, struct tims_buf *out, struct tims_err *err)
{
	tims_buf_reset(out);
	if (len > TIMS_EXPORT_SEALED_MAX - crypto_box_SEALBYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "export: %zu bytes, more than a sealed "
				    "export holds", len);
	if (tims_buf_grow(out, len + crypto_box_SEALBYTES))
		return tims_err_set(err, TIMS_ERR_NOMEM, "export: out of memory");
	if (sodium_init() < 0 ||
	    crypto_box_seal((unsigned char *)out->buf, plain, len, pk) != 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "export: sealing failed (a bad "
				    "recipient key?)");
	out->len = len + crypto_box_SEALBYTES;
	out->buf[out->len] = '\0';
	return TIMS_OK;
}

tims_rc tims_export_open(const uint8_t pk[TIMS_EXPORT_PK_BYTES],
			 const uint8_t sk[TIMS_EXPORT_SK_BYTES], const void *sealed,
			 size_t len, struct tims_buf *out, struct tims_err *err)
{
	tims_buf_reset(out);
	if (len < crypto_box_SEALBYTES)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "sealed export: %zu bytes, too short", len);
	if (tims_buf_grow(out, len - crypto_box_SEALBYTES + 1))
		return tims_err_set(err, TIMS_ERR_NOMEM, "sealed export: out of memory");
	if (sodium_init() < 0 ||
	    crypto_box_seal_open((unsigned char *)out->buf, sealed, len, pk, sk) != 0) {
		sodium_memzero(out->buf, out->alloc);
		return tims_err_set(err, TIMS_ERR_CRYPTO, "sealed export: does not open with this "
				    "key (another recipient's, or altered)");
	}
	out->len = len - crypto_box_SEALBYTES;
	out->buf[out->len] = '\0';
	return TIMS_OK;
}

/* --- settings ------------------------------------------------------------- */

void tims_export_config_init(struct tims_export_config *c)
{
	c->rows_per_day = 200;
	c->request_ttl_s = 86400;
	c->fetch_max = 1;
	c->max_rows = 100000;
}

tims_rc tims_export_config_parse(struct tims_export_config *c, const char *text, size_t len,
				 const char *path, struct tims_err *err)
{
	const char *p = text, *end = text + len, *s;
	size_t n, lineno = 0;

	while (tims_next_line(&p, end, &s, &n, &lineno)) {
		const char *eq;
		char key[32], val[32];
		size_t klen;
		uint64_t v;

		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (!n || *s == '#')
			continue;
		if (!(eq = memchr(s, '=', n)))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: want key = value",
					    path, lineno);
		klen = (size_t)(eq - s);
		while (klen && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
			klen--;
		for (eq++; eq < s + n && (*eq == ' ' || *eq == '\t'); eq++)
			;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (klen >= sizeof(key) || eq > s + n || (size_t)(s + n - eq) >= sizeof(val))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: too long", path,
					    lineno);
		memcpy(key, s, klen);
		key[klen] = '\0';
		memcpy(val, eq, (size_t)(s + n - eq));
		val[s + n - eq] = '\0';
		if (!strcmp(key, "rows_per_day")) {
			if (tims_parse_u64(val, 100000000, &v, key, err))
				goto bad;
			c->rows_per_day = v;
		} else if (!strcmp(key, "request_ttl_s")) {
			if (tims_parse_u64(val, 30 * 86400, &v, key, err) || v < 1)
				goto bad;
			c->request_ttl_s = (uint32_t)v;
		} else if (!strcmp(key, "fetch_max")) {
			if (tims_parse_u64(val, 10, &v, key, err) || v < 1)
				goto bad;
			c->fetch_max = (uint32_t)v;
		} else if (!strcmp(key, "max_rows")) {
			if (tims_parse_u64(val, 1000000, &v, key, err) || v < 1)
				goto bad;
			c->max_rows = (uint32_t)v;
		} else {
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: unknown key %s "
					    "(rows_per_day, request_ttl_s, fetch_max, max_rows)",
					    path, lineno, key);
		}
		continue;
bad:
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: %s: out of range "
				    "(docs/export.md)", path, lineno, key);
	}
	return TIMS_OK;
}

tims_rc tims_export_config_load(const char *dir, struct tims_export_config *c,
				struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(CONF_MAX);
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	tims_export_config_init(c);
	if (snprintf(path, sizeof(path), "%s/export.conf", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path, F_OK) != 0)
		return errno == ENOENT ? TIMS_OK :
			tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if (!(rc = tims_read_file(path, b.max, &b, err)))
		rc = tims_export_config_parse(c, tims_buf_str(&b), b.len, path, err);
	tims_buf_release(&b);
	return rc;
}

/* --- the limit ------------------------------------------------------------ */

uint64_t tims_export_rows(const char *kind, const json_t *answer)
{
	size_t n;

	if (!kind || !answer)
		return 0;
	if (!strcmp(kind, "history") || !strcmp(kind, "person")) {
		n = json_array_size(json_object_get(answer, "crossings"));
		return n ? n : 1;
	}
	if (!strcmp(kind, "search")) /* the persons shown, each a row of personal data */
		return json_array_size(json_object_get(answer, "matches"));
	if (!strcmp(kind, "present"))
		return json_array_size(json_object_get(answer, "present"));
	if (!strcmp(kind, "overstays"))
		return json_array_size(json_object_get(answer, "overstays"));
	return 0;
}

static const char export_schema[] =
	"CREATE TABLE IF NOT EXISTS export_usage ("
	" officer TEXT NOT NULL, day INTEGER NOT NULL, rows INTEGER NOT NULL,"
	" PRIMARY KEY (officer, day));"
	"CREATE TABLE IF NOT EXISTS exports ("
	" id TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL,"
	" purpose TEXT NOT NULL, recipient TEXT NOT NULL, requester TEXT NOT NULL,"
	" requester_role TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL, state TEXT NOT NULL, approver TEXT,"
	" approver_role TEXT, approved_ms INTEGER, fetch_until_ms INTEGER,"
	" rows INTEGER, sealed_bytes INTEGER, sealed_sha256 TEXT, plain_sha256 TEXT,"
	" fetches INTEGER NOT NULL DEFAULT 0, fetch_max INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS exports_created ON exports (created_ms);"
	"CREATE TRIGGER IF NOT EXISTS exports_no_delete BEFORE DELETE ON exports BEGIN"
	" SELECT RAISE(ABORT, 'export requests are kept'); END;";

/* With db_lock held. */
static tims_rc schema(struct tims_centre *c, struct tims_err *err)
{
	if (sqlite3_exec(c->db, export_schema, NULL, NULL, NULL) != SQLITE_OK)
		return centre_db_err(c, "export tables", err);
	return TIMS_OK;
}

static int64_t day_of(int64_t ms)
{
	return ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
}

static tims_rc used_locked(struct tims_centre *c, const char *officer, int64_t day,
			   uint64_t *used, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int step;

	*used = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT rows FROM export_usage WHERE officer = ?1 AND"
			       " day = ?2", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "export usage", err);
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*used = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return centre_db_err(c, "export usage", err);
	return TIMS_OK;
}

tims_rc tims_centre_export_used(struct tims_centre *c, const char *officer, int64_t now_ms,
				uint64_t *used, struct tims_err *err)
{
	tims_rc rc;

	pthread_mutex_lock(&c->db_lock);
	rc = schema(c, err);
	if (!rc)
		rc = used_locked(c, officer, day_of(now_ms), used, err);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

tims_rc tims_centre_export_charge(struct tims_centre *c, const char *officer, uint64_t rows,
				  int64_t now_ms, struct tims_export_usage *u,
				  struct tims_err *err)
{
	struct tims_export_config cfg;
	struct tims_export_usage mine;
	sqlite3_stmt *st = NULL;
	int64_t day = day_of(now_ms);
	tims_rc rc;

	if (!u)
		u = &mine;
	memset(u, 0, sizeof(*u));
	u->rows = rows;
	if (!officer || !*officer)
		return tims_err_set(err, TIMS_ERR_USAGE, "export limit: no officer");
	/* the limit in force is read now: a changed export.conf shows in the
	 * audit events of the refusals, which carry it */
	if ((rc = tims_export_config_load(c->dir, &cfg, err)))
		return rc;
	u->limit = cfg.rows_per_day;
	pthread_mutex_lock(&c->db_lock);
	if ((rc = schema(c, err)))
		goto out;
	/* read and add in one write transaction: two queries at once (threads
	 * or processes) cannot both pass under the limit */
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "export usage", err);
		goto out;
	}
	if ((rc = used_locked(c, officer, day, &u->used, err)))
		goto rollback;
	if (rows > cfg.rows_per_day || u->used > cfg.rows_per_day - rows) {
		u->refused = 1;
		rc = tims_err_set(err, TIMS_ERR_DENIED, "export limit: %" PRIu64 " rows would make "
				  "%" PRIu64 " today, past the %" PRIu64 " one person may take "
				  "alone", rows, u->used + rows, cfg.rows_per_day);
		goto rollback;
	}
	if (sqlite3_prepare_v2(c->db, "INSERT INTO export_usage (officer, day, rows)"
			       " VALUES (?1, ?2, ?3) ON CONFLICT (officer, day)"
			       " DO UPDATE SET rows = rows + excluded.rows", -1, &st, NULL)
	    != SQLITE_OK) {
		rc = centre_db_err(c, "export usage", err);
		goto rollback;
	}
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, (int64_t)rows);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = centre_db_err(c, "export usage", err);
		goto rollback;
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "export usage", err);
		goto rollback;
	}
	u->used += rows;
	goto out;
rollback:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

/* --- requests ------------------------------------------------------------- */

static tims_rc refuse(struct tims_centre *c, const struct tims_principal *who,
		      const char *addr, const char *action, const char *id,
		      const struct tims_export_request *r, int status, tims_rc rc,
		      struct tims_err *err);

/* Roles that read personal data at the centre (docs/roles.md): the only
 * ones that may ask for an export or approve one. */
static int reads_personal(unsigned role)
{
	return role == TIMS_ROLE_SUPERVISOR || role == TIMS_ROLE_ANALYST;
}

static void hex32(const uint8_t *h, char out[65])
{
	sodium_bin2hex(out, 65, h, 32);
}

static tims_rc audit_json(struct tims_centre *c, const char *actor, const char *role,
			  const char *addr, const char *action, const char *purpose,
			  json_t *query, json_t *result, int status, struct tims_err *err)
{
	char *q = query ? json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *r = result ? json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	tims_rc rc;

	json_decref(query);
	json_decref(result);
	if (!q || (result && !r))
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "audit: out of memory");
	else
		rc = centre_audit(c, actor, role, addr ? addr : "local", action, purpose, q, r,
				  status, err);
	free(q);
	free(r);
	return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

#define REQ_COLS "id, kind, params, purpose, recipient, requester, requester_role," \
	" created_ms, expires_ms, state, approver, approver_role, approved_ms," \
	" fetch_until_ms, rows, sealed_bytes, sealed_sha256, plain_sha256, fetches, fetch_max"

/* The parameters name the person or document asked for: sealed in
 * centre.db under "centre.exports/ID" (seal.c). */
static tims_rc row_req(struct tims_centre *c, sqlite3_stmt *st, int64_t now_ms,
		       struct tims_export_request *r, struct tims_err *err)
{
	struct tims_buf pt = TIMS_BUF_INIT(sizeof(r->params) - 1);
	char ad[sizeof(r->id) + 32];
	int64_t until;
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", col(st, 0));
	snprintf(r->kind, sizeof(r->kind), "%s", col(st, 1));
	snprintf(ad, sizeof(ad), "centre.exports/%s", r->id);
	rc = centre_open_text(c, ad, col(st, 2), &pt, err);
	if (!rc)
		snprintf(r->params, sizeof(r->params), "%s", tims_buf_str(&pt));
	if (pt.buf)
		sodium_memzero(pt.buf, pt.len);
	tims_buf_release(&pt);
	snprintf(r->purpose, sizeof(r->purpose), "%s", col(st, 3));
	snprintf(r->recipient, sizeof(r->recipient), "%s", col(st, 4));
	snprintf(r->requester, sizeof(r->requester), "%s", col(st, 5));
	snprintf(r->requester_role, sizeof(r->requester_role), "%s", col(st, 6));
	r->created_ms = sqlite3_column_int64(st, 7);
	r->expires_ms = sqlite3_column_int64(st, 8);
	snprintf(r->state, sizeof(r->state), "%s", col(st, 9));
	snprintf(r->approver, sizeof(r->approver), "%s", col(st, 10));
	snprintf(r->approver_role, sizeof(r->approver_role), "%s", col(st, 11));
	r->approved_ms = sqlite3_column_int64(st, 12);
	until = sqlite3_column_int64(st, 13);
	r->rows = (uint64_t)sqlite3_column_int64(st, 14);
	r->sealed_bytes = (uint64_t)sqlite3_column_int64(st, 15);
	snprintf(r->sealed_sha256, sizeof(r->sealed_sha256), "%s", col(st, 16));
	snprintf(r->plain_sha256, sizeof(r->plain_sha256), "%s", col(st, 17));
	r->fetches = (uint32_t)sqlite3_column_int64(st, 18);
	r->fetch_max = (uint32_t)sqlite3_column_int64(st, 19);
	/* what time alone has decided */
	if ((!strcmp(r->state, "pending") && now_ms >= r->expires_ms) ||
	    (!strcmp(r->state, "approved") && now_ms >= until))
		snprintf(r->state, sizeof(r->state), "expired");
	else if (!strcmp(r->state, "approved"))
		r->expires_ms = until; /* approved: the end of its fetch window */
	return rc;
}

static tims_rc get_locked(struct tims_centre *c, const char *id, int64_t now_ms,
			  struct tims_export_request *r, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int step;

	if (sqlite3_prepare_v2(c->db, "SELECT " REQ_COLS " FROM exports WHERE id = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "exports", err);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW && (rc = row_req(c, st, now_ms, r, err))) {
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	if (step == SQLITE_DONE)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "export %.40s: no such request", id);
	if (step != SQLITE_ROW)
		return centre_db_err(c, "exports", err);
	return TIMS_OK;
}

static int id_ok(const char *id)
{
	size_t i;

	for (i = 0; id && id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id && i == TIMS_EXPORT_ID_CHARS - 1;
}

tims_rc tims_centre_export_get(struct tims_centre *c, const char *id, int64_t now_ms,
			       struct tims_export_request *out, struct tims_err *err)
{
	tims_rc rc;

	if (!id_ok(id))
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "export: an id is 32 hex digits");
	pthread_mutex_lock(&c->db_lock);
	rc = schema(c, err);
	if (!rc)
		rc = get_locked(c, id, now_ms, out, err);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

static tims_rc sealed_path(struct tims_centre *c, const char *id, char *out,
			   struct tims_err *err)
{
	if (snprintf(out, CENTRE_PATH_MAX, "%s/exports/%s.sealed", c->dir, id) >= CENTRE_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", c->dir);
	return TIMS_OK;
}

/* Sealed results past their fetch window: the file goes, the row says so. */
static void sweep_locked(struct tims_centre *c, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	char path[CENTRE_PATH_MAX];

	if (sqlite3_prepare_v2(c->db, "SELECT id FROM exports WHERE state = 'approved' AND"
			       " fetch_until_ms <= ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, now_ms);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (!sealed_path(c, col(st, 0), path, NULL))
			unlink(path);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(c->db, "UPDATE exports SET state = 'expired' WHERE"
			       " (state = 'approved' AND fetch_until_ms <= ?1) OR"
			       " (state = 'pending' AND expires_ms <= ?1)", -1, &st, NULL)
	    == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now_ms);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

static const char *pstr(const json_t *p, const char *k)
{
	return json_string_value(json_object_get(p, k));
}

struct post_find {
	const char *name;
	char origin[TIMS_NOTE_MAX_NAME + 1];
	int found;
};

static tims_rc find_post(void *ctx, const struct tims_centre_post *p)
{
	struct post_find *f = ctx;

	if (!strcmp(p->name, f->name)) {
		snprintf(f->origin, sizeof(f->origin), "%s", p->origin);
		f->found = 1;
	}
	return TIMS_OK;
}

/* Parameters: known keys of the right types only, defaults filled in, so
 * that the approver sees exactly what will be produced. */
static tims_rc check_params(struct tims_centre *c, const char *kind, const json_t *in,
			    const struct tims_export_config *cfg, int64_t now_ms, json_t **out,
			    struct tims_err *err)
{
	static const struct { const char *kind, *keys; } kinds[] = {
		{ "present", " at_ms offset limit " },
		{ "history", " doc issuer on " },
		{ "person", " surname given_names birth_date nationality on " },
		{ "overstays", " on limit " },
		{ "post-log", " post from count " },
	};
	const char *keys = NULL, *k;
	json_t *o, *v;
	size_t i;

	*out = NULL;
	for (i = 0; kind && i < TIMS_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			keys = kinds[i].keys;
	if (!keys)
		return tims_err_set(err, TIMS_ERR_INVALID, "kind: want present, history, person, "
				    "overstays or post-log");
	if (in && !json_is_object(in))
		return tims_err_set(err, TIMS_ERR_INVALID, "params: want an object");
	if (!(o = json_object()))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	json_object_foreach((json_t *)in, k, v) {
		char pat[40];
		int is_int = !strcmp(k, "at_ms") || !strcmp(k, "offset") || !strcmp(k, "limit") ||
			!strcmp(k, "from") || !strcmp(k, "count");
		json_int_t x;

		snprintf(pat, sizeof(pat), " %.32s ", k);
		if (strlen(k) > 32 || !strstr(keys, pat)) {
			/* the key is the caller's: named only if it is a plain word */
			int plain = strlen(k) <= 32 && *k;

			for (const char *q = k; plain && *q; q++)
				plain = (*q >= 'a' && *q <= 'z') || *q == '_';
			json_decref(o);
			return tims_err_set(err, TIMS_ERR_INVALID, "params: %s: not a parameter of "
					    "%s (%s)", plain ? k : "a key", kind, keys + 1);
		}
		if (is_int) {
			json_int_t max = 1000000000; /* offset, from: as the CLI's --offset */

			if (!strcmp(k, "at_ms"))
				max = INT64_MAX;
			else if (!strcmp(k, "limit") || !strcmp(k, "count"))
				max = !strcmp(kind, "overstays") && cfg->max_rows > MAX_OVERSTAYS ?
					MAX_OVERSTAYS : (json_int_t)cfg->max_rows;
			if (!json_is_integer(v) || (x = json_integer_value(v)) < 0 || x > max) {
				json_decref(o);
				return tims_err_set(err, TIMS_ERR_INVALID, "params: %s: want a whole "
						    "number from 0 to %lld", k, (long long)max);
			}
			if ((!strcmp(k, "limit") || !strcmp(k, "count")) && x == 0) {
				json_decref(o);
				return tims_err_set(err, TIMS_ERR_INVALID, "params: %s: at least 1", k);
			}
		} else if (!json_is_string(v) || !json_string_length(v) ||
			   json_string_length(v) >= TIMS_RECORD_FIELD ||
			   (!strcmp(k, "nationality") || !strcmp(k, "issuer") ?
			    json_string_length(v) > 3 : 0)) {
			json_decref(o);
			return tims_err_set(err, TIMS_ERR_INVALID, "params: %s: want a string of 1 to "
					    "%d bytes", k, !strcmp(k, "nationality") ||
					    !strcmp(k, "issuer") ? 3 : TIMS_RECORD_FIELD - 1);
		} else if (!strcmp(k, "on") || !strcmp(k, "birth_date")) {
			int64_t day;

			if (tims_date_parse(json_string_value(v), &day, k, err)) {
				json_decref(o);
				return TIMS_ERR_INVALID;
			}
		}
		json_object_set(o, k, v);
	}
#define NEED(key) do { if (!json_object_get(o, key)) { json_decref(o); \
	return tims_err_set(err, TIMS_ERR_INVALID, "params: %s: required for %s", key, kind); } } while (0)
#define DEF(key, val) do { if (!json_object_get(o, key)) json_object_set_new(o, key, val); } while (0)
	if (!strcmp(kind, "present")) {
		DEF("at_ms", json_integer((json_int_t)now_ms));
		DEF("offset", json_integer(0));
		DEF("limit", json_integer((json_int_t)cfg->max_rows));
	} else if (!strcmp(kind, "history")) {
		NEED("doc");
	} else if (!strcmp(kind, "person")) {
		NEED("surname");
		NEED("birth_date");
	} else if (!strcmp(kind, "overstays")) {
		DEF("limit", json_integer(cfg->max_rows < MAX_OVERSTAYS ? cfg->max_rows :
					  MAX_OVERSTAYS));
	} else {
		struct post_find f = { pstr(o, "post"), "", 0 };

		NEED("post");
		DEF("from", json_integer(0));
		DEF("count", json_integer((json_int_t)cfg->max_rows));
		/* a post that is not enrolled is refused now, not at approval */
		f.name = pstr(o, "post");
		if (tims_centre_posts(c, find_post, &f, err) || !f.found) {
			json_decref(o);
			return tims_err_set(err, TIMS_ERR_INVALID, "params: post: %.64s is not "
					    "enrolled here", f.name);
		}
	}
	if (!strcmp(kind, "history") || !strcmp(kind, "person") || !strcmp(kind, "overstays")) {
		struct tims_buf b = TIMS_BUF_INIT(32);

		if (!json_object_get(o, "on") && !tims_date_format(tims_day_of_ms(now_ms), &b))
			json_object_set_new(o, "on", json_string(tims_buf_str(&b)));
		tims_buf_release(&b);
	}
#undef NEED
#undef DEF
	*out = o;
	return TIMS_OK;
}

static tims_rc dumps(const json_t *j, char *out, size_t cap, struct tims_err *err)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (strlen(s) >= cap) {
		free(s);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "params: longer than %zu bytes", cap - 1);
	}
	memcpy(out, s, strlen(s) + 1);
	free(s);
	return TIMS_OK;
}

static tims_rc check_purpose(const char *purpose, struct tims_err *err)
{
	json_t *t;

	if (!purpose || strlen(purpose) < PURPOSE_MIN || strlen(purpose) > PURPOSE_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "purpose: state why (%d to %d bytes); "
				    "it is recorded in the audit log", PURPOSE_MIN, PURPOSE_MAX);
	if (!(t = json_string(purpose)))
		return tims_err_set(err, TIMS_ERR_INVALID, "purpose: not valid UTF-8");
	json_decref(t);
	for (const char *p = purpose; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID, "purpose: control characters");
	return TIMS_OK;
}

tims_rc tims_centre_export_request(struct tims_centre *c, const struct tims_principal *who,
				   const char *addr, const char *kind, const json_t *params,
				   const char *purpose, const uint8_t pk[TIMS_EXPORT_PK_BYTES],
				   int64_t now_ms, struct tims_export_request *out,
				   struct tims_err *err)
{
	struct tims_export_config cfg;
	struct tims_export_request r;
	struct tims_buf sealed = TIMS_BUF_INIT(4 * TIMS_EXPORT_PARAMS_MAX);
	char ad[sizeof(r.id) + 32];
	uint8_t idb[16];
	sqlite3_stmt *st = NULL;
	json_t *p = NULL;
	tims_rc rc;

	memset(&r, 0, sizeof(r));
	if (!reads_personal(who->role)) {
		tims_err_set(err, TIMS_ERR_DENIED, "export: the %s role reads no personal data, so "
			     "it may not ask for an export", tims_role_name(who->role));
		return refuse(c, who, addr, "export.request", NULL, NULL, 403, TIMS_ERR_DENIED, err);
	}
	if ((rc = check_purpose(purpose, err)) ||
	    (rc = tims_export_config_load(c->dir, &cfg, err)) ||
	    (rc = check_params(c, kind, params, &cfg, now_ms, &p, err)) ||
	    (rc = dumps(p, r.params, sizeof(r.params), err))) {
		/* a refused request is on the trail too, with why */
		rc = refuse(c, who, addr, "export.request", NULL, NULL, rc == TIMS_ERR_INVALID ||
			    rc == TIMS_ERR_TOOBIG ? 400 : 500, rc, err);
		goto out;
	}
	if (sodium_init() < 0) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium failed");
		goto out;
	}
	randombytes_buf(idb, sizeof(idb));
	sodium_bin2hex(r.id, sizeof(r.id), idb, sizeof(idb));
	snprintf(r.kind, sizeof(r.kind), "%s", kind);
	snprintf(r.purpose, sizeof(r.purpose), "%s", purpose);
	sodium_bin2hex(r.recipient, sizeof(r.recipient), pk, TIMS_EXPORT_PK_BYTES);
	snprintf(r.requester, sizeof(r.requester), "%s", who->id);
	snprintf(r.requester_role, sizeof(r.requester_role), "%s", tims_role_name(who->role));
	r.created_ms = now_ms;
	r.expires_ms = now_ms + (int64_t)cfg.request_ttl_s * 1000;
	r.fetch_max = cfg.fetch_max;
	snprintf(r.state, sizeof(r.state), "pending");
	/* on the audit trail before it exists */
	if ((rc = audit_json(c, who->id, r.requester_role, addr, "export.request", purpose,
			     json_pack("{s:s, s:s, s:O, s:s}", "id", r.id, "kind", kind, "params",
				       p, "recipient", r.recipient),
			     json_pack("{s:s, s:I}", "state", "pending", "expires_ms",
				       (json_int_t)r.expires_ms), 201, err)))
		goto out;
	snprintf(ad, sizeof(ad), "centre.exports/%s", r.id);
	if ((rc = centre_seal_text(c, ad, now_ms, r.params, &sealed, err)))
		goto out;
	pthread_mutex_lock(&c->db_lock);
	if (!(rc = schema(c, err))) {
		sweep_locked(c, now_ms);
		if (sqlite3_prepare_v2(c->db, "INSERT INTO exports (id, kind, params, purpose,"
				       " recipient, requester, requester_role, created_ms, expires_ms,"
				       " state, fetch_max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
				       " 'pending', ?10)", -1, &st, NULL) != SQLITE_OK)
			rc = centre_db_err(c, "exports", err);
	}
	if (!rc) {
		sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r.kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, tims_buf_str(&sealed), (int)sealed.len, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r.purpose, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, r.recipient, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r.requester, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, r.requester_role, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, r.created_ms);
		sqlite3_bind_int64(st, 9, r.expires_ms);
		sqlite3_bind_int64(st, 10, r.fetch_max);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = centre_db_err(c, "exports", err);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
out:
	json_decref(p);
	tims_buf_release(&sealed);
	if (!rc && out)
		*out = r;
	return rc;
}

/* --- producing the result ------------------------------------------------- */

static int64_t pint(const json_t *p, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(p, k));
}

static tims_rc day_param(const json_t *p, int64_t *day, struct tims_err *err)
{
	const char *on = pstr(p, "on");

	return on ? tims_date_parse(on, day, "on", err) : TIMS_OK;
}

/* Who is in the country, every page of it up to the request's limit. */
static tims_rc produce_present(struct tims_centre *c, const json_t *p, json_t **result,
			       struct tims_err *err)
{
	struct tims_centre_query q;
	uint64_t want = (uint64_t)pint(p, "limit"), got = 0;
	json_t *all = json_array(), *page = NULL;
	json_int_t total = 0;
	tims_rc rc = TIMS_OK;

	if (!all)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	memset(&q, 0, sizeof(q));
	q.kind = "present";
	q.at_ms = pint(p, "at_ms");
	while (got < want) {
		size_t n;

		q.offset = (unsigned)((uint64_t)pint(p, "offset") + got);
		q.limit = (unsigned)(want - got < TIMS_CSTORE_MAX_PAGE ? want - got :
				     TIMS_CSTORE_MAX_PAGE);
		if ((rc = centre_query_run(c, &q, &page, err)))
			break;
		total = json_integer_value(json_object_get(page, "total"));
		n = json_array_size(json_object_get(page, "present"));
		json_array_extend(all, json_object_get(page, "present"));
		json_decref(page);
		page = NULL;
		got += n;
		if (n < q.limit)
			break;
	}
	if (rc) {
		json_decref(all);
		return rc;
	}
	*result = json_pack("{s:I, s:I, s:I, s:o}", "at", (json_int_t)q.at_ms, "total", total,
			    "offset", (json_int_t)pint(p, "offset"), "present", all);
	return *result ? TIMS_OK : tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
}

struct log_rows {
	json_t *records;
	tims_rc rc;
	struct tims_err *err;
};

static tims_rc log_row(void *ctx, const struct tims_post_raw *r)
{
	struct log_rows *l = ctx;
	struct tims_buf js = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);
	struct tims_record *rec;
	json_t *e, *j = NULL;
	tims_rc rc;

	if (!r->body) {
		e = json_pack("{s:I, s:b}", "index", (json_int_t)r->index, "erased", 1);
		return e && !json_array_append_new(l->records, e) ? TIMS_OK : TIMS_ERR_NOMEM;
	}
	if (!(rec = malloc(sizeof(*rec))))
		return TIMS_ERR_NOMEM;
	/* the mirror's record, checked against its own entry as it goes out */
	if ((rc = tims_post_raw_check(r, rec, l->err)) ||
	    (rc = tims_record_to_json(rec, &js))) {
		free(rec);
		tims_buf_release(&js);
		return rc;
	}
	free(rec);
	j = json_loadb(js.buf, js.len, 0, NULL);
	tims_buf_release(&js);
	e = j ? json_pack("{s:I, s:o}", "index", (json_int_t)r->index, "record", j) : NULL;
	return e && !json_array_append_new(l->records, e) ? TIMS_OK : TIMS_ERR_NOMEM;
}

static tims_rc produce_log(struct tims_centre *c, const json_t *p, json_t **result,
			   struct tims_err *err)
{
	struct post_find f = { pstr(p, "post"), "", 0 };
	struct log_rows l = { json_array(), TIMS_OK, err };
	struct centre_mirror *cm;
	uint64_t size = 0, from = (uint64_t)pint(p, "from"), count = (uint64_t)pint(p, "count");
	tims_rc rc;

	if (!l.records)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_centre_posts(c, find_post, &f, err)))
		goto fail;
	if (!f.found) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "post: %.64s is not enrolled here", f.name);
		goto fail;
	}
	if ((rc = centre_mirror_get(c, f.origin, &cm, err)))
		goto fail;
	pthread_mutex_lock(&cm->lock);
	rc = tims_sync_mirror_size(cm->m, &size, err);
	if (!rc && from < size)
		rc = tims_sync_mirror_export(cm->m, from, count < size - from ? count : size - from,
					     log_row, &l, err);
	pthread_mutex_unlock(&cm->lock);
	if (rc == TIMS_ERR_NOMEM)
		rc = tims_err_set(err, rc, "post-log: out of memory");
	if (rc)
		goto fail;
	*result = json_pack("{s:s, s:s, s:I, s:I, s:o}", "post", f.name, "origin", f.origin,
			    "from", (json_int_t)from, "size", (json_int_t)size, "records", l.records);
	return *result ? TIMS_OK : tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
fail:
	json_decref(l.records);
	return rc;
}

static tims_rc produce(struct tims_centre *c, const struct tims_export_request *r,
		       json_t **result, uint64_t *rows, struct tims_err *err)
{
	json_t *p = json_loads(r->params, 0, NULL);
	struct tims_centre_query q;
	tims_rc rc;

	*result = NULL;
	*rows = 0;
	if (!p)
		return tims_err_set(err, TIMS_ERR_STATE, "export %s: stored parameters unreadable",
				    r->id);
	memset(&q, 0, sizeof(q));
	q.kind = r->kind;
	q.on_day = tims_day_of_ms(r->created_ms);
	if (!strcmp(r->kind, "present")) {
		rc = produce_present(c, p, result, err);
		*rows = *result ? json_array_size(json_object_get(*result, "present")) : 0;
	} else if (!strcmp(r->kind, "post-log")) {
		rc = produce_log(c, p, result, err);
		*rows = *result ? json_array_size(json_object_get(*result, "records")) : 0;
	} else if (!(rc = day_param(p, &q.on_day, err))) {
		q.doc = pstr(p, "doc");
		q.issuer = pstr(p, "issuer");
		q.surname = pstr(p, "surname");
		q.given = pstr(p, "given_names");
		q.birth_date = pstr(p, "birth_date");
		q.nationality = pstr(p, "nationality");
		q.limit = (unsigned)pint(p, "limit");
		rc = centre_query_run(c, &q, result, err);
		*rows = tims_export_rows(r->kind, *result);
	}
	json_decref(p);
	return rc;
}

/* --- approval ------------------------------------------------------------- */

static tims_rc refuse(struct tims_centre *c, const struct tims_principal *who,
		      const char *addr, const char *action, const char *id,
		      const struct tims_export_request *r, int status, tims_rc rc,
		      struct tims_err *err)
{
	struct tims_err aerr;

	/* the id is the caller's: only a well-formed one is written down */
	if (audit_json(c, who->id, tims_role_name(who->role), addr, action,
		       r && r->purpose[0] ? r->purpose : "",
		       json_pack("{s:s, s:s?, s:s?}", "id", !id ? "" : id_ok(id) ? id : "(malformed)", "kind",
				 r && r->kind[0] ? r->kind : NULL, "requested_by",
				 r && r->requester[0] ? r->requester : NULL),
		       json_pack("{s:s}", "refused", err ? err->msg : ""), status, &aerr))
		return tims_err_set(err, aerr.rc ? aerr.rc : TIMS_ERR_IO, "%s", aerr.msg);
	return rc;
}

static tims_rc set_state(struct tims_centre *c, const char *id, const char *sql,
			 int64_t a, int64_t b, int *changed, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "exports", err);
	} else {
		int np = sqlite3_bind_parameter_count(st);

		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (np >= 2)
			sqlite3_bind_int64(st, 2, a);
		if (np >= 3)
			sqlite3_bind_int64(st, 3, b);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = centre_db_err(c, "exports", err);
		else if (changed)
			*changed = sqlite3_changes(c->db);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

static tims_rc seal_and_keep(struct tims_centre *c, const struct tims_export_request *r,
			     const char *plain, size_t len, char sealed_hex[65],
			     char plain_hex[65], uint64_t *sealed_bytes, struct tims_err *err)
{
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_EXPORT_SEALED_MAX);
	uint8_t pk[TIMS_EXPORT_PK_BYTES], h[32];
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = tims_export_pub_parse(r->recipient, strlen(r->recipient), pk, err)) ||
	    (rc = tims_export_seal(pk, plain, len, &sealed, err)))
		goto out;
	crypto_hash_sha256(h, (const unsigned char *)plain, len);
	hex32(h, plain_hex);
	crypto_hash_sha256(h, (const unsigned char *)sealed.buf, sealed.len);
	hex32(h, sealed_hex);
	*sealed_bytes = sealed.len;
	if ((rc = centre_path(c, "exports", path, err)) || (rc = tims_dir_private(path, err)) ||
	    (rc = sealed_path(c, r->id, path, err)))
		goto out;
	rc = tims_write_file(path, sealed.buf, sealed.len, 0600, 1, err);
out:
	tims_buf_release(&sealed);
	return rc;
}

tims_rc tims_centre_export_approve(struct tims_centre *c, const struct tims_principal *who,
				   const char *addr, const char *id, int64_t now_ms,
				   struct tims_export_request *out, struct tims_err *err)
{
	static const char *const A = "export.approve";
	struct tims_export_config cfg;
	struct tims_export_request r;
	char sealed_hex[65], plain_hex[65], path[CENTRE_PATH_MAX];
	uint64_t rows = 0, sealed_bytes = 0;
	json_t *result = NULL, *doc = NULL;
	char *plain = NULL;
	int changed = 0;
	tims_rc rc;

	memset(&r, 0, sizeof(r));
	if (!reads_personal(who->role)) {
		tims_err_set(err, TIMS_ERR_DENIED, "export: the %s role reads no personal data, so "
			     "it may not approve an export", tims_role_name(who->role));
		return refuse(c, who, addr, A, id, NULL, 403, TIMS_ERR_DENIED, err);
	}
	if ((rc = tims_centre_export_get(c, id, now_ms, &r, err)))
		return refuse(c, who, addr, A, id, NULL, rc == TIMS_ERR_NOTFOUND ? 404 : 500, rc, err);
	if (!strcmp(r.requester, who->id)) {
		tims_err_set(err, TIMS_ERR_DENIED, "export %s: you asked for it; a second person "
			     "of another role approves", r.id);
		return refuse(c, who, addr, A, id, &r, 403, TIMS_ERR_DENIED, err);
	}
	if (!strcmp(r.requester_role, tims_role_name(who->role))) {
		tims_err_set(err, TIMS_ERR_DENIED, "export %s: asked for by a %s; a person of "
			     "another role approves", r.id, r.requester_role);
		return refuse(c, who, addr, A, id, &r, 403, TIMS_ERR_DENIED, err);
	}
	if (strcmp(r.state, "pending") != 0) {
		tims_err_set(err, TIMS_ERR_STATE, "export %s: %s, not pending", r.id, r.state);
		return refuse(c, who, addr, A, id, &r, 409, TIMS_ERR_STATE, err);
	}
	if ((rc = tims_export_config_load(c->dir, &cfg, err)))
		return rc;
	/* claim it: one approval, whoever comes second (a replay, another
	 * process) finds it taken; a claim older than STALE_MS died midway */
	if ((rc = set_state(c, r.id, "UPDATE exports SET state = 'approving', approved_ms = ?2"
			    " WHERE id = ?1 AND expires_ms > ?2 AND (state = 'pending' OR"
			    " (state = 'approving' AND approved_ms < ?3))", now_ms,
			    now_ms - STALE_MS, &changed, err)))
		return rc;
	if (!changed) {
		tims_err_set(err, TIMS_ERR_STATE, "export %s: already being approved, approved or "
			     "expired", r.id);
		return refuse(c, who, addr, A, id, &r, 409, TIMS_ERR_STATE, err);
	}
	snprintf(r.approver, sizeof(r.approver), "%s", who->id);
	snprintf(r.approver_role, sizeof(r.approver_role), "%s", tims_role_name(who->role));
	r.approved_ms = now_ms;
	if ((rc = produce(c, &r, &result, &rows, err)))
		goto fail;
	if (rows > cfg.max_rows) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "export %s: %" PRIu64 " rows, more than "
				  "max_rows %" PRIu32, r.id, rows, cfg.max_rows);
		goto fail;
	}
	doc = json_pack("{s:i, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
			"tims_export", 1, "id", r.id, "centre", c->name, "kind", r.kind,
			"params", json_loads(r.params, 0, NULL), "purpose", r.purpose,
			"requested_by", r.requester, "requester_role", r.requester_role,
			"approved_by", r.approver, "approver_role", r.approver_role,
			"made_ms", (json_int_t)now_ms, "rows", (json_int_t)rows,
			"result", result);
	result = NULL;
	if (!doc || !(plain = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "export: out of memory");
		goto fail;
	}
	if ((rc = seal_and_keep(c, &r, plain, strlen(plain), sealed_hex, plain_hex,
				&sealed_bytes, err)))
		goto fail;
	/* both people, why, what, how much and the hashes: on the audit trail
	 * before the result can be fetched */
	if ((rc = audit_json(c, who->id, r.approver_role, addr, A, r.purpose,
			     json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "id", r.id,
				       "kind", r.kind, "params", json_loads(r.params, 0, NULL),
				       "requested_by", r.requester, "requester_role",
				       r.requester_role, "approved_by", r.approver,
				       "approver_role", r.approver_role, "recipient", r.recipient),
			     json_pack("{s:I, s:s, s:s, s:I}", "rows", (json_int_t)rows,
				       "sealed_sha256", sealed_hex, "plaintext_sha256", plain_hex,
				       "sealed_bytes", (json_int_t)sealed_bytes), 200, err))) {
		if (!sealed_path(c, r.id, path, NULL))
			unlink(path);
		goto fail;
	}
	{
		sqlite3_stmt *st = NULL;

		pthread_mutex_lock(&c->db_lock);
		if (sqlite3_prepare_v2(c->db, "UPDATE exports SET state = 'approved', approver = ?2,"
				       " approver_role = ?3, approved_ms = ?4, fetch_until_ms = ?5,"
				       " rows = ?6, sealed_bytes = ?7, sealed_sha256 = ?8,"
				       " plain_sha256 = ?9 WHERE id = ?1 AND state = 'approving'",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = centre_db_err(c, "exports", err);
		} else {
			sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, r.approver, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, r.approver_role, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, now_ms);
			sqlite3_bind_int64(st, 5, now_ms + (int64_t)cfg.request_ttl_s * 1000);
			sqlite3_bind_int64(st, 6, (int64_t)rows);
			sqlite3_bind_int64(st, 7, (int64_t)sealed_bytes);
			sqlite3_bind_text(st, 8, sealed_hex, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 9, plain_hex, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = centre_db_err(c, "exports", err);
		}
		sqlite3_finalize(st);
		pthread_mutex_unlock(&c->db_lock);
	}
	if (rc)
		goto out;
	rc = tims_centre_export_get(c, r.id, now_ms, &r, err);
	goto out;
fail:
	{
		struct tims_err e2;

		/* back to pending: nothing was approved */
		(void)set_state(c, r.id, "UPDATE exports SET state = 'pending', approved_ms = NULL"
				" WHERE id = ?1 AND state = 'approving' AND approved_ms = ?2", now_ms,
				0, NULL, &e2);
		refuse(c, who, addr, A, id, &r, 500, rc, err);
	}
out:
	if (plain) {
		sodium_memzero(plain, strlen(plain));
		free(plain);
	}
	json_decref(doc);
	json_decref(result);
	if (!rc && out)
		*out = r;
	return rc;
}

/* --- fetching ------------------------------------------------------------- */

tims_rc tims_centre_export_fetch(struct tims_centre *c, const struct tims_principal *who,
				 const char *addr, const char *id, int64_t now_ms,
				 struct tims_buf *sealed, struct tims_export_request *out,
				 struct tims_err *err)
{
	static const char *const A = "export.fetch";
	struct tims_export_request r;
	char path[CENTRE_PATH_MAX], hex[65];
	uint8_t h[32];
	int changed = 0;
	tims_rc rc;

	memset(&r, 0, sizeof(r));
	if ((rc = tims_centre_export_get(c, id, now_ms, &r, err)))
		return refuse(c, who, addr, A, id, NULL, rc == TIMS_ERR_NOTFOUND ? 404 : 500, rc, err);
	if (strcmp(r.requester, who->id) != 0) {
		tims_err_set(err, TIMS_ERR_DENIED, "export %s: only its requester fetches it", r.id);
		return refuse(c, who, addr, A, id, &r, 403, TIMS_ERR_DENIED, err);
	}
	if (strcmp(r.state, "approved") != 0) {
		tims_err_set(err, TIMS_ERR_STATE, "export %s: %s, nothing to fetch", r.id,
			     !strcmp(r.state, "fetched") ? "fetched already" : r.state);
		return refuse(c, who, addr, A, id, &r, 409, TIMS_ERR_STATE, err);
	}
	if ((rc = set_state(c, r.id, "UPDATE exports SET fetches = fetches + 1, state ="
			    " CASE WHEN fetches + 1 >= fetch_max THEN 'fetched' ELSE state END"
			    " WHERE id = ?1 AND state = 'approved' AND fetches < fetch_max AND"
			    " fetch_until_ms > ?2", now_ms, 0, &changed, err)))
		return rc;
	if (!changed) {
		tims_err_set(err, TIMS_ERR_STATE, "export %s: fetched already or expired", r.id);
		return refuse(c, who, addr, A, id, &r, 409, TIMS_ERR_STATE, err);
	}
	r.fetches++;
	tims_buf_release(sealed); /* tims_read_file starts the buffer afresh */
	if ((rc = sealed_path(c, r.id, path, err)) ||
	    (rc = tims_read_file(path, TIMS_EXPORT_SEALED_MAX, sealed, err)))
		goto fail;
	crypto_hash_sha256(h, (const unsigned char *)sealed->buf, sealed->len);
	hex32(h, hex);
	if (strcmp(hex, r.sealed_sha256) != 0) {
		/* the file is not what was audited: never hand it out */
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "export %s: the sealed file's SHA-256 is "
				  "not the one audited at approval", r.id);
		tims_centre_event(c, "tamper", NULL, err->msg);
		goto fail;
	}
	if ((rc = audit_json(c, who->id, tims_role_name(who->role), addr, A, r.purpose,
			     json_pack("{s:s, s:s, s:s, s:s}", "id", r.id, "kind", r.kind,
				       "requested_by", r.requester, "approved_by", r.approver),
			     json_pack("{s:s, s:I, s:i, s:i}", "sealed_sha256", hex, "sealed_bytes",
				       (json_int_t)sealed->len, "fetch", (int)r.fetches,
				       "fetch_max", (int)r.fetch_max), 200, err)))
		goto fail;
	if (r.fetches >= r.fetch_max) {
		unlink(path);
		snprintf(r.state, sizeof(r.state), "fetched");
	}
	if (out)
		*out = r;
	return TIMS_OK;
fail:
	{
		struct tims_err e2;

		tims_buf_reset(sealed);
		(void)set_state(c, r.id, "UPDATE exports SET fetches = fetches - 1, state = 'approved'"
				" WHERE id = ?1 AND fetches > 0", 0, 0, NULL,
				&e2);
	}
	return refuse(c, who, addr, A, id, &r, 500, rc, err);
}

tims_rc tims_centre_export_list(struct tims_centre *c, int64_t since_ms, int64_t now_ms,
				size_t max, tims_export_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_export_request *rs = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	tims_rc rc;

	if (max > 1000)
		max = 1000;
	if (!(rs = calloc(max ? max : 1, sizeof(*rs))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&c->db_lock);
	if (!(rc = schema(c, err))) {
		sweep_locked(c, now_ms);
		if (sqlite3_prepare_v2(c->db, "SELECT " REQ_COLS " FROM exports WHERE"
				       " created_ms >= ?1 ORDER BY created_ms DESC, id LIMIT ?2",
				       -1, &st, NULL) != SQLITE_OK)
			rc = centre_db_err(c, "exports", err);
	}
	if (!rc) {
		sqlite3_bind_int64(st, 1, since_ms);
		sqlite3_bind_int64(st, 2, (int64_t)max);
		while (!rc && n < max && sqlite3_step(st) == SQLITE_ROW)
			rc = row_req(c, st, now_ms, &rs[n++], err);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	/* the callback runs without the lock */
	for (size_t i = 0; !rc && i < n; i++)
		rc = fn(ctx, &rs[i]);
	free(rs);
	return rc;
}

json_t *tims_export_request_json(const struct tims_export_request *r)
{
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:i, s:i}",
			      "id", r->id, "kind", r->kind, "params",
			      json_loads(r->params, 0, NULL), "purpose", r->purpose,
			      "recipient", r->recipient, "requested_by", r->requester,
			      "requester_role", r->requester_role, "created_ms",
			      (json_int_t)r->created_ms, "expires_ms", (json_int_t)r->expires_ms,
			      "state", r->state, "fetches", (int)r->fetches, "fetch_max",
			      (int)r->fetch_max);

	if (o && r->approver[0]) {
		json_object_set_new(o, "approved_by", json_string(r->approver));
		json_object_set_new(o, "approver_role", json_string(r->approver_role));
		json_object_set_new(o, "approved_ms", json_integer((json_int_t)r->approved_ms));
	}
	if (o && r->sealed_sha256[0]) {
		json_object_set_new(o, "rows", json_integer((json_int_t)r->rows));
		json_object_set_new(o, "sealed_bytes", json_integer((json_int_t)r->sealed_bytes));
		json_object_set_new(o, "sealed_sha256", json_string(r->sealed_sha256));
		json_object_set_new(o, "plaintext_sha256", json_string(r->plain_sha256));
	}
	return o;
}

/* --- the API (routes.c) --------------------------------------------------- */

const struct tims_json_field centre_export_schema[] = {
	{ "kind", TIMS_JSON_STRING, 1, 15 },
	{ "purpose", TIMS_JSON_STRING, 1, PURPOSE_MAX },
	{ "recipient_key", TIMS_JSON_STRING, 1, 2 * TIMS_EXPORT_PK_BYTES },
	{ "params", TIMS_JSON_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static tims_rc export_error(struct tims_http_resp *resp, tims_rc rc, const struct tims_err *err)
{
	switch (rc) {
	case TIMS_ERR_DENIED:
		return tims_http_reply_error(resp, 403, "export_denied", "%s", err->msg);
	case TIMS_ERR_NOTFOUND:
		return tims_http_reply_error(resp, 404, "no_export", "%s", err->msg);
	case TIMS_ERR_STATE:
		return tims_http_reply_error(resp, 409, "export_state", "%s", err->msg);
	case TIMS_ERR_INVALID:
	case TIMS_ERR_TOOBIG:
		return tims_http_reply_error(resp, 400, "bad_export", "%s", err->msg);
	default:
		return tims_http_reply_error(resp, 500, "export_failed", "the export could not be "
					     "made or recorded: nothing was handed out");
	}
}

tims_rc centre_h_export_request(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *key = json_string_value(json_object_get(req->json, "recipient_key"));
	struct tims_export_request r;
	uint8_t pk[TIMS_EXPORT_PK_BYTES];
	struct tims_err err;
	tims_rc rc;

	if ((rc = tims_export_pub_parse(key, strlen(key), pk, &err)))
		return export_error(resp, rc, &err);
	rc = tims_centre_export_request(s->c, &req->who, req->addr,
					json_string_value(json_object_get(req->json, "kind")),
					json_object_get(req->json, "params"),
					json_string_value(json_object_get(req->json, "purpose")), pk,
					tims_mlog_now_ms(), &r, &err);
	if (rc)
		return export_error(resp, rc, &err);
	return tims_http_reply_json(resp, 201, tims_export_request_json(&r));
}

struct list_ctx {
	json_t *list;
};

static tims_rc list_one(void *ctx, const struct tims_export_request *r)
{
	return json_array_append_new(((struct list_ctx *)ctx)->list,
				     tims_export_request_json(r)) ? TIMS_ERR_NOMEM : TIMS_OK;
}

tims_rc centre_h_export_list(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct list_ctx x = { json_array() };
	const char *d = tims_http_query(req, "days");
	int64_t now = tims_mlog_now_ms();
	uint64_t days = 7;
	struct tims_err err;
	tims_rc rc;

	if (d && tims_parse_u64(d, 366, &days, "days", &err)) {
		json_decref(x.list);
		return tims_http_reply_error(resp, 400, "bad_query", "days: want 0 to 366");
	}
	if ((rc = tims_centre_export_list(s->c, now - (int64_t)days * 86400000, now, 200, list_one,
					  &x, &err))) {
		json_decref(x.list);
		return rc;
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:o}", "exports", x.list));
}

tims_rc centre_h_export_get(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_export_request r;
	struct tims_err err;
	tims_rc rc;

	if (req->nparam < 1)
		return tims_http_reply_error(resp, 404, "no_export", "no id");
	if ((rc = tims_centre_export_get(s->c, req->param[0], tims_mlog_now_ms(), &r, &err)))
		return export_error(resp, rc, &err);
	return tims_http_reply_json(resp, 200, tims_export_request_json(&r));
}

tims_rc centre_h_export_approve(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_export_request r;
	struct tims_err err;
	tims_rc rc;

	if (req->nparam < 1)
		return tims_http_reply_error(resp, 404, "no_export", "no id");
	rc = tims_centre_export_approve(s->c, &req->who, req->addr, req->param[0],
					tims_mlog_now_ms(), &r, &err);
	if (rc)
		return export_error(resp, rc, &err);
	return tims_http_reply_json(resp, 200, tims_export_request_json(&r));
}

tims_rc centre_h_export_fetch(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_export_request r;
	struct tims_err err;
	tims_rc rc;

	if (req->nparam < 1)
		return tims_http_reply_error(resp, 404, "no_export", "no id");
	tims_buf_reset(&resp->body);
	resp->body.max = TIMS_EXPORT_SEALED_MAX;
	rc = tims_centre_export_fetch(s->c, &req->who, req->addr, req->param[0],
				      tims_mlog_now_ms(), &resp->body, &r, &err);
	if (rc) {
		tims_buf_reset(&resp->body);
		return export_error(resp, rc, &err);
	}
	resp->status = 200;
	resp->type = "application/octet-stream";
	return TIMS_OK;
}
