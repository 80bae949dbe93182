/*
 * test_rotate.c — signing keys replaced by statements of the old key
 * (docs/keys.md, "Rotating signing keys"): a post's log handed over to a
 * new key (twice) verifies across the keys, a hand-over signed by one key
 * only is not one, a stranger's key file does not open the log; a key
 * announcement is followed only from the pinned key, and its overlap ends.
 * The mirrors' and witnesses' side: tests/e2e/rotate.sh.
 */
#include <sys/stat.h>

#include "t.h"
#include "tims/keyroll.h"
#include "tims/mlog.h"
#include "tims/note.h"
#include "tims/post.h"
#include "tims/sync.h"
#include "tims/util.h"

static char root[256], dir[300];

static void make_record(struct tims_record *r, unsigned i)
{
	tims_record_init(r);
	r->direction = TIMS_DIR_ENTRY;
	snprintf(r->ref, sizeof(r->ref), "rot-%u", i);
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "D%u", i);
	snprintf(r->person.surname, sizeof(r->person.surname), "DOE");
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	r->decision = TIMS_DECISION_ADMIT;
}

static int append(unsigned from, unsigned n)
{
	struct tims_record recs[8];
	struct tims_post_ack acks[8];
	struct tims_post *p;
	struct tims_err err;
	int issued, ok;

	if (tims_post_open(dir, TIMS_POST_WRITE, &p, &err))
		return 0;
	for (unsigned i = 0; i < n; i++)
		make_record(&recs[i], from + i);
	ok = tims_post_append(p, recs, n, acks, &err) == TIMS_OK &&
	     tims_post_checkpoint(p, &issued, &err) == TIMS_OK;
	tims_post_free(p);
	return ok;
}

static void finding(void *ctx, const char *msg)
{
	(void)ctx;
	printf("#   finding: %s\n", msg);
}

static int verifies(void)
{
	struct tims_post_verify_stats st;
	struct tims_post *p;
	struct tims_err err;
	tims_rc rc;

	if (tims_post_open(dir, TIMS_POST_READ, &p, &err)) {
		printf("#   open: %s\n", err.msg);
		return 0;
	}
	rc = tims_post_verify(p, finding, NULL, &st, &err);
	tims_post_free(p);
	return rc == TIMS_OK;
}

static int read_key(const char *path, struct tims_verifier *v)
{
	struct tims_err err;

	return tims_mlog_load_keys(path, path, NULL, v, NULL, &err) == TIMS_OK;
}

static void test_post_handover(void)
{
	char oldk[TIMS_POST_VKEY_MAX], newk[TIMS_POST_VKEY_MAX], path[400];
	struct tims_verifier before, after, o, n;
	struct tims_checkpoint cp;
	struct tims_post *p;
	struct tims_err err;
	const char *note;
	uint64_t size;

	T_OK(tims_post_init(dir, "example.org/post/rot", "rot", "land", &err) == TIMS_OK,
	     "init (%s)", err.msg);
	T_OK(append(0, 3), "three records under the first key");
	snprintf(path, sizeof(path), "%s/post.vkey", dir);
	read_key(path, &before);
	T_OK(tims_post_rotate_key(dir, oldk, newk, &err) == TIMS_OK, "rotate-key (%s)", err.msg);
	read_key(path, &after);
	T_OK(strcmp(oldk, newk) && !strcmp(before.name, after.name) && before.keyhash != after.keyhash,
	     "post.vkey is a new key of the same name");
	snprintf(path, sizeof(path), "%s/post.skey.next", dir);
	T_OK(access(path, F_OK) != 0, "no .next key is left");
	T_OK(append(3, 2), "two records under the new key");
	T_OK(verifies(), "the log verifies across the two keys");
	T_OK(tims_post_open(dir, TIMS_POST_READ, &p, &err) == TIMS_OK, "open");
	if (!p)
		return;
	T_EQ_INT(tims_mlog_handover_count(tims_post_mlog(p)), 1, "one hand-over");
	tims_mlog_handover_get(tims_post_mlog(p), 0, &note, &size);
	T_EQ_INT(size, 3, "at the size the old key had signed");
	T_OK(tims_mlog_handover_parse(note, strlen(note), &cp, &o, &n, &err) == TIMS_OK &&
	     o.keyhash == before.keyhash && n.keyhash == after.keyhash,
	     "signed by both, from the old key to the new");
	T_OK(tims_mlog_key_at(tims_post_mlog(p), 3)->keyhash == before.keyhash &&
	     tims_mlog_key_at(tims_post_mlog(p), 4)->keyhash == after.keyhash,
	     "the old key up to its size, the new one after");
	/* A hand-over signed by one key only is not one. */
	{
		char *cut = strdup(note), *last = cut ? strrchr(cut, '\n') : NULL;

		if (last) {
			*last = '\0';
			last = strrchr(cut, '\n');
			if (last)
				last[1] = '\0';
		}
		T_OK(cut && tims_mlog_handover_parse(cut, strlen(cut), &cp, &o, &n, &err) ==
				    TIMS_ERR_SIGNATURE,
		     "a hand-over without the new key's signature is refused (%s)", err.msg);
		free(cut);
	}
	tims_post_free(p);
	/* Run again: a second rotation chains on. */
	T_OK(tims_post_rotate_key(dir, oldk, newk, &err) == TIMS_OK, "a second rotation");
	T_OK(append(5, 1) && verifies(), "three keys, one log that verifies");
	/* A key file swapped for a stranger's: the log does not open. */
	{
		char *sk = NULL, *vk = NULL;
		struct tims_buf b = TIMS_BUF_INIT(1024);

		snprintf(path, sizeof(path), "%s/post.vkey", dir);
		if (!tims_note_keygen("example.org/post/rot", TIMS_KEY_ED25519, &sk, &vk, &err)) {
			tims_buf_addf(&b, "%s\n", vk);
			tims_write_file(path, b.buf, b.len, 0644, 1, &err);
			snprintf(path, sizeof(path), "%s/post.skey", dir);
			tims_write_file(path, sk, strlen(sk), 0600, 1, &err);
		}
		T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_ERR_SIGNATURE &&
		     strstr(err.msg, "not a key of this log"),
		     "a stranger's key does not open the log (%s)", err.msg);
		if (sk)
			tims_note_free_secret(sk);
		free(vk);
		tims_buf_release(&b);
	}
}

static void test_keyroll(void)
{
	char *osk = NULL, *ovk = NULL, *nsk = NULL, *nvk = NULL, *xsk = NULL, *xvk = NULL;
	char cdir[400], path[450];
	struct tims_signer os, ns, xs;
	struct tims_verifier keys[2];
	struct tims_buf note = TIMS_BUF_INIT(65536), forged = TIMS_BUF_INIT(65536);
	struct tims_keyroll k;
	struct tims_err err;
	size_t nk = 0;
	int applied = 0;

	snprintf(cdir, sizeof(cdir), "%s/centre", root);
	mkdir(cdir, 0700);
	if (tims_note_keygen("c/bundles", TIMS_KEY_ED25519, &osk, &ovk, &err) ||
	    tims_note_keygen("c/bundles", TIMS_KEY_ED25519, &nsk, &nvk, &err) ||
	    tims_note_keygen("c/bundles", TIMS_KEY_ED25519, &xsk, &xvk, &err) ||
	    tims_signer_from_skey(osk, &os, &err) || tims_signer_from_skey(nsk, &ns, &err) ||
	    tims_signer_from_skey(xsk, &xs, &err)) {
		T_OK(0, "keys");
		return;
	}
	snprintf(path, sizeof(path), "%s/bundle.vkey", cdir);
	tims_write_file(path, ovk, strlen(ovk), 0644, 1, &err);
	T_OK(tims_keyroll_make("c", "bundle", &os, &ns, 1000, 2000, &note, &err) == TIMS_OK,
	     "an announcement (%s)", err.msg);
	T_OK(tims_keyroll_parse(note.buf, note.len, &k, &err) == TIMS_OK && k.until_s == 2000,
	     "it parses and verifies");
	/* from a key the post does not pin (a thief's new key over the real one) */
	T_OK(tims_keyroll_make("c", "bundle", &xs, &ns, 1000, 2000, &forged, &err) == TIMS_OK &&
	     tims_keyroll_apply(cdir, "c", forged.buf, forged.len, &applied, &err) ==
		     TIMS_ERR_SIGNATURE && !applied,
	     "an announcement from a key not pinned is refused (%s)", err.msg);
	T_OK(tims_keyroll_apply(cdir, "other", note.buf, note.len, &applied, &err) ==
		     TIMS_ERR_SIGNATURE, "one of another centre is refused");
	T_OK(tims_keyroll_apply(cdir, "c", note.buf, note.len, &applied, &err) == TIMS_OK && applied,
	     "the centre's own is followed (%s)", err.msg);
	T_OK(tims_keyroll_apply(cdir, "c", note.buf, note.len, &applied, &err) == TIMS_OK &&
	     !applied, "followed once: again it changes nothing");
	T_OK(tims_keyroll_keys(cdir, "bundle", 1500, keys, &nk, &err) == TIMS_OK && nk == 2 &&
	     !memcmp(keys[0].pub, ns.pub, 32) && !memcmp(keys[1].pub, os.pub, 32),
	     "during the overlap: the new key and the old");
	T_OK(tims_keyroll_keys(cdir, "bundle", 2000, keys, &nk, &err) == TIMS_OK && nk == 1 &&
	     !memcmp(keys[0].pub, ns.pub, 32), "after it: the new key only");
	/* signed by the old key alone: not an announcement */
	{
		char *cut = strndup(note.buf, note.len), *last = cut ? strrchr(cut, '\n') : NULL;

		if (last) {
			*last = '\0';
			last = strrchr(cut, '\n');
			if (last)
				last[1] = '\0';
		}
		T_OK(cut && tims_keyroll_parse(cut, strlen(cut), &k, &err) == TIMS_ERR_SIGNATURE,
		     "an announcement without the new key's signature is refused");
		free(cut);
	}
	tims_signer_release(&os);
	tims_signer_release(&ns);
	tims_signer_release(&xs);
	tims_note_free_secret(osk);
	tims_note_free_secret(nsk);
	tims_note_free_secret(xsk);
	free(ovk);
	free(nvk);
	free(xvk);
	tims_buf_release(&note);
	tims_buf_release(&forged);
}

int main(void)
{
	char tmpl[] = "/tmp/tims-test-rotate-XXXXXX";

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(root, sizeof(root), "%s", tmpl);
	snprintf(dir, sizeof(dir), "%s/post", tmpl);
	test_post_handover();
	test_keyroll();
	return t_done();
}
