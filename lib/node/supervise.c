/*
 * supervise.c — the routes that change what the log says about a crossing,
 * none of them open to the booth alone:
 *
 *   POST /api/v1/corrections            a supervisor corrects record N of
 *        this post for the same document; a change of person fields is an
 *        identity change: a stated reason and a second person's approval
 *   POST /api/v1/second-line            the second-line officer records the
 *        outcome of a first-line referral (a record linked to it)
 *   POST /api/v1/paper-imports          a supervisor re-enters a paper
 *        register after an outage; appended once a second person approves
 *   GET  /api/v1/approvals[/{id}], POST /api/v1/approvals/{id}/approve
 *        the second person's side (tims/approval.h)
 *
 * Each step is on the audit trail, and each change of the log is an event
 * to the centre (CORRECTION, IDENTITY_CHANGE, SECOND_LINE, PAPER_IMPORT).
 * Bodies are parsed here, at the edge, into typed records; the post and
 * the approval store never see JSON.
 */
#include <jansson.h>

#include "internal.h"
#include "tims/approval.h"
#include "tims/booth.h"
#include "tims/event.h"
#include "tims/oversight.h"
#include "tims/record.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define REASON_MIN 8
#define REFUSAL_CODES_MAX 8

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* refusal_codes ["B", "E"] into "B,E"; 0 or -1 with err set. */
static int join_codes(const json_t *arr, char *out, size_t cap, struct tims_err *err)
{
	size_t i, len = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (!s || !*s || strlen(s) > 8) {
			tims_err_set(err, TIMS_ERR_INVALID, "refusal_codes[%zu]: a code of 1 to 8 "
				     "characters", i);
			return -1;
		}
		if (len + strlen(s) + 2 > cap) {
			tims_err_set(err, TIMS_ERR_INVALID, "refusal_codes: too many");
			return -1;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", s);
	}
	return 0;
}

/* Each code of "B,E" one of the post's refusal codes (DIR/booth.conf, the
 * booth's list): 0, or -1 with err naming the code. */
static int codes_known(struct tims_node *n, const char *what, const char *joined,
		       struct tims_err *err)
{
	const struct tims_booth_config *c = tims_booth_config(n->booth);
	const char *p = joined;

	while (*p) {
		char code[16];
		size_t len = strcspn(p, ",");

		snprintf(code, sizeof(code), "%.*s", (int)(len < 15 ? len : 15), p);
		if (len >= sizeof(code) || !tims_booth_refusal_text(c, code)) {
			tims_err_set(err, TIMS_ERR_INVALID, "%s: %s is not one of this post's "
				     "refusal codes", what, code);
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The person fields a body may set, by their JSON names (docs/formats.md). */
static const struct { const char *name; size_t off; } person_keys[] = {
	{ "doc_code", offsetof(struct tims_person, doc_code) },
	{ "issuer", offsetof(struct tims_person, issuer) },
	{ "number", offsetof(struct tims_person, doc_number) },
	{ "surname", offsetof(struct tims_person, surname) },
	{ "given_names", offsetof(struct tims_person, given_names) },
	{ "nationality", offsetof(struct tims_person, nationality) },
	{ "birth_date", offsetof(struct tims_person, birth_date) },
	{ "sex", offsetof(struct tims_person, sex) },
	{ "expiry", offsetof(struct tims_person, expiry) },
};

/* Overwrite the person fields that o gives; 0 or -1 with err naming one. */
static int person_apply(const json_t *o, struct tims_person *p, struct tims_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		size_t k;

		for (k = 0; k < TIMS_ARRAY_SIZE(person_keys) && strcmp(person_keys[k].name, key); k++)
			;
		if (k == TIMS_ARRAY_SIZE(person_keys)) {
			tims_err_set(err, TIMS_ERR_INVALID, "person.%.40s: unknown field", key);
			return -1;
		}
		if (!json_is_string(v) || json_string_length(v) >= TIMS_RECORD_FIELD) {
			tims_err_set(err, TIMS_ERR_INVALID, "person.%s: a string of at most %d bytes",
				     key, TIMS_RECORD_FIELD - 1);
			return -1;
		}
		snprintf((char *)p + person_keys[k].off, TIMS_RECORD_FIELD, "%s", json_string_value(v));
	}
	return 0;
}

/* Record N for a handler (n->lock held): 0, or an HTTP status with resp set. */
static int load_record(struct tims_node *n, uint64_t idx, struct tims_record *rec,
		       struct tims_http_resp *resp, const char *what)
{
	struct tims_err err;
	uint64_t size = 0;
	int erased = 0;
	tims_rc rc;

	tims_post_size(n->post, &size, NULL);
	if (idx >= size) {
		tims_http_reply_error(resp, 404, "not_found", "%s: no record %" PRIu64 " in this log",
				      what, idx);
		return 404;
	}
	if ((rc = tims_post_get(n->post, idx, rec, &erased, NULL, &err))) {
		node_log(n, "%s %" PRIu64 ": %s", what, idx, tims_err_msg(&err));
		return 500;
	}
	if (erased) {
		tims_http_reply_error(resp, 409, "erased", "%s: record %" PRIu64 " was erased "
				      "(retention)", what, idx);
		return 409;
	}
	return 0;
}

/* Append one record the supervisor made (n->lock held): 0 and *ack, or an
 * HTTP status with resp set. */
static int append_one(struct tims_node *n, struct tims_record *rec, struct tims_post_ack *ack,
		      struct tims_http_resp *resp)
{
	struct tims_err err;
	const char *why;
	tims_rc rc;

	if ((why = node_halted(n, NULL))) {
		tims_http_reply_error(resp, 503, "halted", "this post stopped acknowledging: %s; "
				      "nothing recorded", why);
		return 503;
	}
	rc = tims_post_append(n->post, rec, 1, ack, &err);
	if (ack->rc == TIMS_OK) {
		if (rc)
			node_log(n, "record %" PRIu64 " stored; then: %s", ack->index, tims_err_msg(&err));
		return 0;
	}
	if (rc) {
		node_log(n, "record not stored: %s", tims_err_msg(&err));
		node_halted(n, NULL);
		tims_http_reply_error(resp, rc == TIMS_ERR_FULL ? 507 : 500, "not_recorded",
				      "the crossing log failed: nothing recorded");
		return 500;
	}
	tims_http_reply_error(resp, ack->rc == TIMS_ERR_EXISTS ? 409 : 400, "not_recorded", "%s",
			      ack->msg);
	return 400;
}

static json_t *ack_json(const struct tims_post_ack *a)
{
	return json_pack("{s:I, s:o, s:b}", "index", (json_int_t)a->index, "leaf_hash",
			 node_hex_json(a->leaf, TIMS_HASH_BYTES), "duplicate", a->duplicate);
}

static json_t *approval_json(const struct tims_approval *a, int64_t now)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id", a->id,
		"kind", tims_approval_kind_name(a->kind), "state", tims_approval_state_name(a, now),
		"submitter", a->submitter, "reason", a->reason, "created_ms", (json_int_t)a->created_ms,
		"expires_ms", (json_int_t)a->expires_ms, "records", (json_int_t)a->nrecords);

	if (o && a->state == TIMS_APPROVAL_APPROVED) {
		json_object_set_new(o, "approver", json_string(a->approver));
		json_object_set_new(o, "decided_ms", json_integer(a->decided_ms));
		if (a->first_index != TIMS_RECORD_NO_INDEX)
			json_object_set_new(o, "first_index", json_integer((json_int_t)a->first_index));
	}
	return o;
}

/* Submit a request for a second person (n->lock held); answers 202. */
static tims_rc submit(struct tims_node *n, struct tims_http_req *req, struct tims_http_resp *resp,
		      unsigned kind, const char *reason, const struct tims_record *recs, size_t nrec,
		      json_t *query, json_t *extra)
{
	struct tims_approval a;
	struct tims_err err;
	int64_t now = wall_ms();
	tims_rc rc;

	memset(&a, 0, sizeof(a));
	a.kind = (uint8_t)kind;
	snprintf(a.submitter, sizeof(a.submitter), "%s", req->who.id);
	snprintf(a.booth, sizeof(a.booth), "%s", req->who.booth);
	snprintf(a.reason, sizeof(a.reason), "%s", reason);
	a.created_ms = now;
	a.expires_ms = now + (int64_t)n->ov.approval_ttl_s * 1000;
	if ((rc = tims_approval_submit(n->post, &a, recs, nrec, &err))) {
		json_decref(query);
		json_decref(extra);
		if (rc == TIMS_ERR_INVALID)
			return tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		node_log(n, "approval: %s", tims_err_msg(&err));
		return rc;
	}
	if (node_audit(n, req, "approval.submit", reason, -1, 202, query,
		       json_pack("{s:s, s:s, s:I}", "approval", a.id, "kind",
				 tims_approval_kind_name(kind), "records", (json_int_t)nrec))) {
		json_decref(extra);
		return node_no_trace(resp, TIMS_ERR_IO);
	}
	return tims_http_reply_json(resp, 202, json_pack("{s:o, s:s, s:o*}", "approval",
		approval_json(&a, now), "next", "a second supervisor approves it: "
		"POST /api/v1/approvals/{id}/approve", "screening", extra));
}

/* --- POST /api/v1/corrections -------------------------------------------- */

const struct tims_json_field node_correction_schema[] = {
	{ "corrects", TIMS_JSON_INTEGER, 1, 0 },
	{ "reason", TIMS_JSON_STRING, 1, 1000 },
	{ "direction", TIMS_JSON_STRING, 0, 8 },
	{ "decision", TIMS_JSON_STRING, 0, 16 },
	{ "refusal_codes", TIMS_JSON_ARRAY, 0, REFUSAL_CODES_MAX },
	{ "remarks", TIMS_JSON_STRING, 0, 1000 },
	{ "person", TIMS_JSON_OBJECT, 0, 0 },
	{ "identity_change", TIMS_JSON_BOOLEAN, 0, 0 },
	{ "id", TIMS_JSON_STRING, 0, 64 },
	{ NULL, 0, 0, 0 },
};

tims_rc node_h_correction(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	json_t *b = req->json, *v;
	uint64_t idx = (uint64_t)json_integer_value(json_object_get(b, "corrects"));
	const char *reason = json_string_value(json_object_get(b, "reason"));
	int identity = json_is_true(json_object_get(b, "identity_change"));
	struct tims_record *orig = malloc(sizeof(*orig)), *rec = malloc(sizeof(*rec));
	struct tims_post_ack ack;
	struct tims_err err;
	const char *field = NULL, *s;
	int st, differs;
	tims_rc rc = TIMS_OK;

	if (!orig || !rec) {
		rc = TIMS_ERR_NOMEM;
		goto out;
	}
	if (strlen(reason) < REASON_MIN) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "reason: at least %d characters "
					   "saying why", REASON_MIN);
		goto out;
	}
	pthread_mutex_lock(&n->lock);
	st = load_record(n, idx, orig, resp, "corrects");
	pthread_mutex_unlock(&n->lock);
	if (st) {
		rc = st == 500 ? TIMS_ERR_STATE : TIMS_OK;
		goto out;
	}
	/* The correction: the record as it was, changed where the body says,
	 * by the supervisor of this session. */
	*rec = *orig;
	rec->time_ms = 0;
	rec->crossed_ms = tims_record_when(orig); /* the crossing's own time stays */
	rec->ref[0] = '\0';
	if ((s = json_string_value(json_object_get(b, "id"))))
		snprintf(rec->ref, sizeof(rec->ref), "%s", s);
	snprintf(rec->officer, sizeof(rec->officer), "%s", req->who.id);
	snprintf(rec->booth, sizeof(rec->booth), "%s", req->who.booth);
	snprintf(rec->reason, sizeof(rec->reason), "%s", reason);
	rec->corrects = idx;
	rec->approver[0] = '\0';
	if ((s = json_string_value(json_object_get(b, "direction"))) &&
	    !(rec->direction = (uint8_t)tims_direction_parse(s))) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "direction: entry or exit");
		goto out;
	}
	if ((s = json_string_value(json_object_get(b, "decision"))) &&
	    !(rec->decision = (uint8_t)tims_decision_parse(s))) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "decision: admit, refuse or second-line");
		goto out;
	}
	if ((v = json_object_get(b, "refusal_codes")) &&
	    join_codes(v, rec->refusal_code, sizeof(rec->refusal_code), &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	if (rec->decision != TIMS_DECISION_REFUSE)
		rec->refusal_code[0] = '\0';
	else if (json_object_get(b, "refusal_codes") &&
		 codes_known(n, "refusal_codes", rec->refusal_code, &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	if ((s = json_string_value(json_object_get(b, "remarks"))))
		snprintf(rec->remarks, sizeof(rec->remarks), "%s", s);
	if ((v = json_object_get(b, "person")) && person_apply(v, &rec->person, &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	differs = tims_oversight_person_differs(&orig->person, &rec->person, &field);
	if (differs) {
		/* Someone else's document, or another person: never by one
		 * supervisor alone, never as a plain correction. */
		rec->entry_mode = TIMS_ENTRY_MANUAL;
		rec->screen_status = TIMS_SCREEN_NOT_SCREENED;
		rec->nhits = 0;
		rec->check_id[0] = '\0';
		rec->confirmed_hit[0] = '\0';
	}
	if (tims_record_check(rec, &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	if (differs && !identity) {
		pthread_mutex_lock(&n->lock);
		if (node_audit(n, req, "correction.refused", reason, (int64_t)idx, 409,
			       json_pack("{s:I, s:s}", "corrects", (json_int_t)idx, "field", field),
			       json_pack("{s:s}", "refused", "identity change without approval"))) {
			pthread_mutex_unlock(&n->lock);
			rc = node_no_trace(resp, TIMS_ERR_IO);
			goto out;
		}
		pthread_mutex_unlock(&n->lock);
		rc = tims_http_reply_error(resp, 409, "identity_change", "%s: differs from record "
			"%" PRIu64 "; a correction keeps the document and the person. An identity "
			"change needs \"identity_change\": true, a reason and a second supervisor's "
			"approval", field, idx);
		goto out;
	}
	pthread_mutex_lock(&n->lock);
	if (differs) {
		rc = submit(n, req, resp, TIMS_APPROVAL_IDENTITY_CHANGE, reason, rec, 1,
			    json_pack("{s:I, s:s, s:s}", "corrects", (json_int_t)idx, "field", field,
				      "document", orig->person.doc_number), NULL);
		pthread_mutex_unlock(&n->lock);
		goto out;
	}
	if ((st = append_one(n, rec, &ack, resp))) {
		pthread_mutex_unlock(&n->lock);
		rc = TIMS_OK;
		goto out;
	}
	node_raise_record(n, req, NODE_ALERT_CORRECTION, rec, ack.index, reason);
	if (node_audit(n, req, "correction", reason, (int64_t)idx, ack.duplicate ? 200 : 201,
		       json_pack("{s:I, s:s}", "corrects", (json_int_t)idx, "document",
				 rec->person.doc_number),
		       json_pack("{s:I, s:b}", "index", (json_int_t)ack.index, "duplicate",
				 ack.duplicate))) {
		pthread_mutex_unlock(&n->lock);
		rc = node_no_trace(resp, TIMS_ERR_IO);
		goto out;
	}
	pthread_mutex_unlock(&n->lock);
	rc = tims_http_reply_json(resp, ack.duplicate ? 200 : 201, ack_json(&ack));
out:
	free(orig);
	free(rec);
	return rc;
}

/* --- POST /api/v1/second-line -------------------------------------------- */

const struct tims_json_field node_second_line_schema[] = {
	{ "first", TIMS_JSON_INTEGER, 1, 0 },
	{ "decision", TIMS_JSON_STRING, 1, 16 },
	{ "refusal_codes", TIMS_JSON_ARRAY, 0, REFUSAL_CODES_MAX },
	{ "remarks", TIMS_JSON_STRING, 0, 1000 },
	{ "id", TIMS_JSON_STRING, 0, 64 },
	{ NULL, 0, 0, 0 },
};

tims_rc node_h_second_line(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	json_t *b = req->json, *v;
	uint64_t first = (uint64_t)json_integer_value(json_object_get(b, "first")), by;
	const char *s = json_string_value(json_object_get(b, "decision"));
	struct tims_record *rec = malloc(sizeof(*rec));
	struct tims_post_ack ack;
	struct tims_err err;
	unsigned decision = tims_decision_parse(s);
	int st;
	tims_rc rc = TIMS_OK;

	if (!rec)
		return TIMS_ERR_NOMEM;
	if (decision != TIMS_DECISION_ADMIT && decision != TIMS_DECISION_REFUSE) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "decision: admit or refuse (the "
					   "second line decides)");
		goto out;
	}
	pthread_mutex_lock(&n->lock);
	if ((st = load_record(n, first, rec, resp, "first"))) {
		pthread_mutex_unlock(&n->lock);
		rc = st == 500 ? TIMS_ERR_STATE : TIMS_OK;
		goto out;
	}
	if (rec->decision != TIMS_DECISION_SECOND_LINE || rec->corrects != TIMS_RECORD_NO_INDEX) {
		pthread_mutex_unlock(&n->lock);
		rc = tims_http_reply_error_params(resp, 409, "not_referred",
			json_pack("{s:I}", "first", (json_int_t)first), "first: record %" PRIu64 " is not "
					   "a first-line referral to the second line", first);
		goto out;
	}
	if (!strcmp(rec->officer, req->who.id)) {
		pthread_mutex_unlock(&n->lock);
		rc = tims_http_reply_error(resp, 403, "same_officer", "first: you referred this "
					   "traveller; the second line is another officer");
		goto out;
	}
	if ((rc = tims_post_corrected_by(n->post, first, &by, &err))) {
		pthread_mutex_unlock(&n->lock);
		goto out;
	}
	if (by != TIMS_RECORD_NO_INDEX) {
		pthread_mutex_unlock(&n->lock);
		rc = tims_http_reply_error_params(resp, 409, "already_decided",
			json_pack("{s:I, s:I}", "first", (json_int_t)first, "by", (json_int_t)by),
			"first: record %" PRIu64 " already has an outcome (record %" PRIu64 ")", first, by);
		goto out;
	}
	pthread_mutex_unlock(&n->lock);
	/* The outcome: the first-line record's traveller, the second line's
	 * decision, linked to it. */
	rec->time_ms = 0;
	rec->crossed_ms = 0;
	rec->ref[0] = '\0';
	if ((s = json_string_value(json_object_get(b, "id"))))
		snprintf(rec->ref, sizeof(rec->ref), "%s", s);
	snprintf(rec->officer, sizeof(rec->officer), "%s", req->who.id);
	snprintf(rec->booth, sizeof(rec->booth), "%s", req->who.booth);
	rec->decision = (uint8_t)decision;
	rec->refusal_code[0] = '\0';
	if ((v = json_object_get(b, "refusal_codes")) &&
	    join_codes(v, rec->refusal_code, sizeof(rec->refusal_code), &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	if (decision == TIMS_DECISION_ADMIT && rec->refusal_code[0]) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "refusal_codes: only with refuse");
		goto out;
	}
	if (codes_known(n, "refusal_codes", rec->refusal_code, &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	rec->remarks[0] = '\0';
	if ((s = json_string_value(json_object_get(b, "remarks"))))
		snprintf(rec->remarks, sizeof(rec->remarks), "%s", s);
	snprintf(rec->reason, sizeof(rec->reason), "second-line outcome");
	rec->corrects = first;
	rec->approver[0] = '\0';
	if (tims_record_check(rec, &err)) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		goto out;
	}
	pthread_mutex_lock(&n->lock);
	if ((st = append_one(n, rec, &ack, resp))) {
		pthread_mutex_unlock(&n->lock);
		goto out;
	}
	node_raise_record(n, req, NODE_ALERT_SECOND_LINE, rec, ack.index, "second-line outcome");
	if (node_audit(n, req, "second-line", "second-line outcome", (int64_t)first,
		       ack.duplicate ? 200 : 201,
		       json_pack("{s:I, s:s, s:s}", "first", (json_int_t)first, "document",
				 rec->person.doc_number, "decision", tims_decision_name(decision)),
		       json_pack("{s:I, s:b}", "index", (json_int_t)ack.index, "duplicate",
				 ack.duplicate))) {
		pthread_mutex_unlock(&n->lock);
		rc = node_no_trace(resp, TIMS_ERR_IO);
		goto out;
	}
	pthread_mutex_unlock(&n->lock);
	v = ack_json(&ack);
	if (v)
		json_object_set_new(v, "corrects", json_integer((json_int_t)first));
	rc = tims_http_reply_json(resp, ack.duplicate ? 200 : 201, v);
out:
	free(rec);
	return rc;
}

/* --- POST /api/v1/paper-imports ------------------------------------------ */

const struct tims_json_field node_paper_schema[] = {
	{ "reason", TIMS_JSON_STRING, 1, 1000 },
	{ "crossings", TIMS_JSON_ARRAY, 1, TIMS_APPROVAL_MAX_RECORDS },
	{ NULL, 0, 0, 0 },
};

/* What a line of the paper register may say (docs/api.md); the rest is
 * the post's: officer and booth of the session, no check, no screening. */
static const char *const paper_keys[] = {
	"person", "direction", "decision", "refusal_code", "crossed_at", "remarks", "role",
	"vehicle", "companions",
};

/* One crossing of the register into rec: 0, or -1 with err naming it. */
static int paper_record(struct tims_node *n, const struct tims_http_req *req, json_t *c,
			size_t i, int64_t now, struct tims_record *rec, struct tims_err *err)
{
	json_t *o = json_object(), *v;
	const char *key;
	char *text = NULL;
	struct tims_err e2;
	int64_t oldest = now - (int64_t)n->ov.paper_max_age_days * 86400000;
	int bad = 0;

	if (!o || !json_is_object(c)) {
		json_decref(o);
		tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu]: an object", i);
		return -1;
	}
	json_object_foreach(c, key, v) {
		size_t k;

		for (k = 0; k < TIMS_ARRAY_SIZE(paper_keys) && strcmp(paper_keys[k], key); k++)
			;
		if (k == TIMS_ARRAY_SIZE(paper_keys)) {
			tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu].%.40s: unknown field", i, key);
			json_decref(o);
			return -1;
		}
		json_object_set(o, key, v);
	}
	if (!json_string_value(json_object_get(o, "crossed_at")) ||
	    json_string_length(json_object_get(o, "remarks")) < 3) {
		tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu].%s: required (%s)", i,
			     json_object_get(o, "crossed_at") ? "remarks" : "crossed_at",
			     json_object_get(o, "crossed_at") ? "the register's page and line"
							      : "when, from the register");
		json_decref(o);
		return -1;
	}
	json_object_set_new(o, "officer", json_string(req->who.id));
	json_object_set_new(o, "booth", json_string(req->who.booth));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text) {
		tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		return -1;
	}
	if (tims_record_from_json(text, strlen(text), rec, &e2))
		bad = 1;
	free(text);
	if (bad) {
		tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu].%s", i, e2.msg);
		return -1;
	}
	if (rec->crossed_ms >= now || rec->crossed_ms < oldest) {
		tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu].crossed_at: must be in the past, "
			     "at most %" PRIu32 " days ago", i, n->ov.paper_max_age_days);
		return -1;
	}
	if (codes_known(n, "refusal_code", rec->refusal_code, &e2)) {
		tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu].%s", i, e2.msg);
		return -1;
	}
	rec->entry_mode = TIMS_ENTRY_PAPER;
	rec->screen_status = TIMS_SCREEN_NOT_SCREENED;
	rec->nhits = 0;
	rec->check_id[0] = '\0';
	rec->confirmed_hit[0] = '\0';
	if (tims_record_check(rec, &e2)) {
		tims_err_set(err, TIMS_ERR_INVALID, "crossings[%zu].%s", i, e2.msg);
		return -1;
	}
	return 0;
}

/*
 * Each traveller of a paper register is screened when the register is
 * entered (taking n->lock for each traveller, so that the booths' checks
 * are not held up by a long register): the records stay "not screened" (no check was
 * made when they crossed), but every hit goes to the centre now, discreet
 * ones as DISCREET_HIT. *shown: the hits a supervisor may be told of (not
 * discreet). Fails (nothing submitted) when a screening fails; with no
 * watchlists loaded, *screened = 0.
 */
static tims_rc paper_screen(struct tims_node *n, const struct tims_http_req *req,
			    const struct tims_record *recs, size_t count, int *screened,
			    size_t *shown, struct tims_err *err)
{
	struct tims_wl_screening *sc = malloc(sizeof(*sc));
	struct tims_event *ev = malloc(sizeof(*ev));
	struct tims_err e2;
	tims_rc rc = TIMS_OK;

	*screened = 0;
	*shown = 0;
	if (!sc || !ev) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	pthread_rwlock_rdlock(&n->screen_rw);
	*screened = n->wl && n->ix;
	pthread_rwlock_unlock(&n->screen_rw);
	for (size_t i = 0; *screened && i < count && !rc; i++) {
		const struct tims_record *r = &recs[i];
		struct tims_wl_query q = {
			.doc_number = r->person.doc_number, .doc_issuer = r->person.issuer,
			.surname = r->person.surname, .given_names = r->person.given_names,
			.birth_date = r->person.birth_date, .nationality = r->person.nationality,
			.sex = r->person.sex[0], .plate = r->vehicle.plate, .vin = r->vehicle.vin,
		};

		pthread_rwlock_rdlock(&n->screen_rw);
		pthread_mutex_lock(&n->screen);
		if (!n->wl || !n->ix)
			snprintf(e2.msg, sizeof(e2.msg), "the watchlists were unloaded");
		if (!n->wl || !n->ix || tims_wl_screen(n->wl, n->ix, &q, sc, &e2)) {
			pthread_mutex_unlock(&n->screen);
			pthread_rwlock_unlock(&n->screen_rw);
			rc = tims_err_set(err, TIMS_ERR_STATE, "crossings[%zu]: screening failed: %s",
					  i, e2.msg);
			break;
		}
		pthread_mutex_unlock(&n->screen);
		pthread_rwlock_unlock(&n->screen_rw);
		for (int discreet = 0; discreet < 2; discreet++) {
			tims_event_init(ev);
			for (size_t k = 0; k < sc->nhits && ev->nhits < TIMS_EVENT_MAX_HITS; k++) {
				const struct tims_wl_hit *h = &sc->hits[k];
				struct tims_record_hit *x;

				if (h->discreet != discreet)
					continue;
				x = &ev->hits[ev->nhits++];
				memset(x, 0, sizeof(*x));
				x->part = h->part;
				x->discreet = h->discreet;
				snprintf(x->list, sizeof(x->list), "%s", h->list);
				snprintf(x->ref, sizeof(x->ref), "%s", h->ref);
				snprintf(x->alert, sizeof(x->alert), "%s", h->alert);
				x->version = h->version;
				x->score_pm = (uint16_t)(h->score <= 0 ? 0 : h->score >= 1 ? 1000 :
							 (unsigned)(h->score * 1000 + 0.5));
			}
			if (!ev->nhits)
				continue;
			if (!discreet)
				*shown += ev->nhits;
			ev->kind = discreet ? TIMS_EVENT_DISCREET_HIT : TIMS_EVENT_HIT;
			snprintf(ev->officer, sizeof(ev->officer), "%s", req->who.id);
			snprintf(ev->booth, sizeof(ev->booth), "%s", req->who.booth);
			ev->decision = r->decision;
			ev->time_ms = r->crossed_ms;
			snprintf(ev->document, sizeof(ev->document), "%s", r->person.doc_number);
			snprintf(ev->issuer, sizeof(ev->issuer), "%s", r->person.issuer);
			snprintf(ev->nationality, sizeof(ev->nationality), "%s", r->person.nationality);
			snprintf(ev->plate, sizeof(ev->plate), "%s", r->vehicle.plate);
			snprintf(ev->vehicle_country, sizeof(ev->vehicle_country), "%s",
				 r->vehicle.country);
			snprintf(ev->detail, sizeof(ev->detail), "paper register re-entered after an "
				 "outage (line %zu; %.600s): found when entered, not at the crossing",
				 i, r->remarks);
			if (node_event(n, ev, &e2))
				node_log(n, "events: %s: %s", tims_event_kind_name(ev->kind),
					 tims_err_msg(&e2));
		}
	}
out:
	free(sc);
	free(ev);
	return rc;
}

tims_rc node_h_paper_import(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	json_t *list = json_object_get(req->json, "crossings"), *c;
	const char *reason = json_string_value(json_object_get(req->json, "reason"));
	size_t count = json_array_size(list), i, shown = 0;
	struct tims_record *recs;
	struct tims_err err;
	int64_t now = wall_ms();
	int screened = 0;
	tims_rc rc;

	if (strlen(reason) < REASON_MIN)
		return tims_http_reply_error(resp, 400, "bad_field", "reason: at least %d characters "
					     "(the outage, the register)", REASON_MIN);
	if (!count)
		return tims_http_reply_error(resp, 400, "bad_field", "crossings: at least one");
	if (!(recs = calloc(count, sizeof(*recs))))
		return TIMS_ERR_NOMEM;
	/* Validated whole: one bad line, nothing submitted. */
	json_array_foreach(list, i, c) {
		if (paper_record(n, req, c, i, now, &recs[i], &err)) {
			free(recs);
			return err.rc == TIMS_ERR_NOMEM ? TIMS_ERR_NOMEM
				: tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
		}
	}
	/* Fail closed: a register whose travellers could not be screened is
	 * not taken (try again once screening works). */
	if (paper_screen(n, req, recs, count, &screened, &shown, &err)) {
		free(recs);
		if (err.rc == TIMS_ERR_NOMEM)
			return TIMS_ERR_NOMEM;
		node_log(n, "paper import: %s", tims_err_msg(&err));
		return tims_http_reply_error(resp, 503, "screening_failed", "%s; nothing submitted",
					     err.msg);
	}
	/* What the supervisor is told of the screening: no discreet hit. */
	pthread_mutex_lock(&n->lock);
	rc = submit(n, req, resp, TIMS_APPROVAL_PAPER_IMPORT, reason, recs, count,
		    json_pack("{s:I, s:s, s:I}", "crossings", (json_int_t)count, "screening",
			      screened ? "done" : "unavailable", "hits", (json_int_t)shown),
		    json_pack("{s:s, s:I}", "status", screened ? "done" : "unavailable",
			      "hits", (json_int_t)shown));
	pthread_mutex_unlock(&n->lock);
	free(recs);
	return rc;
}

/* --- the second person ---------------------------------------------------- */

/* An approval id as tims_approval_submit makes them: 32 lower-case hex. */
static int valid_id(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!isdigit((unsigned char)id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
			return 0;
	return i == TIMS_APPROVAL_ID_CHARS - 1;
}

struct list_ctx {
	json_t *arr;
	int64_t now;
};

static tims_rc list_one(void *ctx, const struct tims_approval *a)
{
	struct list_ctx *l = ctx;

	return json_array_append_new(l->arr, approval_json(a, l->now)) ? TIMS_ERR_NOMEM : TIMS_OK;
}

tims_rc node_h_approvals(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct list_ctx l = { json_array(), wall_ms() };
	struct tims_err err;
	tims_rc rc;

	if (!l.arr)
		return TIMS_ERR_NOMEM;
	pthread_mutex_lock(&n->lock);
	/* The last 30 days; no personal data beyond the reason. */
	rc = tims_approval_list(n->post, l.now - 30LL * 86400000, 200, list_one, &l, &err);
	if (!rc && node_audit(n, req, "approval.list", "supervision", -1, 200, NULL,
			      json_pack("{s:I}", "requests", (json_int_t)json_array_size(l.arr))))
		rc = TIMS_ERR_IO;
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		json_decref(l.arr);
		return rc == TIMS_ERR_IO ? node_no_trace(resp, TIMS_ERR_IO) : rc;
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:o}", "approvals", l.arr));
}

/* GET /api/v1/approvals/{id}: what the second person approves, whole. */
tims_rc node_h_approval(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_buf line = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);
	struct tims_record *recs = NULL;
	struct tims_approval a;
	struct tims_err err;
	size_t nrec = 0;
	json_t *arr = json_array(), *o;
	tims_rc rc;

	if (!valid_id(req->param[0])) {
		json_decref(arr);
		return tims_http_reply_error(resp, 404, "not_found", "no such approval request");
	}
	pthread_mutex_lock(&n->lock);
	rc = tims_approval_get(n->post, req->param[0], &a, &recs, &nrec, &err);
	if (rc == TIMS_ERR_NOTFOUND) {
		pthread_mutex_unlock(&n->lock);
		json_decref(arr);
		return tims_http_reply_error(resp, 404, "not_found", "no such approval request");
	}
	if (!rc && node_audit(n, req, "approval.read", "supervision", -1, 200,
			      json_pack("{s:s}", "approval", a.id),
			      json_pack("{s:I}", "records", (json_int_t)nrec)))
		rc = TIMS_ERR_IO;
	pthread_mutex_unlock(&n->lock);
	for (size_t i = 0; !rc && i < nrec; i++) {
		tims_buf_reset(&line);
		if (!(rc = tims_record_to_json(&recs[i], &line)))
			json_array_append_new(arr, json_loadb(line.buf, line.len, 0, NULL));
	}
	free(recs);
	tims_buf_release(&line);
	if (rc) {
		json_decref(arr);
		return rc == TIMS_ERR_IO ? node_no_trace(resp, TIMS_ERR_IO) : rc;
	}
	o = approval_json(&a, wall_ms());
	if (o)
		json_object_set_new(o, "crossings", arr);
	else
		json_decref(arr);
	return tims_http_reply_json(resp, 200, o);
}

tims_rc node_h_approve(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_record *recs = NULL;
	struct tims_post_ack *acks = NULL;
	struct tims_approval a;
	struct tims_err err;
	size_t nrec = 0;
	int64_t now = wall_ms();
	json_t *arr;
	const char *why;
	tims_rc rc;
	int status;

	if (!valid_id(req->param[0]))
		return tims_http_reply_error(resp, 404, "not_found", "no such approval request");
	pthread_mutex_lock(&n->lock);
	if ((why = node_halted(n, NULL))) {
		pthread_mutex_unlock(&n->lock);
		return tims_http_reply_error(resp, 503, "halted", "this post stopped acknowledging: "
					     "%s; nothing recorded", why);
	}
	rc = tims_approval_approve(n->post, req->param[0], req->who.id, now, &a, &acks, &err);
	if (rc == TIMS_ERR_NOTFOUND || rc == TIMS_ERR_DENIED || rc == TIMS_ERR_STATE) {
		status = rc == TIMS_ERR_NOTFOUND ? 404 : rc == TIMS_ERR_DENIED ? 403 : 409;
		if (node_audit(n, req, "approval.refused", "supervision", -1, status,
			       json_pack("{s:s}", "approval", req->param[0]),
			       json_pack("{s:s}", "reason", err.msg))) {
			pthread_mutex_unlock(&n->lock);
			return node_no_trace(resp, TIMS_ERR_IO);
		}
		pthread_mutex_unlock(&n->lock);
		return tims_http_reply_error(resp, status, rc == TIMS_ERR_DENIED ? "self_approval" :
					     rc == TIMS_ERR_STATE ? "not_pending" : "not_found",
					     "%s", err.msg);
	}
	if (rc) {
		node_log(n, "approval: %s", tims_err_msg(&err));
		node_halted(n, NULL);
		pthread_mutex_unlock(&n->lock);
		return rc;
	}
	/* The records as appended, for the events. */
	if (!tims_approval_get(n->post, a.id, &a, &recs, &nrec, &err)) {
		for (size_t i = 0; i < nrec; i++) {
			snprintf(recs[i].approver, sizeof(recs[i].approver), "%s", a.approver);
			if (acks[i].rc || acks[i].duplicate)
				continue;
			if (a.kind == TIMS_APPROVAL_IDENTITY_CHANGE)
				node_raise_record(n, req, NODE_ALERT_IDENTITY_CHANGE, &recs[i],
						  acks[i].index, a.reason);
		}
		if (a.kind == TIMS_APPROVAL_PAPER_IMPORT && nrec)
			node_raise_paper(n, req, &a, recs, nrec, acks);
	}
	arr = json_array();
	for (size_t i = 0; arr && i < a.nrecords; i++)
		json_array_append_new(arr, acks[i].rc ? json_pack("{s:s}", "error", acks[i].msg)
						      : ack_json(&acks[i]));
	rc = node_audit(n, req, "approval.approve", a.reason, -1, 201,
			json_pack("{s:s, s:s, s:s}", "approval", a.id, "kind",
				  tims_approval_kind_name(a.kind), "submitter", a.submitter),
			json_pack("{s:O}", "records", arr));
	pthread_mutex_unlock(&n->lock);
	free(recs);
	free(acks);
	if (rc) {
		json_decref(arr);
		return node_no_trace(resp, TIMS_ERR_IO);
	}
	return tims_http_reply_json(resp, 201, json_pack("{s:o, s:o}", "approval",
		approval_json(&a, now), "records", arr));
}

