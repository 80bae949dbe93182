/*
 * route.c — the parts of the HTTP layer that need no network: roles, path
 * matching, body schemas, JSON replies (see include/tims/http.h).
 */
#include "tims/http.h"

static const struct { unsigned bit; const char *name; } roles[] = {
	{ TIMS_ROLE_OFFICER, "officer" },   { TIMS_ROLE_SUPERVISOR, "supervisor" },
	{ TIMS_ROLE_ANALYST, "analyst" },   { TIMS_ROLE_AUDITOR, "auditor" },
	{ TIMS_ROLE_ADMIN, "admin" },       { TIMS_ROLE_PEER, "peer" },
};

const char *tims_role_name(unsigned role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].bit == role)
			return roles[i].name;
	return "none";
}

unsigned tims_role_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(roles[i].name, name))
			return roles[i].bit;
	return 0;
}

static const char *type_name(enum tims_json_type t)
{
	switch (t) {
	case TIMS_JSON_STRING: return "a string";
	case TIMS_JSON_INTEGER: return "an integer";
	case TIMS_JSON_BOOLEAN: return "true or false";
	case TIMS_JSON_OBJECT: return "an object";
	case TIMS_JSON_ARRAY: return "an array";
	}
	return "?";
}

static int type_ok(const json_t *v, enum tims_json_type t)
{
	switch (t) {
	case TIMS_JSON_STRING: return json_is_string(v);
	case TIMS_JSON_INTEGER: return json_is_integer(v);
	case TIMS_JSON_BOOLEAN: return json_is_boolean(v);
	case TIMS_JSON_OBJECT: return json_is_object(v);
	case TIMS_JSON_ARRAY: return json_is_array(v);
	}
	return 0;
}

tims_rc tims_http_check_schema(const json_t *body,
			       const struct tims_json_field *schema,
			       struct tims_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(body))
		return tims_err_set(err, TIMS_ERR_INVALID, "body: expected a JSON object");
	/* Unknown fields are refused: a typo must not silently drop data. */
	json_object_foreach((json_t *)(uintptr_t)body, key, v) {
		const struct tims_json_field *f = schema;

		while (f->name && strcmp(f->name, key))
			f++;
		if (!f->name)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%.64s: unknown field", key);
	}
	for (const struct tims_json_field *f = schema; f->name; f++) {
		v = json_object_get(body, f->name);
		if (!v || json_is_null(v)) {
			if (f->required)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: required", f->name);
			continue;
		}
		if (!type_ok(v, f->type))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: must be %s", f->name, type_name(f->type));
		if (f->type == TIMS_JSON_STRING) {
			size_t max = f->max ? f->max : TIMS_HTTP_DEFAULT_STRING_MAX;

			if (json_string_length(v) > max)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: longer than %zu bytes", f->name, max);
			if (strlen(json_string_value(v)) != json_string_length(v))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: contains a NUL character", f->name);
		} else if (f->type == TIMS_JSON_INTEGER) {
			json_int_t n = json_integer_value(v);

			if (n < 0 || (f->max && (uint64_t)n > f->max))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: out of range", f->name);
		} else if (f->type == TIMS_JSON_ARRAY && f->max &&
			   json_array_size(v) > f->max) {
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: more than %zu elements", f->name, f->max);
		}
	}
	return TIMS_OK;
}

/*
 * An error answer: {"error": code, "message": msg}, and for a field's error
 * ("FIELD: what", code bad_field) the params a console needs to say it in
 * its own words: {"field": FIELD, "rule": RULE[, "max": N]}, RULE one of
 * the schema's (required, unknown, type, too_long, nul, range, too_many;
 * the messages of tims_http_check_schema) or "invalid" for any other.
 */
static json_t *error_json(const char *code, const char *msg)
{
	static const struct { const char *text, *rule; } rules[] = {
		{ "required", "required" },
		{ "unknown field", "unknown" },
		{ "must be ", "type" },
		{ "longer than ", "too_long" },
		{ "contains a NUL character", "nul" },
		{ "out of range", "range" },
		{ "more than ", "too_many" },
	};
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", msg);
	const char *colon = strstr(msg, ": ");
	char field[65];
	size_t n;

	if (!o || strcmp(code, "bad_field") || !colon)
		return o;
	n = (size_t)(colon - msg);
	if (n == 0 || n >= sizeof(field) || strspn(msg, "abcdefghijklmnopqrstuvwxyz0123456789_.[]") != n)
		return o;
	memcpy(field, msg, n);
	field[n] = '\0';
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		size_t tl = strlen(rules[i].text);

		if (!strncmp(colon + 2, rules[i].text, tl)) {
			json_t *p = json_pack("{s:s, s:s}", "field", field, "rule", rules[i].rule);
			const char *d = colon + 2 + tl;
			uint64_t max = 0;

			if (p && (!strcmp(rules[i].rule, "too_long") || !strcmp(rules[i].rule, "too_many")) &&
			    *d >= '0' && *d <= '9') {
				for (; *d >= '0' && *d <= '9' && max < 1000000000; d++)
					max = max * 10 + (uint64_t)(*d - '0');
				json_object_set_new(p, "max", json_integer((json_int_t)max));
			}
			json_object_set_new(o, "params", p);
			return o;
		}
	}
	json_object_set_new(o, "params", json_pack("{s:s, s:s}", "field", field, "rule", "invalid"));
	return o;
}

tims_rc tims_http_reply_json(struct tims_http_resp *resp, int status,
			     json_t *obj)
{
	char *s;
	tims_rc rc;

	if (!obj)
		return TIMS_ERR_NOMEM;
	s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (!s)
		return TIMS_ERR_NOMEM;
	tims_buf_reset(&resp->body);
	rc = tims_buf_addstr(&resp->body, s);
	if (!rc)
		rc = tims_buf_addch(&resp->body, '\n');
	free(s);
	resp->status = status;
	resp->type = "application/json";
	return rc;
}

tims_rc tims_http_reply_error_params(struct tims_http_resp *resp, int status,
				     const char *code, json_t *params, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s, s:s}", "error", code, "message", msg);
	if (o && params)
		json_object_set_new(o, "params", params);
	else
		json_decref(params);
	return tims_http_reply_json(resp, status, o);
}

tims_rc tims_http_reply_error(struct tims_http_resp *resp, int status,
			      const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tims_http_reply_json(resp, status, error_json(code, msg));
}
