/*
 * internal.h — helpers shared by the signed-note sources in lib/note:
 * text and name checks, base64 through libsodium, the cosignature message.
 * Not a public header.
 */
#ifndef TIMS_NOTE_INTERNAL_H
#define TIMS_NOTE_INTERNAL_H

#include "tims/note.h"

/* Longest signature accepted from any signer, known or not: the spec warns
 * post-quantum signatures reach "nearly 5kB". */
#define NOTE_MAX_SIG_BYTES 5000

/* "— " : U+2014 EM DASH then a space, as UTF-8. */
#define NOTE_SIG_PREFIX "\xe2\x80\x94 "
#define NOTE_SIG_PREFIX_LEN 4

/* Longest "cosignature/v1\ntime T\n" header. */
#define NOTE_COSIG_HEADER_MAX 48

/*
 * Check UTF-8 and control characters of `len` bytes: valid UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF), no byte below
 * 0x20 but "\n". `what` names the input in the message, with the line.
 */
tims_rc note_check_utf8(const char *s, size_t len, const char *what,
			struct tims_err *err);

/* A note text: 1..TIMS_NOTE_MAX_BYTES bytes, ends in "\n", checked as above. */
tims_rc note_check_text(const char *text, size_t len, const char *what,
			struct tims_err *err);

/* Decode standard base64 (with padding) of exactly `len` bytes of input into
 * out (at most max bytes). -1 on any malformation or overflow. */
int note_b64_decode(const char *b64, size_t len, uint8_t *out, size_t max,
		    size_t *outlen);

/* Append standard base64 of data to out. */
tims_rc note_b64_add(struct tims_buf *out, const uint8_t *data, size_t len);

/* The cosignature/v1 header for time t, into hdr; returns its length. */
size_t note_cosig_header(uint64_t t, char hdr[NOTE_COSIG_HEADER_MAX]);

/* Big-endian helpers. */
void note_put_be32(uint8_t *p, uint32_t v);
void note_put_be64(uint8_t *p, uint64_t v);
uint32_t note_get_be32(const uint8_t *p);
uint64_t note_get_be64(const uint8_t *p);

#endif
