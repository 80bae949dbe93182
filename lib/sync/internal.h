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

#endif
