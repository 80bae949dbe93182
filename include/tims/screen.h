/*
 * screen.h — comparing two persons by name and by what else is known about
 * them (date of birth, nationality, sex), with a score and its reasons; and
 * the in-memory index that finds the watchlist entries worth comparing.
 *
 * The score is 0..1. Names first: tokens are aligned one to one (order does
 * not matter, a missing middle name costs little, ABDUL RAHMAN lines up with
 * ABDULRAHMAN), each pair scored by the best of: the same spelling under some
 * transliteration scheme, the same equivalence group (nicknames, Arabic
 * given names), the same phonetic skeleton, or a typo-level Jaro-Winkler.
 * Then the qualifiers raise or lower it: a date of birth that differs by
 * years pulls identical common names well below any threshold.
 *
 * Every comparison explains itself in m->reasons ("surname MUELLER~MÜLLER
 * via ICAO 9303 transliteration", "dob year matches", ...), and the same
 * reasons coded in m->codes for a console to put in its own language:
 * "name.scheme\tpart=surname\ta=MÜLLER\tb=MUELLER\tscheme=icao\t...",
 * the code being the catalogue's key "match.CODE" (lib/screen/reason.c).
 */
#ifndef TIMS_SCREEN_H
#define TIMS_SCREEN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/names.h"

#define TIMS_SCREEN_THRESHOLD 0.80  /* default: a hit at or above this */
#define TIMS_SCREEN_MAX_REASONS 16
#define TIMS_SCREEN_REASON_BYTES 160
#define TIMS_SCREEN_CODE_BYTES 224

/* A full or partial date; 0 for an unknown part. `approx` is how many years
 * either side of `year` the date may be (0: as written; watchlists often
 * know a birth year only roughly: "about 1969", "1965-1970"). An approximate
 * date is a year alone (month and day 0). */
struct tims_pdate {
	uint16_t year;
	uint8_t month, day;
	uint8_t approx;
};

#define TIMS_PDATE_APPROX_MAX 5 /* a range of at most 10 years */

/* "YYYY", "YYYY-MM" or "YYYY-MM-DD", a real calendar date, years 1850-2200.
 * An empty string is an unknown date (all zero). Approximate years, any
 * case: "~YYYY", "ABOUT YYYY", "CIRCA YYYY", "CA. YYYY", "C. YYYY" and
 * "YYYY?" give that year with approx 2; a range "YYYY-YYYY" (at most 10
 * years, the first year lower) gives its middle year rounded down with
 * approx half the span rounded up (1965-1970: 1967, approx 3). Errors name
 * the field and what was wrong. */
tims_rc tims_pdate_parse(const char *s, struct tims_pdate *d, const char *what,
			struct tims_err *err);

/* "YYYY-MM-DD", "YYYY-MM", "YYYY", "~YYYY" (approximate: a range is written
 * as its middle year) or "" into out (>= 11 bytes). */
void tims_pdate_format(const struct tims_pdate *d, char *out, size_t size);

/* What is known of a person besides the name. Zero means unknown. */
struct tims_subject {
	struct tims_pdate dob;
	char nationality[4]; /* ICAO 3-letter code, upper case, or "" */
	char sex;            /* 'M', 'F', 'X' or 0 */
};

/* Nationality: a 1-3 letter ICAO code, folded to upper case ("" = unknown). */
tims_rc tims_subject_set_nationality(struct tims_subject *s, const char *v,
				     const char *what, struct tims_err *err);

/* Sex: "M", "F", "X" (any case); "" or "<" = unknown. */
tims_rc tims_subject_set_sex(struct tims_subject *s, const char *v,
			     const char *what, struct tims_err *err);

/* A threshold: a decimal number from 0 to 1. */
TIMS_MUST_USE tims_rc tims_screen_parse_threshold(const char *v, double *out, const char *what,
				    struct tims_err *err);

struct tims_match {
	double score;      /* 0..1, names and qualifiers */
	double name_score; /* 0..1, names alone */
	unsigned nreasons;
	char reasons[TIMS_SCREEN_MAX_REASONS][TIMS_SCREEN_REASON_BYTES];
	char codes[TIMS_SCREEN_MAX_REASONS][TIMS_SCREEN_CODE_BYTES]; /* the same, coded */
};

/* A coded reason (m->codes[i]: "code\tname=value\t...") as JSON for a
 * console: {"code": "name.scheme", "params": {"part": "surname", ...}}
 * (NULL: out of memory). Parameters whose values are words are codes
 * themselves, which the console translates as "match.PARAM.VALUE". */
struct json_t;
struct json_t *tims_screen_reason_json(const char *coded);
/* The n coded reasons as a JSON array of those objects (NULL: out of
 * memory): a hit's "reason_codes", beside its English "reasons". */
struct json_t *tims_screen_reason_codes_json(const char (*codes)[TIMS_SCREEN_CODE_BYTES],
					     unsigned n);

/* A reason in both its forms (lib/screen/reason.c), for the scorer and the
 * identifier hits: the English of fmt and its arguments into reasons[*n],
 * the coded form into codes[*n], then *n + 1 (nothing past
 * TIMS_SCREEN_MAX_REASONS). code: NULL for the code the table gives fmt,
 * or the one to take when two codes share a format. */
void tims_screen_reason_vadd(char (*reasons)[TIMS_SCREEN_REASON_BYTES],
			     char (*codes)[TIMS_SCREEN_CODE_BYTES], unsigned *n,
			     const char *code, const char *fmt, va_list ap);
void tims_screen_reason_add(char (*reasons)[TIMS_SCREEN_REASON_BYTES],
			    char (*codes)[TIMS_SCREEN_CODE_BYTES], unsigned *n,
			    const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The codes a reason can have, for the catalogues' test: the i-th code and
 * its parameters' names (by spaces), or NULL past the last; and the i-th
 * coded parameter value with its parameter's name. */
const char *tims_screen_reason_code_at(size_t i, const char **params);
const char *tims_screen_reason_value_at(size_t i, const char **param);

/* Compare two persons. sa and sb may be NULL (nothing known). m is filled
 * completely; with `explain` false the reasons are skipped (faster). */
void tims_screen_compare(const struct tims_name *a, const struct tims_subject *sa,
			 const struct tims_name *b, const struct tims_subject *sb,
			 bool explain, struct tims_match *m);

/* Names only, no reasons: the fast path of the index. */
double tims_screen_name_score(const struct tims_name *a,
			      const struct tims_name *b);

/*
 * Finding a person by name among stored records that can only be looked up
 * by equality on blind indexes (lib/screen/search.c): the centre's national
 * search (lib/cstore/search.c) and a post's history search
 * (lib/post/search.c) use this one piece, so both find the same people.
 *
 * A record is filed under its surname's search key (tims_name_search_key:
 * the consonant skeleton of the first spelling of its longest token that
 * is not a particle) and under its birth date. A query gives the keys to
 * look up: with the full birth date, the date (q->dob); otherwise the
 * skeletons of every spelling of every token of its name (q->keys: surname
 * and given names may be swapped). Each candidate found is then opened and
 * judged by tims_name_query_match: the birth date agrees with what the
 * query gives of it (year, month or day) and the screening score reaches
 * the threshold. What the keys cannot find without a birth date: a typo
 * that changes the consonants of the surname's main token.
 */
#define TIMS_NAME_QUERY_KEYS 16
struct tims_name_query {
	struct tims_name name;       /* the query's name, parsed */
	struct tims_subject subject; /* its birth date (as given) and nationality */
	double threshold;
	char dob[16];                /* "YYYY-MM-DD" when the full date is given, else "" */
	size_t nkeys;                /* 0 when dob is set */
	char keys[TIMS_NAME_QUERY_KEYS][TIMS_TOKEN_MAX + 1];
	struct tims_name scratch;    /* a candidate's name (tims_name_query_match) */
};

/*
 * Check and parse a query (about 11 KB: allocate it). Surname or given
 * names required, each at most max_part bytes; birth_date "", "YYYY",
 * "YYYY-MM" or "YYYY-MM-DD" (not approximate); nationality "" or a code;
 * threshold 0 for TIMS_SCREEN_THRESHOLD, else 0..1. TIMS_ERR_INVALID names
 * the field (surname, birth_date, nationality, threshold); a name of
 * initials or particles only and no full birth date has nothing to be
 * looked up by and is refused too.
 */
TIMS_MUST_USE tims_rc tims_name_query_init(struct tims_name_query *q, const char *surname,
			  const char *given, const char *birth_date, const char *nationality,
			  double threshold, size_t max_part, struct tims_err *err);

/* A candidate record (any field may be NULL or ""): 1 when its birth date
 * agrees and its score reaches the threshold (m filled, with reasons),
 * else 0. A name that does not parse is no match. */
int tims_name_query_match(struct tims_name_query *q, const char *surname, const char *given,
			  const char *birth_date, const char *nationality, const char *sex,
			  struct tims_match *m);

/* The search key a record is filed under, from its surname ("" when the
 * surname does not parse or has no token to file it under). */
void tims_name_search_key(const char *surname, char *out, size_t outsz);

/*
 * What a name search found, by document (issuer and number): its records
 * that matched are counted, the one that matched best speaks for it (names,
 * birth date, nationality, sex, the match), first and last times kept.
 * Both searches fill one set (tims_name_found_add) and order it
 * (tims_name_found_sort: best score first, then the latest crossing); the
 * caller notes what it shows of the latest record (a post's log index, the
 * centre's post of origin) when *latest says this record is it. The set
 * holds personal data: tims_name_found_free wipes it, and a growing set
 * wipes the block it leaves.
 */
#define TIMS_NAME_FOUND_FIELD 128
struct tims_name_found {
	char issuer[TIMS_NAME_FOUND_FIELD], doc[TIMS_NAME_FOUND_FIELD];
	char surname[TIMS_NAME_FOUND_FIELD], given[TIMS_NAME_FOUND_FIELD];
	char birth_date[TIMS_NAME_FOUND_FIELD], nationality[TIMS_NAME_FOUND_FIELD];
	char sex[TIMS_NAME_FOUND_FIELD];
	struct tims_match m;
	uint64_t crossings;
	int64_t first_ms, last_ms;
	uint64_t last_index;                        /* the caller's (a post's log) */
	char last_origin[TIMS_NAME_FOUND_FIELD];    /* the caller's (the centre) */
};
struct tims_name_found_set {
	struct tims_name_found *f;
	size_t n, cap;
};

/* Count one matching record (m) of document issuer/doc at time `when`;
 * the entry, or NULL when out of memory; *latest 1 when this record is the
 * document's latest so far. */
struct tims_name_found *tims_name_found_add(struct tims_name_found_set *s, const char *issuer,
					    const char *doc, const char *surname, const char *given,
					    const char *birth_date, const char *nationality,
					    const char *sex, const struct tims_match *m, int64_t when,
					    int *latest);
void tims_name_found_sort(struct tims_name_found_set *s);
void tims_name_found_free(struct tims_name_found_set *s);

/*
 * Identifiers that match exactly after normalisation: travel document
 * numbers, number plates, VINs. Upper case; spaces, dashes, dots, slashes and
 * MRZ fillers dropped; the letter O read as the digit 0 (the confusion of
 * OCR and of people typing numbers). Both sides of a comparison go through
 * the same function. Errors name the field: empty, too long (> 32), or a
 * character that is not a letter or digit.
 */
#define TIMS_IDENT_MAX 32
enum tims_ident_kind { TIMS_IDENT_DOCUMENT = 1, TIMS_IDENT_PLATE, TIMS_IDENT_VIN };
TIMS_MUST_USE tims_rc tims_screen_norm_ident(enum tims_ident_kind kind, const char *in,
			       char out[TIMS_IDENT_MAX + 1], const char *what,
			       struct tims_err *err);

/*
 * The in-memory index a post screens against (lib/screen/index.c).
 *
 * Persons: every name (primary and aliases) is split into tokens that are
 * interned (one copy of "IVAN" however many Ivans), with postings from
 * phonetic skeletons and equivalence groups to name entries. A query counts,
 * per entry, how many of its tokens share a key and scores only entries
 * where enough do, with the full scorer and the list's threshold.
 * Identifiers: keyed 64-bit fingerprints (SipHash-2-4 of the kind and the
 * normalised number under a 16-byte key: the store's, derived from the
 * vault's blind key, so the index never holds a number in clear), kept as a
 * table of 2^b buckets on the top b bits and a sorted 32-bit remainder each
 * (about 4.6 bytes an identifier at 100 M, no row id). A lookup says how
 * many entries may hold the fingerprint; the caller confirms each against
 * the store (tims_wl_ident_candidates and an exact compare).
 *
 * Build: new, add_*, then finish (sorts). After finish, identifiers may
 * still be added and removed (a delta: an overlay of counts, never a
 * rebuild); persons may not (a delta of a person list reloads the index).
 * Queries are serialised by an internal mutex (the scratch space is shared);
 * a change after finish must not run concurrently with a query (the node
 * holds its screening lock for writing).
 */
struct tims_screen_index;

TIMS_MUST_USE tims_rc tims_screen_index_new(struct tims_screen_index **out);
void tims_screen_index_free(struct tims_screen_index *ix);

/* Room for this many persons, names and identifiers (a hint, may be 0).
 * With identifiers > 0 before any is added, they are expected in increasing
 * fingerprint order and stored compact as they come (no 8-byte copy of
 * each: loading 100 M); one out of order falls back to sorting at finish. */
TIMS_MUST_USE tims_rc tims_screen_index_reserve(struct tims_screen_index *ix, size_t persons,
				  size_t names, size_t idents);

/* A list's threshold for person hits (default TIMS_SCREEN_THRESHOLD). */
TIMS_MUST_USE tims_rc tims_screen_index_set_threshold(struct tims_screen_index *ix,
					uint16_t list, double threshold);

/* A person; *idx receives its index for add_name. */
TIMS_MUST_USE tims_rc tims_screen_index_add_person(struct tims_screen_index *ix, uint16_t list,
				     uint32_t rowid, const struct tims_subject *s,
				     uint32_t *idx);
TIMS_MUST_USE tims_rc tims_screen_index_add_name(struct tims_screen_index *ix, uint32_t person,
				   const struct tims_name *n);
/* Identifier fingerprints. A key of zeros is the default (a scratch store
 * in clear); the store sets its own before loading. Never 0. */
#define TIMS_SCREEN_IDENT_KEY_BYTES 16
uint64_t tims_screen_ident_fp(const uint8_t key[TIMS_SCREEN_IDENT_KEY_BYTES],
			      enum tims_ident_kind kind, const char *norm);
void tims_screen_index_set_ident_key(struct tims_screen_index *ix,
				     const uint8_t key[TIMS_SCREEN_IDENT_KEY_BYTES]);
uint64_t tims_screen_index_ident_fp(const struct tims_screen_index *ix,
				    enum tims_ident_kind kind, const char *norm);

/* An identifier (already normalised by tims_screen_norm_ident) or its
 * fingerprint; before finish, part of the build; after it, a change (the
 * overlay). Removal only after finish: one entry of that fingerprint fewer. */
TIMS_MUST_USE tims_rc tims_screen_index_add_ident(struct tims_screen_index *ix,
				    enum tims_ident_kind kind, const char *norm);
TIMS_MUST_USE tims_rc tims_screen_index_add_ident_fp(struct tims_screen_index *ix, uint64_t fp);
TIMS_MUST_USE tims_rc tims_screen_index_remove_ident(struct tims_screen_index *ix,
				       enum tims_ident_kind kind, const char *norm);
TIMS_MUST_USE tims_rc tims_screen_index_remove_ident_fp(struct tims_screen_index *ix,
					  uint64_t fp);
TIMS_MUST_USE tims_rc tims_screen_index_finish(struct tims_screen_index *ix);

struct tims_screen_index_stats {
	size_t persons, names, tokens, keys, postings, idents;
	size_t bytes; /* memory held by the index */
	size_t ident_bytes; /* of which the identifiers (buckets, remainders, overlay) */
};
void tims_screen_index_stats(const struct tims_screen_index *ix,
			     struct tims_screen_index_stats *st);

struct tims_screen_hit {
	uint32_t rowid;   /* the store's row id of the person or identifier */
	uint16_t list;
	uint32_t person;  /* index-internal */
	struct tims_match m;
};

/*
 * Persons whose score against (q, s) reaches their list's threshold, best
 * first, at most max in hits[], their number in *nhits. `candidates` (may be
 * NULL) receives how many entries were scored. TIMS_ERR_NOMEM when the
 * search could not be completed (then *nhits is 0 and means nothing: a
 * screening must report a failure, never "no hit"), TIMS_ERR_STATE for an
 * index not finished.
 */
TIMS_MUST_USE tims_rc tims_screen_index_search(struct tims_screen_index *ix,
				 const struct tims_name *q, const struct tims_subject *s,
				 bool explain, struct tims_screen_hit *hits, size_t max,
				 size_t *nhits, size_t *candidates);

/* tims_screen_index_search for benchmarks and tests: 0 on failure too, so
 * never for screening a traveller. */
TIMS_MUST_USE size_t tims_screen_index_query(struct tims_screen_index *ix,
			       const struct tims_name *q, const struct tims_subject *s,
			       bool explain, struct tims_screen_hit *hits, size_t max,
			       size_t *candidates);

/* After finish: room for n identifier changes, so that the next n adds and
 * removes cannot fail (a delta applied whole or not at all). */
TIMS_MUST_USE tims_rc tims_screen_index_ident_reserve(struct tims_screen_index *ix, size_t n);

/* The state of the store the index holds (tims_wl_load_index sets it, a
 * delta moves it on): a number the index keeps for its caller. */
void tims_screen_index_set_stamp(struct tims_screen_index *ix, uint64_t stamp);
uint64_t tims_screen_index_stamp(const struct tims_screen_index *ix);

/* How many loaded identifiers may equal `norm` (or have fingerprint fp):
 * 0 means none does; more than 0 is to be confirmed against the store (other
 * numbers may share the bits kept). TIMS_ERR_STATE before finish (then
 * *count is 0 and means nothing: fail closed). */
TIMS_MUST_USE tims_rc tims_screen_index_lookup(const struct tims_screen_index *ix,
				 enum tims_ident_kind kind, const char *norm, size_t *count);
TIMS_MUST_USE tims_rc tims_screen_index_lookup_fp(const struct tims_screen_index *ix,
				    uint64_t fp, size_t *count);

#endif
