/*
 * fuzz_sync.c — the sync batch parser (tims_sync_batch_decode) on arbitrary
 * bytes: what a hostile post or a forged centre answer can send.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * mirror relies on: a parsed batch has at most TIMS_SYNC_MAX_BATCH
 * positions, consecutive from `from`, each with a salt exactly when it has
 * a record, a checkpoint that covers the batch, at most TIMS_TLOG_MAX_PROOF
 * proof hashes; and it encodes and parses back to the same batch.
 */
#include "tims/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_sync_batch *b = malloc(sizeof(*b)), *c = malloc(sizeof(*c));
	struct tims_buf out = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);

	if (!b || !c)
		abort();
	tims_sync_batch_init(b);
	tims_sync_batch_init(c);
	if (tims_sync_batch_decode((const char *)data, size, b, NULL) == TIMS_OK) {
		if (b->n > TIMS_SYNC_MAX_BATCH || b->proof_len > TIMS_TLOG_MAX_PROOF ||
		    b->cp.size < b->from + b->n)
			abort();
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].index != b->from + i ||
			    !b->items[i].salt != !b->items[i].body ||
			    b->items[i].body_len > TIMS_RECORD_MAX_BYTES)
				abort();
		if (tims_sync_batch_encode(b, &out, NULL) != TIMS_OK ||
		    tims_sync_batch_decode(out.buf, out.len, c, NULL) != TIMS_OK ||
		    c->n != b->n || c->from != b->from || c->proof_len != b->proof_len ||
		    c->note_len != b->note_len || memcmp(c->note, b->note, b->note_len))
			abort();
		for (size_t i = 0; i < b->n; i++)
			if (memcmp(c->items[i].entry, b->items[i].entry, TIMS_RECORD_ENTRY_BYTES) ||
			    c->items[i].body_len != b->items[i].body_len ||
			    (b->items[i].body && memcmp(c->items[i].body, b->items[i].body,
							b->items[i].body_len)))
				abort();
	}
	tims_sync_batch_release(b);
	tims_sync_batch_release(c);
	tims_buf_release(&out);
	free(b);
	free(c);
	return 0;
}
