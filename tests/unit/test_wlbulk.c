/*
 * test_wlbulk.c — a large first load made in parallel (docs/watchlists.md,
 * "Import speed") gives the very store the row-by-row path gives: in a
 * node's sealed store, the same entries (every field sealed, data_hash,
 * fingerprints, versions), the same export, the same content sum, kept and
 * recomputed from the rows; a ref named twice keeps its last row; a bad row
 * is reported with its line, in the file's order, and without --skip-bad
 * nothing is stored. Needs a token (scripts/token.sh).
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "tims/lthash.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

/* import.c: < 0 row by row, n > 0 that many workers whatever the size */
extern int tims__wl_import_threads;
/* idents.c: the fewest lines for which a load sorts the fingerprint indexes */
extern int tims__wl_defer_index_min;
extern unsigned tims__wl_deferred_loads;

#if defined(__SANITIZE_ADDRESS__)
/* under ASan, one batch and a part (each worker has one): the same paths
 * at a third of the time (the plain build runs the full size) */
#define DOCS 5000
#define BAD_AT 3234  /* a bad row's line, in the last full batch */
#define DUP_AT 4500  /* D7 named again, in the batch after its own */
#else
#define DOCS 14000  /* four batches of 4096 rows and a part */
#define BAD_AT 11234
#define DUP_AT 9000
#endif
#define PERSONS 5000

static char base[256];

struct bad_lines {
	size_t n;
	size_t line[64];
	char msg[64][120];
};

static void on_bad(void *ctx, size_t line, const char *msg)
{
	struct bad_lines *b = ctx;

	if (b->n < 64) {
		b->line[b->n] = line;
		snprintf(b->msg[b->n], sizeof(b->msg[0]), "%s", msg);
	}
	b->n++;
}

static tims_rc import(struct tims_wl *wl, const char *list, enum tims_wl_kind kind,
		      enum tims_wl_format f, bool skip_bad, int threads, const struct tims_buf *in,
		      struct bad_lines *bad, struct tims_wl_import_result *res, struct tims_err *err)
{
	struct tims_wl_import_opts o = { .list = list, .kind = kind, .format = f,
					 .skip_bad = skip_bad, .replace = true, .threshold = -1 };
	tims_rc rc;

	memset(bad, 0, sizeof(*bad));
	tims__wl_import_threads = threads;
	rc = tims_wl_import(wl, &o, in->buf, in->len, on_bad, bad, res, err);
	tims__wl_import_threads = 0;
	return rc;
}

/* Documents in CSV: line i+2 is document i; `dup` names ref D7 again on
 * its line (another status), `bad_at` makes that line bad (0: none). */
static void docs_csv(struct tims_buf *b, size_t n, size_t dup, size_t bad_at)
{
	tims_buf_reset(b);
	tims_buf_addstr(b, "ref,number,issuing_state,status,authority\n");
	for (size_t i = 0; i < n; i++) {
		size_t line = i + 2;

		if (line == bad_at)
			tims_buf_addf(b, "D%zu,X%09zu,FRA,misplaced,INTERPOL\n", i, i);
		else if (line == dup)
			tims_buf_addstr(b, "D7,X000000007,FRA,lost,INTERPOL\n");
		else
			tims_buf_addf(b, "D%zu,%c%08zu,%s,%s,INTERPOL\n", i, 'A' + (int)(i % 26),
				      (i * 7919) % 100000000, i % 3 ? "FRA" : "DEU",
				      i % 2 ? "stolen" : "lost");
	}
}

static void persons_jsonl(struct tims_buf *b, size_t n)
{
	static const char *const names[] = { "SMITH, John", "Müller Jürgen", "DOE, Jane",
					     "Ioannis Papadopoulos", "Abd al-Rahman Husayn" };

	tims_buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		char tag[8];

		/* a name of its own: letters from the number */
		for (size_t k = 0, v = i; k < 4; k++, v /= 26)
			tag[k] = (char)('a' + v % 26);
		tag[4] = '\0';
		tims_buf_addf(b, "{\"ref\":\"P%zu\",\"name\":\"%s %s\",\"dob\":\"19%02zu\","
			      "\"alert\":\"wanted\",\"aliases\":[\"J %s\"]}\n", i,
			      names[i % 5], tag, i % 100, tag);
	}
}

static long count(const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	snprintf(path, sizeof(path), "%s/node/watchlists/watchlists.db", base);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* The rows of lists a and b agree in every column but the sealed ones
 * (each sealed with its own nonce and its list's associated data). */
static long differing(const char *a, const char *b)
{
	char sql[800];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM (SELECT ref, data_hash, fp1, fp2, version, seen,"
		 " deleted_version FROM entries WHERE list_id = (SELECT id FROM lists WHERE name = '%s')"
		 " EXCEPT SELECT ref, data_hash, fp1, fp2, version, seen, deleted_version FROM entries"
		 " WHERE list_id = (SELECT id FROM lists WHERE name = '%s'))", a, b);
	return count(sql);
}

static bool same_list(struct tims_wl *wl, const char *a, const char *b)
{
	struct tims_buf ea = TIMS_BUF_INIT(1 << 28), eb = TIMS_BUF_INIT(1 << 28);
	uint8_t ka[32], kb[32], ra[32], rb[32];
	bool ok;

	ok = tims_wl_content_hash(wl, a, ka, NULL) == TIMS_OK &&
	     tims_wl_content_hash(wl, b, kb, NULL) == TIMS_OK &&
	     tims_wl_content_recompute(wl, a, ra, NULL) == TIMS_OK &&
	     tims_wl_content_recompute(wl, b, rb, NULL) == TIMS_OK &&
	     tims_wl_export(wl, a, 0, &ea, NULL) == TIMS_OK &&
	     tims_wl_export(wl, b, 0, &eb, NULL) == TIMS_OK;
	ok = ok && !memcmp(ka, kb, 32) && !memcmp(ka, ra, 32) && !memcmp(kb, rb, 32) &&
	     ea.len == eb.len && ea.len > 0 && !memcmp(ea.buf, eb.buf, ea.len);
	tims_buf_release(&ea);
	tims_buf_release(&eb);
	return ok && differing(a, b) == 0 && differing(b, a) == 0;
}

int main(void)
{
	struct tims_buf in = TIMS_BUF_INIT((size_t)1 << 28);
	struct tims_wl_import_result r1, r2;
	struct bad_lines b1, b2;
	struct tims_wl *wl = NULL;
	struct tims_err err;
	char dir[400];
	tims_rc rc;

	snprintf(base, sizeof(base), "/tmp/tims-wlbulk-XXXXXX");
	if (!mkdtemp(base) || sodium_init() < 0)
		return 2;
	snprintf(dir, sizeof(dir), "%s/node", base);
	mkdir(dir, 0700);
	if (!T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK, "a node's vault (%s)", err.msg))
		return t_done();
	snprintf(dir, sizeof(dir), "%s/node/watchlists", base);
	if (!T_OK(tims_wl_open(dir, true, &wl, &err) == TIMS_OK, "its sealed store (%s)", err.msg))
		return t_done();

	/* 1. 14 000 documents, a ref twice (line 9 000 names D7 again) */
	docs_csv(&in, DOCS, DUP_AT, 0);
	T_OK(import(wl, "seq", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, -1, &in, &b1, &r1, &err) ==
	     TIMS_OK, "documents: row by row (%s)", err.msg);
	T_OK(import(wl, "par", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, 2, &in, &b2, &r2, &err) ==
	     TIMS_OK, "documents: in parallel, two workers (%s)", err.msg);
	T_OK(r1.rows == DOCS && r2.rows == DOCS && r1.stored == r2.stored &&
	     r1.unchanged == r2.unchanged && r1.bad == 0 && r2.bad == 0 && r1.version == r2.version,
	     "documents: the same counts (%zu rows, %zu stored, %zu unchanged)", r2.rows, r2.stored,
	     r2.unchanged);
	T_OK(count("SELECT count(*) FROM entries WHERE typeof(data) != 'blob' OR"
		   " typeof(ident1) != 'blob' OR typeof(ident2) != 'blob'") == 0,
	     "documents: every field of every entry sealed");
	T_OK(count("SELECT count(*) FROM entries e JOIN lists l ON l.id = e.list_id"
		   " WHERE l.name = 'par' AND (fp1 IS NULL OR data_hash IS NULL)") == 0,
	     "documents: every entry has its fingerprint and data_hash");
	T_OK(same_list(wl, "seq", "par"),
	     "documents: the same rows, fingerprints, export and sum (kept = recomputed)");
	{
		struct tims_buf one = TIMS_BUF_INIT(1 << 28);

		T_OK(tims_wl_export(wl, "par", 0, &one, NULL) == TIMS_OK &&
		     strstr(one.buf, "{\"authority\":\"INTERPOL\",\"issuing_state\":\"FRA\","
			    "\"number\":\"X000000007\",\"ref\":\"D7\",\"status\":\"lost\"}"),
		     "documents: the ref named twice holds its last row");
		tims_buf_release(&one);
	}

	/* the same file again: only D7 changes (its line 9, then line 30 000) */
	rc = import(wl, "par", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, 2, &in, &b2, &r2, &err);
	T_OK(rc == TIMS_OK && r2.stored == 2 && r2.unchanged == DOCS - 2,
	     "documents: the same file again, row by row: D7 twice (%zu stored, %zu unchanged)",
	     r2.stored, r2.unchanged);
	rc = import(wl, "seq", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, -1, &in, &b1, &r1, &err);
	T_OK(rc == TIMS_OK && r1.stored == 2, "documents: so does the list made row by row");

	/* 2. persons, across batches (names parsed on the workers) */
	persons_jsonl(&in, PERSONS);
	T_OK(import(wl, "pseq", TIMS_WL_PERSONS, TIMS_WL_JSONL, false, -1, &in, &b1, &r1, &err) ==
	     TIMS_OK && import(wl, "ppar", TIMS_WL_PERSONS, TIMS_WL_JSONL, false, 3, &in, &b2, &r2,
			       &err) == TIMS_OK && r2.stored == PERSONS,
	     "persons: row by row and in parallel (%s)", err.msg);
	T_OK(same_list(wl, "pseq", "ppar"), "persons: the same rows, export and sum");

	/* 3. bad rows: the line, in order; nothing stored without skip_bad */
	docs_csv(&in, DOCS, 0, BAD_AT);
	tims_buf_addstr(&in, "D-last,X1,FRA,stolen\n");   /* a field short: line DOCS + 2 */
	T_OK(import(wl, "bad", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, 2, &in, &b2, &r2, &err) ==
	     TIMS_ERR_INVALID && r2.bad == 2 && r2.stored == 0,
	     "bad: two bad rows, the import refused (%s)", err.msg);
	T_OK(b2.n == 2 && b2.line[0] == BAD_AT && strstr(b2.msg[0], "status") &&
	     b2.line[1] == DOCS + 2 && strstr(b2.msg[1], "fields"),
	     "bad: reported with their lines, in order (%zu: %s; %zu: %s)", b2.line[0], b2.msg[0],
	     b2.line[1], b2.msg[1]);
	T_OK(count("SELECT count(*) FROM lists WHERE name = 'bad'") == 0 &&
	     count("SELECT count(*) FROM entries") == 2 * (DOCS - 1) + 2 * PERSONS,
	     "bad: nothing stored, not even the list");
	T_OK(import(wl, "bad", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, true, -1, &in, &b1, &r1, &err) ==
	     TIMS_OK && import(wl, "badp", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, true, 2, &in, &b2, &r2,
			       &err) == TIMS_OK,
	     "bad: with skip_bad, row by row and in parallel (%s)", err.msg);
	T_OK(b1.n == b2.n && b1.line[0] == b2.line[0] && b1.line[1] == b2.line[1] &&
	     !strcmp(b1.msg[0], b2.msg[0]) && r1.stored == r2.stored && r2.stored == DOCS - 1,
	     "bad: the same lines reported, the same rows stored");
	T_OK(same_list(wl, "bad", "badp"), "bad: the good rows, the same list");

	/* 4. an import over a list with rows, in parallel too, changes what
	 * changed (messages after the call: arguments are evaluated in any
	 * order) */
	docs_csv(&in, DOCS, 0, 0);
	rc = import(wl, "par", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, 2, &in, &b2, &r2, &err);
	T_OK(rc == TIMS_OK && r2.stored == 2 && r2.unchanged == DOCS - 2,
	     "again: D7 changed, D29998 new (%zu stored, %zu unchanged)", r2.stored, r2.unchanged);
	rc = import(wl, "seq", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, -1, &in, &b1, &r1, &err);
	T_OK(rc == TIMS_OK && r1.stored == 2 && same_list(wl, "seq", "par"),
	     "again: the same as row by row");

	/* 4b. a load large next to the store drops the fingerprint indexes
	 * and sorts them again at its end (forced here whatever its size): the
	 * same list as row by row, the indexes back, and a load that fails
	 * gives them back with its transaction */
	docs_csv(&in, DOCS, 0, 0);
	rc = import(wl, "unsorted", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, -1, &in, &b1, &r1, &err);
	tims__wl_defer_index_min = -1;
	tims__wl_deferred_loads = 0;
	if (rc == TIMS_OK)
		rc = import(wl, "sorted", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, 2, &in, &b2, &r2, &err);
	T_OK(rc == TIMS_OK && tims__wl_deferred_loads == 1 && r2.stored == DOCS &&
	     same_list(wl, "unsorted", "sorted"),
	     "deferred indexes: the same list as row by row (%s)", err.msg);
	T_OK(count("SELECT count(*) FROM fp_recent") == 0 &&
	     count("SELECT count(*) FROM fp_main m JOIN entries e ON e.id = m.id AND m.col = 1"
		   " AND m.fp = e.fp1 JOIN lists l ON l.id = e.list_id WHERE l.name = 'sorted'"
		   " AND e.deleted_version IS NULL") == DOCS,
	     "deferred indexes: the fingerprint index made again from the rows (fp_main, "
	     "fp_recent empty)");
	{
		struct tims_wl_query q = { .doc_number = "A00000000", .doc_issuer = "DEU" };
		struct tims_wl_screening *sc = calloc(1, sizeof(*sc));
		struct tims_screen_index *ix = NULL;

		T_OK(sc && tims_wl_load_index(wl, &ix, &err) == TIMS_OK &&
		     tims_wl_screen(wl, ix, &q, sc, &err) == TIMS_OK && sc->nhits >= 2,
		     "deferred indexes: a number of the load is a hit, confirmed through them (%s)",
		     err.msg);
		tims_screen_index_free(ix);
		free(sc);
	}
	docs_csv(&in, DOCS, 0, BAD_AT - 1234);
	rc = import(wl, "sorted-bad", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, 2, &in, &b2, &r2, &err);
	T_OK(rc == TIMS_ERR_INVALID && tims__wl_deferred_loads == 2 &&
	     count("SELECT count(*) FROM fp_recent") == 0,
	     "deferred indexes: a load refused for a bad row leaves the index as it was");
	tims__wl_defer_index_min = 1000000;
	/* and the next change is written to fp_recent again (not left in
	 * the bulk state of the load refused) */
	{
		static const char one[] = "{\"ref\":\"AB1\",\"number\":\"AB1234567\","
					  "\"status\":\"stolen\"}\n";

		T_OK(tims_wl_import_delta(wl, "after-bulk", TIMS_WL_DOCUMENTS, one, strlen(one), &r1,
					  &err) == TIMS_OK &&
		     count("SELECT count(*) FROM fp_recent WHERE live = 1") == 1,
		     "deferred indexes: a change after it goes to fp_recent (%s)", err.msg);
	}

	/* lines that are not JSON (parsed on the workers in parallel): the
	 * same lines and reasons as row by row, the other rows stored */
	{
		struct tims_buf js = TIMS_BUF_INIT(1 << 26);

		tims_buf_addstr(&js, "{\"ref\":\"Pbad\",\"name\":\n");
		persons_jsonl(&in, PERSONS);
		tims_buf_add(&js, in.buf, in.len);
		tims_buf_addstr(&js, "{\"ref\":\"Pdup\",\"ref\":\"P1\"}\n");
		T_OK(import(wl, "jseq", TIMS_WL_PERSONS, TIMS_WL_JSONL, true, -1, &js, &b1, &r1,
			    &err) == TIMS_OK &&
		     import(wl, "jpar", TIMS_WL_PERSONS, TIMS_WL_JSONL, true, 3, &js, &b2, &r2,
			    &err) == TIMS_OK && r2.stored == PERSONS && r2.bad == 2,
		     "persons: JSON lines not JSON, row by row and in parallel (%s)", err.msg);
		T_OK(b1.n == 2 && b2.n == 2 && b2.line[0] == 1 && b2.line[1] == PERSONS + 2 &&
		     !strcmp(b1.msg[0], b2.msg[0]) && !strcmp(b1.msg[1], b2.msg[1]) &&
		     strstr(b2.msg[1], "duplicate"), "persons: the same lines and reasons (%zu: %s; "
		     "%zu: %s)", b2.line[0], b2.msg[0], b2.line[1], b2.msg[1]);
		tims_buf_release(&js);
	}
	tims_wl_close(wl);

	/* 5. nonces come from a pool per thread (lib/vault): never one twice,
	 * not across many seals, threads, nor in a child of fork() */
	{
		struct tims_vault *v = NULL;
		static uint8_t seen[3 * 2000][TIMS_VAULT_OVERHEAD];
		size_t n = 0;
		int fd[2];

		snprintf(dir, sizeof(dir), "%s/node", base);
		if (T_OK(tims_vault_open(dir, &v, &err) == TIMS_OK && pipe(fd) == 0,
			 "nonces: the vault")) {
			struct tims_buf b = TIMS_BUF_INIT(4096);
			pid_t pid;

			/* the pool part used before the fork, so that the child
			 * would repeat the parent's next nonces if it kept it */
			for (int i = 0; i < 5; i++, tims_buf_reset(&b))
				if (tims_vault_seal(v, 0, "ad", 2, "x", 1, &b, NULL) == TIMS_OK &&
				    b.len == TIMS_VAULT_OVERHEAD + 1)
					memcpy(seen[n++], b.buf, TIMS_VAULT_OVERHEAD);
			tims_buf_reset(&b);
			fflush(stdout);
			pid = fork();
			for (int i = 0; i < 2000 && pid >= 0; i++) {
				tims_buf_reset(&b);
				if (tims_vault_seal(v, 0, "ad", 2, "x", 1, &b, NULL) != TIMS_OK)
					break;
				if (pid == 0) {
					if (write(fd[1], b.buf, TIMS_VAULT_OVERHEAD) < 0)
						break;
				} else if (n < TIMS_ARRAY_SIZE(seen)) {
					memcpy(seen[n++], b.buf, TIMS_VAULT_OVERHEAD);
				}
			}
			if (pid == 0)
				_exit(0);
			close(fd[1]);
			{
				size_t got = 0;
				ssize_t r;

				/* whole records, however the pipe splits them */
				while (n < TIMS_ARRAY_SIZE(seen) &&
				       (r = read(fd[0], seen[n] + got, TIMS_VAULT_OVERHEAD - got)) > 0)
					if ((got += (size_t)r) == TIMS_VAULT_OVERHEAD) {
						got = 0;
						n++;
					}
			}
			close(fd[0]);
			waitpid(pid, NULL, 0);
			tims_buf_release(&b);
			{
				size_t twice = 0;

				/* the nonce: after "TV1" and the key id (11 bytes) */
				for (size_t i = 0; i < n; i++)
					for (size_t j = i + 1; j < n; j++)
						twice += !memcmp(seen[i] + 11, seen[j] + 11, 24);
				T_OK(n == 4005 && twice == 0,
				     "nonces: %zu seals in a parent and its child, no nonce twice (%zu)",
				     n, twice);
			}
			tims_vault_close(v);
		}
	}
	tims_buf_release(&in);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		if (system(cmd) != 0)
			T_OK(false, "cleanup");
	}
	return t_done();
}
