/*
 * t.h — the unit test harness: TAP-style lines that tests/run.sh counts.
 *
 *   T_OK(cond, "what the user relies on", ...)   one check
 *   T_EQ_STR(got, want, "name")                   strings, printing both
 *   T_EQ_INT(got, want, "name")                   integers, printing both
 *   return t_done();                              from main()
 *
 * Each check prints "ok N - name" or "not ok N - name (file:line: detail)".
 * t_done() prints "# passed P failed F" and returns the exit status.
 */
#ifndef TIMS_T_H
#define TIMS_T_H

#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

__attribute__((format(printf, 4, 5), unused))
static int t_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", t_passed + t_failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	putchar('\n');
	if (ok)
		t_passed++;
	else
		t_failed++;
	return ok;
}

#define T_OK(cond, ...) t_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define T_EQ_STR(got, want, name) do { \
	const char *t_g_ = (got), *t_w_ = (want); \
	int t_ok_ = t_g_ && t_w_ && !strcmp(t_g_, t_w_); \
	if (!T_OK(t_ok_, "%s", name)) \
		printf("#   got:  '%s'\n#   want: '%s'\n", t_g_ ? t_g_ : "(null)", \
		       t_w_ ? t_w_ : "(null)"); \
} while (0)

#define T_EQ_INT(got, want, name) do { \
	long long t_g_ = (long long)(got), t_w_ = (long long)(want); \
	if (!T_OK(t_g_ == t_w_, "%s", name)) \
		printf("#   got:  %lld\n#   want: %lld\n", t_g_, t_w_); \
} while (0)

__attribute__((unused))
static int t_done(void)
{
	printf("# passed %d failed %d\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
