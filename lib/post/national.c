/*
 * national.c — the post's replica of the national travel history in
 * DIR/national.db (see include/tims/national.h): its schema, applying the
 * centre's feed page by page, and looking a document up.
 *
 * Checking comes before writing: a page is parsed and every row checked
 * (tims_national_page_parse, check_row) before one transaction applies
 * it, so a malformed page changes nothing, the cursor included.
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include "tims/national.h"
#include "tims/schema.h"
#include "tims/util.h"
#include "tims/vault.h"

/*
 * national.db. Bulk loading (benchmarks, e.g. 10 M rows): open it with
 * tims_national_open(dir, 1, ...) and call tims_national_add with batches
 * of TIMS_NATIONAL_MAX_PAGE rows (one transaction each).
 * Filling it with SQL directly works too, inside one transaction with the
 * index dropped and re-created after: id = post id << 40 | log index (a
 * posts row must exist for the post id), doc_key any 16 bytes (the real
 * ones are BLAKE2b-128 of the document number keyed with a key from the
 * post's vault, see load_key),
 * dir 1 (entry) or 2 (exit), visa_* NULL when the crossing had no visa.
 * About 60 bytes a crossing with its index: 10 M crossings ~ 600 MB.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL);"
	"CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS crossings ("
	" id INTEGER PRIMARY KEY,"      /* post id << 40 | index in that post's log */
	" doc_key BLOB NOT NULL,"       /* keyed BLAKE2b-128 of the document number */
	" issuer TEXT NOT NULL,"        /* issuing state, 1-3 letters */
	" nat TEXT NOT NULL,"           /* nationality, 1-3 letters */
	" dir INTEGER NOT NULL,"        /* 1 entry, 2 exit */
	" at_ms INTEGER NOT NULL,"      /* the crossing time that counts (its day: UTC) */
	" visa_kind INTEGER,"           /* NULL: no visa recorded; else 1 short, 2 long, 3 residence */
	" visa_from INTEGER,"           /* first day valid (days since 1970), NULL: not given */
	" visa_until INTEGER,"          /* last day valid, NULL: not given */
	" visa_entries INTEGER,"        /* 0 multiple, 1, 2 */
	" visa_days INTEGER);"          /* days of stay allowed */
	"CREATE INDEX IF NOT EXISTS crossings_doc ON crossings (doc_key);";

enum {
	Q_POST_ID, Q_POST_ADD, Q_PUT, Q_DEL, Q_META_PUT, Q_META_GET, Q_LOOKUP, Q_LOOKUP_NAT,
	Q_COUNT, Q_N
};

static const char *const sql[Q_N] = {
	[Q_POST_ID] = "SELECT id FROM posts WHERE name = ?1",
	[Q_POST_ADD] = "INSERT INTO posts (name) VALUES (?1)",
	[Q_PUT] = "INSERT OR REPLACE INTO crossings (id, doc_key, issuer, nat, dir, at_ms,"
		  " visa_kind, visa_from, visa_until, visa_entries, visa_days)"
		  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_DEL] = "DELETE FROM crossings WHERE id = ?1",
	[Q_META_PUT] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[Q_META_GET] = "SELECT key, value FROM meta",
	[Q_LOOKUP] = "SELECT c.id, p.name, c.issuer, c.nat, c.dir, c.at_ms, c.visa_kind,"
		     " c.visa_from, c.visa_until, c.visa_entries, c.visa_days FROM crossings c"
		     " JOIN posts p ON p.id = (c.id >> 40) WHERE c.doc_key = ?1",
	[Q_LOOKUP_NAT] = "SELECT c.id, p.name, c.issuer, c.nat, c.dir, c.at_ms, c.visa_kind,"
			 " c.visa_from, c.visa_until, c.visa_entries, c.visa_days FROM crossings c"
			 " JOIN posts p ON p.id = (c.id >> 40) WHERE c.doc_key = ?1 AND c.nat = ?2",
	[Q_COUNT] = "SELECT COUNT(*) FROM crossings",
};

#define POST_CACHE 16

struct tims_national {
	sqlite3 *db;
	struct { char name[TIMS_NOTE_MAX_NAME + 1]; int64_t id; } posts[POST_CACHE];
	unsigned next_post;         /* the cache slot to replace next */
	sqlite3_stmt *st[Q_N];
	uint8_t key[TIMS_NATIONAL_KEY_BYTES];
	char path[4200];
};

static tims_rc db_err(struct tims_national *nd, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s: %s", nd->path, what,
			    nd->db ? sqlite3_errmsg(nd->db) : "not open");
}

/*
 * The document key comes from the post's vault (a blind index key, domain
 * "national.key"): it never sits in a file beside the replica, and without
 * the token no document can be looked up (TIMS_ERR_UNAVAILABLE: the
 * caller fails closed). A national.key file left by an older version is
 * the old key: the writer empties the replica (derived data, pulled again)
 * and removes the file; a reader refuses until then.
 */
static tims_rc load_key(const char *dir, int writer, int *rekey,
			uint8_t key[TIMS_NATIONAL_KEY_BYTES], struct tims_err *err)
{
	struct tims_buf path = TIMS_BUF_INIT(4200);
	struct tims_vault *v = NULL;
	tims_rc rc;

	_Static_assert(TIMS_NATIONAL_KEY_BYTES == TIMS_VAULT_BLIND_BYTES, "a blind index is the key");
	*rekey = 0;
	if (tims_buf_addf(&path, "%s/national.key", dir))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path.buf, F_OK) == 0) {
		if (!writer) {
			rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
					  "%s: the national replica is being re-keyed (its sync "
					  "pulls it again)", dir);
			goto out;
		}
		*rekey = 1;
	}
	if (!(rc = tims_vault_open(dir, &v, err)))
		rc = tims_vault_blind(v, "national.key", "doc", 3, key, err);
	tims_vault_close(v);
out:
	tims_buf_release(&path);
	return rc;
}

/* An old national.key: the replica's rows are under it, useless now. */
static tims_rc rekey(struct tims_national *nd, const char *dir, struct tims_err *err)
{
	struct tims_buf path = TIMS_BUF_INIT(4200);
	tims_rc rc = TIMS_OK;

	if (sqlite3_exec(nd->db, "BEGIN IMMEDIATE; DELETE FROM crossings;"
			 " DELETE FROM meta WHERE key IN ('cursor', 'feed'); COMMIT;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(nd->db, "ROLLBACK", NULL, NULL, NULL);
		return db_err(nd, "re-keying", err);
	}
	if (tims_buf_addf(&path, "%s/national.key", dir) ||
	    (unlink(path.buf) != 0 && errno != ENOENT))
		rc = tims_err_set(err, TIMS_ERR_IO, "%s/national.key: %s", dir, strerror(errno));
	else
		rc = tims_fsync_dir_of(path.buf, err);
	tims_buf_release(&path);
	return rc;
}

tims_rc tims_national_open(const char *post_dir, int writer, struct tims_national **out,
			   struct tims_err *err)
{
	struct tims_national *nd;
	int old_key = 0;
	tims_rc rc;

	*out = NULL;
	if (!(nd = calloc(1, sizeof(*nd))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "national: out of memory");
	if (snprintf(nd->path, sizeof(nd->path), "%s/national.db", post_dir) >=
	    (int)sizeof(nd->path)) {
		free(nd);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", post_dir);
	}
	if (!writer && access(nd->path, F_OK) != 0) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no national data received yet",
				  nd->path);
		free(nd);
		return rc;
	}
	if ((rc = load_key(post_dir, writer, &old_key, nd->key, err)))
		goto fail;
	if (writer && (rc = tims_file_private(nd->path, err)))
		goto fail;
	if (sqlite3_open_v2(nd->path, &nd->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = db_err(nd, "open", err);
		goto fail;
	}
	sqlite3_busy_timeout(nd->db, 5000);
	/* Derived data: a power cut may lose the last pages, which the next
	 * round pulls again (the cursor is in the same transactions). */
	/* 64 MiB of page cache: the document index takes keys at random. */
	/* schema version (tims/schema.h): a newer one refused untouched, by
	 * readers too; the writer migrates an older one in one transaction */
	if ((rc = tims_schema_check(nd->db, nd->path, TIMS_SCHEMA_NATIONAL, NULL, err)))
		goto fail;
	if (sqlite3_exec(nd->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 " PRAGMA cache_size=-65536; PRAGMA secure_delete=ON;", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(nd, "schema", err);
		goto fail;
	}
	if (writer) {
		if ((rc = tims_schema_begin(nd->db, nd->path, TIMS_SCHEMA_NATIONAL, NULL, err)))
			goto fail;
		if (sqlite3_exec(nd->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_err(nd, "schema", err);
			tims_schema_abort(nd->db);
			goto fail;
		}
		if ((rc = tims_schema_commit(nd->db, nd->path, TIMS_SCHEMA_NATIONAL, err)))
			goto fail;
	}
	if (old_key && (rc = rekey(nd, post_dir, err)))
		goto fail;
	for (int i = 0; i < Q_N; i++)
		if (sqlite3_prepare_v3(nd->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &nd->st[i],
				       NULL) != SQLITE_OK) {
			rc = db_err(nd, "prepare", err);
			goto fail;
		}
	*out = nd;
	return TIMS_OK;
fail:
	tims_national_close(nd);
	return rc;
}

void tims_national_close(struct tims_national *nd)
{
	if (!nd)
		return;
	for (int i = 0; i < Q_N; i++)
		sqlite3_finalize(nd->st[i]);
	sqlite3_close(nd->db);
	sodium_memzero(nd->key, sizeof(nd->key));
	free(nd);
}

static void doc_key(const struct tims_national *nd, const char *doc,
		    uint8_t out[TIMS_NATIONAL_DOC_KEY_BYTES])
{
	crypto_generichash(out, TIMS_NATIONAL_DOC_KEY_BYTES, (const unsigned char *)doc,
			   strlen(doc), nd->key, sizeof(nd->key));
}

/* ---- checking rows ------------------------------------------------------- */

static int letters(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

static int alnum(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n < 1 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* A log origin as tims/note.h allows it: no space, no control, no '+'. */
static int origin_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TIMS_NOTE_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '+')
			return 0;
	return 1;
}

#define LATEST_MS 4102444800000LL /* 2100-01-01 */
#define MAX_DAY 47482             /* 2099-12-31 */

static tims_rc check_visa(const struct tims_stay_visa *v, size_t i, struct tims_err *err)
{
	if (v->kind == TIMS_STAY_VISA_NONE)
		return TIMS_OK;
	if (v->kind > TIMS_STAY_VISA_RESIDENCE)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: visa: kind %u", i, v->kind);
	if ((v->valid_from != INT64_MIN && (v->valid_from < 0 || v->valid_from > MAX_DAY)) ||
	    (v->valid_until != INT64_MAX && (v->valid_until < 0 || v->valid_until > MAX_DAY)) ||
	    v->valid_from > v->valid_until)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: visa: validity out of range",
				    i);
	if (v->entries > 2 || v->days > 3650)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "row %zu: visa: entries 0-2 and days 0-3650", i);
	return TIMS_OK;
}

static tims_rc check_row(const struct tims_national_row *r, size_t i, struct tims_err *err)
{
	if (!memchr(r->post, '\0', sizeof(r->post)) || !origin_ok(r->post))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: post: not a log origin", i);
	if (r->index > TIMS_NATIONAL_MAX_INDEX)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: index: out of range", i);
	if (!r->counts)
		return TIMS_OK;
	if (!memchr(r->issuer, '\0', sizeof(r->issuer)) || !letters(r->issuer, 0, 3))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: issuer: want 0-3 letters A-Z",
				    i);
	if (!memchr(r->nationality, '\0', sizeof(r->nationality)) ||
	    !letters(r->nationality, 0, 3))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "row %zu: nationality: want 0-3 letters A-Z", i);
	if (!memchr(r->doc, '\0', sizeof(r->doc)) || !alnum(r->doc, TIMS_RECORD_FIELD - 1))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: document: want A-Z 0-9", i);
	if (r->direction != TIMS_DIR_ENTRY && r->direction != TIMS_DIR_EXIT)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: direction: want entry or exit",
				    i);
	if (r->at_ms < 0 || r->at_ms >= LATEST_MS)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: at_ms: out of range", i);
	return check_visa(&r->visa, i, err);
}

/* ---- writing ------------------------------------------------------------- */

static tims_rc step_done(struct tims_national *nd, sqlite3_stmt *st, const char *what,
			 struct tims_err *err)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? TIMS_OK : db_err(nd, what, err);
}

static tims_rc post_id(struct tims_national *nd, const char *name, int64_t *id,
		       struct tims_err *err)
{
	sqlite3_stmt *st = nd->st[Q_POST_ID];
	int r;

	/* a page comes from a few posts: their ids, without a query a row */
	for (unsigned i = 0; i < POST_CACHE; i++)
		if (nd->posts[i].id && !strcmp(nd->posts[i].name, name)) {
			*id = nd->posts[i].id;
			return TIMS_OK;
		}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	*id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (r == SQLITE_ROW)
		goto cache;
	if (r != SQLITE_DONE)
		return db_err(nd, "posts", err);
	sqlite3_bind_text(nd->st[Q_POST_ADD], 1, name, -1, SQLITE_STATIC);
	if (step_done(nd, nd->st[Q_POST_ADD], "posts", err))
		return TIMS_ERR_DB;
	*id = sqlite3_last_insert_rowid(nd->db);
	if (*id <= 0 || *id >= TIMS_NATIONAL_MAX_POSTS)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "national: more than %d posts",
				    TIMS_NATIONAL_MAX_POSTS - 1);
cache:
	/* Only after a commit would an id added here be certain; a rolled
	 * back page re-adds the post, and the cache is emptied then (end). */
	snprintf(nd->posts[nd->next_post].name, sizeof(nd->posts[0].name), "%s", name);
	nd->posts[nd->next_post].id = *id;
	nd->next_post = (nd->next_post + 1) % POST_CACHE;
	return TIMS_OK;
}

static tims_rc put_row(struct tims_national *nd, const struct tims_national_row *r,
		       struct tims_err *err)
{
	sqlite3_stmt *st;
	uint8_t key[TIMS_NATIONAL_DOC_KEY_BYTES];
	int64_t pid, id;
	tims_rc rc;

	if ((rc = post_id(nd, r->post, &pid, err)))
		return rc;
	id = (int64_t)((uint64_t)pid << 40 | r->index);
	if (!r->counts) {
		sqlite3_bind_int64(nd->st[Q_DEL], 1, id);
		return step_done(nd, nd->st[Q_DEL], "remove", err);
	}
	st = nd->st[Q_PUT];
	doc_key(nd, r->doc, key);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, key, sizeof(key), SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, r->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->nationality, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->direction);
	sqlite3_bind_int64(st, 6, r->at_ms);
	if (r->visa.kind != TIMS_STAY_VISA_NONE) {
		sqlite3_bind_int(st, 7, r->visa.kind);
		if (r->visa.valid_from != INT64_MIN)
			sqlite3_bind_int64(st, 8, r->visa.valid_from);
		if (r->visa.valid_until != INT64_MAX)
			sqlite3_bind_int64(st, 9, r->visa.valid_until);
		sqlite3_bind_int(st, 10, (int)r->visa.entries);
		sqlite3_bind_int(st, 11, (int)r->visa.days);
	}
	return step_done(nd, st, "store", err);
}

static tims_rc meta_put(struct tims_national *nd, const char *key, int64_t v, const char *text,
			struct tims_err *err)
{
	sqlite3_stmt *st = nd->st[Q_META_PUT];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 2, v);
	return step_done(nd, st, "meta", err);
}

static tims_rc begin(struct tims_national *nd, struct tims_err *err)
{
	return sqlite3_exec(nd->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
		? TIMS_OK : db_err(nd, "begin", err);
}

static tims_rc end(struct tims_national *nd, tims_rc rc, struct tims_err *err)
{
	if (!rc && sqlite3_exec(nd->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(nd, "commit", err);
	if (rc) {
		sqlite3_exec(nd->db, "ROLLBACK", NULL, NULL, NULL);
		memset(nd->posts, 0, sizeof(nd->posts)); /* ids added in it are gone */
	}
	return rc;
}

static tims_rc put_rows(struct tims_national *nd, const struct tims_national_row *rows,
			size_t n, const char *skip_post, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; !rc && i < n; i++)
		if (!skip_post || strcmp(rows[i].post, skip_post) != 0)
			rc = put_row(nd, &rows[i], err);
	return rc;
}

void tims_national_page_release(struct tims_national_page *pg)
{
	free(pg->rows);
	memset(pg, 0, sizeof(*pg));
}

static int hex32(const char *s)
{
	if (strlen(s) != 32)
		return 0;
	for (size_t i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

tims_rc tims_national_apply(struct tims_national *nd, const struct tims_national_page *pg,
			    const char *skip_post, struct tims_err *err)
{
	struct tims_national_state st;
	uint64_t last;
	tims_rc rc;

	if (pg->n > TIMS_NATIONAL_MAX_PAGE)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "page: more than %d rows",
				    TIMS_NATIONAL_MAX_PAGE);
	if (!hex32(pg->feed))
		return tims_err_set(err, TIMS_ERR_INVALID, "page: feed: want 32 hex digits");
	if ((rc = tims_national_state(nd, 0, &st, err)))
		return rc;
	if (st.feed[0] && strcmp(st.feed, pg->feed) != 0)
		return tims_err_set(err, TIMS_ERR_STATE, "page: from feed %.32s, the replica "
				    "follows %.32s: start again", pg->feed, st.feed);
	if (pg->since != st.cursor)
		return tims_err_set(err, TIMS_ERR_INVALID, "page: since %" PRIu64 ", the cursor "
				    "is %" PRIu64, pg->since, st.cursor);
	last = st.cursor;
	for (size_t i = 0; i < pg->n; i++) {
		if (pg->rows[i].seq <= last)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "row %zu: seq %" PRIu64 " is not after %" PRIu64, i,
					    pg->rows[i].seq, last);
		last = pg->rows[i].seq;
		if ((rc = check_row(&pg->rows[i], i, err)))
			return rc;
	}
	if (pg->next < last || pg->next > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "page: next %" PRIu64 " is before its "
				    "rows or the cursor", pg->next);
	if ((rc = begin(nd, err)))
		return rc;
	rc = put_rows(nd, pg->rows, pg->n, skip_post, err);
	if (!rc)
		rc = meta_put(nd, "cursor", (int64_t)pg->next, NULL, err);
	if (!rc && !st.feed[0])
		rc = meta_put(nd, "feed", 0, pg->feed, err);
	return end(nd, rc, err);
}

tims_rc tims_national_add(struct tims_national *nd, const struct tims_national_row *rows,
			  size_t n, struct tims_err *err)
{
	tims_rc rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = check_row(&rows[i], i, err)))
			return rc;
	if ((rc = begin(nd, err)))
		return rc;
	return end(nd, put_rows(nd, rows, n, NULL, err), err);
}

tims_rc tims_national_mark(struct tims_national *nd, int64_t now_ms, int64_t window_ms,
			   const char *error, struct tims_err *err)
{
	tims_rc rc;

	if ((rc = begin(nd, err)))
		return rc;
	if (error) {
		if (!(rc = meta_put(nd, "failed_ms", now_ms, NULL, err)))
			rc = meta_put(nd, "last_error", 0, error, err);
	} else {
		if (!(rc = meta_put(nd, "as_of_ms", now_ms, NULL, err)) &&
		    !(rc = meta_put(nd, "window_ms", window_ms, NULL, err)) &&
		    !(rc = meta_put(nd, "failed_ms", 0, NULL, err)))
			rc = meta_put(nd, "last_error", 0, "", err);
	}
	return end(nd, rc, err);
}

tims_rc tims_national_reset(struct tims_national *nd, struct tims_err *err)
{
	tims_rc rc;

	if ((rc = begin(nd, err)))
		return rc;
	if (sqlite3_exec(nd->db, "DELETE FROM crossings;"
			 " DELETE FROM meta WHERE key IN ('cursor', 'feed')",
			 NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(nd, "reset", err);
	return end(nd, rc, err);
}

/* ---- reading ------------------------------------------------------------- */

tims_rc tims_national_state(struct tims_national *nd, int count,
			    struct tims_national_state *out, struct tims_err *err)
{
	sqlite3_stmt *st = nd->st[Q_META_GET];
	int r;

	memset(out, 0, sizeof(*out));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		int64_t v = sqlite3_column_int64(st, 1);

		if (!k)
			continue;
		if (!strcmp(k, "cursor"))
			out->cursor = v > 0 ? (uint64_t)v : 0;
		else if (!strcmp(k, "as_of_ms"))
			out->as_of_ms = v;
		else if (!strcmp(k, "window_ms"))
			out->window_ms = v;
		else if (!strcmp(k, "failed_ms"))
			out->failed_ms = v;
		else if (!strcmp(k, "feed"))
			snprintf(out->feed, sizeof(out->feed), "%.32s",
				 (const char *)sqlite3_column_text(st, 1));
		else if (!strcmp(k, "last_error"))
			snprintf(out->last_error, sizeof(out->last_error), "%s",
				 (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_err(nd, "meta", err);
	if (count) {
		st = nd->st[Q_COUNT];
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return db_err(nd, "count", err);
		}
		out->rows = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return TIMS_OK;
}

int tims_national_current(const struct tims_national_state *st, int64_t now_ms)
{
	return st->as_of_ms > 0 && st->failed_ms == 0 && now_ms - st->as_of_ms <= st->window_ms;
}

tims_rc tims_national_lookup(struct tims_national *nd, const char *doc, const char *nat,
			     tims_national_fn fn, void *ctx, struct tims_err *err)
{
	int by_nat = nat && *nat;
	sqlite3_stmt *st = nd->st[by_nat ? Q_LOOKUP_NAT : Q_LOOKUP];
	uint8_t key[TIMS_NATIONAL_DOC_KEY_BYTES];
	tims_rc rc = TIMS_OK;
	int r;

	if (!doc || !*doc || strlen(doc) >= TIMS_RECORD_FIELD)
		return tims_err_set(err, TIMS_ERR_INVALID, "document: want 1 to %d characters",
				    TIMS_RECORD_FIELD - 1);
	doc_key(nd, doc, key);
	sqlite3_bind_blob(st, 1, key, sizeof(key), SQLITE_TRANSIENT);
	if (by_nat)
		sqlite3_bind_text(st, 2, nat, -1, SQLITE_TRANSIENT);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_national_move m;
		const char *s;

		memset(&m, 0, sizeof(m));
		m.index = (uint64_t)sqlite3_column_int64(st, 0) & TIMS_NATIONAL_MAX_INDEX;
		snprintf(m.post, sizeof(m.post), "%s", (s = (const char *)sqlite3_column_text(st, 1)) ? s : "");
		snprintf(m.issuer, sizeof(m.issuer), "%.3s", (s = (const char *)sqlite3_column_text(st, 2)) ? s : "");
		snprintf(m.nationality, sizeof(m.nationality), "%.3s",
			 (s = (const char *)sqlite3_column_text(st, 3)) ? s : "");
		m.direction = (uint8_t)sqlite3_column_int(st, 4);
		m.at_ms = sqlite3_column_int64(st, 5);
		m.visa.valid_from = INT64_MIN;
		m.visa.valid_until = INT64_MAX;
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			m.visa.kind = (uint8_t)sqlite3_column_int(st, 6);
			if (sqlite3_column_type(st, 7) != SQLITE_NULL)
				m.visa.valid_from = sqlite3_column_int64(st, 7);
			if (sqlite3_column_type(st, 8) != SQLITE_NULL)
				m.visa.valid_until = sqlite3_column_int64(st, 8);
			m.visa.entries = (unsigned)sqlite3_column_int(st, 9);
			m.visa.days = (unsigned)sqlite3_column_int(st, 10);
		}
		rc = fn(ctx, &m);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(nd, "lookup", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* ---- the page as the centre sends it ------------------------------------ */

static tims_rc want_keys(json_t *o, const char *const *keys, size_t n, const char *what,
			 size_t i, struct tims_err *err)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t j;

		for (j = 0; j < n && strcmp(keys[j], k); j++)
			;
		if (j == n)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s %zu: unknown key \"%.32s\"",
					    what, i, k);
	}
	return TIMS_OK;
}

static int get_u64(json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return 0;
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

static int get_str(json_t *o, const char *key, char *out, size_t cap)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= cap ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return 0;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 1;
}

/* "YYYY-MM-DD" or "" (not given: def). */
static int get_day(json_t *o, const char *key, int64_t def, int64_t *out)
{
	char s[16];

	if (!get_str(o, key, s, sizeof(s)))
		return 0;
	if (!*s) {
		*out = def;
		return 1;
	}
	return strlen(s) == 10 && tims_date_parse(s, out, key, NULL) == TIMS_OK;
}

static tims_rc parse_visa(json_t *v, size_t i, struct tims_stay_visa *out,
			  struct tims_err *err)
{
	static const char *const keys[] = { "kind", "number", "issuer", "valid_from",
					    "valid_until", "entries", "duration_days" };
	char kind[16];
	uint64_t e, d;
	int k;

	if (!json_is_object(v))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: visa: want an object", i);
	if (want_keys(v, keys, TIMS_ARRAY_SIZE(keys), "row", i, err))
		return TIMS_ERR_INVALID;
	if (!get_str(v, "kind", kind, sizeof(kind)) ||
	    (k = tims_stay_visa_kind_parse(kind)) < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: visa: kind: want short, long "
				    "or residence", i);
	out->kind = (uint8_t)k;
	if (!get_day(v, "valid_from", INT64_MIN, &out->valid_from) ||
	    !get_day(v, "valid_until", INT64_MAX, &out->valid_until))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: visa: validity: want "
				    "YYYY-MM-DD or \"\"", i);
	if (!get_u64(v, "entries", 2, &e) || !get_u64(v, "duration_days", 3650, &d))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: visa: entries 0-2 and "
				    "duration_days 0-3650", i);
	out->entries = (unsigned)e;
	out->days = (unsigned)d;
	return TIMS_OK;
}

static tims_rc parse_row(json_t *o, size_t i, struct tims_national_row *r,
			 struct tims_err *err)
{
	static const char *const keys[] = { "seq", "post", "index", "counts", "issuer",
					    "document", "nationality", "direction", "at_ms",
					    "visa" };
	json_t *c = json_object_get(o, "counts");
	char dir[8];
	uint64_t at;
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	r->visa.valid_from = INT64_MIN;
	r->visa.valid_until = INT64_MAX;
	if (!json_is_object(o))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: want an object", i);
	if ((rc = want_keys(o, keys, json_is_true(c) ? TIMS_ARRAY_SIZE(keys) : 4, "row", i,
			    err)))
		return rc;
	if (!get_u64(o, "seq", INT64_MAX, &r->seq) || !r->seq)
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: seq: want a positive integer",
				    i);
	if (!get_str(o, "post", r->post, sizeof(r->post)))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: post: want a log origin", i);
	if (!get_u64(o, "index", TIMS_NATIONAL_MAX_INDEX, &r->index))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: index: out of range", i);
	if (!json_is_boolean(c))
		return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: counts: want true or false",
				    i);
	r->counts = json_is_true(c);
	if (r->counts) {
		if (!get_str(o, "issuer", r->issuer, sizeof(r->issuer)) ||
		    !get_str(o, "document", r->doc, sizeof(r->doc)) ||
		    !get_str(o, "nationality", r->nationality, sizeof(r->nationality)) ||
		    !get_str(o, "direction", dir, sizeof(dir)) ||
		    !get_u64(o, "at_ms", LATEST_MS - 1, &at))
			return tims_err_set(err, TIMS_ERR_INVALID, "row %zu: issuer, document, "
					    "nationality, direction and at_ms: required, of "
					    "their types and sizes", i);
		r->direction = !strcmp(dir, "entry") ? TIMS_DIR_ENTRY
			     : !strcmp(dir, "exit") ? TIMS_DIR_EXIT : 0;
		r->at_ms = (int64_t)at;
		if (json_object_get(o, "visa") &&
		    (rc = parse_visa(json_object_get(o, "visa"), i, &r->visa, err)))
			return rc;
	}
	return check_row(r, i, err);
}

tims_rc tims_national_page_parse(const char *json, size_t len, uint64_t since,
				 unsigned limit, struct tims_national_page *out,
				 struct tims_err *err)
{
	static const char *const keys[] = { "feed", "since", "next", "more", "rows" };
	json_t *j, *arr;
	uint64_t last = since;
	tims_rc rc = TIMS_OK;

	memset(out, 0, sizeof(*out));
	if (len > TIMS_NATIONAL_MAX_PAGE_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "page: more than %u bytes",
				    TIMS_NATIONAL_MAX_PAGE_BYTES);
	if (limit > TIMS_NATIONAL_MAX_PAGE)
		limit = TIMS_NATIONAL_MAX_PAGE;
	if (!(j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) || !json_is_object(j)) {
		json_decref(j);
		return tims_err_set(err, TIMS_ERR_INVALID, "page: not a JSON object");
	}
	arr = json_object_get(j, "rows");
	if ((rc = want_keys(j, keys, TIMS_ARRAY_SIZE(keys), "page", 0, err)))
		goto out;
	if (!get_str(j, "feed", out->feed, sizeof(out->feed)) || !hex32(out->feed) ||
	    !get_u64(j, "since", INT64_MAX, &out->since) || out->since != since ||
	    !get_u64(j, "next", INT64_MAX, &out->next) ||
	    !json_is_boolean(json_object_get(j, "more")) || !json_is_array(arr)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "page: feed, since (the cursor asked "
				  "for), next, more and rows: required, of their types");
		goto out;
	}
	out->more = json_is_true(json_object_get(j, "more"));
	if (json_array_size(arr) > limit) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "page: more than %u rows", limit);
		goto out;
	}
	if (!(out->rows = calloc(json_array_size(arr) + 1, sizeof(*out->rows)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "page: out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		if ((rc = parse_row(json_array_get(arr, i), i, &out->rows[i], err)))
			goto out;
		if (out->rows[i].seq <= last) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "row %zu: seq %" PRIu64
					  " is not after %" PRIu64, i, out->rows[i].seq, last);
			goto out;
		}
		last = out->rows[i].seq;
	}
	out->n = json_array_size(arr);
	if (out->next < last || (out->more && !out->n)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "page: next %" PRIu64 " before its last "
				  "row, or more with no rows", out->next);
		goto out;
	}
out:
	json_decref(j);
	if (rc)
		tims_national_page_release(out);
	return rc;
}
