/*
 * docs.h — the benchmark's stolen documents (bench/bench_screen.c): document
 * i's number and issuing state, the same at every run, so that a store made
 * once and the queries of a later run agree without keeping the numbers;
 * and their JSON Lines for tims_wl_import. scripts/wl-delta-store.c
 * includes it to apply the bench's own delta. Header-only: doc_seed is the
 * includer's own (bench_screen's --seed sets it).
 */
#ifndef TIMS_BENCH_DOCS_H
#define TIMS_BENCH_DOCS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "tims/buf.h"

static uint64_t doc_seed = 0x5173;
static const char *const doc_states[] = { "D", "FRA", "ITA", "ESP", "GBR", "POL", "ROU", "GRC" };

static inline void doc_of(uint64_t i, char out[16], const char **state)
{
	uint64_t z = doc_seed + (i + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	*state = doc_states[z & 7];
	z >>= 3;
	out[0] = (char)('A' + z % 26);
	z /= 26;
	out[1] = (char)('A' + z % 26);
	z /= 26;
	for (int k = 2; k < 9; k++, z /= 10)
		out[k] = (char)('0' + z % 10);
	out[9] = '\0';
}

/* JSON Lines of documents [from, to) appended to b (with document
 * renumber + i's number when renumber is not 0); false when out of memory. */
static inline bool doc_lines(struct tims_buf *b, uint64_t from, uint64_t to, uint64_t renumber)
{
	char num[16], line[160];
	const char *st;

	for (uint64_t i = from; i < to; i++) {
		int n;

		doc_of(renumber ? renumber + i : i, num, &st);
		n = snprintf(line, sizeof(line), "{\"ref\":\"D%010" PRIu64 "\",\"number\":\"%s\","
			     "\"issuing_state\":\"%s\",\"status\":\"%s\"}\n", i, num, st,
			     (i & 3) ? "stolen" : "lost");
		if (tims_buf_add(b, line, (size_t)n))
			return false;
	}
	return true;
}

#endif
