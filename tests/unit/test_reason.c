/*
 * test_reason.c — a match's reasons coded for the consoles (lib/screen/
 * reason.c): every reason the scorer gives has a code of the table (none
 * falls back to its English), its parameters are named and the words among
 * them are codes; the JSON a console gets; and hostile coded strings.
 * That every code has its text in both languages is scripts/i18n-check.py's.
 */
#include <jansson.h>

#include "t.h"
#include "tims/screen.h"

static struct tims_name na, nb;
static struct tims_match m;

/* Compare a (born da, nationality ca, sex xa) with b; NULL/0: unknown. */
static int cmp(const char *a, const char *da, const char *ca, char xa, const char *b,
	       const char *db, const char *cb, char xb)
{
	struct tims_subject sa, sb;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	memset(&m, 0, sizeof(m));
	if (tims_name_parse(a, strlen(a), "a", &na, NULL) ||
	    tims_name_parse(b, strlen(b), "b", &nb, NULL) ||
	    (da && tims_pdate_parse(da, &sa.dob, "a", NULL)) ||
	    (db && tims_pdate_parse(db, &sb.dob, "b", NULL)) ||
	    (ca && tims_subject_set_nationality(&sa, ca, "a", NULL)) ||
	    (cb && tims_subject_set_nationality(&sb, cb, "b", NULL)))
		return -1;
	sa.sex = xa;
	sb.sex = xb;
	tims_screen_compare(&na, &sa, &nb, &sb, true, &m);
	return 0;
}

/* Whether one of m's coded reasons starts with want. */
static int has_code(const char *want)
{
	for (unsigned i = 0; i < m.nreasons; i++)
		if (!strncmp(m.codes[i], want, strlen(want)))
			return 1;
	return 0;
}

static const char *known(const char *coded)
{
	const char *c, *params;
	size_t n = strcspn(coded, "\t");

	for (size_t i = 0; (c = tims_screen_reason_code_at(i, &params)); i++)
		if (strlen(c) == n && !strncmp(c, coded, n))
			return c;
	return NULL;
}

int main(void)
{
	/* pairs that take the scorer through its kinds of reason */
	static const struct {
		const char *a, *da, *ca;
		char xa;
		const char *b, *db, *cb;
		char xb;
	} pairs[] = {
		{ "MÜLLER, HANS", "1970-03-04", "DEU", 'M', "MUELLER, HANS", "1970-03-04", "DEU", 'M' },
		{ "SMITH JOHN", "1970-03-04", "GBR", 'M', "SMTIH JOHN", "1970-04-03", "USA", 'M' },
		{ "PETROV IVAN", "1970", NULL, 'M', "PETTROV IVAN", "1971", NULL, 'F' },
		{ "WILLIAM JONES", "~1969", NULL, 0, "BILL JONES", "1968-05-01", NULL, 0 },
		{ "J0HN SM1TH", "1980-01-01", NULL, 0, "JOHN SMITH", "1980-01-11", NULL, 0 },
		{ "MARIO ROSSI", "1980-01-01", NULL, 'M', "MARIA ROSSI", "1980-01-01", NULL, 'F' },
		{ "ШЕРБАКОВ ЮРИЙ", NULL, NULL, 0, "SHCHERBAKOV YURIY", NULL, NULL, 0 },
		{ "محمد حسين", NULL, NULL, 0, "MOHAMMED HUSSEIN", NULL, NULL, 0 },
		{ "JOHN R SMITH", "1980-01-01", NULL, 0, "JOHN ROBERT SMITH", "1980-01-01", NULL, 0 },
		{ "SMITH JOHN JR", NULL, NULL, 0, "SMITH JOHN SR", NULL, NULL, 0 },
		{ "ABDUL RAHMAN ALI", NULL, NULL, 0, "ABDULRAHMAN ALI", NULL, NULL, 0 },
		{ "HOXHA ARBËR", "1985-06-07", "ALB", 'M', "HOXHAJ ARBER", "1986-06-07", "ALB", 'M' },
		{ "JONES DAVID", "1970-01-01", NULL, 0, "BROWN PETER", "1990-12-31", NULL, 0 },
		{ "ETTAYEB, MOHAMED", NULL, NULL, 0, "TAYEB, MOHAMED", NULL, NULL, 0 },
		{ "DOE, REGGIE", NULL, NULL, 0, "DOE, REGINALD", NULL, NULL, 0 },
	};
	unsigned total = 0, coded = 0, text = 0;
	json_t *j;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!T_OK(cmp(pairs[i].a, pairs[i].da, pairs[i].ca, pairs[i].xa, pairs[i].b,
			      pairs[i].db, pairs[i].cb, pairs[i].xb) == 0,
			  "%s ~ %s compared", pairs[i].a, pairs[i].b))
			continue;
		for (unsigned k = 0; k < m.nreasons; k++) {
			total++;
			if (known(m.codes[k]) && strncmp(m.codes[k], "text", 4))
				coded++;
			else {
				text++;
				printf("# not coded: '%s' (%s)\n", m.reasons[k], m.codes[k]);
			}
		}
	}
	T_OK(total >= 40 && coded == total,
	     "every reason of %u is coded by the table, none kept as English text (%u not)",
	     total, text);

	/* the parameters: named, and the words among them codes */
	cmp("MÜLLER, HANS", NULL, NULL, 0, "MUELLER, HANS", NULL, NULL, 0);
	T_OK(has_code("name.scheme\tpart=surname\ta=MÜLLER\tb=MUELLER\tscheme=icao\t"),
	     "MÜLLER~MUELLER: name.scheme with part, both spellings and the scheme's code");
	cmp("SMITH, JOHN", NULL, NULL, 0, "SMTIH, JOHN", NULL, NULL, 0);
	T_OK(has_code("name.typo\tpart=surname\ta=SMITH\tb=SMTIH\tslip=transposed\tsimilarity=0."),
	     "SMITH~SMTIH: name.typo, the slip coded as 'transposed', the similarity a number");
	cmp("SMITH, J0HN", NULL, NULL, 0, "SMITH, JOHN", NULL, NULL, 0);
	T_OK(has_code("name.ocr\tpart=given\ttoken=J0HN\treadings=0>O"),
	     "J0HN: name.ocr with the reading 0>O, not the English 'digit 0 read as O'");
	cmp("SMITH JOHN", "1970-03-04", NULL, 0, "SMITH JOHN", "1970-04-03", NULL, 0);
	T_OK(has_code("dob.swapped\ta=1970-03-04\tb=1970-04-03"), "a swapped date: dob.swapped");
	cmp("SMITH JOHN", "1970-03-04", NULL, 0, "SMITH JOHN", "1970-12-04", NULL, 0);
	T_OK(has_code("dob.same_year\ta=1970-03-04\tb=1970-12-04\tfield=month"),
	     "the same year and day: dob.same_year, field=month");

	/* the JSON a console gets */
	j = tims_screen_reason_json("name.scheme\tpart=surname\ta=A=B\tbroken\tscheme=icao");
	T_OK(j && !strcmp(json_string_value(json_object_get(j, "code")), "name.scheme") &&
	     !strcmp(json_string_value(json_object_get(json_object_get(j, "params"), "a")), "A=B") &&
	     json_object_size(json_object_get(j, "params")) == 3,
	     "JSON: the code, the parameters split at the first '=', one without '=' left out");
	json_decref(j);
	j = tims_screen_reason_json("");
	T_OK(j && !strcmp(json_string_value(json_object_get(j, "code")), "") &&
	     json_object_size(json_object_get(j, "params")) == 0, "JSON of an empty code");
	json_decref(j);
	{
		char big[TIMS_SCREEN_CODE_BYTES * 2];
		char (*r)[TIMS_SCREEN_REASON_BYTES] = calloc(TIMS_SCREEN_MAX_REASONS, sizeof(*r));
		char (*c)[TIMS_SCREEN_CODE_BYTES] = calloc(TIMS_SCREEN_MAX_REASONS, sizeof(*c));
		unsigned n = 0;

		memset(big, 'X', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		big[5] = '\t';
		tims_screen_reason_add(r, c, &n, NULL, "%s %s~%s are different names", "surname",
				       "A\tB", big);
		T_OK(n == 1 && !strcmp(c[0], "name.different\tpart=surname\ta=A B") &&
		     strlen(r[0]) < TIMS_SCREEN_REASON_BYTES,
		     "a tab inside a value becomes a space; a value too long for the coded "
		     "form is left out whole, never cut ('%s')", c[0]);
		tims_screen_reason_add(r, c, &n, NULL, "a reason of %d words", 5);
		T_OK(n == 2 && !strcmp(c[1], "text\ttext=a reason of 5 words"),
		     "a format the table lacks is kept as code 'text' with its English ('%s')", c[1]);
		n = TIMS_SCREEN_MAX_REASONS;
		tims_screen_reason_add(r, c, &n, NULL, "name parts %s~%s joined", "A", "B");
		T_OK(n == TIMS_SCREEN_MAX_REASONS, "nothing past the last reason");
		free(r);
		free(c);
	}
	return t_done();
}
