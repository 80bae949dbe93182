/*
 * test_postsearch.c — finding a person in a post's history by name
 * (tims_post_search): the spellings a traveller's name is typed in at a
 * booth find the record ("Hoxha / Arbër" for HOXHA ARBER, Cyrillic and
 * Greek script, a typo with the birth date), another birth date keeps a
 * namesake apart, an erased record is gone from the search too, a query
 * that would compare too many records is refused rather than cut, the keys
 * in post.db are not the names, and a post.db of schema 2 is migrated when
 * opened and its old records found by name once their keys are made.
 */
#include <sqlite3.h>

#include "t.h"
#include "tims/post.h"
#include "tims/screen.h"
#include "tims/util.h"

static char dir[256];

struct person {
	const char *doc, *surname, *given, *dob, *nat;
};

/* Record i is people[i]; AL100 crosses twice. */
static const struct person people[] = {
	{ "AL100", "HOXHA", "ARBER", "1985-06-15", "ALB" },
	{ "AL100", "HOXHA", "ARBER", "1985-06-15", "ALB" },
	{ "AL300", "HOXHA", "ARBER", "1990-01-01", "ALB" },  /* a namesake */
	{ "Z1", "PETROVIC", "MARKO", "1985-03-03", "SRB" },
	{ "R1", "ИВАНОВ", "СЕРГЕЙ", "1979-09-09", "RUS" },    /* recorded in Cyrillic */
	{ "GR1", "PAPADOPOULOS", "GEORGIOS", "1970-05-05", "GRC" },
	{ "AL500", "KASTRATI", "BLERIM", "1980-02-02", "ALB" }, /* erased below */
	{ "D9", "SMITH", "JOHN", "1985-06-15", "GBR" },        /* born the same day */
};
#define NPEOPLE (sizeof(people) / sizeof(people[0]))

static void make_record(struct tims_record *r, unsigned i)
{
	const struct person *pe = &people[i];

	tims_record_init(r);
	r->direction = (i % 2) ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
	r->decision = TIMS_DECISION_ADMIT;
	snprintf(r->ref, sizeof(r->ref), "s-%u", i);
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.issuer, sizeof(r->person.issuer), "%s", pe->nat);
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "%s", pe->doc);
	snprintf(r->person.surname, sizeof(r->person.surname), "%s", pe->surname);
	snprintf(r->person.given_names, sizeof(r->person.given_names), "%s", pe->given);
	snprintf(r->person.birth_date, sizeof(r->person.birth_date), "%s", pe->dob);
	snprintf(r->person.nationality, sizeof(r->person.nationality), "%s", pe->nat);
}

/* The documents of a search's matches, in order, space-separated; rc set. */
static const char *docs(struct tims_post *p, const char *sur, const char *given,
			const char *dob, unsigned maxc, tims_rc *rc, struct tims_err *err)
{
	static char out[256];
	struct tims_post_search_query q = { sur, given, dob, NULL, 0, 0, maxc };
	json_t *j = NULL, *m;
	size_t i;

	out[0] = '\0';
	*rc = tims_post_search(p, &q, &j, err);
	json_array_foreach(json_object_get(j, "matches"), i, m) {
		size_t n = strlen(out);

		snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "",
			 json_string_value(json_object_get(m, "document")));
	}
	json_decref(j);
	return out;
}

static void test_find(struct tims_post *p, const char *label)
{
	struct tims_err err = { 0 };
	tims_rc rc;

	T_EQ_STR(docs(p, "Hoxha", "Arbër", NULL, 0, &rc, &err), "AL100 AL300",
		 "'Hoxha / Arbër' finds HOXHA ARBER (no birth date: the namesake too)");
	T_OK(rc == TIMS_OK, "%s: and that is an answer (%s)", label, err.msg);
	T_EQ_STR(docs(p, "Hoxha", "Arbër", "1985-06-15", 0, &rc, &err), "AL100",
		 "with the full birth date, the one born that day");
	T_EQ_STR(docs(p, "HOXHA", "ARBER", "1985", 0, &rc, &err), "AL100",
		 "with the birth year, the one born that year");
	T_EQ_STR(docs(p, "Петровић", "Марко", NULL, 0, &rc, &err), "Z1",
		 "the name typed in Cyrillic finds its Latin record");
	T_EQ_STR(docs(p, "IVANOV", "SERGEY", NULL, 0, &rc, &err), "R1",
		 "a record written in Cyrillic is found in Latin");
	T_EQ_STR(docs(p, "Παπαδόπουλος", "Γεώργιος", NULL, 0, &rc, &err), "GR1",
		 "the name typed in Greek finds its Latin record");
	T_EQ_STR(docs(p, "HOXAH", "ARBER", "1985-06-15", 0, &rc, &err), "AL100",
		 "a typo in the surname, with the full birth date");
	T_EQ_STR(docs(p, "HOXHA", "ARBRE", NULL, 0, &rc, &err), "AL100 AL300",
		 "a typo in the given name");
	T_EQ_STR(docs(p, "ARBER", "HOXHA", "1985-06-15", 0, &rc, &err), "AL100",
		 "surname and given names swapped");
	T_EQ_STR(docs(p, "HOXHA", "ARBER", "1985-06-16", 0, &rc, &err), "",
		 "another birth date: not found");
	T_OK(rc == TIMS_OK, "  and that is an answer, not an error");
	T_EQ_STR(docs(p, "HOXHA", "ARBER", "1972", 0, &rc, &err), "",
		 "another birth year: not found");
}

static void test_answer(struct tims_post *p)
{
	struct tims_post_search_query q = { "Hoxha", "Arbër", "1985-06-15", NULL, 0, 0, 0 };
	struct tims_err err;
	json_t *j = NULL, *m;

	T_OK(tims_post_search(p, &q, &j, &err) == TIMS_OK, "search answers (%s)", err.msg);
	m = json_array_get(json_object_get(j, "matches"), 0);
	T_OK(json_integer_value(json_object_get(m, "crossings")) == 2 &&
	     json_integer_value(json_object_get(m, "last_index")) == 1 &&
	     json_real_value(json_object_get(m, "score")) >= TIMS_SCREEN_THRESHOLD &&
	     json_array_size(json_object_get(m, "reasons")) > 0,
	     "one row per document: its crossings, last record, score and reasons");
	T_OK(json_integer_value(json_object_get(j, "found")) == 1 &&
	     json_integer_value(json_object_get(j, "shown")) == 1 &&
	     json_integer_value(json_object_get(j, "candidates")) == 3,
	     "found, shown and the records compared (the three born that day)");
	json_decref(j);
}

static void test_refusals(struct tims_post *p)
{
	struct tims_err err;
	tims_rc rc;

	docs(p, "HOXHA", "ARBER", NULL, 2, &rc, &err);
	T_OK(rc == TIMS_ERR_TOOBIG && strstr(err.msg, "full birth date"),
	     "more records to compare than the cap: refused, asking for more (%s)", err.msg);
	T_EQ_STR(docs(p, "HOXHA", "ARBER", "1985-06-15", 3, &rc, &err), "AL100",
		 "  the full birth date narrows it under the cap");
	docs(p, "HOXHA", "ARBER", "1985-13", 0, &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "birth_date"),
	     "a bad birth date is refused, named (%s)", err.msg);
	docs(p, "", "", NULL, 0, &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "surname"),
	     "no name is refused, named (%s)", err.msg);
	docs(p, "H", "A", NULL, 0, &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID, "initials alone, no birth date: refused (%s)", err.msg);
}

/* The values of a column of post.db's names table, '|'-joined. */
static void names_column(const char *col, char *out, size_t cap)
{
	char path[400], sql[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/post.db", dir);
	snprintf(sql, sizeof(sql), "SELECT %s FROM names ORDER BY idx", col);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW) {
			size_t n = strlen(out);

			snprintf(out + n, cap - n, "%s|", (const char *)sqlite3_column_text(st, 0));
		}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int db_exec(const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	int ok;

	snprintf(path, sizeof(path), "%s/post.db", dir);
	ok = sqlite3_open(path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

static void test_keys_secret(void)
{
	char col[4096], key[64];

	names_column("dob", col, sizeof(col));
	T_OK(col[0] && !strstr(col, "1985-06-15") && !strstr(col, "1985"),
	     "post.db's birth date keys are not the dates");
	names_column("skel", col, sizeof(col));
	tims_name_search_key("HOXHA", key, sizeof(key));
	T_OK(key[0] && col[0] && !strstr(col, key),
	     "post.db's surname keys are not the skeletons ('%s')", key);
}

int main(void)
{
	struct tims_record rec[NPEOPLE];
	struct tims_post_ack ack[NPEOPLE];
	struct tims_post *p = NULL;
	struct tims_err err;
	char tmpl[] = "/tmp/tims-test-postsearch-XXXXXX";
	tims_rc rc;

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	T_OK(tims_post_init(dir, "example.org/post/search", "search", "land", &err) == TIMS_OK &&
	     tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "a post (%s)", err.msg);
	if (!p)
		return t_done();
	for (unsigned i = 0; i < NPEOPLE; i++)
		make_record(&rec[i], i);
	T_OK(tims_post_append(p, rec, NPEOPLE, ack, &err) == TIMS_OK && ack[NPEOPLE - 1].rc == 0,
	     "the crossings registered (%s)", err.msg);
	test_find(p, "new records");
	test_answer(p);
	test_refusals(p);

	T_EQ_STR(docs(p, "Kastrati", "Blerim", NULL, 0, &rc, &err), "AL500",
		 "a record found before retention erases it");
	T_OK(tims_post_erase(p, 6, &err) == TIMS_OK, "retention erases its payload");
	T_EQ_STR(docs(p, "Kastrati", "Blerim", NULL, 0, &rc, &err), "",
		 "the erased record is not found by name");
	T_EQ_STR(docs(p, "KASTRATI", "BLERIM", "1980-02-02", 0, &rc, &err), "",
		 "  nor by its birth date");
	/* more records than a search makes keys for by itself (below) */
	{
		static struct tims_record more[TIMS_POST_SEARCH_CATCHUP + 88];
		static struct tims_post_ack mack[TIMS_POST_SEARCH_CATCHUP + 88];

		for (unsigned i = 0; i < TIMS_POST_SEARCH_CATCHUP + 88; i++) {
			tims_record_init(&more[i]);
			more[i].direction = TIMS_DIR_ENTRY;
			more[i].decision = TIMS_DECISION_ADMIT;
			snprintf(more[i].person.issuer, sizeof(more[i].person.issuer), "ALB");
			snprintf(more[i].person.nationality, sizeof(more[i].person.nationality), "ALB");
			snprintf(more[i].ref, sizeof(more[i].ref), "f-%u", i);
			snprintf(more[i].officer, sizeof(more[i].officer), "O1");
			snprintf(more[i].booth, sizeof(more[i].booth), "B1");
			snprintf(more[i].person.doc_number, sizeof(more[i].person.doc_number), "F%u", i);
			snprintf(more[i].person.surname, sizeof(more[i].person.surname), "BERISHA");
			snprintf(more[i].person.birth_date, sizeof(more[i].person.birth_date),
				 "1950-01-01");
		}
		T_OK(tims_post_append(p, more, TIMS_POST_SEARCH_CATCHUP + 88, mack, &err) == TIMS_OK &&
		     mack[0].rc == TIMS_OK && mack[TIMS_POST_SEARCH_CATCHUP + 87].rc == TIMS_OK,
		     "%d more crossings (%s)", TIMS_POST_SEARCH_CATCHUP + 88, mack[0].msg);
	}
	tims_post_free(p);
	p = NULL;
	test_keys_secret();

	/* A post.db of schema 2, made before the name search: no keys. */
	T_OK(db_exec("DROP TRIGGER records_erase_names; DROP TABLE names; DROP TABLE names_pending;"
		     " PRAGMA user_version = 2;"), "a post.db of schema 2");
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK,
	     "the node opens it, migrated (%s)", err.msg);
	if (p) {
		int more = 0;

		docs(p, "Hoxha", "Arbër", NULL, 0, &rc, &err);
		T_OK(rc == TIMS_ERR_UNAVAILABLE && strstr(err.msg, "still being made"),
		     "a search while older records still owe their keys fails closed (%s)", err.msg);
		while (!tims_post_index_names(p, 256, &more, &err) && more)
			;
		T_OK(!more, "the node's steps make the keys owed (%s)", err.msg);
		test_find(p, "records from before the migration");
		T_EQ_STR(docs(p, "Kastrati", "Blerim", NULL, 0, &rc, &err), "",
			 "the erased record stays unfindable");
		tims_post_free(p);
		p = NULL;
	}
	T_OK(db_exec("DROP TRIGGER records_erase_names; DROP TABLE names; DROP TABLE names_pending;"
		     " PRAGMA user_version = 2;"), "schema 2 again");
	T_OK(tims_post_open(dir, TIMS_POST_READ, &p, &err) == TIMS_OK,
	     "a command that reads the post (tims log verify) opens it too, migrated (%s)", err.msg);
	tims_post_free(p);
	T_OK(db_exec("PRAGMA user_version = 4"), "a post.db of a newer TIMS");
	p = NULL;
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_ERR_STATE &&
	     strstr(err.msg, "newer"), "is refused untouched (%s)", err.msg);
	tims_post_free(p);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
