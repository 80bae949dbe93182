/*
 * wlcheck.c — the post's copies of the centre's watchlists checked against
 * their signed digests (docs/bundles.md, "Integrity at the post"), and the
 * post's own lists reported to the centre (docs/watchlists.md, "Centre and
 * local lists").
 *
 * At start (before the node serves) and then every `watchlist_check_ms`
 * (DIR/sync.conf; 10 minutes by default), every list held from the centre
 * is hashed again as it is stored (tims_wl_content_recompute, row by row:
 * the multiset hash of its entries, which must also be the sum the store
 * keeps with the list and updates at each change) and compared with the
 * signed note of the version held (tims_bundle_verify_held). The check is
 * what finds a row or a sum changed behind the store: applying a delta
 * only compares the kept sum (O(1)) with the centre's content. A copy that
 * does not match:
 *   - is quarantined in the screening handle: every check fails closed
 *     (503 screening_failed naming the list), never a screening that skips
 *     it; GET /api/v1/status shows it (screening.integrity), so does the
 *     console;
 *   - raises TIMS_EVENT_WATCHLIST_MISMATCH for the centre (a severe alert);
 *   - is repaired: the sync thread fetches the whole list of the version
 *     held and applies it (tims_bundle_repair_held); the content is checked
 *     after applying, the quarantine lifted, and the copy checked again.
 *
 * Lists that did not come from the centre are the post's own: each change
 * (tims_wl_changes, with the actor who made it) is reported to the centre
 * as TIMS_EVENT_WATCHLIST_LOCAL: the list, the action, how many entries,
 * the actor, the ref of a single removal; nothing else of the entries.
 *
 * The check uses its own store handle, so screening goes on while a large
 * list is hashed; it and the application of a bundle are serialised by
 * c->mu (node_wlcheck_lock), so a copy half-applied is never judged.
 *
 * The same thread folds the store's recent fingerprint changes into its
 * main index (merge_pending, every LOCAL_SCAN_MS, in bounded steps), so the
 * next delta again writes to a small table.
 */
#include <stdatomic.h>
#include <time.h>

#include "tims/bundle.h"
#include "tims/keyroll.h"
#include "tims/event.h"
#include "tims/mlog.h"
#include "tims/util.h"
#include "internal.h"
#include "tims/vault.h"

#define CHECK_MS_DEFAULT 600000      /* 10 minutes */
#define LOCAL_SCAN_MS 2000           /* post-local changes: looked for this often */
#define REPAIR_FIRST_MS 1000         /* a repair retried after 1 s, doubling ... */
#define REPAIR_MAX_MS 300000         /* ... to 5 minutes */
#define BAD_MAX 64
#define MERGE_ROUND_MS 500           /* the fingerprint merge: at most this long a round */

struct bad_list {
	char list[TIMS_BUNDLE_NAME_MAX + 1];
	uint64_t version;
	char reason[240];
	int64_t since_ms;
	int event_queued;
	int64_t next_repair_ms, repair_wait_ms;
};

struct node_wlcheck {
	struct tims_node *n;
	pthread_t thread;
	int running;
	pthread_mutex_t mu;          /* checks and bundle applications */
	pthread_mutex_t st;          /* the state below */
	pthread_cond_t cv;
	int stop, kick;
	uint64_t period_ms;
	char store[4200];            /* the watchlist store checked */
	char centre[TIMS_NOTE_MAX_NAME + 1];
	struct tims_verifier key;
	int has_key;
	char cdir[4200];               /* DIR/centre: the bundle keys (tims/keyroll.h) */
	/* under st */
	struct bad_list bad[BAD_MAX];
	size_t nbad;
	int64_t last_check_ms;
	uint64_t last_check_took_ms, checks, lists_checked;
	char last_error[TIMS_ERR_MSG_BYTES];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One "key = value" of a small config file; 1 if found. */
static int conf_value(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v, *nl;
		size_t len;

		if (strncmp(p, key, kl) != 0)
			continue;
		for (v = p + kl; *v == ' '; v++)
			;
		if (*v++ != '=')
			continue;
		while (*v == ' ')
			v++;
		nl = strchr(v, '\n');
		len = nl ? (size_t)(nl - v) : strlen(v);
		if (len >= cap)
			return 0;
		memcpy(out, v, len);
		out[len] = '\0';
		return 1;
	}
	return 0;
}

static tims_rc load_config(struct node_wlcheck *c, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(8192);
	char path[4200], v[64];
	tims_rc rc = TIMS_OK;

	c->period_ms = CHECK_MS_DEFAULT;
	snprintf(path, sizeof(path), "%s/sync.conf", c->n->dir);
	if (access(path, F_OK) == 0) {
		if ((rc = tims_read_file(path, 4096, &b, err)))
			goto out;
		if (conf_value(tims_buf_str(&b), "watchlist_check_ms", v, sizeof(v))) {
			char what[4300];

			snprintf(what, sizeof(what), "%s: watchlist_check_ms", path);
			if ((rc = tims_parse_u64(v, 86400000, &c->period_ms, what, err)))
				goto out;
			if (c->period_ms < 200) {
				rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: at least 200", what);
				goto out;
			}
		}
		tims_buf_release(&b); /* tims_read_file starts a buffer afresh */
	}
	snprintf(path, sizeof(path), "%s/centre/enrolment.conf", c->n->dir);
	if (access(path, F_OK) == 0) {
		if ((rc = tims_read_file(path, 8192, &b, err)))
			goto out;
		if (!conf_value(tims_buf_str(&b), "centre", c->centre, sizeof(c->centre))) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: no centre", path);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/centre/bundle.vkey", c->n->dir);
		if (access(path, F_OK) == 0) {
			if ((rc = tims_mlog_load_keys(path, path, NULL, &c->key, NULL, err)))
				goto out;
			c->has_key = 1;
			snprintf(c->cdir, sizeof(c->cdir), "%s/centre", c->n->dir);
		}
	}
	if (c->n->cfg.watchlists)
		snprintf(c->store, sizeof(c->store), "%s", c->n->cfg.watchlists);
	else
		snprintf(c->store, sizeof(c->store), "%s/watchlists", c->n->dir);
out:
	tims_buf_release(&b);
	return rc;
}

/* The screening handle's quarantine of `list` (reason NULL: lifted). */
static void quarantine(struct tims_node *n, const char *list, const char *reason)
{
	pthread_rwlock_rdlock(&n->screen_rw);
	pthread_mutex_lock(&n->screen);
	if (n->wl)
		tims_wl_quarantine(n->wl, list, reason, NULL);
	pthread_mutex_unlock(&n->screen);
	pthread_rwlock_unlock(&n->screen_rw);
}

static struct bad_list *find_bad(struct node_wlcheck *c, const char *list)
{
	for (size_t i = 0; i < c->nbad; i++)
		if (!strcmp(c->bad[i].list, list))
			return &c->bad[i];
	return NULL;
}

static void on_verdict(void *ctx, const struct tims_bundle_verdict *v)
{
	struct node_wlcheck *c = ctx;
	struct bad_list *b;
	char reason[sizeof(v->reason)];

	pthread_mutex_lock(&c->st);
	b = find_bad(c, v->list);
	if (v->ok) {
		if (b) {
			node_log(c->n, "watchlist %s: the copy matches the centre's signed digest of "
				 "version %" PRIu64 " again: screened", v->list, v->version);
			*b = c->bad[--c->nbad];
		}
		pthread_mutex_unlock(&c->st);
		quarantine(c->n, v->list, NULL);
		return;
	}
	if (!b && c->nbad < BAD_MAX) {
		b = &c->bad[c->nbad++];
		memset(b, 0, sizeof(*b));
		snprintf(b->list, sizeof(b->list), "%s", v->list);
		b->since_ms = now_ms();
		b->repair_wait_ms = REPAIR_FIRST_MS;
		node_log(c->n, "watchlist %s: %s: not screened against until it is repaired from "
			 "the centre", v->list, v->reason);
	}
	if (b) {
		b->version = v->version;
		snprintf(b->reason, sizeof(b->reason), "%s", v->reason);
	}
	snprintf(reason, sizeof(reason), "%s", v->reason);
	pthread_mutex_unlock(&c->st);
	/* a list past BAD_MAX is quarantined all the same */
	quarantine(c->n, v->list, reason);
}

/* Every centre list held, against its signed digest (c->mu held). */
static void check_now(struct node_wlcheck *c)
{
	struct tims_wl *wl = NULL;
	struct tims_err err;
	int64_t t0 = now_ms();
	size_t checked = 0;

	tims_err_clear(&err);
	{
		char path[4300];

		snprintf(path, sizeof(path), "%s/bundles.db", c->n->dir);
		if (access(path, F_OK) != 0)
			goto done; /* nothing ever came from a centre */
	}
	/* sealed lists cannot be read without the token: not checked (never
	 * a false mismatch); they are quarantined meanwhile (node.c) */
	if (c->n->post && tims_vault_state(tims_post_vault(c->n->post)) != TIMS_VAULT_OPEN) {
		tims_err_set(&err, TIMS_ERR_UNAVAILABLE, "not checked: the key token is unavailable");
		goto done;
	}
	if (tims_wl_open(c->store, false, &wl, &err) == TIMS_OK || err.rc == TIMS_ERR_NOTFOUND)
		tims_err_clear(&err); /* no store: every list held is missing (wl NULL) */
	else
		goto done;
	if (!c->has_key) {
		/* lists held but nothing to verify them with: each fails */
		struct tims_verifier none;

		memset(&none, 0, sizeof(none));
		snprintf(none.name, sizeof(none.name), "no bundle key");
		tims_bundle_verify_held(c->n->dir, wl, &none, c->centre, on_verdict, c, &checked,
					&err);
	} else {
		/* the bundle key, and during a rotation's overlap the one before */
		struct tims_verifier keys[2];
		size_t nkeys = 0;

		if (tims_keyroll_keys(c->cdir, "bundle", (int64_t)time(NULL), keys, &nkeys, NULL)) {
			keys[0] = c->key;
			nkeys = 1;
		}
		tims_bundle_verify_held_keys(c->n->dir, wl, keys, nkeys, c->centre, on_verdict, c,
					     &checked, &err);
	}
done:
	tims_wl_close(wl);
	pthread_mutex_lock(&c->st);
	c->last_check_ms = now_ms();
	c->last_check_took_ms = (uint64_t)(c->last_check_ms - t0);
	c->checks++;
	c->lists_checked = checked;
	snprintf(c->last_error, sizeof(c->last_error), "%s", err.msg[0] ? err.msg : "");
	pthread_mutex_unlock(&c->st);
	if (err.msg[0])
		node_log(c->n, "watchlist check: %s", err.msg);
}

/* The mismatch events not yet queued (node_event fails until the node's
 * events are started). */
static void queue_mismatches(struct node_wlcheck *c)
{
	for (;;) {
		struct tims_event *ev;
		struct bad_list b;
		struct tims_err err;
		size_t i;

		pthread_mutex_lock(&c->st);
		for (i = 0; i < c->nbad && c->bad[i].event_queued; i++)
			;
		if (i == c->nbad) {
			pthread_mutex_unlock(&c->st);
			return;
		}
		b = c->bad[i];
		pthread_mutex_unlock(&c->st);
		if (!(ev = malloc(sizeof(*ev))))
			return;
		tims_event_init(ev);
		ev->kind = TIMS_EVENT_WATCHLIST_MISMATCH;
		ev->time_ms = b.since_ms;
		snprintf(ev->detail, sizeof(ev->detail), "watchlist %s, version %" PRIu64 " from "
			 "the centre: %s; screening against it refused, the copy is repaired from "
			 "the centre", b.list, b.version, b.reason);
		if (node_event(c->n, ev, &err)) {
			free(ev);
			return; /* the next round */
		}
		free(ev);
		pthread_mutex_lock(&c->st);
		{
			struct bad_list *p = find_bad(c, b.list);

			if (p)
				p->event_queued = 1;
		}
		pthread_mutex_unlock(&c->st);
	}
}

/* Each change of a post-local list not yet reported, to the centre. */
static void report_local(struct node_wlcheck *c)
{
	struct tims_wl_list_info *lists = NULL;
	struct tims_wl *wl = NULL;
	struct tims_err err;
	size_t nl = 0;

	/* reported to the centre: nothing to do at a post not enrolled */
	if (!c->centre[0] || !c->n->events || access(c->store, F_OK) != 0 ||
	    tims_wl_open(c->store, false, &wl, &err) || tims_wl_lists_brief(wl, &lists, &nl, &err))
		goto out;
	for (size_t i = 0; i < nl; i++) {
		struct tims_wl_change ch[16];
		uint64_t reported;
		size_t nc = 0;

		if (tims_bundle_is_centre_list(c->n->dir, lists[i].name) ||
		    tims_bundle_local_reported(c->n->dir, lists[i].name, &reported, &err) ||
		    reported >= lists[i].version ||
		    tims_wl_changes(wl, lists[i].name, reported, 16, ch, &nc, &err))
			continue;
		for (size_t k = 0; k < nc; k++) {
			struct tims_event *ev = malloc(sizeof(*ev));

			if (!ev)
				goto out;
			if (strcmp(ch[k].action, "bundle") != 0) {
				tims_event_init(ev);
				ev->kind = TIMS_EVENT_WATCHLIST_LOCAL;
				ev->time_ms = ch[k].time_s * 1000;
				snprintf(ev->officer, sizeof(ev->officer), "%s", ch[k].actor);
				if (!strcmp(ch[k].action, "remove") && ch[k].ref[0])
					snprintf(ev->detail, sizeof(ev->detail), "post-local watchlist %s "
						 "(%s): remove of ref %s by %s, version %" PRIu64,
						 lists[i].name, tims_wl_kind_name(lists[i].kind),
						 ch[k].ref, ch[k].actor, ch[k].version);
				else
					snprintf(ev->detail, sizeof(ev->detail), "post-local watchlist %s "
						 "(%s): %s of %" PRIu64 " entries by %s, version %" PRIu64,
						 lists[i].name, tims_wl_kind_name(lists[i].kind),
						 ch[k].action, ch[k].count, ch[k].actor, ch[k].version);
				if (node_event(c->n, ev, &err)) {
					free(ev);
					goto out; /* the next round */
				}
			}
			free(ev);
			if (tims_bundle_local_reported_set(c->n->dir, lists[i].name, ch[k].version,
							   &err))
				goto out;
		}
		/* versions made before changes were recorded: nothing to say */
		if (nc == 0)
			tims_bundle_local_reported_set(c->n->dir, lists[i].name, lists[i].version,
						       &err);
	}
out:
	free(lists);
	tims_wl_close(wl);
}

/*
 * The store's recent fingerprint changes folded into its main index
 * (lib/watchlist/fpindex.c), a step (TIMS_WL_FP_MERGE_STEP rows, one
 * transaction) at a time, for at most MERGE_ROUND_MS a round: each step
 * under c->mu (never beside a bundle being applied; one waits at most a
 * step), on a handle of its own, so screening, which reads the last
 * commit through its own handle, goes on throughout. A step that fails
 * leaves the index as it was (its view is whole); it is tried again next
 * round.
 */
static void merge_pending(struct node_wlcheck *c)
{
	struct tims_err err;
	size_t left = 1, merged = 0, steps = 0;
	int64_t t0 = now_ms();

	char db[4300];

	tims_err_clear(&err);
	snprintf(db, sizeof(db), "%s/watchlists.db", c->store);
	if (access(db, F_OK) != 0)
		return;
	while (left && now_ms() - t0 < MERGE_ROUND_MS) {
		size_t n = 0;
		tims_rc rc;

		pthread_mutex_lock(&c->mu);
		rc = tims_wl_fp_merge_dir(c->store, TIMS_WL_FP_MERGE_STEP, &n, &left, &err);
		pthread_mutex_unlock(&c->mu);
		if (rc || !n)
			break;
		merged += n;
		steps++;
		pthread_mutex_lock(&c->st);
		n = (size_t)c->stop;
		pthread_mutex_unlock(&c->st);
		if (n)
			break;
	}
	if (err.msg[0])
		node_log(c->n, "watchlist fingerprint merge: %s", err.msg);
	else if (merged)
		node_log(c->n, "watchlist fingerprint merge: %zu changes folded in %zu steps "
			 "(%" PRId64 " ms), %zu left", merged, steps, now_ms() - t0, left);
}

static void *check_main(void *arg)
{
	struct node_wlcheck *c = arg;
	int64_t next_check = now_ms() + (int64_t)c->period_ms, next_local = 0;

	pthread_mutex_lock(&c->st);
	while (!c->stop) {
		struct timespec until;
		int64_t now = now_ms(), wake;
		int kicked = c->kick;

		c->kick = 0;
		pthread_mutex_unlock(&c->st);
		if (kicked || now >= next_check) {
			pthread_mutex_lock(&c->mu);
			check_now(c);
			pthread_mutex_unlock(&c->mu);
			next_check = now_ms() + (int64_t)c->period_ms;
		}
		queue_mismatches(c);
		if (now_ms() >= next_local) {
			report_local(c);
			merge_pending(c);
			next_local = now_ms() + LOCAL_SCAN_MS;
		}
		pthread_mutex_lock(&c->st);
		if (c->stop || c->kick)
			continue;
		wake = next_check < next_local ? next_check : next_local;
		if (c->nbad && wake > now_ms() + 1000)
			wake = now_ms() + 1000; /* its event, queued as soon as it can be */
		until.tv_sec = (time_t)(wake / 1000);
		until.tv_nsec = (long)(wake % 1000) * 1000000;
		pthread_cond_timedwait(&c->cv, &c->st, &until);
	}
	pthread_mutex_unlock(&c->st);
	return NULL;
}

tims_rc node_wlcheck_start(struct tims_node *n, struct tims_err *err)
{
	struct node_wlcheck *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;
	tims_rc rc;

	if (!c)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	c->n = n;
	if ((rc = load_config(c, err))) {
		free(c);
		return rc;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->st, NULL);
	pthread_condattr_init(&ca);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	n->wlcheck = c;
	/* At start, before the node serves: no check against an unchecked copy. */
	pthread_mutex_lock(&c->mu);
	check_now(c);
	pthread_mutex_unlock(&c->mu);
	if (pthread_create(&c->thread, NULL, check_main, c) != 0)
		return tims_err_set(err, TIMS_ERR_NOMEM, "watchlist check: cannot start a thread");
	c->running = 1;
	node_log(n, "watchlist check: every %" PRIu64 " ms, %" PRIu64 " centre lists checked at "
		 "start in %" PRIu64 " ms", c->period_ms, c->lists_checked, c->last_check_took_ms);
	return TIMS_OK;
}

void node_wlcheck_stop(struct tims_node *n)
{
	struct node_wlcheck *c = n->wlcheck;

	if (!c)
		return;
	pthread_mutex_lock(&c->st);
	c->stop = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->st);
	if (c->running)
		pthread_join(c->thread, NULL);
	c->running = 0;
}

void node_wlcheck_free(struct tims_node *n)
{
	struct node_wlcheck *c = n->wlcheck;

	if (!c)
		return;
	node_wlcheck_stop(n);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->st);
	free(c);
	n->wlcheck = NULL;
}

void node_wlcheck_lock(struct tims_node *n)
{
	if (n->wlcheck)
		pthread_mutex_lock(&n->wlcheck->mu);
}

void node_wlcheck_unlock(struct tims_node *n)
{
	if (n->wlcheck)
		pthread_mutex_unlock(&n->wlcheck->mu);
}

void node_wlcheck_kick(struct tims_node *n)
{
	struct node_wlcheck *c = n->wlcheck;

	if (!c)
		return;
	pthread_mutex_lock(&c->st);
	c->kick = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->st);
}

size_t node_wlcheck_repairs(struct tims_node *n, char lists[][TIMS_WL_LIST_NAME_MAX + 1],
			    size_t max)
{
	struct node_wlcheck *c = n->wlcheck;
	int64_t now = now_ms();
	size_t k = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->st);
	for (size_t i = 0; i < c->nbad && k < max; i++) {
		struct bad_list *b = &c->bad[i];

		if (now < b->next_repair_ms)
			continue;
		b->next_repair_ms = now + b->repair_wait_ms;
		b->repair_wait_ms = b->repair_wait_ms * 2 > REPAIR_MAX_MS ? REPAIR_MAX_MS
									  : b->repair_wait_ms * 2;
		if (strlen(b->list) <= TIMS_WL_LIST_NAME_MAX)
			memcpy(lists[k++], b->list, strlen(b->list) + 1);
	}
	pthread_mutex_unlock(&c->st);
	return k;
}

json_t *node_wlcheck_status(struct tims_node *n)
{
	struct node_wlcheck *c = n->wlcheck;
	json_t *o, *bad;

	if (!c)
		return json_null();
	bad = json_array();
	pthread_mutex_lock(&c->st);
	for (size_t i = 0; i < c->nbad; i++)
		json_array_append_new(bad, json_pack("{s:s, s:I, s:s, s:I}", "list", c->bad[i].list,
			"version", (json_int_t)c->bad[i].version, "reason", c->bad[i].reason,
			"since_ms", (json_int_t)c->bad[i].since_ms));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "period_ms", (json_int_t)c->period_ms,
		      "checked_ms", (json_int_t)c->last_check_ms,
		      "took_ms", (json_int_t)c->last_check_took_ms,
		      "checks", (json_int_t)c->checks, "lists", (json_int_t)c->lists_checked,
		      "mismatched", bad);
	if (o && c->last_error[0])
		json_object_set_new(o, "error", json_string(c->last_error));
	pthread_mutex_unlock(&c->st);
	return o ? o : json_null();
}
