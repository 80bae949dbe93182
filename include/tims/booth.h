/*
 * booth.h — the booth service: one typed path from a document at the booth
 * to a signed crossing record. The node's handlers and the CLI parse their
 * input, call this, audit and render; they decide nothing themselves.
 *
 *   check     screens a document (a parsed MRZ, or fields typed by hand)
 *             and an optional vehicle against the watchlists, reads the
 *             document's own status (lost, stolen, revoked) from the
 *             document lists, computes the stay summary, and gives the
 *             result an id (128 random bits). The service keeps recent
 *             checks in a bounded table: id -> officer, booth, session,
 *             document, typed result, time.
 *   register  appends the crossing bound to such a check — made by this
 *             service for the same officer and booth, not older than the
 *             configured lifetime, not used for another crossing — with
 *             the person and the screening outcome taken from the check,
 *             never from the client. Refusal codes are checked against the
 *             configured list; admitting with a non-discreet hit needs that
 *             hit confirmed by name; crossed_at may differ from the post's
 *             clock by the configured skew at most. The record, a
 *             checkpoint and the audit event the caller owes are one
 *             transaction (tims_post_register).
 *
 * A discreet hit (SIS Art. 36) is in the check's result and in the record,
 * never in what the booth is shown: tims_booth_reduce removes it.
 *
 * Fail closed: a screening that could not be completed is FAILED (never
 * "no hit"); a check with a failed screening can be registered as a refusal
 * or a second-line referral, never as an admission.
 *
 * Threads: a struct tims_booth may be used by many threads; its table has
 * its own lock, held only for table look-ups (never across screening or the
 * post's commit). The watchlist store and index given in the env are the
 * caller's to keep alive and to serialise: env.screen_lock, if not NULL,
 * is held around their search (the node's n->screen), the rest of a check
 * (the stay: tims_travel_get) runs concurrently.
 *
 * Configuration: DIR/booth.conf, optional, "key = value" lines
 * (docs/booth.md): skew_ms, check_lifetime_ms, max_checks, refusal_codes
 * (a file: one "CODE text" per line; default: Regulation (EU) 2016/399
 * Annex V Part B codes A to J).
 */
#ifndef TIMS_BOOTH_H
#define TIMS_BOOTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/epass.h"
#include "tims/err.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/travel.h"
#include "tims/watchlist.h"

#define TIMS_BOOTH_ID_HEX 32          /* a check id: 16 random bytes, hex */
#define TIMS_BOOTH_MAX_CODES 32
#define TIMS_BOOTH_CODE_TEXT 160
#define TIMS_BOOTH_SKEW_MS (5 * 60 * 1000)
#define TIMS_BOOTH_LIFETIME_MS (15 * 60 * 1000)
#define TIMS_BOOTH_MAX_CHECKS 1024
#define TIMS_BOOTH_AA_CHALLENGE 8            /* RND.IFD of INTERNAL AUTHENTICATE */
#define TIMS_BOOTH_AA_LIFETIME_MS (120 * 1000) /* a challenge is good this long */
#define TIMS_BOOTH_AA_MAX 1024               /* challenges outstanding at a post */
#define TIMS_BOOTH_AA_PER_SESSION 4          /* ... for one session */
#define TIMS_BOOTH_AA_SIG_MAX 512            /* RSA-4096 */

struct tims_booth_refusal {
	char code[9];                        /* "A" ... */
	char text[TIMS_BOOTH_CODE_TEXT];
};

struct tims_booth_config {
	uint64_t skew_ms;                    /* |crossed_at - post clock| at most */
	uint64_t check_lifetime_ms;          /* a check binds a crossing this long */
	uint64_t max_checks;                 /* checks remembered (oldest forgotten) */
	size_t ncodes;
	struct tims_booth_refusal codes[TIMS_BOOTH_MAX_CODES];
};

/* The defaults above, with the Annex V Part B codes A-J. */
void tims_booth_config_default(struct tims_booth_config *c);
/*
 * DIR/booth.conf over the defaults (no file: the defaults). A bad value or
 * an unreadable code file is an error naming the file and the key.
 */
TIMS_MUST_USE tims_rc tims_booth_config_read(const char *dir, struct tims_booth_config *c,
					     struct tims_err *err);
/* The text of a configured refusal code, or NULL if it is not one. */
const char *tims_booth_refusal_text(const struct tims_booth_config *c, const char *code);

struct tims_booth;

TIMS_MUST_USE tims_rc tims_booth_new(const struct tims_booth_config *c, struct tims_booth **out,
				     struct tims_err *err);
void tims_booth_free(struct tims_booth *b);
const struct tims_booth_config *tims_booth_config(const struct tims_booth *b);
/* For tests: the service's clock (ms since 1970); NULL: the real one. */
void tims_booth_set_clock(struct tims_booth *b, int64_t (*now_ms)(void));

/* What the service works over. ix NULL: no watchlists loaded (screening
 * UNAVAILABLE). */
struct tims_booth_env {
	struct tims_post *post;
	struct tims_wl *wl;
	struct tims_screen_index *ix;
	pthread_mutex_t *screen_lock; /* held around the search of wl and ix; NULL: none */
	const struct tims_epass_trust *chip_trust; /* sealed CSCAs and CRLs; NULL: none */
};

/* Who asks: from the session, never from the body. */
struct tims_booth_who {
	const char *officer;
	const char *booth;
	uint64_t session;
};

struct tims_mrz;

struct tims_booth_check_in {
	const struct tims_mrz *mrz;          /* the document as read, or NULL */
	const struct tims_person *manual;    /* typed by hand when mrz is NULL:
						surname, given_names,
						birth_date, nationality, sex,
						doc_number (required), issuer,
						doc_code */
	const struct tims_vehicle *vehicle;  /* NULL: none */
	const struct tims_visa *visa;        /* NULL: none */
	const struct tims_epass_input *chip; /* the chip's files as the booth's
						reader read them (EF.SOD, DG1,
						DG2 ...; printed_mrz and at are
						ignored: the service sets them);
						NULL: no chip read */
	/* Active authentication, with chip: the challenge this post issued
	 * (tims_booth_aa_challenge; NULL: none sent) and the chip's answer
	 * to INTERNAL AUTHENTICATE with it (NULL: none). */
	const uint8_t *aa_challenge;         /* TIMS_BOOTH_AA_CHALLENGE bytes */
	const uint8_t *aa_response;
	size_t aa_response_len;
};

/*
 * Active authentication's challenge (ICAO Doc 9303 Part 11, 6.1), issued
 * by the post, never chosen by the booth: 8 random bytes bound to the
 * asking session, good for TIMS_BOOTH_AA_LIFETIME_MS and for one check.
 * At most TIMS_BOOTH_AA_PER_SESSION are outstanding for a session (a new
 * one forgets its oldest) and TIMS_BOOTH_AA_MAX at the post (a new one
 * forgets the oldest spent or expired, else the oldest). *expires_ms: the
 * post's clock when it lapses.
 */
TIMS_MUST_USE tims_rc tims_booth_aa_challenge(struct tims_booth *b,
		const struct tims_booth_who *who, uint8_t out[TIMS_BOOTH_AA_CHALLENGE],
		int64_t *expires_ms, struct tims_err *err);

enum tims_booth_aa_status {
	TIMS_AA_FRESH = 0,   /* issued to this session, in time, first use: now spent */
	TIMS_AA_NONE,        /* no challenge sent */
	TIMS_AA_UNKNOWN,     /* not issued by this post to this session (or forgotten) */
	TIMS_AA_EXPIRED,     /* issued, but its lifetime is over */
	TIMS_AA_SPENT,       /* issued and already used by a check: a replay */
};

/*
 * Spend a challenge for a check of who's session at the service's clock:
 * its status (above). FRESH marks it spent: a second use is SPENT. A
 * challenge of another session is UNKNOWN and left as it is (its session
 * can still use it). Compared in constant time.
 */
unsigned tims_booth_aa_take(struct tims_booth *b, const struct tims_booth_who *who,
			    const uint8_t challenge[TIMS_BOOTH_AA_CHALLENGE]);

/*
 * The chip's outcome, decided by the server from the files the booth sent
 * (passive authentication against the post's own anchors, DG1 against the
 * printed MRZ or the typed fields). A booth cannot assert it: no files is
 * NOT_READ, never AUTHENTICATED. FAILED is treated like a hit: the booth
 * shows "document possibly altered" and the crossing cannot be an
 * admission (refuse, or second line).
 */
#define TIMS_BOOTH_CHIP_REASONS 8
struct tims_booth_chip {
	uint8_t outcome;                      /* enum tims_chip_outcome (record.h) */
	unsigned nreasons;
	const char *reasons[TIMS_BOOTH_CHIP_REASONS]; /* static codes: "signature",
						 "data_group_altered" ... (the
						 consoles' "chip.reason.CODE") */
	char detail[TIMS_EPASS_DETAIL_BYTES]; /* the first error, English, for the audit */
	char issuing_state[4];                /* from DG1 (verified or not) */
	char signer[256];                     /* the Document Signer's subject */
	const char *active_auth;              /* "verified", "failed", "not_offered"
						 (the SOD lists no DG15), or
						 "not_checked" (passive
						 authentication failed first) */
};

/* Active authentication's part of a chip check: the challenge's status
 * (enum tims_booth_aa_status, from tims_booth_aa_take), the challenge
 * and the chip's answer (NULL: none). */
struct tims_booth_aa {
	unsigned status;
	const uint8_t *challenge;
	const uint8_t *response;
	size_t response_len;
};

/*
 * The outcome for files (NULL: NOT_READ) under trust (NULL: FAILED,
 * "no_trust"), judged at `at`. printed_mrz: the MRZ read at the booth, its
 * lines joined; NULL when the document was typed by hand, then DG1's
 * number, birth date and issuer are compared with typed (may be NULL).
 *
 * Active authentication: when the SOD lists DG15 (the chip has a key of
 * its own) the chip is AUTHENTICATED only if DG15 was sent and the chip's
 * answer (aa; NULL: none) verifies with DG15's key over a FRESH challenge
 * of this post. Otherwise FAILED, coded: aa_missing (DG15 or the answer
 * withheld), aa_challenge (not this post's, or another session's),
 * aa_expired, aa_reused (a replay), aa_signature (the answer does not
 * verify: a clone, or an answer to another challenge), aa_unverifiable
 * (DG15 or DG14 do not let it be checked). A SOD without DG15:
 * active_auth "not_offered" (passive authentication only).
 */
void tims_booth_chip_verify(const struct tims_epass_trust *trust,
			    const struct tims_epass_input *files, const char *printed_mrz,
			    const struct tims_person *typed, time_t at,
			    const struct tims_booth_aa *aa, struct tims_booth_chip *out);

enum tims_booth_doc_status {
	TIMS_DOC_OK = 0,           /* not listed as lost, stolen ... */
	TIMS_DOC_LOST,
	TIMS_DOC_STOLEN,
	TIMS_DOC_REVOKED,
	TIMS_DOC_INVALIDATED,
	TIMS_DOC_UNKNOWN,          /* not screened: failed or unavailable */
};
const char *tims_booth_doc_status_name(unsigned s); /* "ok", "lost" ... "unknown" */

/* A check's result (large: allocate it). */
struct tims_booth_check {
	char id[TIMS_BOOTH_ID_HEX + 1];
	int64_t time_ms;
	bool manual;                         /* typed by hand */
	bool valid;                          /* MRZ check digits (manual: false) */
	bool readable;                       /* an MRZ whose fields could be read */
	struct tims_person person;           /* as the record will carry it */
	unsigned doc_status;                 /* enum tims_booth_doc_status */
	char doc_status_source[TIMS_RECORD_FIELD]; /* "list/ref" or "" */
	uint8_t screen_status;               /* enum tims_screen_status */
	char screen_error[TIMS_ERR_MSG_BYTES]; /* why FAILED / UNAVAILABLE */
	struct tims_wl_screening screening;  /* every hit, discreet ones too */
	struct tims_vehicle vehicle;
	struct tims_visa visa;
	struct tims_booth_chip chip;         /* the server's, from the files sent */
	bool has_stay;                       /* a stay summary could be made */
	struct tims_stay_result stay;        /* national: this post's and the replica's */
	size_t history_records;
	struct tims_travel_national national; /* how current the national part is */
	struct tims_travel_move last[TIMS_TRAVEL_LAST]; /* last crossings, latest first */
	size_t nlast;
};

/*
 * Check a document. TIMS_OK: out is filled and remembered under out->id
 * (whatever the screening status). TIMS_ERR_INVALID: the input cannot be
 * checked (manual fields wrong, an MRZ that cannot be read at all —
 * the message says to enter the document by hand), nothing remembered.
 */
TIMS_MUST_USE tims_rc tims_booth_check(struct tims_booth *b, const struct tims_booth_env *env,
				       const struct tims_booth_who *who,
				       const struct tims_booth_check_in *in,
				       struct tims_booth_check *out, struct tims_err *err);

/*
 * What the booth may be shown: out = in less every discreet hit (its list,
 * reference, alert, reasons, name: nothing of it remains). in == out is
 * allowed.
 */
void tims_booth_reduce(const struct tims_booth_check *in, struct tims_booth_check *out);

/* The record hits of a check (document hits first, at most
 * TIMS_RECORD_MAX_HITS), discreet ones included; returns how many. */
size_t tims_booth_record_hits(const struct tims_booth_check *c,
			      struct tims_record_hit hits[TIMS_RECORD_MAX_HITS]);

struct tims_booth_reg {
	const char *check_id;                /* required */
	uint8_t direction;                   /* enum tims_direction */
	uint8_t decision;                    /* enum tims_decision */
	const char *refusal_codes;           /* "B" or "B,E"; refuse only */
	const char *confirm_hit;             /* "list/ref"; admit with a hit */
	bool crossed_set;                    /* crossed_ms given (else: now) */
	int64_t crossed_ms;                  /* when, if not at the post's time */
	const struct tims_vehicle *vehicle;  /* NULL: the checked one (if any) */
	uint8_t role;                        /* enum tims_vehicle_role */
	uint64_t accompanies;                /* TIMS_RECORD_NO_INDEX: none */
	uint8_t relation;                    /* to the one accompanied (enum
						tims_relation, as the record's
						companions[0] names them): 0 or
						COMPANION; GUARDIAN: this traveller
						is a minor in their care; MINOR:
						this traveller is the guardian of
						the minor accompanied */
	const char *remarks;
	const char *client_id;               /* idempotent retries; may be NULL */
};

/*
 * The audit event the caller owes for a crossing, built from the record
 * the service made (tims_post_register keeps it with the record). Appends
 * to out; an error stops the registration (nothing stored).
 */
typedef tims_rc (*tims_booth_owed_fn)(void *ctx, const struct tims_record *rec,
				      struct tims_buf *out);

struct tims_booth_result {
	struct tims_post_ack ack;            /* index, leaf, duplicate */
	struct tims_record rec;              /* what was registered */
	bool refused;                        /* the request was refused: nothing stored */
	int http_status;                     /* when refused: 400, 403, 404, 409, 410 */
};

/*
 * Register a crossing bound to a check. Returns the post's error (as
 * tims_post_register) when the commit failed; TIMS_OK otherwise, with
 * res->refused set when the request itself was refused (err says which
 * field and why; res->http_status the status to answer). res->ack.rc
 * TIMS_OK means stored (or a duplicate of a retry). owed may be NULL (the
 * CLI: tims_post_append, no audit event owed).
 */
tims_rc tims_booth_register(struct tims_booth *b, const struct tims_booth_env *env,
			    const struct tims_booth_who *who,
			    const struct tims_booth_reg *reg,
			    tims_booth_owed_fn owed, void *owed_ctx,
			    struct tims_booth_result *res, struct tims_err *err);

/* ---- the edge: JSON renderings (jansson), for the node and the CLI ---- */

struct json_t;
/* A hit as the officer sees it: part, list, ref, version, alert, score,
 * reasons, discreet, and the entry's listed fields. */
struct json_t *tims_booth_hit_json(const struct tims_wl_hit *h);
/*
 * The check answer (docs/api.md): check_id, manual, document (the MRZ's
 * JSON when mrz is given, else the typed fields) with valid and valid_means,
 * document_status, screening {status, available, hits, document, person,
 * vehicle, candidates}, stay, history_records, visa, chip. Render only a reduced
 * check for a booth (tims_booth_reduce). NULL when out of memory.
 */
/* The chip's outcome for the booth and the audit: outcome, reasons,
 * issuing_state, signer, altered, detail (never the files or the photo). */
struct json_t *tims_booth_chip_json(const struct tims_booth_chip *c);
struct json_t *tims_booth_check_json(const struct tims_booth_check *c,
				     const struct tims_mrz *mrz);

#endif
