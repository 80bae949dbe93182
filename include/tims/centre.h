/*
 * centre.h — the national centre: enrolment of posts, the verified mirror
 * of every post's log, cosigning, the query store, and rebuilds.
 *
 * A centre is a directory (docs/centre.md):
 *   config            name, store (query store URI: "sqlite" for DIR/query.db,
 *                     or a PostgreSQL URI)
 *   centre.db         enrolled posts (name, origin, verifier key, client
 *                     certificate fingerprint, revocation) and the event
 *                     log of refusals (hostile or broken peers)
 *   ca.crt, ca.key    the centre's CA: it issues posts' client certificates
 *   tls.crt, tls.key  the centre's HTTPS server certificate (from its CA)
 *   client.crt/.key   the centre's own client certificate (CN "centre"),
 *                     for pulling from posts when rebuilding
 *   cosign.skey/.vkey the centre's cosigner key (c2sp tlog-cosignature)
 *   mirror/ORIGIN.db  the verified mirror of each post's log (tims/sync.h)
 *   isolated          present while the centre is cut off on purpose
 *   api.db            carriers' passenger lists and their screening before
 *                     arrival (tims/api.h, lib/centre/api.c), made by the
 *                     first `tims api import`
 *
 * Guarantees: a post is known by the certificate the centre issued it and
 * by nothing it says about itself (G6); every record the centre holds was
 * verified against a checkpoint signed by its post (G3); retries never
 * duplicate; a revoked post is refused at its next request.
 */
#ifndef TIMS_CENTRE_H
#define TIMS_CENTRE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tims/buf.h"
#include "tims/cstore.h"
#include "tims/err.h"
#include "tims/http.h"
#include "tims/note.h"
#include "tims/sync.h"

#define TIMS_CENTRE_NAME_MAX 64
/* The dashboard's chart library, served at /chart.js: Debian's
 * libjs-chart.js (Chart.js 3, UMD build) where the package installs it. */
#define TIMS_CENTRE_CHARTJS "/usr/share/javascript/chart.js/chart.min.js"

struct tims_centre;
struct tims_export_usage;

/* Make a centre in dir (created if missing; TIMS_ERR_EXISTS if it holds
 * one). store: NULL for the embedded SQLite store, or a PostgreSQL URI.
 * hosts: the names and addresses posts reach the centre by, put into its
 * server certificate (NULL-terminated; NULL or empty: this machine's
 * loopback names only). */
/*
 * Rotate the centre's cosigner key or its bundle key (role "cosigner" or
 * "bundle"; docs/keys.md): a new key of the same name, an announcement
 * signed by the old and the new key (tims/keyroll.h) kept in DIR/keys/ and
 * served to the posts, the old secret overwritten and removed. Posts
 * accept the old key too for overlap_s seconds after (0 to 365 days).
 * A running centre signs with the new key from its next start. The
 * announcement's path goes to note_path (cap bytes). Run again to finish
 * one that was interrupted.
 */
TIMS_MUST_USE tims_rc tims_centre_rotate_key(const char *dir, const char *role,
					     int64_t overlap_s, char *note_path, size_t cap,
					     struct tims_err *err);

tims_rc tims_centre_init(const char *dir, const char *name, const char *store,
			 const char *const *hosts, struct tims_err *err);
/* The same with the tokens named: token holds the vault's key-encryption key
 * (a PKCS#11 URI; NULL: the environment's TIMS_TOKEN, as tims_centre_init),
 * key_token the cosigner, bundle and audit keys and the TLS CA key (NULL:
 * key files; the .skey files are then PKCS11+KEY references,
 * tims_signer_load). The vault is made first: without a token,
 * TIMS_ERR_USAGE naming TIMS_TOKEN and --token, and nothing else is made. */
tims_rc tims_centre_init_token(const char *dir, const char *name, const char *store,
			       const char *const *hosts, const char *token,
			       const char *key_token, struct tims_err *err);

tims_rc tims_centre_open(const char *dir, struct tims_centre **out,
			 struct tims_err *err);
void tims_centre_free(struct tims_centre *c);

const char *tims_centre_dir(const struct tims_centre *c);
/* The cosigner's verifier key (for posts and auditors). */
const struct tims_verifier *tims_centre_cosigner(const struct tims_centre *c);

/*
 * Enrol a post: `name` (the certificate's common name), its verifier key
 * (post.vkey; the origin is the key's name), the centre's URL as the post
 * will reach it. Issues a client certificate and a server certificate
 * (for the post's node) from the centre's CA and writes into out_dir what
 * the post needs: ca.crt (trust for the centre), client.crt, client.key
 * (0600), server.crt, server.key (0600), cosign.vkey, revoked.crl (the
 * CA-signed revocation list) and enrolment.conf (name, origin, centre, url,
 * and the pins of the centre's server and client keys). The certificates
 * carry the roles post-client and post-server; hosts (NULL-terminated; NULL:
 * loopback names only) are the names and addresses of the post's node,
 * put into its server certificate. An origin or name already enrolled
 * (even revoked) is TIMS_ERR_EXISTS.
 */
tims_rc tims_centre_enrol(struct tims_centre *c, const char *name,
			  const char *post_vkey, const char *url,
			  const char *const *hosts, const char *out_dir,
			  struct tims_err *err);

/*
 * New certificates for an enrolled, not revoked post (expiry, new host
 * names, an enrolment made before certificate roles): the same bundle as
 * tims_centre_enrol, with the post's roster key kept. Its earlier
 * certificates are revoked at once. TIMS_ERR_NOTFOUND if not enrolled or
 * revoked.
 */
tims_rc tims_centre_renew(struct tims_centre *c, const char *name, const char *url,
			  const char *const *hosts, const char *out_dir,
			  struct tims_err *err);

/* Revoke a post's certificate; refused from the next request on. */
tims_rc tims_centre_revoke(struct tims_centre *c, const char *name,
			   struct tims_err *err);

/*
 * Revocation (docs/keys.md, "Certificates and revocation"): each adds to
 * the centre's signed revocation list (DIR/revocations.json, a new
 * version) that posts and witnesses fetch and check offline. A post:
 * tims_centre_revoke and the list. A witness or any signing key: by its
 * verifier key string. A certificate: by its serial (hex).
 */
tims_rc tims_centre_revoke_post(struct tims_centre *c, const char *name,
				struct tims_err *err);
tims_rc tims_centre_revoke_key(struct tims_centre *c, int witness, const char *vkey,
			       struct tims_err *err);
tims_rc tims_centre_revoke_cert(struct tims_centre *c, const char *serial_hex,
				struct tims_err *err);
/* The current signed list, appended to out (TIMS_ERR_NOTFOUND: none yet). */
tims_rc tims_centre_revocations(struct tims_centre *c, struct tims_buf *out,
				struct tims_err *err);

/*
 * The CA's rollover: a new CA issues from now on, the old one stays
 * trusted (the overlap) until tims_centre_ca_retire, which renews the
 * centre's own certificates under the new CA (their keys kept: posts pin
 * them) and stops trusting the old. Each publishes a new revocation list
 * carrying the CAs to trust. A running centre takes either at its restart.
 * The new CA's key is made in key_token (a PKCS#11 URI) if given, else in
 * the token of the old CA's key if it is in one, else in ca.key (PEM).
 */
tims_rc tims_centre_ca_rollover(struct tims_centre *c, const char *key_token,
				struct tims_err *err);
tims_rc tims_centre_ca_retire(struct tims_centre *c, struct tims_err *err);
/* The centre's server and client certificates renewed, keys kept. */
tims_rc tims_centre_renew_own(struct tims_centre *c, struct tims_err *err);

/* Cut the centre off (posts see it as unreachable), and undo. */
tims_rc tims_centre_isolate(const char *dir, int on, struct tims_err *err);
int tims_centre_isolated(const struct tims_centre *c);

struct tims_centre_post {
	char name[TIMS_CENTRE_NAME_MAX + 1];
	char origin[TIMS_NOTE_MAX_NAME + 1];
	int revoked;
	uint64_t size;          /* records mirrored */
	uint64_t signed_size;   /* latest post-signed checkpoint held */
	int64_t last_sync_ms;   /* last accepted batch, 0 if never (kept in the
				   mirror: every process sees it) */
	int64_t last_seen_ms;   /* last sync request of the post to this
				   process (a state poll or a batch), else
				   last_sync_ms: an idle post pushes nothing */
	int64_t enrolled_ms;
};
typedef tims_rc (*tims_centre_post_fn)(void *ctx, const struct tims_centre_post *p);
tims_rc tims_centre_posts(struct tims_centre *c, tims_centre_post_fn fn,
			  void *ctx, struct tims_err *err);

/* The result of one ingest (a push, or a batch pulled during a rebuild). */
struct tims_centre_ingest {
	struct tims_sync_result r;
	char cosignature[512];  /* when complete: the centre's cosignature line */
};

/*
 * Verify and store one batch for `origin` (the post the certificate maps
 * to), index the new records into the query store, and cosign the
 * checkpoint once the mirror holds all of it. Refusals are recorded in
 * the event log with the reason. Thread-safe (one lock per origin).
 */
tims_rc tims_centre_ingest(struct tims_centre *c, const char *origin,
			   const struct tims_sync_batch *b,
			   struct tims_centre_ingest *out,
			   struct tims_err *err);

/*
 * Record a refusal or notable event (kind: "fork", "signature", ...) in the
 * append-only event log, and in the dashboard's alerts: identical events
 * (kind, origin, detail) open one alert that counts them, with the first
 * and last time, until it is acknowledged.
 */
void tims_centre_event(struct tims_centre *c, const char *kind,
		       const char *origin, const char *detail);
/* The same, its failure returned (err names it): for an alert that must
 * not be lost silently, e.g. a passenger list's hit (tims_centre_api_import). */
TIMS_MUST_USE tims_rc tims_centre_alert_raise(struct tims_centre *c, const char *kind,
					      const char *origin, const char *detail,
					      struct tims_err *err);

/* Kinds an alert of which stays on the dashboard until a supervisor
 * acknowledges it: forks, rollbacks, refused or revoked certificates,
 * impostors, bad signatures or proofs. */
int tims_centre_severe(const char *kind);

struct tims_centre_alert {
	int64_t id;
	char kind[32];
	char origin[TIMS_NOTE_MAX_NAME + 1];
	char detail[512];
	uint64_t count;
};
/* Acknowledge the open alert id on behalf of `by` (the caller audits it);
 * TIMS_ERR_NOTFOUND if there is no such open alert. */
tims_rc tims_centre_alert_ack(struct tims_centre *c, int64_t id, const char *by,
			      struct tims_centre_alert *out, struct tims_err *err);

/* The mirror of origin, and its lock. */
tims_rc tims_centre_mirror(struct tims_centre *c, const char *origin,
			   struct tims_sync_mirror **m, struct tims_err *err);

/* The query store (NULL until opened). */
struct tims_cstore *tims_centre_store(struct tims_centre *c);

/* The query store's health, and whether a repair is pending (dirty). */
void tims_centre_store_state(struct tims_centre *c, struct tims_cstore_state *st,
			     int *dirty);

/* The centre's Prometheus metrics (text format 0.0.4): the query store's
 * state and the mirrors' sizes, no personal data. */
tims_rc tims_centre_metrics(struct tims_centre *c, struct tims_buf *out,
			    struct tims_err *err);

/*
 * Bring the query store up to the mirrors (after a failed commit, a crash or
 * a wipe of the store alone): for each post, the ranges of indexes the store
 * lacks below the mirror's size are indexed from the mirror, wherever they
 * are. *added says how many records were indexed.
 */
tims_rc tims_centre_reindex(struct tims_centre *c, uint64_t *added,
			    struct tims_err *err);

/*
 * Officer rosters (lib/centre/roster.c): assign an officer of the centre's
 * store to a post (post NULL: every post), or withdraw the assignment; and
 * the sealed, signed roster bundle of one post with its version (out NULL:
 * only the version). TIMS_ERR_NOTFOUND for a post without a roster key.
 */
tims_rc tims_centre_assign(struct tims_centre *c, const char *officer,
			   const char *post, int on, struct tims_err *err);
tims_rc tims_centre_roster(struct tims_centre *c, const char *post, uint64_t *version,
			   struct tims_buf *out, struct tims_err *err);

/*
 * The pre-screened arrivals of one post (tims/prescreen.h): the airport
 * whose posts the airports map (DIR/airports.conf) names it among, the
 * screened travellers of the flights arriving there, sealed under the
 * post's roster key and signed (tims_bundle_arrivals); its version is
 * tims_api_serial's (out NULL: only the version and airport).
 * TIMS_ERR_NOTFOUND for a post at no airport (no map, or not in it), one
 * without a roster key, or no list held.
 */
tims_rc tims_centre_arrivals_bundle(struct tims_centre *c, const char *post, int64_t now_ms,
				    uint64_t *version, char airport[4], struct tims_buf *out,
				    struct tims_err *err);

/* The signed bundle of one list of DIR/watchlists (tims/bundle.h): the
 * whole list, or with since > 0 what changed after that version. */
tims_rc tims_centre_bundle(struct tims_centre *c, const char *list, uint64_t since,
			   struct tims_buf *out, struct tims_err *err);

/*
 * Serve the centre's API over HTTPS: mutual TLS for the sync routes
 * (docs/sync.md), sessions for the supervisor dashboard (docs/dashboard.md)
 * whose static files are served from web_dir (NULL: none). port 0 picks one.
 */
tims_rc tims_centre_serve(struct tims_centre *c, const char *bind,
			  uint16_t port, const char *web_dir, const char *lang,
			  void (*log)(void *ctx, const char *line),
			  void *log_ctx, struct tims_http_server **out,
			  struct tims_err *err);

/* The centre's route table (sync routes and the dashboard's). */
const struct tims_http_route *tims_centre_route_table(size_t *n);

/*
 * Rebuild: pull every enrolled post's log from the post itself (its URL,
 * mutual TLS with the centre's client certificate), verifying each batch
 * as a push is verified, and then check each mirror against the latest
 * cosigned checkpoints the post kept. One line per post goes to report.
 */
/* Trust a witness's key (its witness.vkey) when checking rebuilt roots. */
tims_rc tims_centre_add_witness(struct tims_centre *c, const char *vkey_file,
				struct tims_err *err);
/*
 * Send the centre's own audit checkpoints to a witness too (docs/audit.md):
 * appends "URL CA_FILE VKEY_FILE" to DIR/audit-witnesses.conf, read by the
 * running centre every few seconds. The witness must trust DIR/audit.vkey
 * (tims witness add-log W --vkey DIR/audit.vkey).
 */
tims_rc tims_centre_audit_witness_add(struct tims_centre *c, const char *url,
				      const char *ca_file, const char *vkey_file,
				      struct tims_err *err);

struct tims_centre_rebuild_post {
	const char *name;  /* as enrolled */
	const char *url;   /* https://host:port of its node */
};
struct tims_centre_rebuild_cb {
	void (*report)(void *ctx, const char *line);  /* a line of the report */
	/* records of `post` recovered so far, of `total` it signed (may be NULL) */
	void (*progress)(void *ctx, const char *post, uint64_t done, uint64_t total);
	void *ctx;
};
tims_rc tims_centre_rebuild(struct tims_centre *c,
			    const struct tims_centre_rebuild_post *posts,
			    size_t n, const struct tims_centre_rebuild_cb *cb,
			    unsigned *failed, struct tims_err *err);

/*
 * A national query (tims/cstore.h) on behalf of an officer of the centre,
 * recorded in the centre's audit log (DIR/audit.db, a signed Merkle log
 * under "<centre name>/audit") before the answer is handed back: who, why,
 * what was asked and what was returned. Queries that name or list people
 * need a stated purpose (3 to 200 bytes); counts carry no personal data.
 * Stay regimes come from DIR/stay-regimes.conf (default 90 in 180).
 * The rows of personal data of every answer are counted against the
 * actor's daily export limit (tims/export.h, DIR/export.conf): an answer
 * past it is refused with TIMS_ERR_DENIED and usage->refused set, audited.
 *
 *   kind        uses
 *   "history"   doc, issuer (optional), on_day
 *   "person"    surname, given, birth_date, nationality (optional), on_day
 *   "present"   at_ms, offset, limit
 *   "overstays" on_day, limit
 *   "counts"    by, from_ms, to_ms
 */
struct tims_centre_query {
	const char *kind;
	const char *doc, *issuer;
	const char *surname, *given, *birth_date, *nationality;
	const char *by;
	int64_t at_ms, from_ms, to_ms, on_day;
	unsigned offset, limit;
	/* who asks, and why */
	const char *actor, *role, *addr, *purpose;
	/* if not NULL: what the answer took of the actor's daily export limit
	 * (tims/export.h); usage->refused when the limit refused it */
	struct tims_export_usage *usage;
};

tims_rc tims_centre_query(struct tims_centre *c, const struct tims_centre_query *q,
			  json_t **out, struct tims_err *err);

/*
 * Advance passenger information at the centre (lib/centre/api.c,
 * docs/paxlst.md): one file of PAXLST interchanges (len bytes) parsed
 * (refused whole, nothing stored, on any error naming the segment),
 * every traveller screened against DIR/watchlists as the posts screen
 * (a store that cannot be read or a screening that cannot be done fails
 * the import, naming why: nothing stored), stored in DIR/api.db
 * (tims/api.h) and each traveller with a hit put in the dashboard's alert
 * queue (kind "api-hit": flight, expected arrival, list entry; no
 * traveller's name), all before the store commits.
 */
struct tims_api;
struct tims_api_import_result;
TIMS_MUST_USE tims_rc tims_centre_api_import(struct tims_centre *c, const char *buf, size_t len,
					     int64_t now_ms, struct tims_api_import_result *res,
					     struct tims_err *err);
/* What an import stored, as `tims api import` prints it and the audit log
 * records it: {file, sha256, flights: [{flight, date, departure_airport,
 * arrival_airport, arrival_time, version, replay, replaced, travellers,
 * hits}], travellers, hits, stored}. NULL: out of memory. */
json_t *tims_centre_api_result_json(const char *file, const struct tims_api_import_result *r);

/*
 * The centre's API inbox (lib/centre/inbox.c, docs/operations.md "API
 * inbox"): a thread that takes every complete file put in dir (a name not
 * starting with '.' nor ending in ".tmp": the sender writes under such a
 * name and renames it into place), imports it with tims_centre_api_import
 * and moves it to dir/done/, or to dir/rejected/ beside NAME.reason when
 * the file is refused (TIMS_PAXLST_MAX_BYTES or more: refused unread). A
 * file the centre cannot screen (watchlists missing, quarantined or
 * unreadable; the store) goes to dir/held/, raises an "api-inbox-held"
 * alert, and is tried again within TIMS_CENTRE_INBOX_RETRY_MS of a change
 * of the centre's watchlists, else every TIMS_CENTRE_INBOX_RETRY_IDLE_MS
 * (the token back, the store repaired). Each intake
 * audited as `tims api import` (action api.import, actor "inbox"). log
 * gets one line an intake (no personal data). Stopped by tims_centre_free.
 */
#define TIMS_CENTRE_INBOX_POLL_MS 250
#define TIMS_CENTRE_INBOX_RETRY_MS 2000
#define TIMS_CENTRE_INBOX_RETRY_IDLE_MS 60000
TIMS_MUST_USE tims_rc tims_centre_inbox_start(struct tims_centre *c, const char *dir,
					      void (*log)(void *ctx, const char *line),
					      void *log_ctx, struct tims_err *err);

/* DIR/api.db with the centre's vault, able to open the sealed fields
 * (TIMS_ERR_UNAVAILABLE when the key token is away). Close with
 * tims_api_close before tims_centre_free. */
TIMS_MUST_USE tims_rc tims_centre_api_store(struct tims_centre *c, struct tims_api **out,
					    struct tims_err *err);

/* Verify the centre's audit log (tims/audit.h tims_audit_verify). */
TIMS_MUST_USE tims_rc tims_centre_audit_verify(struct tims_centre *c,
				 void (*report)(void *ctx, const char *finding),
				 void *ctx, uint64_t *events, struct tims_err *err);

/*
 * The reports after arrival (tims/arrivals.h, lib/centre/arrivals.c):
 * the airports map DIR/airports.conf (no file: no airport known), its
 * post names made the enrolled posts' log origins (a name not enrolled is
 * an error naming it), and a report over DIR/api.db and the query store.
 * Not audited here: the caller audits the report with its purpose.
 */
struct tims_arrivals_map;
struct tims_arrivals_query;
struct tims_arrivals_report;
TIMS_MUST_USE tims_rc tims_centre_airports(struct tims_centre *c, struct tims_arrivals_map *map,
					   struct tims_err *err);
TIMS_MUST_USE tims_rc tims_centre_arrivals_report(struct tims_centre *c,
						  const struct tims_arrivals_query *q,
						  struct tims_arrivals_report *r,
						  struct tims_err *err);
/* The rows with names against actor's daily export limit (tims/export.h),
 * as the national queries' rows are: when the limit refuses them, the
 * names are wiped from the report (names_withheld) and TIMS_OK; the
 * report stays. */
TIMS_MUST_USE tims_rc tims_centre_arrivals_charge(struct tims_centre *c, const char *actor,
						  struct tims_arrivals_report *r,
						  struct tims_err *err);
/* A report as the CLI prints it and the dashboard route answers it
 * (docs/paxlst.md "After arrival"); NULL: out of memory. */
json_t *tims_centre_arrivals_json(const struct tims_arrivals_report *r);

#endif
