/*
 * retention.c — what retention reads of post.db (include/tims/post.h,
 * docs/retention.md): the clear facts of every record (time, direction,
 * decision, correction, the document's blind index), without the token,
 * so that erasure never waits for a key and never opens a payload.
 */
#include "internal.h"

tims_rc tims_post_retention_rows(struct tims_post *p, tims_post_retention_fn fn, void *ctx,
				 struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	post_lock(p);
	if (sqlite3_prepare_v2(p->db, "SELECT idx, time_ms, direction, decision, corrects, doc,"
			       " body IS NULL, entry FROM records ORDER BY idx", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = post_db_err(p, "reading records for retention", err);
		goto out;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_post_retention_row r;
		const char *doc = (const char *)sqlite3_column_text(st, 5);
		const void *entry = sqlite3_column_blob(st, 7);

		memset(&r, 0, sizeof(r));
		r.index = (uint64_t)sqlite3_column_int64(st, 0);
		r.time_ms = sqlite3_column_int64(st, 1);
		r.direction = (uint8_t)sqlite3_column_int(st, 2);
		r.decision = (uint8_t)sqlite3_column_int(st, 3);
		r.corrects = sqlite3_column_type(st, 4) == SQLITE_NULL
				     ? TIMS_RECORD_NO_INDEX
				     : (uint64_t)sqlite3_column_int64(st, 4);
		if (doc)
			snprintf(r.doc, sizeof(r.doc), "%s", doc);
		r.erased = sqlite3_column_int(st, 6);
		r.entry_ms = entry && sqlite3_column_bytes(st, 7) == TIMS_RECORD_ENTRY_BYTES
				     ? tims_record_entry_time(entry)
				     : 0;
		if ((rc = fn(ctx, &r)))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = post_db_err(p, "reading records for retention", err);
out:
	sqlite3_finalize(st);
	post_unlock(p);
	return rc;
}

/*
 * The first index whose time is at or after t, in [0, n]: a binary search
 * over the log, whose times never go back (append.c holds the time at the
 * last record's when the clock steps back; a restore copies such a log).
 * -1 on a database error.
 */
static int64_t first_at(sqlite3_stmt *st, int64_t n, int64_t t)
{
	int64_t lo = 0, hi = n;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2, tm;
		int s;

		sqlite3_bind_int64(st, 1, mid);
		s = sqlite3_step(st);
		tm = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (s != SQLITE_ROW)
			return -1;
		if (tm < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

tims_rc tims_post_count_period(struct tims_post *p, int64_t from_ms, int64_t to_ms,
			       uint64_t counts[8][8], uint64_t *corrections, struct tims_err *err)
{
	sqlite3_stmt *st = NULL, *at = NULL;
	int64_t n = 0, lo, hi;
	tims_rc rc = TIMS_OK;
	int s;

	memset(counts, 0, sizeof(uint64_t) * 64);
	*corrections = 0;
	post_lock(p);
	/* Only the period's rows are read (the supervisor page asks every few
	 * seconds, under the post's lock: never the whole log) */
	if (sqlite3_prepare_v2(p->db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM records", -1, &at,
			       NULL) != SQLITE_OK || sqlite3_step(at) != SQLITE_ROW) {
		rc = post_db_err(p, "counting records", err);
		goto out;
	}
	n = sqlite3_column_int64(at, 0);
	sqlite3_finalize(at);
	at = NULL;
	if (sqlite3_prepare_v2(p->db, "SELECT time_ms FROM records WHERE idx = ?1", -1, &at,
			       NULL) != SQLITE_OK ||
	    (lo = first_at(at, n, from_ms)) < 0 || (hi = first_at(at, n, to_ms)) < 0) {
		rc = post_db_err(p, "counting records", err);
		goto out;
	}
	if (sqlite3_prepare_v2(p->db, "SELECT direction, decision, corrects IS NOT NULL, COUNT(*)"
			       " FROM records WHERE idx >= ?3 AND idx < ?4"
			       " AND time_ms >= ?1 AND time_ms < ?2"
			       " GROUP BY 1, 2, 3", -1, &st, NULL) != SQLITE_OK) {
		rc = post_db_err(p, "counting records", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	sqlite3_bind_int64(st, 3, lo);
	sqlite3_bind_int64(st, 4, hi);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t dir = sqlite3_column_int64(st, 0), dec = sqlite3_column_int64(st, 1);
		uint64_t c = (uint64_t)sqlite3_column_int64(st, 3);

		if (sqlite3_column_int(st, 2))
			*corrections += c;
		else if (dir >= 0 && dir < 8 && dec >= 0 && dec < 8)
			counts[dir][dec] += c;
	}
	if (s != SQLITE_DONE)
		rc = post_db_err(p, "counting records", err);
out:
	sqlite3_finalize(at);
	sqlite3_finalize(st);
	post_unlock(p);
	return rc;
}
