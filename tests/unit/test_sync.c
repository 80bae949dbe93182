/*
 * test_sync.c — the sync protocol (tims/sync.h): batches built from a
 * post's log, their wire format and strict parser, the mirror's checks
 * (idempotent retries, gaps, forks, forged signatures, bad proofs, records
 * altered in transit), erased records, a post restored from a mirror, and
 * the cosignatures a mirror keeps: one per (size, cosigner), never more on
 * an export than a note may carry, a schema-1 mirror brought to schema 2.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/post.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "tims/vault.h"

static char base[256];

static void make_record(struct tims_record *r, unsigned i, const char *tag)
{
	tims_record_init(r);
	r->direction = (i % 2) ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
	snprintf(r->ref, sizeof(r->ref), "%s-%u", tag, i);
	snprintf(r->officer, sizeof(r->officer), "O%u", i % 7);
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "D%u", i / 2);
	snprintf(r->person.surname, sizeof(r->person.surname), "SURNAME%u", i);
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	r->decision = TIMS_DECISION_ADMIT;
}

static struct tims_post *make_post(const char *name, const char *origin, unsigned n,
				   const char *tag)
{
	static struct tims_record recs[TIMS_POST_MAX_BATCH];
	static struct tims_post_ack acks[TIMS_POST_MAX_BATCH];
	struct tims_post *p = NULL;
	struct tims_err err;
	char dir[400];
	int issued;

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (tims_post_init(dir, origin, name, "land", &err) ||
	    tims_post_open(dir, TIMS_POST_WRITE, &p, &err)) {
		T_OK(0, "make post %s: %s", name, err.msg);
		return NULL;
	}
	for (unsigned done = 0; done < n;) {
		unsigned k = n - done > 500 ? 500 : n - done;

		for (unsigned i = 0; i < k; i++)
			make_record(&recs[i], done + i, tag);
		if (tims_post_append(p, recs, k, acks, &err)) {
			T_OK(0, "append: %s", err.msg);
			break;
		}
		done += k;
	}
	T_OK(tims_post_checkpoint(p, &issued, &err) == TIMS_OK, "the post signs a checkpoint (%s)",
	     err.msg);
	return p;
}

/* A batch of [from, from+count) with the post's latest checkpoint. */
static int post_batch(struct tims_post *p, uint64_t from, uint64_t count,
		      struct tims_sync_batch *b)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct tims_err err;
	int ok;

	ok = !tims_post_latest_checkpoint(p, &note, &cp, &err) &&
	     !tims_sync_batch_from_post(b, p, from, count, note.buf, note.len, &err);
	if (!ok)
		printf("# batch: %s\n", err.msg);
	tims_buf_release(&note);
	return ok;
}

/* Encode and decode again: what travels is what the receiver sees. */
static int wire(struct tims_sync_batch *b)
{
	struct tims_buf j = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	struct tims_err err;
	int ok = !tims_sync_batch_encode(b, &j, &err) &&
		 !tims_sync_batch_decode(j.buf, j.len, b, &err);

	if (!ok)
		printf("# wire: %s\n", err.msg);
	tims_buf_release(&j);
	return ok;
}

static struct tims_sync_mirror *open_mirror(const char *name, struct tims_post *p)
{
	struct tims_sync_mirror *m = NULL;
	struct tims_err err;
	char db[400], cp[400];

	snprintf(db, sizeof(db), "%s/%s.db", base, name);
	snprintf(cp, sizeof(cp), "%s/%s.checkpoint", base, name);
	if (tims_sync_mirror_open(db, cp, tims_post_verifier(p), &m, &err))
		T_OK(0, "mirror open: %s", err.msg);
	return m;
}

static void test_push(void)
{
	struct tims_post *p = make_post("a", "example.org/post/a", 2500, "a");
	struct tims_post *q = make_post("q", "example.org/post/q", 40, "q");
	struct tims_sync_mirror *m = p ? open_mirror("ma", p) : NULL;
	struct tims_sync_batch b;
	struct tims_sync_result res;
	struct tims_err err;
	uint64_t size = 0, findings = 9;
	tims_rc rc;

	if (!p || !q || !m)
		return;
	tims_sync_batch_init(&b);
	T_OK(post_batch(p, 0, 1024, &b) && wire(&b), "batch: built, encoded and parsed back");
	T_EQ_INT(b.n, 1024, "batch: holds 1024 positions");
	T_EQ_INT(b.cp.size, 2500, "batch: carries the checkpoint of the whole log");
	T_OK(b.proof_len > 0, "batch: carries a consistency proof to the checkpoint");
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.added == 1024 && !res.complete,
	     "mirror: takes the first batch, verified by the proof (%s)", rc ? err.msg : "");

	/* The same batch again: a retry after a lost answer. */
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.added == 0 && res.repeated == 1024,
	     "mirror: a repeated batch adds nothing (idempotent)");

	/* A gap: skipping ahead is refused with where to start. */
	T_OK(post_batch(p, 2048, 100, &b), "batch: a later range");
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_ERR_STATE && res.want_from == 1024,
	     "mirror: a gap is refused, asking for record 1024");

	/* A forged signature: another post's key signed this checkpoint. */
	{
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_checkpoint cp;
		struct tims_sync_batch f;

		tims_sync_batch_init(&f);
		post_batch(p, 1024, 1024, &f);
		T_OK(tims_post_latest_checkpoint(q, &note, &cp, &err) == TIMS_OK,
		     "the other post's checkpoint (%s)", err.msg);
		free(f.note);
		f.note = malloc(note.len + 1);
		memcpy(f.note, note.buf, note.len);
		f.note[note.len] = '\0';
		f.note_len = note.len;
		rc = tims_sync_mirror_apply(m, &f, NULL, NULL, &res, &err);
		T_OK(rc == TIMS_ERR_SIGNATURE, "mirror: a checkpoint signed by another post is refused (%s)",
		     err.msg);
		tims_sync_batch_release(&f);
		tims_buf_release(&note);
	}
	/* A record altered in transit. */
	T_OK(post_batch(p, 1024, 1024, &b), "batch: the next range");
	{
		uint8_t *body = (uint8_t *)b.items[5].body;

		body[b.items[5].body_len - 3] ^= 1;
		rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
		T_OK(rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_INVALID,
		     "mirror: an altered record is refused (%s)", err.msg);
		body[b.items[5].body_len - 3] ^= 1;
	}
	/* An altered entry (and so leaf): the proof fails. */
	b.items[7].entry[20] ^= 1;
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc != TIMS_OK, "mirror: an altered leaf entry is refused (%s)", err.msg);
	b.items[7].entry[20] ^= 1;
	/* A bad proof. */
	b.proof[0][0] ^= 1;
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_ERR_PROOF, "mirror: a wrong consistency proof is refused (%s)", err.msg);
	b.proof[0][0] ^= 1;
	tims_sync_mirror_size(m, &size, &err);
	T_EQ_INT(size, 1024, "mirror: nothing of the refused batches was stored");

	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.added == 1024, "mirror: the honest batch goes in");
	T_OK(post_batch(p, 2048, 1024, &b) && wire(&b), "batch: the last range");
	T_EQ_INT(b.n, 452, "batch: ends at the checkpoint");
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.complete && res.size == 2500,
	     "mirror: complete once it holds the whole checkpoint");

	/* A fork: a different log under the same key from index 2000 on is
	 * what a post rolled back to an old backup would send. */
	{
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_checkpoint cp;

		T_OK(tims_post_latest_checkpoint(p, &note, &cp, &err) == TIMS_OK,
		     "the post's checkpoint (%s)", err.msg);
		post_batch(p, 2000, 10, &b);
		b.items[3].entry[30] ^= 0x55;
		rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
		T_OK(rc == TIMS_ERR_TAMPER, "mirror: an overlap that differs is a fork (%s)", err.msg);
		tims_buf_release(&note);
	}
	T_OK(tims_sync_mirror_verify(m, NULL, NULL, &findings, &err) == TIMS_OK && findings == 0,
	     "mirror: verifies from its records");

	/* Malformed wire input. */
	{
		static const char *bad[] = {
			"", "[]", "{}", "{\"from\":0}",
			"{\"from\":-1,\"checkpoint\":\"x\",\"proof\":[],\"entries\":[]}",
			"{\"from\":0,\"checkpoint\":\"not a note\",\"proof\":[],\"entries\":[]}",
			"{\"from\":0,\"checkpoint\":\"x\",\"proof\":[],\"entries\":[],\"extra\":1}",
		};
		struct tims_sync_batch z;

		tims_sync_batch_init(&z);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			T_OK(tims_sync_batch_decode(bad[i], strlen(bad[i]), &z, &err) != TIMS_OK,
			     "decode: refuses malformed batch %zu (%s)", i, err.msg);
		tims_sync_batch_release(&z);
	}

	/* Restore a post from the mirror. */
	{
		char dir[400], cmd[2000];
		struct tims_post *r = NULL;
		uint64_t n = 0;

		snprintf(dir, sizeof(dir), "%s/restored", base);
		snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/a/config %s/a/post.vkey %s/a/post.skey %s/",
			 dir, base, base, base, dir);
		T_OK(system(cmd) == 0, "restore: a post directory without post.db");
		T_OK(tims_post_open_restore(dir, &r, &err) == TIMS_OK, "restore: opens (%s)", err.msg);
		for (uint64_t from = 0; r && from < 2500; from += 1024) {
			T_OK(tims_sync_mirror_batch(m, from, 1024, &b, &err) == TIMS_OK,
			     "restore: a batch from the mirror at %llu", (unsigned long long)from);
			T_OK(tims_post_import(r, b.items, b.n, from + b.n >= 2500 ? b.note : NULL,
					      from + b.n >= 2500 ? b.note_len : 0, &err) == TIMS_OK,
			     "restore: imported (%s)", err.msg);
		}
		tims_post_free(r);
		r = NULL;
		T_OK(tims_post_open(dir, TIMS_POST_WRITE, &r, &err) == TIMS_OK,
		     "restore: the restored post opens for writing (%s)", err.msg);
		if (r) {
			struct tims_post_verify_stats st;

			tims_post_size(r, &n, &err);
			T_EQ_INT(n, 2500, "restore: every record is back");
			T_OK(tims_post_verify(r, NULL, NULL, &st, &err) == TIMS_OK,
			     "restore: the restored log verifies");
			tims_post_free(r);
		}
	}
	tims_sync_batch_release(&b);
	tims_sync_mirror_free(m);
	tims_post_free(p);
	tims_post_free(q);
}


/* A cosigner key named `name` (a witness-style key, alg 0x04). */
static int make_cosigner(const char *name, struct tims_signer *sg)
{
	char *skey = NULL, *vkey = NULL;
	struct tims_err err;
	int ok = !tims_note_keygen(name, TIMS_KEY_COSIGNATURE_V1, &skey, &vkey, &err) &&
		 !tims_signer_from_skey(skey, sg, &err);

	if (!ok)
		printf("# cosigner %s: %s\n", name, err.msg);
	tims_note_free_secret(skey);
	free(vkey);
	return ok;
}

/* One cosignature line by sg over the mirror's latest checkpoint, at time t. */
static int cosign_line(struct tims_sync_mirror *m, const struct tims_signer *sg, uint64_t t,
		       struct tims_buf *line, uint64_t *size)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_err err;
	int ok;

	tims_buf_reset(line);
	ok = n && !tims_sync_mirror_checkpoint(m, &note, &cp, &err) &&
	     !tims_note_parse(note.buf, note.len, n, &err) &&
	     !tims_cosign(sg, n->text, n->textlen, t, line, &err);
	if (!ok)
		printf("# cosign: %s\n", err.msg);
	*size = cp.size;
	free(n);
	tims_buf_release(&note);
	return ok;
}

static long long count_rows(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Signature lines of the note an export carries. */
static size_t sig_lines(const struct tims_sync_batch *b)
{
	const char *p = strstr(b->note, "\n\n");
	size_t n = 0;

	for (p = p ? p + 2 : b->note + b->note_len; *p; p++)
		n += *p == '\n';
	return n;
}

/*
 * A post pushing the same checkpoint every second had the centre cosign it
 * again each time and keep every line; past 31 of them the export no longer
 * parsed and a wiped post could not be restored (issue 13).
 */
static void test_cosigs_bounded(void)
{
	struct tims_post *p = make_post("c", "example.org/post/c", 30, "c");
	struct tims_sync_mirror *m = p ? open_mirror("mc", p) : NULL;
	struct tims_signer centre, others[40];
	struct tims_buf line = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf j = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	struct tims_sync_batch b, back;
	struct tims_sync_result res;
	struct tims_err err;
	char db[400], name[64];
	uint64_t size = 0;
	int ok = 1;

	snprintf(db, sizeof(db), "%s/mc.db", base);
	tims_sync_batch_init(&b);
	tims_sync_batch_init(&back);
	if (!p || !m || !make_cosigner("centre.example", &centre))
		return;
	T_OK(post_batch(p, 0, 30, &b) && !tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err) &&
	     res.complete, "cosigs: the mirror holds the whole checkpoint");

	/* The same checkpoint cosigned 100 times, a second apart. */
	for (int i = 0; i < 100 && ok; i++)
		ok = cosign_line(m, &centre, 1700000000u + (uint64_t)i, &line, &size) &&
		     !tims_sync_mirror_keep_cosig(m, size, line.buf, line.len, &err);
	T_OK(ok, "cosigs: 100 cosignatures of one checkpoint kept (%s)", ok ? "" : err.msg);
	T_EQ_INT(count_rows(db, "SELECT count(*) FROM cosigs"), 1,
		 "cosigs: one row per (size, cosigner), not one per push");
	T_OK(tims_sync_mirror_batch(m, 0, 30, &b, &err) == TIMS_OK,
	     "cosigs: the export still builds (%s)", err.msg);
	T_EQ_INT(sig_lines(&b), 2, "cosigs: the export carries the post's signature and one cosignature");
	T_OK(strstr(b.note, line.buf) != NULL, "cosigs: the one kept is the newest");
	T_OK(!tims_sync_batch_encode(&b, &j, &err) &&
	     !tims_sync_batch_decode(j.buf, j.len, &back, &err),
	     "cosigs: the export parses on the way back (%s)", err.msg);

	/* 40 cosigners of the same checkpoint: more than a note may carry. */
	for (int i = 0; i < 40 && ok; i++) {
		snprintf(name, sizeof(name), "witness.example/w%02d", 39 - i);
		ok = make_cosigner(name, &others[i]) &&
		     cosign_line(m, &others[i], 1700000100u, &line, &size) &&
		     !tims_sync_mirror_keep_cosig(m, size, line.buf, line.len, &err);
	}
	T_OK(ok, "cosigs: 40 other cosigners kept");
	T_EQ_INT(count_rows(db, "SELECT count(*) FROM cosigs"), 41, "cosigs: 41 cosigners, 41 rows");
	T_OK(tims_sync_mirror_batch(m, 0, 30, &b, &err) == TIMS_OK,
	     "cosigs: the export builds (%s)", err.msg);
	T_EQ_INT(sig_lines(&b), TIMS_NOTE_MAX_SIGS,
		 "cosigs: never more signature lines than a note may carry");
	T_OK(!strncmp(strstr(b.note, "\n\n") + 2, "\xe2\x80\x94 example.org/post/c ",
		      strlen("\xe2\x80\x94 example.org/post/c ")),
	     "cosigs: the post's own signature comes first");
	T_OK(strstr(b.note, "\xe2\x80\x94 centre.example ") && strstr(b.note, "/w00 ") &&
	     strstr(b.note, "/w29 ") && !strstr(b.note, "/w30 ") && !strstr(b.note, "/w39 "),
	     "cosigs: the cosigners are chosen by name, the same every time");
	tims_buf_reset(&j);
	T_OK(!tims_sync_batch_encode(&b, &j, &err) &&
	     !tims_sync_batch_decode(j.buf, j.len, &back, &err),
	     "cosigs: a bounded export parses (%s)", err.msg);
	{
		struct tims_sync_mirror *r = open_mirror("mc-restore", p);

		T_OK(r && !tims_sync_mirror_apply(r, &back, NULL, NULL, &res, &err) && res.complete,
		     "cosigs: and a restore takes it (%s)", err.msg);
		tims_sync_mirror_free(r);
	}

	/* A schema-1 mirror, as an idle post left it: every cosignature kept. */
	tims_sync_mirror_free(m);
	m = NULL;
	{
		static const char v1[] = "DROP TABLE cosigs; DROP TABLE synced;"
			"CREATE TABLE cosigs (size INTEGER NOT NULL, line TEXT NOT NULL,"
			" given_ms INTEGER NOT NULL, PRIMARY KEY (size, line));"
			"PRAGMA user_version = 1;";
		sqlite3 *d = NULL;
		sqlite3_stmt *ins = NULL;

		/* 500 rows: the same two cosigners of one checkpoint. */
		T_OK(sqlite3_open(db, &d) == SQLITE_OK &&
		     sqlite3_exec(d, v1, NULL, NULL, NULL) == SQLITE_OK &&
		     sqlite3_prepare_v2(d, "INSERT INTO cosigs VALUES (?1, ?2, ?3)", -1, &ins,
					NULL) == SQLITE_OK, "upgrade: the schema-1 layout");
		m = open_mirror("mc-restore", p); /* the same checkpoint, to cosign */
		for (int i = 0; m && ins && i < 500; i++) {
			cosign_line(m, i % 2 ? &centre : &others[0], 1700001000u + (uint64_t)i,
				    &line, &size);
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)size);
			sqlite3_bind_text(ins, 2, line.buf, (int)line.len, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins, 3, 1700001000000 + i);
			sqlite3_step(ins);
			sqlite3_reset(ins);
		}
		sqlite3_finalize(ins);
		sqlite3_close(d);
		tims_sync_mirror_free(m);
		T_EQ_INT(count_rows(db, "SELECT count(*) FROM cosigs"), 500,
			 "upgrade: a schema-1 mirror with 500 cosignatures");
		m = open_mirror("mc", p);
		T_EQ_INT(count_rows(db, "PRAGMA user_version"), 2, "upgrade: brought to schema 2");
		T_EQ_INT(count_rows(db, "SELECT count(*) FROM cosigs"), 2,
			 "upgrade: the newest of each cosigner kept");
		T_EQ_INT(count_rows(db, "SELECT max(given_ms) FROM cosigs"), 1700001000000 + 499,
			 "upgrade: the newest");
		T_OK(m && tims_sync_mirror_batch(m, 0, 30, &b, &err) == TIMS_OK && sig_lines(&b) == 3,
		     "upgrade: the export carries the post's signature and both cosigners");
		T_OK(strstr(b.note, line.buf) != NULL, "upgrade: ... with the newest cosignature");
	}
	tims_sync_batch_release(&b);
	tims_sync_batch_release(&back);
	tims_buf_release(&line);
	tims_buf_release(&j);
	tims_signer_release(&centre);
	for (int i = 0; i < 40; i++)
		tims_signer_release(&others[i]);
	tims_sync_mirror_free(m);
	tims_post_free(p);
}

/* `tims centre posts` printed last_sync_ms=0 in every process but the
 * server's: the time of the last accepted batch is kept in the mirror. */
static void test_last_sync(void)
{
	struct tims_post *p = make_post("l", "example.org/post/l", 5, "l");
	struct tims_sync_mirror *m = p ? open_mirror("ml", p) : NULL;
	struct tims_sync_batch b;
	struct tims_sync_result res;
	struct tims_err err;
	int64_t ms = -1, before = (int64_t)time(NULL) * 1000 - 1000;

	tims_sync_batch_init(&b);
	if (!m)
		return;
	T_OK(tims_sync_mirror_last_sync(m, &ms, &err) == TIMS_OK && ms == 0,
	     "last sync: 0 before any batch");
	T_OK(post_batch(p, 0, 5, &b) && !tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err),
	     "last sync: a batch accepted");
	tims_sync_mirror_free(m);
	m = open_mirror("ml", p); /* another process, as it were */
	T_OK(m && tims_sync_mirror_last_sync(m, &ms, &err) == TIMS_OK && ms >= before &&
	     ms <= (int64_t)time(NULL) * 1000 + 1000,
	     "last sync: the time of the accepted batch, seen after reopening");
	tims_sync_batch_release(&b);
	tims_sync_mirror_free(m);
	tims_post_free(p);
}

/* Whether the file (or its WAL) holds needle. */
static int db_holds(const char *db, const char *needle)
{
	char path[450];
	int found = 0;

	for (int w = 0; w < 2 && !found; w++) {
		struct tims_buf b = TIMS_BUF_INIT(1 << 26);

		snprintf(path, sizeof(path), "%s%s", db, w ? "-wal" : "");
		if (!tims_read_file(path, b.max, &b, NULL))
			for (size_t i = 0; !found && i + strlen(needle) <= b.len; i++)
				found = !memcmp(b.buf + i, needle, strlen(needle));
		tims_buf_release(&b);
	}
	return found;
}

static int bytes_hold(const char *b, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(b + i, needle, n))
			return 1;
	return 0;
}

struct first {
	char body[4096];
	size_t n, len;
};

static tims_rc keep_body(void *ctx, const struct tims_post_raw *r)
{
	struct first *f = ctx;

	if (!f->n++ && r->body && r->body_len < sizeof(f->body)) {
		memcpy(f->body, r->body, r->body_len);
		f->len = r->body_len;
	}
	return TIMS_OK;
}

/*
 * G8 in the mirror: bodies sealed under the vault after their check, a
 * mirror of before (clear bodies) sealed in place when given the vault,
 * bodies opened again for export and verify, a body moved to another
 * position refused.
 */
static void test_sealed(void)
{
	struct tims_post *p = make_post("s", "example.org/post/s", 40, "sealed");
	struct tims_sync_mirror *m;
	struct tims_sync_batch b;
	struct tims_sync_result res;
	struct tims_vault *v = NULL;
	struct tims_err err;
	struct first f;
	uint64_t findings = 9;
	char db[400], vdir[400];

	snprintf(vdir, sizeof(vdir), "%s/vault", base);
	snprintf(db, sizeof(db), "%s/ms.db", base);
	if (!p || mkdir(vdir, 0700) ||
	    !T_OK(tims_vault_create(vdir, NULL, &err) == TIMS_OK &&
		  tims_vault_open(vdir, &v, &err) == TIMS_OK, "sealed: a vault (%s)", err.msg))
		return;
	/* a mirror of before: 20 records taken in clear */
	m = open_mirror("ms", p);
	tims_sync_batch_init(&b);
	T_OK(m && post_batch(p, 0, 20, &b) && wire(&b) &&
	     tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err) == TIMS_OK,
	     "sealed: a mirror without a vault takes 20 records");
	tims_sync_mirror_free(m);
	T_OK(db_holds(db, "SURNAME7"), "sealed: ... and holds them in clear");
	/* given the vault: sealed in place, the next 20 sealed as they come */
	m = open_mirror("ms", p);
	T_OK(m && tims_sync_mirror_set_vault(m, v, &err) == TIMS_OK,
	     "sealed: the vault given, the clear bodies sealed in place (%s)", err.msg);
	T_OK(post_batch(p, 20, 20, &b) && wire(&b) &&
	     tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err) == TIMS_OK && res.added == 20,
	     "sealed: the next 20 records taken, checked, then sealed (%s)", err.msg);
	T_OK(!db_holds(db, "SURNAME7") && !db_holds(db, "SURNAME33") && !db_holds(db, "sealed-"),
	     "sealed: no surname or reference in the mirror's file or WAL");
	memset(&f, 0, sizeof(f));
	T_OK(tims_sync_mirror_export(m, 7, 40 - 7, keep_body, &f, &err) == TIMS_OK && f.n == 33 &&
	     bytes_hold(f.body, f.len, "SURNAME7"),
	     "sealed: exported in clear, as the post sent them (%s)", err.msg);
	T_OK(tims_sync_mirror_verify(m, NULL, NULL, &findings, &err) == TIMS_OK && findings == 0,
	     "sealed: verify opens each body and checks it against its entry (%s)", err.msg);
	tims_sync_mirror_free(m);
	/* someone with the file moves body 3 onto position 5 */
	T_OK(count_rows(db, "SELECT count(*) FROM entries") == 40, "sealed: 40 positions");
	{
		sqlite3 *h = NULL;

		sqlite3_open(db, &h);
		sqlite3_exec(h, "DROP TRIGGER entries_no_update;"
			     "UPDATE entries SET body = (SELECT body FROM entries WHERE idx = 3)"
			     " WHERE idx = 5", NULL, NULL, NULL);
		sqlite3_close(h);
	}
	m = open_mirror("ms", p);
	T_OK(m && tims_sync_mirror_set_vault(m, v, &err) == TIMS_OK &&
	     tims_sync_mirror_export(m, 0, 10, keep_body, &f, &err) == TIMS_ERR_TAMPER,
	     "sealed: a body moved to another position does not open (%s)", err.msg);
	tims_sync_mirror_free(m);
	tims_sync_batch_release(&b);
	tims_vault_close(v);
	tims_post_free(p);
}

int main(void)
{
	char cmd[300];

	snprintf(base, sizeof(base), "/tmp/tims-sync-XXXXXX");
	if (!mkdtemp(base))
		return 2;
	test_push();
	test_cosigs_bounded();
	test_last_sync();
	test_sealed();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		return 2;
	return t_done();
}
