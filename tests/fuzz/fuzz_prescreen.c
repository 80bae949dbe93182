/*
 * fuzz_prescreen.c — the lines of an airport post's passenger list
 * (tims_prescreen_parse_line, tims/prescreen.h) on arbitrary bytes, one
 * line after another as tims_prescreen_apply reads them. Beyond "no crash,
 * no leak, no undefined behaviour": a line is taken or refused with a
 * message naming it; a line taken has a comparable document key
 * (NUMBER/STATE), NUL-terminated fields within their sizes, a status that
 * agrees with its hits, and no negative number.
 */
#include <stdlib.h>
#include <string.h>

#include "tims/prescreen.h"
#include "tims/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERM(x) (memchr(row.x, '\0', sizeof(row.x)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *l;
	size_t n, lineno = 0;

	while (tims_next_line(&p, end, &l, &n, &lineno)) {
		struct tims_prescreen_row row;
		struct tims_err err;

		err.msg[0] = '\0';
		if (tims_prescreen_parse_line(l, n, lineno, &row, &err)) {
			if (!err.msg[0] || !strstr(err.msg, "arrivals: line "))
				abort();
			continue;
		}
		if (!TERM(key) || !TERM(flight) || !TERM(date) || !TERM(role) || !TERM(arrival) ||
		    !TERM(hits))
			abort();
		if (!strchr(row.key, '/') || row.key[0] == '/')
			abort();
		if (row.version < 0 || row.position < 0 || row.arrival_ms < 0)
			abort();
		if (row.hit != (strcmp(row.hits, "[]") != 0))
			abort();
	}
	return 0;
}
