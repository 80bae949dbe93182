/*
 * reader.c — split a byte stream into MRZ documents with bounded memory.
 *
 * Readers and people send documents as 2 or 3 lines, separated by blank
 * lines, often with CRLF and stray spaces. Input may also be anything else:
 * a megabyte without a newline, binary, NULs. A line ends with LF, CRLF or
 * a lone CR (a keyboard-wedge reader's Enter key). The reader keeps at most
 * TIMS_MRZ_LINE_KEEP bytes of a line and TIMS_MRZ_DOC_LINES lines of a
 * document and counts the rest, so the parser can still say "line 1:
 * 1048576 characters, expected 30, 36 or 44" without storing the line.
 */
#include "tims/mrz.h"

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void tims_mrz_reader_init(struct tims_mrz_reader *r)
{
	r->doc.first_line = 0;
	r->doc.nlines = 0;
	r->line_no = 0;
	r->cur_len = 0;
	r->cur_trim = 0;
	r->after_cr = false;
}

static int emit(struct tims_mrz_reader *r, tims_mrz_doc_fn fn, void *ctx)
{
	int rc = 0;

	if (r->doc.nlines)
		rc = fn(ctx, &r->doc);
	r->doc.nlines = 0;
	return rc;
}

/* The current line ended (newline or end of input). */
static int end_line(struct tims_mrz_reader *r, tims_mrz_doc_fn fn, void *ctx)
{
	struct tims_mrz_doc *d = &r->doc;

	r->line_no++;
	if (r->cur_trim == 0) { /* blank: ends the document, if any */
		r->cur_len = 0;
		return emit(r, fn, ctx);
	}
	if (d->nlines == 0)
		d->first_line = r->line_no;
	if (d->nlines < TIMS_MRZ_DOC_LINES) {
		size_t keep = r->cur_trim < TIMS_MRZ_LINE_KEEP ? r->cur_trim
							       : TIMS_MRZ_LINE_KEEP;

		memcpy(d->line[d->nlines].text, r->cur, keep);
		d->line[d->nlines].len = r->cur_trim;
	}
	d->nlines++;
	r->cur_len = 0;
	r->cur_trim = 0;
	return 0;
}

int tims_mrz_reader_feed(struct tims_mrz_reader *r, const void *data,
			 size_t len, tims_mrz_doc_fn fn, void *ctx)
{
	const unsigned char *p = data;
	int rc;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\n' && r->after_cr) { /* CRLF: the CR ended the line */
			r->after_cr = false;
			continue;
		}
		r->after_cr = c == '\r';
		if (c == '\n' || c == '\r') {
			if ((rc = end_line(r, fn, ctx)))
				return rc;
			continue;
		}
		if (r->cur_len == 0 && is_space(c))
			continue; /* leading spaces */
		if (r->cur_len < TIMS_MRZ_LINE_KEEP)
			r->cur[r->cur_len] = (char)c;
		r->cur_len++;
		if (!is_space(c))
			r->cur_trim = r->cur_len;
	}
	return 0;
}

int tims_mrz_reader_finish(struct tims_mrz_reader *r, tims_mrz_doc_fn fn,
			   void *ctx)
{
	int rc;

	if (r->cur_len && (rc = end_line(r, fn, ctx)))
		return rc;
	return emit(r, fn, ctx);
}

tims_rc tims_mrz_parse_doc(const struct tims_mrz_options *opt,
			   const struct tims_mrz_doc *doc, struct tims_mrz *out)
{
	struct tims_mrz_line lines[TIMS_MRZ_DOC_LINES];
	size_t n = doc->nlines < TIMS_MRZ_DOC_LINES ? doc->nlines
						    : TIMS_MRZ_DOC_LINES;

	for (size_t i = 0; i < n; i++) {
		lines[i].s = doc->line[i].text;
		lines[i].len = doc->line[i].len;
	}
	return tims_mrz_parse_lines(opt, lines, doc->nlines, out);
}
