/*
 * distinct.c — spellings that are names of their own.
 *
 * A slip of the hand turns BARKER into BARBER, PERRY into PARRY, JOAN into
 * JOHN just as it turns WESTERLUND into WESTERLUDN; the letters cannot tell
 * which. What can is knowing that BARBER, BARKER, PARRY, PERRY, JOHN and
 * JOAN are each a name people bear, and WESTERLUDN is not. The table
 * (distinct_names.h, made by scripts/gen-distinct-names.py) is the union of
 * published name lists kept in lib/screen/names/ (README.md there: the US
 * Census Bureau's 2010 surnames, public domain; the Moby Word II lists of
 * English given names, PDDL 1.0 / CC0; the given names and surnames of the
 * Croatian, Serbian, Polish, Czech, Slovak, Russian, Ukrainian and Greek
 * locales of @faker-js/faker, MIT, the Cyrillic and Greek ones as those
 * countries' passports write them in Latin). Each name carries the
 * languages whose lists hold it. Two spellings one letter apart (a letter
 * changed, added or left out) that one language's lists both hold are two
 * names (GORAN and ZORAN, IVANOV and IVANKOV, MARKO and MIRKO), unless they
 * are one name spelled two ways (variant_key below): ALAN, ALLAN and ALLEN;
 * PETERSON and PETERSEN; CATHERINE and KATHERINE; SARA and SARAH. Two
 * languages' lists are not enough: PETR and PETRO, OLEG and OLEH, MARIA and
 * MARIJA are one name in two languages.
 *
 * What the lists cannot know: a name that is not in them (Albanian and
 * Arabic names, most others) is never called a name of its own here, so
 * the rule only ever lowers a typo- or sound-level score between two
 * listed names; it never raises one.
 */
#include "screen_int.h"
#include "tims/util.h"

struct distinct_name {
	const char *name;
	unsigned langs; /* a bit per language (the generator's LANGS) */
};

#include "distinct_names.h"

static int cmp_name(const void *k, const void *e)
{
	return strcmp((const char *)k, ((const struct distinct_name *)e)->name);
}

/* The languages whose lists hold the spelling (0: none). */
static unsigned known_langs(const char *az)
{
	const struct distinct_name *d;
	size_t n = strlen(az);

	if (n < 3 || n > TIMS_TOKEN_MAX)
		return 0;
	d = bsearch(az, distinct_names, TIMS_ARRAY_SIZE(distinct_names),
		    sizeof(distinct_names[0]), cmp_name);
	return d ? d->langs : 0;
}

bool tims__distinct_known(const char *az)
{
	return known_langs(az) != 0;
}

static bool vow(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

/*
 * One name spelled two ways, as English-language registers do: PH and F, C,
 * CK, Q and K, Y and I, TH and T, DH and D, Z and S; an H after a vowel
 * that ends a syllable (SARAH, JOHN: JON); a letter doubled or not; a mute
 * final E (ISABEL, ISABELLE); and the vowel of an unstressed syllable
 * inside the name (ALLEN, ALLAN; PETERSON, PETERSEN; MICHAEL, MICHEAL),
 * written @. The first vowel and the last letters stay as they are: they
 * make other names (BELL, BALL; PARRY, PERRY; MARIA, MARIO; PAOLO, PAOLA).
 */
static void variant_key(const char *s, char *out, size_t cap)
{
	char t[2 * TIMS_TOKEN_MAX + 2];
	size_t n = 0, o = 0, len = strlen(s);
	unsigned runs = 0;

	for (size_t i = 0; i < len && n + 1 < sizeof(t); i++) {
		char c = s[i], nx = s[i + 1];

		if ((c == 'P' && nx == 'H') || (c == 'T' && nx == 'H') || (c == 'D' && nx == 'H')) {
			t[n++] = c == 'P' ? 'F' : c;
			i++;
			continue;
		}
		if (c == 'C' && nx == 'K') {
			t[n++] = 'K';
			i++;
			continue;
		}
		if (c == 'H' && i > 0 && vow(s[i - 1]) && (!nx || !vow(nx)))
			continue;
		t[n++] = c == 'C' || c == 'Q' ? 'K' : c == 'Y' ? 'I' : c == 'Z' ? 'S' : c;
	}
	t[n] = '\0';
	if (n > 3 && t[n - 1] == 'E' && !vow(t[n - 2]))
		t[--n] = '\0';
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (o && out[o - 1] == t[i])
			continue; /* doubled */
		if (vow(t[i])) {
			size_t j = i;

			while (j < n && vow(t[j]))
				j++;
			if (runs++ && j < n) { /* not the first vowel, not at the end */
				out[o++] = '@';
			} else {
				for (size_t k = i; k < j && o + 1 < cap; k++)
					if (!o || out[o - 1] != t[k])
						out[o++] = t[k];
			}
			i = j - 1;
			continue;
		}
		out[o++] = t[i];
	}
	out[o] = '\0';
}

/* One letter changed, added or left out (not two letters swapped: that is
 * the commonest slip of all, and no pair of names the lists hold is only
 * that). */
static bool one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0;

	if (lb > la)
		return one_edit(b, a);
	if (la - lb > 1)
		return false;
	while (i < lb && a[i] == b[i])
		i++;
	if (la == lb)
		return i < la && !strcmp(a + i + 1, b + i + 1);
	return !strcmp(a + i + 1, b + i);
}

/* The key without its inner vowels: CATHERINE and CATHRINE, a vowel
 * written or not inside the name. */
static void drop_inner(const char *k, char *out)
{
	size_t o = 0;

	for (; *k; k++)
		if (*k != '@')
			out[o++] = *k;
	out[o] = '\0';
}

bool tims__distinct_names(const char *a, const char *b)
{
	char ka[2 * TIMS_TOKEN_MAX + 2], kb[2 * TIMS_TOKEN_MAX + 2];
	char da[2 * TIMS_TOKEN_MAX + 2], db[2 * TIMS_TOKEN_MAX + 2];

	if (!one_edit(a, b) || !(known_langs(a) & known_langs(b)))
		return false;
	variant_key(a, ka, sizeof(ka));
	variant_key(b, kb, sizeof(kb));
	drop_inner(ka, da);
	drop_inner(kb, db);
	return strcmp(ka, kb) != 0 && strcmp(da, db) != 0;
}
