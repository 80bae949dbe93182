/* test_audit.c — the audit log: append, list, erase, verify, tampering, bad input. */
#include <sqlite3.h>

#include "t.h"
#include "tims/audit.h"
#include "tims/post.h"
#include "../../lib/audit/audit_int.h"

static int nfind;
static char last[512];

static void on_finding(void *ctx, const char *f)
{
	(void)ctx;
	nfind++;
	snprintf(last, sizeof(last), "%s", f);
}

static tims_rc count_cb(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	(void)index;
	if (!strcmp(ev->action, "history"))
		(*(int *)ctx)++;
	return TIMS_OK;
}

static void ev_init(struct tims_audit_event *ev, const char *action)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->actor, sizeof(ev->actor), "ivanova");
	snprintf(ev->role, sizeof(ev->role), "officer");
	snprintf(ev->booth, sizeof(ev->booth), "B3");
	snprintf(ev->addr, sizeof(ev->addr), "127.0.0.1");
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	ev->crossing = -1;
	ev->status = 200;
}

static int sql(const char *dir, const char *stmt)
{
	char path[512];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/audit.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, stmt, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static tims_rc verify(const char *dir)
{
	struct tims_audit *a;
	struct tims_audit_verify_stats st;
	tims_rc rc;

	nfind = 0;
	last[0] = '\0';
	if (tims_audit_open(dir, TIMS_AUDIT_READ, &a, NULL))
		return TIMS_ERR_IO;
	rc = tims_audit_verify(a, on_finding, NULL, &st, NULL);
	tims_audit_free(a);
	return rc;
}

int main(void)
{
	char dir[] = "/tmp/tims-audit-XXXXXX", cmd[600], backup[600];
	struct tims_audit *a;
	struct tims_audit_event ev, back;
	struct tims_buf enc = TIMS_BUF_INIT(AUDIT_ENC_MAX);
	struct tims_err err;
	uint64_t idx;
	int issued, n = 0;
	const char *q = "{\"document\":\"L898902C3\"}", *r = "{\"records\":[0,1]}";

	if (!mkdtemp(dir) || tims_post_init(dir, "test.example/audit", "audit", "land", &err))
		return 2;
	T_OK(tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err) == TIMS_ERR_NOTFOUND, "open: reading a log that does not exist yet is refused");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK, "open: for writing creates audit.db (%s)", err.msg);

	ev_init(&ev, "history");
	snprintf(ev.purpose, sizeof(ev.purpose), "second line interview");
	ev.query = q; ev.query_len = strlen(q); ev.result = r; ev.result_len = strlen(r);
	T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_OK && idx == 0, "append: the first event is index 0");
	T_OK(ev.time_ms > 1700000000000, "append: the node's clock sets the time");
	for (int i = 1; i < 20; i++) {
		ev_init(&ev, i % 2 ? "check" : "history");
		T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_OK && idx == (uint64_t)i, "append: event %d", i);
	}
	T_OK(tims_audit_checkpoint(a, &issued, &err) == TIMS_OK && issued, "checkpoint: signed");
	T_OK(tims_audit_checkpoint(a, &issued, &err) == TIMS_OK && !issued, "checkpoint: not again when nothing is new");

	/* bad input: nothing stored */
	ev_init(&ev, "history");
	ev.query = "{not json"; ev.query_len = 9;
	T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_ERR_INVALID, "bad input: a query that is not JSON is refused");
	T_OK(strncmp(err.msg, "query: not JSON", 15) == 0, "bad input: the field is named (%s)", err.msg);
	ev_init(&ev, "history");
	snprintf(ev.purpose, sizeof(ev.purpose), "line one\nline two");
	T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_ERR_INVALID && !strcmp(err.msg, "purpose: control character"), "bad input: a control character in the purpose is refused");
	ev_init(&ev, "");
	T_OK(tims_audit_append(a, &ev, &idx, &err) == TIMS_ERR_INVALID, "bad input: an event without an action is refused");
	tims_audit_free(a);

	/* round trip of the encoding */
	ev_init(&ev, "crossing");
	ev.crossing = 42; ev.time_ms = 1700000000123; ev.query = q; ev.query_len = strlen(q);
	T_OK(audit_encode(&ev, &enc, &err) == TIMS_OK, "encoding: encodes");
	T_OK(audit_decode(enc.buf, enc.len, &back, &err) == TIMS_OK && back.crossing == 42 &&
	     back.time_ms == 1700000000123 && !strcmp(back.action, "crossing") &&
	     back.query_len == strlen(q) && !memcmp(back.query, q, back.query_len) && !back.result,
	     "encoding: decodes to the same event");
	T_OK(audit_decode(enc.buf, enc.len - 1, &back, &err) == TIMS_ERR_INVALID, "encoding: a truncated event is refused");
	enc.buf[0] = 9;
	T_OK(audit_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID, "encoding: an unknown version is refused");

	T_OK(tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err) == TIMS_OK, "list: open for reading");
	T_OK(tims_audit_list(a, 0, 100, count_cb, &n, &err) == TIMS_OK && n == 10, "list: every history event is there (%d)", n);
	tims_audit_free(a);
	T_OK(verify(dir) == TIMS_OK && nfind == 0, "verify: an untouched log verifies");

	T_OK(sql(dir, "UPDATE events SET body = x'00' WHERE idx = 3") != SQLITE_OK, "triggers: an UPDATE of an event is refused");
	T_OK(sql(dir, "DELETE FROM events WHERE idx = 3") != SQLITE_OK, "triggers: a DELETE is refused");

	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK && tims_audit_erase(a, 5, &err) == TIMS_OK, "erase: retention erases one payload");
	tims_audit_free(a);
	T_OK(verify(dir) == TIMS_OK, "erase: the log still verifies");

	snprintf(backup, sizeof(backup), "cp %s/audit.db %s/audit.db.old", dir, dir);
	T_OK(system(backup) == 0, "backup of audit.db");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK, "reopen");
	ev_init(&ev, "check");
	for (int i = 0; i < 3; i++)
		tims_audit_append(a, &ev, &idx, &err);
	T_OK(tims_audit_checkpoint(a, &issued, &err) == TIMS_OK && issued, "checkpoint of 23 events");
	tims_audit_free(a);

	T_OK(sql(dir, "DROP TRIGGER events_no_update; UPDATE events SET body = CAST(replace(CAST(body AS TEXT), 'ivanova', 'someone') AS BLOB) WHERE idx = 7") == SQLITE_OK, "tamper: event 7 changed behind the program's back");
	T_OK(verify(dir) == TIMS_ERR_TAMPER && strstr(last, "audit event 7") != NULL, "tamper: verify names the altered event (%s)", last);
	T_OK(sql(dir, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE idx = 12") == SQLITE_OK, "tamper: event 12 deleted");
	verify(dir);
	T_OK(nfind >= 2, "tamper: verify finds the deletion too (%d findings)", nfind);

	snprintf(cmd, sizeof(cmd), "cp %s/audit.db.old %s/audit.db && rm -f %s/audit.db-wal %s/audit.db-shm", dir, dir, dir, dir);
	T_OK(system(cmd) == 0, "rollback: audit.db replaced by an older copy");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_ERR_TAMPER, "rollback: refused for writing (%s)", err.msg);
	T_OK(verify(dir) == TIMS_ERR_TAMPER && strstr(last, "audit.checkpoint signs 23 events but 20") != NULL, "rollback: verify names it (%s)", last);

	tims_buf_release(&enc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
