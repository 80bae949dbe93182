/*
 * test_cstore.c — the centre's query store on a small, hand-built national
 * picture: three posts, a traveller who changed passports, an overstayer,
 * a refused traveller, a corrected crossing, an erased record.
 *
 * SQLite always; PostgreSQL too when TIMS_PG_CONNINFO names a server
 * (tests/e2e/cstore.sh starts a throwaway one and sets it).
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include "t.h"
#include "tims/cstore.h"
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/util.h"
#include "tims/vault.h"

static struct tims_vault *vault; /* the centre's, in the test's directory */

static int64_t day_of(const char *date)
{
	int64_t d = 0;

	tims_date_parse(date, &d, "date", NULL);
	return d;
}

static int64_t ms_of(const char *date, int hour)
{
	return day_of(date) * 86400000 + (int64_t)hour * 3600000;
}

static void leaf_of(const char *origin, uint64_t idx, const char *salt, uint8_t leaf[32])
{
	char s[256];

	snprintf(s, sizeof(s), "%s/%llu/%s", origin, (unsigned long long)idx, salt);
	crypto_hash_sha256(leaf, (const unsigned char *)s, strlen(s));
}

struct row {
	const char *origin;
	uint64_t idx;
	const char *date;
	int hour;
	int dir, decision;
	const char *doc, *issuer, *surname, *given, *dob, *nat;
	uint64_t corrects;
};

#define NOC TIMS_RECORD_NO_INDEX
static const struct row rows[] = {
	/* post-a */
	{ "post-a", 0, "2026-01-01", 9, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "X1", "GBR",
	  "SMITH", "JOHN PAUL", "1980-04-02", "GBR", NOC },
	{ "post-a", 1, "2025-09-01", 10, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "Y1", "RUS",
	  "IVANOV", "PYOTR", "1975-01-01", "RUS", NOC },
	{ "post-a", 2, "2026-02-03", 11, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "W1", "TUR",
	  "O'BRIEN", "ROBERT'); DROP TABLE crossings;--", "1990-05-05", "TUR", NOC },
	{ "post-a", 3, "2026-02-03", 12, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "W1", "TUR",
	  "O'BRIEN", "ROBERT'); DROP TABLE crossings;--", "1990-05-05", "TUR", 2 },
	{ "post-a", 4, "2025-06-01", 9, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "U1", "UTO",
	  "CITIZEN", "HOME", "1970-01-01", "UTO", NOC },
	/* post-b */
	{ "post-b", 0, "2026-01-10", 17, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "X1", "GBR",
	  "SMITH", "JOHN PAUL", "1980-04-02", "GBR", NOC },
	{ "post-b", 1, "2026-02-05", 8, TIMS_DIR_ENTRY, TIMS_DECISION_REFUSE, "Z1", "SRB",
	  "ПЕТРОВИЋ", "МАРКО", "1985-03-03", "SRB", NOC },
	/* post-c: X's new passport */
	{ "post-c", 0, "2026-02-01", 9, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "X2", "GBR",
	  "SMITH", "JOHN  PAUL", "1980-04-02", "GBR", NOC },
};

static void make(const struct row *w, struct tims_record *r)
{
	tims_record_init(r);
	r->direction = (uint8_t)w->dir;
	r->time_ms = ms_of(w->date, w->hour);
	snprintf(r->ref, sizeof(r->ref), "%s-%llu", w->origin, (unsigned long long)w->idx);
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_code, sizeof(r->person.doc_code), "P");
	snprintf(r->person.issuer, sizeof(r->person.issuer), "%s", w->issuer);
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "%s", w->doc);
	snprintf(r->person.surname, sizeof(r->person.surname), "%s", w->surname);
	snprintf(r->person.given_names, sizeof(r->person.given_names), "%s", w->given);
	snprintf(r->person.nationality, sizeof(r->person.nationality), "%s", w->nat);
	snprintf(r->person.birth_date, sizeof(r->person.birth_date), "%s", w->dob);
	r->decision = (uint8_t)w->decision;
	if (w->decision == TIMS_DECISION_REFUSE)
		snprintf(r->refusal_code, sizeof(r->refusal_code), "E");
	if (w->corrects != NOC) {
		r->corrects = w->corrects;
		snprintf(r->reason, sizeof(r->reason), "registered in the wrong direction");
	}
}

static int find_doc(json_t *list, const char *key, const char *doc)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (!strcmp(json_string_value(json_object_get(e, key)), doc))
			return (int)i;
	return -1;
}

struct got_ranges {
	char text[256];
};

static tims_rc got_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct got_ranges *g = ctx;
	size_t len = strlen(g->text);

	snprintf(g->text + len, sizeof(g->text) - len, "%s[%llu,%llu)", len ? " " : "",
		 (unsigned long long)lo, (unsigned long long)hi);
	return TIMS_OK;
}

/* Rows of a report, collected. */
struct got_report {
	struct tims_report_row r[32];
	size_t n;
	uint64_t total;
};

static tims_rc got_report_row(void *ctx, const struct tims_report_row *r)
{
	struct got_report *g = ctx;

	if (g->n == 32)
		return TIMS_ERR_TOOBIG;
	g->r[g->n++] = *r;
	g->total += r->count;
	return TIMS_OK;
}

/* Add record idx of post-g: doc G<idx>, an entry on 2026-03-01 at idx
 * o'clock, or an exit correcting `corrects`. */
static tims_rc add_g(struct tims_cstore *s, uint64_t idx, uint64_t corrects)
{
	struct row w = { "post-g", idx, "2026-03-01", (int)idx, TIMS_DIR_ENTRY,
			 TIMS_DECISION_ADMIT, "G1", "GBR", "GAP", "TEST", "1970-01-01", "GBR",
			 corrects };
	struct tims_record rec;
	char doc[24];
	uint8_t leaf[32];

	snprintf(doc, sizeof(doc), "G%llu", (unsigned long long)(corrects != NOC ? corrects : idx));
	w.doc = doc;
	if (corrects != NOC)
		w.dir = TIMS_DIR_EXIT;
	make(&w, &rec);
	leaf_of("post-g", idx, "s", leaf);
	return tims_cstore_add(s, "post-g", idx, (uint64_t)rec.time_ms, leaf, &rec, NULL, NULL);
}

/*
 * A store that lacks records below ones it holds (a failed commit, then a
 * later batch that committed): the missing ranges, found wherever they are;
 * filled late, and the corrections already held linked to them.
 */
static void gaps(struct tims_cstore *s, const struct tims_stay_regimes *rs, const char *label)
{
	struct tims_cstore_extent ext;
	struct got_ranges g;
	struct tims_err err;
	json_t *j = NULL, *c;
	int ok = 1;

	/* held: 0 1 2 _ _ 5 6 _ _ 9; 6 corrects 4 (an exit, no time of its own) */
	ok &= tims_cstore_begin(s, &err) == TIMS_OK;
	for (uint64_t i = 0; i < 10; i++)
		if (i != 3 && i != 4 && i != 7 && i != 8)
			ok &= add_g(s, i, i == 6 ? 4 : NOC) == TIMS_OK;
	ok &= tims_cstore_commit(s, &err) == TIMS_OK;
	T_OK(ok, "%s: gaps: 6 of 10 records held, 4 missing in two holes", label);
	memset(&g, 0, sizeof(g));
	T_OK(tims_cstore_missing(s, "post-g", 10, got_range, &g, &ext, &err) == TIMS_OK,
	     "%s: gaps: missing ranges asked (%s)", label, err.msg);
	T_EQ_STR(g.text, "[3,5) [7,9)", "gaps: the holes below later records are found, not only the tail");
	T_OK(ext.held == 6 && ext.missing == 4 && ext.beyond == 0,
	     "%s: gaps: held 6, missing 4, none beyond", label);
	memset(&g, 0, sizeof(g));
	T_OK(tims_cstore_missing(s, "post-g", 12, got_range, &g, &ext, &err) == TIMS_OK &&
	     !strcmp(g.text, "[3,5) [7,9) [10,12)") && ext.missing == 6,
	     "%s: gaps: a mirror that holds more: its tail is missing too (%s)", label, g.text);
	memset(&g, 0, sizeof(g));
	T_OK(tims_cstore_missing(s, "post-g", 8, got_range, &g, &ext, &err) == TIMS_OK &&
	     !strcmp(g.text, "[3,5) [7,8)") && ext.beyond == 1,
	     "%s: gaps: a mirror that holds less: the record beyond it (9) (%s)", label, g.text);
	memset(&g, 0, sizeof(g));
	T_OK(tims_cstore_missing(s, "post-none", 3, got_range, &g, &ext, &err) == TIMS_OK &&
	     !strcmp(g.text, "[0,3)") && ext.held == 0,
	     "%s: gaps: an origin never indexed lacks everything (%s)", label, g.text);
	/* the second hole filled late, then linked */
	ok = tims_cstore_begin(s, &err) == TIMS_OK;
	ok &= add_g(s, 3, NOC) == TIMS_OK && add_g(s, 4, NOC) == TIMS_OK;
	ok &= tims_cstore_relink(s, "post-g", 3, 5, &err) == TIMS_OK;
	ok &= tims_cstore_commit(s, &err) == TIMS_OK;
	T_OK(ok, "%s: gaps: 3 and 4 added late and relinked (%s)", label, err.msg);
	memset(&g, 0, sizeof(g));
	T_OK(tims_cstore_missing(s, "post-g", 10, got_range, &g, &ext, &err) == TIMS_OK &&
	     !strcmp(g.text, "[7,9)") && ext.missing == 2, "%s: gaps: one hole left (%s)", label,
	     g.text);
	T_OK(tims_cstore_history_doc(s, "G4", "GBR", day_of("2026-03-02"), rs, &j, &err) ==
	     TIMS_OK, "%s: gaps: history of G4 (%s)", label, err.msg);
	c = json_object_get(j, "crossings");
	T_EQ_INT(json_array_size(c), 2, "gaps: G4's entry and its correction");
	T_EQ_INT(json_integer_value(json_object_get(json_array_get(c, 0), "corrected_by")), 6,
		 "gaps: the record added late knows the correction held before it");
	json_decref(j);
	j = NULL;
	/* counted once, at the corrected record's time (04:00, not 06:00) */
	T_OK(tims_cstore_counts(s, "post,hour", ms_of("2026-03-01", 4), ms_of("2026-03-01", 5),
				&j, &err) == TIMS_OK &&
	     json_integer_value(json_object_get(j, "total")) == 1,
	     "%s: gaps: the correction takes the time of the record it corrects", label);
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_counts(s, "post", ms_of("2026-03-01", 0), ms_of("2026-03-02", 0), &j,
				&err) == TIMS_OK && json_integer_value(json_object_get(j, "total")) == 7,
	     "%s: gaps: 8 records of post-g, one corrected: 7 counted", label);
	json_decref(j);
}

/* The search of a person by name (tims_cstore_search): the screening's
 * normalisation over sealed rows; namesakes of another birth date and
 * relatives of the same birth date kept apart; a refusal, never a cut,
 * past the candidates allowed; erased rows never found. */
static const struct row srows[] = {
	{ "post-s", 0, "2026-03-01", 9, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "AL100", "ALB",
	  "HOXHA", "ARBER", "1985-06-15", "ALB", NOC },
	{ "post-s", 1, "2026-03-02", 9, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "AL100", "ALB",
	  "HOXHA", "ARBER", "1985-06-15", "ALB", NOC },
	{ "post-s", 2, "2026-03-01", 9, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "AL200", "ALB",
	  "HOXHA", "ARTAN", "1985-06-15", "ALB", NOC },
	{ "post-s", 3, "2026-03-01", 10, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "AL300", "ALB",
	  "HOXHA", "ARBER", "1962-01-20", "ALB", NOC },
	{ "post-s", 4, "2026-03-01", 11, TIMS_DIR_ENTRY, TIMS_DECISION_REFUSE, "Z1", "SRB",
	  "ПЕТРОВИЋ", "МАРКО", "1985-03-03", "SRB", NOC },
	{ "post-s", 5, "2026-03-01", 12, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "IQ1", "IRQ",
	  "HUSSEIN", "ABDULRAHMAN", "1970-03-03", "IRQ", NOC },
	{ "post-s", 6, "2026-03-01", 13, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "GR1", "GRC",
	  "PAPADOPOULOS", "GEORGIOS", "1977-07-07", "GRC", NOC },
};

/* The documents of a search's matches, in order, space-separated. */
static const char *search_docs(struct tims_cstore *s, const char *sur, const char *given,
			       const char *dob, tims_rc *rc, struct tims_err *err)
{
	static char out[256];
	struct tims_cstore_search_query q = { sur, given, dob, NULL, 0, 0, 0 };
	json_t *j = NULL, *m;
	size_t i;

	out[0] = '\0';
	*rc = tims_cstore_search(s, &q, &j, err);
	json_array_foreach(json_object_get(j, "matches"), i, m)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
			 json_string_value(json_object_get(m, "document")));
	json_decref(j);
	return out;
}

static void search(struct tims_cstore *s, const char *label)
{
	struct tims_cstore_search_query q = { "HOXHA", "ARBER", NULL, NULL, 0, 0, 0 };
	struct tims_record rec;
	struct tims_err err;
	uint8_t leaf[32];
	json_t *j = NULL;
	tims_rc rc;
	int ok = 1, erased = 0;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(srows); i++) {
		make(&srows[i], &rec);
		leaf_of(srows[i].origin, srows[i].idx, "s", leaf);
		ok &= tims_cstore_add(s, srows[i].origin, srows[i].idx, (uint64_t)rec.time_ms, leaf,
				      &rec, NULL, &err) == TIMS_OK;
	}
	if (!T_OK(ok, "%s: search: the records stored (%s)", label, err.msg))
		return;
	T_EQ_STR(search_docs(s, "Hoxha", "Arbër", NULL, &rc, &err), "AL100 AL300",
		 "search: 'Hoxha / Arbër' finds both HOXHA ARBER (no birth date: the namesake too), "
		 "not HOXHA ARTAN");
	T_EQ_STR(search_docs(s, "Hoxha", "Arbër", "1985", &rc, &err), "AL100",
		 "search: with a birth year, the one born that year");
	T_EQ_STR(search_docs(s, "HOXHA", "ARBER", "1985-06-15", &rc, &err), "AL100",
		 "search: the brother born the same day is kept apart");
	T_EQ_STR(search_docs(s, "HOXAH", "ARBER", "1985-06-15", &rc, &err), "AL100",
		 "search: a typo in the surname, with the full birth date");
	T_EQ_STR(search_docs(s, "hoxha", "arber", "1985-06", &rc, &err), "AL100",
		 "search: lower case and a year and month");
	T_EQ_STR(search_docs(s, "PETROVIC", "MARKO", NULL, &rc, &err), "Z1",
		 "search: a name recorded in Cyrillic found in Latin");
	T_EQ_STR(search_docs(s, "Петровић", "Марко", "1985-03-03", &rc, &err), "Z1",
		 "search: and in its own script");
	T_EQ_STR(search_docs(s, "HUSAYN", "ABD AL-RAHMAN", "1970", &rc, &err), "IQ1",
		 "search: an Arabic name in another romanisation");
	T_EQ_STR(search_docs(s, "Παπαδόπουλος", "Γεώργιος", NULL, &rc, &err), "GR1",
		 "search: a Greek name written in Greek");
	T_EQ_STR(search_docs(s, "ARBER", "HOXHA", "1985-06-15", &rc, &err), "AL100",
		 "search: surname and given names swapped");
	T_EQ_STR(search_docs(s, "SMITH", "JOHN", "1985-06-15", &rc, &err), "",
		 "search: nobody of that name born that day: no match");
	T_OK(rc == TIMS_OK, "search: and that is an answer, not an error");

	/* the answer: one match per document, with its score explained */
	T_OK(tims_cstore_search(s, &q, &j, &err) == TIMS_OK, "%s: search answers (%s)", label,
	     err.msg);
	{
		json_t *m = json_array_get(json_object_get(j, "matches"), 0);

		T_OK(json_integer_value(json_object_get(m, "crossings")) == 2 &&
		     json_real_value(json_object_get(m, "score")) >= 0.8 &&
		     json_array_size(json_object_get(m, "reasons")) > 0 &&
		     !strcmp(json_string_value(json_object_get(m, "birth_date")), "1985-06-15"),
		     "search: a match carries its crossings, score and reasons");
		T_OK(json_integer_value(json_object_get(j, "candidates")) >= 3,
		     "search: the answer says how many crossings were compared");
	}
	json_decref(j);
	j = NULL;

	/* bad input: named, never "no match" */
	search_docs(s, "HOXHA", "ARBER", "1985-13", &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "birth_date"),
	     "search: a bad birth date is refused, named (%s)", err.msg);
	search_docs(s, "", "", NULL, &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "surname"),
	     "search: no name is refused, named (%s)", err.msg);
	search_docs(s, "H", "A", NULL, &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID, "search: initials alone are refused without a birth date (%s)",
	     err.msg);
	search_docs(s, "HOXHA", "ARBER", "~1985", &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID, "search: an approximate birth date is refused (%s)", err.msg);
	search_docs(s, "HOX4HA", "ARBER", NULL, &rc, &err);
	T_OK(rc == TIMS_ERR_INVALID, "search: a digit that is no OCR letter in a name is refused (%s)", err.msg);
	q.max_candidates = 2;
	T_OK(tims_cstore_search(s, &q, &j, &err) == TIMS_ERR_TOOBIG && !j &&
	     strstr(err.msg, "full birth date"),
	     "search: more candidates than allowed is a refusal, not a part answer (%s)", err.msg);

	/* an erased crossing is never found again */
	T_OK(tims_cstore_erase(s, "post-s", 3, &erased, &err) == TIMS_OK && erased,
	     "%s: search: erase AL300's "
	     "crossing (%s)", label, err.msg);
	T_EQ_STR(search_docs(s, "HOXHA", "ARBER", NULL, &rc, &err), "AL100",
		 "search: an erased crossing is not found");
}

static void run(const char *uri, const char *label)
{
	struct tims_cstore *s = NULL;
	struct tims_stay_regimes rs;
	struct tims_record rec;
	struct tims_err err;
	uint8_t leaf[32];
	uint64_t n = 0;
	json_t *j = NULL, *st;
	int dup = -1, ok = 1;
	tims_rc rc;
	int64_t on = day_of("2026-02-10");
	const char *regimes = "default short-stay 90 180\nexempt UTO\n";

	printf("# backend %s\n", label);
	if (!T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK, "%s: opens (%s)", label, err.msg))
		return;
	/* without a vault nothing personal can be stored */
	make(&rows[0], &rec);
	leaf_of("post-v", 0, "s", leaf);
	T_OK(tims_cstore_add(s, "post-v", 0, (uint64_t)rec.time_ms, leaf, &rec, NULL, &err) ==
	     TIMS_ERR_STATE, "%s: without a vault a record is refused (%s)", label, err.msg);
	tims_cstore_set_vault(s, vault);
	T_OK(tims_cstore_wipe(s, &err) == TIMS_OK, "%s: starts empty", label);
	T_OK(tims_stay_regimes_parse(regimes, strlen(regimes), &rs, &err) == TIMS_OK,
	     "%s: regimes parse", label);

	T_OK(tims_cstore_begin(s, &err) == TIMS_OK, "%s: begin", label);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make(&rows[i], &rec);
		if (tims_record_check(&rec, &err)) {
			printf("# row %zu: %s\n", i, err.msg);
			ok = 0;
		}
		leaf_of(rows[i].origin, rows[i].idx, "s", leaf);
		if (tims_cstore_add(s, rows[i].origin, rows[i].idx, (uint64_t)rec.time_ms, leaf,
				    &rec, &dup, &err) || dup) {
			printf("# add %zu: %s\n", i, err.msg);
			ok = 0;
		}
	}
	leaf_of("post-b", 2, "s", leaf);
	if (tims_cstore_add(s, "post-b", 2, (uint64_t)ms_of("2026-02-06", 10), leaf, NULL,
			    &dup, &err))
		ok = 0;
	T_OK(ok, "%s: adds 9 records over three posts, one erased", label);
	T_OK(tims_cstore_commit(s, &err) == TIMS_OK, "%s: commit (%s)", label, err.msg);

	T_OK(tims_cstore_count(s, NULL, &n, &err) == TIMS_OK && n == 9, "%s: count all 9", label);
	T_OK(tims_cstore_count(s, "post-b", &n, &err) == TIMS_OK && n == 3, "%s: post-b holds 3",
	     label);

	/* idempotence: the same entry again is a duplicate, not a row */
	make(&rows[0], &rec);
	leaf_of("post-a", 0, "s", leaf);
	T_OK(tims_cstore_add(s, "post-a", 0, (uint64_t)rec.time_ms, leaf, &rec, &dup, &err) ==
	     TIMS_OK && dup == 1, "%s: the same entry again is a duplicate", label);
	leaf_of("post-b", 2, "s", leaf);
	T_OK(tims_cstore_add(s, "post-b", 2, 0, leaf, NULL, &dup, &err) == TIMS_OK && dup == 1,
	     "%s: an erased entry again is a duplicate", label);
	leaf_of("post-a", 0, "other", leaf);
	T_OK(tims_cstore_add(s, "post-a", 0, (uint64_t)rec.time_ms, leaf, &rec, &dup, &err) ==
	     TIMS_ERR_TAMPER, "%s: a different entry at a taken index is refused", label);
	T_OK(strstr(err.msg, "post-a 0") != NULL, "%s: the refusal names origin and index (%s)",
	     label, err.msg);
	T_OK(tims_cstore_count(s, NULL, &n, &err) == TIMS_OK && n == 9,
	     "%s: still 9 records after duplicates", label);

	/* a rolled-back batch leaves nothing */
	T_OK(tims_cstore_begin(s, &err) == TIMS_OK, "%s: begin again", label);
	make(&rows[0], &rec);
	leaf_of("post-a", 99, "s", leaf);
	tims_cstore_add(s, "post-a", 99, (uint64_t)rec.time_ms, leaf, &rec, NULL, &err);
	tims_cstore_rollback(s);
	T_OK(tims_cstore_count(s, "post-a", &n, &err) == TIMS_OK && n == 5,
	     "%s: a rolled-back batch adds nothing", label);

	/* document history across posts */
	T_OK(tims_cstore_history_doc(s, "X1", "GBR", on, &rs, &j, &err) == TIMS_OK,
	     "%s: history of X1 (%s)", label, err.msg);
	T_EQ_INT(json_array_size(json_object_get(j, "crossings")), 2, "history X1: 2 crossings");
	T_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "crossings"),
								   1), "origin")),
		 "post-b", "history X1: the exit is at post-b, in time order");
	st = json_object_get(j, "stay");
	T_EQ_INT(json_integer_value(json_object_get(st, "used")), 10, "history X1: 10 days used");
	T_OK(json_is_false(json_object_get(st, "in_country")), "history X1: not in the country");
	json_decref(j);
	j = NULL;

	/* person history: both passports, the stay over all of them */
	T_OK(tims_cstore_history_person(s, "smith", "John Paul", "1980-04-02", "GBR", on, &rs,
					&j, &err) == TIMS_OK, "%s: history of a person (%s)",
	     label, err.msg);
	T_EQ_INT(json_array_size(json_object_get(j, "documents")), 2,
		 "person: two documents (X1, X2)");
	T_EQ_INT(json_array_size(json_object_get(j, "crossings")), 3, "person: three crossings");
	st = json_object_get(j, "stay");
	/* 2026-01-01..01-10 (10 days) + 2026-02-01..02-10 (10 days) */
	T_EQ_INT(json_integer_value(json_object_get(st, "used")), 20, "person: 20 days used");
	T_EQ_INT(json_integer_value(json_object_get(st, "left")), 70, "person: 70 days left");
	T_OK(json_is_true(json_object_get(st, "in_country")), "person: in the country");
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_history_person(s, "SMITH", "JOHN", "1980-04-02", NULL, on, &rs, &j,
					&err) == TIMS_OK &&
	     json_array_size(json_object_get(j, "crossings")) == 0,
	     "%s: a different given name is a different person", label);
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_history_person(s, "SMITH", "JOHN PAUL", "1980-13-02", NULL, on, &rs, &j,
					&err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "birth_date") != NULL,
	     "%s: a bad birth date is refused naming the field (%s)", label, err.msg);

	/* corrections: W's entry was really an exit */
	T_OK(tims_cstore_history_doc(s, "W1", NULL, on, &rs, &j, &err) == TIMS_OK,
	     "%s: history of W1 with hostile names", label);
	T_EQ_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "crossings"),
								   0), "corrected_by")), 3,
		 "W1: the entry is corrected by index 3");
	T_EQ_STR(json_string_value(json_object_get(json_object_get(
			json_object_get(json_array_get(json_object_get(j, "crossings"), 0), "record"),
			"person"), "given_names")),
		 "ROBERT'); DROP TABLE crossings;--", "W1: SQL metacharacters are stored as data");
	json_decref(j);
	j = NULL;

	/* who is in the country on 2026-02-10 at noon: X2, Y1, U1 */
	T_OK(tims_cstore_present(s, ms_of("2026-02-10", 12), 0, 10, &j, &err) == TIMS_OK,
	     "%s: present (%s)", label, err.msg);
	T_EQ_INT(json_integer_value(json_object_get(j, "total")), 3, "present: 3 in the country");
	T_OK(find_doc(json_object_get(j, "present"), "document", "X2") >= 0 &&
	     find_doc(json_object_get(j, "present"), "document", "Y1") >= 0 &&
	     find_doc(json_object_get(j, "present"), "document", "U1") >= 0 &&
	     find_doc(json_object_get(j, "present"), "document", "W1") < 0 &&
	     find_doc(json_object_get(j, "present"), "document", "Z1") < 0,
	     "present: X2, Y1, U1; not the corrected W1 nor the refused Z1");
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_present(s, ms_of("2026-01-05", 12), 1, 1, &j, &err) == TIMS_OK &&
	     json_integer_value(json_object_get(j, "total")) == 3 &&
	     json_array_size(json_object_get(j, "present")) == 1,
	     "%s: present on 2026-01-05 (X1, Y1, U1), paged one at a time", label);
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_present(s, 0, 0, 100000, &j, &err) == TIMS_ERR_INVALID,
	     "%s: a page past the limit is refused", label);

	/* overstays: Y1 since 2025-09-01 = 163 days in the window, 73 over;
	 * U1 is exempt; X2 is within the limit */
	T_OK(tims_cstore_overstays(s, on, &rs, 10, &j, &err) == TIMS_OK,
	     "%s: overstays (%s)", label, err.msg);
	T_EQ_INT(json_integer_value(json_object_get(j, "total")), 1, "overstays: one");
	T_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "overstays"),
								  0), "document")),
		 "Y1", "overstays: Y1");
	T_EQ_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "overstays"),
								   0), "overstay")), 73,
		 "overstays: Y1 is 73 days over");
	json_decref(j);
	j = NULL;

	/* counts */
	T_OK(tims_cstore_counts(s, "post", 0, INT64_MAX, &j, &err) == TIMS_OK,
	     "%s: counts by post (%s)", label, err.msg);
	/* W1's entry was corrected (into an exit): the correction stands for it */
	T_EQ_INT(json_integer_value(json_object_get(j, "total")), 8,
		 "counts: 8 in all (9 records, one corrected: counted once, by its correction)");
	T_EQ_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "groups"), 1),
						    "count")), 3, "counts: post-b 3");
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_counts(s, "post,day,direction", ms_of("2026-02-03", 0),
				ms_of("2026-02-04", 0), &j, &err) == TIMS_OK &&
	     json_array_size(json_object_get(j, "groups")) == 1 &&
	     json_integer_value(json_object_get(json_array_get(json_object_get(j, "groups"), 0),
						"count")) == 1 &&
	     !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j, "groups"),
								      0), "day")), "2026-02-03") &&
	     !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j, "groups"),
								      0), "direction")), "exit"),
	     "%s: counts by post, day and direction: post-a had 1 crossing on 2026-02-03, the "
	     "corrected one, an exit (not the entry it replaced as well)", label);
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_counts(s, "nationality,direction,decision", 0, INT64_MAX, &j, &err) ==
	     TIMS_OK, "%s: counts by three groupings", label);
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_counts(s, "post;DROP TABLE crossings", 0, 1, &j, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "by: unknown grouping") != NULL,
	     "%s: an unknown grouping is refused, never put into SQL (%s)", label, err.msg);
	T_OK(tims_cstore_counts(s, "post,post", 0, 1, &j, &err) == TIMS_ERR_INVALID,
	     "%s: a grouping twice is refused", label);
	T_OK(tims_cstore_count(s, NULL, &n, &err) == TIMS_OK && n == 9,
	     "%s: the table is still there with 9 records", label);

	/* reports (the dashboard's statistics): a corrected record counts once */
	{
		struct tims_report_query rq = { TIMS_REPORT_CROSSINGS, TIMS_REPORT_ALL,
						TIMS_REPORT_BY_POST, 0, 0 };
		struct got_report g;

		rq.from_day = day_of("2025-01-01");
		rq.to_day = day_of("2026-12-31");
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK,
		     "%s: report by post (%s)", label, err.msg);
		T_OK(g.total == 8 && g.n == 3 && !strcmp(g.r[0].post, "post-a") && g.r[0].count == 4,
		     "%s: report: 8 in all, post-a 4 (5 records, one corrected: counted once)", label);
		rq.period = TIMS_REPORT_MONTH;
		rq.by = TIMS_REPORT_BY_DIRECTION;
		rq.from_day = day_of("2026-01-15");
		rq.to_day = day_of("2026-02-28");
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK && g.n == 3 &&
		     !strcmp(g.r[0].period, "2026-02") && g.r[0].direction == 0 &&
		     g.r[0].count == 1 && g.r[1].direction == TIMS_DIR_ENTRY &&
		     g.r[1].count == 2 && g.r[2].direction == TIMS_DIR_EXIT && g.r[2].count == 1,
		     "%s: report by month and direction: 2026-02 has 2 entries and 1 exit (the "
		     "correction; the entry it replaced is not counted) and one erased before "
		     "sync (no direction), nothing before 01-15 (%s)", label, err.msg);
		rq.table = TIMS_REPORT_REFUSALS;
		rq.period = TIMS_REPORT_ALL;
		rq.by = TIMS_REPORT_BY_REASON | TIMS_REPORT_BY_NATIONALITY;
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK && g.n == 1 &&
		     !strcmp(g.r[0].reason, "E") && !strcmp(g.r[0].nationality, "SRB") &&
		     g.r[0].count == 1, "%s: refusals by reason: one E, SRB (%s)", label, err.msg);
		rq.table = TIMS_REPORT_CROSSINGS;
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_ERR_INVALID &&
		     !strncmp(err.msg, "by: reason is for the refusals table", 36),
		     "%s: a grouping of another table is refused naming by (%s)", label, err.msg);
		rq.by = 0;
		rq.period = TIMS_REPORT_DAY;
		rq.from_day = day_of("2025-01-01");
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_ERR_INVALID &&
		     !strncmp(err.msg, "period:", 7),
		     "%s: a daily report of two years is refused naming period (%s)", label, err.msg);
		rq.to_day = rq.from_day - 1;
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_ERR_INVALID &&
		     !strncmp(err.msg, "to:", 3), "%s: to before from is refused naming to", label);
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report_overstays(s, on, &rs, got_report_row, &g, &err) == TIMS_OK &&
		     g.n == 1 && !strcmp(g.r[0].nationality, "RUS") && g.r[0].count == 1,
		     "%s: overstays by nationality: one RUS, as the list says (%s)", label, err.msg);
	}
	/* vehicles (drivers), several refusal codes, hits by part */
	{
		static const struct row v = { "post-v", 0, "2030-03-01", 9, TIMS_DIR_ENTRY,
					      TIMS_DECISION_ADMIT, "V1", "SRB", "JOVIC", "ANA",
					      "1990-01-01", "SRB", NOC };
		struct tims_report_query rq = { TIMS_REPORT_VEHICLES, TIMS_REPORT_ALL,
						TIMS_REPORT_BY_COUNTRY, 0, 0 };
		struct got_report g;
		ok = 1;

		rq.from_day = rq.to_day = day_of("2030-03-01");
		T_OK(tims_cstore_begin(s, &err) == TIMS_OK, "%s: begin post-v", label);
		for (uint64_t i = 0; i < 5; i++) {
			make(&v, &rec);
			rec.time_ms += (int64_t)i * 60000;
			snprintf(rec.ref, sizeof(rec.ref), "v-%llu", (unsigned long long)i);
			if (i < 2) { /* a driver and a passenger of one car */
				rec.role = i == 0 ? TIMS_VROLE_DRIVER : TIMS_VROLE_PASSENGER;
				snprintf(rec.vehicle.plate, sizeof(rec.vehicle.plate), "BG123");
				snprintf(rec.vehicle.country, sizeof(rec.vehicle.country), "SRB");
			} else if (i == 2) {
				rec.decision = TIMS_DECISION_REFUSE;
				snprintf(rec.refusal_code, sizeof(rec.refusal_code), "B,E");
			} else if (i == 3) { /* hits on the document and the person */
				rec.decision = TIMS_DECISION_SECOND_LINE;
				rec.screen_status = TIMS_SCREEN_DONE;
				rec.nhits = 2;
				rec.hits[0].part = TIMS_HIT_DOCUMENT;
				rec.hits[1].part = TIMS_HIT_PERSON;
			} else {
				rec.decision = TIMS_DECISION_SECOND_LINE;
				rec.screen_status = TIMS_SCREEN_FAILED;
			}
			leaf_of("post-v", i, "s", leaf);
			if (tims_cstore_add(s, "post-v", i, (uint64_t)rec.time_ms, leaf, &rec, NULL, &err))
				ok = 0;
		}
		T_OK(ok && tims_cstore_commit(s, &err) == TIMS_OK, "%s: post-v added (%s)", label,
		     err.msg);
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK && g.n == 1 &&
		     !strcmp(g.r[0].country, "SRB") && g.r[0].count == 1,
		     "%s: vehicles: one car (its driver), registered in SRB, not its passenger (%s)",
		     label, err.msg);
		rq.table = TIMS_REPORT_REFUSALS;
		rq.by = TIMS_REPORT_BY_REASON;
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK && g.n == 2 &&
		     !strcmp(g.r[0].reason, "B") && g.r[0].count == 1 &&
		     !strcmp(g.r[1].reason, "E") && g.r[1].count == 1,
		     "%s: a refusal for B and E counts under each reason (%s)", label, err.msg);
		rq.table = TIMS_REPORT_HITS;
		rq.by = TIMS_REPORT_BY_KIND;
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK && g.n == 3 &&
		     !strcmp(g.r[0].kind, "document") && !strcmp(g.r[1].kind, "failed") &&
		     !strcmp(g.r[2].kind, "person") && g.total == 3,
		     "%s: hits by kind: document, person, and the failed screening (%s)", label,
		     err.msg);
		rq.table = TIMS_REPORT_CROSSINGS;
		rq.by = TIMS_REPORT_BY_DECISION;
		rq.period = TIMS_REPORT_YEAR;
		rq.from_day = day_of("2029-12-31");
		memset(&g, 0, sizeof(g));
		T_OK(tims_cstore_report(s, &rq, got_report_row, &g, &err) == TIMS_OK && g.total == 5 &&
		     !strcmp(g.r[0].period, "2030"), "%s: by year: 5 crossings in 2030 (%s)", label,
		     err.msg);
	}
	{
		unsigned by;

		T_OK(tims_report_by_parse("post,nationality", &by, &err) == TIMS_OK &&
		     by == (TIMS_REPORT_BY_POST | TIMS_REPORT_BY_NATIONALITY) &&
		     tims_report_by_parse("post;DROP", &by, &err) == TIMS_ERR_INVALID &&
		     tims_report_by_parse("post,", &by, &err) == TIMS_ERR_INVALID &&
		     tims_report_by_parse("post,post", &by, &err) == TIMS_ERR_INVALID,
		     "%s: report groupings parsed, unknown, trailing comma and repeats refused", label);
	}
	tims_cstore_close(s);

	/* reopening keeps everything (schema version checked) */
	T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK &&
	     tims_cstore_count(s, NULL, &n, &err) == TIMS_OK && n == 14,
	     "%s: reopened, 14 records (post-v's 5 too)", label);
	tims_cstore_set_vault(s, vault);
	/* A batch as the centre ingests it (no dup asked: PostgreSQL pipelines
	 * the inserts): duplicates pass, a different leaf fails the commit. */
	T_OK(tims_cstore_begin(s, &err) == TIMS_OK, "%s: batch: begin", label);
	ok = 1;
	for (uint64_t i = 0; i < 600; i++) {
		make(&rows[0], &rec);
		leaf_of("post-z", i, "s", leaf);
		ok &= tims_cstore_add(s, "post-z", i, (uint64_t)rec.time_ms, leaf, &rec, NULL,
				      &err) == TIMS_OK;
	}
	make(&rows[0], &rec);
	leaf_of("post-a", 0, "s", leaf);
	ok &= tims_cstore_add(s, "post-a", 0, (uint64_t)rec.time_ms, leaf, &rec, NULL, &err) ==
	      TIMS_OK;
	T_OK(ok && tims_cstore_commit(s, &err) == TIMS_OK, "%s: batch: 600 records and a "
	     "duplicate committed (%s)", label, err.msg);
	T_OK(tims_cstore_count(s, "post-z", &n, &err) == TIMS_OK && n == 600,
	     "%s: batch: all 600 stored, the duplicate not", label);
	T_OK(tims_cstore_begin(s, &err) == TIMS_OK, "%s: batch: begin again", label);
	leaf_of("post-z", 700, "s", leaf);
	tims_cstore_add(s, "post-z", 700, (uint64_t)rec.time_ms, leaf, &rec, NULL, &err);
	leaf_of("post-z", 5, "other", leaf);
	rc = tims_cstore_add(s, "post-z", 5, (uint64_t)rec.time_ms, leaf, &rec, NULL, &err);
	if (rc == TIMS_OK)
		rc = tims_cstore_commit(s, &err);
	else
		tims_cstore_rollback(s);
	T_OK(rc == TIMS_ERR_TAMPER && strstr(err.msg, "post-z 5"),
	     "%s: batch: a different entry at a taken index fails it (%s)", label, err.msg);
	T_OK(tims_cstore_count(s, "post-z", &n, &err) == TIMS_OK && n == 600,
	     "%s: batch: and nothing of it is stored", label);
	gaps(s, &rs, label);
	T_OK(tims_cstore_wipe(s, &err) == TIMS_OK, "%s: wiped for the search", label);
	search(s, label);
	T_OK(tims_cstore_wipe(s, &err) == TIMS_OK &&
	     tims_cstore_count(s, NULL, &n, &err) == TIMS_OK && n == 0, "%s: wipe empties it",
	     label);
	tims_cstore_close(s);
}

/* Whether any of the files holds needle (bytes, as `grep -a -F` would). */
static int file_holds(const char *path, const char *needle)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 28);
	size_t n = strlen(needle);
	int found = 0;

	if (tims_read_file(path, b.max, &b, NULL) == TIMS_OK)
		for (size_t i = 0; !found && i + n <= b.len; i++)
			found = !memcmp(b.buf + i, needle, n);
	tims_buf_release(&b);
	return found;
}

static int store_holds(const char *dir, const char *needle)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/rest.db", dir);
	if (file_holds(p, needle))
		return 1;
	snprintf(p, sizeof(p), "%s/rest.db-wal", dir);
	return file_holds(p, needle);
}

static int sql_run(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The national search by document and issuer finds a crossing whatever
 * spelling of its state either side uses (tims_mrz_state_spellings): the
 * booth stored a German passport's MRZ "D", the officer asks for "DEU";
 * the same number of another state (DNK) or of UNMIK (UNK) stays apart. */
static void issuer_spellings(const char *dir)
{
	static const struct row kr[] = {
		{ "post-k", 0, "2026-02-01", 9, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "DG1", "D",
		  "MUELLER", "HANS", "1970-02-02", "D", NOC },
		{ "post-k", 1, "2026-02-01", 10, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "DG1", "DNK",
		  "HANSEN", "LARS", "1971-03-03", "DNK", NOC },
		{ "post-k", 2, "2026-02-01", 11, TIMS_DIR_ENTRY, TIMS_DECISION_ADMIT, "KS1", "RKS",
		  "KRASNIQI", "ARTA", "1990-04-04", "RKS", NOC },
		/* the German's exit, the state typed as DEU */
		{ "post-k", 3, "2026-02-05", 9, TIMS_DIR_EXIT, TIMS_DECISION_ADMIT, "DG1", "DEU",
		  "MUELLER", "HANS", "1970-02-02", "DEU", NOC },
	};
	static const struct {
		const char *doc, *issuer;
		size_t n;
	} c[] = {
		{ "DG1", "DEU", 2 }, { "DG1", "D", 2 }, { "DG1", "DNK", 1 }, { "DG1", NULL, 3 },
		{ "KS1", "XKX", 1 }, { "KS1", "UNK", 0 }, { "DG1", "DE", 0 },
	};
	struct tims_stay_regimes rs;
	struct tims_cstore *s = NULL;
	struct tims_record rec;
	struct tims_err err;
	char uri[600], path[512];
	uint8_t leaf[32];

	tims_stay_regimes_parse("default short-stay 90 180\n", 27, &rs, NULL);
	snprintf(path, sizeof(path), "%s/spell.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	if (!T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK, "spellings: opens (%s)", err.msg))
		return;
	tims_cstore_set_vault(s, vault);
	tims_cstore_begin(s, &err);
	for (size_t i = 0; i < sizeof(kr) / sizeof(kr[0]); i++) {
		make(&kr[i], &rec);
		leaf_of(kr[i].origin, kr[i].idx, "k", leaf);
		tims_cstore_add(s, kr[i].origin, kr[i].idx, (uint64_t)rec.time_ms, leaf, &rec,
				NULL, &err);
	}
	T_OK(tims_cstore_commit(s, &err) == TIMS_OK, "spellings: 4 records (%s)", err.msg);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t *j = NULL;

		T_OK(tims_cstore_history_doc(s, c[i].doc, c[i].issuer, day_of("2026-02-10"), &rs, &j,
					     &err) == TIMS_OK &&
		     json_array_size(json_object_get(j, "crossings")) == c[i].n,
		     "spellings: %s of %s: %zu crossing(s) (%s)", c[i].doc,
		     c[i].issuer ? c[i].issuer : "any state", c[i].n, err.msg);
		json_decref(j);
	}
	{
		json_t *j = NULL, *l;
		int dnk = 0, d = 0;

		T_OK(tims_cstore_present(s, ms_of("2026-02-10", 0), 0, 10, &j, &err) == TIMS_OK,
		     "spellings: who is present (%s)", err.msg);
		l = json_object_get(j, "present");
		for (size_t i = 0; i < json_array_size(l); i++) {
			const char *is = json_string_value(json_object_get(json_array_get(l, i),
									    "issuer"));

			dnk += is && !strcmp(is, "DNK");
			d += is && !strcmp(is, "D");
		}
		T_OK(json_integer_value(json_object_get(j, "total")) == 2 && dnk == 1 && d == 0,
		     "spellings: an entry as D and an exit as DEU are one document's: not present; "
		     "the Dane of the same number and the Kosovar are (%lld)",
		     (long long)json_integer_value(json_object_get(j, "total")));
		json_decref(j);
	}
	tims_cstore_close(s);
	unlink(path);
}

/*
 * G8 at the centre's query store: names, document numbers and birth dates
 * are nowhere in the file or its WAL, the lookups by document and by
 * person still find them, a sealed record moved to another row does not
 * open (the query fails, never answers "no hit"), and a store of schema 1
 * (all in clear) is emptied securely at open.
 */
static void at_rest(const char *dir)
{
	static const char *const secrets[] = { "IVANOV", "PYOTR", "1975-01-01", "JOHN PAUL",
						"1980-04-02", "\xd0\x9f\xd0\x95\xd0\xa2\xd0\xa0", "O'BRIEN",
						"1990-05-05" };
	struct tims_stay_regimes rs;
	struct tims_cstore *s = NULL;
	struct tims_record rec;
	struct tims_err err;
	char uri[600], path[512];
	uint8_t leaf[32];
	uint64_t n = 0;
	json_t *j = NULL;
	int clean = 1;

	tims_stay_regimes_parse("default short-stay 90 180\n", 27, &rs, NULL);
	snprintf(path, sizeof(path), "%s/rest.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	if (!T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK, "at rest: opens (%s)", err.msg))
		return;
	tims_cstore_set_vault(s, vault);
	tims_cstore_begin(s, &err);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make(&rows[i], &rec);
		leaf_of(rows[i].origin, rows[i].idx, "s", leaf);
		tims_cstore_add(s, rows[i].origin, rows[i].idx, (uint64_t)rec.time_ms, leaf, &rec,
				NULL, &err);
	}
	T_OK(tims_cstore_commit(s, &err) == TIMS_OK, "at rest: 8 records stored (%s)", err.msg);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (store_holds(dir, secrets[i])) {
			printf("# query store holds \"%s\"\n", secrets[i]);
			clean = 0;
		}
	T_OK(clean, "at rest: no name, document number or birth date in query.db or its WAL");
	T_OK(tims_cstore_history_doc(s, "Y1", "RUS", day_of("2026-02-10"), &rs, &j, &err) ==
	     TIMS_OK && json_array_size(json_object_get(j, "crossings")) == 1 &&
	     !strcmp(json_string_value(json_object_get(json_object_get(json_object_get(
		     json_array_get(json_object_get(j, "crossings"), 0), "record"), "person"),
		     "surname")), "IVANOV"),
	     "at rest: found by document number, the record opened (%s)", err.msg);
	json_decref(j);
	j = NULL;
	T_OK(tims_cstore_history_person(s, "smith", "john paul", "1980-04-02", NULL,
					day_of("2026-02-10"), &rs, &j, &err) == TIMS_OK &&
	     json_array_size(json_object_get(j, "documents")) == 2,
	     "at rest: found by name and birth date, both passports (%s)", err.msg);
	json_decref(j);
	j = NULL;
	tims_cstore_close(s);
	/* someone with the file moves IVANOV's sealed record onto another row */
	T_OK(sql_run(path, "UPDATE crossings SET sealed = (SELECT sealed FROM crossings WHERE"
		     " origin = 'post-a' AND idx = 1) WHERE origin = 'post-a' AND idx = 0") == 0,
	     "at rest: a sealed record copied onto another row");
	tims_cstore_open(uri, &s, &err);
	tims_cstore_set_vault(s, vault);
	T_OK(tims_cstore_history_doc(s, "X1", "GBR", day_of("2026-02-10"), &rs, &j, &err) ==
	     TIMS_ERR_TAMPER && !j, "at rest: the moved record does not open: the query fails, "
	     "no partial answer (%s)", err.msg);
	tims_cstore_close(s);
	unlink(path);

	/* a store of schema 1, in clear */
	T_OK(sql_run(path, "PRAGMA journal_mode=WAL;"
		     "CREATE TABLE cs_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		     "INSERT INTO cs_meta VALUES ('schema', '1');"
		     "CREATE TABLE crossings (origin TEXT, idx BIGINT, surname TEXT, doc TEXT,"
		     " birth_date TEXT, record TEXT, PRIMARY KEY (origin, idx));"
		     "INSERT INTO crossings VALUES ('post-a', 0, 'OLDSURNAMEV1', 'OLDDOC4711',"
		     " '1961-07-07', '{}');") == 0 && store_holds(dir, "OLDSURNAMEV1"),
	     "at rest: a schema 1 store with a name in clear");
	T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK && tims_cstore_was_reset(s) &&
	     tims_cstore_count(s, NULL, &n, &err) == TIMS_OK && n == 0,
	     "at rest: schema 1 is emptied at open, to be refilled from the mirrors (%s)", err.msg);
	tims_cstore_close(s);
	T_OK(!store_holds(dir, "OLDSURNAMEV1") && !store_holds(dir, "OLDDOC4711") &&
	     !store_holds(dir, "1961-07-07"), "at rest: and nothing of it is left in the file");
	T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK && !tims_cstore_was_reset(s),
	     "at rest: a store of this schema (3) is kept as it is");
	tims_cstore_close(s);
	/* schema 2 had no search indexes (dob, skel): emptied and refilled
	 * from the mirrors the same way, so that every record can be found */
	T_OK(sql_run(path, "UPDATE cs_meta SET value = '2' WHERE key = 'schema'") == 0,
	     "at rest: made schema 2");
	T_OK(tims_cstore_open(uri, &s, &err) == TIMS_OK && tims_cstore_was_reset(s),
	     "at rest: a schema 2 store is emptied at open, to be refilled with its search "
	     "indexes (%s)", err.msg);
	tims_cstore_close(s);
}

int main(void)
{
	char dir[] = "/tmp/tims-cstore-XXXXXX", uri[512];
	const char *pg = getenv("TIMS_PG_CONNINFO");
	struct tims_cstore *s;
	struct tims_err err;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	/* the vault's token: TIMS_TOKEN (tests/run.sh, scripts/token.sh) */
	if (!T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK &&
		  tims_vault_open(dir, &vault, &err) == TIMS_OK, "the centre's vault (%s)", err.msg))
		return t_done();
	snprintf(uri, sizeof(uri), "sqlite:%s/query.db", dir);
	run(uri, "sqlite");
	at_rest(dir);
	issuer_spellings(dir);
	T_OK(tims_cstore_open("", &s, &err) == TIMS_ERR_USAGE, "an empty address is refused");
	T_OK(tims_cstore_open("pg:host=/nonexistent-socket-dir dbname=x connect_timeout=2", &s,
			      &err) == TIMS_ERR_DB && strstr(err.msg, "postgresql") != NULL,
	     "an unreachable PostgreSQL is a clear error (%s)", err.msg);
	if (pg && *pg) {
		snprintf(uri, sizeof(uri), "pg:%s", pg);
		run(uri, "postgresql");
	} else {
		printf("# postgresql: not configured, tested in tests/e2e/cstore.sh\n");
	}
	tims_vault_close(vault);
	snprintf(uri, sizeof(uri), "rm -rf '%s'", dir);
	if (system(uri) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
