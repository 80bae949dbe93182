/*
 * travel.h — a traveller's history at a post and the stay rule on a date.
 *
 * Gathers every record of a document (tims_post_history), works out which
 * ones still stand (a record that a later record corrects no longer counts;
 * the correction keeps the corrected crossing's time unless it sets its
 * own), and computes the stay rule (tims/stay.h) from the admitted entries
 * and exits, under the regime the post's stay-regimes.conf gives the
 * traveller's nationality. Used by `tims history` and the node's API.
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

struct tims_travel {
	struct tims_travel_row *rows; /* log order; malloc'ed */
	size_t n;
	char nationality[4];          /* the one the regime was chosen by */
	struct tims_stay_result stay;
};

/*
 * History of doc (and nationality nat, if not NULL) at post p and the stay
 * on day `on` (days since 1970-01-01), with the traveller's visa if given.
 * TIMS_ERR_TOOBIG past TIMS_TRAVEL_MAX records.
 */
tims_rc tims_travel_get(struct tims_post *p, const char *doc, const char *nat,
			int64_t on, const struct tims_stay_visa *visa,
			struct tims_travel *out, struct tims_err *err);
void tims_travel_release(struct tims_travel *t);

/* {"document", "crossings": [{"index", "record", "corrected_by"?}], "stay": {...}};
 * NULL when out of memory. The caller owns the result. */
json_t *tims_travel_json(const struct tims_travel *t, const char *doc, int64_t on);

/* The "stay" object of tims_travel_json (also the centre's, tims/cstore.h). */
json_t *tims_travel_stay_json(const struct tims_stay_result *s, int64_t on);

/* "short stay", "exempt", "visa". */
const char *tims_stay_kind_name(unsigned kind);

#endif
