/*
 * append.c — storing crossings.
 *
 * One transaction of the post's log (tims_mlog_begin ... tims_mlog_commit,
 * WAL, synchronous=FULL) holds a batch of records, their leaf entries and
 * every stored hash the appends add; when a checkpoint is due it is signed
 * inside the same transaction, so a batch costs one fsync. Nothing is
 * acknowledged before COMMIT returns. What is specific to crossings lives
 * here: the post's clock, idempotent retries by client id, corrections,
 * the salted record commitment (tims_record_entry).
 *
 * A booth registration (tims_post_register) also signs a checkpoint and
 * keeps the audit event the crossing owes (table audit_owed) in the same
 * transaction, so that a crossing is never durable without its trace; the
 * rows of events already in audit.db are deleted in the next registration's
 * transaction, costing no fsync of their own. A halted post (DIR/halted)
 * or a log stopped after an I/O error refuses before anything is tried.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

tims_rc tims_post_latest_checkpoint(struct tims_post *p, struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err)
{
	return tims_mlog_latest_checkpoint(p->log, note, cp, err);
}

tims_rc tims_post_checkpoint(struct tims_post *p, int *issued,
			     struct tims_err *err)
{
	*issued = 0;
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "post opened without its key");
	return tims_mlog_checkpoint(p->log, issued, err);
}

/* ---- append ---- */

static void ack_fail(struct tims_post_ack *a, tims_rc rc, const char *msg)
{
	a->rc = rc;
	snprintf(a->msg, sizeof(a->msg), "%s", msg);
}

/*
 * If rec's id is already in the log: same content (but for the post time)
 * is a retry, acknowledged with the first index; other content is refused.
 * Returns 1 when handled (ack filled), 0 when the id is new, -1 on a DB error.
 */
static int known_ref(struct tims_post *p, struct tims_record *rec,
		     struct tims_buf *enc, struct tims_post_ack *a)
{
	sqlite3_stmt *st = p->st[ST_BY_REF];
	struct tims_record old;
	int rc, same = 1;

	if (!rec->ref[0])
		return 0;
	sqlite3_bind_text(st, 1, rec->ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	a->index = (uint64_t)sqlite3_column_int64(st, 0);
	if (sqlite3_column_bytes(st, 2) == TIMS_RECORD_ENTRY_BYTES)
		tims_tlog_leaf_hash(sqlite3_column_blob(st, 2),
				    TIMS_RECORD_ENTRY_BYTES, a->leaf);
	/* An erased body cannot be compared: the id alone decides. */
	if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
	    !tims_record_decode(sqlite3_column_blob(st, 1),
				(size_t)sqlite3_column_bytes(st, 1), &old, NULL)) {
		int64_t t = rec->time_ms;

		rec->time_ms = old.time_ms;
		tims_buf_reset(enc);
		/* Compare in the stored record's version (1 before v2). */
		same = !tims_record_encode_version(rec,
				tims_record_encoded_version(sqlite3_column_blob(st, 1),
							    (size_t)sqlite3_column_bytes(st, 1)),
				enc, NULL) &&
		       enc->len == (size_t)sqlite3_column_bytes(st, 1) &&
		       !memcmp(enc->buf, sqlite3_column_blob(st, 1), enc->len);
		rec->time_ms = t;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (same) {
		a->duplicate = 1;
		return 1;
	}
	{
		char msg[TIMS_ERR_MSG_BYTES];

		snprintf(msg, sizeof(msg),
			 "id: '%.64s' is already record %" PRIu64
			 " with different content", rec->ref, a->index);
		ack_fail(a, TIMS_ERR_EXISTS, msg);
	}
	return 1;
}

/* Store one record at index n (inside the transaction). */
static tims_rc store(struct tims_post *p, uint64_t n, struct tims_record *rec,
		     struct tims_buf *enc, struct tims_post_ack *a,
		     struct tims_err *err)
{
	uint8_t salt[TIMS_RECORD_SALT_BYTES], entry[TIMS_RECORD_ENTRY_BYTES];
	sqlite3_stmt *st = p->st[ST_INS_REC];
	tims_rc rc;

	randombytes_buf(salt, sizeof(salt));
	tims_record_entry(salt, enc->buf, enc->len, rec->time_ms, entry);
	tims_tlog_leaf_hash(entry, sizeof(entry), a->leaf);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	if (rec->ref[0])
		sqlite3_bind_text(st, 2, rec->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rec->person.doc_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rec->person.nationality, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, enc->buf, (int)enc->len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, entry, sizeof(entry), SQLITE_STATIC);
	if (rec->corrects != TIMS_RECORD_NO_INDEX)
		sqlite3_bind_int64(st, 8, (sqlite3_int64)rec->corrects);
	rc = post_exec(p, ST_INS_REC, "storing a record", err);
	sodium_memzero(salt, sizeof(salt));
	if (rc || (rc = tims_mlog_add(p->log, n, a->leaf, err)))
		return rc;
	a->index = n;
	return TIMS_OK;
}

/* Forget the owed events already in the audit log (inside a transaction). */
static tims_rc drop_settled(struct tims_post *p, struct tims_err *err)
{
	tims_rc rc;

	for (size_t i = 0; i < p->nsettled; i++) {
		sqlite3_bind_int64(p->owed[OW_DEL], 1, (sqlite3_int64)p->settled[i]);
		if ((rc = tims_mlog_step(p->log, p->owed[OW_DEL],
					 "forgetting a settled audit event", err)))
			return rc;
	}
	return TIMS_OK;
}

/*
 * One transaction: the records, their hashes, the owed audit event of a
 * single new record (owed != NULL), a checkpoint when due or asked for
 * (sign_now), and the deletion of owed events settled since.
 */
static tims_rc append_batch(struct tims_post *p, struct tims_record *recs,
			    size_t n, struct tims_post_ack *acks,
			    const void *owed, size_t owed_len, int sign_now,
			    struct tims_err *err)
{
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	uint64_t size;
	int64_t now, last;
	int issued = 0, committed;
	tims_rc rc;

	if (n > TIMS_POST_MAX_BATCH)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "batch of %zu records, at most %d", n,
				    TIMS_POST_MAX_BATCH);
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "post opened without its key");
	if (p->halted)
		rc = tims_err_set(err, TIMS_ERR_STATE,
				  "this post stopped acknowledging: %s (docs/operations.md, "
				  "\"A post that stopped\")", p->halt_why);
	else
		rc = tims_mlog_begin(p->log, err);
	if (rc) {
		/* Nothing was tried: every ack says why. */
		for (size_t i = 0; i < n; i++) {
			memset(&acks[i], 0, sizeof(acks[i]));
			ack_fail(&acks[i], rc, err ? err->msg : "not stored");
		}
		return rc;
	}
	if ((rc = post_last(p, &size, &last, err)) ||
	    (p->owed[OW_DEL] && (rc = drop_settled(p, err))))
		goto fail;
	now = tims_mlog_now_ms();
	if (now < last)
		now = last; /* the post's clock stepped back: never go back */
	for (size_t i = 0; i < n; i++) {
		struct tims_record *rec = &recs[i];
		struct tims_post_ack *a = &acks[i];
		struct tims_err e;
		int k;

		memset(a, 0, sizeof(*a));
		rec->time_ms = now;
		if (rec->corrects != TIMS_RECORD_NO_INDEX && rec->corrects >= size) {
			tims_err_set(&e, TIMS_ERR_NOTFOUND,
				     "corrects: no record %" PRIu64 " in this log (%" PRIu64 " records)",
				     rec->corrects, size);
			ack_fail(a, e.rc, e.msg);
			continue;
		}
		if (rec->crossed_ms > now) {
			ack_fail(a, TIMS_ERR_INVALID,
				 "crossed_at: later than the post's clock");
			continue;
		}
		if ((k = known_ref(p, rec, &enc, a)) < 0) {
			rc = post_db_err(p, "looking up the id", err);
			goto fail;
		}
		if (k)
			continue;
		tims_buf_reset(&enc);
		if ((rc = tims_record_encode(rec, &enc, &e))) {
			ack_fail(a, rc, e.msg);
			rc = TIMS_OK;
			continue;
		}
		if ((rc = store(p, size, rec, &enc, a, err)))
			goto fail;
		size++;
	}
	if (owed && n == 1 && !acks[0].rc && !acks[0].duplicate) {
		sqlite3_bind_int64(p->owed[OW_INS], 1, (sqlite3_int64)acks[0].index);
		sqlite3_bind_blob(p->owed[OW_INS], 2, owed, (int)owed_len, SQLITE_STATIC);
		if ((rc = tims_mlog_step(p->log, p->owed[OW_INS],
					 "storing the owed audit event", err)))
			goto fail;
	}
	if ((sign_now || tims_mlog_due(p->log, TIMS_POST_CHECKPOINT_MS)) &&
	    (rc = tims_mlog_issue(p->log, size, &issued, err)))
		goto fail;
	rc = tims_mlog_commit(p->log, &committed, err);
	if (!committed)
		goto fail;
	p->nsettled = 0;
	tims_buf_release(&enc);
	/* The records are durable even if the outside copy failed: say so. */
	return rc;
fail:
	tims_mlog_rollback(p->log);
	tims_buf_release(&enc);
	for (size_t i = 0; i < n; i++) {
		if (acks[i].rc)
			continue;
		if (tims_mlog_broken(p->log))
			/* The commit may or may not have reached the disk. */
			ack_fail(&acks[i], TIMS_ERR_IO, "not confirmed: an I/O error left "
				 "it unknown whether this was stored; the post stopped "
				 "writing (a retry with the same id after the restart is "
				 "never stored twice)");
		else
			ack_fail(&acks[i], rc, rc == TIMS_ERR_FULL
				 ? "not stored: the disk is full"
				 : "not stored: the batch failed");
	}
	return rc;
}

tims_rc tims_post_append(struct tims_post *p, struct tims_record *recs,
			 size_t n, struct tims_post_ack *acks,
			 struct tims_err *err)
{
	return append_batch(p, recs, n, acks, NULL, 0, 0, err);
}

tims_rc tims_post_register(struct tims_post *p, struct tims_record *rec,
			   const void *owed, size_t owed_len,
			   struct tims_post_ack *ack, struct tims_err *err)
{
	if (!p->owed[OW_INS])
		return tims_err_set(err, TIMS_ERR_USAGE, "post opened without its key");
	if (!owed || !owed_len || owed_len > TIMS_POST_OWED_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "owed audit event: 1 to %d bytes", TIMS_POST_OWED_MAX);
	return append_batch(p, rec, 1, ack, owed, owed_len, 1, err);
}

tims_rc tims_post_owed(struct tims_post *p, tims_post_owed_fn fn, void *ctx,
		       struct tims_err *err)
{
	sqlite3_stmt *st = p->owed[OW_LIST];
	tims_rc rc = TIMS_OK;
	int s;

	if (!st)
		return tims_err_set(err, TIMS_ERR_USAGE, "post opened without its key");
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		int skip = 0;

		for (size_t i = 0; i < p->nsettled; i++)
			skip |= p->settled[i] == idx;
		if (!skip && (rc = fn(ctx, idx, sqlite3_column_blob(st, 1),
				      (size_t)sqlite3_column_bytes(st, 1))))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = post_db_err(p, "listing owed audit events", err);
	sqlite3_reset(st);
	return rc;
}

tims_rc tims_post_owed_settled(struct tims_post *p, uint64_t index, int now,
			       struct tims_err *err)
{
	int committed, full;
	tims_rc rc;

	if (!p->owed[OW_DEL])
		return tims_err_set(err, TIMS_ERR_USAGE, "post opened without its key");
	if (index == UINT64_MAX) /* none: forget those settled before */
		full = 0;
	else if (!(full = p->nsettled == POST_SETTLED_MAX))
		p->settled[p->nsettled++] = index;
	if (!now && !full)
		return TIMS_OK; /* deleted in the next registration's transaction */
	if ((rc = tims_mlog_begin(p->log, err)))
		return rc;
	rc = drop_settled(p, err);
	if (!rc && full) {
		sqlite3_bind_int64(p->owed[OW_DEL], 1, (sqlite3_int64)index);
		rc = tims_mlog_step(p->log, p->owed[OW_DEL],
				    "forgetting a settled audit event", err);
	}
	if (rc) {
		tims_mlog_rollback(p->log);
		return rc;
	}
	rc = tims_mlog_commit(p->log, &committed, err);
	if (!committed) {
		tims_mlog_rollback(p->log);
		return rc;
	}
	p->nsettled = 0;
	return rc;
}
