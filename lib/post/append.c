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
 *
 * Group commit: registrations arriving together share one transaction.
 * Each caller queues itself (p->gmu); when no group is being committed the
 * caller becomes the leader: it takes every waiting registration (at most
 * POST_GROUP_MAX), appends them in one transaction with one checkpoint
 * covering them all, commits once (one fsync, one rewrite of the checkpoint
 * file outside post.db), hands each member its own ack and wakes them.
 * Those who arrived meanwhile form the next group. A caller alone is its
 * own leader at once: nobody waits for company. Every other use of the
 * handle holds p->mu, the lock the leader holds from BEGIN to COMMIT.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

tims_rc tims_post_latest_checkpoint(struct tims_post *p, struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err)
{
	tims_rc rc;

	if (p->rlog) {
		pthread_mutex_lock(&p->rmu);
		rc = tims_mlog_latest_checkpoint(p->rlog, note, cp, err);
		pthread_mutex_unlock(&p->rmu);
		return rc;
	}
	post_lock(p);
	rc = tims_mlog_latest_checkpoint(p->log, note, cp, err);
	post_unlock(p);
	return rc;
}

int tims_post_key_unavailable(struct tims_post *p, char *why, size_t n)
{
	int r;

	post_lock(p);
	r = tims_mlog_key_unavailable(p->log, why, n);
	post_unlock(p);
	return r;
}

tims_rc tims_post_checkpoint(struct tims_post *p, int *issued,
			     struct tims_err *err)
{
	tims_rc rc;

	*issued = 0;
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "post opened without its key");
	post_lock(p);
	rc = tims_mlog_checkpoint(p->log, issued, err);
	post_note_broken(p);
	post_unlock(p);
	return rc;
}

/* ---- append ---- */

static void ack_fail(struct tims_post_ack *a, tims_rc rc, const char *msg)
{
	a->rc = rc;
	snprintf(a->msg, sizeof(a->msg), "%s", msg);
}

/* A jump of the wall clock between two registrations (p->mu held; the
 * result under smu for tims_post_clock): flagged, never followed. */
static void clock_watch(struct tims_post *p, int64_t now, int64_t last)
{
	int64_t mono = tims_mlog_mono_ms(), step = 0;

	pthread_mutex_lock(&p->smu);
	if (p->clk_mono)
		step = (now - p->clk_wall) - (mono - p->clk_mono);
	else if (now < last)
		step = now - last; /* started with a clock behind the log */
	if (step > TIMS_POST_CLOCK_JUMP_MS || step < -TIMS_POST_CLOCK_JUMP_MS) {
		p->clk.jumps++;
		p->clk.last_jump_ms = step;
		p->clk.last_at_ms = now;
	}
	p->clk.held_ms = last > now ? last - now : 0;
	p->clk_wall = now;
	p->clk_mono = mono;
	pthread_mutex_unlock(&p->smu);
}

void tims_post_clock(const struct tims_post *p, struct tims_post_clock *out)
{
	struct tims_post *w = (struct tims_post *)(uintptr_t)p;

	pthread_mutex_lock(&w->smu);
	*out = w->clk;
	pthread_mutex_unlock(&w->smu);
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
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_record old;
	tims_rc orc;
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
	orc = sqlite3_column_type(st, 1) == SQLITE_NULL ? TIMS_ERR_NOTFOUND
		: post_open_body(p, a->index, sqlite3_column_blob(st, 1),
				 (size_t)sqlite3_column_bytes(st, 1), &plain, NULL);
	if (!orc && !tims_record_decode(plain.buf, plain.len, &old, NULL)) {
		int64_t t = rec->time_ms;
		char check_id[sizeof(rec->check_id)];

		/* The check a crossing is bound to is the server's, not the
		 * crossing's content: a booth that retries after the post
		 * restarted (its first answer lost with the power) comes with a
		 * new check of the same traveller, as the old one is gone. The
		 * same crossing then, with the same screening: answered with its
		 * first index, not refused as another (tests/e2e/powerloss.sh). */
		memcpy(check_id, rec->check_id, sizeof(check_id));
		memcpy(rec->check_id, old.check_id, sizeof(check_id));
		rec->time_ms = old.time_ms;
		tims_buf_reset(enc);
		/* Compare in the stored record's version (1 before v2). */
		same = !tims_record_encode_version(rec,
				tims_record_encoded_version(plain.buf, plain.len),
				enc, NULL) &&
		       enc->len == plain.len && !memcmp(enc->buf, plain.buf, enc->len);
		rec->time_ms = t;
		memcpy(rec->check_id, check_id, sizeof(check_id));
	} else if (orc == TIMS_ERR_UNAVAILABLE &&
		   sqlite3_column_bytes(st, 2) == TIMS_RECORD_ENTRY_BYTES &&
		   sqlite3_column_bytes(st, 3) == TIMS_RECORD_SALT_BYTES) {
		/* The token is out: compare through the salted commitment in
		 * the leaf entry instead (the current encoding's). */
		uint8_t again[TIMS_RECORD_ENTRY_BYTES];
		const uint8_t *entry = sqlite3_column_blob(st, 2);
		int64_t t = rec->time_ms;

		rec->time_ms = tims_record_entry_time(entry);
		tims_buf_reset(enc);
		same = !tims_record_encode(rec, enc, NULL);
		if (same) {
			tims_record_entry(sqlite3_column_blob(st, 3), enc->buf, enc->len,
					  rec->time_ms, again);
			same = !memcmp(again, entry, sizeof(again));
		}
		rec->time_ms = t;
	}
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
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

/*
 * Store one record at index n (inside the transaction): the leaf entry
 * commits to the canonical record in clear (what the centre and an auditor
 * check); the row keeps it sealed, its document number as a blind index —
 * or none while the token is unavailable (post_index_pending adds it) —
 * and its name search keys (post_names_store).
 * sealed is the caller's scratch buffer.
 */
static tims_rc store(struct tims_post *p, uint64_t n, struct tims_record *rec,
		     struct tims_buf *enc, struct tims_buf *sealed,
		     struct tims_post_ack *a, struct tims_err *err)
{
	uint8_t salt[TIMS_RECORD_SALT_BYTES], entry[TIMS_RECORD_ENTRY_BYTES];
	char doc[TIMS_VAULT_BLIND_HEX];
	sqlite3_stmt *st = p->st[ST_INS_REC];
	tims_rc rc;

	randombytes_buf(salt, sizeof(salt));
	tims_record_entry(salt, enc->buf, enc->len, rec->time_ms, entry);
	tims_tlog_leaf_hash(entry, sizeof(entry), a->leaf);
	tims_buf_reset(sealed);
	if ((rc = post_seal_body(p, n, rec->time_ms, enc->buf, enc->len, sealed, err)))
		return rc;
	rc = post_doc_index(p, rec->person.doc_number, doc, NULL);
	if (rc && rc != TIMS_ERR_UNAVAILABLE)
		return tims_err_set(err, rc, "record %" PRIu64 ": blind index failed", n);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	if (rec->ref[0])
		sqlite3_bind_text(st, 2, rec->ref, -1, SQLITE_STATIC);
	if (!rc)
		sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, rec->time_ms);
	sqlite3_bind_int(st, 5, rec->direction);
	sqlite3_bind_int(st, 6, rec->decision);
	sqlite3_bind_blob(st, 7, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, sealed->buf, (int)sealed->len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, entry, sizeof(entry), SQLITE_STATIC);
	if (rec->corrects != TIMS_RECORD_NO_INDEX)
		sqlite3_bind_int64(st, 10, (sqlite3_int64)rec->corrects);
	rc = post_exec(p, ST_INS_REC, "storing a record", err);
	sodium_memzero(salt, sizeof(salt));
	if (rc || (rc = post_names_store(p, n, rec, err)) ||
	    (rc = tims_mlog_add(p->log, n, a->leaf, err)))
		return rc;
	a->index = n;
	return TIMS_OK;
}

/* Forget the owed events already in the audit log (inside a transaction):
 * *n of them, the first *n of p->settled (more may be added meanwhile). */
static tims_rc drop_settled(struct tims_post *p, size_t *n, struct tims_err *err)
{
	uint64_t idx[POST_SETTLED_MAX];
	tims_rc rc;

	pthread_mutex_lock(&p->smu);
	*n = p->nsettled;
	memcpy(idx, p->settled, *n * sizeof(idx[0]));
	pthread_mutex_unlock(&p->smu);
	for (size_t i = 0; i < *n; i++) {
		sqlite3_bind_int64(p->owed[OW_DEL], 1, (sqlite3_int64)idx[i]);
		if ((rc = tims_mlog_step(p->log, p->owed[OW_DEL],
					 "forgetting a settled audit event", err)))
			return rc;
	}
	return TIMS_OK;
}

/* After the commit: the first n settled are gone from post.db. */
static void settled_dropped(struct tims_post *p, size_t n)
{
	pthread_mutex_lock(&p->smu);
	memmove(p->settled, p->settled + n, (p->nsettled - n) * sizeof(p->settled[0]));
	p->nsettled -= n;
	pthread_mutex_unlock(&p->smu);
}

/*
 * One transaction (p->mu held): the records, their hashes, the owed audit
 * event of each new record that has one (owed != NULL: owed[i] of
 * owed_len[i] bytes for recs[i]), a checkpoint when due or asked for
 * (sign_now), and the deletion of owed events settled since.
 */
static tims_rc append_batch(struct tims_post *p, struct tims_record *const *recs,
			    size_t n, struct tims_post_ack *acks,
			    const void *const *owed, const size_t *owed_len,
			    int sign_now, struct tims_err *err)
{
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES),
			sealed = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES + TIMS_VAULT_OVERHEAD);
	uint64_t size;
	int64_t now, last;
	int issued = 0, committed, halted;
	size_t dropped = 0;
	char oad[48];
	tims_rc rc;

	if (n > TIMS_POST_MAX_BATCH)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "batch of %zu records, at most %d", n,
				    TIMS_POST_MAX_BATCH);
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "post opened without its key");
	pthread_mutex_lock(&p->smu);
	halted = p->halted;
	pthread_mutex_unlock(&p->smu);
	if (halted)
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
	    (p->owed[OW_DEL] && (rc = drop_settled(p, &dropped, err))))
		goto fail;
	now = tims_mlog_now_ms();
	clock_watch(p, now, last);
	if (now < last)
		now = last; /* the post's clock stepped back: never go back */
	for (size_t i = 0; i < n; i++) {
		struct tims_record *rec = recs[i];
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
		if ((rc = store(p, size, rec, &enc, &sealed, a, err)))
			goto fail;
		size++;
	}
	for (size_t i = 0; owed && i < n; i++) {
		if (acks[i].rc || acks[i].duplicate || !owed[i])
			continue;
		/* the event names the traveller: sealed like the record */
		snprintf(oad, sizeof(oad), "post.audit_owed/%" PRIu64, acks[i].index);
		tims_buf_reset(&sealed);
		if ((rc = tims_vault_seal(p->vault, now, oad, strlen(oad), owed[i], owed_len[i],
					  &sealed, err)))
			goto fail;
		sqlite3_bind_int64(p->owed[OW_INS], 1, (sqlite3_int64)acks[i].index);
		sqlite3_bind_blob(p->owed[OW_INS], 2, sealed.buf, (int)sealed.len,
				  SQLITE_STATIC);
		if ((rc = tims_mlog_step(p->log, p->owed[OW_INS],
					 "storing the owed audit event", err)))
			goto fail;
	}
	if ((sign_now || tims_mlog_due(p->log, TIMS_POST_CHECKPOINT_MS)) &&
	    (rc = tims_mlog_issue(p->log, size, &issued, err))) {
		if (rc != TIMS_ERR_UNAVAILABLE)
			goto fail;
		/* The key's token is away: the records are stored and
		 * acknowledged all the same, no checkpoint is (none unsigned
		 * ever is); the timer signs one covering them when it returns. */
		rc = TIMS_OK;
		tims_err_clear(err);
	}
	rc = tims_mlog_commit(p->log, &committed, err);
	if (!committed)
		goto fail;
	settled_dropped(p, dropped);
	if (enc.buf)
		sodium_memzero(enc.buf, enc.alloc);
	tims_buf_release(&enc);
	tims_buf_release(&sealed);
	post_note_broken(p);
	/* The records are durable even if the outside copy failed: say so. */
	return rc;
fail:
	tims_mlog_rollback(p->log);
	if (enc.buf)
		sodium_memzero(enc.buf, enc.alloc);
	tims_buf_release(&enc);
	tims_buf_release(&sealed);
	post_note_broken(p);
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
	struct tims_record **ptrs;
	tims_rc rc;

	if (n > TIMS_POST_MAX_BATCH)
		return append_batch(p, NULL, n, acks, NULL, NULL, 0, err);
	if (!(ptrs = malloc((n ? n : 1) * sizeof(*ptrs))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &recs[i];
	post_lock(p);
	rc = append_batch(p, ptrs, n, acks, NULL, NULL, 0, err);
	post_unlock(p);
	free(ptrs);
	return rc;
}

/* ---- group commit of registrations ---- */

/* At most this many registrations in one group (the rest wait for the
 * next): bounds the leader's stack and the time a group holds the lock. */
#define POST_GROUP_MAX 256

struct post_waiter {
	struct tims_record *rec;
	const void *owed;
	size_t owed_len;
	struct tims_post_ack ack;
	tims_rc rc;                 /* the group's outcome */
	struct tims_err err;
	int done;                   /* ack, rc and err are final */
	struct post_waiter *next;
};

/* The leader's work: one transaction for the group g[0..k). */
static void commit_group(struct tims_post *p, struct post_waiter **g, size_t k)
{
	struct tims_record *recs[POST_GROUP_MAX];
	const void *owed[POST_GROUP_MAX];
	size_t owed_len[POST_GROUP_MAX];
	struct tims_post_ack *acks = malloc(k * sizeof(*acks));
	struct tims_err err;
	tims_rc rc;

	tims_err_clear(&err);
	for (size_t i = 0; i < k; i++) {
		recs[i] = g[i]->rec;
		owed[i] = g[i]->owed;
		owed_len[i] = g[i]->owed_len;
	}
	if (!acks) {
		for (size_t i = 0; i < k; i++) {
			memset(&g[i]->ack, 0, sizeof(g[i]->ack));
			ack_fail(&g[i]->ack, TIMS_ERR_NOMEM, "not stored: out of memory");
			g[i]->rc = tims_err_set(&g[i]->err, TIMS_ERR_NOMEM, "out of memory");
		}
		return;
	}
	post_lock(p);
	rc = append_batch(p, recs, k, acks, owed, owed_len, 1, &err);
	post_unlock(p);
	for (size_t i = 0; i < k; i++) {
		g[i]->ack = acks[i];
		g[i]->rc = rc;
		g[i]->err = err;
	}
	free(acks);
}

tims_rc tims_post_register(struct tims_post *p, struct tims_record *rec,
			   const void *owed, size_t owed_len,
			   struct tims_post_ack *ack, struct tims_err *err)
{
	struct post_waiter w, *g[POST_GROUP_MAX];

	memset(ack, 0, sizeof(*ack));
	if (!p->owed[OW_INS]) {
		ack_fail(ack, TIMS_ERR_USAGE, "not stored: post opened without its key");
		return tims_err_set(err, TIMS_ERR_USAGE, "post opened without its key");
	}
	if (!owed || !owed_len || owed_len > TIMS_POST_OWED_MAX) {
		ack_fail(ack, TIMS_ERR_TOOBIG, "not stored: owed audit event too large");
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "owed audit event: 1 to %d bytes", TIMS_POST_OWED_MAX);
	}
	memset(&w, 0, sizeof(w));
	w.rec = rec;
	w.owed = owed;
	w.owed_len = owed_len;
	pthread_mutex_lock(&p->gmu);
	*p->queue_tail = &w;
	p->queue_tail = &w.next;
	p->waiting++;
	while (!w.done) {
		size_t k = 0;

		if (p->leading) {
			pthread_cond_wait(&p->gcond, &p->gmu);
			continue;
		}
		/* Lead: everyone waiting now is in this group. */
		p->leading = 1;
		while (p->queue && k < POST_GROUP_MAX) {
			g[k++] = p->queue;
			p->queue = p->queue->next;
		}
		if (!p->queue)
			p->queue_tail = &p->queue;
		p->waiting -= k;
		p->groups++;
		p->grouped += k;
		pthread_mutex_unlock(&p->gmu);
		commit_group(p, g, k);
		pthread_mutex_lock(&p->gmu);
		for (size_t i = 0; i < k; i++)
			g[i]->done = 1; /* g[i] may be gone once gmu is released */
		p->leading = 0;
		pthread_cond_broadcast(&p->gcond);
	}
	pthread_mutex_unlock(&p->gmu);
	*ack = w.ack;
	if (w.rc && err)
		*err = w.err;
	return w.rc;
}

void tims_post_group_stats(struct tims_post *p, uint64_t *groups,
			   uint64_t *registrations, size_t *waiting)
{
	pthread_mutex_lock(&p->gmu);
	*groups = p->groups;
	*registrations = p->grouped;
	if (waiting)
		*waiting = p->waiting;
	pthread_mutex_unlock(&p->gmu);
}

/* Each owed event opened (sealed in post.db, "post.audit_owed/IDX"); one
 * that cannot be opened now (the token is out and another process sealed
 * it) stays owed, the others are passed on, and TIMS_ERR_UNAVAILABLE says
 * some are left. */
static tims_rc owed_unlocked(struct tims_post *p, sqlite3_stmt *st,
			     tims_post_owed_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_POST_OWED_MAX);
	struct tims_err why = { 0 };
	size_t unavailable = 0;
	tims_rc rc = TIMS_OK;
	int s;

	if (!st)
		return tims_err_set(err, TIMS_ERR_USAGE, "post opened without its key");
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		char ad[48];
		int skip = 0;

		pthread_mutex_lock(&p->smu);
		for (size_t i = 0; i < p->nsettled; i++)
			skip |= p->settled[i] == idx;
		pthread_mutex_unlock(&p->smu);
		if (skip)
			continue;
		snprintf(ad, sizeof(ad), "post.audit_owed/%" PRIu64, idx);
		tims_buf_reset(&plain);
		rc = tims_vault_open_blob(p->vault, ad, strlen(ad), sqlite3_column_blob(st, 1),
					  (size_t)sqlite3_column_bytes(st, 1), &plain, &why);
		if (rc == TIMS_ERR_UNAVAILABLE) {
			unavailable++;
			rc = TIMS_OK;
			continue;
		}
		if (rc) {
			rc = tims_err_set(err, rc, "owed audit event of record %" PRIu64 ": %s", idx,
					  why.msg);
			break;
		}
		if ((rc = fn(ctx, idx, plain.buf, plain.len)))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: listing owed audit events: %s", p->dir,
				  sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	if (!rc && unavailable)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "%zu owed audit event%s wait for the token (%s)", unavailable,
				  unavailable == 1 ? "" : "s", why.msg);
	return rc;
}

static tims_rc owed_settled_unlocked(struct tims_post *p, uint64_t index,
				     int now, struct tims_err *err)
{
	int committed, full;
	tims_rc rc;

	size_t dropped = 0;

	if (!p->owed[OW_DEL])
		return tims_err_set(err, TIMS_ERR_USAGE, "post opened without its key");
	pthread_mutex_lock(&p->smu);
	if (index == UINT64_MAX) /* none: forget those settled before */
		full = 0;
	else if (!(full = p->nsettled == POST_SETTLED_MAX))
		p->settled[p->nsettled++] = index;
	pthread_mutex_unlock(&p->smu);
	if (!now && !full)
		return TIMS_OK; /* deleted in the next registration's transaction */
	post_lock(p);
	if ((rc = tims_mlog_begin(p->log, err))) {
		post_unlock(p);
		return rc;
	}
	rc = drop_settled(p, &dropped, err);
	if (!rc && full) {
		sqlite3_bind_int64(p->owed[OW_DEL], 1, (sqlite3_int64)index);
		rc = tims_mlog_step(p->log, p->owed[OW_DEL],
				    "forgetting a settled audit event", err);
	}
	if (rc) {
		tims_mlog_rollback(p->log);
		post_note_broken(p);
		post_unlock(p);
		return rc;
	}
	rc = tims_mlog_commit(p->log, &committed, err);
	if (!committed)
		tims_mlog_rollback(p->log);
	else
		settled_dropped(p, dropped);
	post_note_broken(p);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_owed(struct tims_post *p, tims_post_owed_fn fn, void *ctx,
		       struct tims_err *err)
{
	tims_rc rc;

	/* The readers' connection: what is committed, without waiting for a
	 * group's fsync. fn may settle events (smu) but not write. */
	if (p->rlog && p->rowed_list) {
		pthread_mutex_lock(&p->rmu);
		rc = owed_unlocked(p, p->rowed_list, fn, ctx, err);
		pthread_mutex_unlock(&p->rmu);
		return rc;
	}
	post_lock(p);
	rc = owed_unlocked(p, p->owed[OW_LIST], fn, ctx, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_owed_settled(struct tims_post *p, uint64_t index, int now,
			       struct tims_err *err)
{
	/* Takes p->mu only when it must write (now, or the list is full). */
	return owed_settled_unlocked(p, index, now, err);
}
