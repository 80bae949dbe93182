/*
 * tz.h — an airport's wall-clock time to UTC, by the airport's IANA time
 * zone (lib/util/tz.c), through ICU's calendar and time zone data (ICU is
 * already a dependency for names). glibc converts only through the process's
 * TZ (localtime_r, mktime), which is one global and not safe to change in a
 * threaded server; an ICU calendar is the caller's own object.
 *
 * Carriers send API times as the local times of the departure and arrival
 * airports (PAXLST DTM+189/232); the reports after arrival compare them
 * with crossings registered in UTC.
 */
#ifndef TIMS_TZ_H
#define TIMS_TZ_H

#include <stdint.h>

#include "tims/err.h"

#define TIMS_TZ_NAME_MAX 64          /* bytes of a zone name, with the NUL */

/*
 * zone is a system zone of ICU's time zone data by its IANA name
 * ("Europe/Tirane", "UTC"): TIMS_ERR_INVALID naming it otherwise ("zone:
 * 'Europe/Tirana' is no known time zone"), never read as UTC; a custom
 * offset ("GMT+01:00") is refused too, since it has no summer time.
 */
TIMS_MUST_USE tims_rc tims_tz_check(const char *zone, struct tims_err *err);

/*
 * wall_ms, a wall-clock time in zone written as milliseconds since 1970 as
 * if it were UTC (as lib/api/store.c keeps a carrier's "2026-03-29T10:00"),
 * to the instant it names, in UTC milliseconds. A wall time that happens
 * twice (the hour repeated when summer time ends) is read as the first;
 * one that does not happen (the hour skipped when it begins) as the first
 * valid time after it. Errors: an unknown zone, ICU failing.
 */
TIMS_MUST_USE tims_rc tims_tz_wall_to_utc(const char *zone, int64_t wall_ms, int64_t *utc_ms,
					  struct tims_err *err);

#endif
