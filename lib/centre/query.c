/*
 * query.c — national queries at the centre, each recorded in the centre's
 * audit log before its answer is handed back (see include/tims/centre.h).
 */
#include <sodium.h>
#include <unistd.h>

#include "internal.h"
#include "tims/buf.h"
#include "tims/export.h"
#include "tims/mlog.h"
#include "tims/util.h"

#define PURPOSE_MIN 3
#define PURPOSE_MAX 200

static tims_rc load_regimes(struct tims_centre *c, struct tims_stay_regimes *rs,
			    struct tims_err *err)
{
	/* stay-regimes.conf and visa-required.conf, as a post reads its own */
	return tims_stay_regimes_load_dir(c->dir, rs, err);
}

static tims_rc audit_open(struct tims_centre *c, struct tims_err *err)
{
	char origin[TIMS_CENTRE_NAME_MAX + 16];

	if (c->audit)
		return TIMS_OK;
	tims_rc rc;

	snprintf(origin, sizeof(origin), "%s/audit", c->name);
	rc = tims_audit_open_keyed(c->dir, origin, "audit", TIMS_AUDIT_WRITE, &c->audit, err);
	if (!rc) /* its publication record in centre.db: stopped with it */
		tims_audit_set_marker_guard(c->audit, centre_marker_stopped, c);
	return rc;
}

/* What was asked, as JSON, without the answer. */
static json_t *query_json(const struct tims_centre_query *q)
{
	json_t *o = json_pack("{s:s}", "kind", q->kind);

#define S(k, v) if (o && (v)) json_object_set_new(o, k, json_string(v))
#define I(k, v) if (o) json_object_set_new(o, k, json_integer((json_int_t)(v)))
	S("doc", q->doc);
	S("issuer", q->issuer);
	S("surname", q->surname);
	S("given_names", q->given);
	S("birth_date", q->birth_date);
	S("nationality", q->nationality);
	S("by", q->by);
	if (!strcmp(q->kind, "present")) {
		I("at_ms", q->at_ms);
		I("offset", q->offset);
		I("limit", q->limit);
	} else if (!strcmp(q->kind, "counts")) {
		I("from_ms", q->from_ms);
		I("to_ms", q->to_ms);
	} else if (!strcmp(q->kind, "search")) {
		I("limit", q->limit);
	} else {
		I("on_day", q->on_day);
	}
#undef S
#undef I
	return o;
}

tims_rc centre_audit(struct tims_centre *c, const char *actor, const char *role,
		     const char *addr, const char *action, const char *purpose,
		     const char *query, const char *answer, int status, struct tims_err *err)
{
	struct tims_audit_event ev;
	char digest[160];
	uint64_t index;
	int issued;
	tims_rc rc;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "%s", actor ? actor : "-");
	snprintf(ev.role, sizeof(ev.role), "%s", role ? role : "supervisor");
	snprintf(ev.addr, sizeof(ev.addr), "%s", addr ? addr : "local");
	snprintf(ev.action, sizeof(ev.action), "%s", action);
	snprintf(ev.purpose, sizeof(ev.purpose), "%s", purpose ? purpose : "");
	ev.crossing = -1;
	ev.status = status;
	ev.query = query ? query : "{}";
	ev.query_len = strlen(ev.query);
	if (answer && strlen(answer) < TIMS_AUDIT_TEXT_MAX) {
		ev.result = answer;
		ev.result_len = strlen(answer);
	} else if (answer) {
		uint8_t h[crypto_hash_sha256_BYTES];
		char hex[2 * sizeof(h) + 1];

		crypto_hash_sha256(h, (const unsigned char *)answer, strlen(answer));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(digest, sizeof(digest), "{\"bytes\":%zu,\"sha256\":\"%s\"}",
			 strlen(answer), hex);
		ev.result = digest;
		ev.result_len = strlen(digest);
	}
	pthread_mutex_lock(&c->audit_lock);
	rc = audit_open(c, err);
	if (!rc)
		rc = tims_audit_append(c->audit, &ev, &index, err);
	if (!rc) /* a checkpoint covers the event before the answer leaves */
		rc = tims_audit_checkpoint(c->audit, &issued, err);
	pthread_mutex_unlock(&c->audit_lock);
	return rc;
}

int centre_audit_stopped(struct tims_centre *c, char *why, size_t cap)
{
	const char *w;
	int stopped;

	pthread_mutex_lock(&c->audit_lock);
	w = c->audit ? tims_audit_broken(c->audit) : NULL;
	stopped = w != NULL;
	if (why && cap)
		snprintf(why, cap, "%s", w ? w : "");
	pthread_mutex_unlock(&c->audit_lock);
	return stopped;
}

tims_rc centre_no_trace(struct tims_centre *c, struct tims_http_resp *resp, tims_rc rc)
{
	if (rc == TIMS_ERR_FULL)
		return tims_http_reply_error(resp, 507, "storage_full",
					     "the centre's disk is full: its audit log could not "
					     "record this request; nothing is answered");
	if (centre_audit_stopped(c, NULL, 0))
		return tims_http_reply_error(resp, 503, "halted",
					     "the centre's audit log stopped writing after an I/O "
					     "error, and nothing is answered that it cannot record; "
					     "until the centre is restarted (GET /api/v1/centre/status: "
					     "audit_stopped)");
	return tims_http_reply_error(resp, 500, "audit_unavailable",
				     "the audit log cannot be written: nothing is answered");
}

/* Record a query; an answer too large for one event is recorded by its
 * SHA-256 and size. */
static tims_rc audit(struct tims_centre *c, const struct tims_centre_query *q,
		     const char *answer, int status, struct tims_err *err)
{
	json_t *qj = query_json(q);
	char *qtext = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char action[48];
	tims_rc rc;

	json_decref(qj);
	if (!qtext)
		return tims_err_set(err, TIMS_ERR_NOMEM, "audit: out of memory");
	snprintf(action, sizeof(action), "national.%s", q->kind);
	rc = centre_audit(c, q->actor, q->role, q->addr, action, q->purpose, qtext, answer,
			  status, err);
	free(qtext);
	return rc;
}

static tims_rc run(struct tims_centre *c, const struct tims_centre_query *q,
		   const struct tims_stay_regimes *rs, json_t **out, struct tims_err *err)
{
	struct tims_cstore *s = c->store;

	if (!strcmp(q->kind, "history"))
		return tims_cstore_history_doc(s, q->doc, q->issuer, q->on_day, rs, out, err);
	if (!strcmp(q->kind, "person"))
		return tims_cstore_history_person(s, q->surname, q->given, q->birth_date,
						  q->nationality, q->on_day, rs, out, err);
	if (!strcmp(q->kind, "search")) {
		struct tims_cstore_search_query sq = { q->surname, q->given, q->birth_date,
						       q->nationality, 0, 0, 0 };

		/* at most TIMS_CSTORE_SEARCH_RESULTS shown; "found" says how many */
		sq.limit = q->limit < TIMS_CSTORE_SEARCH_RESULTS ? q->limit
								   : TIMS_CSTORE_SEARCH_RESULTS;
		return tims_cstore_search(s, &sq, out, err);
	}
	if (!strcmp(q->kind, "present"))
		return tims_cstore_present(s, q->at_ms, q->offset, q->limit, out, err);
	if (!strcmp(q->kind, "overstays"))
		return tims_cstore_overstays(s, q->on_day, rs, q->limit, out, err);
	return tims_cstore_counts(s, q->by, q->from_ms, q->to_ms, out, err);
}

tims_rc centre_query_run(struct tims_centre *c, const struct tims_centre_query *q,
			 json_t **out, struct tims_err *err)
{
	struct tims_stay_regimes *rs;
	tims_rc rc;

	*out = NULL;
	if (!(rs = malloc(sizeof(*rs))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (!(rc = load_regimes(c, rs, err))) {
		pthread_mutex_lock(&c->store_lock);
		rc = run(c, q, rs, out, err);
		pthread_mutex_unlock(&c->store_lock);
	}
	free(rs);
	return rc;
}

/* The answer's rows against the actor's daily export limit (export.c): a
 * refusal is audited (403) with what it would have taken, and nothing of
 * the answer leaves. */
static tims_rc charge(struct tims_centre *c, const struct tims_centre_query *q,
		      const json_t *answer, struct tims_export_usage *u, struct tims_err *err)
{
	struct tims_err e2;
	char refused[160];
	tims_rc rc;

	memset(u, 0, sizeof(*u));
	if (!(u->rows = tims_export_rows(q->kind, answer)))
		return TIMS_OK;
	rc = tims_centre_export_charge(c, q->actor ? q->actor : "-", u->rows,
				       tims_mlog_now_ms(), u, err);
	if (rc != TIMS_ERR_DENIED)
		return rc;
	snprintf(refused, sizeof(refused), "{\"refused\":\"export_needs_approval\",\"rows\":%"
		 PRIu64 ",\"used\":%" PRIu64 ",\"limit\":%" PRIu64 "}", u->rows, u->used,
		 u->limit);
	if (audit(c, q, refused, 403, &e2))
		return tims_err_set(err, e2.rc ? e2.rc : TIMS_ERR_IO, "%s", e2.msg);
	return TIMS_ERR_DENIED;
}

tims_rc tims_centre_query(struct tims_centre *c, const struct tims_centre_query *q,
			  json_t **out, struct tims_err *err)
{
	static const char *const kinds[] = { "history", "person", "search", "present",
					     "overstays", "counts" };
	struct tims_export_usage u;
	char *text = NULL;
	int personal, known = 0;
	tims_rc rc;

	*out = NULL;
	memset(&u, 0, sizeof(u));
	if (q->usage)
		*q->usage = u;
	for (size_t i = 0; q->kind && i < TIMS_ARRAY_SIZE(kinds); i++)
		known |= !strcmp(q->kind, kinds[i]);
	if (!known)
		return tims_err_set(err, TIMS_ERR_INVALID, "kind: want history, person, "
				    "search, present, overstays or counts");
	personal = strcmp(q->kind, "counts") != 0;
	if (personal && (!q->purpose || strlen(q->purpose) < PURPOSE_MIN))
		return tims_err_set(err, TIMS_ERR_DENIED, "purpose: state why you need this "
				    "(%d to %d bytes); it is recorded in the audit log",
				    PURPOSE_MIN, PURPOSE_MAX);
	if (q->purpose && strlen(q->purpose) > PURPOSE_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "purpose: longer than %d bytes",
				    PURPOSE_MAX);
	if (q->purpose) {
		json_t *t = json_string(q->purpose); /* NULL: not UTF-8 */

		if (!t)
			return tims_err_set(err, TIMS_ERR_INVALID, "purpose: not valid UTF-8");
		json_decref(t);
	}
	rc = centre_query_run(c, q, out, err);
	if (rc) {
		/* a refused query is recorded too, without an answer */
		struct tims_err e2;

		audit(c, q, NULL, 400, &e2);
		goto out;
	}
	/* Paging or not, every row counts toward the one daily limit. */
	rc = charge(c, q, *out, &u, err);
	if (q->usage)
		*q->usage = u;
	if (rc == TIMS_ERR_DENIED) {
		rc = tims_err_set(err, TIMS_ERR_DENIED, "export limit: %" PRIu64 " rows of personal "
				  "data here, %" PRIu64 " of the %" PRIu64 " one person may take "
				  "alone today already taken; more needs a two-person export "
				  "(tims centre export request)", u.rows, u.used, u.limit);
		goto out;
	}
	if (rc)
		goto out;
	if (!(text = json_dumps(*out, JSON_COMPACT | JSON_SORT_KEYS))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* No answer leaves without its audit event (G5). */
	rc = audit(c, q, text, 200, err);
out:
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	free(text);
	return rc;
}

tims_rc tims_centre_audit_verify(struct tims_centre *c,
				 void (*report)(void *ctx, const char *finding),
				 void *ctx, uint64_t *events, struct tims_err *err)
{
	struct tims_audit_verify_stats st;
	tims_rc rc;

	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&c->audit_lock);
	rc = audit_open(c, err);
	if (!rc)
		rc = tims_audit_verify(c->audit, report, ctx, &st, err);
	pthread_mutex_unlock(&c->audit_lock);
	if (events)
		*events = st.events;
	if (!rc && st.findings)
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "audit log: %" PRIu64 " findings",
				  st.findings);
	return rc;
}
