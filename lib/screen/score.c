/*
 * score.c — the score of two persons and the reasons for it.
 *
 * Token against token: the best of several signals, each with a fixed value
 * so that a reason can say which one decided (same spelling under a scheme
 * 1.0; equivalence group 0.95; same phonetic skeleton 0.92; Arabic-script
 * consonants 0.90; a bare C read as Ç/Č against CH 0.90; the Albanian
 * definite -I 0.88; masculine/feminine forms 0.75; typo: Jaro-Winkler with a
 * weighted optimal string alignment where a transposition or a doubled
 * letter costs less than a substitution, at most 0.95; but Greek family
 * suffixes and pinyin syllables that differ are other names, 0.40). Name
 * against name: a
 * greedy one-to-one alignment over the small token matrix (at most 12 x 12),
 * divided by the shorter name's length, so that a missing middle name costs
 * only a small fixed penalty; one join of two adjacent tokens is tried on
 * either side (ABDUL RAHMAN / ABDULRAHMAN), and a join on both sides when a
 * syllable boundary moved (JONG-SU / JON-GSU). Initials alone are capped
 * below the threshold; JR against SR is father and son. Then dates of birth
 * (exact, partial or approximate), nationality and sex.
 */
#include <math.h>

#include "screen_int.h"
#include "tims/mrz.h"
#include "tims/screen.h"
#include "tims/util.h"

enum how {
	H_NONE = 0, H_EXACT, H_SCHEME, H_GROUP, H_PHONETIC, H_ABJAD,
	H_GENDER, H_TYPO, H_INITIAL, H_DEFINITE, H_CARON, H_ARTICLE, H_CLIP,
	H_DISTINCT,
};

struct tsim {
	double s;
	uint8_t how, va, vb;
	uint16_t group;
};

/* A token as the alignment sees it: possibly a join of two. */
struct tview {
	const struct tims_name_token *t;
	bool joined;
	bool given; /* a given name, or a part of free text before its last */
};

static void view_init(struct tview *v, const struct tims_name_token *t)
{
	v->t = t;
	v->joined = false;
	v->given = false;
}

static void put(struct tsim *best, double s, unsigned how, unsigned va,
		unsigned vb, uint16_t group)
{
	if (s > best->s) {
		best->s = s;
		best->how = (uint8_t)how;
		best->va = (uint8_t)va;
		best->vb = (uint8_t)vb;
		best->group = group;
	}
}

/* IVAN/IVANA, PETROV/PETROVA, KOWALSKI/KOWALSKA: masculine and feminine. */
static bool gendered(const char *a, const char *b)
{
	static const char *const masc[] = { "", "I", "Y", "IY", "II", "IJ" };
	static const char *const fem[] = { "A", "AYA", "AIA", "AJA" };
	size_t la = strlen(a), lb = strlen(b);

	for (int swap = 0; swap < 2; swap++) {
		const char *m = swap ? b : a, *f = swap ? a : b;
		size_t lm = swap ? lb : la, lf = swap ? la : lb;

		for (size_t i = 0; i < TIMS_ARRAY_SIZE(fem); i++) {
			size_t fl = strlen(fem[i]);

			if (lf < fl + 3 || strcmp(f + lf - fl, fem[i]))
				continue;
			for (size_t j = 0; j < TIMS_ARRAY_SIZE(masc); j++) {
				size_t ml = strlen(masc[j]);

				if (lm >= ml && lm - ml == lf - fl &&
				    !strcmp(m + lm - ml, masc[j]) &&
				    !strncmp(m, f, lf - fl))
					return true;
			}
		}
	}
	return false;
}

/*
 * The typo distance of two A-Z strings in quarter letters: a weighted
 * optimal string alignment (Damerau-Levenshtein without repeated edits of one
 * substring). A letter substituted, inserted or dropped costs 4; two adjacent
 * letters transposed (SMTIH, PTEROV) cost 2, a slip of the hand rather than
 * another letter; a letter doubled or undoubled (PETTROV, ANA/ANNA: inserted
 * or dropped next to the same letter) costs 1, how the name was heard rather
 * than which name it is.
 */
static unsigned typo_cost(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	uint16_t d[TIMS_TOKEN_MAX + 1][TIMS_TOKEN_MAX + 1];

	if (la > TIMS_TOKEN_MAX)
		la = TIMS_TOKEN_MAX;
	if (lb > TIMS_TOKEN_MAX)
		lb = TIMS_TOKEN_MAX;
	d[0][0] = 0;
	for (size_t i = 1; i <= la; i++)
		d[i][0] = (uint16_t)(d[i - 1][0] + (i > 1 && a[i - 1] == a[i - 2] ? 1 : 4));
	for (size_t j = 1; j <= lb; j++)
		d[0][j] = (uint16_t)(d[0][j - 1] + (j > 1 && b[j - 1] == b[j - 2] ? 1 : 4));
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1] ? 4u : 0u);
			/* dropping the second of two equal letters: undoubling */
			unsigned del = i > 1 && a[i - 1] == a[i - 2] ? 1u : 4u;
			unsigned ins = j > 1 && b[j - 1] == b[j - 2] ? 1u : 4u;

			if (d[i - 1][j] + del < v)
				v = d[i - 1][j] + del;
			if (d[i][j - 1] + ins < v)
				v = d[i][j - 1] + ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    a[i - 1] != a[i - 2] && d[i - 2][j - 2] + 2u < v)
				v = d[i - 2][j - 2] + 2u;
			d[i][j] = (uint16_t)v;
		}
	return d[la][lb];
}

/*
 * The first letter is the one a writer gets right ("few errors are made in
 * the first character of a word", Yannakoudakis and Fawthrop 1983; Pollock
 * and Zamora 1983 found the same): two names whose initial consonant alone
 * is another consonant (HOLDEN/GOLDEN, HARRISON/GARRISON, HILL/GILL) are
 * other names, not one misspelled, and the typo signal stays under 0.80 for
 * them. Only a consonant for a consonant with the next letter the same: a
 * vowel at the start is written otherwise by the romanisations of Arabic
 * and Persian (ISMAIL/ESMAIL, UTHMAN/OTHMAN), J, Y and W are the registers'
 * letters for one semivowel (JURI/YURI), and a digraph on one side
 * (KHARITONOV/HARITONOV, CHRISTINA/HRISTINA: ISO 9's and the phonetic H for
 * Х and Χ) is a spelling of the same sound. Two initial consonants that one
 * sound is written with by a register the skeleton does not fold stay
 * typos: Q and G (Arabic ق, G in Egyptian and Gulf registers: QASIM,
 * GASSIM) and B and V (one sound in Spanish; Greek Β written B or V).
 * What else registers write otherwise at the start (C/K, V/W/F, Z/S, the
 * Ukrainian H for Г) is met by a scheme or the skeleton, never here.
 */
/*
 * A digraph at the start of one name (KH, CH, SH, ZH, TH, PH, GH, DH) where
 * the other has one consonant, the rest the same: the same sound when that
 * consonant is one a register writes for the digraph (KH: ISO 9's and the
 * Serbian H for Х, K, X, the German CH; CH: H, K, C, the French and
 * German S-sounds are SH's; SH: S; ZH: Z, J; TH: T; PH: P, F; GH: G, H;
 * DH: D), another consonant otherwise: Х and Г are two letters
 * (KHOLODOV, GOLODOV; KHROMOV, GROMOV), as are Ш and Г. `d` starts with
 * the digraph, c is the other's first letter.
 */
static bool digraph_replaced(const char *d, char c)
{
	static const struct { char first; const char *same; } dg[] = {
		{ 'K', "KHXC" }, { 'C', "CHKS" }, { 'S', "SC" }, { 'Z', "ZJS" },
		{ 'T', "T" }, { 'P', "PF" }, { 'G', "GH" }, { 'D', "D" },
	};

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(dg); i++)
		if (dg[i].first == d[0])
			return !strchr(dg[i].same, c);
	return false; /* another digraph (WH, RH): left to the other signals */
}

static bool initial_replaced(const char *a, const char *b)
{
	static const char cons[] = "BCDFGHKLMNPQRSTVXZ";
	static const char *const one_sound[] = { "GQ", "BV" };
	char p[3];

	if (a[0] && b[0] && a[1] == 'H' && b[1] != 'H' && b[1] && a[2] == b[1] &&
	    a[2] && strchr(cons, b[0]))
		return digraph_replaced(a, b[0]);
	if (a[0] && b[0] && b[1] == 'H' && a[1] != 'H' && a[1] && b[2] == a[1] &&
	    b[2] && strchr(cons, a[0]))
		return digraph_replaced(b, a[0]);
	if (!a[0] || !b[0] || a[0] == b[0] || a[1] != b[1] || !a[1] ||
	    !strchr(cons, a[0]) || !strchr(cons, b[0]))
		return false;
	p[0] = a[0] < b[0] ? a[0] : b[0];
	p[1] = a[0] < b[0] ? b[0] : a[0];
	p[2] = '\0';
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(one_sound); i++)
		if (!strcmp(p, one_sound[i]))
			return false;
	return true;
}

static double typo_sim(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), L = la > lb ? la : lb;
	size_t mn = la < lb ? la : lb;
	double jw = tims_name_jaro_winkler(a, b), ed;
	unsigned c;

	if (jw < 0.6) /* (jw + ed) / 2 < 0.8 whatever ed is: not a typo */
		return jw * 0.3;
	c = typo_cost(a, b);
	ed = L ? 1.0 - (double)c / (4.0 * (double)L) : 0.0;
	if (ed < 0)
		ed = 0;
	/* JW alone over-rewards shared endings (MARKOPOULOS/GIANNAKOPOULOS is
	 * 0.82); the edit distance alone over-punishes short names. */
	double s = (jw + ed) / 2;

	if (s > 0.95)
		s = 0.95;
	if (mn <= 3 && c > 1) /* a short name: one letter is much of it */
		s *= 0.85;
	if (initial_replaced(a, b))
		s = s < 0.80 ? s : 0.79;
	/* Below 0.8 two names are not one name misspelled (MORSCH/HOOSS is
	 * 0.6): such a pair must not lift an average over the threshold. */
	if (s < 0.80)
		s *= 0.3;
	return s;
}

/* What kind of slip a typo-level pair is, for its reason (explain only). */
static const char *typo_kind(const char *a, const char *b)
{
	char ca[TIMS_TOKEN_MAX + 1], cb[TIMS_TOKEN_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), na = 0, nb = 0, diff = 0, at = 0;

	for (size_t i = 0; i < la && i < TIMS_TOKEN_MAX; i++)
		if (!na || ca[na - 1] != a[i])
			ca[na++] = a[i];
	ca[na] = '\0';
	for (size_t i = 0; i < lb && i < TIMS_TOKEN_MAX; i++)
		if (!nb || cb[nb - 1] != b[i])
			cb[nb++] = b[i];
	cb[nb] = '\0';
	if (!strcmp(ca, cb))
		return "a letter doubled";
	if (la == lb) {
		for (size_t i = 0; i < la; i++)
			if (a[i] != b[i] && diff++ == 0)
				at = i;
		if (diff == 2 && at + 1 < la && a[at] == b[at + 1] && a[at + 1] == b[at])
			return "letters transposed";
	}
	return "spelled alike";
}

/* Both tokens are known given names of the equivalence table, but of
 * different groups (HUSSEIN and HASSAN, ALEXANDER and ALEXEI): they are known
 * to be different names, whatever their letters say. */
static bool known_different(const struct tims_name_token *a,
			    const struct tims_name_token *b)
{
	if (a->ngroup == 0 || b->ngroup == 0)
		return false;
	for (unsigned i = 0; i < a->ngroup; i++)
		for (unsigned j = 0; j < b->ngroup; j++)
			if (a->group[i] == b->group[j])
				return false;
	return true;
}

static struct tsim token_sim_raw(const struct tview *x, const struct tview *y);

/* Two names of their own (distinct_pair): under the 0.5 an alignment needs. */
#define DISTINCT_SIM 0.40

/* What one comparison may reuse: the similarity of a token of `a` (the
 * query) and an interned token of `b` (ids[i] for b->tok[i]) is the same for
 * every candidate of one query, and common tokens recur among them. */
struct simctx {
	const struct tims_name *a, *b;
	const uint32_t *ids;
	struct tims__sim_memo *memo;
};

static struct tsim token_sim(const struct tview *x, const struct tview *y);

/* token_sim, looked up in the memo when both are tokens as written (not
 * joins) and the b one is interned. */
static struct tsim token_sim_cx(const struct simctx *cx, const struct tview *x,
				const struct tview *y)
{
	struct tims__sim_memo *mm;
	uint64_t key;
	size_t slot;
	struct tsim r;

	if (!cx || x->joined || y->joined || x->t < cx->a->tok ||
	    x->t >= cx->a->tok + cx->a->ntok || y->t < cx->b->tok ||
	    y->t >= cx->b->tok + cx->b->ntok)
		return token_sim(x, y);
	mm = cx->memo;
	key = (uint64_t)mm->gen << 40 | (uint64_t)(x->t - cx->a->tok) << 32 |
	      cx->ids[y->t - cx->b->tok];
	slot = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 54) & (TIMS__MEMO_SLOTS - 1);
	for (unsigned probe = 0; probe < 8; probe++, slot = (slot + 1) & (TIMS__MEMO_SLOTS - 1)) {
		struct tims__sim_entry *e = &mm->e[slot];

		if (e->key == key) {
			r.s = e->s;
			r.how = e->how;
			r.va = e->va;
			r.vb = e->vb;
			r.group = e->group;
			return r;
		}
		if (e->key >> 40 != mm->gen) { /* empty for this query */
			r = token_sim(x, y);
			*e = (struct tims__sim_entry){ key, r.s, r.group, r.how, r.va, r.vb };
			return r;
		}
	}
	return token_sim(x, y); /* a full neighbourhood: computed, not kept */
}

/*
 * The family suffix of a Greek surname as written in Latin letters (ELOT
 * 743 or the older -ES spellings), one class for a suffix and its feminine
 * or genitive form: -OPOULOS/-OPOULOU (Peloponnese), -IDIS/-IDES/-IDOU and
 * -IADIS (Pontus, Asia Minor), -AKIS/-AKI (Crete), -ATOS/-ATOU (Ionian
 * islands), -AKOS/-AKOU (Mani), -OGLOU (Anatolia), -ELLIS/-ELLI. 0: none.
 */
static unsigned greek_suffix(const char *az)
{
	static const struct { const char *suf; unsigned cls; } sfx[] = {
		{ "OPOULOS", 1 }, { "OPOULOU", 1 }, { "IADIS", 2 }, { "IADES", 2 },
		{ "IADOU", 2 }, { "IDIS", 3 }, { "IDES", 3 }, { "IDOU", 3 },
		{ "AKIS", 4 }, { "AKES", 4 }, { "AKI", 4 }, { "ATOS", 5 },
		{ "ATOU", 5 }, { "AKOS", 6 }, { "AKOU", 6 }, { "OGLOU", 7 },
		{ "ELLIS", 8 }, { "ELLI", 8 },
	};
	size_t n = strlen(az);

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(sfx); i++) {
		size_t k = strlen(sfx[i].suf);

		/* a stem of three letters at least: ATOS, AKIS are no family */
		if (n >= k + 3 && !strcmp(az + n - k, sfx[i].suf))
			return sfx[i].cls;
	}
	return 0;
}

/* Two Greek surnames of one root with other family suffixes (PAPADAKIS,
 * PAPADATOS; NIKOLAIDIS, NIKOLAKIS) are two families, not a typo: the
 * suffix says where a family is from, and a slip of the hand does not turn
 * one suffix into another. */
static bool greek_families(const struct tims_name_token *a,
			   const struct tims_name_token *b)
{
	unsigned ca = greek_suffix(a->var[0]), cb = greek_suffix(b->var[0]);

	return ca && cb && ca != cb;
}

/*
 * The syllables of Hanyu Pinyin (GB/T 16159; the 409 of the standard table,
 * without tones; Ü as U), sorted. A Chinese given name of two characters is
 * written as one word of two syllables (GB/T 28039-2011: WEIMIN, XIAOMING).
 */
static const char *const pinyin[] = {
	"A", "AI", "AN", "ANG", "AO", "BA", "BAI", "BAN", "BANG", "BAO", "BEI", "BEN",
	"BENG", "BI", "BIAN", "BIAO", "BIE", "BIN", "BING", "BO", "BU", "CA", "CAI",
	"CAN", "CANG", "CAO", "CE", "CEN", "CENG", "CHA", "CHAI", "CHAN", "CHANG",
	"CHAO", "CHE", "CHEN", "CHENG", "CHI", "CHONG", "CHOU", "CHU", "CHUA",
	"CHUAI", "CHUAN", "CHUANG", "CHUI", "CHUN", "CHUO", "CI", "CONG", "COU", "CU",
	"CUAN", "CUI", "CUN", "CUO", "DA", "DAI", "DAN", "DANG", "DAO", "DE", "DEI",
	"DEN", "DENG", "DI", "DIA", "DIAN", "DIAO", "DIE", "DING", "DIU", "DONG",
	"DOU", "DU", "DUAN", "DUI", "DUN", "DUO", "E", "EI", "EN", "ENG", "ER", "FA",
	"FAN", "FANG", "FEI", "FEN", "FENG", "FO", "FOU", "FU", "GA", "GAI", "GAN",
	"GANG", "GAO", "GE", "GEI", "GEN", "GENG", "GONG", "GOU", "GU", "GUA", "GUAI",
	"GUAN", "GUANG", "GUI", "GUN", "GUO", "HA", "HAI", "HAN", "HANG", "HAO", "HE",
	"HEI", "HEN", "HENG", "HONG", "HOU", "HU", "HUA", "HUAI", "HUAN", "HUANG",
	"HUI", "HUN", "HUO", "JI", "JIA", "JIAN", "JIANG", "JIAO", "JIE", "JIN",
	"JING", "JIONG", "JIU", "JU", "JUAN", "JUE", "JUN", "KA", "KAI", "KAN",
	"KANG", "KAO", "KE", "KEI", "KEN", "KENG", "KONG", "KOU", "KU", "KUA", "KUAI",
	"KUAN", "KUANG", "KUI", "KUN", "KUO", "LA", "LAI", "LAN", "LANG", "LAO", "LE",
	"LEI", "LENG", "LI", "LIA", "LIAN", "LIANG", "LIAO", "LIE", "LIN", "LING",
	"LIU", "LO", "LONG", "LOU", "LU", "LUAN", "LUE", "LUN", "LUO", "MA", "MAI",
	"MAN", "MANG", "MAO", "ME", "MEI", "MEN", "MENG", "MI", "MIAN", "MIAO", "MIE",
	"MIN", "MING", "MIU", "MO", "MOU", "MU", "NA", "NAI", "NAN", "NANG", "NAO",
	"NE", "NEI", "NEN", "NENG", "NI", "NIAN", "NIANG", "NIAO", "NIE", "NIN",
	"NING", "NIU", "NONG", "NOU", "NU", "NUAN", "NUE", "NUN", "NUO", "O", "OU",
	"PA", "PAI", "PAN", "PANG", "PAO", "PEI", "PEN", "PENG", "PI", "PIAN", "PIAO",
	"PIE", "PIN", "PING", "PO", "POU", "PU", "QI", "QIA", "QIAN", "QIANG", "QIAO",
	"QIE", "QIN", "QING", "QIONG", "QIU", "QU", "QUAN", "QUE", "QUN", "RAN",
	"RANG", "RAO", "RE", "REN", "RENG", "RI", "RONG", "ROU", "RU", "RUA", "RUAN",
	"RUI", "RUN", "RUO", "SA", "SAI", "SAN", "SANG", "SAO", "SE", "SEN", "SENG",
	"SHA", "SHAI", "SHAN", "SHANG", "SHAO", "SHE", "SHEI", "SHEN", "SHENG", "SHI",
	"SHOU", "SHU", "SHUA", "SHUAI", "SHUAN", "SHUANG", "SHUI", "SHUN", "SHUO",
	"SI", "SONG", "SOU", "SU", "SUAN", "SUI", "SUN", "SUO", "TA", "TAI", "TAN",
	"TANG", "TAO", "TE", "TENG", "TI", "TIAN", "TIAO", "TIE", "TING", "TONG",
	"TOU", "TU", "TUAN", "TUI", "TUN", "TUO", "WA", "WAI", "WAN", "WANG", "WEI",
	"WEN", "WENG", "WO", "WU", "XI", "XIA", "XIAN", "XIANG", "XIAO", "XIE", "XIN",
	"XING", "XIONG", "XIU", "XU", "XUAN", "XUE", "XUN", "YA", "YAN", "YANG",
	"YAO", "YE", "YI", "YIN", "YING", "YO", "YONG", "YOU", "YU", "YUAN", "YUE",
	"YUN", "ZA", "ZAI", "ZAN", "ZANG", "ZAO", "ZE", "ZEI", "ZEN", "ZENG", "ZHA",
	"ZHAI", "ZHAN", "ZHANG", "ZHAO", "ZHE", "ZHEI", "ZHEN", "ZHENG", "ZHI",
	"ZHONG", "ZHOU", "ZHU", "ZHUA", "ZHUAI", "ZHUAN", "ZHUANG", "ZHUI", "ZHUN",
	"ZHUO", "ZI", "ZONG", "ZOU", "ZU", "ZUAN", "ZUI", "ZUN", "ZUO",
};

static int cmp_str(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

/* Cut `az` into pinyin syllables, longest first with backtracking: the
 * start of each in at[] (at most max), their number returned; 0 when the
 * spelling is not a run of syllables. */
static unsigned pinyin_cut(const char *az, size_t pos, size_t n, size_t *at, unsigned k,
			   unsigned max)
{
	char syl[8];

	if (pos == n)
		return k;
	if (k == max)
		return 0;
	for (size_t l = n - pos < 6 ? n - pos : 6; l >= 1; l--) {
		unsigned r;

		memcpy(syl, az + pos, l);
		syl[l] = '\0';
		if (!bsearch(syl, pinyin, TIMS_ARRAY_SIZE(pinyin), sizeof(pinyin[0]), cmp_str))
			continue;
		at[k] = pos;
		if ((r = pinyin_cut(az, pos + l, n, at, k + 1, max)))
			return r;
	}
	return 0;
}

/* Two pinyin syllables that differ only by the final: -N against -NG (BIN,
 * BING; MIN, MING), the two nasal finals of the table, which every
 * romanisation of Mandarin keeps apart (pinyin, Wade-Giles, Yale). */
static bool pinyin_n_ng(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);

	if (ly == lx + 1)
		return pinyin_n_ng(y, x);
	return lx == ly + 1 && lx >= 3 && x[lx - 1] == 'G' && x[lx - 2] == 'N' &&
	       !strncmp(x, y, ly);
}

/* Two pinyin syllables with one final and another initial consonant (FAN,
 * RAN; MING, LING): the initial is the syllable's first letter, which a
 * writer gets right as he does a word's (initial_replaced below), and
 * another initial is another syllable of the table, another character.
 * The initial is what comes before the first vowel (ZH, CH, SH of two
 * letters); both of one letter here, so ZHANG/ZANG (a letter dropped) is
 * left to the typo signal. */
static bool pinyin_other_initial(const char *x, const char *y)
{
	size_t ix = strcspn(x, "AEIOUV"), iy = strcspn(y, "AEIOUV");

	return ix == 1 && iy == 1 && x[0] != y[0] && !strcmp(x + 1, y + 1) &&
	       x[0] != 'Y' && x[0] != 'W' && y[0] != 'Y' && y[0] != 'W';
}

/* Two pinyin syllables with one initial and another final that is one
 * letter away (TONG, TING; YI, YU; JUN, JIN): another syllable of the table,
 * another character, as with another initial. Two letters of the final
 * swapped (GUO, GOU) stays a slip. */
static bool pinyin_other_final(const char *x, const char *y)
{
	size_t ix = strcspn(x, "AEIOUV"), iy = strcspn(y, "AEIOUV");
	size_t lx = strlen(x), ly = strlen(y), d = 0;

	if (ix != iy || strncmp(x, y, ix) || !strcmp(x, y) || !x[ix] || !y[iy])
		return false;
	if (lx == ly) {
		size_t at = 0;

		for (size_t i = ix; i < lx; i++)
			if (x[i] != y[i] && d++ == 0)
				at = i;
		if (d == 2 && at + 1 < lx && x[at] == y[at + 1] && x[at + 1] == y[at])
			return false; /* swapped */
		return d == 1;
	}
	return tims_name_edit_distance(x, y) == 1;
}

/*
 * Two Chinese given names of two pinyin syllables that share one and differ
 * in the other by more than a letter (JIANGUO, JIANHUA; XIAOMING,
 * XIAOLIANG) are two names: a slip of the hand changes a letter or swaps
 * two (GUO, GOU), it does not write another syllable. So is a syllable
 * with the other nasal final (WEIMIN, WEIMING; WENBIN, WENBING): -N and
 * -NG are two finals of the table and two characters (民 min, 明 ming),
 * not a slip, and a G left out at the end of a syllable would have to
 * fall exactly where it makes another syllable; twins are given such names
 * (one surname, one date of birth), a listed person's slip is usually a
 * letter swapped, doubled or changed inside a syllable, and that stays a
 * typo (GUOQIANG, GOUQIANG). Two syllables only, as a given name of two
 * characters is written (GB/T 28039-2011): longer names cut into pinyin
 * syllables too (KATARINA, KA-TA-RI-NA) without being Chinese.
 */
static bool pinyin_other_syllable(const char *a, const char *b)
{
	size_t at[2], bt[2], la = strlen(a), lb = strlen(b);
	char sa[2][8], sb[2][8];

	if (la < 4 || lb < 4 || la > 12 || lb > 12 ||
	    pinyin_cut(a, 0, la, at, 0, 2) != 2 || pinyin_cut(b, 0, lb, bt, 0, 2) != 2)
		return false;
	for (unsigned i = 0; i < 2; i++) {
		size_t ea = i ? la : at[1], eb = i ? lb : bt[1];

		memcpy(sa[i], a + at[i], ea - at[i]);
		sa[i][ea - at[i]] = '\0';
		memcpy(sb[i], b + bt[i], eb - bt[i]);
		sb[i][eb - bt[i]] = '\0';
	}
	for (unsigned i = 0; i < 2; i++)
		if (!strcmp(sa[i], sb[i]) && (tims_name_edit_distance(sa[!i], sb[!i]) >= 2 ||
					      pinyin_n_ng(sa[!i], sb[!i]) ||
					      pinyin_other_initial(sa[!i], sb[!i]) ||
					      pinyin_other_final(sa[!i], sb[!i])))
			return true;
	return false;
}

/*
 * Two spellings that the published name lists call two names (distinct.c:
 * BARBER and BARKER, PARRY and PERRY, JOHN and JOAN) are two names however
 * few letters apart: a slip of the hand or a sound that the skeleton folds
 * (BELL, BALL) does not make them one. Only the spellings as written
 * (Latin, or with the marks stripped or spelled out): a romanisation or a
 * register's reading that makes two names alike is left to its signal.
 */
static bool distinct_pair(const struct tims_name_token *a, unsigned va,
			  const struct tims_name_token *b, unsigned vb)
{
	return a->scheme[va] <= TIMS_SCHEME_STRIPPED && b->scheme[vb] <= TIMS_SCHEME_STRIPPED &&
	       tims__distinct_names(a->var[va], b->var[vb]);
}

static struct tsim token_sim(const struct tview *x, const struct tview *y)
{
	struct tsim s = token_sim_raw(x, y);

	if (s.s > DISTINCT_SIM && s.s < 1.0 && (s.how == H_TYPO || s.how == H_PHONETIC) &&
	    !x->joined && !y->joined && distinct_pair(x->t, s.va, y->t, s.vb)) {
		s.s = DISTINCT_SIM;
		s.how = H_DISTINCT;
		return s;
	}

	if (s.s > 0.40 && s.s < 1.0 &&
	    (known_different(x->t, y->t) ||
	     (s.how == H_TYPO && greek_families(x->t, y->t)) ||
	     ((s.how == H_TYPO || (s.how == H_PHONETIC && x->t->scheme[s.va] == TIMS_SCHEME_ASCII &&
				   y->t->scheme[s.vb] == TIMS_SCHEME_ASCII)) &&
	      pinyin_other_syllable(x->t->var[s.va], y->t->var[s.vb])))) {
		s.s = 0.40;
		s.how = H_NONE;
	}
	return s;
}

/*
 * The Albanian definite form: a name ending in a consonant takes -I (QEMAL,
 * QEMALI; REXHEP, REXHEPI; the definite form is how Albanian registers
 * write many surnames and given names). Same consonant skeleton of three
 * classes at least, and the vowelled skeletons differ only by the final
 * vowel run that the -I adds: va (the vowelled skeleton of `a`, spelled
 * az) and vb. Only -I: a final -E or -A is a feminine form in too many
 * languages (CHRISTIAN/CHRISTIANE, SAMIR/SAMIRA).
 */
static bool definite_i(const char *az, const char *va, const char *bz, const char *vb)
{
	size_t la = strlen(va), lb = strlen(vb), na = strlen(az), nb = strlen(bz);

	if (la == lb + 1 && va[la - 1] == 'A' && !strncmp(va, vb, lb) && vb[lb - 1] != 'A')
		return na >= 5 && az[na - 1] == 'I' && !strchr("AEIOUY", az[na - 2]) &&
		       nb >= 4 && !strchr("AEIOUY", bz[nb - 1]);
	if (lb == la + 1)
		return definite_i(bz, vb, az, va);
	return false;
}

/*
 * A Latin spelling with the Arabic article fused to it (ALKHALIFI, ELSAYED,
 * ASSAID, ARRAHMAN) against an Arabic-script token whose consonant skeleton
 * has no article (the script writes it as a separate prefix that the
 * skeleton leaves out): equal once the article is taken off the Latin side.
 */
static bool article_skel_equal(const char *latin, const char *abjad_skel)
{
	char skel[TIMS_TOKEN_MAX + 1];
	size_t n = strlen(latin), cut = 0;

	if (n < 5 || !abjad_skel[0] || strlen(abjad_skel) < 2)
		return false;
	if ((latin[0] == 'A' || latin[0] == 'E' || latin[0] == 'U') && latin[1] == 'L' &&
	    !strchr("AEIOUY", latin[2]))
		cut = 2;                    /* AL-, EL-, UL- */
	else if (latin[0] == 'A' && latin[1] == latin[2] && strchr("DNRSTZ", latin[1]))
		cut = 2;                    /* the article assimilated: AS-SAID, AR-RAHMAN */
	if (!cut)
		return false;
	tims_name_skeleton(latin + cut, false, skel, sizeof(skel));
	return !strcmp(skel, abjad_skel);
}

/*
 * Ç (Albanian, Turkish), Č (Serbian, Croatian, Czech, Slovak) and Ć
 * written without their mark are a bare C, which the skeleton reads K before
 * A, O, U (CUNI for ÇUNI, COLAK for ÇOLAK); the English, French and German
 * registers write the same letter CH, TCH, TSCH. Does `x` (vowelled
 * skeleton vx) meet `y` (vy) once its bare C are read CH? Only against a
 * spelling that has CH, so that CARA and SARA stay two names.
 */
static bool bare_c_as_ch(const char *x, const char *y, const char *vy)
{
	char r[TIMS_TOKEN_MAX + 1], sk[TIMS_TOKEN_MAX + 1];
	size_t o = 0;
	bool changed = false;

	if (!strchr(x, 'C') || !strstr(y, "CH"))
		return false;
	for (size_t i = 0; x[i] && o < TIMS_TOKEN_MAX; i++) {
		char d = x[i + 1];

		r[o++] = x[i];
		if (x[i] == 'C' && d != 'H' && d != 'K' && d != 'Z' && d != 'E' && d != 'I' &&
		    d != 'Y' && (i == 0 || x[i - 1] != 'S') && o < TIMS_TOKEN_MAX) {
			r[o++] = 'H';
			changed = true;
		}
	}
	r[o] = '\0';
	if (!changed)
		return false;
	tims_name_skeleton(r, true, sk, sizeof(sk));
	return !strcmp(sk, vy);
}

/*
 * The Arabic article assimilated to a sun letter and written onto the name,
 * the letter doubled (ET-TAYEB, ES-SAADI, ER-RACHID, EN-NAJJAR; ECH-CHERIF,
 * ASH-SHARIF with the digraph doubled): where the name starts after it, 0
 * when `az` does not begin so or the rest is under five letters or one
 * consonant. The parser takes such an article apart only when the rest
 * looks Arabic by itself (tims__article_split); here the other name's part
 * is the evidence: DJAAFAR ETTAYEB against JA'FAR AL-TAYYIB, whose TAYYIB
 * sounds as ETTAYEB's rest. A doubled letter after A or E begins Latin
 * names too (ANNABEL, ATTILA, ETTORE, ESSER), which meet only a part that
 * sounds as their rest: none for ATTILA, ETTORE and ESSER (TILA, TORE, SER
 * are under five letters), NABEL for ANNABEL, no name.
 */
static size_t assimilated_article(const char *az)
{
	size_t n = strlen(az), cut = 0, cons = 0;

	if (n < 6 || (az[0] != 'A' && az[0] != 'E'))
		return 0;
	if (strchr("DNRSTZ", az[1]) && az[2] == az[1])
		cut = 2;
	else if (n >= 7 && strchr("DSTC", az[1]) && az[2] == 'H' && az[3] == az[1] &&
		 az[4] == 'H')
		cut = 3;
	if (!cut || n - cut < 5)
		return 0;
	for (size_t i = cut; i < n; i++)
		cons += !strchr("AEIOUY", az[i]);
	return cons >= 2 ? cut : 0;
}

static bool article_rest_alike(const char *x, const char *y, const char *vy)
{
	char sk[TIMS_TOKEN_MAX + 1];
	size_t cut = assimilated_article(x);

	if (!cut || assimilated_article(y))
		return false;
	if (!strcmp(x + cut, y))
		return true;
	tims_name_skeleton(x + cut, true, sk, sizeof(sk));
	return strlen(sk) >= 3 && !strcmp(sk, vy);
}

static struct tsim token_sim_raw(const struct tview *x, const struct tview *y)
{
	const struct tims_name_token *a = x->t, *b = y->t;
	struct tsim best = { 0, H_NONE, 0, 0, 0 };

	/* The same spelling under some scheme: nothing scores higher. */
	for (unsigned i = 0; i < a->nvar; i++)
		for (unsigned j = 0; j < b->nvar; j++)
			if (a->scheme[i] != TIMS_SCHEME_ABJAD && b->scheme[j] != TIMS_SCHEME_ABJAD &&
			    !strcmp(a->var[i], b->var[j])) {
				bool plain = a->scheme[i] == TIMS_SCHEME_ASCII &&
					     b->scheme[j] == TIMS_SCHEME_ASCII;

				put(&best, 1.0, plain ? H_EXACT : H_SCHEME, i, j, 0);
				return best;
			}
	for (unsigned i = 0; i < a->ngroup; i++)
		for (unsigned j = 0; j < b->ngroup; j++)
			if (a->group[i] == b->group[j]) {
				char kind = 'V';

				tims_name_group_label(a->group[i], &kind);
				put(&best, kind == 'V' ? 0.96 : 0.95, H_GROUP, 0, 0,
				    a->group[i]);
			}
	for (unsigned i = 0; i < a->nvar; i++) {
		bool aj = a->scheme[i] == TIMS_SCHEME_ABJAD;

		for (unsigned j = 0; j < b->nvar; j++) {
			bool bj = b->scheme[j] == TIMS_SCHEME_ABJAD;
			size_t kl = strlen(a->skel[i]);

			if (aj || bj) {
				/* Consonants only: all an abjad spelling has. */
				if (!strcmp(a->skel[i], b->skel[j]) && kl > 0)
					put(&best, kl >= 2 ? (aj && bj ? 0.97 : 0.90) : 0.70,
					    H_ABJAD, i, j, 0);
				else if (aj != bj &&
					 article_skel_equal(aj ? b->var[j] : a->var[i],
							    aj ? a->skel[i] : b->skel[j]))
					put(&best, 0.90, H_ABJAD, i, j, 0);
				else if (kl >= 4 && strlen(b->skel[j]) >= 4 &&
					 tims_name_edit_distance(a->skel[i], b->skel[j]) == 1)
					put(&best, 0.75, H_ABJAD, i, j, 0);
				continue;
			}
			if (!strcmp(a->var[i], b->var[j])) {
				bool plain = a->scheme[i] == TIMS_SCHEME_ASCII &&
					     b->scheme[j] == TIMS_SCHEME_ASCII;

				put(&best, 1.0, plain ? H_EXACT : H_SCHEME, i, j, 0);
				continue;
			}
			if ((a->flags | b->flags) & TIMS_TOK_INITIAL) {
				if (a->var[i][0] == b->var[j][0])
					put(&best, 0.80, H_INITIAL, i, j, 0);
				continue;
			}
			if (gendered(a->var[i], b->var[j])) {
				put(&best, 0.75, H_GENDER, i, j, 0);
				continue;
			}
			if ((kl >= 2 || strlen(a->vskel[i]) >= 3) &&
			    !strcmp(a->vskel[i], b->vskel[j]))
				put(&best, 0.92, H_PHONETIC, i, j, 0);
			else if (kl >= 3 && !strcmp(a->skel[i], b->skel[j]) &&
				 definite_i(a->var[i], a->vskel[i], b->var[j], b->vskel[j]))
				put(&best, 0.88, H_DEFINITE, i, j, 0);
			else if (bare_c_as_ch(a->var[i], b->var[j], b->vskel[j]) ||
				 bare_c_as_ch(b->var[j], a->var[i], a->vskel[i]))
				put(&best, 0.90, H_CARON, i, j, 0);
			else if (article_rest_alike(a->var[i], b->var[j], b->vskel[j]) ||
				 article_rest_alike(b->var[j], a->var[i], a->vskel[i]))
				put(&best, 0.90, H_ARTICLE, i, j, 0);
			put(&best, typo_sim(a->var[i], b->var[j]), H_TYPO, i, j, 0);
		}
	}
	return best;
}

/* A join of two adjacent tokens (ABDUL + RAHMAN). */
static void join_tokens(const struct tims_name_token *p, const struct tims_name_token *q,
			struct tims_name_token *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->orig, sizeof(out->orig), "%.31s %.31s", p->orig, q->orig);
	out->part = p->part;
	out->flags = (uint8_t)((p->flags | q->flags) & TIMS_TOK_ABJAD);
	out->nvar = p->nvar > q->nvar ? p->nvar : q->nvar;
	for (unsigned k = 0; k < out->nvar; k++) {
		unsigned i = k < p->nvar ? k : 0, j = k < q->nvar ? k : 0;
		size_t l = 0;

		tims__az_add(out->var[k], &l, p->var[i]);
		tims__az_add(out->var[k], &l, q->var[j]);
		out->scheme[k] = p->scheme[i] == TIMS_SCHEME_ABJAD ||
				 q->scheme[j] == TIMS_SCHEME_ABJAD ? TIMS_SCHEME_ABJAD
				 : p->scheme[i] != TIMS_SCHEME_ASCII ? p->scheme[i]
				 : q->scheme[j];
		if (out->scheme[k] == TIMS_SCHEME_ABJAD) {
			l = 0;
			tims__az_add(out->skel[k], &l, p->skel[i]);
			tims__az_add(out->skel[k], &l, q->skel[j]);
		} else {
			tims_name_skeleton(out->var[k], false, out->skel[k],
					   sizeof(out->skel[k]));
			tims_name_skeleton(out->var[k], true, out->vskel[k],
					   sizeof(out->vskel[k]));
		}
	}
	for (unsigned k = 0; k < out->nvar; k++)
		if (!(out->flags & TIMS_TOK_ABJAD))
			tims__equiv_lookup(out->var[k], out);
}

/* With initials the only given-name evidence ("J SMITH" for "JOHN
 * SMITH"), the name alone stays below this: the date of birth must agree
 * exactly for a hit (qualify_dob adds INITIALS_CONFIRM then). */
#define INITIALS_CAP 0.75
#define INITIALS_CONFIRM 0.05

struct align {
	double score;
	bool initials_only; /* capped at INITIALS_CAP */
	unsigned npairs, unmatched_a, unmatched_b;
	uint8_t pa[TIMS_NAME_MAX_TOKENS], pb[TIMS_NAME_MAX_TOKENS];
	struct tsim sim[TIMS_NAME_MAX_TOKENS];
	uint8_t left_a[TIMS_NAME_MAX_TOKENS], left_b[TIMS_NAME_MAX_TOKENS];
};

static unsigned strong_tokens(struct tview *v, unsigned n, uint8_t *idx)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (!(v[i].t->flags & TIMS_TOK_WEAK))
			idx[k++] = (uint8_t)i;
	if (k == 0)
		for (unsigned i = 0; i < n; i++)
			idx[k++] = (uint8_t)i;
	return k;
}

/*
 * A given name and its short form by clipping, the commonest way short
 * forms are made (English REG, MAL, ARCHIE, REGGIE for REGINALD, MALCOLM,
 * ARCHIBALD; Russian VALYA, GRISHA for VALENTINA, GRIGORIY: the first
 * letters of the name, a diminutive ending -IE, -Y, -EY, -YA, -SHA
 * added, the last consonant doubled before it; Wikipedia "Hypocorism",
 * "Russian given name"; the nickname table (equiv.c) holds the forms that
 * are not clippings, BILL, PEGGY, SASHA). Given names only (a surname is
 * not clipped: HALL is not HALLORAN), the short form one the equivalence
 * table does not know (a name it knows is a name of its own, its short
 * forms listed there: MARY is not MARTINA's), the full name two letters
 * longer and no Arabic name of the table. Lower than a table's nickname.
 */
#define CLIP_SIM 0.85

static bool clipped_given(const struct tview *x, const struct tview *y)
{
	const struct tims_name_token *s = x->t, *f = y->t;

	if (!x->given || !y->given)
		return false;
	if (strlen(s->var[0]) > strlen(f->var[0])) {
		s = y->t;
		f = x->t;
	}
	if (((s->flags | f->flags) & (TIMS_TOK_ABJAD | TIMS_TOK_INITIAL | TIMS_TOK_WEAK)) ||
	    s->ngroup)
		return false;
	for (unsigned g = 0; g < f->ngroup; g++)
		if (tims__equiv_arabic(f->group[g]))
			return false;
	return tims__clipped(s->var[0], f->var[0]);
}

static void align_views(const struct simctx *cx, struct tview *va, unsigned na,
			struct tview *vb, unsigned nb, struct align *out)
{
	uint8_t ia[TIMS_NAME_MAX_TOKENS + 1], ib[TIMS_NAME_MAX_TOKENS + 1];
	struct tsim m[TIMS_NAME_MAX_TOKENS + 1][TIMS_NAME_MAX_TOKENS + 1];
	bool used_a[TIMS_NAME_MAX_TOKENS + 1] = { 0 }, used_b[TIMS_NAME_MAX_TOKENS + 1] = { 0 };
	unsigned sa = strong_tokens(va, na, ia), sb = strong_tokens(vb, nb, ib);
	unsigned k = sa < sb ? sa : sb, mx = sa > sb ? sa : sb;
	double sum = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < sa; i++)
		for (unsigned j = 0; j < sb; j++) {
			m[i][j] = token_sim_cx(cx, &va[ia[i]], &vb[ib[j]]);
			if (m[i][j].s < CLIP_SIM && clipped_given(&va[ia[i]], &vb[ib[j]]))
				m[i][j] = (struct tsim){ CLIP_SIM, H_CLIP, 0, 0, 0 };
		}
	while (out->npairs < k) {
		double bs = 0.5;
		unsigned bi = 0, bj = 0;
		bool found = false;

		for (unsigned i = 0; i < sa; i++)
			for (unsigned j = 0; j < sb; j++)
				if (!used_a[i] && !used_b[j] && m[i][j].s >= bs) {
					if (m[i][j].s > bs || !found) {
						bs = m[i][j].s;
						bi = i;
						bj = j;
						found = true;
					}
				}
		if (!found)
			break;
		used_a[bi] = used_b[bj] = true;
		out->pa[out->npairs] = ia[bi];
		out->pb[out->npairs] = ib[bj];
		out->sim[out->npairs] = m[bi][bj];
		out->npairs++;
		sum += bs;
	}
	for (unsigned i = 0; i < sa; i++)
		if (!used_a[i])
			out->left_a[out->unmatched_a++] = ia[i];
	for (unsigned j = 0; j < sb; j++)
		if (!used_b[j])
			out->left_b[out->unmatched_b++] = ib[j];
	out->score = k ? sum / (double)k : 0.0;
	out->score -= 0.02 * (double)(mx - k);
	if (k == 1 && mx >= 2)
		out->score *= 0.75; /* one name part against a full name */
	{
		/* An initial agrees with any name of its letter: with at most
		 * one name part agreeing in full (the surname), J SMITH is
		 * every J... SMITH and the name alone must not make a hit. */
		unsigned full = 0, init = 0;

		for (unsigned p = 0; p < out->npairs; p++) {
			if ((va[out->pa[p]].t->flags | vb[out->pb[p]].t->flags) &
			    TIMS_TOK_INITIAL)
				init++;
			else if (out->sim[p].s >= 0.8)
				full++;
		}
		out->initials_only = init && full <= 1;
		if (out->initials_only && out->score > INITIALS_CAP)
			out->score = INITIALS_CAP;
	}
	if (out->score < 0)
		out->score = 0;
}

/* Views of a name, optionally with tokens join .. join+len-1 joined (len
 * 2 or 3: VAN DER BERG / VANDERBERG). */
static unsigned make_views(const struct tims_name *n, int join, unsigned len,
			   struct tims_name_token *joined, struct tview *v)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n->ntok; i++) {
		if ((int)i == join) {
			join_tokens(&n->tok[i], &n->tok[i + 1], joined);
			if (len == 3) {
				struct tims_name_token two = *joined;

				join_tokens(&two, &n->tok[i + 2], joined);
			}
			view_init(&v[k], joined);
			v[k++].joined = true;
			i += len - 1;
			continue;
		}
		view_init(&v[k], &n->tok[i]);
		v[k++].given = tims__given_like(n, i);
	}
	return k;
}

/* The lengths of each token's spellings and skeletons: the filters below
 * compare them before any letter (most pairs differ in length). */
struct nlen {
	uint8_t var[TIMS_NAME_MAX_TOKENS][TIMS_NAME_MAX_VARIANTS];
	uint8_t skel[TIMS_NAME_MAX_TOKENS][TIMS_NAME_MAX_VARIANTS];
	uint8_t vskel[TIMS_NAME_MAX_TOKENS][TIMS_NAME_MAX_VARIANTS];
};

static void name_lens(const struct tims_name *n, struct nlen *l)
{
	for (unsigned i = 0; i < n->ntok; i++)
		for (unsigned v = 0; v < n->tok[i].nvar && v < TIMS_NAME_MAX_VARIANTS; v++) {
			l->var[i][v] = (uint8_t)strlen(n->tok[i].var[v]);
			l->skel[i][v] = (uint8_t)strlen(n->tok[i].skel[v]);
			l->vskel[i][v] = (uint8_t)strlen(n->tok[i].vskel[v]);
		}
}

/* Could joining tokens j, j+1 of `n` explain a token of `other`? A cheap
 * filter so that the full realignment runs only when it may help: a token
 * of `other` spelled (or with the skeleton) of the two written together. */
static bool join_plausible(const struct tims_name *n, const struct nlen *nl, unsigned j,
			   const struct tims_name *other, const struct nlen *ol)
{
	const struct tims_name_token *p = &n->tok[j], *q = &n->tok[j + 1];

	for (unsigned o = 0; o < other->ntok; o++) {
		const struct tims_name_token *t = &other->tok[o];

		for (unsigned x = 0; x < p->nvar; x++) {
			unsigned y = x < q->nvar ? x : 0;
			size_t lp = nl->skel[j][x], lq = nl->skel[j + 1][y];
			size_t vp = nl->var[j][x], vq = nl->var[j + 1][y];

			for (unsigned z = 0; z < t->nvar; z++) {
				size_t lt = ol->skel[o][z], vt = ol->var[o][z];

				/* concatenated skeletons or spellings, compared in place */
				if (lp < lt && lt == lp + lq && !memcmp(t->skel[z], p->skel[x], lp) &&
				    !memcmp(t->skel[z] + lp, q->skel[y], lq))
					return true;
				if (vp < vt && vt == vp + vq && !memcmp(t->var[z], p->var[x], vp) &&
				    !memcmp(t->var[z] + vp, q->var[y], vq))
					return true;
			}
		}
	}
	return false;
}

/* Could joining tokens j, j+1, j+2 of `n` give a token of `other` (DE LA
 * CRUZ / DELACRUZ, VAN DER BERG / VANDERBERG)? Spellings or skeletons
 * compared in place, as in join_plausible. */
static bool join3_plausible(const struct tims_name *n, const struct nlen *nl, unsigned j,
			    const struct tims_name *other, const struct nlen *ol)
{
	const struct tims_name_token *p = &n->tok[j], *q = &n->tok[j + 1], *r = &n->tok[j + 2];

	if ((p->flags | q->flags | r->flags) & TIMS_TOK_ABJAD)
		return false;
	for (unsigned o = 0; o < other->ntok; o++) {
		const struct tims_name_token *t = &other->tok[o];

		for (unsigned x = 0; x < p->nvar; x++) {
			unsigned y = x < q->nvar ? x : 0, w = x < r->nvar ? x : 0;
			size_t l1 = nl->var[j][x], l2 = nl->var[j + 1][y], l3 = nl->var[j + 2][w];
			size_t s1 = nl->skel[j][x], s2 = nl->skel[j + 1][y], s3 = nl->skel[j + 2][w];

			for (unsigned z = 0; z < t->nvar; z++) {
				const char *tv = t->var[z], *ts = t->skel[z];

				if (tv[0] == p->var[x][0] && ol->var[o][z] == l1 + l2 + l3 &&
				    !memcmp(tv, p->var[x], l1) && !memcmp(tv + l1, q->var[y], l2) &&
				    !memcmp(tv + l1 + l2, r->var[w], l3))
					return true;
				if (s1 && s2 && ts[0] == p->skel[x][0] &&
				    ol->skel[o][z] == s1 + s2 + s3 &&
				    !memcmp(ts, p->skel[x], s1) && !memcmp(ts + s1, q->skel[y], s2) &&
				    !memcmp(ts + s1 + s2, r->skel[w], s3))
					return true;
			}
		}
	}
	return false;
}

/*
 * A syllable boundary moved (JONG-SU / JON-GSU, XIAO-MING / XIA OMING):
 * tokens j, j+1 of `a` and k, k+1 of `b` spell the same once each pair is
 * joined, though a[j] and b[k] differ. Compared in place (spellings, or
 * phonetic skeletons with vowels), without building the joins; lp, lq, lr,
 * lt are the lengths of p, q, r, t.
 */
static bool concat_eq(const char *p, size_t lp, const char *q, size_t lq,
		      const char *r, size_t lr, const char *t, size_t lt)
{
	if (p[0] != r[0] || !p[0])
		return false;
	if (lp == lr || lp + lq != lr + lt)
		return false;
	if (lp < lr)
		return !memcmp(r, p, lp) && !memcmp(r + lp, q, lr - lp) &&
		       !memcmp(q + (lr - lp), t, lt);
	return !memcmp(p, r, lr) && !memcmp(p + lr, t, lp - lr) &&
	       !memcmp(t + (lp - lr), q, lq);
}

static bool syllable_plausible(const struct tims_name *a, const struct nlen *al, unsigned j,
			       const struct tims_name *b, const struct nlen *bl, unsigned k)
{
	const struct tims_name_token *p = &a->tok[j], *q = &a->tok[j + 1];
	const struct tims_name_token *r = &b->tok[k], *t = &b->tok[k + 1];

	if ((p->flags | q->flags | r->flags | t->flags) & TIMS_TOK_ABJAD)
		return false;
	for (unsigned x = 0; x < p->nvar; x++) {
		unsigned y = x < q->nvar ? x : 0;

		for (unsigned z = 0; z < r->nvar; z++) {
			unsigned w = z < t->nvar ? z : 0;

			if (concat_eq(p->var[x], al->var[j][x], q->var[y], al->var[j + 1][y],
				      r->var[z], bl->var[k][z], t->var[w], bl->var[k + 1][w]) ||
			    (p->vskel[x][0] && r->vskel[z][0] &&
			     concat_eq(p->vskel[x], al->vskel[j][x], q->vskel[y],
				       al->vskel[j + 1][y], r->vskel[z], bl->vskel[k][z],
				       t->vskel[w], bl->vskel[k + 1][w])))
				return true;
		}
	}
	return false;
}

/* JR, SR, II, III: a generation. Returns 1 junior, 2 senior, 3.. the
 * numeral, 0 none. */
static unsigned generation(const struct tims_name *n)
{
	for (unsigned i = 0; i < n->ntok; i++) {
		const char *v = n->tok[i].var[0];

		if (!strchr("JSFPI", v[0]) || strlen(v) > 6)
			continue;
		if (!strcmp(v, "JR") || !strcmp(v, "JUNIOR") || !strcmp(v, "FILS"))
			return 1;
		if (!strcmp(v, "SR") || !strcmp(v, "SENIOR") || !strcmp(v, "PERE"))
			return 2;
		if (i > 0 && (!strcmp(v, "II") || !strcmp(v, "III") || !strcmp(v, "IV")))
			return (unsigned)strlen(v) + (v[1] == 'V' ? 3 : 1);
	}
	return 0;
}

struct best {
	struct align al;
	struct tview va[TIMS_NAME_MAX_TOKENS], vb[TIMS_NAME_MAX_TOKENS];
	unsigned na, nb;
	struct tims_name_token ja, jb;
	bool generations_differ;
};

/* Align the views of a (la tokens joined at ja, -1 for none) and b (lb at
 * jb); keep them in *bt when they score better. */
static void try_alignment(const struct simctx *cx, const struct tims_name *a, int ja,
			  unsigned la, const struct tims_name *b, int jb, unsigned lb,
			  struct best *bt)
{
	struct tview va[TIMS_NAME_MAX_TOKENS], vb[TIMS_NAME_MAX_TOKENS];
	struct tims_name_token tja, tjb;
	unsigned na, nb;
	struct align cur;

	na = make_views(a, ja, la, &tja, va);
	nb = make_views(b, jb, lb, &tjb, vb);
	align_views(cx, va, na, vb, nb, &cur);
	if (cur.score <= bt->al.score + 1e-9)
		return;
	bt->al = cur;
	memcpy(bt->va, va, sizeof(va));
	memcpy(bt->vb, vb, sizeof(vb));
	bt->na = na;
	bt->nb = nb;
	if (ja >= 0)
		bt->ja = tja;
	if (jb >= 0)
		bt->jb = tjb;
	/* views point at the joined copies we keep */
	for (unsigned i = 0; i < na; i++)
		if (bt->va[i].joined)
			bt->va[i].t = &bt->ja;
	for (unsigned i = 0; i < nb; i++)
		if (bt->vb[i].joined)
			bt->vb[i].t = &bt->jb;
}

static double best_alignment(const struct simctx *cx, const struct tims_name *a,
			     const struct tims_name *b, struct best *bt)
{
	unsigned ga, gb;
	struct nlen la, lb;

	name_lens(a, &la);
	name_lens(b, &lb);
	bt->na = make_views(a, -1, 0, NULL, bt->va);
	bt->nb = make_views(b, -1, 0, NULL, bt->vb);
	align_views(cx, bt->va, bt->na, bt->vb, bt->nb, &bt->al);
	for (int side = 0; side < 2; side++) {
		const struct tims_name *n = side ? b : a, *o = side ? a : b;
		const struct nlen *nl = side ? &lb : &la, *ol = side ? &la : &lb;

		for (unsigned j = 0; j + 1 < n->ntok; j++) {
			if (join_plausible(n, nl, j, o, ol))
				try_alignment(cx, a, side ? -1 : (int)j, 2, b,
					      side ? (int)j : -1, 2, bt);
			if (j + 2 < n->ntok && join3_plausible(n, nl, j, o, ol))
				try_alignment(cx, a, side ? -1 : (int)j, 3, b,
					      side ? (int)j : -1, 3, bt);
		}
	}
	for (unsigned j = 0; j + 1 < a->ntok; j++)
		for (unsigned k = 0; k + 1 < b->ntok; k++)
			if (syllable_plausible(a, &la, j, b, &lb, k))
				try_alignment(cx, a, (int)j, 2, b, (int)k, 2, bt);
	/* JOHN SMITH JR is not JOHN SMITH SR, whatever else agrees */
	ga = generation(a);
	gb = generation(b);
	bt->generations_differ = ga && gb && ga != gb && (ga <= 2) == (gb <= 2);
	if (bt->generations_differ)
		bt->al.score = bt->al.score > 0.30 ? bt->al.score - 0.30 : 0;
	return bt->al.score;
}

double tims_screen_name_score(const struct tims_name *a, const struct tims_name *b)
{
	struct best bt;

	return best_alignment(NULL, a, b, &bt);
}

static void reason(struct tims_match *m, bool explain, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reason(struct tims_match *m, bool explain, const char *fmt, ...)
{
	va_list ap;

	if (!explain || m->nreasons >= TIMS_SCREEN_MAX_REASONS)
		return;
	va_start(ap, fmt);
	/* in English and coded for the consoles (reason.c) */
	tims_screen_reason_vadd(m->reasons, m->codes, &m->nreasons, NULL, fmt, ap);
	va_end(ap);
}

static const char *part_label(const struct tims_name_token *a,
			      const struct tims_name_token *b)
{
	unsigned p = a->part != TIMS_PART_ANY ? a->part : b->part;

	return p == TIMS_PART_SURNAME ? "surname" : p == TIMS_PART_GIVEN ?
	       "given name" : "name";
}

/* "given name J0HN: digit 0 read as O": each digit of the token as written
 * with the letter the compared spelling has in its place (the k-th letter or
 * digit of orig is the k-th letter of an A-Z spelling of a Latin token). */
static void explain_ocr(struct tims_match *m, const char *lbl,
			const struct tims_name_token *t, unsigned v)
{
	char buf[TIMS_SCREEN_REASON_BYTES], read[TIMS_SCREEN_REASON_BYTES] = "";
	const char *sp = t->var[v < t->nvar ? v : 0];
	size_t k = 0, o = 0, r = 0, n = strlen(sp);
	bool ascii = true;
	char seen[10] = { 0 };

	for (const char *p = t->orig; *p; p++)
		ascii = ascii && (unsigned char)*p < 0x80;
	for (const char *p = t->orig; *p && o < sizeof(buf); p++) {
		bool digit = *p >= '0' && *p <= '9';
		char c = '?';

		if (!digit && !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) {
			if (!ascii)
				break;
			continue; /* an apostrophe: not in the spelling */
		}
		if (digit && ascii && k < n)
			c = sp[k];
		if (digit && seen[(unsigned char)(*p - '0')] != c) {
			seen[(unsigned char)(*p - '0')] = c; /* each reading once */
			int w = snprintf(buf + o, sizeof(buf) - o, "%s digit %c read as %c",
					 o ? "," : "", *p, c);

			if (w < 0)
				break;
			o += (size_t)w;
			/* the same, coded: "0>O, 1>I" */
			w = snprintf(read + r, sizeof(read) - r, "%s%c>%c", r ? ", " : "", *p, c);
			if (w > 0 && r + (size_t)w < sizeof(read))
				r += (size_t)w;
		}
		k++;
	}
	buf[o < sizeof(buf) ? o : sizeof(buf) - 1] = '\0';
	if (m->nreasons >= TIMS_SCREEN_MAX_REASONS)
		return;
	tims_screen_reason_add(m->reasons, m->codes, &m->nreasons, NULL, "%s %s:%s (OCR)", lbl,
				t->orig, buf);
	/* the readings coded, not in English */
	snprintf(m->codes[m->nreasons - 1], TIMS_SCREEN_CODE_BYTES,
		 "name.ocr\tpart=%s\ttoken=%.64s\treadings=%.100s",
		 !strcmp(lbl, "surname") ? "surname" : !strcmp(lbl, "given name") ? "given" :
		 !strcmp(lbl, "name") ? "name" : "joined", t->orig, read);
}

static void explain_pair(struct tims_match *m, const struct tview *x,
			 const struct tview *y, const struct tsim *s)
{
	const struct tims_name_token *a = x->t, *b = y->t;
	const char *lbl = (x->joined || y->joined) ? "joined name parts"
						   : part_label(a, b);
	char kind = 'V';
	const char *g;

	if (x->joined && y->joined && s->s >= 0.8) {
		/* both sides joined: the parts were cut at another syllable */
		reason(m, true, "%s %s~%s via a moved syllable boundary (%s)",
		       part_label(a, b), a->orig, b->orig, a->var[s->va]);
		goto ocr;
	}
	switch (s->how) {
	case H_EXACT:
		if (x->joined || y->joined)
			reason(m, true, "name parts %s~%s joined", a->orig, b->orig);
		else if ((a->flags | b->flags) & TIMS_TOK_OCR)
			reason(m, true, "%s %s~%s matches once read as letters", lbl,
			       a->orig, b->orig);
		else
			reason(m, true, "%s %s matches", lbl, a->orig);
		break;
	case H_SCHEME: {
		unsigned sch = a->scheme[s->va] != TIMS_SCHEME_ASCII ?
			       a->scheme[s->va] : b->scheme[s->vb];

		reason(m, true, "%s %s~%s via %s (%s)", lbl, a->orig, b->orig,
		       tims_scheme_name(sch), a->var[s->va]);
		break;
	}
	case H_GROUP:
		g = tims_name_group_label(s->group, &kind);
		reason(m, true, "%s %s~%s via the %s (%s)", lbl, a->orig, b->orig,
		       kind == 'N' ? "nickname table" : "given-name equivalence table",
		       g ? g : "?");
		break;
	case H_PHONETIC: {
		/* a reading of one register's spelling made them alike: say which */
		unsigned sa = a->scheme[s->va], sb = b->scheme[s->vb];
		unsigned sch = sa >= TIMS_SCHEME_READING && sa != TIMS_SCHEME_ARTICLE ? sa :
			       sb >= TIMS_SCHEME_READING && sb != TIMS_SCHEME_ARTICLE ? sb : 0;

		if (sch)
			reason(m, true, "%s %s~%s sound alike (%s) via %s", lbl, a->orig,
			       b->orig, a->vskel[s->va], tims_scheme_name(sch));
		else
			reason(m, true, "%s %s~%s sound alike (%s)", lbl, a->orig, b->orig,
			       a->vskel[s->va]);
		break;
	}
	case H_CARON:
		reason(m, true, "%s %s~%s sound alike once C is read as Ç or Č (%s)", lbl,
		       a->orig, b->orig, b->vskel[s->vb]);
		break;
	case H_ARTICLE:
		reason(m, true, "%s %s~%s alike once the Arabic article assimilated to the "
		       "name (ET-, ES-, ER-, ECH- ...) is taken off", lbl, a->orig, b->orig);
		break;
	case H_CLIP:
		reason(m, true, "%s %s~%s as a short form (the first letters of the name)",
		       lbl, a->orig, b->orig);
		break;
	case H_DEFINITE:
		reason(m, true, "%s %s~%s as one name with the Albanian definite ending -I (%s)",
		       lbl, a->orig, b->orig, a->skel[s->va]);
		break;
	case H_ABJAD:
		reason(m, true, "%s %s~%s share the consonants %s", lbl, a->orig,
		       b->orig, a->skel[s->va]);
		break;
	case H_GENDER:
		reason(m, true, "%s %s~%s are masculine and feminine forms", lbl,
		       a->orig, b->orig);
		break;
	case H_TYPO:
		if (s->s < 0.8) {
			reason(m, true, "%s %s~%s differ", lbl, a->orig, b->orig);
			break;
		}
		reason(m, true, "%s %s~%s %s (%.2f)", lbl, a->orig, b->orig,
		       typo_kind(a->var[s->va], b->var[s->vb]), s->s);
		break;
	case H_INITIAL:
		reason(m, true, "%s %s~%s as an initial", lbl, a->orig, b->orig);
		break;
	default:
		reason(m, true, "%s %s~%s are different names", lbl, a->orig, b->orig);
		break;
	}
ocr:
	/* say which side's digits were read as letters, and as what */
	if (a->flags & TIMS_TOK_OCR)
		explain_ocr(m, lbl, a, s->va);
	if (b->flags & TIMS_TOK_OCR)
		explain_ocr(m, lbl, b, s->vb);
}

static bool date_known(const struct tims_pdate *d)
{
	return d->year != 0;
}

/* The names agree so well (the same spelling, a scheme, a nickname) that a
 * date of birth a clerical slip away is weak agreement, not a penalty. */
#define DOB_STRONG_NAME 0.95

/* YYYYMMDD of two full dates differ in exactly one digit (03-04/03-14). */
static bool one_digit(const struct tims_pdate *a, const struct tims_pdate *b)
{
	unsigned x[3] = { a->year, a->month, a->day }, y[3] = { b->year, b->month, b->day };
	unsigned n = 0;

	for (unsigned i = 0; i < 3; i++)
		for (unsigned v = x[i], w = y[i]; v || w; v /= 10, w /= 10)
			n += v % 10 != w % 10;
	return n == 1;
}

/* An approximate date on either side: [year - approx, year + approx]
 * against the other side's range. */
static double qualify_approx(const struct tims_pdate *a, const struct tims_pdate *b,
			     double name, const char *fa, const char *fb,
			     struct tims_match *m, bool explain)
{
	int alo = (int)a->year - a->approx, ahi = (int)a->year + a->approx;
	int blo = (int)b->year - b->approx, bhi = (int)b->year + b->approx;
	int gap = alo > bhi ? alo - bhi : blo > ahi ? blo - ahi : 0;
	const struct tims_pdate *x = a->approx ? a : b;
	const char *fx = a->approx ? fa : fb, *fy = a->approx ? fb : fa;

	if (gap == 0) {
		if (fx[0] == '~')
			reason(m, explain, "date of birth %s within %s (%u-%u)", fy, fx,
			       (unsigned)(x->year - x->approx),
			       (unsigned)(x->year + x->approx));
		else
			reason(m, explain, "date of birth %s within %s", fy, fx);
		return 0.01;
	}
	if (gap == 1) {
		reason(m, explain, "date of birth %s~%s: one year outside the approximate range",
		       fa, fb);
		return name >= DOB_STRONG_NAME ? -0.04 : -0.30;
	}
	reason(m, explain, "date of birth %s~%s differs", fa, fb);
	return -0.40;
}

/* Dates of birth: the strongest qualifier. Returns the adjustment. `name`
 * is the name score; `initials` says the given names agree by initials
 * only, which an exact date must confirm. */
static double qualify_dob(const struct tims_pdate *a, const struct tims_pdate *b,
			  double name, bool initials, struct tims_match *m, bool explain)
{
	int dy;
	bool full = a->month && a->day && b->month && b->day;
	bool strong = name >= DOB_STRONG_NAME;
	char fa[16], fb[16];

	if (!date_known(a) || !date_known(b))
		return 0;
	tims_pdate_format(a, fa, sizeof(fa));
	tims_pdate_format(b, fb, sizeof(fb));
	if (a->approx || b->approx)
		return qualify_approx(a, b, name, fa, fb, m, explain);
	dy = abs((int)a->year - (int)b->year);
	if (dy == 0) {
		if (full) {
			bool dm = a->day == b->day, mm = a->month == b->month;

			if (dm && mm) {
				reason(m, explain, "date of birth %s matches", fa);
				if (initials) {
					reason(m, explain, "the exact date of birth confirms the initials");
					return 0.05 + INITIALS_CONFIRM;
				}
				return 0.05;
			}
			if (a->day == b->month && a->month == b->day) {
				reason(m, explain, "date of birth %s~%s: day and month swapped", fa, fb);
				return 0.02;
			}
			if (strong && one_digit(a, b)) {
				reason(m, explain, "date of birth %s~%s: one digit differs", fa, fb);
				return -0.02;
			}
			if (dm || mm) {
				reason(m, explain, "date of birth %s~%s: same year, %s differs",
				       fa, fb, dm ? "month" : "day");
				return -0.06;
			}
			reason(m, explain, "date of birth %s~%s differs", fa, fb);
			return -0.25;
		}
		if (a->month && b->month && a->month != b->month) {
			reason(m, explain, "date of birth %s~%s: same year, month differs", fa, fb);
			return -0.10;
		}
		reason(m, explain, "year of birth %u matches", a->year);
		return 0.02;
	}
	if (dy == 1 && (!full || (a->day == b->day && a->month == b->month))) {
		reason(m, explain, "date of birth %s~%s: one year apart", fa, fb);
		return strong ? -0.01 : -0.04;
	}
	reason(m, explain, "date of birth %s~%s differs", fa, fb);
	return dy == 1 ? -0.30 : -0.40;
}

static double qualify(const struct tims_subject *a, const struct tims_subject *b,
		      bool initials, struct tims_match *m, bool explain)
{
	double adj;

	if (!a || !b)
		return 0;
	adj = qualify_dob(&a->dob, &b->dob, m->name_score, initials, m, explain);
	if (a->nationality[0] && b->nationality[0]) {
		/* the same nationality written two ways (D and DEU) is the same */
		if (tims_mrz_state_same(a->nationality, b->nationality,
					TIMS_MRZ_STATE_NATIONALITY)) {
			reason(m, explain, "nationality %s matches", a->nationality);
			adj += 0.02;
		} else {
			reason(m, explain, "nationality %s~%s differs", a->nationality,
			       b->nationality);
			adj -= 0.05;
		}
	}
	if ((a->sex == 'M' || a->sex == 'F') && (b->sex == 'M' || b->sex == 'F') &&
	    a->sex != b->sex) {
		reason(m, explain, "sex %c~%c differs", a->sex, b->sex);
		adj -= 0.20;
	}
	return adj;
}

/* MARIA/MARIO, ALEXANDRA/ALEXANDRU, SIMONA/SIMONE: the last vowel, A
 * against another; CHRISTIAN/CHRISTIANE, GABRIEL/GABRIELLE, ZEKI/ZEKIYE:
 * an ending of at most three letters added. How feminine and masculine
 * forms of one name differ in most European and Turkic languages. */
static bool sex_suffix(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb) {
		const char *t = a;

		a = b;
		b = t;
		la = strlen(a);
		lb = strlen(b);
	}
	if (la == lb) {
		char x = a[la - 1], y = b[la - 1];

		return la >= 4 && !strncmp(a, b, la - 1) &&
		       (x == 'A' || y == 'A') && strchr("AEIOUY", x) && strchr("AEIOUY", y);
	}
	return la >= 3 && lb - la <= 3 && !strncmp(a, b, la);
}

/*
 * The sexes differ. When the names agree only through the forms of a name
 * for each sex (MARIO and MARIA ROSSI, IVAN and IVANA, CHRISTIAN and
 * CHRISTIANE), it is brother and sister, not one person with a wrong sex
 * field: 0.20 more. When they agree otherwise only approximately (a typo,
 * a sound, a name part missing on one side), two discrepancies at once:
 * 0.10 more. An exactly equal name keeps the lighter sex penalty of
 * qualify(): a data error there must not hide a listed person. Returns the
 * extra penalty.
 */
static double sex_forms(const struct best *bt, struct tims_match *m, bool explain)
{
	bool approx = bt->al.unmatched_a || bt->al.unmatched_b;

	for (unsigned p = 0; p < bt->al.npairs; p++) {
		const struct tsim *si = &bt->al.sim[p];
		const struct tims_name_token *a = bt->va[bt->al.pa[p]].t, *b = bt->vb[bt->al.pb[p]].t;

		if (si->how != H_GENDER && si->how != H_PHONETIC && si->how != H_TYPO &&
		    si->how != H_CLIP && si->how != H_ARTICLE)
			continue;
		if (si->how == H_GENDER || sex_suffix(a->var[si->va], b->var[si->vb])) {
			reason(m, explain, "%s %s~%s are the forms of one name for each sex, "
			       "and the sex differs", part_label(a, b), a->orig, b->orig);
			return 0.20;
		}
		approx = true;
	}
	if (approx) {
		reason(m, explain, "the sex differs and the names agree only approximately");
		return 0.10;
	}
	return 0;
}

static void compare(const struct simctx *cx, const struct tims_name *a,
		    const struct tims_subject *sa, const struct tims_name *b,
		    const struct tims_subject *sb, bool explain, struct tims_match *m)
{
	struct best bt;
	double s;

	m->nreasons = 0;
	m->name_score = best_alignment(cx, a, b, &bt);
	if (explain) {
		const struct align *al = &bt.al;

		for (unsigned p = 0; p < al->npairs; p++)
			explain_pair(m, &bt.va[al->pa[p]], &bt.vb[al->pb[p]], &al->sim[p]);
		/* two names of their own that a slip or a sound would have paired */
		for (unsigned i = 0; i < al->unmatched_a; i++)
			for (unsigned j = 0; j < al->unmatched_b; j++) {
				const struct tview *x = &bt.va[al->left_a[i]], *y = &bt.vb[al->left_b[j]];

				if (token_sim(x, y).how == H_DISTINCT)
					reason(m, true, "%s %s~%s are two names of their own (%s)",
					       part_label(x->t, y->t), x->t->orig, y->t->orig,
					       "published name lists");
				else if (token_sim_raw(x, y).s >= 0.8 && token_sim(x, y).s <= 0.40)
					reason(m, true, "%s %s~%s are different names",
					       part_label(x->t, y->t), x->t->orig, y->t->orig);
			}
		for (unsigned i = 0; i < al->unmatched_a; i++)
			reason(m, true, "%s %s has no counterpart",
			       part_label(bt.va[al->left_a[i]].t, bt.va[al->left_a[i]].t),
			       bt.va[al->left_a[i]].t->orig);
		for (unsigned i = 0; i < al->unmatched_b; i++)
			reason(m, true, "%s %s has no counterpart",
			       part_label(bt.vb[al->left_b[i]].t, bt.vb[al->left_b[i]].t),
			       bt.vb[al->left_b[i]].t->orig);
		if (al->initials_only)
			reason(m, true, "given names agree by initials only: the name "
			       "alone is at most %.2f", INITIALS_CAP);
		if (bt.generations_differ)
			reason(m, true, "generations differ (JR, SR, II ...): "
			       "father and son");
	}
	s = m->name_score + qualify(sa, sb, bt.al.initials_only, m, explain);
	if (sa && sb && (sa->sex == 'M' || sa->sex == 'F') &&
	    (sb->sex == 'M' || sb->sex == 'F') && sa->sex != sb->sex)
		s -= sex_forms(&bt, m, explain);
	m->score = s < 0 ? 0 : s > 1 ? 1 : s;
}

void tims_screen_compare(const struct tims_name *a, const struct tims_subject *sa,
			 const struct tims_name *b, const struct tims_subject *sb,
			 bool explain, struct tims_match *m)
{
	compare(NULL, a, sa, b, sb, explain, m);
}

void tims__screen_compare_memo(const struct tims_name *a, const struct tims_subject *sa,
			       const struct tims_name *b, const uint32_t *ids,
			       const struct tims_subject *sb, bool explain,
			       struct tims__sim_memo *memo, struct tims_match *m)
{
	struct simctx cx = { a, b, ids, memo };

	compare(&cx, a, sa, b, sb, explain, m);
}
