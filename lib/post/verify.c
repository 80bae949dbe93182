/*
 * verify.c — `tims log verify`: what a post checks beyond its Merkle log.
 *
 * tims_mlog_verify (lib/mlog/verify.c) rebuilds the tree from the leaf
 * entries and checks indexes, where each leaf is logged, the stored hashes,
 * every checkpoint and the checkpoint file. For each record it calls back
 * here to check what only a post knows: the record decodes, its salted
 * commitment and post time give exactly its stored leaf entry, its lookup
 * columns (id, document, nationality, corrects) are the record's, post
 * times never go back, and an erased record kept no salt.
 *
 * Each discrepancy is reported once, naming the record. The library never
 * prints: findings go to the caller's callback.
 */
#include "tims/util.h"
#include "internal.h"

/* Columns of the query below: idx and entry first (tims_mlog_verify). */
enum { C_IDX, C_ENTRY, C_REF, C_DOC, C_NAT, C_SALT, C_BODY, C_CORRECTS };
static const char records_sql[] =
	"SELECT idx, entry, ref, doc, nat, salt, body, corrects"
	" FROM records ORDER BY idx";

struct vctx {
	struct tims_post_verify_stats *st;
	int64_t last_time;
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
	if (!has_body) {
		c->st->erased++;
		if (sqlite3_column_type(q, C_SALT) != SQLITE_NULL)
			finding(v, "record %" PRIu64 ": erased, but its salt was kept",
				idx);
	} else if (tims_record_decode(sqlite3_column_blob(q, C_BODY),
				      (size_t)sqlite3_column_bytes(q, C_BODY),
				      &rec, &e)) {
		finding(v, "record %" PRIu64 ": does not decode (altered): %s",
			idx, e.msg);
	} else if (sqlite3_column_bytes(q, C_SALT) != TIMS_RECORD_SALT_BYTES) {
		finding(v, "record %" PRIu64 ": salt missing or malformed (altered)",
			idx);
	} else {
		uint8_t again[TIMS_RECORD_ENTRY_BYTES];
		const char *ref = (const char *)sqlite3_column_text(q, C_REF);
		const char *doc = (const char *)sqlite3_column_text(q, C_DOC);
		const char *nat = (const char *)sqlite3_column_text(q, C_NAT);

		tims_record_entry(sqlite3_column_blob(q, C_SALT),
				  sqlite3_column_blob(q, C_BODY),
				  (size_t)sqlite3_column_bytes(q, C_BODY),
				  rec.time_ms, again);
		if (memcmp(again, entry, sizeof(again)))
			finding(v, "record %" PRIu64 ": leaf hash does not match "
				"its record (altered)", idx);
		else if (strcmp(ref ? ref : "", rec.ref) ||
			 strcmp(doc ? doc : "", rec.person.doc_number) ||
			 strcmp(nat ? nat : "", rec.person.nationality) ||
			 (sqlite3_column_type(q, C_CORRECTS) == SQLITE_NULL
				  ? rec.corrects != TIMS_RECORD_NO_INDEX
				  : (uint64_t)sqlite3_column_int64(q, C_CORRECTS) !=
					    rec.corrects))
			finding(v, "record %" PRIu64 ": its lookup columns (id, "
				"document, nationality, corrects) differ from "
				"the record (altered)", idx);
	}
	return 1;
}

static tims_rc post_verify_unlocked(struct tims_post *p, tims_post_report_fn report,
			 void *ctx, struct tims_post_verify_stats *st,
			 struct tims_err *err)
{
	struct tims_mlog_verify_stats ls;
	struct vctx c = { st, INT64_MIN };
	tims_rc rc;

	memset(st, 0, sizeof(*st));
	rc = tims_mlog_verify(p->log, records_sql, check_record, &c, report,
			      ctx, &ls, err);
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
	rc = post_verify_unlocked(p, report, ctx, st, err);
	post_unlock(p);
	return rc;
}
