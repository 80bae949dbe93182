/*
 * test_httpresp.c — the sync client's HTTP/1.1 response parser
 * (tims/httpresp.h): what a server that wants to confuse it can send —
 * malformed status lines and fields, both Content-Length and
 * Transfer-Encoding, chunk sizes that overflow or lie, missing CRLFs,
 * endless headers, bodies past the limit — is refused with a message
 * that says what, and a well-formed answer reads the same whatever the
 * pieces the network cuts it into.
 */
#include "t.h"
#include "tims/httpresp.h"

/* Feed all of s in pieces of `step` bytes (0: at once), then the end of
 * the connection if eof. Returns the rc; *r the state, body the body. */
static tims_rc feed(struct tims_httpresp *r, const char *s, size_t len, size_t step,
		    int no_body, size_t max, int eof, struct tims_buf *body,
		    struct tims_err *err)
{
	size_t i = 0, used;
	tims_rc rc = TIMS_OK;

	tims_httpresp_init(r, no_body, max);
	tims_buf_reset(body);
	tims_err_clear(err);
	while (i < len && !r->done) {
		size_t n = step && len - i > step ? step : len - i;

		if ((rc = tims_httpresp_feed(r, s + i, n, &used, body, err)))
			return rc;
		i += used;
		if (used < n && !r->done)
			return TIMS_ERR_STATE; /* the parser stopped early: a bug */
	}
	if (eof && !r->done)
		rc = tims_httpresp_eof(r, err);
	return rc;
}

#define S(x) x, sizeof(x) - 1

static struct tims_httpresp r;

static tims_rc one(const char *s, size_t len, size_t max, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	tims_rc rc = feed(&r, s, len, 0, 0, max, 1, &b, err);

	tims_buf_release(&b);
	return rc;
}

int main(void)
{
	struct tims_buf body = TIMS_BUF_INIT(1 << 20);
	struct tims_err err;
	tims_rc rc;

	/* ---- well-formed answers, in any pieces ---- */
	{
		static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					 "Content-Length: 11\r\n\r\n{\"size\":42}";
		static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
					 "4\r\n{\"si\r\n7;ext=1\r\nze\":42}\r\n0\r\nX-T: 1\r\n\r\n";
		int same = 1;

		for (size_t step = 0; step <= 9; step++) {
			rc = feed(&r, S(cl), step, 0, 1000, 0, &body, &err);
			same &= rc == TIMS_OK && r.done && r.status == 200 && !r.close &&
				body.len == 11 && !memcmp(body.buf, "{\"size\":42}", 11);
			rc = feed(&r, S(ch), step, 0, 1000, 0, &body, &err);
			same &= rc == TIMS_OK && r.done && r.status == 200 && !r.close &&
				body.len == 11 && !memcmp(body.buf, "{\"size\":42}", 11);
		}
		T_OK(same, "a Content-Length and a chunked answer read the same in pieces of 1 to 9 bytes");
	}
	{
		static const char two[] = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n";
		size_t used = 0;

		tims_httpresp_init(&r, 0, 100);
		rc = tims_httpresp_feed(&r, S(two), &used, &body, &err);
		T_OK(rc == TIMS_OK && r.done && r.status == 204 && used == 27,
		     "204: no body; the bytes after the answer are left unread (%zu)", used);
	}
	rc = feed(&r, S("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"), 0, 1, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && r.done && body.len == 0, "HEAD: no body, whatever Content-Length says");
	/* the Content-Type kept for the caller (a witness's 409 text/x.tlog.size) */
	rc = feed(&r, S("HTTP/1.1 100 Continue\r\nContent-Type: text/x.interim\r\n\r\n"
			"HTTP/1.1 409 Conflict\r\ncontent-type:  text/x.tlog.size \r\n"
			"Content-Length: 2\r\n\r\n7\n"), 1, 0, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && r.done && !strcmp(r.content_type, "text/x.tlog.size"),
	     "Content-Type: the final answer's, trimmed, whatever the case of its name (%s)",
	     r.content_type);
	rc = one(S("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n"
		   "Content-Length: 0\r\n\r\n"), 100, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "Content-Type given twice"),
	     "Content-Type given twice: refused (%s)", err.msg);
	{
		char big[300];

		snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Type: text/%0150d\r\n"
			 "Content-Length: 0\r\n\r\n", 0);
		rc = one(big, strlen(big), 100, &err);
		T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "longer than 127"),
		     "a Content-Type longer than 127 bytes: refused (%s)", err.msg);
	}
	rc = feed(&r, S("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"), 0, 0, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && r.done, "304: no body");
	rc = feed(&r, S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
		  3, 0, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && r.done && r.status == 201 && body.len == 2, "an interim 100 is skipped, the final answer read");
	rc = feed(&r, S("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n"),
		  0, 0, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && r.done && r.close, "Connection: close (in a list, any case) is seen");
	rc = feed(&r, S("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), 0, 0, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && r.done && r.close, "HTTP/1.0: the connection is not kept");
	rc = feed(&r, S("HTTP/1.1 200 OK\r\n\r\nuntil the end"), 2, 0, 100, 0, &body, &err);
	T_OK(rc == TIMS_OK && !r.done, "no length: the body runs on");
	rc = tims_httpresp_eof(&r, &err);
	T_OK(rc == TIMS_OK && r.done && r.close && body.len == 13, "and ends with the connection");

	/* ---- malformed ---- */
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "2\r\nok\r\n0\r\n\r\n"), 100, &err), TIMS_ERR_INVALID,
		 "both Content-Length and Transfer-Encoding: refused");
	T_OK(strstr(err.msg, "both Content-Length and Transfer-Encoding") != NULL, "and the message says so (%s)", err.msg);
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"), 100, &err),
		 TIMS_ERR_INVALID, "Content-Length twice: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"), 100, &err),
		 TIMS_ERR_INVALID, "Content-Length with a sign: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: 2 3\r\n\r\nok"), 100, &err),
		 TIMS_ERR_INVALID, "Content-Length of two numbers: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "Content-Length that would overflow: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a transfer coding other than chunked: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "fffffffffffffffff\r\n"), 1u << 30, &err), TIMS_ERR_INVALID,
		 "a chunk size of 17 hex digits (overflow): refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a negative chunk size: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nok\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a chunk size with 0x: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "an empty chunk size: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX0\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "chunk data longer than its size (no CRLF after it): refused");
	T_OK(strstr(err.msg, "not followed by CRLF") != NULL, "and the message says so (%s)", err.msg);
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a chunk size line ending in a bare LF: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 100, &err),
		 TIMS_ERR_INVALID, "header lines ending in bare LF: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a bare CR inside a field: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a folded header line: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok"), 100, &err),
		 TIMS_ERR_INVALID, "a space before the colon: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "a NUL in a value: refused");
	T_EQ_INT(one(S("HTTP/2 200\r\n\r\n"), 100, &err), TIMS_ERR_INVALID, "HTTP/2 status line: refused");
	T_EQ_INT(one(S("HTTP/1.1 20 OK\r\n\r\n"), 100, &err), TIMS_ERR_INVALID, "a two-digit status: refused");
	T_EQ_INT(one(S("HTTP/1.1 2000 OK\r\n\r\n"), 100, &err), TIMS_ERR_INVALID, "a four-digit status: refused");
	T_EQ_INT(one(S("HTTP/1.1 101 Switching Protocols\r\n\r\n"), 100, &err), TIMS_ERR_INVALID,
		 "101: refused (no upgrade was asked)");
	T_EQ_INT(one(S("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 100, &err),
		 TIMS_ERR_INVALID, "chunked in HTTP/1.0: refused");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), 100, &err),
		 TIMS_ERR_INVALID, "a body cut short: refused at the end of the connection");
	T_OK(strstr(err.msg, "5 bytes before the end") != NULL, "and the message says by how much (%s)", err.msg);
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"), 100, &err),
		 TIMS_ERR_INVALID, "a chunked body cut short: refused");
	T_EQ_INT(one(S(""), 100, &err), TIMS_ERR_INVALID, "no answer at all: refused");
	T_OK(strstr(err.msg, "none") != NULL, "and the message says none came (%s)", err.msg);
	{
		size_t used;

		tims_httpresp_init(&r, 0, 100);
		(void)tims_httpresp_feed(&r, S("HTTP/9\r\n"), &used, &body, &err);
		rc = tims_httpresp_feed(&r, S("HTTP/1.1 200 OK\r\n"), &used, &body, &err);
		T_OK(rc == TIMS_ERR_INVALID && used == 0, "an error is final: later bytes are refused too");
	}

	/* ---- hostile sizes ---- */
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"), 100, &err), TIMS_ERR_TOOBIG,
		 "Content-Length above max: too big before a byte of the body");
	T_EQ_INT(one(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n60\r\n"), 80, &err),
		 TIMS_ERR_TOOBIG, "a chunk size above max: too big before its bytes");
	{
		char big[300];
		int n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "30\r\n%048d\r\n30\r\n%048d\r\n", 0, 0);

		T_EQ_INT(one(big, (size_t)n, 80, &err), TIMS_ERR_TOOBIG,
			 "chunks that add up past max: too big");
	}
	{
		static char body_eof[200];

		memcpy(body_eof, "HTTP/1.1 200 OK\r\n\r\n", 19);
		memset(body_eof + 19, 'x', sizeof(body_eof) - 19);
		T_EQ_INT(one(body_eof, sizeof(body_eof), 100, &err), TIMS_ERR_TOOBIG,
			 "a body to the end of the connection past max: too big");
	}
	{
		struct tims_buf h = TIMS_BUF_INIT(1 << 20);

		tims_buf_addstr(&h, "HTTP/1.1 200 OK\r\n");
		for (int i = 0; i < TIMS_HTTPRESP_HEADERS_MAX + 1; i++)
			tims_buf_addf(&h, "X-%d: y\r\n", i);
		tims_buf_addstr(&h, "\r\n");
		T_EQ_INT(one(h.buf, h.len, 100, &err), TIMS_ERR_TOOBIG, "one header field too many: too big");
		tims_buf_reset(&h);
		tims_buf_addstr(&h, "HTTP/1.1 200 OK\r\nX: ");
		for (int i = 0; i < TIMS_HTTPRESP_LINE_MAX; i++)
			tims_buf_addch(&h, 'y');
		T_EQ_INT(one(h.buf, h.len, 100, &err), TIMS_ERR_TOOBIG, "a header line without end: too big");
		tims_buf_reset(&h);
		tims_buf_addstr(&h, "HTTP/1.1 200 OK\r\n");
		for (int i = 0; i < 8; i++) {
			tims_buf_addstr(&h, "X: ");
			for (int j = 0; j < TIMS_HTTPRESP_LINE_MAX - 100; j++)
				tims_buf_addch(&h, 'y');
			tims_buf_addstr(&h, "\r\n");
		}
		T_EQ_INT(one(h.buf, h.len, 100, &err), TIMS_ERR_TOOBIG,
			 "a header section past its bytes: too big");
		tims_buf_reset(&h);
		tims_buf_addstr(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
		for (int i = 0; i < 300; i++)
			tims_buf_addch(&h, 'e');
		T_EQ_INT(one(h.buf, h.len, 100, &err), TIMS_ERR_TOOBIG,
			 "a chunk extension without end: too big");
		tims_buf_reset(&h);
		for (int i = 0; i < TIMS_HTTPRESP_INTERIM_MAX + 1; i++)
			tims_buf_addstr(&h, "HTTP/1.1 103 Early Hints\r\n\r\n");
		T_EQ_INT(one(h.buf, h.len, 100, &err), TIMS_ERR_TOOBIG, "endless interim answers: too big");
		tims_buf_release(&h);
	}
	{
		struct tims_buf small = TIMS_BUF_INIT(4);

		tims_httpresp_init(&r, 0, 100);
		size_t used;
		rc = tims_httpresp_feed(&r, S("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789"),
					&used, &small, &err);
		T_EQ_INT(rc, TIMS_ERR_TOOBIG, "a body past the caller's buffer: too big, never cut");
		tims_buf_release(&small);
	}
	tims_buf_release(&body);
	return t_done();
}
