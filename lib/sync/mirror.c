/*
 * mirror.c — a verified copy of one post's log (tims/sync.h), as the
 * centre keeps one per enrolled post.
 *
 * It is a tims_mlog (lib/mlog) without a signer: the leaf table "entries"
 * holds each position's entry, salt and record; the stored hashes are
 * computed here; the checkpoints table holds the post-signed checkpoints
 * the mirror has verified in full (tims_mlog_adopt), and "cosigs" the
 * cosignatures the centre gave for them: one per (size, cosigner), the
 * newest replacing an older one, so a post that pushes the same checkpoint
 * again and again costs one row, not one a push (schema 2; a mirror of
 * schema 1, which kept every one, is brought to 2 when opened). "synced"
 * holds when the mirror last accepted a batch. A batch goes in only after
 * the checks of tims_sync_mirror_apply, in one transaction.
 */
#include <sodium.h>

#include "tims/util.h"
#include "tims/vault.h"
#include "internal.h"

#define MIRROR_SCHEMA_VERSION 2
#define SIG_PREFIX "\xe2\x80\x94 " /* "— " */
#define SIG_PREFIX_LEN 4
#define SIG_BLOB_MAX 5004
#define MIRROR_BODY_MAX (1u << 24) /* a body sealed or opened: bounded by the batch */ /* key hash + the longest signature a note takes */

#define COSIGS_TABLE(name) \
	"CREATE TABLE " name " (size INTEGER NOT NULL, cosigner TEXT NOT NULL," \
	" line TEXT NOT NULL, given_ms INTEGER NOT NULL, PRIMARY KEY (size, cosigner));"
#define SYNCED_TABLE \
	"CREATE TABLE synced (id INTEGER PRIMARY KEY CHECK (id = 1)," \
	" last_ms INTEGER NOT NULL);"

static const char schema[] =
	"CREATE TABLE entries (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL,"
	" salt BLOB, body BLOB);"
	COSIGS_TABLE("cosigs")
	SYNCED_TABLE
	"CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN"
	" SELECT RAISE(ABORT, 'the mirror is append-only'); END;"
	"CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
	" AND NEW.salt IS NULL AND NEW.body IS NULL) BEGIN"
	" SELECT RAISE(ABORT, 'the mirror is append-only'); END;";

struct tims_sync_mirror {
	struct tims_vault *vault;   /* seals the bodies (not owned); NULL: clear */
	struct tims_mlog *log;
	sqlite3 *db;
	sqlite3_stmt *ins;
	sqlite3_stmt *synced;
	struct tims_verifier key;
	enum tims_sync_leaf leaf;
	char origin[TIMS_NOTE_MAX_NAME + 1];   /* of the log: key name [+ "/audit"] */
	char label[TIMS_MLOG_PATH_MAX];
};

static const char *noun(const struct tims_sync_mirror *m)
{
	return m->leaf == TIMS_SYNC_AUDIT ? "event" : "record";
}

/* A-Z a-z 0-9 + / = in any locale (libsodium 1.0.18 takes some bytes
 * >= 0x80 for base64 digits: the alphabet is checked first). */
static int b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/*
 * Who made a note signature line ("— NAME BASE64", without its newline):
 * "NAME+KEYHASH" (8 hex digits), the cosigner a row of "cosigs" is kept
 * for. -1 if the line is not a signature line.
 */
int sync_sig_line_signer(const char *line, size_t len, char *out, size_t cap)
{
	const char *name = line + SIG_PREFIX_LEN, *sp;
	uint8_t *blob;
	size_t n = 0;
	int ok;

	if (len < SIG_PREFIX_LEN + 3 || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0 ||
	    !(sp = memchr(name, ' ', len - SIG_PREFIX_LEN)) || sp == name ||
	    (size_t)(sp - name) > TIMS_NOTE_MAX_NAME)
		return -1;
	for (const char *c = sp + 1; c < line + len; c++)
		if (!b64_char(*c))
			return -1;
	if (!(blob = malloc(SIG_BLOB_MAX)))
		return -1;
	ok = sodium_base642bin(blob, SIG_BLOB_MAX, sp + 1, (size_t)(line + len - sp - 1),
			       NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 && n >= 5;
	if (ok)
		ok = snprintf(out, cap, "%.*s+%02x%02x%02x%02x", (int)(sp - name), name,
			      blob[0], blob[1], blob[2], blob[3]) < (int)cap;
	free(blob);
	return ok ? 0 : -1;
}

/*
 * Schema 1 kept every cosignature the centre ever gave (a post idling at
 * one push a second left 86 400 rows a day, all for the same size): keep
 * the newest per (size, cosigner) and start "synced" from the newest. One
 * transaction; a line that is no signature line is not carried over (the
 * centre wrote them itself, so there are none).
 */
static tims_rc mirror_upgrade(const char *db_path, struct tims_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *ins = NULL;
	tims_rc rc = TIMS_OK;
	int v = -1, s;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (v != 1)
		goto out; /* current, or not ours: tims_mlog_open says which */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE;" COSIGS_TABLE("cosigs2") SYNCED_TABLE
			 "INSERT INTO synced (id, last_ms) SELECT 1, max(given_ms) FROM cosigs"
			 " HAVING count(*) > 0;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT size, line, given_ms FROM cosigs"
			       " ORDER BY given_ms, rowid", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO cosigs2 (size, cosigner, line,"
			       " given_ms) VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL) != SQLITE_OK)
		goto dberr;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		char who[TIMS_NOTE_MAX_NAME + 16];
		const char *line = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);

		if (!line)
			continue;
		if (len && line[len - 1] == '\n')
			len--;
		if (sync_sig_line_signer(line, len, who, sizeof(who)))
			continue;
		sqlite3_bind_int64(ins, 1, sqlite3_column_int64(st, 0));
		sqlite3_bind_text(ins, 2, who, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, line, (int)len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 4, sqlite3_column_int64(st, 2));
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto dberr;
		sqlite3_reset(ins);
	}
	if (s != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(db, "DROP TABLE cosigs; ALTER TABLE cosigs2 RENAME TO cosigs;"
			 "PRAGMA user_version = 2; COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	goto out;
dberr:
	rc = tims_err_set(err, TIMS_ERR_DB, "%s: bringing the mirror to schema 2: %s",
			  db_path, db ? sqlite3_errmsg(db) : "out of memory");
	if (db)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return rc;
}

tims_rc tims_sync_mirror_open(const char *db_path, const char *cp_path,
			      const struct tims_verifier *key,
			      struct tims_sync_mirror **out,
			      struct tims_err *err)
{
	return tims_sync_mirror_open_leaf(db_path, cp_path, key, TIMS_SYNC_CROSSINGS, out, err);
}

tims_rc tims_sync_mirror_open_leaf(const char *db_path, const char *cp_path,
				   const struct tims_verifier *key,
				   enum tims_sync_leaf leaf,
				   struct tims_sync_mirror **out,
				   struct tims_err *err)
{
	struct tims_sync_mirror *m = calloc(1, sizeof(*m));
	int audit = leaf == TIMS_SYNC_AUDIT;
	struct tims_mlog_config c = {
		.db_path = db_path, .db_name = "mirror",
		.prefix = "", .leaf_table = "entries",
		.noun = audit ? "event" : "record", .nouns = audit ? "events" : "records",
		.a_noun = audit ? "an event" : "a record",
		.owner = "mirror", .verify_command = "tims centre verify",
		.schema = schema, .schema_version = MIRROR_SCHEMA_VERSION,
		.checkpoint_path = cp_path,
		.verifier_name = "the post's key", .verifier = key,
		.signer = NULL,
	};
	int exists;
	tims_rc rc;

	*out = NULL;
	if (!m)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	m->key = *key;
	m->leaf = leaf;
	if (tims_sync_leaf_origin(leaf, key->name, m->origin, sizeof(m->origin))) {
		free(m);
		return tims_err_set(err, TIMS_ERR_INVALID, "mirror: origin too long");
	}
	c.origin = m->origin;
	snprintf(m->label, sizeof(m->label), "mirror of %s", m->origin);
	c.label = m->label;
	exists = access(db_path, F_OK) == 0;
	if ((exists && (rc = mirror_upgrade(db_path, err))) ||
	    (rc = tims_mlog_open(&c, exists ? TIMS_MLOG_OPEN : TIMS_MLOG_CREATE,
				 &m->log, err))) {
		free(m);
		return rc;
	}
	m->db = tims_mlog_db(m->log);
	if (sqlite3_prepare_v3(m->db, "INSERT INTO entries (idx, entry, salt, body)"
			       " VALUES (?1, ?2, ?3, ?4)", -1,
			       SQLITE_PREPARE_PERSISTENT, &m->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(m->db, "INSERT OR REPLACE INTO synced (id, last_ms)"
			       " VALUES (1, ?1)", -1, SQLITE_PREPARE_PERSISTENT, &m->synced,
			       NULL) != SQLITE_OK) {
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
	sqlite3_finalize(m->synced);
	tims_mlog_free(m->log);
	free(m);
}

const struct tims_mlog *tims_sync_mirror_mlog(const struct tims_sync_mirror *m)
{
	return m->log;
}

/* "mirror.entries/ORIGIN/IDX": a sealed body opens at its own place only. */
static int body_ad(const struct tims_sync_mirror *m, uint64_t idx, char *out, size_t cap)
{
	int n = snprintf(out, cap, "mirror.entries/%s/%" PRIu64, m->origin, idx);

	return n > 0 && (size_t)n < cap ? n : -1;
}

static tims_rc seal_body(struct tims_sync_mirror *m, uint64_t idx, const uint8_t *entry,
			 const void *body, size_t len, struct tims_buf *out,
			 struct tims_err *err)
{
	char ad[TIMS_NOTE_MAX_NAME + 64];
	int adlen = body_ad(m, idx, ad, sizeof(ad));

	if (adlen < 0)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "mirror of %s: origin too long", m->origin);
	out->len = 0;
	return tims_vault_seal(m->vault, tims_record_entry_time(entry), ad, (size_t)adlen, body,
			       len, out, err);
}

/* A stored body as the post sent it: opened if sealed (into out). */
static tims_rc open_body(struct tims_sync_mirror *m, uint64_t idx, const void *body,
			 size_t len, struct tims_buf *out, struct tims_err *err)
{
	char ad[TIMS_NOTE_MAX_NAME + 64];
	int adlen = body_ad(m, idx, ad, sizeof(ad));
	tims_rc rc;

	if (adlen < 0)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "mirror of %s: origin too long", m->origin);
	if (!m->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "mirror of %s: %s %" PRIu64 " is sealed and "
				    "no vault was given to open it", m->origin, noun(m), idx);
	out->len = 0;
	rc = tims_vault_open_blob(m->vault, ad, (size_t)adlen, body, len, out, err);
	if (rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_INVALID)
		return tims_err_set(err, TIMS_ERR_TAMPER, "mirror of %s: %s %" PRIu64 ": the sealed "
				    "body does not open (altered or moved)", m->origin, noun(m), idx);
	if (rc == TIMS_ERR_UNAVAILABLE)
		return tims_err_set(err, rc, "mirror of %s: %s %" PRIu64 " cannot be opened: %s",
				    m->origin, noun(m), idx, tims_vault_why(m->vault));
	return rc;
}

/* Bodies held in clear (a mirror from before its vault) sealed in place:
 * the append-only triggers are set aside inside the one transaction. */
static tims_rc seal_clear_bodies(struct tims_sync_mirror *m, struct tims_err *err)
{
	struct tims_buf blob = TIMS_BUF_INIT(MIRROR_BODY_MAX);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	uint64_t n = 0;
	tims_rc rc = TIMS_OK;
	int s;

	if (sqlite3_exec(m->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "looking for bodies in clear", err);
	/* done once: a mirror that was looked through says so (no scan of
	 * every body at each start) */
	if (sqlite3_prepare_v2(m->db, "SELECT 1 FROM sqlite_master WHERE name = 'vault_sealed'",
			       -1, &sel, NULL) == SQLITE_OK && sqlite3_step(sel) == SQLITE_ROW) {
		sqlite3_finalize(sel);
		return TIMS_OK;
	}
	sqlite3_finalize(sel);
	sel = NULL;
	if (sqlite3_prepare_v2(m->db, "SELECT count(*) FROM entries WHERE body IS NOT NULL AND"
			       " substr(body, 1, 2) <> CAST('TV' AS BLOB)", -1, &sel, NULL) !=
			       SQLITE_OK)
		return tims_mlog_db_err(m->log, "looking for bodies in clear", err);
	if (sqlite3_step(sel) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(sel, 0);
	sqlite3_finalize(sel);
	sel = NULL;
	if (!n)
		return sqlite3_exec(m->db, "CREATE TABLE IF NOT EXISTS vault_sealed (id INTEGER"
				    " PRIMARY KEY CHECK (id = 1))", NULL, NULL, NULL) == SQLITE_OK
			       ? TIMS_OK : tims_mlog_db_err(m->log, "noting the bodies sealed", err);
	if (sqlite3_exec(m->db, "BEGIN IMMEDIATE; DROP TRIGGER entries_no_update;", NULL, NULL,
			 NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "sealing the bodies held in clear", err);
	if (sqlite3_prepare_v2(m->db, "SELECT idx, entry, body FROM entries WHERE body IS NOT"
			       " NULL AND substr(body, 1, 2) <> CAST('TV' AS BLOB)", -1, &sel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m->db, "UPDATE entries SET body = ?2 WHERE idx = ?1", -1, &upd,
			       NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(m->log, "sealing the bodies held in clear", err);
		goto out;
	}
	while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(sel, 0);

		if (sqlite3_column_bytes(sel, 1) != TIMS_RECORD_ENTRY_BYTES) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "mirror of %s: %s %" PRIu64 ": entry "
					  "has the wrong size", m->origin, noun(m), idx);
			goto out;
		}
		if ((rc = seal_body(m, idx, sqlite3_column_blob(sel, 1), sqlite3_column_blob(sel, 2),
				    (size_t)sqlite3_column_bytes(sel, 2), &blob, err)))
			goto out;
		sqlite3_bind_int64(upd, 1, (sqlite3_int64)idx);
		sqlite3_bind_blob(upd, 2, blob.buf, (int)blob.len, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = tims_mlog_db_err(m->log, "sealing a body", err);
			goto out;
		}
		sqlite3_reset(upd);
	}
	if (s != SQLITE_DONE)
		rc = tims_mlog_db_err(m->log, "sealing the bodies held in clear", err);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	tims_buf_release(&blob);
	if (!rc && sqlite3_exec(m->db, "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
				" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
				" AND NEW.salt IS NULL AND NEW.body IS NULL) BEGIN"
				" SELECT RAISE(ABORT, 'the mirror is append-only'); END;"
				" CREATE TABLE IF NOT EXISTS vault_sealed (id INTEGER PRIMARY KEY"
				" CHECK (id = 1)); COMMIT;",
				NULL, NULL, NULL) != SQLITE_OK)
		rc = tims_mlog_db_err(m->log, "sealing the bodies held in clear", err);
	if (rc) {
		sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	/* the clear pages overwritten already (secure_delete); the file
	 * rebuilt and the WAL emptied so that no old copy is left */
	if (sqlite3_exec(m->db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return tims_mlog_db_err(m->log, "vacuuming after sealing", err);
	return TIMS_OK;
}

tims_rc tims_sync_mirror_set_vault(struct tims_sync_mirror *m, struct tims_vault *v,
				   struct tims_err *err)
{
	m->vault = v;
	return v ? seal_clear_bodies(m, err) : TIMS_OK;
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
	struct tims_buf sealed = TIMS_BUF_INIT(MIRROR_BODY_MAX);
	struct tims_checkpoint hcp;
	struct tims_tlog_reader r;
	struct tims_verifier key;
	uint64_t size;
	int committed, have_cp;
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	if (b->leaf != m->leaf)
		return tims_err_set(err, TIMS_ERR_INVALID, "a batch of %ss for the mirror of %s",
				    b->leaf == TIMS_SYNC_AUDIT ? "event" : "record", m->origin);
	/* Who signed it first: another post's batch is refused as such, not
	 * as a fork of this one. The key is the one in force in the mirror,
	 * followed along the batch's key hand-overs (each signed by the key
	 * before it): a checkpoint signed by a key that no hand-over from the
	 * key held vouches for is refused. */
	if ((rc = tims_sync_batch_key(b, m->log, &key, err)) ||
	    (rc = tims_sync_batch_check_signer(b, &key, err)))
		return rc;
	if ((rc = tims_mlog_begin(m->log, err)))
		return rc;
	if ((rc = tims_mlog_size(m->log, &size, err)))
		goto fail;
	if (b->from > size) {
		res->want_from = size;
		res->size = size;
		rc = tims_err_set(err, TIMS_ERR_STATE,
				  "gap: the mirror of %s holds %" PRIu64 " %ss, "
				  "the batch starts at %" PRIu64, m->origin, size, noun(m), b->from);
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
						  "fork: %s %" PRIu64 " of %s differs from "
						  "the one the centre holds (rolled back or forked log)",
						  noun(m), it->index, m->origin);
				goto fail;
			}
			res->repeated++;
			continue;
		}
		/* each body against its commitment in clear, then sealed */
		if ((rc = tims_sync_leaf_check(m->leaf, it, err)))
			goto fail;
		sqlite3_bind_int64(m->ins, 1, (sqlite3_int64)it->index);
		sqlite3_bind_blob(m->ins, 2, it->entry, TIMS_RECORD_ENTRY_BYTES, SQLITE_STATIC);
		if (it->body) {
			sqlite3_bind_blob(m->ins, 3, it->salt, TIMS_RECORD_SALT_BYTES, SQLITE_STATIC);
			if (m->vault) {
				if ((rc = seal_body(m, it->index, it->entry, it->body, it->body_len,
						    &sealed, err)))
					goto fail;
				sqlite3_bind_blob(m->ins, 4, sealed.buf, (int)sealed.len,
						  SQLITE_STATIC);
			} else {
				sqlite3_bind_blob(m->ins, 4, it->body, (int)it->body_len,
						  SQLITE_STATIC);
			}
		}
		if ((rc = tims_mlog_step(m->log, m->ins, "storing a position", err)))
			goto fail;
		tims_tlog_leaf_hash(it->entry, TIMS_RECORD_ENTRY_BYTES, leaf);
		if ((rc = tims_mlog_add(m->log, size, leaf, err)))
			goto fail;
		size++;
		res->added++;
	}
	tims_mlog_reader(m->log, &r);
	if ((rc = tims_sync_batch_verify(b, &key, &r, err)))
		goto fail;
	/* The hand-overs within what the mirror now holds (one beyond it is
	 * sent again with the batches that reach it). */
	for (size_t i = 0; i < b->nho; i++) {
		struct tims_verifier o, nx;
		struct tims_checkpoint hcp2;
		int adopted;

		if ((rc = tims_mlog_handover_parse(b->ho[i], strlen(b->ho[i]), &hcp2, &o, &nx,
						   err)))
			goto fail;
		if (hcp2.size > size)
			break;
		if ((rc = tims_mlog_adopt_handover(m->log, b->ho[i], strlen(b->ho[i]), &adopted,
						   err)))
			goto fail;
		res->handovers += (uint64_t)adopted;
	}
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
	/* When the post was last heard from with a batch (tims centre posts). */
	sqlite3_bind_int64(m->synced, 1, tims_mlog_now_ms());
	if ((rc = tims_mlog_step(m->log, m->synced, "noting the sync time", err)))
		goto fail;
	rc = tims_mlog_commit(m->log, &committed, err);
	if (!committed)
		goto fail;
	res->size = size;
	tims_buf_release(&held);
	tims_buf_release(&sealed);
	return rc;
fail:
	tims_mlog_rollback(m->log);
	tims_buf_release(&held);
	tims_buf_release(&sealed);
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

tims_rc tims_sync_mirror_erase(struct tims_sync_mirror *m, uint64_t idx, int *erased,
			       struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	uint64_t size;
	tims_rc rc;

	*erased = 0;
	if ((rc = tims_mlog_size(m->log, &size, err)))
		return rc;
	if (idx >= size)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no %s %" PRIu64, m->label,
				    noun(m), idx);
	if (sqlite3_prepare_v2(m->db, "UPDATE entries SET salt = NULL, body = NULL"
			       " WHERE idx = ?1 AND body IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "erasing", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	rc = tims_mlog_step(m->log, st, "erasing", err);
	if (!rc)
		*erased = sqlite3_changes(m->db) > 0;
	sqlite3_finalize(st);
	return rc;
}

struct opener {
	struct tims_sync_mirror *m;
	tims_post_raw_fn fn;
	void *ctx;
	struct tims_buf pt;
	struct tims_err *err;
};

/* Each sealed body opened before the caller sees it: records leave the
 * mirror (a post's restore, the store's repair) as the post sent them. */
static tims_rc open_one(void *ctx, const struct tims_post_raw *r)
{
	struct opener *o = ctx;
	struct tims_post_raw copy;
	tims_rc rc;

	if (!r->body || !tims_vault_is_blob(r->body, r->body_len))
		return o->fn(o->ctx, r);
	if ((rc = open_body(o->m, r->index, r->body, r->body_len, &o->pt, o->err)))
		return rc;
	copy = *r;
	copy.body = (const uint8_t *)o->pt.buf;
	copy.body_len = o->pt.len;
	rc = o->fn(o->ctx, &copy);
	sodium_memzero(o->pt.buf, o->pt.len);
	return rc;
}

tims_rc tims_sync_mirror_export(struct tims_sync_mirror *m, uint64_t from,
				uint64_t count, tims_post_raw_fn fn, void *ctx,
				struct tims_err *err)
{
	char what[TIMS_NOTE_MAX_NAME + 16];
	struct opener o = { m, fn, ctx, TIMS_BUF_INIT(MIRROR_BODY_MAX), err };
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
	snprintf(what, sizeof(what), "mirror of %s", m->origin);
	rc = tims_post_raw_rows(st, from, what, open_one, &o, err);
	sqlite3_finalize(st);
	tims_buf_release(&o.pt);
	return rc;
}

/*
 * The checkpoint as the mirror gives it back: its text, the log's own
 * signature lines (by the mirror's key), then one cosignature per cosigner
 * kept for that size, in the order of the cosigners' names and never more
 * lines in all than a note may carry (TIMS_NOTE_MAX_SIGS). Lines of other
 * keys the held note carried (a restored post's note keeps the centre's
 * cosignature it came back with) are left out: the cosigs table says
 * which cosignatures the mirror stands by.
 */
static tims_rc export_note(struct tims_sync_mirror *m, const struct tims_buf *held,
			   uint64_t size, struct tims_buf *out, struct tims_err *err)
{
	char own[TIMS_NOTE_MAX_NAME + 16], who[TIMS_NOTE_MAX_NAME + 16];
	struct tims_note *n = malloc(sizeof(*n));
	sqlite3_stmt *st = NULL;
	const char *p, *end;
	size_t nlines = 0;
	tims_rc rc;
	int s;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_note_parse(held->buf, held->len, n, err)))
		goto out;
	{
		/* the post's key in force at that size (a hand-over changes it) */
		const struct tims_verifier *k = tims_mlog_key_at(m->log, size);

		snprintf(own, sizeof(own), "%s+%08" PRIx32, k->name, k->keyhash);
	}
	/* text, the blank line */
	if ((rc = tims_buf_add(out, held->buf, n->textlen + 1)))
		goto toobig;
	for (p = held->buf + n->textlen + 1, end = held->buf + held->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!sync_sig_line_signer(p, len, who, sizeof(who)) && !strcmp(who, own) &&
		    nlines < TIMS_NOTE_MAX_SIGS) {
			if ((rc = tims_buf_add(out, p, len)) || (rc = tims_buf_addch(out, '\n')))
				goto toobig;
			nlines++;
		}
		p += len + 1;
	}
	if (sqlite3_prepare_v2(m->db, "SELECT line FROM cosigs WHERE size = ?1 AND"
			       " cosigner <> ?2 ORDER BY cosigner LIMIT ?3", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = tims_mlog_db_err(m->log, "reading cosignatures", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, own, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(TIMS_NOTE_MAX_SIGS - nlines));
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);

		if (!line || !len)
			continue;
		if ((rc = tims_buf_add(out, line, len)) ||
		    (line[len - 1] != '\n' && (rc = tims_buf_addch(out, '\n'))))
			goto toobig;
	}
	if (s != SQLITE_DONE)
		rc = tims_mlog_db_err(m->log, "reading cosignatures", err);
	goto out;
toobig:
	rc = tims_err_set(err, TIMS_ERR_TOOBIG, "mirror of %s: the cosigned checkpoint is "
			  "larger than a note may be", m->origin);
out:
	sqlite3_finalize(st);
	free(n);
	return rc;
}

tims_rc tims_sync_mirror_batch(struct tims_sync_mirror *m, uint64_t from,
			       uint64_t count, struct tims_sync_batch *b,
			       struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf held = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	struct sync_collect collect = { b, err };
	tims_rc rc;

	if (count > TIMS_SYNC_MAX_BATCH)
		count = TIMS_SYNC_MAX_BATCH;
	if ((rc = tims_mlog_latest_checkpoint(m->log, &held, &cp, err)))
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
	if ((rc = export_note(m, &held, cp.size, &note, err)))
		goto out;
	b->leaf = m->leaf;
	if ((rc = tims_sync_batch_start(b, from, note.buf, note.len, err)) ||
	    (rc = tims_sync_batch_add_handovers(b, m->log, err)) ||
	    (rc = tims_sync_mirror_export(m, from, count, sync_collect, &collect, err)))
		goto out;
	if (b->n != count) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "mirror of %s: %ss missing",
				  m->origin, noun(m));
		goto out;
	}
	tims_mlog_reader(m->log, &r);
	rc = tims_sync_batch_prove(b, &r, err);
out:
	tims_buf_release(&note);
	tims_buf_release(&held);
	return rc;
}

tims_rc tims_sync_mirror_keep_cosig(struct tims_sync_mirror *m, uint64_t size,
				    const char *line, size_t len,
				    struct tims_err *err)
{
	char who[TIMS_NOTE_MAX_NAME + 16];
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (len && line[len - 1] == '\n')
		len--;
	if (size > INT64_MAX || len > TIMS_NOTE_MAX_BYTES ||
	    sync_sig_line_signer(line, len, who, sizeof(who)))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "cosignature of size %" PRIu64 ": not a note signature line",
				    size);
	/* One per (size, cosigner): the newest replaces an older one. */
	if (sqlite3_prepare_v2(m->db, "INSERT INTO cosigs (size, cosigner, line, given_ms)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (size, cosigner) DO UPDATE"
			       " SET line = excluded.line, given_ms = excluded.given_ms", -1,
			       &st, NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "keeping a cosignature", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, line, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, tims_mlog_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE
		     ? TIMS_OK : tims_mlog_db_err(m->log, "keeping a cosignature", err);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_sync_mirror_last_sync(struct tims_sync_mirror *m, int64_t *ms,
				   struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int s;

	*ms = 0;
	if (sqlite3_prepare_v2(m->db, "SELECT last_ms FROM synced WHERE id = 1", -1, &st,
			       NULL) != SQLITE_OK)
		return tims_mlog_db_err(m->log, "reading the sync time", err);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return s == SQLITE_ROW || s == SQLITE_DONE
		       ? TIMS_OK : tims_mlog_db_err(m->log, "reading the sync time", err);
}

static int check_row(void *ctx, struct tims_mlog_check *v, uint64_t idx,
		     sqlite3_stmt *row)
{
	struct tims_sync_mirror *m = ctx;
	struct tims_post_raw r;
	struct tims_err e;

	memset(&r, 0, sizeof(r));
	r.index = idx;
	if (sqlite3_column_bytes(row, 1) != TIMS_RECORD_ENTRY_BYTES) {
		tims_mlog_report(v, "%s %" PRIu64 ": entry has the wrong size", noun(m), idx);
		return 0;
	}
	memcpy(r.entry, sqlite3_column_blob(row, 1), sizeof(r.entry));
	if (sqlite3_column_type(row, 3) != SQLITE_NULL) {
		if (sqlite3_column_bytes(row, 2) != TIMS_RECORD_SALT_BYTES) {
			tims_mlog_report(v, "%s %" PRIu64 ": salt has the wrong size", noun(m), idx);
			return 1;
		}
		r.salt = sqlite3_column_blob(row, 2);
		r.body = sqlite3_column_blob(row, 3);
		r.body_len = (size_t)sqlite3_column_bytes(row, 3);
	}
	if (r.body && tims_vault_is_blob(r.body, r.body_len)) {
		struct tims_buf pt = TIMS_BUF_INIT(MIRROR_BODY_MAX);
		tims_rc rc = open_body(m, idx, r.body, r.body_len, &pt, &e);

		if (rc == TIMS_ERR_UNAVAILABLE || rc == TIMS_ERR_STATE || rc == TIMS_ERR_NOTFOUND) {
			/* no key (the token away, shredded): the tree is
			 * verified without it, this body against its entry not */
			tims_buf_release(&pt);
			return 1;
		}
		if (rc) {
			tims_mlog_report(v, "%s", e.msg);
			tims_buf_release(&pt);
			return 1;
		}
		r.body = (const uint8_t *)pt.buf;
		r.body_len = pt.len;
		if (tims_sync_leaf_check(m->leaf, &r, &e))
			tims_mlog_report(v, "%s", e.msg);
		sodium_memzero(pt.buf, pt.len);
		tims_buf_release(&pt);
		return 1;
	}
	if (tims_sync_leaf_check(m->leaf, &r, &e))
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
			      check_row, m, report, ctx, &st, err);
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
				    "mirror of %s: holds %" PRIu64 " %ss, not %" PRIu64,
				    m->origin, held, noun(m), size);
	tims_mlog_reader(m->log, &r);
	return tims_tlog_tree_hash(size, &r, root, err);
}
