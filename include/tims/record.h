/*
 * record.h — a border crossing record, its canonical encoding and the salted
 * leaf commitment that puts it into a post's Merkle log.
 *
 * A record is plain data (fixed-size fields, no allocation) so that it can be
 * decoded from hostile bytes without a lifecycle. Every text field is UTF-8
 * without control characters; the empty string means "not given".
 *
 * Canonical encoding (docs/formats.md, version 1): byte 0 is the version,
 * then every field in a fixed order, integers big-endian, strings as a
 * 16-bit big-endian length and the bytes. One record has exactly one
 * encoding: the decoder refuses anything that would not re-encode to the
 * same bytes (trailing bytes, unknown enum values, bad UTF-8, bad dates).
 *
 * Leaf commitment: the log does not hash the record itself but
 *   leaf entry = version || kind || time (8 bytes) || SHA-256(salt || record)
 * with a fresh 32-byte random salt stored next to the record. Erasing the
 * record and its salt (retention) leaves the entry, hence the leaf hash and
 * the whole tree, verifiable; without the salt, nobody can test a guessed
 * record against the entry.
 *
 * Times are milliseconds since 1970-01-01T00:00:00Z (UTC); days are days
 * since 1970-01-01 (negative before).
 */
#ifndef TIMS_RECORD_H
#define TIMS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_RECORD_VERSION 1
#define TIMS_RECORD_KIND_CROSSING 1
#define TIMS_RECORD_SALT_BYTES 32
#define TIMS_RECORD_ENTRY_BYTES 42 /* 1 + 1 + 8 + 32 */
#define TIMS_RECORD_MAX_BYTES 32768 /* an encoded record, at most */
#define TIMS_RECORD_FIELD 128      /* text fields: up to 127 bytes */
#define TIMS_RECORD_TEXT 1024      /* remarks, reason: up to 1023 bytes */
#define TIMS_RECORD_MAX_COMPANIONS 16
#define TIMS_RECORD_NO_INDEX UINT64_MAX

enum tims_direction {
	TIMS_DIR_ENTRY = 1,
	TIMS_DIR_EXIT = 2,
};

enum tims_decision {
	TIMS_DECISION_ADMIT = 1,
	TIMS_DECISION_REFUSE = 2,       /* with refusal_code */
	TIMS_DECISION_SECOND_LINE = 3,  /* referred to second-line check */
};

enum tims_vehicle_role {
	TIMS_VROLE_NONE = 0,       /* no vehicle, or role not recorded */
	TIMS_VROLE_DRIVER = 1,
	TIMS_VROLE_PASSENGER = 2,
};

enum tims_relation {
	TIMS_REL_COMPANION = 1, /* travelling together */
	TIMS_REL_MINOR = 2,     /* a minor in this traveller's care */
	TIMS_REL_GUARDIAN = 3,  /* this traveller is a minor; the guardian */
};

/* The traveller: the MRZ fields (ICAO 9303), names split as read. */
struct tims_person {
	char doc_code[TIMS_RECORD_FIELD];    /* "P", "I", "ID", "V" ... */
	char issuer[TIMS_RECORD_FIELD];      /* issuing state, 1-3 letters */
	char doc_number[TIMS_RECORD_FIELD];  /* A-Z 0-9, required */
	char surname[TIMS_RECORD_FIELD];     /* primary identifier, required */
	char given_names[TIMS_RECORD_FIELD]; /* secondary identifier */
	char nationality[TIMS_RECORD_FIELD]; /* 1-3 letters */
	char birth_date[TIMS_RECORD_FIELD];  /* YYYY-MM-DD or "" */
	char sex[TIMS_RECORD_FIELD];         /* "M", "F", "X" or "" */
	char expiry[TIMS_RECORD_FIELD];      /* YYYY-MM-DD or "" */
};

struct tims_vehicle {
	char plate[TIMS_RECORD_FIELD];
	char country[TIMS_RECORD_FIELD];     /* registration country */
	char make_model[TIMS_RECORD_FIELD];
	char vin[TIMS_RECORD_FIELD];
};

/* Someone crossing with the traveller, named by document. */
struct tims_companion {
	uint8_t relation;                    /* enum tims_relation */
	char issuer[TIMS_RECORD_FIELD];
	char doc_number[TIMS_RECORD_FIELD];
};

struct tims_record {
	uint8_t direction;                   /* enum tims_direction */
	int64_t time_ms;                     /* post time, set by the post */
	int64_t crossed_ms;                  /* when it happened, if not at
						post time (paper register
						re-entered later); 0 = same */
	char ref[TIMS_RECORD_FIELD];         /* client id, unique per post */
	char officer[TIMS_RECORD_FIELD];
	char booth[TIMS_RECORD_FIELD];
	struct tims_person person;
	char remarks[TIMS_RECORD_TEXT];      /* officer's additions */
	uint8_t role;                        /* enum tims_vehicle_role */
	struct tims_vehicle vehicle;
	struct tims_companion companions[TIMS_RECORD_MAX_COMPANIONS];
	size_t ncompanions;
	uint8_t decision;                    /* enum tims_decision */
	char refusal_code[TIMS_RECORD_FIELD];
	char screening[TIMS_RECORD_FIELD];   /* screening outcome summary */
	uint64_t corrects;                   /* log index, or NO_INDEX */
	char reason[TIMS_RECORD_TEXT];       /* why, for a correction */
};

/* An empty record: no fields, corrects = TIMS_RECORD_NO_INDEX. */
void tims_record_init(struct tims_record *r);

/*
 * Check every field (what the encoder and decoder enforce): required fields
 * present, enums known, dates real, codes well-formed, a refusal has a code,
 * a correction has a reason. The message names the field ("person.sex: must
 * be M, F or X").
 */
TIMS_MUST_USE tims_rc tims_record_check(const struct tims_record *r, struct tims_err *err);

/* Append the canonical encoding of r to out (checks it first). */
tims_rc tims_record_encode(const struct tims_record *r, struct tims_buf *out,
			   struct tims_err *err);

/* Decode exactly one canonical encoding (strict: see above). */
tims_rc tims_record_decode(const void *data, size_t len,
			   struct tims_record *out, struct tims_err *err);

/*
 * The log entry for an encoded record: version || kind || time_ms (8 bytes
 * big-endian) || SHA-256(salt || encoded). Its leaf hash is
 * tims_tlog_leaf_hash(entry, TIMS_RECORD_ENTRY_BYTES).
 */
void tims_record_entry(const uint8_t salt[TIMS_RECORD_SALT_BYTES],
		       const void *encoded, size_t len, int64_t time_ms,
		       uint8_t entry[TIMS_RECORD_ENTRY_BYTES]);

/* The time carried by an entry (bytes 2..9); INT64_MIN if not version 1. */
int64_t tims_record_entry_time(const uint8_t entry[TIMS_RECORD_ENTRY_BYTES]);

/* The time that counts for stay rules: crossed_ms if set, else time_ms. */
int64_t tims_record_when(const struct tims_record *r);

/*
 * JSON (jansson) — the import line format of `tims cross import` and the
 * output of `tims history --json` (docs/formats.md). Parsing is strict:
 * unknown fields, wrong types, bad values are refused with the field's path
 * ("person.birth_date: not a date, want YYYY-MM-DD"). The JSON never carries
 * time_ms: the post sets it. `line` is one JSON object, at most
 * TIMS_RECORD_MAX_LINE bytes.
 */
#define TIMS_RECORD_MAX_LINE 65536
tims_rc tims_record_from_json(const char *line, size_t len,
			      struct tims_record *out, struct tims_err *err);
/* Append r as one compact JSON object with sorted keys (no newline). */
tims_rc tims_record_to_json(const struct tims_record *r, struct tims_buf *out);

/* Names of enum values, as used in JSON and on the command line. */
const char *tims_direction_name(unsigned d);   /* "entry", "exit", "?" */
const char *tims_decision_name(unsigned d);    /* "admit", "refuse", "second-line" */
const char *tims_vehicle_role_name(unsigned r);        /* "", "driver", "passenger" */
const char *tims_relation_name(unsigned r);    /* "companion", "minor", "guardian" */
/* The value whose name is s, or 0 if none. */
unsigned tims_direction_parse(const char *s);
unsigned tims_decision_parse(const char *s);
unsigned tims_vehicle_role_parse(const char *s);       /* "" or "none" -> 0 too */
unsigned tims_relation_parse(const char *s);

/* Dates and times (UTC, proleptic Gregorian). */
int64_t tims_days_from_civil(int64_t y, unsigned m, unsigned d);
void tims_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* "YYYY-MM-DD" (a real date, years 1900-2999) to days since 1970-01-01. */
tims_rc tims_date_parse(const char *s, int64_t *days, const char *what,
			struct tims_err *err);
/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" to milliseconds. */
tims_rc tims_time_parse(const char *s, int64_t *ms, const char *what,
			struct tims_err *err);
/* Append "YYYY-MM-DD" / "YYYY-MM-DDTHH:MM:SS.mmmZ". */
tims_rc tims_date_format(int64_t days, struct tims_buf *out);
tims_rc tims_time_format(int64_t ms, struct tims_buf *out);
/* Floor division of ms into days. */
int64_t tims_day_of_ms(int64_t ms);

#endif
