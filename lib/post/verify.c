/*
 * verify.c — `tims log verify`: what a post checks beyond its Merkle log.
 *
 * tims_mlog_verify (lib/mlog/verify.c) rebuilds the tree from the leaf
 * entries and checks indexes, where each leaf is logged, the stored hashes,
 * every checkpoint and the checkpoint file. For each record it calls back
 * here to check what only a post knows: the sealed record opens (its
 * associated data names its row), decodes, its salted commitment and post
 * time give exactly its stored leaf entry, its lookup columns (id, the
 * document's blind index, time, direction, decision, corrects) are the
 * record's, post times never go back, and an erased record kept no salt.
 * Opening records needs the vault's token; without it only the log itself
 * is checked (tims_post_verify_log: entries, hashes, checkpoints), which
 * needs no key at all.
 *
 * Each discrepancy is reported once, naming the record. The library never
 * prints: findings go to the caller's callback.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

/* Columns of the query below: idx and entry first (tims_mlog_verify). */
enum { C_IDX, C_ENTRY, C_REF, C_DOC, C_TIME, C_DIR, C_DECISION, C_SALT, C_BODY,
       C_CORRECTS };
static const char records_sql[] =
	"SELECT idx, entry, ref, doc, time_ms, direction, decision, salt, body, corrects"
	" FROM records ORDER BY idx";

struct vctx {
	struct tims_post_verify_stats *st;
	struct tims_post *p;
	int64_t last_time;
	int log_only;
	struct tims_buf plain;
};

#define finding tims_mlog_report

static int check_record(void *ctx, struct tims_mlog_check *v, uint64_t idx,
			sqlite3_stmt *q)
{
	struct vctx *c = ctx;
	const void *entry = sqlite3_column_blob(q, C_ENTRY);
	int elen = sqlite3_column_bytes(q, C_ENTRY);
	int has_body = sqlite3_column_type(q, C_BODY) != SQLITE_NULL;
	struct tims_record rec;
	struct tims_err e;
	int64_t t;

	if (elen != TIMS_RECORD_ENTRY_BYTES ||
	    tims_record_entry_time(entry) == INT64_MIN) {
		finding(v, "record %" PRIu64 ": its leaf entry is malformed (altered)",
			idx);
		return 0;
	}
	t = tims_record_entry_time(entry);
	if (t < c->last_time)
		finding(v, "record %" PRIu64 ": out of order: its post time is "
			"earlier than record %" PRIu64 "'s", idx, idx - 1);
	c->last_time = t;
	if (sqlite3_column_int64(q, C_TIME) != t)
		finding(v, "record %" PRIu64 ": its time column is not its entry's (altered)",
			idx);
	if (!has_body) {
		c->st->erased++;
		if (sqlite3_column_type(q, C_SALT) != SQLITE_NULL ||
		    sqlite3_column_type(q, C_DOC) != SQLITE_NULL)
			finding(v, "record %" PRIu64 ": erased, but its salt or index was kept",
				idx);
		return 1;
	}
	if (c->log_only)
		return 1;
	tims_buf_reset(&c->plain);
	if (post_open_body(c->p, idx, sqlite3_column_blob(q, C_BODY),
			   (size_t)sqlite3_column_bytes(q, C_BODY), &c->plain, &e)) {
		if (e.rc == TIMS_ERR_TAMPER || e.rc == TIMS_ERR_INVALID)
			finding(v, "record %" PRIu64 ": its sealed record does not open "
				"(altered, or moved from another row)", idx);
		else
			finding(v, "%s", e.msg);
	} else if (tims_record_decode(c->plain.buf, c->plain.len, &rec, &e)) {
		finding(v, "record %" PRIu64 ": does not decode (altered): %s",
			idx, e.msg);
	} else if (sqlite3_column_bytes(q, C_SALT) != TIMS_RECORD_SALT_BYTES) {
		finding(v, "record %" PRIu64 ": salt missing or malformed (altered)",
			idx);
	} else {
		uint8_t again[TIMS_RECORD_ENTRY_BYTES];
		const char *ref = (const char *)sqlite3_column_text(q, C_REF);
		const char *doc = (const char *)sqlite3_column_text(q, C_DOC);
		char want[TIMS_VAULT_BLIND_HEX];

		tims_record_entry(sqlite3_column_blob(q, C_SALT), c->plain.buf, c->plain.len,
				  rec.time_ms, again);
		if (memcmp(again, entry, sizeof(again)))
			finding(v, "record %" PRIu64 ": leaf hash does not match "
				"its record (altered)", idx);
		else if (strcmp(ref ? ref : "", rec.ref) ||
			 (doc && (post_doc_index(c->p, rec.person.doc_number, want, NULL) ||
				  strcmp(doc, want))) ||
			 sqlite3_column_int(q, C_DIR) != rec.direction ||
			 sqlite3_column_int(q, C_DECISION) != rec.decision ||
			 (sqlite3_column_type(q, C_CORRECTS) == SQLITE_NULL
				  ? rec.corrects != TIMS_RECORD_NO_INDEX
				  : (uint64_t)sqlite3_column_int64(q, C_CORRECTS) !=
					    rec.corrects))
			finding(v, "record %" PRIu64 ": its lookup columns (id, "
				"document index, direction, decision, corrects) differ "
				"from the record (altered)", idx);
		sodium_memzero(&rec, sizeof(rec));
	}
	return 1;
}

static tims_rc post_verify_unlocked(struct tims_post *p, int log_only,
				   tims_post_report_fn report, void *ctx,
				   struct tims_post_verify_stats *st, struct tims_err *err)
{
	struct tims_mlog_verify_stats ls;
	struct vctx c = { st, p, INT64_MIN, log_only,
			  TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES) };
	tims_rc rc;

	memset(st, 0, sizeof(*st));
	if (!log_only && tims_vault_state(p->vault) != TIMS_VAULT_OPEN)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "the records are sealed and the token is unavailable (%s); "
				    "the log alone verifies without it: tims log verify --post %s --log-only",
				    tims_vault_why(p->vault), p->dir);
	rc = tims_mlog_verify(p->log, records_sql, check_record, &c, report,
			      ctx, &ls, err);
	if (c.plain.buf)
		sodium_memzero(c.plain.buf, c.plain.alloc);
	tims_buf_release(&c.plain);
	st->records = ls.leaves;
	st->checkpoints = ls.checkpoints;
	st->findings = ls.findings;
	st->signed_size = ls.signed_size;
	return rc;
}

/* ---- the public entry points hold the post's lock (internal.h) ---- */

tims_rc tims_post_verify(struct tims_post *p, tims_post_report_fn report,
		void *ctx, struct tims_post_verify_stats *st,
		struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_verify_unlocked(p, 0, report, ctx, st, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_verify_log(struct tims_post *p, tims_post_report_fn report,
			     void *ctx, struct tims_post_verify_stats *st,
			     struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_verify_unlocked(p, 1, report, ctx, st, err);
	post_unlock(p);
	return rc;
}
