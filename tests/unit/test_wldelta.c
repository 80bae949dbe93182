/*
 * test_wldelta.c — a large delta at a post (tims_wl_import_delta into a
 * list that holds rows), made on worker threads, gives the very store the
 * row-by-row path gives: the same rows (ids, data_hash, fingerprints,
 * versions, tombstones), the same export, the same content sum (kept =
 * recomputed) and digest, the same changes for the live index and the same
 * screening answers; and a delta that fails midway (a malformed line near
 * its end, a write refused by the store) leaves the store, its sum and the
 * live index as they were. Needs a token (scripts/token.sh).
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

/* import.c: < 0 row by row, n > 0 that many workers whatever the size;
 * and how many the last import used */
extern int tims__wl_import_threads;
extern unsigned tims__wl_import_workers;

#define DOCS 6000      /* the list before the delta */
#define NEW 2000       /* new documents in the delta */

static char base[256];

/* Document i as stored, its number renumbered by `gen` (0: the first). */
static void doc(struct tims_buf *b, const char *ref, size_t i, unsigned gen)
{
	tims_buf_addf(b, "{\"ref\":\"%s\",\"number\":\"%c%c%07zu\",\"issuing_state\":\"%s\","
		      "\"status\":\"%s\"}\n", ref, 'A' + (int)(i % 26), 'A' + (int)(gen % 26),
		      (i * 7919 + gen * 104729) % 10000000, i % 3 ? "FRA" : "DEU",
		      (i + gen) % 2 ? "stolen" : "lost");
}

static void doc_d(struct tims_buf *b, size_t i, unsigned gen)
{
	char ref[24];

	snprintf(ref, sizeof(ref), "D%zu", i);
	doc(b, ref, i, gen);
}

static void doc_n(struct tims_buf *b, size_t i, unsigned gen)
{
	char ref[24];

	snprintf(ref, sizeof(ref), "N%zu", i);
	doc(b, ref, DOCS + i, gen);
}

static void removal(struct tims_buf *b, const char *prefix, size_t i)
{
	tims_buf_addf(b, "{\"ref\":\"%s%zu\",\"removed\":true}\n", prefix, i);
}

/*
 * A delta, over two batches of 4096 lines and a part: removals (of entries held,
 * of one not held), numbers changed (to generation `gen`), lines as stored,
 * new documents (from N`nfrom`), a ref changed twice, one removed then
 * brought back, a new one added then removed, a tombstone of an earlier
 * version brought back.
 */
static void big_delta(struct tims_buf *b, size_t rmfrom, unsigned gen, size_t nfrom)
{
	tims_buf_reset(b);
	for (size_t i = rmfrom; i < rmfrom + 1000; i++)
		removal(b, "D", i);
	removal(b, "NOPE", 1);
	for (size_t i = 1000; i < 2500; i++)
		doc_d(b, i, gen);                     /* renumbered */
	for (size_t i = 2500; i < 3500; i++)
		doc_d(b, i, 0);                       /* as stored */
	for (size_t i = nfrom; i < nfrom + NEW; i++)
		doc_n(b, i, 0);
	doc_d(b, 1500, gen + 1);                      /* changed again */
	doc_d(b, rmfrom + 10, 3);                     /* removed above, back */
	removal(b, "N", nfrom + 5);                   /* added above, removed */
	doc_d(b, DOCS - 1, 4);                        /* an earlier tombstone */
}

static tims_rc apply(struct tims_wl *wl, int threads, const struct tims_buf *in,
		     struct tims_wl_import_result *res, struct tims_err *err)
{
	tims_rc rc;

	tims__wl_import_threads = threads;
	tims__wl_import_workers = 99;
	rc = tims_wl_import_delta(wl, "sltd", TIMS_WL_DOCUMENTS, in->buf, in->len, res, err);
	tims__wl_import_threads = 0;
	return rc;
}

static struct tims_wl *store(const char *name)
{
	char dir[400];
	struct tims_wl *wl = NULL;
	struct tims_err err;

	snprintf(dir, sizeof(dir), "%s/node/%s", base, name);
	if (tims_wl_open(dir, true, &wl, &err) != TIMS_OK) {
		T_OK(false, "store %s: %s", name, err.msg);
		return NULL;
	}
	return wl;
}

/* A count from the two stores' files: `sql` over main (seq) and p (par). */
static long count2(const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	snprintf(path, sizeof(path), "%s/node/seq/watchlists.db", base);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		char at[500];

		snprintf(at, sizeof(at), "ATTACH '%s/node/par/watchlists.db' AS p", base);
		if (sqlite3_exec(db, at, NULL, NULL, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int sql_par(const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/node/par/watchlists.db", base);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	r = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return r;
}

/* Rows of the two stores that differ in a column but the sealed ones
 * (each sealed with a nonce of its own). */
#define COLS "id, list_id, ref, data_hash, fp1, fp2, version, seen, deleted_version"
static long differing(void)
{
	return count2("SELECT (SELECT count(*) FROM (SELECT " COLS " FROM main.entries EXCEPT"
		      " SELECT " COLS " FROM p.entries)) + (SELECT count(*) FROM (SELECT " COLS
		      " FROM p.entries EXCEPT SELECT " COLS " FROM main.entries)) +"
		      " (SELECT count(*) FROM (SELECT list_id, count, lanes, removed FROM"
		      " main.list_sums EXCEPT SELECT list_id, count, lanes, removed FROM p.list_sums))"
		      " + (SELECT count(*) FROM (SELECT id, name, version FROM main.lists EXCEPT"
		      " SELECT id, name, version FROM p.lists))");
}

/* What a store says of the list: its export, the sum kept (and that the
 * rows' sum is it), its version. */
struct state {
	struct tims_buf exp;
	uint8_t kept[32];
	bool recomputed;
	uint64_t version;
};

static void state_of(struct tims_wl *wl, struct state *s)
{
	struct tims_wl_digest d;
	uint8_t r[32];

	tims_buf_reset(&s->exp);
	memset(s->kept, 0, 32);
	s->version = 0;
	s->recomputed = tims_wl_export(wl, "sltd", 0, &s->exp, NULL) == TIMS_OK &&
			tims_wl_content_hash(wl, "sltd", s->kept, NULL) == TIMS_OK &&
			tims_wl_content_recompute(wl, "sltd", r, NULL) == TIMS_OK &&
			!memcmp(r, s->kept, 32) && tims_wl_digest(wl, "sltd", &d, NULL) == TIMS_OK;
	if (s->recomputed)
		s->version = d.version;
}

static bool same_state(const struct state *a, const struct state *b)
{
	return a->recomputed && b->recomputed && a->version == b->version &&
	       !memcmp(a->kept, b->kept, 32) && a->exp.len == b->exp.len && a->exp.len &&
	       !memcmp(a->exp.buf, b->exp.buf, a->exp.len);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool same_fps(uint64_t *a, size_t na, uint64_t *b, size_t nb)
{
	qsort(a, na, sizeof(*a), cmp_u64);
	qsort(b, nb, sizeof(*b), cmp_u64);
	return na == nb && (na == 0 || !memcmp(a, b, na * sizeof(*a)));
}

/* The answers of a screening of every number of the list before and after
 * the delta: the hits' refs, versions and statuses, as one text. */
static void answers(struct tims_wl *wl, struct tims_screen_index *ix, struct tims_buf *out)
{
	struct tims_wl_screening *scr = malloc(sizeof(*scr));
	struct tims_buf nums = TIMS_BUF_INIT(1 << 24);
	struct tims_err err;

	tims_buf_reset(out);
	for (size_t i = 0; i < DOCS; i += 11)
		for (unsigned g = 0; g < 8; g++)
			doc_d(&nums, i, g);
	for (size_t i = 0; i < 5000 + NEW; i += 7)
		doc_n(&nums, i, 0);
	for (const char *p = nums.buf; scr && p && (p = strstr(p, "\"number\":\"")); ) {
		struct tims_wl_query q = { 0 };
		char num[16];

		p += 10;
		snprintf(num, sizeof(num), "%.9s", p);
		q.doc_number = num;
		if (tims_wl_screen(wl, ix, &q, scr, &err) != TIMS_OK) {
			tims_buf_addf(out, "%s: error %s\n", num, err.msg);
			continue;
		}
		tims_buf_addf(out, "%s:", num);
		for (size_t h = 0; h < scr->nhits; h++)
			tims_buf_addf(out, " %s/%" PRIu64 "/%s", scr->hits[h].ref, scr->hits[h].version,
				      scr->hits[h].alert);
		tims_buf_addstr(out, "\n");
	}
	free(scr);
	tims_buf_release(&nums);
}

int main(void)
{
	struct tims_buf in = TIMS_BUF_INIT((size_t)1 << 26), aseq = TIMS_BUF_INIT(1 << 26),
			apar = TIMS_BUF_INIT(1 << 26);
	struct state sseq = { .exp = TIMS_BUF_INIT(1 << 26) },
		     spar = { .exp = TIMS_BUF_INIT(1 << 26) },
		     before = { .exp = TIMS_BUF_INIT(1 << 26) };
	struct tims_wl_import_result r1, r2;
	struct tims_wl_index_delta d1, d2;
	struct tims_screen_index *ix1 = NULL, *ix2 = NULL;
	struct tims_wl *seq, *par;
	struct tims_err err;
	char dir[400];
	tims_rc rc;

	snprintf(base, sizeof(base), "/tmp/tims-wldelta-XXXXXX");
	if (!mkdtemp(base) || sodium_init() < 0)
		return 2;
	snprintf(dir, sizeof(dir), "%s/node", base);
	mkdir(dir, 0700);
	if (!T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK, "a node's vault (%s)", err.msg))
		return t_done();
	if (!(seq = store("seq")) || !(par = store("par")))
		return t_done();

	/* the same list in both stores, then a delta removing D11999 */
	tims_buf_reset(&in);
	for (size_t i = 0; i < DOCS; i++)
		doc_d(&in, i, 0);
	T_OK(apply(seq, -1, &in, &r1, &err) == TIMS_OK && apply(par, -1, &in, &r2, &err) ==
	     TIMS_OK && r1.stored == DOCS && r2.stored == DOCS, "the list in both stores (%s)",
	     err.msg);
	tims_buf_reset(&in);
	removal(&in, "D", DOCS - 1);
	T_OK(apply(seq, -1, &in, &r1, &err) == TIMS_OK && apply(par, -1, &in, &r2, &err) ==
	     TIMS_OK && r1.removed == 1 && r2.removed == 1, "an earlier removal (%s)", err.msg);

	/* 1. the big delta: row by row into seq, on two workers into par; the
	 * live indexes loaded before, the changes tracked */
	T_OK(tims_wl_load_index(seq, &ix1, &err) == TIMS_OK &&
	     tims_wl_load_index(par, &ix2, &err) == TIMS_OK && tims_wl_track(seq, &err) == TIMS_OK &&
	     tims_wl_track(par, &err) == TIMS_OK, "live indexes and tracking (%s)", err.msg);
	big_delta(&in, 0, 1, 0);
	rc = apply(seq, -1, &in, &r1, &err);
	T_OK(rc == TIMS_OK && tims__wl_import_workers == 0, "delta: row by row (%s)",
	     rc ? err.msg : "ok");
	rc = apply(par, 2, &in, &r2, &err);
	T_OK(rc == TIMS_OK && tims__wl_import_workers == 2, "delta: on two workers (%u; %s)",
	     tims__wl_import_workers, rc ? err.msg : "ok");
	T_OK(r1.rows == r2.rows && r1.stored == r2.stored && r1.unchanged == r2.unchanged &&
	     r1.removed == r2.removed && r1.version == r2.version && r1.rows == 1000 + 1 + 2500 +
	     NEW + 4 && r2.removed == 1001 && r2.unchanged == 1000,
	     "delta: the same counts (%zu rows, %zu stored, %zu unchanged, %zu removed)", r2.rows,
	     r2.stored, r2.unchanged, r2.removed);
	T_OK(differing() == 0, "delta: the same rows (ids, data_hash, fingerprints, versions, "
	     "tombstones), sums and versions");
	T_OK(count2("SELECT count(*) FROM p.entries WHERE typeof(data) != 'blob' OR"
		    " typeof(ident1) != 'blob' OR typeof(ident2) != 'blob'") == 0,
	     "delta: every field of every entry sealed");
	state_of(seq, &sseq);
	state_of(par, &spar);
	T_OK(same_state(&sseq, &spar), "delta: the same export, sum (kept = recomputed) and "
	     "version %" PRIu64, spar.version);
	T_OK(strstr(spar.exp.buf, "\"ref\":\"D10\"") && strstr(spar.exp.buf, "\"ref\":\"D5999\"") &&
	     !strstr(spar.exp.buf, "\"ref\":\"D11\"") && !strstr(spar.exp.buf, "\"ref\":\"N5\""),
	     "delta: removed, brought back, added then removed, as the lines say in order");
	rc = tims_wl_tracked(seq, &d1, &err);
	if (rc == TIMS_OK && (rc = tims_wl_tracked(par, &d2, &err)) != TIMS_OK)
		tims_wl_index_delta_release(&d1);
	T_OK(rc == TIMS_OK && d2.nadd > NEW && d2.ndel > 1000 &&
	     same_fps(d1.add, d1.nadd, d2.add, d2.nadd) && same_fps(d1.del, d1.ndel, d2.del, d2.ndel),
	     "delta: the same changes for the live index (%zu in, %zu out)", rc ? 0 : d2.nadd,
	     rc ? 0 : d2.ndel);
	T_OK(tims_wl_index_update(seq, ix1, &d1, &err) == TIMS_OK &&
	     tims_wl_index_update(par, ix2, &d2, &err) == TIMS_OK, "delta: into the live indexes "
	     "(%s)", err.msg);
	tims_wl_index_delta_release(&d1);
	tims_wl_index_delta_release(&d2);
	answers(seq, ix1, &aseq);
	answers(par, ix2, &apar);
	T_OK(aseq.len == apar.len && !memcmp(aseq.buf, apar.buf, aseq.len) &&
	     strstr(apar.buf, "/lost") && strstr(apar.buf, "/stolen"),
	     "delta: the same screening answers (%zu bytes)", apar.len);

	/* 2. a malformed line near the end of another delta: nothing changes */
	state_of(par, &before);
	big_delta(&in, 3500, 6, 5000);
	tims_buf_addstr(&in, "{\"ref\":\"N99999\",\"number\":\n");
	doc_n(&in, 99998, 0);
	rc = apply(par, 2, &in, &r2, &err);
	T_OK(rc == TIMS_ERR_INVALID && r2.bad == 1 && strstr(err.msg, "1 of"),
	     "malformed line: the delta refused (%s)", err.msg);
	state_of(par, &spar);
	T_OK(same_state(&before, &spar) && differing() == 0,
	     "malformed line: the store, its sum and version as before");
	T_OK(tims_wl_tracked(par, &d2, &err) == TIMS_OK && d2.nadd == 0 && d2.ndel == 0 &&
	     tims_wl_index_update(par, ix2, &d2, &err) == TIMS_OK,
	     "malformed line: nothing for the live index");
	tims_wl_index_delta_release(&d2);
	answers(par, ix2, &apar);
	T_OK(aseq.len == apar.len && !memcmp(aseq.buf, apar.buf, aseq.len),
	     "malformed line: the same screening answers");

	/* 3. a write refused by the store midway (its first batch written) */
	T_OK(sql_par("CREATE TRIGGER inject BEFORE INSERT ON entries WHEN NEW.ref = 'N6990'"
		     " BEGIN SELECT RAISE(ABORT, 'injected failure'); END") == SQLITE_OK,
	     "failure: injected");
	big_delta(&in, 3500, 6, 5000);
	rc = apply(par, 2, &in, &r2, &err);
	T_OK(rc == TIMS_ERR_DB && strstr(err.msg, "injected"), "failure: the delta failed (%s)",
	     err.msg);
	T_OK(sql_par("DROP TRIGGER inject") == SQLITE_OK, "failure: the trigger dropped");
	state_of(par, &spar);
	T_OK(same_state(&before, &spar) && differing() == 0,
	     "failure: the store, its sum and version as before");
	T_OK(tims_wl_tracked(par, &d2, &err) == TIMS_OK && d2.nadd == 0 && d2.ndel == 0 &&
	     tims_wl_index_update(par, ix2, &d2, &err) == TIMS_OK,
	     "failure: nothing for the live index");
	tims_wl_index_delta_release(&d2);
	answers(par, ix2, &apar);
	T_OK(aseq.len == apar.len && !memcmp(aseq.buf, apar.buf, aseq.len),
	     "failure: the same screening answers");

	/* 4. and the same delta then goes in, as row by row */
	rc = apply(par, 2, &in, &r2, &err);
	T_OK(rc == TIMS_OK && apply(seq, -1, &in, &r1, &err) == TIMS_OK && differing() == 0,
	     "after: the delta applied again, the same rows in both (%s)", rc ? err.msg : "ok");

	tims_screen_index_free(ix1);
	tims_screen_index_free(ix2);
	tims_wl_close(seq);
	tims_wl_close(par);
	tims_buf_release(&in);
	tims_buf_release(&aseq);
	tims_buf_release(&apar);
	tims_buf_release(&sseq.exp);
	tims_buf_release(&spar.exp);
	tims_buf_release(&before.exp);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		if (system(cmd) != 0)
			T_OK(false, "cleanup");
	}
	return t_done();
}
