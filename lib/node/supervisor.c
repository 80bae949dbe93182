/*
 * supervisor.c — what the post's supervisor and its wall display see of
 * the post today, from the post's own stores (no centre needed):
 *
 *   GET /api/v1/supervisor/summary   a supervisor's session: the sessions
 *        open now (officer, role, booth: staff, not travellers), the
 *        crossings and events of today, the watchlists' versions and
 *        ages, what waits for the centre. Audited ("supervisor.summary").
 *   GET /api/v1/wall                 the wall display's key (DIR/wall.key,
 *        made by `tims post wall-key`): counts only, no officer, no booth,
 *        no traveller. The key opens this route and nothing else: it is
 *        not a session (every other route asks for Authorization: Bearer
 *        and a session), it does not expire, and deleting DIR/wall.key
 *        (`tims post wall-key DIR --revoke`) refuses it at once.
 *
 * "Today" is the node's local day (its TZ), from midnight. Counted by
 * SQL over post.db's clear columns (time, direction, decision, link) and
 * the event queue's (time, kind): no record or event is opened. A
 * correction or second-line outcome counts as "linked", never as a second
 * crossing. Discreet hits are never counted here: they are not shown at
 * the post (docs/screening.md).
 */
#include <jansson.h>
#include <sodium.h>

#include "sync_int.h"
#include "tims/event.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define WALL_KEY_FILE "wall.key"
#define WALL_KEY_HEX 64          /* 32 random bytes, hex */
#define STALE_S (24 * 3600)      /* the booth console's warning threshold */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Local midnight of today and of tomorrow (a day of 23 or 25 hours when
 * the clocks change), and the date "YYYY-MM-DD". */
static int64_t day_start_ms(int64_t now_ms, char day[16], int64_t *end_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm, next;

	if (!localtime_r(&t, &tm)) {
		snprintf(day, 16, "?");
		*end_ms = now_ms - now_ms % 86400000 + 86400000;
		return now_ms - now_ms % 86400000;
	}
	strftime(day, 16, "%Y-%m-%d", &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	next = tm;
	next.tm_mday++;
	*end_ms = (int64_t)mktime(&next) * 1000;
	return (int64_t)mktime(&tm) * 1000;
}

struct sess_ctx {
	json_t *list;                       /* NULL: counts only */
	size_t open;
	char booths[64][32];
	size_t nbooths;
};

static tims_rc one_session(void *ctx, const char *officer, unsigned role, const char *booth,
			   int64_t created)
{
	struct sess_ctx *c = ctx;
	size_t i;

	c->open++;
	if (c->list && json_array_append_new(c->list, json_pack("{s:s, s:s, s:s, s:I}",
			"officer", officer, "role", tims_role_name(role), "booth", booth,
			"since_ms", (json_int_t)created * 1000)))
		return TIMS_ERR_NOMEM;
	if (!strcmp(booth, TIMS_CLI_BOOTH))
		return TIMS_OK;
	for (i = 0; i < c->nbooths; i++)
		if (!strcmp(c->booths[i], booth))
			return TIMS_OK;
	if (c->nbooths < 64)
		snprintf(c->booths[c->nbooths++], sizeof(c->booths[0]), "%s", booth);
	return TIMS_OK;
}

static json_t *crossings_json(uint64_t c[8][8], uint64_t linked)
{
	json_t *o = json_object();
	uint64_t total = 0;

	for (unsigned d = TIMS_DIR_ENTRY; d <= TIMS_DIR_EXIT; d++) {
		json_t *by = json_object();
		uint64_t sum = 0;

		for (unsigned k = TIMS_DECISION_ADMIT; k <= TIMS_DECISION_SECOND_LINE; k++) {
			json_object_set_new(by, tims_decision_name(k), json_integer((json_int_t)c[d][k]));
			sum += c[d][k];
		}
		json_object_set_new(by, "total", json_integer((json_int_t)sum));
		json_object_set_new(o, tims_direction_name(d), by);
		total += sum;
	}
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "linked", json_integer((json_int_t)linked));
	return o;
}

/* Every kind but the discreet hit, by its name; "hits": the hits shown at
 * the booth (hit, admit-with-hit). */
static json_t *events_json(const uint64_t e[TIMS_POST_EVENT_KINDS], json_int_t *hits)
{
	json_t *o = json_object();

	*hits = (json_int_t)(e[TIMS_EVENT_HIT] + e[TIMS_EVENT_ADMIT_WITH_HIT]);
	for (unsigned k = 1; k < TIMS_POST_EVENT_KINDS; k++) {
		const char *name = tims_event_kind_name(k);

		if (k == TIMS_EVENT_DISCREET_HIT || !name || !strcmp(name, "?"))
			continue;
		json_object_set_new(o, name, json_integer((json_int_t)e[k]));
	}
	return o;
}

/* n->lock held. */
static json_t *watchlists_json(struct tims_node *n, int64_t t, int *any_stale)
{
	struct tims_wl_list_info *lists = NULL;
	int64_t asked = n->sync && n->sync->enrolled ? atomic_load(&n->sync->bundles_asked_ms) : 0;
	int64_t checked = asked > 0 ? (t > asked ? t - asked : 0) / 1000 : -1;
	json_t *arr = json_array();
	size_t nl = 0;

	*any_stale = 0;
	pthread_rwlock_rdlock(&n->screen_rw);
	pthread_mutex_lock(&n->screen);
	if (!n->wl || tims_wl_lists(n->wl, &lists, &nl, NULL))
		nl = 0;
	pthread_mutex_unlock(&n->screen);
	pthread_rwlock_unlock(&n->screen_rw);
	for (size_t i = 0; i < nl; i++) {
		int centre = tims_bundle_is_centre_list(n->dir, lists[i].name);
		int64_t age = lists[i].updated_s > 0 ? t / 1000 - lists[i].updated_s : -1;
		/* a centre list: stale when the centre has not said for a day
		 * (or not since the node started) which version is current; a
		 * list of the post's own: when it has not changed for a day */
		int stale = centre ? checked < 0 || checked > STALE_S : age < 0 || age > STALE_S;

		*any_stale |= stale;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:b}",
			"list", lists[i].name, "kind", tims_wl_kind_name(lists[i].kind),
			"version", (json_int_t)lists[i].version, "active", (json_int_t)lists[i].active,
			"age_s", (json_int_t)age, "origin", centre ? "centre" : "local",
			"stale", stale));
	}
	free(lists);
	return json_pack("{s:o, s:I, s:b, s:b}", "lists", arr, "centre_checked_age_s",
			 (json_int_t)checked, "stale", *any_stale, "loaded", nl > 0);
}

/* n->lock held. */
static json_t *sync_json(struct tims_node *n, int64_t t)
{
	struct node_sync *s = n->sync;
	json_t *ev = node_events_status(n);
	uint64_t size = 0;
	int64_t window;
	json_t *o;

	tims_post_size(n->post, &size, NULL);
	if (!s || !s->enrolled) {
		o = json_pack("{s:b, s:s}", "enrolled", 0, "state", "not-enrolled");
	} else {
		window = (int64_t)s->interval_ms * 3 > ONLINE_MIN_MS ? (int64_t)s->interval_ms * 3
								      : ONLINE_MIN_MS;
		o = json_pack("{s:b, s:s, s:I, s:I, s:I}", "enrolled", 1,
			"state", s->online && t - s->last_ok_ms <= window ? "online"
				 : s->since_ms ? "offline" : "starting",
			"last_ok_ms", (json_int_t)s->last_ok_ms,
			"records_waiting", (json_int_t)(size > s->centre_size ? size - s->centre_size : 0),
			"audit_waiting", (json_int_t)(s->audit_size > s->audit_centre_size
						      ? s->audit_size - s->audit_centre_size : 0));
	}
	if (o)
		json_object_set_new(o, "events_waiting", json_integer(json_is_object(ev)
			? json_integer_value(json_object_get(ev, "pending")) : 0));
	json_decref(ev);
	return o ? o : json_null();
}

/* The summary; with_people: the sessions by officer and booth (the
 * supervisor's), else their counts only (the wall's). */
static tims_rc summary(struct tims_node *n, int with_people, json_t **out, struct tims_err *err)
{
	struct sess_ctx sc;
	uint64_t c[8][8], linked = 0, ev[TIMS_POST_EVENT_KINDS];
	int64_t t = wall_ms(), from, to;
	char day[16];
	json_int_t hits;
	json_t *o, *events, *wl;
	int stale;
	tims_rc rc;

	memset(&sc, 0, sizeof(sc));
	from = day_start_ms(t, day, &to);
	if ((rc = tims_post_count_period(n->post, from, to, c, &linked, err)) ||
	    (rc = node_events_count(n, from, to, ev, err)))
		return rc;
	if (with_people && !(sc.list = json_array()))
		return TIMS_ERR_NOMEM;
	pthread_mutex_lock(&n->lock);
	rc = tims_officer_sessions_open(n->officers, (time_t)(t / 1000), one_session, &sc, err);
	if (rc) {
		pthread_mutex_unlock(&n->lock);
		json_decref(sc.list);
		return rc;
	}
	wl = watchlists_json(n, t, &stale);
	events = events_json(ev, &hits);
	o = json_pack("{s:s, s:s, s:I, s:I, s:{s:I, s:I}, s:o, s:I, s:o, s:o, s:o}",
		"post", tims_post_origin(n->post), "day", day, "day_start_ms", (json_int_t)from,
		"as_of_ms", (json_int_t)t,
		"sessions", "open", (json_int_t)sc.open, "booths", (json_int_t)sc.nbooths,
		"crossings", crossings_json(c, linked), "hits", hits, "events", events,
		"watchlists", wl, "sync", sync_json(n, t));
	pthread_mutex_unlock(&n->lock);
	if (!o) {
		json_decref(sc.list);
		return TIMS_ERR_NOMEM;
	}
	if (with_people)
		json_object_set_new(json_object_get(o, "sessions"), "list", sc.list);
	*out = o;
	return TIMS_OK;
}

tims_rc node_h_supervisor_summary(void *app, struct tims_http_req *req,
				  struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_err err;
	json_t *o = NULL;
	tims_rc rc;

	if ((rc = summary(n, 1, &o, &err)))
		return tims_http_reply_error(resp, 503, "unavailable", "summary: %s",
					     tims_err_msg(&err));
	pthread_mutex_lock(&n->lock);
	rc = node_audit(n, req, "supervisor.summary", "supervision", -1, 200, NULL,
			json_pack("{s:I}", "sessions", (json_int_t)json_array_size(
				json_object_get(json_object_get(o, "sessions"), "list"))));
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		json_decref(o);
		return node_no_trace(resp, rc);
	}
	return tims_http_reply_json(resp, 200, o);
}

/* KEY (what followed "Authorization: Wall ") against DIR/wall.key (the
 * SHA-256 of the key, hex): 1 when it matches. Read at every request, so
 * a revoked key (the file deleted or replaced) is refused at once. */
static int wall_key_ok(struct tims_node *n, const char *key_hex)
{
	struct tims_buf b = TIMS_BUF_INIT(WALL_KEY_HEX + 2);
	uint8_t key[WALL_KEY_HEX / 2], want[crypto_hash_sha256_BYTES],
		got[crypto_hash_sha256_BYTES];
	char path[4200], hex[WALL_KEY_HEX + 1];
	int ok = 0;

	if (!key_hex || strlen(key_hex) != WALL_KEY_HEX ||
	    tims_hex_decode(key_hex, key, sizeof(key), "key", NULL))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", n->dir, WALL_KEY_FILE);
	if (!tims_read_file(path, b.max, &b, NULL) && b.len >= WALL_KEY_HEX) {
		memcpy(hex, b.buf, WALL_KEY_HEX);
		hex[WALL_KEY_HEX] = '\0';
		if (!tims_hex_decode(hex, want, sizeof(want), "wall.key", NULL)) {
			crypto_hash_sha256(got, key, sizeof(key));
			ok = sodium_memcmp(got, want, sizeof(got)) == 0;
		}
	}
	sodium_memzero(key, sizeof(key));
	tims_buf_release(&b);
	return ok;
}

/*
 * The server's check of a TIMS_ROUTE_WALL route (cfg.authenticate_wall),
 * before the handler. Throttled like a login, under an account no officer
 * can have ("wall:key", ids take no ':'): a source that fails too often
 * waits (429, Retry-After; counted in tims_wall_key_failures_total, not
 * audited, so that a flood cannot fill the audit trail), a wall display
 * that was let in lately is not held up by someone guessing elsewhere
 * (tims_officer_login_admit's trusted sources). A wrong or missing key is
 * audited ("wall.failed", with the source address) and answered 401; an
 * event that cannot be stored durably refuses the request (503).
 */
#define WALL_ACCOUNT "wall:key"
tims_rc node_wall_auth(void *app, struct tims_http_req *req, const char *key,
		       unsigned *retry_after)
{
	struct tims_node *n = app;
	time_t now = time(NULL);
	int ok;
	tims_rc rc;

	snprintf(req->who.id, sizeof(req->who.id), "wall");
	req->who.role = 0;
	if (tims_officer_login_admit(n->officers, WALL_ACCOUNT, req->addr, now, retry_after)) {
		tims_metric_add(n->m_wall_failures, 1);
		return TIMS_ERR_DENIED;
	}
	ok = wall_key_ok(n, key);
	tims_officer_login_result(n->officers, WALL_ACCOUNT, req->addr, ok, now);
	if (ok)
		return TIMS_OK;
	tims_metric_add(n->m_wall_failures, 1);
	pthread_mutex_lock(&n->lock);
	rc = node_audit(n, req, "wall.failed", "", -1, 401, NULL,
			json_pack("{s:s}", "reason", !key ? "no wall key presented"
					   : strlen(key) != WALL_KEY_HEX ? "not a wall key (64 hex digits)"
					   : "not this post's wall key (revoked, or never issued)"));
	pthread_mutex_unlock(&n->lock);
	return rc ? rc : TIMS_ERR_AUTH;
}

/* GET /api/v1/wall: the server has checked the wall key (node_wall_auth). */
tims_rc node_h_wall(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_err err;
	json_t *o = NULL;
	tims_rc rc;

	(void)req;
	if ((rc = summary(n, 0, &o, &err)))
		return tims_http_reply_error(resp, 503, "unavailable", "wall: %s",
					     tims_err_msg(&err));
	return tims_http_reply_json(resp, 200, o);
}

tims_rc tims_node_wall_key(const char *dir, int revoke, char key_hex[WALL_KEY_HEX + 1],
			   struct tims_err *err)
{
	uint8_t key[WALL_KEY_HEX / 2], h[crypto_hash_sha256_BYTES];
	char path[4200], line[WALL_KEY_HEX + 2];
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/%s", dir, WALL_KEY_FILE);
	key_hex[0] = '\0';
	if (revoke) {
		if (unlink(path) && errno != ENOENT)
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		return tims_fsync_dir_of(path, err);
	}
	randombytes_buf(key, sizeof(key));
	crypto_hash_sha256(h, key, sizeof(key));
	sodium_bin2hex(key_hex, WALL_KEY_HEX + 1, key, sizeof(key));
	sodium_bin2hex(line, sizeof(line), h, sizeof(h));
	line[WALL_KEY_HEX] = '\n';
	rc = tims_write_file(path, line, WALL_KEY_HEX + 1, 0600, 1, err);
	sodium_memzero(key, sizeof(key));
	if (rc)
		sodium_memzero(key_hex, WALL_KEY_HEX + 1);
	return rc;
}
