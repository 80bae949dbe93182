/*
 * fuzz_audit.c — the audit event decoder (tims_audit_event_decode) on
 * arbitrary bytes: events are read back from audit.db, which an intruder
 * may have edited. It must refuse or decode, never read out of bounds; and
 * since the encoding is canonical, what decodes must encode again to
 * exactly the same bytes (abort otherwise).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_audit_event ev;
	struct tims_buf b = TIMS_BUF_INIT(TIMS_AUDIT_MAX_BYTES);

	if (tims_audit_event_decode(data, size, &ev, NULL) == TIMS_OK) {
		if (tims_audit_event_encode(&ev, &b, NULL) != TIMS_OK ||
		    b.len != size || memcmp(b.buf, data, size))
			abort();
	}
	tims_buf_release(&b);
	return 0;
}
