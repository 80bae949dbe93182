/*
 * search.c — finding a person in a post's history by name
 * (tims_post_search, include/tims/post.h). The records are sealed and
 * post.db can only look them up by equality on blind indexes (`names`,
 * post.c): candidates are found by the birth date's key when the full date
 * is given, else by the surname keys of every spelling of the query's
 * tokens, then opened and judged one by one by the screening engine
 * (struct tims_name_query, lib/screen/search.c: the same keys and the same
 * judgement as the centre's national search).
 *
 * More candidates than the cap is a refusal asking for more of the name or
 * the full birth date (TIMS_ERR_TOOBIG), never a silent cut; keys still
 * owed (the token was out, or an older post.db not yet indexed) that
 * cannot be made now are TIMS_ERR_UNAVAILABLE, never "nobody".
 */
#include <jansson.h>
#include <sodium.h>

#include "tims/screen.h"
#include "tims/util.h"
#include "internal.h"

struct scan {
	struct tims_post *p;
	struct tims_name_query *q;
	struct tims_record *rec;
	struct tims_buf plain;
	uint64_t candidates;
	struct tims_name_found_set found;
};

static tims_rc scan_row(struct scan *x, uint64_t idx, sqlite3_stmt *st, struct tims_err *err)
{
	const struct tims_person *pe = &x->rec->person;
	struct tims_match m;
	struct tims_name_found *f;
	int64_t when;
	int latest;
	tims_rc rc;

	x->candidates++;
	tims_buf_reset(&x->plain);
	if ((rc = post_open_body(x->p, idx, sqlite3_column_blob(st, 1),
				 (size_t)sqlite3_column_bytes(st, 1), &x->plain, err)) ||
	    (rc = tims_record_decode(x->plain.buf, x->plain.len, x->rec, err)))
		return rc;
	if (!tims_name_query_match(x->q, pe->surname, pe->given_names, pe->birth_date,
				   pe->nationality, pe->sex, &m))
		return TIMS_OK;
	when = tims_record_when(x->rec);
	if (!(f = tims_name_found_add(&x->found, pe->issuer, pe->doc_number, pe->surname,
				      pe->given_names, pe->birth_date, pe->nationality, pe->sex, &m,
				      when, &latest)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "search: out of memory");
	if (latest)
		f->last_index = idx;
	return TIMS_OK;
}

/* The candidates of the query's keys through st, at most maxc + 1. */
static tims_rc scan_all(struct scan *x, sqlite3_stmt *st, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;
	int s;

	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = scan_row(x, (uint64_t)sqlite3_column_int64(st, 0), st, err)))
			break;
	if (!rc && s != SQLITE_DONE)
		rc = post_db_err(x->p, "searching by name", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static json_t *answer(const struct tims_post_search_query *qy, const struct scan *x,
		      unsigned limit, unsigned maxc)
{
	json_t *o = json_pack("{s:{s:s, s:s, s:s, s:s}, s:I, s:I, s:I, s:I, s:f, s:[]}", "query",
			      "surname", qy->surname ? qy->surname : "",
			      "given_names", qy->given ? qy->given : "",
			      "birth_date", qy->birth_date ? qy->birth_date : "",
			      "nationality", qy->nationality ? qy->nationality : "",
			      "candidates", (json_int_t)x->candidates, "found", (json_int_t)x->found.n,
			      "max_candidates", (json_int_t)maxc, "limit", (json_int_t)limit,
			      "threshold", x->q->threshold, "matches");
	json_t *arr = o ? json_object_get(o, "matches") : NULL;

	for (size_t i = 0; arr && i < x->found.n && i < limit; i++) {
		const struct tims_name_found *f = &x->found.f[i];
		json_t *reasons = json_array(), *e;

		for (unsigned r = 0; reasons && r < f->m.nreasons; r++)
			json_array_append_new(reasons, json_string(f->m.reasons[r]));
		e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:o, s:I, s:I, s:I, s:I}",
			      "surname", f->surname, "given_names", f->given,
			      "birth_date", f->birth_date, "nationality", f->nationality,
			      "sex", f->sex, "document", f->doc, "issuer", f->issuer,
			      "score", f->m.score, "reasons", reasons ? reasons : json_array(),
			      "crossings", (json_int_t)f->crossings,
			      "first_ms", (json_int_t)f->first_ms, "last_ms", (json_int_t)f->last_ms,
			      "last_index", (json_int_t)f->last_index);
		if (e && json_object_set_new(e, "reason_codes", tims_screen_reason_codes_json(
				(const char (*)[TIMS_SCREEN_CODE_BYTES])f->m.codes, f->m.nreasons))) {
			json_decref(e);
			e = NULL;
		}
		if (!e || json_array_append_new(arr, e)) {
			json_decref(o);
			return NULL;
		}
	}
	if (o)
		json_object_set_new(o, "shown", json_integer((json_int_t)json_array_size(arr)));
	return o;
}

static tims_rc post_search_unlocked(struct tims_post *p, const struct tims_post_search_query *qy,
				    json_t **out, struct tims_err *err)
{
	char bi[TIMS_NAME_QUERY_KEYS][TIMS_VAULT_BLIND_HEX];
	struct scan x;
	unsigned limit = qy->limit ? qy->limit : TIMS_POST_SEARCH_RESULTS;
	unsigned maxc = qy->max_candidates && qy->max_candidates < TIMS_POST_SEARCH_CANDIDATES
				? qy->max_candidates : TIMS_POST_SEARCH_CANDIDATES;
	sqlite3_stmt *st;
	int more = 0;
	tims_rc rc;

	memset(&x, 0, sizeof(x));
	tims_buf_init(&x.plain, TIMS_RECORD_MAX_BYTES);
	x.p = p;
	x.q = malloc(sizeof(*x.q));
	x.rec = malloc(sizeof(*x.rec));
	if (!x.q || !x.rec) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "search: out of memory");
		goto out;
	}
	if (limit > TIMS_POST_SEARCH_RESULTS) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "limit: at most %d",
				  TIMS_POST_SEARCH_RESULTS);
		goto out;
	}
	if ((rc = tims_name_query_init(x.q, qy->surname, qy->given, qy->birth_date,
				       qy->nationality, qy->threshold, TIMS_RECORD_FIELD - 1, err)) ||
	    (rc = post_names_owed(p, TIMS_POST_SEARCH_CATCHUP, &more, err)))
		goto out;
	if (more) { /* fail closed: records not yet filed under their names */
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "search: the name keys of older "
				  "records are still being made (after an upgrade the node makes "
				  "them in the background); search again later, or by document "
				  "number");
		goto out;
	}
	if (x.q->dob[0]) {
		st = p->st[ST_BY_DOB];
		if ((rc = post_name_index(p, "dob", x.q->dob, bi[0], err)))
			goto out;
		sqlite3_bind_text(st, 1, bi[0], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)maxc + 1);
	} else {
		st = p->st[ST_BY_SKEL];
		for (size_t i = 0; i < x.q->nkeys; i++)
			if ((rc = post_name_index(p, "skel", x.q->keys[i], bi[i], err)))
				goto out;
		/* unused key slots repeat the first key */
		for (int i = 0; i < TIMS_NAME_QUERY_KEYS; i++)
			sqlite3_bind_text(st, i + 1, bi[(size_t)i < x.q->nkeys ? i : 0], -1,
					  SQLITE_STATIC);
		sqlite3_bind_int64(st, TIMS_NAME_QUERY_KEYS + 1, (sqlite3_int64)maxc + 1);
	}
	if ((rc = scan_all(&x, st, err)))
		goto out;
	if (x.candidates > maxc) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "search: more than %u crossings to compare; "
				  "give the full birth date or more of the name", maxc);
		goto out;
	}
	tims_name_found_sort(&x.found);
	if (!(*out = answer(qy, &x, limit, maxc)))
		rc = tims_err_set(err, TIMS_ERR_INVALID, "surname: not valid UTF-8");
out:
	tims_name_found_free(&x.found);
	if (x.q)
		sodium_memzero(x.q, sizeof(*x.q));
	if (x.rec)
		sodium_memzero(x.rec, sizeof(*x.rec));
	if (x.plain.buf)
		sodium_memzero(x.plain.buf, x.plain.alloc);
	tims_buf_release(&x.plain);
	free(x.q);
	free(x.rec);
	return rc;
}

tims_rc tims_post_search(struct tims_post *p, const struct tims_post_search_query *q,
			 json_t **out, struct tims_err *err)
{
	tims_rc rc;

	*out = NULL;
	post_lock(p);
	rc = post_search_unlocked(p, q, out, err);
	post_unlock(p);
	return rc;
}
