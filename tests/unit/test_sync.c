/*
 * test_sync.c — the sync protocol (tims/sync.h): batches built from a
 * post's log, their wire format and strict parser, the mirror's checks
 * (idempotent retries, gaps, forks, forged signatures, bad proofs, records
 * altered in transit), erased records, and a post restored from a mirror.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/post.h"
#include "tims/sync.h"

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
	tims_post_checkpoint(p, &issued, &err);
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
		tims_post_latest_checkpoint(q, &note, &cp, &err);
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

		tims_post_latest_checkpoint(p, &note, &cp, &err);
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

int main(void)
{
	char cmd[300];

	snprintf(base, sizeof(base), "/tmp/tims-sync-XXXXXX");
	if (!mkdtemp(base))
		return 2;
	test_push();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		return 2;
	return t_done();
}
