/*
 * mrz.h — reading and validating the machine-readable zone (MRZ) of travel
 * documents, ICAO Doc 9303: TD1 (3x30), TD2 (2x36), TD3 (2x44 passports),
 * MRV-A (2x44 visas), MRV-B (2x36 visas), the French national identity card
 * issued until 2021 (2x36, "IDFRA") and TD2-size emergency documents (PU).
 *
 * This is the first step of every check at a booth, so it is built to be
 * called per traveller by the post node:
 *
 *  - tims_mrz_parse() and tims_mrz_parse_lines() allocate nothing. All their
 *    output is in the caller's fixed-size struct tims_mrz: fields as
 *    NUL-terminated char arrays, at most TIMS_MRZ_MAX_ERRORS errors and
 *    TIMS_MRZ_MAX_WARNINGS warnings, each naming its field and the reason
 *    ("birth_date: check digit is 4, expected 7").
 *  - "Today" (for the century of two-digit years and `expired`) comes from a
 *    struct tims_mrz_options computed once by the caller, so results are
 *    deterministic in tests and the parse makes no system call.
 *  - The library never prints. Thread-safe: no state but a read-only country
 *    table built once (pthread_once).
 *
 * The reader (tims_mrz_reader_*) splits a byte stream into documents (2 or 3
 * lines separated by blank lines; lines end with LF, CRLF or a lone CR, as
 * keyboard-wedge readers send) with bounded memory whatever the input: a
 * line longer than TIMS_MRZ_LINE_KEEP is counted, not stored.
 *
 * See docs/mrz.md for the formats, every error message and the JSON fields.
 */
#ifndef TIMS_MRZ_H
#define TIMS_MRZ_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tims/err.h"

enum tims_mrz_format {
	TIMS_MRZ_UNKNOWN = 0, /* not recognised: see the errors */
	TIMS_MRZ_TD1,         /* 3x30 identity cards (I, A, C) */
	TIMS_MRZ_TD2,         /* 2x36 identity cards, emergency documents (PU) */
	TIMS_MRZ_TD3,         /* 2x44 passports (P) */
	TIMS_MRZ_MRVA,        /* 2x44 visas (V) */
	TIMS_MRZ_MRVB,        /* 2x36 visas (V) */
	TIMS_MRZ_FRA_ID,      /* 2x36 French identity card, 1994-2021 */
	TIMS_MRZ_FORMAT_LAST
};

/* "TD1", "TD2", "TD3", "MRVA", "MRVB", "FRA_ID", or "unknown". */
const char *tims_mrz_format_name(enum tims_mrz_format f);

/* The field an error or warning is about; names as in the JSON output. */
enum tims_mrz_field {
	TIMS_MRZ_F_MRZ = 0,          /* "mrz": lines, lengths, characters */
	TIMS_MRZ_F_DOCUMENT_CODE,    /* "document_code" */
	TIMS_MRZ_F_ISSUING_STATE,    /* "issuing_state" */
	TIMS_MRZ_F_DOCUMENT_NUMBER,  /* "document_number" */
	TIMS_MRZ_F_SURNAME,          /* "surname" (primary identifier) */
	TIMS_MRZ_F_GIVEN_NAMES,      /* "given_names" (secondary identifier) */
	TIMS_MRZ_F_NATIONALITY,      /* "nationality" */
	TIMS_MRZ_F_BIRTH_DATE,       /* "birth_date" */
	TIMS_MRZ_F_SEX,              /* "sex" */
	TIMS_MRZ_F_EXPIRY_DATE,      /* "expiry_date" */
	TIMS_MRZ_F_OPTIONAL_DATA,    /* "optional_data" (TD3: personal number) */
	TIMS_MRZ_F_OPTIONAL_DATA_2,  /* "optional_data_2" (TD1 line 2) */
	TIMS_MRZ_F_COMPOSITE,        /* "composite" check digit */
	TIMS_MRZ_F_LAST
};

const char *tims_mrz_field_name(enum tims_mrz_field f);

#define TIMS_MRZ_MSG_BYTES 128
#define TIMS_MRZ_MAX_ERRORS 16
#define TIMS_MRZ_MAX_WARNINGS 8
#define TIMS_MRZ_MAX_LINES 3
#define TIMS_MRZ_MAX_LINE_LEN 44

struct tims_mrz_issue {
	enum tims_mrz_field field;
	/* Warnings only: the rule a real document broke and was accepted
	 * under, a stable name (NULL for errors); docs/mrz.md lists them with
	 * their source:
	 *   "single-name"       name field begins with "<<" (India, Switzerland):
	 *                       the name is given as the surname
	 *   "long-number-filler" TD1 long number's check digit over the filler
	 *   "document-code"     a code issued in practice outside Doc 9303
	 *   "lowercase", "name-truncated", "historical-code" */
	const char *rule;
	char msg[TIMS_MRZ_MSG_BYTES]; /* begins with the field or line name */
	/* Errors: a stable code for a console to put in its own words, with
	 * up to two values (NULL: msg only). docs/mrz.md lists them:
	 *   "check_digit"          got, expected
	 *   "check_digit_missing"  expected
	 *   "check_digit_not_digit" got
	 *   "missing"
	 *   "not_icao"             got (the three letters) */
	const char *code;
	char got[4], expected[4];
};

struct tims_mrz_date {
	char mrz[7];   /* as printed: YYMMDD, '<' for unknown parts; "" if absent */
	char iso[11];  /* "YYYY-MM-DD"; "YYYY-MM" or "YYYY" when the day or
	                  month is unknown; "" when unknown, absent or invalid */
	int year, month, day; /* 0 when unknown or invalid */
	bool present;  /* the format has this date */
};

struct tims_mrz {
	enum tims_mrz_format format;
	bool valid;          /* no error */
	bool specimen;       /* issuing state or nationality is UTO (Utopia) */
	bool expired;        /* expiry date before options->today */
	bool name_truncated; /* the name fills its whole field */

	unsigned nlines;     /* lines stored below (0 if the shape was wrong) */
	unsigned line_len;
	char line[TIMS_MRZ_MAX_LINES][TIMS_MRZ_MAX_LINE_LEN + 1];

	char document_code[3];   /* "P", "PU", "I", "ID", "V" ... fillers trimmed */
	char issuing_state[4];   /* "UTO", "D" ... fillers trimmed */
	char document_number[24];/* long numbers (TD1/TD2) joined */
	char surname[45];        /* primary identifier, '<' -> ' ' */
	char given_names[45];    /* secondary identifier, '<' -> ' ' */
	char nationality[4];
	struct tims_mrz_date birth_date;
	char sex;                /* 'M', 'F', 'X' (X or '<' printed), 0 if invalid */
	struct tims_mrz_date expiry_date;
	char optional_data[17];  /* trailing fillers trimmed (MRV-A: 16) */
	char optional_data_2[12];

	unsigned nerrors;        /* errors[0..nerrors) are set */
	bool errors_truncated;   /* more errors than TIMS_MRZ_MAX_ERRORS */
	unsigned nwarnings;
	struct tims_mrz_issue errors[TIMS_MRZ_MAX_ERRORS];
	struct tims_mrz_issue warnings[TIMS_MRZ_MAX_WARNINGS];
};

/* Options flags. */
#define TIMS_MRZ_STRICT_CASE 0x1u /* lowercase letters are errors, not folded */

struct tims_mrz_options {
	int today;      /* YYYYMMDD, e.g. 20250314 */
	unsigned flags; /* TIMS_MRZ_* */
};

/* Default options with today = the UTC date of `now`. */
void tims_mrz_options_init(struct tims_mrz_options *opt, time_t now);

/* Set today from "YYYY-MM-DD" (a real calendar date, years 1900-2999). */
tims_rc tims_mrz_options_set_today(struct tims_mrz_options *opt,
				   const char *iso, struct tims_err *err);

/* One line of input. `s` must be readable for min(len, TIMS_MRZ_LINE_KEEP)
 * bytes: a line whose length is not 30, 36 or 44 is rejected by its length
 * alone, so a reader may keep only the start of a huge line. */
struct tims_mrz_line {
	const char *s;
	size_t len;
};

/*
 * Parse and validate one document of n lines. lines[] holds min(n, 3)
 * entries (more than 3 lines is an error found from n alone). Fills *out
 * completely; returns TIMS_OK when the document is valid, TIMS_ERR_INVALID
 * when out->errors says why not. Allocates nothing.
 */
tims_rc tims_mrz_parse_lines(const struct tims_mrz_options *opt,
			     const struct tims_mrz_line *lines, size_t n,
			     struct tims_mrz *out);

/*
 * Parse one document given as text: lines separated by LF, CRLF or CR
 * (surrounding spaces on each line and blank lines are ignored). The console
 * sends this. Same result as above.
 */
tims_rc tims_mrz_parse(const struct tims_mrz_options *opt, const char *text,
		       size_t len, struct tims_mrz *out);

/* The ICAO check digit (7-3-1 weights) of s[0..n): '0'..'9'. '<' counts 0;
 * any byte that is not A-Z, 0-9 or '<' makes the result -1. */
TIMS_MUST_USE int tims_mrz_check_digit(const char *s, size_t n);

/* Country codes (Doc 9303 Part 3): what a 3-character code field is. */
enum tims_mrz_country {
	TIMS_MRZ_COUNTRY_UNKNOWN = 0,
	TIMS_MRZ_COUNTRY_ISO,        /* ISO 3166-1 alpha-3 */
	TIMS_MRZ_COUNTRY_ICAO,       /* D, GBD..GBS, UNO/UNA/UNK, XXA..XXX, EUE, X.. orgs, RKS */
	TIMS_MRZ_COUNTRY_SPECIMEN,   /* UTO */
	TIMS_MRZ_COUNTRY_HISTORICAL  /* codes no longer issued (ANT, NTZ) */
};

/* Classify a code field of exactly 3 bytes ("DEU", "D<<"). */
enum tims_mrz_country tims_mrz_country_kind(const char code[3]);

/*
 * Issuing states and nationalities compared as the same document writes them
 * in different places (lib/mrz/countries.c has each pair and its source):
 * upper case, without the MRZ's filler '<' or blanks, then D as DEU, XKX and
 * XXK as RKS, and for the issuing state only GBD GBN GBO GBP GBS as GBR.
 * Every comparison of an issuing state between two sources (a carrier's
 * list and a crossing, a watchlist and a document) goes through this table.
 */
enum tims_mrz_state_use {
	TIMS_MRZ_STATE_ISSUER,       /* the issuing state of a document */
	TIMS_MRZ_STATE_NATIONALITY   /* a holder's nationality */
};
#define TIMS_MRZ_STATE_NORM 16     /* a buffer that holds any normalised code */

/* in (NULL: "") normalised into out (cap bytes, always terminated; a code
 * longer than cap - 1 is cut). */
void tims_mrz_state_norm(const char *in, enum tims_mrz_state_use use, char *out, size_t cap);
/* 1 when a and b name the same state for use; NULL is no state. */
int tims_mrz_state_same(const char *a, const char *b, enum tims_mrz_state_use use);
/* Every spelling the table gives of in's state, normalised, the canonical
 * first ("D" or "DEU": DEU, D; "GBD" as issuer: GBR, GBD, GBN, GBO, GBP,
 * GBS; "ITA": ITA), into out (at most max, TIMS_MRZ_STATE_SPELLINGS is
 * enough); the number written. For a store that compares states in SQL. */
#define TIMS_MRZ_STATE_SPELLINGS 6
size_t tims_mrz_state_spellings(const char *in, enum tims_mrz_state_use use,
				char out[][TIMS_MRZ_STATE_NORM], size_t max);
/* The table's i-th pair (code, its canonical, and whether it folds only as
 * an issuing state): 1, or 0 past the end. For a store that builds the
 * same folding into its SQL. */
int tims_mrz_state_alias(size_t i, const char **code, const char **canon, int *issuer_only);

/*
 * The parsed document as a JSON object (jansson; the caller owns it): format,
 * valid, the fields, dates as {"mrz", "iso"}, errors and warnings as
 * [{"field", "message"}] — see docs/mrz.md. NULL when out of memory.
 */
struct json_t;
struct json_t *tims_mrz_json(const struct tims_mrz *m);

/* --- reading documents from a stream, bounded ------------------------- */

#define TIMS_MRZ_LINE_KEEP 256  /* bytes of a line kept; the rest is counted */
#define TIMS_MRZ_DOC_LINES 3    /* lines of a document kept; the rest counted */

struct tims_mrz_doc {
	size_t first_line;  /* 1-based line number of its first line in the input */
	size_t nlines;      /* lines in the document (may exceed DOC_LINES) */
	struct {
		size_t len;  /* length after trimming; may exceed LINE_KEEP */
		char text[TIMS_MRZ_LINE_KEEP];
	} line[TIMS_MRZ_DOC_LINES];
};

struct tims_mrz_reader {
	struct tims_mrz_doc doc;
	size_t line_no;     /* lines seen so far */
	size_t cur_len;     /* bytes of the current line since its first non-space */
	size_t cur_trim;    /* ... up to and including its last non-space byte */
	bool after_cr;      /* the last byte ended a line with CR: skip a LF */
	char cur[TIMS_MRZ_LINE_KEEP];
};

/* Called for each complete document; returning non-zero stops the reader. */
typedef int (*tims_mrz_doc_fn)(void *ctx, const struct tims_mrz_doc *doc);

void tims_mrz_reader_init(struct tims_mrz_reader *r);

/* Feed bytes; calls fn for each document completed by them. Returns the
 * first non-zero value fn returned, else 0. */
int tims_mrz_reader_feed(struct tims_mrz_reader *r, const void *data,
			 size_t len, tims_mrz_doc_fn fn, void *ctx);

/* End of input: completes the last document, if any. */
int tims_mrz_reader_finish(struct tims_mrz_reader *r, tims_mrz_doc_fn fn,
			   void *ctx);

/* Parse a document produced by the reader. */
tims_rc tims_mrz_parse_doc(const struct tims_mrz_options *opt,
			   const struct tims_mrz_doc *doc, struct tims_mrz *out);

/*
 * A parsed visa (MRV-A or MRV-B, valid) as the typed visa of a crossing
 * (record.h): kind (document code "VD": long stay; any other: short stay),
 * number, issuer and valid_until from the MRZ. valid_from, entries and
 * duration_days are not in a visa's MRZ: left empty (0) for the booth to
 * fill from the visual zone. TIMS_ERR_INVALID for another document or an
 * MRZ that does not read.
 */
struct tims_visa;
tims_rc tims_mrz_visa(const struct tims_mrz *m, struct tims_visa *out, struct tims_err *err);

#endif
