/*
 * metrics.c — the centre's GET /metrics beyond the query store's state
 * (centre.c, tims_centre_metrics): per post, what the centre mirrors and
 * when the post was last seen; whether the centre is isolated; the
 * watchlists it publishes; its alerts and audit log. Labels are post names
 * and origins, list names and alert kinds (escaped by lib/metrics: names
 * are operator input); never a traveller's data or an officer's id.
 */
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "tims/metrics.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define POST_ONLINE_MS 5000 /* as the dashboard: posts ask every second */

struct posts {
	struct tims_centre_post *v;
	size_t n, cap;
};

static tims_rc collect(void *ctx, const struct tims_centre_post *p)
{
	struct posts *x = ctx;

	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 32;
		struct tims_centre_post *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return TIMS_ERR_NOMEM;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = *p;
	return TIMS_OK;
}

enum { PF_RECORDS, PF_SIGNED, PF_ONLINE, PF_REVOKED, PF_SEEN, PF_SYNC, PF_SEEN_AGE, PF_N };

static const struct {
	const char *name, *help;
	enum tims_metric_kind kind;
} pf[PF_N] = {
	{ "tims_centre_post_records", "Records of the post's log mirrored at the centre.",
	  TIMS_GAUGE },
	{ "tims_centre_post_signed_records",
	  "Size of the latest checkpoint signed by the post that the centre holds.", TIMS_GAUGE },
	{ "tims_centre_post_online",
	  "1 when the post asked the centre within the last 5 s (and is not revoked).",
	  TIMS_GAUGE },
	{ "tims_centre_post_revoked", "1 when the post's enrolment is revoked.", TIMS_GAUGE },
	{ "tims_centre_post_last_seen_timestamp_seconds",
	  "When the post last asked this centre (a poll or a batch), Unix time (0: never).",
	  TIMS_GAUGE },
	{ "tims_centre_post_last_sync_timestamp_seconds",
	  "When the centre last accepted a batch of the post, Unix time (0: never).", TIMS_GAUGE },
	{ "tims_centre_post_seen_age_seconds",
	  "Seconds since the post last asked this centre (since its enrolment if never).",
	  TIMS_GAUGE },
};

static double post_value(const struct tims_centre_post *p, int f, int64_t now)
{
	int64_t seen = p->last_seen_ms ? p->last_seen_ms : p->enrolled_ms;

	switch (f) {
	case PF_RECORDS: return (double)p->size;
	case PF_SIGNED: return (double)p->signed_size;
	case PF_ONLINE:
		return !p->revoked && p->last_seen_ms && now - p->last_seen_ms <= POST_ONLINE_MS;
	case PF_REVOKED: return p->revoked != 0;
	case PF_SEEN: return (double)(p->last_seen_ms / 1000);
	case PF_SYNC: return (double)(p->last_sync_ms / 1000);
	default: return seen > 0 && now > seen ? (double)((now - seen) / 1000) : 0;
	}
}

static tims_rc post_metrics(struct tims_centre *c, struct tims_buf *out, int64_t now,
			    struct tims_err *err)
{
	struct posts x = { NULL, 0, 0 };
	struct tims_metrics_labels l;
	tims_rc rc;

	if ((rc = tims_centre_posts(c, collect, &x, err))) {
		free(x.v);
		return rc;
	}
	for (int f = 0; f < PF_N && !rc; f++) {
		if (!x.n)
			break;
		rc = tims_metrics_family(out, pf[f].name, pf[f].help, pf[f].kind);
		for (size_t i = 0; i < x.n && !rc; i++) {
			tims_metrics_labels_init(&l);
			tims_metrics_labels_add(&l, "post", x.v[i].name);
			tims_metrics_labels_add(&l, "origin", x.v[i].origin);
			rc = tims_metrics_sample(out, pf[f].name, &l, post_value(&x.v[i], f, now));
		}
	}
	free(x.v);
	return rc;
}

/* The lists the centre publishes to the posts: version, entries, age. */
static tims_rc watchlist_metrics(struct tims_centre *c, struct tims_buf *out, int64_t now)
{
	struct tims_wl_list_info *lists = NULL;
	struct tims_metrics_labels l;
	struct tims_wl *wl = NULL;
	char path[CENTRE_PATH_MAX];
	size_t n = 0;
	tims_rc rc = TIMS_OK;
	static const char *const fn[3] = {
		"tims_centre_watchlist_version", "tims_centre_watchlist_entries",
		"tims_centre_watchlist_age_seconds",
	};
	static const char *const fh[3] = {
		"The version of the list the centre publishes.",
		"Active entries of the list the centre publishes.",
		"Seconds since the list last changed at the centre.",
	};

	if (centre_path(c, "watchlists", path, NULL) || access(path, F_OK) != 0 ||
	    tims_wl_open(path, false, &wl, NULL))
		return TIMS_OK; /* none held: no series */
	if (tims_wl_lists(wl, &lists, &n, NULL))
		n = 0;
	for (int f = 0; f < 3 && !rc && n; f++) {
		rc = tims_metrics_family(out, fn[f], fh[f], TIMS_GAUGE);
		for (size_t i = 0; i < n && !rc; i++) {
			double v = f == 0 ? (double)lists[i].version : f == 1 ? (double)lists[i].active
				 : lists[i].updated_s > 0 ? (double)(now / 1000 - lists[i].updated_s) : 0;

			tims_metrics_labels_init(&l);
			tims_metrics_labels_add(&l, "list", lists[i].name);
			tims_metrics_labels_add(&l, "kind", tims_wl_kind_name(lists[i].kind));
			rc = tims_metrics_sample(out, fn[f], &l, v);
		}
	}
	free(lists);
	tims_wl_close(wl);
	return rc;
}

/* Alerts by kind: open ones, and every occurrence counted into any. */
static tims_rc alert_metrics(struct tims_centre *c, struct tims_buf *out)
{
	struct tims_metrics_labels l;
	sqlite3_stmt *st = NULL;
	struct {
		char kind[32];
		int64_t open, seen;
	} k[64];
	size_t nk = 0;
	tims_rc rc;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT kind, sum(acked_ms IS NULL AND closed_ms IS NULL),"
			       " sum(count) FROM alerts GROUP BY kind ORDER BY kind", -1, &st,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
		/* a centre.db without the queue's columns (centre_alerts_schema) */
		sqlite3_prepare_v2(c->db, "SELECT kind, sum(acked_ms IS NULL), sum(count) FROM"
				   " alerts GROUP BY kind ORDER BY kind", -1, &st, NULL);
	}
	while (st && nk < TIMS_ARRAY_SIZE(k) && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(k[nk].kind, sizeof(k[nk].kind), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		k[nk].open = sqlite3_column_int64(st, 1);
		k[nk].seen = sqlite3_column_int64(st, 2);
		nk++;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	rc = tims_metrics_family(out, "tims_centre_alerts_open",
		"Alerts not yet acknowledged or closed, by kind.", TIMS_GAUGE);
	for (size_t i = 0; i < nk && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "kind", k[i].kind);
		rc = tims_metrics_sample(out, "tims_centre_alerts_open", &l, (double)k[i].open);
	}
	if (!rc)
		rc = tims_metrics_family(out, "tims_centre_alert_events_total",
			"Events counted into alerts, by kind (open and acknowledged).", TIMS_COUNTER);
	for (size_t i = 0; i < nk && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "kind", k[i].kind);
		rc = tims_metrics_sample(out, "tims_centre_alert_events_total", &l,
					 (double)k[i].seen);
	}
	return rc;
}

tims_rc centre_metrics_more(struct tims_centre *c, struct tims_buf *out, struct tims_err *err)
{
	struct timespec ts;
	int64_t now;
	uint64_t audit = 0;
	int has_audit;
	tims_rc rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pthread_mutex_lock(&c->audit_lock);
	has_audit = c->audit && !tims_audit_size(c->audit, &audit, NULL);
	pthread_mutex_unlock(&c->audit_lock);
	if ((rc = tims_metrics_build_info(out, "centre")) ||
	    (rc = tims_metrics_gauge1(out, "tims_centre_isolated",
			"1 while the centre is isolated (tims centre isolate): posts are answered 503.",
			TIMS_GAUGE, tims_centre_isolated(c))) ||
	    (rc = post_metrics(c, out, now, err)) ||
	    (rc = watchlist_metrics(c, out, now)) ||
	    (rc = alert_metrics(c, out)))
		return rc;
	if (has_audit)
		rc = tims_metrics_gauge1(out, "tims_centre_audit_events",
			"Events in the centre's own audit log.", TIMS_GAUGE, (double)audit);
	return rc;
}
