/*
 * wl-delta-store.c — the benchmark's delta (bench/bench_screen.c, "a delta:
 * half new documents, half renumbered") applied alone to a post's store
 * made by it, timed: wall time, CPU time of the writing thread (the
 * delta's critical path) and of the process, disk reads of the writing
 * thread. A measurement, not a test. It changes the store (as each bench
 * run does): work on a copy, and give each run its own RUN number (the
 * bench counts from 0; take 500 and up).
 *
 *   make build/libtims.a
 *   cc -O2 -Iinclude -include tims/sys.h scripts/wl-delta-store.c build/libtims.a \
 *      $(pkg-config --libs sqlite3 libsodium libmicrohttpd gnutls libcurl jansson \
 *      icu-uc icu-i18n libpq p11-kit-1) -lm -lpthread -o /tmp/wl-delta-store
 *   eval "$(bash scripts/token.sh CACHE/token)"   # the store's token
 *   THREADS=-1 /tmp/wl-delta-store CACHE/post 10000000 100000 500
 *
 * THREADS: the import's workers (tims__wl_import_threads: -1 row by row,
 * 0 or unset the default, n that many).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tims/screen.h"
#include "tims/watchlist.h"

#include "../bench/docs.h" /* the bench's documents: its delta, exactly */

extern int tims__wl_import_threads;
void tims__wl_ckpt_join(struct tims_wl *wl, double *secs);

static double secs(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Bytes this thread had read from the disk. */
static long long read_bytes(void)
{
	FILE *f = fopen("/proc/thread-self/io", "r");
	char k[64];
	long long v, r = -1;

	while (f && fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, "read_bytes:"))
			r = v;
	if (f)
		fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_WL_IMPORT_MAX);
	struct tims_wl_import_opts o = { "sltd", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false, false, -1,
					 NULL, NULL };
	struct tims_wl_import_result res;
	struct tims_wl_index_delta d;
	struct tims_wl *wl;
	struct tims_err err;
	char dir[4200];
	uint64_t ndocs, ndelta, run, half;
	double w0, t0, p0, w1, t1, p1, ck;
	long long r0, r1;

	if (argc != 5)
		return 2;
	ndocs = strtoull(argv[2], NULL, 10);
	ndelta = strtoull(argv[3], NULL, 10);
	run = strtoull(argv[4], NULL, 10);
	half = ndelta / 2;
	if (getenv("THREADS"))
		tims__wl_import_threads = (int)strtol(getenv("THREADS"), NULL, 10);
	snprintf(dir, sizeof(dir), "%s/watchlists", argv[1]);
	if (tims_wl_open(dir, false, &wl, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		return 1;
	}
	/* as the bench: new documents of this run, the first ones renumbered */
	if (!doc_lines(&b, ndocs + run * 1000000, ndocs + run * 1000000 + half, 0) ||
	    !doc_lines(&b, 0, ndelta - half, 2000000000ull + run * 2000000ull)) {
		fprintf(stderr, "wl-delta-store: out of memory\n");
		return 1;
	}
	r0 = read_bytes();
	t0 = secs(CLOCK_THREAD_CPUTIME_ID);
	p0 = secs(CLOCK_PROCESS_CPUTIME_ID);
	w0 = secs(CLOCK_MONOTONIC);
	if (tims_wl_track(wl, &err) || tims_wl_import(wl, &o, b.buf, b.len, NULL, NULL, &res, &err) ||
	    tims_wl_tracked(wl, &d, &err)) {
		fprintf(stderr, "delta: %s\n", err.msg);
		return 1;
	}
	w1 = secs(CLOCK_MONOTONIC);
	t1 = secs(CLOCK_THREAD_CPUTIME_ID);
	p1 = secs(CLOCK_PROCESS_CPUTIME_ID);
	r1 = read_bytes();
	/* the import's checkpoint, after the commit on a thread of its own */
	tims__wl_ckpt_join(wl, &ck);
	printf("delta of %" PRIu64 " into %" PRIu64 " documents: %.2f s wall; CPU %.2f s on the "
	       "writing thread, %.2f s the process; disk reads of the writing thread %.1f MiB; "
	       "%zu stored, index changes %zu in, %zu out; then the checkpoint %.2f s wall "
	       "(the process's CPU to its end %.2f s)\n", ndelta, ndocs, w1 - w0, t1 - t0, p1 - p0,
	       (double)(r1 - r0) / 1048576.0, res.stored, d.nadd, d.ndel, ck,
	       secs(CLOCK_PROCESS_CPUTIME_ID) - p0);
	tims_wl_index_delta_release(&d);
	tims_buf_release(&b);
	tims_wl_close(wl);
	return 0;
}
