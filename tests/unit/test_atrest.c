/*
 * test_atrest.c — a post's records at rest (G8) through the post's own
 * API: sealed in post.db, found by a blind index; with the key token
 * unavailable (a wrong PIN) crossings are still stored, sealed, while
 * history fails closed (TIMS_ERR_UNAVAILABLE, never an empty answer); when
 * the token is back the rows stored meanwhile are indexed and found.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/audit.h"
#include "tims/post.h"
#include "tims/util.h"
#include "tims/vault.h"

static char dir[300];

static void make_record(struct tims_record *r, const char *doc, const char *surname, int exit)
{
	tims_record_init(r);
	r->direction = exit ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "%s", doc);
	snprintf(r->person.surname, sizeof(r->person.surname), "%s", surname);
	snprintf(r->person.birth_date, sizeof(r->person.birth_date), "1961-02-27");
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	r->decision = TIMS_DECISION_ADMIT;
}

static tims_rc count_row(void *ctx, uint64_t index, const struct tims_record *rec)
{
	(void)index;
	(void)rec;
	(*(int *)ctx)++;
	return TIMS_OK;
}

static int file_holds(const char *path, const char *s)
{
	struct tims_buf b = TIMS_BUF_INIT(64u << 20);
	int found = 0;

	if (tims_read_file(path, 64u << 20, &b, NULL) == TIMS_OK)
		for (size_t i = 0; !found && i + strlen(s) <= b.len; i++)
			found = !memcmp(b.buf + i, s, strlen(s));
	tims_buf_release(&b);
	return found;
}

/* Rewrite vault.conf's token line (the URI with another pin-source). */
static void set_pin_source(const char *uri, const char *pin)
{
	char path[400], line[2048];
	const char *ps = strstr(uri, "pin-source=");
	struct tims_buf b = TIMS_BUF_INIT(8192), o = TIMS_BUF_INIT(8192);
	const char *p, *end, *l;
	size_t len, n = 0;

	snprintf(line, sizeof(line), "token %.*spin-source=%s", (int)(ps - uri), uri, pin);
	snprintf(path, sizeof(path), "%s/vault.conf", dir);
	tims_read_file(path, 8192, &b, NULL);
	p = b.buf;
	end = b.buf + b.len;
	while (tims_next_line(&p, end, &l, &len, &n)) {
		if (len > 6 && !memcmp(l, "token ", 6))
			tims_buf_addf(&o, "%s\n", line);
		else
			tims_buf_addf(&o, "%.*s\n", (int)len, l);
	}
	tims_write_file(path, o.buf, o.len, 0600, 1, NULL);
	tims_buf_release(&b);
	tims_buf_release(&o);
}

/* Turn the post back into what a version before sealing kept: post.db and
 * audit.db of schema 1, bodies in clear (tims post seal's input). */
static int unseal_to_v1(void)
{
	struct tims_vault *v = NULL;
	struct tims_buf plain = TIMS_BUF_INIT(1 << 20);
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int ok = 0;

	if (tims_vault_open(dir, &v, NULL))
		return 0;
	snprintf(path, sizeof(path), "%s/post.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN; CREATE TABLE old (idx INTEGER PRIMARY KEY, ref TEXT UNIQUE,"
			 " doc TEXT, nat TEXT, salt BLOB, body BLOB, corrects INTEGER,"
			 " entry BLOB NOT NULL);", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT idx, ref, salt, body, corrects, entry FROM records", -1,
			       &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO old VALUES (?1, ?2, ?3, 'UTO', ?4, ?5, ?6, ?7)", -1,
			       &ins, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		struct tims_record rec;
		char ad[48];

		snprintf(ad, sizeof(ad), "post.records/%lld", (long long)sqlite3_column_int64(sel, 0));
		tims_buf_reset(&plain);
		if (tims_vault_open_blob(v, ad, strlen(ad), sqlite3_column_blob(sel, 3),
					 (size_t)sqlite3_column_bytes(sel, 3), &plain, NULL) ||
		    tims_record_decode(plain.buf, plain.len, &rec, NULL))
			goto out;
		sqlite3_reset(ins);
		sqlite3_bind_value(ins, 1, sqlite3_column_value(sel, 0));
		sqlite3_bind_value(ins, 2, sqlite3_column_value(sel, 1));
		sqlite3_bind_text(ins, 3, rec.person.doc_number, -1, SQLITE_TRANSIENT);
		sqlite3_bind_value(ins, 4, sqlite3_column_value(sel, 2));
		sqlite3_bind_blob(ins, 5, plain.buf, (int)plain.len, SQLITE_TRANSIENT);
		sqlite3_bind_value(ins, 6, sqlite3_column_value(sel, 4));
		sqlite3_bind_value(ins, 7, sqlite3_column_value(sel, 5));
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sel = ins = NULL;
	if (sqlite3_exec(db, "DROP TABLE records; ALTER TABLE old RENAME TO records;"
			 " PRAGMA user_version = 1; COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	sqlite3_close(db);
	db = NULL;
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN; DROP TRIGGER events_no_update;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT idx, body FROM events WHERE body IS NOT NULL", -1, &sel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE events SET body = ?2 WHERE idx = ?1", -1, &ins, NULL) !=
		    SQLITE_OK)
		goto out;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		char ad[48];

		snprintf(ad, sizeof(ad), "audit.events/%lld", (long long)sqlite3_column_int64(sel, 0));
		tims_buf_reset(&plain);
		if (tims_vault_open_blob(v, ad, strlen(ad), sqlite3_column_blob(sel, 1),
					 (size_t)sqlite3_column_bytes(sel, 1), &plain, NULL))
			goto out;
		sqlite3_reset(ins);
		sqlite3_bind_value(ins, 1, sqlite3_column_value(sel, 0));
		sqlite3_bind_blob(ins, 2, plain.buf, (int)plain.len, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
	}
	ok = sqlite3_exec(db, "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
			  " WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
			  " AND NEW.salt IS NULL AND NEW.body IS NULL) BEGIN"
			  " SELECT RAISE(ABORT, 'append-only'); END; PRAGMA user_version = 1; COMMIT;",
			  NULL, NULL, NULL) == SQLITE_OK;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	tims_vault_close(v);
	tims_buf_release(&plain);
	return ok;
}

static void test_seal_old(void)
{
	struct tims_post_seal_stats st;
	struct tims_post *p = NULL;
	struct tims_audit *a = NULL;
	struct tims_err err;
	char path[400];
	int n = 0;

	T_OK(unseal_to_v1(), "a post as an older version kept it (schema 1, in clear)");
	snprintf(path, sizeof(path), "%s/post.db", dir);
	T_OK(file_holds(path, "HALLORANSKY"), "  its post.db holds the surname in clear");
	T_EQ_INT(tims_post_open(dir, TIMS_POST_READ, &p, &err), TIMS_ERR_STATE,
		 "such a post.db is refused (no silent plaintext)");
	T_OK(strstr(err.msg, "tims post seal") != NULL, "  naming the command that seals it (%s)",
	     err.msg);
	T_EQ_INT(tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err), TIMS_ERR_STATE,
		 "its audit.db of schema 1 is refused too");
	T_OK(tims_post_seal(dir, NULL, &st, &err) == TIMS_OK, "tims post seal (%s)", err.msg);
	T_OK(st.records == 2 && st.events == 1 && !st.vault_made,
	     "  2 records and the audit events sealed (%llu, %llu)",
	     (unsigned long long)st.records, (unsigned long long)st.events);
	T_OK(!file_holds(path, "HALLORANSKY") && !file_holds(path, "QWZ9911"),
	     "post.db holds no name or number any more (vacuumed)");
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	T_OK(!file_holds(path, "QWZ9911"), "audit.db neither");
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "the sealed post opens (%s)",
	     err.msg);
	if (p) {
		struct tims_post_verify_stats vs;

		T_OK(tims_post_history(p, "QWZ9911", NULL, count_row, &n, &err) == TIMS_OK && n == 2,
		     "its history: both crossings (%d)", n);
		T_EQ_INT(tims_post_verify(p, NULL, NULL, &vs, &err), TIMS_OK,
			 "its log and records verify after sealing");
		tims_post_free(p);
	}
	T_OK(tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err) == TIMS_OK, "its audit log opens");
	tims_audit_free(a);
	T_OK(tims_post_seal(dir, NULL, &st, &err) == TIMS_OK && st.records == 0 && st.events == 0,
	     "sealing again changes nothing");
}

int main(void)
{
	const char *uri = getenv("TIMS_TOKEN");
	char tmpl[] = "/tmp/tims-atrest-XXXXXX", path[400], pin[400], wrong[400];
	struct tims_record rec;
	struct tims_post_ack ack;
	struct tims_post *p = NULL;
	struct tims_err err;
	int n = 0;

	if (!uri || !strstr(uri, "pin-source=") || !mkdtemp(tmpl)) {
		printf("not ok - TIMS_TOKEN with a pin-source is needed (scripts/token.sh)\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	snprintf(pin, sizeof(pin), "%.*s", (int)strcspn(strstr(uri, "pin-source=") + 11, "&"),
		 strstr(uri, "pin-source=") + 11);
	snprintf(wrong, sizeof(wrong), "%s/wrong-pin", tmpl);
	tims_write_file(wrong, "1111\n", 5, 0600, 1, NULL);
	T_OK(tims_post_init(dir, "example.org/post/atrest", "atrest", "land", &err) == TIMS_OK,
	     "a post with its vault (%s)", err.msg);
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "open (%s)", err.msg);
	if (!p)
		return t_done();
	make_record(&rec, "QWZ9911", "HALLORANSKY", 0);
	T_OK(tims_post_register(p, &rec, "{}", 2, &ack, &err) == TIMS_OK && ack.rc == TIMS_OK,
	     "a crossing registered (%s)", err.msg);
	T_OK(tims_post_history(p, "QWZ9911", NULL, count_row, &n, &err) == TIMS_OK && n == 1,
	     "its history: one crossing");
	{
		static const char q[] = "{\"document\":\"QWZ9911\"}";
		struct tims_audit *a = NULL;
		struct tims_audit_event ev;
		uint64_t at;

		memset(&ev, 0, sizeof(ev));
		snprintf(ev.actor, sizeof(ev.actor), "O1");
		snprintf(ev.role, sizeof(ev.role), "officer");
		snprintf(ev.action, sizeof(ev.action), "history");
		ev.crossing = 0;
		ev.status = 200;
		ev.query = q;
		ev.query_len = strlen(q);
		T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_OK &&
		     tims_audit_append(a, &ev, &at, &err) == TIMS_OK,
		     "an audit event naming the document (%s)", err.msg);
		tims_audit_free(a);
	}
	tims_post_free(p);
	p = NULL;
	snprintf(path, sizeof(path), "%s/post.db", dir);
	{
		sqlite3 *db;

		if (sqlite3_open(path, &db) == SQLITE_OK)
			sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	T_OK(!file_holds(path, "HALLORANSKY") && !file_holds(path, "QWZ9911") &&
	     !file_holds(path, "1961-02-27"), "post.db holds no surname, document number or birth date");

	/* The token refuses the PIN: the post opens all the same. */
	set_pin_source(uri, wrong);
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK,
	     "with the token unavailable the post opens (%s)", err.msg);
	if (!p)
		return t_done();
	T_EQ_INT(tims_vault_state(tims_post_vault(p)), TIMS_VAULT_SEAL_ONLY, "  its vault seals only");
	make_record(&rec, "QWZ9911", "HALLORANSKY", 1);
	T_OK(tims_post_register(p, &rec, "{}", 2, &ack, &err) == TIMS_OK && ack.rc == TIMS_OK,
	     "a crossing is still registered, sealed (%s)", err.msg);
	n = 0;
	T_EQ_INT(tims_post_history(p, "QWZ9911", NULL, count_row, &n, &err), TIMS_ERR_UNAVAILABLE,
		 "history fails closed: UNAVAILABLE, not an empty history");
	T_EQ_INT(n, 0, "  nothing was passed on");
	{
		struct tims_post_search_query q = { "Halloransky", NULL, NULL, NULL, 0, 0, 0 };
		json_t *j = NULL;

		T_EQ_INT(tims_post_search(p, &q, &j, &err), TIMS_ERR_UNAVAILABLE,
			 "a search by name fails closed too: UNAVAILABLE, not \"nobody\"");
		T_OK(!j, "  and answers nothing");
	}
	{
		struct tims_post_verify_stats st;

		T_EQ_INT(tims_post_verify(p, NULL, NULL, &st, &err), TIMS_ERR_UNAVAILABLE,
			 "verifying the records needs the token");
		T_EQ_INT(tims_post_verify_log(p, NULL, NULL, &st, &err), TIMS_OK,
			 "the log alone verifies without it");
		T_EQ_INT(st.records, 2, "  both records");
	}
	{
		struct tims_buf pinb = TIMS_BUF_INIT(256);

		tims_read_file(pin, 256, &pinb, NULL);
		tims_write_file(wrong, pinb.buf, pinb.len, 0600, 1, NULL);
		tims_buf_release(&pinb);
	}
	T_EQ_INT(tims_vault_retry(tims_post_vault(p), &err), TIMS_OK, "the token is back (retry)");
	n = 0;
	T_OK(tims_post_history(p, "QWZ9911", NULL, count_row, &n, &err) == TIMS_OK && n == 2,
	     "history finds both: the row stored meanwhile was indexed (%d, %s)", n, err.msg);
	{
		struct tims_post_search_query q = { "Halloransky", NULL, NULL, NULL, 0, 0, 0 };
		json_t *j = NULL, *m;

		T_OK(tims_post_search(p, &q, &j, &err) == TIMS_OK &&
		     (m = json_array_get(json_object_get(j, "matches"), 0)) &&
		     json_integer_value(json_object_get(m, "crossings")) == 2,
		     "the search by name finds both: the name keys owed were made (%s)", err.msg);
		json_decref(j);
	}
	tims_post_free(p);
	set_pin_source(uri, pin);
	test_seal_old();
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpl);
	}
	return t_done();
}
