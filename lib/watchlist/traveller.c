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

/* The stored entry behind a hit, with its score, reasons and visibility. */
static json_t *hit_json(struct tims_wl *wl, uint32_t rowid, const struct tims_match *m,
			struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	json_error_t je;
	json_t *o = NULL, *r;
	const char *alert;

	if (tims_wl_describe(wl, rowid, &b, err) == TIMS_OK)
		o = json_loads(tims_buf_str(&b), 0, &je);
	tims_buf_release(&b);
	if (!o)
		return NULL;
	if (m) {
		json_object_set_new(o, "score", json_real(round(m->score * 1000) / 1000));
		r = json_array();
		for (unsigned i = 0; i < m->nreasons; i++)
			json_array_append_new(r, json_string(m->reasons[i]));
		json_object_set_new(o, "reasons", r);
	}
	/* A discreet check must not show on the traveller's side of the booth:
	 * the console shows it quietly and the post reports it. */
	alert = json_string_value(json_object_get(o, "alert"));
	json_object_set_new(o, "discreet", json_boolean(alert && !strcmp(alert, "discreet-check")));
	return o;
}

json_t *tims_wl_person_hits(struct tims_wl *wl, struct tims_screen_index *ix,
			   const struct tims_name *q, const struct tims_subject *s,
			   size_t *cand, struct tims_err *err)
{
	struct tims_screen_hit *hits = calloc(SCREEN_MAX_HITS, sizeof(*hits));
	json_t *arr = json_array();
	size_t n;

	if (!hits || !arr) {
		free(hits);
		json_decref(arr);
		return NULL;
	}
	n = tims_screen_index_query(ix, q, s, true, hits, SCREEN_MAX_HITS, cand);
	for (size_t i = 0; i < n; i++) {
		json_t *h = hit_json(wl, hits[i].rowid, &hits[i].m, err);

		if (h)
			json_array_append_new(arr, h);
	}
	free(hits);
	return arr;
}

/* Identifier hits, each confirmed against the stored normalised value (the
 * index holds fingerprints only). */
static json_t *ident_hits(struct tims_wl *wl, struct tims_screen_index *ix,
			  enum tims_ident_kind kind, const char *norm, const char *state,
			  struct tims_err *err)
{
	uint32_t rows[16];
	size_t n = tims_screen_index_lookup(ix, kind, norm, rows, NULL, 16);
	json_t *arr = json_array();

	for (size_t i = 0; i < n && arr; i++) {
		char stored[TIMS_IDENT_MAX + 1];
		json_t *h, *r;
		const char *st;

		if (tims_wl_ident(wl, rows[i], kind, stored, err) || strcmp(stored, norm))
			continue;
		if (!(h = hit_json(wl, rows[i], NULL, err)))
			continue;
		st = json_string_value(json_object_get(h, "issuing_state"));
		if (!st)
			st = json_string_value(json_object_get(h, "country"));
		r = json_array();
		json_array_append_new(r, json_sprintf("%s %s matches", kind == TIMS_IDENT_DOCUMENT ?
						      "document number" : kind == TIMS_IDENT_PLATE ?
						      "plate" : "VIN", norm));
		if (st && state && *state && strcmp(st, state)) {
			/* numbers are unique only within an issuing state */
			json_decref(h);
			json_decref(r);
			continue;
		}
		if (st && state && *state)
			json_array_append_new(r, json_sprintf("issuing state %s matches", st));
		json_object_set_new(h, "score", json_real(1.0));
		json_object_set_new(h, "reasons", r);
		json_array_append_new(arr, h);
	}
	return arr;
}

json_t *tims_wl_screen_traveller(struct tims_wl *wl, struct tims_screen_index *ix,
				 const struct tims_mrz *mrz, const char *plate,
				 const char *vin, struct tims_err *err)
{
	struct tims_subject subj;
	struct tims_name *q = malloc(sizeof(*q));
	char norm[TIMS_IDENT_MAX + 1], full[128];
	json_t *out, *doc, *person, *veh, *errs;
	size_t cand = 0;

	if (!q) {
		tims_err_set(err, TIMS_ERR_NOMEM, "screening: out of memory");
		return NULL;
	}
	out = json_object();
	errs = json_array();
	for (unsigned i = 0; i < mrz->nerrors; i++)
		json_array_append_new(errs, json_string(mrz->errors[i].msg));
	json_object_set_new(out, "mrz", json_pack("{s:s, s:b, s:o}", "format",
		tims_mrz_format_name(mrz->format), "valid", mrz->valid, "errors", errs));
	/* the document */
	doc = json_object();
	json_object_set_new(doc, "number", json_string(mrz->document_number));
	json_object_set_new(doc, "issuing_state", json_string(mrz->issuing_state));
	if (mrz->document_number[0] &&
	    tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, mrz->document_number, norm,
				   "document_number", err) == TIMS_OK)
		json_object_set_new(doc, "hits", ident_hits(wl, ix, TIMS_IDENT_DOCUMENT, norm,
							    mrz->issuing_state, err));
	else
		json_object_set_new(doc, "hits", json_array());
	json_object_set_new(out, "document", doc);
	/* the person: SURNAME<<GIVEN NAMES as the MRZ has it */
	person = json_object();
	snprintf(full, sizeof(full), "%s<<%s", mrz->surname, mrz->given_names);
	for (char *p = full; *p; p++)
		if (*p == ' ')
			*p = '<';
	memset(&subj, 0, sizeof(subj));
	tims_pdate_parse(mrz->birth_date.iso, &subj.dob, "birth_date", NULL);
	tims_subject_set_nationality(&subj, mrz->nationality, "nationality", NULL);
	subj.sex = mrz->sex == 'M' || mrz->sex == 'F' ? mrz->sex : 0;
	json_object_set_new(person, "name", json_sprintf("%s, %s", mrz->surname, mrz->given_names));
	json_object_set_new(person, "dob", json_string(mrz->birth_date.iso));
	json_object_set_new(person, "nationality", json_string(mrz->nationality));
	if (tims_name_parse(full, strlen(full), "name", q, err) == TIMS_OK)
		json_object_set_new(person, "hits", tims_wl_person_hits(wl, ix, q, &subj, &cand, err));
	else
		json_object_set_new(person, "hits", json_array());
	json_object_set_new(person, "candidates", json_integer((json_int_t)cand));
	json_object_set_new(out, "person", person);
	/* the vehicle */
	if (plate || vin) {
		json_t *vh = json_array(), *more;

		veh = json_object();
		tims_err_clear(err);
		if (plate && tims_screen_norm_ident(TIMS_IDENT_PLATE, plate, norm, "--plate", err) == TIMS_OK) {
			json_object_set_new(veh, "plate", json_string(plate));
			more = ident_hits(wl, ix, TIMS_IDENT_PLATE, norm, NULL, err);
			json_array_extend(vh, more);
			json_decref(more);
		}
		if (vin && tims_screen_norm_ident(TIMS_IDENT_VIN, vin, norm, "--vin", err) == TIMS_OK) {
			json_object_set_new(veh, "vin", json_string(vin));
			more = ident_hits(wl, ix, TIMS_IDENT_VIN, norm, NULL, err);
			json_array_extend(vh, more);
			json_decref(more);
		}
		if (err && err->rc)
			json_object_set_new(veh, "error", json_string(err->msg));
		json_object_set_new(veh, "hits", vh);
		json_object_set_new(out, "vehicle", veh);
	}
	free(q);
	return out;
}
