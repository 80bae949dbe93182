/*
 * alerts.c — unusual reading at the centre (docs/alerts.md): a thread of
 * `tims centre serve` reads, every interval, the new audit events of the
 * centre's own log and of every post's mirrored log, runs them through the
 * rule engine (tims/alert.h) and opens the alerts it fires in centre.db's
 * alerts table, kind "unusual-reading", severe or not per rule.
 *
 * Nothing is read twice nor missed across restarts: a cursor per log
 * (alert_cursors) moves in the same transaction as the alerts that log's
 * events fired, and every alert is opened once under its key
 * (alert_fired: rule, officer, window), so re-reading the events before the
 * cursor at start (to learn the usual rates again; quiet) opens nothing,
 * and an alert a post raised while offline (events.c) is not opened again
 * when its audit log reaches the centre.
 */
#include <sodium.h>

#include "tims/alert.h"
#include "tims/util.h"
#include "internal.h"

#define BATCH 2048
#define OWN "" /* the centre's own audit log */
#define PENDING_MAX 4096

struct centre_alerts {
	struct tims_centre *c;
	struct tims_alert_config cfg;
	struct tims_alert_engine *e;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop, running, warmed;
	/* what a batch fired, opened with its cursor */
	struct tims_alert *fired;
	size_t nfired;
	uint64_t opened;                 /* alerts opened since start */
};

/* A line for the process log at a level of tims/log.h. */
static void say(struct centre_alerts *a, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct centre_alerts *a, int level, const char *fmt, ...)
{
	struct tims_log_line l;
	va_list ap;

	if (!a->log)
		return;
	tims_log_begin(&l, level, NULL);
	va_start(ap, fmt);
	tims_log_vaddf(&l, "msg", fmt, ap);
	va_end(ap);
	a->log(a->log_ctx, tims_log_text(&l));
}

/* --- centre.db ----------------------------------------------------------- */

static int has_column(sqlite3 *db, const char *table, const char *col)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int found = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (!found && sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_text(st, 1) && !strcmp((const char *)sqlite3_column_text(st, 1), col);
	sqlite3_finalize(st);
	return found;
}

tims_rc centre_alerts_schema(struct tims_centre *c, struct tims_err *err)
{
	static const char *const cols[] = {
		/* NULL: severe by kind (tims_centre_severe); else as the rule says */
		"severe INTEGER", "assigned_to TEXT", "assigned_by TEXT", "assigned_ms INTEGER",
		"closed_ms INTEGER", "closed_by TEXT", "note TEXT",
	};
	char sql[160];

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(cols); i++) {
		char name[32];
		size_t n = strcspn(cols[i], " ");

		snprintf(name, sizeof(name), "%.*s", (int)n, cols[i]);
		if (has_column(c->db, "alerts", name))
			continue;
		snprintf(sql, sizeof(sql), "ALTER TABLE alerts ADD COLUMN %s", cols[i]);
		if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return centre_db_err(c, "alerts: adding the queue's columns", err);
	}
	if (sqlite3_exec(c->db,
			 "CREATE TABLE IF NOT EXISTS alert_cursors (log TEXT PRIMARY KEY,"
			 " next INTEGER NOT NULL);"
			 "CREATE TABLE IF NOT EXISTS alert_fired (key TEXT PRIMARY KEY,"
			 " time_ms INTEGER NOT NULL, alert INTEGER);",
			 NULL, NULL, NULL) != SQLITE_OK)
		return centre_db_err(c, "alerts: cursors", err);
	return TIMS_OK;
}

/* Open (or count into) the alert of a fired rule; db_lock held, inside a
 * transaction. 0: already opened under that key. */
static tims_rc open_alert(struct tims_centre *c, const char *key, const char *origin,
			  const char *detail, int severe, int64_t now, int *opened,
			  struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t ev = 0, id = 0;
	tims_rc rc = TIMS_OK;

	*opened = 0;
	if (key && *key) {
		if (sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO alert_fired (key, time_ms)"
				       " VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
			return centre_db_err(c, "alerts: fired", err);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = centre_db_err(c, "alerts: fired", err);
		sqlite3_finalize(st);
		st = NULL;
		if (rc || !sqlite3_changes(c->db))
			return rc;
	}
	if (sqlite3_prepare_v2(c->db, "INSERT INTO events (time_ms, kind, origin, detail)"
			       " VALUES (?1, 'unusual-reading', ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "alerts: event", err);
	sqlite3_bind_int64(st, 1, now);
	if (*origin)
		sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, detail, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "alerts: event", err);
	else
		ev = sqlite3_last_insert_rowid(c->db);
	sqlite3_finalize(st);
	st = NULL;
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO alerts (kind, origin, detail, count, first_ms,"
			       " last_ms, last_event, severe) VALUES ('unusual-reading', ?1, ?2, 1, ?3,"
			       " ?3, ?4, ?5) ON CONFLICT (kind, origin, detail) WHERE acked_ms IS NULL"
			       " DO UPDATE SET count = count + 1, last_ms = excluded.last_ms,"
			       " last_event = excluded.last_event RETURNING id", -1, &st,
			       NULL) != SQLITE_OK)
		return centre_db_err(c, "alerts: alert", err);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, ev);
	sqlite3_bind_int(st, 5, severe);
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = centre_db_err(c, "alerts: alert", err);
	else
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (!rc && key && *key &&
	    sqlite3_prepare_v2(c->db, "UPDATE alert_fired SET alert = ?2 WHERE key = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	*opened = !rc;
	return rc;
}

/*
 * A post's unusual-reading event (events.c, db_lock held, in its
 * transaction): its detail is "key=KEY\nseverity=severe|notice\nLINE"
 * (lib/node/unusual.c). The alert is opened unless the centre opened that
 * key of that post's log itself; *severe (as the centre's configuration
 * says for the rule) and line say what to open.
 */
int centre_alerts_post_event(struct tims_centre *c, const char *origin, const char *detail,
			     int *severe, char *line, size_t cap)
{
	const char *p = detail, *nl;
	char key[TIMS_NOTE_MAX_NAME + 200] = "", rule[32];
	sqlite3_stmt *st = NULL;
	unsigned r;
	int fresh = 1;

	*severe = 1;
	snprintf(line, cap, "%s", detail);
	if (!strncmp(p, "key=", 4) && (nl = strchr(p, '\n')) && (size_t)(nl - p - 4) < 160) {
		/* the post's own log's keys only: a post cannot stand for
		 * another's, nor for the centre's */
		snprintf(key, sizeof(key), "%s|%.*s", origin, (int)(nl - p - 4), p + 4);
		p = nl + 1;
		if (!strncmp(p, "severity=", 9) && (nl = strchr(p, '\n'))) {
			*severe = !strncmp(p + 9, "severe\n", 7);
			p = nl + 1;
		}
		snprintf(line, cap, "%s", p);
	}
	/* the centre's configuration says how severe a rule is, not the post */
	snprintf(rule, sizeof(rule), "%.*s", (int)strcspn(line, " "), line);
	if (c->alerts && (r = tims_alert_rule_parse(rule)))
		*severe = c->alerts->cfg.rule[r].severity == TIMS_ALERT_SEVERE;
	if (!key[0])
		return 1;
	if (sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO alert_fired (key, time_ms)"
			       " VALUES (?1, ?2)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
		if (sqlite3_step(st) == SQLITE_DONE)
			fresh = sqlite3_changes(c->db) > 0;
		sqlite3_finalize(st);
	}
	return fresh;
}

static tims_rc cursor_get(struct tims_centre *c, const char *log, uint64_t *next,
			  struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	*next = 0;
	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT next FROM alert_cursors WHERE log = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		rc = centre_db_err(c, "alerts: cursor", err);
	else {
		sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			*next = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

/* The alerts a batch fired, and the cursor past it, in one transaction. */
static tims_rc commit(struct centre_alerts *a, const char *log, const char *origin,
		      int move, uint64_t next, struct tims_err *err)
{
	struct tims_centre *c = a->c;
	int64_t now = tims_mlog_now_ms();
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	size_t opened = 0;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "alerts: begin", err);
		goto out;
	}
	for (size_t i = 0; i < a->nfired && !rc; i++) {
		char line[700], org[TIMS_NOTE_MAX_NAME + 1], key[TIMS_NOTE_MAX_NAME + 200];
		int o;

		tims_alert_describe(&a->fired[i], line, sizeof(line));
		/* the tick's alerts (origin NULL): the engine knows posts by origin */
		snprintf(org, sizeof(org), "%s", origin ? origin : a->fired[i].post);
		snprintf(key, sizeof(key), "%s|%s", org, a->fired[i].key);
		rc = open_alert(c, key, org, line,
				a->fired[i].severity == TIMS_ALERT_SEVERE, now, &o, err);
		opened += (size_t)o;
	}
	if (!rc && move) {
		if (sqlite3_prepare_v2(c->db, "INSERT INTO alert_cursors (log, next) VALUES (?1, ?2)"
				       " ON CONFLICT (log) DO UPDATE SET next = excluded.next", -1,
				       &st, NULL) != SQLITE_OK)
			rc = centre_db_err(c, "alerts: cursor", err);
		else {
			sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = centre_db_err(c, "alerts: cursor", err);
		}
		sqlite3_finalize(st);
	}
	if (!rc && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = centre_db_err(c, "alerts: commit", err);
	if (rc)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&c->db_lock);
	if (!rc) {
		a->opened += opened;
		for (size_t i = 0; i < a->nfired; i++) {
			char line[700];

			tims_alert_describe(&a->fired[i], line, sizeof(line));
			say(a, TIMS_LOG_NOTICE, "alert: unusual-reading %s", line);
		}
	}
	a->nfired = 0;
	return rc;
}

/* --- reading the logs ------------------------------------------------------ */

static tims_rc collect(void *ctx, const struct tims_alert *al)
{
	struct centre_alerts *a = ctx;

	if (a->nfired >= PENDING_MAX)
		return TIMS_OK; /* a flood: the rest of the batch's alerts are counted */
	a->fired[a->nfired++] = *al;
	return TIMS_OK;
}

struct feed_ctx {
	struct centre_alerts *a;
	const char *post;
	uint64_t next;
	int64_t now;
};

static tims_rc feed_one(void *ctx, const char *post, uint64_t idx,
			const struct tims_audit_event *ev)
{
	struct feed_ctx *f = ctx;
	tims_rc rc = tims_alert_feed(f->a->e, f->post, idx, ev, f->now, collect, f->a);

	(void)post; /* the name; the engine has the origin */

	if (!rc)
		f->next = idx + 1;
	return rc;
}

/* The audit events of a log (the centre's own: post "") from `from`, at most
 * max, in order (contract C2: lib/centre/ingest.c's mirrors). */
static tims_rc scan(struct centre_alerts *a, const char *post, uint64_t from, size_t max,
		    struct feed_ctx *f, struct tims_err *err)
{
	return centre_audit_scan(a->c, post, from, max, feed_one, f, err);
}

/* One log: re-read quietly up to its cursor once (learning), then the new
 * events, batch by batch, each batch's alerts with its cursor. */
static tims_rc run_log(struct centre_alerts *a, const char *name, const char *origin,
		       struct tims_err *err)
{
	/* the engine knows a post by its origin, as the post's own does */
	struct feed_ctx f = { a, *name ? origin : "", 0, tims_mlog_now_ms() };
	char log[TIMS_NOTE_MAX_NAME + 8];
	uint64_t cur;
	tims_rc rc;

	snprintf(log, sizeof(log), "%s", *name ? origin : "centre");
	if ((rc = cursor_get(a->c, log, &cur, err)))
		return rc;
	if (!a->warmed && cur) {
		uint64_t from = cur > a->cfg.warm_events ? cur - a->cfg.warm_events : 0;

		tims_alert_engine_quiet(a->e, 1);
		while (from < cur && !rc) {
			size_t max = cur - from < BATCH ? (size_t)(cur - from) : BATCH;

			f.next = from;
			rc = scan(a, name, from, max, &f, err);
			if (f.next == from)
				break;
			from = f.next;
		}
		tims_alert_engine_quiet(a->e, 0);
		a->nfired = 0;
		if (rc)
			return rc;
	}
	for (;;) {
		f.next = cur;
		if ((rc = scan(a, name, cur, BATCH, &f, err)))
			break;
		if (f.next == cur && !a->nfired)
			break;
		if ((rc = commit(a, log, origin, f.next != cur, f.next, err)))
			break;
		if (f.next == cur)
			break;
		cur = f.next;
	}
	return rc;
}

struct post_list {
	size_t n;
	char name[CENTRE_MAX_POSTS][TIMS_CENTRE_NAME_MAX + 1];
	char origin[CENTRE_MAX_POSTS][TIMS_NOTE_MAX_NAME + 1];
};

static tims_rc list_post(void *ctx, const struct tims_centre_post *p)
{
	struct post_list *l = ctx;

	if (l->n < CENTRE_MAX_POSTS) {
		snprintf(l->name[l->n], sizeof(l->name[0]), "%s", p->name);
		snprintf(l->origin[l->n], sizeof(l->origin[0]), "%s", p->origin);
		l->n++;
	}
	return TIMS_OK;
}

static void evaluate(struct centre_alerts *a)
{
	struct post_list *l = calloc(1, sizeof(*l));
	struct tims_err err;

	if (!l)
		return;
	err.msg[0] = '\0';
	if (run_log(a, OWN, "", &err))
		say(a, TIMS_LOG_WARNING, "alerts: the centre's audit log: %s", err.msg);
	if (!tims_centre_posts(a->c, list_post, l, &err))
		for (size_t i = 0; i < l->n; i++) {
			err.msg[0] = '\0';
			if (run_log(a, l->name[i], l->origin[i], &err))
				say(a, TIMS_LOG_WARNING, "alerts: post %s: %s", l->name[i], err.msg);
		}
	a->warmed = 1;
	/* checks whose binding window ended: their alerts, no cursor moves */
	if (!tims_alert_tick(a->e, tims_mlog_now_ms(), collect, a) && a->nfired) {
		/* the tick's alerts: each row under its post's origin */
		if (commit(a, "", NULL, 0, 0, &err))
			say(a, TIMS_LOG_WARNING, "alerts: %s", err.msg);
	}
	free(l);
}

static void *alerts_main(void *arg)
{
	struct centre_alerts *a = arg;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		struct timespec ts;

		pthread_mutex_unlock(&a->lock);
		evaluate(a);
		pthread_mutex_lock(&a->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)a->cfg.interval_s;
		while (!a->stop && pthread_cond_timedwait(&a->cond, &a->lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

tims_rc centre_alerts_start(struct tims_centre *c, void (*log)(void *ctx, const char *line),
			    void *log_ctx, struct tims_err *err)
{
	struct centre_alerts *a;
	uint8_t key[TIMS_ALERT_KEY_BYTES];
	tims_rc rc;

	if (c->alerts)
		return TIMS_OK;
	if (!(a = calloc(1, sizeof(*a))) || !(a->fired = calloc(PENDING_MAX, sizeof(*a->fired)))) {
		free(a);
		return tims_err_set(err, TIMS_ERR_NOMEM, "alerts: out of memory");
	}
	a->c = c;
	a->log = log;
	a->log_ctx = log_ctx;
	if ((rc = tims_alert_config_load(c->dir, &a->cfg, err)) ||
	    (rc = tims_alert_key_load(c->dir, key, err)) ||
	    (rc = tims_alert_engine_new(&a->cfg, key, TIMS_ALERT_AT_CENTRE, &a->e, err))) {
		sodium_memzero(key, sizeof(key));
		free(a->fired);
		free(a);
		return rc;
	}
	sodium_memzero(key, sizeof(key));
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	if (pthread_create(&a->thread, NULL, alerts_main, a) != 0) {
		tims_alert_engine_free(a->e);
		free(a->fired);
		free(a);
		return tims_err_set(err, TIMS_ERR_NOMEM, "alerts: cannot start the thread");
	}
	a->running = 1;
	c->alerts = a;
	say(a, TIMS_LOG_INFO, "alerts: unusual reading evaluated every %llu s (%s/alert-rules.conf)",
	    (unsigned long long)a->cfg.interval_s, c->dir);
	return TIMS_OK;
}

void centre_alerts_stop(struct tims_centre *c)
{
	struct centre_alerts *a = c->alerts;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (a->running)
		pthread_join(a->thread, NULL);
	tims_alert_engine_free(a->e);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a->fired);
	free(a);
	c->alerts = NULL;
}
