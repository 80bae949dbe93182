/*
 * names.h — a person's name turned into keys that survive transliteration,
 * typos and the way a name happens to be written down.
 *
 * The same person is "МЮЛЛЕР Юрий", "MIULLER IURII" in a 2013 Russian
 * passport, "MYULLER YURIY" in a 2005 one, "Müller, Juri" in a German register
 * and "MUELLER<<JURI" in an MRZ. tims_name_parse() reads a name in any script
 * and in any of the three shapes below and produces, for every token, up to
 * TIMS_NAME_MAX_VARIANTS spellings in A-Z, each tagged with the scheme that
 * produced it, plus phonetic skeletons and the given-name equivalence groups
 * the token belongs to. The scorer (screen.h) compares those, never the raw
 * text.
 *
 * Shapes: "SURNAME<<GIVEN<NAMES" (MRZ), "Surname, Given Names", or free text
 * "Given Names Surname" (parts unknown; matching is insensitive to order).
 *
 * Hand tables (lib/screen/translit.c): ICAO 9303 Part 3 for Latin diacritics
 * (Ü gives both UE and U), Cyrillic (ICAO 2013, the Russian passport scheme of
 * 1997, Ukraine's 2010 national scheme), Greek (ELOT 743 and a phonetic
 * variant), Turkish and Albanian letters; Arabic and Persian through a
 * given-name equivalence table and consonant skeletons, not a transliterator.
 * Latin spellings of Greek, Albanian and Arabic names get the readings of the
 * other conventions too (YORGOS for GIORGOS, GEVDET for XHEVDET, ZAHRA for
 * EZZAHRA), each a scheme of its own.
 * Other scripts (Georgian, Armenian, Hebrew, CJK ...) go through ICU's
 * Any-Latin as a single, weaker key.
 *
 * Thread-safe: the tables are read-only after a pthread_once initialisation.
 * The library never prints. Fixed-size output, no allocation for the caller.
 */
#ifndef TIMS_NAMES_H
#define TIMS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

#define TIMS_NAME_MAX_BYTES 256   /* a longer name is an error, not cut */
#define TIMS_NAME_MAX_TOKENS 12   /* more tokens is an error */
#define TIMS_NAME_MAX_VARIANTS 3  /* spellings kept per token */
#define TIMS_NAME_MAX_GROUPS 4    /* equivalence groups kept per token */
#define TIMS_TOKEN_MAX 40         /* A-Z bytes kept per spelling */
#define TIMS_TOKEN_ORIG_MAX 64    /* bytes of the token as written */

enum tims_name_part {
	TIMS_PART_ANY = 0,  /* free text: surname or given name unknown */
	TIMS_PART_SURNAME,  /* primary identifier */
	TIMS_PART_GIVEN,    /* secondary identifier */
};

/* Which table produced a spelling; named in the reasons of a hit. */
enum tims_scheme {
	TIMS_SCHEME_ASCII = 0,     /* already A-Z as written */
	TIMS_SCHEME_ICAO,          /* ICAO 9303 Part 3 (Latin: Ü->UE) */
	TIMS_SCHEME_STRIPPED,      /* diacritics removed (Ü->U) */
	TIMS_SCHEME_PHONETIC,      /* Latin letters spelled as said (Š->SH, Ç->CH) */
	TIMS_SCHEME_RU1997,        /* Russian passports 1997-2010 (Я->YA) */
	TIMS_SCHEME_UA2010,        /* Ukraine's national scheme (Г->H, И->Y) */
	TIMS_SCHEME_ELOT743,       /* Greek passports */
	TIMS_SCHEME_GREEK_PHON,    /* Greek as commonly spelled (Χ->H, Υ->I) */
	TIMS_SCHEME_EQUIV,         /* given-name equivalence table (Arabic, Persian) */
	TIMS_SCHEME_ABJAD,         /* consonants of an Arabic/Persian/Hebrew token */
	TIMS_SCHEME_ICU,           /* ICU Any-Latin (scripts without a hand table) */
	TIMS_SCHEME_READING,       /* J read as Y, CH as KH (German-style Slavic) */
	TIMS_SCHEME_GREEK_READING, /* a Latin spelling of a Greek name read as said
				      (GIORGOS, YORGOS: YORGOS; MPAMPIS: BABIS) */
	TIMS_SCHEME_ARTICLE,       /* the Arabic article written onto a name taken
				      off (ALZAHRA, EZZAHRA: ZAHRA) */
	TIMS_SCHEME_ALBANIAN,      /* Albanian XH, Q as other registers write
				      them (XHEVDET: GEVDET; QERIM: CHERIM) */
	TIMS_SCHEME_SLAVIC,        /* a Latin spelling of a Slavic name read
				      across registers (ISO 9 C, RU 1997 TC as
				      TS; French J as ZH; Ukrainian H as G) */
	TIMS_SCHEME_SOUTH_SLAVIC,  /* Cyrillic Х as H, Џ as DŽ (Serbian,
				      Macedonian, Bulgarian romanisation) */
	TIMS_SCHEME_LAST
};

/* "ICAO transliteration", "Russian 1997 passport scheme" ... */
const char *tims_scheme_name(enum tims_scheme s);
/* A scheme's code for a console's catalogue ("icao", "ru1997" ...), by its
 * code or by its English name (NULL: no scheme of that name). */
const char *tims_scheme_code(enum tims_scheme s);
const char *tims_scheme_code_of(const char *name);

/* Token flags. */
#define TIMS_TOK_WEAK    0x01u /* particle (AL, VAN, DE ...): absence costs little */
#define TIMS_TOK_ABJAD   0x02u /* written without vowels: compare skeletons */
#define TIMS_TOK_INITIAL 0x04u /* a single letter: an initial */
#define TIMS_TOK_MIXED   0x08u /* letters of several scripts in one token */
#define TIMS_TOK_OCR     0x10u /* digits 0 1 2 5 6 8 read as O I/L Z S G B ("J0HN") */

struct tims_name_token {
	char orig[TIMS_TOKEN_ORIG_MAX];  /* as written, NFC, cut at a character */
	uint8_t part;                    /* enum tims_name_part */
	uint8_t flags;                   /* TIMS_TOK_* */
	uint8_t nvar;                    /* spellings in var[] (>= 1) */
	uint8_t ngroup;                  /* ids in group[] */
	uint8_t scheme[TIMS_NAME_MAX_VARIANTS];
	char var[TIMS_NAME_MAX_VARIANTS][TIMS_TOKEN_MAX + 1];  /* A-Z */
	char skel[TIMS_NAME_MAX_VARIANTS][TIMS_TOKEN_MAX + 1]; /* consonant classes */
	char vskel[TIMS_NAME_MAX_VARIANTS][TIMS_TOKEN_MAX + 1]; /* ... with vowel runs as A */
	uint16_t group[TIMS_NAME_MAX_GROUPS]; /* equivalence groups, see names_equiv */
};

struct tims_name {
	uint8_t ntok;
	bool mrz_form;      /* written SURNAME<<GIVEN */
	bool mixed_script;  /* some token mixes scripts (homoglyph spoofing?) */
	struct tims_name_token tok[TIMS_NAME_MAX_TOKENS];
};

/*
 * Parse and normalise one name of len bytes (UTF-8). `what` names the field in
 * error messages ("name", "alias 2", "b"). Errors: TIMS_ERR_TOOBIG past
 * TIMS_NAME_MAX_BYTES or TIMS_NAME_MAX_TOKENS; TIMS_ERR_INVALID for invalid
 * UTF-8, control characters, digits, or a name with no letter — each message
 * names the byte offset. The digits 0, 1, 2, 5, 6 and 8 inside a name part
 * that has letters are the OCR confusions of O, I (or L), Z, S, G and B and
 * are read as those letters (the token gets TIMS_TOK_OCR; a 1 gives a
 * spelling with I and one with L); other digits, and parts made of digits
 * only, are errors.
 */
tims_rc tims_name_parse(const char *s, size_t len, const char *what,
			struct tims_name *out, struct tims_err *err);

/* A person's surname and given names (either may be NULL or "") parsed as
 * one name the way an MRZ writes it, SURNAME<<GIVEN<NAMES: what screening
 * and the national search compare. TIMS_ERR_TOOBIG past the name's size. */
tims_rc tims_name_parse_parts(const char *surname, const char *given, const char *what,
			      struct tims_name *out, struct tims_err *err);

/* The name re-assembled from the first spellings, "SURNAME GIVEN" style. */
void tims_name_display(const struct tims_name *n, char *out, size_t size);

/*
 * Phonetic skeleton of an A-Z spelling into out (size >= TIMS_TOKEN_MAX + 1):
 * digraph families folded (SH, SCH, CH, ZH, TS, Z -> S; KH, Q, C -> K;
 * V, W, PH -> F ...), doubled letters collapsed. With `vowels`, each run of
 * vowels is kept as one 'A' (MOHAMMED and MUHAMMAD both give MAHAMAD);
 * without, vowels are dropped (MHMD, what an abjad spelling gives).
 */
void tims_name_skeleton(const char *az, bool vowels, char *out, size_t size);

/* Similarity of two A-Z strings, 0..1: Jaro-Winkler. */
double tims_name_jaro_winkler(const char *a, const char *b);

/* Damerau-Levenshtein (optimal string alignment) distance, capped at 255. */
unsigned tims_name_edit_distance(const char *a, const char *b);

/*
 * Equivalence groups (lib/screen/equiv.c): given names and their variants in
 * any script (محمد, MOHAMMED, MUHAMMAD, MEHMET ...) and nicknames (BILL and
 * WILLIAM, SASHA and ALEXANDER). Ids start at 1. `kind` is 'V' for a
 * variant group, 'N' for a nickname group.
 */
const char *tims_name_group_label(uint16_t group, char *kind);

#endif
