/*
 * published.c — a node does not start a new audit log where it had one
 * (docs/audit.md, "Refusal to start").
 *
 * The node's own database (post.db for a post, centre.db for the centre)
 * records the latest audit checkpoint it signed: table audit_published,
 * one row (origin, size, root, updated_ms). It is kept current cheaply:
 * written at most once a second, after an append or a checkpoint, on its
 * own connection with synchronous=NORMAL (WAL: no fsync of its own; a power
 * cut may lose the last second of it, never make it claim more than was
 * signed), and when the handle is freed.
 *
 * Opening the audit log for writing checks it first: audit.db missing while
 * the record says an audit log was published, fewer events than the record,
 * or a tree whose root at the recorded size is not the recorded root — each
 * refused with TIMS_ERR_TAMPER naming what is missing and the two-person
 * reset (tims audit reset). Deleting audit.db and audit.checkpoint is then
 * not enough to start a fresh log silently; deleting the record too is
 * caught outside the host (the centre's mirror and the witnesses).
 */
#include <sodium.h>
#include <time.h>

#include "tims/util.h"
#include "internal.h"

#define MARK_EVERY_MS 1000

static const char marker_schema[] =
	"CREATE TABLE IF NOT EXISTS audit_published ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" origin TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,"
	" updated_ms INTEGER NOT NULL)";

const char *audit_marker_file(const char *origin, const char *key)
{
	return !origin || (key && !strcmp(key, "post")) ? "post.db" : "centre.db";
}

static tims_rc marker_path(const char *dir, const char *db_file, char *out,
			   struct tims_err *err)
{
	if (snprintf(out, TIMS_MLOG_PATH_MAX, "%s/%s", dir, db_file) >= TIMS_MLOG_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

tims_rc audit_published_read(const char *dir, const char *db_file,
			     struct audit_published *p, struct tims_err *err)
{
	char path[TIMS_MLOG_PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int s;

	memset(p, 0, sizeof(*p));
	if ((rc = marker_path(dir, db_file, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK; /* no node database: nothing recorded */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
				  db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "SELECT origin, size, root, updated_ms FROM audit_published"
			       " WHERE id = 1", -1, &st, NULL) != SQLITE_OK) {
		/* no such table: a node from before the record, or never started */
		if (strstr(sqlite3_errmsg(db), "no such table"))
			goto out;
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: reading audit_published: %s", path,
				  sqlite3_errmsg(db));
		goto out;
	}
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);

		if (sqlite3_column_bytes(st, 2) != TIMS_HASH_BYTES || sqlite3_column_int64(st, 1) < 0) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "%s: audit_published: malformed row",
					  path);
			goto out;
		}
		p->have = 1;
		snprintf(p->origin, sizeof(p->origin), "%s", o ? o : "");
		p->size = (uint64_t)sqlite3_column_int64(st, 1);
		memcpy(p->root, sqlite3_column_blob(st, 2), TIMS_HASH_BYTES);
		p->updated_ms = sqlite3_column_int64(st, 3);
	} else if (s != SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: reading audit_published: %s", path,
				  sqlite3_errmsg(db));
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

tims_rc audit_published_write(const char *dir, const char *db_file, const char *origin,
			      uint64_t size, const tims_hash root, int replace,
			      int busy_ms, struct tims_err *err)
{
	char path[TIMS_MLOG_PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if ((rc = marker_path(dir, db_file, path, err)))
		return rc;
	/* No node database (a post being restored): nothing to record in yet;
	 * the node records its log when it starts. */
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
				  db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, busy_ms);
	/* The record may lag by a second after a power cut, never lead. */
	if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, marker_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, replace ?
			       "INSERT OR REPLACE INTO audit_published (id, origin, size, root,"
			       " updated_ms) VALUES (1, ?1, ?2, ?3, ?4)" :
			       "INSERT INTO audit_published (id, origin, size, root, updated_ms)"
			       " VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET"
			       " size = excluded.size, root = excluded.root,"
			       " updated_ms = excluded.updated_ms WHERE excluded.size > size",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: audit_published: %s", path,
				  sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 3, root, TIMS_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: audit_published: %s", path,
				  sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* How to get out of a refusal, for every message. */
static const char *how_to_reset(const struct tims_audit *a)
{
	(void)a;
	return "tims audit reset (docs/audit.md)";
}

static void format_ms(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "time unknown");
}

static void hex8(const tims_hash h, char out[17])
{
	static const char x[] = "0123456789abcdef";

	for (int i = 0; i < 8; i++) {
		out[2 * i] = x[h[i] >> 4];
		out[2 * i + 1] = x[h[i] & 15];
	}
	out[16] = '\0';
}

tims_rc audit_published_precheck(struct tims_audit *a, const char *db_path,
				 struct audit_published *p, struct tims_err *err)
{
	char when[32] = "", root[17];
	tims_rc rc;

	if ((rc = audit_published_read(a->dir, a->marker_db, p, err)) || !p->have)
		return rc;
	if (access(db_path, F_OK) == 0)
		return TIMS_OK;
	format_ms(p->updated_ms, when, sizeof(when));
	hex8(p->root, root);
	(void)db_path;
	return tims_err_set(err, TIMS_ERR_TAMPER,
			    "audit.db is missing; %s records the audit log published up to "
			    "%" PRIu64 " events (root %.8s, %s): no new log is started "
			    "silently. Restore audit.db and audit.checkpoint, or reset with "
			    "two people: %s", a->marker_db, p->size, root, when,
			    how_to_reset(a));
}

tims_rc audit_published_check(struct tims_audit *a, const struct audit_published *p,
			      struct tims_err *err)
{
	struct tims_tlog_reader r;
	char when[32] = "", root[17];
	tims_hash got;
	uint64_t size;
	tims_rc rc;

	if (!p->have)
		return TIMS_OK;
	format_ms(p->updated_ms, when, sizeof(when));
	hex8(p->root, root);
	if (strcmp(p->origin, a->origin))
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "%s records the audit log of %s, this one is %s: reset "
				    "with two people: %s", a->marker_db, p->origin, a->origin,
				    how_to_reset(a));
	if ((rc = tims_mlog_size(a->log, &size, err)))
		return rc;
	if (size < p->size)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "audit.db holds %" PRIu64 " events; %s records %" PRIu64
				    " published (root %.8s, %s): cut short or an old copy. "
				    "Restore the audit log, or reset with two people: %s",
				    size, a->marker_db, p->size, root, when, how_to_reset(a));
	tims_mlog_reader(a->log, &r);
	if ((rc = tims_tlog_tree_hash(p->size, &r, got, err)))
		return rc;
	if (sodium_memcmp(got, p->root, TIMS_HASH_BYTES) != 0)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "audit.db is not consistent with the audit log %s records as "
				    "published (%" PRIu64 " events, root %.8s, %s): another log. "
				    "Restore it, or reset with two people: %s", a->marker_db,
				    p->size, root, when, how_to_reset(a));
	return TIMS_OK;
}

tims_rc audit_mark(struct tims_audit *a, int force, struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	int64_t now = tims_mlog_now_ms();
	tims_rc rc = TIMS_OK;

	if (!a->has_signer || !a->marker_db[0])
		return TIMS_OK;
	/* the node database stopped on an I/O error: not one more write */
	if (a->marker_stopped && a->marker_stopped(a->marker_ctx))
		return TIMS_OK;
	pthread_mutex_lock(&a->mmu);
	if (!force && now - a->marked_ms < MARK_EVERY_MS)
		goto out;
	a->marked_ms = now;
	audit_lock(a);
	rc = tims_mlog_latest_checkpoint(a->log, &note, &cp, err);
	audit_unlock(a);
	if (rc || (a->marked && cp.size <= a->marked_size))
		goto out;
	/* Forced (open, free): wait for the database. After an append: never —
	 * the appender may hold a write transaction of that database (a
	 * centre route changing centre.db and auditing it before it commits):
	 * busy, the record is written at the next append a second later. */
	if (!(rc = audit_published_write(a->dir, a->marker_db, a->origin, cp.size, cp.root, 0,
					 force ? 10000 : 0, err))) {
		a->marked = 1;
		a->marked_size = cp.size;
	}
out:
	pthread_mutex_unlock(&a->mmu);
	tims_buf_release(&note);
	return rc;
}

void tims_audit_set_marker_guard(struct tims_audit *a, int (*stopped)(void *ctx), void *ctx)
{
	a->marker_stopped = stopped;
	a->marker_ctx = ctx;
}

tims_rc tims_audit_check_published(const char *dir, const char *origin, const char *key,
				   struct tims_err *err)
{
	struct audit_published p;
	struct tims_audit *a = NULL;
	char db[TIMS_MLOG_PATH_MAX];
	tims_rc rc;

	rc = origin ? tims_audit_open_keyed(dir, origin, key, TIMS_AUDIT_READ, &a, err)
		    : tims_audit_open(dir, TIMS_AUDIT_READ, &a, err);
	if (rc == TIMS_ERR_NOTFOUND) {
		/* no audit.db: refused if one was published, else a new node */
		struct tims_audit probe;

		memset(&probe, 0, sizeof(probe));
		snprintf(probe.dir, sizeof(probe.dir), "%s", dir);
		snprintf(probe.marker_db, sizeof(probe.marker_db), "%s",
			 audit_marker_file(origin, key));
		if (snprintf(db, sizeof(db), "%s/audit.db", dir) >= (int)sizeof(db))
			return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
		return audit_published_precheck(&probe, db, &p, err);
	}
	if (rc)
		return rc;
	if (!(rc = audit_published_read(a->dir, a->marker_db, &p, err)))
		rc = audit_published_check(a, &p, err);
	tims_audit_free(a);
	return rc;
}

tims_rc tims_audit_reset_old(const char *dir, const char *origin, const char *key,
			     struct tims_audit_old *old, struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct audit_published p;
	struct tims_checkpoint cp;
	struct tims_audit *a = NULL;
	struct tims_err e;
	tims_rc rc;

	memset(old, 0, sizeof(*old));
	if ((rc = audit_published_read(dir, audit_marker_file(origin, key), &p, err)))
		return rc;
	if (p.have) {
		old->published = 1;
		old->published_size = p.size;
		memcpy(old->published_root, p.root, TIMS_HASH_BYTES);
	}
	rc = origin ? tims_audit_open_keyed(dir, origin, key, TIMS_AUDIT_READ, &a, &e)
		    : tims_audit_open(dir, TIMS_AUDIT_READ, &a, &e);
	if (!rc && !tims_audit_latest_checkpoint(a, &note, &cp, &e)) {
		old->held = 1;
		old->held_size = cp.size;
		memcpy(old->held_root, cp.root, TIMS_HASH_BYTES);
	} else {
		snprintf(old->why, sizeof(old->why), "%s", e.msg);
	}
	tims_audit_free(a);
	tims_buf_release(&note);
	return TIMS_OK;
}

/* Rename DIR/NAME to DIR/NEW if it exists. */
static tims_rc move_aside(const char *dir, const char *name, const char *to,
			  struct tims_err *err)
{
	char a[TIMS_MLOG_PATH_MAX], b[TIMS_MLOG_PATH_MAX];

	if (snprintf(a, sizeof(a), "%s/%s", dir, name) >= (int)sizeof(a) ||
	    snprintf(b, sizeof(b), "%s/%s", dir, to) >= (int)sizeof(b))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (rename(a, b) != 0 && errno != ENOENT)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", a, strerror(errno));
	return TIMS_OK;
}

tims_rc tims_audit_reset(const char *dir, const char *origin, const char *key,
			 struct tims_audit_event *ev, uint64_t *index, char *archived,
			 size_t cap, struct tims_err *err)
{
	static const char *const ext[] = { ".db", ".db-wal", ".db-shm" };
	char to[64], path[TIMS_MLOG_PATH_MAX];
	int64_t ms = tims_mlog_now_ms();
	struct tims_audit *a = NULL;
	sqlite3 *db = NULL;
	tims_rc rc;
	int issued;

	if (!ev || strcmp(ev->action, "audit.reset"))
		return tims_err_set(err, TIMS_ERR_USAGE, "audit reset: the first event must be "
				    "audit.reset");
	if ((rc = tims_audit_event_check(ev, err)))
		return rc;
	/* The old log, kept: audit.reset-MS.db (with its WAL) and .checkpoint. */
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(ext); i++) {
		char name[32];

		snprintf(name, sizeof(name), "audit%s", ext[i]);
		snprintf(to, sizeof(to), "audit.reset-%" PRId64 "%s", ms, ext[i]);
		if ((rc = move_aside(dir, name, to, err)))
			return rc;
	}
	snprintf(to, sizeof(to), "audit.reset-%" PRId64 ".checkpoint", ms);
	if ((rc = move_aside(dir, "audit.checkpoint", to, err)))
		return rc;
	if (archived)
		snprintf(archived, cap, "audit.reset-%" PRId64 ".db", ms);
	/* The record of publication names the new log from now on. */
	if (snprintf(path, sizeof(path), "%s/%s", dir, audit_marker_file(origin, key)) >=
	    (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK ||
	    (sqlite3_busy_timeout(db, 10000),
	     sqlite3_exec(db, marker_schema, NULL, NULL, NULL) != SQLITE_OK) ||
	    sqlite3_exec(db, "DELETE FROM audit_published", NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
				  db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_close(db);
	rc = origin ? tims_audit_open_keyed(dir, origin, key, TIMS_AUDIT_WRITE, &a, err)
		    : tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, err);
	if (!rc)
		rc = tims_audit_append(a, ev, index, err);
	if (!rc)
		rc = tims_audit_checkpoint(a, &issued, err);
	if (!rc)
		rc = audit_mark(a, 1, err);
	tims_audit_free(a);
	return rc;
}
