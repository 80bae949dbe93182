/*
 * test_national.c — a post's replica of the national travel history
 * (tims/national.h) and the booth's stay over it (tims/travel.h): strict
 * pages (a malformed one refused whole, the replica as it was), withdrawn
 * crossings removed, the post's own crossings counted once when the centre
 * sends them back, "as of" and whether it is current, and the stay merged
 * from the post's log and the replica.
 */
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include "t.h"
#include "tims/national.h"
#include "tims/post.h"
#include "tims/schema.h"
#include "tims/travel.h"
#include "tims/util.h"
#include "tims/vault.h"

#define OWN "example.org/post/b"
#define OTHER "example.org/post/a"

static char dir[256];

static int64_t now_ms(void)
{
	return (int64_t)time(NULL) * 1000;
}

static int64_t today(void)
{
	return (int64_t)time(NULL) / 86400;
}

static const char *row_json(char *buf, size_t cap, unsigned seq, const char *post,
			    unsigned index, const char *doc, const char *dir_, int64_t at)
{
	snprintf(buf, cap, "{\"seq\":%u,\"post\":\"%s\",\"index\":%u,\"counts\":true,"
		 "\"issuer\":\"UTO\",\"document\":\"%s\",\"nationality\":\"UTO\","
		 "\"direction\":\"%s\",\"at_ms\":%lld}", seq, post, index, doc, dir_, (long long)at);
	return buf;
}

static tims_rc count_move(void *ctx, const struct tims_national_move *m)
{
	(void)m;
	(*(int *)ctx)++;
	return TIMS_OK;
}

static int held(struct tims_national *nd, const char *doc)
{
	struct tims_err err;
	int n = 0;

	if (tims_national_lookup(nd, doc, NULL, count_move, &n, &err))
		return -1;
	return n;
}

#define FEED "0123456789abcdef0123456789abcdef"
#define FEED2 "fedcba9876543210fedcba9876543210"

/* Parse then apply, as the sync thread does. */
static tims_rc pull(struct tims_national *nd, const char *page, uint64_t since,
		    struct tims_err *err)
{
	struct tims_national_page pg;
	tims_rc rc = tims_national_page_parse(page, strlen(page), since, TIMS_NATIONAL_MAX_PAGE,
					      &pg, err);

	if (!rc)
		rc = tims_national_apply(nd, &pg, OWN, err);
	tims_national_page_release(&pg);
	return rc;
}

static void test_pages(struct tims_national *nd)
{
	char r1[512], r2[512], page[2048];
	int64_t day = 86400000LL;
	struct tims_national_state st;
	struct tims_err err;
	static const struct { const char *page; const char *why; } bad[] = {
		{ "[]", "page: not a JSON object" },
		{ "{\"feed\":\"" FEED "\",\"since\":1,\"next\":3,\"more\":false,\"rows\":[]}", "since" },
		{ "{\"feed\":\"" FEED "\",\"since\":2,\"next\":2,\"more\":false,\"rows\":[],\"extra\":1}", "unknown key" },
		{ "{\"feed\":\"" FEED "\",\"since\":2,\"next\":2,\"more\":true,\"rows\":[]}", "more with no rows" },
		{ "{\"feed\":\"" FEED "\",\"since\":2,\"next\":9,\"more\":false,\"rows\":[{\"seq\":2,\"post\":\"p\","
		  "\"index\":1,\"counts\":false}]}", "row 0: seq 2 is not after 2" },
		{ "{\"feed\":\"" FEED "\",\"since\":2,\"next\":9,\"more\":false,\"rows\":[{\"seq\":3,\"post\":\"p\","
		  "\"index\":1,\"counts\":false,\"document\":\"X1\"}]}", "row 0: unknown key" },
		{ "{\"feed\":\"" FEED "\",\"since\":2,\"next\":9,\"more\":false,\"rows\":[{\"seq\":3,\"post\":\"a b\","
		  "\"index\":1,\"counts\":false}]}", "row 0: post" },
		{ "{\"feed\":\"" FEED "\",\"since\":2,\"next\":1,\"more\":false,\"rows\":[{\"seq\":3,\"post\":\"p\","
		  "\"index\":1,\"counts\":false}]}", "next 1" },
	};

	/* Two crossings of another post, and this post's own one sent back. */
	snprintf(page, sizeof(page), "{\"feed\":\"" FEED "\",\"since\":0,\"next\":3,\"more\":false,\"rows\":[%s,",
		 row_json(r1, sizeof(r1), 1, OTHER, 7, "X1234567", "entry", now_ms() - 100 * day));
	snprintf(page + strlen(page), sizeof(page) - strlen(page), "%s,",
		 row_json(r2, sizeof(r2), 2, OWN, 0, "X1234567", "exit", now_ms() - 20 * day));
	snprintf(page + strlen(page), sizeof(page) - strlen(page), "%s]}",
		 row_json(r1, sizeof(r1), 3, OTHER, 8, "Y7654321", "entry", now_ms() - 5 * day));
	T_OK(pull(nd, page, 0, &err) == TIMS_OK, "page: a well-formed page is applied (%s)",
	     err.msg);
	T_EQ_INT(held(nd, "X1234567"), 1, "page: another post's crossing is held, this "
		 "post's own is not (its log has it)");
	T_EQ_INT(held(nd, "Y7654321"), 1, "page: looked up by document number");
	T_EQ_INT(held(nd, "Z0000000"), 0, "page: another document finds nothing");
	T_OK(!tims_national_state(nd, 1, &st, &err) && st.cursor == 3 && st.rows == 2,
	     "page: the cursor moves to the page's next (%llu, %llu rows)",
	     (unsigned long long)st.cursor, (unsigned long long)st.rows);

	/* A page with one bad row: nothing of it is kept. */
	snprintf(page, sizeof(page), "{\"feed\":\"" FEED "\",\"since\":3,\"next\":5,\"more\":false,\"rows\":[{\"seq\":4,"
		 "\"post\":\"" OTHER "\",\"index\":7,\"counts\":false},%s]}",
		 row_json(r1, sizeof(r1), 5, OTHER, 9, "x12", "entry", now_ms()));
	T_OK(pull(nd, page, 3, &err) == TIMS_ERR_INVALID && strstr(err.msg, "row 1: document"),
	     "malformed: a page with a bad document number is refused, naming the row (%s)",
	     err.msg);
	T_OK(!tims_national_state(nd, 1, &st, &err) && st.cursor == 3 && st.rows == 2 &&
	     held(nd, "X1234567") == 1,
	     "malformed: the replica keeps its previous state (the good row before it too)");
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bad); i++) {
		T_OK(pull(nd, bad[i].page, 2, &err) != TIMS_OK && strstr(err.msg, bad[i].why),
		     "malformed %zu: refused (%s)", i, err.msg);
	}
	{
		static const char *const rows[] = {
			"\"direction\":\"sideways\"", "\"direction\":\"entry\",\"visa\":{\"kind\":\"gold\"}",
			"\"direction\":\"entry\",\"visa\":{\"kind\":\"short\",\"valid_from\":\"2026-02-30\","
			"\"valid_until\":\"\",\"entries\":1,\"duration_days\":30}",
			"\"direction\":\"entry\",\"visa\":{\"kind\":\"short\",\"valid_from\":\"\","
			"\"valid_until\":\"\",\"entries\":7,\"duration_days\":30}",
		};

		for (size_t i = 0; i < TIMS_ARRAY_SIZE(rows); i++) {
			snprintf(page, sizeof(page), "{\"feed\":\"" FEED "\",\"since\":3,\"next\":4,\"more\":false,\"rows\":"
				 "[{\"seq\":4,\"post\":\"p\",\"index\":1,\"counts\":true,\"issuer\":"
				 "\"UTO\",\"document\":\"A1\",\"nationality\":\"UTO\",%s,\"at_ms\":1}]}",
				 rows[i]);
			T_OK(pull(nd, page, 3, &err) == TIMS_ERR_INVALID,
			     "malformed row %zu: refused (%s)", i, err.msg);
		}
	}
	T_OK(!tims_national_state(nd, 1, &st, &err) && st.cursor == 3 && st.rows == 2,
	     "malformed: after every refusal, the cursor and rows as they were");

	/* Corrected at the centre: the crossing no longer counts, it goes. */
	snprintf(page, sizeof(page), "{\"feed\":\"" FEED "\",\"since\":3,\"next\":4,\"more\":false,\"rows\":[{\"seq\":4,"
		 "\"post\":\"" OTHER "\",\"index\":8,\"counts\":false}]}");
	T_OK(pull(nd, page, 3, &err) == TIMS_OK && held(nd, "Y7654321") == 0,
	     "withdrawn: a crossing that no longer counts is removed (%s)", err.msg);

	/* Another feed (the centre's store rebuilt): refused until reset. */
	T_OK(pull(nd, "{\"feed\":\"xyz\",\"since\":4,\"next\":4,\"more\":false,\"rows\":[]}",
		  4, &err) == TIMS_ERR_INVALID, "feed: a page without a feed identity is refused");
	snprintf(page, sizeof(page), "{\"feed\":\"" FEED2 "\",\"since\":4,\"next\":5,\"more\":false,"
		 "\"rows\":[%s]}", row_json(r1, sizeof(r1), 5, OTHER, 9, "Q1", "entry", now_ms()));
	T_OK(pull(nd, page, 4, &err) == TIMS_ERR_STATE && held(nd, "Q1") == 0,
	     "feed: a page of another feed is refused, nothing kept (%s)", err.msg);
	T_OK(tims_national_reset(nd, &err) == TIMS_OK && !tims_national_state(nd, 1, &st, &err) &&
	     st.cursor == 0 && !st.feed[0] && st.rows == 0, "feed: reset empties the replica");
	snprintf(page, sizeof(page), "{\"feed\":\"" FEED2 "\",\"since\":0,\"next\":5,\"more\":false,"
		 "\"rows\":[%s]}", row_json(r1, sizeof(r1), 5, OTHER, 9, "Q1", "entry", now_ms()));
	T_OK(pull(nd, page, 0, &err) == TIMS_OK && held(nd, "Q1") == 1 &&
	     !tims_national_state(nd, 0, &st, &err) && !strcmp(st.feed, FEED2) && st.cursor == 5,
	     "feed: then the new feed from 0 (%s)", err.msg);
}

static void test_current(struct tims_national *nd)
{
	struct tims_national_state st;
	struct tims_err err;
	int64_t t = now_ms();

	T_OK(!tims_national_state(nd, 0, &st, &err) && !tims_national_current(&st, t) &&
	     st.as_of_ms == 0, "as of: never caught up, not current");
	T_OK(!tims_national_mark(nd, t - 1000, 5000, NULL, &err), "as of: marked caught up");
	T_OK(!tims_national_state(nd, 0, &st, &err) && st.as_of_ms == t - 1000 &&
	     tims_national_current(&st, t), "as of: current within its window");
	T_OK(!tims_national_current(&st, t + 5000), "as of: not current once the window passed");
	T_OK(!tims_national_mark(nd, t, 5000, "centre: connection refused", &err) &&
	     !tims_national_state(nd, 0, &st, &err) && !tims_national_current(&st, t) &&
	     st.as_of_ms == t - 1000 && !strcmp(st.last_error, "centre: connection refused"),
	     "as of: a failed pull makes it not current at once, as of unchanged");
	T_OK(!tims_national_mark(nd, t, 5000, NULL, &err) &&
	     !tims_national_state(nd, 0, &st, &err) && tims_national_current(&st, t),
	     "as of: caught up again, current again");
}

static void test_merge(void)
{
	struct tims_post *p = NULL;
	struct tims_national *nd = NULL;
	struct tims_record rec;
	struct tims_post_ack ack;
	struct tims_national_row row;
	struct tims_travel t;
	struct tims_err err;
	int64_t day = 86400000LL, t0 = now_ms();

	T_OK(tims_post_init(dir, OWN, "b", "land", &err) == TIMS_OK, "merge: a post (%s)", err.msg);
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "merge: opened (%s)",
	     err.msg);
	if (!p)
		return;
	/* This post's own exit, 20 days ago. */
	tims_record_init(&rec);
	rec.direction = TIMS_DIR_EXIT;
	rec.decision = TIMS_DECISION_ADMIT;
	rec.crossed_ms = t0 - 20 * day;
	snprintf(rec.ref, sizeof(rec.ref), "own-1");
	snprintf(rec.officer, sizeof(rec.officer), "O1");
	snprintf(rec.booth, sizeof(rec.booth), "B1");
	snprintf(rec.person.doc_number, sizeof(rec.person.doc_number), "X1234567");
	snprintf(rec.person.surname, sizeof(rec.person.surname), "DOE");
	snprintf(rec.person.nationality, sizeof(rec.person.nationality), "UTO");
	snprintf(rec.person.issuer, sizeof(rec.person.issuer), "UTO");
	T_OK(tims_post_append(p, &rec, 1, &ack, &err) == TIMS_OK && ack.rc == TIMS_OK,
	     "merge: the post's own exit appended (%s %s)", err.msg, ack.msg);

	T_OK(tims_travel_get(p, "X1234567", NULL, today(), NULL, &t, &err) == TIMS_OK &&
	     t.stay.used == 1 && !t.national.held && !t.national.current,
	     "merge: no replica yet: this post's crossing only, and not current (%s)", err.msg);
	T_OK(t.nlast == 1 && t.last[0].own, "merge: the last crossing is the post's own");
	{
		json_t *j = tims_travel_national_json(&t.national);
		const char *note = json_string_value(json_object_get(j, "note"));

		T_OK(note && strstr(note, "no national data yet"),
		     "merge: the answer says it has no national data (%s)", note ? note : "-");
		json_decref(j);
	}
	tims_travel_release(&t);

	T_OK(tims_national_open(dir, 1, &nd, &err) == TIMS_OK, "merge: replica opened (%s)",
	     err.msg);
	if (!nd) {
		tims_post_free(p);
		return;
	}
	/* Another post's entry 100 days ago; and this post's own exit as the
	 * centre sends it back, loaded without skipping it. */
	memset(&row, 0, sizeof(row));
	row.seq = 1;
	snprintf(row.post, sizeof(row.post), OTHER);
	row.index = 3;
	row.counts = 1;
	snprintf(row.issuer, sizeof(row.issuer), "UTO");
	snprintf(row.doc, sizeof(row.doc), "X1234567");
	snprintf(row.nationality, sizeof(row.nationality), "UTO");
	row.direction = TIMS_DIR_ENTRY;
	row.at_ms = t0 - 100 * day;
	row.visa.valid_from = INT64_MIN;
	row.visa.valid_until = INT64_MAX;
	T_OK(tims_national_add(nd, &row, 1, &err) == TIMS_OK, "merge: A's entry loaded (%s)",
	     err.msg);
	row.seq = 2;
	snprintf(row.post, sizeof(row.post), OWN);
	row.index = 0;
	row.direction = TIMS_DIR_EXIT;
	row.at_ms = t0 - 20 * day;
	T_OK(tims_national_add(nd, &row, 1, &err) == TIMS_OK, "merge: own exit loaded back");
	T_OK(!tims_national_mark(nd, t0, 60000, NULL, &err), "merge: replica current");

	T_OK(tims_travel_get(p, "X1234567", NULL, today(), NULL, &t, &err) == TIMS_OK,
	     "merge: the stay over the log and the replica (%s)", err.msg);
	T_EQ_INT(t.stay.used, 81, "merge: entered 100 days ago at A, left 20 days ago here: 81 days");
	T_EQ_INT(t.stay.inconsistent, 0, "merge: the own exit is counted once (not two exits)");
	T_EQ_INT(t.national.n, 1, "merge: one crossing of another post");
	T_OK(t.national.current && t.national.as_of_ms == t0, "merge: current, as of its mark");
	T_OK(t.nlast == 2 && t.last[0].own && !strcmp(t.last[1].post, OTHER) &&
	     t.last[1].direction == TIMS_DIR_ENTRY,
	     "merge: the last crossings, latest first, with their posts");
	tims_travel_release(&t);

	/* The centre stops answering: still the national answer, not current. */
	T_OK(!tims_national_mark(nd, t0 + 1000, 60000, "centre: unreachable", &err),
	     "merge: a failed pull");
	T_OK(tims_travel_get(p, "X1234567", NULL, today(), NULL, &t, &err) == TIMS_OK &&
	     t.stay.used == 81 && !t.national.current && t.national.as_of_ms == t0,
	     "merge: offline, the same stay, not current, as of the last time it was");
	{
		json_t *j = tims_travel_national_json(&t.national);
		const char *note = json_string_value(json_object_get(j, "note"));

		T_OK(note && !strncmp(note, "national data as of ", 20),
		     "merge: the answer says \"national data as of …\" (%s)", note ? note : "-");
		json_decref(j);
	}
	tims_travel_release(&t);
	tims_national_close(nd);
	tims_post_free(p);
}

/* The replica's schema version (tims/schema.h): one made before versions
 * were recorded (0) is migrated by the writer; one of a newer TIMS is
 * refused by reader and writer alike, named, and left as it was. */
static int user_version(const char *set)
{
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;

	snprintf(path, sizeof(path), "%s/national.db", dir);
	if (sqlite3_open(path, &db) == SQLITE_OK && (!set || sqlite3_exec(db, set, NULL, NULL,
									  NULL) == SQLITE_OK) &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_schema(void)
{
	struct tims_national *nd = NULL;
	struct tims_err err;

	T_OK(user_version(NULL) == TIMS_SCHEMA_NATIONAL, "schema: a new replica carries version %d",
	     TIMS_SCHEMA_NATIONAL);
	T_OK(user_version("PRAGMA user_version = 0") == 0, "schema: made old (version 0)");
	T_OK(tims_national_open(dir, 0, &nd, &err) == TIMS_OK, "schema: a reader opens an old one");
	tims_national_close(nd);
	nd = NULL;
	T_OK(user_version(NULL) == 0, "schema: a reader leaves its version as it was");
	T_OK(tims_national_open(dir, 1, &nd, &err) == TIMS_OK, "schema: the writer opens an old one");
	tims_national_close(nd);
	nd = NULL;
	T_OK(user_version(NULL) == TIMS_SCHEMA_NATIONAL, "schema: and migrates it");
	user_version("PRAGMA user_version = 99");
	T_OK(tims_national_open(dir, 0, &nd, &err) == TIMS_ERR_STATE &&
	     strstr(err.msg, "national.db: schema version 99 was made by a newer TIMS"),
	     "schema: a reader refuses a newer one, named (%s)", err.msg);
	T_OK(tims_national_open(dir, 1, &nd, &err) == TIMS_ERR_STATE &&
	     strstr(err.msg, "national.db: schema version 99 was made by a newer TIMS"),
	     "schema: the writer refuses a newer one, named (%s)", err.msg);
	T_OK(user_version(NULL) == 99, "schema: and it is left as it was");
	user_version("PRAGMA user_version = 1");
}

int main(void)
{
	char tmpl[] = "/tmp/tims-test-national-XXXXXX";
	struct tims_national *nd = NULL;
	struct tims_err err;
	struct stat st;
	char path[400];

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s/replica", tmpl);
	T_OK(tims_national_open(dir, 0, &nd, &err) == TIMS_ERR_NOTFOUND,
	     "open: a reader of a post with no replica finds none");
	mkdir(dir, 0700);
	T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK, "the post's vault (%s)", err.msg);
	T_OK(tims_national_open(dir, 1, &nd, &err) == TIMS_OK, "open: the writer creates it (%s)",
	     err.msg);
	snprintf(path, sizeof(path), "%s/national.key", dir);
	T_OK(stat(path, &st) != 0, "open: no key file beside the replica (the key is the vault's)");
	if (nd) {
		test_pages(nd);
		test_current(nd);
		tims_national_close(nd);
	}
	test_schema();
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	test_merge();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
