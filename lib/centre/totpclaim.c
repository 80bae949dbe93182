/*
 * totpclaim.c — the centre's side of "one TOTP code, one login"
 * (tims/totpclaim.h, docs/sync.md "TOTP claims").
 *
 *   POST /api/v1/sync/totp-claim   (mutual TLS, a post)
 *        {"id","officer","step","digest","booth","time_ms","offline"}
 *        200 {"claimed":true,"repeat":bool}
 *        409 {"error":"totp_reused","used_at":POST}   another login holds the step
 *        400 a malformed or stale claim; 503 isolated, or the store full
 *
 * The post is the one its client certificate maps to (routes.c,
 * authorize_peer), never a field of the body. Every claim is kept in
 * centre.db (totp_claims, bounded: tims/totpclaim.h). A step claimed twice
 * — at two posts, or twice at one, online or reported after the fact —
 * opens a severe "totp-reuse" alert naming both posts and booths; an
 * online claim is then answered 409 and the post refuses the login. The
 * dashboard's own logins claim here too (dashboard.c, under the centre's
 * name).
 */
#include <jansson.h>
#include <time.h>

#include "tims/event.h"
#include "tims/totpclaim.h"
#include "tims/util.h"
#include "internal.h"

const struct tims_json_field centre_totp_claim_schema[] = {
	{ "id", TIMS_JSON_STRING, 1, TIMS_TOTP_CLAIM_ID_CHARS - 1 },
	{ "officer", TIMS_JSON_STRING, 1, TIMS_OFFICER_ID_MAX },
	{ "step", TIMS_JSON_INTEGER, 1, 0 },
	{ "digest", TIMS_JSON_STRING, 1, TIMS_TOTP_CLAIM_ID_CHARS - 1 },
	{ "booth", TIMS_JSON_STRING, 1, TIMS_TOTP_CLAIM_BOOTH_MAX },
	{ "time_ms", TIMS_JSON_INTEGER, 1, 0 },
	{ "offline", TIMS_JSON_BOOLEAN, 1, 0 },
	{ NULL, 0, 0, 0 },
};

/* An enrolled post's name for its origin (the origin itself if unknown);
 * c->db_lock held. */
static void post_name(struct tims_centre *c, const char *origin, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;

	snprintf(out, cap, "%s", origin);
	if (sqlite3_prepare_v2(c->db, "SELECT name FROM posts WHERE origin = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, cap, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void utc(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "?");
}

tims_rc centre_totp_claim(struct tims_centre *c, const struct tims_totp_claim *cl,
			  enum tims_totp_verdict *verdict, char *used_at, size_t cap,
			  struct tims_err *err)
{
	struct tims_totp_claims s;
	struct tims_totp_claim first;
	char detail[700], a[TIMS_NOTE_MAX_NAME + 1], b[TIMS_NOTE_MAX_NAME + 1], when[32];
	tims_rc rc;

	pthread_mutex_lock(&c->db_lock);
	rc = tims_totp_claims_init(&s, c->db, err);
	if (!rc)
		rc = tims_totp_claims_add(&s, cl, time(NULL), verdict, &first, err);
	if (!rc && *verdict == TIMS_TOTP_CLAIM_REUSED) {
		post_name(c, first.post, a, sizeof(a));
		post_name(c, cl->post, b, sizeof(b));
	}
	pthread_mutex_unlock(&c->db_lock);
	if (rc || *verdict != TIMS_TOTP_CLAIM_REUSED)
		return rc;
	snprintf(used_at, cap, "%s", a);
	utc((int64_t)(cl->step * TIMS_TOTP_STEP) * 1000, when);
	/* staff and posts only: no traveller in an alert */
	snprintf(detail, sizeof(detail), "officer %s: one TOTP code (step %" PRIu64 ", %s) used "
		 "at post %s (booth %s, %s) and at post %s (booth %s, %s)", cl->officer, cl->step,
		 when, a, first.booth, first.offline ? "offline" : "online", b, cl->booth,
		 cl->offline ? "offline, reported later" : "online, refused");
	tims_centre_event(c, tims_event_kind_name(TIMS_EVENT_TOTP_REUSE), cl->post, detail);
	return TIMS_OK;
}

tims_rc centre_h_sync_totp_claim(void *app, struct tims_http_req *req,
				 struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_totp_claim cl;
	enum tims_totp_verdict verdict = 0;
	char used_at[TIMS_NOTE_MAX_NAME + 1] = "";
	json_int_t step = json_integer_value(json_object_get(req->json, "step"));
	json_int_t t = json_integer_value(json_object_get(req->json, "time_ms"));
	struct tims_err err;
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return tims_http_reply_error(resp, 503, "isolated",
					     "the centre is isolated (tims centre rejoin)");
	memset(&cl, 0, sizeof(cl));
	/* lengths are the schema's; tims_totp_claim_check does the rest */
	snprintf(cl.id, sizeof(cl.id), "%s", json_string_value(json_object_get(req->json, "id")));
	snprintf(cl.digest, sizeof(cl.digest), "%s",
		 json_string_value(json_object_get(req->json, "digest")));
	snprintf(cl.officer, sizeof(cl.officer), "%s",
		 json_string_value(json_object_get(req->json, "officer")));
	snprintf(cl.booth, sizeof(cl.booth), "%s",
		 json_string_value(json_object_get(req->json, "booth")));
	snprintf(cl.post, sizeof(cl.post), "%s", req->who.id);
	cl.step = step > 0 ? (uint64_t)step : 0;
	cl.time_ms = t;
	cl.offline = json_is_true(json_object_get(req->json, "offline"));
	rc = centre_totp_claim(s->c, &cl, &verdict, used_at, sizeof(used_at), &err);
	switch (rc) {
	case TIMS_OK:
		break;
	case TIMS_ERR_INVALID:
		return tims_http_reply_error(resp, 400, "bad_claim", "%s", err.msg);
	case TIMS_ERR_TOOBIG:
		tims_centre_event(s->c, "store", req->who.id, err.msg);
		return tims_http_reply_error(resp, 503, "claims_full", "%s", err.msg);
	default:
		return rc; /* a 500: the post keeps the claim pending */
	}
	if (verdict == TIMS_TOTP_CLAIM_REUSED)
		return tims_http_reply_json(resp, 409, json_pack("{s:s, s:s, s:s}", "error",
			"totp_reused", "message", "this code was used for another login already",
			"used_at", used_at));
	return tims_http_reply_json(resp, 200, json_pack("{s:b, s:b}", "claimed", 1, "repeat",
							 verdict == TIMS_TOTP_CLAIM_REPEAT));
}
