/*
 * record.c — crossing records: field rules, the canonical encoding
 * (versions 1, 2 and 3) and the salted leaf entry (see include/tims/record.h,
 * docs/formats.md).
 *
 * The encoding is driven by one table (fields[]): the encoder, the decoder
 * and the checker walk the same list in the same order, so the three cannot
 * drift apart. Each field names the version that added it; version N encodes
 * the fields with since <= N. Changing a released version's fields needs a
 * new version number, never an edit.
 */

#include "tims/record.h"
#include "tims/tlog.h"
#include "tims/util.h"
#include "fields.h"

#define STR(name, member, rule, req) \
	{ name, F_STR, offsetof(struct tims_record, member), \
	  sizeof(((struct tims_record *)0)->member), rule, req, 1 }
#define STR2(name, member, rule, req) \
	{ name, F_STR, offsetof(struct tims_record, member), \
	  sizeof(((struct tims_record *)0)->member), rule, req, 2 }

#define STR3(name, member, rule, req) \
	{ name, F_STR, offsetof(struct tims_record, member), \
	  sizeof(((struct tims_record *)0)->member), rule, req, 3 }

/* In encoding order: version 1, then what version 2 added. */
const struct tims_record_field tims_record_fields[] = {
	{ "direction", F_U8, offsetof(struct tims_record, direction), 1, R_NONE, 1, 1 },
	{ "time", F_I64, offsetof(struct tims_record, time_ms), 8, R_NONE, 0, 1 },
	{ "crossed_at", F_I64, offsetof(struct tims_record, crossed_ms), 8, R_NONE, 0, 1 },
	STR("id", ref, R_ID, 0),
	STR("officer", officer, R_ID, 1),
	STR("booth", booth, R_ID, 1),
	STR("person.doc_code", person.doc_code, R_DOCCODE, 0),
	STR("person.issuer", person.issuer, R_STATE, 0),
	STR("person.number", person.doc_number, R_ALNUM, 1),
	STR("person.surname", person.surname, R_TEXT, 1),
	STR("person.given_names", person.given_names, R_TEXT, 0),
	STR("person.nationality", person.nationality, R_STATE, 0),
	STR("person.birth_date", person.birth_date, R_PDATE, 0),
	STR("person.sex", person.sex, R_SEX, 0),
	STR("person.expiry", person.expiry, R_DATE, 0),
	STR("remarks", remarks, R_TEXT, 0),
	{ "role", F_U8, offsetof(struct tims_record, role), 1, R_NONE, 0, 1 },
	STR("vehicle.plate", vehicle.plate, R_TEXT, 0),
	STR("vehicle.country", vehicle.country, R_STATE, 0),
	STR("vehicle.make_model", vehicle.make_model, R_TEXT, 0),
	STR("vehicle.vin", vehicle.vin, R_ALNUM, 0),
	{ "companions", F_COMPANIONS, 0, 0, R_NONE, 0, 1 },
	{ "decision", F_U8, offsetof(struct tims_record, decision), 1, R_NONE, 1, 1 },
	STR("refusal_code", refusal_code, R_CODES, 0),
	STR("screening", screening, R_TEXT, 0),
	{ "corrects", F_U64, offsetof(struct tims_record, corrects), 8, R_NONE, 0, 1 },
	STR("reason", reason, R_TEXT, 0),
	/* version 2 */
	{ "screen_status", F_U8, offsetof(struct tims_record, screen_status), 1, R_NONE, 0, 2 },
	{ "hits", F_HITS, 0, 0, R_NONE, 0, 2 },
	STR2("check_id", check_id, R_ID, 0),
	STR2("confirmed_hit", confirmed_hit, R_TEXT, 0),
	{ "entry_mode", F_U8, offsetof(struct tims_record, entry_mode), 1, R_NONE, 0, 2 },
	STR2("approver", approver, R_ID, 0),
	{ "accompanies", F_U64, offsetof(struct tims_record, accompanies), 8, R_NONE, 0, 2 },
	{ "visa.kind", F_U8, offsetof(struct tims_record, visa.kind), 1, R_NONE, 0, 2 },
	STR2("visa.number", visa.number, R_ALNUM, 0),
	STR2("visa.issuer", visa.issuer, R_STATE, 0),
	STR2("visa.valid_from", visa.valid_from, R_DATE, 0),
	STR2("visa.valid_until", visa.valid_until, R_DATE, 0),
	{ "visa.entries", F_U8, offsetof(struct tims_record, visa.entries), 1, R_NONE, 0, 2 },
	{ "visa.duration_days", F_U16, offsetof(struct tims_record, visa.duration_days), 2, R_NONE, 0, 2 },
	/* version 3 */
	{ "chip.outcome", F_U8, offsetof(struct tims_record, chip_outcome), 1, R_NONE, 0, 3 },
	STR3("chip.reasons", chip_reasons, R_TEXT, 0),
	STR3("chip.issuing_state", chip_state, R_STATE, 0),
	STR3("chip.signer", chip_signer, R_TEXT, 0),
};
const size_t tims_record_nfields = TIMS_ARRAY_SIZE(tims_record_fields);
#define TIMS_NFIELDS tims_record_nfields

/* ---- names of enum values ---- */

static const char *const direction_names[] = { NULL, "entry", "exit" };
static const char *const decision_names[] = { NULL, "admit", "refuse",
					      "second-line" };
static const char *const role_names[] = { "", "driver", "passenger" };
static const char *const relation_names[] = { NULL, "companion", "minor",
					      "guardian" };
static const char *const screen_names[] = { "not-screened", "done", "failed",
					    "unavailable" };
static const char *const part_names[] = { NULL, "document", "person",
					  "vehicle" };
static const char *const mode_names[] = { "read", "manual", "paper" };
static const char *const visa_names[] = { "", "short", "long", "residence" };
static const char *const chip_names[] = { "not_read", "authenticated", "failed" };

const char *tims_record_chip_name(unsigned o)
{
	return o < TIMS_ARRAY_SIZE(chip_names) ? chip_names[o] : "?";
}

int tims_record_chip_parse(const char *s)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(chip_names); i++)
		if (!strcmp(chip_names[i], s))
			return (int)i;
	return -1;
}

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "?";
}

static unsigned parse_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && *names[i] && !strcmp(names[i], s))
			return (unsigned)i;
	return 0;
}

const char *tims_direction_name(unsigned d)
{
	return name_of(direction_names, TIMS_ARRAY_SIZE(direction_names), d);
}

const char *tims_decision_name(unsigned d)
{
	return name_of(decision_names, TIMS_ARRAY_SIZE(decision_names), d);
}

const char *tims_vehicle_role_name(unsigned r)
{
	return name_of(role_names, TIMS_ARRAY_SIZE(role_names), r);
}

const char *tims_relation_name(unsigned r)
{
	return name_of(relation_names, TIMS_ARRAY_SIZE(relation_names), r);
}

const char *tims_screen_status_name(unsigned v)
{
	return name_of(screen_names, TIMS_ARRAY_SIZE(screen_names), v);
}

const char *tims_record_hit_part_name(unsigned v)
{
	return name_of(part_names, TIMS_ARRAY_SIZE(part_names), v);
}

const char *tims_entry_mode_name(unsigned v)
{
	return name_of(mode_names, TIMS_ARRAY_SIZE(mode_names), v);
}

const char *tims_visa_kind_name(unsigned v)
{
	return name_of(visa_names, TIMS_ARRAY_SIZE(visa_names), v);
}

/* Like parse_name, but value 0 is a name too: -1 if none. */
static int parse_name0(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

int tims_screen_status_parse(const char *s)
{
	return parse_name0(screen_names, TIMS_ARRAY_SIZE(screen_names), s);
}

int tims_record_hit_part_parse(const char *s)
{
	return parse_name0(part_names, TIMS_ARRAY_SIZE(part_names), s);
}

int tims_entry_mode_parse(const char *s)
{
	return parse_name0(mode_names, TIMS_ARRAY_SIZE(mode_names), s);
}

int tims_visa_kind_parse(const char *s)
{
	if (!strcmp(s, "none"))
		return TIMS_VISA_NONE;
	return parse_name0(visa_names, TIMS_ARRAY_SIZE(visa_names), s);
}

unsigned tims_direction_parse(const char *s)
{
	return parse_name(direction_names, TIMS_ARRAY_SIZE(direction_names), s);
}

unsigned tims_decision_parse(const char *s)
{
	return parse_name(decision_names, TIMS_ARRAY_SIZE(decision_names), s);
}

unsigned tims_vehicle_role_parse(const char *s)
{
	return parse_name(role_names, TIMS_ARRAY_SIZE(role_names), s);
}

unsigned tims_relation_parse(const char *s)
{
	return parse_name(relation_names, TIMS_ARRAY_SIZE(relation_names), s);
}

/* ---- dates (Howard Hinnant's civil calendar algorithms) ---- */

int64_t tims_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tims_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t tims_day_of_ms(int64_t ms)
{
	int64_t d = ms / 86400000;

	return (ms % 86400000 < 0) ? d - 1 : d;
}

static int digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 1;
}

static int days_in_month(unsigned y, unsigned m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dim[m - 1];
}

tims_rc tims_date_parse(const char *s, int64_t *days, const char *what,
			struct tims_err *err)
{
	unsigned y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: not a date, want YYYY-MM-DD", what);
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    (int)d > days_in_month(y, m))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: no such date %s", what, s);
	*days = tims_days_from_civil(y, m, d);
	return TIMS_OK;
}

tims_rc tims_time_parse(const char *s, int64_t *ms, const char *what,
			struct tims_err *err)
{
	char date[11];
	unsigned hh, mi, ss, frac = 0;
	size_t n = strlen(s);
	int64_t days;
	tims_rc rc;

	if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[n - 1] != 'Z' || !digits(s + 11, 2, &hh) ||
	    !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &ss) ||
	    !(n == 20 || (n == 24 && s[19] == '.' && digits(s + 20, 3, &frac))))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: not a time, want YYYY-MM-DDTHH:MM:SSZ",
				    what);
	memcpy(date, s, 10);
	date[10] = '\0';
	if ((rc = tims_date_parse(date, &days, what, err)))
		return rc;
	if (hh > 23 || mi > 59 || ss > 59)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: no such time of day", what);
	*ms = ((days * 24 + hh) * 60 + mi) * 60000 + (int64_t)ss * 1000 + frac;
	return TIMS_OK;
}

tims_rc tims_date_format(int64_t days, struct tims_buf *out)
{
	int64_t y;
	unsigned m, d;

	tims_civil_from_days(days, &y, &m, &d);
	return tims_buf_addf(out, "%04" PRId64 "-%02u-%02u", y, m, d);
}

tims_rc tims_time_format(int64_t ms, struct tims_buf *out)
{
	int64_t day = tims_day_of_ms(ms), rem = ms - day * 86400000;
	tims_rc rc = tims_date_format(day, out);

	if (rc)
		return rc;
	return tims_buf_addf(out, "T%02d:%02d:%02d.%03dZ",
			     (int)(rem / 3600000), (int)(rem / 60000 % 60),
			     (int)(rem / 1000 % 60), (int)(rem % 1000));
}

/* ---- field rules ---- */

static tims_rc check_text(const char *s, const char *what, struct tims_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t l;

		if (p[i] < 0x20 || p[i] == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: control character at byte %zu",
					    what, i);
		if (!(l = tims_utf8_len(p + i, n - i)))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: invalid UTF-8 at byte %zu",
					    what, i);
		i += l;
	}
	return TIMS_OK;
}

static int all_of(const char *s, const char *set)
{
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

tims_rc tims_refusal_codes_each(const char *list, const char *what,
				int (*fn)(const char *code, void *arg), void *arg,
				struct tims_err *err)
{
	const char *p = list;

	if (!*p)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: no code", what);
	for (;;) {
		size_t n = strcspn(p, ",");
		char code[TIMS_RECORD_FIELD];

		if (!n)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: an empty code in the list (want codes separated by \",\", e.g. B,E)",
					    what);
		if (n >= sizeof(code))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: longer than %zu bytes", what,
					    sizeof(code) - 1);
		memcpy(code, p, n);
		code[n] = '\0';
		if (!all_of(code, UPPER DIGIT))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: only A-Z and 0-9 allowed in a code, codes separated by \",\"",
					    what);
		/* A repeat: the same code earlier in the list. */
		for (const char *q = list; q < p; q += strcspn(q, ",") + 1)
			if (strcspn(q, ",") == n && !memcmp(q, code, n))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: code %s given twice",
						    what, code);
		if (fn && fn(code, arg))
			return TIMS_OK;
		if (!p[n])
			return TIMS_OK;
		p += n + 1;
	}
}

tims_rc tims_record_check_field(const struct tims_record_field *f,
				const char *s, struct tims_err *err)
{
	size_t n = strlen(s);
	int64_t days;

	if (!n)
		return f->required ? tims_err_set(err, TIMS_ERR_INVALID,
						  "%s: missing", f->name)
				   : TIMS_OK;
	switch (f->rule) {
	case R_TEXT:
		return check_text(s, f->name, err);
	case R_ID:
		if (!all_of(s, UPPER DIGIT "abcdefghijklmnopqrstuvwxyz._:@/-"))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: only letters, digits and . _ : @ / - allowed",
					    f->name);
		return TIMS_OK;
	case R_ALNUM:
		if (!all_of(s, UPPER DIGIT))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: only A-Z and 0-9 allowed",
					    f->name);
		return TIMS_OK;
	case R_STATE:
		if (n > 3 || !all_of(s, UPPER))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: want 1 to 3 letters A-Z (ICAO code)",
					    f->name);
		return TIMS_OK;
	case R_DOCCODE:
		if (n > 2 || !all_of(s, UPPER))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: want 1 or 2 letters A-Z",
					    f->name);
		return TIMS_OK;
	case R_DATE:
		return tims_date_parse(s, &days, f->name, err);
	case R_PDATE: {
		char full[16];

		if (n == 4 || n == 7) {
			/* Complete with the first day to check what is there. */
			snprintf(full, sizeof(full), "%s%s", s,
				 n == 4 ? "-01-01" : "-01");
			if (tims_date_parse(full, &days, f->name, NULL))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s: not a date, want YYYY-MM-DD (or YYYY-MM, YYYY if unknown)",
						    f->name);
			return TIMS_OK;
		}
		return tims_date_parse(s, &days, f->name, err);
	}
	case R_CODES:
		return tims_refusal_codes_each(s, f->name, NULL, NULL, err);
	case R_SEX:
		if (n != 1 || !strchr("MFX", s[0]))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: must be M, F or X", f->name);
		return TIMS_OK;
	case R_NONE:
		break;
	}
	return TIMS_OK;
}

/* Rules between fields, and the enums. */
static tims_rc check_cross(const struct tims_record *r, struct tims_err *err)
{
	if (!strcmp(tims_direction_name(r->direction), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "direction: must be entry or exit");
	if (!strcmp(tims_decision_name(r->decision), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "decision: must be admit, refuse or second-line");
	if (r->decision == TIMS_DECISION_REFUSE && !r->refusal_code[0])
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "refusal_code: a refusal needs a reason code");
	if (r->decision != TIMS_DECISION_REFUSE && r->refusal_code[0])
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "refusal_code: only a refusal has one");
	if (r->role > TIMS_VROLE_PASSENGER)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "role: must be driver or passenger");
	if (r->role != TIMS_VROLE_NONE && !r->vehicle.plate[0])
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "vehicle.plate: a driver or passenger needs the vehicle's plate");
	if (r->time_ms < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "time: before 1970");
	if (r->crossed_ms < 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "crossed_at: before 1970");
	if (r->ncompanions > TIMS_RECORD_MAX_COMPANIONS)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions: more than %d",
				    TIMS_RECORD_MAX_COMPANIONS);
	if ((r->corrects != TIMS_RECORD_NO_INDEX) != (r->reason[0] != '\0'))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    r->reason[0] ? "reason: only a correction has one"
						 : "reason: a correction needs a reason");
	return TIMS_OK;
}

int tims_record_hit_name(const struct tims_record_hit *h, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", h->list, h->ref);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

const struct tims_record_hit *tims_record_find_hit(const struct tims_record *r,
						  const char *name)
{
	char buf[2 * TIMS_RECORD_FIELD];

	for (size_t i = 0; i < r->nhits && i < TIMS_RECORD_MAX_HITS; i++)
		if (!tims_record_hit_name(&r->hits[i], buf, sizeof(buf)) &&
		    !strcmp(buf, name))
			return &r->hits[i];
	return NULL;
}

int tims_record_has_open_hit(const struct tims_record *r)
{
	for (size_t i = 0; i < r->nhits && i < TIMS_RECORD_MAX_HITS; i++)
		if (!r->hits[i].discreet)
			return 1;
	return 0;
}

static tims_rc check_str(const char *s, size_t size, const char *what,
			 enum frule rule, int required, struct tims_err *err)
{
	struct tims_record_field f = { what, F_STR, 0, size, rule, required, 2 };

	if (!memchr(s, '\0', size))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: longer than %zu bytes", what, size - 1);
	return tims_record_check_field(&f, s, err);
}

static tims_rc check_hit(const struct tims_record_hit *h, size_t i,
			 struct tims_err *err)
{
	char what[48];
	tims_rc rc;

	if (!strcmp(tims_record_hit_part_name(h->part), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "hits[%zu].part: must be document, person or vehicle",
				    i);
	if (h->discreet > 1)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "hits[%zu].discreet: must be 0 or 1", i);
	if (h->score_pm > 1000)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "hits[%zu].score_pm: %u, at most 1000", i,
				    (unsigned)h->score_pm);
	snprintf(what, sizeof(what), "hits[%zu].list", i);
	if ((rc = check_str(h->list, sizeof(h->list), what, R_TEXT, 1, err)))
		return rc;
	snprintf(what, sizeof(what), "hits[%zu].ref", i);
	if ((rc = check_str(h->ref, sizeof(h->ref), what, R_TEXT, 1, err)))
		return rc;
	snprintf(what, sizeof(what), "hits[%zu].alert", i);
	return check_str(h->alert, sizeof(h->alert), what, R_TEXT, 0, err);
}

static tims_rc check_visa(const struct tims_visa *v, struct tims_err *err)
{
	if (!strcmp(tims_visa_kind_name(v->kind), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.kind: must be short, long or residence");
	if (v->kind == TIMS_VISA_NONE) {
		if (v->number[0] || v->issuer[0] || v->valid_from[0] ||
		    v->valid_until[0] || v->entries || v->duration_days)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "visa.kind: missing (a visa needs its kind)");
		return TIMS_OK;
	}
	if (!v->number[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "visa.number: missing");
	if (!v->valid_from[0] || !v->valid_until[0])
		return tims_err_set(err, TIMS_ERR_INVALID,
				    v->valid_from[0] ? "visa.valid_until: missing"
						     : "visa.valid_from: missing");
	/* Both are real dates (field rules): YYYY-MM-DD compares as text. */
	if (strcmp(v->valid_from, v->valid_until) > 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.valid_until: before valid_from");
	if (v->entries > 2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.entries: must be 0 (multiple), 1 or 2");
	if (v->kind == TIMS_VISA_SHORT &&
	    (v->duration_days < 1 || v->duration_days > 90))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.duration_days: a short-stay visa allows 1 to 90 days");
	if (v->kind != TIMS_VISA_SHORT && v->duration_days)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.duration_days: only a short-stay visa has one");
	return TIMS_OK;
}

/* The version 3 rules: a chip outcome; reasons exactly when it failed
 * (codes a-z 0-9 _ separated by commas); the state and the signer only
 * with a chip read. (That the first line does not admit a failed chip is
 * the booth's rule: second line may, after its examination.) */
static tims_rc check_v3(const struct tims_record *r, struct tims_err *err)
{
	if (!strcmp(tims_record_chip_name(r->chip_outcome), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "chip.outcome: must be not_read, authenticated or failed");
	if ((r->chip_outcome == TIMS_CHIP_FAILED) != (r->chip_reasons[0] != '\0'))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "chip.reasons: given exactly when the chip failed");
	for (const char *p = r->chip_reasons; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      (*p == ',' && p > r->chip_reasons && p[1] && p[1] != ',')))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "chip.reasons: codes of a-z 0-9 _, separated by commas");
	if (!r->chip_outcome && (r->chip_state[0] || r->chip_signer[0]))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "chip.issuing_state: only a chip that was read has one");
	return TIMS_OK;
}

/* The version 2 rules between fields. */
static tims_rc check_v2(const struct tims_record *r, struct tims_err *err)
{
	const struct tims_record_hit *h;
	tims_rc rc;

	if (!strcmp(tims_screen_status_name(r->screen_status), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "screen_status: must be not-screened, done, failed or unavailable");
	if (r->nhits > TIMS_RECORD_MAX_HITS)
		return tims_err_set(err, TIMS_ERR_INVALID, "hits: more than %d",
				    TIMS_RECORD_MAX_HITS);
	if (r->nhits && r->screen_status == TIMS_SCREEN_NOT_SCREENED)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "hits: a record that was not screened has none");
	for (size_t i = 0; i < r->nhits; i++)
		if ((rc = check_hit(&r->hits[i], i, err)))
			return rc;
	if (r->screening[0] && r->screen_status != TIMS_SCREEN_NOT_SCREENED)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "screening: a screened record carries its outcome in screen_status and hits, not as text");
	if (r->confirmed_hit[0]) {
		if (!(h = tims_record_find_hit(r, r->confirmed_hit)))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "confirmed_hit: names no hit of this record (want list/ref)");
		if (h->discreet)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "confirmed_hit: names a discreet hit");
		if (r->decision != TIMS_DECISION_ADMIT)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "confirmed_hit: only an admission confirms a hit");
	} else if (r->decision == TIMS_DECISION_ADMIT &&
		   tims_record_has_open_hit(r)) {
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "confirmed_hit: admitting with a hit needs the hit confirmed (list/ref)");
	}
	if (!strcmp(tims_entry_mode_name(r->entry_mode), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "entry_mode: must be read, manual or paper");
	if ((rc = check_visa(&r->visa, err)))
		return rc;
	return check_v3(r, err);
}

static tims_rc check_companion(const struct tims_companion *c, size_t i,
			       struct tims_err *err)
{
	if (!strcmp(tims_relation_name(c->relation), "?"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions[%zu].relation: must be companion, minor or guardian",
				    i);
	if (!c->doc_number[0] || !all_of(c->doc_number, UPPER DIGIT))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions[%zu].number: %s", i,
				    c->doc_number[0] ? "only A-Z and 0-9 allowed"
						     : "missing");
	if (strlen(c->issuer) > 3 || !all_of(c->issuer, UPPER))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "companions[%zu].issuer: want 1 to 3 letters A-Z",
				    i);
	return TIMS_OK;
}

void tims_record_init(struct tims_record *r)
{
	memset(r, 0, sizeof(*r));
	r->corrects = TIMS_RECORD_NO_INDEX;
	r->accompanies = TIMS_RECORD_NO_INDEX;
}

tims_rc tims_record_check(const struct tims_record *r, struct tims_err *err)
{
	tims_rc rc;

	for (size_t i = 0; i < TIMS_NFIELDS; i++) {
		const struct tims_record_field *f = &tims_record_fields[i];
		const char *s = (const char *)r + f->off;

		if (f->type != F_STR)
			continue;
		if (!memchr(s, '\0', f->size))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: longer than %zu bytes",
					    f->name, f->size - 1);
		if ((rc = tims_record_check_field(f, s, err)))
			return rc;
	}
	if ((rc = check_cross(r, err)))
		return rc;
	for (size_t i = 0; i < r->ncompanions; i++)
		if ((rc = check_companion(&r->companions[i], i, err)))
			return rc;
	return check_v2(r, err);
}

tims_rc tims_record_check_import(const struct tims_record *r,
				 struct tims_err *err)
{
	const char *what = r->chip_outcome ? "chip.outcome"
			   : r->screen_status ? "screen_status"
			   : r->nhits	    ? "hits"
			   : r->check_id[0] ? "check_id"
			   : r->confirmed_hit[0] ? "confirmed_hit" : NULL;

	if (what)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: a file import is not screened by this post; only a booth check sets it",
				    what);
	return TIMS_OK;
}

int64_t tims_record_when(const struct tims_record *r)
{
	return r->crossed_ms ? r->crossed_ms : r->time_ms;
}

/* ---- encoding ---- */

static tims_rc put_be(struct tims_buf *b, uint64_t v, unsigned bytes)
{
	uint8_t tmp[8];

	for (unsigned i = 0; i < bytes; i++)
		tmp[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return tims_buf_add(b, tmp, bytes);
}

static tims_rc put_str(struct tims_buf *b, const char *s)
{
	size_t n = strlen(s);
	tims_rc rc = put_be(b, n, 2);

	return rc ? rc : tims_buf_add(b, s, n);
}

/* Non-zero if r uses a field that version 1 cannot carry. */
static int uses_v2(const struct tims_record *r)
{
	static const struct tims_visa novisa;

	return r->screen_status || r->nhits || r->check_id[0] ||
	       r->confirmed_hit[0] || r->entry_mode || r->approver[0] ||
	       r->accompanies != TIMS_RECORD_NO_INDEX ||
	       memcmp(&r->visa, &novisa, sizeof(novisa)) ||
	       strchr(r->refusal_code, ',');
}

/* Non-zero if r needs version 3 (a chip outcome). */
static int uses_v3(const struct tims_record *r)
{
	return r->chip_outcome || r->chip_reasons[0] || r->chip_state[0] || r->chip_signer[0];
}

static tims_rc put_hits(struct tims_buf *out, const struct tims_record *r)
{
	tims_rc rc = put_be(out, r->nhits, 1);

	for (size_t k = 0; !rc && k < r->nhits; k++) {
		const struct tims_record_hit *h = &r->hits[k];

		if (!(rc = put_be(out, h->part, 1)) &&
		    !(rc = put_be(out, h->discreet, 1)) &&
		    !(rc = put_str(out, h->list)) &&
		    !(rc = put_str(out, h->ref)) &&
		    !(rc = put_str(out, h->alert)) &&
		    !(rc = put_be(out, h->version, 8)))
			rc = put_be(out, h->score_pm, 2);
	}
	return rc;
}

tims_rc tims_record_encode(const struct tims_record *r, struct tims_buf *out,
			   struct tims_err *err)
{
	return tims_record_encode_version(r, uses_v3(r) ? 3 : TIMS_RECORD_VERSION, out, err);
}

unsigned tims_record_encoded_version(const void *data, size_t len)
{
	return len ? *(const uint8_t *)data : 0;
}

tims_rc tims_record_encode_version(const struct tims_record *r, unsigned version,
				   struct tims_buf *out, struct tims_err *err)
{
	tims_rc rc;

	if (version < 1 || version > TIMS_RECORD_VERSION_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: version %u not supported", version);
	if ((rc = tims_record_check(r, err)))
		return rc;
	if (version < 3 && uses_v3(r))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: carries a chip outcome, cannot be written as version %u",
				    version);
	if (version == 3 && !uses_v3(r))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: no chip outcome: written as version 2, not 3");
	if (version == 1 && uses_v2(r))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: uses version 2 fields, cannot be written as version 1");
	rc = put_be(out, version, 1);
	for (size_t i = 0; !rc && i < TIMS_NFIELDS; i++) {
		const struct tims_record_field *f = &tims_record_fields[i];
		const void *p = (const char *)r + f->off;

		if (f->since > version)
			continue;
		switch (f->type) {
		case F_U8:
			rc = put_be(out, *(const uint8_t *)p, 1);
			break;
		case F_U16:
			rc = put_be(out, *(const uint16_t *)p, 2);
			break;
		case F_HITS:
			rc = put_hits(out, r);
			break;
		case F_I64:
			rc = put_be(out, (uint64_t)*(const int64_t *)p, 8);
			break;
		case F_U64:
			rc = put_be(out, *(const uint64_t *)p, 8);
			break;
		case F_STR:
			rc = put_str(out, p);
			break;
		case F_COMPANIONS:
			rc = put_be(out, r->ncompanions, 1);
			for (size_t k = 0; !rc && k < r->ncompanions; k++) {
				const struct tims_companion *c = &r->companions[k];

				if (!(rc = put_be(out, c->relation, 1)) &&
				    !(rc = put_str(out, c->issuer)))
					rc = put_str(out, c->doc_number);
			}
			break;
		}
	}
	if (rc)
		return tims_err_set(err, rc, "record: encoding: %s",
				    tims_strerror(rc));
	return TIMS_OK;
}

/* A bounded cursor over the input. */
struct cursor {
	const uint8_t *p;
	size_t left;
	size_t off;
};

static tims_rc get_be(struct cursor *c, unsigned bytes, uint64_t *v,
		      const char *what, struct tims_err *err)
{
	if (c->left < bytes)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: %s: truncated at byte %zu", what,
				    c->off);
	*v = 0;
	for (unsigned i = 0; i < bytes; i++)
		*v = *v << 8 | c->p[i];
	c->p += bytes;
	c->left -= bytes;
	c->off += bytes;
	return TIMS_OK;
}

static tims_rc get_str(struct cursor *c, char *dst, size_t size,
		       const char *what, struct tims_err *err)
{
	uint64_t n = 0;
	tims_rc rc = get_be(c, 2, &n, what, err);

	if (rc)
		return rc;
	if (n >= size)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: %s: %" PRIu64 " bytes, at most %zu",
				    what, n, size - 1);
	if (c->left < n)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: %s: truncated at byte %zu", what,
				    c->off);
	if (memchr(c->p, '\0', n))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: %s: contains a NUL byte", what);
	memcpy(dst, c->p, n);
	dst[n] = '\0';
	c->p += n;
	c->left -= n;
	c->off += n;
	return TIMS_OK;
}

static tims_rc get_companions(struct cursor *c, struct tims_record *r,
			      struct tims_err *err)
{
	uint64_t n = 0, v = 0;
	tims_rc rc;

	if ((rc = get_be(c, 1, &n, "companions", err)))
		return rc;
	if (n > TIMS_RECORD_MAX_COMPANIONS)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: companions: %" PRIu64 ", at most %d",
				    n, TIMS_RECORD_MAX_COMPANIONS);
	r->ncompanions = (size_t)n;
	for (size_t k = 0; k < r->ncompanions; k++) {
		struct tims_companion *cp = &r->companions[k];

		if ((rc = get_be(c, 1, &v, "companions.relation", err)) ||
		    (rc = get_str(c, cp->issuer, sizeof(cp->issuer),
				  "companions.issuer", err)) ||
		    (rc = get_str(c, cp->doc_number, sizeof(cp->doc_number),
				  "companions.number", err)))
			return rc;
		cp->relation = (uint8_t)v;
	}
	return TIMS_OK;
}

static tims_rc get_hits(struct cursor *c, struct tims_record *r,
			struct tims_err *err)
{
	uint64_t n = 0, v = 0;
	tims_rc rc;

	if ((rc = get_be(c, 1, &n, "hits", err)))
		return rc;
	if (n > TIMS_RECORD_MAX_HITS)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: hits: %" PRIu64 ", at most %d", n,
				    TIMS_RECORD_MAX_HITS);
	r->nhits = (size_t)n;
	for (size_t k = 0; k < r->nhits; k++) {
		struct tims_record_hit *h = &r->hits[k];

		if ((rc = get_be(c, 1, &v, "hits.part", err)))
			return rc;
		h->part = (uint8_t)v;
		if ((rc = get_be(c, 1, &v, "hits.discreet", err)))
			return rc;
		h->discreet = (uint8_t)v;
		if ((rc = get_str(c, h->list, sizeof(h->list), "hits.list", err)) ||
		    (rc = get_str(c, h->ref, sizeof(h->ref), "hits.ref", err)) ||
		    (rc = get_str(c, h->alert, sizeof(h->alert), "hits.alert",
				  err)) ||
		    (rc = get_be(c, 8, &h->version, "hits.version", err)) ||
		    (rc = get_be(c, 2, &v, "hits.score_pm", err)))
			return rc;
		h->score_pm = (uint16_t)v;
	}
	return TIMS_OK;
}

tims_rc tims_record_decode(const void *data, size_t len,
			   struct tims_record *r, struct tims_err *err)
{
	unsigned version;
	struct cursor c = { data, len, 0 };
	uint64_t v = 0;
	tims_rc rc;

	tims_record_init(r);
	if (len > TIMS_RECORD_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "record: %zu bytes, at most %d", len,
				    TIMS_RECORD_MAX_BYTES);
	if ((rc = get_be(&c, 1, &v, "version", err)))
		return rc;
	if (v < 1 || v > TIMS_RECORD_VERSION_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: version %" PRIu64 " not supported",
				    v);
	version = (unsigned)v;
	for (size_t i = 0; i < TIMS_NFIELDS; i++) {
		const struct tims_record_field *f = &tims_record_fields[i];
		void *p = (char *)r + f->off;

		if (f->since > version)
			continue;
		switch (f->type) {
		case F_U8:
			if (!(rc = get_be(&c, 1, &v, f->name, err)))
				*(uint8_t *)p = (uint8_t)v;
			break;
		case F_U16:
			if (!(rc = get_be(&c, 2, &v, f->name, err)))
				*(uint16_t *)p = (uint16_t)v;
			break;
		case F_HITS:
			rc = get_hits(&c, r, err);
			break;
		case F_I64:
			if (!(rc = get_be(&c, 8, &v, f->name, err)))
				*(int64_t *)p = (int64_t)v;
			break;
		case F_U64:
			if (!(rc = get_be(&c, 8, &v, f->name, err)))
				*(uint64_t *)p = v;
			break;
		case F_STR:
			rc = get_str(&c, p, f->size, f->name, err);
			break;
		case F_COMPANIONS:
			rc = get_companions(&c, r, err);
			break;
		}
		if (rc)
			return rc;
	}
	if (c.left)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: %zu bytes after the last field",
				    c.left);
	if ((rc = tims_record_check(r, err)))
		return rc;
	/* Version 3 without a chip outcome is version 2's record: not canonical. */
	if (version == 3 && !uses_v3(r))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: version 3 without a chip outcome (written as version 2)");
	/* A version 1 encoding of a list of codes would not be canonical. */
	if (version == 1 && uses_v2(r))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record: refusal_code: version 1 holds one code");
	return TIMS_OK;
}

void tims_record_entry(const uint8_t salt[TIMS_RECORD_SALT_BYTES],
		       const void *encoded, size_t len, int64_t time_ms,
		       uint8_t entry[TIMS_RECORD_ENTRY_BYTES])
{
	tims_tlog_salted_entry(TIMS_RECORD_ENTRY_VERSION, TIMS_RECORD_KIND_CROSSING, time_ms,
			       salt, encoded, len, entry);
}

int64_t tims_record_entry_time(const uint8_t entry[TIMS_RECORD_ENTRY_BYTES])
{
	if (entry[0] != TIMS_RECORD_ENTRY_VERSION)
		return INT64_MIN;
	return tims_tlog_entry_time(entry);
}
