/*
 * test_wlkeyed.c — document fingerprints at rest are keyed per node
 * (docs/screening.md, "Identifiers: 100 M documents"): two posts holding the
 * same stolen passport store different fp1 values, neither stores the number
 * or an unkeyed hash of it, and each still finds it. Someone who copies
 * watchlists.db cannot test a number against it offline, nor link the rows
 * of two posts' copies. Needs a token (scripts/token.sh).
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

#define NUMBER "X47110815"

/* Whether the file at path holds s (a missing file holds nothing). */
static bool holds(const char *path, const char *s)
{
	static char buf[1 << 22];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0, k = strlen(s);

	if (f)
		fclose(f);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(buf + i, s, k))
			return true;
	return false;
}

/* fp1 of the live entry with ref D1, read from the file as a copier would */
static long long raw_fp(const char *dir, bool *clear)
{
	char path[512], sql[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long fp = 0;

	snprintf(path, sizeof(path), "%s/watchlists/watchlists.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT fp1 FROM entries WHERE deleted_version IS NULL");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		fp = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
out:
	sqlite3_close(db);
	/* the number nowhere in the file (or its journal), in clear */
	*clear = holds(path, NUMBER);
	snprintf(path, sizeof(path), "%s/watchlists/watchlists.db-wal", dir);
	*clear = *clear || holds(path, NUMBER);
	return fp;
}

/* A node's store holding one stolen passport; 0 when it is found there. */
static int node(const char *dir, struct tims_err *err)
{
	static const char csv[] = "ref,number,issuing_state,status,authority\n"
				  "D1," NUMBER ",FRA,stolen,INTERPOL\n";
	struct tims_wl_import_opts o = { .list = "sltd", .kind = TIMS_WL_DOCUMENTS,
					 .format = TIMS_WL_CSV, .replace = true, .threshold = -1 };
	struct tims_wl_import_result r;
	struct tims_wl_query q = { .doc_number = NUMBER, .doc_issuer = "FRA" };
	struct tims_wl_screening *s = calloc(1, sizeof(*s));
	struct tims_screen_index *ix = NULL;
	struct tims_wl *wl = NULL;
	char wdir[512];
	int rc = 1;

	snprintf(wdir, sizeof(wdir), "%s/watchlists", dir);
	if (s && mkdir(dir, 0700) == 0 && tims_vault_create(dir, NULL, err) == TIMS_OK &&
	    tims_wl_open(wdir, true, &wl, err) == TIMS_OK &&
	    tims_wl_import(wl, &o, csv, strlen(csv), NULL, NULL, &r, err) == TIMS_OK &&
	    tims_wl_load_index(wl, &ix, err) == TIMS_OK && tims_wl_screen(wl, ix, &q, s, err) == TIMS_OK)
		rc = s->nhits == 1 ? 0 : 1;
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	free(s);
	return rc;
}

int main(void)
{
	char base[] = "/tmp/tims-wlkeyed-XXXXXX", a[300], b[300];
	struct tims_err err = { 0 };
	unsigned char h[8];
	long long fa, fb, unkeyed;
	bool clear_a, clear_b;

	if (!mkdtemp(base) || sodium_init() < 0)
		return 2;
	snprintf(a, sizeof(a), "%s/post-a", base);
	snprintf(b, sizeof(b), "%s/post-b", base);
	T_OK(node(a, &err) == 0, "post A: the stolen passport is a hit (%s)", err.msg);
	T_OK(node(b, &err) == 0, "post B: the same passport is a hit (%s)", err.msg);
	fa = raw_fp(a, &clear_a);
	fb = raw_fp(b, &clear_b);
	T_OK(fa != 0 && fb != 0, "both files hold a fingerprint for the entry");
	T_OK(fa != fb, "the same number has another fingerprint at each post (keyed per node)");
	T_OK(fa && fb && !clear_a && !clear_b, "neither file holds the number in clear");
	/* nor an unkeyed SipHash/BLAKE2 of it that an offline guess could test */
	crypto_generichash(h, sizeof(h), (const unsigned char *)NUMBER, strlen(NUMBER), NULL, 0);
	memcpy(&unkeyed, h, sizeof(unkeyed));
	{
		unsigned char zero[crypto_shorthash_KEYBYTES] = { 0 }, sh[crypto_shorthash_BYTES];
		long long zk;

		crypto_shorthash(sh, (const unsigned char *)NUMBER, strlen(NUMBER), zero);
		memcpy(&zk, sh, sizeof(zk));
		T_OK(fa && fb && fa != unkeyed && fb != unkeyed && fa != zk && fb != zk,
		     "the fingerprint is not an unkeyed hash of the number");
	}
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			return 2;
	}
	return t_done();
}
