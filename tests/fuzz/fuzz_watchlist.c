/*
 * fuzz_watchlist.c — libFuzzer target for the watchlist importer: the CSV
 * reader (quotes, CRLF, byte order marks, ragged rows), the JSON Lines
 * reader, and every field check, through tims_wl_validate (the same code
 * path as an import, without the database).
 *
 * The first byte picks the kind (persons, documents, vehicles) and the
 * format, or a delta (JSON Lines with {"ref", "removed": true} lines,
 * tims_wl_validate_delta); the rest is the file. Checks: no crash or
 * sanitizer report, and the counts add up (every row is either good, a
 * removal, or reported bad).
 */
#include <assert.h>

#include "tims/watchlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_bad(void *ctx, size_t line, const char *msg)
{
	size_t *n = ctx;

	assert(line >= 1 && msg && *msg);
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_wl_import_result res;
	struct tims_err err;
	enum tims_wl_kind kind;
	enum tims_wl_format fmt;
	size_t bad = 0;

	if (size < 1)
		return 0;
	kind = (enum tims_wl_kind)(TIMS_WL_PERSONS + data[0] % 3);
	fmt = (data[0] / 3) % 2 ? TIMS_WL_JSONL : TIMS_WL_CSV;
	if ((data[0] / 6) % 2)
		tims_wl_validate_delta(kind, (const char *)data + 1, size - 1, on_bad, &bad, &res,
				       &err);
	else
		tims_wl_validate(kind, fmt, (const char *)data + 1, size - 1, on_bad, &bad,
				 &res, &err);
	assert(res.bad == bad);
	assert(res.stored + res.removed + res.bad == res.rows);
	return 0;
}
