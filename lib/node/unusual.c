/*
 * unusual.c — unusual reading at a post while it is offline (docs/alerts.md).
 *
 * The centre evaluates every post's audit log once it is mirrored there;
 * a post cut off from the centre would leave an insider unwatched for as
 * long as the outage lasts. So a thread of the node reads its own audit
 * log every interval through the same rules (tims/alert.h, DIR/alert-
 * rules.conf) and, while its sync state is not online, queues what fires
 * as an unusual-reading event (node_event; delivered when the centre is
 * back, which opens the alert from it). While online it only learns: the
 * centre alerts (no double alert; the event names the alert's key, which
 * the centre opens once either way).
 *
 * DIR/alerts.db keeps the cursor into the audit log and the alerts this
 * post fired (key, line, raised), so a restart neither re-raises nor
 * misses; the status route shows the last ones raised.
 */
#include <sqlite3.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/schema.h"
#include "tims/alert.h"
#include "tims/event.h"
#include "tims/mlog.h"
#include "internal.h"

#define BATCH 2048
#define FIRED_MAX 1024
#define STATUS_MAX 20

struct node_unusual {
	struct tims_node *n;
	struct tims_alert_config cfg;
	struct tims_alert_engine *e;
	struct tims_audit *audit;  /* a reading handle of its own: no request
				      waits on the reads of the evaluation */
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;   /* stop, cond; db for the status route */
	pthread_cond_t cond;
	int stop, running, warmed;
	struct tims_alert fired[FIRED_MAX];
	size_t nfired;
	uint64_t next;
};

static tims_rc db_err(struct node_unusual *u, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s/alerts.db: %s: %s", u->n->dir, what,
			    sqlite3_errmsg(u->db));
}

static tims_rc collect(void *ctx, const struct tims_alert *a)
{
	struct node_unusual *u = ctx;

	if (u->nfired < FIRED_MAX)
		u->fired[u->nfired++] = *a;
	return TIMS_OK;
}

struct feed_ctx {
	struct node_unusual *u;
	uint64_t next;
};

static tims_rc feed_one(void *ctx, uint64_t idx, const struct tims_audit_event *ev)
{
	struct feed_ctx *f = ctx;
	tims_rc rc = tims_alert_feed(f->u->e, tims_post_origin(f->u->n->post),
				     idx, ev, ev->time_ms, collect, f->u);

	if (!rc)
		f->next = idx + 1;
	return rc;
}

static int centre_online(struct tims_node *n)
{
	json_t *s;
	int on;

	pthread_mutex_lock(&n->lock);
	s = node_sync_status(n);
	pthread_mutex_unlock(&n->lock);
	on = s && !strcmp(json_string_value(json_object_get(s, "state")) ?
			  json_string_value(json_object_get(s, "state")) : "", "online");
	json_decref(s);
	return on;
}

/* Queue the alert for the centre: its key and severity first, then the
 * line (lib/centre/alerts.c reads them back). */
static tims_rc raise_one(struct node_unusual *u, const struct tims_alert *a, const char *line,
			 struct tims_err *err)
{
	struct tims_event *ev = malloc(sizeof(*ev));
	tims_rc rc;

	if (!ev)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	tims_event_init(ev);
	ev->kind = TIMS_EVENT_UNUSUAL_READING;
	ev->time_ms = a->time_ms > 0 ? a->time_ms : 0;
	snprintf(ev->officer, sizeof(ev->officer), "%s", a->officer);
	snprintf(ev->detail, sizeof(ev->detail), "key=%s\nseverity=%s\n%s", a->key,
		 a->severity == TIMS_ALERT_SEVERE ? "severe" : "notice", line);
	rc = node_event(u->n, ev, err);
	free(ev);
	return rc;
}

/* The batch's alerts (raised while offline) and the cursor past it. */
static tims_rc commit(struct node_unusual *u, uint64_t next, int online, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&u->lock);
	if (sqlite3_exec(u->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(u, "begin", err);
		goto out;
	}
	for (size_t i = 0; i < u->nfired && !rc; i++) {
		char line[700];

		tims_alert_describe(&u->fired[i], line, sizeof(line));
		if (sqlite3_prepare_v2(u->db, "INSERT OR IGNORE INTO fired (key, time_ms, raised,"
				       " line) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK) {
			rc = db_err(u, "fired", err);
			break;
		}
		sqlite3_bind_text(st, 1, u->fired[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, u->fired[i].time_ms);
		sqlite3_bind_int(st, 3, !online);
		sqlite3_bind_text(st, 4, line, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(u, "fired", err);
		else if (!online && sqlite3_changes(u->db)) {
			/* queued durably in post.db before the cursor moves: a
			 * crash in between raises it again under the same key,
			 * which the centre opens once */
			rc = raise_one(u, &u->fired[i], line, err);
			if (!rc)
				node_log(u->n, "alert: unusual-reading raised offline: %s", line);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (!rc && sqlite3_prepare_v2(u->db, "INSERT INTO cursor (log, next) VALUES ('audit', ?1)"
				      " ON CONFLICT (log) DO UPDATE SET next = excluded.next", -1, &st,
				      NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)next);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(u, "cursor", err);
		sqlite3_finalize(st);
	}
	if (!rc && sqlite3_exec(u->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(u, "commit", err);
	if (rc)
		sqlite3_exec(u->db, "ROLLBACK", NULL, NULL, NULL);
	else
		u->next = next;
out:
	pthread_mutex_unlock(&u->lock);
	u->nfired = 0;
	return rc;
}

static void evaluate(struct node_unusual *u)
{
	struct tims_node *n = u->n;
	int online = centre_online(n);
	struct feed_ctx f = { u, u->next };
	struct tims_err err;
	uint64_t cur = u->next;
	tims_rc rc = TIMS_OK;

	err.msg[0] = '\0';
	if (!u->warmed) {
		uint64_t from = cur > u->cfg.warm_events ? cur - u->cfg.warm_events : 0;

		tims_alert_engine_quiet(u->e, 1);
		while (from < cur && !rc) {
			f.next = from;
			rc = tims_audit_list(u->audit, from, cur - from < BATCH ? cur - from : BATCH,
					     feed_one, &f, &err);
			if (f.next == from)
				break;
			from = f.next;
		}
		tims_alert_engine_quiet(u->e, 0);
		u->nfired = 0;
		u->warmed = 1;
	}
	while (!rc) {
		f.next = cur;
		if ((rc = tims_audit_list(u->audit, cur, BATCH, feed_one, &f, &err)))
			break;
		if (f.next == cur)
			break;
		if ((rc = commit(u, f.next, online, &err)))
			break;
		cur = f.next;
	}
	if (!rc && !tims_alert_tick(u->e, tims_mlog_now_ms(), collect, u) && u->nfired)
		rc = commit(u, cur, online, &err);
	if (rc)
		node_log(n, "alerts: %s", tims_err_msg(&err));
}

static void *unusual_main(void *arg)
{
	struct node_unusual *u = arg;

	pthread_mutex_lock(&u->lock);
	while (!u->stop) {
		struct timespec ts;

		pthread_mutex_unlock(&u->lock);
		evaluate(u);
		pthread_mutex_lock(&u->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)u->cfg.interval_s;
		while (!u->stop && pthread_cond_timedwait(&u->cond, &u->lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&u->lock);
	return NULL;
}

tims_rc node_unusual_start(struct tims_node *n, struct tims_err *err)
{
	struct node_unusual *u = calloc(1, sizeof(*u));
	uint8_t key[TIMS_ALERT_KEY_BYTES];
	char path[4200];
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (!u)
		return tims_err_set(err, TIMS_ERR_NOMEM, "alerts: out of memory");
	u->n = n;
	snprintf(path, sizeof(path), "%s/alerts.db", n->dir);
	if ((rc = tims_alert_config_load(n->dir, &u->cfg, err)) || (rc = tims_alert_key_load(n->dir, key, err)))
		goto fail;
	rc = tims_alert_engine_new(&u->cfg, key, 0, &u->e, err);
	sodium_memzero(key, sizeof(key));
	if (rc || (rc = tims_audit_open(n->dir, TIMS_AUDIT_READ, &u->audit, err)))
		goto fail;
	if (sqlite3_open_v2(path, &u->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(u->db, 5000) != SQLITE_OK ||
	    /* schema version (tims/schema.h): a newer one refused untouched */
	    (rc = tims_schema_check(u->db, path, TIMS_SCHEMA_ALERTS, NULL, err)) ||
	    sqlite3_exec(u->db, "PRAGMA journal_mode=WAL;"
			 "CREATE TABLE IF NOT EXISTS cursor (log TEXT PRIMARY KEY, next INTEGER NOT NULL);"
			 "CREATE TABLE IF NOT EXISTS fired (key TEXT PRIMARY KEY, time_ms INTEGER NOT NULL,"
			 " raised INTEGER NOT NULL, line TEXT NOT NULL);", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = u->db ? db_err(u, "open", err) : tims_err_set(err, TIMS_ERR_NOMEM,
									  "%s: cannot open", path);
		goto fail;
	}
	if ((rc = tims_schema_set(u->db, path, TIMS_SCHEMA_ALERTS, err)))
		goto fail;
	chmod(path, 0600);
	if (sqlite3_prepare_v2(u->db, "SELECT next FROM cursor WHERE log = 'audit'", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		u->next = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	if (pthread_create(&u->thread, NULL, unusual_main, u) != 0) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "alerts: cannot start the thread");
		pthread_mutex_destroy(&u->lock);
		pthread_cond_destroy(&u->cond);
		goto fail;
	}
	u->running = 1;
	n->unusual = u;
	return TIMS_OK;
fail:
	tims_alert_engine_free(u->e);
	tims_audit_free(u->audit);
	sqlite3_close(u->db);
	free(u);
	return rc;
}

void node_unusual_stop(struct tims_node *n)
{
	struct node_unusual *u = n->unusual;

	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->stop = 1;
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
	if (u->running)
		pthread_join(u->thread, NULL);
	tims_alert_engine_free(u->e);
	tims_audit_free(u->audit);
	sqlite3_close(u->db);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->cond);
	free(u);
	n->unusual = NULL;
}

json_t *node_unusual_status(struct tims_node *n)
{
	struct node_unusual *u = n->unusual;
	sqlite3_stmt *st = NULL;
	json_t *list, *o;

	if (!u)
		return json_null();
	if (!(list = json_array()))
		return NULL;
	pthread_mutex_lock(&u->lock);
	if (sqlite3_prepare_v2(u->db, "SELECT time_ms, line FROM fired WHERE raised = 1"
			       " ORDER BY rowid DESC LIMIT ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, STATUS_MAX);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, json_pack("{s:I, s:s}", "time_ms",
				(json_int_t)sqlite3_column_int64(st, 0), "alert",
				(const char *)sqlite3_column_text(st, 1)));
	}
	sqlite3_finalize(st);
	o = json_pack("{s:I, s:I, s:o}", "interval_s", (json_int_t)u->cfg.interval_s,
		      "audit_read_to", (json_int_t)u->next, "raised_offline", list);
	pthread_mutex_unlock(&u->lock);
	return o;
}
