/*
 * node.h — the post node service: the HTTPS JSON API that the booths use.
 *
 * A node serves one post directory (tims/post.h) over HTTPS (tims/http.h):
 * officers log in with password and TOTP (tims/officer.h), check travellers
 * (MRZ, screening, stay rule), register crossings (durable, signed, with an
 * inclusion proof in the answer), read histories with a stated purpose, and
 * auditors read the audit log. Every request that reads or writes personal
 * data leaves an audit event (tims/audit.h) before its answer leaves.
 *
 * Files the node keeps in the post directory, next to the post's own:
 *   node.db     officers and sessions (SQLite)
 *   store.key   32 bytes (0600) sealing officers' TOTP secrets
 *   watchlists/ the watchlist store screened at /check (tims watchlist
 *               import --store DIR/watchlists ...), loaded at start
 *   tls.crt, tls.key   the HTTPS certificate; made self-signed for
 *               localhost on first start when absent (a demo); real
 *               deployments put their own there or pass --cert/--key
 * The route table, with the role each route allows, is in lib/node/routes.c
 * and docs/api.md.
 */
#ifndef TIMS_NODE_H
#define TIMS_NODE_H

#include <stdint.h>

#include "tims/auth.h"
#include "tims/err.h"
#include "tims/officer.h"

struct tims_node_config {
	const char *dir;          /* the post directory */
	const char *listen;       /* IP address, default 127.0.0.1 */
	uint16_t port;            /* 0: any free port */
	const char *cert_file;    /* default DIR/tls.crt */
	const char *key_file;     /* default DIR/tls.key */
	const char *web_dir;      /* the console's static files, or NULL */
	const char *lang;         /* the consoles' default language (tims_lang_names), NULL: en */
	const char *watchlists;   /* watchlist store (tims watchlist), default
				     DIR/watchlists when it exists */
	unsigned threads;         /* HTTP worker threads, 0: TIMS_HTTP_THREADS (16) */
	enum tims_pw_cost pw_cost;/* for hashes made by this node */
	/* Lines for the process log (no personal data); may be NULL. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct tims_node;

tims_rc tims_node_start(const struct tims_node_config *cfg,
			struct tims_node **out, struct tims_err *err);
uint16_t tims_node_port(const struct tims_node *n);
void tims_node_stop(struct tims_node *n);

/* The node's route table (what `tims post routes` prints, and what
 * docs/api.md's permission matrix must say). */
const struct tims_http_route *tims_node_route_table(size_t *n);

/*
 * The post's client certificate (docs/keys.md, "Certificates and
 * revocation"), renewed from the centre when a third of its lifetime
 * remains or it was issued by a CA the centre no longer issues with
 * (TIMS_RENEW_FORCE: now): over mutual TLS with the certificate held, or
 * — expired, refused, or TIMS_RENEW_BY_KEY — by a request signed with the
 * post's log key. The new pair is installed only once it works. *what
 * says what was done ("" when nothing was due).
 */
#define TIMS_RENEW_FORCE 1u
#define TIMS_RENEW_BY_KEY 2u
#define TIMS_RENEW_NOWAIT 4u  /* another renewal under way: do nothing */
tims_rc tims_node_renew_cert(const char *dir, unsigned flags, char *what, size_t cap,
			     struct tims_err *err);

/*
 * The post's wall-display key (lib/node/supervisor.c): a fresh 32-byte key,
 * its SHA-256 kept in DIR/wall.key (0600; replacing any earlier key), the
 * key itself in key_hex (64 hex digits, shown once, never stored). revoke:
 * delete DIR/wall.key instead (the key refused from the next request on).
 */
tims_rc tims_node_wall_key(const char *dir, int revoke, char key_hex[65], struct tims_err *err);

/*
 * Keep the centre's signed revocation list (tims/revocation.h) in the
 * post directory if it verifies with the enrolled bundle key and is not
 * older than the one held (TIMS_ERR_STATE: a replay); the CAs it names
 * become the post's trust for the centre. *kept: a newer one was stored.
 */
tims_rc tims_node_apply_revocations(const char *dir, const char *json, size_t len,
				    uint64_t *version, int *kept, struct tims_err *err);

#endif
