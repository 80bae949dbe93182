/*
 * bench_paxlst.c — PAXLST interchanges read per second, one core: the file
 * FILE parsed whole (tims_paxlst_parse: syntax, envelopes and counts checked,
 * every traveller's record filled) again and again for a time budget.
 * bench/bench-paxlst.sh runs it next to the npm edifact parser on the same
 * file and prints the ratio.
 *
 *   bench_paxlst FILE [--smoke] [--screen WLDIR]
 * prints a line for a person, then messages_per_sec= and travellers_per_sec=
 * over the thread's CPU time (what the machine's other load does not change).
 * With --screen, the same again with every traveller also screened against
 * the watchlist store WLDIR as the centre's import screens it
 * (tims_api_screen: the document against the document lists, the person
 * against the person lists): screened_messages_per_sec=,
 * screened_travellers_per_sec= and hits=.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tims/api.h"
#include "tims/buf.h"
#include "tims/paxlst.h"
#include "tims/util.h"
#include "tims/watchlist.h"

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct tims_buf in = TIMS_BUF_INIT(TIMS_PAXLST_MAX_BYTES + 1);
	struct tims_paxlst p;
	struct tims_err err;
	double budget = 2.0, t0, c0, wall, cpu;
	const char *wldir = NULL;
	unsigned long rounds = 0;
	size_t msgs = 0, trav = 0;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			budget = 0.3;
		else if (!strcmp(argv[i], "--screen") && i + 1 < argc)
			wldir = argv[++i];
		else
			argc = 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench_paxlst FILE [--smoke] [--screen WLDIR]\n");
		return 2;
	}
	if (tims_read_file(argv[1], TIMS_PAXLST_MAX_BYTES, &in, &err)) {
		fprintf(stderr, "bench_paxlst: %s\n", err.msg);
		return 2;
	}
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		if (tims_paxlst_parse(in.buf, in.len, NULL, &p, &err)) {
			fprintf(stderr, "bench_paxlst: %s\n", err.msg);
			return 1;
		}
		msgs = p.messages;
		trav = p.n;
		tims_paxlst_release(&p);
		rounds++;
	} while (now_s(CLOCK_MONOTONIC) - t0 < budget);
	wall = now_s(CLOCK_MONOTONIC) - t0;
	cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	printf("tims: %lu rounds of %zu messages, %zu travellers in %.0f ms (CPU %.0f ms; wall %.0f "
	       "travellers/s)\n", rounds, msgs, trav, wall * 1000, cpu * 1000,
	       (double)trav * (double)rounds / wall);
	printf("messages_per_sec=%.0f\n", (double)msgs * (double)rounds / cpu);
	printf("travellers_per_sec=%.0f\n", (double)trav * (double)rounds / cpu);
	if (wldir) {
		struct tims_screen_index *ix;
		struct tims_api_screener *sc;
		struct tims_api_screening scr;
		struct tims_wl *wl;
		size_t hits = 0;

		if (tims_wl_open(wldir, false, &wl, &err) || tims_wl_load_index(wl, &ix, &err) ||
		    tims_api_screener_new(wl, ix, &sc, &err)) {
			fprintf(stderr, "bench_paxlst: %s\n", err.msg);
			return 2;
		}
		rounds = 0;
		t0 = now_s(CLOCK_MONOTONIC);
		c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
		do {
			if (tims_paxlst_parse(in.buf, in.len, NULL, &p, &err)) {
				fprintf(stderr, "bench_paxlst: %s\n", err.msg);
				return 1;
			}
			hits = 0;
			for (size_t i = 0; i < p.n; i++) {
				/* a failed screening stops the bench: never counted as done */
				if (tims_api_screen(sc, &p.t[i], &scr, &err)) {
					fprintf(stderr, "bench_paxlst: screening: %s\n", err.msg);
					return 1;
				}
				hits += scr.status == TIMS_API_HIT;
			}
			tims_paxlst_release(&p);
			rounds++;
		} while (now_s(CLOCK_MONOTONIC) - t0 < budget);
		wall = now_s(CLOCK_MONOTONIC) - t0;
		cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
		printf("tims read and screened: %lu rounds of %zu messages, %zu travellers (%zu with "
		       "a hit) in %.0f ms (CPU %.0f ms)\n", rounds, msgs, trav, hits, wall * 1000,
		       cpu * 1000);
		printf("screened_messages_per_sec=%.0f\n", (double)msgs * (double)rounds / cpu);
		printf("screened_travellers_per_sec=%.0f\n", (double)trav * (double)rounds / cpu);
		printf("hits=%zu\n", hits);
		tims_api_screener_free(sc);
		tims_screen_index_free(ix);
		tims_wl_close(wl);
	}
	tims_buf_release(&in);
	return 0;
}
