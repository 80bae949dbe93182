/*
 * util.h — small bounded helpers shared by every module: number parsing that
 * reports errors, hex, whole-file reads with a ceiling, durable writes.
 */
#ifndef TIMS_UTIL_H
#define TIMS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Parse a whole decimal string as an unsigned integer no larger than max.
 * Rejects empty strings, signs, spaces, trailing bytes and overflow. `what`
 * names the field in the error message.
 */
tims_rc tims_parse_u64(const char *s, uint64_t max, uint64_t *out,
		       const char *what, struct tims_err *err);

/*
 * The next non-blank line of [*p, end) for JSON Lines readers: *line and
 * *len without the "\n" (nor a "\r" before it), *lineno counting every
 * line, blank ones too. Advances *p; returns 0 at the end.
 */
int tims_next_line(const char **p, const char *end, const char **line, size_t *len,
		   size_t *lineno);

/*
 * Decode exactly `len` bytes of hex (upper or lower case) from s, which must be
 * exactly 2*len characters long.
 */
tims_rc tims_hex_decode(const char *s, uint8_t *out, size_t len,
			const char *what, struct tims_err *err);

/* Read a whole file ("-" or NULL for standard input) into out, at most max bytes. */
tims_rc tims_read_file(const char *path, size_t max, struct tims_buf *out,
		       struct tims_err *err);

/*
 * Write data to path durably: a temporary file in the same directory, fsync,
 * rename over path, fsync of the directory. `mode` applies to the new file
 * (0600 for keys). Refuses to overwrite an existing file unless `replace`.
 */
tims_rc tims_write_file(const char *path, const void *data, size_t len,
			unsigned mode, int replace, struct tims_err *err);

/* fsync the directory that contains path (after creating or renaming in it). */
tims_rc tims_fsync_dir_of(const char *path, struct tims_err *err);

#endif
