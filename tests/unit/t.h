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

/* Write LEN bytes of DATA to DIR/NAME (a test's own file: a certificate, a
 * key, a list) and return its path, from a ring of 16 so that a few stay
 * valid together; NULL when the file could not be written. */
__attribute__((unused))
static const char *t_write_file(const char *dir, const char *name,
				const void *data, size_t len)
{
	static char paths[16][600];
	static int k;
	char *p = paths[k++ % 16];
	FILE *f;
	int bad;

	snprintf(p, 600, "%s/%s", dir, name);
	if (!(f = fopen(p, "w")))
		return NULL;
	bad = fwrite(data, 1, len, f) != len;
	bad |= fclose(f) != 0;
	return bad ? NULL : p;
}

/* A test program is not a tims binary: the signer it starts re-executes
 * the tims built next to it (build/tests/test_X -> build/tims,
 * build/asan/tests/test_X -> build/asan/tims). Call before
 * tims_signer_start; 0, or -1 when the path could not be made. */
#include <unistd.h>
void tims_signer_set_program(const char *path);
__attribute__((unused))
static int t_signer_program(void)
{
	char self[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 16);

	if (n <= 0)
		return -1;
	self[n] = '\0';
	for (int i = 0; i < 2; i++) {
		if (!(slash = strrchr(self, '/')))
			return -1;
		*slash = '\0';
	}
	n = (ssize_t)strlen(self);
	snprintf(self + n, sizeof(self) - (size_t)n, "/tims");
	if (access(self, X_OK))
		return -1;
	tims_signer_set_program(self);
	return 0;
}

__attribute__((unused))
static int t_done(void)
{
	printf("# passed %d failed %d\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
