/*
 * search.c — finding a person by name among records kept behind blind
 * indexes (tims/screen.h, struct tims_name_query): the keys a record is
 * filed under, the keys a query looks up, and the judgement of each
 * candidate by the screening scorer. One piece for the centre's national
 * search and a post's history search, so that both find the same people
 * for the same query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tims/screen.h"
#include "tims/util.h"

void tims_name_search_key(const char *surname, char *out, size_t outsz)
{
	struct tims_name *n = malloc(sizeof(*n));
	size_t best = 0;

	if (outsz)
		out[0] = '\0';
	if (!n || !surname || !*surname ||
	    tims_name_parse(surname, strlen(surname), "surname", n, NULL) != TIMS_OK) {
		free(n);
		return;
	}
	for (unsigned i = 0; i < n->ntok; i++) {
		const struct tims_name_token *t = &n->tok[i];
		size_t len = strlen(t->var[0]);

		if ((t->flags & (TIMS_TOK_WEAK | TIMS_TOK_INITIAL)) || len <= best || !t->skel[0][0])
			continue;
		best = len;
		snprintf(out, outsz, "%s", t->skel[0]);
	}
	memset(n, 0, sizeof(*n));
	free(n);
}

/* The distinct skeletons of every spelling of every token of the query. */
static size_t query_keys(const struct tims_name *q, char keys[TIMS_NAME_QUERY_KEYS][TIMS_TOKEN_MAX + 1])
{
	size_t n = 0;

	for (unsigned i = 0; i < q->ntok; i++) {
		const struct tims_name_token *t = &q->tok[i];

		if (t->flags & (TIMS_TOK_WEAK | TIMS_TOK_INITIAL))
			continue;
		for (unsigned v = 0; v < t->nvar && n < TIMS_NAME_QUERY_KEYS; v++) {
			size_t k;

			if (!t->skel[v][0])
				continue;
			for (k = 0; k < n && strcmp(keys[k], t->skel[v]); k++)
				;
			if (k == n)
				snprintf(keys[n++], TIMS_TOKEN_MAX + 1, "%s", t->skel[v]);
		}
	}
	return n;
}

tims_rc tims_name_query_init(struct tims_name_query *q, const char *surname, const char *given,
			     const char *birth_date, const char *nationality, double threshold,
			     size_t max_part, struct tims_err *err)
{
	tims_rc rc;

	memset(q, 0, sizeof(*q));
	if ((!surname || !*surname) && (!given || !*given))
		return tims_err_set(err, TIMS_ERR_INVALID, "surname: a surname or given names are "
				    "required");
	if ((surname && strlen(surname) > max_part) || (given && strlen(given) > max_part))
		return tims_err_set(err, TIMS_ERR_INVALID, "surname: want at most %zu bytes a part",
				    max_part);
	if (threshold < 0 || threshold > 1)
		return tims_err_set(err, TIMS_ERR_INVALID, "threshold: want 0 to 1");
	q->threshold = threshold > 0 ? threshold : TIMS_SCREEN_THRESHOLD;
	if ((rc = tims_name_parse_parts(surname, given, "name", &q->name, err)))
		return rc;
	if (birth_date && *birth_date &&
	    (rc = tims_pdate_parse(birth_date, &q->subject.dob, "birth_date", err)))
		return rc;
	if (q->subject.dob.approx)
		return tims_err_set(err, TIMS_ERR_INVALID, "birth_date: want YYYY, YYYY-MM or "
				    "YYYY-MM-DD (not approximate)");
	if (nationality && *nationality &&
	    (rc = tims_subject_set_nationality(&q->subject, nationality, "nationality", err)))
		return rc;
	if (q->subject.dob.day) {
		snprintf(q->dob, sizeof(q->dob), "%04u-%02u-%02u", q->subject.dob.year,
			 q->subject.dob.month, q->subject.dob.day);
		return TIMS_OK;
	}
	if (!(q->nkeys = query_keys(&q->name, q->keys)))
		return tims_err_set(err, TIMS_ERR_INVALID, "surname: no name part to search by "
				    "(only initials or particles): give more of the name or the "
				    "full birth date");
	return TIMS_OK;
}

/* What the query gives of the birth date agrees with the record's. */
static int dob_agrees(const struct tims_pdate *q, const char *rec)
{
	struct tims_pdate r;

	if (!q->year)
		return 1;
	if (!rec || !*rec || tims_pdate_parse(rec, &r, "birth_date", NULL) != TIMS_OK)
		return 0; /* asked for a date the record does not have */
	return r.year == q->year && (!q->month || r.month == q->month) &&
	       (!q->day || r.day == q->day);
}

int tims_name_query_match(struct tims_name_query *q, const char *surname, const char *given,
			  const char *birth_date, const char *nationality, const char *sex,
			  struct tims_match *m)
{
	struct tims_subject rs;

	if (!dob_agrees(&q->subject.dob, birth_date) ||
	    tims_name_parse_parts(surname, given, "record", &q->scratch, NULL) != TIMS_OK)
		return 0; /* a record whose name does not parse is no match */
	memset(&rs, 0, sizeof(rs));
	if (birth_date && *birth_date)
		(void)tims_pdate_parse(birth_date, &rs.dob, "birth_date", NULL);
	if (nationality && *nationality)
		(void)tims_subject_set_nationality(&rs, nationality, "nationality", NULL);
	if (sex && *sex)
		(void)tims_subject_set_sex(&rs, sex, "sex", NULL);
	tims_screen_compare(&q->name, &q->subject, &q->scratch, &rs, true, m);
	return m->score >= q->threshold;
}

struct tims_name_found *tims_name_found_add(struct tims_name_found_set *s, const char *issuer,
					    const char *doc, const char *surname, const char *given,
					    const char *birth_date, const char *nationality,
					    const char *sex, const struct tims_match *m, int64_t when,
					    int *latest)
{
	struct tims_name_found *f = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->f[i].doc, doc) && !strcmp(s->f[i].issuer, issuer)) {
			f = &s->f[i];
			break;
		}
	if (!f) {
		if (s->n == s->cap) { /* a new block, the old one wiped (personal data) */
			size_t nc = s->cap ? 2 * s->cap : 16;
			struct tims_name_found *g = calloc(nc, sizeof(*g));

			if (!g)
				return NULL;
			if (s->f) {
				memcpy(g, s->f, s->n * sizeof(*g));
				sodium_memzero(s->f, s->cap * sizeof(*s->f));
				free(s->f);
			}
			s->f = g;
			s->cap = nc;
		}
		f = &s->f[s->n++];
		memset(f, 0, sizeof(*f));
		snprintf(f->issuer, sizeof(f->issuer), "%s", issuer);
		snprintf(f->doc, sizeof(f->doc), "%s", doc);
		f->first_ms = when;
		f->last_ms = INT64_MIN;
		f->m.score = -1;
	}
	if (m->score > f->m.score) { /* the record that matches best speaks for the document */
		f->m = *m;
		snprintf(f->surname, sizeof(f->surname), "%s", surname);
		snprintf(f->given, sizeof(f->given), "%s", given);
		snprintf(f->birth_date, sizeof(f->birth_date), "%s", birth_date);
		snprintf(f->nationality, sizeof(f->nationality), "%s", nationality);
		snprintf(f->sex, sizeof(f->sex), "%s", sex);
	}
	f->crossings++;
	if (when < f->first_ms)
		f->first_ms = when;
	*latest = when >= f->last_ms;
	if (*latest)
		f->last_ms = when;
	return f;
}

static int found_by_score(const void *a, const void *b)
{
	const struct tims_name_found *x = a, *y = b;

	if (x->m.score != y->m.score)
		return x->m.score < y->m.score ? 1 : -1;
	return x->last_ms < y->last_ms ? 1 : x->last_ms > y->last_ms ? -1 : 0;
}

void tims_name_found_sort(struct tims_name_found_set *s)
{
	if (s->n > 1)
		qsort(s->f, s->n, sizeof(*s->f), found_by_score);
}

void tims_name_found_free(struct tims_name_found_set *s)
{
	if (s->f) {
		sodium_memzero(s->f, s->cap * sizeof(*s->f));
		free(s->f);
	}
	memset(s, 0, sizeof(*s));
}
