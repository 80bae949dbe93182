/*
 * fuzz_airports.c — the centre's airports map (DIR/airports.conf,
 * tims/arrivals.h) on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * reports after arrival rely on: a file either parses or is refused with a
 * message naming the file and keeping nothing; every airport kept is three
 * capital letters, named once, with 1 to TIMS_ARRIVALS_POSTS_MAX posts, each
 * non-empty printable ASCII without blanks; the lookup finds each airport;
 * a zone kept is one ICU knows (tims_tz_check), never a name read as UTC.
 */
#include <stdlib.h>
#include <string.h>

#include "tims/arrivals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_arrivals_map m;
	struct tims_err err;

	if (tims_arrivals_map_parse((const char *)data, size, "airports.conf", &m, &err) !=
	    TIMS_OK) {
		if (strncmp(err.msg, "airports.conf", 13) != 0 || m.n != 0)
			abort(); /* named, and nothing kept */
		return 0;
	}
	if (m.n > TIMS_ARRIVALS_AIRPORTS_MAX)
		abort();
	for (unsigned i = 0; i < m.n; i++) {
		const struct tims_arrivals_airport *a = &m.a[i];

		if (strlen(a->code) != 3 || tims_arrivals_map_find(&m, a->code) != a)
			abort(); /* three letters, named once */
		for (int k = 0; k < 3; k++)
			if (a->code[k] < 'A' || a->code[k] > 'Z')
				abort();
		if (a->nposts < 1 || a->nposts > TIMS_ARRIVALS_POSTS_MAX)
			abort();
		if (a->zone[0] && tims_tz_check(a->zone, &err) != TIMS_OK)
			abort(); /* a zone kept is a known zone */
		for (unsigned p = 0; p < a->nposts; p++) {
			size_t n = strlen(a->posts[p]);

			if (n < 1 || n > TIMS_NOTE_MAX_NAME)
				abort();
			for (size_t c = 0; c < n; c++)
				if ((unsigned char)a->posts[p][c] <= ' ' ||
				    (unsigned char)a->posts[p][c] > 0x7e)
					abort();
		}
	}
	return 0;
}
