/*
 * test_wlfp.c — the store's fingerprint index in two levels
 * (lib/watchlist/fpindex.c): a delta's fingerprints go to fp_recent only
 * and are found there (new numbers hit, the old number of a renumbered
 * document and a removed one do not), fp_main is left alone until a merge,
 * the merge in small steps keeps the view equal to the rows at every step,
 * a crash in the middle of a merge step or of a delta leaves a store whose
 * rows, index and digest agree, a store of schema 1 is migrated, and the
 * check finds an index changed behind the store (a repair mends it). A
 * scratch store (no vault): the fingerprint key is zeros.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "tims/buf.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/watchlist.h"

extern uint64_t (*tims__wl_fp_test_hook)(enum tims_ident_kind kind, const char *norm);
extern void (*tims__wl_merge_test_hook)(size_t applied);
extern int tims__wl_import_threads;

#define DOCS 3000
#define K 200 /* new, renumbered and removed documents of a delta, each */

static char dir[] = "/tmp/tims-test-wlfp-XXXXXX";
static struct tims_wl *wl;

static void number(char out[16], size_t i, unsigned gen)
{
	snprintf(out, 16, "%c%c%07zu", 'A' + (int)(i % 26), 'A' + (int)(gen % 26),
		 (i * 7919 + gen * 104729) % 10000000);
}

static void doc(struct tims_buf *b, size_t i, unsigned gen)
{
	char n[16];

	number(n, i, gen);
	tims_buf_addf(b, "{\"ref\":\"D%zu\",\"number\":\"%s\",\"status\":\"stolen\"}\n", i, n);
}

static tims_rc import(struct tims_wl *w, const char *list, const struct tims_buf *b,
		      struct tims_err *err)
{
	struct tims_wl_import_result res;

	return tims_wl_import_delta(w, list, TIMS_WL_DOCUMENTS, b->buf, b->len, &res, err);
}

static long q(const char *sql)
{
	char path[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;

	snprintf(path, sizeof(path), "%s/watchlists.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int sql(const char *s)
{
	char path[256];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/watchlists.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, s, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* The view (fp_main with fp_recent over it) and the rows' live
 * fingerprints differ by this many keys, both ways (0: the same). */
#define VIEW "SELECT fp, col, id FROM fp_main m WHERE NOT EXISTS (SELECT 1 FROM fp_recent r" \
	" WHERE r.fp = m.fp AND r.col = m.col AND r.id = m.id) UNION ALL SELECT fp, col, id" \
	" FROM fp_recent WHERE live = 1"
#define ROWS "SELECT fp1, 1, id FROM entries WHERE deleted_version IS NULL AND fp1 IS NOT NULL" \
	" UNION ALL SELECT fp2, 2, id FROM entries WHERE deleted_version IS NULL AND fp2 IS NOT NULL"
static long view_diff(void)
{
	long a = q("SELECT count(*) FROM (SELECT * FROM (" VIEW ") EXCEPT SELECT * FROM (" ROWS "))"),
	     b = q("SELECT count(*) FROM (SELECT * FROM (" ROWS ") EXCEPT SELECT * FROM (" VIEW "))"),
	     c = q("SELECT (SELECT count(*) FROM (" VIEW ")) - (SELECT count(*) FROM (" ROWS "))");

	return a < 0 || b < 0 ? -1 : a + b + (c < 0 ? -c : c);
}

static size_t hits(struct tims_screen_index *ix, const char *num, const char **ref)
{
	struct tims_wl_screening *s = calloc(1, sizeof(*s));
	struct tims_wl_query qy = { 0 };
	struct tims_err err;
	size_t n = 99;

	qy.doc_number = num;
	if (s && tims_wl_screen(wl, ix, &qy, s, &err) == TIMS_OK) {
		n = s->nhits;
		if (ref && n)
			*ref = strcmp(s->hits[0].ref, "D0") ? "other" : "D0";
	}
	free(s);
	return n;
}

/* as the booth asks: the number normalised (OCR letters), then looked up */
static size_t in_index(struct tims_screen_index *ix, const char *num)
{
	char norm[TIMS_IDENT_MAX + 1];
	size_t c = 99;

	if (tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, num, norm, "number", NULL) ||
	    tims_screen_index_lookup(ix, TIMS_IDENT_DOCUMENT, norm, &c))
		return 99;
	return c;
}

static size_t candidates(const char *num)
{
	char norm[TIMS_IDENT_MAX + 1];
	uint32_t rows[8];
	uint64_t fp;
	size_t n = 99;
	struct tims_err err;

	if (tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, num, norm, "number", NULL) ||
	    tims_wl_ident_fp(wl, TIMS_IDENT_DOCUMENT, norm, &fp, &err) ||
	    tims_wl_ident_candidates(wl, TIMS_IDENT_DOCUMENT, fp, rows, 8, &n, &err))
		return 99;
	return n;
}

/* The delta: K new (D<DOCS..>), K renumbered (D0..), K removed (D<K..>). */
static void delta(struct tims_buf *b, unsigned gen)
{
	tims_buf_reset(b);
	for (size_t i = 0; i < K; i++)
		doc(b, DOCS + (gen - 1) * K + i, 0);
	for (size_t i = 0; i < K; i++)
		doc(b, i, gen);
	for (size_t i = 0; i < K; i++)
		tims_buf_addf(b, "{\"ref\":\"D%zu\",\"removed\":true}\n", K * gen + i);
}

/* Merge to the end in steps of `step`; with check, the view's difference
 * from the rows must stay what it was before (0, or a stale row). */
static tims_rc merge_all(struct tims_wl *w, size_t step, size_t *steps, bool check)
{
	size_t left = 1, merged;
	struct tims_err err;
	tims_rc rc = TIMS_OK;
	long bad = 0, was = check ? view_diff() : 0;

	*steps = 0;
	while (left && !(rc = tims_wl_fp_merge(w, step, &merged, &left, &err))) {
		(*steps)++;
		if (check)
			bad += view_diff() != was;
	}
	return rc ? rc : bad ? TIMS_ERR_STATE : TIMS_OK;
}

static void test_side_table(void)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 24);
	struct tims_screen_index *ix = NULL;
	struct tims_err err;
	char n[16];
	size_t steps = 0, missing = 0, found = 0;
	const char *ref = NULL;
	uint8_t h[32];
	long main0;

	for (size_t i = 0; i < DOCS; i++)
		doc(&b, i, 0);
	T_OK(import(wl, "sltd", &b, &err) == TIMS_OK, "a list of %d documents (%s)", DOCS, err.msg);
	T_EQ_INT(q("SELECT count(*) FROM fp_recent WHERE live = 1"), DOCS,
		 "its fingerprints went to fp_recent, in its transaction");
	T_OK(merge_all(wl, 0, &steps, false) == TIMS_OK && q("SELECT count(*) FROM fp_recent") == 0 &&
	     q("SELECT count(*) FROM fp_main") == DOCS, "merged: all in fp_main, fp_recent empty");
	main0 = q("SELECT sum(fp % 1000003 + id) FROM fp_main");

	delta(&b, 1);
	T_OK(import(wl, "sltd", &b, &err) == TIMS_OK, "a delta: %d new, %d renumbered, %d removed",
	     K, K, K);
	T_EQ_INT(q("SELECT count(*) FROM fp_main"), DOCS, "the delta left fp_main alone (count)");
	T_EQ_INT(q("SELECT sum(fp % 1000003 + id) FROM fp_main"), main0,
		 "the delta left fp_main alone (its rows)");
	T_EQ_INT(q("SELECT count(*) FROM fp_recent WHERE live = 1"), 2 * K,
		 "fp_recent: a live row for each new and each new number");
	T_EQ_INT(q("SELECT count(*) FROM fp_recent WHERE live = 0"), 2 * K,
		 "fp_recent: a tombstone for each old number and each removed one");
	T_EQ_INT(view_diff(), 0, "the view (main, recent over it) is the rows' fingerprints");

	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "index loaded through the view");
	for (size_t i = 0; i < K; i++) {
		number(n, DOCS + i, 0);
		missing += in_index(ix, n) != 1 || hits(ix, n, NULL) != 1;
		number(n, i, 1);
		missing += in_index(ix, n) != 1 || hits(ix, n, NULL) != 1;
		number(n, i, 0);
		found += in_index(ix, n) != 0 || hits(ix, n, NULL) != 0 || candidates(n) != 0;
		number(n, K + i, 0);
		found += in_index(ix, n) != 0 || hits(ix, n, NULL) != 0 || candidates(n) != 0;
	}
	T_EQ_INT(missing, 0, "every new number and new number of a renumbered one hits (in fp_recent)");
	number(n, 0, 1);
	T_OK(hits(ix, n, &ref) == 1 && !strcmp(ref, "D0"), "the renumbered D0 hits by its new number");
	number(n, 2 * K + 1, 0);
	T_OK(hits(ix, n, NULL) == 1 && candidates(n) == 1, "an untouched one hits (from fp_main)");
	tims_screen_index_free(ix);
	ix = NULL;

	/* a number that leaves and comes back before a merge: the live row
	 * replaces the tombstone of the same key */
	tims_buf_reset(&b);
	doc(&b, 0, 0);
	T_OK(import(wl, "sltd", &b, &err) == TIMS_OK, "D0 given its first number back");
	number(n, 0, 0);
	T_OK(candidates(n) == 1 && view_diff() == 0, "its first number is a candidate again");
	number(n, 0, 1);
	T_EQ_INT(candidates(n), 0, "its second is not");

	/* a stale row (a tombstone lost): the removed document still cannot
	 * hit (each candidate is checked live in its row), and the check
	 * says the index is not the rows' */
	T_OK(sql("DELETE FROM fp_recent WHERE live = 0 AND id = (SELECT id FROM entries"
		 " WHERE ref = 'D" "300" "')") == 0, "a tombstone deleted behind the store");
	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "index loaded");
	number(n, 300, 0);
	T_OK(in_index(ix, n) == 1 && candidates(n) == 0 && hits(ix, n, NULL) == 0,
	     "the removed document is in the stale view, but no candidate and no hit (%zu %zu %zu)",
	     in_index(ix, n), candidates(n), hits(ix, n, NULL));
	tims_screen_index_free(ix);
	ix = NULL;
	T_OK(tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_ERR_TAMPER &&
	     strstr(err.msg, "fingerprint index"), "the check finds it: %s", err.msg);

	/* merged in steps of 7: the view is the rows' at every step */
	T_OK(merge_all(wl, 7, &steps, true) == TIMS_OK && steps > 10,
	     "merged in %zu steps of 7, the view the same at each", steps);
	T_OK(q("SELECT count(*) FROM fp_recent") == 0 &&
	     q("SELECT count(*) FROM (SELECT fp, col, id FROM fp_main EXCEPT SELECT * FROM (" ROWS
	       "))") == 1 &&
	     q("SELECT count(*) FROM (SELECT * FROM (" ROWS ") EXCEPT SELECT fp, col, id FROM"
	       " fp_main)") == 0,
	     "after it fp_main is the rows' fingerprints (and the stale row left by the lost "
	     "tombstone)");
	/* a repair (the whole list again) makes the list's index from its rows */
	tims_buf_reset(&b);
	for (size_t i = 0; i < DOCS + K; i++)
		if (i < K || i >= 2 * K)
			doc(&b, i, i == 0 ? 0 : i < K ? 1 : 0);
	{
		struct tims_wl_import_opts o = { "sltd", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false,
						 true, -1, NULL, NULL };
		struct tims_wl_import_result res;

		T_OK(tims_wl_import(wl, &o, b.buf, b.len, NULL, NULL, &res, &err) == TIMS_OK &&
		     view_diff() == 0 && q("SELECT count(*) FROM fp_recent") == 0,
		     "a repair (replace) makes the list's index from its rows (%s)", err.msg);
	}
	T_OK(tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_OK,
	     "the check passes again (%s)", err.msg);
	tims_buf_release(&b);
}

/* The check: an index row deleted, or a fingerprint column changed with
 * its index row, behind the store. */
static void test_check(void)
{
	struct tims_err err;
	uint8_t h[32];

	T_OK(sql("DELETE FROM fp_main WHERE id = (SELECT id FROM entries WHERE ref = 'D2000')") == 0,
	     "a listed document's row deleted from fp_main");
	T_OK(tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_ERR_TAMPER &&
	     strstr(err.msg, "fingerprint index"), "found: %s", err.msg);
	T_OK(sql("INSERT INTO fp_main SELECT fp1, 1, id, list_id FROM entries WHERE ref = 'D2000';"
		 "UPDATE entries SET fp1 = fp1 + 1 WHERE ref = 'D2001';"
		 "UPDATE fp_main SET fp = fp + 1 WHERE id = (SELECT id FROM entries WHERE ref = 'D2001');"
		 "DELETE FROM fp_recent;") == 0,
	     "a fingerprint changed in the row and in fp_main together");
	T_OK(tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_ERR_TAMPER &&
	     strstr(err.msg, "not that of its number"), "found: %s", err.msg);
	T_OK(sql("UPDATE entries SET fp1 = fp1 - 1 WHERE ref = 'D2001';"
		 "UPDATE fp_main SET fp = fp - 1 WHERE id = (SELECT id FROM entries WHERE ref = 'D2001');"
		 "DELETE FROM fp_recent;") == 0 &&
	     tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_OK, "put back: passes (%s)",
	     err.msg);
}

static size_t crash_after;
static void crash_merge(size_t applied)
{
	if (applied >= crash_after)
		_exit(0);
}

static size_t fp_calls;
static uint64_t crash_fp(enum tims_ident_kind kind, const char *norm)
{
	static const uint8_t zero[TIMS_SCREEN_IDENT_KEY_BYTES];

	if (++fp_calls >= crash_after)
		_exit(0);
	return tims_screen_ident_fp(zero, kind, norm);
}

/* A child that dies in the middle: the store as the last commit left it. */
static int in_child(int what, unsigned gen)
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		struct tims_wl *w = NULL;
		struct tims_buf b = TIMS_BUF_INIT(1 << 24);
		struct tims_err err;
		size_t merged, left;

		if (tims_wl_open(dir, false, &w, &err))
			_exit(2);
		if (what == 0) {
			crash_after = 25;
			tims__wl_merge_test_hook = crash_merge;
			tims_wl_fp_merge(w, 100, &merged, &left, &err);
		} else {
			delta(&b, gen);
			crash_after = K + K / 2; /* in the middle of the renumbered */
			fp_calls = 0;
			tims__wl_import_threads = -1;
			tims__wl_fp_test_hook = crash_fp;
			import(w, "sltd", &b, &err);
		}
		_exit(3); /* it did not die where it should */
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_crash(void)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 24);
	struct tims_screen_index *ix = NULL;
	struct tims_wl_digest d0, d1;
	struct tims_err err;
	uint8_t h[32];
	long recent, rows, main0;
	size_t steps = 0, missing = 0, found = 0;
	char n[16];

	delta(&b, 2);
	T_OK(import(wl, "sltd", &b, &err) == TIMS_OK && tims_wl_digest(wl, "sltd", &d0, &err) == 0,
	     "a second delta, not merged");
	tims_wl_close(wl);
	wl = NULL;
	recent = q("SELECT count(*) FROM fp_recent");
	main0 = q("SELECT count(*) FROM fp_main");
	T_EQ_INT(in_child(0, 0), 0, "a merge step dies after 25 of its 100 rows");
	T_OK(tims_wl_open(dir, false, &wl, &err) == TIMS_OK, "reopened");
	T_OK(q("SELECT count(*) FROM fp_recent") == recent && q("SELECT count(*) FROM fp_main") == main0
	     && view_diff() == 0, "the step is not there, the view is the rows'");
	T_OK(tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_OK &&
	     tims_wl_digest(wl, "sltd", &d1, &err) == TIMS_OK && !memcmp(d0.digest, d1.digest, 32) &&
	     !memcmp(h, d0.content, 32), "the digest verifies, the same as before (%s)", err.msg);

	rows = q("SELECT count(*) FROM entries");
	tims_wl_close(wl);
	wl = NULL;
	T_EQ_INT(in_child(1, 3), 0, "a delta dies in its middle (before its commit)");
	T_OK(tims_wl_open(dir, false, &wl, &err) == TIMS_OK, "reopened");
	T_OK(q("SELECT count(*) FROM entries") == rows && q("SELECT count(*) FROM fp_recent") == recent &&
	     view_diff() == 0, "none of the delta, in the rows or the index");
	T_OK(tims_wl_content_recompute(wl, "sltd", h, &err) == TIMS_OK &&
	     tims_wl_digest(wl, "sltd", &d1, &err) == TIMS_OK && !memcmp(d0.digest, d1.digest, 32),
	     "the digest verifies, the version held (%s)", err.msg);
	T_OK(merge_all(wl, 64, &steps, false) == TIMS_OK && view_diff() == 0 &&
	     q("SELECT count(*) FROM fp_recent") == 0, "the merge then completes (%zu steps)", steps);
	delta(&b, 3);
	T_OK(import(wl, "sltd", &b, &err) == TIMS_OK && tims_wl_load_index(wl, &ix, &err) == TIMS_OK,
	     "the delta made again, whole");
	for (size_t i = 0; i < K; i++) {
		number(n, DOCS + 2 * K + i, 0);
		missing += hits(ix, n, NULL) != 1;
		number(n, i, 3);
		missing += hits(ix, n, NULL) != 1;
		number(n, i, 2);
		found += hits(ix, n, NULL) != 0;
	}
	T_OK(missing == 0 && found == 0, "its numbers hit, the numbers it replaced do not");
	tims_screen_index_free(ix);
	tims_buf_release(&b);
}

/* A store of schema 1 (partial indexes entries_fp1/fp2, no fp tables). */
static void test_migration(void)
{
	struct tims_screen_index *ix = NULL;
	struct tims_err err;
	char n[16];

	tims_wl_close(wl);
	wl = NULL;
	T_OK(sql(		 "DROP TABLE fp_main; DROP TABLE fp_recent;"
		 "CREATE INDEX entries_fp1 ON entries(fp1) WHERE deleted_version IS NULL AND fp1 IS NOT NULL;"
		 "CREATE INDEX entries_fp2 ON entries(fp2) WHERE deleted_version IS NULL AND fp2 IS NOT NULL;"
		 "PRAGMA user_version = 1;") == 0, "the store made as schema 1 had it");
	T_OK(tims_wl_open(dir, false, &wl, &err) == TIMS_OK, "opened (%s)", err.msg);
	T_OK(q("PRAGMA user_version") == 2 &&
	     q("SELECT count(*) FROM sqlite_master WHERE name IN ('entries_fp1', 'entries_fp2')") == 0,
	     "migrated: schema 2, the partial indexes gone");
	T_OK(q("SELECT count(*) FROM fp_recent") == 0 && view_diff() == 0 &&
	     q("SELECT count(*) FROM fp_main") == q("SELECT count(*) FROM (" ROWS ")"),
	     "fp_main made from the rows");
	number(n, 0, 3);
	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK && hits(ix, n, NULL) == 1,
	     "a listed number hits after the migration");
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	wl = NULL;
	T_OK(sql("PRAGMA user_version = 3") == 0 && tims_wl_open(dir, false, &wl, &err) != TIMS_OK &&
	     strstr(err.msg, "newer"), "a store of a newer schema is refused: %s", err.msg);
	sql("PRAGMA user_version = 2");
}

int main(void)
{
	struct tims_err err;
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	T_OK(tims_wl_open(dir, true, &wl, &err) == TIMS_OK, "scratch store created");
	test_side_table();
	test_check();
	test_crash();
	test_migration();
	tims_wl_close(wl);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
