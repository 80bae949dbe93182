/*
 * query.c — reading a post's log back: one record, a document's history,
 * retention erasure, and tiles (c2sp.org/tlog-tiles) from the stored hashes.
 */
#include "tims/util.h"
#include "internal.h"

tims_rc tims_post_get(struct tims_post *p, uint64_t index,
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
			rc = tims_record_decode(sqlite3_column_blob(st, 1),
						(size_t)sqlite3_column_bytes(st, 1),
						rec, err);
		else if (!rc)
			tims_record_init(rec);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

tims_rc tims_post_history(struct tims_post *p, const char *doc_number,
			  const char *nationality, tims_post_record_fn fn,
			  void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_HISTORY];
	struct tims_record *rec = malloc(sizeof(*rec));
	tims_rc rc = TIMS_OK;
	int s;

	if (!rec)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	sqlite3_bind_text(st, 1, doc_number, -1, SQLITE_TRANSIENT);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);

		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue; /* erased */
		if ((rc = tims_record_decode(sqlite3_column_blob(st, 1),
					     (size_t)sqlite3_column_bytes(st, 1),
					     rec, err))) {
			tims_err_set(err, rc, "record %" PRIu64 ": %s", idx,
				     err ? err->msg : "does not decode");
			break;
		}
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
	free(rec);
	return rc;
}

tims_rc tims_post_corrected_by(struct tims_post *p, uint64_t index,
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

tims_rc tims_post_erase(struct tims_post *p, uint64_t index,
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

tims_rc tims_post_tile(struct tims_post *p, unsigned level, uint64_t index,
		       unsigned width, struct tims_buf *out,
		       struct tims_err *err)
{
	struct tims_tlog_reader r;
	uint64_t size, need;
	tims_rc rc;

	if (width < 1 || width > TIMS_TILE_WIDTH || level > 7)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "tile: width 1-256 and level 0-7");
	if ((rc = tims_post_size(p, &size, err)))
		return rc;
	/* The last hash of the tile covers leaves up to this many. */
	need = (index * TIMS_TILE_WIDTH + width) << (8 * level);
	if ((need >> (8 * level)) != index * TIMS_TILE_WIDTH + width ||
	    need > size)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "tile %u/%" PRIu64 " width %u: the log has only %" PRIu64 " records",
				    level, index, width, size);
	tims_post_reader(p, &r);
	for (unsigned i = 0; i < width; i++) {
		uint64_t si = tims_tlog_stored_index(8 * level,
						     index * TIMS_TILE_WIDTH + i);
		tims_hash h;

		if ((rc = r.read(r.ctx, &si, 1, &h)))
			return tims_err_set(err, rc, "tile: stored hash %" PRIu64 " missing",
					    si);
		if ((rc = tims_buf_add(out, h, sizeof(h))))
			return tims_err_set(err, rc, "tile: out of memory");
	}
	return TIMS_OK;
}

tims_rc tims_post_entries(struct tims_post *p, uint64_t index, unsigned width,
			  struct tims_buf *out, struct tims_err *err)
{
	uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
	struct tims_record *rec = malloc(sizeof(*rec));
	tims_rc rc = TIMS_OK;
	int erased;

	if (!rec)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (width < 1 || width > TIMS_TILE_WIDTH)
		rc = tims_err_set(err, TIMS_ERR_INVALID, "entries: width 1-256");
	for (unsigned i = 0; !rc && i < width; i++) {
		uint8_t len[2] = { 0, TIMS_RECORD_ENTRY_BYTES };

		if ((rc = tims_post_get(p, index * TIMS_TILE_WIDTH + i, rec,
					&erased, entry, err)))
			break;
		if ((rc = tims_buf_add(out, len, 2)) ||
		    (rc = tims_buf_add(out, entry, sizeof(entry))))
			rc = tims_err_set(err, rc, "entries: out of memory");
	}
	free(rec);
	return rc;
}
