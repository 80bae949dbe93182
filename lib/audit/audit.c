/*
 * audit.c — the audit log of a node: a signed Merkle log in DIR/audit.db
 * (see include/tims/audit.h).
 *
 * Same construction as the crossing log: salted 42-byte leaf entries,
 * RFC 6962 stored hashes (tims/tlog.h), C2SP checkpoints signed with the
 * post's key under the origin "<post origin>/audit", every checkpoint kept,
 * the latest also in DIR/audit.checkpoint outside the database so that an
 * audit.db rolled back to an older copy is refused for writing and named by
 * verification. Triggers refuse UPDATE and DELETE except payload erasure.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "audit_int.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS events(idx INTEGER PRIMARY KEY, salt BLOB, body BLOB,"
	" entry BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS hashes(id INTEGER PRIMARY KEY, hash BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);"
	"CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events"
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry AND NEW.salt IS NULL"
	" AND NEW.body IS NULL)"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (only retention may erase a payload)'); END;"
	"CREATE TRIGGER IF NOT EXISTS hashes_no_change BEFORE UPDATE ON hashes"
	" BEGIN SELECT RAISE(ABORT, 'stored hashes are append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS hashes_no_delete BEFORE DELETE ON hashes"
	" BEGIN SELECT RAISE(ABORT, 'stored hashes are append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS checkpoints_no_change BEFORE UPDATE ON checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;";

static tims_rc db_err(struct tims_audit *a, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "audit log: %s: %s", what, sqlite3_errmsg(a->db));
}

static tims_rc path_of(const struct tims_audit *a, const char *name, char *out, size_t len,
		       struct tims_err *err)
{
	if (snprintf(out, len, "%s/%s", a->dir, name) >= (int)len)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", a->dir);
	return TIMS_OK;
}

static tims_rc read_trimmed(const struct tims_audit *a, const char *name, size_t max,
			    struct tims_buf *b, struct tims_err *err)
{
	char path[4200];
	tims_rc rc;

	if ((rc = path_of(a, name, path, sizeof(path), err)) ||
	    (rc = tims_read_file(path, max, b, err)))
		return rc;
	while (b->len && (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		tims_buf_setlen(b, b->len - 1);
	return TIMS_OK;
}

/* The post's origin, from its config ("origin = NAME"). */
static tims_rc load_origin(struct tims_audit *a, struct tims_err *err)
{
	struct tims_buf b;
	const char *p;
	tims_rc rc;

	if ((rc = read_trimmed(a, "config", 65536, &b, err)))
		return rc;
	for (p = b.buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t n = strcspn(p, "\n");

		if (n > 9 && !strncmp(p, "origin = ", 9) && n - 9 + 6 <= TIMS_NOTE_MAX_NAME) {
			snprintf(a->origin, sizeof(a->origin), "%.*s/audit", (int)(n - 9), p + 9);
			break;
		}
	}
	tims_buf_release(&b);
	if (!a->origin[0])
		return tims_err_set(err, TIMS_ERR_STATE, "%s/config: no origin", a->dir);
	return TIMS_OK;
}

static tims_rc load_keys(struct tims_audit *a, enum tims_audit_mode mode, struct tims_err *err)
{
	struct tims_buf b;
	tims_rc rc;

	if ((rc = read_trimmed(a, "post.vkey", 4096, &b, err)))
		return rc;
	rc = tims_verifier_parse(b.buf, &a->verifier, err);
	tims_buf_release(&b);
	if (rc || mode != TIMS_AUDIT_WRITE)
		return rc;
	if ((rc = read_trimmed(a, "post.skey", 4096, &b, err)))
		return rc;
	rc = tims_signer_from_skey(b.buf, &a->signer, err);
	sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	if (rc)
		return rc;
	a->has_signer = 1;
	if (a->signer.keyhash != a->verifier.keyhash ||
	    memcmp(a->signer.pub, a->verifier.pub, TIMS_PUBKEY_BYTES))
		return tims_err_set(err, TIMS_ERR_STATE, "%s: post.skey and post.vkey are not a pair",
				    a->dir);
	return TIMS_OK;
}

static tims_rc count_events(struct tims_audit *a, uint64_t *n, struct tims_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db, "SELECT coalesce(max(idx) + 1, 0) FROM events", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(a, "count", err);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? TIMS_OK : db_err(a, "count", err);
}

/* The latest checkpoint in the database: its note and parsed body. */
static tims_rc latest(struct tims_audit *a, struct tims_buf *note, struct tims_checkpoint *cp,
		      int *have, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int s;

	*have = 0;
	if (sqlite3_prepare_v2(a->db, "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(a, "latest checkpoint", err);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		struct tims_note pn;

		tims_buf_reset(note);
		if ((rc = tims_buf_addstr(note, t ? t : "")) ||
		    (rc = tims_note_parse(note->buf, note->len, &pn, err)) ||
		    (rc = tims_checkpoint_parse(pn.text, pn.textlen, cp, err)))
			;
		else
			*have = 1;
	} else if (s != SQLITE_DONE) {
		rc = db_err(a, "latest checkpoint", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The checkpoint kept outside the database, if any. */
tims_rc audit_outside(struct tims_audit *a, struct tims_checkpoint *cp, int *have,
		       struct tims_err *err)
{
	struct tims_buf b;
	struct tims_note pn;
	char path[4200];
	tims_rc rc;

	*have = 0;
	if ((rc = path_of(a, "audit.checkpoint", path, sizeof(path), err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if ((rc = tims_read_file(path, TIMS_NOTE_MAX_BYTES, &b, err)))
		return rc;
	rc = tims_note_verify(b.buf, b.len, &a->verifier, 1, &pn, err);
	if (!rc)
		rc = tims_checkpoint_parse(pn.text, pn.textlen, cp, err);
	tims_buf_release(&b);
	if (!rc)
		*have = 1;
	return rc;
}

static tims_rc read_hashes(void *ctx, const uint64_t *idx, size_t n, tims_hash *out)
{
	struct tims_audit *a = ctx;
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(a->db, "SELECT hash FROM hashes WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return TIMS_ERR_DB;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)idx[i]);
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != TIMS_HASH_BYTES)
			rc = TIMS_ERR_NOTFOUND;
		else
			memcpy(out[i], sqlite3_column_blob(st, 0), TIMS_HASH_BYTES);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_audit_open(const char *dir, enum tims_audit_mode mode,
			struct tims_audit **out, struct tims_err *err)
{
	struct tims_audit *a = calloc(1, sizeof(*a));
	char path[4200];
	tims_rc rc;

	if (!a)
		return tims_err_set(err, TIMS_ERR_NOMEM, "audit log: out of memory");
	if (sodium_init() < 0) {
		free(a);
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	}
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	tims_buf_init(&a->enc, AUDIT_ENC_MAX);
	if ((rc = load_origin(a, err)) || (rc = load_keys(a, mode, err)) ||
	    (rc = path_of(a, "audit.db", path, sizeof(path), err)))
		goto fail;
	if (mode == TIMS_AUDIT_READ && access(path, F_OK) != 0) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no audit log yet", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &a->db, mode == TIMS_AUDIT_WRITE
			    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
				  a->db ? sqlite3_errmsg(a->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(a->db, 5000);
	if (mode == TIMS_AUDIT_WRITE) {
		struct tims_checkpoint cp;
		uint64_t n;
		int have;

		chmod(path, 0600);
		if (sqlite3_exec(a->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_err(a, "schema", err);
			goto fail;
		}
		/* A database older than what this node published is not written to. */
		if ((rc = audit_outside(a, &cp, &have, err)) || (rc = count_events(a, &n, err)))
			goto fail;
		if (have && cp.size > n) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER,
				"%s: audit.db holds %" PRIu64 " events but audit.checkpoint signs %"
				PRIu64 " (rolled back to an older copy?)", dir, n, cp.size);
			goto fail;
		}
	}
	*out = a;
	return TIMS_OK;
fail:
	tims_audit_free(a);
	return rc;
}

void tims_audit_free(struct tims_audit *a)
{
	if (!a)
		return;
	if (a->has_signer)
		tims_signer_release(&a->signer);
	sqlite3_close(a->db);
	tims_buf_release(&a->enc);
	free(a);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static tims_rc exec_blob(struct tims_audit *a, const char *sql, int64_t id,
			 const void *b1, size_t n1, const void *b2, size_t n2,
			 const void *b3, size_t n3)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return TIMS_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	if (b1)
		sqlite3_bind_blob(st, 2, b1, (int)n1, SQLITE_STATIC);
	if (b2)
		sqlite3_bind_blob(st, 3, b2, (int)n2, SQLITE_STATIC);
	if (b3)
		sqlite3_bind_blob(st, 4, b3, (int)n3, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? TIMS_OK : TIMS_ERR_DB;
}

tims_rc tims_audit_append(struct tims_audit *a, struct tims_audit_event *ev,
			  uint64_t *index, struct tims_err *err)
{
	uint8_t salt[AUDIT_SALT_BYTES], entry[AUDIT_ENTRY_BYTES];
	tims_hash leaf, hashes[TIMS_TLOG_MAX_APPEND];
	struct tims_tlog_reader r = { a, read_hashes };
	size_t nh;
	uint64_t n;
	tims_rc rc;

	if (!a->has_signer)
		return tims_err_set(err, TIMS_ERR_STATE, "audit log: opened for reading");
	ev->time_ms = now_ms();
	if ((rc = audit_encode(ev, &a->enc, err)))
		return rc;
	randombytes_buf(salt, sizeof(salt));
	audit_entry(salt, a->enc.buf, a->enc.len, ev->time_ms, entry);
	tims_tlog_leaf_hash(entry, sizeof(entry), leaf);
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(a, "append", err);
	if ((rc = count_events(a, &n, err)) ||
	    (rc = tims_tlog_append_hashes(n, leaf, &r, hashes, &nh, err)))
		goto fail;
	for (size_t i = 0; i < nh; i++)
		if ((rc = exec_blob(a, "INSERT INTO hashes(id, hash) VALUES (?, ?)",
				    (int64_t)(tims_tlog_stored_index(0, n) + i), hashes[i],
				    TIMS_HASH_BYTES, NULL, 0, NULL, 0)))
			goto fail;
	if ((rc = exec_blob(a, "INSERT INTO events(idx, salt, body, entry) VALUES (?, ?, ?, ?)",
			    (int64_t)n, salt, sizeof(salt), a->enc.buf, a->enc.len, entry,
			    sizeof(entry))))
		goto fail;
	if (sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(a, "commit", err);
		goto fail;
	}
	sodium_memzero(salt, sizeof(salt));
	*index = n;
	return TIMS_OK;
fail:
	if (rc == TIMS_ERR_DB)
		db_err(a, "append", err);
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	sodium_memzero(salt, sizeof(salt));
	return rc;
}

tims_rc tims_audit_latest_checkpoint(struct tims_audit *a, struct tims_buf *note,
				     struct tims_checkpoint *cp, struct tims_err *err)
{
	struct tims_checkpoint tmp;
	int have;
	tims_rc rc = latest(a, note, cp ? cp : &tmp, &have, err);

	if (!rc && !have)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "audit log: no checkpoint yet");
	return rc;
}

tims_rc tims_audit_checkpoint(struct tims_audit *a, int *issued, struct tims_err *err)
{
	struct tims_buf body = TIMS_BUF_INIT(4096), note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES),
			prev = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_tlog_reader r = { a, read_hashes };
	struct tims_checkpoint cp, old;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	char path[4200];
	size_t len;
	uint64_t n;
	int have;
	tims_rc rc;

	*issued = 0;
	if (!a->has_signer)
		return tims_err_set(err, TIMS_ERR_STATE, "audit log: opened for reading");
	if ((rc = count_events(a, &n, err)) || (rc = latest(a, &prev, &old, &have, err)))
		goto out;
	if (have && old.size >= n) {
		if (old.size > n)
			rc = tims_err_set(err, TIMS_ERR_TAMPER,
				"audit log: a checkpoint signs %" PRIu64 " events but %" PRIu64
				" are stored", old.size, n);
		goto out;
	}
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", a->origin);
	cp.size = n;
	if ((rc = tims_tlog_tree_hash(n, &r, cp.root, err)))
		goto out;
	/* Never sign a tree that does not extend the last one signed. */
	if (have && old.size > 0 &&
	    ((rc = tims_tlog_prove_consistency(old.size, n, &r, proof, &len, err)) ||
	     (rc = tims_tlog_verify_consistency(old.size, n, old.root, cp.root, proof, len, err))))
		goto out;
	if ((rc = tims_checkpoint_format(&cp, &body)) ||
	    (rc = tims_note_sign(body.buf, body.len, &a->signer, 1, &note, err)))
		goto out;
	{
		sqlite3_stmt *st;
		int s;

		if (sqlite3_prepare_v2(a->db, "INSERT INTO checkpoints(size, note) VALUES (?, ?)",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = db_err(a, "checkpoint", err);
			goto out;
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
		sqlite3_bind_text(st, 2, note.buf, (int)note.len, SQLITE_STATIC);
		s = sqlite3_step(st);
		sqlite3_finalize(st);
		if (s != SQLITE_DONE) {
			rc = db_err(a, "checkpoint", err);
			goto out;
		}
	}
	if ((rc = path_of(a, "audit.checkpoint", path, sizeof(path), err)) ||
	    (rc = tims_write_file(path, note.buf, note.len, 0644, 1, err)))
		goto out;
	*issued = 1;
out:
	tims_buf_release(&body);
	tims_buf_release(&note);
	tims_buf_release(&prev);
	return rc;
}
