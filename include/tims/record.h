/*
 * record.h — a border crossing record, its canonical encoding and the salted
 * leaf commitment that puts it into a post's Merkle log.
 *
 * A record is plain data (fixed-size fields, no allocation) so that it can be
 * decoded from hostile bytes without a lifecycle. Every text field is UTF-8
 * without control characters; the empty string means "not given".
 *
 * Canonical encoding (docs/formats.md, versions 1 and 2): byte 0 is the
 * version, then every field in a fixed order, integers big-endian, strings
 * as a 16-bit big-endian length and the bytes. New records are written as
 * version 2 (version 1's fields, then the server's screening outcome, the
 * check binding, entry mode, approver, companion link and visa); version 1
 * still decodes (its new fields read as their defaults). A record with a
 * chip outcome (read at the booth: authenticated or failed) is written as
 * version 3 (version 2's fields, then the chip's); one without is written
 * as version 2, and a version 3 encoding without a chip outcome is refused,
 * so that each record keeps exactly one encoding. One record has
 * exactly one encoding per version: the decoder refuses anything that would
 * not re-encode to the same bytes (trailing bytes, unknown enum values, bad
 * UTF-8, bad dates).
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

#define TIMS_RECORD_VERSION 2       /* the encoding new records are written in,
				       unless they carry a chip outcome */
#define TIMS_RECORD_VERSION_MAX 3   /* version 3: version 2 and the chip's outcome */
#define TIMS_RECORD_ENTRY_VERSION 1 /* the leaf entry format (unchanged) */
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

/*
 * The server's screening outcome (version 2). NOT_SCREENED: no check was
 * bound (paper register, file import, a version 1 record). FAILED and
 * UNAVAILABLE: the lookup did not complete — never read as "no hit".
 */
enum tims_screen_status {
	TIMS_SCREEN_NOT_SCREENED = 0,
	TIMS_SCREEN_DONE = 1,
	TIMS_SCREEN_FAILED = 2,
	TIMS_SCREEN_UNAVAILABLE = 3,
};

/* The chip's outcome at the booth (version 3; tims/booth.h decides it). */
enum tims_chip_outcome {
	TIMS_CHIP_NOT_READ = 0,      /* no chip files sent (or a record before version 3) */
	TIMS_CHIP_AUTHENTICATED = 1, /* passive authentication passed at the post */
	TIMS_CHIP_FAILED = 2,        /* it did not: document possibly altered */
};

enum tims_hit_part {
	TIMS_HIT_DOCUMENT = 1, /* the document number is listed */
	TIMS_HIT_PERSON = 2,   /* the person (name, birth date) matched */
	TIMS_HIT_VEHICLE = 3,  /* the vehicle (plate, VIN) is listed */
};

#define TIMS_RECORD_MAX_HITS 8

struct tims_record_hit {
	uint8_t part;                  /* enum tims_hit_part */
	uint8_t discreet;              /* 1: a discreet check (SIS Art. 36) */
	char list[TIMS_RECORD_FIELD];  /* watchlist name */
	char ref[TIMS_RECORD_FIELD];   /* entry reference */
	char alert[TIMS_RECORD_FIELD]; /* the entry's alert kind / status as listed */
	uint64_t version;              /* list version the match was made against */
	uint16_t score_pm;             /* score in per mille (0..1000) */
};

enum tims_entry_mode {
	TIMS_ENTRY_READ = 0,   /* document read at the booth */
	TIMS_ENTRY_MANUAL = 1, /* typed by hand */
	TIMS_ENTRY_PAPER = 2,  /* paper register re-entered */
};

enum tims_visa_kind {
	TIMS_VISA_NONE = 0,
	TIMS_VISA_SHORT = 1,     /* type C */
	TIMS_VISA_LONG = 2,      /* type D */
	TIMS_VISA_RESIDENCE = 3, /* residence permit */
};

struct tims_visa {
	uint8_t kind;                        /* enum tims_visa_kind */
	char number[TIMS_RECORD_FIELD];
	char issuer[TIMS_RECORD_FIELD];
	char valid_from[TIMS_RECORD_FIELD];  /* YYYY-MM-DD */
	char valid_until[TIMS_RECORD_FIELD]; /* YYYY-MM-DD */
	uint8_t entries;                     /* 0 multiple, else 1 or 2 */
	uint16_t duration_days;              /* days of stay allowed (short stay) */
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
	char refusal_code[TIMS_RECORD_FIELD]; /* one or more codes, "B,E" */
	char screening[TIMS_RECORD_FIELD];   /* version 1 summary text, read
						only: kept for version 1
						records and not-screened
						imports; a screened record
						leaves it empty */
	uint64_t corrects;                   /* log index, or NO_INDEX */
	char reason[TIMS_RECORD_TEXT];       /* why, for a correction */
	/* version 2 */
	uint8_t screen_status;               /* enum tims_screen_status */
	size_t nhits;
	struct tims_record_hit hits[TIMS_RECORD_MAX_HITS];
	char check_id[TIMS_RECORD_FIELD];    /* the server check this crossing is bound to */
	char confirmed_hit[TIMS_RECORD_FIELD]; /* "list/ref" the officer confirmed when admitting with a hit */
	uint8_t entry_mode;                  /* enum tims_entry_mode */
	char approver[TIMS_RECORD_FIELD];    /* second person (paper import, identity change) */
	uint64_t accompanies;                /* index of the record of the traveller this one came with, or NO_INDEX */
	struct tims_visa visa;
	/* version 3: the chip's outcome, the server's (tims/booth.h) */
	uint8_t chip_outcome;                /* 0 not read, 1 authenticated, 2 failed */
	char chip_reasons[TIMS_RECORD_FIELD]; /* failed: codes, "signature,mrz_mismatch" */
	char chip_state[TIMS_RECORD_FIELD];  /* issuing state from DG1 */
	char chip_signer[TIMS_RECORD_FIELD]; /* the Document Signer's subject (cut to 127 bytes) */
};

/*
 * An empty record: no fields, corrects = accompanies = TIMS_RECORD_NO_INDEX,
 * not screened, entry mode "read", no visa.
 */
void tims_record_init(struct tims_record *r);

/*
 * Check every field (what the encoder and decoder enforce): required fields
 * present, enums known, dates real, codes well-formed, a refusal has one or
 * more distinct codes ("B,E"), a correction has a reason; version 2: hits
 * only with a screening status, each hit well-formed (part, list, ref, score
 * at most 1000), confirmed_hit names a non-discreet hit of the record, an
 * admission with a non-discreet hit has one, screening text only when not
 * screened, a visa complete and its dates in order. The message names the
 * field ("person.sex: must be M, F or X").
 */
TIMS_MUST_USE tims_rc tims_record_check(const struct tims_record *r, struct tims_err *err);

/*
 * A record read from a file (`tims cross import`) was not screened by this
 * server: refuse one that claims a screening (screen_status other than
 * not-screened, hits, check_id or confirmed_hit), naming the field.
 */
TIMS_MUST_USE tims_rc tims_record_check_import(const struct tims_record *r,
					       struct tims_err *err);

/* Append the canonical encoding of r to out (checks it first), version 2. */
tims_rc tims_record_encode(const struct tims_record *r, struct tims_buf *out,
			   struct tims_err *err);

/*
 * The same in an older version (1 or 2): only to compare with bytes stored
 * in that version (an idempotent retry of a version 1 record, tests).
 * Version 1 refuses a record that uses any version 2 field.
 */
tims_rc tims_record_encode_version(const struct tims_record *r, unsigned version,
				   struct tims_buf *out, struct tims_err *err);

/* The encoding version of encoded bytes (byte 0), 0 if empty. */
unsigned tims_record_encoded_version(const void *data, size_t len);

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

/* The time carried by an entry (bytes 2..9); INT64_MIN if the entry is not
 * TIMS_RECORD_ENTRY_VERSION. */
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
const char *tims_screen_status_name(unsigned s); /* "not-screened", "done", "failed", "unavailable" */
const char *tims_record_hit_part_name(unsigned p);    /* "document", "person", "vehicle" */
const char *tims_entry_mode_name(unsigned m);  /* "read", "manual", "paper" */
const char *tims_visa_kind_name(unsigned k);   /* "", "short", "long", "residence" */
/* The value whose name is s, or 0 if none. */
unsigned tims_direction_parse(const char *s);
unsigned tims_decision_parse(const char *s);
unsigned tims_vehicle_role_parse(const char *s);       /* "" or "none" -> 0 too */
unsigned tims_relation_parse(const char *s);
/* These return the value, or -1 if s names none (their 0 is a value). */
int tims_screen_status_parse(const char *s);
int tims_record_hit_part_parse(const char *s);
int tims_entry_mode_parse(const char *s);
int tims_visa_kind_parse(const char *s);        /* "" or "none" -> 0 */
const char *tims_record_chip_name(unsigned o);  /* "not_read", "authenticated", "failed" */
int tims_record_chip_parse(const char *s);

/*
 * Refusal codes: a list "B" or "B,E" — each code A-Z 0-9,
 * no empty item, no repeat. Calls fn for each code (stops at its non-zero
 * return). Returns TIMS_ERR_INVALID naming `what` if the syntax is wrong.
 */
tims_rc tims_refusal_codes_each(const char *list, const char *what,
				int (*fn)(const char *code, void *arg), void *arg,
				struct tims_err *err);

/* "list/ref" of a hit into out (size >= TIMS_RECORD_FIELD); 0 if it fits. */
int tims_record_hit_name(const struct tims_record_hit *h, char *out, size_t size);
/* The hit named "list/ref" among r's hits, or NULL. */
const struct tims_record_hit *tims_record_find_hit(const struct tims_record *r,
						  const char *name);
/* Non-zero if r carries a hit that is not discreet. */
int tims_record_has_open_hit(const struct tims_record *r);

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
