/*
 * test_groupcommit.c — tims_post_register called by many threads at once,
 * with no lock of the caller's (group commit, lib/post/append.c): every
 * acknowledgement distinct and in the log, the log size exact, each record
 * verifiable against its ack, checkpoints that cover what was
 * acknowledged, retries and an id sent by several booths at once stored
 * once, a record refused on its own failing alone, and a failed commit (a
 * full disk, an fsync error) failing every member with nothing
 * acknowledged.
 *
 * Disk faults come from this file's own pwrite/pwrite64/fdatasync, which
 * the dynamic linker prefers to libc's for SQLite too (the way
 * tests/lib/faultfs.c does it with LD_PRELOAD): armed, they fail on the
 * post's WAL only.
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "t.h"
#include "tims/mlog.h"
#include "tims/post.h"
#include "tims/tlog.h"
#include "tims/util.h"

#define THREADS 8
#define PER_THREAD 40

static char dir[256];

/* ---- disk faults on post.db-wal ---- */

static volatile int fail_write;   /* errno for writes to the WAL, 0: none */
static volatile int fail_sync;    /* errno for fdatasync/fsync of the WAL */
/* Hold the next sync of the WAL until THREADS registrations wait behind
 * it, then let it pass and fail the syncs of the groups after it with
 * fail_sync_next: the next group, all THREADS of them, fails its commit. */
static struct tims_post *gate_post, *gated_post;
static volatile int fail_sync_next;
static uint64_t gated_group;
static volatile int gate_held;    /* the first sync is inside the gate */

static int is_wal(int fd)
{
	char link[64], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, "post.db-wal") != NULL;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	if (fail_write && is_wal(fd)) {
		errno = fail_write;
		return -1;
	}
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite64(fd, buf, n, off);
}

static void gate(int fd)
{
	struct tims_post *p = gate_post;
	uint64_t g, r;
	size_t waiting = 0;

	if (gated_post && is_wal(fd)) {
		tims_post_group_stats(gated_post, &g, &r, NULL);
		if (g > gated_group)
			fail_sync = fail_sync_next;
		return;
	}
	if (!p || !is_wal(fd))
		return;
	gate_post = NULL;
	tims_post_group_stats(p, &gated_group, &r, NULL);
	__atomic_store_n(&gate_held, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 10000 && waiting < THREADS; i++) {
		struct timespec ms = { 0, 1000000 };

		tims_post_group_stats(p, &g, &r, &waiting);
		nanosleep(&ms, NULL);
	}
	gated_post = p;
}

int fdatasync(int fd)
{
	gate(fd);
	if (fail_sync && is_wal(fd)) {
		errno = fail_sync;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

int fsync(int fd)
{
	gate(fd);
	if (fail_sync && is_wal(fd)) {
		errno = fail_sync;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

/* ---- registrations from threads ---- */

static void make_record(struct tims_record *r, const char *ref, const char *doc)
{
	tims_record_init(r);
	r->direction = TIMS_DIR_ENTRY;
	snprintf(r->ref, sizeof(r->ref), "%s", ref);
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "%s", doc);
	snprintf(r->person.surname, sizeof(r->person.surname), "ERIKSSON");
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	r->decision = TIMS_DECISION_ADMIT;
}

struct call {
	char ref[32];
	char owed[48];
	tims_rc rc;
	struct tims_post_ack ack;
	char err[TIMS_ERR_MSG_BYTES];
};

struct worker {
	struct tims_post *p;
	pthread_barrier_t *start;   /* all threads call at once */
	int t;
	size_t n;                   /* calls */
	struct call calls[PER_THREAD + PER_THREAD / 5];
	/* one call each (the "at once" tests): */
	const char *ref, *doc;
	int64_t crossed_ms;
};

static void one_call(struct worker *w, struct call *c, const char *ref, const char *doc,
		     int64_t crossed_ms)
{
	struct tims_record rec;
	struct tims_err err;

	make_record(&rec, ref, doc);
	rec.crossed_ms = crossed_ms;
	snprintf(c->ref, sizeof(c->ref), "%s", ref);
	snprintf(c->owed, sizeof(c->owed), "owed %s by %d", ref, w->t);
	tims_err_clear(&err);
	c->rc = tims_post_register(w->p, &rec, c->owed, strlen(c->owed), &c->ack, &err);
	snprintf(c->err, sizeof(c->err), "%s", err.msg);
}

/* PER_THREAD new crossings, and every fifth one sent again (a retry). */
static void *many(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	for (int i = 0; i < PER_THREAD; i++) {
		char ref[32], doc[32];

		snprintf(ref, sizeof(ref), "g-%d-%d", w->t, i);
		snprintf(doc, sizeof(doc), "D%dX%d", w->t, i);
		one_call(w, &w->calls[w->n++], ref, doc, 0);
		if (i % 5 == 4)
			one_call(w, &w->calls[w->n++], ref, doc, 0);
	}
	return NULL;
}

static void *once(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	one_call(w, &w->calls[0], w->ref, w->doc, w->crossed_ms);
	w->n = 1;
	return NULL;
}

static struct worker workers[THREADS];

/* Run fn in THREADS threads at once; the workers' fields set by setup. */
static void run(struct tims_post *p, void *(*fn)(void *), void (*setup)(struct worker *))
{
	pthread_t th[THREADS];
	pthread_barrier_t start;

	pthread_barrier_init(&start, NULL, THREADS);
	for (int t = 0; t < THREADS; t++) {
		memset(&workers[t], 0, sizeof(workers[t]));
		workers[t].p = p;
		workers[t].start = &start;
		workers[t].t = t;
		if (setup)
			setup(&workers[t]);
		pthread_create(&th[t], NULL, fn, &workers[t]);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start);
}

static uint64_t size_of(struct tims_post *p)
{
	uint64_t size = 0;

	if (tims_post_size(p, &size, NULL))
		return UINT64_MAX;
	return size;
}

struct owed_list {
	size_t n;
	uint64_t index[THREADS * PER_THREAD + 16];
	char text[THREADS * PER_THREAD + 16][48];
};

static tims_rc on_owed(void *ctx, uint64_t index, const void *owed, size_t len)
{
	struct owed_list *o = ctx;

	if (o->n < sizeof(o->index) / sizeof(o->index[0])) {
		o->index[o->n] = index;
		snprintf(o->text[o->n], sizeof(o->text[0]), "%.*s", (int)len, (const char *)owed);
		o->n++;
	}
	return TIMS_OK;
}

static void test_many(struct tims_post *p)
{
	static struct owed_list owed;
	static uint8_t seen[THREADS * PER_THREAD];
	struct tims_checkpoint cp;
	struct tims_buf note;
	struct tims_post_verify_stats vs;
	struct tims_err err;
	uint64_t groups = 0, regs = 0, base = size_of(p);
	size_t stored = 0, dups = 0, bad_dup = 0, failed = 0, outside = 0, wrong = 0;
	const size_t total = THREADS * PER_THREAD;
	tims_rc rc;

	tims_err_clear(&err);
	run(p, many, NULL);
	for (int t = 0; t < THREADS; t++) {
		struct worker *w = &workers[t];

		for (size_t i = 0; i < w->n; i++) {
			struct call *c = &w->calls[i];
			struct tims_record back;
			uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
			tims_hash leaf;
			int erased;

			if (c->rc || c->ack.rc) {
				failed++;
				printf("# %s: %s / %s\n", c->ref, c->err, c->ack.msg);
				continue;
			}
			if (c->ack.duplicate) {
				/* the retry answers the first call's index and leaf */
				dups++;
				bad_dup += i == 0 || strcmp(w->calls[i - 1].ref, c->ref) ||
					   w->calls[i - 1].ack.index != c->ack.index ||
					   memcmp(w->calls[i - 1].ack.leaf, c->ack.leaf, sizeof(tims_hash));
				continue;
			}
			stored++;
			if (c->ack.index < base || c->ack.index >= base + total) {
				outside++;
				continue;
			}
			seen[c->ack.index - base]++;
			if (tims_post_get(p, c->ack.index, &back, &erased, entry, &err) || erased ||
			    strcmp(back.ref, c->ref)) {
				wrong++;
				continue;
			}
			tims_tlog_leaf_hash(entry, sizeof(entry), leaf);
			wrong += memcmp(leaf, c->ack.leaf, sizeof(leaf)) != 0;
		}
	}
	T_EQ_INT(failed, 0, "8 threads at once: no registration failed");
	T_EQ_INT(stored, total, "8 threads at once: every new crossing acknowledged as stored");
	T_EQ_INT(dups, THREADS * (PER_THREAD / 5), "8 threads at once: every retry acknowledged as a duplicate");
	T_EQ_INT(bad_dup, 0, "8 threads at once: a retry answers its first call's index and leaf");
	T_EQ_INT(outside, 0, "8 threads at once: every ack's index is one of the new ones");
	{
		size_t distinct = 0;

		for (size_t i = 0; i < total; i++)
			distinct += seen[i] == 1;
		T_EQ_INT(distinct, total, "8 threads at once: every ack's index distinct, no index left out");
	}
	T_EQ_INT(size_of(p), base + total, "8 threads at once: the log holds exactly the new crossings");
	T_EQ_INT(wrong, 0, "8 threads at once: each ack's index holds its record, with the ack's leaf hash");
	T_OK(tims_post_latest_checkpoint(p, &note, &cp, &err) == TIMS_OK && cp.size == base + total,
	     "8 threads at once: the latest checkpoint covers every acknowledged crossing");
	tims_buf_release(&note);
	T_OK(tims_post_verify(p, NULL, NULL, &vs, &err) == TIMS_OK,
	     "8 threads at once: the log verifies (records, tree, checkpoints) (%s)", err.msg);
	tims_post_group_stats(p, &groups, &regs, NULL);
	printf("# %llu registrations in %llu commits\n", (unsigned long long)regs,
	       (unsigned long long)groups);
	T_OK(regs == total + dups && groups < regs,
	     "8 threads at once: registrations shared commits (%llu in %llu)",
	     (unsigned long long)regs, (unsigned long long)groups);
	owed.n = 0;
	rc = tims_post_owed(p, on_owed, &owed, &err);
	T_OK(rc == TIMS_OK && owed.n == total,
	     "8 threads at once: one owed audit event per stored crossing, none for a retry (%zu)",
	     owed.n);
	{
		size_t match = 0;

		for (size_t i = 0; i < owed.n; i++)
			for (int t = 0; t < THREADS; t++)
				for (size_t k = 0; k < workers[t].n; k++)
					match += !workers[t].calls[k].ack.duplicate &&
						 workers[t].calls[k].ack.index == owed.index[i] &&
						 !strcmp(workers[t].calls[k].owed, owed.text[i]);
		T_EQ_INT(match, total, "8 threads at once: each owed event is kept with its own record's index");
	}
	for (size_t i = 0; i < owed.n; i++)
		(void)tims_post_owed_settled(p, owed.index[i], 0, &err);
	(void)tims_post_owed_settled(p, UINT64_MAX, 1, &err);
}

static const char *same_doc = "DSAME";

static void setup_same(struct worker *w)
{
	w->ref = "same-id";
	w->doc = same_doc;
}

static char clash_docs[THREADS][16];

static void setup_clash(struct worker *w)
{
	snprintf(clash_docs[w->t], sizeof(clash_docs[0]), "DCLASH%d", w->t);
	w->ref = "clash-id";
	w->doc = clash_docs[w->t];
}

static char bad_refs[THREADS][16];

static void setup_one_bad(struct worker *w)
{
	snprintf(bad_refs[w->t], sizeof(bad_refs[0]), "mix-%d", w->t);
	w->ref = bad_refs[w->t];
	w->doc = "DMIX";
	if (w->t == 3) /* later than the post's clock: refused on its own */
		w->crossed_ms = tims_mlog_now_ms() + 3600 * 1000;
}

static void test_same_id(struct tims_post *p)
{
	uint64_t base = size_of(p);
	size_t stored = 0, dups = 0, same_index = 0, exists = 0;

	run(p, once, setup_same);
	for (int t = 0; t < THREADS; t++) {
		struct call *c = &workers[t].calls[0];

		stored += !c->rc && !c->ack.rc && !c->ack.duplicate;
		dups += !c->rc && !c->ack.rc && c->ack.duplicate;
		same_index += c->ack.index == base;
	}
	T_OK(stored == 1 && dups == THREADS - 1 && same_index == THREADS,
	     "same id from 8 booths at once: stored once, the others its duplicates at its index "
	     "(%zu stored, %zu duplicates)", stored, dups);
	T_EQ_INT(size_of(p), base + 1, "same id from 8 booths at once: the log grew by one");

	base = size_of(p);
	run(p, once, setup_clash);
	stored = 0;
	for (int t = 0; t < THREADS; t++) {
		struct call *c = &workers[t].calls[0];

		stored += !c->rc && !c->ack.rc && !c->ack.duplicate && c->ack.index == base;
		exists += !c->rc && c->ack.rc == TIMS_ERR_EXISTS && strstr(c->ack.msg, "clash-id");
	}
	T_OK(stored == 1 && exists == THREADS - 1,
	     "same id, other content, at once: one stored, each other refused on its own, "
	     "naming the id (%zu stored, %zu refused)", stored, exists);
	T_EQ_INT(size_of(p), base + 1, "same id, other content, at once: the log grew by one");
}

static void test_one_bad(struct tims_post *p)
{
	uint64_t base = size_of(p);
	size_t stored = 0;
	struct call *bad;

	run(p, once, setup_one_bad);
	for (int t = 0; t < THREADS; t++) {
		struct call *c = &workers[t].calls[0];

		if (t != 3)
			stored += !c->rc && !c->ack.rc && !c->ack.duplicate;
	}
	bad = &workers[3].calls[0];
	T_OK(bad->rc == TIMS_OK && bad->ack.rc == TIMS_ERR_INVALID &&
	     strstr(bad->ack.msg, "crossed_at"),
	     "one bad record among 8 at once: refused on its own, naming the field (%s)", bad->ack.msg);
	T_EQ_INT(stored, THREADS - 1, "one bad record among 8 at once: the other 7 are stored");
	T_EQ_INT(size_of(p), base + THREADS - 1, "one bad record among 8 at once: the log grew by 7");
}

static char full_refs[THREADS][16];

static void setup_full(struct worker *w)
{
	snprintf(full_refs[w->t], sizeof(full_refs[0]), "full-%d", w->t);
	w->ref = full_refs[w->t];
	w->doc = "DFULL";
}

static void test_full(struct tims_post *p)
{
	uint64_t base = size_of(p);
	size_t full = 0, acked = 0;
	struct tims_post_ack ack;
	struct tims_record rec;
	struct tims_err err;

	tims_err_clear(&err);
	fail_write = ENOSPC;
	run(p, once, setup_full);
	fail_write = 0;
	for (int t = 0; t < THREADS; t++) {
		struct call *c = &workers[t].calls[0];

		acked += c->ack.rc == TIMS_OK;
		full += c->rc == TIMS_ERR_FULL && c->ack.rc == TIMS_ERR_FULL &&
			strstr(c->ack.msg, "disk is full");
	}
	T_EQ_INT(acked, 0, "disk full under 8 booths at once: nothing acknowledged");
	T_EQ_INT(full, THREADS, "disk full under 8 booths at once: each says the disk is full");
	T_EQ_INT(size_of(p), base, "disk full under 8 booths at once: nothing stored");
	T_OK(tims_post_halted(p, NULL) == NULL, "disk full: the post still acknowledges afterwards");
	make_record(&rec, "after-full", "DAFTER");
	T_OK(tims_post_register(p, &rec, "owed after", 10, &ack, &err) == TIMS_OK &&
	     ack.rc == TIMS_OK && ack.index == base, "space again: the next registration is stored (%s)",
	     err.msg);
}

static char eio_refs[THREADS][16];

static void setup_eio(struct worker *w)
{
	snprintf(eio_refs[w->t], sizeof(eio_refs[0]), "eio-%d", w->t);
	w->ref = eio_refs[w->t];
	w->doc = "DEIO";
}

static void *opener(void *arg)
{
	struct worker *w = arg;

	one_call(w, &w->calls[0], "eio-first", "DEIOFIRST", 0);
	return NULL;
}

static void test_fsync_error(struct tims_post *p)
{
	static struct worker first;
	size_t unconfirmed = 0, acked = 0, io = 0;
	pthread_t th;

	/* One registration holds its commit until the 8 wait behind it; their
	 * group's commit then fails its fsync. */
	memset(&first, 0, sizeof(first));
	first.p = p;
	first.t = 99;
	fail_sync_next = EIO;
	gate_held = 0;
	gate_post = p;
	pthread_create(&th, NULL, opener, &first);
	/* The 8 start only once the first one holds the gate: otherwise one
	 * of them could reach the disk first and the failing group would hold
	 * the first one instead. */
	for (int i = 0; i < 10000 && !__atomic_load_n(&gate_held, __ATOMIC_SEQ_CST); i++) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
	}
	T_OK(__atomic_load_n(&gate_held, __ATOMIC_SEQ_CST),
	     "fsync error: the first registration reached the disk and holds the gate");
	run(p, once, setup_eio);
	pthread_join(th, NULL);
	gated_post = NULL;
	fail_sync = 0;
	T_OK(first.calls[0].rc == TIMS_OK && first.calls[0].ack.rc == TIMS_OK,
	     "fsync error: the registration committed before it is acknowledged (%s)",
	     first.calls[0].err);
	for (int t = 0; t < THREADS; t++) {
		struct call *c = &workers[t].calls[0];

		acked += c->ack.rc == TIMS_OK;
		io += c->rc == TIMS_ERR_IO && c->ack.rc == TIMS_ERR_IO;
		unconfirmed += c->ack.rc == TIMS_ERR_IO && strstr(c->ack.msg, "not confirmed");
	}
	T_EQ_INT(acked, 0, "fsync error under 8 booths at once: nothing acknowledged");
	T_EQ_INT(io, THREADS, "fsync error under 8 booths at once: every one fails as an I/O error");
	T_EQ_INT(unconfirmed, THREADS, "fsync error: every member of the failed group commit is "
		 "'not confirmed' (it may be on the disk; never 'not stored')");
	T_OK(tims_post_halted(p, NULL) != NULL, "fsync error: the post stops acknowledging");
}

int main(void)
{
	struct tims_post *p = NULL;
	struct tims_err err;
	char tmpl[] = "/tmp/tims-test-groupcommit-XXXXXX";

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	T_OK(tims_post_init(dir, "example.org/post/gc", "gc", "land", &err) == TIMS_OK &&
	     tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "open a new post (%s)", err.msg);
	if (p) {
		test_many(p);
		test_same_id(p);
		test_one_bad(p);
		test_full(p);
		test_fsync_error(p);
		tims_post_free(p);
	}
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
