/*
 * test_witness.c — the witness (c2sp.org/tlog-witness): the request parser
 * on the spec's example and on every malformation, the add-checkpoint state
 * machine (first checkpoint, growth, stale old size, bad proof, fork,
 * unknown origin, untrusted or broken signature, replay), durability across
 * a reopen, the compare-and-swap under concurrent requests (two threads,
 * and two handles as two processes would have), and the HTTPS server with
 * the C client over real TLS on loopback.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>

#include "t.h"
#include "tims/note.h"
#include "tims/tlog.h"
#include "tims/util.h"
#include "tims/witness.h"

#define ORIGIN "example.org/post/w1"
#define WNAME "witness.example/w1"
#define DASH "\xe2\x80\x94 "

/* The example request body of c2sp.org/tlog-witness. */
static const char spec_body[] =
	"old 20852014\n"
	"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
	"jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
	"5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
	"/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
	"\n"
	"example.com/behind-the-sofa\n"
	"20852163\n"
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	"\n"
	DASH "example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
	DASH "example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";

#define NOTE_PART (strstr(spec_body, "\n\nexample.com/") + 2)
#define HASH_LINE "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"

static char dir[] = "/tmp/tims-witness-XXXXXX";
static struct tims_signer logkey, otherkey, strangerkey;
static char *log_vkey;
static struct tims_tlog_mem tree, fork_tree;

/* ---- helpers ---------------------------------------------------------- */

static void make_signer(const char *name, struct tims_signer *s, char **vkey_out)
{
	char *skey, *vkey;

	if (tims_note_keygen(name, TIMS_KEY_ED25519, &skey, &vkey, NULL) ||
	    tims_signer_from_skey(skey, s, NULL))
		abort();
	tims_note_free_secret(skey);
	if (vkey_out)
		*vkey_out = vkey;
	else
		free(vkey);
}

static void grow(struct tims_tlog_mem *m, uint64_t n, const char *tag)
{
	while (m->size < n) {
		char e[64];
		tims_hash leaf;

		snprintf(e, sizeof(e), "%s entry %" PRIu64, tag, m->size);
		tims_tlog_leaf_hash(e, strlen(e), leaf);
		if (tims_tlog_mem_append(m, leaf, NULL))
			abort();
	}
}

/* A checkpoint note of the first `size` leaves of m, signed by s. */
static void checkpoint(struct tims_tlog_mem *m, uint64_t size,
		       const struct tims_signer *s, struct tims_buf *note)
{
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	struct tims_buf body = TIMS_BUF_INIT(4096);

	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", ORIGIN);
	cp.size = size;
	tims_tlog_mem_reader(m, &r);
	if (tims_tlog_tree_hash(size, &r, cp.root, NULL) ||
	    tims_checkpoint_format(&cp, &body) ||
	    tims_note_sign(body.buf, body.len, s, 1, note, NULL))
		abort();
	tims_buf_release(&body);
}

/* A request body: old size, the proof old -> size in m, the note. */
static void request(struct tims_tlog_mem *m, uint64_t old, uint64_t size,
		    const struct tims_signer *s, struct tims_buf *body)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_tlog_reader r;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t len = 0;

	tims_tlog_mem_reader(m, &r);
	checkpoint(m, size, s, &note);
	if (old <= size && tims_tlog_prove_consistency(old, size, &r, proof, &len, NULL))
		abort();
	tims_buf_reset(body);
	if (tims_witness_format_request(old, proof, len, note.buf, note.len, body, NULL))
		abort();
	tims_buf_release(&note);
}

static int submit(struct tims_witness *w, const struct tims_buf *body,
		  struct tims_witness_answer *a)
{
	struct tims_err err;

	if (tims_witness_submit(w, body->buf, body->len, a, &err)) {
		printf("# submit: %s\n", err.msg);
		return -1;
	}
	return a->status;
}

/* ---- the parser -------------------------------------------------------- */

static void test_parser(void)
{
	struct tims_witness_req *q = malloc(sizeof(*q));
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	struct tims_err err;
	static const struct {
		const char *name, *head; /* head + "\n" + NOTE_PART unless raw */
		const char *want;        /* in the message */
	} bad[] = {
		{ "a leading zero in the old size", "old 020852014\n", "leading zero" },
		{ "a sign in the old size", "old +20852014\n", "not a decimal" },
		{ "a space after the old size", "old 20852014 \n", "not a decimal" },
		{ "two spaces after old", "old  20852014\n", "not a decimal" },
		{ "a capital Old", "Old 20852014\n", "must be 'old SIZE'" },
		{ "a tab for the space", "old\t20852014\n", "must be 'old SIZE'" },
		{ "a CR before the newline", "old 20852014\r\n", "not a decimal" },
		{ "an empty old size", "old \n", "empty size" },
		{ "an old size past 2^62", "old 4611686018427387905\n", "larger than" },
		{ "an old size past 2^64", "old 99999999999999999999999\n", "larger than" },
		{ "a proof hash of 43 characters", "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n", "line 2 (proof hash 1): not base64" },
		{ "a proof hash without padding", "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n", "not base64" },
		{ "URL-safe base64", "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpka_=\n", "not base64" },
		{ "non-zero pad bits", "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkax=\n", "not base64" },
		{ "a proof hash of 33 bytes", "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkawA\n", "not base64" },
		{ "a non-ASCII byte libsodium would decode", "old 1\nPlRNCrwHp\x91hGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n", "not base64" },
		{ "a space in a proof line", "old 1\n " HASH_LINE, "not base64" },
		{ "a second blank line", "old 1\n\n", "empty origin" },
	};

	T_OK(tims_witness_parse_request(spec_body, strlen(spec_body), q, &err) == TIMS_OK,
	     "parser: the spec's example request parses (%s)", err.msg);
	T_EQ_INT(q->old_size, 20852014, "parser: ... old size");
	T_EQ_INT(q->proof_len, 4, "parser: ... four proof hashes");
	T_EQ_STR(q->cp.origin, "example.com/behind-the-sofa", "parser: ... the checkpoint's origin");
	T_EQ_INT(q->cp.size, 20852163, "parser: ... the checkpoint's size");
	T_EQ_INT(q->parsed.nsigs, 2, "parser: ... two signature lines");
	T_OK(q->note == NOTE_PART && !strncmp(q->note, "example.com/", 12),
	     "parser: ... the note is the rest of the body");
	T_OK(tims_witness_format_request(q->old_size, q->proof, q->proof_len, q->note,
					 q->note_len, &b, &err) == TIMS_OK &&
	     b.len == strlen(spec_body) && !memcmp(b.buf, spec_body, b.len),
	     "parser: what parses formats back to the same bytes");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tims_buf_reset(&b);
		tims_buf_addstr(&b, bad[i].head);
		tims_buf_addstr(&b, "\n");
		tims_buf_addstr(&b, NOTE_PART);
		err.msg[0] = '\0';
		if (!T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID &&
			  strstr(err.msg, bad[i].want), "parser: %s is refused, saying '%s'",
			  bad[i].name, bad[i].want))
			printf("#   message: %s\n", err.msg);
	}

	/* Shapes that the table cannot express. */
	T_OK(tims_witness_parse_request("", 0, q, &err) == TIMS_ERR_INVALID, "parser: an empty body is refused");
	T_OK(tims_witness_parse_request("old 1", 5, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "no newline"), "parser: an old line without a newline is refused");
	T_OK(tims_witness_parse_request("old 0\n\n", 7, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "missing the checkpoint"), "parser: a request without a checkpoint is refused");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 0\n");
	tims_buf_addstr(&b, NOTE_PART);
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "line 2 (proof hash 1)"),
	     "parser: a missing empty line is refused (the origin is no proof hash)");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 0\n" HASH_LINE);
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "missing the empty line"), "parser: a body that ends in proof lines is refused");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n");
	for (int i = 0; i < 63; i++)
		tims_buf_addstr(&b, HASH_LINE);
	tims_buf_addstr(&b, "\n");
	tims_buf_addstr(&b, NOTE_PART);
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_OK && q->proof_len == 63,
	     "parser: 63 proof lines are taken");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n");
	for (int i = 0; i < 64; i++)
		tims_buf_addstr(&b, HASH_LINE);
	tims_buf_addstr(&b, "\n");
	tims_buf_addstr(&b, NOTE_PART);
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "more than 63"), "parser: 64 proof lines are refused");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n\n");
	tims_buf_addstr(&b, NOTE_PART);
	tims_buf_addstr(&b, "x");
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID,
	     "parser: bytes after the last signature line are refused (%s)", err.msg);
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n\n");
	tims_buf_addstr(&b, NOTE_PART);
	tims_buf_setlen(&b, b.len - 1);
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID,
	     "parser: a signature line without its newline is refused");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n\nhello\n\n" DASH "example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n");
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "checkpoint"), "parser: a note that is not a checkpoint is refused (%s)", err.msg);
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n\nexample.com/behind-the-sofa\n4611686018427387905\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
			DASH "example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n");
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "larger than"), "parser: a checkpoint size past 2^62 is refused");
	tims_buf_reset(&b);
	tims_buf_addstr(&b, "old 1\n");
	while (b.len <= TIMS_WITNESS_MAX_BODY)
		tims_buf_addstr(&b, HASH_LINE);
	T_OK(tims_witness_parse_request(b.buf, b.len, q, &err) == TIMS_ERR_TOOBIG,
	     "parser: a body past 64 KiB is refused as too big");
	{
		tims_hash h[64];

		memset(h, 0, sizeof(h));
		tims_buf_reset(&b);
		T_OK(tims_witness_format_request(1, h, 64, "x\n", 2, &b, &err) == TIMS_ERR_USAGE && b.len == 0,
		     "format: a proof of 64 hashes is not sent");
	}
	tims_buf_release(&b);
	free(q);
}

/* ---- the state machine ------------------------------------------------- */

static uint64_t stored_size(struct tims_witness *w);

static tims_rc take_size(void *ctx, const struct tims_witness_log *l)
{
	if (!strcmp(l->origin, ORIGIN))
		*(uint64_t *)ctx = l->size;
	return TIMS_OK;
}

static uint64_t stored_size(struct tims_witness *w)
{
	uint64_t size = UINT64_MAX;

	tims_witness_list(w, take_size, &size, NULL);
	return size;
}

static int64_t refusals(void)
{
	char path[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;

	snprintf(path, sizeof(path), "%s/witness.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM refusals", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/* The cosignature verifies over the request's checkpoint with the witness key. */
static int cosig_verifies(const struct tims_buf *body, const struct tims_witness_answer *a,
			  const struct tims_verifier *wv)
{
	struct tims_witness_req *q = malloc(sizeof(*q));
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_buf all = TIMS_BUF_INIT(1 << 17);
	int ok;

	ok = !tims_witness_parse_request(body->buf, body->len, q, NULL) &&
	     !tims_buf_add(&all, q->note, q->note_len) &&
	     !tims_buf_add(&all, a->cosig.buf, a->cosig.len) &&
	     !tims_note_verify(all.buf, all.len, wv, 1, n, NULL) &&
	     n->verified_mask == 1 && n->cosigned_time[0] > 0;
	tims_buf_release(&all);
	free(q);
	free(n);
	return ok;
}

static void test_state(void)
{
	struct tims_witness *w;
	struct tims_witness_answer a;
	struct tims_buf body = TIMS_BUF_INIT(TIMS_WITNESS_MAX_BODY);
	struct tims_err err;
	int64_t ev;

	T_OK(tims_witness_init(dir, WNAME, NULL, &err) == TIMS_OK, "init: a witness is made (%s)", err.msg);
	T_OK(tims_witness_init(dir, WNAME, NULL, &err) == TIMS_ERR_EXISTS, "init: refuses a directory that holds one");
	if (!T_OK(tims_witness_open(dir, &w, &err) == TIMS_OK, "open: the witness opens (%s)", err.msg))
		return;
	T_OK(tims_witness_verifier(w)->alg == TIMS_KEY_COSIGNATURE_V1, "open: its key is a cosigner key (0x04)");
	tims_witness_answer_init(&a);

	request(&tree, 0, 3, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 404, "unknown origin: 404 (spec)");
	T_OK(strstr(a.reason, "unknown log origin") != NULL, "unknown origin: says so");

	T_OK(tims_witness_add_log(w, log_vkey, &err) == TIMS_OK, "add-log: a log key is trusted (%s)", err.msg);
	T_OK(tims_witness_add_log(w, log_vkey, &err) == TIMS_ERR_EXISTS, "add-log: the same key twice is refused");
	{
		char *skey, *vkey;

		tims_note_keygen("cosigner.example", TIMS_KEY_COSIGNATURE_V1, &skey, &vkey, NULL);
		T_OK(tims_witness_add_log(w, vkey, &err) == TIMS_ERR_INVALID && strstr(err.msg, "not a log key"),
		     "add-log: a cosigner key is no log key");
		tims_note_free_secret(skey);
		free(vkey);
	}
	T_OK(tims_witness_add_log(w, "nonsense", &err) == TIMS_ERR_INVALID, "add-log: a malformed key is refused");
	T_EQ_INT(stored_size(w), 0, "add-log: the log starts at size 0");

	/* First checkpoint. */
	T_EQ_INT(submit(w, &body, &a), 200, "first checkpoint (old 0, no proof): cosigned");
	T_OK(cosig_verifies(&body, &a, tims_witness_verifier(w)), "first checkpoint: the cosignature verifies with the witness key");
	T_OK(a.cosig.len > 4 && !memcmp(a.cosig.buf, DASH WNAME " ", strlen(DASH WNAME " ")) &&
	     a.cosig.buf[a.cosig.len - 1] == '\n', "first checkpoint: the answer is one note signature line");
	T_EQ_INT(stored_size(w), 3, "first checkpoint: size 3 stored");

	/* Stale old size. */
	request(&tree, 0, 5, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 409, "stale old size 0: 409");
	T_OK(a.size_conflict && a.known_size == 3, "stale old size: the answer carries the witness's size 3");

	/* Growth with a valid proof. */
	request(&tree, 3, 5, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 200, "growth 3 -> 5 with a valid proof: cosigned");
	T_OK(cosig_verifies(&body, &a, tims_witness_verifier(w)), "growth: the cosignature verifies");
	T_EQ_INT(stored_size(w), 5, "growth: size 5 stored");
	request(&tree, 3, 8, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 409, "old size 3 after 5 was cosigned: 409");
	T_EQ_INT(a.known_size, 5, "... with the right size 5");

	/* Same size, same root: cosigned again. */
	request(&tree, 5, 5, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 200, "same size, same root: cosigned again");

	/* Bad proofs. */
	ev = refusals();
	request(&tree, 5, 8, &logkey, &body);
	{
		char *p = strchr(body.buf, '\n') + 1; /* first proof hash */

		p[0] = p[0] == 'A' ? 'B' : 'A';
	}
	T_EQ_INT(submit(w, &body, &a), 422, "a proof with a changed hash: 422");
	T_OK(strstr(a.reason, "does not verify") != NULL, "bad proof: says the proof does not verify");
	T_EQ_INT(stored_size(w), 5, "bad proof: nothing stored");
	T_EQ_INT(refusals(), ev + 1, "bad proof: the request is kept as evidence");
	request(&tree, 5, 8, &logkey, &body);
	{
		char *p = strchr(body.buf, '\n') + 1;

		memmove(p, p + 45, body.len - (size_t)(p - body.buf) - 45);
		tims_buf_setlen(&body, body.len - 45);
	}
	T_EQ_INT(submit(w, &body, &a), 422, "a proof missing a hash: 422");
	{
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);

		checkpoint(&tree, 8, &logkey, &note);
		tims_buf_reset(&body);
		tims_witness_format_request(5, NULL, 0, note.buf, note.len, &body, NULL);
		T_EQ_INT(submit(w, &body, &a), 422, "growth without any proof: 422");
		tims_buf_release(&note);
	}

	/* A fork: another tree of the same origin, with other entries. */
	request(&fork_tree, 5, 5, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 409, "same size, another root (a fork): 409");
	T_OK(!a.size_conflict && strstr(a.reason, "forked"), "fork: not a size conflict; says the log forked");
	request(&fork_tree, 5, 9, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 422, "a forked tree grown past the witness: its proof fails, 422");
	T_EQ_INT(stored_size(w), 5, "fork: nothing stored");

	/* Signatures. */
	request(&tree, 5, 8, &otherkey, &body);
	T_EQ_INT(submit(w, &body, &a), 403, "a checkpoint signed by an untrusted key for the origin: 403");
	T_OK(strstr(a.reason, "no valid signature") != NULL, "untrusted key: says so");
	request(&tree, 5, 8, &logkey, &body);
	{
		char *sig = strstr(body.buf, DASH ORIGIN " ") + strlen(DASH ORIGIN " ") + 10;

		sig[0] = sig[0] == 'A' ? 'B' : 'A';
	}
	T_EQ_INT(submit(w, &body, &a), 403, "a trusted key's signature that does not verify: 403");
	request(&tree, 5, 8, &strangerkey, &body);
	T_EQ_INT(submit(w, &body, &a), 403, "a key of another name for this origin: 403");
	T_EQ_INT(stored_size(w), 5, "bad signatures: nothing stored");

	/* Replays of an old checkpoint. */
	ev = refusals();
	request(&tree, 3, 3, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 409, "replay of the size-3 checkpoint (old 3): 409");
	T_OK(a.size_conflict && a.known_size == 5, "replay: answered with size 5");
	T_EQ_INT(refusals(), ev + 1, "replay: kept as evidence of an older checkpoint");
	request(&tree, 0, 3, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 409, "replay of the very first request: 409");
	request(&tree, 5, 3, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 400, "old size above the checkpoint's size: 400 (spec)");

	/* Durable across a reopen (a restart). */
	tims_witness_free(w);
	T_OK(tims_witness_open(dir, &w, &err) == TIMS_OK, "reopen: the witness opens again");
	T_EQ_INT(stored_size(w), 5, "reopen: size 5 is still the witness's");
	request(&tree, 5, 8, &logkey, &body);
	T_EQ_INT(submit(w, &body, &a), 200, "reopen: growth 5 -> 8 is cosigned");

	/* The database refuses to shrink, whatever the code does. */
	{
		char path[256];
		sqlite3 *db;
		int r;

		snprintf(path, sizeof(path), "%s/witness.db", dir);
		sqlite3_open(path, &db);
		sqlite3_busy_timeout(db, 5000);
		r = sqlite3_exec(db, "UPDATE logs SET size = 3", NULL, NULL, NULL);
		T_OK(r != SQLITE_OK, "database: a trigger refuses to shrink a log");
		r = sqlite3_exec(db, "UPDATE logs SET root = zeroblob(32)", NULL, NULL, NULL);
		T_OK(r != SQLITE_OK, "database: a trigger refuses another root at the same size");
		r = sqlite3_exec(db, "DELETE FROM logs", NULL, NULL, NULL);
		T_OK(r != SQLITE_OK, "database: a trigger refuses to forget a log");
		sqlite3_close(db);
	}
	tims_witness_answer_release(&a);
	tims_buf_release(&body);
	tims_witness_free(w);
}

/* ---- concurrency -------------------------------------------------------- */

struct racer {
	struct tims_witness *w;
	struct tims_buf body;
	int status;
	pthread_barrier_t *go;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct tims_witness_answer a;

	tims_witness_answer_init(&a);
	pthread_barrier_wait(r->go);
	r->status = submit(r->w, &r->body, &a);
	tims_witness_answer_release(&a);
	return NULL;
}

static void test_race(int two_handles)
{
	struct tims_witness *w1, *w2;
	struct racer r[2];
	pthread_barrier_t go;
	pthread_t th[2];
	int bad = 0;
	uint64_t base;

	if (tims_witness_open(dir, &w1, NULL) || tims_witness_open(dir, &w2, NULL))
		abort();
	base = stored_size(w1);
	for (int round = 0; round < 20; round++) {
		uint64_t size = base + (uint64_t)round * 2;
		int ok = 0, conflict = 0;

		pthread_barrier_init(&go, NULL, 2);
		for (int i = 0; i < 2; i++) {
			r[i].w = two_handles && i ? w2 : w1;
			tims_buf_init(&r[i].body, TIMS_WITNESS_MAX_BODY);
			grow(&tree, size + 2, "tree");
			request(&tree, size, size + 1 + (uint64_t)i, &logkey, &r[i].body);
			r[i].go = &go;
			pthread_create(&th[i], NULL, race, &r[i]);
		}
		for (int i = 0; i < 2; i++) {
			pthread_join(th[i], NULL);
			ok += r[i].status == 200;
			conflict += r[i].status == 409;
			tims_buf_release(&r[i].body);
		}
		pthread_barrier_destroy(&go);
		if (ok != 1 || conflict != 1) {
			printf("# round %d: %d cosigned, %d conflicts\n", round, ok, conflict);
			bad++;
		}
		/* Bring the witness to size + 2 for the next round. */
		if (stored_size(w1) != size + 2) {
			struct tims_witness_answer a;
			struct tims_buf body = TIMS_BUF_INIT(TIMS_WITNESS_MAX_BODY);

			tims_witness_answer_init(&a);
			request(&tree, stored_size(w1), size + 2, &logkey, &body);
			if (submit(w1, &body, &a) != 200)
				bad++;
			tims_witness_answer_release(&a);
			tims_buf_release(&body);
		}
	}
	T_EQ_INT(bad, 0, two_handles
		 ? "race: two handles (as two processes) never both advance from one old size"
		 : "race: two threads never both advance from one old size");
	tims_witness_free(w1);
	tims_witness_free(w2);
}

/* ---- over HTTPS --------------------------------------------------------- */

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	return tims_buf_add(ud, p, sz * n) ? 0 : sz * n;
}

/* One request with curl itself: status, body and Content-Type. */
static long raw_post(const char *url, const char *ca, const char *method,
		     const char *body, size_t len, struct tims_buf *out,
		     char *ctype, size_t ctlen)
{
	struct tims_buf sink = TIMS_BUF_INIT(1 << 16);
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	long status = -1;
	char *ct = NULL;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		/* a large body waits for the server's word, as a client that
		 * reads answers does: a 413 sent before the body is read would
		 * otherwise race the server's close against curl's sending */
		if (len > 16384 && (hdr = curl_slist_append(NULL, "Expect: 100-continue")))
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out ? out : &sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (ctype)
			snprintf(ctype, ctlen, "%s", ct ? ct : "");
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	tims_buf_release(&sink);
	return status;
}

static void test_https(void)
{
	struct tims_witness *w;
	struct tims_http_server *srv = NULL;
	struct tims_buf body = TIMS_BUF_INIT(TIMS_WITNESS_MAX_BODY), out = TIMS_BUF_INIT(1 << 16);
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES), cosigs = TIMS_BUF_INIT(1 << 16);
	struct tims_tlog_reader r;
	struct tims_err err;
	char base[64], url[128], ca[256], ctype[128];
	uint64_t wsize = 0, size;
	tims_rc rc;

	if (tims_witness_open(dir, &w, NULL))
		abort();
	if (!T_OK(tims_witness_serve(w, "127.0.0.1", 0, &srv, &err) == TIMS_OK,
		  "https: the witness serves on a free loopback port (%s)", err.msg)) {
		tims_witness_free(w);
		return;
	}
	snprintf(base, sizeof(base), "https://127.0.0.1:%u", tims_http_port(srv));
	snprintf(url, sizeof(url), "%s/add-checkpoint", base);
	snprintf(ca, sizeof(ca), "%s/tls.crt", dir);
	size = stored_size(w);
	grow(&tree, size + 10, "tree");
	tims_tlog_mem_reader(&tree, &r);

	/* The wire, as curl sees it. */
	request(&tree, 0, size + 1, &logkey, &body);
	T_EQ_INT(raw_post(url, ca, "POST", body.buf, body.len, &out, ctype, sizeof(ctype)), 409,
		 "https: a stale old size is 409");
	T_EQ_STR(ctype, TIMS_WITNESS_SIZE_TYPE, "https: ... with Content-Type text/x.tlog.size");
	{
		char want[32];

		snprintf(want, sizeof(want), "%" PRIu64 "\n", size);
		T_EQ_STR(tims_buf_str(&out), want, "https: ... and the witness's size as the body");
	}
	tims_buf_reset(&out);
	T_EQ_INT(raw_post(url, ca, "GET", NULL, 0, NULL, NULL, 0), 405, "https: GET /add-checkpoint is 405");
	{
		char *big = calloc(1, TIMS_WITNESS_MAX_BODY + 2);

		memset(big, 'a', TIMS_WITNESS_MAX_BODY + 1);
		T_EQ_INT(raw_post(url, ca, "POST", big, TIMS_WITNESS_MAX_BODY + 1, NULL, NULL, 0), 413,
			 "https: a body past 64 KiB is 413");
		free(big);
	}
	T_EQ_INT(raw_post(url, ca, "POST", "old 1\n", 6, &out, ctype, sizeof(ctype)), 400,
		 "https: a malformed body is 400");
	T_OK(strstr(tims_buf_str(&out), "missing the empty line") != NULL, "https: ... naming the reason");
	tims_buf_reset(&out);

	/* The C client. */
	checkpoint(&tree, size + 1, &logkey, &note);
	rc = tims_witness_add_checkpoint(base, ca, 0, NULL, 0, note.buf, note.len,
					 tims_witness_verifier(w), &cosigs, &wsize, &err);
	T_OK(rc == TIMS_ERR_STATE && wsize == size, "client: a 409 reports the witness's size (%s)", err.msg);
	rc = tims_witness_request_cosignature(base, ca, &r, note.buf, note.len, 0,
					      tims_witness_verifier(w), &cosigs, &wsize, &err);
	T_OK(rc == TIMS_OK, "client: asks again from the witness's size and is cosigned (%s)", err.msg);
	T_OK(cosigs.len > 0 && !memcmp(cosigs.buf, DASH WNAME " ", strlen(DASH WNAME " ")),
	     "client: the cosignature line is the witness's");
	tims_buf_reset(&cosigs);
	rc = tims_witness_request_cosignature(base, NULL, &r, note.buf, note.len, size + 1,
					      NULL, &cosigs, &wsize, &err);
	T_OK(rc == TIMS_ERR_NET, "client: a witness whose certificate is not trusted is not spoken to");
	{
		struct tims_verifier wrong = *tims_witness_verifier(w);

		wrong.pub[0] ^= 1;
		tims_buf_reset(&cosigs);
		rc = tims_witness_request_cosignature(base, ca, &r, note.buf, note.len, size + 1,
						      &wrong, &cosigs, &wsize, &err);
		T_OK(rc == TIMS_ERR_SIGNATURE, "client: a cosignature that does not verify is refused (%s)", err.msg);
	}
	tims_buf_reset(&note);
	checkpoint(&tree, size, &logkey, &note);
	tims_buf_reset(&cosigs);
	rc = tims_witness_request_cosignature(base, ca, &r, note.buf, note.len, 0, NULL, &cosigs, &wsize, &err);
	T_OK(rc == TIMS_ERR_TAMPER && wsize == size + 1,
	     "client: a witness ahead of our checkpoint means rollback or fork (%s)", err.msg);
	tims_buf_reset(&note);
	grow(&fork_tree, size + 2, "fork");
	checkpoint(&fork_tree, size + 2, &logkey, &note);
	tims_tlog_mem_reader(&fork_tree, &r);
	rc = tims_witness_request_cosignature(base, ca, &r, note.buf, note.len, 0, NULL, &cosigs, &wsize, &err);
	T_OK(rc == TIMS_ERR_PROOF, "client: a forked log's proof is refused, 422 (%s)", err.msg);
	tims_buf_reset(&note);
	{
		struct tims_checkpoint cp = { .origin = "example.org/unknown", .size = 0 };
		struct tims_buf b2 = TIMS_BUF_INIT(4096);
		struct tims_signer s;

		make_signer("example.org/unknown", &s, NULL);
		tims_tlog_empty_root(cp.root);
		T_OK(tims_checkpoint_format(&cp, &b2) == TIMS_OK, "the unknown log's checkpoint");
		tims_note_sign(b2.buf, b2.len, &s, 1, &note, NULL);
		rc = tims_witness_add_checkpoint(base, ca, 0, NULL, 0, note.buf, note.len, NULL,
						 &cosigs, &wsize, &err);
		T_OK(rc == TIMS_ERR_NOTFOUND, "client: an unknown log is told so, 404 (%s)", err.msg);
		tims_signer_release(&s);
		tims_buf_release(&b2);
	}

	tims_http_stop(srv);
	tims_witness_free(w);
	tims_buf_release(&body);
	tims_buf_release(&out);
	tims_buf_release(&note);
	tims_buf_release(&cosigs);
}

int main(void)
{
	char cmd[600];

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 2;
	make_signer(ORIGIN, &logkey, &log_vkey);
	make_signer(ORIGIN, &otherkey, NULL);
	make_signer("example.org/stranger", &strangerkey, NULL);
	tims_tlog_mem_init(&tree, 1 << 20);
	tims_tlog_mem_init(&fork_tree, 1 << 20);
	grow(&tree, 8, "tree");
	grow(&fork_tree, 9, "fork");

	test_parser();
	test_state();
	test_race(0);
	test_race(1);
	test_https();

	tims_signer_release(&logkey);
	tims_signer_release(&otherkey);
	tims_signer_release(&strangerkey);
	free(log_vkey);
	tims_tlog_mem_release(&tree);
	tims_tlog_mem_release(&fork_tree);
	curl_global_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
