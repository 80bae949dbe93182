/*
 * names.c — reading a name as people and documents write it: any script,
 * "SURNAME, Given", MRZ "SURNAME<<GIVEN<NAMES" or free text; refusing what
 * is not a name (invalid UTF-8, control characters, digits, a huge input)
 * with the byte offset; then splitting into tokens and asking translit.c for
 * each token's spellings.
 *
 * One exception to "no digits": OCR engines and people copying a document
 * read O as 0, I or L as 1, Z as 2, S as 5, G as 6 and B as 8. A name part
 * that has letters and some of those digits ("J0HN", "SM1TH", "PAU1") is
 * read with the letters they stand for (TIMS_TOK_OCR marks it, and the
 * scorer says "digit 0 read as O"); a 1 gives two spellings, with I and with
 * L. Any other digit (3, 4, 7, 9: no letter is mistaken for them often
 * enough to be worth the false hits), or a part made of digits only
 * ("1985"), is still refused.
 *
 * The input is validated byte by byte before ICU sees it, so every error
 * names a byte offset in what the user typed, not in a normalised copy.
 */
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "screen_int.h"
#include "tims/util.h"

/* Particles that carry little identity: their absence costs little. */
static const char *const particles[] = {
	"AL", "EL", "UL", "AD", "AS", "AR", "VAN", "VON", "DER", "DEN", "DE",
	"DI", "DA", "DOS", "DAS", "DEL", "LA", "LE", "BIN", "BINT", "IBN", "Y",
	"AZ", "EZ", "ES", "ET", "ECH", "ESH", "ADH", "ATH", "IL",
};

static const char *const scheme_names[TIMS_SCHEME_LAST] = {
	[TIMS_SCHEME_ASCII] = "spelling as written",
	[TIMS_SCHEME_ICAO] = "ICAO 9303 transliteration",
	[TIMS_SCHEME_STRIPPED] = "diacritics removed",
	[TIMS_SCHEME_PHONETIC] = "phonetic spelling of diacritics",
	[TIMS_SCHEME_RU1997] = "Russian passport scheme of 1997",
	[TIMS_SCHEME_UA2010] = "Ukrainian national scheme of 2010",
	[TIMS_SCHEME_ELOT743] = "Greek ELOT 743",
	[TIMS_SCHEME_GREEK_PHON] = "common Greek spelling",
	[TIMS_SCHEME_EQUIV] = "given-name equivalence table",
	[TIMS_SCHEME_ABJAD] = "consonants of the Arabic-script name",
	[TIMS_SCHEME_ICU] = "ICU Any-Latin",
	[TIMS_SCHEME_READING] = "German-style reading of J and CH",
	[TIMS_SCHEME_GREEK_READING] = "Greek phonetic spelling",
	[TIMS_SCHEME_ARTICLE] = "Arabic article taken apart",
	[TIMS_SCHEME_ALBANIAN] = "Albanian spelling",
	[TIMS_SCHEME_SLAVIC] = "Slavic reading (ISO 9 C, French J, Ukrainian H)",
	[TIMS_SCHEME_SOUTH_SLAVIC] = "Serbian, Macedonian and Bulgarian romanisation (Х: H, Џ: DŽ)",
};

static const char *const scheme_codes[TIMS_SCHEME_LAST] = {
	[TIMS_SCHEME_ASCII] = "ascii",
	[TIMS_SCHEME_ICAO] = "icao",
	[TIMS_SCHEME_STRIPPED] = "stripped",
	[TIMS_SCHEME_PHONETIC] = "phonetic",
	[TIMS_SCHEME_RU1997] = "ru1997",
	[TIMS_SCHEME_UA2010] = "ua2010",
	[TIMS_SCHEME_ELOT743] = "elot743",
	[TIMS_SCHEME_GREEK_PHON] = "greek_common",
	[TIMS_SCHEME_EQUIV] = "equivalence",
	[TIMS_SCHEME_ABJAD] = "abjad",
	[TIMS_SCHEME_ICU] = "icu",
	[TIMS_SCHEME_READING] = "german_reading",
	[TIMS_SCHEME_GREEK_READING] = "greek_reading",
	[TIMS_SCHEME_ARTICLE] = "article",
	[TIMS_SCHEME_ALBANIAN] = "albanian",
	[TIMS_SCHEME_SLAVIC] = "slavic",
	[TIMS_SCHEME_SOUTH_SLAVIC] = "south_slavic",
};

const char *tims_scheme_code(enum tims_scheme s)
{
	return (unsigned)s < TIMS_SCHEME_LAST ? scheme_codes[s] : NULL;
}

const char *tims_scheme_code_of(const char *name)
{
	for (unsigned s = 0; s < TIMS_SCHEME_LAST; s++)
		if (scheme_names[s] && !strcmp(scheme_names[s], name))
			return scheme_codes[s];
	return NULL;
}

const char *tims_scheme_name(enum tims_scheme s)
{
	return (unsigned)s < TIMS_SCHEME_LAST && scheme_names[s] ? scheme_names[s]
								 : "unknown scheme";
}

/* Invisible format characters that keyboards and bidi text insert. */
static bool ignorable(int32_t cp)
{
	return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x200E ||
	       cp == 0x200F || cp == 0x2060 || cp == 0xFEFF || cp == 0x061C ||
	       cp == 0x00AD;
}

/* Characters that end a token; apostrophes join (O'BRIEN is OBRIEN). */
static bool separator(int32_t cp)
{
	return u_isUWhiteSpace(cp) || cp == '<' || cp == ',' || cp == '-' ||
	       cp == '.' || cp == '/' || cp == '(' || cp == ')' || cp == '_' ||
	       cp == '"' || cp == ';' || cp == ':' || (cp >= 0x2010 && cp <= 0x2015) ||
	       cp == 0x060C /* Arabic comma */;
}

static bool apostrophe(int32_t cp)
{
	return cp == '\'' || cp == '`' || cp == 0x2019 || cp == 0x2018 ||
	       cp == 0x02BC || cp == 0x02BB || cp == 0x00B4 || cp == 0x02BF ||
	       cp == 0x02BE ||
	       /* Hebrew geresh and gershayim: ג׳ורג׳ (George) is a name. */
	       cp == 0x05F3 || cp == 0x05F4;
}

/* The letter an OCR engine (or a person copying) reads as this digit; 0
 * for a digit that is not such a confusion. */
static int32_t ocr_letter(int32_t cp)
{
	switch (cp) {
	case '0': return 'O';
	case '1': return 'I'; /* and L: a second spelling, see flush_token */
	case '2': return 'Z';
	case '5': return 'S';
	case '6': return 'G';
	case '8': return 'B';
	default: return 0;
	}
}

/* Pass 1: the raw bytes. Every refusal names the byte offset. */
static tims_rc validate(const char *s, size_t len, const char *what,
			struct tims_err *err)
{
	int32_t i = 0, n = (int32_t)len;
	int32_t digit_at = -1; /* first OCR digit of the current part */
	bool letter = false;   /* the current part has a letter */

	if (len > TIMS_NAME_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "%s: %zu bytes, at most %d allowed", what, len,
				    TIMS_NAME_MAX_BYTES);
	while (i < n) {
		int32_t at = i, cp;

		U8_NEXT(s, i, n, cp);
		if (cp < 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: invalid UTF-8 at byte %d", what, at);
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: control character U+%04X at byte %d",
					    what, (unsigned)cp, at);
		if (u_charType(cp) == U_FORMAT_CHAR && !ignorable(cp))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: invisible format character U+%04X at byte %d",
					    what, (unsigned)cp, at);
		if (u_isdigit(cp) && !ocr_letter(cp))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: digit at byte %d; a name has none",
					    what, at);
		if (separator(cp) || cp == 0x060C) {
			if (digit_at >= 0 && !letter)
				break;
			digit_at = -1;
			letter = false;
			continue;
		}
		if (ocr_letter(cp)) {
			if (digit_at < 0)
				digit_at = at;
			continue;
		}
		if (u_isalpha(cp))
			letter = true;
		if ((u_ispunct(cp) || u_charType(cp) == U_MATH_SYMBOL ||
		     u_charType(cp) == U_CURRENCY_SYMBOL ||
		     u_charType(cp) == U_OTHER_SYMBOL) &&
		    !separator(cp) && !apostrophe(cp) && cp != '<' && cp != 0x060C)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: character U+%04X at byte %d is not part of a name",
					    what, (unsigned)cp, at);
	}
	if (digit_at >= 0 && !letter) /* digits only: not a misread word */
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: digit at byte %d; a name has none",
				    what, digit_at);
	return TIMS_OK;
}

static bool is_particle(const char *az)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(particles); i++)
		if (!strcmp(az, particles[i]))
			return true;
	return false;
}

struct tok_builder {
	struct tims__letter l[TIMS_TOKEN_ORIG_MAX];
	size_t n;
	char orig[TIMS_TOKEN_ORIG_MAX];
	size_t olen;
	bool ocr;  /* a digit was read as a letter */
	uint64_t ones; /* letters (by index) that were the digit 1 */
};

/* A 1 is an I as often as an L (PAU1, 1VAN): the spelling with L is a
 * second variant of a Latin token whose letters map one to one (the first
 * has I). Skipped when the token has no room for another spelling. */
static void ocr_one_as_l(const struct tok_builder *b, struct tims_name_token *t)
{
	char v[TIMS_TOKEN_MAX + 1];
	size_t n = strlen(t->var[0]);

	if (!b->ones || t->nvar >= TIMS_NAME_MAX_VARIANTS || n != b->n ||
	    t->scheme[0] != TIMS_SCHEME_ASCII)
		return;
	memcpy(v, t->var[0], n + 1);
	for (size_t i = 0; i < n && i < 64; i++)
		if (b->ones & (UINT64_C(1) << i))
			v[i] = 'L';
	for (unsigned i = 0; i < t->nvar; i++)
		if (!strcmp(t->var[i], v))
			return;
	memcpy(t->var[t->nvar], v, n + 1);
	t->scheme[t->nvar] = TIMS_SCHEME_ASCII;
	tims_name_skeleton(v, false, t->skel[t->nvar], sizeof(t->skel[0]));
	tims_name_skeleton(v, true, t->vskel[t->nvar], sizeof(t->vskel[0]));
	t->nvar++;
	tims__equiv_lookup(v, t);
}

static tims_rc flush_token(struct tok_builder *b, uint8_t part,
			   struct tims_name *out, const char *what,
			   struct tims_err *err)
{
	struct tims_name_token *t;

	if (b->n == 0) {
		b->olen = 0;
		return TIMS_OK;
	}
	if (out->ntok >= TIMS_NAME_MAX_TOKENS)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "%s: more than %d name parts", what,
				    TIMS_NAME_MAX_TOKENS);
	t = &out->tok[out->ntok];
	memset(t, 0, sizeof(*t));
	memcpy(t->orig, b->orig, b->olen);
	t->orig[b->olen] = '\0';
	t->part = part;
	if (tims__translit_token(b->l, b->n, t) == 0) {
		if (b->ocr) {
			t->flags |= TIMS_TOK_OCR;
			ocr_one_as_l(b, t);
		}
		if (t->flags & TIMS_TOK_MIXED)
			out->mixed_script = true;
		if (strlen(t->var[0]) == 1 && !(t->flags & TIMS_TOK_ABJAD))
			t->flags |= TIMS_TOK_INITIAL;
		if (is_particle(t->var[0]))
			t->flags |= TIMS_TOK_WEAK;
		/* NUR AL-DIN is one name, as NURUDDIN; in ABD AL-RAHMAN the
		 * article is dropped, so that ABD and RAHMAN join (translit.c) */
		if (out->ntok > 1 && tims__din_article(&out->tok[out->ntok - 2],
						       &out->tok[out->ntok - 1], t) &&
		    tims__din_merge(&out->tok[out->ntok - 2], &out->tok[out->ntok - 1], t))
			out->ntok--;
		else if (!(out->ntok > 0 && tims__abd_article(&out->tok[out->ntok - 1], t)))
			out->ntok++;
	}
	b->n = 0;
	b->olen = 0;
	b->ocr = false;
	b->ones = 0;
	return TIMS_OK;
}

tims_rc tims_name_parse(const char *s, size_t len, const char *what,
			struct tims_name *out, struct tims_err *err)
{
	UChar u16[2 * TIMS_NAME_MAX_BYTES + 2], nfc[4 * TIMS_NAME_MAX_BYTES + 4];
	int32_t n16 = 0, nn = 0, comma = -1, mrz = -1;
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *norm;
	struct tok_builder b;
	tims_rc rc;
	uint8_t part;

	memset(out, 0, offsetof(struct tims_name, tok));
	out->ntok = 0;
	if (!what)
		what = "name";
	if ((rc = validate(s, len, what, err)))
		return rc;
	u_strFromUTF8(u16, (int32_t)TIMS_ARRAY_SIZE(u16), &n16, s, (int32_t)len, &st);
	norm = unorm2_getNFCInstance(&st);
	if (U_SUCCESS(st))
		nn = unorm2_normalize(norm, u16, n16, nfc,
				      (int32_t)TIMS_ARRAY_SIZE(nfc), &st);
	if (U_FAILURE(st))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: %s", what,
				    u_errorName(st));
	/* The shape: MRZ (SURNAME<<GIVEN), "SURNAME, Given" or free. */
	for (int32_t i = 0; i + 1 < nn; i++)
		if (nfc[i] == '<' && nfc[i + 1] == '<') {
			mrz = i;
			break;
		}
	if (mrz < 0)
		for (int32_t i = 0; i < nn; i++)
			if (nfc[i] == ',' || nfc[i] == 0x060C) {
				comma = i;
				break;
			}
	out->mrz_form = mrz >= 0 || u_strchr(nfc, '<') != NULL;
	part = (mrz >= 0 || comma >= 0 || out->mrz_form) ? TIMS_PART_SURNAME
							  : TIMS_PART_ANY;
	b.n = 0;
	b.olen = 0;
	b.ocr = false;
	b.ones = 0;
	for (int32_t i = 0; i < nn;) {
		int32_t at = i, cp;

		U16_NEXT(nfc, i, nn, cp);
		if (at == mrz || at == comma) {
			if ((rc = flush_token(&b, part, out, what, err)))
				return rc;
			part = TIMS_PART_GIVEN;
			continue;
		}
		if (separator(cp)) {
			if ((rc = flush_token(&b, part, out, what, err)))
				return rc;
			continue;
		}
		if (apostrophe(cp) || ignorable(cp))
			continue;
		{
			int32_t letter = ocr_letter(cp);
			enum tims__script sc = tims__script_of(letter ? letter : cp);
			UBool bad = false;
			size_t need = (size_t)U8_LENGTH(cp);

			if (sc == TIMS__S_NONE)
				continue; /* combining marks left after NFC */
			if (letter)
				b.ocr = true;
			if (cp == '1' && b.n < 64)
				b.ones |= UINT64_C(1) << b.n;
			if (b.n < TIMS_ARRAY_SIZE(b.l)) {
				b.l[b.n].cp = letter ? letter : cp;
				b.l[b.n].script = (uint8_t)sc;
				b.n++;
			}
			if (b.olen + need < sizeof(b.orig))
				U8_APPEND(b.orig, b.olen, sizeof(b.orig), cp, bad);
			(void)bad;
		}
	}
	if ((rc = flush_token(&b, part, out, what, err)))
		return rc;
	if (out->ntok == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: no letters", what);
	tims__ukrainian_name(out);
	return TIMS_OK;
}

void tims_name_display(const struct tims_name *n, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < n->ntok; i++) {
		int w = snprintf(out + o, size - o, "%s%s", i ? " " : "",
				 n->tok[i].var[0]);

		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
	}
}

tims_rc tims_name_parse_parts(const char *surname, const char *given, const char *what,
			      struct tims_name *out, struct tims_err *err)
{
	char full[2 * TIMS_NAME_MAX_BYTES + 4];

	if ((size_t)snprintf(full, sizeof(full), "%s<<%s", surname ? surname : "",
			     given ? given : "") >= sizeof(full))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: name too long", what);
	for (char *p = full; *p; p++)
		if (*p == ' ')
			*p = '<';
	return tims_name_parse(full, strlen(full), what, out, err);
}
