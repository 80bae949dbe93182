/*
 * rotate.c — the witness's key rotated (docs/keys.md): a new cosigner key
 * of the same name, announced under the old one (tims/keyroll.h, role
 * witness) in DIR/announcements/ and served at GET /key-announcements;
 * the old secret overwritten and removed. Posts that pin the old key
 * follow the announcement when the witness's cosignatures stop verifying.
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>

#include "tims/keyroll.h"
#include "tims/mlog.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "internal.h"

#define ANN_MAX TIMS_KEYROLL_MAX_NOTES
#define ANN_ANSWER_MAX (1u << 20)

tims_rc tims_witness_rotate_key(const char *dir, int64_t overlap_s, char *note_path, size_t cap,
				struct tims_err *err)
{
	char sk[WITNESS_PATH_MAX + 16], vk[WITNESS_PATH_MAX + 16], skn[WITNESS_PATH_MAX + 24],
		vkn[WITNESS_PATH_MAX + 24], adir[WITNESS_PATH_MAX + 16], np[WITNESS_PATH_MAX + 96];
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_verifier ov, nv;
	struct tims_signer os, ns;
	char *skey = NULL, *vkey = NULL;
	int have_old = 0, have_new = 0, n;
	int64_t now = (int64_t)time(NULL);
	tims_rc rc;

	if (overlap_s < 0 || overlap_s > 365LL * 86400)
		return tims_err_set(err, TIMS_ERR_USAGE, "rotate-key: an overlap of 0 to 365 days");
	if (strlen(dir) >= WITNESS_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	snprintf(sk, sizeof(sk), "%s/witness.skey", dir);
	snprintf(vk, sizeof(vk), "%s/witness.vkey", dir);
	snprintf(skn, sizeof(skn), "%s.next", sk);
	snprintf(vkn, sizeof(vkn), "%s.next", vk);
	snprintf(adir, sizeof(adir), "%s/announcements", dir);
	if ((rc = tims_mlog_load_keys(dir, vk, sk, &ov, &os, err)))
		return rc;
	have_old = 1;
	if (access(skn, F_OK) != 0 || access(vkn, F_OK) != 0) {
		struct tims_buf v = TIMS_BUF_INIT(1024);

		unlink(vkn);
		unlink(skn);
		if ((rc = tims_note_keygen(ov.name, TIMS_KEY_COSIGNATURE_V1, &skey, &vkey, err)) ||
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
	if ((rc = tims_keyroll_make(ov.name, "witness", &os, &ns, now, now + overlap_s, &note,
				    err)) ||
	    (rc = tims_dir_private(adir, err)))
		goto out;
	n = tims_keyroll_count(adir);
	if (n >= TIMS_KEYROLL_MAX_NOTES) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: %d announcements already", adir, n);
		goto out;
	}
	snprintf(np, sizeof(np), "%s/%04d.note", adir, n + 1);
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
	return rc;
}

tims_rc witness_announcements(const char *dir, struct tims_buf *out, struct tims_err *err)
{
	char adir[WITNESS_PATH_MAX + 16];

	snprintf(adir, sizeof(adir), "%.*s/announcements", WITNESS_PATH_MAX - 1, dir);
	return tims_keyroll_list(adir, out, err);
}

tims_rc tims_witness_follow(const char *url, const char *ca_file, long timeout_ms,
			    const struct tims_verifier *held, struct tims_verifier *next,
			    char *note_out, size_t cap, struct tims_err *err)
{
	struct tims_buf ans = TIMS_BUF_INIT(ANN_ANSWER_MAX);
	struct tims_verifier cur = *held;
	/* TIMS's own HTTPS client (lib/sync/client.c), as the sync: the
	 * witness's certificate checked against ca_file (the system's trust
	 * when NULL) and the URL's host; the whole request, name resolution
	 * included, within the timeout */
	struct tims_sync_peer peer = { url, ca_file, NULL, NULL, 10, NULL };
	struct tims_sync_opts opts = { timeout_ms > 0 ? timeout_ms : 10000, NULL, NULL, NULL };
	struct tims_err e;
	json_t *j = NULL, *arr;
	long status = 0;
	int moved = 0;
	tims_rc rc = TIMS_OK;

	tims_err_clear(&e);
	if ((rc = tims_sync_http_opts(&peer, &opts, "GET", "/key-announcements", NULL, 0, NULL,
				 ANN_ANSWER_MAX, &ans, &status, &e))) {
		rc = tims_err_set(err, rc == TIMS_ERR_USAGE ? TIMS_ERR_USAGE : TIMS_ERR_NET,
				  "witness key announcements: %s", tims_err_msg(&e));
		goto out;
	}
	if (status != 200) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "witness %s: key announcements: HTTP %ld",
				  url, status);
		goto out;
	}
	j = json_loadb(ans.buf ? ans.buf : "", ans.len, JSON_REJECT_DUPLICATES, NULL);
	arr = json_object_get(j, "announcements");
	/* in order: each one from the key reached so far, signed by both */
	for (size_t i = 0; i < json_array_size(arr) && i < ANN_MAX; i++) {
		json_t *s = json_array_get(arr, i);
		struct tims_keyroll k;

		if (!json_is_string(s) ||
		    tims_keyroll_parse(json_string_value(s), json_string_length(s), &k, NULL) ||
		    strcmp(k.role, "witness") || strcmp(k.centre, held->name) ||
		    k.old.keyhash != cur.keyhash || memcmp(k.old.pub, cur.pub, TIMS_PUBKEY_BYTES))
			continue;
		cur = k.next;
		moved = 1;
		if (note_out)
			snprintf(note_out, cap, "%s", json_string_value(s));
	}
	if (!moved)
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "witness %s: no announcement hands its "
				  "key %s+%08" PRIx32 " over", url, held->name, held->keyhash);
	else
		*next = cur;
out:
	json_decref(j);
	tims_buf_release(&ans);
	return rc;
}
