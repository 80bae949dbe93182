/*
 * node.c — starting and stopping a post node: the post, its audit log, the
 * officer store, the HTTPS server, and the timer that signs checkpoints
 * every second while records arrive (see include/tims/node.h).
 *
 * It also decides whether the post acknowledges crossings (node_halted):
 * not after an I/O error in its crossing or audit log (until a restart),
 * nor once the centre or a witness showed it was rolled back (DIR/halted,
 * until an operator resolves it). The audit events that crossings owe are
 * appended at start and retried each second (settle_owed).
 */
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>

#include "internal.h"
#include "tims/signer.h"
#include "tims/bundle.h"
#include "tims/event.h"
#include "tims/log.h"
#include "tims/tls.h"
#include "tims/util.h"
#include "tims/vault.h"

static void node_vlog(struct tims_node *n, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void node_vlog(struct tims_node *n, int level, const char *fmt, va_list ap)
{
	struct tims_log_line l;

	if (!n->cfg.log)
		return;
	tims_log_begin(&l, level, NULL);
	tims_log_vaddf(&l, "msg", fmt, ap);
	n->cfg.log(n->cfg.log_ctx, tims_log_text(&l));
}

void node_log(struct tims_node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_vlog(n, TIMS_LOG_INFO, fmt, ap);
	va_end(ap);
}

void node_logl(struct tims_node *n, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_vlog(n, level, fmt, ap);
	va_end(ap);
}

/* --- helpers for the handlers (internal.h) -------------------------------- */

json_t *node_hex_json(const uint8_t *b, size_t n)
{
	struct tims_buf h = TIMS_BUF_INIT(256);
	json_t *j;

	tims_buf_addhex(&h, b, n);
	j = json_string(tims_buf_str(&h));
	tims_buf_release(&h);
	return j;
}

/* Append the audit event for this request, with the events of requests
 * made at the same time (group commit); n->lock held or not. */
tims_rc node_audit(struct tims_node *n, const struct tims_http_req *req,
		     const char *action, const char *purpose, int64_t crossing,
		     int status, json_t *query, json_t *result)
{
	struct tims_audit_event ev;
	char *q = query ? json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *r = result ? json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct tims_err err;
	uint64_t index;
	tims_rc rc;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "%s", req->who.id[0] ? req->who.id : "-");
	snprintf(ev.role, sizeof(ev.role), "%s", tims_role_name(req->who.role));
	snprintf(ev.booth, sizeof(ev.booth), "%s", req->who.booth);
	snprintf(ev.addr, sizeof(ev.addr), "%s", req->addr);
	snprintf(ev.action, sizeof(ev.action), "%s", action);
	snprintf(ev.purpose, sizeof(ev.purpose), "%s", purpose ? purpose : "");
	ev.crossing = crossing;
	ev.status = status;
	ev.query = q;
	ev.query_len = q ? strlen(q) : 0;
	ev.result = r;
	ev.result_len = r ? strlen(r) : 0;
	rc = tims_audit_append_group(n->audit, &ev, &index, &err);
	if (rc)
		node_logl(n, TIMS_LOG_WARNING, "audit: %s", tims_err_msg(&err));
	if (rc && rc != TIMS_ERR_FULL && tims_audit_broken(n->audit))
		rc = TIMS_ERR_STATE; /* stopped until restart: node_no_trace says so */
	free(q);
	free(r);
	json_decref(query);
	json_decref(result);
	return rc;
}

/* The audit event owed for crossing `index` (the JSON node_h_crossing kept
 * with the record): ev, with its query and result text in *q and *r
 * (free them). */
static tims_rc owed_event(struct tims_node *n, uint64_t index, const void *owed, size_t len,
			  struct tims_audit_event *ev, char **q, char **r)
{
	json_t *o = json_loadb(owed, len, 0, NULL), *qj, *rj;

	memset(ev, 0, sizeof(*ev));
	*q = *r = NULL;
	if (!o) {
		node_logl(n, TIMS_LOG_WARNING, "audit: the event owed for crossing %" PRIu64 " does not parse", index);
		return TIMS_ERR_INVALID;
	}
#define OWED(f) (json_string_value(json_object_get(o, f)) ? json_string_value(json_object_get(o, f)) : "")
	snprintf(ev->actor, sizeof(ev->actor), "%s", OWED("actor"));
	snprintf(ev->role, sizeof(ev->role), "%s", OWED("role"));
	snprintf(ev->booth, sizeof(ev->booth), "%s", OWED("booth"));
	snprintf(ev->addr, sizeof(ev->addr), "%s", OWED("addr"));
	snprintf(ev->action, sizeof(ev->action), "crossing");
	ev->crossing = (int64_t)index;
	ev->status = 201;
	/* What the booth asked and what it was answered, as before the record
	 * and its event were made durable together. */
	qj = json_pack("{s:s, s:s, s:s}", "document", OWED("document"),
		       "direction", OWED("direction"), "check_id", OWED("check_id"));
#undef OWED
	rj = json_pack("{s:I, s:b}", "index", (json_int_t)index, "duplicate", 0);
	*q = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	*r = rj ? json_dumps(rj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(qj);
	json_decref(rj);
	json_decref(o);
	if (!*q || !*r) {
		free(*q);
		free(*r);
		*q = *r = NULL;
		return TIMS_ERR_NOMEM;
	}
	ev->query = *q;
	ev->query_len = strlen(*q);
	ev->result = *r;
	ev->result_len = strlen(*r);
	return TIMS_OK;
}

tims_rc node_audit_owed(struct tims_node *n, uint64_t index, const void *owed,
			size_t len)
{
	struct tims_audit_event ev;
	char key[64], *q, *r;
	struct tims_err err;
	uint64_t at;
	int existed = 0;
	tims_rc rc;

	if ((rc = owed_event(n, index, owed, len, &ev, &q, &r)))
		return rc;
	snprintf(key, sizeof(key), "crossing/%" PRIu64, index);
	rc = tims_audit_append_once(n->audit, key, &ev, &at, &existed, &err);
	if (rc && rc != TIMS_ERR_IO && rc != TIMS_ERR_FULL)
		node_logl(n, TIMS_LOG_WARNING, "audit: crossing %" PRIu64 ": %s", index, tims_err_msg(&err));
	else if (rc)
		node_logl(n, TIMS_LOG_WARNING, "audit: crossing %" PRIu64 ": %s (the event stays owed in "
			 "post.db)", index, tims_err_msg(&err));
	if (!rc && tims_post_owed_settled(n->post, index, 0, &err))
		node_logl(n, TIMS_LOG_WARNING, "audit: crossing %" PRIu64 ": %s", index, tims_err_msg(&err));
	free(q);
	free(r);
	return rc;
}

/* The owed events gathered for one audit transaction. */
#define OWED_BATCH 256
struct owed_batch {
	size_t k;
	uint64_t index[OWED_BATCH];
	char *text[OWED_BATCH];
	size_t len[OWED_BATCH];
};

static tims_rc gather_owed(void *ctx, uint64_t index, const void *owed, size_t len)
{
	struct owed_batch *b = ctx;

	if (b->k == OWED_BATCH)
		return TIMS_ERR_TOOBIG; /* the rest at the next call */
	if (!(b->text[b->k] = malloc(len ? len : 1)))
		return TIMS_ERR_NOMEM;
	memcpy(b->text[b->k], owed, len);
	b->len[b->k] = len;
	b->index[b->k++] = index;
	return TIMS_OK;
}

tims_rc node_audit_owed_all(struct tims_node *n)
{
	struct owed_batch *b = calloc(1, sizeof(*b));
	struct tims_audit_event *ev = NULL;
	char (*keys)[32] = NULL, **q = NULL, **r = NULL;
	const char **kp = NULL;
	uint64_t *at = NULL;
	int *existed = NULL;
	struct tims_err err;
	size_t k = 0;
	tims_rc rc;

	if (!b)
		return TIMS_ERR_NOMEM;
	rc = tims_post_owed(n->post, gather_owed, b, &err);
	if (rc == TIMS_ERR_TOOBIG)
		rc = TIMS_OK;
	else if (rc)
		node_logl(n, TIMS_LOG_WARNING, "audit: owed events: %s", tims_err_msg(&err));
	if (rc || !b->k)
		goto out;
	ev = calloc(b->k, sizeof(*ev));
	keys = calloc(b->k, sizeof(*keys));
	kp = calloc(b->k, sizeof(*kp));
	q = calloc(b->k, sizeof(*q));
	r = calloc(b->k, sizeof(*r));
	at = calloc(b->k, sizeof(*at));
	existed = calloc(b->k, sizeof(*existed));
	if (!ev || !keys || !kp || !q || !r || !at || !existed) {
		rc = TIMS_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < b->k; i++) {
		/* One that does not parse is logged and stays owed; the others go. */
		if (owed_event(n, b->index[i], b->text[i], b->len[i], &ev[k], &q[k], &r[k]))
			continue;
		snprintf(keys[k], sizeof(keys[k]), "crossing/%" PRIu64, b->index[i]);
		kp[k] = keys[k];
		b->index[k++] = b->index[i];
	}
	if (!k)
		goto out;
	rc = tims_audit_append_once_many(n->audit, kp, ev, k, at, existed, &err);
	if (rc && rc != TIMS_ERR_IO && rc != TIMS_ERR_FULL)
		node_logl(n, TIMS_LOG_WARNING, "audit: %zu crossings: %s", k, tims_err_msg(&err));
	else if (rc)
		node_logl(n, TIMS_LOG_WARNING, "audit: %zu crossings: %s (the events stay owed in post.db)", k,
			 tims_err_msg(&err));
	for (size_t i = 0; !rc && i < k; i++)
		if (tims_post_owed_settled(n->post, b->index[i], 0, &err))
			node_logl(n, TIMS_LOG_WARNING, "audit: crossing %" PRIu64 ": %s", b->index[i],
				 tims_err_msg(&err));
out:
	for (size_t i = 0; b && i < b->k; i++)
		free(b->text[i]);
	for (size_t i = 0; q && r && i < k; i++) {
		free(q[i]);
		free(r[i]);
	}
	free(b);
	free(ev);
	free(keys);
	free(kp);
	free(q);
	free(r);
	free(at);
	free(existed);
	return rc;
}

/* --- halting --------------------------------------------------------------- */

/* The audit log's record of its publication is in post.db: not written
 * once post.db's log stopped on an I/O error (tims_audit_set_marker_guard;
 * tests/e2e/iofaults.sh watches every write after the failed fsync). */
static int marker_stopped(void *ctx)
{
	struct tims_node *n = ctx;
	int persistent = 0;

	return n->post && tims_post_halted(n->post, &persistent) && !persistent;
}

const char *node_halted(struct tims_node *n, int *persistent)
{
	const char *why = n->post ? tims_post_halted(n->post, persistent) : NULL;

	if (!why && n->audit && (why = tims_audit_broken(n->audit)) && persistent)
		*persistent = 0;
	if (why && !n->halt_logged) {
		n->halt_logged = 1;
		tims_metric_set(n->m_halted, 1);
		node_logl(n, TIMS_LOG_ERR, "HALTED: not acknowledging crossings: %s; %s", why,
			 persistent && *persistent
				 ? "until an operator resolves it (docs/operations.md, \"A post that stopped\")"
				 : "until the node is restarted");
	}
	return why;
}

void node_clock(struct tims_node *n)
{
	struct tims_post_clock c;

	tims_post_clock(n->post, &c);
	if (c.jumps == n->clock_jumps_logged)
		return;
	n->clock_jumps_logged = c.jumps;
	tims_metric_set(n->m_clock_jumps, (int64_t)c.jumps);
	node_logl(n, TIMS_LOG_WARNING, "clock: the post's clock jumped %s by %" PRId64 " s "
		  "between two registrations (%" PRIu64 " jumps since start); %s", c.last_jump_ms < 0
		  ? "back" : "forward", (c.last_jump_ms < 0 ? -c.last_jump_ms : c.last_jump_ms) / 1000,
		  c.jumps, c.held_ms ? "records keep the log's last time until the clock passes "
		  "it: the log is never reordered" : "check the time source (NTP)");
}

json_t *node_clock_json(struct tims_node *n)
{
	struct tims_post_clock c;

	tims_post_clock(n->post, &c);
	return json_pack("{s:I, s:I, s:I, s:I}", "jumps", (json_int_t)c.jumps,
			 "last_jump_ms", (json_int_t)c.last_jump_ms,
			 "last_jump_at_ms", (json_int_t)c.last_at_ms,
			 "log_ahead_ms", (json_int_t)c.held_ms);
}

json_t *node_halt_json(struct tims_node *n)
{
	int persistent = 0;
	const char *why = node_halted(n, &persistent);

	if (!why)
		return json_null();
	return json_pack("{s:s, s:s, s:s}", "reason", why, "until",
			 persistent ? "resolved" : "restart", "procedure",
			 persistent ? "docs/operations.md: A post that stopped (tims post resolve-rollback)"
				    : "docs/operations.md: A post that stopped (restart the node)");
}

void node_halt(struct tims_node *n, const char *why, uint64_t peer_size)
{
	struct tims_err err;

	pthread_mutex_lock(&n->lock);
	if (!tims_post_halted(n->post, NULL) &&
	    tims_post_halt(n->post, why, peer_size, &err))
		node_logl(n, TIMS_LOG_ERR, "halt: %s (halted until the restart only)", tims_err_msg(&err));
	node_halted(n, NULL);
	pthread_mutex_unlock(&n->lock);
}

struct owed_ctx {
	struct tims_node *n;
	size_t done, left;
};

static tims_rc settle_one(void *ctx, uint64_t index, const void *owed, size_t len)
{
	struct owed_ctx *c = ctx;

	if (node_audit_owed(c->n, index, owed, len))
		c->left++;
	else
		c->done++;
	return TIMS_OK;
}

/* Append the audit events owed for crossings (n->lock held): at start, after
 * a crash between a record and its event, and each second after a failure. */
static void settle_owed(struct tims_node *n, int at_start)
{
	struct owed_ctx c = { n, 0, 0 };
	struct tims_err err;
	int persistent = 0;

	/* Not after an I/O error; a post halted as rolled back still owes
	 * the events of what it registered before. */
	if (node_halted(n, &persistent) && !persistent)
		return;
	if (tims_post_owed(n->post, settle_one, &c, &err))
		node_logl(n, TIMS_LOG_WARNING, "audit: owed events: %s", tims_err_msg(&err));
	n->owed = c.left;
	if (c.done || c.left)
		node_logl(n, TIMS_LOG_WARNING, "audit: %zu event%s owed by crossings appended%s, %zu still owed",
			 c.done, c.done == 1 ? "" : "s", at_start ? " at start" : "", c.left);
}

tims_rc node_no_trace(struct tims_http_resp *resp, tims_rc rc)
{
	/* a full disk is the operator's to fix, and says so: 507 as for a
	 * crossing (tests/e2e/iofaults.sh, disk-full) */
	if (rc == TIMS_ERR_FULL)
		return tims_http_reply_error(resp, 507, "storage_full",
					     "the post's disk is full: the audit log could not "
					     "record this request; nothing is answered");
	if (rc == TIMS_ERR_STATE)
		return tims_http_reply_error(resp, 503, "halted",
					     "this post stopped: its audit log stopped writing after "
					     "an I/O error, and nothing is answered that it cannot "
					     "record; until the node is restarted (docs/operations.md, "
					     "\"A post that stopped\")");
	return tims_http_reply_error(resp, 500, "audit_unavailable",
				     "the audit log could not record this request; nothing is answered");
}

static tims_rc path_in(const char *dir, const char *name, char *out, size_t len,
		       struct tims_err *err)
{
	if (snprintf(out, len, "%s/%s", dir, name) >= (int)len)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

/* The HTTPS certificate: given, or made self-signed for localhost once. */
static tims_rc load_tls(struct tims_node *n, struct tims_buf *crt,
			struct tims_buf *key, char *key_file, size_t kflen,
			struct tims_err *err)
{
	char cpath[4200], kpath[4200];
	const char *cf = n->cfg.cert_file, *kf = n->cfg.key_file;
	tims_rc rc;

	if (!cf) {
		if ((rc = path_in(n->dir, "tls.crt", cpath, sizeof(cpath), err)))
			return rc;
		cf = cpath;
	}
	if (!kf) {
		if ((rc = path_in(n->dir, "tls.key", kpath, sizeof(kpath), err)))
			return rc;
		kf = kpath;
	}
	if (!n->cfg.cert_file && access(cf, F_OK) != 0) {
		struct tims_cert_req req = {
			.common_name = "localhost", .days = 825, .uses = TIMS_CERT_SERVER,
			.dns = { "localhost" }, .ips = { "127.0.0.1", "::1" },
		};
		struct tims_buf c = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), k = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);

		rc = tims_tls_issue(&req, NULL, NULL, &c, &k, err);
		if (!rc)
			rc = tims_write_file(kf, k.buf, k.len, 0600, 0, err);
		if (!rc)
			rc = tims_write_file(cf, c.buf, c.len, 0644, 0, err);
		if (k.buf)
			sodium_memzero(k.buf, k.len);
		tims_buf_release(&c);
		tims_buf_release(&k);
		if (rc)
			return rc;
		node_log(n, "made a self-signed certificate for localhost: %s", cf);
	}
	if ((rc = tims_read_file(cf, TIMS_TLS_PEM_MAX, crt, err)))
		return rc;
	/* with a signer the key file is its to read (tims/signer.h) */
	if (tims_signer_active()) {
		if ((size_t)snprintf(key_file, kflen, "%s", kf) >= kflen)
			return tims_err_set(err, TIMS_ERR_TOOBIG, "--key: path too long");
		return TIMS_OK;
	}
	return tims_read_file(kf, TIMS_TLS_PEM_MAX, key, err);
}

static tims_rc screen_sealed(struct tims_node *n, struct tims_err *err);
static int64_t now_ms(void);

/* The watchlists screened at /check: given, or DIR/watchlists if present. */
static tims_rc load_watchlists(struct tims_node *n, struct tims_err *err)
{
	char def[4200];
	const char *dir = n->cfg.watchlists;
	struct tims_screen_index_stats st;
	tims_rc rc;

	if (!dir) {
		if ((rc = path_in(n->dir, "watchlists", def, sizeof(def), err)))
			return rc;
		if (access(def, F_OK) != 0) {
			node_log(n, "no watchlists at %s: /check screens nothing until some are imported", def);
			return TIMS_OK;
		}
		dir = def;
	}
	if ((rc = tims_wl_open(dir, false, &n->wl, err)))
		return rc;
	rc = tims_wl_load_index(n->wl, &n->ix, err);
	if (rc == TIMS_ERR_UNAVAILABLE)
		return screen_sealed(n, err);
	if (rc)
		return rc;
	n->screen_sealed = 0;
	tims_screen_index_stats(n->ix, &st);
	node_log(n, "watchlists loaded from %s: %zu persons, %zu documents and vehicles", dir,
		 st.persons, st.idents);
	return TIMS_OK;
}

/*
 * The watchlists are sealed and the token is unavailable: the index cannot
 * be built, so every list is quarantined — each check fails closed (503
 * screening_failed naming the reason), never a screening against nothing.
 * node_vault_tick loads them when the token returns.
 */
static tims_rc screen_sealed(struct tims_node *n, struct tims_err *err)
{
	struct tims_wl_list_info *lists = NULL;
	char why[200];
	size_t nl = 0;
	tims_rc rc;

	snprintf(why, sizeof(why), "the watchlists are sealed and the key token is unavailable (%.120s)",
		 err ? err->msg : "");
	if ((rc = tims_screen_index_new(&n->ix)) || (rc = tims_screen_index_finish(n->ix)))
		return tims_err_set(err, rc, "index: out of memory");
	if ((rc = tims_wl_lists(n->wl, &lists, &nl, err)))
		return rc;
	for (size_t i = 0; i < nl; i++)
		tims_wl_quarantine(n->wl, lists[i].name, why, NULL);
	free(lists);
	n->screen_sealed = 1;
	node_logl(n, TIMS_LOG_ERR, "watchlists: %s: every check is refused until it returns", why);
	return TIMS_OK;
}

/*
 * The vault's token, checked by the timer: while it is unavailable, tried
 * again every NODE_VAULT_RETRY_MS (not faster: a token that refuses the
 * PIN may lock itself after a few attempts); when it returns, the sealed
 * watchlists are loaded and the rows registered meanwhile are indexed (at
 * the first history lookup). Called with n->lock held.
 */
#define NODE_VAULT_RETRY_MS 10000
static void node_vault_tick(struct tims_node *n)
{
	struct tims_vault *v = tims_post_vault(n->post);
	struct tims_err err;
	int64_t now = now_ms();

	if (tims_vault_state(v) == TIMS_VAULT_OPEN) {
		if (!n->screen_sealed)
			return;
	} else {
		if (!n->vault_reported) {
			struct tims_event ev;

			tims_event_init(&ev);
			ev.kind = TIMS_EVENT_TOKEN_UNAVAILABLE;
			snprintf(ev.detail, sizeof(ev.detail),
				 "the post's key token is unavailable: crossings are stored sealed, "
				 "history and screening refused until it returns (%.120s)",
				 tims_vault_why(v));
			if (!node_event(n, &ev, &err))
				n->vault_reported = 1;
		}
		if (now - n->vault_tried_ms < NODE_VAULT_RETRY_MS)
			return;
		n->vault_tried_ms = now;
		if (tims_vault_retry(v, &err))
			return;
		node_log(n, "vault: the key token is back");
		n->vault_reported = 0;
	}
	if (n->screen_sealed) {
		struct tims_wl *wl = NULL;
		struct tims_screen_index *ix = NULL, *old_ix;
		struct tims_wl *old_wl;
		char dir[4200];

		if (n->cfg.watchlists)
			snprintf(dir, sizeof(dir), "%s", n->cfg.watchlists);
		else
			snprintf(dir, sizeof(dir), "%s/watchlists", n->dir);
		if (tims_wl_open(dir, false, &wl, &err) || tims_wl_load_index(wl, &ix, &err)) {
			node_logl(n, TIMS_LOG_WARNING, "watchlists: still not loaded: %s", tims_err_msg(&err));
			tims_wl_close(wl);
			return;
		}
		pthread_rwlock_wrlock(&n->screen_rw);
		old_wl = n->wl;
		old_ix = n->ix;
		n->wl = wl;
		n->ix = ix;
		n->screen_sealed = 0;
		pthread_rwlock_unlock(&n->screen_rw);
		tims_screen_index_free(old_ix);
		tims_wl_close(old_wl);
		node_log(n, "watchlists: loaded now that the key token is back");
	}
}

json_t *node_vault_status(struct tims_node *n)
{
	struct tims_vault *v = tims_post_vault(n->post);
	int open = tims_vault_state(v) == TIMS_VAULT_OPEN;

	return json_pack("{s:s, s:s, s:b}", "state", open ? "open" : "seal-only",
			 "reason", open ? "" : tims_vault_why(v),
			 "screening_sealed", n->screen_sealed);
}

/* The booth service, configured by DIR/booth.conf (docs/booth.md). */
static tims_rc load_booth(struct tims_node *n, struct tims_err *err)
{
	struct tims_booth_config c;
	tims_rc rc;

	if ((rc = tims_booth_config_read(n->dir, &c, err)) ||
	    (rc = tims_booth_new(&c, &n->booth, err)))
		return rc;
	node_log(n, "booth: crossed_at within %" PRIu64 " s of the post's clock, a check binds "
		 "a crossing for %" PRIu64 " s, %zu refusal codes", c.skew_ms / 1000,
		 c.check_lifetime_ms / 1000, c.ncodes);
	/* The chips' anchors (docs/epassport.md): a file refused stops the
	 * start, as a bad booth.conf does; none at all is said once. */
	{
		char dir[4096 + 16];
		size_t nanchors, nfiles;

		snprintf(dir, sizeof(dir), "%.4095s/epassport", n->dir);
		if ((rc = tims_epass_trust_load_dir(dir, time(NULL), &n->chip_trust, &nanchors,
						    &nfiles, err)))
			return rc;
		if (n->chip_trust)
			node_log(n, "chip: %zu trust anchors from %zu files in %s", nanchors,
				 nfiles, dir);
		else
			node_log(n, "chip: no CSCA in %s/csca: a chip sent by a booth is "
				 "reported failed (no_trust), never authenticated", dir);
	}
	return TIMS_OK;
}

json_t *node_screening_status(struct tims_node *n)
{
	struct tims_wl_list_info *lists = NULL;
	size_t nl = 0;
	json_t *arr = json_array();
	int none;

	pthread_rwlock_rdlock(&n->screen_rw);
	pthread_mutex_lock(&n->screen);
	none = !n->wl || tims_wl_lists(n->wl, &lists, &nl, NULL);
	pthread_mutex_unlock(&n->screen);
	pthread_rwlock_unlock(&n->screen_rw);
	if (none)
		return json_pack("{s:b, s:s, s:o}", "available", 0, "reason",
				 "no watchlists loaded at this post", "lists", arr);
	for (size_t i = 0; i < nl; i++) {
		char upd[32] = "";
		time_t t = (time_t)lists[i].updated_s;
		struct tm tm;

		if (t > 0 && gmtime_r(&t, &tm))
			strftime(upd, sizeof(upd), "%Y-%m-%dT%H:%M:%SZ", &tm);
		/* The age of what the booth screens against: since it last changed;
		 * whether it is the centre's or the post's own list. */
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:s}",
			"list", lists[i].name, "kind", tims_wl_kind_name(lists[i].kind),
			"version", (json_int_t)lists[i].version, "active", (json_int_t)lists[i].active,
			"updated", upd, "age_s", (json_int_t)(t > 0 ? time(NULL) - t : -1),
			"origin", tims_bundle_is_centre_list(n->dir, lists[i].name) ? "centre" : "local"));
	}
	free(lists);
	/* What came from the centre, and when: the age of the watchlists; the
	 * copies checked against their signed digests (wlcheck.c). */
	return json_pack("{s:b, s:o, s:o, s:o}", "available", 1, "lists", arr, "from_centre",
			 tims_bundle_held_json(n->dir), "integrity", node_wlcheck_status(n));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After the timer's checkpoints: whether post.skey's token went away or
 * came back since the last tick. Each change is logged, shown in the status
 * ("key") and sent to the centre (token-unavailable, an alert there).
 * Crossings are acknowledged all along; their checkpoint waits. n->lock held.
 */
static void key_watch(struct tims_node *n)
{
	char why[TIMS_ERR_MSG_BYTES];
	struct tims_event ev;
	struct tims_err err;
	int down = tims_post_key_unavailable(n->post, why, sizeof(why));

	if (down == n->key_down)
		return;
	n->key_down = down;
	n->key_since_ms = (int64_t)time(NULL) * 1000;
	snprintf(n->key_why, sizeof(n->key_why), "%s", why);
	tims_event_init(&ev);
	ev.kind = TIMS_EVENT_TOKEN_UNAVAILABLE;
	if (down) {
		node_logl(n, TIMS_LOG_WARNING, "signing key unavailable, crossings acknowledged, no "
			 "checkpoint until it returns: %s", why);
		snprintf(ev.detail, sizeof(ev.detail), "signing key unavailable "
			 "(checkpoints wait): %s", why);
	} else {
		node_logl(n, TIMS_LOG_NOTICE, "signing key available again: checkpoints resume");
		snprintf(ev.detail, sizeof(ev.detail), "signing key available "
			 "again: checkpoints resume");
	}
	if (node_event(n, &ev, &err))
		node_log(n, "event token-unavailable not queued: %s",
			 tims_err_msg(&err));
}

/*
 * The name search keys still owed (the older records of a post.db migrated
 * from schema 2, or records registered while the token was out), made in
 * steps of 256 records for at most 300 ms a second: the post's lock is
 * held for one step at a time, so registrations wait at most a step.
 * Searches fail closed until they are all made. Without n->lock.
 */
static void names_step(struct tims_node *n)
{
	int64_t t0 = now_ms();
	uint64_t steps = 0;
	struct tims_err err;
	int more = 1;

	if (tims_vault_state(tims_post_vault(n->post)) != TIMS_VAULT_OPEN)
		return; /* (an empty names_pending costs one indexed step a second) */
	while (more && now_ms() - t0 < 300) {
		if (tims_post_index_names(n->post, 256, &more, &err)) {
			if (err.rc != TIMS_ERR_UNAVAILABLE)
				node_logl(n, TIMS_LOG_WARNING, "name search keys: %s", tims_err_msg(&err));
			return;
		}
		steps++;
	}
	if (more && n->names_done)
		node_log(n, "name search keys: making those owed (searches by name fail closed "
			 "until done)");
	if (!more && !n->names_done && steps > 1)
		node_log(n, "name search keys: every record is filed under its names");
	n->names_done = !more;
}

/* Sign a checkpoint of each log every second while records arrive. */
static void *timer_main(void *arg)
{
	struct tims_node *n = arg;
	struct tims_err err;

	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		struct timespec until;
		int issued = 0, persistent = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&n->wake, &n->lock, &until);
		if (n->stopping)
			break;
		node_vault_tick(n);
		if (n->owed)
			settle_owed(n, 0);
		if (node_halted(n, &persistent) && !persistent)
			continue; /* nothing is written after an I/O error */
		/* The post and the audit log lock themselves: their checkpoints
		 * (a commit and the outside file, fsync'd) are signed without
		 * n->lock, which every request takes to authenticate. */
		pthread_mutex_unlock(&n->lock);
		/* A token that is away is said once (key_watch), not each second */
		if (tims_post_checkpoint(n->post, &issued, &err) &&
		    err.rc != TIMS_ERR_UNAVAILABLE)
			node_logl(n, TIMS_LOG_WARNING, "checkpoint: %s", tims_err_msg(&err));
		if (tims_audit_checkpoint(n->audit, &issued, &err) &&
		    err.rc != TIMS_ERR_UNAVAILABLE)
			node_log(n, "audit checkpoint: %s", tims_err_msg(&err));
		names_step(n);
		pthread_mutex_lock(&n->lock);
		key_watch(n);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

static tims_rc authenticate(void *app, const char *token, int activity,
			    struct tims_principal *who)
{
	struct tims_node *n = app;
	tims_rc rc;

	pthread_mutex_lock(&n->lock);
	rc = activity ? tims_officer_session(n->officers, token, time(NULL), who, NULL) :
		tims_officer_session_peek(n->officers, token, time(NULL), who, NULL);
	pthread_mutex_unlock(&n->lock);
	return rc;
}

static void http_log(void *app, const struct tims_http_req *req, int status,
		     double ms, const char *detail)
{
	struct tims_node *n = app;
	unsigned cls = status >= 100 && status < 600 ? (unsigned)status / 100 : 0;
	char line[TIMS_LOG_LINE_MAX];

	if (req)
		tims_metric_add(n->m_requests[cls], 1);
	if (!n->cfg.log)
		return;
	/* Method, route pattern and status only: paths can hold document
	 * numbers, query strings names. */
	n->cfg.log(n->cfg.log_ctx, tims_http_access_line(req, status, ms,
			tims_post_origin(n->post), detail, line, sizeof(line)));
}

static void register_metrics(struct tims_node *n)
{
	static const char *const cls[6] = {
		"code=\"other\"", "code=\"1xx\"", "code=\"2xx\"", "code=\"3xx\"",
		"code=\"4xx\"", "code=\"5xx\"",
	};

	tims_metrics_init(&n->metrics);
	for (int i = 0; i < 6; i++)
		n->m_requests[i] = tims_metric(&n->metrics, TIMS_COUNTER,
			"tims_http_requests_total", "HTTP requests answered, by status class.",
			cls[i]);
	n->m_register = tims_metric(&n->metrics, TIMS_HISTOGRAM, "tims_register_seconds",
		"Time to register a crossing durably, signed and logged.", "");
	n->m_check = tims_metric(&n->metrics, TIMS_HISTOGRAM, "tims_check_seconds",
		"Time to answer a check: document, screening and history, audited.", "");
	n->m_log_size = tims_metric(&n->metrics, TIMS_GAUGE, "tims_log_size",
		"Records in the post's crossing log.", "");
	n->m_crossings = tims_metric(&n->metrics, TIMS_COUNTER, "tims_crossings_total",
		"Crossings registered through the API.", "");
	n->m_checks = tims_metric(&n->metrics, TIMS_COUNTER, "tims_checks_total",
		"Travellers checked.", "");
	n->m_login_failures = tims_metric(&n->metrics, TIMS_COUNTER,
		"tims_login_failures_total", "Failed officer logins.", "");
	n->m_wall_failures = tims_metric(&n->metrics, TIMS_COUNTER, "tims_wall_key_failures_total",
		"Wall-display requests refused: a wrong or missing wall key, or a throttled source.", "");
	n->m_halted = tims_metric(&n->metrics, TIMS_GAUGE, "tims_halted",
		"1 while the post does not acknowledge crossings (status: halted).", "");
	n->m_clock_jumps = tims_metric(&n->metrics, TIMS_GAUGE, "tims_clock_jumps",
		"Jumps of the post's clock seen between registrations since start (status: clock).", "");
}

tims_rc tims_node_start(const struct tims_node_config *cfg,
			struct tims_node **out, struct tims_err *err)
{
	struct tims_buf crt = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char capath[4200], key_file[4200] = "";
	struct tims_http_config hc;
	struct tims_node *n;
	uint64_t size;
	tims_rc rc;

	if (!cfg->dir)
		return tims_err_set(err, TIMS_ERR_USAGE, "node: a post directory is needed");
	n = calloc(1, sizeof(*n));
	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "node: out of memory");
	n->cfg = *cfg;
	snprintf(n->dir, sizeof(n->dir), "%s", cfg->dir);
	pthread_mutex_init(&n->lock, NULL);
	pthread_mutex_init(&n->screen, NULL);
	{
		pthread_rwlockattr_t a;

		/* a bundle's swap is not starved by checks that never pause */
		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&n->screen_rw, &a);
		pthread_rwlockattr_destroy(&a);
	}
	pthread_cond_init(&n->wake, NULL);
	n->started_ms = now_ms();
	register_metrics(n);
	if ((rc = tims_post_open(n->dir, TIMS_POST_WRITE, &n->post, err)) ||
	    (rc = tims_audit_open(n->dir, TIMS_AUDIT_WRITE, &n->audit, err)))
		goto fail;
	/* before any thread appends to the audit log */
	tims_audit_set_marker_guard(n->audit, marker_stopped, n);
	if ((rc = tims_officers_open_dir(n->dir, cfg->pw_cost, &n->officers, err)) ||
	    (rc = tims_oversight_load(n->dir, &n->ov, err)) ||
	    (rc = node_usage_load(n, err)) ||
	    (rc = load_watchlists(n, err)) ||
	    (rc = node_wlcheck_start(n, err)) || /* wlcheck.c: before serving */
	    (rc = load_booth(n, err)) ||
	    (rc = load_tls(n, &crt, &key, key_file, sizeof(key_file), err)))
		goto fail;
	/* Enrolled: the centre's CA vouches for the centre pulling (rebuild). */
	snprintf(capath, sizeof(capath), "%s/centre/ca.crt", n->dir);
	if (access(capath, F_OK) == 0 && (rc = tims_read_file(capath, ca.max, &ca, err)))
		goto fail;
	if (!tims_post_size(n->post, &size, NULL))
		tims_metric_set(n->m_log_size, (int64_t)size);
	/* A crash between a crossing and its audit event: the event now. */
	settle_owed(n, 1);
	memset(&hc, 0, sizeof(hc));
	hc.bind = cfg->listen ? cfg->listen : "127.0.0.1";
	hc.port = cfg->port;
	hc.cert_pem = crt.buf;
	hc.key_pem = key.buf;
	hc.key_file = key_file[0] ? key_file : NULL;
	hc.threads = cfg->threads; /* 0: TIMS_HTTP_THREADS, enough for 16 booths */
	hc.routes = tims_node_routes;
	hc.nroutes = tims_node_nroutes;
	hc.static_dir = cfg->web_dir;
	hc.app = n;
	hc.authenticate = authenticate;
	hc.authenticate_wall = node_wall_auth;
	hc.authorize_peer = node_authorize_peer;
	hc.limit = node_limit;
	if (ca.len)
		hc.client_ca_pem = tims_buf_str(&ca);
	hc.log = http_log;
	if ((rc = tims_http_start(&hc, &n->http, err)))
		goto fail;
	if (pthread_create(&n->timer, NULL, timer_main, n) == 0)
		n->timer_running = 1;
	if ((rc = node_sync_start(n, err)) || (rc = node_unusual_start(n, err)) ||
	    (rc = node_retention_start(n, err)))
		goto fail;
	sodium_memzero(key.buf, key.len);
	tims_buf_release(&ca);
	tims_buf_release(&crt);
	tims_buf_release(&key);
	node_logl(n, TIMS_LOG_NOTICE, "post %s serving on https://%s:%u/", tims_post_origin(n->post), hc.bind,
		 tims_http_port(n->http));
	*out = n;
	return TIMS_OK;
fail:
	tims_buf_release(&ca);
	if (key.buf)
		sodium_memzero(key.buf, key.len);
	tims_buf_release(&crt);
	tims_buf_release(&key);
	tims_node_stop(n);
	return rc;
}

uint16_t tims_node_port(const struct tims_node *n)
{
	return n->http ? tims_http_port(n->http) : 0;
}

void tims_node_stop(struct tims_node *n)
{
	struct tims_err err;
	int issued;

	if (!n)
		return;
	tims_http_stop(n->http);
	pthread_mutex_lock(&n->lock);
	n->stopping = 1;
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
	if (n->timer_running)
		pthread_join(n->timer, NULL);
	node_retention_stop(n); /* it queues events, and uses post and audit */
	node_wlcheck_stop(n); /* it queues events: before they stop */
	node_unusual_stop(n);
	node_sync_stop(n);
	node_wlcheck_free(n);
	/* Owed audit events already in audit.db need not be looked at again. */
	/* Not when the audit log never opened (a start that failed): then
	 * nothing was appended for them. */
	if (n->post && n->audit && !node_halted(n, NULL) &&
	    tims_post_owed_settled(n->post, UINT64_MAX, 1, &err) && !tims_post_halted(n->post, NULL))
		node_logl(n, TIMS_LOG_WARNING, "audit: owed events at stop: %s", tims_err_msg(&err));
	/* A last checkpoint so that everything acknowledged is signed. */
	if (n->post && tims_post_checkpoint(n->post, &issued, &err))
		node_log(n, "checkpoint at stop: %s", tims_err_msg(&err));
	if (n->audit && tims_audit_checkpoint(n->audit, &issued, &err))
		node_log(n, "audit checkpoint at stop: %s", tims_err_msg(&err));
	node_usage_free(n);
	tims_officers_close_dir(n->officers);
	tims_booth_free(n->booth);
	tims_epass_trust_free(n->chip_trust);
	tims_screen_index_free(n->ix);
	tims_wl_close(n->wl);
	tims_audit_free(n->audit);
	tims_post_free(n->post);
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->screen);
	pthread_rwlock_destroy(&n->screen_rw);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
