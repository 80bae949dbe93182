/*
 * stay.h — the short-stay rule: how many days a traveller has used, has left
 * and has overstayed, from their entry/exit history.
 *
 * The rule (Schengen Borders Code art. 6, the EU short-stay calculator): at
 * most `max_days` days of presence in any window of `window_days` days; the
 * window ends on the reference date and reaches back window_days - 1 days.
 * Entry and exit days both count as days of presence; a stay that is still
 * open (entered, not exited) counts up to the reference date. Days are UTC
 * calendar days (days since 1970-01-01, see record.h).
 *
 * Regimes differ by nationality (a config file, tims_stay_regimes_parse):
 * the default short stay (90 in 180), exempt nationalities (own citizens,
 * residents' states: no limit), and nationalities that need a visa, whose
 * limits come from the traveller's visa (validity, number of entries, days
 * of stay) rather than from the nationality.
 */
#ifndef TIMS_STAY_H
#define TIMS_STAY_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_STAY_MAX_REGIMES 512
#define TIMS_STAY_MAX_MOVES 4096

enum tims_stay_kind {
	TIMS_STAY_SHORT = 1,   /* max_days in any window_days */
	TIMS_STAY_EXEMPT = 2,  /* no limit */
	TIMS_STAY_VISA = 3,    /* limits from the traveller's visa */
};

struct tims_stay_regime {
	char nationality[4];   /* "" for the default */
	uint8_t kind;          /* enum tims_stay_kind */
	unsigned max_days;     /* short stay: days allowed in a window */
	unsigned window_days;  /* short stay: the window */
};

struct tims_stay_regimes {
	struct tims_stay_regime def;   /* default: short stay 90/180 */
	struct tims_stay_regime list[TIMS_STAY_MAX_REGIMES];
	size_t n;
};

/* The default only (90 days in any 180). */
void tims_stay_regimes_init(struct tims_stay_regimes *rs);

/*
 * Parse a regimes file (docs/formats.md, etc/stay-regimes.conf):
 *   # comment
 *   default short-stay 90 180
 *   short-stay USA 90 180
 *   exempt UTO
 *   visa XYZ
 * Errors name the line ("line 4: exempt: want a nationality code").
 * A later line for the same nationality is an error, not an override.
 */
tims_rc tims_stay_regimes_parse(const char *text, size_t len,
				struct tims_stay_regimes *rs,
				struct tims_err *err);

/*
 * The regimes file at path (a post's or the centre's stay-regimes.conf);
 * no file means the default for everyone. At most 1 MiB.
 */
tims_rc tims_stay_regimes_load(const char *path, struct tims_stay_regimes *rs,
			       struct tims_err *err);

/* The regime for a nationality (the default if none is listed). */
const struct tims_stay_regime *
tims_stay_regime_for(const struct tims_stay_regimes *rs, const char *nat);

/* One crossing: the UTC day and the direction (enum tims_direction). */
struct tims_stay_move {
	int64_t day;
	uint8_t direction;
};

/*
 * The kinds of visa (the values of record.h's enum tims_visa_kind). A
 * short-stay visa (type C) sets the limits of a nationality that needs a
 * visa; a long-stay visa (type D) or a residence permit, valid on the day,
 * takes its holder out of the short-stay count whatever the nationality.
 */
#define TIMS_STAY_VISA_NONE 0
#define TIMS_STAY_VISA_SHORT 1
#define TIMS_STAY_VISA_LONG 2
#define TIMS_STAY_VISA_RESIDENCE 3

/* A visa as the rule uses it (typed: days, not text). */
struct tims_stay_visa {
	int64_t valid_from;    /* first day, inclusive (INT64_MIN: not given) */
	int64_t valid_until;   /* last day, inclusive (INT64_MAX: not given) */
	unsigned entries;      /* entries allowed; 0 = multiple */
	unsigned days;         /* days of stay allowed (in any 180); 0: not
				  known (a visa read from its MRZ only): 90 */
	uint8_t kind;          /* TIMS_STAY_VISA_*; NONE: no visa */
};

struct tims_stay_result {
	uint8_t kind;          /* the regime that applied */
	unsigned max_days;     /* limit in the window (0 when exempt) */
	unsigned window_days;
	int64_t window_first;  /* first day of the window */
	unsigned used;         /* days present in the window */
	unsigned left;         /* max_days - used, or 0 */
	unsigned overstay;     /* used - max_days, plus visa days, or 0 */
	int in_country;        /* the last move is an entry */
	int64_t leave_by;      /* in country: the last day of a lawful stay
				  if they stay on (INT64_MIN if already over) */
	unsigned entries_used; /* visa: entries since valid_from */
	int entries_exceeded;  /* visa: more entries than allowed */
	int inconsistent;      /* two entries or two exits in a row */
	/* tims_stay_assess: */
	char nationality[4];   /* the one the regime was chosen by */
	int visa_required;     /* the nationality's regime is TIMS_STAY_VISA */
	int visa_missing;      /* visa required, none valid: no day is lawful */
	int permit;            /* a long-stay visa or residence permit exempts */
	struct tims_stay_visa visa; /* the visa the rule used (kind NONE: none) */
};

/*
 * Compute the rule for moves (any order; they are sorted by day, an entry
 * before an exit on the same day) as of day `on`. Moves after `on` are
 * ignored. For TIMS_STAY_VISA, `visa` (a short-stay visa) sets the limits;
 * without one (NULL or kind NONE) no day is lawful: max_days is 0, every
 * day present in the window is an overstay, and visa_missing is set.
 * A long-stay visa or residence permit valid on `on` makes any regime
 * exempt (permit set). Otherwise `visa` is ignored.
 * An exit with no entry before it counts as a one-day stay; two entries in
 * a row count the first as its entry day only; both set `inconsistent`.
 */
tims_rc tims_stay_compute(const struct tims_stay_move *moves, size_t n,
			  int64_t on, const struct tims_stay_regime *regime,
			  const struct tims_stay_visa *visa,
			  struct tims_stay_result *out, struct tims_err *err);

/*
 * One crossing as the rule sees it, whoever holds it (a post's own log,
 * its national replica, the centre's store). `counts`: standing (not
 * corrected, not erased) and admitted.
 */
struct tims_stay_crossing {
	int64_t at_ms;          /* the crossing time that counts */
	uint8_t direction;      /* enum tims_direction */
	uint8_t counts;
	char nationality[4];
	struct tims_stay_visa visa; /* the record's visa (kind NONE: none) */
};

/*
 * The stay of one traveller from all their crossings, in any order: the
 * one computation of the booth (lib/post/travel.c) and the centre
 * (lib/cstore), so that the two cannot give different answers for the same
 * crossings. The regime is that of `nat` if given, else the nationality of
 * the latest crossing that counts; the visa is `visa` if given (read at the
 * check), else the one recorded with the latest entry that counts that
 * carries one. Then tims_stay_compute on day `on`.
 */
tims_rc tims_stay_assess(const struct tims_stay_crossing *c, size_t n, const char *nat,
			 int64_t on, const struct tims_stay_regimes *rs,
			 const struct tims_stay_visa *visa, struct tims_stay_result *out,
			 struct tims_err *err);

/*
 * Visa-required nationalities: a list of nationality codes, one or more a
 * line, '#' comments (etc/visa-required.conf: the EU's Annex I list). Each
 * code not already given a regime becomes `visa CODE`. The built-in
 * default is tims_stay_visa_list_default().
 */
tims_rc tims_stay_visa_list_parse(const char *text, size_t len, struct tims_stay_regimes *rs,
				  struct tims_err *err);
const char *tims_stay_visa_list_default(void);

/*
 * The regimes of a post or centre directory: DIR/stay-regimes.conf (none:
 * the default for everyone), then DIR/visa-required.conf (none: the
 * built-in list; an empty file: no list).
 */
tims_rc tims_stay_regimes_load_dir(const char *dir, struct tims_stay_regimes *rs,
				   struct tims_err *err);

/*
 * A recorded visa (record.h; NULL or kind none: no visa) as the rule takes
 * it: dates parsed ("" not given), entries and days checked.
 * TIMS_ERR_INVALID naming the field.
 */
struct tims_visa;
tims_rc tims_stay_visa_from(const struct tims_visa *v, struct tims_stay_visa *out,
			    struct tims_err *err);

/* A visa's kind by its JSON name ("short", "long", "residence") and back. */
int tims_stay_visa_kind_parse(const char *name);
const char *tims_stay_visa_kind_name(unsigned kind);

#endif
