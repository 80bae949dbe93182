/*
 * translit.c — the hand-written letter tables that turn one token of a name,
 * in Latin with diacritics, Cyrillic, Greek, Arabic, Persian or Hebrew, into
 * up to three A-Z spellings, each from a named scheme.
 *
 * Why tables by hand: a passport, an old register and a watchlist each spell
 * a foreign name by a different convention. ICAO 9303 Part 3 writes Ü as UE,
 * a border guard types U; a Russian passport of 2005 wrote Юрий as YURIY, one
 * of 2015 writes IURII; Ukraine writes Г as H. Keeping one spelling per
 * convention lets the scorer say which convention explains a match. Arabic and
 * Persian are written without short vowels, so no transliterator can guess
 * MOHAMMED from محمد: those tokens get their given-name equivalence groups
 * (equiv.c) and a consonant skeleton instead.
 *
 * Scripts without a table go through ICU's Any-Latin, flagged as such.
 */
#include <pthread.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>

#include "screen_int.h"
#include "tims/util.h"

/*
 * Letters by column. Latin rows: ICAO 9303 / diacritics removed / phonetic.
 * Cyrillic rows: ICAO 9303 (2013) / Russian passports 1997 / Ukraine 2010.
 * NULL means "as the previous column". Upper case only: tokens are upper-cased
 * first (ı and i both give I, ß stays ß and has its own row).
 */
struct letter_row {
	const char *letter; /* one code point, UTF-8 */
	const char *col[3];
};

static const struct letter_row latin_rows[] = {
	{ "À", { "A" } }, { "Á", { "A" } }, { "Â", { "A" } }, { "Ã", { "A" } },
	{ "Ä", { "AE", "A" } }, { "Å", { "AA", "A" } }, { "Æ", { "AE" } },
	{ "Ç", { "C", NULL, "CH" } }, { "È", { "E" } }, { "É", { "E" } },
	{ "Ê", { "E" } }, { "Ë", { "E" } }, { "Ì", { "I" } }, { "Í", { "I" } },
	{ "Î", { "I" } }, { "Ï", { "I" } }, { "Ð", { "D" } }, { "Ñ", { "N" } },
	{ "Ò", { "O" } }, { "Ó", { "O" } }, { "Ô", { "O" } }, { "Õ", { "O" } },
	{ "Ö", { "OE", "O" } }, { "Ø", { "OE", "O" } }, { "Ù", { "U" } },
	{ "Ú", { "U" } }, { "Û", { "U" } }, { "Ü", { "UE", "U" } },
	{ "Ý", { "Y" } }, { "Þ", { "TH" } }, { "ß", { "SS" } }, { "ẞ", { "SS" } },
	{ "Ā", { "A" } }, { "Ă", { "A" } }, { "Ą", { "A" } },
	{ "Ć", { "C", NULL, "CH" } }, { "Ĉ", { "C" } }, { "Ċ", { "C" } },
	{ "Č", { "C", NULL, "CH" } }, { "Ď", { "D" } }, { "Đ", { "D", NULL, "DJ" } },
	{ "Ē", { "E" } }, { "Ĕ", { "E" } }, { "Ė", { "E" } }, { "Ę", { "E" } },
	{ "Ě", { "E" } }, { "Ĝ", { "G" } }, { "Ğ", { "G", NULL, "" } },
	{ "Ġ", { "G" } }, { "Ģ", { "G" } }, { "Ĥ", { "H" } }, { "Ħ", { "H" } },
	{ "Ĩ", { "I" } }, { "Ī", { "I" } }, { "Ĭ", { "I" } }, { "Į", { "I" } },
	{ "İ", { "I" } }, { "Ĳ", { "IJ" } }, { "Ĵ", { "J" } }, { "Ķ", { "K" } },
	{ "Ĺ", { "L" } }, { "Ļ", { "L" } }, { "Ľ", { "L" } }, { "Ŀ", { "L" } },
	{ "Ł", { "L" } }, { "Ń", { "N" } }, { "Ņ", { "N" } }, { "Ň", { "N" } },
	{ "Ŋ", { "N" } }, { "Ō", { "O" } }, { "Ŏ", { "O" } }, { "Ő", { "OE", "O" } },
	{ "Œ", { "OE" } }, { "Ŕ", { "R" } }, { "Ŗ", { "R" } }, { "Ř", { "R" } },
	{ "Ś", { "S" } }, { "Ŝ", { "S" } }, { "Ş", { "S", NULL, "SH" } },
	{ "Š", { "S", NULL, "SH" } }, { "Ș", { "S", NULL, "SH" } },
	{ "Ţ", { "T" } }, { "Ț", { "T" } }, { "Ť", { "T" } }, { "Ŧ", { "T" } },
	{ "Ũ", { "U" } }, { "Ū", { "U" } }, { "Ŭ", { "U" } }, { "Ů", { "U" } },
	{ "Ű", { "UE", "U" } }, { "Ų", { "U" } }, { "Ŵ", { "W" } },
	{ "Ŷ", { "Y" } }, { "Ÿ", { "Y" } }, { "Ź", { "Z" } }, { "Ż", { "Z" } },
	{ "Ž", { "Z", NULL, "ZH" } }, { "Ə", { "A", "E" } },
	/* DIN 31635 letters of Arabic romanisation (ALA-LC writes digraphs) */
	{ "Ǧ", { "G", NULL, "J" } }, { "Ḫ", { "H", NULL, "KH" } },
	{ "Ṯ", { "T", NULL, "TH" } }, { "Ḏ", { "D", NULL, "DH" } },
};

static const struct letter_row cyrillic_rows[] = {
	{ "А", { "A" } }, { "Б", { "B" } }, { "В", { "V" } },
	{ "Г", { "G", NULL, "H" } }, { "Ґ", { "G" } }, { "Д", { "D" } },
	{ "Е", { "E" } }, { "Ё", { "E" } }, { "Є", { "IE", "YE", "IE" } },
	{ "Ж", { "ZH" } }, { "З", { "Z" } }, { "И", { "I", NULL, "Y" } },
	{ "І", { "I" } }, { "Ї", { "I", "YI", "I" } }, { "Й", { "I", "Y", "I" } },
	{ "К", { "K" } }, { "Л", { "L" } }, { "М", { "M" } }, { "Н", { "N" } },
	{ "О", { "O" } }, { "П", { "P" } }, { "Р", { "R" } }, { "С", { "S" } },
	{ "Т", { "T" } }, { "У", { "U" } }, { "Ф", { "F" } }, { "Х", { "KH" } },
	{ "Ц", { "TS" } }, { "Ч", { "CH" } }, { "Ш", { "SH" } },
	{ "Щ", { "SHCH" } }, { "Ъ", { "IE", "", "" } }, { "Ы", { "Y" } },
	{ "Ь", { "" } }, { "Э", { "E" } }, { "Ю", { "IU", "YU", "IU" } },
	{ "Я", { "IA", "YA", "IA" } },
	/* Belarusian, Serbian, Macedonian letters of the ICAO table */
	{ "Ў", { "U" } }, { "Ђ", { "D" } }, { "Ѓ", { "G" } }, { "Ѕ", { "DZ" } },
	{ "Ј", { "J" } }, { "Љ", { "LJ" } }, { "Њ", { "NJ" } }, { "Ћ", { "C" } },
	{ "Ќ", { "K" } }, { "Џ", { "DZ" } },
};

/* Ukraine 2010: these letters are spelled differently at a word's start. */
static const struct letter_row ukrainian_initial[] = {
	{ "Є", { "YE" } }, { "Ї", { "YI" } }, { "Й", { "Y" } },
	{ "Ю", { "YU" } }, { "Я", { "YA" } },
};

/*
 * Arabic, Persian and Hebrew letters to consonant classes (the alphabet of
 * tims_name_skeleton without vowels) and to a consonant spelling used in
 * displays. "" means a vowel carrier or a silent letter. Columns: skeleton
 * class, display, Persian skeleton class when it differs (ث ذ ض ظ are said
 * S/Z in Persian).
 */
static const struct letter_row abjad_rows[] = {
	{ "ا", { "", "A" } }, { "ب", { "B", "B" } }, { "ت", { "T", "T" } },
	{ "ث", { "T", "TH", "S" } }, { "ج", { "J", "J" } }, { "ح", { "H", "H" } },
	{ "خ", { "K", "KH" } }, { "د", { "D", "D" } }, { "ذ", { "D", "DH", "S" } },
	{ "ر", { "R", "R" } }, { "ز", { "S", "Z" } }, { "س", { "S", "S" } },
	{ "ش", { "S", "SH" } }, { "ص", { "S", "S" } }, { "ض", { "D", "D", "S" } },
	{ "ط", { "T", "T" } }, { "ظ", { "S", "Z" } }, { "ع", { "", "" } },
	{ "غ", { "G", "GH" } }, { "ف", { "F", "F" } }, { "ق", { "K", "Q", "G" } },
	{ "ك", { "K", "K" } }, { "ل", { "L", "L" } }, { "م", { "M", "M" } },
	{ "ن", { "N", "N" } }, { "ه", { "H", "H" } }, { "ة", { "", "A" } },
	{ "و", { "", "W" } }, { "ي", { "", "Y" } }, { "ى", { "", "A" } },
	{ "ء", { "", "" } }, { "ئ", { "", "" } }, { "ؤ", { "", "" } },
	{ "پ", { "P", "P" } }, { "چ", { "S", "CH" } }, { "ژ", { "S", "ZH" } },
	{ "گ", { "G", "G" } }, { "ک", { "K", "K" } }, { "ی", { "", "Y" } },
	/* Hebrew */
	{ "א", { "", "" } }, { "ב", { "B", "B" } }, { "ג", { "G", "G" } },
	{ "ד", { "D", "D" } }, { "ה", { "H", "H" } }, { "ו", { "", "V" } },
	{ "ז", { "S", "Z" } }, { "ח", { "H", "H" } }, { "ט", { "T", "T" } },
	{ "י", { "", "Y" } }, { "כ", { "K", "K" } }, { "ך", { "K", "K" } },
	{ "ל", { "L", "L" } }, { "מ", { "M", "M" } }, { "ם", { "M", "M" } },
	{ "נ", { "N", "N" } }, { "ן", { "N", "N" } }, { "ס", { "S", "S" } },
	{ "ע", { "", "" } }, { "פ", { "P", "P" } }, { "ף", { "F", "F" } },
	{ "צ", { "S", "TS" } }, { "ץ", { "S", "TS" } }, { "ק", { "K", "K" } },
	{ "ר", { "R", "R" } }, { "ש", { "S", "SH" } }, { "ת", { "T", "T" } },
};

/* Alef forms and Persian letters folded before the equivalence lookup. */
static const struct { const char *from, *to; } abjad_fold[] = {
	{ "أ", "ا" }, { "إ", "ا" }, { "آ", "ا" }, { "ٱ", "ا" }, { "ة", "ه" },
	{ "ى", "ي" }, { "ی", "ي" }, { "ک", "ك" }, { "ئ", "ي" }, { "ؤ", "و" },
};

/* A decoded table: code point -> row, sorted for bsearch. */
struct cp_row {
	int32_t cp;
	const struct letter_row *row;
};

static struct cp_row *latin_idx, *cyr_idx, *uainit_idx, *abjad_idx;
static struct { int32_t from, to; } fold_idx[TIMS_ARRAY_SIZE(abjad_fold)];
static int tables_ok;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static UTransliterator *icu_trans;
static pthread_mutex_t icu_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t icu_once = PTHREAD_ONCE_INIT;

static int32_t decode1(const char *s)
{
	int32_t cp = 0;
	int32_t i = 0, n = (int32_t)strlen(s);

	U8_NEXT(s, i, n, cp);
	return cp;
}

static int cmp_cp_row(const void *a, const void *b)
{
	const struct cp_row *x = a, *y = b;

	return (x->cp > y->cp) - (x->cp < y->cp);
}

static struct cp_row *index_rows(const struct letter_row *rows, size_t n)
{
	struct cp_row *idx = calloc(n + 1, sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		idx[i].cp = decode1(rows[i].letter);
		idx[i].row = &rows[i];
	}
	qsort(idx, n, sizeof(*idx), cmp_cp_row);
	idx[n].cp = -1; /* sentinel: not searched, marks the end */
	return idx;
}

static void tables_init(void)
{
	latin_idx = index_rows(latin_rows, TIMS_ARRAY_SIZE(latin_rows));
	cyr_idx = index_rows(cyrillic_rows, TIMS_ARRAY_SIZE(cyrillic_rows));
	uainit_idx = index_rows(ukrainian_initial, TIMS_ARRAY_SIZE(ukrainian_initial));
	abjad_idx = index_rows(abjad_rows, TIMS_ARRAY_SIZE(abjad_rows));
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(abjad_fold); i++) {
		fold_idx[i].from = decode1(abjad_fold[i].from);
		fold_idx[i].to = decode1(abjad_fold[i].to);
	}
	tables_ok = latin_idx && cyr_idx && uainit_idx && abjad_idx;
}

static const struct letter_row *find_row(const struct cp_row *idx, size_t n,
					 int32_t cp)
{
	struct cp_row key = { cp, NULL };
	const struct cp_row *r = bsearch(&key, idx, n, sizeof(*idx), cmp_cp_row);

	return r ? r->row : NULL;
}

static const char *col(const struct letter_row *r, unsigned c)
{
	while (c > 0 && !r->col[c])
		c--;
	return r->col[c];
}

enum tims__script tims__script_of(int32_t cp)
{
	UErrorCode st = U_ZERO_ERROR;
	UScriptCode sc;

	if (cp < 0x80)
		return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ? TIMS__S_LATIN
								     : TIMS__S_NONE;
	if (!u_isalpha(cp))
		return TIMS__S_NONE;
	sc = uscript_getScript(cp, &st);
	if (U_FAILURE(st))
		return TIMS__S_OTHER;
	switch (sc) {
	case USCRIPT_LATIN: return TIMS__S_LATIN;
	case USCRIPT_CYRILLIC: return TIMS__S_CYRILLIC;
	case USCRIPT_GREEK: return TIMS__S_GREEK;
	case USCRIPT_ARABIC: return TIMS__S_ARABIC;
	case USCRIPT_HEBREW: return TIMS__S_HEBREW;
	case USCRIPT_COMMON: case USCRIPT_INHERITED: return TIMS__S_NONE;
	default: return TIMS__S_OTHER;
	}
}

/* A-Z of a Latin letter without a table row: its base letter under NFD. */
static const char *latin_base(int32_t cp, char tmp[2])
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	UChar d[8];
	int32_t n;

	if (cp >= 'A' && cp <= 'Z') {
		tmp[0] = (char)cp;
		tmp[1] = '\0';
		return tmp;
	}
	if (U_FAILURE(st))
		return "";
	n = unorm2_getDecomposition(nfd, cp, d, 8, &st);
	if (U_FAILURE(st) || n < 1 || d[0] >= 0x80)
		return "";
	tmp[0] = (char)u_toupper(d[0]);
	tmp[1] = '\0';
	return (tmp[0] >= 'A' && tmp[0] <= 'Z') ? tmp : "";
}

/* Record spelling `s` under `scheme` unless it is empty or already there. */
static void add_variant(struct tims_name_token *t, const char *s, unsigned scheme)
{
	if (!*s || t->nvar >= TIMS_NAME_MAX_VARIANTS)
		return;
	for (unsigned i = 0; i < t->nvar; i++)
		if (!strcmp(t->var[i], s))
			return;
	snprintf(t->var[t->nvar], sizeof(t->var[0]), "%s", s);
	t->scheme[t->nvar++] = (uint8_t)scheme;
}

/*
 * German and Polish registers spell Slavic names with J for Й and the soft
 * sign (JURIJ, LJUTYJ, FJODOR) and CH for Х (CHRUSCHTSCHOW): one more
 * spelling reads a non-initial J (not DJ) as Y and a CH (not SCH, TSCH) as
 * KH, so that its skeleton meets the ICAO one. DZ before a vowel is read
 * DZH: Serbian and Croatian DŽ written without its caron (DZAFER, REDZEP).
 */
static void add_reading(struct tims_name_token *t, const char *az)
{
	char r[TIMS_TOKEN_MAX + 1];
	size_t n = 0;
	bool changed = false;

	for (size_t i = 0; az[i] && n < TIMS_TOKEN_MAX; i++) {
		char c = az[i], prev = i ? az[i - 1] : 0;

		if (c == 'J' && ((i > 0 && prev != 'D') ||
				 (i == 0 && strchr("AEIOU", az[1] ? az[1] : 'X')))) {
			r[n++] = 'Y';
			changed = true;
		} else if (c == 'C' && az[i + 1] == 'H' && prev != 'S' && prev != 'T' &&
			   n + 2 <= TIMS_TOKEN_MAX) {
			r[n++] = 'K';
			r[n++] = 'H';
			i++;
			changed = true;
		} else if (c == 'Z' && prev == 'D' && strchr("AEIOU", az[i + 1] ? az[i + 1] : 'X') &&
			   n + 2 <= TIMS_TOKEN_MAX) {
			/* Serbian and Croatian DŽ with its caron stripped (DZEMAL,
			 * REDZEP): the affricate of Albanian XH, Russian ДЖ */
			r[n++] = 'Z';
			r[n++] = 'H';
			changed = true;
		} else {
			r[n++] = c;
		}
	}
	r[n] = '\0';
	if (changed)
		add_variant(t, r, TIMS_SCHEME_READING);
}

static bool az_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

/* Does `az` end with `suf`? */
static bool ends_with(const char *az, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k + 1 && !strcmp(az + n - k, suf);
}

/* Is the H at az[i] a letter of its own, not the second of KH, ZH, SH, CH,
 * TH, DH, GH, PH, XH: in a Ukrainian spelling, Г. */
static bool lone_h(const char *az, size_t i)
{
	return az[i] == 'H' && !(i && strchr("CKSZTDGPX", az[i - 1]));
}

/*
 * Ukraine's system of 2010 writes Г as H and И as Y: a spelling with both
 * a lone H and a Y between two consonants (HAVRYSH, MOHYLA) writes two
 * letters of that table at once, where the Russian form has G and I
 * (GAVRISH, MOGILA). One of them alone is English as often (HOLDEN; LYNCH,
 * SMYTH): only both together count, and not HY at the start, the English
 * HYDE, HYNES, HYLAND.
 */
static bool ua_h_and_y(const char *az)
{
	bool h = false, y = false;

	if (!strchr(az, 'H') || !strchr(az, 'Y'))
		return false;
	for (size_t i = 0; az[i]; i++) {
		h = h || lone_h(az, i);
		y = y || (az[i] == 'Y' && i > 0 && az[i + 1] && !az_vowel(az[i - 1]) &&
			  az[i - 1] != 'Y' && !az_vowel(az[i + 1]) && az[i + 1] != 'Y' &&
			  !(i == 1 && az[0] == 'H'));
	}
	return h && y;
}

/*
 * Does a Latin spelling look like a Slavic name: a Russian, Ukrainian,
 * Belarusian or Polish surname or patronymic by its ending (-OV -EV -IN
 * -SKI -ENKO -UK -ICH and their feminine forms, as every register writes
 * them: -OW, -EW German, -OVA, -AYA)? `ua` is set for the endings of the
 * Ukrainian national system of 2010 (-ENKO, -KO after a consonant, -UK,
 * -YCH, -YI, -II, -IIA, -YNA) and for HR, HL, HN at the start, which only it
 * writes (Г as H).
 */
static bool slavic_plausible(const char *az, bool *ua)
{
	static const char *const slav[] = {
		"OV", "OVA", "OW", "OWA", "EV", "EVA", "EW", "EWA", "IN", "INA",
		"YN", "YNA", "SKI", "SKY", "SKIY", "SKII", "SKIJ", "SKAYA", "SKAIA",
		"SKAJA", "SKA", "ICH", "OVNA", "EVNA",
	};
	static const char *const ukr[] = {
		"ENKO", "UK", "YCH", "YI", "II", "IIA", "YNA", "IIVNA", "YIVNA",
	};
	size_t n = strlen(az);

	*ua = (n >= 4 && az[0] == 'H' && strchr("RLN", az[1])) || ua_h_and_y(az);
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(ukr) && !*ua; i++)
		*ua = ends_with(az, n, ukr[i]);
	/* -KO after a consonant or Y (HOLOVKO, BOYKO); Japanese -KO follows a
	 * vowel (HIROKO, NORIKO) */
	if (!*ua && n >= 5 && !strcmp(az + n - 2, "KO") && !az_vowel(az[n - 3]))
		*ua = true;
	if (*ua)
		return true;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(slav); i++)
		if (ends_with(az, n, slav[i]))
			return true;
	return false;
}

/*
 * One Slavic name in the Latin registers that write it (from their tables:
 * ISO 9:1995 and GOST 7.79 system A, Russian passports 1997-2010, the French
 * and German usual transcriptions, Ukraine's national system of 2010):
 *  - C alone is Ц (ISO 9 KUZNECOV) or Ч with its caron stripped (CERNOV); TC
 *    is Ц in the 1997 passport rules (ZAITCEV): both read TS, which the
 *    skeleton folds with CH, TSCH, Z (German Ц) to one class;
 *  - J at the start before a consonant (JDANOV), or in a spelling with
 *    French OU (JOUKOV, JOURAVLEV), is the French Ж: read ZH; another J is
 *    Й (German JURIJ), read Y as add_reading does;
 *  - in a Ukrainian spelling (slavic_plausible's `ua`, or any Slavic surname
 *    spelled by Ukraine's system, which writes Г as H: HONCHAROV), an H not
 *    in KH, ZH, SH, CH is Г: read G, as the Russian form writes it
 *    (HRYHORII, GRIGORIY). ISO 9's H for Х (HARITONOV) is then not met.
 * Only for spellings slavic_plausible() accepts: C before A, O, U is K in
 * every other Latin register (CARLOS), and H is H in English (HILL / GILL).
 */
static bool slavic_reading(const char *az, char *out)
{
	size_t n = strlen(az), o = 0;
	bool ua, changed = false, french = strstr(az, "OU") != NULL;

	if (!slavic_plausible(az, &ua))
		return false;
	for (size_t i = 0; i < n && o + 2 <= TIMS_TOKEN_MAX; i++) {
		char c = az[i], prev = i ? az[i - 1] : 0, d = i + 1 < n ? az[i + 1] : 0;

		if (c == 'C' && d != 'H' && d != 'Z' && d != 'K' && prev != 'S') {
			out[o++] = 'T';
			out[o++] = 'S';
			changed = true;
		} else if (c == 'T' && d == 'C' && i + 2 < n && az[i + 2] != 'H') {
			out[o++] = 'T';
			out[o++] = 'S';
			i++;
			changed = true;
		} else if (c == 'J' && prev != 'D' &&
			   ((i == 0 && d && !strchr("AEIOUY", d)) ||
			    (french && (i == 0 || az_vowel(prev)) && d && az_vowel(d)))) {
			out[o++] = 'Z';
			out[o++] = 'H';
			changed = true;
		} else if (c == 'J' && prev != 'D') {
			out[o++] = 'Y';
			changed = true;
		} else if (lone_h(az, i)) {
			out[o++] = 'G';
			changed = true;
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	return changed;
}


/*
 * Greek names in Latin letters are written letter by letter (ELOT 743, ISO
 * 843: GEORGIOS, MPAMPIS, NTINOS, PANAGIOTIS, CHRISTOS) or as said (YORGOS,
 * BABIS, DINOS, PANAYOTIS, HRISTOS). The reading below turns either into one
 * spelling as said: word-initial MP, NT, GK are B, D, G; MP/MB MB, NT/ND ND,
 * GK/GG/NG/NK NG inside; Γ before E and I is Y (GI before a vowel is a
 * single Y: GIORGOS, YIORGOS, YORGOS); ΑΙ is E; ΕΙ, ΟΙ and Υ are I; ΟΥ is
 * U; Χ written CH or KH is H; ΔΗ written DH is D. Doubled letters stay (the
 * skeleton folds them: a reading that changed them would only make HARRIS a
 * typo of PARIS). From the ELOT 743 and UN/ISO 843 tables and the common
 * spellings they list beside them.
 */
void tims__greek_reading(const char *az, char *out)
{
	size_t len = strlen(az), i = 0, o = 0;
	char r[2 * TIMS_TOKEN_MAX + 2];

	if (len >= 3 && (az_vowel(az[2]) || az[2] == 'R' || az[2] == 'L') &&
	    (!strncmp(az, "MP", 2) || !strncmp(az, "NT", 2) || !strncmp(az, "GK", 2))) {
		r[o++] = az[0] == 'M' ? 'B' : az[0] == 'N' ? 'D' : 'G';
		i = 2;
	}
	while (i < len && o + 3 < sizeof(r)) {
		char c = az[i], d = i + 1 < len ? az[i + 1] : 0;
		char e = i + 2 < len ? az[i + 2] : 0;

		if ((c == 'M' && (d == 'P' || d == 'B'))) {
			r[o++] = 'M';
			r[o++] = 'B';
			i += 2;
		} else if (c == 'N' && (d == 'T' || d == 'D')) {
			r[o++] = 'N';
			r[o++] = 'D';
			i += 2;
		} else if ((c == 'G' && (d == 'K' || d == 'G')) ||
			   (c == 'N' && (d == 'G' || d == 'K'))) {
			r[o++] = 'N';
			r[o++] = 'G';
			i += 2;
		} else if ((c == 'C' || c == 'K') && d == 'H') {
			r[o++] = 'H';
			i += 2;
		} else if (c == 'D' && d == 'H') {
			r[o++] = 'D';
			i += 2;
		} else if (c == 'P' && d == 'H') {
			r[o++] = 'F';
			i += 2;
		} else if (c == 'X') {
			r[o++] = 'K';
			r[o++] = 'S';
			i++;
		} else if ((c == 'G' && (d == 'E' || d == 'I' || d == 'Y')) ||
			   (c == 'Y' && (az_vowel(d) || d == 'Y'))) {
			r[o++] = 'Y';
			i++;
			/* GIO, YIO, GYA: the I or Y only marks the Y sound */
			if ((az[i] == 'I' || az[i] == 'Y') && i + 1 < len && az_vowel(az[i + 1]))
				i++;
			else if (c == 'Y' && az[i] == 'Y')
				i++;
		} else if (c == 'A' && d == 'I' && !(e && az_vowel(e))) {
			r[o++] = 'E';
			i += 2;
		} else if ((c == 'E' || c == 'O') && d == 'I' && !(e && az_vowel(e))) {
			r[o++] = 'I';
			i += 2;
		} else if (c == 'O' && d == 'U') {
			r[o++] = 'U';
			i += 2;
		} else if (c == 'Y') {
			r[o++] = 'I';
			i++;
		} else {
			r[o++] = c;
			i++;
		}
	}
	if (o > TIMS_TOKEN_MAX)
		o = TIMS_TOKEN_MAX;
	memcpy(out, r, o);
	out[o] = '\0';
}

/*
 * Does a Latin spelling look like a Greek name, so that its Greek reading is
 * worth keeping? Greek masculine names and surnames end in a vowel and S
 * (-OS -IS -AS -ES), women's surnames in -OU (genitive) and -AKI; ELOT
 * writes word-initial MP, NT, GK and inner GK that no other convention
 * writes (GG is Italian and Indonesian too). Other tokens keep their
 * spellings only: a general G-before-E reading would make GEMMA
 * and YEMMA one name, GIADA and YADA (and so ADA, AIDA: Y is a vowel to the
 * skeleton).
 */
static bool greek_plausible(const char *az)
{
	size_t n = strlen(az);

	if (n < 3)
		return false;
	if ((az[n - 1] == 'S' && az_vowel(az[n - 2])) ||
	    (az[n - 2] == 'O' && az[n - 1] == 'U') ||
	    (n >= 5 && !strcmp(az + n - 3, "AKI")))
		return true;
	if ((az_vowel(az[2]) || az[2] == 'R' || az[2] == 'L') &&
	    (!strncmp(az, "MP", 2) || !strncmp(az, "NT", 2) || !strncmp(az, "GK", 2)))
		return true;
	return strstr(az, "GK") != NULL;
}

/*
 * Albanian letters that the skeleton cannot fold, as the registers that
 * spell them differently write them: XH is G before E and I and GI before
 * another vowel in an Italian register (XHEVDET GEVDET, HOXHA HOGIA; its
 * DZH, DJ, DSCH, J are one class in the skeleton already); Q before E or I
 * is CH, TCH, TSCH in French, English and German ones (QERIM CHERIM,
 * TCHERIM). Returns false when the spelling has neither.
 */
static bool albanian_reading(const char *az, char *out)
{
	size_t n = strlen(az), o = 0;
	bool changed = false;

	for (size_t i = 0; i < n && o + 3 <= TIMS_TOKEN_MAX; i++) {
		char d = i + 1 < n ? az[i + 1] : 0, e = i + 2 < n ? az[i + 2] : 0;

		if (az[i] == 'X' && d == 'H' && e && az_vowel(e)) {
			out[o++] = 'G';
			if (e != 'E' && e != 'I')
				out[o++] = 'I';
			i++;
			changed = true;
		} else if (az[i] == 'Q' && (d == 'E' || d == 'I')) {
			out[o++] = 'C';
			out[o++] = 'H';
			changed = true;
		} else {
			out[o++] = az[i];
		}
	}
	out[o] = '\0';
	return changed;
}

/*
 * Does the rest after an article look Arabic? Latin names begin with AL, EL
 * and A + a doubled letter too (ALBERTA, ALBINA, ELMIRA, ANNABEL, ATTILA,
 * ADDOLORATA): the rest must be a name of an Arabic-script equivalence group
 * (HASSAN, SAYED) or have what only a romanisation of Arabic writes — KH,
 * GH, DH, SH, Q, a doubled vowel (ZAHRAA), OU, or the final I of a nisba
 * in a rest without E or O (MASRI, TIKRITI; not ALBERTI, ALFIERI) — and no
 * C, P, V or X (no Arabic letter is written so) unless in CH. TH is no sign:
 * ALBERTHA.
 */
static bool arabic_rest(const char *r)
{
	struct tims_name_token tmp;
	size_t n = strlen(r);

	for (size_t i = 0; i < n; i++)
		if ((r[i] == 'C' && r[i + 1] != 'H') || r[i] == 'P' || r[i] == 'V' ||
		    r[i] == 'X')
			return false;
	if (strstr(r, "KH") || strstr(r, "GH") || strstr(r, "DH") ||
	    strstr(r, "SH") || strchr(r, 'Q') ||
	    strstr(r, "AA") || strstr(r, "II") || strstr(r, "UU") ||
	    strstr(r, "OU") || (n >= 5 && r[n - 1] == 'I' && !az_vowel(r[n - 2]) &&
				!strchr(r, 'E') && !strchr(r, 'O')))
		return true;
	memset(&tmp, 0, sizeof(tmp));
	tims__equiv_lookup(r, &tmp);
	for (unsigned g = 0; g < tmp.ngroup; g++)
		if (tims__equiv_arabic(tmp.group[g]))
			return true;
	return false;
}

/*
 * The Arabic article written onto the name: AL-, EL-, UL-, IL- before a
 * consonant (ALZAHRAA, ELSAYED), or assimilated to a sun letter and written
 * with it doubled (ASSAID, ARRASHID, EZZAHRA, ETTAHER, ASHSHARIF). The rest
 * is the name as the other conventions write it (AZ-ZAHRA, AL ZAHRA, ZAHRA).
 * Returns the offset of the rest, or 0. The rest must keep four letters and
 * two consonants, so ALI, ELLA, ANNA, ALTON keep their one spelling, and
 * look Arabic (arabic_rest).
 */
size_t tims__article_split(const char *az)
{
	size_t n = strlen(az), cut = 0, cons = 0;

	if (n < 6)
		return 0;
	if ((az[0] == 'A' || az[0] == 'E' || az[0] == 'U' || az[0] == 'I') &&
	    az[1] == 'L' && !az_vowel(az[2]) && az[2] != 'L' && az[2] != 'Y')
		cut = 2;
	else if ((az[0] == 'A' || az[0] == 'E') && strchr("DNRSTZ", az[1]) &&
		 az[2] == az[1])
		cut = 2;
	else if ((az[0] == 'A' || az[0] == 'E') && n >= 7 && strchr("DSTZC", az[1]) &&
		 az[2] == 'H' && az[3] == az[1] && az[4] == 'H')
		cut = 3;                     /* ASHSHARIF, ADHDHAHABI, ECHCHERIF */
	if (!cut || n - cut < 4)
		return 0;
	for (size_t i = cut; i < n; i++)
		cons += !az_vowel(az[i]) && az[i] != 'Y';
	/* EZZ- begins no name of a Latin language (AZZ- does: AZZURRA) */
	if (cons >= 2 && cut == 2 && az[0] == 'E' && az[1] == 'Z' && az[2] == 'Z')
		return cut;
	return cons >= 2 && arabic_rest(az + cut) ? cut : 0;
}

bool tims__abd_article(const struct tims_name_token *prev,
		       const struct tims_name_token *t)
{
	const char *a = t->var[0];
	size_t n = strlen(a);

	if (prev->part != t->part || strcmp(prev->var[0], "ABD") ||
	    (t->flags & TIMS_TOK_ABJAD) || n < 2 || n > 3)
		return false;
	if (a[0] != 'A' && a[0] != 'E' && a[0] != 'U' && a[0] != 'I')
		return false;
	/* AL, EL, UL, IL; AR, AS, AD, AN, AT, AZ ...; ASH, ADH, ATH, ECH */
	if (n == 2)
		return strchr("LRSDNTZ", a[1]) != NULL;
	return strchr("SDTC", a[1]) && a[2] == 'H';
}

bool tims__din_article(const struct tims_name_token *name,
		       const struct tims_name_token *art,
		       const struct tims_name_token *t)
{
	const char *d = t->var[0];

	if (!(art->flags & TIMS_TOK_WEAK) || name->part != art->part ||
	    art->part != t->part || (name->flags & TIMS_TOK_WEAK) ||
	    (strcmp(d, "DIN") && strcmp(d, "DINE") && strcmp(d, "DEEN")))
		return false;
	/* the article is one tims__abd_article would drop after ABD */
	return tims__abd_article(&(struct tims_name_token){ .part = art->part,
							     .var = { "ABD" } }, art);
}

bool tims__din_merge(struct tims_name_token *name, const struct tims_name_token *art,
		     const struct tims_name_token *din)
{
	struct tims_name_token m = *name;
	size_t lo = strlen(name->orig), la = strlen(art->orig), ld = strlen(din->orig);

	for (unsigned k = 0; k < m.nvar; k++) {
		size_t l = 0;

		m.var[k][0] = '\0';
		/* without the article, as the Arabic script's skeleton has none
		 * (نور الدين: NR + DN) and SALAHEDDINE's doubled D folds */
		if (!tims__az_add(m.var[k], &l, name->var[k]) ||
		    !tims__az_add(m.var[k], &l, din->var[0]))
			return false;
		tims_name_skeleton(m.var[k], false, m.skel[k], sizeof(m.skel[k]));
		tims_name_skeleton(m.var[k], true, m.vskel[k], sizeof(m.vskel[k]));
	}
	/* the name as written, when it fits whole (never cut inside a letter) */
	if (lo + la + ld + 2 < sizeof(m.orig)) {
		char *o = m.orig;

		memcpy(o, name->orig, lo);
		o[lo] = ' ';
		memcpy(o + lo + 1, art->orig, la);
		o[lo + 1 + la] = ' ';
		memcpy(o + lo + la + 2, din->orig, ld);
		o[lo + la + 2 + ld] = '\0';
	}
	m.flags &= (uint8_t)~TIMS_TOK_INITIAL;
	m.ngroup = 0;
	for (unsigned k = 0; k < m.nvar; k++)
		tims__equiv_lookup(m.var[k], &m);
	*name = m;
	return true;
}

/* Latin and Cyrillic: three columns, each a whole spelling of the token. */
static void translit_table(const struct tims__letter *l, size_t n, bool cyr,
			   struct tims_name_token *t)
{
	static const uint8_t latin_schemes[3] = {
		TIMS_SCHEME_ICAO, TIMS_SCHEME_STRIPPED, TIMS_SCHEME_PHONETIC };
	static const uint8_t cyr_schemes[3] = {
		TIMS_SCHEME_ICAO, TIMS_SCHEME_RU1997, TIMS_SCHEME_UA2010 };
	char out[3][TIMS_TOKEN_MAX + 1] = { "", "", "" };
	/* Serbian, Macedonian and Bulgarian romanisation of Х and Џ */
	char south[TIMS_TOKEN_MAX + 1] = "";
	size_t len[3] = { 0, 0, 0 }, slen = 0;
	bool plain = true, has_south = false;

	for (size_t i = 0; i < n; i++) {
		int32_t cp = u_toupper(l[i].cp);
		const struct letter_row *r = NULL;
		char tmp[2];

		if (l[i].script == TIMS__S_CYRILLIC) {
			r = find_row(cyr_idx, TIMS_ARRAY_SIZE(cyrillic_rows), cp);
			if (r && i == 0) {
				const struct letter_row *u = find_row(uainit_idx,
					TIMS_ARRAY_SIZE(ukrainian_initial), cp);
				if (u) {
					tims__az_add(out[0], &len[0], col(r, 0));
					tims__az_add(out[1], &len[1], col(r, 1));
					tims__az_add(out[2], &len[2], u->col[0]);
					tims__az_add(south, &slen, col(r, 0));
					plain = false;
					continue;
				}
			}
			if (r && (cp == 0x425 || cp == 0x40F)) { /* Х, Џ */
				tims__az_add(south, &slen, cp == 0x425 ? "H" : "DZH");
				has_south = true;
			} else if (r) {
				tims__az_add(south, &slen, col(r, 0));
			}
		} else if (l[i].script == TIMS__S_LATIN && (cp < 'A' || cp > 'Z')) {
			r = find_row(latin_idx, TIMS_ARRAY_SIZE(latin_rows), cp);
		}
		if (r) {
			plain = false;
			for (unsigned c = 0; c < 3; c++)
				tims__az_add(out[c], &len[c], col(r, c));
			if (l[i].script != TIMS__S_CYRILLIC)
				tims__az_add(south, &slen, col(r, 0));
		} else {
			const char *b = l[i].script == TIMS__S_LATIN ?
					latin_base(cp, tmp) : "";
			if (cp < 'A' || cp > 'Z')
				plain = false;
			for (unsigned c = 0; c < 3; c++)
				tims__az_add(out[c], &len[c], b);
			tims__az_add(south, &slen, b);
		}
	}
	if (plain)
		add_variant(t, out[0], TIMS_SCHEME_ASCII);
	else
		for (unsigned c = 0; c < 3; c++)
			add_variant(t, out[c], cyr ? cyr_schemes[c] : latin_schemes[c]);
	/* Х is KH in the ICAO, Russian and Ukrainian tables and H in the
	 * Serbian, Macedonian and Bulgarian ones (ХОЏА, ХОДЖА: HODZHA, as
	 * Albanian HOXHA is said); Џ is DŽ there, said as Albanian XH */
	if (cyr && has_south)
		add_variant(t, south, TIMS_SCHEME_SOUTH_SLAVIC);
	if (!cyr) {
		char g[TIMS_TOKEN_MAX + 1];
		size_t cut = tims__article_split(out[1]);

		add_reading(t, out[1]);
		if (cut) {
			/* a known name keeps its letters (ALBERT is not AL + BERT) */
			tims__equiv_lookup(out[1], t);
			if (t->ngroup == 0)
				add_variant(t, out[1] + cut, TIMS_SCHEME_ARTICLE);
		}
		if (albanian_reading(out[1], g))
			add_variant(t, g, TIMS_SCHEME_ALBANIAN);
		if (slavic_reading(out[1], g))
			add_variant(t, g, TIMS_SCHEME_SLAVIC);
		/* ELOT and common Greek spellings have no diacritics: BAĞIŞ,
		 * ANDRÉS are not read as Greek */
		if (plain && greek_plausible(out[1])) {
			tims__greek_reading(out[1], g);
			add_variant(t, g, TIMS_SCHEME_GREEK_READING);
		}
	}
}

/*
 * Greek, ELOT 743 (the Greek passport standard) and a common phonetic
 * spelling. ELOT's digraph rules: ΑΥ/ΕΥ/ΗΥ give AV/EV/IV before a vowel or
 * voiced consonant and AF/EF/IF otherwise; ΟΥ gives OU; ΓΓ, ΓΚ, ΓΞ, ΓΧ give
 * NG, NK (G at the start), NX, NCH; ΜΠ gives B at the start, MP inside; ΝΤ
 * gives D at the start, NT inside.
 */
struct greek_letter {
	int32_t cp;
	const char *elot, *phon;
	bool vowel, voiced;
};

static const struct greek_letter greek[] = {
	{ 0x391, "A", "A", true, false }, { 0x392, "V", "V", false, true },
	{ 0x393, "G", "G", false, true }, { 0x394, "D", "D", false, true },
	{ 0x395, "E", "E", true, false }, { 0x396, "Z", "Z", false, true },
	{ 0x397, "I", "I", true, false }, { 0x398, "TH", "TH", false, false },
	{ 0x399, "I", "I", true, false }, { 0x39A, "K", "K", false, false },
	{ 0x39B, "L", "L", false, true }, { 0x39C, "M", "M", false, true },
	{ 0x39D, "N", "N", false, true }, { 0x39E, "X", "KS", false, false },
	{ 0x39F, "O", "O", true, false }, { 0x3A0, "P", "P", false, false },
	{ 0x3A1, "R", "R", false, true }, { 0x3A3, "S", "S", false, false },
	{ 0x3A4, "T", "T", false, false }, { 0x3A5, "Y", "I", true, false },
	{ 0x3A6, "F", "F", false, false }, { 0x3A7, "CH", "H", false, false },
	{ 0x3A8, "PS", "PS", false, false }, { 0x3A9, "O", "O", true, false },
};

/* Upper-case Greek letter without tonos; *diaer set for Ϊ Ϋ. */
static int32_t greek_base(int32_t cp, bool *diaer)
{
	static const int32_t tonos[][2] = {
		{ 0x386, 0x391 }, { 0x388, 0x395 }, { 0x389, 0x397 },
		{ 0x38A, 0x399 }, { 0x38C, 0x39F }, { 0x38E, 0x3A5 },
		{ 0x38F, 0x3A9 }, { 0x3AA, 0x399 }, { 0x3AB, 0x3A5 },
		{ 0x390, 0x399 }, { 0x3B0, 0x3A5 }, { 0x3C2, 0x3A3 },
	};

	*diaer = false;
	if (cp == 0x3CA || cp == 0x3AA || cp == 0x390) {
		*diaer = true;
		return 0x399;
	}
	if (cp == 0x3CB || cp == 0x3AB || cp == 0x3B0) {
		*diaer = true;
		return 0x3A5;
	}
	cp = u_toupper(cp);
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(tonos); i++)
		if (tonos[i][0] == cp)
			return tonos[i][1];
	return cp;
}

static const struct greek_letter *greek_find(int32_t cp)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(greek); i++)
		if (greek[i].cp == cp)
			return &greek[i];
	return NULL;
}

static void translit_greek(const struct tims__letter *l, size_t n,
			   struct tims_name_token *t)
{
	char e[TIMS_TOKEN_MAX + 1] = "", p[TIMS_TOKEN_MAX + 1] = "";
	size_t el = 0, pl = 0;
	int32_t cps[TIMS_TOKEN_ORIG_MAX];
	bool dia[TIMS_TOKEN_ORIG_MAX];

	if (n > TIMS_TOKEN_ORIG_MAX)
		n = TIMS_TOKEN_ORIG_MAX;
	for (size_t i = 0; i < n; i++)
		cps[i] = greek_base(l[i].cp, &dia[i]);
	for (size_t i = 0; i < n; i++) {
		const struct greek_letter *g = greek_find(cps[i]);
		const struct greek_letter *nx = i + 1 < n ? greek_find(cps[i + 1]) : NULL;
		int32_t c = cps[i], c2 = i + 1 < n ? cps[i + 1] : 0;
		char tmp[2];

		if (!g) { /* a Latin or other letter inside a Greek token */
			const char *b = latin_base(u_toupper(l[i].cp), tmp);
			tims__az_add(e, &el, b);
			tims__az_add(p, &pl, b);
			continue;
		}
		if ((c == 0x391 || c == 0x395 || c == 0x397) && c2 == 0x3A5 && !dia[i + 1]) {
			const struct greek_letter *after = i + 2 < n ? greek_find(cps[i + 2]) : NULL;
			const char *v = after && (after->vowel || after->voiced) ? "V" : "F";

			tims__az_add(e, &el, g->elot);
			tims__az_add(e, &el, v);
			tims__az_add(p, &pl, g->phon);
			tims__az_add(p, &pl, v);
			i++;
			continue;
		}
		if (c == 0x39F && c2 == 0x3A5 && !dia[i + 1]) {
			tims__az_add(e, &el, "OU");
			tims__az_add(p, &pl, "OU");
			i++;
			continue;
		}
		if (c == 0x393 && nx && (c2 == 0x393 || c2 == 0x39A || c2 == 0x39E || c2 == 0x3A7)) {
			const char *s = c2 == 0x393 ? "NG" : c2 == 0x39A ? (i == 0 ? "G" : "NK")
				      : c2 == 0x39E ? "NX" : "NCH";
			tims__az_add(e, &el, s);
			tims__az_add(p, &pl, c2 == 0x39A && i > 0 ? "NG" : c2 == 0x3A7 ? "NH" : s);
			i++;
			continue;
		}
		if ((c == 0x39C && c2 == 0x3A0) || (c == 0x39D && c2 == 0x3A4)) {
			const char *s = c == 0x39C ? (i == 0 ? "B" : "MP") : (i == 0 ? "D" : "NT");

			tims__az_add(e, &el, s);
			tims__az_add(p, &pl, c == 0x39C ? (i == 0 ? "B" : "MB") : (i == 0 ? "D" : "ND"));
			i++;
			continue;
		}
		tims__az_add(e, &el, g->elot);
		tims__az_add(p, &pl, g->phon);
	}
	add_variant(t, e, TIMS_SCHEME_ELOT743);
	add_variant(t, p, TIMS_SCHEME_GREEK_PHON);
	/* the same reading as a Latin spelling of a Greek name gets */
	{
		char g[TIMS_TOKEN_MAX + 1];

		tims__greek_reading(e, g);
		add_variant(t, g, TIMS_SCHEME_GREEK_READING);
	}
}

/*
 * Arabic, Persian, Hebrew: the equivalence groups of the folded token (with
 * and without the article ال), then the group's Latin spellings, then the
 * consonants as a last spelling. The skeleton is computed here, from the
 * letters, because a Latin skeleton of "MHMD" would read its H as a digraph.
 */
static void translit_abjad(const struct tims__letter *l, size_t n,
			   struct tims_name_token *t, char *skel_out)
{
	char folded[4 * TIMS_TOKEN_ORIG_MAX + 1];
	char cons[TIMS_TOKEN_MAX + 1] = "", sk[TIMS_TOKEN_MAX + 1] = "";
	char sk2[TIMS_TOKEN_MAX + 1] = "";
	size_t fl = 0, cl = 0, kl = 0, kl2 = 0, start = 0, art_bytes = 0;
	bool persian = false;
	char last = 0, last2 = 0;

	for (size_t i = 0; i < n; i++) {
		int32_t cp = l[i].cp;

		if (cp == 0x67E || cp == 0x686 || cp == 0x698 || cp == 0x6AF ||
		    cp == 0x6A9 || cp == 0x6CC)
			persian = true;
	}
	/* The article: الخليفي is KHALIFI in the skeleton (AL is a weak token
	 * when written apart in Latin). */
	if (n > 3 && l[0].cp == 0x627 && l[1].cp == 0x644)
		start = 2;
	for (size_t i = 0; i < n; i++) {
		int32_t cp = tims__abjad_fold(l[i].cp);
		const struct letter_row *r;
		const char *k;
		UBool bad = false;

		if ((cp >= 0x64B && cp <= 0x65F) || cp == 0x670 || cp == 0x640)
			continue; /* vowel signs, shadda, tatweel */
		if (fl + 4 < sizeof(folded))
			U8_APPEND(folded, fl, sizeof(folded), cp, bad);
		(void)bad;
		if (i + 1 == start)
			art_bytes = fl;
		r = find_row(abjad_idx, TIMS_ARRAY_SIZE(abjad_rows), l[i].cp);
		if (!r)
			r = find_row(abjad_idx, TIMS_ARRAY_SIZE(abjad_rows), cp);
		if (!r)
			continue;
		tims__az_add(cons, &cl, r->col[1]);
		if (i < start)
			continue;
		k = persian && r->col[2] ? r->col[2] : r->col[0];
		if (i == start && (cp == 0x648 || cp == 0x5D5))
			k = "F"; /* a word-initial waw is the consonant W */
		if (i + 1 == n && i > start && (cp == 0x647 || cp == 0x5D4))
			k = ""; /* Persian فاطمه: a final he is a vowel */
		/* The second skeleton reads a medial waw as the consonant W/V
		 * (جاوید JAVID, الطويل TAWIL), the first as the vowel U/O; and qaf
		 * the other way from the first (QAZI and GHAZI, GAMAL and QAMAR). */
		{
			const char *k2 = (cp == 0x648 || cp == 0x5D5) && i > start ? "F" : k;

			if (cp == 0x642) /* qaf: K in Arabic (QASIM), G in Persian (GHAZI) */
				k2 = persian ? "K" : "G";

			if (!*k2)
				last2 = 0;
			else if (last2 != k2[0])
				tims__az_add(sk2, &kl2, k2);
			if (*k2)
				last2 = k2[0];
		}
		if (!*k) {
			last = 0;
			continue;
		}
		if (last != k[0])
			tims__az_add(sk, &kl, k);
		last = k[0];
	}
	folded[fl] = '\0';
	tims__equiv_lookup(folded, t);
	if (start)
		tims__equiv_lookup(folded + art_bytes, t);
	for (unsigned g = 0; g < t->ngroup && t->nvar < 2; g++) {
		const char *s = tims__equiv_spelling(t->group[g], 0);

		if (s)
			add_variant(t, s, TIMS_SCHEME_EQUIV);
	}
	/* Consonant spellings: one per skeleton, set here, not recomputed. */
	for (int alt = 0; alt < 2 && t->nvar < TIMS_NAME_MAX_VARIANTS; alt++) {
		const char *k = alt ? sk2 : sk;

		if (alt && !strcmp(sk, sk2))
			break;
		snprintf(t->var[t->nvar], sizeof(t->var[0]), "%s", *cons ? cons : "X");
		snprintf(t->skel[t->nvar], sizeof(t->skel[0]), "%s", k);
		t->scheme[t->nvar++] = TIMS_SCHEME_ABJAD;
	}
	(void)skel_out;
	t->flags |= TIMS_TOK_ABJAD;
}

int32_t tims__abjad_fold(int32_t cp)
{
	pthread_once(&tables_once, tables_init);
	for (size_t k = 0; k < TIMS_ARRAY_SIZE(fold_idx); k++)
		if (fold_idx[k].from == cp)
			return fold_idx[k].to;
	return cp;
}

static void icu_init(void)
{
	static const char id[] = "Any-Latin; Latin-ASCII; Upper";
	UChar uid[64];
	UErrorCode st = U_ZERO_ERROR;

	u_uastrcpy(uid, id);
	icu_trans = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
	if (U_FAILURE(st))
		icu_trans = NULL;
}

/* Scripts with no hand table: ICU Any-Latin, then keep A-Z only. */
static void translit_icu(const struct tims__letter *l, size_t n,
			 struct tims_name_token *t)
{
	UChar buf[512];
	int32_t len = 0, limit;
	UErrorCode st = U_ZERO_ERROR;
	char out[TIMS_TOKEN_MAX + 1] = "";
	size_t ol = 0;

	pthread_once(&icu_once, icu_init);
	if (!icu_trans)
		return;
	for (size_t i = 0; i < n && len < 120; i++) {
		UBool bad = false;

		U16_APPEND(buf, len, 128, l[i].cp, bad);
		(void)bad;
	}
	limit = len;
	pthread_mutex_lock(&icu_lock);
	utrans_transUChars(icu_trans, buf, &len, (int32_t)TIMS_ARRAY_SIZE(buf),
			   0, &limit, &st);
	pthread_mutex_unlock(&icu_lock);
	if (U_FAILURE(st))
		return;
	for (int32_t i = 0; i < len && ol < TIMS_TOKEN_MAX; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			out[ol++] = (char)buf[i];
	out[ol] = '\0';
	add_variant(t, out, TIMS_SCHEME_ICU);
}

int tims__translit_token(const struct tims__letter *l, size_t n,
			 struct tims_name_token *t)
{
	unsigned seen = 0;
	char abjad_skel[TIMS_TOKEN_MAX + 1] = "";

	pthread_once(&tables_once, tables_init);
	if (!tables_ok)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (l[i].script != TIMS__S_NONE)
			seen |= 1u << l[i].script;
	if (seen & (seen - 1))
		t->flags |= TIMS_TOK_MIXED;
	t->nvar = 0;
	if (seen & ((1u << TIMS__S_ARABIC) | (1u << TIMS__S_HEBREW)))
		translit_abjad(l, n, t, abjad_skel);
	else if (seen & (1u << TIMS__S_GREEK))
		translit_greek(l, n, t);
	else if (seen & (1u << TIMS__S_OTHER))
		translit_icu(l, n, t);
	else
		translit_table(l, n, (seen & (1u << TIMS__S_CYRILLIC)) != 0, t);
	if (t->nvar == 0)
		return -1;
	for (unsigned i = 0; i < t->nvar; i++) {
		if (t->scheme[i] == TIMS_SCHEME_ABJAD)
			continue; /* set by translit_abjad; no vowels to keep */
		if (t->scheme[i] == TIMS_SCHEME_GREEK_READING) {
			/* Y before a vowel is Γ, a consonant: the skeleton is
			 * not to read it as a vowel (YADA is no ADA) */
			char y[TIMS_TOKEN_MAX + 1];

			snprintf(y, sizeof(y), "%s", t->var[i]);
			for (size_t k = 0; y[k]; k++)
				if (y[k] == 'Y' && az_vowel(y[k + 1]))
					y[k] = 'J';
			tims_name_skeleton(y, false, t->skel[i], sizeof(t->skel[i]));
			tims_name_skeleton(y, true, t->vskel[i], sizeof(t->vskel[i]));
		} else {
			tims_name_skeleton(t->var[i], false, t->skel[i], sizeof(t->skel[i]));
			tims_name_skeleton(t->var[i], true, t->vskel[i], sizeof(t->vskel[i]));
		}
		if (!(t->flags & TIMS_TOK_ABJAD))
			tims__equiv_lookup(t->var[i], t);
	}
	return 0;
}

/*
 * A name that Ukraine's system wrote is written by it in all its parts: when
 * one Latin part of a name is a Ukrainian spelling (slavic_plausible's `ua`:
 * HEORHII, HONCHARENKO, HAVRYSH), a part that looks like nothing by itself
 * (HORBAN, IHOR, HLIB) gets the reading of its lone H as Г too (G, as the
 * Russian form writes it: GORBAN, IGOR). Only H: the other letters of the
 * Slavic reading (C, J) keep their own test. A part of an English or Arabic
 * name (HARVEY, HASAN) is read so only next to a Ukrainian part.
 */
void tims__ukrainian_name(struct tims_name *n)
{
	bool ua = false, h = false;

	/* most names have no part with a lone H and no Slavic reading yet:
	 * nothing to read, nothing to test */
	if (n->ntok < 2)
		return;
	for (unsigned i = 0; i < n->ntok && !h; i++) {
		const struct tims_name_token *t = &n->tok[i];
		bool slavic = false, lone = false;

		for (unsigned v = 0; v < t->nvar; v++) {
			slavic = slavic || t->scheme[v] == TIMS_SCHEME_SLAVIC;
			if (t->scheme[v] == TIMS_SCHEME_ASCII || t->scheme[v] == TIMS_SCHEME_STRIPPED)
				for (const char *p = strchr(t->var[v], 'H'); p && !lone;
				     p = strchr(p + 1, 'H'))
					lone = lone_h(t->var[v], (size_t)(p - t->var[v]));
		}
		h = lone && !slavic;
	}
	if (!h)
		return;
	for (unsigned i = 0; i < n->ntok && !ua; i++) {
		const struct tims_name_token *t = &n->tok[i];

		for (unsigned v = 0; v < t->nvar && !ua; v++)
			if (t->scheme[v] == TIMS_SCHEME_ASCII ||
			    t->scheme[v] == TIMS_SCHEME_STRIPPED)
				(void)slavic_plausible(t->var[v], &ua);
	}
	if (!ua)
		return;
	for (unsigned i = 0; i < n->ntok; i++) {
		struct tims_name_token *t = &n->tok[i];
		char g[TIMS_TOKEN_MAX + 1];
		const char *az = NULL;
		bool slavic = false, changed = false;
		size_t k = 0;
		unsigned had;

		for (unsigned v = 0; v < t->nvar; v++) {
			slavic = slavic || t->scheme[v] == TIMS_SCHEME_SLAVIC;
			if (!az && (t->scheme[v] == TIMS_SCHEME_ASCII ||
				    t->scheme[v] == TIMS_SCHEME_STRIPPED))
				az = t->var[v];
		}
		if (slavic || !az || t->nvar >= TIMS_NAME_MAX_VARIANTS ||
		    (t->flags & (TIMS_TOK_ABJAD | TIMS_TOK_INITIAL)))
			continue;
		for (; az[k] && k < TIMS_TOKEN_MAX; k++) {
			g[k] = lone_h(az, k) ? 'G' : az[k];
			changed = changed || g[k] != az[k];
		}
		g[k] = '\0';
		if (!changed)
			continue;
		had = t->nvar;
		add_variant(t, g, TIMS_SCHEME_SLAVIC);
		if (t->nvar == had)
			continue; /* already one of its spellings */
		tims_name_skeleton(g, false, t->skel[t->nvar - 1], sizeof(t->skel[0]));
		tims_name_skeleton(g, true, t->vskel[t->nvar - 1], sizeof(t->vskel[0]));
		tims__equiv_lookup(g, t);
	}
}
