/*
 * idents.c — the screening index from a watchlist store: identifier
 * fingerprints at rest (columns fp1/fp2, keyed from the vault's blind key,
 * made for an older store at open), the index loaded from the rows (persons
 * opened and parsed, fingerprints read in order on a second thread), the
 * candidates of a fingerprint for confirming a hit, and the changes of a
 * store applied to a live index (tims_wl_track, tims_wl_index_update).
 */
#include <pthread.h>
#include <sodium.h>

#include "tims/util.h"
#include "wl_int.h"

/* --- identifier fingerprints ------------------------------------------------ */

#define FP_FLIP 0x8000000000000000ull
#define FP_MARK "ident_fp v1" /* store_meta: every row's fingerprints are made */

uint64_t (*tims__wl_fp_test_hook)(enum tims_ident_kind kind, const char *norm);

/* The fingerprint key: the vault's blind key through a domain of its own
 * (the token must be reached); zeros in a scratch store, which is in clear. */
tims_rc tims__wl_fp_key(struct tims_wl *wl, struct tims_err *err)
{
	uint8_t k[TIMS_VAULT_BLIND_BYTES];
	tims_rc rc;

	if (wl->fp_key_ok)
		return TIMS_OK;
	if (wl->vault) {
		if ((rc = tims_vault_blind(wl->vault, "watchlist.ident-fp", "key v1", 6, k, err)))
			return rc;
		memcpy(wl->fp_key, k, sizeof(wl->fp_key));
		sodium_memzero(k, sizeof(k));
	}
	wl->fp_key_ok = true;
	return TIMS_OK;
}

static tims_rc ident_fp(struct tims_wl *wl, enum tims_ident_kind kind, const char *norm,
			uint64_t *fp, struct tims_err *err)
{
	tims_rc rc;

	*fp = 0;
	if (!norm || !*norm)
		return TIMS_OK;
	if (tims__wl_fp_test_hook) {
		*fp = tims__wl_fp_test_hook(kind, norm);
		return TIMS_OK;
	}
	if ((rc = tims__wl_fp_key(wl, err)))
		return rc;
	*fp = tims_screen_ident_fp(wl->fp_key, kind, norm);
	return TIMS_OK;
}

tims_rc tims__wl_ident_fps(struct tims_wl *wl, enum tims_wl_kind kind, const char *ident1,
			   const char *ident2, uint64_t *fp1, uint64_t *fp2,
			   struct tims_err *err)
{
	tims_rc rc;

	*fp1 = *fp2 = 0;
	if (kind == TIMS_WL_DOCUMENTS)
		return ident_fp(wl, TIMS_IDENT_DOCUMENT, ident1, fp1, err);
	if (kind == TIMS_WL_VEHICLES && !(rc = ident_fp(wl, TIMS_IDENT_PLATE, ident1, fp1, err)))
		rc = ident_fp(wl, TIMS_IDENT_VIN, ident2, fp2, err);
	else
		rc = kind == TIMS_WL_VEHICLES ? rc : TIMS_OK;
	return rc;
}

tims_rc tims__wl_row_fps(struct tims_wl *wl, int64_t list_id, const struct tims__wl_row *row,
			 uint64_t *fp1, uint64_t *fp2, struct tims_err *err)
{
	sqlite3_stmt *st;
	int r;

	*fp1 = *fp2 = 0;
	if (wl->fp_list_id != list_id || !wl->fp_list_kind) {
		if (sqlite3_prepare_v2(wl->db, "SELECT kind FROM lists WHERE id = ?1", -1, &st,
				       NULL) != SQLITE_OK)
			return tims__wl_dberr(wl, err, "lists");
		sqlite3_bind_int64(st, 1, list_id);
		r = sqlite3_step(st);
		wl->fp_list_kind = r == SQLITE_ROW ?
			tims_wl_kind_parse((const char *)sqlite3_column_text(st, 0)) : 0;
		sqlite3_finalize(st);
		if (!wl->fp_list_kind)
			return r == SQLITE_ROW || r == SQLITE_DONE ?
			       tims_err_set(err, TIMS_ERR_NOTFOUND, "list %lld: no such list",
					    (long long)list_id) : tims__wl_dberr(wl, err, "lists");
		wl->fp_list_id = list_id;
	}
	return tims__wl_ident_fps(wl, wl->fp_list_kind, row->ident1, row->ident2, fp1, fp2, err);
}

void tims__wl_bind_fp(sqlite3_stmt *st, int i, uint64_t fp)
{
	if (fp)
		sqlite3_bind_int64(st, i, (sqlite3_int64)(fp ^ FP_FLIP));
	else
		sqlite3_bind_null(st, i);
}

static uint64_t column_fp(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	return (uint64_t)sqlite3_column_int64(st, col) ^ FP_FLIP;
}

tims_rc tims_wl_ident_fp(struct tims_wl *wl, enum tims_ident_kind kind, const char *norm,
			 uint64_t *fp, struct tims_err *err)
{
	return ident_fp(wl, kind, norm, fp, err);
}

static int fp_marked(struct tims_wl *wl)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM store_meta WHERE key = 'ident_fp'"
			       " AND value = '" FP_MARK "'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return r;
}

/* The columns of a store made before fingerprints, and their index. */
tims_rc tims__wl_fp_schema(struct tims_wl *wl, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int has = 0;

	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM pragma_table_info('entries')"
			       " WHERE name = 'fp1'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		has = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!has && sqlite3_exec(wl->db, "ALTER TABLE entries ADD COLUMN fp1 INTEGER;"
				 "ALTER TABLE entries ADD COLUMN fp2 INTEGER;", NULL, NULL,
				 NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "adding fingerprint columns");
	if (sqlite3_exec(wl->db,
			 "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY,"
			 " value TEXT NOT NULL);", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "fingerprint columns");
	/* the index of the fingerprints (fpindex.c): made from the rows when
	 * their fingerprints are (else by tims__wl_fp_fill) */
	return tims__wl_fp_lsm_schema(wl, fp_marked(wl) == 1, err);
}

/*
 * A load of many rows into a store that holds few: each row's fingerprint
 * falls anywhere in the fingerprint indexes, so inserting them one by one
 * reads and writes back most of the index for every few thousand rows (at
 * 10 M documents, most of the load's time). Dropped inside the load's
 * transaction and made again at its end, the indexes are built by one sort
 * instead; a load that fails or is rolled back gets them back with the
 * transaction. Only the writer's connection sees them missing meanwhile, and
 * it holds the store (readers keep the last committed schema).
 */
int tims__wl_defer_index_min = 1000000;
unsigned tims__wl_deferred_loads;

bool tims__wl_defer_fp_indexes(struct tims_wl *wl, size_t lines)
{
	sqlite3_stmt *st;
	int64_t rows = 0;

	if (tims__wl_defer_index_min < 0)
		return ++tims__wl_deferred_loads;
	if (tims__wl_defer_index_min == 0 || lines < (size_t)tims__wl_defer_index_min)
		return false;
	if (sqlite3_prepare_v2(wl->db, "SELECT coalesce(max(id), 0) FROM entries", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* cheaper to sort everything once than to insert: the load is at
	 * least half the size of what the store holds */
	if (rows > 0 && (uint64_t)rows > 2 * (uint64_t)lines)
		return false;
	tims__wl_deferred_loads++;
	return true;
}

/* Fingerprints for every entry of a store that has none yet (made before
 * them, or sealed in place since: the key changed). Needs the token for a
 * sealed store; without it, left for a later open (loading refuses). */
tims_rc tims__wl_fp_fill(struct tims_wl *wl, struct tims_err *err)
{
	struct tims_buf a = TIMS_BUF_INIT(4096), b = TIMS_BUF_INIT(4096);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (fp_marked(wl) == 1)
		return TIMS_OK;
	if (wl->vault && tims_vault_state(wl->vault) != TIMS_VAULT_OPEN)
		return TIMS_OK;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "fingerprints");
	if (fp_marked(wl) == 1) { /* another process did it meanwhile */
		sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL);
		return TIMS_OK;
	}
	/* every row changes: the index made again from them at the end, not
	 * row by row through fp_recent */
	if ((rc = tims__wl_fp_indexes(wl, false, err)))
		goto out;
	if (sqlite3_prepare_v2(wl->db, "SELECT e.id, e.list_id, e.ref, l.kind, e.ident1, e.ident2"
			       " FROM entries e JOIN lists l ON l.id = e.list_id"
			       " WHERE l.kind IN ('documents', 'vehicles')", -1, &sel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET fp1 = ?2, fp2 = ?3 WHERE id = ?1", -1,
			       &upd, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "fingerprints");
		goto out;
	}
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t list = sqlite3_column_int64(sel, 1);
		const char *ref = (const char *)sqlite3_column_text(sel, 2);
		enum tims_wl_kind k = tims_wl_kind_parse((const char *)sqlite3_column_text(sel, 3));
		uint64_t f1, f2;

		if ((rc = tims__wl_open_field(wl, list, ref, "ident1", sel, 4, &a, err)) ||
		    (rc = tims__wl_open_field(wl, list, ref, "ident2", sel, 5, &b, err)) ||
		    (rc = tims__wl_ident_fps(wl, k, tims_buf_str(&a), tims_buf_str(&b), &f1, &f2,
					     err)))
			break;
		sqlite3_reset(upd);
		sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
		tims__wl_bind_fp(upd, 2, f1);
		tims__wl_bind_fp(upd, 3, f2);
		if (sqlite3_step(upd) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "fingerprints");
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "fingerprints");
	if (!rc)
		rc = tims__wl_fp_indexes(wl, true, err);
	if (!rc && sqlite3_exec(wl->db, "INSERT OR REPLACE INTO store_meta (key, value)"
				" VALUES ('ident_fp', '" FP_MARK "')", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprints");
out:
	wl->fp_bulk = false;
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprints");
	if (rc)
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	if (a.buf)
		sodium_memzero(a.buf, a.alloc);
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&a);
	tims_buf_release(&b);
	return rc;
}


/* The names of a person entry (name and aliases) into the index. */
static tims_rc index_person(struct tims_screen_index *ix, uint16_t list, uint32_t row,
			    const char *data, struct tims_err *err)
{
	json_error_t je;
	json_t *o = json_loads(data, 0, &je), *al;
	struct tims_subject s;
	struct tims_name *n = malloc(sizeof(*n));
	uint32_t idx;
	tims_rc rc = TIMS_OK;
	const char *v;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (!o || !n) {
		rc = tims_err_set(err, o ? TIMS_ERR_NOMEM : TIMS_ERR_TAMPER,
				  "entry %u: stored data unreadable", row);
		goto done;
	}
	if ((v = json_string_value(json_object_get(o, "dob"))))
		tims_pdate_parse(v, &s.dob, "dob", NULL);
	if ((v = json_string_value(json_object_get(o, "nationality"))))
		tims_subject_set_nationality(&s, v, "nationality", NULL);
	if ((v = json_string_value(json_object_get(o, "sex"))))
		tims_subject_set_sex(&s, v, "sex", NULL);
	if ((rc = tims_screen_index_add_person(ix, list, row, &s, &idx))) {
		tims_err_set(err, rc, "index: person %u", row);
		goto done;
	}
	v = json_string_value(json_object_get(o, "name"));
	if (v && tims_name_parse(v, strlen(v), "name", n, NULL) == TIMS_OK &&
	    (rc = tims_screen_index_add_name(ix, idx, n)))
		goto done;
	al = json_object_get(o, "aliases");
	for (i = 0; json_is_array(al) && i < json_array_size(al); i++) {
		v = json_string_value(json_array_get(al, i));
		if (v && tims_name_parse(v, strlen(v), "alias", n, NULL) == TIMS_OK &&
		    (rc = tims_screen_index_add_name(ix, idx, n)))
			goto done;
	}
done:
	if (rc && err && !err->msg[0])
		tims_err_set(err, rc, "index: entry %u", row);
	json_decref(o);
	free(n);
	return rc;
}

/* The fingerprints of live entries, in order: the index's view (fp_main
 * with fp_recent over it, fpindex.c), document numbers, plates and VINs. */
struct idents_ctx {
	struct tims_screen_index *ix;
	struct tims_err *err;
};

static int idents_cb(void *ctx, int64_t fp, int col, int64_t id, int64_t list)
{
	struct idents_ctx *c = ctx;
	tims_rc rc;

	(void)col;
	(void)id;
	(void)list;
	if ((rc = tims_screen_index_add_ident_fp(c->ix, (uint64_t)fp ^ FP_FLIP))) {
		tims_err_set(c->err, rc, "index: identifiers: %s", rc == TIMS_ERR_NOMEM ?
			     "out of memory" : "too many");
		return -1;
	}
	return 0;
}

static tims_rc load_idents(sqlite3 *db, struct tims_screen_index *ix, struct tims_err *err)
{
	struct idents_ctx c = { ix, err };

	return tims__wl_fp_view(db, idents_cb, &c, err);
}

/* The identifiers on a second thread and connection, while the persons are
 * opened and parsed on the first: the same snapshot when the stamps agree
 * (every change of entries moves it); when they do not, nothing is added
 * and the first thread reads them itself. */
struct idload {
	char path[4200];
	struct tims_screen_index *ix;
	uint64_t stamp;
	bool done;
	tims_rc rc;
	struct tims_err err;
};

static void *idload_main(void *arg)
{
	struct idload *l = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t stamp = UINT64_MAX;

	tims_err_clear(&l->err);
	if (sqlite3_open_v2(l->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT coalesce(sum(version), 0) FROM lists", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		stamp = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (stamp == l->stamp) {
		l->rc = load_idents(db, l->ix, &l->err);
		l->done = true;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/* The persons of one list, from their sealed data. */
static tims_rc load_persons(struct tims_wl *wl, struct tims_screen_index *ix, uint16_t list,
			    struct tims_err *err)
{
	struct tims_buf t = TIMS_BUF_INIT(1 << 20);
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	if (sqlite3_prepare_v2(wl->db, "SELECT id, ref, data FROM entries INDEXED BY entries_delta"
			       " WHERE list_id = ?1 AND deleted_version IS NULL", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int(st, 1, list);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t row = (uint32_t)sqlite3_column_int64(st, 0);

		if (!(rc = tims__wl_open_field(wl, list, (const char *)sqlite3_column_text(st, 1),
					       "data", st, 2, &t, err)))
			rc = index_person(ix, list, row, tims_buf_str(&t), err);
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (t.buf)
		sodium_memzero(t.buf, t.alloc);
	tims_buf_release(&t);
	return rc;
}

static tims_rc load_index(struct tims_wl *wl, struct tims_screen_index **out,
			  struct tims_err *err);

tims_rc tims_wl_load_index(struct tims_wl *wl, struct tims_screen_index **out,
			   struct tims_err *err)
{
	tims_rc rc;

	*out = NULL;
	tims_err_clear(err);
	/* fingerprints made (a store from before them: now, with the token) */
	if ((rc = tims__wl_fp_fill(wl, err)))
		return rc;
	/* one snapshot of the store (WAL): the stamp is the state loaded */
	if (sqlite3_exec(wl->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "begin");
	rc = load_index(wl, out, err);
	sqlite3_exec(wl->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}

static tims_rc load_index(struct tims_wl *wl, struct tims_screen_index **out,
			  struct tims_err *err)
{
	struct tims_screen_index *ix;
	struct tims_wl_list_info *lists;
	sqlite3_stmt *st;
	size_t nl;
	int64_t maxid = 0;
	uint64_t stamp;
	tims_rc rc;

	if (fp_marked(wl) != 1)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "watchlists: identifier fingerprints "
				    "not made yet (the key token is needed)");
	if (wl->vault && tims_vault_state(wl->vault) != TIMS_VAULT_OPEN)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "watchlists: sealed, and the key "
				    "token is unavailable: %s", tims_vault_why(wl->vault));
	if ((rc = tims_wl_lists_brief(wl, &lists, &nl, err)))
		return rc;
	if ((rc = tims_screen_index_new(&ix))) {
		free(lists);
		return tims_err_set(err, rc, "index: out of memory");
	}
	if (!tims__wl_fp_test_hook && (rc = tims__wl_fp_key(wl, err))) {
		free(lists);
		tims_screen_index_free(ix);
		return rc;
	}
	tims_screen_index_set_ident_key(ix, wl->fp_key);
	/* A threshold the index cannot take is an error, never the default:
	 * a list screened at another threshold than its own hides or invents
	 * hits. */
	for (size_t i = 0; i < nl; i++)
		if ((rc = tims_screen_index_set_threshold(ix, lists[i].id, lists[i].threshold))) {
			tims_err_set(err, rc, "list %s: threshold %g is not between 0 and 1",
				     lists[i].name, lists[i].threshold);
			free(lists);
			tims_screen_index_free(ix);
			return rc;
		}
	/* room: the highest row id bounds the identifiers (they come in
	 * order, kept compact as they come) */
	if (sqlite3_prepare_v2(wl->db, "SELECT max(id) FROM entries", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		maxid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((rc = tims_wl_stamp(wl, &stamp, err)))
		goto fail;
	tims_screen_index_set_stamp(ix, stamp);
	if ((rc = tims_screen_index_reserve(ix, 0, 0, (size_t)(maxid > 0 ? maxid : 0)))) {
		tims_err_set(err, rc, "index: out of memory");
		goto fail;
	}
	{
		struct idload *l = calloc(1, sizeof(*l));
		const char *path = sqlite3_db_filename(wl->db, "main");
		pthread_t th;
		bool threaded = false;

		if (l && path && *path) {
			snprintf(l->path, sizeof(l->path), "%s", path);
			l->ix = ix;
			l->stamp = stamp;
			threaded = pthread_create(&th, NULL, idload_main, l) == 0;
		}
		/* the persons here; the thread touches only the identifiers */
		for (size_t i = 0; !rc && i < nl; i++)
			if (lists[i].kind == TIMS_WL_PERSONS)
				rc = load_persons(wl, ix, lists[i].id, err);
		if (threaded)
			pthread_join(th, NULL);
		if (threaded && l->done && l->rc && !rc) {
			rc = l->rc;
			*err = l->err;
		}
		if (!rc && !(threaded && l->done))
			rc = load_idents(wl->db, ix, err);
		free(l);
	}
	if (!rc && (rc = tims_screen_index_finish(ix)))
		tims_err_set(err, rc, "index: out of memory");
	if (rc)
		goto fail;
	free(lists);
	*out = ix;
	return TIMS_OK;
fail:
	free(lists);
	tims_screen_index_free(ix);
	return rc;
}

tims_rc tims_wl_ident_candidates(struct tims_wl *wl, enum tims_ident_kind kind, uint64_t fp,
				 uint32_t *rows, size_t max, size_t *n, struct tims_err *err)
{
	*n = 0;
	if (!fp)
		return TIMS_OK;
	return tims__wl_fp_candidates(wl, kind == TIMS_IDENT_VIN ? 2 : 1,
				      (int64_t)(fp ^ FP_FLIP), rows, max, n, err);
}

/* --- changes for a live index ---------------------------------------------- */

tims_rc tims__wl_scalar(struct tims_wl *wl, const char *sql, const char *what, uint64_t *out,
			struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;

	*out = 0;
	if (sqlite3_prepare_v2(wl->db, sql, -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, what);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = tims__wl_dberr(wl, err, what);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_wl_stamp(struct tims_wl *wl, uint64_t *stamp, struct tims_err *err)
{
	return tims__wl_scalar(wl, "SELECT coalesce(sum(version), 0) FROM lists", "lists", stamp, err);
}

tims_rc tims_wl_track(struct tims_wl *wl, struct tims_err *err)
{
	if (sqlite3_exec(wl->db,
			 "CREATE TEMP TABLE IF NOT EXISTS wl_changes (list_id INTEGER,"
			 " old_fp1 INTEGER, old_fp2 INTEGER, old_live INTEGER,"
			 " new_fp1 INTEGER, new_fp2 INTEGER, new_live INTEGER);"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_changes_ins AFTER INSERT ON main.entries"
			 " BEGIN INSERT INTO wl_changes VALUES (NEW.list_id, NULL, NULL, 0,"
			 " NEW.fp1, NEW.fp2, NEW.deleted_version IS NULL); END;"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_changes_upd AFTER UPDATE OF data, fp1, fp2,"
			 " deleted_version ON main.entries"
			 " BEGIN INSERT INTO wl_changes VALUES (NEW.list_id, OLD.fp1, OLD.fp2,"
			 " OLD.deleted_version IS NULL, NEW.fp1, NEW.fp2, NEW.deleted_version IS NULL);"
			 " END;"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_changes_del AFTER DELETE ON main.entries"
			 " BEGIN INSERT INTO wl_changes VALUES (OLD.list_id, OLD.fp1, OLD.fp2,"
			 " OLD.deleted_version IS NULL, NULL, NULL, 0); END;"
			 "CREATE TEMP TABLE IF NOT EXISTS wl_bumps (n INTEGER);"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_bumps_upd AFTER UPDATE OF version"
			 " ON main.lists BEGIN INSERT INTO wl_bumps VALUES (NEW.version - OLD.version);"
			 " END;"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_bumps_ins AFTER INSERT ON main.lists"
			 " BEGIN INSERT INTO wl_bumps VALUES (NEW.version); END;"
			 "DELETE FROM wl_changes; DELETE FROM wl_bumps;", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "tracking changes");
	wl->tracking = true;
	return TIMS_OK;
}

static tims_rc delta_push(uint64_t **v, size_t *n, size_t *cap, uint64_t fp,
			  struct tims_err *err)
{
	if (!fp)
		return TIMS_OK;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		uint64_t *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return tims_err_set(err, TIMS_ERR_NOMEM, "changes: out of memory");
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = fp;
	return TIMS_OK;
}

tims_rc tims_wl_tracked(struct tims_wl *wl, struct tims_wl_index_delta *d,
			struct tims_err *err)
{
	sqlite3_stmt *st;
	size_t cap_add = 0, cap_del = 0;
	tims_rc rc = TIMS_OK;
	int r;

	memset(d, 0, sizeof(*d));
	if (!wl->tracking)
		return tims_err_set(err, TIMS_ERR_STATE, "changes: not tracked on this handle");
	if (sqlite3_prepare_v2(wl->db, "SELECT l.kind, c.old_fp1, c.old_fp2, c.old_live,"
			       " c.new_fp1, c.new_fp2, c.new_live FROM temp.wl_changes c"
			       " LEFT JOIN lists l ON l.id = c.list_id ORDER BY c.rowid", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "changes");
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		enum tims_wl_kind k = tims_wl_kind_parse((const char *)sqlite3_column_text(st, 0));
		int old_live = sqlite3_column_int(st, 3), new_live = sqlite3_column_int(st, 6);

		if (k != TIMS_WL_DOCUMENTS && k != TIMS_WL_VEHICLES) {
			d->persons = d->persons || old_live || new_live;
			continue;
		}
		if (old_live &&
		    ((rc = delta_push(&d->del, &d->ndel, &cap_del, column_fp(st, 1), err)) ||
		     (rc = delta_push(&d->del, &d->ndel, &cap_del, column_fp(st, 2), err))))
			break;
		if (new_live &&
		    ((rc = delta_push(&d->add, &d->nadd, &cap_add, column_fp(st, 4), err)) ||
		     (rc = delta_push(&d->add, &d->nadd, &cap_add, column_fp(st, 5), err))))
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "changes");
	sqlite3_finalize(st);
	if (!rc && (rc = tims__wl_scalar(wl, "SELECT coalesce(sum(n), 0) FROM temp.wl_bumps", "lists", &d->bumps,
				   err)) == TIMS_OK)
		rc = tims_wl_stamp(wl, &d->stamp, err);
	if (!rc && sqlite3_exec(wl->db, "DELETE FROM temp.wl_changes; DELETE FROM temp.wl_bumps",
				NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "changes");
	if (rc)
		tims_wl_index_delta_release(d);
	return rc;
}

void tims_wl_index_delta_release(struct tims_wl_index_delta *d)
{
	free(d->add);
	free(d->del);
	memset(d, 0, sizeof(*d));
}

tims_rc tims_wl_index_update(struct tims_wl *wl, struct tims_screen_index *ix,
			     const struct tims_wl_index_delta *d, struct tims_err *err)
{
	struct tims_wl_list_info *lists;
	size_t nl;
	tims_rc rc;

	if (d->persons)
		return tims_err_set(err, TIMS_ERR_STATE, "index: person lists changed (reload)");
	if (tims_screen_index_stamp(ix) + d->bumps != d->stamp)
		return tims_err_set(err, TIMS_ERR_STATE, "index: the store changed elsewhere too "
				    "(reload)");
	if ((rc = tims_wl_lists_brief(wl, &lists, &nl, err)))
		return rc;
	for (size_t i = 0; i < nl; i++)
		if (!(lists[i].threshold >= 0 && lists[i].threshold <= 1)) {
			rc = tims_err_set(err, TIMS_ERR_USAGE, "list %s: threshold %g is not between"
					  " 0 and 1", lists[i].name, lists[i].threshold);
			free(lists);
			return rc;
		}
	/* room first: past this point nothing fails, and the index never
	 * holds half a delta */
	if ((rc = tims_screen_index_ident_reserve(ix, d->nadd + d->ndel))) {
		free(lists);
		return tims_err_set(err, rc, "index: out of memory");
	}
	for (size_t i = 0; i < nl; i++)
		(void)!tims_screen_index_set_threshold(ix, lists[i].id, lists[i].threshold);
	free(lists);
	for (size_t i = 0; i < d->ndel; i++)
		if ((rc = tims_screen_index_remove_ident_fp(ix, d->del[i])))
			return tims_err_set(err, rc, "index: a removal failed");
	for (size_t i = 0; i < d->nadd; i++)
		if ((rc = tims_screen_index_add_ident_fp(ix, d->add[i])))
			return tims_err_set(err, rc, "index: an addition failed");
	tims_screen_index_set_stamp(ix, d->stamp);
	return TIMS_OK;
}

