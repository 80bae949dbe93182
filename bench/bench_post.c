/*
 * bench_post.c — registering a crossing at a post, durable, signed, logged,
 * next to its anchor in the same run: a bare SQLite insert of a row of the
 * same size with the same durability (WAL, synchronous=FULL, one commit per
 * row). SPEC §5 targets: p99 <= 3 ms, and at least half the bare rate.
 *
 *   bench_post [--smoke] [--n N] [--dir DIR] [--threads T] [--serial]
 *
 * Three loads, interleaved with the anchor in rounds so that other load on
 * the machine (and the disk) falls on all alike:
 *   - append: one tims_post_append of one record at a time (encode, salt,
 *     leaf, stored hashes, one committed transaction; a checkpoint signed
 *     inside it once a second), and batches of 64 as `tims cross import`;
 *   - register, one thread: tims_post_register, what a booth's crossing
 *     costs (the record, a checkpoint covering it signed in the same
 *     transaction, the owed audit event, the checkpoint file outside
 *     post.db), p50/p99;
 *   - register, T threads at once (default 8): the booths of a busy post,
 *     sharing commits (group commit); registrations per second next to the
 *     bare rate. --serial takes a lock around each call instead (how the
 *     node called it before group commit; also the only safe way for a
 *     library without it).
 * Prints figures and the verdicts against the targets, never asserts them.
 */
#include <pthread.h>
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

/* ---- registrations (tims_post_register) from one or more threads ---- */

static const char owed_event[] =
	"{\"actor\":\"bench\",\"addr\":\"127.0.0.1\",\"booth\":\"B1\","
	"\"direction\":\"entry\",\"document\":\"L00000001\",\"role\":\"officer\"}";

struct reg_run {
	struct tims_post *p;
	pthread_mutex_t *serial;    /* NULL: call concurrently */
	unsigned first;             /* record numbers first .. first + n - 1 */
	size_t n;
	double *lat;
	int failed;
	char why[TIMS_ERR_MSG_BYTES];
};

static void *reg_thread(void *arg)
{
	struct reg_run *r = arg;
	struct tims_record *rec = malloc(sizeof(*rec));
	struct tims_post_ack ack;
	struct tims_err err;

	if (!rec) {
		r->failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < r->n && !r->failed; i++) {
		double s;
		tims_rc rc;

		make_record(rec, r->first + (unsigned)i);
		s = now_ms();
		if (r->serial)
			pthread_mutex_lock(r->serial);
		rc = tims_post_register(r->p, rec, owed_event, sizeof(owed_event) - 1, &ack, &err);
		if (r->serial)
			pthread_mutex_unlock(r->serial);
		r->lat[i] = now_ms() - s;
		if (rc || ack.rc || ack.duplicate) {
			r->failed = 1;
			snprintf(r->why, sizeof(r->why), "%s", rc ? err.msg : ack.msg);
		}
	}
	free(rec);
	return NULL;
}

/* n registrations from `threads` threads at once; lat[] one per call. */
static int reg_run(struct tims_post *p, unsigned *next, size_t n, size_t threads,
		   pthread_mutex_t *serial, double *lat)
{
	struct reg_run r[64];
	pthread_t t[64];
	size_t off = 0;
	int rc = 0;

	for (size_t i = 0; i < threads; i++) {
		r[i] = (struct reg_run){ .p = p, .serial = serial, .first = *next + (unsigned)off,
					 .n = n / threads + (i < n % threads), .lat = lat + off };
		off += r[i].n;
		if (pthread_create(&t[i], NULL, reg_thread, &r[i]))
			return -1;
	}
	for (size_t i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		if (r[i].failed) {
			fprintf(stderr, "bench_post: register: %s\n", r[i].why);
			rc = -1;
		}
	}
	*next += (unsigned)n;
	return rc;
}

struct results {
	struct result bare, post, group, reg1, regn;
	uint64_t groups, grouped;
};

/*
 * Interleave the anchor and the post in rounds so that other load on the
 * machine (and the disk) falls on all alike.
 */
static int run_all(const char *dir, size_t n, size_t threads, int serial,
		   struct results *out)
{
	const size_t rounds = 10;
	double *lb = calloc(n, sizeof(double)), *lp = calloc(n, sizeof(double));
	double *lg = calloc(n, sizeof(double)), *l1 = calloc(n, sizeof(double));
	double *ln = calloc(n, sizeof(double));
	double tb = 0, tp = 0, tg = 0, t1 = 0, tn = 0;
	size_t np = 0, ng = 0, nextp = 0, nextg = 0, nb = 0, n1 = 0, nn = 0;
	unsigned next1 = 0, nextn = 0;
	struct tims_post *p = post_open(dir, "single"), *g = post_open(dir, "group");
	struct tims_post *r1 = post_open(dir, "register1"), *rn = post_open(dir, "registerN");
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct bare b;
	int rc = -1;

	if (!lb || !lp || !lg || !l1 || !ln || !p || !g || !r1 || !rn || bare_open(&b, dir))
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
		s = now_ms();
		if (reg_run(r1, &next1, k, 1, NULL, l1 + n1))
			goto out;
		t1 += now_ms() - s;
		n1 += k;
		s = now_ms();
		if (reg_run(rn, &nextn, k, threads, serial ? &lock : NULL, ln + nn))
			goto out;
		tn += now_ms() - s;
		nn += k;
	}
	summarize(lb, nb, tb, &out->bare);
	summarize(lp, np, tp, &out->post);
	summarize(lg, ng, tg, &out->group);
	out->group.rate = (double)nextg / (tg / 1e3); /* records, not batches */
	summarize(l1, n1, t1, &out->reg1);
	summarize(ln, nn, tn, &out->regn);
#ifndef BENCH_NO_GROUP_STATS
	tims_post_group_stats(rn, &out->groups, &out->grouped, NULL);
#endif
	rc = 0;
	bare_close(&b);
out:
	tims_post_free(p);
	tims_post_free(g);
	tims_post_free(r1);
	tims_post_free(rn);
	free(lb);
	free(lp);
	free(lg);
	free(l1);
	free(ln);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = 3000, threads = 8;
	int smoke = 0, serial = 0;
	const char *dir = NULL;
	char tmpl[] = "/tmp/tims-bench-post-XXXXXX", what[160];
	struct results r;

	memset(&r, 0, sizeof(r));
	for (int i = 1; i < argc; i++) {
		uint64_t v;

		if (!strcmp(argv[i], "--smoke"))
			smoke = 1, n = 1500;
		else if (!strcmp(argv[i], "--n") && i + 1 < argc &&
			 !tims_parse_u64(argv[++i], 10000000, &v, "--n", NULL) && v >= 64)
			n = (size_t)v;
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
			 !tims_parse_u64(argv[++i], 64, &v, "--threads", NULL) && v >= 1)
			threads = (size_t)v;
		else if (!strcmp(argv[i], "--serial"))
			serial = 1;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_post [--smoke] [--n N>=64] [--dir DIR] "
				"[--threads 1..64] [--serial]\n");
			return 2;
		}
	}
	if (!dir && !(dir = mkdtemp(tmpl)))
		return 2;
	if (run_all(dir, n, threads, serial, &r)) {
		printf("not ok - post bench failed\n");
		return 1;
	}
	if (smoke) {
		printf("ok - post bench: %.0f reg/s p50 %.2f ms p99 %.2f ms; bare sqlite %.0f/s "
		       "p50 %.2f ms p99 %.2f ms; ratio %.2f\n", r.post.rate, r.post.p50, r.post.p99,
		       r.bare.rate, r.bare.p50, r.bare.p99, r.post.rate / r.bare.rate);
		printf("ok - post bench group commit (64 a batch): %.0f reg/s\n", r.group.rate);
		printf("ok - post bench register, one thread: %.0f reg/s p50 %.2f ms p99 %.2f ms\n",
		       r.reg1.rate, r.reg1.p50, r.reg1.p99);
		printf("ok - post bench register, %zu threads%s: %.0f reg/s p50 %.2f ms p99 %.2f ms; "
		       "ratio to bare %.2f\n", threads, serial ? " (serial)" : "", r.regn.rate,
		       r.regn.p50, r.regn.p99, r.regn.rate / r.bare.rate);
	} else {
		printf("registrations, durable, signed, logged (%zu of each kind, interleaved\n"
		       "with the anchor in 10 rounds):\n", n);
		printf("  append, one commit each  %8.0f reg/s   p50 %.2f ms   p99 %.2f ms\n",
		       r.post.rate, r.post.p50, r.post.p99);
		printf("  append, 64 a batch       %8.0f reg/s   (batch p50 %.2f ms, p99 %.2f ms)\n",
		       r.group.rate, r.group.p50, r.group.p99);
		printf("  register, one thread     %8.0f reg/s   p50 %.2f ms   p99 %.2f ms\n"
		       "    (record + checkpoint covering it + owed audit event, one transaction;\n"
		       "     the checkpoint file outside post.db rewritten at most once a second)\n",
		       r.reg1.rate, r.reg1.p50, r.reg1.p99);
		printf("  register, %2zu threads%s   %8.0f reg/s   p50 %.2f ms   p99 %.2f ms\n",
		       threads, serial ? " (serial)" : " at once", r.regn.rate, r.regn.p50, r.regn.p99);
		if (r.groups)
			printf("    %" PRIu64 " commits for %" PRIu64 " registrations: %.1f a group\n",
			       r.groups, r.grouped, (double)r.grouped / (double)r.groups);
		printf("  bare sqlite              %8.0f ins/s   p50 %.2f ms   p99 %.2f ms   "
		       "(WAL, synchronous=FULL)\n", r.bare.rate, r.bare.p50, r.bare.p99);
		printf("  ratio append/bare %.2f, register 1 thread/bare %.2f, %zu threads/bare %.2f\n",
		       r.post.rate / r.bare.rate, r.reg1.rate / r.bare.rate, threads,
		       r.regn.rate / r.bare.rate);
	}
	bench_target("registration at a post, durable, signed, logged: p99", r.post.p99, false, 3.0,
		     "ms", smoke);
	bench_target("registration rate / bare SQLite durable insert, one at a time",
		     r.post.rate / r.bare.rate, true, 0.5, "", smoke);
	bench_target("registration in the library (tims_post_register), one thread: p99",
		     r.reg1.p99, false, 3.0, "ms", smoke);
	snprintf(what, sizeof(what), "registrations in the library, %zu threads at once%s / "
		 "bare SQLite", threads, serial ? " (serial)" : "");
	bench_target(what, r.regn.rate / r.bare.rate, true, 0.5, "", smoke);
	if (dir == tmpl) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_post: could not remove %s\n", tmpl);
	}
	return 0;
}
