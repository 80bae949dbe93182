/*
 * event.c — the canonical encoding of an audit event (version 1) and its
 * salted leaf entry (see include/tims/audit.h, docs/formats.md "Audit events").
 *
 *   u8  version (1)
 *   i64 time_ms            big-endian
 *   str actor, role, booth, addr, action, purpose   (u16 length + bytes)
 *   i64 crossing           big-endian, -1 for none
 *   i32 status             big-endian
 *   txt query, result      (u32 length + bytes; length 0 = none)
 *
 * Leaf entry (42 bytes, like a crossing record's): version (1), kind (2 =
 * audit event), time_ms (8, big-endian), SHA-256(salt[32] || encoding).
 */
#include <sodium.h>

#include "audit_int.h"

static tims_rc put(struct tims_buf *b, const void *p, size_t n)
{
	return tims_buf_add(b, p, n);
}

static tims_rc put_be(struct tims_buf *b, uint64_t v, unsigned bytes)
{
	uint8_t x[8];

	for (unsigned i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(b, x, bytes);
}

static tims_rc put_str(struct tims_buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	tims_rc rc;

	if (n > max)
		return TIMS_ERR_TOOBIG;
	if ((rc = put_be(b, n, 2)))
		return rc;
	return put(b, s, n);
}

static tims_rc put_txt(struct tims_buf *b, const char *s, size_t n)
{
	tims_rc rc;

	if (n > TIMS_AUDIT_TEXT_MAX)
		return TIMS_ERR_TOOBIG;
	if ((rc = put_be(b, s ? n : 0, 4)))
		return rc;
	return s && n ? put(b, s, n) : TIMS_OK;
}

/* Text fields: printable, no control bytes (they end up in an auditor's terminal). */
static tims_rc check_text(const char *what, const char *s, struct tims_err *err)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: control character", what);
	return TIMS_OK;
}

static tims_rc check_json(const char *what, const char *s, size_t n, struct tims_err *err)
{
	json_t *j;
	json_error_t je;

	if (!s)
		return TIMS_OK;
	if (n > TIMS_AUDIT_TEXT_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: longer than %d bytes", what,
				    TIMS_AUDIT_TEXT_MAX);
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not JSON (%s)", what, je.text);
	json_decref(j);
	return TIMS_OK;
}

tims_rc audit_encode(const struct tims_audit_event *ev, struct tims_buf *out,
		     struct tims_err *err)
{
	static const struct { const char *name; size_t off, max; } fields[] = {
		{ "actor", offsetof(struct tims_audit_event, actor), 64 },
		{ "role", offsetof(struct tims_audit_event, role), 15 },
		{ "booth", offsetof(struct tims_audit_event, booth), 31 },
		{ "addr", offsetof(struct tims_audit_event, addr), 63 },
		{ "action", offsetof(struct tims_audit_event, action), 63 },
		{ "purpose", offsetof(struct tims_audit_event, purpose), 255 },
	};
	tims_rc rc;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++) {
		const char *s = (const char *)ev + fields[i].off;

		if (strnlen(s, fields[i].max + 1) > fields[i].max)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: longer than %zu bytes",
					    fields[i].name, fields[i].max);
		if ((rc = check_text(fields[i].name, s, err)))
			return rc;
	}
	if (!ev->action[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "action: empty");
	if ((rc = check_json("query", ev->query, ev->query_len, err)) ||
	    (rc = check_json("result", ev->result, ev->result_len, err)))
		return rc;
	tims_buf_reset(out);
	if ((rc = put_be(out, TIMS_AUDIT_VERSION, 1)) ||
	    (rc = put_be(out, (uint64_t)ev->time_ms, 8)))
		goto fail;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++)
		if ((rc = put_str(out, (const char *)ev + fields[i].off, fields[i].max)))
			goto fail;
	if ((rc = put_be(out, (uint64_t)ev->crossing, 8)) ||
	    (rc = put_be(out, (uint64_t)(uint32_t)ev->status, 4)) ||
	    (rc = put_txt(out, ev->query, ev->query_len)) ||
	    (rc = put_txt(out, ev->result, ev->result_len)))
		goto fail;
	return TIMS_OK;
fail:
	return tims_err_set(err, rc, "audit event: does not fit its encoding");
}

struct cur {
	const uint8_t *p, *end;
};

static int take(struct cur *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	if (out)
		memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

static int take_be(struct cur *c, unsigned bytes, uint64_t *v)
{
	uint8_t x[8];

	if (take(c, x, bytes))
		return -1;
	*v = 0;
	for (unsigned i = 0; i < bytes; i++)
		*v = *v << 8 | x[i];
	return 0;
}

tims_rc audit_decode(const void *data, size_t len, struct tims_audit_event *ev,
		     struct tims_err *err)
{
	struct cur c = { data, (const uint8_t *)data + len };
	char *dst[] = { ev->actor, ev->role, ev->booth, ev->addr, ev->action, ev->purpose };
	size_t cap[] = { sizeof(ev->actor), sizeof(ev->role), sizeof(ev->booth),
			 sizeof(ev->addr), sizeof(ev->action), sizeof(ev->purpose) };
	uint64_t v;

	memset(ev, 0, sizeof(*ev));
	if (take_be(&c, 1, &v) || v != TIMS_AUDIT_VERSION)
		return tims_err_set(err, TIMS_ERR_INVALID, "audit event: unknown version");
	if (take_be(&c, 8, &v))
		goto short_;
	ev->time_ms = (int64_t)v;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(dst); i++) {
		if (take_be(&c, 2, &v))
			goto short_;
		if (v >= cap[i])
			return tims_err_set(err, TIMS_ERR_INVALID, "audit event: field %zu too long", i);
		if (take(&c, dst[i], (size_t)v))
			goto short_;
		dst[i][v] = '\0';
		if (strlen(dst[i]) != v)
			return tims_err_set(err, TIMS_ERR_INVALID, "audit event: NUL in field %zu", i);
	}
	if (take_be(&c, 8, &v))
		goto short_;
	ev->crossing = (int64_t)v;
	if (take_be(&c, 4, &v))
		goto short_;
	ev->status = (int)(int32_t)(uint32_t)v;
	for (int i = 0; i < 2; i++) {
		const char **s = i ? &ev->result : &ev->query;
		size_t *n = i ? &ev->result_len : &ev->query_len;

		if (take_be(&c, 4, &v) || v > TIMS_AUDIT_TEXT_MAX)
			goto short_;
		*s = v ? (const char *)c.p : NULL;
		*n = (size_t)v;
		if (take(&c, NULL, (size_t)v))
			goto short_;
	}
	if (c.p != c.end)
		return tims_err_set(err, TIMS_ERR_INVALID, "audit event: trailing bytes");
	return TIMS_OK;
short_:
	return tims_err_set(err, TIMS_ERR_INVALID, "audit event: truncated");
}

void audit_entry(const uint8_t salt[AUDIT_SALT_BYTES], const void *enc, size_t len,
		 int64_t time_ms, uint8_t entry[AUDIT_ENTRY_BYTES])
{
	crypto_hash_sha256_state st;

	entry[0] = TIMS_AUDIT_VERSION;
	entry[1] = AUDIT_KIND;
	for (int i = 0; i < 8; i++)
		entry[2 + i] = (uint8_t)((uint64_t)time_ms >> (56 - 8 * i));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, AUDIT_SALT_BYTES);
	crypto_hash_sha256_update(&st, enc, len);
	crypto_hash_sha256_final(&st, entry + 10);
}
