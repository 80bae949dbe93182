/*
 * wl-delta-perf.c — how long a post takes to apply a delta of watchlist
 * changes to a large documents list through the real path
 * (tims_bundle_apply over a sealed store), and what the content sum costs
 * per entry. A measurement, not a test (nothing is asserted).
 *
 *   make build/libtims.a
 *   cc -O2 -Iinclude -include tims/sys.h scripts/wl-delta-perf.c build/libtims.a \
 *      $(pkg-config --libs sqlite3 libsodium libmicrohttpd gnutls libcurl jansson \
 *      icu-uc icu-i18n libpq p11-kit-1) -lm -lpthread -o /tmp/wl-delta-perf
 *   eval "$(bash scripts/token.sh /tmp/perf-token)"
 *   /tmp/wl-delta-perf DIR ENTRIES CHANGES REMOVALS
 *
 * DIR is made (a node directory with a vault, DIR/watchlists the store);
 * ENTRIES documents are imported, then a delta of CHANGES lines (REMOVALS
 * of them removals, the rest half changed entries, half new) is applied.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/bundle.h"
#include "tims/vault.h"
#include "tims/watchlist.h"
#if __has_include("tims/lthash.h")
#include "tims/lthash.h"
#define HAVE_LTHASH 1
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void doc_line(struct tims_buf *b, size_t i, const char *status, bool json)
{
	if (json)
		tims_buf_addf(b, "{\"authority\":\"INTERPOL\",\"issuing_state\":\"FRA\",\"number\":"
			      "\"X%09zu\",\"ref\":\"D%zu\",\"status\":\"%s\"}\n", i, i, status);
	else
		tims_buf_addf(b, "D%zu,X%09zu,FRA,%s,INTERPOL\n", i, i, status);
}

int main(int argc, char **argv)
{
	struct tims_buf csv = TIMS_BUF_INIT((size_t)1 << 30), delta = TIMS_BUF_INIT((size_t)1 << 30);
	struct tims_wl_import_result res;
	struct tims_wl *wl = NULL;
	struct tims_err err;
	char store[4200];
	size_t n, changes, removals;
	double t0, t1;

	if (argc != 5 || sodium_init() < 0)
		return 2;
	n = strtoull(argv[2], NULL, 10);
	changes = strtoull(argv[3], NULL, 10);
	removals = strtoull(argv[4], NULL, 10);
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
	tims_buf_addstr(&csv, "ref,number,issuing_state,status,authority\n");
	for (size_t i = 0; i < n; i++)
		doc_line(&csv, i, "stolen", false);
	{
		struct tims_wl_import_opts o = { .list = "sltd", .kind = TIMS_WL_DOCUMENTS,
						 .format = TIMS_WL_CSV, .threshold = -1 };

		t0 = now_s();
		if (tims_wl_import(wl, &o, csv.buf, csv.len, NULL, NULL, &res, &err)) {
			fprintf(stderr, "import: %s\n", err.msg);
			return 1;
		}
		t1 = now_s();
		printf("import of %zu documents (sealed): %.1f s, %.1f us/entry\n", n, t1 - t0,
		       (t1 - t0) * 1e6 / (double)n);
	}
	tims_buf_release(&csv);
	/* the delta: removals of the first entries, changed statuses, new entries */
	for (size_t i = 0; i < removals; i++)
		tims_buf_addf(&delta, "{\"ref\":\"D%zu\",\"removed\":true}\n", i);
	for (size_t i = 0; i < (changes - removals) / 2; i++)
		doc_line(&delta, removals + i, "lost", true);
	for (size_t i = 0; i < changes - removals - (changes - removals) / 2; i++)
		doc_line(&delta, n + i, "stolen", true);
	{
		struct tims_bundle b;
		struct tims_bundle_held h;
		struct tims_wl_digest d;

		memset(&b, 0, sizeof(b));
		memset(&h, 0, sizeof(h));
		if (tims_wl_digest(wl, "sltd", &d, &err)) {
			fprintf(stderr, "digest: %s\n", err.msg);
			return 1;
		}
		h.version = d.version;
		h.has_digest = true;
		memcpy(h.digest, d.digest, 32);
		snprintf(b.centre, sizeof(b.centre), "perf-centre");
		snprintf(b.kind, sizeof(b.kind), "watchlist");
		snprintf(b.list, sizeof(b.list), "sltd");
		b.list_kind = TIMS_WL_DOCUMENTS;
		b.version = d.version + 1;
		b.base = d.version;
		memcpy(b.base_digest, d.digest, 32);
		b.threshold = 0.8;
		{
			uint8_t prev[32];

			memcpy(prev, d.digest, 32);
			memcpy(b.prev, prev, 32);
		}
		b.payload = delta.buf;
		b.payload_len = delta.len;
		/* the content after: the multiset hash of the entries the list
		 * will hold (before the multiset hash: not computed here, the
		 * mismatch is reported after the same work) */
		memset(b.content, 0, 32);
#ifdef HAVE_LTHASH
		{
			struct tims_buf line = TIMS_BUF_INIT(4096);
			struct tims_lthash lh;
			size_t upd = (changes - removals) / 2;

			tims_lthash_init(&lh);
			t0 = now_s();
			for (size_t i = removals; i < n + (changes - removals - upd); i++) {
				tims_buf_reset(&line);
				doc_line(&line, i, i < removals + upd ? "lost" : "stolen", true);
				tims_lthash_add(&lh, line.buf, line.len - 1);
			}
			t1 = now_s();
			printf("LtHash16 of %zu elements: %.2f us/element\n", (size_t)lh.count,
			       (t1 - t0) * 1e6 / (double)lh.count);
			tims_lthash_digest(&lh, b.content);
			tims_buf_release(&line);
		}
#endif
		t0 = now_s();
		tims_err_clear(&err);
		tims_rc rc = tims_bundle_apply(wl, &b, &h, &err);
		t1 = now_s();
		printf("apply of a delta of %zu changes (%zu removals) to %zu documents: %.2f s "
		       "(rc %d: %s)\n", changes, removals, n, t1 - t0, rc, rc ? err.msg : "ok");
		{
			uint8_t c[32];

			t0 = now_s();
			rc = tims_wl_content_hash(wl, "sltd", c, &err);
			t1 = now_s();
			printf("content digest asked after: %.3f s (rc %d)\n", t1 - t0, rc);
		}
	}
	tims_buf_release(&delta);
	tims_wl_close(wl);
	return 0;
}
