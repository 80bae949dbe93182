/*
 * events.c — what this post tells the centre as it happens (tims/event.h):
 * node_event stores an event in post.db (the queue of lib/post/events.c)
 * and wakes the sync thread, which sends what is pending to the centre
 * (POST /api/v1/sync/events, docs/sync.md, "Events") right after its
 * round with the centre: in order, at most TIMS_EVENT_BATCH_MAX at a time,
 * each with its sequence number so that the centre stores a resend once.
 * Offline, events wait in post.db — across restarts — and leave, oldest
 * first, at the first round the centre answers.
 *
 * Callers (the booth, corrections, the sync thread's impostor alert) do
 * not care about transport: node_event returns once the event is durable.
 * It may be called with or without n->lock held: it takes only the
 * queue's own lock, and wakes the sync thread with an atomic flag and a
 * broadcast on n->wake (if the thread was busy, it runs its next round at
 * once instead of waiting).
 */
#include <jansson.h>
#include <stdatomic.h>
#include <time.h>

#include "tims/event.h"
#include "tims/mlog.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "internal.h"

#define ANSWER_MAX (16u << 10)
#define DELIVER_ROUNDS 16     /* batches sent in one sync round, at most */

struct node_events {
	struct tims_post_events *q;
	atomic_int kick;          /* an event waits: do not sleep a whole round */
	/* under lock: what the status route shows */
	pthread_mutex_t lock;
	uint64_t sent;            /* events the centre confirmed, this process */
	int64_t last_sent_ms;
	char last_error[TIMS_ERR_MSG_BYTES];
};

tims_rc node_events_start(struct tims_node *n, struct tims_err *err)
{
	struct node_events *e = calloc(1, sizeof(*e));
	tims_rc rc;

	if (!e)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	atomic_init(&e->kick, 0);
	pthread_mutex_init(&e->lock, NULL);
	if ((rc = tims_post_events_open(n->dir, &e->q, err))) {
		pthread_mutex_destroy(&e->lock);
		free(e);
		return rc;
	}
	n->events = e;
	/* Events left from before a restart leave at the first round. */
	atomic_store(&e->kick, 1);
	return TIMS_OK;
}

void node_events_stop(struct tims_node *n)
{
	struct node_events *e = n->events;

	if (!e)
		return;
	tims_post_events_close(e->q);
	pthread_mutex_destroy(&e->lock);
	free(e);
	n->events = NULL;
}

tims_rc node_event(struct tims_node *n, const struct tims_event *ev, struct tims_err *err)
{
	struct node_events *e = n->events;
	uint64_t seq = 0;
	tims_rc rc;

	if (!e)
		return tims_err_set(err, TIMS_ERR_STATE, "events: the node is not started");
	if ((rc = tims_post_event_add(e->q, ev, &seq, err)))
		return rc;
	/* No personal data in the process log: kind and number only. */
	node_log(n, "event %" PRIu64 " (%s) queued for the centre", seq,
		 tims_event_kind_name(ev->kind));
	atomic_store(&e->kick, 1);
	pthread_cond_broadcast(&n->wake);
	return TIMS_OK;
}

int node_events_kicked(struct tims_node *n)
{
	return n->events && atomic_exchange(&n->events->kick, 0);
}

/* ---- delivery (the sync thread) ------------------------------------------ */

struct batch {
	struct tims_buf body;     /* {"events":[...]} being built */
	size_t count;
	uint64_t last_seq;
	int full;
};

static tims_rc add_one(void *ctx, uint64_t seq, const struct tims_event *ev)
{
	struct batch *b = ctx;
	json_t *j;
	char *text;
	size_t len, at = b->body.len;
	tims_rc rc = TIMS_OK;

	if (b->full)
		return TIMS_OK; /* the rest goes in the next batch */
	if (!(j = tims_event_json(ev, seq)) || !(text = json_dumps(j, JSON_COMPACT |
								   JSON_SORT_KEYS))) {
		json_decref(j);
		return TIMS_ERR_NOMEM;
	}
	json_decref(j);
	len = strlen(text);
	/* "]}" must still fit */
	if (b->body.len + len + 1 + 2 > TIMS_EVENT_BODY_MAX) {
		b->full = 1;
	} else if ((b->count && tims_buf_addch(&b->body, ',')) ||
		   tims_buf_add(&b->body, text, len)) {
		b->body.len = at;
		rc = TIMS_ERR_NOMEM;
	} else {
		b->count++;
		b->last_seq = seq;
	}
	free(text);
	return rc;
}

static void note_error(struct node_events *e, struct tims_node *n, const char *msg)
{
	pthread_mutex_lock(&e->lock);
	if (strcmp(e->last_error, msg) != 0)
		node_logl(n, TIMS_LOG_WARNING, "events: %s", msg);
	snprintf(e->last_error, sizeof(e->last_error), "%s", msg);
	pthread_mutex_unlock(&e->lock);
}

void node_events_deliver(struct tims_node *n, struct tims_sync_conn *conn,
			 const struct tims_sync_peer *peer)
{
	struct node_events *e = n->events;
	struct tims_buf ans = TIMS_BUF_INIT(ANSWER_MAX);
	struct batch b = { TIMS_BUF_INIT(TIMS_EVENT_BODY_MAX), 0, 0, 0 };
	struct tims_err err = { 0 };
	char msg[TIMS_ERR_MSG_BYTES];
	long status;

	if (!e)
		return;
	for (int round = 0; round < DELIVER_ROUNDS; round++) {
		json_t *j;
		json_int_t last;

		tims_buf_reset(&b.body);
		b.count = 0;
		b.last_seq = 0;
		b.full = 0;
		if (tims_buf_addstr(&b.body, "{\"events\":[") ||
		    tims_post_events_pending(e->q, TIMS_EVENT_BATCH_MAX, add_one, &b, &err)) {
			note_error(e, n, err.msg[0] ? err.msg : "out of memory");
			break;
		}
		if (!b.count) {
			if (b.full) /* one event larger than a body: cannot leave */
				note_error(e, n, "an event too large to send");
			break;
		}
		if (tims_buf_addstr(&b.body, "]}")) {
			note_error(e, n, "out of memory");
			break;
		}
		tims_buf_reset(&ans);
		if (tims_sync_conn_http(conn, peer, "POST", "/api/v1/sync/events", b.body.buf,
					b.body.len, "application/json", ANSWER_MAX, &ans, &status,
					&err)) {
			note_error(e, n, err.msg);
			break;
		}
		j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
		last = json_integer_value(json_object_get(j, "last_seq"));
		if (status != 200 || (uint64_t)last != b.last_seq) {
			snprintf(msg, sizeof(msg), "the centre refused %zu events (%ld): %.200s",
				 b.count, status,
				 json_string_value(json_object_get(j, "message")) ?
				 json_string_value(json_object_get(j, "message")) : "");
			json_decref(j);
			note_error(e, n, msg);
			break;
		}
		json_decref(j);
		if (tims_post_events_delivered(e->q, b.last_seq, &err)) {
			/* sent again next round: the centre stores it once */
			note_error(e, n, err.msg);
			break;
		}
		pthread_mutex_lock(&e->lock);
		e->sent += b.count;
		e->last_sent_ms = tims_mlog_now_ms();
		if (e->last_error[0])
			node_log(n, "events: delivered again");
		e->last_error[0] = '\0';
		pthread_mutex_unlock(&e->lock);
		if (!b.full && b.count < TIMS_EVENT_BATCH_MAX)
			break;
	}
	tims_buf_release(&b.body);
	tims_buf_release(&ans);
}

json_t *node_events_status(struct tims_node *n)
{
	struct node_events *e = n->events;
	struct tims_post_events_stats st;
	json_t *o;

	if (!e || tims_post_events_stats(e->q, &st, NULL))
		return json_null();
	pthread_mutex_lock(&e->lock);
	o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "pending", (json_int_t)st.pending,
		      "oldest_pending_ms", (json_int_t)st.oldest_pending_ms,
		      "last_seq", (json_int_t)st.last_seq,
		      "sent", (json_int_t)e->sent, "last_sent_ms", (json_int_t)e->last_sent_ms);
	if (o && e->last_error[0])
		json_object_set_new(o, "last_error", json_string(e->last_error));
	pthread_mutex_unlock(&e->lock);
	return o ? o : json_null();
}

tims_rc node_events_count(struct tims_node *n, int64_t from_ms, int64_t to_ms,
			  uint64_t counts[TIMS_POST_EVENT_KINDS], struct tims_err *err)
{
	if (!n->events) {
		memset(counts, 0, sizeof(uint64_t) * TIMS_POST_EVENT_KINDS);
		return tims_err_set(err, TIMS_ERR_STATE, "events: the post's event queue is not open");
	}
	return tims_post_events_count(n->events->q, from_ms, to_ms, counts, err);
}
