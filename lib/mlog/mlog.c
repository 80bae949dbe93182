/*
 * mlog.c — opening and creating a Merkle log in SQLite, and reading it back
 * (see include/tims/mlog.h): schema, prepared statements, the rollback
 * check of writers, the log size, entries and tiles, key files.
 *
 * The schema makes the append-only rule a property of the database too:
 * triggers refuse UPDATE and DELETE on the stored hashes and checkpoints.
 * They are a belt and braces, not the guarantee: anyone with the file can
 * drop them, which is why tims_mlog_verify recomputes everything.
 */
#include <dirent.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/util.h"
#include "internal.h"

int64_t tims_mlog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tims_mlog_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

sqlite3 *tims_mlog_db(struct tims_mlog *m)
{
	return m->db;
}

void mlog_break(struct tims_mlog *m, const char *fmt, ...)
{
	va_list ap;

	if (m->broken)
		return;
	m->broken = 1;
	va_start(ap, fmt);
	vsnprintf(m->broken_why, sizeof(m->broken_why), fmt, ap);
	va_end(ap);
}

const char *tims_mlog_broken(const struct tims_mlog *m)
{
	return m->broken ? m->broken_why : NULL;
}

/*
 * What a failure means decides what may follow it. A full disk leaves
 * SQLite's transaction rolled back and the database as it was: the caller
 * says so and tries again later. An I/O error or damage (EIO, a failed
 * fsync, a malformed page) leaves the state on disk unknown, and a later
 * fsync that succeeds would prove nothing (the kernel may have dropped the
 * failed pages: PostgreSQL's "fsyncgate"): the handle stops writing.
 */
tims_rc tims_mlog_db_err(struct tims_mlog *m, const char *what,
			 struct tims_err *err)
{
	int x = m->db ? sqlite3_extended_errcode(m->db) : SQLITE_ERROR;
	const char *msg = m->db ? sqlite3_errmsg(m->db) : "not open";

	switch (x & 0xff) {
	case SQLITE_FULL:
		return tims_err_set(err, TIMS_ERR_FULL, "%s/%s: %s: the disk is full (%s)",
				    m->label, m->db_name, what, msg);
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		mlog_break(m, "%s: %s: %s (SQLite error %d)", m->db_name, what, msg, x);
		return tims_err_set(err, TIMS_ERR_IO, "%s/%s: %s: %s", m->label,
				    m->db_name, what, msg);
	default:
		return tims_err_set(err, TIMS_ERR_DB, "%s/%s: %s: %s", m->label,
				    m->db_name, what, msg);
	}
}

tims_rc tims_mlog_step(struct tims_mlog *m, sqlite3_stmt *st, const char *what,
		       struct tims_err *err)
{
	int rc = sqlite3_step(st);
	tims_rc r = TIMS_OK;

	/* Classified before the reset, while the error is the step's. */
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = tims_mlog_db_err(m, what, err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

tims_rc mlog_exec(struct tims_mlog *m, enum mlog_stmt s, const char *what,
		  struct tims_err *err)
{
	return tims_mlog_step(m, m->st[s], what, err);
}

void tims_mlog_leaf_hash(const void *entry, size_t len, tims_hash out)
{
	tims_tlog_leaf_hash(entry, len, out);
}

tims_rc mlog_parse_note(const char *note, size_t len,
			struct tims_checkpoint *cp, struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_note_parse(note, len, n, err);
	if (!rc)
		rc = tims_checkpoint_parse(n->text, n->textlen, cp, err);
	free(n);
	return rc;
}

tims_rc tims_mlog_read_outside(struct tims_mlog *m, struct tims_buf *note,
			       struct tims_checkpoint *cp,
			       struct tims_err *err)
{
	tims_rc rc;

	if (access(m->checkpoint_path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: missing",
				    m->checkpoint_path);
	if ((rc = tims_read_file(m->checkpoint_path, TIMS_NOTE_MAX_BYTES, note,
				 err)))
		return rc;
	if ((rc = mlog_parse_note(note->buf, note->len, cp, err))) {
		tims_buf_release(note);
		return rc;
	}
	return TIMS_OK;
}

tims_rc tims_mlog_last(struct tims_mlog *m, uint64_t *size, uint8_t *entry,
		       size_t cap, size_t *elen, struct tims_err *err)
{
	sqlite3_stmt *st = m->st[MS_LAST];
	int rc = sqlite3_step(st);

	*size = 0;
	if (elen)
		*elen = 0;
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		*size = (uint64_t)sqlite3_column_int64(st, 0) + 1;
		if (elen)
			*elen = n;
		if (entry && n)
			memcpy(entry, sqlite3_column_blob(st, 1), n < cap ? n : cap);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return tims_mlog_db_err(m, "reading the log size", err);
	return TIMS_OK;
}

tims_rc tims_mlog_size(struct tims_mlog *m, uint64_t *size,
		       struct tims_err *err)
{
	return tims_mlog_last(m, size, NULL, 0, NULL, err);
}

int tims_mlog_due(const struct tims_mlog *m, int64_t interval_ms)
{
	return tims_mlog_mono_ms() - m->last_cp_mono >= interval_ms;
}

/* ---- stored hashes ---- */

static tims_rc read_hashes(void *ctx, const uint64_t *idx, size_t n,
			   tims_hash *out)
{
	struct tims_mlog *m = ctx;
	sqlite3_stmt *st = m->st[MS_GET_HASH];

	for (size_t i = 0; i < n; i++) {
		int rc;

		sqlite3_bind_int64(st, 1, (sqlite3_int64)idx[i]);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW ||
		    sqlite3_column_bytes(st, 0) != TIMS_HASH_BYTES) {
			sqlite3_reset(st);
			return rc == SQLITE_ROW || rc == SQLITE_DONE
				? TIMS_ERR_NOTFOUND : TIMS_ERR_DB;
		}
		memcpy(out[i], sqlite3_column_blob(st, 0), TIMS_HASH_BYTES);
		sqlite3_reset(st);
	}
	return TIMS_OK;
}

void tims_mlog_reader(struct tims_mlog *m, struct tims_tlog_reader *r)
{
	r->ctx = m;
	r->read = read_hashes;
}

/* ---- entries and tiles ---- */

tims_rc tims_mlog_entry(struct tims_mlog *m, uint64_t index, uint8_t *entry,
			size_t cap, size_t *elen, struct tims_err *err)
{
	sqlite3_stmt *st = m->st[MS_GET_ENTRY];
	tims_rc rc = TIMS_OK;
	int s;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "no %s %" PRIu64,
				  m->noun, index);
	} else if (s != SQLITE_ROW) {
		rc = tims_mlog_db_err(m, "reading a leaf entry", err);
	} else {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*elen = n;
		if (n)
			memcpy(entry, sqlite3_column_blob(st, 0), n < cap ? n : cap);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

tims_rc tims_mlog_tile(struct tims_mlog *m, unsigned level, uint64_t index,
		       unsigned width, struct tims_buf *out,
		       struct tims_err *err)
{
	struct tims_tlog_reader r;
	uint64_t size, need;
	tims_rc rc;

	if (width < 1 || width > 256 || level > 7)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "tile: width 1-256 and level 0-7");
	if ((rc = tims_mlog_size(m, &size, err)))
		return rc;
	/* The last hash of the tile covers leaves up to this many. */
	need = (index * 256 + width) << (8 * level);
	if ((need >> (8 * level)) != index * 256 + width || need > size)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "tile %u/%" PRIu64 " width %u: the log has only %" PRIu64 " %s",
				    level, index, width, size, m->nouns);
	tims_mlog_reader(m, &r);
	for (unsigned i = 0; i < width; i++) {
		uint64_t si = tims_tlog_stored_index(8 * level, index * 256 + i);
		tims_hash h;

		if ((rc = r.read(r.ctx, &si, 1, &h)))
			return tims_err_set(err, rc, "tile: stored hash %" PRIu64 " missing",
					    si);
		if ((rc = tims_buf_add(out, h, sizeof(h))))
			return tims_err_set(err, rc, "tile: out of memory");
	}
	return TIMS_OK;
}

tims_rc tims_mlog_entries(struct tims_mlog *m, uint64_t index, unsigned width,
			  struct tims_buf *out, struct tims_err *err)
{
	uint8_t *entry;
	tims_rc rc = TIMS_OK;

	if (width < 1 || width > 256)
		return tims_err_set(err, TIMS_ERR_INVALID, "entries: width 1-256");
	if (index > UINT64_MAX / 256 - 1)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "no %s past the log",
				    m->noun);
	if (!(entry = malloc(TIMS_MLOG_MAX_ENTRY)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	for (unsigned i = 0; !rc && i < width; i++) {
		uint8_t len[2];
		size_t n;

		if ((rc = tims_mlog_entry(m, index * 256 + i, entry,
					  TIMS_MLOG_MAX_ENTRY, &n, err)))
			break;
		if (n > TIMS_MLOG_MAX_ENTRY) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER,
					  "%s %" PRIu64 ": entry of %zu bytes",
					  m->noun, index * 256 + i, n);
			break;
		}
		len[0] = (uint8_t)(n >> 8);
		len[1] = (uint8_t)n;
		if ((rc = tims_buf_add(out, len, 2)) ||
		    (rc = tims_buf_add(out, entry, n)))
			rc = tims_err_set(err, rc, "entries: out of memory");
	}
	free(entry);
	return rc;
}

/* ---- keys ---- */

static tims_rc read_key(const char *path, struct tims_buf *b,
			struct tims_err *err)
{
	tims_rc rc = tims_read_file(path, 4096, b, err);

	while (!rc && b->len &&
	       (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		tims_buf_setlen(b, b->len - 1);
	return rc;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

tims_rc tims_mlog_load_keys(const char *label, const char *vkey_path,
			    const char *skey_path, struct tims_verifier *v,
			    struct tims_signer *s, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	tims_rc rc;

	if ((rc = read_key(vkey_path, &b, err)))
		return rc;
	rc = tims_verifier_parse(b.buf, v, err);
	tims_buf_release(&b);
	if (rc || !skey_path)
		return rc;
	if ((rc = tims_signer_load(skey_path, s, err)))
		return rc;
	if (s->keyhash != v->keyhash ||
	    memcmp(s->pub, v->pub, TIMS_PUBKEY_BYTES)) {
		tims_signer_release(s);
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: %s and %s are not a pair", label,
				    base_name(skey_path), base_name(vkey_path));
	}
	return TIMS_OK;
}

/* ---- open ---- */

static int valid_ident(const char *s, int empty_ok)
{
	if (!*s)
		return empty_ok;
	if (isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static tims_rc copy_name(char *dst, size_t size, const char *src,
			 const char *what, struct tims_err *err)
{
	if (!src)
		return tims_err_set(err, TIMS_ERR_USAGE, "log config: %s: missing",
				    what);
	if (snprintf(dst, size, "%s", src) >= (int)size)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "log config: %s: too long", what);
	return TIMS_OK;
}

static tims_rc copy_config(struct tims_mlog *m, const struct tims_mlog_config *c,
			   struct tims_err *err)
{
	tims_rc rc;

	if ((rc = copy_name(m->label, sizeof(m->label), c->label, "label", err)) ||
	    (rc = copy_name(m->db_path, sizeof(m->db_path), c->db_path, "database path", err)) ||
	    (rc = copy_name(m->checkpoint_path, sizeof(m->checkpoint_path),
			    c->checkpoint_path, "checkpoint path", err)) ||
	    (rc = copy_name(m->db_name, sizeof(m->db_name), c->db_name, "database name", err)) ||
	    (rc = copy_name(m->prefix, sizeof(m->prefix), c->prefix ? c->prefix : "",
			    "table prefix", err)) ||
	    (rc = copy_name(m->leaf_table, sizeof(m->leaf_table), c->leaf_table,
			    "leaf table", err)) ||
	    (rc = copy_name(m->noun, sizeof(m->noun), c->noun, "noun", err)) ||
	    (rc = copy_name(m->nouns, sizeof(m->nouns), c->nouns, "nouns", err)) ||
	    (rc = copy_name(m->a_noun, sizeof(m->a_noun), c->a_noun, "a_noun", err)) ||
	    (rc = copy_name(m->owner, sizeof(m->owner), c->owner, "owner", err)) ||
	    (rc = copy_name(m->verify_command, sizeof(m->verify_command),
			    c->verify_command, "verify command", err)) ||
	    (rc = copy_name(m->verifier_name, sizeof(m->verifier_name),
			    c->verifier_name, "verifier name", err)) ||
	    (rc = copy_name(m->origin, sizeof(m->origin), c->origin, "origin", err)))
		return rc;
	if (!valid_ident(m->prefix, 1) || !valid_ident(m->leaf_table, 0))
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "log config: table names are letters, digits and '_'");
	if (!c->verifier)
		return tims_err_set(err, TIMS_ERR_USAGE, "log config: no verifier");
	m->verifier = *c->verifier;
	m->signer = c->signer;
	m->schema_version = c->schema_version;
	return TIMS_OK;
}

/* The log's own tables and triggers (appended to sql). */
static tims_rc log_schema(const struct tims_mlog *m, struct tims_buf *sql)
{
	const char *p = m->prefix;

	return tims_buf_addf(sql,
		"CREATE TABLE %shashes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);"
		"CREATE TABLE %scheckpoints (size INTEGER PRIMARY KEY,"
		" issued_ms INTEGER NOT NULL, note TEXT NOT NULL);"
		"CREATE TRIGGER %shashes_no_delete BEFORE DELETE ON %shashes BEGIN"
		" SELECT RAISE(ABORT, 'stored hashes are append-only'); END;"
		"CREATE TRIGGER %shashes_no_update BEFORE UPDATE ON %shashes BEGIN"
		" SELECT RAISE(ABORT, 'stored hashes are append-only'); END;"
		"CREATE TRIGGER %scheckpoints_no_delete BEFORE DELETE ON %scheckpoints BEGIN"
		" SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
		"CREATE TRIGGER %scheckpoints_no_update BEFORE UPDATE ON %scheckpoints BEGIN"
		" SELECT RAISE(ABORT, 'checkpoints are append-only'); END;",
		p, p, p, p, p, p, p, p, p, p);
}

static tims_rc create_schema(struct tims_mlog *m, const char *owner_schema,
			     struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(1 << 20);
	tims_rc rc;

	/* One transaction: a crash leaves either no schema or all of it. */
	if ((rc = tims_buf_addstr(&sql, "BEGIN;")) ||
	    (rc = log_schema(m, &sql)) ||
	    (owner_schema && (rc = tims_buf_addstr(&sql, owner_schema))) ||
	    (rc = tims_buf_addf(&sql, ";PRAGMA user_version = %d;COMMIT;",
				m->schema_version))) {
		tims_buf_release(&sql);
		return tims_err_set(err, rc, "%s: schema too large", m->db_name);
	}
	if (sqlite3_exec(m->db, sql.buf, NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(m, "creating the schema", err);
		sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
	}
	tims_buf_release(&sql);
	return rc;
}

static tims_rc check_version(struct tims_mlog *m, struct tims_err *err)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(m->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return tims_mlog_db_err(m, "schema version", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v != m->schema_version)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: schema version %d, want %d", m->db_path,
				    v, m->schema_version);
	return TIMS_OK;
}

static tims_rc prepare(struct tims_mlog *m, struct tims_err *err)
{
	const char *p = m->prefix, *l = m->leaf_table;
	tims_rc rc = TIMS_OK;

	for (int i = 0; !rc && i < MS_COUNT; i++) {
		struct tims_buf sql = TIMS_BUF_INIT(1024);

		switch ((enum mlog_stmt)i) {
		case MS_BEGIN: rc = tims_buf_addstr(&sql, "BEGIN IMMEDIATE"); break;
		case MS_COMMIT: rc = tims_buf_addstr(&sql, "COMMIT"); break;
		case MS_ROLLBACK: rc = tims_buf_addstr(&sql, "ROLLBACK"); break;
		case MS_LAST:
			rc = tims_buf_addf(&sql, "SELECT idx, entry FROM %s"
					   " ORDER BY idx DESC LIMIT 1", l);
			break;
		case MS_INS_HASH:
			rc = tims_buf_addf(&sql, "INSERT INTO %shashes (id, hash)"
					   " VALUES (?1, ?2)", p);
			break;
		case MS_GET_HASH:
			rc = tims_buf_addf(&sql, "SELECT hash FROM %shashes"
					   " WHERE id = ?1", p);
			break;
		case MS_INS_CP:
			rc = tims_buf_addf(&sql, "INSERT INTO %scheckpoints (size,"
					   " issued_ms, note) VALUES (?1, ?2, ?3)", p);
			break;
		case MS_LATEST_CP:
			rc = tims_buf_addf(&sql, "SELECT size, note FROM %scheckpoints"
					   " ORDER BY size DESC LIMIT 1", p);
			break;
		case MS_GET_ENTRY:
			rc = tims_buf_addf(&sql, "SELECT entry FROM %s WHERE idx = ?1", l);
			break;
		case MS_COUNT: break;
		}
		if (rc)
			rc = tims_err_set(err, rc, "out of memory");
		else if (sqlite3_prepare_v3(m->db, sql.buf, -1,
					    SQLITE_PREPARE_PERSISTENT, &m->st[i],
					    NULL) != SQLITE_OK)
			rc = tims_mlog_db_err(m, sql.buf, err);
		tims_buf_release(&sql);
	}
	return rc;
}

/* A writer must not build on a database older than what it published. */
static tims_rc check_not_rolled_back(struct tims_mlog *m, struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	uint64_t size;
	tims_rc rc;

	rc = tims_mlog_read_outside(m, &note, &cp, err);
	tims_buf_release(&note);
	if (rc == TIMS_ERR_NOTFOUND)
		return TIMS_OK; /* a log before its first checkpoint */
	if (rc)
		return rc;
	if ((rc = tims_mlog_size(m, &size, err)))
		return rc;
	if (size < cp.size)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "%s: %s holds %" PRIu64 " %s but the %s "
				    "published a checkpoint of %" PRIu64 " (rolled back, "
				    "or its WAL lost?); run '%s' (docs/operations.md)",
				    m->label, m->db_name, size, m->nouns,
				    m->owner, cp.size, m->verify_command);
	return TIMS_OK;
}

long mlog_integrity(struct tims_mlog *m, int full,
		    void (*fn)(void *ctx, const char *problem), void *ctx,
		    struct tims_err *err)
{
	sqlite3_stmt *st;
	long bad = 0;
	int s;

	if (sqlite3_prepare_v2(m->db, full ? "PRAGMA integrity_check(100)"
					   : "PRAGMA quick_check(100)",
			       -1, &st, NULL) != SQLITE_OK) {
		tims_mlog_db_err(m, "integrity check", err);
		return -1;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);

		if (line && !strcmp(line, "ok"))
			continue;
		bad++;
		if (fn)
			fn(ctx, line ? line : "(no detail)");
	}
	if (s != SQLITE_DONE && !bad) {
		/* Too damaged to check: that is itself the answer. */
		bad++;
		if (fn)
			fn(ctx, sqlite3_errmsg(m->db));
	}
	sqlite3_finalize(st);
	return bad;
}

static void first_problem(void *ctx, const char *problem)
{
	char *out = ctx;

	if (!out[0])
		snprintf(out, TIMS_ERR_MSG_BYTES, "%s", problem);
}

/*
 * A writer never builds on a damaged database (SQLite's own check).
 * integrity_check also compares every index with its table; quick_check
 * checks pages and b-trees only, in about half the time (measured on a
 * post.db of 300 000 records, 107 MB: 1.7 s against 0.85 s warm, 2-6 s
 * cold). A writer runs the full check up to MLOG_FULL_CHECK_BYTES and the
 * quick one above, so that a large post is not kept from starting for
 * minutes; tims_mlog_verify always runs the full one.
 */
#define MLOG_FULL_CHECK_BYTES (64 << 20)

static tims_rc check_integrity(struct tims_mlog *m, struct tims_err *err)
{
	char first[TIMS_ERR_MSG_BYTES] = "";
	struct stat sb;
	int full = stat(m->db_path, &sb) == 0 && sb.st_size <= MLOG_FULL_CHECK_BYTES;
	long bad = mlog_integrity(m, full, first_problem, first, err);

	if (bad < 0)
		return err ? err->rc : TIMS_ERR_DB;
	if (bad)
		return tims_err_set(err, TIMS_ERR_DB,
				    "%s/%s is damaged (SQLite %s: %.120s): refusing to "
				    "write to it; run '%s' (docs/operations.md)",
				    m->label, m->db_name, full ? "integrity_check" : "quick_check",
				    first, m->verify_command);
	return TIMS_OK;
}

/*
 * Temporary copies of the checkpoint file left by a process that died
 * between creating and renaming one ("checkpoint.tmp.PID[.RANDOM]"): those
 * of a process that no longer runs, or that had this process's id, go.
 */
static void clean_leftovers(const struct tims_mlog *m)
{
	char dir[TIMS_MLOG_PATH_MAX], prefix[TIMS_MLOG_PATH_MAX + 8];
	const char *slash = strrchr(m->checkpoint_path, '/');
	struct dirent *d;
	size_t plen;
	DIR *dh;

	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - m->checkpoint_path),
			 m->checkpoint_path);
		if (!dir[0])
			snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), ".");
	}
	snprintf(prefix, sizeof(prefix), "%s.tmp.", slash ? slash + 1 : m->checkpoint_path);
	plen = strlen(prefix);
	if (!(dh = opendir(dir)))
		return;
	while ((d = readdir(dh))) {
		const char *p = d->d_name + plen;
		char path[2 * TIMS_MLOG_PATH_MAX];
		long pid = 0;

		if (strncmp(d->d_name, prefix, plen) || !isdigit((unsigned char)*p))
			continue;
		for (; isdigit((unsigned char)*p) && pid < 1L << 30; p++)
			pid = pid * 10 + (*p - '0');
		if (*p && *p != '.')
			continue;
		if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue; /* a live writer's, or not ours to judge */
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dh);
}

tims_rc tims_mlog_open(const struct tims_mlog_config *c,
		       enum tims_mlog_open_mode mode, struct tims_mlog **out,
		       struct tims_err *err)
{
	struct tims_mlog *m;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	tims_rc rc;

	*out = NULL;
	if (!(m = calloc(1, sizeof(*m))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	tims_buf_init(&m->pending, TIMS_NOTE_MAX_BYTES);
	tims_buf_init(&m->stale, TIMS_NOTE_MAX_BYTES);
	if ((rc = copy_config(m, c, err)))
		goto fail;
	if (mode == TIMS_MLOG_CREATE) {
		flags |= SQLITE_OPEN_CREATE;
		/* 0600 before SQLite makes it 0644: its -wal and -shm take its mode */
		if ((rc = tims_file_private(m->db_path, err)))
			goto fail;
	} else if (access(m->db_path, F_OK) != 0) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: %s", m->db_path,
				  strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(m->db_path, &m->db, flags, NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(m, "open", err);
		goto fail;
	}
	sqlite3_busy_timeout(m->db, 10000);
	/* WAL + FULL: a commit returns after the WAL is fsync'd. */
	if (sqlite3_exec(m->db, "PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=FULL;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = tims_mlog_db_err(m, "setting WAL and synchronous=FULL", err);
		goto fail;
	}
	if ((mode == TIMS_MLOG_CREATE && (rc = create_schema(m, c->schema, err))) ||
	    (rc = check_version(m, err)) || (rc = prepare(m, err)) ||
	    (mode != TIMS_MLOG_CREATE && m->signer &&
	     ((rc = check_integrity(m, err)) ||
	      (rc = check_not_rolled_back(m, err)))))
		goto fail;
	if (m->signer)
		clean_leftovers(m);
	/* The first append of this process issues a checkpoint only after
	 * the interval, like every later one. */
	m->last_cp_mono = tims_mlog_mono_ms();
	*out = m;
	return TIMS_OK;
fail:
	tims_mlog_free(m);
	return rc;
}

void tims_mlog_free(struct tims_mlog *m)
{
	if (!m)
		return;
	mlog_flush_deferred(m);
	for (int i = 0; i < MS_COUNT; i++)
		sqlite3_finalize(m->st[i]);
	sqlite3_close(m->db);
	tims_buf_release(&m->pending);
	tims_buf_release(&m->stale);
	free(m);
}
