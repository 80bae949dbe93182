/*
 * test_retention.c — the retention periods over several years of a
 * simulated clock: an exit goes 3 years after it and not a millisecond
 * before; an entry goes with its exit, or 5 years after it without one; a
 * refusal 3 years after it; a correction chain as one, by its standing
 * version; audit events a year after the data they name, a fixed period
 * when they name none; the strict parser; and a post's run end to end
 * (post.db and audit.db erased, every log still verifying, the clock
 * guard, a dry run that changes nothing).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#include "t.h"
#include "tims/audit.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/retention.h"
#include "tims/util.h"

#define DAY 86400000LL

static int64_t day0; /* 2027-01-15T10:00:00Z */

static struct tims_retention_crossing X(uint64_t idx, int64_t when, int dir, int dec,
					 const char *key, uint64_t corrects)
{
	struct tims_retention_crossing c;

	memset(&c, 0, sizeof(c));
	c.idx = idx;
	c.when_ms = when;
	c.direction = (uint8_t)dir;
	c.decision = (uint8_t)dec;
	c.corrects = corrects;
	snprintf(c.key, sizeof(c.key), "%s", key);
	return c;
}

static const struct tims_retention_crossing *at(const struct tims_retention_crossing *c, size_t n,
						uint64_t idx)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].idx == idx)
			return &c[i];
	return NULL;
}

/* Due at `t` under the plan: the run erases what has due_ms <= as_of. */
static int gone(const struct tims_retention_crossing *c, int64_t t)
{
	return c && c->due_ms <= t;
}

static void test_periods(void)
{
	struct tims_retention_policy p;
	struct tims_retention_crossing c[8];
	struct tims_err err;
	const int64_t y3 = tims_days_from_civil(2030, 1, 15) * DAY + 10 * 3600000LL;
	const int64_t y5 = tims_days_from_civil(2032, 1, 15) * DAY + 10 * 3600000LL;
	size_t n = 0;

	tims_retention_policy_default(&p);
	/* 0: an exit at day 0 */
	c[n++] = X(0, day0, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "UTO A1", TIMS_RECORD_NO_INDEX);
	/* 1: an entry without exit (an overstayer) */
	c[n++] = X(1, day0, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "UTO B2", TIMS_RECORD_NO_INDEX);
	/* 2, 3: an entry at day 0, its exit at day 100 */
	c[n++] = X(2, day0, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "UTO C3", TIMS_RECORD_NO_INDEX);
	c[n++] = X(3, day0 + 100 * DAY, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "UTO C3",
		   TIMS_RECORD_NO_INDEX);
	/* 4: a refusal of entry at day 0 */
	c[n++] = X(4, day0, TIMS_DIR_ENTRY, TIMS_DECISION_REFUSE, "UTO D4", TIMS_RECORD_NO_INDEX);
	/* 5: an entry at day 0 corrected (6) to an exit, corrected again (7) to an entry */
	c[n++] = X(5, day0, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "UTO E5", TIMS_RECORD_NO_INDEX);
	c[n++] = X(6, day0, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "UTO E5", 5);
	c[n++] = X(7, day0, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "UTO E5", 6);
	T_OK(tims_retention_plan(&p, c, n, NULL, NULL, &err) == TIMS_OK, "plan: decides (%s)", err.msg);

	T_EQ_INT(at(c, n, 0)->kind, TIMS_RETENTION_EXIT, "exit: kind crossing.exit");
	T_OK(!gone(at(c, n, 0), y3 - 1), "exit at day 0: still kept 1 ms before 3 years");
	T_OK(gone(at(c, n, 0), y3), "exit at day 0: erased at 3 years");
	T_EQ_INT(at(c, n, 1)->kind, TIMS_RETENTION_OVERSTAY, "entry without exit: crossing.overstay");
	T_OK(!gone(at(c, n, 1), y3 + 400 * DAY), "overstayer: kept past 3 years");
	T_OK(!gone(at(c, n, 1), y5 - 1), "overstayer: kept until 5 years");
	T_OK(gone(at(c, n, 1), y5), "overstayer: erased at 5 years");
	T_EQ_INT(at(c, n, 2)->kind, TIMS_RETENTION_ENTRY, "entry with exit: crossing.entry");
	T_EQ_INT(at(c, n, 2)->exit_ms, day0 + 100 * DAY, "entry: closed by its exit at day 100");
	T_OK(!gone(at(c, n, 2), y3) && !gone(at(c, n, 2), y3 + 99 * DAY) &&
	     gone(at(c, n, 2), y3 + 100 * DAY) && gone(at(c, n, 3), y3 + 100 * DAY) &&
	     !gone(at(c, n, 3), y3 + 100 * DAY - 1),
	     "entry and its exit: erased together 3 years after the exit");
	T_EQ_INT(at(c, n, 4)->kind, TIMS_RETENTION_REFUSAL, "refusal: crossing.refusal");
	T_OK(!gone(at(c, n, 4), y3 - 1) && gone(at(c, n, 4), y3), "refusal: erased at 3 years");
	T_OK(at(c, n, 5)->kind == TIMS_RETENTION_OVERSTAY && at(c, n, 6)->kind == TIMS_RETENTION_OVERSTAY &&
	     at(c, n, 7)->kind == TIMS_RETENTION_OVERSTAY,
	     "correction chain: the standing version (an entry, no exit) decides for all");
	T_OK(!gone(at(c, n, 5), y3) && !gone(at(c, n, 6), y3) && gone(at(c, n, 5), y5) &&
	     gone(at(c, n, 6), y5) && gone(at(c, n, 7), y5),
	     "correction chain: the corrected exit is not erased at 3 years; all go at 5");
	T_OK(at(c, n, 6)->exit_ms == 0, "a corrected exit closes no entry");

	/* audit events: a year after the data they name */
	{
		int64_t d = at(c, n, 0)->due_ms;
		int64_t ev = tims_retention_audit_due(&p, day0 + 5 * DAY, d);

		T_OK(ev == tims_days_from_civil(2031, 1, 15) * DAY + 10 * 3600000LL,
		     "audit event naming the exit: 1 year after the exit's 3 years");
		T_OK(tims_retention_audit_due(&p, day0, at(c, n, 1)->due_ms) ==
		     tims_days_from_civil(2033, 1, 15) * DAY + 10 * 3600000LL,
		     "audit event naming the overstayer's entry: 6 years");
		T_OK(tims_retention_audit_due(&p, day0, -1) ==
		     tims_days_from_civil(2031, 1, 15) * DAY + 10 * 3600000LL,
		     "audit event naming no crossing: the fixed 4 years");
		T_OK(tims_retention_audit_due(&p, day0, TIMS_RETENTION_NEVER) == TIMS_RETENTION_NEVER,
		     "audit event naming a crossing not known: kept");
	}
}

static int64_t exit_elsewhere(void *ctx, const struct tims_retention_crossing *x)
{
	(void)ctx;
	return !strcmp(x->key, "UTO Z9") ? x->when_ms + 10 * DAY : 0;
}

static void test_national(void)
{
	struct tims_retention_policy p;
	struct tims_retention_crossing c[2];
	struct tims_err err;

	tims_retention_policy_default(&p);
	c[0] = X(0, day0, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "UTO Z9", TIMS_RECORD_NO_INDEX);
	c[1] = X(1, day0, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "UTO Y8", TIMS_RECORD_NO_INDEX);
	T_OK(tims_retention_plan(&p, c, 2, exit_elsewhere, NULL, &err) == TIMS_OK, "plan with a replica");
	T_OK(c[0].kind == TIMS_RETENTION_ENTRY && c[0].exit_ms == day0 + 10 * DAY,
	     "an entry closed by an exit at another post (national replica): crossing.entry");
	T_EQ_INT(c[1].kind, TIMS_RETENTION_OVERSTAY,
		 "an entry the replica knows no exit of: the longer rule");
}

static void test_parse(void)
{
	struct tims_retention_policy p, d;
	struct tims_err err;
	static const char good[] =
		"# a comment\n\n crossing.exit = 3y\ncrossing.overstay=5y\r\n"
		"audit.unlinked = 400d\ninterval = 1h\nclock_margin = 2d\n";

	tims_retention_policy_default(&d);
	T_OK(tims_retention_policy_parse(good, strlen(good), "r.conf", &p, &err) == TIMS_OK,
	     "parse: a good file (%s)", err.msg);
	T_OK(p.keep[TIMS_RETENTION_AUDIT_OTHER].ms == 400 * DAY && p.interval_ms == 3600000 &&
	     p.clock_margin_ms == 2 * DAY && p.keep[TIMS_RETENTION_REFUSAL].years == 3,
	     "parse: values set, the rest default");
	T_OK(tims_retention_policy_parse("crossing.exits = 3y\n", 20, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID && strstr(err.msg, "r.conf:1: crossing.exits: unknown key"),
	     "parse: an unknown kind names line and key (%s)", err.msg);
	T_OK(tims_retention_policy_parse("\ncrossing.exit = 3 years\n", 25, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID && strstr(err.msg, "r.conf:2: crossing.exit: '3 years'"),
	     "parse: a bad duration names line and field (%s)", err.msg);
	T_OK(tims_retention_policy_parse("audit.linked = 0d\n", 18, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID && strstr(err.msg, "must not be zero"), "parse: zero is refused");
	T_OK(tims_retention_policy_parse("audit.linked = 101y\n", 20, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID, "parse: beyond 100 years is refused");
	T_OK(tims_retention_policy_parse("crossing.exit = 3y\ncrossing.exit = 1d\n", 38, "r.conf", &p,
					 &err) == TIMS_ERR_INVALID && strstr(err.msg, "r.conf:2:") &&
	     strstr(err.msg, "given twice"), "parse: a key given twice is refused");
	T_OK(tims_retention_policy_parse("crossing.exit 3y\n", 17, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID, "parse: a line without '=' is refused");
	T_OK(tims_retention_policy_parse("interval = 1y\n", 14, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID, "parse: interval in years is refused");
	T_OK(tims_retention_policy_parse("crossing.exit = 9999999999999d\n", 31, "r.conf", &p, &err) ==
	     TIMS_ERR_INVALID, "parse: an overflowing number is refused");
	/* calendar years: 29 February */
	{
		struct tims_retention_period y1 = { 1, 0 };
		int64_t leap = tims_days_from_civil(2028, 2, 29) * DAY;

		T_OK(tims_retention_add(leap, &y1) == tims_days_from_civil(2029, 3, 1) * DAY,
		     "a year after 29 February is 1 March (never earlier than the period)");
	}
}

/* ---- a post's run ---- */

static void rec(struct tims_record *r, unsigned i, int dir, int dec, const char *doc)
{
	tims_record_init(r);
	r->direction = (uint8_t)dir;
	snprintf(r->ref, sizeof(r->ref), "r-%u", i);
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "%s", doc);
	snprintf(r->person.surname, sizeof(r->person.surname), "SURNAME%s", doc);
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	snprintf(r->person.issuer, sizeof(r->person.issuer), "UTO");
	r->decision = (uint8_t)dec;
	if (dec == TIMS_DECISION_REFUSE)
		snprintf(r->refusal_code, sizeof(r->refusal_code), "B");
}

static void report_nothing(void *ctx, const char *f)
{
	(*(int *)ctx)++;
	printf("# finding: %s\n", f);
}

static int erased_at(struct tims_post *p, uint64_t i)
{
	struct tims_record r;
	int e = -1;
	struct tims_err err;

	if (tims_post_get(p, i, &r, &e, NULL, &err))
		return -1;
	return e;
}

/* 24 bytes from the middle of a record's stored body (sealed: its nonce
 * and ciphertext, found nowhere else). */
static int body_bytes(const char *db_path, uint64_t idx, uint8_t out[24])
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT body FROM records WHERE idx = ?1", -1, &st, NULL) ==
		    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) >= 64) {
			memcpy(out, (const uint8_t *)sqlite3_column_blob(st, 0) + 16, 24);
			ok = 1;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static int count_bytes(const char *path, const void *needle, size_t nl)
{
	FILE *f = fopen(path, "rb");
	size_t got = 0, len;
	char *buf;
	int n = 0;

	if (!f)
		return -1;
	buf = malloc(64 << 20);
	len = buf ? fread(buf, 1, 64 << 20, f) : 0;
	fclose(f);
	for (size_t i = 0; buf && i + nl <= len; i++)
		if (!memcmp(buf + i, needle, nl))
			n++;
	(void)got;
	free(buf);
	return n;
}

static int count_in_file(const char *path, const char *needle)
{
	return count_bytes(path, needle, strlen(needle));
}

static void test_post_run(const char *root)
{
	char dir[400], path[500];
	struct tims_post *p = NULL;
	struct tims_audit *a = NULL;
	struct tims_record r[5];
	struct tims_post_ack ack[5];
	struct tims_retention_policy pol;
	struct tims_retention_report rep;
	struct tims_err err;
	struct timespec ts;
	int64_t now;
	uint64_t idx;
	int findings = 0;
	struct tims_post_verify_stats vs;
	struct tims_audit_verify_stats as;
	uint8_t exit_body[24], pair_body[24], stay_body[24];
	int issued;

	snprintf(dir, sizeof(dir), "%s/post", root);
	if (!T_OK(tims_post_init(dir, "example.org/post/ret", "ret", "land", &err) == TIMS_OK,
		  "post: made (%s)", err.msg) ||
	    !T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "post: open (%s)", err.msg))
		return;
	rec(&r[0], 0, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "XEXIT1");      /* 3 y */
	rec(&r[1], 1, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "XPAIR2");     /* with 2: 3 y */
	rec(&r[2], 2, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "XPAIR2");
	rec(&r[3], 3, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "XSTAY3");     /* 5 y */
	rec(&r[4], 4, TIMS_DIR_ENTRY, TIMS_DECISION_REFUSE, "XREFU4");    /* 3 y */
	T_OK(tims_post_append(p, r, 5, ack, &err) == TIMS_OK, "post: 5 crossings (%s)", err.msg);
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK, "audit: open (%s)", err.msg);
	if (!a) {
		tims_post_free(p);
		return;
	}
	for (int i = 0; i < 3; i++) {
		struct tims_audit_event ev;
		static const char *const q[] = { "{\"document\":\"XEXIT1\"}", "{\"document\":\"XSTAY3\"}",
						 "{\"document\":\"XLOGIN\"}" };

		memset(&ev, 0, sizeof(ev));
		snprintf(ev.actor, sizeof(ev.actor), "O1");
		snprintf(ev.role, sizeof(ev.role), "officer");
		snprintf(ev.action, sizeof(ev.action), "crossing");
		ev.crossing = i == 0 ? 0 : i == 1 ? 3 : -1;
		ev.status = 201;
		ev.query = q[i];
		ev.query_len = strlen(q[i]);
		T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_OK, "audit: event %d (%s)", i, err.msg);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	tims_retention_policy_default(&pol);
	snprintf(path, sizeof(path), "%s/post.db", dir);
	T_OK(body_bytes(path, 0, exit_body) && body_bytes(path, 1, pair_body) &&
	     body_bytes(path, 3, stay_body), "the stored bodies read");
	if (tims_post_checkpoint(p, &issued, &err))
		printf("# checkpoint: %s\n", err.msg);

	/* a dry run (the margin as long as the test's years: see below) */
	pol.clock_margin_ms = 2000 * DAY;
	T_OK(tims_retention_run_post(p, a, &pol, now + 1100 * DAY, 1, &rep, &err) == TIMS_OK,
	     "dry run at +1100 days (%s)", err.msg);
	T_OK(rep.erased[TIMS_RETENTION_EXIT] == 2 && rep.erased[TIMS_RETENTION_ENTRY] == 1 &&
	     rep.erased[TIMS_RETENTION_REFUSAL] == 1 && rep.kept[TIMS_RETENTION_OVERSTAY] == 1,
	     "dry run: counts the exit, the pair, the refusal; keeps the overstayer");
	T_OK(erased_at(p, 0) == 0 && erased_at(p, 4) == 0, "dry run: changed nothing");
	snprintf(path, sizeof(path), "%s/retention.db", dir);
	T_OK(access(path, F_OK) != 0, "dry run: not even retention.db");

	/* the clock moved on 1100 days, nothing new recorded: the guard holds */
	T_OK((pol.clock_margin_ms = 7 * DAY, tims_retention_run_post(p, a, &pol, now + 1100 * DAY, 0, &rep, &err)) == TIMS_OK,
	     "run: a clock 1100 days ahead (%s)", err.msg);
	T_OK(rep.capped && rep.as_of_ms < now + 8 * DAY && rep.erased[TIMS_RETENTION_EXIT] == 0 &&
	     erased_at(p, 0) == 0, "clock guard: 1100 days ahead of the newest record, nothing erased");

	/* what a node that really lived 1100 days sees: a margin as long */
	pol.clock_margin_ms = 2000 * DAY;
	T_OK(tims_retention_run_post(p, a, &pol, now + 1100 * DAY, 0, &rep, &err) == TIMS_OK,
	     "run at +1100 days (%s)", err.msg);
	T_OK(erased_at(p, 0) == 1 && erased_at(p, 1) == 1 && erased_at(p, 2) == 1 &&
	     erased_at(p, 4) == 1 && erased_at(p, 3) == 0,
	     "+1100 days: the 3-year records erased, the overstayer kept");
	T_EQ_INT(rep.erased[TIMS_RETENTION_AUDIT], 0, "+1100 days: audit events of the exit kept a year more");
	T_EQ_INT(rep.shredded, 0, "+1100 days: no month's key shredded (the overstayer and audit events of that month are kept)");
	snprintf(path, sizeof(path), "%s/post.db", dir);
	T_OK(count_bytes(path, exit_body, 24) == 0 && count_bytes(path, pair_body, 24) == 0 &&
	     count_bytes(path, stay_body, 24) > 0,
	     "+1100 days: the erased bodies' bytes are nowhere in post.db (secure_delete, vacuum)");
	T_OK(count_in_file(path, "SURNAMEXEXIT1") == 0, "+1100 days: nor the name in clear");
	snprintf(path, sizeof(path), "%s/post.db-wal", dir);
	T_OK(count_bytes(path, exit_body, 24) <= 0, "+1100 days: nor in its WAL");
	T_OK(tims_post_verify(p, report_nothing, &findings, &vs, &err) == TIMS_OK && !findings,
	     "+1100 days: the post's log still verifies (%s)", err.msg);

	/* as the command does: the audit log opened for reading (no key) */
	tims_audit_free(a);
	a = NULL;
	T_OK(tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err) == TIMS_OK, "audit: open to read (%s)",
	     err.msg);
	if (!a) {
		tims_post_free(p);
		return;
	}
	T_OK(tims_retention_run_post(p, a, &pol, now + 1500 * DAY, 0, &rep, &err) == TIMS_OK,
	     "run at +1500 days (%s)", err.msg);
	T_OK(rep.erased[TIMS_RETENTION_AUDIT] == 1 && rep.erased[TIMS_RETENTION_AUDIT_OTHER] == 1 &&
	     rep.kept[TIMS_RETENTION_AUDIT] == 1,
	     "+1500 days: the exit's audit event (1 y after its 3 y) and the unlinked one go");
	T_OK(erased_at(p, 3) == 0, "+1500 days: the overstayer is still there");
	T_OK(tims_retention_run_post(p, a, &pol, now + 1830 * DAY, 0, &rep, &err) == TIMS_OK &&
	     erased_at(p, 3) == 1 && rep.erased[TIMS_RETENTION_OVERSTAY] == 1,
	     "+1830 days: the overstayer erased (5 years)");
	T_OK(rep.kept[TIMS_RETENTION_AUDIT] == 1, "+1830 days: its audit event kept a year more");
	T_OK(tims_retention_run_post(p, a, &pol, now + 2200 * DAY, 0, &rep, &err) == TIMS_OK &&
	     rep.erased[TIMS_RETENTION_AUDIT] == 1, "+2200 days: the overstayer's audit event erased");
	T_OK(rep.shredded >= 1 && rep.oldest_kept_ms == INT64_MAX,
	     "+2200 days: nothing sealed is kept, so the months' data keys are shredded (%u)", rep.shredded);
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	T_OK(count_in_file(path, "XSTAY3") == 0 && count_in_file(path, "XLOGIN") == 0,
	     "+2200 days: nothing of the events left in audit.db");
	findings = 0;
	T_OK(tims_audit_verify(a, report_nothing, &findings, &as, &err) == TIMS_OK && !findings &&
	     as.erased == 3, "the audit log verifies with its 3 events erased (%s)", err.msg);
	tims_audit_free(a);
	tims_post_free(p);
}

int main(void)
{
	char tmpl[] = "/tmp/tims-test-retention-XXXXXX", cmd[300];

	day0 = tims_days_from_civil(2027, 1, 15) * DAY + 10 * 3600000LL;
	test_periods();
	test_national();
	test_parse();
	if (mkdtemp(tmpl)) {
		test_post_run(tmpl);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
