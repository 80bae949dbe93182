/*
 * test_post.c — a post's log end to end in one process: init, durable
 * batches with acks, idempotent retries, corrections, checkpoints that
 * verify with the post's key, tiles from the stored hashes, retention
 * erasure that keeps the log verifiable, and the append-only triggers.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/note.h"
#include "tims/post.h"
#include "tims/tlog.h"
#include "tims/util.h"

static char dir[256];

static void make_record(struct tims_record *r, unsigned i)
{
	tims_record_init(r);
	r->direction = (i % 2) ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
	snprintf(r->ref, sizeof(r->ref), "t-%u", i);
	snprintf(r->officer, sizeof(r->officer), "O%u", i % 7);
	snprintf(r->booth, sizeof(r->booth), "B%u", i % 3);
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "D%u", i / 2);
	snprintf(r->person.surname, sizeof(r->person.surname), "SURNAME%u", i / 2);
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	r->decision = TIMS_DECISION_ADMIT;
}

static struct tims_record recs[300];
static struct tims_post_ack acks[300];

static void test_init(void)
{
	struct tims_err err;
	char path[400];
	struct stat st;

	T_OK(tims_post_init(dir, "example.org/post/test", "test", "land", &err) == TIMS_OK,
	     "init: creates a post (%s)", err.msg);
	snprintf(path, sizeof(path), "%s/post.skey", dir);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	     "init: post.skey is readable by its owner only");
	T_OK(tims_post_init(dir, "example.org/post/test", "test", "land", &err) == TIMS_ERR_EXISTS,
	     "init: refuses to init over an existing post");
	T_OK(tims_post_init("/tmp/never-made-x", "o", "n", "castle", &err) == TIMS_ERR_INVALID,
	     "init: an unknown kind is refused");
	T_EQ_STR(err.msg, "kind: must be land, port or airport", "init: kind error names the field");
}

static void test_append(struct tims_post *p)
{
	struct tims_err err;
	uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
	struct tims_record back;
	tims_hash leaf;
	uint64_t size;
	int erased, bad = 0;

	for (unsigned i = 0; i < 300; i++)
		make_record(&recs[i], i);
	T_OK(tims_post_append(p, recs, 100, acks, &err) == TIMS_OK, "append: a batch of 100 (%s)", err.msg);
	T_OK(tims_post_append(p, recs + 100, 200, acks + 100, &err) == TIMS_OK, "append: a batch of 200");
	for (unsigned i = 0; i < 300; i++)
		if (acks[i].rc || acks[i].index != i || acks[i].duplicate)
			bad++;
	T_EQ_INT(bad, 0, "append: every record acknowledged at its index");
	T_OK(tims_post_size(p, &size, &err) == TIMS_OK && size == 300, "append: the log holds 300");
	{
		/* the supervisor page's day: 150 entries and 150 exits, all admitted, none
		 * linked; a window before them counts nothing */
		uint64_t c[8][8], linked = 1;

		T_OK(tims_post_count_period(p, 0, INT64_MAX, c, &linked, &err) == TIMS_OK &&
		     c[TIMS_DIR_ENTRY][TIMS_DECISION_ADMIT] == 150 &&
		     c[TIMS_DIR_EXIT][TIMS_DECISION_ADMIT] == 150 &&
		     c[TIMS_DIR_ENTRY][TIMS_DECISION_REFUSE] == 0 && linked == 0,
		     "count: 150 entries, 150 exits admitted, none linked (%s)", err.msg);
		T_OK(tims_post_count_period(p, 0, 1, c, &linked, &err) == TIMS_OK &&
		     c[TIMS_DIR_ENTRY][TIMS_DECISION_ADMIT] == 0 && c[TIMS_DIR_EXIT][TIMS_DECISION_ADMIT] == 0,
		     "count: none in a window before them");
	}
	T_OK(tims_post_get(p, 123, &back, &erased, entry, &err) == TIMS_OK && !erased &&
	     !strcmp(back.ref, "t-123") && back.time_ms > 0, "get: reads record 123 back");
	tims_tlog_leaf_hash(entry, sizeof(entry), leaf);
	T_OK(!memcmp(leaf, acks[123].leaf, sizeof(leaf)), "append: the ack's leaf hash is the stored entry's");
	T_EQ_INT(tims_record_entry_time(entry), back.time_ms, "append: the entry carries the post time");

	/* Retries and bad records in one batch. */
	{
		struct tims_record again[4];
		struct tims_post_ack a[4];

		make_record(&again[0], 7);             /* a retry of line 7 */
		make_record(&again[1], 8);
		snprintf(again[1].remarks, sizeof(again[1].remarks), "changed");
		make_record(&again[2], 1000);
		again[2].corrects = 5000;              /* no such record */
		snprintf(again[2].reason, sizeof(again[2].reason), "typo");
		make_record(&again[3], 1001);
		again[3].corrects = 5;
		snprintf(again[3].reason, sizeof(again[3].reason), "wrong booth");
		T_OK(tims_post_append(p, again, 4, a, &err) == TIMS_OK, "append: mixed batch commits");
		T_OK(a[0].rc == TIMS_OK && a[0].duplicate && a[0].index == 7 &&
		     !memcmp(a[0].leaf, acks[7].leaf, TIMS_HASH_BYTES),
		     "append: a retry of a stored id is acknowledged with its first index");
		T_OK(a[1].rc == TIMS_ERR_EXISTS, "append: an id reused for other content is refused");
		T_EQ_STR(a[1].msg, "id: 't-8' is already record 8 with different content",
			 "append: the refusal names the id and the record");
		T_OK(a[2].rc == TIMS_ERR_NOTFOUND, "append: a correction of a missing record is refused");
		T_EQ_STR(a[2].msg, "corrects: no record 5000 in this log (300 records)",
			 "append: the refusal names the index");
		T_OK(a[3].rc == TIMS_OK && a[3].index == 300 && !a[3].duplicate,
		     "append: the correction is a new record at the end");
	}
	/* A booth's retry after the post restarted: its first answer was lost,
	 * the check it was bound to is gone, a new check of the same traveller
	 * binds the retry. The same crossing: its first index, not a conflict. */
	{
		struct tims_record r;
		struct tims_post_ack a;

		make_record(&r, 9);
		snprintf(r.check_id, sizeof(r.check_id), "%032x", 0x5eedu);
		T_OK(tims_post_append(p, &r, 1, &a, &err) == TIMS_OK && a.rc == TIMS_OK &&
		     a.duplicate && a.index == 9,
		     "append: a retry bound to a new check of the same crossing is a duplicate (%s)", a.msg);
		snprintf(r.remarks, sizeof(r.remarks), "changed");
		T_OK(tims_post_append(p, &r, 1, &a, &err) == TIMS_OK && a.rc == TIMS_ERR_EXISTS,
		     "append: ... but other content under that id is still refused");
	}
	{
		uint64_t by;

		T_OK(tims_post_corrected_by(p, 5, &by, &err) == TIMS_OK && by == 300,
		     "corrections: record 5 is corrected by 300");
	}
}

static void test_checkpoint(struct tims_post *p)
{
	struct tims_err err;
	struct tims_buf note;
	struct tims_checkpoint cp;
	struct tims_note n;
	struct tims_tlog_reader r;
	tims_hash root;
	int issued;

	T_OK(tims_post_checkpoint(p, &issued, &err) == TIMS_OK && issued,
	     "checkpoint: signs the grown tree (%s)", err.msg);
	T_OK(tims_post_checkpoint(p, &issued, &err) == TIMS_OK && !issued,
	     "checkpoint: nothing new, nothing signed");
	T_OK(tims_post_latest_checkpoint(p, &note, &cp, &err) == TIMS_OK && cp.size == 301,
	     "checkpoint: the latest covers all 301 records");
	tims_post_reader(p, &r);
	T_OK(tims_tlog_tree_hash(301, &r, root, &err) == TIMS_OK &&
	     !memcmp(root, cp.root, sizeof(root)), "checkpoint: signs the tree's root");
	T_OK(tims_note_verify(note.buf, note.len, tims_post_verifier(p), 1, &n, &err) == TIMS_OK,
	     "checkpoint: the note verifies with post.vkey (%s)", err.msg);
	T_OK(!strncmp(note.buf, "example.org/post/test\n301\n", 26),
	     "checkpoint: C2SP body: origin, size, root");
	tims_buf_release(&note);
}

static void test_tiles(struct tims_post *p)
{
	struct tims_buf t = TIMS_BUF_INIT(1 << 20);
	struct tims_tlog_reader r;
	struct tims_err err;
	tims_hash root;
	int bad = 0;

	T_OK(tims_post_tile(p, 0, 0, 256, &t, &err) == TIMS_OK && t.len == 256 * 32,
	     "tile 0/000: 256 leaf hashes");
	for (unsigned i = 0; i < 256 && t.len == 256 * 32; i++)
		if (memcmp(t.buf + 32 * i, acks[i].leaf, 32))
			bad++;
	T_EQ_INT(bad, 0, "tile 0/000: hash i is leaf i's");
	tims_buf_reset(&t);
	T_OK(tims_post_tile(p, 0, 1, 45, &t, &err) == TIMS_OK && t.len == 45 * 32 &&
	     !memcmp(t.buf + 32 * 43, acks[299].leaf, 32), "tile 0/001.p/45: the partial tile");
	T_OK(tims_post_tile(p, 0, 1, 46, &t, &err) == TIMS_ERR_NOTFOUND,
	     "tile 0/001.p/46: past the log is not found");
	tims_buf_reset(&t);
	tims_post_reader(p, &r);
	tims_tlog_tree_hash(256, &r, root, NULL);
	T_OK(tims_post_tile(p, 1, 0, 1, &t, &err) == TIMS_OK && !memcmp(t.buf, root, 32),
	     "tile 1/000.p/1: the root of the first 256 leaves");
	tims_buf_reset(&t);
	T_OK(tims_post_entries(p, 0, 2, &t, &err) == TIMS_OK && t.len == 2 * 44 &&
	     t.buf[0] == 0 && t.buf[1] == 42, "entries 000.p/2: length-prefixed leaf entries");
	tims_buf_reset(&t);
	tims_tile_path(0, 1234067, 256, &t);
	T_EQ_STR(tims_buf_str(&t), "tile/0/x001/x234/067", "tile path: groups of three digits");
	tims_buf_reset(&t);
	tims_tile_path(1, 5, 10, &t);
	T_EQ_STR(tims_buf_str(&t), "tile/1/005.p/10", "tile path: a partial tile");
	tims_buf_reset(&t);
	tims_tile_path(-1, 0, 3, &t);
	T_EQ_STR(tims_buf_str(&t), "tile/entries/000.p/3", "tile path: an entry bundle");
	tims_buf_release(&t);
}

static void count_finding(void *ctx, const char *msg)
{
	char *first = ctx;

	if (!*first)
		snprintf(first, 256, "%s", msg);
}

static void test_verify_and_erase(struct tims_post *p)
{
	struct tims_post_verify_stats st;
	struct tims_err err;
	struct tims_record rec;
	char first[256] = "";
	sqlite3 *db;
	char path[400];
	int erased;

	T_OK(tims_post_verify(p, count_finding, first, &st, &err) == TIMS_OK && st.findings == 0 &&
	     st.records == 301, "verify: an untouched post verifies (%s)", first);
	T_OK(tims_post_erase(p, 10, &err) == TIMS_OK, "erase: retention erases record 10's payload");
	T_OK(tims_post_get(p, 10, &rec, &erased, NULL, &err) == TIMS_OK && erased,
	     "erase: record 10 reads as erased");
	T_OK(tims_post_verify(p, count_finding, first, &st, &err) == TIMS_OK && st.erased == 1,
	     "verify: the log still verifies after erasure (%s)", first);

	snprintf(path, sizeof(path), "%s/post.db", dir);
	sqlite3_open(path, &db);
	T_OK(sqlite3_exec(db, "UPDATE records SET doc = 'X1' WHERE idx = 3", NULL, NULL, NULL) != SQLITE_OK,
	     "triggers: records cannot be updated");
	T_OK(sqlite3_exec(db, "UPDATE records SET body = NULL, salt = NULL, doc = NULL"
			  " WHERE idx = 12", NULL, NULL, NULL) == SQLITE_OK,
	     "triggers: only retention erasure may clear a payload");
	T_OK(sqlite3_exec(db, "DELETE FROM records WHERE idx = 3", NULL, NULL, NULL) != SQLITE_OK,
	     "triggers: records cannot be deleted");
	T_OK(sqlite3_exec(db, "DELETE FROM checkpoints", NULL, NULL, NULL) != SQLITE_OK,
	     "triggers: checkpoints cannot be deleted");
	/* Behind the program's back, triggers dropped: verify must notice. */
	sqlite3_exec(db, "DROP TRIGGER records_no_update;"
		     "UPDATE records SET body = (SELECT body FROM records WHERE idx = 4),"
		     " salt = (SELECT salt FROM records WHERE idx = 4) WHERE idx = 2", NULL, NULL, NULL);
	sqlite3_close(db);
	first[0] = '\0';
	T_OK(tims_post_verify(p, count_finding, first, &st, &err) == TIMS_ERR_TAMPER && st.erased == 2,
	     "verify: a record replaced behind the program's back is found");
	T_EQ_STR(first, "record 2: its sealed record does not open (altered, or moved from another row)",
		 "verify: the finding names the record");
}

struct owed_seen {
	uint64_t index[8];
	char text[8][16];
	size_t n;
};

static tims_rc on_owed(void *ctx, uint64_t index, const void *owed, size_t len)
{
	struct owed_seen *o = ctx;

	if (o->n < 8) {
		o->index[o->n] = index;
		snprintf(o->text[o->n], sizeof(o->text[0]), "%.*s", (int)len, (const char *)owed);
		o->n++;
	}
	return TIMS_OK;
}

static int owed_rows(void)
{
	char path[400];
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	snprintf(path, sizeof(path), "%s/post.db", dir);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM audit_owed", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/*
 * A booth registration: the record, a checkpoint covering it and the audit
 * event it owes in one transaction; the owed event listed until settled;
 * a halted post refuses to append, also through a new handle, until the
 * halt is cleared.
 */
static void test_register_and_halt(void)
{
	struct tims_post *p = NULL, *q = NULL;
	struct tims_buf note;
	struct tims_checkpoint cp;
	struct tims_post_ack ack;
	struct tims_record rec;
	struct owed_seen seen = { 0 };
	struct tims_err err;
	char why[TIMS_ERR_MSG_BYTES];
	uint64_t peer = 0, first;
	int persistent = 0;

	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "register: open (%s)", err.msg);
	if (!p)
		return;
	make_record(&rec, 900);
	T_OK(tims_post_register(p, &rec, "owed-900", 8, &ack, &err) == TIMS_OK && ack.rc == TIMS_OK &&
	     !ack.duplicate, "register: a record and its owed event are stored (%s)", err.msg);
	first = ack.index;
	T_OK(tims_post_latest_checkpoint(p, &note, &cp, &err) == TIMS_OK && cp.size == first + 1,
	     "register: the checkpoint signed in the same transaction covers the record");
	tims_buf_release(&note);
	T_OK(tims_post_owed(p, on_owed, &seen, &err) == TIMS_OK && seen.n == 1 &&
	     seen.index[0] == first && !strcmp(seen.text[0], "owed-900"),
	     "register: the owed event is listed with the record's index");
	T_OK(tims_post_register(p, &rec, "owed-again", 10, &ack, &err) == TIMS_OK && ack.duplicate &&
	     ack.index == first && owed_rows() == 1, "register: a retry owes nothing more");
	T_OK(tims_post_owed_settled(p, first, 0, &err) == TIMS_OK, "register: settle the owed event");
	seen.n = 0;
	T_OK(tims_post_owed(p, on_owed, &seen, &err) == TIMS_OK && seen.n == 0,
	     "register: a settled event is no longer listed");
	make_record(&rec, 901);
	T_OK(tims_post_register(p, &rec, "owed-901", 8, &ack, &err) == TIMS_OK && owed_rows() == 1,
	     "register: the next registration forgets the settled one in its own transaction");
	T_OK(tims_post_owed_settled(p, ack.index, 1, &err) == TIMS_OK && owed_rows() == 0,
	     "register: settled at once, forgotten at once");

	T_OK(tims_post_halted(p, NULL) == NULL, "halt: a post acknowledges until halted");
	T_OK(tims_post_halt(p, "witness w: rolled\nback", 7, &err) == TIMS_OK, "halt: halted (%s)",
	     err.msg);
	make_record(&rec, 902);
	T_OK(tims_post_append(p, &rec, 1, &ack, &err) == TIMS_ERR_STATE &&
	     strstr(err.msg, "stopped acknowledging: witness w: rolled back"),
	     "halt: an append is refused, naming why (%s)", err.msg);
	T_OK(tims_post_halted(p, &persistent) && persistent, "halt: the halt is persistent");
	tims_post_free(p);
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &q, &err) == TIMS_OK &&
	     tims_post_append(q, &rec, 1, &ack, &err) == TIMS_ERR_STATE,
	     "halt: a new handle (a restart) refuses too");
	tims_post_free(q);
	q = NULL;
	T_OK(tims_post_halt_read(dir, why, sizeof(why), &peer, NULL, &err) == TIMS_OK && peer == 7 &&
	     !strcmp(why, "witness w: rolled back"), "halt: DIR/halted keeps the reason and the peer's size");
	T_OK(tims_post_halt_clear(dir, &err) == TIMS_OK &&
	     tims_post_halt_read(dir, why, sizeof(why), &peer, NULL, &err) == TIMS_ERR_NOTFOUND,
	     "halt: cleared");
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &q, &err) == TIMS_OK &&
	     tims_post_append(q, &rec, 1, &ack, &err) == TIMS_OK && ack.rc == TIMS_OK,
	     "halt: once cleared, the post appends again (%s)", err.msg);
	tims_post_free(q);
}

int main(void)
{
	struct tims_post *p = NULL;
	struct tims_err err;
	char tmpl[] = "/tmp/tims-test-post-XXXXXX";

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	test_init();
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "open: for writing (%s)", err.msg);
	if (p) {
		test_append(p);
		test_checkpoint(p);
		test_tiles(p);
		test_verify_and_erase(p);
		tims_post_free(p);
		test_register_and_halt();
	}
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
