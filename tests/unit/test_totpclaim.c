/* test_totpclaim.c — the claims of TOTP steps: one use per (officer, step)
 * across posts, resends, the window, the bounds, malformed claims, and a
 * post's pending claims. */
#include <sqlite3.h>

#include "t.h"
#include "tims/totpclaim.h"

#define NOW ((time_t)1800000000)            /* a fixed centre clock */
#define STEP ((uint64_t)NOW / TIMS_TOTP_STEP)

static struct tims_totp_claim claim(const char *officer, uint64_t step, const char *post,
				    int offline)
{
	struct tims_totp_claim c;

	tims_totp_claim_make(&c, officer, step, "123456", "b1", (int64_t)NOW * 1000, NULL);
	snprintf(c.post, sizeof(c.post), "%s", post);
	c.offline = offline;
	return c;
}

static int collect(void *ctx, const struct tims_totp_claim *c)
{
	char *ids = ctx;
	size_t n = strlen(ids);

	snprintf(ids + n, 512 - n, "%s,", c->officer);
	return 0;
}

int main(void)
{
	struct tims_totp_claims s;
	struct tims_totp_claim a, b, first, bad;
	enum tims_totp_verdict v = 0;
	struct tims_err err;
	sqlite3 *db;
	char ids[512] = "";
	tims_rc rc;

	sqlite3_open(":memory:", &db);
	T_OK(tims_totp_claims_init(&s, db, &err) == TIMS_OK, "the store opens on a handle");

	/* first use, then the same step from another post */
	a = claim("ana", STEP, "post-a", 0);
	rc = tims_totp_claims_add(&s, &a, NOW, &v, &first, &err);
	T_OK(rc == TIMS_OK && v == TIMS_TOTP_CLAIM_NEW, "a first claim of a step is new");
	b = claim("ana", STEP, "post-b", 0);
	rc = tims_totp_claims_add(&s, &b, NOW, &v, &first, &err);
	T_OK(rc == TIMS_OK && v == TIMS_TOTP_CLAIM_REUSED,
	     "the same officer and step from another post is reused");
	T_EQ_STR(first.post, "post-a", "the reuse names the post that used it first");
	T_EQ_STR(first.id, a.id, "and that first claim");
	b = claim("ana", STEP, "post-a", 0);
	rc = tims_totp_claims_add(&s, &b, NOW, &v, &first, &err);
	T_OK(rc == TIMS_OK && v == TIMS_TOTP_CLAIM_REUSED,
	     "a second login at the same post with the same step is reused too");

	/* a resend is not a second use */
	rc = tims_totp_claims_add(&s, &a, NOW + 5, &v, &first, &err);
	T_OK(rc == TIMS_OK && v == TIMS_TOTP_CLAIM_REPEAT, "the same claim sent again is a repeat");
	a.offline = 1;
	rc = tims_totp_claims_add(&s, &a, NOW + 5, &v, &first, &err);
	T_OK(rc == TIMS_OK && v == TIMS_TOTP_CLAIM_REPEAT,
	     "sent again as offline (the answer was lost) it is still a repeat");
	bad = a;
	bad.step++;
	rc = tims_totp_claims_add(&s, &bad, NOW, &v, &first, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "id:"),
	     "an id held for another claim is refused (%s)", err.msg);

	/* the same id with another code: another account of that name (made at
	 * another post), not a replay */
	tims_totp_claim_make(&b, "ana", STEP, "654321", "b1", (int64_t)NOW * 1000, NULL);
	snprintf(b.post, sizeof(b.post), "post-c");
	T_OK(!tims_totp_claims_add(&s, &b, NOW, &v, NULL, &err) && v == TIMS_TOTP_CLAIM_NEW,
	     "the same officer id and step with another code is new");
	bad = a;
	bad.digest[0] = 'G';
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "digest:"), "a digest not in hex is refused");

	/* other officer, other step: independent */
	b = claim("ben", STEP, "post-b", 0);
	T_OK(!tims_totp_claims_add(&s, &b, NOW, &v, NULL, &err) && v == TIMS_TOTP_CLAIM_NEW,
	     "another officer's claim of the same step is new");
	b = claim("ana", STEP + 1, "post-b", 0);
	T_OK(!tims_totp_claims_add(&s, &b, NOW, &v, NULL, &err) && v == TIMS_TOTP_CLAIM_NEW,
	     "the next step of the same officer is new");

	/* the window: an online claim must be current; an offline one may be old */
	b = claim("ana", STEP - TIMS_TOTP_CLAIM_WINDOW - 1, "post-b", 0);
	rc = tims_totp_claims_add(&s, &b, NOW, &v, NULL, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "behind"),
	     "an online claim of a step no code of which is valid now is refused (%s)", err.msg);
	b = claim("ana", STEP + TIMS_TOTP_CLAIM_WINDOW + 1, "post-b", 1);
	rc = tims_totp_claims_add(&s, &b, NOW, &v, NULL, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "ahead"),
	     "a claim from the future is refused, online or not (%s)", err.msg);
	a = claim("cid", STEP - 2000, "post-a", 1);
	b = claim("cid", STEP - 2000, "post-b", 1);
	T_OK(!tims_totp_claims_add(&s, &a, NOW, &v, NULL, &err) && v == TIMS_TOTP_CLAIM_NEW,
	     "an offline claim of a step 1000 minutes old is taken");
	T_OK(!tims_totp_claims_add(&s, &b, NOW, &v, &first, &err) &&
	     v == TIMS_TOTP_CLAIM_REUSED && !strcmp(first.post, "post-a"),
	     "and the same step offline at another post is found reused");
	b = claim("cid", STEP - TIMS_TOTP_CLAIM_KEEP_STEPS - 1, "post-b", 1);
	rc = tims_totp_claims_add(&s, &b, NOW, &v, NULL, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "stale"),
	     "an offline claim older than what the centre keeps is refused as stale");

	/* malformed claims */
	bad = claim("ana", STEP, "post-a", 0);
	bad.id[3] = 'X';
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "id:"), "an id not in lower-case hex is refused");
	bad = claim("ana", STEP, "post-a", 0);
	bad.id[10] = '\0';
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID,
	     "a short id is refused");
	bad = claim("ana", STEP, "post-a", 0);
	snprintf(bad.officer, sizeof(bad.officer), "an a");
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "officer:"), "an officer id with a space is refused");
	bad = claim("ana", STEP, "post-a", 0);
	bad.officer[0] = '\0';
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID,
	     "an empty officer id is refused");
	bad = claim("ana", 0, "post-a", 1);
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "step:"), "step 0 is refused");
	bad = claim("ana", STEP, "post-a", 0);
	bad.booth[0] = '\n';
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "booth:"), "a booth with a control character is refused");
	bad = claim("ana", STEP, "post-a", 0);
	bad.time_ms = -1;
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID,
	     "a negative time is refused");
	bad = claim("ana", STEP, "", 0);
	T_OK(tims_totp_claims_add(&s, &bad, NOW, &v, NULL, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "post:"), "a claim without its post is refused");
	T_OK(tims_totp_claim_make(&bad, "ana", STEP, "123456", "0123456789012345678901234567890123",
				  0, &err) == TIMS_ERR_INVALID, "an over-long booth is refused");

	/* bounded: the oldest outside the window go first; live ones are kept */
	{
		struct tims_totp_claims small;
		sqlite3 *db2;
		int ok = 1;

		sqlite3_open(":memory:", &db2);
		tims_totp_claims_init(&small, db2, &err);
		small.max_rows = 5;
		for (uint64_t i = 0; i < 5; i++) {
			a = claim("old", STEP - 100 + i, "post-a", 1);
			ok &= !tims_totp_claims_add(&small, &a, NOW, &v, NULL, &err);
		}
		T_OK(ok && tims_totp_claims_count(&small) == 5, "five claims held");
		for (uint64_t i = 0; i < 5; i++) {
			a = claim("new", STEP - 1 + (i % 3), i < 3 ? "post-a" : "post-b", 0);
			ok &= !tims_totp_claims_add(&small, &a, NOW, &v, NULL, &err);
		}
		T_OK(ok && tims_totp_claims_count(&small) == 5,
		     "past max_rows, the oldest make room: still five");
		a = claim("new", STEP, "post-c", 0);
		rc = tims_totp_claims_add(&small, &a, NOW, &v, NULL, &err);
		T_OK(rc == TIMS_ERR_TOOBIG, "when every claim held is live, a new one is refused, "
		     "none forgotten (%s)", err.msg);
		a = claim("new", STEP - 1, "post-c", 0);
		rc = tims_totp_claims_add(&small, &a, NOW + 3600, &v, NULL, &err);
		T_OK(rc == TIMS_ERR_INVALID, "an hour later that step is not current any more");
		a = claim("new", STEP + 120, "post-c", 0);
		rc = tims_totp_claims_add(&small, &a, NOW + 3600, &v, NULL, &err);
		T_OK(rc == TIMS_OK && v == TIMS_TOTP_CLAIM_NEW,
		     "an hour later the old claims make room again");
		small.keep_steps = 10;
		a = claim("new", STEP + 240, "post-c", 0);
		rc = tims_totp_claims_add(&small, &a, NOW + 7200, &v, NULL, &err);
		T_OK(rc == TIMS_OK && tims_totp_claims_count(&small) == 1,
		     "claims older than keep_steps are forgotten (%ld held)",
		     tims_totp_claims_count(&small));
		sqlite3_close(db2);
	}

	/* a post's pending claims */
	a = claim("ana", STEP, "", 0);
	b = claim("ben", STEP, "", 0);
	b.time_ms += 1000;
	T_OK(!tims_totp_pending_add(db, &a, &err) && !tims_totp_pending_add(db, &b, &err) &&
	     !tims_totp_pending_add(db, &a, &err) && tims_totp_pending_count(db) == 2,
	     "pending claims are kept once each");
	T_OK(!tims_totp_pending_list(db, 10, collect, ids, &err), "listed");
	T_EQ_STR(ids, "ana,ben,", "oldest first");
	T_OK(!tims_totp_pending_done(db, a.id, &err) && tims_totp_pending_count(db) == 1,
	     "a claim the centre has leaves the queue");
	bad = a;
	bad.officer[0] = ' ';
	T_OK(tims_totp_pending_add(db, &bad, &err) == TIMS_ERR_INVALID,
	     "a malformed pending claim is refused");
	sqlite3_exec(db, "INSERT INTO totp_claims_pending VALUES ('zz', 'ana', 5, 'x', 'b1', 0);"
		     "INSERT INTO totp_claims_pending VALUES ('0123456789abcdef0123456789abcdef',"
		     " 'a b', 5, '0123456789abcdef0123456789abcdef', 'b1', 0)", NULL, NULL, NULL);
	ids[0] = '\0';
	T_OK(!tims_totp_pending_list(db, 10, collect, ids, &err) && !strcmp(ids, "ben,"),
	     "rows edited into the queue are never sent (%s)", ids);
	T_EQ_INT(tims_totp_pending_count(db), 1, "and are dropped from it");
	sqlite3_close(db);
	return t_done();
}
