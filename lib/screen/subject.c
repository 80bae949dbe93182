/*
 * subject.c — what is known of a person besides the name, as watchlists and
 * travellers give it: dates of birth (often only a year, or a year and
 * month), nationality, sex; the identifiers that must match exactly
 * (document numbers, plates, VINs); and the score thresholds operators set. Parsed
 * strictly (a real calendar date, a 1-3 letter code) so that a typo is
 * reported, not silently compared.
 */
#include "tims/screen.h"
#include "tims/util.h"

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static tims_rc part(const char *s, size_t n, uint64_t lo, uint64_t hi,
		    uint64_t *out, const char *what, const char *name,
		    struct tims_err *err)
{
	char tmp[8];

	if (n == 0 || n >= sizeof(tmp))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: %s missing or too long; expected YYYY, YYYY-MM or YYYY-MM-DD",
				    what, name);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tims_parse_u64(tmp, hi, out, name, NULL) || *out < lo)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: %s '%s' is not between %" PRIu64 " and %" PRIu64,
				    what, name, tmp, lo, hi);
	return TIMS_OK;
}

/* Four digits and nothing else: a year 1850-2200. */
static bool year_only(const char *s, size_t n, uint64_t *y)
{
	if (n != 4)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	*y = (uint64_t)(s[0] - '0') * 1000 + (uint64_t)(s[1] - '0') * 100 +
	     (uint64_t)(s[2] - '0') * 10 + (uint64_t)(s[3] - '0');
	return true;
}

/* A range of years, the first lower, at most 2 * TIMS_PDATE_APPROX_MAX:
 * its middle year rounded down, approx half the span rounded up. */
static tims_rc year_range(const char *s, const char *ls, const char *hs, struct tims_pdate *d,
			  const char *what, struct tims_err *err)
{
	uint64_t lo, hi;
	tims_rc rc;

	if ((rc = part(ls, 4, 1850, 2200, &lo, what, "first year", err)) ||
	    (rc = part(hs, 4, 1850, 2200, &hi, what, "last year", err)))
		return rc;
	if (hi <= lo || hi - lo > 2 * TIMS_PDATE_APPROX_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: '%.21s' is not a range of 1 to %d years",
				    what, s, 2 * TIMS_PDATE_APPROX_MAX);
	d->year = (uint16_t)(lo + (hi - lo) / 2);
	d->approx = (uint8_t)((hi - lo + 1) / 2);
	return TIMS_OK;
}

/* The approximate forms of contract 2: "~1969", "ABOUT 1969", "CIRCA 1969",
 * "CA. 1969", "C. 1969", "1969?" and the UN Security Council consolidated
 * list's wording "APPROXIMATELY 1969" (its TYPE_OF_DATE APPROXIMATELY)
 * (approx 2); "1965-1970" and the list's "BETWEEN 1965 AND 1970" (its
 * TYPE_OF_DATE BETWEEN, FROM_YEAR and TO_YEAR) (a range). Any case.
 * Returns 1 when s is one of them (d filled or an error set in *rc), 0 when
 * it is not approximate at all (the exact forms are tried). */
static int parse_approx(const char *s, size_t n, struct tims_pdate *d,
			const char *what, struct tims_err *err, tims_rc *rc)
{
	static const char *const words[] = { "~", "ABOUT ", "CIRCA ", "CA. ", "C. ",
					     "APPROXIMATELY " };
	const char *y = NULL;
	size_t yl = 0;
	uint64_t v, lo, hi;

	*rc = TIMS_OK;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(words) && !y; i++) {
		size_t wl = strlen(words[i]);

		if (n > wl && !strncasecmp(s, words[i], wl)) {
			y = s + wl; /* one space, as written: at most 10 bytes */
			yl = n - wl;
		}
	}
	if (!y && n == 5 && s[4] == '?') {
		y = s;
		yl = 4;
	}
	if (y) {
		if (!year_only(y, yl, &v)) {
			*rc = tims_err_set(err, TIMS_ERR_INVALID,
					   "%s: '%.20s': an approximate date is a year (~YYYY)",
					   what, s);
			return 1;
		}
		if ((*rc = part(y, 4, 1850, 2200, &v, what, "year", err)))
			return 1;
		d->year = (uint16_t)v;
		d->approx = 2;
		return 1;
	}
	if (n == 9 && s[4] == '-' && year_only(s, 4, &lo) && year_only(s + 5, 4, &hi)) {
		*rc = year_range(s, s, s + 5, d, what, err);
		return 1;
	}
	if (n > 8 && !strncasecmp(s, "BETWEEN ", 8)) {
		if (n != 21 || !year_only(s + 8, 4, &lo) || strncasecmp(s + 12, " AND ", 5) ||
		    !year_only(s + 17, 4, &hi)) {
			*rc = tims_err_set(err, TIMS_ERR_INVALID,
					   "%s: '%.24s': expected BETWEEN YYYY AND YYYY", what, s);
			return 1;
		}
		*rc = year_range(s, s + 8, s + 17, d, what, err);
		return 1;
	}
	return 0;
}

tims_rc tims_pdate_parse(const char *s, struct tims_pdate *d, const char *what,
			struct tims_err *err)
{
	static const uint8_t mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t n = s ? strnlen(s, 64) : 0;
	uint64_t y, m = 0, dd = 0;
	tims_rc rc;

	memset(d, 0, sizeof(*d));
	if (n == 0)
		return TIMS_OK;
	if (n <= 24 && parse_approx(s, n, d, what, err, &rc)) {
		if (rc)
			memset(d, 0, sizeof(*d));
		return rc;
	}
	if (n != 4 && n != 7 && n != 10)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: '%.20s' is not YYYY, YYYY-MM, YYYY-MM-DD, ~YYYY or YYYY-YYYY",
				    what, s);
	if ((rc = part(s, 4, 1850, 2200, &y, what, "year", err)))
		return rc;
	if (n >= 7) {
		if (s[4] != '-')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: expected '-' after the year", what);
		if ((rc = part(s + 5, 2, 1, 12, &m, what, "month", err)))
			return rc;
	}
	if (n == 10) {
		if (s[7] != '-')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: expected '-' after the month", what);
		if ((rc = part(s + 8, 2, 1, mdays[m - 1], &dd, what, "day", err)))
			return rc;
		if (m == 2 && dd == 29 && !leap((unsigned)y))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: %" PRIu64 " is not a leap year", what, y);
	}
	d->year = (uint16_t)y;
	d->month = (uint8_t)m;
	d->day = (uint8_t)dd;
	return TIMS_OK;
}

void tims_pdate_format(const struct tims_pdate *d, char *out, size_t size)
{
	if (!d->year)
		snprintf(out, size, "%s", "");
	else if (d->approx) {
		unsigned lo = (unsigned)d->year - d->approx, hi = (unsigned)d->year + d->approx;

		/* a range other than the ~ one is written as the range it
		 * parses back to; ~YYYY when it would leave 1850-2200 */
		if (d->approx == 2 || lo < 1850 || hi > 2200)
			snprintf(out, size, "~%04u", d->year);
		else
			snprintf(out, size, "%04u-%04u", lo, hi);
	} else if (!d->month)
		snprintf(out, size, "%04u", d->year);
	else if (!d->day)
		snprintf(out, size, "%04u-%02u", d->year, d->month);
	else
		snprintf(out, size, "%04u-%02u-%02u", d->year, d->month, d->day);
}

tims_rc tims_subject_set_nationality(struct tims_subject *s, const char *v,
				     const char *what, struct tims_err *err)
{
	size_t n = v ? strlen(v) : 0;

	s->nationality[0] = '\0';
	if (!v)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", what);
	if (n > 3)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: '%.8s' is not a 1-3 letter ICAO code", what, v);
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: '%.8s' is not a 1-3 letter ICAO code", what, v);
		s->nationality[i] = c;
	}
	s->nationality[n] = '\0';
	return TIMS_OK;
}

tims_rc tims_subject_set_sex(struct tims_subject *s, const char *v,
			     const char *what, struct tims_err *err)
{
	s->sex = 0;
	if (!v)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", what);
	if (!*v || !strcmp(v, "<"))
		return TIMS_OK;
	if (v[1] == '\0' && strchr("MFXmfx", v[0])) {
		s->sex = (char)(v[0] & ~0x20);
		return TIMS_OK;
	}
	return tims_err_set(err, TIMS_ERR_INVALID, "%s: '%.8s' is not M, F or X", what, v);
}

tims_rc tims_screen_parse_threshold(const char *v, double *out, const char *what,
				    struct tims_err *err)
{
	char *end = NULL;
	double t;

	errno = 0;
	t = v && *v ? strtod(v, &end) : -1;
	if (!v || !*v || errno || !end || *end || !(t >= 0.0 && t <= 1.0))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: '%.16s' is not a number from 0 to 1", what,
				    v ? v : "");
	*out = t;
	return TIMS_OK;
}

/* Documents, plates, VINs: see tims_screen_norm_ident in screen.h. */
tims_rc tims_screen_norm_ident(enum tims_ident_kind kind, const char *in,
			       char out[TIMS_IDENT_MAX + 1], const char *what,
			       struct tims_err *err)
{
	size_t n = 0;

	out[0] = '\0';
	if (!in)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: missing", what);
	for (size_t i = 0; in[i]; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '<')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: character 0x%02X at byte %zu is not a letter or digit",
					    what, c, i);
		if (c == 'O')
			c = '0'; /* O and 0: one symbol, on both sides */
		if (kind == TIMS_IDENT_VIN && (c == 'I' || c == 'Q'))
			c = c == 'I' ? '1' : '0'; /* ISO 3779 has no I, O, Q */
		if (n >= TIMS_IDENT_MAX)
			return tims_err_set(err, TIMS_ERR_TOOBIG,
					    "%s: longer than %d letters and digits", what,
					    TIMS_IDENT_MAX);
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty", what);
	if (kind == TIMS_IDENT_VIN && n != 17)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: a VIN has 17 characters, this has %zu", what, n);
	return TIMS_OK;
}
