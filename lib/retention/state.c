/*
 * state.c — DIR/retention.db, the run's memory (include/tims/retention.h):
 * for each crossing erased, the log it was in, its index and the time it
 * was due (an audit event that names it is kept a year after that, though
 * the crossing's direction and decision went with its payload), and the
 * as-of time of the last run (the clock guard's reference). No personal
 * data: indexes and times only. Also the scrub that follows an erasure and
 * the run's report.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "tims/schema.h"
#include "tims/event.h"
#include "tims/retention.h"
#include "tims/util.h"
#include "tims/vault.h"

struct tims_retention_state {
	sqlite3 *db;
	sqlite3_stmt *get, *put;
	char path[4200];
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS erased (log TEXT NOT NULL, idx INTEGER NOT NULL,"
	" due_ms INTEGER NOT NULL, PRIMARY KEY (log, idx));"
	"CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY CHECK (id = 1),"
	" as_of_ms INTEGER NOT NULL);";

static tims_rc st_err(struct tims_retention_state *s, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s: %s", s->path, what,
			    s->db ? sqlite3_errmsg(s->db) : "not open");
}

tims_rc tims_retention_state_open(const char *dir, int create,
				  struct tims_retention_state **out, struct tims_err *err)
{
	struct tims_retention_state *s;
	tims_rc rc = TIMS_OK;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (snprintf(s->path, sizeof(s->path), "%s/retention.db", dir) >= (int)sizeof(s->path)) {
		free(s);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	}
	if (!create && access(s->path, F_OK) != 0) {
		/* a dry run on a node that never ran: an empty memory in RAM */
		if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
			rc = st_err(s, "open", err);
	} else {
		if ((rc = tims_file_private(s->path, err))) {
			free(s);
			return rc;
		}
		if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
			rc = st_err(s, "open", err);
		else
			sqlite3_busy_timeout(s->db, 10000);
	}
	/* schema version (tims/schema.h): a newer one refused untouched */
	if (!rc)
		rc = tims_schema_check(s->db, s->path, TIMS_SCHEMA_RETENTION, NULL, err);
	if (!rc && (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(s->db, "SELECT due_ms FROM erased WHERE log = ?1 AND idx = ?2",
				       -1, &s->get, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO erased (log, idx, due_ms)"
				       " VALUES (?1, ?2, ?3)", -1, &s->put, NULL) != SQLITE_OK))
		rc = st_err(s, "schema", err);
	if (!rc)
		rc = tims_schema_set(s->db, s->path, TIMS_SCHEMA_RETENTION, err);
	if (rc) {
		tims_retention_state_close(s);
		return rc;
	}
	*out = s;
	return TIMS_OK;
}

void tims_retention_state_close(struct tims_retention_state *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_close(s->db);
	free(s);
}

int64_t tims_retention_state_last(struct tims_retention_state *s)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT as_of_ms FROM runs WHERE id = 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t tims_retention_state_due(struct tims_retention_state *s, const char *log, uint64_t idx)
{
	int64_t v = -1;

	sqlite3_bind_text(s->get, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->get, 2, (sqlite3_int64)idx);
	if (sqlite3_step(s->get) == SQLITE_ROW)
		v = sqlite3_column_int64(s->get, 0);
	sqlite3_reset(s->get);
	sqlite3_clear_bindings(s->get);
	return v;
}

tims_rc tims_retention_state_begin(struct tims_retention_state *s, struct tims_err *err)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return st_err(s, "begin", err);
	return TIMS_OK;
}

tims_rc tims_retention_state_note(struct tims_retention_state *s, const char *log,
				  uint64_t idx, int64_t due_ms, struct tims_err *err)
{
	int rc;

	sqlite3_bind_text(s->put, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put, 2, (sqlite3_int64)idx);
	sqlite3_bind_int64(s->put, 3, due_ms);
	rc = sqlite3_step(s->put);
	sqlite3_reset(s->put);
	sqlite3_clear_bindings(s->put);
	return rc == SQLITE_DONE ? TIMS_OK : st_err(s, "noting an erasure", err);
}

tims_rc tims_retention_state_commit(struct tims_retention_state *s, int64_t as_of_ms,
				    struct tims_err *err)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "INSERT INTO runs (id, as_of_ms) VALUES (1, %lld)"
		 " ON CONFLICT (id) DO UPDATE SET as_of_ms = max(as_of_ms, excluded.as_of_ms);"
		 "COMMIT", (long long)as_of_ms);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		tims_rc rc = st_err(s, "commit", err);

		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return TIMS_OK;
}

/* ---- the scrub ---- */

tims_rc tims_retention_scrub(const char *path, int *vacuumed, struct tims_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t freelist = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA freelist_count", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		freelist = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	/*
	 * Free pages were zeroed when freed (secure_delete); VACUUM gives
	 * them back and rewrites every page, so nothing of an old layout
	 * stays. It is a full rewrite, but runs at most once per retention
	 * run (daily), and only when pages were freed: incremental vacuum
	 * would need auto_vacuum set at creation, which existing databases
	 * do not have.
	 */
	if (freelist > 0) {
		if (sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		(*vacuumed)++;
	}
	/* the WAL held the page images before the erasure: checkpoint them
	 * into the database and truncate it (busy readers: it is retried at
	 * the next run; the frames are then overwritten by later ones) */
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_close(db);
	return rc;
fail:
	rc = tims_err_set(err, TIMS_ERR_DB, "%s: scrubbing after erasure: %s", path,
			  db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* ---- the report ---- */

void tims_retention_report_count(struct tims_retention_report *r, const char *store, uint64_t n)
{
	size_t i;

	for (i = 0; i < r->nstores; i++)
		if (!strcmp(r->store[i].name, store))
			break;
	if (i == r->nstores) {
		if (r->nstores == TIMS_RETENTION_STORES)
			i = TIMS_RETENTION_STORES - 1;
		else
			snprintf(r->store[r->nstores++].name, sizeof(r->store[0].name), "%s", store);
	}
	r->store[i].erased += n;
}

static json_t *iso(int64_t ms)
{
	char buf[40];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || !gmtime_r(&t, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

char *tims_retention_report_json(const struct tims_retention_policy *p,
				 const struct tims_retention_report *r)
{
	json_t *o = json_object(), *cut = json_object(), *er = json_object(),
	       *kept = json_object(), *st = json_object();
	char *s = NULL;

	if (!o || !cut || !er || !kept || !st)
		goto out;
	for (unsigned k = 0; k < TIMS_RETENTION_KINDS; k++) {
		/* what is counted from at or before this went (crossing.entry
		 * and audit.linked count from the exit and the data's due time) */
		json_object_set_new(cut, tims_retention_kind_name(k),
				    iso(tims_retention_sub(r->as_of_ms, &p->keep[k])));
		json_object_set_new(er, tims_retention_kind_name(k), json_integer((json_int_t)r->erased[k]));
		json_object_set_new(kept, tims_retention_kind_name(k), json_integer((json_int_t)r->kept[k]));
	}
	for (size_t i = 0; i < r->nstores; i++)
		json_object_set_new(st, r->store[i].name, json_integer((json_int_t)r->store[i].erased));
	json_object_set_new(o, "dry_run", json_boolean(r->dry_run));
	json_object_set_new(o, "now", iso(r->now_ms));
	json_object_set_new(o, "as_of", iso(r->as_of_ms));
	json_object_set_new(o, "reference", r->reference_ms > 0 ? iso(r->reference_ms) : json_null());
	json_object_set_new(o, "capped", json_boolean(r->capped));
	json_object_set(o, "cutoffs", cut);
	json_object_set(o, "erased", er);
	json_object_set(o, "kept", kept);
	json_object_set(o, "stores", st);
	json_object_set_new(o, "keys_shredded", json_integer(r->shredded));
	json_object_set_new(o, "vacuumed", json_integer(r->vacuumed));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(o);
	json_decref(cut);
	json_decref(er);
	json_decref(kept);
	json_decref(st);
	return s;
}

/* ---- what the centre is told ---- */

uint64_t tims_retention_erased(const struct tims_retention_report *r)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < TIMS_RETENTION_KINDS; k++)
		n += r->erased[k];
	return n;
}

void tims_retention_event(const struct tims_retention_report *r, struct tims_event *ev)
{
	uint64_t crossings = r->erased[TIMS_RETENTION_EXIT] + r->erased[TIMS_RETENTION_REFUSAL] +
			     r->erased[TIMS_RETENTION_ENTRY] + r->erased[TIMS_RETENTION_OVERSTAY];
	uint64_t events = r->erased[TIMS_RETENTION_AUDIT] + r->erased[TIMS_RETENTION_AUDIT_OTHER];
	json_t *t = iso(r->as_of_ms);

	tims_event_init(ev);
	ev->kind = TIMS_EVENT_RETENTION;
	snprintf(ev->detail, sizeof(ev->detail),
		 "erased %" PRIu64 " crossings (%" PRIu64 " exit, %" PRIu64 " refusal, %" PRIu64
		 " entry, %" PRIu64 " overstay) and %" PRIu64 " audit events, due by %s%s",
		 crossings, r->erased[TIMS_RETENTION_EXIT], r->erased[TIMS_RETENTION_REFUSAL],
		 r->erased[TIMS_RETENTION_ENTRY], r->erased[TIMS_RETENTION_OVERSTAY], events,
		 json_string_value(t) ? json_string_value(t) : "?",
		 r->capped ? " (capped by the clock guard: the clock is ahead of the data)" : "");
	json_decref(t);
}

void tims_retention_report_keep(struct tims_retention_report *r, int64_t time_ms)
{
	if (time_ms < r->oldest_kept_ms)
		r->oldest_kept_ms = time_ms;
}

tims_rc tims_retention_shred(struct tims_vault *v, struct tims_retention_report *r,
			     struct tims_err *err)
{
	int64_t cutoff = r->oldest_kept_ms < r->as_of_ms ? r->oldest_kept_ms : r->as_of_ms;

	if (r->dry_run || !v)
		return TIMS_OK;
	return tims_vault_shred_before(v, cutoff, &r->shredded, err);
}
