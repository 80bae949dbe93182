/*
 * server.c — libmicrohttpd glue: TLS, limits, the central request checks,
 * static files (see include/tims/http.h for the order of checks).
 *
 * libmicrohttpd calls on_request several times per request: once when the
 * headers are in (where we route, authenticate and authorise, and may answer
 * at once without reading the body), then once per piece of body, then a
 * last time with no data. A body past the route's limit is read and thrown
 * away (memory stays bounded) and answered with 413.
 *
 * Slow work (req->slow, a login's Argon2id) runs on a pool of slow-slot
 * threads of its own while the connection is suspended
 * (MHD_suspend_connection); the worker thread goes on serving the other
 * connections it holds. When the slow part is done the connection is
 * resumed, libmicrohttpd calls on_request once more and the answer is sent
 * from there. The pool's queue is bounded: past it, 503 with Retry-After.
 */
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>

#include "tims/http.h"
#include "tims/log.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/util.h"

#define PATH_MAX_BYTES 1024
#define HEADER_MEMORY (64 * 1024)

#define SLOW_SLOTS_MAX 64
#define SLOW_NICE 10

struct reqctx;

/* The pool that runs req->slow: a bounded queue and `nslots` threads. */
struct slow_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct reqctx *head, *tail; /* waiting, oldest first */
	unsigned queued, running, queue_max, nslots, started;
	int stopping;
	pthread_t threads[SLOW_SLOTS_MAX];
};

struct tims_http_server {
	struct MHD_Daemon *d;
	struct tims_http_config cfg;
	uint16_t port;
	struct slow_pool pool;
};

enum slow_state { SLOW_NONE, SLOW_WAITING, SLOW_DONE };

struct reqctx {
	const struct tims_http_route *route;
	struct tims_buf body;
	int too_big;
	int answered;
	char pathbuf[PATH_MAX_BYTES];
	char logpath[PATH_MAX_BYTES];  /* the path as the log shows it */
	struct tims_http_req req;
	struct timespec start;
	struct tims_http_resp resp;    /* kept for a slow answer */
	enum slow_state slow;
	tims_rc slow_rc;
	struct MHD_Connection *conn;
	struct reqctx *next;           /* in the slow queue */
};

static double elapsed_ms(const struct timespec *start);

static char *escape(const char *in, char *out, size_t outlen, int all)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	unsigned char prev = 0;
	int next = 0;
	size_t o = 0;

	if (!outlen)
		return out;
	for (; *p; prev = *p++) {
		int esc = *p < 0x20 || *p == 0x7f || next;

		next = 0;
		if (all) {
			esc = esc || *p == '\\' || *p >= 0x80;
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
			esc = next = 1; /* a C1 control in UTF-8: both bytes */
		} else if (*p >= 0x80 && *p < 0xa0 && prev < 0x80) {
			esc = 1;        /* a lone C1 control byte */
		}
		if (!esc) {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 4 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return out;
}

char *tims_http_log_escape(const char *in, char *out, size_t outlen)
{
	return escape(in, out, outlen, 1);
}

char *tims_http_log_line_escape(const char *in, char *out, size_t outlen)
{
	return escape(in, out, outlen, 0);
}

tims_rc tims_http_harden_process(struct tims_err *err)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return tims_err_set(err, TIMS_ERR_STATE, "core dumps: cannot set RLIMIT_CORE to 0: %s",
				    strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return tims_err_set(err, TIMS_ERR_STATE, "core dumps: cannot make the process "
				    "not dumpable: %s", strerror(errno));
	return TIMS_OK;
}

/* The request as the log callback sees it: path and names escaped. */
static void log_request(struct tims_http_server *s, struct reqctx *rq, int status,
			const char *detail)
{
	struct tims_http_req lr;
	char method[64], id[sizeof(lr.who.id)];

	if (!s->cfg.log)
		return;
	lr = rq->req;
	lr.path = tims_http_log_escape(rq->req.path, rq->logpath, sizeof(rq->logpath));
	lr.method = tims_http_log_escape(rq->req.method, method, sizeof(method));
	tims_http_log_escape(rq->req.who.id, id, sizeof(id));
	memcpy(lr.who.id, id, sizeof(id));
	s->cfg.log(s->cfg.app, &lr, status, elapsed_ms(&rq->start), detail);
}

const char *tims_http_query(const struct tims_http_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct unknown_arg {
	const char *const *known;
	const char *found;
};

static enum MHD_Result unknown_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct unknown_arg *u = cls;

	(void)kind;
	(void)value;
	for (size_t i = 0; u->known[i]; i++)
		if (key && !strcmp(key, u->known[i]))
			return MHD_YES;
	u->found = key ? key : "";
	return MHD_NO;
}

const char *tims_http_query_unknown(const struct tims_http_req *req,
				    const char *const *known)
{
	struct unknown_arg u = { known, NULL };

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, unknown_arg, &u);
	return u.found;
}

const char *tims_http_header(const struct tims_http_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, key);
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void add_common_headers(struct MHD_Response *r, const struct reqctx *rq,
			       int is_static)
{
	MHD_add_response_header(r, "X-Request-Id", rq->req.id);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(r, "Cache-Control", is_static ? "no-cache" : "no-store");
	if (is_static) {
		/* The console runs under these: its own files only, no inline
		 * script, no framing, no window shared with another origin. */
		MHD_add_response_header(r, "Content-Security-Policy",
			"default-src 'self'; img-src 'self' data:; "
			"frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
		MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
		MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	}
}

static enum MHD_Result send_resp(struct tims_http_server *s, struct reqctx *rq,
				 struct MHD_Connection *c,
				 struct tims_http_resp *resp, const char *detail)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(resp->body.len,
					    resp->body.buf ? resp->body.buf : (char *)"",
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type",
				resp->type ? resp->type : "application/json");
	add_common_headers(r, rq, 0);
	if (resp->retry_after) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%u", resp->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	ret = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	rq->answered = 1;
	log_request(s, rq, resp->status, detail);
	return ret;
}

static enum MHD_Result send_error_retry(struct tims_http_server *s, struct reqctx *rq,
					struct MHD_Connection *c, int status,
					const char *code, const char *msg, unsigned retry_after)
{
	struct tims_http_resp resp = { 0, NULL, TIMS_BUF_INIT(4096), retry_after };
	enum MHD_Result ret;

	if (tims_http_reply_error(&resp, status, code, "%s", msg))
		tims_http_reply_error(&resp, status, code, "request refused");
	ret = send_resp(s, rq, c, &resp, msg);
	tims_buf_release(&resp.body);
	return ret;
}

static enum MHD_Result send_error(struct tims_http_server *s, struct reqctx *rq,
				  struct MHD_Connection *c, int status,
				  const char *code, const char *msg)
{
	return send_error_retry(s, rq, c, status, code, msg, 0);
}

/* Match "/a/{x}/b" against a path copied into rq->pathbuf. */
static int match(const char *pattern, struct reqctx *rq, const char *path)
{
	char *p;
	const char *q = pattern;
	size_t n = 0;

	if (snprintf(rq->pathbuf, sizeof(rq->pathbuf), "%s", path) >=
	    (int)sizeof(rq->pathbuf))
		return 0;
	p = rq->pathbuf;
	while (*q && *p) {
		if (*q == '{') {
			const char *end = strchr(q, '}');
			char *seg = p;

			if (!end || n >= TIMS_HTTP_MAX_PARAMS)
				return 0;
			while (*p && *p != '/')
				p++;
			if (p == seg)
				return 0;
			q = end + 1;
			if (*p == '/' && *q == '/') {
				*p++ = '\0';
				q++;
			} else if (*p || *q) {
				return 0;
			}
			rq->req.param[n++] = seg;
			continue;
		}
		if (*q != *p)
			return 0;
		q++;
		p++;
	}
	if (*q || *p)
		return 0;
	rq->req.nparam = n;
	return 1;
}

static const struct tims_http_route *find_route(struct tims_http_server *s,
						struct reqctx *rq,
						const char *method,
						const char *path, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < s->cfg.nroutes; i++) {
		const struct tims_http_route *r = &s->cfg.routes[i];

		if (!match(r->path, rq, path))
			continue;
		*path_known = 1;
		if (!strcmp(r->method, method))
			return r;
	}
	return NULL;
}

static void client_address(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(out, len, "?");
	if (ci && ci->client_addr) {
		socklen_t sl = ci->client_addr->sa_family == AF_INET6
				       ? sizeof(struct sockaddr_in6)
				       : sizeof(struct sockaddr_in);
		getnameinfo(ci->client_addr, sl, out, (socklen_t)len, NULL, 0,
			    NI_NUMERICHOST);
	}
}

/* A client certificate whose chain verified: what identifies it. */
static int verified_peer(struct MHD_Connection *c, char *cn, size_t cnlen,
			 struct tims_tls_peer *peer)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *certs;
	unsigned status = 1, n = 0;

	if (!ci || !ci->tls_session)
		return 0;
	/* libmicrohttpd only asks for a certificate; checking it is ours. */
	if (gnutls_certificate_verify_peers2(ci->tls_session, &status) < 0 ||
	    status != 0)
		return 0;
	certs = gnutls_certificate_get_peers(ci->tls_session, &n);
	if (!certs || n == 0 ||
	    tims_tls_peer_read(certs[0].data, certs[0].size, peer, NULL) || !peer->cn[0])
		return 0;
	snprintf(cn, cnlen, "%s", peer->cn);
	return 1;
}

static const char *content_type_of(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".json", "application/json" },
		{ ".ico", "image/x-icon" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static enum MHD_Result serve_static(struct tims_http_server *s, struct reqctx *rq,
				    struct MHD_Connection *c, const char *url)
{
	char file[PATH_MAX_BYTES + 256];
	struct MHD_Response *r;
	struct stat st;
	enum MHD_Result ret;
	int fd;

	if (!strcmp(url, "/"))
		url = "/index.html";
	/* Only plain names: no "..", no hidden files, no odd bytes. */
	for (const char *p = url; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/._-", *p))
			return send_error(s, rq, c, 404, "not_found", "no such page");
	if (strstr(url, "/.") || strlen(url) > 200)
		return send_error(s, rq, c, 404, "not_found", "no such page");
	{
		const char *dir = s->cfg.static_dir;

		for (size_t i = 0; s->cfg.static_shared_dir && s->cfg.static_shared &&
				   s->cfg.static_shared[i]; i++)
			if (!strcmp(url, s->cfg.static_shared[i]))
				dir = s->cfg.static_shared_dir;
		snprintf(file, sizeof(file), "%s%s", dir, url);
		for (size_t i = 0; s->cfg.static_files && s->cfg.static_files[i].url; i++)
			if (!strcmp(url, s->cfg.static_files[i].url))
				snprintf(file, sizeof(file), "%s", s->cfg.static_files[i].path);
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return send_error(s, rq, c, 404, "not_found", "no such page");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return send_error(s, rq, c, 404, "not_found", "no such page");
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", content_type_of(url));
	add_common_headers(r, rq, 1);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	rq->answered = 1;
	log_request(s, rq, 200, NULL);
	return ret;
}

/* The checks that need only the headers; returns 0 to go on reading. */
static int check_headers(struct tims_http_server *s, struct reqctx *rq,
			 struct MHD_Connection *c, const char *method,
			 const char *url, enum MHD_Result *ret)
{
	const struct tims_http_route *route;
	const char *h;
	int known;
	struct tims_tls_peer peer;
	tims_rc rc;

#define REFUSE(st, code, msg) do { *ret = send_error(s, rq, c, st, code, msg); return 1; } while (0)
	route = find_route(s, rq, method, url, &known);
	if (!route) {
		if (!known && s->cfg.static_dir && strncmp(url, "/api/", 5) &&
		    (!strcmp(method, "GET") || !strcmp(method, "HEAD"))) {
			*ret = serve_static(s, rq, c, url);
			return 1;
		}
		if (known)
			REFUSE(405, "method_not_allowed", "this path does not take that method");
		REFUSE(404, "not_found", "no such route");
	}
	rq->route = route;
	rq->req.route = route;
	if (route->flags & TIMS_ROUTE_MTLS) {
		if (!verified_peer(c, rq->req.peer_cn, sizeof(rq->req.peer_cn), &peer))
			REFUSE(401, "certificate_required",
			       "a client certificate issued by the centre is required");
		if (!s->cfg.authorize_peer ||
		    s->cfg.authorize_peer(s->cfg.app, &peer, &rq->req.who))
			REFUSE(403, "peer_refused", "this certificate is revoked or unknown");
	}
	if (route->roles != TIMS_ROUTE_PUBLIC && !(route->flags & TIMS_ROUTE_MTLS)) {
		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		if (!h || strncmp(h, "Bearer ", 7))
			REFUSE(401, "unauthenticated", "log in first (Authorization: Bearer)");
		rc = s->cfg.authenticate ?
			s->cfg.authenticate(s->cfg.app, h + 7, !(route->flags & TIMS_ROUTE_PASSIVE),
					    &rq->req.who) : TIMS_ERR_AUTH;
		if (rc)
			REFUSE(401, "unauthenticated", "session expired or unknown; log in again");
	}
	if (route->flags & TIMS_ROUTE_WALL) {
		unsigned wait = 0;

		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		rc = s->cfg.authenticate_wall ?
			s->cfg.authenticate_wall(s->cfg.app, &rq->req,
						 h && !strncmp(h, "Wall ", 5) ? h + 5 : NULL, &wait)
			: TIMS_ERR_AUTH;
		if (rc == TIMS_ERR_DENIED) {
			*ret = send_error_retry(s, rq, c, 429, "too_many_attempts",
						"too many wrong wall keys from this address; "
						"try again later", wait ? wait : 1);
			return 1;
		}
		if (rc == TIMS_ERR_AUTH)
			REFUSE(401, "unauthenticated",
			       "Authorization: Wall KEY, the post's wall key (tims post wall-key)");
		if (rc)
			REFUSE(503, "unavailable", "the wall key cannot be checked now");
	}
	if (route->roles != TIMS_ROUTE_PUBLIC && !(route->roles & rq->req.who.role))
		REFUSE(403, "forbidden", "your role may not do this");
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (h) {
		uint64_t len;

		if (tims_parse_u64(h, UINT64_MAX, &len, "Content-Length", NULL))
			REFUSE(400, "bad_request", "Content-Length is not a number");
		if (len > route->body_max)
			REFUSE(413, "too_large", route->body_max ? "body larger than this route takes"
								  : "this route takes no body");
	}
	if (route->body_max && !(route->flags & TIMS_ROUTE_RAW_BODY) &&
	    (h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type")) &&
	    strncmp(h, "application/json", 16))
		REFUSE(415, "unsupported_media_type", "send application/json");
	return 0;
#undef REFUSE
}

/* A password's bytes: the body, the raw upload, the parsed strings. */
static void wipe_json(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		sodium_memzero((char *)(uintptr_t)json_string_value(j), json_string_length(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			wipe_json(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			wipe_json(v);
	}
}

static void wipe_secret(struct reqctx *rq)
{
	if (!rq->route || !(rq->route->flags & TIMS_ROUTE_SECRET))
		return;
	if (rq->req.json)
		wipe_json(rq->req.json);
	if (rq->body.buf)
		sodium_memzero(rq->body.buf, rq->body.alloc);
}

/* The slow pool: threads take the oldest waiting request, run its slow
 * part, and resume its connection (on_request then sends the answer). */
static void *slow_main(void *arg)
{
	struct tims_http_server *s = arg;
	struct slow_pool *p = &s->pool;
	struct reqctx *rq;

	/* Below the worker threads: a booth's check goes before a hash when
	 * both want the CPU (Linux: nice is per thread). Best effort. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SLOW_NICE);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (!p->head)
			break;
		rq = p->head;
		p->head = rq->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		if (p->stopping) {
			/* stopping: what waits is told to come back, not run */
			rq->slow_rc = tims_http_reply_error(&rq->resp, 503, "unavailable",
							   "the server is stopping; try again");
			rq->resp.retry_after = 5;
		} else {
			rq->slow_rc = rq->req.slow(s->cfg.app, &rq->req, &rq->resp);
		}
		rq->slow = SLOW_DONE;
		MHD_resume_connection(rq->conn);
		pthread_mutex_lock(&p->lock);
		p->running--;
		pthread_cond_broadcast(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Queue rq's slow part: 0, or -1 if the queue is full (or stopping). The
 * connection is suspended before any slot can resume it. */
static int slow_enqueue(struct tims_http_server *s, struct reqctx *rq,
			struct MHD_Connection *c)
{
	struct slow_pool *p = &s->pool;

	pthread_mutex_lock(&p->lock);
	if (p->stopping || !p->started || p->queued + p->running >= p->nslots + p->queue_max) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	rq->slow = SLOW_WAITING;
	rq->conn = c;
	rq->next = NULL;
	MHD_suspend_connection(c);
	if (p->tail)
		p->tail->next = rq;
	else
		p->head = rq;
	p->tail = rq;
	p->queued++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static enum MHD_Result finish(struct tims_http_server *s, struct reqctx *rq,
			      struct MHD_Connection *c, tims_rc rc)
{
	enum MHD_Result ret;

	if (rc == TIMS_ERR_UNAVAILABLE) /* a key token is out: sealed data, retry later */
		ret = send_error(s, rq, c, 503, "token_unavailable",
				 "the key token is unavailable: sealed data cannot be read now");
	else if (rc)
		ret = send_error(s, rq, c, 500, "internal", "the request could not be completed");
	else
		ret = send_resp(s, rq, c, &rq->resp, NULL);
	tims_buf_release(&rq->resp.body);
	wipe_secret(rq);
	return ret;
}

static enum MHD_Result run_handler(struct tims_http_server *s, struct reqctx *rq,
				   struct MHD_Connection *c)
{
	const struct tims_http_route *route = rq->route;
	struct tims_err err = { 0, "" };
	json_error_t jerr;
	enum MHD_Result ret;
	tims_rc rc;

	if (rq->too_big)
		return send_error(s, rq, c, 413, "too_large",
				  route->body_max ? "body larger than this route takes"
						  : "this route takes no body");
	rq->req.body = tims_buf_str(&rq->body);
	rq->req.body_len = rq->body.len;
	if (route->body_max && !(route->flags & TIMS_ROUTE_RAW_BODY)) {
		char msg[300];

		if (rq->body.len == 0)
			return send_error(s, rq, c, 400, "bad_request", "body: missing");
		rq->req.json = json_loadb(rq->body.buf, rq->body.len,
					  JSON_REJECT_DUPLICATES, &jerr);
		if (!rq->req.json) {
			/* jansson's message may quote the body: not for a password */
			if (route->flags & TIMS_ROUTE_SECRET)
				snprintf(msg, sizeof(msg), "body: not JSON (at line %d column %d)",
					 jerr.line, jerr.column);
			else
				snprintf(msg, sizeof(msg), "body: not JSON (%s at line %d column %d)",
					 jerr.text, jerr.line, jerr.column);
			sodium_memzero(&jerr, sizeof(jerr));
			ret = send_error(s, rq, c, 400, "bad_json", msg);
			wipe_secret(rq);
			return ret;
		}
		if (route->schema && tims_http_check_schema(rq->req.json, route->schema, &err)) {
			ret = send_error(s, rq, c, 400, "bad_field", err.msg);
			wipe_secret(rq);
			return ret;
		}
	}
	rq->resp = (struct tims_http_resp){ 200, NULL, TIMS_BUF_INIT(64 * 1024 * 1024), 0 };
	rq->req.slow = NULL;
	/* Usage limits: counted here, for every limited route alike. */
	if (route->flags & TIMS_ROUTE_LIMITED) {
		if (!s->cfg.limit)
			return finish(s, rq, c, TIMS_ERR_STATE);
		if (s->cfg.limit(s->cfg.app, route, &rq->req, &rq->resp))
			return finish(s, rq, c, TIMS_OK);
	}
	rc = route->fn(s->cfg.app, &rq->req, &rq->resp);
	if (!rc && rq->req.slow) {
		if (slow_enqueue(s, rq, c) == 0)
			return MHD_YES; /* answered when a slot has run it */
		tims_buf_release(&rq->resp.body);
		wipe_secret(rq);
		return send_error_retry(s, rq, c, 503, "busy",
					"the server is busy with other logins; try again in a moment", 1);
	}
	return finish(s, rq, c, rc);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct tims_http_server *s = cls;
	struct reqctx *rq = *con_cls;
	enum MHD_Result ret;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		{
			uint8_t id[8];

			randombytes_buf(id, sizeof(id));
			sodium_bin2hex(rq->req.id, sizeof(rq->req.id), id, sizeof(id));
		}
		rq->req.method = method;
		rq->req.path = url;
		rq->req.conn = c;
		client_address(c, rq->req.addr, sizeof(rq->req.addr));
		if (check_headers(s, rq, c, method, url, &ret))
			return ret;
		tims_buf_init(&rq->body, rq->route->body_max);
		/* All at once: a realloc would leave a copy of a password behind. */
		if ((rq->route->flags & TIMS_ROUTE_SECRET) &&
		    tims_buf_grow(&rq->body, rq->route->body_max))
			return MHD_NO;
		return MHD_YES;
	}
	if (rq->answered) {
		if (*upload_size && rq->route && (rq->route->flags & TIMS_ROUTE_SECRET))
			sodium_memzero((char *)(uintptr_t)upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && tims_buf_add(&rq->body, upload, *upload_size))
			rq->too_big = 1;
		/* the bytes stay in libmicrohttpd's read buffer otherwise */
		if (rq->route->flags & TIMS_ROUTE_SECRET)
			sodium_memzero((char *)(uintptr_t)upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->slow == SLOW_DONE) {
		rq->slow = SLOW_NONE;
		return finish(s, rq, c, rq->slow_rc);
	}
	if (rq->slow == SLOW_WAITING)
		return MHD_YES; /* not reached: a suspended connection is not called */
	return run_handler(s, rq, c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct reqctx *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!rq)
		return;
	wipe_secret(rq);
	if (rq->req.json)
		json_decref(rq->req.json);
	tims_buf_release(&rq->resp.body);
	tims_buf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

const char *tims_http_access_line(const struct tims_http_req *req, int status, double ms,
				  const char *post, const char *detail, char *out,
				  size_t outlen)
{
	struct tims_log_line l;
	int level = TIMS_LOG_INFO;

	if (!req) {
		tims_log_begin(&l, TIMS_LOG_NOTICE, "https");
		tims_log_add(&l, "msg", detail);
		snprintf(out, outlen, "%s", tims_log_text(&l));
		return out;
	}
	if (status >= 500)
		level = TIMS_LOG_WARNING;
	else if (status < 400 && req->route && (req->route->flags & (TIMS_ROUTE_MTLS |
			TIMS_ROUTE_PASSIVE | TIMS_ROUTE_POLL)))
		level = TIMS_LOG_DEBUG;
	tims_log_begin(&l, level, "http");
	tims_log_add(&l, "method", req->method);
	/* the pattern: a path can hold a document number */
	tims_log_add(&l, "route", req->route ? req->route->path : "-");
	tims_log_addf(&l, "status", "%d", status);
	tims_log_addf(&l, "ms", "%.2f", ms);
	tims_log_add(&l, "req", req->id[0] ? req->id : "-");
	if (post && *post)
		tims_log_add(&l, "post", post);
	if (status >= 500 && detail)
		tims_log_add(&l, "error", detail);
	snprintf(out, outlen, "%s", tims_log_text(&l));
	return out;
}

/* libmicrohttpd's own messages (TLS failures, limits) go to the node's log,
 * never straight to stderr: the library does not print. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct tims_http_server *s = cls;
	char msg[256], safe[4 * sizeof(msg)];
	size_t n;

	if (!s->cfg.log)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* it may quote what a client sent (a request line, a header) */
	s->cfg.log(s->cfg.app, NULL, 0, 0, tims_http_log_escape(msg, safe, sizeof(safe)));
}

static void slow_stop(struct tims_http_server *s)
{
	struct slow_pool *p = &s->pool;

	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	p->started = 0;
}

tims_rc tims_http_start(const struct tims_http_config *cfg,
			struct tims_http_server **out, struct tims_err *err)
{
	struct tims_http_server *s;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_TLS | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	/* with a signer, the key stays there: handshakes sign through it */
	int signer_key = cfg->key_file && tims_signer_active();
	tims_rc rc;

	if (!cfg->cert_pem || (!cfg->key_pem && !signer_key))
		return tims_err_set(err, TIMS_ERR_USAGE, "https: certificate and key required");
	if (signer_key && (rc = tims_signer_tls_server(cfg->cert_pem, cfg->key_file, err)))
		return rc;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, cfg->bind ? cfg->bind : "127.0.0.1",
		      &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(cfg->port);
	} else if (inet_pton(AF_INET6, cfg->bind, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		return tims_err_set(err, TIMS_ERR_INVALID, "listen: '%s' is not an IP address",
				    cfg->bind);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "https: out of memory");
	s->cfg = *cfg;
	pthread_mutex_init(&s->pool.lock, NULL);
	pthread_cond_init(&s->pool.wake, NULL);
	s->pool.nslots = cfg->slow_slots ? cfg->slow_slots :
		ncpu >= 8 ? 4 : ncpu >= 4 ? (unsigned)ncpu / 2 : 1;
	if (s->pool.nslots > SLOW_SLOTS_MAX)
		s->pool.nslots = SLOW_SLOTS_MAX;
	s->pool.queue_max = cfg->slow_queue ? cfg->slow_queue : 2 * s->pool.nslots;
	for (unsigned i = 0; i < s->pool.nslots; i++) {
		if (pthread_create(&s->pool.threads[i], NULL, slow_main, s) != 0)
			break;
		s->pool.started++;
	}
	if (!s->pool.started) {
		free(s);
		return tims_err_set(err, TIMS_ERR_NOMEM, "https: cannot start a thread");
	}
	{
		struct MHD_OptionItem opts[16];
		size_t n = 0;

#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) }
		/* First, so that libmicrohttpd's own messages all go through it. */
		OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, s);
		OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
		if (signer_key) {
			union {
				gnutls_certificate_retrieve_function2 *f;
				void *p;
			} cb = { .f = tims_signer_tls_retrieve };

			OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0, cb.p);
		} else {
			OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cfg->cert_pem);
			OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)cfg->key_pem);
		}
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)tims_tls_priorities);
		if (cfg->client_ca_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0,
			    (void *)(uintptr_t)cfg->client_ca_pem);
		OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns ? cfg->max_conns : 256, NULL);
		OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    cfg->max_per_ip ? cfg->max_per_ip : 32, NULL);
		OPT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s ? cfg->timeout_s : 15, NULL);
		OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, HEADER_MEMORY, NULL);
		OPT(MHD_OPTION_THREAD_POOL_SIZE, cfg->threads ? cfg->threads : TIMS_HTTP_THREADS,
		    NULL);
		OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
		s->d = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, s,
					MHD_OPTION_ARRAY, opts,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
					MHD_OPTION_END);
	}
	if (!s->d) {
		slow_stop(s);
		free(s);
		return tims_err_set(err, TIMS_ERR_NET,
				    "https: could not listen on %s port %u (in use, or bad certificate)",
				    cfg->bind ? cfg->bind : "127.0.0.1", cfg->port);
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : cfg->port;
	*out = s;
	return TIMS_OK;
}

uint16_t tims_http_port(const struct tims_http_server *s)
{
	return s->port;
}

void tims_http_stop(struct tims_http_server *s)
{
	if (!s)
		return;
	/* First the slow slots: every suspended connection is resumed (with
	 * its answer, or told to come back) before the daemon goes. */
	slow_stop(s);
	MHD_stop_daemon(s->d);
	free(s);
}
