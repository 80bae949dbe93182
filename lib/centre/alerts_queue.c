/*
 * alerts_queue.c — the dashboard's alerts as a queue (docs/dashboard.md,
 * docs/alerts.md): a supervisor acknowledges an alert, assigns it to an
 * officer of the centre, and closes it with a note. Severe alerts stay on
 * the panel until closed; the others leave it once acknowledged.
 *
 *   GET  /api/v1/dashboard/alerts          supervisor, auditor, admin
 *   POST /api/v1/dashboard/alerts/ack      {"id"}                supervisor
 *   POST /api/v1/dashboard/alerts/assign   {"id", "officer"}     supervisor
 *   POST /api/v1/dashboard/alerts/close    {"id", "note"}        supervisor
 *
 * Each action changes the alert and is written to the centre's audit log
 * (dashboard.alert.ack / .assign / .close: who, which alert, to whom, the
 * note) in one step: the row is changed in a transaction that commits only
 * once its audit event is durable, so no action is without its event.
 */
#include <jansson.h>

#include "tims/officer.h"
#include "tims/util.h"
#include "internal.h"

#define ALERTS_MAX 100
#define NOTE_MAX 1000

/* Event kinds that call for a person to look. */
static int alarming(const char *kind)
{
	static const char *const kinds[] = { "malformed", "refused", "store", "login-failed",
					     "unusual-reading" };

	if (tims_centre_severe(kind) || centre_post_event_alarming(kind)) /* events.c */
		return 1;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i]))
			return 1;
	return 0;
}

static int row_severe(sqlite3_stmt *st, const char *kind)
{
	return sqlite3_column_type(st, 7) != SQLITE_NULL ? sqlite3_column_int(st, 7) != 0 :
							     tims_centre_severe(kind);
}

static const char *state_of(sqlite3_stmt *st)
{
	if (sqlite3_column_type(st, 11) != SQLITE_NULL)
		return "closed";
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		return "assigned";
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		return "acknowledged";
	return "open";
}

#define COLS "SELECT id, kind, origin, detail, count, first_ms, last_ms, severe, acked_ms," \
	     " acked_by, assigned_to, closed_ms, closed_by, note, assigned_by FROM alerts"

static json_t *row_json(sqlite3_stmt *st, int severe)
{
	const char *origin = (const char *)sqlite3_column_text(st, 2);
	json_t *o = json_pack("{s:I, s:I, s:s, s:s?, s:s, s:I, s:I, s:I, s:b, s:s}",
		"id", (json_int_t)sqlite3_column_int64(st, 0),
		"time_ms", (json_int_t)sqlite3_column_int64(st, 6),
		"kind", (const char *)sqlite3_column_text(st, 1),
		"origin", origin && *origin ? origin : NULL,
		"detail", (const char *)sqlite3_column_text(st, 3),
		"count", (json_int_t)sqlite3_column_int64(st, 4),
		"first_ms", (json_int_t)sqlite3_column_int64(st, 5),
		"last_ms", (json_int_t)sqlite3_column_int64(st, 6),
		"severe", severe, "state", state_of(st));

#define OPT_S(k, col) if (o && sqlite3_column_type(st, col) != SQLITE_NULL) \
	json_object_set_new(o, k, json_string((const char *)sqlite3_column_text(st, col)))
#define OPT_I(k, col) if (o && sqlite3_column_type(st, col) != SQLITE_NULL) \
	json_object_set_new(o, k, json_integer(sqlite3_column_int64(st, col)))
	OPT_I("acknowledged_ms", 8);
	OPT_S("acknowledged_by", 9);
	OPT_S("assigned_to", 10);
	OPT_S("assigned_by", 14);
	OPT_I("closed_ms", 11);
	OPT_S("closed_by", 12);
	OPT_S("note", 13);
#undef OPT_S
#undef OPT_I
	return o;
}

/*
 * Open alerts, repeats aggregated (tims_centre_event): first every severe
 * one not yet closed, however old, then the most recent others not yet
 * acknowledged, up to ALERTS_MAX rows. A retrying peer is one row with its
 * count, so it cannot push a fork or a rollback out of the panel.
 */
static void alerts_list(struct centre_serve *s, int severe, unsigned *n, json_t *list)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->c->db, COLS " WHERE closed_ms IS NULL AND (acked_ms IS NULL"
			       " OR ?1) ORDER BY last_ms DESC, id DESC", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int(st, 1, severe);
	while (*n < ALERTS_MAX && sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		int sev;

		if (!kind || !alarming(kind))
			continue;
		sev = row_severe(st, kind);
		if (sev != severe || (!sev && sqlite3_column_type(st, 8) != SQLITE_NULL))
			continue;
		(*n)++;
		json_array_append_new(list, row_json(st, sev));
	}
	sqlite3_finalize(st);
}

/* ?closed=N: the N (1..100) most recently closed, with their notes. */
tims_rc centre_h_dash_alerts(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *cs = tims_http_query(req, "closed");
	uint64_t closed = 0;
	json_t *list = json_array(), *done = json_array();
	unsigned n = 0;

	if (cs && tims_parse_u64(cs, ALERTS_MAX, &closed, "closed", NULL)) {
		json_decref(list);
		json_decref(done);
		return tims_http_reply_error(resp, 400, "bad_query", "closed: want 0 to %d",
					     ALERTS_MAX);
	}
	pthread_mutex_lock(&s->c->db_lock);
	alerts_list(s, 1, &n, list);
	alerts_list(s, 0, &n, list);
	if (closed) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(s->c->db, COLS " WHERE closed_ms IS NOT NULL ORDER BY"
				       " closed_ms DESC, id DESC LIMIT ?1", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)closed);
			while (sqlite3_step(st) == SQLITE_ROW)
				json_array_append_new(done, row_json(st, row_severe(st,
					(const char *)sqlite3_column_text(st, 1))));
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&s->c->db_lock);
	return tims_http_reply_json(resp, 200, json_pack("{s:o, s:o}", "alerts", list, "closed",
							 done));
}

/* --- the actions ------------------------------------------------------------ */

const struct tims_json_field centre_ack_schema[] = {
	{ "id", TIMS_JSON_INTEGER, 1, 0 },
	{ NULL, 0, 0, 0 },
};

const struct tims_json_field centre_assign_schema[] = {
	{ "id", TIMS_JSON_INTEGER, 1, 0 },
	{ "officer", TIMS_JSON_STRING, 1, TIMS_OFFICER_ID_MAX },
	{ NULL, 0, 0, 0 },
};

const struct tims_json_field centre_close_schema[] = {
	{ "id", TIMS_JSON_INTEGER, 1, 0 },
	{ "note", TIMS_JSON_STRING, 1, NOTE_MAX },
	{ NULL, 0, 0, 0 },
};

enum act { ACK, ASSIGN, CLOSE };

static const char *const act_sql[] = {
	[ACK] = "UPDATE alerts SET acked_ms = ?2, acked_by = ?3 WHERE id = ?1 AND acked_ms IS NULL"
		" AND closed_ms IS NULL RETURNING kind, origin, detail, count",
	[ASSIGN] = "UPDATE alerts SET acked_ms = coalesce(acked_ms, ?2), acked_by ="
		   " coalesce(acked_by, ?3), assigned_to = ?4, assigned_by = ?3, assigned_ms = ?2"
		   " WHERE id = ?1 AND closed_ms IS NULL RETURNING kind, origin, detail, count",
	[CLOSE] = "UPDATE alerts SET acked_ms = coalesce(acked_ms, ?2), acked_by ="
		  " coalesce(acked_by, ?3), closed_ms = ?2, closed_by = ?3, note = ?4"
		  " WHERE id = ?1 AND closed_ms IS NULL RETURNING kind, origin, detail, count",
};
static const char *const act_name[] = { [ACK] = "dashboard.alert.ack",
	[ASSIGN] = "dashboard.alert.assign", [CLOSE] = "dashboard.alert.close" };
static const char *const act_missing[] = {
	[ACK] = "unknown, already acknowledged or closed",
	[ASSIGN] = "unknown or closed", [CLOSE] = "unknown or already closed" };

/*
 * Change alert id and audit it, together: the row's transaction commits
 * only once the audit event is durable. 404 for no such alert in a state
 * the action applies to; 500 (nothing changed) when the audit log cannot
 * be written.
 */
static tims_rc act(struct centre_serve *s, struct tims_http_req *req, enum act a,
		   json_int_t id, const char *arg, struct tims_http_resp *resp)
{
	struct tims_centre *c = s->c;
	sqlite3_stmt *st = NULL;
	struct tims_err err;
	json_t *q = NULL, *out;
	char *text = NULL;
	tims_rc rc = TIMS_OK, arc = TIMS_OK;
	int found = 0, status = 200;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "alerts: begin", &err);
		pthread_mutex_unlock(&c->db_lock);
		return rc;
	}
	if (sqlite3_prepare_v2(c->db, act_sql[a], -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "alerts: queue", &err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	sqlite3_bind_text(st, 3, req->who.id, -1, SQLITE_STATIC);
	if (arg)
		sqlite3_bind_text(st, 4, arg, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		found = 1;
		q = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", id,
			      "kind", (const char *)sqlite3_column_text(st, 0),
			      "origin", (const char *)sqlite3_column_text(st, 1),
			      "detail", (const char *)sqlite3_column_text(st, 2),
			      "count", (json_int_t)sqlite3_column_int64(st, 3));
		if (q && a == ASSIGN)
			json_object_set_new(q, "assigned_to", json_string(arg));
		if (q && a == CLOSE)
			json_object_set_new(q, "note", json_string(arg));
		while (sqlite3_step(st) == SQLITE_ROW)
			;
		break;
	case SQLITE_DONE:
		status = 404;
		break;
	default:
		rc = centre_db_err(c, "alerts: queue", &err);
	}
	sqlite3_finalize(st);
	if (rc || !found)
		goto out;
	text = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	/* who did what to which alert: durable before the change is */
	if (!text || (arc = centre_audit(c, req->who.id, tims_role_name(req->who.role),
					 req->addr, act_name[a], "", text, NULL, 200, &err)))
		status = 500;
	else if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = centre_db_err(c, "alerts: commit", &err);
out:
	if (rc || status != 200)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&c->db_lock);
	json_decref(q);
	free(text);
	if (rc)
		return rc;
	if (status == 404)
		return tims_http_reply_error(resp, 404, "no_alert", "id: no alert %lld (%s)",
					     (long long)id, act_missing[a]);
	if (status == 500) /* the alert is unchanged: 507, 503 halted or 500 */
		return arc ? centre_no_trace(c, resp, arc)
			   : tims_http_reply_error(resp, 500, "audit_unavailable", "the audit log "
						   "cannot be written: the alert is unchanged");
	out = json_pack("{s:I, s:s}", "id", id, "by", req->who.id);
	if (out && a == ACK)
		json_object_set_new(out, "acknowledged", json_true());
	if (out && a == ASSIGN)
		json_object_set_new(out, "assigned_to", json_string(arg));
	if (out && a == CLOSE)
		json_object_set_new(out, "closed", json_true());
	return tims_http_reply_json(resp, 200, out);
}

static json_int_t alert_id(struct tims_http_req *req)
{
	return json_integer_value(json_object_get(req->json, "id"));
}

tims_rc centre_h_dash_ack(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	json_int_t id = alert_id(req);

	if (id <= 0)
		return tims_http_reply_error(resp, 400, "bad_field", "id: want an alert's id");
	return act(app, req, ACK, id, NULL, resp);
}

struct find_officer {
	const char *id;
	int found, usable;
};

static int find_one(void *ctx, const struct tims_officer *o)
{
	struct find_officer *f = ctx;

	if (strcmp(o->id, f->id))
		return 0;
	f->found = 1;
	/* the centre's people who look into alerts; a booth account works at
	 * the posts, an administrator reads no alerts' cases */
	f->usable = !o->disabled && (o->role & (TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST |
						TIMS_ROLE_AUDITOR));
	return 1;
}

tims_rc centre_h_dash_assign(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	json_int_t id = alert_id(req);
	const char *to = json_string_value(json_object_get(req->json, "officer"));
	struct find_officer f = { to, 0, 0 };
	struct tims_err err;
	tims_rc rc;

	if (id <= 0)
		return tims_http_reply_error(resp, 400, "bad_field", "id: want an alert's id");
	if (!to || !*to)
		return tims_http_reply_error(resp, 400, "bad_field", "officer: want an officer "
					     "of the centre");
	pthread_mutex_lock(&s->officers_lock);
	rc = tims_officer_list(s->officers, find_one, &f, &err);
	pthread_mutex_unlock(&s->officers_lock);
	if (rc)
		return rc;
	if (!f.found || !f.usable)
		return tims_http_reply_error(resp, 400, "bad_field", "officer: %s",
					     f.found ? "disabled, or not a supervisor, analyst or "
					     "auditor of the centre" : "no such officer at the centre");
	return act(app, req, ASSIGN, id, to, resp);
}

tims_rc centre_h_dash_close(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	json_int_t id = alert_id(req);
	const char *note = json_string_value(json_object_get(req->json, "note"));
	size_t n = note ? strlen(note) : 0, blank = 0;

	if (id <= 0)
		return tims_http_reply_error(resp, 400, "bad_field", "id: want an alert's id");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)note[i];

		if (ch < ' ' && ch != '\n')
			return tims_http_reply_error(resp, 400, "bad_field", "note: no control "
						     "characters");
		blank += ch == ' ' || ch == '\n';
	}
	if (blank == n)
		return tims_http_reply_error(resp, 400, "bad_field", "note: say what was found "
					     "and done (1 to %d bytes)", NOTE_MAX);
	return act(app, req, CLOSE, id, note, resp);
}
