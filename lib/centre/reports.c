/*
 * reports.c — the ministry's statistics over HTTP (docs/dashboard.md,
 * "Reports"): counts of the standing crossings by period and grouping, the
 * overstays by nationality, and the monthly statistics of entries and
 * exits by nationality and post, in the shape a statistics office
 * publishes. Counts only (tims_cstore_report): no name, document or
 * reference is read or answered.
 *
 *   route                          supervisor analyst auditor admin
 *   GET /api/v1/reports/table          x        x
 *   GET /api/v1/reports/overstays      x        x
 *   GET /api/v1/reports/monthly        x        x
 *
 * Each route's query parameters are a closed set, each checked (400
 * bad_query with params {field, rule}: the page says it in its language);
 * every answer is in the centre's audit log (report.*: who, what was asked
 * and the answer, or its SHA-256 when large) before it leaves.
 *
 * Small cells: a count below the threshold (the larger of the centre's
 * `report_min_cell` and the request's min_cell; 0 or 1: none) is answered
 * null with "suppressed": true; totals are the true totals.
 */
#include <jansson.h>
#include <time.h>

#include "tims/util.h"
#include "internal.h"

#define PARAM_MAX 64

static int64_t today(void)
{
	return (int64_t)time(NULL) / 86400;
}

static tims_rc refuse(struct tims_http_resp *resp, const char *field, const char *rule,
		      const char *msg)
{
	return tims_http_reply_error_params(resp, 400, "bad_query",
					    json_pack("{s:s, s:s}", "field", field, "rule", rule),
					    "%s: %s", field, msg);
}

/* The closed set of parameters and their length: 0 to go on. */
static int params_ok(struct tims_http_req *req, struct tims_http_resp *resp,
		     const char *const *known, tims_rc *rc)
{
	const char *u = tims_http_query_unknown(req, known);

	if (u) {
		char f[40];

		tims_http_log_escape(u, f, sizeof(f));
		*rc = refuse(resp, f, "unknown", "unknown parameter");
		return 0;
	}
	for (size_t i = 0; known[i]; i++) {
		const char *v = tims_http_query(req, known[i]);

		if (v && strlen(v) > PARAM_MAX) {
			*rc = refuse(resp, known[i], "too_long", "longer than 64 bytes");
			return 0;
		}
	}
	return 1;
}

static int day_param(struct tims_http_req *req, struct tims_http_resp *resp, const char *key,
		     int required, int64_t dflt, int64_t *day, tims_rc *rc)
{
	const char *v = tims_http_query(req, key);

	*day = dflt;
	if (!v || !*v) {
		if (!required)
			return 1;
		*rc = refuse(resp, key, "required", "required (YYYY-MM-DD)");
		return 0;
	}
	if (strlen(v) != 10 || tims_date_parse(v, day, key, NULL) || *day < 0) {
		*rc = refuse(resp, key, "invalid", "want a day YYYY-MM-DD from 1970-01-01");
		return 0;
	}
	return 1;
}

/* min_cell=N (0..100), never below the centre's own threshold. */
static int min_cell_param(struct centre_serve *s, struct tims_http_req *req,
			  struct tims_http_resp *resp, unsigned *k, tims_rc *rc)
{
	const char *v = tims_http_query(req, "min_cell");
	uint64_t n = 0;

	if (v && tims_parse_u64(v, TIMS_REPORT_MIN_CELL_MAX, &n, "min_cell", NULL)) {
		*rc = refuse(resp, "min_cell", "range", "want 0 to 100");
		return 0;
	}
	*k = (unsigned)n > s->c->report_min_cell ? (unsigned)n : s->c->report_min_cell;
	return 1;
}

static json_t *day_json(int64_t day)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	json_t *j = tims_date_format(day, &b) ? json_null() : json_string(tims_buf_str(&b));

	tims_buf_release(&b);
	return j;
}

/* A count as answered: null below k. */
static json_t *cell(uint64_t n, unsigned k, unsigned *suppressed)
{
	if (n && n < k) {
		(*suppressed)++;
		return json_null();
	}
	return json_integer((json_int_t)n);
}

/* Audited, then answered: the answer does not leave without its event. */
static tims_rc answer(struct centre_serve *s, struct tims_http_req *req,
		      struct tims_http_resp *resp, const char *action, json_t *query, json_t *j)
{
	char *q = query ? json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *a = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct tims_err err;
	tims_rc rc;

	json_decref(query);
	if (!q || !a) {
		free(q);
		free(a);
		json_decref(j);
		return TIMS_ERR_NOMEM;
	}
	rc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr, action,
			  "statistics", q, a, 200, &err);
	free(q);
	free(a);
	if (rc) {
		json_decref(j);
		return centre_no_trace(s->c, resp, rc);
	}
	return tims_http_reply_json(resp, 200, j);
}

static tims_rc store_failed(struct tims_http_resp *resp, tims_rc rc, const struct tims_err *err)
{
	if (rc == TIMS_ERR_INVALID || rc == TIMS_ERR_TOOBIG) {
		/* the message starts with the field */
		char field[16];
		size_t n = strcspn(err->msg, ":");

		snprintf(field, sizeof(field), "%.*s", (int)(n < 15 ? n : 15), err->msg);
		return tims_http_reply_error_params(resp, 400, "bad_query",
			json_pack("{s:s, s:s}", "field", field, "rule", rc == TIMS_ERR_TOOBIG ?
				  "too_many" : "invalid"), "%s", err->msg);
	}
	if (rc == TIMS_ERR_UNAVAILABLE)
		return tims_http_reply_error(resp, 503, "token_unavailable", "%s", err->msg);
	if (rc == TIMS_ERR_NET)
		return tims_http_reply_error(resp, 503, "store_unavailable", "%s", err->msg);
	return rc;
}

/* ---- GET /api/v1/reports/table ---------------------------------------- */

struct table_ctx {
	unsigned by, period, k, suppressed;
	uint64_t total;
	json_t *rows;
};

static tims_rc table_row(void *ctx, const struct tims_report_row *r)
{
	struct table_ctx *x = ctx;
	json_t *o = json_object();

	if (!o)
		return TIMS_ERR_NOMEM;
	if (x->period != TIMS_REPORT_ALL)
		json_object_set_new(o, "period", json_string(r->period));
#define BY(bit, key, val) if (x->by & (bit)) json_object_set_new(o, key, val)
	BY(TIMS_REPORT_BY_POST, "post", json_string(r->post));
	BY(TIMS_REPORT_BY_NATIONALITY, "nationality", json_string(r->nationality));
	BY(TIMS_REPORT_BY_DIRECTION, "direction", json_string(r->direction ?
		tims_direction_name(r->direction) : ""));
	BY(TIMS_REPORT_BY_DECISION, "decision", json_string(r->decision ?
		tims_decision_name(r->decision) : ""));
	BY(TIMS_REPORT_BY_REASON, "reason", json_string(r->reason));
	BY(TIMS_REPORT_BY_KIND, "kind", json_string(r->kind));
	BY(TIMS_REPORT_BY_COUNTRY, "country", json_string(r->country));
#undef BY
	json_object_set_new(o, "count", cell(r->count, x->k, &x->suppressed));
	if (r->count && r->count < x->k)
		json_object_set_new(o, "suppressed", json_true());
	x->total += r->count;
	return json_array_append_new(x->rows, o) ? TIMS_ERR_NOMEM : TIMS_OK;
}

static tims_rc table_run(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	static const char *const known[] = { "table", "from", "to", "period", "by", "min_cell",
					     NULL };
	struct centre_serve *s = app;
	struct tims_report_query q;
	struct table_ctx x;
	struct tims_err err;
	const char *v;
	json_t *by, *j;
	tims_rc rc = TIMS_OK;
	int t;

	memset(&q, 0, sizeof(q));
	memset(&x, 0, sizeof(x));
	if (!params_ok(req, resp, known, &rc))
		return rc;
	v = tims_http_query(req, "table");
	if ((t = tims_report_table_parse(v ? v : "crossings")) < 0)
		return refuse(resp, "table", "one_of", "want crossings, refusals, vehicles or hits");
	q.table = (enum tims_report_table)t;
	v = tims_http_query(req, "period");
	if ((t = tims_report_period_parse(v ? v : "all")) < 0)
		return refuse(resp, "period", "one_of", "want all, day, month or year");
	q.period = (enum tims_report_period)t;
	if (tims_report_by_parse(tims_http_query(req, "by"), &q.by, &err))
		return refuse(resp, "by", "one_of", err.msg + 4);
	if (!day_param(req, resp, "from", 1, 0, &q.from_day, &rc) ||
	    !day_param(req, resp, "to", 1, 0, &q.to_day, &rc) ||
	    !min_cell_param(s, req, resp, &x.k, &rc))
		return rc;
	if (tims_report_check(&q, &err))
		return store_failed(resp, TIMS_ERR_INVALID, &err);
	x.by = q.by;
	x.period = q.period;
	if (!(x.rows = json_array()))
		return TIMS_ERR_NOMEM;
	pthread_mutex_lock(&s->c->store_lock);
	rc = tims_cstore_report(s->c->store, &q, table_row, &x, &err);
	pthread_mutex_unlock(&s->c->store_lock);
	if (rc) {
		json_decref(x.rows);
		return rc == TIMS_ERR_NOMEM ? rc : store_failed(resp, rc, &err);
	}
	by = json_array();
	for (unsigned b = 1; by && b <= TIMS_REPORT_BY_ALL; b <<= 1)
		if (q.by & b)
			json_array_append_new(by, json_string(tims_report_by_name(b)));
	j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:i, s:I, s:o}",
		      "table", tims_report_table_name(q.table),
		      "period", tims_report_period_name(q.period), "by", by ? by : json_array(),
		      "from", day_json(q.from_day), "to", day_json(q.to_day),
		      "min_cell", (int)x.k, "suppressed", (int)x.suppressed,
		      "total", (json_int_t)x.total, "rows", x.rows);
	if (!j)
		return TIMS_ERR_NOMEM;
	return answer(s, req, resp, "report.table",
		      json_pack("{s:O, s:O, s:O, s:O, s:O, s:i}", "table", json_object_get(j, "table"),
				"period", json_object_get(j, "period"), "by", json_object_get(j, "by"),
				"from", json_object_get(j, "from"), "to", json_object_get(j, "to"),
				"min_cell", (int)x.k), j);
}

/* ---- GET /api/v1/reports/overstays ------------------------------------ */

struct nat_ctx {
	unsigned k, suppressed;
	uint64_t total;
	json_t *rows;
};

static tims_rc nat_row(void *ctx, const struct tims_report_row *r)
{
	struct nat_ctx *x = ctx;
	json_t *o = json_pack("{s:s, s:o}", "nationality", r->nationality, "count",
			      cell(r->count, x->k, &x->suppressed));

	if (!o)
		return TIMS_ERR_NOMEM;
	if (r->count < x->k)
		json_object_set_new(o, "suppressed", json_true());
	x->total += r->count;
	return json_array_append_new(x->rows, o) ? TIMS_ERR_NOMEM : TIMS_OK;
}

static tims_rc overstays_run(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	static const char *const known[] = { "on", "min_cell", NULL };
	struct centre_serve *s = app;
	struct tims_stay_regimes *rs;
	struct nat_ctx x;
	struct tims_err err;
	int64_t on;
	tims_rc rc = TIMS_OK;
	json_t *j;

	memset(&x, 0, sizeof(x));
	if (!params_ok(req, resp, known, &rc) ||
	    !day_param(req, resp, "on", 0, today(), &on, &rc) ||
	    !min_cell_param(s, req, resp, &x.k, &rc))
		return rc;
	if (!(rs = malloc(sizeof(*rs))) || !(x.rows = json_array())) {
		free(rs);
		return TIMS_ERR_NOMEM;
	}
	/* the stay rule of the posts (stay-regimes.conf, visa-required.conf) */
	rc = tims_stay_regimes_load_dir(s->c->dir, rs, &err);
	if (!rc) {
		pthread_mutex_lock(&s->c->store_lock);
		rc = tims_cstore_report_overstays(s->c->store, on, rs, nat_row, &x, &err);
		pthread_mutex_unlock(&s->c->store_lock);
	}
	free(rs);
	if (rc) {
		json_decref(x.rows);
		return rc == TIMS_ERR_NOMEM ? rc : store_failed(resp, rc, &err);
	}
	j = json_pack("{s:o, s:i, s:i, s:I, s:o}", "on", day_json(on), "min_cell", (int)x.k,
		      "suppressed", (int)x.suppressed, "total", (json_int_t)x.total,
		      "rows", x.rows);
	if (!j)
		return TIMS_ERR_NOMEM;
	return answer(s, req, resp, "report.overstays",
		      json_pack("{s:O, s:i}", "on", json_object_get(j, "on"), "min_cell",
				(int)x.k), j);
}

/* ---- GET /api/v1/reports/monthly -------------------------------------- */

/*
 * Entries and exits of the month by nationality (rows) and post (columns),
 * with totals, as a statistics office publishes them: admitted travellers
 * (an entry refused is not an entry; its count is the refused column), a
 * referral to second line counted once decided (its correction).
 */
#define MONTHLY_POSTS 200
#define MONTHLY_NATS 400

struct monthly {
	char posts[MONTHLY_POSTS][TIMS_NOTE_MAX_NAME + 1];
	size_t np;
	char nats[MONTHLY_NATS][4];
	size_t nn;
	/* [nationality][post][entry, exit], and refused by nationality */
	uint64_t (*cells)[MONTHLY_POSTS][2];
	uint64_t refused[MONTHLY_NATS];
};

static int find_or_add(char (*names)[4], size_t *n, size_t max, const char *v)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(names[i], v))
			return (int)i;
	if (*n == max)
		return -1;
	snprintf(names[*n], 4, "%.3s", v);
	return (int)(*n)++;
}

static tims_rc monthly_row(void *ctx, const struct tims_report_row *r)
{
	struct monthly *m = ctx;
	int refused = r->decision == TIMS_DECISION_REFUSE, ni;
	size_t pi;

	/* a referral not yet decided is in no column (nor its nationality) */
	if (!refused && (r->decision != TIMS_DECISION_ADMIT ||
			 (r->direction != TIMS_DIR_ENTRY && r->direction != TIMS_DIR_EXIT)))
		return TIMS_OK;
	if ((ni = find_or_add(m->nats, &m->nn, MONTHLY_NATS, r->nationality)) < 0)
		return TIMS_ERR_TOOBIG;
	if (refused) {
		m->refused[ni] += r->count;
		return TIMS_OK;
	}
	for (pi = 0; pi < m->np; pi++)
		if (!strcmp(m->posts[pi], r->post))
			break;
	if (pi == m->np) {
		if (m->np == MONTHLY_POSTS)
			return TIMS_ERR_TOOBIG;
		snprintf(m->posts[m->np++], sizeof(m->posts[0]), "%s", r->post);
	}
	m->cells[ni][pi][r->direction == TIMS_DIR_ENTRY ? 0 : 1] += r->count;
	return TIMS_OK;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static tims_rc monthly_run(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	static const char *const known[] = { "month", "min_cell", NULL };
	struct centre_serve *s = app;
	const char *month = tims_http_query(req, "month");
	struct tims_report_query q;
	struct monthly *m;
	struct tims_err err;
	unsigned k = 0, suppressed = 0;
	uint64_t (*col)[2] = NULL;
	uint64_t grand[3] = { 0, 0, 0 };
	json_t *posts = NULL, *rows = NULL, *j;
	char first[16], next[16];
	tims_rc rc = TIMS_OK;
	int y, mo;

	if (!params_ok(req, resp, known, &rc) || !min_cell_param(s, req, resp, &k, &rc))
		return rc;
	if (!month || !*month)
		return refuse(resp, "month", "required", "required (YYYY-MM)");
	if (strlen(month) != 7 || month[4] != '-')
		return refuse(resp, "month", "invalid", "want YYYY-MM");
	snprintf(first, sizeof(first), "%.7s-01", month);
	memset(&q, 0, sizeof(q));
	if (tims_date_parse(first, &q.from_day, "month", NULL) || q.from_day < 0)
		return refuse(resp, "month", "invalid", "want YYYY-MM from 1970-01");
	y = (int)strtol(month, NULL, 10);
	mo = (int)strtol(month + 5, NULL, 10);
	if (++mo == 13)
		mo = 1, y++;
	snprintf(next, sizeof(next), "%04d-%02d-01", y % 10000, mo % 100);
	if (tims_date_parse(next, &q.to_day, "month", NULL))
		return refuse(resp, "month", "invalid", "want YYYY-MM before 9999-12");
	q.to_day--;
	q.table = TIMS_REPORT_CROSSINGS;
	q.period = TIMS_REPORT_ALL;
	q.by = TIMS_REPORT_BY_POST | TIMS_REPORT_BY_NATIONALITY | TIMS_REPORT_BY_DIRECTION |
	       TIMS_REPORT_BY_DECISION;
	if (!(m = calloc(1, sizeof(*m))) ||
	    !(m->cells = calloc(MONTHLY_NATS, sizeof(*m->cells))) ||
	    !(col = calloc(MONTHLY_POSTS, sizeof(*col)))) {
		if (m)
			free(m->cells);
		free(m);
		return TIMS_ERR_NOMEM;
	}
	pthread_mutex_lock(&s->c->store_lock);
	rc = tims_cstore_report(s->c->store, &q, monthly_row, m, &err);
	pthread_mutex_unlock(&s->c->store_lock);
	if (rc) {
		rc = rc == TIMS_ERR_NOMEM ? rc : store_failed(resp, rc, &err);
		goto out;
	}
	/* posts and nationalities in order; cells follow their index */
	{
		char sorted_p[MONTHLY_POSTS][TIMS_NOTE_MAX_NAME + 1];
		char sorted_n[MONTHLY_NATS][4];

		memcpy(sorted_p, m->posts, sizeof(sorted_p));
		memcpy(sorted_n, m->nats, sizeof(sorted_n));
		qsort(sorted_p, m->np, sizeof(sorted_p[0]), str_cmp);
		qsort(sorted_n, m->nn, sizeof(sorted_n[0]), str_cmp);
		posts = json_array();
		rows = json_array();
		for (size_t i = 0; posts && i < m->np; i++)
			json_array_append_new(posts, json_string(sorted_p[i]));
		for (size_t a = 0; rows && a < m->nn; a++) {
			size_t ni = 0;
			uint64_t in = 0, out = 0;
			json_t *cells = json_array(), *row;

			while (strcmp(m->nats[ni], sorted_n[a]))
				ni++;
			for (size_t b = 0; cells && b < m->np; b++) {
				size_t pi = 0;

				while (strcmp(m->posts[pi], sorted_p[b]))
					pi++;
				json_array_append_new(cells, json_pack("[o, o]",
					cell(m->cells[ni][pi][0], k, &suppressed),
					cell(m->cells[ni][pi][1], k, &suppressed)));
				in += m->cells[ni][pi][0];
				out += m->cells[ni][pi][1];
				col[b][0] += m->cells[ni][pi][0];
				col[b][1] += m->cells[ni][pi][1];
			}
			grand[0] += in;
			grand[1] += out;
			grand[2] += m->refused[ni];
			row = json_pack("{s:s, s:o, s:o, s:o, s:o}", "nationality", sorted_n[a],
					"cells", cells ? cells : json_array(),
					"entries", cell(in, k, &suppressed),
					"exits", cell(out, k, &suppressed),
					"refused", cell(m->refused[ni], k, &suppressed));
			if (!row || json_array_append_new(rows, row)) {
				rc = TIMS_ERR_NOMEM;
				goto out;
			}
		}
	}
	{
		json_t *tc = json_array();

		for (size_t b = 0; tc && b < m->np; b++)
			json_array_append_new(tc, json_pack("[I, I]", (json_int_t)col[b][0],
							    (json_int_t)col[b][1]));
		j = json_pack("{s:s, s:o, s:o, s:i, s:i, s:o, s:o, s:{s:o, s:I, s:I, s:I}}",
			      "month", first[0] ? month : "", "from", day_json(q.from_day),
			      "to", day_json(q.to_day), "min_cell", (int)k,
			      "suppressed", (int)suppressed, "posts", posts, "rows", rows,
			      "totals", "cells", tc ? tc : json_array(),
			      "entries", (json_int_t)grand[0], "exits", (json_int_t)grand[1],
			      "refused", (json_int_t)grand[2]);
		posts = rows = NULL;
	}
	if (!j) {
		rc = TIMS_ERR_NOMEM;
		goto out;
	}
	rc = answer(s, req, resp, "report.monthly",
		    json_pack("{s:s, s:i}", "month", month, "min_cell", (int)k), j);
out:
	json_decref(posts);
	json_decref(rows);
	free(col);
	free(m->cells);
	free(m);
	return rc;
}

/* A report reads every crossing of its range (seconds for a year at
 * national scale, bench/bench_report.c): run on the server's slow slots,
 * not on the worker threads that answer the other routes. */
tims_rc centre_h_report_table(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app;
	(void)resp;
	req->slow = table_run;
	return TIMS_OK;
}

tims_rc centre_h_report_overstays(void *app, struct tims_http_req *req,
				  struct tims_http_resp *resp)
{
	(void)app;
	(void)resp;
	req->slow = overstays_run;
	return TIMS_OK;
}

tims_rc centre_h_report_monthly(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp)
{
	(void)app;
	(void)resp;
	req->slow = monthly_run;
	return TIMS_OK;
}
