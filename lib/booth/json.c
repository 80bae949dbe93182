/*
 * json.c — the booth service at its edge: a check's typed result rendered
 * as the JSON the node answers and `tims screen traveller` prints
 * (docs/api.md). Nothing is decided here: what to render (a check reduced
 * for the booth, or whole for an auditor's trail) is the caller's choice.
 */
#include <jansson.h>
#include <math.h>

#include "tims/booth.h"
#include "tims/mrz.h"
#include "tims/travel.h"
#include "tims/util.h"

static int set_str(json_t *o, const char *key, const char *v)
{
	if (!v || !*v)
		return 0;
	return json_object_set_new(o, key, json_string(v));
}

json_t *tims_booth_hit_json(const struct tims_wl_hit *h)
{
	json_t *o = json_object(), *r = json_array();
	int bad = !o || !r;

	for (unsigned i = 0; !bad && i < h->nreasons; i++)
		bad = json_array_append_new(r, json_string(h->reasons[i]));
	bad = bad || json_object_set_new(o, "part", json_string(tims_wl_part_name(h->part))) ||
	      json_object_set_new(o, "list", json_string(h->list)) ||
	      json_object_set_new(o, "kind", json_string(tims_wl_kind_name(h->kind))) ||
	      json_object_set_new(o, "ref", json_string(h->ref)) ||
	      json_object_set_new(o, "version", json_integer((json_int_t)h->version)) ||
	      json_object_set_new(o, h->kind == TIMS_WL_PERSONS ? "alert" : "status",
				  json_string(h->alert)) ||
	      json_object_set_new(o, "score", json_real(round(h->score * 1000) / 1000)) ||
	      json_object_set(o, "reasons", r) ||
	      json_object_set_new(o, "reason_codes",
				  tims_screen_reason_codes_json((const char (*)[TIMS_SCREEN_CODE_BYTES])
								h->codes, h->nreasons)) ||
	      json_object_set_new(o, "discreet", json_boolean(h->discreet)) ||
	      set_str(o, "name", h->name) || set_str(o, "dob", h->dob) ||
	      set_str(o, "nationality", h->nationality) ||
	      set_str(o, "authority", h->authority) ||
	      set_str(o, "instruction", h->instruction) ||
	      set_str(o, "number", h->number) || set_str(o, "type", h->doc_type) ||
	      set_str(o, "issuing_state", h->issuing_state) ||
	      set_str(o, "plate", h->plate) || set_str(o, "vin", h->vin) ||
	      set_str(o, "country", h->country);
	json_decref(r);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The hits of one part, as an array; NULL when out of memory. */
static json_t *part_hits(const struct tims_booth_check *c, unsigned part)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < c->screening.nhits; i++) {
		if (c->screening.hits[i].part != part)
			continue;
		if (json_array_append_new(a, tims_booth_hit_json(&c->screening.hits[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The typed fields of a document entered by hand, shaped like the MRZ's. */
static json_t *manual_json(const struct tims_person *p)
{
	return json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s,"
			 " s:{s:s, s:s}, s:[], s:[]}",
			 "format", "manual", "valid", 0,
			 "document_code", p->doc_code, "issuing_state", p->issuer,
			 "document_number", p->doc_number, "surname", p->surname,
			 "given_names", p->given_names, "nationality", p->nationality,
			 "birth_date", "mrz", "", "iso", p->birth_date, "sex", p->sex,
			 "expiry_date", "mrz", "", "iso", p->expiry,
			 "errors", "warnings");
}

static json_t *stay_json(const struct tims_booth_check *c)
{
	const struct tims_stay_result *s = &c->stay;

	if (!c->has_stay)
		return json_null();
	/* the national part: how current it is ("national data as of ..."
	 * when the centre has not been reached lately) and the traveller's
	 * last crossings, at any post */
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:b, s:o*, s:o*}",
		"regime", tims_stay_kind_name(s->kind), "max_days", s->max_days,
		"window_days", s->window_days, "used", s->used, "left", s->left,
		"overstay", s->overstay, "in_country", s->in_country,
		"inconsistent", s->inconsistent,
		"national", tims_travel_national_json(&c->national),
		"last_crossings", tims_travel_last_json(c->last, c->nlast));
}

static json_t *visa_json(const struct tims_visa *v)
{
	json_t *o;

	if (!v->kind)
		return json_null();
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "kind", tims_visa_kind_name(v->kind),
		      "number", v->number, "issuer", v->issuer, "valid_from", v->valid_from,
		      "valid_until", v->valid_until, "entries", v->entries);
	if (o && v->duration_days)
		json_object_set_new(o, "duration_days", json_integer(v->duration_days));
	return o;
}

/* The chip's outcome: outcome, reasons (codes; a failed chip only), issuing_state, signer;
 * "altered" when it failed (shown like a hit: document possibly altered,
 * refer to second line). */
json_t *tims_booth_chip_json(const struct tims_booth_chip *c)
{
	json_t *r = c->nreasons ? json_array() : NULL, *o;

	/* "reasons" only when there are some (a failed chip) */
	for (unsigned i = 0; r && i < c->nreasons; i++)
		json_array_append_new(r, json_string(c->reasons[i]));
	o = json_pack("{s:s, s:o*, s:s, s:s, s:b}", "outcome", tims_record_chip_name(c->outcome),
		      "reasons", r, "issuing_state", c->issuing_state, "signer", c->signer,
		      "altered", c->outcome == TIMS_CHIP_FAILED);
	if (o && c->detail[0])
		json_object_set_new(o, "detail", json_string(c->detail));
	if (o)
		json_object_set_new(o, "active_authentication",
				    json_string(c->active_auth ? c->active_auth : "not_checked"));
	return o;
}

json_t *tims_booth_check_json(const struct tims_booth_check *c, const struct tims_mrz *mrz)
{
	json_t *doc = mrz ? tims_mrz_json(mrz) : manual_json(&c->person);
	json_t *screen = json_object(), *all = json_array(), *st, *out = NULL, *p;
	bool done = c->screen_status == TIMS_SCREEN_DONE;
	int bad = !doc || !screen || !all;

	bad = bad || json_object_set_new(doc, "valid", json_boolean(c->valid)) ||
	      json_object_set_new(doc, "valid_means",
				  json_string(c->manual ? "typed by hand: no check digits"
							: "MRZ check digits"));
	for (size_t i = 0; !bad && i < c->screening.nhits; i++)
		bad = json_array_append_new(all, tims_booth_hit_json(&c->screening.hits[i]));
	bad = bad || json_object_set_new(screen, "status",
					 json_string(tims_screen_status_name(c->screen_status))) ||
	      json_object_set_new(screen, "available",
				  json_boolean(c->screen_status != TIMS_SCREEN_UNAVAILABLE));
	/* hits only from a completed screening: an empty list must never be
	 * readable as "no hits" when the lookup failed */
	if (!bad && done)
		bad = json_object_set(screen, "hits", all);
	if (!bad && c->screen_error[0])
		bad = json_object_set_new(screen, "error", json_string(c->screen_error)) ||
		      /* the reason as a code, for the consoles' own words */
		      json_object_set_new(screen, "code", json_string(
				c->screen_status == TIMS_SCREEN_UNAVAILABLE ? "no_watchlists"
									    : "lookup_failed"));
	if (!bad && done) {
		p = json_pack("{s:s, s:s, s:o*}", "number", c->person.doc_number,
			      "issuing_state", c->person.issuer,
			      "hits", part_hits(c, TIMS_WL_PART_DOCUMENT));
		bad = !p || json_object_set_new(screen, "document", p);
		p = bad ? NULL : json_pack("{s:s++, s:s, s:s, s:o*, s:I}", "name",
					   c->person.surname, ", ", c->person.given_names,
					   "dob", c->person.birth_date,
					   "nationality", c->person.nationality,
					   "hits", part_hits(c, TIMS_WL_PART_PERSON),
					   "candidates", (json_int_t)c->screening.candidates);
		bad = bad || !p || json_object_set_new(screen, "person", p);
		if (!bad && (c->vehicle.plate[0] || c->vehicle.vin[0])) {
			p = json_pack("{s:s, s:s, s:o*}", "plate", c->vehicle.plate,
				      "vin", c->vehicle.vin,
				      "hits", part_hits(c, TIMS_WL_PART_VEHICLE));
			bad = !p || json_object_set_new(screen, "vehicle", p);
		}
	}
	st = c->doc_status_source[0]
		? json_pack("{s:s, s:s}", "status", tims_booth_doc_status_name(c->doc_status),
			    "source", c->doc_status_source)
		: json_pack("{s:s, s:s}", "status", tims_booth_doc_status_name(c->doc_status),
			    "source", c->doc_status == TIMS_DOC_UNKNOWN
				      ? "not screened" : "document lists");
	if (!bad && st)
		out = json_pack("{s:s, s:b, s:O, s:o, s:O, s:o, s:I, s:o, s:o}",
				"check_id", c->id, "manual", c->manual, "document", doc,
				"document_status", st, "screening", screen,
				"stay", stay_json(c), "history_records",
				(json_int_t)c->history_records, "visa", visa_json(&c->visa),
				"chip", tims_booth_chip_json(&c->chip));
	else
		json_decref(st);
	json_decref(doc);
	json_decref(screen);
	json_decref(all);
	return out;
}
