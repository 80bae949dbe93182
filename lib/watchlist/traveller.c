/*
 * traveller.c — screening one traveller at the booth against the loaded
 * watchlists: the document against lost, stolen and revoked documents, the
 * holder against the person lists, the vehicle against stolen vehicles.
 * Used by `tims screen traveller` and by the node's check. Every hit carries
 * its list, score and reasons, and whether it is a discreet check, which a
 * console must show only quietly (SPEC §3 step 3).
 */
#include <jansson.h>
#include <math.h>

#include "tims/mrz.h"
#include "tims/names.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define SCREEN_MAX_HITS 20
#define IDENT_ROWS_MAX 256 /* entries confirmed for one identifier */

/*
 * Fail closed: a hit the index found but the store could not read back, a
 * search that could not be completed, a name or a number that could not be
 * put in the form the index holds, is a failed screening, never "no hit".
 * Every function here returns NULL with err set then, and the caller
 * answers an error (the node: 503 screening_failed).
 */

/* The stored entry behind a hit, with its score, reasons and visibility. */
static json_t *hit_json(struct tims_wl *wl, uint32_t rowid, const struct tims_match *m,
			struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	json_error_t je;
	json_t *o = NULL, *r;
	const char *alert;
	tims_rc rc;

	if ((rc = tims_wl_describe(wl, rowid, &b, err))) {
		tims_buf_release(&b);
		return NULL;
	}
	o = json_loads(tims_buf_str(&b), 0, &je);
	tims_buf_release(&b);
	if (!json_is_object(o)) {
		json_decref(o);
		tims_err_set(err, TIMS_ERR_TAMPER, "watchlist entry %u: unreadable", rowid);
		return NULL;
	}
	if (m) {
		r = json_array();
		for (unsigned i = 0; r && i < m->nreasons; i++)
			if (json_array_append_new(r, json_string(m->reasons[i]))) {
				json_decref(r);
				r = NULL;
			}
		if (!r || json_object_set_new(o, "score", json_real(round(m->score * 1000) / 1000)) ||
		    json_object_set_new(o, "reasons", r))
			goto nomem;
	}
	/* A discreet check must not show on the traveller's side of the booth:
	 * the console shows it quietly and the post reports it. */
	alert = json_string_value(json_object_get(o, "alert"));
	if (json_object_set_new(o, "discreet", json_boolean(alert && !strcmp(alert, "discreet-check"))))
		goto nomem;
	return o;
nomem:
	json_decref(o);
	tims_err_set(err, TIMS_ERR_NOMEM, "watchlist entry %u: out of memory", rowid);
	return NULL;
}

json_t *tims_wl_person_hits(struct tims_wl *wl, struct tims_screen_index *ix,
			   const struct tims_name *q, const struct tims_subject *s,
			   size_t *cand, struct tims_err *err)
{
	struct tims_screen_hit *hits = calloc(SCREEN_MAX_HITS, sizeof(*hits));
	json_t *arr = json_array();
	size_t n = 0;
	tims_rc rc;

	if (!hits || !arr) {
		tims_err_set(err, TIMS_ERR_NOMEM, "person search: out of memory");
		goto fail;
	}
	if ((rc = tims_screen_index_search(ix, q, s, true, hits, SCREEN_MAX_HITS, &n, cand))) {
		tims_err_set(err, rc, "person search: %s", rc == TIMS_ERR_NOMEM ?
			     "out of memory" : "the index is not ready");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *h = hit_json(wl, hits[i].rowid, &hits[i].m, err);

		if (!h || json_array_append_new(arr, h)) {
			if (h)
				tims_err_set(err, TIMS_ERR_NOMEM, "person search: out of memory");
			goto fail;
		}
	}
	free(hits);
	return arr;
fail:
	free(hits);
	json_decref(arr);
	return NULL;
}

/* Identifier hits, each confirmed against the stored normalised value (the
 * index holds fingerprints only). A fingerprint whose entry holds another
 * number is no hit; an entry that cannot be read is a failure. */
static json_t *ident_hits(struct tims_wl *wl, struct tims_screen_index *ix,
			  enum tims_ident_kind kind, const char *norm, const char *state,
			  struct tims_err *err)
{
	uint32_t rows[IDENT_ROWS_MAX + 1];
	size_t n = tims_screen_index_lookup(ix, kind, norm, rows, NULL, IDENT_ROWS_MAX + 1);
	json_t *arr = json_array();
	const char *what = kind == TIMS_IDENT_DOCUMENT ? "document number" :
			   kind == TIMS_IDENT_PLATE ? "plate" : "VIN";

	if (!arr) {
		tims_err_set(err, TIMS_ERR_NOMEM, "%s search: out of memory", what);
		return NULL;
	}
	if (n > IDENT_ROWS_MAX) {
		/* more entries than are confirmed here: the one left out could be
		 * the hit (another issuing state first), so no partial answer */
		json_decref(arr);
		tims_err_set(err, TIMS_ERR_TOOBIG, "%s search: more than %d entries share this "
			     "number", what, IDENT_ROWS_MAX);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char stored[TIMS_IDENT_MAX + 1];
		json_t *h, *r;
		const char *st;

		/* The index was loaded from this store: an entry it names that
		 * cannot be read back, or has no identifier, is a store failure. */
		if (tims_wl_ident(wl, rows[i], kind, stored, err))
			goto fail;
		if (strcmp(stored, norm))
			continue;
		if (!(h = hit_json(wl, rows[i], NULL, err)))
			goto fail;
		st = json_string_value(json_object_get(h, "issuing_state"));
		if (!st)
			st = json_string_value(json_object_get(h, "country"));
		if (st && state && *state && strcmp(st, state)) {
			/* numbers are unique only within an issuing state */
			json_decref(h);
			continue;
		}
		r = json_array();
		if (!r || json_array_append_new(r, json_sprintf("%s %s matches", what, norm)) ||
		    (st && state && *state &&
		     json_array_append_new(r, json_sprintf("issuing state %s matches", st))) ||
		    json_object_set_new(h, "score", json_real(1.0)) ||
		    json_object_set_new(h, "reasons", r) || json_array_append_new(arr, h)) {
			tims_err_set(err, TIMS_ERR_NOMEM, "%s search: out of memory", what);
			goto fail;
		}
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* Set key to v (consumed); false (v released) when v is NULL or out of memory. */
static bool put(json_t *o, const char *key, json_t *v)
{
	return v && !json_object_set_new(o, key, v);
}

json_t *tims_wl_screen_traveller(struct tims_wl *wl, struct tims_screen_index *ix,
				 const struct tims_mrz *mrz, const char *plate,
				 const char *vin, struct tims_err *err)
{
	struct tims_subject subj;
	struct tims_name *q = malloc(sizeof(*q));
	char norm[TIMS_IDENT_MAX + 1], full[128];
	json_t *out = json_object(), *doc = NULL, *person = NULL, *veh = NULL, *errs;
	size_t cand = 0;

	tims_err_clear(err);
	if (!q || !out)
		goto nomem;
	errs = json_array();
	for (unsigned i = 0; errs && i < mrz->nerrors; i++)
		json_array_append_new(errs, json_string(mrz->errors[i].msg));
	if (!errs || !put(out, "mrz", json_pack("{s:s, s:b, s:o}", "format",
		tims_mrz_format_name(mrz->format), "valid", mrz->valid, "errors", errs)))
		goto nomem;
	/* the document */
	if (!(doc = json_object()) || !put(doc, "number", json_string(mrz->document_number)) ||
	    !put(doc, "issuing_state", json_string(mrz->issuing_state)))
		goto nomem;
	if (mrz->document_number[0]) {
		json_t *h;

		if (tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, mrz->document_number, norm,
					   "document number", err))
			goto fail;
		if (!(h = ident_hits(wl, ix, TIMS_IDENT_DOCUMENT, norm, mrz->issuing_state, err)))
			goto fail;
		if (!put(doc, "hits", h))
			goto nomem;
	} else if (!put(doc, "hits", json_array())) {
		goto nomem;
	}
	if (json_object_set_new(out, "document", doc)) {
		doc = NULL;
		goto nomem;
	}
	doc = NULL;
	/* the person: SURNAME<<GIVEN NAMES as the MRZ has it */
	if (!(person = json_object()))
		goto nomem;
	snprintf(full, sizeof(full), "%s<<%s", mrz->surname, mrz->given_names);
	for (char *p = full; *p; p++)
		if (*p == ' ')
			*p = '<';
	memset(&subj, 0, sizeof(subj));
	/* An unreadable date of birth or nationality only widens the search
	 * (no qualifier to rule a candidate out): never fewer hits. */
	tims_pdate_parse(mrz->birth_date.iso, &subj.dob, "birth_date", NULL);
	tims_subject_set_nationality(&subj, mrz->nationality, "nationality", NULL);
	subj.sex = mrz->sex == 'M' || mrz->sex == 'F' ? mrz->sex : 0;
	if (!put(person, "name", json_sprintf("%s, %s", mrz->surname, mrz->given_names)) ||
	    !put(person, "dob", json_string(mrz->birth_date.iso)) ||
	    !put(person, "nationality", json_string(mrz->nationality)))
		goto nomem;
	if (mrz->surname[0] || mrz->given_names[0]) {
		json_t *h;

		if (tims_name_parse(full, strlen(full), "name", q, err))
			goto fail;
		if (!(h = tims_wl_person_hits(wl, ix, q, &subj, &cand, err)))
			goto fail;
		if (!put(person, "hits", h))
			goto nomem;
	} else if (!put(person, "hits", json_array())) {
		goto nomem;
	}
	if (!put(person, "candidates", json_integer((json_int_t)cand)))
		goto nomem;
	if (json_object_set_new(out, "person", person)) {
		person = NULL;
		goto nomem;
	}
	person = NULL;
	/* the vehicle: a plate or VIN that cannot be searched is no "no hit" either */
	if (plate || vin) {
		json_t *vh, *more;

		if (!(veh = json_object()) || !(vh = json_array()) || !put(veh, "hits", vh))
			goto nomem;
		if (plate) {
			if (tims_screen_norm_ident(TIMS_IDENT_PLATE, plate, norm, "vehicle plate", err) ||
			    !(more = ident_hits(wl, ix, TIMS_IDENT_PLATE, norm, NULL, err)))
				goto fail;
			if (!put(veh, "plate", json_string(plate)) || json_array_extend(vh, more)) {
				json_decref(more);
				goto nomem;
			}
			json_decref(more);
		}
		if (vin) {
			if (tims_screen_norm_ident(TIMS_IDENT_VIN, vin, norm, "vehicle vin", err) ||
			    !(more = ident_hits(wl, ix, TIMS_IDENT_VIN, norm, NULL, err)))
				goto fail;
			if (!put(veh, "vin", json_string(vin)) || json_array_extend(vh, more)) {
				json_decref(more);
				goto nomem;
			}
			json_decref(more);
		}
		if (json_object_set_new(out, "vehicle", veh)) {
			veh = NULL;
			goto nomem;
		}
	}
	free(q);
	return out;
nomem:
	tims_err_set(err, TIMS_ERR_NOMEM, "screening: out of memory");
fail:
	free(q);
	json_decref(doc);
	json_decref(person);
	json_decref(veh);
	json_decref(out);
	return NULL;
}
