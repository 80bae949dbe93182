/*
 * totpclaim.h — one TOTP code, one login, across every post (docs/security.md,
 * "A code used once, everywhere").
 *
 * A post checks an officer's code against its own copy of the secret and
 * refuses a code it has seen (officer.c keeps the last step used). That is
 * not enough when the same officer is assigned to several posts: a code
 * watched over a shoulder at post A opens a session at post B within the
 * same 90 seconds. So after a login verifies locally, the post claims
 * (officer, TOTP step) at the centre over its mutual-TLS channel
 * (POST /api/v1/sync/totp-claim); the centre keeps every claim and refuses
 * a second one for the same officer and step from any post.
 *
 * A border post must work alone: when the centre does not answer within a
 * short time limit, the login goes on and the claim waits in the post's
 * node.db (the pending table below); the sync thread sends it when the
 * centre answers again, marked offline, and the centre opens a
 * "totp-reuse" alert (TIMS_EVENT_TOTP_REUSE, severe) naming both posts for
 * any step claimed twice.
 *
 * A claim carries a random id: sending it again after a lost answer is
 * not a second use. It names the code by a digest of (officer, step, code),
 * not by the code: two posts may each have an account of the same id made
 * there (each its own secret, its own codes), and those are two officers;
 * the same code twice is one officer's code replayed.
 *
 * The store is plain SQLite on a caller's handle (centre.db at the centre,
 * node.db at a post), bounded: claims older than keep_steps are forgotten,
 * and at most max_rows are held (the oldest outside the validity window go
 * first; when every held claim is still in the window, a new one is refused
 * with TIMS_ERR_TOOBIG rather than forgetting a live one).
 */
#ifndef TIMS_TOTPCLAIM_H
#define TIMS_TOTPCLAIM_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "tims/err.h"
#include "tims/note.h"
#include "tims/officer.h"

#define TIMS_TOTP_CLAIM_ID_CHARS 33  /* 16 random bytes in hex, and the NUL */
#define TIMS_TOTP_CLAIM_BOOTH_MAX 31
/* Steps either side of the centre's clock an online claim may name: the
 * code's own window (one step either side) and some clock skew. */
#define TIMS_TOTP_CLAIM_WINDOW 4
/* How long the centre keeps a claim to compare offline ones with (14 days
 * of 30-second steps): a post offline longer than that has its older
 * claims refused as stale (reported, not compared). */
#define TIMS_TOTP_CLAIM_KEEP_STEPS (14 * 24 * 120)
#define TIMS_TOTP_CLAIM_MAX_ROWS 1000000
#define TIMS_TOTP_CLAIM_PENDING_MAX 100000
/* The post's wait for the centre's answer at login. */
#define TIMS_TOTP_CLAIM_TIMEOUT_S 2

struct tims_totp_claim {
	char id[TIMS_TOTP_CLAIM_ID_CHARS];     /* lower-case hex */
	char officer[TIMS_OFFICER_ID_MAX + 1];
	uint64_t step;                         /* the TOTP counter the code matched */
	char digest[TIMS_TOTP_CLAIM_ID_CHARS]; /* tims_totp_claim_make: of officer,
						  step and code, lower-case hex */
	char post[TIMS_NOTE_MAX_NAME + 1];     /* the post's origin (at the centre:
						  from its certificate, never the body) */
	char booth[TIMS_TOTP_CLAIM_BOOTH_MAX + 1];
	int64_t time_ms;                       /* the login, on the post's clock */
	int offline;                           /* made while the centre was unreachable */
};

/* A new claim: a fresh id, the digest of the code, the rest as given (post
 * left empty). */
tims_rc tims_totp_claim_make(struct tims_totp_claim *c, const char *officer, uint64_t step,
			     const char *code, const char *booth, int64_t time_ms,
			     struct tims_err *err);

/* Every field well-formed (id and digest 32 hex, officer id, step > 0, booth
 * printable, time not negative); the message names the field. */
tims_rc tims_totp_claim_check(const struct tims_totp_claim *c, struct tims_err *err);

/* ---- the centre's store ---- */

struct tims_totp_claims {
	sqlite3 *db;          /* the caller's */
	uint64_t keep_steps;  /* TIMS_TOTP_CLAIM_KEEP_STEPS */
	uint64_t window;      /* TIMS_TOTP_CLAIM_WINDOW */
	uint64_t max_rows;    /* TIMS_TOTP_CLAIM_MAX_ROWS */
};

enum tims_totp_verdict {
	TIMS_TOTP_CLAIM_NEW = 1,   /* stored: the first use of this step */
	TIMS_TOTP_CLAIM_REPEAT,    /* this very claim (its id) was held already */
	TIMS_TOTP_CLAIM_REUSED,    /* another claim holds the code: stored as well,
				      *first is the earliest other one */
};

/* Defaults above; creates the table. */
tims_rc tims_totp_claims_init(struct tims_totp_claims *s, sqlite3 *db, struct tims_err *err);

/*
 * Record c (c->post set by the caller) at the centre's time now_s. An online
 * claim (c->offline == 0) must name a step within window of now; an offline
 * one a step within keep_steps before it (else TIMS_ERR_INVALID, "stale").
 * An id held for another claim is TIMS_ERR_INVALID. In one transaction.
 */
tims_rc tims_totp_claims_add(struct tims_totp_claims *s, const struct tims_totp_claim *c,
			     time_t now_s, enum tims_totp_verdict *verdict,
			     struct tims_totp_claim *first, struct tims_err *err);
/* Claims held (for tests and `tims centre` tools); -1 on error. */
long tims_totp_claims_count(struct tims_totp_claims *s);

/* ---- a post's claims waiting for the centre ---- */

tims_rc tims_totp_pending_add(sqlite3 *db, const struct tims_totp_claim *c,
			      struct tims_err *err);
/* Up to max, oldest first; fn returning non-zero stops. */
tims_rc tims_totp_pending_list(sqlite3 *db, size_t max,
			       int (*fn)(void *ctx, const struct tims_totp_claim *c),
			       void *ctx, struct tims_err *err);
tims_rc tims_totp_pending_done(sqlite3 *db, const char *id, struct tims_err *err);
long tims_totp_pending_count(sqlite3 *db);

/* ---- the post's side of the exchange (lib/node/totpclaim.c) ---- */

/*
 * What came of a claim at the centre:
 *   TIMS_OK            the centre took it: first use
 *   TIMS_ERR_REPLAY    the centre holds this step from another login:
 *                      *where names the post (its origin) that used it first
 *   TIMS_ERR_UNAVAILABLE  no answer in time, or the centre is isolated,
 *                      or answered something else: the caller keeps the
 *                      claim pending (tims_totp_pending_add, marked
 *                      offline) and the login goes on
 *   TIMS_ERR_NOTFOUND  DIR is not enrolled at a centre: nothing to claim
 */
tims_rc tims_totp_claim_at_centre(const char *dir, const struct tims_totp_claim *c,
				  long timeout_s,
				  char where[TIMS_NOTE_MAX_NAME + 1], struct tims_err *err);

#endif
