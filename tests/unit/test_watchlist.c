/* test_watchlist.c — the store, imports, versions, and the index over them. */
#include <sqlite3.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/mrz.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#include <jansson.h>

static char dir[] = "/tmp/tims-test-wl-XXXXXX";
static struct tims_wl *wl;
static size_t bad_lines[16], nbad;
static char bad_msg[16][160];

static void on_bad(void *ctx, size_t line, const char *msg)
{
	(void)ctx;
	if (nbad < 16) {
		bad_lines[nbad] = line;
		snprintf(bad_msg[nbad], sizeof(bad_msg[0]), "%s", msg);
	}
	nbad++;
}

static tims_rc import(const char *list, enum tims_wl_kind kind, enum tims_wl_format f,
		      bool skip, bool replace, const char *data,
		      struct tims_wl_import_result *res)
{
	struct tims_wl_import_opts o = { list, kind, f, skip, replace, -1, NULL, NULL };
	struct tims_err err;

	nbad = 0;
	return tims_wl_import(wl, &o, data, strlen(data), on_bad, NULL, res, &err);
}

static const char persons_csv[] =
	"ref,name,aliases,dob,nationality,sex,alert\n"
	"P1,\"SHCHERBAKOV, Yuriy\",\"Щербаков Юрий;Juri Schtscherbakow\",1971-04-12,RUS,M,wanted\n"
	"P2,Müller Jürgen,,1980,D,M,entry-ban\r\n"
	"\n"
	"P3,\"SMITH, John\",,1962-11-02,GBR,M,discreet-check\n";

static size_t active(const char *list, uint64_t *version)
{
	struct tims_wl_list_info *v;
	size_t n, a = 0;
	struct tims_err err;

	if (tims_wl_lists(wl, &v, &n, &err))
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, list)) {
			a = v[i].active;
			if (version)
				*version = v[i].version;
		}
	free(v);
	return a;
}

static void test_import(void)
{
	struct tims_wl_import_result res;
	uint64_t v = 0;

	T_OK(import("wanted", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, persons_csv, &res) == TIMS_OK,
	     "CSV import of persons");
	T_EQ_INT(res.stored, 3, "three rows stored (blank line and CRLF tolerated)");
	T_OK(active("wanted", &v) == 3 && v == 1, "the list has 3 entries at version 1");
	T_OK(import("wanted", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, persons_csv, &res) == TIMS_OK &&
	     res.unchanged == 3 && res.version == 1, "re-importing the same rows changes nothing, not even the version");
	T_OK(import("wanted", TIMS_WL_DOCUMENTS, TIMS_WL_CSV, false, false, persons_csv, &res) == TIMS_ERR_INVALID,
	     "a list keeps its kind");
}

static void test_bad_rows(void)
{
	static const char bad[] =
		"ref,name,dob,alert\n"
		"B1,Good Person,1980-01-01,wanted\n"
		"B2,Bad Date,1980-02-30,wanted\n"
		"B3,Bad Alert,1970,arrest\n"
		"B4,\"unterminated,1970,wanted\n";
	struct tims_wl_import_result res;
	uint64_t v = 0;

	T_OK(import("bad", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, bad, &res) == TIMS_ERR_INVALID,
	     "all-or-nothing: bad rows refuse the import");
	T_EQ_INT(nbad, 3, "every bad row is reported");
	T_OK(nbad >= 3 && bad_lines[0] == 3 && bad_lines[1] == 4 && bad_lines[2] == 5,
	     "bad rows are reported with their line numbers");
	T_EQ_STR(bad_msg[0], "dob: day '30' is not between 1 and 29", "the reason names the field");
	T_OK(active("bad", NULL) == 0, "all-or-nothing: nothing was stored");
	T_OK(import("bad", TIMS_WL_PERSONS, TIMS_WL_CSV, true, false, bad, &res) == TIMS_OK &&
	     res.stored == 1 && res.bad == 3, "skip-bad: the good row is stored, the bad ones counted");
	T_OK(active("bad", &v) == 1 && v == 1, "skip-bad: one entry at version 1");
	T_OK(import("wide", TIMS_WL_PERSONS, TIMS_WL_CSV, true, false,
		    "ref,name,alert\nW1,A B,wanted,,,,,,,,,,,,,,", &res) == TIMS_OK && res.bad == 1,
	     "17 fields at the end of a file: a bad row, no overflow (fuzz regression)");
	T_OK(import("hdr", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, "ref,name,nationalty,alert\n", &res)
	     == TIMS_ERR_INVALID, "a misspelt column is refused, not ignored");
	T_OK(import("j", TIMS_WL_PERSONS, TIMS_WL_JSONL, false, false,
		    "{\"ref\":\"J1\",\"name\":\"Anna Lee\",\"alert\":\"missing\",\"aliases\":[\"Ann Lee\"]}\n"
		    "{\"ref\":\"J2\",\"name\":\"X\",\"alert\":\"missing\",\"dob\":\"1980-13\"}\n"
		    "{oops\n", &res) == TIMS_ERR_INVALID && nbad == 2,
	     "JSON Lines: a bad date and bad JSON are two bad rows");
	T_OK(import("j", TIMS_WL_PERSONS, TIMS_WL_JSONL, false, false,
		    "{\"ref\":\"J1\",\"name\":\"Anna Lee\",\"alert\":\"missing\",\"aliases\":[\"Ann Lee\"]}\n", &res)
	     == TIMS_OK && res.stored == 1, "JSON Lines: aliases as an array");
}

static void test_versions(void)
{
	struct tims_wl_import_result res;
	struct tims_err err;
	size_t removed;
	uint64_t v = 0;

	T_OK(import("wanted", TIMS_WL_PERSONS, TIMS_WL_CSV, false, true,
		    "ref,name,alert\nP1,\"SHCHERBAKOV, Yuriy\",wanted\n", &res) == TIMS_OK,
	     "replace import");
	T_OK(res.removed == 2 && res.stored == 1 && res.version == 2,
	     "replace: absent entries removed, the changed one stored, version 2");
	T_OK(active("wanted", &v) == 1 && v == 2, "one active entry at version 2");
	T_OK(tims_wl_remove(wl, "wanted", "P1", &removed, &v, &err) == TIMS_OK && removed == 1 && v == 3,
	     "remove one entry: version 3");
	T_OK(tims_wl_remove(wl, "wanted", "P1", &removed, &v, &err) == TIMS_ERR_NOTFOUND,
	     "removing it again is 'not found'");
	T_OK(tims_wl_remove(wl, "nosuch", NULL, &removed, &v, &err) == TIMS_ERR_NOTFOUND,
	     "removing from an unknown list is 'not found'");
}

static void test_index(void)
{
	struct tims_wl_import_result res;
	struct tims_screen_index *ix;
	struct tims_screen_hit hits[4];
	struct tims_name q;
	struct tims_subject s;
	struct tims_err err;
	char norm[TIMS_IDENT_MAX + 1];
	size_t n, c;

	import("p2", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, persons_csv, &res);
	import("docs", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false, false,
	       "{\"ref\":\"D1\",\"number\":\"AB 123-456\",\"status\":\"lost\"}\n", &res);
	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "the index loads from the store");
	memset(&s, 0, sizeof(s));
	tims_pdate_parse("1971", &s.dob, "dob", NULL);
	tims_name_parse("Schtscherbakow Juri", 19, "q", &q, NULL);
	n = tims_screen_index_query(ix, &q, &s, true, hits, 4, NULL);
	T_OK(n == 1 && hits[0].m.score >= TIMS_SCREEN_THRESHOLD, "query: the German spelling finds P1");
	tims_name_parse("Nobody Atall", 12, "q", &q, NULL);
	T_EQ_INT(tims_screen_index_query(ix, &q, &s, false, hits, 4, NULL), 0, "query: an unknown name finds nothing");
	tims_pdate_parse("1990", &s.dob, "dob", NULL);
	tims_name_parse("John Smith", 10, "q", &q, NULL);
	T_EQ_INT(tims_screen_index_query(ix, &q, &s, false, hits, 4, NULL), 0,
		 "query: the listed name with a date 28 years off is no hit");
	T_OK(tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, "ab-123 456", norm, "n", &err) == TIMS_OK &&
	     tims_screen_index_lookup(ix, TIMS_IDENT_DOCUMENT, norm, &c) == TIMS_OK && c == 1,
	     "document: spaces, dashes and case do not matter");
	T_OK(tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, "AB12345G", norm, "n", &err) == TIMS_OK &&
	     tims_screen_index_lookup(ix, TIMS_IDENT_DOCUMENT, norm, &c) == TIMS_OK && c == 0,
	     "document: another number is no hit");
	T_OK(tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, "AB123456", norm, "n", &err) == TIMS_OK &&
	     tims_screen_index_lookup(ix, TIMS_IDENT_PLATE, norm, &c) == TIMS_OK && c == 0,
	     "identifier kinds are kept apart");
	tims_screen_index_free(ix);
}

/* The same person listed four times: once with the MRZ spelling as an
 * alias, three times in Arabic script only (the article not written apart,
 * the skeleton without it). A passport's ALSHAMI<<AHMED finds all four. */
static void test_namesakes(void)
{
	static const char arabic[] =
		"ref,name,aliases,dob,nationality,sex,alert\n"
		"A1,\"الشامي, أحمد\",ALSHAMI<<AHMED,1989-08-16,SYR,M,wanted\n"
		"A2,\"الشامي, أحمد\",,1989-08-16,SYR,M,wanted\n"
		"A3,\"الشامي, أحمد\",,1970-01-01,SYR,M,entry-ban\n"
		"A4,\"الشامي, أحمد\",,1989,SYR,M,missing\n"
		"A5,\"الخطيب, محمد\",,1975-01-01,SYR,M,wanted\n";
	struct tims_wl_import_result res;
	struct tims_screen_index *ix;
	struct tims_screen_hit hits[8];
	struct tims_name q;
	struct tims_subject s;
	struct tims_err err;
	size_t n;

	T_OK(import("ar", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, arabic, &res) == TIMS_OK,
	     "namesakes: imported");
	T_OK(tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "namesakes: index");
	memset(&s, 0, sizeof(s));
	tims_name_parse("ALSHAMI<<AHMED", 14, "q", &q, NULL);
	n = tims_screen_index_query(ix, &q, &s, false, hits, 8, NULL);
	T_EQ_INT(n, 4, "namesakes: the MRZ spelling finds every listing in Arabic script, not only the one with the alias");
	tims_name_parse("ELKHATIB<<MOHAMMED", 18, "q", &q, NULL);
	n = tims_screen_index_query(ix, &q, &s, false, hits, 8, NULL);
	T_EQ_INT(n, 1, "namesakes: an article written EL- and attached still finds the Arabic listing");
	tims_screen_index_free(ix);
}

static void test_norm(void)
{
	char a[TIMS_IDENT_MAX + 1], b[TIMS_IDENT_MAX + 1];
	struct tims_err err;

	T_OK(tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, "X0O1", a, "n", &err) == TIMS_OK &&
	     tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, "xO01", b, "n", &err) == TIMS_OK &&
	     !strcmp(a, b), "O and 0 are one symbol on both sides");
	T_OK(tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, "AB#1", a, "number", &err) == TIMS_ERR_INVALID,
	     "a symbol in a document number is refused");
	T_EQ_STR(err.msg, "number: character 0x23 at byte 2 is not a letter or digit", "... naming the byte");
	T_OK(tims_screen_norm_ident(TIMS_IDENT_VIN, "WVWZZZ1JZXW00000", a, "vin", &err) == TIMS_ERR_INVALID,
	     "a 16-character VIN is refused");
	T_OK(tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, " - ", a, "number", &err) == TIMS_ERR_INVALID,
	     "an empty number is refused");
}

/* A last line of just CR, no newline: found by fuzz_watchlist as a hang. */
static void test_trailing_cr(void)
{
	struct tims_wl_import_result res;
	struct tims_err err;

	tims_wl_validate(TIMS_WL_PERSONS, TIMS_WL_JSONL, "x\n\r", 3, NULL, NULL, &res, &err);
	T_OK(res.rows == 1 && res.bad == 1, "jsonl: a trailing lone CR ends the file (no hang), one bad row");
	tims_wl_validate(TIMS_WL_PERSONS, TIMS_WL_CSV, "ref,name\n\r", 10, NULL, NULL, &res, &err);
	T_OK(res.rows <= 1, "csv: a trailing lone CR ends the file (no hang)");
}

/* Run SQL on the store behind the open handle's back (a failing disk, a
 * damaged page, an intruder: the store no longer answers as it did). */
static int store_sql(const char *sql)
{
	char path[256];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/watchlists.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* A traveller as the MRZ reader gives one. */
static void traveller(struct tims_mrz *m, const char *number, const char *surname,
		      const char *given)
{
	memset(m, 0, sizeof(*m));
	m->format = TIMS_MRZ_TD3;
	m->valid = true;
	snprintf(m->issuing_state, sizeof(m->issuing_state), "RUS");
	snprintf(m->nationality, sizeof(m->nationality), "RUS");
	snprintf(m->document_number, sizeof(m->document_number), "%s", number);
	snprintf(m->surname, sizeof(m->surname), "%s", surname);
	snprintf(m->given_names, sizeof(m->given_names), "%s", given);
	snprintf(m->birth_date.iso, sizeof(m->birth_date.iso), "1971-04-12");
	m->sex = 'M';
}

static size_t hits_of(const struct tims_wl_screening *scr, unsigned part)
{
	size_t n = 0;

	for (size_t i = 0; i < scr->nhits; i++)
		n += scr->hits[i].part == part;
	return n;
}

/* The typed screening of a traveller read from an MRZ (and a plate). */
static tims_rc screen(struct tims_screen_index *ix, const struct tims_mrz *m, const char *plate,
		      struct tims_wl_screening *out, struct tims_err *err)
{
	char sex[2] = { m->sex, 0 };
	struct tims_wl_query q = {
		m->document_number, m->issuing_state, m->surname, m->given_names,
		m->birth_date.iso, m->nationality, sex[0], plate, NULL,
	};

	return tims_wl_screen(wl, ix, &q, out, err);
}

/* Screening fails closed: when the store cannot give back the entry behind
 * a hit, the answer is an error naming what failed, never "no hit". */
static void test_fail_closed(void)
{
	struct tims_wl_import_result res;
	struct tims_screen_index *ix;
	struct tims_mrz *m = malloc(sizeof(*m));
	struct tims_err err;
	struct tims_wl_screening *scr = malloc(sizeof(*scr));
	tims_rc rc;

	import("fc", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, persons_csv, &res);
	import("fcdocs", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false, false,
	       "{\"ref\":\"D9\",\"number\":\"FC1234567\",\"issuing_state\":\"RUS\",\"status\":\"stolen\"}\n",
	       &res);
	if (!m || !scr || tims_wl_load_index(wl, &ix, &err)) {
		T_OK(0, "fail closed: set up");
		free(m);
		free(scr);
		return;
	}
	traveller(m, "FC1234567", "SHCHERBAKOV", "YURIY");
	rc = screen(ix, m, NULL, scr, &err);
	T_OK(!rc && hits_of(scr, TIMS_WL_PART_DOCUMENT) == 1 && hits_of(scr, TIMS_WL_PART_PERSON) >= 1,
	     "fail closed: with the store readable, the document and the person are hits");

	/* the stored entry of the person is damaged: its hit cannot be read */
	T_OK(store_sql("UPDATE entries SET data = 'not json' WHERE ref = 'P1'") == 0,
	     "fail closed: an entry damaged in the store");
	traveller(m, "XX0000000", "SHCHERBAKOV", "YURIY");
	rc = screen(ix, m, NULL, scr, &err);
	T_OK(rc, "fail closed: a person hit that cannot be read back fails the screening (not \"no hit\")");
	T_OK(strstr(err.msg, "entry") && strstr(err.msg, "not JSON"),
	     "... and the error names what failed: %s", err.msg);
	traveller(m, "XX0000000", "NOBODY", "ATALL");
	rc = screen(ix, m, NULL, scr, &err);
	T_OK(!rc && hits_of(scr, TIMS_WL_PART_PERSON) == 0 && hits_of(scr, TIMS_WL_PART_DOCUMENT) == 0,
	     "fail closed: a traveller the index does not find is still a completed screening");

	/* the store fails outright: every read of an entry is an error */
	T_OK(store_sql("ALTER TABLE entries RENAME TO entries_lost") == 0,
	     "fail closed: the store's entries can no longer be read");
	traveller(m, "FC1234567", "NOBODY", "ATALL");
	rc = screen(ix, m, NULL, scr, &err);
	T_OK(rc && err.rc == TIMS_ERR_DB && strstr(err.msg, "entries"),
	     "fail closed: a document hit whose entry the store cannot read fails: %s", err.msg);
	traveller(m, "XX0000000", "NOBODY", "ATALL");
	rc = screen(ix, m, "FC 123", scr, &err);
	T_OK(!rc && hits_of(scr, TIMS_WL_PART_VEHICLE) == 0, "fail closed: a plate nobody lists is no hit");
	rc = screen(ix, m, "#", scr, &err);
	T_OK(rc && strstr(err.msg, "plate"), "fail closed: a plate that cannot be searched is an error, not \"no hit\"");
	store_sql("ALTER TABLE entries_lost RENAME TO entries");
	store_sql("UPDATE entries SET data = '{\"name\":\"SHCHERBAKOV, Yuriy\"}' WHERE ref = 'P1'");
	tims_screen_index_free(ix);
	free(m);
	free(scr);
}

/* The issuing state of a lost or stolen document as a feed writes it and as
 * the document's MRZ does (tims_mrz_state_same): a stolen German passport
 * listed as DEU is presented with its MRZ's "D<<" by whoever holds it now,
 * and must be a hit; a number of another issuer must not be. */
static void test_issuer_spellings(void)
{
	struct tims_wl_import_result res;
	struct tims_screen_index *ix;
	struct tims_mrz *m = malloc(sizeof(*m));
	struct tims_wl_screening *scr = malloc(sizeof(*scr));
	struct tims_err err;
	static const struct {
		const char *number, *mrz_state;
		size_t hits;
		const char *what;
	} c[] = {
		{ "C01X00T47", "D", 1, "a stolen German passport listed as DEU, its MRZ's D" },
		{ "KS1234567", "RKS", 1, "a Kosovo passport listed as XKX, its MRZ's RKS" },
		{ "GB7654321", "GBR", 1, "a BOTC passport listed with the issuer GBD, its MRZ's GBR" },
		{ "UN5555555", "RKS", 0, "an UNMIK document (UNK): a Kosovo passport of that number "
					 "is another document" },
		{ "DK1111111", "D", 0, "a Danish number presented as a German passport" },
	};

	import("spell", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false, false,
	       "{\"ref\":\"S1\",\"number\":\"C01X00T47\",\"issuing_state\":\"DEU\",\"status\":\"stolen\"}\n"
	       "{\"ref\":\"S2\",\"number\":\"KS1234567\",\"issuing_state\":\"XKX\",\"status\":\"stolen\"}\n"
	       "{\"ref\":\"S3\",\"number\":\"GB7654321\",\"issuing_state\":\"GBD\",\"status\":\"lost\"}\n"
	       "{\"ref\":\"S4\",\"number\":\"UN5555555\",\"issuing_state\":\"UNK\",\"status\":\"stolen\"}\n"
	       "{\"ref\":\"S5\",\"number\":\"DK1111111\",\"issuing_state\":\"DNK\",\"status\":\"stolen\"}\n",
	       &res);
	if (!m || !scr || tims_wl_load_index(wl, &ix, &err)) {
		T_OK(0, "issuer spellings: set up");
		free(m);
		free(scr);
		return;
	}
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tims_rc rc;

		traveller(m, c[i].number, "NOBODY", "ATALL");
		snprintf(m->issuing_state, sizeof(m->issuing_state), "%s", c[i].mrz_state);
		rc = screen(ix, m, NULL, scr, &err);
		T_OK(!rc && hits_of(scr, TIMS_WL_PART_DOCUMENT) == c[i].hits, "%s: %zu hit(s) (%s)",
		     c[i].what, c[i].hits, err.msg);
	}
	tims_screen_index_free(ix);
	free(m);
	free(scr);
}

/* A list whose stored threshold the index cannot take: loading fails and
 * names the list (the result of setting it was dropped before, and the list
 * was screened at the default threshold). */
static void test_bad_threshold(void)
{
	struct tims_wl_import_result res;
	struct tims_screen_index *ix = NULL;
	struct tims_err err;

	import("thr", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, persons_csv, &res);
	T_OK(store_sql("UPDATE lists SET threshold = 7.5 WHERE name = 'thr'") == 0,
	     "threshold: a list's threshold damaged in the store");
	T_OK(tims_wl_load_index(wl, &ix, &err) != TIMS_OK && !ix,
	     "threshold: the index is not built over a threshold it cannot take");
	T_OK(strstr(err.msg, "list thr") && strstr(err.msg, "threshold"),
	     "threshold: the error names the list and its threshold: %s", err.msg);
	store_sql("UPDATE lists SET threshold = NULL WHERE name = 'thr'");
	tims_screen_index_free(ix);
}

/* A store whose lists hold no identifier (persons only, or nothing at all):
 * the index is built with no identifiers; UBSan aborted `post serve` on
 * qsort(NULL, 0, ...) there. */
static void test_no_identifiers(void)
{
	struct tims_screen_index *ix;
	size_t c = 1;

	T_OK(tims_screen_index_new(&ix) == TIMS_OK && tims_screen_index_finish(ix) == TIMS_OK,
	     "an index with no entry at all is finished");
	T_OK(tims_screen_index_lookup(ix, TIMS_IDENT_DOCUMENT, "AB123", &c) == TIMS_OK && c == 0,
	     "... and finds no document in it");
	tims_screen_index_free(ix);
}

int main(void)
{
	test_trailing_cr();
	struct tims_err err;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	T_OK(tims_wl_open(dir, false, &wl, &err) == TIMS_ERR_NOTFOUND, "open without create: no store yet");
	T_OK(tims_wl_open(dir, true, &wl, &err) == TIMS_OK, "open with create");
	test_import();
	test_bad_rows();
	test_versions();
	test_index();
	test_namesakes();
	test_norm();
	test_no_identifiers();
	test_bad_threshold();
	test_issuer_spellings();
	test_fail_closed();
	tims_wl_close(wl);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
