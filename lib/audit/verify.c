/*
 * verify.c — reading the audit log back: listing events for auditors,
 * retention erasure, and verification that recomputes every leaf, every
 * stored hash and every checkpoint and names what does not match.
 */
#include "audit_int.h"

tims_rc tims_audit_list(struct tims_audit *a, uint64_t from, uint64_t count,
			tims_audit_event_fn fn, void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int s;

	if (sqlite3_prepare_v2(a->db, "SELECT idx, body, entry FROM events WHERE idx >= ?"
			       " ORDER BY idx LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "audit log: %s", sqlite3_errmsg(a->db));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(count > INT64_MAX ? INT64_MAX : count));
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_audit_event ev;
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		const void *body = sqlite3_column_blob(st, 1);

		if (body) {
			rc = audit_decode(body, (size_t)sqlite3_column_bytes(st, 1), &ev, err);
			if (rc) {
				tims_err_set(err, rc, "audit event %" PRIu64 ": %s", idx, err ? err->msg : "");
				break;
			}
		} else {
			const uint8_t *e = sqlite3_column_blob(st, 2);

			memset(&ev, 0, sizeof(ev));
			snprintf(ev.action, sizeof(ev.action), "erased");
			ev.crossing = -1;
			if (e && sqlite3_column_bytes(st, 2) == AUDIT_ENTRY_BYTES)
				for (int i = 0; i < 8; i++)
					ev.time_ms = ev.time_ms << 8 | e[2 + i];
		}
		rc = fn(ctx, idx, &ev);
	}
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_audit_erase(struct tims_audit *a, uint64_t index, struct tims_err *err)
{
	sqlite3_stmt *st;
	int s;

	if (sqlite3_prepare_v2(a->db, "UPDATE events SET salt = NULL, body = NULL WHERE idx = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "audit log: %s", sqlite3_errmsg(a->db));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return tims_err_set(err, TIMS_ERR_DB, "audit log: erase: %s", sqlite3_errmsg(a->db));
	if (sqlite3_changes(a->db) == 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "audit event %" PRIu64 ": none", index);
	return TIMS_OK;
}

struct vstate {
	struct tims_audit *a;
	void (*report)(void *ctx, const char *finding);
	void *ctx;
	struct tims_audit_verify_stats *st;
};

__attribute__((format(printf, 2, 3)))
static void finding(struct vstate *v, const char *fmt, ...)
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

/* Every event: its leaf entry from its payload, in order, no gaps. */
static tims_rc check_events(struct vstate *v, struct tims_tlog_mem *mem, struct tims_err *err)
{
	sqlite3_stmt *st;
	uint64_t expect = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(v->a->db, "SELECT idx, salt, body, entry FROM events ORDER BY idx",
			       -1, &st, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "audit log: %s", sqlite3_errmsg(v->a->db));
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		const uint8_t *salt = sqlite3_column_blob(st, 1), *entry = sqlite3_column_blob(st, 3);
		const void *body = sqlite3_column_blob(st, 2);
		uint8_t want[AUDIT_ENTRY_BYTES];
		tims_hash leaf;

		for (; expect < idx; expect++)
			finding(v, "audit event %" PRIu64 " missing: the log goes from %" PRIu64
				" to %" PRIu64 " (deleted)", expect, expect ? expect - 1 : 0, idx);
		expect = idx + 1;
		v->st->events++;
		if (!entry || sqlite3_column_bytes(st, 3) != AUDIT_ENTRY_BYTES) {
			finding(v, "audit event %" PRIu64 ": leaf entry malformed", idx);
			continue;
		}
		if (!salt && !body) {
			v->st->erased++;
		} else if (!salt || !body || sqlite3_column_bytes(st, 1) != AUDIT_SALT_BYTES) {
			finding(v, "audit event %" PRIu64 ": payload half erased", idx);
		} else {
			struct tims_audit_event ev;

			audit_entry(salt, body, (size_t)sqlite3_column_bytes(st, 2),
				    (int64_t)(((uint64_t)entry[2] << 56) | ((uint64_t)entry[3] << 48) |
					      ((uint64_t)entry[4] << 40) | ((uint64_t)entry[5] << 32) |
					      ((uint64_t)entry[6] << 24) | ((uint64_t)entry[7] << 16) |
					      ((uint64_t)entry[8] << 8) | entry[9]), want);
			if (memcmp(want, entry, AUDIT_ENTRY_BYTES) ||
			    audit_decode(body, (size_t)sqlite3_column_bytes(st, 2), &ev, NULL))
				finding(v, "audit event %" PRIu64 ": does not match its leaf (altered)", idx);
		}
		tims_tlog_leaf_hash(entry, AUDIT_ENTRY_BYTES, leaf);
		rc = tims_tlog_mem_append(mem, leaf, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Stored hashes against the recomputed ones. */
static void check_hashes(struct vstate *v, struct tims_tlog_mem *mem)
{
	sqlite3_stmt *st;
	uint64_t bad = 0;

	if (sqlite3_prepare_v2(v->a->db, "SELECT id, hash FROM hashes ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);

		if (id >= mem->nhashes || sqlite3_column_bytes(st, 1) != TIMS_HASH_BYTES ||
		    memcmp(sqlite3_column_blob(st, 1), mem->hashes[id], TIMS_HASH_BYTES))
			if (bad++ < 8)
				finding(v, "stored hash %" PRIu64 ": does not match the events", id);
	}
	sqlite3_finalize(st);
	if (bad > 8)
		finding(v, "%" PRIu64 " more stored hashes do not match", bad - 8);
}

static void check_one_checkpoint(struct vstate *v, struct tims_tlog_mem *mem,
				 struct tims_tlog_reader *r, const char *note, size_t len,
				 const char *where, uint64_t *signed_size)
{
	struct tims_note pn;
	struct tims_checkpoint cp;
	tims_hash root;
	struct tims_err e;

	if (tims_note_verify(note, len, &v->a->verifier, 1, &pn, &e) ||
	    tims_checkpoint_parse(pn.text, pn.textlen, &cp, &e)) {
		finding(v, "%s: %s", where, e.msg);
		return;
	}
	if (strcmp(cp.origin, v->a->origin))
		finding(v, "%s: origin %s, expected %s", where, cp.origin, v->a->origin);
	if (cp.size > mem->size) {
		finding(v, "%s signs %" PRIu64 " events but %" PRIu64 " are stored"
			" (deleted or rolled back)", where, cp.size, mem->size);
	} else if (tims_tlog_tree_hash(cp.size, r, root, &e) ||
		   sodium_memcmp(root, cp.root, TIMS_HASH_BYTES)) {
		finding(v, "%s: root of %" PRIu64 " events does not match the events", where, cp.size);
	}
	if (cp.size > *signed_size)
		*signed_size = cp.size;
}

tims_rc tims_audit_verify(struct tims_audit *a,
			  void (*report)(void *ctx, const char *finding),
			  void *ctx, struct tims_audit_verify_stats *st,
			  struct tims_err *err)
{
	struct tims_audit_verify_stats local;
	struct vstate v = { a, report, ctx, st ? st : &local };
	struct tims_tlog_mem mem;
	struct tims_tlog_reader r;
	struct tims_checkpoint ocp;
	sqlite3_stmt *q;
	uint64_t signed_size = 0;
	int have;
	tims_rc rc;

	memset(v.st, 0, sizeof(*v.st));
	tims_tlog_mem_init(&mem, TIMS_TLOG_MAX_LEAVES);
	if ((rc = check_events(&v, &mem, err)))
		goto out;
	check_hashes(&v, &mem);
	tims_tlog_mem_reader(&mem, &r);
	if (sqlite3_prepare_v2(a->db, "SELECT size, note FROM checkpoints ORDER BY size", -1, &q,
			       NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "audit log: %s", sqlite3_errmsg(a->db));
		goto out;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		char where[64];
		const char *note = (const char *)sqlite3_column_text(q, 1);

		snprintf(where, sizeof(where), "audit checkpoint %" PRIu64,
			 (uint64_t)sqlite3_column_int64(q, 0));
		v.st->checkpoints++;
		check_one_checkpoint(&v, &mem, &r, note ? note : "",
				     (size_t)sqlite3_column_bytes(q, 1), where, &signed_size);
	}
	sqlite3_finalize(q);
	if (v.st->checkpoints == 0 && mem.size > 0)
		finding(&v, "no audit checkpoint: %" PRIu64 " events were never signed", mem.size);
	/* The copy outside the database catches a rolled-back audit.db. */
	if (audit_outside(a, &ocp, &have, NULL) == TIMS_OK && have && ocp.size > mem.size)
		finding(&v, "audit.checkpoint signs %" PRIu64 " events but %" PRIu64
			" are stored (deleted or rolled back)", ocp.size, mem.size);
	rc = v.st->findings ? tims_err_set(err, TIMS_ERR_TAMPER, "audit log: %" PRIu64
					   " findings", v.st->findings) : TIMS_OK;
out:
	tims_tlog_mem_release(&mem);
	return rc;
}
