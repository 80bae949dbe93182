/*
 * audit.c — the audit log of a node (include/tims/audit.h): opening it,
 * appending events, checkpoints, listing and retention erasure.
 *
 * The log is a tims_mlog (include/tims/mlog.h) in DIR/audit.db — the same
 * machinery as the crossing log: stored hashes, C2SP checkpoints signed
 * with the post's key under the origin "<post origin>/audit", every
 * checkpoint kept, the latest also in DIR/audit.checkpoint outside the
 * database, so that an audit.db rolled back to an older copy is refused for
 * writing and named by verification. This file adds the events table; its
 * triggers refuse UPDATE and DELETE except erasing an event's salt and body
 * together (retention).
 *
 * Group commit: a handle may be shared by threads (every function takes
 * a->mu). Events appended through tims_audit_append_group at the same
 * time share one transaction: each caller queues itself (a->gmu); when no
 * group is being committed the caller becomes the leader, takes every
 * waiting event, appends them in one transaction (one fsync), hands each
 * member its index and the commit's outcome, and wakes them. A caller
 * alone is its own leader at once.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "tims/post.h"
#include "tims/util.h"
#include "internal.h"

#define SCHEMA_VERSION 1

static const char schema[] =
	"CREATE TABLE events ("
	" idx INTEGER PRIMARY KEY,"
	" salt BLOB,"                  /* NULL once erased */
	" body BLOB,"                  /* the encoded event; NULL once erased */
	" entry BLOB NOT NULL);"       /* the leaf entry, kept forever */
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN"
	" SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
	" AND NEW.salt IS NULL AND NEW.body IS NULL) BEGIN"
	" SELECT RAISE(ABORT, 'the audit log is append-only (only retention may erase a payload)'); END;";

static const char *const stmt_sql[AS_COUNT] = {
	[AS_INSERT] = "INSERT INTO events (idx, salt, body, entry)"
		      " VALUES (?1, ?2, ?3, ?4)",
	[AS_LIST] = "SELECT idx, body, entry FROM events WHERE idx >= ?1"
		    " ORDER BY idx LIMIT ?2",
	[AS_ERASE] = "UPDATE events SET salt = NULL, body = NULL WHERE idx = ?1",
	[AS_KEY_GET] = "SELECT idx FROM event_keys WHERE key = ?1",
	[AS_KEY_INS] = "INSERT INTO event_keys (key, idx) VALUES (?1, ?2)",
};

/*
 * Keys of events appended at most once (tims_audit_append_once): the audit
 * event a crossing owes, appended after the record or again at the next
 * start. Not part of the log; made by any open that may write, when
 * missing, so an older audit.db opens unchanged.
 */
static const char keys_schema[] =
	"CREATE TABLE IF NOT EXISTS event_keys ("
	" key TEXT PRIMARY KEY,"
	" idx INTEGER NOT NULL)";

static tims_rc path_of(const struct tims_audit *a, const char *name,
		       char *out, struct tims_err *err)
{
	if (snprintf(out, TIMS_MLOG_PATH_MAX, "%s/%s", a->dir, name) >=
	    TIMS_MLOG_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long",
				    a->dir);
	return TIMS_OK;
}

/* The post's origin and verifier, read the way the post reads them. */
static tims_rc load_post(struct tims_audit *a, struct tims_err *err)
{
	struct tims_post *p;
	tims_rc rc;

	if ((rc = tims_post_open(a->dir, TIMS_POST_READ, &p, err)))
		return rc;
	if (snprintf(a->origin, sizeof(a->origin), "%s/audit",
		     tims_post_origin(p)) >= (int)sizeof(a->origin))
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "origin: '%s/audit' is longer than %d bytes",
				  tims_post_origin(p), TIMS_NOTE_MAX_NAME);
	a->verifier = *tims_post_verifier(p);
	tims_post_free(p);
	return rc;
}

static tims_rc load_signer(struct tims_audit *a, struct tims_err *err)
{
	char vkey[TIMS_MLOG_PATH_MAX], skey[TIMS_MLOG_PATH_MAX];
	struct tims_verifier v;
	tims_rc rc;

	if ((rc = path_of(a, a->vkey_file, vkey, err)) ||
	    (rc = path_of(a, a->skey_file, skey, err)) ||
	    (rc = tims_mlog_load_keys(a->dir, vkey, skey, &v, &a->signer, err)))
		return rc;
	a->has_signer = 1;
	return TIMS_OK;
}

static tims_rc open_log(struct tims_audit *a, enum tims_audit_mode mode,
			struct tims_err *err)
{
	char db[TIMS_MLOG_PATH_MAX], cp[TIMS_MLOG_PATH_MAX];
	struct tims_mlog_config c = {
		.label = a->dir, .db_path = db, .db_name = "audit.db",
		.prefix = "", .leaf_table = "events",
		.noun = "event", .nouns = "events", .a_noun = "an event",
		.owner = "audit log", .verify_command = "tims audit verify",
		.schema = schema, .schema_version = SCHEMA_VERSION,
		.origin = a->origin, .checkpoint_path = cp,
		.verifier_name = a->vkey_file, .verifier = &a->verifier,
		.signer = a->has_signer ? &a->signer : NULL,
	};
	struct audit_published pub = { 0 };
	int create;
	tims_rc rc;

	if ((rc = path_of(a, "audit.db", db, err)) ||
	    (rc = path_of(a, "audit.checkpoint", cp, err)))
		return rc;
	/* Not a new log where one was published (published.c). */
	if (mode == TIMS_AUDIT_WRITE && a->marker_db[0] &&
	    (rc = audit_published_precheck(a, db, &pub, err)))
		return rc;
	create = access(db, F_OK) != 0;
	if (create && mode != TIMS_AUDIT_WRITE)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: no audit log yet", db);
	if ((rc = tims_mlog_open(&c, create ? TIMS_MLOG_CREATE : TIMS_MLOG_OPEN,
				 &a->log, err)))
		return rc;
	/* Events hold personal data: the owner alone reads the file. */
	if (create && chmod(db, 0600) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: chmod: %s", db,
				    strerror(errno));
	/* Like a new post: a first checkpoint (size 0), so that a log is
	 * never without one, in the database and outside it. */
	if (create) {
		int issued;

		if ((rc = tims_mlog_checkpoint(a->log, &issued, err)))
			return rc;
	}
	if (mode == TIMS_AUDIT_WRITE &&
	    sqlite3_exec(tims_mlog_db(a->log), keys_schema, NULL, NULL, NULL) != SQLITE_OK)
		return tims_mlog_db_err(a->log, "creating the event_keys table", err);
	if (mode == TIMS_AUDIT_WRITE && a->marker_db[0] &&
	    ((rc = audit_published_check(a, &pub, err)) || (rc = audit_mark(a, 1, err))))
		return rc;
	for (int i = 0; i < AS_COUNT; i++) {
		if (mode != TIMS_AUDIT_WRITE && (i == AS_KEY_GET || i == AS_KEY_INS))
			continue;
		if (sqlite3_prepare_v3(tims_mlog_db(a->log), stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &a->st[i],
				       NULL) != SQLITE_OK)
			return tims_mlog_db_err(a->log, stmt_sql[i], err);
	}
	return TIMS_OK;
}

/* A node that is not a post: origin given, its key in VKEY/SKEY files. */
static tims_rc load_keyed(struct tims_audit *a, const char *origin,
			  struct tims_err *err)
{
	char vkey[TIMS_MLOG_PATH_MAX];
	tims_rc rc;

	if (snprintf(a->origin, sizeof(a->origin), "%s", origin) >= (int)sizeof(a->origin))
		return tims_err_set(err, TIMS_ERR_INVALID, "origin: longer than %d bytes",
				    TIMS_NOTE_MAX_NAME);
	if ((rc = path_of(a, a->vkey_file, vkey, err)))
		return rc;
	return tims_mlog_load_keys(a->dir, vkey, NULL, &a->verifier, NULL, err);
}

static int locks_init(struct tims_audit *a)
{
	pthread_mutexattr_t at;
	int rc;

	if (pthread_mutexattr_init(&at))
		return -1;
	pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
	rc = pthread_mutex_init(&a->mu, &at);
	pthread_mutexattr_destroy(&at);
	if (rc)
		return -1;
	if (pthread_mutex_init(&a->gmu, NULL)) {
		pthread_mutex_destroy(&a->mu);
		return -1;
	}
	if (pthread_cond_init(&a->gcond, NULL)) {
		pthread_mutex_destroy(&a->gmu);
		pthread_mutex_destroy(&a->mu);
		return -1;
	}
	a->queue_tail = &a->queue;
	return 0;
}

void audit_lock(struct tims_audit *a)
{
	pthread_mutex_lock(&a->mu);
}

void audit_unlock(struct tims_audit *a)
{
	pthread_mutex_unlock(&a->mu);
}

static tims_rc audit_open(const char *dir, const char *origin, const char *key,
			  enum tims_audit_mode mode, struct tims_audit **out,
			  struct tims_err *err)
{
	struct tims_audit *a;
	tims_rc rc;

	*out = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	if (!(a = calloc(1, sizeof(*a))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (locks_init(a)) {
		free(a);
		return tims_err_set(err, TIMS_ERR_NOMEM, "audit: no lock");
	}
	pthread_mutex_init(&a->mmu, NULL);
	tims_buf_init(&a->enc, TIMS_AUDIT_MAX_BYTES);
	if (snprintf(a->dir, sizeof(a->dir), "%s", dir) >= (int)sizeof(a->dir)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "directory: path too long");
		goto fail;
	}
	snprintf(a->vkey_file, sizeof(a->vkey_file), "%.20s.vkey", key);
	snprintf(a->skey_file, sizeof(a->skey_file), "%.20s.skey", key);
	/* Where the node records that its audit log was published: its own
	 * database (a post's post.db; the centre's centre.db). */
	snprintf(a->marker_db, sizeof(a->marker_db), "%s", audit_marker_file(origin, key));
	if ((rc = origin ? load_keyed(a, origin, err) : load_post(a, err)) ||
	    (mode == TIMS_AUDIT_WRITE && (rc = load_signer(a, err))) ||
	    (rc = open_log(a, mode, err)))
		goto fail;
	*out = a;
	return TIMS_OK;
fail:
	tims_audit_free(a);
	return rc;
}

tims_rc tims_audit_open(const char *dir, enum tims_audit_mode mode,
			struct tims_audit **out, struct tims_err *err)
{
	return audit_open(dir, NULL, "post", mode, out, err);
}

tims_rc tims_audit_open_keyed(const char *dir, const char *origin, const char *key,
			      enum tims_audit_mode mode, struct tims_audit **out,
			      struct tims_err *err)
{
	if (!origin || !key || !*key || strchr(key, '/'))
		return tims_err_set(err, TIMS_ERR_USAGE, "audit: origin and key name required");
	return audit_open(dir, origin, key, mode, out, err);
}

void tims_audit_free(struct tims_audit *a)
{
	if (!a)
		return;
	if (a->log && a->has_signer && a->marked)
		audit_mark(a, 1, NULL); /* the last checkpoint, recorded */
	for (int i = 0; i < AS_COUNT; i++)
		sqlite3_finalize(a->st[i]);
	tims_mlog_free(a->log);
	if (a->has_signer)
		tims_signer_release(&a->signer);
	tims_buf_release(&a->enc);
	pthread_cond_destroy(&a->gcond);
	pthread_mutex_destroy(&a->gmu);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->mmu);
	free(a);
}

/* The index of the event appended under key, inside the transaction:
 * 1 found, 0 not, -1 on a database error (err set). */
static int key_lookup(struct tims_audit *a, const char *key, uint64_t *index,
		      struct tims_err *err)
{
	sqlite3_stmt *st = a->st[AS_KEY_GET];
	int s;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*index = (uint64_t)sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		tims_mlog_db_err(a->log, "looking up an event key", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
}

/*
 * One event inside the open transaction: under `key` (if not NULL) unless
 * an event is there already (*existed = 1, *index is that one's).
 */
static tims_rc append_in(struct tims_audit *a, const char *key,
			 struct tims_audit_event *ev, uint64_t *index,
			 int *existed, struct tims_err *err)
{
	uint8_t salt[TIMS_AUDIT_SALT_BYTES], entry[TIMS_AUDIT_ENTRY_BYTES];
	uint8_t last[TIMS_AUDIT_ENTRY_BYTES];
	sqlite3_stmt *st = a->st[AS_INSERT];
	tims_hash leaf;
	uint64_t n;
	size_t llen;
	int64_t now, t;
	int k;
	tims_rc rc;

	*existed = 0;
	if (key && (k = key_lookup(a, key, index, err)) != 0) {
		if (k < 0)
			return err ? err->rc : TIMS_ERR_DB;
		*existed = 1;
		return TIMS_OK;
	}
	if ((rc = tims_mlog_last(a->log, &n, last, sizeof(last), &llen, err)))
		return rc;
	now = tims_mlog_now_ms();
	t = n ? audit_entry_time(last, llen) : INT64_MIN;
	ev->time_ms = now < t ? t : now; /* the clock stepped back: never go back */
	tims_buf_reset(&a->enc);
	if ((rc = audit_encode_checked(ev, &a->enc, err)))
		return rc;
	randombytes_buf(salt, sizeof(salt));
	tims_audit_entry(salt, a->enc.buf, a->enc.len, ev->time_ms, entry);
	tims_mlog_leaf_hash(entry, sizeof(entry), leaf);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_bind_blob(st, 2, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, a->enc.buf, (int)a->enc.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, entry, sizeof(entry), SQLITE_STATIC);
	rc = tims_mlog_step(a->log, st, "storing an event", err);
	sodium_memzero(salt, sizeof(salt));
	if (rc || (rc = tims_mlog_add(a->log, n, leaf, err)))
		return rc;
	if (key) {
		sqlite3_bind_text(a->st[AS_KEY_INS], 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(a->st[AS_KEY_INS], 2, (sqlite3_int64)n);
		if ((rc = tims_mlog_step(a->log, a->st[AS_KEY_INS],
					 "storing an event key", err)))
			return rc;
	}
	*index = n;
	return TIMS_OK;
}

/* n events (keys[i] may be NULL; keys NULL: none keyed) in one
 * transaction: all stored, or none (a->mu held). */
static tims_rc append_locked(struct tims_audit *a, const char *const *keys,
		      struct tims_audit_event *evs, size_t n, uint64_t *index,
		      int *existed, struct tims_err *err)
{
	uint64_t size = 0;
	size_t added = 0;
	int issued, committed, ex;
	tims_rc rc;

	if (!a->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "audit log opened without its key");
	/* Refuse bad input before taking the write lock: nothing is stored. */
	for (size_t i = 0; i < n; i++)
		if ((rc = tims_audit_event_check(&evs[i], err)))
			return rc;
	if ((rc = tims_mlog_begin(a->log, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = append_in(a, keys ? keys[i] : NULL, &evs[i], &index[i], &ex, err)))
			goto fail;
		if (existed)
			existed[i] = ex;
		if (!ex) {
			added++;
			size = index[i] + 1;
		}
	}
	if (!added) {
		tims_mlog_rollback(a->log); /* nothing new: no commit, no fsync */
		return TIMS_OK;
	}
	if (tims_mlog_due(a->log, TIMS_AUDIT_CHECKPOINT_MS) &&
	    (rc = tims_mlog_issue(a->log, size, &issued, err))) {
		if (rc != TIMS_ERR_UNAVAILABLE)
			goto fail;
		/* the key's token is away: the events are kept, their
		 * checkpoint waits for it (never one unsigned) */
		rc = TIMS_OK;
		tims_err_clear(err);
	}
	rc = tims_mlog_commit(a->log, &committed, err);
	if (!committed)
		goto fail;
	return rc; /* the events are durable even if the outside copy failed */
fail:
	tims_mlog_rollback(a->log);
	return rc;
}

static tims_rc append(struct tims_audit *a, const char *const *keys,
		      struct tims_audit_event *evs, size_t n, uint64_t *index,
		      int *existed, struct tims_err *err)
{
	tims_rc rc;

	audit_lock(a);
	rc = append_locked(a, keys, evs, n, index, existed, err);
	audit_unlock(a);
	if (!rc)
		audit_mark(a, 0, NULL); /* at most once a second; lagging is safe */
	return rc;
}

tims_rc tims_audit_append(struct tims_audit *a, struct tims_audit_event *ev,
			  uint64_t *index, struct tims_err *err)
{
	return append(a, NULL, ev, 1, index, NULL, err);
}

tims_rc tims_audit_append_once(struct tims_audit *a, const char *key,
			       struct tims_audit_event *ev, uint64_t *index,
			       int *existed, struct tims_err *err)
{
	if (!key || !*key || strlen(key) > TIMS_AUDIT_KEY_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "event key: 1 to %d bytes",
				    TIMS_AUDIT_KEY_MAX);
	if (!a->st[AS_KEY_GET])
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "audit log opened without its key");
	*existed = 0;
	return append(a, &key, ev, 1, index, existed, err);
}

tims_rc tims_audit_append_once_many(struct tims_audit *a, const char *const *keys,
				    struct tims_audit_event *evs, size_t n,
				    uint64_t *index, int *existed,
				    struct tims_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (!keys[i] || !*keys[i] || strlen(keys[i]) > TIMS_AUDIT_KEY_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "event key %zu: 1 to %d bytes", i,
					    TIMS_AUDIT_KEY_MAX);
	if (n > TIMS_AUDIT_MAX_BATCH)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%zu events, at most %d",
				    n, TIMS_AUDIT_MAX_BATCH);
	if (!a->st[AS_KEY_GET])
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "audit log opened without its key");
	return append(a, keys, evs, n, index, existed, err);
}

/* ---- group commit ---- */

/* A caller of tims_audit_append_group waiting for its group's commit. */
struct audit_waiter {
	struct tims_audit_event *ev;
	uint64_t index;
	tims_rc rc;
	struct tims_err err;
	int done;
	struct audit_waiter *next;
};

/* The leader: the group's events in one transaction; each member gets the
 * commit's outcome and its own index. */
static void commit_group(struct tims_audit *a, struct audit_waiter **g, size_t k)
{
	struct tims_audit_event *evs = calloc(k, sizeof(*evs));
	uint64_t *index = calloc(k, sizeof(*index));
	struct tims_err err;
	tims_rc rc;

	tims_err_clear(&err);
	if (!evs || !index) {
		rc = tims_err_set(&err, TIMS_ERR_NOMEM, "audit: out of memory");
	} else {
		for (size_t i = 0; i < k; i++)
			evs[i] = *g[i]->ev; /* query and result: the caller's, it waits */
		rc = append(a, NULL, evs, k, index, NULL, &err);
	}
	for (size_t i = 0; i < k; i++) {
		g[i]->rc = rc;
		g[i]->err = err;
		if (evs && index) {
			g[i]->index = index[i];
			g[i]->ev->time_ms = evs[i].time_ms;
		}
	}
	free(evs);
	free(index);
}

tims_rc tims_audit_append_group(struct tims_audit *a, struct tims_audit_event *ev,
				uint64_t *index, struct tims_err *err)
{
	struct audit_waiter w, *g[TIMS_AUDIT_GROUP_MAX];
	tims_rc rc;

	if (!a->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "audit log opened without its key");
	/* A bad event is refused alone, before it joins a group: a group's
	 * transaction then fails only as a whole (I/O, disk full). */
	if ((rc = tims_audit_event_check(ev, err)))
		return rc;
	memset(&w, 0, sizeof(w));
	w.ev = ev;
	pthread_mutex_lock(&a->gmu);
	*a->queue_tail = &w;
	a->queue_tail = &w.next;
	while (!w.done) {
		size_t k = 0;

		if (a->leading) {
			pthread_cond_wait(&a->gcond, &a->gmu);
			continue;
		}
		/* Lead: everyone waiting now is in this group. */
		a->leading = 1;
		while (a->queue && k < TIMS_AUDIT_GROUP_MAX) {
			g[k++] = a->queue;
			a->queue = a->queue->next;
		}
		if (!a->queue)
			a->queue_tail = &a->queue;
		a->groups++;
		a->grouped += k;
		pthread_mutex_unlock(&a->gmu);
		commit_group(a, g, k);
		pthread_mutex_lock(&a->gmu);
		for (size_t i = 0; i < k; i++)
			g[i]->done = 1; /* g[i] may be gone once gmu is released */
		a->leading = 0;
		pthread_cond_broadcast(&a->gcond);
	}
	pthread_mutex_unlock(&a->gmu);
	*index = w.index;
	if (w.rc && err)
		*err = w.err;
	return w.rc;
}

void tims_audit_group_stats(struct tims_audit *a, uint64_t *groups, uint64_t *events)
{
	pthread_mutex_lock(&a->gmu);
	*groups = a->groups;
	*events = a->grouped;
	pthread_mutex_unlock(&a->gmu);
}

const char *tims_audit_broken(const struct tims_audit *a)
{
	struct tims_audit *w = (struct tims_audit *)a; /* the lock only */
	const char *why;

	audit_lock(w);
	why = tims_mlog_broken(w->log);
	audit_unlock(w);
	return why;
}

tims_rc tims_audit_checkpoint(struct tims_audit *a, int *issued,
			      struct tims_err *err)
{
	tims_rc rc;

	*issued = 0;
	if (!a->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "audit log opened without its key");
	audit_lock(a);
	rc = tims_mlog_checkpoint(a->log, issued, err);
	audit_unlock(a);
	if (!rc && *issued)
		audit_mark(a, 0, NULL); /* at most once a second; lagging is safe */
	return rc;
}

tims_rc tims_audit_latest_checkpoint(struct tims_audit *a,
				     struct tims_buf *note,
				     struct tims_checkpoint *cp,
				     struct tims_err *err)
{
	tims_rc rc;

	audit_lock(a);
	rc = tims_mlog_latest_checkpoint(a->log, note, cp, err);
	audit_unlock(a);
	return rc;
}

tims_rc tims_audit_list(struct tims_audit *a, uint64_t from, uint64_t count,
			tims_audit_event_fn fn, void *ctx,
			struct tims_err *err)
{
	sqlite3_stmt *st = a->st[AS_LIST];
	tims_rc rc = TIMS_OK;
	int s = SQLITE_DONE;

	if (from > INT64_MAX)
		return TIMS_OK; /* nothing that far */
	audit_lock(a);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(count > INT64_MAX ? INT64_MAX : count));
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_audit_event ev;
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);

		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			struct tims_err e;

			if ((rc = tims_audit_event_decode(
				     sqlite3_column_blob(st, 1),
				     (size_t)sqlite3_column_bytes(st, 1), &ev, &e))) {
				rc = tims_err_set(err, TIMS_ERR_TAMPER,
						  "event %" PRIu64 ": does not decode "
						  "(altered; run 'tims audit verify'): %s",
						  idx, e.msg);
				break;
			}
		} else {
			/* Erased by retention: only the entry's time is left. */
			memset(&ev, 0, sizeof(ev));
			snprintf(ev.action, sizeof(ev.action), "erased");
			ev.crossing = -1;
			ev.time_ms = audit_entry_time(sqlite3_column_blob(st, 2),
						      (size_t)sqlite3_column_bytes(st, 2));
			if (ev.time_ms == INT64_MIN)
				ev.time_ms = 0;
		}
		if ((rc = fn(ctx, idx, &ev)))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = tims_mlog_db_err(a->log, "listing events", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	audit_unlock(a);
	return rc;
}

tims_rc tims_audit_erase(struct tims_audit *a, uint64_t index,
			 struct tims_err *err)
{
	uint64_t size;
	tims_rc rc;

	audit_lock(a);
	if ((rc = tims_mlog_size(a->log, &size, err)))
		goto out;
	if (index >= size) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "no event %" PRIu64, index);
		goto out;
	}
	sqlite3_bind_int64(a->st[AS_ERASE], 1, (sqlite3_int64)index);
	rc = tims_mlog_step(a->log, a->st[AS_ERASE], "erasing an event", err);
out:
	audit_unlock(a);
	return rc;
}

tims_rc tims_audit_raw(struct tims_audit *a, uint64_t from, uint64_t count,
		       tims_rc (*fn)(void *ctx, const struct tims_post_raw *r),
		       void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (from > INT64_MAX || count > INT64_MAX - from)
		return tims_err_set(err, TIMS_ERR_INVALID, "audit: range too large");
	audit_lock(a);
	if (sqlite3_prepare_v2(tims_mlog_db(a->log), "SELECT idx, entry, salt, body FROM events"
			       " WHERE idx >= ?1 AND idx < ?2 ORDER BY idx", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(a->log, "reading events", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(from + count));
	rc = tims_post_raw_rows(st, from, "audit.db", fn, ctx, err);
out:
	sqlite3_finalize(st);
	audit_unlock(a);
	return rc;
}

tims_rc tims_audit_with_tree(struct tims_audit *a,
			     tims_rc (*fn)(void *ctx, const struct tims_tlog_reader *r,
					   struct tims_err *err),
			     void *ctx, struct tims_err *err)
{
	struct tims_tlog_reader r;
	tims_rc rc;

	audit_lock(a);
	tims_mlog_reader(a->log, &r);
	rc = fn(ctx, &r, err);
	audit_unlock(a);
	return rc;
}

tims_rc tims_audit_size(struct tims_audit *a, uint64_t *size, struct tims_err *err)
{
	tims_rc rc;

	audit_lock(a);
	rc = tims_mlog_size(a->log, size, err);
	audit_unlock(a);
	return rc;
}

const char *tims_audit_origin(const struct tims_audit *a)
{
	return a->origin;
}
