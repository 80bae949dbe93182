/*
 * fuzz_signer.c — the signer's request parser (tims_signer_handle in
 * lib/p11/signer.c), on arbitrary bytes: what the network process, the one
 * that parses the Internet, may send it.
 *
 * Dry run: an open hands out a handle without loading a module or reading
 * a file, so handles, the table limits and every operation's field checks
 * are reached. Beyond "no crash, no leak, no undefined behaviour" it checks
 * what the daemon's side relies on: every request gets exactly one answer,
 * a well-formed message of at most TIMS_SIGNER_MSG_MAX bytes whose length
 * field is the rest, and a request that is not a well-formed header is
 * answered with an error, never a success.
 */
#include <sodium.h>

#include "tims/signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void signer_dry_run(int on);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	const uint8_t *a;
	int r;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		signer_dry_run(1);
		ready = 1;
	}
	if (size > TIMS_SIGNER_MSG_MAX)
		return 0;
	r = tims_signer_handle(data, size, &resp);
	a = (const uint8_t *)resp.buf;
	if (!a || resp.len < TIMS_SIGNER_HDR || resp.len > TIMS_SIGNER_MSG_MAX)
		abort(); /* one answer, bounded */
	if (be32(a) != TIMS_SIGNER_MAGIC || be32(a + 12) != resp.len - TIMS_SIGNER_HDR)
		abort(); /* well-formed */
	if (r < 0 && !(a[6] | a[7]))
		abort(); /* a malformed header is never a success */
	tims_buf_release(&resp);
	/* handles accumulate across inputs up to the table's size: reset
	 * now and then so that opens keep succeeding */
	if (size && data[size - 1] == 0xff)
		tims_signer_handle_reset();
	return 0;
}
