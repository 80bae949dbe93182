/*
 * test_api.c — the centre's store of advance passenger information
 * (lib/api, tims/api.h): what an officer at the centre relies on when a
 * carrier sends a flight's list, sends it again, or sends a new one, and
 * when the law says it must go.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tims/api.h"
#include "tims/buf.h"
#include "tims/paxlst.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

#define HOUR 3600000LL

static struct tims_vault *vault;
static struct tims_wl *wl;
static struct tims_screen_index *ix;

static int holds(const char *buf, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(buf + i, needle, k))
			return 1;
	return 0;
}

struct pax { const char *sur, *giv, *dob, *nat, *doc; };

/* A PAXLST interchange (D:05B) of flight fno departing 2026-12-07 at dep
 * (HHMM), arriving at arr, prepared at prep (UNB's "YYMMDD:HHMM"). */
static void message_at(struct tims_buf *b, const char *prep, const char *fno, const char *dep,
		       const char *arr, const struct pax *p, size_t n)
{
	int segs = 0;

	tims_buf_reset(b);
	(void)tims_buf_addf(b, "UNA:+.? 'UNB+UNOA:4+JU:ZZ+ALBAPI:ZZ+%s+1'", prep);
	(void)tims_buf_addf(b, "UNH+1+PAXLST:D:05B:UN:IATA+%s/261207/%s+01:F'BGM+745'"
			       "TDT+20+%s'LOC+125+BEG'DTM+189:202612070%s:203'LOC+87+TIA'"
			       "DTM+232:20261207%s:203'", fno, arr, fno, dep + 1, arr);
	segs = 7; /* UNH to DTM+232 */
	for (size_t i = 0; i < n; i++) {
		(void)tims_buf_addf(b, "NAD+FL+++%s:%s'ATT+2++M'DTM+329:%s:102'NAT+2+%s'"
				       "DOC+P+%s'LOC+91+%s'", p[i].sur, p[i].giv, p[i].dob, p[i].nat,
				       p[i].doc, p[i].nat);
		segs += 6;
	}
	(void)tims_buf_addf(b, "CNT+42:%zu'UNT+%d+1'UNZ+1+1'", n, segs + 2);
}

static void message(struct tims_buf *b, const char *fno, const char *dep, const char *arr,
		    const struct pax *p, size_t n)
{
	message_at(b, "261207:0500", fno, dep, arr, p, n);
}

static const struct pax v1[] = {
	{ "KOSTOVA", "VERA", "19700102", "BGR", "BG1000001" },
	{ "SHCHERBAKOV", "YURIY", "19710412", "RUS", "RU2000002" },   /* wanted */
	{ "HOXHA", "ARBEN", "19850607", "ALB", "AL3000003" },          /* stolen passport */
};
static const struct pax v2[] = {
	{ "SHCHERBAKOV", "YURIY", "19710412", "RUS", "RU2000002" },
	{ "LEKA", "DRITA", "19900909", "ALB", "AL4000004" },
};

struct hits_seen { int n, fail; };

static tims_rc on_hit(void *ctx, const struct tims_api_flight_result *f, size_t traveller,
		      const struct tims_paxlst_traveller *t, const struct tims_api_screening *s,
		      struct tims_err *err)
{
	struct hits_seen *h = ctx;

	(void)f;
	(void)traveller;
	(void)t;
	(void)s;
	h->n++;
	return h->fail ? tims_err_set(err, TIMS_ERR_DB, "the alert queue is gone") : TIMS_OK;
}

/* parse, screen, store */
static tims_rc import(struct tims_api *a, const struct tims_buf *b, int64_t now,
		      struct hits_seen *h, struct tims_api_import_result *res,
		      struct tims_err *err)
{
	struct tims_api_screening *s;
	struct tims_api_screener *sc;
	struct tims_paxlst p;
	uint8_t sha[32];
	tims_rc rc;

	crypto_hash_sha256(sha, (const unsigned char *)b->buf, b->len);
	if ((rc = tims_paxlst_parse(b->buf, b->len, NULL, &p, err)))
		return rc;
	s = calloc(p.n, sizeof(*s));
	if (!(rc = tims_api_screener_new(wl, ix, &sc, err))) {
		for (size_t i = 0; !rc && i < p.n; i++)
			rc = tims_api_screen(sc, &p.t[i], &s[i], err);
		tims_api_screener_free(sc);
	}
	if (!rc)
		rc = tims_api_store(a, sha, now, &p, s, on_hit, h, res, err);
	free(s);
	tims_paxlst_release(&p);
	return rc;
}

static int64_t count(const char *dir, const char *sql)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	snprintf(path, sizeof(path), "%s/api.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

struct trav_seen { int n, hits; char first[400], hit_ref[70]; uint64_t list_version; };

static tims_rc on_trav(void *ctx, const struct tims_api_traveller *t)
{
	struct trav_seen *s = ctx;

	if (!s->n)
		snprintf(s->first, sizeof(s->first), "%s %s %s", t->surname, t->given_names,
			 t->document_number);
	s->n++;
	if (t->screening.status == TIMS_API_HIT) {
		s->hits++;
		if (!s->hit_ref[0] && t->screening.nhits) {
			snprintf(s->hit_ref, sizeof(s->hit_ref), "%s", t->screening.hits[0].ref);
			s->list_version = t->screening.hits[0].list_version;
		}
	}
	return TIMS_OK;
}

struct ver_seen { int n; int64_t superseded[4]; int late[4]; char prepared[4][40]; };

static tims_rc on_ver(void *ctx, const struct tims_api_version *v)
{
	struct ver_seen *s = ctx;

	if (s->n < 4) {
		s->superseded[s->n] = v->superseded_ms;
		s->late[s->n] = v->late;
		snprintf(s->prepared[s->n], sizeof(s->prepared[0]), "%s", v->prepared);
	}
	s->n++;
	return TIMS_OK;
}

static void setup_watchlists(const char *dir)
{
	static const char persons[] = "ref,name,dob,nationality,sex,alert\n"
				      "W-1,\"SHCHERBAKOV, Yuriy\",1971-04-12,RUS,M,wanted\n";
	static const char docs[] = "{\"ref\":\"S-1\",\"number\":\"AL3000003\",\"issuing_state\":\"ALB\","
				   "\"status\":\"stolen\"}\n";
	struct tims_wl_import_opts o = { "wanted", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, -1,
					 NULL, NULL };
	struct tims_wl_import_result r;
	struct tims_err err;
	char wdir[512];

	snprintf(wdir, sizeof(wdir), "%s/watchlists", dir);
	T_OK(tims_wl_open(wdir, true, &wl, &err) == TIMS_OK &&
	     tims_wl_import(wl, &o, persons, strlen(persons), NULL, NULL, &r, &err) == TIMS_OK,
	     "a person list (%s)", err.msg);
	o.list = "sltd";
	o.kind = TIMS_WL_DOCUMENTS;
	o.format = TIMS_WL_JSONL;
	T_OK(tims_wl_import(wl, &o, docs, strlen(docs), NULL, NULL, &r, &err) == TIMS_OK &&
	     tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "a document list, loaded (%s)", err.msg);
}

int main(void)
{
	char dir[] = "/tmp/tims-api-XXXXXX";
	struct tims_buf m1 = TIMS_BUF_INIT(1 << 20), m2 = TIMS_BUF_INIT(1 << 20),
			m3 = TIMS_BUF_INIT(1 << 20);
	struct tims_api_import_result *res = calloc(1, sizeof(*res));
	struct tims_api_retention ret;
	struct tims_api_flight f;
	struct tims_api *a = NULL;
	struct hits_seen h = { 0, 0 };
	struct trav_seen ts;
	struct ver_seen vs;
	struct tims_err err;
	int64_t t0 = 1796547600000LL; /* 2026-12-07T08:20Z */
	tims_rc rc;

	if (sodium_init() < 0 || !mkdtemp(dir) || !res)
		return 1;
	if (!T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK &&
		  tims_vault_open(dir, &vault, &err) == TIMS_OK, "the centre's vault (%s)", err.msg))
		return t_done();
	setup_watchlists(dir);
	T_OK(tims_api_open(dir, vault, &a, &err) == TIMS_OK, "api.db opens (%s)", err.msg);

	/* version 1: three travellers, two on the lists */
	message(&m1, "JU123", "0600", "0740", v1, 3);
	rc = import(a, &m1, t0, &h, res, &err);
	T_OK(rc == TIMS_OK && res->nflights == 1 && res->f[0].version == 1 && !res->f[0].replay &&
	     res->travellers == 3 && res->hits == 2 && res->stored == 3 && h.n == 2,
	     "a flight's first list: version 1, 3 travellers, the wanted person and the stolen "
	     "passport hit, each passed on for an alert (%s)", err.msg);
	T_EQ_STR(res->f[0].flight, "JU123", "the flight: carrier and number");
	T_EQ_STR(res->f[0].date, "2026-12-07", "its scheduled departure date");

	/* the same bytes again */
	h.n = 0;
	rc = import(a, &m1, t0 + 1000, &h, res, &err);
	T_OK(rc == TIMS_OK && res->f[0].replay && res->stored == 0 && h.n == 0 &&
	     count(dir, "SELECT COUNT(*) FROM versions") == 1 &&
	     count(dir, "SELECT COUNT(*) FROM travellers") == 3,
	     "an exact replay is recognised: nothing stored twice, no second alert");

	/* a new list for the flight */
	message(&m2, "JU 123", "0600", "0810", v2, 2);
	rc = import(a, &m2, t0 + HOUR, &h, res, &err);
	T_OK(rc == TIMS_OK && res->f[0].version == 2 && res->f[0].replaced && !res->f[0].replay &&
	     res->travellers == 2 && res->hits == 1,
	     "a new version replaces the current one (flight written with a space) (%s)", err.msg);
	T_OK(tims_api_flight_get(a, "JU123", "2026-12-07", &f, &err) == TIMS_OK && f.current == 2 &&
	     f.versions == 2 && f.travellers == 2 && !strcmp(f.arrival_time, "2026-12-07T08:10"),
	     "the flight's current list is version 2, with its new arrival time");
	memset(&vs, 0, sizeof(vs));
	T_OK(tims_api_versions(a, f.id, on_ver, &vs, &err) == TIMS_OK && vs.n == 2 &&
	     vs.superseded[0] == t0 + HOUR && vs.superseded[1] == 0,
	     "history: version 1 kept, superseded when version 2 was received");
	memset(&ts, 0, sizeof(ts));
	T_OK(tims_api_travellers(a, f.id, 1, on_trav, &ts, &err) == TIMS_OK && ts.n == 3 &&
	     ts.hits == 2 && !strcmp(ts.first, "KOSTOVA VERA BG1000001"),
	     "version 1's travellers read back from the vault, with their screening (%s)", err.msg);
	memset(&ts, 0, sizeof(ts));
	T_OK(tims_api_travellers(a, f.id, 0, on_trav, &ts, &err) == TIMS_OK && ts.n == 2 &&
	     ts.hits == 1 && !strcmp(ts.hit_ref, "W-1") && ts.list_version == 1,
	     "the current list: the hit with its entry and the list version screened against");

	/* at rest: no name or document number in clear in the files (the
	 * flight number, in clear, shows the bytes read are the data) */
	{
		static const char *const files[] = { "api.db", "api.db-wal" };
		char path[512], *buf = malloc(1 << 23);
		size_t n = 0;

		for (size_t k = 0; buf && k < 2; k++) {
			FILE *fp;

			snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
			if ((fp = fopen(path, "rb"))) {
				n += fread(buf + n, 1, (1 << 23) - n, fp);
				fclose(fp);
			}
		}
		T_OK(buf && holds(buf, n, "JU123") && !holds(buf, n, "KOSTOVA") &&
		     !holds(buf, n, "SHCHERBAKOV") && !holds(buf, n, "RU2000002"),
		     "api.db and its WAL hold the flight but no traveller's name or document "
		     "number in clear");
		free(buf);
	}
	/* someone with the file swaps two travellers' sealed fields: refused */
	{
		char path[512];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/api.db", dir);
		if (sqlite3_open(path, &db) == SQLITE_OK) {
			sqlite3_exec(db, "CREATE TEMP TABLE s AS SELECT sealed FROM travellers WHERE id = 1;"
				     "UPDATE travellers SET sealed = (SELECT sealed FROM travellers WHERE"
				     " id = 2) WHERE id = 1;"
				     "UPDATE travellers SET sealed = (SELECT sealed FROM s) WHERE id = 2",
				     NULL, NULL, NULL);
			sqlite3_close(db);
		}
		memset(&ts, 0, sizeof(ts));
		T_OK(tims_api_travellers(a, f.id, 1, on_trav, &ts, &err) == TIMS_ERR_TAMPER,
		     "a traveller's sealed fields moved to another row do not open (%s)", err.msg);
		if (sqlite3_open(path, &db) == SQLITE_OK) { /* swapped back */
			sqlite3_exec(db, "CREATE TEMP TABLE s AS SELECT sealed FROM travellers WHERE id = 1;"
				     "UPDATE travellers SET sealed = (SELECT sealed FROM travellers WHERE"
				     " id = 2) WHERE id = 1;"
				     "UPDATE travellers SET sealed = (SELECT sealed FROM s) WHERE id = 2",
				     NULL, NULL, NULL);
			sqlite3_close(db);
		}
	}

	/* version 1 sent again after version 2 */
	rc = import(a, &m1, t0 + 2 * HOUR, &h, res, &err);
	T_OK(rc == TIMS_OK && res->f[0].replay && res->f[0].version == 1 &&
	     tims_api_flight_get(a, "JU123", "2026-12-07", &f, &err) == TIMS_OK && f.current == 2,
	     "an old version sent again is a replay and does not become current");

	/* an alert that cannot be raised: nothing of the file stays */
	message(&m3, "W64321", "0700", "0900", v1, 3);
	h.fail = 1;
	rc = import(a, &m3, t0, &h, res, &err);
	h.fail = 0;
	T_OK(rc == TIMS_ERR_DB && count(dir, "SELECT COUNT(*) FROM flights") == 1 &&
	     count(dir, "SELECT COUNT(*) FROM versions") == 2,
	     "a hit whose alert fails rolls the whole file back (%s)", err.msg);
	/* the same flight without a hit: retention erases it whole */
	message(&m3, "W64321", "0700", "0900", v1, 1);
	T_OK(import(a, &m3, t0, &h, res, &err) == TIMS_OK && res->hits == 0, "a flight without hits");

	/* quarantined lists: no screening, never "no hits" */
	{
		struct tims_api_screener *sc;
		struct tims_api_screening s;
		struct tims_paxlst p;

		if (!T_OK(tims_paxlst_parse(m3.buf, m3.len, NULL, &p, &err) == TIMS_OK &&
			  tims_wl_quarantine(wl, "sltd", "digest mismatch", &err) == TIMS_OK &&
			  tims_api_screener_new(wl, ix, &sc, &err) == TIMS_OK, "a list quarantined"))
			return t_done();
		T_OK(tims_api_screen(sc, &p.t[0], &s, &err) != TIMS_OK && s.status != TIMS_API_CLEAR &&
		     strstr(err.msg, "sltd"), "screening fails closed, naming the list (%s)", err.msg);
		T_OK(tims_wl_quarantine(wl, "sltd", NULL, &err) == TIMS_OK, "quarantine lifted");
		tims_api_screener_free(sc);
		tims_paxlst_release(&p);
	}

	/* retention: 48 hours after arrival, unless a hit */
	T_OK(tims_api_retention(a, t0 - 1, 0, &ret, &err) == TIMS_OK && ret.erased == 0 &&
	     ret.kept_recent == 6, "before arrival, nothing is due");
	T_OK(tims_api_retention(a, t0 + 48 * HOUR, 1, &ret, &err) == TIMS_OK && ret.erased == 3 &&
	     ret.kept_hits == 3 && count(dir, "SELECT COUNT(*) FROM travellers") == 6,
	     "a dry run counts 3 due and 3 kept for their hits, and erases nothing");
	T_OK(tims_api_retention(a, t0 + 48 * HOUR, 0, &ret, &err) == TIMS_OK && ret.erased == 3 &&
	     ret.kept_hits == 3 && ret.flights == 1 && ret.oldest_kept_ms > 0 &&
	     ret.oldest_kept_ms < INT64_MAX, "48 hours after: the travellers without a hit are "
	     "erased, the flight without hits goes whole (%s)", err.msg);
	T_OK(count(dir, "SELECT COUNT(*) FROM travellers WHERE status = 2") == 3 &&
	     count(dir, "SELECT COUNT(*) FROM travellers") == 3 &&
	     count(dir, "SELECT COUNT(*) FROM flights") == 1,
	     "the travellers with a hit are kept, with their flight");
	memset(&ts, 0, sizeof(ts));
	T_OK(tims_api_flight_get(a, "JU123", "2026-12-07", &f, &err) == TIMS_OK &&
	     tims_api_travellers(a, f.id, 1, on_trav, &ts, &err) == TIMS_OK && ts.n == 2 &&
	     ts.hits == 2, "and still read back from the vault");

	/* Lists of one flight prepared in one order and received in another
	 * (UNB's preparation date and time): the newest prepared stays current. */
	message_at(&m3, "261207:0700", "JU900", "0600", "0740", v2, 2);
	h.n = 0;
	rc = import(a, &m3, t0, &h, res, &err);
	T_OK(rc == TIMS_OK && res->f[0].version == 1 &&
	     !res->f[0].late && !strcmp(res->f[0].prepared, "2026-12-07T07:00"),
	     "a list prepared at 07:00 is version 1, its preparation time read from UNB (%s, '%s')",
	     err.msg, res->f[0].prepared);
	message_at(&m2, "261207:0630", "JU900", "0600", "0740", v1, 3);
	h.n = 0;
	rc = import(a, &m2, t0 + HOUR, &h, res, &err);
	T_OK(rc == TIMS_OK && res->f[0].version == 2 && res->f[0].late && !res->f[0].replaced &&
	     !res->f[0].replay && res->travellers == 3 && res->hits == 2 && h.n == 2,
	     "one prepared at 06:30 that arrives after it is stored as version 2, late, and its "
	     "2 hits are still passed on for alerts (%s)", err.msg);
	T_OK(tims_api_flight_get(a, "JU900", "2026-12-07", &f, &err) == TIMS_OK && f.current == 1 &&
	     f.versions == 2 && f.travellers == 2,
	     "the flight's current list is still version 1, the newer one (current %u)", f.current);
	memset(&vs, 0, sizeof(vs));
	T_OK(tims_api_versions(a, f.id, on_ver, &vs, &err) == TIMS_OK && vs.n == 2 &&
	     vs.superseded[0] == 0 && !vs.late[0] && vs.superseded[1] == t0 + HOUR && vs.late[1] &&
	     !strcmp(vs.prepared[1], "2026-12-07T06:30"),
	     "history: version 2 is late, superseded from its receipt, with its preparation time");
	message_at(&m2, "261207:0800", "JU900", "0600", "0740", v1, 1);
	T_OK(import(a, &m2, t0 + 2 * HOUR, &h, res, &err) == TIMS_OK && res->f[0].version == 3 &&
	     !res->f[0].late && res->f[0].replaced &&
	     tims_api_flight_get(a, "JU900", "2026-12-07", &f, &err) == TIMS_OK && f.current == 3 &&
	     f.travellers == 1, "one prepared at 08:00 replaces the current one");
	/* a preparation time that cannot be read orders nothing: arrival decides */
	message_at(&m2, "261399:0500", "JU900", "0600", "0740", v2, 2);
	{
		struct tims_paxlst p;

		rc = tims_paxlst_parse(m2.buf, m2.len, NULL, &p, &err);
		T_OK(rc == TIMS_OK && p.n == 2 &&
		     !strcmp(p.t[0].prepared, "2613990500") && p.t[0].nwarnings == 1 &&
		     strstr(tims_paxlst_warning(&p, &p.t[0], 0), "UNB preparation date"),
		     "an impossible preparation date (month 13) is kept as sent, with a warning "
		     "naming it ('%s')", rc == TIMS_OK && p.n ? p.t[0].prepared : "");
		if (rc == TIMS_OK)
			tims_paxlst_release(&p);
	}
	T_OK(import(a, &m2, t0 + 3 * HOUR, &h, res, &err) == TIMS_OK && res->f[0].version == 4 &&
	     !res->f[0].late && res->f[0].replaced && !res->f[0].prepared[0] &&
	     tims_api_flight_get(a, "JU900", "2026-12-07", &f, &err) == TIMS_OK && f.current == 4,
	     "a list without a readable preparation time is current by its arrival");
	/* syntax version 4's CCYYMMDD */
	message_at(&m2, "20261207:0915", "JU901", "0600", "0740", v2, 1);
	{
		struct tims_paxlst p;

		rc = tims_paxlst_parse(m2.buf, m2.len, NULL, &p, &err);
		T_OK(rc == TIMS_OK && p.n == 1 &&
		     !strcmp(p.t[0].prepared, "2026-12-07T09:15") && p.t[0].nwarnings == 0,
		     "a CCYYMMDD preparation date reads as 2026-12-07T09:15 ('%s')",
		     rc == TIMS_OK && p.n ? p.t[0].prepared : "");
		if (rc == TIMS_OK)
			tims_paxlst_release(&p);
	}

	/* a flight with no usable departure date is refused */
	message(&m3, "OS777", "07x0", "0900", v2, 1);
	{
		struct tims_api_import_result r2;

		rc = import(a, &m3, t0, &h, &r2, &err);
	}
	T_OK(rc != TIMS_OK && strstr(err.msg, "segment") != NULL, "a list whose departure date "
	     "cannot be read is refused, naming the segment (%s)", err.msg);

	tims_api_close(a);
	/* a store of schema 1 (before the preparation time) is migrated: its
	 * versions have none, and are not late */
	{
		char path[512];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/api.db", dir);
		if (sqlite3_open(path, &db) == SQLITE_OK) {
			sqlite3_exec(db, "ALTER TABLE versions DROP COLUMN prepared;"
				     "ALTER TABLE versions DROP COLUMN late;PRAGMA user_version = 1",
				     NULL, NULL, NULL);
			sqlite3_close(db);
		}
		T_OK(count(dir, "PRAGMA user_version") == 1, "a store of schema 1 made");
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_api_open(dir, vault, &a, &err) == TIMS_OK &&
		     tims_api_flight_get(a, "JU900", "2026-12-07", &f, &err) == TIMS_OK &&
		     tims_api_versions(a, f.id, on_ver, &vs, &err) == TIMS_OK && vs.n == 4 &&
		     !vs.late[1] && !vs.prepared[1][0] && count(dir, "PRAGMA user_version") == 2,
		     "opened, it is migrated to schema 2 (%s)", err.msg);
		tims_api_close(a);
	}
	/* a store of a newer schema is refused untouched */
	{
		char path[512];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/api.db", dir);
		if (sqlite3_open(path, &db) == SQLITE_OK) {
			sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
			sqlite3_close(db);
		}
		T_OK(tims_api_open(dir, vault, &a, &err) != TIMS_OK && strstr(err.msg, "newer"),
		     "api.db made by a newer TIMS is refused (%s)", err.msg);
	}
	tims_buf_release(&m1);
	tims_buf_release(&m2);
	tims_buf_release(&m3);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	tims_vault_close(vault);
	free(res);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
