/*
 * revocations.c — the centre's signed revocation list at a witness
 * (tims/revocation.h, docs/keys.md "Certificates and revocation").
 *
 * A witness is run by another body and holds no TIMS account; it takes
 * the list when given it (`tims witness apply-revocations`), pinning the
 * centre's bundle key the first time, and keeps the newest it verified
 * (an older one is refused). From then on it refuses to cosign checkpoints
 * of a revoked post, or signed by a revoked key, also while the centre is
 * out of reach.
 *
 *   DIR/centre-bundle.vkey   the key the lists must be signed with
 *   DIR/revocations.json     the newest list verified
 */
#include <sodium.h>

#include "tims/mlog.h"
#include "tims/revocation.h"
#include "tims/util.h"
#include "internal.h"

static tims_rc wpath(const char *dir, const char *name, char out[WITNESS_PATH_MAX],
		     struct tims_err *err)
{
	if (snprintf(out, WITNESS_PATH_MAX, "%s/%s", dir, name) >= WITNESS_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

static tims_rc pinned(const char *dir, struct tims_verifier *key, struct tims_err *err)
{
	char path[WITNESS_PATH_MAX];
	tims_rc rc = wpath(dir, "centre-bundle.vkey", path, err);

	if (rc)
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no centre key pinned", dir);
	return tims_mlog_load_keys(path, path, NULL, key, NULL, err);
}

tims_rc tims_witness_apply_revocations(const char *dir, const char *json, size_t len,
				       const char *vkey_file, uint64_t *version, int *kept,
				       struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	struct tims_verifier key, given;
	struct tims_revocation r;
	char path[WITNESS_PATH_MAX];
	tims_rc rc;

	*version = 0;
	*kept = 0;
	if (pinned(dir, &key, NULL) != TIMS_OK) {
		if (!vkey_file)
			return tims_err_set(err, TIMS_ERR_USAGE, "%s: the first list needs the "
					    "centre's bundle key (--vkey FILE), to pin it", dir);
		if ((rc = tims_mlog_load_keys(vkey_file, vkey_file, NULL, &key, NULL, err)) ||
		    (rc = tims_read_file(vkey_file, b.max, &b, err)) ||
		    (rc = wpath(dir, "centre-bundle.vkey", path, err)) ||
		    (rc = tims_write_file(path, b.buf, b.len, 0644, 1, err))) {
			tims_buf_release(&b);
			return rc;
		}
		tims_buf_release(&b);
	} else if (vkey_file) {
		if ((rc = tims_mlog_load_keys(vkey_file, vkey_file, NULL, &given, NULL, err)))
			return rc;
		if (given.keyhash != key.keyhash || memcmp(given.pub, key.pub, sizeof(key.pub)))
			return tims_err_set(err, TIMS_ERR_SIGNATURE, "%s: not the centre key this "
					    "witness pinned (%s)", vkey_file, key.name);
	}
	if ((rc = wpath(dir, "revocations.json", path, err)) ||
	    (rc = tims_revocation_keep(path, json, len, &key, NULL, kept, &r, err)))
		return rc;
	*version = r.version;
	tims_revocation_release(&r);
	return TIMS_OK;
}

int witness_revoked(struct tims_witness *w, const char *origin,
		    const struct tims_verifier *keys, size_t n, char *why, size_t cap)
{
	struct tims_verifier key;
	struct tims_revocation r;
	char path[WITNESS_PATH_MAX];
	int out = 0;

	if (pinned(w->dir, &key, NULL) || wpath(w->dir, "revocations.json", path, NULL) ||
	    access(path, F_OK) != 0)
		return 0;
	if (tims_revocation_load(path, &key, NULL, &r, NULL)) {
		/* a list held that no longer verifies: fail closed */
		snprintf(why, cap, "%s: the revocation list held does not verify", w->dir);
		return 1;
	}
	if (tims_revocation_post_revoked(&r, origin)) {
		snprintf(why, cap, "%s is revoked by the centre's signed list %" PRIu64, origin,
			 r.version);
		out = 1;
	}
	for (size_t i = 0; !out && i < n; i++)
		if (tims_revocation_verifier_revoked(&r, &keys[i], 0)) {
			snprintf(why, cap, "%s: its key %s is revoked by the centre's signed list %"
				 PRIu64, origin, keys[i].name, r.version);
			out = 1;
		}
	tims_revocation_release(&r);
	return out;
}
