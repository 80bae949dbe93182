/*
 * api.h — advance passenger information at the centre: the store of the
 * carriers' passenger lists (DIR/api.db) and their screening before the
 * aircraft lands (lib/api; docs/paxlst.md, "Screening before arrival").
 *
 * A flight is carrier and number as the TDT sends it (spaces removed) and
 * its scheduled departure date (the leg's departure time, first ten
 * characters). Each message received for a flight is a version: the
 * newest one received is the flight's current list, the older ones stay
 * as history with their receipt time and the SHA-256 of the file they
 * came in. A file whose SHA-256 a flight already holds (an exact replay,
 * or an old version sent again) adds nothing to that flight.
 *
 * Each traveller's personal fields (names, birth date, sex, nationality,
 * document) are sealed with the node's vault (tims/vault.h, AD
 * "api.travellers/VERSION/POSITION", VERSION the version's row, under the
 * month of the expected arrival); role,
 * the screening result and its hits (list, reference, versions) are kept
 * in clear: they name no traveller.
 *
 * Retention: tims_api_retention erases the travellers of a flight whose
 * expected arrival (else departure, else receipt) is older than the
 * period, except those with a hit; a version, then a flight, left without
 * travellers goes too.
 */
#ifndef TIMS_API_H
#define TIMS_API_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/paxlst.h"

#define TIMS_API_DB "api.db"
#define TIMS_API_HITS_MAX 8          /* hits kept per traveller (more: counted) */
#define TIMS_API_FLIGHTS_MAX 64      /* flights of one file */
#define TIMS_API_SHA_HEX 65

struct tims_api;
struct tims_vault;
struct tims_wl;
struct tims_screen_index;

/* Open (creating) dir/api.db; v seals and opens the travellers' fields (the
 * handle borrows it). A store of a newer schema is refused. */
TIMS_MUST_USE tims_rc tims_api_open(const char *dir, struct tims_vault *v,
				    struct tims_api **out, struct tims_err *err);
void tims_api_close(struct tims_api *a);

/* ---- screening ---------------------------------------------------------- */

enum tims_api_status { TIMS_API_CLEAR = 1, TIMS_API_HIT = 2 };

struct tims_api_hit {
	char part[12];           /* "document", "person" */
	char list[49];
	char ref[65];
	uint64_t entry_version;  /* the entry's version in its list */
	uint64_t list_version;   /* the list's version screened against */
	char alert[24];          /* persons: the alert; documents: the status */
	double score;
};

struct tims_api_screening {
	uint8_t status;          /* enum tims_api_status */
	unsigned nhits;          /* all hits (at most TIMS_API_HITS_MAX kept) */
	struct tims_api_hit hits[TIMS_API_HITS_MAX];
};

/*
 * Screen one traveller as the posts do (tims_wl_screen: the document
 * against the document lists, the person against the person lists), with
 * the lists' versions from the store. A screening that cannot be done
 * is an error (err names why), never TIMS_API_CLEAR.
 */
struct tims_api_screener;
TIMS_MUST_USE tims_rc tims_api_screener_new(struct tims_wl *wl, struct tims_screen_index *ix,
					    struct tims_api_screener **out,
					    struct tims_err *err);
void tims_api_screener_free(struct tims_api_screener *s);
TIMS_MUST_USE tims_rc tims_api_screen(struct tims_api_screener *s,
				      const struct tims_paxlst_traveller *t,
				      struct tims_api_screening *out, struct tims_err *err);

/* ---- storing ------------------------------------------------------------ */

struct tims_api_flight_result {
	char flight[TIMS_PAXLST_VALUE];
	char date[11];                       /* scheduled departure date */
	char departure_airport[TIMS_PAXLST_CODE];
	char arrival_airport[TIMS_PAXLST_CODE];
	char arrival_time[TIMS_PAXLST_VALUE];
	int64_t flight_id;
	unsigned version;                    /* this message's version (1, 2 ...) */
	int replay;                          /* the flight held this file already */
	int replaced;                        /* an older version was current */
	int late;                            /* prepared (UNB) before the current
					      * version: stored as history, the
					      * current one stays */
	char prepared[TIMS_PAXLST_VALUE];    /* its UNB preparation time, ISO, or "" */
	size_t travellers, hits;             /* travellers with a hit */
};

struct tims_api_import_result {
	char sha256[TIMS_API_SHA_HEX];
	size_t nflights;
	struct tims_api_flight_result f[TIMS_API_FLIGHTS_MAX];
	size_t travellers, hits, stored;     /* stored: travellers newly stored */
	int file_refused;                    /* on an error: 1 when the file itself was
					      * refused (it does not parse, or holds a
					      * flight it cannot be stored under); 0
					      * when the centre failed (watchlists
					      * missing, quarantined or unreadable, the
					      * store, an alert): the same file may pass
					      * later */
};

/* Called for each traveller with a hit of a flight newly stored, before the
 * store commits; an error rolls the whole file back. */
typedef tims_rc (*tims_api_hit_fn)(void *ctx, const struct tims_api_flight_result *f,
				   size_t traveller, const struct tims_paxlst_traveller *t,
				   const struct tims_api_screening *s, struct tims_err *err);

/*
 * Store a parsed file (p, its screenings s[0..p->n), the SHA-256 of its
 * bytes, received at received_ms) in one transaction: its travellers
 * grouped by flight, each flight a new current version unless it is a
 * replay, or was prepared (UNB date and time) before the flight's current
 * version: then it is stored, screened and alerted as history (late), and
 * the current version stays. A traveller without a flight, a departure date, or more than
 * TIMS_API_FLIGHTS_MAX flights in the file: TIMS_ERR_INVALID, nothing stored.
 */
TIMS_MUST_USE tims_rc tims_api_store(struct tims_api *a, const uint8_t sha256[32],
				     int64_t received_ms, const struct tims_paxlst *p,
				     const struct tims_api_screening *s, tims_api_hit_fn fn,
				     void *ctx, struct tims_api_import_result *res,
				     struct tims_err *err);

/* ---- reading ------------------------------------------------------------ */

struct tims_api_flight {
	int64_t id;
	char flight[TIMS_PAXLST_VALUE];
	char date[11];
	char departure_airport[TIMS_PAXLST_CODE];
	char departure_time[TIMS_PAXLST_VALUE];
	char arrival_airport[TIMS_PAXLST_CODE];
	char arrival_time[TIMS_PAXLST_VALUE];
	int64_t arrival_ms;                  /* the time retention counts from */
	unsigned versions;                   /* versions held (history included) */
	unsigned current;                    /* the current version's number */
	int64_t received_ms;                 /* of the current version */
	char sha256[TIMS_API_SHA_HEX];       /* of the current version */
	size_t travellers, hits;             /* of the current version */
};

struct tims_api_version {
	unsigned version;
	int64_t received_ms;
	int64_t superseded_ms;               /* 0: current */
	char sha256[TIMS_API_SHA_HEX];
	size_t travellers, hits;
	char prepared[TIMS_PAXLST_VALUE];    /* UNB preparation time, ISO, or "" */
	int late;                            /* prepared before the version current
					      * when it came: never current */
};

struct tims_api_traveller {
	int64_t id;
	unsigned version;
	uint32_t position;                   /* in the message, from 1 */
	char role[TIMS_PAXLST_CODE];
	char surname[TIMS_PAXLST_FIELD];
	char given_names[TIMS_PAXLST_FIELD];
	char birth_date[TIMS_PAXLST_VALUE];
	char sex[TIMS_PAXLST_CODE];
	char nationality[TIMS_PAXLST_CODE];
	char document_type[TIMS_PAXLST_CODE];
	char document_number[TIMS_PAXLST_VALUE];
	char document_issuing_state[TIMS_PAXLST_CODE];
	char document_expiry[TIMS_PAXLST_VALUE];
	struct tims_api_screening screening;
};

typedef tims_rc (*tims_api_flight_fn)(void *ctx, const struct tims_api_flight *f);
typedef tims_rc (*tims_api_version_fn)(void *ctx, const struct tims_api_version *v);
typedef tims_rc (*tims_api_traveller_fn)(void *ctx, const struct tims_api_traveller *t);

/* Flights whose expected arrival is in [from_ms, to_ms), by arrival. */
TIMS_MUST_USE tims_rc tims_api_flights(struct tims_api *a, int64_t from_ms, int64_t to_ms,
				       tims_api_flight_fn fn, void *ctx, struct tims_err *err);
/* One flight (flight as sent or without spaces, date YYYY-MM-DD):
 * TIMS_ERR_NOTFOUND when the store holds none. */
TIMS_MUST_USE tims_rc tims_api_flight_get(struct tims_api *a, const char *flight,
					  const char *date, struct tims_api_flight *out,
					  struct tims_err *err);
/* Its versions, oldest first. */
TIMS_MUST_USE tims_rc tims_api_versions(struct tims_api *a, int64_t flight_id,
					tims_api_version_fn fn, void *ctx, struct tims_err *err);
/* The travellers of one version (0: the current one), in message order,
 * their fields opened from the vault (a field that cannot be opened is an
 * error, never an empty traveller). */
TIMS_MUST_USE tims_rc tims_api_travellers(struct tims_api *a, int64_t flight_id,
					  unsigned version, tims_api_traveller_fn fn, void *ctx,
					  struct tims_err *err);

/* A carrier's time as stored ("YYYY-MM-DD[THH:MM]") in ms since 1970, read
 * as if UTC (the wall time lib/api keeps as arrival_ms); 0 when it is no
 * date. */
int64_t tims_api_time_ms(const char *iso);

/* When the last version held was received (ms; 0: none): a new list, or a
 * new version of one, makes it grow. The version of the airports' lists
 * (tims/prescreen.h). */
TIMS_MUST_USE tims_rc tims_api_serial(struct tims_api *a, uint64_t *out, struct tims_err *err);

/* ---- retention ---------------------------------------------------------- */

struct tims_api_retention {
	uint64_t erased, kept_hits, kept_recent;
	uint64_t versions, flights;          /* left empty and removed */
	int64_t oldest_kept_ms;              /* of the travellers kept; INT64_MAX: none */
};

/*
 * Erase (dry_run: only count) the travellers of flights that arrived at or
 * before cutoff_ms, except those whose screening found a hit: their row
 * goes, sealed fields and all; then versions and flights left without a
 * traveller.
 */
TIMS_MUST_USE tims_rc tims_api_retention(struct tims_api *a, int64_t cutoff_ms, int dry_run,
					 struct tims_api_retention *r, struct tims_err *err);
/* The same, a flight's arrival (the carrier's local time) converted to UTC
 * through the zone of its arrival airport when zones names it (airports.conf;
 * the others read as UTC) before it is compared with cutoff_ms (UTC). */
struct tims_api_zone {
	char airport[4];
	char zone[64];
};
TIMS_MUST_USE tims_rc tims_api_retention_zoned(struct tims_api *a, int64_t cutoff_ms,
					       const struct tims_api_zone *zones, size_t nzones,
					       int dry_run, struct tims_api_retention *r,
					       struct tims_err *err);

#endif
