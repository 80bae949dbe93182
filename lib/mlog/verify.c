/*
 * verify.c — recompute a Merkle log from its leaf entries and compare it
 * with everything stored and signed (see tims_mlog_verify in mlog.h).
 *
 *   1. leaves, in index order: the owner's check of each row (payload
 *      against entry), indexes without gaps, the leaf logged at each index
 *      is the row's own (else moved, or replaced);
 *   2. the stored hash sequence equals the one rebuilt in memory from the
 *      entries (and has nothing beyond it);
 *   3. every checkpoint in the database: signature, origin, size within
 *      the log, root equal to the rebuilt tree's, consistent with the one
 *      before it;
 *   4. the checkpoint kept outside the database: same checks, and not
 *      larger than the checkpoint table (a database restored from an older
 *      copy fails here even though it is internally consistent).
 *
 * Each discrepancy is reported once, naming the leaf (with the owner's
 * noun) or the checkpoint.
 */
#include "tims/util.h"
#include "internal.h"

struct tims_mlog_check {
	struct tims_mlog *m;
	void (*report)(void *ctx, const char *finding);
	void *ctx;
	struct tims_mlog_verify_stats *st;
	struct tims_tlog_mem mem;    /* rebuilt from the entries */
	struct tims_tlog_reader mr;
	struct tims_tlog_reader sr;  /* the stored hashes */
	uint64_t *moved;             /* leaves not logged at their index */
	size_t nmoved, amoved;
};

void tims_mlog_report(struct tims_mlog_check *v, const char *fmt, ...)
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

#define finding tims_mlog_report

static int stored_leaf(struct tims_mlog_check *v, uint64_t i, tims_hash out)
{
	uint64_t si = tims_tlog_stored_index(0, i);

	return v->sr.read(v->sr.ctx, &si, 1, (tims_hash *)out) == TIMS_OK;
}

/* One row: the owner's check, then where its leaf is logged. */
static void check_leaf(struct tims_mlog_check *v, sqlite3_stmt *q,
		       uint64_t idx, tims_mlog_leaf_fn check, void *cctx,
		       tims_hash leaf)
{
	const void *entry = sqlite3_column_blob(q, 1);
	int elen = sqlite3_column_bytes(q, 1);
	const char *noun = v->m->noun;
	tims_hash logged;

	memset(leaf, 0, TIMS_HASH_BYTES);
	if (elen > 0)
		tims_tlog_leaf_hash(entry, (size_t)elen, leaf);
	if (check && !check(cctx, v, idx, q))
		return; /* a malformed entry, already named */
	if (!stored_leaf(v, idx, logged)) {
		finding(v, "%s %" PRIu64 ": no leaf hash logged at its index",
			noun, idx);
	} else if (memcmp(logged, leaf, TIMS_HASH_BYTES)) {
		if (v->nmoved == v->amoved) {
			size_t na = v->amoved ? 2 * v->amoved : 16;
			uint64_t *mv = realloc(v->moved, na * sizeof(*mv));

			if (!mv)
				return;
			v->moved = mv;
			v->amoved = na;
		}
		v->moved[v->nmoved++] = idx;
	}
}

/* Leaves whose hash is logged elsewhere were moved; else replaced. */
static void report_moved(struct tims_mlog_check *v)
{
	const char *noun = v->m->noun, *nouns = v->m->nouns;

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
			finding(v, "%s %" PRIu64 ": out of order: it was logged "
				"at index %" PRIu64 " (%s swapped or reordered)",
				noun, a, to, nouns);
		else
			finding(v, "%s %" PRIu64 ": not the %s logged at "
				"its index (replaced or altered together with its "
				"leaf entry)", noun, a, noun);
	}
}

/*
 * How many leaves the stored hashes cover. A gap in the leaf table is
 * filled with what was logged for it, but only that far (plus a margin):
 * an index changed to 2^60 must be named, not filled in.
 */
static tims_rc logged_leaves(struct tims_mlog_check *v, uint64_t *n,
			     struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(256);
	sqlite3_stmt *q = NULL;
	unsigned level;
	uint64_t k;
	int s;

	*n = 0;
	if (tims_buf_addf(&sql, "SELECT max(id) FROM %shashes", v->m->prefix) ||
	    sqlite3_prepare_v2(v->m->db, sql.buf, -1, &q, NULL) != SQLITE_OK) {
		tims_buf_release(&sql);
		return tims_mlog_db_err(v->m, "reading stored hashes", err);
	}
	tims_buf_release(&sql);
	s = sqlite3_step(q);
	if (s == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(q, 0) >= 0 &&
	    !tims_tlog_split_stored_index((uint64_t)sqlite3_column_int64(q, 0),
					  &level, &k))
		*n = (k + 1) << level;
	sqlite3_finalize(q);
	return s == SQLITE_ROW ? TIMS_OK
			       : tims_mlog_db_err(v->m, "reading stored hashes", err);
}

#define GAP_MARGIN (UINT64_C(1) << 20)

static tims_rc check_leaves(struct tims_mlog_check *v, const char *sql,
			    tims_mlog_leaf_fn check, void *cctx,
			    struct tims_err *err)
{
	const char *noun = v->m->noun, *nouns = v->m->nouns;
	sqlite3_stmt *q;
	uint64_t expected = 0, logged;
	int s;
	tims_rc rc = TIMS_OK;

	if ((rc = logged_leaves(v, &logged, err)))
		return rc;
	if (sqlite3_prepare_v2(v->m->db, sql, -1, &q, NULL) != SQLITE_OK)
		return tims_mlog_db_err(v->m, "reading the log", err);
	while ((s = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 raw = sqlite3_column_int64(q, 0);
		uint64_t idx = (uint64_t)raw;
		tims_hash leaf;

		v->st->leaves++;
		if (raw < 0) {
			finding(v, "%s has the negative index %lld (altered)",
				v->m->a_noun, (long long)raw);
			continue;
		}
		if (idx > expected + GAP_MARGIN && idx > logged + GAP_MARGIN) {
			finding(v, "%s %" PRIu64 ": its index is far beyond the "
				"%" PRIu64 " %s logged (altered)", noun, idx,
				logged, nouns);
			continue;
		}
		if (idx == expected + 1)
			finding(v, "%s %" PRIu64 " missing: the log goes from "
				"%s %" PRIu64 " to %" PRIu64 " (deleted)",
				noun, expected, noun, expected - 1, idx);
		else if (idx > expected)
			finding(v, "%s %" PRIu64 "-%" PRIu64 " missing: the "
				"log goes from %s%s to %s %" PRIu64 " (deleted)",
				nouns, expected, idx - 1,
				expected ? "an earlier " : "its start",
				expected ? noun : "", noun, idx);
		/* Keep the tree aligned: a missing leaf is what was logged
		 * for it, so later checks still name the right place. */
		while (expected < idx) {
			tims_hash h;

			if (!stored_leaf(v, expected, h))
				memset(h, 0, sizeof(h));
			if ((rc = tims_tlog_mem_append(&v->mem, h, err)))
				goto out;
			expected++;
		}
		check_leaf(v, q, idx, check, cctx, leaf);
		if ((rc = tims_tlog_mem_append(&v->mem, leaf, err)))
			goto out;
		expected++;
	}
	if (s != SQLITE_DONE)
		rc = tims_mlog_db_err(v->m, "reading the log", err);
	report_moved(v);
out:
	sqlite3_finalize(q);
	return rc;
}

static tims_rc check_hashes(struct tims_mlog_check *v, struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(256);
	const char *nouns = v->m->nouns;
	sqlite3_stmt *q = NULL;
	uint64_t want = v->mem.nhashes, next = 0, extra = 0, bad = 0;
	int s;

	if (tims_buf_addf(&sql, "SELECT id, hash FROM %shashes ORDER BY id",
			  v->m->prefix) ||
	    sqlite3_prepare_v2(v->m->db, sql.buf, -1, &q, NULL) != SQLITE_OK) {
		tims_buf_release(&sql);
		return tims_mlog_db_err(v->m, "reading stored hashes", err);
	}
	tims_buf_release(&sql);
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
			/* Level-0 mismatches were named with their leaf. */
			if (bad++ < 8)
				finding(v, "stored hash %" PRIu64 ": does not match "
					"the tree rebuilt from the %s "
					"(altered, or %s changed)", id, nouns,
					v->m->a_noun);
		}
	}
	sqlite3_finalize(q);
	if (s != SQLITE_DONE)
		return tims_mlog_db_err(v->m, "reading stored hashes", err);
	if (next < want)
		finding(v, "stored hashes %" PRIu64 "-%" PRIu64 " missing", next,
			want - 1);
	if (bad > 8)
		finding(v, "... and %" PRIu64 " more stored hashes that do not match",
			bad - 8);
	if (extra)
		finding(v, "%" PRIu64 " stored hashes beyond the %" PRIu64
			" %s in the log (%s deleted at the end?)",
			extra, v->mem.size, nouns, nouns);
	return TIMS_OK;
}

/*
 * One signed checkpoint: signature, origin, size and root against the
 * rebuilt tree. `what` names it. Returns 1 if its root is the log's.
 */
static int check_note(struct tims_mlog_check *v, const char *what,
		      const char *note, size_t len, struct tims_checkpoint *cp)
{
	struct tims_mlog *m = v->m;
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_err e;
	tims_hash root;
	int ok = 0;

	const struct tims_verifier *key;

	if (!n)
		return 0;
	/* The key in force at its size (a hand-over changes it). */
	key = mlog_parse_note(note, len, cp, NULL) ? tims_mlog_key(m) : mlog_key_at(m, cp->size);
	memset(cp, 0, sizeof(*cp));
	if (tims_note_verify(note, len, key, 1, n, &e)) {
		char kn[TIMS_NOTE_MAX_NAME + 64];

		/* the key file's name, or the key the log was handed over to */
		if (key->keyhash == m->verifier.keyhash &&
		    !memcmp(key->pub, m->verifier.pub, TIMS_PUBKEY_BYTES))
			snprintf(kn, sizeof(kn), "%s", m->verifier_name);
		else
			snprintf(kn, sizeof(kn), "%s+%08" PRIx32 " (in force at its size)",
				 key->name, key->keyhash);
		finding(v, "%s: signature does not verify with %s (altered): %s", what, kn,
			e.msg);
	} else if (tims_checkpoint_parse(n->text, n->textlen, cp, &e)) {
		finding(v, "%s: not a checkpoint: %s", what, e.msg);
	} else if (strcmp(cp->origin, m->origin)) {
		finding(v, "%s: origin '%s' is not this %s's '%s'", what,
			cp->origin, m->owner, m->origin);
	} else if (cp->size > v->mem.size) {
		finding(v, "%s %" PRIu64 " missing: log has %" PRIu64
			" %s but %s signs size %" PRIu64
			" (deleted or rolled back)", m->noun, v->mem.size,
			v->mem.size, m->nouns, what, cp->size);
	} else if (tims_tlog_tree_hash(cp->size, &v->mr, root, &e) ||
		   memcmp(root, cp->root, TIMS_HASH_BYTES)) {
		finding(v, "%s: its signed root does not match the %s "
			"(%s below %" PRIu64 " was altered, removed or "
			"reordered)", what, m->nouns, m->a_noun, cp->size);
	} else {
		ok = 1;
	}
	free(n);
	return ok;
}

static tims_rc check_checkpoints(struct tims_mlog_check *v,
				 struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(256);
	sqlite3_stmt *q = NULL;
	struct tims_checkpoint cp, prev;
	uint64_t k = 0, prev_ok_size = 0;
	int have_prev = 0, s;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t plen;

	if (tims_buf_addf(&sql, "SELECT size, note FROM %scheckpoints"
			  " ORDER BY size", v->m->prefix) ||
	    sqlite3_prepare_v2(v->m->db, sql.buf, -1, &q, NULL) != SQLITE_OK) {
		tims_buf_release(&sql);
		return tims_mlog_db_err(v->m, "reading checkpoints", err);
	}
	tims_buf_release(&sql);
	memset(&prev, 0, sizeof(prev));
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
			finding(v, "%s: the change lies in %s %" PRIu64
				"-%" PRIu64 " (the previous checkpoint matches)",
				what, v->m->nouns, prev_ok_size, cp.size - 1);
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
		return tims_mlog_db_err(v->m, "reading checkpoints", err);
	if (!k)
		finding(v, "no checkpoint in %s (the table was emptied?)",
			v->m->db_name);
	return TIMS_OK;
}

/* Each hand-over (its signatures were checked when the log was opened):
 * of a size the log holds, with that size's root. */
static void check_handovers(struct tims_mlog_check *v)
{
	for (size_t i = 0; i < v->m->nho; i++) {
		struct tims_verifier o, nx;
		struct tims_checkpoint cp;
		struct tims_err e;
		tims_hash root;

		v->st->handovers++;
		if (tims_mlog_handover_parse(v->m->ho_note[i], strlen(v->m->ho_note[i]), &cp,
					     &o, &nx, &e)) {
			finding(v, "key hand-over %zu: %s", i + 1, e.msg);
			continue;
		}
		if (cp.size > v->mem.size)
			finding(v, "key hand-over %zu: signs size %" PRIu64 " but the log has %"
				PRIu64 " %s (deleted or rolled back)", i + 1, cp.size,
				v->mem.size, v->m->nouns);
		else if (tims_tlog_tree_hash(cp.size, &v->mr, root, &e) ||
			 memcmp(root, cp.root, TIMS_HASH_BYTES))
			finding(v, "key hand-over %zu: its signed root does not match the %s",
				i + 1, v->m->nouns);
	}
}

static void check_outside(struct tims_mlog_check *v)
{
	struct tims_buf note = TIMS_BUF_INIT(0);
	struct tims_checkpoint cp;
	char what[TIMS_MLOG_NAME_MAX + 48];
	struct tims_err e;
	const char *db = v->m->db_name;

	if (tims_read_file(v->m->checkpoint_path, TIMS_NOTE_MAX_BYTES, &note,
			   &e)) {
		finding(v, "the checkpoint file outside %s cannot be read: %s",
			db, e.msg);
		return;
	}
	snprintf(what, sizeof(what), "the checkpoint file outside %s", db);
	memset(&cp, 0, sizeof(cp));
	{
		/* After a rotation the file holds the hand-over itself. */
		struct tims_verifier o, nx;
		tims_rc hr = tims_mlog_handover_parse(note.buf, note.len, &cp, &o, &nx, &e);
		int held = 0;

		if (hr == TIMS_OK) {
			for (size_t i = 0; i < v->m->nho; i++)
				held |= strlen(v->m->ho_note[i]) == note.len &&
					!memcmp(v->m->ho_note[i], note.buf, note.len);
			if (!held)
				finding(v, "%s: a key hand-over that %s does not hold", what, db);
			if (cp.size > v->st->signed_size)
				v->st->signed_size = cp.size;
			tims_buf_release(&note);
			return;
		}
		memset(&cp, 0, sizeof(cp));
	}
	if (check_note(v, what, note.buf, note.len, &cp) &&
	    cp.size > v->st->signed_size)
		finding(v, "checkpoints rolled back: the checkpoint file signs "
			"size %" PRIu64 " but %s's latest checkpoint is "
			"size %" PRIu64, cp.size, db, v->st->signed_size);
	if (cp.size > v->st->signed_size)
		v->st->signed_size = cp.size;
	tims_buf_release(&note);
}

static void integrity_finding(void *ctx, const char *problem)
{
	struct tims_mlog_check *v = ctx;

	finding(v, "%s is damaged (SQLite integrity_check): %s", v->m->db_name,
		problem);
}

tims_rc tims_mlog_verify(struct tims_mlog *m, const char *sql,
			 tims_mlog_leaf_fn check, void *check_ctx,
			 void (*report)(void *ctx, const char *finding),
			 void *report_ctx, struct tims_mlog_verify_stats *st,
			 struct tims_err *err)
{
	struct tims_mlog_check v;
	tims_rc rc;

	memset(st, 0, sizeof(*st));
	memset(&v, 0, sizeof(v));
	v.m = m;
	v.report = report;
	v.ctx = report_ctx;
	v.st = st;
	tims_tlog_mem_init(&v.mem, UINT64_MAX >> 8);
	tims_tlog_mem_reader(&v.mem, &v.mr);
	tims_mlog_reader(m, &v.sr);
	/* SQLite's own check first: a damaged page or index that the log's
	 * queries happen not to read is damage all the same. */
	{
		struct integ { struct tims_mlog_check *v; } ic = { &v };
		long bad = mlog_integrity(m, 1, integrity_finding, ic.v, err);

		if (bad < 0) {
			rc = err ? err->rc : TIMS_ERR_DB;
			goto out;
		}
	}
	/* One read transaction: a consistent snapshot while others append. */
	if (sqlite3_exec(m->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(m, "begin", err);
		goto out;
	}
	if ((rc = check_leaves(&v, sql, check, check_ctx, err)) ||
	    (rc = check_hashes(&v, err)) || (rc = check_checkpoints(&v, err)))
		goto end;
	check_handovers(&v);
	check_outside(&v);
end:
	sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL);
out:
	tims_tlog_mem_release(&v.mem);
	free(v.moved);
	if (rc)
		return rc;
	return st->findings ? TIMS_ERR_TAMPER : TIMS_OK;
}
