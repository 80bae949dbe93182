/*
 * national.h — a post's replica of the national travel history.
 *
 * Every post keeps, in DIR/national.db, what it needs of every other post's
 * crossings to answer the stay rule as the centre would: per crossing that
 * counts (standing, admitted), a key of the document number, the issuer,
 * the nationality, the direction, the crossing time, the post and its log
 * index, and the visa fields of the record. No names, no birth dates.
 *
 * The centre serves it as a feed (GET /api/v1/sync/travel, docs/sync.md):
 * rows in the order of a sequence number the centre gives each change of a
 * crossing (added, corrected, erased); the post keeps the last sequence
 * number applied (the cursor) and when it last found itself caught up (the
 * "as of" of its national answers). A row that no longer counts (corrected,
 * erased, refused) removes the crossing from the replica, so the replica is
 * the set of crossings that count, keyed by (post, index).
 *
 * The document key is a keyed BLAKE2b-128 of the document number, under a
 * key of this post's vault (a blind index key, include/tims/vault.h; an
 * older DIR/national.key is dropped with the rows it keyed): the replica
 * never holds a document number, so a copy of national.db alone lists
 * nobody's passport, and looking one up needs the number and the post's
 * key token. Without the token the replica does not open
 * (TIMS_ERR_UNAVAILABLE): lookups fail closed.
 *
 * The replica is derived: losing it loses nothing (tims_national_reset,
 * the next rounds pull it again), so it is written with synchronous=NORMAL.
 * A handle is not thread-safe; one writer (the sync thread) and any number
 * of readers may use the file at once (WAL).
 */
#ifndef TIMS_NATIONAL_H
#define TIMS_NATIONAL_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/note.h"
#include "tims/record.h"
#include "tims/stay.h"

#define TIMS_NATIONAL_KEY_BYTES 32
#define TIMS_NATIONAL_DOC_KEY_BYTES 16
#define TIMS_NATIONAL_MAX_PAGE 1000      /* rows in one page */
#define TIMS_NATIONAL_MAX_PAGE_BYTES (1u << 20)
#define TIMS_NATIONAL_MAX_POSTS 65536    /* distinct posts in the replica */
#define TIMS_NATIONAL_MAX_INDEX ((1ull << 40) - 1)

struct tims_national;

/* One row of the feed, as the centre serves it and the post applies it. */
struct tims_national_row {
	uint64_t seq;                        /* the centre's feed position, > 0 */
	char post[TIMS_NOTE_MAX_NAME + 1];   /* origin of the crossing's log */
	uint64_t index;                      /* its index in that log */
	int counts;                          /* 0: withdrawn, remove it */
	/* when counts: */
	char issuer[4];                      /* 0-3 letters A-Z (as in the record) */
	char doc[TIMS_RECORD_FIELD];         /* document number, A-Z 0-9 */
	char nationality[4];                 /* 0-3 letters A-Z */
	uint8_t direction;                   /* enum tims_direction */
	int64_t at_ms;                       /* the crossing time that counts */
	struct tims_stay_visa visa;          /* kind TIMS_STAY_VISA_NONE: none */
};

/* A crossing of one document found in the replica. */
struct tims_national_move {
	char post[TIMS_NOTE_MAX_NAME + 1];
	uint64_t index;
	char issuer[4];
	char nationality[4];
	uint8_t direction;
	int64_t at_ms;
	struct tims_stay_visa visa;
};

/* Where the replica stands. */
struct tims_national_state {
	uint64_t cursor;         /* last feed position applied (0: none) */
	char feed[33];           /* the feed the cursor follows ("": none yet) */
	int64_t as_of_ms;        /* last time it was caught up with the centre, 0: never */
	int64_t window_ms;       /* how long "as of" counts as current */
	int64_t failed_ms;       /* last pull that failed after as_of_ms, 0: none */
	char last_error[TIMS_ERR_MSG_BYTES];
	uint64_t rows;           /* crossings held (only when asked) */
};

/*
 * Open (creating it and the key if missing) DIR/national.db of the post in
 * `post_dir`. A reader (`writer` 0) of a post whose replica does not exist
 * yet gets TIMS_ERR_NOTFOUND: a post that never pulled holds no national
 * data.
 */
tims_rc tims_national_open(const char *post_dir, int writer,
			   struct tims_national **out, struct tims_err *err);
void tims_national_close(struct tims_national *nd);

/* One page of the feed, parsed and checked (tims_national_page_parse). */
struct tims_national_page {
	char feed[33];                   /* the feed's identity (32 hex digits) */
	uint64_t since, next;            /* the cursor asked for, and after the page */
	int more;                        /* more rows wait after next */
	struct tims_national_row *rows;  /* malloc'ed */
	size_t n;
};
void tims_national_page_release(struct tims_national_page *pg);

/*
 * Apply one page in one transaction: every row is checked first (fields
 * present and well formed, seq strictly increasing and > the cursor, at
 * most TIMS_NATIONAL_MAX_PAGE rows); one bad row refuses the whole page
 * (TIMS_ERR_INVALID naming the row and the field) and the replica keeps
 * its previous state. A page of another feed than the one the cursor
 * follows is TIMS_ERR_STATE (tims_national_reset, then start from 0).
 * The cursor becomes pg->next, the feed pg->feed. Rows of `skip_post`
 * (this post's own crossings, which its log holds) are not stored.
 */
tims_rc tims_national_apply(struct tims_national *nd, const struct tims_national_page *pg,
			    const char *skip_post, struct tims_err *err);

/*
 * Bulk load (benchmarks, tests): rows as tims_national_apply takes them,
 * in one transaction, without touching the cursor. seq is not checked.
 */
tims_rc tims_national_add(struct tims_national *nd, const struct tims_national_row *rows,
			  size_t n, struct tims_err *err);

/*
 * Parse and check a page answer of the centre:
 *   {"feed": ID, "since": S, "next": N, "more": bool, "rows": [{"seq",
 *    "post", "index", "counts", "issuer", "document", "nationality",
 *    "direction", "at_ms", "visa"?}]}
 * (a row that does not count has seq, post, index and counts only).
 * Strict: unknown keys, wrong types, values out of range, more than
 * `limit` rows, since != the cursor asked for, rows out of order or not
 * after `since` — all TIMS_ERR_INVALID naming the row, and nothing in out
 * (release it in any case).
 */
tims_rc tims_national_page_parse(const char *json, size_t len, uint64_t since,
				 unsigned limit, struct tims_national_page *out,
				 struct tims_err *err);

/* Note that the replica is caught up with the centre at now_ms (current
 * for window_ms), or that a pull failed (error not NULL). */
tims_rc tims_national_mark(struct tims_national *nd, int64_t now_ms, int64_t window_ms,
			   const char *error, struct tims_err *err);

/* Cursor, as of, the last failure; rows counted if `count`. */
tims_rc tims_national_state(struct tims_national *nd, int count,
			    struct tims_national_state *out, struct tims_err *err);

/* Current at now_ms: caught up within its window and no failure since. */
int tims_national_current(const struct tims_national_state *st, int64_t now_ms);

/* Empty the replica and its cursor (the next pull starts from 0). */
tims_rc tims_national_reset(struct tims_national *nd, struct tims_err *err);

/*
 * Every crossing of document number `doc` (and nationality nat, if not
 * NULL or "") held, in no particular order. fn's error stops the walk and
 * is returned.
 */
typedef tims_rc (*tims_national_fn)(void *ctx, const struct tims_national_move *m);
tims_rc tims_national_lookup(struct tims_national *nd, const char *doc, const char *nat,
			     tims_national_fn fn, void *ctx, struct tims_err *err);

#endif
