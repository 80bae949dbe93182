/*
 * events.c — the events the posts send as they happen (tims/event.h): hits,
 * discreet checks, admissions with a hit, corrections, identity changes,
 * paper imports, limits exceeded, impostors, second-line referrals.
 *
 *   POST /api/v1/sync/events     (mutual TLS, a post)   {"events":[...]}
 *        -> {"stored", "repeated", "last_seq"}
 *   GET  /api/v1/dashboard/events (supervisor)          ?kind= &post= &limit= &offset=
 *
 * A post numbers its events (a sequence that never goes back, kept in its
 * post.db); the centre keeps each (post, number) once, so a resend after a
 * lost answer or a replay stores nothing new. The post is the one its
 * client certificate maps to (routes.c, authorize_peer), never a field of
 * the body: an event object naming an origin is refused like any unknown
 * field. A batch is all or nothing: parsed strictly first (at most
 * TIMS_EVENT_BATCH_MAX events, TIMS_EVENT_BODY_MAX bytes, numbers rising),
 * then stored in one transaction.
 *
 * Stored in centre.db's post_events table (append-only, triggers refuse
 * UPDATE and DELETE). Kinds that call for a person also go to the event
 * log and open an alert (tims_centre_event's tables, the same transaction),
 * its detail without personal data (kind, booth, officer): repeats of a
 * kind from one booth and officer are one alert with its count until it is
 * acknowledged, as for the centre's own events — so a post reporting a
 * burst cannot push a fork out of the alerts panel row by row. The
 * acknowledgement of that alert is its events'. An admission with a hit
 * stays first in the events panel until it is acknowledged.
 *
 * Reading the events (they name travellers, watchlist entries, discreet
 * checks) is audited at the centre before the answer leaves.
 */
#include <jansson.h>
#include <sodium.h>

#include "tims/event.h"
#include "tims/util.h"
#include "internal.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 200
#define OFFSET_MAX 1000000

/* 2: severe (stays first until acknowledged), 1: an alert, 0: the events
 * panel only. */
static int alert_level(unsigned kind)
{
	switch (kind) {
	case TIMS_EVENT_ADMIT_WITH_HIT:
	case TIMS_EVENT_DISCREET_HIT:
	case TIMS_EVENT_IMPOSTOR:
	case TIMS_EVENT_IDENTITY_CHANGE:
	case TIMS_EVENT_LIMIT_EXCEEDED:
	case TIMS_EVENT_WATCHLIST_MISMATCH: /* a post's copy of a centre list altered */
	case TIMS_EVENT_UNUSUAL_READING: /* or 1, as its rule says (store_one) */
	case TIMS_EVENT_AUDIT_RESET:     /* the old audit log archived (ingest.c) */
	case TIMS_EVENT_TOTP_REUSE:      /* one TOTP code, two logins (totpclaim.c) */
	case TIMS_EVENT_REVOKED:         /* a revoked post, witness or key refused */
		return 2;
	case TIMS_EVENT_CORRECTION:
	case TIMS_EVENT_PAPER_IMPORT:
	case TIMS_EVENT_WATCHLIST_LOCAL:    /* a post-local list changed */
	case TIMS_EVENT_TOKEN_UNAVAILABLE:  /* a post's signing key away, or back */
		return 1;
	case TIMS_EVENT_RETENTION: /* records erased on time: the events panel only */
		return 0;
	default:
		return 0;
	}
}

int centre_post_event_alarming(const char *kind)
{
	return alert_level(tims_event_kind_parse(kind)) > 0;
}

/* What the alert says: no document, name or watchlist reference (the
 * alerts panel is not audited); those are in the events panel. */
static void alert_detail(const struct tims_event *ev, char *out, size_t cap)
{
	static const char *const words[] = {
		[TIMS_EVENT_HIT] = "a hit",
		[TIMS_EVENT_DISCREET_HIT] = "a discreet-check hit",
		[TIMS_EVENT_ADMIT_WITH_HIT] = "admitted with a hit",
		[TIMS_EVENT_CORRECTION] = "a record corrected",
		[TIMS_EVENT_IDENTITY_CHANGE] = "an identity changed by correction",
		[TIMS_EVENT_PAPER_IMPORT] = "a paper register imported",
		[TIMS_EVENT_LIMIT_EXCEEDED] = "an officer past a limit",
		[TIMS_EVENT_IMPOSTOR] = "an impostor on the centre's address",
		[TIMS_EVENT_SECOND_LINE] = "referred to second line",
		[TIMS_EVENT_WATCHLIST_MISMATCH] = "a copy of a centre watchlist did not match its "
						  "signed digest (screening refused, repaired)",
		[TIMS_EVENT_WATCHLIST_LOCAL] = "a post-local watchlist changed",
		[TIMS_EVENT_AUDIT_RESET] = "the audit log reset by two people",
		[TIMS_EVENT_REVOKED] = "a revoked party refused",
		[TIMS_EVENT_TOKEN_UNAVAILABLE] = "the post's signing key token",
		[TIMS_EVENT_TOTP_REUSE] = "one TOTP code used for two logins",
		[TIMS_EVENT_RETENTION] = "records erased when their retention ran out",
	};
	/* what the post's detail says: the impostor, the list and why (no entry
	 * of it), the reset's two people and old checkpoint */
	int say = ev->kind == TIMS_EVENT_IMPOSTOR || ev->kind == TIMS_EVENT_AUDIT_RESET ||
		  ev->kind == TIMS_EVENT_WATCHLIST_MISMATCH || ev->kind == TIMS_EVENT_REVOKED ||
		  ev->kind == TIMS_EVENT_TOKEN_UNAVAILABLE; /* away or back, and why */

	snprintf(out, cap, "%s%s%s%s%s%s%.300s",
		 ev->kind < TIMS_ARRAY_SIZE(words) && words[ev->kind] ? words[ev->kind]
								       : tims_event_kind_name(ev->kind),
		 ev->booth[0] ? " at booth " : "", ev->booth,
		 ev->officer[0] ? ", officer " : "", ev->officer,
		 say ? ": " : "", say ? ev->detail : "");
}

/* ---- storing ---- */

enum { S_FIND, S_LOG, S_ALERT, S_ADD, S_COUNT };

static const char *const store_sql[S_COUNT] = {
	[S_FIND] = "SELECT event FROM post_events WHERE origin = ?1 AND seq = ?2",
	[S_LOG] = "INSERT INTO events (time_ms, kind, origin, detail) VALUES (?1, ?2, ?3, ?4)",
	[S_ALERT] = "INSERT INTO alerts (kind, origin, detail, count, first_ms, last_ms,"
		    " last_event, severe) VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6)"
		    " ON CONFLICT (kind, origin, detail) WHERE acked_ms IS NULL"
		    " DO UPDATE SET count = count + 1, last_ms = excluded.last_ms,"
		    " last_event = excluded.last_event RETURNING id",
	[S_ADD] = ("INSERT INTO post_events (origin, seq, kind, time_ms, received_ms, booth,"
		   " officer, decision, event, alert) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
};

struct stored {
	size_t stored, repeated, differing;
	uint64_t differing_seq;
};

static tims_rc store_one(struct tims_centre *c, sqlite3_stmt **st, const char *origin,
			 const struct tims_event *ev, uint64_t seq, int64_t now,
			 struct stored *out, struct tims_err *err)
{
	json_t *j = tims_event_json(ev, 0);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	const char *kind = tims_event_kind_name(ev->kind);
	/* the event names a traveller (document, companions, hits): sealed,
	 * its place in the associated data */
	struct tims_buf sealed = TIMS_BUF_INIT(1 << 20), had_text = TIMS_BUF_INIT(1 << 20);
	char ad[TIMS_NOTE_MAX_NAME + 64];
	char detail[600];
	int64_t alert = 0;
	tims_rc rc = TIMS_OK;
	int s, level = alert_level(ev->kind), severe = -1;

	json_decref(j);
	if (!text)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	snprintf(ad, sizeof(ad), "centre.post_events/%s/%" PRIu64, origin, seq);
	sqlite3_bind_text(st[S_FIND], 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[S_FIND], 2, (sqlite3_int64)seq);
	s = sqlite3_step(st[S_FIND]);
	if (s == SQLITE_ROW) {
		/* Held already: a resend. The first one stands; another content
		 * under the same number is reported (the post's queue was
		 * tampered with, or reset). */
		const char *had = (const char *)sqlite3_column_text(st[S_FIND], 0);

		out->repeated++;
		/* compared in clear: the held one opened (the token needed) */
		if (had && (rc = centre_open_text(c, ad, had, &had_text, err)))
			goto out;
		if (!had || strcmp(tims_buf_str(&had_text), text)) {
			out->differing++;
			out->differing_seq = seq;
		}
		goto out;
	}
	if (s != SQLITE_DONE) {
		rc = centre_db_err(c, "reading post events", err);
		goto out;
	}
	if (ev->kind == TIMS_EVENT_UNUSUAL_READING) {
		/* raised by the post while offline (alerts.c): its rule's
		 * severity; none if the centre opened it from the mirror */
		level = centre_alerts_post_event(c, origin, ev->detail, &severe, detail,
						 sizeof(detail)) ?
			1 + severe : 0;
	}
	if (level) {
		int64_t logged;

		if (ev->kind != TIMS_EVENT_UNUSUAL_READING)
			alert_detail(ev, detail, sizeof(detail));
		sqlite3_bind_int64(st[S_LOG], 1, now);
		sqlite3_bind_text(st[S_LOG], 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[S_LOG], 3, origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[S_LOG], 4, detail, -1, SQLITE_STATIC);
		if (sqlite3_step(st[S_LOG]) != SQLITE_DONE) {
			rc = centre_db_err(c, "logging a post event", err);
			goto out;
		}
		logged = sqlite3_last_insert_rowid(c->db);
		sqlite3_bind_text(st[S_ALERT], 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[S_ALERT], 2, origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[S_ALERT], 3, detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st[S_ALERT], 4, now);
		sqlite3_bind_int64(st[S_ALERT], 5, logged);
		if (severe >= 0)
			sqlite3_bind_int(st[S_ALERT], 6, severe);
		if (sqlite3_step(st[S_ALERT]) != SQLITE_ROW) {
			rc = centre_db_err(c, "alerting a post event", err);
			goto out;
		}
		alert = sqlite3_column_int64(st[S_ALERT], 0);
		while (sqlite3_step(st[S_ALERT]) == SQLITE_ROW)
			;
	}
	sqlite3_bind_text(st[S_ADD], 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[S_ADD], 2, (sqlite3_int64)seq);
	sqlite3_bind_text(st[S_ADD], 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[S_ADD], 4, ev->time_ms);
	sqlite3_bind_int64(st[S_ADD], 5, now);
	sqlite3_bind_text(st[S_ADD], 6, ev->booth, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[S_ADD], 7, ev->officer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[S_ADD], 8, ev->decision ? tims_decision_name(ev->decision) : "",
			  -1, SQLITE_STATIC);
	if ((rc = centre_seal_text(c, ad, ev->time_ms, text, &sealed, err)))
		goto out;
	sqlite3_bind_text(st[S_ADD], 9, tims_buf_str(&sealed), (int)sealed.len, SQLITE_STATIC);
	if (alert)
		sqlite3_bind_int64(st[S_ADD], 10, alert);
	if (sqlite3_step(st[S_ADD]) != SQLITE_DONE)
		rc = centre_db_err(c, "storing a post event", err);
	else
		out->stored++;
out:
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_reset(st[i]);
		sqlite3_clear_bindings(st[i]);
	}
	sodium_memzero(text, strlen(text));
	free(text);
	tims_buf_release(&sealed);
	if (had_text.buf)
		sodium_memzero(had_text.buf, had_text.len);
	tims_buf_release(&had_text);
	return rc;
}

tims_rc centre_events_store(struct tims_centre *c, const char *origin,
			    const struct tims_event *evs, const uint64_t *seqs, size_t n,
			    size_t *stored, size_t *repeated, struct tims_err *err)
{
	sqlite3_stmt *st[S_COUNT] = { 0 };
	struct stored out = { 0, 0, 0, 0 };
	int64_t now = tims_mlog_now_ms();
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	for (int i = 0; i < S_COUNT && !rc; i++)
		if (sqlite3_prepare_v2(c->db, store_sql[i], -1, &st[i], NULL) != SQLITE_OK)
			rc = centre_db_err(c, "post events", err);
	if (!rc && sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		rc = centre_db_err(c, "post events: begin", err);
	else if (!rc) {
		for (size_t i = 0; i < n && !rc; i++)
			rc = store_one(c, st, origin, &evs[i], seqs[i], now, &out, err);
		if (!rc && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = centre_db_err(c, "post events: commit", err);
		if (rc)
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st[i]);
	pthread_mutex_unlock(&c->db_lock);
	if (!rc && out.differing) {
		char d[200];

		snprintf(d, sizeof(d), "%zu events sent again with another content (the last: "
			 "number %" PRIu64 "); the first kept", out.differing, out.differing_seq);
		tims_centre_event(c, "malformed", origin, d);
	}
	*stored = out.stored;
	*repeated = out.repeated;
	return rc;
}

/* ---- POST /api/v1/sync/events ---- */

const struct tims_json_field centre_sync_events_schema[] = {
	{ "events", TIMS_JSON_ARRAY, 1, TIMS_EVENT_BATCH_MAX },
	{ NULL, 0, 0, 0 },
};

tims_rc centre_h_sync_events(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	json_t *arr = json_object_get(req->json, "events");
	size_t n = json_array_size(arr), stored = 0, repeated = 0;
	struct tims_event *evs;
	uint64_t seqs[TIMS_EVENT_BATCH_MAX];
	struct tims_err err, e1;
	tims_rc rc = TIMS_OK;

	if (tims_centre_isolated(s->c))
		return tims_http_reply_error(resp, 503, "isolated",
					     "the centre is isolated (tims centre rejoin)");
	if (n > TIMS_EVENT_BATCH_MAX) /* the schema says so too */
		return tims_http_reply_error(resp, 400, "bad_events", "events: at most %d",
					     TIMS_EVENT_BATCH_MAX);
	if (!n)
		return tims_http_reply_json(resp, 200, json_pack("{s:i, s:i, s:i}", "stored", 0,
								 "repeated", 0, "last_seq", 0));
	if (!(evs = malloc(n * sizeof(*evs))))
		return TIMS_ERR_NOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = tims_event_from_json(json_array_get(arr, i), &evs[i], &seqs[i], &e1)))
			tims_err_set(&err, rc, "events[%zu]: %s", i, e1.msg);
		else if (i && seqs[i] <= seqs[i - 1])
			rc = tims_err_set(&err, TIMS_ERR_INVALID, "events[%zu].seq: not after the "
					  "one before (want rising numbers)", i);
	}
	if (rc) {
		free(evs);
		tims_centre_event(s->c, "malformed", req->who.id, err.msg);
		return tims_http_reply_error(resp, 400, "bad_events", "%s", err.msg);
	}
	rc = centre_events_store(s->c, req->who.id, evs, seqs, n, &stored, &repeated, &err);
	/* A two-person audit reset at the post: its old audit log's mirror is
	 * archived (once per event) and the new log accepted (ingest.c). */
	for (size_t i = 0; !rc && i < n; i++)
		if (evs[i].kind == TIMS_EVENT_AUDIT_RESET)
			rc = centre_audit_archive(s->c, req->who.id, seqs[i], evs[i].detail, &err);
	free(evs);
	if (rc) {
		if (s->log) {
			struct tims_log_line l;

			tims_log_begin(&l, TIMS_LOG_WARNING, "events");
			tims_log_add(&l, "post", req->who.id);
			tims_log_add(&l, "error", err.msg);
			s->log(s->log_ctx, tims_log_text(&l));
		}
		/* centre.db stopped after an I/O error: nothing is stored until
		 * the centre is restarted (centre_db_err) */
		if (centre_db_stopped(s->c))
			return tims_http_reply_error(resp, 503, "halted", "%s", err.msg);
		return rc; /* a 500: the post sends them again */
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:I, s:I, s:I}", "stored",
		(json_int_t)stored, "repeated", (json_int_t)repeated, "last_seq",
		(json_int_t)seqs[n - 1]));
}

/* ---- GET /api/v1/dashboard/events ---- */

/*
 * A page is the unacknowledged admissions with a hit (newest first), then
 * every other event, newest first. Two queries, each walking an index
 * (post_events_kind, post_events_origin, or the rowid) and stopping at the
 * page: the panel is polled every 2 s under db_lock, so nothing may sort
 * the whole table (SQLite, 500 000 events: under 1 ms a page, the count
 * 25-100 ms; one query with ORDER BY open took 1.6 s).
 */
static const char event_cols[] =
	"SELECT e.id, e.origin, p.name, e.seq, e.received_ms, e.event, e.alert, a.acked_ms,"
	" a.acked_by, ";
#define OPEN_EXPR "(e.kind = 'admit-with-hit' AND e.alert IS NOT NULL AND a.acked_ms IS NULL)"
#define PINNED_MAX 100000

static json_t *event_row(struct tims_centre *c, sqlite3_stmt *st, struct tims_err *err)
{
	const char *text = (const char *)sqlite3_column_text(st, 5);
	const char *org = (const char *)sqlite3_column_text(st, 1);
	struct tims_buf pt = TIMS_BUF_INIT(1 << 20);
	char ad[TIMS_NOTE_MAX_NAME + 64];
	json_t *o = NULL;
	const char *name = (const char *)sqlite3_column_text(st, 2);

	snprintf(ad, sizeof(ad), "centre.post_events/%s/%lld", org ? org : "",
		 (long long)sqlite3_column_int64(st, 3));
	if (text && !centre_open_text(c, ad, text, &pt, err))
		o = json_loads(tims_buf_str(&pt), JSON_REJECT_DUPLICATES, NULL);
	if (pt.buf)
		sodium_memzero(pt.buf, pt.len);
	tims_buf_release(&pt);
	int has_alert = sqlite3_column_type(st, 6) != SQLITE_NULL;
	int acked = sqlite3_column_type(st, 7) != SQLITE_NULL;

	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "origin", json_string((const char *)sqlite3_column_text(st, 1)));
	json_object_set_new(o, "post", name ? json_string(name) : json_null());
	json_object_set_new(o, "seq", json_integer(sqlite3_column_int64(st, 3)));
	json_object_set_new(o, "received_ms", json_integer(sqlite3_column_int64(st, 4)));
	json_object_set_new(o, "alert_id", has_alert ? json_integer(sqlite3_column_int64(st, 6))
						    : json_null());
	json_object_set_new(o, "acknowledged", json_boolean(acked));
	if (acked && sqlite3_column_text(st, 8))
		json_object_set_new(o, "acknowledged_by",
				    json_string((const char *)sqlite3_column_text(st, 8)));
	json_object_set_new(o, "highlight", json_boolean(sqlite3_column_int(st, 9)));
	return o;
}

tims_rc centre_h_dash_events(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *kind = tims_http_query(req, "kind"), *post = tims_http_query(req, "post");
	const char *ls = tims_http_query(req, "limit"), *os = tims_http_query(req, "offset");
	uint64_t limit = PAGE_DEFAULT, offset = 0;
	sqlite3_stmt *st = NULL;
	json_t *list = json_array(), *q, *out;
	json_int_t total = 0, open = 0;
	char sql[1024], where[64], origin[TIMS_NOTE_MAX_NAME + 1], *qtext, *atext;
	struct tims_err err;
	tims_rc rc = TIMS_OK;

	if (!list)
		return TIMS_ERR_NOMEM;
	if (kind && !tims_event_kind_parse(kind)) {
		json_decref(list);
		return tims_http_reply_error(resp, 400, "bad_query", "kind: want one of hit, "
					     "discreet-hit, admit-with-hit, correction, identity-change, "
					     "paper-import, limit-exceeded, impostor, second-line");
	}
	if (post && (!*post || strlen(post) > TIMS_NOTE_MAX_NAME)) {
		json_decref(list);
		return tims_http_reply_error(resp, 400, "bad_query", "post: a post's name or origin");
	}
	if ((ls && (tims_parse_u64(ls, PAGE_MAX, &limit, "limit", NULL) || !limit)) ||
	    (os && tims_parse_u64(os, OFFSET_MAX, &offset, "offset", NULL))) {
		json_decref(list);
		return tims_http_reply_error(resp, 400, "bad_query", "limit: 1 to %d; offset: 0 "
					     "to %d", PAGE_MAX, OFFSET_MAX);
	}
	pthread_mutex_lock(&s->c->db_lock);
	/* post: a name or an origin; events are kept by origin */
	snprintf(origin, sizeof(origin), "%s", post ? post : "");
	if (post && sqlite3_prepare_v2(s->c->db, "SELECT origin FROM posts WHERE name = ?1", -1,
				       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, post, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(origin, sizeof(origin), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		st = NULL;
	}
	snprintf(where, sizeof(where), "%s%s", kind ? " AND e.kind = ?1" : "",
		 post ? " AND e.origin = ?2" : "");
	for (int step = 0; step < 3 && !rc; step++) {
		int pinned = step == 0, counting = step == 2;

		if (pinned && kind && tims_event_kind_parse(kind) != TIMS_EVENT_ADMIT_WITH_HIT)
			continue; /* a filter without admissions: nothing pinned */
		if (pinned)
			snprintf(sql, sizeof(sql), "%s1 FROM post_events e JOIN alerts a ON a.id = e.alert"
				 " LEFT JOIN posts p ON p.origin = e.origin WHERE e.kind = 'admit-with-hit'"
				 " AND a.acked_ms IS NULL%s ORDER BY e.id DESC LIMIT %d", event_cols,
				 post ? " AND e.origin = ?2" : "", PINNED_MAX);
		else if (!counting)
			snprintf(sql, sizeof(sql), "%s0 FROM post_events e LEFT JOIN posts p ON"
				 " p.origin = e.origin LEFT JOIN alerts a ON a.id = e.alert WHERE"
				 " NOT " OPEN_EXPR "%s ORDER BY e.id DESC LIMIT ?3 OFFSET ?4",
				 event_cols, where);
		else
			snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM post_events e WHERE 1%s", where);
		if (sqlite3_prepare_v2(s->c->db, sql, -1, &st, NULL) != SQLITE_OK) {
			rc = centre_db_err(s->c, "reading post events", &err);
			break;
		}
		if (kind && !pinned)
			sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		if (post)
			sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
		if (!pinned && !counting) {
			/* what the pinned rows left of the page */
			uint64_t skip = offset > (uint64_t)open ? offset - (uint64_t)open : 0;

			sqlite3_bind_int64(st, 3, (sqlite3_int64)(limit - json_array_size(list)));
			sqlite3_bind_int64(st, 4, (sqlite3_int64)skip);
		}
		if (counting) {
			if (sqlite3_step(st) == SQLITE_ROW)
				total = sqlite3_column_int64(st, 0);
		} else while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *o;
			uint64_t at = pinned ? (uint64_t)open++ : 0;

			if (pinned && (at < offset || at >= offset + limit))
				continue; /* counted, not on this page */
			err.rc = TIMS_OK;
			if (!(o = event_row(s->c, st, &err)) || json_array_append_new(list, o)) {
				rc = err.rc == TIMS_ERR_UNAVAILABLE ? TIMS_ERR_UNAVAILABLE :
				     tims_err_set(&err, TIMS_ERR_DB, "centre.db: post event %lld: "
						  "unreadable", (long long)sqlite3_column_int64(st, 0));
				break;
			}
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	pthread_mutex_unlock(&s->c->db_lock);
	if (rc == TIMS_ERR_UNAVAILABLE) {
		json_decref(list);
		return tims_http_reply_error(resp, 503, "token_unavailable", "%s", err.msg);
	}
	if (rc) {
		json_decref(list);
		return rc;
	}
	out = json_pack("{s:o, s:I, s:I, s:I, s:I}", "events", list, "total", total,
			"unacknowledged_admit_with_hit", open, "limit", (json_int_t)limit,
			"offset", (json_int_t)offset);
	if (!out)
		return TIMS_ERR_NOMEM;
	/* They name travellers and watchlist entries: audited before they leave. */
	q = json_pack("{s:s?, s:s?, s:I, s:I}", "kind", kind, "post", post, "limit",
		      (json_int_t)limit, "offset", (json_int_t)offset);
	qtext = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	atext = json_dumps(out, JSON_COMPACT);
	json_decref(q);
	rc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr,
			  "dashboard.events", "supervision: events from the posts",
			  qtext ? qtext : "{}", atext, 200, &err);
	free(qtext);
	free(atext);
	if (rc) {
		json_decref(out);
		return centre_no_trace(s->c, resp, rc);
	}
	return tims_http_reply_json(resp, 200, out);
}
