/* test_names.c — name normalisation: shapes, scripts, schemes, refusals. */
#include "t.h"
#include "tims/names.h"

static struct tims_name n;
static struct tims_err err;

static int parse(const char *s)
{
	tims_err_clear(&err);
	return tims_name_parse(s, strlen(s), "name", &n, &err);
}

/* True if token i has spelling `want` produced by `scheme` (or any, -1). */
static int has(unsigned i, const char *want, int scheme)
{
	if (i >= n.ntok)
		return 0;
	for (unsigned v = 0; v < n.tok[i].nvar; v++)
		if (!strcmp(n.tok[i].var[v], want) &&
		    (scheme < 0 || n.tok[i].scheme[v] == scheme))
			return 1;
	return 0;
}

static void test_shapes(void)
{
	T_OK(parse("MUELLER<<JUERGEN<HANS<<<<<<") == TIMS_OK, "mrz: parses");
	T_EQ_INT(n.ntok, 3, "mrz: fillers are not tokens");
	T_OK(n.mrz_form && n.tok[0].part == TIMS_PART_SURNAME &&
	     n.tok[1].part == TIMS_PART_GIVEN && n.tok[2].part == TIMS_PART_GIVEN,
	     "mrz: surname before <<, given names after");
	T_OK(parse("van der Berg, Anna-Lena") == TIMS_OK, "comma form parses");
	T_OK(n.tok[0].part == TIMS_PART_SURNAME && n.tok[3].part == TIMS_PART_GIVEN,
	     "comma form: surname before the comma");
	T_OK((n.tok[0].flags & TIMS_TOK_WEAK) && (n.tok[1].flags & TIMS_TOK_WEAK) &&
	     !(n.tok[2].flags & TIMS_TOK_WEAK), "particles VAN DER are weak tokens");
	T_EQ_INT(n.ntok, 5, "hyphenated given names are two tokens");
	T_OK(parse("John Paul Smith") == TIMS_OK && n.tok[0].part == TIMS_PART_ANY,
	     "free text: parts unknown");
	T_OK(parse("O'Brien") == TIMS_OK && has(0, "OBRIEN", -1), "apostrophe joins: O'BRIEN");
	T_OK(parse("J. Smith") == TIMS_OK && (n.tok[0].flags & TIMS_TOK_INITIAL),
	     "a single letter is an initial");
}

static void test_latin(void)
{
	T_OK(parse("Müller") == TIMS_OK, "umlaut parses");
	T_OK(has(0, "MUELLER", TIMS_SCHEME_ICAO), "Ü gives UE (ICAO 9303)");
	T_OK(has(0, "MULLER", TIMS_SCHEME_STRIPPED), "Ü gives U (diacritic removed)");
	T_OK(parse("Strauß") == TIMS_OK && has(0, "STRAUSS", -1), "ß gives SS");
	T_OK(parse("Ærøskøbing") == TIMS_OK && has(0, "AEROESKOEBING", TIMS_SCHEME_ICAO),
	     "Æ gives AE, Ø gives OE");
	T_OK(parse("Þórsson") == TIMS_OK && has(0, "THORSSON", -1), "Þ gives TH");
	T_OK(parse("Mu\xcc\x88ller") == TIMS_OK && has(0, "MUELLER", -1),
	     "decomposed U + combining diaeresis is normalised (NFC) first");
	T_OK(parse("Şükrü Çağlayan") == TIMS_OK, "Turkish parses");
	T_OK(has(0, "SUKRU", TIMS_SCHEME_STRIPPED) && has(0, "SHUKRU", TIMS_SCHEME_PHONETIC),
	     "Ş gives S and SH");
	T_OK(has(1, "CAGLAYAN", -1) && has(1, "CHALAYAN", TIMS_SCHEME_PHONETIC),
	     "Ç gives C or CH, Ğ gives G or nothing");
	T_OK(parse("İsmail Kılıç") == TIMS_OK && has(0, "ISMAIL", -1) && has(1, "KILIC", -1),
	     "Turkish dotted and dotless I both give I");
	T_OK(parse("Gëzim Çela") == TIMS_OK && has(0, "GEZIM", -1) && has(1, "CHELA", -1),
	     "Albanian Ë gives E, Ç gives C or CH");
}

static void test_cyrillic(void)
{
	T_OK(parse("Юрий Щербаков") == TIMS_OK, "Cyrillic parses");
	T_OK(has(0, "IURII", TIMS_SCHEME_ICAO), "Юрий: IURII in ICAO 2013");
	T_OK(has(0, "YURIY", TIMS_SCHEME_RU1997), "Юрий: YURIY in the 1997 passport scheme");
	T_OK(has(1, "SHCHERBAKOV", -1), "Щ gives SHCH");
	T_OK(parse("Хабибуллин Жанна Яковлевна") == TIMS_OK && has(0, "KHABIBULLIN", -1) &&
	     has(1, "ZHANNA", -1) && has(2, "IAKOVLEVNA", TIMS_SCHEME_ICAO) &&
	     has(2, "YAKOVLEVNA", TIMS_SCHEME_RU1997), "Х KH, Ж ZH, Я IA or YA");
	T_OK(parse("Григорій") == TIMS_OK && has(0, "HRYHORII", TIMS_SCHEME_UA2010),
	     "Ukrainian: Г gives H, И gives Y (2010 scheme)");
	T_OK(parse("Євген") == TIMS_OK && has(0, "YEVHEN", TIMS_SCHEME_UA2010),
	     "Ukrainian: initial Є gives YE");
}

static void test_greek(void)
{
	T_OK(parse("Γιώργος Παπαδόπουλος") == TIMS_OK, "Greek parses");
	T_OK(has(0, "GIORGOS", TIMS_SCHEME_ELOT743), "ELOT 743: Γιώργος GIORGOS");
	T_OK(has(1, "PAPADOPOULOS", TIMS_SCHEME_ELOT743), "ELOT 743: ΟΥ gives OU");
	T_OK(parse("Ευάγγελος Μπακογιάννης Ντόρα") == TIMS_OK &&
	     has(0, "EVANGELOS", TIMS_SCHEME_ELOT743) &&
	     has(1, "BAKOGIANNIS", TIMS_SCHEME_ELOT743) && has(2, "DORA", TIMS_SCHEME_ELOT743),
	     "ELOT 743: ΕΥ EV, ΓΓ NG, initial ΜΠ B, initial ΝΤ D");
	T_OK(parse("Χρήστος") == TIMS_OK && has(0, "CHRISTOS", TIMS_SCHEME_ELOT743) &&
	     has(0, "HRISTOS", TIMS_SCHEME_GREEK_PHON), "Χ: CH (ELOT) and H (common)");
}

static void test_abjad(void)
{
	T_OK(parse("محمد الخليفي") == TIMS_OK, "Arabic parses");
	T_OK(n.tok[0].flags & TIMS_TOK_ABJAD, "Arabic tokens are abjad tokens");
	T_OK(has(0, "MUHAMMAD", TIMS_SCHEME_EQUIV), "محمد: MUHAMMAD via the equivalence table");
	T_OK(n.tok[0].ngroup > 0, "محمد has an equivalence group");
	T_EQ_STR(n.tok[1].skel[n.tok[1].nvar - 1], "KLF", "الخليفي: the article is not in the skeleton");
	T_OK(parse("أحمد") == TIMS_OK && has(0, "AHMED", TIMS_SCHEME_EQUIV),
	     "hamza on alef folded before the lookup");
	T_OK(parse("فاطمه") == TIMS_OK && n.tok[0].ngroup > 0 && parse("فاطمة") == TIMS_OK &&
	     n.tok[0].ngroup > 0, "Persian he and Arabic ta marbuta both find FATIMA");
	T_OK(parse("MOHAMMED") == TIMS_OK && n.tok[0].ngroup > 0, "the Latin spelling finds the group too");
}

static void test_skeleton(void)
{
	char a[64], b[64];

	tims_name_skeleton("MOHAMMED", true, a, sizeof(a));
	tims_name_skeleton("MUHAMMAD", true, b, sizeof(b));
	T_EQ_STR(a, b, "skeleton: MOHAMMED and MUHAMMAD agree");
	tims_name_skeleton("SCHTSCHERBAKOW", false, a, sizeof(a));
	tims_name_skeleton("SHCHERBAKOV", false, b, sizeof(b));
	T_EQ_STR(a, b, "skeleton: SCHTSCHERBAKOW and SHCHERBAKOV agree");
	tims_name_skeleton("AHMED", true, a, sizeof(a));
	tims_name_skeleton("HAMID", true, b, sizeof(b));
	T_OK(strcmp(a, b) != 0, "skeleton with vowels keeps AHMED and HAMID apart");
	tims_name_skeleton("ABDULRAHMAN", false, a, sizeof(a));
	T_EQ_STR(a, "BDRHMN", "skeleton: the article after ABD is dropped");
	T_OK(tims_name_edit_distance("SMITH", "SMIHT") == 1, "edit distance: a transposition is one edit");
	T_OK(tims_name_jaro_winkler("MARTHA", "MARHTA") > 0.95, "Jaro-Winkler: MARTHA/MARHTA 0.96");
}

static void test_refusals(void)
{
	char big[400];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_OK(parse(big) == TIMS_ERR_TOOBIG, "a 399-byte name is refused");
	T_EQ_STR(err.msg, "name: 399 bytes, at most 256 allowed", "the error names the field and the limit");
	T_OK(parse("Smith\x01") == TIMS_ERR_INVALID, "a control character is refused");
	T_EQ_STR(err.msg, "name: control character U+0001 at byte 5", "the error names the byte");
	T_OK(parse("Sm\xc3\x28th") == TIMS_ERR_INVALID, "invalid UTF-8 is refused");
	T_EQ_STR(err.msg, "name: invalid UTF-8 at byte 2", "the error names the byte");
	T_OK(parse("\xc0\xaf" "abc") == TIMS_ERR_INVALID, "an overlong encoding is refused");
	T_OK(parse("\xed\xa0\x80") == TIMS_ERR_INVALID, "an encoded surrogate is refused");
	T_OK(parse("Smith 3") == TIMS_ERR_INVALID, "a digit is refused");
	T_OK(parse("Smith\xe2\x80\xae") == TIMS_ERR_INVALID, "a bidi override is refused");
	T_OK(parse("Sm$th") == TIMS_ERR_INVALID, "a symbol is refused");
	T_OK(parse("  ,  <<") == TIMS_ERR_INVALID, "a name with no letter is refused");
	T_OK(parse("A B C D E F G H I J K L M") == TIMS_ERR_TOOBIG, "13 name parts are refused");
	T_OK(parse("Smi\xe2\x80\x8bth") == TIMS_OK && has(0, "SMITH", -1),
	     "a zero-width space is ignored, not a separator");
	T_OK(parse("Ивanov") == TIMS_OK && n.mixed_script, "mixed scripts in a token are flagged");
	T_OK(has(0, "IVANOV", -1), "... and still transliterated letter by letter");
	T_OK(parse("\xd7\x92\xd7\xb3\xd7\x95\xd7\xa8\xd7\x92\xd7\xb3") == TIMS_OK && n.ntok == 1,
	     "a Hebrew geresh joins its token (George written in Hebrew is one name)");
}

/* OCR reads O as 0, I or L as 1, Z as 2, S as 5, G as 6, B as 8: such a name
 * is still a name. */
static void test_ocr_digits(void)
{
	static const struct {
		const char *in;
		unsigned tok;
		const char *want; /* NULL: refused */
	} cases[] = {
		{ "J0HN SM1TH", 0, "JOHN" },
		{ "J0HN SM1TH", 1, "SMITH" },
		{ "SM1TH<<J0HN", 1, "JOHN" },
		{ "5ARA 8ERG", 0, "SARA" },
		{ "5ARA 8ERG", 1, "BERG" },
		{ "Ol1ver", 0, "OLIVER" },
		{ "6E0R6E", 0, "GEORGE" },  /* 6 for G */
		{ "2ARA", 0, "ZARA" },      /* 2 for Z */
		{ "PAU1", 0, "PAUL" },      /* 1 for L: a second spelling */
		{ "PAU1", 0, "PAUI" },      /* ... next to the one with I */
		{ "JOHN 1985", 0, NULL },   /* 9: no letter looks like it */
		{ "JOHN 1", 0, NULL },      /* digits only: not a misread word */
		{ "JOHN 0815", 0, NULL },
		{ "SMITH 3", 0, NULL },
		{ "SMITH 26", 0, NULL },    /* digits only, even those read as letters */
		{ "SM7TH", 0, NULL },
		{ "J\xd9\xa0HN", 0, NULL }, /* ARABIC-INDIC ZERO is not an OCR O */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].in);

		if (!cases[i].want) {
			T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "digit at byte"),
			     "ocr: '%s' is refused (%s)", cases[i].in, err.msg);
			continue;
		}
		T_OK(rc == TIMS_OK && has(cases[i].tok, cases[i].want, -1) &&
		     (n.tok[cases[i].tok].flags & TIMS_TOK_OCR),
		     "ocr: '%s' part %u is read as %s, marked as an OCR reading",
		     cases[i].in, cases[i].tok + 1, cases[i].want);
	}
	T_OK(parse("J0HN SMITH") == TIMS_OK && !(n.tok[1].flags & TIMS_TOK_OCR) &&
	     !strcmp(n.tok[0].orig, "J0HN"),
	     "ocr: only the misread part is marked; it keeps its spelling as written");
}

int main(void)
{
	test_shapes();
	test_latin();
	test_cyrillic();
	test_greek();
	test_abjad();
	test_skeleton();
	test_refusals();
	test_ocr_digits();
	return t_done();
}
