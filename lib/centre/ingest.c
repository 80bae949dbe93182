/*
 * ingest.c — the centre takes a batch of a post's log (tims/sync.h): the
 * mirror verifies and stores it, the new records go into the query store
 * in the same step, and once the mirror holds a whole checkpoint the
 * centre cosigns it (c2sp tlog-cosignature) and keeps the cosignature —
 * one per checkpoint size, the newest replacing an older one, so a post
 * that pushes the same checkpoint again does not grow the mirror.
 *
 * Order and crashes: the query store transaction is opened first and
 * committed only after the mirror committed. If the process dies between
 * the two, the store lacks records the mirror holds; tims_centre_reindex
 * (run at every start) adds them. The store is idempotent on (origin,
 * index), so nothing is ever indexed twice.
 */
#include <sodium.h>
#include <time.h>

#include "tims/util.h"
#include "internal.h"

/* Letters, digits, '.', '-', '_' as they are; any other byte as %XX. */
static void centre_file_name(const char *origin, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)origin; *p && o + 4 < outsz; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_') {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

tims_rc centre_mirror_get(struct tims_centre *c, const char *origin,
			  struct centre_mirror **out, struct tims_err *err)
{
	char db[CENTRE_PATH_MAX], cp[CENTRE_PATH_MAX], rel[3 * TIMS_NOTE_MAX_NAME + 32];
	char safe[3 * TIMS_NOTE_MAX_NAME + 4];
	struct centre_mirror *cm = NULL;
	int revoked;
	tims_rc rc = TIMS_OK;

	*out = NULL;
	pthread_mutex_lock(&c->mirrors_lock);
	for (size_t i = 0; i < c->nmirrors; i++)
		if (!strcmp(c->mirrors[i]->origin, origin)) {
			*out = c->mirrors[i];
			goto out;
		}
	if (c->nmirrors == CENTRE_MAX_POSTS) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "more than %d posts", CENTRE_MAX_POSTS);
		goto out;
	}
	if (!(cm = calloc(1, sizeof(*cm)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = centre_post_key(c, origin, &cm->key, &revoked, err)))
		goto out;
	/* Origins hold '/' ("bg.example/varna-port"): escaped into one name. */
	centre_file_name(origin, safe, sizeof(safe));
	snprintf(rel, sizeof(rel), "mirror/%s.db", safe);
	if ((rc = centre_path(c, rel, db, err)))
		goto out;
	snprintf(rel, sizeof(rel), "mirror/%s.checkpoint", safe);
	if ((rc = centre_path(c, rel, cp, err)) ||
	    (rc = tims_sync_mirror_open(db, cp, &cm->key, &cm->m, err)))
		goto out;
	snprintf(cm->origin, sizeof(cm->origin), "%s", origin);
	pthread_mutex_init(&cm->lock, NULL);
	c->mirrors[c->nmirrors++] = cm;
	*out = cm;
	cm = NULL;
out:
	pthread_mutex_unlock(&c->mirrors_lock);
	free(cm);
	return rc;
}

tims_rc tims_centre_mirror(struct tims_centre *c, const char *origin,
			   struct tims_sync_mirror **m, struct tims_err *err)
{
	struct centre_mirror *cm;
	tims_rc rc = centre_mirror_get(c, origin, &cm, err);

	*m = rc ? NULL : cm->m;
	return rc;
}

struct index_ctx {
	struct tims_centre *c;
	const char *origin;
	struct tims_record rec;
	struct tims_err err;
};

static tims_rc index_one(void *ctx, const struct tims_post_raw *r)
{
	struct index_ctx *x = ctx;
	tims_hash leaf;
	tims_rc rc;

	tims_tlog_leaf_hash(r->entry, TIMS_RECORD_ENTRY_BYTES, leaf);
	if (r->body && (rc = tims_post_raw_check(r, &x->rec, &x->err)))
		return rc;
	return tims_cstore_add(x->c->store, x->origin, r->index,
			       (uint64_t)tims_record_entry_time(r->entry), leaf,
			       r->body ? &x->rec : NULL, NULL, &x->err);
}

static const char *refusal_kind(tims_rc rc)
{
	switch (rc) {
	case TIMS_ERR_TAMPER: return "fork";
	case TIMS_ERR_SIGNATURE: return "bad-signature";
	case TIMS_ERR_PROOF: return "bad-proof";
	case TIMS_ERR_STATE: return "gap";
	case TIMS_ERR_DENIED: return "revoked";
	default: return "refused";
	}
}

tims_rc tims_centre_ingest(struct tims_centre *c, const char *origin,
			   const struct tims_sync_batch *b,
			   struct tims_centre_ingest *out,
			   struct tims_err *err)
{
	return centre_ingest(c, origin, b, 0, out, err);
}

tims_rc centre_ingest(struct tims_centre *c, const char *origin,
		      const struct tims_sync_batch *b, int rebuilding,
		      struct tims_centre_ingest *out, struct tims_err *err)
{
	struct index_ctx *x = malloc(sizeof(*x));
	struct centre_mirror *cm;
	struct tims_verifier key;
	int revoked = 0;
	uint64_t held_size = 0;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (!x)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = centre_post_key(c, origin, &key, &revoked, err)))
		goto out;
	/* A revoked post pushes nothing more; what it logged before is
	 * evidence, and a rebuild takes it back from the post. */
	if (revoked && !rebuilding) {
		rc = tims_err_set(err, TIMS_ERR_DENIED, "origin %s: revoked", origin);
		goto out;
	}
	if ((rc = centre_mirror_get(c, origin, &cm, err)))
		goto out;
	x->c = c;
	x->origin = origin;
	pthread_mutex_lock(&cm->lock);
	pthread_mutex_lock(&c->store_lock);
	if ((rc = tims_cstore_begin(c->store, err))) {
		pthread_mutex_unlock(&c->store_lock);
		pthread_mutex_unlock(&cm->lock);
		goto out;
	}
	{
		struct tims_buf held = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_checkpoint hcp;

		if (!tims_sync_mirror_checkpoint(cm->m, &held, &hcp, NULL))
			held_size = hcp.size;
		tims_buf_release(&held);
	}
	rc = tims_sync_mirror_apply(cm->m, b, index_one, x, &out->r, err);
	if (rc) {
		tims_cstore_rollback(c->store);
		pthread_mutex_unlock(&c->store_lock);
		pthread_mutex_unlock(&cm->lock);
		if (rc != TIMS_ERR_STATE) /* a gap is ordinary: asked again */
			tims_centre_event(c, refusal_kind(rc), origin, err ? err->msg : "");
		goto out;
	}
	if (tims_cstore_commit(c->store, &x->err)) {
		/* The mirror holds them: the next reindex adds them. */
		tims_centre_event(c, "store", origin, x->err.msg);
	}
	pthread_mutex_unlock(&c->store_lock);
	cm->last_seen_ms = tims_mlog_now_ms(); /* the mirror keeps last_sync */
	if (b->cp.size < held_size) {
		/* Consistent with what is held, but older than what the post
		 * signed before: a replay, or a post restored from an old backup.
		 * Nothing is adopted and nothing cosigned. */
		char d[160];

		snprintf(d, sizeof(d), "checkpoint of size %" PRIu64 " presented, the centre "
			 "holds a signed %" PRIu64 " (a replay, or a rolled-back post)",
			 b->cp.size, held_size);
		tims_centre_event(c, "rollback", origin, d);
		out->r.complete = 0;
	}
	if (out->r.complete) {
		struct tims_note *n = malloc(sizeof(*n));
		struct tims_buf line = TIMS_BUF_INIT(sizeof(out->cosignature) - 1);

		if (!n) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		} else if (!(rc = tims_note_parse(b->note, b->note_len, n, err)) &&
			   !(rc = tims_cosign(&c->cosigner, n->text, n->textlen,
					      (uint64_t)time(NULL), &line, err)) &&
			   !(rc = tims_sync_mirror_keep_cosig(cm->m, b->cp.size, line.buf,
							      line.len, err))) {
			memcpy(out->cosignature, line.buf, line.len);
			out->cosignature[line.len] = '\0';
		}
		free(n);
		tims_buf_release(&line);
	}
	pthread_mutex_unlock(&cm->lock);
out:
	free(x);
	return rc;
}

struct reindex_ctx {
	struct index_ctx x;
	uint64_t added;
};

static tims_rc reindex_one(void *ctx, const struct tims_post_raw *r)
{
	struct reindex_ctx *rx = ctx;
	tims_rc rc = index_one(&rx->x, r);

	if (!rc)
		rx->added++;
	return rc;
}

struct origin_list {
	char origin[CENTRE_MAX_POSTS][TIMS_NOTE_MAX_NAME + 1];
	size_t n;
};

static tims_rc collect(void *ctx, const struct tims_centre_post *p)
{
	struct origin_list *l = ctx;

	if (l->n < CENTRE_MAX_POSTS)
		snprintf(l->origin[l->n++], sizeof(l->origin[0]), "%s", p->origin);
	return TIMS_OK;
}

tims_rc tims_centre_reindex(struct tims_centre *c, uint64_t *added,
			    struct tims_err *err)
{
	struct origin_list *l = calloc(1, sizeof(*l));
	struct reindex_ctx *rx = calloc(1, sizeof(*rx));
	tims_rc rc;

	*added = 0;
	if (!l || !rx) {
		free(l);
		free(rx);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	rc = tims_centre_posts(c, collect, l, err);
	for (size_t i = 0; !rc && i < l->n; i++) {
		struct centre_mirror *cm;
		uint64_t have = 0, size = 0;

		if ((rc = centre_mirror_get(c, l->origin[i], &cm, err)))
			break;
		pthread_mutex_lock(&cm->lock);
		pthread_mutex_lock(&c->store_lock);
		rx->x.c = c;
		rx->x.origin = l->origin[i];
		rc = tims_cstore_count(c->store, l->origin[i], &have, err);
		if (!rc)
			rc = tims_sync_mirror_size(cm->m, &size, err);
		/* Records are indexed in log order, so the store holds a prefix. */
		while (!rc && have < size) {
			uint64_t n = size - have > 4096 ? 4096 : size - have;

			if ((rc = tims_cstore_begin(c->store, err)))
				break;
			rc = tims_sync_mirror_export(cm->m, have, n, reindex_one, rx, err);
			if (rc) {
				tims_cstore_rollback(c->store);
				if (rx->x.err.msg[0])
					tims_err_set(err, rc, "%s", rx->x.err.msg);
				break;
			}
			rc = tims_cstore_commit(c->store, err);
			have += n;
		}
		pthread_mutex_unlock(&c->store_lock);
		pthread_mutex_unlock(&cm->lock);
	}
	*added = rx->added;
	free(l);
	free(rx);
	return rc;
}
