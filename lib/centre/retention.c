/*
 * retention.c — the retention run at the centre (include/tims/retention.h,
 * docs/retention.md).
 *
 * The query store decides: it holds every post's crossings with their
 * clear facts, so an entry at one post is closed by an exit at another
 * (the national view the regulation's periods are about). Each crossing
 * due is erased in the query store (its personal fields and record; the
 * national feed withdraws it from the posts' replicas) and in its post's
 * mirror (salt and record; the entry stays and the mirror verifies). The
 * audit events due are erased in the mirrors of the posts' audit logs
 * (with their rows in the auditors' index) and in the centre's own audit
 * log. Then every database touched is scrubbed (VACUUM when pages were
 * freed, the WAL truncated).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tims/api.h"
#include "tims/audit.h"
#include "tims/mlog.h"
#include "tims/retention.h"
#include "tims/util.h"
#include "internal.h"
#include "tims/arrivals.h"

#define ORIGIN_SHIFT 40 /* a post's index fits in 40 bits (TIMS_NATIONAL_MAX_INDEX) */

struct origins {
	char name[CENTRE_MAX_POSTS][TIMS_CENTRE_NAME_MAX + 1];
	char origin[CENTRE_MAX_POSTS][TIMS_NOTE_MAX_NAME + 1];
	size_t n;
};

static tims_rc add_post(void *ctx, const struct tims_centre_post *p)
{
	struct origins *o = ctx;

	if (o->n < CENTRE_MAX_POSTS) {
		snprintf(o->name[o->n], sizeof(o->name[0]), "%s", p->name);
		snprintf(o->origin[o->n], sizeof(o->origin[0]), "%s", p->origin);
		o->n++;
	}
	return TIMS_OK;
}

static long origin_no(const struct origins *o, const char *origin)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->origin[i], origin))
			return (long)i;
	return -1;
}

struct rows {
	const struct origins *o;
	struct tims_retention_crossing *c;
	size_t n, cap;
	uint64_t unknown;       /* rows of an origin not enrolled: left alone */
};

static tims_rc take_row(void *ctx, const struct tims_cstore_retention_row *r)
{
	struct rows *rs = ctx;
	struct tims_retention_crossing *x;
	long no = origin_no(rs->o, r->origin);

	if (no < 0 || r->idx >> ORIGIN_SHIFT) {
		rs->unknown++;
		return TIMS_OK;
	}
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 1024;
		void *nc = realloc(rs->c, ncap * sizeof(*rs->c));

		if (!nc)
			return TIMS_ERR_NOMEM;
		rs->c = nc;
		rs->cap = ncap;
	}
	x = &rs->c[rs->n++];
	memset(x, 0, sizeof(*x));
	x->idx = ((uint64_t)no << ORIGIN_SHIFT) | r->idx;
	x->when_ms = r->when_ms;
	x->direction = r->direction;
	x->decision = r->decision;
	x->corrects = r->corrects == UINT64_MAX || r->corrects >> ORIGIN_SHIFT
			      ? TIMS_RECORD_NO_INDEX
			      : ((uint64_t)no << ORIGIN_SHIFT) | r->corrects;
	snprintf(x->key, sizeof(x->key), "%s", r->key);
	return TIMS_OK;
}

static int64_t planned_due(const struct rows *rs, long no, uint64_t idx)
{
	uint64_t want = ((uint64_t)no << ORIGIN_SHIFT) | idx;
	size_t lo = 0, hi = rs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->c[mid].idx < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rs->n && rs->c[lo].idx == want ? rs->c[lo].due_ms : -1;
}

/* The events of one audit log that are due: linked to a crossing of
 * `origin` (a post's log) or to none (the centre's own). */
struct ev_walk {
	const struct tims_retention_policy *p;
	const struct rows *rs;
	struct tims_retention_state *st;
	struct tims_retention_report *r;
	long no;                /* the post's number, -1: the centre's log */
	const char *origin;
	uint64_t *due;
	size_t n, cap;
};

static tims_rc consider(struct ev_walk *w, uint64_t index, const struct tims_audit_event *ev)
{
	int64_t data_due = -1, due;
	unsigned kind = TIMS_RETENTION_AUDIT_OTHER;

	if (ev->crossing >= 0) {
		kind = TIMS_RETENTION_AUDIT;
		data_due = w->no >= 0 ? planned_due(w->rs, w->no, (uint64_t)ev->crossing) : -1;
		if (data_due < 0 && w->no >= 0)
			data_due = tims_retention_state_due(w->st, w->origin, (uint64_t)ev->crossing);
		if (data_due < 0)
			data_due = TIMS_RETENTION_NEVER; /* not known here: kept */
	}
	due = tims_retention_audit_due(w->p, ev->time_ms, data_due);
	if (due > w->r->as_of_ms) {
		w->r->kept[kind]++;
		tims_retention_report_keep(w->r, ev->time_ms);
		return TIMS_OK;
	}
	w->r->erased[kind]++;
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 256;
		uint64_t *nd = realloc(w->due, ncap * sizeof(*nd));

		if (!nd)
			return TIMS_ERR_NOMEM;
		w->due = nd;
		w->cap = ncap;
	}
	w->due[w->n++] = index;
	return TIMS_OK;
}

static tims_rc mirrored_event(void *ctx, const struct tims_post_raw *raw)
{
	struct tims_audit_event ev;
	struct tims_err e;

	if (!raw->body)
		return TIMS_OK; /* erased already */
	if (tims_audit_event_decode(raw->body, raw->body_len, &ev, &e))
		return TIMS_OK; /* the mirror checked it on the way in: not ours to judge */
	return consider(ctx, raw->index, &ev);
}

static tims_rc own_event(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	if (!ev->actor[0] && !ev->query && !ev->result && !strcmp(ev->action, "erased"))
		return TIMS_OK;
	return consider(ctx, index, ev);
}

static tims_rc scrub(struct tims_centre *c, const char *rel, struct tims_retention_report *r,
		     struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = centre_path(c, rel, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	return tims_retention_scrub(path, &r->vacuumed, err);
}

static tims_rc av_forget(struct tims_centre *c, const char *post, const uint64_t *idx, size_t n,
			 struct tims_err *err)
{
	sqlite3_stmt *ev = NULL, *doc = NULL;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "DELETE FROM audit_av_events WHERE post = ?1 AND idx = ?2",
			       -1, &ev, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "DELETE FROM audit_av_docs WHERE post = ?1 AND idx = ?2",
			       -1, &doc, NULL) != SQLITE_OK) {
		/* no index made yet: nothing to forget */
		if (!strstr(sqlite3_errmsg(c->db), "no such table"))
			rc = centre_db_err(c, "retention: the auditors' index", err);
		goto out;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *s[2] = { ev, doc };

		for (int k = 0; k < 2 && !rc; k++) {
			sqlite3_bind_text(s[k], 1, post, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s[k], 2, (sqlite3_int64)idx[i]);
			if (sqlite3_step(s[k]) != SQLITE_DONE)
				rc = centre_db_err(c, "retention: the auditors' index", err);
			sqlite3_reset(s[k]);
		}
	}
out:
	sqlite3_finalize(ev);
	sqlite3_finalize(doc);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

/* The posts' audit logs' mirrors: events a year after the data they name. */
static tims_rc audit_mirrors(struct tims_centre *c, const struct tims_retention_policy *p,
			     struct origins *o, const struct rows *rs,
			     struct tims_retention_state *st, int dry_run,
			     struct tims_retention_report *r, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; !rc && i < o->n; i++) {
		char safe[3 * TIMS_NOTE_MAX_NAME + 4], rel[3 * TIMS_NOTE_MAX_NAME + 32];
		char path[CENTRE_PATH_MAX];
		struct ev_walk w = { p, rs, st, r, (long)i, o->origin[i], NULL, 0, 0 };
		struct centre_mirror *cm;
		uint64_t size, gone = 0;

		centre_file_name(o->origin[i], safe, sizeof(safe));
		snprintf(rel, sizeof(rel), "mirror/%s.audit.db", safe);
		if ((rc = centre_path(c, rel, path, err)))
			break;
		if (access(path, F_OK) != 0)
			continue; /* the post never pushed its audit log */
		if ((rc = centre_audit_mirror(c, o->origin[i], &cm, err)))
			break; /* on success cm->lock is held */
		rc = tims_sync_mirror_size(cm->am, &size, err);
		if (!rc)
			rc = tims_sync_mirror_export(cm->am, 0, size, mirrored_event, &w, err);
		for (size_t k = 0; !rc && !dry_run && k < w.n; k++) {
			int was;

			rc = tims_sync_mirror_erase(cm->am, w.due[k], &was, err);
			gone += (uint64_t)was;
		}
		pthread_mutex_unlock(&cm->lock);
		if (!rc && !dry_run && w.n)
			rc = av_forget(c, o->name[i], w.due, w.n, err);
		if (!rc && !dry_run && gone)
			rc = scrub(c, rel, r, err);
		tims_retention_report_count(r, rel, dry_run ? w.n : gone);
		free(w.due);
	}
	return rc;
}

/* The centre's own audit log (national queries, the dashboard, commands). */
static tims_rc own_audit(struct tims_centre *c, const struct tims_retention_policy *p,
			 const struct rows *rs, struct tims_retention_state *st, int dry_run,
			 struct tims_retention_report *r, struct tims_err *err)
{
	char origin[TIMS_CENTRE_NAME_MAX + 16], path[CENTRE_PATH_MAX];
	struct ev_walk w = { p, rs, st, r, -1, "", NULL, 0, 0 };
	struct tims_audit *a = NULL;
	uint64_t size;
	tims_rc rc;

	if ((rc = centre_path(c, "audit.db", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	snprintf(origin, sizeof(origin), "%s/audit", c->name);
	if ((rc = tims_audit_open_keyed(c->dir, origin, "audit", TIMS_AUDIT_READ, &a, err)))
		return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
	rc = tims_audit_size(a, &size, err);
	if (!rc)
		rc = tims_audit_list(a, 0, size, own_event, &w, err);
	for (size_t k = 0; !rc && !dry_run && k < w.n; k++)
		rc = tims_audit_erase(a, w.due[k], err);
	tims_audit_free(a);
	if (!rc && !dry_run && w.n)
		rc = av_forget(c, "", w.due, w.n, err);
	if (!rc && !dry_run && w.n)
		rc = scrub(c, "audit.db", r, err);
	tims_retention_report_count(r, "audit.db", w.n);
	free(w.due);
	return rc;
}

/* The oldest post event and export request in centre.db (sealed, kept). */
static tims_rc sealed_kept(struct tims_centre *c, struct tims_retention_report *r,
			   struct tims_err *err)
{
	static const char *const sql[] = {
		"SELECT min(time_ms) FROM post_events",
		"SELECT min(created_ms) FROM exports",
	};
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(c->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			if (!strncmp(sqlite3_errmsg(c->db), "no such table", 13))
				continue; /* no export yet */
			rc = tims_err_set(err, TIMS_ERR_DB, "centre.db: the oldest sealed row: %s",
					  sqlite3_errmsg(c->db));
			break;
		}
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			tims_retention_report_keep(r, sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

/* Advance passenger information (DIR/api.db, tims/api.h): the travellers
 * of flights that arrived api.after_arrival before as_of go, unless their
 * screening found a hit. No api.db: nothing to do (none is made). */
static tims_rc api_lists(struct tims_centre *c, const struct tims_retention_policy *p,
			 int dry_run, struct tims_retention_report *r, struct tims_err *err)
{
	struct tims_api_retention ar;
	struct tims_api *api = NULL;
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = centre_path(c, TIMS_API_DB, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	/* the arrivals read in each airport's zone (airports.conf): a map that
	 * cannot be read stops the run, rather than erase by the wrong clock */
	{
		struct tims_arrivals_map *map = calloc(1, sizeof(*map));
		struct tims_api_zone *z = calloc(TIMS_ARRIVALS_AIRPORTS_MAX, sizeof(*z));
		size_t nz = 0;

		if (!map || !z)
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		else if (!(rc = centre_airports_read(c, map, err)))
			nz = centre_airport_zones(map, z);
		/* erasing needs no key, but the store is opened as the import opens it */
		if (!rc && !(rc = tims_api_open(c->dir, c->vault, &api, err)))
			rc = tims_api_retention_zoned(api, tims_retention_sub(r->as_of_ms,
						      &p->keep[TIMS_RETENTION_API]), z, nz,
						      dry_run, &ar, err);
		tims_api_close(api);
		free(map);
		free(z);
	}
	if (rc)
		return rc;
	r->erased[TIMS_RETENTION_API] += ar.erased;
	r->kept[TIMS_RETENTION_API] += ar.kept_hits + ar.kept_recent;
	if (ar.oldest_kept_ms != INT64_MAX)
		tims_retention_report_keep(r, ar.oldest_kept_ms);
	tims_retention_report_count(r, TIMS_API_DB, ar.erased);
	return TIMS_OK;
}

tims_rc tims_centre_retention(struct tims_centre *c, const struct tims_retention_policy *p,
			      int64_t now_ms, int dry_run, struct tims_retention_report *r,
			      struct tims_err *err)
{
	struct origins *o = calloc(1, sizeof(*o));
	struct rows rs = { 0 };
	struct tims_retention_state *st = NULL;
	uint64_t store_n = 0, mirror_n = 0;
	int64_t newest = 0;
	int in_tx = 0;
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	r->oldest_kept_ms = INT64_MAX;
	r->dry_run = dry_run;
	r->now_ms = now_ms;
	if (!o)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rs.o = o;
	if ((rc = tims_centre_posts(c, add_post, o, err)) ||
	    (rc = tims_retention_state_open(c->dir, !dry_run, &st, err)))
		goto out;
	pthread_mutex_lock(&c->store_lock);
	rc = tims_cstore_reconnect(c->store, 0, err);
	if (!rc)
		rc = tims_cstore_newest(c->store, &newest, err);
	if (!rc)
		rc = tims_cstore_retention_rows(c->store, take_row, &rs, err);
	pthread_mutex_unlock(&c->store_lock);
	if (rc) {
		if (rc == TIMS_ERR_NOMEM)
			tims_err_set(err, rc, "out of memory");
		goto out;
	}
	/* the clock guard: the newest crossing the centre holds */
	r->reference_ms = newest;
	if (tims_retention_state_last(st) > r->reference_ms)
		r->reference_ms = tims_retention_state_last(st);
	r->as_of_ms = now_ms;
	if (r->reference_ms > 0 && r->reference_ms <= INT64_MAX - p->clock_margin_ms &&
	    r->reference_ms + p->clock_margin_ms < now_ms) {
		r->as_of_ms = r->reference_ms + p->clock_margin_ms;
		r->capped = 1;
	}
	if ((rc = tims_retention_plan(p, rs.c, rs.n, NULL, NULL, err)))
		goto out;
	/* the dues first, then the erasures (as at a post) */
	if (!dry_run && (rc = tims_retention_state_begin(st, err)))
		goto out;
	for (size_t i = 0; i < rs.n; i++) {
		struct tims_retention_crossing *x = &rs.c[i];

		if (x->due_ms > r->as_of_ms) {
			r->kept[x->kind]++;
			tims_retention_report_keep(r, x->when_ms);
			continue;
		}
		r->erased[x->kind]++;
		if (!dry_run && (rc = tims_retention_state_note(st, o->origin[x->idx >> ORIGIN_SHIFT],
								x->idx & ((1ull << ORIGIN_SHIFT) - 1),
								x->due_ms, err)))
			goto out;
	}
	if (!dry_run && (rc = tims_retention_state_commit(st, 0, err)))
		goto out;
	/* the query store, in one transaction, then each post's mirror */
	if (!dry_run) {
		pthread_mutex_lock(&c->store_lock);
		rc = tims_cstore_begin(c->store, err);
		in_tx = !rc;
		for (size_t i = 0; !rc && i < rs.n; i++) {
			struct tims_retention_crossing *x = &rs.c[i];
			int was = 0;

			if (x->due_ms > r->as_of_ms)
				continue;
			rc = tims_cstore_erase(c->store, o->origin[x->idx >> ORIGIN_SHIFT],
					       x->idx & ((1ull << ORIGIN_SHIFT) - 1), &was, err);
			store_n += (uint64_t)was;
		}
		if (in_tx && rc)
			tims_cstore_rollback(c->store);
		else if (in_tx)
			rc = tims_cstore_commit(c->store, err);
		pthread_mutex_unlock(&c->store_lock);
		if (rc)
			goto out;
		for (size_t i = 0; !rc && i < rs.n; i++) {
			struct tims_retention_crossing *x = &rs.c[i];
			struct centre_mirror *cm;
			int was = 0;

			if (x->due_ms > r->as_of_ms)
				continue;
			if ((rc = centre_mirror_get(c, o->origin[x->idx >> ORIGIN_SHIFT], &cm, err)))
				break;
			pthread_mutex_lock(&cm->lock);
			rc = tims_sync_mirror_erase(cm->m, x->idx & ((1ull << ORIGIN_SHIFT) - 1), &was,
						    err);
			pthread_mutex_unlock(&cm->lock);
			/* the store may hold what the mirror has not yet (never
			 * the other way round): nothing to erase there */
			if (rc == TIMS_ERR_NOTFOUND)
				rc = TIMS_OK;
			mirror_n += (uint64_t)was;
		}
		if (rc)
			goto out;
		/* give back what was freed: each mirror touched, the store */
		for (size_t k = 0; !rc && k < o->n; k++) {
			char safe[3 * TIMS_NOTE_MAX_NAME + 4], rel[3 * TIMS_NOTE_MAX_NAME + 32];
			uint64_t here = 0;

			for (size_t i = 0; i < rs.n; i++)
				if ((rs.c[i].idx >> ORIGIN_SHIFT) == k && rs.c[i].due_ms <= r->as_of_ms)
					here++;
			if (!here)
				continue;
			centre_file_name(o->origin[k], safe, sizeof(safe));
			snprintf(rel, sizeof(rel), "mirror/%s.db", safe);
			rc = scrub(c, rel, r, err);
			tims_retention_report_count(r, rel, here);
		}
		if (!rc && store_n && !strncmp(tims_cstore_backend(c->store), "sqlite", 6)) {
			const char *u = c->store_uri;

			if (!u[0] || !strcmp(u, "sqlite"))
				rc = scrub(c, "query.db", r, err);
			else
				rc = tims_retention_scrub(strncmp(u, "sqlite:", 7) ? u : u + 7,
							  &r->vacuumed, err);
		}
		if (rc)
			goto out;
	}
	tims_retention_report_count(r, "query store", dry_run ? r->erased[0] + r->erased[1] +
				    r->erased[2] + r->erased[3] : store_n);
	(void)mirror_n;
	if ((rc = audit_mirrors(c, p, o, &rs, st, dry_run, r, err)) ||
	    (rc = own_audit(c, p, &rs, st, dry_run, r, err)) ||
	    (rc = api_lists(c, p, dry_run, r, err)))
		goto out;
	/* centre.db's sealed post events and export requests are not under
	 * retention: their months keep their keys */
	if (!dry_run && !(rc = sealed_kept(c, r, err)))
		rc = tims_retention_shred(c->vault, r, err);
	if (!rc && !dry_run && !(rc = tims_retention_state_begin(st, err)))
		rc = tims_retention_state_commit(st, r->as_of_ms, err);
out:
	tims_retention_state_close(st);
	free(rs.c);
	free(o);
	return rc;
}

/* ---- the maintenance thread's timer -------------------------------------- */

#define FIRST_RUN_MS 10000

struct centre_retention {
	struct tims_retention_policy pol;
	int64_t next_ms;
};

tims_rc centre_retention_load(struct tims_centre *c, struct tims_err *err)
{
	struct centre_retention *t;
	tims_rc rc;

	if (c->retention)
		return TIMS_OK;
	if (!(t = calloc(1, sizeof(*t))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_retention_policy_load(c->dir, &t->pol, err))) {
		free(t);
		return rc;
	}
	t->next_ms = tims_mlog_now_ms() +
		     (t->pol.interval_ms < FIRST_RUN_MS ? t->pol.interval_ms : FIRST_RUN_MS);
	c->retention = t;
	return TIMS_OK;
}

void centre_retention_tick(struct tims_centre *c)
{
	struct centre_retention *t = c->retention;
	struct tims_retention_report rep;
	struct tims_err err;
	int64_t now = tims_mlog_now_ms();
	char *json, d[300];

	if (!t || now < t->next_ms)
		return;
	t->next_ms = now + t->pol.interval_ms;
	if (tims_centre_retention(c, &t->pol, now, 0, &rep, &err)) {
		snprintf(d, sizeof(d), "retention run failed: %s", err.msg);
		tims_centre_event(c, "retention", NULL, d);
		return;
	}
	if (!(json = tims_retention_report_json(&t->pol, &rep)))
		return;
	if (centre_audit(c, "retention", "-", "local", "retention.run", "retention (timer)", json,
			 NULL, 200, &err))
		tims_centre_event(c, "retention", NULL, "a retention run could not be audited");
	free(json);
}
