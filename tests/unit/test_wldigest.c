/*
 * test_wldigest.c — the digest of a whole watchlist (docs/bundles.md,
 * "Lineage" and "Integrity at the post"): the content hash does not depend
 * on the order or the form rows came in, any changed field changes it, a
 * post that applied a delta holds the same digest as one that took the
 * whole list, the row-by-row hash is the hash of the export; a post's copy
 * is checked against the signed note it keeps, quarantined (screening
 * fails closed, naming the list) and repaired with the very version held;
 * every version records its actor, and a bundle carries it (one without
 * the actor line is refused).
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/bundle.h"
#include "tims/lthash.h"
#include "tims/util.h"
#include "tims/vault.h"

static char base[256];

static struct tims_wl *store(const char *name)
{
	char dir[400];
	struct tims_wl *wl = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (strchr(name, '/')) { /* a node's store: DIR/watchlists */
		char parent[400];

		snprintf(parent, sizeof(parent), "%s/%.*s", base, (int)(strchr(name, '/') - name), name);
		mkdir(parent, 0700);
	}
	if (tims_wl_open(dir, true, &wl, NULL))
		abort();
	return wl;
}

static tims_rc import(struct tims_wl *wl, const char *list, enum tims_wl_format f,
		      bool replace, const char *data)
{
	struct tims_wl_import_opts o = { .list = list, .kind = TIMS_WL_PERSONS, .format = f,
					 .replace = replace, .threshold = -1 };
	struct tims_wl_import_result res;

	return tims_wl_import(wl, &o, data, strlen(data), NULL, NULL, &res, NULL);
}

static void hash(struct tims_wl *wl, const char *list, uint8_t out[32])
{
	if (tims_wl_content_hash(wl, list, out, NULL))
		memset(out, 0xee, 32);
}

/* The content by its definition (docs/bundles.md): each line of the export
 * into an LtHash16, then its digest. */
static void lthash_lines(const char *p, size_t n, uint8_t out[32])
{
	struct tims_lthash h;
	const char *end = p + n;

	tims_lthash_init(&h);
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			nl = end;
		if (nl > p)
			tims_lthash_add(&h, p, (size_t)(nl - p));
		p = nl + 1;
	}
	tims_lthash_digest(&h, out);
}

/* The content kept, the content recomputed from the rows and the content by
 * its definition (the export's lines) all agree. */
static bool sum_agrees(struct tims_wl *wl, const char *list)
{
	struct tims_buf ex = TIMS_BUF_INIT(1 << 24);
	uint8_t kept[32], rows[32], want[32];
	bool ok;

	ok = tims_wl_content_hash(wl, list, kept, NULL) == TIMS_OK &&
	     tims_wl_content_recompute(wl, list, rows, NULL) == TIMS_OK &&
	     tims_wl_export(wl, list, 0, &ex, NULL) == TIMS_OK;
	lthash_lines(ex.buf, ex.len, want);
	tims_buf_release(&ex);
	return ok && !memcmp(kept, rows, 32) && !memcmp(kept, want, 32);
}

static int store_sql(const char *store_name, const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s/watchlists.db", base, store_name);
	rc = sqlite3_open(path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	sqlite3_close(db);
	return rc;
}

static long store_count(const char *store_name, const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	snprintf(path, sizeof(path), "%s/%s/watchlists.db", base, store_name);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Random changes through every way entries change: imports (new and
 * changed entries), deltas (with removals), single and whole removals,
 * replace imports; after each, the sum kept is the rows'. */
static void random_changes(const char *store_name)
{
	struct tims_wl *wl = store(store_name);
	uint32_t seed = 17;
	size_t bad = 0, steps = 0;
	char what[64] = "";

	{
		static const char first[] = "{\"ref\":\"D-1\",\"number\":\"X0000001\",\"status\":\"lost\"}\n";
		struct tims_wl_import_opts o = { .list = "docs", .kind = TIMS_WL_DOCUMENTS,
						 .format = TIMS_WL_JSONL, .threshold = -1 };
		struct tims_wl_import_result res;

		T_OK(tims_wl_import(wl, &o, first, strlen(first), NULL, NULL, &res, NULL) == TIMS_OK,
		     "sum: a list of documents in %s", store_name);
	}
	for (int step = 0; step < 60; step++) {
		struct tims_buf in = TIMS_BUF_INIT(1 << 20);
		struct tims_wl_import_result res;
		struct tims_err e;
		int op;

		seed = seed * 1103515245u + 12345u;
		op = (int)((seed >> 16) % 6);
		tims_err_clear(&e);
		if (op <= 2) { /* an import or a delta of new, changed and removed entries */
			for (int k = 0; k < 12; k++) {
				unsigned r, i;

				seed = seed * 1103515245u + 12345u;
				r = seed >> 16;
				i = r % 40;
				if (op == 2 && r % 4 == 0)
					tims_buf_addf(&in, "{\"ref\":\"D-%u\",\"removed\":true}\n", i);
				else
					tims_buf_addf(&in, "{\"ref\":\"D-%u\",\"number\":\"X%07u\","
						      "\"status\":\"%s\"}\n", i, i,
						      (r >> 8) % 2 ? "stolen" : "lost");
			}
			if (op == 2) {
				tims_wl_import_delta(wl, "docs", TIMS_WL_DOCUMENTS, in.buf, in.len, &res, &e);
			} else {
				struct tims_wl_import_opts o = { .list = "docs", .kind = TIMS_WL_DOCUMENTS,
								 .format = TIMS_WL_JSONL, .skip_bad = true,
								 .replace = op == 1 && step % 3 == 0,
								 .threshold = -1 };

				tims_wl_import(wl, &o, in.buf, in.len, NULL, NULL, &res, &e);
			}
		} else if (op <= 4) { /* one removal */
			size_t removed;
			uint64_t v;
			char ref[16];

			snprintf(ref, sizeof(ref), "D-%u", (seed >> 8) % 40);
			tims_wl_remove(wl, "docs", ref, &removed, &v, &e);
		} else if (step % 4 == 0) { /* every entry */
			size_t removed;
			uint64_t v;

			tims_wl_remove(wl, "docs", NULL, &removed, &v, &e);
		}
		tims_buf_release(&in);
		if (e.rc && e.rc != TIMS_ERR_NOTFOUND && !bad++)
			snprintf(what, sizeof(what), "step %d: %.40s", step, e.msg);
		if (!sum_agrees(wl, "docs") && !bad++)
			snprintf(what, sizeof(what), "step %d (op %d)", step, op);
		steps++;
	}
	T_OK(bad == 0 && steps == 60, "sum: after 60 random changes in %s, the sum kept is the rows' "
	     "and the export's (%s)", store_name, what);
	tims_wl_close(wl);
}

static void signer(const char *name, struct tims_signer *s, struct tims_verifier *v)
{
	char *sk = NULL, *vk = NULL;

	if (tims_note_keygen(name, TIMS_KEY_ED25519, &sk, &vk, NULL) ||
	    tims_signer_from_skey(sk, s, NULL) || tims_verifier_parse(vk, v, NULL))
		abort();
	tims_note_free_secret(sk);
	free(vk);
}

#define HDR "ref,name,aliases,dob,nationality,sex,alert,authority,instruction\n"
#define R1 "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,GBR,M,wanted,NCA,Arrest\n"
#define R2 "P-2,Müller Jürgen,,1980,D,M,entry-ban,BAMF,Refuse entry\n"
#define R3 "P-3,\"DOE, Jane\",,1970-01-01,USA,F,missing,FBI,Report\n"

struct verdicts {
	size_t n, bad;
	char reason[320];
};

static void on_verdict(void *ctx, const struct tims_bundle_verdict *v)
{
	struct verdicts *vs = ctx;

	vs->n++;
	if (!v->ok) {
		vs->bad++;
		snprintf(vs->reason, sizeof(vs->reason), "%.64s: %.240s", v->list, v->reason);
	}
}

int main(void)
{
	struct tims_signer key;
	struct tims_verifier vkey;
	struct tims_err err;
	uint8_t h1[32], h2[32], h3[32];
	char dir[400];

	snprintf(base, sizeof(base), "/tmp/tims-wldigest-XXXXXX");
	if (!mkdtemp(base) || sodium_init() < 0)
		return 2;
	signer("tims-centre/bundles", &key, &vkey);

	/* 1. Order and form of the input do not matter. */
	{
		struct tims_wl *a = store("order-a"), *b = store("order-b"), *c = store("order-c");

		T_OK(import(a, "l", TIMS_WL_CSV, false, HDR R1 R2 R3) == TIMS_OK, "order: CSV in order");
		T_OK(import(b, "l", TIMS_WL_CSV, false, HDR R3 R1 R2) == TIMS_OK, "order: CSV shuffled");
		T_OK(import(c, "l", TIMS_WL_JSONL, false,
			    "{\"sex\":\"F\",\"alert\":\"missing\",\"ref\":\"P-3\",\"name\":\"DOE, Jane\","
			    "\"dob\":\"1970-01-01\",\"nationality\":\"USA\",\"authority\":\"FBI\","
			    "\"instruction\":\"Report\"}\n"
			    "{\"name\":\"Müller Jürgen\",\"ref\":\"P-2\",\"dob\":\"1980\",\"nationality\":"
			    "\"D\",\"sex\":\"M\",\"alert\":\"entry-ban\",\"authority\":\"BAMF\","
			    "\"instruction\":\"Refuse entry\"}\n"
			    "{\"instruction\":\"Arrest\",\"authority\":\"NCA\",\"alert\":\"wanted\","
			    "\"sex\":\"M\",\"nationality\":\"GBR\",\"dob\":\"1962-11-02\",\"aliases\":"
			    "[\"Johnny Smith\",\"J Smith\"],\"name\":\"SMITH, John\",\"ref\":\"P-1\"}\n")
		     == TIMS_OK, "order: the same rows as JSON Lines, keys and rows in another order");
		hash(a, "l", h1);
		hash(b, "l", h2);
		hash(c, "l", h3);
		T_OK(!memcmp(h1, h2, 32), "order: rows in another order, the same content hash");
		T_OK(!memcmp(h1, h3, 32), "order: another format and key order, the same content hash");
		/* rows imported over several versions, the same list at the end */
		{
			struct tims_wl *d = store("order-d");

			T_OK(import(d, "l", TIMS_WL_CSV, false, HDR R2) == TIMS_OK &&
			     import(d, "l", TIMS_WL_CSV, false, HDR R3 R1) == TIMS_OK,
			     "order: the rows in two imports");
			hash(d, "l", h2);
			T_OK(!memcmp(h1, h2, 32), "order: two imports, the same content hash");
			tims_wl_close(d);
		}
		/* the content is the multiset hash of the export's lines (the
		 * definition), kept with the list and recomputed from its rows */
		{
			struct tims_buf ex = TIMS_BUF_INIT(1 << 20);
			uint8_t want[32];

			T_OK(tims_wl_export(a, "l", 0, &ex, &err) == TIMS_OK, "export: the whole list");
			lthash_lines(ex.buf, ex.len, want);
			T_OK(!memcmp(h1, want, 32), "hash: the LtHash16 of the export's lines, kept with "
			     "the list");
			T_OK(tims_wl_content_recompute(a, "l", h2, &err) == TIMS_OK && !memcmp(h2, want, 32),
			     "hash: the same recomputed from the rows");
			crypto_hash_sha256(h2, (const unsigned char *)ex.buf, ex.len);
			T_OK(tims_wl_content_hash_v1(a, "l", h3, &err) == TIMS_OK && !memcmp(h2, h3, 32),
			     "hash: the content of before (SHA-256 of the export) is still computed");
			tims_buf_release(&ex);
		}
		tims_wl_close(a);
		tims_wl_close(b);
		tims_wl_close(c);
	}

	/* 2. Any changed field changes it (and the digest binds name, kind, version). */
	{
		static const char *const variants[] = {
			HDR "P-9,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,GBR,M,wanted,NCA,Arrest\n",
			HDR "P-1,\"SMITH, Jon\",Johnny Smith;J Smith,1962-11-02,GBR,M,wanted,NCA,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith,1962-11-02,GBR,M,wanted,NCA,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-03,GBR,M,wanted,NCA,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,IRL,M,wanted,NCA,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,GBR,X,wanted,NCA,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,GBR,M,missing,NCA,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,GBR,M,wanted,MI5,Arrest\n",
			HDR "P-1,\"SMITH, John\",Johnny Smith;J Smith,1962-11-02,GBR,M,wanted,NCA,Detain\n",
			HDR "P-1,\"SMITH, John\",J Smith;Johnny Smith,1962-11-02,GBR,M,wanted,NCA,Arrest\n",
		};
		static const char *const what[] = { "ref", "name", "aliases (one fewer)", "dob",
			"nationality", "sex", "alert", "authority", "instruction", "aliases' order" };
		struct tims_wl *a = store("field-base");
		uint8_t prev[32] = { 0 }, d1[32], d2[32];

		T_OK(import(a, "l", TIMS_WL_CSV, false, HDR R1) == TIMS_OK, "fields: the base entry");
		hash(a, "l", h1);
		for (size_t i = 0; i < TIMS_ARRAY_SIZE(variants); i++) {
			char name[32];
			struct tims_wl *v;

			snprintf(name, sizeof(name), "field-%zu", i);
			v = store(name);
			T_OK(import(v, "l", TIMS_WL_CSV, false, variants[i]) == TIMS_OK, "fields: a variant");
			hash(v, "l", h2);
			T_OK(memcmp(h1, h2, 32) != 0, "fields: another %s, another content hash", what[i]);
			tims_wl_close(v);
		}
		tims_wl_digest_compute("l", TIMS_WL_PERSONS, 1, prev, h1, d1);
		tims_wl_digest_compute("m", TIMS_WL_PERSONS, 1, prev, h1, d2);
		T_OK(memcmp(d1, d2, 32) != 0, "digest: another list name, another digest");
		tims_wl_digest_compute("l", TIMS_WL_DOCUMENTS, 1, prev, h1, d2);
		T_OK(memcmp(d1, d2, 32) != 0, "digest: another kind, another digest");
		tims_wl_digest_compute("l", TIMS_WL_PERSONS, 2, prev, h1, d2);
		T_OK(memcmp(d1, d2, 32) != 0, "digest: another version, another digest");
		prev[31] = 1;
		tims_wl_digest_compute("l", TIMS_WL_PERSONS, 1, prev, h1, d2);
		T_OK(memcmp(d1, d2, 32) != 0, "digest: another predecessor, another digest");
		tims_wl_close(a);
	}

	/* 3. Delta then digest = whole then digest; the actor travels; checks. */
	{
		struct tims_wl *c = store("centre"), *p1 = store("p1/watchlists"), *p2 = store("p2/watchlists");
		struct tims_buf b = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
		struct tims_bundle bd;
		struct tims_wl_change ch;
		struct verdicts vs;
		char p1dir[400];
		size_t removed;
		uint64_t version;

		snprintf(p1dir, sizeof(p1dir), "%s/p1", base);
		tims_wl_set_actor(c, "georgiev", false);
		T_OK(import(c, "wanted", TIMS_WL_CSV, false, HDR R1 R2) == TIMS_OK, "centre: version 1");
		T_OK(tims_wl_change_at(c, "wanted", 1, &ch, &err) == TIMS_OK &&
		     !strcmp(ch.actor, "georgiev") && !strcmp(ch.action, "import") && ch.count == 2,
		     "centre: version 1 recorded with its actor, action and count");
		T_OK(tims_bundle_watchlist(c, "wanted", 0, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK,
		     "bundle: version 1, whole (%s)", err.msg);
		T_EQ_STR(bd.actor, "georgiev", "bundle: its signed text names the actor of version 1");
		T_OK(tims_bundle_apply_held(p1dir, p1, &bd, &err) == TIMS_OK, "post 1: takes version 1 (%s)",
		     err.msg);
		T_OK(tims_wl_change_at(p1, "wanted", 1, &ch, &err) == TIMS_OK &&
		     !strcmp(ch.action, "bundle") && !strcmp(ch.actor, "centre:tims-centre"),
		     "post 1: the change recorded as a bundle from the centre");
		tims_bundle_release(&bd);
		tims_buf_reset(&b);
		tims_wl_set_actor(c, "petrova", false);
		T_OK(tims_wl_remove(c, "wanted", "P-1", &removed, &version, &err) == TIMS_OK &&
		     import(c, "wanted", TIMS_WL_CSV, false, HDR R3) == TIMS_OK, "centre: versions 2 and 3");
		T_OK(tims_wl_change_at(c, "wanted", 2, &ch, &err) == TIMS_OK &&
		     !strcmp(ch.action, "remove") && !strcmp(ch.ref, "P-1") && !strcmp(ch.actor, "petrova"),
		     "centre: the removal recorded with its ref and actor");
		T_OK(tims_bundle_watchlist(c, "wanted", 1, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK &&
		     bd.base == 1, "bundle: the delta from 1 to 3 (%s)", err.msg);
		T_OK(tims_bundle_apply_held(p1dir, p1, &bd, &err) == TIMS_OK, "post 1: applies the delta (%s)",
		     err.msg);
		tims_bundle_release(&bd);
		tims_buf_reset(&b);
		T_OK(tims_bundle_watchlist(c, "wanted", 0, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK,
		     "bundle: version 3, whole");
		snprintf(dir, sizeof(dir), "%s/p2", base);
		T_OK(tims_bundle_apply_held(dir, p2, &bd, &err) == TIMS_OK, "post 2: takes version 3 whole");
		hash(c, "wanted", h1);
		hash(p1, "wanted", h2);
		hash(p2, "wanted", h3);
		T_OK(!memcmp(h1, h2, 32), "delta: the post that applied it holds the centre's content");
		T_OK(!memcmp(h2, h3, 32), "delta then digest = whole then digest");

		/* The post's copy against the signed note it keeps. */
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL, &err)
		     == TIMS_OK && vs.n == 1 && vs.bad == 0, "check: the copy matches its signed digest");
		{
			struct tims_verifier none = vkey;

			none.pub[0] ^= 1;
			memset(&vs, 0, sizeof(vs));
			T_OK(tims_bundle_verify_held(p1dir, p1, &none, "tims-centre", on_verdict, &vs, NULL,
						     &err) == TIMS_OK && vs.bad == 1,
			     "check: a note that does not verify with the bundle key fails (%s)", vs.reason);
		}
		/* root behind the CLI: an entry tombstoned with sqlite3 */
		{
			sqlite3 *db = NULL;

			snprintf(dir, sizeof(dir), "%s/p1/watchlists/watchlists.db", base);
			T_OK(sqlite3_open(dir, &db) == SQLITE_OK &&
			     sqlite3_exec(db, "UPDATE entries SET deleted_version = 99 WHERE ref = 'P-3'",
					  NULL, NULL, NULL) == SQLITE_OK, "tamper: an entry removed with sqlite3");
			sqlite3_close(db);
		}
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL, &err)
		     == TIMS_OK && vs.bad == 1 && strstr(vs.reason, "does not match the centre's signed digest"),
		     "check: the altered copy is found (%s)", vs.reason);
		/* quarantined: screening fails closed, naming the list */
		{
			struct tims_screen_index *ix = NULL;
			struct tims_wl_screening *sc = calloc(1, sizeof(*sc));
			struct tims_wl_query q = { .surname = "DOE", .given_names = "JANE" };

			T_OK(sc && tims_wl_load_index(p1, &ix, &err) == TIMS_OK, "index: loaded");
			T_OK(tims_wl_quarantine(p1, "wanted", "the copy does not match", &err) == TIMS_OK &&
			     tims_wl_quarantined(p1, "wanted", NULL, 0), "quarantine: set");
			T_OK(tims_wl_screen(p1, ix, &q, sc, &err) == TIMS_ERR_STATE &&
			     strstr(err.msg, "watchlist wanted is not screened"),
			     "quarantine: the screening fails, naming the list (%s)", err.msg);
			{
				struct tims_wl *other = store("p1/watchlists");

				tims_wl_quarantine_copy(other, p1, NULL);
				T_OK(tims_wl_quarantined(other, "wanted", NULL, 0),
				     "quarantine: carried to a handle swapped in");
				tims_wl_close(other);
			}
			T_OK(tims_wl_quarantine(p1, "wanted", NULL, &err) == TIMS_OK &&
			     tims_wl_screen(p1, ix, &q, sc, &err) == TIMS_OK, "quarantine: lifted, screened");
			tims_screen_index_free(ix);
			free(sc);
		}
		/* the version held, whole: a repair; as a plain apply it is a replay */
		T_OK(tims_bundle_apply_held(p1dir, p1, &bd, &err) == TIMS_ERR_REPLAY,
		     "repair: not by a plain apply (the version is held)");
		T_OK(tims_bundle_repair_held(p1dir, p1, &bd, &err) == TIMS_OK, "repair: the version held, "
		     "whole, applied over the altered copy (%s)", err.msg);
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL, &err)
		     == TIMS_OK && vs.bad == 0, "repair: the copy matches again");
		hash(p1, "wanted", h2);
		T_OK(!memcmp(h1, h2, 32), "repair: the entry is back");
		/* the threshold: the centre's, and a quiet change of it is found */
		{
			struct tims_wl_list_info *l = NULL;
			size_t nl = 0;
			sqlite3 *db = NULL;

			T_OK(tims_wl_lists(p1, &l, &nl, &err) == TIMS_OK && nl == 1 &&
			     l[0].threshold > 0.7999 && l[0].threshold < 0.8001,
			     "threshold: the post holds the centre's (0.80)");
			free(l);
			snprintf(dir, sizeof(dir), "%s/p1/watchlists/watchlists.db", base);
			T_OK(sqlite3_open(dir, &db) == SQLITE_OK &&
			     sqlite3_exec(db, "UPDATE lists SET threshold = 0.99", NULL, NULL, NULL) ==
			     SQLITE_OK, "tamper: the threshold raised with sqlite3 (fewer hits)");
			sqlite3_close(db);
			memset(&vs, 0, sizeof(vs));
			T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL,
						     &err) == TIMS_OK && vs.bad == 1 && strstr(vs.reason, "threshold"),
			     "check: the changed threshold is found (%s)", vs.reason);
			T_OK(tims_bundle_repair_held(p1dir, p1, &bd, &err) == TIMS_OK, "repair: again");
			memset(&vs, 0, sizeof(vs));
			T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL,
						     &err) == TIMS_OK && vs.bad == 0,
			     "repair: the centre's threshold is back (%s)", vs.reason);
		}
		T_OK(tims_bundle_is_centre_list(p1dir, "wanted") && !tims_bundle_is_centre_list(p1dir, "own"),
		     "origin: the centre's list, and one it never sent");
		tims_bundle_release(&bd);

		/* A later delta over an altered copy: the sum kept with the list
		 * is not changed by an entry deleted behind the store, so the
		 * delta applies (its check is O(1), against that sum); the
		 * periodic check, recomputing from the rows, finds the copy
		 * altered, and the whole list of the version held restores the
		 * entry. */
		{
			sqlite3 *db = NULL;

			snprintf(dir, sizeof(dir), "%s/p1/watchlists/watchlists.db", base);
			T_OK(sqlite3_open(dir, &db) == SQLITE_OK &&
			     sqlite3_exec(db, "DELETE FROM entries WHERE ref = 'P-3'", NULL, NULL, NULL) ==
			     SQLITE_OK, "tamper: an entry deleted with sqlite3");
			sqlite3_close(db);
		}
		{
			struct tims_wl_import_opts o = { .list = "wanted", .kind = TIMS_WL_PERSONS,
							 .format = TIMS_WL_CSV, .threshold = 0.9 };
			struct tims_wl_import_result res;

			T_OK(tims_wl_import(c, &o, HDR R1, strlen(HDR R1), NULL, NULL, &res, &err) ==
			     TIMS_OK, "centre: version 4, with the threshold 0.90");
		}
		tims_buf_reset(&b);
		T_OK(tims_bundle_watchlist(c, "wanted", 3, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK &&
		     bd.base == 3, "bundle: the delta from 3 to 4");
		T_OK(tims_bundle_apply_held(p1dir, p1, &bd, &err) == TIMS_OK,
		     "delta: over the altered copy, applied against the sum kept (%s)", err.msg);
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL, &err)
		     == TIMS_OK && vs.bad == 1 && strstr(vs.reason, "is not that of its"),
		     "check: the entry deleted behind the store is found (%s)", vs.reason);
		tims_bundle_release(&bd);
		tims_buf_reset(&b);
		T_OK(tims_bundle_watchlist(c, "wanted", 0, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK &&
		     tims_bundle_repair_held(p1dir, p1, &bd, &err) == TIMS_OK,
		     "whole: version 4 applied as the repair (%s)", err.msg);
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_bundle_verify_held(p1dir, p1, &vkey, "tims-centre", on_verdict, &vs, NULL, &err)
		     == TIMS_OK && vs.bad == 0, "repair: the copy and its sum match again (%s)", vs.reason);
		hash(c, "wanted", h1);
		hash(p1, "wanted", h2);
		T_OK(!memcmp(h1, h2, 32), "whole: the deleted entry is back, the copy is the centre's");
		{
			struct tims_wl_list_info *l = NULL;
			size_t nl = 0;

			T_OK(tims_wl_lists(p1, &l, &nl, &err) == TIMS_OK && nl == 1 &&
			     l[0].threshold > 0.8999 && l[0].threshold < 0.9001 && bd.threshold > 0.8999,
			     "threshold: the centre's new threshold signed in the bundle and taken");
			free(l);
		}
		tims_bundle_release(&bd);

		/* a bundle without the actor line (made before it) is refused */
		{
			const char *text = "tims bundle v1\ncentre tims-centre\nkind watchlist\nlist x\n"
				"list-kind persons\nversion 1\n";
			struct tims_buf t = TIMS_BUF_INIT(4096), note = TIMS_BUF_INIT(8192);
			uint8_t prev[32] = { 0 }, content[32], dg[32], sha[32];
			json_t *o;
			char *js;

			crypto_hash_sha256(content, (const unsigned char *)"", 0);
			crypto_hash_sha256(sha, (const unsigned char *)"", 0);
			tims_wl_digest_compute("x", TIMS_WL_PERSONS, 1, prev, content, dg);
			tims_buf_addstr(&t, text);
			tims_buf_addstr(&t, "digest ");
			tims_buf_addhex(&t, dg, 32);
			tims_buf_addstr(&t, "\nprev ");
			tims_buf_addhex(&t, prev, 32);
			tims_buf_addstr(&t, "\ncontent ");
			tims_buf_addhex(&t, content, 32);
			tims_buf_addstr(&t, "\ntime 1\nsha256 ");
			tims_buf_addhex(&t, sha, 32);
			tims_buf_addch(&t, '\n');
			T_OK(tims_note_sign(t.buf, t.len, &key, 1, &note, &err) == TIMS_OK, "old: signed");
			o = json_pack("{s:s%, s:s}", "note", note.buf, note.len, "payload", "");
			js = json_dumps(o, JSON_COMPACT);
			T_OK(tims_bundle_open(js, strlen(js), &vkey, "tims-centre", &bd, &err) ==
			     TIMS_ERR_INVALID && strstr(err.msg, "malformed"),
			     "old: a bundle without the actor line is refused (%s)", err.msg);
			free(js);
			json_decref(o);
			tims_buf_release(&t);
			tims_buf_release(&note);
		}
		tims_buf_release(&b);
		tims_wl_close(c);
		tims_wl_close(p1);
		tims_wl_close(p2);
	}
	/* 4. The sum kept with each list: every write keeps it, tampering is
	 * found, a store from before sums gets them, a delta is one version. */
	{
		struct tims_wl *wl;
		uint8_t k1[32], k2[32];

		random_changes("rand");
		snprintf(dir, sizeof(dir), "%s/sealed", base);
		mkdir(dir, 0700);
		if (T_OK(tims_vault_create(dir, NULL, &err) == TIMS_OK, "sealed: a node's vault (%s)",
			 err.msg)) {
			random_changes("sealed/watchlists");
			T_OK(store_count("sealed/watchlists", "SELECT count(*) FROM entries WHERE"
					 " typeof(data) = 'text'") == 0,
			     "sealed: the entries stay sealed (no clear text for the sum)");
		}

		/* a row changed behind the store: the kept sum is not the rows' */
		wl = store("tamper");
		T_OK(import(wl, "l", TIMS_WL_CSV, false, HDR R1 R2 R3) == TIMS_OK && sum_agrees(wl, "l"),
		     "tamper: a list of 3");
		T_OK(store_sql("tamper", "UPDATE entries SET data = replace(data, 'Arrest', 'Ignore')"
			       " WHERE ref = 'P-1'") == 0, "tamper: an entry's instruction changed with sqlite3");
		T_OK(tims_wl_content_recompute(wl, "l", k1, &err) == TIMS_ERR_TAMPER &&
		     strstr(err.msg, "is not that of its"), "tamper: the changed row is found (%s)", err.msg);
		T_OK(store_sql("tamper", "UPDATE entries SET data = replace(data, 'Ignore', 'Arrest')"
			       " WHERE ref = 'P-1'") == 0 && tims_wl_content_recompute(wl, "l", k1, &err) ==
		     TIMS_OK, "tamper: put back, the rows are the sum's again");
		T_OK(tims_wl_content_hash(wl, "l", k1, &err) == TIMS_OK &&
		     store_sql("tamper", "UPDATE list_sums SET lanes = zeroblob(2048)") == 0 &&
		     tims_wl_content_hash(wl, "l", k2, &err) == TIMS_OK && memcmp(k1, k2, 32) != 0,
		     "tamper: the sum changed with sqlite3 changes the content");
		T_OK(tims_wl_content_recompute(wl, "l", k2, &err) == TIMS_ERR_TAMPER && !memcmp(k1, k2, 32),
		     "tamper: the changed sum is found; the rows' content is the list's (%s)", err.msg);
		T_OK(store_sql("tamper", "UPDATE list_sums SET count = count + 1") == 0 &&
		     tims_wl_content_recompute(wl, "l", k2, &err) == TIMS_ERR_TAMPER,
		     "tamper: so is a changed count");
		tims_wl_close(wl);

		/* a store made before sums (lead 0cee421: no list_sums) */
		wl = store("old");
		T_OK(import(wl, "l", TIMS_WL_CSV, false, HDR R1 R2) == TIMS_OK &&
		     import(wl, "l", TIMS_WL_CSV, false, HDR R3) == TIMS_OK &&
		     tims_wl_content_hash(wl, "l", k1, &err) == TIMS_OK, "old: a list of two versions");
		tims_wl_close(wl);
		T_OK(store_sql("old", "DROP TABLE list_sums") == 0 &&
		     store_count("old", "SELECT count(*) FROM list_digests") == 2,
		     "old: the sums dropped (a store of before), its two digests kept");
		wl = store("old");
		T_OK(store_count("old", "SELECT count(*) FROM list_sums") == 1 &&
		     tims_wl_content_hash(wl, "l", k2, &err) == TIMS_OK && !memcmp(k1, k2, 32) &&
		     sum_agrees(wl, "l"), "old: the sum computed once at open, the same content");
		T_OK(store_count("old", "SELECT count(*) FROM list_digests") == 2,
		     "old: the digests recorded stay as they were");
		tims_wl_close(wl);

		/* a delta with removals is one transaction and one new version */
		{
			struct tims_wl_import_result res;
			struct tims_wl_change ch;
			static const char delta[] =
				"{\"ref\":\"P-1\",\"removed\":true}\n"
				"{\"ref\":\"P-9\",\"removed\":true}\n"
				"{\"alert\":\"missing\",\"name\":\"DOE, Jane\",\"ref\":\"P-3\"}\n"
				"{\"ref\":\"P-2\",\"removed\":true}\n";

			wl = store("delta");
			T_OK(import(wl, "l", TIMS_WL_CSV, false, HDR R1 R2) == TIMS_OK, "delta: version 1");
			T_OK(tims_wl_import_delta(wl, "l", TIMS_WL_PERSONS, delta, strlen(delta), &res,
						  &err) == TIMS_OK && res.version == 2 && res.removed == 2 &&
			     res.stored == 1, "delta: 2 removals (one not held) and a new entry: version 2 "
			     "(%s)", err.msg);
			T_OK(tims_wl_change_at(wl, "l", 2, &ch, &err) == TIMS_OK && ch.count == 3,
			     "delta: one change recorded, of 3 entries");
			T_OK(sum_agrees(wl, "l"), "delta: the sum kept is the rows'");
			T_OK(tims_wl_import_delta(wl, "l", TIMS_WL_PERSONS, "{\"ref\":\"P-3\","
						  "\"removed\":true,\"x\":1}\n", 31, &res, &err) ==
			     TIMS_ERR_INVALID, "delta: a removal line with more than ref is refused (%s)",
			     err.msg);
			tims_wl_close(wl);
		}
	}
	/* 5. A centre upgraded from before sums: the version it recorded then
	 * keeps its SHA-256 content, and its bundle is still taken. */
	{
		struct tims_wl *c = store("oldc"), *p = store("oldp/watchlists");
		struct tims_buf b = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
		struct tims_bundle bd;
		struct verdicts vs;
		uint8_t v1[32], prev[32] = { 0 }, dg[32];
		char pdir[400], sql[600], hx[65], hd[65];

		T_OK(import(c, "wanted", TIMS_WL_CSV, false, HDR R1 R2) == TIMS_OK &&
		     tims_wl_content_hash_v1(c, "wanted", v1, &err) == TIMS_OK, "old centre: version 1");
		tims_wl_digest_compute("wanted", TIMS_WL_PERSONS, 1, prev, v1, dg);
		sodium_bin2hex(hx, sizeof(hx), v1, 32);
		sodium_bin2hex(hd, sizeof(hd), dg, 32);
		snprintf(sql, sizeof(sql), "UPDATE list_digests SET content = x'%s', digest = x'%s'"
			 " WHERE version = 1", hx, hd);
		T_OK(store_sql("oldc", sql) == 0, "old centre: version 1 recorded with the content of "
		     "before (SHA-256 of the export)");
		T_OK(tims_bundle_watchlist(c, "wanted", 0, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK &&
		     !memcmp(bd.content, v1, 32), "old centre: its bundle of version 1 opens (%s)", err.msg);
		snprintf(pdir, sizeof(pdir), "%s/oldp", base);
		T_OK(tims_bundle_apply_held(pdir, p, &bd, &err) == TIMS_OK,
		     "old centre: a post takes that version (%s)", err.msg);
		memset(&vs, 0, sizeof(vs));
		T_OK(tims_bundle_verify_held(pdir, p, &vkey, "tims-centre", on_verdict, &vs, NULL, &err) ==
		     TIMS_OK && vs.n == 1 && vs.bad == 0, "old centre: the copy checks against it (%s)",
		     vs.reason);
		tims_bundle_release(&bd);
		tims_buf_reset(&b);
		T_OK(import(c, "wanted", TIMS_WL_CSV, false, HDR R3) == TIMS_OK &&
		     tims_bundle_watchlist(c, "wanted", 1, "tims-centre", &key, &b, &err) == TIMS_OK &&
		     tims_bundle_open(b.buf, b.len, &vkey, "tims-centre", &bd, &err) == TIMS_OK &&
		     bd.base == 1 && tims_bundle_apply_held(pdir, p, &bd, &err) == TIMS_OK,
		     "old centre: its next version, a delta, carries the multiset content (%s)", err.msg);
		T_OK(sum_agrees(p, "wanted") && tims_wl_content_hash(p, "wanted", v1, &err) == TIMS_OK &&
		     !memcmp(v1, bd.content, 32), "old centre: the post holds it");
		tims_bundle_release(&bd);
		tims_buf_release(&b);
		tims_wl_close(c);
		tims_wl_close(p);
	}
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		if (system(cmd) != 0)
			return 2;
	}
	return t_done();
}
