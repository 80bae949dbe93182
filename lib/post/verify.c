/*
 * verify.c — `tims log verify`: recompute a post's log from its records and
 * compare it with everything stored and signed.
 *
 *   1. records, in index order: each decodes, its salted commitment and time
 *      give exactly its stored leaf entry, its leaf is the one logged at its
 *      index (else: altered, or moved), indexes have no gaps, post times
 *      never go back;
 *   2. the stored hash sequence equals the one rebuilt in memory from the
 *      records' leaves (and has nothing beyond it);
 *   3. every checkpoint in post.db: signature (post.vkey), origin, size
 *      within the log, root equal to the rebuilt tree's, and consistent
 *      with the checkpoint before it;
 *   4. the checkpoint kept outside post.db: same checks, and not larger than
 *      the log or the checkpoint table (a database restored from an older
 *      copy fails here even though it is internally consistent).
 *
 * Each discrepancy is reported once, naming the record or checkpoint. The
 * library never prints: findings go to the caller's callback.
 */
#include "tims/util.h"
#include "internal.h"

struct vctx {
	struct tims_post *p;
	tims_post_report_fn report;
	void *ctx;
	struct tims_post_verify_stats *st;
	struct tims_tlog_mem mem;    /* rebuilt from the records */
	struct tims_tlog_reader mr;
	struct tims_tlog_reader sr;  /* the stored hashes */
	uint64_t *moved;             /* records whose leaf is not at its index */
	size_t nmoved, amoved;
};

__attribute__((format(printf, 2, 3)))
static void finding(struct vctx *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->st->findings++;
	if (v->report)
		v->report(v->ctx, msg);
}

static int stored_leaf(struct vctx *v, uint64_t i, tims_hash out)
{
	uint64_t si = tims_tlog_stored_index(0, i);

	return v->sr.read(v->sr.ctx, &si, 1, (tims_hash *)out) == TIMS_OK;
}

/* Check one record row; leaf receives what its entry hashes to. */
static void check_record(struct vctx *v, sqlite3_stmt *q, uint64_t idx,
			 int64_t *last_time, tims_hash leaf)
{
	const void *entry = sqlite3_column_blob(q, 6);
	int elen = sqlite3_column_bytes(q, 6);
	int has_body = sqlite3_column_type(q, 5) != SQLITE_NULL;
	struct tims_record rec;
	struct tims_err e;
	tims_hash logged;
	int64_t t;

	if (elen != TIMS_RECORD_ENTRY_BYTES ||
	    tims_record_entry_time(entry) == INT64_MIN) {
		finding(v, "record %" PRIu64 ": its leaf entry is malformed (altered)",
			idx);
		memset(leaf, 0, TIMS_HASH_BYTES);
		if (elen > 0)
			tims_tlog_leaf_hash(entry, (size_t)elen, leaf);
		return;
	}
	tims_tlog_leaf_hash(entry, TIMS_RECORD_ENTRY_BYTES, leaf);
	t = tims_record_entry_time(entry);
	if (t < *last_time)
		finding(v, "record %" PRIu64 ": out of order: its post time is "
			"earlier than record %" PRIu64 "'s", idx, idx - 1);
	*last_time = t;
	if (!has_body) {
		v->st->erased++;
		if (sqlite3_column_type(q, 4) != SQLITE_NULL)
			finding(v, "record %" PRIu64 ": erased, but its salt was kept",
				idx);
	} else if (tims_record_decode(sqlite3_column_blob(q, 5),
				      (size_t)sqlite3_column_bytes(q, 5), &rec,
				      &e)) {
		finding(v, "record %" PRIu64 ": does not decode (altered): %s",
			idx, e.msg);
	} else if (sqlite3_column_bytes(q, 4) != TIMS_RECORD_SALT_BYTES) {
		finding(v, "record %" PRIu64 ": salt missing or malformed (altered)",
			idx);
	} else {
		uint8_t again[TIMS_RECORD_ENTRY_BYTES];
		const char *ref = (const char *)sqlite3_column_text(q, 1);
		const char *doc = (const char *)sqlite3_column_text(q, 2);
		const char *nat = (const char *)sqlite3_column_text(q, 3);

		tims_record_entry(sqlite3_column_blob(q, 4),
				  sqlite3_column_blob(q, 5),
				  (size_t)sqlite3_column_bytes(q, 5),
				  rec.time_ms, again);
		if (memcmp(again, entry, sizeof(again)))
			finding(v, "record %" PRIu64 ": leaf hash does not match "
				"its record (altered)", idx);
		else if (strcmp(ref ? ref : "", rec.ref) ||
			 strcmp(doc ? doc : "", rec.person.doc_number) ||
			 strcmp(nat ? nat : "", rec.person.nationality) ||
			 (sqlite3_column_type(q, 7) == SQLITE_NULL
				  ? rec.corrects != TIMS_RECORD_NO_INDEX
				  : (uint64_t)sqlite3_column_int64(q, 7) !=
					    rec.corrects))
			finding(v, "record %" PRIu64 ": its lookup columns (id, "
				"document, nationality, corrects) differ from "
				"the record (altered)", idx);
	}
	if (!stored_leaf(v, idx, logged)) {
		finding(v, "record %" PRIu64 ": no leaf hash logged at its index",
			idx);
	} else if (memcmp(logged, leaf, TIMS_HASH_BYTES)) {
		if (v->nmoved == v->amoved) {
			size_t na = v->amoved ? 2 * v->amoved : 16;
			uint64_t *m = realloc(v->moved, na * sizeof(*m));

			if (!m)
				return;
			v->moved = m;
			v->amoved = na;
		}
		v->moved[v->nmoved++] = idx;
	}
}

/* Records whose leaf is logged elsewhere were moved; else replaced. */
static void report_moved(struct vctx *v)
{
	for (size_t i = 0; i < v->nmoved; i++) {
		uint64_t a = v->moved[i], to = UINT64_MAX;
		tims_hash mine;

		memcpy(mine, v->mem.hashes[tims_tlog_stored_index(0, a)],
		       TIMS_HASH_BYTES);
		for (size_t j = 0; j < v->nmoved; j++) {
			tims_hash other;

			if (j != i && stored_leaf(v, v->moved[j], other) &&
			    !memcmp(other, mine, TIMS_HASH_BYTES)) {
				to = v->moved[j];
				break;
			}
		}
		if (to != UINT64_MAX)
			finding(v, "record %" PRIu64 ": out of order: it was logged "
				"at index %" PRIu64 " (records swapped or reordered)",
				a, to);
		else
			finding(v, "record %" PRIu64 ": not the record logged at "
				"its index (replaced or altered together with its "
				"leaf entry)", a);
	}
}

static tims_rc check_records(struct vctx *v, struct tims_err *err)
{
	sqlite3_stmt *q;
	uint64_t expected = 0;
	int64_t last_time = INT64_MIN;
	int s;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(v->p->db, "SELECT idx, ref, doc, nat, salt, body,"
			       " entry, corrects FROM records ORDER BY idx", -1, &q,
			       NULL) != SQLITE_OK)
		return post_db_err(v->p, "reading records", err);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 raw = sqlite3_column_int64(q, 0);
		uint64_t idx = (uint64_t)raw;
		tims_hash leaf;

		v->st->records++;
		if (raw < 0) {
			finding(v, "a record has the negative index %lld (altered)",
				(long long)raw);
			continue;
		}
		if (idx == expected + 1)
			finding(v, "record %" PRIu64 " missing: the log goes from "
				"record %" PRIu64 " to %" PRIu64 " (deleted)",
				expected, expected - 1, idx);
		else if (idx > expected)
			finding(v, "records %" PRIu64 "-%" PRIu64 " missing: the "
				"log goes from %s to record %" PRIu64 " (deleted)",
				expected, idx - 1, expected ? "an earlier record"
							    : "its start", idx);
		/* Keep the tree aligned: a missing record's leaf is what was
		 * logged for it, so later checks still name the right place. */
		while (expected < idx) {
			tims_hash h;

			if (!stored_leaf(v, expected, h))
				memset(h, 0, sizeof(h));
			if ((rc = tims_tlog_mem_append(&v->mem, h, err)))
				goto out;
			expected++;
		}
		check_record(v, q, idx, &last_time, leaf);
		if ((rc = tims_tlog_mem_append(&v->mem, leaf, err)))
			goto out;
		expected++;
	}
	if (s != SQLITE_DONE)
		rc = post_db_err(v->p, "reading records", err);
	report_moved(v);
out:
	sqlite3_finalize(q);
	return rc;
}

static tims_rc check_hashes(struct vctx *v, struct tims_err *err)
{
	sqlite3_stmt *q;
	uint64_t want = v->mem.nhashes, next = 0, extra = 0, bad = 0;
	int s;

	if (sqlite3_prepare_v2(v->p->db, "SELECT id, hash FROM hashes ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK)
		return post_db_err(v->p, "reading stored hashes", err);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 raw = sqlite3_column_int64(q, 0);
		uint64_t id = (uint64_t)raw;

		if (raw < 0 || id >= want) {
			extra++;
			continue;
		}
		if (id > next)
			finding(v, "stored hashes %" PRIu64 "-%" PRIu64 " missing",
				next, id - 1);
		next = id + 1;
		if (sqlite3_column_bytes(q, 1) != TIMS_HASH_BYTES ||
		    memcmp(sqlite3_column_blob(q, 1), v->mem.hashes[id],
			   TIMS_HASH_BYTES)) {
			/* Level-0 mismatches were named with their record. */
			if (bad++ < 8)
				finding(v, "stored hash %" PRIu64 ": does not match "
					"the tree rebuilt from the records "
					"(altered, or a record changed)", id);
		}
	}
	sqlite3_finalize(q);
	if (s != SQLITE_DONE)
		return post_db_err(v->p, "reading stored hashes", err);
	if (next < want)
		finding(v, "stored hashes %" PRIu64 "-%" PRIu64 " missing", next,
			want - 1);
	if (bad > 8)
		finding(v, "... and %" PRIu64 " more stored hashes that do not match",
			bad - 8);
	if (extra)
		finding(v, "%" PRIu64 " stored hashes beyond the %" PRIu64
			" records in the log (records deleted at the end?)",
			extra, v->mem.size);
	return TIMS_OK;
}

/*
 * One signed checkpoint: signature, origin, size and root against the
 * rebuilt tree. `what` names it. Returns 1 if its root is the records'.
 */
static int check_note(struct vctx *v, const char *what, const char *note,
		      size_t len, struct tims_checkpoint *cp)
{
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_err e;
	tims_hash root;
	int ok = 0;

	if (!n)
		return 0;
	if (tims_note_verify(note, len, &v->p->verifier, 1, n, &e)) {
		finding(v, "%s: signature does not verify with post.vkey "
			"(altered): %s", what, e.msg);
	} else if (tims_checkpoint_parse(n->text, n->textlen, cp, &e)) {
		finding(v, "%s: not a checkpoint: %s", what, e.msg);
	} else if (strcmp(cp->origin, v->p->origin)) {
		finding(v, "%s: origin '%s' is not this post's '%s'", what,
			cp->origin, v->p->origin);
	} else if (cp->size > v->mem.size) {
		finding(v, "record %" PRIu64 " missing: log has %" PRIu64
			" records but %s signs size %" PRIu64
			" (deleted or rolled back)", v->mem.size, v->mem.size,
			what, cp->size);
	} else if (tims_tlog_tree_hash(cp->size, &v->mr, root, &e) ||
		   memcmp(root, cp->root, TIMS_HASH_BYTES)) {
		finding(v, "%s: its signed root does not match the records "
			"(a record below %" PRIu64 " was altered, removed or "
			"reordered)", what, cp->size);
	} else {
		ok = 1;
	}
	free(n);
	return ok;
}

static tims_rc check_checkpoints(struct vctx *v, struct tims_err *err)
{
	sqlite3_stmt *q;
	struct tims_checkpoint cp, prev;
	uint64_t k = 0, prev_ok_size = 0;
	int have_prev = 0, s;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t plen;

	if (sqlite3_prepare_v2(v->p->db, "SELECT size, note FROM checkpoints"
			       " ORDER BY size", -1, &q, NULL) != SQLITE_OK)
		return post_db_err(v->p, "reading checkpoints", err);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		char what[96];
		int ok;

		snprintf(what, sizeof(what), "checkpoint %" PRIu64, k);
		memset(&cp, 0, sizeof(cp));
		ok = check_note(v, what, (const char *)sqlite3_column_text(q, 1),
				(size_t)sqlite3_column_bytes(q, 1), &cp);
		if (cp.size != (uint64_t)sqlite3_column_int64(q, 0) && ok)
			finding(v, "%s: stored under size %lld but signs %" PRIu64,
				what, (long long)sqlite3_column_int64(q, 0), cp.size);
		if (!ok && cp.size <= v->mem.size && cp.size > prev_ok_size &&
		    cp.origin[0])
			finding(v, "%s: the change lies in records %" PRIu64
				"-%" PRIu64 " (the previous checkpoint matches)",
				what, prev_ok_size, cp.size - 1);
		if (ok)
			prev_ok_size = cp.size;
		if (cp.size > v->st->signed_size)
			v->st->signed_size = cp.size;
		/* Two signed trees that are not prefixes of one another. */
		if (have_prev && cp.origin[0] && prev.size <= cp.size &&
		    cp.size <= v->mem.size &&
		    (tims_tlog_prove_consistency(prev.size, cp.size, &v->mr,
						 proof, &plen, NULL) ||
		     tims_tlog_verify_consistency(prev.size, cp.size, prev.root,
						  cp.root, proof, plen, NULL)))
			finding(v, "checkpoints %" PRIu64 " (size %" PRIu64 ") and %"
				PRIu64 " (size %" PRIu64 ") are not consistent",
				k - 1, prev.size, k, cp.size);
		if (cp.origin[0]) {
			prev = cp;
			have_prev = 1;
		}
		k++;
		v->st->checkpoints++;
	}
	sqlite3_finalize(q);
	if (s != SQLITE_DONE)
		return post_db_err(v->p, "reading checkpoints", err);
	if (!k)
		finding(v, "no checkpoint in post.db (the table was emptied?)");
	return TIMS_OK;
}

static void check_outside(struct vctx *v)
{
	struct tims_buf note = TIMS_BUF_INIT(0);
	struct tims_checkpoint cp;
	char path[POST_PATH_MAX];
	struct tims_err e;
	tims_rc rc;

	post_path(v->p, "checkpoint", path, NULL);
	rc = tims_read_file(path, TIMS_NOTE_MAX_BYTES, &note, &e);
	if (rc) {
		finding(v, "the checkpoint file outside post.db cannot be read: %s",
			e.msg);
		return;
	}
	memset(&cp, 0, sizeof(cp));
	if (check_note(v, "the checkpoint file outside post.db", note.buf,
		       note.len, &cp) && cp.size > v->st->signed_size)
		finding(v, "checkpoints rolled back: the checkpoint file signs "
			"size %" PRIu64 " but post.db's latest checkpoint is "
			"size %" PRIu64, cp.size, v->st->signed_size);
	if (cp.size > v->st->signed_size)
		v->st->signed_size = cp.size;
	tims_buf_release(&note);
}

tims_rc tims_post_verify(struct tims_post *p, tims_post_report_fn report,
			 void *ctx, struct tims_post_verify_stats *st,
			 struct tims_err *err)
{
	struct vctx v;
	tims_rc rc;

	memset(st, 0, sizeof(*st));
	memset(&v, 0, sizeof(v));
	v.p = p;
	v.report = report;
	v.ctx = ctx;
	v.st = st;
	tims_tlog_mem_init(&v.mem, UINT64_MAX >> 8);
	tims_tlog_mem_reader(&v.mem, &v.mr);
	tims_post_reader(p, &v.sr);
	/* One read transaction: a consistent snapshot while others append. */
	if (sqlite3_exec(p->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = post_db_err(p, "begin", err);
		goto out;
	}
	if ((rc = check_records(&v, err)) || (rc = check_hashes(&v, err)) ||
	    (rc = check_checkpoints(&v, err)))
		goto end;
	check_outside(&v);
end:
	sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
out:
	tims_tlog_mem_release(&v.mem);
	free(v.moved);
	if (rc)
		return rc;
	return st->findings ? TIMS_ERR_TAMPER : TIMS_OK;
}
