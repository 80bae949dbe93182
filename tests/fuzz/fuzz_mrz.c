/*
 * fuzz_mrz.c — libFuzzer target for the MRZ reader: the stream splitter
 * (fed in chunks of a size taken from the input) and the parser, on both the
 * documents it produces and the raw input as one document.
 *
 * Beyond "no crash, no sanitizer report", it checks the promises callers
 * rely on: valid exactly when there is no error; every string field and
 * message NUL-terminated inside its array; every message non-empty and
 * beginning with its field's name or with "line " / "mrz:"; lines kept at
 * most TIMS_MRZ_LINE_KEEP bytes however long the input line; an error's
 * code and values (what a console says in its own words) well-formed, and
 * the JSON of every result (tims_mrz_json) made without fault.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tims/mrz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static void check_str(const char *s, size_t cap)
{
	MUST(memchr(s, '\0', cap) != NULL);
}

static void check_result(const struct tims_mrz *m, tims_rc rc)
{
	MUST(m->valid == (m->nerrors == 0));
	MUST((rc == TIMS_OK) == m->valid);
	MUST(m->nerrors <= TIMS_MRZ_MAX_ERRORS);
	MUST(m->nwarnings <= TIMS_MRZ_MAX_WARNINGS);
	MUST(m->nlines <= TIMS_MRZ_MAX_LINES);
	MUST((unsigned)m->format < TIMS_MRZ_FORMAT_LAST);
	check_str(m->document_code, sizeof(m->document_code));
	check_str(m->issuing_state, sizeof(m->issuing_state));
	check_str(m->document_number, sizeof(m->document_number));
	check_str(m->surname, sizeof(m->surname));
	check_str(m->given_names, sizeof(m->given_names));
	check_str(m->nationality, sizeof(m->nationality));
	check_str(m->optional_data, sizeof(m->optional_data));
	check_str(m->optional_data_2, sizeof(m->optional_data_2));
	check_str(m->birth_date.iso, sizeof(m->birth_date.iso));
	check_str(m->expiry_date.iso, sizeof(m->expiry_date.iso));
	for (unsigned i = 0; i < m->nerrors + m->nwarnings; i++) {
		const struct tims_mrz_issue *is = i < m->nerrors ?
			&m->errors[i] : &m->warnings[i - m->nerrors];
		const char *name = tims_mrz_field_name(is->field);

		check_str(is->msg, sizeof(is->msg));
		MUST(is->msg[0]);
		/* a code (errors only) and its values, NUL-terminated */
		check_str(is->got, sizeof(is->got));
		check_str(is->expected, sizeof(is->expected));
		MUST(!is->code || i < m->nerrors);
		if (is->field == TIMS_MRZ_F_MRZ)
			MUST(!strncmp(is->msg, "line ", 5) ||
			     !strncmp(is->msg, "mrz: ", 5));
		else
			MUST(!strncmp(is->msg, name, strlen(name)));
	}
	{
		json_t *j = tims_mrz_json(m);

		MUST(j != NULL);
		json_decref(j);
	}
	if (m->valid) {
		/* A valid document has real fields. */
		MUST(m->format != TIMS_MRZ_UNKNOWN);
		MUST(m->document_number[0] && m->surname[0]);
		for (unsigned i = 0; i < m->nwarnings; i++)
			MUST(m->warnings[i].rule && m->warnings[i].rule[0]); /* named */
		MUST(m->nationality[0] && m->issuing_state[0]);
	}
}

struct ctx {
	struct tims_mrz_options opt;
	struct tims_mrz m;
	size_t docs;
};

static int on_doc(void *p, const struct tims_mrz_doc *doc)
{
	struct ctx *c = p;

	MUST(doc->nlines > 0);
	c->docs++;
	check_result(&c->m, tims_mrz_parse_doc(&c->opt, doc, &c->m));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx c;
	static struct tims_mrz_reader r;
	size_t chunk, off = 0;

	if (size < 1)
		return 0;
	/* First byte: options and the chunk size for the reader. */
	tims_mrz_options_init(&c.opt, 1735689600 + (time_t)(data[0] >> 2) * 86400 * 400);
	c.opt.flags = data[0] & 1 ? TIMS_MRZ_STRICT_CASE : 0;
	chunk = 1 + (data[0] >> 1) % 64;
	data++;
	size--;

	tims_mrz_reader_init(&r);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		tims_mrz_reader_feed(&r, data + off, n, on_doc, &c);
		off += n;
	}
	tims_mrz_reader_finish(&r, on_doc, &c);

	/* The whole input as one document, as the console would send it. */
	check_result(&c.m, tims_mrz_parse(&c.opt, (const char *)data, size, &c.m));
	return 0;
}
