/*
 * sync.c — the post's side of the network (docs/sync.md): a thread that
 * pushes the post's log to the centre, a thread that asks the configured
 * witnesses to cosign, and the two peer routes the centre uses to pull a
 * post's log back when it rebuilds.
 *
 * The post never waits for the network: registrations go to post.db and
 * are acknowledged there; these threads only read the log (each through
 * its own connection) and keep cosignatures. Every round (a second by
 * default) the centre thread asks the centre what it holds and pushes only
 * when something changed: records the centre lacks, or a checkpoint it has
 * not adopted and cosigned. An idle post therefore costs the centre one
 * read a round and no write. The witnesses have their own thread, so a
 * witness that is down or stalled never holds back the push to the
 * centre, and each witness request has a time limit.
 *
 * What the status route shows comes from what the centre and the
 * witnesses answered: the lag is the post's log size now minus the size
 * the centre last confirmed holding, and the centre shows online only
 * while it keeps answering (a request that hangs turns it offline after
 * a few rounds' silence, with the reason).
 *
 * Files (in the post directory, written by `tims post enrol`):
 *   centre/enrolment.conf   name, origin, centre, url
 *   centre/ca.crt           the centre's CA
 *   centre/client.crt/.key  this post's client certificate
 *   centre/cosign.vkey      the centre's cosigner key
 *   witnesses.conf          one line per witness: URL CA_FILE VKEY_FILE
 *   sync.conf               optional: interval_ms, centre_timeout_ms,
 *                           witness_timeout_ms ("key = value" lines)
 */
#include <sodium.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <time.h>

#include "tims/bundle.h"
#include "tims/conf.h"
#include "tims/keyroll.h"
#include "tims/event.h"
#include "tims/mlog.h"
#include "tims/national.h"
#include "tims/revocation.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "tims/witness.h"
#include "internal.h"

#include "sync_int.h"
#include "tims/peers.h"


/* DIR/sync.conf, if there is one: the round and the time limits. */
static tims_rc load_tuning(struct node_sync *s, struct tims_err *err)
{
	static const struct {
		const char *key;
		size_t off;
		uint64_t min, max;
	} keys[] = {
		{ "interval_ms", offsetof(struct node_sync, interval_ms), 10, 3600000 },
		{ "centre_timeout_ms", offsetof(struct node_sync, centre_timeout_ms), 1000, 600000 },
		{ "witness_timeout_ms", offsetof(struct node_sync, witness_timeout_ms), 100, 600000 },
		{ "revocations_ms", offsetof(struct node_sync, revocations_ms), 100, 3600000 },
	};
	struct tims_buf b = TIMS_BUF_INIT(4096);
	char path[4200], v[32], what[4300];
	tims_rc rc = TIMS_OK;

	s->interval_ms = INTERVAL_MS;
	s->centre_timeout_ms = CENTRE_TIMEOUT_MS;
	s->witness_timeout_ms = WITNESS_TIMEOUT_MS;
	s->revocations_ms = 60000;
	snprintf(path, sizeof(path), "%s/sync.conf", s->n->dir);
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if ((rc = tims_read_file(path, 4096, &b, err)))
		return rc;
	for (size_t i = 0; !rc && i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint64_t *dst = (uint64_t *)((char *)s + keys[i].off);

		if (!tims_conf_line_value(tims_buf_str(&b), keys[i].key, v, sizeof(v)))
			continue;
		snprintf(what, sizeof(what), "%s: %s", path, keys[i].key);
		if (!(rc = tims_parse_u64(v, keys[i].max, dst, what, err)) &&
		    *dst < keys[i].min)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: at least %" PRIu64, what,
					  keys[i].min);
	}
	tims_buf_release(&b);
	return rc;
}

/* The witness's cosignature did not verify with its key: follow its key
 * announcements (tims_witness_follow), keep the step, log it and tell the
 * centre. 1 when the key changed. */
static int witness_follow(struct node_sync *s, struct witness_conf *w)
{
	struct tims_buf line = TIMS_BUF_INIT(2048);
	struct tims_verifier next;
	struct tims_err err;
	char path[4200];
	int ok;

	if (tims_witness_follow(w->url, w->ca, (long)s->witness_timeout_ms, &w->key, &next, NULL, 0,
				&err))
		return 0;
	snprintf(path, sizeof(path), "%s/witnesses.follow", s->n->dir);
	ok = !tims_verifier_format(&w->key, &line) && !tims_buf_addch(&line, ' ') &&
	     !tims_verifier_format(&next, &line) && !tims_buf_addch(&line, '\n');
	if (ok) {
		struct tims_buf all = TIMS_BUF_INIT(65536);

		if (access(path, F_OK) == 0)
			tims_read_file(path, 65535, &all, NULL);
		ok = !tims_buf_add(&all, line.buf, line.len) &&
		     !tims_write_file(path, all.buf, all.len, 0600, 1, &err);
		tims_buf_release(&all);
	}
	tims_buf_release(&line);
	if (!ok)
		return 0;
	node_log(s->n, "witness %s: its key was handed over to %s+%08" PRIx32
		 " under its old key: followed", w->key.name, next.name, next.keyhash);
	{
		struct tims_event ev;

		tims_event_init(&ev);
		ev.kind = TIMS_EVENT_KEY_ROTATED;
		snprintf(ev.detail, sizeof(ev.detail), "witness %.100s: key followed to %.100s+%08"
			 PRIx32, w->key.name, next.name, next.keyhash);
		node_event(s->n, &ev, NULL);
	}
	pthread_mutex_lock(&s->n->lock);
	w->key = next;
	pthread_mutex_unlock(&s->n->lock);
	return 1;
}

/* DIR/witnesses.conf (tims/peers.h), each key followed through its
 * hand-overs; the audit log's checkpoints go to the same witnesses. */
static tims_rc load_witnesses(struct node_sync *s, struct tims_err *err)
{
	struct tims_peer_witness w[SYNC_MAX_WITNESSES];
	size_t n = 0;
	tims_rc rc;

	if ((rc = tims_peers_witnesses(s->n->dir, w, SYNC_MAX_WITNESSES, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct witness_conf *wc = &s->w[s->nw++];

		memcpy(wc->url, w[i].url, sizeof(wc->url));
		memcpy(wc->ca, w[i].ca, sizeof(wc->ca));
		wc->key = w[i].key;
		snprintf(wc->acosigner, sizeof(wc->acosigner), "audit:%s", w[i].key.name);
	}
	return TIMS_OK;
}

/* The centre's cosigner and bundle keys as the post accepts them now. */
static tims_rc load_centre_keys(struct node_sync *s, struct tims_err *err)
{
	char cdir[4200], path[4300];
	int64_t now = (int64_t)time(NULL);
	tims_rc rc;

	snprintf(cdir, sizeof(cdir), "%s/centre", s->n->dir);
	if ((rc = tims_keyroll_keys(cdir, "cosigner", now, s->centre_keys, &s->ncentre_keys, err)))
		return rc;
	s->centre_key = s->centre_keys[0];
	snprintf(path, sizeof(path), "%s/bundle.vkey", cdir);
	if (access(path, F_OK) == 0) {
		if ((rc = tims_keyroll_keys(cdir, "bundle", now, s->bundle_keys, &s->nbundle_keys,
					    err)))
			return rc;
		s->bundle_key = s->bundle_keys[0];
		s->has_bundle_key = 1;
	}
	return TIMS_OK;
}

/*
 * The centre's key announcements (GET /api/v1/sync/keys): each one that
 * hands a key this post pins over to its successor, signed by both, is
 * followed (tims_keyroll_apply); then the keys are read again, also so
 * that an overlap that ended drops the old key. At the first contact and
 * every minute.
 */
static void pull_keys(struct node_sync *s, const struct tims_sync_peer *peer)
{
	struct tims_buf ans = TIMS_BUF_INIT(ANSWER_MAX);
	char cdir[4200];
	struct tims_err err;
	json_t *j = NULL, *arr;
	long status;

	if (s->keys_fetched_ms && now_ms() - s->keys_fetched_ms < 60000)
		return;
	s->keys_fetched_ms = now_ms();
	snprintf(cdir, sizeof(cdir), "%s/centre", s->n->dir);
	if (tims_sync_conn_http(s->conn, peer, "GET", "/api/v1/sync/keys", NULL, 0, NULL,
				ANSWER_MAX, &ans, &status, &err) || status != 200)
		goto reload; /* a centre without the route: nothing announced */
	j = json_loadb(ans.buf ? ans.buf : "", ans.len, JSON_REJECT_DUPLICATES, NULL);
	arr = json_object_get(j, "announcements");
	for (size_t i = 0; i < json_array_size(arr) && i < 256; i++) {
		const char *note = json_string_value(json_array_get(arr, i));
		int applied = 0;

		if (!note)
			continue;
		if (tims_keyroll_apply(cdir, s->centre, note, json_string_length(json_array_get(arr, i)),
				       &applied, &err)) {
			/* an older one (its old key replaced already) is expected */
			if (err.rc != TIMS_ERR_SIGNATURE || !strstr(err.msg, "not the one this post"))
				node_logl(s->n, TIMS_LOG_WARNING, "centre: key announcement %zu refused: %s", i + 1,
					 err.msg);
		} else if (applied) {
			struct tims_event ev;

			node_log(s->n, "centre: key announcement %zu followed: a new centre key", i + 1);
			tims_event_init(&ev);
			ev.kind = TIMS_EVENT_KEY_ROTATED;
			snprintf(ev.detail, sizeof(ev.detail), "followed the centre's key "
				 "announcement %zu", i + 1);
			node_event(s->n, &ev, NULL);
		}
	}
reload:
	if (load_centre_keys(s, &err))
		node_log(s->n, "centre keys: %s", err.msg);
	json_decref(j);
	tims_buf_release(&ans);
}

static tims_rc load_enrolment(struct node_sync *s, struct tims_err *err)
{
	struct tims_peer_centre c;
	tims_rc rc;

	if ((rc = tims_peers_centre(s->n->dir, &c, err)))
		return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
	memcpy(s->url, c.url, sizeof(s->url));
	snprintf(s->centre, sizeof(s->centre), "%s", c.centre);
	if (snprintf(s->name, sizeof(s->name), "%s", c.name) >= (int)sizeof(s->name))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s/centre/enrolment.conf: name: too long",
				    s->n->dir);
	memcpy(s->ca, c.ca, sizeof(s->ca));
	memcpy(s->cert, c.cert, sizeof(s->cert));
	memcpy(s->key, c.key, sizeof(s->key));
	if ((rc = load_centre_keys(s, err)))
		return rc;
	/* the centre's cosignatures of the audit log, kept apart from the
	 * crossing log's (a rebuild compares those with the crossings) */
	snprintf(s->audit_cosigner, sizeof(s->audit_cosigner), "audit:%s", s->centre);
	s->enrolled = 1;
	return TIMS_OK;
}

/* The impostor alert as an event for the centre (tims/event.h): queued in
 * post.db, delivered when the enrolled centre answers again. */
static void impostor_event(struct node_sync *s, const char *why)
{
	struct tims_event *ev = malloc(sizeof(*ev));
	struct tims_err err;

	if (!ev) {
		node_log(s->n, "events: impostor: out of memory");
		return;
	}
	tims_event_init(ev);
	ev->kind = TIMS_EVENT_IMPOSTOR;
	snprintf(ev->officer, sizeof(ev->officer), "sync");
	snprintf(ev->detail, sizeof(ev->detail), "the centre's address %.300s answered with "
		 "a certificate that is not the centre's; nothing was sent to it: %.600s",
		 s->url, why);
	for (char *c = ev->detail; *c; c++) /* a TLS library's words: one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	if (node_event(s->n, ev, &err))
		node_log(s->n, "events: impostor: %s", tims_err_msg(&err));
	free(ev);
}

/*
 * Whoever answered on the centre's address is not the centre enrolled
 * (docs/sync.md, "Identity"): nothing was sent to it. An alert, not
 * merely "offline": in the status until the real centre answers again, in
 * the process log, and once per episode in the post's audit log.
 */
static void identity_alert(struct node_sync *s, const char *why)
{
	struct tims_audit_event ev;
	struct tims_err err;
	uint64_t index;
	char *q = NULL, *r = NULL;

	pthread_mutex_lock(&s->n->lock);
	if (!s->alert[0]) {
		json_t *jq = json_pack("{s:s}", "url", s->url), *jr = json_pack("{s:s}", "refused", why);

		q = jq ? json_dumps(jq, JSON_COMPACT) : NULL;
		r = jr ? json_dumps(jr, JSON_COMPACT) : NULL;
		json_decref(jq);
		json_decref(jr);
		s->alert_since_ms = now_ms();
		memset(&ev, 0, sizeof(ev));
		snprintf(ev.actor, sizeof(ev.actor), "sync");
		snprintf(ev.role, sizeof(ev.role), "peer");
		snprintf(ev.booth, sizeof(ev.booth), "-");
		snprintf(ev.addr, sizeof(ev.addr), "-");
		snprintf(ev.action, sizeof(ev.action), "identity.alert");
		snprintf(ev.purpose, sizeof(ev.purpose), "the centre's address answered "
			 "with a certificate that is not the centre's");
		ev.crossing = -1;
		ev.status = 403;
		ev.query = q;
		ev.query_len = q ? strlen(q) : 0;
		ev.result = r;
		ev.result_len = r ? strlen(r) : 0;
		if (tims_audit_append(s->n->audit, &ev, &index, &err))
			node_logl(s->n, TIMS_LOG_WARNING, "audit: %s", tims_err_msg(&err));
		free(q);
		free(r);
		impostor_event(s, why); /* to the centre, once it answers (events.c) */
	}
	if (strcmp(s->alert, why) != 0)
		node_logl(s->n, TIMS_LOG_ERR, "ALERT identity: centre %s refused, nothing sent: %s", s->url, why);
	snprintf(s->alert, sizeof(s->alert), "%s", why);
	pthread_mutex_unlock(&s->n->lock);
}

static void set_state(struct node_sync *s, int ok, const char *error)
{
	int64_t t = now_ms();

	pthread_mutex_lock(&s->n->lock);
	if (ok && s->alert[0]) {
		node_log(s->n, "identity: the enrolled centre answers again (alert since %"
			 PRId64 " ended)", s->alert_since_ms);
		s->alert[0] = '\0';
	}
	if (ok != s->online || !s->since_ms) {
		s->since_ms = t;
		node_logl(s->n, ok ? TIMS_LOG_NOTICE : TIMS_LOG_WARNING, "centre %s: %s", s->url,
			  ok ? "online" : error);
	}
	s->online = ok;
	if (ok) {
		s->last_ok_ms = t;
		s->last_error[0] = '\0';
	} else {
		snprintf(s->last_error, sizeof(s->last_error), "%s", error);
	}
	pthread_mutex_unlock(&s->n->lock);
}

/* The centre answered: what it confirmed holding. */
static void confirmed(struct node_sync *s, uint64_t size, const uint64_t *signed_size)
{
	pthread_mutex_lock(&s->n->lock);
	s->known = 1;
	s->centre_size = size;
	if (signed_size)
		s->centre_signed = *signed_size;
	s->last_ok_ms = now_ms();
	pthread_mutex_unlock(&s->n->lock);
}

/* The checkpoint note with one more signature line appended. */
static tims_rc with_line(const char *note, size_t len, const char *line,
			 struct tims_buf *out)
{
	tims_rc rc = tims_buf_add(out, note, len);

	if (!rc)
		rc = tims_buf_addstr(out, line);
	if (!rc && (out->len == 0 || out->buf[out->len - 1] != '\n'))
		rc = tims_buf_addch(out, '\n');
	return rc;
}

/* Keep the centre's cosignature of the checkpoint `note` if it verifies
 * with the centre key from the enrolment. */
static void keep_centre_cosig(struct node_sync *s, const struct tims_buf *note,
			      uint64_t size, const char *cos)
{
	struct tims_buf full = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_note *vn = malloc(sizeof(*vn));

	if (vn && !with_line(note->buf, note->len, cos, &full) &&
	    !tims_note_verify(full.buf, full.len, s->centre_keys, s->ncentre_keys, vn, NULL) &&
	    (vn->verified_mask & 3))
		tims_post_keep_cosigned(s->post, s->centre, size, full.buf, full.len, NULL);
	else
		node_logl(s->n, TIMS_LOG_WARNING, "centre: a cosignature of size %" PRIu64 " that does not verify",
			 size);
	free(vn);
	tims_buf_release(&full);
}

/*
 * One round with the centre: ask what it holds, then push only what it
 * lacks — records past its size, or the latest checkpoint if it has not
 * adopted it or this post holds no cosignature of it yet (asked once per
 * checkpoint a process). Nothing changed: no push, nothing to cosign.
 */
static tims_rc centre_round(struct node_sync *s, struct tims_err *err)
{
	struct tims_sync_peer peer = { s->url, s->ca, s->cert, s->key,
				       (long)((s->centre_timeout_ms + 999) / 1000), s->policy };
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf body = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	struct tims_buf ans = TIMS_BUF_INIT(ANSWER_MAX);
	struct tims_sync_batch b;
	struct tims_checkpoint cp;
	json_t *j = NULL;
	uint64_t at, signed_size = 0, cosigned = 0;
	long status;
	tims_rc rc;

	tims_sync_batch_init(&b);
	if ((rc = tims_post_latest_checkpoint(s->post, &note, &cp, err)))
		goto out;
	if ((rc = tims_sync_conn_http(s->conn, &peer, "GET", "/api/v1/sync/state", NULL, 0, NULL,
				 ANSWER_MAX, &ans, &status, err)))
		goto out;
	j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
	if (status != 200 || !json_is_integer(json_object_get(j, "size")) ||
	    json_integer_value(json_object_get(j, "size")) < 0) {
		rc = tims_err_set(err, TIMS_ERR_NET, "centre: state answered %ld %s", status,
				  jstr(j, "message"));
		goto out;
	}
	pull_keys(s, &peer); /* before a cosignature of a new key is checked */
	at = (uint64_t)json_integer_value(json_object_get(j, "size"));
	if (json_integer_value(json_object_get(j, "signed_size")) > 0)
		signed_size = (uint64_t)json_integer_value(json_object_get(j, "signed_size"));
	{
		/* The centre answers each push after its mirror's commit: one
		 * that now holds less than it confirmed lost what it had
		 * acknowledged (a restore, or a power cut without its fsync).
		 * Nothing is lost here: the post keeps its log and sends the
		 * records again from what the centre holds; it is said. */
		uint64_t before;
		int known;

		pthread_mutex_lock(&s->n->lock);
		before = s->centre_size;
		known = s->known;
		pthread_mutex_unlock(&s->n->lock);
		if (known && at < before)
			node_logl(s->n, TIMS_LOG_WARNING, "centre: it holds %" PRIu64 " records of this "
				  "post, it confirmed %" PRIu64 " before (the centre lost records it had "
				  "acknowledged: restored from a backup, or a power cut without its "
				  "fsync); sending them again", at, before);
	}
	confirmed(s, at, &signed_size);
	if (at > cp.size) {
		/*
		 * Show the centre the tail of what this post holds, so that the
		 * divergence is recorded there too (a fork or proof refusal in
		 * its event log); nothing is adopted from a smaller tree.
		 */
		uint64_t from = cp.size > 64 ? cp.size - 64 : 0;

		if (s->rollback_shown != cp.size + 1) {
			s->rollback_shown = cp.size + 1;
			struct tims_err e = { 0 };

			if (!tims_sync_batch_from_post(&b, s->post, from, cp.size - from,
						       note.buf, note.len, &e) &&
			    !tims_sync_batch_encode(&b, &body, &e) &&
			    !tims_sync_conn_http(s->conn, &peer, "POST", "/api/v1/sync/push", body.buf,
					    body.len, NULL, ANSWER_MAX, &ans, &status, &e))
				node_log(s->n, "centre: shown the rolled-back tail, it answered %ld: %.200s",
					 status, ans.buf ? tims_buf_str(&ans) : "");
			else
				node_log(s->n, "centre: could not show the rolled-back tail: %s", e.msg);
		}
		rc = tims_err_set(err, TIMS_ERR_TAMPER,
				  "the centre holds %" PRIu64 " records of this post, the post "
				  "has signed %" PRIu64 ": this post was rolled back (tims post restore)",
				  at, cp.size);
		node_halt(s->n, err->msg, at);
		goto out;
	}
	if (at == cp.size && signed_size >= cp.size &&
	    (s->cosign_asked == cp.size ||
	     (!tims_post_cosigned(s->post, s->centre, &cosigned, NULL, NULL) &&
	      cosigned >= cp.size)))
		goto out; /* nothing changed since the centre last confirmed */
	for (int rounds = 0; rounds < 256; rounds++) {
		uint64_t count = cp.size - at > TIMS_SYNC_MAX_BATCH ? TIMS_SYNC_MAX_BATCH
								    : cp.size - at;
		const char *cos;

		if ((rc = tims_sync_batch_from_post(&b, s->post, at, count, note.buf, note.len,
						     err)))
			goto out;
		tims_buf_reset(&body);
		if ((rc = tims_sync_batch_encode(&b, &body, err)) ||
		    (rc = tims_sync_conn_http(s->conn, &peer, "POST", "/api/v1/sync/push", body.buf, body.len,
					 NULL, ANSWER_MAX, &ans, &status, err)))
			goto out;
		pthread_mutex_lock(&s->n->lock);
		s->pushes++;
		pthread_mutex_unlock(&s->n->lock);
		json_decref(j);
		j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
		if (status == 409 && json_is_integer(json_object_get(j, "size")) &&
		    json_integer_value(json_object_get(j, "size")) >= 0 &&
		    !strcmp(jstr(j, "error"), "gap")) {
			at = (uint64_t)json_integer_value(json_object_get(j, "size"));
			confirmed(s, at, NULL);
			continue;
		}
		if (status != 200 || !json_is_integer(json_object_get(j, "size")) ||
		    json_integer_value(json_object_get(j, "size")) < 0) {
			rc = tims_err_set(err, status == 409 ? TIMS_ERR_TAMPER : TIMS_ERR_NET,
					  "centre refused the push (%ld): %s", status,
					  jstr(j, "message"));
			if (status == 409) /* a fork: this post's log is not the one it published */
				node_halt(s->n, err->msg, at);
			goto out;
		}
		at = (uint64_t)json_integer_value(json_object_get(j, "size"));
		confirmed(s, at, NULL);
		cos = json_string_value(json_object_get(j, "cosignature"));
		if (json_is_true(json_object_get(j, "complete"))) {
			pthread_mutex_lock(&s->n->lock);
			s->centre_signed = cp.size;
			pthread_mutex_unlock(&s->n->lock);
			/* Asked once: a cosignature that does not verify is
			 * logged, not asked for again every round. */
			s->cosign_asked = cp.size;
			if (cos)
				keep_centre_cosig(s, &note, cp.size, cos);
		}
		if (at >= cp.size)
			break;
	}
out:
	json_decref(j);
	tims_sync_batch_release(&b);
	tims_buf_release(&note);
	tims_buf_release(&body);
	tims_buf_release(&ans);
	return rc;
}
/* ---- the audit log goes to the centre too (docs/audit.md) ---------------- */

static void audit_status(struct node_sync *s, uint64_t size, const uint64_t *centre,
			 const uint64_t *centre_signed, const char *error)
{
	pthread_mutex_lock(&s->n->lock);
	s->audit_size = size;
	if (centre)
		s->audit_centre_size = *centre;
	if (centre_signed)
		s->audit_centre_signed = *centre_signed;
	if (error)
		snprintf(s->audit_error, sizeof(s->audit_error), "%s", error);
	pthread_mutex_unlock(&s->n->lock);
}

/*
 * Encode an audit batch from `at` that fits one request: events are up to
 * TIMS_AUDIT_MAX_BYTES each, so fewer than TIMS_SYNC_MAX_BATCH may fit.
 */
static tims_rc audit_batch(struct node_sync *s, uint64_t at, uint64_t size,
			   const struct tims_buf *note, struct tims_sync_batch *b,
			   struct tims_buf *body, struct tims_err *err)
{
	uint64_t count = size - at > 256 ? 256 : size - at;
	tims_rc rc;

	for (;;) {
		tims_buf_reset(body);
		if ((rc = tims_sync_batch_from_audit(b, s->audit, at, count, note->buf, note->len,
						     err)))
			return rc;
		rc = tims_sync_batch_encode(b, body, err);
		if (rc != TIMS_ERR_TOOBIG && rc != TIMS_ERR_NOMEM)
			return rc;
		if (count <= 1)
			return rc;
		count /= 2;
	}
}

/*
 * After the crossings: ask what the centre holds of this post's audit log
 * and push what it lacks, as centre_round does. A centre that holds more
 * than this post has signed (the audit log was deleted, reset or restored
 * from an old copy) is shown the tail it would refuse, so that the centre
 * opens its alert within the round; the status says so.
 */
static void audit_round(struct node_sync *s, const struct tims_sync_peer *peer)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf body = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	struct tims_buf ans = TIMS_BUF_INIT(ANSWER_MAX);
	struct tims_sync_batch b;
	struct tims_checkpoint cp;
	struct tims_err err = { 0 };
	json_t *j = NULL;
	uint64_t at, signed_size = 0, cosigned = 0;
	long status;
	tims_rc rc;

	tims_sync_batch_init_leaf(&b, TIMS_SYNC_AUDIT);
	if (!s->audit && tims_audit_open(s->n->dir, TIMS_AUDIT_READ, &s->audit, &err)) {
		audit_status(s, 0, NULL, NULL, tims_err_msg(&err));
		goto out;
	}
	if ((rc = tims_audit_latest_checkpoint(s->audit, &note, &cp, &err)))
		goto fail;
	if ((rc = tims_sync_conn_http(s->conn, peer, "GET", "/api/v1/sync/audit-state", NULL, 0,
				      NULL, ANSWER_MAX, &ans, &status, &err)))
		goto fail;
	j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
	if (status != 200 || !json_is_integer(json_object_get(j, "size")) ||
	    json_integer_value(json_object_get(j, "size")) < 0) {
		tims_err_set(&err, TIMS_ERR_NET, "centre: audit-state answered %ld %s", status,
			     jstr(j, "message"));
		goto fail;
	}
	at = (uint64_t)json_integer_value(json_object_get(j, "size"));
	if (json_integer_value(json_object_get(j, "signed_size")) > 0)
		signed_size = (uint64_t)json_integer_value(json_object_get(j, "signed_size"));
	if (at > cp.size || signed_size > cp.size) {
		char why[TIMS_ERR_MSG_BYTES];

		snprintf(why, sizeof(why), "the centre holds %" PRIu64 " events of this post's "
			 "audit log, the post has signed %" PRIu64 ": the audit log was deleted, "
			 "reset or rolled back (docs/audit.md, tims audit reset)",
			 at > signed_size ? at : signed_size, cp.size);
		/* shown once, then again at most every minute while it lasts */
		if (!s->audit_shown_ms || now_ms() - s->audit_shown_ms >= 60000) {
			uint64_t from = cp.size > 64 ? cp.size - 64 : 0;

			s->audit_shown_ms = now_ms();
			node_logl(s->n, TIMS_LOG_WARNING, "audit: %s", why);
			if (!audit_batch(s, from, cp.size, &note, &b, &body, &err) &&
			    !tims_sync_conn_http(s->conn, peer, "POST", "/api/v1/sync/audit-push",
						 body.buf, body.len, NULL, ANSWER_MAX, &ans, &status,
						 &err))
				node_logl(s->n, TIMS_LOG_WARNING, "audit: the centre was shown this audit log, it "
					 "answered %ld: %.200s", status, ans.buf ? tims_buf_str(&ans) : "");
		}
		audit_status(s, cp.size, &at, &signed_size, why);
		goto out;
	}
	audit_status(s, cp.size, &at, &signed_size, NULL);
	if (at == cp.size && signed_size >= cp.size &&
	    (s->audit_cosign_asked == cp.size ||
	     (!tims_post_cosigned(s->post, s->audit_cosigner, &cosigned, NULL, NULL) &&
	      cosigned >= cp.size)))
		goto done;
	for (int rounds = 0; rounds < 64 && at < cp.size + 1; rounds++) {
		const char *cos;

		if ((rc = audit_batch(s, at > cp.size ? cp.size : at, cp.size, &note, &b, &body,
				      &err)) ||
		    (rc = tims_sync_conn_http(s->conn, peer, "POST", "/api/v1/sync/audit-push",
					      body.buf, body.len, NULL, ANSWER_MAX, &ans, &status,
					      &err)))
			goto fail;
		pthread_mutex_lock(&s->n->lock);
		s->audit_pushes++;
		pthread_mutex_unlock(&s->n->lock);
		json_decref(j);
		j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
		if (status == 409 && !strcmp(jstr(j, "error"), "gap") &&
		    json_integer_value(json_object_get(j, "size")) >= 0 &&
		    (uint64_t)json_integer_value(json_object_get(j, "size")) < at) {
			at = (uint64_t)json_integer_value(json_object_get(j, "size"));
			continue;
		}
		if (status != 200 || !json_is_integer(json_object_get(j, "size"))) {
			tims_err_set(&err, TIMS_ERR_TAMPER, "the centre refused this post's audit "
				     "log (%ld): %s", status, jstr(j, "message"));
			if (s->audit_shown != cp.size + 1) {
				s->audit_shown = cp.size + 1;
				node_logl(s->n, TIMS_LOG_WARNING, "audit: %s", err.msg);
			}
			goto fail;
		}
		at = (uint64_t)json_integer_value(json_object_get(j, "size"));
		audit_status(s, cp.size, &at, NULL, NULL);
		cos = json_string_value(json_object_get(j, "cosignature"));
		if (json_is_true(json_object_get(j, "complete"))) {
			struct tims_buf full = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
			struct tims_note *vn = malloc(sizeof(*vn));

			signed_size = cp.size;
			audit_status(s, cp.size, NULL, &signed_size, NULL);
			s->audit_cosign_asked = cp.size;
			if (cos && vn && !with_line(note.buf, note.len, cos, &full) &&
			    !tims_note_verify(full.buf, full.len, s->centre_keys, s->ncentre_keys,
					      vn, NULL) &&
			    (vn->verified_mask & 3))
				tims_post_keep_cosigned(s->post, s->audit_cosigner, cp.size, full.buf,
							full.len, NULL);
			else if (cos)
				node_logl(s->n, TIMS_LOG_WARNING, "centre: an audit cosignature of size %" PRIu64
					 " that does not verify", cp.size);
			free(vn);
			tims_buf_release(&full);
		}
		if (at >= cp.size)
			break;
	}
done:
	pthread_mutex_lock(&s->n->lock);
	s->audit_error[0] = '\0';
	pthread_mutex_unlock(&s->n->lock);
	goto out;
fail:
	audit_status(s, cp.size, NULL, NULL, tims_err_msg(&err));
out:
	json_decref(j);
	tims_sync_batch_release(&b);
	tims_buf_release(&note);
	tims_buf_release(&body);
	tims_buf_release(&ans);
}

/* ---- the threads --------------------------------------------------------- */

static int sync_stopping(void *ctx)
{
	struct node_sync *s = ctx;

	return atomic_load(&s->stop);
}

/* Wait one round or until the node stops; n->lock held. 1: stopping. */
static int wait_round(struct node_sync *s)
{
	struct timespec until;

	if (s->n->stopping)
		return 1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(s->interval_ms / 1000);
	until.tv_nsec += (long)(s->interval_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->n->wake, &s->n->lock, &until);
	return s->n->stopping;
}

/*
 * The log's key hand-overs the witness has not seen (of a size at least
 * the one it cosigned, `have`), in order, before a checkpoint signed by
 * the new key: the witness learns the new key from the old one's
 * signature on the hand-over (docs/keys.md). *have follows.
 */
static tims_rc witness_handovers(struct node_sync *s, struct witness_conf *w,
				 const struct tims_mlog *log, const struct tims_tlog_reader *r,
				 uint64_t *have, uint64_t upto, struct tims_err *err)
{
	struct tims_witness_call call = { (long)s->witness_timeout_ms, sync_stopping, s };

	for (size_t i = 0; i < tims_mlog_handover_count(log); i++) {
		struct tims_buf cos = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		uint64_t size, wsize = 0;
		const char *note;
		tims_rc rc;

		tims_mlog_handover_get(log, i, &note, &size);
		if (size < *have || size > upto)
			continue;
		rc = tims_witness_ask(&call, w->url, w->ca, r, note, strlen(note), *have, &w->key,
				      &cos, &wsize, err);
		tims_buf_release(&cos);
		if (rc)
			return rc;
		*have = size;
	}
	return TIMS_OK;
}

static void ask_witness(struct node_sync *s, struct witness_conf *w,
			const struct tims_buf *note, const struct tims_checkpoint *cp,
			const struct tims_tlog_reader *r)
{
	struct tims_witness_call call = { (long)s->witness_timeout_ms, sync_stopping, s };
	struct tims_buf cos = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf full = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_err err = { 0 };
	uint64_t have = 0, wsize = 0;
	int64_t t = now_ms();
	int was_ok;
	tims_rc rc;

	if (t < w->next_try_ms)
		return;
	if (!tims_post_cosigned(s->wpost, w->key.name, &have, NULL, &err) && have &&
	    have >= cp->size) {
		/* Nothing new to cosign: it holds the latest checkpoint. */
		pthread_mutex_lock(&s->n->lock);
		w->cosigned_size = have;
		if (!w->tried)
			w->tried = w->ok = 1;
		pthread_mutex_unlock(&s->n->lock);
		return;
	}
	pthread_mutex_lock(&s->n->lock);
	w->cosigned_size = have;
	w->asking_since_ms = t;
	pthread_mutex_unlock(&s->n->lock);
	rc = witness_handovers(s, w, tims_post_mlog(s->wpost), r, &have, cp->size, &err);
	if (!rc)
		rc = tims_witness_ask(&call, w->url, w->ca, r, note->buf, note->len, have, &w->key,
				      &cos, &wsize, &err);
	if (!rc && ((rc = tims_buf_add(&full, note->buf, note->len)) ||
		    (rc = tims_buf_add(&full, cos.buf, cos.len)) ||
		    (rc = tims_post_keep_cosigned(s->wpost, w->key.name, cp->size, full.buf,
						  full.len, &err))))
		tims_err_set(&err, rc, "keeping its cosignature: %s", err.msg);
	/* A cosignature by another key: the witness may have rotated its key
	 * under the old one; followed, it is asked again at once. */
	if (rc == TIMS_ERR_SIGNATURE && witness_follow(s, w)) {
		tims_buf_reset(&cos);
		rc = tims_witness_ask(&call, w->url, w->ca, r, note->buf, note->len, have, &w->key,
				      &cos, &wsize, &err);
		if (rc == TIMS_ERR_STATE && wsize <= cp->size)
			rc = tims_witness_ask(&call, w->url, w->ca, r, note->buf, note->len, wsize,
					      &w->key, &cos, &wsize, &err);
		if (!rc && ((rc = tims_buf_add(&full, note->buf, note->len)) ||
			    (rc = tims_buf_add(&full, cos.buf, cos.len)) ||
			    (rc = tims_post_keep_cosigned(s->wpost, w->key.name, cp->size, full.buf,
							  full.len, &err))))
			tims_err_set(&err, rc, "keeping its cosignature: %s", err.msg);
	}
	t = now_ms();
	pthread_mutex_lock(&s->n->lock);
	was_ok = !w->tried || w->ok;
	w->tried = 1;
	w->asking_since_ms = 0;
	w->last_try_ms = t;
	w->ok = rc == TIMS_OK;
	if (w->ok) {
		w->cosigned_size = cp->size;
		w->cosigned_ms = t;
		w->last_error[0] = '\0';
	} else {
		snprintf(w->last_error, sizeof(w->last_error), "%s", tims_err_msg(&err));
	}
	pthread_mutex_unlock(&s->n->lock);
	/* A down witness is logged when it goes down and comes back, and
	 * asked again less and less often (up to every WITNESS_BACKOFF rounds). */
	if (rc) {
		if (was_ok)
			node_logl(s->n, TIMS_LOG_WARNING, "witness %s: %s", w->key.name, tims_err_msg(&err));
		if (err.rc == TIMS_ERR_TAMPER) /* rolled back, or forked */
			node_halt(s->n, err.msg, wsize);
		if (w->failures < 16)
			w->failures++;
		w->next_try_ms = t + (int64_t)s->interval_ms *
				 (w->failures > 5 ? WITNESS_BACKOFF : (1 << (w->failures - 1)));
	} else {
		if (!was_ok)
			node_log(s->n, "witness %s: cosigning again", w->key.name);
		w->failures = 0;
		w->next_try_ms = 0;
	}
	tims_buf_release(&cos);
	tims_buf_release(&full);
}

struct wask {
	struct node_sync *s;
	struct witness_conf *w;
	const struct tims_buf *note;
	uint64_t have;
	struct tims_buf *cos;
	uint64_t wsize;
};

static tims_rc wask_tree(void *ctx, const struct tims_tlog_reader *r, struct tims_err *err)
{
	struct wask *x = ctx;
	struct tims_witness_call call = { (long)x->s->witness_timeout_ms, sync_stopping, x->s };
	tims_rc rc = witness_handovers(x->s, x->w, tims_audit_mlog(x->s->waudit), r, &x->have,
				       UINT64_MAX, err);

	if (rc)
		return rc;
	return tims_witness_ask(&call, x->w->url, x->w->ca, r, x->note->buf, x->note->len,
				x->have, &x->w->key, x->cos, &x->wsize, err);
}

/*
 * The audit log's latest checkpoint to a witness too (docs/audit.md): the
 * witness cosigns it only if it is consistent with the audit checkpoint it
 * cosigned before, so an audit log deleted or replaced at this post is
 * refused there. A refusal does not stop the post (its crossings are not
 * in question); it is logged once and shown in the status
 * (centre.witnesses[].audit_last_error).
 */
static void ask_witness_audit(struct node_sync *s, struct witness_conf *w)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf cos = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf full = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct wask x = { s, w, &note, 0, &cos, 0 };
	struct tims_checkpoint cp;
	struct tims_err err = { 0 };
	tims_rc rc;

	if (!s->waudit && tims_audit_open(s->n->dir, TIMS_AUDIT_READ, &s->waudit, &err))
		goto out;
	if (tims_audit_latest_checkpoint(s->waudit, &note, &cp, &err))
		goto out;
	/* A refusal stands for that checkpoint: asked again for a newer one,
	 * and not more often than every WITNESS_BACKOFF rounds. */
	if (now_ms() < w->audit_next_ms || w->audit_refused == cp.size + 1)
		goto done;
	if (!tims_post_cosigned(s->wpost, w->acosigner, &x.have, NULL, NULL) && x.have &&
	    x.have >= cp.size) {
		if (x.have == cp.size) { /* it holds this one */
			pthread_mutex_lock(&s->n->lock);
			w->audit_cosigned_size = x.have;
			w->audit_error[0] = '\0';
			pthread_mutex_unlock(&s->n->lock);
			goto out;
		}
		/* what it cosigned is larger than this log: asked again below,
		 * the witness refuses and says why */
	}
	if (x.have > cp.size)
		x.have = 0; /* let the witness say what it holds */
	rc = tims_audit_with_tree(s->waudit, wask_tree, &x, &err);
	if (!rc && ((rc = tims_buf_add(&full, note.buf, note.len)) ||
		    (rc = tims_buf_add(&full, cos.buf, cos.len)) ||
		    (rc = tims_post_keep_cosigned(s->wpost, w->acosigner, cp.size, full.buf,
						  full.len, &err))))
		tims_err_set(&err, rc, "keeping its cosignature: %s", err.msg);
	pthread_mutex_lock(&s->n->lock);
	if (!rc) {
		w->audit_cosigned_size = cp.size;
		w->audit_error[0] = '\0';
	} else {
		snprintf(w->audit_error, sizeof(w->audit_error), "%s", tims_err_msg(&err));
	}
	pthread_mutex_unlock(&s->n->lock);
	if (rc) {
		if (err.rc == TIMS_ERR_TAMPER || err.rc == TIMS_ERR_PROOF)
			w->audit_refused = cp.size + 1;
		w->audit_next_ms = now_ms() + (int64_t)s->interval_ms * WITNESS_BACKOFF;
	} else {
		w->audit_refused = 0;
		w->audit_next_ms = 0;
	}
	if (rc && w->audit_shown != cp.size + 1) {
		w->audit_shown = cp.size + 1;
		node_logl(s->n, TIMS_LOG_WARNING, "witness %s: the audit log: %s", w->key.name, tims_err_msg(&err));
	}
	goto done;
out:
	if (err.msg[0]) {
		pthread_mutex_lock(&s->n->lock);
		snprintf(w->audit_error, sizeof(w->audit_error), "%s", err.msg);
		pthread_mutex_unlock(&s->n->lock);
	}
done:
	tims_buf_release(&note);
	tims_buf_release(&cos);
	tims_buf_release(&full);
}

/* A revoked event for the centre (tims/event.h). */
void node_sync_revoked_event(struct node_sync *s, const char *detail)
{
	struct tims_event *ev = malloc(sizeof(*ev));
	struct tims_err err;

	if (!ev)
		return;
	tims_event_init(ev);
	ev->kind = TIMS_EVENT_REVOKED;
	snprintf(ev->officer, sizeof(ev->officer), "sync");
	snprintf(ev->detail, sizeof(ev->detail), "%s", detail);
	if (node_event(s->n, ev, &err))
		node_log(s->n, "events: revoked: %s", tims_err_msg(&err));
	free(ev);
}

/* Witnesses the centre's signed list revokes are asked nothing more and
 * their cosignatures are not kept (checked each round, offline too). */
static void witnesses_revoked(struct node_sync *s)
{
	struct tims_revocation rl;

	if (node_trust_held(s->n->dir, &rl, NULL))
		return;
	for (size_t i = 0; i < s->nw; i++) {
		struct witness_conf *w = &s->w[i];
		char d[600];

		if (w->revoked || !tims_revocation_verifier_revoked(&rl, &w->key, 1))
			continue;
		pthread_mutex_lock(&s->n->lock);
		w->revoked = 1;
		w->tried = 1;
		w->ok = 0;
		snprintf(w->last_error, sizeof(w->last_error), "revoked by the centre's signed "
			 "list %" PRIu64 ": its cosignatures are refused", rl.version);
		pthread_mutex_unlock(&s->n->lock);
		snprintf(d, sizeof(d), "witness %s is revoked (list %" PRIu64 "): this post asks it "
			 "nothing and keeps none of its cosignatures", w->key.name, rl.version);
		node_log(s->n, "%s", d);
		node_sync_revoked_event(s, d);
	}
	tims_revocation_release(&rl);
}

static void *witness_main(void *arg)
{
	struct node_sync *s = arg;

	pthread_mutex_lock(&s->n->lock);
	while (!s->n->stopping) {
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_checkpoint cp;
		struct tims_tlog_reader r;

		pthread_mutex_unlock(&s->n->lock);
		witnesses_revoked(s);
		if (!tims_post_latest_checkpoint(s->wpost, &note, &cp, NULL)) {
			tims_post_reader(s->wpost, &r);
			for (size_t i = 0; i < s->nw && !atomic_load(&s->stop); i++) {
				if (s->w[i].revoked)
					continue;
				ask_witness(s, &s->w[i], &note, &cp, &r);
				if (s->w[i].ok && !atomic_load(&s->stop))
					ask_witness_audit(s, &s->w[i]);
			}
		}
		tims_buf_release(&note);
		pthread_mutex_lock(&s->n->lock);
		if (wait_round(s))
			break;
	}
	pthread_mutex_unlock(&s->n->lock);
	return NULL;
}

/* The client certificate, renewed when due (trust.c); a failure is
 * tried again after a few seconds, never holding up the round for long. */
static void renew_cert(struct node_sync *s)
{
	struct tims_err err = { 0, "" };
	char what[256];

	struct stat st;
	char path[4200];

	if (now_ms() >= s->renew_next_ms) {
		if (tims_node_renew_cert(s->n->dir, TIMS_RENEW_NOWAIT, what, sizeof(what), &err)) {
			node_logl(s->n, TIMS_LOG_WARNING, "certificate renewal: %s", tims_err_msg(&err));
			s->renew_next_ms = now_ms() + 5000;
		} else if (what[0]) {
			node_log(s->n, "%s", what);
		}
	}
	/* A certificate changed (here or by `tims post renew-cert`): the
	 * connection kept open still presents the old one, so a new one. */
	snprintf(path, sizeof(path), "%s/centre/client.crt", s->n->dir);
	if (stat(path, &st) == 0 && (st.st_ino != s->cert_ino ||
				     st.st_mtim.tv_nsec != s->cert_mtime_ns ||
				     st.st_mtim.tv_sec != s->cert_mtime_s)) {
		struct tims_sync_conn *fresh;

		if (s->cert_ino && !tims_sync_conn_new(&fresh, &err)) {
			tims_sync_conn_free(s->conn);
			s->conn = fresh;
		}
		s->cert_ino = st.st_ino;
		s->cert_mtime_s = st.st_mtim.tv_sec;
		s->cert_mtime_ns = st.st_mtim.tv_nsec;
	}
}

/* The centre's signed revocation list (trust.c): a newer one kept, an
 * older one (a replay) refused and said. */
static void fetch_revocations(struct node_sync *s, const struct tims_sync_peer *peer)
{
	struct tims_err err = { 0, "" };
	uint64_t version = 0;
	int kept = 0;

	if (node_trust_fetch(s->n->dir, peer, &version, &kept, &err))
		node_logl(s->n, TIMS_LOG_WARNING, "revocation list: %s", tims_err_msg(&err));
	else if (kept)
		node_log(s->n, "signed revocation list %" PRIu64 " from the centre kept", version);
	if (version)
		s->revocation_version = version;
}

static void *sync_main(void *arg)
{
	struct node_sync *s = arg;
	struct tims_err err;

	pthread_mutex_lock(&s->n->lock);
	while (!s->n->stopping) {
		pthread_mutex_unlock(&s->n->lock);
		renew_cert(s);
		{
			struct tims_tls_policy pol;
			struct tims_tls_crl *crl = NULL;
			uint8_t pin[32];
			tims_rc rc;

			rc = node_identity_policy(s->n->dir, TIMS_CERT_CENTRE_SERVER, &pol, pin,
						  &crl, &err);
			s->policy = rc ? NULL : &pol;
			if (rc) /* no pin: the enrolment must be renewed */
				set_state(s, 0, tims_err_msg(&err));
			else if ((rc = centre_round(s, &err)) == TIMS_ERR_AUTH) {
				identity_alert(s, tims_err_msg(&err));
				set_state(s, 0, tims_err_msg(&err));
				node_sync_travel_offline(s, tims_err_msg(&err));
			} else if (rc) {
				set_state(s, 0, tims_err_msg(&err));
				node_sync_travel_offline(s, tims_err_msg(&err));
			} else {
				struct tims_sync_peer peer = { s->url, s->ca, s->cert, s->key, 30,
							       &pol };
				uint64_t number;

				set_state(s, 1, NULL);
				node_events_deliver(s->n, s->conn, &peer); /* events.c */
				/* TOTP claims made while the centre was away */
				node_totp_claims_deliver(s->n, s->conn, &peer);
				/* after the events: an audit reset reaches the centre
				 * before the new audit log does */
				audit_round(s, &peer);
				/* The revocation lists: at the first contact, then each
				 * minute (revocations_ms). */
				if (!s->crl_fetched_ms ||
				    now_ms() - s->crl_fetched_ms >= (int64_t)s->revocations_ms) {
					s->crl_fetched_ms = now_ms();
					fetch_revocations(s, &peer);
					if (node_identity_fetch_crl(s->n->dir, &peer, &number, &err))
						node_logl(s->n, TIMS_LOG_WARNING, "revocation list: %s",
							 tims_err_msg(&err));
					else if (number != s->crl_number)
						node_log(s->n, "revocation list %" PRIu64 " from the "
							 "centre kept", number);
					s->crl_number = number;
				}
				node_sync_pull_bundles(s);
				node_sync_pull_travel(s, &peer);
			}
			s->policy = NULL;
			tims_tls_crl_free(crl);
		}
		pthread_mutex_lock(&s->n->lock);
		s->rounds++;
		if (node_events_kicked(s->n)) /* an event waits (events.c) */
			continue;
		if (wait_round(s))
			break;
	}
	pthread_mutex_unlock(&s->n->lock);
	return NULL;
}

tims_rc node_sync_start(struct tims_node *n, struct tims_err *err)
{
	struct node_sync *s = calloc(1, sizeof(*s));
	tims_rc rc;

	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	s->n = n;
	atomic_init(&s->stop, 0);
	if ((rc = load_tuning(s, err)) || (rc = load_enrolment(s, err)) ||
	    (rc = load_witnesses(s, err))) {
		free(s);
		return rc;
	}
	n->sync = s;
	if ((rc = node_events_start(n, err))) /* events.c */
		return rc;
	if (s->enrolled) {
		if ((rc = tims_post_open(n->dir, TIMS_POST_READ, &s->post, err)) ||
		    (rc = tims_sync_conn_new(&s->conn, err)))
			return rc;
		if (pthread_create(&s->thread, NULL, sync_main, s) != 0)
			return tims_err_set(err, TIMS_ERR_NOMEM, "sync: cannot start a thread");
		s->running = 1;
	}
	if (s->nw) {
		if ((rc = tims_post_open(n->dir, TIMS_POST_READ, &s->wpost, err)))
			return rc;
		if (pthread_create(&s->wthread, NULL, witness_main, s) != 0)
			return tims_err_set(err, TIMS_ERR_NOMEM, "sync: cannot start a thread");
		s->wrunning = 1;
	}
	return TIMS_OK;
}

/* Called with n->stopping set and n->wake broadcast, without n->lock. */
void node_sync_stop(struct tims_node *n)
{
	struct node_sync *s = n->sync;

	if (!s)
		return;
	atomic_store(&s->stop, 1);
	if (s->running)
		pthread_join(s->thread, NULL);
	if (s->wrunning)
		pthread_join(s->wthread, NULL);
	tims_national_close(s->national);
	tims_audit_free(s->audit);
	tims_audit_free(s->waudit);
	tims_post_free(s->post);
	tims_post_free(s->wpost);
	tims_sync_conn_free(s->conn);
	free(s);
	n->sync = NULL;
	node_events_stop(n); /* events.c */
}

int node_sync_enrolled(const struct tims_node *n)
{
	return n->sync && n->sync->enrolled;
}

/* Each witness as the witness thread last found it; n->lock held. */
static json_t *witnesses_status(struct node_sync *s, int64_t t)
{
	json_t *w = json_array();

	for (size_t i = 0; i < s->nw; i++) {
		struct witness_conf *x = &s->w[i];
		const char *ws = !x->tried ? "starting" : x->ok ? "ok" : "down";
		json_t *e;

		/* A request past its time limit is not answered, whatever comes. */
		if (x->asking_since_ms &&
		    t - x->asking_since_ms > (int64_t)s->witness_timeout_ms + 1000)
			ws = "down";
		if (x->revoked) /* the centre's signed list (witnesses_revoked) */
			ws = "revoked";
		e = json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", x->key.name, "state", ws,
			      "cosigned_size", (json_int_t)x->cosigned_size,
			      "last_cosigned_ms", (json_int_t)x->cosigned_ms,
			      "last_try_ms", (json_int_t)x->last_try_ms);
		if (e && !x->ok && x->last_error[0])
			json_object_set_new(e, "last_error", json_string(x->last_error));
		if (e)
			json_object_set_new(e, "audit_cosigned_size",
					    json_integer((json_int_t)x->audit_cosigned_size));
		if (e && x->audit_error[0])
			json_object_set_new(e, "audit_last_error", json_string(x->audit_error));
		json_array_append_new(w, e);
	}
	return w;
}

/* n->lock held. */
json_t *node_sync_status(struct tims_node *n)
{
	struct node_sync *s = n->sync;
	int64_t t = now_ms(), window;
	uint64_t size = 0;
	const char *state;
	char stale[160] = "";
	json_t *o;

	if (!s || !s->enrolled) {
		o = json_pack("{s:b, s:s}", "configured", 0, "state",
			      "this post is not enrolled with a centre");
		if (o && s && s->nw)
			json_object_set_new(o, "witnesses", witnesses_status(s, t));
		return o;
	}
	/* The records not yet at the centre: the log now, less what the
	 * centre last confirmed holding (all of it before any answer). */
	tims_post_size(n->post, &size, NULL);
	window = (int64_t)s->interval_ms * 3 > ONLINE_MIN_MS ? (int64_t)s->interval_ms * 3
							      : ONLINE_MIN_MS;
	state = s->online ? "online" : s->since_ms ? "offline" : "starting";
	if (s->online && t - s->last_ok_ms > window) {
		/* A request that hangs (a stalled centre, a lossy link). */
		state = "offline";
		snprintf(stale, sizeof(stale), "no answer from the centre for %" PRId64 " s",
			 (t - s->last_ok_ms) / 1000);
	}
	o = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "configured", 1, "centre", s->centre, "url", s->url, "state", state,
		      "since_ms", (json_int_t)(stale[0] ? s->last_ok_ms : s->since_ms),
		      "last_ok_ms", (json_int_t)s->last_ok_ms,
		      "centre_size", (json_int_t)s->centre_size,
		      "centre_signed_size", (json_int_t)s->centre_signed,
		      "lag", (json_int_t)(size > s->centre_size ? size - s->centre_size : 0),
		      "rounds", (json_int_t)s->rounds,
		      "pushes", (json_int_t)s->pushes);
	if (!o)
		return NULL;
	if (stale[0] || s->last_error[0])
		json_object_set_new(o, "last_error", json_string(stale[0] ? stale : s->last_error));
	if (s->alert[0])
		json_object_set_new(o, "identity_alert", json_pack("{s:s, s:I}", "message",
			s->alert, "since_ms", (json_int_t)s->alert_since_ms));
	json_object_set_new(o, "witnesses", witnesses_status(s, t));
	json_object_set_new(o, "national", json_pack("{s:I, s:I, s:s}", "cursor",
		(json_int_t)s->national_cursor, "as_of_ms", (json_int_t)s->national_as_of_ms,
		"last_error", s->national_error));
	json_object_set_new(o, "events", node_events_status(n)); /* events.c */
	{
		json_t *a = json_pack("{s:I, s:I, s:I, s:I}", "size", (json_int_t)s->audit_size,
				      "centre_size", (json_int_t)s->audit_centre_size,
				      "centre_signed_size", (json_int_t)s->audit_centre_signed,
				      "pushes", (json_int_t)s->audit_pushes);

		if (a && s->audit_error[0])
			json_object_set_new(a, "last_error", json_string(s->audit_error));
		json_object_set_new(o, "audit", a);
	}
	return o;
}
