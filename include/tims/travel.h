/*
 * travel.h — a traveller's history at a post and the stay rule on a date.
 *
 * Gathers every record of a document (tims_post_history), works out which
 * ones still stand (a record that a later record corrects no longer counts;
 * the correction keeps the corrected crossing's time unless it sets its
 * own), adds the crossings of the same document at every other post from
 * the post's national replica (tims/national.h; the post's own crossings
 * come from its log only, never twice), and computes the stay rule with
 * tims_stay_assess — the centre's own computation — under the regimes of
 * the post directory (stay-regimes.conf, visa-required.conf). The answer
 * says how current the national part is: as of when the replica was last
 * caught up with the centre. Used by `tims history` and the node's API.
 */
#ifndef TIMS_TRAVEL_H
#define TIMS_TRAVEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/stay.h"

#define TIMS_TRAVEL_MAX TIMS_STAY_MAX_MOVES

struct tims_travel_row {
	uint64_t index;
	struct tims_record rec;
	uint64_t corrected_by;   /* TIMS_RECORD_NO_INDEX if it stands */
	int64_t when;            /* the crossing time that counts (ms) */
};

#define TIMS_TRAVEL_LAST 5       /* last crossings shown with the answer */

/* A crossing that counts, from this post's log or another's (replica). */
struct tims_travel_move {
	int64_t at_ms;
	uint8_t direction;
	char post[TIMS_NOTE_MAX_NAME + 1];   /* the log origin it is in */
	uint64_t index;
	int own;                             /* in this post's log */
};

/* How current the national part of the answer is. */
struct tims_travel_national {
	int held;                 /* the post holds a replica */
	int current;              /* caught up with the centre within its window */
	int64_t as_of_ms;         /* when it last was (0: never) */
	size_t n;                 /* crossings of this document at other posts */
	char error[TIMS_ERR_MSG_BYTES]; /* the replica could not be read: why */
};

struct tims_travel {
	struct tims_travel_row *rows; /* this post's records, log order; malloc'ed */
	size_t n;
	char nationality[4];          /* the one the regime was chosen by */
	struct tims_stay_result stay; /* over this post's and the national crossings */
	struct tims_travel_national national;
	struct tims_travel_move last[TIMS_TRAVEL_LAST]; /* latest first */
	size_t nlast;
};

/*
 * History of doc (and nationality nat, if not NULL) at post p and the stay
 * on day `on` (days since 1970-01-01), with the traveller's visa if given.
 * TIMS_ERR_TOOBIG past TIMS_TRAVEL_MAX records. Many threads may call it at
 * once with the same post: its reads hold the post's lock, the national
 * replica's its own.
 */
tims_rc tims_travel_get(struct tims_post *p, const char *doc, const char *nat,
			int64_t on, const struct tims_stay_visa *visa,
			struct tims_travel *out, struct tims_err *err);
void tims_travel_release(struct tims_travel *t);

/* {"document", "crossings": [{"index", "record", "corrected_by"?}], "stay": {...},
 *  "national": {...}, "last_crossings": [...]};
 * NULL when out of memory. The caller owns the result. */
json_t *tims_travel_json(const struct tims_travel *t, const char *doc, int64_t on);

/*
 * {"as_of": "YYYY-MM-DDTHH:MM:SSZ" or null, "as_of_ms", "current": bool,
 *  "crossings": n, "note"?: "national data as of …" (when not current),
 *  "error"?}: what a booth shows beside the stay. Takes the part of a
 * tims_travel so that a caller may keep it (the booth's check) without the
 * rows.
 */
json_t *tims_travel_national_json(const struct tims_travel_national *n);

/* [{"date": "YYYY-MM-DD", "direction": "entry"|"exit", "post": origin,
 *   "own": bool}], as given (tims_travel: latest first). */
json_t *tims_travel_last_json(const struct tims_travel_move *last, size_t n);

/* The "stay" object of tims_travel_json (also the centre's, tims/cstore.h). */
json_t *tims_travel_stay_json(const struct tims_stay_result *s, int64_t on);

/* "short stay", "exempt", "visa". */
const char *tims_stay_kind_name(unsigned kind);

#endif
