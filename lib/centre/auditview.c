/*
 * auditview.c — the auditors' view of the audit logs at the centre
 * (docs/dashboard.md, "Audit view").
 *
 *   GET /api/v1/audit/search   auditor only
 *
 * Search the audit events by officer, document reference, time, purpose
 * (substring) and post (or the centre itself), a bounded page at a time.
 * Each search is itself an event in the centre's audit log, written before
 * the answer leaves.
 *
 * The index lives in centre.db and is brought up to date from the audit logs
 * at each search, from a cursor per log kept with it (audit_av_cursor), so a
 * restart resumes where it was. A document reference found in an event
 * (the query's or result's "document", "doc", "doc_number", a "person"'s
 * "number") is kept only as BLAKE2b-128 keyed with a key derived from the
 * centre's vault (its index key, held under the token: tims/vault.h), like
 * a post's national replica: centre.db copied away, even with the rest of
 * the directory, does not say which documents were looked up. A search by
 * document hashes the reference it is given the same way. An index made
 * with the key file of before (DIR/auditview.key, beside the data) is
 * dropped with the file and rebuilt from the logs.
 *
 * What the index says is not what the auditor is asked to believe: every
 * result carries the event's bytes and salt, its 42-byte leaf entry and
 * index, an RFC 9162 inclusion proof to the latest signed checkpoint of its
 * log, that checkpoint note and the verifier key(s) of its signer, so that
 * the page decodes and checks each event itself (web/dashboard/audit.js).
 */
#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tims/buf.h"
#include "tims/tlog.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "internal.h"

#define AV_KEY_FILE "auditview.key"
#define AV_SCAN_CHUNK 512
#define AV_SCAN_MAX 200000   /* events indexed per log and search, at most */
#define AV_DOCS_MAX 16       /* document references indexed per event */
#define AV_WALK_MAX 4096     /* JSON nodes looked at per event */

static const char av_schema[] =
	"CREATE TABLE IF NOT EXISTS audit_av_events (post TEXT NOT NULL, idx INTEGER NOT NULL,"
	" time_ms INTEGER NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,"
	" action TEXT NOT NULL, purpose TEXT NOT NULL, PRIMARY KEY (post, idx));"
	"CREATE INDEX IF NOT EXISTS audit_av_time ON audit_av_events (time_ms);"
	"CREATE INDEX IF NOT EXISTS audit_av_actor ON audit_av_events (actor, time_ms);"
	"CREATE TABLE IF NOT EXISTS audit_av_docs (doc BLOB NOT NULL, post TEXT NOT NULL,"
	" idx INTEGER NOT NULL, PRIMARY KEY (doc, post, idx));"
	"CREATE TABLE IF NOT EXISTS audit_av_cursor (post TEXT PRIMARY KEY,"
	" next INTEGER NOT NULL);";

/* --- the key ----------------------------------------------------------------- */

static tims_rc av_key(struct tims_centre *c, uint8_t key[CENTRE_AV_KEY_BYTES],
		      struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	/* the index key of the vault (the token needed), under a domain of
	 * its own: the same vault, the same key, at every start */
	if ((rc = centre_vault_ready(c, err)) ||
	    (rc = tims_vault_blind(c->vault, "auditview-key", "1", 1, key, err)))
		return rc;
	if ((rc = centre_path(c, AV_KEY_FILE, path, err)))
		return rc;
	if (access(path, F_OK) == 0) {
		/* hashes made with the old key file: dropped, the file with
		 * them, and rebuilt from the logs at this search */
		pthread_mutex_lock(&c->db_lock);
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE; DELETE FROM audit_av_docs;"
				 " DELETE FROM audit_av_events; DELETE FROM audit_av_cursor; COMMIT;",
				 NULL, NULL, NULL) != SQLITE_OK) {
			rc = centre_db_err(c, "audit view: dropping the old index", err);
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		}
		pthread_mutex_unlock(&c->db_lock);
		if (!rc && unlink(path) != 0)
			rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (rc)
		sodium_memzero(key, CENTRE_AV_KEY_BYTES);
	return rc;
}

/* A document reference as it is compared: upper case, without spaces, '<'
 * or '-'. 0 when nothing is left or it is too long to be one. */
static int doc_norm(const char *in, char out[64])
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == ' ' || ch == '<' || ch == '-')
			continue;
		if (!isalnum(ch) || n + 1 >= 64)
			return 0;
		out[n++] = (char)toupper(ch);
	}
	out[n] = 0;
	return n > 0;
}

void centre_av_doc_hash(const uint8_t key[CENTRE_AV_KEY_BYTES], const char *doc,
			uint8_t out[CENTRE_AV_DOC_BYTES])
{
	char norm[64];

	if (!doc_norm(doc, norm))
		norm[0] = 0;
	crypto_generichash(out, CENTRE_AV_DOC_BYTES, (const unsigned char *)norm, strlen(norm),
			   key, CENTRE_AV_KEY_BYTES);
	sodium_memzero(norm, sizeof(norm));
}

/* --- indexing ---------------------------------------------------------------- */

struct av_row {
	uint64_t idx;
	int64_t time_ms;
	char actor[65], role[16], action[64], purpose[256];
	unsigned ndocs;
	uint8_t docs[AV_DOCS_MAX][CENTRE_AV_DOC_BYTES];
};

struct av_batch {
	const uint8_t *key;
	struct av_row *rows;
	size_t n, max;
	uint64_t next;     /* the cursor after this batch */
	unsigned walked;
};

static void add_doc(struct av_batch *b, struct av_row *r, const char *doc)
{
	uint8_t h[CENTRE_AV_DOC_BYTES];
	char norm[64];

	if (r->ndocs >= AV_DOCS_MAX || !doc_norm(doc, norm))
		return;
	centre_av_doc_hash(b->key, norm, h);
	for (unsigned i = 0; i < r->ndocs; i++)
		if (!memcmp(r->docs[i], h, sizeof(h)))
			return;
	memcpy(r->docs[r->ndocs++], h, sizeof(h));
}

static int doc_key(const char *k, int in_person)
{
	return !strcmp(k, "document") || !strcmp(k, "doc") || !strcmp(k, "doc_number") ||
	       (in_person && !strcmp(k, "number"));
}

static void walk(struct av_batch *b, struct av_row *r, json_t *j, int in_person, int depth)
{
	const char *k;
	json_t *v;
	size_t i;

	if (depth > 16 || b->walked++ > AV_WALK_MAX)
		return;
	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			if (json_is_string(v) && doc_key(k, in_person))
				add_doc(b, r, json_string_value(v));
			else if (json_is_object(v) || json_is_array(v))
				walk(b, r, v, !strcmp(k, "person"), depth + 1);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			walk(b, r, v, 0, depth + 1);
	}
}

static void docs_of(struct av_batch *b, struct av_row *r, const char *text, size_t len)
{
	json_t *j;

	if (!text || !len)
		return;
	j = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	b->walked = 0;
	walk(b, r, j, 0, 0);
	json_decref(j);
}

static tims_rc av_take(void *ctx, const char *post, uint64_t idx,
		       const struct tims_audit_event *ev)
{
	struct av_batch *b = ctx;
	struct av_row *r;

	(void)post;
	if (b->n >= b->max)
		return TIMS_OK;
	r = &b->rows[b->n++];
	memset(r, 0, sizeof(*r));
	r->idx = idx;
	r->time_ms = ev->time_ms;
	snprintf(r->actor, sizeof(r->actor), "%s", ev->actor);
	snprintf(r->role, sizeof(r->role), "%s", ev->role);
	snprintf(r->action, sizeof(r->action), "%s", ev->action);
	snprintf(r->purpose, sizeof(r->purpose), "%s", ev->purpose);
	docs_of(b, r, ev->query, ev->query_len);
	docs_of(b, r, ev->result, ev->result_len);
	if (idx + 1 > b->next)
		b->next = idx + 1;
	return TIMS_OK;
}

/* --- reading a log's database (the centre's audit.db, or a post's mirror) ---- */

struct av_log {
	char post[TIMS_CENTRE_NAME_MAX + 1];   /* "" = the centre's own */
	char path[CENTRE_PATH_MAX];
	const char *table;                     /* "events" or "entries" */
	/* the associated data of its sealed events, without the index:
	 * "audit.events/" (lib/audit) or "mirror.entries/ORIGIN/audit/" */
	char ad[TIMS_NOTE_MAX_NAME + 32];
	struct tims_buf keys;                  /* verifier key lines */
	sqlite3 *db;
	struct tims_buf note;                  /* the latest checkpoint */
	struct tims_checkpoint cp;
	int have_cp;
	int listed;                            /* in the answer's "logs" */
};

static void log_close(struct av_log *l)
{
	if (l->db) {
		sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(l->db);
	}
	l->db = NULL;
	tims_buf_release(&l->keys);
	tims_buf_release(&l->note);
}

static tims_rc log_sql_err(struct av_log *l, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_IO, "%s: %s: %s", l->path, what,
			    l->db ? sqlite3_errmsg(l->db) : "cannot open");
}

/*
 * Open read-only in one read transaction (a snapshot: the checkpoint and the
 * hashes it needs agree), and read the latest checkpoint. A log that does not
 * exist yet is empty (l->db NULL, TIMS_OK).
 */
static tims_rc log_open(struct av_log *l, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	char sql[200];
	int s;

	if (access(l->path, F_OK) != 0)
		return TIMS_OK;
	/* the latest checkpoint whose positions are all held: a mirror may hold
	 * a post's checkpoint before all of its entries (a batch at a time) */
	snprintf(sql, sizeof(sql), "SELECT note FROM checkpoints WHERE size <= (SELECT"
		 " coalesce(max(idx) + 1, 0) FROM %s) ORDER BY size DESC LIMIT 1", l->table);
	if (sqlite3_open_v2(l->path, &l->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return log_sql_err(l, "open", err);
	sqlite3_busy_timeout(l->db, 5000);
	if (sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return log_sql_err(l, "read", err);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		struct tims_note note;

		if (!n || tims_buf_add(&l->note, n, strlen(n)) ||
		    tims_note_parse(l->note.buf, l->note.len, &note, err) ||
		    tims_checkpoint_parse(note.text, note.textlen, &l->cp, err))
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "%s: latest checkpoint unreadable",
					  l->path);
		else
			l->have_cp = 1;
	} else if (s != SQLITE_DONE) {
		rc = log_sql_err(l, "read", err);
	}
	sqlite3_finalize(st);
	return rc;
}

static tims_rc read_hashes(void *ctx, const uint64_t *idx, size_t n, tims_hash *out)
{
	struct av_log *l = ctx;
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(l->db, "SELECT hash FROM hashes WHERE id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return TIMS_ERR_IO;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)idx[i]);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    sqlite3_column_bytes(st, 0) != TIMS_HASH_BYTES)
			rc = TIMS_ERR_IO;
		else
			memcpy(out[i], sqlite3_column_blob(st, 0), TIMS_HASH_BYTES);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The logs there are to search: the centre's own ("") and each enrolled
 * post's audit log as mirrored at the centre (C2), revoked posts too. */
struct av_logs {
	struct av_log *l;
	size_t n;
};

static void logs_free(struct av_logs *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		log_close(&ls->l[i]);
	free(ls->l);
	ls->l = NULL;
	ls->n = 0;
}

static struct av_log *log_new(struct av_logs *ls)
{
	struct av_log *l;

	if (ls->n >= CENTRE_MAX_POSTS + 1)
		return NULL;
	l = &ls->l[ls->n++];
	memset(l, 0, sizeof(*l));
	l->keys = (struct tims_buf)TIMS_BUF_INIT(512);
	l->note = (struct tims_buf)TIMS_BUF_INIT(1024);
	return l;
}

struct posts_ctx {
	struct tims_centre *c;
	struct av_logs *ls;
	struct tims_err *err;
};

static tims_rc post_log(void *ctx, const struct tims_centre_post *p)
{
	struct posts_ctx *x = ctx;
	char safe[3 * TIMS_NOTE_MAX_NAME + 4], rel[3 * TIMS_NOTE_MAX_NAME + 32];
	struct tims_verifier key;
	struct av_log *l = log_new(x->ls);
	int revoked;
	tims_rc rc;

	if (!l)
		return tims_err_set(x->err, TIMS_ERR_TOOBIG, "too many posts");
	snprintf(l->post, sizeof(l->post), "%s", p->name);
	l->table = "entries";
	snprintf(l->ad, sizeof(l->ad), "mirror.entries/%s/audit/", p->origin);
	centre_file_name(p->origin, safe, sizeof(safe));
	snprintf(rel, sizeof(rel), "mirror/%s.audit.db", safe);
	if ((rc = centre_path(x->c, rel, l->path, x->err)) ||
	    (rc = centre_post_key(x->c, p->origin, &key, &revoked, x->err)))
		return rc;
	/* the post signs its audit log's checkpoints with its own key */
	return tims_verifier_format(&key, &l->keys) ?
		tims_err_set(x->err, TIMS_ERR_NOMEM, "out of memory") : TIMS_OK;
}

static tims_rc logs_all(struct tims_centre *c, struct av_logs *ls, struct tims_err *err)
{
	struct tims_buf vk = TIMS_BUF_INIT(512);
	char path[CENTRE_PATH_MAX];
	struct posts_ctx x = { c, ls, err };
	struct av_log *l;
	tims_rc rc;

	ls->n = 0;
	if (!(ls->l = calloc(CENTRE_MAX_POSTS + 1, sizeof(*ls->l))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	l = log_new(ls);
	l->table = "events";
	snprintf(l->ad, sizeof(l->ad), "audit.events/");
	if ((rc = centre_path(c, "audit.db", l->path, err)) ||
	    (rc = centre_path(c, "audit.vkey", path, err)) ||
	    (rc = tims_read_file(path, 4096, &vk, err)))
		goto out;
	while (vk.len && (vk.buf[vk.len - 1] == '\n' || vk.buf[vk.len - 1] == '\r'))
		vk.len--;
	if (tims_buf_add(&l->keys, vk.buf, vk.len)) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = tims_centre_posts(c, post_log, &x, err);
out:
	tims_buf_release(&vk);
	return rc;
}

static struct av_log *log_find(struct av_logs *ls, const char *post)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i].post, post))
			return &ls->l[i];
	return NULL;
}

/* --- the index ----------------------------------------------------------------- */

static tims_rc db_err(struct tims_centre *c, const char *what, struct tims_err *err)
{
	return centre_db_err(c, what, err);
}

static tims_rc store_batch(struct tims_centre *c, const char *post, const struct av_batch *b,
			   struct tims_err *err)
{
	sqlite3_stmt *ev = NULL, *doc = NULL, *cur = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(c, "audit index", err);
	if (sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO audit_av_events (post, idx, time_ms,"
			       " actor, role, action, purpose) VALUES (?1,?2,?3,?4,?5,?6,?7)", -1,
			       &ev, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO audit_av_docs (doc, post, idx)"
			       " VALUES (?1, ?2, ?3)", -1, &doc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "INSERT INTO audit_av_cursor (post, next) VALUES (?1, ?2)"
			       " ON CONFLICT (post) DO UPDATE SET next = max(next, excluded.next)",
			       -1, &cur, NULL) != SQLITE_OK) {
		rc = db_err(c, "audit index", err);
		goto out;
	}
	for (size_t i = 0; i < b->n && !rc; i++) {
		const struct av_row *r = &b->rows[i];

		sqlite3_reset(ev);
		sqlite3_bind_text(ev, 1, post, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ev, 2, (sqlite3_int64)r->idx);
		sqlite3_bind_int64(ev, 3, r->time_ms);
		sqlite3_bind_text(ev, 4, r->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 5, r->role, -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 6, r->action, -1, SQLITE_STATIC);
		sqlite3_bind_text(ev, 7, r->purpose, -1, SQLITE_STATIC);
		if (sqlite3_step(ev) != SQLITE_DONE)
			rc = db_err(c, "audit index", err);
		for (unsigned d = 0; d < r->ndocs && !rc; d++) {
			sqlite3_reset(doc);
			sqlite3_bind_blob(doc, 1, r->docs[d], CENTRE_AV_DOC_BYTES, SQLITE_STATIC);
			sqlite3_bind_text(doc, 2, post, -1, SQLITE_STATIC);
			sqlite3_bind_int64(doc, 3, (sqlite3_int64)r->idx);
			if (sqlite3_step(doc) != SQLITE_DONE)
				rc = db_err(c, "audit index", err);
		}
	}
	if (!rc) {
		sqlite3_bind_text(cur, 1, post, -1, SQLITE_STATIC);
		sqlite3_bind_int64(cur, 2, (sqlite3_int64)b->next);
		if (sqlite3_step(cur) != SQLITE_DONE)
			rc = db_err(c, "audit index", err);
	}
out:
	sqlite3_finalize(ev);
	sqlite3_finalize(doc);
	sqlite3_finalize(cur);
	if (rc)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	else if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(c, "audit index commit", err);
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

static tims_rc cursor_get(struct tims_centre *c, const char *post, uint64_t *next,
			  struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	*next = 0;
	if (sqlite3_exec(c->db, av_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "SELECT next FROM audit_av_cursor WHERE post = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(c, "audit index", err);
	sqlite3_bind_text(st, 1, post, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*next = (uint64_t)sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		rc = db_err(c, "audit index", err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Index log l (opened: its latest checkpoint read) from its cursor, through
 * centre_audit_scan (C2), up to the checkpoint's size only: everything
 * indexed can be proved. *added: events new to the index.
 */
static tims_rc index_log(struct tims_centre *c, struct av_log *l, const uint8_t *key,
			 uint64_t *added, struct tims_err *err)
{
	struct av_batch b;
	uint64_t next, done = 0;
	tims_rc rc;

	if (!l->db || !l->have_cp)
		return TIMS_OK; /* nothing signed yet */
	memset(&b, 0, sizeof(b));
	b.key = key;
	b.max = AV_SCAN_CHUNK;
	if (!(b.rows = calloc(b.max, sizeof(*b.rows))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "audit index: out of memory");
	pthread_mutex_lock(&c->db_lock);
	rc = cursor_get(c, l->post, &next, err);
	pthread_mutex_unlock(&c->db_lock);
	while (!rc && next < l->cp.size && done < AV_SCAN_MAX) {
		/* positions [next, next + window); erased ones are skipped */
		size_t window = l->cp.size - next < b.max ? (size_t)(l->cp.size - next) : b.max;

		b.n = 0;
		b.next = next + window;
		if ((rc = centre_audit_scan(c, l->post, next, window, av_take, &b, err)))
			break;
		pthread_mutex_lock(&c->db_lock);
		rc = store_batch(c, l->post, &b, err);
		pthread_mutex_unlock(&c->db_lock);
		done += b.n;
		next = b.next;
	}
	sodium_memzero(b.rows, b.max * sizeof(*b.rows));
	free(b.rows);
	if (added)
		*added += done;
	return rc;
}

static tims_rc index_all(struct tims_centre *c, struct av_logs *ls, uint64_t *added,
			 struct tims_err *err)
{
	uint8_t key[CENTRE_AV_KEY_BYTES];
	tims_rc rc;

	if (added)
		*added = 0;
	if ((rc = av_key(c, key, err)))
		return rc;
	for (size_t i = 0; i < ls->n && !rc; i++)
		if (!(rc = log_open(&ls->l[i], err)))
			rc = index_log(c, &ls->l[i], key, added, err);
	sodium_memzero(key, sizeof(key));
	return rc;
}

tims_rc centre_av_index(struct tims_centre *c, uint64_t *added, struct tims_err *err)
{
	struct av_logs ls = { NULL, 0 };
	tims_rc rc;

	if (!(rc = logs_all(c, &ls, err)))
		rc = index_all(c, &ls, added, err);
	logs_free(&ls);
	return rc;
}

/* --- searching ------------------------------------------------------------------ */

static char *b64(const void *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);

	if (s)
		sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static void set_b64(json_t *o, const char *k, const void *p, size_t n)
{
	char *s = b64(p, n);

	json_object_set_new(o, k, s ? json_string(s) : json_null());
	free(s);
}

/* The proof material of event idx of log l: bytes, salt, entry, path. */
static tims_rc prove(struct tims_centre *c, struct av_log *l, uint64_t idx, json_t *o,
		     struct tims_err *err)
{
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	struct tims_tlog_reader r = { l, read_hashes };
	sqlite3_stmt *st = NULL;
	char sql[96];
	size_t plen = 0;
	json_t *pj;
	tims_rc rc = TIMS_OK;

	if (!l->db || !l->have_cp || idx >= l->cp.size)
		return tims_err_set(err, TIMS_ERR_STATE, "event %llu: no checkpoint covers it",
				    (unsigned long long)idx);
	snprintf(sql, sizeof(sql), "SELECT entry, salt, body FROM %s WHERE idx = ?1", l->table);
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return log_sql_err(l, "read", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "event %llu: missing from %s",
				  (unsigned long long)idx, l->path);
		goto out;
	}
	set_b64(o, "entry", sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
		json_object_set_new(o, "erased", json_true());
	} else {
		json_object_set_new(o, "erased", json_false());
		set_b64(o, "salt", sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
		if (tims_vault_is_blob(sqlite3_column_blob(st, 2),
				       (size_t)sqlite3_column_bytes(st, 2))) {
			/* the centre's audit.db (lib/audit) and the mirrors of the
			 * posts' audit logs (lib/sync) seal their events: the page
			 * checks the event in clear against its entry */
			struct tims_buf plain = TIMS_BUF_INIT(1 << 20);
			char ad[sizeof(l->ad) + 24];

			snprintf(ad, sizeof(ad), "%s%llu", l->ad, (unsigned long long)idx);
			if (!(rc = centre_vault_ready(c, err)))
				rc = tims_vault_open_blob(c->vault, ad, strlen(ad),
							  sqlite3_column_blob(st, 2),
							  (size_t)sqlite3_column_bytes(st, 2), &plain,
							  err);
			if (!rc)
				set_b64(o, "event", plain.buf, plain.len);
			if (plain.buf)
				sodium_memzero(plain.buf, plain.alloc);
			tims_buf_release(&plain);
			if (rc)
				goto out;
		} else {
			set_b64(o, "event", sqlite3_column_blob(st, 2),
				(size_t)sqlite3_column_bytes(st, 2));
		}
	}
	if ((rc = tims_tlog_prove_inclusion(idx, l->cp.size, &r, proof, &plen, err)))
		goto out;
	pj = json_array();
	for (size_t i = 0; i < plen; i++) {
		char *s = b64(proof[i], TIMS_HASH_BYTES);

		json_array_append_new(pj, s ? json_string(s) : json_null());
		free(s);
	}
	json_object_set_new(o, "proof", pj);
	json_object_set_new(o, "size", json_integer((json_int_t)l->cp.size));
out:
	sqlite3_finalize(st);
	return rc;
}

static void like_escape(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (const char *p = in; *p && o + 3 < n; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o] = 0;
}

struct av_hit {
	char post[TIMS_CENTRE_NAME_MAX + 1];
	uint64_t idx;
};

tims_rc centre_av_search(struct tims_centre *c, const struct centre_av_query *q,
			 json_t **out, struct tims_err *err)
{
	uint8_t key[CENTRE_AV_KEY_BYTES], dh[CENTRE_AV_DOC_BYTES];
	char like[2 * 256 + 8];
	struct tims_buf sql = TIMS_BUF_INIT(1024);
	struct av_hit hits[CENTRE_AV_PAGE_MAX];
	size_t nhits = 0;
	sqlite3_stmt *st = NULL;
	int64_t total = 0;
	struct av_logs ls = { NULL, 0 };
	json_t *res = NULL, *logs = NULL;
	uint64_t added;
	tims_rc rc;
	int s;

	*out = NULL;
	if (q->page_size == 0 || q->page_size > CENTRE_AV_PAGE_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "page_size: want 1 to %d",
				    CENTRE_AV_PAGE_MAX);
	/* every log indexed up to its latest checkpoint, which the proofs use:
	 * the logs stay open (one read snapshot each) until the answer is made */
	if ((rc = logs_all(c, &ls, err)))
		goto out;
	if (q->post && *q->post && !log_find(&ls, q->post)) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "post: %.64s: no post of that name is "
				  "enrolled", q->post);
		goto out;
	}
	if ((rc = index_all(c, &ls, &added, err)) || (rc = av_key(c, key, err)))
		goto out;
	if (q->doc)
		centre_av_doc_hash(key, q->doc, dh);
	sodium_memzero(key, sizeof(key));

	/* the page of hits, newest first */
	if (tims_buf_addf(&sql, " FROM audit_av_events e WHERE e.time_ms >= ?1 AND"
			  " e.time_ms < ?2") ||
	    (q->officer && tims_buf_addf(&sql, " AND e.actor = ?3")) ||
	    (q->purpose && tims_buf_addf(&sql, " AND e.purpose LIKE ?4 ESCAPE '\\'")) ||
	    (q->post && tims_buf_addf(&sql, " AND e.post = ?5")) ||
	    (q->doc && tims_buf_addf(&sql, " AND EXISTS (SELECT 1 FROM audit_av_docs d WHERE"
				     " d.doc = ?6 AND d.post = e.post AND d.idx = e.idx)"))) {
		tims_buf_release(&sql);
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (q->purpose) {
		char esc[2 * 256 + 4];

		like_escape(q->purpose, esc, sizeof(esc));
		snprintf(like, sizeof(like), "%%%s%%", esc);
	}
	pthread_mutex_lock(&c->db_lock);
	for (int pass = 0; pass < 2 && !rc; pass++) {
		char text[1400];

		snprintf(text, sizeof(text), pass ? "SELECT e.post, e.idx%s ORDER BY e.time_ms DESC,"
			 " e.post, e.idx DESC LIMIT ?7 OFFSET ?8" : "SELECT count(*)%s", sql.buf);
		if (sqlite3_prepare_v2(c->db, text, -1, &st, NULL) != SQLITE_OK) {
			rc = db_err(c, "audit search", err);
			break;
		}
		sqlite3_bind_int64(st, 1, q->from_ms);
		sqlite3_bind_int64(st, 2, q->to_ms);
		if (q->officer)
			sqlite3_bind_text(st, 3, q->officer, -1, SQLITE_STATIC);
		if (q->purpose)
			sqlite3_bind_text(st, 4, like, -1, SQLITE_STATIC);
		if (q->post)
			sqlite3_bind_text(st, 5, q->post, -1, SQLITE_STATIC);
		if (q->doc)
			sqlite3_bind_blob(st, 6, dh, sizeof(dh), SQLITE_STATIC);
		if (pass) {
			sqlite3_bind_int64(st, 7, q->page_size);
			sqlite3_bind_int64(st, 8, (sqlite3_int64)q->page * q->page_size);
		}
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			if (!pass) {
				total = sqlite3_column_int64(st, 0);
			} else if (nhits < CENTRE_AV_PAGE_MAX) {
				snprintf(hits[nhits].post, sizeof(hits[nhits].post), "%s",
					 (const char *)sqlite3_column_text(st, 0));
				hits[nhits++].idx = (uint64_t)sqlite3_column_int64(st, 1);
			}
		}
		if (s != SQLITE_DONE)
			rc = db_err(c, "audit search", err);
		sqlite3_finalize(st);
		st = NULL;
	}
	pthread_mutex_unlock(&c->db_lock);
	tims_buf_release(&sql);
	if (rc)
		goto out;

	/* the proofs, against the latest checkpoint of each log: per result, so
	 * that one the centre cannot prove is shown failed, not the whole page */
	res = json_array();
	logs = json_array();
	for (size_t i = 0; i < nhits; i++) {
		struct av_log *l = log_find(&ls, hits[i].post);
		json_t *o = json_pack("{s:s, s:I}", "post", hits[i].post, "index",
				      (json_int_t)hits[i].idx);
		struct tims_err perr;

		if (!l)
			json_object_set_new(o, "problem", json_string("its log is not at the centre"));
		else if (prove(c, l, hits[i].idx, o, &perr))
			json_object_set_new(o, "problem", json_string(perr.msg));
		if (l && l->have_cp && !l->listed) {
			l->listed = 1;
			json_array_append_new(logs, json_pack("{s:s, s:s, s:s%, s:I, s:[s%]}",
				"post", l->post, "origin", l->cp.origin, "checkpoint", l->note.buf,
				l->note.len, "size", (json_int_t)l->cp.size, "keys", l->keys.buf,
				l->keys.len));
		}
		json_array_append_new(res, o);
	}
	*out = json_pack("{s:I, s:I, s:I, s:o, s:o}", "total", (json_int_t)total, "page",
			 (json_int_t)q->page, "page_size", (json_int_t)q->page_size, "logs", logs,
			 "results", res);
	if (!*out)
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
out:
	logs_free(&ls);
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* --- the route ---------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Milliseconds since 1970, or YYYY-MM-DDTHH:MM[:SS]Z (UTC). 0 if malformed. */
int centre_av_parse_time(const char *s, int64_t *out)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec = 0;
	size_t n = strlen(s);
	uint64_t ms;

	if (n && n <= 15 && strspn(s, "0123456789") == n) {
		if (tims_parse_u64(s, 253402300799999ULL, &ms, "time", NULL))
			return 0;
		*out = (int64_t)ms;
		return 1;
	}
	if ((n != 17 && n != 20) || s[n - 1] != 'Z' || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || (n == 20 && s[16] != ':') ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    (n == 20 && !digits(s + 17, 2, &sec)))
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 59 || (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return 0;
	*out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000;
	return 1;
}

/* A text parameter: NULL when absent or empty; *bad on one too long or with
 * a control character. */
static const char *param(struct tims_http_req *req, const char *k, size_t max, int *bad)
{
	const char *v = tims_http_query(req, k);

	if (!v || !*v)
		return NULL;
	if (strlen(v) > max) {
		*bad = 1;
		return v;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*bad = 1;
	return v;
}

tims_rc centre_h_audit_search(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct centre_av_query q;
	struct tims_err err, aerr;
	const char *t, *ps, *pg;
	char norm[64];
	uint64_t n;
	json_t *j = NULL, *qj, *sum;
	char *qtext, *stext;
	size_t i;
	int bad = 0;
	tims_rc rc;

	memset(&q, 0, sizeof(q));
	q.to_ms = INT64_MAX;
	q.page_size = 50;
/* bad_query with params {field, rule}: the page says it in its language */
#define BAD(field, ...) return tims_http_reply_error_params(resp, 400, "bad_query", \
	json_pack("{s:s, s:s}", "field", field, "rule", "invalid"), __VA_ARGS__)
	if ((q.officer = param(req, "officer", 64, &bad)), bad)
		BAD("officer", "officer: at most 64 bytes, no control characters");
	if ((q.doc = param(req, "doc", 40, &bad)), bad || (q.doc && !doc_norm(q.doc, norm)))
		BAD("doc", "doc: a document number, letters and digits, at most 40 bytes");
	if ((q.purpose = param(req, "purpose", 255, &bad)), bad)
		BAD("purpose", "purpose: at most 255 bytes, no control characters");
	if ((q.post = param(req, "post", TIMS_CENTRE_NAME_MAX, &bad)), bad)
		BAD("post", "post: a post's name, at most %d bytes", TIMS_CENTRE_NAME_MAX);
	if (tims_http_query(req, "post") && (!strcmp(tims_http_query(req, "post"), "centre") ||
					     !*tims_http_query(req, "post")))
		q.post = "";   /* the centre's own audit log */
	if ((t = param(req, "from", 32, &bad)), bad || (t && !centre_av_parse_time(t, &q.from_ms)))
		BAD("from", "from: want ms since 1970 or YYYY-MM-DDTHH:MM:SSZ");
	if ((t = param(req, "to", 32, &bad)), bad || (t && !centre_av_parse_time(t, &q.to_ms)))
		BAD("to", "to: want ms since 1970 or YYYY-MM-DDTHH:MM:SSZ");
	if (q.from_ms >= q.to_ms)
		BAD("to", "to: must be after from");
	if ((pg = tims_http_query(req, "page")) && tims_parse_u64(pg, CENTRE_AV_PAGES_MAX, &n,
								   "page", NULL))
		BAD("page", "page: want 0 to %d", CENTRE_AV_PAGES_MAX);
	q.page = pg ? (unsigned)n : 0;
	if ((ps = tims_http_query(req, "page_size")) &&
	    (tims_parse_u64(ps, CENTRE_AV_PAGE_MAX, &n, "page_size", NULL) || n == 0))
		BAD("page_size", "page_size: want 1 to %d", CENTRE_AV_PAGE_MAX);
	if (ps)
		q.page_size = (unsigned)n;
#undef BAD
	rc = centre_av_search(s->c, &q, &j, &err);
	if (rc == TIMS_ERR_NOTFOUND)
		return tims_http_reply_error(resp, 404, "no_post", "%s", err.msg);
	if (rc == TIMS_ERR_INVALID)
		return tims_http_reply_error_params(resp, 400, "bad_query",
						    json_pack("{s:s, s:s}", "field", "query",
							      "rule", "invalid"), "%s", err.msg);
	if (rc == TIMS_ERR_UNAVAILABLE)
		return tims_http_reply_error(resp, 503, "token_unavailable", "%s", err.msg);
	if (rc)
		return tims_http_reply_error(resp, 500, "audit_search", "%s", err.msg);
	/* the search, what was asked and which events were shown, before the answer */
	qj = json_pack("{s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:I}", "officer", q.officer,
		       "doc", q.doc, "purpose", q.purpose, "post", q.post,
		       "from_ms", (json_int_t)q.from_ms, "to_ms", (json_int_t)q.to_ms,
		       "page", (json_int_t)q.page, "page_size", (json_int_t)q.page_size);
	sum = json_array();
	for (i = 0; i < json_array_size(json_object_get(j, "results")); i++) {
		json_t *r = json_array_get(json_object_get(j, "results"), i);

		json_array_append_new(sum, json_pack("[O, O]", json_object_get(r, "post"),
						     json_object_get(r, "index")));
	}
	sum = json_pack("{s:O, s:o}", "total", json_object_get(j, "total"), "events", sum);
	qtext = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	stext = sum ? json_dumps(sum, JSON_COMPACT) : NULL;
	json_decref(qj);
	json_decref(sum);
	rc = qtext && stext ? centre_audit(s->c, req->who.id, tims_role_name(req->who.role),
					   req->addr, "audit.search", "", qtext, stext, 200, &aerr) :
		TIMS_ERR_NOMEM;
	free(qtext);
	free(stext);
	if (rc) {
		json_decref(j);
		return centre_no_trace(s->c, resp, rc);
	}
	return tims_http_reply_json(resp, 200, j);
}
