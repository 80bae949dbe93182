/*
 * identity.c — who a post's peers must be (docs/sync.md, "Identity").
 *
 * A chain to the centre's CA is not enough: the same CA issues every
 * post's certificates. What the enrolment left in DIR/centre decides:
 *
 *   enrolment.conf   centre_server_pin, centre_client_pin: the SHA-256 of
 *                    the centre's server and client keys
 *   ca.crt           the centre's CA
 *   revoked.crl      the CA-signed revocation list, the newest fetched
 *
 * The sync client wants the centre-server role and the pinned server key;
 * the peer routes (the centre pulling for a rebuild) want the
 * centre-client role, the name "centre" and the pinned client key. Both
 * refuse a certificate on the revocation list the post holds, so a revoked
 * certificate stays refused while the centre is unreachable. The files are
 * read at each use: they are small, and a renewed enrolment or a newer list
 * takes effect at once without shared state.
 */
#include <sodium.h>

#include "tims/conf.h"
#include "tims/revocation.h"
#include "tims/sync.h"
#include "tims/tls.h"
#include "tims/util.h"
#include "internal.h"

#define ENROL_MAX 8192

static tims_rc centre_file(const char *dir, const char *name, char *out, size_t cap,
			   struct tims_err *err)
{
	if (snprintf(out, cap, "%s/centre/%s", dir, name) >= (int)cap)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

/* The CA and the revocation list the post holds (NULL if none yet). */
static tims_rc held_crl(const char *dir, struct tims_tls_crl **crl, struct tims_err *err)
{
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf b = TIMS_BUF_INIT(TIMS_TLS_CRL_MAX);
	char path[4200];
	tims_rc rc;

	*crl = NULL;
	if ((rc = centre_file(dir, "revoked.crl", path, sizeof(path), err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if (!(rc = tims_read_file(path, b.max, &b, err)) &&
	    !(rc = centre_file(dir, "ca.crt", path, sizeof(path), err)) &&
	    !(rc = tims_read_file(path, ca.max, &ca, err)))
		rc = tims_tls_crl_load(b.buf, b.len, tims_buf_str(&ca), crl, err);
	tims_buf_release(&ca);
	tims_buf_release(&b);
	return rc;
}

tims_rc node_identity_policy(const char *dir, unsigned role, struct tims_tls_policy *pol,
			     uint8_t pin[32], struct tims_tls_crl **crl,
			     struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(ENROL_MAX);
	const char *key = role == TIMS_CERT_CENTRE_SERVER ? "centre_server_pin"
							  : "centre_client_pin";
	char path[4200], hex[80];
	struct tims_err e = { 0, "" };
	tims_rc rc;

	memset(pol, 0, sizeof(*pol));
	*crl = NULL;
	if ((rc = centre_file(dir, "enrolment.conf", path, sizeof(path), err)) ||
	    (rc = tims_read_file(path, b.max, &b, err)))
		return rc;
	if (!tims_conf_line_value(tims_buf_str(&b), key, hex, sizeof(hex)))
		rc = tims_err_set(err, TIMS_ERR_AUTH, "%s: no %s: an enrolment made before "
				  "certificate roles and pins; renew it (tims centre renew-post, "
				  "docs/operations.md)", path, key);
	else if (tims_tls_unhex32(hex, pin, err))
		rc = tims_err_set(err, TIMS_ERR_AUTH, "%s: %s: not a SHA-256", path, key);
	tims_buf_release(&b);
	if (rc)
		return rc;
	{
		/* the serials of the centre's signed list too (trust.c); it
		 * holds every serial of the CA's list, so a CA's list that no
		 * longer verifies (signed by a CA since retired) is not needed
		 * where the signed list is held */
		struct tims_revocation rl;
		int have = !node_trust_held(dir, &rl, NULL);

		if (held_crl(dir, crl, &e) && !have)
			return tims_err_set(err, TIMS_ERR_AUTH, "the revocation list held: %.200s",
					    e.msg);
		if (have) {
			rc = tims_tls_crl_add(crl, rl.certs, rl.ncerts, err);
			tims_revocation_release(&rl);
			if (rc) {
				tims_tls_crl_free(*crl);
				*crl = NULL;
				return rc;
			}
		}
	}
	pol->role = role;
	pol->name = role == TIMS_CERT_CENTRE_CLIENT ? "centre" : NULL;
	pol->spki_pin = pin;
	pol->crl = *crl;
	return TIMS_OK;
}

tims_rc node_identity_fetch_crl(const char *dir, const struct tims_sync_peer *peer,
				uint64_t *number, struct tims_err *err)
{
	struct tims_buf ans = TIMS_BUF_INIT(TIMS_TLS_CRL_MAX);
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_tls_crl *got = NULL, *held = NULL;
	char path[4200];
	long status = 0;
	tims_rc rc;

	*number = 0;
	if ((rc = tims_sync_http(peer, "GET", "/api/v1/sync/revocations", NULL, 0, NULL,
				 ans.max, &ans, &status, err)))
		goto out;
	if (status != 200) {
		rc = tims_err_set(err, TIMS_ERR_NET, "revocation list: the centre answered %ld",
				  status);
		goto out;
	}
	if ((rc = centre_file(dir, "ca.crt", path, sizeof(path), err)) ||
	    (rc = tims_read_file(path, ca.max, &ca, err)) ||
	    (rc = tims_tls_crl_load(ans.buf, ans.len, tims_buf_str(&ca), &got, err)))
		goto out;
	/* Never go back to an older list (one listing fewer revocations). */
	if (held_crl(dir, &held, NULL) == TIMS_OK && held &&
	    tims_tls_crl_number(held) > tims_tls_crl_number(got)) {
		*number = tims_tls_crl_number(held);
		goto out;
	}
	*number = tims_tls_crl_number(got);
	if (!held || tims_tls_crl_number(held) != *number) {
		if (!(rc = centre_file(dir, "revoked.crl", path, sizeof(path), err)))
			rc = tims_write_file(path, ans.buf, ans.len, 0644, 1, err);
	}
out:
	tims_tls_crl_free(got);
	tims_tls_crl_free(held);
	tims_buf_release(&ans);
	tims_buf_release(&ca);
	return rc;
}

/* ---- the centre pulls (rebuild) ----------------------------------------- */

tims_rc node_authorize_peer(void *app, const struct tims_tls_peer *peer,
			    struct tims_principal *who)
{
	struct tims_node *n = app;
	struct tims_tls_policy pol;
	struct tims_tls_crl *crl = NULL;
	struct tims_err err = { 0, "" };
	uint8_t pin[32];
	tims_rc rc;

	/* The chain verified against the centre's CA (lib/http); the rest is
	 * what the enrolment pinned. */
	rc = node_identity_policy(n->dir, TIMS_CERT_CENTRE_CLIENT, &pol, pin, &crl, &err);
	if (!rc)
		rc = tims_tls_check(peer, &pol, &err);
	tims_tls_crl_free(crl);
	if (rc) {
		node_logl(n, TIMS_LOG_ERR, "ALERT identity: a peer refused on the centre's routes: %s",
			 tims_err_msg(&err));
		return TIMS_ERR_DENIED;
	}
	memset(who, 0, sizeof(*who));
	snprintf(who->id, sizeof(who->id), "centre");
	who->role = TIMS_ROLE_PEER;
	return TIMS_OK;
}
