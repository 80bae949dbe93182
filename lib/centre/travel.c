/*
 * travel.c — the national travel feed to the posts (docs/sync.md,
 * "National travel history"):
 *
 *   GET /api/v1/sync/travel?since=N&limit=L   (mutual TLS, a post)
 *   {"feed": ID, "since": N, "next": M, "more": bool, "rows": [{"seq", "post", "index",
 *    "counts", "issuer", "document", "nationality", "direction", "at_ms",
 *    "visa"?}]}
 *
 * Every post gets every post's crossings (its own too: it skips them), so
 * that its booths answer the stay rule as the centre does. The rows carry
 * no names and no birth dates: what the rule needs and the document
 * number to find them by. Answered from the query store under its lock,
 * at most TIMS_CSTORE_MAX_PAGE rows a page.
 */
#include <jansson.h>

#include "tims/buf.h"
#include "tims/util.h"
#include "internal.h"

#define TRAVEL_PAGE_DEFAULT 1000

static json_t *day_json(int64_t day, int64_t none)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	json_t *j;

	if (day == none || tims_date_format(day, &b))
		j = json_string("");
	else
		j = json_string(tims_buf_str(&b));
	tims_buf_release(&b);
	return j;
}

static tims_rc travel_row(void *ctx, const struct tims_cstore_travel_row *r)
{
	json_t *rows = ctx, *o;

	o = json_pack("{s:I, s:s, s:I, s:b}", "seq", (json_int_t)r->seq, "post", r->origin,
		      "index", (json_int_t)r->index, "counts", r->counts);
	if (!o)
		return TIMS_ERR_NOMEM;
	if (r->counts) {
		json_object_set_new(o, "issuer", json_string(r->issuer));
		json_object_set_new(o, "document", json_string(r->doc));
		json_object_set_new(o, "nationality", json_string(r->nationality));
		json_object_set_new(o, "direction", json_string(tims_direction_name(r->direction)));
		json_object_set_new(o, "at_ms", json_integer((json_int_t)r->at_ms));
		if (r->visa.kind != TIMS_STAY_VISA_NONE)
			json_object_set_new(o, "visa", json_pack("{s:s, s:o, s:o, s:i, s:i}",
				"kind", tims_stay_visa_kind_name(r->visa.kind),
				"valid_from", day_json(r->visa.valid_from, INT64_MIN),
				"valid_until", day_json(r->visa.valid_until, INT64_MAX),
				"entries", (int)r->visa.entries, "duration_days", (int)r->visa.days));
	}
	return json_array_append_new(rows, o) ? TIMS_ERR_NOMEM : TIMS_OK;
}

tims_rc centre_h_sync_travel(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *since_s = tims_http_query(req, "since"), *limit_s = tims_http_query(req, "limit");
	uint64_t since = 0, limit = TRAVEL_PAGE_DEFAULT, next = 0;
	char feed[33];
	struct tims_err err;
	json_t *rows;
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return tims_http_reply_error(resp, 503, "isolated",
					     "the centre is isolated (tims centre rejoin)");
	if ((since_s && tims_parse_u64(since_s, INT64_MAX, &since, "since", &err)) ||
	    (limit_s && tims_parse_u64(limit_s, TIMS_CSTORE_MAX_PAGE, &limit, "limit", &err)))
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	if (!limit)
		return tims_http_reply_error(resp, 400, "bad_query", "limit: want 1 to %d",
					     TIMS_CSTORE_MAX_PAGE);
	if (!(rows = json_array()))
		return TIMS_ERR_NOMEM;
	pthread_mutex_lock(&s->c->store_lock);
	rc = tims_cstore_reconnect(s->c->store, 0, &err);
	if (!rc)
		rc = tims_cstore_travel_feed(s->c->store, feed, &err);
	if (!rc)
		rc = tims_cstore_travel_page(s->c->store, since, (unsigned)limit, travel_row, rows,
					     &next, &err);
	pthread_mutex_unlock(&s->c->store_lock);
	if (rc) {
		json_decref(rows);
		if (rc == TIMS_ERR_NET)
			return tims_http_reply_error(resp, 503, "store_unavailable", "%s", err.msg);
		if (rc == TIMS_ERR_UNAVAILABLE)
			return tims_http_reply_error(resp, 503, "token_unavailable", "%s", err.msg);
		if (rc == TIMS_ERR_STATE)
			return tims_http_reply_error(resp, 409, "cursor_ahead", "%s", err.msg);
		return rc;
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:I, s:I, s:b, s:o}", "feed", feed,
		"since", (json_int_t)since, "next", (json_int_t)next, "more",
		json_array_size(rows) == limit, "rows", rows));
}
