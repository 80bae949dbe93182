/*
 * regimes.c — the stay-regime config file: which rule applies to which
 * nationality (see include/tims/stay.h for the syntax).
 *
 * A line is a directive and its words; directives are a table. Errors name
 * the line number, so that an operator can fix etc/stay-regimes.conf.
 */
#include "tims/stay.h"
#include "tims/util.h"

#define MAX_WORDS 64

void tims_stay_regimes_init(struct tims_stay_regimes *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->def.kind = TIMS_STAY_SHORT;
	rs->def.max_days = 90;
	rs->def.window_days = 180;
}

static int is_nat(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

const struct tims_stay_regime *
tims_stay_regime_for(const struct tims_stay_regimes *rs, const char *nat)
{
	for (size_t i = 0; nat && i < rs->n; i++)
		if (!strcmp(rs->list[i].nationality, nat))
			return &rs->list[i];
	return &rs->def;
}

/* Set one regime (nat "" is the default). */
static tims_rc set(struct tims_stay_regimes *rs, const char *nat,
		   const struct tims_stay_regime *r, size_t line,
		   struct tims_err *err)
{
	struct tims_stay_regime *dst;

	if (!*nat) {
		rs->def = *r;
		return TIMS_OK;
	}
	if (!is_nat(nat))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "line %zu: '%.16s' is not a nationality code (1 to 3 letters A-Z)",
				    line, nat);
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->list[i].nationality, nat))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "line %zu: %s already has a regime",
					    line, nat);
	if (rs->n == TIMS_STAY_MAX_REGIMES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "line %zu: more than %d regimes", line,
				    TIMS_STAY_MAX_REGIMES);
	dst = &rs->list[rs->n++];
	*dst = *r;
	memcpy(dst->nationality, nat, strlen(nat) + 1);
	return TIMS_OK;
}

static tims_rc days(const char *s, const char *what, size_t line,
		    uint64_t *out, struct tims_err *err)
{
	struct tims_err e2;

	if (tims_parse_u64(s, 3650, out, what, &e2) || *out == 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "line %zu: %s: want a number of days 1-3650",
				    line, what);
	return TIMS_OK;
}

/* words[0] is the directive; for "default", words[1] is the kind. */
static tims_rc directive(char **w, size_t nw, size_t line,
			 struct tims_stay_regimes *rs, struct tims_err *err)
{
	static const struct { const char *name; uint8_t kind; } kinds[] = {
		{ "short-stay", TIMS_STAY_SHORT },
		{ "exempt", TIMS_STAY_EXEMPT },
		{ "visa", TIMS_STAY_VISA },
	};
	struct tims_stay_regime r = { "", 0, 0, 0 };
	int is_default = !strcmp(w[0], "default");
	size_t k, first;
	tims_rc rc;

	if (is_default && nw < 2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "line %zu: default: want a kind (short-stay, exempt, visa)",
				    line);
	for (k = 0; k < TIMS_ARRAY_SIZE(kinds); k++)
		if (!strcmp(kinds[k].name, w[is_default]))
			break;
	if (k == TIMS_ARRAY_SIZE(kinds))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "line %zu: '%.32s' is not a directive (default, short-stay, exempt, visa)",
				    line, w[is_default]);
	r.kind = kinds[k].kind;
	first = is_default ? 2 : 1;
	if (r.kind == TIMS_STAY_SHORT) {
		uint64_t max, win;
		if (nw != 4)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    is_default ? "line %zu: want: default short-stay DAYS WINDOW"
						       : "line %zu: want: short-stay NATIONALITY DAYS WINDOW",
					    line);
		if ((rc = days(w[nw - 2], "days", line, &max, err)) ||
		    (rc = days(w[nw - 1], "window", line, &win, err)))
			return rc;
		if (max >= win)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "line %zu: %" PRIu64 " days in a window of %" PRIu64 " is no limit",
					    line, max, win);
		r.max_days = (unsigned)max;
		r.window_days = (unsigned)win;
		return set(rs, is_default ? "" : w[1], &r, line, err);
	}
	r.window_days = 180;
	if (is_default)
		return nw == 2 ? set(rs, "", &r, line, err)
			       : tims_err_set(err, TIMS_ERR_INVALID,
					      "line %zu: want: default %s", line,
					      w[1]);
	if (nw < 2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "line %zu: %s: want one or more nationality codes",
				    line, w[0]);
	for (size_t i = first; i < nw; i++)
		if ((rc = set(rs, w[i], &r, line, err)))
			return rc;
	return TIMS_OK;
}

tims_rc tims_stay_regimes_parse(const char *text, size_t len,
				struct tims_stay_regimes *rs,
				struct tims_err *err)
{
	size_t line = 0, pos = 0;

	tims_stay_regimes_init(rs);
	while (pos < len) {
		char buf[1024], *w[MAX_WORDS];
		size_t n = 0, nw = 0, end = pos;
		tims_rc rc;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		if (end - pos >= sizeof(buf))
			return tims_err_set(err, TIMS_ERR_TOOBIG,
					    "line %zu: longer than %zu bytes",
					    line, sizeof(buf) - 1);
		memcpy(buf, text + pos, end - pos);
		n = end - pos;
		buf[n] = '\0';
		pos = end + 1;
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '#') {
				buf[i] = '\0';
				n = i;
				break;
			}
		/* Split on blanks in place. */
		for (size_t i = 0; i < n;) {
			while (i < n && (buf[i] == ' ' || buf[i] == '\t' ||
					 buf[i] == '\r'))
				buf[i++] = '\0';
			if (i >= n)
				break;
			if (nw == MAX_WORDS)
				return tims_err_set(err, TIMS_ERR_TOOBIG,
						    "line %zu: more than %d words",
						    line, MAX_WORDS);
			w[nw++] = buf + i;
			while (i < n && buf[i] != ' ' && buf[i] != '\t' &&
			       buf[i] != '\r')
				i++;
		}
		if (!nw)
			continue;
		if ((rc = directive(w, nw, line, rs, err)))
			return rc;
	}
	return TIMS_OK;
}

tims_rc tims_stay_regimes_load(const char *path, struct tims_stay_regimes *rs,
			       struct tims_err *err)
{
	struct tims_buf text;
	tims_rc rc;

	tims_stay_regimes_init(rs);
	if (access(path, F_OK) != 0)
		return TIMS_OK; /* the default for everyone */
	if ((rc = tims_read_file(path, 1 << 20, &text, err)))
		return rc;
	rc = tims_stay_regimes_parse(text.buf, text.len, rs, err);
	tims_buf_release(&text);
	return rc;
}
