/*
 * event.c — the canonical encoding of an audit event (version 1) and its
 * salted leaf entry (include/tims/audit.h, docs/formats.md "Audit events").
 *
 *   u8  version (1)
 *   i64 time_ms                                     big-endian
 *   str actor, role, booth, addr, action, purpose   u16 length + bytes
 *   i64 crossing                                    -1 for none
 *   i32 status
 *   txt query, result                               u32 length + bytes, 0 = none
 *
 * One table of the text fields drives checking, encoding and decoding, so
 * that the decoder refuses exactly what the encoder would not produce: an
 * event read back from a tampered audit.db or a fuzzer is either the one
 * canonical encoding or an error naming the field.
 */
#include <jansson.h>

#include "tims/util.h"
#include "internal.h"
#include "tims/tlog.h"

static const struct field {
	const char *name;
	size_t off, size; /* the char array: at most size - 1 bytes */
	int required;
} fields[] = {
	{ "actor", offsetof(struct tims_audit_event, actor), sizeof(((struct tims_audit_event *)0)->actor), 0 },
	{ "role", offsetof(struct tims_audit_event, role), sizeof(((struct tims_audit_event *)0)->role), 0 },
	{ "booth", offsetof(struct tims_audit_event, booth), sizeof(((struct tims_audit_event *)0)->booth), 0 },
	{ "addr", offsetof(struct tims_audit_event, addr), sizeof(((struct tims_audit_event *)0)->addr), 0 },
	{ "action", offsetof(struct tims_audit_event, action), sizeof(((struct tims_audit_event *)0)->action), 1 },
	{ "purpose", offsetof(struct tims_audit_event, purpose), sizeof(((struct tims_audit_event *)0)->purpose), 0 },
};

/* Valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) and no
 * control character: these end up in an auditor's terminal. */
static tims_rc check_text(const char *what, const uint8_t *s, size_t n,
			  struct tims_err *err)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x20 || c == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: control character at byte %zu",
					    what, i);
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3; cp = c & 0x07;
		} else {
			goto bad;
		}
		if (n - i <= k)
			goto bad;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		if (cp >= 0x80 && cp < 0xa0) /* C1 controls */
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: control character at byte %zu",
					    what, i);
		i += k + 1;
		continue;
bad:
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: not UTF-8 at byte %zu", what, i);
	}
	return TIMS_OK;
}

/* One JSON text (any value), strictly: jansson checks UTF-8 itself. */
static tims_rc check_json(const char *what, const char *s, size_t n,
			  struct tims_err *err)
{
	json_error_t je;
	json_t *j;

	if (!s)
		return TIMS_OK;
	if (n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: empty (NULL means none)", what);
	if (n > TIMS_AUDIT_TEXT_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "%s: %zu bytes, at most %d", what, n,
				    TIMS_AUDIT_TEXT_MAX);
	j = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: not JSON text: %s (byte %d)", what,
				    je.text, je.position);
	json_decref(j);
	return TIMS_OK;
}

tims_rc tims_audit_event_check(const struct tims_audit_event *ev,
			       struct tims_err *err)
{
	tims_rc rc;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++) {
		const char *s = (const char *)ev + fields[i].off;
		size_t n = strnlen(s, fields[i].size);

		if (n == fields[i].size)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: not terminated within %zu bytes",
					    fields[i].name, fields[i].size);
		if (fields[i].required && !n)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty",
					    fields[i].name);
		if ((rc = check_text(fields[i].name, (const uint8_t *)s, n, err)))
			return rc;
	}
	if (ev->crossing < -1)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "crossing: %" PRId64 ", want a log index or -1",
				    ev->crossing);
	if (ev->status < 100 || ev->status > 599)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "status: %d, want an HTTP status 100-599",
				    ev->status);
	if ((rc = check_json("query", ev->query, ev->query_len, err)) ||
	    (rc = check_json("result", ev->result, ev->result_len, err)))
		return rc;
	return TIMS_OK;
}

static tims_rc put_be(struct tims_buf *b, uint64_t v, unsigned bytes)
{
	uint8_t x[8];

	for (unsigned i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return tims_buf_add(b, x, bytes);
}

/* Encode a checked event (audit.c checks once, before its transaction). */
tims_rc audit_encode_checked(const struct tims_audit_event *ev,
			     struct tims_buf *out, struct tims_err *err)
{
	size_t start = out->len;
	tims_rc rc;

	if ((rc = put_be(out, TIMS_AUDIT_VERSION, 1)) ||
	    (rc = put_be(out, (uint64_t)ev->time_ms, 8)))
		goto fail;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++) {
		const char *s = (const char *)ev + fields[i].off;
		size_t n = strlen(s);

		if ((rc = put_be(out, n, 2)) || (rc = tims_buf_add(out, s, n)))
			goto fail;
	}
	if ((rc = put_be(out, (uint64_t)ev->crossing, 8)) ||
	    (rc = put_be(out, (uint32_t)ev->status, 4)) ||
	    (rc = put_be(out, ev->query ? ev->query_len : 0, 4)) ||
	    (ev->query && (rc = tims_buf_add(out, ev->query, ev->query_len))) ||
	    (rc = put_be(out, ev->result ? ev->result_len : 0, 4)) ||
	    (ev->result && (rc = tims_buf_add(out, ev->result, ev->result_len))))
		goto fail;
	return TIMS_OK;
fail:
	tims_buf_setlen(out, start);
	return tims_err_set(err, rc, "audit event: does not fit its buffer");
}

tims_rc tims_audit_event_encode(const struct tims_audit_event *ev,
				struct tims_buf *out, struct tims_err *err)
{
	tims_rc rc = tims_audit_event_check(ev, err);

	return rc ? rc : audit_encode_checked(ev, out, err);
}

/* A bounded cursor over the encoding. */
struct cur {
	const uint8_t *p;
	size_t left;
};

static int take_be(struct cur *c, unsigned bytes, uint64_t *v)
{
	if (c->left < bytes)
		return -1;
	*v = 0;
	for (unsigned i = 0; i < bytes; i++)
		*v = *v << 8 | c->p[i];
	c->p += bytes;
	c->left -= bytes;
	return 0;
}

tims_rc tims_audit_event_decode(const void *data, size_t len,
				struct tims_audit_event *ev,
				struct tims_err *err)
{
	struct cur c = { data, len };
	const char *what = "version";
	uint64_t v;

	memset(ev, 0, sizeof(*ev));
	if (take_be(&c, 1, &v))
		goto short_;
	if (v != TIMS_AUDIT_VERSION)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "version: %u, want %d", (unsigned)v,
				    TIMS_AUDIT_VERSION);
	what = "time";
	if (take_be(&c, 8, &v))
		goto short_;
	ev->time_ms = (int64_t)v;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++) {
		char *dst = (char *)ev + fields[i].off;

		what = fields[i].name;
		if (take_be(&c, 2, &v))
			goto short_;
		if (v >= fields[i].size)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: %u bytes, at most %zu", what,
					    (unsigned)v, fields[i].size - 1);
		if (c.left < v)
			goto short_;
		if (memchr(c.p, '\0', (size_t)v))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: NUL byte", what);
		memcpy(dst, c.p, (size_t)v);
		dst[v] = '\0';
		c.p += v;
		c.left -= (size_t)v;
	}
	what = "crossing";
	if (take_be(&c, 8, &v))
		goto short_;
	ev->crossing = (int64_t)v;
	what = "status";
	if (take_be(&c, 4, &v))
		goto short_;
	ev->status = (int)(int32_t)(uint32_t)v;
	for (int i = 0; i < 2; i++) {
		what = i ? "result" : "query";
		if (take_be(&c, 4, &v))
			goto short_;
		if (v > TIMS_AUDIT_TEXT_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: %" PRIu64 " bytes, at most %d",
					    what, v, TIMS_AUDIT_TEXT_MAX);
		if (c.left < v)
			goto short_;
		if (i) {
			ev->result = v ? (const char *)c.p : NULL;
			ev->result_len = (size_t)v;
		} else {
			ev->query = v ? (const char *)c.p : NULL;
			ev->query_len = (size_t)v;
		}
		c.p += v;
		c.left -= (size_t)v;
	}
	if (c.left)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "audit event: %zu bytes after the result",
				    c.left);
	/* The encoder's own rules: what it would refuse is not canonical. */
	return tims_audit_event_check(ev, err);
short_:
	return tims_err_set(err, TIMS_ERR_INVALID, "%s: truncated", what);
}

void tims_audit_entry(const uint8_t salt[TIMS_AUDIT_SALT_BYTES],
		      const void *enc, size_t len, int64_t time_ms,
		      uint8_t entry[TIMS_AUDIT_ENTRY_BYTES])
{
	tims_tlog_salted_entry(TIMS_AUDIT_VERSION, TIMS_AUDIT_KIND, time_ms, salt, enc, len,
			       entry);
}

int64_t audit_entry_time(const uint8_t *entry, size_t len)
{
	if (len != TIMS_AUDIT_ENTRY_BYTES || entry[0] != TIMS_AUDIT_VERSION ||
	    entry[1] != TIMS_AUDIT_KIND)
		return INT64_MIN;
	return tims_tlog_entry_time(entry);
}
