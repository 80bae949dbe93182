/*
 * server.c — the witness's HTTPS face: one route, POST /add-checkpoint,
 * over lib/http (which checks the route, the method and the body's size
 * before this code runs), answering as c2sp.org/tlog-witness says.
 *
 * The answer is decided by tims_witness_submit; this file only maps it onto
 * HTTP: cosignature lines as text, the witness's size as text/x.tlog.size
 * on a size conflict, a JSON error naming the reason otherwise (the spec
 * leaves error bodies open; every other TIMS endpoint answers JSON).
 */
#include "internal.h"
#include "tims/log.h"

static const struct {
	int status;
	const char *code;
} codes[] = {
	{ 400, "bad_request" },
	{ 403, "untrusted_signature" },
	{ 404, "unknown_log" },
	{ 409, "conflict" },
	{ 422, "inconsistent" },
};

static const char *code_of(int status)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].status == status)
			return codes[i].code;
	return "refused";
}

static tims_rc h_add_checkpoint(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp)
{
	struct tims_witness *w = app;
	struct tims_witness_answer a;
	struct tims_err err = { 0, "" };
	tims_rc rc;

	tims_witness_answer_init(&a);
	rc = tims_witness_submit(w, req->body, req->body_len, &a, &err);
	if (rc) {
		witness_log(w, "add-checkpoint failed: %s", tims_err_msg(&err));
	} else if (a.status == 200) {
		tims_buf_reset(&resp->body);
		rc = tims_buf_add(&resp->body, a.cosig.buf, a.cosig.len);
		resp->status = 200;
		resp->type = "text/plain; charset=utf-8";
	} else if (a.size_conflict) {
		tims_buf_reset(&resp->body);
		rc = tims_buf_addf(&resp->body, "%" PRIu64 "\n", a.known_size);
		resp->status = 409;
		resp->type = TIMS_WITNESS_SIZE_TYPE;
	} else {
		rc = tims_http_reply_error(resp, a.status, code_of(a.status), "%s",
					   a.reason);
	}
	tims_witness_answer_release(&a);
	return rc;
}

/* The witness's key announcements (docs/keys.md): public, like its key. */
static tims_rc h_key_announcements(void *app, struct tims_http_req *req,
				   struct tims_http_resp *resp)
{
	struct tims_witness *w = app;
	struct tims_err err;
	tims_rc rc;

	(void)req;
	tims_buf_reset(&resp->body);
	if ((rc = witness_announcements(w->dir, &resp->body, &err)))
		return rc;
	resp->status = 200;
	resp->type = "application/json";
	return TIMS_OK;
}

/* Prometheus metrics (metrics.c): public, like the post's and the
 * centre's; log origins and counts only. */
static tims_rc h_metrics(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_witness *w = app;
	struct tims_err err;
	tims_rc rc;

	(void)req;
	tims_buf_reset(&resp->body);
	if ((rc = witness_metrics(w, &resp->body, &err)))
		return rc;
	resp->status = 200;
	resp->type = "text/plain; version=0.0.4";
	return TIMS_OK;
}

static const struct tims_http_route routes[] = {
	{ "POST", "/add-checkpoint", TIMS_ROUTE_PUBLIC, TIMS_WITNESS_MAX_BODY,
	  NULL, h_add_checkpoint, TIMS_ROUTE_RAW_BODY | TIMS_ROUTE_POLL },
	{ "GET", "/key-announcements", TIMS_ROUTE_PUBLIC, 0, NULL, h_key_announcements,
	  TIMS_ROUTE_POLL },
	{ "GET", "/metrics", TIMS_ROUTE_PUBLIC, 0, NULL, h_metrics, TIMS_ROUTE_POLL },
};

static void http_log(void *app, const struct tims_http_req *req, int status,
		     double ms, const char *detail)
{
	struct tims_witness *w = app;
	char line[TIMS_LOG_LINE_MAX];

	if (w->log)
		w->log(w->log_ctx, tims_http_access_line(req, status, ms, NULL, detail,
							 line, sizeof(line)));
}

tims_rc tims_witness_serve(struct tims_witness *w, const char *bind,
			   uint16_t port, struct tims_http_server **out,
			   struct tims_err *err)
{
	struct tims_http_config cfg;
	char key_file[WITNESS_PATH_MAX + 16];

	memset(&cfg, 0, sizeof(cfg));
	cfg.bind = bind ? bind : "127.0.0.1";
	cfg.port = port;
	cfg.cert_pem = tims_buf_str(&w->tls_cert);
	cfg.key_pem = w->tls_key.buf; /* none with a signer: it reads key_file */
	snprintf(key_file, sizeof(key_file), "%s/tls.key", w->dir);
	cfg.key_file = key_file;
	cfg.routes = routes;
	cfg.nroutes = sizeof(routes) / sizeof(routes[0]);
	cfg.app = w;
	cfg.log = http_log;
	return tims_http_start(&cfg, out, err);
}
