/*
 * test_tls_identity.c — who a peer is (issue 13, G6): certificate roles,
 * the pinned key, the CA-signed revocation list, and the sync client that
 * checks them after the handshake and before sending anything, over real
 * connections on loopback: a post's certificate (valid or revoked) served
 * on the centre's address is refused and never sees a request.
 */
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/http.h"
#include "tims/sync.h"
#include "tims/tls.h"

#define PEM TIMS_BUF_INIT(TIMS_TLS_PEM_MAX)

struct cert {
	struct tims_buf crt, key;
	struct tims_tls_peer p;
};

static struct tims_buf ca = PEM, cakey = PEM;

static void make(struct cert *c, const char *cn, unsigned role, const char *ca_pem,
		 const char *cakey_pem)
{
	struct tims_cert_req req = { .common_name = cn, .days = 2, .role = role,
				     .dns = { "localhost" }, .ips = { "127.0.0.1" } };
	struct tims_err err;

	c->crt = (struct tims_buf)PEM;
	c->key = (struct tims_buf)PEM;
	if (tims_tls_issue(&req, ca_pem, cakey_pem, &c->crt, &c->key, &err) ||
	    tims_tls_peer_read_pem(c->crt.buf, &c->p, &err))
		printf("# make %s: %s\n", cn, err.msg);
}

static void drop(struct cert *c)
{
	sodium_memzero(c->key.buf, c->key.len);
	tims_buf_release(&c->crt);
	tims_buf_release(&c->key);
}

static int requests;

static tims_rc h_state(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app;
	(void)req;
	requests++;
	/* What an impostor would answer: "I hold more than you signed". */
	return tims_http_reply_json(resp, 200, json_pack("{s:I}", "size", (json_int_t)1000000));
}

static tims_rc h_peer(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app;
	requests++;
	return tims_http_reply_json(resp, 200, json_pack("{s:s}", "peer", req->who.id));
}

static const struct tims_tls_policy *server_wants;

static tims_rc authorize(void *app, const struct tims_tls_peer *peer, struct tims_principal *who)
{
	(void)app;
	if (tims_tls_check(peer, server_wants, NULL))
		return TIMS_ERR_DENIED;
	snprintf(who->id, sizeof(who->id), "%s", peer->cn);
	who->role = TIMS_ROLE_PEER;
	return TIMS_OK;
}

static const struct tims_http_route routes[] = {
	{ "GET", "/api/v1/sync/state", TIMS_ROUTE_PUBLIC, 0, NULL, h_state, 0 },
	{ "GET", "/api/v1/peer", TIMS_ROLE_PEER, 0, NULL, h_peer, TIMS_ROUTE_MTLS },
};

static char dir[] = "/tmp/tims-tls-id-XXXXXX";

static const char *file(const char *name, const char *data)
{
	return t_write_file(dir, name, data, strlen(data));
}

/* Serve routes with a certificate; the sync client asks /api/v1/sync/state. */
static tims_rc ask(const struct cert *server, const struct tims_tls_policy *want,
		   const char *client_crt, const char *client_key, const char *path,
		   long *status, struct tims_err *err)
{
	struct tims_http_config cfg = { 0 };
	struct tims_http_server *s = NULL;
	struct tims_buf out = TIMS_BUF_INIT(1 << 16);
	char url[64];
	tims_rc rc;

	cfg.bind = "127.0.0.1";
	cfg.cert_pem = server->crt.buf;
	cfg.key_pem = server->key.buf;
	cfg.client_ca_pem = ca.buf;
	cfg.routes = routes;
	cfg.nroutes = sizeof(routes) / sizeof(routes[0]);
	cfg.authorize_peer = authorize;
	if ((rc = tims_http_start(&cfg, &s, err)))
		return rc;
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", tims_http_port(s));
	{
		struct tims_sync_peer peer = { url, file("ca.pem", ca.buf), client_crt, client_key,
					       10, want };

		rc = tims_sync_http(&peer, "GET", path, NULL, 0, NULL, out.max, &out, status, err);
	}
	tims_http_stop(s);
	tims_buf_release(&out);
	return rc;
}

int main(void)
{
	struct tims_cert_req rca = { .common_name = "TIMS test centre CA", .days = 2,
				     .uses = TIMS_CERT_CA };
	struct tims_buf other_ca = PEM, other_cakey = PEM, crl = TIMS_BUF_INIT(TIMS_TLS_CRL_MAX);
	struct cert centre, centre_cli, post, post_cli, revoked, witness, plain, rogue_centre;
	struct tims_tls_serial serials[2];
	struct tims_tls_crl *list = NULL, *empty = NULL;
	struct tims_err err;
	uint8_t pin[32];
	long status = 0;
	char hex[65];

	if (!mkdtemp(dir))
		return 2;
	tims_tls_issue(&rca, NULL, NULL, &ca, &cakey, NULL);
	tims_tls_issue(&rca, NULL, NULL, &other_ca, &other_cakey, NULL);
	make(&centre, "tims centre", TIMS_CERT_CENTRE_SERVER, ca.buf, cakey.buf);
	make(&centre_cli, "centre", TIMS_CERT_CENTRE_CLIENT, ca.buf, cakey.buf);
	make(&post, "varna-port", TIMS_CERT_POST_SERVER, ca.buf, cakey.buf);
	make(&post_cli, "varna-port", TIMS_CERT_POST_CLIENT, ca.buf, cakey.buf);
	make(&revoked, "sofia-airport", TIMS_CERT_POST_SERVER, ca.buf, cakey.buf);
	make(&witness, "tims witness", TIMS_CERT_WITNESS, NULL, NULL);
	make(&rogue_centre, "tims centre", TIMS_CERT_CENTRE_SERVER, ca.buf, cakey.buf);
	{
		struct tims_cert_req r = { .common_name = "old-post", .days = 2,
					   .uses = TIMS_CERT_SERVER | TIMS_CERT_CLIENT,
					   .ips = { "127.0.0.1" } };

		plain.crt = (struct tims_buf)PEM;
		plain.key = (struct tims_buf)PEM;
		tims_tls_issue(&r, ca.buf, cakey.buf, &plain.crt, &plain.key, NULL);
		tims_tls_peer_read_pem(plain.crt.buf, &plain.p, NULL);
	}
	memcpy(pin, centre.p.spki, 32);

	/* ---- roles ---- */
	T_EQ_INT(centre.p.role, TIMS_CERT_CENTRE_SERVER, "role: the centre's server certificate says centre-server");
	T_EQ_INT(centre_cli.p.role, TIMS_CERT_CENTRE_CLIENT, "role: the centre's client certificate says centre-client");
	T_EQ_INT(post.p.role, TIMS_CERT_POST_SERVER, "role: a post's server certificate says post-server");
	T_EQ_INT(post_cli.p.role, TIMS_CERT_POST_CLIENT, "role: a post's client certificate says post-client");
	T_EQ_INT(witness.p.role, TIMS_CERT_WITNESS, "role: a witness's certificate says witness");
	T_EQ_INT(plain.p.role, TIMS_CERT_ROLE_NONE, "role: a certificate issued before roles has none");
	T_EQ_STR(tims_tls_role_name(post.p.role), "post-server", "role: named");
	T_OK(memcmp(centre.p.spki, rogue_centre.p.spki, 32) != 0, "pin: two certificates of one role have different keys");

	/* ---- the checks ---- */
	{
		struct tims_tls_policy want = { .role = TIMS_CERT_CENTRE_SERVER, .spki_pin = pin };

		T_OK(tims_tls_check(&centre.p, &want, &err) == TIMS_OK, "check: the centre's own certificate passes (%s)", err.msg);
		T_OK(tims_tls_check(&post.p, &want, &err) == TIMS_ERR_AUTH, "check: a post's server certificate is not the centre");
		T_EQ_STR(err.msg, "certificate \"varna-port\": role post-server, not centre-server", "check: the refusal names both roles");
		T_OK(tims_tls_check(&plain.p, &want, &err) == TIMS_ERR_AUTH, "check: a certificate without a role is refused");
		T_OK(tims_tls_check(&rogue_centre.p, &want, &err) == TIMS_ERR_AUTH, "check: a centre-server certificate with another key is refused (pin)");
		T_OK(strstr(err.msg, "not the one pinned at enrolment") != NULL, "check: the refusal says the key is not the one pinned");
		T_OK(tims_tls_check(&witness.p, &want, &err) == TIMS_ERR_AUTH, "check: a witness is not the centre");
	}
	{
		struct tims_tls_policy want = { .role = TIMS_CERT_POST_SERVER, .name = "varna-port" };

		T_OK(tims_tls_check(&post.p, &want, &err) == TIMS_OK, "check: the rebuild accepts the post it asked for");
		T_OK(tims_tls_check(&revoked.p, &want, &err) == TIMS_ERR_AUTH, "check: the rebuild refuses another post's server certificate");
		T_OK(tims_tls_check(&post_cli.p, &want, &err) == TIMS_ERR_AUTH, "check: a post's client certificate is not its server");
	}

	/* ---- the revocation list ---- */
	memcpy(serials[0].b, revoked.p.serial, revoked.p.serial_len);
	serials[0].len = revoked.p.serial_len;
	memcpy(serials[1].b, post_cli.p.serial, post_cli.p.serial_len);
	serials[1].len = post_cli.p.serial_len;
	T_OK(tims_tls_crl_make(ca.buf, cakey.buf, 2, 30, serials, 2, &crl, &err) == TIMS_OK, "crl: the CA signs a list (%s)", err.msg);
	T_OK(tims_tls_crl_load(crl.buf, crl.len, ca.buf, &list, &err) == TIMS_OK, "crl: it loads against the CA (%s)", err.msg);
	T_EQ_INT(list ? tims_tls_crl_number(list) : 0, 2, "crl: its number is read back");
	T_EQ_INT(list ? tims_tls_crl_count(list) : 0, 2, "crl: both serials listed");
	T_OK(list && tims_tls_crl_revoked(list, revoked.p.serial, revoked.p.serial_len), "crl: a revoked serial is found");
	T_OK(list && !tims_tls_crl_revoked(list, post.p.serial, post.p.serial_len), "crl: a serial not listed is not revoked");
	T_OK(tims_tls_crl_load(crl.buf, crl.len, other_ca.buf, &empty, &err) == TIMS_ERR_SIGNATURE, "crl: a list the CA did not sign is refused");
	{
		struct tims_tls_policy want = { .role = TIMS_CERT_POST_SERVER, .crl = list };

		T_OK(tims_tls_check(&revoked.p, &want, &err) == TIMS_ERR_AUTH && strstr(err.msg, "revoked by the centre"), "check: a revoked certificate is refused (%s)", err.msg);
		T_OK(tims_tls_check(&post.p, &want, &err) == TIMS_OK, "check: one not listed passes");
	}
	tims_tls_hex32(pin, hex);
	T_OK(tims_tls_unhex32(hex, pin, &err) == TIMS_OK && !memcmp(pin, centre.p.spki, 32), "pin: hex round trip");
	T_OK(tims_tls_unhex32("abc", pin, &err) == TIMS_ERR_INVALID, "pin: a short pin is refused");
	memcpy(pin, centre.p.spki, 32);

	/* ---- over a connection: the sync client towards "the centre" ---- */
	{
		struct tims_tls_policy want = { .role = TIMS_CERT_CENTRE_SERVER, .spki_pin = pin, .crl = list };
		const char *pc = file("post-client.pem", post_cli.crt.buf);
		const char *pk = file("post-client.key", post_cli.key.buf);
		tims_rc rc;

		requests = 0;
		rc = ask(&centre, &want, pc, pk, "/api/v1/sync/state", &status, &err);
		T_OK(rc == TIMS_OK && status == 200 && requests == 1, "client: the enrolled centre is answered (%s)", err.msg);
		requests = 0;
		rc = ask(&post, &want, pc, pk, "/api/v1/sync/state", &status, &err);
		T_EQ_INT(rc, TIMS_ERR_AUTH, "client: a post's valid server certificate on the centre's address is refused");
		T_OK(strstr(err.msg, "role post-server, not centre-server") != NULL, "client: and the error says why (%s)", err.msg);
		T_EQ_INT(requests, 0, "client: the impostor received no request at all");
		requests = 0;
		rc = ask(&revoked, &want, pc, pk, "/api/v1/sync/state", &status, &err);
		T_EQ_INT(rc, TIMS_ERR_AUTH, "client: a revoked post's server certificate on the centre's address is refused");
		T_EQ_INT(requests, 0, "client: and received no request");
		requests = 0;
		rc = ask(&rogue_centre, &want, pc, pk, "/api/v1/sync/state", &status, &err);
		T_EQ_INT(rc, TIMS_ERR_AUTH, "client: another centre-server certificate from the same CA is refused (pin)");
		T_EQ_INT(requests, 0, "client: and received no request");
		requests = 0;
		rc = ask(&witness, &want, pc, pk, "/api/v1/sync/state", &status, &err);
		T_EQ_INT(rc, TIMS_ERR_AUTH, "client: a certificate from another CA is an identity failure too");
		T_EQ_INT(requests, 0, "client: and received no request");

		/* The server side: lib/http hands the peer's role to authorize_peer. */
		{
			struct tims_tls_policy posts = { .role = TIMS_CERT_POST_CLIENT, .crl = list };
			struct tims_tls_policy centre_only = { .role = TIMS_CERT_CENTRE_SERVER, .spki_pin = pin };
			const char *sc = file("post-server.pem", post.crt.buf);
			const char *sk = file("post-server.key", post.key.buf);
			struct cert fresh;

			make(&fresh, "kapitan-andreevo", TIMS_CERT_POST_CLIENT, ca.buf, cakey.buf);
			server_wants = &posts;
			requests = 0;
			rc = ask(&centre, &centre_only, file("fresh.pem", fresh.crt.buf),
				 file("fresh.key", fresh.key.buf), "/api/v1/peer", &status, &err);
			T_OK(rc == TIMS_OK && status == 200 && requests == 1, "server: a post-client certificate is let in");
			rc = ask(&centre, &centre_only, sc, sk, "/api/v1/peer", &status, &err);
			T_OK(rc == TIMS_OK && status == 403, "server: a post's server certificate presented as a client is refused (%ld)", status);
			rc = ask(&centre, &centre_only, pc, pk, "/api/v1/peer", &status, &err);
			T_OK(rc == TIMS_OK && status == 403, "server: a revoked post-client certificate is refused (%ld)", status);
			T_EQ_INT(requests, 1, "server: no refused peer reached the handler");
			drop(&fresh);
		}
	}

	tims_tls_crl_free(list);
	tims_buf_release(&crl);
	drop(&centre); drop(&centre_cli); drop(&post); drop(&post_cli); drop(&revoked);
	drop(&witness); drop(&plain); drop(&rogue_centre);
	sodium_memzero(cakey.buf, cakey.len);
	tims_buf_release(&ca); tims_buf_release(&cakey);
	tims_buf_release(&other_ca); tims_buf_release(&other_cakey);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
