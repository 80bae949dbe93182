/*
 * bench_booth.c — the booth's two calls through the post node's HTTPS API,
 * as booths make them: POST /api/v1/check (a traveller typed in, screened,
 * the national stay looked up) and POST /api/v1/crossings bound to that
 * check (check_id), with a real officer session. Used by bench/bench-api.sh
 * and bench/bench-booth.sh.
 *
 *   bench_booth load POST_DIR ROWS DOCS
 *       fill the post's national history replica (DIR/national.db) with
 *       ROWS crossings of other posts, DOCS of the documents the run uses
 *       among them (4 crossings each, found by the check's stay lookup):
 *       one transaction, a prepared statement, the document index built
 *       after the rows (load_replica below; the rest of the benchmark
 *       does not depend on how the replica was filled).
 *   bench_booth run URL TOKEN CACERT THREADS SECONDS ACKS [DOCS]
 *       THREADS booths at once for SECONDS, in rounds: each booth checks
 *       ROUND travellers, all wait, then each registers its ROUND crossings
 *       (each bound to its own check) while the clock runs, all wait. So
 *       the registration rate is that of registrations alone, and each
 *       call's latency is its own. Every acknowledged registration is
 *       written to ACKS ("INDEX LEAF_HASH" per line) for the caller to find
 *       in the log. DOCS > 0: the documents are those `load` put in the
 *       replica.
 *   Prints lines "checks N p50 P p99 P", "registrations N p50 P p99 P
 *   rate R", "errors E" for the script to read.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sodium.h>

#include "tims/national.h"
#include "tims/util.h"

#define ROUND 32 /* checks per booth before its registrations: 8 x 32 < TIMS_BOOTH_MAX_CHECKS */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- the replica ---- */

static void bench_doc(char *out, size_t n, unsigned i)
{
	snprintf(out, n, "BK%07u", i);
}

/*
 * The national replica with `rows` crossings: `docs` documents of the run
 * with 4 crossings each through the library (their keys are the post's
 * keyed hashes), the rest as rows of random document keys straight into
 * the table (a document seen once: the volume of a national history).
 */
static int load_replica(const char *post_dir, uint64_t rows, unsigned docs)
{
	struct tims_national *nd;
	struct tims_national_row *r;
	struct tims_err err;
	char path[4200];
	sqlite3 *db = NULL;
	sqlite3_stmt *post = NULL, *ins = NULL;
	static const int64_t days_ago[4] = { 150, 140, 60, 50 };
	int64_t now = (int64_t)time(NULL) * 1000;
	uint64_t rng = 0x9e3779b97f4a7c15ull, added = 0;
	int rc = -1;

	if (tims_national_open(post_dir, 1, &nd, &err)) {
		fprintf(stderr, "bench_booth: %s\n", tims_err_msg(&err));
		return -1;
	}
	if (!(r = calloc(4, sizeof(*r))))
		goto out;
	for (unsigned d = 0; d < docs; d++) {
		for (int k = 0; k < 4; k++) {
			memset(&r[k], 0, sizeof(r[k]));
			r[k].seq = 1;
			snprintf(r[k].post, sizeof(r[k].post), "bench.example/other%u", d % 40);
			r[k].index = (uint64_t)d * 4 + (uint64_t)k;
			r[k].counts = 1;
			snprintf(r[k].issuer, sizeof(r[k].issuer), "UTO");
			bench_doc(r[k].doc, sizeof(r[k].doc), d);
			snprintf(r[k].nationality, sizeof(r[k].nationality), "UTO");
			r[k].direction = (k & 1) ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
			/* two short stays of 10 days in the last 180 */
			r[k].at_ms = now - days_ago[k] * 86400000;
		}
		if (tims_national_add(nd, r, 4, &err)) {
			fprintf(stderr, "bench_booth: %s\n", tims_err_msg(&err));
			goto out;
		}
		added += 4;
	}
	if (tims_national_mark(nd, now, 24 * 3600 * 1000, NULL, &err)) {
		fprintf(stderr, "bench_booth: %s\n", tims_err_msg(&err));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/national.db", post_dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
			 "PRAGMA cache_size=-200000; BEGIN;"
			 "DROP INDEX IF EXISTS crossings_doc;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO posts (id, name) VALUES (?1, ?2)", -1,
			       &post, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO crossings (id, doc_key, issuer, nat, dir, at_ms)"
			       " VALUES (?1, ?2, 'UTO', 'UTO', ?3, ?4)", -1, &ins, NULL) != SQLITE_OK)
		goto db;
	for (unsigned k = 0; k < 200; k++) {
		char name[64];

		snprintf(name, sizeof(name), "bench.example/filler%u", k);
		sqlite3_bind_int64(post, 1, 1000 + k);
		sqlite3_bind_text(post, 2, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(post) != SQLITE_DONE)
			goto db;
		sqlite3_reset(post);
	}
	for (uint64_t i = 0; added < rows; i++, added++) {
		uint8_t key[TIMS_NATIONAL_DOC_KEY_BYTES];

		for (size_t b = 0; b < sizeof(key); b += 8) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			memcpy(key + b, &rng, 8);
		}
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)(((uint64_t)(1000 + i % 200) << 40) | (i / 200)));
		sqlite3_bind_blob(ins, 2, key, sizeof(key), SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 3, (int)(1 + (i & 1)));
		sqlite3_bind_int64(ins, 4, (sqlite3_int64)(1600000000000ll + (int64_t)(i % 100000000) * 1000));
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto db;
		sqlite3_reset(ins);
	}
	if (sqlite3_exec(db, "CREATE INDEX crossings_doc ON crossings (doc_key); COMMIT;",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto db;
	rc = 0;
db:
	if (rc)
		fprintf(stderr, "bench_booth: national.db: %s\n", db ? sqlite3_errmsg(db) : "open");
	sqlite3_finalize(post);
	sqlite3_finalize(ins);
	sqlite3_close(db);
out:
	free(r);
	tims_national_close(nd);
	return rc;
}

/* ---- the booths ---- */

struct booth {
	int t;
	const char *url, *token, *cacert, *acks_path;
	unsigned docs;
	pthread_barrier_t *bar;
	volatile int *stop;
	CURL *curl;
	struct curl_slist *hdr;
	struct tims_buf body;
	double *lc, *lr;            /* latencies: checks, registrations */
	size_t nc, nr, cap;
	double reg_ms;              /* time in registration phases (booth 0) */
	size_t errors;
	char last_error[200];
	FILE *acks;
	unsigned seq;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct tims_buf *b = ctx;

	return tims_buf_add(b, p, size * n) ? 0 : size * n;
}

/* POST path with body: the HTTP status, the answer in b->body. */
static long post(struct booth *b, const char *path, const char *json)
{
	char url[512];
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", b->url, path);
	tims_buf_reset(&b->body);
	curl_easy_setopt(b->curl, CURLOPT_URL, url);
	curl_easy_setopt(b->curl, CURLOPT_POSTFIELDS, json);
	if (curl_easy_perform(b->curl) != CURLE_OK)
		return 0;
	curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* "key":"value" of the answer into out (hex and ids only). */
static int field(const struct tims_buf *body, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!body->buf || !(s = strstr(tims_buf_str((struct tims_buf *)body), pat)))
		return -1;
	s += strlen(pat);
	if (*s == '"')
		s++;
	for (e = s; (*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f'); e++)
		;
	if (e == s || (size_t)(e - s) >= n)
		return -1;
	snprintf(out, n, "%.*s", (int)(e - s), s);
	return 0;
}

static void fail_call(struct booth *b, const char *what, long status)
{
	b->errors++;
	snprintf(b->last_error, sizeof(b->last_error), "%s: HTTP %ld: %.120s", what, status,
		 b->body.buf ? tims_buf_str(&b->body) : "");
}

static void *booth_main(void *arg)
{
	struct booth *b = arg;
	char ids[ROUND][40], json[1024], doc[32];

	for (;;) {
		size_t k = 0;
		double s;

		pthread_barrier_wait(b->bar);
		if (*b->stop)
			break;
		for (int i = 0; i < ROUND; i++) {
			long st;

			if (b->docs)
				bench_doc(doc, sizeof(doc), (unsigned)(b->t * 7919u + b->seq * 13u) % b->docs);
			else
				snprintf(doc, sizeof(doc), "W%uX%u", (unsigned)b->t, b->seq);
			b->seq++;
			snprintf(json, sizeof(json),
				 "{\"manual\":{\"surname\":\"ERIKSSON\",\"given_names\":\"ANNA MARIA\","
				 "\"birth_date\":\"1974-08-12\",\"nationality\":\"UTO\",\"sex\":\"F\","
				 "\"doc_number\":\"%s\",\"issuer\":\"UTO\",\"doc_code\":\"P\","
				 "\"expiry\":\"2031-04-15\"}}", doc);
			s = now_ms();
			st = post(b, "/api/v1/check", json);
			if (b->nc < b->cap)
				b->lc[b->nc++] = now_ms() - s;
			if (st != 200 || field(&b->body, "check_id", ids[k], sizeof(ids[k])))
				fail_call(b, "check", st);
			else
				k++;
		}
		pthread_barrier_wait(b->bar);
		s = now_ms();
		for (size_t i = 0; i < k; i++) {
			char idx[24], leaf[80];
			double c = now_ms();
			long st;

			snprintf(json, sizeof(json), "{\"check_id\":\"%.32s\",\"direction\":\"entry\","
				 "\"decision\":\"admit\",\"id\":\"bb-%d-%.32s\"}", ids[i], b->t, ids[i]);
			st = post(b, "/api/v1/crossings", json);
			if (b->nr < b->cap)
				b->lr[b->nr++] = now_ms() - c;
			if (st != 201 || field(&b->body, "index", idx, sizeof(idx)) ||
			    field(&b->body, "leaf_hash", leaf, sizeof(leaf)))
				fail_call(b, "crossing", st);
			else
				fprintf(b->acks, "%s %s\n", idx, leaf);
		}
		pthread_barrier_wait(b->bar);
		b->reg_ms += now_ms() - s;
	}
	return NULL;
}

static void pct(double *v, size_t n, double *p50, double *p99)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*p50 = n ? v[n / 2] : 0;
	*p99 = n ? v[(size_t)(n * 0.99) < n ? (size_t)(n * 0.99) : n - 1] : 0;
}

static int run(const char *url, const char *token, const char *cacert, unsigned threads,
	       unsigned seconds, const char *acks_path, unsigned docs)
{
	struct booth *b = calloc(threads, sizeof(*b));
	pthread_t *th = calloc(threads, sizeof(*th));
	pthread_barrier_t bar;
	volatile int stop = 0;
	char auth[300];
	double *all_c, *all_r, p50, p99, reg_ms = 0, t0;
	size_t nc = 0, nr = 0, errors = 0, cap = 200000;
	FILE *acks = fopen(acks_path, "w");

	if (!b || !th || !acks)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	pthread_barrier_init(&bar, NULL, threads + 1);
	for (unsigned t = 0; t < threads; t++) {
		b[t] = (struct booth){ .t = (int)t, .url = url, .token = token, .cacert = cacert,
				       .docs = docs, .bar = &bar, .stop = &stop, .cap = cap,
				       .acks = acks };
		tims_buf_init(&b[t].body, 1 << 20);
		b[t].lc = calloc(cap, sizeof(double));
		b[t].lr = calloc(cap, sizeof(double));
		b[t].curl = curl_easy_init();
		b[t].hdr = curl_slist_append(curl_slist_append(NULL, "Content-Type: application/json"),
					     auth);
		if (!b[t].lc || !b[t].lr || !b[t].curl)
			return 1;
		curl_easy_setopt(b[t].curl, CURLOPT_HTTPHEADER, b[t].hdr);
		curl_easy_setopt(b[t].curl, CURLOPT_CAINFO, cacert);
		curl_easy_setopt(b[t].curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(b[t].curl, CURLOPT_WRITEDATA, &b[t].body);
		curl_easy_setopt(b[t].curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(b[t].curl, CURLOPT_TIMEOUT, 30L);
		pthread_create(&th[t], NULL, booth_main, &b[t]);
	}
	t0 = now_ms();
	for (;;) {
		double s;

		stop = now_ms() - t0 >= seconds * 1e3;
		pthread_barrier_wait(&bar); /* start a round (or stop) */
		if (stop)
			break;
		pthread_barrier_wait(&bar); /* checks done */
		s = now_ms();
		pthread_barrier_wait(&bar); /* registrations done */
		reg_ms += now_ms() - s;
	}
	for (unsigned t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	fclose(acks);
	all_c = calloc(cap * threads, sizeof(double));
	all_r = calloc(cap * threads, sizeof(double));
	if (!all_c || !all_r)
		return 1;
	for (unsigned t = 0; t < threads; t++) {
		memcpy(all_c + nc, b[t].lc, b[t].nc * sizeof(double));
		memcpy(all_r + nr, b[t].lr, b[t].nr * sizeof(double));
		nc += b[t].nc;
		nr += b[t].nr;
		errors += b[t].errors;
		if (b[t].errors)
			fprintf(stderr, "bench_booth: booth %u: %zu errors, last: %s\n", t, b[t].errors,
				b[t].last_error);
		curl_easy_cleanup(b[t].curl);
		curl_slist_free_all(b[t].hdr);
		tims_buf_release(&b[t].body);
		free(b[t].lc);
		free(b[t].lr);
	}
	pct(all_c, nc, &p50, &p99);
	printf("checks %zu p50 %.2f p99 %.2f\n", nc, p50, p99);
	pct(all_r, nr, &p50, &p99);
	printf("registrations %zu p50 %.2f p99 %.2f rate %.0f\n", nr, p50, p99,
	       reg_ms > 0 ? nr / (reg_ms / 1e3) : 0);
	printf("errors %zu\n", errors);
	free(all_c);
	free(all_r);
	free(b);
	free(th);
	curl_global_cleanup();
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t v[3];

	if (argc == 5 && !strcmp(argv[1], "load") &&
	    !tims_parse_u64(argv[3], 100000000, &v[0], "ROWS", NULL) &&
	    !tims_parse_u64(argv[4], 1000000, &v[1], "DOCS", NULL))
		return load_replica(argv[2], v[0], (unsigned)v[1]) ? 1 : 0;
	if ((argc == 8 || argc == 9) && !strcmp(argv[1], "run") &&
	    !tims_parse_u64(argv[5], 64, &v[0], "THREADS", NULL) && v[0] >= 1 &&
	    !tims_parse_u64(argv[6], 3600, &v[1], "SECONDS", NULL) &&
	    (argc == 8 || !tims_parse_u64(argv[8], 1000000, &v[2], "DOCS", NULL)))
		return run(argv[2], argv[3], argv[4], (unsigned)v[0], (unsigned)v[1], argv[7],
			   argc == 9 ? (unsigned)v[2] : 0);
	fprintf(stderr, "usage: bench_booth load POST_DIR ROWS DOCS\n"
		"       bench_booth run URL TOKEN CACERT THREADS SECONDS ACKS [DOCS]\n");
	return 2;
}
