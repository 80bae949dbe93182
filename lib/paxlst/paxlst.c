/*
 * paxlst.c — UN/EDIFACT PAXLST interchanges read into travellers
 * (include/tims/paxlst.h; docs/paxlst.md).
 *
 * Three layers, each bounded:
 *   the envelope   Type-B teletype lines around an interchange; CR and LF
 *                  anywhere inside it are line wrapping and are skipped
 *   the syntax     UNA, then segments split on the element, component and
 *                  segment separators with the release character; each
 *                  byte checked against the interchange's character set
 *                  (UNOA, UNOB, UNOC as Latin-1, UNOW/UNOY as UTF-8)
 *   the message    UNB [UNG] UNH ... UNT [UNE] UNZ with their counts and
 *                  references; inside a PAXLST: TDT and LOC/DTM (the legs),
 *                  then per traveller NAD, ATT, DTM, LOC, NAT, DOC (and its
 *                  DTM, LOC), then CNT
 */
#include "tims/paxlst.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tims/util.h"

#define TAG(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
#define MAX_ELEMENTS 40
#define MAX_COMPONENTS 16
#define MAX_LEGS 16
#define MAX_MSG_WARNINGS 16

enum charset { CS_UNOA, CS_UNOB, CS_LATIN1, CS_UTF8 };

struct seg {
	size_t at;              /* byte offset of its first byte */
	uint32_t no;            /* its number in the interchange, from 1 */
	char tag[4];
	uint32_t tagv;          /* the tag as TAG('U','N','H'): one compare */
	unsigned nel;
	unsigned ncomp[MAX_ELEMENTS];
	const char *v[MAX_ELEMENTS][MAX_COMPONENTS];
	char data[2 * TIMS_PAXLST_MAX_SEGMENT + 2 * MAX_ELEMENTS * MAX_COMPONENTS];
	bool warned_lower, warned_byte;
	/* warnings found while reading it, routed once it is known whose they
	 * are (flush_pending): a NAD's go to the traveller it starts */
	unsigned npend;
	char pend[4][TIMS_PAXLST_WARNING];
};

struct leg {
	char flight[TIMS_PAXLST_VALUE];
	char dep[TIMS_PAXLST_CODE], dep_time[TIMS_PAXLST_VALUE];
	char arr[TIMS_PAXLST_CODE], arr_time[TIMS_PAXLST_VALUE];
};

struct ctx {
	const char *b;
	size_t len, pos;
	char comp, elem, rel, term;
	enum charset cs;
	const struct tims_paxlst_options *opt;
	struct tims_paxlst *out;
	struct tims_err *err;
	uint32_t segno;
	struct seg s;
	/* warnings of the interchange's envelope and of the current message */
	char iw[MAX_MSG_WARNINGS][TIMS_PAXLST_WARNING];
	unsigned niw;
	char mw[MAX_MSG_WARNINGS][TIMS_PAXLST_WARNING];
	unsigned nmw;
	/* the traveller being read gets its own warnings */
	struct tims_paxlst_traveller *cur;
	bool reading;       /* inside next_segment: warnings wait in s.pend */
	uint32_t w_env, n_env; /* the envelope's warnings in the pool, once kept */
	char prepared[TIMS_PAXLST_VALUE]; /* UNB's preparation date and time */
};

/* ---- small helpers ------------------------------------------------------ */

static tims_rc seg_err(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tims_rc seg_err(struct ctx *c, const char *fmt, ...)
{
	char m[TIMS_ERR_MSG_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return tims_err_set(c->err, TIMS_ERR_INVALID, "segment %u (%s) at byte %zu: %s", c->s.no,
			    c->s.tag[0] ? c->s.tag : "?", c->s.at, m);
}

/* The bytes of at most max of s's first bytes that end at a character
 * boundary (a UTF-8 sequence is never cut in two). */
static int utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return (int)n;
}

/* A segment's tag for a message, from the raw bytes at p (avail of them):
 * three capital letters as they are, any other byte as '?'. */
static void raw_tag(char tag[4], const char *p, size_t avail)
{
	size_t k;

	for (k = 0; k < 3 && k < avail; k++)
		tag[k] = p[k] >= 'A' && p[k] <= 'Z' ? p[k] : '?';
	tag[k] = '\0';
}

/* src into dst, cut at a character boundary to fit. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void route_warning(struct ctx *c, const char *w);
static void add_warning(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(struct ctx *c, const char *fmt, ...)
{
	char m[TIMS_PAXLST_WARNING], w[TIMS_PAXLST_WARNING + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	snprintf(w, sizeof(w), "segment %u (%s) at byte %zu: %s", c->s.no,
		 c->s.tag[0] ? c->s.tag : "?", c->s.at, m);
	c->out->warnings++;
	if (c->reading) {
		if (c->s.npend < 4)
			copy_cut(c->s.pend[c->s.npend++], TIMS_PAXLST_WARNING, w);
		return;
	}
	route_warning(c, w);
}

/* Keep one warning in the pool; its index, or UINT32_MAX when the pool is
 * full (the warning is still counted) or memory ran out. */
static uint32_t pool_add(struct ctx *c, const char *w)
{
	struct tims_paxlst *p = c->out;

	if (p->nwarn >= TIMS_PAXLST_MAX_WARNINGS)
		return UINT32_MAX;
	if (p->nwarn == p->capwarn) {
		size_t nc = p->capwarn ? 2 * p->capwarn : 16;
		char (*g)[TIMS_PAXLST_WARNING] = realloc(p->warn, nc * sizeof(*g));

		if (!g)
			return UINT32_MAX;
		p->warn = g;
		p->capwarn = nc;
	}
	copy_cut(p->warn[p->nwarn], TIMS_PAXLST_WARNING, w);
	return (uint32_t)p->nwarn++;
}

static void route_warning(struct ctx *c, const char *w)
{
	if (c->cur) {
		/* a traveller's own warnings are contiguous in the pool: none
		 * other is kept while it is the current one */
		uint32_t at = pool_add(c, w);

		if (at != UINT32_MAX) {
			if (!c->cur->n_own)
				c->cur->w_own = at;
			c->cur->n_own++;
		}
	} else if (c->nmw < MAX_MSG_WARNINGS) {
		copy_cut(c->mw[c->nmw++], TIMS_PAXLST_WARNING, w);
	}
}

/* The warnings of the segment just read, to whom they belong now. */
static void flush_pending(struct ctx *c)
{
	for (unsigned k = 0; k < c->s.npend; k++)
		route_warning(c, c->s.pend[k]);
	c->s.npend = 0;
}

/* Component k of element e ("" when absent). */
static const char *val(const struct seg *s, unsigned e, unsigned k)
{
	if (e >= s->nel || k >= s->ncomp[e] || !s->v[e][k])
		return "";
	return s->v[e][k];
}

/* Copy a value into a field; too long is an error naming it. */
static tims_rc put(struct ctx *c, char *dst, size_t cap, const char *v, const char *what)
{
	size_t n = strlen(v);

	if (n >= cap)
		return seg_err(c, "%s: %zu bytes, at most %zu", what, n, cap - 1);
	memcpy(dst, v, n + 1);
	return TIMS_OK;
}

/* ---- the syntax --------------------------------------------------------- */

static bool unoa_char(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr(" .,-()/='+:?!\"%&*;<>", ch) != NULL;
}

/* Append one byte of data to the segment's text under the charset rules.
 * *o is the write position; returns 0, or -1 when the segment is full. */
static int take_byte(struct ctx *c, size_t i, size_t *o)
{
	struct seg *s = &c->s;
	unsigned char ch = (unsigned char)c->b[i];
	const size_t cap = sizeof(s->data) - 4;

	if (*o >= cap)
		return -1;
	if (ch < 0x20 || ch == 0x7f) {
		if (!s->warned_byte) {
			s->warned_byte = true;
			add_warning(c, "control byte 0x%02X at byte %zu: read as '?'", ch, i);
		}
		s->data[(*o)++] = '?';
		return 0;
	}
	if (ch < 0x80) {
		if (c->cs == CS_UNOA && ch >= 'a' && ch <= 'z' && !s->warned_lower) {
			s->warned_lower = true;
			add_warning(c, "lower-case letters under UNOA: kept as sent");
		} else if (c->cs == CS_UNOA && !(ch >= 'a' && ch <= 'z') && !unoa_char(ch) &&
			   !s->warned_byte) {
			s->warned_byte = true;
			add_warning(c, "character '%c' at byte %zu is not in UNOA: kept", ch, i);
		}
		s->data[(*o)++] = (char)ch;
		return 0;
	}
	if (c->cs == CS_LATIN1) { /* ISO 8859-1 into UTF-8 */
		s->data[(*o)++] = (char)(0xC0 | (ch >> 6));
		s->data[(*o)++] = (char)(0x80 | (ch & 0x3F));
		return 0;
	}
	if (c->cs == CS_UTF8) { /* a whole, shortest-form sequence, or '?' */
		size_t n = ch >= 0xF0 && ch <= 0xF4 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC2 && ch <= 0xDF ? 2 : 0;
		bool ok = n && ch < 0xF5 && i + n <= c->len;

		for (size_t k = 1; ok && k < n; k++)
			ok = ((unsigned char)c->b[i + k] & 0xC0) == 0x80;
		if (ok && n == 3) {
			unsigned char c1 = (unsigned char)c->b[i + 1];

			ok = !(ch == 0xE0 && c1 < 0xA0) && !(ch == 0xED && c1 >= 0xA0);
		}
		if (ok && n == 4) {
			unsigned char c1 = (unsigned char)c->b[i + 1];

			ok = !(ch == 0xF0 && c1 < 0x90) && !(ch == 0xF4 && c1 >= 0x90);
		}
		if (ok) {
			memcpy(s->data + *o, c->b + i, n);
			*o += n;
			return (int)(n - 1); /* continuation bytes consumed */
		}
	}
	if (!s->warned_byte) {
		s->warned_byte = true;
		add_warning(c, "byte 0x%02X at byte %zu is outside the character set: read as '?'",
			    ch, i);
	}
	s->data[(*o)++] = '?';
	return 0;
}

/* Skip what lies between segments: CR, LF, spaces and tabs. */
static void skip_gap(struct ctx *c)
{
	while (c->pos < c->len && strchr("\r\n \t", c->b[c->pos]) && c->b[c->pos])
		c->pos++;
}

/* A byte as a message shows it: itself when printable ASCII, else \xHH
 * (messages are UTF-8 and end in JSON; a separator may be any byte). */
static const char *shown(char ch, char buf[6])
{
	unsigned char b = (unsigned char)ch;

	if (b >= 0x20 && b < 0x7F)
		buf[0] = (char)b, buf[1] = '\0';
	else
		snprintf(buf, 6, "\\x%02X", b);
	return buf;
}

/*
 * Read the next segment into c->s. TIMS_ERR_NOTFOUND at the end of the
 * buffer (nothing left but blanks).
 */
static tims_rc read_segment(struct ctx *c)
{
	struct seg *s = &c->s;
	size_t o = 0, start, raw = 0;
	unsigned e = 0, k = 0;
	bool done = false;

	skip_gap(c);
	if (c->pos >= c->len)
		return TIMS_ERR_NOTFOUND;
	memset(s->ncomp, 0, sizeof(s->ncomp));
	s->warned_lower = s->warned_byte = false;
	s->npend = 0;
	s->at = c->pos;
	s->no = ++c->segno;
	s->tag[0] = '\0';
	if (c->len - c->pos >= 3 && c->b[c->pos] >= 'A' && c->b[c->pos] <= 'Z' &&
	    c->b[c->pos + 1] >= 'A' && c->b[c->pos + 1] <= 'Z' && c->b[c->pos + 2] >= 'A' &&
	    c->b[c->pos + 2] <= 'Z')
		memcpy(s->tag, c->b + c->pos, 3), s->tag[3] = '\0'; /* for warnings while reading */
	c->reading = true;
	s->nel = 1;
	s->ncomp[0] = 1;
	s->v[0][0] = s->data;
	start = c->pos;
	while (c->pos < c->len) {
		size_t i = c->pos++;
		char ch = c->b[i];

		if (ch == '\r' || ch == '\n')
			continue; /* teletype line wrapping */
		if (++raw > TIMS_PAXLST_MAX_SEGMENT) {
			raw_tag(s->tag, c->b + start, c->len - start);
			return seg_err(c, "longer than %d bytes (a segment terminator missing?)",
				       TIMS_PAXLST_MAX_SEGMENT);
		}
		if (ch == c->term) {
			done = true;
			break;
		}
		if (ch == c->elem || ch == c->comp) {
			s->data[o++] = '\0';
			if (ch == c->elem) {
				if (++e >= MAX_ELEMENTS) {
					raw_tag(s->tag, c->b + start, c->len - start);
					return seg_err(c, "more than %d elements", MAX_ELEMENTS);
				}
				k = 0;
				s->nel = e + 1;
			} else if (++k >= MAX_COMPONENTS) {
				raw_tag(s->tag, c->b + start, c->len - start);
				return seg_err(c, "element %u: more than %d components", e, MAX_COMPONENTS);
			}
			s->ncomp[e] = k + 1;
			s->v[e][k] = s->data + o;
			continue;
		}
		if (ch == c->rel) { /* the next byte is data, whatever it is */
			while (c->pos < c->len && (c->b[c->pos] == '\r' || c->b[c->pos] == '\n'))
				c->pos++;
			if (c->pos >= c->len)
				break;
			i = c->pos++;
		}
		{
			int more = take_byte(c, i, &o);

			if (more < 0) {
				raw_tag(s->tag, c->b + start, c->len - start);
				return seg_err(c, "longer than %d bytes", TIMS_PAXLST_MAX_SEGMENT);
			}
			c->pos += (size_t)more;
		}
	}
	s->data[o] = '\0';
	/* the tag: three letters */
	{
		const char *t = s->v[0][0];

		if (strlen(t) != 3 || !(t[0] >= 'A' && t[0] <= 'Z') || !(t[1] >= 'A' && t[1] <= 'Z') ||
		    !(t[2] >= 'A' && t[2] <= 'Z')) {
			snprintf(s->tag, sizeof(s->tag), "?");
			return seg_err(c, "no segment tag (three capital letters) at its start");
		}
		memcpy(s->tag, t, 4);
		s->tagv = TAG(t[0], t[1], t[2]);
	}
	if (!done) {
		char b[6];

		return seg_err(c, "the interchange ends inside this segment (no terminator '%s')",
			       shown(c->term, b));
	}
	return TIMS_OK;
}

static tims_rc next_segment(struct ctx *c)
{
	tims_rc rc = read_segment(c);

	c->reading = false;
	return rc;
}

/* ---- dates -------------------------------------------------------------- */

static bool digits(const char *v, size_t n)
{
	if (strlen(v) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return true;
}

static int num(const char *v, size_t n)
{
	int x = 0;

	for (size_t i = 0; i < n; i++)
		x = x * 10 + (v[i] - '0');
	return x;
}

static bool real_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return y >= 1850 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1] + (m == 2 && leap);
}

enum dkind { D_BIRTH, D_OTHER };

static int today_yy(const struct ctx *c)
{
	int64_t day = c->opt && c->opt->today ? c->opt->today : (int64_t)time(NULL) / 86400;
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (tm.tm_year + 1900) % 100;
}

/*
 * A DTM value in ISO form when complete: format 102 CCYYMMDD, 201
 * YYMMDDHHMM, 203 CCYYMMDDHHMM, 101 (or none, 6 digits) YYMMDD; none with
 * 8, 10 or 12 digits read as 102, 201, 203. Anything else is kept as sent,
 * with a warning.
 */
static tims_rc dtm_value(struct ctx *c, char *dst, size_t cap, const char *v, const char *fmt,
			 enum dkind kind, const char *what)
{
	char iso[64];
	int y = 0, m = 0, d = 0, hh = -1, mm = -1;
	bool ok = false, yy = false;
	size_t n = strlen(v);

	if ((!strcmp(fmt, "102") || !*fmt) && digits(v, 8)) {
		y = num(v, 4), m = num(v + 4, 2), d = num(v + 6, 2), ok = true;
	} else if ((!strcmp(fmt, "203") || !*fmt) && digits(v, 12)) {
		y = num(v, 4), m = num(v + 4, 2), d = num(v + 6, 2);
		hh = num(v + 8, 2), mm = num(v + 10, 2), ok = true;
	} else if ((!strcmp(fmt, "201") || !*fmt) && digits(v, 10)) {
		y = num(v, 2), m = num(v + 2, 2), d = num(v + 4, 2);
		hh = num(v + 6, 2), mm = num(v + 8, 2), ok = yy = true;
	} else if ((!strcmp(fmt, "101") || !*fmt) && digits(v, 6)) {
		y = num(v, 2), m = num(v + 2, 2), d = num(v + 4, 2), ok = yy = true;
	}
	if (ok && yy)
		y += kind == D_BIRTH && y > today_yy(c) ? 1900 : 2000;
	if (ok && (!real_date(y, m, d) || (hh >= 0 && (hh > 23 || mm > 59))))
		ok = false;
	if (!ok) {
		if (n)
			add_warning(c, "%s: '%s' (format '%s') is not a date this reader knows: kept "
				    "as sent", what, v, fmt);
		return put(c, dst, cap, v, what);
	}
	/* YYYY-MM-DD[THH:MM], every part in range (checked above) */
	iso[0] = (char)('0' + y / 1000), iso[1] = (char)('0' + y / 100 % 10);
	iso[2] = (char)('0' + y / 10 % 10), iso[3] = (char)('0' + y % 10);
	iso[4] = '-', iso[5] = (char)('0' + m / 10), iso[6] = (char)('0' + m % 10);
	iso[7] = '-', iso[8] = (char)('0' + d / 10), iso[9] = (char)('0' + d % 10);
	iso[10] = '\0';
	if (hh >= 0) {
		iso[10] = 'T', iso[11] = (char)('0' + hh / 10), iso[12] = (char)('0' + hh % 10);
		iso[13] = ':', iso[14] = (char)('0' + mm / 10), iso[15] = (char)('0' + mm % 10);
		iso[16] = '\0';
	}
	return put(c, dst, cap, iso, what);
}

/* ---- the message -------------------------------------------------------- */

static tims_rc new_traveller(struct ctx *c)
{
	struct tims_paxlst *p = c->out;

	if (p->n >= TIMS_PAXLST_MAX_TRAVELLERS)
		return seg_err(c, "more than %d travellers in one input", TIMS_PAXLST_MAX_TRAVELLERS);
	if (p->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 64;
		struct tims_paxlst_traveller *t = realloc(p->t, nc * sizeof(*t));

		if (!t)
			return tims_err_set(c->err, TIMS_ERR_NOMEM, "paxlst: out of memory");
		p->t = t;
		p->cap = nc;
	}
	c->cur = &p->t[p->n++];
	memset(c->cur, 0, sizeof(*c->cur));
	c->cur->segment = c->s.no;
	return TIMS_OK;
}

static bool is_crew(const char *role)
{
	return !strcmp(role, "FM") || !strcmp(role, "DDU");
}

/* The travellers [first, n) of a message: the leg each is reported for,
 * the message's warnings (kept once in the pool), its reference. */
static void finish_message(struct ctx *c, size_t first, const struct leg *legs, unsigned nlegs,
			   const char (*emb)[TIMS_PAXLST_CODE], const char *ref, const char *version)
{
	uint32_t w_msg = 0, n_msg = 0;

	/* the envelope's warnings enter the pool once an interchange */
	if (c->niw && c->w_env == UINT32_MAX) {
		c->n_env = 0;
		for (unsigned k = 0; k < c->niw; k++) {
			uint32_t at = pool_add(c, c->iw[k]);

			if (at == UINT32_MAX)
				break;
			if (!c->n_env)
				c->w_env = at;
			c->n_env++;
		}
	}
	for (unsigned k = 0; k < c->nmw; k++) {
		uint32_t at = pool_add(c, c->mw[k]);

		if (at == UINT32_MAX)
			break;
		if (!n_msg)
			w_msg = at;
		n_msg++;
	}
	for (size_t i = first; i < c->out->n; i++) {
		struct tims_paxlst_traveller *t = &c->out->t[i];
		const struct leg *l = &legs[0];

		for (unsigned k = 0; k < nlegs; k++)
			if (emb[i - first][0] && !strcmp(legs[k].dep, emb[i - first])) {
				l = &legs[k];
				break;
			}
		memcpy(t->flight, l->flight, sizeof(t->flight));
		memcpy(t->departure_airport, l->dep, sizeof(t->departure_airport));
		memcpy(t->departure_time, l->dep_time, sizeof(t->departure_time));
		memcpy(t->arrival_airport, l->arr, sizeof(t->arrival_airport));
		memcpy(t->arrival_time, l->arr_time, sizeof(t->arrival_time));
		copy_cut(t->message_ref, sizeof(t->message_ref), ref);
		copy_cut(t->message_version, sizeof(t->message_version), version);
		memcpy(t->prepared, c->prepared, sizeof(t->prepared));
		if (c->w_env != UINT32_MAX) {
			t->w_env = c->w_env;
			t->n_env = c->n_env;
		}
		t->w_msg = w_msg;
		t->n_msg = n_msg;
		t->nwarnings = t->n_env + t->n_msg + t->n_own;
	}
}

const char *tims_paxlst_warning(const struct tims_paxlst *p,
				const struct tims_paxlst_traveller *t, unsigned k)
{
	uint32_t at;

	if (k < t->n_env)
		at = t->w_env + k;
	else if ((k -= t->n_env) < t->n_msg)
		at = t->w_msg + k;
	else if ((k -= t->n_msg) < t->n_own)
		at = t->w_own + k;
	else
		return NULL;
	return at < p->nwarn ? p->warn[at] : NULL;
}

/* From UNH (in c->s) to its UNT. */
static tims_rc read_message(struct ctx *c)
{
	struct leg legs[MAX_LEGS];
	char (*emb)[TIMS_PAXLST_CODE] = NULL;
	char ref[TIMS_PAXLST_VALUE], version[TIMS_PAXLST_CODE];
	unsigned nlegs = 0, nseg = 1;
	size_t first = c->out->n, nemb = 0;
	uint64_t pax = 0, crew = 0;
	long cnt42 = -1, cnt41 = -1;
	enum { HEAD, LEGS, PERSON, DOCUMENT } state = HEAD;
	tims_rc rc = TIMS_OK;
	bool in_leg_loc = false;

	memset(legs, 0, sizeof(legs));
	c->cur = NULL; /* the UNH's own warnings are the message's (c->mw) */
	if ((rc = put(c, ref, sizeof(ref), val(&c->s, 1, 0), "UNH message reference")))
		return rc;
	if (!*ref)
		return seg_err(c, "UNH without a message reference");
	if (strcmp(val(&c->s, 2, 0), "PAXLST"))
		return seg_err(c, "message type '%s', not PAXLST", val(&c->s, 2, 0));
	snprintf(version, sizeof(version), "%.*s:%.*s", utf8_prefix(val(&c->s, 2, 1), 3),
		 val(&c->s, 2, 1), utf8_prefix(val(&c->s, 2, 2), 3), val(&c->s, 2, 2));
	if (strcmp(version, "D:02B") && strcmp(version, "D:05B") && strcmp(version, "D:03B") &&
	    strcmp(version, "D:12B") && strcmp(version, "D:15B"))
		add_warning(c, "directory %s is not one this reader was built for (D:02B, D:05B): "
			    "read as they are", version);
	for (;;) {
		rc = next_segment(c);
		if (rc == TIMS_ERR_NOTFOUND) {
			rc = seg_err(c, "the interchange ends inside message %s (no UNT)", ref);
			break;
		}
		if (rc)
			break;
		nseg++;
		/* the segment's warnings: a NAD's to the traveller it starts,
		 * TDT's, CNT's and UNT's to the message, others to whom they
		 * come after */
		if (c->s.tagv == TAG('T', 'D', 'T') || c->s.tagv == TAG('C', 'N', 'T') || c->s.tagv == TAG('U', 'N', 'T'))
			c->cur = NULL;
		if (c->s.tagv != TAG('N', 'A', 'D') || state == HEAD)
			flush_pending(c);
		if (c->s.tagv == TAG('U', 'N', 'T')) {
			long n = strtol(val(&c->s, 1, 0), NULL, 10);

			c->cur = NULL;
			if (!digits(val(&c->s, 1, 0), strlen(val(&c->s, 1, 0))) || !*val(&c->s, 1, 0) ||
			    n != (long)nseg)
				rc = seg_err(c, "UNT counts %s segments, message %s has %u",
					     val(&c->s, 1, 0), ref, nseg);
			else if (strcmp(val(&c->s, 2, 0), ref))
				rc = seg_err(c, "UNT closes message '%s', UNH opened '%s'",
					     val(&c->s, 2, 0), ref);
			else if (cnt42 >= 0 && (uint64_t)cnt42 != pax)
				rc = seg_err(c, "CNT+42 says %ld passengers, message %s sends %" PRIu64,
					     cnt42, ref, pax);
			else if (cnt41 >= 0 && (uint64_t)cnt41 != crew)
				rc = seg_err(c, "CNT+41 says %ld crew, message %s sends %" PRIu64, cnt41,
					     ref, crew);
			else if (!nlegs && c->out->n > first)
				rc = seg_err(c, "message %s has travellers but no flight (TDT)", ref);
			break;
		}
		if (c->s.tagv == TAG('U', 'N', 'H') || c->s.tagv == TAG('U', 'N', 'Z') || c->s.tagv == TAG('U', 'N', 'B') ||
		    c->s.tagv == TAG('U', 'N', 'E') || c->s.tagv == TAG('U', 'N', 'G')) {
			rc = seg_err(c, "%s inside message %s (its UNT is missing)", c->s.tag, ref);
			break;
		}
		if (c->s.tagv == TAG('T', 'D', 'T')) {
			if (nlegs == MAX_LEGS) {
				rc = seg_err(c, "more than %d legs in one message", MAX_LEGS);
				break;
			}
			state = LEGS;
			c->cur = NULL;
			in_leg_loc = false;
			/* a new flight; its legs follow as LOC 125 / 87 pairs */
			if ((rc = put(c, legs[nlegs].flight, sizeof(legs[0].flight), val(&c->s, 2, 0),
				      "TDT conveyance reference")))
				break;
			if (!legs[nlegs].flight[0]) {
				rc = seg_err(c, "TDT without the flight (element 2)");
				break;
			}
			nlegs++;
			continue;
		}
		if (state == LEGS && c->s.tagv == TAG('L', 'O', 'C')) {
			const char *q = val(&c->s, 1, 0), *place = val(&c->s, 2, 0);
			struct leg *l = &legs[nlegs - 1];

			if (!strcmp(q, "125")) {
				if (l->dep[0]) { /* the next leg of the same flight */
					if (nlegs == MAX_LEGS) {
						rc = seg_err(c, "more than %d legs in one message", MAX_LEGS);
						break;
					}
					legs[nlegs] = *l;
					l = &legs[nlegs++];
					l->dep_time[0] = l->arr[0] = l->arr_time[0] = '\0';
				}
				rc = put(c, l->dep, sizeof(l->dep), place, "LOC+125 departure airport");
			} else if (!strcmp(q, "87")) {
				rc = put(c, l->arr, sizeof(l->arr), place, "LOC+87 arrival airport");
			}
			in_leg_loc = !strcmp(q, "125") || !strcmp(q, "87");
			if (rc)
				break;
			continue;
		}
		if (state == LEGS && c->s.tagv == TAG('D', 'T', 'M') && in_leg_loc) {
			const char *q = val(&c->s, 1, 0);
			struct leg *l = &legs[nlegs - 1];

			if (!strcmp(q, "189"))
				rc = dtm_value(c, l->dep_time, sizeof(l->dep_time), val(&c->s, 1, 1),
					       val(&c->s, 1, 2), D_OTHER, "DTM+189 departure time");
			else if (!strcmp(q, "232"))
				rc = dtm_value(c, l->arr_time, sizeof(l->arr_time), val(&c->s, 1, 1),
					       val(&c->s, 1, 2), D_OTHER, "DTM+232 arrival time");
			if (rc)
				break;
			continue;
		}
		if (c->s.tagv == TAG('N', 'A', 'D')) {
			if (state == HEAD) {
				/* the reporting party (SG1); a traveller before any TDT
				 * has no leg to be reported for */
				if (!strcmp(val(&c->s, 1, 0), "FL") || !strcmp(val(&c->s, 1, 0), "FM") ||
				    !strcmp(val(&c->s, 1, 0), "DDT") || !strcmp(val(&c->s, 1, 0), "DDU")) {
					rc = seg_err(c, "a traveller (NAD+%s) before the flight (TDT): the "
						     "leg is unknown", val(&c->s, 1, 0));
					break;
				}
				continue;
			}
			c->cur = NULL;
			if ((rc = new_traveller(c)))
				break;
			flush_pending(c); /* the NAD's own warnings are the new traveller's */
			state = PERSON;
			{
				char (*ne)[TIMS_PAXLST_CODE] = realloc(emb, (nemb + 1) * sizeof(*emb));

				if (!ne) {
					rc = tims_err_set(c->err, TIMS_ERR_NOMEM, "paxlst: out of memory");
					break;
				}
				emb = ne;
				emb[nemb++][0] = '\0';
			}
			if ((rc = put(c, c->cur->role, sizeof(c->cur->role), val(&c->s, 1, 0),
				      "NAD party qualifier")) ||
			    (rc = put(c, c->cur->surname, sizeof(c->cur->surname), val(&c->s, 4, 0),
				      "NAD surname")))
				break;
			if (!c->cur->role[0]) {
				rc = seg_err(c, "NAD without its party qualifier (FL, FM ...)");
				break;
			}
			for (unsigned k = 1; k < c->s.ncomp[4 < c->s.nel ? 4 : 0] && c->s.nel > 4; k++) {
				const char *g = val(&c->s, 4, k);
				size_t have = strlen(c->cur->given_names);

				if (!*g)
					continue;
				if (have + (have ? 1 : 0) + strlen(g) >= sizeof(c->cur->given_names)) {
					rc = seg_err(c, "NAD given names: more than %zu bytes",
						     sizeof(c->cur->given_names) - 1);
					break;
				}
				if (have)
					c->cur->given_names[have++] = ' ';
				memcpy(c->cur->given_names + have, g, strlen(g) + 1);
			}
			if (rc)
				break;
			if (!c->cur->surname[0])
				add_warning(c, "NAD without a surname (element 4)");
			if (is_crew(c->cur->role))
				crew++;
			else
				pax++;
			continue;
		}
		if (c->s.tagv == TAG('C', 'N', 'T')) {
			c->cur = NULL;
			for (unsigned e = 1; e < c->s.nel; e++) {
				const char *q = val(&c->s, e, 0), *n = val(&c->s, e, 1);

				if (!*n || !digits(n, strlen(n)) || strlen(n) > 9) {
					rc = seg_err(c, "CNT element %u: '%s' is not a count", e, n);
					break;
				}
				if (!strcmp(q, "42"))
					cnt42 = strtol(n, NULL, 10);
				else if (!strcmp(q, "41"))
					cnt41 = strtol(n, NULL, 10);
			}
			if (rc)
				break;
			continue;
		}
		if (state == PERSON || state == DOCUMENT) {
			struct tims_paxlst_traveller *t = c->cur;
			const char *q = val(&c->s, 1, 0);

			if (!t)
				continue;
			if (c->s.tagv == TAG('A', 'T', 'T') && !strcmp(q, "2")) {
				rc = put(c, t->sex, sizeof(t->sex), val(&c->s, 3, 0), "ATT+2 sex");
			} else if (c->s.tagv == TAG('N', 'A', 'T') && !strcmp(q, "2")) {
				rc = put(c, t->nationality, sizeof(t->nationality), val(&c->s, 2, 0),
					 "NAT+2 nationality");
			} else if (c->s.tagv == TAG('D', 'O', 'C')) {
				state = DOCUMENT;
				if (!(rc = put(c, t->document_type, sizeof(t->document_type),
					       val(&c->s, 1, 0), "DOC document type")))
					rc = put(c, t->document_number, sizeof(t->document_number),
						 val(&c->s, 2, 0), "DOC document number");
			} else if (c->s.tagv == TAG('D', 'T', 'M')) {
				q = val(&c->s, 1, 0);
				if (!strcmp(q, "329"))
					rc = dtm_value(c, t->birth_date, sizeof(t->birth_date),
						       val(&c->s, 1, 1), val(&c->s, 1, 2), D_BIRTH,
						       "DTM+329 birth date");
				else if (!strcmp(q, "36"))
					rc = dtm_value(c, t->document_expiry, sizeof(t->document_expiry),
						       val(&c->s, 1, 1), val(&c->s, 1, 2), D_OTHER,
						       "DTM+36 document expiry");
			} else if (c->s.tagv == TAG('L', 'O', 'C')) {
				if (!strcmp(q, "91"))
					rc = put(c, t->document_issuing_state,
						 sizeof(t->document_issuing_state), val(&c->s, 2, 0),
						 "LOC+91 issuing state");
				else if (!strcmp(q, "178"))
					rc = put(c, emb[nemb - 1], TIMS_PAXLST_CODE, val(&c->s, 2, 0),
						 "LOC+178 port of embarkation");
			}
			if (rc)
				break;
			continue;
		}
		/* BGM, RFF, DTM, COM, CTA ... of the head: nothing to keep */
	}
	if (!rc && c->out->n > first)
		finish_message(c, first, legs, nlegs, (const char (*)[TIMS_PAXLST_CODE])emb, ref,
			       version);
	free(emb);
	c->cur = NULL;
	c->nmw = 0;
	return rc;
}

/* ---- the interchange ---------------------------------------------------- */

static bool starts(const struct ctx *c, const char *s)
{
	size_t n = strlen(s);

	return c->len - c->pos >= n && !memcmp(c->b + c->pos, s, n);
}

/* UNA: six characters, the separators of this interchange. */
static tims_rc read_una(struct ctx *c)
{
	char b[6][6];
	const char *u;

	c->s.no = 0; /* not a segment: UNB is segment 1 */
	c->s.at = c->pos;
	memcpy(c->s.tag, "UNA", 4);
	if (c->len - c->pos < 9)
		return seg_err(c, "the service string advice is cut short");
	u = c->b + c->pos + 3;
	c->comp = u[0], c->elem = u[1], c->rel = u[3], c->term = u[5];
	c->pos += 9;
	if (c->comp == c->elem || c->comp == c->term || c->elem == c->term ||
	    c->rel == c->comp || c->rel == c->elem || c->rel == c->term ||
	    strchr("\r\n", c->comp) || strchr("\r\n", c->elem) || strchr("\r\n", c->term) ||
	    strchr("\r\n", c->rel) || !c->comp || !c->elem || !c->term)
		return seg_err(c, "separators that are not distinct characters (%02X %02X %02X %02X)",
			       (unsigned char)c->comp, (unsigned char)c->elem,
			       (unsigned char)c->rel, (unsigned char)c->term);
	if (u[4] != ' ' || u[2] != '.')
		add_warning(c, "unusual service string advice '%s%s%s%s%s%s' (decimal mark '%s', "
			    "reserved '%s'): read with its separators", shown(u[0], b[0]),
			    shown(u[1], b[1]), shown(u[2], b[2]), shown(u[3], b[3]), shown(u[4], b[4]),
			    shown(u[5], b[5]), b[2], b[4]);
	return TIMS_OK;
}

/* Warnings of the envelope (UNA, UNB, UNG, UNE) belong to every traveller
 * of the interchange that follows. */
static void envelope_warnings(struct ctx *c)
{
	for (unsigned k = 0; k < c->nmw; k++)
		if (c->niw < MAX_MSG_WARNINGS)
			memcpy(c->iw[c->niw++], c->mw[k], TIMS_PAXLST_WARNING);
	c->nmw = 0;
}

static tims_rc read_interchange(struct ctx *c)
{
	char ctrl[TIMS_PAXLST_FIELD], gref[TIMS_PAXLST_FIELD] = "";
	unsigned msgs = 0, groups = 0, in_group = 0;
	bool group_open = false;
	tims_rc rc;

	c->segno = 0;
	c->niw = 0;
	c->nmw = 0;
	c->cur = NULL;
	c->w_env = UINT32_MAX;
	c->n_env = 0;
	c->comp = ':', c->elem = '+', c->rel = '?', c->term = '\'';
	c->cs = CS_UNOA;
	if (starts(c, "UNA") && (rc = read_una(c)))
		return rc;
	envelope_warnings(c);
	if ((rc = next_segment(c)) == TIMS_ERR_NOTFOUND)
		return seg_err(c, "UNA without an interchange after it");
	if (rc)
		return rc;
	flush_pending(c);
	if (c->s.tagv != TAG('U', 'N', 'B'))
		return seg_err(c, "an interchange starts with UNB, not %s", c->s.tag);
	{
		const char *syn = val(&c->s, 1, 0);

		if (!strcmp(syn, "UNOA"))
			c->cs = CS_UNOA;
		else if (!strcmp(syn, "UNOB"))
			c->cs = CS_UNOB;
		else if (!strcmp(syn, "UNOC"))
			c->cs = CS_LATIN1;
		else if (!strcmp(syn, "UNOW") || !strcmp(syn, "UNOY"))
			c->cs = CS_UTF8;
		else
			return seg_err(c, "syntax identifier '%s' (want UNOA, UNOB, UNOC, UNOW or UNOY)",
				       syn);
	}
	/* element 4, the preparation date (YYMMDD under syntax versions 1 to 3,
	 * CCYYMMDD under 4) and time (HHMM): which of two interchanges for one
	 * flight is the newer, whatever order they arrive in */
	{
		char dt[2 * TIMS_PAXLST_VALUE];
		const char *d = val(&c->s, 4, 0), *tm = val(&c->s, 4, 1);

		c->prepared[0] = '\0';
		if (*d || *tm) {
			snprintf(dt, sizeof(dt), "%.*s%.*s", TIMS_PAXLST_VALUE - 1, d,
				 TIMS_PAXLST_VALUE - 1, tm);
			if ((rc = dtm_value(c, c->prepared, sizeof(c->prepared), dt,
					    (strlen(d) == 6 || strlen(d) == 8) && strlen(tm) == 4
						    ? (strlen(d) == 6 ? "201" : "203") : "",
					    D_OTHER, "UNB preparation date and time")))
				return rc;
		}
	}
	envelope_warnings(c);
	if ((rc = put(c, ctrl, sizeof(ctrl), val(&c->s, 5, 0), "UNB control reference")))
		return rc;
	if (!*ctrl)
		return seg_err(c, "UNB without its control reference (element 5)");
	c->out->interchanges++;
	for (;;) {
		rc = next_segment(c);
		if (rc == TIMS_ERR_NOTFOUND)
			return seg_err(c, "the interchange %s ends without UNZ", ctrl);
		if (rc)
			return rc;
		flush_pending(c);
		if (c->s.tagv != TAG('U', 'N', 'H'))
			envelope_warnings(c);
		if (c->s.tagv == TAG('U', 'N', 'G')) {
			if (group_open)
				return seg_err(c, "UNG inside group %s (its UNE is missing)", gref);
			if ((rc = put(c, gref, sizeof(gref), val(&c->s, 5, 0), "UNG group reference")))
				return rc;
			group_open = true;
			in_group = 0;
			groups++;
		} else if (c->s.tagv == TAG('U', 'N', 'E')) {
			if (!group_open)
				return seg_err(c, "UNE without its UNG");
			if (strtol(val(&c->s, 1, 0), NULL, 10) != (long)in_group ||
			    !digits(val(&c->s, 1, 0), strlen(val(&c->s, 1, 0))) || !*val(&c->s, 1, 0))
				return seg_err(c, "UNE counts %s messages, group %s has %u",
					       val(&c->s, 1, 0), gref, in_group);
			if (strcmp(val(&c->s, 2, 0), gref))
				return seg_err(c, "UNE closes group '%s', UNG opened '%s'",
					       val(&c->s, 2, 0), gref);
			group_open = false;
		} else if (c->s.tagv == TAG('U', 'N', 'H')) {
			if ((rc = read_message(c)))
				return rc;
			msgs++;
			in_group++;
			c->out->messages++;
		} else if (c->s.tagv == TAG('U', 'N', 'Z')) {
			unsigned want = groups ? groups : msgs;

			if (group_open)
				return seg_err(c, "UNZ inside group %s (its UNE is missing)", gref);
			if (!*val(&c->s, 1, 0) || !digits(val(&c->s, 1, 0), strlen(val(&c->s, 1, 0))) ||
			    strtol(val(&c->s, 1, 0), NULL, 10) != (long)want)
				return seg_err(c, "UNZ counts %s, the interchange has %u %s",
					       val(&c->s, 1, 0), want, groups ? "groups" : "messages");
			if (strcmp(val(&c->s, 2, 0), ctrl))
				return seg_err(c, "UNZ closes interchange '%s', UNB opened '%s'",
					       val(&c->s, 2, 0), ctrl);
			return TIMS_OK;
		} else {
			return seg_err(c, "%s outside a message", c->s.tag);
		}
	}
}

/* Type-B lines before an interchange (address, origin, "PAXLST" ...) or
 * after one ("=", "NNNN"): skipped up to a line that starts UNA or UNB.
 * Anything else before the first interchange is not an interchange. */
static tims_rc skip_teletype(struct ctx *c, bool *found)
{
	*found = false;
	while (c->pos < c->len) {
		size_t eol = c->pos;

		skip_gap(c);
		if (c->pos >= c->len)
			break;
		if (starts(c, "UNA") || starts(c, "UNB")) {
			*found = true;
			return TIMS_OK;
		}
		if (c->len - c->pos >= 4 && c->b[c->pos] >= 'A' && c->b[c->pos] <= 'Z' &&
		    c->b[c->pos + 1] >= 'A' && c->b[c->pos + 1] <= 'Z' &&
		    c->b[c->pos + 2] >= 'A' && c->b[c->pos + 2] <= 'Z' &&
		    (c->b[c->pos + 3] == '+' || c->b[c->pos + 3] == c->elem))
			return tims_err_set(c->err, TIMS_ERR_INVALID, "byte %zu: segment %.3s outside "
					    "an interchange (its UNB is missing)", c->pos,
					    c->b + c->pos);
		eol = c->pos;
		while (eol < c->len && c->b[eol] != '\n')
			eol++;
		if (eol - c->pos > 512)
			return tims_err_set(c->err, TIMS_ERR_INVALID, "byte %zu: a line of %zu bytes "
					    "that is neither an interchange nor a Type-B line",
					    c->pos, eol - c->pos);
		c->pos = eol;
	}
	return TIMS_OK;
}

tims_rc tims_paxlst_parse(const char *buf, size_t len, const struct tims_paxlst_options *opt,
			  struct tims_paxlst *out, struct tims_err *err)
{
	struct ctx *c;
	tims_rc rc = TIMS_OK;
	bool found;

	memset(out, 0, sizeof(*out));
	if (len > TIMS_PAXLST_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "paxlst: %zu bytes, at most %zu", len,
				    TIMS_PAXLST_MAX_BYTES);
	if (!(c = calloc(1, sizeof(*c))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "paxlst: out of memory");
	c->b = buf;
	c->len = len;
	c->opt = opt;
	c->out = out;
	c->err = err;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		c->pos = 3; /* a byte-order mark */
	for (;;) {
		if ((rc = skip_teletype(c, &found)))
			break;
		if (!found)
			break;
		if ((rc = read_interchange(c)))
			break;
	}
	if (!rc && !out->interchanges)
		rc = tims_err_set(err, TIMS_ERR_INVALID, "paxlst: no interchange (UNA or UNB) found");
	free(c);
	if (rc)
		tims_paxlst_release(out);
	return rc;
}

void tims_paxlst_release(struct tims_paxlst *p)
{
	if (!p)
		return;
	free(p->t);
	free(p->warn);
	memset(p, 0, sizeof(*p));
}
