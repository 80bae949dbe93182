/*
 * bench_post.c — registering a crossing at a post, durable, signed, logged,
 * next to its anchor in the same run: a bare SQLite insert of a row of the
 * same size with the same durability (WAL, synchronous=FULL, one commit per
 * row). SPEC §5 targets: p99 <= 3 ms, and at least half the bare rate.
 *
 *   bench_post [--smoke] [--n N] [--dir DIR]
 *
 * Each registration is one tims_post_append of one record: encode, salt,
 * leaf, stored hashes, one committed transaction; a checkpoint is signed
 * inside the transaction once a second. Also reports group commit (batches
 * of 64, as `tims cross import` does). Prints figures, never asserts them.
 */
#include <sqlite3.h>

#include "tims/post.h"
#include "tims/util.h"

#include "target.h"

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

struct result {
	double rate, p50, p99;
};

static void summarize(double *lat, size_t n, double total_ms, struct result *r)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	r->rate = n / (total_ms / 1e3);
	r->p50 = lat[n / 2];
	r->p99 = lat[(size_t)(n * 0.99) < n ? (size_t)(n * 0.99) : n - 1];
}

static void make_record(struct tims_record *r, unsigned i)
{
	tims_record_init(r);
	r->direction = (i & 1) ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
	snprintf(r->ref, sizeof(r->ref), "bench-%u", i);
	snprintf(r->officer, sizeof(r->officer), "O%u", i % 50);
	snprintf(r->booth, sizeof(r->booth), "B%u", i % 12);
	snprintf(r->person.doc_code, sizeof(r->person.doc_code), "P");
	snprintf(r->person.issuer, sizeof(r->person.issuer), "UTO");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "L%08u", i / 2);
	snprintf(r->person.surname, sizeof(r->person.surname), "ERIKSSON");
	snprintf(r->person.given_names, sizeof(r->person.given_names), "ANNA MARIA");
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	snprintf(r->person.birth_date, sizeof(r->person.birth_date), "1974-08-12");
	snprintf(r->person.sex, sizeof(r->person.sex), "F");
	snprintf(r->person.expiry, sizeof(r->person.expiry), "2031-04-15");
	snprintf(r->vehicle.plate, sizeof(r->vehicle.plate), "AB %u", i % 1000);
	r->role = TIMS_VROLE_DRIVER;
	r->decision = TIMS_DECISION_ADMIT;
}

/* The anchor: one row of about a record's size per committed transaction. */
struct bare {
	sqlite3 *db;
	sqlite3_stmt *ins, *begin, *commit;
	size_t next;
};

static int bare_open(struct bare *b, const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/bare.db", dir);
	memset(b, 0, sizeof(*b));
	if (sqlite3_open(path, &b->db) != SQLITE_OK ||
	    sqlite3_exec(b->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE t (id INTEGER PRIMARY KEY, ref TEXT UNIQUE, body BLOB)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "INSERT INTO t (id, ref, body) VALUES (?1, ?2, ?3)",
			       -1, &b->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "BEGIN IMMEDIATE", -1, &b->begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "COMMIT", -1, &b->commit, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

static int bare_run(struct bare *b, size_t n, double *lat)
{
	uint8_t row[300];

	memset(row, 0x5a, sizeof(row));
	for (size_t i = 0; i < n; i++, b->next++) {
		char ref[32];
		double s = now_ms();

		snprintf(ref, sizeof(ref), "bench-%zu", b->next);
		sqlite3_step(b->begin);
		sqlite3_reset(b->begin);
		sqlite3_bind_int64(b->ins, 1, (sqlite3_int64)b->next);
		sqlite3_bind_text(b->ins, 2, ref, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(b->ins, 3, row, sizeof(row), SQLITE_STATIC);
		if (sqlite3_step(b->ins) != SQLITE_DONE)
			return -1;
		sqlite3_reset(b->ins);
		if (sqlite3_step(b->commit) != SQLITE_DONE)
			return -1;
		sqlite3_reset(b->commit);
		lat[i] = now_ms() - s;
	}
	return 0;
}

static void bare_close(struct bare *b)
{
	sqlite3_finalize(b->ins);
	sqlite3_finalize(b->begin);
	sqlite3_finalize(b->commit);
	sqlite3_close(b->db);
}

static struct tims_post *post_open(const char *dir, const char *name)
{
	char path[4200];
	struct tims_post *p;
	struct tims_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (tims_post_init(path, "bench.example/post", name, "land", &err) ||
	    tims_post_open(path, TIMS_POST_WRITE, &p, &err)) {
		fprintf(stderr, "bench_post: %s\n", tims_err_msg(&err));
		return NULL;
	}
	return p;
}

/* n records in batches of `batch`; lat[] gets one figure per batch. */
static int post_run(struct tims_post *p, size_t *next, size_t n, size_t batch,
		    double *lat, size_t *nlat)
{
	struct tims_record recs[64];
	struct tims_post_ack acks[64];
	struct tims_err err;
	size_t done = 0;

	while (done < n) {
		size_t m = n - done < batch ? n - done : batch;
		double s;

		for (size_t i = 0; i < m; i++)
			make_record(&recs[i], (unsigned)(*next + i));
		s = now_ms();
		if (tims_post_append(p, recs, m, acks, &err) || acks[0].rc) {
			fprintf(stderr, "bench_post: %s\n", tims_err_msg(&err));
			return -1;
		}
		lat[(*nlat)++] = now_ms() - s;
		done += m;
		*next += m;
	}
	return 0;
}

/*
 * Interleave the anchor and the post in rounds so that other load on the
 * machine (and the disk) falls on both alike.
 */
static int run_all(const char *dir, size_t n, struct result *bare,
		   struct result *post, struct result *group)
{
	const size_t rounds = 10;
	double *lb = calloc(n, sizeof(double)), *lp = calloc(n, sizeof(double));
	double *lg = calloc(n, sizeof(double));
	double tb = 0, tp = 0, tg = 0;
	size_t np = 0, ng = 0, nextp = 0, nextg = 0, nb = 0;
	struct tims_post *p = post_open(dir, "single"), *g = post_open(dir, "group");
	struct bare b;
	int rc = -1;

	if (!lb || !lp || !lg || !p || !g || bare_open(&b, dir))
		goto out;
	for (size_t r = 0; r < rounds; r++) {
		size_t k = n / rounds + (r < n % rounds);
		double s;

		s = now_ms();
		if (bare_run(&b, k, lb + nb))
			goto out;
		tb += now_ms() - s;
		nb += k;
		s = now_ms();
		if (post_run(p, &nextp, k, 1, lp, &np))
			goto out;
		tp += now_ms() - s;
		s = now_ms();
		if (post_run(g, &nextg, k, 64, lg, &ng))
			goto out;
		tg += now_ms() - s;
	}
	summarize(lb, nb, tb, bare);
	summarize(lp, np, tp, post);
	summarize(lg, ng, tg, group);
	group->rate = (double)nextg / (tg / 1e3); /* records, not batches */
	rc = 0;
	bare_close(&b);
out:
	tims_post_free(p);
	tims_post_free(g);
	free(lb);
	free(lp);
	free(lg);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = 3000;
	int smoke = 0;
	const char *dir = NULL;
	char tmpl[] = "/tmp/tims-bench-post-XXXXXX";
	struct result bare, post, group;

	for (int i = 1; i < argc; i++) {
		uint64_t v;

		if (!strcmp(argv[i], "--smoke"))
			smoke = 1, n = 1500;
		else if (!strcmp(argv[i], "--n") && i + 1 < argc &&
			 !tims_parse_u64(argv[++i], 10000000, &v, "--n", NULL) && v >= 64)
			n = (size_t)v;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_post [--smoke] [--n N>=64] [--dir DIR]\n");
			return 2;
		}
	}
	if (!dir && !(dir = mkdtemp(tmpl)))
		return 2;
	if (run_all(dir, n, &bare, &post, &group)) {
		printf("not ok - post bench failed\n");
		return 1;
	}
	if (smoke) {
		printf("ok - post bench: %.0f reg/s p50 %.2f ms p99 %.2f ms; bare sqlite %.0f/s "
		       "p50 %.2f ms p99 %.2f ms; ratio %.2f\n", post.rate, post.p50, post.p99,
		       bare.rate, bare.p50, bare.p99, post.rate / bare.rate);
		printf("ok - post bench group commit (64 a batch): %.0f reg/s\n", group.rate);
	} else {
		printf("registrations, durable, signed, logged (%zu, one commit each,\n"
		       "interleaved with the anchor in 10 rounds):\n", n);
		printf("  post         %8.0f reg/s   p50 %.2f ms   p99 %.2f ms\n",
		       post.rate, post.p50, post.p99);
		printf("  bare sqlite  %8.0f ins/s   p50 %.2f ms   p99 %.2f ms   (WAL, synchronous=FULL)\n",
		       bare.rate, bare.p50, bare.p99);
		printf("  ratio post/bare %.2f\n", post.rate / bare.rate);
		printf("  group commit, 64 a batch: %.0f reg/s (batch p50 %.2f ms, p99 %.2f ms)\n",
		       group.rate, group.p50, group.p99);
	}
	bench_target("registration at a post, durable, signed, logged: p99", post.p99, false, 3.0,
		     "ms", smoke);
	bench_target("registration rate / bare SQLite durable insert, one at a time",
		     post.rate / bare.rate, true, 0.5, "", smoke);
	if (dir == tmpl) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_post: could not remove %s\n", tmpl);
	}
	return 0;
}
