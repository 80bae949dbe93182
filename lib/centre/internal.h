/*
 * internal.h — the centre handle, shared by the lib/centre sources only.
 *
 * centre.c: the directory, keys, enrolment, revocation, events.
 * ingest.c: mirrors per origin, verified ingest, cosigning, indexing.
 * routes.c: the HTTPS API (sync routes under mutual TLS).
 * rebuild.c: pulling logs back from the posts.
 */
#ifndef TIMS_CENTRE_INTERNAL_H
#define TIMS_CENTRE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "tims/centre.h"
#include "tims/audit.h"
#include "tims/http.h"
#include "tims/log.h"
#include "tims/cstore.h"
#include "tims/totpclaim.h"

#define CENTRE_PATH_MAX 4096
#define CENTRE_MAX_POSTS 256

struct centre_mirror {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	struct tims_verifier key;
	struct tims_sync_mirror *m;
	pthread_mutex_t lock;
	int64_t last_seen_ms;   /* the post's last sync request here (memory) */
	/* the mirror of the post's audit log (ingest.c, centre_audit_mirror):
	 * opened on first use, under lock */
	struct tims_sync_mirror *am;
};

struct tims_centre {
	char dir[CENTRE_PATH_MAX];
	char name[TIMS_CENTRE_NAME_MAX + 1];
	char store_uri[CENTRE_PATH_MAX];
	unsigned report_min_cell;  /* config: counts below it suppressed in reports (0: none) */
	sqlite3 *db;                 /* centre.db */
	pthread_mutex_t db_lock;     /* db and the mirror table */
	/* centre.db stopped after an I/O error: read only until a restart
	 * (centre_db_err; a later fsync that succeeds proves nothing) */
	_Atomic int db_stopped;
	char db_stopped_why[320];
	struct tims_signer cosigner;
	struct tims_verifier cosign_vkey;
	struct tims_signer bundle_signer;  /* signs bundles to the posts */
	struct tims_verifier bundle_vkey;
	struct tims_cstore *store;
	/* DIR's vault (tims/vault.h): seals the query store's records and the
	 * mirrors' bodies, and computes the store's blind indexes */
	struct tims_vault *vault;
	struct tims_audit *audit;    /* audit.db, opened on first use */
	pthread_mutex_t audit_lock;
	struct tims_audit *audit_ro; /* a reading handle of it (centre_audit_scan) */
	pthread_mutex_t audit_ro_lock;
	struct centre_aw *aw;        /* its checkpoints to witnesses (auditwitness.c) */
	pthread_mutex_t store_lock;
	pthread_mutex_t mirrors_lock; /* the mirrors array */
	struct centre_mirror *mirrors[CENTRE_MAX_POSTS];
	size_t nmirrors;
	/* the query store may lack records the mirrors hold (ingest.c) */
	_Atomic int store_dirty;
	/* bumped with store_lock held wherever store_dirty is set: a repair
	 * clears store_dirty only if no commit failed since it began */
	uint64_t store_fail_gen;
	/* the maintenance thread: store reconnection and repair (centre.c) */
	pthread_t maint;
	int maint_on;
	pthread_mutex_t maint_lock;
	pthread_cond_t maint_cond;
	int maint_stop;
	/* unusual reading over the audit logs (alerts.c) */
	struct centre_alerts *alerts;
	/* the retention timer, run by the maintenance thread (retention.c) */
	struct centre_retention *retention;
	/* the API inbox's thread, when one is watched (inbox.c) */
	struct centre_inbox *inbox;
};

/* Stop and free the API inbox's thread (inbox.c); nothing when none. */
void centre_inbox_stop(struct tims_centre *c);

tims_rc centre_path(const struct tims_centre *c, const char *name, char *out,
		    struct tims_err *err);
/* GET /metrics after the query store's state: posts, isolation, the
 * watchlists published, alerts, audit (metrics.c). */
tims_rc centre_metrics_more(struct tims_centre *c, struct tims_buf *out, struct tims_err *err);
/* seal.c: a centre.db column sealed under the vault as base64 text (AD
 * "centre.TABLE/KEY"); centre_open_text gives back a value stored in clear
 * before the vault as it is. centre_seal_legacy seals such values at open
 * (post events, export requests). */
int centre_is_sealed(const char *text);
tims_rc centre_seal_text(struct tims_centre *c, const char *ad, int64_t time_ms,
			 const char *text, struct tims_buf *out, struct tims_err *err);
tims_rc centre_open_text(struct tims_centre *c, const char *ad, const char *text,
			 struct tims_buf *out, struct tims_err *err);
tims_rc centre_seal_legacy(struct tims_centre *c, struct tims_err *err);
/* The vault can open and blind (its token tried again if it was away):
 * TIMS_OK, else TIMS_ERR_UNAVAILABLE with the reason (answered 503). */
tims_rc centre_vault_ready(struct tims_centre *c, struct tims_err *err);
/* The airports map (DIR/airports.conf) as written, post names not resolved;
 * no file: an empty map. centre_airport_zones: the airports with a zone,
 * into z (TIMS_ARRIVALS_AIRPORTS_MAX at most), their number. */
struct tims_arrivals_map;
struct tims_api_zone;
tims_rc centre_airports_read(struct tims_centre *c, struct tims_arrivals_map *map,
			     struct tims_err *err);
size_t centre_airport_zones(const struct tims_arrivals_map *map, struct tims_api_zone *z);
/* The roster key the centre issued to post (DIR/roster/POST.key);
 * TIMS_ERR_NOTFOUND when it has none. The caller wipes it. */
tims_rc centre_roster_key_load(struct tims_centre *c, const char *post, uint8_t key[32],
			       struct tims_err *err);
/* 1 once centre.db stopped after an I/O error (centre_db_err), until the
 * centre is restarted; why in c->db_stopped_why. */
int centre_db_stopped(struct tims_centre *c);
/* tims_audit_set_marker_guard's test for the centre's audit log (ctx: c) */
int centre_marker_stopped(void *ctx);
tims_rc centre_db_err(struct tims_centre *c, const char *what,
		      struct tims_err *err);
/* {"announcements": [NOTE, ...]}: the key announcements in DIR/keys (keys.c). */
tims_rc centre_key_announcements(const struct tims_centre *c, struct tims_buf *out,
				 struct tims_err *err);
/* A post's log handed over to `key`: posts.vkey and the event log (ingest.c). */
void centre_learn_key(struct tims_centre *c, const char *origin,
		      const struct tims_verifier *key);
/* The verifier key of an enrolled origin, and whether it is revoked. */
tims_rc centre_post_key(struct tims_centre *c, const char *origin,
			struct tims_verifier *key, int *revoked,
			struct tims_err *err);
/* trust.c: certificate lifetimes (DIR/certs.conf; what: "post_client",
 * "centre_server", "centre_client"), renewal routes, the signed
 * revocation list, the CAs trusted now (the issuing one first). */
tims_rc centre_cert_lifetime(const char *dir, const char *what, unsigned *seconds,
			     struct tims_err *err);
int centre_post_cert_ok(struct tims_centre *c, const char *name, const uint8_t fp[32]);
tims_rc centre_trusted_cas(struct tims_centre *c, struct tims_buf *out, struct tims_err *err);
tims_rc centre_revocations_publish(struct tims_centre *c, const char *why,
				   struct tims_err *err);
tims_rc centre_revocations_ensure(struct tims_centre *c, struct tims_err *err);
extern const struct tims_json_field centre_renew_mtls_schema[];
extern const struct tims_json_field centre_renew_key_schema[];
tims_rc centre_h_renew_mtls(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_renew_key(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_revocations(void *app, struct tims_http_req *req,
			     struct tims_http_resp *resp);
/* Rewrite DIR/revoked.crl from the certificates revoked (centre.c). */
tims_rc centre_crl_write(struct tims_centre *c, struct tims_err *err);
/* A new roster key for a post: DIR/roster/NAME.key and OUT_DIR/roster.key. */
tims_rc centre_roster_key_issue(struct tims_centre *c, const char *post,
				const char *out_dir, struct tims_err *err);
/*
 * One event in the centre's audit log, covered by a signed checkpoint before
 * this returns (query.c). An answer too large for an event is recorded by
 * its size and SHA-256.
 */
tims_rc centre_audit(struct tims_centre *c, const char *actor, const char *role,
		     const char *addr, const char *action, const char *purpose,
		     const char *query, const char *answer, int status, struct tims_err *err);
/* 1 once the centre's audit log stopped writing (an I/O error or damage:
 * tims_audit_broken) until the centre restarts; why, into WHY if given. */
int centre_audit_stopped(struct tims_centre *c, char *why, size_t cap);
/*
 * The answer to a request whose audit event could not be written (rc from
 * centre_audit): nothing is answered that cannot be recorded. A full disk
 * is the operator's to fix and says so (507 storage_full, answered again
 * once there is space); a log stopped after an I/O error is 503 halted
 * until the restart (as a post's); anything else 500 audit_unavailable.
 */
tims_rc centre_no_trace(struct tims_centre *c, struct tims_http_resp *resp, tims_rc rc);
/* A national query's answer, with no audit and no export limit: for an
 * approved two-person export (export.c), which audits it itself. */
tims_rc centre_query_run(struct tims_centre *c, const struct tims_centre_query *q,
			 json_t **out, struct tims_err *err);

/* What the HTTPS server hands every handler (routes.c, dashboard.c). */
struct centre_serve {
	struct tims_centre *c;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	struct tims_officers *officers;   /* the centre's people: dashboard logins */
	pthread_mutex_t officers_lock;
	const char *lang;                 /* the dashboard's default language (NULL: en) */
	char web_shared[CENTRE_PATH_MAX]; /* the booth console's web directory: the
					   * dashboard's parent, whose i18n.js it loads */
};

/* dashboard.c: the supervisor dashboard's routes and its sessions. */
extern const struct tims_json_field centre_login_schema[];
extern const struct tims_json_field centre_search_schema[];
tims_rc centre_authenticate(void *app, const char *token, int activity,
			    struct tims_principal *who);
tims_rc centre_h_login(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_logout(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* the dashboard's languages: the installation's default, the caller's own */
const char *centre_default_lang(const struct centre_serve *s);
tims_rc centre_h_languages(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_preferences(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_posts(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_traffic(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_hits(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_alerts(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* alerts_queue.c: the alerts panel as a queue (ack, assign, close). */
extern const struct tims_json_field centre_ack_schema[];
extern const struct tims_json_field centre_assign_schema[];
extern const struct tims_json_field centre_close_schema[];
tims_rc centre_h_dash_ack(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_assign(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_close(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* alerts.c: unusual reading (docs/alerts.md). The queue's columns and the
 * cursors in centre.db (at open); the evaluation thread (serve; stopped by
 * tims_centre_free); a post's unusual-reading event: 1 when its alert is to
 * be opened (not opened under its key before), *severe and its line
 * (db_lock held). */
tims_rc centre_alerts_schema(struct tims_centre *c, struct tims_err *err);
tims_rc centre_alerts_start(struct tims_centre *c, void (*log)(void *ctx, const char *line),
			    void *log_ctx, struct tims_err *err);
void centre_alerts_stop(struct tims_centre *c);
int centre_alerts_post_event(struct tims_centre *c, const char *origin, const char *detail,
			     int *severe, char *line, size_t cap);
/* api.c: the pre-arrival list (flights of the passenger lists held) */
tims_rc centre_h_dash_arrivals(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_arrivals_report(void *app, struct tims_http_req *req,
				      struct tims_http_resp *resp);
tims_rc centre_h_dash_overstays(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp);
tims_rc centre_h_dash_search(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* the statistics (reports.c) */
tims_rc centre_h_report_table(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_report_overstays(void *app, struct tims_http_req *req,
				  struct tims_http_resp *resp);
tims_rc centre_h_report_monthly(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp);

/* auditview.c: the auditors' search over the audit logs (docs/dashboard.md,
 * "Audit view"); the index in centre.db, document references as keyed hashes. */
#define CENTRE_AV_KEY_BYTES 32
#define CENTRE_AV_DOC_BYTES 16
#define CENTRE_AV_PAGE_MAX 100
#define CENTRE_AV_PAGES_MAX 100000
struct centre_av_query {
	const char *officer;      /* the event's actor, exactly; NULL: any */
	const char *doc;          /* a document reference; NULL: any */
	const char *purpose;      /* a substring of the purpose; NULL: any */
	const char *post;         /* a post's name, "" the centre's own log; NULL: any */
	int64_t from_ms, to_ms;   /* [from, to) */
	unsigned page, page_size; /* page_size 1..CENTRE_AV_PAGE_MAX */
};
/* BLAKE2b-128 of the normalised reference, keyed with DIR/auditview.key. */
void centre_av_doc_hash(const uint8_t key[CENTRE_AV_KEY_BYTES], const char *doc,
			uint8_t out[CENTRE_AV_DOC_BYTES]);
/* Index what the audit logs hold beyond each log's cursor; *added: events. */
tims_rc centre_av_index(struct tims_centre *c, uint64_t *added, struct tims_err *err);
/* Index, then one page of results with their proofs ({"total", "page",
 * "page_size", "logs", "results"}); not audited here (the route does). */
tims_rc centre_av_search(struct tims_centre *c, const struct centre_av_query *q,
			 json_t **out, struct tims_err *err);
/* ms since 1970, or YYYY-MM-DDTHH:MM[:SS]Z: 1, else 0. */
int centre_av_parse_time(const char *s, int64_t *out);
tims_rc centre_h_audit_search(void *app, struct tims_http_req *req, struct tims_http_resp *resp);

/* events.c: events the posts send (tims/event.h) and the dashboard's view. */
struct tims_event;
/* TOTP claims from the posts (totpclaim.c): one login per (officer, step);
 * a step claimed twice opens a "totp-reuse" alert naming both posts. */
extern const struct tims_json_field centre_totp_claim_schema[];
tims_rc centre_h_sync_totp_claim(void *app, struct tims_http_req *req,
				 struct tims_http_resp *resp);
tims_rc centre_totp_claim(struct tims_centre *c, const struct tims_totp_claim *cl,
			  enum tims_totp_verdict *verdict, char *used_at, size_t cap,
			  struct tims_err *err);
extern const struct tims_json_field centre_sync_events_schema[];
tims_rc centre_h_sync_events(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_dash_events(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* Store a parsed batch of origin's events in one transaction, each (origin,
 * seq) once, alerting those that call for a person. */
tims_rc centre_events_store(struct tims_centre *c, const char *origin,
			    const struct tims_event *evs, const uint64_t *seqs, size_t n,
			    size_t *stored, size_t *repeated, struct tims_err *err);
/* Whether an alert of this kind is a post event's that the panel shows. */
int centre_post_event_alarming(const char *kind);
/* export.c: two-person export (tims/export.h, docs/export.md). */
extern const struct tims_json_field centre_export_schema[];
tims_rc centre_h_export_request(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp);
tims_rc centre_h_export_list(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_export_get(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc centre_h_export_approve(void *app, struct tims_http_req *req,
				struct tims_http_resp *resp);
tims_rc centre_h_export_fetch(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* travel.c: GET /api/v1/sync/travel, the national feed to the posts. */
tims_rc centre_h_sync_travel(void *app, struct tims_http_req *req, struct tims_http_resp *resp);

/* The file name of an origin under mirror/ (ingest.c): letters, digits,
 * '.', '-', '_' as they are; any other byte as %XX. */
void centre_file_name(const char *origin, char *out, size_t outsz);

/* The mirror of an origin (opened once, kept). */
tims_rc centre_mirror_get(struct tims_centre *c, const char *origin,
			  struct centre_mirror **out, struct tims_err *err);

/*
 * The query store, with store_lock held: begin a batch's transaction,
 * reconnecting first if the store is down (TIMS_ERR_NET: unavailable).
 */
tims_rc centre_store_begin(struct tims_centre *c, struct tims_err *err);
/*
 * Add to the query store what it lacks of cm's mirror, by missing ranges
 * (cm->lock and store_lock held). *added: records indexed.
 */
tims_rc centre_repair(struct tims_centre *c, struct centre_mirror *cm, uint64_t *added,
		      struct tims_err *err);
/*
 * Start the maintenance thread (once; tims_centre_free stops it): every
 * second, reconnect a lost query store (with backoff) and repair the store
 * while it is dirty. Store transitions go to the event log.
 */
tims_rc centre_maintain_start(struct tims_centre *c, struct tims_err *err);
/* retention.c: DIR/retention.conf for the timer (a bad one stops the
 * start), and the timer's tick (the maintenance thread: a run every
 * interval, audited). */
tims_rc centre_retention_load(struct tims_centre *c, struct tims_err *err);
void centre_retention_tick(struct tims_centre *c);
/* The store's state for the status answer: {"backend", "state": "connected"
 * | "down", "since_ms", "last_error"?, "last_error_ms"?, "failures",
 * "reconnects", "repair_pending"}. */
json_t *centre_store_json(struct tims_centre *c);

/* ---- the posts' audit logs (ingest.c, docs/audit.md) ------------------ */

/* The mirror of origin's audit log (CENTRE/mirror/<escaped origin>.audit.db),
 * opened on first use: returned with (*cm)->lock HELD and (*cm)->am set;
 * the caller unlocks. */
tims_rc centre_audit_mirror(struct tims_centre *c, const char *origin,
			    struct centre_mirror **cm, struct tims_err *err);
/* Take a batch of origin's audit log (an AUDIT batch): checked as a
 * crossing batch is; a batch that forks from the mirror, or a checkpoint
 * smaller than the one held (a deleted, reset or rolled-back audit log),
 * is refused with TIMS_ERR_TAMPER, nothing stored, and a severe alert
 * (audit-fork, audit-rollback) opened. Cosigns a whole checkpoint. */
tims_rc centre_audit_ingest(struct tims_centre *c, const char *origin,
			    const struct tims_sync_batch *b,
			    struct tims_centre_ingest *out, struct tims_err *err);

/* A post's audit log was reset by two people (TIMS_EVENT_AUDIT_RESET, number
 * seq): its mirror is archived, never deleted — renamed to
 * mirror/<escaped origin>.audit.reset-<seq>.db (and .checkpoint), readable
 * as any mirror — and the next batch starts a new mirror. Once per seq. */
tims_rc centre_audit_archive(struct tims_centre *c, const char *origin, uint64_t seq,
			     const char *detail, struct tims_err *err);

/* Open the centre's audit log for writing now (tims_centre_serve): a
 * centre whose published audit log is missing, cut short or replaced
 * refuses to start (tims_audit_check_published names what and how to
 * reset); a new centre records its log as published. centre.c. */
tims_rc centre_audit_start(struct tims_centre *c, struct tims_err *err);

/* auditwitness.c: from the maintenance thread, every few ticks, the
 * centre's latest audit checkpoint to the witnesses of
 * DIR/audit-witnesses.conf; a refusal opens a severe audit-witness alert. */
void centre_audit_witness_tick(struct tims_centre *c);
void centre_audit_witness_free(struct tims_centre *c);

/* C2: for alerts and auditview to read mirrored audit events. */
typedef tims_rc (*centre_audit_fn)(void *ctx, const char *post, uint64_t idx,
				   const struct tims_audit_event *ev);
/* The audit events of post `post` (an enrolled name; "" = the centre's own
   audit log) from index `from`, at most `max`, in log order; erased events
   are skipped. Thread-safe. (fn runs with that mirror's lock held: it may
   audit or raise alerts, not read the same post's mirror again.) */
tims_rc centre_audit_scan(struct tims_centre *c, const char *post, uint64_t from,
			  size_t max, centre_audit_fn fn, void *ctx,
			  struct tims_err *err);

/* tims_centre_ingest; rebuilding: a revoked post's log is taken too. */
tims_rc centre_ingest(struct tims_centre *c, const char *origin,
		      const struct tims_sync_batch *b, int rebuilding,
		      struct tims_centre_ingest *out, struct tims_err *err);

#endif
