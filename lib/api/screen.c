/*
 * screen.c — a traveller of a passenger list screened as a post screens
 * one at its booth (tims_wl_screen, lib/watchlist/traveller.c): the
 * document number and issuing state against the lost, stolen and revoked
 * documents, the names, date of birth, nationality and sex against the
 * person lists. The hits keep the list's version screened against, so
 * that a stored result says which lists it was made with.
 *
 * Fail closed: a screening that cannot be completed is an error, never
 * TIMS_API_CLEAR (tims/api.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tims/api.h"
#include "tims/watchlist.h"

struct tims_api_screener {
	struct tims_wl *wl;
	struct tims_screen_index *ix;
	struct tims_wl_list_info *lists;
	size_t nlists;
	struct tims_wl_screening res;
};

tims_rc tims_api_screener_new(struct tims_wl *wl, struct tims_screen_index *ix,
			      struct tims_api_screener **out, struct tims_err *err)
{
	struct tims_api_screener *s;
	tims_rc rc;

	*out = NULL;
	if (!wl || !ix)
		return tims_err_set(err, TIMS_ERR_STATE, "screening: no watchlists loaded");
	if (!(s = calloc(1, sizeof(*s))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	s->wl = wl;
	s->ix = ix;
	if ((rc = tims_wl_lists_brief(wl, &s->lists, &s->nlists, err))) {
		free(s);
		return rc;
	}
	*out = s;
	return TIMS_OK;
}

void tims_api_screener_free(struct tims_api_screener *s)
{
	if (!s)
		return;
	free(s->lists);
	free(s);
}

static uint64_t list_version(const struct tims_api_screener *s, const char *list)
{
	for (size_t i = 0; i < s->nlists; i++)
		if (!strcmp(s->lists[i].name, list))
			return s->lists[i].version;
	return 0;
}

tims_rc tims_api_screen(struct tims_api_screener *s, const struct tims_paxlst_traveller *t,
			struct tims_api_screening *out, struct tims_err *err)
{
	struct tims_wl_query q;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&q, 0, sizeof(q));
	q.doc_number = t->document_number;
	q.doc_issuer = t->document_issuing_state;
	q.surname = t->surname;
	q.given_names = t->given_names;
	/* a date the parser could not complete ("as sent") only widens the
	 * person search (tims_wl_screen) */
	q.birth_date = t->birth_date;
	q.nationality = t->nationality;
	q.sex = !strcmp(t->sex, "M") ? 'M' : !strcmp(t->sex, "F") ? 'F' : 0;
	if ((rc = tims_wl_screen(s->wl, s->ix, &q, &s->res, err)))
		return rc;
	out->status = s->res.nhits ? TIMS_API_HIT : TIMS_API_CLEAR;
	out->nhits = (unsigned)s->res.nhits;
	for (size_t i = 0; i < s->res.nhits && i < TIMS_API_HITS_MAX; i++) {
		const struct tims_wl_hit *h = &s->res.hits[i];
		struct tims_api_hit *o = &out->hits[i];

		snprintf(o->part, sizeof(o->part), "%s", tims_wl_part_name(h->part));
		snprintf(o->list, sizeof(o->list), "%s", h->list);
		snprintf(o->ref, sizeof(o->ref), "%s", h->ref);
		o->entry_version = h->version;
		o->list_version = list_version(s, h->list);
		snprintf(o->alert, sizeof(o->alert), "%s", h->alert);
		o->score = h->score;
	}
	return TIMS_OK;
}
