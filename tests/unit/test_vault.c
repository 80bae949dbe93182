/*
 * test_vault.c — sealed blobs, blind indexes and the keys behind them
 * (include/tims/vault.h), against a SoftHSM2 token (TIMS_TOKEN, as
 * tests/run.sh or scripts/token.sh set it).
 *
 * Run with "--other DIR" (by the test itself, under another token's
 * SOFTHSM2_CONF and TIMS_TOKEN): checks that a copied directory opens
 * nothing with that token; exit status 0 when it opens nothing.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "t.h"
#include "tims/buf.h"
#include "tims/officer.h"
#include "tims/util.h"
#include "tims/vault.h"

#define MAY_2026 1777593600000LL  /* 2026-05-01T00:00:00Z */
#define DAY 86400000LL

static char base[200];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		printf("# command failed (%d): %s\n", rc, cmd);
}

static int has(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

static tims_rc seal_str(struct tims_vault *v, int64_t t, const char *ad, const char *s,
			struct tims_buf *out)
{
	tims_buf_reset(out);
	return tims_vault_seal(v, t, ad, strlen(ad), s, strlen(s), out, NULL);
}

static tims_rc open_str(struct tims_vault *v, const char *ad, const struct tims_buf *blob,
			struct tims_buf *out)
{
	tims_buf_reset(out);
	return tims_vault_open_blob(v, ad, strlen(ad), blob->buf, blob->len, out, NULL);
}

/* Rewrite vault.conf's token line. */
static void set_token(const char *dir, const char *uri)
{
	char path[1024];
	struct tims_buf b = TIMS_BUF_INIT(8192), o = TIMS_BUF_INIT(8192);
	const char *p, *end, *line;
	size_t len, n = 0;

	snprintf(path, sizeof(path), "%s/vault.conf", dir);
	if (tims_read_file(path, 8192, &b, NULL))
		return;
	p = b.buf;
	end = b.buf + b.len;
	while (tims_next_line(&p, end, &line, &len, &n)) {
		if (len > 6 && !memcmp(line, "token ", 6))
			tims_buf_addf(&o, "token %s\n", uri);
		else
			tims_buf_addf(&o, "%.*s\n", (int)len, line);
	}
	tims_write_file(path, o.buf, o.len, 0600, 1, NULL);
	tims_buf_release(&b);
	tims_buf_release(&o);
}

/* The --other side: dir is a copy; the token of this process is another. */
static int other(const char *dir)
{
	struct tims_vault *v = NULL;
	struct tims_buf blob = TIMS_BUF_INIT(1 << 16), out = TIMS_BUF_INIT(1 << 16);
	char path[1024], hex[TIMS_VAULT_BLIND_HEX];
	uint8_t key[TIMS_VAULT_KEY_BYTES];
	int bad = 0;

	set_token(dir, getenv("TIMS_TOKEN"));
	if (tims_vault_open(dir, &v, NULL))
		return 2;
	snprintf(path, sizeof(path), "%s/blob", dir);
	if (tims_read_file(path, 1 << 16, &blob, NULL))
		return 3;
	if (tims_vault_state(v) != TIMS_VAULT_SEAL_ONLY)
		bad |= 4;
	if (tims_vault_open_blob(v, "t/1", 3, blob.buf, blob.len, &out, NULL) !=
	    TIMS_ERR_UNAVAILABLE)
		bad |= 8;
	if (tims_vault_blind_hex(v, "doc", "X", 1, hex, NULL) != TIMS_ERR_UNAVAILABLE ||
	    tims_vault_secrets_key(v, key, NULL) != TIMS_ERR_UNAVAILABLE)
		bad |= 16;
	if (tims_vault_retry(v, NULL) == TIMS_OK)
		bad |= 32;
	printf("# other token: %s\n", tims_vault_why(v));
	tims_vault_close(v);
	tims_buf_release(&blob);
	tims_buf_release(&out);
	return bad;
}

static void test_create(const char *dir)
{
	struct tims_err err = { 0 };
	char *saved = getenv("TIMS_TOKEN") ? strdup(getenv("TIMS_TOKEN")) : NULL;
	char path[1024];
	struct stat st;

	unsetenv("TIMS_TOKEN");
	T_EQ_INT(tims_vault_create(dir, NULL, &err), TIMS_ERR_USAGE,
		 "create without a token is refused");
	T_OK(strstr(err.msg, "TIMS_TOKEN") && strstr(err.msg, "--token"),
	     "the refusal names TIMS_TOKEN and --token (%s)", err.msg);
	T_EQ_INT(tims_vault_create(dir, "pkcs11:token=tims?pin-value=1234&module-path=/x",
				   &err), TIMS_ERR_INVALID,
		 "a URI with the PIN in it is refused (vault.conf would hold it)");
	T_EQ_INT(tims_vault_create(dir, "pkcs11:token=nosuch?module-path=/nonexistent/mod.so&pin-source=/x",
				   &err), TIMS_ERR_UNAVAILABLE,
		 "create with an unreachable token: UNAVAILABLE");
	snprintf(path, sizeof(path), "%s/keys.db", dir);
	T_OK(access(path, F_OK) != 0, "  and nothing is left behind");
	if (saved) {
		setenv("TIMS_TOKEN", saved, 1);
		free(saved);
	}
	T_OK((tims_vault_create(dir, NULL, &err)) == (TIMS_OK), "create from TIMS_TOKEN (%s)",
		 err.msg);
	T_EQ_INT(tims_vault_create(dir, NULL, &err), TIMS_ERR_EXISTS,
		 "a second create is refused");
	snprintf(path, sizeof(path), "%s/vault.conf", dir);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 077) == 0, "vault.conf is private");
	snprintf(path, sizeof(path), "%s/keys.db", dir);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 077) == 0, "keys.db is private");
}

static void test_roundtrip(const char *dir)
{
	struct tims_vault *v = NULL;
	struct tims_buf blob = TIMS_BUF_INIT(1 << 16), out = TIMS_BUF_INIT(1 << 16),
			blob2 = TIMS_BUF_INIT(1 << 16);
	const char *pt = "MUSTERMANN<<ERIKA C01X00T47 640812";
	char h1[TIMS_VAULT_BLIND_HEX], h2[TIMS_VAULT_BLIND_HEX], h3[TIMS_VAULT_BLIND_HEX];
	uint8_t k1[TIMS_VAULT_KEY_BYTES], k2[TIMS_VAULT_KEY_BYTES];
	struct tims_err err = { 0 };

	T_OK((tims_vault_open(dir, &v, &err)) == (TIMS_OK), "open (%s)", err.msg);
	if (!v)
		return;
	T_EQ_INT(tims_vault_state(v), TIMS_VAULT_OPEN, "the token is there: OPEN");
	T_EQ_STR(tims_vault_why(v), "", "no reason while open");
	T_EQ_INT(seal_str(v, MAY_2026, "post.records/1", pt, &blob), TIMS_OK, "seal");
	T_EQ_INT(blob.len, strlen(pt) + TIMS_VAULT_OVERHEAD, "a blob is OVERHEAD bytes longer");
	T_OK(tims_vault_is_blob(blob.buf, blob.len), "it looks like a blob");
	T_OK(!tims_vault_is_blob(pt, strlen(pt)), "plaintext does not");
	T_OK(!has(blob.buf, blob.len, "MUSTERMANN"), "the blob does not hold the name");
	T_EQ_INT(open_str(v, "post.records/1", &blob, &out), TIMS_OK, "open it");
	T_EQ_STR(tims_buf_str(&out), pt, "round trip");
	T_EQ_INT(open_str(v, "post.records/2", &blob, &out), TIMS_ERR_TAMPER,
		 "AD binds the blob to its row: another row's AD does not open it");
	blob.buf[blob.len - 1] ^= 1;
	T_EQ_INT(open_str(v, "post.records/1", &blob, &out), TIMS_ERR_TAMPER,
		 "an altered tag: TAMPER");
	blob.buf[blob.len - 1] ^= 1;
	blob.buf[TIMS_VAULT_OVERHEAD - 16 + 2] ^= 0x40;
	T_EQ_INT(open_str(v, "post.records/1", &blob, &out), TIMS_ERR_TAMPER,
		 "an altered ciphertext byte: TAMPER");
	blob.buf[TIMS_VAULT_OVERHEAD - 16 + 2] ^= 0x40;
	T_EQ_INT(tims_vault_open_blob(v, "x", 1, "TV1abc", 6, &out, NULL), TIMS_ERR_INVALID,
		 "a short blob: INVALID");
	T_EQ_INT(tims_vault_open_blob(v, "x", 1, pt, strlen(pt), &out, NULL), TIMS_ERR_INVALID,
		 "plaintext: INVALID");
	T_EQ_INT(seal_str(v, MAY_2026 + 3 * DAY, "post.records/2", pt, &blob2), TIMS_OK,
		 "seal the same plaintext again");
	T_OK(blob.len == blob2.len && memcmp(blob.buf, blob2.buf, blob.len),
	     "two seals of the same text differ (random nonce)");
	T_OK(!memcmp(blob.buf + 3, blob2.buf + 3, 8), "same month, same handle: same data key");
	tims_buf_reset(&blob2);
	T_EQ_INT(seal_str(v, MAY_2026 + 40 * DAY, "post.records/3", pt, &blob2), TIMS_OK,
		 "seal in June");
	T_OK(memcmp(blob.buf + 3, blob2.buf + 3, 8), "another month: another data key");
	T_EQ_INT(seal_str(v, MAY_2026, "e/0", "", &blob2), TIMS_OK, "seal an empty text");
	T_EQ_INT(open_str(v, "e/0", &blob2, &out), TIMS_OK, "open it");
	T_EQ_INT(out.len, 0, "  empty");

	T_EQ_INT(tims_vault_blind_hex(v, "doc", "DC01X00T47", 10, h1, NULL), TIMS_OK, "blind");
	T_EQ_INT(tims_vault_blind_hex(v, "doc", "DC01X00T47", 10, h2, NULL), TIMS_OK, "again");
	T_EQ_STR(h1, h2, "the same value, the same index");
	T_EQ_INT(strlen(h1), 64, "64 hex digits");
	T_EQ_INT(tims_vault_blind_hex(v, "person", "DC01X00T47", 10, h3, NULL), TIMS_OK,
		 "another domain");
	T_OK(strcmp(h1, h3), "another domain, another index");
	{
		uint8_t plain[32];

		crypto_generichash(plain, 32, (const uint8_t *)"doc\0DC01X00T47", 14, NULL, 0);
		sodium_bin2hex(h3, sizeof(h3), plain, 32);
		T_OK(strcmp(h1, h3), "the index is keyed (not the unkeyed hash)");
	}
	T_EQ_INT(tims_vault_secrets_key(v, k1, NULL), TIMS_OK, "secrets key");
	T_EQ_INT(tims_vault_secrets_key(v, k2, NULL), TIMS_OK, "secrets key again");
	T_OK(!memcmp(k1, k2, sizeof(k1)), "stable");
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	tims_vault_close(v);

	/* a new handle (a restart): reads what the first sealed */
	v = NULL;
	T_EQ_INT(tims_vault_open(dir, &v, &err), TIMS_OK, "reopen");
	if (v) {
		T_EQ_INT(open_str(v, "post.records/1", &blob, &out), TIMS_OK,
			 "a new handle opens the old blob");
		T_EQ_STR(tims_buf_str(&out), pt, "  same text");
		T_EQ_INT(tims_vault_blind_hex(v, "doc", "DC01X00T47", 10, h2, NULL), TIMS_OK,
			 "blind after restart");
		T_EQ_STR(h1, h2, "  the index survives a restart");
		tims_vault_close(v);
	}
	{
		char path[1024];

		snprintf(path, sizeof(path), "%s/blob", dir);
		tims_write_file(path, blob.buf, blob.len, 0600, 1, NULL);
	}
	tims_buf_release(&blob);
	tims_buf_release(&blob2);
	tims_buf_release(&out);
}

static void test_seal_only(const char *dir)
{
	struct tims_vault *v = NULL;
	struct tims_buf blob = TIMS_BUF_INIT(1 << 16), old = TIMS_BUF_INIT(1 << 16),
			out = TIMS_BUF_INIT(1 << 16);
	char wrong[600], bad_uri[2048], hex[TIMS_VAULT_BLIND_HEX], path[512];
	const char *good = getenv("TIMS_TOKEN"), *ps;
	uint8_t key[TIMS_VAULT_KEY_BYTES];
	struct tims_err err = { 0 };

	snprintf(path, sizeof(path), "%s/blob", dir);
	tims_read_file(path, 1 << 16, &old, NULL);
	/* the same token, a wrong PIN file */
	snprintf(wrong, sizeof(wrong), "%s/wrong-pin", base);
	tims_write_file(wrong, "000000\n", 7, 0600, 1, NULL);
	ps = good ? strstr(good, "pin-source=") : NULL;
	if (!ps) {
		T_OK(0, "TIMS_TOKEN has a pin-source");
		return;
	}
	snprintf(bad_uri, sizeof(bad_uri), "%.*spin-source=%s", (int)(ps - good), good, wrong);
	set_token(dir, bad_uri);
	T_OK((tims_vault_open(dir, &v, &err)) == (TIMS_OK),
		 "a vault whose token refuses the PIN still opens (%s)", err.msg);
	if (!v)
		return;
	T_EQ_INT(tims_vault_state(v), TIMS_VAULT_SEAL_ONLY, "  in SEAL_ONLY");
	T_OK(*tims_vault_why(v), "  with a reason (%s)", tims_vault_why(v));
	T_EQ_INT(seal_str(v, MAY_2026, "post.records/9", "STORED WHILE OUT", &blob), TIMS_OK,
		 "SEAL_ONLY seals");
	T_EQ_INT(open_str(v, "post.records/9", &blob, &out), TIMS_OK,
		 "SEAL_ONLY opens what this handle sealed itself");
	T_EQ_INT(open_str(v, "post.records/1", &old, &out), TIMS_ERR_UNAVAILABLE,
		 "SEAL_ONLY does not open an older blob: UNAVAILABLE");
	T_EQ_INT(tims_vault_blind_hex(v, "doc", "X", 1, hex, NULL), TIMS_ERR_UNAVAILABLE,
		 "SEAL_ONLY cannot blind");
	T_EQ_INT(tims_vault_secrets_key(v, key, NULL), TIMS_ERR_UNAVAILABLE,
		 "SEAL_ONLY has no secrets key");
	T_EQ_INT(tims_vault_rotate_kek(v, NULL), TIMS_ERR_UNAVAILABLE,
		 "SEAL_ONLY cannot rotate");
	T_EQ_INT(tims_vault_retry(v, &err), TIMS_ERR_UNAVAILABLE, "retry while still wrong");
	set_token(dir, good);
	/* the fixed vault.conf is read at open; retry uses the URI it opened
	 * with, so the PIN file itself is fixed here */
	{
		struct tims_buf pin = TIMS_BUF_INIT(256);
		const char *pe = ps + strlen("pin-source=");
		char pinpath[1024];

		snprintf(pinpath, sizeof(pinpath), "%.*s", (int)strcspn(pe, "&"), pe);
		tims_read_file(pinpath, 256, &pin, NULL);
		tims_write_file(wrong, pin.buf, pin.len, 0600, 1, NULL);
		tims_buf_release(&pin);
	}
	T_OK((tims_vault_retry(v, &err)) == (TIMS_OK), "retry after the PIN is fixed (%s)",
		 err.msg);
	T_EQ_INT(tims_vault_state(v), TIMS_VAULT_OPEN, "  OPEN");
	T_EQ_INT(open_str(v, "post.records/1", &old, &out), TIMS_OK, "  the older blob opens");
	T_EQ_INT(tims_vault_blind_hex(v, "doc", "X", 1, hex, NULL), TIMS_OK, "  blind works");
	tims_vault_close(v);
	v = NULL;
	T_EQ_INT(tims_vault_open(dir, &v, &err), TIMS_OK, "reopen with the right token");
	if (v) {
		T_EQ_INT(open_str(v, "post.records/9", &blob, &out), TIMS_OK,
			 "a blob sealed while the token was out opens later");
		T_EQ_STR(tims_buf_str(&out), "STORED WHILE OUT", "  same text");
		tims_vault_close(v);
	}
	tims_buf_release(&blob);
	tims_buf_release(&old);
	tims_buf_release(&out);
}

static void test_other_token(const char *dir, const char *self)
{
	char copy[600], tok[600];
	int st;

	snprintf(copy, sizeof(copy), "%s/copy", base);
	snprintf(tok, sizeof(tok), "%s/other-token", base);
	sh("cp -a '%s' '%s'", dir, copy);
	sh("bash scripts/token.sh '%s' > '%s.env'", tok, tok);
	{
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), ". '%s.env' && '%s' --other '%s'", tok, self, copy);
		st = system(cmd);
	}
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	     "a copied directory under another token opens nothing: no blob, no index, no secrets (status %d)",
	     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void test_shred(const char *dir)
{
	struct tims_vault *v = NULL;
	struct tims_buf may = TIMS_BUF_INIT(1 << 16), june = TIMS_BUF_INIT(1 << 16),
			out = TIMS_BUF_INIT(1 << 16);
	unsigned n = 99;
	char path[1024];

	if (tims_vault_open(dir, &v, NULL))
		return;
	T_EQ_INT(seal_str(v, MAY_2026 + 10 * DAY, "s/1", "MAY RECORD", &may), TIMS_OK,
		 "seal in May");
	T_EQ_INT(seal_str(v, MAY_2026 + 31 * DAY, "s/2", "JUNE RECORD", &june), TIMS_OK,
		 "seal on 1 June");
	T_EQ_INT(tims_vault_shred_before(v, MAY_2026 + 31 * DAY - 1, &n, NULL), TIMS_OK,
		 "shred before the last millisecond of May");
	T_EQ_INT(n, 0, "  May has not ended: nothing shredded");
	T_EQ_INT(tims_vault_shred_before(v, MAY_2026 + 31 * DAY, &n, NULL), TIMS_OK,
		 "shred before 1 June");
	T_OK(n >= 1, "  May's keys shredded (%u)", n);
	T_EQ_INT(open_str(v, "s/1", &may, &out), TIMS_ERR_NOTFOUND,
		 "a May blob: NOTFOUND (its key is gone, even from this handle)");
	T_EQ_INT(open_str(v, "s/2", &june, &out), TIMS_OK, "a June blob still opens");
	tims_vault_close(v);
	v = NULL;
	if (tims_vault_open(dir, &v, NULL))
		return;
	T_EQ_INT(open_str(v, "s/1", &may, &out), TIMS_ERR_NOTFOUND,
		 "after a restart too: NOTFOUND");
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		int left = -1;

		snprintf(path, sizeof(path), "%s/keys.db", dir);
		if (sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, "SELECT count(*) FROM datakeys WHERE epoch <= ?", -1,
				       &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, 2026 * 12 + 4);
			if (sqlite3_step(st) == SQLITE_ROW)
				left = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		sqlite3_close(db);
		T_EQ_INT(left, 0, "keys.db holds no key of May or before");
	}
	T_EQ_INT(seal_str(v, MAY_2026 + 2 * DAY, "s/3", "LATE MAY", &may), TIMS_OK,
		 "a late record of a shredded month gets a new key");
	T_EQ_INT(open_str(v, "s/3", &may, &out), TIMS_OK, "  and opens");
	tims_vault_close(v);
	tims_buf_release(&may);
	tims_buf_release(&june);
	tims_buf_release(&out);
}

static void test_rotate(const char *dir, const char *self)
{
	struct tims_vault *v = NULL;
	struct tims_buf blob = TIMS_BUF_INIT(1 << 16), out = TIMS_BUF_INIT(1 << 16);
	char h1[TIMS_VAULT_BLIND_HEX], h2[TIMS_VAULT_BLIND_HEX], old[600];
	uint8_t k1[TIMS_VAULT_KEY_BYTES], k2[TIMS_VAULT_KEY_BYTES];
	struct tims_err err = { 0 };

	(void)self;
	if (tims_vault_open(dir, &v, NULL))
		return;
	T_EQ_INT(seal_str(v, MAY_2026 + 40 * DAY, "r/1", "BEFORE ROTATION", &blob), TIMS_OK,
		 "seal before rotation");
	T_EQ_INT(tims_vault_blind_hex(v, "doc", "D1", 2, h1, NULL), TIMS_OK, "blind before");
	T_EQ_INT(tims_vault_secrets_key(v, k1, NULL), TIMS_OK, "secrets before");
	tims_vault_close(v);
	v = NULL;
	snprintf(old, sizeof(old), "%s/before-rotation", base);
	sh("cp -a '%s' '%s'", dir, old);
	if (tims_vault_open(dir, &v, NULL))
		return;
	T_OK((tims_vault_rotate_kek(v, &err)) == (TIMS_OK), "rotate the KEK (%s)", err.msg);
	T_EQ_INT(open_str(v, "r/1", &blob, &out), TIMS_OK, "the blob still opens");
	tims_vault_close(v);
	v = NULL;
	if (tims_vault_open(dir, &v, NULL))
		return;
	T_EQ_INT(tims_vault_state(v), TIMS_VAULT_OPEN, "reopen after rotation: OPEN");
	T_EQ_INT(open_str(v, "r/1", &blob, &out), TIMS_OK, "  the old blob opens");
	T_EQ_STR(tims_buf_str(&out), "BEFORE ROTATION", "  same text");
	T_EQ_INT(tims_vault_blind_hex(v, "doc", "D1", 2, h2, NULL), TIMS_OK, "  blind");
	T_EQ_STR(h2, h1, "  the same blind index (the index key is kept, re-wrapped)");
	T_EQ_INT(tims_vault_secrets_key(v, k2, NULL), TIMS_OK, "  secrets");
	T_OK(!memcmp(k1, k2, sizeof(k1)), "  the same secrets key");
	tims_vault_close(v);
	v = NULL;
	T_EQ_INT(tims_vault_open(old, &v, NULL), TIMS_OK, "a copy of keys.db taken before opens");
	if (v) {
		T_OK((tims_vault_state(v)) == (TIMS_VAULT_SEAL_ONLY),
			 "  but in SEAL_ONLY: its KEK is gone from the token (%s)",
			 tims_vault_why(v));
		T_EQ_INT(open_str(v, "r/1", &blob, &out), TIMS_ERR_UNAVAILABLE,
			 "  and opens no blob");
		tims_vault_close(v);
	}
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	tims_buf_release(&blob);
	tims_buf_release(&out);
}

static void test_shared(const char *dir)
{
	struct tims_vault *a = NULL, *b = NULL;
	struct tims_buf blob = TIMS_BUF_INIT(1 << 16), out = TIMS_BUF_INIT(1 << 16);

	if (tims_vault_open(dir, &a, NULL) || tims_vault_open(dir, &b, NULL))
		return;
	T_OK(a == b, "two opens of one directory in a process share a handle");
	tims_vault_close(a);
	T_EQ_INT(seal_str(b, MAY_2026, "x/1", "STILL OPEN", &blob), TIMS_OK,
		 "closing one leaves the other usable");
	T_EQ_INT(open_str(b, "x/1", &blob, &out), TIMS_OK, "  and it opens");
	tims_vault_close(b);
	tims_buf_release(&blob);
	tims_buf_release(&out);
}

static int want_all(void *ctx, const char *id, unsigned role)
{
	(void)ctx;
	(void)id;
	(void)role;
	return 1;
}

/* An older node's store.key: migrated once under the vault's secrets key. */
static void test_store_key(void)
{
	char dir[300], path[400], b32[TIMS_TOTP_B32_BYTES];
	struct tims_officers *o = NULL;
	struct tims_buf roster = TIMS_BUF_INIT(1 << 16);
	struct tims_err err = { 0 };

	snprintf(dir, sizeof(dir), "%s/old-node", base);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/store.key", dir);
	T_EQ_INT(tims_officers_open_dir(dir, TIMS_PW_COST_TEST, &o, &err), TIMS_OK,
		 "an old node's officers (no vault: store.key)");
	if (!o)
		return;
	T_OK(access(path, F_OK) == 0, "  store.key beside node.db");
	T_EQ_INT(tims_officer_add(o, "ann", "Ann", TIMS_ROLE_ADMIN, "a long password 1", b32, NULL,
				  &err), TIMS_OK, "  an officer added");
	tims_officers_close_dir(o);
	o = NULL;
	T_EQ_INT(tims_vault_create(dir, NULL, &err), TIMS_OK, "the node gets a vault");
	T_OK(tims_officers_open_dir(dir, TIMS_PW_COST_TEST, &o, &err) == TIMS_OK,
	     "officers open with the vault (%s)", err.msg);
	T_OK(access(path, F_OK) != 0, "store.key is migrated and removed");
	if (o) {
		T_OK(tims_officer_roster_export(o, want_all, NULL, &roster, &err) == TIMS_OK,
		     "the TOTP secret opens under the vault's secrets key (%s)", err.msg);
		T_OK(roster.len && strstr(roster.buf, b32) != NULL, "  and is the same secret");
		tims_officers_close_dir(o);
	}
	tims_buf_release(&roster);
}

int main(int argc, char **argv)
{
	char dir[300];

	if (argc == 3 && !strcmp(argv[1], "--other"))
		return other(argv[2]);
	if (!getenv("TIMS_TOKEN")) {
		printf("not ok - TIMS_TOKEN is not set (eval \"$(bash scripts/token.sh DIR)\")\n");
		return 1;
	}
	snprintf(base, sizeof(base), "/tmp/tims-test-vault-%d", (int)getpid());
	sh("rm -rf '%s' && mkdir -p '%s'", base, base);
	snprintf(dir, sizeof(dir), "%s/node", base);
	mkdir(dir, 0700);
	test_create(dir);
	test_roundtrip(dir);
	test_other_token(dir, argv[0]);
	test_seal_only(dir);
	test_shred(dir);
	test_shared(dir);
	test_rotate(dir, argv[0]);
	test_store_key();
	sh("rm -rf '%s'", base);
	return t_done();
}
