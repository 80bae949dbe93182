/*
 * test_docindex.c — identifiers at the scale of lost and stolen documents:
 * the compact fingerprint index and its overlay (changes after finish), the
 * fingerprint columns of the store (made for a store from before them), a
 * hit confirmed by an exact compare (a fingerprint collision is no hit),
 * failing closed, and a delta applied to a live index.
 */
#include <sqlite3.h>

#include "t.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/watchlist.h"

/* store.c's test hook (wl_int.h): fingerprints from this function */
extern uint64_t (*tims__wl_fp_test_hook)(enum tims_ident_kind kind, const char *norm);

static char dir[] = "/tmp/tims-test-docindex-XXXXXX";
static struct tims_wl *wl;

static size_t count(struct tims_screen_index *ix, enum tims_ident_kind k, const char *norm)
{
	size_t c = 99;

	if (tims_screen_index_lookup(ix, k, norm, &c))
		return 99;
	return c;
}

static void number(size_t i, char out[16])
{
	snprintf(out, 16, "X%08zu", i * 7919 % 100000000);
}

/* The index alone: built, then changed after finish. */
static void test_overlay(void)
{
	struct tims_screen_index *ix;
	struct tims_screen_index_stats st;
	size_t c = 7, missing = 0, extra = 0;
	char n[16];

	T_OK(tims_screen_index_new(&ix) == TIMS_OK, "overlay: a new index");
	T_OK(tims_screen_index_lookup(ix, TIMS_IDENT_DOCUMENT, "AB1", &c) == TIMS_ERR_STATE && c == 0,
	     "overlay: a lookup before finish fails (closed), it is never \"none\"");
	T_OK(tims_screen_index_remove_ident(ix, TIMS_IDENT_DOCUMENT, "AB1") == TIMS_ERR_STATE,
	     "overlay: nothing is removed before finish");
	for (size_t i = 0; i < 20000; i++) {
		number(i, n);
		if (tims_screen_index_add_ident(ix, TIMS_IDENT_DOCUMENT, n))
			break;
	}
	T_OK(tims_screen_index_add_ident(ix, TIMS_IDENT_DOCUMENT, "TWICE1") == TIMS_OK &&
	     tims_screen_index_add_ident(ix, TIMS_IDENT_DOCUMENT, "TWICE1") == TIMS_OK &&
	     tims_screen_index_add_ident(ix, TIMS_IDENT_PLATE, "PL4TE") == TIMS_OK &&
	     tims_screen_index_finish(ix) == TIMS_OK, "overlay: 20 003 identifiers built");
	for (size_t i = 0; i < 20000; i++) {
		number(i, n);
		missing += count(ix, TIMS_IDENT_DOCUMENT, n) != 1;
		number(i + 20000, n);
		extra += count(ix, TIMS_IDENT_DOCUMENT, n) != 0;
	}
	T_EQ_INT(missing, 0, "overlay: every identifier built is found");
	T_EQ_INT(extra, 0, "overlay: none of 20 000 others is");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "TWICE1"), 2, "overlay: a number listed twice counts twice");
	T_EQ_INT(count(ix, TIMS_IDENT_PLATE, "PL4TE"), 1, "overlay: a plate is found as a plate");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "PL4TE"), 0, "overlay: ... and not as a document");

	/* after finish: a delta */
	T_OK(tims_screen_index_add_ident(ix, TIMS_IDENT_DOCUMENT, "NEW1") == TIMS_OK,
	     "overlay: an identifier added after finish");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "NEW1"), 1, "overlay: ... is found");
	number(5, n);
	T_OK(tims_screen_index_remove_ident(ix, TIMS_IDENT_DOCUMENT, n) == TIMS_OK,
	     "overlay: an identifier of the build removed");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, n), 0, "overlay: ... is no longer found");
	number(6, n);
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, n), 1, "overlay: ... and its neighbour still is");
	T_OK(tims_screen_index_remove_ident(ix, TIMS_IDENT_DOCUMENT, "TWICE1") == TIMS_OK,
	     "overlay: one of a number's two entries removed");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "TWICE1"), 1, "overlay: ... the other still counts");
	T_OK(tims_screen_index_remove_ident(ix, TIMS_IDENT_DOCUMENT, "NEW1") == TIMS_OK &&
	     tims_screen_index_add_ident(ix, TIMS_IDENT_DOCUMENT, "NEW1") == TIMS_OK,
	     "overlay: removed and added again");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "NEW1"), 1, "overlay: ... found once");
	T_OK(tims_screen_index_ident_reserve(ix, 5000) == TIMS_OK, "overlay: room for 5 000 changes");
	for (size_t i = 0; i < 5000; i++) {
		number(40000 + i, n);
		if (tims_screen_index_add_ident(ix, TIMS_IDENT_DOCUMENT, n))
			break;
	}
	missing = 0;
	for (size_t i = 0; i < 5000; i++) {
		number(40000 + i, n);
		missing += count(ix, TIMS_IDENT_DOCUMENT, n) != 1;
	}
	T_EQ_INT(missing, 0, "overlay: 5 000 added after finish are all found");
	tims_screen_index_stats(ix, &st);
	T_EQ_INT(st.idents, 20003 - 2 + 1 + 5000, "overlay: the count follows the changes");
	T_OK(st.bytes < 20003 * 6 + 5000 * 40 + 1024 * 16,
	     "overlay: compact (%zu bytes for %zu identifiers)", st.bytes, st.idents);
	tims_screen_index_free(ix);

	/* a build that reserves room expects the fingerprints in order; one
	 * out of order is still taken (sorted at finish) */
	T_OK(tims_screen_index_new(&ix) == TIMS_OK &&
	     tims_screen_index_reserve(ix, 0, 0, 1000) == TIMS_OK, "streamed: room reserved");
	T_OK(tims_screen_index_add_ident_fp(ix, 0x1000) == TIMS_OK &&
	     tims_screen_index_add_ident_fp(ix, 0x9000000000000000ull) == TIMS_OK &&
	     tims_screen_index_add_ident_fp(ix, 0x5000000000000000ull) == TIMS_OK &&
	     tims_screen_index_add_ident_fp(ix, 0xF000000000000000ull) == TIMS_OK &&
	     tims_screen_index_finish(ix) == TIMS_OK, "streamed: out of order, finished");
	T_OK(tims_screen_index_lookup_fp(ix, 0x5000000000000000ull, &c) == TIMS_OK && c == 1 &&
	     tims_screen_index_lookup_fp(ix, 0x9000000000000000ull, &c) == TIMS_OK && c == 1 &&
	     tims_screen_index_lookup_fp(ix, 0xF000000000000000ull, &c) == TIMS_OK && c == 1 &&
	     tims_screen_index_lookup_fp(ix, 0x1000, &c) == TIMS_OK && c == 1 &&
	     tims_screen_index_lookup_fp(ix, 0x7000000000000000ull, &c) == TIMS_OK && c == 0,
	     "streamed: each found, another not");
	tims_screen_index_free(ix);
}

static tims_rc import(const char *list, enum tims_wl_kind kind, const char *jsonl)
{
	struct tims_wl_import_opts o = { list, kind, TIMS_WL_JSONL, false, false, -1, NULL, NULL };
	struct tims_wl_import_result res;
	struct tims_err err;

	return tims_wl_import(wl, &o, jsonl, strlen(jsonl), NULL, NULL, &res, &err);
}

static int store_sql(const char *sql)
{
	char path[256];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/watchlists.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static tims_rc screen_doc(struct tims_screen_index *ix, const char *num, const char *plate,
			  struct tims_wl_screening *out, struct tims_err *err)
{
	struct tims_wl_query q = { 0 };

	q.doc_number = num;
	q.plate = plate;
	return tims_wl_screen(wl, ix, &q, out, err);
}

static uint64_t collide(enum tims_ident_kind kind, const char *norm)
{
	(void)kind;
	(void)norm;
	return 0x4242424242424242ull;
}

/* A fingerprint that two numbers share: the index says "perhaps", the
 * store gives both entries, and only the one whose stored number equals
 * the traveller's is a hit. */
static void test_collision(void)
{
	struct tims_screen_index *ix = NULL;
	struct tims_wl_screening *scr = malloc(sizeof(*scr));
	struct tims_err err;
	tims_rc rc;

	tims__wl_fp_test_hook = collide;
	T_OK(import("coll", TIMS_WL_DOCUMENTS,
		    "{\"ref\":\"C1\",\"number\":\"AA1111111\",\"status\":\"stolen\"}\n"
		    "{\"ref\":\"C2\",\"number\":\"BB2222222\",\"status\":\"lost\"}\n") == TIMS_OK,
	     "collision: two numbers with one fingerprint imported");
	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "collision: index loaded");
	rc = screen_doc(ix, "AA1111111", NULL, scr, &err);
	T_OK(!rc && scr->nhits == 1 && !strcmp(scr->hits[0].ref, "C1"),
	     "collision: the number listed is one hit, its own entry (%zu hits)", rc ? 0 : scr->nhits);
	rc = screen_doc(ix, "CC3333333", NULL, scr, &err);
	T_OK(!rc && scr->nhits == 0,
	     "collision: a number nobody lists, with the same fingerprint, is no hit");
	/* the store cannot be asked: failed, never "no hit" */
	T_OK(store_sql("ALTER TABLE entries RENAME TO entries_gone") == 0, "collision: store broken");
	rc = screen_doc(ix, "CC3333333", NULL, scr, &err);
	T_OK(rc == TIMS_ERR_DB, "collision: a fingerprint the store cannot confirm fails the "
	     "screening: %s", err.msg);
	store_sql("ALTER TABLE entries_gone RENAME TO entries");
	tims_screen_index_free(ix);
	tims__wl_fp_test_hook = NULL;
	store_sql("UPDATE entries SET deleted_version = 1 WHERE list_id ="
		  " (SELECT id FROM lists WHERE name = 'coll')");
	free(scr);
}

/* A store made before fingerprints: opened, it gets them. */
static void test_migration(void)
{
	struct tims_screen_index *ix = NULL;
	struct tims_wl_screening *scr = malloc(sizeof(*scr));
	struct tims_err err;
	int n = -1;
	sqlite3 *db;
	sqlite3_stmt *st;
	char path[256];

	T_OK(import("old", TIMS_WL_DOCUMENTS,
		    "{\"ref\":\"O1\",\"number\":\"OLD123456\",\"status\":\"stolen\"}\n") == TIMS_OK &&
	     import("oldv", TIMS_WL_VEHICLES,
		    "{\"ref\":\"V1\",\"plate\":\"B-AB 123\",\"vin\":\"WVWZZZ1JZXW000001\","
		    "\"status\":\"stolen\"}\n") == TIMS_OK, "migration: entries imported");
	tims_wl_close(wl);
	wl = NULL;
	T_OK(store_sql(		       "DROP TABLE fp_main; DROP TABLE fp_recent;"
		       "ALTER TABLE entries DROP COLUMN fp1; ALTER TABLE entries DROP COLUMN fp2;"
		       "DROP TABLE store_meta; PRAGMA user_version = 0;") == 0,
	     "migration: the store as it was before");
	T_OK(tims_wl_open(dir, false, &wl, &err) == TIMS_OK, "migration: opened");
	snprintf(path, sizeof(path), "%s/watchlists.db", dir);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM entries e JOIN lists l ON l.id ="
				       " e.list_id WHERE l.kind != 'persons' AND e.deleted_version"
				       " IS NULL AND e.fp1 IS NULL", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	T_EQ_INT(n, 0, "migration: every live document and vehicle has its fingerprint");
	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "migration: index loaded");
	T_OK(ix && !screen_doc(ix, "OLD123456", "BAB123", scr, &err) && scr->nhits == 2,
	     "migration: the document and the plate are found");
	tims_screen_index_free(ix);
	free(scr);
}

/* A delta applied to the live index: what the store logged as it changed. */
static void test_delta(void)
{
	struct tims_screen_index *ix = NULL;
	struct tims_wl_index_delta d;
	struct tims_wl *other = NULL;
	struct tims_wl_import_opts o = { "live", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false, false, -1,
					 NULL, NULL };
	struct tims_wl_import_result res;
	struct tims_err err;
	size_t removed;
	uint64_t v;
	static const char more[] =
		"{\"ref\":\"L2\",\"number\":\"LIVE22222\",\"status\":\"lost\"}\n"
		"{\"ref\":\"L3\",\"number\":\"LIVE33333\",\"status\":\"stolen\"}\n";

	T_OK(import("live", TIMS_WL_DOCUMENTS,
		    "{\"ref\":\"L1\",\"number\":\"LIVE11111\",\"status\":\"stolen\"}\n"
		    "{\"ref\":\"L2\",\"number\":\"LIVE20000\",\"status\":\"stolen\"}\n") == TIMS_OK &&
	     tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "delta: a list loaded");
	T_OK(tims_wl_track(wl, &err) == TIMS_OK, "delta: changes tracked");
	T_OK(tims_wl_import(wl, &o, more, strlen(more), NULL, NULL, &res, &err) == TIMS_OK &&
	     tims_wl_remove(wl, "live", "L1", &removed, &v, &err) == TIMS_OK,
	     "delta: one added, one changed number, one removed");
	T_OK(tims_wl_tracked(wl, &d, &err) == TIMS_OK && !d.persons && d.nadd == 2 && d.ndel == 2,
	     "delta: logged as 2 fingerprints in, 2 out (%zu, %zu)", d.nadd, d.ndel);
	T_OK(tims_wl_index_update(wl, ix, &d, &err) == TIMS_OK, "delta: applied to the live index");
	tims_wl_index_delta_release(&d);
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "LIVE11111"), 0, "delta: the removed number is gone");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "LIVE20000"), 0, "delta: the old number of L2 is gone");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "LIVE22222"), 1, "delta: the new number of L2 is there");
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "LIVE33333"), 1, "delta: the added number is there");

	/* a change made elsewhere (another handle, another process) meanwhile:
	 * the index is reloaded, never patched over it */
	T_OK(tims_wl_open(dir, false, &other, &err) == TIMS_OK &&
	     tims_wl_remove(other, "live", "L3", &removed, &v, &err) == TIMS_OK,
	     "delta: another handle removes an entry");
	tims_wl_close(other);
	T_OK(tims_wl_remove(wl, "live", "L2", &removed, &v, &err) == TIMS_OK &&
	     tims_wl_tracked(wl, &d, &err) == TIMS_OK, "delta: this handle removes another");
	T_OK(tims_wl_index_update(wl, ix, &d, &err) == TIMS_ERR_STATE,
	     "delta: the change made elsewhere is noticed (reload): %s", err.msg);
	tims_wl_index_delta_release(&d);
	T_EQ_INT(count(ix, TIMS_IDENT_DOCUMENT, "LIVE22222"), 1,
		 "delta: ... and the index was left as it was, whole");
	T_OK(import("livep", TIMS_WL_PERSONS,
		    "{\"ref\":\"P1\",\"name\":\"Ivan Petrov\",\"dob\":\"1970\",\"alert\":\"wanted\"}\n") == TIMS_OK &&
	     tims_wl_tracked(wl, &d, &err) == TIMS_OK && d.persons,
	     "delta: a person list changed is told apart");
	T_OK(tims_wl_index_update(wl, ix, &d, &err) == TIMS_ERR_STATE,
	     "delta: ... and not patched into the index (reload)");
	tims_wl_index_delta_release(&d);
	tims_screen_index_free(ix);
}

int main(void)
{
	struct tims_err err;
	char cmd[300];

	test_overlay();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	T_OK(tims_wl_open(dir, true, &wl, &err) == TIMS_OK, "store created");
	test_collision();
	test_migration();
	test_delta();
	tims_wl_close(wl);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
