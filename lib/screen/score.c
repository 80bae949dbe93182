/*
 * score.c — the score of two persons and the reasons for it.
 *
 * Token against token: the best of several signals, each with a fixed value
 * so that a reason can say which one decided (same spelling under a scheme
 * 1.0; equivalence group 0.95; same phonetic skeleton 0.92; Arabic-script
 * consonants 0.90; masculine/feminine forms 0.75; typo: Jaro-Winkler or
 * edit distance, at most 0.95). Name against name: a greedy one-to-one
 * alignment over the small token matrix (at most 12 x 12), divided by the
 * shorter name's length, so that a missing middle name costs only a small
 * fixed penalty; one join of two adjacent tokens is tried on either side
 * (ABDUL RAHMAN / ABDULRAHMAN). Then dates of birth, nationality and sex.
 */
#include <math.h>

#include "screen_int.h"
#include "tims/screen.h"
#include "tims/util.h"

enum how {
	H_NONE = 0, H_EXACT, H_SCHEME, H_GROUP, H_PHONETIC, H_ABJAD,
	H_GENDER, H_TYPO, H_INITIAL,
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
};

static void view_init(struct tview *v, const struct tims_name_token *t)
{
	v->t = t;
	v->joined = false;
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

static double typo_sim(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), L = la > lb ? la : lb;
	size_t mn = la < lb ? la : lb;
	double jw = tims_name_jaro_winkler(a, b), ed;
	unsigned d;

	if (jw < 0.6) /* (jw + ed) / 2 < 0.8 whatever ed is: not a typo */
		return jw * 0.3;
	d = tims_name_edit_distance(a, b);
	ed = L ? 1.0 - (double)d / (double)L : 0.0;
	/* JW alone over-rewards shared endings (MARKOPOULOS/GIANNAKOPOULOS is
	 * 0.82); the edit distance alone over-punishes short names. */
	double s = (jw + ed) / 2;

	if (s > 0.95)
		s = 0.95;
	if (mn <= 3)
		s *= 0.85;
	/* Below 0.8 two names are not one name misspelled (MORSCH/HOOSS is
	 * 0.6): such a pair must not lift an average over the threshold. */
	if (s < 0.80)
		s *= 0.3;
	return s;
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

static struct tsim token_sim(const struct tview *x, const struct tview *y)
{
	struct tsim s = token_sim_raw(x, y);

	if (s.s > 0.40 && s.s < 1.0 && known_different(x->t, y->t)) {
		s.s = 0.40;
		s.how = H_NONE;
	}
	return s;
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

struct align {
	double score;
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

static void align_views(struct tview *va, unsigned na, struct tview *vb,
			unsigned nb, struct align *out)
{
	uint8_t ia[TIMS_NAME_MAX_TOKENS + 1], ib[TIMS_NAME_MAX_TOKENS + 1];
	struct tsim m[TIMS_NAME_MAX_TOKENS + 1][TIMS_NAME_MAX_TOKENS + 1];
	bool used_a[TIMS_NAME_MAX_TOKENS + 1] = { 0 }, used_b[TIMS_NAME_MAX_TOKENS + 1] = { 0 };
	unsigned sa = strong_tokens(va, na, ia), sb = strong_tokens(vb, nb, ib);
	unsigned k = sa < sb ? sa : sb, mx = sa > sb ? sa : sb;
	double sum = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < sa; i++)
		for (unsigned j = 0; j < sb; j++)
			m[i][j] = token_sim(&va[ia[i]], &vb[ib[j]]);
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
	if (out->score < 0)
		out->score = 0;
}

/* Views of a name, optionally with tokens j and j+1 joined. */
static unsigned make_views(const struct tims_name *n, int join,
			   struct tims_name_token *joined, struct tview *v)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n->ntok; i++) {
		if ((int)i == join) {
			join_tokens(&n->tok[i], &n->tok[i + 1], joined);
			view_init(&v[k], joined);
			v[k++].joined = true;
			i++;
			continue;
		}
		view_init(&v[k++], &n->tok[i]);
	}
	return k;
}

/* Could joining tokens j, j+1 of `n` explain a token of `other`? A cheap
 * filter so that the full realignment runs only when it may help. */
static bool join_plausible(const struct tims_name *n, unsigned j,
			   const struct tims_name *other)
{
	const struct tims_name_token *p = &n->tok[j], *q = &n->tok[j + 1];

	for (unsigned o = 0; o < other->ntok; o++) {
		const struct tims_name_token *t = &other->tok[o];

		for (unsigned x = 0; x < p->nvar; x++) {
			const struct tims_name_token *qq = q;
			unsigned y = x < qq->nvar ? x : 0;

			for (unsigned z = 0; z < t->nvar; z++) {
				size_t lp = strlen(p->skel[x]), lt = strlen(t->skel[z]);
				size_t vp = strlen(p->var[x]), vt = strlen(t->var[z]);

				/* concatenated skeletons or spellings, compared in place */
				if (lp < lt && !strncmp(t->skel[z], p->skel[x], lp) &&
				    !strcmp(t->skel[z] + lp, qq->skel[y]))
					return true;
				if (vp < vt && !strncmp(t->var[z], p->var[x], vp) &&
				    !strcmp(t->var[z] + vp, qq->var[y]))
					return true;
			}
		}
	}
	return false;
}

static double best_alignment(const struct tims_name *a, const struct tims_name *b,
			     struct align *best, struct tview *bva, unsigned *bna,
			     struct tview *bvb, unsigned *bnb,
			     struct tims_name_token *ja, struct tims_name_token *jb)
{
	struct tview va[TIMS_NAME_MAX_TOKENS], vb[TIMS_NAME_MAX_TOKENS];
	struct tims_name_token tja, tjb;
	unsigned na, nb;
	struct align cur;

	memset(&tja, 0, sizeof(tja));
	memset(&tjb, 0, sizeof(tjb));
	*bna = make_views(a, -1, NULL, bva);
	*bnb = make_views(b, -1, NULL, bvb);
	align_views(bva, *bna, bvb, *bnb, best);
	for (int side = 0; side < 2; side++) {
		const struct tims_name *n = side ? b : a, *o = side ? a : b;

		for (unsigned j = 0; j + 1 < n->ntok; j++) {
			if (!join_plausible(n, j, o))
				continue;
			if (side == 0) {
				na = make_views(a, (int)j, &tja, va);
				nb = make_views(b, -1, NULL, vb);
			} else {
				na = make_views(a, -1, NULL, va);
				nb = make_views(b, (int)j, &tjb, vb);
			}
			align_views(va, na, vb, nb, &cur);
			if (cur.score > best->score + 1e-9) {
				*best = cur;
				memcpy(bva, va, sizeof(va));
				memcpy(bvb, vb, sizeof(vb));
				*bna = na;
				*bnb = nb;
				*ja = tja;
				*jb = tjb;
				/* views point at the joined copies we keep */
				for (unsigned i = 0; i < na; i++)
					if (bva[i].joined)
						bva[i].t = ja;
				for (unsigned i = 0; i < nb; i++)
					if (bvb[i].joined)
						bvb[i].t = jb;
			}
		}
	}
	return best->score;
}

double tims_screen_name_score(const struct tims_name *a, const struct tims_name *b)
{
	struct tview va[TIMS_NAME_MAX_TOKENS], vb[TIMS_NAME_MAX_TOKENS];
	struct tims_name_token ja, jb;
	struct align al;
	unsigned na, nb;

	return best_alignment(a, b, &al, va, &na, vb, &nb, &ja, &jb);
}

static void reason(struct tims_match *m, bool explain, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reason(struct tims_match *m, bool explain, const char *fmt, ...)
{
	va_list ap;

	if (!explain || m->nreasons >= TIMS_SCREEN_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(m->reasons[m->nreasons++], TIMS_SCREEN_REASON_BYTES, fmt, ap);
	va_end(ap);
}

static const char *part_label(const struct tims_name_token *a,
			      const struct tims_name_token *b)
{
	unsigned p = a->part != TIMS_PART_ANY ? a->part : b->part;

	return p == TIMS_PART_SURNAME ? "surname" : p == TIMS_PART_GIVEN ?
	       "given name" : "name";
}

static void explain_pair(struct tims_match *m, const struct tview *x,
			 const struct tview *y, const struct tsim *s)
{
	const struct tims_name_token *a = x->t, *b = y->t;
	const char *lbl = (x->joined || y->joined) ? "joined name parts"
						   : part_label(a, b);
	char kind = 'V';
	const char *g;

	switch (s->how) {
	case H_EXACT:
		if (x->joined || y->joined)
			reason(m, true, "name parts %s~%s joined", a->orig, b->orig);
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
	case H_PHONETIC:
		reason(m, true, "%s %s~%s sound alike (%s)", lbl, a->orig, b->orig,
		       a->vskel[s->va]);
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
		reason(m, true, "%s %s~%s spelled alike (%.2f)", lbl, a->orig,
		       b->orig, s->s);
		break;
	case H_INITIAL:
		reason(m, true, "%s %s~%s as an initial", lbl, a->orig, b->orig);
		break;
	default:
		reason(m, true, "%s %s~%s are different names", lbl, a->orig, b->orig);
		break;
	}
	/* say which side's digits were read as letters, and as what */
	if (a->flags & TIMS_TOK_OCR)
		reason(m, true, "%s %s read as %s (OCR: a digit for O, I, S or B)",
		       lbl, a->orig, a->var[0]);
	if (b->flags & TIMS_TOK_OCR)
		reason(m, true, "%s %s read as %s (OCR: a digit for O, I, S or B)",
		       lbl, b->orig, b->var[0]);
}

static bool date_known(const struct tims_pdate *d)
{
	return d->year != 0;
}

/* Dates of birth: the strongest qualifier. Returns the adjustment. */
static double qualify_dob(const struct tims_pdate *a, const struct tims_pdate *b,
			  struct tims_match *m, bool explain)
{
	int dy;
	bool full = a->month && a->day && b->month && b->day;
	char fa[16], fb[16];

	if (!date_known(a) || !date_known(b))
		return 0;
	tims_pdate_format(a, fa, sizeof(fa));
	tims_pdate_format(b, fb, sizeof(fb));
	dy = abs((int)a->year - (int)b->year);
	if (dy == 0) {
		if (full) {
			bool dm = a->day == b->day, mm = a->month == b->month;

			if (dm && mm) {
				reason(m, explain, "date of birth %s matches", fa);
				return 0.05;
			}
			if (a->day == b->month && a->month == b->day) {
				reason(m, explain, "date of birth %s~%s: day and month swapped", fa, fb);
				return 0.02;
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
		return -0.04;
	}
	reason(m, explain, "date of birth %s~%s differs", fa, fb);
	return dy == 1 ? -0.30 : -0.40;
}

static double qualify(const struct tims_subject *a, const struct tims_subject *b,
		      struct tims_match *m, bool explain)
{
	double adj;

	if (!a || !b)
		return 0;
	adj = qualify_dob(&a->dob, &b->dob, m, explain);
	if (a->nationality[0] && b->nationality[0]) {
		if (!strcmp(a->nationality, b->nationality)) {
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

void tims_screen_compare(const struct tims_name *a, const struct tims_subject *sa,
			 const struct tims_name *b, const struct tims_subject *sb,
			 bool explain, struct tims_match *m)
{
	struct tview va[TIMS_NAME_MAX_TOKENS], vb[TIMS_NAME_MAX_TOKENS];
	struct tims_name_token ja, jb;
	struct align al;
	unsigned na, nb;
	double s;

	m->nreasons = 0;
	m->name_score = best_alignment(a, b, &al, va, &na, vb, &nb, &ja, &jb);
	if (explain) {
		for (unsigned p = 0; p < al.npairs; p++)
			explain_pair(m, &va[al.pa[p]], &vb[al.pb[p]], &al.sim[p]);
		for (unsigned i = 0; i < al.unmatched_a; i++)
			reason(m, true, "%s %s has no counterpart",
			       part_label(va[al.left_a[i]].t, va[al.left_a[i]].t),
			       va[al.left_a[i]].t->orig);
		for (unsigned i = 0; i < al.unmatched_b; i++)
			reason(m, true, "%s %s has no counterpart",
			       part_label(vb[al.left_b[i]].t, vb[al.left_b[i]].t),
			       vb[al.left_b[i]].t->orig);
	}
	s = m->name_score + qualify(sa, sb, m, explain);
	m->score = s < 0 ? 0 : s > 1 ? 1 : s;
}
