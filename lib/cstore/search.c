/*
 * search.c — finding a person in the national history by name
 * (tims_cstore_search, include/tims/cstore.h): the screening engine's
 * normalisation (tims/names.h: scripts and transliterations, diacritics,
 * nicknames, typos) and scorer (tims/screen.h) over the records, which are
 * sealed at rest. The store can only look rows up by equality on blind
 * indexes, so candidates are found first by one of two keys, then opened
 * and scored one by one:
 *
 *   a full birth date given   every row of that birth date (`dob`)
 *   otherwise                 every row whose surname's search key (the
 *                             phonetic skeleton of its main token, `skel`)
 *                             is the skeleton of a spelling of any token
 *                             of the query (surname or given names: the
 *                             order of the parts may be swapped)
 *
 * A candidate is kept when the names score at least the threshold and the
 * birth date agrees with what the query gives of it (a year, a month or
 * the full date). More candidates than TIMS_CSTORE_SEARCH_CANDIDATES is a
 * refusal asking for more of the name or the full birth date, never a
 * silent cut: a search that looked at part of the rows has not "found
 * nobody". What a surname key cannot find without a birth date: a typo or
 * another spelling that changes the consonants of the main token of the
 * surname (the scorer would accept it, the key does not lead to it).
 * The keys and the judgement of a candidate are the screening engine's
 * (struct tims_name_query, lib/screen/search.c), shared with a post's
 * history search (lib/post/search.c).
 */
#include "internal.h"

#include <sodium.h>

#include "tims/names.h"
#include "tims/screen.h"
#include "tims/util.h"

/* One shared statement text per number of keys is not needed: unused key
 * slots repeat the first key. The indexes on dob and skel are partial
 * (WHERE ... <> ''): a query must say so in as many words for the planner
 * to use them, as a bound value proves nothing; without it every crossing
 * was read in time order (SQLite: SCAN crossings USING INDEX crossings_when). */
static const char sql_by_dob[] =
	"SELECT origin, idx, sealed, when_ms, direction, decision FROM crossings"
	" WHERE dob = ?1 AND dob <> '' AND erased = 0 ORDER BY when_ms, origin, idx LIMIT ?2";
static const char sql_by_skel[] =
	"SELECT origin, idx, sealed, when_ms, direction, decision FROM crossings"
	" WHERE skel IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
	" ?16) AND skel <> '' AND erased = 0 ORDER BY when_ms, origin, idx LIMIT ?17";

struct scan {
	struct tims_cstore *s;
	struct tims_err *err;
	struct tims_name_query *q;
	uint64_t candidates;
	struct tims_name_found_set found;
};

static tims_rc scan_row(void *ctx, const struct cs_row *row)
{
	struct scan *x = ctx;
	struct tims_match m;
	struct tims_name_found *f;
	int latest;
	json_t *rec;
	int64_t when = cs_int(row->v[3]);

	x->candidates++;
	if (!(rec = cs_open_json(x->s, row->v[0], row->v[1], row->v[2], x->err)))
		return x->err->rc ? x->err->rc : TIMS_ERR_TAMPER;
	if (!tims_name_query_match(x->q, cs_rec_str(rec, "surname"),
				   cs_rec_str(rec, "given_names"), cs_rec_str(rec, "birth_date"),
				   cs_rec_str(rec, "nationality"), cs_rec_str(rec, "sex"), &m)) {
		json_decref(rec);
		return TIMS_OK;
	}
	f = tims_name_found_add(&x->found, cs_rec_str(rec, "issuer"), cs_rec_str(rec, "number"),
				cs_rec_str(rec, "surname"), cs_rec_str(rec, "given_names"),
				cs_rec_str(rec, "birth_date"), cs_rec_str(rec, "nationality"),
				cs_rec_str(rec, "sex"), &m, when, &latest);
	if (f && latest)
		snprintf(f->last_origin, sizeof(f->last_origin), "%s", row->v[0] ? row->v[0] : "");
	json_decref(rec);
	if (!f)
		return tims_err_set(x->err, TIMS_ERR_NOMEM, "search: out of memory");
	return TIMS_OK;
}

tims_rc tims_cstore_search(struct tims_cstore *s, const struct tims_cstore_search_query *qy,
			   json_t **out, struct tims_err *err)
{
	struct tims_name_query *q = malloc(sizeof(*q));
	char bi[TIMS_NAME_QUERY_KEYS][TIMS_VAULT_BLIND_HEX];
	struct scan x;
	unsigned limit = qy->limit ? qy->limit : TIMS_CSTORE_SEARCH_RESULTS;
	unsigned maxc = qy->max_candidates && qy->max_candidates < TIMS_CSTORE_SEARCH_CANDIDATES
				? qy->max_candidates : TIMS_CSTORE_SEARCH_CANDIDATES;
	json_t *o = NULL, *arr;
	tims_rc rc;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	if (!q) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "search: out of memory");
		goto out;
	}
	if (limit > TIMS_CSTORE_SEARCH_RESULTS) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "limit: at most %d",
				  TIMS_CSTORE_SEARCH_RESULTS);
		goto out;
	}
	if ((rc = tims_name_query_init(q, qy->surname, qy->given, qy->birth_date,
				       qy->nationality, qy->threshold, TIMS_RECORD_FIELD - 1, err)) ||
	    (rc = cs_readable(s, err)))
		goto out;
	x.s = s;
	x.err = err;
	x.q = q;
	if (q->dob[0]) {
		struct cs_param p[2];

		if ((rc = cs_blind(s, "dob", q->dob, bi[0], err)))
			goto out;
		p[0] = (struct cs_param)CS_T(bi[0]);
		p[1] = (struct cs_param)CS_I(maxc + 1);
		rc = cs_query(s, sql_by_dob, 1, p, 2, scan_row, &x, NULL, err);
	} else {
		struct cs_param p[TIMS_NAME_QUERY_KEYS + 1];

		for (size_t i = 0; i < TIMS_NAME_QUERY_KEYS; i++) {
			if (i < q->nkeys && (rc = cs_blind(s, "skel", q->keys[i], bi[i], err)))
				goto out;
			p[i] = (struct cs_param)CS_T(bi[i < q->nkeys ? i : 0]);
		}
		p[TIMS_NAME_QUERY_KEYS] = (struct cs_param)CS_I(maxc + 1);
		rc = cs_query(s, sql_by_skel, 1, p, TIMS_NAME_QUERY_KEYS + 1, scan_row, &x, NULL,
			      err);
	}
	if (rc)
		goto out;
	if (x.candidates > maxc) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "search: more than %u crossings to compare; "
				  "give the full birth date or more of the name", maxc);
		goto out;
	}
	tims_name_found_sort(&x.found);
	o = json_pack("{s:{s:s, s:s, s:s, s:s}, s:I, s:I, s:f, s:[]}", "query",
		      "surname", qy->surname ? qy->surname : "",
		      "given_names", qy->given ? qy->given : "",
		      "birth_date", qy->birth_date ? qy->birth_date : "",
		      "nationality", qy->nationality ? qy->nationality : "",
		      "candidates", (json_int_t)x.candidates, "found", (json_int_t)x.found.n,
		      "threshold", q->threshold, "matches");
	if (!o) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "surname: not valid UTF-8");
		goto out;
	}
	arr = json_object_get(o, "matches");
	for (size_t i = 0; i < x.found.n && i < limit; i++) {
		const struct tims_name_found *f = &x.found.f[i];
		json_t *reasons = json_array(), *e;

		for (unsigned r = 0; reasons && r < f->m.nreasons; r++)
			json_array_append_new(reasons, json_string(f->m.reasons[r]));
		e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:o, s:I, s:I, s:I, s:s}",
			      "surname", f->surname, "given_names", f->given,
			      "birth_date", f->birth_date, "nationality", f->nationality,
			      "sex", f->sex, "document", f->doc, "issuer", f->issuer,
			      "score", f->m.score, "reasons", reasons ? reasons : json_array(),
			      "crossings", (json_int_t)f->crossings,
			      "first_ms", (json_int_t)f->first_ms, "last_ms", (json_int_t)f->last_ms,
			      "last_post", f->last_origin);
		if (e && json_object_set_new(e, "reason_codes", tims_screen_reason_codes_json(
				(const char (*)[TIMS_SCREEN_CODE_BYTES])f->m.codes, f->m.nreasons))) {
			json_decref(e);
			e = NULL;
		}
		if (!e || json_array_append_new(arr, e)) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "search: out of memory");
			goto out;
		}
	}
	json_object_set_new(o, "shown", json_integer((json_int_t)json_array_size(arr)));
	*out = o;
	o = NULL;
out:
	json_decref(o);
	tims_name_found_free(&x.found);
	if (q)
		sodium_memzero(q, sizeof(*q));
	free(q);
	return rc;
}
