/*
 * lang.c — the consoles' language over HTTP, one answer for the post's node
 * and the centre (include/tims/http.h). Storing the choice and auditing it
 * stay with each server, which holds its own officer store and audit log.
 */
#include "tims/http.h"
#include "tims/officer.h"

const struct tims_json_field tims_http_lang_schema[] = {
	{ "lang", TIMS_JSON_STRING, 1, TIMS_LANG_MAX },
	{ NULL, 0, 0, 0 },
};

tims_rc tims_http_reply_languages(struct tims_http_resp *resp, const char *deflt)
{
	json_t *a = json_array();

	for (size_t i = 0; a && tims_lang_names[i]; i++)
		json_array_append_new(a, json_string(tims_lang_names[i]));
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:o}", "default", deflt,
							 "available", a ? a : json_array()));
}

const char *tims_http_lang_wanted(const struct tims_http_req *req)
{
	const char *lang = json_string_value(json_object_get(req->json, "lang"));

	return lang && (!*lang || tims_lang_valid(lang)) ? lang : NULL;
}

tims_rc tims_http_reply_lang_refused(struct tims_http_resp *resp)
{
	json_t *values = json_array();

	for (size_t i = 0; values && tims_lang_names[i]; i++)
		json_array_append_new(values, json_string(tims_lang_names[i]));
	return tims_http_reply_json(resp, 400, json_pack("{s:s, s:s, s:{s:s, s:s, s:o}}",
		"error", "bad_field", "message", "lang: en or sq (or empty: the installation's)",
		"params", "field", "lang", "rule", "one_of", "values", values ? values : json_array()));
}

tims_rc tims_http_reply_lang_set(struct tims_http_resp *resp, const char *lang, const char *deflt)
{
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:s}", "lang", *lang ? lang : deflt,
							 "chosen", lang));
}
