/*
 * buf.c — growable buffers with a ceiling (see include/tims/buf.h).
 */
#include "tims/buf.h"

void tims_buf_init(struct tims_buf *b, size_t max)
{
	b->buf = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void tims_buf_release(struct tims_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
	b->alloc = 0;
}

void tims_buf_reset(struct tims_buf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

char *tims_buf_detach(struct tims_buf *b, size_t *len)
{
	char *p = b->buf;

	if (!p) {
		p = calloc(1, 1);
		if (!p)
			return NULL;
	}
	if (len)
		*len = b->len;
	b->buf = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

tims_rc tims_buf_grow(struct tims_buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return TIMS_ERR_TOOBIG;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return TIMS_OK;
	n = b->alloc ? b->alloc : 64;
	while (n < need) {
		if (n > SIZE_MAX / 2) {
			n = need;
			break;
		}
		n *= 2;
	}
	/* Do not allocate far past the ceiling just because of doubling. */
	if (n > b->max + 1 && need <= b->max + 1)
		n = b->max + 1;
	p = realloc(b->buf, n);
	if (!p)
		return TIMS_ERR_NOMEM;
	if (!b->buf)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return TIMS_OK;
}

tims_rc tims_buf_add(struct tims_buf *b, const void *data, size_t len)
{
	tims_rc rc = tims_buf_grow(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return TIMS_OK;
}

tims_rc tims_buf_addstr(struct tims_buf *b, const char *s)
{
	return tims_buf_add(b, s, strlen(s));
}

tims_rc tims_buf_addch(struct tims_buf *b, char c)
{
	return tims_buf_add(b, &c, 1);
}

tims_rc tims_buf_addf(struct tims_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	tims_rc rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TIMS_ERR_INVALID;
	rc = tims_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TIMS_OK;
}

tims_rc tims_buf_addhex(struct tims_buf *b, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	tims_rc rc;
	size_t i;

	if (len > SIZE_MAX / 2)
		return TIMS_ERR_TOOBIG;
	rc = tims_buf_grow(b, len * 2);
	if (rc)
		return rc;
	for (i = 0; i < len; i++) {
		b->buf[b->len++] = digits[data[i] >> 4];
		b->buf[b->len++] = digits[data[i] & 15];
	}
	b->buf[b->len] = '\0';
	return TIMS_OK;
}

void tims_buf_setlen(struct tims_buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->buf)
		b->buf[len] = '\0';
}

const char *tims_buf_str(const struct tims_buf *b)
{
	return b->buf ? b->buf : "";
}
