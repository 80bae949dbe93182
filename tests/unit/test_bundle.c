/*
 * test_bundle.c — signed watchlist bundles from the centre to a post
 * (tims/bundle.h): a bundle made from the centre's store is applied at the
 * post and makes its list equal; a forged, foreign, tampered, replayed or
 * malformed bundle is refused and changes nothing.
 */
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "tims/bundle.h"
#include "tims/util.h"

#include <jansson.h>

static char base[256];

static size_t active(struct tims_wl *wl, const char *list)
{
	struct tims_wl_list_info *l = NULL;
	size_t n = 0, a = 0;

	if (tims_wl_lists(wl, &l, &n, NULL))
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].name, list))
			a = l[i].active;
	free(l);
	return a;
}

/* What a post holds after applying the centre's version v (0: nothing). */
static const struct tims_bundle_held *H(struct tims_wl *centre, uint64_t v)
{
	static struct tims_bundle_held h;
	struct tims_wl_digest d;

	memset(&h, 0, sizeof(h));
	h.version = v;
	if (v && tims_wl_digest_at(centre, "wanted", v, &d, NULL) == TIMS_OK) {
		h.has_digest = true;
		memcpy(h.digest, d.digest, 32);
	}
	return &h;
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

int main(void)
{
	struct tims_wl_import_opts o = { .list = "wanted", .kind = TIMS_WL_PERSONS,
					 .format = TIMS_WL_CSV, .threshold = -1 };
	struct tims_wl_import_result res;
	struct tims_signer key, other;
	struct tims_verifier vkey, vother;
	struct tims_buf csv = TIMS_BUF_INIT(1 << 20), b1 = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_buf b2 = TIMS_BUF_INIT(TIMS_BUNDLE_MAX), forged = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_wl *centre = NULL, *post = NULL;
	struct tims_bundle b;
	struct tims_bundle_held h;
	struct tims_err err;
	char dir[400], cmd[600];
	size_t removed;
	uint64_t version;

	snprintf(base, sizeof(base), "/tmp/tims-bundle-XXXXXX");
	if (!mkdtemp(base))
		return 2;
	signer("tims-centre/bundles", &key, &vkey);
	signer("tims-centre/bundles", &other, &vother); /* same name, other key */
	snprintf(dir, sizeof(dir), "%s/centre", base);
	T_OK(tims_wl_open(dir, true, &centre, &err) == TIMS_OK, "centre: a watchlist store");
	snprintf(dir, sizeof(dir), "%s/post", base);
	T_OK(tims_wl_open(dir, true, &post, &err) == TIMS_OK, "post: a watchlist store");
	T_OK(tims_read_file("tests/data/screen/persons.csv", csv.max, &csv, &err) == TIMS_OK &&
	     tims_wl_import(centre, &o, csv.buf, csv.len, NULL, NULL, &res, &err) == TIMS_OK,
	     "centre: imports a persons list (%s)", err.msg);

	T_OK(tims_bundle_watchlist(centre, "wanted", 0, "tims-centre", &key, &b1, &err) == TIMS_OK,
	     "make: a signed bundle of the list (%s)", err.msg);
	T_OK(tims_bundle_open(b1.buf, b1.len, &vkey, "tims-centre", &b, &err) == TIMS_OK,
	     "open: signature, fields and payload hash check (%s)", err.msg);
	T_EQ_INT(b.version, 1, "open: the list's version at the centre");
	T_OK(tims_bundle_apply(post, &b, H(centre, 0), &err) == TIMS_OK, "apply: into the post's store (%s)",
	     err.msg);
	T_EQ_INT(active(post, "wanted"), active(centre, "wanted"), "apply: the post's list equals the centre's");
	snprintf(dir, sizeof(dir), "%s/post", base);
	T_OK(tims_bundle_held_set(dir, &b, &err) == TIMS_OK &&
	     tims_bundle_held_get(dir, "watchlist", "wanted", &h, &err) == TIMS_OK && h.version == 1,
	     "held: the post remembers version 1");
	T_OK(tims_bundle_apply(post, &b, &h, &err) == TIMS_ERR_REPLAY,
	     "replay: the same bundle again is refused (%s)", err.msg);
	tims_bundle_release(&b);

	/* Forged: the same name, another key. */
	T_OK(tims_bundle_watchlist(centre, "wanted", 0, "tims-centre", &other, &forged, &err) == TIMS_OK,
	     "forge: a bundle signed with another key");
	T_OK(tims_bundle_open(forged.buf, forged.len, &vkey, "tims-centre", &b, &err) == TIMS_ERR_SIGNATURE,
	     "forge: refused (%s)", err.msg);
	/* Another centre's name. */
	T_OK(tims_bundle_open(b1.buf, b1.len, &vkey, "other-centre", &b, &err) == TIMS_ERR_SIGNATURE,
	     "foreign: a bundle for another centre is refused (%s)", err.msg);
	/* The payload changed after signing. */
	{
		char *p = strstr(b1.buf, "SHCHERBAKOV");

		T_OK(p != NULL, "tamper: the payload carries the entry");
		if (p) {
			p[0] = 'X';
			T_OK(tims_bundle_open(b1.buf, b1.len, &vkey, "tims-centre", &b, &err) ==
			     TIMS_ERR_TAMPER, "tamper: an altered payload is refused (%s)", err.msg);
			p[0] = 'S';
		}
	}
	{
		static const char *bad[] = { "", "{}", "[]", "{\"note\":1,\"payload\":\"\"}",
					     "{\"note\":\"x\",\"payload\":\"\",\"more\":1}" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			T_OK(tims_bundle_open(bad[i], strlen(bad[i]), &vkey, "tims-centre", &b, &err) != TIMS_OK,
			     "malformed bundle %zu refused (%s)", i, err.msg);
	}

	/* Version 2: an entry removed at the centre is removed at the post. */
	T_OK(tims_wl_remove(centre, "wanted", "P-002", &removed, &version, &err) == TIMS_OK &&
	     version == 2, "centre: removing an entry makes version 2");
	T_OK(tims_bundle_watchlist(centre, "wanted", 0, "tims-centre", &key, &b2, &err) == TIMS_OK &&
	     tims_bundle_open(b2.buf, b2.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
	     tims_bundle_apply(post, &b, H(centre, 1), &err) == TIMS_OK, "apply: version 2 over 1 (%s)", err.msg);
	T_EQ_INT(active(post, "wanted"), active(centre, "wanted"), "apply: the removal reached the post");
	tims_bundle_release(&b);
	T_OK(tims_bundle_open(b1.buf, b1.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
	     tims_bundle_apply(post, &b, H(centre, 2), &err) == TIMS_ERR_TAMPER,
	     "replay: the older version 1 cannot roll the list back, and is refused loudly (%s)",
	     err.msg);
	tims_bundle_release(&b);

	/* Version 3 as a delta from 2: one removed, one added, one changed. */
	{
		static const char more[] =
			"ref,name,aliases,dob,nationality,sex,alert,authority,instruction\n"
			"P-100,\"PETROV, Ivan\",,1966-06-06,BGR,M,wanted,NSB,Detain\n"
			"P-001,\"SHCHERBAKOV, Yuriy\",,1971-04-12,RUS,M,entry-ban,INTERPOL,Refuse\n";
		struct tims_wl_import_opts io = { .list = "wanted", .kind = TIMS_WL_PERSONS,
						  .format = TIMS_WL_CSV, .threshold = -1 };
		struct tims_wl_import_result ir;
		struct tims_buf d = TIMS_BUF_INIT(1 << 20), whole = TIMS_BUF_INIT(1 << 20);
		struct tims_buf dumpc = TIMS_BUF_INIT(1 << 20), dumpp = TIMS_BUF_INIT(1 << 20);

		T_OK(tims_wl_remove(centre, "wanted", "P-003", &removed, &version, &err) == TIMS_OK &&
		     tims_wl_import(centre, &io, more, sizeof(more) - 1, NULL, NULL, &ir, &err) ==
		     TIMS_OK && ir.version == 4, "centre: versions 3 and 4 (%s)", err.msg);
		T_OK(tims_bundle_watchlist(centre, "wanted", 2, "tims-centre", &key, &d, &err) ==
		     TIMS_OK, "delta: made from version 2 (%s)", err.msg);
		T_OK(tims_bundle_watchlist(centre, "wanted", 0, "tims-centre", &key, &whole, &err) ==
		     TIMS_OK && d.len < whole.len, "delta: smaller than the whole list (%zu < %zu)",
		     d.len, whole.len);
		T_OK(tims_bundle_open(d.buf, d.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     b.base == 2 && b.version == 4, "delta: opens with base 2, version 4");
		T_OK(tims_bundle_apply(post, &b, H(centre, 1), &err) == TIMS_ERR_STATE &&
		     strstr(err.msg, "fetch the whole list"), "delta: refused over version 1 (%s)",
		     err.msg);
		T_OK(tims_bundle_apply(post, &b, H(centre, 4), &err) == TIMS_ERR_REPLAY,
		     "delta: refused when version 4 is held");
		T_OK(tims_bundle_apply(post, &b, H(centre, 2), &err) == TIMS_OK, "delta: applied over 2 (%s)",
		     err.msg);
		T_OK(tims_wl_dump(centre, "wanted", &dumpc, &err) == TIMS_OK &&
		     tims_wl_dump(post, "wanted", &dumpp, &err) == TIMS_OK &&
		     active(post, "wanted") == active(centre, "wanted") &&
		     strstr(dumpp.buf, "P-100") && !strstr(dumpp.buf, "\"P-003\"") &&
		     strstr(dumpp.buf, "Refuse"), "delta: the post's list equals the centre's");
		T_OK(tims_bundle_apply(post, &b, H(centre, 3), &err) == TIMS_ERR_STATE,
		     "delta: refused over 3, a version it was not made from (fetch the whole list)");
		T_EQ_INT(active(post, "wanted"), active(centre, "wanted"), "delta: still equal");
		tims_bundle_release(&b);
		/* the base line is signed: changing it breaks the signature */
		{
			char *p = strstr(d.buf, "base 2");

			if (T_OK(p != NULL, "delta: the note says its base")) {
				p[5] = '1';
				T_OK(tims_bundle_open(d.buf, d.len, &vkey, "tims-centre", &b, &err) ==
				     TIMS_ERR_SIGNATURE, "delta: a changed base is refused");
			}
		}
		tims_buf_release(&d);
		tims_buf_release(&whole);
		tims_buf_release(&dumpc);
		tims_buf_release(&dumpp);
	}

	/*
	 * Lineage: the centre's store is restored from an old copy (version 1)
	 * and a different list imported again, reaching version 2 once more.
	 * A post holding the first version 2 must not take the new one as
	 * "held" nor merge it: refused loudly; a delta made over the other
	 * version 2 is refused; the next version, whole, is applied.
	 */
	{
		static const char other_csv[] =
			"ref,name,aliases,dob,nationality,sex,alert\n"
			"Q-1,\"DOE, Jane\",,1970-01-01,GBR,F,wanted\n";
		static const char third[] =
			"ref,name,aliases,dob,nationality,sex,alert\n"
			"Q-2,\"ROE, Richard\",,1971-01-01,GBR,M,wanted\n";
		struct tims_wl *restored = NULL, *p2 = NULL;
		struct tims_wl_import_opts io = { .list = "wanted", .kind = TIMS_WL_PERSONS,
						  .format = TIMS_WL_CSV, .threshold = -1 };
		struct tims_wl_import_result ir;
		struct tims_wl_digest d1, d1r, d2, d2r;
		struct tims_buf x = TIMS_BUF_INIT(TIMS_BUNDLE_MAX), before = TIMS_BUF_INIT(1 << 20);
		struct tims_buf after = TIMS_BUF_INIT(1 << 20);
		struct tims_bundle_held hh;
		char pdir[400];
		json_t *held;
		const char *alert;

		/* the post: versions 1 and 2 of the original centre */
		snprintf(pdir, sizeof(pdir), "%s/post2", base);
		snprintf(dir, sizeof(dir), "%s/first", base);
		tims_wl_close(centre);
		T_OK(tims_wl_open(dir, true, &centre, &err) == TIMS_OK &&
		     tims_wl_open(pdir, true, &p2, &err) == TIMS_OK &&
		     tims_wl_import(centre, &o, csv.buf, csv.len, NULL, NULL, &res, &err) == TIMS_OK,
		     "lineage: a centre at version 1");
		tims_buf_reset(&x);
		T_OK(tims_bundle_watchlist(centre, "wanted", 0, "tims-centre", &key, &x, &err) == TIMS_OK &&
		     tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     tims_bundle_apply_held(pdir, p2, &b, &err) == TIMS_OK,
		     "lineage: the post applies version 1 (%s)", err.msg);
		tims_bundle_release(&b);
		T_OK(tims_wl_remove(centre, "wanted", "P-002", &removed, &version, &err) == TIMS_OK,
		     "lineage: the centre makes version 2");
		tims_buf_reset(&x);
		T_OK(tims_bundle_watchlist(centre, "wanted", 1, "tims-centre", &key, &x, &err) == TIMS_OK &&
		     tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     b.base == 1 && tims_bundle_apply_held(pdir, p2, &b, &err) == TIMS_OK,
		     "lineage: the post applies version 2 as a delta over its version 1 (%s)", err.msg);
		tims_bundle_release(&b);
		T_OK(tims_wl_digest_at(centre, "wanted", 1, &d1, &err) == TIMS_OK &&
		     tims_wl_digest(centre, "wanted", &d2, &err) == TIMS_OK && d2.version == 2 &&
		     !memcmp(d2.prev, d1.digest, 32), "lineage: version 2's prev is version 1's digest");
		tims_bundle_held_get(pdir, "watchlist", "wanted", &hh, &err);
		T_OK(hh.version == 2 && hh.has_digest && !memcmp(hh.digest, d2.digest, 32),
		     "lineage: the post holds version 2 with its digest");

		/* the centre restored from its copy at version 1, then another import */
		snprintf(dir, sizeof(dir), "%s/restored", base);
		T_OK(tims_wl_open(dir, true, &restored, &err) == TIMS_OK &&
		     tims_wl_import(restored, &o, csv.buf, csv.len, NULL, NULL, &res, &err) == TIMS_OK &&
		     tims_wl_digest(restored, "wanted", &d1r, &err) == TIMS_OK &&
		     !memcmp(d1r.digest, d1.digest, 32),
		     "lineage: the restored copy's version 1 is the same version 1");
		io.replace = true;
		T_OK(tims_wl_import(restored, &io, other_csv, sizeof(other_csv) - 1, NULL, NULL, &ir, &err) ==
		     TIMS_OK && ir.version == 2 && tims_wl_digest(restored, "wanted", &d2r, &err) == 0 &&
		     memcmp(d2r.digest, d2.digest, 32) && !memcmp(d2r.prev, d1.digest, 32),
		     "lineage: another version 2 after the restore: same number, another digest");
		tims_wl_dump(p2, "wanted", &before, &err);
		tims_buf_reset(&x);
		T_OK(tims_bundle_watchlist(restored, "wanted", 0, "tims-centre", &key, &x, &err) == TIMS_OK &&
		     tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     tims_bundle_apply_held(pdir, p2, &b, &err) == TIMS_ERR_TAMPER,
		     "lineage: the other version 2, whole, is refused loudly: %s", err.msg);
		tims_bundle_release(&b);
		tims_wl_dump(p2, "wanted", &after, &err);
		T_OK(before.len && before.len == after.len && !memcmp(before.buf, after.buf, before.len),
		     "lineage: ... and the post's list is unchanged (not merged)");
		held = tims_bundle_held_json(pdir);
		alert = json_string_value(json_object_get(json_array_get(held, 0), "alert"));
		T_OK(alert && strstr(alert, "diverged") && strstr(alert, "version 2"),
		     "lineage: the alert is in what the post shows: %s", alert ? alert : "(none)");
		T_EQ_INT(json_string_length(json_object_get(json_array_get(held, 0), "digest")), 12,
			 "lineage: the post shows the short digest of what it holds");
		json_decref(held);

		/* version 3 at the restored centre: a delta over its own 2 does not fit */
		io.replace = false;
		T_OK(tims_wl_import(restored, &io, third, sizeof(third) - 1, NULL, NULL, &ir, &err) ==
		     TIMS_OK && ir.version == 3, "lineage: the restored centre makes version 3");
		tims_buf_reset(&x);
		T_OK(tims_bundle_watchlist(restored, "wanted", 2, "tims-centre", &key, &x, &err) == TIMS_OK &&
		     tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     b.base == 2 && tims_bundle_apply_held(pdir, p2, &b, &err) == TIMS_ERR_STATE,
		     "lineage: a delta from the other version 2 is refused (%s)", err.msg);
		tims_bundle_release(&b);
		tims_buf_reset(&x);
		tims_buf_reset(&before);
		tims_buf_reset(&after);
		T_OK(tims_bundle_watchlist(restored, "wanted", 0, "tims-centre", &key, &x, &err) == TIMS_OK &&
		     tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     tims_bundle_apply_held(pdir, p2, &b, &err) == TIMS_OK,
		     "lineage: the whole version 3 is applied (%s)", err.msg);
		tims_bundle_release(&b);
		T_OK(tims_wl_dump(restored, "wanted", &before, &err) == TIMS_OK &&
		     tims_wl_dump(p2, "wanted", &after, &err) == TIMS_OK &&
		     active(p2, "wanted") == active(restored, "wanted") && strstr(after.buf, "Q-2") &&
		     strstr(after.buf, "Q-1") && !strstr(after.buf, "P-001"),
		     "lineage: the post's list is now the centre's");
		tims_bundle_held_get(pdir, "watchlist", "wanted", &hh, &err);
		T_OK(hh.version == 3 && !hh.alert[0], "lineage: version 3 held, the alert cleared");
		/* a bundle whose digest line does not fit its other lines */
		{
			char *p = strstr(x.buf, "\\ncontent ");

			if (T_OK(p != NULL, "lineage: the note carries the content hash")) {
				p[9] = p[9] == '0' ? '1' : '0';
				T_OK(tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) != TIMS_OK,
				     "lineage: a changed line is refused (%s)", err.msg);
			}
		}
		tims_wl_close(restored);
		tims_wl_close(p2);
		tims_buf_release(&x);
		tims_buf_release(&before);
		tims_buf_release(&after);
	}

	/* An empty list (no identifiers at all) made, sent and applied. */
	{
		struct tims_wl *c3 = NULL, *p3 = NULL;
		struct tims_buf x = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
		static const char one[] = "{\"ref\":\"P1\",\"name\":\"DOE, John\",\"alert\":\"wanted\"}\n";
		struct tims_wl_import_opts eo = { .list = "empty", .kind = TIMS_WL_PERSONS,
						  .format = TIMS_WL_JSONL, .threshold = -1 };
		struct tims_wl_import_result er;
		struct tims_screen_index *ix = NULL;
		char pdir[400];

		snprintf(dir, sizeof(dir), "%s/c3", base);
		snprintf(pdir, sizeof(pdir), "%s/p3", base);
		T_OK(tims_wl_open(dir, true, &c3, &err) == TIMS_OK &&
		     tims_wl_open(pdir, true, &p3, &err) == TIMS_OK &&
		     tims_wl_import(c3, &eo, one, sizeof(one) - 1, NULL, NULL, &er, &err) == TIMS_OK &&
		     tims_wl_remove(c3, "empty", NULL, &removed, &version, &err) == TIMS_OK &&
		     tims_bundle_watchlist(c3, "empty", 0, "tims-centre", &key, &x, &err) == TIMS_OK &&
		     tims_bundle_open(x.buf, x.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
		     tims_bundle_apply_held(pdir, p3, &b, &err) == TIMS_OK,
		     "empty list: made and applied (%s)", err.msg);
		tims_bundle_release(&b);
		T_OK(tims_wl_load_index(p3, &ix, &err) == TIMS_OK,
		     "empty list: the post's index loads with no identifier (%s)", err.msg);
		tims_screen_index_free(ix);
		tims_wl_close(c3);
		tims_wl_close(p3);
		tims_buf_release(&x);
	}

	tims_wl_close(centre);
	tims_wl_close(post);
	tims_signer_release(&key);
	tims_signer_release(&other);
	tims_buf_release(&csv);
	tims_buf_release(&b1);
	tims_buf_release(&b2);
	tims_buf_release(&forged);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		return 2;
	return t_done();
}
