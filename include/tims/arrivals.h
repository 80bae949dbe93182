/*
 * arrivals.h — the reports after arrival at the centre (lib/centre/
 * arrivals.c, docs/paxlst.md "After arrival"), from the carriers'
 * passenger lists (tims/api.h) and the crossings of every post (the query
 * store, tims/cstore.h):
 *
 *   no-show   the travellers (passengers and crew) of the current list of
 *             each flight expected at an airport on a day, for whom no
 *             entry crossing was registered at that airport's posts from
 *             TIMS_ARRIVALS_EARLY_MS before the expected arrival to N hours
 *             after it; travellers in transit (NAD+DDT, NAD+DDU) are not
 *             expected at the entry posts: they are listed apart, each
 *             saying whether they crossed all the same;
 *   unlisted  the entry crossings registered at an airport's posts on a
 *             day whose document is on no list of a flight arriving there
 *             from N hours before that day to TIMS_ARRIVALS_EARLY_MS after.
 *
 * A traveller and a crossing match on the document number and its issuing
 * state, exactly: the list's number (upper case, spaces taken out) through
 * the store's blind index, never compared in clear; the state through
 * tims_mrz_state_norm (tims/mrz.h: upper case, without the MRZ's '<', D as
 * DEU, XKX as RKS, GBD... as GBR). Airport posts: the
 * airports map (DIR/airports.conf) ties an IATA code to the posts whose
 * crossings are that airport's; an airport it does not name is an error
 * ("no airport post known for TIA"), never an empty report.
 *
 * Fail closed: a store that cannot be read, a vault that cannot blind or
 * open a traveller, is an error, never a report that reads "everyone
 * crossed" or "nobody unlisted".
 */
#ifndef TIMS_ARRIVALS_H
#define TIMS_ARRIVALS_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/note.h"
#include "tims/paxlst.h"
#include "tims/tz.h"

#define TIMS_ARRIVALS_HOURS_DEFAULT 6
#define TIMS_ARRIVALS_HOURS_MAX 168
/* Crossings counted from this long before the expected arrival: the
 * arrival time is the carrier's (the airport's local time, read as UTC)
 * and aircraft land early. */
#define TIMS_ARRIVALS_EARLY_MS (3 * 3600000LL)
#define TIMS_ARRIVALS_ROWS_MAX 5000          /* rows listed; all counted */
#define TIMS_ARRIVALS_ENTRIES_MAX 1000000    /* crossings compared per airport */
#define TIMS_ARRIVALS_TRAVELLERS_MAX 2000000 /* list entries compared */
#define TIMS_ARRIVALS_AIRPORTS_MAX 32
#define TIMS_ARRIVALS_POSTS_MAX 8            /* posts of one airport */
#define TIMS_ARRIVALS_MAP_FILE "airports.conf"
#define TIMS_ARRIVALS_MAP_MAX 65536          /* bytes of the file */

struct tims_api;
struct tims_cstore;

/* ---- the airports map --------------------------------------------------- */

struct tims_arrivals_airport {
	char code[4];                        /* IATA: three capital letters */
	char zone[TIMS_TZ_NAME_MAX];         /* its IANA time zone; "" none given
					      * (its times read as UTC) */
	unsigned nposts;
	char posts[TIMS_ARRIVALS_POSTS_MAX][TIMS_NOTE_MAX_NAME + 1];
};

struct tims_arrivals_map {
	unsigned n;
	struct tims_arrivals_airport a[TIMS_ARRIVALS_AIRPORTS_MAX];
};

/*
 * Parse an airports map (name: the file's name for messages): lines
 * `CODE = POST [POST ...]` and `CODE zone = ZONE` (the airport's IANA time
 * zone, checked by tims_tz_check; at most once, before or after the
 * airport's posts), '#' comments and blank lines; CODE three
 * capital letters, each POST 1 to 128 bytes of printable ASCII without
 * blanks; an airport named twice, more than TIMS_ARRIVALS_POSTS_MAX posts
 * or TIMS_ARRIVALS_AIRPORTS_MAX airports, or a line without '=' is
 * refused, err naming the line. The posts are as written (the centre's
 * enrolled post names; tims_centre_arrivals_report makes them origins).
 */
TIMS_MUST_USE tims_rc tims_arrivals_map_parse(const char *text, size_t len, const char *name,
					      struct tims_arrivals_map *out,
					      struct tims_err *err);
/* The airport of code, or NULL. */
const struct tims_arrivals_airport *tims_arrivals_map_find(const struct tims_arrivals_map *m,
							   const char *code);

/* ---- the reports -------------------------------------------------------- */

enum tims_arrivals_kind { TIMS_ARRIVALS_NO_SHOW = 1, TIMS_ARRIVALS_UNLISTED = 2 };

struct tims_arrivals_query {
	int kind;                  /* enum tims_arrivals_kind */
	int64_t day;               /* UTC day since 1970 */
	unsigned hours;            /* N, 1..TIMS_ARRIVALS_HOURS_MAX */
	char airport[4];           /* "" every airport (no-show: of the flights;
				    * unlisted: of the map) */
	int names;                 /* open the names (the caller's role may see them) */
	int64_t now_ms;            /* no-show: a flight whose N hours have not
				    * passed yet is counted open, not reported */
};

/* "no-show", "unlisted" → the kind; 0 when unknown. */
int tims_arrivals_kind_parse(const char *s);
const char *tims_arrivals_kind_name(int kind);
/* A day (YYYY-MM-DD), hours and airport checked: TIMS_ERR_INVALID naming
 * the field ("date", "hours", "airport"). */
TIMS_MUST_USE tims_rc tims_arrivals_query_check(const char *date, const char *hours,
						const char *airport,
						struct tims_arrivals_query *q,
						struct tims_err *err);

/* 1 for the PAXLST roles of travellers in transit, who are not expected to
 * cross at the arrival airport: DDT (passenger in transit) and DDU (crew
 * member in transit), the NAD party qualifiers of the WCO/IATA/ICAO PAXLST
 * implementation guide (FL passenger and FM crew member are not). */
int tims_arrivals_role_transit(const char *role);

struct tims_arrivals_noshow {
	char airport[4];
	char flight[TIMS_PAXLST_VALUE];
	char date[11];                       /* scheduled departure */
	char arrival_time[TIMS_PAXLST_VALUE];
	unsigned version;                    /* the current list's */
	uint32_t position;
	char role[TIMS_PAXLST_CODE];         /* FL passenger, FM crew ... */
	char nationality[TIMS_PAXLST_CODE];
	int no_document;                     /* the list gave none: nothing to match */
	unsigned hits;                       /* the traveller's screening hits */
	int crossed;                         /* transit rows: crossed all the same */
	char surname[TIMS_PAXLST_FIELD];     /* names: "" unless asked */
	char given_names[TIMS_PAXLST_FIELD];
};

struct tims_arrivals_unlisted {
	char airport[4];
	char post[TIMS_NOTE_MAX_NAME + 1];   /* the post's log origin */
	uint64_t idx;
	int64_t when_ms;
	uint8_t decision;
	char nationality[16];
	char issuer[16];
	char surname[128], given_names[128]; /* names: "" unless asked */
};

struct tims_arrivals_report {
	int kind;
	int64_t day;
	unsigned hours;
	struct tims_arrivals_map airports;   /* those the report covers, origins */
	size_t flights;                      /* flights reported on (no-show: closed) */
	size_t flights_open;                 /* no-show: N hours not passed yet */
	size_t travellers;                   /* list entries compared */
	size_t crossings;                    /* entry crossings compared */
	size_t total;                        /* rows found */
	size_t n;                            /* rows listed (<= TIMS_ARRIVALS_ROWS_MAX) */
	int names;                           /* the rows carry names */
	int names_withheld;                  /* asked, but the export limit refused them */
	struct tims_arrivals_noshow *noshow;
	struct tims_arrivals_unlisted *unlisted;
	/* no-show: the travellers in transit (DDT, DDU) of those flights, never
	 * counted in total or rows; crossed or not, in list order */
	size_t transit_total;                /* found */
	size_t ntransit;                     /* listed (<= TIMS_ARRIVALS_ROWS_MAX) */
	size_t transit_crossed;              /* of them, crossed at the airport */
	struct tims_arrivals_noshow *transit;
};

void tims_arrivals_report_release(struct tims_arrivals_report *r);

/*
 * Run a report over api (the passenger lists) and s (the query store;
 * NULL is an error) with map giving each airport's post origins. The
 * caller holds whatever lock s needs. On error r is released.
 */
TIMS_MUST_USE tims_rc tims_arrivals_report(struct tims_api *a, struct tims_cstore *s,
					   const struct tims_arrivals_map *map,
					   const struct tims_arrivals_query *q,
					   struct tims_arrivals_report *r, struct tims_err *err);

#endif
