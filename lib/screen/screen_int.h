/*
 * screen_int.h — what the files of lib/screen share and nobody else needs:
 * the letter tables (translit.c), the equivalence groups (equiv.c) and the
 * token builder that names.c drives.
 */
#ifndef TIMS_SCREEN_INT_H
#define TIMS_SCREEN_INT_H

#include <stdint.h>

#include "tims/names.h"

/* Scripts as the normaliser tells them apart. */
enum tims__script {
	TIMS__S_NONE = 0,  /* not a letter (a mark, a particle sign) */
	TIMS__S_LATIN,
	TIMS__S_CYRILLIC,
	TIMS__S_GREEK,
	TIMS__S_ARABIC,    /* Arabic and Persian letters */
	TIMS__S_HEBREW,
	TIMS__S_OTHER,     /* everything ICU has to transliterate */
};

/* One letter of a token: the code point (already NFC) and its script. */
struct tims__letter {
	int32_t cp;
	uint8_t script;
};

/*
 * Fill t->var/t->scheme/t->nvar (and TIMS_TOK_ABJAD, TIMS_TOK_MIXED) from the
 * letters of one token. t->orig must already be set. Returns 0, or -1 if the
 * token produced no A-Z letter at all (the caller drops it).
 */
int tims__translit_token(const struct tims__letter *l, size_t n,
			 struct tims_name_token *t);

/* The Greek reading of an A-Z spelling (YORGOS for GIORGOS, BABIS for
 * MPAMPIS) into out (TIMS_TOKEN_MAX + 1 bytes). */
void tims__greek_reading(const char *az, char *out);

/* Where the name starts after an Arabic article written onto it (2 for
 * ALZAHRA and ASSAID, 3 for ASHSHARIF); 0 when there is none. */
size_t tims__article_split(const char *az);

/* Is `t` the Arabic article written apart after ABD (ABD AL-RAHMAN, ABD
 * UR-RAHMAN, ABD ES-SALAM) in the same part of the name as `prev`? Such an
 * article is no letter of the name: ABDURRAHMAN, ABDERRAHMANE, عبد الرحمن. */
bool tims__abd_article(const struct tims_name_token *prev,
		       const struct tims_name_token *t);

/* Is `art` the article of NAME AL-DIN written apart (NUR AL-DIN, SALAH
 * AD-DIN), `t` being DIN? */
bool tims__din_article(const struct tims_name_token *name,
		       const struct tims_name_token *art,
		       const struct tims_name_token *t);

/* NAME AL-DIN written apart made one token, as NURUDDIN and SALAHEDDINE are
 * written (spelled NURDIN, SALAHDIN: the article is in no skeleton). false,
 * and `name` unchanged, when the spellings would not fit. */
bool tims__din_merge(struct tims_name_token *name, const struct tims_name_token *art,
		     const struct tims_name_token *din);

/* A name one of whose Latin parts is a Ukrainian spelling (Ukraine's system
 * of 2010) reads the lone H of its other parts as Г (G) too: one more
 * spelling, TIMS_SCHEME_SLAVIC, for the parts that have room for it. */
void tims__ukrainian_name(struct tims_name *n);

/* Is token i of `n` a given name: its part says so, or the name is free
 * text and i is a strong token before its last one (GIVEN SURNAME)? */
bool tims__given_like(const struct tims_name *n, unsigned i);

/* Is the A-Z spelling `s` a short form of `f` by clipping: the first
 * letters of f (three at least), perhaps with a diminutive ending (-IE, -Y,
 * -EY, -YA, -SHA; -A on a form of four letters) and the last consonant
 * doubled before it (REGGIE, MAL, ARCHIE, VALYA for REGINALD, MALCOLM,
 * ARCHIBALD, VALENTINA), f two letters longer than the clipped part? */
bool tims__clipped(const char *s, const char *f);

/* The stems such a short form clips f to (REG for REGGIE, VAL for VALYA),
 * at most max, each TIMS_TOKEN_MAX + 1 bytes; how many. */
size_t tims__clip_stems(const char *s, char stems[][TIMS_TOKEN_MAX + 1], size_t max);

/* The script of one code point. */
enum tims__script tims__script_of(int32_t cp);

/* Equivalence groups of an A-Z spelling, or of a normalised native token
 * (UTF-8). Appends to t->group (no duplicates, at most TIMS_NAME_MAX_GROUPS). */
void tims__equiv_lookup(const char *key, struct tims_name_token *t);

/* Is the A-Z spelling a name of its own in the published name lists of
 * distinct.c (lib/screen/names/)? */
bool tims__distinct_known(const char *az);

/* Two A-Z spellings that are both names of their own and not one name
 * spelled two ways (BARBER, BARKER; JOHN, JOAN; not ALLEN, ALLAN). */
bool tims__distinct_names(const char *a, const char *b);

/* Is the group that of a name in Arabic script (its first member native)? */
bool tims__equiv_arabic(uint16_t group);

/* Alef forms, ta marbuta, Persian yeh and kaf folded to one letter. */
int32_t tims__abjad_fold(int32_t cp);

/* The first Latin spellings of a group (for abjad tokens); NULL past the end. */
const char *tims__equiv_spelling(uint16_t group, unsigned i);

/* Interned strings (intern.c): id <-> string, for the index's keys. */
struct strtab {
	uint32_t *slots;  /* id + 1; 0 is empty */
	size_t nslots;
	uint32_t *off;    /* arena offset of each id */
	size_t n, cap;
	char *arena;
	size_t alen, acap;
};

/* The id of k, adding it when `add`; UINT32_MAX when absent or out of memory. */
uint32_t tims__strtab_get(struct strtab *t, const char *k, bool add);
void tims__strtab_free(struct strtab *t);

/* Append an A-Z string to a bounded token buffer; false when it is full. */
static inline int tims__az_add(char *dst, size_t *len, const char *s)
{
	while (*s) {
		if (*len >= TIMS_TOKEN_MAX)
			return 0;
		dst[(*len)++] = *s++;
	}
	dst[*len] = '\0';
	return 1;
}

/* Grow *pp (an array of elsize-byte elements, *cap of them) to hold at
 * least need, doubling; TIMS_ERR_NOMEM on overflow or allocation failure. */
tims_rc screen_grow(void *pp, size_t *cap, size_t need, size_t elsize);

/* Token similarities of one query, kept while its candidates are scored
 * (score.c): keyed by gen << 40 | query token << 32 | interned token id;
 * an entry of another gen is empty, so a new query only bumps gen. */
struct tims_subject;
struct tims_match;

#define TIMS__MEMO_SLOTS 2048
struct tims__sim_entry {
	uint64_t key;
	double s;
	uint16_t group;
	uint8_t how, va, vb;
};
struct tims__sim_memo {
	uint32_t gen; /* < 2^24, never 0 while in use */
	struct tims__sim_entry e[TIMS__MEMO_SLOTS];
};

/* tims_screen_compare, with b's tokens interned (ids[i] the id of
 * b->tok[i]) and the similarities of a's tokens to them kept in memo for
 * the next candidate of the same query (same a). The same result. */
void tims__screen_compare_memo(const struct tims_name *a, const struct tims_subject *sa,
			       const struct tims_name *b, const uint32_t *ids,
			       const struct tims_subject *sb, bool explain,
			       struct tims__sim_memo *memo, struct tims_match *m);

#endif
