/*
 * post.c — creating and opening a post: its directory, config file, keys,
 * and its log in post.db (see include/tims/post.h and docs/formats.md).
 *
 * The log itself (stored hashes, checkpoints, the outside checkpoint file,
 * rollback refusal) is a tims_mlog (include/tims/mlog.h); this file adds
 * the records table. Its triggers refuse UPDATE and DELETE, except the one
 * update retention needs (clearing a record's payload and salt). They are a
 * belt and braces, not the guarantee: anyone with the file can drop them,
 * which is why tims_post_verify recomputes everything.
 */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/p11.h"
#include "tims/schema.h"
#include "tims/screen.h"
#include "tims/audit.h"
#include "tims/event.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "internal.h"

#include "tims/approval.h"

/* the largest clear value `tims post seal` seals: an approval request */
#define SEAL_ROW_MAX (TIMS_APPROVAL_MAX_RECORDS * ((size_t)TIMS_RECORD_MAX_BYTES + 4) + \
		      TIMS_EVENT_JSON_MAX + TIMS_VAULT_OVERHEAD)

/* 2: personal data sealed (docs/formats.md, "post.db"): body is a vault
 * blob, doc a blind index, nat gone; time_ms, direction and decision in
 * clear for retention. 1 kept it all in clear: `tims post seal` migrates
 * it to 2. 3: the name search's blind indexes (NAMES_SCHEMA); a writer
 * migrates 2 to 3 when it opens the post (migrate). */
#define SCHEMA_VERSION 3
#define SCHEMA_SEALED 2

/* The records table; the log's hashes and checkpoints tables come from
 * tims_mlog. The triggers allow two updates only: retention's erasure
 * (salt, body and index to NULL) and the late blind index of a row
 * registered while the token was unavailable (doc from NULL to a value,
 * nothing else). */
#define RECORDS_TABLE(name) \
	"CREATE TABLE " name " (" \
	" idx INTEGER PRIMARY KEY," \
	" ref TEXT UNIQUE,"            /* client id, for idempotent retries */ \
	" doc TEXT,"                   /* blind index of the document number; \
					  NULL: erased, or not yet indexed */ \
	" time_ms INTEGER NOT NULL,"   /* the post's time of the record */ \
	" direction INTEGER NOT NULL," /* enum tims_direction */ \
	" decision INTEGER NOT NULL,"  /* enum tims_decision */ \
	" salt BLOB,"                  /* NULL once erased */ \
	" body BLOB,"                  /* the sealed canonical record; NULL once erased */ \
	" corrects INTEGER,"           /* the record this one corrects */ \
	" entry BLOB NOT NULL);"       /* the leaf entry, kept forever */
#define RECORDS_RULES \
	"CREATE INDEX records_doc ON records(doc);" \
	"CREATE INDEX records_corrects ON records(corrects);" \
	"CREATE INDEX records_unindexed ON records(idx) WHERE doc IS NULL AND body IS NOT NULL;" \
	"CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN" \
	" SELECT RAISE(ABORT, 'records are append-only'); END;" \
	"CREATE TRIGGER records_no_update BEFORE UPDATE ON records" \
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry" \
	" AND NEW.ref IS OLD.ref AND NEW.corrects IS OLD.corrects" \
	" AND NEW.time_ms IS OLD.time_ms AND NEW.direction IS OLD.direction" \
	" AND NEW.decision IS OLD.decision AND (" \
	"  (NEW.salt IS NULL AND NEW.body IS NULL AND NEW.doc IS NULL) OR" \
	"  (OLD.doc IS NULL AND NEW.doc IS NOT NULL AND OLD.body IS NOT NULL" \
	"   AND NEW.salt IS OLD.salt AND NEW.body IS OLD.body))) BEGIN" \
	" SELECT RAISE(ABORT, 'records are append-only (only retention may erase a payload)'); END;"

/*
 * The search of a person by name (schema 3, lib/post/search.c): for every
 * record with a payload, `names` holds the blind index of its birth date
 * ("dob") and of its surname's search key ("skel", tims_name_search_key),
 * '' for a record that has none; `names_pending` the records whose keys
 * could not be made yet (the token was out at registration, or the
 * records were there before schema 3): post_index_pending makes them, and
 * a search while some remain fails closed. Not part of the log (derived
 * from the sealed bodies, like `doc`). Erasing a record's payload drops
 * its keys in the same statement (the trigger).
 */
#define NAMES_SCHEMA \
	"CREATE TABLE IF NOT EXISTS names (idx INTEGER PRIMARY KEY," \
	" dob TEXT NOT NULL, skel TEXT NOT NULL);" \
	"CREATE INDEX IF NOT EXISTS names_dob ON names(dob) WHERE dob <> '';" \
	"CREATE INDEX IF NOT EXISTS names_skel ON names(skel) WHERE skel <> '';" \
	"CREATE TABLE IF NOT EXISTS names_pending (idx INTEGER PRIMARY KEY);" \
	"CREATE TRIGGER IF NOT EXISTS records_erase_names AFTER UPDATE OF body ON records" \
	" WHEN NEW.body IS NULL BEGIN DELETE FROM names WHERE idx = NEW.idx;" \
	" DELETE FROM names_pending WHERE idx = NEW.idx; END;"

static const char schema[] = RECORDS_TABLE("records") RECORDS_RULES NAMES_SCHEMA;

/*
 * The audit events owed for records registered at the booth
 * (tims_post_register): written in the record's own transaction, deleted
 * once the event is in audit.db. Not part of the log (nothing signs it),
 * created by writers when missing, so an older post.db opens unchanged.
 */
static const char owed_schema[] =
	"CREATE TABLE IF NOT EXISTS audit_owed ("
	" idx INTEGER PRIMARY KEY,"    /* the record's log index */
	" event BLOB NOT NULL)";       /* the caller's bytes (the node's JSON), sealed
					  ("post.audit_owed/IDX") */

static const char *const owed_sql[OW_COUNT] = {
	[OW_INS] = "INSERT INTO audit_owed (idx, event) VALUES (?1, ?2)",
	[OW_DEL] = "DELETE FROM audit_owed WHERE idx = ?1",
	[OW_LIST] = "SELECT idx, event FROM audit_owed ORDER BY idx",
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BY_REF] = "SELECT idx, body, entry, salt FROM records WHERE ref = ?1",
	[ST_INS_REC] = "INSERT INTO records (idx, ref, doc, time_ms, direction, decision,"
		       " salt, body, entry, corrects)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_GET_REC] = "SELECT salt, body, entry FROM records WHERE idx = ?1",
	[ST_HISTORY] = "SELECT idx, body FROM records WHERE doc = ?1 ORDER BY idx",
	/* (doc is the blind index: post_doc_index) */
	[ST_CORRECTED_BY] = "SELECT idx FROM records WHERE corrects = ?1"
			    " ORDER BY idx DESC LIMIT 1",
	[ST_ERASE] = "UPDATE records SET salt = NULL, body = NULL, doc = NULL"
		     " WHERE idx = ?1",
	[ST_UNINDEXED] = "SELECT idx, body FROM records WHERE doc IS NULL AND"
			 " body IS NOT NULL ORDER BY idx LIMIT 256",
	[ST_SET_DOC] = "UPDATE records SET doc = ?2 WHERE idx = ?1 AND doc IS NULL",
	[ST_NAMES_SET] = "INSERT OR REPLACE INTO names (idx, dob, skel) VALUES (?1, ?2, ?3)",
	[ST_NAMES_OWE] = "INSERT OR IGNORE INTO names_pending (idx) VALUES (?1)",
	[ST_NAMES_PENDING] = "SELECT p.idx, r.body FROM names_pending p JOIN records r"
			     " ON r.idx = p.idx WHERE r.body IS NOT NULL ORDER BY p.idx LIMIT ?1",
	[ST_NAMES_DONE] = "DELETE FROM names_pending WHERE idx = ?1",
	/* the partial indexes are used only when the query says "<> ''" in as
	 * many words; no ORDER BY (it made SQLite walk records in idx order) */
	[ST_BY_DOB] = "SELECT r.idx, r.body FROM names n JOIN records r ON r.idx = n.idx"
		      " WHERE n.dob = ?1 AND n.dob <> '' AND r.body IS NOT NULL LIMIT ?2",
	[ST_BY_SKEL] = "SELECT r.idx, r.body FROM names n JOIN records r ON r.idx = n.idx"
		       " WHERE n.skel IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		       " ?13, ?14, ?15, ?16) AND n.skel <> '' AND r.body IS NOT NULL LIMIT ?17",
};

tims_rc post_path(const struct tims_post *p, const char *name, char *out,
		  struct tims_err *err)
{
	if (snprintf(out, POST_PATH_MAX, "%s/%s", p->dir, name) >= POST_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long",
				    p->dir);
	return TIMS_OK;
}

tims_rc post_db_err(struct tims_post *p, const char *what,
		    struct tims_err *err)
{
	if (p->log)
		return tims_mlog_db_err(p->log, what, err);
	return tims_err_set(err, TIMS_ERR_DB, "%s/post.db: %s: not open",
			    p->dir, what);
}

tims_rc post_exec(struct tims_post *p, enum post_stmt s, const char *what,
		  struct tims_err *err)
{
	return tims_mlog_step(p->log, p->st[s], what, err);
}

/* ---- sealed payloads ---- */

static void body_ad(char *ad, size_t cap, uint64_t idx)
{
	snprintf(ad, cap, "post.records/%" PRIu64, idx);
}

tims_rc post_seal_body(struct tims_post *p, uint64_t idx, int64_t time_ms,
		       const void *enc, size_t len, struct tims_buf *out,
		       struct tims_err *err)
{
	char ad[48];

	body_ad(ad, sizeof(ad), idx);
	return tims_vault_seal(p->vault, time_ms, ad, strlen(ad), enc, len, out, err);
}

tims_rc post_open_body(struct tims_post *p, uint64_t idx, const void *blob,
		       size_t len, struct tims_buf *out, struct tims_err *err)
{
	struct tims_err e = { 0 };
	char ad[48];
	tims_rc rc;

	body_ad(ad, sizeof(ad), idx);
	rc = tims_vault_open_blob(p->vault, ad, strlen(ad), blob, len, out, &e);
	if (rc)
		return tims_err_set(err, rc, "record %" PRIu64 ": %s", idx, e.msg);
	return TIMS_OK;
}

tims_rc post_doc_index(struct tims_post *p, const char *doc,
		       char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err)
{
	return tims_vault_blind_hex(p->vault, "doc", doc, strlen(doc), out, err);
}

tims_rc post_name_index(struct tims_post *p, const char *domain, const char *value,
			char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err)
{
	return tims_vault_blind_hex(p->vault, domain, value, strlen(value), out, err);
}

/* The two keys of a record into dob and skel ("" when it has none). */
static tims_rc names_keys(struct tims_post *p, const struct tims_record *rec,
			  char dob[TIMS_VAULT_BLIND_HEX], char skel[TIMS_VAULT_BLIND_HEX],
			  struct tims_err *err)
{
	char key[TIMS_RECORD_FIELD];
	tims_rc rc = TIMS_OK;

	dob[0] = skel[0] = '\0';
	tims_name_search_key(rec->person.surname, key, sizeof(key));
	if ((rec->person.birth_date[0] &&
	     (rc = post_name_index(p, "dob", rec->person.birth_date, dob, err))) ||
	    (key[0] && (rc = post_name_index(p, "skel", key, skel, err))))
		dob[0] = skel[0] = '\0';
	sodium_memzero(key, sizeof(key));
	return rc;
}

static tims_rc names_set(struct tims_post *p, uint64_t idx, const char *dob, const char *skel,
			 struct tims_err *err)
{
	sqlite3_bind_int64(p->st[ST_NAMES_SET], 1, (sqlite3_int64)idx);
	sqlite3_bind_text(p->st[ST_NAMES_SET], 2, dob, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->st[ST_NAMES_SET], 3, skel, -1, SQLITE_STATIC);
	return post_exec(p, ST_NAMES_SET, "storing a record's name keys", err);
}

tims_rc post_names_store(struct tims_post *p, uint64_t idx, const struct tims_record *rec,
			 struct tims_err *err)
{
	char dob[TIMS_VAULT_BLIND_HEX], skel[TIMS_VAULT_BLIND_HEX];
	tims_rc rc = names_keys(p, rec, dob, skel, NULL);

	if (rc == TIMS_ERR_UNAVAILABLE) {
		sqlite3_bind_int64(p->st[ST_NAMES_OWE], 1, (sqlite3_int64)idx);
		return post_exec(p, ST_NAMES_OWE, "owing a record's name keys", err);
	}
	if (rc)
		return tims_err_set(err, rc, "record %" PRIu64 ": name keys failed", idx);
	return names_set(p, idx, dob, skel, err);
}

/* The name keys owed (names_pending): at most NAMES_BATCH records a
 * transaction (one fsync'd commit). */
#define NAMES_BATCH 4096
struct names_batch {
	uint64_t idx[NAMES_BATCH];
	char dob[NAMES_BATCH][TIMS_VAULT_BLIND_HEX], skel[NAMES_BATCH][TIMS_VAULT_BLIND_HEX];
	struct tims_record rec;
};

tims_rc post_names_owed(struct tims_post *p, size_t max, int *more, struct tims_err *err)
{
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	sqlite3_stmt *st = p->st[ST_NAMES_PENDING];
	struct names_batch *b = NULL;
	tims_rc rc = TIMS_OK;
	size_t n = 0;
	int s;

	*more = 0;
	if (max > NAMES_BATCH)
		max = NAMES_BATCH;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while (n < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (!b && !(b = malloc(sizeof(*b)))) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
			break;
		}
		b->idx[n] = (uint64_t)sqlite3_column_int64(st, 0);
		tims_buf_reset(&plain);
		if ((rc = post_open_body(p, b->idx[n], sqlite3_column_blob(st, 1),
					 (size_t)sqlite3_column_bytes(st, 1), &plain, err)) ||
		    (rc = tims_record_decode(plain.buf, plain.len, &b->rec, err)) ||
		    (rc = names_keys(p, &b->rec, b->dob[n], b->skel[n], err)))
			break;
		n++;
	}
	sqlite3_reset(st);
	if (!rc && n) {
		if (!(rc = tims_mlog_begin(p->log, err))) {
			for (size_t i = 0; i < n && !rc; i++) {
				if (!(rc = names_set(p, b->idx[i], b->dob[i], b->skel[i], err))) {
					sqlite3_bind_int64(p->st[ST_NAMES_DONE], 1,
							   (sqlite3_int64)b->idx[i]);
					rc = post_exec(p, ST_NAMES_DONE, "indexing a record's names", err);
				}
			}
			if (rc) {
				tims_mlog_rollback(p->log);
			} else {
				int committed;

				rc = tims_mlog_commit(p->log, &committed, err);
				if (!committed && !rc)
					rc = tims_err_set(err, TIMS_ERR_DB, "post.db: indexing names: "
							  "not committed");
			}
		}
	}
	if (!rc) { /* any left? */
		sqlite3_bind_int64(st, 1, 1);
		*more = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	sqlite3_clear_bindings(st);
	if (b) {
		sodium_memzero(b, sizeof(*b));
		free(b);
	}
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	return rc;
}

tims_rc tims_post_index_names(struct tims_post *p, size_t max, int *more, struct tims_err *err)
{
	tims_rc rc;

	post_lock(p);
	rc = post_names_owed(p, max, more, err);
	post_unlock(p);
	return rc;
}

tims_rc post_index_pending(struct tims_post *p, struct tims_err *err)
{
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_record *rec;
	tims_rc rc = TIMS_OK;
	int more = 1, s;

	if (!(rec = malloc(sizeof(*rec))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	while (more && !rc) {
		uint64_t idx[256];
		char hex[256][TIMS_VAULT_BLIND_HEX];
		size_t n = 0;

		sqlite3_stmt *st = p->st[ST_UNINDEXED];
		while (n < 256 && (s = sqlite3_step(st)) == SQLITE_ROW) {
			idx[n] = (uint64_t)sqlite3_column_int64(st, 0);
			tims_buf_reset(&plain);
			if ((rc = post_open_body(p, idx[n], sqlite3_column_blob(st, 1),
						 (size_t)sqlite3_column_bytes(st, 1), &plain, err)) ||
			    (rc = tims_record_decode(plain.buf, plain.len, rec, err)) ||
			    (rc = post_doc_index(p, rec->person.doc_number, hex[n], err)))
				break;
			n++;
		}
		more = n == 256;
		sqlite3_reset(st);
		if (rc || n == 0)
			break;
		if ((rc = tims_mlog_begin(p->log, err)))
			break;
		for (size_t i = 0; i < n && !rc; i++) {
			sqlite3_bind_int64(p->st[ST_SET_DOC], 1, (sqlite3_int64)idx[i]);
			sqlite3_bind_text(p->st[ST_SET_DOC], 2, hex[i], -1, SQLITE_STATIC);
			rc = post_exec(p, ST_SET_DOC, "indexing a record", err);
		}
		if (rc) {
			tims_mlog_rollback(p->log);
		} else {
			int committed;

			rc = tims_mlog_commit(p->log, &committed, err);
			if (!committed && !rc)
				rc = tims_err_set(err, TIMS_ERR_DB, "post.db: indexing: not committed");
		}
	}
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	return rc;
}

tims_rc post_last(struct tims_post *p, uint64_t *size, int64_t *last_ms,
		  struct tims_err *err)
{
	uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
	size_t elen;
	tims_rc rc;

	*last_ms = 0;
	rc = tims_mlog_last(p->log, size, entry, sizeof(entry), &elen, err);
	if (!rc && *size && elen == TIMS_RECORD_ENTRY_BYTES)
		*last_ms = tims_record_entry_time(entry);
	return rc;
}

tims_rc tims_post_size(struct tims_post *p, uint64_t *size,
		       struct tims_err *err)
{
	tims_rc rc;

	if (p->rlog) {
		pthread_mutex_lock(&p->rmu);
		rc = tims_mlog_size(p->rlog, size, err);
		pthread_mutex_unlock(&p->rmu);
		return rc;
	}
	post_lock(p);
	rc = tims_mlog_size(p->log, size, err);
	post_unlock(p);
	return rc;
}

const char *tims_post_origin(const struct tims_post *p)
{
	return p->origin;
}

const char *tims_post_dir(const struct tims_post *p)
{
	return p->dir;
}

const struct tims_verifier *tims_post_verifier(const struct tims_post *p)
{
	return &p->verifier;
}

const struct tims_mlog *tims_post_mlog(const struct tims_post *p)
{
	return p->log;
}

/* The log's stored hashes, read through the readers' connection (or under
 * the post's lock): a reader handed out is used later, perhaps while
 * another thread commits a group. */
static tims_rc read_locked(void *ctx, const uint64_t *idx, size_t n,
			   tims_hash *out)
{
	struct tims_post *p = ctx;
	struct tims_tlog_reader r;
	tims_rc rc;

	if (p->rlog) {
		pthread_mutex_lock(&p->rmu);
		tims_mlog_reader(p->rlog, &r);
		rc = r.read(r.ctx, idx, n, out);
		pthread_mutex_unlock(&p->rmu);
		return rc;
	}
	post_lock(p);
	tims_mlog_reader(p->log, &r);
	rc = r.read(r.ctx, idx, n, out);
	post_unlock(p);
	return rc;
}

void tims_post_reader(struct tims_post *p, struct tims_tlog_reader *r)
{
	r->ctx = p;
	r->read = read_locked;
}

/* ---- config ---- */

static const char *const kinds[] = { "land", "port", "airport" };

static int valid_kind(const char *k)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i], k))
			return 1;
	return 0;
}

/* "key = value" lines; '#' comments. Known keys only. */
static tims_rc parse_config(struct tims_post *p, const char *text,
			    size_t len, const char *path, struct tims_err *err)
{
	static const struct { const char *key; size_t off, size; } keys[] = {
		{ "origin", offsetof(struct tims_post, origin), TIMS_NOTE_MAX_NAME + 1 },
		{ "name", offsetof(struct tims_post, name), TIMS_NOTE_MAX_NAME + 1 },
		{ "kind", offsetof(struct tims_post, kind), 16 },
	};
	size_t pos = 0, line = 0;

	while (pos < len) {
		size_t end = pos, k, klen, vstart, vend;
		const char *eq;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		eq = memchr(text + pos, '=', end - pos);
		if (end == pos || text[pos] == '#') {
			pos = end + 1;
			continue;
		}
		if (!eq)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: want key = value",
					    path, line);
		klen = (size_t)(eq - (text + pos));
		while (klen && text[pos + klen - 1] == ' ')
			klen--;
		vstart = (size_t)(eq - text) + 1;
		while (vstart < end && text[vstart] == ' ')
			vstart++;
		vend = end;
		while (vend > vstart && text[vend - 1] == ' ')
			vend--;
		for (k = 0; k < TIMS_ARRAY_SIZE(keys); k++)
			if (strlen(keys[k].key) == klen &&
			    !memcmp(keys[k].key, text + pos, klen))
				break;
		if (k == TIMS_ARRAY_SIZE(keys))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: unknown key", path,
					    line);
		if (vend - vstart >= keys[k].size)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: %s too long", path,
					    line, keys[k].key);
		memcpy((char *)p + keys[k].off, text + vstart, vend - vstart);
		((char *)p + keys[k].off)[vend - vstart] = '\0';
		pos = end + 1;
	}
	if (!p->origin[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: no origin",
				    path);
	if (!valid_kind(p->kind))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: kind must be land, port or airport",
				    path);
	return TIMS_OK;
}

/* ---- open ---- */

/* The log in post.db, signed with the post's key under its origin. */
static tims_rc open_log(struct tims_post *p, enum tims_mlog_open_mode mode,
			struct tims_err *err)
{
	char db[POST_PATH_MAX], cp[POST_PATH_MAX];
	struct tims_mlog_config c = {
		.label = p->dir, .db_path = db, .db_name = "post.db",
		.prefix = "", .leaf_table = "records",
		.noun = "record", .nouns = "records", .a_noun = "a record",
		.owner = "post", .verify_command = "tims log verify",
		.schema = schema, .schema_version = SCHEMA_VERSION,
		.origin = p->origin, .checkpoint_path = cp,
		.verifier_name = "post.vkey", .verifier = &p->verifier,
		.signer = p->has_signer ? &p->signer : NULL,
	};
	tims_rc rc;

	if ((rc = post_path(p, "post.db", db, err)) ||
	    (rc = post_path(p, "checkpoint", cp, err)) ||
	    (rc = tims_mlog_open(&c, mode, &p->log, err)))
		return rc;
	p->db = tims_mlog_db(p->log);
	/* Registrations sign a checkpoint in every commit; its copy outside
	 * post.db is rewritten once per checkpoint interval, not per commit
	 * (two fsyncs and a rename each): tims_mlog_set_outside_interval. */
	tims_mlog_set_outside_interval(p->log, TIMS_POST_CHECKPOINT_MS);
	for (int i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(p->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &p->st[i],
				       NULL) != SQLITE_OK)
			return post_db_err(p, stmt_sql[i], err);
	if (!p->has_signer)
		return TIMS_OK;
	if (sqlite3_exec(p->db, owed_schema, NULL, NULL, NULL) != SQLITE_OK)
		return post_db_err(p, "creating the audit_owed table", err);
	for (int i = 0; i < OW_COUNT; i++)
		if (sqlite3_prepare_v3(p->db, owed_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &p->owed[i],
				       NULL) != SQLITE_OK)
			return post_db_err(p, owed_sql[i], err);
	/* The readers' connection (internal.h): no key, no checks of its own
	 * (the writer's open made them), never written through. */
	c.signer = NULL;
	if ((rc = tims_mlog_open(&c, TIMS_MLOG_OPEN, &p->rlog, err)))
		return rc;
	if (sqlite3_prepare_v3(tims_mlog_db(p->rlog), owed_sql[OW_LIST], -1,
			       SQLITE_PREPARE_PERSISTENT, &p->rowed_list, NULL) != SQLITE_OK)
		return tims_mlog_db_err(p->rlog, owed_sql[OW_LIST], err);
	return TIMS_OK;
}

void post_note_broken(struct tims_post *p)
{
	const char *why = p->log ? tims_mlog_broken(p->log) : NULL;

	if (!why)
		return;
	pthread_mutex_lock(&p->smu);
	if (!p->broken) {
		snprintf(p->broken_why, sizeof(p->broken_why), "%s", why);
		p->broken = 1;
	}
	pthread_mutex_unlock(&p->smu);
}

static tims_rc load_keys(struct tims_post *p, enum tims_post_mode mode,
			 struct tims_err *err)
{
	char vkey[POST_PATH_MAX], skey[POST_PATH_MAX];
	tims_rc rc;

	if ((rc = post_path(p, "post.vkey", vkey, err)) ||
	    (rc = post_path(p, "post.skey", skey, err)))
		return rc;
	rc = tims_mlog_load_keys(p->dir, vkey,
				 mode == TIMS_POST_WRITE ? skey : NULL,
				 &p->verifier, &p->signer, err);
	if (!rc && mode == TIMS_POST_WRITE)
		p->has_signer = 1;
	return rc;
}

static tims_rc read_config(struct tims_post *p, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	struct tims_buf b = TIMS_BUF_INIT(65536);
	tims_rc rc;

	if ((rc = post_path(p, "config", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: not a post directory (no config)",
				    p->dir);
	if ((rc = tims_read_file(path, 65536, &b, err)))
		return rc;
	rc = parse_config(p, b.buf, b.len, path, err);
	tims_buf_release(&b);
	return rc;
}

static struct tims_post *post_new(const char *dir, struct tims_err *err)
{
	struct tims_post *p;

	if (sodium_init() < 0) {
		tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (snprintf(p->dir, sizeof(p->dir), "%s", dir) >= (int)sizeof(p->dir)) {
		free(p);
		tims_err_set(err, TIMS_ERR_TOOBIG, "post directory: path too long");
		return NULL;
	}
	snprintf(p->kind, sizeof(p->kind), "land");
	{
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&p->mu, &a);
		pthread_mutexattr_destroy(&a);
	}
	pthread_mutex_init(&p->rmu, NULL);
	pthread_mutex_init(&p->nmu, NULL);
	pthread_mutex_init(&p->smu, NULL);
	pthread_mutex_init(&p->gmu, NULL);
	pthread_cond_init(&p->gcond, NULL);
	p->queue_tail = &p->queue;
	return p;
}

void post_lock(const struct tims_post *p)
{
	pthread_mutex_lock((pthread_mutex_t *)&p->mu);
}

void post_unlock(const struct tims_post *p)
{
	pthread_mutex_unlock((pthread_mutex_t *)&p->mu);
}

/* A post.db of schema 1 kept personal data in clear: refused until
 * `tims post seal` has sealed it (no silent plaintext). */
static tims_rc check_sealed(struct tims_post *p, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;
	tims_rc rc;

	if ((rc = post_path(p, "post.db", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK; /* tims_mlog_open says so */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (v == 1)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: post.db keeps personal data in clear (schema 1); seal it "
				    "first: tims post seal %s [--token URI] (docs/operations.md)",
				    p->dir, p->dir);
	return TIMS_OK;
}

/*
 * A post.db of schema 2 (no name search keys) made schema 3 by the first
 * process that opens it (the node at its start, or a command such as tims
 * log verify: all of them open post.db for writing), in one transaction:
 * the tables, the trigger, and every record with a payload owed its keys
 * (the node's timer makes them in steps, tims_post_index_names; a search
 * fails closed until then). Pure SQL, no key needed. A version newer than
 * this build: refused untouched.
 */
static tims_rc migrate(struct tims_post *p, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	sqlite3 *db = NULL;
	int v = 0;
	tims_rc rc;

	if ((rc = post_path(p, "post.db", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK; /* tims_mlog_open says so, or makes it */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path, db ? sqlite3_errmsg(db) : "open");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, 10000);
	if ((rc = tims_schema_begin(db, path, SCHEMA_VERSION, &v, err)))
		goto out;
	if (v != SCHEMA_SEALED) {
		tims_schema_abort(db); /* current, or not a post.db tims_mlog_open accepts */
		goto out;
	}
	if (sqlite3_exec(db, NAMES_SCHEMA "INSERT OR IGNORE INTO names_pending (idx)"
			 " SELECT idx FROM records WHERE body IS NOT NULL;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: migrating to schema %d: %s", path,
				  SCHEMA_VERSION, sqlite3_errmsg(db));
		tims_schema_abort(db);
		goto out;
	}
	rc = tims_schema_commit(db, path, SCHEMA_VERSION, err);
out:
	sqlite3_close(db);
	return rc;
}

/* DIR's vault; a post made before vaults existed is told how to get one. */
static tims_rc open_vault(struct tims_post *p, struct tims_err *err)
{
	tims_rc rc = tims_vault_open(p->dir, &p->vault, err);

	if (rc == TIMS_ERR_NOTFOUND)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: no vault (vault.conf): made before personal data was "
				    "sealed; run: tims post seal %s --token URI (docs/operations.md)",
				    p->dir, p->dir);
	return rc;
}

static tims_rc restore_vault(struct tims_post *p, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc;

	if ((rc = post_path(p, "vault.conf", path, err)))
		return rc;
	return access(path, F_OK) == 0 ? TIMS_OK : tims_vault_create(p->dir, NULL, err);
}

struct tims_vault *tims_post_vault(const struct tims_post *p)
{
	return p->vault;
}

tims_rc tims_post_open(const char *dir, enum tims_post_mode mode,
		       struct tims_post **out, struct tims_err *err)
{
	struct tims_post *p = post_new(dir, err);
	tims_rc rc;

	*out = NULL;
	if (!p)
		return err ? err->rc : TIMS_ERR_NOMEM;
	/* A writer's log refuses a post.db rolled back behind the checkpoint
	 * file (tims_mlog_open). */
	if ((rc = read_config(p, err)) || (rc = check_sealed(p, err)) ||
	    (rc = migrate(p, err)) ||
	    (rc = open_vault(p, err)) || (rc = load_keys(p, mode, err)) ||
	    (rc = open_log(p, TIMS_MLOG_OPEN, err)) ||
	    (mode == TIMS_POST_WRITE && (rc = post_read_halt(p, err)))) {
		tims_post_free(p);
		return rc;
	}
	/* rows registered while the token was out get their index now (or at
	 * the first history lookup that finds the token back) */
	if (mode == TIMS_POST_WRITE && tims_vault_state(p->vault) == TIMS_VAULT_OPEN)
		(void)post_index_pending(p, NULL);
	*out = p;
	return TIMS_OK;
}

tims_rc tims_post_open_restore(const char *dir, struct tims_post **out,
			       struct tims_err *err)
{
	struct tims_post *p = post_new(dir, err);
	char db[POST_PATH_MAX];
	tims_rc rc;

	*out = NULL;
	if (!p)
		return err ? err->rc : TIMS_ERR_NOMEM;
	/* a post restored onto a new machine gets a new vault (TIMS_TOKEN):
	 * the records are sealed again as they are imported */
	if ((rc = read_config(p, err)) || (rc = check_sealed(p, err)) ||
	    (rc = migrate(p, err)) || (rc = restore_vault(p, err)) || (rc = open_vault(p, err)) ||
	    (rc = load_keys(p, TIMS_POST_READ, err)) ||
	    (rc = post_path(p, "post.db", db, err)) ||
	    (rc = open_log(p, access(db, F_OK) == 0 ? TIMS_MLOG_OPEN
						      : TIMS_MLOG_CREATE, err))) {
		tims_post_free(p);
		return rc;
	}
	*out = p;
	return TIMS_OK;
}

void tims_post_free(struct tims_post *p)
{
	if (!p)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(p->st[i]);
	for (int i = 0; i < OW_COUNT; i++)
		sqlite3_finalize(p->owed[i]);
	sqlite3_finalize(p->rowed_list);
	tims_mlog_free(p->rlog);
	tims_mlog_free(p->log);
	tims_national_close(p->national);
	tims_vault_close(p->vault);
	if (p->has_signer)
		tims_signer_release(&p->signer);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->rmu);
	pthread_mutex_destroy(&p->nmu);
	pthread_mutex_destroy(&p->smu);
	pthread_mutex_destroy(&p->gmu);
	pthread_cond_destroy(&p->gcond);
	free(p);
}

/* ---- halt ---- */

/*
 * DIR/halted: "since_ms = N", "peer_size = N", "reason = TEXT" lines. It
 * outlives the process on purpose: a post that learnt it was rolled back
 * must not acknowledge again because it was restarted.
 */
static tims_rc halt_path(const char *dir, char *out, struct tims_err *err)
{
	if (snprintf(out, POST_PATH_MAX, "%s/halted", dir) >= POST_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

static int halt_field(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (len > kl + 3 && !strncmp(l, key, kl) && !strncmp(l + kl, " = ", 3)) {
			snprintf(out, cap, "%.*s", (int)(len - kl - 3), l + kl + 3);
			return 1;
		}
	}
	return 0;
}

tims_rc tims_post_halt_read(const char *dir, char *why, size_t cap,
			    uint64_t *peer_size, int64_t *since_ms,
			    struct tims_err *err)
{
	char path[POST_PATH_MAX], num[32];
	struct tims_buf b = TIMS_BUF_INIT(8192);
	tims_rc rc;

	if ((rc = halt_path(dir, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not halted", dir);
	if ((rc = tims_read_file(path, 8192, &b, err)))
		return rc;
	if (why && !halt_field(b.buf, "reason", why, cap))
		snprintf(why, cap, "halted (%s gives no reason)", path);
	if (peer_size)
		*peer_size = halt_field(b.buf, "peer_size", num, sizeof(num))
			? strtoull(num, NULL, 10) : 0;
	if (since_ms)
		*since_ms = halt_field(b.buf, "since_ms", num, sizeof(num))
			? strtoll(num, NULL, 10) : 0;
	tims_buf_release(&b);
	return TIMS_OK;
}

tims_rc post_read_halt(struct tims_post *p, struct tims_err *err)
{
	tims_rc rc = tims_post_halt_read(p->dir, p->halt_why, sizeof(p->halt_why),
					 NULL, NULL, err);

	if (rc == TIMS_ERR_NOTFOUND) {
		tims_err_clear(err);
		return TIMS_OK;
	}
	if (!rc)
		p->halted = 1;
	return rc;
}

tims_rc tims_post_halt(struct tims_post *p, const char *reason,
		       uint64_t peer_size, struct tims_err *err)
{
	char path[POST_PATH_MAX], clean[TIMS_ERR_MSG_BYTES];
	struct tims_buf b = TIMS_BUF_INIT(8192);
	size_t i;
	tims_rc rc;

	post_lock(p);
	pthread_mutex_lock(&p->smu);
	if (p->halted) {
		pthread_mutex_unlock(&p->smu);
		post_unlock(p);
		return TIMS_OK; /* the first reason stands */
	}
	for (i = 0; reason[i] && i + 1 < sizeof(clean); i++)
		clean[i] = (unsigned char)reason[i] < 0x20 ? ' ' : reason[i];
	clean[i] = '\0';
	snprintf(p->halt_why, sizeof(p->halt_why), "%s", clean);
	p->halted = 1;
	pthread_mutex_unlock(&p->smu);
	if ((rc = halt_path(p->dir, path, err)) ||
	    (rc = tims_buf_addf(&b, "# tims: this post stopped acknowledging crossings;\n"
				"# see docs/operations.md, \"A post that stopped\"\n"
				"since_ms = %" PRId64 "\npeer_size = %" PRIu64
				"\nreason = %s\n", tims_mlog_now_ms(), peer_size,
				clean)))
		rc = tims_err_set(err, rc, "halt: out of memory");
	else
		rc = tims_write_file(path, b.buf, b.len, 0600, 1, err);
	tims_buf_release(&b);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_halt_clear(const char *dir, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc;

	if ((rc = halt_path(dir, path, err)))
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	return tims_fsync_dir_of(path, err);
}

const char *tims_post_halted(const struct tims_post *p, int *persistent)
{
	struct tims_post *w = (struct tims_post *)(uintptr_t)p;
	const char *why;

	/* Never waits for a group's commit: the I/O stop as last noted
	 * (post_note_broken), unless the log is free to ask now. */
	if (pthread_mutex_trylock(&w->mu) == 0) {
		post_note_broken(w);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_lock(&w->smu);
	why = w->broken ? w->broken_why : NULL;
	if (persistent)
		*persistent = w->halted;
	if (w->halted)
		why = w->halt_why; /* written once, never changed after */
	pthread_mutex_unlock(&w->smu);
	return why;
}

/* ---- sealing a post.db of schema 1 (tims post seal) ---- */

static tims_rc seal_exec(sqlite3 *db, const char *sql, const char *what, struct tims_err *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "post.db: %s: %s", what, sqlite3_errmsg(db));
	return TIMS_OK;
}

/* Every row of `select` (KEY columns..., the clear bytes last) sealed into
 * `update` (?1 the first column, ?2 the blob), with ad from adfn. */
typedef void (*seal_ad_fn)(sqlite3_stmt *row, char *ad, size_t cap, int64_t *time_ms);

static tims_rc seal_rows(sqlite3 *db, struct tims_vault *v, const char *select,
			 const char *update, int col, seal_ad_fn adfn, uint64_t *n,
			 struct tims_err *err)
{
	struct tims_buf out = TIMS_BUF_INIT(SEAL_ROW_MAX);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(db, select, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, update, -1, &upd, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "post.db: sealing: %s", sqlite3_errmsg(db));
		goto out;
	}
	while (!rc && sqlite3_step(sel) == SQLITE_ROW) {
		char ad[128];
		int64_t t = 0;

		adfn(sel, ad, sizeof(ad), &t);
		tims_buf_reset(&out);
		if ((rc = tims_vault_seal(v, t, ad, strlen(ad), sqlite3_column_blob(sel, col),
					  (size_t)sqlite3_column_bytes(sel, col), &out, err)))
			break;
		sqlite3_reset(upd);
		sqlite3_bind_value(upd, 1, sqlite3_column_value(sel, 0));
		sqlite3_bind_blob(upd, 2, out.buf, (int)out.len, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "post.db: sealing: %s", sqlite3_errmsg(db));
		(*n)++;
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	tims_buf_release(&out);
	return rc;
}

static void owed_ad(sqlite3_stmt *row, char *ad, size_t cap, int64_t *t)
{
	snprintf(ad, cap, "post.audit_owed/%lld", (long long)sqlite3_column_int64(row, 0));
	*t = 0;
}

static void queue_ad(sqlite3_stmt *row, char *ad, size_t cap, int64_t *t)
{
	*t = sqlite3_column_int64(row, 2);
	snprintf(ad, cap, "post.event_queue/%d/%" PRId64, sqlite3_column_int(row, 1), *t);
}

static void approval_ad(sqlite3_stmt *row, char *ad, size_t cap, int64_t *t)
{
	snprintf(ad, cap, "post.approvals/%s", (const char *)sqlite3_column_text(row, 0));
	*t = sqlite3_column_int64(row, 1);
}

static int table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

static tims_rc seal_post_db(struct tims_post *p, sqlite3 *db, uint64_t *records,
			    uint64_t *other, struct tims_err *err)
{
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES + TIMS_VAULT_OVERHEAD);
	struct tims_record *rec = malloc(sizeof(*rec));
	sqlite3_stmt *sel = NULL, *ins = NULL;
	tims_rc rc;

	if (!rec)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = seal_exec(db, "PRAGMA secure_delete=ON; BEGIN IMMEDIATE;", "begin", err)) ||
	    (rc = seal_exec(db, RECORDS_TABLE("records_sealed"), "new records table", err)))
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT idx, ref, salt, body, corrects, entry FROM records"
			       " ORDER BY idx", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO records_sealed (idx, ref, doc, time_ms, direction,"
			       " decision, salt, body, corrects, entry)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &ins,
			       NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "post.db: sealing: %s", sqlite3_errmsg(db));
		goto out;
	}
	while (!rc && sqlite3_step(sel) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(sel, 0);
		const uint8_t *entry = sqlite3_column_blob(sel, 5);
		int64_t t = sqlite3_column_bytes(sel, 5) == TIMS_RECORD_ENTRY_BYTES
				    ? tims_record_entry_time(entry) : INT64_MIN;
		char doc[TIMS_VAULT_BLIND_HEX];

		if (t == INT64_MIN) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "record %" PRIu64 ": malformed entry",
					  idx);
			break;
		}
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)idx);
		sqlite3_bind_value(ins, 2, sqlite3_column_value(sel, 1));
		sqlite3_bind_int64(ins, 4, t);
		sqlite3_bind_int(ins, 5, 0);
		sqlite3_bind_int(ins, 6, 0);
		sqlite3_bind_value(ins, 9, sqlite3_column_value(sel, 4));
		sqlite3_bind_blob(ins, 10, entry, TIMS_RECORD_ENTRY_BYTES, SQLITE_STATIC);
		if (sqlite3_column_type(sel, 3) != SQLITE_NULL) {
			const void *body = sqlite3_column_blob(sel, 3);
			size_t len = (size_t)sqlite3_column_bytes(sel, 3);

			tims_buf_reset(&sealed);
			if ((rc = tims_record_decode(body, len, rec, err)) ||
			    (rc = post_seal_body(p, idx, t, body, len, &sealed, err)) ||
			    (rc = post_doc_index(p, rec->person.doc_number, doc, err)))
				break;
			sqlite3_bind_text(ins, 3, doc, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(ins, 5, rec->direction);
			sqlite3_bind_int(ins, 6, rec->decision);
			sqlite3_bind_value(ins, 7, sqlite3_column_value(sel, 2));
			sqlite3_bind_blob(ins, 8, sealed.buf, (int)sealed.len, SQLITE_STATIC);
		}
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "post.db: sealing: %s", sqlite3_errmsg(db));
		(*records)++;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sel = ins = NULL;
	if (rc ||
	    (rc = seal_exec(db, "DROP TABLE records; ALTER TABLE records_sealed RENAME TO records;"
			    RECORDS_RULES, "the sealed records table", err)))
		goto out;
	if (table_exists(db, "audit_owed") &&
	    (rc = seal_rows(db, p->vault, "SELECT idx, event FROM audit_owed",
			    "UPDATE audit_owed SET event = ?2 WHERE idx = ?1", 1, owed_ad, other, err)))
		goto out;
	if (table_exists(db, "event_queue") &&
	    (rc = seal_rows(db, p->vault, "SELECT seq, kind, time_ms, event FROM event_queue",
			    "UPDATE event_queue SET event = ?2 WHERE seq = ?1", 3, queue_ad, other,
			    err)))
		goto out;
	if (table_exists(db, "approvals") &&
	    ((rc = seal_exec(db, "DROP TRIGGER IF EXISTS approvals_once", "approvals", err)) ||
	     (rc = seal_rows(db, p->vault, "SELECT id, created_ms, records FROM approvals",
			     "UPDATE approvals SET records = ?2 WHERE id = ?1", 2, approval_ad,
			     other, err))))
		goto out;
	/* approvals_once comes back with the next writer (approvals.c) */
	{
		char sql[64];

		/* sealed: schema 2; the next writer adds what came after it */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; COMMIT;", SCHEMA_SEALED);
		rc = seal_exec(db, sql, "commit", err);
	}
out:
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	tims_buf_release(&sealed);
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	return rc;
}

tims_rc tims_post_seal(const char *dir, const char *token, struct tims_post_seal_stats *st,
		       struct tims_err *err)
{
	struct tims_post *p;
	char path[POST_PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *ver = NULL;
	int v = -1;
	tims_rc rc;

	memset(st, 0, sizeof(*st));
	if (!(p = post_new(dir, err)))
		return err ? err->rc : TIMS_ERR_NOMEM;
	if ((rc = read_config(p, err)) || (rc = post_path(p, "vault.conf", path, err)))
		goto out;
	if (access(path, F_OK) != 0) {
		if ((rc = tims_vault_create(dir, token, err)))
			goto out;
		st->vault_made = 1;
	}
	if ((rc = tims_vault_open(dir, &p->vault, err)))
		goto out;
	if (tims_vault_state(p->vault) != TIMS_VAULT_OPEN) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "the key token is unavailable: %s",
				  tims_vault_why(p->vault));
		goto out;
	}
	if ((rc = post_path(p, "post.db", path, err)))
		goto out;
	if (access(path, F_OK) != 0) /* lost: a vault for the restore, nothing to seal */
		goto out;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path, db ? sqlite3_errmsg(db) : "open");
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &ver, NULL) == SQLITE_OK &&
	    sqlite3_step(ver) == SQLITE_ROW)
		v = sqlite3_column_int(ver, 0);
	sqlite3_finalize(ver);
	if (v == 1) {
		if ((rc = seal_post_db(p, db, &st->records, &st->other, err)))
			goto out;
		/* the clear rows may linger in free pages and the WAL */
		if ((rc = seal_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;"
				    " PRAGMA wal_checkpoint(TRUNCATE);", "vacuum", err)))
			goto out;
	} else if (v != SCHEMA_VERSION && v != SCHEMA_SEALED) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "%s: schema version %d, want 1 to %d", path, v,
				  SCHEMA_VERSION);
		goto out;
	}
	rc = tims_audit_seal_old(dir, p->vault, &st->events, err);
out:
	sqlite3_close(db);
	tims_post_free(p);
	return rc;
}

/* ---- init ---- */

static tims_rc write_new(struct tims_post *p, const char *name,
			 const char *data, unsigned mode, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc = post_path(p, name, path, err);

	return rc ? rc : tims_write_file(path, data, strlen(data), mode, 0, err);
}

static const char default_regimes[] =
	"# stay-regimes.conf — the stay rule per nationality (tims history).\n"
	"# See docs/formats.md. Lines:\n"
	"#   default short-stay DAYS WINDOW   everyone not listed (90 in 180)\n"
	"#   short-stay NAT DAYS WINDOW       another limit for nationality NAT\n"
	"#   exempt NAT...                    no limit (own citizens, ...)\n"
	"#   visa NAT...                      limits come from the visa\n"
	"default short-stay 90 180\n";

tims_rc tims_post_init(const char *dir, const char *origin, const char *name,
		       const char *kind, struct tims_err *err)
{
	return tims_post_init_token(dir, origin, name, kind, NULL, NULL, err);
}

tims_rc tims_post_init_token(const char *dir, const char *origin, const char *name,
			     const char *kind, const char *token, const char *key_token,
			     struct tims_err *err)
{
	struct tims_post *p;
	struct tims_buf cfg = TIMS_BUF_INIT(4096);
	char path[POST_PATH_MAX], *skey = NULL, *vkey = NULL;
	char label[TIMS_P11_LABEL_MAX + 1];
	int issued;
	tims_rc rc;

	if (!origin || !*origin || strlen(origin) > TIMS_NOTE_MAX_NAME ||
	    strpbrk(origin, " +\n\t"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "origin: want a name of 1-%d characters without spaces or '+'",
				    TIMS_NOTE_MAX_NAME);
	if (!valid_kind(kind))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "kind: must be land, port or airport");
	if (!name || !*name || strlen(name) > TIMS_NOTE_MAX_NAME ||
	    strpbrk(name, "\n"))
		return tims_err_set(err, TIMS_ERR_INVALID, "name: 1-%d characters",
				    TIMS_NOTE_MAX_NAME);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir,
				    strerror(errno));
	if (!(p = post_new(dir, err)))
		return err ? err->rc : TIMS_ERR_NOMEM;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->kind, sizeof(p->kind), "%s", kind);
	/* Refuse to init over any part of an existing post. */
	for (const char *const *f = (const char *const[]){ "config", "post.db",
		     "post.skey", "post.vkey", "checkpoint", "vault.conf", "keys.db",
		     NULL }; *f; f++) {
		if ((rc = post_path(p, *f, path, err)))
			goto out;
		if (access(path, F_OK) == 0) {
			rc = tims_err_set(err, TIMS_ERR_EXISTS,
					  "%s: already holds a post (%s exists)",
					  dir, *f);
			goto out;
		}
	}
	/* the vault first: a post without a key token is refused before any
	 * other file is made (personal data is never stored in clear) */
	if ((rc = tims_vault_create(dir, token, err)) ||
	    (rc = tims_note_key_label("post", label, sizeof(label), err)) ||
	    (rc = tims_note_keygen_in(key_token, label, origin, TIMS_KEY_ED25519,
				      &skey, &vkey, err)))
		goto out;
	if ((rc = tims_buf_addf(&cfg, "# TIMS post (tims post init)\n"
				"origin = %s\nname = %s\nkind = %s\n",
				origin, name, kind)))
		goto out;
	if ((rc = write_new(p, "post.skey", skey, 0600, err)))
		goto out;
	{
		struct tims_buf v = TIMS_BUF_INIT(4096);

		rc = tims_buf_addf(&v, "%s\n", vkey);
		if (!rc)
			rc = write_new(p, "post.vkey", v.buf, 0644, err);
		tims_buf_release(&v);
		if (rc)
			goto out;
	}
	if ((rc = write_new(p, "stay-regimes.conf", default_regimes, 0644, err)) ||
	    (rc = load_keys(p, TIMS_POST_WRITE, err)) ||
	    (rc = open_log(p, TIMS_MLOG_CREATE, err)) ||
	    (rc = write_new(p, "config", cfg.buf, 0644, err)) ||
	    (rc = tims_post_checkpoint(p, &issued, err)))
		goto out;
out:
	if (skey)
		tims_note_free_secret(skey);
	free(vkey);
	tims_buf_release(&cfg);
	tims_post_free(p);
	return rc;
}
