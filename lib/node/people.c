/*
 * people.c — the node's routes that read or write personal data: checking a
 * traveller, registering a crossing, reading a history, reading the audit
 * log. Each appends its audit event before answering (node_audit).
 *
 * A crossing's answer never contradicts the log: the record, a checkpoint
 * covering it and the audit event it owes are one transaction
 * (tims_post_register); once that commits the booth is told "registered"
 * with the index, whatever fails after (the event then waits in post.db
 * and is appended by the timer or at the next start). Before it, nothing
 * is stored and the answer says why: 507 for a full disk, 503 halted; after
 * an I/O error in the commit the outcome is unknown and the answer is 503
 * not_confirmed (a retry with the same id after the restart is safe).
 */
#include <jansson.h>

#include "internal.h"
#include "tims/mrz.h"
#include "tims/record.h"
#include "tims/screen.h"
#include "tims/travel.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define PURPOSE_MIN 3
#define PURPOSE_MAX 200
#define AUDIT_PAGE_MAX 1000
#define MRZ_TEXT_MAX 300

static int64_t today(void)
{
	return tims_day_of_ms((int64_t)time(NULL) * 1000);
}

static tims_rc parse_mrz(const char *text, struct tims_mrz *m)
{
	struct tims_mrz_options opt;

	tims_mrz_options_init(&opt, time(NULL));
	return tims_mrz_parse(&opt, text, strlen(text), m);
}

/* --- POST /api/v1/check -------------------------------------------------- */

const struct tims_json_field node_check_schema[] = {
	{ "mrz", TIMS_JSON_STRING, 1, MRZ_TEXT_MAX },
	{ "vehicle", TIMS_JSON_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static json_t *stay_summary(const struct tims_travel *t)
{
	const struct tims_stay_result *s = &t->stay;

	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:b}",
		"regime", tims_stay_kind_name(s->kind), "max_days", s->max_days,
		"window_days", s->window_days, "used", s->used, "left", s->left,
		"overstay", s->overstay, "in_country", s->in_country,
		"inconsistent", s->inconsistent);
}

/*
 * Hits in a screening answer: how many, whether any is a discreet check,
 * and each hit for the audit trail. A discreet-check hit leaves the node as
 * {"list", "ref", "discreet": true} only: no name, alert kind, authority,
 * instruction or reasons reach the booth's browser, where a traveller (or a
 * screen reader, a developer tool, a cache) could see them. The audit event
 * keeps every hit whole enough to say what the matcher found and why (list,
 * reference, list version, alert or status, score, reasons, discreet) and
 * what the booth was shown ("shown": "full" or "marker"); the entry's own
 * text (name, authority, instruction) is in the watchlist at that version.
 */
static json_t *audit_hit(json_t *h, int discreet)
{
	static const char *const keep[] = {
		"list", "kind", "ref", "version", "alert", "status", "score", "reasons",
	};
	json_t *o = json_object(), *v;

	if (!o)
		return NULL;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((v = json_object_get(h, keep[i])))
			json_object_set(o, keep[i], v);
	json_object_set_new(o, "discreet", json_boolean(discreet));
	json_object_set_new(o, "shown", json_string(discreet ? "marker" : "full"));
	return o;
}

/* 0, or -1 when out of memory: then nothing may be answered, as a discreet
 * hit could not be reduced to its marker. */
static int count_hits(json_t *screen, size_t *total, int *discreet, json_t *refs)
{
	static const char *const parts[] = { "document", "person", "vehicle" };

	*total = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *hits = json_object_get(json_object_get(screen, parts[i]), "hits"), *h;
		size_t k;

		json_array_foreach(hits, k, h) {
			int quiet = json_is_true(json_object_get(h, "discreet"));
			json_t *a = audit_hit(h, quiet);

			if (!a || json_object_set_new(a, "part", json_string(parts[i])) ||
			    json_array_append_new(refs, a))
				return -1;
			(*total)++;
			if (quiet) {
				json_t *marker = json_pack("{s:O?, s:O?, s:b}",
					"list", json_object_get(h, "list"),
					"ref", json_object_get(h, "ref"), "discreet", 1);

				*discreet = 1;
				if (!marker || json_array_set_new(hits, k, marker))
					return -1;
			}
		}
	}
	return 0;
}

/*
 * Screening that failed is remembered, per document, until a later check of
 * that document completes: a crossing registered for it meanwhile must not
 * carry a summary that claims a screening ("no hits", "N hits: ..."). A
 * small ring, newest over oldest: a post has a few booths, and a traveller
 * is registered within minutes of the check.
 */
#define SCREEN_FAILED_MAX 256

struct screen_failed {
	char issuer[4];
	char number[TIMS_IDENT_MAX + 1];
};

static struct screen_failed screen_failed[SCREEN_FAILED_MAX];
static size_t screen_failed_next;

/* The caller holds n->lock for these two. */
static struct screen_failed *screen_failed_find(const char *issuer, const char *number)
{
	for (size_t i = 0; number && *number && i < SCREEN_FAILED_MAX; i++)
		if (!strcmp(screen_failed[i].number, number) &&
		    !strcmp(screen_failed[i].issuer, issuer ? issuer : ""))
			return &screen_failed[i];
	return NULL;
}

static void screen_failed_note(const char *issuer, const char *number, int failed)
{
	struct screen_failed *f = screen_failed_find(issuer, number);

	if (!number || !*number)
		return;
	if (!failed) {
		if (f)
			memset(f, 0, sizeof(*f));
		return;
	}
	if (f)
		return;
	f = &screen_failed[screen_failed_next++ % SCREEN_FAILED_MAX];
	snprintf(f->issuer, sizeof(f->issuer), "%s", issuer ? issuer : "");
	snprintf(f->number, sizeof(f->number), "%s", number);
}

/*
 * The screening summary a crossing may carry (n->lock held): what the
 * client sent, unless the last check of this document at this node failed
 * its screening while the summary claims one was made. Then the record says
 * "not screened: screening failed" — the crossing itself is kept (a refusal
 * or a second-line referral must be recordable), never a "no hits".
 */
static void screening_vouch(json_t *body)
{
	json_t *p = json_object_get(body, "person");
	const char *scr = json_string_value(json_object_get(body, "screening"));

	if (!screen_failed_find(json_string_value(json_object_get(p, "issuer")),
				json_string_value(json_object_get(p, "number"))))
		return;
	if (scr && !strncmp(scr, "not screened", 12))
		return;
	json_object_set_new(body, "screening", json_string("not screened: screening failed"));
}

tims_rc node_h_check(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_mrz *m = malloc(sizeof(*m));
	json_t *veh = json_object_get(req->json, "vehicle");
	const char *plate = json_string_value(json_object_get(veh, "plate"));
	const char *vin = json_string_value(json_object_get(veh, "vin"));
	char norm[TIMS_IDENT_MAX + 1];
	struct tims_travel t;
	struct tims_err err, serr;
	json_t *doc, *stay = json_null(), *screen, *refs = json_array(), *out;
	size_t records = 0, nhits = 0;
	int discreet = 0, failed = 0;
	tims_rc rc;

	if (!m || !refs) {
		free(m);
		json_decref(refs);
		return TIMS_ERR_NOMEM;
	}
	if ((plate && strlen(plate) > 20) || (vin && strlen(vin) > 20)) {
		free(m);
		json_decref(refs);
		return tims_http_reply_error(resp, 400, "bad_field",
					     "vehicle: plate and vin have at most 20 characters");
	}
	/* A plate or VIN that cannot be searched is the caller's to fix, not a
	 * vehicle screened with no hit. */
	if ((plate && tims_screen_norm_ident(TIMS_IDENT_PLATE, plate, norm, "vehicle.plate", &err)) ||
	    (vin && tims_screen_norm_ident(TIMS_IDENT_VIN, vin, norm, "vehicle.vin", &err))) {
		free(m);
		json_decref(refs);
		return tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
	}
	parse_mrz(json_string_value(json_object_get(req->json, "mrz")), m);
	doc = tims_mrz_json(m);
	tims_err_clear(&serr);
	pthread_mutex_lock(&n->lock);
	if (m->format != TIMS_MRZ_UNKNOWN && m->document_number[0] &&
	    !tims_travel_get(n->post, m->document_number,
			     m->nationality[0] ? m->nationality : NULL, today(), NULL, &t, &err)) {
		stay = stay_summary(&t);
		records = t.n;
		tims_travel_release(&t);
	}
	if (!n->ix) {
		screen = node_screening_status(n);
	} else if (m->format == TIMS_MRZ_UNKNOWN) {
		screen = json_pack("{s:b, s:s}", "available", 1, "skipped",
				   "the MRZ could not be read; screen the traveller by name");
	} else {
		/* Fail closed: a lookup that failed is never "no hit". */
		screen = tims_wl_screen_traveller(n->wl, n->ix, m, plate, vin, &serr);
		failed = !screen;
		if (screen && count_hits(screen, &nhits, &discreet, refs)) {
			json_decref(screen); /* fail closed: never the unreduced hits */
			screen = NULL;
		}
		if (screen) {
			json_object_set_new(screen, "available", json_true());
			json_object_set_new(screen, "hits", json_integer((json_int_t)nhits));
			json_object_set_new(screen, "discreet", json_boolean(discreet));
		}
		screen_failed_note(m->issuing_state, m->document_number, failed);
	}
	if (failed)
		node_log(n, "check: screening failed: %s", tims_err_msg(&serr));
	/* What was asked and what was shown, for the auditors; a failed
	 * screening says so and why. */
	rc = node_audit(n, req, "check", "booth check", -1, failed ? 503 : screen ? 200 : 500,
		json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "document", m->document_number,
			  "issuing_state", m->issuing_state, "nationality", m->nationality,
			  "plate", plate, "vin", vin),
		failed ? json_pack("{s:b, s:I, s:O, s:s, s:s}", "valid", m->valid,
				   "history_records", (json_int_t)records, "stay", stay,
				   "screening", "failed", "reason", tims_err_msg(&serr)) :
		json_pack("{s:b, s:I, s:O, s:o}", "valid", m->valid, "history_records",
			  (json_int_t)records, "stay", stay, "hits", refs));
	pthread_mutex_unlock(&n->lock);
	if (failed)
		json_decref(refs);
	tims_metric_add(n->m_checks, 1);
	free(m);
	if (rc || !screen) {
		json_decref(doc);
		json_decref(stay);
		json_decref(screen);
		if (rc)
			return node_no_trace(resp);
		if (failed)
			return tims_http_reply_error(resp, 503, "screening_failed",
				"screening failed, the traveller is not screened: %s",
				tims_err_msg(&serr));
		return TIMS_ERR_NOMEM;
	}
	out = json_pack("{s:o, s:o, s:I, s:o}", "document", doc ? doc : json_null(),
		"stay", stay, "history_records", (json_int_t)records, "screening", screen);
	return tims_http_reply_json(resp, 200, out);
}

/* --- POST /api/v1/crossings ---------------------------------------------- */

/* The record's own JSON (docs/formats.md) less officer and booth, which come
 * from the session, plus "mrz" as an alternative to "person". */
const struct tims_json_field node_crossing_schema[] = {
	{ "mrz", TIMS_JSON_STRING, 0, MRZ_TEXT_MAX },
	{ "person", TIMS_JSON_OBJECT, 0, 0 },
	{ "direction", TIMS_JSON_STRING, 1, 8 },
	{ "decision", TIMS_JSON_STRING, 0, 16 },
	{ "refusal_code", TIMS_JSON_STRING, 0, 16 },
	{ "id", TIMS_JSON_STRING, 0, 64 },
	{ "crossed_at", TIMS_JSON_STRING, 0, 32 },
	{ "remarks", TIMS_JSON_STRING, 0, 1000 },
	{ "role", TIMS_JSON_STRING, 0, 16 },
	{ "vehicle", TIMS_JSON_OBJECT, 0, 0 },
	{ "companions", TIMS_JSON_ARRAY, 0, TIMS_RECORD_MAX_COMPANIONS },
	{ "screening", TIMS_JSON_STRING, 0, 120 },
	{ "corrects", TIMS_JSON_INTEGER, 0, 0 },
	{ "reason", TIMS_JSON_STRING, 0, 1000 },
	{ NULL, 0, 0, 0 },
};

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* person from the MRZ: 0, or an HTTP status with resp filled. */
static int person_from_mrz(json_t *body, struct tims_http_resp *resp)
{
	struct tims_mrz *m = malloc(sizeof(*m));
	json_t *person;
	char sex[2] = { 0, 0 };

	if (!m)
		return 500;
	if (parse_mrz(json_string_value(json_object_get(body, "mrz")), m) != TIMS_OK) {
		json_t *e = tims_mrz_json(m);

		tims_http_reply_json(resp, 422, json_pack("{s:s, s:s, s:O}", "error", "invalid_mrz",
			"message", "the MRZ is not valid; nothing recorded",
			"errors", e ? json_object_get(e, "errors") : json_null()));
		json_decref(e);
		free(m);
		return 422;
	}
	person = json_object();
	sex[0] = m->sex;
	set_str(person, "doc_code", m->document_code);
	set_str(person, "issuer", m->issuing_state);
	set_str(person, "number", m->document_number);
	set_str(person, "surname", m->surname);
	set_str(person, "given_names", m->given_names);
	set_str(person, "nationality", m->nationality);
	set_str(person, "birth_date", m->birth_date.iso);
	set_str(person, "sex", sex);
	set_str(person, "expiry", m->expiry_date.iso);
	json_object_set_new(body, "person", person);
	json_object_del(body, "mrz");
	free(m);
	return 0;
}

static tims_rc crossing_answer(struct tims_node *n, struct tims_http_resp *resp,
			       const struct tims_post_ack *ack)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t len = 0;
	json_t *arr = json_array();
	tims_rc rc;

	if ((rc = tims_post_latest_checkpoint(n->post, &note, &cp, NULL)))
		goto out;
	tims_post_reader(n->post, &r);
	if ((rc = tims_tlog_prove_inclusion(ack->index, cp.size, &r, proof, &len, NULL)))
		goto out;
	for (size_t i = 0; i < len; i++)
		json_array_append_new(arr, node_hex_json(proof[i], TIMS_HASH_BYTES));
	rc = tims_http_reply_json(resp, ack->duplicate ? 200 : 201,
		json_pack("{s:I, s:o, s:b, s:{s:s, s:I, s:o, s:s}, s:O}",
			"index", (json_int_t)ack->index,
			"leaf_hash", node_hex_json(ack->leaf, TIMS_HASH_BYTES),
			"duplicate", ack->duplicate,
			"checkpoint", "origin", cp.origin, "size", (json_int_t)cp.size,
			"root", node_hex_json(cp.root, TIMS_HASH_BYTES), "note", tims_buf_str(&note),
			"inclusion_proof", arr));
out:
	json_decref(arr);
	tims_buf_release(&note);
	return rc;
}

tims_rc node_h_crossing(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_record *rec = malloc(sizeof(*rec));
	struct tims_post_ack ack;
	struct tims_err err;
	struct timespec t0, t1;
	json_t *body = json_deep_copy(req->json), *owed = NULL;
	char *text = NULL, *otext = NULL;
	const char *why;
	int st;
	tims_rc rc = TIMS_OK;

	if (!rec || !body) {
		free(rec);
		json_decref(body);
		return TIMS_ERR_NOMEM;
	}
	if (json_object_get(body, "mrz") && json_object_get(body, "person")) {
		rc = tims_http_reply_error(resp, 400, "bad_field", "person: give either mrz or person");
		goto out;
	}
	if (json_object_get(body, "mrz") && (st = person_from_mrz(body, resp)))
		goto out;
	pthread_mutex_lock(&n->lock);
	screening_vouch(body); /* never "no hits" after a failed screening */
	pthread_mutex_unlock(&n->lock);
	/* Who and where come from the session, never from the body. */
	json_object_set_new(body, "officer", json_string(req->who.id));
	json_object_set_new(body, "booth", json_string(req->who.booth));
	text = json_dumps(body, JSON_COMPACT);
	if (!text || tims_record_from_json(text, strlen(text), rec, &err)) {
		rc = text ? tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg)
			  : TIMS_ERR_NOMEM;
		goto out;
	}
	/* The audit event this crossing owes, kept with the record in its own
	 * transaction: the two are durable together (tims_post_register). */
	owed = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "actor",
			 req->who.id[0] ? req->who.id : "-", "role", tims_role_name(req->who.role),
			 "booth", req->who.booth, "addr", req->addr, "document",
			 rec->person.doc_number, "direction", tims_direction_name(rec->direction));
	if (!owed || !(otext = json_dumps(owed, JSON_COMPACT | JSON_SORT_KEYS))) {
		rc = TIMS_ERR_NOMEM;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&n->lock);
	if ((why = node_halted(n, NULL))) {
		pthread_mutex_unlock(&n->lock);
		rc = tims_http_reply_error(resp, 503, "halted", "this post stopped acknowledging "
					   "crossings: %s; nothing recorded", why);
		goto out;
	}
	pthread_mutex_unlock(&n->lock);
	/* Outside n->lock: booths registering at once share one commit (the
	 * post's group commit takes its own lock); a post halted meanwhile
	 * refuses there (TIMS_ERR_STATE, or the I/O stop). */
	rc = tims_post_register(n->post, rec, otext, strlen(otext), &ack, &err);
	pthread_mutex_lock(&n->lock);
	if (ack.rc == TIMS_OK) {
		/* Durable: whatever fails from here, the answer says registered. */
		if (rc)
			node_log(n, "crossing %" PRIu64 " stored; then: %s", ack.index,
				 tims_err_msg(&err));
		/* This crossing's event, with those of the crossings committed in
		 * the same group (or by then), in one audit transaction. */
		if (!ack.duplicate && node_audit_owed_all(n))
			n->owed++; /* kept in post.db: appended at the next try */
		if (ack.duplicate &&
		    node_audit(n, req, "crossing", "", (int64_t)ack.index, 200,
			       json_pack("{s:s, s:s}", "document", rec->person.doc_number,
					 "direction", tims_direction_name(rec->direction)),
			       json_pack("{s:I, s:b}", "index", (json_int_t)ack.index,
					 "duplicate", 1)))
			node_log(n, "crossing %" PRIu64 ": a retry answered without its audit "
				 "event (the record's own event is kept)", ack.index);
		if ((rc = crossing_answer(n, resp, &ack)))
			rc = tims_http_reply_json(resp, ack.duplicate ? 200 : 201,
				json_pack("{s:I, s:o, s:b, s:n, s:n}", "index", (json_int_t)ack.index,
					  "leaf_hash", node_hex_json(ack.leaf, TIMS_HASH_BYTES),
					  "duplicate", ack.duplicate, "checkpoint", "inclusion_proof"));
		node_halted(n, NULL); /* an I/O error after the commit: logged now */
	} else if (rc) {
		/* Nothing stored, or (an I/O error) unknown: never "not registered"
		 * when it may be. */
		node_log(n, "crossing not stored: %s", tims_err_msg(&err));
		if (tims_post_halted(n->post, NULL) && rc != TIMS_ERR_STATE)
			rc = tims_http_reply_error(resp, 503, "not_confirmed", "%s", ack.msg);
		else if (rc == TIMS_ERR_STATE)
			rc = tims_http_reply_error(resp, 503, "halted", "%s; nothing recorded",
						   tims_err_msg(&err));
		else if (rc == TIMS_ERR_FULL)
			rc = tims_http_reply_error(resp, 507, "storage_full",
						   "the post's disk is full: nothing recorded; "
						   "register again once space is freed");
		else
			rc = tims_http_reply_error(resp, 500, "not_recorded",
						   "the crossing log failed: nothing recorded");
		node_halted(n, NULL);
		pthread_mutex_unlock(&n->lock);
		goto out;
	}
	pthread_mutex_unlock(&n->lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc)
		goto out;
	if (ack.rc) {
		rc = tims_http_reply_error(resp, ack.rc == TIMS_ERR_EXISTS ? 409 : 400,
					   "not_recorded", "%s", ack.msg);
		goto out;
	}
	tims_metric_observe_us(n->m_register, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
							 (t1.tv_nsec - t0.tv_nsec) / 1000));
	if (!ack.duplicate) /* a retry is not a second crossing */
		tims_metric_add(n->m_crossings, 1);
	tims_metric_set(n->m_log_size, (int64_t)ack.index + 1);
out:
	free(text);
	free(otext);
	json_decref(owed);
	free(rec);
	json_decref(body);
	return rc;
}

/* --- GET /api/v1/history/{document} ------------------------------------- */

static int valid_document(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 24)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

tims_rc node_h_history(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	const char *doc = req->param[0];
	const char *nat = tims_http_query(req, "nationality");
	const char *purpose = tims_http_query(req, "purpose");
	const char *cross = tims_http_query(req, "crossing");
	uint64_t crossing = 0, size = 0;
	struct tims_travel t;
	struct tims_err err;
	json_t *out, *indexes;
	tims_rc rc;

	if (!valid_document(doc))
		return tims_http_reply_error(resp, 400, "bad_field",
					     "document: 1 to 24 characters A-Z and 0-9");
	if (nat && (strlen(nat) < 1 || strlen(nat) > 3))
		return tims_http_reply_error(resp, 400, "bad_field", "nationality: 1 to 3 letters");
	/* A look-up with no crossing behind it must say why (G5). */
	if (!cross && (!purpose || strlen(purpose) < PURPOSE_MIN))
		return tims_http_reply_error(resp, 400, "purpose_required",
			"purpose: state why you need this history, or give the crossing it serves");
	if (purpose && strlen(purpose) > PURPOSE_MAX)
		return tims_http_reply_error(resp, 400, "bad_field",
					     "purpose: longer than %d bytes", PURPOSE_MAX);
	if (cross && tims_parse_u64(cross, UINT64_MAX / 2, &crossing, "crossing", &err))
		return tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
	pthread_mutex_lock(&n->lock);
	tims_post_size(n->post, &size, NULL);
	if (cross && crossing >= size) {
		pthread_mutex_unlock(&n->lock);
		return tims_http_reply_error(resp, 400, "bad_field",
					     "crossing: no record %" PRIu64 " in this log", crossing);
	}
	rc = tims_travel_get(n->post, doc, nat, today(), NULL, &t, &err);
	if (rc) {
		pthread_mutex_unlock(&n->lock);
		return rc;
	}
	indexes = json_array();
	for (size_t i = 0; i < t.n; i++)
		json_array_append_new(indexes, json_integer((json_int_t)t.rows[i].index));
	rc = node_audit(n, req, "history", purpose ? purpose : "", cross ? (int64_t)crossing : -1,
			200, json_pack("{s:s, s:s?}", "document", doc, "nationality", nat),
			json_pack("{s:o}", "records", indexes));
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		tims_travel_release(&t);
		return node_no_trace(resp);
	}
	out = tims_travel_json(&t, doc, today());
	tims_travel_release(&t);
	return tims_http_reply_json(resp, 200, out);
}

/* --- GET /api/v1/audit (auditors) ---------------------------------------- */

struct audit_page {
	json_t *events;
};

static tims_rc add_event(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct audit_page *pg = ctx;
	json_t *q = ev->query ? json_loadb(ev->query, ev->query_len, 0, NULL) : NULL;
	json_t *r = ev->result ? json_loadb(ev->result, ev->result_len, 0, NULL) : NULL;
	json_t *e = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o}",
		"index", (json_int_t)index, "time_ms", (json_int_t)ev->time_ms,
		"actor", ev->actor, "role", ev->role, "booth", ev->booth, "addr", ev->addr,
		"action", ev->action, "purpose", ev->purpose, "status", ev->status,
		"query", q ? q : json_null(), "result", r ? r : json_null());

	if (!e)
		return TIMS_ERR_NOMEM;
	if (ev->crossing >= 0)
		json_object_set_new(e, "crossing", json_integer(ev->crossing));
	json_array_append_new(pg->events, e);
	return TIMS_OK;
}

tims_rc node_h_audit(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct audit_page pg = { json_array() };
	struct tims_err err;
	uint64_t from = 0, count = 100;
	const char *v;
	tims_rc rc;

	if (((v = tims_http_query(req, "from")) &&
	     tims_parse_u64(v, UINT64_MAX / 2, &from, "from", &err)) ||
	    ((v = tims_http_query(req, "count")) &&
	     tims_parse_u64(v, AUDIT_PAGE_MAX, &count, "count", &err))) {
		json_decref(pg.events);
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	}
	pthread_mutex_lock(&n->lock);
	rc = tims_audit_list(n->audit, from, count, add_event, &pg, &err);
	/* Reading the audit trail is itself on the trail. */
	if (!rc)
		rc = node_audit(n, req, "audit.read", "audit review", -1, 200,
				json_pack("{s:I, s:I}", "from", (json_int_t)from,
					  "count", (json_int_t)count),
				json_pack("{s:I}", "events", (json_int_t)json_array_size(pg.events)));
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		json_decref(pg.events);
		return node_no_trace(resp);
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:I, s:o}", "from", (json_int_t)from,
							  "events", pg.events));
}
