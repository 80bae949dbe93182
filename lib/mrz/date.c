/*
 * date.c — MRZ dates: "today" for the options, the calendar, and the century
 * of a two-digit year.
 *
 * An MRZ date is YYMMDD with no century. We infer it from today, which the
 * caller computes once (tims_mrz_options_init) so that a parse makes no
 * system call and tests can pin the date:
 *   - a birth date is never in the future: 20YY unless that is after today,
 *     then 19YY (a person born 1925 and shown as "25" reads as 1925 in 2025);
 *   - an expiry date lies in the 100-year window from 79 years before today
 *     to 20 years after it (no document is valid for more than about 10
 *     years; anything older is simply an expired document and is still
 *     read with its century so that `expired` is right).
 */
#include "mrz_int.h"

void tims_mrz_options_init(struct tims_mrz_options *opt, time_t now)
{
	struct tm tm;

	opt->flags = 0;
	if (!gmtime_r(&now, &tm)) {
		opt->today = 20000101;
		return;
	}
	opt->today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
		     tm.tm_mday;
}

int mrz_days_in_month(int year, int month)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30,
						31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

tims_rc tims_mrz_options_set_today(struct tims_mrz_options *opt,
				   const char *iso, struct tims_err *err)
{
	int v[3] = { 0, 0, 0 }, part = 0, digits = 0;
	static const int width[3] = { 4, 2, 2 };

	if (!iso)
		return tims_err_set(err, TIMS_ERR_INVALID, "today: missing");
	for (const char *p = iso; *p; p++) {
		if (*p == '-' && part < 2 && digits == width[part]) {
			part++;
			digits = 0;
		} else if (*p >= '0' && *p <= '9' && digits < width[part]) {
			v[part] = v[part] * 10 + (*p - '0');
			digits++;
		} else {
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "today: '%s' is not a date YYYY-MM-DD",
					    iso);
		}
	}
	if (part != 2 || digits != 2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "today: '%s' is not a date YYYY-MM-DD", iso);
	if (v[0] < 1900 || v[0] > 2999 || v[2] < 1 ||
	    v[2] > mrz_days_in_month(v[0], v[1]))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "today: '%s' is not a calendar date", iso);
	opt->today = v[0] * 10000 + v[1] * 100 + v[2];
	return TIMS_OK;
}

int mrz_birth_year(int yy, int mmdd, int today)
{
	int y = today / 10000 / 100 * 100 + yy;

	/* mmdd is 0 when month or day is unknown: compare the year alone. */
	if (y > today / 10000 || (y == today / 10000 && mmdd > today % 10000))
		y -= 100;
	return y;
}

int mrz_expiry_year(int yy, int today)
{
	int now = today / 10000, y = now / 100 * 100 + yy;

	if (y > now + 20)
		y -= 100;
	else if (y <= now - 80)
		y += 100;
	return y;
}

void mrz_iso_date(char out[11], int year, int month, int day)
{
	char *p = out;

	*p++ = (char)('0' + year / 1000 % 10);
	*p++ = (char)('0' + year / 100 % 10);
	*p++ = (char)('0' + year / 10 % 10);
	*p++ = (char)('0' + year % 10);
	if (month) {
		*p++ = '-';
		*p++ = (char)('0' + month / 10);
		*p++ = (char)('0' + month % 10);
		if (day) {
			*p++ = '-';
			*p++ = (char)('0' + day / 10);
			*p++ = (char)('0' + day % 10);
		}
	}
	*p = '\0';
}
