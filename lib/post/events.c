/*
 * events.c — the post's queue of events for the centre (tims/post.h,
 * "Events for the centre"; the events themselves: tims/event.h).
 *
 * An event is stored in post.db, in the event_queue table, before
 * tims_post_event_add returns (its own transaction, committed with
 * synchronous=FULL: a crash after the return does not lose it), and gets
 * the next number of a sequence that never goes back (AUTOINCREMENT: a
 * number is never given twice, also after delivered rows are deleted).
 * That number is how the centre recognises an event it already holds, so
 * a resend after a lost answer, or a replay, is stored once.
 *
 * Delivered rows are kept TIMS_POST_EVENT_KEEP_MS (for an operator to see
 * what left and when), then deleted by the next delivery mark. Nothing in
 * the table is part of the log: it is not signed and tims_post_verify does
 * not look at it.
 *
 * The queue has its own connection to post.db (so that it never joins a
 * transaction of the log's) and its own lock: the node's request threads
 * add, its sync thread lists and marks.
 *
 * Events name travellers and hits: the JSON is sealed by the post's vault
 * (associated data "post.event_queue/KIND/TIME_MS", the row's clear
 * columns). Adding works without the token; listing an event another
 * process sealed waits for it (TIMS_ERR_UNAVAILABLE, the event stays
 * pending).
 */
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "tims/event.h"
#include <sodium.h>

#include "tims/post.h"
#include "tims/util.h"
#include "tims/vault.h"

static const char queue_schema[] =
	"CREATE TABLE IF NOT EXISTS event_queue ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT," /* the post-unique sequence number */
	" kind INTEGER NOT NULL,"                 /* enum tims_event_kind */
	" time_ms INTEGER NOT NULL,"              /* when it happened */
	" added_ms INTEGER NOT NULL,"             /* when it was queued */
	" event BLOB NOT NULL,"                   /* tims_event_json, without seq, sealed */
	" delivered_ms INTEGER);"                 /* when the centre confirmed it */
	"CREATE INDEX IF NOT EXISTS event_queue_pending ON event_queue (seq)"
	" WHERE delivered_ms IS NULL;";

enum { Q_ADD, Q_PENDING, Q_MARK, Q_PURGE, Q_STATS, Q_COUNT };

static const char *const queue_sql[Q_COUNT] = {
	[Q_ADD] = "INSERT INTO event_queue (kind, time_ms, added_ms, event)"
		  " VALUES (?1, ?2, ?3, ?4)",
	[Q_PENDING] = "SELECT seq, event, kind, time_ms FROM event_queue WHERE delivered_ms IS NULL"
		      " ORDER BY seq LIMIT ?1",
	[Q_MARK] = "UPDATE event_queue SET delivered_ms = ?2"
		   " WHERE seq <= ?1 AND delivered_ms IS NULL",
	[Q_PURGE] = "DELETE FROM event_queue WHERE delivered_ms IS NOT NULL"
		    " AND delivered_ms < ?1",
	[Q_STATS] = "SELECT (SELECT COUNT(*) FROM event_queue WHERE delivered_ms IS NULL),"
		    " (SELECT MIN(added_ms) FROM event_queue WHERE delivered_ms IS NULL),"
		    " (SELECT COUNT(*) FROM event_queue WHERE delivered_ms IS NOT NULL),"
		    " (SELECT MAX(delivered_ms) FROM event_queue),"
		    " (SELECT COALESCE(MAX(seq), 0) FROM event_queue)",
};

struct tims_post_events {
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *st[Q_COUNT];
	struct tims_vault *vault;
	char path[4200];
};

static void event_ad(char *ad, size_t cap, int kind, int64_t time_ms)
{
	snprintf(ad, cap, "post.event_queue/%d/%" PRId64, kind, time_ms);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static tims_rc db_err(struct tims_post_events *q, const char *what, struct tims_err *err)
{
	return tims_err_set(err, sqlite3_errcode(q->db) == SQLITE_FULL ? TIMS_ERR_FULL
									: TIMS_ERR_DB,
			    "%s: event queue: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

tims_rc tims_post_events_open(const char *dir, struct tims_post_events **out,
			      struct tims_err *err)
{
	struct tims_post_events *q = calloc(1, sizeof(*q));
	tims_rc rc = TIMS_OK;

	*out = NULL;
	if (!q)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&q->lock, NULL);
	if (snprintf(q->path, sizeof(q->path), "%s/post.db", dir) >= (int)sizeof(q->path)) {
		tims_post_events_close(q);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	}
	if (access(q->path, F_OK) != 0) {
		tims_post_events_close(q);
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not a post directory", dir);
	}
	if ((rc = tims_vault_open(dir, &q->vault, err))) {
		tims_post_events_close(q);
		return rc;
	}
	/* The log's writer may hold post.db for a commit: wait for it. */
	if (sqlite3_open_v2(q->path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(q->db, 10000) != SQLITE_OK ||
	    sqlite3_exec(q->db, "PRAGMA synchronous=FULL;PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(q->db, queue_schema, NULL, NULL, NULL) != SQLITE_OK) {
		rc = q->db ? db_err(q, "opening", err)
			   : tims_err_set(err, TIMS_ERR_NOMEM, "%s: cannot open", q->path);
		goto fail;
	}
	for (int i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(q->db, queue_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &q->st[i], NULL) != SQLITE_OK) {
			rc = db_err(q, "preparing", err);
			goto fail;
		}
	*out = q;
	return TIMS_OK;
fail:
	tims_post_events_close(q);
	return rc;
}

void tims_post_events_close(struct tims_post_events *q)
{
	if (!q)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	tims_vault_close(q->vault);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

tims_rc tims_post_event_add(struct tims_post_events *q, const struct tims_event *ev,
			    uint64_t *seq, struct tims_err *err)
{
	struct tims_event *e = malloc(sizeof(*e));
	sqlite3_stmt *st = q->st[Q_ADD];
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_EVENT_JSON_MAX + TIMS_VAULT_OVERHEAD);
	char *text = NULL;
	json_t *j = NULL;
	tims_rc rc;

	if (seq)
		*seq = 0;
	if (!e)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	*e = *ev;
	if (!e->time_ms)
		e->time_ms = now_ms();
	if ((rc = tims_event_check(e, err)))
		goto out;
	if (!(j = tims_event_json(e, 0)) ||
	    !(text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "event: out of memory");
		goto out;
	}
	if (strlen(text) > TIMS_EVENT_JSON_MAX) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "event: more than %d bytes as JSON",
				  TIMS_EVENT_JSON_MAX);
		goto out;
	}
	{
		char ad[64];

		event_ad(ad, sizeof(ad), e->kind, e->time_ms);
		if ((rc = tims_vault_seal(q->vault, e->time_ms, ad, strlen(ad), text, strlen(text),
					  &sealed, err)))
			goto out;
	}
	pthread_mutex_lock(&q->lock);
	sqlite3_bind_int(st, 1, e->kind);
	sqlite3_bind_int64(st, 2, e->time_ms);
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_blob(st, 4, sealed.buf, (int)sealed.len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(q, "adding an event", err);
	else if (seq)
		*seq = (uint64_t)sqlite3_last_insert_rowid(q->db);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&q->lock);
out:
	if (text)
		sodium_memzero(text, strlen(text));
	free(text);
	tims_buf_release(&sealed);
	json_decref(j);
	free(e);
	return rc;
}

tims_rc tims_post_events_pending(struct tims_post_events *q, size_t max,
				 tims_post_event_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_event *e = malloc(sizeof(*e));
	sqlite3_stmt *st = q->st[Q_PENDING];
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_EVENT_JSON_MAX + 1);
	tims_rc rc = TIMS_OK;
	int s = SQLITE_DONE;

	if (!e)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&q->lock);
	sqlite3_bind_int64(st, 1, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
		json_t *j = NULL;
		struct tims_err e2;
		char ad[64];

		/* in order: an event that cannot be opened now stops the list
		 * (the centre takes them by sequence number) */
		event_ad(ad, sizeof(ad), sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3));
		tims_buf_reset(&plain);
		if ((rc = tims_vault_open_blob(q->vault, ad, strlen(ad), sqlite3_column_blob(st, 1),
					       (size_t)sqlite3_column_bytes(st, 1), &plain, &e2))) {
			rc = tims_err_set(err, rc, "%s: event %" PRIu64 " in the queue: %s", q->path,
					  seq, e2.msg);
			break;
		}
		j = json_loadb(plain.buf, plain.len, JSON_REJECT_DUPLICATES, NULL);
		if (!j || tims_event_from_json(j, e, NULL, &e2))
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "%s: event %" PRIu64
					  " in the queue does not read back: %s", q->path, seq,
					  j ? e2.msg : "not JSON");
		else
			rc = fn(ctx, seq, e);
		json_decref(j);
	}
	if (!rc && s != SQLITE_DONE)
		rc = db_err(q, "reading the queue", err);
	sqlite3_reset(st);
	pthread_mutex_unlock(&q->lock);
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	free(e);
	return rc;
}

tims_rc tims_post_events_delivered(struct tims_post_events *q, uint64_t upto,
				   struct tims_err *err)
{
	int64_t t = now_ms();
	tims_rc rc = TIMS_OK;

	if (upto > (uint64_t)INT64_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "delivered: out of range");
	pthread_mutex_lock(&q->lock);
	if (sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(q, "marking delivered", err);
		goto out;
	}
	sqlite3_bind_int64(q->st[Q_MARK], 1, (sqlite3_int64)upto);
	sqlite3_bind_int64(q->st[Q_MARK], 2, t);
	sqlite3_bind_int64(q->st[Q_PURGE], 1, t - TIMS_POST_EVENT_KEEP_MS);
	if (sqlite3_step(q->st[Q_MARK]) != SQLITE_DONE ||
	    sqlite3_step(q->st[Q_PURGE]) != SQLITE_DONE)
		rc = db_err(q, "marking delivered", err);
	sqlite3_reset(q->st[Q_MARK]);
	sqlite3_reset(q->st[Q_PURGE]);
	if (rc || sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = db_err(q, "marking delivered", err);
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	}
out:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

tims_rc tims_post_events_stats(struct tims_post_events *q, struct tims_post_events_stats *s,
			       struct tims_err *err)
{
	sqlite3_stmt *st = q->st[Q_STATS];
	tims_rc rc = TIMS_OK;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&q->lock);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->pending = (uint64_t)sqlite3_column_int64(st, 0);
		s->oldest_pending_ms = sqlite3_column_int64(st, 1);
		s->delivered_kept = (uint64_t)sqlite3_column_int64(st, 2);
		s->last_delivered_ms = sqlite3_column_int64(st, 3);
		s->last_seq = (uint64_t)sqlite3_column_int64(st, 4);
	} else {
		rc = db_err(q, "counting", err);
	}
	sqlite3_reset(st);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

tims_rc tims_post_events_count(struct tims_post_events *q, int64_t from_ms, int64_t to_ms,
			       uint64_t counts[TIMS_POST_EVENT_KINDS], struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	memset(counts, 0, sizeof(uint64_t) * TIMS_POST_EVENT_KINDS);
	pthread_mutex_lock(&q->lock);
	if (sqlite3_prepare_v2(q->db, "SELECT kind, COUNT(*) FROM event_queue"
			       " WHERE time_ms >= ?1 AND time_ms < ?2 GROUP BY kind", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = db_err(q, "counting events", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t kind = sqlite3_column_int64(st, 0);

		if (kind >= 0 && kind < TIMS_POST_EVENT_KINDS)
			counts[kind] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	if (s != SQLITE_DONE)
		rc = db_err(q, "counting events", err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->lock);
	return rc;
}
