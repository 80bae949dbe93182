/*
 * fuzz_national.c — a page of the national travel feed
 * (tims_national_page_parse) on arbitrary bytes: what a compromised or
 * broken centre, or a corrupted answer, could hand a post.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * replica relies on: an accepted page's rows are in order after the cursor,
 * within the page's limit, and each one that counts has a direction.
 */
#include "tims/national.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_national_page pg;
	uint64_t last = 5;

	if (tims_national_page_parse((const char *)data, size, 5, 100, &pg, NULL) == TIMS_OK) {
		if (pg.n > 100 || pg.next < (pg.n ? pg.rows[pg.n - 1].seq : 5))
			abort();
		for (size_t i = 0; i < pg.n; i++) {
			if (pg.rows[i].seq <= last)
				abort();
			last = pg.rows[i].seq;
			if (pg.rows[i].counts && pg.rows[i].direction != TIMS_DIR_ENTRY &&
			    pg.rows[i].direction != TIMS_DIR_EXIT)
				abort();
		}
	}
	tims_national_page_release(&pg);
	return 0;
}
