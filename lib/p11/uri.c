/*
 * uri.c — the PKCS#11 URIs (RFC 7512) TIMS reads: exactly the attributes
 * p11.h lists, percent-decoded, bounded, anything else refused by name.
 *
 *   pkcs11:token=LABEL[;object=LABEL]?module-path=/abs/lib.so
 *          [&pin-source=PATH | &pin-value=PIN]
 *
 * A hand-written parser rather than p11_kit_uri_parse: p11-kit accepts (and
 * silently ignores) attributes we do not act on, and we want a URI that says
 * more than we do to be refused, not half-obeyed.
 */
#include <sodium.h>

#include "internal.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 characters a URI may carry unencoded (unreserved, sub-delims,
 * ':' '@' '/' and the '%' of an escape); anything else must be escaped. */
static int uri_char(unsigned char c)
{
	return isalnum(c) || strchr("-._~!$&'()*+,;=:@/%?", c) != NULL;
}

/* Decode [s, s+len) into out (at most max bytes, NUL-terminated). */
static tims_rc pct_decode(const char *name, const char *s, size_t len,
			  char *out, size_t max, struct tims_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "pkcs11 URI: %s: truncated "
						    "percent escape", name);
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "pkcs11 URI: %s: bad percent "
						    "escape", name);
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "pkcs11 URI: %s: control character "
					    "in value", name);
		if (n + 1 >= max)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "pkcs11 URI: %s: longer than %zu "
					    "bytes", name, max - 1);
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (!n)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: %s: empty value", name);
	return TIMS_OK;
}

struct attr {
	const char *name;
	int query;   /* 1: after '?', 0: in the path */
	size_t off;  /* destination in struct p11_uri, or SIZE_MAX for the PIN */
	size_t max;
};

#define PIN_SLOT ((size_t)-1)

static const struct attr attrs[] = {
	{ "token", 0, offsetof(struct p11_uri, token), sizeof(((struct p11_uri *)0)->token) },
	{ "object", 0, offsetof(struct p11_uri, object), sizeof(((struct p11_uri *)0)->object) },
	{ "module-path", 1, offsetof(struct p11_uri, module), sizeof(((struct p11_uri *)0)->module) },
	{ "pin-source", 1, offsetof(struct p11_uri, pin_source), sizeof(((struct p11_uri *)0)->pin_source) },
	{ "pin-value", 1, PIN_SLOT, P11_PIN_MAX + 1 },
};

/* One "name=value" of the path (query = 0) or the query (1). */
static tims_rc one_attr(struct p11_uri *u, const char *s, size_t len,
			int query, unsigned *seen, struct tims_buf *display,
			struct tims_err *err)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen;
	char name[32];
	tims_rc rc;

	if (!len)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: empty %s attribute",
				    query ? "query" : "path");
	if (!eq || eq == s) /* not echoed: it could be a mistyped PIN */
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: a %s attribute is not NAME=VALUE",
				    query ? "query" : "path");
	nlen = (size_t)(eq - s);
	if (nlen >= sizeof(name))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: unknown attribute '%.31s...'", s);
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		const struct attr *a = &attrs[i];

		if (strcmp(a->name, name) != 0)
			continue;
		if (a->query != query)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "pkcs11 URI: %s belongs in the %s",
					    name, a->query ? "query (after '?')"
							   : "path (before '?')");
		if (*seen & (1u << i))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "pkcs11 URI: %s given twice", name);
		*seen |= 1u << i;
		if (a->off == PIN_SLOT) {
			rc = pct_decode(name, eq + 1, len - nlen - 1,
					u->pin_value, P11_PIN_MAX + 1, err);
			if (rc)
				return rc;
			return TIMS_OK; /* never shown */
		}
		rc = pct_decode(name, eq + 1, len - nlen - 1,
				(char *)u + a->off, a->max, err);
		if (rc)
			return rc;
		if (display->len > strlen("pkcs11:") &&
		    (rc = tims_buf_addch(display, query ? '&' : ';')))
			return rc;
		return tims_buf_add(display, s, len);
	}
	return tims_err_set(err, TIMS_ERR_INVALID,
			    "pkcs11 URI: unknown attribute '%s' (read: token, "
			    "object, module-path, pin-source, pin-value)", name);
}

tims_rc p11_uri_parse(const char *uri, struct p11_uri *u, struct tims_err *err)
{
	const char *p, *q, *end;
	struct tims_buf path = TIMS_BUF_INIT(TIMS_P11_URI_MAX + 1);
	struct tims_buf query = TIMS_BUF_INIT(TIMS_P11_URI_MAX + 1);
	unsigned seen = 0;
	size_t len;
	tims_rc rc = TIMS_OK;

	u->token[0] = u->object[0] = u->module[0] = u->pin_source[0] = '\0';
	u->pin_value[0] = '\0';
	u->display[0] = '\0';
	if (!uri)
		return tims_err_set(err, TIMS_ERR_INVALID, "pkcs11 URI: none given");
	len = strnlen(uri, TIMS_P11_URI_MAX + 1);
	if (len > TIMS_P11_URI_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: longer than %d bytes",
				    TIMS_P11_URI_MAX);
	if (strncasecmp(uri, "pkcs11:", 7) != 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: does not start with pkcs11:");
	for (size_t i = 0; i < len; i++)
		if (!uri_char((unsigned char)uri[i]))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "pkcs11 URI: character 0x%02x at "
					    "offset %zu must be percent-encoded",
					    (unsigned char)uri[i], i);
	end = uri + len;
	q = memchr(uri, '?', len);
	if (q && memchr(q + 1, '?', (size_t)(end - q - 1)))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "pkcs11 URI: more than one '?'");
	/* the path: name=value;name=value */
	(void)tims_buf_addstr(&path, "pkcs11:");
	for (p = uri + 7; p < (q ? q : end);) {
		const char *stop = q ? q : end;
		const char *semi = memchr(p, ';', (size_t)(stop - p));
		const char *e = semi ? semi : stop;

		if ((rc = one_attr(u, p, (size_t)(e - p), 0, &seen, &path, err)))
			goto out;
		p = semi ? semi + 1 : stop;
		if (semi && p == stop) {
			rc = tims_err_set(err, TIMS_ERR_INVALID,
					  "pkcs11 URI: empty path attribute");
			goto out;
		}
	}
	if (q) {
		(void)tims_buf_addstr(&query, "pkcs11:"); /* keeps one_attr's
							   * separator rule */
		for (p = q + 1; p <= end;) {
			const char *amp = memchr(p, '&', (size_t)(end - p));
			const char *e = amp ? amp : end;

			if ((rc = one_attr(u, p, (size_t)(e - p), 1, &seen,
					   &query, err)))
				goto out;
			if (!amp)
				break;
			p = amp + 1;
		}
	}
	if (!u->token[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "pkcs11 URI: token= (the token label) is "
				  "required");
		goto out;
	}
	if (strlen(u->token) > 32) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "pkcs11 URI: token label longer than 32 bytes");
		goto out;
	}
	if (!u->module[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "pkcs11 URI: module-path= is required");
		goto out;
	}
	if (u->module[0] != '/') {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "pkcs11 URI: module-path must be an absolute "
				  "path (got '%s')", u->module);
		goto out;
	}
	if (u->pin_source[0] && u->pin_value[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "pkcs11 URI: pin-source and pin-value are "
				  "exclusive");
		goto out;
	}
	if (!strncmp(u->pin_source, "file:", 5)) {
		/* RFC 7512 names pin-source as a URI: file:///p or file:/p */
		const char *f = u->pin_source + 5;
		size_t flen;

		if (!strncmp(f, "//", 2))
			f += 2;
		flen = strlen(f);
		if (f[0] != '/') {
			rc = tims_err_set(err, TIMS_ERR_INVALID,
					  "pkcs11 URI: pin-source file: URI "
					  "without an absolute path");
			goto out;
		}
		memmove(u->pin_source, f, flen + 1);
	}
	{
		/* display: the path, then the query without pin-value */
		size_t n = (size_t)snprintf(u->display, sizeof(u->display), "%s",
					    tims_buf_str(&path));

		if (query.len > strlen("pkcs11:"))
			snprintf(u->display + n, sizeof(u->display) - n, "?%s",
				 tims_buf_str(&query) + strlen("pkcs11:"));
	}
out:
	tims_buf_release(&path);
	tims_buf_release(&query);
	if (rc) {
		sodium_memzero(u->pin_value, P11_PIN_MAX + 1);
		u->display[0] = '\0';
	}
	return rc;
}

tims_rc tims_p11_uri_paths(const char *uri, size_t len, char *module, size_t mlen,
			   char *pin_source, size_t plen, struct tims_err *err)
{
	char text[TIMS_P11_URI_MAX + 1];
	struct p11_uri *u;
	tims_rc rc;

	if (len > TIMS_P11_URI_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "pkcs11 URI: longer than %d bytes",
				    TIMS_P11_URI_MAX);
	memcpy(text, uri, len);
	text[len] = '\0';
	if (!(u = calloc(1, sizeof(*u))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11 URI: out of memory");
	rc = p11_uri_parse(text, u, err);
	sodium_memzero(u->pin_value, sizeof(u->pin_value));
	if (!rc && (strlen(u->module) >= mlen || strlen(u->pin_source) >= plen))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "pkcs11 URI: a path longer than the buffer");
	if (!rc) {
		snprintf(module, mlen, "%s", u->module);
		snprintf(pin_source, plen, "%s", u->pin_source);
	}
	free(u);
	return rc;
}

int tims_p11_uri_names_ca(const char *uri)
{
	char text[TIMS_P11_URI_MAX + 1];
	size_t len = strcspn(uri, "\r\n");
	struct p11_uri *u;
	int r;

	if (len > TIMS_P11_URI_MAX)
		return 0; /* refused by any parse: nothing is loaded */
	memcpy(text, uri, len);
	text[len] = '\0';
	if (!(u = calloc(1, sizeof(*u))))
		return 1;
	if (p11_uri_parse(text, u, NULL))
		r = 0;   /* not a URI that opens anything */
	else         /* the label decoded, as the token sees it */
		r = !u->object[0] || !strncmp(u->object, "tims-ca-", 8);
	sodium_memzero(u->pin_value, sizeof(u->pin_value));
	free(u);
	return r;
}
