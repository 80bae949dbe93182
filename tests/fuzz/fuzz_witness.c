/*
 * fuzz_witness.c — the witness's add-checkpoint request parser
 * (tims_witness_parse_request) on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * witness relies on: a parsed request has at most 63 proof hashes, sizes
 * within TIMS_WITNESS_MAX_SIZE, a checkpoint note that is the tail of the
 * body and ends in "\n", and — because the parser accepts exactly one
 * spelling of each request — it formats back to the very same bytes.
 */
#include "tims/witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_witness_req *q = malloc(sizeof(*q));
	struct tims_buf b = TIMS_BUF_INIT(TIMS_WITNESS_MAX_BODY);
	const char *s = (const char *)data;

	if (!q)
		return 0;
	if (tims_witness_parse_request(s, size, q, NULL) == TIMS_OK) {
		if (q->proof_len > TIMS_WITNESS_MAX_PROOF ||
		    q->old_size > TIMS_WITNESS_MAX_SIZE ||
		    q->cp.size > TIMS_WITNESS_MAX_SIZE ||
		    q->note < s || q->note + q->note_len != s + size ||
		    q->note_len == 0 || q->note[q->note_len - 1] != '\n' ||
		    q->parsed.nsigs == 0)
			abort();
		if (tims_witness_format_request(q->old_size, q->proof, q->proof_len,
						q->note, q->note_len, &b, NULL) != TIMS_OK ||
		    b.len != size || memcmp(b.buf, s, size) != 0)
			abort(); /* one spelling: it formats back to the input */
	}
	tims_buf_release(&b);
	free(q);
	return 0;
}
