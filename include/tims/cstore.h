/*
 * cstore.h — the centre's query store: every post's crossing records,
 * indexed for national queries.
 *
 * The store is a derived copy. The durable, verified copy of each post's log
 * is the centre's mirror (tims/sync.h); the store is filled from it as
 * batches are accepted and can be rebuilt from it at any time
 * (tims_centre_reindex). Two backends with the same schema and the same
 * answers:
 *
 *   "sqlite:PATH" or a plain path     embedded SQLite (WAL), the default
 *   "pg:CONNINFO", "postgresql://…",  PostgreSQL through libpq
 *   "postgres://…"
 *
 * Personal data at rest (G8, schema 2): a record's personal fields and
 * its JSON are sealed under the centre's vault (tims/vault.h; associated
 * data "cstore.crossings/ORIGIN/INDEX"); the lookups by document and by
 * person use keyed blind indexes; what stays clear is not identifying (the
 * origin, index, times, leaf, direction, decision, issuing state,
 * nationality, whether the screening named a hit). A query opens the rows
 * its indexed lookup found. The vault is set once after opening
 * (tims_cstore_set_vault); while its token is unavailable, adding a record
 * and every query that opens records fail with TIMS_ERR_UNAVAILABLE —
 * never an empty answer.
 *
 * Records are keyed by (origin, index): adding the same entry again is a
 * no-op, adding a different one at a taken key is refused (TIMS_ERR_TAMPER).
 * A record erased for retention at its post is kept as its leaf hash only,
 * with nothing personal indexed.
 *
 * Queries answer jansson objects (the caller owns them); their shapes are
 * in docs/cstore.md. Times are milliseconds since 1970 (UTC), days are days
 * since 1970 (tims/record.h). Not thread-safe: one caller at a time, except
 * tims_cstore_state, which any thread may call.
 *
 * A store may lack records its mirror holds (the mirror commits first; a
 * failed commit of the store, a crash between the two): the store is
 * repaired by what is missing, tims_cstore_missing giving the ranges of
 * indexes absent below the mirror's size, whatever their order. With
 * PostgreSQL, a lost connection makes statements fail with TIMS_ERR_NET and
 * marks the store down until tims_cstore_reconnect brings it back.
 */
#ifndef TIMS_CSTORE_H
#define TIMS_CSTORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/note.h"
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/vault.h"

#define TIMS_CSTORE_MAX_URI 1024
#define TIMS_CSTORE_MAX_HISTORY TIMS_STAY_MAX_MOVES
#define TIMS_CSTORE_MAX_PAGE 1000

struct tims_cstore;

/* Open (and create the schema of) the store at uri; see above. */
tims_rc tims_cstore_open(const char *uri, struct tims_cstore **out,
			 struct tims_err *err);
void tims_cstore_close(struct tims_cstore *s);

/* The vault that seals records and computes blind indexes (the centre's;
 * not owned by the store). Without one, adding a record and opening one
 * fail with TIMS_ERR_STATE. */
struct tims_vault;
void tims_cstore_set_vault(struct tims_cstore *s, struct tims_vault *v);

/* Whether a schema-1 store (personal data in clear) was found at open and
 * emptied (securely: SQLite secure_delete and VACUUM): the caller refills
 * it from the mirrors (tims_centre_reindex). */
int tims_cstore_was_reset(const struct tims_cstore *s);

/* "sqlite" or "postgresql". */
const char *tims_cstore_backend(const struct tims_cstore *s);

/* Transactions: the centre adds a whole batch in one. */
tims_rc tims_cstore_begin(struct tims_cstore *s, struct tims_err *err);
tims_rc tims_cstore_commit(struct tims_cstore *s, struct tims_err *err);
void tims_cstore_rollback(struct tims_cstore *s);

/*
 * Add the record at (origin, index) of a post's log, with the entry's time
 * and leaf hash. rec == NULL: the record was erased at the post, only the
 * leaf is known. *dup (if not NULL) is set to 1 when the same entry was
 * already there. A different leaf at a taken (origin, index) is
 * TIMS_ERR_TAMPER. Records must be added in log order per origin for
 * corrections to find the record they correct.
 */
tims_rc tims_cstore_add(struct tims_cstore *s, const char *origin,
			uint64_t index, uint64_t post_time_ms,
			const uint8_t leaf[32], const struct tims_record *rec,
			int *dup, struct tims_err *err);

/* Records held for origin (NULL: all origins). */
tims_rc tims_cstore_count(struct tims_cstore *s, const char *origin,
			  uint64_t *n, struct tims_err *err);

/*
 * What origin's records in the store are against a mirror of `size`
 * records: fn (may be NULL) is called for each range [lo, hi) of indexes
 * below size that the store lacks, in order; out has the counts.
 * Cost: one pass over the origin's keys (an index) when nothing is missing,
 * and one ordered scan of them more otherwise.
 */
struct tims_cstore_extent {
	uint64_t held;     /* rows of origin in the store */
	uint64_t missing;  /* indexes below size not held */
	uint64_t beyond;   /* rows at or beyond size (the mirror holds less) */
};
typedef tims_rc (*tims_cstore_range_fn)(void *ctx, uint64_t lo, uint64_t hi);
tims_rc tims_cstore_missing(struct tims_cstore *s, const char *origin, uint64_t size,
			    tims_cstore_range_fn fn, void *ctx,
			    struct tims_cstore_extent *out, struct tims_err *err);

/*
 * After records [lo, hi) of origin were added late (a repair, after later
 * records): link each to the later correction the store already held
 * (corrected_by), and give such a correction without a time of its own
 * the time of the record it corrects — as if added in log order.
 */
tims_rc tims_cstore_relink(struct tims_cstore *s, const char *origin, uint64_t lo,
			   uint64_t hi, struct tims_err *err);

/* The store's health, for status pages and metrics. */
struct tims_cstore_state {
	int up;                 /* 0: PostgreSQL connection lost */
	int64_t since_ms;       /* in this state since (opened, lost, regained) */
	int64_t last_error_ms;  /* 0: none yet */
	char last_error[200];
	uint64_t failures;      /* statements that failed, since opened */
	uint64_t reconnects;    /* connections regained */
	int64_t next_try_ms;    /* while down: the next reconnection attempt */
};
void tims_cstore_state(struct tims_cstore *s, struct tims_cstore_state *out);

/*
 * PostgreSQL: if the connection is lost, reconnect (PQreset). Attempts are
 * spaced by a backoff (0.25 s doubling to 8 s) unless `now` is set.
 * TIMS_OK when the store is usable (always with SQLite), TIMS_ERR_NET with
 * the reason otherwise. What the lost connection had open (a transaction,
 * prepared statements) is gone: the caller repeats its batch.
 */
tims_rc tims_cstore_reconnect(struct tims_cstore *s, int now, struct tims_err *err);

/* PostgreSQL: one round trip, so that a lost connection is noticed (and
 * shown in the state) even while nothing is written. */
tims_rc tims_cstore_ping(struct tims_cstore *s, struct tims_err *err);

/* Remove everything (tests, and a reindex from the mirrors). */
tims_rc tims_cstore_wipe(struct tims_cstore *s, struct tims_err *err);

/*
 * Travel history of a document (issuer may be NULL or "" for any issuer)
 * across every post, in crossing-time order, with the stay rule on day `on`
 * under the regimes rs, exactly as a post computes it for its own records
 * (tims/travel.h):
 *   {"document", "issuer", "crossings": [{"origin", "index", "record",
 *    "corrected_by"?}], "stay": {...}}
 */
tims_rc tims_cstore_history_doc(struct tims_cstore *s, const char *doc,
				const char *issuer, int64_t on,
				const struct tims_stay_regimes *rs,
				json_t **out, struct tims_err *err);

/*
 * Travel history of a person: surname and given names (compared after the
 * record's normalisation: upper case, single spaces), birth date YYYY-MM-DD,
 * nationality optional. Every document the person used, each with its own
 * crossings, and the stay rule over all of them together:
 *   {"person": {...}, "documents": [...], "crossings": [...], "stay": {...}}
 */
tims_rc tims_cstore_history_person(struct tims_cstore *s, const char *surname,
				   const char *given, const char *birth_date,
				   const char *nationality, int64_t on,
				   const struct tims_stay_regimes *rs,
				   json_t **out, struct tims_err *err);

/*
 * Find a person by name (lib/cstore/search.c): the screening engine's
 * normalisation and scorer over the sealed records, so that "Hoxha /
 * Arbër", "HOXHA ARBER", "Хоџа" or a typo find the same person. Surname or
 * given names required; birth_date "YYYY", "YYYY-MM" or "YYYY-MM-DD"
 * optional (a full date makes the search find typos in the surname too);
 * nationality optional (it weighs in the score, as in screening). One
 * match per document, the best-scoring record speaking for it, with the
 * reasons of its score, most similar first:
 *   {"query": {...}, "candidates": N, "found": N, "shown": N,
 *    "threshold": T, "matches": [{"surname", "given_names", "birth_date",
 *    "nationality", "sex", "document", "issuer", "score", "reasons",
 *    "crossings", "first_ms", "last_ms", "last_post"}]}
 * TIMS_ERR_TOOBIG when more than TIMS_CSTORE_SEARCH_CANDIDATES crossings
 * would have to be compared (give more of the name or the full date);
 * TIMS_ERR_INVALID names the field of a malformed query.
 */
#define TIMS_CSTORE_SEARCH_CANDIDATES 20000
#define TIMS_CSTORE_SEARCH_RESULTS 50
struct tims_cstore_search_query {
	const char *surname, *given, *birth_date, *nationality;
	double threshold;   /* 0: the screening default (TIMS_SCREEN_THRESHOLD) */
	unsigned limit;     /* matches shown, 0: TIMS_CSTORE_SEARCH_RESULTS (the most) */
	unsigned max_candidates; /* 0: TIMS_CSTORE_SEARCH_CANDIDATES (the most) */
};
tims_rc tims_cstore_search(struct tims_cstore *s, const struct tims_cstore_search_query *q,
			   json_t **out, struct tims_err *err);

/*
 * Who is in the country at time at_ms: documents whose last standing,
 * admitted crossing at or before at_ms is an entry. Paged by entry time:
 *   {"at", "total", "offset", "limit", "present": [{"origin", "index",
 *    "document", "issuer", "surname", "given_names", "nationality",
 *    "entered"}]}
 */
tims_rc tims_cstore_present(struct tims_cstore *s, int64_t at_ms,
			    unsigned offset, unsigned limit, json_t **out,
			    struct tims_err *err);

/*
 * Overstays on day `on`: travellers in the country whose stay under rs has
 * gone past its limit (used > max_days, or leave_by before `on`), most
 * overstayed first, at most `limit`:
 *   {"on", "total", "overstays": [{"document", "issuer", "surname",
 *    "given_names", "nationality", "entered", "origin", "used",
 *    "max_days", "overstay"}]}
 */
tims_rc tims_cstore_overstays(struct tims_cstore *s, int64_t on,
			      const struct tims_stay_regimes *rs,
			      unsigned limit, json_t **out,
			      struct tims_err *err);

/*
 * Crossings counted between from_ms (inclusive) and to_ms (exclusive),
 * grouped by up to three of "post", "hour", "day", "nationality",
 * "direction", "decision" (comma-separated, e.g. "post,hour"). A corrected
 * record is not counted: its correction stands for it (once).
 *   {"from", "to", "by": [...], "total", "groups": [{"post": ...,
 *    "hour": ms, "count": n}, ...]}
 * Erased records count under their post and time only.
 */
tims_rc tims_cstore_counts(struct tims_cstore *s, const char *by,
			   int64_t from_ms, int64_t to_ms, json_t **out,
			   struct tims_err *err);

/*
 * Crossings between from_ms and to_ms whose screening summary (what the
 * booth recorded, e.g. "1 hit: persons/WL-7 0.97") names a hit, newest
 * first, at most `limit` — without names:
 *   {"from", "to", "hits": [{"origin", "index", "time", "direction",
 *    "decision", "screening"}]}
 */
tims_rc tims_cstore_hits(struct tims_cstore *s, int64_t from_ms, int64_t to_ms,
			 unsigned limit, json_t **out, struct tims_err *err);

/*
 * The national travel feed (docs/sync.md, "National travel history"):
 * each change of a crossing (added, corrected, erased) after feed position
 * `since`, in order, at most `limit` (1..TIMS_CSTORE_MAX_PAGE), each as the
 * crossing now stands. `counts`: held, not erased, admitted and not
 * corrected — then its document, nationality, direction, time that counts
 * and the visa recorded with it. *next is the last position passed to fn
 * (since if none). Positions only grow; one crossing may come again.
 * TIMS_ERR_STATE: `since` is past the end of this feed (the store was
 * rebuilt): the asker must start again from 0.
 */
struct tims_cstore_travel_row {
	uint64_t seq;
	char origin[TIMS_RECORD_FIELD + 1];  /* a log origin (tims/note.h: up to 128 bytes) */
	uint64_t index;
	int counts;
	char issuer[4], doc[TIMS_RECORD_FIELD], nationality[4];
	uint8_t direction;
	int64_t at_ms;
	struct tims_stay_visa visa;    /* kind TIMS_STAY_VISA_NONE: none */
};
typedef tims_rc (*tims_cstore_travel_fn)(void *ctx, const struct tims_cstore_travel_row *r);
/* The feed's identity (32 hex digits, random, made with the feed): a post
 * holding another feed's cursor starts again. */
tims_rc tims_cstore_travel_feed(struct tims_cstore *s, char id[33], struct tims_err *err);
tims_rc tims_cstore_travel_page(struct tims_cstore *s, uint64_t since, unsigned limit,
				tims_cstore_travel_fn fn, void *ctx, uint64_t *next,
				struct tims_err *err);

/* ---- retention (lib/cstore/retention.c, docs/retention.md) ---- */

/* A crossing not yet erased, as retention sees it: clear facts only. */
struct tims_cstore_retention_row {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	uint64_t idx;
	int64_t when_ms;
	uint8_t direction, decision;
	uint64_t corrects;      /* UINT64_MAX: none */
	char key[72];           /* "ISSUER DOC", "" when unknown */
};
typedef tims_rc (*tims_cstore_retention_fn)(void *ctx, const struct tims_cstore_retention_row *r);
/* Every crossing not erased, by origin and index. */
tims_rc tims_cstore_retention_rows(struct tims_cstore *s, tims_cstore_retention_fn fn,
				   void *ctx, struct tims_err *err);
/* The newest post time held (erased or not; 0: none). */
tims_rc tims_cstore_newest(struct tims_cstore *s, int64_t *post_time_ms, struct tims_err *err);
/* Erase a crossing's personal fields and record, keeping origin, index,
 * times, leaf, direction and decision; *erased 0 if it was already. */
tims_rc tims_cstore_erase(struct tims_cstore *s, const char *origin, uint64_t idx,
			  int *erased, struct tims_err *err);

/* ---- statistics (lib/cstore/report.c, docs/dashboard.md "Reports") ---- */

/*
 * Counts over the standing crossings (a corrected record is not counted:
 * its correction stands for it, once), for the ministry's reports. Clear
 * columns only: nothing is opened, no personal data is read or answered.
 *
 *   CROSSINGS  every standing crossing
 *   REFUSALS   standing refusals, by reason: a refusal with several codes
 *              ("B,E") counts under each of them
 *   VEHICLES   standing crossings of a vehicle's driver (one a vehicle)
 *   HITS       standing crossings whose screening named a hit or failed,
 *              by kind: a crossing with hits on two parts counts under
 *              each; "failed" a screening that failed, "other" a version 1
 *              record (a summary text only)
 *
 * Days are UTC days since 1970, from_day and to_day both included. The
 * period splits them into days, calendar months or years (the first and
 * last cut at from_day and to_day); ALL is one bucket. Groupings (`by`) are
 * TIMS_REPORT_BY_* bits; REASON is for REFUSALS, KIND for HITS, COUNTRY
 * (the vehicle's registration) for VEHICLES. Rows come in order of
 * period, then the groupings in the order of the bits, only those with a
 * count. TIMS_ERR_INVALID names the field; TIMS_ERR_TOOBIG past
 * TIMS_REPORT_MAX_ROWS rows (narrow the period or the groupings).
 */
#define TIMS_REPORT_MAX_ROWS 20000
#define TIMS_REPORT_MAX_DAYS 3660      /* ten years */
#define TIMS_REPORT_MAX_DAILY 366      /* days of a daily report */
#define TIMS_REPORT_MIN_CELL_MAX 100

enum tims_report_table {
	TIMS_REPORT_CROSSINGS = 0,
	TIMS_REPORT_REFUSALS = 1,
	TIMS_REPORT_VEHICLES = 2,
	TIMS_REPORT_HITS = 3,
};

enum tims_report_period {
	TIMS_REPORT_ALL = 0,
	TIMS_REPORT_DAY = 1,
	TIMS_REPORT_MONTH = 2,
	TIMS_REPORT_YEAR = 3,
};

enum {
	TIMS_REPORT_BY_POST = 1 << 0,
	TIMS_REPORT_BY_NATIONALITY = 1 << 1,
	TIMS_REPORT_BY_DIRECTION = 1 << 2,
	TIMS_REPORT_BY_DECISION = 1 << 3,
	TIMS_REPORT_BY_REASON = 1 << 4,
	TIMS_REPORT_BY_KIND = 1 << 5,
	TIMS_REPORT_BY_COUNTRY = 1 << 6,
	TIMS_REPORT_BY_ALL = (1 << 7) - 1,
};

struct tims_report_query {
	enum tims_report_table table;
	enum tims_report_period period;
	unsigned by;                   /* TIMS_REPORT_BY_* */
	int64_t from_day, to_day;      /* included */
};

struct tims_report_row {
	char period[11];               /* "2026-12-07", "2026-12", "2026"; "" for ALL */
	char post[TIMS_NOTE_MAX_NAME + 1]; /* the post's log origin */
	char nationality[4];           /* "" when erased (retention) */
	uint8_t direction;             /* enum tims_direction */
	uint8_t decision;              /* enum tims_decision */
	char reason[4];                /* a refusal code, "A".."J" */
	char kind[10];                 /* document, person, vehicle, failed, other */
	char country[4];               /* a vehicle's registration */
	uint64_t count;
};
typedef tims_rc (*tims_report_fn)(void *ctx, const struct tims_report_row *r);

/* The names of the tables, periods and groupings (the API's and the CLI's
 * words): -1 / 0 when unknown. */
int tims_report_table_parse(const char *s);
const char *tims_report_table_name(enum tims_report_table t);
int tims_report_period_parse(const char *s);
const char *tims_report_period_name(enum tims_report_period p);
/* "post,nationality" → bits; 0 and err naming the unknown word on error;
 * "" → 0 without an error. */
tims_rc tims_report_by_parse(const char *s, unsigned *by, struct tims_err *err);
const char *tims_report_by_name(unsigned bit);

tims_rc tims_report_check(const struct tims_report_query *q, struct tims_err *err);
tims_rc tims_cstore_report(struct tims_cstore *s, const struct tims_report_query *q,
			   tims_report_fn fn, void *ctx, struct tims_err *err);

/*
 * Overstays on day `on` (as tims_cstore_overstays computes them) counted
 * by nationality, most first; rows carry nationality and count only (the
 * period is the day). No name leaves the store.
 */
tims_rc tims_cstore_report_overstays(struct tims_cstore *s, int64_t on,
				     const struct tims_stay_regimes *rs,
				     tims_report_fn fn, void *ctx, struct tims_err *err);

/* ---- the reports after arrival (lib/cstore/arrivals.c, docs/paxlst.md) ---- */

/* An entry crossing as the reports see it: clear facts and the blind index
 * of its document number (the store's "doc" index), nothing opened. */
struct tims_cstore_entry {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	uint64_t idx;
	int64_t when_ms;
	uint8_t decision;             /* enum tims_decision: a refusal is an arrival too */
	char issuer[16];              /* the document's issuing state, as recorded */
	char nationality[16];
	char doc_key[TIMS_VAULT_BLIND_HEX];
};
typedef tims_rc (*tims_cstore_entry_fn)(void *ctx, const struct tims_cstore_entry *e);
/*
 * The standing entry crossings (not erased, not corrected; any decision)
 * registered at origin with a crossing time in [from_ms, to_ms), by time.
 * TIMS_ERR_UNAVAILABLE / TIMS_ERR_STATE when the vault cannot blind (the
 * store's indexes could not be matched), a statement's error otherwise:
 * never an empty answer for a store that cannot be read.
 */
TIMS_MUST_USE tims_rc tims_cstore_entries(struct tims_cstore *s, const char *origin,
					  int64_t from_ms, int64_t to_ms,
					  tims_cstore_entry_fn fn, void *ctx,
					  struct tims_err *err);
/* The blind index of a document number, as the store indexes a record's
 * (exact bytes: the caller normalises). */
TIMS_MUST_USE tims_rc tims_cstore_doc_key(struct tims_cstore *s, const char *doc,
					  char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err);
/* The names of one crossing, opened from its sealed record. */
struct tims_cstore_names {
	char surname[TIMS_RECORD_FIELD], given_names[TIMS_RECORD_FIELD];
	char birth_date[16];
};
TIMS_MUST_USE tims_rc tims_cstore_entry_names(struct tims_cstore *s, const char *origin,
					      uint64_t idx, struct tims_cstore_names *out,
					      struct tims_err *err);

#endif
