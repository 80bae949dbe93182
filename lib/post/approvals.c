/*
 * approvals.c — two-person approval requests, in a table of post.db beside
 * the log (see include/tims/approval.h).
 *
 * Created by the first writer that needs it, so an older post.db opens
 * unchanged. A request's records are kept as their canonical encodings
 * (each a 4-byte big-endian length and the bytes): the typed record goes
 * in and comes out, no JSON in between. They name travellers: the column
 * holds them sealed by the post's vault ("post.approvals/ID").
 */
#include <sodium.h>

#include "tims/approval.h"
#include "tims/util.h"
#include "internal.h"

static const char approval_schema[] =
	"CREATE TABLE IF NOT EXISTS approvals ("
	" id TEXT PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" submitter TEXT NOT NULL,"
	" booth TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL,"
	" approver TEXT,"              /* NULL while pending */
	" decided_ms INTEGER,"
	" first_index INTEGER,"
	" nrecords INTEGER NOT NULL,"
	" records BLOB NOT NULL);"
	"CREATE TRIGGER IF NOT EXISTS approvals_no_delete BEFORE DELETE ON approvals BEGIN"
	" SELECT RAISE(ABORT, 'approval requests are kept'); END;"
	"CREATE TRIGGER IF NOT EXISTS approvals_once BEFORE UPDATE ON approvals"
	" WHEN OLD.approver IS NOT NULL OR NEW.records IS NOT OLD.records"
	" OR NEW.submitter IS NOT OLD.submitter OR NEW.kind IS NOT OLD.kind BEGIN"
	" SELECT RAISE(ABORT, 'an approval request is decided once'); END;";

const char *tims_approval_kind_name(unsigned kind)
{
	switch (kind) {
	case TIMS_APPROVAL_IDENTITY_CHANGE: return "identity-change";
	case TIMS_APPROVAL_PAPER_IMPORT: return "paper-import";
	}
	return "?";
}

const char *tims_approval_state_name(const struct tims_approval *a, int64_t now_ms)
{
	if (a->state == TIMS_APPROVAL_APPROVED)
		return "approved";
	return now_ms >= a->expires_ms ? "expired" : "pending";
}

static tims_rc ensure_schema(struct tims_post *p, struct tims_err *err)
{
	if (!p->has_signer)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: approvals need the post open for writing",
				    p->dir);
	if (sqlite3_exec(p->db, approval_schema, NULL, NULL, NULL) != SQLITE_OK)
		return post_db_err(p, "creating the approvals tables", err);
	return TIMS_OK;
}

static tims_rc prepare(struct tims_post *p, const char *sql, sqlite3_stmt **st,
		       struct tims_err *err)
{
	if (sqlite3_prepare_v2(p->db, sql, -1, st, NULL) != SQLITE_OK) {
		/* A post.db that never had a request: nothing there. */
		if (strstr(sqlite3_errmsg(p->db), "no such table"))
			return tims_err_set(err, TIMS_ERR_NOTFOUND, "no approval requests at this post");
		return post_db_err(p, sql, err);
	}
	return TIMS_OK;
}

static void put_u32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static tims_rc encode_all(const struct tims_record *recs, size_t n, struct tims_buf *out,
			  struct tims_err *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t at = out->len;
		uint8_t len[4] = { 0 };
		tims_rc rc;

		if ((rc = tims_buf_add(out, len, 4)))
			return tims_err_set(err, rc, "approval: records too large");
		if ((rc = tims_record_encode(&recs[i], out, err))) {
			char msg[TIMS_ERR_MSG_BYTES];

			snprintf(msg, sizeof(msg), "%s", tims_err_msg(err));
			return tims_err_set(err, rc, "record %zu: %s", i, msg);
		}
		put_u32((uint8_t *)out->buf + at, (uint32_t)(out->len - at - 4));
	}
	return TIMS_OK;
}

static tims_rc decode_all(const uint8_t *b, size_t len, size_t n, struct tims_record **out,
			  struct tims_err *err)
{
	struct tims_record *recs = calloc(n ? n : 1, sizeof(*recs));
	size_t pos = 0, i;

	if (!recs)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		uint32_t l;

		if (len - pos < 4 || (l = get_u32(b + pos)) > len - pos - 4)
			break;
		if (tims_record_decode(b + pos + 4, l, &recs[i], err)) {
			free(recs);
			return tims_err_set(err, TIMS_ERR_TAMPER, "approval: record %zu does not decode", i);
		}
		pos += 4 + l;
	}
	if (i != n || pos != len) {
		free(recs);
		return tims_err_set(err, TIMS_ERR_TAMPER, "approval: records do not match their count");
	}
	*out = recs;
	return TIMS_OK;
}

static void copy_text(char *dst, size_t cap, const unsigned char *s)
{
	snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

#define COLS "id, kind, submitter, booth, reason, created_ms, expires_ms, approver," \
	     " decided_ms, first_index, nrecords, records"

static void row_to(sqlite3_stmt *st, struct tims_approval *a)
{
	memset(a, 0, sizeof(*a));
	copy_text(a->id, sizeof(a->id), sqlite3_column_text(st, 0));
	a->kind = (uint8_t)sqlite3_column_int(st, 1);
	copy_text(a->submitter, sizeof(a->submitter), sqlite3_column_text(st, 2));
	copy_text(a->booth, sizeof(a->booth), sqlite3_column_text(st, 3));
	copy_text(a->reason, sizeof(a->reason), sqlite3_column_text(st, 4));
	a->created_ms = sqlite3_column_int64(st, 5);
	a->expires_ms = sqlite3_column_int64(st, 6);
	a->state = sqlite3_column_type(st, 7) == SQLITE_NULL ? TIMS_APPROVAL_PENDING
							     : TIMS_APPROVAL_APPROVED;
	copy_text(a->approver, sizeof(a->approver), sqlite3_column_text(st, 7));
	a->decided_ms = sqlite3_column_int64(st, 8);
	a->first_index = sqlite3_column_type(st, 9) == SQLITE_NULL
				 ? TIMS_RECORD_NO_INDEX : (uint64_t)sqlite3_column_int64(st, 9);
	a->nrecords = (size_t)sqlite3_column_int64(st, 10);
}

static tims_rc approval_submit_unlocked(struct tims_post *p, struct tims_approval *a,
			     const struct tims_record *recs, size_t n, struct tims_err *err)
{
	struct tims_buf body = TIMS_BUF_INIT(TIMS_APPROVAL_MAX_RECORDS * (size_t)TIMS_RECORD_MAX_BYTES);
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_APPROVAL_MAX_RECORDS * (size_t)TIMS_RECORD_MAX_BYTES +
					       TIMS_VAULT_OVERHEAD);
	char ad[80];
	uint8_t raw[16];
	sqlite3_stmt *st = NULL;
	int committed = 0;
	tims_rc rc;

	if (n == 0 || n > TIMS_APPROVAL_MAX_RECORDS)
		return tims_err_set(err, TIMS_ERR_INVALID, "records: 1 to %d in one request",
				    TIMS_APPROVAL_MAX_RECORDS);
	if (a->kind != TIMS_APPROVAL_IDENTITY_CHANGE && a->kind != TIMS_APPROVAL_PAPER_IMPORT)
		return tims_err_set(err, TIMS_ERR_INVALID, "kind: unknown");
	if (!a->submitter[0] || !a->reason[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: required",
				    a->submitter[0] ? "reason" : "submitter");
	if (a->expires_ms <= a->created_ms)
		return tims_err_set(err, TIMS_ERR_INVALID, "expires: must be after created");
	if ((rc = ensure_schema(p, err)) || (rc = encode_all(recs, n, &body, err)))
		goto out;
	randombytes_buf(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(a->id + 2 * i, 3, "%02x", raw[i]);
	a->state = TIMS_APPROVAL_PENDING;
	a->approver[0] = '\0';
	a->decided_ms = 0;
	a->first_index = TIMS_RECORD_NO_INDEX;
	a->nrecords = n;
	snprintf(ad, sizeof(ad), "post.approvals/%s", a->id);
	if ((rc = tims_vault_seal(p->vault, a->created_ms, ad, strlen(ad), body.buf, body.len,
				  &sealed, err)))
		goto out;
	if ((rc = prepare(p, "INSERT INTO approvals (id, kind, submitter, booth, reason,"
			  " created_ms, expires_ms, nrecords, records)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st, err)) ||
	    (rc = tims_mlog_begin(p->log, err)))
		goto out;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, a->kind);
	sqlite3_bind_text(st, 3, a->submitter, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->booth, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, a->created_ms);
	sqlite3_bind_int64(st, 7, a->expires_ms);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)n);
	sqlite3_bind_blob(st, 9, sealed.buf, (int)sealed.len, SQLITE_STATIC);
	if ((rc = tims_mlog_step(p->log, st, "storing an approval request", err)) ||
	    (rc = tims_mlog_commit(p->log, &committed, err))) {
		if (!committed)
			tims_mlog_rollback(p->log);
	}
out:
	sqlite3_finalize(st);
	if (body.buf)
		sodium_memzero(body.buf, body.alloc);
	tims_buf_release(&body);
	tims_buf_release(&sealed);
	return rc;
}

static tims_rc approval_get_unlocked(struct tims_post *p, const char *id, struct tims_approval *a,
			  struct tims_record **recs, size_t *n, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int s;

	if (recs)
		*recs = NULL;
	if (n)
		*n = 0;
	if ((rc = prepare(p, "SELECT " COLS " FROM approvals WHERE id = ?1", &st, err)))
		return rc == TIMS_ERR_NOTFOUND
			       ? tims_err_set(err, rc, "approval %.40s: no such request", id) : rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "approval %.40s: no such request", id);
	} else if (s != SQLITE_ROW) {
		rc = post_db_err(p, "reading an approval request", err);
	} else {
		row_to(st, a);
		if (recs) {
			struct tims_buf plain = TIMS_BUF_INIT(TIMS_APPROVAL_MAX_RECORDS *
							      (size_t)TIMS_RECORD_MAX_BYTES);
			char ad[80];

			snprintf(ad, sizeof(ad), "post.approvals/%s", a->id);
			rc = tims_vault_open_blob(p->vault, ad, strlen(ad), sqlite3_column_blob(st, 11),
						  (size_t)sqlite3_column_bytes(st, 11), &plain, err);
			if (!rc && (rc = decode_all((const uint8_t *)plain.buf, plain.len, a->nrecords, recs,
						    err)) == TIMS_OK && n)
				*n = a->nrecords;
			if (plain.buf)
				sodium_memzero(plain.buf, plain.alloc);
			tims_buf_release(&plain);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static tims_rc approval_approve_unlocked(struct tims_post *p, const char *id, const char *approver,
			      int64_t now_ms, struct tims_approval *a,
			      struct tims_post_ack **acks, struct tims_err *err)
{
	struct tims_record *recs = NULL;
	struct tims_post_ack *ak = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t first = TIMS_RECORD_NO_INDEX;
	size_t n = 0;
	int committed = 0;
	tims_rc rc;

	*acks = NULL;
	if (!approver || !*approver)
		return tims_err_set(err, TIMS_ERR_INVALID, "approver: required");
	if ((rc = ensure_schema(p, err)) || (rc = tims_approval_get(p, id, a, &recs, &n, err)))
		return rc;
	if (!strcmp(a->submitter, approver)) {
		rc = tims_err_set(err, TIMS_ERR_DENIED, "approval %s: submitted by %s, who may not "
				  "approve it; a second person must", a->id, a->submitter);
		goto out;
	}
	if (a->state == TIMS_APPROVAL_APPROVED) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "approval %s: already approved by %s",
				  a->id, a->approver);
		goto out;
	}
	if (now_ms >= a->expires_ms) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "approval %s: expired; submit it again",
				  a->id);
		goto out;
	}
	if (!(ak = calloc(n, sizeof(*ak)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The ids make a retried approval (a crash between the append and
	 * the request's update) a duplicate, not a second copy. */
	for (size_t i = 0; i < n; i++) {
		snprintf(recs[i].approver, sizeof(recs[i].approver), "%s", approver);
		snprintf(recs[i].ref, sizeof(recs[i].ref), "appr-%s-%zu", a->id, i);
	}
	for (size_t i = 0; i < n; i += TIMS_POST_MAX_BATCH) {
		size_t k = n - i < TIMS_POST_MAX_BATCH ? n - i : TIMS_POST_MAX_BATCH;

		if ((rc = tims_post_append(p, recs + i, k, ak + i, err)))
			goto out;
	}
	for (size_t i = 0; i < n && first == TIMS_RECORD_NO_INDEX; i++)
		if (!ak[i].rc)
			first = ak[i].index;
	if ((rc = prepare(p, "UPDATE approvals SET approver = ?2, decided_ms = ?3, first_index = ?4"
			  " WHERE id = ?1 AND approver IS NULL", &st, err)) ||
	    (rc = tims_mlog_begin(p->log, err)))
		goto out;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, approver, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	if (first == TIMS_RECORD_NO_INDEX)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int64(st, 4, (sqlite3_int64)first);
	if ((rc = tims_mlog_step(p->log, st, "approving a request", err)) ||
	    (rc = tims_mlog_commit(p->log, &committed, err))) {
		if (!committed)
			tims_mlog_rollback(p->log);
		goto out;
	}
	a->state = TIMS_APPROVAL_APPROVED;
	snprintf(a->approver, sizeof(a->approver), "%s", approver);
	a->decided_ms = now_ms;
	a->first_index = first;
	*acks = ak;
	ak = NULL;
out:
	sqlite3_finalize(st);
	free(ak);
	free(recs);
	return rc;
}

static tims_rc approval_list_unlocked(struct tims_post *p, int64_t since_ms, size_t max,
			   tims_approval_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_approval a;
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int s;

	if ((rc = prepare(p, "SELECT " COLS " FROM approvals WHERE created_ms >= ?1"
			  " ORDER BY created_ms DESC, id LIMIT ?2", &st, err)))
		return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		row_to(st, &a);
		if ((rc = fn(ctx, &a)))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = post_db_err(p, "listing approval requests", err);
	sqlite3_finalize(st);
	return rc;
}

/* The public calls take the post handle's own (recursive) lock: the
 * approvals share post.db's writer with the group commit. */
tims_rc tims_approval_submit(struct tims_post *p, struct tims_approval *a,
			     const struct tims_record *recs, size_t n, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = approval_submit_unlocked(p, a, recs, n, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_approval_get(struct tims_post *p, const char *id, struct tims_approval *a,
			  struct tims_record **recs, size_t *n, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = approval_get_unlocked(p, id, a, recs, n, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_approval_approve(struct tims_post *p, const char *id, const char *approver,
			      int64_t now_ms, struct tims_approval *a,
			      struct tims_post_ack **acks, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = approval_approve_unlocked(p, id, approver, now_ms, a, acks, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_approval_list(struct tims_post *p, int64_t since_ms, size_t max,
			   tims_approval_fn fn, void *ctx, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = approval_list_unlocked(p, since_ms, max, fn, ctx, err);
	post_unlock(p);
	return rc;
}
