/*
 * fuzz_names.c — libFuzzer target for the name normaliser and the scorer.
 *
 * Input: arbitrary bytes, split at the first NUL into two names and, after
 * a second NUL, a date of birth (the rest, cut at the next NUL or 40 bytes).
 * Each name is parsed (any script, any shape, hostile bytes, OCR digits);
 * the date goes through tims_pdate_parse (exact, approximate "~1969",
 * "ABOUT 1969", "1965-1970" ...). When both names parse they are compared
 * with reasons, with the date on one side and a fixed full date on the
 * other. Checks: no crash or sanitizer report, scores in [0, 1], every
 * spelling and skeleton A-Z only, every group known to the table, a name in
 * no abjad script scores 1 against itself (whatever readings its tokens
 * got: Greek, the Arabic article, the Arabic key, an article dropped after
 * ABD), a parsed date formats to a string that parses back to the same
 * date, an approximate date is a year within bounds.
 */
#include <assert.h>

#include "tims/names.h"
#include "tims/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const struct tims_name *n)
{
	for (unsigned i = 0; i < n->ntok; i++) {
		assert(n->tok[i].nvar >= 1 && n->tok[i].nvar <= TIMS_NAME_MAX_VARIANTS);
		assert(n->tok[i].var[0][0] != '\0');
		for (unsigned v = 0; v < n->tok[i].nvar; v++) {
			for (const char *p = n->tok[i].var[v]; *p; p++)
				assert(*p >= 'A' && *p <= 'Z');
			for (const char *p = n->tok[i].skel[v]; *p; p++)
				assert(*p >= 'A' && *p <= 'Z');
			for (const char *p = n->tok[i].vskel[v]; *p; p++)
				assert(*p >= 'A' && *p <= 'Z');
		}
		assert(n->tok[i].ngroup <= TIMS_NAME_MAX_GROUPS);
		for (unsigned g = 0; g < n->tok[i].ngroup; g++)
			assert(tims_name_group_label(n->tok[i].group[g], NULL) != NULL);
	}
	/* a token in Arabic script without a group has its consonants only,
	 * which score below 1 against themselves (0.97, 0.70); names that
	 * agree by initials only are capped below the threshold, even
	 * against themselves (J SMITH is not a person without a date) */
	for (unsigned i = 0; i < n->ntok; i++)
		if (n->tok[i].flags & (TIMS_TOK_ABJAD | TIMS_TOK_INITIAL))
			return;
	assert(tims_screen_name_score(n, n) > 0.999);
}

/* The date after the second NUL: parse, and format/parse round trip. */
static bool check_date(const uint8_t *p, size_t n, struct tims_pdate *d)
{
	char s[41], out[16];
	struct tims_pdate back;
	size_t k = 0;

	while (k < n && k < sizeof(s) - 1 && p[k])
		k++;
	memcpy(s, p, k);
	s[k] = '\0';
	if (tims_pdate_parse(s, d, "dob", NULL) != TIMS_OK) {
		assert(d->year == 0 && d->approx == 0);
		return false;
	}
	assert(d->approx <= TIMS_PDATE_APPROX_MAX);
	assert(!d->approx || (d->month == 0 && d->day == 0));
	assert(d->year == 0 || (d->year >= 1850 && d->year <= 2200));
	tims_pdate_format(d, out, sizeof(out));
	assert(tims_pdate_parse(out, &back, "dob", NULL) == TIMS_OK);
	assert(back.year == d->year && back.month == d->month && back.day == d->day);
	assert(back.approx == d->approx || (back.approx == 2 && out[0] == '~'));
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_name a, b;
	struct tims_match m;
	struct tims_subject sa, sb;
	const uint8_t *nul = memchr(data, 0, size);
	size_t la = nul ? (size_t)(nul - data) : size;
	const uint8_t *nul2 = nul ? memchr(nul + 1, 0, size - la - 1) : NULL;
	int ra, rb = -1;
	bool dated = false;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	if (nul2) {
		dated = check_date(nul2 + 1, size - (size_t)(nul2 + 1 - data), &sa.dob);
		size = (size_t)(nul2 - data); /* the names end at the second NUL */
		tims_pdate_parse("1969-07-20", &sb.dob, "dob", NULL);
		sb.sex = 'F';
		sa.sex = 'M';
	}

	ra = tims_name_parse((const char *)data, la, "a", &a, NULL);
	if (ra == TIMS_OK)
		check_name(&a);
	if (nul) {
		rb = tims_name_parse((const char *)nul + 1, size - la - 1, "b", &b, NULL);
		if (rb == TIMS_OK)
			check_name(&b);
	}
	if (ra == TIMS_OK && rb == TIMS_OK) {
		double ab, ba;

		tims_screen_compare(&a, NULL, &b, NULL, true, &m);
		assert(m.score >= 0.0 && m.score <= 1.0);
		assert(m.nreasons <= TIMS_SCREEN_MAX_REASONS);
		if (dated) {
			tims_screen_compare(&a, &sa, &b, &sb, true, &m);
			assert(m.score >= 0.0 && m.score <= 1.0);
			tims_screen_compare(&b, &sb, &a, &sa, false, &m);
			assert(m.score >= 0.0 && m.score <= 1.0);
		}
		ab = tims_screen_name_score(&a, &b);
		ba = tims_screen_name_score(&b, &a);
		assert(ab >= 0.0 && ab <= 1.0 && ba >= 0.0 && ba <= 1.0);
	}
	return 0;
}
