/*
 * reason.c — a match's reasons in two forms (tims/screen.h): the English
 * sentence (m->reasons, for the CLI, logs and the evaluation tools) and a
 * code with named parameters (m->codes) that a console puts into its own
 * language from its message catalogue (web/i18n/LANG.json, key
 * "match.CODE"; docs/console.md "Languages").
 *
 * The scorer (score.c) writes each reason once, as a printf format and its
 * arguments; the table below names the code of each format and its
 * parameters in the order of the conversions. A parameter whose values are
 * themselves words (the part of the name, the kind of slip, the table, the
 * transliteration scheme, the date field) is given as a code of its own
 * ("surname", "transposed", "icao"), which the console translates through
 * "match.PARAM.VALUE". A format not in the table keeps its English as the
 * parameter of code "text" (a test keeps the table complete:
 * tests/unit/test_screen.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tims/screen.h"
#include "screen_int.h"

struct rdef {
	const char *fmt;    /* as score.c writes it */
	const char *code;   /* the catalogue's key: "match." code */
	const char *params; /* one name a conversion, by spaces */
};

static const struct rdef defs[] = {
	/* dates of birth */
	{ "date of birth %s within %s (%u-%u)", "dob.within_range", "date listed from to" },
	{ "date of birth %s within %s", "dob.within", "date listed" },
	{ "date of birth %s~%s: one year outside the approximate range", "dob.outside_range", "a b" },
	{ "date of birth %s~%s differs", "dob.differs", "a b" },
	{ "date of birth %s matches", "dob.match", "date" },
	{ "the exact date of birth confirms the initials", "dob.confirms_initials", "" },
	{ "date of birth %s~%s: day and month swapped", "dob.swapped", "a b" },
	{ "date of birth %s~%s: one digit differs", "dob.one_digit", "a b" },
	{ "date of birth %s~%s: same year, %s differs", "dob.same_year", "a b field" },
	{ "date of birth %s~%s: same year, month differs", "dob.same_year_month", "a b" },
	{ "year of birth %u matches", "dob.year_match", "year" },
	{ "date of birth %s~%s: one year apart", "dob.year_apart", "a b" },
	/* nationality and sex */
	{ "nationality %s matches", "nationality.match", "code" },
	{ "nationality %s~%s differs", "nationality.differs", "a b" },
	{ "sex %c~%c differs", "sex.differs", "a b" },
	{ "%s %s~%s are the forms of one name for each sex, and the sex differs", "sex.forms",
	  "part a b" },
	{ "the sex differs and the names agree only approximately", "sex.approx", "" },
	/* names */
	{ "%s %s~%s via a moved syllable boundary (%s)", "name.boundary", "part a b spelling" },
	{ "name parts %s~%s joined", "name.joined", "a b" },
	{ "%s %s~%s matches once read as letters", "name.ocr_match", "part a b" },
	{ "%s %s matches", "name.match", "part a" },
	{ "%s %s~%s via %s (%s)", "name.scheme", "part a b scheme spelling" },
	{ "%s %s~%s via the %s (%s)", "name.table", "part a b table group" },
	{ "%s %s~%s sound alike (%s) via %s", "name.sound_scheme", "part a b sound scheme" },
	{ "%s %s~%s sound alike (%s)", "name.sound", "part a b sound" },
	{ "%s %s~%s sound alike once C is read as Ç or Č (%s)", "name.caron", "part a b sound" },
	{ "%s %s~%s as one name with the Albanian definite ending -I (%s)", "name.definite",
	  "part a b skeleton" },
	{ "%s %s~%s share the consonants %s", "name.abjad", "part a b consonants" },
	{ "%s %s~%s alike once the Arabic article assimilated to the name (ET-, ES-, ER-, ECH- ...)"
	  " is taken off", "name.article", "part a b" },
	{ "%s %s~%s as a short form (the first letters of the name)", "name.clip", "part a b" },
	{ "%s %s~%s are masculine and feminine forms", "name.gender", "part a b" },
	{ "%s %s~%s differ", "name.differ", "part a b" },
	{ "%s %s~%s %s (%.2f)", "name.typo", "part a b slip similarity" },
	{ "%s %s~%s as an initial", "name.initial", "part a b" },
	{ "%s %s~%s are different names", "name.different", "part a b" },
	{ "%s %s~%s are two names of their own (%s)", "name.distinct", "part a b lists" },
	{ "%s %s has no counterpart", "name.unmatched", "part a" },
	{ "given names agree by initials only: the name alone is at most %.2f",
	  "name.initials_only", "cap" },
	{ "generations differ (JR, SR, II ...): father and son", "name.generations", "" },
	{ "%s %s:%s (OCR)", "name.ocr", "part token readings" },
	/* identifiers (lib/watchlist/traveller.c) */
	{ "%s %s matches", "ident.match", "what number" },
	{ "issuing state %s matches", "ident.state", "state" },
};

/* Parameters whose English values are words: their codes. */
struct vmap {
	const char *param, *english, *code;
};

static const struct vmap vmaps[] = {
	{ "part", "surname", "surname" },
	{ "part", "given name", "given" },
	{ "part", "name", "name" },
	{ "part", "joined name parts", "joined" },
	{ "slip", "a letter doubled", "doubled" },
	{ "slip", "letters transposed", "transposed" },
	{ "slip", "spelled alike", "alike" },
	{ "table", "nickname table", "nickname" },
	{ "table", "given-name equivalence table", "equivalence" },
	{ "field", "month", "month" },
	{ "field", "day", "day" },
	{ "what", "document number", "document" },
	{ "what", "vehicle plate", "plate" },
	{ "what", "vehicle vin", "vin" },
};

/* The def of fmt; "ident.match" shares its format with "name.match" and is
 * asked for by its code (tims_screen_reason_coded). */
static const struct rdef *def_of(const char *fmt, const char *code)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (!strcmp(defs[i].fmt, fmt) && (!code || !strcmp(defs[i].code, code)))
			return &defs[i];
	return NULL;
}

/* Append "\tname=value" to out (cap bytes) if it fits whole; tabs and
 * control bytes in the value become spaces. */
static void put_param(char *out, size_t cap, const char *name, size_t nlen, const char *v)
{
	size_t o = strlen(out), vl = strlen(v);

	if (o + 1 + nlen + 1 + vl + 1 > cap)
		return;
	out[o++] = '\t';
	memcpy(out + o, name, nlen);
	o += nlen;
	out[o++] = '=';
	for (size_t i = 0; i < vl; i++)
		out[o++] = (unsigned char)v[i] < 0x20 ? ' ' : v[i];
	out[o] = '\0';
}

static const char *value_code(const char *name, size_t nlen, const char *v)
{
	if (nlen == 6 && !memcmp(name, "scheme", 6)) {
		const char *c = tims_scheme_code_of(v);

		return c ? c : v;
	}
	for (size_t i = 0; i < sizeof(vmaps) / sizeof(vmaps[0]); i++)
		if (strlen(vmaps[i].param) == nlen && !memcmp(vmaps[i].param, name, nlen) &&
		    !strcmp(vmaps[i].english, v))
			return vmaps[i].code;
	return v;
}

/* The coded form of fmt with its arguments ap: "code\tname=value...". */
static void encode(char *out, size_t cap, const struct rdef *d, const char *fmt, va_list ap)
{
	const char *pn = d->params;

	snprintf(out, cap, "%s", d->code);
	for (const char *p = fmt; *p; p++) {
		char spec[16], val[TIMS_SCREEN_REASON_BYTES];
		const char *name, *v = val;
		size_t k = 0, nlen;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		/* the conversion: flags, width and precision, then its letter */
		spec[k++] = *p++;
		while (*p && strchr("-+ #0123456789.", *p) && k < sizeof(spec) - 2)
			spec[k++] = *p++;
		if (!*p)
			break;
		spec[k++] = *p;
		spec[k] = '\0';
		switch (*p) {
		case 's':
			v = va_arg(ap, const char *);
			if (!v)
				v = "";
			break;
		case 'u':
			snprintf(val, sizeof(val), spec, va_arg(ap, unsigned));
			break;
		case 'd':
			snprintf(val, sizeof(val), spec, va_arg(ap, int));
			break;
		case 'c':
			snprintf(val, sizeof(val), spec, va_arg(ap, int));
			break;
		case 'f':
			snprintf(val, sizeof(val), spec, va_arg(ap, double));
			break;
		default:
			return; /* a conversion the table's formats do not use */
		}
		while (*pn == ' ')
			pn++;
		name = pn;
		while (*pn && *pn != ' ')
			pn++;
		nlen = (size_t)(pn - name);
		if (!nlen)
			return; /* more conversions than names: the table is wrong */
		put_param(out, cap, name, nlen, value_code(name, nlen, v));
	}
}

void tims_screen_reason_vadd(char (*reasons)[TIMS_SCREEN_REASON_BYTES],
			      char (*codes)[TIMS_SCREEN_CODE_BYTES], unsigned *n,
			      const char *code, const char *fmt, va_list ap)
{
	const struct rdef *d = def_of(fmt, code);
	va_list aq;

	if (*n >= TIMS_SCREEN_MAX_REASONS)
		return;
	va_copy(aq, ap);
	vsnprintf(reasons[*n], TIMS_SCREEN_REASON_BYTES, fmt, ap);
	if (d) {
		encode(codes[*n], TIMS_SCREEN_CODE_BYTES, d, fmt, aq);
	} else {
		codes[*n][0] = '\0';
		snprintf(codes[*n], TIMS_SCREEN_CODE_BYTES, "text");
		put_param(codes[*n], TIMS_SCREEN_CODE_BYTES, "text", 4, reasons[*n]);
	}
	va_end(aq);
	(*n)++;
}

void tims_screen_reason_add(char (*reasons)[TIMS_SCREEN_REASON_BYTES],
			     char (*codes)[TIMS_SCREEN_CODE_BYTES], unsigned *n,
			     const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tims_screen_reason_vadd(reasons, codes, n, code, fmt, ap);
	va_end(ap);
}

const char *tims_screen_reason_code_at(size_t i, const char **params)
{
	if (i >= sizeof(defs) / sizeof(defs[0]))
		return NULL;
	if (params)
		*params = defs[i].params;
	return defs[i].code;
}

const char *tims_screen_reason_value_at(size_t i, const char **param)
{
	if (i >= sizeof(vmaps) / sizeof(vmaps[0]))
		return NULL;
	if (param)
		*param = vmaps[i].param;
	return vmaps[i].code;
}

json_t *tims_screen_reason_json(const char *coded)
{
	const char *p = coded, *t = strchr(p, '\t');
	json_t *params = json_object(), *o;
	char name[32];

	o = json_pack("{s:s%}", "code", p, t ? (size_t)(t - p) : strlen(p));
	if (!o || !params) {
		json_decref(o);
		json_decref(params);
		return NULL;
	}
	while (t) {
		const char *eq, *end;

		p = t + 1;
		t = strchr(p, '\t');
		end = t ? t : p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq || (size_t)(eq - p) >= sizeof(name))
			continue;
		memcpy(name, p, (size_t)(eq - p));
		name[eq - p] = '\0';
		json_object_set_new(params, name, json_stringn(eq + 1, (size_t)(end - eq - 1)));
	}
	json_object_set_new(o, "params", params);
	return o;
}

json_t *tims_screen_reason_codes_json(const char (*codes)[TIMS_SCREEN_CODE_BYTES], unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n && i < TIMS_SCREEN_MAX_REASONS; i++) {
		json_t *o = tims_screen_reason_json(codes[i]);

		if (!o || json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
