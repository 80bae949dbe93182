/*
 * httpresp.h — one HTTP/1.1 response read incrementally (RFC 9112), for the
 * sync client (lib/sync/client.c). Pure: bytes in, state and body out, no
 * I/O, so that it can be fed in pieces of any size and fuzzed
 * (tests/fuzz/fuzz_httpresp.c).
 *
 * Strict and bounded, as an answer from the network is hostile until
 * proven otherwise:
 *   - the status line is "HTTP/1.0" or "HTTP/1.1", one space, three
 *     digits, then a space and a reason or nothing; every line ends in
 *     CRLF (a bare LF is refused);
 *   - header fields are "token:" then a value of visible bytes, spaces and
 *     tabs; no folded lines, no control bytes; at most
 *     TIMS_HTTPRESP_HEADERS_MAX fields of TIMS_HTTPRESP_LINE_MAX bytes each
 *     and TIMS_HTTPRESP_HEAD_MAX bytes in all (trailers counted);
 *   - the body is delimited by Content-Length (digits only, one field, no
 *     overflow), by the chunked transfer coding (the only coding accepted;
 *     chunk sizes in hex, at most 15 digits, each chunk followed by CRLF;
 *     extensions ignored, a chunk-size line at most 254 bytes; trailers
 *     read and dropped) or, without either,
 *     by the end of the connection; both Content-Length and
 *     Transfer-Encoding is refused (request smuggling's classic);
 *   - there is no body after a HEAD request or with a 1xx, 204 or 304;
 *     up to TIMS_HTTPRESP_INTERIM_MAX interim 1xx answers (not 101) are
 *     skipped before the final one;
 *   - a body longer than max is TIMS_ERR_TOOBIG as soon as it is known
 *     (a Content-Length or a chunk size above it: before its bytes come).
 * A malformed answer is TIMS_ERR_INVALID, one past a bound TIMS_ERR_TOOBIG;
 * the message names the part and the reason. An error is final: every
 * later call returns it again.
 */
#ifndef TIMS_HTTPRESP_H
#define TIMS_HTTPRESP_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_HTTPRESP_LINE_MAX 8192   /* a status, header or chunk-size line */
#define TIMS_HTTPRESP_HEADERS_MAX 64  /* header fields, trailers included */
#define TIMS_HTTPRESP_HEAD_MAX 32768  /* header section bytes, trailers included */
#define TIMS_HTTPRESP_INTERIM_MAX 4   /* 1xx answers skipped */
#define TIMS_HTTPRESP_CTYPE_MAX 128   /* a Content-Type value, its NUL included */

struct tims_httpresp {
	/* what was read (valid once the final status line is in) */
	int status;       /* 100 .. 999; 0 until the final status line */
	int minor;        /* HTTP/1.minor */
	int close;        /* the server closes the connection after this answer */
	int done;         /* the answer is complete: body in full */
	int started;      /* at least one byte was fed */
	size_t body_len;  /* body bytes so far */
	/* the final answer's Content-Type as sent ("" if none); given twice,
	 * or longer than TIMS_HTTPRESP_CTYPE_MAX - 1 bytes: the answer is refused */
	char content_type[TIMS_HTTPRESP_CTYPE_MAX];

	/* private */
	int no_body_req, state, chunked, have_cl;
	tims_rc failed;
	struct tims_err ferr;
	size_t max, nline, nheaders, head_bytes, interim;
	uint64_t remaining;
	char line[TIMS_HTTPRESP_LINE_MAX];
};

/* Ready for the answer to one request: no_body if it was a HEAD; at most
 * max body bytes. */
void tims_httpresp_init(struct tims_httpresp *r, int no_body, size_t max);

/*
 * Feed len bytes. The body's bytes are appended to body (NULL: counted,
 * not kept). *used is how many were consumed: all of them unless the
 * answer ended inside p (r->done; what follows is not this answer's).
 * TIMS_OK: more is wanted (!r->done) or the answer is complete.
 */
tims_rc tims_httpresp_feed(struct tims_httpresp *r, const void *p, size_t len,
			   size_t *used, struct tims_buf *body, struct tims_err *err);

/*
 * The connection ended. TIMS_OK if that completes the answer (a body
 * delimited by the end of the connection) or it was complete already;
 * TIMS_ERR_INVALID for an answer cut short (the message says where).
 */
tims_rc tims_httpresp_eof(struct tims_httpresp *r, struct tims_err *err);

#endif
