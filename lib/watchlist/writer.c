/*
 * writer.c — the one way entries of a list change (tims__wl_writer_*), and
 * the list's content digest kept with them: an LtHash16 multiset hash of
 * the lines tims_wl_export writes (tims/lthash.h), updated in the
 * transaction of every change, taken again from the rows when asked
 * (tims_wl_content_recompute) or when a store from before sums is opened.
 */
#include <pthread.h>
#include <sodium.h>

#include "tims/util.h"
#include "wl_int.h"

/* --- the content digest: a multiset hash kept with the rows -------------- */

static int el_cb(const char *s, size_t n, void *ud)
{
	return tims_buf_add(ud, s, n) ? -1 : 0;
}

/* The element of an entry: the line tims_wl_export writes for it (without
 * the newline), from its ref and its data (clear). */
static tims_rc element_of(const char *ref, json_t *data, struct tims_buf *out,
			  struct tims_err *err)
{
	json_t *o = json_object();
	tims_rc rc = TIMS_OK;

	tims_buf_reset(out);
	if (!o || json_object_set_new(o, "ref", json_string(ref)) ||
	    json_object_update(o, data)) {
		json_decref(o);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	json_object_del(o, "list");
	json_object_del(o, "kind");
	json_object_del(o, "version");
	if (json_dump_callback(o, el_cb, out, JSON_COMPACT | JSON_SORT_KEYS))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "entry %s: too large", ref);
	json_decref(o);
	return rc;
}

/* The element of a stored entry: its data column `col` of st, opened. */
static tims_rc element_stored(struct tims_wl *wl, int64_t list_id, const char *ref,
			      sqlite3_stmt *st, int col, struct tims_buf *out,
			      struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(1 << 20);
	json_t *data;
	tims_rc rc;

	if ((rc = tims__wl_open_field(wl, list_id, ref, "data", st, col, &text, err))) {
		tims_buf_release(&text);
		return rc;
	}
	data = json_loadb(text.buf ? text.buf : "", text.len, 0, NULL);
	if (text.buf)
		sodium_memzero(text.buf, text.alloc);
	tims_buf_release(&text);
	if (!json_is_object(data))
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "entry %s: stored data is not JSON", ref);
	else
		rc = element_of(ref, data, out, err);
	json_decref(data);
	return rc;
}

static void el_wipe(struct tims_buf *el)
{
	if (el->buf)
		sodium_memzero(el->buf, el->alloc);
	tims_buf_release(el);
}

/* The sum of the live entries of a list, from the rows (every one opened). */
static tims_rc sum_from_rows(struct tims_wl *wl, int64_t id, struct tims_lthash *h,
			     struct tims_err *err)
{
	struct tims_buf el = TIMS_BUF_INIT(1 << 21);
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	tims_lthash_init(h);
	if (sqlite3_prepare_v2(wl->db, "SELECT ref, data FROM entries WHERE list_id = ?1"
			       " AND deleted_version IS NULL", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, id);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (!(rc = element_stored(wl, id, (const char *)sqlite3_column_text(st, 0), st, 1,
					  &el, err)))
			tims_lthash_add(h, el.buf ? el.buf : "", el.len);
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	el_wipe(&el);
	return rc;
}

/* The stored sum; *found false when the store has none for the list. */
static tims_rc sum_read(struct tims_wl *wl, int64_t id, struct tims_lthash *h, bool *found,
			struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r;

	*found = false;
	tims_lthash_init(h);
	if (sqlite3_prepare_v2(wl->db, "SELECT count, lanes FROM list_sums WHERE list_id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != TIMS_LTHASH_BYTES ||
		    sqlite3_column_int64(st, 0) < 0)
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "list %" PRId64 ": the stored sum is "
					  "not %d bytes", id, TIMS_LTHASH_BYTES);
		else {
			tims_lthash_load(h, sqlite3_column_blob(st, 1),
					 (uint64_t)sqlite3_column_int64(st, 0));
			*found = true;
		}
	} else if (r != SQLITE_DONE) {
		rc = tims__wl_dberr(wl, err, "list_sums");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Store the sum; `removed` is the number of tombstones of a list without a
 * stored sum yet, else what to add to it. */
static tims_rc sum_write(struct tims_wl *wl, int64_t id, const struct tims_lthash *h,
			 int64_t removed, struct tims_err *err)
{
	uint8_t lanes[TIMS_LTHASH_BYTES];
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;

	tims_lthash_save(h, lanes);
	if (sqlite3_prepare_v2(wl->db, "INSERT INTO list_sums (list_id, count, lanes, removed)"
			       " VALUES (?1, ?2, ?3, max(?4, 0)) ON CONFLICT (list_id) DO UPDATE SET"
			       " count = excluded.count, lanes = excluded.lanes,"
			       " removed = max(removed + ?4, 0)", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(h->count & INT64_MAX));
	sqlite3_bind_blob(st, 3, lanes, sizeof(lanes), SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, removed);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "list_sums");
	sqlite3_finalize(st);
	return rc;
}

/* The tombstones of a list, counted (a store made before sums). */
static int64_t count_removed(struct tims_wl *wl, int64_t id)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM entries WHERE list_id = ?1"
			       " AND deleted_version IS NOT NULL", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

/* The list's sum: the stored one, or (a store made before sums) computed
 * from its rows once and stored. */
static tims_rc sum_get(struct tims_wl *wl, int64_t id, struct tims_lthash *h,
		       struct tims_err *err)
{
	bool found, own;
	tims_rc rc;

	if ((rc = sum_read(wl, id, h, &found, err)) || found)
		return rc;
	/* computed and stored in one write transaction (the caller's, or its
	 * own): no change of the rows between the two */
	own = sqlite3_get_autocommit(wl->db);
	if (own && sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	if (!(rc = sum_read(wl, id, h, &found, err)) && !found &&
	    !(rc = sum_from_rows(wl, id, h, err)))
		rc = sum_write(wl, id, h, count_removed(wl, id), err);
	if (own) {
		if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = tims__wl_dberr(wl, err, "list_sums");
		if (rc)
			sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

/* At open: the sums a store made before them lacks, computed once (when
 * the rows can be read: no vault, or one whose token is reached; else at
 * the first change or digest asked for). */
tims_rc tims__wl_sums_missing(struct tims_wl *wl, struct tims_err *err)
{
	sqlite3_stmt *st;
	int64_t ids[256];
	size_t n = 0;
	tims_rc rc = TIMS_OK;

	if (wl->vault && tims_vault_state(wl->vault) != TIMS_VAULT_OPEN)
		return TIMS_OK;
	if (sqlite3_prepare_v2(wl->db, "SELECT id FROM lists WHERE id NOT IN"
			       " (SELECT list_id FROM list_sums) ORDER BY id LIMIT 256", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	while (n < TIMS_ARRAY_SIZE(ids) && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return TIMS_OK;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	for (size_t i = 0; !rc && i < n; i++) {
		struct tims_lthash h;

		rc = sum_get(wl, ids[i], &h, err);
	}
	if (rc || sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = tims__wl_dberr(wl, err, "list_sums");
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

void tims_wl_content_empty(uint8_t out[32])
{
	struct tims_lthash h;

	tims_lthash_init(&h);
	tims_lthash_digest(&h, out);
}

tims_rc tims_wl_content_hash(struct tims_wl *wl, const char *list, uint8_t out[32],
			     struct tims_err *err)
{
	struct tims_lthash h;
	int64_t id;
	tims_rc rc;

	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)) ||
	    (rc = sum_get(wl, id, &h, err)))
		return rc;
	tims_lthash_digest(&h, out);
	return TIMS_OK;
}

tims_rc tims_wl_content_recompute(struct tims_wl *wl, const char *list, uint8_t out[32],
				  struct tims_err *err)
{
	struct tims_lthash rows, kept;
	struct tims_err fperr;
	enum tims_wl_kind kind = 0;
	tims_rc rc, fprc = TIMS_OK;
	bool own;
	int64_t id;

	if ((rc = tims__wl_find_list(wl, list, &id, &kind, NULL, err)) ||
	    (rc = sum_get(wl, id, &kept, err)))
		return rc;
	/* the rows, the sum and the fingerprint index of one snapshot (a read
	 * transaction) */
	own = sqlite3_get_autocommit(wl->db);
	if (own && sqlite3_exec(wl->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	if (!(rc = sum_get(wl, id, &kept, err)) && !(rc = sum_from_rows(wl, id, &rows, err))) {
		/* the index a document is found by: every live entry's number
		 * in it, nothing else (fpindex.c) */
		tims_err_clear(&fperr);
		fprc = tims__wl_fp_check(wl, id, kind, list, &fperr);
		if (fprc && fprc != TIMS_ERR_TAMPER) {
			rc = fprc;
			*err = fperr;
		}
	}
	if (own)
		sqlite3_exec(wl->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	if (rc)
		return rc;
	tims_lthash_digest(&rows, out);
	if (!tims_lthash_equal(&rows, &kept))
		return tims_err_set(err, TIMS_ERR_TAMPER, "watchlist %s: the sum kept with the list "
				    "(%" PRIu64 " entries) is not that of its %" PRIu64 " entries",
				    list, kept.count, rows.count);
	if (fprc) {
		if (err)
			*err = fperr;
		return fprc;
	}
	return TIMS_OK;
}

/* --- the one way entries change -------------------------------------------- */

tims_rc tims__wl_writer_begin(struct tims_wl *wl, int64_t list_id, struct tims__wl_writer *w,
			      struct tims_err *err)
{
	tims_rc rc;

	memset(w, 0, sizeof(*w));
	w->wl = wl;
	w->list_id = list_id;
	w->el = (struct tims_buf)TIMS_BUF_INIT(1 << 21);
	if ((rc = sum_get(wl, list_id, &w->sum, err)))
		return rc;
	w->at_begin = w->sum;
	if (sqlite3_prepare_v2(wl->db, "SELECT id, data, data_hash, deleted_version, fp1, fp2"
			       " FROM entries WHERE list_id = ?1 AND ref = ?2", -1, &w->get,
			       NULL) != SQLITE_OK ||
	    /* the fingerprints that leave and join an entry (fpindex.c) */
	    sqlite3_prepare_v2(wl->db, "INSERT OR REPLACE INTO fp_recent (fp, col, id, list_id,"
			       " live) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &w->rec, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET seen = ?1 WHERE id = ?2", -1, &w->touch,
			       NULL) != SQLITE_OK ||
	    /* the entry of a ref held (live or removed), found by get: by
	     * its id, without looking the ref up again */
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET data = ?3, ident1 = ?4, ident2 = ?5,"
			       " version = ?6, seen = ?6, data_hash = ?7, fp1 = ?8, fp2 = ?9,"
			       " deleted_version = NULL WHERE id = ?10 AND list_id = ?1 AND ref = ?2",
			       -1, &w->upd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET deleted_version = ?1 WHERE id = ?2", -1,
			       &w->del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db,
			       "INSERT INTO entries (list_id, ref, data, ident1, ident2, version, seen,"
			       " data_hash, fp1, fp2) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)",
			       -1, &w->ins, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "entries");
		tims__wl_writer_end(w, false, NULL);
		return rc;
	}
	{
		/* a first load: no row of the list, so no put needs to look up
		 * its ref (a ref twice in one import makes the insert fail on
		 * UNIQUE (list_id, ref); that row takes the full path) */
		sqlite3_stmt *st;
		int r;

		if (sqlite3_prepare_v2(wl->db, "SELECT 1 FROM entries WHERE list_id = ?1 LIMIT 1",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = tims__wl_dberr(wl, err, "entries");
			tims__wl_writer_end(w, false, NULL);
			return rc;
		}
		sqlite3_bind_int64(st, 1, list_id);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			rc = tims__wl_dberr(wl, err, "entries");
			tims__wl_writer_end(w, false, NULL);
			return rc;
		}
		w->fresh = r == SQLITE_DONE;
		/* no row: its sum is the empty one, whatever was kept (a sum
		 * left over is a difference tims__wl_writer_same reports) */
		if (w->fresh)
			tims_lthash_init(&w->sum);
	}
	return TIMS_OK;
}

tims_rc tims__wl_writer_end(struct tims__wl_writer *w, bool commit, struct tims_err *err)
{
	tims_rc rc = commit ? sum_write(w->wl, w->list_id, &w->sum, w->removed, err) : TIMS_OK;

	/* a scratch store writes in clear: its next open under a node looks */
	if (!rc && commit && !w->wl->vault &&
	    sqlite3_exec(w->wl->db, "INSERT OR REPLACE INTO store_state (key, value)"
			 " VALUES ('clear', 1)", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(w->wl, err, "store_state");

	sqlite3_finalize(w->get);
	sqlite3_finalize(w->touch);
	sqlite3_finalize(w->del);
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->upd);
	sqlite3_finalize(w->rec);
	w->get = w->touch = w->del = w->ins = w->upd = w->rec = NULL;
	el_wipe(&w->el);
	return rc;
}

/* The live entry `ref` (w->get stepped to its row); 0 none, 1 live. */
static int get_live(struct tims__wl_writer *w, const char *ref, int *r)
{
	sqlite3_reset(w->get);
	sqlite3_bind_int64(w->get, 1, w->list_id);
	sqlite3_bind_text(w->get, 2, ref, -1, SQLITE_TRANSIENT);
	*r = sqlite3_step(w->get);
	return *r == SQLITE_ROW && sqlite3_column_type(w->get, 3) == SQLITE_NULL;
}

/*
 * The store's fingerprint index (fpindex.c) told what a change of an entry
 * did to its fingerprints, in the change's transaction: for each column, a
 * tombstone for the one that left it (live before, and now gone or
 * another), a live row for the one that joined. Stored form (sign bit
 * flipped); has_* false: none. Nothing during a bulk load, whose index is
 * made from the rows at its end.
 */
struct fps {
	bool has[2];
	int64_t v[2];
};

static void fps_of_row(sqlite3_stmt *st, int col, struct fps *f)
{
	for (int c = 0; c < 2; c++) {
		f->has[c] = sqlite3_column_type(st, col + c) != SQLITE_NULL;
		f->v[c] = f->has[c] ? sqlite3_column_int64(st, col + c) : 0;
	}
}

static void fps_of(uint64_t fp1, uint64_t fp2, struct fps *f)
{
	uint64_t in[2] = { fp1, fp2 };

	for (int c = 0; c < 2; c++) {
		f->has[c] = in[c] != 0;
		f->v[c] = in[c] ? (int64_t)(in[c] ^ 0x8000000000000000ull) : 0;
	}
}

static tims_rc rec_one(struct tims__wl_writer *w, int64_t id, int64_t fp, int col, int live,
		       struct tims_err *err)
{
	sqlite3_reset(w->rec);
	sqlite3_bind_int64(w->rec, 1, fp);
	sqlite3_bind_int(w->rec, 2, col);
	sqlite3_bind_int64(w->rec, 3, id);
	sqlite3_bind_int64(w->rec, 4, w->list_id);
	sqlite3_bind_int(w->rec, 5, live);
	if (sqlite3_step(w->rec) != SQLITE_DONE)
		return tims__wl_dberr(w->wl, err, "fingerprint index");
	return TIMS_OK;
}

static tims_rc recent(struct tims__wl_writer *w, int64_t id, const struct fps *old,
		      const struct fps *now, struct tims_err *err)
{
	tims_rc rc;

	if (w->wl->fp_bulk)
		return TIMS_OK;
	for (int c = 0; c < 2; c++) {
		bool o = old && old->has[c], n = now && now->has[c];

		if (o && n && old->v[c] == now->v[c])
			continue; /* the same fingerprint, still live */
		if (o && (rc = rec_one(w, id, old->v[c], c + 1, 0, err)))
			return rc;
		if (n && (rc = rec_one(w, id, now->v[c], c + 1, 1, err)))
			return rc;
	}
	return TIMS_OK;
}

/* Bind an entry's columns (list, ref, data, ident1, ident2 sealed or clear,
 * version, data_hash, fp1, fp2) to an insert of the writer. */
static void bind_entry(struct tims__wl_writer *w, sqlite3_stmt *st, const char *ref,
		       const char *data, const struct tims__wl_row *row,
		       const struct tims_buf *d, const struct tims_buf *a,
		       const struct tims_buf *b, uint64_t version, const char *hash,
		       uint64_t fp1, uint64_t fp2)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, w->list_id);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_TRANSIENT);
	if (w->wl->vault) {
		sqlite3_bind_blob(st, 3, d->buf, (int)d->len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, a->buf, (int)a->len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, b->buf, (int)b->len, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, row->ident1, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, row->ident2, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 6, (sqlite3_int64)version);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
	tims__wl_bind_fp(st, 8, fp1);
	tims__wl_bind_fp(st, 9, fp2);
}

static void prepared_init(struct tims__wl_prepared *p)
{
	memset(p, 0, sizeof(*p));
	p->d = (struct tims_buf)TIMS_BUF_INIT(1 << 20);
	p->a = (struct tims_buf)TIMS_BUF_INIT(4096);
	p->b = (struct tims_buf)TIMS_BUF_INIT(4096);
	p->el = (struct tims_buf)TIMS_BUF_INIT(1 << 21);
	p->old_el = (struct tims_buf)TIMS_BUF_INIT(1 << 21);
}

void tims__wl_prepared_release(struct tims__wl_prepared *p)
{
	if (p->data) {
		sodium_memzero(p->data, strlen(p->data));
		free(p->data);
	}
	tims_buf_release(&p->d);
	tims_buf_release(&p->a);
	tims_buf_release(&p->b);
	el_wipe(&p->el);
	el_wipe(&p->old_el);
	memset(p, 0, sizeof(*p));
}

/* What a row is stored as, made without the store: its data text,
 * data_hash, fingerprints (the list's kind known: tims__wl_row_fps or
 * tims__wl_writer_parallel before), fields sealed, element added to
 * `partial`. Any thread. */
static tims_rc prepare(const struct tims__wl_writer *w, const struct tims__wl_row *row,
		       struct tims__wl_prepared *p, struct tims_lthash *partial,
		       struct tims_err *err)
{
	struct tims_wl *wl = w->wl;
	tims_rc rc;

	/* buffers kept from the entry made before in *p (a batch's slot) */
	if (p->data) {
		sodium_memzero(p->data, strlen(p->data));
		free(p->data);
		p->data = NULL;
	}
	if (!p->d.max)
		prepared_init(p);
	p->old_done = false;
	if (!(p->data = json_dumps(row->data, JSON_COMPACT | JSON_SORT_KEYS)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims__wl_data_hash(wl, p->data, p->hash, err)) ||
	    (rc = element_of(row->ref, row->data, &p->el, err)) ||
	    (rc = tims__wl_ident_fps(wl, wl->fp_list_kind, row->ident1, row->ident2, &p->fp1,
				     &p->fp2, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "data", p->data, &p->d, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident1", row->ident1, &p->a,
				      err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident2", row->ident2, &p->b,
				      err)))
		return rc;
	tims_lthash_add(partial, p->el.buf ? p->el.buf : "", p->el.len);
	return TIMS_OK;
}

/*
 * A prepared entry (its element already added to a sum) stored over what
 * the list holds for its ref, on the writer's thread: as it was (the same
 * data_hash): only `seen` set, its element taken back out; else the old
 * entry's element (as stored) out of the sum and the entry written.
 */
static tims_rc store_prepared(struct tims__wl_writer *w, const struct tims__wl_row *row,
			      const struct tims__wl_prepared *p, uint64_t version, bool *changed,
			      struct tims_err *err)
{
	struct tims_wl *wl = w->wl;
	struct fps old = { { false, false }, { 0, 0 } }, now;
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	bool old_used = false;
	int64_t id = 0;
	int live, r;

	*changed = false;
	live = get_live(w, row->ref, &r);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = tims__wl_dberr(wl, err, "entries");
		goto out;
	}
	if (live && sqlite3_column_text(w->get, 2) &&
	    !strcmp((const char *)sqlite3_column_text(w->get, 2), p->hash)) {
		/* as it was: named by this import (a replace keeps it) */
		sqlite3_reset(w->touch);
		sqlite3_bind_int64(w->touch, 1, (sqlite3_int64)version);
		sqlite3_bind_int64(w->touch, 2, sqlite3_column_int64(w->get, 0));
		if (sqlite3_step(w->touch) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "entries");
		else
			tims_lthash_sub(&w->sum, p->el.buf ? p->el.buf : "", p->el.len);
		goto out;
	}
	/* the old entry out of the sum, as stored (the new one is in) */
	if (!live && r == SQLITE_ROW)
		w->removed--; /* a tombstone brought back */
	if (live && p->old_done && p->old_id == sqlite3_column_int64(w->get, 0) &&
	    sqlite3_column_text(w->get, 2) &&
	    !strcmp((const char *)sqlite3_column_text(w->get, 2), p->old_hash)) {
		old_used = true; /* as the worker found it: taken out there */
	} else if (live) {
		if ((rc = element_stored(wl, w->list_id, row->ref, w->get, 1, &w->el, err)))
			goto out;
		tims_lthash_sub(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
	}
	/* held: changed in place (its id); else a new entry */
	st = r == SQLITE_ROW ? w->upd : w->ins;
	bind_entry(w, st, row->ref, p->data, row, &p->d, &p->a, &p->b, version, p->hash,
		   p->fp1, p->fp2);
	if (r == SQLITE_ROW) {
		id = sqlite3_column_int64(w->get, 0);
		sqlite3_bind_int64(st, 10, id);
		if (live)
			fps_of_row(w->get, 4, &old);
	}
	sqlite3_reset(w->get);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(wl->db) != 1) {
		rc = sqlite3_errcode(wl->db) == SQLITE_OK || sqlite3_errcode(wl->db) == SQLITE_DONE ?
		     tims_err_set(err, TIMS_ERR_DB, "store: entry %s not written", row->ref) :
		     tims__wl_dberr(wl, err, "store");
		sqlite3_reset(st);
		goto out;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_ROW)
		id = sqlite3_last_insert_rowid(wl->db);
	fps_of(p->fp1, p->fp2, &now);
	if ((rc = recent(w, id, live ? &old : NULL, &now, err)))
		goto out;
	*changed = true;
out:
	sqlite3_reset(w->get);
	/* the worker took out an element this import had changed before (a
	 * ref named twice, removed and brought back): back in */
	if (p->old_done && !old_used)
		tims_lthash_add(&w->sum, p->old_el.buf ? p->old_el.buf : "", p->old_el.len);
	return rc;
}

tims_rc tims__wl_writer_put_prepared(struct tims__wl_writer *w, const struct tims__wl_row *row,
				     struct tims__wl_prepared *p, uint64_t version,
				     bool *changed, struct tims_err *err)
{
	int r;

	*changed = false;
	if (w->fresh) {
		/* a first load: the entry is new unless this import named its
		 * ref before (the insert fails on UNIQUE: the full path below) */
		bind_entry(w, w->ins, row->ref, p->data, row, &p->d, &p->a, &p->b, version, p->hash,
			   p->fp1, p->fp2);
		r = sqlite3_step(w->ins);
		if (r != SQLITE_DONE)
			r = sqlite3_extended_errcode(w->wl->db);
		sqlite3_reset(w->ins);
		sqlite3_clear_bindings(w->ins);
		if (r == SQLITE_DONE) {
			struct fps now;
			tims_rc rc;

			fps_of(p->fp1, p->fp2, &now);
			if ((rc = recent(w, sqlite3_last_insert_rowid(w->wl->db), NULL, &now, err)))
				return rc;
			*changed = true;
			return TIMS_OK;
		}
		if (r != SQLITE_CONSTRAINT_UNIQUE)
			return tims_err_set(err, TIMS_ERR_DB, "store: %s", sqlite3_errstr(r));
	}
	return store_prepared(w, row, p, version, changed, err);
}

tims_rc tims__wl_writer_put(struct tims__wl_writer *w, const struct tims__wl_row *row,
			    uint64_t version, bool *changed, struct tims_err *err)
{
	struct tims__wl_prepared p;
	struct tims__wl_row none;
	uint64_t fp1, fp2;
	tims_rc rc;

	*changed = false;
	if (!w->fresh) {
		/* an entry as stored (a list imported again) is only marked
		 * seen: nothing sealed for it */
		char hash[TIMS_VAULT_BLIND_HEX], *data;
		int r;

		if (!(data = json_dumps(row->data, JSON_COMPACT | JSON_SORT_KEYS)))
			return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		rc = tims__wl_data_hash(w->wl, data, hash, err);
		sodium_memzero(data, strlen(data));
		free(data);
		if (rc)
			return rc;
		if (get_live(w, row->ref, &r) && sqlite3_column_text(w->get, 2) &&
		    !strcmp((const char *)sqlite3_column_text(w->get, 2), hash)) {
			sqlite3_reset(w->touch);
			sqlite3_bind_int64(w->touch, 1, (sqlite3_int64)version);
			sqlite3_bind_int64(w->touch, 2, sqlite3_column_int64(w->get, 0));
			sqlite3_reset(w->get);
			return sqlite3_step(w->touch) == SQLITE_DONE ? TIMS_OK :
			       tims__wl_dberr(w->wl, err, "entries");
		}
		sqlite3_reset(w->get);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return tims__wl_dberr(w->wl, err, "entries");
	}
	memset(&p, 0, sizeof(p));
	memset(&none, 0, sizeof(none));
	/* the list's kind for its fingerprints (looked up once per list) */
	if ((rc = tims__wl_row_fps(w->wl, w->list_id, &none, &fp1, &fp2, err)))
		return rc;
	if (!(rc = prepare(w, row, &p, &w->sum, err)))
		rc = tims__wl_writer_put_prepared(w, row, &p, version, changed, err);
	tims__wl_prepared_release(&p);
	return rc;
}

tims_rc tims__wl_writer_parallel(struct tims__wl_writer *w, struct tims_err *err)
{
	struct tims__wl_row none;
	uint64_t fp1, fp2;
	tims_rc rc;

	memset(&none, 0, sizeof(none));
	/* the list's kind (a query) and the key (the vault), here once: the
	 * workers only read them */
	if ((rc = tims__wl_row_fps(w->wl, w->list_id, &none, &fp1, &fp2, err)))
		return rc;
	return tims__wl_fp_test_hook ? TIMS_OK : tims__wl_fp_key(w->wl, err);
}

tims_rc tims__wl_writer_prepare(const struct tims__wl_writer *w, const struct tims__wl_row *row,
				struct tims__wl_prepared *p, struct tims_lthash *partial,
				struct tims_err *err)
{
	return prepare(w, row, p, partial, err);
}

void tims__wl_writer_prepare_old(const struct tims__wl_writer *w, const struct tims__wl_row *row,
				 struct tims__wl_prepared *p, sqlite3_stmt *st, int col,
				 struct tims_lthash *partial)
{
	const char *h = (const char *)sqlite3_column_text(st, col + 1);
	struct tims_err e;

	p->old_done = false;
	if (sqlite3_column_type(st, col + 3) != SQLITE_NULL || !h ||
	    strlen(h) >= sizeof(p->old_hash) || !strcmp(h, p->hash) || !p->old_el.max)
		return; /* a tombstone, or as it was: nothing to take out */
	tims_err_clear(&e);
	if (element_stored(w->wl, w->list_id, row->ref, st, col + 2, &p->old_el, &e))
		return; /* the writer opens it, and fails as it would */
	snprintf(p->old_hash, sizeof(p->old_hash), "%s", h);
	p->old_id = sqlite3_column_int64(st, col);
	p->old_done = true;
	tims_lthash_sub(partial, p->old_el.buf ? p->old_el.buf : "", p->old_el.len);
}

void tims__wl_writer_add_sum(struct tims__wl_writer *w, const struct tims_lthash *partial)
{
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++)
		w->sum.lane[i] = (uint16_t)(w->sum.lane[i] + partial->lane[i]);
	w->sum.count += partial->count;
}

tims_rc tims__wl_writer_del(struct tims__wl_writer *w, const char *ref, uint64_t version,
			    struct tims_err *err)
{
	struct fps old;
	int64_t id;
	tims_rc rc;
	int r;

	if (!get_live(w, ref, &r)) {
		sqlite3_reset(w->get);
		return r == SQLITE_ROW || r == SQLITE_DONE ?
		       tims_err_set(err, TIMS_ERR_NOTFOUND, "no active entry '%s'", ref) :
		       tims__wl_dberr(w->wl, err, "entries");
	}
	if ((rc = element_stored(w->wl, w->list_id, ref, w->get, 1, &w->el, err))) {
		sqlite3_reset(w->get);
		return rc;
	}
	id = sqlite3_column_int64(w->get, 0);
	fps_of_row(w->get, 4, &old);
	sqlite3_reset(w->del);
	sqlite3_bind_int64(w->del, 1, (sqlite3_int64)version);
	sqlite3_bind_int64(w->del, 2, id);
	sqlite3_reset(w->get);
	if (sqlite3_step(w->del) != SQLITE_DONE)
		return tims__wl_dberr(w->wl, err, "remove");
	if ((rc = recent(w, id, &old, NULL, err)))
		return rc;
	tims_lthash_sub(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
	w->removed++;
	return TIMS_OK;
}

tims_rc tims__wl_writer_del_unseen(struct tims__wl_writer *w, uint64_t version, size_t *n,
				   struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	*n = 0;
	/* every row of this import has seen == version (stored or touched);
	 * the others were not in the file */
	if (sqlite3_prepare_v2(w->wl->db, "SELECT id, ref, data, fp1, fp2 FROM entries WHERE"
			       " list_id = ?1 AND deleted_version IS NULL AND seen < ?2", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(w->wl, err, "replace");
	sqlite3_bind_int64(st, 1, w->list_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = element_stored(w->wl, w->list_id, (const char *)sqlite3_column_text(st, 1),
					 st, 2, &w->el, err)))
			break;
		sqlite3_reset(w->del);
		sqlite3_bind_int64(w->del, 1, (sqlite3_int64)version);
		sqlite3_bind_int64(w->del, 2, sqlite3_column_int64(st, 0));
		if (sqlite3_step(w->del) != SQLITE_DONE) {
			rc = tims__wl_dberr(w->wl, err, "replace");
			break;
		}
		{
			struct fps old;

			fps_of_row(st, 3, &old);
			if ((rc = recent(w, sqlite3_column_int64(st, 0), &old, NULL, err)))
				break;
		}
		tims_lthash_sub(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
		w->removed++;
		(*n)++;
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(w->wl, err, "replace");
	sqlite3_finalize(st);
	return rc;
}

bool tims__wl_writer_same(const struct tims__wl_writer *w)
{
	return tims_lthash_equal(&w->sum, &w->at_begin);
}

tims_rc tims__wl_writer_resum(struct tims__wl_writer *w, struct tims_err *err)
{
	if (w->fresh) {
		/* a first load: every row is one this writer added to the sum
		 * (a ref twice: taken out and put back as on the full path) */
		return TIMS_OK;
	}
	return sum_from_rows(w->wl, w->list_id, &w->sum, err);
}

tims_rc tims__wl_writer_clear(struct tims__wl_writer *w, uint64_t version, size_t *n,
			      struct tims_err *err)
{
	sqlite3_stmt *st;

	*n = 0;
	/* the tombstones of every live fingerprint of the list, first */
	if (!w->wl->fp_bulk) {
		if (sqlite3_prepare_v2(w->wl->db, "INSERT OR REPLACE INTO fp_recent (fp, col, id,"
				       " list_id, live) SELECT CASE c.col WHEN 1 THEN e.fp1 ELSE e.fp2"
				       " END, c.col, e.id, e.list_id, 0 FROM entries e CROSS JOIN"
				       " (SELECT 1 AS col UNION ALL SELECT 2) c WHERE e.list_id = ?1 AND"
				       " e.deleted_version IS NULL AND (CASE c.col WHEN 1 THEN e.fp1"
				       " ELSE e.fp2 END) IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
			return tims__wl_dberr(w->wl, err, "fingerprint index");
		sqlite3_bind_int64(st, 1, w->list_id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return tims__wl_dberr(w->wl, err, "fingerprint index");
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(w->wl->db, "UPDATE entries SET deleted_version = ?1 WHERE"
			       " list_id = ?2 AND deleted_version IS NULL", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(w->wl, err, "remove");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)version);
	sqlite3_bind_int64(st, 2, w->list_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return tims__wl_dberr(w->wl, err, "remove");
	}
	sqlite3_finalize(st);
	*n = (size_t)sqlite3_changes(w->wl->db);
	w->removed += (int64_t)*n;
	tims_lthash_init(&w->sum); /* no entry left */
	return TIMS_OK;
}

