/*
 * travel.c — the post's replica of the national travel history (docs/sync.md,
 * "National travel history"): pulled page by page from the centre each sync
 * round, and marked current or not.
 */
#include "sync_int.h"

#define TRAVEL_PAGES_A_ROUND 32

/* How long a replica caught up counts as current: as the centre's online. */
static int64_t travel_window(const struct node_sync *s)
{
	return (int64_t)s->interval_ms * 3 > ONLINE_MIN_MS ? (int64_t)s->interval_ms * 3
							   : ONLINE_MIN_MS;
}

static void travel_note(struct node_sync *s, const char *error)
{
	struct tims_national_state st;
	struct tims_err err;

	if (error && s->national)
		tims_national_mark(s->national, now_ms(), travel_window(s), error, NULL);
	if (s->national && !tims_national_state(s->national, 0, &st, &err)) {
		pthread_mutex_lock(&s->n->lock);
		s->national_cursor = st.cursor;
		s->national_as_of_ms = st.as_of_ms;
		pthread_mutex_unlock(&s->n->lock);
	}
	pthread_mutex_lock(&s->n->lock);
	if (error && strcmp(s->national_error, error) != 0)
		node_log(s->n, "national travel history: %s", error);
	snprintf(s->national_error, sizeof(s->national_error), "%s", error ? error : "");
	pthread_mutex_unlock(&s->n->lock);
}

/* The centre did not answer this round: the replica is not current from
 * now on (not only once its window has passed). */
void node_sync_travel_offline(struct node_sync *s, const char *error)
{
	if (s->national)
		tims_national_mark(s->national, now_ms(), travel_window(s), error, NULL);
}

/*
 * Pull what changed in the national travel history since the replica's
 * cursor, page by page (each checked whole and applied in one
 * transaction), until caught up — then the replica is current as of the
 * time the pull started — or TRAVEL_PAGES_A_ROUND pages (the rest next
 * round: the push is not held back by a first filling).
 */
void node_sync_pull_travel(struct node_sync *s, const struct tims_sync_peer *peer)
{
	struct tims_buf ans = TIMS_BUF_INIT(TIMS_NATIONAL_MAX_PAGE_BYTES);
	struct tims_national_state st;
	struct tims_err err;
	int64_t started = now_ms();
	char path[128], why[TIMS_ERR_MSG_BYTES + 64];

	if (!s->national && tims_national_open(s->n->dir, 1, &s->national, &err)) {
		travel_note(s, tims_err_msg(&err));
		return;
	}
	for (int pages = 0; pages < TRAVEL_PAGES_A_ROUND && !atomic_load(&s->stop); pages++) {
		struct tims_national_page pg;
		long status;
		int more;
		tims_rc rc;

		if (tims_national_state(s->national, 0, &st, &err)) {
			travel_note(s, tims_err_msg(&err));
			break;
		}
		snprintf(path, sizeof(path), "/api/v1/sync/travel?since=%" PRIu64 "&limit=%d",
			 st.cursor, TIMS_NATIONAL_MAX_PAGE);
		if (tims_sync_conn_http(s->conn, peer, "GET", path, NULL, 0, NULL,
					TIMS_NATIONAL_MAX_PAGE_BYTES, &ans, &status, &err)) {
			travel_note(s, tims_err_msg(&err));
			break;
		}
		if (status == 409 && ans.buf && strstr(tims_buf_str(&ans), "\"cursor_ahead\"")) {
			/* the centre's feed started again (a rebuilt store): so do we */
			node_log(s->n, "national travel history: the centre's feed started again; "
				 "pulling it from the start");
			if (tims_national_reset(s->national, &err)) {
				travel_note(s, tims_err_msg(&err));
				break;
			}
			continue;
		}
		if (status != 200) {
			snprintf(why, sizeof(why), "the centre answered %ld to %s", status, path);
			travel_note(s, why);
			break;
		}
		rc = tims_national_page_parse(ans.buf, ans.len, st.cursor, TIMS_NATIONAL_MAX_PAGE,
					      &pg, &err);
		if (!rc)
			rc = tims_national_apply(s->national, &pg, tims_post_origin(s->post), &err);
		more = pg.more;
		tims_national_page_release(&pg);
		if (rc == TIMS_ERR_STATE) {
			/* another feed than the one followed: a rebuilt store */
			node_log(s->n, "national travel history: %s", tims_err_msg(&err));
			if (tims_national_reset(s->national, &err)) {
				travel_note(s, tims_err_msg(&err));
				break;
			}
			continue;
		}
		if (rc) {
			snprintf(why, sizeof(why), "a page from %" PRIu64 " refused, nothing of it "
				 "kept: %s", st.cursor, tims_err_msg(&err));
			travel_note(s, why);
			break;
		}
		if (!more) {
			if (tims_national_mark(s->national, started, travel_window(s), NULL, &err))
				travel_note(s, tims_err_msg(&err));
			else
				travel_note(s, NULL);
			break;
		}
	}
	tims_buf_release(&ans);
}
