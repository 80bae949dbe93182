/*
 * test_mrz.c — the MRZ reader against the ICAO Doc 9303 published examples
 * (Parts 3, 4, 5, 6, 7 and 11) and our own specimens of every format, valid
 * and invalid. Each invalid case asserts the field and the exact message an
 * officer sees. "Today" is pinned to 2025-06-01.
 *
 * Own specimens were built with independently computed check digits (7-3-1),
 * and the ICAO ones were checked by hand against the same rule.
 */
#include "t.h"
#include "tims/mrz.h"
#include "tims/record.h"
#include "tims/util.h"

#define TODAY "2025-06-01"

/*
 * Counting allocations: the executable's malloc() interposes the C
 * library's for every caller, so a parse that allocated would be seen. Not
 * under the sanitizers, which bring their own allocator.
 */
#if !defined(__SANITIZE_ADDRESS__)
#define COUNT_MALLOC 1
void *__libc_malloc(size_t n);
void *malloc(size_t n);
static unsigned long n_malloc;
void *malloc(size_t n)
{
	n_malloc++;
	return __libc_malloc(n);
}
#endif

static struct tims_mrz_options opt;

struct valid_case {
	const char *name, *text, *format, *code, *state, *number, *surname,
		*given, *nat, *birth, *sex, *expiry, *opt1, *opt2;
	bool specimen, expired;
	unsigned warnings;
};

static const struct valid_case valid_cases[] = {
	/* Doc 9303 Part 4, Appendix B: the TD3 passport of Anna Maria Eriksson. */
	{ "ICAO Part 4 TD3",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  "TD3", "P", "UTO", "L898902C3", "ERIKSSON", "ANNA MARIA", "UTO",
	  "1974-08-12", "F", "2012-04-15", "ZE184226B", "", true, true, 0 },
	/* The older edition and Part 11 (BAC key seed L898902C<369080619406236):
	 * a number with a filler, 1969 and 1994. */
	{ "ICAO Part 11 TD3 (BAC example)",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C<3UTO6908061F9406236ZE184226B<<<<<14\n",
	  "TD3", "P", "UTO", "L898902C", "ERIKSSON", "ANNA MARIA", "UTO",
	  "1969-08-06", "F", "1994-06-23", "ZE184226B", "", true, true, 0 },
	/* Part 5: TD1. */
	{ "ICAO Part 5 TD1",
	  "I<UTOD231458907<<<<<<<<<<<<<<<\n"
	  "7408122F1204159UTO<<<<<<<<<<<6\n"
	  "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n",
	  "TD1", "I", "UTO", "D23145890", "ERIKSSON", "ANNA MARIA", "UTO",
	  "1974-08-12", "F", "2012-04-15", "", "", true, true, 0 },
	/* Part 5: a document number of 12 characters continued in the optional
	 * data, its check digit (9) last before the filler. */
	{ "ICAO Part 5 TD1 long document number",
	  "I<UTOD23145890<7349<<<<<<<<<<<\n"
	  "3407127M9507122UTO<<<<<<<<<<<2\n"
	  "STEVENSON<<PETER<JOHN<<<<<<<<<\n",
	  "TD1", "I", "UTO", "D23145890734", "STEVENSON", "PETER JOHN", "UTO",
	  "1934-07-12", "M", "1995-07-12", "", "", true, true, 0 },
	/* Part 6: TD2. */
	{ "ICAO Part 6 TD2",
	  "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
	  "D231458907UTO7408122F1204159<<<<<<<6\n",
	  "TD2", "I", "UTO", "D23145890", "ERIKSSON", "ANNA MARIA", "UTO",
	  "1974-08-12", "F", "2012-04-15", "", "", true, true, 0 },
	/* Part 7: visas. */
	{ "ICAO Part 7 MRV-A",
	  "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L8988901C4XXX4009078F96121096ZE184226B<<<<<<\n",
	  "MRVA", "V", "UTO", "L8988901C", "ERIKSSON", "ANNA MARIA", "XXX",
	  "1940-09-07", "F", "1996-12-10", "6ZE184226B", "", true, true, 0 },
	{ "ICAO Part 7 MRV-B",
	  "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
	  "L8988901C4XXX4009078F9612109<<<<<<<<\n",
	  "MRVB", "V", "UTO", "L8988901C", "ERIKSSON", "ANNA MARIA", "XXX",
	  "1940-09-07", "F", "1996-12-10", "", "", true, true, 0 },
	/* The French identity card (1994-2021): no expiry in the MRZ, the
	 * composite covers line 1 and line 2 up to it. */
	{ "French identity card",
	  "IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042\n"
	  "0509952018746NICOLAS<<PAUL<8206152M3\n",
	  "FRA_ID", "ID", "FRA", "050995201874", "PETE", "NICOLAS PAUL", "FRA",
	  "1982-06-15", "M", NULL, "952042", "", false, false, 0 },
	/* Own specimens. */
	{ "German passport, D<< and an empty personal number with '<' check",
	  "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
	  "C01X00T478D<<6408125F3101311<<<<<<<<<<<<<<<6\n",
	  "TD3", "P", "D", "C01X00T47", "MUSTERMANN", "ERIKA", "D",
	  "1964-08-12", "F", "2031-01-31", "", "", false, false, 0 },
	{ "TD2 emergency travel document (PU)",
	  "PUGBRSMITH<<JOHN<PAUL<<<<<<<<<<<<<<<\n"
	  "E123456782GBR9001011M2512314<<<<<<<6\n",
	  "TD2", "PU", "GBR", "E12345678", "SMITH", "JOHN PAUL", "GBR",
	  "1990-01-01", "M", "2025-12-31", "", "", false, false, 0 },
	{ "TD1 long number and unknown day of birth",
	  "IDBEL592012345<6788<<<<<<<<<<<\n"
	  "8507<<0M3001019BEL850701123458\n"
	  "DUPONT<<JEAN<PIERRE<<<<<<<<<<<\n",
	  "TD1", "ID", "BEL", "592012345678", "DUPONT", "JEAN PIERRE", "BEL",
	  "1985-07", "M", "2030-01-01", "", "85070112345", false, false, 0 },
	{ "TD1 stateless, unknown date of birth, sex X, one name",
	  "IRNLDXR12345670<<<<<<<<<<<<<<<\n"
	  "<<<<<<0X2805058XXA<<<<<<<<<<<6\n"
	  "AHMED<<<<<<<<<<<<<<<<<<<<<<<<<\n",
	  "TD1", "IR", "NLD", "XR1234567", "AHMED", "", "XXA", NULL, "X",
	  "2028-05-05", "", "", false, false, 0 },
	{ "MRV-B issued by France",
	  "V<FRAIVANOVA<<OLGA<<<<<<<<<<<<<<<<<<\n"
	  "V123456781RUS8812245F2509150<<<<<<<<\n",
	  "MRVB", "V", "FRA", "V12345678", "IVANOVA", "OLGA", "RUS",
	  "1988-12-24", "F", "2025-09-15", "", "", false, false, 0 },
	{ "MRV-A issued by Germany",
	  "V<D<<LI<<WEI<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "VD12345674CHN9503032M2510011<<<<<<<<<<<<<<<<\n",
	  "MRVA", "V", "D", "VD1234567", "LI", "WEI", "CHN", "1995-03-03", "M",
	  "2025-10-01", "", "", false, false, 0 },
	{ "French identity card, compound surname, born 29 February 2000",
	  "IDFRADE<LA<TOUR<<<<<<<<<<<<<<<751234\n"
	  "8803750123450MARIE<<ANNE<<<0002299F1\n",
	  "FRA_ID", "ID", "FRA", "880375012345", "DE LA TOUR", "MARIE ANNE",
	  "FRA", "2000-02-29", "F", NULL, "751234", "", false, false, 0 },
	{ "truncated name is a warning, not an error",
	  "P<GBRWOLFESCHLEGELSTEINHAUSENBERGERDORFF<<HU\n"
	  "1234567897GBR7001017M3001019<<<<<<<<<<<<<<04\n",
	  "TD3", "P", "GBR", "123456789", "WOLFESCHLEGELSTEINHAUSENBERGERDORFF",
	  "HU", "GBR", "1970-01-01", "M", "2030-01-01", "", "", false, false, 1 },
	{ "refugee travel document (XXB)",
	  "PTD<<HASSAN<<ALI<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "T220001293XXB8101017M2906302<<<<<<<<<<<<<<04\n",
	  "TD3", "PT", "D", "T22000129", "HASSAN", "ALI", "XXB", "1981-01-01",
	  "M", "2029-06-30", "", "", false, false, 0 },
	{ "lowercase from a reader is read as upper case, with a warning",
	  "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n"
	  "l898902c36uto7408122f1204159ze184226b<<<<<10\n",
	  "TD3", "P", "UTO", "L898902C3", "ERIKSSON", "ANNA MARIA", "UTO",
	  "1974-08-12", "F", "2012-04-15", "ZE184226B", "", true, true, 1 },
	{ "CRLF, surrounding spaces and blank lines are ignored",
	  "\r\n   P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<  \r\n"
	  "\tL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n\r\n",
	  "TD3", "P", "UTO", "L898902C3", "ERIKSSON", "ANNA MARIA", "UTO",
	  "1974-08-12", "F", "2012-04-15", "ZE184226B", "", true, true, 0 },
};

static void test_valid(void)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct tims_mrz m;
		char name[200], sex[2];
		tims_rc rc = tims_mrz_parse(&opt, c->text, strlen(c->text), &m);

		snprintf(name, sizeof(name), "%s: valid", c->name);
		if (!T_OK(rc == TIMS_OK && m.valid && m.nerrors == 0, "%s", name))
			for (unsigned e = 0; e < m.nerrors; e++)
				printf("#   error: %s\n", m.errors[e].msg);
#define FIELD(got, want, what) do { \
	snprintf(name, sizeof(name), "%s: %s", c->name, what); \
	T_EQ_STR(got, want, name); \
} while (0)
		FIELD(tims_mrz_format_name(m.format), c->format, "format");
		FIELD(m.document_code, c->code, "document code");
		FIELD(m.issuing_state, c->state, "issuing state");
		FIELD(m.document_number, c->number, "document number");
		FIELD(m.surname, c->surname, "surname");
		FIELD(m.given_names, c->given, "given names");
		FIELD(m.nationality, c->nat, "nationality");
		FIELD(m.birth_date.iso, c->birth ? c->birth : "", "birth date");
		sex[0] = m.sex;
		sex[1] = '\0';
		FIELD(sex, c->sex, "sex");
		FIELD(m.expiry_date.iso, c->expiry ? c->expiry : "", "expiry date");
		FIELD(m.optional_data, c->opt1, "optional data");
		FIELD(m.optional_data_2, c->opt2, "optional data 2");
#undef FIELD
		T_OK(m.specimen == c->specimen, "%s: specimen is %d", c->name,
		     c->specimen);
		T_OK(m.expired == c->expired, "%s: expired is %d", c->name,
		     c->expired);
		T_OK(m.expiry_date.present == (c->expiry != NULL),
		     "%s: expiry present is %d", c->name, c->expiry != NULL);
		if (!T_OK(m.nwarnings == c->warnings, "%s: %u warning(s)",
			  c->name, c->warnings))
			for (unsigned w = 0; w < m.nwarnings; w++)
				printf("#   warning: %s\n", m.warnings[w].msg);
	}
}

struct invalid_case {
	const char *name, *text;
	enum tims_mrz_field field;
	const char *msg;
	int nerrors; /* -1: not asserted */
};

static const char icao_l1[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n";

static const struct invalid_case invalid_cases[] = {
	{ "birth date check digit",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408124F1204159ZE184226B<<<<<16\n",
	  TIMS_MRZ_F_BIRTH_DATE, "birth_date: check digit is 4, expected 2", 1 },
	{ "O for 0 in a date",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO74O8122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_BIRTH_DATE,
	  "birth_date: 'O' at position 3 is not a digit (OCR confusion of 0?)", -1 },
	{ "unknown issuing state",
	  "P<ZZZERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F3004157<<<<<<<<<<<<<<04\n",
	  TIMS_MRZ_F_ISSUING_STATE,
	  "issuing_state: 'ZZZ' is not an ICAO country code", 1 },
	{ "month 13",
	  "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7413128F3004157<<<<<<<<<<<<<<04\n",
	  TIMS_MRZ_F_BIRTH_DATE, "birth_date: month 13 does not exist", 1 },
	{ "29 February in a common year",
	  "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F2702294<<<<<<<<<<<<<<06\n",
	  TIMS_MRZ_F_EXPIRY_DATE,
	  "expiry_date: 29 February 2027 does not exist (not a leap year)", 1 },
	{ "composite check digit",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<15\n",
	  TIMS_MRZ_F_COMPOSITE, "composite: check digit is 5, expected 0", 1 },
	{ "document number check digit",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C37UTO7408122F1204159ZE184226B<<<<<17\n",
	  TIMS_MRZ_F_DOCUMENT_NUMBER,
	  "document_number: check digit is 7, expected 6", 1 },
	{ "personal number check digit",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<54\n",
	  TIMS_MRZ_F_OPTIONAL_DATA, "optional_data: check digit is 5, expected 1", 1 },
	{ "sex Q",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122Q1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_SEX, "sex: 'Q' is not M, F, X or <", 1 },
	{ "identity card code on a passport-size MRZ",
	  "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_DOCUMENT_CODE,
	  "document_code: 'I' is not a valid document type here (a 2x44 MRZ is "
	  "a passport (P) or a visa (V))", 1 },
	{ "digit 1 in a name",
	  "P<UTOER1KSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_SURNAME, "surname: '1' at position 3 of the name is not a "
	  "letter (OCR confusion of I?)", 1 },
	{ "expiry before birth",
	  "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO9901018F9801015<<<<<<<<<<<<<<02\n",
	  TIMS_MRZ_F_EXPIRY_DATE,
	  "expiry_date: 1998-01-01 is before the date of birth 1999-01-01", 1 },
	{ "TD1 long number without its continuation",
	  "I<UTOD23145890<<<<<<<<<<<<<<<<\n"
	  "3407127M9507122UTO<<<<<<<<<<<2\n"
	  "STEVENSON<<PETER<JOHN<<<<<<<<<\n",
	  TIMS_MRZ_F_DOCUMENT_NUMBER, "document_number: check digit is missing "
	  "('<') and the optional data does not continue the number", -1 },
	{ "O for 0 in a check digit",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C3OUTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_DOCUMENT_NUMBER, "document_number: check digit 'O' is not "
	  "a digit (OCR confusion of 0?)", -1 },
	{ "French card composite",
	  "IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042\n"
	  "0509952018746NICOLAS<<PAUL<8206152M7\n",
	  TIMS_MRZ_F_COMPOSITE, "composite: check digit is 7, expected 3", 1 },
	{ "three lines of 44",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_MRZ, "mrz: 3 lines of 44: expected 2 for TD3 or MRV-A", 1 },
	{ "one line of 44",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n",
	  TIMS_MRZ_F_MRZ, "mrz: 1 line of 44: expected 2 for TD3 or MRV-A", 1 },
	{ "two lines of 30",
	  "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n",
	  TIMS_MRZ_F_MRZ, "mrz: 2 lines of 30: expected 3 for TD1", 1 },
	{ "mixed lengths",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "D231458907UTO7408122F1204159<<<<<<<6\n",
	  TIMS_MRZ_F_MRZ, "line 2: 36 characters but line 1 has 44", 1 },
	{ "wrong length",
	  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_MRZ, "line 1: 43 characters, expected 30, 36 or 44", 1 },
	{ "non-ASCII name (E acute in UTF-8)",
	  "P<UTO\xc3\x89RIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_MRZ, "line 1: 45 bytes, expected 30, 36 or 44 (non-ASCII "
	  "byte 0xC3 at position 6)", 1 },
	{ "non-ASCII of the right length",
	  "P<UTO\xc3\x89RIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_MRZ, "line 1: non-ASCII byte 0xC3 at position 6 (an MRZ has "
	  "only A-Z, 0-9 and <)", 2 },
	{ "space inside a line",
	  "P<UTOERIKSSON<<ANNA MARIA<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
	  TIMS_MRZ_F_MRZ, "line 1: ' ' at position 20 is not an MRZ character "
	  "(A-Z, 0-9, <)", 1 },
	{ "five lines",
	  "A\nB\nC\nD\nE\n",
	  TIMS_MRZ_F_MRZ, "mrz: 5 lines; an MRZ has 2 or 3 (separate documents "
	  "with a blank line)", 1 },
	{ "empty input", "\n \r\n", TIMS_MRZ_F_MRZ, "mrz: no lines", 1 },
	{ "unknown nationality with a digit (OCR)",
	  "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UT07408122F3004157<<<<<<<<<<<<<<04\n",
	  TIMS_MRZ_F_NATIONALITY, "nationality: '0' at position 3 is not a "
	  "letter (OCR confusion of O?)", -1 },
};

static void test_invalid(void)
{
	unsigned coded = 0;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(invalid_cases); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		struct tims_mrz m;
		tims_rc rc = tims_mrz_parse(&opt, c->text, strlen(c->text), &m);
		bool found = false;

		T_OK(rc == TIMS_ERR_INVALID && !m.valid, "%s: invalid", c->name);
		for (unsigned e = 0; e < m.nerrors; e++)
			if (m.errors[e].field == c->field &&
			    !strcmp(m.errors[e].msg, c->msg))
				found = true;
		if (!T_OK(found, "%s: says \"%s\"", c->name, c->msg))
			for (unsigned e = 0; e < m.nerrors; e++)
				printf("#   got %s: %s\n",
				       tims_mrz_field_name(m.errors[e].field),
				       m.errors[e].msg);
		if (c->nerrors >= 0)
			T_EQ_INT(m.nerrors, c->nerrors, c->name);
		/* the codes a console says in its own words: they say what the
		 * message says, and no check-digit error goes without one */
		for (unsigned e = 0; e < m.nerrors; e++) {
			const struct tims_mrz_issue *is = &m.errors[e];
			char want[96];

			if (strstr(is->msg, "check digit is ") && strstr(is->msg, ", expected ") &&
			    !strstr(is->msg, "missing")) {
				snprintf(want, sizeof(want), "check digit is %s, expected %s", is->got, is->expected);
				T_OK(is->code && !strcmp(is->code, "check_digit") && strstr(is->msg, want),
				     "%s: error %u coded check_digit with its values (%s)", c->name, e, is->msg);
				coded++;
			} else if (is->code && !strcmp(is->code, "check_digit_not_digit")) {
				snprintf(want, sizeof(want), "'%s' is not a digit", is->got);
				T_OK(strstr(is->msg, want) != NULL, "%s: not_digit names %s", c->name, is->got);
				coded++;
			} else if (is->code && !strcmp(is->code, "check_digit_missing")) {
				snprintf(want, sizeof(want), "expected %s", is->expected);
				T_OK(strstr(is->msg, want) != NULL, "%s: missing names %s", c->name, is->expected);
				coded++;
			} else if (is->code && !strcmp(is->code, "not_icao")) {
				snprintf(want, sizeof(want), "'%s' is not an ICAO", is->got);
				T_OK(strstr(is->msg, want) != NULL, "%s: not_icao names %s", c->name, is->got);
				coded++;
			}
		}
	}
	T_OK(coded >= 5, "codes: %u coded errors among the invalid cases", coded);
	(void)icao_l1;
}

static void test_strict_case(void)
{
	struct tims_mrz_options strict = opt;
	struct tims_mrz m;
	const char *t = "P<UTOERIKSSON<<ANNA<MARIa<<<<<<<<<<<<<<<<<<<\n"
			"L898902C36UTO7408122F1204159ZE184226B<<<<<10\n";

	strict.flags |= TIMS_MRZ_STRICT_CASE;
	T_OK(tims_mrz_parse(&strict, t, strlen(t), &m) == TIMS_ERR_INVALID,
	     "strict: lowercase is an error");
	T_EQ_STR(m.errors[0].msg, "line 1: lowercase 'a' at position 25 is not "
		 "valid MRZ (MRZ letters are upper case)", "strict: names line, "
		 "position and why");
}

static void test_huge_line(void)
{
	struct tims_mrz_line l[2];
	static char big[TIMS_MRZ_LINE_KEEP];
	struct tims_mrz m;

	memset(big, 'A', sizeof(big));
	l[0].s = big;
	l[0].len = 1048576; /* only LINE_KEEP bytes are readable */
	l[1].s = big;
	l[1].len = 44;
	T_OK(tims_mrz_parse_lines(&opt, l, 2, &m) == TIMS_ERR_INVALID,
	     "huge line: invalid");
	T_EQ_STR(m.errors[0].msg, "line 1: 1048576 characters, expected 30, 36 "
		 "or 44", "huge line: its length is reported");
	T_OK(m.nlines == 0 && m.format == TIMS_MRZ_UNKNOWN,
	     "huge line: no format guessed");
}

static void test_nul_byte(void)
{
	char l1[45] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
	struct tims_mrz_line l[2] = {
		{ l1, 44 },
		{ "L898902C36UTO7408122F1204159ZE184226B<<<<<10", 44 },
	};
	struct tims_mrz m;

	l1[10] = '\0';
	T_OK(tims_mrz_parse_lines(&opt, l, 2, &m) == TIMS_ERR_INVALID,
	     "NUL byte: invalid");
	T_EQ_STR(m.errors[0].msg, "line 1: control byte 0x00 at position 11 (an "
		 "MRZ has only A-Z, 0-9 and <)", "NUL byte: named with position");
}

static void test_garbage_line_count(void)
{
	/* Forty bad characters: three named, then a count; never overflows. */
	char l1[31], text[100];
	struct tims_mrz m;

	memset(l1, '#', 30);
	l1[30] = '\0';
	snprintf(text, sizeof(text), "%s\n%s\n%s\n", l1, l1, l1);
	tims_mrz_parse(&opt, text, strlen(text), &m);
	T_EQ_INT(m.nerrors, 12, "garbage: 3 named characters and a count per line");
	T_EQ_STR(m.errors[3].msg, "line 1: 30 characters in all are not valid MRZ",
		 "garbage: the count");
	T_OK(!m.errors_truncated, "garbage: within the error limit");
}

static void test_check_digit(void)
{
	/* Doc 9303 Part 3, 4.9: the worked examples. */
	T_EQ_INT(tims_mrz_check_digit("520727", 6), '3', "check digit: 520727 -> 3");
	T_EQ_INT(tims_mrz_check_digit("AB2134<<<", 9), '5', "check digit: AB2134<<< -> 5");
	T_EQ_INT(tims_mrz_check_digit("L898902C<369080619406236", 24), '2',
		 "check digit: Part 11 MRZ information");
	T_EQ_INT(tims_mrz_check_digit("ab", 2), -1, "check digit: lowercase is not computed");
}

static void test_countries(void)
{
	static const struct {
		const char *code;
		enum tims_mrz_country kind;
	} c[] = {
		{ "DEU", TIMS_MRZ_COUNTRY_ISO }, { "D<<", TIMS_MRZ_COUNTRY_ICAO },
		{ "ZWE", TIMS_MRZ_COUNTRY_ISO }, { "ABW", TIMS_MRZ_COUNTRY_ISO },
		{ "GBN", TIMS_MRZ_COUNTRY_ICAO }, { "UNK", TIMS_MRZ_COUNTRY_ICAO },
		{ "XXA", TIMS_MRZ_COUNTRY_ICAO }, { "EUE", TIMS_MRZ_COUNTRY_ICAO },
		{ "RKS", TIMS_MRZ_COUNTRY_ICAO }, { "XMP", TIMS_MRZ_COUNTRY_ICAO },
		{ "XPO", TIMS_MRZ_COUNTRY_ICAO }, { "UTO", TIMS_MRZ_COUNTRY_SPECIMEN },
		{ "ANT", TIMS_MRZ_COUNTRY_HISTORICAL },
		{ "ZZZ", TIMS_MRZ_COUNTRY_UNKNOWN }, { "DE<", TIMS_MRZ_COUNTRY_UNKNOWN },
		{ "D<D", TIMS_MRZ_COUNTRY_UNKNOWN }, { "<<<", TIMS_MRZ_COUNTRY_UNKNOWN },
		{ "de1", TIMS_MRZ_COUNTRY_UNKNOWN },
	};

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(c); i++)
		T_EQ_INT(tims_mrz_country_kind(c[i].code), c[i].kind, c[i].code);
}

/* The one table of issuing states written two ways (countries.c): each pair
 * is the same document; codes of different issuers never compare equal. */
static void test_state_same(void)
{
	static const struct {
		const char *a, *b;
		int issuer, nationality;
	} c[] = {
		{ "D<<", "DEU", 1, 1 },   /* a German MRZ, a carrier's list */
		{ "D", "deu", 1, 1 },
		{ "RKS", "XKX", 1, 1 },   /* Kosovo's MRZ, the EU's user-assigned code */
		{ "XXK", "RKS", 1, 1 },
		{ "XKX", "XXK", 1, 1 },
		{ "GBD", "GBR", 1, 0 },   /* a BOTC's passport: issued by the UK */
		{ "GBN", "GBR", 1, 0 },
		{ "GBO", "GBR", 1, 0 },
		{ "GBP", "GBR", 1, 0 },
		{ "GBS", "GBR", 1, 0 },
		{ "GBD", "GBN", 1, 0 },
		{ "GBR", "GBR", 1, 1 },
		/* never folded: other issuers, other documents */
		{ "UNK", "RKS", 0, 0 },   /* UNMIK's travel document */
		{ "UNK", "XKX", 0, 0 },
		{ "UNO", "UNA", 0, 0 },
		{ "UNO", "USA", 0, 0 },
		{ "XXA", "XXB", 0, 0 },
		{ "XXX", "DEU", 0, 0 },
		{ "DE", "DEU", 0, 0 },
		{ "D", "DNK", 0, 0 },
		{ "GBR", "IRL", 0, 0 },
		{ "SRB", "RKS", 0, 0 },
		{ "", "D", 0, 0 },
		{ "DEUTSCHLAND<<<<<<<<<", "DEU", 0, 0 },
	};
	char out[TIMS_MRZ_STATE_NORM];

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(c); i++) {
		T_EQ_INT(tims_mrz_state_same(c[i].a, c[i].b, TIMS_MRZ_STATE_ISSUER),
			 c[i].issuer, c[i].a);
		T_EQ_INT(tims_mrz_state_same(c[i].b, c[i].a, TIMS_MRZ_STATE_ISSUER),
			 c[i].issuer, c[i].b);
		T_EQ_INT(tims_mrz_state_same(c[i].a, c[i].b, TIMS_MRZ_STATE_NATIONALITY),
			 c[i].nationality, c[i].a);
	}
	T_OK(!tims_mrz_state_same(NULL, "DEU", TIMS_MRZ_STATE_ISSUER), "state: NULL is none");
	tims_mrz_state_norm("d<<", TIMS_MRZ_STATE_ISSUER, out, sizeof(out));
	T_EQ_STR(out, "DEU", "state: d<< normalised");
	tims_mrz_state_norm("GBD", TIMS_MRZ_STATE_NATIONALITY, out, sizeof(out));
	T_EQ_STR(out, "GBD", "state: a British class stays as a nationality");
	tims_mrz_state_norm("DEU", TIMS_MRZ_STATE_ISSUER, out, 3);
	T_EQ_STR(out, "DE", "state: cut to the buffer, terminated");
	{
		char sp[TIMS_MRZ_STATE_SPELLINGS][TIMS_MRZ_STATE_NORM];

		T_OK(tims_mrz_state_spellings("d<<", TIMS_MRZ_STATE_ISSUER, sp, 6) == 2 &&
		     !strcmp(sp[0], "DEU") && !strcmp(sp[1], "D"), "spellings: D<< is DEU, D");
		T_OK(tims_mrz_state_spellings("GBD", TIMS_MRZ_STATE_ISSUER, sp, 6) == 6 &&
		     !strcmp(sp[0], "GBR") && !strcmp(sp[5], "GBS"),
		     "spellings: GBD as issuer is GBR and the five classes");
		T_OK(tims_mrz_state_spellings("GBD", TIMS_MRZ_STATE_NATIONALITY, sp, 6) == 1 &&
		     !strcmp(sp[0], "GBD"), "spellings: GBD as nationality is itself");
		T_OK(tims_mrz_state_spellings("XKX", TIMS_MRZ_STATE_ISSUER, sp, 2) == 2 &&
		     !strcmp(sp[0], "RKS"), "spellings: at most max written");
	}
}

static void test_century(void)
{
	struct tims_mrz m;
	/* Born "25" on 2025-06-02, today 2025-06-01: 1925, never the future. */
	const char *t = "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
			"L898902C36UTO2506023F3004157<<<<<<<<<<<<<<06\n";
	struct tims_mrz_options o = opt;
	struct tims_err err;

	tims_mrz_parse(&opt, t, strlen(t), &m);
	T_EQ_STR(m.birth_date.iso, "1925-06-02", "century: birth date never in the future");
	T_OK(tims_mrz_options_set_today(&o, "2025-06-02", &err) == TIMS_OK,
	     "today: set");
	tims_mrz_parse(&o, t, strlen(t), &m);
	T_EQ_STR(m.birth_date.iso, "2025-06-02", "century: born today is 2025");
	T_OK(tims_mrz_options_set_today(&o, "2025-02-29", &err) == TIMS_ERR_INVALID,
	     "today: 29 February 2025 refused");
	T_EQ_STR(err.msg, "today: '2025-02-29' is not a calendar date", "today: says why");
	T_OK(tims_mrz_options_set_today(&o, "25-06-01", &err) == TIMS_ERR_INVALID,
	     "today: short year refused");
	tims_mrz_options_init(&o, 0);
	T_EQ_INT(o.today, 19700101, "today: from a time_t");
}

struct collect {
	int ndocs;
	size_t nlines[8], len0[8], first[8];
};

static int collect_doc(void *ctx, const struct tims_mrz_doc *d)
{
	struct collect *c = ctx;

	if (c->ndocs < 8) {
		c->nlines[c->ndocs] = d->nlines;
		c->len0[c->ndocs] = d->line[0].len;
		c->first[c->ndocs] = d->first_line;
	}
	c->ndocs++;
	return 0;
}

static void test_reader(void)
{
	struct tims_mrz_reader r;
	struct collect c = { 0 };
	const char *in = "  AAA  \r\nBBB\r\n\r\n\n CCC\nDDD\nEEE\nFFF\n\n"
			 "GGG\rHHH\r\r";
	static char big[1 << 20];

	tims_mrz_reader_init(&r);
	/* Fed byte by byte: chunk boundaries do not matter. */
	for (const char *p = in; *p; p++)
		tims_mrz_reader_feed(&r, p, 1, collect_doc, &c);
	memset(big, 'X', sizeof(big));
	tims_mrz_reader_feed(&r, big, sizeof(big), collect_doc, &c);
	tims_mrz_reader_finish(&r, collect_doc, &c);
	T_EQ_INT(c.ndocs, 4, "reader: four documents");
	T_EQ_INT(c.nlines[2], 2, "reader: lone CR ends lines (keyboard wedge)");
	T_EQ_INT(c.first[2], 10, "reader: CRLF counts as one line end");
	T_EQ_INT(c.nlines[0], 2, "reader: first has 2 lines");
	T_EQ_INT(c.len0[0], 3, "reader: spaces and CR trimmed");
	T_EQ_INT(c.nlines[1], 4, "reader: 4 lines counted though 3 kept");
	T_EQ_INT(c.first[1], 5, "reader: line number of a document");
	T_EQ_INT(c.len0[3], 1 << 20, "reader: a megabyte line is counted, not kept");
	T_EQ_INT(sizeof(struct tims_mrz_reader) < 4096, 1, "reader: bounded state");
}

static void test_no_allocation(void)
{
#ifdef COUNT_MALLOC
	static struct tims_mrz m;
	unsigned long before = n_malloc;

	for (int r = 0; r < 100; r++) {
		for (size_t i = 0; i < TIMS_ARRAY_SIZE(valid_cases); i++)
			tims_mrz_parse(&opt, valid_cases[i].text,
				       strlen(valid_cases[i].text), &m);
		for (size_t i = 0; i < TIMS_ARRAY_SIZE(invalid_cases); i++)
			tims_mrz_parse(&opt, invalid_cases[i].text,
				       strlen(invalid_cases[i].text), &m);
	}
	void *(*volatile alloc)(size_t) = malloc;
	void *p;

	T_EQ_INT(n_malloc - before, 0, "parse allocates nothing, valid or not");
	before = n_malloc;
	p = alloc(16);
	T_EQ_INT(n_malloc - before, 1, "malloc counting is live (a real malloc is seen)");
	free(p);
#else
	/* Counted in the plain build; the sanitizers own malloc here. */
#endif
}

/*
 * Real documents that a strict reading of Doc 9303 refuses (synthetic
 * holders in the issuers' real layouts): each is read, valid, with one
 * warning naming the rule it was accepted under (docs/mrz.md, "Real
 * documents"). The same layouts from other issuers, or with a wrong check
 * digit, stay errors; codes Doc 9303 allows get no warning.
 */
struct real_case {
	const char *name, *text;
	const char *rule;    /* the warning's rule; NULL: none */
	const char *error;   /* NULL: valid; else the one error expected */
	const char *number, *surname, *given;
};

static const struct real_case real_cases[] = {
	{ "India: single name after << (TD3)",
	  "P<IND<<AHMADI<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "K2578285<7IND5601240F3202285<<<<<<<<<<<<<<<2\n",
	  "single-name", NULL, "K2578285", "AHMADI", "" },
	{ "Switzerland: single name after << (TD1 identity card)",
	  "IDCHES123456780<<<<<<<<<<<<<<<\n"
	  "8001014M3101012CHE<<<<<<<<<<<2\n"
	  "<<ARJUN<<<<<<<<<<<<<<<<<<<<<<<\n",
	  "single-name", NULL, "S12345678", "ARJUN", "" },
	{ "a name field of fillers only is still an error",
	  "P<IND<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "K2578285<7IND5601240F3202285<<<<<<<<<<<<<<<2\n",
	  NULL, "surname: missing (the name field starts with '<')", NULL, NULL, NULL },
	{ "Belgium: long number, check digit over the filler too (TD1)",
	  "IDBEL590330101<0853<<<<<<<<<<<\n"
	  "8501019F3002038BEL850101002001\n"
	  "DUPONT<<MARIE<ANNE<<<<<<<<<<<<\n",
	  "long-number-filler", NULL, "590330101085", "DUPONT", "MARIE ANNE" },
	{ "Portugal: long number, check digit over the filler too (TD1)",
	  "I<PRT000000000<ZZ48<<<<<<<<<<<\n"
	  "8501019M3101012PRT<<<<<<<<<<<4\n"
	  "SILVA<SANTOS<<JOAO<<<<<<<<<<<<\n",
	  "long-number-filler", NULL, "000000000ZZ4", "SILVA SANTOS", "JOAO" },
	{ "Belgium: long number with the Doc 9303 check digit",
	  "IDBEL590330101<0859<<<<<<<<<<<\n"
	  "8501019F3002038BEL<<<<<<<<<<<8\n"
	  "DUPONT<<MARIE<<<<<<<<<<<<<<<<<\n",
	  NULL, NULL, "590330101085", "DUPONT", "MARIE" },
	{ "Belgium: a long number matching neither way is an error",
	  "IDBEL590330101<0855<<<<<<<<<<<\n"
	  "8501019F3002038BEL<<<<<<<<<<<6\n"
	  "DUPONT<<MARIE<<<<<<<<<<<<<<<<<\n",
	  NULL, "document_number: check digit is 5, expected 9", NULL, NULL, NULL },
	{ "the filler-span check digit from another issuer is an error",
	  "I<UTO590330101<0853<<<<<<<<<<<\n"
	  "8501019F3002038UTO<<<<<<<<<<<0\n"
	  "DUPONT<<MARIE<<<<<<<<<<<<<<<<<\n",
	  NULL, "document_number: check digit is 3, expected 9", NULL, NULL, NULL },
	{ "Estonia: residence permit card coded RP (TD1)",
	  "RPESTAB12345671<<<<<<<<<<<<<<<\n"
	  "9001011F3001019RUS<<<<<<<<<<<4\n"
	  "IVANOVA<<OLGA<<<<<<<<<<<<<<<<<\n",
	  "document-code", NULL, "AB1234567", "IVANOVA", "OLGA" },
	{ "RP from an issuer that does not issue it is an error",
	  "RPUTOAB12345671<<<<<<<<<<<<<<<\n"
	  "9001011F3001019RUS<<<<<<<<<<<4\n"
	  "IVANOVA<<OLGA<<<<<<<<<<<<<<<<<\n",
	  NULL, "document_code: 'R' is not a valid document type here (a TD1 card "
	  "has A, C or I)", NULL, NULL, NULL },
	{ "IR: residence permit (TD1), Doc 9303 code",
	  "IRGBRZU12345673<<<<<<<<<<<<<<<\n"
	  "9001011F3001019IND<<<<<<<<<<<0\n"
	  "SHARMA<<PRIYA<<<<<<<<<<<<<<<<<\n",
	  NULL, NULL, "ZU1234567", "SHARMA", "PRIYA" },
	{ "AC: crew member certificate (TD1), Doc 9303 code",
	  "ACUTOC123456788<<<<<<<<<<<<<<<\n"
	  "9001011M3001019UTO<<<<<<<<<<<0\n"
	  "PILOT<<PETER<<<<<<<<<<<<<<<<<<\n",
	  NULL, NULL, "C12345678", "PILOT", "PETER" },
	{ "IP: passport card (TD1), Doc 9303 code",
	  "IPUSAC030059887<<<<<<<<<<<<<<<\n"
	  "9001011M3001019USA<<<<<<<<<<<2\n"
	  "TRAVELER<<HAPPY<<<<<<<<<<<<<<<\n",
	  NULL, NULL, "C03005988", "TRAVELER", "HAPPY" },
	{ "PM: passport (TD3), Doc 9303 code",
	  "PMUTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F3204153<<<<<<<<<<<<<<<4\n",
	  NULL, NULL, "L898902C3", "ERIKSSON", "ANNA" },
	{ "PD: diplomatic passport (TD3), Doc 9303 code",
	  "PDUTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F3204153<<<<<<<<<<<<<<<4\n",
	  NULL, NULL, "L898902C3", "ERIKSSON", "ANNA" },
	{ "V<: visa (MRV-A), Doc 9303 code",
	  "V<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
	  "L898902C36UTO7408122F3204153<<<<<<<<<<<<<<<<\n",
	  NULL, NULL, "L898902C3", "ERIKSSON", "ANNA" },
};

static void test_real_documents(void)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(real_cases); i++) {
		const struct real_case *c = &real_cases[i];
		struct tims_mrz m;
		tims_rc rc = tims_mrz_parse(&opt, c->text, strlen(c->text), &m);

		if (c->error) {
			T_OK(rc == TIMS_ERR_INVALID && m.nerrors == 1 &&
			     !strcmp(m.errors[0].msg, c->error) && !m.errors[0].rule,
			     "real: %s (%s)", c->name, m.nerrors ? m.errors[0].msg : "valid");
			continue;
		}
		if (!T_OK(rc == TIMS_OK && m.valid, "real: %s: valid", c->name))
			for (unsigned e = 0; e < m.nerrors; e++)
				printf("#   error: %s\n", m.errors[e].msg);
		if (c->rule)
			T_OK(m.nwarnings == 1 && m.warnings[0].rule &&
			     !strcmp(m.warnings[0].rule, c->rule) &&
			     strstr(m.warnings[0].msg, "Doc 9303"),
			     "real: %s: one warning, rule %s, naming Doc 9303 (%s)",
			     c->name, c->rule, m.nwarnings ? m.warnings[0].msg : "none");
		else
			T_OK(m.nwarnings == 0, "real: %s: no warning (%s)", c->name,
			     m.nwarnings ? m.warnings[0].msg : "");
		T_EQ_STR(m.document_number, c->number, "real: document number");
		T_EQ_STR(m.surname, c->surname, "real: surname");
		T_EQ_STR(m.given_names, c->given, "real: given names");
	}
}


/* A visa's MRZ as the typed visa of a crossing (tims_mrz_visa). */
static void test_visa(void)
{
	static const char mrva[] = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
				   "L8988901C4XXX4009078F96121096ZE184226B<<<<<<\n";
	static const char td3[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
				  "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
	struct tims_mrz m;
	struct tims_visa v;
	struct tims_err err;
	char text[200];

	T_OK(tims_mrz_parse(&opt, mrva, strlen(mrva), &m) == TIMS_OK &&
	     tims_mrz_visa(&m, &v, &err) == TIMS_OK, "visa: an MRV-A reads as a visa (%s)", err.msg);
	T_OK(v.kind == TIMS_VISA_SHORT && !strcmp(v.number, "L8988901C") &&
	     !strcmp(v.issuer, "UTO") && !strcmp(v.valid_until, "1996-12-10") &&
	     !v.valid_from[0] && !v.entries && !v.duration_days,
	     "visa: number, issuer, valid until from the MRZ; the rest is typed at the booth");
	/* "VD": a national long-stay visa (the check digits do not cover the code) */
	snprintf(text, sizeof(text), "%s", mrva);
	text[1] = 'D';
	T_OK(tims_mrz_parse(&opt, text, strlen(text), &m) == TIMS_OK &&
	     tims_mrz_visa(&m, &v, &err) == TIMS_OK && v.kind == TIMS_VISA_LONG,
	     "visa: VD is a long-stay visa");
	T_OK(tims_mrz_parse(&opt, td3, strlen(td3), &m) == TIMS_OK &&
	     tims_mrz_visa(&m, &v, &err) == TIMS_ERR_INVALID && strstr(err.msg, "not a visa"),
	     "visa: a passport is not a visa (%s)", err.msg);
}

int main(void)
{
	struct tims_err err;

	if (tims_mrz_options_set_today(&opt, TODAY, &err)) {
		printf("not ok - options: %s\n", err.msg);
		return 1;
	}
	test_valid();
	test_visa();
	test_invalid();
	test_real_documents();
	test_strict_case();
	test_huge_line();
	test_nul_byte();
	test_garbage_line_count();
	test_check_digit();
	test_countries();
	test_state_same();
	test_century();
	test_reader();
	test_no_allocation();
	return t_done();
}
