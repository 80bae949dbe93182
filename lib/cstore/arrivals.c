/*
 * arrivals.c — what the reports after arrival (lib/centre/arrivals.c,
 * docs/paxlst.md "After arrival") need of the query store: the entry
 * crossings registered at one post in a period, each with the blind index
 * of its document and its issuing state (nothing opened), the blind index
 * of a document number from a passenger list computed the same way, and
 * the names of one crossing, opened only when asked.
 */
#include "internal.h"

#include <sodium.h>

/* standing entries: not erased, not corrected (the correction stands for
 * the record, once); any decision (a refusal is an arrival too) */
static const char sql_entries[] =
	"SELECT idx, when_ms, decision, issuer, nationality, doc FROM crossings"
	" WHERE origin = ?1 AND when_ms >= ?2 AND when_ms < ?3 AND erased = 0"
	" AND corrected_by IS NULL AND direction = 1 ORDER BY when_ms, idx";
static const char sql_sealed[] =
	"SELECT sealed FROM crossings WHERE origin = ?1 AND idx = ?2 AND erased = 0";

struct entries {
	const char *origin;
	tims_cstore_entry_fn fn;
	void *ctx;
};

static tims_rc entry_row(void *ctx, const struct cs_row *row)
{
	struct entries *x = ctx;
	struct tims_cstore_entry e;

	if (row->n < 6 || !row->v[5])
		return TIMS_ERR_DB;
	memset(&e, 0, sizeof(e));
	snprintf(e.origin, sizeof(e.origin), "%s", x->origin);
	e.idx = (uint64_t)cs_int(row->v[0]);
	e.when_ms = cs_int(row->v[1]);
	e.decision = (uint8_t)cs_int(row->v[2]);
	snprintf(e.issuer, sizeof(e.issuer), "%s", row->v[3] ? row->v[3] : "");
	snprintf(e.nationality, sizeof(e.nationality), "%s", row->v[4] ? row->v[4] : "");
	snprintf(e.doc_key, sizeof(e.doc_key), "%s", row->v[5]);
	return x->fn(x->ctx, &e);
}

tims_rc tims_cstore_entries(struct tims_cstore *s, const char *origin, int64_t from_ms,
			    int64_t to_ms, tims_cstore_entry_fn fn, void *ctx,
			    struct tims_err *err)
{
	struct cs_param p[] = { CS_T(origin), CS_I(from_ms), CS_I(to_ms) };
	struct entries x = { origin, fn, ctx };
	tims_rc rc;

	if (!origin || !*origin || strlen(origin) > TIMS_NOTE_MAX_NAME)
		return tims_err_set(err, TIMS_ERR_INVALID, "post: want a log origin of 1 to %d "
				    "bytes", TIMS_NOTE_MAX_NAME);
	/* a store whose vault cannot blind could not have indexed what it holds */
	if ((rc = cs_readable(s, err)))
		return rc;
	rc = cs_query(s, sql_entries, 1, p, 3, entry_row, &x, NULL, err);
	if (rc == TIMS_ERR_DB && err && !err->msg[0])
		rc = tims_err_set(err, rc, "query store: a crossing row is malformed");
	return rc;
}

tims_rc tims_cstore_doc_key(struct tims_cstore *s, const char *doc,
			    char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err)
{
	tims_rc rc;

	if (!doc || !*doc || strlen(doc) >= TIMS_RECORD_FIELD)
		return tims_err_set(err, TIMS_ERR_INVALID, "document: want 1 to %d characters",
				    TIMS_RECORD_FIELD - 1);
	if ((rc = cs_readable(s, err)))
		return rc;
	return cs_blind(s, "doc", doc, out, err);
}

struct sealed1 {
	char *v;
	int found;
};

static tims_rc sealed_row(void *ctx, const struct cs_row *row)
{
	struct sealed1 *x = ctx;

	if (row->n < 1 || !row->v[0] || x->found)
		return TIMS_ERR_DB;
	if (!(x->v = strdup(row->v[0])))
		return TIMS_ERR_NOMEM;
	x->found = 1;
	return TIMS_OK;
}

tims_rc tims_cstore_entry_names(struct tims_cstore *s, const char *origin, uint64_t idx,
				struct tims_cstore_names *out, struct tims_err *err)
{
	struct cs_param p[] = { CS_T(origin), CS_I(idx) };
	struct sealed1 x = { NULL, 0 };
	char ix[24];
	json_t *rec;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (idx > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "index: out of range");
	if ((rc = cs_readable(s, err)))
		return rc;
	if ((rc = cs_query(s, sql_sealed, 1, p, 2, sealed_row, &x, NULL, err))) {
		free(x.v);
		if (rc == TIMS_ERR_DB && err && !err->msg[0])
			rc = tims_err_set(err, rc, "query store: %s %llu: no sealed record", origin,
					  (unsigned long long)idx);
		return rc;
	}
	if (!x.found)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "query store: %s %llu: not held (erased?)",
				    origin, (unsigned long long)idx);
	snprintf(ix, sizeof(ix), "%llu", (unsigned long long)idx);
	rec = cs_open_json(s, origin, ix, x.v, err);
	free(x.v);
	if (!rec)
		return err && err->rc ? err->rc : TIMS_ERR_TAMPER;
	snprintf(out->surname, sizeof(out->surname), "%s", cs_rec_str(rec, "surname"));
	snprintf(out->given_names, sizeof(out->given_names), "%s", cs_rec_str(rec, "given_names"));
	snprintf(out->birth_date, sizeof(out->birth_date), "%s", cs_rec_str(rec, "birth_date"));
	json_decref(rec);
	return TIMS_OK;
}
