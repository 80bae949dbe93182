/*
 * query.c — reading a post's log back: one record, a document's history,
 * retention erasure, and tiles (c2sp.org/tlog-tiles, served by the log:
 * tims_mlog_tile and tims_mlog_entries).
 */
#include <sodium.h>

#include "tims/tlog.h"
#include "tims/util.h"
#include "internal.h"

/* A stored (sealed) body into rec. */
static tims_rc decode_body(struct tims_post *p, uint64_t idx, sqlite3_stmt *st, int col,
			   struct tims_record *rec, struct tims_err *err)
{
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	tims_rc rc;

	if (!(rc = post_open_body(p, idx, sqlite3_column_blob(st, col),
				  (size_t)sqlite3_column_bytes(st, col), &plain, err)))
		rc = tims_record_decode(plain.buf, plain.len, rec, err);
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	return rc;
}

static tims_rc post_get_unlocked(struct tims_post *p, uint64_t index,
		      struct tims_record *rec, int *erased,
		      uint8_t entry[TIMS_RECORD_ENTRY_BYTES],
		      struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_GET_REC];
	tims_rc rc = TIMS_OK;
	int s;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "no record %" PRIu64,
				  index);
	} else if (s != SQLITE_ROW) {
		rc = post_db_err(p, "reading a record", err);
	} else {
		*erased = sqlite3_column_type(st, 1) == SQLITE_NULL;
		if (entry) {
			if (sqlite3_column_bytes(st, 2) == TIMS_RECORD_ENTRY_BYTES)
				memcpy(entry, sqlite3_column_blob(st, 2),
				       TIMS_RECORD_ENTRY_BYTES);
			else
				rc = tims_err_set(err, TIMS_ERR_TAMPER,
						  "record %" PRIu64 ": entry is not %d bytes",
						  index, TIMS_RECORD_ENTRY_BYTES);
		}
		if (!rc && !*erased)
			rc = decode_body(p, index, st, 1, rec, err);
		else if (!rc)
			tims_record_init(rec);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static tims_rc post_get_ref_unlocked(struct tims_post *p, const char *ref, uint64_t *index,
					    struct tims_record *rec, int *erased, tims_hash leaf,
					    struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_BY_REF];
	tims_rc rc = TIMS_OK;
	int s;

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "no record with id '%.64s'", ref);
	} else if (s != SQLITE_ROW) {
		rc = post_db_err(p, "reading a record", err);
	} else if (sqlite3_column_bytes(st, 2) != TIMS_RECORD_ENTRY_BYTES) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "record with id '%.64s': entry is not %d bytes",
				  ref, TIMS_RECORD_ENTRY_BYTES);
	} else {
		*index = (uint64_t)sqlite3_column_int64(st, 0);
		if (leaf)
			tims_tlog_leaf_hash(sqlite3_column_blob(st, 2), TIMS_RECORD_ENTRY_BYTES, leaf);
		*erased = sqlite3_column_type(st, 1) == SQLITE_NULL;
		if (*erased)
			tims_record_init(rec);
		else
			rc = decode_body(p, *index, st, 1, rec, err);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/*
 * Fails closed: without the token the blind index of the number cannot be
 * computed, and rows registered while it was out are not yet indexed, so
 * the answer would be "no history" when there is one: TIMS_ERR_UNAVAILABLE
 * instead.
 */
static tims_rc post_history_unlocked(struct tims_post *p, const char *doc_number,
			  const char *nationality, tims_post_record_fn fn,
			  void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_HISTORY];
	struct tims_record *rec;
	char doc[TIMS_VAULT_BLIND_HEX];
	tims_rc rc = TIMS_OK;
	int s;

	if ((rc = post_doc_index(p, doc_number, doc, err)) ||
	    (rc = post_index_pending(p, err)))
		return rc;
	if (!(rec = malloc(sizeof(*rec))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	sqlite3_bind_text(st, 1, doc, -1, SQLITE_TRANSIENT);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);

		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue; /* erased */
		if ((rc = decode_body(p, idx, st, 1, rec, err)))
			break;
		/* a blind index is exact; the record says so too */
		if (strcmp(rec->person.doc_number, doc_number))
			continue;
		if (nationality && *nationality &&
		    strcmp(rec->person.nationality, nationality))
			continue;
		if ((rc = fn(ctx, idx, rec)))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = post_db_err(p, "reading the history", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	return rc;
}

static tims_rc post_corrected_by_unlocked(struct tims_post *p, uint64_t index,
				uint64_t *by, struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_CORRECTED_BY];
	int s;

	*by = TIMS_RECORD_NO_INDEX;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*by = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		return post_db_err(p, "looking up corrections", err);
	return TIMS_OK;
}

static tims_rc post_erase_unlocked(struct tims_post *p, uint64_t index,
			struct tims_err *err)
{
	uint64_t size;
	tims_rc rc;

	if ((rc = tims_post_size(p, &size, err)))
		return rc;
	if (index >= size)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "no record %" PRIu64, index);
	sqlite3_bind_int64(p->st[ST_ERASE], 1, (sqlite3_int64)index);
	return post_exec(p, ST_ERASE, "erasing a record", err);
}

/* ---- tiles ---- */

tims_rc tims_tile_path(int level, uint64_t index, unsigned width,
		       struct tims_buf *out)
{
	char groups[8][4];
	int ng = 0;
	tims_rc rc;

	/* N in groups of three digits, all but the last prefixed "x". */
	do {
		snprintf(groups[ng++], sizeof(groups[0]), "%03u",
			 (unsigned)(index % 1000));
		index /= 1000;
	} while (index && ng < 8);
	rc = level < 0 ? tims_buf_addstr(out, "tile/entries")
		       : tims_buf_addf(out, "tile/%d", level);
	for (int i = ng - 1; !rc && i >= 0; i--)
		rc = tims_buf_addf(out, "/%s%s", i ? "x" : "", groups[i]);
	if (!rc && width < TIMS_TILE_WIDTH)
		rc = tims_buf_addf(out, ".p/%u", width);
	return rc;
}

static tims_rc post_tile_unlocked(struct tims_post *p, unsigned level, uint64_t index,
		       unsigned width, struct tims_buf *out,
		       struct tims_err *err)
{
	return tims_mlog_tile(p->log, level, index, width, out, err);
}

static tims_rc post_entries_unlocked(struct tims_post *p, uint64_t index, unsigned width,
			  struct tims_buf *out, struct tims_err *err)
{
	return tims_mlog_entries(p->log, index, width, out, err);
}

/* ---- the public entry points hold the post's lock (internal.h) ---- */

tims_rc tims_post_get(struct tims_post *p, uint64_t index,
		struct tims_record *rec, int *erased,
		uint8_t entry[TIMS_RECORD_ENTRY_BYTES], struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_get_unlocked(p, index, rec, erased, entry, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_history(struct tims_post *p, const char *doc_number,
		const char *nationality, tims_post_record_fn fn, void *ctx,
		struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_history_unlocked(p, doc_number, nationality, fn, ctx, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_corrected_by(struct tims_post *p, uint64_t index,
		uint64_t *by, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_corrected_by_unlocked(p, index, by, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_erase(struct tims_post *p, uint64_t index,
		struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_erase_unlocked(p, index, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_tile(struct tims_post *p, unsigned level, uint64_t index,
		unsigned width, struct tims_buf *out, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_tile_unlocked(p, level, index, width, out, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_entries(struct tims_post *p, uint64_t index, unsigned width,
		struct tims_buf *out, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_entries_unlocked(p, index, width, out, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_get_ref(struct tims_post *p, const char *ref, uint64_t *index,
			  struct tims_record *rec, int *erased, tims_hash leaf,
			  struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_get_ref_unlocked(p, ref, index, rec, erased, leaf, err);
	post_unlock(p);
	return rc;
}
