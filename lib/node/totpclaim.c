/*
 * totpclaim.c — a post's side of "one TOTP code, one login"
 * (tims/totpclaim.h, docs/sync.md "TOTP claims").
 *
 * After a login verifies here, the post claims (officer, step) at the centre
 * over its mutual-TLS channel, waiting at most TIMS_TOTP_CLAIM_TIMEOUT_S: a
 * step the centre holds from another login refuses this one. When the centre
 * does not answer (down, isolated, the network cut), the login goes on — a
 * border post works alone — and the claim waits in node.db; the sync thread
 * sends what waits, marked offline, at each round the centre answers
 * (node_totp_claims_deliver), and the centre reports a step used twice.
 *
 * tims_totp_claim_at_centre is public: `tims login` at a post claims the
 * same way (src/cli_auth.c), from its own process.
 */
#include <jansson.h>

#include "tims/mlog.h"
#include "tims/sync.h"
#include "tims/tls.h"
#include "tims/totpclaim.h"
#include "tims/util.h"
#include "internal.h"

#define ANSWER_MAX 4096
#define DELIVER_MAX 64      /* pending claims sent in one round */

/* "url = ..." of DIR/centre/enrolment.conf; 0 when not enrolled. */
static int centre_url(const char *dir, char *url, size_t cap)
{
	struct tims_buf b = TIMS_BUF_INIT(8192);
	char path[4200];
	const char *p;
	int ok = 0;

	if (snprintf(path, sizeof(path), "%s/centre/enrolment.conf", dir) >= (int)sizeof(path) ||
	    access(path, F_OK) != 0 || tims_read_file(path, 8192, &b, NULL))
		goto out;
	for (p = tims_buf_str(&b); p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v = p + 3, *nl;

		if (strncmp(p, "url", 3) != 0)
			continue;
		while (*v == ' ')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ')
			v++;
		nl = strchr(v, '\n');
		if ((size_t)(nl ? nl - v : (ptrdiff_t)strlen(v)) >= cap)
			break;
		snprintf(url, cap, "%.*s", (int)(nl ? nl - v : (ptrdiff_t)strlen(v)), v);
		ok = url[0] != '\0';
		break;
	}
out:
	tims_buf_release(&b);
	return ok;
}

static char *claim_body(const struct tims_totp_claim *c, int offline)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:b}", "id", c->id, "officer",
			      c->officer, "step", (json_int_t)c->step, "digest", c->digest,
			      "booth", c->booth,
			      "time_ms", (json_int_t)c->time_ms, "offline", offline);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

/* What the centre's answer means: TIMS_OK, TIMS_ERR_REPLAY (where set),
 * TIMS_ERR_INVALID (refused for good: malformed or stale) or
 * TIMS_ERR_UNAVAILABLE. */
static tims_rc answer(long status, const struct tims_buf *ans, char *where, size_t cap,
		      struct tims_err *err)
{
	json_t *j = json_loadb(ans->buf ? ans->buf : "", ans->len, 0, NULL);
	const char *used = json_string_value(json_object_get(j, "used_at"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	tims_rc rc;

	if (status == 200 && json_is_true(json_object_get(j, "claimed"))) {
		rc = TIMS_OK;
	} else if (status == 409 && used) {
		if (where)
			snprintf(where, cap, "%s", used);
		rc = tims_err_set(err, TIMS_ERR_REPLAY, "login: this code was already used at "
				  "post %.128s; wait for the next one", used);
	} else if (status == 400) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "the centre refused the TOTP claim: "
				  "%.300s", msg ? msg : "400");
	} else {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "the centre did not take the TOTP "
				  "claim (%ld): %.300s", status, msg ? msg : "");
	}
	json_decref(j);
	return rc;
}

/* One claim to the centre, over conn (or a connection of its own). */
static tims_rc send_claim(const char *dir, struct tims_sync_conn *conn,
			  const struct tims_sync_peer *given, const struct tims_totp_claim *c,
			  int offline, long timeout_s, char *where, size_t cap,
			  struct tims_err *err)
{
	struct tims_buf ans = TIMS_BUF_INIT(ANSWER_MAX);
	char url[512], ca[4200], cert[4200], key[4200];
	struct tims_tls_policy pol;
	struct tims_tls_crl *crl = NULL;
	struct tims_sync_peer peer;
	struct tims_err e;
	uint8_t pin[32];
	char *body;
	long status = 0;
	tims_rc rc;

	if (!given && !centre_url(dir, url, sizeof(url)))
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not enrolled at a centre", dir);
	if (!(body = claim_body(c, offline)))
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "TOTP claim: out of memory");
	if (given) {
		peer = *given;
	} else {
		/* the centre's pinned identity, as the sync thread checks it */
		if (node_identity_policy(dir, TIMS_CERT_CENTRE_SERVER, &pol, pin, &crl, &e)) {
			free(body);
			return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "the centre's identity: %s",
					    e.msg);
		}
		snprintf(ca, sizeof(ca), "%s/centre/ca.crt", dir);
		snprintf(cert, sizeof(cert), "%s/centre/client.crt", dir);
		snprintf(key, sizeof(key), "%s/centre/client.key", dir);
		peer = (struct tims_sync_peer){ url, ca, cert, key, timeout_s, &pol };
	}
	rc = conn ? tims_sync_conn_http(conn, &peer, "POST", "/api/v1/sync/totp-claim", body,
					strlen(body), "application/json", ANSWER_MAX, &ans,
					&status, &e)
		  : tims_sync_http(&peer, "POST", "/api/v1/sync/totp-claim", body, strlen(body),
				   "application/json", ANSWER_MAX, &ans, &status, &e);
	free(body);
	tims_tls_crl_free(crl);
	if (rc)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "the centre: %s", e.msg);
	else
		rc = answer(status, &ans, where, cap, err);
	tims_buf_release(&ans);
	return rc;
}

tims_rc tims_totp_claim_at_centre(const char *dir, const struct tims_totp_claim *c,
				  long timeout_s, char where[TIMS_NOTE_MAX_NAME + 1],
				  struct tims_err *err)
{
	tims_rc rc = send_claim(dir, NULL, NULL, c, 0, timeout_s, where,
				TIMS_NOTE_MAX_NAME + 1, err);

	/* refused for good online (the post's clock?): the login cannot be
	 * confirmed now; it goes on as offline and the centre hears of it */
	if (rc == TIMS_ERR_INVALID)
		rc = TIMS_ERR_UNAVAILABLE;
	return rc;
}

tims_rc node_totp_claim_login(struct tims_node *n, const char *officer, uint64_t step,
			      const char *code, const char *booth, struct tims_err *err)
{
	struct tims_totp_claim c;
	struct tims_err e;
	char where[TIMS_NOTE_MAX_NAME + 1];
	tims_rc rc;

	if (!node_sync_enrolled(n))
		return TIMS_OK;
	if ((rc = tims_totp_claim_make(&c, officer, step, code, booth, tims_mlog_now_ms(),
					 err)))
		return rc;
	rc = tims_totp_claim_at_centre(n->dir, &c, TIMS_TOTP_CLAIM_TIMEOUT_S, where, err);
	if (rc != TIMS_ERR_UNAVAILABLE)
		return rc;
	/* offline: the login goes on, the claim waits for the centre */
	node_log(n, "TOTP claim of %s kept for the centre: %s", officer, err ? err->msg : "");
	c.offline = 1;
	pthread_mutex_lock(&n->lock);
	rc = tims_totp_pending_add(tims_officers_db(n->officers), &c, &e);
	pthread_mutex_unlock(&n->lock);
	if (rc)
		node_log(n, "TOTP claim of %s not kept: %s", officer, e.msg);
	pthread_cond_broadcast(&n->wake);
	return TIMS_OK;
}

struct pending {
	struct tims_totp_claim c[DELIVER_MAX];
	size_t n;
};

static int take(void *ctx, const struct tims_totp_claim *c)
{
	struct pending *p = ctx;

	p->c[p->n++] = *c;
	return p->n == DELIVER_MAX;
}

void node_totp_claims_deliver(struct tims_node *n, struct tims_sync_conn *conn,
			      const struct tims_sync_peer *peer)
{
	struct pending *p = calloc(1, sizeof(*p));
	struct tims_err err;
	tims_rc rc = TIMS_OK;

	if (!p)
		return;
	pthread_mutex_lock(&n->lock);
	if (tims_totp_pending_count(tims_officers_db(n->officers)) > 0)
		rc = tims_totp_pending_list(tims_officers_db(n->officers), DELIVER_MAX, take, p, &err);
	pthread_mutex_unlock(&n->lock);
	if (rc)
		node_log(n, "pending TOTP claims: %s", err.msg);
	for (size_t i = 0; i < p->n; i++) {
		char where[TIMS_NOTE_MAX_NAME + 1] = "";

		rc = send_claim(n->dir, conn, peer, &p->c[i], 1, 0, where, sizeof(where), &err);
		if (rc == TIMS_ERR_UNAVAILABLE) {
			node_log(n, "pending TOTP claims: %s", err.msg);
			break; /* next round */
		}
		if (rc == TIMS_ERR_REPLAY)
			node_log(n, "TOTP claim of %s sent: the centre found its code used at "
				 "%s as well (an alert is open there)", p->c[i].officer, where);
		else if (rc == TIMS_ERR_INVALID)
			node_log(n, "TOTP claim of %s dropped: %s", p->c[i].officer, err.msg);
		pthread_mutex_lock(&n->lock);
		rc = tims_totp_pending_done(tims_officers_db(n->officers), p->c[i].id, &err);
		pthread_mutex_unlock(&n->lock);
		if (rc)
			node_log(n, "pending TOTP claims: %s", err.msg);
	}
	free(p);
}
