/*
 * wl-import-perf.c — how long a first load of a large documents list takes
 * through tims_wl_import into a sealed store (a node's vault), per entry.
 * A measurement, not a test (nothing is asserted).
 *
 *   make build/libtims.a
 *   cc -O2 -Iinclude -include tims/sys.h scripts/wl-import-perf.c build/libtims.a \
 *      $(pkg-config --libs sqlite3 libsodium libmicrohttpd gnutls libcurl jansson \
 *      icu-uc icu-i18n libpq p11-kit-1) -lm -lpthread -o /tmp/wl-import-perf
 *   eval "$(bash scripts/token.sh /tmp/perf-token)"
 *   /tmp/wl-import-perf DIR ENTRIES [csv|jsonl]
 *
 * WL_DEFER_MIN=N: the fewest lines for which the load drops the fingerprint
 * indexes and sorts them again at its end (0: never; default the library's).
 *
 * DIR is made (a node directory with a vault, DIR/watchlists the store);
 * ENTRIES documents are imported as list "sltd", then the content sum is
 * checked against the rows (tims_wl_content_recompute, timed apart).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/vault.h"
#include "tims/watchlist.h"

/* lib/watchlist/idents.c (wl_int.h) */
extern int tims__wl_defer_index_min;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct tims_buf in = TIMS_BUF_INIT((size_t)1 << 30);
	struct tims_wl_import_result res;
	struct tims_wl *wl = NULL;
	struct tims_err err;
	char store[4200];
	uint8_t c[32];
	bool json;
	size_t n;
	double t0, t1;
	tims_rc rc;

	if (argc < 3 || sodium_init() < 0)
		return 2;
	if (getenv("WL_DEFER_MIN"))
		tims__wl_defer_index_min = (int)strtol(getenv("WL_DEFER_MIN"), NULL, 10);
	n = strtoull(argv[2], NULL, 10);
	json = argc > 3 && !strcmp(argv[3], "jsonl");
	mkdir(argv[1], 0700);
	if (tims_vault_create(argv[1], NULL, &err)) {
		fprintf(stderr, "vault: %s\n", err.msg);
		return 1;
	}
	snprintf(store, sizeof(store), "%s/watchlists", argv[1]);
	if (tims_wl_open(store, true, &wl, &err)) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	if (!json)
		tims_buf_addstr(&in, "ref,number,issuing_state,status,authority\n");
	for (size_t i = 0; i < n; i++)
		if (json)
			tims_buf_addf(&in, "{\"authority\":\"INTERPOL\",\"issuing_state\":\"FRA\","
				      "\"number\":\"X%09zu\",\"ref\":\"D%zu\",\"status\":\"stolen\"}\n",
				      (i * 7919) % n, i);
		else
			tims_buf_addf(&in, "D%zu,X%09zu,FRA,stolen,INTERPOL\n", i, (i * 7919) % n);
	{
		struct tims_wl_import_opts o = { .list = "sltd", .kind = TIMS_WL_DOCUMENTS,
						 .format = json ? TIMS_WL_JSONL : TIMS_WL_CSV,
						 .threshold = -1 };

		t0 = now_s();
		if (tims_wl_import(wl, &o, in.buf, in.len, NULL, NULL, &res, &err)) {
			fprintf(stderr, "import: %s\n", err.msg);
			return 1;
		}
		t1 = now_s();
		printf("import of %zu documents (sealed, %s): %.1f s, %.2f us/entry\n", n,
		       json ? "jsonl" : "csv", t1 - t0, (t1 - t0) * 1e6 / (double)n);
	}
	tims_buf_release(&in);
	t0 = now_s();
	rc = tims_wl_content_recompute(wl, "sltd", c, &err);
	t1 = now_s();
	printf("sum from the rows: %.1f s, %s\n", t1 - t0, rc ? err.msg : "equal to the kept sum");
	tims_wl_close(wl);
	return rc ? 1 : 0;
}
