/*
 * test_export.c — bulk export at the centre (tims/export.h): the sealing
 * (only the recipient's key opens it, a changed byte opens nothing), the
 * daily limit on a simulated clock over days and across a restart, paging
 * through `present` counted against it, and the two-person rule with its
 * refusals (the requester, the same role, a replay, someone else's fetch,
 * an expired request, a sealed file changed at rest).
 */
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "tims/centre.h"
#include "tims/cstore.h"
#include "tims/export.h"
#include "tims/record.h"
#include "tims/util.h"

#define DAY_MS 86400000LL

static int64_t ms_of(const char *date, int hour)
{
	int64_t d = 0;

	tims_date_parse(date, &d, "date", NULL);
	return d * DAY_MS + (int64_t)hour * 3600000;
}

static void test_seal(const char *dir)
{
	uint8_t pk[32], sk[32], pk2[32], sk2[32], rpk[32], rsk[32];
	struct tims_buf sealed = TIMS_BUF_INIT(1 << 20), plain = TIMS_BUF_INIT(1 << 20);
	const char msg[] = "{\"present\":[{\"document\":\"X1\"}]}";
	char path[512], pub[512];
	struct tims_buf pubtext = TIMS_BUF_INIT(256);
	struct tims_err err;

	T_OK(tims_export_keygen(pk, sk, &err) == TIMS_OK && tims_export_keygen(pk2, sk2, &err) ==
	     TIMS_OK, "key pairs are made");
	T_OK(tims_export_seal(pk, msg, strlen(msg), &sealed, &err) == TIMS_OK &&
	     sealed.len == strlen(msg) + TIMS_EXPORT_SEAL_BYTES, "a result is sealed (+48 bytes)");
	{
		int shown = 0;

		for (size_t i = 0; i + strlen(msg) <= sealed.len; i++)
			shown |= !memcmp(sealed.buf + i, msg, strlen(msg));
		T_OK(!shown, "the sealed bytes do not hold the text");
	}
	T_OK(tims_export_open(pk, sk, sealed.buf, sealed.len, &plain, &err) == TIMS_OK &&
	     plain.len == strlen(msg) && !memcmp(plain.buf, msg, plain.len),
	     "the recipient's key opens it whole");
	T_OK(tims_export_open(pk2, sk2, sealed.buf, sealed.len, &plain, &err) == TIMS_ERR_CRYPTO &&
	     plain.len == 0, "another key opens nothing (%s)", err.msg);
	for (size_t i = 0; i < sealed.len; i += 7) {
		sealed.buf[i] ^= 0x01;
		if (tims_export_open(pk, sk, sealed.buf, sealed.len, &plain, &err) != TIMS_ERR_CRYPTO ||
		    plain.len != 0) {
			T_OK(0, "a sealed file changed at byte %zu does not open", i);
			break;
		}
		sealed.buf[i] ^= 0x01;
		if (i + 7 >= sealed.len)
			T_OK(1, "a sealed file changed at any byte does not open");
	}
	T_OK(tims_export_open(pk, sk, sealed.buf, sealed.len - 1, &plain, &err) == TIMS_ERR_CRYPTO,
	     "a truncated sealed file does not open");
	T_OK(tims_export_open(pk, sk, sealed.buf, 10, &plain, &err) == TIMS_ERR_CRYPTO,
	     "a sealed file shorter than its overhead is refused");

	snprintf(path, sizeof(path), "%s/recipient.key", dir);
	snprintf(pub, sizeof(pub), "%s/recipient.key.pub", dir);
	T_OK(tims_export_key_write(path, pk, sk, &err) == TIMS_OK, "key files are written");
	{
		struct stat st;

		T_OK(stat(path, &st) == 0 && (st.st_mode & 077) == 0, "the secret key file is 0600");
	}
	T_OK(tims_export_key_read(path, rpk, rsk, &err) == TIMS_OK && !memcmp(rpk, pk, 32) &&
	     !memcmp(rsk, sk, 32), "the key file reads back");
	T_OK(tims_read_file(pub, 256, &pubtext, &err) == TIMS_OK &&
	     tims_export_pub_parse(pubtext.buf, pubtext.len, rpk, &err) == TIMS_OK &&
	     !memcmp(rpk, pk, 32), "the public file gives the public key");
	T_OK(tims_export_pub_parse("abcd", 4, rpk, &err) == TIMS_ERR_INVALID,
	     "a short public key is refused (%s)", err.msg);
	T_OK(tims_export_key_write(path, pk, sk, &err) == TIMS_ERR_EXISTS,
	     "a key file is never overwritten");
	{
		/* a secret key file whose public half is another's */
		char bad[512], text[300], h1[65], h2[65];

		snprintf(bad, sizeof(bad), "%s/mixed.key", dir);
		sodium_bin2hex(h1, sizeof(h1), pk2, 32);
		sodium_bin2hex(h2, sizeof(h2), sk, 32);
		snprintf(text, sizeof(text), "tims-export-key v1\npublic %s\nsecret %s\n", h1, h2);
		T_OK(tims_write_file(bad, text, strlen(text), 0600, 0, &err) == TIMS_OK &&
		     tims_export_key_read(bad, rpk, rsk, &err) == TIMS_ERR_INVALID,
		     "a key file whose halves disagree is refused (%s)", err.msg);
	}
	tims_buf_release(&sealed);
	tims_buf_release(&plain);
	tims_buf_release(&pubtext);
}

static void test_config(void)
{
	struct tims_export_config c;
	struct tims_err err;
	const char good[] = "# limits\nrows_per_day = 50\n  request_ttl_s=60\nfetch_max = 2\n"
			    "max_rows = 5000\n";

	tims_export_config_init(&c);
	T_OK(c.rows_per_day == 200 && c.request_ttl_s == 86400 && c.fetch_max == 1,
	     "defaults: 200 rows a day, a day to approve, one fetch");
	T_OK(tims_export_config_parse(&c, good, strlen(good), "export.conf", &err) == TIMS_OK &&
	     c.rows_per_day == 50 && c.request_ttl_s == 60 && c.fetch_max == 2 && c.max_rows == 5000,
	     "export.conf is read");
	T_OK(tims_export_config_parse(&c, "rows = 5\n", 9, "export.conf", &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "line 1") && strstr(err.msg, "rows"),
	     "an unknown key is refused with its line (%s)", err.msg);
	{
		/* the shipped example says what the defaults are */
		struct tims_buf b = TIMS_BUF_INIT(8192);
		struct tims_export_config d;

		tims_export_config_init(&d);
		tims_export_config_init(&c);
		if (tims_read_file("etc/export.conf", b.max, &b, &err) == TIMS_OK)
			T_OK(tims_export_config_parse(&c, b.buf, b.len, "etc/export.conf", &err) ==
			     TIMS_OK && c.rows_per_day == d.rows_per_day &&
			     c.request_ttl_s == d.request_ttl_s && c.fetch_max == d.fetch_max &&
			     c.max_rows == d.max_rows,
			     "etc/export.conf parses to the defaults (%s)", err.msg);
		else
			printf("# etc/export.conf not found from here: not checked\n");
		tims_buf_release(&b);
	}
	T_OK(tims_export_config_parse(&c, "fetch_max = 0\n", 14, "export.conf", &err) ==
	     TIMS_ERR_INVALID, "fetch_max 0 is refused");
	T_OK(tims_export_config_parse(&c, "rows_per_day = -1\n", 18, "export.conf", &err) ==
	     TIMS_ERR_INVALID, "a negative limit is refused");
}

/* Present travellers: 30 entries on 2026-03-01, docs P0..P29. */
static void fill(struct tims_centre *c)
{
	struct tims_cstore *s = tims_centre_store(c);

	for (int i = 0; i < 30; i++) {
		struct tims_record r;
		uint8_t leaf[32];
		char tag[32];

		tims_record_init(&r);
		r.direction = TIMS_DIR_ENTRY;
		r.decision = TIMS_DECISION_ADMIT;
		r.time_ms = ms_of("2026-03-01", 8) + i * 60000;
		snprintf(r.ref, sizeof(r.ref), "r-%d", i);
		snprintf(r.officer, sizeof(r.officer), "O1");
		snprintf(r.booth, sizeof(r.booth), "B1");
		snprintf(r.person.doc_code, sizeof(r.person.doc_code), "P");
		snprintf(r.person.issuer, sizeof(r.person.issuer), "GBR");
		snprintf(r.person.doc_number, sizeof(r.person.doc_number), "P%d", i);
		snprintf(r.person.surname, sizeof(r.person.surname), "TRAVELLER");
		snprintf(r.person.given_names, sizeof(r.person.given_names), "NUMBER %d", i);
		snprintf(r.person.nationality, sizeof(r.person.nationality), "GBR");
		snprintf(r.person.birth_date, sizeof(r.person.birth_date), "1980-01-01");
		snprintf(tag, sizeof(tag), "leaf-%d", i);
		crypto_hash_sha256(leaf, (const unsigned char *)tag, strlen(tag));
		if (tims_cstore_add(s, "post-a", (uint64_t)i, (uint64_t)r.time_ms, leaf, &r, NULL,
				    NULL))
			T_OK(0, "record %d added", i);
	}
}

static void write_conf(const char *dir, const char *text)
{
	char path[512];
	struct tims_err err;

	snprintf(path, sizeof(path), "%s/export.conf", dir);
	unlink(path);
	if (tims_write_file(path, text, strlen(text), 0600, 1, &err))
		T_OK(0, "export.conf written: %s", err.msg);
}

static void test_limit(const char *dir, struct tims_centre **cp)
{
	struct tims_centre *c = *cp;
	struct tims_export_usage u;
	struct tims_err err;
	int64_t day1 = ms_of("2026-03-02", 9), day2 = day1 + DAY_MS;
	uint64_t used = 0;

	write_conf(dir, "rows_per_day = 200\n");
	T_OK(tims_centre_export_charge(c, "ana", 150, day1, &u, &err) == TIMS_OK && u.used == 150 &&
	     u.limit == 200, "150 rows taken on day 1");
	T_OK(tims_centre_export_charge(c, "ana", 60, day1 + 3600000, &u, &err) == TIMS_ERR_DENIED &&
	     u.refused && u.used == 150, "60 more the same day are refused (%s)", err.msg);
	T_OK(tims_centre_export_used(c, "ana", day1, &used, &err) == TIMS_OK && used == 150,
	     "a refusal takes nothing");
	T_OK(tims_centre_export_charge(c, "ana", 50, day1 + 7200000, &u, &err) == TIMS_OK &&
	     u.used == 200, "up to the limit exactly is allowed");
	T_OK(tims_centre_export_charge(c, "ana", 1, day1 + 7300000, &u, &err) == TIMS_ERR_DENIED,
	     "one row past it is refused");
	T_OK(tims_centre_export_charge(c, "bob", 200, day1, &u, &err) == TIMS_OK,
	     "another officer has a limit of their own");
	T_OK(tims_centre_export_charge(c, "carl", 201, day1, &u, &err) == TIMS_ERR_DENIED,
	     "one answer larger than the limit is refused outright");
	T_OK(tims_centre_export_charge(c, "ana", 120, day2, &u, &err) == TIMS_OK && u.used == 120,
	     "a new UTC day starts again");
	/* a restart keeps the count */
	tims_centre_free(c);
	T_OK(tims_centre_open(dir, cp, &err) == TIMS_OK, "the centre reopens");
	c = *cp;
	T_OK(tims_centre_export_used(c, "ana", day2 + 3600000, &used, &err) == TIMS_OK &&
	     used == 120, "the day's count survives a restart");
	T_OK(tims_centre_export_charge(c, "ana", 81, day2 + 3600000, &u, &err) == TIMS_ERR_DENIED,
	     "and still refuses past the limit after it");
	{
		/* four processes at once, 60 rows each, against 200: three pass */
		int passed = 0, st;
		pid_t kids[4];

		write_conf(dir, "rows_per_day = 200\n");
		for (int i = 0; i < 4; i++) {
			if ((kids[i] = fork()) == 0) {
				struct tims_centre *k = NULL;
				struct tims_err e;

				if (tims_centre_open(dir, &k, &e))
					_exit(3);
				st = tims_centre_export_charge(k, "dora", 60, day2, NULL, &e);
				tims_centre_free(k);
				_exit(st == TIMS_OK ? 0 : st == TIMS_ERR_DENIED ? 1 : 2);
			}
		}
		for (int i = 0; i < 4; i++)
			if (kids[i] > 0 && waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st) &&
			    WEXITSTATUS(st) == 0)
				passed++;
		T_OK(passed == 3 && tims_centre_export_used(c, "dora", day2, &used, &err) == TIMS_OK &&
		     used == 180, "four processes at once: three pass, 180 taken (%d passed)", passed);
	}
	write_conf(dir, "rows_per_day = 500\n");
	T_OK(tims_centre_export_charge(c, "ana", 81, day2 + 3600000, &u, &err) == TIMS_OK &&
	     u.limit == 500, "the configured limit is the one in force");
}

/* Paging through present counts toward the same limit as any query. */
static void test_paging(const char *dir, struct tims_centre *c)
{
	struct tims_centre_query q;
	struct tims_export_usage u;
	struct tims_err err;
	json_t *out = NULL;
	tims_rc rc;

	write_conf(dir, "rows_per_day = 25\n");
	memset(&q, 0, sizeof(q));
	q.kind = "present";
	q.at_ms = ms_of("2026-03-05", 0);
	q.limit = 10;
	q.actor = "pager";
	q.role = "analyst";
	q.purpose = "daily report";
	q.usage = &u;
	rc = tims_centre_query(c, &q, &out, &err);
	T_OK(rc == TIMS_OK && json_array_size(json_object_get(out, "present")) == 10 &&
	     u.rows == 10 && u.used == 10, "page 1 of present: 10 rows counted");
	json_decref(out);
	q.offset = 10;
	rc = tims_centre_query(c, &q, &out, &err);
	T_OK(rc == TIMS_OK && u.used == 20, "page 2: 20 rows counted");
	json_decref(out);
	q.offset = 20;
	rc = tims_centre_query(c, &q, &out, &err);
	T_OK(rc == TIMS_ERR_DENIED && u.refused && out == NULL && strstr(err.msg, "export limit") &&
	     strstr(err.msg, "25"), "page 3 would pass the limit: refused, nothing given (%s)",
	     err.msg);
	q.offset = 0;
	q.limit = 1000;
	q.actor = "bulk";
	rc = tims_centre_query(c, &q, &out, &err);
	T_OK(rc == TIMS_ERR_DENIED && out == NULL, "one page of 30 is refused outright");
	q.kind = "counts";
	q.by = "post";
	q.from_ms = 0;
	q.to_ms = ms_of("2026-04-01", 0);
	q.actor = "pager";
	rc = tims_centre_query(c, &q, &out, &err);
	T_OK(rc == TIMS_OK && u.rows == 0, "counts name nobody: not counted, still answered");
	json_decref(out);
}

static void test_two_person(const char *dir, struct tims_centre *c)
{
	struct tims_principal ana = { "ana", TIMS_ROLE_ANALYST, 0, "cli" };
	struct tims_principal ann = { "ann", TIMS_ROLE_ANALYST, 0, "cli" };
	struct tims_principal sam = { "sam", TIMS_ROLE_SUPERVISOR, 0, "cli" };
	struct tims_principal adm = { "adm", TIMS_ROLE_ADMIN, 0, "cli" };
	struct tims_principal aud = { "aud", TIMS_ROLE_AUDITOR, 0, "cli" };
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_EXPORT_SEALED_MAX);
	struct tims_buf plain = TIMS_BUF_INIT(1 << 24);
	struct tims_export_request r, r2;
	uint8_t pk[32], sk[32], h[32];
	int64_t now = ms_of("2026-03-05", 10);
	char hex[65];
	struct tims_err err;
	json_t *params, *doc;

	write_conf(dir, "rows_per_day = 5\nrequest_ttl_s = 3600\n");
	T_OK(tims_export_keygen(pk, sk, &err) == TIMS_OK, "recipient key");
	params = json_pack("{s:I}", "at_ms", (json_int_t)ms_of("2026-03-05", 0));
	T_OK(tims_centre_export_request(c, &adm, "local", "present", params, "ministry request 7",
					pk, now, &r, &err) == TIMS_ERR_DENIED,
	     "an admin (no personal data) cannot ask for an export");
	T_OK(tims_centre_export_request(c, &ana, "local", "present", params, "x", pk, now, &r,
					&err) == TIMS_ERR_INVALID, "a purpose is required");
	{
		json_t *bad = json_pack("{s:s}", "drop", "table");

		T_OK(tims_centre_export_request(c, &ana, "local", "present", bad, "ministry request 7",
						pk, now, &r, &err) == TIMS_ERR_INVALID,
		     "an unknown parameter is refused (%s)", err.msg);
		json_decref(bad);
	}
	T_OK(tims_centre_export_request(c, &ana, "local", "present", params, "ministry request 7",
					pk, now, &r, &err) == TIMS_OK && !strcmp(r.state, "pending") &&
	     strlen(r.id) == 32, "an analyst asks for the present list: pending");
	T_OK(tims_centre_export_approve(c, &ana, "local", r.id, now + 1000, &r2, &err) ==
	     TIMS_ERR_DENIED, "the requester cannot approve it (%s)", err.msg);
	T_OK(tims_centre_export_approve(c, &ann, "local", r.id, now + 1000, &r2, &err) ==
	     TIMS_ERR_DENIED, "another analyst cannot either: another role approves (%s)", err.msg);
	T_OK(tims_centre_export_approve(c, &aud, "local", r.id, now + 1000, &r2, &err) ==
	     TIMS_ERR_DENIED, "nor an auditor");
	T_OK(tims_centre_export_fetch(c, &ana, "local", r.id, now + 1000, &sealed, &r2, &err) ==
	     TIMS_ERR_STATE, "nothing to fetch before approval");
	T_OK(tims_centre_export_approve(c, &sam, "local", r.id, now + 2000, &r2, &err) == TIMS_OK &&
	     !strcmp(r2.state, "approved") && r2.rows == 30 && !strcmp(r2.approver, "sam"),
	     "a supervisor approves: 30 rows, past the limit of 5, made (%s)", err.msg);
	T_OK(tims_centre_export_approve(c, &sam, "local", r.id, now + 3000, NULL, &err) ==
	     TIMS_ERR_STATE, "a replayed approval is refused");
	T_OK(tims_centre_export_fetch(c, &sam, "local", r.id, now + 3000, &sealed, NULL, &err) ==
	     TIMS_ERR_DENIED, "the approver cannot fetch it");
	T_OK(tims_centre_export_fetch(c, &ann, "local", r.id, now + 3000, &sealed, NULL, &err) ==
	     TIMS_ERR_DENIED, "nor anyone else");
	T_OK(tims_centre_export_fetch(c, &ana, "local", r.id, now + 4000, &sealed, NULL, &err) ==
	     TIMS_OK && sealed.len == r2.sealed_bytes, "the requester fetches it");
	crypto_hash_sha256(h, (const unsigned char *)sealed.buf, sealed.len);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	T_EQ_STR(hex, r2.sealed_sha256, "what is fetched is what was hashed at approval");
	T_OK(tims_export_open(pk, sk, sealed.buf, sealed.len, &plain, &err) == TIMS_OK,
	     "the recipient opens it");
	doc = json_loadb(plain.buf, plain.len, 0, NULL);
	T_OK(doc && json_array_size(json_object_get(json_object_get(doc, "result"), "present")) ==
	     30 && !strcmp(json_string_value(json_object_get(doc, "approved_by")), "sam") &&
	     !strcmp(json_string_value(json_object_get(doc, "requested_by")), "ana"),
	     "it holds all 30 travellers and both people");
	crypto_hash_sha256(h, (const unsigned char *)plain.buf, plain.len);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	T_EQ_STR(hex, r2.plain_sha256, "the plaintext's hash is the one recorded");
	json_decref(doc);
	T_OK(tims_centre_export_fetch(c, &ana, "local", r.id, now + 5000, &sealed, NULL, &err) ==
	     TIMS_ERR_STATE, "a second fetch is refused (fetch_max 1)");
	{
		char path[1300];

		snprintf(path, sizeof(path), "%s/exports/%s.sealed", dir, r.id);
		T_OK(access(path, F_OK) != 0, "the sealed file is gone after its last fetch");
	}

	/* expiry, on the simulated clock */
	T_OK(tims_centre_export_request(c, &sam, "local", "present", params, "ministry request 8",
					pk, now, &r, &err) == TIMS_OK, "a supervisor asks");
	T_OK(tims_centre_export_approve(c, &ana, "local", r.id, now + 3600 * 1000, NULL, &err) ==
	     TIMS_ERR_STATE, "an analyst cannot approve it once expired (%s)", err.msg);
	T_OK(tims_centre_export_get(c, r.id, now + 3600 * 1000, &r2, &err) == TIMS_OK &&
	     !strcmp(r2.state, "expired"), "it shows as expired");

	/* a sealed file changed at rest is never handed out */
	write_conf(dir, "rows_per_day = 5\nfetch_max = 2\n");
	json_decref(params);
	params = json_pack("{s:s}", "doc", "P3");
	T_OK(tims_centre_export_request(c, &sam, "local", "history", params, "case 2026/9", pk,
					now, &r, &err) == TIMS_OK &&
	     tims_centre_export_approve(c, &ana, "local", r.id, now + 1000, &r2, &err) == TIMS_OK &&
	     r2.rows == 1, "a history export, the other way round (supervisor asks, analyst approves)");
	{
		char path[1300];
		struct tims_buf f = TIMS_BUF_INIT(1 << 20);

		snprintf(path, sizeof(path), "%s/exports/%s.sealed", dir, r.id);
		if (!tims_read_file(path, f.max, &f, &err)) {
			f.buf[f.len / 2] ^= 1;
			unlink(path);
			tims_write_file(path, f.buf, f.len, 0600, 0, &err);
		}
		tims_buf_release(&f);
		T_OK(tims_centre_export_fetch(c, &sam, "local", r.id, now + 2000, &sealed, NULL, &err)
		     == TIMS_ERR_TAMPER && sealed.len == 0,
		     "a sealed file changed at rest is refused (%s)", err.msg);
	}
	json_decref(params);
	tims_buf_release(&sealed);
	tims_buf_release(&plain);
}

int main(void)
{
	char dir[] = "/tmp/tims-export-XXXXXX", cdir[600], cmd[700];
	struct tims_centre *c = NULL;
	struct tims_err err;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	test_seal(dir);
	test_config();
	snprintf(cdir, sizeof(cdir), "%s/centre", dir);
	if (!T_OK(tims_centre_init(cdir, "test-centre", NULL, NULL, &err) == TIMS_OK &&
		  tims_centre_open(cdir, &c, &err) == TIMS_OK, "a centre (%s)", err.msg))
		return t_done();
	fill(c);
	test_limit(cdir, &c);
	test_paging(cdir, c);
	test_two_person(cdir, c);
	tims_centre_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
