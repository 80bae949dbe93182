/*
 * ingest.c — the centre takes a batch of a post's log (tims/sync.h): the
 * mirror verifies and stores it, the new records go into the query store
 * in the same step, and once the mirror holds a whole checkpoint the
 * centre cosigns it (c2sp tlog-cosignature) and keeps the cosignature —
 * one per checkpoint size, the newest replacing an older one, so a post
 * that pushes the same checkpoint again does not grow the mirror.
 *
 * Order and failures: the query store transaction is opened first and
 * committed only after the mirror committed. If that commit fails (or the
 * process dies between the two), the store lacks records the mirror holds,
 * anywhere below later ones. Indexing is therefore resumed by what is
 * missing, never by a count: centre_repair asks the store for the ranges
 * of indexes it lacks (tims_cstore_missing) and adds them from the mirror.
 * It runs at once after a failed commit, at every start
 * (tims_centre_reindex), and from the centre's maintenance thread while the
 * store is marked dirty (centre.c). The store is idempotent on (origin,
 * index), so nothing is ever indexed twice.
 *
 * A query store that cannot be reached (PostgreSQL down) refuses the batch
 * before the mirror takes it (TIMS_ERR_NET: the post is answered 503 and
 * pushes again); the maintenance thread reconnects.
 */
#include <sodium.h>
#include <time.h>

#include "tims/util.h"
#include "internal.h"

void centre_file_name(const char *origin, char *out, size_t outsz)
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

/* The centre's cosignature of the batch's checkpoint (a whole log now
 * held), kept in mirror m and handed back in out->cosignature. */
static tims_rc cosign_batch(struct tims_centre *c, struct tims_sync_mirror *m,
			    const struct tims_sync_batch *b, struct tims_centre_ingest *out,
			    struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_buf line = TIMS_BUF_INIT(sizeof(out->cosignature) - 1);
	tims_rc rc;

	if (!n) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	} else if (!(rc = tims_note_parse(b->note, b->note_len, n, err)) &&
		   !(rc = tims_cosign(&c->cosigner, n->text, n->textlen, (uint64_t)time(NULL),
				      &line, err)) &&
		   !(rc = tims_sync_mirror_keep_cosig(m, b->cp.size, line.buf, line.len, err))) {
		memcpy(out->cosignature, line.buf, line.len);
		out->cosignature[line.len] = '\0';
	}
	free(n);
	tims_buf_release(&line);
	return rc;
}

/*
 * The post's log was handed over to a new key (docs/keys.md): the posts
 * table learns it, and the centre's event log says so. The mirrors keep
 * the hand-over itself, so they verify from the key enrolled or the new one.
 */
void centre_learn_key(struct tims_centre *c, const char *origin,
		      const struct tims_verifier *key)
{
	struct tims_buf vk = TIMS_BUF_INIT(512);
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (tims_verifier_format(key, &vk) || tims_buf_addch(&vk, '\0'))
		goto out;
	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "UPDATE posts SET vkey = ?1 WHERE origin = ?2", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, vk.buf, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	tims_centre_event(c, "key-rotated", origin,
			  ok ? vk.buf : "the posts table could not be updated");
out:
	tims_buf_release(&vk);
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
	/* bodies sealed under the centre's vault (older ones sealed now) */
	if ((rc = tims_sync_mirror_set_vault(cm->m, c->vault, err))) {
		tims_sync_mirror_free(cm->m);
		goto out;
	}
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
	/* The store's blind indexes need the token: without it nothing is
	 * taken (503), the post keeps its records and pushes again. */
	if ((rc = centre_vault_ready(c, err)))
		goto out;
	x->c = c;
	x->origin = origin;
	pthread_mutex_lock(&cm->lock);
	pthread_mutex_lock(&c->store_lock);
	if ((rc = centre_store_begin(c, err))) {
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
		/* a gap is ordinary (asked again); a store lost is said once, by
		 * the maintenance thread, not at every push; a full disk is
		 * answered 507 (nothing taken) and is no refusal of the post's */
		if (rc != TIMS_ERR_STATE && rc != TIMS_ERR_NET && rc != TIMS_ERR_FULL)
			tims_centre_event(c, refusal_kind(rc), origin, err ? err->msg : "");
		if (rc == TIMS_ERR_NET && err && x->err.msg[0])
			tims_err_set(err, rc, "%s", x->err.msg);
		goto out;
	}
	if (tims_cstore_commit(c->store, &x->err)) {
		/* The mirror holds them: repaired now if the store lets us, else
		 * by the maintenance thread (the store is dirty until then). */
		uint64_t added = 0;
		struct tims_err e2;

		/* said once, when the store first fails; not again at every push
		 * while it stays marked (a disk that fails for an hour would
		 * otherwise fill the events with the same line) */
		if (!c->store_dirty)
			tims_centre_event(c, "store", origin, x->err.msg);
		c->store_dirty = 1;
		c->store_fail_gen++;
		if (!centre_repair(c, cm, &added, &e2) && added)
			tims_centre_event(c, "store-repaired", origin, "the records of the failed "
					  "commit were indexed again at once");
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
	if (out->r.handovers)
		centre_learn_key(c, origin, tims_mlog_key(tims_sync_mirror_mlog(cm->m)));
	if (out->r.complete)
		rc = cosign_batch(c, cm->m, b, out, err);
	pthread_mutex_unlock(&cm->lock);
out:
	free(x);
	return rc;
}

tims_rc centre_store_begin(struct tims_centre *c, struct tims_err *err)
{
	tims_rc rc = tims_cstore_reconnect(c->store, 0, err);

	if (rc)
		return rc; /* down, and not yet time to try again */
	rc = tims_cstore_begin(c->store, err);
	if (rc == TIMS_ERR_NET && !tims_cstore_reconnect(c->store, 1, err)) {
		/* the connection was found lost just now (a restarted server):
		 * one new connection at once, and the batch on it */
		c->store_dirty = 1;
		c->store_fail_gen++;
		rc = tims_cstore_begin(c->store, err);
	}
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

#define REPAIR_RANGES 256
#define REPAIR_CHUNK 4096

struct ranges {
	uint64_t lo[REPAIR_RANGES], hi[REPAIR_RANGES];
	size_t n;
	int more;
};

static tims_rc collect_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct ranges *r = ctx;

	if (r->n == REPAIR_RANGES) {
		r->more = 1;
		return TIMS_OK;
	}
	r->lo[r->n] = lo;
	r->hi[r->n++] = hi;
	return TIMS_OK;
}

tims_rc centre_repair(struct tims_centre *c, struct centre_mirror *cm, uint64_t *added,
		      struct tims_err *err)
{
	struct reindex_ctx *rx = calloc(1, sizeof(*rx));
	struct ranges *r = malloc(sizeof(*r));
	struct tims_cstore_extent ext;
	uint64_t size = 0;
	tims_rc rc;

	*added = 0;
	if (!rx || !r) {
		free(rx);
		free(r);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	rx->x.c = c;
	rx->x.origin = cm->origin;
	rc = tims_sync_mirror_size(cm->m, &size, err);
	do {
		r->n = 0;
		r->more = 0;
		if (rc || (rc = tims_cstore_missing(c->store, cm->origin, size, collect_range, r,
						    &ext, err)))
			break;
		for (size_t i = 0; !rc && i < r->n; i++) {
			for (uint64_t at = r->lo[i]; !rc && at < r->hi[i]; at += REPAIR_CHUNK) {
				uint64_t n = r->hi[i] - at > REPAIR_CHUNK ? REPAIR_CHUNK : r->hi[i] - at;

				if ((rc = tims_cstore_begin(c->store, err)))
					break;
				rx->x.err.msg[0] = '\0';
				rc = tims_sync_mirror_export(cm->m, at, n, reindex_one, rx, err);
				if (rc && rx->x.err.msg[0])
					tims_err_set(err, rc, "%s", rx->x.err.msg);
				/* later corrections of these records, held already */
				if (!rc)
					rc = tims_cstore_relink(c->store, cm->origin, at, at + n, err);
				if (rc)
					tims_cstore_rollback(c->store);
				else
					rc = tims_cstore_commit(c->store, err);
			}
		}
	} while (!rc && r->more);
	*added = rx->added;
	free(rx);
	free(r);
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
	uint64_t gen;
	tims_rc rc;

	*added = 0;
	if (!l)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	/* the failures so far: this pass repairs them (a commit that fails
	 * while it runs, or after it let a post's locks go, marks the store
	 * again and is not cleared below) */
	pthread_mutex_lock(&c->store_lock);
	gen = c->store_fail_gen;
	pthread_mutex_unlock(&c->store_lock);
	rc = tims_centre_posts(c, collect, l, err);
	for (size_t i = 0; !rc && i < l->n; i++) {
		struct centre_mirror *cm;
		uint64_t n = 0;

		if ((rc = centre_mirror_get(c, l->origin[i], &cm, err)))
			break;
		pthread_mutex_lock(&cm->lock);
		pthread_mutex_lock(&c->store_lock);
		rc = tims_cstore_reconnect(c->store, 0, err);
		if (!rc)
			rc = centre_repair(c, cm, &n, err);
		pthread_mutex_unlock(&c->store_lock);
		pthread_mutex_unlock(&cm->lock);
		*added += n;
	}
	if (!rc) {
		pthread_mutex_lock(&c->store_lock);
		if (c->store_fail_gen == gen)
			c->store_dirty = 0;
		pthread_mutex_unlock(&c->store_lock);
	}
	free(l);
	return rc;
}

/* ---- the posts' audit logs ------------------------------------------------
 *
 * Each post pushes its audit log (origin "<post origin>/audit", the same
 * key) as it pushes its crossings; the centre keeps it in a mirror of its
 * own, CENTRE/mirror/<escaped origin>.audit.db, with the same layout and
 * checks (tims_sync_mirror_open_leaf, TIMS_SYNC_AUDIT: each position an
 * audit event against its salted commitment). Unlike the crossing log, a
 * checkpoint smaller than the one held is refused: a post only pushes its
 * latest, so a smaller one means its audit log was deleted, reset or
 * restored from an old copy. Either that or a fork opens a severe alert.
 */

tims_rc centre_audit_mirror(struct tims_centre *c, const char *origin,
			    struct centre_mirror **out, struct tims_err *err)
{
	char db[CENTRE_PATH_MAX], cp[CENTRE_PATH_MAX], rel[3 * TIMS_NOTE_MAX_NAME + 32];
	char safe[3 * TIMS_NOTE_MAX_NAME + 4];
	struct centre_mirror *cm;
	tims_rc rc;

	*out = NULL;
	if ((rc = centre_mirror_get(c, origin, &cm, err)))
		return rc;
	pthread_mutex_lock(&cm->lock);
	if (!cm->am) {
		centre_file_name(origin, safe, sizeof(safe));
		snprintf(rel, sizeof(rel), "mirror/%s.audit.db", safe);
		if (!(rc = centre_path(c, rel, db, err))) {
			snprintf(rel, sizeof(rel), "mirror/%s.audit.checkpoint", safe);
			rc = centre_path(c, rel, cp, err);
		}
		if (!rc)
			rc = tims_sync_mirror_open_leaf(db, cp, &cm->key, TIMS_SYNC_AUDIT, &cm->am,
							err);
		/* the events' bodies (what was asked and answered) sealed */
		if (!rc && (rc = tims_sync_mirror_set_vault(cm->am, c->vault, err))) {
			tims_sync_mirror_free(cm->am);
			cm->am = NULL;
		}
		if (rc) {
			pthread_mutex_unlock(&cm->lock);
			return rc;
		}
	}
	*out = cm;
	return TIMS_OK;
}

tims_rc centre_audit_ingest(struct tims_centre *c, const char *origin,
			    const struct tims_sync_batch *b,
			    struct tims_centre_ingest *out, struct tims_err *err)
{
	struct tims_buf held = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint hcp;
	struct centre_mirror *cm;
	struct tims_verifier key;
	char alert[256] = "", kind[32] = "";
	int revoked = 0;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (b->leaf != TIMS_SYNC_AUDIT)
		return tims_err_set(err, TIMS_ERR_INVALID, "not an audit batch");
	if ((rc = centre_post_key(c, origin, &key, &revoked, err)))
		return rc;
	if (revoked)
		return tims_err_set(err, TIMS_ERR_DENIED, "origin %s: revoked", origin);
	if ((rc = centre_audit_mirror(c, origin, &cm, err)))
		return rc;
	cm->last_seen_ms = tims_mlog_now_ms();
	/* Signed by the post first (with the key in force, followed along
	 * the batch's key hand-overs): a stranger's batch opens no alert. */
	if ((rc = tims_sync_batch_key(b, tims_sync_mirror_mlog(cm->am), &key, err)) ||
	    (rc = tims_sync_batch_check_signer(b, &key, err)))
		goto refused;
	if (!tims_sync_mirror_checkpoint(cm->am, &held, &hcp, NULL) && b->cp.size < hcp.size) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER,
				  "rollback: the audit log of %s presents a checkpoint of %" PRIu64
				  " events, the centre holds a signed %" PRIu64 " (the audit log "
				  "was deleted, reset or restored from an old copy)",
				  origin, b->cp.size, hcp.size);
		/* the alert's words stay the same while the mirror does: one
		 * alert with its count, not one per presented size */
		snprintf(alert, sizeof(alert), "the post's audit log is smaller than the signed "
			 "%" PRIu64 " events the centre holds: deleted, reset or restored from an "
			 "old copy", hcp.size);
		snprintf(kind, sizeof(kind), "audit-rollback");
		goto refused;
	}
	rc = tims_sync_mirror_apply(cm->am, b, NULL, NULL, &out->r, err);
	if (rc) {
		if (rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_PROOF) {
			uint64_t nheld = 0;

			tims_sync_mirror_size(cm->am, &nheld, NULL);
			snprintf(alert, sizeof(alert), "the post's audit log forks from the %" PRIu64
				 " events the centre holds: deleted and started again, or replaced",
				 nheld);
			snprintf(kind, sizeof(kind), "audit-fork");
		} else if (rc != TIMS_ERR_STATE && rc != TIMS_ERR_FULL) {
			snprintf(kind, sizeof(kind), "%s", refusal_kind(rc));
			snprintf(alert, sizeof(alert), "%s", err->msg);
		}
		goto refused;
	}
	if (out->r.complete)
		rc = cosign_batch(c, cm->am, b, out, err);
refused:
	pthread_mutex_unlock(&cm->lock);
	/* the event log after the mirror's lock: never one inside the other */
	if (kind[0])
		tims_centre_event(c, kind, origin, alert);
	tims_buf_release(&held);
	return rc;
}

/* The enrolled origin of the post named `name` (or of origin `name`). */
static tims_rc post_origin(struct tims_centre *c, const char *name, char *origin,
			   size_t cap, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT origin FROM posts WHERE name = ?1 OR origin = ?1"
			       " LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "finding a post", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		snprintf(origin, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (s == SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "post: no post '%s' is enrolled", name);
	else
		rc = centre_db_err(c, "finding a post", err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

struct scan_ctx {
	const char *post;
	centre_audit_fn fn;
	void *ctx;
	struct tims_err *err;
};

static tims_rc scan_one(void *ctx, const struct tims_post_raw *r)
{
	struct scan_ctx *x = ctx;
	struct tims_audit_event ev;
	tims_rc rc;

	if (!r->body)
		return TIMS_OK; /* erased */
	/* the mirror checked it when it came; checked again, never trusted */
	if ((rc = tims_audit_leaf_check(r->index, r->entry, r->salt, r->body, r->body_len,
					&ev, x->err)))
		return rc;
	return x->fn(x->ctx, x->post, r->index, &ev);
}

static tims_rc scan_own(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct scan_ctx *x = ctx;

	if (!strcmp(ev->action, "erased") && !ev->query && !ev->result && !ev->actor[0])
		return TIMS_OK;
	return x->fn(x->ctx, x->post, index, ev);
}

tims_rc centre_audit_scan(struct tims_centre *c, const char *post, uint64_t from,
			  size_t max, centre_audit_fn fn, void *ctx,
			  struct tims_err *err)
{
	struct scan_ctx x = { post, fn, ctx, err };
	char origin[TIMS_NOTE_MAX_NAME + 1];
	struct centre_mirror *cm;
	tims_rc rc;

	if (!max)
		return TIMS_OK;
	if (!post || !*post) {
		char aorigin[TIMS_CENTRE_NAME_MAX + 16];

		x.post = "";
		pthread_mutex_lock(&c->audit_ro_lock);
		if (!c->audit_ro) {
			snprintf(aorigin, sizeof(aorigin), "%s/audit", c->name);
			rc = tims_audit_open_keyed(c->dir, aorigin, "audit", TIMS_AUDIT_READ,
						   &c->audit_ro, err);
			if (rc == TIMS_ERR_NOTFOUND) { /* no event yet */
				pthread_mutex_unlock(&c->audit_ro_lock);
				return TIMS_OK;
			}
			if (rc) {
				pthread_mutex_unlock(&c->audit_ro_lock);
				return rc;
			}
		}
		rc = tims_audit_list(c->audit_ro, from, max, scan_own, &x, err);
		pthread_mutex_unlock(&c->audit_ro_lock);
		return rc;
	}
	if ((rc = post_origin(c, post, origin, sizeof(origin), err)) ||
	    (rc = centre_audit_mirror(c, origin, &cm, err)))
		return rc;
	rc = tims_sync_mirror_export(cm->am, from, max, scan_one, &x, err);
	pthread_mutex_unlock(&cm->lock);
	return rc;
}

tims_rc centre_audit_archive(struct tims_centre *c, const char *origin, uint64_t seq,
			     const char *detail, struct tims_err *err)
{
	static const char *const ext[] = { ".db", ".db-wal", ".db-shm", ".checkpoint" };
	char safe[3 * TIMS_NOTE_MAX_NAME + 4], rel[3 * TIMS_NOTE_MAX_NAME + 64];
	char from[CENTRE_PATH_MAX], to[CENTRE_PATH_MAX], d[sizeof(safe) + 400];
	struct centre_mirror *cm;
	uint64_t size = 0;
	int archived = 0;
	tims_rc rc;

	centre_file_name(origin, safe, sizeof(safe));
	snprintf(rel, sizeof(rel), "mirror/%s.audit.reset-%" PRIu64 ".db", safe, seq);
	if ((rc = centre_path(c, rel, to, err)))
		return rc;
	if ((rc = centre_audit_mirror(c, origin, &cm, err)))
		return rc;
	if (access(to, F_OK) == 0) /* this reset's archive is made: a resent event */
		goto out;
	tims_sync_mirror_size(cm->am, &size, NULL);
	tims_sync_mirror_free(cm->am); /* closed: its WAL folded into the file */
	cm->am = NULL;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(ext); i++) {
		snprintf(rel, sizeof(rel), "mirror/%s.audit%s", safe, ext[i]);
		if ((rc = centre_path(c, rel, from, err)))
			goto out;
		snprintf(rel, sizeof(rel), "mirror/%s.audit.reset-%" PRIu64 "%s", safe, seq, ext[i]);
		if ((rc = centre_path(c, rel, to, err)))
			goto out;
		if (rename(from, to) != 0 && errno != ENOENT) {
			rc = tims_err_set(err, TIMS_ERR_IO, "archiving %s: %s", from, strerror(errno));
			goto out;
		}
	}
	if ((rc = tims_fsync_dir_of(to, err)))
		goto out;
	snprintf(d, sizeof(d), "audit log reset at the post: the mirror of its old log (%" PRIu64
		 " events) kept as mirror/%s.audit.reset-%" PRIu64 ".db; %.200s", size, safe, seq,
		 detail ? detail : "");
	archived = 1;
out:
	pthread_mutex_unlock(&cm->lock);
	if (archived)
		tims_centre_event(c, "audit-archived", origin, d);
	return rc;
}
