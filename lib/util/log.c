/*
 * log.c — log lines as journald reads them (include/tims/log.h).
 *
 * Every value goes through one quoting function, so a value a client chose
 * (a path, a header, a peer's error text) can neither end the line nor
 * pass for another field; the sink checks the whole line once more before
 * it is written.
 */
#include <stdio.h>
#include <string.h>

#include "tims/banned.h"
#include "tims/log.h"

const char *const tims_log_level_names[] = {
	"error", "warning", "notice", "info", "debug", NULL,
};

tims_rc tims_log_level_parse(const char *name, int *level, struct tims_err *err)
{
	for (int i = 0; tims_log_level_names[i]; i++)
		if (name && !strcmp(name, tims_log_level_names[i])) {
			*level = TIMS_LOG_ERR + i;
			return TIMS_OK;
		}
	return tims_err_set(err, TIMS_ERR_INVALID, "log-level: '%s' is not one of "
			    "error|warning|notice|info|debug", name ? name : "");
}

static int needs_quotes(const unsigned char *v)
{
	if (!*v)
		return 1;
	for (; *v; v++)
		if (*v <= ' ' || *v >= 0x7f || *v == '"' || *v == '=' || *v == '\\')
			return 1;
	return 0;
}

char *tims_log_quote(const char *value, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *v = (const unsigned char *)(value ? value : "-");
	size_t o = 0;
	int q;

	if (!outlen)
		return out;
	q = needs_quotes(v);
	if (q && o + 1 < outlen)
		out[o++] = '"';
	for (; *v; v++) {
		char e[4];
		size_t k = 0;

		if (!q || (*v >= ' ' && *v < 0x7f && *v != '"' && *v != '\\')) {
			e[k++] = (char)*v;
		} else if (*v == '"' || *v == '\\') {
			e[k++] = '\\';
			e[k++] = (char)*v;
		} else if (*v == '\n' || *v == '\r' || *v == '\t') {
			e[k++] = '\\';
			e[k++] = *v == '\n' ? 'n' : *v == '\r' ? 'r' : 't';
		} else {
			e[k++] = '\\';
			e[k++] = 'x';
			e[k++] = hex[*v >> 4];
			e[k++] = hex[*v & 15];
		}
		/* room for this, the closing quote and the NUL */
		if (o + k + (size_t)q + 1 > outlen)
			break;
		memcpy(out + o, e, k);
		o += k;
	}
	if (q)
		out[o++] = '"';
	out[o] = '\0';
	return out;
}

#define CUT " cut=1"

static void mark_cut(struct tims_log_line *l)
{
	if (l->cut)
		return;
	memcpy(l->buf + l->len, CUT, sizeof(CUT));
	l->len += sizeof(CUT) - 1;
	l->cut = 1;
}

/* Every add leaves room for CUT, so that a line can always say it was cut. */
static void add_raw(struct tims_log_line *l, const char *s, size_t n)
{
	if (l->cut)
		return;
	if (l->len + n + sizeof(CUT) > sizeof(l->buf)) {
		mark_cut(l);
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

void tims_log_begin(struct tims_log_line *l, int level, const char *event)
{
	if (level < TIMS_LOG_ERR)
		level = TIMS_LOG_ERR;
	if (level > TIMS_LOG_DEBUG)
		level = TIMS_LOG_DEBUG;
	l->len = (size_t)snprintf(l->buf, sizeof(l->buf), "<%d>", level);
	l->cut = 0;
	if (event) {
		char q[128];

		tims_log_quote(event, q, sizeof(q));
		add_raw(l, "event=", 6);
		add_raw(l, q, strlen(q));
	}
}

void tims_log_add(struct tims_log_line *l, const char *key, const char *value)
{
	char q[TIMS_LOG_LINE_MAX];
	size_t kl = strlen(key);

	tims_log_quote(value, q, sizeof(q));
	/* a field goes in whole or not at all */
	if (l->cut || l->len + 1 + kl + 1 + strlen(q) + sizeof(CUT) > sizeof(l->buf)) {
		mark_cut(l);
		return;
	}
	if (l->len > 3)
		add_raw(l, " ", 1);
	add_raw(l, key, kl);
	add_raw(l, "=", 1);
	add_raw(l, q, strlen(q));
}

void tims_log_vaddf(struct tims_log_line *l, const char *key, const char *fmt, va_list ap)
{
	char v[TIMS_LOG_LINE_MAX];

	vsnprintf(v, sizeof(v), fmt, ap);
	tims_log_add(l, key, v);
}

void tims_log_addf(struct tims_log_line *l, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tims_log_vaddf(l, key, fmt, ap);
	va_end(ap);
}

const char *tims_log_text(const struct tims_log_line *l)
{
	return l->buf;
}

/* "<N>" at the start: its level, else 0. */
static int prefix_level(const char *line)
{
	if (line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>')
		return line[1] - '0';
	return 0;
}

const char *tims_log_keep(const char *line, int max_level, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	int level = prefix_level(line);
	size_t o = 0;

	if (!outlen)
		return NULL;
	if (!level) {
		/* free text from a call site not yet structured */
		struct tims_log_line l;

		if (TIMS_LOG_INFO > max_level)
			return NULL;
		tims_log_begin(&l, TIMS_LOG_INFO, NULL);
		tims_log_add(&l, "msg", line);
		snprintf(out, outlen, "%s", tims_log_text(&l));
		return out;
	}
	if (level > max_level)
		return NULL;
	/* built by tims_log_*: already safe; checked again, since a line that
	 * ends early or drives a terminal is worse than an ugly one */
	for (const unsigned char *p = (const unsigned char *)line; *p && o + 5 < outlen; p++) {
		if (*p < ' ' || *p >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
	return out;
}
