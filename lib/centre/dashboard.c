/*
 * dashboard.c — the supervisor dashboard's API at the centre
 * (docs/dashboard.md): people of the centre log in with password and TOTP
 * (the centre's officer store, DIR/node.db, the same accounts it sends to
 * the posts in their rosters) and read the state of the network.
 *
 *   route                               supervisor analyst auditor admin
 *   POST   /api/v1/session              (public: the login itself)
 *   DELETE /api/v1/session                  x        x       x      x
 *   GET    /api/v1/dashboard/posts          x        x       x      x
 *   GET    /api/v1/dashboard/traffic        x        x              x
 *   GET    /api/v1/dashboard/hits           x                       x
 *   GET    /api/v1/dashboard/alerts         x                x      x
 *   GET    /api/v1/dashboard/events         x                              (events.c)
 *   POST   /api/v1/dashboard/alerts/ack     x                               (alerts_queue.c)
 *   POST   /api/v1/dashboard/alerts/assign  x
 *   POST   /api/v1/dashboard/alerts/close   x
 *   GET    /api/v1/dashboard/overstays      x        x
 *   POST   /api/v1/dashboard/search         x        x
 *
 * Booth officers have no business here: their role is refused on every
 * route. What names or lists people (overstays, search) needs a stated
 * purpose and goes through tims_centre_query, which writes the centre's
 * audit log before the answer leaves; the hits panel (post, time, decision
 * and the recorded screening summary, no names) and every login, failed
 * login and logout are audited too. Posts, traffic and alerts carry no
 * personal data.
 */
#include <jansson.h>
#include <sodium.h>
#include <time.h>

#include "tims/export.h"
#include "tims/officer.h"
#include "tims/util.h"
#include "internal.h"

#define ONLINE_MS 5000   /* posts ask the centre every second: 5 s of silence is offline */
#define HOURS_MAX (24 * 31)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- sessions ------------------------------------------------------------ */

tims_rc centre_authenticate(void *app, const char *token, int activity,
			    struct tims_principal *who)
{
	struct centre_serve *s = app;
	tims_rc rc;

	if (!s->officers)
		return TIMS_ERR_AUTH;
	pthread_mutex_lock(&s->officers_lock);
	rc = activity ? tims_officer_session(s->officers, token, time(NULL), who, NULL) :
		tims_officer_session_peek(s->officers, token, time(NULL), who, NULL);
	pthread_mutex_unlock(&s->officers_lock);
	if (!rc && who->role == TIMS_ROLE_OFFICER)
		rc = TIMS_OK; /* authenticated; the route table refuses the role (403) */
	return rc;
}

const struct tims_json_field centre_login_schema[] = {
	{ "officer", TIMS_JSON_STRING, 1, TIMS_OFFICER_ID_MAX },
	{ "password", TIMS_JSON_STRING, 1, TIMS_PW_MAX },
	{ "code", TIMS_JSON_STRING, 1, 16 },
	{ "booth", TIMS_JSON_STRING, 0, 31 },
	{ NULL, 0, 0, 0 },
};

/* A dashboard login's code claimed in the centre's own store: TIMS_OK, or
 * TIMS_ERR_REPLAY (used at a post already), or the store's error (the login
 * refused: the centre cannot tell). */
static tims_rc claim_here(struct centre_serve *s, const char *officer, uint64_t step,
			  const char *code, const char *booth, time_t now,
			  struct tims_err *err)
{
	struct tims_totp_claim cl;
	enum tims_totp_verdict v = 0;
	char where[TIMS_NOTE_MAX_NAME + 1] = "";
	tims_rc rc;

	if ((rc = tims_totp_claim_make(&cl, officer, step, code, booth, (int64_t)now * 1000,
				       err)))
		return rc;
	snprintf(cl.post, sizeof(cl.post), "%s", s->c->name);
	if ((rc = centre_totp_claim(s->c, &cl, &v, where, sizeof(where), err)))
		return rc;
	if (v == TIMS_TOTP_CLAIM_REUSED)
		return tims_err_set(err, TIMS_ERR_REPLAY, "login: this code was already used at "
				    "post %.128s; wait for the next one", where);
	return TIMS_OK;
}

/* The login's slow part, on the server's slow slots (lib/http): the lock
 * over the officer store is held around the database, never while Argon2id
 * runs; one answer for every failure (the audit keeps the reason). */
static tims_rc login_slow(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *id = json_string_value(json_object_get(req->json, "officer"));
	const char *booth = json_string_value(json_object_get(req->json, "booth"));
	char token[TIMS_TOKEN_CHARS], detail[200], safe_id[4 * TIMS_OFFICER_ID_MAX + 1];
	struct tims_login_check lc;
	struct tims_principal who;
	struct tims_err err, aerr;
	time_t now = time(NULL);
	tims_rc rc, arc;
	int status;

	if (!booth || !*booth)
		booth = "dashboard";
	memset(&who, 0, sizeof(who));
	pthread_mutex_lock(&s->officers_lock);
	tims_officer_login_begin(s->officers, id, &lc);
	pthread_mutex_unlock(&s->officers_lock);
	tims_officer_login_hash(&lc, json_string_value(json_object_get(req->json, "password")));
	pthread_mutex_lock(&s->officers_lock);
	rc = tims_officer_login_end(s->officers, &lc,
				    json_string_value(json_object_get(req->json, "code")),
				    booth, now, token, &who, &err);
	status = rc == TIMS_OK ? 200 : rc == TIMS_ERR_INVALID ? 400 : 401;
	if (!rc && who.role == TIMS_ROLE_OFFICER) {
		/* a booth account: it works at the posts, not here */
		tims_officer_logout(s->officers, token, NULL);
		rc = tims_err_set(&err, TIMS_ERR_DENIED, "login: booth officers use the posts' "
				  "consoles; the dashboard is for supervisors, analysts, auditors "
				  "and administrators");
		status = 403;
	}
	pthread_mutex_unlock(&s->officers_lock);
	if (!rc) {
		/* The code in the centre's TOTP claims, as a post's login
		 * (totpclaim.c): a code used at a post opens no session here,
		 * nor one used here at a post. */
		tims_rc crc = claim_here(s, who.id, lc.step,
					 json_string_value(json_object_get(req->json, "code")),
					 booth, now, &err);

		if (crc) {
			pthread_mutex_lock(&s->officers_lock);
			tims_officer_logout(s->officers, token, NULL);
			pthread_mutex_unlock(&s->officers_lock);
			sodium_memzero(token, sizeof(token));
			rc = crc;
			status = crc == TIMS_ERR_REPLAY ? 401 : 503;
		}
	}
	tims_officer_login_wipe(&lc);
	tims_officer_login_result(s->officers, id, req->addr, rc == TIMS_OK || status == 403, now);
	/* escaped: the audit trail refuses control characters, and such an
	 * id must still be audited, not answered 500 */
	tims_http_log_escape(id, safe_id, sizeof(safe_id));
	if ((arc = centre_audit(s->c, safe_id, rc ? "none" : tims_role_name(who.role), req->addr,
				rc ? "dashboard.login.failed" : "dashboard.login", "", NULL, NULL,
				status, &aerr))) {
		if (!rc) { /* no session stays open that was never answered */
			pthread_mutex_lock(&s->officers_lock);
			tims_officer_logout(s->officers, token, NULL);
			pthread_mutex_unlock(&s->officers_lock);
		}
		sodium_memzero(token, sizeof(token));
		return centre_no_trace(s->c, resp, arc);
	}
	if (rc) {
		/* the id is the client's: escaped, so it cannot forge a line */
		snprintf(detail, sizeof(detail), "dashboard login refused for \"%.32s\" from %s",
			 safe_id, req->addr);
		tims_centre_event(s->c, "login-failed", NULL, detail);
		return tims_http_reply_error(resp, status, "login_failed", "%s",
			rc == TIMS_ERR_REPLAY || rc == TIMS_ERR_INVALID || status == 403 ?
			tims_err_msg(&err) : TIMS_LOGIN_VAGUE);
	}
	{
		char lang[TIMS_LANG_MAX + 1];

		/* the officer's language for the dashboard, else the installation's */
		pthread_mutex_lock(&s->officers_lock);
		if (tims_officer_get_lang(s->officers, who.id, lang, NULL) || !lang[0])
			snprintf(lang, sizeof(lang), "%s", centre_default_lang(s));
		pthread_mutex_unlock(&s->officers_lock);
		rc = tims_http_reply_json(resp, 200, json_pack("{s:s, s:s, s:s, s:i, s:s}", "token",
			token, "officer", who.id, "role", tims_role_name(who.role), "idle_timeout_s",
			TIMS_SESSION_IDLE, "lang", lang));
	}
	sodium_memzero(token, sizeof(token));
	return rc;
}

/* The quick part: throttled before any hash (tims_officer_login_admit). */
tims_rc centre_h_login(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	unsigned wait = 0;
	const char *booth = json_string_value(json_object_get(req->json, "booth"));

	/* a command-line session is made by tims login only (cli_auth.c) */
	if (booth && !strcmp(booth, TIMS_CLI_BOOTH))
		return tims_http_reply_error(resp, 400, "bad_field", "booth: \"%s\" is reserved "
					     "for command-line sessions (tims login)", TIMS_CLI_BOOTH);

	if (tims_officer_login_admit(s->officers,
				     json_string_value(json_object_get(req->json, "officer")),
				     req->addr, time(NULL), &wait)) {
		resp->retry_after = wait;
		return tims_http_reply_error(resp, 429, "too_many_attempts",
					     "too many login attempts; try again in %u s", wait);
	}
	req->slow = login_slow;
	return TIMS_OK;
}

tims_rc centre_h_logout(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *h = tims_http_header(req, "Authorization");
	struct tims_err err;
	tims_rc rc;

	pthread_mutex_lock(&s->officers_lock);
	tims_officer_logout(s->officers, h && strlen(h) > 7 ? h + 7 : "", NULL);
	pthread_mutex_unlock(&s->officers_lock);
	if ((rc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr,
			       "dashboard.logout", "", NULL, NULL, 200, &err)))
		return centre_no_trace(s->c, resp, rc);
	return tims_http_reply_json(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

/* --- languages ------------------------------------------------------------ */

const char *centre_default_lang(const struct centre_serve *s)
{
	return s->lang && tims_lang_valid(s->lang) ? s->lang : "en";
}

/* Public: what the login screen needs before anyone is logged in. */
tims_rc centre_h_languages(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)req;
	return tims_http_reply_languages(resp, centre_default_lang(app));
}

/* The caller's own language in the dashboard ("": the installation's), audited. */
tims_rc centre_h_preferences(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *lang = tims_http_lang_wanted(req);
	char q[32];
	struct tims_err err;
	tims_rc rc;

	if (!lang)
		return tims_http_reply_lang_refused(resp);
	pthread_mutex_lock(&s->officers_lock);
	rc = tims_officer_set_lang(s->officers, req->who.id, lang, &err);
	pthread_mutex_unlock(&s->officers_lock);
	if (rc == TIMS_ERR_NOTFOUND)
		return tims_http_reply_error(resp, 404, "not_found", "%s", tims_err_msg(&err));
	if (rc)
		return tims_http_reply_error(resp, 500, "internal", "the preference was not stored");
	snprintf(q, sizeof(q), "{\"lang\":\"%s\"}", lang); /* en, sq or "" */
	if ((rc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr,
			       "officer.preferences", "", q, NULL, 200, &err)))
		return centre_no_trace(s->c, resp, rc);
	return tims_http_reply_lang_set(resp, lang, centre_default_lang(s));
}

/* --- the panels ------------------------------------------------------------ */

struct posts_ctx {
	json_t *list;
	int64_t now;
	unsigned online, offline;
};

static tims_rc post_row(void *ctx, const struct tims_centre_post *p)
{
	struct posts_ctx *x = ctx;
	/* An idle post pushes nothing but asks the centre's state each round. */
	int online = !p->revoked && p->last_seen_ms && x->now - p->last_seen_ms <= ONLINE_MS;

	if (!p->revoked)
		online ? x->online++ : x->offline++;
	json_array_append_new(x->list, json_pack("{s:s, s:s, s:b, s:s, s:I, s:I, s:I, s:I}",
		"name", p->name, "origin", p->origin, "revoked", p->revoked,
		"state", p->revoked ? "revoked" : online ? "online" : "offline",
		"records", (json_int_t)p->size, "signed_size", (json_int_t)p->signed_size,
		"last_sync_ms", (json_int_t)p->last_sync_ms,
		"lag_s", (json_int_t)(p->last_seen_ms ? (x->now - p->last_seen_ms) / 1000 : -1)));
	return TIMS_OK;
}

tims_rc centre_h_dash_posts(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct posts_ctx x = { json_array(), now_ms(), 0, 0 };
	struct tims_err err;
	tims_rc rc;

	(void)req;
	if ((rc = tims_centre_posts(s->c, post_row, &x, &err))) {
		json_decref(x.list);
		return rc;
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:b, s:I, s:i, s:i, s:o}",
		"centre", s->c->name, "isolated", tims_centre_isolated(s->c),
		"now_ms", (json_int_t)x.now, "online", x.online, "offline", x.offline,
		"posts", x.list));
}

/* ?hours=N (1..744, default 24): the window ending now. */
static tims_rc window(struct tims_http_req *req, struct tims_http_resp *resp,
		      int64_t *from, int64_t *to, int *bad)
{
	const char *h = tims_http_query(req, "hours");
	uint64_t hours = 24;

	*bad = 0;
	if (h && tims_parse_u64(h, HOURS_MAX, &hours, "hours", NULL)) {
		*bad = 1;
		return tims_http_reply_error(resp, 400, "bad_query", "hours: want 1 to %d",
					     HOURS_MAX);
	}
	if (hours == 0)
		hours = 1;
	*to = now_ms();
	*from = *to - (int64_t)hours * 3600 * 1000;
	return TIMS_OK;
}

tims_rc centre_h_dash_traffic(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_err err;
	int64_t from, to;
	json_t *j = NULL;
	tims_rc rc;
	int bad;

	if ((rc = window(req, resp, &from, &to, &bad)) || bad)
		return rc;
	/* counts only: no personal data, not audited (it is polled) */
	pthread_mutex_lock(&s->c->store_lock);
	rc = tims_cstore_counts(s->c->store, "post,hour", from, to, &j, &err);
	pthread_mutex_unlock(&s->c->store_lock);
	if (rc)
		return rc;
	return tims_http_reply_json(resp, 200, j);
}

tims_rc centre_h_dash_hits(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_err err;
	int64_t from, to;
	json_t *j = NULL;
	char query[96], *text;
	tims_rc rc;
	int bad;

	if ((rc = window(req, resp, &from, &to, &bad)) || bad)
		return rc;
	pthread_mutex_lock(&s->c->store_lock);
	rc = tims_cstore_hits(s->c->store, from, to, 200, &j, &err);
	pthread_mutex_unlock(&s->c->store_lock);
	if (rc == TIMS_ERR_UNAVAILABLE)
		return tims_http_reply_error(resp, 503, "token_unavailable", "%s", err.msg);
	if (rc)
		return rc;
	/* watchlist references tie crossings to listed people: audited */
	snprintf(query, sizeof(query), "{\"from_ms\":%lld,\"to_ms\":%lld}", (long long)from,
		 (long long)to);
	text = json_dumps(j, JSON_COMPACT);
	rc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr,
			  "dashboard.hits", "supervision: the hits of the period", query, text,
			  200, &err);
	free(text);
	if (rc) {
		json_decref(j);
		return centre_no_trace(s->c, resp, rc);
	}
	return tims_http_reply_json(resp, 200, j);
}

static tims_rc query_reply(struct centre_serve *s, struct tims_http_req *req,
			   struct tims_centre_query *q, struct tims_http_resp *resp)
{
	struct tims_export_usage u;
	struct tims_err err;
	json_t *j = NULL;
	tims_rc rc;

	q->actor = req->who.id;
	q->role = tims_role_name(req->who.role);
	q->addr = req->addr;
	q->usage = &u;
	rc = tims_centre_query(s->c, q, &j, &err);
	if (rc == TIMS_ERR_DENIED && u.refused) /* the daily export limit (export.c) */
		return tims_http_reply_error(resp, 403, "export_needs_approval", "%s", err.msg);
	if (rc == TIMS_ERR_DENIED || rc == TIMS_ERR_INVALID)
		return tims_http_reply_error(resp, 400, rc == TIMS_ERR_DENIED ? "purpose_required" :
					     "bad_query", "%s", err.msg);
	/* the key token away: not an empty answer, a refusal to answer */
	if (rc == TIMS_ERR_UNAVAILABLE)
		return tims_http_reply_error(resp, 503, "token_unavailable", "%s", err.msg);
	if (rc)
		return rc;
	return tims_http_reply_json(resp, 200, j);
}

static int64_t today(void)
{
	return (int64_t)time(NULL) / 86400;
}

tims_rc centre_h_dash_overstays(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp)
{
	struct tims_centre_query q;

	memset(&q, 0, sizeof(q));
	q.kind = "overstays";
	q.on_day = today();
	q.limit = 100;
	q.purpose = tims_http_query(req, "purpose");
	return query_reply(app, req, &q, resp);
}

const struct tims_json_field centre_search_schema[] = {
	{ "kind", TIMS_JSON_STRING, 1, 16 },
	{ "purpose", TIMS_JSON_STRING, 1, 200 },
	{ "doc", TIMS_JSON_STRING, 0, 40 },
	{ "issuer", TIMS_JSON_STRING, 0, 3 },
	{ "surname", TIMS_JSON_STRING, 0, 127 },
	{ "given_names", TIMS_JSON_STRING, 0, 127 },
	{ "birth_date", TIMS_JSON_STRING, 0, 10 },
	{ "nationality", TIMS_JSON_STRING, 0, 3 },
	{ NULL, 0, 0, 0 },
};

static const char *field(struct tims_http_req *req, const char *key)
{
	const char *v = json_string_value(json_object_get(req->json, key));

	return v && *v ? v : NULL;
}

tims_rc centre_h_dash_search(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_centre_query q;
	const char *kind = field(req, "kind");

	memset(&q, 0, sizeof(q));
	q.on_day = today();
	q.purpose = field(req, "purpose");
	if (kind && !strcmp(kind, "document")) {
		q.kind = "history";
		q.doc = field(req, "doc");
		q.issuer = field(req, "issuer");
		if (!q.doc)
			return tims_http_reply_error(resp, 400, "bad_field", "doc: required for a "
						     "document's history");
	} else if (kind && !strcmp(kind, "person")) {
		q.kind = "person";
		q.surname = field(req, "surname");
		q.given = field(req, "given_names");
		q.birth_date = field(req, "birth_date");
		q.nationality = field(req, "nationality");
		if (!q.surname || !q.birth_date)
			return tims_http_reply_error(resp, 400, "bad_field", "surname and birth_date: "
						     "required for a person's history");
	} else if (kind && !strcmp(kind, "search")) {
		/* a person found by name as screening compares names (cstore.h) */
		q.kind = "search";
		q.surname = field(req, "surname");
		q.given = field(req, "given_names");
		q.birth_date = field(req, "birth_date");
		q.nationality = field(req, "nationality");
		if (!q.surname && !q.given)
			return tims_http_reply_error(resp, 400, "bad_field", "surname or given_names: "
						     "required for a search by name");
	} else {
		return tims_http_reply_error(resp, 400, "bad_field", "kind: want document, person "
					     "or search");
	}
	return query_reply(app, req, &q, resp);
}
