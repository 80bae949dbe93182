/* fuzz_audit.c — the audit event decoder on arbitrary bytes: it must refuse
 * or decode, never read out of bounds; what decodes must encode again. */
#include <stddef.h>
#include <stdint.h>

#include "../../lib/audit/audit_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_audit_event ev;
	struct tims_buf b = TIMS_BUF_INIT(AUDIT_ENC_MAX);

	if (audit_decode(data, size, &ev, NULL) == TIMS_OK)
		audit_encode(&ev, &b, NULL);
	tims_buf_release(&b);
	return 0;
}
