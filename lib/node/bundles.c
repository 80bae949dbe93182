/*
 * bundles.c — the signed bundles a post fetches from the centre each sync
 * round (docs/bundles.md): watchlists (applied, or repaired after a
 * mismatch) and its officer roster, opened with the bundle keys the
 * centre's signed revocation list does not revoke.
 */
#include "sync_int.h"
#include "tims/prescreen.h"

/*
 * Apply one bundle: verify it, apply it to a second handle of the post's
 * watchlist store, then bring the screening index up to date: a list of
 * documents or vehicles changes the live index in place (the fingerprints
 * that left and joined, logged by the store as the bundle was applied:
 * 100 000 changes in milliseconds, where loading 100 M documents again
 * takes a minute); a person list, a repair, or an index without one loads a
 * new index from the store outside the lock and swaps it in. Exposed for
 * `tims post apply-bundle` through the store functions; here for the ones
 * fetched from the centre.
 */

static tims_rc apply_bundle(struct node_sync *s, const char *json, size_t len, int repair,
			    struct tims_err *err)
{
	struct tims_bundle b;
	struct tims_screen_index *ix = NULL;
	struct tims_wl *wl = NULL, *old_wl;
	struct tims_screen_index *old_ix;
	struct tims_wl_index_delta delta = { 0 };
	struct tims_err uerr;
	char how[96] = "";
	bool in_place;
	struct tims_verifier keys[2];
	size_t nkeys = 0;
	char dir[4200];
	tims_rc rc;

	snprintf(dir, sizeof(dir), "%s/watchlists", s->n->dir);
	/* the bundle keys the centre's signed list does not revoke */
	{
		struct tims_revocation rl;
		int held = !node_trust_held(s->n->dir, &rl, NULL);

		for (size_t i = 0; i < s->nbundle_keys; i++)
			if (!held || !tims_revocation_verifier_revoked(&rl, &s->bundle_keys[i], 0))
				keys[nkeys++] = s->bundle_keys[i];
		if (held)
			tims_revocation_release(&rl);
		if (!nkeys) {
			rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "bundle of %s: every key it may be "
					  "signed by is revoked by the centre's list: refused", s->centre);
			node_sync_revoked_event(s, err->msg);
			return rc;
		}
	}
	if ((rc = tims_bundle_open_keys(json, len, keys, nkeys, s->centre, &b, err)))
		return rc;
	/* over the version and digest held (a diverged list raises its alert);
	 * never while the copies are checked (wlcheck.c) */
	node_wlcheck_lock(s->n);
	if ((rc = tims_wl_open(dir, true, &wl, err)) ||
	    (rc = tims_wl_track(wl, err)) ||
	    (rc = repair ? tims_bundle_repair_held(s->n->dir, wl, &b, err)
			 : tims_bundle_apply_held(s->n->dir, wl, &b, err)) ||
	    (rc = tims_wl_tracked(wl, &delta, err)))
		goto fail;
	pthread_rwlock_rdlock(&s->n->screen_rw);
	/* in place: an index loaded from this very store (not another one
	 * given to `post serve`), and a delta of identifiers only */
	in_place = !repair && !delta.persons && s->n->ix && s->n->wl &&
		   (!s->n->cfg.watchlists || !strcmp(s->n->cfg.watchlists, dir));
	pthread_rwlock_unlock(&s->n->screen_rw);
	if (!in_place && (rc = tims_wl_load_index(wl, &ix, err)))
		goto fail;
	pthread_rwlock_wrlock(&s->n->screen_rw);
	old_wl = s->n->wl;
	old_ix = s->n->ix;
	if (in_place && tims_wl_index_update(wl, old_ix, &delta, &uerr) == TIMS_OK) {
		ix = old_ix; /* changed in place, whole */
		old_ix = NULL;
		snprintf(how, sizeof(how), "; the screening index changed in place (%zu in, %zu out)",
			 delta.nadd, delta.ndel);
	} else if (in_place) {
		/* the delta did not fit (out of memory): the live index is as it
		 * was; a whole one is loaded, and meanwhile this list is not
		 * screened against as if it were current */
		pthread_rwlock_unlock(&s->n->screen_rw);
		node_log(s->n, "watchlist %s: the index could not take the delta (%s): loading it "
			 "whole", b.list, tims_err_msg(&uerr));
		if ((rc = tims_wl_load_index(wl, &ix, err))) {
			/* the store moved on without the index: fail closed */
			pthread_rwlock_wrlock(&s->n->screen_rw);
			tims_wl_quarantine(s->n->wl, b.list, "the screening index could not be "
					   "brought up to date with the list applied", NULL);
			pthread_rwlock_unlock(&s->n->screen_rw);
			goto fail;
		}
		pthread_rwlock_wrlock(&s->n->screen_rw);
		old_wl = s->n->wl;
		old_ix = s->n->ix;
	}
	tims_wl_index_delta_release(&delta);
	/* the other lists' quarantine stays; this one's content was checked */
	tims_wl_quarantine_copy(wl, old_wl, b.list);
	s->n->wl = wl;
	s->n->ix = ix;
	pthread_rwlock_unlock(&s->n->screen_rw);
	node_wlcheck_unlock(s->n);
	node_wlcheck_kick(s->n);
	tims_screen_index_free(old_ix);
	tims_wl_close(old_wl);
	if (repair)
		node_log(s->n, "watchlist %s: repaired with version %" PRIu64 " from the centre, "
			 "whole", b.list, b.version);
	else if (b.base)
		node_log(s->n, "watchlist %s: version %" PRIu64 " from the centre applied (a delta "
			 "from version %" PRIu64 ")%s", b.list, b.version, b.base, how);
	else
		node_log(s->n, "watchlist %s: version %" PRIu64 " from the centre applied%s", b.list,
			 b.version, how);
	tims_bundle_release(&b);
	return TIMS_OK;
fail:
	tims_wl_index_delta_release(&delta);
	node_wlcheck_unlock(s->n);
	tims_wl_close(wl);
	tims_bundle_release(&b);
	return rc;
}

/* Copies that do not match their signed digests (wlcheck.c): each fetched
 * whole and applied over the version held. */
static void repair_lists(struct node_sync *s, struct tims_sync_peer *peer, struct tims_buf *b)
{
	char lists[8][TIMS_WL_LIST_NAME_MAX + 1];
	size_t n = node_wlcheck_repairs(s->n, lists, 8);

	for (size_t i = 0; i < n; i++) {
		struct tims_err err;
		char path[160];
		long status = 0;

		if (!lists[i][0] || strspn(lists[i], "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    strlen(lists[i]))
			continue;
		snprintf(path, sizeof(path), "/api/v1/sync/bundle?list=%.*s", TIMS_WL_LIST_NAME_MAX, lists[i]);
		if (tims_sync_conn_http(s->conn, peer, "GET", path, NULL, 0, NULL, TIMS_BUNDLE_MAX, b,
					&status, &err) || status != 200) {
			node_log(s->n, "watchlist %s: the whole list for its repair not fetched (%ld)",
				 lists[i], status);
			continue;
		}
		if (apply_bundle(s, b->buf, b->len, 1, &err))
			node_log(s->n, "watchlist %s: repair refused: %s", lists[i], tims_err_msg(&err));
	}
}

/* Apply this post's officer roster: accounts as the centre holds them. */
static tims_rc apply_roster(struct node_sync *s, const char *json, size_t len,
			    struct tims_err *err)
{
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES];
	struct tims_roster_result res;
	struct tims_bundle_held h;
	struct tims_bundle b;
	char path[4200];
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/centre/roster.key", s->n->dir);
	if ((rc = tims_bundle_open_keys(json, len, s->bundle_keys, s->nbundle_keys, s->centre, &b, err)))
		return rc;
	if ((rc = tims_bundle_held_get(s->n->dir, "officers", b.list, &h, err)) ||
	    (rc = tims_store_key_load(path, key, err))) {
		tims_bundle_release(&b);
		return rc;
	}
	pthread_mutex_lock(&s->n->lock);
	rc = tims_bundle_apply_roster(s->n->officers, &b, s->name, key, h.version, &res, err);
	pthread_mutex_unlock(&s->n->lock);
	sodium_memzero(key, sizeof(key));
	if (!rc)
		rc = tims_bundle_held_set(s->n->dir, &b, err);
	if (!rc)
		node_log(s->n, "officer roster version %" PRIu64 " from the centre applied: %zu "
			 "added, %zu changed, %zu withdrawn, %zu unchanged", b.version, res.added,
			 res.changed, res.withdrawn, res.unchanged);
	tims_bundle_release(&b);
	return rc;
}

/* Apply this post's pre-screened arrivals (tims/prescreen.h): the
 * screened travellers of the flights arriving at its airport, as blind
 * indexes under its own vault. */
static tims_rc apply_arrivals(struct node_sync *s, const char *json, size_t len,
			      struct tims_err *err)
{
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES];
	struct tims_prescreen_applied res;
	struct tims_bundle b;
	char path[4200];
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/centre/roster.key", s->n->dir);
	if ((rc = tims_bundle_open_keys(json, len, s->bundle_keys, s->nbundle_keys, s->centre, &b, err)))
		return rc;
	if ((rc = tims_store_key_load(path, key, err))) {
		tims_bundle_release(&b);
		return rc;
	}
	rc = tims_prescreen_apply(s->n->dir, tims_post_vault(s->n->post), &b, s->name, key,
				  (int64_t)time(NULL) * 1000, &res, err);
	sodium_memzero(key, sizeof(key));
	if (!rc)
		node_log(s->n, "arrivals of %s version %" PRIu64 " from the centre applied: %zu "
			 "travellers, %zu with a hit, %zu past retention", res.airport, res.version,
			 res.travellers, res.hits, res.expired);
	tims_bundle_release(&b);
	return rc;
}

/* Fetch and apply every bundle newer than what the post holds. */
void node_sync_pull_bundles(struct node_sync *s)
{
	struct tims_sync_peer peer = { s->url, s->ca, s->cert, s->key, 60, s->policy };
	struct tims_buf ans = TIMS_BUF_INIT(ANSWER_MAX), b = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_err err;
	json_t *j = NULL, *arr;
	long status;

	if (s->has_bundle_key)
		repair_lists(s, &peer, &b);
	if (!s->has_bundle_key ||
	    tims_sync_conn_http(s->conn, &peer, "GET", "/api/v1/sync/bundles", NULL, 0, NULL, ANSWER_MAX, &ans,
			   &status, &err) || status != 200)
		goto out;
	atomic_store(&s->bundles_asked_ms, (int64_t)time(NULL) * 1000); /* metrics.c */
	j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
	arr = json_object_get(j, "bundles");
	for (size_t i = 0; i < json_array_size(arr) && i < 64; i++) {
		const char *list = jstr(json_array_get(arr, i), "list");
		json_t *v = json_object_get(json_array_get(arr, i), "version");
		struct tims_bundle_held h;
		char path[160];

		if (!strcmp(jstr(json_array_get(arr, i), "kind"), "officers")) {
			if (!json_is_integer(v) || !s->name[0] ||
			    tims_bundle_held_get(s->n->dir, "officers", s->name, &h, &err) ||
			    (uint64_t)json_integer_value(v) <= h.version)
				continue;
			if (tims_sync_conn_http(s->conn, &peer, "GET", "/api/v1/sync/bundle?kind=officers", NULL, 0,
					   NULL, TIMS_BUNDLE_MAX, &b, &status, &err) || status != 200) {
				node_log(s->n, "officer roster: not fetched (%ld)", status);
				continue;
			}
			if (apply_roster(s, b.buf, b.len, &err))
				node_log(s->n, "officer roster refused: %s", tims_err_msg(&err));
			continue;
		}
		if (!strcmp(jstr(json_array_get(arr, i), "kind"), "arrivals")) {
			if (!json_is_integer(v) || !s->name[0] ||
			    tims_bundle_held_get(s->n->dir, "arrivals", s->name, &h, &err) ||
			    (uint64_t)json_integer_value(v) <= h.version)
				continue;
			if (tims_sync_conn_http(s->conn, &peer, "GET", "/api/v1/sync/bundle?kind=arrivals",
						NULL, 0, NULL, TIMS_BUNDLE_MAX, &b, &status, &err) ||
			    status != 200) {
				node_log(s->n, "arrivals: not fetched (%ld)", status);
				continue;
			}
			if (apply_arrivals(s, b.buf, b.len, &err))
				node_log(s->n, "arrivals refused: %s", tims_err_msg(&err));
			continue;
		}
		if (strcmp(jstr(json_array_get(arr, i), "kind"), "watchlist") != 0)
			continue;

		if (!*list || strlen(list) > TIMS_WL_LIST_NAME_MAX || strpbrk(list, "&?#% ") ||
		    !json_is_integer(v) ||
		    tims_bundle_held_get(s->n->dir, "watchlist", list, &h, &err))
			continue;
		if ((uint64_t)json_integer_value(v) <= h.version) {
			/* Not newer, but another list than the one held (the centre
			 * restored or imported again): fetch it once, to be refused
			 * loudly (tims_bundle_apply_held raises the alert). */
			uint8_t d[32];
			const char *dh = jstr(json_array_get(arr, i), "digest");

			if (!h.has_digest || strlen(dh) != 64 || tims_hex_decode(dh, d, 32, "digest", NULL) ||
			    ((uint64_t)json_integer_value(v) == h.version && !memcmp(d, h.digest, 32)) ||
			    (h.alert[0] && !memcmp(d, h.alert_digest, 32)))
				continue;
			snprintf(path, sizeof(path), "/api/v1/sync/bundle?list=%s", list);
			if (tims_sync_http(&peer, "GET", path, NULL, 0, NULL, TIMS_BUNDLE_MAX, &b,
					   &status, &err) || status != 200)
				continue;
			if (apply_bundle(s, b.buf, b.len, 0, &err))
				node_log(s->n, "bundle %s refused: %s", list, tims_err_msg(&err));
			continue;
		}
		/* What changed since the version held, or the whole list. */
		for (int whole = h.version == 0; whole < 2; whole++) {
			tims_rc rc;

			if (whole)
				snprintf(path, sizeof(path), "/api/v1/sync/bundle?list=%s", list);
			else
				snprintf(path, sizeof(path), "/api/v1/sync/bundle?list=%s&since=%" PRIu64,
					 list, h.version);
			if (tims_sync_conn_http(s->conn, &peer, "GET", path, NULL, 0, NULL, TIMS_BUNDLE_MAX, &b,
					   &status, &err) || status != 200) {
				node_log(s->n, "bundle %s: not fetched (%ld)", list, status);
				break;
			}
			rc = apply_bundle(s, b.buf, b.len, 0, &err);
			if (rc == TIMS_ERR_STATE && !whole)
				continue; /* a delta that does not fit: the whole list */
			if (rc)
				node_log(s->n, "bundle %s refused: %s", list, tims_err_msg(&err));
			break;
		}
	}
out:
	json_decref(j);
	tims_buf_release(&ans);
	tims_buf_release(&b);
}

