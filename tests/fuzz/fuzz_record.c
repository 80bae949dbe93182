/*
 * fuzz_record.c — libFuzzer target for the two parsers of crossing records:
 * the JSON import line parser (`tims cross import`) and the canonical binary
 * decoder (records read back from post.db or a mirror).
 *
 * The first input byte picks the parser. Whatever either accepts must
 * re-encode canonically: decode(encode(r)) gives the same bytes, and an
 * accepted binary input is exactly its own encoding in its version (one
 * record, one form per version).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct tims_record *r, const uint8_t *orig,
		      size_t olen)
{
	struct tims_buf a = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf js = TIMS_BUF_INIT(4 * TIMS_RECORD_MAX_LINE);
	struct tims_record back;

	/* in the input's own version (1, 2 or 3); new records as
	 * tims_record_encode writes them (3 with a chip outcome, else 2) */
	if (orig ? tims_record_encode_version(r, tims_record_encoded_version(orig, olen), &a, NULL)
		 : tims_record_encode(r, &a, NULL))
		abort(); /* accepted, so it must encode */
	if (orig && (a.len != olen || memcmp(a.buf, orig, olen)))
		abort(); /* a non-canonical encoding was accepted */
	if (tims_record_decode(a.buf, a.len, &back, NULL))
		abort();
	if (tims_record_to_json(r, &js))
		abort();
	tims_buf_release(&a);
	tims_buf_release(&js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_record r;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (!tims_record_from_json((const char *)data + 1, size - 1, &r, NULL))
			roundtrip(&r, NULL, 0);
	} else {
		if (!tims_record_decode(data + 1, size - 1, &r, NULL))
			roundtrip(&r, data + 1, size - 1);
	}
	return 0;
}
