/*
 * fuzz_httpresp.c — the sync client's HTTP/1.1 response parser
 * (tims/httpresp.h) on arbitrary bytes, as a hostile server would send
 * them.
 *
 * The first byte chooses how the input is cut (pieces of 1 to 16 bytes, or
 * at once), whether the request was a HEAD and the body limit; the rest is
 * the answer. Beyond "no crash, no leak, no undefined behaviour" it checks
 * what the client relies on: the body is never longer than the limit;
 * an answer either completes, fails with a message starting "answer:", or
 * wants more; an error is final; a complete answer has a status of three
 * digits; and the same bytes give the same result whatever the cut.
 */
#include <stdlib.h>
#include <string.h>

#include "tims/httpresp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	tims_rc rc;
	int done, status;
	size_t consumed;
};

static struct tims_httpresp r;

static struct run one(const uint8_t *p, size_t len, size_t step, int head, size_t max,
		      struct tims_buf *body)
{
	struct run out = { TIMS_OK, 0, 0, 0 };
	struct tims_err err;
	size_t i = 0, used;

	tims_httpresp_init(&r, head, max);
	tims_buf_reset(body);
	while (i < len && !r.done) {
		size_t n = step && len - i > step ? step : len - i;

		out.rc = tims_httpresp_feed(&r, p + i, n, &used, body, &err);
		if (used > n)
			abort();
		i += used;
		if (out.rc) {
			if (strncmp(err.msg, "answer:", 7) != 0 ||
			    (out.rc != TIMS_ERR_INVALID && out.rc != TIMS_ERR_TOOBIG))
				abort();
			/* final: nothing more is taken */
			if (tims_httpresp_feed(&r, p, len, &used, body, &err) != out.rc || used)
				abort();
			break;
		}
		if (used < n && !r.done)
			abort(); /* stopped early without an answer */
	}
	if (!out.rc && !r.done) {
		out.rc = tims_httpresp_eof(&r, &err);
		if (out.rc && strncmp(err.msg, "answer:", 7) != 0)
			abort();
	}
	if (body->len > max || body->len != r.body_len)
		abort();
	if (!out.rc && r.done && (r.status < 200 || r.status > 999))
		abort();
	out.done = r.done;
	out.status = r.status;
	out.consumed = i;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_buf b1 = TIMS_BUF_INIT(1 << 16), b2 = TIMS_BUF_INIT(1 << 16);
	struct run a, c;
	size_t step, max;
	int head;

	if (size < 1)
		return 0;
	step = (data[0] & 15) + 1;
	head = (data[0] >> 4) & 1;
	max = data[0] & 0x20 ? 64 : 4096;
	a = one(data + 1, size - 1, 0, head, max, &b1);
	c = one(data + 1, size - 1, step, head, max, &b2);
	if (a.rc != c.rc || a.done != c.done || a.status != c.status ||
	    (!a.rc && (b1.len != b2.len || (b1.len && memcmp(b1.buf, b2.buf, b1.len)))))
		abort(); /* the cut changed the answer */
	tims_buf_release(&b1);
	tims_buf_release(&b2);
	return 0;
}
