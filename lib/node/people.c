/*
 * people.c — the node's routes that read or write personal data: checking a
 * traveller, registering a crossing, reading a history, reading the audit
 * log. Each appends its audit event before answering (node_audit).
 *
 * Checks and crossings go through the booth service (tims/booth.h): the
 * handlers parse, call it, report hits to the centre (node_event), audit
 * and render; the person and the screening of a crossing come from the
 * server's check, never from the client.
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
#include <sodium.h>

#include "internal.h"
#include "tims/booth.h"
#include "tims/epass.h"
#include "tims/event.h"
#include "tims/mrz.h"
#include "tims/post.h"
#include "tims/prescreen.h"
#include "tims/record.h"
#include "tims/screen.h"
#include "tims/travel.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

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

/*
 * parse -> tims_booth_check -> events -> audit -> render. The answer is the
 * check reduced for the booth (tims_booth_reduce: no discreet hit, not even
 * a marker); the audit event keeps every hit, and says which the booth was
 * not shown; the centre learns of every hit as an event at once.
 */
const struct tims_json_field node_check_schema[] = {
	{ "mrz", TIMS_JSON_STRING, 0, MRZ_TEXT_MAX },
	{ "manual", TIMS_JSON_OBJECT, 0, 0 },
	{ "vehicle", TIMS_JSON_OBJECT, 0, 0 },
	{ "visa", TIMS_JSON_OBJECT, 0, 0 },
	{ "chip", TIMS_JSON_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/*
 * "chip": the files the booth's reader read, base64 (RFC 4648, with
 * padding): sod (EF.SOD with its 0x77 tag), dg1, dg2, and dg14, dg15 when
 * the chip has them. Each has a ceiling and must be one TLV of its own tag
 * (a 400 naming the field otherwise); whether they are genuine is the
 * post's passive authentication (tims_booth_chip_verify), never the
 * booth's say. An active-authentication outcome from the booth is not
 * taken: there is no field for it. What the booth sends for it is data
 * the post checks: "aa_challenge" (16 hex digits: a challenge this post
 * issued, POST /api/v1/chip/challenge) and "aa_response" (base64, at most
 * 512 bytes: the chip's answer to INTERNAL AUTHENTICATE with it).
 */
static const struct {
	const char *key;
	unsigned dg;     /* 0: the SOD */
	size_t max;      /* decoded bytes */
} chip_files[] = {
	{ "sod", 0, TIMS_EPASS_SOD_MAX },
	{ "dg1", 1, 1024 },
	{ "dg2", 2, NODE_CHIP_DG2_MAX },
	{ "dg14", 14, 8192 },
	{ "dg15", 15, 8192 },
};

struct chip_req {
	uint8_t *buf[TIMS_ARRAY_SIZE(chip_files)];
	struct tims_epass_input in;
	bool has_challenge;
	uint8_t challenge[TIMS_BOOTH_AA_CHALLENGE];
	uint8_t *response;                /* malloc'd, or NULL */
	size_t response_len;
	const uint8_t *dg2;
	size_t dg2_len;
};

static void chip_req_release(struct chip_req *c)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(chip_files); i++)
		free(c->buf[i]);
	free(c->response);
	memset(c, 0, sizeof(*c));
}

static int parse_chip(json_t *o, struct chip_req *c, char *msg, size_t size)
{
	const char *key;
	json_t *v;
	struct tims_err err;

	memset(c, 0, sizeof(*c));
	json_object_foreach(o, key, v) {
		size_t i, len, b64, bin_len;
		const char *end;
		unsigned num;

		if (!strcmp(key, "aa_challenge")) {
			if (!json_is_string(v) || json_string_length(v) != 2 * TIMS_BOOTH_AA_CHALLENGE ||
			    sodium_hex2bin(c->challenge, sizeof(c->challenge), json_string_value(v),
					   json_string_length(v), NULL, &bin_len, &end) ||
			    bin_len != TIMS_BOOTH_AA_CHALLENGE || *end) {
				snprintf(msg, size, "chip.aa_challenge: must be the %d hex digits "
					 "POST /api/v1/chip/challenge gave", 2 * TIMS_BOOTH_AA_CHALLENGE);
				return -1;
			}
			c->has_challenge = true;
			continue;
		}
		if (!strcmp(key, "aa_response")) {
			b64 = json_is_string(v) ? json_string_length(v) : 0;
			if (!json_is_string(v) || b64 > (TIMS_BOOTH_AA_SIG_MAX + 2) / 3 * 4) {
				snprintf(msg, size, "chip.aa_response: a base64 string of at most %d bytes",
					 TIMS_BOOTH_AA_SIG_MAX);
				return -1;
			}
			if (!(c->response = malloc(TIMS_BOOTH_AA_SIG_MAX)))
				return -2;
			if (!b64 || sodium_base642bin(c->response, TIMS_BOOTH_AA_SIG_MAX,
						      json_string_value(v), b64, NULL, &c->response_len,
						      &end, sodium_base64_VARIANT_ORIGINAL) ||
			    end != json_string_value(v) + b64) {
				snprintf(msg, size, "chip.aa_response: not base64 (RFC 4648, with padding)");
				return -1;
			}
			continue;
		}

		for (i = 0; i < TIMS_ARRAY_SIZE(chip_files) && strcmp(chip_files[i].key, key); i++)
			;
		if (i == TIMS_ARRAY_SIZE(chip_files)) {
			snprintf(msg, size, "chip.%.40s: unknown field (sod, dg1, dg2, dg14, dg15, "
				 "aa_challenge, aa_response; the chip's outcome is the post's, not "
				 "the booth's)", key);
			return -1;
		}
		if (!json_is_string(v)) {
			snprintf(msg, size, "chip.%s: must be a string (base64)", key);
			return -1;
		}
		b64 = json_string_length(v);
		if (b64 > (chip_files[i].max + 2) / 3 * 4) {
			snprintf(msg, size, "chip.%s: more than %zu bytes", key, chip_files[i].max);
			return -1;
		}
		if (!(c->buf[i] = malloc(chip_files[i].max + 1)))
			return -2;
		if (!b64 || sodium_base642bin(c->buf[i], chip_files[i].max, json_string_value(v),
					      b64, NULL, &bin_len, &end,
					      sodium_base64_VARIANT_ORIGINAL) ||
		    end != json_string_value(v) + b64) {
			snprintf(msg, size, "chip.%s: not base64 (RFC 4648, with padding)", key);
			return -1;
		}
		len = bin_len;
		if (chip_files[i].dg == 0) {
			const uint8_t *cms;
			size_t cms_len;

			if (tims_epass_sod_unwrap(c->buf[i], len, &cms, &cms_len, &err)) {
				snprintf(msg, size, "chip.sod: %.200s",
					 strncmp(err.msg, "sod: ", 5) ? err.msg : err.msg + 5);
				return -1;
			}
			c->in.sod = (struct tims_epass_file){ c->buf[i], len };
			continue;
		}
		if (tims_epass_dg_number(c->buf[i], len, &num, &err)) {
			snprintf(msg, size, "chip.%s: %.200s", key, err.msg);
			return -1;
		}
		if (num != chip_files[i].dg) {
			snprintf(msg, size, "chip.%s: the file is DG%u's (its tag), not DG%u's", key,
				 num, chip_files[i].dg);
			return -1;
		}
		c->in.dgs[c->in.ndgs++] = (struct tims_epass_file){ c->buf[i], len };
		if (num == 2) {
			c->dg2 = c->buf[i];
			c->dg2_len = len;
		}
	}
	if (!c->in.sod.p) {
		snprintf(msg, size, "chip.sod: missing (EF.SOD, with dg1 and dg2)");
		return -1;
	}
	if (!c->has_challenge != !c->response) {
		snprintf(msg, size, "chip.%s: missing (active authentication sends the post's "
			 "challenge and the chip's answer together)",
			 c->has_challenge ? "aa_response" : "aa_challenge");
		return -1;
	}
	return 0;
}

/*
 * The chip's outcome for the booth, with the DG2 face when it could be
 * taken out: {type, data (base64), width, height, verified (the chip was
 * authenticated, so the photo is the issuer's)}. The photo is only in
 * this answer: not in the check the post remembers, the record, the audit
 * or a log line.
 */
static json_t *chip_answer(const struct tims_booth_check *c, const struct chip_req *req)
{
	json_t *o = tims_booth_chip_json(&c->chip);
	struct tims_epass_face face;
	struct tims_err err;
	char *b64;
	size_t b64len;

	if (!o || !req->dg2)
		return o;
	if (tims_epass_dg2_face(req->dg2, req->dg2_len, &face, &err)) {
		json_object_set_new(o, "photo", json_pack("{s:s}", "error", err.msg));
		return o;
	}
	b64len = sodium_base64_ENCODED_LEN(face.len, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(b64len)))
		return o;
	sodium_bin2base64(b64, b64len, face.image, face.len, sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(o, "photo", json_pack("{s:s, s:s, s:i, s:i, s:b}",
		"type", face.type == TIMS_EPASS_IMG_JPEG ? "image/jpeg" : "image/jp2",
		"data", b64, "width", (int)face.width, "height", (int)face.height,
		"verified", c->chip.outcome == TIMS_CHIP_AUTHENTICATED));
	free(b64);
	return o;
}

/* One string member of a small request object into dst; 0, or -1 with
 * msg naming the field. */
struct str_field {
	const char *key;
	size_t off;
};

static int copy_strings(json_t *obj, const char *what, const struct str_field *fields,
			size_t nfields, void *base, char *msg, size_t msgsize)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i, len;

		for (i = 0; i < nfields && strcmp(fields[i].key, key); i++)
			;
		if (i == nfields) {
			snprintf(msg, msgsize, "%s.%.40s: unknown field", what, key);
			return -1;
		}
		if (!json_is_string(v)) {
			snprintf(msg, msgsize, "%s.%s: must be a string", what, key);
			return -1;
		}
		len = json_string_length(v);
		if (len >= TIMS_RECORD_FIELD || memchr(json_string_value(v), '\0', len)) {
			snprintf(msg, msgsize, "%s.%s: at most %d bytes, no NUL", what, key,
				 TIMS_RECORD_FIELD - 1);
			return -1;
		}
		memcpy((char *)base + fields[i].off, json_string_value(v), len + 1);
	}
	return 0;
}

#define PF(k, m) { k, offsetof(struct tims_person, m) }
static const struct str_field manual_fields[] = {
	PF("surname", surname), PF("given_names", given_names),
	PF("birth_date", birth_date), PF("nationality", nationality), PF("sex", sex),
	PF("doc_number", doc_number), PF("issuer", issuer), PF("doc_code", doc_code),
	PF("expiry", expiry),
};
#define VF(k, m) { k, offsetof(struct tims_vehicle, m) }
static const struct str_field vehicle_fields[] = {
	VF("plate", plate), VF("vin", vin), VF("country", country), VF("make_model", make_model),
};
#define SF(k, m) { k, offsetof(struct tims_visa, m) }
static const struct str_field visa_fields[] = {
	SF("number", number), SF("issuer", issuer), SF("valid_from", valid_from),
	SF("valid_until", valid_until),
};

static int parse_vehicle(json_t *o, struct tims_vehicle *v, char *msg, size_t size)
{
	char norm[TIMS_IDENT_MAX + 1];
	struct tims_err err;

	memset(v, 0, sizeof(*v));
	if (copy_strings(o, "vehicle", vehicle_fields, TIMS_ARRAY_SIZE(vehicle_fields), v,
			 msg, size))
		return -1;
	if (strlen(v->plate) > 20 || strlen(v->vin) > 20) {
		snprintf(msg, size, "vehicle: plate and vin have at most 20 characters");
		return -1;
	}
	/* A plate or VIN that cannot be searched is the caller's to fix, not a
	 * vehicle screened with no hit. */
	if ((v->plate[0] && tims_screen_norm_ident(TIMS_IDENT_PLATE, v->plate, norm,
						    "vehicle.plate", &err)) ||
	    (v->vin[0] && tims_screen_norm_ident(TIMS_IDENT_VIN, v->vin, norm, "vehicle.vin",
						  &err))) {
		snprintf(msg, size, "%s", err.msg);
		return -1;
	}
	return 0;
}

/*
 * The visa: its MRZ as read ("mrz": an MRV-A or MRV-B, giving kind, number,
 * issuer and the last day), and/or typed fields (kind, number, issuer,
 * valid_from, valid_until, entries, duration_days: the visual zone's first
 * day, entries and duration are never in the MRZ); typed fields complete
 * what the MRZ gives. The record's rules check it (tims_booth_check). A
 * visa read is kept in *vm for the holder's check (visa_holder_differs).
 */
static int parse_visa(json_t *o, struct tims_visa *v, struct tims_mrz *vm, char *msg,
		      size_t size)
{
	json_t *strs = json_object(), *x;
	const char *key, *text = json_string_value(json_object_get(o, "mrz"));
	int kind, rc = 0;
	struct tims_err err;

	memset(v, 0, sizeof(*v));
	vm->format = TIMS_MRZ_UNKNOWN;
	if (!strs)
		return -1;
	if (json_object_get(o, "mrz")) {
		if (!text || strlen(text) > MRZ_TEXT_MAX) {
			snprintf(msg, size, "visa.mrz: a string of at most %d characters", MRZ_TEXT_MAX);
			json_decref(strs);
			return -1;
		}
		parse_mrz(text, vm);
		if (tims_mrz_visa(vm, v, &err)) {
			snprintf(msg, size, "visa.mrz: %.200s",
				 strncmp(err.msg, "visa: ", 6) ? err.msg : err.msg + 6);
			json_decref(strs);
			return -1;
		}
	}
	json_object_foreach(o, key, x) {
		if (!strcmp(key, "mrz")) {
			continue;
		} else if (!strcmp(key, "kind")) {
			if (!json_is_string(x) || (kind = tims_visa_kind_parse(json_string_value(x))) <= 0) {
				snprintf(msg, size, "visa.kind: must be short, long or residence");
				rc = -1;
				break;
			}
			v->kind = (uint8_t)kind;
		} else if (!strcmp(key, "entries") || !strcmp(key, "duration_days")) {
			json_int_t max = key[0] == 'e' ? 2 : 366;

			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    json_integer_value(x) > max) {
				snprintf(msg, size, "visa.%s: an integer from 0 to %d", key, (int)max);
				rc = -1;
				break;
			}
			if (key[0] == 'e')
				v->entries = (uint8_t)json_integer_value(x);
			else
				v->duration_days = (uint16_t)json_integer_value(x);
		} else {
			json_object_set(strs, key, x);
		}
	}
	if (!rc && json_object_size(strs)) {
		/* typed fields over the MRZ's: only those given */
		struct tims_visa typed;

		memset(&typed, 0, sizeof(typed));
		rc = copy_strings(strs, "visa", visa_fields, TIMS_ARRAY_SIZE(visa_fields), &typed,
				  msg, size);
		for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(visa_fields); i++) {
			const char *t = (const char *)&typed + visa_fields[i].off;

			if (*t)
				snprintf((char *)v + visa_fields[i].off, TIMS_RECORD_FIELD, "%s", t);
		}
	}
	json_decref(strs);
	return rc;
}

/* A visa read from its MRZ names its holder: the one at the booth, or the
 * check is refused (a visa lent by someone else is not this traveller's). */
static const char *visa_holder_differs(const struct tims_mrz *vm, const struct tims_mrz *m,
				       const struct tims_person *manual)
{
	const char *nat = m ? m->nationality : manual->nationality;
	const char *dob = m ? m->birth_date.iso : manual->birth_date;
	const char *sur = m ? m->surname : manual->surname;

	if (vm->format != TIMS_MRZ_MRVA && vm->format != TIMS_MRZ_MRVB)
		return NULL;
	if (strcmp(vm->nationality, nat))
		return "nationality";
	if (strcmp(vm->birth_date.iso, dob))
		return "birth date";
	if (strcmp(vm->surname, sur))
		return "surname";
	return NULL;
}

/* Every hit of a check for the audit trail: what the matcher found and why,
 * and what the booth was shown ("full", or "withheld" for a discreet hit). */
static json_t *audit_hits(const struct tims_booth_check *c)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < c->screening.nhits; i++) {
		const struct tims_wl_hit *h = &c->screening.hits[i];
		json_t *r = json_array(), *o;

		for (unsigned k = 0; r && k < h->nreasons; k++)
			json_array_append_new(r, json_string(h->reasons[k]));
		o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:f, s:o*, s:b, s:s}",
			      "part", tims_wl_part_name(h->part), "list", h->list, "ref", h->ref,
			      "version", (json_int_t)h->version, "alert", h->alert,
			      "score", h->score, "reasons", r, "discreet", h->discreet,
			      "shown", h->discreet ? "withheld" : "full");
		if (!o || json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The hits of a record, one event per kind: discreet, and the others
 * (admitted with a hit, or a hit). companions: documents of the records
 * that came with it; NULL: none. */
static void report_hits(struct tims_node *n, const char *officer, const char *booth,
			const char *check_id, uint64_t crossing, uint8_t decision,
			const struct tims_person *p, const struct tims_vehicle *v,
			const struct tims_record_hit *hits, size_t nhits,
			const struct tims_companion *companions, size_t ncompanions)
{
	struct tims_event *ev = malloc(sizeof(*ev));
	struct tims_err err;

	if (!ev) {
		node_log(n, "events: hits: out of memory");
		return;
	}
	for (int discreet = 0; discreet < 2; discreet++) {
		tims_event_init(ev);
		for (size_t i = 0; i < nhits && ev->nhits < TIMS_EVENT_MAX_HITS; i++)
			if (hits[i].discreet == discreet)
				ev->hits[ev->nhits++] = hits[i];
		if (!ev->nhits)
			continue;
		ev->kind = discreet ? TIMS_EVENT_DISCREET_HIT
			 : decision == TIMS_DECISION_ADMIT ? TIMS_EVENT_ADMIT_WITH_HIT
							   : TIMS_EVENT_HIT;
		snprintf(ev->officer, sizeof(ev->officer), "%s", officer);
		snprintf(ev->booth, sizeof(ev->booth), "%s", booth);
		snprintf(ev->check_id, sizeof(ev->check_id), "%s", check_id);
		ev->crossing = crossing;
		ev->decision = decision;
		snprintf(ev->document, sizeof(ev->document), "%s", p->doc_number);
		snprintf(ev->issuer, sizeof(ev->issuer), "%s", p->issuer);
		snprintf(ev->nationality, sizeof(ev->nationality), "%s", p->nationality);
		if (v) {
			snprintf(ev->plate, sizeof(ev->plate), "%s", v->plate);
			snprintf(ev->vehicle_country, sizeof(ev->vehicle_country), "%s", v->country);
		}
		/* who travels with a discreet-check person is part of the report
		 * (SIS Art. 36 practice) */
		for (size_t i = 0; discreet && i < ncompanions && i < TIMS_EVENT_MAX_COMPANIONS; i++)
			ev->companions[ev->ncompanions++] = companions[i];
		if (node_event(n, ev, &err))
			node_log(n, "events: %s: %s", tims_event_kind_name(ev->kind),
				 tims_err_msg(&err));
	}
	free(ev);
}

static json_t *check_query(const struct tims_booth_check *c)
{
	return json_pack("{s:b, s:s, s:s, s:s, s:s?, s:s?}", "manual", c->manual,
			 "document", c->person.doc_number, "issuing_state", c->person.issuer,
			 "nationality", c->person.nationality,
			 "plate", c->vehicle.plate[0] ? c->vehicle.plate : NULL,
			 "vin", c->vehicle.vin[0] ? c->vehicle.vin : NULL);
}

/*
 * The pre-screened line of a check (tims/prescreen.h): the traveller's
 * document on a list of a flight arriving at this airport, screened at the
 * centre: {"flight", "date", "arrival", "arrival_ms", "outcome":
 * "no_hits"|"hit", "hits"}; NULL when on no list (or the post holds none).
 * A store or vault that cannot answer says so ({"outcome": "unavailable",
 * "message"}), never "on no list".
 */
static json_t *prescreen_answer(struct tims_node *n, const struct tims_person *p)
{
	struct tims_prescreen_match pm;
	struct tims_err err;

	if (tims_prescreen_lookup(n->dir, tims_post_vault(n->post), p->doc_number, p->issuer,
				  (int64_t)time(NULL) * 1000, &pm, &err)) {
		node_log(n, "check: the pre-screened lists cannot be read: %s", err.msg);
		return json_pack("{s:s, s:s}", "outcome", "unavailable", "message", err.msg);
	}
	return tims_prescreen_json(&pm);
}

/* A registered entry linked to the pre-screened record its document is on
 * (prescreen.db's links): kept past retention when it was a hit. */
static void prescreen_link(struct tims_node *n, const struct tims_record *rec, uint64_t index)
{
	struct tims_prescreen_match pm;
	struct tims_err err;
	int64_t now = (int64_t)time(NULL) * 1000;

	if (rec->direction != TIMS_DIR_ENTRY)
		return;
	if (tims_prescreen_lookup(n->dir, tims_post_vault(n->post), rec->person.doc_number,
				  rec->person.issuer, now, &pm, &err) ||
	    tims_prescreen_link(n->dir, index, &pm, now, &err))
		node_log(n, "crossing %" PRIu64 ": not linked to its passenger list: %s", index,
			 err.msg);
}

static tims_rc check_run(void *app, struct tims_http_req *req, struct tims_http_resp *resp,
			 struct chip_req *chip)
{
	struct tims_node *n = app;
	const char *mrztext = json_string_value(json_object_get(req->json, "mrz"));
	json_t *jman = json_object_get(req->json, "manual");
	json_t *jveh = json_object_get(req->json, "vehicle");
	json_t *jvisa = json_object_get(req->json, "visa");
	json_t *jchip = json_object_get(req->json, "chip");
	struct tims_mrz *m = NULL;
	struct tims_person manual;
	struct tims_vehicle veh;
	struct tims_visa visa;
	struct tims_mrz *vm = malloc(sizeof(*vm));
	struct tims_booth_check *c = malloc(sizeof(*c));
	const char *differs;
	struct tims_booth_who who = { req->who.id, req->who.booth, req->who.session };
	struct tims_booth_check_in in = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	struct tims_booth_env env;
	struct tims_record_hit hits[TIMS_RECORD_MAX_HITS];
	struct tims_err err;
	char msg[TIMS_ERR_MSG_BYTES];
	json_t *out, *pre = NULL;
	size_t nhits;
	int status;
	tims_rc rc;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!c || !vm) {
		free(c);
		free(vm);
		return TIMS_ERR_NOMEM;
	}
	vm->format = TIMS_MRZ_UNKNOWN;
	if (!mrztext == !jman) {
		free(vm);
		free(c);
		return tims_http_reply_error(resp, 400, "bad_field",
					     "mrz: give the MRZ as read, or \"manual\" (the document "
					     "typed by hand), not both");
	}
	memset(&manual, 0, sizeof(manual));
	if ((jman && copy_strings(jman, "manual", manual_fields, TIMS_ARRAY_SIZE(manual_fields),
				  &manual, msg, sizeof(msg))) ||
	    (jveh && parse_vehicle(jveh, &veh, msg, sizeof(msg))) ||
	    (jvisa && parse_visa(jvisa, &visa, vm, msg, sizeof(msg)))) {
		free(vm);
		free(c);
		return tims_http_reply_error(resp, 400, "bad_field", "%s", msg);
	}
	if (mrztext) {
		if (!(m = malloc(sizeof(*m)))) {
			free(vm);
			free(c);
			return TIMS_ERR_NOMEM;
		}
		parse_mrz(mrztext, m);
		in.mrz = m;
	} else {
		in.manual = &manual;
	}
	differs = visa_holder_differs(vm, m, &manual);
	free(vm);
	if (differs) {
		free(m);
		free(c);
		return tims_http_reply_error(resp, 400, "bad_field",
					     "visa.mrz: the visa's %s is not the traveller's: "
					     "a visa of another person", differs);
	}
	in.vehicle = jveh ? &veh : NULL;
	in.visa = jvisa ? &visa : NULL;
	in.chip = jchip ? &chip->in : NULL;
	if (jchip && chip->has_challenge) {
		in.aa_challenge = chip->challenge;
		in.aa_response = chip->response;
		in.aa_response_len = chip->response_len;
	}
	/*
	 * No n->lock: the watchlists and their index stay alive while
	 * n->screen_rw is held (a bundle swapped in meanwhile waits) and are
	 * searched under n->screen alone; the stay runs concurrently (the
	 * post and its national replica lock themselves, tims_travel_get);
	 * the booth table locks itself; the audit event joins those of the
	 * checks made at the same time in one transaction (node_audit), and
	 * the answer waits until it is durable.
	 */
	pthread_rwlock_rdlock(&n->screen_rw);
	env = (struct tims_booth_env){ n->post, n->wl, n->ix, &n->screen, n->chip_trust };
	rc = tims_booth_check(n->booth, &env, &who, &in, c, &err);
	pthread_rwlock_unlock(&n->screen_rw);
	if (rc) {
		/* nothing checked: what was asked is on the trail all the same */
		rc = node_audit(n, req, "check", "booth check", -1, rc == TIMS_ERR_INVALID ? 422 : 500,
				json_pack("{s:b}", "manual", jman != NULL),
				json_pack("{s:s}", "error", err.msg));
		free(c);
		if (rc) {
			free(m);
			return node_no_trace(resp, rc);
		}
		if (err.rc == TIMS_ERR_INVALID) {
			json_t *doc = m ? tims_mrz_json(m) : NULL;

			free(m);
			/* what could be read, with the MRZ's errors, and where to go */
			return tims_http_reply_json(resp, 422, json_pack(
				"{s:s, s:s, s:s, s:o?}", "error", "unreadable_document", "message", err.msg,
				"manual", "/api/v1/check", "document", doc));
		}
		free(m);
		return tims_http_reply_error(resp, 500, "check_failed", "%s", err.msg);
	}
	if (c->screen_status == TIMS_SCREEN_FAILED)
		node_log(n, "check: screening failed: %s", c->screen_error);
	status = c->screen_status == TIMS_SCREEN_FAILED ? 503 : 200;
	/* The carriers' list, screened at the centre before the aircraft
	 * landed: looked up here by the document read, never taken from the
	 * booth (the request has no field for it). */
	pre = prescreen_answer(n, &c->person);
	/* What was asked and found, for the auditors; discreet hits included. */
	rc = node_audit(n, req, "check", "booth check", -1, status, check_query(c),
		json_pack("{s:s, s:s, s:b, s:s, s:I, s:o, s:s?, s:o, s:o*}", "check_id", c->id,
			  "screening", tims_screen_status_name(c->screen_status),
			  "valid", c->valid, "document_status",
			  tims_booth_doc_status_name(c->doc_status),
			  "history_records", (json_int_t)c->history_records,
			  "hits", audit_hits(c),
			  "reason", c->screen_error[0] ? c->screen_error : NULL,
			  /* the outcome, never the files or the photo */
			  "chip", tims_booth_chip_json(&c->chip),
			  /* what the booth is shown of the carriers' list */
			  "prescreen", pre ? json_deep_copy(pre) : NULL));
	tims_metric_add(n->m_checks, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1); /* screened and audited */
	tims_metric_observe_us(n->m_check, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
						      (t1.tv_nsec - t0.tv_nsec) / 1000));
	if (rc) {
		json_decref(pre);
		free(m);
		free(c);
		return node_no_trace(resp, rc);
	}
	/* Every hit to the centre the moment it is found (queued offline). */
	if ((nhits = tims_booth_record_hits(c, hits)))
		report_hits(n, req->who.id, req->who.booth, c->id, TIMS_RECORD_NO_INDEX, 0,
			    &c->person, &c->vehicle, hits, nhits, NULL, 0);
	/* The booth's view: no discreet hit leaves the node. */
	tims_booth_reduce(c, c);
	out = tims_booth_check_json(c, m);
	if (out && jchip)
		json_object_set_new(out, "chip", chip_answer(c, chip));
	if (out && pre) {
		json_object_set_new(out, "prescreen", pre);
		pre = NULL;
	}
	json_decref(pre);
	if (out && status == 503) {
		/* the error first, as every error answer; then the check, whose id
		 * can register a refusal or a referral */
		json_t *e = json_pack("{s:s, s:o}", "error", "screening_failed", "message",
			json_sprintf("screening failed, the traveller is not screened: %s; the "
				     "traveller cannot be admitted on this check (refuse, or send "
				     "to second line)", c->screen_error));

		if (e)
			json_object_update(e, out);
		json_decref(out);
		out = e;
	}
	free(m);
	free(c);
	if (!out)
		return TIMS_ERR_NOMEM;
	return tims_http_reply_json(resp, status, out);
}

/* The chip's files are parsed (and refused with a 400 naming the field)
 * before anything else; they live only for this request. */
tims_rc node_h_check(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	json_t *jchip = json_object_get(req->json, "chip");
	struct chip_req *chip = calloc(1, sizeof(*chip));
	char msg[TIMS_ERR_MSG_BYTES];
	tims_rc rc;
	int bad;

	if (!chip)
		return TIMS_ERR_NOMEM;
	if (jchip && (bad = parse_chip(jchip, chip, msg, sizeof(msg)))) {
		chip_req_release(chip);
		free(chip);
		return bad == -2 ? TIMS_ERR_NOMEM
				 : tims_http_reply_error(resp, 400, "bad_field", "%s", msg);
	}
	rc = check_run(app, req, resp, chip);
	chip_req_release(chip);
	free(chip);
	return rc;
}

/* --- POST /api/v1/chip/challenge --------------------------------------------- */

/*
 * A challenge for the chip's active authentication, issued by the post
 * (never chosen by the booth, so an answer recorded from a chip earlier
 * cannot be played again): 8 random bytes, bound to the caller's session,
 * good for one check within TIMS_BOOTH_AA_LIFETIME_MS. Nothing personal:
 * not audited.
 */
tims_rc node_h_chip_challenge(void *app, struct tims_http_req *req,
			      struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_booth_who who = { req->who.id, req->who.booth, req->who.session };
	uint8_t rnd[TIMS_BOOTH_AA_CHALLENGE];
	char hex[2 * TIMS_BOOTH_AA_CHALLENGE + 1];
	struct tims_err err;
	int64_t expires;

	if (tims_booth_aa_challenge(n->booth, &who, rnd, &expires, &err) != TIMS_OK)
		return tims_http_reply_error(resp, 400, "no_session", "%s", err.msg);
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	return tims_http_reply_json(resp, 201, json_pack("{s:s, s:I, s:i}", "challenge", hex,
		"expires_ms", (json_int_t)expires, "lifetime_s",
		(int)(TIMS_BOOTH_AA_LIFETIME_MS / 1000)));
}

/* --- POST /api/v1/crossings ---------------------------------------------- */

/*
 * parse -> tims_booth_register -> events -> audit -> render. The person and
 * the screening come from the check (check_id), never from the body; "who"
 * from the session. Fields a booth used to send and may not any more are
 * refused by name.
 */
const struct tims_json_field node_crossing_schema[] = {
	{ "check_id", TIMS_JSON_STRING, 0, TIMS_BOOTH_ID_HEX },
	{ "direction", TIMS_JSON_STRING, 1, 8 },
	{ "decision", TIMS_JSON_STRING, 0, 16 },
	{ "refusal_codes", TIMS_JSON_ARRAY, 0, TIMS_BOOTH_MAX_CODES },
	{ "confirm_hit", TIMS_JSON_STRING, 0, 2 * TIMS_RECORD_FIELD },
	{ "id", TIMS_JSON_STRING, 0, 64 },
	{ "crossed_at", TIMS_JSON_STRING, 0, 32 },
	{ "remarks", TIMS_JSON_STRING, 0, 1000 },
	{ "role", TIMS_JSON_STRING, 0, 16 },
	{ "vehicle", TIMS_JSON_OBJECT, 0, 0 },
	{ "accompanies", TIMS_JSON_INTEGER, 0, 0 },
	{ "relation", TIMS_JSON_STRING, 0, 16 },
	/* refused with a reason (below) rather than as unknown fields */
	{ "screening", TIMS_JSON_STRING, 0, 4096 },
	{ "person", TIMS_JSON_OBJECT, 0, 0 },
	{ "mrz", TIMS_JSON_STRING, 0, 4096 },
	{ "corrects", TIMS_JSON_INTEGER, 0, 0 },
	{ "reason", TIMS_JSON_STRING, 0, 4096 },
	{ "refusal_code", TIMS_JSON_STRING, 0, 64 },
	{ "companions", TIMS_JSON_ARRAY, 0, TIMS_RECORD_MAX_COMPANIONS },
	{ NULL, 0, 0, 0 },
};

static const struct {
	const char *key, *why;
} gone[] = {
	{ "screening", "the screening is the server's, taken from the check (check_id)" },
	{ "person", "the traveller comes from the check (check_id)" },
	{ "mrz", "the document comes from the check (check_id)" },
	{ "corrects", "corrections are made by a supervisor (POST /api/v1/corrections)" },
	{ "reason", "corrections are made by a supervisor (POST /api/v1/corrections)" },
	{ "refusal_code", "give refusal_codes, an array of codes" },
	{ "companions", "each companion has a check and a crossing of its own, linked by "
			"\"accompanies\"" },
};

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

/*
 * 1 while the post handle is not thread-safe (this branch): n->lock is held
 * across tims_booth_register, as across tims_post_register before. 0 once
 * the post's handle takes its own lock and group-commits concurrent
 * registrations (branch groupcommit): then nothing of the node's is held
 * across the commit.
 */
#define REGISTER_UNDER_NODE_LOCK 0

struct owed_ctx {
	const struct tims_http_req *req;
};

/* The audit event a crossing owes, kept with the record in its own
 * transaction: the two are durable together (tims_post_register). */
static tims_rc owed_event(void *ctx, const struct tims_record *rec, struct tims_buf *out)
{
	const struct tims_http_req *req = ((struct owed_ctx *)ctx)->req;
	json_t *hits = json_array(), *o;
	char *text;
	tims_rc rc;

	for (size_t i = 0; hits && i < rec->nhits; i++)
		json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:b}",
			"part", tims_record_hit_part_name(rec->hits[i].part),
			"list", rec->hits[i].list, "ref", rec->hits[i].ref,
			"discreet", rec->hits[i].discreet));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o*, s:s?}", "actor",
		      req->who.id[0] ? req->who.id : "-", "role", tims_role_name(req->who.role),
		      "booth", req->who.booth, "addr", req->addr, "document",
		      rec->person.doc_number, "direction", tims_direction_name(rec->direction),
		      "decision", tims_decision_name(rec->decision), "check_id", rec->check_id,
		      "screening", tims_screen_status_name(rec->screen_status), "hits", hits,
		      "confirmed_hit", rec->confirmed_hit[0] ? rec->confirmed_hit : NULL);
	if (!o || !(text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
		json_decref(o);
		return TIMS_ERR_NOMEM;
	}
	json_decref(o);
	rc = tims_buf_addstr(out, text);
	free(text);
	return rc;
}

/* The refusal codes array as "B,E"; 0, or -1 with msg. */
static int codes_text(json_t *arr, char *out, size_t size, char *msg, size_t msgsize)
{
	size_t i, len = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		int k;

		if (!s || !*s || strchr(s, ',')) {
			snprintf(msg, msgsize, "refusal_codes[%zu]: must be a code (a string, no comma)", i);
			return -1;
		}
		k = snprintf(out + len, size - len, "%s%s", i ? "," : "", s);
		if (k < 0 || (size_t)k >= size - len) {
			snprintf(msg, msgsize, "refusal_codes: too many");
			return -1;
		}
		len += (size_t)k;
	}
	return 0;
}

/* A discreet-check traveller's record, when this crossing came with it: the
 * centre learns who travels with them. */
static void report_companion(struct tims_node *n, const struct tims_record *rec,
			     uint64_t index)
{
	struct tims_record *main = malloc(sizeof(*main));
	struct tims_companion comp;
	struct tims_err err;
	int erased = 0;
	int discreet = 0;

	if (!main)
		return;
	if (!tims_post_get(n->post, rec->accompanies, main, &erased, NULL, &err) && !erased) {
		for (size_t i = 0; i < main->nhits; i++)
			discreet |= main->hits[i].discreet;
		if (discreet) {
			memset(&comp, 0, sizeof(comp));
			comp.relation = TIMS_REL_COMPANION;
			snprintf(comp.issuer, sizeof(comp.issuer), "%s", rec->person.issuer);
			snprintf(comp.doc_number, sizeof(comp.doc_number), "%s",
				 rec->person.doc_number);
			report_hits(n, main->officer, main->booth, main->check_id,
				    rec->accompanies, main->decision, &main->person,
				    rec->vehicle.plate[0] ? &rec->vehicle : &main->vehicle,
				    main->hits, main->nhits, &comp, 1);
			(void)index;
		}
	}
	free(main);
}

tims_rc node_h_crossing(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	json_t *b = req->json, *v;
	struct tims_booth_result *res = malloc(sizeof(*res));
	struct tims_booth_who who = { req->who.id, req->who.booth, req->who.session };
	struct tims_booth_reg reg;
	struct tims_booth_env env = { n->post, NULL, NULL, NULL, NULL };
	struct owed_ctx oc = { req };
	struct tims_vehicle veh;
	struct tims_err err;
	struct timespec t0, t1;
	char codes[TIMS_RECORD_FIELD], msg[TIMS_ERR_MSG_BYTES];
	const char *why, *s;
	int st;
	tims_rc rc = TIMS_OK;

	if (!res)
		return TIMS_ERR_NOMEM;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(gone); i++)
		if (json_object_get(b, gone[i].key)) {
			free(res);
			return tims_http_reply_error(resp, 400, "bad_field", "%s: not accepted: %s",
						     gone[i].key, gone[i].why);
		}
	memset(&reg, 0, sizeof(reg));
	reg.check_id = json_string_value(json_object_get(b, "check_id"));
	reg.direction = (uint8_t)tims_direction_parse(json_string_value(json_object_get(b, "direction")));
	s = json_string_value(json_object_get(b, "decision"));
	reg.decision = (uint8_t)(s ? tims_decision_parse(s) : TIMS_DECISION_ADMIT);
	reg.confirm_hit = json_string_value(json_object_get(b, "confirm_hit"));
	reg.remarks = json_string_value(json_object_get(b, "remarks"));
	reg.client_id = json_string_value(json_object_get(b, "id"));
	reg.accompanies = TIMS_RECORD_NO_INDEX;
	msg[0] = '\0';
	if (!reg.direction)
		snprintf(msg, sizeof(msg), "direction: must be entry or exit");
	else if (!reg.decision)
		snprintf(msg, sizeof(msg), "decision: must be admit, refuse or second-line");
	else if ((v = json_object_get(b, "refusal_codes")) &&
		 codes_text(v, codes, sizeof(codes), msg, sizeof(msg)) == 0)
		reg.refusal_codes = codes;
	if (!msg[0] && (s = json_string_value(json_object_get(b, "crossed_at"))) &&
	    tims_time_parse(s, &reg.crossed_ms, "crossed_at", &err))
		snprintf(msg, sizeof(msg), "%s", err.msg);
	reg.crossed_set = s && !msg[0] && json_object_get(b, "crossed_at");
	if (!msg[0] && (s = json_string_value(json_object_get(b, "role")))) {
		reg.role = (uint8_t)tims_vehicle_role_parse(s);
		if (!reg.role && *s && strcmp(s, "none"))
			snprintf(msg, sizeof(msg), "role: must be driver, passenger or none");
	}
	if (!msg[0] && (v = json_object_get(b, "vehicle"))) {
		if (!parse_vehicle(v, &veh, msg, sizeof(msg)))
			reg.vehicle = &veh;
	}
	if (!msg[0] && (v = json_object_get(b, "accompanies"))) {
		if (json_integer_value(v) < 0)
			snprintf(msg, sizeof(msg), "accompanies: must be a log index (an integer >= 0)");
		else
			reg.accompanies = (uint64_t)json_integer_value(v);
	}
	/* "minor": this traveller is a minor in the care of the one
	 * accompanied; "guardian": this traveller is the guardian of the
	 * minor accompanied (the record names the other as its guardian or
	 * its minor: companions[0]) */
	if (!msg[0] && (s = json_string_value(json_object_get(b, "relation")))) {
		if (!strcmp(s, "companion"))
			reg.relation = TIMS_REL_COMPANION;
		else if (!strcmp(s, "minor"))
			reg.relation = TIMS_REL_GUARDIAN;
		else if (!strcmp(s, "guardian"))
			reg.relation = TIMS_REL_MINOR;
		else
			snprintf(msg, sizeof(msg), "relation: must be companion, minor or guardian");
	}
	if (msg[0]) {
		free(res);
		return tims_http_reply_error(resp, 400, "bad_field", "%s", msg);
	}
	pthread_mutex_lock(&n->lock);
	why = node_halted(n, NULL);
	pthread_mutex_unlock(&n->lock);
	if (why) {
		free(res);
		return tims_http_reply_error(resp, 503, "halted", "this post stopped acknowledging "
					     "crossings: %s; nothing recorded", why);
	}
	/*
	 * Lock discipline: the booth service locks its own table briefly and
	 * nothing else. Whether n->lock is held across the registration is
	 * REGISTER_UNDER_NODE_LOCK: a post handle that serialises itself and
	 * commits concurrent registrations together (group commit) needs no
	 * lock of ours; one that does not must not be used by two threads.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (REGISTER_UNDER_NODE_LOCK)
		pthread_mutex_lock(&n->lock);
	rc = tims_booth_register(n->booth, &env, &who, &reg, owed_event, &oc, res, &err);
	if (REGISTER_UNDER_NODE_LOCK)
		pthread_mutex_unlock(&n->lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (res->refused) {
		/* refused before anything was stored: the attempt is on the trail */
		pthread_mutex_lock(&n->lock);
		rc = node_audit(n, req, "crossing", "", -1, res->http_status,
				json_pack("{s:s?, s:s}", "check_id", reg.check_id, "direction",
					  tims_direction_name(reg.direction)),
				json_pack("{s:s}", "refused", err.msg));
		pthread_mutex_unlock(&n->lock);
		st = res->http_status ? res->http_status : 400;
		free(res);
		if (rc)
			return node_no_trace(resp, rc);
		return tims_http_reply_error(resp, st, st == 409 ? "conflict" :
					     st == 404 || st == 410 || st == 403 ? "check_not_usable"
										 : "bad_field",
					     "%s", err.msg);
	}
	pthread_mutex_lock(&n->lock);
	if (res->ack.rc == TIMS_OK) {
		node_clock(n); /* a jump of the clock: flagged, the log kept in order */
		/* Durable: whatever fails from here, the answer says registered. */
		if (rc)
			node_log(n, "crossing %" PRIu64 " stored; then: %s", res->ack.index,
				 tims_err_msg(&err));
		/* This crossing's event (kept in post.db with the record), with
		 * those of the crossings committed in the same group, in one
		 * audit transaction (node_audit_owed_all). */
		if (!res->ack.duplicate && node_audit_owed_all(n))
			n->owed++; /* kept in post.db: appended at the next try */
		if (res->ack.duplicate &&
		    node_audit(n, req, "crossing", "", (int64_t)res->ack.index, 200,
			       json_pack("{s:s, s:s}", "document", res->rec.person.doc_number,
					 "direction", tims_direction_name(res->rec.direction)),
			       json_pack("{s:I, s:b}", "index", (json_int_t)res->ack.index,
					 "duplicate", 1)))
			node_log(n, "crossing %" PRIu64 ": a retry answered without its audit "
				 "event (the record's own event is kept)", res->ack.index);
		if ((rc = crossing_answer(n, resp, &res->ack)))
			rc = tims_http_reply_json(resp, res->ack.duplicate ? 200 : 201,
				json_pack("{s:I, s:o, s:b, s:n, s:n}", "index", (json_int_t)res->ack.index,
					  "leaf_hash", node_hex_json(res->ack.leaf, TIMS_HASH_BYTES),
					  "duplicate", res->ack.duplicate, "checkpoint", "inclusion_proof"));
		node_halted(n, NULL); /* an I/O error after the commit: logged now */
	} else if (rc) {
		/* Nothing stored, or (an I/O error) unknown: never "not registered"
		 * when it may be. */
		node_log(n, "crossing not stored: %s", tims_err_msg(&err));
		if (tims_post_halted(n->post, NULL) && rc != TIMS_ERR_STATE)
			rc = tims_http_reply_error(resp, 503, "not_confirmed", "%s", res->ack.msg);
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
		free(res);
		return rc;
	}
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		free(res);
		return rc;
	}
	if (res->ack.rc) {
		rc = tims_http_reply_error(resp, res->ack.rc == TIMS_ERR_EXISTS ? 409 : 400,
					   "not_recorded", "%s", res->ack.msg);
		free(res);
		return rc;
	}
	tims_metric_observe_us(n->m_register, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
							 (t1.tv_nsec - t0.tv_nsec) / 1000));
	if (!res->ack.duplicate) { /* a retry is not a second crossing */
		tims_metric_add(n->m_crossings, 1);
		prescreen_link(n, &res->rec, res->ack.index);
		/* the hits of the crossing, with its decision, to the centre */
		if (res->rec.nhits)
			report_hits(n, res->rec.officer, res->rec.booth, res->rec.check_id,
				    res->ack.index, res->rec.decision, &res->rec.person,
				    res->rec.vehicle.plate[0] ? &res->rec.vehicle : NULL,
				    res->rec.hits, res->rec.nhits, NULL, 0);
		if (res->rec.accompanies != TIMS_RECORD_NO_INDEX) {
			if (REGISTER_UNDER_NODE_LOCK)
				pthread_mutex_lock(&n->lock);
			report_companion(n, &res->rec, res->ack.index);
			if (REGISTER_UNDER_NODE_LOCK)
				pthread_mutex_unlock(&n->lock);
		}
	}
	tims_metric_set(n->m_log_size, (int64_t)res->ack.index + 1);
	free(res);
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
	struct node_purpose why;
	struct tims_travel t;
	struct tims_err err;
	json_t *out, *indexes;
	tims_rc rc;
	int st;

	if (!valid_document(doc))
		return tims_http_reply_error(resp, 400, "bad_field",
					     "document: 1 to 24 characters A-Z and 0-9");
	if (nat && (strlen(nat) < 1 || strlen(nat) > 3))
		return tims_http_reply_error(resp, 400, "bad_field", "nationality: 1 to 3 letters");
	/* A crossing of this session, of this document, recent; or a listed
	 * purpose and a statement (G5; lib/node/oversight.c). */
	if ((st = node_history_justify(n, req, doc, nat, &why, resp)))
		return st == 500 ? TIMS_ERR_STATE : TIMS_OK;
	pthread_mutex_lock(&n->lock);
	rc = tims_travel_get(n->post, doc, nat, today(), NULL, &t, &err);
	if (rc) {
		pthread_mutex_unlock(&n->lock);
		/* never "no history": the records are sealed and cannot be read */
		if (rc == TIMS_ERR_UNAVAILABLE)
			return tims_http_reply_error(resp, 503, "token_unavailable",
						     "history cannot be read now: %s", err.msg);
		return rc;
	}
	indexes = json_array();
	for (size_t i = 0; i < t.n; i++)
		json_array_append_new(indexes, json_integer((json_int_t)t.rows[i].index));
	rc = node_audit(n, req, "history", why.crossing >= 0 ? "" : why.text, why.crossing,
			200, json_pack("{s:s, s:s?}", "document", doc, "nationality", nat),
			json_pack("{s:o}", "records", indexes));
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		tims_travel_release(&t);
		return node_no_trace(resp, rc);
	}
	out = tims_travel_json(&t, doc, today());
	tims_travel_release(&t);
	return tims_http_reply_json(resp, 200, out);
}

/* --- POST /api/v1/history/search ------------------------------------------ */

/* Optional in the schema, required by the handler: a missing purpose is a
 * refusal on the trail ("history.refused"), as for a document's history. */
const struct tims_json_field node_history_search_schema[] = {
	{ "surname", TIMS_JSON_STRING, 0, TIMS_RECORD_FIELD - 1 },
	{ "given_names", TIMS_JSON_STRING, 0, TIMS_RECORD_FIELD - 1 },
	{ "birth_date", TIMS_JSON_STRING, 0, 10 },
	{ "nationality", TIMS_JSON_STRING, 0, 3 },
	{ "purpose_code", TIMS_JSON_STRING, 0, TIMS_PURPOSE_CODE_MAX },
	{ "purpose", TIMS_JSON_STRING, 0, TIMS_PURPOSE_TEXT_MAX },
	{ NULL, 0, 0, 0 },
};

static const char *body_str(const struct tims_http_req *req, const char *key)
{
	const char *v = json_string_value(json_object_get(req->json, key));

	return v && *v ? v : NULL;
}

/*
 * A person found in this post's history by name (tims_post_search): the
 * screening engine's keys and scorer over the sealed records. A stated
 * purpose is required (a crossing justifies its own document, not a
 * search); the search counts as a history read against the officer's
 * limit (node_limit); every search that reads the records is an audit
 * event, "history.search", with its purpose, the query and the documents
 * shown — a refusal for too many candidates too.
 */
tims_rc node_h_history_search(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_post_search_query q = {
		body_str(req, "surname"), body_str(req, "given_names"),
		body_str(req, "birth_date"), body_str(req, "nationality"), 0, 0, 0,
	};
	struct node_purpose why;
	struct tims_err err;
	json_t *out = NULL, *docs, *m, *query;
	size_t i;
	tims_rc rc, arc;
	int st;

	query = json_pack("{s:s*, s:s*, s:s*, s:s*}", "surname", q.surname,
			  "given_names", q.given, "birth_date", q.birth_date,
			  "nationality", q.nationality);
	if ((st = node_search_justify(n, req, json_incref(query), &why, resp))) {
		json_decref(query);
		return st == 500 ? TIMS_ERR_STATE : TIMS_OK;
	}
	rc = tims_post_search(n->post, &q, &out, &err);
	if (rc == TIMS_ERR_INVALID) {
		json_decref(query);
		return tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
	}
	if (rc == TIMS_ERR_UNAVAILABLE) { /* never "nobody": the records cannot be read */
		/* why, for the console: the key token is out ("token"), or it is
		 * there and the older records' name keys are still being made
		 * ("names_owed", lib/post/search.c) */
		int open = tims_vault_state(tims_post_vault(n->post)) == TIMS_VAULT_OPEN;

		json_decref(query);
		return tims_http_reply_error_params(resp, 503, "token_unavailable",
			json_pack("{s:s}", "rule", open ? "names_owed" : "token"),
			"history cannot be searched now: %s", err.msg);
	}
	if (rc && rc != TIMS_ERR_TOOBIG) {
		json_decref(query);
		return rc;
	}
	docs = json_array();
	json_array_foreach(json_object_get(out, "matches"), i, m)
		json_array_append(docs, json_object_get(m, "document"));
	pthread_mutex_lock(&n->lock);
	arc = node_audit(n, req, "history.search", why.text, -1, rc ? 422 : 200, query,
			 rc ? json_pack("{s:s}", "refused", err.msg)
			    : json_pack("{s:O, s:O, s:o}", "found", json_object_get(out, "found"),
					"candidates", json_object_get(out, "candidates"),
					"documents", docs));
	pthread_mutex_unlock(&n->lock);
	if (rc)
		json_decref(docs);
	if (arc) {
		json_decref(out);
		return node_no_trace(resp, arc);
	}
	if (rc)
		return tims_http_reply_error_params(resp, 422, "too_many_candidates",
			json_pack("{s:i}", "max", TIMS_POST_SEARCH_CANDIDATES), "%s", err.msg);
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
		return node_no_trace(resp, rc);
	}
	return tims_http_reply_json(resp, 200, json_pack("{s:I, s:o}", "from", (json_int_t)from,
							  "events", pg.events));
}
