/*
 * text.c — the byte-level rules of signed notes: UTF-8 without control
 * characters, key names, base64, big-endian fields.
 *
 * Every note, key and checkpoint parser goes through these, so that the
 * rules are written once. The UTF-8 check is strict (RFC 3629): an
 * overlong or surrogate encoding could otherwise make two texts that print
 * alike hash differently.
 */
#include <sodium.h>

#include "internal.h"

/* Line number (1-based) of byte offset `off` in s. */
static size_t line_of(const char *s, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if invalid;
 * the code point in *cp. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

tims_rc note_check_utf8(const char *s, size_t len, const char *what,
			struct tims_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_seq(u + i, len - i, &cp);

		if (!n)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: not valid UTF-8 "
					    "(byte 0x%02x at offset %zu)", what,
					    line_of(s, i), u[i], i);
		if (cp < 0x20 && cp != '\n')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: control character "
					    "0x%02x at offset %zu", what,
					    line_of(s, i), (unsigned)cp, i);
		i += n;
	}
	return TIMS_OK;
}

tims_rc note_check_text(const char *text, size_t len, const char *what,
			struct tims_err *err)
{
	if (len == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty", what);
	if (len > TIMS_NOTE_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "%s: %zu bytes, at most %d", what, len,
				    TIMS_NOTE_MAX_BYTES);
	if (text[len - 1] != '\n')
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: does not end in a newline", what);
	return note_check_utf8(text, len, what, err);
}

/* Unicode White_Space (what Go's unicode.IsSpace accepts), U+0085 and
 * U+00A0 included: none may appear in a key name. */
static int is_unicode_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 ||
	       c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	       c == 0x3000;
}

tims_rc tims_note_check_name(const char *name, size_t len, const char *what,
			     struct tims_err *err)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t i = 0;

	if (len == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty name",
				    what);
	if (len > TIMS_NOTE_MAX_NAME)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: name of %zu bytes, at most %d", what,
				    len, TIMS_NOTE_MAX_NAME);
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_seq(u + i, len - i, &cp);

		if (!n)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: name is not valid UTF-8", what);
		if (cp == '+')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: name contains '+'", what);
		if (is_unicode_space(cp))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: name contains a space", what);
		if (cp < 0x20 || cp == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: name contains a control "
					    "character", what);
		i += n;
	}
	return TIMS_OK;
}

int note_b64_decode(const char *b64, size_t len, uint8_t *out, size_t max,
		    size_t *outlen)
{
	/* Reject before decoding what cannot fit: 4 chars per 3 bytes. */
	if (len == 0 || len % 4 || len / 4 * 3 > max + 2)
		return -1;
	/* libsodium 1.0.18 takes some bytes >= 0x80 for base64 digits (found
	 * by fuzz_note: "\xcb\xb8" decodes), so check the alphabet first:
	 * A-Z a-z 0-9 + /, then at most two '=' at the very end. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b64[i];

		if (c == '=') {
			if (i + 2 < len || (i + 2 == len && b64[len - 1] != '='))
				return -1;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	if (sodium_base642bin(out, max, b64, len, NULL, outlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return 0;
}

tims_rc note_b64_add(struct tims_buf *out, const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	tims_rc rc = tims_buf_grow(out, n);

	if (rc)
		return rc;
	sodium_bin2base64(out->buf + out->len, n, data, len,
			  sodium_base64_VARIANT_ORIGINAL);
	out->len += n - 1; /* n counts the terminating NUL */
	return TIMS_OK;
}

size_t note_cosig_header(uint64_t t, char hdr[NOTE_COSIG_HEADER_MAX])
{
	int n = snprintf(hdr, NOTE_COSIG_HEADER_MAX,
			 "cosignature/v1\ntime %" PRIu64 "\n", t);

	return n > 0 ? (size_t)n : 0;
}

void note_put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void note_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint32_t note_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint64_t note_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
