/*
 * traveller.c — screening one traveller against the loaded watchlists: the
 * document against lost, stolen and revoked documents, the holder against
 * the person lists, the vehicle against stolen vehicles. Used by the booth
 * service (lib/booth) and `tims screen`. Every hit is typed (struct
 * tims_wl_hit): its list, reference, version, alert or status, score and
 * reasons, and whether it is a discreet check, which the booth must never
 * show (SPEC §3 step 3).
 *
 * Fail closed: a hit the index found but the store could not read back, a
 * search that could not be completed, a name or a number that could not be
 * put in the form the index holds, is a failed screening, never "no hit".
 * Every function here returns an error with err set then, and the caller
 * answers an error (the node: 503 screening_failed).
 */
#include <jansson.h>

#include "tims/mrz.h"
#include "tims/names.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define SCREEN_MAX_PERSONS 20
#define IDENT_ROWS_MAX 256 /* entries confirmed for one identifier */

const char *tims_wl_part_name(unsigned part)
{
	static const char *const names[] = { "?", "document", "person", "vehicle" };

	return part < TIMS_ARRAY_SIZE(names) ? names[part] : "?";
}

static void copy_field(json_t *o, const char *key, char *dst, size_t size)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(dst, size, "%s", v ? v : "");
}

/* A new hit at the end of out, from the stored entry behind rowid. */
static tims_rc add_hit(struct tims_wl *wl, uint32_t rowid, uint8_t part,
		       struct tims_wl_screening *out, struct tims_wl_hit **hp,
		       struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	struct tims_wl_hit *h;
	json_error_t je;
	json_t *o;
	tims_rc rc;

	if (out->nhits >= TIMS_WL_HITS_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "screening: more than %d hits", TIMS_WL_HITS_MAX);
	if ((rc = tims_wl_describe(wl, rowid, &b, err))) {
		tims_buf_release(&b);
		return rc;
	}
	o = json_loads(tims_buf_str(&b), 0, &je);
	tims_buf_release(&b);
	if (!json_is_object(o)) {
		json_decref(o);
		return tims_err_set(err, TIMS_ERR_TAMPER, "watchlist entry %u: unreadable", rowid);
	}
	h = &out->hits[out->nhits];
	memset(h, 0, sizeof(*h));
	h->part = part;
	h->rowid = rowid;
	h->kind = tims_wl_kind_parse(json_string_value(json_object_get(o, "kind")) ?
				     json_string_value(json_object_get(o, "kind")) : "");
	copy_field(o, "list", h->list, sizeof(h->list));
	copy_field(o, "ref", h->ref, sizeof(h->ref));
	h->version = (uint64_t)json_integer_value(json_object_get(o, "version"));
	copy_field(o, h->kind == TIMS_WL_PERSONS ? "alert" : "status", h->alert,
		   sizeof(h->alert));
	h->discreet = h->kind == TIMS_WL_PERSONS && !strcmp(h->alert, "discreet-check");
	copy_field(o, "name", h->name, sizeof(h->name));
	copy_field(o, "dob", h->dob, sizeof(h->dob));
	copy_field(o, "nationality", h->nationality, sizeof(h->nationality));
	copy_field(o, "authority", h->authority, sizeof(h->authority));
	copy_field(o, "instruction", h->instruction, sizeof(h->instruction));
	copy_field(o, "number", h->number, sizeof(h->number));
	copy_field(o, "type", h->doc_type, sizeof(h->doc_type));
	copy_field(o, "issuing_state", h->issuing_state, sizeof(h->issuing_state));
	copy_field(o, "plate", h->plate, sizeof(h->plate));
	copy_field(o, "vin", h->vin, sizeof(h->vin));
	copy_field(o, "country", h->country, sizeof(h->country));
	json_decref(o);
	if (!h->list[0] || !h->ref[0] || !h->kind)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "watchlist entry %u: no list, kind or reference", rowid);
	out->nhits++;
	*hp = h;
	return TIMS_OK;
}

/* in English and coded (lib/screen/reason.c), code as the table names it */
static void add_reason(struct tims_wl_hit *h, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_reason(struct tims_wl_hit *h, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tims_screen_reason_vadd(h->reasons, h->codes, &h->nreasons, code, fmt, ap);
	va_end(ap);
}

tims_rc tims_wl_screen_person(struct tims_wl *wl, struct tims_screen_index *ix,
			      const struct tims_name *q, const struct tims_subject *s,
			      struct tims_wl_screening *out, struct tims_err *err)
{
	struct tims_screen_hit *hits = calloc(SCREEN_MAX_PERSONS, sizeof(*hits));
	size_t n = 0, cand = 0;
	char qmsg[400];
	tims_rc rc;

	if (tims_wl_quarantine_any(wl, qmsg, sizeof(qmsg))) { /* fail closed */
		free(hits);
		return tims_err_set(err, TIMS_ERR_STATE, "%s", qmsg);
	}
	if (!hits)
		return tims_err_set(err, TIMS_ERR_NOMEM, "person search: out of memory");
	if ((rc = tims_screen_index_search(ix, q, s, true, hits, SCREEN_MAX_PERSONS, &n, &cand))) {
		free(hits);
		return tims_err_set(err, rc, "person search: %s", rc == TIMS_ERR_NOMEM ?
				    "out of memory" : "the index is not ready");
	}
	out->candidates += cand;
	for (size_t i = 0; i < n; i++) {
		struct tims_wl_hit *h;

		if ((rc = add_hit(wl, hits[i].rowid, TIMS_WL_PART_PERSON, out, &h, err)))
			break;
		h->score = hits[i].m.score;
		h->nreasons = hits[i].m.nreasons;
		memcpy(h->reasons, hits[i].m.reasons, sizeof(h->reasons));
		memcpy(h->codes, hits[i].m.codes, sizeof(h->codes));
	}
	free(hits);
	return rc;
}

/* Identifier hits. The index holds keyed fingerprints only (some of their
 * bits): one it may hold is looked up in the store by fingerprint, and each
 * entry found is confirmed by an exact compare of its stored number. An
 * entry that holds another number (a fingerprint collision) is no hit; an
 * entry that cannot be read, or a store that cannot be asked, is a failure,
 * never "no hit". */
static tims_rc ident_hits(struct tims_wl *wl, struct tims_screen_index *ix,
			  enum tims_ident_kind kind, const char *given, const char *state,
			  struct tims_wl_screening *out, struct tims_err *err)
{
	uint32_t rows[IDENT_ROWS_MAX];
	char norm[TIMS_IDENT_MAX + 1];
	const char *what = kind == TIMS_IDENT_DOCUMENT ? "document number" :
			   kind == TIMS_IDENT_PLATE ? "vehicle plate" : "vehicle vin";
	uint8_t part = kind == TIMS_IDENT_DOCUMENT ? TIMS_WL_PART_DOCUMENT
						   : TIMS_WL_PART_VEHICLE;
	uint64_t fp;
	size_t n, maybe;
	tims_rc rc;

	if ((rc = tims_screen_norm_ident(kind, given, norm, what, err)))
		return rc;
	if ((rc = tims_wl_ident_fp(wl, kind, norm, &fp, err)))
		return rc;
	if ((rc = tims_screen_index_lookup_fp(ix, fp, &maybe)))
		return tims_err_set(err, rc, "%s search: the index is not ready", what);
	if (maybe == 0)
		return TIMS_OK;
	if ((rc = tims_wl_ident_candidates(wl, kind, fp, rows, IDENT_ROWS_MAX, &n, err)))
		return rc;
	if (n > IDENT_ROWS_MAX)
		/* more entries than are confirmed here: the one left out could be
		 * the hit (another issuing state first), so no partial answer */
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s search: more than %d entries "
				    "share this number", what, IDENT_ROWS_MAX);
	for (size_t i = 0; i < n; i++) {
		char stored[TIMS_IDENT_MAX + 1];
		struct tims_wl_hit *h;
		const char *st;

		/* The index was loaded from this store: an entry it names that
		 * cannot be read back, or has no identifier, is a store failure. */
		if ((rc = tims_wl_ident(wl, rows[i], kind, stored, err)))
			return rc;
		if (strcmp(stored, norm))
			continue;
		if ((rc = add_hit(wl, rows[i], part, out, &h, err)))
			return rc;
		st = h->issuing_state[0] ? h->issuing_state : h->country[0] ? h->country : NULL;
		if (st && state && *state &&
		    !tims_mrz_state_same(st, state, TIMS_MRZ_STATE_ISSUER)) {
			/* numbers are unique only within an issuing state; the
			 * same state written two ways (the MRZ's D, a feed's
			 * DEU) is the same (tims_mrz_state_same) */
			out->nhits--;
			continue;
		}
		h->score = 1.0;
		add_reason(h, "ident.match", "%s %s matches", what, norm);
		if (st && state && *state)
			add_reason(h, "ident.state", "issuing state %s matches", st);
	}
	return TIMS_OK;
}

/* A copy that does not match the centre's signed digest: not screened
 * against, and no screening that skips it either (fail closed). */
static tims_rc quarantine_check(const struct tims_wl *wl, struct tims_err *err)
{
	char msg[400];

	if (!tims_wl_quarantine_any(wl, msg, sizeof(msg)))
		return TIMS_OK;
	return tims_err_set(err, TIMS_ERR_STATE, "%s", msg);
}

static int given(const char *s)
{
	return s && *s;
}

tims_rc tims_wl_screen(struct tims_wl *wl, struct tims_screen_index *ix,
		       const struct tims_wl_query *qy, struct tims_wl_screening *out,
		       struct tims_err *err)
{
	struct tims_subject subj;
	struct tims_name *name;
	tims_rc rc = TIMS_OK;

	tims_err_clear(err);
	out->nhits = 0;
	out->candidates = 0;
	if ((rc = quarantine_check(wl, err)))
		return rc;
	if (given(qy->doc_number) &&
	    (rc = ident_hits(wl, ix, TIMS_IDENT_DOCUMENT, qy->doc_number, qy->doc_issuer,
			     out, err)))
		return rc;
	if (given(qy->surname) || given(qy->given_names)) {
		memset(&subj, 0, sizeof(subj));
		/* An unreadable date of birth or nationality only widens the
		 * search (no qualifier to rule a candidate out): never fewer hits. */
		if (given(qy->birth_date))
			tims_pdate_parse(qy->birth_date, &subj.dob, "birth_date", NULL);
		if (given(qy->nationality))
			tims_subject_set_nationality(&subj, qy->nationality, "nationality", NULL);
		subj.sex = qy->sex == 'M' || qy->sex == 'F' ? qy->sex : 0;
		if (!(name = malloc(sizeof(*name))))
			return tims_err_set(err, TIMS_ERR_NOMEM, "person search: out of memory");
		/* SURNAME<<GIVEN NAMES as an MRZ has it */
		if (!(rc = tims_name_parse_parts(given(qy->surname) ? qy->surname : "",
						 given(qy->given_names) ? qy->given_names : "",
						 "name", name, err)))
			rc = tims_wl_screen_person(wl, ix, name, &subj, out, err);
		free(name);
		if (rc)
			return rc;
	}
	/* the vehicle: a plate or VIN that cannot be searched is no "no hit" either */
	if (given(qy->plate) &&
	    (rc = ident_hits(wl, ix, TIMS_IDENT_PLATE, qy->plate, NULL, out, err)))
		return rc;
	if (given(qy->vin) &&
	    (rc = ident_hits(wl, ix, TIMS_IDENT_VIN, qy->vin, NULL, out, err)))
		return rc;
	return TIMS_OK;
}
