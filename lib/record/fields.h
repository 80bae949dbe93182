/*
 * fields.h — the field table (versions 1 and 2) shared by the binary codec
 * (record.c) and the JSON codec (json.c), private to lib/record.
 *
 * One table drives encoding, decoding, checking and JSON parsing, so that a
 * field cannot be known to one of them and forgotten by another.
 */
#ifndef TIMS_RECORD_FIELDS_H
#define TIMS_RECORD_FIELDS_H

#include "tims/record.h"

enum ftype { F_U8, F_U16, F_I64, F_U64, F_STR, F_COMPANIONS, F_HITS };

enum frule {
	R_NONE,    /* integers and enums: checked between fields */
	R_TEXT,    /* UTF-8, no control characters */
	R_ID,      /* A-Z a-z 0-9 . _ : @ / - */
	R_ALNUM,   /* A-Z 0-9 */
	R_STATE,   /* 1-3 letters A-Z (ICAO state codes, "D" for Germany) */
	R_DOCCODE, /* 1-2 letters A-Z */
	R_DATE,    /* YYYY-MM-DD */
	R_PDATE,   /* YYYY-MM-DD, or YYYY-MM / YYYY when the MRZ leaves the
		      day or month unknown */
	R_SEX,     /* M F X */
	R_CODES,   /* refusal codes: "B" or "B,E" */
};

struct tims_record_field {
	const char *name;   /* path used in messages and JSON */
	enum ftype type;
	size_t off;         /* offsetof in struct tims_record */
	size_t size;        /* bytes of the char array (max length + 1) */
	enum frule rule;
	int required;
	unsigned since;     /* the encoding version that added the field */
};

extern const struct tims_record_field tims_record_fields[];
extern const size_t tims_record_nfields;

/* The field's own rule (not the rules between fields) on string s. */
tims_rc tims_record_check_field(const struct tims_record_field *f,
				const char *s, struct tims_err *err);

#endif
