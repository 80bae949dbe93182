/*
 * test_events.c — the events a post owes the centre (tims/event.h) and
 * their queue in post.db (tims/post.h): kept in order, numbered by a
 * sequence that never goes back, marked delivered idempotently, still
 * there after a reopen; the JSON the centre parses is strict.
 */
#include <jansson.h>
#include <sqlite3.h>

#include "t.h"
#include "tims/event.h"
#include "tims/post.h"
#include "tims/util.h"

static char dir[256];

static void make_event(struct tims_event *ev, unsigned kind, const char *doc)
{
	tims_event_init(ev);
	ev->kind = (uint8_t)kind;
	ev->time_ms = 1767225600000LL + kind;
	snprintf(ev->officer, sizeof(ev->officer), "off1");
	snprintf(ev->booth, sizeof(ev->booth), "B1");
	snprintf(ev->document, sizeof(ev->document), "%s", doc);
	snprintf(ev->issuer, sizeof(ev->issuer), "UTO");
	snprintf(ev->nationality, sizeof(ev->nationality), "UTO");
	if (kind == TIMS_EVENT_ADMIT_WITH_HIT || kind == TIMS_EVENT_DISCREET_HIT) {
		ev->nhits = 1;
		ev->hits[0].part = TIMS_HIT_PERSON;
		ev->hits[0].discreet = kind == TIMS_EVENT_DISCREET_HIT;
		snprintf(ev->hits[0].list, sizeof(ev->hits[0].list), "sis");
		snprintf(ev->hits[0].ref, sizeof(ev->hits[0].ref), "SIS-%s", doc);
		snprintf(ev->hits[0].alert, sizeof(ev->hits[0].alert), "discreet-check");
		ev->hits[0].version = 7;
		ev->hits[0].score_pm = 973;
		ev->decision = TIMS_DECISION_ADMIT;
		ev->crossing = 41;
		ev->ncompanions = 1;
		ev->companions[0].relation = TIMS_REL_MINOR;
		snprintf(ev->companions[0].issuer, sizeof(ev->companions[0].issuer), "UTO");
		snprintf(ev->companions[0].doc_number, sizeof(ev->companions[0].doc_number), "C1");
		snprintf(ev->plate, sizeof(ev->plate), "CA1234");
		snprintf(ev->vehicle_country, sizeof(ev->vehicle_country), "UTO");
	}
}

struct seen {
	size_t n;
	uint64_t seq[16];
	char doc[16][TIMS_RECORD_FIELD];
	struct tims_event first;
};

static tims_rc collect(void *ctx, uint64_t seq, const struct tims_event *ev)
{
	struct seen *s = ctx;

	if (s->n == 0)
		s->first = *ev;
	if (s->n < 16) {
		s->seq[s->n] = seq;
		snprintf(s->doc[s->n], sizeof(s->doc[0]), "%s", ev->document);
	}
	s->n++;
	return TIMS_OK;
}

static size_t pending(struct tims_post_events *q, struct seen *s)
{
	struct tims_err err;

	memset(s, 0, sizeof(*s));
	if (tims_post_events_pending(q, 100, collect, s, &err))
		printf("# pending: %s\n", err.msg);
	return s->n;
}

static void test_queue(void)
{
	static struct tims_event ev;
	struct tims_post_events *q = NULL;
	struct tims_post_events_stats st;
	static struct seen s;
	struct tims_err err;
	uint64_t seq[4] = { 0 };

	T_OK(tims_post_events_open(dir, &q, &err) == TIMS_OK, "queue: opens in post.db (%s)",
	     err.msg);
	if (!q)
		return;
	T_EQ_INT(pending(q, &s), 0, "queue: a new post owes nothing");
	make_event(&ev, TIMS_EVENT_HIT, "D1");
	T_OK(tims_post_event_add(q, &ev, &seq[0], &err) == TIMS_OK, "queue: a hit is stored");
	make_event(&ev, TIMS_EVENT_ADMIT_WITH_HIT, "D2");
	T_OK(tims_post_event_add(q, &ev, &seq[1], &err) == TIMS_OK,
	     "queue: an admission with a hit is stored");
	make_event(&ev, TIMS_EVENT_IMPOSTOR, "");
	ev.time_ms = 0;
	T_OK(tims_post_event_add(q, &ev, &seq[2], &err) == TIMS_OK,
	     "queue: an impostor alert is stored");
	T_OK(seq[0] >= 1 && seq[1] == seq[0] + 1 && seq[2] == seq[1] + 1,
	     "queue: each event gets the next sequence number (%llu %llu %llu)",
	     (unsigned long long)seq[0], (unsigned long long)seq[1], (unsigned long long)seq[2]);
	T_EQ_INT(pending(q, &s), 3, "queue: three pending");
	{
		/* the supervisor page's count of a day: by kind, by the event's time */
		uint64_t c[TIMS_POST_EVENT_KINDS];

		T_OK(tims_post_events_count(q, 1767225600000LL, 1767225600000LL + 86400000, c, &err) ==
		     TIMS_OK && c[TIMS_EVENT_HIT] == 1 && c[TIMS_EVENT_ADMIT_WITH_HIT] == 1 &&
		     c[TIMS_EVENT_IMPOSTOR] == 0, "count: the day's hit and admission with a hit, "
		     "not the alert of today");
		T_OK(tims_post_events_count(q, 1767225600000LL + TIMS_EVENT_HIT + 1,
					    1767225600000LL + 86400000, c, &err) == TIMS_OK &&
		     c[TIMS_EVENT_HIT] == 0 && c[TIMS_EVENT_ADMIT_WITH_HIT] == 1,
		     "count: an event before the window's start is not counted");
		T_OK(tims_post_events_count(q, 0, INT64_MAX, c, &err) == TIMS_OK &&
		     c[TIMS_EVENT_IMPOSTOR] == 1, "count: the alert, at its own time");
	}
	T_OK(s.seq[0] == seq[0] && s.seq[1] == seq[1] && s.seq[2] == seq[2],
	     "queue: listed oldest first, in sequence order");
	T_EQ_STR(s.doc[1], "D2", "queue: each event comes back as stored");

	/* A stored event reads back whole. */
	make_event(&ev, TIMS_EVENT_ADMIT_WITH_HIT, "D2");
	{
		struct seen one;

		memset(&one, 0, sizeof(one));
		tims_post_events_delivered(q, seq[0], &err);
		tims_post_events_pending(q, 1, collect, &one, &err);
		T_OK(one.n == 1 && !memcmp(&one.first, &ev, sizeof(ev)),
		     "queue: every field of an event survives post.db");
	}
	T_EQ_INT(pending(q, &s), 2, "queue: delivered up to the first: two pending");
	T_OK(tims_post_events_delivered(q, seq[0], &err) == TIMS_OK && pending(q, &s) == 2,
	     "queue: marking delivered again is harmless");
	T_OK(tims_post_events_delivered(q, 0, &err) == TIMS_OK && pending(q, &s) == 2,
	     "queue: marking below what is delivered changes nothing");
	T_OK(tims_post_events_stats(q, &st, &err) == TIMS_OK && st.pending == 2 &&
	     st.delivered_kept == 1 && st.last_seq == seq[2] && st.oldest_pending_ms > 0,
	     "queue: stats count pending and kept delivered rows");

	/* Invalid events are refused, nothing stored. */
	make_event(&ev, 0, "D9");
	T_OK(tims_post_event_add(q, &ev, NULL, &err) == TIMS_ERR_INVALID,
	     "queue: an event without a kind is refused");
	make_event(&ev, TIMS_EVENT_HIT, "D9");
	snprintf(ev.booth, sizeof(ev.booth), "B\n1");
	T_OK(tims_post_event_add(q, &ev, NULL, &err) == TIMS_ERR_INVALID,
	     "queue: a control character in a field is refused (%s)", err.msg);
	make_event(&ev, TIMS_EVENT_HIT, "D9");
	ev.nhits = TIMS_EVENT_MAX_HITS + 1;
	T_OK(tims_post_event_add(q, &ev, NULL, &err) == TIMS_ERR_INVALID,
	     "queue: more hits than an event holds are refused");
	T_EQ_INT(pending(q, &s), 2, "queue: nothing refused was stored");
	tims_post_events_close(q);

	/* Reopened (a restart): what was pending still is, numbers go on. */
	q = NULL;
	T_OK(tims_post_events_open(dir, &q, &err) == TIMS_OK, "reopen: the queue opens again");
	if (!q)
		return;
	T_EQ_INT(pending(q, &s), 2, "reopen: the pending events survive a reopen");
	T_OK(s.seq[0] == seq[1] && s.seq[1] == seq[2], "reopen: still in order");
	T_OK(tims_post_events_delivered(q, seq[2], &err) == TIMS_OK && pending(q, &s) == 0,
	     "reopen: all delivered: nothing pending");
	tims_post_events_close(q);

	/* Delivered rows deleted (retention): a number is never given again. */
	{
		sqlite3 *db = NULL;
		char path[400];

		snprintf(path, sizeof(path), "%s/post.db", dir);
		T_OK(sqlite3_open(path, &db) == SQLITE_OK &&
		     sqlite3_exec(db, "DELETE FROM event_queue", NULL, NULL, NULL) == SQLITE_OK,
		     "retention: delivered rows deleted");
		sqlite3_close(db);
	}
	q = NULL;
	if (tims_post_events_open(dir, &q, &err))
		return;
	make_event(&ev, TIMS_EVENT_CORRECTION, "D4");
	if (tims_post_event_add(q, &ev, &seq[3], &err))
		printf("# add: %s\n", err.msg);
	T_EQ_INT(seq[3], seq[2] + 1, "retention: the next event is numbered after the deleted ones");
	tims_post_events_close(q);
}

/* The log's writer and the queue share post.db without locking each other out. */
static void test_with_log(void)
{
	static struct tims_record rec[20];
	static struct tims_post_ack ack[20];
	static struct tims_event ev;
	struct tims_post_events *q = NULL;
	struct tims_post *p = NULL;
	struct tims_err err;
	int ok = 1;

	if (tims_post_open(dir, TIMS_POST_WRITE, &p, &err) ||
	    tims_post_events_open(dir, &q, &err)) {
		T_OK(0, "log: opens (%s)", err.msg);
		goto out;
	}
	for (unsigned i = 0; i < 20; i++) {
		tims_record_init(&rec[i]);
		rec[i].direction = TIMS_DIR_ENTRY;
		rec[i].decision = TIMS_DECISION_ADMIT;
		snprintf(rec[i].ref, sizeof(rec[i].ref), "r-%u", i);
		snprintf(rec[i].officer, sizeof(rec[i].officer), "off1");
		snprintf(rec[i].booth, sizeof(rec[i].booth), "B1");
		snprintf(rec[i].person.doc_number, sizeof(rec[i].person.doc_number), "D%u", i);
		snprintf(rec[i].person.surname, sizeof(rec[i].person.surname), "S");
		snprintf(rec[i].person.nationality, sizeof(rec[i].person.nationality), "UTO");
		if (tims_post_append(p, &rec[i], 1, &ack[i], &err) || ack[i].rc) {
			printf("# append: %s %s\n", err.msg, ack[i].msg);
			ok = 0;
		}
		make_event(&ev, TIMS_EVENT_HIT, rec[i].person.doc_number);
		if (tims_post_event_add(q, &ev, NULL, &err))
			ok = 0;
	}
	T_OK(ok, "log: records and events interleave on one post.db (%s)", ok ? "" : err.msg);
out:
	tims_post_events_close(q);
	tims_post_free(p);
}

static json_t *parse(const char *text)
{
	return json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
}

static void test_json(void)
{
	static struct tims_event ev, back;
	struct tims_err err;
	uint64_t seq = 0;
	json_t *j;
	static const struct { const char *json; const char *why; } bad[] = {
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"origin\":\"bg/post-b\"}",
		  "an origin in the body (the centre takes it from the certificate)" },
		{ "{\"seq\":1,\"kind\":\"party\",\"time_ms\":1}", "an unknown kind" },
		{ "{\"seq\":1,\"kind\":\"hit\"}", "no time" },
		{ "{\"kind\":\"hit\",\"time_ms\":1}", "no sequence number" },
		{ "{\"seq\":0,\"kind\":\"hit\",\"time_ms\":1}", "sequence number 0" },
		{ "{\"seq\":\"1\",\"kind\":\"hit\",\"time_ms\":1}", "a sequence number as a string" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":-5}", "a negative time" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"hits\":[{\"part\":\"soul\"}]}",
		  "an unknown hit part" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"hits\":[{\"part\":\"person\","
		  "\"score_pm\":1001}]}", "a score above 1000 per mille" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"hits\":[{\"part\":\"person\","
		  "\"x\":1}]}", "an unknown field in a hit" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"decision\":\"wave\"}",
		  "an unknown decision" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"booth\":\"a\\u0000b\"}",
		  "a NUL inside a string" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"booth\":\"a\\u0007b\"}",
		  "a control character" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"booth\":7}", "a number for a string" },
		{ "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"companions\":[{\"relation\":"
		  "\"minor\"}]}", "a companion without a document" },
		{ "[1]", "not an object" },
	};

	make_event(&ev, TIMS_EVENT_DISCREET_HIT, "D7");
	j = tims_event_json(&ev, 12);
	T_OK(j && tims_event_from_json(j, &back, &seq, &err) == TIMS_OK && seq == 12 &&
	     !memcmp(&ev, &back, sizeof(ev)), "json: an event round-trips with its number");
	T_OK(j && tims_event_from_json(j, &back, NULL, &err) == TIMS_ERR_INVALID,
	     "json: a number where none is expected is refused");
	json_decref(j);
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bad); i++) {
		j = parse(bad[i].json);
		T_OK(j && tims_event_from_json(j, &back, &seq, &err) == TIMS_ERR_INVALID,
		     "json: refused: %s (%s)", bad[i].why, err.msg);
		json_decref(j);
	}
	{
		char big[400];

		snprintf(big, sizeof(big), "{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"booth\":\"%0200d\"}",
			 0);
		j = parse(big);
		T_OK(j && tims_event_from_json(j, &back, &seq, &err) == TIMS_ERR_INVALID &&
		     strstr(err.msg, "booth"), "json: an over-long field is refused, named (%s)",
		     err.msg);
		json_decref(j);
	}
	T_EQ_STR(tims_event_kind_name(TIMS_EVENT_ADMIT_WITH_HIT), "admit-with-hit",
		 "names: admit-with-hit");
	T_EQ_INT(tims_event_kind_parse("second-line"), TIMS_EVENT_SECOND_LINE,
		 "names: second-line parses");
	for (unsigned k = 1; k <= TIMS_EVENT_KIND_MAX; k++)
		if (tims_event_kind_parse(tims_event_kind_name(k)) != k)
			T_OK(0, "names: kind %u round-trips", k);
}

int main(void)
{
	struct tims_err err;
	char tmpl[] = "/tmp/tims-test-events-XXXXXX";

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	T_OK(tims_post_init(dir, "example.org/post/ev", "ev", "land", &err) == TIMS_OK,
	     "init: a post (%s)", err.msg);
	test_queue();
	test_with_log();
	test_json();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
