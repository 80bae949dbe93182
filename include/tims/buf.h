/*
 * buf.h — a growable byte buffer with a ceiling (curl's dynbuf, git's strbuf).
 *
 * Every buffer that grows from input has a maximum size; going past it is an
 * error (TIMS_ERR_TOOBIG), never a silent truncation. The contents are always
 * NUL-terminated so that text can be handed to C string functions, but the
 * length is authoritative and the data may contain NULs.
 *
 * Lifecycle (git's verbs):
 *   tims_buf_init(&b, max)   no allocation; b is empty
 *   tims_buf_release(&b)     frees the contents; b may be re-initialised
 *   tims_buf_reset(&b)       empties it but keeps the allocation
 *   tims_buf_detach(&b, &n)  hands the allocation to the caller
 */
#ifndef TIMS_BUF_H
#define TIMS_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

struct tims_buf {
	char *buf;      /* NULL until the first add; always NUL-terminated after */
	size_t len;     /* bytes in use, not counting the terminator */
	size_t alloc;   /* bytes allocated */
	size_t max;     /* ceiling on len */
};

#define TIMS_BUF_INIT(max) { NULL, 0, 0, (max) }

void tims_buf_init(struct tims_buf *b, size_t max);
void tims_buf_release(struct tims_buf *b);
void tims_buf_reset(struct tims_buf *b);
char *tims_buf_detach(struct tims_buf *b, size_t *len);

/* Make room for `extra` more bytes; TIMS_ERR_TOOBIG past the ceiling. */
tims_rc tims_buf_grow(struct tims_buf *b, size_t extra);

tims_rc tims_buf_add(struct tims_buf *b, const void *data, size_t len);
tims_rc tims_buf_addstr(struct tims_buf *b, const char *s);
tims_rc tims_buf_addch(struct tims_buf *b, char c);
tims_rc tims_buf_addf(struct tims_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Lower-case hex of `len` bytes. */
tims_rc tims_buf_addhex(struct tims_buf *b, const uint8_t *data, size_t len);

/* Shorten to len (len <= b->len). */
void tims_buf_setlen(struct tims_buf *b, size_t len);

/* The contents as a string; "" for a buffer that was never written. */
const char *tims_buf_str(const struct tims_buf *b);

#endif
