/*
 * json.c — a parsed MRZ as JSON: what `tims mrz --json` prints and what the
 * node's API answers (field list in docs/mrz.md).
 */
#include <jansson.h>

#include "tims/mrz.h"

static json_t *str_or_null(bool have, const char *s)
{
	return have ? json_string(s) : json_null();
}

static json_t *date_json(const struct tims_mrz_date *d)
{
	if (!d->present || !d->mrz[0])
		return json_null();
	return json_pack("{s:s, s:o}", "mrz", d->mrz, "iso",
			 d->iso[0] ? json_string(d->iso) : json_null());
}

static json_t *issues_json(const struct tims_mrz_issue *is, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s*}", "field",
				      tims_mrz_field_name(is[i].field),
				      "message", is[i].msg, "rule", is[i].rule);

		/* a code and its values: what a console says in its own words */
		if (o && is[i].code) {
			json_object_set_new(o, "code", json_string(is[i].code));
			json_object_set_new(o, "params", json_pack("{s:s, s:s}", "got",
				is[i].got, "expected", is[i].expected));
		}
		json_array_append_new(a, o);
	}
	return a;
}

json_t *tims_mrz_json(const struct tims_mrz *m)
{
	bool have = m->format != TIMS_MRZ_UNKNOWN;
	char sex[2] = { m->sex, '\0' };
	json_t *o;

	o = json_pack("{s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
		      " s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:o, s:o}",
		      "format", tims_mrz_format_name(m->format),
		      "valid", m->valid,
		      "document_code", str_or_null(have, m->document_code),
		      "issuing_state", str_or_null(have, m->issuing_state),
		      "document_number", str_or_null(have, m->document_number),
		      "surname", str_or_null(have, m->surname),
		      "given_names", str_or_null(have, m->given_names),
		      "nationality", str_or_null(have, m->nationality),
		      "birth_date", date_json(&m->birth_date),
		      "sex", str_or_null(have && m->sex, sex),
		      "expiry_date", date_json(&m->expiry_date),
		      "optional_data", str_or_null(have, m->optional_data),
		      "optional_data_2", str_or_null(have, m->optional_data_2),
		      "specimen", m->specimen,
		      "expired", m->expired,
		      "name_truncated", m->name_truncated,
		      "errors", issues_json(m->errors, m->nerrors),
		      "warnings", issues_json(m->warnings, m->nwarnings));
	if (o && m->errors_truncated)
		json_object_set_new(o, "errors_truncated", json_true());
	return o;
}
