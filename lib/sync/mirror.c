/*
 * mirror.c — a verified copy of one post's log (tims/sync.h), as the
 * centre keeps one per enrolled post.
 *
 * It is a tims_mlog (lib/mlog) without a signer: the leaf table "entries"
 * holds each position's entry, salt and record; the stored hashes are
 * computed here; the checkpoints table holds the post-signed checkpoints
 * the mirror has verified in full (tims_mlog_adopt), and "cosigs" the
 * cosignatures the centre gave for them. A batch goes in only after the
 * checks of tims_sync_mirror_apply, in one transaction.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

#define MIRROR_SCHEMA_VERSION 1

static const char schema[] =
	"CREATE TABLE entries (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL,"
	" salt BLOB, body BLOB);"
	"CREATE TABLE cosigs (size INTEGER NOT NULL, line TEXT NOT NULL,"
	" given_ms INTEGER NOT NULL, PRIMARY KEY (size, line));"
	"CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN"
	" SELECT RAISE(ABORT, 'the mirror is append-only'); END;"
	"CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
	" AND NEW.salt IS NULL AND NEW.body IS NULL) BEGIN"
	" SELECT RAISE(ABORT, 'the mirror is append-only'); END;";

struct tims_sync_mirror {
	struct tims_mlog *log;
	sqlite3 *db;
	sqlite3_stmt *ins;
	struct tims_verifier key;
	char label[TIMS_MLOG_PATH_MAX];
};

tims_rc tims_sync_mirror_open(const char *db_path, const char *cp_path,
			      const struct tims_verifier *key,
			      struct tims_sync_mirror **out,
			      struct tims_err *err)
{
	struct tims_sync_mirror *m = calloc(1, sizeof(*m));
	struct tims_mlog_config c = {
		.db_path = db_path, .db_name = "mirror",
		.prefix = "", .leaf_table = "entries",
		.noun = "record", .nouns = "records", .a_noun = "a record",
		.owner = "mirror", .verify_command = "tims centre verify",
		.schema = schema, .schema_version = MIRROR_SCHEMA_VERSION,
		.origin = key->name, .checkpoint_path = cp_path,
		.verifier_name = "the post's key", .verifier = key,
		.signer = NULL,
	};
	tims_rc rc;

	*out = NULL;
	if (!m)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	m->key = *key;
	snprintf(m->label, sizeof(m->label), "mirror of %s", key->name);
	c.label = m->label;
	if ((rc = tims_mlog_open(&c, access(db_path, F_OK) == 0 ? TIMS_MLOG_OPEN
								  : TIMS_MLOG_CREATE,
				 &m->log, err))) {
		free(m);
		return rc;
	}
	m->db = tims_mlog_db(m->log);
	if (sqlite3_prepare_v3(m->db, "INSERT INTO entries (idx, entry, salt, body)"
			       " VALUES (?1, ?2, ?3, ?4)", -1,
			       SQLITE_PREPARE_PERSISTENT, &m->ins, NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(m->log, "preparing", err);
		tims_sync_mirror_free(m);
		return rc;
	}
	*out = m;
	return TIMS_OK;
}

void tims_sync_mirror_free(struct tims_sync_mirror *m)
{
	if (!m)
		return;
	sqlite3_finalize(m->ins);
	tims_mlog_free(m->log);
	free(m);
}

tims_rc tims_sync_mirror_size(struct tims_sync_mirror *m, uint64_t *size,
			      struct tims_err *err)
{
	return tims_mlog_size(m->log, size, err);
}

tims_rc tims_sync_mirror_apply(struct tims_sync_mirror *m,
			       const struct tims_sync_batch *b,
			       tims_post_raw_fn each, void *each_ctx,
			       struct tims_sync_result *res,
			       struct tims_err *err)
{
	struct tims_buf held = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint hcp;
	struct tims_tlog_reader r;
	uint64_t size;
	int committed, have_cp;
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	/* Who signed it first: another post's batch is refused as such, not
	 * as a fork of this one. */
	if ((rc = tims_sync_batch_check_signer(b, &m->key, err)))
		return rc;
	if ((rc = tims_mlog_begin(m->log, err)))
		return rc;
	if ((rc = tims_mlog_size(m->log, &size, err)))
		goto fail;
	if (b->from > size) {
		res->want_from = size;
		res->size = size;
		rc = tims_err_set(err, TIMS_ERR_STATE,
				  "gap: the mirror of %s holds %" PRIu64 " records, "
				  "the batch starts at %" PRIu64, m->key.name, size, b->from);
		goto fail;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct tims_post_raw *it = &b->items[i];
		tims_hash leaf;

		if (it->index < size) {
			uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
			size_t elen;

			if ((rc = tims_mlog_entry(m->log, it->index, entry, sizeof(entry),
						  &elen, err)))
				goto fail;
			if (elen != sizeof(entry) ||
			    sodium_memcmp(entry, it->entry, sizeof(entry)) != 0) {
				rc = tims_err_set(err, TIMS_ERR_TAMPER,
						  "fork: record %" PRIu64 " of %s differs from "
						  "the one the centre holds (rolled back or forked log)",
						  it->index, m->key.name);
				goto fail;
			}
			res->repeated++;
			continue;
		}
		if ((rc = tims_post_raw_check(it, NULL, err)))
			goto fail;
		sqlite3_bind_int64(m->ins, 1, (sqlite3_int64)it->index);
		sqlite3_bind_blob(m->ins, 2, it->entry, TIMS_RECORD_ENTRY_BYTES, SQLITE_STATIC);
		if (it->body) {
			sqlite3_bind_blob(m->ins, 3, it->salt, TIMS_RECORD_SALT_BYTES, SQLITE_STATIC);
			sqlite3_bind_blob(m->ins, 4, it->body, (int)it->body_len, SQLITE_STATIC);
		}
		if ((rc = tims_mlog_step(m->log, m->ins, "storing a record", err)))
			goto fail;
		tims_tlog_leaf_hash(it->entry, TIMS_RECORD_ENTRY_BYTES, leaf);
		if ((rc = tims_mlog_add(m->log, size, leaf, err)))
			goto fail;
		size++;
		res->added++;
	}
	tims_mlog_reader(m->log, &r);
	if ((rc = tims_sync_batch_verify(b, &m->key, &r, err)))
		goto fail;
	/* A checkpoint smaller than one held is only a replay if consistent,
	 * which the proof above showed: nothing to adopt then. */
	rc = tims_mlog_latest_checkpoint(m->log, &held, &hcp, err);
	have_cp = rc == TIMS_OK;
	if (rc && rc != TIMS_ERR_NOTFOUND)
		goto fail;
	if (size >= b->cp.size && (!have_cp || b->cp.size > hcp.size)) {
		if ((rc = tims_mlog_adopt(m->log, b->note, b->note_len, err)))
			goto fail;
	}
	res->complete = size >= b->cp.size;
	if (each)
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].index >= size - res->added &&
			    (rc = each(each_ctx, &b->items[i])))
				goto fail;
	rc = tims_mlog_commit(m->log, &committed, err);
	if (!committed)
		goto fail;
	res->size = size;
	tims_buf_release(&held);
	return rc;
fail:
	tims_mlog_rollback(m->log);
	tims_buf_release(&held);
	res->added = 0;
	return rc;
}

tims_rc tims_sync_mirror_checkpoint(struct tims_sync_mirror *m,
				    struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err)
{
	return tims_mlog_latest_checkpoint(m->log, note, cp, err);
}

tims_rc tims_sync_mirror_export(struct tims_sync_mirror *m, uint64_t from,
				uint64_t count, tims_post_raw_fn fn, void *ctx,
				struct tims_err *err)
{
	char what[TIMS_NOTE_MAX_NAME + 16];
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (from > INT64_MAX || count > INT64_MAX - from)
		return tims_err_set(err, TIMS_ERR_INVALID, "export: range too large");
	if (sqlite3_prepare_v2(m->db, "SELECT idx, entry, salt, body FROM entries"
			       " WHERE idx >= ?1 AND idx < ?2 ORDER BY idx", -1, &st,
			       NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "reading the mirror", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(from + count));
	snprintf(what, sizeof(what), "mirror of %s", m->key.name);
	rc = tims_post_raw_rows(st, from, what, fn, ctx, err);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_sync_mirror_batch(struct tims_sync_mirror *m, uint64_t from,
			       uint64_t count, struct tims_sync_batch *b,
			       struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	struct sync_collect collect = { b, err };
	tims_rc rc;

	if (count > TIMS_SYNC_MAX_BATCH)
		count = TIMS_SYNC_MAX_BATCH;
	if ((rc = tims_mlog_latest_checkpoint(m->log, &note, &cp, err)))
		goto out;
	if (from > cp.size) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "from: %" PRIu64 " is past the %" PRIu64 " records held",
				  from, cp.size);
		goto out;
	}
	if (count > cp.size - from)
		count = cp.size - from;
	/* With the centre's cosignatures of that checkpoint, if any. */
	{
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(m->db, "SELECT line FROM cosigs WHERE size = ?1",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = tims_mlog_db_err(m->log, "reading cosignatures", err);
			goto out;
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)cp.size);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (tims_buf_add(&note, sqlite3_column_text(st, 0),
					 (size_t)sqlite3_column_bytes(st, 0)) ||
			    (note.buf[note.len - 1] != '\n' && tims_buf_addch(&note, '\n')))
				break;
		sqlite3_finalize(st);
	}
	if ((rc = tims_sync_batch_start(b, from, note.buf, note.len, err)) ||
	    (rc = tims_sync_mirror_export(m, from, count, sync_collect, &collect, err)))
		goto out;
	if (b->n != count) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "mirror of %s: records missing",
				  m->key.name);
		goto out;
	}
	tims_mlog_reader(m->log, &r);
	rc = tims_sync_batch_prove(b, &r, err);
out:
	tims_buf_release(&note);
	return rc;
}

tims_rc tims_sync_mirror_keep_cosig(struct tims_sync_mirror *m, uint64_t size,
				    const char *line, size_t len,
				    struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (sqlite3_prepare_v2(m->db, "INSERT OR IGNORE INTO cosigs (size, line,"
			       " given_ms) VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "keeping a cosignature", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, line, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, tims_mlog_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE
		     ? TIMS_OK : tims_mlog_db_err(m->log, "keeping a cosignature", err);
	sqlite3_finalize(st);
	return rc;
}

static int check_row(void *ctx, struct tims_mlog_check *v, uint64_t idx,
		     sqlite3_stmt *row)
{
	struct tims_post_raw r;
	struct tims_err e;

	(void)ctx;
	memset(&r, 0, sizeof(r));
	r.index = idx;
	if (sqlite3_column_bytes(row, 1) != TIMS_RECORD_ENTRY_BYTES) {
		tims_mlog_report(v, "record %" PRIu64 ": entry has the wrong size", idx);
		return 0;
	}
	memcpy(r.entry, sqlite3_column_blob(row, 1), sizeof(r.entry));
	if (sqlite3_column_type(row, 3) != SQLITE_NULL) {
		if (sqlite3_column_bytes(row, 2) != TIMS_RECORD_SALT_BYTES) {
			tims_mlog_report(v, "record %" PRIu64 ": salt has the wrong size", idx);
			return 1;
		}
		r.salt = sqlite3_column_blob(row, 2);
		r.body = sqlite3_column_blob(row, 3);
		r.body_len = (size_t)sqlite3_column_bytes(row, 3);
	}
	if (tims_post_raw_check(&r, NULL, &e))
		tims_mlog_report(v, "%s", e.msg);
	return 1;
}

tims_rc tims_sync_mirror_verify(struct tims_sync_mirror *m,
				void (*report)(void *ctx, const char *finding),
				void *ctx, uint64_t *findings,
				struct tims_err *err)
{
	struct tims_mlog_verify_stats st;
	tims_rc rc;

	rc = tims_mlog_verify(m->log, "SELECT idx, entry, salt, body FROM entries ORDER BY idx",
			      check_row, NULL, report, ctx, &st, err);
	if (findings)
		*findings = st.findings;
	return rc;
}

tims_rc tims_sync_mirror_root(struct tims_sync_mirror *m, uint64_t size,
			      tims_hash root, struct tims_err *err)
{
	struct tims_tlog_reader r;
	uint64_t held;
	tims_rc rc;

	if ((rc = tims_mlog_size(m->log, &held, err)))
		return rc;
	if (size > held)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "mirror of %s: holds %" PRIu64 " records, not %" PRIu64,
				    m->key.name, held, size);
	tims_mlog_reader(m->log, &r);
	return tims_tlog_tree_hash(size, &r, root, err);
}
