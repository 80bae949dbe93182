/*
 * sync.c — what a post gives to and takes from the network (tims/sync.h):
 * raw log positions for the centre's mirror, restore from that mirror, and
 * the cosignatures the post keeps for its checkpoints.
 *
 * A raw position is the leaf entry plus, unless erased, the salt and the
 * canonical record. Whoever receives one checks it against itself
 * (tims_post_raw_check) before trusting its leaf hash; the tree and the
 * signed checkpoint then bind the leaf hashes.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

static const char cosig_schema[] =
	"CREATE TABLE IF NOT EXISTS cosigned ("
	" cosigner TEXT NOT NULL, size INTEGER NOT NULL, note TEXT NOT NULL,"
	" received_ms INTEGER NOT NULL, PRIMARY KEY (cosigner, size));";

tims_rc tims_post_raw_check(const struct tims_post_raw *r,
			    struct tims_record *rec, struct tims_err *err)
{
	uint8_t want[TIMS_RECORD_ENTRY_BYTES];
	struct tims_record *tmp = NULL;
	struct tims_err e;
	int64_t t = tims_record_entry_time(r->entry);
	tims_rc rc;

	if (r->entry[0] != TIMS_RECORD_ENTRY_VERSION ||
	    r->entry[1] != TIMS_RECORD_KIND_CROSSING || t == INT64_MIN || t < 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record %" PRIu64 ": not a version %d crossing entry",
				    r->index, TIMS_RECORD_ENTRY_VERSION);
	if (!r->body != !r->salt)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "record %" PRIu64 ": a record without its salt, or a salt without its record",
				    r->index);
	if (!r->body)
		return TIMS_OK; /* erased by retention: the entry is all there is */
	if (!rec) {
		if (!(tmp = malloc(sizeof(*tmp))))
			return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		rec = tmp;
	}
	if ((rc = tims_record_decode(r->body, r->body_len, rec, &e))) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "record %" PRIu64 ": %s",
				  r->index, e.msg);
		goto out;
	}
	if (rec->time_ms != t) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER,
				  "record %" PRIu64 ": its time is not its entry's",
				  r->index);
		goto out;
	}
	tims_record_entry(r->salt, r->body, r->body_len, t, want);
	if (sodium_memcmp(want, r->entry, sizeof(want)) != 0)
		rc = tims_err_set(err, TIMS_ERR_TAMPER,
				  "record %" PRIu64 ": does not match its entry (altered)",
				  r->index);
out:
	free(tmp);
	return rc;
}

tims_rc tims_post_raw_rows(sqlite3_stmt *st, uint64_t from, const char *what,
			   tims_post_raw_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_post_raw r;
	tims_rc rc = TIMS_OK;
	int s;

	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.index = (uint64_t)sqlite3_column_int64(st, 0);
		if (r.index != from)
			return tims_err_set(err, TIMS_ERR_TAMPER, "%s: record %" PRIu64 " is missing",
					    what, from);
		if (sqlite3_column_bytes(st, 1) != TIMS_RECORD_ENTRY_BYTES)
			return tims_err_set(err, TIMS_ERR_TAMPER,
					    "%s: record %" PRIu64 ": stored entry has the wrong size",
					    what, r.index);
		memcpy(r.entry, sqlite3_column_blob(st, 1), sizeof(r.entry));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			if (sqlite3_column_bytes(st, 2) != TIMS_RECORD_SALT_BYTES)
				return tims_err_set(err, TIMS_ERR_TAMPER,
						    "%s: record %" PRIu64 ": stored salt has the "
						    "wrong size", what, r.index);
			r.salt = sqlite3_column_blob(st, 2);
			r.body = sqlite3_column_blob(st, 3);
			r.body_len = (size_t)sqlite3_column_bytes(st, 3);
		}
		from++;
		if ((rc = fn(ctx, &r)))
			return rc;
	}
	if (s != SQLITE_DONE)
		return tims_err_set(err, TIMS_ERR_DB, "%s: reading records: %s", what,
				    sqlite3_errmsg(sqlite3_db_handle(st)));
	return TIMS_OK;
}

/* post.db keeps bodies sealed: a raw position travels with its record in
 * clear (inside TLS; the centre seals it in its own stores). */
struct unseal {
	struct tims_post *p;
	tims_post_raw_fn fn;
	void *ctx;
	struct tims_buf plain;
	struct tims_err *err;
};

static tims_rc unseal_row(void *ctx, const struct tims_post_raw *r)
{
	struct unseal *u = ctx;
	struct tims_post_raw clear = *r;
	tims_rc rc;

	if (!r->body)
		return u->fn(u->ctx, r);
	tims_buf_reset(&u->plain);
	if ((rc = post_open_body(u->p, r->index, r->body, r->body_len, &u->plain, u->err)))
		return rc;
	clear.body = (const uint8_t *)u->plain.buf;
	clear.body_len = u->plain.len;
	return u->fn(u->ctx, &clear);
}

static tims_rc post_export_unlocked(struct tims_post *p, uint64_t from, uint64_t count,
			 tims_post_raw_fn fn, void *ctx, struct tims_err *err)
{
	struct unseal u = { p, fn, ctx, TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES), err };
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (from > INT64_MAX || count > INT64_MAX - from)
		return tims_err_set(err, TIMS_ERR_INVALID, "export: range too large");
	if (sqlite3_prepare_v2(p->db,
			       "SELECT idx, entry, salt, body FROM records"
			       " WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
			       -1, &st, NULL) != SQLITE_OK)
		return post_db_err(p, "reading records", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(from + count));
	/* One statement: a consistent view while appends go on. */
	rc = tims_post_raw_rows(st, from, "post.db", unseal_row, &u, err);
	sqlite3_finalize(st);
	if (u.plain.buf)
		sodium_memzero(u.plain.buf, u.plain.alloc);
	tims_buf_release(&u.plain);
	return rc;
}

static tims_rc post_import_unlocked(struct tims_post *p, const struct tims_post_raw *raw,
			 size_t n, const char *note, size_t note_len,
			 struct tims_err *err)
{
	struct tims_record *rec = malloc(sizeof(*rec));
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES + TIMS_VAULT_OVERHEAD);
	sqlite3_stmt *st = p->st[ST_INS_REC];
	char doc[TIMS_VAULT_BLIND_HEX];
	uint64_t size;
	int committed;
	tims_hash leaf;
	tims_rc rc;

	if (!rec)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_mlog_begin(p->log, err))) {
		free(rec);
		return rc;
	}
	if ((rc = tims_mlog_size(p->log, &size, err)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct tims_post_raw *r = &raw[i];

		if (r->index != size) {
			rc = tims_err_set(err, TIMS_ERR_STATE,
					  "record %" PRIu64 ": the log holds %" PRIu64
					  " records, want the next one", r->index, size);
			goto fail;
		}
		if ((rc = tims_post_raw_check(r, rec, err)))
			goto fail;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)r->index);
		sqlite3_bind_int64(st, 4, tims_record_entry_time(r->entry));
		/* an erased record: its direction and decision are gone too */
		sqlite3_bind_int(st, 5, 0);
		sqlite3_bind_int(st, 6, 0);
		if (r->body) {
			tims_rc irc;

			tims_buf_reset(&sealed);
			if ((rc = post_seal_body(p, r->index, rec->time_ms, r->body, r->body_len,
						 &sealed, err)))
				goto fail;
			irc = post_doc_index(p, rec->person.doc_number, doc, NULL);
			if (irc && irc != TIMS_ERR_UNAVAILABLE) {
				rc = tims_err_set(err, irc, "record %" PRIu64 ": blind index failed",
						  r->index);
				goto fail;
			}
			if (rec->ref[0])
				sqlite3_bind_text(st, 2, rec->ref, -1, SQLITE_STATIC);
			if (!irc)
				sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 5, rec->direction);
			sqlite3_bind_int(st, 6, rec->decision);
			sqlite3_bind_blob(st, 7, r->salt, TIMS_RECORD_SALT_BYTES, SQLITE_STATIC);
			sqlite3_bind_blob(st, 8, sealed.buf, (int)sealed.len, SQLITE_STATIC);
			if (rec->corrects != TIMS_RECORD_NO_INDEX)
				sqlite3_bind_int64(st, 10, (sqlite3_int64)rec->corrects);
		}
		sqlite3_bind_blob(st, 9, r->entry, TIMS_RECORD_ENTRY_BYTES, SQLITE_STATIC);
		if ((rc = post_exec(p, ST_INS_REC, "restoring a record", err)) ||
		    (r->body && (rc = post_names_store(p, r->index, rec, err))))
			goto fail;
		tims_tlog_leaf_hash(r->entry, TIMS_RECORD_ENTRY_BYTES, leaf);
		if ((rc = tims_mlog_add(p->log, size, leaf, err)))
			goto fail;
		size++;
	}
	if (note && (rc = tims_mlog_adopt(p->log, note, note_len, err)))
		goto fail;
	rc = tims_mlog_commit(p->log, &committed, err);
	if (!committed)
		goto fail;
	tims_buf_release(&sealed);
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	return rc;
fail:
	tims_mlog_rollback(p->log);
	tims_buf_release(&sealed);
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	return rc;
}

static tims_rc cosig_table(struct tims_post *p, struct tims_err *err)
{
	if (sqlite3_exec(p->db, cosig_schema, NULL, NULL, NULL) != SQLITE_OK)
		return post_db_err(p, "creating the cosigned table", err);
	return TIMS_OK;
}

static tims_rc post_keep_cosigned_unlocked(struct tims_post *p, const char *cosigner,
				uint64_t size, const char *note, size_t len,
				struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (size > INT64_MAX || len > TIMS_NOTE_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "cosigned checkpoint: too large");
	if ((rc = cosig_table(p, err)))
		return rc;
	if (sqlite3_prepare_v2(p->db,
			       "INSERT INTO cosigned (cosigner, size, note, received_ms)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (cosigner, size) DO UPDATE"
			       " SET note = excluded.note, received_ms = excluded.received_ms",
			       -1, &st,
			       NULL) != SQLITE_OK)
		return post_db_err(p, "keeping a cosignature", err);
	sqlite3_bind_text(st, 1, cosigner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_text(st, 3, note, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, tims_mlog_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK
					     : post_db_err(p, "keeping a cosignature", err);
	sqlite3_finalize(st);
	return rc;
}

static tims_rc post_cosigned_unlocked(struct tims_post *p, const char *cosigner,
			   uint64_t *size, struct tims_buf *note,
			   struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	*size = 0;
	if (sqlite3_prepare_v2(p->db,
			       "SELECT size, note FROM cosigned WHERE cosigner = ?1"
			       " ORDER BY size DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		/* A post that never received a cosignature has no table. */
		if (strstr(sqlite3_errmsg(p->db), "no such table"))
			return TIMS_OK;
		return post_db_err(p, "reading cosignatures", err);
	}
	sqlite3_bind_text(st, 1, cosigner, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(st, 0);
		if (note && tims_buf_add(note, sqlite3_column_text(st, 1),
					 (size_t)sqlite3_column_bytes(st, 1)))
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "cosigned checkpoint: too large");
	} else if (s != SQLITE_DONE) {
		rc = post_db_err(p, "reading cosignatures", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- the public entry points hold the post's lock (internal.h) ---- */

tims_rc tims_post_export(struct tims_post *p, uint64_t from, uint64_t count,
		tims_post_raw_fn fn, void *ctx, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_export_unlocked(p, from, count, fn, ctx, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_import(struct tims_post *p, const struct tims_post_raw *raw,
		size_t n, const char *note, size_t note_len,
		struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_import_unlocked(p, raw, n, note, note_len, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_keep_cosigned(struct tims_post *p, const char *cosigner,
		uint64_t size, const char *note, size_t len,
		struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_keep_cosigned_unlocked(p, cosigner, size, note, len, err);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_cosigned(struct tims_post *p, const char *cosigner,
		uint64_t *size, struct tims_buf *note, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_cosigned_unlocked(p, cosigner, size, note, err);
	post_unlock(p);
	return rc;
}
