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

tims_rc tims_http_reply_error(struct tims_http_resp *resp, int status,
			      const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tims_http_reply_json(resp, status,
				    json_pack("{s:s, s:s}", "error", code, "message", msg));
}
