/*
 * test_audit.c — the audit log (include/tims/audit.h) through its public
 * API: the encoding vector of docs/formats.md byte for byte, the strict
 * decoder, bad input refused with the field named and nothing stored,
 * append / list / erase / checkpoints signed under "<origin>/audit", the
 * triggers, and tampering named by verification (changed, deleted,
 * reordered, rolled back); group commit from many threads (every event
 * durable and in the log once, a failed transaction fails every member).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/audit.h"
#include "tims/post.h"
#include "tims/util.h"
#include "tims/vault.h"

static char dir[256];

/* docs/formats.md, "Audit events", vector 1. */
static const char vec_enc[] =
	"010000018bcfe5687b00076976616e6f766100076f6666696365720002423300093139"
	"322e302e322e370007686973746f7279000b7365636f6e64206c696e650000000000"
	"000011000000c8000000187b22646f63756d656e74223a224c3839383930324333227d"
	"000000107b227265636f726473223a5b31375d7d";
static const char vec_entry[] =
	"01020000018bcfe5687b9ea22eea2d009a8b0ed60f86374d5b33a2683039062327e172"
	"c4387970428e3b";
static const char vec_leaf[] =
	"712f61582b60d3a34d3491322e12da3f9cbf60f52f766b1ba697f669e4d0dd06";
static const char vq[] = "{\"document\":\"L898902C3\"}";
static const char vr[] = "{\"records\":[17]}";

static void ev_init(struct tims_audit_event *ev, const char *action)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->actor, sizeof(ev->actor), "ivanova");
	snprintf(ev->role, sizeof(ev->role), "officer");
	snprintf(ev->booth, sizeof(ev->booth), "B3");
	snprintf(ev->addr, sizeof(ev->addr), "192.0.2.7");
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	ev->crossing = -1;
	ev->status = 200;
}

static void vector_event(struct tims_audit_event *ev)
{
	ev_init(ev, "history");
	ev->time_ms = 1700000000123;
	snprintf(ev->purpose, sizeof(ev->purpose), "second line");
	ev->crossing = 17;
	ev->query = vq;
	ev->query_len = strlen(vq);
	ev->result = vr;
	ev->result_len = strlen(vr);
}

static void hex(const void *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", ((const uint8_t *)p)[i]);
}

static void test_vector(void)
{
	struct tims_audit_event ev, back;
	struct tims_buf b = TIMS_BUF_INIT(TIMS_AUDIT_MAX_BYTES);
	uint8_t salt[TIMS_AUDIT_SALT_BYTES], entry[TIMS_AUDIT_ENTRY_BYTES];
	tims_hash leaf;
	char h[600];
	struct tims_err err;
	int bad = 0;

	vector_event(&ev);
	T_OK(tims_audit_event_encode(&ev, &b, &err) == TIMS_OK, "vector: encodes (%s)", err.msg);
	hex(b.buf, b.len, h);
	T_EQ_STR(h, vec_enc, "vector: the encoding, byte for byte");
	for (int i = 0; i < 32; i++)
		salt[i] = (uint8_t)i;
	tims_audit_entry(salt, b.buf, b.len, ev.time_ms, entry);
	hex(entry, sizeof(entry), h);
	T_EQ_STR(h, vec_entry, "vector: the leaf entry with salt 00..1f");
	tims_tlog_leaf_hash(entry, sizeof(entry), leaf);
	hex(leaf, sizeof(leaf), h);
	T_EQ_STR(h, vec_leaf, "vector: the leaf hash");
	T_OK(tims_audit_event_decode(b.buf, b.len, &back, &err) == TIMS_OK &&
	     back.time_ms == ev.time_ms && back.crossing == 17 && back.status == 200 &&
	     !strcmp(back.actor, "ivanova") && !strcmp(back.purpose, "second line") &&
	     back.query_len == strlen(vq) && !memcmp(back.query, vq, strlen(vq)) &&
	     back.result_len == strlen(vr) && !memcmp(back.result, vr, strlen(vr)),
	     "vector: decodes to the same event");

	/* Strict: every truncation, a trailing byte, bytes changed. */
	for (size_t n = 0; n < b.len; n++)
		if (tims_audit_event_decode(b.buf, n, &back, NULL) != TIMS_ERR_INVALID)
			bad++;
	T_EQ_INT(bad, 0, "decode: every truncation is refused");
	tims_buf_addch(&b, 0);
	T_OK(tims_audit_event_decode(b.buf, b.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: a trailing byte is refused");
	T_EQ_STR(err.msg, "audit event: 1 bytes after the result", "decode: trailing bytes named");
	tims_buf_setlen(&b, b.len - 1);
	b.buf[0] = 2;
	T_OK(tims_audit_event_decode(b.buf, b.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: an unknown version is refused");
	T_EQ_STR(err.msg, "version: 2, want 1", "decode: the version is named");
	b.buf[0] = 1;
	b.buf[12] = '\n';  /* inside the actor */
	T_OK(tims_audit_event_decode(b.buf, b.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: a control character stored in a field is refused");
	T_EQ_STR(err.msg, "actor: control character at byte 1", "decode: the field is named");
	b.buf[12] = 'v';
	b.buf[b.len - 2] = '}';  /* result: {"records":[17}} */
	T_OK(tims_audit_event_decode(b.buf, b.len, &back, &err) == TIMS_ERR_INVALID &&
	     !strncmp(err.msg, "result: not JSON text", 21),
	     "decode: a result that is not JSON is refused (%s)", err.msg);
	b.buf[b.len - 2] = ']';
	b.buf[72] = 0x01;  /* status 200 -> 0x010000c8 */
	T_OK(tims_audit_event_decode(b.buf, b.len, &back, &err) == TIMS_ERR_INVALID &&
	     !strncmp(err.msg, "status:", 7), "decode: a status out of range is refused (%s)", err.msg);
	tims_buf_release(&b);
}

static void test_bad_input(struct tims_audit *a)
{
	static char big[TIMS_AUDIT_TEXT_MAX + 8];
	static const struct {
		const char *name, *query, *purpose, *actor;
		int status;
		int64_t crossing;
		const char *action;
		tims_rc rc;
		const char *msg; /* prefix */
	} cases[] = {
		{ "a query that is not JSON", "{not json", "", "ivanova", 200, -1, "history",
		  TIMS_ERR_INVALID, "query: not JSON text" },
		{ "a query with two JSON texts", "{} {}", "", "ivanova", 200, -1, "history",
		  TIMS_ERR_INVALID, "query: not JSON text" },
		{ "a query with bad UTF-8 in a string", "{\"n\":\"\xc3\x28\"}", "", "ivanova", 200, -1,
		  "history", TIMS_ERR_INVALID, "query: not JSON text" },
		{ "a query with a duplicate key", "{\"a\":1,\"a\":2}", "", "ivanova", 200, -1,
		  "history", TIMS_ERR_INVALID, "query: not JSON text" },
		{ "an empty query (NULL means none)", "", "", "ivanova", 200, -1, "history",
		  TIMS_ERR_INVALID, "query: empty" },
		{ "a purpose with a newline", NULL, "line one\nline two", "ivanova", 200, -1,
		  "history", TIMS_ERR_INVALID, "purpose: control character at byte 8" },
		{ "an actor that is not UTF-8", NULL, "", "iv\xff", 200, -1, "history",
		  TIMS_ERR_INVALID, "actor: not UTF-8 at byte 2" },
		{ "an overlong UTF-8 form", NULL, "", "\xc0\xaf", 200, -1, "history",
		  TIMS_ERR_INVALID, "actor: not UTF-8 at byte 0" },
		{ "no action", NULL, "", "ivanova", 200, -1, "", TIMS_ERR_INVALID, "action: empty" },
		{ "a status that is no HTTP status", NULL, "", "ivanova", 42, -1, "history",
		  TIMS_ERR_INVALID, "status: 42, want an HTTP status 100-599" },
		{ "a crossing below -1", NULL, "", "ivanova", 200, -5, "history",
		  TIMS_ERR_INVALID, "crossing: -5, want a log index or -1" },
		{ "a query past TIMS_AUDIT_TEXT_MAX", big, "", "ivanova", 200, -1, "history",
		  TIMS_ERR_TOOBIG, "query: 65537 bytes, at most 65536" },
	};
	struct tims_audit_event ev;
	struct tims_err err;
	uint64_t before, after, idx;
	struct tims_audit_verify_stats st;

	memset(big, ' ', sizeof(big));
	big[0] = '1';
	big[TIMS_AUDIT_TEXT_MAX + 1] = '\0';
	T_OK(tims_audit_verify(a, NULL, NULL, &st, NULL) == TIMS_OK, "bad input: the log verifies before");
	before = st.events;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(cases); i++) {
		tims_rc rc;

		ev_init(&ev, cases[i].action);
		snprintf(ev.purpose, sizeof(ev.purpose), "%s", cases[i].purpose);
		snprintf(ev.actor, sizeof(ev.actor), "%s", cases[i].actor);
		ev.status = cases[i].status;
		ev.crossing = cases[i].crossing;
		if (cases[i].query) {
			ev.query = cases[i].query;
			ev.query_len = strlen(cases[i].query);
		}
		err.msg[0] = '\0';
		rc = tims_audit_append(a, &ev, &idx, &err);
		T_OK(rc == cases[i].rc && !strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)),
		     "bad input: %s is refused, naming the field (%s)", cases[i].name, err.msg);
	}
	/* A 65536-byte JSON text is at the limit, not past it. */
	ev_init(&ev, "history");
	big[TIMS_AUDIT_TEXT_MAX] = '\0';
	ev.query = big;
	ev.query_len = TIMS_AUDIT_TEXT_MAX;
	T_OK(tims_audit_event_check(&ev, &err) == TIMS_OK,
	     "bad input: a query of exactly TIMS_AUDIT_TEXT_MAX bytes is accepted (%s)", err.msg);
	T_OK(tims_audit_verify(a, NULL, NULL, &st, NULL) == TIMS_OK, "bad input: the log verifies after");
	after = st.events;
	T_EQ_INT(after, before, "bad input: nothing was stored");
}

struct listed {
	uint64_t n, first, erased_seen;
	int queries;
};

static tims_rc on_event(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct listed *l = ctx;

	if (!l->n)
		l->first = index;
	l->n++;
	if (ev->query && ev->query_len == strlen(vq) && !memcmp(ev->query, vq, ev->query_len))
		l->queries++;
	if (!strcmp(ev->action, "erased") && !ev->query && !ev->result && ev->time_ms > 0)
		l->erased_seen++;
	return TIMS_OK;
}

static int nfind;
static char first_finding[512];
static struct tims_buf all_findings = TIMS_BUF_INIT(1 << 20);

static void on_finding(void *ctx, const char *f)
{
	(void)ctx;
	if (!nfind++)
		snprintf(first_finding, sizeof(first_finding), "%s", f);
	tims_buf_addstr(&all_findings, f);
	tims_buf_addch(&all_findings, '\n');
}

static tims_rc verify(const char *d, struct tims_audit_verify_stats *st)
{
	struct tims_audit *a;
	struct tims_audit_verify_stats s;
	tims_rc rc;

	nfind = 0;
	first_finding[0] = '\0';
	tims_buf_reset(&all_findings);
	if (tims_audit_open(d, TIMS_AUDIT_READ, &a, NULL))
		return TIMS_ERR_IO;
	rc = tims_audit_verify(a, on_finding, NULL, st ? st : &s, NULL);
	tims_audit_free(a);
	return rc;
}

static int sql(const char *d, const char *stmt)
{
	char path[400];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/audit.db", d);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, stmt, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* A copy of the post directory to tamper with. */
static const char *copy(const char *name)
{
	static char to[400];
	char cmd[1400];

	snprintf(to, sizeof(to), "%s-%s", dir, name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s' '%s'", to, dir, to);
	return system(cmd) == 0 ? to : "/nonexistent";
}

static const char unlock[] = "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;";

/* An attacker who holds the token: event idx's body opened, changed by
 * `change` (NULL: replaced by `raw`), sealed again in its place. */
static int reseal(const char *d, uint64_t idx, const char *from, const char *to,
		  const void *raw, size_t rawlen)
{
	struct tims_buf plain = TIMS_BUF_INIT(1 << 20), sealed = TIMS_BUF_INIT(1 << 20);
	struct tims_vault *v = NULL;
	char path[400], ad[48];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/audit.db", d);
	snprintf(ad, sizeof(ad), "audit.events/%llu", (unsigned long long)idx);
	if (tims_vault_open(d, &v, NULL) || sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "DROP TRIGGER events_no_update", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT body FROM events WHERE idx = ?1", -1, &st, NULL))
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    tims_vault_open_blob(v, ad, strlen(ad), sqlite3_column_blob(st, 0),
				 (size_t)sqlite3_column_bytes(st, 0), &plain, NULL))
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (from) {
		char *at = NULL;

		for (size_t i = 0; !at && i + strlen(from) <= plain.len; i++)
			if (!memcmp(plain.buf + i, from, strlen(from)))
				at = plain.buf + i;
		if (!at || strlen(to) != strlen(from))
			goto out;
		memcpy(at, to, strlen(to));
	} else {
		tims_buf_reset(&plain);
		tims_buf_add(&plain, raw, rawlen);
	}
	if (tims_vault_seal(v, 0, ad, strlen(ad), plain.buf, plain.len, &sealed, NULL) ||
	    sqlite3_prepare_v2(db, "UPDATE events SET body = ?2 WHERE idx = ?1", -1, &st, NULL))
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 2, sealed.buf, (int)sealed.len, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : -1;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	tims_vault_close(v);
	tims_buf_release(&plain);
	tims_buf_release(&sealed);
	return rc;
}

static void test_log(void)
{
	struct tims_audit *a = NULL;
	struct tims_audit_event ev;
	struct tims_audit_verify_stats st;
	struct tims_checkpoint cp;
	struct tims_buf note;
	struct tims_note n;
	struct tims_err err;
	struct listed l;
	struct stat sb;
	char path[400];
	uint64_t idx;
	int64_t last = 0;
	int issued, order_ok = 1;

	T_OK(tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err) == TIMS_ERR_NOTFOUND,
	     "open: reading a log that does not exist yet is refused");
	T_OK(tims_audit_open("/nonexistent/post", TIMS_AUDIT_WRITE, &a, &err) == TIMS_ERR_NOTFOUND,
	     "open: a directory that is no post is refused (%s)", err.msg);
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK,
	     "open: for writing creates audit.db (%s)", err.msg);
	if (!a)
		return;
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	T_OK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	     "open: audit.db is readable by its owner only");
	for (int i = 0; i < 20; i++) {
		vector_event(&ev);
		snprintf(ev.action, sizeof(ev.action), "%s", i % 2 ? "check" : "history");
		if (tims_audit_append(a, &ev, &idx, &err) || idx != (uint64_t)i)
			break;
		if (ev.time_ms < last || ev.time_ms < 1700000000000)
			order_ok = 0;
		last = ev.time_ms;
	}
	T_OK(idx == 19, "append: 20 events at indexes 0-19 (%s)", err.msg);
	T_OK(order_ok, "append: the node's clock sets the time, never going back");
	test_bad_input(a);
	T_OK(tims_audit_checkpoint(a, &issued, &err) == TIMS_OK && issued,
	     "checkpoint: signed (%s)", err.msg);
	T_OK(tims_audit_checkpoint(a, &issued, &err) == TIMS_OK && !issued,
	     "checkpoint: not again when nothing is new");
	T_OK(tims_audit_latest_checkpoint(a, &note, &cp, &err) == TIMS_OK && cp.size == 20 &&
	     !strcmp(cp.origin, "example.org/post/audit-test/audit"),
	     "checkpoint: covers 20 events under the origin '<post origin>/audit'");
	{
		struct tims_post *p;

		T_OK(tims_post_open(dir, TIMS_POST_READ, &p, &err) == TIMS_OK &&
		     tims_note_verify(note.buf, note.len, tims_post_verifier(p), 1, &n, &err) == TIMS_OK,
		     "checkpoint: signed with the post's key (%s)", err.msg);
		tims_post_free(p);
	}
	tims_buf_release(&note);

	/* An append after the interval signs a checkpoint in its transaction. */
	{
		struct timespec ts = { 1, 100000000 };

		nanosleep(&ts, NULL);
		ev_init(&ev, "login");
		T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_OK && idx == 20 &&
		     tims_audit_latest_checkpoint(a, &note, &cp, &err) == TIMS_OK && cp.size == 21,
		     "append: signs a checkpoint with the event once a second (%s)", err.msg);
		tims_buf_release(&note);
	}

	memset(&l, 0, sizeof(l));
	T_OK(tims_audit_list(a, 5, 10, on_event, &l, &err) == TIMS_OK && l.n == 10 && l.first == 5 &&
	     l.queries == 10, "list: events 5-14, with what was asked");
	T_OK(tims_audit_erase(a, 99, &err) == TIMS_ERR_NOTFOUND, "erase: past the log is refused");
	T_EQ_STR(err.msg, "no event 99", "erase: the refusal names the event");
	T_OK(tims_audit_erase(a, 5, &err) == TIMS_OK, "erase: retention erases event 5's payload");
	memset(&l, 0, sizeof(l));
	T_OK(tims_audit_list(a, 0, 100, on_event, &l, &err) == TIMS_OK && l.n == 21 &&
	     l.erased_seen == 1 && l.queries == 19,
	     "list: the erased event comes with its time and no query or result");
	tims_audit_free(a);
	T_OK(verify(dir, &st) == TIMS_OK && st.events == 21 && st.erased == 1 && st.checkpoints == 3,
	     "verify: the log still verifies after erasure (%s)", first_finding);

	T_OK(sql(dir, "UPDATE events SET body = x'00' WHERE idx = 3") != SQLITE_OK,
	     "triggers: an UPDATE of an event is refused");
	T_OK(sql(dir, "UPDATE events SET salt = NULL WHERE idx = 3") != SQLITE_OK,
	     "triggers: erasing the salt alone is refused");
	T_OK(sql(dir, "DELETE FROM events WHERE idx = 3") != SQLITE_OK,
	     "triggers: a DELETE is refused");
	T_OK(sql(dir, "DELETE FROM hashes WHERE id = 3") != SQLITE_OK,
	     "triggers: stored hashes cannot be deleted");
	T_OK(sql(dir, "UPDATE checkpoints SET note = 'x'") != SQLITE_OK,
	     "triggers: checkpoints cannot be changed");
}

static void test_tamper(void)
{
	struct tims_audit *a;
	struct tims_audit_event ev;
	struct tims_err err;
	const char *w;
	char cmd[1200];
	uint64_t idx;
	int issued;

	/* Same length: the body still decodes, only the commitment differs. */
	w = copy("changed");
	T_OK(reseal(w, 7, "ivanova", "someone", NULL, 0) == SQLITE_OK &&
	     verify(w, NULL) == TIMS_ERR_TAMPER, "tamper: an event changed is found");
	T_EQ_STR(first_finding, "event 7: leaf hash does not match its event (altered)",
		 "tamper: the finding names the changed event");

	w = copy("deleted");
	snprintf(cmd, sizeof(cmd), "%s DELETE FROM events WHERE idx = 12", unlock);
	T_OK(sql(w, cmd) == SQLITE_OK && verify(w, NULL) == TIMS_ERR_TAMPER,
	     "tamper: a deleted event is found");
	T_EQ_STR(first_finding, "event 12 missing: the log goes from event 11 to 13 (deleted)",
		 "tamper: the finding names the deleted event");

	w = copy("swapped");
	snprintf(cmd, sizeof(cmd), "%s UPDATE events SET idx = -1 WHERE idx = 2;"
		 " UPDATE events SET idx = 2 WHERE idx = 4; UPDATE events SET idx = 4 WHERE idx = -1",
		 unlock);
	T_OK(sql(w, cmd) == SQLITE_OK && verify(w, NULL) == TIMS_ERR_TAMPER,
	     "tamper: two events swapped are found");
	T_OK(strstr(tims_buf_str(&all_findings), "event 2: out of order: it was logged at index 4 "
		    "(events swapped or reordered)\n") != NULL,
	     "tamper: the finding names the swapped events (%s)", first_finding);

	w = copy("undecodable");
	T_OK(reseal(w, 9, NULL, NULL, "\x01\x00", 2) ==
	     SQLITE_OK && verify(w, NULL) == TIMS_ERR_TAMPER, "tamper: a body that does not decode is found");
	T_EQ_STR(first_finding, "event 9: does not decode (altered): time: truncated",
		 "tamper: the finding names the event and the field");
	w = copy("moved");
	T_OK(sql(w, "DROP TRIGGER events_no_update; UPDATE events SET body = (SELECT body FROM events"
		 " WHERE idx = 8) WHERE idx = 9") == SQLITE_OK && verify(w, NULL) == TIMS_ERR_TAMPER,
	     "tamper: a sealed event moved to another row is found");
	T_EQ_STR(first_finding, "event 9: its sealed event does not open (altered, or moved from another row)",
		 "tamper: the finding names the row it was moved to");


	/* Rolled back: a copy of audit.db from 21 events, after 24 were signed. */
	snprintf(cmd, sizeof(cmd), "cp '%s/audit.db' '%s/audit.db.old'", dir, dir);
	T_OK(system(cmd) == 0, "rollback: a backup of audit.db at 21 events");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK, "rollback: reopen (%s)", err.msg);
	if (a) {
		ev_init(&ev, "check");
		for (int i = 0; i < 3; i++)
			T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_OK, "rollback: event %d appended", i);
		T_OK(tims_audit_checkpoint(a, &issued, &err) == TIMS_OK && issued,
		     "rollback: a checkpoint of 24 events");
		tims_audit_free(a);
	}
	snprintf(cmd, sizeof(cmd), "cp '%s/audit.db.old' '%s/audit.db' && rm -f '%s/audit.db-wal' '%s/audit.db-shm'",
		 dir, dir, dir, dir);
	T_OK(system(cmd) == 0, "rollback: audit.db replaced by the older copy");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_ERR_TAMPER,
	     "rollback: refused for writing");
	T_OK(strstr(err.msg, "audit.db holds 21 events but the audit log published a checkpoint of 24") != NULL,
	     "rollback: the refusal says why (%s)", err.msg);
	T_OK(verify(dir, NULL) == TIMS_ERR_TAMPER, "rollback: verify finds it");
	T_EQ_STR(first_finding, "event 21 missing: log has 21 events but the checkpoint file outside "
		 "audit.db signs size 24 (deleted or rolled back)", "rollback: verify names it");
}

/* The audit event a crossing owes goes in exactly once, under its key. */
static void test_append_once(void)
{
	char d[400];
	struct tims_audit *a = NULL;
	struct tims_audit_event ev;
	struct tims_err err;
	uint64_t i1 = 0, i2 = 0, idx = 0;
	int ex1 = -1, ex2 = -1;

	snprintf(d, sizeof(d), "%s-once", dir);
	if (tims_post_init(d, "example.org/post/once", "once", "land", &err) ||
	    tims_audit_open(d, TIMS_AUDIT_WRITE, &a, &err)) {
		T_OK(0, "append once: a post and its audit log (%s)", err.msg);
		return;
	}
	vector_event(&ev);
	T_OK(tims_audit_append_once(a, "crossing/5", &ev, &i1, &ex1, &err) == TIMS_OK &&
	     i1 == 0 && ex1 == 0, "append once: the first time appends (%s)", err.msg);
	vector_event(&ev);
	T_OK(tims_audit_append_once(a, "crossing/5", &ev, &i2, &ex2, &err) == TIMS_OK &&
	     i2 == 0 && ex2 == 1, "append once: again under the same key appends nothing");
	tims_audit_free(a);
	a = NULL;
	T_OK(tims_audit_open(d, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK &&
	     tims_audit_append_once(a, "crossing/5", &ev, &i2, &ex2, &err) == TIMS_OK && ex2 == 1,
	     "append once: also after a reopen (a restart)");
	vector_event(&ev);
	T_OK(a && tims_audit_append(a, &ev, &idx, &err) == TIMS_OK && idx == 1,
	     "append once: the log grew by one event only");
	T_OK(a && tims_audit_broken(a) == NULL, "append: the log is not stopped");
	tims_audit_free(a);
}

/* ---- group commit ---- */

#define G_THREADS 8
#define G_EACH 25

struct g_thread {
	struct tims_audit *a;
	pthread_barrier_t *start;
	int t, n, failed, bad_error;
	uint64_t index[G_EACH];
};

static void *g_run(void *arg)
{
	struct g_thread *g = arg;

	pthread_barrier_wait(g->start);
	for (int i = 0; i < g->n; i++) {
		struct tims_audit_event ev;
		struct tims_err err;
		char q[64];

		ev_init(&ev, "check");
		snprintf(q, sizeof(q), "{\"thread\":%d,\"i\":%d}", g->t, i);
		ev.query = q;
		ev.query_len = strlen(q);
		if (tims_audit_append_group(g->a, &ev, &g->index[i], &err)) {
			g->failed++;
			g->bad_error |= !err.msg[0];
		} else {
			g->index[i] = g->index[i] + 1; /* 0: not appended */
		}
	}
	return NULL;
}

/* n events from each of G_THREADS threads at once; the failures counted. */
static int g_burst(struct tims_audit *a, int n, struct g_thread *g)
{
	pthread_t th[G_THREADS];
	pthread_barrier_t start;
	int failed = 0;

	pthread_barrier_init(&start, NULL, G_THREADS);
	for (int t = 0; t < G_THREADS; t++) {
		memset(&g[t], 0, sizeof(g[t]));
		g[t].a = a;
		g[t].start = &start;
		g[t].t = t;
		g[t].n = n;
		pthread_create(&th[t], NULL, g_run, &g[t]);
	}
	for (int t = 0; t < G_THREADS; t++) {
		pthread_join(th[t], NULL);
		failed += g[t].failed;
	}
	pthread_barrier_destroy(&start);
	return failed;
}

/* Each event of the burst, by (thread, i), at the index its caller got. */
struct g_seen {
	int count[G_THREADS][G_EACH];
	int misplaced;
	const struct g_thread *g;
};

static tims_rc g_on_event(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct g_seen *s = ctx;
	char q[64];

	if (!ev->query)
		return TIMS_OK;
	for (int t = 0; t < G_THREADS; t++)
		for (int i = 0; i < G_EACH; i++) {
			snprintf(q, sizeof(q), "{\"thread\":%d,\"i\":%d}", t, i);
			if (ev->query_len != strlen(q) || memcmp(ev->query, q, ev->query_len))
				continue;
			s->count[t][i]++;
			s->misplaced += s->g[t].index[i] != index + 1;
		}
	return TIMS_OK;
}

static void test_group(void)
{
	char d[400];
	struct tims_audit *a = NULL;
	struct tims_audit_event ev;
	struct tims_audit_verify_stats st;
	struct g_thread *g = calloc(G_THREADS, sizeof(*g));
	struct g_seen *seen = calloc(1, sizeof(*seen));
	struct tims_err err;
	uint64_t idx = 0, groups = 0, events = 0, size = 0;
	int once = 1, failed, bad_error = 0;

	snprintf(d, sizeof(d), "%s-group", dir);
	if (!g || !seen || tims_post_init(d, "example.org/post/group", "group", "land", &err) ||
	    tims_audit_open(d, TIMS_AUDIT_WRITE, &a, &err)) {
		T_OK(0, "group: a post and its audit log");
		free(g);
		free(seen);
		return;
	}
	/* a bad event is refused alone, nothing stored */
	ev_init(&ev, "");
	T_OK(tims_audit_append_group(a, &ev, &idx, &err) == TIMS_ERR_INVALID,
	     "group: a bad event is refused (%s)", err.msg);
	failed = g_burst(a, G_EACH, g);
	T_OK(failed == 0, "group: %d threads x %d events appended, %d failed", G_THREADS,
	     G_EACH, failed);
	tims_audit_group_stats(a, &groups, &events);
	T_OK(events == G_THREADS * G_EACH && groups <= events,
	     "group: %" PRIu64 " events in %" PRIu64 " groups", events, groups);
	printf("# %" PRIu64 " events in %" PRIu64 " groups\n", events, groups);
	seen->g = g;
	T_OK(tims_audit_list(a, 0, UINT64_MAX, g_on_event, seen, &err) == TIMS_OK,
	     "group: the log lists");
	for (int t = 0; t < G_THREADS; t++)
		for (int i = 0; i < G_EACH; i++)
			once &= seen->count[t][i] == 1;
	T_OK(once && !seen->misplaced,
	     "group: every event is in the log once, at the index its caller was given");
	tims_audit_free(a);
	a = NULL;
	if (verify(d, &st) == TIMS_OK)
		size = st.events;
	T_OK(size == G_THREADS * G_EACH, "group: the log verifies (%" PRIu64 " events)", size);
	size = 0;

	/* A transaction that fails (an insert refused behind the log's back)
	 * fails every member of its group: none is durable, none told so. */
	T_OK(sql(d, "CREATE TRIGGER g_fail BEFORE INSERT ON events BEGIN"
		    " SELECT RAISE(ABORT, 'refused for the test'); END;") == SQLITE_OK,
	     "group: a trigger that refuses every insert");
	if (tims_audit_open(d, TIMS_AUDIT_WRITE, &a, &err)) {
		T_OK(0, "group: reopen (%s)", err.msg);
	} else {
		failed = g_burst(a, 3, g);
		for (int t = 0; t < G_THREADS; t++)
			bad_error |= g[t].bad_error;
		T_OK(failed == G_THREADS * 3 && !bad_error,
		     "group: a failed transaction fails every member with its error (%d of %d)",
		     failed, G_THREADS * 3);
		tims_audit_free(a);
	}
	if (sql(d, "DROP TRIGGER g_fail") == SQLITE_OK && verify(d, &st) == TIMS_OK)
		size = st.events;
	T_OK(size == G_THREADS * G_EACH,
	     "group: nothing of the failed groups is in the log (%" PRIu64 " events)", size);
	free(g);
	free(seen);
}

int main(void)
{
	struct tims_err err;
	char tmpl[] = "/tmp/tims-test-audit-XXXXXX";

	test_vector();
	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	T_OK(tims_post_init(dir, "example.org/post/audit-test", "audit test", "land", &err) == TIMS_OK,
	     "a post to audit (%s)", err.msg);
	test_log();
	test_tamper();
	test_append_once();
	test_group();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	tims_buf_release(&all_findings);
	return t_done();
}
