/*
 * rebuild.c — a wiped centre gets its data back from the posts.
 *
 * For each post: pull its log from the post's node (GET
 * /api/v1/peer/export, mutual TLS with the centre's client certificate,
 * trusting the centre's CA that issued the node's certificate), and feed
 * each batch through tims_centre_ingest — the same checks as a push. Then
 * ask the post for the latest checkpoints it had cosigned (by this centre
 * before the wipe, and by independent witnesses) and check that each is
 * signed by the post, that its cosignatures verify with the keys we know
 * (our own cosigner key, and the witness keys given to `tims centre
 * add-witness`; a cosignature from a witness we have no key for is reported
 * and not counted),
 * and that the rebuilt mirror has exactly that root at that size. What a
 * post cannot give back (a post that is itself lost, records never pushed
 * by a post that is gone) is reported, not hidden.
 */
#include <dirent.h>
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/mlog.h"
#include "tims/tls.h"
#include "tims/util.h"
#include "internal.h"

#define ANSWER_MAX (64u << 10)
#define REBUILD_MAX_WITNESSES 16

/* A post's log read through the centre: in the centre's audit log (the
 * post, the range, how many records) before it is taken in. */
static tims_rc pull_audited(struct tims_centre *c, const char *post, const char *url,
			    uint64_t from, const struct tims_sync_batch *b, struct tims_err *err)
{
	json_t *qj = json_pack("{s:s, s:s, s:s, s:I, s:i}", "log", "crossings", "post", post,
			       "url", url, "from", (json_int_t)from, "count", TIMS_SYNC_MAX_BATCH);
	json_t *aj = json_pack("{s:I, s:I}", "records", (json_int_t)b->n, "checkpoint_size",
			       (json_int_t)b->cp.size);
	char *q = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *a = aj ? json_dumps(aj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	tims_rc rc = q && a ? centre_audit(c, "centre", "peer", "local", "rebuild.pull",
					   "tims centre rebuild --from-posts", q, a, 200, err)
			    : tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");

	json_decref(qj);
	json_decref(aj);
	free(q);
	free(a);
	return rc;
}

/* The witnesses this centre trusts: DIR/witnesses/HASH.vkey (add-witness). */
struct witnesses {
	struct tims_verifier key[REBUILD_MAX_WITNESSES];
	size_t n;
};

static void say(void (*report)(void *, const char *), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(void (*report)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	report(ctx, line);
}

static tims_rc origin_of(struct tims_centre *c, const char *name, char *origin,
			 size_t cap, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT origin FROM posts WHERE name = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		rc = centre_db_err(c, "reading posts", err);
	else {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(origin, cap, "%s", sqlite3_column_text(st, 0));
		else
			rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "post %s: not enrolled", name);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

tims_rc tims_centre_add_witness(struct tims_centre *c, const char *vkey_file,
				struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	struct tims_verifier v;
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = tims_mlog_load_keys(c->dir, vkey_file, NULL, &v, NULL, err)) ||
	    (rc = tims_read_file(vkey_file, 4096, &b, err)))
		goto out;
	if (v.alg != TIMS_KEY_COSIGNATURE_V1) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: not a witness (cosignature/v1) key",
				  vkey_file);
		goto out;
	}
	if ((rc = centre_path(c, "witnesses", path, err)))
		goto out;
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (strlen(path) + 20 >= sizeof(path)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", path);
		goto out;
	}
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%08x.vkey",
		 (unsigned)v.keyhash);
	if ((rc = tims_write_file(path, b.buf, b.len, 0644, 1, err)))
		goto out;
	tims_centre_event(c, "witness-added", NULL, v.name);
out:
	tims_buf_release(&b);
	return rc;
}

static void load_witnesses(struct tims_centre *c, struct witnesses *w,
			   void (*report)(void *, const char *), void *ctx)
{
	char path[CENTRE_PATH_MAX];
	struct dirent *d;
	DIR *dir;

	size_t base;

	w->n = 0;
	if (centre_path(c, "witnesses", path, NULL) || !(dir = opendir(path)))
		return;
	base = strlen(path);
	while ((d = readdir(dir)) && w->n < REBUILD_MAX_WITNESSES) {
		size_t l = strlen(d->d_name);
		struct tims_err e;

		if (l < 6 || strcmp(d->d_name + l - 5, ".vkey") || base + l + 2 > sizeof(path))
			continue;
		path[base] = '/';
		memcpy(path + base + 1, d->d_name, l + 1);
		if (tims_mlog_load_keys(c->dir, path, NULL, &w->key[w->n], NULL, &e))
			say(report, ctx, "witness key %s unreadable: %s", path, e.msg);
		else
			w->n++;
	}
	closedir(dir);
}

/*
 * Check one cosigned checkpoint the post kept against the rebuilt mirror:
 * 1 verified, 0 refused (a failure), -1 from a witness this centre has no
 * key for (reported, not counted).
 */
static int check_cosigned(struct tims_centre *c, const struct witnesses *w,
			  struct centre_mirror *cm,
			  const char *cosigner, const char *note, size_t len,
			  void (*report)(void *, const char *), void *ctx)
{
	struct tims_verifier keys[2];
	struct tims_note *n;
	struct tims_checkpoint cp;
	struct tims_err err;
	tims_hash root;
	size_t nk = 1;
	int ok = 0;

	keys[0] = *tims_mlog_key(tims_sync_mirror_mlog(cm->m));
	if (!(n = malloc(sizeof(*n))))
		return 0;
	/* the post's key at that size (a key hand-over changes it) */
	if (!tims_note_parse(note, len, n, &err) &&
	    !tims_checkpoint_parse(n->text, n->textlen, &cp, &err))
		keys[0] = *tims_mlog_key_at(tims_sync_mirror_mlog(cm->m), cp.size);
	free(n);
	if (!strcmp(cosigner, c->cosign_vkey.name))
		keys[nk++] = c->cosign_vkey;
	for (size_t i = 0; nk == 1 && i < w->n; i++)
		if (!strcmp(cosigner, w->key[i].name))
			keys[nk++] = w->key[i];
	if (nk == 1) {
		say(report, ctx, "  %s: a checkpoint cosigned by %s: no key for that witness "
		    "here (tims centre add-witness), not counted", cm->origin, cosigner);
		return -1;
	}
	if (!(n = malloc(sizeof(*n))))
		return 0;
	if (tims_note_verify(note, len, keys, nk, n, &err) ||
	    tims_checkpoint_parse(n->text, n->textlen, &cp, &err)) {
		say(report, ctx, "  %s: cosigned checkpoint from %s unreadable: %s",
		    cm->origin, cosigner, err.msg);
		goto out;
	}
	if (!(n->verified_mask & 1)) {
		say(report, ctx, "  %s: checkpoint cosigned by %s is not signed by the post",
		    cm->origin, cosigner);
		goto out;
	}
	if (!(n->verified_mask & 2)) {
		say(report, ctx, "  %s: %s's cosignature of size %" PRIu64
		    " does not verify with the key this centre holds", cm->origin, cosigner,
		    cp.size);
		goto out;
	}
	pthread_mutex_lock(&cm->lock);
	if (tims_sync_mirror_root(cm->m, cp.size, root, &err)) {
		say(report, ctx, "  %s: %s cosigned size %" PRIu64 ", not recovered: %s",
		    cm->origin, cosigner, cp.size, err.msg);
	} else if (sodium_memcmp(root, cp.root, TIMS_HASH_BYTES) != 0) {
		say(report, ctx, "  %s: the rebuilt tree of size %" PRIu64 " is not the one "
		    "%s cosigned", cm->origin, cp.size, cosigner);
	} else {
		say(report, ctx, "  %s: root of size %" PRIu64 " verified against %s's "
		    "cosigned checkpoint", cm->origin, cp.size, cosigner);
		ok = 1;
	}
	pthread_mutex_unlock(&cm->lock);
out:
	free(n);
	return ok;
}

tims_rc tims_centre_rebuild(struct tims_centre *c,
			    const struct tims_centre_rebuild_post *posts,
			    size_t n, const struct tims_centre_rebuild_cb *cb,
			    unsigned *failed, struct tims_err *err)
{
	void (*report)(void *, const char *) = cb->report;
	void *ctx = cb->ctx;
	char cafile[CENTRE_PATH_MAX], cert[CENTRE_PATH_MAX], key[CENTRE_PATH_MAX];
	struct tims_buf ans = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	struct witnesses *w = calloc(1, sizeof(*w));
	struct tims_tls_crl *crl = NULL;
	tims_rc rc;

	*failed = 0;
	if (!w)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	load_witnesses(c, w, report, ctx);
	if ((rc = centre_path(c, "ca.crt", cafile, err)) ||
	    (rc = centre_path(c, "client.crt", cert, err)) ||
	    (rc = centre_path(c, "client.key", key, err))) {
		free(w);
		return rc;
	}
	/* Only the post asked for: its post-server certificate, by name. */
	{
		struct tims_buf crlb = TIMS_BUF_INIT(TIMS_TLS_CRL_MAX);
		struct tims_buf cab = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		char crlpath[CENTRE_PATH_MAX];

		if ((rc = centre_path(c, "revoked.crl", crlpath, err)) ||
		    (access(crlpath, F_OK) == 0 &&
		     ((rc = tims_read_file(crlpath, crlb.max, &crlb, err)) ||
		      (rc = tims_read_file(cafile, cab.max, &cab, err)) ||
		      (rc = tims_tls_crl_load(crlb.buf, crlb.len, tims_buf_str(&cab), &crl,
					      err))))) {
			tims_buf_release(&crlb);
			tims_buf_release(&cab);
			free(w);
			return rc;
		}
		tims_buf_release(&crlb);
		tims_buf_release(&cab);
	}
	for (size_t i = 0; i < n; i++) {
		struct tims_tls_policy pol = { .role = TIMS_CERT_POST_SERVER,
					       .name = posts[i].name, .crl = crl };
		struct tims_sync_peer peer = { posts[i].url, cafile, cert, key, 60, &pol };
		char origin[TIMS_NOTE_MAX_NAME + 1], path[128];
		struct tims_verifier pk;
		int revoked = 0;
		struct centre_mirror *cm;
		struct tims_sync_batch b;
		struct tims_centre_ingest in;
		struct tims_err e;
		uint64_t at = 0, added = 0, verified = 0;
		long status;
		json_t *j;
		int ok = 1;

		if (origin_of(c, posts[i].name, origin, sizeof(origin), &e) ||
		    centre_post_key(c, origin, &pk, &revoked, &e) ||
		    centre_mirror_get(c, origin, &cm, &e)) {
			say(report, ctx, "%s: %s", posts[i].name, e.msg);
			(*failed)++;
			continue;
		}
		if (revoked) {
			/* Its records are evidence, verified by its signatures and the
			 * cosignatures, not by its (revoked) certificate: taken still,
			 * and said so. */
			pol.crl = NULL;
			say(report, ctx, "%s: revoked: its post-server certificate is accepted "
			    "for this rebuild only", posts[i].name);
		}
		pthread_mutex_lock(&cm->lock);
		tims_sync_mirror_size(cm->m, &at, NULL);
		pthread_mutex_unlock(&cm->lock);
		tims_sync_batch_init(&b);
		for (;;) {
			snprintf(path, sizeof(path), "/api/v1/peer/export?from=%" PRIu64
				 "&count=%d", at, TIMS_SYNC_MAX_BATCH);
			if (tims_sync_http(&peer, "GET", path, NULL, 0, NULL, TIMS_SYNC_MAX_BODY,
					   &ans, &status, &e) ||
			    (status != 200 && tims_err_set(&e, TIMS_ERR_NET, "%s answered %ld",
							   posts[i].url, status)) ||
			    tims_sync_batch_decode(ans.buf, ans.len, &b, &e) ||
			    pull_audited(c, posts[i].name, posts[i].url, at, &b, &e) ||
			    centre_ingest(c, origin, &b, 1, &in, &e)) {
				say(report, ctx, "%s (%s): not recovered beyond record %" PRIu64
				    ": %s", posts[i].name, origin, at, e.msg);
				ok = 0;
				break;
			}
			added += in.r.added;
			at = in.r.size;
			if (cb->progress)
				cb->progress(ctx, posts[i].name, at, b.cp.size);
			if (b.n == 0 || at >= b.cp.size)
				break;
		}
		tims_sync_batch_release(&b);
		if (!ok) {
			(*failed)++;
			continue;
		}
		/* What independent parties saw. */
		tims_buf_reset(&ans);
		if (tims_sync_http(&peer, "GET", "/api/v1/peer/cosigned", NULL, 0, NULL,
				   ANSWER_MAX, &ans, &status, &e) || status != 200) {
			say(report, ctx, "%s (%s): %" PRIu64 " records, cosigned checkpoints "
			    "not available: %s", posts[i].name, origin, at,
			    status != 200 ? "bad answer" : e.msg);
			(*failed)++;
			continue;
		}
		j = json_loadb(ans.buf, ans.len, 0, NULL);
		for (size_t k = 0; k < json_array_size(json_object_get(j, "cosigned")); k++) {
			json_t *it = json_array_get(json_object_get(j, "cosigned"), k);
			const char *who = json_string_value(json_object_get(it, "cosigner"));
			const char *note = json_string_value(json_object_get(it, "note"));

			int v;

			if (!who || !note)
				continue;
			v = check_cosigned(c, w, cm, who, note, strlen(note), report, ctx);
			if (v > 0)
				verified++;
			else if (v == 0)
				ok = 0;
		}
		json_decref(j);
		say(report, ctx, "%s (%s): %" PRIu64 " records, %" PRIu64 " recovered now, "
		    "%" PRIu64 " cosigned checkpoints verified%s", posts[i].name, origin, at,
		    added, verified, ok ? "" : ", SOME NOT");
		if (!ok)
			(*failed)++;
	}
	tims_buf_release(&ans);
	tims_tls_crl_free(crl);
	free(w);
	return TIMS_OK;
}
