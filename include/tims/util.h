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
/* Overwrite a file's bytes with zeros and fsync it (a secret key gone from
 * the file's blocks, as far as the file system lets us); the caller then
 * unlinks or replaces it. A missing file is TIMS_OK. */
tims_rc tims_file_wipe(const char *path, struct tims_err *err);

tims_rc tims_write_file(const char *path, const void *data, size_t len,
			unsigned mode, int replace, struct tims_err *err);

/* fsync the directory that contains path (after creating or renaming in it). */
tims_rc tims_fsync_dir_of(const char *path, struct tims_err *err);

/*
 * Private files (docs/security.md, "Files"). Every file a node keeps is
 * 0600 and every directory 0700, whatever the umask: the directory alone
 * must not be what protects post.db, a key or a mirror.
 *
 * tims_file_private: create path empty with mode 0600 if it does not exist
 * (before sqlite3_open_v2 with SQLITE_OPEN_CREATE: SQLite would make it
 * 0644 less the umask, and its -wal and -shm files take the database's
 * mode). An existing file is left as it is.
 * tims_dir_private: mkdir path 0700 if it does not exist.
 */
tims_rc tims_file_private(const char *path, struct tims_err *err);
tims_rc tims_dir_private(const char *path, struct tims_err *err);

/*
 * Check that nothing under dir (dir itself included, at most 8 levels and
 * 100 000 entries; symbolic links are not followed) can be read or written
 * by the group or others. Each file or directory that can is set to 0600 or
 * 0700 (execute bits of a file kept for the owner only) and reported to
 * `found` with its path and old mode (found may be NULL). *nfixed counts
 * them. An error only when dir cannot be read or a mode cannot be changed.
 */
typedef void (*tims_mode_fn)(void *ctx, const char *path, unsigned old_mode);
TIMS_MUST_USE tims_rc tims_private_check(const char *dir, tims_mode_fn found, void *ctx,
			   size_t *nfixed, struct tims_err *err);

/* Length of the valid UTF-8 sequence at s (at most n > 0 bytes), or 0
 * when it is not one. */
size_t tims_utf8_len(const unsigned char *s, size_t n);

#endif
