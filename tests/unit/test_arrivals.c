/*
 * test_arrivals.c — the reports after arrival (tims/arrivals.h): who on a
 * flight's current list did not cross at the airport's posts within N
 * hours of its expected arrival, and who crossed there on no list. The
 * lists are imported as the centre imports them (lib/api), the crossings
 * added to a query store as the centre indexes them (blind indexes under
 * the same vault); the failures a report must not hide (an airport with
 * no post, a store that cannot be read, a traveller the vault cannot
 * open) are errors, never an empty report.
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "t.h"
#include "tims/api.h"
#include "tims/arrivals.h"
#include "tims/buf.h"
#include "tims/centre.h"
#include "tims/cstore.h"
#include "tims/paxlst.h"
#include "tims/record.h"
#include "tims/tz.h"
#include "tims/util.h"
#include "tims/vault.h"

#define HOUR 3600000LL
#define DAY_MS 86400000LL

static struct tims_vault *vault;

struct pax { const char *role, *sur, *giv, *nat, *doc, *issuer; };

/* One PAXLST interchange (D:05B): flight fl from BEG departing at dep,
 * arriving at TIA at arr (CCYYMMDDHHMM, local times), prepared at prep. */
static void message_at(struct tims_buf *b, const char *prep, const char *fl, const char *dep,
		       const char *arr, const struct pax *p, size_t n)
{
	int segs = 7;
	size_t pas = 0, crew = 0;

	tims_buf_reset(b);
	(void)tims_buf_addf(b, "UNA:+.? 'UNB+UNOA:4+JU:ZZ+ALBAPI:ZZ+%s+1'", prep);
	(void)tims_buf_addf(b, "UNH+1+PAXLST:D:05B:UN:IATA+%s/%.6s/1000+01:F'BGM+745'"
			       "TDT+20+%s'LOC+125+BEG'DTM+189:%s:203'LOC+87+TIA'"
			       "DTM+232:%s:203'", fl, dep + 2, fl, dep, arr);
	for (size_t i = 0; i < n; i++) {
		(void)tims_buf_addf(b, "NAD+%s+++%s:%s'ATT+2++M'DTM+329:19800101:102'NAT+2+%s'"
				       "DOC+P+%s'LOC+91+%s'", p[i].role, p[i].sur, p[i].giv, p[i].nat,
				       p[i].doc, p[i].issuer);
		segs += 6;
		if (!strcmp(p[i].role, "FM") || !strcmp(p[i].role, "DDU"))
			crew++;
		else
			pas++;
	}
	(void)tims_buf_addf(b, "CNT+42:%zu'", pas);
	segs++;
	if (crew) {
		(void)tims_buf_addf(b, "CNT+41:%zu'", crew);
		segs++;
	}
	(void)tims_buf_addf(b, "UNT+%d+1'UNZ+1+1'", segs + 1);
}

/* flight JU123 from BEG departing 2026-12-07 06:00, arriving at TIA at 10:00 */
static void message(struct tims_buf *b, const char *prep, const struct pax *p, size_t n)
{
	message_at(b, prep, "JU123", "202612070600", "202612071000", p, n);
}

static tims_rc import(struct tims_api *a, const struct tims_buf *b, int64_t now,
		      struct tims_err *err)
{
	struct tims_api_import_result *res = calloc(1, sizeof(*res));
	struct tims_api_screening *s;
	struct tims_paxlst p;
	uint8_t sha[32];
	tims_rc rc;

	crypto_hash_sha256(sha, (const unsigned char *)b->buf, b->len);
	if ((rc = tims_paxlst_parse(b->buf, b->len, NULL, &p, err))) {
		free(res);
		return rc;
	}
	s = calloc(p.n, sizeof(*s));
	for (size_t i = 0; i < p.n; i++)
		s[i].status = TIMS_API_CLEAR;
	if (p.n > 1) { /* the second traveller has a hit: the report says so */
		s[1].status = TIMS_API_HIT;
		s[1].nhits = 1;
	}
	rc = tims_api_store(a, sha, now, &p, s, NULL, NULL, res, err);
	free(s);
	free(res);
	tims_paxlst_release(&p);
	return rc;
}

/* A crossing of doc (issuer) at origin, entry or exit, at ms. */
static tims_rc cross(struct tims_cstore *s, const char *origin, uint64_t idx, int64_t ms,
		     int dir, const char *doc, const char *issuer, const char *surname,
		     struct tims_err *err)
{
	struct tims_record r;
	uint8_t leaf[32];
	char salt[64];

	tims_record_init(&r);
	r.direction = (uint8_t)dir;
	r.time_ms = ms;
	snprintf(r.ref, sizeof(r.ref), "%s-%llu", origin, (unsigned long long)idx);
	snprintf(r.officer, sizeof(r.officer), "O1");
	snprintf(r.booth, sizeof(r.booth), "B1");
	snprintf(r.person.doc_code, sizeof(r.person.doc_code), "P");
	snprintf(r.person.issuer, sizeof(r.person.issuer), "%s", issuer);
	snprintf(r.person.doc_number, sizeof(r.person.doc_number), "%s", doc);
	snprintf(r.person.surname, sizeof(r.person.surname), "%s", surname);
	snprintf(r.person.given_names, sizeof(r.person.given_names), "TEST");
	snprintf(r.person.nationality, sizeof(r.person.nationality), "%s", issuer);
	snprintf(r.person.birth_date, sizeof(r.person.birth_date), "1980-01-01");
	r.decision = TIMS_DECISION_ADMIT;
	snprintf(salt, sizeof(salt), "%s/%llu", origin, (unsigned long long)idx);
	crypto_hash_sha256(leaf, (const unsigned char *)salt, strlen(salt));
	return tims_cstore_add(s, origin, idx, (uint64_t)ms, leaf, &r, NULL, err);
}

static const struct tims_arrivals_noshow *noshow_of(const struct tims_arrivals_report *r,
						    const char *surname)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->noshow[i].surname, surname))
			return &r->noshow[i];
	return NULL;
}

static const struct tims_arrivals_unlisted *unlisted_of(const struct tims_arrivals_report *r,
							const char *surname)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->unlisted[i].surname, surname))
			return &r->unlisted[i];
	return NULL;
}

static void test_map(void)
{
	struct tims_arrivals_map m;
	struct tims_arrivals_query q;
	struct tims_err err;
	const char good[] = "# Tirana and Kukës\nTIA = tia-hall-a  tia-hall-b\r\n\n  KFZ=kukes\n";
	static const char *const bad[][2] = {
		{ "tia = x\n", "airport" },            /* lower case */
		{ "TIAX = x\n", "airport" },
		{ "TIA x\n", "want CODE" },
		{ "TIA =\n", "airport TIA: no post" },
		{ "TIA = a\nTIA = b\n", "named twice" },
		{ "TIA = a b c d e f g h i\n", "at most" },
		{ "TIA = a\x01\n", "control" },
		{ "TIA = caf\xc3\xa9\n", "ASCII" },
		{ "TIA = a\nTIA zone = Europe/Tirana\n", "airport TIA: zone: 'Europe/Tirana' is no" },
		{ "TIA = a\nTIA zone = GMT+01:00\n", "no known time zone" },
		{ "TIA = a\nTIA zone = UTC\nTIA zone = UTC\n", "zone named twice" },
		{ "TIA zone = UTC\n", "airport TIA: a zone but no post" },
		{ "TIA tz = UTC\n", "want CODE" },
		{ "TIA = a\nTIA zone =\n", "zone: want" },
	};
	const char zoned[] = "TIA zone = Europe/Tirane\nTIA = a b\nKFZ = k\nKFZ zone=Europe/Tirane \n"
			     "BEG = beg\n";

	T_OK(tims_arrivals_map_parse(good, strlen(good), "airports.conf", &m, &err) == TIMS_OK &&
	     m.n == 2 && m.a[0].nposts == 2 && !strcmp(m.a[0].posts[1], "tia-hall-b") &&
	     !strcmp(m.a[1].code, "KFZ") && !strcmp(m.a[1].posts[0], "kukes") &&
	     tims_arrivals_map_find(&m, "KFZ") == &m.a[1] && !tims_arrivals_map_find(&m, "TIR"),
	     "an airports map is read: two airports, their posts (%s)", err.msg);
	T_OK(tims_arrivals_map_parse(zoned, strlen(zoned), "airports.conf", &m, &err) == TIMS_OK &&
	     m.n == 3 && !strcmp(m.a[0].zone, "Europe/Tirane") && m.a[0].nposts == 2 &&
	     !strcmp(m.a[1].zone, "Europe/Tirane") && m.a[1].nposts == 1 && !m.a[2].zone[0],
	     "a zone line before or after the airport's posts; an airport without one (%s)",
	     err.msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_OK(tims_arrivals_map_parse(bad[i][0], strlen(bad[i][0]), "airports.conf", &m,
					     &err) != TIMS_OK && strstr(err.msg, bad[i][1]) &&
		     strstr(err.msg, "airports.conf:") && m.n == 0,
		     "a bad map line is refused, its line named, nothing kept (%s)", err.msg);

	memset(&q, 0, sizeof(q));
	T_OK(tims_arrivals_query_check("2026-12-07", NULL, NULL, &q, &err) == TIMS_OK &&
	     q.hours == TIMS_ARRIVALS_HOURS_DEFAULT && !q.airport[0],
	     "a report's query: the day, %d hours by default", TIMS_ARRIVALS_HOURS_DEFAULT);
	T_OK(tims_arrivals_query_check("2026-12-07", "168", "TIA", &q, &err) == TIMS_OK &&
	     q.hours == 168 && !strcmp(q.airport, "TIA"), "168 hours and an airport");
	T_OK(tims_arrivals_query_check("2026-13-07", NULL, NULL, &q, &err) == TIMS_ERR_INVALID &&
	     !strncmp(err.msg, "date:", 5), "a date that is no date is refused (%s)", err.msg);
	T_OK(tims_arrivals_query_check("2026-12-07", "0", NULL, &q, &err) == TIMS_ERR_INVALID &&
	     !strncmp(err.msg, "hours:", 6) &&
	     tims_arrivals_query_check("2026-12-07", "169", NULL, &q, &err) == TIMS_ERR_INVALID &&
	     tims_arrivals_query_check("2026-12-07", "6h", NULL, &q, &err) == TIMS_ERR_INVALID &&
	     tims_arrivals_query_check("2026-12-07", "00000000006", NULL, &q, &err) ==
	     TIMS_ERR_INVALID, "hours out of 1..168, or no number, are refused (%s)", err.msg);
	T_OK(tims_arrivals_query_check("2026-12-07", NULL, "tia", &q, &err) == TIMS_ERR_INVALID &&
	     !strncmp(err.msg, "airport:", 8) &&
	     tims_arrivals_query_check("2026-12-07", NULL, "TIAX", &q, &err) == TIMS_ERR_INVALID,
	     "an airport that is not three capital letters is refused (%s)", err.msg);
}

/* "YYYY-MM-DDTHH:MM" as milliseconds since 1970, read as UTC */
static int64_t iso_ms(const char *s)
{
	int v[5] = { 0 }, k = 0;

	for (const char *p = s; *p && k < 5; p++)
		if (*p >= '0' && *p <= '9')
			v[k] = v[k] * 10 + (*p - '0');
		else
			k++;
	return (tims_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]) * 24 + v[3]) *
	       HOUR + (int64_t)v[4] * 60000;
}

/* An airport's local time to UTC (tims/tz.h, ICU's zone data): both ends
 * of summer time in Tirana, a zone without summer time, one to the west. */
static void test_tz(void)
{
	static const struct {
		const char *zone, *wall, *utc;
	} c[] = {
		{ "Europe/Tirane", "2026-03-29T01:30", "2026-03-29T00:30" }, /* CET, +1 */
		{ "Europe/Tirane", "2026-03-29T02:30", "2026-03-29T01:00" }, /* skipped: 03:00 */
		{ "Europe/Tirane", "2026-03-29T03:30", "2026-03-29T01:30" }, /* CEST, +2 */
		{ "Europe/Tirane", "2026-10-25T02:30", "2026-10-25T00:30" }, /* twice: the first */
		{ "Europe/Tirane", "2026-10-25T03:30", "2026-10-25T02:30" }, /* CET again */
		{ "Asia/Tokyo", "2026-12-07T10:00", "2026-12-07T01:00" },
		{ "America/New_York", "2026-03-08T10:00", "2026-03-08T14:00" },
		{ "UTC", "2026-12-07T10:00", "2026-12-07T10:00" },
	};
	struct tims_err err;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int64_t wall = 0, utc = 0, got = 1;

		wall = iso_ms(c[i].wall);
		utc = iso_ms(c[i].utc);
		T_OK(
		     tims_tz_wall_to_utc(c[i].zone, wall, &got, &err) == TIMS_OK && got == utc,
		     "%s %s is %s UTC (%s)", c[i].zone, c[i].wall, c[i].utc, err.msg);
	}
	{
		int64_t got = 1;

		T_OK(tims_tz_wall_to_utc("Europe/Tirana", 0, &got, &err) == TIMS_ERR_INVALID &&
		     strstr(err.msg, "Europe/Tirana") && got == 0 &&
		     tims_tz_check("GMT+01:00", &err) == TIMS_ERR_INVALID &&
		     tims_tz_check("", &err) == TIMS_ERR_INVALID &&
		     tims_tz_check("Europe/Tirane ", &err) == TIMS_ERR_INVALID,
		     "a zone ICU does not know (Tirana for Tirane), a fixed offset, an empty or "
		     "blank-padded name: refused, never read as UTC (%s)", err.msg);
	}
}

/* the list: version 1, then version 2 replacing it */
static const struct pax v1[] = {
	{ "FL", "ARRIVED", "A", "ALB", "AL1000001", "ALB" },
	{ "FL", "LANDPOST", "B", "ALB", "AL1000002", "ALB" },   /* crossed by land only */
	{ "FM", "CREW", "C", "ITA", "IT1000003", "ITA" },        /* crew, crossed at hall B */
	{ "FL", "EARLY", "D", "GBR", "GB1000004", "GBR" },       /* crossed before the window */
	{ "FL", "DROPPED", "E", "DEU", "C01X00T47", "D" },       /* not on version 2 */
	{ "FL", "OTHERSTATE", "H", "SRB", "XK1000007", "SRB" },  /* same number, another state */
};
static const struct pax v2[] = {
	{ "FL", "ARRIVED", "A", "ALB", "al 1000001", "ALB" },    /* written loosely */
	{ "FL", "LANDPOST", "B", "ALB", "AL1000002", "ALB" },
	{ "FM", "CREW", "C", "ITA", "IT1000003", "ITA" },
	{ "FL", "EARLY", "D", "GBR", "GB1000004", "GBR" },
	{ "FL", "OTHERSTATE", "H", "SRB", "XK1000007", "SRB" },
	{ "FL", "ADDED", "F", "FRA", "FR1000006", "FRA" },       /* new on version 2, no crossing */
	{ "FL", "GERMAN", "G", "DEU", "C01X00T48", "DEU" },      /* the MRZ says "D" */
	{ "FL", "KOSOVAR", "K", "XKX", "KS1000008", "XKX" },     /* the MRZ says "RKS" */
	{ "FL", "BOTC", "L", "GBD", "GB1000009", "GBD" },        /* the MRZ says "GBR" */
	{ "FL", "UNMIK", "M", "UNK", "KS1000010", "UNK" },       /* an RKS passport crossed */
	{ "DDT", "TRANSIT", "N", "TUR", "TR1000011", "TUR" },    /* in transit, stayed airside */
	{ "DDU", "TRANSCREW", "O", "TUR", "TR1000012", "TUR" },  /* transit crew, crossed */
};

int main(void)
{
	char dir[] = "/tmp/tims-arrivals-XXXXXX", uri[600], path[600];
	struct tims_buf m = TIMS_BUF_INIT(1 << 16);
	struct tims_arrivals_report r;
	struct tims_arrivals_query q;
	struct tims_arrivals_map map;
	struct tims_cstore *s = NULL;
	struct tims_api *a = NULL;
	struct tims_err err;
	int64_t day = 0, arr;
	const struct tims_arrivals_noshow *ns;
	const struct tims_arrivals_unlisted *ul;
	tims_rc rc;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	test_map();
	test_tz();
	if (!T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK &&
		  tims_vault_open(dir, &vault, &err) == TIMS_OK, "the centre's vault (%s)", err.msg))
		return t_done();
	tims_date_parse("2026-12-07", &day, "date", NULL);
	arr = day * DAY_MS + 10 * HOUR; /* the expected arrival, 10:00 */
	snprintf(uri, sizeof(uri), "%s/query.db", dir);
	T_OK(tims_api_open(dir, vault, &a, &err) == TIMS_OK &&
	     tims_cstore_open(uri, &s, &err) == TIMS_OK, "api.db and the query store open (%s)",
	     err.msg);
	tims_cstore_set_vault(s, vault);

	message(&m, "261207:0500", v1, 6);
	T_OK(import(a, &m, arr - 5 * HOUR, &err) == TIMS_OK, "version 1 imported (%s)", err.msg);
	message(&m, "261207:0600", v2, 12);
	T_OK(import(a, &m, arr - 4 * HOUR, &err) == TIMS_OK, "version 2 replaces it (%s)", err.msg);

	/* the crossings: two airport posts, one land post */
	rc = cross(s, "tia-a", 0, arr + 40 * 60000, TIMS_DIR_ENTRY, "AL1000001", "ALB", "ARRIVED",
		   &err);
	rc = rc ? rc : cross(s, "land-1", 0, arr + HOUR, TIMS_DIR_ENTRY, "AL1000002", "ALB",
			     "LANDPOST", &err);
	rc = rc ? rc : cross(s, "tia-b", 0, arr + 20 * 60000, TIMS_DIR_ENTRY, "IT1000003", "ITA",
			     "CREW", &err);
	rc = rc ? rc : cross(s, "tia-a", 1, arr - 5 * HOUR, TIMS_DIR_ENTRY, "GB1000004", "GBR",
			     "EARLY", &err);
	rc = rc ? rc : cross(s, "tia-a", 2, arr + 30 * 60000, TIMS_DIR_ENTRY, "C01X00T47", "D",
			     "DROPPED", &err);
	rc = rc ? rc : cross(s, "tia-b", 3, arr + 55 * 60000, TIMS_DIR_ENTRY, "C01X00T48", "D",
			     "GERMAN", &err);
	rc = rc ? rc : cross(s, "tia-a", 5, arr + 25 * 60000, TIMS_DIR_ENTRY, "KS1000008",
			     "RKS", "KOSOVAR", &err);
	rc = rc ? rc : cross(s, "tia-a", 6, arr + 35 * 60000, TIMS_DIR_ENTRY, "GB1000009",
			     "GBR", "BOTC", &err);
	rc = rc ? rc : cross(s, "tia-b", 4, arr + 45 * 60000, TIMS_DIR_ENTRY, "KS1000010",
			     "RKS", "UNMIK", &err);
	rc = rc ? rc : cross(s, "tia-b", 5, arr + 15 * 60000, TIMS_DIR_ENTRY, "TR1000012",
			     "TUR", "TRANSCREW", &err);
	rc = rc ? rc : cross(s, "tia-b", 1, arr + 50 * 60000, TIMS_DIR_ENTRY, "XK1000007", "KOS",
			     "OTHERSTATE", &err);
	rc = rc ? rc : cross(s, "tia-b", 2, arr + 4 * HOUR, TIMS_DIR_ENTRY, "ZZ9999999", "ITA",
			     "NOLIST", &err);
	rc = rc ? rc : cross(s, "tia-a", 3, arr + 2 * HOUR, TIMS_DIR_EXIT, "QQ1234567", "ITA",
			     "LEAVING", &err);
	rc = rc ? rc : cross(s, "tia-a", 4, day * DAY_MS - HOUR, TIMS_DIR_ENTRY, "YY1234567",
			     "ITA", "YESTERDAY", &err);
	T_OK(rc == TIMS_OK, "crossings indexed (%s)", err.msg);

	memset(&map, 0, sizeof(map));
	map.n = 1;
	snprintf(map.a[0].code, sizeof(map.a[0].code), "TIA");
	map.a[0].nposts = 2;
	snprintf(map.a[0].posts[0], sizeof(map.a[0].posts[0]), "tia-a");
	snprintf(map.a[0].posts[1], sizeof(map.a[0].posts[1]), "tia-b");

	/* no-show, 6 hours, long after */
	memset(&q, 0, sizeof(q));
	q.kind = TIMS_ARRIVALS_NO_SHOW;
	q.day = day;
	q.hours = 6;
	q.names = 1;
	q.now_ms = arr + 7 * HOUR;
	rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
	T_OK(rc == TIMS_OK && r.flights == 1 && r.flights_open == 0 && r.travellers == 12 &&
	     r.total == 5 && r.n == 5, "no-show: one flight, its 12 travellers of the current "
	     "list, 5 not crossed at the airport (%s; %zu)", err.msg, r.total);
	T_OK(!rc && !noshow_of(&r, "TRANSIT") && !noshow_of(&r, "TRANSCREW") &&
	     r.transit_total == 2 && r.ntransit == 2 && r.transit_crossed == 1 &&
	     !strcmp(r.transit[0].surname, "TRANSIT") && !strcmp(r.transit[0].role, "DDT") &&
	     !r.transit[0].crossed && r.transit[0].position == 11 &&
	     !strcmp(r.transit[1].surname, "TRANSCREW") && !strcmp(r.transit[1].role, "DDU") &&
	     r.transit[1].crossed,
	     "travellers in transit (DDT, DDU) are no no-shows: listed apart, the one who "
	     "stayed airside not crossed, the crew member who entered crossed");
	{
		json_t *o = rc ? NULL : tims_centre_arrivals_json(&r);
		json_t *tr = json_object_get(o, "transit");

		T_OK(o && json_array_size(tr) == 2 &&
		     json_integer_value(json_object_get(o, "transit_total")) == 2 &&
		     json_integer_value(json_object_get(o, "transit_crossed")) == 1 &&
		     json_is_false(json_object_get(json_array_get(tr, 0), "crossed")) &&
		     json_is_true(json_object_get(json_array_get(tr, 1), "crossed")) &&
		     !json_object_get(json_array_get(json_object_get(o, "rows"), 0), "crossed") &&
		     json_integer_value(json_object_get(o, "total")) == 5,
		     "the report's JSON: transit apart with crossed, rows and total without them");
		json_decref(o);
	}
	T_OK(!rc && !noshow_of(&r, "ARRIVED"), "a traveller who crossed at the airport post "
	     "(document written 'al 1000001' on the list) is no no-show");
	T_OK(!rc && (ns = noshow_of(&r, "LANDPOST")) && !strcmp(ns->flight, "JU123") &&
	     ns->position == 2 && !strcmp(ns->role, "FL") && ns->hits == 1 && ns->version == 2 &&
	     !strcmp(ns->airport, "TIA"),
	     "one who crossed only at a land post is a no-show, with flight, position, role "
	     "and hits");
	T_OK(!rc && !noshow_of(&r, "CREW"), "crew crossing at the airport's other post: no "
	     "no-show");
	T_OK(!rc && (ns = noshow_of(&r, "EARLY")), "one whose crossing came 5 hours before "
	     "the arrival is still a no-show");
	T_OK(!rc && (ns = noshow_of(&r, "OTHERSTATE")), "the same document number of another "
	     "issuing state does not match");
	T_OK(!rc && !noshow_of(&r, "GERMAN"), "a German passport listed as DEU matches its "
	     "MRZ's D");
	T_OK(!rc && !noshow_of(&r, "KOSOVAR"), "a Kosovo passport listed as XKX matches its "
	     "MRZ's RKS");
	T_OK(!rc && !noshow_of(&r, "BOTC"), "a British Overseas Territories citizen's passport "
	     "listed with issuer GBD matches its MRZ's GBR");
	T_OK(!rc && (ns = noshow_of(&r, "UNMIK")), "an UNMIK document (UNK) is not the Kosovo "
	     "passport (RKS) of the same number: a no-show");
	T_OK(!rc && (ns = noshow_of(&r, "ADDED")) && ns->position == 6 && !noshow_of(&r, "DROPPED"),
	     "the current version is the list: its new traveller is counted, the one it dropped "
	     "is not");
	tims_arrivals_report_release(&r);

	/* crew: the crew member's crossing gone, the crew member is a no-show */
	q.hours = 1;
	rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
	T_OK(rc == TIMS_OK && r.total == 5 && !noshow_of(&r, "CREW") && !noshow_of(&r, "ARRIVED"),
	     "1 hour: the crossings 20 and 40 minutes after arrival still count");
	tims_arrivals_report_release(&r);
	{
		struct tims_arrivals_map one = map;

		one.a[0].nposts = 1; /* hall A only: the crew's hall B crossing is not there */
		rc = tims_arrivals_report(a, s, &one, &q, &r, &err);
		T_OK(rc == TIMS_OK && (ns = noshow_of(&r, "CREW")) && !strcmp(ns->role, "FM") &&
		     ns->position == 3, "crew are reported too, role FM kept");
		tims_arrivals_report_release(&r);
	}
	q.names = 0;
	rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
	T_OK(rc == TIMS_OK && r.n == 5 && !r.noshow[0].surname[0] && !r.noshow[1].given_names[0],
	     "without names asked, the rows carry none");
	tims_arrivals_report_release(&r);
	q.names = 1;

	/* still open */
	q.hours = 6;
	q.now_ms = arr + 2 * HOUR;
	rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
	T_OK(rc == TIMS_OK && r.flights_open == 1 && r.flights == 0 && r.total == 0,
	     "before the N hours have passed, the flight is counted open, not reported");
	tims_arrivals_report_release(&r);
	q.now_ms = arr + 7 * HOUR;

	/* unlisted */
	q.kind = TIMS_ARRIVALS_UNLISTED;
	rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
	T_OK(rc == TIMS_OK && r.total == 4 && r.n == 4 && r.crossings == 11 &&
	     !unlisted_of(&r, "TRANSCREW"),
	     "unlisted: 11 entry crossings at the airport that day, 4 on no list; transit crew "
	     "who entered are on their list (%s; %zu)",
	     err.msg, r.total);
	T_OK(!rc && (ul = unlisted_of(&r, "NOLIST")) && !strcmp(ul->post, "tia-b") &&
	     ul->when_ms == arr + 4 * HOUR && !strcmp(ul->nationality, "ITA") &&
	     !strcmp(ul->airport, "TIA"), "an arrival on no list: post, time, nationality, name");
	T_OK(!rc && unlisted_of(&r, "OTHERSTATE") && unlisted_of(&r, "DROPPED") &&
	     !unlisted_of(&r, "ARRIVED") && !unlisted_of(&r, "EARLY") && !unlisted_of(&r, "CREW") &&
	     !unlisted_of(&r, "GERMAN") && !unlisted_of(&r, "KOSOVAR") &&
	     !unlisted_of(&r, "BOTC") && unlisted_of(&r, "UNMIK"),
	     "another issuing state (UNK for RKS too), or a traveller only on the replaced "
	     "version, is on no list; D, XKX, GBD as written on the list are");
	T_OK(!rc && !unlisted_of(&r, "LEAVING") && !unlisted_of(&r, "YESTERDAY") &&
	     !unlisted_of(&r, "LANDPOST"), "exits, other days and other posts are not counted");
	T_OK(!rc && r.unlisted[0].when_ms <= r.unlisted[1].when_ms &&
	     r.unlisted[1].when_ms <= r.unlisted[2].when_ms &&
	     r.unlisted[2].when_ms <= r.unlisted[3].when_ms, "in crossing order");
	tims_arrivals_report_release(&r);

	/* Local times through the airport's zone, across the start of summer
	 * time: JU201 lands at 10:00 on 2026-03-28 (CET: 09:00 UTC), JU200 at
	 * 10:00 on 2026-03-29 (CEST: 08:00 UTC). Each has a traveller who
	 * crossed at 05:30 UTC and one at 14:30 UTC. */
	{
		static const struct pax spring[] = {
			{ "FL", "SPRINGEARLY", "A", "ALB", "DS0000001", "ALB" },
			{ "FL", "SPRINGLATE", "B", "ALB", "DS0000002", "ALB" },
		};
		static const struct pax winter[] = {
			{ "FL", "WINTEREARLY", "C", "ALB", "DS0000003", "ALB" },
			{ "FL", "WINTERLATE", "D", "ALB", "DS0000004", "ALB" },
		};
		struct tims_arrivals_map zmap = map;
		int64_t d28 = 0, d29 = 0;

		tims_date_parse("2026-03-28", &d28, "date", NULL);
		tims_date_parse("2026-03-29", &d29, "date", NULL);
		snprintf(zmap.a[0].zone, sizeof(zmap.a[0].zone), "Europe/Tirane");
		message_at(&m, "260329:0500", "JU200", "202603290800", "202603291000", spring, 2);
		rc = import(a, &m, d29 * DAY_MS + 5 * HOUR, &err);
		message_at(&m, "260328:0500", "JU201", "202603280800", "202603281000", winter, 2);
		rc = rc ? rc : import(a, &m, d28 * DAY_MS + 5 * HOUR, &err);
		rc = rc ? rc : cross(s, "tia-a", 10, d29 * DAY_MS + 5 * HOUR + 30 * 60000,
				     TIMS_DIR_ENTRY, "DS0000001", "ALB", "SPRINGEARLY", &err);
		rc = rc ? rc : cross(s, "tia-a", 11, d29 * DAY_MS + 14 * HOUR + 30 * 60000,
				     TIMS_DIR_ENTRY, "DS0000002", "ALB", "SPRINGLATE", &err);
		rc = rc ? rc : cross(s, "tia-a", 12, d28 * DAY_MS + 5 * HOUR + 30 * 60000,
				     TIMS_DIR_ENTRY, "DS0000003", "ALB", "WINTEREARLY", &err);
		rc = rc ? rc : cross(s, "tia-a", 13, d28 * DAY_MS + 14 * HOUR + 30 * 60000,
				     TIMS_DIR_ENTRY, "DS0000004", "ALB", "WINTERLATE", &err);
		T_OK(rc == TIMS_OK, "two flights either side of the summer time change, their "
		     "crossings (%s)", err.msg);
		q.kind = TIMS_ARRIVALS_NO_SHOW;
		q.hours = 6;
		q.now_ms = arr;
		q.day = d29;
		rc = tims_arrivals_report(a, s, &zmap, &q, &r, &err);
		T_OK(rc == TIMS_OK && r.flights == 1 && r.total == 1 &&
		     !noshow_of(&r, "SPRINGEARLY") && noshow_of(&r, "SPRINGLATE"),
		     "2026-03-29, Europe/Tirane: 10:00 is 08:00 UTC: the crossing at 05:30 UTC is in "
		     "the window, the one at 14:30 UTC is 6.5 hours after landing (%s; %zu)", err.msg,
		     r.total);
		tims_arrivals_report_release(&r);
		q.day = d28;
		rc = tims_arrivals_report(a, s, &zmap, &q, &r, &err);
		T_OK(rc == TIMS_OK && r.flights == 1 && r.total == 1 &&
		     noshow_of(&r, "WINTEREARLY") && !noshow_of(&r, "WINTERLATE"),
		     "2026-03-28, the day before: 10:00 is 09:00 UTC: 05:30 UTC is more than 3 "
		     "hours early, 14:30 UTC within 6 hours (%s; %zu)", err.msg, r.total);
		tims_arrivals_report_release(&r);
		q.day = d29;
		rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
		T_OK(rc == TIMS_OK && r.total == 1 && noshow_of(&r, "SPRINGEARLY") &&
		     !noshow_of(&r, "SPRINGLATE"), "without the zone, 10:00 is read as UTC and the "
		     "outcome flips: what the zone is for (%s)", err.msg);
		tims_arrivals_report_release(&r);
		q.kind = TIMS_ARRIVALS_UNLISTED;
		rc = tims_arrivals_report(a, s, &zmap, &q, &r, &err);
		T_OK(rc == TIMS_OK && r.crossings == 2 && r.total == 0, "unlisted on 2026-03-29: "
		     "both crossings are on JU200's list (%s; %zu)", err.msg, r.total);
		tims_arrivals_report_release(&r);
		q.day = day;
		q.now_ms = arr + 7 * HOUR;
	}

	/* fail closed */
	q.kind = TIMS_ARRIVALS_NO_SHOW;
	{
		struct tims_arrivals_map none;

		memset(&none, 0, sizeof(none));
		rc = tims_arrivals_report(a, s, &none, &q, &r, &err);
		T_OK(rc == TIMS_ERR_NOTFOUND && strstr(err.msg, "no airport post known for TIA") &&
		     r.n == 0, "no-show: an airport with no post known is an error (%s)", err.msg);
		q.kind = TIMS_ARRIVALS_UNLISTED;
		snprintf(q.airport, sizeof(q.airport), "TIR");
		rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
		T_OK(rc == TIMS_ERR_NOTFOUND && strstr(err.msg, "no airport post known for TIR"),
		     "unlisted: so is an airport asked for that the map does not name (%s)",
		     err.msg);
		q.airport[0] = '\0';
		rc = tims_arrivals_report(a, s, &none, &q, &r, &err);
		T_OK(rc == TIMS_ERR_NOTFOUND, "unlisted: and an empty map (%s)", err.msg);
		q.kind = TIMS_ARRIVALS_NO_SHOW;
	}
	tims_cstore_set_vault(s, NULL);
	rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
	T_OK(rc != TIMS_OK && r.n == 0 && !r.noshow, "a query store without its vault (no blind "
	     "index) is an error (%s)", err.msg);
	tims_cstore_set_vault(s, vault);
	rc = tims_arrivals_report(a, NULL, &map, &q, &r, &err);
	rc = rc ? tims_arrivals_report(a, s, &map, &q, &r, &err) : TIMS_ERR_STATE;
	T_OK(rc == TIMS_OK && r.total == 5, "no passenger lists open is an error, and the report "
	     "comes back when they are");
	tims_arrivals_report_release(&r);
	{
		sqlite3 *db = NULL;

		snprintf(path, sizeof(path), "%s/query.db", dir);
		T_OK(sqlite3_open(path, &db) == SQLITE_OK &&
		     sqlite3_exec(db, "ALTER TABLE crossings RENAME TO gone", NULL, NULL, NULL) ==
		     SQLITE_OK, "the store's table taken away");
		sqlite3_close(db);
		q.kind = TIMS_ARRIVALS_UNLISTED;
		rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
		T_OK(rc == TIMS_ERR_DB && r.n == 0 && strstr(err.msg, "crossings"),
		     "a query store that cannot be read is an error (%s)", err.msg);
		q.kind = TIMS_ARRIVALS_NO_SHOW;
		rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
		T_OK(rc == TIMS_ERR_DB && r.n == 0, "for no-shows too (%s)", err.msg);
		T_OK(sqlite3_open(path, &db) == SQLITE_OK &&
		     sqlite3_exec(db, "ALTER TABLE gone RENAME TO crossings", NULL, NULL, NULL) ==
		     SQLITE_OK, "the table back");
		sqlite3_close(db);
	}
	{
		unsigned shredded = 0;

		/* December's key shredded: no traveller of the flight opens */
		T_OK(tims_vault_shred_before(vault, (day + 40) * DAY_MS, &shredded, &err) ==
		     TIMS_OK && shredded >= 1, "the month's key shredded (%s)", err.msg);
		rc = tims_arrivals_report(a, s, &map, &q, &r, &err);
		T_OK(rc != TIMS_OK && r.n == 0, "a traveller the vault cannot open is an error, "
		     "never an empty report (%s)", err.msg);
	}
	tims_cstore_close(s);
	tims_api_close(a);
	tims_vault_close(vault);
	tims_buf_release(&m);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# %s left behind\n", dir);
	}
	return t_done();
}
