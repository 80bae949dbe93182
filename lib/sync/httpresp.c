/*
 * httpresp.c — an HTTP/1.1 response, read byte by byte by a small state
 * machine (tims/httpresp.h): lines into a bounded buffer, the body straight
 * to the caller's. Nothing here does I/O, so the sync client feeds it what
 * each TLS read gave and the fuzzer feeds it anything.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tims/httpresp.h"

#define CHUNK_LINE_MAX 256 /* a chunk-size line, extensions included */

enum {
	ST_STATUS,     /* the status line */
	ST_HEADER,     /* header lines up to the empty one */
	ST_BODY_CL,    /* remaining bytes of a Content-Length body */
	ST_BODY_EOF,   /* a body that ends with the connection */
	ST_CHUNK_SIZE, /* a chunk-size line */
	ST_CHUNK_DATA, /* remaining bytes of a chunk */
	ST_CHUNK_CRLF, /* the CRLF after a chunk's data (nline: bytes of it seen) */
	ST_TRAILER,    /* trailer lines up to the empty one */
	ST_DONE,
};

void tims_httpresp_init(struct tims_httpresp *r, int no_body, size_t max)
{
	memset(r, 0, offsetof(struct tims_httpresp, line));
	r->no_body_req = no_body;
	r->max = max;
	r->state = ST_STATUS;
}

static tims_rc fail(struct tims_httpresp *r, struct tims_err *err, tims_rc rc,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static tims_rc fail(struct tims_httpresp *r, struct tims_err *err, tims_rc rc,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->ferr.msg, sizeof(r->ferr.msg), fmt, ap);
	va_end(ap);
	r->failed = rc;
	r->ferr.rc = rc;
	return tims_err_set(err, rc, "%s", r->ferr.msg);
}

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A field value's or a reason's byte: visible, space, tab or obs-text. */
static int is_vbyte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int ieq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && !strncasecmp(a, b, n);
}

static tims_rc status_line(struct tims_httpresp *r, struct tims_err *err)
{
	const char *l = r->line;
	size_t n = r->nline;

	if (n < 12 || memcmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return fail(r, err, TIMS_ERR_INVALID, "answer: status line: not "
			    "\"HTTP/1.x NNN\" (%.*s)", (int)(n < 24 ? n : 24), l);
	if (l[9] < '1' || l[9] > '9' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9')
		return fail(r, err, TIMS_ERR_INVALID, "answer: status line: the code "
			    "is not three digits");
	if (n > 12 && l[12] != ' ')
		return fail(r, err, TIMS_ERR_INVALID, "answer: status line: no space "
			    "after the code");
	for (size_t i = 13; i < n; i++)
		if (!is_vbyte((unsigned char)l[i]))
			return fail(r, err, TIMS_ERR_INVALID, "answer: status line: a "
				    "control byte in the reason");
	r->minor = l[7] - '0';
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	r->state = ST_HEADER;
	return TIMS_OK;
}

/* "name: value" (a header or a trailer): its syntax, then what it means
 * when it is a header. */
static tims_rc field(struct tims_httpresp *r, int trailer, struct tims_err *err)
{
	const char *l = r->line, *v, *what = trailer ? "trailer" : "header";
	size_t n = r->nline, name, vn;

	if (++r->nheaders > TIMS_HTTPRESP_HEADERS_MAX)
		return fail(r, err, TIMS_ERR_TOOBIG, "answer: more than %d header fields",
			    TIMS_HTTPRESP_HEADERS_MAX);
	if (l[0] == ' ' || l[0] == '\t')
		return fail(r, err, TIMS_ERR_INVALID, "answer: %s: a folded line", what);
	for (name = 0; name < n && l[name] != ':'; name++)
		if (!is_tchar((unsigned char)l[name]))
			return fail(r, err, TIMS_ERR_INVALID, "answer: %s %.*s: not a "
				    "field name", what, (int)(name < 40 ? name + 1 : 40), l);
	if (name == n || name == 0)
		return fail(r, err, TIMS_ERR_INVALID, "answer: %s: not \"name: value\"", what);
	v = l + name + 1;
	vn = n - name - 1;
	while (vn && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	for (size_t i = 0; i < vn; i++)
		if (!is_vbyte((unsigned char)v[i]))
			return fail(r, err, TIMS_ERR_INVALID, "answer: %s %.*s: a control "
				    "byte in its value", what, (int)(name < 40 ? name : 40), l);
	if (trailer)
		return TIMS_OK;
	if (ieq(l, name, "content-length")) {
		uint64_t x = 0;

		if (r->have_cl)
			return fail(r, err, TIMS_ERR_INVALID, "answer: Content-Length given twice");
		if (!vn || vn > 18)
			return fail(r, err, TIMS_ERR_INVALID, "answer: Content-Length: %s",
				    vn ? "more than 18 digits" : "empty");
		for (size_t i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return fail(r, err, TIMS_ERR_INVALID, "answer: Content-Length: "
					    "not a number of digits");
			x = x * 10 + (uint64_t)(v[i] - '0');
		}
		r->have_cl = 1;
		r->remaining = x;
	} else if (ieq(l, name, "content-type")) {
		if (r->content_type[0])
			return fail(r, err, TIMS_ERR_INVALID, "answer: Content-Type given twice");
		if (!vn || vn >= sizeof(r->content_type))
			return fail(r, err, TIMS_ERR_INVALID, "answer: Content-Type: %s",
				    vn ? "longer than 127 bytes" : "empty");
		memcpy(r->content_type, v, vn);
		r->content_type[vn] = '\0';
	} else if (ieq(l, name, "transfer-encoding")) {
		if (r->chunked)
			return fail(r, err, TIMS_ERR_INVALID, "answer: Transfer-Encoding given twice");
		if (!ieq(v, vn, "chunked"))
			return fail(r, err, TIMS_ERR_INVALID, "answer: Transfer-Encoding: only "
				    "chunked is read, not \"%.*s\"", (int)(vn < 40 ? vn : 40), v);
		r->chunked = 1;
	} else if (ieq(l, name, "connection")) {
		size_t i = 0;

		while (i < vn) {
			size_t s, e;

			while (i < vn && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
				i++;
			s = i;
			while (i < vn && v[i] != ',')
				i++;
			e = i;
			while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
				e--;
			if (ieq(v + s, e - s, "close"))
				r->close = 1;
		}
	}
	return TIMS_OK;
}

/* The empty line after the headers: what the body is. */
static tims_rc head_end(struct tims_httpresp *r, struct tims_err *err)
{
	if (r->status < 200) {
		if (r->status == 101)
			return fail(r, err, TIMS_ERR_INVALID, "answer: 101 Switching "
				    "Protocols, and no upgrade was asked");
		if (++r->interim > TIMS_HTTPRESP_INTERIM_MAX)
			return fail(r, err, TIMS_ERR_TOOBIG, "answer: more than %d interim "
				    "1xx answers", TIMS_HTTPRESP_INTERIM_MAX);
		r->status = 0;
		r->have_cl = r->chunked = r->close = 0;
		r->remaining = 0;
		r->content_type[0] = '\0';
		r->state = ST_STATUS;
		return TIMS_OK;
	}
	if (r->have_cl && r->chunked)
		return fail(r, err, TIMS_ERR_INVALID, "answer: both Content-Length and "
			    "Transfer-Encoding");
	if (r->chunked && r->minor == 0)
		return fail(r, err, TIMS_ERR_INVALID, "answer: Transfer-Encoding in HTTP/1.0");
	if (r->minor == 0)
		r->close = 1;
	if (r->no_body_req || r->status == 204 || r->status == 304) {
		r->state = ST_DONE;
	} else if (r->chunked) {
		r->state = ST_CHUNK_SIZE;
	} else if (r->have_cl) {
		if (r->remaining > r->max)
			return fail(r, err, TIMS_ERR_TOOBIG, "answer: body of %llu bytes, "
				    "more than %zu", (unsigned long long)r->remaining, r->max);
		r->state = r->remaining ? ST_BODY_CL : ST_DONE;
	} else {
		r->close = 1;
		r->state = ST_BODY_EOF;
	}
	return TIMS_OK;
}

static tims_rc chunk_size(struct tims_httpresp *r, struct tims_err *err)
{
	const char *l = r->line;
	size_t n = r->nline, i;
	uint64_t x = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a') + 10u :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A') + 10u : 16u;

		if (d == 16)
			break;
		if (i == 15)
			return fail(r, err, TIMS_ERR_INVALID, "answer: chunk size: more "
				    "than 15 hex digits");
		x = x << 4 | d;
	}
	if (i == 0)
		return fail(r, err, TIMS_ERR_INVALID, "answer: chunk size: not a hex number");
	if (i < n && l[i] != ';')
		return fail(r, err, TIMS_ERR_INVALID, "answer: chunk size: junk after "
			    "the number");
	for (; i < n; i++)
		if (!is_vbyte((unsigned char)l[i]))
			return fail(r, err, TIMS_ERR_INVALID, "answer: chunk extension: a "
				    "control byte");
	if (x > r->max - r->body_len)
		return fail(r, err, TIMS_ERR_TOOBIG, "answer: body of more than %zu bytes "
			    "(a chunk of %llu)", r->max, (unsigned long long)x);
	if (x == 0) {
		r->state = ST_TRAILER;
	} else {
		r->remaining = x;
		r->state = ST_CHUNK_DATA;
	}
	return TIMS_OK;
}

/* A whole line is in r->line (CRLF stripped). */
static tims_rc line_done(struct tims_httpresp *r, struct tims_err *err)
{
	switch (r->state) {
	case ST_STATUS:
		return status_line(r, err);
	case ST_HEADER:
		return r->nline ? field(r, 0, err) : head_end(r, err);
	case ST_CHUNK_SIZE:
		return chunk_size(r, err);
	default: /* ST_TRAILER */
		if (!r->nline) {
			r->state = ST_DONE;
			return TIMS_OK;
		}
		return field(r, 1, err);
	}
}

static tims_rc emit(struct tims_httpresp *r, const char *p, size_t n, struct tims_buf *body,
		    struct tims_err *err)
{
	if (n > r->max - r->body_len)
		return fail(r, err, TIMS_ERR_TOOBIG, "answer: body of more than %zu bytes",
			    r->max);
	if (body && tims_buf_add(body, p, n))
		return fail(r, err, TIMS_ERR_TOOBIG, "answer: body larger than its buffer "
			    "(%zu bytes)", body->max);
	r->body_len += n;
	return TIMS_OK;
}

tims_rc tims_httpresp_feed(struct tims_httpresp *r, const void *data, size_t len,
			   size_t *used, struct tims_buf *body, struct tims_err *err)
{
	const char *p = data;
	size_t i = 0;
	tims_rc rc = TIMS_OK;

	if (r->failed) {
		*used = 0;
		return tims_err_set(err, r->failed, "%s", r->ferr.msg);
	}
	if (len)
		r->started = 1;
	while (i < len && r->state != ST_DONE && !rc) {
		size_t n = len - i;

		switch (r->state) {
		case ST_BODY_CL:
		case ST_CHUNK_DATA:
			if (n > r->remaining)
				n = (size_t)r->remaining;
			if ((rc = emit(r, p + i, n, body, err)))
				break;
			i += n;
			r->remaining -= n;
			if (!r->remaining) {
				if (r->state == ST_BODY_CL) {
					r->state = ST_DONE;
				} else {
					r->state = ST_CHUNK_CRLF;
					r->nline = 0;
				}
			}
			break;
		case ST_BODY_EOF:
			if (!(rc = emit(r, p + i, n, body, err)))
				i += n;
			break;
		case ST_CHUNK_CRLF:
			if (p[i] != (r->nline ? '\n' : '\r')) {
				rc = fail(r, err, TIMS_ERR_INVALID, "answer: a chunk's data "
					  "is not followed by CRLF");
				break;
			}
			i++;
			if (++r->nline == 2) {
				r->nline = 0;
				r->state = ST_CHUNK_SIZE;
			}
			break;
		default: { /* a line */
			char c = p[i++];

			if (r->state != ST_CHUNK_SIZE &&
			    ++r->head_bytes > TIMS_HTTPRESP_HEAD_MAX) {
				rc = fail(r, err, TIMS_ERR_TOOBIG, "answer: header section "
					  "of more than %d bytes", TIMS_HTTPRESP_HEAD_MAX);
				break;
			}
			if (r->nline && r->line[r->nline - 1] == '\r' && c != '\n') {
				rc = fail(r, err, TIMS_ERR_INVALID, "answer: a CR not "
					  "followed by LF");
				break;
			}
			if (c == '\n') {
				if (!r->nline || r->line[r->nline - 1] != '\r') {
					rc = fail(r, err, TIMS_ERR_INVALID, "answer: a line "
						  "ends in LF without CR");
					break;
				}
				r->nline--;
				rc = line_done(r, err);
				r->nline = 0;
				break;
			}
			if (r->nline == (r->state == ST_CHUNK_SIZE ? (size_t)CHUNK_LINE_MAX :
					 sizeof(r->line))) {
				rc = fail(r, err, TIMS_ERR_TOOBIG, "answer: a %s line of "
					  "more than %d bytes", r->state == ST_CHUNK_SIZE ?
					  "chunk-size" : "header", r->state == ST_CHUNK_SIZE ?
					  CHUNK_LINE_MAX - 2 : TIMS_HTTPRESP_LINE_MAX - 2);
				break;
			}
			r->line[r->nline++] = c;
			break;
		}
		}
	}
	if (!rc && r->state == ST_DONE)
		r->done = 1;
	*used = i;
	return rc;
}

tims_rc tims_httpresp_eof(struct tims_httpresp *r, struct tims_err *err)
{
	if (r->failed)
		return tims_err_set(err, r->failed, "%s", r->ferr.msg);
	if (r->done)
		return TIMS_OK;
	if (r->state == ST_BODY_EOF) {
		r->state = ST_DONE;
		r->done = 1;
		return TIMS_OK;
	}
	if (!r->started)
		return fail(r, err, TIMS_ERR_INVALID, "answer: none (the connection closed)");
	if (r->state == ST_BODY_CL)
		return fail(r, err, TIMS_ERR_INVALID, "answer: cut short %llu bytes before "
			    "the end of its body", (unsigned long long)r->remaining);
	return fail(r, err, TIMS_ERR_INVALID, "answer: cut short inside its %s",
		    r->state == ST_STATUS || r->state == ST_HEADER ? "header" :
		    r->state == ST_TRAILER ? "trailer" : "chunked body");
}
