/*
 * keys.c — the centre's cosigner and bundle keys rotated (tims/keyroll.h,
 * docs/keys.md): a new key, an announcement signed by the old and the new
 * key kept in DIR/keys/ (served to the posts, GET /api/v1/sync/keys), the
 * old secret overwritten and removed.
 *
 * Order, so that a crash leaves a centre that a second run finishes:
 *   1. ROLE.skey.next / ROLE.vkey.next (a new key), fsync'd;
 *   2. the announcement written to DIR/keys/NNNN-ROLE.note;
 *   3. ROLE.vkey replaced by ROLE.vkey.next;
 *   4. ROLE.skey overwritten with zeros, fsync'd, replaced by ROLE.skey.next.
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>

#include "tims/keyroll.h"
#include "tims/mlog.h"
#include "tims/util.h"
#include "internal.h"


tims_rc tims_centre_rotate_key(const char *dir, const char *role, int64_t overlap_s,
			       char *note_path, size_t cap, struct tims_err *err)
{
	const char *base = !strcmp(role, "cosigner") ? "cosign" : !strcmp(role, "bundle") ? "bundle"
											  : NULL;
	char sk[CENTRE_PATH_MAX], vk[CENTRE_PATH_MAX], skn[CENTRE_PATH_MAX + 8],
		vkn[CENTRE_PATH_MAX + 8], kdir[CENTRE_PATH_MAX], np[CENTRE_PATH_MAX + 80];
	char name[TIMS_CENTRE_NAME_MAX + 1] = "";
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES), cfg = TIMS_BUF_INIT(65536);
	struct tims_verifier ov, nv;
	struct tims_signer os, ns;
	int have_old = 0, have_new = 0, n;
	char *skey = NULL, *vkey = NULL;
	int64_t now = (int64_t)time(NULL);
	tims_rc rc;

	if (!base)
		return tims_err_set(err, TIMS_ERR_USAGE, "rotate-key: want cosigner or bundle");
	if (overlap_s < 0 || overlap_s > 365LL * 86400)
		return tims_err_set(err, TIMS_ERR_USAGE, "rotate-key: an overlap of 0 to 365 days");
	snprintf(sk, sizeof(sk), "%s/%s.skey", dir, base);
	snprintf(vk, sizeof(vk), "%s/%s.vkey", dir, base);
	snprintf(skn, sizeof(skn), "%s.next", sk);
	snprintf(vkn, sizeof(vkn), "%s.next", vk);
	snprintf(kdir, sizeof(kdir), "%s/keys", dir);
	/* The centre's name, as its announcements (and bundles) say it. */
	{
		char cp[CENTRE_PATH_MAX];
		const char *p;

		snprintf(cp, sizeof(cp), "%s/config", dir);
		if ((rc = tims_read_file(cp, 65535, &cfg, err)) || (rc = tims_buf_addch(&cfg, '\0')))
			goto out;
		for (p = cfg.buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (!strncmp(p, "name = ", 7)) {
				size_t l = strcspn(p + 7, "\n");

				snprintf(name, sizeof(name), "%.*s", (int)l, p + 7);
			}
		if (!name[0]) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: no name", cp);
			goto out;
		}
	}
	if ((rc = tims_mlog_load_keys(dir, vk, sk, &ov, &os, err)))
		goto out;
	have_old = 1;
	if (access(skn, F_OK) != 0 || access(vkn, F_OK) != 0) {
		struct tims_buf v = TIMS_BUF_INIT(1024);

		unlink(vkn);
		tims_file_wipe(skn, NULL);
		unlink(skn);
		if ((rc = tims_note_keygen(ov.name, ov.alg, &skey, &vkey, err)) ||
		    (rc = tims_write_file(skn, skey, strlen(skey), 0600, 0, err)) ||
		    (rc = tims_buf_addf(&v, "%s\n", vkey)) ||
		    (rc = tims_write_file(vkn, v.buf, v.len, 0644, 0, err))) {
			tims_buf_release(&v);
			goto out;
		}
		tims_buf_release(&v);
	}
	if ((rc = tims_mlog_load_keys(dir, vkn, skn, &nv, &ns, err)))
		goto out;
	have_new = 1;
	if ((rc = tims_keyroll_make(name, role, &os, &ns, now, now + overlap_s, &note, err)) ||
	    (rc = tims_dir_private(kdir, err)))
		goto out;
	n = tims_keyroll_count(kdir);
	if (n >= TIMS_KEYROLL_MAX_NOTES) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: %d announcements already", kdir, n);
		goto out;
	}
	if (snprintf(np, sizeof(np), "%s/%04d-%.10s.note", kdir, n + 1, role) >= (int)sizeof(np)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", kdir);
		goto out;
	}
	if ((rc = tims_write_file(np, note.buf, note.len, 0644, 0, err)))
		goto out;
	if (rename(vkn, vk) != 0 || (rc = tims_fsync_dir_of(vk, err))) {
		rc = rc ? rc : tims_err_set(err, TIMS_ERR_IO, "rename %s: %s", vkn, strerror(errno));
		goto out;
	}
	if ((rc = tims_file_wipe(sk, err)))
		goto out;
	if (rename(skn, sk) != 0 || (rc = tims_fsync_dir_of(sk, err))) {
		rc = rc ? rc : tims_err_set(err, TIMS_ERR_IO, "rename %s: %s", skn, strerror(errno));
		goto out;
	}
	if (note_path)
		snprintf(note_path, cap, "%s", np);
out:
	if (skey)
		tims_note_free_secret(skey);
	free(vkey);
	if (have_old)
		tims_signer_release(&os);
	if (have_new)
		tims_signer_release(&ns);
	tims_buf_release(&note);
	tims_buf_release(&cfg);
	return rc;
}

tims_rc centre_key_announcements(const struct tims_centre *c, struct tims_buf *out,
				 struct tims_err *err)
{
	char kdir[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = centre_path(c, "keys", kdir, err)))
		return rc;
	return tims_keyroll_list(kdir, out, err);
}
