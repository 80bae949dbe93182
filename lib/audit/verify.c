/*
 * verify.c — `tims audit verify`: what the audit log checks beyond its
 * Merkle log.
 *
 * tims_mlog_verify (lib/mlog/verify.c) rebuilds the tree from the leaf
 * entries and checks indexes, where each leaf is logged, the stored hashes,
 * every checkpoint and audit.checkpoint. For each event it calls back here
 * to check what only the audit log knows: the entry is an audit entry, the
 * event decodes (strictly: the encoder's own rules), its salted commitment
 * and time give exactly its stored entry, times never go back, and an
 * erased event kept no salt. Findings name the event ("event 7: ...").
 * Events are sealed: opening them needs the vault's token
 * (TIMS_ERR_UNAVAILABLE without it, and no finding).
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

enum { C_IDX, C_ENTRY, C_SALT, C_BODY };
static const char events_sql[] =
	"SELECT idx, entry, salt, body FROM events ORDER BY idx";

struct vctx {
	struct tims_audit_verify_stats *st;
	struct tims_audit *a;
	int64_t last_time;
	struct tims_buf plain;
};

#define finding tims_mlog_report

static int check_event(void *ctx, struct tims_mlog_check *v, uint64_t idx,
		       sqlite3_stmt *q)
{
	struct vctx *c = ctx;
	const uint8_t *entry = sqlite3_column_blob(q, C_ENTRY);
	size_t elen = (size_t)sqlite3_column_bytes(q, C_ENTRY);
	int64_t t = audit_entry_time(entry, elen);
	struct tims_audit_event ev;
	struct tims_err e;

	if (t == INT64_MIN) {
		finding(v, "event %" PRIu64 ": its leaf entry is malformed (altered)",
			idx);
		return 0;
	}
	if (t < c->last_time)
		finding(v, "event %" PRIu64 ": out of order: its time is "
			"earlier than event %" PRIu64 "'s", idx, idx - 1);
	c->last_time = t;
	if (sqlite3_column_type(q, C_BODY) == SQLITE_NULL) {
		c->st->erased++;
		if (sqlite3_column_type(q, C_SALT) != SQLITE_NULL)
			finding(v, "event %" PRIu64 ": erased, but its salt was kept",
				idx);
		return 1;
	}
	tims_buf_reset(&c->plain);
	if (audit_open_body(c->a, idx, sqlite3_column_blob(q, C_BODY),
			    (size_t)sqlite3_column_bytes(q, C_BODY), &c->plain, &e)) {
		if (e.rc == TIMS_ERR_TAMPER || e.rc == TIMS_ERR_INVALID)
			finding(v, "event %" PRIu64 ": its sealed event does not open "
				"(altered, or moved from another row)", idx);
		else
			finding(v, "%s", e.msg);
	} else if (tims_audit_event_decode(c->plain.buf, c->plain.len, &ev, &e)) {
		finding(v, "event %" PRIu64 ": does not decode (altered): %s",
			idx, e.msg);
	} else if (sqlite3_column_bytes(q, C_SALT) != TIMS_AUDIT_SALT_BYTES) {
		finding(v, "event %" PRIu64 ": salt missing or malformed (altered)",
			idx);
	} else {
		uint8_t again[TIMS_AUDIT_ENTRY_BYTES];

		tims_audit_entry(sqlite3_column_blob(q, C_SALT), c->plain.buf, c->plain.len,
				 ev.time_ms, again);
		if (memcmp(again, entry, sizeof(again)))
			finding(v, "event %" PRIu64 ": leaf hash does not match "
				"its event (altered)", idx);
	}
	return 1;
}

tims_rc tims_audit_verify(struct tims_audit *a,
			  void (*report)(void *ctx, const char *finding),
			  void *ctx, struct tims_audit_verify_stats *st,
			  struct tims_err *err)
{
	struct tims_mlog_verify_stats ls;
	struct vctx c = { st, a, INT64_MIN, TIMS_BUF_INIT(TIMS_AUDIT_MAX_BYTES) };
	tims_rc rc;

	memset(st, 0, sizeof(*st));
	if (tims_vault_state(a->vault) != TIMS_VAULT_OPEN)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "the events are sealed and the token is unavailable (%s)",
				    tims_vault_why(a->vault));
	audit_lock(a);
	rc = tims_mlog_verify(a->log, events_sql, check_event, &c, report, ctx,
			      &ls, err);
	audit_unlock(a);
	if (c.plain.buf)
		sodium_memzero(c.plain.buf, c.plain.alloc);
	tims_buf_release(&c.plain);
	st->events = ls.leaves;
	st->checkpoints = ls.checkpoints;
	st->findings = ls.findings;
	return rc;
}

tims_rc tims_audit_leaf_check(uint64_t index,
			      const uint8_t entry[TIMS_AUDIT_ENTRY_BYTES],
			      const uint8_t *salt, const void *body, size_t len,
			      struct tims_audit_event *ev, struct tims_err *err)
{
	int64_t t = audit_entry_time(entry, TIMS_AUDIT_ENTRY_BYTES);
	struct tims_audit_event tmp;
	uint8_t again[TIMS_AUDIT_ENTRY_BYTES];
	struct tims_err e;

	if (t == INT64_MIN || t < 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "event %" PRIu64 ": not a version %d audit entry",
				    index, TIMS_AUDIT_VERSION);
	if (!salt != !body)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "event %" PRIu64 ": an event without its salt, or a "
				    "salt without its event", index);
	if (!body)
		return TIMS_OK; /* erased by retention: the entry is all there is */
	if (!ev)
		ev = &tmp;
	if (tims_audit_event_decode(body, len, ev, &e))
		return tims_err_set(err, TIMS_ERR_INVALID, "event %" PRIu64 ": %s",
				    index, e.msg);
	if (ev->time_ms != t)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "event %" PRIu64 ": its time is not its entry's", index);
	tims_audit_entry(salt, body, len, t, again);
	if (memcmp(again, entry, sizeof(again)) != 0)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "event %" PRIu64 ": does not match its entry (altered)",
				    index);
	return TIMS_OK;
}
