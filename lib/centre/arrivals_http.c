/*
 * arrivals_http.c — the edges of the reports after arrival
 * (tims/arrivals.h): the report as JSON (for `tims api report` and the
 * dashboard), and the dashboard's route
 *
 *   GET /api/v1/dashboard/arrivals/report?kind=no-show|unlisted&date=D
 *       [&airport=XXX][&hours=N]&purpose=TEXT
 *
 * (supervisors and analysts, as the national search: the rows name
 * travellers; those names count against the reader's daily export limit,
 * and are withheld, the report kept, when it refuses them). Audited as
 * dashboard.arrivals.report with the purpose and the query before the
 * answer leaves. A parameter it does not know, or a value it cannot read,
 * is refused 400 bad_query naming it; an airport with no post known 404
 * airport_unknown; a store that cannot be read 503, never an empty report.
 */
#include <jansson.h>
#include <sodium.h>

#include "tims/arrivals.h"
#include "tims/mlog.h"
#include "tims/officer.h"
#include "tims/record.h"
#include "internal.h"

static json_t *day_json(int64_t day)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	json_t *j = tims_date_format(day, &b) ? json_null() : json_string(tims_buf_str(&b));

	tims_buf_release(&b);
	return j;
}

static json_t *noshow_json(const struct tims_arrivals_report *r,
			   const struct tims_arrivals_noshow *w)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:b, s:i}",
			      "airport", w->airport, "flight", w->flight, "date", w->date,
			      "arrival_time", w->arrival_time, "version", (int)w->version,
			      "position", (int)w->position, "role", w->role,
			      "nationality", w->nationality, "no_document", w->no_document,
			      "hits", (int)w->hits);

	if (o && r->transit && w >= r->transit && w < r->transit + r->ntransit)
		json_object_set_new(o, "crossed", json_boolean(w->crossed));

	if (o && r->names) {
		json_object_set_new(o, "surname", json_string(w->surname));
		json_object_set_new(o, "given_names", json_string(w->given_names));
	}
	return o;
}

static json_t *unlisted_json(const struct tims_arrivals_report *r,
			     const struct tims_arrivals_unlisted *w)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "airport", w->airport,
			      "post", w->post, "index", (json_int_t)w->idx,
			      "time_ms", (json_int_t)w->when_ms,
			      "decision", w->decision == TIMS_DECISION_ADMIT ? "admit" :
					  w->decision == TIMS_DECISION_REFUSE ? "refuse" :
					  w->decision == TIMS_DECISION_SECOND_LINE ? "second_line" : "other",
			      "nationality", w->nationality, "issuer", w->issuer);

	if (o && r->names) {
		json_object_set_new(o, "surname", json_string(w->surname));
		json_object_set_new(o, "given_names", json_string(w->given_names));
	}
	return o;
}

json_t *tims_centre_arrivals_json(const struct tims_arrivals_report *r)
{
	json_t *rows = json_array(), *aps = json_array(), *o;

	for (size_t i = 0; rows && i < r->n; i++) {
		json_t *w = r->noshow ? noshow_json(r, &r->noshow[i]) :
					unlisted_json(r, &r->unlisted[i]);

		if (!w || json_array_append_new(rows, w)) {
			json_decref(rows);
			json_decref(aps);
			return NULL;
		}
	}
	for (unsigned i = 0; aps && i < r->airports.n; i++) {
		json_t *posts = json_array();

		for (unsigned k = 0; posts && k < r->airports.a[i].nposts; k++)
			json_array_append_new(posts, json_string(r->airports.a[i].posts[k]));
		json_array_append_new(aps, json_pack("{s:s, s:o, s:s?}", "code",
						     r->airports.a[i].code, "posts",
						     posts ? posts : json_array(), "zone",
						     r->airports.a[i].zone[0] ?
						     r->airports.a[i].zone : NULL));
	}
	if (!rows || !aps) {
		json_decref(rows);
		json_decref(aps);
		return NULL;
	}
	o = json_pack("{s:s, s:o, s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:o}",
		      "kind", tims_arrivals_kind_name(r->kind), "date", day_json(r->day),
		      "hours", (int)r->hours, "airports", aps,
		      "flights", (json_int_t)r->flights, "flights_open", (json_int_t)r->flights_open,
		      "travellers", (json_int_t)r->travellers,
		      "crossings", (json_int_t)r->crossings, "total", (json_int_t)r->total,
		      "shown", (json_int_t)r->n, "names", r->names,
		      "names_withheld", r->names_withheld, "rows", rows);
	if (o && r->kind == TIMS_ARRIVALS_NO_SHOW) {
		/* travellers in transit (DDT, DDU): not no-shows, listed apart */
		json_t *tr = json_array();

		for (size_t i = 0; tr && i < r->ntransit; i++) {
			json_t *w = noshow_json(r, &r->transit[i]);

			if (!w || json_array_append_new(tr, w)) {
				json_decref(tr);
				tr = NULL;
			}
		}
		if (!tr || json_object_set_new(o, "transit", tr) ||
		    json_object_set_new(o, "transit_total", json_integer((json_int_t)r->transit_total)) ||
		    json_object_set_new(o, "transit_crossed",
					json_integer((json_int_t)r->transit_crossed))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static tims_rc refuse(struct tims_http_resp *resp, const char *field, const char *rule,
		      const char *msg)
{
	return tims_http_reply_error_params(resp, 400, "bad_query",
					    json_pack("{s:s, s:s}", "field", field, "rule", rule),
					    "%s", msg);
}

tims_rc centre_h_dash_arrivals_report(void *app, struct tims_http_req *req,
				      struct tims_http_resp *resp)
{
	static const char *const known[] = { "purpose", "kind", "date", "airport", "hours", NULL };
	struct centre_serve *s = app;
	const char *purpose = tims_http_query(req, "purpose");
	const char *kind = tims_http_query(req, "kind");
	const char *date = tims_http_query(req, "date");
	const char *airport = tims_http_query(req, "airport");
	const char *hours = tims_http_query(req, "hours");
	const char *unknown = tims_http_query_unknown(req, known);
	struct tims_arrivals_report *r = NULL;
	struct tims_arrivals_query q;
	struct tims_err err, e2;
	json_t *out = NULL, *qj;
	char *qtext = NULL, *atext = NULL;
	int status = 200;
	tims_rc rc, arc;

	if (unknown) {
		char f[40];

		tims_http_log_escape(unknown, f, sizeof(f));
		return refuse(resp, f, "unknown", "unknown parameter");
	}
	if (!purpose || strlen(purpose) < 3 || strlen(purpose) > 200)
		return tims_http_reply_error(resp, 400, "purpose_required", "purpose: 3 to 200 "
					     "bytes, why the passenger lists are read");
	memset(&q, 0, sizeof(q));
	if (!(q.kind = tims_arrivals_kind_parse(kind)))
		return refuse(resp, "kind", "invalid", "kind: want no-show or unlisted");
	tims_err_clear(&err);
	if (tims_arrivals_query_check(date, hours, airport, &q, &err)) {
		char field[16];

		snprintf(field, sizeof(field), "%.15s", err.msg);
		if (strchr(field, ':'))
			*strchr(field, ':') = '\0';
		return refuse(resp, field, "invalid", err.msg);
	}
	/* the national search's rule: supervisors and analysts see names */
	q.names = req->who.role == TIMS_ROLE_SUPERVISOR || req->who.role == TIMS_ROLE_ANALYST;
	q.now_ms = tims_mlog_now_ms();
	qj = json_pack("{s:s, s:s, s:i, s:s}", "kind", tims_arrivals_kind_name(q.kind),
		       "date", date, "hours", (int)q.hours, "airport", q.airport);
	qtext = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(qj);
	if (!qtext || !(r = calloc(1, sizeof(*r)))) {
		free(qtext);
		return TIMS_ERR_NOMEM;
	}
	rc = tims_centre_arrivals_report(s->c, &q, r, &err);
	if (!rc)
		rc = tims_centre_arrivals_charge(s->c, req->who.id, r, &err);
	if (!rc && !(out = tims_centre_arrivals_json(r)))
		rc = tims_err_set(&err, TIMS_ERR_NOMEM, "out of memory");
	if (!rc && !(atext = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS)))
		rc = tims_err_set(&err, TIMS_ERR_NOMEM, "out of memory");
	if (rc)
		status = rc == TIMS_ERR_NOTFOUND ? 404 : rc == TIMS_ERR_TOOBIG ? 413 :
			 rc == TIMS_ERR_NOMEM ? 500 : 503;
	/* no answer, and no refusal, leaves without its audit event */
	if ((arc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr,
				"dashboard.arrivals.report", purpose, qtext, rc ? NULL : atext,
				status, &e2))) {
		rc = TIMS_ERR_IO;
		status = 0;
	}
	free(qtext);
	if (atext) {
		sodium_memzero(atext, strlen(atext));
		free(atext);
	}
	tims_arrivals_report_release(r);
	free(r);
	if (status == 0) {
		json_decref(out);
		return centre_no_trace(s->c, resp, arc);
	}
	if (rc == TIMS_ERR_NOMEM)
		return rc;
	if (rc == TIMS_ERR_NOTFOUND)
		return tims_http_reply_error(resp, 404, "airport_unknown", "%s", err.msg);
	if (rc == TIMS_ERR_TOOBIG)
		return tims_http_reply_error(resp, 413, "report_too_large", "%s", err.msg);
	if (rc)
		return tims_http_reply_error(resp, 503, "store_unavailable", "%s", err.msg);
	return tims_http_reply_json(resp, 200, out);
}
