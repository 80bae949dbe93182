/*
 * rotate.c — tims_post_rotate_key: the post's signing key replaced by a
 * signed hand-over in both of its logs (tims/post.h, docs/keys.md).
 *
 * Order, so that a crash at any point leaves a post that a second run
 * finishes and never one whose log needs a key that is gone:
 *   1. post.skey.next, post.vkey.next written and fsync'd (a new key);
 *   2. post.db's log handed over (a checkpoint signed by both keys);
 *   3. audit.db's log handed over (if the post has one yet);
 *   4. post.vkey replaced by post.vkey.next (rename);
 *   5. post.skey overwritten with zeros and fsync'd, then replaced by
 *      post.skey.next (rename, directory fsync'd).
 * A log already handed over to the .next key is left alone; a post.vkey
 * that already is the .next key means only step 5 is left.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sodium.h>

#include "tims/audit.h"
#include "tims/mlog.h"
#include "tims/util.h"
#include "internal.h"

#define RK_PATH 4200

static int same_key(const struct tims_verifier *a, const struct tims_verifier *b)
{
	return a->alg == b->alg && a->keyhash == b->keyhash && !strcmp(a->name, b->name) &&
	       !memcmp(a->pub, b->pub, TIMS_PUBKEY_BYTES);
}

static tims_rc rk_path(char *out, const char *dir, const char *name, struct tims_err *err)
{
	if (snprintf(out, RK_PATH, "%s/%s", dir, name) >= RK_PATH)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

/* Step 1: the new key, unless an interrupted run left one. */
static tims_rc make_next(const char *dir, const char *name, struct tims_err *err)
{
	char sp[RK_PATH], vp[RK_PATH];
	char *skey = NULL, *vkey = NULL;
	struct tims_buf v = TIMS_BUF_INIT(4096);
	tims_rc rc;

	if ((rc = rk_path(sp, dir, "post.skey.next", err)) ||
	    (rc = rk_path(vp, dir, "post.vkey.next", err)))
		return rc;
	if (access(sp, F_OK) == 0 && access(vp, F_OK) == 0)
		return TIMS_OK;
	unlink(vp);
	if ((rc = tims_file_wipe(sp, err)))
		return rc;
	unlink(sp);
	if ((rc = tims_note_keygen(name, TIMS_KEY_ED25519, &skey, &vkey, err)))
		return rc;
	if (!(rc = tims_write_file(sp, skey, strlen(skey), 0600, 0, err)) &&
	    !(rc = tims_buf_addf(&v, "%s\n", vkey)))
		rc = tims_write_file(vp, v.buf, v.len, 0644, 0, err);
	tims_note_free_secret(skey);
	free(vkey);
	tims_buf_release(&v);
	return rc;
}

/* Step 2: post.db. */
static tims_rc handover_post(const char *dir, const struct tims_verifier *nv,
			     const struct tims_signer *next, struct tims_err *err)
{
	struct tims_post *p;
	int done;
	tims_rc rc;

	if ((rc = tims_post_open(dir, TIMS_POST_READ, &p, err)))
		return rc;
	done = same_key(tims_mlog_key(p->log), nv);
	tims_post_free(p);
	if (done)
		return TIMS_OK;
	if ((rc = tims_post_open(dir, TIMS_POST_WRITE, &p, err)))
		return rc;
	pthread_mutex_lock(&p->mu);
	rc = tims_mlog_handover(p->log, next, NULL, err);
	pthread_mutex_unlock(&p->mu);
	tims_post_free(p);
	return rc;
}

/* Step 3: audit.db, if the post has one. */
static tims_rc handover_audit(const char *dir, const char *origin,
			      const struct tims_verifier *nv, const struct tims_signer *next,
			      struct tims_err *err)
{
	char path[RK_PATH], aorigin[TIMS_NOTE_MAX_NAME + 8];
	struct tims_audit *a;
	int done;
	tims_rc rc;

	if ((rc = rk_path(path, dir, "audit.db", err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	snprintf(aorigin, sizeof(aorigin), "%s/audit", origin);
	if ((rc = tims_audit_open_keyed(dir, aorigin, "post", TIMS_AUDIT_READ, &a, err)))
		return rc;
	done = same_key(tims_mlog_key(tims_audit_mlog(a)), nv);
	tims_audit_free(a);
	if (done)
		return TIMS_OK;
	if ((rc = tims_audit_open_keyed(dir, aorigin, "post", TIMS_AUDIT_WRITE, &a, err)))
		return rc;
	rc = tims_audit_handover(a, next, err);
	tims_audit_free(a);
	return rc;
}

static tims_rc rename_synced(const char *from, const char *to, struct tims_err *err)
{
	if (rename(from, to) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "rename %s: %s", from, strerror(errno));
	return tims_fsync_dir_of(to, err);
}

static tims_rc read_vkey(const char *path, struct tims_verifier *v, char *text,
			 struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_POST_VKEY_MAX);
	tims_rc rc;

	if ((rc = tims_read_file(path, TIMS_POST_VKEY_MAX - 1, &b, err)))
		return rc;
	while (b.len && (b.buf[b.len - 1] == '\n'))
		b.len--;
	if (!(rc = tims_buf_addch(&b, '\0')) && !(rc = tims_verifier_parse(b.buf, v, err)) &&
	    text)
		snprintf(text, TIMS_POST_VKEY_MAX, "%s", b.buf);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_post_rotate_key(const char *dir, char *old_vkey, char *new_vkey,
			     struct tims_err *err)
{
	char vp[RK_PATH], sp[RK_PATH], vnp[RK_PATH], snp[RK_PATH];
	char cur_text[TIMS_POST_VKEY_MAX] = "", next_text[TIMS_POST_VKEY_MAX] = "";
	struct tims_verifier cur, nv;
	struct tims_signer next;
	int have_next = 0;
	tims_rc rc;

	if ((rc = rk_path(vp, dir, "post.vkey", err)) || (rc = rk_path(sp, dir, "post.skey", err)) ||
	    (rc = rk_path(vnp, dir, "post.vkey.next", err)) ||
	    (rc = rk_path(snp, dir, "post.skey.next", err)) ||
	    (rc = read_vkey(vp, &cur, cur_text, err)))
		return rc;
	if (access(snp, F_OK) == 0 && access(vnp, F_OK) == 0 &&
	    !read_vkey(vnp, &nv, next_text, NULL) && same_key(&cur, &nv))
		goto finish; /* steps 1-4 done: only the old secret is left */
	if ((rc = make_next(dir, cur.name, err)) ||
	    (rc = tims_mlog_load_keys(dir, vnp, snp, &nv, &next, err)))
		return rc;
	have_next = 1;
	read_vkey(vnp, &nv, next_text, NULL);
	{
		/* The origin, from the log (the config names it too). */
		struct tims_post *p;

		if ((rc = tims_post_open(dir, TIMS_POST_READ, &p, err)))
			goto out;
		{
			char origin[TIMS_NOTE_MAX_NAME + 1];

			snprintf(origin, sizeof(origin), "%s", tims_post_origin(p));
			tims_post_free(p);
			if ((rc = handover_post(dir, &nv, &next, err)) ||
			    (rc = handover_audit(dir, origin, &nv, &next, err)))
				goto out;
		}
	}
	/* Step 4: from here the post's key is the new one. */
	if ((rc = rename_synced(vnp, vp, err)))
		goto out;
finish:
	/* Step 5: the old secret destroyed. */
	if ((rc = tims_file_wipe(sp, err)) || (rc = rename_synced(snp, sp, err)))
		goto out;
	if (old_vkey)
		snprintf(old_vkey, TIMS_POST_VKEY_MAX, "%s", cur_text);
	if (new_vkey)
		snprintf(new_vkey, TIMS_POST_VKEY_MAX, "%s", next_text[0] ? next_text : cur_text);
out:
	if (have_next)
		tims_signer_release(&next);
	return rc;
}
