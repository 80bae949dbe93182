/*
 * test_mlog.c — the Merkle log over SQLite (include/tims/mlog.h) on its own,
 * with a leaf table and table prefix of the test's choosing: creation and
 * config checks, appends in one transaction, the tree and tiles against an
 * in-memory rebuild, checkpoints (signed, kept, written outside, never
 * smaller or inconsistent), rollback refusal at open, key files, and
 * verification naming each kind of tampering with the owner's noun.
 */
#include <sqlite3.h>

#include "t.h"
#include "tims/mlog.h"
#include "tims/note.h"
#include "tims/util.h"

static char dir[256], db_path[400], cp_path[400];
static struct tims_signer signer;
static struct tims_verifier verifier;

static const char schema[] =
	"CREATE TABLE leaves (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL, note TEXT);";

static void config(struct tims_mlog_config *c, int with_signer)
{
	memset(c, 0, sizeof(*c));
	c->label = dir;
	c->db_path = db_path;
	c->db_name = "t.db";
	c->prefix = "m_";
	c->leaf_table = "leaves";
	c->noun = "leaf";
	c->nouns = "leaves";
	c->a_noun = "a leaf";
	c->owner = "test log";
	c->verify_command = "test verify";
	c->schema = schema;
	c->schema_version = 7;
	c->origin = "example.org/mlog-test";
	c->checkpoint_path = cp_path;
	c->verifier_name = "t.vkey";
	c->verifier = &verifier;
	c->signer = with_signer ? &signer : NULL;
}

/* Append leaves "leaf-FIRST" .. "leaf-(FIRST+N-1)" in one transaction;
 * sign a checkpoint in it if `sign`. */
static tims_rc append(struct tims_mlog *m, unsigned first, unsigned n, int sign,
		      struct tims_tlog_mem *mem, struct tims_err *err)
{
	sqlite3_stmt *st;
	uint64_t size;
	int issued, committed;
	tims_rc rc;

	if (sqlite3_prepare_v2(tims_mlog_db(m), "INSERT INTO leaves (idx, entry) VALUES (?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return TIMS_ERR_DB;
	if ((rc = tims_mlog_begin(m, err)) || (rc = tims_mlog_size(m, &size, err)))
		goto out;
	for (unsigned i = 0; i < n; i++) {
		char entry[32];
		tims_hash leaf;
		int len = snprintf(entry, sizeof(entry), "leaf-%u", first + i);

		tims_mlog_leaf_hash(entry, (size_t)len, leaf);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(size + i));
		sqlite3_bind_blob(st, 2, entry, len, SQLITE_TRANSIENT);
		if ((rc = tims_mlog_step(m, st, "storing a leaf", err)) ||
		    (rc = tims_mlog_add(m, size + i, leaf, err)))
			goto out;
		if (mem && (rc = tims_tlog_mem_append(mem, leaf, NULL)))
			goto out;
	}
	if (sign && (rc = tims_mlog_issue(m, size + n, &issued, err)))
		goto out;
	rc = tims_mlog_commit(m, &committed, err);
	if (!committed)
		goto out;
	sqlite3_finalize(st);
	return rc;
out:
	tims_mlog_rollback(m);
	sqlite3_finalize(st);
	return rc;
}

static int nfind, nrows;
static struct tims_buf findings = TIMS_BUF_INIT(1 << 20);

static void on_finding(void *ctx, const char *f)
{
	(void)ctx;
	nfind++;
	tims_buf_addstr(&findings, f);
	tims_buf_addch(&findings, '\n');
}

static int on_leaf(void *ctx, struct tims_mlog_check *v, uint64_t idx, sqlite3_stmt *row)
{
	(void)ctx;
	nrows++;
	if (sqlite3_column_bytes(row, 1) == 0) {
		tims_mlog_report(v, "leaf %" PRIu64 ": empty entry (owner's check)", idx);
		return 0;
	}
	return 1;
}

static void config(struct tims_mlog_config *c, int with_signer);

/* Verify with a reader of its own: no connection stays open while the
 * test changes or replaces the file. */
static tims_rc verify(struct tims_mlog_verify_stats *st)
{
	struct tims_mlog_config c;
	struct tims_mlog *m;
	tims_rc rc;

	nfind = nrows = 0;
	tims_buf_reset(&findings);
	config(&c, 0);
	if ((rc = tims_mlog_open(&c, TIMS_MLOG_OPEN, &m, NULL)))
		return rc;
	rc = tims_mlog_verify(m, "SELECT idx, entry FROM leaves ORDER BY idx", on_leaf, NULL,
			      on_finding, NULL, st, NULL);
	tims_mlog_free(m);
	return rc;
}

static int has(const char *s)
{
	return strstr(tims_buf_str(&findings), s) != NULL;
}

static int sql(const char *stmt)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(db_path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, stmt, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int shell(const char *fmt, const char *a, const char *b)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), fmt, a, b, b, b);
	return system(cmd);
}

static void test_open(void)
{
	struct tims_mlog_config c;
	struct tims_mlog *m = NULL;
	struct tims_err err;

	config(&c, 1);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &m, &err) == TIMS_ERR_NOTFOUND,
	     "open: a database that does not exist is not found");
	c.prefix = "x; DROP TABLE leaves; --";
	T_OK(tims_mlog_open(&c, TIMS_MLOG_CREATE, &m, &err) == TIMS_ERR_USAGE,
	     "open: a table prefix that is not an identifier is refused");
	T_EQ_STR(err.msg, "log config: table names are letters, digits and '_'",
		 "open: the refusal says why");
	config(&c, 1);
	c.noun = NULL;
	T_OK(tims_mlog_open(&c, TIMS_MLOG_CREATE, &m, &err) == TIMS_ERR_USAGE,
	     "open: a missing name is refused (%s)", err.msg);
	config(&c, 1);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_CREATE, &m, &err) == TIMS_OK,
	     "open: creates the database (%s)", err.msg);
	tims_mlog_free(m);
	c.schema_version = 8;
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &m, &err) == TIMS_ERR_STATE &&
	     strstr(err.msg, "schema version 7, want 8"), "open: another schema version is refused (%s)",
	     err.msg);
	T_OK(sql("SELECT count(*) FROM m_hashes; SELECT count(*) FROM m_checkpoints;"
		 "SELECT count(*) FROM leaves") == SQLITE_OK,
	     "schema: the prefixed log tables and the owner's table exist");
}

static void test_append_and_checkpoints(void)
{
	struct tims_mlog_config c;
	struct tims_mlog *m = NULL;
	struct tims_tlog_mem mem;
	struct tims_tlog_reader r, mr;
	struct tims_checkpoint cp;
	struct tims_buf note, outside, t = TIMS_BUF_INIT(1 << 20);
	struct tims_note n;
	struct tims_err err;
	tims_hash root, want;
	uint64_t size;
	int issued;

	tims_tlog_mem_init(&mem, 1 << 20);
	tims_tlog_mem_reader(&mem, &mr);
	config(&c, 1);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &m, &err) == TIMS_OK, "open: for writing (%s)", err.msg);
	if (!m)
		return;
	T_OK(!tims_mlog_due(m, 60000) && tims_mlog_due(m, 0),
	     "due: not before the interval since opening");
	T_OK(tims_mlog_checkpoint(m, &issued, &err) == TIMS_OK && issued,
	     "checkpoint: the empty log is signed (%s)", err.msg);
	T_OK(append(m, 0, 300, 0, &mem, &err) == TIMS_OK, "append: 300 leaves in one transaction (%s)", err.msg);
	T_OK(tims_mlog_size(m, &size, &err) == TIMS_OK && size == 300, "append: the log holds 300");
	tims_mlog_reader(m, &r);
	tims_tlog_tree_hash(300, &mr, want, NULL);
	T_OK(tims_tlog_tree_hash(300, &r, root, &err) == TIMS_OK && !memcmp(root, want, 32),
	     "append: the stored tree is the tree of the entries");
	T_OK(append(m, 300, 5, 1, &mem, &err) == TIMS_OK, "append: 5 more with a checkpoint in the transaction");
	T_OK(tims_mlog_latest_checkpoint(m, &note, &cp, &err) == TIMS_OK && cp.size == 305 &&
	     !strcmp(cp.origin, "example.org/mlog-test"), "checkpoint: signs size 305 under the origin");
	T_OK(tims_note_verify(note.buf, note.len, &verifier, 1, &n, &err) == TIMS_OK,
	     "checkpoint: verifies with the verifier (%s)", err.msg);
	T_OK(tims_mlog_read_outside(m, &outside, &cp, &err) == TIMS_OK && outside.len == note.len &&
	     !memcmp(outside.buf, note.buf, note.len), "checkpoint: the same note is kept outside");
	tims_buf_release(&outside);
	tims_buf_release(&note);
	T_OK(tims_mlog_checkpoint(m, &issued, &err) == TIMS_OK && !issued,
	     "checkpoint: nothing new, nothing signed");

	/* Never smaller than what was signed. */
	T_OK(tims_mlog_begin(m, &err) == TIMS_OK, "begin");
	T_OK(tims_mlog_issue(m, 200, &issued, &err) == TIMS_ERR_TAMPER && !issued,
	     "checkpoint: a smaller tree is refused");
	T_EQ_STR(err.msg, "refusing to sign size 200: the latest checkpoint in t.db already signs "
		 "size 305 (log rolled back?)", "checkpoint: the refusal names the checkpoint");
	tims_mlog_rollback(m);

	/* Tiles and entry bundles come from the stored hashes and entries. */
	T_OK(tims_mlog_tile(m, 0, 1, 49, &t, &err) == TIMS_OK && t.len == 49 * 32 &&
	     !memcmp(t.buf, mem.hashes[tims_tlog_stored_index(0, 256)], 32),
	     "tile 0/001.p/49: leaf hashes 256-304");
	T_OK(tims_mlog_tile(m, 0, 1, 50, &t, &err) == TIMS_ERR_NOTFOUND, "tile: past the log is not found");
	T_EQ_STR(err.msg, "tile 0/1 width 50: the log has only 305 leaves", "tile: the refusal uses the noun");
	tims_buf_reset(&t);
	T_OK(tims_mlog_entries(m, 0, 2, &t, &err) == TIMS_OK && t.len == 2 + 6 + 2 + 6 &&
	     !memcmp(t.buf, "\0\6leaf-0\0\6leaf-1", 16), "entries 000.p/2: length-prefixed entries");
	T_OK(tims_mlog_entries(m, 1, 50, &t, &err) == TIMS_ERR_NOTFOUND &&
	     !strcmp(err.msg, "no leaf 305"), "entries: past the log is not found (%s)", err.msg);
	tims_buf_release(&t);
	tims_tlog_mem_release(&mem);
	tims_mlog_free(m);
}

static void test_verify(void)
{
	struct tims_mlog_config c;
	struct tims_mlog *m = NULL, *w = NULL;
	struct tims_mlog_verify_stats st;
	struct tims_err err;
	char backup[420];

	config(&c, 0);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &m, &err) == TIMS_OK, "open: a reader needs no signer");
	if (!m)
		return;
	T_OK(verify(&st) == TIMS_OK && nfind == 0 && st.leaves == 305 && nrows == 305 &&
	     st.checkpoints == 2 && st.signed_size == 305,
	     "verify: an untouched log verifies, every row seen by the owner (%s)", tims_buf_str(&findings));
	{
		int issued;

		T_OK(tims_mlog_checkpoint(m, &issued, &err) == TIMS_ERR_USAGE,
		     "checkpoint: a log opened without its key cannot sign");
		T_EQ_STR(err.msg, "test log opened without its key", "checkpoint: the refusal says why");
	}
	tims_mlog_free(m);
	m = NULL;

	T_OK(sql("UPDATE m_hashes SET hash = zeroblob(32) WHERE id = 0") != SQLITE_OK &&
	     sql("DELETE FROM m_hashes WHERE id = 0") != SQLITE_OK,
	     "triggers: stored hashes cannot be changed or deleted");
	T_OK(sql("UPDATE m_checkpoints SET note = 'x'") != SQLITE_OK &&
	     sql("DELETE FROM m_checkpoints") != SQLITE_OK,
	     "triggers: checkpoints cannot be changed or deleted");
	snprintf(backup, sizeof(backup), "%s.bak", db_path);
	shell("cp '%s' '%s'", db_path, backup);
	T_OK(sql("UPDATE leaves SET entry = 'leaf-x' WHERE idx = 17") == SQLITE_OK &&
	     verify(&st) == TIMS_ERR_TAMPER &&
	     has("leaf 17: not the leaf logged at its index (replaced or altered together with its leaf entry)\n"),
	     "verify: an altered entry is named with the owner's noun");
	T_OK(has("checkpoint 1: its signed root does not match the leaves (a leaf below 305 was altered"),
	     "verify: the checkpoint over it no longer matches");
	T_OK(sql("UPDATE leaves SET entry = 'leaf-17' WHERE idx = 17; DELETE FROM leaves WHERE idx = 3") ==
	     SQLITE_OK && verify(&st) == TIMS_ERR_TAMPER &&
	     has("leaf 3 missing: the log goes from leaf 2 to 4 (deleted)\n"), "verify: a gap is named");
	T_OK(sql("INSERT INTO leaves (idx, entry) VALUES (3, 'leaf-3');"
		 "UPDATE leaves SET idx = -1 WHERE idx = 5; UPDATE leaves SET idx = 5 WHERE idx = 9;"
		 "UPDATE leaves SET idx = 9 WHERE idx = -1") == SQLITE_OK &&
	     verify(&st) == TIMS_ERR_TAMPER &&
	     has("leaf 5: out of order: it was logged at index 9 (leaves swapped or reordered)\n") &&
	     has("leaf 9: out of order: it was logged at index 5"), "verify: swapped leaves are named");
	T_OK(sql("UPDATE leaves SET idx = 1152921504606846976 WHERE idx = 300") == SQLITE_OK &&
	     verify(&st) == TIMS_ERR_TAMPER &&
	     has("leaf 1152921504606846976: its index is far beyond the 305 leaves logged (altered)\n") &&
	     has("leaf 300 missing: the log goes from leaf 299 to 301 (deleted)\n"),
	     "verify: an index moved to 2^60 is named, not filled in");
	T_OK(sql("UPDATE leaves SET idx = 300 WHERE idx = 1152921504606846976;"
		 "UPDATE leaves SET idx = -1 WHERE idx = 5; UPDATE leaves SET idx = 5 WHERE idx = 9;"
		 "UPDATE leaves SET idx = 9 WHERE idx = -1; UPDATE leaves SET entry = '' WHERE idx = 8") ==
	     SQLITE_OK && verify(&st) == TIMS_ERR_TAMPER && nfind >= 1 &&
	     has("leaf 8: empty entry (owner's check)\n"), "verify: the owner's check reports through the log");
	T_OK(sql("UPDATE leaves SET entry = 'leaf-8' WHERE idx = 8;"
		 "DROP TRIGGER m_hashes_no_update; UPDATE m_hashes SET hash = zeroblob(32) WHERE id = 2") ==
	     SQLITE_OK && verify(&st) == TIMS_ERR_TAMPER &&
	     has("stored hash 2: does not match the tree rebuilt from the leaves (altered, or a leaf changed)\n"),
	     "verify: an altered stored hash is named");
	shell("cp '%s' '%s'", backup, db_path);
	T_OK(sql("DROP TRIGGER m_checkpoints_no_update; UPDATE m_checkpoints SET note ="
		 " replace(note, 'example.org/mlog-test', 'example.org/other') WHERE size = 305") ==
	     SQLITE_OK && verify(&st) == TIMS_ERR_TAMPER &&
	     has("checkpoint 1: signature does not verify with t.vkey (altered)"),
	     "verify: an altered checkpoint is named");
	shell("cp '%s' '%s'", backup, db_path);
	T_OK(sql("DROP TRIGGER m_checkpoints_no_delete; DELETE FROM m_checkpoints") == SQLITE_OK &&
	     verify(&st) == TIMS_ERR_TAMPER && has("no checkpoint in t.db (the table was emptied?)\n") &&
	     has("checkpoints rolled back: the checkpoint file signs size 305 but t.db's latest checkpoint is size 0\n"),
	     "verify: emptied checkpoints are caught by the outside file");
	shell("cp '%s' '%s'", backup, db_path);

	/* Rollback: the database of 305 leaves after 310 were signed. */
	config(&c, 1);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &w, &err) == TIMS_OK &&
	     append(w, 305, 5, 1, NULL, &err) == TIMS_OK, "rollback: 5 more leaves signed (%s)", err.msg);
	tims_mlog_free(w);
	w = NULL;
	shell("cp '%s' '%s' && rm -f '%s-wal' '%s-shm'", backup, db_path);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &w, &err) == TIMS_ERR_TAMPER && !w,
	     "rollback: a writer refuses the older database");
	T_OK(strstr(err.msg, "t.db holds 305 leaves but the test log published a checkpoint of 310 "
		    "(rolled back, or its WAL lost?); run 'test verify'") != NULL, "rollback: the refusal says why (%s)", err.msg);
	T_OK(verify(&st) == TIMS_ERR_TAMPER &&
	     has("leaf 305 missing: log has 305 leaves but the checkpoint file outside t.db signs size 310"
		 " (deleted or rolled back)\n"), "rollback: verify names it");
	unlink(cp_path);
	T_OK(verify(&st) == TIMS_ERR_TAMPER &&
	     has("the checkpoint file outside t.db cannot be read"), "verify: a missing checkpoint file is named");
}

static void test_keys(void)
{
	char *skey, *vkey, *skey2, *vkey2, vp[400], sp[400];
	struct tims_verifier v;
	struct tims_signer s;
	struct tims_err err;

	if (tims_note_keygen("example.org/a", TIMS_KEY_ED25519, &skey, &vkey, NULL) ||
	    tims_note_keygen("example.org/b", TIMS_KEY_ED25519, &skey2, &vkey2, NULL))
		return;
	snprintf(vp, sizeof(vp), "%s/a.vkey", dir);
	snprintf(sp, sizeof(sp), "%s/b.skey", dir);
	tims_write_file(vp, vkey, strlen(vkey), 0644, 1, NULL);
	tims_write_file(sp, skey2, strlen(skey2), 0600, 1, NULL);
	T_OK(tims_mlog_load_keys(dir, vp, NULL, &v, &s, &err) == TIMS_OK && !strcmp(v.name, "example.org/a"),
	     "keys: a verifier key file (%s)", err.msg);
	T_OK(tims_mlog_load_keys("LABEL", vp, sp, &v, &s, &err) == TIMS_ERR_STATE,
	     "keys: a signer that is not the verifier's pair is refused");
	T_EQ_STR(err.msg, "LABEL: b.skey and a.vkey are not a pair", "keys: the refusal names both files");
	tims_write_file(sp, skey, strlen(skey), 0600, 1, NULL);
	T_OK(tims_mlog_load_keys("LABEL", vp, sp, &v, &s, &err) == TIMS_OK && s.keyhash == v.keyhash,
	     "keys: the pair loads (%s)", err.msg);
	tims_signer_release(&s);
	tims_note_free_secret(skey);
	tims_note_free_secret(skey2);
	free(vkey);
	free(vkey2);
}

/*
 * A temporary checkpoint file left by a crashed process that had this
 * process's pid (or by one that is gone) is removed when a writer opens,
 * and never stands in the way of the next checkpoint; damage SQLite finds
 * is named by verify and refused by a writer.
 */
static void test_leftovers_and_damage(void)
{
	struct tims_mlog_config c;
	struct tims_mlog *w = NULL;
	struct tims_mlog_verify_stats st;
	struct tims_err err;
	char mine[600], dead[600];
	FILE *f;

	snprintf(mine, sizeof(mine), "%s.tmp.%ld", cp_path, (long)getpid());
	snprintf(dead, sizeof(dead), "%s.tmp.4194999.0badf00d", cp_path);
	if ((f = fopen(mine, "w")))
		fclose(f);
	if ((f = fopen(dead, "w")))
		fclose(f);
	config(&c, 1);
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &w, &err) == TIMS_OK, "leftovers: open (%s)", err.msg);
	T_OK(access(mine, F_OK) != 0 && access(dead, F_OK) != 0,
	     "leftovers: temporary checkpoint files of this pid and of a dead process are removed");
	T_OK(w && append(w, 400, 3, 1, NULL, &err) == TIMS_OK,
	     "leftovers: the next checkpoint is written (%s)", err.msg);
	T_OK(w && tims_mlog_broken(w) == NULL, "leftovers: the log is not stopped");
	tims_mlog_free(w);
	w = NULL;
	/* An index that disagrees with its table: only SQLite's check sees it. */
	T_OK(sql("CREATE INDEX leaves_note ON leaves(note);"
		 "PRAGMA writable_schema = ON;"
		 "UPDATE sqlite_master SET sql = 'CREATE INDEX leaves_note ON leaves(idx)'"
		 " WHERE name = 'leaves_note';") == SQLITE_OK, "damage: an index made to disagree with its table");
	T_OK(verify(&st) == TIMS_ERR_TAMPER && has("t.db is damaged (SQLite integrity_check): "),
	     "damage: verify names it as SQLite does");
	T_OK(tims_mlog_open(&c, TIMS_MLOG_OPEN, &w, &err) == TIMS_ERR_DB && !w &&
	     strstr(err.msg, "t.db is damaged (SQLite integrity_check: ") &&
	     strstr(err.msg, "refusing to write"), "damage: a writer refuses it (%s)", err.msg);
}

int main(void)
{
	char tmpl[] = "/tmp/tims-test-mlog-XXXXXX", *skey, *vkey;

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(db_path, sizeof(db_path), "%s/t.db", dir);
	snprintf(cp_path, sizeof(cp_path), "%s/t.checkpoint", dir);
	if (tims_note_keygen("example.org/mlog-test", TIMS_KEY_ED25519, &skey, &vkey, NULL) ||
	    tims_signer_from_skey(skey, &signer, NULL) || tims_verifier_parse(vkey, &verifier, NULL))
		return 2;
	tims_note_free_secret(skey);
	free(vkey);
	test_open();
	test_append_and_checkpoints();
	test_verify();
	test_keys();
	test_leftovers_and_damage();
	tims_signer_release(&signer);
	tims_buf_release(&findings);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
