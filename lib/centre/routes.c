/*
 * routes.c — the centre's HTTPS API (docs/sync.md).
 *
 * The sync routes take mutual TLS only: lib/http verifies the client
 * certificate against the centre's CA and calls authorize_peer, which wants
 * the post-client role and maps (common name, certificate fingerprint) to
 * exactly one enrolled, not revoked post; the origin a handler works on is that post's, never one
 * the request names. While the centre is isolated (tims centre isolate)
 * every route answers 503, as if it were unreachable.
 *
 *   GET  /api/v1/sync/state                 {"origin","size","signed_size"}
 *   POST /api/v1/sync/push      (a batch)   {"size","added","repeated",
 *                                            "complete","cosignature"?}
 *   GET  /api/v1/sync/export?from=N&count=C a batch of the caller's own log
 *   GET  /api/v1/sync/audit-state           the same as state, for the
 *   POST /api/v1/sync/audit-push (a batch)  post's audit log (ingest.c)
 *   GET  /api/v1/sync/bundles               {"centre","bundles":[{"kind","list",
 *                                            "list_kind","version"}]}
 *   GET  /api/v1/sync/bundle?list=NAME      the signed bundle (tims/bundle.h)
 *   GET  /api/v1/sync/revocations           the CA-signed revocation list (PEM)
 *   GET  /api/v1/sync/keys                  {"announcements": [...]}: the centre's
 *                                           key rotations (tims/keyroll.h)
 *   POST /api/v1/sync/events    {"events":[...]} {"stored","repeated","last_seq"}
 *                                            (events.c)
 *   GET  /api/v1/sync/travel?since=N&limit=L the national travel feed (travel.c)
 *   POST /api/v1/sync/totp-claim {"id","officer","step","digest","booth",
 *                                 "time_ms","offline"}  one login per code
 *                                            (totpclaim.c)
 *   GET  /api/v1/centre/status  (public)    posts and their sync state:
 *                                            sizes and times, the query
 *                                            store's state; no personal data
 *   GET  /metrics               (public)    the same for Prometheus
 */
#include <jansson.h>
#include <sodium.h>

#include "tims/signer.h"
#include "tims/bundle.h"
#include "tims/event.h"
#include "tims/officer.h"
#include "tims/tls.h"
#include "tims/util.h"
#include "internal.h"
#include "tims/log.h"

#define DASH_ALL (TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST | TIMS_ROLE_AUDITOR | \
		  TIMS_ROLE_ADMIN)

static tims_rc isolated(struct tims_http_resp *resp)
{
	return tims_http_reply_error(resp, 503, "isolated",
				     "the centre is isolated (tims centre rejoin)");
}

static tims_rc h_state(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct centre_mirror *cm;
	struct tims_err err;
	uint64_t size = 0, signed_size = 0;
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return isolated(resp);
	if ((rc = centre_mirror_get(s->c, req->who.id, &cm, &err)))
		return tims_http_reply_error(resp, 404, "unknown_post", "%s", err.msg);
	pthread_mutex_lock(&cm->lock);
	cm->last_seen_ms = tims_mlog_now_ms(); /* an idle post only asks this */
	rc = tims_sync_mirror_size(cm->m, &size, &err);
	if (!rc && !tims_sync_mirror_checkpoint(cm->m, &note, &cp, NULL))
		signed_size = cp.size;
	pthread_mutex_unlock(&cm->lock);
	tims_buf_release(&note);
	if (rc)
		return rc;
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:I, s:I}", "origin",
		req->who.id, "size", (json_int_t)size, "signed_size", (json_int_t)signed_size));
}

/*
 * A batch of a post's crossing log (TIMS_SYNC_CROSSINGS) or of its audit log
 * (TIMS_SYNC_AUDIT: refused with 409 when it forks from the mirror or is
 * smaller than it; an alert is open then, ingest.c), the same checks and
 * answers for both.
 */
static tims_rc push(struct centre_serve *s, struct tims_http_req *req,
		    struct tims_http_resp *resp, enum tims_sync_leaf leaf)
{
	struct tims_sync_batch b;
	struct tims_centre_ingest *in;
	struct tims_err err;
	tims_rc rc;
	json_t *o;

	if (tims_centre_isolated(s->c))
		return isolated(resp);
	tims_sync_batch_init_leaf(&b, leaf);
	if ((rc = tims_sync_batch_decode(req->body, req->body_len, &b, &err))) {
		tims_centre_event(s->c, "malformed", req->who.id, err.msg);
		return tims_http_reply_error(resp, rc == TIMS_ERR_TOOBIG ? 413 : 400,
					     "bad_batch", "%s", err.msg);
	}
	if (!(in = malloc(sizeof(*in)))) {
		tims_sync_batch_release(&b);
		return TIMS_ERR_NOMEM;
	}
	rc = leaf == TIMS_SYNC_AUDIT ? centre_audit_ingest(s->c, req->who.id, &b, in, &err)
				     : tims_centre_ingest(s->c, req->who.id, &b, in, &err);
	tims_sync_batch_release(&b);
	switch (rc) {
	case TIMS_OK:
		o = json_pack("{s:I, s:I, s:I, s:b}", "size", (json_int_t)in->r.size,
			      "added", (json_int_t)in->r.added, "repeated",
			      (json_int_t)in->r.repeated, "complete", in->r.complete);
		if (o && in->cosignature[0])
			json_object_set_new(o, "cosignature", json_string(in->cosignature));
		rc = tims_http_reply_json(resp, 200, o);
		break;
	case TIMS_ERR_STATE:
		rc = tims_http_reply_json(resp, 409, json_pack("{s:s, s:s, s:I}", "error", "gap",
			"message", err.msg, "size", (json_int_t)in->r.want_from));
		break;
	case TIMS_ERR_TAMPER:
		rc = tims_http_reply_error(resp, 409, "fork", "%s", err.msg);
		break;
	case TIMS_ERR_SIGNATURE:
	case TIMS_ERR_PROOF:
		rc = tims_http_reply_error(resp, 422, "not_verified", "%s", err.msg);
		break;
	case TIMS_ERR_INVALID:
	case TIMS_ERR_TOOBIG:
		rc = tims_http_reply_error(resp, 400, "bad_batch", "%s", err.msg);
		break;
	case TIMS_ERR_DENIED:
		rc = tims_http_reply_error(resp, 403, "revoked", "%s", err.msg);
		break;
	case TIMS_ERR_NET: /* the query store is unreachable: nothing was taken */
		rc = tims_http_reply_error(resp, 503, "store_unavailable", "%s", err.msg);
		break;
	case TIMS_ERR_UNAVAILABLE: /* the key token is away: nothing was taken */
		rc = tims_http_reply_error(resp, 503, "token_unavailable", "%s", err.msg);
		break;
	case TIMS_ERR_FULL: /* the disk is full: nothing was taken, the post pushes again */
		rc = tims_http_reply_error(resp, 507, "storage_full", "%s", err.msg);
		break;
	default:
		if (s->log) {
			struct tims_log_line l;

			tims_log_begin(&l, TIMS_LOG_WARNING, leaf == TIMS_SYNC_AUDIT ?
				       "audit-ingest" : "ingest");
			tims_log_add(&l, "post", req->who.id);
			tims_log_add(&l, "error", err.msg);
			s->log(s->log_ctx, tims_log_text(&l));
		}
		break; /* a 500 */
	}
	free(in);
	return rc;
}

static tims_rc h_push(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	return push(app, req, resp, TIMS_SYNC_CROSSINGS);
}

/* The post's audit log: what the centre holds of it. */
static tims_rc h_audit_state(void *app, struct tims_http_req *req,
			     struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct centre_mirror *cm;
	struct tims_err err;
	uint64_t size = 0, signed_size = 0;
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return isolated(resp);
	if ((rc = centre_audit_mirror(s->c, req->who.id, &cm, &err)))
		return tims_http_reply_error(resp, 404, "unknown_post", "%s", err.msg);
	rc = tims_sync_mirror_size(cm->am, &size, &err);
	if (!rc && !tims_sync_mirror_checkpoint(cm->am, &note, &cp, NULL))
		signed_size = cp.size;
	pthread_mutex_unlock(&cm->lock);
	tims_buf_release(&note);
	if (rc)
		return rc;
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:I, s:I}", "origin",
		req->who.id, "size", (json_int_t)size, "signed_size", (json_int_t)signed_size));
}

static tims_rc h_audit_push(void *app, struct tims_http_req *req,
			    struct tims_http_resp *resp)
{
	return push(app, req, resp, TIMS_SYNC_AUDIT);
}

static tims_rc h_export(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_sync_batch b;
	struct centre_mirror *cm;
	struct tims_err err;
	uint64_t from = 0, count = TIMS_SYNC_MAX_BATCH;
	const char *f = tims_http_query(req, "from"), *n = tims_http_query(req, "count");
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return isolated(resp);
	if ((f && tims_parse_u64(f, TIMS_TLOG_MAX_LEAVES, &from, "from", &err)) ||
	    (n && tims_parse_u64(n, TIMS_SYNC_MAX_BATCH, &count, "count", &err)))
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	if ((rc = centre_mirror_get(s->c, req->who.id, &cm, &err)))
		return tims_http_reply_error(resp, 404, "unknown_post", "%s", err.msg);
	tims_sync_batch_init(&b);
	pthread_mutex_lock(&cm->lock);
	rc = tims_sync_mirror_batch(cm->m, from, count, &b, &err);
	pthread_mutex_unlock(&cm->lock);
	if (rc == TIMS_ERR_NOTFOUND || rc == TIMS_ERR_INVALID) {
		tims_sync_batch_release(&b);
		return tims_http_reply_error(resp, rc == TIMS_ERR_NOTFOUND ? 404 : 400,
					     "nothing_held", "%s", err.msg);
	}
	if (!rc) {
		/* A post's log leaves the centre: in the centre's audit log first
		 * (who, which range, how many records), or not at all. */
		json_t *qj = json_pack("{s:s, s:s, s:I, s:I}", "log", "crossings", "post",
				       req->who.id, "from", (json_int_t)from, "count",
				       (json_int_t)count);
		json_t *aj = json_pack("{s:I, s:I}", "records", (json_int_t)b.n,
				       "checkpoint_size", (json_int_t)b.cp.size);
		char *q = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		char *a = aj ? json_dumps(aj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		tims_rc arc = q && a ? centre_audit(s->c, req->who.id, "peer", req->addr,
						    "sync.export", "the post's own log back (tims "
						    "post restore --from-centre)", q, a, 200, &err)
				     : tims_err_set(&err, TIMS_ERR_NOMEM, "out of memory");

		json_decref(qj);
		json_decref(aj);
		free(q);
		free(a);
		if (arc) {
			tims_sync_batch_release(&b);
			return centre_no_trace(s->c, resp, arc);
		}
		rc = tims_sync_batch_reply(&b, resp, &err);
	}
	tims_sync_batch_release(&b);
	return rc;
}

static tims_rc one_post(void *ctx, const struct tims_centre_post *p)
{
	json_t *arr = ctx;

	return json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I}",
		"name", p->name, "origin", p->origin, "revoked", p->revoked,
		"size", (json_int_t)p->size, "signed_size", (json_int_t)p->signed_size,
		"last_sync_ms", (json_int_t)p->last_sync_ms,
		"last_seen_ms", (json_int_t)p->last_seen_ms)) ? TIMS_ERR_NOMEM : TIMS_OK;
}

static tims_rc h_status(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	json_t *posts = json_array();
	struct tims_err err;
	tims_rc rc;

	(void)req;
	if (tims_centre_isolated(s->c)) {
		json_decref(posts);
		return isolated(resp);
	}
	if ((rc = tims_centre_posts(s->c, one_post, posts, &err))) {
		json_decref(posts);
		return rc;
	}
	/* db_stopped: centre.db stopped on an I/O error, until a restart;
	 * audit_stopped: the centre's audit log, the same (nothing is
	 * answered that it cannot record: 503 halted) */
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:o, s:I, s:o, s:b, s:b}",
		"centre", s->c->name, "posts", posts, "server_time_ms",
		(json_int_t)tims_mlog_now_ms(), "store", centre_store_json(s->c), "db_stopped",
		centre_db_stopped(s->c), "audit_stopped", centre_audit_stopped(s->c, NULL, 0)));
}

static tims_rc h_metrics(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_err err;
	tims_rc rc;

	(void)req;
	tims_buf_reset(&resp->body);
	if ((rc = tims_centre_metrics(s->c, &resp->body, &err)))
		return rc;
	resp->status = 200;
	resp->type = "text/plain; version=0.0.4";
	return TIMS_OK;
}

/* ---- bundles down to the posts ---- */

static tims_rc open_wl(struct centre_serve *s, struct tims_wl **wl, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	*wl = NULL;
	if ((rc = centre_path(s->c, "watchlists", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_ERR_NOTFOUND;
	return tims_wl_open(path, false, wl, err);
}

static tims_rc h_bundles(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_wl_list_info *lists = NULL;
	struct tims_wl *wl;
	struct tims_err err;
	json_t *arr = json_array();
	size_t n = 0;
	tims_rc rc;

	if (tims_centre_isolated(s->c)) {
		json_decref(arr);
		return isolated(resp);
	}
	rc = open_wl(s, &wl, &err);
	if (rc == TIMS_OK) {
		rc = tims_wl_lists(wl, &lists, &n, &err);
	} else if (rc == TIMS_ERR_NOTFOUND) {
		wl = NULL;
		rc = TIMS_OK;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		/* The version's digest, bound to its predecessor's: a post holding
		 * another list under the same number sees it (docs/bundles.md). */
		struct tims_wl_digest d;
		char hex[65];

		if ((rc = tims_wl_digest(wl, lists[i].name, &d, &err)))
			break;
		for (int k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", d.digest[k]);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:s}", "kind", "watchlist",
			"list", lists[i].name, "list_kind", tims_wl_kind_name(lists[i].kind),
			"version", (json_int_t)lists[i].version, "digest", hex));
	}
	tims_wl_close(wl);
	free(lists);
	if (!rc) {
		/* The asking post's own roster, if it has a roster key. */
		uint64_t version = 0;
		tims_rc r2 = tims_centre_roster(s->c, req->peer_cn, &version, NULL, &err);

		if (r2 == TIMS_OK)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "kind", "officers",
				"post", req->peer_cn, "version", (json_int_t)version));
		else if (r2 != TIMS_ERR_NOTFOUND)
			rc = r2;
	}
	if (!rc) {
		/* The asking post's pre-screened arrivals, if the airports map
		 * puts it at an airport (tims/prescreen.h). A centre that cannot
		 * say (a map or store it cannot read) says nothing of them: the
		 * post keeps the version it holds, and the centre's log says
		 * why. */
		uint64_t version = 0;
		char airport[4];
		tims_rc r2 = tims_centre_arrivals_bundle(s->c, req->peer_cn, tims_mlog_now_ms(), &version,
							 airport, NULL, &err);

		if (r2 == TIMS_OK)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "kind", "arrivals",
				"post", req->peer_cn, "airport", airport, "version", (json_int_t)version));
		else if (r2 != TIMS_ERR_NOTFOUND && s->log) {
			struct tims_log_line l;

			tims_log_begin(&l, TIMS_LOG_WARNING, "arrivals");
			tims_log_add(&l, "post", req->peer_cn);
			tims_log_add(&l, "error", err.msg);
			s->log(s->log_ctx, tims_log_text(&l));
		}
	}
	if (rc) {
		json_decref(arr);
		return rc;
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:o}", "centre", s->c->name,
							 "bundles", arr));
}

tims_rc tims_centre_bundle(struct tims_centre *c, const char *list, uint64_t since,
			   struct tims_buf *out, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	struct tims_wl *wl;
	tims_rc rc;

	if ((rc = centre_path(c, "watchlists", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: the centre holds no watchlists", path);
	if ((rc = tims_wl_open(path, false, &wl, err)))
		return rc;
	rc = tims_bundle_watchlist(wl, list, since, c->name, &c->bundle_signer, out, err);
	tims_wl_close(wl);
	return rc;
}

static tims_rc h_bundle(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	const char *list = tims_http_query(req, "list");
	const char *kind = tims_http_query(req, "kind");
	const char *since_s = tims_http_query(req, "since");
	uint64_t since = 0;
	struct tims_wl *wl;
	struct tims_err err;
	tims_rc rc;

	if (tims_centre_isolated(s->c))
		return isolated(resp);
	if (kind && !strcmp(kind, "officers")) {
		/* Only the asking post's own roster, whatever it asks for. */
		uint64_t version;

		tims_buf_reset(&resp->body);
		resp->body.max = TIMS_BUNDLE_MAX;
		rc = tims_centre_roster(s->c, req->peer_cn, &version, &resp->body, &err);
		if (rc == TIMS_ERR_NOTFOUND)
			return tims_http_reply_error(resp, 404, "no_roster", "%s", err.msg);
		resp->status = 200;
		resp->type = "application/json";
		return rc;
	}
	if (kind && !strcmp(kind, "arrivals")) {
		/* Only the asking post's own, of its own airport. */
		uint64_t version;
		char airport[4];

		tims_buf_reset(&resp->body);
		resp->body.max = TIMS_BUNDLE_MAX;
		rc = tims_centre_arrivals_bundle(s->c, req->peer_cn, tims_mlog_now_ms(), &version, airport,
						 &resp->body, &err);
		if (rc == TIMS_ERR_NOTFOUND)
			return tims_http_reply_error(resp, 404, "no_arrivals", "%s", err.msg);
		if (rc)
			return rc;
		{
			/* the travellers' documents left the centre (sealed for the
			 * post): on the centre's audit trail, or not at all */
			json_t *qj = json_pack("{s:s, s:s, s:I}", "post", req->peer_cn, "airport",
					       airport, "version", (json_int_t)version);
			char *q = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL, a[64];

			snprintf(a, sizeof(a), "{\"bytes\":%zu}", resp->body.len);
			rc = q ? centre_audit(s->c, req->peer_cn, "peer", req->addr, "sync.arrivals",
					      "the screened passenger lists of its airport", q, a, 200,
					      &err)
			       : tims_err_set(&err, TIMS_ERR_NOMEM, "out of memory");
			json_decref(qj);
			free(q);
			if (rc) {
				tims_buf_reset(&resp->body);
				return rc;
			}
		}
		resp->status = 200;
		resp->type = "application/json";
		return TIMS_OK;
	}
	if (kind && strcmp(kind, "watchlist") != 0)
		return tims_http_reply_error(resp, 400, "bad_query", "kind: want watchlist, officers "
					     "or arrivals");
	if (!list || !*list || strlen(list) > TIMS_WL_LIST_NAME_MAX)
		return tims_http_reply_error(resp, 400, "bad_query", "list: required, at most %d bytes",
					     TIMS_WL_LIST_NAME_MAX);
	if (since_s && tims_parse_u64(since_s, INT64_MAX, &since, "since", &err))
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	if ((rc = open_wl(s, &wl, &err)) == TIMS_ERR_NOTFOUND)
		return tims_http_reply_error(resp, 404, "no_list", "the centre holds no watchlists");
	if (rc)
		return rc;
	tims_buf_reset(&resp->body);
	resp->body.max = TIMS_BUNDLE_MAX;
	rc = tims_bundle_watchlist(wl, list, since, s->c->name, &s->c->bundle_signer,
				   &resp->body, &err);
	tims_wl_close(wl);
	if (rc == TIMS_ERR_NOTFOUND)
		return tims_http_reply_error(resp, 404, "no_list", "%s", err.msg);
	resp->status = 200;
	resp->type = "application/json";
	return rc;
}

/*
 * A post's certificate, whose chain to the centre's CA lib/http verified:
 * it must carry the post-client role (a post's server certificate, the
 * centre's own or a witness's are refused), name an enrolled post that is
 * not revoked, and be the very certificate issued to it (its fingerprint).
 */
static tims_rc authorize_peer(void *app, const struct tims_tls_peer *peer,
			      struct tims_principal *who)
{
	static const struct tims_tls_policy want = { .role = TIMS_CERT_POST_CLIENT };
	struct centre_serve *s = app;
	sqlite3_stmt *st = NULL;
	struct tims_err err = { 0, "" };
	tims_rc rc = TIMS_ERR_DENIED;

	if (tims_tls_check(peer, &want, &err)) {
		tims_centre_event(s->c, "peer-refused", NULL, err.msg);
		return TIMS_ERR_DENIED;
	}
	int revoked = 0;

	pthread_mutex_lock(&s->c->db_lock);
	/* a certificate issued to the post, not revoked, not older than the
	 * one it uses (a renewed one takes over at its first use: trust.c) */
	if (sqlite3_prepare_v2(s->c->db, "SELECT origin, revoked_ms FROM posts WHERE name = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, peer->cn, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
			if (!revoked && centre_post_cert_ok(s->c, peer->cn, peer->fp)) {
				memset(who, 0, sizeof(*who));
				snprintf(who->id, sizeof(who->id), "%s", sqlite3_column_text(st, 0));
				who->role = TIMS_ROLE_PEER;
				snprintf(who->booth, sizeof(who->booth), "sync");
				rc = TIMS_OK;
			}
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->c->db_lock);
	if (rc) {
		char detail[200];

		snprintf(detail, sizeof(detail), "certificate \"%s\" is %s", peer->cn, revoked ?
			 "a revoked post's: refused" : "unknown, revoked, or not one issued");
		tims_centre_event(s->c, revoked ? "revoked" : "peer-refused", NULL, detail);
	}
	return rc;
}

/* The CA-signed revocation list (centre.c), which posts keep and check
 * every peer against, also offline. */
static tims_rc h_revocations(void *app, struct tims_http_req *req,
			     struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	char path[CENTRE_PATH_MAX];
	struct tims_err err;
	tims_rc rc;

	(void)req;
	if (tims_centre_isolated(s->c))
		return isolated(resp);
	if ((rc = centre_path(s->c, "revoked.crl", path, &err)))
		return rc;
	tims_buf_reset(&resp->body);
	resp->body.max = TIMS_TLS_CRL_MAX;
	if ((rc = tims_read_file(path, resp->body.max, &resp->body, &err)))
		return rc;
	resp->status = 200;
	resp->type = "application/x-pem-file";
	return TIMS_OK;
}

/* The centre's key announcements (docs/keys.md): the cosigner's and the
 * bundle key's successors, each signed by the key it replaces. */
static tims_rc h_keys(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct centre_serve *s = app;
	struct tims_err err;
	tims_rc rc;

	(void)req;
	if (tims_centre_isolated(s->c))
		return isolated(resp);
	tims_buf_reset(&resp->body);
	resp->body.max = 1u << 20;
	if ((rc = centre_key_announcements(s->c, &resp->body, &err)))
		return rc;
	resp->status = 200;
	resp->type = "application/json";
	return TIMS_OK;
}

static void http_log(void *app, const struct tims_http_req *req, int status,
		     double ms, const char *detail)
{
	struct centre_serve *s = app;
	char line[TIMS_LOG_LINE_MAX];

	if (!s->log)
		return;
	/* post: the peer a sync request came from (an officer's id is not
	 * logged) */
	s->log(s->log_ctx, tims_http_access_line(req, status, ms,
			req && req->who.role == TIMS_ROLE_PEER ? req->who.id : NULL,
			detail, line, sizeof(line)));
}

static const struct tims_http_route routes[] = {
	{ "GET", "/api/v1/sync/state", TIMS_ROLE_PEER, 0, NULL, h_state, TIMS_ROUTE_MTLS },
	{ "POST", "/api/v1/sync/push", TIMS_ROLE_PEER, TIMS_SYNC_MAX_BODY, NULL, h_push,
	  TIMS_ROUTE_MTLS | TIMS_ROUTE_RAW_BODY },
	{ "GET", "/api/v1/sync/export", TIMS_ROLE_PEER, 0, NULL, h_export, TIMS_ROUTE_MTLS },
	/* the post's audit log (docs/audit.md) */
	{ "GET", "/api/v1/sync/audit-state", TIMS_ROLE_PEER, 0, NULL, h_audit_state,
	  TIMS_ROUTE_MTLS },
	{ "POST", "/api/v1/sync/audit-push", TIMS_ROLE_PEER, TIMS_SYNC_MAX_BODY, NULL,
	  h_audit_push, TIMS_ROUTE_MTLS | TIMS_ROUTE_RAW_BODY },
	{ "GET", "/api/v1/sync/bundles", TIMS_ROLE_PEER, 0, NULL, h_bundles, TIMS_ROUTE_MTLS },
	{ "GET", "/api/v1/sync/bundle", TIMS_ROLE_PEER, 0, NULL, h_bundle, TIMS_ROUTE_MTLS },
	{ "GET", "/api/v1/sync/keys", TIMS_ROLE_PEER, 0, NULL, h_keys, TIMS_ROUTE_MTLS },
	{ "GET", "/api/v1/sync/revocations", TIMS_ROLE_PEER, 0, NULL, h_revocations,
	  TIMS_ROUTE_MTLS },
	/* certificates and the signed revocation list (trust.c) */
	{ "POST", "/api/v1/sync/renew", TIMS_ROLE_PEER, 2 * TIMS_TLS_PEM_MAX,
	  centre_renew_mtls_schema, centre_h_renew_mtls, TIMS_ROUTE_MTLS },
	{ "POST", "/api/v1/renew", TIMS_ROUTE_PUBLIC, 2 * TIMS_TLS_PEM_MAX + 8192,
	  centre_renew_key_schema, centre_h_renew_key, 0 },
	{ "GET", "/api/v1/revocations", TIMS_ROUTE_PUBLIC, 0, NULL, centre_h_revocations, 0 },
	/* events from the posts (events.c) */
	{ "POST", "/api/v1/sync/events", TIMS_ROLE_PEER, TIMS_EVENT_BODY_MAX,
	  centre_sync_events_schema, centre_h_sync_events, TIMS_ROUTE_MTLS },
	{ "GET", "/api/v1/sync/travel", TIMS_ROLE_PEER, 0, NULL, centre_h_sync_travel,
	  TIMS_ROUTE_MTLS },
	/* a login's TOTP step, claimed once across the posts (totpclaim.c) */
	{ "POST", "/api/v1/sync/totp-claim", TIMS_ROLE_PEER, 1024, centre_totp_claim_schema,
	  centre_h_sync_totp_claim, TIMS_ROUTE_MTLS },
	{ "GET", "/api/v1/centre/status", TIMS_ROUTE_PUBLIC, 0, NULL, h_status, 0 },
	{ "GET", "/metrics", TIMS_ROUTE_PUBLIC, 0, NULL, h_metrics, 0 },
	/* the supervisor dashboard (dashboard.c, docs/dashboard.md) */
	{ "POST", "/api/v1/session", TIMS_ROUTE_PUBLIC, 1024, centre_login_schema,
	  centre_h_login, TIMS_ROUTE_SECRET },
	{ "DELETE", "/api/v1/session", DASH_ALL, 0, NULL, centre_h_logout, 0 },
	{ "PUT", "/api/v1/preferences", DASH_ALL, 256, tims_http_lang_schema, centre_h_preferences, 0 },
	{ "GET", "/api/v1/languages", TIMS_ROUTE_PUBLIC, 0, NULL, centre_h_languages, 0 },
	{ "GET", "/api/v1/dashboard/posts", DASH_ALL, 0, NULL, centre_h_dash_posts,
	  TIMS_ROUTE_PASSIVE },
	{ "GET", "/api/v1/dashboard/traffic", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST |
	  TIMS_ROLE_ADMIN, 0, NULL, centre_h_dash_traffic, TIMS_ROUTE_PASSIVE },
	{ "GET", "/api/v1/dashboard/hits", TIMS_ROLE_SUPERVISOR, 0, NULL,
	  centre_h_dash_hits, TIMS_ROUTE_PASSIVE },
	{ "GET", "/api/v1/dashboard/alerts", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_AUDITOR |
	  TIMS_ROLE_ADMIN, 0, NULL, centre_h_dash_alerts, TIMS_ROUTE_PASSIVE },
	{ "POST", "/api/v1/dashboard/alerts/ack", TIMS_ROLE_SUPERVISOR, 256, centre_ack_schema,
	  centre_h_dash_ack, 0 },
	{ "POST", "/api/v1/dashboard/alerts/assign", TIMS_ROLE_SUPERVISOR, 512,
	  centre_assign_schema, centre_h_dash_assign, 0 },
	{ "POST", "/api/v1/dashboard/alerts/close", TIMS_ROLE_SUPERVISOR, 4096,
	  centre_close_schema, centre_h_dash_close, 0 },
	{ "GET", "/api/v1/dashboard/events", TIMS_ROLE_SUPERVISOR, 0, NULL, centre_h_dash_events,
	  TIMS_ROUTE_PASSIVE },
	{ "GET", "/api/v1/dashboard/overstays", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0,
	  NULL, centre_h_dash_overstays, 0 },
	/* the pre-arrival list (api.c): flights and counts, no traveller */
	{ "GET", "/api/v1/dashboard/arrivals", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0,
	  NULL, centre_h_dash_arrivals, 0 },
	/* the reports after arrival (arrivals_http.c): name travellers */
	{ "GET", "/api/v1/dashboard/arrivals/report", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST,
	  0, NULL, centre_h_dash_arrivals_report, 0 },
	{ "POST", "/api/v1/dashboard/search", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 2048,
	  centre_search_schema, centre_h_dash_search, 0 },
	/* the ministry's statistics (reports.c): counts only, audited */
	{ "GET", "/api/v1/reports/table", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0, NULL,
	  centre_h_report_table, 0 },
	{ "GET", "/api/v1/reports/overstays", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0, NULL,
	  centre_h_report_overstays, 0 },
	{ "GET", "/api/v1/reports/monthly", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0, NULL,
	  centre_h_report_monthly, 0 },
	/* two-person export (export.c, docs/export.md): the handlers refuse
	 * the requester's own approval and a second person of the same role */
	{ "POST", "/api/v1/exports", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 4096,
	  centre_export_schema, centre_h_export_request, 0 },
	{ "GET", "/api/v1/exports", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0, NULL,
	  centre_h_export_list, 0 },
	{ "GET", "/api/v1/exports/{id}", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0, NULL,
	  centre_h_export_get, 0 },
	{ "POST", "/api/v1/exports/{id}/approve", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0,
	  NULL, centre_h_export_approve, 0 },
	{ "POST", "/api/v1/exports/{id}/fetch", TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, 0,
	  NULL, centre_h_export_fetch, 0 },
	/* the auditors' view of the audit logs (auditview.c) */
	{ "GET", "/api/v1/audit/search", TIMS_ROLE_AUDITOR, 0, NULL, centre_h_audit_search, 0 },
};

const struct tims_http_route *tims_centre_route_table(size_t *n)
{
	*n = TIMS_ARRAY_SIZE(routes);
	return routes;
}

tims_rc tims_centre_serve(struct tims_centre *c, const char *bind,
			  uint16_t port, const char *web_dir, const char *lang,
			  void (*log)(void *ctx, const char *line),
			  void *log_ctx, struct tims_http_server **out,
			  struct tims_err *err)
{
	struct tims_buf crt = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf ca = TIMS_BUF_INIT(4 * TIMS_TLS_PEM_MAX);
	struct centre_serve *s = calloc(1, sizeof(*s));
	char path[CENTRE_PATH_MAX];
	struct tims_http_config cfg;
	uint64_t added;
	tims_rc rc;

	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	s->c = c;
	s->lang = lang;
	s->log = log;
	s->log_ctx = log_ctx;
	pthread_mutex_init(&s->officers_lock, NULL);
	if ((rc = centre_path(c, "revoked.crl", path, err)))
		goto out;
	if (access(path, F_OK) != 0 && (rc = centre_crl_write(c, err)))
		goto out;
	if ((rc = centre_revocations_ensure(c, err)))
		goto out;
	if ((rc = centre_audit_start(c, err)) || /* its audit log, as published */
	    (rc = tims_centre_reindex(c, &added, err)) ||
	    (rc = centre_maintain_start(c, err)) ||
	    (rc = centre_alerts_start(c, log, log_ctx, err)) ||
	    (rc = tims_officers_open_dir(c->dir, TIMS_PW_COST_INTERACTIVE, &s->officers, err)))
		goto out;
	if ((rc = centre_path(c, "tls.crt", path, err)) ||
	    (rc = tims_read_file(path, crt.max, &crt, err)) ||
	    (rc = centre_path(c, "tls.key", path, err)) ||
	    /* with a signer the key file is its to read (tims/signer.h) */
	    (!tims_signer_active() && (rc = tims_read_file(path, key.max, &key, err))) ||
	    (rc = centre_trusted_cas(c, &ca, err))) /* both CAs during a rollover */
		goto out;
	memset(&cfg, 0, sizeof(cfg));
	cfg.bind = bind ? bind : "127.0.0.1";
	cfg.port = port;
	cfg.cert_pem = tims_buf_str(&crt);
	cfg.key_pem = key.buf;
	cfg.key_file = path;
	cfg.client_ca_pem = tims_buf_str(&ca);
	cfg.threads = 2;
	cfg.routes = routes;
	cfg.nroutes = TIMS_ARRAY_SIZE(routes);
	cfg.app = s;
	cfg.authorize_peer = authorize_peer;
	cfg.authenticate = centre_authenticate;
	cfg.static_dir = web_dir;
	/* the catalogue loader is the booth console's (web/i18n.js), kept once:
	 * the dashboard's directory is web/dashboard, its parent the console's */
	if (web_dir && snprintf(s->web_shared, sizeof(s->web_shared), "%s", web_dir) <
			       (int)sizeof(s->web_shared)) {
		static const char *const shared[] = { "/i18n.js", NULL };
		char *slash = strrchr(s->web_shared, '/');

		while (slash && slash > s->web_shared && slash[1] == '\0') { /* "web/dashboard/" */
			*slash = '\0';
			slash = strrchr(s->web_shared, '/');
		}
		if (slash && slash > s->web_shared) {
			*slash = '\0';
			cfg.static_shared_dir = s->web_shared;
			cfg.static_shared = shared;
		}
	}
	{
		/* the reports' charts: Debian's libjs-chart.js where the package
		 * puts it (absent: the page shows its tables without charts) */
		static const struct tims_http_static_file files[] = {
			{ "/chart.js", TIMS_CENTRE_CHARTJS },
			{ NULL, NULL },
		};

		cfg.static_files = files;
	}
	cfg.log = http_log;
	rc = tims_http_start(&cfg, out, err);
out:
	tims_buf_release(&crt);
	if (key.buf)
		sodium_memzero(key.buf, key.alloc);
	tims_buf_release(&key);
	tims_buf_release(&ca);
	if (rc) {
		tims_officers_close_dir(s->officers);
		free(s);
	}
	/* On success s lives as long as the server (the process). */
	return rc;
}
