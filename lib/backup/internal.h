/*
 * internal.h — what the files of lib/backup share.
 */
#ifndef TIMS_BACKUP_INTERNAL_H
#define TIMS_BACKUP_INTERNAL_H

#include "tims/backup.h"

/* One report line (printf-style, at most 1 KiB) to fn, if there is one. */
void bk_say(tims_backup_report_fn fn, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
