/*
 * prescreen.h — the screened passenger lists of the flights arriving at an
 * airport, from the centre to that airport's posts, and the booth's
 * "pre-screened" line (lib/api/prescreen.c; docs/paxlst.md, "At the
 * booth").
 *
 * The centre (tims/api.h) screened every traveller of a carrier's list
 * when it arrived. For each post its airports map (airports.conf) names,
 * it makes one line per traveller of the current list of every flight
 * arriving at that airport, from TIMS_PRESCREEN_FROM_MS ago on:
 *
 *   {"doc": NUMBER, "state": STATE, "flight", "date", "version",
 *    "position", "role", "arrival" (as the carrier sent it, the airport's
 *    local time), "arrival_ms" (that time in UTC, through the airport's
 *    zone; as if UTC when the map gives none), "status": "clear"|"hit",
 *    "hits": [{"part", "list", "ref", "alert"}]}
 *
 * NUMBER is the document number normalised as the screening compares
 * them (tims_screen_norm_ident), STATE the issuing state normalised
 * (tims_mrz_state_norm: D is DEU). Hits with the alert "discreet-check"
 * are left out (a booth is never shown one, SIS Art. 36), and a traveller
 * whose only hits are those is "clear". No name, birth date or
 * nationality travels. The lines are sealed under the post's roster key
 * and signed with the centre's bundle key (tims_bundle_arrivals).
 *
 * The post opens them (tims_prescreen_apply) and keeps, per traveller,
 * only the blind index of NUMBER/STATE under its own vault's index key
 * (domain "api.doc"), the flight, its expected arrival and the outcome,
 * in DIR/prescreen.db: the document numbers are not on its disk. A
 * booth's check looks the traveller's document up there
 * (tims_prescreen_lookup) and a registered entry is linked to the record
 * it matched (tims_prescreen_link).
 *
 * Retention at the post: a traveller whose flight arrived more than
 * TIMS_PRESCREEN_KEEP_MS ago is erased with its links unless the
 * screening found a hit (EU practice: API data erased 48 hours after
 * arrival unless linked to a hit); each new list replaces the old whole,
 * so what the centre erased goes at the next one.
 */
#ifndef TIMS_PRESCREEN_H
#define TIMS_PRESCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "tims/api.h"
#include "tims/buf.h"
#include "tims/err.h"
#include "tims/paxlst.h"

#define TIMS_PRESCREEN_DB "prescreen.db"
#define TIMS_PRESCREEN_KEEP_MS (48 * 3600000LL)  /* after arrival, without a hit */
#define TIMS_PRESCREEN_FROM_MS (48 * 3600000LL)  /* flights sent: arriving since */
#define TIMS_PRESCREEN_BEFORE_MS (24 * 3600000LL)/* a booth matches a flight arrived
						  * this long ago at most ... */
#define TIMS_PRESCREEN_AFTER_MS (6 * 3600000LL)  /* ... or expected this long ahead */
#define TIMS_PRESCREEN_MAX 1000000               /* travellers of one list */

struct tims_api;
struct tims_bundle;
struct tims_vault;

/* ---- the centre --------------------------------------------------------- */

/*
 * The lines of the flights arriving at airport (its zone: "" none) whose
 * expected arrival is at or after now_ms - TIMS_PRESCREEN_FROM_MS (in UTC),
 * into out; *n counts them, *skipped the travellers whose document number
 * cannot be compared (none or not one: no booth can match them). A
 * traveller that cannot be opened, or a zone that cannot convert, is an
 * error, never a shorter list.
 */
TIMS_MUST_USE tims_rc tims_prescreen_lines(struct tims_api *a, const char *airport,
					   const char *zone, int64_t now_ms,
					   struct tims_buf *out, size_t *n, size_t *skipped,
					   struct tims_err *err);

/* ---- the post ----------------------------------------------------------- */

struct tims_prescreen_hit {
	char part[12];
	char list[49];
	char ref[65];
	char alert[24];
};

struct tims_prescreen_match {
	int found;                             /* 0: on no list held */
	char flight[TIMS_PAXLST_VALUE];
	char date[11];
	char arrival[TIMS_PAXLST_VALUE];       /* as the carrier sent it */
	int64_t arrival_ms;                    /* UTC */
	unsigned version;
	uint32_t position;
	char role[TIMS_PAXLST_CODE];
	int hit;                               /* 1: the screening found a hit */
	unsigned nhits;
	struct tims_prescreen_hit hits[TIMS_API_HITS_MAX];
};

struct tims_prescreen_applied {
	char airport[4];
	uint64_t version;
	size_t travellers, hits, expired;      /* stored; with a hit; past retention */
};

/* One line of a list, checked (tims_prescreen_apply's parser, without the
 * vault): key is "NUMBER/STATE" normalised, to be blinded (the caller
 * wipes it). TIMS_ERR_INVALID naming the line and the field. */
struct tims_prescreen_row {
	char key[64];
	char flight[TIMS_PAXLST_VALUE];
	char date[11];
	char role[TIMS_PAXLST_CODE];
	char arrival[TIMS_PAXLST_VALUE];
	int64_t version, position, arrival_ms;
	int hit;
	char hits[2048];                       /* the hits, compact JSON */
};
TIMS_MUST_USE tims_rc tims_prescreen_parse_line(const char *line, size_t n, size_t lineno,
						struct tims_prescreen_row *row,
						struct tims_err *err);

/*
 * Apply an opened "arrivals" bundle (tims_bundle_open_keys) at the post
 * named post, whose roster key is key: refused unless it was made for this
 * post (TIMS_ERR_SIGNATURE), is newer than held (TIMS_ERR_REPLAY), opens
 * with the key (TIMS_ERR_SIGNATURE) and every line is well formed
 * (TIMS_ERR_INVALID naming the line and field). The store's travellers
 * are replaced by the bundle's in one transaction (nothing changed on a
 * refusal), each document blinded with v; the version is then recorded
 * as held (DIR/bundles.db).
 */
TIMS_MUST_USE tims_rc tims_prescreen_apply(const char *dir, struct tims_vault *v,
					   const struct tims_bundle *b, const char *post,
					   const uint8_t key[32], int64_t now_ms,
					   struct tims_prescreen_applied *res,
					   struct tims_err *err);

/*
 * The traveller with this document (number and issuing state as read at
 * the booth) on a list held: the flight whose arrival is nearest now_ms
 * within [now_ms - TIMS_PRESCREEN_BEFORE_MS, now_ms + TIMS_PRESCREEN_AFTER_MS].
 * m->found 0 when none (or the post holds no lists). A number that cannot
 * be compared is not found. A store that cannot be read, a vault that
 * cannot blind: an error.
 */
TIMS_MUST_USE tims_rc tims_prescreen_lookup(const char *dir, struct tims_vault *v,
					    const char *doc, const char *issuer,
					    int64_t now_ms, struct tims_prescreen_match *m,
					    struct tims_err *err);

/* Link a registered crossing (its index in the post's log) to the record
 * it matched (m->found). */
TIMS_MUST_USE tims_rc tims_prescreen_link(const char *dir, uint64_t crossing,
					  const struct tims_prescreen_match *m, int64_t now_ms,
					  struct tims_err *err);
/* The record linked to crossing: m->found 0 when none. */
TIMS_MUST_USE tims_rc tims_prescreen_linked(const char *dir, uint64_t crossing,
					    struct tims_prescreen_match *m,
					    struct tims_err *err);

/* Erase the travellers and links past retention (arrived more than
 * TIMS_PRESCREEN_KEEP_MS before now_ms, no hit); *erased counts both. */
TIMS_MUST_USE tims_rc tims_prescreen_expire(const char *dir, int64_t now_ms,
					    uint64_t *erased, struct tims_err *err);

/* The match for the booth's answer: {"flight", "date", "arrival",
 * "arrival_ms", "outcome": "no_hits"|"hit", "hits": [...]}; NULL when not
 * found. */
struct json_t;
struct json_t *tims_prescreen_json(const struct tims_prescreen_match *m);

#endif
