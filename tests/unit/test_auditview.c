/*
 * test_auditview.c — the auditors' index over the audit logs at the centre
 * (lib/centre/auditview.c): document references kept only as hashes keyed
 * with DIR/auditview.key (0600), never in clear in centre.db; the index
 * resumes from its persisted cursor (nothing indexed twice, nothing
 * skipped, across a reopen); a search by document finds the events however
 * the reference is written; each result carries bytes that give its entry;
 * the time parameter's parser.
 */
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/centre.h"
#include "tims/util.h"
#include "../../lib/centre/internal.h"
#include "tims/vault.h"

static char dir[] = "/tmp/tims-auditview-XXXXXX";

static int audit(struct tims_centre *c, const char *actor, const char *purpose, const char *doc)
{
	struct tims_err err;
	char q[128];

	snprintf(q, sizeof(q), "{\"kind\":\"history\",\"doc\":\"%s\"}", doc);
	return centre_audit(c, actor, "supervisor", "127.0.0.1", "national.history", purpose, q,
			    "{\"crossings\":[{\"record\":{\"person\":{\"number\":\"ZZ999\"}}}]}",
			    200, &err) == TIMS_OK;
}

/* Whether file holds the bytes s anywhere. */
static int file_holds(const char *path, const char *s)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	struct tims_err err;
	int found = 0;

	if (tims_read_file(path, 64 << 20, &b, &err) == TIMS_OK && b.len >= strlen(s))
		for (size_t i = 0; i + strlen(s) <= b.len && !found; i++)
			found = !memcmp(b.buf + i, s, strlen(s));
	tims_buf_release(&b);
	return found;
}

static int64_t count(struct tims_centre *c, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static json_t *search(struct tims_centre *c, const char *officer, const char *doc,
		      const char *purpose, unsigned page, unsigned size)
{
	struct centre_av_query q = { officer, doc, purpose, NULL, 0, INT64_MAX, page, size };
	struct tims_err err;
	json_t *j = NULL;

	if (centre_av_search(c, &q, &j, &err))
		printf("# search: %s\n", err.msg);
	return j;
}

int main(void)
{
	char path[600], cmd[700];
	struct tims_centre *c = NULL;
	struct tims_err err;
	uint8_t key[CENTRE_AV_KEY_BYTES], h[CENTRE_AV_DOC_BYTES], h2[CENTRE_AV_DOC_BYTES];
	uint64_t added = 99;
	struct stat st;
	json_t *j;
	int64_t t;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/c", dir);
	T_OK(tims_centre_init(path, "tims-centre", NULL, NULL, &err) == TIMS_OK &&
	     tims_centre_open(path, &c, &err) == TIMS_OK, "a centre (%s)", err.msg);
	if (!c)
		return t_done();

	T_OK(centre_av_index(c, &added, &err) == TIMS_OK && added == 0,
	     "an empty audit log indexes nothing (%s)", err.msg);
	T_OK(audit(c, "kostova", "case 2026/114", "L898902C3") &&
	     audit(c, "kostova", "case 2026/115", "AB1234567") &&
	     audit(c, "marinov", "weekly review", "L898902C3"), "three events in the audit log");
	T_OK(centre_av_index(c, &added, &err) == TIMS_OK, "the index is brought up to date (%s)",
	     err.msg);
	T_EQ_INT(added, 3, "it indexes the three events");
	T_EQ_INT(count(c, "SELECT next FROM audit_av_cursor WHERE post = ''"), 3,
		 "the cursor of the centre's log is after them");
	T_OK(centre_av_index(c, &added, &err) == TIMS_OK && added == 0,
	     "again: nothing new, nothing indexed twice");
	T_EQ_INT(count(c, "SELECT count(*) FROM audit_av_events"), 3, "three rows, not six");

	/* the key is the vault's (under the token), never a file beside the
	 * data; only the keyed hash in centre.db */
	snprintf(path, sizeof(path), "%s/c/auditview.key", dir);
	T_OK(stat(path, &st) != 0, "no auditview.key beside centre.db");
	T_OK(tims_vault_blind(c->vault, "auditview-key", "1", 1, key, &err) == TIMS_OK,
	     "the key derived from the vault's index key (%s)", err.msg);
	centre_av_doc_hash(key, "L898902C3", h);
	{
		sqlite3_stmt *s = NULL;
		int n = 0;

		sqlite3_prepare_v2(c->db, "SELECT count(*) FROM audit_av_docs WHERE doc = ?1", -1, &s,
				   NULL);
		sqlite3_bind_blob(s, 1, h, sizeof(h), SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
		T_EQ_INT(n, 2, "both events that asked for L898902C3 are under its keyed hash");
	}
	memset(key + 7, 0x5a, 1);
	centre_av_doc_hash(key, "L898902C3", h2);
	T_OK(memcmp(h, h2, sizeof(h)) != 0, "another key gives another hash (the hash is keyed)");
	crypto_generichash(h2, sizeof(h2), (const unsigned char *)"L898902C3", 9, NULL, 0);
	T_OK(memcmp(h, h2, sizeof(h)) != 0, "not the unkeyed hash anyone could compute");
	T_EQ_INT(count(c, "SELECT count(*) FROM audit_av_docs"), 6,
		 "the result's person number is indexed too (a query's and a result's each)");
	sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	snprintf(path, sizeof(path), "%s/c/centre.db", dir);
	T_OK(!file_holds(path, "L898902C3") && !file_holds(path, "AB1234567"),
	     "centre.db holds no document number in clear");
	/* a centre of before: its index was keyed with a file beside the data;
	 * the file and that index go, the index is rebuilt under the vault */
	snprintf(path, sizeof(path), "%s/c/auditview.key", dir);
	T_OK(tims_write_file(path, "0123456789abcdef0123456789abcdef", 32, 0600, 0, &err) ==
	     TIMS_OK, "an old auditview.key put back");
	T_OK(centre_av_index(c, &added, &err) == TIMS_OK && added == 3 && stat(path, &st) != 0,
	     "the next indexing drops it and re-indexes the 3 events under the vault's key (%s)",
	     err.msg);
	T_EQ_INT(count(c, "SELECT count(*) FROM audit_av_docs"), 6, "the same 6 hashes again");

	/* searches */
	j = search(c, NULL, "l89 890 2c3", NULL, 0, 50);
	T_EQ_INT(json_integer_value(json_object_get(j, "total")), 2,
		 "by document, written in lower case with spaces: both events");
	{
		json_t *r = json_array_get(json_object_get(j, "results"), 0);
		size_t el = 0, sl = 0, bl = 0;
		uint8_t entry[64], salt[64], body[512], want[TIMS_AUDIT_ENTRY_BYTES];
		const char *e = json_string_value(json_object_get(r, "entry"));
		const char *s = json_string_value(json_object_get(r, "salt"));
		const char *b = json_string_value(json_object_get(r, "event"));
		struct tims_audit_event ev;

		T_OK(e && s && b && !sodium_base642bin(entry, sizeof(entry), e, strlen(e), NULL, &el,
				     NULL, sodium_base64_VARIANT_ORIGINAL) &&
		     !sodium_base642bin(salt, sizeof(salt), s, strlen(s), NULL, &sl, NULL,
					sodium_base64_VARIANT_ORIGINAL) &&
		     !sodium_base642bin(body, sizeof(body), b, strlen(b), NULL, &bl, NULL,
					sodium_base64_VARIANT_ORIGINAL) && el == 42 && sl == 32,
		     "a result carries its entry, salt and event bytes");
		T_OK(tims_audit_event_decode(body, bl, &ev, &err) == TIMS_OK &&
		     !strcmp(ev.actor, "marinov"), "newest first: the event decodes to marinov's");
		tims_audit_entry(salt, body, bl, ev.time_ms, want);
		T_OK(!memcmp(want, entry, sizeof(want)), "the bytes give exactly the entry");
		T_OK(json_array_size(json_object_get(r, "proof")) == 1 &&
		     json_integer_value(json_object_get(r, "size")) == 3,
		     "with its path (1 hash for leaf 2 of 3) to the checkpoint of size 3");
	}
	json_decref(j);
	j = search(c, "kostova", NULL, "2026/115", 0, 50);
	T_EQ_INT(json_integer_value(json_object_get(j, "total")), 1, "by officer and purpose");
	json_decref(j);
	j = search(c, "kostova", NULL, NULL, 1, 1);
	T_OK(json_array_size(json_object_get(j, "results")) == 1 &&
	     json_integer_value(json_object_get(json_array_get(json_object_get(j, "results"), 0),
						"index")) == 0, "page 1 of 1 a page: the older one");
	json_decref(j);
	{
		struct centre_av_query q = { NULL, NULL, NULL, NULL, 0, INT64_MAX, 0, 0 };

		j = NULL;
		T_OK(centre_av_search(c, &q, &j, &err) == TIMS_ERR_INVALID &&
		     !strncmp(err.msg, "page_size:", 10), "a page size of 0 is refused, named");
		q.page_size = CENTRE_AV_PAGE_MAX + 1;
		T_OK(centre_av_search(c, &q, &j, &err) == TIMS_ERR_INVALID, "so is 101");
	}

	/* the cursor survives a reopen */
	tims_centre_free(c);
	c = NULL;
	snprintf(path, sizeof(path), "%s/c", dir);
	T_OK(tims_centre_open(path, &c, &err) == TIMS_OK, "reopened");
	if (c) {
		T_OK(audit(c, "dimov", "case 2026/200", "XY000001"), "one more event");
		T_OK(centre_av_index(c, &added, &err) == TIMS_OK && added == 1,
		     "after a reopen the index resumes: only the new event (%llu)",
		     (unsigned long long)added);
		T_EQ_INT(count(c, "SELECT next FROM audit_av_cursor WHERE post = ''"), 4,
			 "the cursor moved on");
		/* a cursor rewound by hand does not duplicate rows */
		sqlite3_exec(c->db, "UPDATE audit_av_cursor SET next = 0", NULL, NULL, NULL);
		T_OK(centre_av_index(c, &added, &err) == TIMS_OK &&
		     count(c, "SELECT count(*) FROM audit_av_events") == 4,
		     "a rewound cursor re-reads but never duplicates");
	}

	/* time parameters */
	T_OK(centre_av_parse_time("1700000000123", &t) && t == 1700000000123LL, "ms");
	T_OK(centre_av_parse_time("2023-11-14T22:13:20Z", &t) && t == 1700000000000LL,
	     "YYYY-MM-DDTHH:MM:SSZ");
	T_OK(centre_av_parse_time("2024-02-29T00:00Z", &t) && t == 1709164800000LL,
	     "YYYY-MM-DDTHH:MMZ, a leap day");
	T_OK(!centre_av_parse_time("2023-02-29T00:00Z", &t), "no 29 February in 2023");
	T_OK(!centre_av_parse_time("yesterday", &t) && !centre_av_parse_time("-1", &t) &&
	     !centre_av_parse_time("2023-11-14 22:13:20", &t) &&
	     !centre_av_parse_time("2023-11-14T24:00:00Z", &t) &&
	     !centre_av_parse_time("1234567890123456", &t) && !centre_av_parse_time("", &t),
	     "malformed times are refused");

	tims_centre_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
