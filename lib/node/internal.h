/*
 * internal.h — the node handle, shared by lib/node sources only.
 */
#ifndef TIMS_NODE_INTERNAL_H
#define TIMS_NODE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#include "tims/log.h"
/* POST /api/v1/check: a DG2 (the face) up to 160 KiB, the SOD up to
 * 64 KiB, all base64; the route's body limit holds them all. */
#define NODE_CHIP_DG2_MAX (160u * 1024u)
#define NODE_CHECK_BODY_MAX (320u * 1024u)
#include "tims/audit.h"
#include "tims/booth.h"
#include "tims/http.h"
#include "tims/metrics.h"
#include "tims/node.h"
#include "tims/officer.h"
#include "tims/oversight.h"
#include "tims/post.h"
#include "tims/screen.h"
#include "tims/watchlist.h"

struct tims_node {
	struct tims_node_config cfg;
	char dir[4096];
	pthread_mutex_t lock;      /* officers, the node's own state: see below */
	struct tims_post *post;
	struct tims_audit *audit;
	sqlite3 *db;               /* node.db */
	struct tims_officers *officers;
	struct tims_http_server *http;
	/*
	 * Lock discipline. n->lock guards the node's own state (officers,
	 * node.db, owed, halt, usage, sync status). The post and the audit
	 * log are thread-safe handles (their own locks; tims_post_register
	 * and tims_audit_append_group commit concurrent callers together),
	 * used with or without n->lock. The watchlists and their index: the
	 * pointers are read under n->screen_rw (read) for as long as they
	 * are used and replaced under it (write: a bundle from the centre
	 * swaps them, then frees the old ones); searched under n->screen
	 * (their store is one SQLite connection, the index has one scratch).
	 * Order: n->lock, n->screen_rw, n->screen; never the other way.
	 */
	pthread_rwlock_t screen_rw;
	pthread_mutex_t screen;
	struct tims_wl *wl;                /* watchlists, or NULL: none loaded */
	struct tims_screen_index *ix;
	int screen_sealed;                 /* watchlists sealed, token out: every
					      list quarantined (node.c) */
	int vault_reported;                /* token-unavailable event queued */
	int64_t vault_tried_ms;            /* the vault's last retry */
	struct tims_booth *booth;          /* checks and registrations (booth.h) */
	struct tims_epass_trust *chip_trust; /* DIR/epassport: CSCAs and CRLs the
					      chips are verified against, sealed
					      at start; NULL: none configured */
	struct tims_metrics metrics;
	struct tims_metric *m_requests[6]; /* by status class 1xx..5xx, other */
	struct tims_metric *m_register;    /* registration latency */
	struct tims_metric *m_check;       /* check latency (screened, audited) */
	struct tims_metric *m_log_size;
	struct tims_metric *m_crossings;
	struct tims_metric *m_checks;
	struct tims_metric *m_login_failures;
	struct tims_metric *m_wall_failures;
	pthread_t timer;
	int timer_running;
	int names_done;        /* the timer's last step found no name keys owed */
	int stopping;
	pthread_cond_t wake;
	int64_t started_ms;
	struct node_sync *sync;            /* the centre and witnesses (sync.c) */
	size_t owed;                       /* crossings whose audit event is not
					      yet in audit.db (kept in post.db) */
	int halt_logged;                   /* the halt was written to the log */
	struct tims_metric *m_halted;
	uint64_t clock_jumps_logged;       /* clock jumps written to the log (node_clock) */
	struct tims_metric *m_clock_jumps;
	struct tims_oversight_config ov;   /* limits, purposes (oversight.c) */
	struct node_usage_table *usage;    /* uses per officer, last hour (oversight.c) */
	struct node_events *events;        /* events for the centre (events.c) */
	struct node_wlcheck *wlcheck;      /* centre lists vs their signed digests (wlcheck.c) */
	struct node_unusual *unusual;      /* unusual reading while offline (unusual.c) */
	int key_down;                      /* post.skey's token unavailable at the
					      last signing (node.c, under lock) */
	char key_why[TIMS_ERR_MSG_BYTES];
	int64_t key_since_ms;
	struct node_retention *retention;  /* the retention timer (retention.c) */
};

extern const struct tims_http_route tims_node_routes[];
extern const size_t tims_node_nroutes;

/* Lower-case hex as a JSON string. */
json_t *node_hex_json(const uint8_t *b, size_t n);

/*
 * Append the audit event of a request, with or without n->lock held:
 * events of requests at the same time share one audit transaction
 * (tims_audit_append_group); this returns once this one is durable. query
 * and result are consumed. Fails when the event could not be stored
 * durably: then the handler answers node_no_trace(resp, rc) and nothing
 * else (507 when the disk is full, rc TIMS_ERR_FULL; 503 "halted" when
 * the audit log stopped writing after an I/O error, which node_audit
 * returns as TIMS_ERR_STATE: the node is halted until restarted, as for
 * post.db; else 500).
 */
tims_rc node_audit(struct tims_node *n, const struct tims_http_req *req,
		   const char *action, const char *purpose, int64_t crossing,
		   int status, json_t *query, json_t *result);
tims_rc node_no_trace(struct tims_http_resp *resp, tims_rc rc);

/* The consoles' default language (tims post serve --lang, post.conf lang). */
const char *node_default_lang(const struct tims_node *n);

/*
 * The audit event a crossing owes (tims_post_register): `owed` is the JSON
 * node_h_crossing kept with the record. Appended at most once (keyed by
 * the record's index), then forgotten by post.db (n->lock held).
 */
tims_rc node_audit_owed(struct tims_node *n, uint64_t index, const void *owed,
			size_t len);

/*
 * Every audit event owed and not yet settled (up to 256), in one audit
 * transaction (one fsync), then forgotten by post.db (n->lock held): the
 * first booth of a group commit to get here appends the events of the
 * whole group, the others find theirs done. TIMS_OK also when there was
 * nothing to do; on an error the events stay owed (the timer retries).
 */
tims_rc node_audit_owed_all(struct tims_node *n);

/*
 * Whether the node acknowledges (n->lock held): NULL, or why not — the
 * post was halted (a rollback learnt from the centre or a witness, kept in
 * DIR/halted until an operator resolves it), or an I/O error stopped its
 * crossing or audit log (until a restart). *persistent says which.
 */
const char *node_halted(struct tims_node *n, int *persistent);
/* {"reason", "until": "restart" | "resolved", "procedure"} or null. */
json_t *node_halt_json(struct tims_node *n);
/* After a registration (n->lock held): a jump of the post's clock seen by
 * the log (tims_post_clock) is logged once and counted in /metrics. */
void node_clock(struct tims_node *n);
/* The clock's jumps for GET /api/v1/status. */
json_t *node_clock_json(struct tims_node *n);
/*
 * The sync thread learnt that this post was rolled back or forked (the
 * centre or a witness holds peer_size records of it, or a tree it does not
 * extend): stop acknowledging, persistently. Takes n->lock.
 */
void node_halt(struct tims_node *n, const char *why, uint64_t peer_size);

/* The handlers of personal data (people.c). */
extern const struct tims_json_field node_check_schema[];
extern const struct tims_json_field node_crossing_schema[];
tims_rc node_h_check(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_chip_challenge(void *app, struct tims_http_req *req,
			      struct tims_http_resp *resp);
tims_rc node_h_crossing(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_history(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_history_search(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
extern const struct tims_json_field node_history_search_schema[];
tims_rc node_h_audit(void *app, struct tims_http_req *req, struct tims_http_resp *resp);

/*
 * Oversight (oversight.c). A history read's justification, from the query:
 * ?crossing=N (a record of that document this officer registered at this
 * booth within the window) or ?purpose_code=C&purpose=TEXT. 0 with *out
 * filled, or an HTTP status with resp filled (500: the caller answers a
 * bare 500). A refusal is audited ("history.refused"). Takes n->lock itself.
 */
struct node_purpose {
	int64_t crossing;   /* the justifying record, or -1 */
	char text[256];     /* the audit event's purpose */
};
int node_history_justify(struct tims_node *n, struct tims_http_req *req, const char *doc,
			 const char *nat, struct node_purpose *out, struct tims_http_resp *resp);
/* A search by name (POST /api/v1/history/search): purpose_code and purpose
 * of the body, no crossing (it justifies its own document only). query
 * (taken) is what a refusal's audit event names. */
int node_search_justify(struct tims_node *n, struct tims_http_req *req, json_t *query,
			struct node_purpose *out, struct tims_http_resp *resp);
/* The uses of the last hour from the audit trail (at start; n->lock not
 * needed yet), and freeing them (at stop). */
tims_rc node_usage_load(struct tims_node *n, struct tims_err *err);
void node_usage_free(struct tims_node *n);
/* The usage limit of TIMS_ROUTE_LIMITED routes (struct tims_http_config.limit). */
int node_limit(void *app, const struct tims_http_route *route, struct tims_http_req *req,
	       struct tims_http_resp *resp);
tims_rc node_h_purposes(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_refusal_reasons(void *app, struct tims_http_req *req, struct tims_http_resp *resp);

/* Supervision (supervise.c): corrections, second line, paper registers, and
 * the second person's approval. */
extern const struct tims_json_field node_correction_schema[];
extern const struct tims_json_field node_second_line_schema[];
extern const struct tims_json_field node_paper_schema[];
tims_rc node_h_correction(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_second_line(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_paper_import(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_approvals(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_approval(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_approve(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* Events to the centre (supervise.c; n->lock held): LIMIT_EXCEEDED; one
 * about a record appended (CORRECTION, IDENTITY_CHANGE, SECOND_LINE); a
 * paper register approved (PAPER_IMPORT, and the screening hits of its
 * travellers). A failure to queue is logged: the change is on the trail. */
struct tims_approval;
enum node_alert { NODE_ALERT_CORRECTION = 1, NODE_ALERT_IDENTITY_CHANGE, NODE_ALERT_SECOND_LINE };
void node_raise_limit(struct tims_node *n, const struct tims_http_req *req, const char *kind,
		      uint64_t limit, uint64_t used);
void node_raise_record(struct tims_node *n, const struct tims_http_req *req, enum node_alert kind,
		       const struct tims_record *rec, uint64_t index, const char *detail);
void node_raise_paper(struct tims_node *n, const struct tims_http_req *req,
		      const struct tims_approval *a, const struct tims_record *recs, size_t nrec,
		      const struct tims_post_ack *acks);

/* {"available", "lists": [{"list", "kind", "version", "active"}]} (takes
 * n->screen_rw and n->screen). */
json_t *node_screening_status(struct tims_node *n);

/* The network (sync.c): push to the centre, ask witnesses, and the peer
 * routes the centre pulls from when it rebuilds. */
tims_rc node_sync_start(struct tims_node *n, struct tims_err *err);
void node_sync_stop(struct tims_node *n);
int node_sync_enrolled(const struct tims_node *n);
json_t *node_sync_status(struct tims_node *n); /* n->lock held */
/* GET /metrics after the registry: sync, watchlists, audit (metrics.c);
 * takes n->lock. */
tims_rc node_metrics(struct tims_node *n, struct tims_buf *out);
/* identity.c: what the post's peers must be (docs/sync.md, "Identity"). */
struct tims_sync_peer;
/* The policy for a centre role (centre-server for the sync client,
 * centre-client for the peer routes) from DIR/centre: the pinned key and
 * the revocation list held (*crl, freed by the caller). TIMS_ERR_AUTH if
 * the enrolment has no pin. */
tims_rc node_identity_policy(const char *dir, unsigned role, struct tims_tls_policy *pol,
			     uint8_t pin[32], struct tims_tls_crl **crl,
			     struct tims_err *err);
/* trust.c: the signed revocation list held (TIMS_ERR_NOTFOUND if none),
 * and fetched from the centre (GET /api/v1/revocations). */
struct tims_revocation;
tims_rc node_trust_held(const char *dir, struct tims_revocation *out, struct tims_err *err);
tims_rc node_trust_fetch(const char *dir, const struct tims_sync_peer *peer, uint64_t *version,
			 int *kept, struct tims_err *err);
/* Fetch the centre's revocation list and keep it if it verifies and is not
 * older than the one held; *number: the number of the list kept. */
tims_rc node_identity_fetch_crl(const char *dir, const struct tims_sync_peer *peer,
				uint64_t *number, struct tims_err *err);
tims_rc node_authorize_peer(void *app, const struct tims_tls_peer *peer,
			    struct tims_principal *who);
tims_rc node_h_peer_export(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
tims_rc node_h_peer_cosigned(void *app, struct tims_http_req *req, struct tims_http_resp *resp);

/*
 * events.c: events for the centre (tims/event.h). node_event stores ev
 * durably in post.db (its time_ms 0: now) and wakes the sync thread,
 * which delivers it to the centre, queued while offline. With or without
 * n->lock held. node_events_start/stop: from node_sync_start/stop.
 */
struct tims_event;
struct tims_sync_conn;
struct tims_sync_peer;
tims_rc node_event(struct tims_node *n, const struct tims_event *ev, struct tims_err *err);

/* The vault's state for /status: open or seal-only, and why (node.c). */
json_t *node_vault_status(struct tims_node *n);
tims_rc node_events_start(struct tims_node *n, struct tims_err *err);
void node_events_stop(struct tims_node *n);
/* The sync thread: whether an event came since it last asked (clears it). */
int node_events_kicked(struct tims_node *n);
/* The sync thread, after a round the centre answered: send what is pending. */
void node_events_deliver(struct tims_node *n, struct tims_sync_conn *conn,
			 const struct tims_sync_peer *peer);
/* {"pending", "oldest_pending_ms", "last_seq", "sent", "last_sent_ms", "last_error"?}. */
json_t *node_events_status(struct tims_node *n);
/* The events of each kind in [from_ms, to_ms) (tims_post_events_count). */
tims_rc node_events_count(struct tims_node *n, int64_t from_ms, int64_t to_ms,
			  uint64_t counts[TIMS_POST_EVENT_KINDS], struct tims_err *err);
/* GET /api/v1/supervisor/summary and GET /api/v1/wall (supervisor.c). */
tims_rc node_h_supervisor_summary(void *app, struct tims_http_req *req,
				  struct tims_http_resp *resp);
tims_rc node_h_wall(void *app, struct tims_http_req *req, struct tims_http_resp *resp);
/* The server's wall-key check (cfg.authenticate_wall): throttled, a
 * failure audited (supervisor.c). */
tims_rc node_wall_auth(void *app, struct tims_http_req *req, const char *key,
		       unsigned *retry_after);

/*
 * totpclaim.c: a login's TOTP step claimed at the centre (tims/totpclaim.h).
 * node_totp_claim_login, after a login verified (without n->lock): TIMS_OK
 * (claimed, or the centre unreachable: the claim waits in node.db), or
 * TIMS_ERR_REPLAY (err says where the code was used). Not enrolled: TIMS_OK.
 * node_totp_claims_deliver: the sync thread sends what waits.
 */
tims_rc node_totp_claim_login(struct tims_node *n, const char *officer, uint64_t step,
			      const char *code, const char *booth, struct tims_err *err);
void node_totp_claims_deliver(struct tims_node *n, struct tims_sync_conn *conn,
			      const struct tims_sync_peer *peer);

/*
 * wlcheck.c: the post's copies of the centre's lists against their signed
 * digests, at start (node_wlcheck_start, before serving) and periodically;
 * a copy that does not match is quarantined (checks fail closed), raised
 * to the centre and repaired by the sync thread; post-local list changes
 * reported to the centre. node_wlcheck_lock serialises a bundle's
 * application (open, apply, swap) with a check; node_wlcheck_kick asks for
 * a check now; node_wlcheck_repairs: lists to fetch whole (with backoff).
 * Stop: node_wlcheck_stop (the thread) before node_sync_stop, then
 * node_wlcheck_free.
 */
tims_rc node_wlcheck_start(struct tims_node *n, struct tims_err *err);
void node_wlcheck_stop(struct tims_node *n);
void node_wlcheck_free(struct tims_node *n);
void node_wlcheck_lock(struct tims_node *n);
void node_wlcheck_unlock(struct tims_node *n);
void node_wlcheck_kick(struct tims_node *n);
size_t node_wlcheck_repairs(struct tims_node *n, char lists[][TIMS_WL_LIST_NAME_MAX + 1],
			    size_t max);
/* {"period_ms", "checked_ms", "took_ms", "checks", "lists", "mismatched":
 * [{"list", "version", "reason", "since_ms"}], "error"?} or null. */
json_t *node_wlcheck_status(struct tims_node *n);

/*
 * unusual.c: the alert rules over this post's audit log (docs/alerts.md),
 * raised as unusual-reading events while the centre is not online. Start
 * after node_sync_start, stop before node_sync_stop; the status route's
 * {"interval_s", "audit_read_to", "raised_offline": [{"time_ms", "alert"}]}.
 */
/* retention.c: the retention timer (DIR/retention.conf; a bad one stops
 * the start). Stopped before the events it queues. */
tims_rc node_retention_start(struct tims_node *n, struct tims_err *err);
void node_retention_stop(struct tims_node *n);
tims_rc node_unusual_start(struct tims_node *n, struct tims_err *err);
void node_unusual_stop(struct tims_node *n);
json_t *node_unusual_status(struct tims_node *n);

/* A line for the process log (no personal data): node_log at info,
 * node_logl at a level of tims/log.h (TIMS_LOG_ERR for what stops the
 * post's work, TIMS_LOG_WARNING for a refusal or failure it survives). */
void node_log(struct tims_node *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void node_logl(struct tims_node *n, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
