/*
 * event.c — events from the posts to the centre (tims/event.h): names,
 * field rules, and the one JSON form they have in post.db and on the wire.
 *
 * The parser is the centre's gate for what a post sends: strict like the
 * record's import line (lib/record/json.c). Every key is known, every
 * string fits its field, enum names are known, arrays are bounded; a
 * mistake is refused with the field's path, never half-understood.
 */
#include <jansson.h>

#include "tims/event.h"
#include "tims/util.h"

static const char *const kind_names[] = {
	NULL, "hit", "discreet-hit", "admit-with-hit", "correction", "identity-change",
	"paper-import", "limit-exceeded", "impostor", "second-line", "audit-reset",
	"unusual-reading", "watchlist-mismatch", "watchlist-local", "bootstrap",
	"retention", "key-rotated", "revoked", "totp-reuse", "token-unavailable",
};
static const char *const part_names[] = { NULL, "document", "person", "vehicle" };

const char *tims_event_kind_name(unsigned kind)
{
	return kind && kind < TIMS_ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

unsigned tims_event_kind_parse(const char *s)
{
	for (unsigned i = 1; s && i < TIMS_ARRAY_SIZE(kind_names); i++)
		if (!strcmp(s, kind_names[i]))
			return i;
	return 0;
}

const char *tims_hit_part_name(unsigned part)
{
	return part && part < TIMS_ARRAY_SIZE(part_names) ? part_names[part] : "?";
}

unsigned tims_hit_part_parse(const char *s)
{
	for (unsigned i = 1; s && i < TIMS_ARRAY_SIZE(part_names); i++)
		if (!strcmp(s, part_names[i]))
			return i;
	return 0;
}

void tims_event_init(struct tims_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->crossing = TIMS_RECORD_NO_INDEX;
}

/* ---- field rules ---- */

/* A NUL-terminated field of `size` bytes: terminated inside it, UTF-8,
 * no control characters (lines: line breaks and tabs allowed). */
static tims_rc check_text(const char *s, size_t size, int lines, const char *what,
			  struct tims_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, size), i = 0;

	if (n == size)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: longer than %zu bytes", what,
				    size - 1);
	while (i < n) {
		size_t l;

		if ((p[i] < 0x20 && !(lines && (p[i] == '\n' || p[i] == '\t'))) || p[i] == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: control character at byte %zu",
					    what, i);
		if (!(l = tims_utf8_len(p + i, n - i)))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: invalid UTF-8 at byte %zu",
					    what, i);
		i += l;
	}
	return TIMS_OK;
}

#define TEXT(ev, f) { #f, offsetof(struct tims_event, f), sizeof(((struct tims_event *)0)->f) }

/* The event's plain text fields, in JSON order. */
static const struct { const char *name; size_t off, size; } texts[] = {
	TEXT(ev, officer), TEXT(ev, booth), TEXT(ev, check_id), TEXT(ev, document),
	TEXT(ev, issuer), TEXT(ev, nationality), TEXT(ev, detail),
};

static const struct { const char *name; size_t off, size; } hit_texts[] = {
	{ "list", offsetof(struct tims_record_hit, list), TIMS_RECORD_FIELD },
	{ "ref", offsetof(struct tims_record_hit, ref), TIMS_RECORD_FIELD },
	{ "alert", offsetof(struct tims_record_hit, alert), TIMS_RECORD_FIELD },
};

tims_rc tims_event_check(const struct tims_event *ev, struct tims_err *err)
{
	char what[64];
	tims_rc rc;

	if (!ev->kind || ev->kind > TIMS_EVENT_KIND_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "kind: unknown (%u)", ev->kind);
	if (ev->time_ms < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "time_ms: before 1970");
	if (ev->decision > TIMS_DECISION_SECOND_LINE)
		return tims_err_set(err, TIMS_ERR_INVALID, "decision: unknown (%u)", ev->decision);
	if (ev->crossing != TIMS_RECORD_NO_INDEX && ev->crossing > (uint64_t)INT64_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "crossing: out of range");
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(texts); i++)
		if ((rc = check_text((const char *)ev + texts[i].off, texts[i].size,
				     !strcmp(texts[i].name, "detail"), texts[i].name, err)))
			return rc;
	if ((rc = check_text(ev->plate, sizeof(ev->plate), 0, "vehicle.plate", err)) ||
	    (rc = check_text(ev->vehicle_country, sizeof(ev->vehicle_country), 0,
			     "vehicle.country", err)))
		return rc;
	if (ev->nhits > TIMS_EVENT_MAX_HITS)
		return tims_err_set(err, TIMS_ERR_INVALID, "hits: more than %d",
				    TIMS_EVENT_MAX_HITS);
	for (size_t i = 0; i < ev->nhits; i++) {
		const struct tims_record_hit *h = &ev->hits[i];

		if (!h->part || h->part > TIMS_HIT_VEHICLE)
			return tims_err_set(err, TIMS_ERR_INVALID, "hits[%zu].part: unknown (%u)", i,
					    h->part);
		if (h->discreet > 1)
			return tims_err_set(err, TIMS_ERR_INVALID, "hits[%zu].discreet: 0 or 1", i);
		if (h->score_pm > 1000)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "hits[%zu].score_pm: at most 1000", i);
		if (h->version > (uint64_t)INT64_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID, "hits[%zu].version: out of range",
					    i);
		for (size_t k = 0; k < TIMS_ARRAY_SIZE(hit_texts); k++) {
			snprintf(what, sizeof(what), "hits[%zu].%s", i, hit_texts[k].name);
			if ((rc = check_text((const char *)h + hit_texts[k].off, hit_texts[k].size,
					     0, what, err)))
				return rc;
		}
	}
	if (ev->ncompanions > TIMS_EVENT_MAX_COMPANIONS)
		return tims_err_set(err, TIMS_ERR_INVALID, "companions: more than %d",
				    TIMS_EVENT_MAX_COMPANIONS);
	for (size_t i = 0; i < ev->ncompanions; i++) {
		const struct tims_companion *c = &ev->companions[i];

		if (!c->relation || c->relation > TIMS_REL_GUARDIAN)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "companions[%zu].relation: unknown (%u)", i, c->relation);
		snprintf(what, sizeof(what), "companions[%zu].issuer", i);
		if ((rc = check_text(c->issuer, sizeof(c->issuer), 0, what, err)))
			return rc;
		snprintf(what, sizeof(what), "companions[%zu].doc_number", i);
		if ((rc = check_text(c->doc_number, sizeof(c->doc_number), 0, what, err)))
			return rc;
		if (!c->doc_number[0])
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: required", what);
	}
	return TIMS_OK;
}

/* ---- JSON ---- */

static int put_text(json_t *o, const char *key, const char *v)
{
	return !*v ? 0 : json_object_set_new(o, key, json_string(v));
}

json_t *tims_event_json(const struct tims_event *ev, uint64_t seq)
{
	json_t *o = json_object(), *a;
	int bad = !o;

	if (bad)
		return NULL;
	bad |= json_object_set_new(o, "kind", json_string(tims_event_kind_name(ev->kind)));
	bad |= json_object_set_new(o, "time_ms", json_integer((json_int_t)ev->time_ms));
	if (seq)
		bad |= json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(texts); i++)
		bad |= put_text(o, texts[i].name, (const char *)ev + texts[i].off);
	if (ev->crossing != TIMS_RECORD_NO_INDEX)
		bad |= json_object_set_new(o, "crossing", json_integer((json_int_t)ev->crossing));
	if (ev->decision)
		bad |= json_object_set_new(o, "decision",
					   json_string(tims_decision_name(ev->decision)));
	if (ev->nhits) {
		bad |= json_object_set_new(o, "hits", a = json_array());
		for (size_t i = 0; !bad && i < ev->nhits && i < TIMS_EVENT_MAX_HITS; i++) {
			const struct tims_record_hit *h = &ev->hits[i];
			json_t *x = json_pack("{s:s, s:b, s:I, s:i}", "part",
					      tims_hit_part_name(h->part), "discreet", h->discreet,
					      "version", (json_int_t)h->version, "score_pm",
					      (int)h->score_pm);

			bad |= !x || put_text(x, "list", h->list) || put_text(x, "ref", h->ref) ||
			       put_text(x, "alert", h->alert);
			bad |= json_array_append_new(a, x);
		}
	}
	if (ev->ncompanions) {
		bad |= json_object_set_new(o, "companions", a = json_array());
		for (size_t i = 0; !bad && i < ev->ncompanions &&
				   i < TIMS_EVENT_MAX_COMPANIONS; i++) {
			const struct tims_companion *c = &ev->companions[i];
			json_t *x = json_pack("{s:s, s:s}", "relation",
					      tims_relation_name(c->relation),
					      "doc_number", c->doc_number);

			bad |= !x || put_text(x, "issuer", c->issuer);
			bad |= json_array_append_new(a, x);
		}
	}
	if (ev->plate[0] || ev->vehicle_country[0]) {
		bad |= json_object_set_new(o, "vehicle", a = json_object());
		bad |= !a || put_text(a, "plate", ev->plate) ||
		       put_text(a, "country", ev->vehicle_country);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A string member into a field of `size` bytes. */
static tims_rc get_text(const json_t *v, char *dst, size_t size, const char *what,
			struct tims_err *err)
{
	size_t n;

	if (!json_is_string(v))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: must be a string", what);
	n = json_string_length(v);
	if (n >= size)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: longer than %zu bytes", what,
				    size - 1);
	if (strlen(json_string_value(v)) != n)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: contains a NUL character", what);
	memcpy(dst, json_string_value(v), n + 1);
	return TIMS_OK;
}

static tims_rc get_int(const json_t *v, int64_t min, int64_t max, int64_t *out,
		       const char *what, struct tims_err *err)
{
	if (!json_is_integer(v))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: must be an integer", what);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: out of range", what);
	*out = (int64_t)json_integer_value(v);
	return TIMS_OK;
}

#define SEQ_MAX ((int64_t)1 << 53)

static tims_rc get_hit(const json_t *o, size_t i, struct tims_record_hit *h,
		       struct tims_err *err)
{
	const char *key;
	json_t *v;
	char what[64];
	int64_t x;
	tims_rc rc;

	if (!json_is_object(o))
		return tims_err_set(err, TIMS_ERR_INVALID, "hits[%zu]: must be an object", i);
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		size_t k;

		snprintf(what, sizeof(what), "hits[%zu].%.20s", i, key);
		for (k = 0; k < TIMS_ARRAY_SIZE(hit_texts); k++)
			if (!strcmp(key, hit_texts[k].name))
				break;
		if (k < TIMS_ARRAY_SIZE(hit_texts)) {
			rc = get_text(v, (char *)h + hit_texts[k].off, hit_texts[k].size, what, err);
		} else if (!strcmp(key, "part")) {
			if (!json_is_string(v) || !(h->part = (uint8_t)tims_hit_part_parse(
							     json_string_value(v))))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: want document, person or vehicle", what);
			rc = TIMS_OK;
		} else if (!strcmp(key, "discreet")) {
			if (!json_is_boolean(v))
				return tims_err_set(err, TIMS_ERR_INVALID, "%s: must be true or false",
						    what);
			h->discreet = json_is_true(v);
			rc = TIMS_OK;
		} else if (!strcmp(key, "version")) {
			if (!(rc = get_int(v, 0, INT64_MAX, &x, what, err)))
				h->version = (uint64_t)x;
		} else if (!strcmp(key, "score_pm")) {
			if (!(rc = get_int(v, 0, 1000, &x, what, err)))
				h->score_pm = (uint16_t)x;
		} else {
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: unknown field", what);
		}
		if (rc)
			return rc;
	}
	if (!h->part)
		return tims_err_set(err, TIMS_ERR_INVALID, "hits[%zu].part: required", i);
	return TIMS_OK;
}

static tims_rc get_companion(const json_t *o, size_t i, struct tims_companion *c,
			     struct tims_err *err)
{
	const char *key;
	json_t *v;
	char what[64];
	tims_rc rc;

	if (!json_is_object(o))
		return tims_err_set(err, TIMS_ERR_INVALID, "companions[%zu]: must be an object", i);
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		snprintf(what, sizeof(what), "companions[%zu].%.20s", i, key);
		if (!strcmp(key, "relation")) {
			if (!json_is_string(v) ||
			    !(c->relation = (uint8_t)tims_relation_parse(json_string_value(v))))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: want companion, minor or guardian", what);
			rc = TIMS_OK;
		} else if (!strcmp(key, "issuer")) {
			rc = get_text(v, c->issuer, sizeof(c->issuer), what, err);
		} else if (!strcmp(key, "doc_number")) {
			rc = get_text(v, c->doc_number, sizeof(c->doc_number), what, err);
		} else {
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: unknown field", what);
		}
		if (rc)
			return rc;
	}
	if (!c->relation)
		return tims_err_set(err, TIMS_ERR_INVALID, "companions[%zu].relation: required", i);
	return TIMS_OK;
}

static tims_rc get_vehicle(const json_t *o, struct tims_event *ev, struct tims_err *err)
{
	const char *key;
	json_t *v;
	tims_rc rc;

	if (!json_is_object(o))
		return tims_err_set(err, TIMS_ERR_INVALID, "vehicle: must be an object");
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		if (!strcmp(key, "plate"))
			rc = get_text(v, ev->plate, sizeof(ev->plate), "vehicle.plate", err);
		else if (!strcmp(key, "country"))
			rc = get_text(v, ev->vehicle_country, sizeof(ev->vehicle_country),
				      "vehicle.country", err);
		else
			return tims_err_set(err, TIMS_ERR_INVALID, "vehicle.%.20s: unknown field",
					    key);
		if (rc)
			return rc;
	}
	return TIMS_OK;
}

tims_rc tims_event_from_json(const json_t *o, struct tims_event *out, uint64_t *seq,
			     struct tims_err *err)
{
	const char *key;
	json_t *v;
	int64_t x;
	int has_kind = 0, has_time = 0, has_seq = 0;
	tims_rc rc = TIMS_OK;

	tims_event_init(out);
	if (seq)
		*seq = 0;
	if (!json_is_object(o))
		return tims_err_set(err, TIMS_ERR_INVALID, "event: must be an object");
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		size_t k;

		for (k = 0; k < TIMS_ARRAY_SIZE(texts); k++)
			if (!strcmp(key, texts[k].name))
				break;
		if (k < TIMS_ARRAY_SIZE(texts)) {
			rc = get_text(v, (char *)out + texts[k].off, texts[k].size, texts[k].name,
				      err);
		} else if (!strcmp(key, "kind")) {
			if (!json_is_string(v) ||
			    !(out->kind = (uint8_t)tims_event_kind_parse(json_string_value(v))))
				return tims_err_set(err, TIMS_ERR_INVALID, "kind: unknown");
			has_kind = 1;
		} else if (!strcmp(key, "time_ms")) {
			rc = get_int(v, 0, INT64_MAX, &out->time_ms, "time_ms", err);
			has_time = 1;
		} else if (!strcmp(key, "seq") && seq) {
			if (!(rc = get_int(v, 1, SEQ_MAX, &x, "seq", err)))
				*seq = (uint64_t)x;
			has_seq = 1;
		} else if (!strcmp(key, "crossing")) {
			if (!(rc = get_int(v, 0, INT64_MAX, &x, "crossing", err)))
				out->crossing = (uint64_t)x;
		} else if (!strcmp(key, "decision")) {
			if (!json_is_string(v) ||
			    !(out->decision = (uint8_t)tims_decision_parse(json_string_value(v))))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "decision: want admit, refuse or second-line");
		} else if (!strcmp(key, "hits")) {
			if (!json_is_array(v) || json_array_size(v) > TIMS_EVENT_MAX_HITS)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "hits: want an array of at most %d",
						    TIMS_EVENT_MAX_HITS);
			out->nhits = json_array_size(v);
			for (size_t i = 0; !rc && i < out->nhits; i++)
				rc = get_hit(json_array_get(v, i), i, &out->hits[i], err);
		} else if (!strcmp(key, "companions")) {
			if (!json_is_array(v) || json_array_size(v) > TIMS_EVENT_MAX_COMPANIONS)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "companions: want an array of at most %d",
						    TIMS_EVENT_MAX_COMPANIONS);
			out->ncompanions = json_array_size(v);
			for (size_t i = 0; !rc && i < out->ncompanions; i++)
				rc = get_companion(json_array_get(v, i), i, &out->companions[i], err);
		} else if (!strcmp(key, "vehicle")) {
			rc = get_vehicle(v, out, err);
		} else {
			return tims_err_set(err, TIMS_ERR_INVALID, "%.40s: unknown field", key);
		}
		if (rc)
			return rc;
	}
	if (!has_kind)
		return tims_err_set(err, TIMS_ERR_INVALID, "kind: required");
	if (!has_time)
		return tims_err_set(err, TIMS_ERR_INVALID, "time_ms: required");
	if (seq && !has_seq)
		return tims_err_set(err, TIMS_ERR_INVALID, "seq: required");
	return tims_event_check(out, err);
}
