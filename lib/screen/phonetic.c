/*
 * phonetic.c — phonetic skeletons and string distances over A-Z spellings.
 *
 * The skeleton folds what transliteration schemes disagree on: the many ways
 * to write one sound (Ш as SH, SCH, CH; Щ as SHCH, SCHTSCH, CHTCH; Ц as TS, Z,
 * TZ; В as V, W, F; Х as KH; Q and C as K) and, above all, vowels (MOHAMMED,
 * MUHAMMAD; OLEKSANDR, ALEKSANDR). With vowels, each run of vowels is one
 * 'A' (so the position of vowels still tells AHMED from HAMID); without, it is
 * the consonant frame, which is all an Arabic or Persian spelling gives.
 *
 * Affricates written many ways are one class J: Albanian XH (HOXHA) is DZH
 * in a Russian-style register (HODZHA), DJ in a French one (HODJA), DSCH in a
 * German one, as is Russian Дж (DZHAMAL, DJAMAL, DSCHAMAL); Albanian GJ is
 * DJ elsewhere (GJERGJ, DJERDJ). Greek ΜΠ, ΝΤ, ΓΚ are B, D, G at the start of
 * a word and ELOT 743 writes them MP, NT, GK (MPAMPIS for BABIS, NTINOS for
 * DINOS): at the start of a spelling they fold to B, D, G.
 *
 * Jaro-Winkler and the optimal-string-alignment distance score typos.
 */
#include "screen_int.h"
#include "tims/util.h"

/* Longest patterns first; the first that matches at a position wins. */
static const struct { const char *pat; const char *cls; } fold[] = {
	{ "SCHTSCH", "S" }, { "DSCH", "J" }, { "DZH", "J" }, { "GJ", "J" },
	{ "CHR", "KR" }, { "CHL", "KL" }, { "XH", "J" }, { "SHTSCH", "S" }, { "CHTCH", "S" }, { "SHCH", "S" },
	{ "TSCH", "S" }, { "SCH", "S" }, { "TCH", "S" }, { "SH", "S" },
	{ "CH", "S" }, { "ZH", "S" }, { "CZ", "S" }, { "SZ", "S" }, { "TS", "S" },
	{ "TZ", "S" }, { "DZ", "S" }, { "DJ", "J" }, { "KH", "K" }, { "GH", "G" },
	{ "PH", "F" }, { "TH", "T" }, { "DH", "D" }, { "CK", "K" }, { "X", "KS" },
	{ "Q", "K" }, { "CE", "SA" }, { "CI", "SA" }, { "CY", "SA" }, { "C", "K" },
	{ "Z", "S" }, { "W", "F" }, { "V", "F" },
};

static bool is_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
}

void tims_name_skeleton(const char *az, bool vowels, char *out, size_t size)
{
	char seq[2 * TIMS_TOKEN_MAX + 2];
	size_t n = 0, len = strlen(az), o = 0;
	size_t i = 0;

	if (size == 0)
		return;
	/* ABDUL RAHMAN, ABDURRAHMAN, ABDEL: the article after ABD is not a letter
	 * of the name in Arabic script (عبد الرحمن), so it is not one here. */
	if (len >= 5 && !strncmp(az, "ABD", 3) && is_vowel(az[3]) &&
	    strchr("LRSNTDZ", az[4])) {
		seq[n++] = 'A';
		seq[n++] = 'B';
		seq[n++] = 'D';
		i = 5;
	}
	/* Greek word-initial ΜΠ, ΝΤ, ΓΚ as ELOT 743 writes them. */
	if (i == 0 && len >= 3 && (!strncmp(az, "MP", 2) || !strncmp(az, "NT", 2) ||
				   !strncmp(az, "GK", 2)) &&
	    (is_vowel(az[2]) || az[2] == 'R' || az[2] == 'L')) {
		seq[n++] = az[0] == 'M' ? 'B' : az[0] == 'N' ? 'D' : 'G';
		i = 2;
	}
	while (i < len && n + 3 < sizeof(seq)) {
		const char *cls = NULL;
		size_t plen = 1;

		/* The French OU for W before a vowel, at the start or after a
		 * vowel (OUALID, ALAOUI, OUASSIM for WALID, ALAWI, WASIM). */
		if (az[i] == 'O' && az[i + 1] == 'U' && i + 2 < len && is_vowel(az[i + 2]) &&
		    az[i + 2] != 'U' && (i == 0 || is_vowel(az[i - 1]))) {
			if (n == 0 || seq[n - 1] != 'F')
				seq[n++] = 'F';
			i += 2;
			continue;
		}
		if (is_vowel(az[i])) {
			if (n == 0 || seq[n - 1] != 'A')
				seq[n++] = 'A';
			i++;
			continue;
		}
		if (az[i] == 'W' && i > 0 && az[i - 1] == 'A' && i + 1 < len &&
		    !is_vowel(az[i + 1])) {
			i++; /* the diphthong AW is AU, OU: SHAWQI, CHAOUKI */
			continue;
		}
		if (az[i] == 'H' && i + 1 == len && i > 0 && is_vowel(az[i - 1])) {
			i++; /* SARAH, FATEMEH, ABDALLAH: a final H after a vowel */
			continue;
		}
		for (size_t k = 0; k < TIMS_ARRAY_SIZE(fold); k++) {
			size_t pl = strlen(fold[k].pat);

			if (!strncmp(az + i, fold[k].pat, pl)) {
				cls = fold[k].cls;
				plen = pl;
				break;
			}
		}
		if (!cls) {
			char one[2] = { az[i], '\0' };

			if (az[i] < 'A' || az[i] > 'Z') {
				i++;
				continue;
			}
			if (n == 0 || seq[n - 1] != one[0])
				seq[n++] = one[0];
			i++;
			continue;
		}
		for (const char *c = cls; *c; c++) {
			if (*c == 'A') {
				if (n == 0 || seq[n - 1] != 'A')
					seq[n++] = 'A';
			} else if (n == 0 || seq[n - 1] != *c) {
				seq[n++] = *c;
			}
		}
		i += plen;
	}
	for (size_t k = 0; k < n && o + 1 < size && o < TIMS_TOKEN_MAX; k++) {
		if (seq[k] == 'A' && !vowels)
			continue;
		out[o++] = seq[k];
	}
	out[o] = '\0';
}

double tims_name_jaro_winkler(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), win, m = 0, t = 0, k = 0, pre = 0;
	bool fa[TIMS_TOKEN_MAX + 1] = { 0 }, fb[TIMS_TOKEN_MAX + 1] = { 0 };
	double j;

	if (la > TIMS_TOKEN_MAX)
		la = TIMS_TOKEN_MAX;
	if (lb > TIMS_TOKEN_MAX)
		lb = TIMS_TOKEN_MAX;
	if (la == 0 || lb == 0)
		return la == lb ? 1.0 : 0.0;
	win = (la > lb ? la : lb) / 2;
	win = win ? win - 1 : 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > win ? i - win : 0, hi = i + win + 1 < lb ? i + win + 1 : lb;

		for (size_t x = lo; x < hi; x++)
			if (!fb[x] && a[i] == b[x]) {
				fa[i] = fb[x] = true;
				m++;
				break;
			}
	}
	if (m == 0)
		return 0.0;
	for (size_t i = 0; i < la; i++) {
		if (!fa[i])
			continue;
		while (!fb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	j = ((double)m / (double)la + (double)m / (double)lb +
	     ((double)m - (double)t / 2.0) / (double)m) / 3.0;
	while (pre < 4 && pre < la && pre < lb && a[pre] == b[pre])
		pre++;
	return j + (double)pre * 0.1 * (1.0 - j);
}

unsigned tims_name_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[TIMS_TOKEN_MAX + 1][TIMS_TOKEN_MAX + 1];

	if (la > TIMS_TOKEN_MAX)
		la = TIMS_TOKEN_MAX;
	if (lb > TIMS_TOKEN_MAX)
		lb = TIMS_TOKEN_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned c = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + c;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb] > 255 ? 255 : d[la][lb];
}

bool tims__given_like(const struct tims_name *n, unsigned i)
{
	const struct tims_name_token *t = &n->tok[i];

	if (t->part == TIMS_PART_GIVEN)
		return true;
	if (t->part != TIMS_PART_ANY || (t->flags & TIMS_TOK_WEAK))
		return false;
	for (unsigned k = i + 1; k < n->ntok; k++)
		if (!(n->tok[k].flags & TIMS_TOK_WEAK))
			return true;
	return false;
}

size_t tims__clip_stems(const char *s, char stems[][TIMS_TOKEN_MAX + 1], size_t max)
{
	static const char *const dim[] = { "", "IE", "Y", "EY", "YA", "SHA", "A" };
	size_t ls = strlen(s), n = 0;

	for (size_t d = 0; d < TIMS_ARRAY_SIZE(dim) && n < max; d++) {
		size_t ld = strlen(dim[d]), l;
		bool dup = false;

		if (ls <= ld || strcmp(s + ls - ld, dim[d]))
			continue;
		if (dim[d][0] == 'A' && ls != 4) /* SEVA, DIMA; not PAULA */
			continue;
		l = ls - ld;
		/* REGGIE, FREDDY: the consonant doubled before the ending */
		if (ld && l >= 4 && s[l - 1] == s[l - 2] && !is_vowel(s[l - 1]))
			l--;
		if (l < 3 || l > TIMS_TOKEN_MAX)
			continue;
		memcpy(stems[n], s, l);
		stems[n][l] = '\0';
		for (size_t k = 0; k < n; k++)
			dup = dup || !strcmp(stems[k], stems[n]);
		n += !dup;
	}
	return n;
}

bool tims__clipped(const char *s, const char *f)
{
	char st[8][TIMS_TOKEN_MAX + 1];
	size_t lf = strlen(f), n = tims__clip_stems(s, st, 8);

	if (lf < 5 || strlen(s) >= lf)
		return false;
	for (size_t k = 0; k < n; k++) {
		size_t l = strlen(st[k]);

		if (lf >= l + 2 && !strncmp(f, st[k], l))
			return true;
	}
	return false;
}
