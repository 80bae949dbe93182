/*
 * metrics.c — the post's GET /metrics beyond its registry (node.c's
 * counters and histograms): the sync with the centre and the witnesses,
 * the watchlists held, the audit log and the events for the centre, read
 * at scrape time. Labels are list names, witness key names and fixed
 * words (escaped by lib/metrics: a list's name is operator input); never a
 * traveller's data or an officer's id.
 */
#include "sync_int.h"
#include "tims/metrics.h"
#include "tims/post.h"
#include "tims/watchlist.h"

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The post time of record `index` (its log entry), or -1. n->lock held. */
static int64_t record_time_ms(struct tims_node *n, uint64_t index)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_TILE_WIDTH * (TIMS_RECORD_ENTRY_BYTES + 2) + 64);
	unsigned at = (unsigned)(index % TIMS_TILE_WIDTH);
	int64_t t = -1;
	size_t off = 0;

	if (!tims_post_entries(n->post, index / TIMS_TILE_WIDTH, at + 1, &b, NULL)) {
		/* each entry: a 2-byte big-endian length, then the entry */
		for (unsigned i = 0; off + 2 <= b.len; i++) {
			size_t len = ((size_t)(uint8_t)b.buf[off] << 8) | (uint8_t)b.buf[off + 1];

			if (off + 2 + len > b.len)
				break;
			if (i == at) {
				if (len == TIMS_RECORD_ENTRY_BYTES)
					t = tims_record_entry_time((const uint8_t *)b.buf + off + 2);
				break;
			}
			off += 2 + len;
		}
	}
	tims_buf_release(&b);
	return t == INT64_MIN ? -1 : t;
}

static tims_rc one(struct tims_buf *out, const char *name, const char *help,
		   enum tims_metric_kind kind, double v)
{
	return tims_metrics_gauge1(out, name, help, kind, v);
}

/* n->lock held. */
static tims_rc sync_metrics(struct tims_node *n, struct tims_buf *out, int64_t t)
{
	struct node_sync *s = n->sync;
	struct tims_metrics_labels l;
	uint64_t size = 0, lag = 0;
	int64_t window, lag_s = 0;
	int online = 0;
	tims_rc rc;

	tims_post_size(n->post, &size, NULL);
	if (s && s->enrolled) {
		window = (int64_t)s->interval_ms * 3 > ONLINE_MIN_MS ? (int64_t)s->interval_ms * 3
								      : ONLINE_MIN_MS;
		online = s->online && t - s->last_ok_ms <= window;
		lag = size > s->centre_size ? size - s->centre_size : 0;
		if (lag) {
			/* behind by the age of the oldest record the centre lacks */
			int64_t rt = record_time_ms(n, s->centre_size);

			lag_s = rt > 0 && t > rt ? (t - rt) / 1000 : 0;
		}
	}
	if ((rc = one(out, "tims_sync_enrolled", "1 when this post is enrolled with a centre.",
		      TIMS_GAUGE, s && s->enrolled)) ||
	    (rc = one(out, "tims_sync_centre_online",
		      "1 while the centre answers the post's sync rounds (state online).",
		      TIMS_GAUGE, online)) ||
	    (rc = one(out, "tims_sync_lag_records",
		      "Records of this post's log the centre has not confirmed holding.",
		      TIMS_GAUGE, (double)lag)) ||
	    (rc = one(out, "tims_sync_lag_seconds",
		      "Age of the oldest record the centre has not confirmed holding (0: none).",
		      TIMS_GAUGE, (double)lag_s)) ||
	    (rc = one(out, "tims_sync_centre_last_answer_timestamp_seconds",
		      "When the centre last answered a sync round, Unix time (0: never).",
		      TIMS_GAUGE, s && s->enrolled ? (double)(s->last_ok_ms / 1000) : 0)) ||
	    (rc = one(out, "tims_sync_centre_identity_alert",
		      "1 while the centre's identity is refused (a possible impostor).",
		      TIMS_GAUGE, s && s->alert[0])) ||
	    (rc = one(out, "tims_sync_pushes_total", "Batches pushed to the centre.",
		      TIMS_COUNTER, s ? (double)s->pushes : 0)) ||
	    (rc = one(out, "tims_sync_audit_lag_records",
		      "Events of the audit log the centre has not confirmed holding.",
		      TIMS_GAUGE, s && s->enrolled && s->audit_size > s->audit_centre_size
				  ? (double)(s->audit_size - s->audit_centre_size) : 0)))
		return rc;
	if (!s || !s->nw)
		return TIMS_OK;
	/* the witnesses, by their key's name */
	if ((rc = tims_metrics_family(out, "tims_sync_witness_up",
			"1 when the witness's last answer was a cosignature.", TIMS_GAUGE)))
		return rc;
	for (size_t i = 0; i < s->nw && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "witness", s->w[i].key.name);
		rc = tims_metrics_sample(out, "tims_sync_witness_up", &l,
					 s->w[i].ok && !s->w[i].revoked);
	}
	if (!rc)
		rc = tims_metrics_family(out, "tims_sync_witness_cosigned_size",
			"The latest size of this post's log the witness cosigned.", TIMS_GAUGE);
	for (size_t i = 0; i < s->nw && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "witness", s->w[i].key.name);
		rc = tims_metrics_sample(out, "tims_sync_witness_cosigned_size", &l,
					 (double)s->w[i].cosigned_size);
	}
	return rc;
}

/* n->lock held (screen_rw and screen are taken inside, in that order). */
static tims_rc watchlist_metrics(struct tims_node *n, struct tims_buf *out, int64_t t)
{
	struct tims_wl_list_info *lists = NULL;
	struct tims_metrics_labels l;
	size_t nl = 0;
	json_t *held;
	tims_rc rc;
	static const struct {
		const char *name, *help;
	} fam[3] = {
		{ "tims_watchlist_version", "The version of the list the booths screen against." },
		{ "tims_watchlist_entries", "Active entries of the list." },
		{ "tims_watchlist_age_seconds", "Seconds since the list last changed here." },
	};

	pthread_rwlock_rdlock(&n->screen_rw);
	pthread_mutex_lock(&n->screen);
	if (!n->wl || tims_wl_lists(n->wl, &lists, &nl, NULL))
		nl = 0;
	pthread_mutex_unlock(&n->screen);
	pthread_rwlock_unlock(&n->screen_rw);
	rc = one(out, "tims_watchlists_loaded", "1 when the booths have watchlists to screen "
		 "against.", TIMS_GAUGE, nl > 0);
	for (int f = 0; f < 3 && !rc && nl; f++) {
		rc = tims_metrics_family(out, fam[f].name, fam[f].help, TIMS_GAUGE);
		for (size_t i = 0; i < nl && !rc; i++) {
			double v = f == 0 ? (double)lists[i].version : f == 1 ? (double)lists[i].active
				 : lists[i].updated_s > 0 ? (double)(t / 1000 - lists[i].updated_s) : 0;

			tims_metrics_labels_init(&l);
			tims_metrics_labels_add(&l, "list", lists[i].name);
			tims_metrics_labels_add(&l, "kind", tims_wl_kind_name(lists[i].kind));
			tims_metrics_labels_add(&l, "origin", tims_bundle_is_centre_list(n->dir,
						lists[i].name) ? "centre" : "local");
			rc = tims_metrics_sample(out, fam[f].name, &l, v);
		}
	}
	free(lists);
	/* what came from the centre: when the post last saw the centre's list
	 * of bundles (so knew whether its copies are the latest), and each
	 * bundle applied (watchlists, the officer roster): version, when */
	if (!rc && n->sync && n->sync->enrolled) {
		int64_t asked = atomic_load(&n->sync->bundles_asked_ms);

		rc = one(out, "tims_bundles_checked_age_seconds", "Seconds since the centre last "
			 "told this post which bundles (watchlists, roster) are current (-1: not "
			 "since this process started).", TIMS_GAUGE,
			 asked > 0 ? (double)((t > asked ? t - asked : 0) / 1000) : -1);
	}
	held = tims_bundle_held_json(n->dir);
	if (!rc && json_array_size(held)) {
		static const char *const hn[2] = {
			"tims_bundle_version", "tims_bundle_applied_age_seconds",
		};
		static const char *const hh[2] = {
			"The version of the centre's bundle (a watchlist, the roster) this post holds.",
			"Seconds since this post applied that version (fetched and verified).",
		};

		for (int f = 0; f < 2 && !rc; f++) {
			size_t i;
			json_t *o;

			rc = tims_metrics_family(out, hn[f], hh[f], TIMS_GAUGE);
			json_array_foreach(held, i, o) {
				int64_t ap = json_integer_value(json_object_get(o, "applied_ms"));
				const char *kind = json_string_value(json_object_get(o, "kind"));
				const char *list = json_string_value(json_object_get(o, "list"));

				if (rc)
					break;
				tims_metrics_labels_init(&l);
				tims_metrics_labels_add(&l, "list", list ? list : "");
				tims_metrics_labels_add(&l, "kind", kind ? kind : "");
				rc = tims_metrics_sample(out, hn[f], &l, f == 0
					? (double)json_integer_value(json_object_get(o, "version"))
					: ap > 0 && t > ap ? (double)((t - ap) / 1000) : 0);
			}
		}
	}
	json_decref(held);
	return rc;
}

tims_rc node_metrics(struct tims_node *n, struct tims_buf *out)
{
	int64_t t = wall_ms();
	uint64_t audit = 0;
	json_t *ev;
	tims_rc rc;

	pthread_mutex_lock(&n->lock);
	rc = tims_metrics_build_info(out, "post");
	if (!rc)
		rc = sync_metrics(n, out, t);
	if (!rc)
		rc = watchlist_metrics(n, out, t);
	if (!rc && n->audit && !tims_audit_size(n->audit, &audit, NULL))
		rc = one(out, "tims_audit_events", "Events in the post's audit log.", TIMS_GAUGE,
			 (double)audit);
	ev = rc ? NULL : node_events_status(n);
	if (json_is_object(ev)) {
		rc = one(out, "tims_events_pending",
			 "Events (hits, refusals, alerts) not yet delivered to the centre.",
			 TIMS_GAUGE, (double)json_integer_value(json_object_get(ev, "pending")));
		if (!rc)
			rc = one(out, "tims_events_sent_total",
				 "Events delivered to the centre by this process.", TIMS_COUNTER,
				 (double)json_integer_value(json_object_get(ev, "sent")));
	}
	json_decref(ev);
	pthread_mutex_unlock(&n->lock);
	return rc;
}
