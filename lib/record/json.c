/*
 * json.c — crossing records as JSON: the strict import-line parser of
 * `tims cross import` and the writer used by `tims history --json`.
 *
 * Version 2's fields are read and written too (screen_status, hits, check_id,
 * confirmed_hit, entry_mode, approver, accompanies, visa): what reads a line
 * from outside (the CLI's file import) decides which of them it accepts.
 *
 * Strict because a re-entered paper register must never be half-understood:
 * an unknown key, a number where a string belongs, a string past its field's
 * ceiling or a duplicated key is refused, naming the field's path. String
 * fields come from the shared field table (fields.h); the few keys that are
 * not plain strings (enums, times, the companion list) are in json_keys[].
 */
#include <jansson.h>

#include "tims/record.h"
#include "tims/util.h"
#include "fields.h"

enum jkind { J_DIRECTION, J_DECISION, J_ROLE, J_CROSSED, J_CORRECTS,
	     J_PERSON, J_VEHICLE, J_COMPANIONS, J_TIME, J_SCREEN, J_HITS,
	     J_MODE, J_ACCOMPANIES, J_VISA, J_CHIP };

static const struct { const char *name; enum jkind kind; } json_keys[] = {
	{ "direction", J_DIRECTION },
	{ "decision", J_DECISION },
	{ "role", J_ROLE },
	{ "crossed_at", J_CROSSED },
	{ "corrects", J_CORRECTS },
	{ "person", J_PERSON },
	{ "vehicle", J_VEHICLE },
	{ "companions", J_COMPANIONS },
	{ "time", J_TIME },
	{ "screen_status", J_SCREEN },
	{ "hits", J_HITS },
	{ "entry_mode", J_MODE },
	{ "accompanies", J_ACCOMPANIES },
	{ "visa", J_VISA },
	{ "chip", J_CHIP },
};

static const struct tims_record_field *string_field(const char *path)
{
	for (size_t i = 0; i < tims_record_nfields; i++)
		if (tims_record_fields[i].type == F_STR &&
		    !strcmp(tims_record_fields[i].name, path))
			return &tims_record_fields[i];
	return NULL;
}

static tims_rc copy_string(json_t *v, char *dst, size_t size,
			   const char *path, struct tims_err *err)
{
	size_t n;

	if (!json_is_string(v))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: must be a string", path);
	n = json_string_length(v);
	if (n >= size)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: longer than %zu bytes", path, size - 1);
	memcpy(dst, json_string_value(v), n + 1);
	return TIMS_OK;
}

static tims_rc parse_enum(json_t *v, const char *path,
			  unsigned (*parse)(const char *), const char *choices,
			  unsigned *out, struct tims_err *err)
{
	const char *s;

	if (!json_is_string(v))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: must be a string (%s)", path, choices);
	s = json_string_value(v);
	if ((*out = parse(s)))
		return TIMS_OK;
	/* Only the role may be absent: "none" or "". */
	if (parse == tims_vehicle_role_parse && (!*s || !strcmp(s, "none")))
		return TIMS_OK;
	return tims_err_set(err, TIMS_ERR_INVALID, "%s: must be %s", path,
			    choices);
}

/* An object whose keys are all plain string fields under prefix. */
static tims_rc parse_strings(json_t *obj, const char *prefix,
			     struct tims_record *r, struct tims_err *err)
{
	const char *key;
	json_t *v;
	char path[96];

	if (!json_is_object(obj))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: must be an object", prefix);
	json_object_foreach(obj, key, v) {
		const struct tims_record_field *f;
		tims_rc rc;

		snprintf(path, sizeof(path), "%s.%s", prefix, key);
		if (!(f = string_field(path)))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%.80s: unknown field", path);
		if ((rc = copy_string(v, (char *)r + f->off, f->size, path,
				      err)) ||
		    (rc = tims_record_check_field(f, (char *)r + f->off, err)))
			return rc;
	}
	return TIMS_OK;
}

static tims_rc parse_companion(json_t *obj, size_t i,
			       struct tims_companion *c, struct tims_err *err)
{
	const char *key;
	json_t *v;
	char path[64];
	unsigned rel;
	tims_rc rc;

	if (!json_is_object(obj))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions[%zu]: must be an object", i);
	json_object_foreach(obj, key, v) {
		snprintf(path, sizeof(path), "companions[%zu].%.20s", i, key);
		if (!strcmp(key, "relation")) {
			if ((rc = parse_enum(v, path, tims_relation_parse,
					     "companion, minor or guardian",
					     &rel, err)))
				return rc;
			c->relation = (uint8_t)rel;
		} else if (!strcmp(key, "issuer")) {
			if ((rc = copy_string(v, c->issuer, sizeof(c->issuer),
					      path, err)))
				return rc;
		} else if (!strcmp(key, "number")) {
			if ((rc = copy_string(v, c->doc_number,
					      sizeof(c->doc_number), path, err)))
				return rc;
		} else {
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: unknown field", path);
		}
	}
	if (!c->relation)
		c->relation = TIMS_REL_COMPANION;
	return TIMS_OK;
}

static tims_rc parse_companions(json_t *v, struct tims_record *r,
				struct tims_err *err)
{
	size_t i;
	json_t *e;
	tims_rc rc;

	if (!json_is_array(v))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions: must be an array");
	if (json_array_size(v) > TIMS_RECORD_MAX_COMPANIONS)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions: more than %d",
				    TIMS_RECORD_MAX_COMPANIONS);
	json_array_foreach(v, i, e) {
		if ((rc = parse_companion(e, i, &r->companions[i], err)))
			return rc;
	}
	r->ncompanions = json_array_size(v);
	return TIMS_OK;
}

/* An enum whose value 0 has a name too (parse returns -1 for none). */
static tims_rc parse_enum0(json_t *v, const char *path,
			   int (*parse)(const char *), const char *choices,
			   uint8_t *out, struct tims_err *err)
{
	int e;

	if (!json_is_string(v) || (e = parse(json_string_value(v))) < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: must be %s",
				    path, choices);
	*out = (uint8_t)e;
	return TIMS_OK;
}

/* "chip": {"outcome": ..., "reasons", "issuing_state", "signer"} */
static tims_rc parse_chip(json_t *obj, struct tims_record *r, struct tims_err *err)
{
	json_t *o = json_object_get(obj, "outcome"), *rest;
	tims_rc rc;

	if (!json_is_object(obj))
		return tims_err_set(err, TIMS_ERR_INVALID, "chip: must be an object");
	if (!o)
		return tims_err_set(err, TIMS_ERR_INVALID, "chip.outcome: missing");
	if ((rc = parse_enum0(o, "chip.outcome", tims_record_chip_parse,
			      "not_read, authenticated or failed", &r->chip_outcome, err)))
		return rc;
	if (!(rest = json_deep_copy(obj)))
		return TIMS_ERR_NOMEM;
	json_object_del(rest, "outcome");
	rc = parse_strings(rest, "chip", r, err);
	json_decref(rest);
	return rc;
}

static tims_rc parse_uint(json_t *v, const char *path, uint64_t max,
			  uint64_t *out, struct tims_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: must be an integer from 0 to %" PRIu64,
				    path, max);
	*out = (uint64_t)json_integer_value(v);
	return TIMS_OK;
}

static tims_rc parse_hit(json_t *obj, size_t i, struct tims_record_hit *h,
			 struct tims_err *err)
{
	const char *key;
	json_t *v;
	char path[64];
	uint64_t n;
	tims_rc rc = TIMS_OK;

	if (!json_is_object(obj))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "hits[%zu]: must be an object", i);
	json_object_foreach(obj, key, v) {
		snprintf(path, sizeof(path), "hits[%zu].%.20s", i, key);
		if (!strcmp(key, "part"))
			rc = parse_enum0(v, path, tims_record_hit_part_parse,
					 "document, person or vehicle",
					 &h->part, err);
		else if (!strcmp(key, "discreet")) {
			if (!json_is_boolean(v))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: must be true or false",
						    path);
			h->discreet = json_is_true(v);
		} else if (!strcmp(key, "list"))
			rc = copy_string(v, h->list, sizeof(h->list), path, err);
		else if (!strcmp(key, "ref"))
			rc = copy_string(v, h->ref, sizeof(h->ref), path, err);
		else if (!strcmp(key, "alert"))
			rc = copy_string(v, h->alert, sizeof(h->alert), path,
					 err);
		else if (!strcmp(key, "version")) {
			if (!(rc = parse_uint(v, path, INT64_MAX, &n, err)))
				h->version = n;
		} else if (!strcmp(key, "score_pm")) {
			if (!(rc = parse_uint(v, path, 1000, &n, err)))
				h->score_pm = (uint16_t)n;
		} else
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: unknown field", path);
		if (rc)
			return rc;
	}
	return TIMS_OK;
}

static tims_rc parse_hits(json_t *v, struct tims_record *r,
			  struct tims_err *err)
{
	size_t i;
	json_t *e;
	tims_rc rc;

	if (!json_is_array(v))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "hits: must be an array");
	if (json_array_size(v) > TIMS_RECORD_MAX_HITS)
		return tims_err_set(err, TIMS_ERR_INVALID, "hits: more than %d",
				    TIMS_RECORD_MAX_HITS);
	json_array_foreach(v, i, e) {
		if ((rc = parse_hit(e, i, &r->hits[i], err)))
			return rc;
	}
	r->nhits = json_array_size(v);
	return TIMS_OK;
}

static tims_rc parse_visa(json_t *obj, struct tims_record *r,
			  struct tims_err *err)
{
	const char *key;
	json_t *v;
	char path[64];
	uint64_t n;
	tims_rc rc = TIMS_OK;

	if (!json_is_object(obj))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa: must be an object");
	json_object_foreach(obj, key, v) {
		const struct tims_record_field *f;

		snprintf(path, sizeof(path), "visa.%.30s", key);
		if (!strcmp(key, "kind"))
			rc = parse_enum0(v, path, tims_visa_kind_parse,
					 "short, long or residence",
					 &r->visa.kind, err);
		else if (!strcmp(key, "entries")) {
			if (!(rc = parse_uint(v, path, 2, &n, err)))
				r->visa.entries = (uint8_t)n;
		} else if (!strcmp(key, "duration_days")) {
			if (!(rc = parse_uint(v, path, 366, &n, err)))
				r->visa.duration_days = (uint16_t)n;
		} else if ((f = string_field(path))) {
			if (!(rc = copy_string(v, (char *)r + f->off, f->size,
					       path, err)))
				rc = tims_record_check_field(f, (char *)r + f->off,
							     err);
		} else
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: unknown field", path);
		if (rc)
			return rc;
	}
	return TIMS_OK;
}

static tims_rc parse_key(const char *key, json_t *v, struct tims_record *r,
			 struct tims_err *err)
{
	const struct tims_record_field *f;
	unsigned e;
	tims_rc rc;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(json_keys); i++) {
		if (strcmp(json_keys[i].name, key))
			continue;
		switch (json_keys[i].kind) {
		case J_DIRECTION:
			rc = parse_enum(v, key, tims_direction_parse,
					"entry or exit", &e, err);
			r->direction = (uint8_t)e;
			return rc;
		case J_DECISION:
			rc = parse_enum(v, key, tims_decision_parse,
					"admit, refuse or second-line", &e, err);
			r->decision = (uint8_t)e;
			return rc;
		case J_ROLE:
			rc = parse_enum(v, key, tims_vehicle_role_parse,
					"driver, passenger or none", &e, err);
			r->role = (uint8_t)e;
			return rc;
		case J_CROSSED:
			if (!json_is_string(v))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "crossed_at: must be a string");
			return tims_time_parse(json_string_value(v),
					       &r->crossed_ms, key, err);
		case J_CORRECTS:
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "corrects: must be a log index (an integer >= 0)");
			r->corrects = (uint64_t)json_integer_value(v);
			return TIMS_OK;
		case J_PERSON:
			return parse_strings(v, "person", r, err);
		case J_VEHICLE:
			return parse_strings(v, "vehicle", r, err);
		case J_COMPANIONS:
			return parse_companions(v, r, err);
		case J_TIME:
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "time: set by the post, not by the input (use crossed_at)");
		case J_SCREEN:
			return parse_enum0(v, key, tims_screen_status_parse,
					   "not-screened, done, failed or unavailable",
					   &r->screen_status, err);
		case J_HITS:
			return parse_hits(v, r, err);
		case J_MODE:
			return parse_enum0(v, key, tims_entry_mode_parse,
					   "read, manual or paper",
					   &r->entry_mode, err);
		case J_ACCOMPANIES:
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "accompanies: must be a log index (an integer >= 0)");
			r->accompanies = (uint64_t)json_integer_value(v);
			return TIMS_OK;
		case J_VISA:
			return parse_visa(v, r, err);
		case J_CHIP:
			return parse_chip(v, r, err);
		}
	}
	if ((f = string_field(key))) {
		rc = copy_string(v, (char *)r + f->off, f->size, key, err);
		return rc ? rc : tims_record_check_field(f, (char *)r + f->off,
							 err);
	}
	return tims_err_set(err, TIMS_ERR_INVALID, "%.80s: unknown field", key);
}

tims_rc tims_record_from_json(const char *line, size_t len,
			      struct tims_record *r, struct tims_err *err)
{
	json_error_t jerr;
	json_t *root;
	const char *key;
	json_t *v;
	tims_rc rc = TIMS_OK;

	tims_record_init(r);
	if (len > TIMS_RECORD_MAX_LINE)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "longer than %d bytes",
				    TIMS_RECORD_MAX_LINE);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "not JSON: %s at column %d", jerr.text,
				    jerr.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "must be a JSON object");
	}
	json_object_foreach(root, key, v) {
		if ((rc = parse_key(key, v, r, err)))
			break;
	}
	json_decref(root);
	if (!rc && !r->decision)
		r->decision = TIMS_DECISION_ADMIT; /* the common case */
	return rc ? rc : tims_record_check(r, err);
}

/* ---- writer ---- */

static int set_str(json_t *obj, const char *key, const char *s)
{
	if (!*s)
		return 0;
	return json_object_set_new(obj, key, json_string(s));
}

static int add_time(json_t *obj, const char *key, int64_t ms)
{
	struct tims_buf b = TIMS_BUF_INIT(64);
	int rc;

	if (tims_time_format(ms, &b))
		return -1;
	rc = json_object_set_new(obj, key, json_string(tims_buf_str(&b)));
	tims_buf_release(&b);
	return rc;
}

/* Plain string fields under prefix ("" for the top level). */
static int add_strings(json_t *obj, const struct tims_record *r,
		       const char *prefix)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < tims_record_nfields; i++) {
		const struct tims_record_field *f = &tims_record_fields[i];
		const char *name = f->name, *dot = strchr(name, '.');

		if (f->type != F_STR)
			continue;
		if (plen ? (strncmp(name, prefix, plen) || name[plen] != '.')
			 : dot != NULL)
			continue;
		if (set_str(obj, plen ? name + plen + 1 : name,
			    (const char *)r + f->off))
			return -1;
	}
	return 0;
}

static json_t *hit_json(const struct tims_record_hit *h)
{
	json_t *e = json_object();

	if (!e || json_object_set_new(e, "part",
				      json_string(tims_record_hit_part_name(h->part))) ||
	    json_object_set_new(e, "discreet", json_boolean(h->discreet)) ||
	    json_object_set_new(e, "list", json_string(h->list)) ||
	    json_object_set_new(e, "ref", json_string(h->ref)) ||
	    set_str(e, "alert", h->alert) ||
	    json_object_set_new(e, "version", json_integer((json_int_t)h->version)) ||
	    json_object_set_new(e, "score_pm", json_integer(h->score_pm))) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* The version 2 fields that are not plain top-level strings. */
static int add_v2(json_t *o, const struct tims_record *r)
{
	json_t *hits, *visa;
	int bad;

	if (r->screen_status &&
	    json_object_set_new(o, "screen_status",
				json_string(tims_screen_status_name(r->screen_status))))
		return -1;
	if (r->entry_mode &&
	    json_object_set_new(o, "entry_mode",
				json_string(tims_entry_mode_name(r->entry_mode))))
		return -1;
	if (r->accompanies != TIMS_RECORD_NO_INDEX &&
	    json_object_set_new(o, "accompanies",
				json_integer((json_int_t)r->accompanies)))
		return -1;
	if (r->nhits) {
		if (!(hits = json_array()) ||
		    json_object_set_new(o, "hits", hits))
			return -1;
		for (size_t i = 0; i < r->nhits; i++)
			if (json_array_append_new(hits, hit_json(&r->hits[i])))
				return -1;
	}
	if (r->chip_outcome || r->chip_reasons[0] || r->chip_state[0] || r->chip_signer[0]) {
		json_t *chip = json_object();

		if (!chip || json_object_set_new(o, "chip", chip) ||
		    add_strings(chip, r, "chip") ||
		    json_object_set_new(chip, "outcome",
					json_string(tims_record_chip_name(r->chip_outcome))))
			return -1;
	}
	if (r->visa.kind) {
		if (!(visa = json_object()) || json_object_set_new(o, "visa", visa))
			return -1;
		bad = add_strings(visa, r, "visa") ||
		      json_object_set_new(visa, "kind",
					  json_string(tims_visa_kind_name(r->visa.kind))) ||
		      json_object_set_new(visa, "entries",
					  json_integer(r->visa.entries));
		if (!bad && r->visa.duration_days)
			bad = json_object_set_new(visa, "duration_days",
						  json_integer(r->visa.duration_days));
		if (bad)
			return -1;
	}
	return 0;
}

static json_t *record_json(const struct tims_record *r)
{
	json_t *o = json_object(), *person = json_object(),
	       *vehicle = json_object(), *comp = json_array();
	int bad = !o || !person || !vehicle || !comp;

	bad = bad || add_strings(o, r, "") || add_strings(person, r, "person") ||
	      add_strings(vehicle, r, "vehicle");
	bad = bad || json_object_set_new(o, "direction",
					 json_string(tims_direction_name(r->direction)));
	bad = bad || json_object_set_new(o, "decision",
					 json_string(tims_decision_name(r->decision)));
	if (!bad && r->role)
		bad = json_object_set_new(o, "role",
					  json_string(tims_vehicle_role_name(r->role)));
	if (!bad && r->time_ms)
		bad = add_time(o, "time", r->time_ms);
	if (!bad && r->crossed_ms)
		bad = add_time(o, "crossed_at", r->crossed_ms);
	if (!bad && r->corrects != TIMS_RECORD_NO_INDEX)
		bad = json_object_set_new(o, "corrects",
					  json_integer((json_int_t)r->corrects));
	for (size_t i = 0; !bad && i < r->ncompanions; i++) {
		const struct tims_companion *c = &r->companions[i];
		json_t *e = json_object();

		bad = !e || json_array_append_new(comp, e) ||
		      json_object_set_new(e, "relation",
					  json_string(tims_relation_name(c->relation))) ||
		      set_str(e, "issuer", c->issuer) ||
		      set_str(e, "number", c->doc_number);
	}
	if (!bad)
		bad = add_v2(o, r);
	if (!bad)
		bad = json_object_set(o, "person", person);
	if (!bad && json_object_size(vehicle))
		bad = json_object_set(o, "vehicle", vehicle);
	if (!bad && json_array_size(comp))
		bad = json_object_set(o, "companions", comp);
	json_decref(person);
	json_decref(vehicle);
	json_decref(comp);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

tims_rc tims_record_to_json(const struct tims_record *r, struct tims_buf *out)
{
	json_t *o = record_json(r);
	char *s;
	tims_rc rc;

	if (!o)
		return TIMS_ERR_NOMEM;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return TIMS_ERR_NOMEM;
	rc = tims_buf_addstr(out, s);
	free(s);
	return rc;
}
