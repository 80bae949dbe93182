/*
 * internal.h — what the sync module's files share.
 */
#ifndef TIMS_SYNC_INTERNAL_H
#define TIMS_SYNC_INTERNAL_H

#include "tims/sync.h"

/* A tims_post_raw_fn that adds each position to a batch, keeping the
 * reason if one is refused. */
struct sync_collect {
	struct tims_sync_batch *b;
	struct tims_err *err;
};
tims_rc sync_collect(void *ctx, const struct tims_post_raw *r);

/* Who made a note signature line ("— NAME BASE64", no newline):
 * "NAME+KEYHASH" (8 hex digits) into out; -1 if it is no signature line. */
int sync_sig_line_signer(const char *line, size_t len, char *out, size_t cap);

#endif
