/*
 * append.c — storing crossings and signing checkpoints.
 *
 * One transaction (BEGIN IMMEDIATE ... COMMIT, WAL, synchronous=FULL) holds
 * a batch of records, their leaf entries and every stored hash the appends
 * add; when a checkpoint is due it is signed inside the same transaction, so
 * a batch costs one fsync. Nothing is acknowledged before COMMIT returns.
 *
 * Before signing, the new tree is proved consistent with the latest
 * checkpoint in post.db and with the copy kept outside it: a post never signs
 * a tree smaller than, or forking from, one it has published.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

/* ---- stored hashes ---- */

static tims_rc read_hashes(void *ctx, const uint64_t *idx, size_t n,
			   tims_hash *out)
{
	struct tims_post *p = ctx;
	sqlite3_stmt *st = p->st[ST_GET_HASH];

	for (size_t i = 0; i < n; i++) {
		int rc;

		sqlite3_bind_int64(st, 1, (sqlite3_int64)idx[i]);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW ||
		    sqlite3_column_bytes(st, 0) != TIMS_HASH_BYTES) {
			sqlite3_reset(st);
			return rc == SQLITE_ROW || rc == SQLITE_DONE
				? TIMS_ERR_NOTFOUND : TIMS_ERR_DB;
		}
		memcpy(out[i], sqlite3_column_blob(st, 0), TIMS_HASH_BYTES);
		sqlite3_reset(st);
	}
	return TIMS_OK;
}

void tims_post_reader(struct tims_post *p, struct tims_tlog_reader *r)
{
	r->ctx = p;
	r->read = read_hashes;
}

/* ---- checkpoints ---- */

/* The checkpoint `prior` must be a prefix of the tree of `size` (root). */
static tims_rc check_prior(struct tims_post *p, const struct tims_checkpoint *prior,
			   const char *where, uint64_t size, const tims_hash root,
			   struct tims_err *err)
{
	struct tims_tlog_reader r;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t len;
	tims_rc rc;

	if (prior->size > size)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "refusing to sign size %" PRIu64 ": %s already "
				    "signs size %" PRIu64 " (log rolled back?)",
				    size, where, prior->size);
	tims_post_reader(p, &r);
	rc = tims_tlog_prove_consistency(prior->size, size, &r, proof, &len, err);
	if (!rc)
		rc = tims_tlog_verify_consistency(prior->size, size, prior->root,
						  root, proof, len, err);
	if (rc)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "refusing to sign size %" PRIu64 ": not consistent "
				    "with %s of size %" PRIu64 " (stored hashes altered?)",
				    size, where, prior->size);
	return TIMS_OK;
}

/* The latest checkpoint in post.db: TIMS_ERR_NOTFOUND if there is none. */
static tims_rc latest_in_db(struct tims_post *p, struct tims_buf *note,
			    struct tims_checkpoint *cp, struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_LATEST_CP];
	int rc = sqlite3_step(st);
	tims_rc r;

	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return TIMS_ERR_NOTFOUND;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return post_db_err(p, "reading the latest checkpoint", err);
	}
	r = tims_buf_add(note, sqlite3_column_text(st, 1),
			 (size_t)sqlite3_column_bytes(st, 1));
	sqlite3_reset(st);
	if (r)
		return tims_err_set(err, r, "checkpoint: too large");
	return post_parse_note(note->buf, note->len, cp, err);
}

tims_rc tims_post_latest_checkpoint(struct tims_post *p, struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err)
{
	tims_buf_init(note, TIMS_NOTE_MAX_BYTES);
	tims_rc rc = latest_in_db(p, note, cp, err);

	if (rc == TIMS_ERR_NOTFOUND)
		tims_err_set(err, rc, "%s: no checkpoint yet", p->dir);
	return rc;
}

/*
 * Inside an open transaction: sign the tree of `size` unless the latest
 * checkpoint already has that size. *note receives the new note.
 */
static tims_rc issue(struct tims_post *p, uint64_t size, struct tims_buf *note,
		     int *issued, struct tims_err *err)
{
	struct tims_buf prev = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf body = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp, prior;
	struct tims_tlog_reader r;
	sqlite3_stmt *st = p->st[ST_INS_CP];
	tims_rc rc;

	*issued = 0;
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "post opened without its key");
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", p->origin);
	cp.size = size;
	tims_post_reader(p, &r);
	if ((rc = tims_tlog_tree_hash(size, &r, cp.root, err)))
		goto out;
	rc = latest_in_db(p, &prev, &prior, err);
	if (rc == TIMS_OK) {
		if ((rc = check_prior(p, &prior, "the latest checkpoint in post.db",
				      size, cp.root, err)))
			goto out;
		if (prior.size == size)
			goto out; /* already signed */
	} else if (rc != TIMS_ERR_NOTFOUND) {
		goto out;
	}
	tims_buf_release(&prev);
	rc = post_read_outside(p, &prev, &prior, err);
	if (rc == TIMS_OK) {
		if ((rc = check_prior(p, &prior, "the checkpoint file", size,
				      cp.root, err)))
			goto out;
	} else if (rc != TIMS_ERR_NOTFOUND) {
		goto out;
	}
	if ((rc = tims_checkpoint_format(&cp, &body)) ||
	    (rc = tims_note_sign(body.buf, body.len, &p->signer, 1, note, err)))
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 2, post_now_ms());
	sqlite3_bind_text(st, 3, note->buf, (int)note->len, SQLITE_STATIC);
	if ((rc = post_exec(p, ST_INS_CP, "storing a checkpoint", err)))
		goto out;
	*issued = 1;
out:
	tims_buf_release(&prev);
	tims_buf_release(&body);
	return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
}

/* After COMMIT: the copy outside post.db (atomic replace, fsync'd). */
static tims_rc write_outside(struct tims_post *p, const struct tims_buf *note,
			     struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc = post_path(p, "checkpoint", path, err);

	if (!rc)
		rc = tims_write_file(path, note->buf, note->len, 0644, 1, err);
	if (!rc)
		p->last_cp_mono = post_mono_ms();
	return rc;
}

static void rollback(struct tims_post *p)
{
	post_exec(p, ST_ROLLBACK, "rollback", NULL);
}

tims_rc tims_post_checkpoint(struct tims_post *p, int *issued,
			     struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	uint64_t size;
	int64_t last;
	tims_rc rc;

	*issued = 0;
	if ((rc = post_exec(p, ST_BEGIN, "begin", err)))
		return rc;
	if ((rc = post_last(p, &size, &last, err)) ||
	    (rc = issue(p, size, &note, issued, err))) {
		rollback(p);
		tims_buf_release(&note);
		return rc;
	}
	if ((rc = post_exec(p, ST_COMMIT, "commit", err))) {
		rollback(p);
		*issued = 0;
	} else if (*issued) {
		rc = write_outside(p, &note, err);
	}
	tims_buf_release(&note);
	return rc;
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
		same = !tims_record_encode(rec, enc, NULL) &&
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
	tims_hash hashes[TIMS_TLOG_MAX_APPEND];
	struct tims_tlog_reader r;
	sqlite3_stmt *st = p->st[ST_INS_REC];
	size_t count;
	uint64_t first;
	tims_rc rc;

	randombytes_buf(salt, sizeof(salt));
	tims_record_entry(salt, enc->buf, enc->len, rec->time_ms, entry);
	tims_tlog_leaf_hash(entry, sizeof(entry), a->leaf);
	tims_post_reader(p, &r);
	if ((rc = tims_tlog_append_hashes(n, a->leaf, &r, hashes, &count, err)))
		return rc;
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
	if ((rc = post_exec(p, ST_INS_REC, "storing a record", err)))
		return rc;
	first = tims_tlog_stored_index(0, n);
	for (size_t i = 0; i < count; i++) {
		st = p->st[ST_INS_HASH];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(first + i));
		sqlite3_bind_blob(st, 2, hashes[i], TIMS_HASH_BYTES,
				  SQLITE_STATIC);
		if ((rc = post_exec(p, ST_INS_HASH, "storing a hash", err)))
			return rc;
	}
	sodium_memzero(salt, sizeof(salt));
	a->index = n;
	return TIMS_OK;
}

tims_rc tims_post_append(struct tims_post *p, struct tims_record *recs,
			 size_t n, struct tims_post_ack *acks,
			 struct tims_err *err)
{
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	uint64_t size;
	int64_t now, last;
	int issued = 0;
	tims_rc rc;

	if (n > TIMS_POST_MAX_BATCH)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "batch of %zu records, at most %d", n,
				    TIMS_POST_MAX_BATCH);
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "post opened without its key");
	if ((rc = post_exec(p, ST_BEGIN, "begin", err)))
		return rc;
	if ((rc = post_last(p, &size, &last, err)))
		goto fail;
	now = post_now_ms();
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
	if (post_mono_ms() - p->last_cp_mono >= TIMS_POST_CHECKPOINT_MS &&
	    (rc = issue(p, size, &note, &issued, err)))
		goto fail;
	if ((rc = post_exec(p, ST_COMMIT, "commit", err)))
		goto fail;
	if (issued)
		rc = write_outside(p, &note, err);
	tims_buf_release(&enc);
	tims_buf_release(&note);
	/* The records are durable even if the outside copy failed: say so. */
	return rc;
fail:
	rollback(p);
	tims_buf_release(&enc);
	tims_buf_release(&note);
	for (size_t i = 0; i < n; i++)
		if (!acks[i].rc)
			ack_fail(&acks[i], rc, "not stored: the batch failed");
	return rc;
}
