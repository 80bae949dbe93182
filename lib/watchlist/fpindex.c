/*
 * fpindex.c — the store's fingerprint index in two levels, so that a delta
 * costs what the delta holds, not what the list holds (issue 17).
 *
 * A fingerprint (tims_screen_ident_fp under the store's key) is random: a
 * B-tree keyed by it takes the changes of a delta anywhere, and 100 000
 * changes into 10 M documents touched 46 000 of the 48 000 leaves of the
 * partial index that held them (entries_fp1), each read and written to the
 * WAL at the commit. So the index is kept apart from the rows, in two
 * tables keyed (fp, col, id) — col 1 the document number or plate (entries.fp1),
 * col 2 the VIN (entries.fp2), id the entry:
 *
 *   fp_main    the index as of the last merge (large, changed in order);
 *   fp_recent  what changed since: a live row for a fingerprint that joined
 *              an entry, a tombstone (live = 0) for one that left it.
 *
 * The writer (writer.c, the one way entries change) writes fp_recent in the
 * transaction of the change itself: a delta commits its rows and their
 * fingerprints at once or not at all, and touches only the small table. A
 * row changed behind the store (the sqlite3 shell) is not told to the
 * index: the check below finds it, as it finds the index changed. The view read by loading, screening and
 * the checks is fp_main with fp_recent laid over it: a key in fp_recent
 * decides (live or tombstone), any other key of fp_main stands.
 *
 * Masking is by the exact key (fp, col, id) and nothing else. A tombstone is
 * written only when that very fingerprint leaves that very entry, in the
 * same transaction; the same key joining again replaces it. So a stale row
 * can only be one too many, never one too few: what is listed is always in
 * the view. One too many is harmless: every candidate the view gives is
 * checked against its entry (live, and the same fingerprint in its row) and
 * then by its number, opened (traveller.c), so a removed or renumbered
 * document cannot keep hitting through the index; and the check below
 * compares the view with the rows, both ways.
 *
 * tims_wl_fp_merge folds fp_recent into fp_main in bounded steps, each one
 * transaction taking the first rows of fp_recent in key order (so a step
 * changes one stretch of fp_main), applying them and deleting them from
 * fp_recent. A crash anywhere leaves the last committed step: the view is
 * the same before and after every step, and each step is idempotent. A post
 * runs the steps in the background (lib/node/wlcheck.c); an import that
 * leaves more than TIMS_WL_FP_RECENT_FOLD rows folds them before it returns.
 *
 * Loads of a list at least half the size of the store (and the filling of
 * fingerprints of an older store) write no fp_recent rows (wl->fp_bulk) and
 * make fp_main again from the rows by one sort at their end
 * (tims__wl_fp_indexes).
 */
#include <sodium.h>

#include "tims/schema.h"
#include "tims/util.h"
#include "wl_int.h"

#define FP_TABLES                                                                       \
	"CREATE TABLE IF NOT EXISTS fp_main (fp INTEGER NOT NULL, col INTEGER NOT NULL,"  \
	" id INTEGER NOT NULL, list_id INTEGER NOT NULL, PRIMARY KEY (fp, col, id))"       \
	" WITHOUT ROWID;"                                                                 \
	"CREATE TABLE IF NOT EXISTS fp_recent (fp INTEGER NOT NULL, col INTEGER NOT NULL," \
	" id INTEGER NOT NULL, list_id INTEGER NOT NULL,"                                 \
	" live INTEGER NOT NULL CHECK (live IN (0, 1)), PRIMARY KEY (fp, col, id))"        \
	" WITHOUT ROWID;"

/* The live fingerprints of the entries (one scan of the rows, two
 * fingerprint columns each), in the index's order. */
#define FP_OF_ROWS(where)                                                               \
	"SELECT CASE c.col WHEN 1 THEN e.fp1 ELSE e.fp2 END, c.col, e.id, e.list_id"      \
	" FROM entries e CROSS JOIN (SELECT 1 AS col UNION ALL SELECT 2) c"               \
	" WHERE e.deleted_version IS NULL AND (CASE c.col WHEN 1 THEN e.fp1 ELSE e.fp2 END)" \
	" IS NOT NULL" where " ORDER BY 1, 2, 3"

void (*tims__wl_merge_test_hook)(size_t applied);

static int table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			       " AND name = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			r = sqlite3_column_int(st, 0) > 0;
	}
	sqlite3_finalize(st);
	return r;
}

/* fp_main made again from the rows, fp_recent emptied (in the caller's
 * transaction). */
static tims_rc rebuild_all(struct tims_wl *wl, struct tims_err *err)
{
	if (sqlite3_exec(wl->db, "DELETE FROM fp_recent; DELETE FROM fp_main;"
			 " INSERT INTO fp_main (fp, col, id, list_id) " FP_OF_ROWS(""), NULL, NULL,
			 NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "making the fingerprint index");
	return TIMS_OK;
}

/*
 * At open: the two tables. A store of schema 1 (the
 * partial indexes entries_fp1, entries_fp2 over the rows) gets fp_main made
 * from its rows and loses those indexes, in one transaction: a crash leaves
 * it as it was, migrated at the next open.
 */
tims_rc tims__wl_fp_lsm_schema(struct tims_wl *wl, bool made, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;
	int has = table_exists(wl->db, "fp_main");

	if (has < 0)
		return tims__wl_dberr(wl, err, "fingerprint index");
	if (has == 1)
		return TIMS_OK;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "fingerprint index");
	if ((has = table_exists(wl->db, "fp_main")) != 0) { /* another process did */
		sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL);
		return has < 0 ? tims__wl_dberr(wl, err, "fingerprint index") : TIMS_OK;
	}
	if (sqlite3_exec(wl->db, FP_TABLES "DROP INDEX IF EXISTS entries_fp1;"
			 " DROP INDEX IF EXISTS entries_fp2;", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprint index");
	/* rows whose fingerprints are not made yet (an older store without
	 * the token): fp_main is made when they are (tims__wl_fp_fill) */
	if (!rc && made)
		rc = rebuild_all(wl, err);
	if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprint index");
	if (rc)
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

tims_rc tims__wl_fp_indexes(struct tims_wl *wl, bool make, struct tims_err *err)
{
	wl->fp_bulk = !make;
	return make ? rebuild_all(wl, err) : TIMS_OK;
}

tims_rc tims__wl_fp_list_reset(struct tims_wl *wl, int64_t list_id, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	const char *sql[] = {
		"DELETE FROM fp_recent WHERE list_id = ?1",
		"DELETE FROM fp_main WHERE list_id = ?1",
		"INSERT INTO fp_main (fp, col, id, list_id) " FP_OF_ROWS(" AND e.list_id = ?1"),
	};

	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(sql); i++) {
		if (sqlite3_prepare_v2(wl->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			rc = tims__wl_dberr(wl, err, "fingerprint index");
			break;
		}
		sqlite3_bind_int64(st, 1, list_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "fingerprint index");
		sqlite3_finalize(st);
	}
	return rc;
}

tims_rc tims__wl_fp_list_rebuild(struct tims_wl *wl, const char *list, struct tims_err *err)
{
	int64_t id;
	tims_rc rc;

	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)))
		return rc;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "fingerprint index");
	if (!(rc = tims__wl_fp_list_reset(wl, id, err)) &&
	    sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprint index");
	if (rc)
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* --- the view: fp_main with fp_recent over it ---------------------------- */

struct fp_key {
	int64_t fp, id, list;
	int col, live;
};

static int key_cmp(const struct fp_key *a, const struct fp_key *b)
{
	if (a->fp != b->fp)
		return a->fp < b->fp ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void key_of(sqlite3_stmt *st, struct fp_key *k, bool recent)
{
	k->fp = sqlite3_column_int64(st, 0);
	k->col = sqlite3_column_int(st, 1);
	k->id = sqlite3_column_int64(st, 2);
	k->list = sqlite3_column_int64(st, 3);
	k->live = recent ? sqlite3_column_int(st, 4) : 1;
}

tims_rc tims__wl_fp_view(sqlite3 *db, int (*fn)(void *ctx, int64_t fp, int col, int64_t id,
						 int64_t list),
			 void *ctx, struct tims_err *err)
{
	sqlite3_stmt *m = NULL, *r = NULL;
	struct fp_key km, kr;
	int rm, rr, stop = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(db, "SELECT fp, col, id, list_id FROM fp_main ORDER BY fp, col, id",
			       -1, &m, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT fp, col, id, list_id, live FROM fp_recent"
			       " ORDER BY fp, col, id", -1, &r, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "fingerprint index: %s", sqlite3_errmsg(db));
		goto out;
	}
	rm = sqlite3_step(m);
	rr = sqlite3_step(r);
	if (rm == SQLITE_ROW)
		key_of(m, &km, false);
	if (rr == SQLITE_ROW)
		key_of(r, &kr, true);
	while (!stop && (rm == SQLITE_ROW || rr == SQLITE_ROW)) {
		int c = rm != SQLITE_ROW ? 1 : rr != SQLITE_ROW ? -1 : key_cmp(&km, &kr);

		if (c < 0) {
			stop = fn(ctx, km.fp, km.col, km.id, km.list);
		} else if (kr.live) { /* recent decides its key: live */
			stop = fn(ctx, kr.fp, kr.col, kr.id, kr.list);
		}
		if (c <= 0 && (rm = sqlite3_step(m)) == SQLITE_ROW)
			key_of(m, &km, false);
		if (c >= 0 && (rr = sqlite3_step(r)) == SQLITE_ROW)
			key_of(r, &kr, true);
	}
	if (stop < 0) /* the callback's error: it set err */
		rc = err && err->rc ? err->rc : TIMS_ERR_NOMEM;
	else if (!stop && (rm != SQLITE_DONE || rr != SQLITE_DONE))
		rc = tims_err_set(err, TIMS_ERR_DB, "fingerprint index: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(m);
	sqlite3_finalize(r);
	return rc;
}

tims_rc tims__wl_fp_candidates(struct tims_wl *wl, int col, int64_t stored, uint32_t *rows,
			       size_t max, size_t *n, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r;

	*n = 0;
	/* the view's entries for the key, each checked in its row: live, and
	 * the same fingerprint (a stale row of the view is no candidate) */
	if (sqlite3_prepare_v2(wl->db,
			       "SELECT v.id FROM (SELECT m.id FROM fp_main m WHERE m.fp = ?1 AND"
			       " m.col = ?2 AND NOT EXISTS (SELECT 1 FROM fp_recent r WHERE"
			       " r.fp = ?1 AND r.col = ?2 AND r.id = m.id) UNION ALL SELECT id FROM"
			       " fp_recent WHERE fp = ?1 AND col = ?2 AND live = 1) v JOIN entries e"
			       " ON e.id = v.id WHERE e.deleted_version IS NULL AND"
			       " (CASE ?2 WHEN 2 THEN e.fp2 ELSE e.fp1 END) = ?1 ORDER BY v.id", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, stored);
	sqlite3_bind_int(st, 2, col);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max)
			rows[*n] = (uint32_t)sqlite3_column_int64(st, 0);
		(*n)++;
	}
	if (r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (rc)
		*n = 0;
	return rc;
}

/* --- merging ---------------------------------------------------------------- */

static tims_rc count_recent(struct tims_wl *wl, size_t *n, struct tims_err *err)
{
	uint64_t v = 0;
	tims_rc rc = tims__wl_scalar(wl, "SELECT count(*) FROM fp_recent", "fingerprint index", &v,
				     err);

	*n = (size_t)v;
	return rc;
}

tims_rc tims_wl_fp_pending(struct tims_wl *wl, size_t *n, struct tims_err *err)
{
	return count_recent(wl, n, err);
}

tims_rc tims_wl_fp_merge(struct tims_wl *wl, size_t max_rows, size_t *merged, size_t *left,
			 struct tims_err *err)
{
	sqlite3_stmt *sel = NULL, *put = NULL, *del = NULL, *drop = NULL;
	struct fp_key k, last = { 0 };
	size_t done = 0;
	tims_rc rc = TIMS_OK;
	int r;

	if (merged)
		*merged = 0;
	if (left)
		*left = 0;
	if (!max_rows)
		max_rows = TIMS_WL_FP_MERGE_STEP;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "merging the fingerprint index");
	if (sqlite3_prepare_v2(wl->db, "SELECT fp, col, id, list_id, live FROM fp_recent"
			       " ORDER BY fp, col, id LIMIT ?1", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "INSERT OR REPLACE INTO fp_main (fp, col, id, list_id)"
			       " VALUES (?1, ?2, ?3, ?4)", -1, &put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "DELETE FROM fp_main WHERE fp = ?1 AND col = ?2 AND id = ?3",
			       -1, &del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "DELETE FROM fp_recent WHERE (fp, col, id) <= (?1, ?2, ?3)",
			       -1, &drop, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "merging the fingerprint index");
		goto out;
	}
	sqlite3_bind_int64(sel, 1, (sqlite3_int64)(max_rows > INT64_MAX ? INT64_MAX : max_rows));
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		sqlite3_stmt *w = NULL;

		key_of(sel, &k, true);
		w = k.live ? put : del;
		sqlite3_reset(w);
		sqlite3_bind_int64(w, 1, k.fp);
		sqlite3_bind_int(w, 2, k.col);
		sqlite3_bind_int64(w, 3, k.id);
		if (k.live)
			sqlite3_bind_int64(w, 4, k.list);
		if (sqlite3_step(w) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "merging the fingerprint index");
		last = k;
		done++;
		if (tims__wl_merge_test_hook)
			tims__wl_merge_test_hook(done);
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "merging the fingerprint index");
	sqlite3_reset(sel);
	if (!rc && done) {
		sqlite3_bind_int64(drop, 1, last.fp);
		sqlite3_bind_int(drop, 2, last.col);
		sqlite3_bind_int64(drop, 3, last.id);
		if (sqlite3_step(drop) != SQLITE_DONE || (size_t)sqlite3_changes(wl->db) != done)
			rc = tims_err_set(err, TIMS_ERR_DB, "merging the fingerprint index: %s",
					  sqlite3_errmsg(wl->db));
	}
	if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "merging the fingerprint index");
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	sqlite3_finalize(drop);
	if (rc) {
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (merged)
		*merged = done;
	return left ? count_recent(wl, left, err) : TIMS_OK;
}

tims_rc tims_wl_fp_merge_dir(const char *dir, size_t max_rows, size_t *merged, size_t *left,
			     struct tims_err *err)
{
	struct tims_wl *wl;
	sqlite3_stmt *st = NULL;
	char path[4200];
	int version = -1;
	tims_rc rc;

	if (merged)
		*merged = 0;
	if (left)
		*left = 0;
	if (snprintf(path, sizeof(path), "%s/watchlists.db", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "store: path too long");
	if (!(wl = calloc(1, sizeof(*wl))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	/* the tables only: no schema made, no vault (nothing sealed is read) */
	if (sqlite3_open_v2(path, &wl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
				  wl->db ? sqlite3_errmsg(wl->db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(wl->db, 10000);
	if (sqlite3_prepare_v2(wl->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version != TIMS_SCHEMA_WATCHLISTS) { /* not made (or not yet migrated) by this build */
		rc = TIMS_OK;
		goto out;
	}
	rc = tims_wl_fp_merge(wl, max_rows, merged, left, err);
out:
	sqlite3_close(wl->db);
	free(wl);
	return rc;
}

tims_rc tims__wl_fp_fold(struct tims_wl *wl, size_t above, struct tims_err *err)
{
	size_t left;
	tims_rc rc;

	if ((rc = count_recent(wl, &left, err)) || left <= above)
		return rc;
	while (left && !(rc = tims_wl_fp_merge(wl, TIMS_WL_FP_MERGE_STEP, NULL, &left, err)))
		;
	return rc;
}

/* --- the check: the view against the rows ---------------------------------- */

struct setsum {
	uint8_t key[crypto_shorthash_KEYBYTES];
	uint64_t sum, n;
	int64_t list;
};

static void setsum_add(struct setsum *s, int64_t fp, int col, int64_t id)
{
	uint8_t in[17], h[crypto_shorthash_BYTES];
	uint64_t x;

	memcpy(in, &fp, 8);
	in[8] = (uint8_t)col;
	memcpy(in + 9, &id, 8);
	crypto_shorthash(h, in, sizeof(in), s->key);
	memcpy(&x, h, 8);
	s->sum += x;
	s->n++;
}

static int view_cb(void *ctx, int64_t fp, int col, int64_t id, int64_t list)
{
	struct setsum *s = ctx;

	if (list == s->list)
		setsum_add(s, fp, col, id);
	return 0;
}

tims_rc tims__wl_fp_check(struct tims_wl *wl, int64_t list_id, enum tims_wl_kind kind,
			  const char *list, struct tims_err *err)
{
	struct tims_buf a = TIMS_BUF_INIT(4096), b = TIMS_BUF_INIT(4096);
	struct setsum rows, view;
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	if (kind != TIMS_WL_DOCUMENTS && kind != TIMS_WL_VEHICLES)
		return TIMS_OK;
	/* a key of this check's own: rows and view cannot be made to agree
	 * by choosing them */
	randombytes_buf(rows.key, sizeof(rows.key));
	memcpy(view.key, rows.key, sizeof(view.key));
	rows.sum = rows.n = view.sum = view.n = 0;
	rows.list = view.list = list_id;
	if (sqlite3_prepare_v2(wl->db, "SELECT id, ref, ident1, ident2, fp1, fp2 FROM entries"
			       " WHERE list_id = ?1 AND deleted_version IS NULL", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, list_id);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 1);
		int64_t id = sqlite3_column_int64(st, 0);
		uint64_t f[2];

		/* a document has no VIN: its fp2 must be NULL, nothing to open */
		tims_buf_reset(&b);
		if ((rc = tims__wl_open_field(wl, list_id, ref, "ident1", st, 2, &a, err)) ||
		    (kind == TIMS_WL_VEHICLES &&
		     (rc = tims__wl_open_field(wl, list_id, ref, "ident2", st, 3, &b, err))) ||
		    (rc = tims__wl_ident_fps(wl, kind, tims_buf_str(&a), tims_buf_str(&b), &f[0],
					     &f[1], err)))
			break;
		for (int c = 0; c < 2; c++) {
			int64_t stored = sqlite3_column_type(st, 4 + c) == SQLITE_NULL ? 0 :
					 sqlite3_column_int64(st, 4 + c);
			int64_t want = f[c] ? (int64_t)(f[c] ^ 0x8000000000000000ull) : 0;

			if (stored != want) {
				rc = tims_err_set(err, TIMS_ERR_TAMPER, "watchlist %s: entry %s: the "
						  "fingerprint kept with it is not that of its %s", list,
						  ref, c ? "VIN" : "number");
				break;
			}
			if (want)
				setsum_add(&rows, want, c + 1, id);
		}
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (a.buf)
		sodium_memzero(a.buf, a.alloc);
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&a);
	tims_buf_release(&b);
	if (!rc)
		rc = tims__wl_fp_view(wl->db, view_cb, &view, err);
	if (!rc && (rows.n != view.n || rows.sum != view.sum))
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "watchlist %s: the fingerprint index "
				  "(%" PRIu64 " rows, main and recent) is not that of its entries "
				  "(%" PRIu64 " fingerprints)", list, view.n, rows.n);
	return rc;
}
