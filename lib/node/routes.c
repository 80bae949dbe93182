/*
 * routes.c — the post node's API (/api/v1): the route table and handlers.
 *
 * The table says, for each route, which roles may call it, how large a body
 * it takes and the body's shape; lib/http checks all of that before a handler
 * runs. Handlers that read or write personal data append an audit event
 * (who, when, from where, why, what was asked, what was returned) before
 * they answer; if the event cannot be stored, the answer is a 500 and carries
 * no personal data: no trace, no answer (G5).
 *
 * Permission matrix (also docs/api.md):
 *   route                         officer supervisor analyst auditor admin
 *   POST   /api/v1/session        (public: the login itself)
 *   DELETE /api/v1/session           x        x         x       x      x
 *   PUT    /api/v1/preferences       x        x         x       x      x   (one's own)
 *   GET    /api/v1/languages      (public: the consoles' languages, no personal data)
 *   GET    /api/v1/status            x        x         x       x      x
 *   POST   /api/v1/check             x        x                            (L)
 *   POST   /api/v1/chip/challenge    x        x   (active authentication's nonce)
 *   POST   /api/v1/crossings         x
 *   GET    /api/v1/history/{doc}     x        x         x                  (L)
 *   POST   /api/v1/history/search    x        x         x                  (L)
 *   GET    /api/v1/purposes          x        x         x
 *   GET    /api/v1/refusal-reasons   x        x
 *   POST   /api/v1/second-line       x        x   (not the first-line officer)
 *   POST   /api/v1/corrections                x
 *   POST   /api/v1/paper-imports              x
 *   GET    /api/v1/approvals[/{id}]           x
 *   POST   /api/v1/approvals/{id}/approve     x   (not the submitter)
 *   GET    /api/v1/audit                                        x
 *   GET    /api/v1/supervisor/summary         x   (polled: not activity)
 *   GET    /api/v1/wall           (the post's wall key only: Authorization:
 *          Wall KEY, not a session; counts, no personal data; supervisor.c)
 *   (L): counted against the officer's hourly limit (TIMS_ROUTE_LIMITED,
 *        DIR/oversight.conf); past it 429 and a LIMIT_EXCEEDED event.
 *   GET    /api/v1/checkpoint, /api/v1/proof/..., /metrics: public (no
 *          personal data: hashes, sizes, signatures, counters)
 */
#include <jansson.h>
#include <sodium.h>

#include "internal.h"
#include "tims/mrz.h"
#include "tims/record.h"
#include "tims/travel.h"
#include "tims/util.h"

#define PEOPLE (TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST | \
		TIMS_ROLE_AUDITOR | TIMS_ROLE_ADMIN)

/* --- session ------------------------------------------------------------- */

static const struct tims_json_field login_schema[] = {
	{ "officer", TIMS_JSON_STRING, 1, TIMS_OFFICER_ID_MAX },
	{ "password", TIMS_JSON_STRING, 1, TIMS_PW_MAX },
	{ "code", TIMS_JSON_STRING, 1, 16 },
	{ "booth", TIMS_JSON_STRING, 1, 31 },
	{ NULL, 0, 0, 0 },
};

/*
 * The login, in two parts. The quick part runs on the server's worker
 * thread: the throttle (by source, by account and source, by account: see
 * tims_officer_login_admit), answered 429 with Retry-After before any hash.
 * The slow part runs on the server's slow slots (a bounded pool, never a
 * worker thread): the node's lock is held to read the account and to finish
 * (code, session, audit), never while Argon2id runs, so a flood of logins
 * does not hold up the booths' checks. Every failure — unknown, disabled,
 * wrong password or code — is one answer; the audit keeps the reason.
 */
static tims_rc h_login_slow(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	const char *id = json_string_value(json_object_get(req->json, "officer"));
	const char *booth = json_string_value(json_object_get(req->json, "booth"));
	char token[TIMS_TOKEN_CHARS];
	struct tims_login_check lc;
	struct tims_principal who;
	struct tims_err err;
	time_t now = time(NULL);
	tims_rc rc, arc;
	int status;

	memset(&who, 0, sizeof(who));
	pthread_mutex_lock(&n->lock);
	tims_officer_login_begin(n->officers, id, &lc);
	pthread_mutex_unlock(&n->lock);
	tims_officer_login_hash(&lc, json_string_value(json_object_get(req->json, "password")));
	pthread_mutex_lock(&n->lock);
	rc = tims_officer_login_end(n->officers, &lc,
				    json_string_value(json_object_get(req->json, "code")),
				    booth, now, token, &who, &err);
	if (rc == TIMS_OK) {
		/* The code's step, claimed at the centre (not under the lock: a
		 * bounded wait): a code used at another post is refused here;
		 * the centre unreachable, the login goes on (totpclaim.c). */
		pthread_mutex_unlock(&n->lock);
		rc = node_totp_claim_login(n, who.id, lc.step,
					   json_string_value(json_object_get(req->json, "code")),
					   booth, &err);
		pthread_mutex_lock(&n->lock);
		if (rc) {
			tims_officer_logout(n->officers, token, NULL);
			sodium_memzero(token, sizeof(token));
			memset(&who, 0, sizeof(who));
		}
	}
	tims_officer_login_wipe(&lc);
	status = rc == TIMS_OK ? 200 : rc == TIMS_ERR_INVALID ? 400 : 401;
	/* The attempt is audited under the name given, whether it worked or not. */
	/* (escaped: the audit trail refuses control characters, and an id
	 * or booth that holds some must still be audited, not answered 500) */
	tims_http_log_escape(id, req->who.id, sizeof(req->who.id));
	tims_http_log_escape(booth, req->who.booth, sizeof(req->who.booth));
	req->who.role = who.role;
	arc = node_audit(n, req, rc ? "login.failed" : "login", "", -1, status, NULL,
		    rc ? json_pack("{s:s}", "reason", tims_err_msg(&err)) : NULL);
	pthread_mutex_unlock(&n->lock);
	tims_officer_login_result(n->officers, id, req->addr, rc == TIMS_OK, now);
	if (arc) {
		sodium_memzero(token, sizeof(token));
		return node_no_trace(resp, arc);
	}
	if (rc) {
		tims_metric_add(n->m_login_failures, 1);
		/* One answer for every failure but a used code (the password was
		 * right: the officer waits for the next code). */
		return tims_http_reply_json(resp, status, json_pack("{s:s, s:s, s:{s:s}}",
			"error", "login_failed", "message",
			rc == TIMS_ERR_REPLAY || rc == TIMS_ERR_INVALID ? tims_err_msg(&err)
									 : TIMS_LOGIN_VAGUE,
			/* the console's words: which of the three (never which of
			 * id, password or code was wrong) */
			"params", "rule", rc == TIMS_ERR_REPLAY ? "code_used"
					  : rc == TIMS_ERR_INVALID ? "invalid" : "credentials"));
	}
	/* the officer's language for the consoles, else the installation's */
	{
		char lang[TIMS_LANG_MAX + 1];

		pthread_mutex_lock(&n->lock);
		if (tims_officer_get_lang(n->officers, who.id, lang, NULL) || !lang[0])
			snprintf(lang, sizeof(lang), "%s", node_default_lang(n));
		pthread_mutex_unlock(&n->lock);
		rc = tims_http_reply_json(resp, 200, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}",
			"token", token, "officer", who.id, "role", tims_role_name(who.role),
			"booth", who.booth, "idle_timeout_s", TIMS_SESSION_IDLE, "lang", lang));
	}
	sodium_memzero(token, sizeof(token));
	return rc;
}

static tims_rc h_login(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	unsigned wait = 0;
	const char *booth = json_string_value(json_object_get(req->json, "booth"));

	/* a command-line session is made by tims login only (cli_auth.c) */
	if (booth && !strcmp(booth, TIMS_CLI_BOOTH))
		return tims_http_reply_error(resp, 400, "bad_field", "booth: \"%s\" is reserved "
					     "for command-line sessions (tims login)", TIMS_CLI_BOOTH);

	if (tims_officer_login_admit(n->officers,
				     json_string_value(json_object_get(req->json, "officer")),
				     req->addr, time(NULL), &wait)) {
		tims_metric_add(n->m_login_failures, 1);
		resp->retry_after = wait;
		return tims_http_reply_error_params(resp, 429, "too_many_attempts",
					     json_pack("{s:I}", "wait", (json_int_t)wait),
					     "too many login attempts; try again in %u s", wait);
	}
	req->slow = h_login_slow;
	return TIMS_OK;
}

static tims_rc h_logout(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	const char *h = tims_http_header(req, "Authorization");
	tims_rc rc;

	pthread_mutex_lock(&n->lock);
	rc = tims_officer_logout(n->officers, h && strlen(h) > 7 ? h + 7 : "", NULL);
	if (!rc)
		rc = node_audit(n, req, "logout", "", -1, 200, NULL, NULL);
	pthread_mutex_unlock(&n->lock);
	if (rc)
		return node_no_trace(resp, rc);
	return tims_http_reply_json(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

/* --- languages ---------------------------------------------------------- */

const char *node_default_lang(const struct tims_node *n)
{
	return n->cfg.lang && tims_lang_valid(n->cfg.lang) ? n->cfg.lang : "en";
}

/* Public: what the login screen needs before anyone is logged in. */
static tims_rc h_languages(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)req;
	return tims_http_reply_languages(resp, node_default_lang(app));
}

/* The caller's own preferences (the language of the consoles): audited, as
 * every change to an account is. "" = the installation's default. */
static tims_rc h_preferences(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	const char *lang = tims_http_lang_wanted(req);
	struct tims_err err;
	tims_rc rc;

	if (!lang)
		return tims_http_reply_lang_refused(resp);
	pthread_mutex_lock(&n->lock);
	rc = tims_officer_set_lang(n->officers, req->who.id, lang, &err);
	if (!rc)
		rc = node_audit(n, req, "officer.preferences", "", -1, 200, NULL,
				json_pack("{s:s}", "lang", lang));
	pthread_mutex_unlock(&n->lock);
	if (rc == TIMS_ERR_NOTFOUND)
		return tims_http_reply_error(resp, 404, "not_found", "%s", tims_err_msg(&err));
	if (rc)
		return node_no_trace(resp, rc);
	return tims_http_reply_lang_set(resp, lang, node_default_lang(n));
}

/* --- status and transparency -------------------------------------------- */

static json_t *checkpoint_json(struct tims_node *n, int with_note)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	json_t *j = NULL;

	if (!tims_post_latest_checkpoint(n->post, &note, &cp, NULL)) {
		j = json_pack("{s:s, s:I, s:o}", "origin", cp.origin, "size",
			      (json_int_t)cp.size, "root", node_hex_json(cp.root, TIMS_HASH_BYTES));
		if (j && with_note)
			json_object_set_new(j, "note", json_string(tims_buf_str(&note)));
	}
	tims_buf_release(&note);
	return j ? j : json_null();
}

/* The signing key: {"state": "available"|"unavailable", "why"?, "since_ms"?}
 * (node.c, key_watch). n->lock held. */
static json_t *key_json(struct tims_node *n)
{
	json_t *o = json_pack("{s:s}", "state", n->key_down ? "unavailable" : "available");

	if (o && n->key_down)
		json_object_set_new(o, "why", json_string(n->key_why));
	if (o && n->key_since_ms)
		json_object_set_new(o, "since_ms", json_integer(n->key_since_ms));
	return o ? o : json_null();
}

static tims_rc h_status(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	uint64_t size = 0;
	json_t *o;

	pthread_mutex_lock(&n->lock);
	tims_post_size(n->post, &size, NULL);
	o = json_pack("{s:s, s:I, s:b, s:o, s:o, s:o, s:{s:s, s:s, s:s}, s:o, s:o, s:I, s:o, s:o}",
		"origin", tims_post_origin(n->post),
		"log_size", (json_int_t)size,
		"acknowledging", !node_halted(n, NULL), "halted", node_halt_json(n),
		"checkpoint", checkpoint_json(n, 0),
		"key", key_json(n),
		"you", "officer", req->who.id, "role", tims_role_name(req->who.role),
		       "booth", req->who.booth,
		"screening", node_screening_status(n),
		"centre", node_sync_status(n),
		"server_time_ms", (json_int_t)time(NULL) * 1000,
		"unusual_reading", node_unusual_status(n), /* unusual.c */
		"vault", node_vault_status(n)); /* node.c: the key token */
	if (o)
		json_object_set_new(o, "clock", node_clock_json(n));
	pthread_mutex_unlock(&n->lock);
	return tims_http_reply_json(resp, 200, o);
}

static tims_rc h_checkpoint(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	tims_rc rc;

	(void)req;
	pthread_mutex_lock(&n->lock);
	rc = tims_post_latest_checkpoint(n->post, &note, &cp, NULL);
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		tims_buf_release(&note);
		return rc;
	}
	tims_buf_reset(&resp->body);
	rc = tims_buf_add(&resp->body, note.buf, note.len);
	resp->status = 200;
	resp->type = "text/plain; charset=utf-8";
	tims_buf_release(&note);
	return rc;
}

static int query_u64(const struct tims_http_req *req, const char *key, uint64_t max,
		     uint64_t *out, struct tims_err *err)
{
	const char *v = tims_http_query(req, key);

	if (!v)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: required", key);
	return tims_parse_u64(v, max, out, key, err);
}

static tims_rc proof_reply(struct tims_http_resp *resp, const char *kind, uint64_t a,
			   uint64_t b, tims_hash *proof, size_t len)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < len; i++)
		json_array_append_new(arr, node_hex_json(proof[i], TIMS_HASH_BYTES));
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:I, s:I, s:o}", "proof", kind,
		!strcmp(kind, "inclusion") ? "index" : "size1", (json_int_t)a,
		!strcmp(kind, "inclusion") ? "size" : "size2", (json_int_t)b, "hashes", arr));
}

static tims_rc h_proof(void *app, struct tims_http_req *req, struct tims_http_resp *resp,
		       int inclusion)
{
	struct tims_node *n = app;
	struct tims_tlog_reader r;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	struct tims_err err;
	uint64_t a, b, size = 0;
	size_t len;
	tims_rc rc;

	if (query_u64(req, inclusion ? "index" : "size1", UINT64_MAX / 2, &a, &err) ||
	    query_u64(req, inclusion ? "size" : "size2", UINT64_MAX / 2, &b, &err))
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	pthread_mutex_lock(&n->lock);
	tims_post_size(n->post, &size, NULL);
	if (b > size || (inclusion ? a >= b : a > b)) {
		pthread_mutex_unlock(&n->lock);
		return tims_http_reply_error(resp, 400, "bad_query",
			"%s: the log has %" PRIu64 " records", inclusion ? "index/size" : "size1/size2", size);
	}
	tims_post_reader(n->post, &r);
	rc = inclusion ? tims_tlog_prove_inclusion(a, b, &r, proof, &len, &err)
		       : tims_tlog_prove_consistency(a, b, &r, proof, &len, &err);
	pthread_mutex_unlock(&n->lock);
	if (rc)
		return rc;
	return proof_reply(resp, inclusion ? "inclusion" : "consistency", a, b, proof, len);
}

static tims_rc h_inclusion(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	return h_proof(app, req, resp, 1);
}

static tims_rc h_consistency(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	return h_proof(app, req, resp, 0);
}

static tims_rc h_metrics(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	tims_rc rc;

	(void)req;
	tims_buf_reset(&resp->body);
	resp->status = 200;
	resp->type = "text/plain; version=0.0.4";
	rc = tims_metrics_render(&n->metrics, &resp->body);
	return rc ? rc : node_metrics(n, &resp->body); /* metrics.c */
}

const struct tims_http_route tims_node_routes[] = {
	{ "POST", "/api/v1/session", TIMS_ROUTE_PUBLIC, 1024, login_schema, h_login,
	  TIMS_ROUTE_SECRET },
	{ "DELETE", "/api/v1/session", PEOPLE, 0, NULL, h_logout, 0 },
	{ "PUT", "/api/v1/preferences", PEOPLE, 256, tims_http_lang_schema, h_preferences, 0 },
	{ "GET", "/api/v1/languages", TIMS_ROUTE_PUBLIC, 0, NULL, h_languages, 0 },
	{ "GET", "/api/v1/status", PEOPLE, 0, NULL, h_status, TIMS_ROUTE_PASSIVE },
	{ "POST", "/api/v1/check", TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR, NODE_CHECK_BODY_MAX,
	  node_check_schema, node_h_check, TIMS_ROUTE_LIMITED },
	{ "POST", "/api/v1/chip/challenge", TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR, 0, NULL,
	  node_h_chip_challenge, 0 },
	{ "POST", "/api/v1/crossings", TIMS_ROLE_OFFICER, 16384, node_crossing_schema,
	  node_h_crossing, 0 },
	{ "GET", "/api/v1/history/{document}",
	  TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0, NULL, node_h_history,
	  TIMS_ROUTE_LIMITED },
	{ "POST", "/api/v1/history/search",
	  TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 2048,
	  node_history_search_schema, node_h_history_search, TIMS_ROUTE_LIMITED },
	{ "GET", "/api/v1/purposes", TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST,
	  0, NULL, node_h_purposes, 0 },
	{ "GET", "/api/v1/refusal-reasons", TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR, 0, NULL,
	  node_h_refusal_reasons, 0 },
	{ "POST", "/api/v1/second-line", TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR, 4096,
	  node_second_line_schema, node_h_second_line, 0 },
	{ "POST", "/api/v1/corrections", TIMS_ROLE_SUPERVISOR, 8192, node_correction_schema,
	  node_h_correction, 0 },
	{ "POST", "/api/v1/paper-imports", TIMS_ROLE_SUPERVISOR, 1024 * 1024, node_paper_schema,
	  node_h_paper_import, 0 },
	{ "GET", "/api/v1/approvals", TIMS_ROLE_SUPERVISOR, 0, NULL, node_h_approvals, 0 },
	{ "GET", "/api/v1/approvals/{id}", TIMS_ROLE_SUPERVISOR, 0, NULL, node_h_approval, 0 },
	{ "POST", "/api/v1/approvals/{id}/approve", TIMS_ROLE_SUPERVISOR, 0, NULL, node_h_approve,
	  0 },
	{ "GET", "/api/v1/audit", TIMS_ROLE_AUDITOR, 0, NULL, node_h_audit, 0 },
	{ "GET", "/api/v1/supervisor/summary", TIMS_ROLE_SUPERVISOR, 0, NULL,
	  node_h_supervisor_summary, TIMS_ROUTE_PASSIVE },
	/* public to lib/http: the handler asks for the wall key itself */
	{ "GET", "/api/v1/wall", TIMS_ROUTE_PUBLIC, 0, NULL, node_h_wall,
	  TIMS_ROUTE_PASSIVE | TIMS_ROUTE_WALL },
	{ "GET", "/api/v1/checkpoint", TIMS_ROUTE_PUBLIC, 0, NULL, h_checkpoint, 0 },
	{ "GET", "/api/v1/proof/inclusion", TIMS_ROUTE_PUBLIC, 0, NULL, h_inclusion, 0 },
	{ "GET", "/api/v1/proof/consistency", TIMS_ROUTE_PUBLIC, 0, NULL, h_consistency, 0 },
	{ "GET", "/metrics", TIMS_ROUTE_PUBLIC, 0, NULL, h_metrics, 0 },
	/* The centre, by its certificate, when it rebuilds (lib/node/sync.c). */
	{ "GET", "/api/v1/peer/export", TIMS_ROLE_PEER, 0, NULL, node_h_peer_export,
	  TIMS_ROUTE_MTLS },
	{ "GET", "/api/v1/peer/cosigned", TIMS_ROLE_PEER, 0, NULL, node_h_peer_cosigned,
	  TIMS_ROUTE_MTLS },
};
const size_t tims_node_nroutes = sizeof(tims_node_routes) / sizeof(tims_node_routes[0]);

const struct tims_http_route *tims_node_route_table(size_t *n)
{
	*n = tims_node_nroutes;
	return tims_node_routes;
}
