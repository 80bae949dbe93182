/*
 * test_http.c — the HTTPS layer over a real connection on loopback: the
 * central checks (route, method, session, role, size, JSON shape) before any
 * handler, static files, TLS versions, client certificates, slow clients.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/http.h"
#include "tims/tls.h"

static int handler_calls;

static tims_rc h_echo(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app;
	handler_calls++;
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:s, s:O?}",
		"who", req->who.id, "param", req->nparam ? req->param[0] : "",
		"body", req->json));
}

static tims_rc h_fail(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app; (void)req; (void)resp;
	handler_calls++;
	return TIMS_ERR_DB;
}

static tims_rc h_peer(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app;
	handler_calls++;
	return tims_http_reply_json(resp, 200, json_pack("{s:s}", "peer", req->who.id));
}

static const struct tims_json_field cross_schema[] = {
	{ "mrz", TIMS_JSON_STRING, 1, 200 },
	{ "booth", TIMS_JSON_STRING, 0, 16 },
	{ "count", TIMS_JSON_INTEGER, 0, 10 },
	{ NULL, 0, 0, 0 },
};

/* TIMS_ROUTE_LIMITED: two requests admitted, then refused. */
static int limit_calls;

static int limiter(void *app, const struct tims_http_route *route, struct tims_http_req *req,
		   struct tims_http_resp *resp)
{
	(void)app;
	(void)route;
	if (++limit_calls <= 2)
		return 0;
	resp->retry_after = 60;
	tims_http_reply_error(resp, 429, "limit_exceeded", "%s: past the limit", req->who.id);
	return 1;
}

static const struct tims_http_route routes[] = {
	{ "GET", "/api/v1/limited", TIMS_ROLE_OFFICER, 0, NULL, h_echo, TIMS_ROUTE_LIMITED },
	{ "GET", "/api/v1/status", TIMS_ROUTE_PUBLIC, 0, NULL, h_echo, 0 },
	{ "POST", "/api/v1/cross", TIMS_ROLE_OFFICER, 1024, cross_schema, h_echo, 0 },
	{ "GET", "/api/v1/history/{doc}", TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR, 0, NULL, h_echo, 0 },
	{ "GET", "/api/v1/fail", TIMS_ROUTE_PUBLIC, 0, NULL, h_fail, 0 },
	{ "POST", "/api/v1/sync", TIMS_ROLE_PEER, 1024, NULL, h_peer, TIMS_ROUTE_MTLS | TIMS_ROUTE_RAW_BODY },
	{ "GET", "/api/v1/wall", TIMS_ROUTE_PUBLIC, 0, NULL, h_echo, TIMS_ROUTE_WALL },
};

/* TIMS_ROUTE_WALL: "good" opens it, "busy" is a throttled source, anything
 * else (or no Wall header) is a wrong key; what the gate passed is kept. */
static char wall_seen[80];

static tims_rc authenticate_wall(void *app, struct tims_http_req *req, const char *key,
				 unsigned *retry_after)
{
	(void)app;
	snprintf(wall_seen, sizeof(wall_seen), "%s", key ? key : "(none)");
	if (key && !strcmp(key, "busy")) {
		*retry_after = 42;
		return TIMS_ERR_DENIED;
	}
	if (!key || strcmp(key, "good"))
		return TIMS_ERR_AUTH;
	snprintf(req->who.id, sizeof(req->who.id), "wall");
	return TIMS_OK;
}

static tims_rc authenticate(void *app, const char *token, int activity,
			    struct tims_principal *who)
{
	(void)activity;
	(void)app;
	if (!strcmp(token, "officer-token")) {
		snprintf(who->id, sizeof(who->id), "officer-7");
		who->role = TIMS_ROLE_OFFICER;
		return TIMS_OK;
	}
	if (!strcmp(token, "auditor-token")) {
		snprintf(who->id, sizeof(who->id), "auditor-1");
		who->role = TIMS_ROLE_AUDITOR;
		return TIMS_OK;
	}
	return TIMS_ERR_AUTH;
}

static tims_rc authorize_peer(void *app, const struct tims_tls_peer *peer, struct tims_principal *who)
{
	(void)app;
	if (!strcmp(peer->cn, "post-revoked"))
		return TIMS_ERR_DENIED;
	snprintf(who->id, sizeof(who->id), "%s", peer->cn);
	who->role = TIMS_ROLE_PEER;
	return TIMS_OK;
}

struct result { long status; struct tims_buf body; struct tims_buf headers; };

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct tims_buf *b = ud;
	return tims_buf_add(b, p, sz * n) ? 0 : sz * n;
}

static char url_base[64];
static const char *ca_file;

static struct result call(const char *method, const char *path, const char *token,
			  const char *ctype, const char *body, long tls_max, const char *cert, const char *key)
{
	struct result r = { 0, TIMS_BUF_INIT(1 << 20), TIMS_BUF_INIT(1 << 16) };
	struct curl_slist *h = NULL;
	char url[256], auth[128];
	CURL *c = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", url_base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L); /* a guard against a hang, not a
							  * measure: a loaded machine is slow */
	/* send "/../" as it is: curl would otherwise resolve it itself */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (tls_max)
		curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_0 | tls_max);
	if (cert) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	if (token) {
		/* "Wall KEY" is sent as it is; anything else as a bearer token */
		snprintf(auth, sizeof(auth), strncmp(token, "Wall ", 5) ? "Authorization: Bearer %s"
									: "Authorization: %s", token);
		h = curl_slist_append(h, auth);
	}
	if (ctype) {
		snprintf(auth, sizeof(auth), "Content-Type: %s", ctype);
		h = curl_slist_append(h, auth);
	}
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	{
		CURLcode cc = curl_easy_perform(c);

		if (cc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
		else {
			r.status = -1;
			printf("# curl: %s %s: %s\n", method, path, curl_easy_strerror(cc));
		}
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}

static void expect(const char *name, const char *method, const char *path, const char *token,
		   const char *ctype, const char *body, long want, const char *want_in_body, int want_handler)
{
	int before = handler_calls;
	struct result r = call(method, path, token, ctype, body, 0, NULL, NULL);

	T_EQ_INT(r.status, want, name);
	if (want_in_body && !T_OK(strstr(tims_buf_str(&r.body), want_in_body) != NULL, "%s: body says '%s'", name, want_in_body))
		printf("#   body: %s\n", tims_buf_str(&r.body));
	T_OK((handler_calls > before) == want_handler, "%s: handler %s", name, want_handler ? "ran" : "did not run");
	tims_buf_release(&r.body);
	tims_buf_release(&r.headers);
}

static int has(struct tims_buf *b, const char *s)
{
	return strstr(tims_buf_str(b), s) != NULL;
}

/* A static file: status, content type and the headers that lock the console
 * down in the browser (CSP, no sniffing, no framing, no referrer). */
static void expect_static(const char *path, const char *type, const char *want_in_body)
{
	struct result r = call("GET", path, NULL, NULL, NULL, 0, NULL, NULL);
	char ct[128];

	snprintf(ct, sizeof(ct), "Content-Type: %s", type);
	if (!T_OK(r.status == 200, "static %s: served", path))
		printf("#   status %ld\n", r.status);
	if (!T_OK(has(&r.headers, ct), "static %s: %s", path, ct))
		printf("#   headers: %s\n", tims_buf_str(&r.headers));
	T_OK(!want_in_body || has(&r.body, want_in_body), "static %s: the file's bytes", path);
	T_OK(has(&r.headers, "Content-Security-Policy: default-src 'self';"), "static %s: CSP default-src 'self'", path);
	T_OK(has(&r.headers, "frame-ancestors 'none'"), "static %s: CSP forbids framing", path);
	T_OK(has(&r.headers, "X-Content-Type-Options: nosniff"), "static %s: nosniff", path);
	T_OK(has(&r.headers, "X-Frame-Options: DENY"), "static %s: X-Frame-Options DENY", path);
	T_OK(has(&r.headers, "Referrer-Policy: no-referrer"), "static %s: no referrer", path);
	T_OK(has(&r.headers, "Cache-Control: no-cache"), "static %s: revalidated on each load", path);
	T_OK(has(&r.headers, "Cross-Origin-Opener-Policy: same-origin"), "static %s: COOP same-origin", path);
	T_OK(has(&r.headers, "Cross-Origin-Resource-Policy: same-origin"), "static %s: CORP same-origin", path);
	tims_buf_release(&r.body);
	tims_buf_release(&r.headers);
}

static char *write_tmp(const char *dir, const char *name, const char *data)
{
	static char paths[16][512];
	static int n;
	char *p = paths[n++ % 16];
	FILE *f;

	snprintf(p, 512, "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(data, f);
	fclose(f);
	return p;
}

/* --- the slow slots: a handler's slow part off the worker threads ------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, slow_started, fast_calls;

static tims_rc h_slow_part(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app; (void)req;
	pthread_mutex_lock(&gate_lock);
	slow_started++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return tims_http_reply_json(resp, 200, json_pack("{s:b}", "slow", 1));
}

static tims_rc h_slow(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app; (void)resp;
	pthread_mutex_lock(&gate_lock);
	fast_calls++;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	req->slow = h_slow_part;
	return TIMS_OK;
}

static const struct tims_http_route slow_routes[] = {
	{ "POST", "/api/v1/slow", TIMS_ROUTE_PUBLIC, 64, NULL, h_slow, TIMS_ROUTE_RAW_BODY | TIMS_ROUTE_SECRET },
	{ "GET", "/api/v1/quick", TIMS_ROUTE_PUBLIC, 0, NULL, h_echo, 0 },
};

static void *slow_call(void *arg)
{
	struct result *r = arg;

	*r = call("POST", "/api/v1/slow", NULL, "text/plain", "secret", 0, NULL, NULL);
	return NULL;
}

/* wait (bounded) until fast_calls and slow_started reach these */
static int wait_for(int fast, int started)
{
	struct timespec until;
	int ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&gate_lock);
	while (!(fast_calls >= fast && slow_started >= started) &&
	       pthread_cond_timedwait(&gate_cond, &gate_lock, &until) == 0)
		;
	ok = fast_calls >= fast && slow_started >= started;
	pthread_mutex_unlock(&gate_lock);
	return ok;
}

static void test_slow(const struct tims_http_config *base)
{
	struct tims_http_config cfg = *base;
	struct tims_http_server *s = NULL;
	struct tims_err err = { 0, "" };
	struct result r1, r2, r3, q;
	pthread_t t1, t2;
	char saved[sizeof(url_base)];

	cfg.routes = slow_routes;
	cfg.nroutes = sizeof(slow_routes) / sizeof(slow_routes[0]);
	/* one worker thread: a request's quick part and its queueing happen
	 * before the next request's, and that thread must stay free */
	cfg.threads = 1;
	cfg.slow_slots = 1;
	cfg.slow_queue = 1;
	cfg.timeout_s = 30;
	if (!T_OK(tims_http_start(&cfg, &s, &err) == TIMS_OK, "slow: a server with one slow slot and a queue of one (%s)", err.msg))
		return;
	memcpy(saved, url_base, sizeof(saved));
	snprintf(url_base, sizeof(url_base), "https://127.0.0.1:%u", tims_http_port(s));
	pthread_create(&t1, NULL, slow_call, &r1);
	T_OK(wait_for(1, 1), "slow: the first slow request runs on the slot");
	pthread_create(&t2, NULL, slow_call, &r2);
	T_OK(wait_for(2, 1), "slow: the second waits in the queue");
	r3 = call("POST", "/api/v1/slow", NULL, "text/plain", "secret", 0, NULL, NULL);
	T_EQ_INT(r3.status, 503, "slow: a third, past the slot and the queue, is answered 503 at once");
	T_OK(has(&r3.headers, "Retry-After: 1"), "slow: with Retry-After");
	q = call("GET", "/api/v1/quick", NULL, NULL, NULL, 0, NULL, NULL);
	T_EQ_INT(q.status, 200, "slow: the worker threads answer other requests meanwhile");
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	T_OK(r1.status == 200 && has(&r1.body, "\"slow\":true"), "slow: the first is answered by its slow part");
	T_OK(r2.status == 200 && has(&r2.body, "\"slow\":true"), "slow: so is the queued one");
	T_EQ_INT(slow_started, 2, "slow: the refused one never ran");
	tims_http_stop(s);
	memcpy(url_base, saved, sizeof(saved));
	tims_buf_release(&r1.body); tims_buf_release(&r1.headers);
	tims_buf_release(&r2.body); tims_buf_release(&r2.headers);
	tims_buf_release(&r3.body); tims_buf_release(&r3.headers);
	tims_buf_release(&q.body); tims_buf_release(&q.headers);
}

static void test_escape(void)
{
	char out[128];

	T_EQ_STR(tims_http_log_escape("/api/v1/x\nFORGED\x1b[31m\\", out, sizeof(out)),
		 "/api/v1/x\\x0aFORGED\\x1b[31m\\x5c", "escape: newline, ESC and backslash as \\xNN");
	T_EQ_STR(tims_http_log_escape("caf\xc3\xa9", out, sizeof(out)), "caf\\xc3\\xa9", "escape: bytes from 0x80 too");
	T_EQ_STR(tims_http_log_escape("abcdef", out, 5), "abcd", "escape: cut to fit, NUL-terminated");
	T_EQ_STR(tims_http_log_escape("a\n", out, 4), "a", "escape: an escape that does not fit is left out whole");
	T_EQ_STR(tims_http_log_line_escape("ok \\x0a caf\xc3\xa9 \x1b[2J \xc2\x9b" "1m", out, sizeof(out)),
		 "ok \\x0a caf\xc3\xa9 \\x1b[2J \\xc2\\x9b1m", "line escape: only controls (C0, DEL, C1), UTF-8 kept, no double escaping");
}

int main(void)
{
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), cakey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf srv = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), srvkey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf cli = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), clikey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf rev = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), revkey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf self = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), selfkey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_cert_req rca = { .common_name = "test CA", .days = 2, .uses = TIMS_CERT_CA };
	struct tims_cert_req rsrv = { .common_name = "localhost", .days = 2, .uses = TIMS_CERT_SERVER, .dns = { "localhost" }, .ips = { "127.0.0.1" } };
	struct tims_cert_req rcli = { .common_name = "post-a", .days = 2, .uses = TIMS_CERT_CLIENT };
	struct tims_cert_req rrev = { .common_name = "post-revoked", .days = 2, .uses = TIMS_CERT_CLIENT };
	struct tims_http_config cfg = { 0 };
	struct tims_http_server *s = NULL;
	struct tims_err err;
	char dir[] = "/tmp/tims-http-XXXXXX", big[4096];
	struct result r;
	const char *cli_file, *clikey_file, *rev_file, *revkey_file, *self_file, *selfkey_file;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!mkdtemp(dir))
		return 2;
	tims_tls_issue(&rca, NULL, NULL, &ca, &cakey, NULL);
	tims_tls_issue(&rsrv, ca.buf, cakey.buf, &srv, &srvkey, NULL);
	tims_tls_issue(&rcli, ca.buf, cakey.buf, &cli, &clikey, NULL);
	tims_tls_issue(&rrev, ca.buf, cakey.buf, &rev, &revkey, NULL);
	tims_tls_issue(&rcli, NULL, NULL, &self, &selfkey, NULL);
	ca_file = write_tmp(dir, "ca.pem", ca.buf);
	cli_file = write_tmp(dir, "cli.pem", cli.buf);
	clikey_file = write_tmp(dir, "cli.key", clikey.buf);
	rev_file = write_tmp(dir, "rev.pem", rev.buf);
	revkey_file = write_tmp(dir, "rev.key", revkey.buf);
	self_file = write_tmp(dir, "self.pem", self.buf);
	selfkey_file = write_tmp(dir, "self.key", selfkey.buf);
	write_tmp(dir, "index.html", "<!doctype html><title>booth</title>\n");
	write_tmp(dir, ".secret", "no\n");
	write_tmp(dir, "console.js", "'use strict';\n");
	write_tmp(dir, "console.css", "body { margin: 0; }\n");
	write_tmp(dir, "blob.bin", "??\n");
	{
		char sub[600], link[600];

		snprintf(sub, sizeof(sub), "%s/sub", dir);
		snprintf(link, sizeof(link), "%s/passwd.html", dir);
		if (mkdir(sub, 0700) || symlink("/etc/passwd", link))
			printf("# could not make %s or %s\n", sub, link);
		write_tmp(sub, "page.html", "<p>deeper</p>\n");
	}

	cfg.bind = "127.0.0.1";
	cfg.cert_pem = srv.buf;
	cfg.key_pem = srvkey.buf;
	cfg.client_ca_pem = ca.buf;
	cfg.routes = routes;
	cfg.nroutes = sizeof(routes) / sizeof(routes[0]);
	cfg.authenticate = authenticate;
	cfg.authenticate_wall = authenticate_wall;
	cfg.authorize_peer = authorize_peer;
	cfg.limit = limiter;
	cfg.static_dir = dir;
	/* room for a TLS handshake of a sanitizer build on a loaded machine; the
	 * idle timeout itself is tried on a server of its own (below) */
	cfg.timeout_s = 10;
	cfg.threads = 2;
	if (!T_OK(tims_http_start(&cfg, &s, &err) == TIMS_OK, "http: server starts on a free port (%s)", err.msg))
		return t_done();
	snprintf(url_base, sizeof(url_base), "https://127.0.0.1:%u", tims_http_port(s));

	expect("public route answers without a session", "GET", "/api/v1/status", NULL, NULL, NULL, 200, NULL, 1);
	/* the wall key: checked by the gate, before the handler */
	expect("wall: the right key opens the route", "GET", "/api/v1/wall", "Wall good", NULL, NULL, 200, "\"who\":\"wall\"", 1);
	T_EQ_STR(wall_seen, "good", "wall: the callback got the key after \"Wall \"");
	expect("wall: a wrong key: 401, no handler", "GET", "/api/v1/wall", "Wall bad", NULL, NULL, 401, "unauthenticated", 0);
	expect("wall: no key: 401, no handler", "GET", "/api/v1/wall", NULL, NULL, NULL, 401, "unauthenticated", 0);
	T_EQ_STR(wall_seen, "(none)", "wall: no header is passed as no key");
	expect("wall: a session is no key: 401", "GET", "/api/v1/wall", "officer-token", NULL, NULL, 401, "unauthenticated", 0);
	T_EQ_STR(wall_seen, "(none)", "wall: a Bearer header is passed as no key");
	expect("wall: the key opens no other route", "GET", "/api/v1/history/X", "Wall good", NULL, NULL, 401, "unauthenticated", 0);
	{
		struct result w = call("GET", "/api/v1/wall", "Wall busy", NULL, NULL, 0, NULL, NULL);

		T_EQ_INT(w.status, 429, "wall: a throttled source: 429");
		T_OK(has(&w.headers, "Retry-After: 42"), "wall: ... with the callback's Retry-After");
		tims_buf_release(&w.body);
		tims_buf_release(&w.headers);
	}
	expect("unknown route is 404", "GET", "/api/v1/nope", NULL, NULL, NULL, 404, "no such route", 0);
	expect("wrong method is 405", "DELETE", "/api/v1/status", NULL, NULL, NULL, 405, NULL, 0);
	expect("no session is 401", "POST", "/api/v1/cross", NULL, "application/json", "{\"mrz\":\"x\"}", 401, "log in first", 0);
	expect("unknown or expired token is 401", "POST", "/api/v1/cross", "replayed-token", "application/json", "{\"mrz\":\"x\"}", 401, "session expired", 0);
	expect("wrong role is 403", "POST", "/api/v1/cross", "auditor-token", "application/json", "{\"mrz\":\"x\"}", 403, "your role", 0);
	expect("good request reaches the handler", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":\"P<UTO\",\"count\":3}", 200, "\"who\":\"officer-7\"", 1);
	expect("malformed JSON is 400", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":", 400, "body: not JSON", 0);
	expect("duplicate keys are 400", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":\"a\",\"mrz\":\"b\"}", 400, "not JSON", 0);
	expect("a JSON array body is 400", "POST", "/api/v1/cross", "officer-token", "application/json", "[1,2]", 400, "expected a JSON object", 0);
	expect("unknown field is 400, named", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":\"a\",\"mzr\":1}", 400, "mzr: unknown field", 0);
	expect("wrong type is 400, named", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":42}", 400, "mrz: must be a string", 0);
	expect("missing required field is 400, named", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"booth\":\"3\"}", 400, "mrz: required", 0);
	expect("string past its limit is 400", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":\"a\",\"booth\":\"12345678901234567\"}", 400, "booth: longer than 16 bytes", 0);
	expect("integer out of range is 400", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":\"a\",\"count\":11}", 400, "count: out of range", 0);
	expect("negative integer is 400", "POST", "/api/v1/cross", "officer-token", "application/json", "{\"mrz\":\"a\",\"count\":-1}", 400, "count: out of range", 0);
	expect("wrong content type is 415", "POST", "/api/v1/cross", "officer-token", "text/plain", "{\"mrz\":\"a\"}", 415, NULL, 0);
	expect("empty body is 400", "POST", "/api/v1/cross", "officer-token", "application/json", "", 400, "body: missing", 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect("body past the route's limit is 413", "POST", "/api/v1/cross", "officer-token", "application/json", big, 413, "larger than", 0);
	expect("a body on a route that takes none is 413", "GET", "/api/v1/history/L898902C3", "officer-token", "application/json", "{}", 413, NULL, 0);
	expect("path parameter reaches the handler", "GET", "/api/v1/history/L898902C3", "officer-token", NULL, NULL, 200, "\"param\":\"L898902C3\"", 1);
	expect("empty path parameter is 404", "GET", "/api/v1/history/", "officer-token", NULL, NULL, 404, NULL, 0);
	expect("handler failure is a 500 with no detail", "GET", "/api/v1/fail", NULL, NULL, NULL, 500, "could not be completed", 1);
	expect("static page served", "GET", "/", NULL, NULL, NULL, 200, "<title>booth</title>", 0);
	expect("hidden file not served", "GET", "/.secret", NULL, NULL, NULL, 404, NULL, 0);
	expect("path traversal not served", "GET", "/../../etc/passwd", NULL, NULL, NULL, 404, NULL, 0);
	expect("path traversal after a folder not served", "GET", "/sub/../../../etc/passwd", NULL, NULL, NULL, 404, NULL, 0);
	expect("percent-encoded traversal not served", "GET", "/%2e%2e/%2e%2e/etc/passwd", NULL, NULL, NULL, 404, NULL, 0);
	expect("a symbolic link out of the folder not served", "GET", "/passwd.html", NULL, NULL, NULL, 404, NULL, 0);
	expect("a folder is not listed", "GET", "/sub", NULL, NULL, NULL, 404, NULL, 0);
	expect("a folder with a slash is not listed", "GET", "/sub/", NULL, NULL, NULL, 404, NULL, 0);
	expect("an odd byte in a path not served", "GET", "/index%20.html", NULL, NULL, NULL, 404, NULL, 0);
	expect("a missing page is 404", "GET", "/nothing.html", NULL, NULL, NULL, 404, "no such page", 0);
	expect("a static path takes no POST", "POST", "/index.html", NULL, "application/json", "{}", 404, NULL, 0);
	expect("unknown /api/ paths are never files", "GET", "/api/index.html", NULL, NULL, NULL, 404, "no such route", 0);
	expect_static("/", "text/html; charset=utf-8", "<title>booth</title>");
	expect_static("/index.html", "text/html; charset=utf-8", "<title>booth</title>");
	expect_static("/console.js", "text/javascript; charset=utf-8", "'use strict';");
	expect_static("/console.css", "text/css; charset=utf-8", "margin: 0");
	expect_static("/sub/page.html", "text/html; charset=utf-8", "deeper");
	expect_static("/blob.bin", "application/octet-stream", NULL);
	expect("limited: the wrong role is refused before anything is counted", "GET", "/api/v1/limited", "auditor-token", NULL, NULL, 403, "your role", 0);
	T_EQ_INT(limit_calls, 0, "limited: a refused role does not reach the limiter");
	expect("limited: within the limit the handler runs", "GET", "/api/v1/limited", "officer-token", NULL, NULL, 200, "officer-7", 1);
	expect("limited: again", "GET", "/api/v1/limited", "officer-token", NULL, NULL, 200, NULL, 1);
	expect("limited: past the limit 429, the handler never runs", "GET", "/api/v1/limited", "officer-token", NULL, NULL, 429, "officer-7: past the limit", 0);
	T_EQ_INT(limit_calls, 3, "limited: the limiter saw every admitted request");
	r = call("GET", "/api/v1/limited", "officer-token", NULL, NULL, 0, NULL, NULL);
	T_OK(strstr(tims_buf_str(&r.headers), "Retry-After: 60") != NULL, "limited: the refusal says when to retry");
	tims_buf_release(&r.body); tims_buf_release(&r.headers);
	expect("an unlimited route never asks the limiter", "GET", "/api/v1/history/L1", "officer-token", NULL, NULL, 200, NULL, 1);
	T_EQ_INT(limit_calls, 4, "limited: only limited routes are counted");
	expect("mTLS route without a certificate is 401", "POST", "/api/v1/sync", NULL, NULL, "x", 401, "client certificate", 0);

	r = call("GET", "/api/v1/status", NULL, NULL, NULL, 0, NULL, NULL);
	T_OK(strstr(tims_buf_str(&r.headers), "X-Content-Type-Options: nosniff") != NULL, "headers: nosniff set");
	T_OK(strstr(tims_buf_str(&r.headers), "Cache-Control: no-store") != NULL, "headers: API answers are not cached");
	T_OK(strstr(tims_buf_str(&r.headers), "Content-Type: application/json") != NULL, "headers: API answers are JSON");
	tims_buf_release(&r.body); tims_buf_release(&r.headers);
	r = call("GET", "/api/v1/status", NULL, NULL, NULL, CURL_SSLVERSION_MAX_TLSv1_1, NULL, NULL);
	T_EQ_INT(r.status, -1, "tls: a TLS 1.1 client cannot connect");
	tims_buf_release(&r.body); tims_buf_release(&r.headers);
	r = call("GET", "/api/v1/status", NULL, NULL, NULL, CURL_SSLVERSION_MAX_TLSv1_2, NULL, NULL);
	T_EQ_INT(r.status, 200, "tls: a TLS 1.2 client connects");
	tims_buf_release(&r.body); tims_buf_release(&r.headers);
	r = call("POST", "/api/v1/sync", NULL, NULL, "x", 0, cli_file, clikey_file);
	T_EQ_INT(r.status, 200, "mtls: a certificate from the centre's CA is accepted");
	T_OK(strstr(tims_buf_str(&r.body), "\"peer\":\"post-a\"") != NULL, "mtls: the handler sees the verified peer");
	tims_buf_release(&r.body); tims_buf_release(&r.headers);
	r = call("POST", "/api/v1/sync", NULL, NULL, "x", 0, self_file, selfkey_file);
	T_OK(r.status == 401 || r.status == -1, "mtls: a self-signed certificate with the same name is refused (%ld)", r.status);
	tims_buf_release(&r.body); tims_buf_release(&r.headers);
	r = call("POST", "/api/v1/sync", NULL, NULL, "x", 0, rev_file, revkey_file);
	T_EQ_INT(r.status, 403, "mtls: a revoked post is refused");
	tims_buf_release(&r.body); tims_buf_release(&r.headers);

	{ /* a slow client that connects and says nothing is dropped (a server
	   * with a 1 s idle timeout) */
		struct tims_http_config icfg = cfg;
		struct tims_http_server *is = NULL;
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		char b[16];
		struct timeval tv = { 5, 0 };
		ssize_t n;

		icfg.timeout_s = 1;
		if (!T_OK(tims_http_start(&icfg, &is, &err) == TIMS_OK, "slow client: a server with a 1 s idle timeout (%s)", err.msg))
			return t_done();
		sa.sin_port = htons(tims_http_port(is));
		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		T_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "slow client: connects");
		/* the server may send a TLS alert first; then it must close */
		do
			n = read(fd, b, sizeof(b));
		while (n > 0);
		if (!T_OK(n == 0 || (n < 0 && errno == ECONNRESET), "slow client: closed by the server after the idle timeout"))
			printf("#   read: %zd (%s)\n", n, strerror(errno));
		close(fd);
		tims_http_stop(is);
	}

	test_slow(&cfg);
	test_escape();
	tims_http_stop(s);
	sodium_memzero(cakey.buf, cakey.len);
	tims_buf_release(&ca); tims_buf_release(&cakey); tims_buf_release(&srv); tims_buf_release(&srvkey);
	tims_buf_release(&cli); tims_buf_release(&clikey); tims_buf_release(&rev); tims_buf_release(&revkey);
	tims_buf_release(&self); tims_buf_release(&selfkey);
	curl_global_cleanup();
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
