/*
 * mrz.c — parse and validate one MRZ (ICAO Doc 9303 Parts 3-7, and the
 * French identity card of 1994-2021), allocating nothing.
 *
 * The shape of the input (line count and length, then the first characters)
 * picks a layout from a table; each layout says where every field and check
 * digit lies, so one set of field parsers serves every format. Errors name
 * the field and the reason; a first pass over the characters stops early on
 * input that is not an MRZ at all (wrong lengths, binary, spaces) so that
 * the field errors that follow are about real fields only.
 *
 * The valid path does no formatting: messages are written with snprintf
 * only when there is something wrong.
 */
#include "mrz_int.h"

/* --- names and messages ------------------------------------------------ */

static const char *const format_names[TIMS_MRZ_FORMAT_LAST] = {
	[TIMS_MRZ_UNKNOWN] = "unknown", [TIMS_MRZ_TD1] = "TD1",
	[TIMS_MRZ_TD2] = "TD2",         [TIMS_MRZ_TD3] = "TD3",
	[TIMS_MRZ_MRVA] = "MRVA",       [TIMS_MRZ_MRVB] = "MRVB",
	[TIMS_MRZ_FRA_ID] = "FRA_ID",
};

static const char *const field_names[TIMS_MRZ_F_LAST] = {
	[TIMS_MRZ_F_MRZ] = "mrz",
	[TIMS_MRZ_F_DOCUMENT_CODE] = "document_code",
	[TIMS_MRZ_F_ISSUING_STATE] = "issuing_state",
	[TIMS_MRZ_F_DOCUMENT_NUMBER] = "document_number",
	[TIMS_MRZ_F_SURNAME] = "surname",
	[TIMS_MRZ_F_GIVEN_NAMES] = "given_names",
	[TIMS_MRZ_F_NATIONALITY] = "nationality",
	[TIMS_MRZ_F_BIRTH_DATE] = "birth_date",
	[TIMS_MRZ_F_SEX] = "sex",
	[TIMS_MRZ_F_EXPIRY_DATE] = "expiry_date",
	[TIMS_MRZ_F_OPTIONAL_DATA] = "optional_data",
	[TIMS_MRZ_F_OPTIONAL_DATA_2] = "optional_data_2",
	[TIMS_MRZ_F_COMPOSITE] = "composite",
};

const char *tims_mrz_format_name(enum tims_mrz_format f)
{
	return (unsigned)f < TIMS_MRZ_FORMAT_LAST ? format_names[f] : "unknown";
}

const char *tims_mrz_field_name(enum tims_mrz_field f)
{
	return (unsigned)f < TIMS_MRZ_F_LAST ? field_names[f] : "mrz";
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

__attribute__((format(printf, 5, 0)))
static void vissue(struct tims_mrz *m, bool error, enum tims_mrz_field f,
		   const char *rule, const char *fmt, va_list ap)
{
	struct tims_mrz_issue *is;
	size_t off = 0;

	if (error) {
		if (m->nerrors >= TIMS_MRZ_MAX_ERRORS) {
			m->errors_truncated = true;
			return;
		}
		is = &m->errors[m->nerrors++];
	} else {
		if (m->nwarnings >= TIMS_MRZ_MAX_WARNINGS)
			return;
		is = &m->warnings[m->nwarnings++];
	}
	is->field = f;
	is->rule = rule;
	is->code = NULL;
	is->got[0] = is->expected[0] = '\0';
	if (f != TIMS_MRZ_F_MRZ) {
		int n = snprintf(is->msg, sizeof(is->msg), "%s: ",
				 tims_mrz_field_name(f));

		off = n > 0 ? (size_t)n : 0;
	}
	if (vsnprintf(is->msg + off, sizeof(is->msg) - off, fmt, ap) < 0)
		is->msg[off] = '\0';
}

/* An error about field f; the message is prefixed "field: ". */
__attribute__((format(printf, 3, 4)))
static void field_error(struct tims_mrz *m, enum tims_mrz_field f,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vissue(m, true, f, NULL, fmt, ap);
	va_end(ap);
}

/* The code (mrz.h) of the error just added, with its values; nothing when
 * that error was dropped (the list full). */
static void issue_code(struct tims_mrz *m, const char *code, const char *got,
		       const char *expected)
{
	struct tims_mrz_issue *is;

	if (!m->nerrors || m->errors_truncated)
		return;
	is = &m->errors[m->nerrors - 1];
	if (is->code)
		return;
	is->code = code;
	snprintf(is->got, sizeof(is->got), "%s", got);
	snprintf(is->expected, sizeof(is->expected), "%s", expected);
}

/* A warning: the document breaks `rule` (a name from mrz.h) and is read
 * all the same. */
__attribute__((format(printf, 4, 5)))
static void field_warning(struct tims_mrz *m, enum tims_mrz_field f,
			  const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vissue(m, false, f, rule, fmt, ap);
	va_end(ap);
}

/* --- characters --------------------------------------------------------- */

static inline bool is_digit(char c) { return (unsigned char)(c - '0') < 10; }
static inline bool is_upper(char c) { return (unsigned char)(c - 'A') < 26; }

/* The digit an OCR engine or a person may have read as this letter. */
static char digit_lookalike(char c)
{
	static const char from[] = "ODQIZSGTB", to[] = "000125678";
	const char *p = c ? strchr(from, c) : NULL;

	if (c == 'L')
		return '1';
	return p ? to[p - from] : 0;
}

/* The letter an OCR engine or a person may have read as this digit. */
static char letter_lookalike(char c)
{
	static const char from[] = "012568", to[] = "OIZSGB";
	const char *p = c ? strchr(from, c) : NULL;

	return p ? to[p - from] : 0;
}

static int char_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (is_upper(c))
		return c - 'A' + 10;
	if (c == '<')
		return 0;
	return -1;
}

/* Accumulate the weighted sum; *k is the running position (weights 7,3,1). */
static int check_sum(const char *s, size_t n, unsigned *k, int sum)
{
	static const int weight[3] = { 7, 3, 1 };

	for (size_t i = 0; i < n; i++) {
		int v = char_value(s[i]);

		if (v < 0)
			return -1;
		sum += v * weight[*k % 3];
		(*k)++;
	}
	return sum;
}

int tims_mrz_check_digit(const char *s, size_t n)
{
	unsigned k = 0;
	int sum = check_sum(s, n, &k, 0);

	return sum < 0 ? -1 : '0' + sum % 10;
}

/* --- layouts ------------------------------------------------------------ */

/* A run of characters: 1-based line (0 = the format has no such field). */
struct span {
	unsigned char line, off, len;
};

struct layout {
	enum tims_mrz_format format;
	const char *codes;     /* allowed first characters of the document code */
	const char *codes_why; /* for the error message */
	struct span name;      /* ICAO name field: primary<<secondary */
	struct span surname, given; /* separate fields (French card) */
	struct span state, docnum, docnum_cd, nat, birth, birth_cd, sex;
	struct span expiry, expiry_cd, opt1, opt1_cd, opt2, composite;
	struct span composite_over[4];
	bool long_docnum;      /* '<' at docnum_cd: the number goes on in opt1 */
	const char *implied_nationality;
};

#define S(l, o, n) { (l), (o), (n) }

static const struct layout layouts[] = {
	{ .format = TIMS_MRZ_TD1, .codes = "ACI",
	  .codes_why = "a TD1 card has A, C or I",
	  .state = S(1, 2, 3), .docnum = S(1, 5, 9), .docnum_cd = S(1, 14, 1),
	  .opt1 = S(1, 15, 15), .birth = S(2, 0, 6), .birth_cd = S(2, 6, 1),
	  .sex = S(2, 7, 1), .expiry = S(2, 8, 6), .expiry_cd = S(2, 14, 1),
	  .nat = S(2, 15, 3), .opt2 = S(2, 18, 11), .composite = S(2, 29, 1),
	  .composite_over = { S(1, 5, 25), S(2, 0, 7), S(2, 8, 7), S(2, 18, 11) },
	  .name = S(3, 0, 30), .long_docnum = true },
	{ .format = TIMS_MRZ_TD2, .codes = "ACIP",
	  .codes_why = "a TD2 document has A, C, I or P (PU: emergency)",
	  .state = S(1, 2, 3), .name = S(1, 5, 31), .docnum = S(2, 0, 9),
	  .docnum_cd = S(2, 9, 1), .nat = S(2, 10, 3), .birth = S(2, 13, 6),
	  .birth_cd = S(2, 19, 1), .sex = S(2, 20, 1), .expiry = S(2, 21, 6),
	  .expiry_cd = S(2, 27, 1), .opt1 = S(2, 28, 7), .composite = S(2, 35, 1),
	  .composite_over = { S(2, 0, 10), S(2, 13, 7), S(2, 21, 14) },
	  .long_docnum = true },
	{ .format = TIMS_MRZ_TD3, .codes = "P",
	  .codes_why = "a 2x44 MRZ is a passport (P) or a visa (V)",
	  .state = S(1, 2, 3), .name = S(1, 5, 39), .docnum = S(2, 0, 9),
	  .docnum_cd = S(2, 9, 1), .nat = S(2, 10, 3), .birth = S(2, 13, 6),
	  .birth_cd = S(2, 19, 1), .sex = S(2, 20, 1), .expiry = S(2, 21, 6),
	  .expiry_cd = S(2, 27, 1), .opt1 = S(2, 28, 14), .opt1_cd = S(2, 42, 1),
	  .composite = S(2, 43, 1),
	  .composite_over = { S(2, 0, 10), S(2, 13, 7), S(2, 21, 22) } },
	{ .format = TIMS_MRZ_MRVA, .codes = "V", .codes_why = "a visa has V",
	  .state = S(1, 2, 3), .name = S(1, 5, 39), .docnum = S(2, 0, 9),
	  .docnum_cd = S(2, 9, 1), .nat = S(2, 10, 3), .birth = S(2, 13, 6),
	  .birth_cd = S(2, 19, 1), .sex = S(2, 20, 1), .expiry = S(2, 21, 6),
	  .expiry_cd = S(2, 27, 1), .opt1 = S(2, 28, 16) },
	{ .format = TIMS_MRZ_MRVB, .codes = "V", .codes_why = "a visa has V",
	  .state = S(1, 2, 3), .name = S(1, 5, 31), .docnum = S(2, 0, 9),
	  .docnum_cd = S(2, 9, 1), .nat = S(2, 10, 3), .birth = S(2, 13, 6),
	  .birth_cd = S(2, 19, 1), .sex = S(2, 20, 1), .expiry = S(2, 21, 6),
	  .expiry_cd = S(2, 27, 1), .opt1 = S(2, 28, 8) },
	{ .format = TIMS_MRZ_FRA_ID, .codes = "I",
	  .codes_why = "a French identity card has ID",
	  .state = S(1, 2, 3), .surname = S(1, 5, 25), .opt1 = S(1, 30, 6),
	  .docnum = S(2, 0, 12), .docnum_cd = S(2, 12, 1), .given = S(2, 13, 14),
	  .birth = S(2, 27, 6), .birth_cd = S(2, 33, 1), .sex = S(2, 34, 1),
	  .composite = S(2, 35, 1),
	  .composite_over = { S(1, 0, 36), S(2, 0, 35) },
	  .implied_nationality = "FRA" },
};

static const struct layout *find_layout(enum tims_mrz_format f)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].format == f)
			return &layouts[i];
	return NULL;
}

static inline const char *at(const struct tims_mrz *m, struct span s)
{
	return m->line[s.line - 1] + s.off;
}

/* Copy s[0..n) to out without trailing fillers; returns the length. */
static size_t copy_trimmed(char *out, const char *s, size_t n)
{
	while (n && s[n - 1] == '<')
		n--;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/* --- field parsers ------------------------------------------------------ */

/* Verify the check digit cd of s[0..n) for field f; true if it matches. A
 * filler instead of the digit is accepted for an all-filler field when
 * filler_ok_if_empty (TD3 personal number, unknown date of birth). */
static bool check(struct tims_mrz *m, enum tims_mrz_field f, const char *s,
		  size_t n, char cd, bool filler_ok_if_empty)
{
	int want = tims_mrz_check_digit(s, n);
	char hint;

	if (cd == want)
		return true;
	if (filler_ok_if_empty && cd == '<' && want == '0') {
		size_t i = 0;

		while (i < n && s[i] == '<')
			i++;
		if (i == n)
			return true;
	}
	if (cd == '<') {
		field_error(m, f, "check digit is missing ('<'), expected %c",
			    want);
		issue_code(m, "check_digit_missing", "", (char[]){ want, 0 });
	} else if (!is_digit(cd)) {
		hint = digit_lookalike(cd);
		if (hint)
			field_error(m, f, "check digit '%c' is not a digit "
				    "(OCR confusion of %c?)", cd, hint);
		else
			field_error(m, f, "check digit '%c' is not a digit", cd);
		issue_code(m, "check_digit_not_digit", (char[]){ cd, 0 }, "");
	} else {
		field_error(m, f, "check digit is %c, expected %c", cd, want);
		issue_code(m, "check_digit", (char[]){ cd, 0 }, (char[]){ want, 0 });
	}
	return false;
}

/*
 * Document codes that issuers really put on cards although Doc 9303 Part 5
 * note k (TD1) and Part 6 (TD2) allow only A, C or I as the first letter:
 * read with a warning naming the rule. Each has a source (docs/mrz.md).
 */
static const struct {
	char code[3];
	char state[4];   /* issuing state as printed: "D<<" */
	enum tims_mrz_format format;
	const char *what;
} issued_codes[] = {
	{ "RP", "EST", TIMS_MRZ_TD1, "Estonian residence permit cards" },
	{ "ME", "D<<", TIMS_MRZ_TD1, "German arrival certificates" },
	{ "ME", "D<<", TIMS_MRZ_TD2, "German arrival certificates" },
};

static const char *issued_code(const char *c, enum tims_mrz_format f)
{
	for (size_t i = 0; i < sizeof(issued_codes) / sizeof(issued_codes[0]); i++)
		if (issued_codes[i].format == f && !memcmp(c, issued_codes[i].code, 2) &&
		    !memcmp(c + 2, issued_codes[i].state, 3))
			return issued_codes[i].what;
	return NULL;
}

static void parse_code(struct tims_mrz *m, const struct layout *lay)
{
	const char *c = m->line[0], *what;

	m->document_code[0] = c[0];
	m->document_code[1] = c[1] == '<' ? '\0' : c[1];
	m->document_code[2] = '\0';
	if ((!strchr(lay->codes, c[0]) || c[0] == '<') &&
	    (what = issued_code(c, lay->format)))
		field_warning(m, TIMS_MRZ_F_DOCUMENT_CODE, "document-code",
			      "'%.2s' is not a Doc 9303 code but is issued on %s",
			      c, what);
	else if (!strchr(lay->codes, c[0]) || c[0] == '<')
		field_error(m, TIMS_MRZ_F_DOCUMENT_CODE,
			    "'%c' is not a valid document type here (%s)", c[0],
			    lay->codes_why);
	else if (lay->format == TIMS_MRZ_FRA_ID && c[1] != 'D')
		field_error(m, TIMS_MRZ_F_DOCUMENT_CODE,
			    "'%.2s' is not ID", c);
	else if (is_digit(c[1]))
		field_error(m, TIMS_MRZ_F_DOCUMENT_CODE,
			    "'%c' at position 2 is not a letter or <", c[1]);
	else if (c[1] == 'V' && c[0] != 'V')
		field_error(m, TIMS_MRZ_F_DOCUMENT_CODE,
			    "'%.2s': V as second character is reserved for visas",
			    c);
}

/* Letters only (A-Z and trailing '<'); error with an OCR hint on digits. */
static bool alpha_only(struct tims_mrz *m, enum tims_mrz_field f,
		       const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			char hint = letter_lookalike(s[i]);

			if (hint)
				field_error(m, f, "'%c' at position %zu is not a "
					    "letter (OCR confusion of %c?)",
					    s[i], i + 1, hint);
			else
				field_error(m, f, "'%c' at position %zu is not a "
					    "letter", s[i], i + 1);
			return false;
		}
	}
	return true;
}

static void parse_country(struct tims_mrz *m, enum tims_mrz_field f,
			  const char *s, char out[4])
{
	enum tims_mrz_country kind;

	copy_trimmed(out, s, 3);
	if (!alpha_only(m, f, s, 3))
		return;
	if (!out[0]) {
		field_error(m, f, "missing");
		issue_code(m, "missing", "", "");
		return;
	}
	kind = tims_mrz_country_kind(s);
	switch (kind) {
	case TIMS_MRZ_COUNTRY_UNKNOWN:
		field_error(m, f, "'%.3s' is not an ICAO country code", s);
		issue_code(m, "not_icao", out, "");
		break;
	case TIMS_MRZ_COUNTRY_SPECIMEN:
		m->specimen = true;
		break;
	case TIMS_MRZ_COUNTRY_HISTORICAL:
		field_warning(m, f, "historical-code", "'%s' is a code no longer issued", out);
		break;
	case TIMS_MRZ_COUNTRY_ISO:
	case TIMS_MRZ_COUNTRY_ICAO:
		break;
	}
}

static void parse_docnum(struct tims_mrz *m, const struct layout *lay,
			 bool *opt1_used, size_t *opt1_skip)
{
	const char *num = at(m, lay->docnum), *opt;
	char cd = *at(m, lay->docnum_cd);
	size_t n = lay->docnum.len, k;
	char full[40];

	*opt1_used = false;
	if (cd != '<' || !lay->long_docnum) {
		if (!copy_trimmed(m->document_number, num, n))
			field_error(m, TIMS_MRZ_F_DOCUMENT_NUMBER, "missing");
		else
			check(m, TIMS_MRZ_F_DOCUMENT_NUMBER, num, n, cd, false);
		return;
	}
	/* Doc 9303 Part 5/6: a number longer than 9 goes on in the optional
	 * data up to the next filler; its last character is the check digit. */
	opt = at(m, lay->opt1);
	for (k = 0; k < lay->opt1.len && opt[k] != '<'; k++)
		;
	if (k == 0) {
		copy_trimmed(m->document_number, num, n);
		field_error(m, TIMS_MRZ_F_DOCUMENT_NUMBER,
			    "check digit is missing ('<') and the optional data "
			    "does not continue the number");
		return;
	}
	memcpy(full, num, n);
	memcpy(full + n, opt, k - 1);
	copy_trimmed(m->document_number, full, n + k - 1);
	*opt1_used = true;
	*opt1_skip = k + 1 < lay->opt1.len ? k + 1 : lay->opt1.len;
	/* Belgian and Portuguese identity cards compute this check digit over
	 * the whole span, the filler at position 15 included (the span is
	 * contiguous on a TD1 line 1 only). Only for those issuers: elsewhere
	 * a second way to match would let more misreadings through. */
	if (lay->format == TIMS_MRZ_TD1 &&
	    (!memcmp(m->line[0] + 2, "BEL", 3) || !memcmp(m->line[0] + 2, "PRT", 3)) &&
	    opt[k - 1] != tims_mrz_check_digit(full, n + k - 1) &&
	    opt[k - 1] == tims_mrz_check_digit(num, n + k))
		field_warning(m, TIMS_MRZ_F_DOCUMENT_NUMBER, "long-number-filler",
			      "check digit over the filler at position 15 too, "
			      "as Belgium and Portugal compute it (Doc 9303: "
			      "number only)");
	else
		check(m, TIMS_MRZ_F_DOCUMENT_NUMBER, full, n + k - 1, opt[k - 1],
		      false);
}

/* A name part: fillers at both ends dropped, each run of '<' -> one space. */
static void put_name(char *out, const char *s, size_t n)
{
	size_t o = 0;

	while (n && s[n - 1] == '<')
		n--;
	while (n && s[0] == '<') {
		s++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '<')
			out[o++] = s[i];
		else if (out[o - 1] != ' ')
			out[o++] = ' ';
	}
	out[o] = '\0';
}

static bool name_chars(struct tims_mrz *m, enum tims_mrz_field f,
		       const char *s, size_t n, size_t base)
{
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			char hint = letter_lookalike(s[i]);

			if (hint)
				field_error(m, f, "'%c' at position %zu of the "
					    "name is not a letter (OCR "
					    "confusion of %c?)", s[i],
					    base + i + 1, hint);
			else
				field_error(m, f, "'%c' at position %zu of the "
					    "name is not a letter", s[i],
					    base + i + 1);
			return false;
		}
	}
	return true;
}

static void truncated(struct tims_mrz *m, enum tims_mrz_field f)
{
	m->name_truncated = true;
	field_warning(m, f, "name-truncated", "the name fills its whole field and may be "
		      "truncated");
}

static void parse_icao_name(struct tims_mrz *m, struct span sp)
{
	const char *s = at(m, sp);
	size_t n = sp.len, sep = n;

	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] == '<' && s[i + 1] == '<') {
			sep = i;
			break;
		}
	}
	/* A digit in a name is an error, but the name is still given (as
	 * read): the screening reads 0 1 5 8 as the letters O I S B they are
	 * mistaken for, so a misread name is screened, not dropped. */
	name_chars(m, TIMS_MRZ_F_SURNAME, s, sep, 0);
	if (sep < n)
		name_chars(m, TIMS_MRZ_F_GIVEN_NAMES, s + sep, n - sep, sep);
	put_name(m->surname, s, sep);
	if (sep < n)
		put_name(m->given_names, s + sep, n - sep);
	/* A holder with one name only: Doc 9303 Part 3 (3.4) puts a name that
	 * cannot be divided in the primary identifier, but India and
	 * Switzerland print it as the secondary one, after "<<". It is given
	 * where Doc 9303 puts it, so that every reader of the result (the
	 * record, the history, the screening) finds the holder's name as
	 * the surname. */
	if (!m->surname[0] && sep == 0 && m->given_names[0]) {
		memcpy(m->surname, m->given_names, sizeof(m->surname));
		m->given_names[0] = '\0';
		field_warning(m, TIMS_MRZ_F_SURNAME, "single-name",
			      "the single name is printed after '<<' (India, "
			      "Switzerland); read as the surname, as Doc 9303 "
			      "has it");
	} else if (!m->surname[0])
		field_error(m, TIMS_MRZ_F_SURNAME, "missing (the name field "
			    "starts with '<')");
	if (s[n - 1] != '<')
		truncated(m, m->given_names[0] ? TIMS_MRZ_F_GIVEN_NAMES
			  : TIMS_MRZ_F_SURNAME);
}

static void parse_split_name(struct tims_mrz *m, enum tims_mrz_field f,
			     struct span sp, char *out)
{
	const char *s = at(m, sp);

	name_chars(m, f, s, sp.len, 0);
	put_name(out, s, sp.len);
	if (f == TIMS_MRZ_F_SURNAME && !out[0])
		field_error(m, f, "missing");
	if (s[sp.len - 1] != '<')
		truncated(m, f);
}

static void parse_date(struct tims_mrz *m, const struct tims_mrz_options *opt,
		       enum tims_mrz_field f, const char *s, char cd,
		       struct tims_mrz_date *d)
{
	bool birth = f == TIMS_MRZ_F_BIRTH_DATE, ok = true;
	int v[3] = { 0, 0, 0 }, year;
	bool unknown[3] = { false, false, false };

	memcpy(d->mrz, s, 6);
	d->mrz[6] = '\0';
	d->present = true;
	for (int p = 0; p < 3; p++) {
		char a = s[2 * p], b = s[2 * p + 1];

		if (a == '<' && b == '<' && birth) {
			unknown[p] = true;
			continue;
		}
		for (int i = 0; i < 2; i++) {
			char c = s[2 * p + i], hint = digit_lookalike(c);

			if (is_digit(c))
				continue;
			if (c == '<')
				field_error(m, f, "'<' at position %d: only a "
					    "whole day, month or date of birth "
					    "may be unknown", 2 * p + i + 1);
			else if (hint)
				field_error(m, f, "'%c' at position %d is not a "
					    "digit (OCR confusion of %c?)", c,
					    2 * p + i + 1, hint);
			else
				field_error(m, f, "'%c' at position %d is not a "
					    "digit", c, 2 * p + i + 1);
			ok = false;
			break;
		}
		if (ok)
			v[p] = (a - '0') * 10 + (b - '0');
	}
	/* An unknown date of birth is all fillers; its check digit is 0. */
	check(m, f, s, 6, cd, birth);
	if (!ok)
		return;
	if (unknown[0]) {
		if (!unknown[1] || !unknown[2])
			field_error(m, f, "year unknown but month or day given");
		return;
	}
	if (!unknown[1] && (v[1] < 1 || v[1] > 12)) {
		field_error(m, f, "month %02d does not exist", v[1]);
		return;
	}
	if (unknown[1] && !unknown[2]) {
		/* Day known, month not: keep the year only. */
		v[2] = 0;
	}
	year = birth ? mrz_birth_year(v[0], unknown[1] ? 0 :
				      v[1] * 100 + (unknown[2] ? 0 : v[2]),
				      opt->today)
		     : mrz_expiry_year(v[0], opt->today);
	if (!unknown[1] && !unknown[2] &&
	    (v[2] < 1 || v[2] > mrz_days_in_month(year, v[1]))) {
		if (v[1] == 2 && v[2] == 29)
			field_error(m, f, "29 February %d does not exist (not a "
				    "leap year)", year);
		else
			field_error(m, f, "day %02d does not exist in %s %d",
				    v[2], month_names[v[1] - 1], year);
		return;
	}
	d->year = year;
	d->month = unknown[1] ? 0 : v[1];
	d->day = unknown[1] || unknown[2] ? 0 : v[2];
	mrz_iso_date(d->iso, d->year, d->month, d->day);
}

static void parse_sex(struct tims_mrz *m, char c)
{
	switch (c) {
	case 'M':
	case 'F':
	case 'X':
		m->sex = c;
		break;
	case '<':
		m->sex = 'X';
		break;
	default:
		field_error(m, TIMS_MRZ_F_SEX, "'%c' is not M, F, X or <", c);
	}
}

static void parse_composite(struct tims_mrz *m, const struct layout *lay)
{
	unsigned k = 0;
	int sum = 0, want;
	char cd = *at(m, lay->composite);

	for (size_t i = 0; i < 4 && lay->composite_over[i].line; i++)
		sum = check_sum(at(m, lay->composite_over[i]),
				lay->composite_over[i].len, &k, sum);
	want = '0' + sum % 10;
	if (cd == want)
		return;
	if (!is_digit(cd)) {
		field_error(m, TIMS_MRZ_F_COMPOSITE, "check digit '%c' is not a "
			    "digit", cd);
		issue_code(m, "check_digit_not_digit", (char[]){ cd, 0 }, "");
	} else {
		field_error(m, TIMS_MRZ_F_COMPOSITE, "check digit is %c, "
			    "expected %c", cd, want);
		issue_code(m, "check_digit", (char[]){ cd, 0 }, (char[]){ (char)want, 0 });
	}
}

static void parse_fields(struct tims_mrz *m, const struct tims_mrz_options *opt,
			 const struct layout *lay)
{
	bool opt1_used = false;
	size_t opt1_skip = 0;

	m->format = lay->format;
	parse_code(m, lay);
	parse_country(m, TIMS_MRZ_F_ISSUING_STATE, at(m, lay->state),
		      m->issuing_state);
	parse_docnum(m, lay, &opt1_used, &opt1_skip);
	if (lay->name.line) {
		parse_icao_name(m, lay->name);
	} else {
		parse_split_name(m, TIMS_MRZ_F_SURNAME, lay->surname, m->surname);
		parse_split_name(m, TIMS_MRZ_F_GIVEN_NAMES, lay->given,
				 m->given_names);
	}
	if (lay->nat.line)
		parse_country(m, TIMS_MRZ_F_NATIONALITY, at(m, lay->nat),
			      m->nationality);
	else
		memcpy(m->nationality, lay->implied_nationality, 4);
	parse_date(m, opt, TIMS_MRZ_F_BIRTH_DATE, at(m, lay->birth),
		   *at(m, lay->birth_cd), &m->birth_date);
	parse_sex(m, *at(m, lay->sex));
	if (lay->expiry.line)
		parse_date(m, opt, TIMS_MRZ_F_EXPIRY_DATE, at(m, lay->expiry),
			   *at(m, lay->expiry_cd), &m->expiry_date);
	if (lay->opt1.line) {
		const char *o = at(m, lay->opt1);

		if (opt1_used)
			copy_trimmed(m->optional_data, o + opt1_skip,
				     lay->opt1.len - opt1_skip);
		else
			copy_trimmed(m->optional_data, o, lay->opt1.len);
		if (lay->opt1_cd.line)
			check(m, TIMS_MRZ_F_OPTIONAL_DATA, o, lay->opt1.len,
			      *at(m, lay->opt1_cd), true);
	}
	if (lay->opt2.line)
		copy_trimmed(m->optional_data_2, at(m, lay->opt2), lay->opt2.len);
	if (lay->composite.line)
		parse_composite(m, lay);
	if (m->expiry_date.year) {
		int exp = m->expiry_date.year * 10000 + m->expiry_date.month * 100 +
			  m->expiry_date.day;

		m->expired = exp < opt->today;
		if (m->birth_date.year &&
		    exp < m->birth_date.year * 10000 +
			  m->birth_date.month * 100 + m->birth_date.day)
			field_error(m, TIMS_MRZ_F_EXPIRY_DATE, "%s is before the "
				    "date of birth %s", m->expiry_date.iso,
				    m->birth_date.iso);
	}
}

/* --- shape and characters ----------------------------------------------- */

static const char *shape_name(size_t len)
{
	return len == 30 ? "TD1" : len == 36 ? "TD2, MRV-B or French ID"
					     : "TD3 or MRV-A";
}

/* Byte b of line li is not an MRZ character: say what it is. */
static void bad_char(struct tims_mrz *m, size_t li, size_t pos, unsigned char b)
{
	if (b >= 0x80)
		field_error(m, TIMS_MRZ_F_MRZ, "line %zu: non-ASCII byte 0x%02X "
			    "at position %zu (an MRZ has only A-Z, 0-9 and <)",
			    li + 1, b, pos + 1);
	else if (b < 0x20 || b == 0x7f)
		field_error(m, TIMS_MRZ_F_MRZ, "line %zu: control byte 0x%02X "
			    "at position %zu (an MRZ has only A-Z, 0-9 and <)",
			    li + 1, b, pos + 1);
	else
		field_error(m, TIMS_MRZ_F_MRZ, "line %zu: '%c' at position %zu "
			    "is not an MRZ character (A-Z, 0-9, <)", li + 1, b,
			    pos + 1);
}

static bool check_shape(struct tims_mrz *m, const struct tims_mrz_line *lines,
			size_t n)
{
	bool ok = true;
	size_t want;

	if (n == 0) {
		field_error(m, TIMS_MRZ_F_MRZ, "mrz: no lines");
		return false;
	}
	if (n > TIMS_MRZ_MAX_LINES) {
		field_error(m, TIMS_MRZ_F_MRZ, "mrz: %zu lines; an MRZ has 2 or "
			    "3 (separate documents with a blank line)", n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = lines[i].len, keep, j;

		if (len == 30 || len == 36 || len == 44)
			continue;
		ok = false;
		keep = len < TIMS_MRZ_LINE_KEEP ? len : TIMS_MRZ_LINE_KEEP;
		for (j = 0; j < keep; j++)
			if ((unsigned char)lines[i].s[j] >= 0x80)
				break;
		if (j < keep)
			field_error(m, TIMS_MRZ_F_MRZ, "line %zu: %zu bytes, "
				    "expected 30, 36 or 44 (non-ASCII byte 0x%02X "
				    "at position %zu)", i + 1, len,
				    (unsigned char)lines[i].s[j], j + 1);
		else
			field_error(m, TIMS_MRZ_F_MRZ, "line %zu: %zu characters, "
				    "expected 30, 36 or 44", i + 1, len);
	}
	if (!ok)
		return false;
	for (size_t i = 1; i < n; i++) {
		if (lines[i].len != lines[0].len) {
			field_error(m, TIMS_MRZ_F_MRZ, "line %zu: %zu characters "
				    "but line 1 has %zu", i + 1, lines[i].len,
				    lines[0].len);
			return false;
		}
	}
	want = lines[0].len == 30 ? 3 : 2;
	if (n != want) {
		field_error(m, TIMS_MRZ_F_MRZ, "mrz: %zu line%s of %zu: expected "
			    "%zu for %s", n, n == 1 ? "" : "s", lines[0].len,
			    want, shape_name(lines[0].len));
		return false;
	}
	return true;
}

static bool copy_lines(struct tims_mrz *m, const struct tims_mrz_options *opt,
		       const struct tims_mrz_line *lines, size_t n)
{
	bool strict = opt->flags & TIMS_MRZ_STRICT_CASE, folded = false;
	size_t len = lines[0].len;
	unsigned bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = lines[i].s;
		char *out = m->line[i];
		unsigned bad_here = 0, told = 0;

		for (size_t j = 0; j < len; j++) {
			char c = s[j];

			if (is_upper(c) || is_digit(c) || c == '<') {
				out[j] = c;
				continue;
			}
			if ((unsigned char)(c - 'a') < 26) {
				out[j] = (char)(c - 'a' + 'A');
				if (!strict) {
					folded = true;
					continue;
				}
				if (told++ < 3)
					field_error(m, TIMS_MRZ_F_MRZ, "line %zu: "
						    "lowercase '%c' at position "
						    "%zu is not valid MRZ (MRZ "
						    "letters are upper case)",
						    i + 1, c, j + 1);
			} else {
				out[j] = '?';
				if (told++ < 3)
					bad_char(m, i, j, (unsigned char)c);
			}
			bad_here++;
		}
		out[len] = '\0';
		if (bad_here > 3)
			field_error(m, TIMS_MRZ_F_MRZ, "line %zu: %u characters "
				    "in all are not valid MRZ", i + 1, bad_here);
		bad += bad_here;
	}
	if (folded)
		field_warning(m, TIMS_MRZ_F_MRZ, "lowercase", "mrz: lowercase letters read "
			      "as upper case (lowercase is not valid MRZ: is "
			      "the reader in lowercase or Caps Lock mode?)");
	return bad == 0;
}

static enum tims_mrz_format pick_format(const struct tims_mrz *m)
{
	const char *l1 = m->line[0];

	switch (m->line_len) {
	case 30:
		return TIMS_MRZ_TD1;
	case 36:
		if (l1[0] == 'V')
			return TIMS_MRZ_MRVB;
		if (!memcmp(l1, "IDFRA", 5))
			return TIMS_MRZ_FRA_ID;
		return TIMS_MRZ_TD2;
	default:
		return l1[0] == 'V' ? TIMS_MRZ_MRVA : TIMS_MRZ_TD3;
	}
}

tims_rc tims_mrz_parse_lines(const struct tims_mrz_options *opt,
			     const struct tims_mrz_line *lines, size_t n,
			     struct tims_mrz *m)
{
	/* Clear everything but the issue arrays, which are written as used. */
	memset(m, 0, offsetof(struct tims_mrz, errors));
	if (check_shape(m, lines, n)) {
		m->nlines = (unsigned)n;
		m->line_len = (unsigned)lines[0].len;
		if (copy_lines(m, opt, lines, n))
			parse_fields(m, opt, find_layout(pick_format(m)));
	}
	m->valid = m->nerrors == 0;
	return m->valid ? TIMS_OK : TIMS_ERR_INVALID;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

tims_rc tims_mrz_parse(const struct tims_mrz_options *opt, const char *text,
		       size_t len, struct tims_mrz *out)
{
	struct tims_mrz_line lines[TIMS_MRZ_MAX_LINES];
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start = i, end;

		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		end = i++;
		while (start < end && is_blank(text[start]))
			start++;
		while (end > start && is_blank(text[end - 1]))
			end--;
		if (start == end)
			continue;
		if (n < TIMS_MRZ_MAX_LINES) {
			lines[n].s = text + start;
			lines[n].len = end - start;
		}
		n++;
	}
	return tims_mrz_parse_lines(opt, lines, n, out);
}
