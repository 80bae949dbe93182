/*
 * http.h — the HTTPS JSON server every TIMS node runs (libmicrohttpd + GnuTLS).
 *
 * A node describes its API as a table of routes. Before any handler runs, the
 * server itself checks, in this order and for every request:
 *   1. the route exists (404) and takes this method (405);
 *   2. a verified client certificate, for mutual-TLS routes (401);
 *   3. a valid session (Authorization: Bearer) unless the route is public
 *      (401); for a TIMS_ROUTE_WALL route the wall key instead
 *      (Authorization: Wall KEY, cfg.authenticate_wall: 401, or 429 with
 *      Retry-After once a source has failed too often);
 *   4. the principal's role is one the route allows (403);
 *   5. the body fits the route's limit (413), is JSON (415, 400), and has the
 *      declared shape: an object with only known fields of the right types
 *      and sizes, required ones present (400, naming the field);
 *   6. for a TIMS_ROUTE_LIMITED route, the caller is within their usage
 *      limit (cfg.limit; past it, 429 with Retry-After).
 * so a handler cannot forget any of them (the redis processCommand model).
 * Errors are JSON {"error": CODE, "message": TEXT} with no personal data.
 *
 * Connection limits (total, per client address), a per-connection memory cap
 * and an idle timeout (slow clients) are set from the config.
 *
 * Slow work (a login's Argon2id) never runs on the server's worker threads,
 * which every booth's requests share: a handler hands it on by setting
 * req->slow (see there), and a small pool of `slow_slots` threads runs it
 * while the connection waits, suspended. The pool's queue is bounded: when
 * it is full the request is answered 503 with Retry-After at once, never
 * queued without end.
 */
#ifndef TIMS_HTTP_H
#define TIMS_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/tls.h"

/* Roles (G6). A route allows a set of them; 0 means no session is needed. */
enum tims_role {
	TIMS_ROLE_OFFICER = 1 << 0,
	TIMS_ROLE_SUPERVISOR = 1 << 1,
	TIMS_ROLE_ANALYST = 1 << 2,
	TIMS_ROLE_AUDITOR = 1 << 3,
	TIMS_ROLE_ADMIN = 1 << 4,
	TIMS_ROLE_PEER = 1 << 5, /* another node, authenticated by its certificate */
};
#define TIMS_ROUTE_PUBLIC 0u

const char *tims_role_name(unsigned role);
/* Parse "officer", "supervisor" … into one role bit; 0 if unknown. */
unsigned tims_role_parse(const char *name);

#define TIMS_PRINCIPAL_ID_MAX 64

/* Who is asking: filled by the node's authenticate callback. */
struct tims_principal {
	char id[TIMS_PRINCIPAL_ID_MAX + 1]; /* officer id, or peer origin */
	unsigned role;                      /* exactly one enum tims_role bit */
	uint64_t session;                   /* the node's session number, 0 if none */
	char booth[32];
};

enum tims_json_type {
	TIMS_JSON_STRING = 1,
	TIMS_JSON_INTEGER,
	TIMS_JSON_BOOLEAN,
	TIMS_JSON_OBJECT,
	TIMS_JSON_ARRAY,
};

/* One field of a route's body; a schema is an array ended by { NULL }. */
struct tims_json_field {
	const char *name;
	enum tims_json_type type;
	int required;
	size_t max; /* strings: bytes; arrays: elements; integers: largest value; 0 = default */
};

struct tims_http_resp;

struct tims_http_static_file {
	const char *url;   /* "/chart.js" */
	const char *path;  /* an absolute path */
};

#define TIMS_HTTP_MAX_PARAMS 4
#define TIMS_HTTP_DEFAULT_STRING_MAX 1024

struct tims_http_req {
	const char *method;
	const char *path;                        /* without the query string */
	char addr[64];                           /* client address, for audit */
	const char *param[TIMS_HTTP_MAX_PARAMS]; /* {name} segments, in order */
	size_t nparam;
	json_t *json;                            /* checked body, or NULL */
	const char *body;                        /* raw body (NUL-terminated) */
	size_t body_len;
	struct tims_principal who;               /* zero for public routes */
	char peer_cn[128];                       /* verified client certificate */
	void *conn;                              /* struct MHD_Connection */
	/* Set by a handler that has done its quick part (checks, throttling)
	 * and returns TIMS_OK without answering: the server runs `slow` on its
	 * pool of slow slots (not on a worker thread) and answers with what it
	 * fills in; if every slot is busy and the queue is full, `slow` never
	 * runs and the answer is 503 with Retry-After. */
	tims_rc (*slow)(void *app, struct tims_http_req *req,
			struct tims_http_resp *resp);
	/* The route matched (NULL for a static file or no route) and the
	 * request's id, also sent back as the X-Request-Id header: 16 hex
	 * digits, random, so an officer's report and a log line can be
	 * matched without the log holding anything else. */
	const struct tims_http_route *route;
	char id[17];
};

/* A query-string argument or request header, or NULL. */
const char *tims_http_query(const struct tims_http_req *req, const char *key);
/* The first query-string argument not named in known (NULL-terminated), or
 * NULL when every one is known: a route's parameters are a closed set. */
const char *tims_http_query_unknown(const struct tims_http_req *req,
				    const char *const *known);
const char *tims_http_header(const struct tims_http_req *req, const char *key);

struct tims_http_resp {
	int status;
	const char *type;      /* Content-Type; JSON by default */
	struct tims_buf body;
	unsigned retry_after;  /* seconds: a Retry-After header if non-zero */
};

/* Set a JSON body (obj is consumed) and status. */
tims_rc tims_http_reply_json(struct tims_http_resp *resp, int status,
			     json_t *obj);
/* {"error": code, "message": ...}; the message must carry no personal data. */
tims_rc tims_http_reply_error(struct tims_http_resp *resp, int status,
			      const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same with "params": the values a console puts in its own words for
 * code (docs/console.md, "Languages"); params is consumed (may be NULL). */
tims_rc tims_http_reply_error_params(struct tims_http_resp *resp, int status,
				     const char *code, json_t *params, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * The consoles' language, the same at a post and at the centre
 * (lib/http/lang.c; the languages are tims/officer.h's):
 *   tims_http_reply_languages   GET /api/v1/languages: {"default", "available"}
 *   tims_http_lang_schema       PUT /api/v1/preferences's body: {"lang"}
 *   tims_http_lang_wanted       its lang when it is one ("" = the
 *                               installation's), else NULL ...
 *   tims_http_reply_lang_refused ... answered so: 400 bad_field, one_of
 *   tims_http_reply_lang_set    200 {"lang": in use, "chosen"}
 */
extern const struct tims_json_field tims_http_lang_schema[];
tims_rc tims_http_reply_languages(struct tims_http_resp *resp, const char *deflt);
const char *tims_http_lang_wanted(const struct tims_http_req *req);
tims_rc tims_http_reply_lang_refused(struct tims_http_resp *resp);
tims_rc tims_http_reply_lang_set(struct tims_http_resp *resp, const char *lang,
				 const char *deflt);

/* A handler fills resp and returns TIMS_OK; any other code becomes a 500
 * whose detail goes to the log callback, not to the client. */
typedef tims_rc (*tims_http_handler)(void *app, struct tims_http_req *req,
				     struct tims_http_resp *resp);

enum tims_route_flags {
	TIMS_ROUTE_MTLS = 1 << 0,   /* needs a verified client certificate */
	TIMS_ROUTE_RAW_BODY = 1 << 1, /* body is not JSON (e.g. a signed note) */
	TIMS_ROUTE_PASSIVE = 1 << 2,  /* polled by screens: not activity, so it
				       * does not keep an idle session alive */
	TIMS_ROUTE_SECRET = 1 << 3,   /* the body carries a password: the raw
				       * upload, the body and the parsed JSON
				       * strings are wiped once answered */
	TIMS_ROUTE_LIMITED = 1 << 4,  /* counted against the caller's usage
				       * limit: cfg.limit admits or refuses the
				       * request before the handler runs */
	TIMS_ROUTE_POLL = 1 << 5,     /* routine traffic between nodes (like
				       * TIMS_ROUTE_MTLS and _PASSIVE): its
				       * access lines are logged at debug */
	TIMS_ROUTE_WALL = 1 << 6,     /* with TIMS_ROUTE_PUBLIC: no session but
				       * the post's wall key, which the server
				       * checks (cfg.authenticate_wall) before
				       * the handler runs (tims post routes:
				       * "wall") */
};

struct tims_http_route {
	const char *method;
	const char *path;          /* "/api/v1/history/{document}" */
	unsigned roles;            /* allowed roles; TIMS_ROUTE_PUBLIC for none */
	size_t body_max;           /* 0: a body is refused */
	const struct tims_json_field *schema; /* required for JSON bodies */
	tims_http_handler fn;
	unsigned flags;
};

struct tims_http_config {
	const char *bind;           /* "127.0.0.1", "::1" or "0.0.0.0" */
	uint16_t port;              /* 0: any free port (tims_http_port) */
	const char *cert_pem;       /* server certificate chain, PEM */
	const char *key_pem;        /* its key, PEM */
	const char *key_file;       /* or, with a signer running (tims/signer.h):
				     * the key's file, which only the signer
				     * reads; key_pem is then not needed
				     * (used during tims_http_start only) */
	const char *client_ca_pem;  /* trust for client certificates, or NULL */
	unsigned max_conns;         /* default 256 */
	unsigned max_per_ip;        /* default 32 */
	unsigned timeout_s;         /* idle timeout, default 15 */
	unsigned threads;           /* worker threads, default TIMS_HTTP_THREADS */
	unsigned slow_slots;        /* req->slow run at once: default half the
				     * CPUs, at least 1, at most 4 */
	unsigned slow_queue;        /* waiting beyond those: default 2 a slot */
	const struct tims_http_route *routes;
	size_t nroutes;
	const char *static_dir;     /* served for GET outside /api/, or NULL */
	/* Names served from static_shared_dir instead (a file two consoles
	 * share, kept once: the centre's dashboard and the booth console load
	 * the same "/i18n.js"); NULL-terminated, or NULL */
	const char *static_shared_dir;
	const char *const *static_shared;
	/* Single files served from where a package installs them (the
	 * dashboard's chart library, /usr/share/javascript/...): url → path,
	 * ended by { NULL, NULL }, or NULL. A file absent is a 404. */
	const struct tims_http_static_file *static_files;
	void *app;
	/* Map a bearer token to a principal: TIMS_OK, or TIMS_ERR_AUTH.
	 * `activity` is 0 for TIMS_ROUTE_PASSIVE routes: the session's idle
	 * timer must not be refreshed by them. */
	tims_rc (*authenticate)(void *app, const char *token, int activity,
				struct tims_principal *who);
	/* For TIMS_ROUTE_WALL routes: KEY is what followed "Authorization:
	 * Wall " (NULL when the header is absent or of another scheme).
	 * TIMS_OK to go on; TIMS_ERR_AUTH a wrong key (401); TIMS_ERR_DENIED
	 * a source throttled (429, Retry-After *retry_after s); anything else
	 * 503. The callback audits and throttles; a WALL route without it is
	 * refused (401). */
	tims_rc (*authenticate_wall)(void *app, struct tims_http_req *req, const char *key,
				     unsigned *retry_after);
	/* Map a client certificate whose chain verified to a peer: TIMS_OK,
	 * or TIMS_ERR_DENIED (wrong role, unknown or revoked). */
	tims_rc (*authorize_peer)(void *app, const struct tims_tls_peer *peer,
				  struct tims_principal *who);
	/* For TIMS_ROUTE_LIMITED routes, after checks 1-5 and just before the
	 * handler: 0 to run it; otherwise the caller is past their limit (or
	 * the count could not be kept) and resp holds the answer (429 with
	 * Retry-After, or 500). A limited route without this callback is
	 * answered 500: never run uncounted. */
	int (*limit)(void *app, const struct tims_http_route *route,
		     struct tims_http_req *req, struct tims_http_resp *resp);
	/* One line per request: method, path, status, time; no bodies. Also
	 * called with req NULL and status 0 for the server's own messages
	 * (TLS handshake failures, limits reached). */
	void (*log)(void *app, const struct tims_http_req *req, int status,
		    double ms, const char *detail);
};

/* Worker threads by default: one for each of 16 booths, so that a request
 * that waits (a registration's fsync) holds up no other booth. */
#define TIMS_HTTP_THREADS 16

struct tims_http_server;

tims_rc tims_http_start(const struct tims_http_config *cfg,
			struct tims_http_server **out, struct tims_err *err);
uint16_t tims_http_port(const struct tims_http_server *s);
void tims_http_stop(struct tims_http_server *s);

/*
 * Copy `in` into out (always NUL-terminated, cut to fit) with every byte
 * that could forge a log line or drive a terminal written as \xNN: control
 * characters (newline, ESC...), DEL, backslash and bytes >= 0x80. For paths,
 * headers and any other string a client chose, before they are logged.
 * Returns out.
 */
char *tims_http_log_escape(const char *in, char *out, size_t outlen);
/*
 * The access line of one request (tims/log.h), for a log callback:
 *   <6>event=http method=GET route=/api/v1/history/{document} status=200 ms=1.42 req=ID post=P
 * The route is the table's pattern, never the path (it can hold a document
 * number) nor the query string. Answers under 400 on routine routes
 * (TIMS_ROUTE_MTLS, _PASSIVE, _POLL) are at debug, 5xx at warning, the rest
 * at info. `post` names the post the request concerns (the node's own
 * origin, or a peer's), or NULL; `detail` (5xx only) is the error text.
 * With req NULL, a line event=https msg=detail at notice. Returns out.
 */
const char *tims_http_access_line(const struct tims_http_req *req, int status, double ms,
				  const char *post, const char *detail, char *out,
				  size_t outlen);

/* The same for a whole log line at its sink (a daemon's stderr): only the
 * bytes that end a line or drive a terminal (C0 controls, DEL, and C1
 * controls, raw or UTF-8 encoded) are escaped, so a line already escaped by
 * tims_http_log_escape passes unchanged. */
char *tims_http_log_line_escape(const char *in, char *out, size_t outlen);

/*
 * For a daemon that holds passwords and personal data in memory: no core
 * dump (RLIMIT_CORE 0) and not dumpable (prctl PR_SET_DUMPABLE 0: no core,
 * no ptrace by the same user, /proc/PID owned by root). Call at start,
 * before any secret is read.
 */
tims_rc tims_http_harden_process(struct tims_err *err);

/* Check a parsed body against a schema (exposed for tests and fuzzing). */
TIMS_MUST_USE tims_rc tims_http_check_schema(const json_t *body,
			       const struct tims_json_field *schema,
			       struct tims_err *err);

#endif
