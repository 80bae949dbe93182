/*
 * conf.c — the daemons' configuration files (include/tims/conf.h).
 *
 * One pass over the bytes, line by line, through a bounded cursor: the
 * line and line-count ceilings are checked before anything is copied, and
 * every value is checked against its key's declared type before it is
 * kept. An error leaves nothing behind, so a caller never serves with half
 * a file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tims/banned.h"
#include "tims/buf.h"
#include "tims/conf.h"

void tims_conf_init(struct tims_conf *c, const struct tims_conf_key *keys, size_t nkeys)
{
	memset(c, 0, sizeof(*c));
	c->keys = keys;
	c->nkeys = nkeys > TIMS_CONF_KEYS_MAX ? TIMS_CONF_KEYS_MAX : nkeys;
}

void tims_conf_release(struct tims_conf *c)
{
	for (size_t i = 0; i < TIMS_CONF_KEYS_MAX; i++) {
		free(c->val[i].str);
		memset(&c->val[i], 0, sizeof(c->val[i]));
	}
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t want;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		want = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		want = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		want = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < want)
		return 0;
	for (size_t i = 1; i < want; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((want == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (want == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	/* C1 controls (U+0080..U+009F) drive terminals like C0 ones */
	if (want == 2 && cp < 0xa0)
		return 0;
	return want;
}

/* The line is text: UTF-8, no control byte but tab. Returns the reason or NULL. */
static const char *text_problem(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k;

		if (u[i] == 0)
			return "a NUL byte";
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return u[i] == '\r' ? "a carriage return inside the line"
					    : "a control byte";
		if (!(k = utf8_len(u + i, n - i)))
			return "bytes that are not UTF-8 text";
		i += k;
	}
	return NULL;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1; /* empty, or a leading zero (octal?) */
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

static int is_addr(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Check `v` against the key; fill num. Returns the reason or NULL. The
 * reasons are static or written into why. */
static const char *check_value(const struct tims_conf_key *k, const char *v,
			       uint32_t *num, char *why, size_t whylen)
{
	uint64_t n;

	switch (k->type) {
	case TIMS_CONF_STRING:
		return NULL;
	case TIMS_CONF_PATH:
		if (v[0] != '/')
			return "not an absolute path";
		return NULL;
	case TIMS_CONF_PORT:
	case TIMS_CONF_U32: {
		uint32_t max = k->type == TIMS_CONF_PORT && k->max > 65535 ? 65535 : k->max;

		if (parse_num(v, max, &n) || n < k->min) {
			snprintf(why, whylen, "'%s' is not %s from %u to %u", v,
				 k->type == TIMS_CONF_PORT ? "a port number" : "a number",
				 k->min, max);
			return why;
		}
		*num = (uint32_t)n;
		return NULL;
	}
	case TIMS_CONF_ENUM: {
		size_t off;

		for (size_t i = 0; k->choices && k->choices[i]; i++)
			if (!strcmp(v, k->choices[i])) {
				*num = (uint32_t)i;
				return NULL;
			}
		off = (size_t)snprintf(why, whylen, "'%s' is not one of", v);
		for (size_t i = 0; k->choices && k->choices[i] && off < whylen; i++)
			off += (size_t)snprintf(why + off, whylen - off, "%s%s", i ? "|" : " ",
						k->choices[i]);
		return why;
	}
	case TIMS_CONF_ADDR:
		if (!is_addr(v)) {
			snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", v);
			return why;
		}
		return NULL;
	case TIMS_CONF_ADDR_PORT: {
		const char *colon = strrchr(v, ':');
		char a[64];
		size_t al;

		if (!colon)
			goto bad_ap;
		al = (size_t)(colon - v);
		if (al >= 2 && v[0] == '[' && v[al - 1] == ']') {
			if (al - 2 >= sizeof(a))
				goto bad_ap;
			memcpy(a, v + 1, al - 2);
			a[al - 2] = '\0';
		} else {
			if (al >= sizeof(a) || memchr(v, ':', al))
				goto bad_ap; /* an IPv6 address goes in [] */
			memcpy(a, v, al);
			a[al] = '\0';
		}
		if (!is_addr(a) || parse_num(colon + 1, 65535, &n))
			goto bad_ap;
		*num = (uint32_t)n;
		return NULL;
bad_ap:
		snprintf(why, whylen, "'%s' is not ADDR:PORT (127.0.0.1:8443, [::1]:8443)", v);
		return why;
	}
	}
	return "a key of no known type";
}

static tims_rc conf_fail(struct tims_conf *c, struct tims_err *err, tims_rc rc,
			 const char *name, unsigned line, const char *key,
			 const char *reason)
{
	tims_conf_release(c);
	if (key)
		return tims_err_set(err, rc, "%s:%u: key '%s': %s", name, line, key, reason);
	return tims_err_set(err, rc, "%s:%u: %s", name, line, reason);
}

tims_rc tims_conf_parse(struct tims_conf *c, const char *name, const char *text,
			size_t len, struct tims_err *err)
{
	size_t pos = 0;
	unsigned lineno = 0;
	char why[200], key[64];

	tims_conf_release(c);
	while (pos < len) {
		const char *line = text + pos, *nl, *eq, *p;
		size_t n, kl, vl;
		const char *problem;
		size_t ki;
		uint32_t num = 0;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		if (lineno > TIMS_CONF_LINES_MAX) {
			snprintf(why, sizeof(why), "more than %d lines", TIMS_CONF_LINES_MAX);
			return conf_fail(c, err, TIMS_ERR_TOOBIG, name, lineno, NULL, why);
		}
		if (n && line[n - 1] == '\r')
			n--; /* CRLF */
		if (n > TIMS_CONF_LINE_MAX) {
			snprintf(why, sizeof(why), "line longer than %d bytes", TIMS_CONF_LINE_MAX);
			return conf_fail(c, err, TIMS_ERR_TOOBIG, name, lineno, NULL, why);
		}
		if ((problem = text_problem(line, n)))
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, NULL, problem);
		while (n && is_blank(*line))
			line++, n--;
		while (n && is_blank(line[n - 1]))
			n--;
		if (!n || line[0] == '#')
			continue;
		eq = memchr(line, '=', n);
		/* the key as far as it goes, for the message */
		for (kl = 0; kl < n && line + kl != eq && !is_blank(line[kl]); kl++)
			;
		if (kl >= sizeof(key)) {
			snprintf(why, sizeof(why), "a key longer than %zu bytes", sizeof(key) - 1);
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, NULL, why);
		}
		memcpy(key, line, kl);
		key[kl] = '\0';
		if (!eq)
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, kl ? key : NULL,
					 "malformed line: want 'key = value'");
		for (p = line + kl; p < eq; p++)
			if (!is_blank(*p))
				return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, key,
						 "malformed line: want 'key = value' (one word before '=')");
		if (!kl)
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, NULL,
					 "malformed line: no key before '='");
		for (ki = 0; ki < c->nkeys; ki++)
			if (!strcmp(c->keys[ki].name, key))
				break;
		if (ki == c->nkeys)
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, key, "unknown key");
		if (c->val[ki].set) {
			snprintf(why, sizeof(why), "repeated (first set on line %u)",
				 c->val[ki].line);
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, key, why);
		}
		p = eq + 1;
		vl = (size_t)(line + n - p);
		while (vl && is_blank(*p))
			p++, vl--;
		if (!vl)
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, key, "empty value");
		if (!(c->val[ki].str = malloc(vl + 1)))
			return conf_fail(c, err, TIMS_ERR_NOMEM, name, lineno, key, "out of memory");
		memcpy(c->val[ki].str, p, vl);
		c->val[ki].str[vl] = '\0';
		if ((problem = check_value(&c->keys[ki], c->val[ki].str, &num, why, sizeof(why))))
			return conf_fail(c, err, TIMS_ERR_INVALID, name, lineno, key, problem);
		c->val[ki].set = 1;
		c->val[ki].line = lineno;
		c->val[ki].num = num;
	}
	return TIMS_OK;
}

tims_rc tims_conf_load(struct tims_conf *c, const char *path, struct tims_err *err)
{
	/* every line at its longest, with CR and LF, and one byte more to see
	 * that there are too many */
	const size_t max = (size_t)TIMS_CONF_LINES_MAX * (TIMS_CONF_LINE_MAX + 2) + 1;
	struct tims_buf b = TIMS_BUF_INIT(max);
	struct stat st;
	char chunk[8192];
	tims_rc rc = TIMS_OK;
	int fd;

	tims_conf_release(c);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path,
				    S_ISDIR(st.st_mode) ? "a directory, not a file"
							: "not a regular file");
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		if (tims_buf_add(&b, chunk, (size_t)r)) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: larger than %d lines of %d "
					  "bytes", path, TIMS_CONF_LINES_MAX, TIMS_CONF_LINE_MAX);
			break;
		}
	}
	close(fd);
	if (!rc)
		rc = tims_conf_parse(c, path, b.buf ? b.buf : "", b.len, err);
	tims_buf_release(&b);
	return rc;
}

const struct tims_conf_value *tims_conf_get(const struct tims_conf *c, const char *key)
{
	for (size_t i = 0; i < c->nkeys; i++)
		if (!strcmp(c->keys[i].name, key))
			return c->val[i].set ? &c->val[i] : NULL;
	return NULL;
}

const char *tims_conf_str(const struct tims_conf *c, const char *key)
{
	const struct tims_conf_value *v = tims_conf_get(c, key);

	return v ? v->str : NULL;
}

int tims_conf_line_value(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v, *nl;
		size_t n;

		if (strncmp(p, key, kl) != 0)
			continue;
		v = p + kl;
		while (*v == ' ')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ')
			v++;
		nl = strchr(v, '\n');
		n = nl ? (size_t)(nl - v) : strlen(v);
		if (n >= cap)
			return 0;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}
