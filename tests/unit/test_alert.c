/*
 * test_alert.c — the unusual-reading rules (tims/alert.h) on a simulated
 * clock over days: a week of normal shifts fires nothing; 150 checks at
 * 04:00 by one officer with no crossings fire many-identities, no-crossing
 * and off-shift; an officer whose usual rate is high does not; repeated
 * lookups across posts, sensitive lists and bulk queries; state stays
 * bounded with 10^5 officers and documents; hostile events are ignored.
 */
#include <jansson.h>

#include "t.h"
#include "tims/alert.h"

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)
#define DAY0 (INT64_C(20400) * DAY) /* a Monday, 00:00 UTC */

struct got {
	unsigned n[TIMS_ALERT_RULE_MAX + 1];
	unsigned total;
	struct tims_alert last[TIMS_ALERT_RULE_MAX + 1];
};

static tims_rc collect(void *ctx, const struct tims_alert *a)
{
	struct got *g = ctx;

	if (a->rule >= 1 && a->rule <= TIMS_ALERT_RULE_MAX) {
		g->n[a->rule]++;
		g->last[a->rule] = *a;
	}
	g->total++;
	return TIMS_OK;
}

static const uint8_t key[TIMS_ALERT_KEY_BYTES] = { 1, 2, 3 };
static uint64_t idx;

static tims_rc feed(struct tims_alert_engine *e, const char *post, const char *actor,
		    const char *action, int64_t t, int status, const char *q, const char *r,
		    struct got *g)
{
	struct tims_audit_event ev;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "%s", actor);
	snprintf(ev.role, sizeof(ev.role), "officer");
	snprintf(ev.booth, sizeof(ev.booth), "B1");
	snprintf(ev.action, sizeof(ev.action), "%s", action);
	ev.time_ms = t;
	ev.crossing = -1;
	ev.status = status;
	ev.query = q;
	ev.query_len = q ? strlen(q) : 0;
	ev.result = r;
	ev.result_len = r ? strlen(r) : 0;
	return tims_alert_feed(e, post, idx++, &ev, t, collect, g);
}

/* A check of document doc by officer at t, and (crossed) its crossing 30 s later. */
static void check(struct tims_alert_engine *e, const char *post, const char *officer,
		  const char *doc, int64_t t, int crossed, struct got *g)
{
	char q[400], r[400], cid[64];

	snprintf(cid, sizeof(cid), "c-%s-%lld", officer, (long long)t);
	snprintf(q, sizeof(q), "{\"document\":\"%s\",\"issuing_state\":\"BGR\",\"manual\":false}", doc);
	snprintf(r, sizeof(r), "{\"check_id\":\"%s\",\"hits\":[],\"screening\":\"clear\"}", cid);
	feed(e, post, officer, "check", t, 200, q, r, g);
	if (crossed) {
		snprintf(q, sizeof(q), "{\"check_id\":\"%s\",\"direction\":\"entry\",\"document\":\"%s\"}",
			 cid, doc);
		feed(e, post, officer, "crossing", t + 30000, 201, q, "{\"duplicate\":false,\"index\":1}", g);
	}
}

static struct tims_alert_engine *engine(const char *conf, unsigned flags)
{
	struct tims_alert_config c;
	struct tims_alert_engine *e = NULL;
	struct tims_err err;

	tims_alert_config_init(&c);
	if (conf && tims_alert_config_parse(&c, conf, strlen(conf), &err)) {
		printf("# config: %s\n", err.msg);
		return NULL;
	}
	if (tims_alert_engine_new(&c, key, flags, &e, &err))
		printf("# engine: %s\n", err.msg);
	return e;
}

static const char shifts[] = "utc_offset +00:00\nshift nina 06:00-14:00\nshift default 08:00-20:00\n";

/* A week of day shifts, 10 travellers an hour, each crossing. */
static void normal_week(struct tims_alert_engine *e, const char *officer, unsigned per_hour,
			struct got *g)
{
	for (int d = 0; d < 7; d++)
		for (int h = 6; h < 14; h++)
			for (unsigned k = 0; k < per_hour; k++) {
				char doc[64];

				snprintf(doc, sizeof(doc), "D%d%02d%03u", d, h, k);
				check(e, "post-a", officer, doc, DAY0 + d * DAY + h * HOUR +
				      (int64_t)k * (HOUR / per_hour), 1, g);
			}
	tims_alert_tick(e, DAY0 + 6 * DAY + 15 * HOUR, collect, g);
}

static void test_night_burst(void)
{
	struct tims_alert_engine *e = engine(shifts, 0);
	struct got g;
	int64_t t0 = DAY0 + 7 * DAY + 4 * HOUR;

	memset(&g, 0, sizeof(g));
	if (!T_OK(e != NULL, "engine: made with a shift configuration"))
		return;
	normal_week(e, "nina", 10, &g);
	T_EQ_INT(g.total, 0, "a week of normal shifts (10 travellers an hour, each crossing) fires nothing");
	for (int k = 0; k < 150; k++) {
		char doc[32];

		snprintf(doc, sizeof(doc), "X%06d", k);
		check(e, "post-a", "nina", doc, t0 + k * 5000, 0, &g);
	}
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES], 1, "150 checks at 04:00: many-identities fires once");
	T_EQ_INT(g.n[TIMS_ALERT_OFF_SHIFT], 1, "150 checks at 04:00: off-shift fires once");
	T_EQ_INT(g.n[TIMS_ALERT_NO_CROSSING], 0, "no-crossing waits for the binding window");
	tims_alert_tick(e, t0 + HOUR / 2, collect, &g);
	T_EQ_INT(g.n[TIMS_ALERT_NO_CROSSING], 1, "once the window ends with no crossing: no-crossing fires once");
	{
		const struct tims_alert *a = &g.last[TIMS_ALERT_MANY_IDENTITIES];
		char line[600];

		T_EQ_STR(a->officer, "nina", "the alert names the officer");
		T_EQ_STR(a->post, "post-a", "... and the post");
		T_EQ_INT(a->window_ms, t0, "... and the hour");
		T_OK(a->usual > 9.9 && a->usual < 10.1, "... against her usual rate (%.2f an hour)", a->usual);
		T_EQ_INT(a->threshold, 30, "threshold: 3 x the usual rate");
		T_OK(a->count >= 30 && a->count <= 150, "count at firing: %llu", (unsigned long long)a->count);
		T_EQ_INT(a->severity, TIMS_ALERT_SEVERE, "severe by default");
		tims_alert_describe(a, line, sizeof(line));
		printf("# %s\n", line);
		T_OK(!strstr(line, "X0000"), "no document number in the alert");
		tims_alert_describe(&g.last[TIMS_ALERT_OFF_SHIFT], line, sizeof(line));
		printf("# %s\n", line);
		T_OK(strstr(line, "06:00-14:00") && strstr(line, "04:"), "off-shift: names the shift and the time");
		T_EQ_INT(g.last[TIMS_ALERT_NO_CROSSING].count, 20, "no-crossing: at its threshold");
		T_EQ_INT(g.last[TIMS_ALERT_NO_CROSSING].severity, TIMS_ALERT_NOTICE, "no-crossing: a notice by default");
	}
	/* the next day's shift is normal again: nothing new */
	memset(&g, 0, sizeof(g));
	for (int h = 6; h < 14; h++)
		for (int k = 0; k < 10; k++) {
			char doc[32];

			snprintf(doc, sizeof(doc), "N%02d%03d", h, k);
			check(e, "post-a", "nina", doc, DAY0 + 8 * DAY + h * HOUR + k * 60000, 1, &g);
		}
	tims_alert_tick(e, DAY0 + 8 * DAY + 15 * HOUR, collect, &g);
	T_EQ_INT(g.total, 0, "the day after: a normal shift fires nothing");
	tims_alert_engine_free(e);
}

static void test_usual_rate(void)
{
	struct tims_alert_engine *e = engine("utc_offset +00:00\nshift default 00:00-24:00\n", 0);
	struct got g;

	memset(&g, 0, sizeof(g));
	if (!e)
		return;
	/* a busy officer: 100 travellers an hour all week */
	normal_week(e, "busy", 100, &g);
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES], 8, "learning: 100 an hour is over the new officer's floor "
		 "for the first 8 hours, then the usual rate");
	memset(&g, 0, sizeof(g));
	for (int k = 0; k < 150; k++) {
		char doc[32];

		snprintf(doc, sizeof(doc), "B%06d", k);
		check(e, "post-a", "busy", doc, DAY0 + 7 * DAY + 9 * HOUR + k * 20000, 1, &g);
	}
	tims_alert_tick(e, DAY0 + 7 * DAY + 11 * HOUR, collect, &g);
	T_EQ_INT(g.total, 0, "150 in an hour by an officer who usually does 100: no alert");
	/* a new officer: the floor (60) */
	for (int k = 0; k < 59; k++) {
		char doc[32];

		snprintf(doc, sizeof(doc), "F%06d", k);
		check(e, "post-a", "newbie", doc, DAY0 + 7 * DAY + 9 * HOUR + k * 1000, 1, &g);
	}
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES], 0, "a new officer: 59 distinct in an hour, under the floor");
	check(e, "post-a", "newbie", "F000000", DAY0 + 7 * DAY + 9 * HOUR + 70000, 1, &g);
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES], 0, "the same traveller again is not a new identity");
	check(e, "post-a", "newbie", "F999999", DAY0 + 7 * DAY + 9 * HOUR + 80000, 1, &g);
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES], 1, "the 60th distinct identity: the floor is reached");
	T_OK(g.last[TIMS_ALERT_MANY_IDENTITIES].usual < 0, "no usual rate for a new officer");
	tims_alert_engine_free(e);
}

static void test_centre_rules(void)
{
	struct tims_alert_engine *e = engine("sensitive-list.lists informants,vip\n"
					     "bulk-query.threshold 100\n", TIMS_ALERT_AT_CENTRE);
	struct got g;
	char line[600];
	int64_t t = DAY0 + 10 * HOUR;

	memset(&g, 0, sizeof(g));
	if (!e)
		return;
	feed(e, "post-a", "ana", "history", t, 200, "{\"document\":\"ZZ1234567\"}", "{\"records\":[]}", &g);
	feed(e, "post-b", "boris", "history", t + HOUR, 200, "{\"document\":\"ZZ1234567\"}", "{}", &g);
	feed(e, "post-b", "boris", "history", t + 2 * HOUR, 200, "{\"document\":\"ZZ1234567\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_REPEATED_LOOKUP], 0, "one document looked up by 2 officers: not yet");
	feed(e, "", "chief", "national.history", t + 3 * HOUR, 200,
	     "{\"doc\":\"ZZ1234567\",\"kind\":\"history\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_REPEATED_LOOKUP], 1, "by 3 officers at 3 places within a day: repeated-lookup");
	tims_alert_describe(&g.last[TIMS_ALERT_REPEATED_LOOKUP], line, sizeof(line));
	printf("# %s\n", line);
	T_OK(!strstr(line, "ZZ1234567") && strstr(line, "document #"),
	     "repeated-lookup: the document only by its keyed hash");
	feed(e, "post-c", "dora", "history", t + 4 * HOUR, 200, "{\"document\":\"ZZ1234567\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_REPEATED_LOOKUP], 1, "a fourth lookup in the same window: no second alert");
	feed(e, "post-c", "dora", "history", t + 5 * HOUR, 200, "{\"document\":\"ZZ1230000\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_REPEATED_LOOKUP], 1, "another document: nothing");

	feed(e, "", "chief", "cli.watchlist.list", t, 200, "{\"list\":\"wanted\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_SENSITIVE_LIST], 0, "reading a list not called sensitive: nothing");
	feed(e, "", "chief", "cli.watchlist.list", t, 200, "{\"list\":\"informants\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_SENSITIVE_LIST], 1, "reading a sensitive list: sensitive-list");

	{
		json_t *a = json_array();
		char *text;

		for (int i = 0; i < 150; i++)
			json_array_append_new(a, json_pack("{s:s}", "doc", "X"));
		json_t *o = json_pack("{s:o, s:i}", "present", a, "offset", 0);

		text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		feed(e, "", "chief", "national.present", t, 200, "{\"kind\":\"present\",\"limit\":500}",
		     "{\"present\":[],\"offset\":0}", &g);
		T_EQ_INT(g.n[TIMS_ALERT_BULK_QUERY], 0, "a national query answering nobody: nothing");
		feed(e, "", "chief", "national.present", t, 200, "{\"kind\":\"present\",\"limit\":500}",
		     text, &g);
		T_EQ_INT(g.n[TIMS_ALERT_BULK_QUERY], 1, "a national query answering 150 people: bulk-query");
		T_EQ_INT(g.last[TIMS_ALERT_BULK_QUERY].count, 150, "bulk-query: counts the people");
		free(text);
		feed(e, "", "chief", "national.overstays", t, 200, "{\"kind\":\"overstays\"}",
		     "{\"bytes\":900000,\"sha256\":\"00\"}", &g);
		T_EQ_INT(g.n[TIMS_ALERT_BULK_QUERY], 2, "an answer too large for the audit event: bulk-query");
	}
	tims_alert_engine_free(e);

	/* a post does not run repeated-lookup: it sees its own log only */
	e = engine(NULL, 0);
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 5; i++) {
		char who[16];

		snprintf(who, sizeof(who), "o%d", i);
		feed(e, "post-a", who, "history", t + i, 200, "{\"document\":\"ZZ1234567\"}", "{}", &g);
	}
	T_EQ_INT(g.n[TIMS_ALERT_REPEATED_LOOKUP], 0, "at a post: repeated-lookup is the centre's");
	tims_alert_engine_free(e);
}

static void test_quiet(void)
{
	struct tims_alert_engine *e = engine(shifts, 0);
	struct got g;

	memset(&g, 0, sizeof(g));
	if (!e)
		return;
	tims_alert_engine_quiet(e, 1);
	for (int k = 0; k < 150; k++) {
		char doc[32];

		snprintf(doc, sizeof(doc), "Q%06d", k);
		check(e, "post-a", "nina", doc, DAY0 + 4 * HOUR + k * 1000, 0, &g);
	}
	T_EQ_INT(g.total, 0, "quiet (re-reading before the cursor): nothing is called back");
	tims_alert_engine_quiet(e, 0);
	check(e, "post-a", "nina", "Q999999", DAY0 + 4 * HOUR + 200000, 0, &g);
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES] + g.n[TIMS_ALERT_OFF_SHIFT], 0,
		 "after quiet: what fired while quiet does not fire again in that hour");
	tims_alert_engine_free(e);
}

/* A night shift wraps past midnight; shifts are in local time (+02:00). */
static void test_night_shift(void)
{
	struct tims_alert_engine *e = engine("utc_offset +02:00\nshift owl 22:00-06:00\n", 0);
	struct got g;

	memset(&g, 0, sizeof(g));
	if (!e)
		return;
	/* 21:30 UTC is 23:30 local, 03:00 UTC is 05:00 local: inside */
	feed(e, "post-a", "owl", "history", DAY0 + 21 * HOUR + HOUR / 2, 200, "{\"document\":\"A1\"}", "{}", &g);
	feed(e, "post-a", "owl", "history", DAY0 + DAY + 3 * HOUR, 200, "{\"document\":\"A2\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_OFF_SHIFT], 0, "a night shift 22:00-06:00: reads at 23:30 and 05:00 local are inside it");
	/* 05:00 UTC is 07:00 local: outside */
	feed(e, "post-a", "owl", "history", DAY0 + DAY + 5 * HOUR, 200, "{\"document\":\"A3\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_OFF_SHIFT], 1, "... a read at 07:00 local is outside it");
	/* an officer without a shift and no default: not judged */
	feed(e, "post-a", "lark", "history", DAY0 + DAY + 5 * HOUR, 200, "{\"document\":\"A3\"}", "{}", &g);
	T_EQ_INT(g.n[TIMS_ALERT_OFF_SHIFT], 1, "an officer with no shift and no default shift is not judged");
	tims_alert_engine_free(e);
}

static void test_bounded(void)
{
	struct tims_alert_engine *e = engine("max_officers 4096\nmax_documents 8192\n",
					     TIMS_ALERT_AT_CENTRE);
	struct tims_alert_stats st;
	struct got g;
	char who[32], doc[32];

	memset(&g, 0, sizeof(g));
	if (!e)
		return;
	for (int i = 0; i < 100000; i++) {
		snprintf(who, sizeof(who), "officer%d", i);
		snprintf(doc, sizeof(doc), "D%08d", i);
		check(e, "post-a", who, doc, DAY0 + i, 0, &g);
		feed(e, "post-a", who, "history", DAY0 + i, 200, "{\"document\":\"H1\"}", "{}", &g);
		snprintf(doc, sizeof(doc), "{\"document\":\"L%08d\"}", i);
		feed(e, "post-a", "one", "history", DAY0 + i, 200, doc, "{}", &g);
	}
	tims_alert_tick(e, DAY0 + DAY, collect, &g);
	tims_alert_engine_stats(e, &st);
	printf("# 10^5 officers and documents: %llu officers, %llu documents tracked, %llu bytes, "
	       "%llu + %llu evicted\n", (unsigned long long)st.officers,
	       (unsigned long long)st.documents, (unsigned long long)st.bytes,
	       (unsigned long long)st.evicted_officers, (unsigned long long)st.evicted_documents);
	T_OK(st.officers <= 4096, "10^5 officers: at most max_officers tracked (%llu)",
	     (unsigned long long)st.officers);
	T_OK(st.documents <= 8192, "10^5 documents: at most max_documents tracked (%llu)",
	     (unsigned long long)st.documents);
	T_OK(st.bytes < (64u << 20), "memory held stays bounded (%llu bytes)", (unsigned long long)st.bytes);
	T_OK(st.evicted_officers > 0 && st.evicted_documents > 0, "the least recently seen were dropped");
	T_OK(g.n[TIMS_ALERT_MANY_IDENTITIES] == 1, "the one officer who read 10^5 documents is still caught (%u)",
	     g.n[TIMS_ALERT_MANY_IDENTITIES]);
	tims_alert_engine_free(e);
}

static void test_hostile(void)
{
	struct tims_alert_engine *e = engine(shifts, TIMS_ALERT_AT_CENTRE);
	struct tims_alert_stats st;
	struct tims_audit_event ev;
	struct got g;
	char *huge = malloc(TIMS_AUDIT_TEXT_MAX + 2);
	int64_t t = DAY0 + 3 * HOUR;
	tims_rc rc = TIMS_OK;

	memset(&g, 0, sizeof(g));
	if (!e || !huge)
		return;
	rc |= feed(e, "post-a", "", "check", t, 200, "{\"document\":\"A1\"}", "{\"check_id\":\"x\"}", &g);
	rc |= feed(e, "post-a", "-", "history", t, 200, "{\"document\":\"A1\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "", t, 200, "{\"document\":\"A1\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "no.such.action", t, 200, "{\"document\":\"A1\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "history", t, 500, "{\"document\":\"A1\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "history", t, 200, NULL, NULL, &g);
	rc |= feed(e, "post-a", "nina", "history", t, 200, "not json", "{", &g);
	rc |= feed(e, "post-a", "nina", "history", t, 200, "{\"document\":7}", "[]", &g);
	rc |= feed(e, "post-a", "nina", "history", t, 200, "{\"document\":\"A\\u0001B\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "history", t, 200, "{\"document\":\"A1\",\"document\":\"B1\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "check", t, 200, "{\"document\":\"A1\"}", "{\"check_id\":[1,2]}", &g);
	memset(huge, '[', TIMS_AUDIT_TEXT_MAX);
	huge[TIMS_AUDIT_TEXT_MAX] = '\0';
	rc |= feed(e, "post-a", "nina", "history", t, 200, huge, huge, &g);
	memset(huge, 'a', TIMS_AUDIT_TEXT_MAX + 1);
	huge[TIMS_AUDIT_TEXT_MAX + 1] = '\0';
	rc |= feed(e, "post-a", "nina", "national.present", t, 200, huge, huge, &g);
	rc |= feed(e, huge, "nina", "history", t, 200, "{\"document\":\"A1\"}", "{}", &g);
	rc |= feed(e, "post-a", "nina", "history", -5, 200, "{\"document\":\"A1\"}", "{}", &g);
	/* an actor without its terminator */
	memset(&ev, 0, sizeof(ev));
	memset(ev.actor, 'a', sizeof(ev.actor));
	snprintf(ev.action, sizeof(ev.action), "history");
	ev.status = 200;
	ev.time_ms = t;
	ev.query = "{\"document\":\"A1\"}";
	ev.query_len = strlen(ev.query);
	rc |= tims_alert_feed(e, "post-a", 1, &ev, t, collect, &g);
	rc |= tims_alert_feed(e, "post-a", 1, NULL, t, collect, &g);
	rc |= tims_alert_feed(e, NULL, 1, &ev, t, collect, &g);
	T_EQ_INT(rc, TIMS_OK, "hostile events: each answered TIMS_OK, nothing breaks");
	tims_alert_engine_stats(e, &st);
	T_OK(st.ignored >= 9, "hostile events: the malformed ones are ignored (%llu)",
	     (unsigned long long)st.ignored);
	/* off-shift counts reads; nothing else may have fired from them */
	T_EQ_INT(g.n[TIMS_ALERT_MANY_IDENTITIES] + g.n[TIMS_ALERT_REPEATED_LOOKUP] +
		 g.n[TIMS_ALERT_BULK_QUERY], 0, "hostile events: no identity, lookup or bulk alert");
	free(huge);
	tims_alert_engine_free(e);
}

static void test_config(void)
{
	struct tims_alert_config c;
	struct tims_err err;
	static const struct { const char *text, *want; } bad[] = {
		{ "nonsense 1\n", "line 1: nonsense: unknown key" },
		{ "\ninterval_s 0\n", "line 2: interval_s: want 1 to 86400" },
		{ "many-identities.factor x\n", "many-identities.factor: want a number" },
		{ "shift nina 25:00-06:00\n", "shift nina: want HH:MM-HH:MM" },
		{ "shift nina 06:00-14:00\nshift nina 07:00-15:00\n", "line 2: shift nina: given twice" },
		{ "off-shift.severity loud\n", "want severe or notice" },
		{ "utc_offset 2\n", "utc_offset: want local" },
		{ "bulk-query.actions a,,b\n", "bulk-query.actions: want audit actions" },
		{ "interval_s 5 6\n", "want one value" },
	};
	FILE *f;
	char buf[TIMS_ALERT_CONF_MAX];
	size_t n;

	tims_alert_config_init(&c);
	T_EQ_INT(c.interval_s, 60, "defaults: evaluated every 60 s");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tims_alert_config_init(&c);
		memset(&err, 0, sizeof(err));
		T_OK(tims_alert_config_parse(&c, bad[i].text, strlen(bad[i].text), &err) &&
		     strstr(err.msg, bad[i].want), "config refused: %s (%s)", bad[i].want, err.msg);
	}
	/* the shipped file parses, and says what the defaults say */
	f = fopen("etc/alert-rules.conf", "r");
	if (T_OK(f != NULL, "etc/alert-rules.conf is shipped")) {
		struct tims_alert_config d;

		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		tims_alert_config_init(&c);
		tims_alert_config_init(&d);
		T_OK(!tims_alert_config_parse(&c, buf, n, &err), "etc/alert-rules.conf parses");
		T_OK(!memcmp(&c, &d, sizeof(c)), "etc/alert-rules.conf states the built-in defaults");
	}
}

int main(void)
{
	test_config();
	test_night_burst();
	test_usual_rate();
	test_centre_rules();
	test_quiet();
	test_night_shift();
	test_bounded();
	test_hostile();
	return t_done();
}
