/*
 * audit_int.h — shared by the lib/audit sources only.
 */
#ifndef TIMS_AUDIT_INT_H
#define TIMS_AUDIT_INT_H

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "tims/audit.h"
#include "tims/buf.h"
#include "tims/note.h"
#include "tims/tlog.h"
#include "tims/util.h"

#define TIMS_AUDIT_VERSION 1
#define AUDIT_KIND 2            /* leaf entry kind: 1 crossing, 2 audit event */
#define AUDIT_SALT_BYTES 32
#define AUDIT_ENTRY_BYTES 42
#define AUDIT_ENC_MAX (2 * TIMS_AUDIT_TEXT_MAX + 4096)

struct tims_audit {
	char dir[4096];
	char origin[TIMS_NOTE_MAX_NAME + 1];
	sqlite3 *db;
	struct tims_verifier verifier;
	struct tims_signer signer;
	int has_signer;
	struct tims_buf enc;        /* scratch for one event's encoding */
};

tims_rc audit_encode(const struct tims_audit_event *ev, struct tims_buf *out,
		     struct tims_err *err);
/* Text pointers in ev point into data. */
tims_rc audit_decode(const void *data, size_t len, struct tims_audit_event *ev,
		     struct tims_err *err);
/* The latest checkpoint kept outside the database (signature checked). */
tims_rc audit_outside(struct tims_audit *a, struct tims_checkpoint *cp, int *have,
		      struct tims_err *err);
void audit_entry(const uint8_t salt[AUDIT_SALT_BYTES], const void *enc, size_t len,
		 int64_t time_ms, uint8_t entry[AUDIT_ENTRY_BYTES]);

#endif
