/*
 * tz.c — wall-clock times of an IANA zone to UTC through ICU (tims/tz.h).
 *
 * Each call opens its own UCalendar: nothing global is set (not TZ, not
 * ICU's default zone), so any thread may convert for any zone at once. A
 * report converts a few hundred flights; opening a calendar costs tens of
 * microseconds.
 */
#include <string.h>
#include <time.h>

#include <unicode/ucal.h>
#include <unicode/utypes.h>

#include "tims/tz.h"

static tims_rc zone_uchars(const char *zone, UChar *out, size_t cap, struct tims_err *err)
{
	size_t n = zone ? strlen(zone) : 0;

	if (!n || n >= cap || n >= TIMS_TZ_NAME_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "zone: want an IANA time zone name "
				    "of 1 to %d bytes", TIMS_TZ_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)zone[i];

		if (c <= ' ' || c > 0x7e)
			return tims_err_set(err, TIMS_ERR_INVALID, "zone: '%.63s' is no known time "
					    "zone (printable ASCII only)", zone);
		out[i] = (UChar)c;
	}
	out[n] = 0;
	return TIMS_OK;
}

tims_rc tims_tz_check(const char *zone, struct tims_err *err)
{
	UChar id[TIMS_TZ_NAME_MAX], canon[128];
	UErrorCode st = U_ZERO_ERROR;
	UBool sys = 0;
	tims_rc rc;

	if ((rc = zone_uchars(zone, id, TIMS_TZ_NAME_MAX, err)))
		return rc;
	ucal_getCanonicalTimeZoneID(id, -1, canon, (int32_t)(sizeof(canon) / sizeof(canon[0])),
				    &sys, &st);
	if (U_FAILURE(st) || !sys)
		return tims_err_set(err, TIMS_ERR_INVALID, "zone: '%s' is no known time zone "
				    "(an IANA name such as Europe/Tirane)", zone);
	return TIMS_OK;
}

tims_rc tims_tz_wall_to_utc(const char *zone, int64_t wall_ms, int64_t *utc_ms,
			    struct tims_err *err)
{
	UChar id[TIMS_TZ_NAME_MAX];
	UErrorCode st = U_ZERO_ERROR;
	UCalendar *cal;
	struct tm tm;
	time_t secs;
	UDate d;
	tims_rc rc;

	*utc_ms = 0;
	if ((rc = tims_tz_check(zone, err)) || (rc = zone_uchars(zone, id, TIMS_TZ_NAME_MAX, err)))
		return rc;
	/* the wall clock's fields, read back from "as if UTC" (gmtime_r has no
	 * zone: it is safe in threads) */
	secs = (time_t)(wall_ms >= 0 ? wall_ms / 1000 : (wall_ms - 999) / 1000);
	if (!gmtime_r(&secs, &tm))
		return tims_err_set(err, TIMS_ERR_INVALID, "time: out of range");
	cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st) || !cal) {
		if (cal)
			ucal_close(cal);
		return tims_err_set(err, TIMS_ERR_STATE, "zone %s: the calendar cannot be "
				    "opened (%s)", zone, u_errorName(st));
	}
	ucal_setAttribute(cal, UCAL_LENIENT, 1);
	ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
	ucal_clear(cal);
	ucal_setDateTime(cal, tm.tm_year + 1900, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, &st);
	ucal_set(cal, UCAL_MILLISECOND, (int32_t)(wall_ms - (int64_t)secs * 1000));
	d = ucal_getMillis(cal, &st);
	ucal_close(cal);
	if (U_FAILURE(st))
		return tims_err_set(err, TIMS_ERR_STATE, "zone %s: the time cannot be "
				    "converted (%s)", zone, u_errorName(st));
	*utc_ms = (int64_t)d;
	return TIMS_OK;
}
