/*
 * query.c — the centre's national queries over the query store: travel
 * history of a document or a person across posts with the stay rule, who is
 * in the country, overstays, and counts (see include/tims/cstore.h).
 *
 * The stay rule is tims_stay_compute over the standing, admitted crossings,
 * as a post computes it for its own records (lib/post/travel.c), so that a
 * post and the centre give the same answer for the same crossings.
 */
#include "tims/mrz.h"
#include "internal.h"

#include <pthread.h>
#include <sodium.h>

#include "tims/buf.h"
#include "tims/travel.h"
#include "tims/util.h"

/* doc and person are blind indexes (seal.c): the lookup is by equality on
 * them, then the rows found are opened. */
#define ROW_COLS "origin, idx, sealed, corrected_by, when_ms, direction, decision," \
	" nationality, issuer"

static const char sql_doc_any[] =
	"SELECT " ROW_COLS " FROM crossings WHERE doc = ?1 AND erased = 0"
	" ORDER BY when_ms, direction, origin, idx";
static const char sql_doc_issuer[] =
	"SELECT " ROW_COLS " FROM crossings WHERE doc = ?1"
	" AND issuer IN (?2, ?3, ?4, ?5, ?6, ?7) AND erased = 0"
	" ORDER BY when_ms, direction, origin, idx";
static const char sql_person[] =
	"SELECT " ROW_COLS " FROM crossings WHERE person = ?1"
	" AND erased = 0 ORDER BY when_ms, direction, origin, idx";
static const char sql_person_nat[] =
	"SELECT " ROW_COLS " FROM crossings WHERE person = ?1"
	" AND nationality = ?2 AND erased = 0 ORDER BY when_ms, direction, origin, idx";

/* A standing, admitted crossing of the same document at or before ?1 that
 * comes after c: c is then not the last move. */
#define STANDING(t) t ".erased = 0 AND " t ".decision = 1 AND " t ".corrected_by IS NULL" \
	" AND " t ".when_ms <= ?1"
/* The same document is the same blind index and the same issuing state,
 * the state folded by the one table of codes written two ways
 * (tims_mrz_state_alias: an entry whose MRZ said D and an exit typed as
 * DEU are one document's moves): %s and %s are that folding of d.issuer
 * and c.issuer, built once from the table (sql_build). */
#define PRESENT_WHERE \
	" FROM crossings c WHERE " STANDING("c") " AND c.direction = 1 AND NOT EXISTS" \
	" (SELECT 1 FROM crossings d WHERE d.doc = c.doc AND %s = %s AND " \
	STANDING("d") " AND (d.when_ms > c.when_ms OR (d.when_ms = c.when_ms AND" \
	" (d.direction > c.direction OR (d.direction = c.direction AND" \
	" (d.origin > c.origin OR (d.origin = c.origin AND d.idx > c.idx)))))))"

static const char fmt_present[] =
	"SELECT c.origin, c.idx, c.sealed, c.issuer, c.nationality, c.when_ms" PRESENT_WHERE
	" ORDER BY c.when_ms, c.origin, c.idx LIMIT ?2 OFFSET ?3";
static const char fmt_present_count[] = "SELECT COUNT(*)" PRESENT_WHERE;

/* %s: the folded issuer, by which (and the document) the moves group */
static const char fmt_moves[] =
	"SELECT %s, doc, nationality, when_ms, direction, origin, idx,"
	" CASE WHEN direction = 1 THEN sealed END FROM crossings c WHERE "
	STANDING("c")
	" ORDER BY 1, doc, when_ms, direction, origin, idx";

#define SQL_FOLDED_MAX 2048
static char sql_present[4 * SQL_FOLDED_MAX], sql_present_count[4 * SQL_FOLDED_MAX],
	    sql_moves[2 * SQL_FOLDED_MAX];
static int sql_ok;
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

/* "CASE col WHEN 'D' THEN 'DEU' ... ELSE col END": the issuing-state
 * folding of tims_mrz_state_norm in SQL; 0 when it does not fit. The
 * table's codes are capital letters only: nothing to quote. */
static int sql_fold(const char *col, char *out, size_t cap)
{
	const char *code, *canon;
	int issuer_only;
	size_t o;
	int n = snprintf(out, cap, "CASE %s", col);

	if (n < 0 || (size_t)n >= cap)
		return 0;
	o = (size_t)n;
	for (size_t i = 0; tims_mrz_state_alias(i, &code, &canon, &issuer_only); i++) {
		n = snprintf(out + o, cap - o, " WHEN '%s' THEN '%s'", code, canon);
		if (n < 0 || (size_t)n >= cap - o)
			return 0;
		o += (size_t)n;
	}
	n = snprintf(out + o, cap - o, " ELSE %s END", col);
	return n >= 0 && (size_t)n < cap - o;
}

static void sql_build(void)
{
	char fd[SQL_FOLDED_MAX], fc[SQL_FOLDED_MAX], fi[SQL_FOLDED_MAX];
	int a, b, m;

	if (!sql_fold("d.issuer", fd, sizeof(fd)) || !sql_fold("c.issuer", fc, sizeof(fc)) ||
	    !sql_fold("issuer", fi, sizeof(fi)))
		return;
	a = snprintf(sql_present, sizeof(sql_present), fmt_present, fd, fc);
	b = snprintf(sql_present_count, sizeof(sql_present_count), fmt_present_count, fd, fc);
	m = snprintf(sql_moves, sizeof(sql_moves), fmt_moves, fi);
	sql_ok = a > 0 && (size_t)a < sizeof(sql_present) && b > 0 &&
		 (size_t)b < sizeof(sql_present_count) && m > 0 && (size_t)m < sizeof(sql_moves);
}

/* the statements above, or an error (never a query that does not fold) */
static tims_rc sql_ready(struct tims_err *err)
{
	pthread_once(&sql_once, sql_build);
	return sql_ok ? TIMS_OK : tims_err_set(err, TIMS_ERR_STATE, "query store: the issuing "
					       "states' folding does not fit its statement");
}

static json_t *date_json(int64_t day)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	json_t *j;

	if (tims_date_format(day, &b))
		j = json_null();
	else
		j = json_string(tims_buf_str(&b));
	tims_buf_release(&b);
	return j;
}

/* ------------------------------------------------------------------ */
/* History: rows of one document or person, and the stay over them.   */

struct hist {
	struct tims_cstore *s;
	struct tims_err *err;
	json_t *crossings;
	json_t *documents;        /* person history: distinct documents */
	struct tims_stay_crossing *moves;
	size_t n, nm;
	tims_rc rc;
};

static int has_document(json_t *docs, const char *issuer, const char *doc)
{
	size_t i;
	json_t *d;

	json_array_foreach(docs, i, d) {
		if (!strcmp(json_string_value(json_object_get(d, "issuer")), issuer) &&
		    !strcmp(json_string_value(json_object_get(d, "document")), doc))
			return 1;
	}
	return 0;
}

static tims_rc hist_row(void *ctx, const struct cs_row *row)
{
	struct hist *h = ctx;
	json_t *e, *rec;
	const char *doc;

	if (row->n < 9)
		return TIMS_ERR_DB;
	if (h->n == TIMS_CSTORE_MAX_HISTORY)
		return TIMS_ERR_TOOBIG;
	h->n++;
	if (!(rec = cs_open_json(h->s, row->v[0], row->v[1], row->v[2], h->err)))
		return h->err->rc ? h->err->rc : TIMS_ERR_TAMPER;
	doc = cs_rec_str(rec, "number");
	if (h->documents && !has_document(h->documents, row->v[8], doc) &&
	    json_array_append_new(h->documents, json_pack("{s:s, s:s}", "issuer", row->v[8],
							  "document", doc))) {
		json_decref(rec);
		return TIMS_ERR_NOMEM;
	}
	/* the visa recorded with an entry (before json_pack takes rec) */
	cs_record_visa_json(cs_int(row->v[5]) == TIMS_DIR_ENTRY ? rec : NULL,
			    &h->moves[h->nm].visa);
	e = json_pack("{s:s, s:I, s:o}", "origin", row->v[0] ? row->v[0] : "",
		      "index", (json_int_t)cs_int(row->v[1]), "record",
		      rec ? rec : json_null());
	if (!e || json_array_append_new(h->crossings, e))
		return TIMS_ERR_NOMEM;
	if (row->v[3])
		json_object_set_new(e, "corrected_by", json_integer((json_int_t)cs_int(row->v[3])));
	/* Refused travellers did not enter; second line is pending: counted
	 * or not by tims_stay_assess, the rule the posts apply too. */
	h->moves[h->nm].at_ms = cs_int(row->v[4]);
	h->moves[h->nm].direction = (uint8_t)cs_int(row->v[5]);
	h->moves[h->nm].counts = !row->v[3] && cs_int(row->v[6]) == TIMS_DECISION_ADMIT;
	snprintf(h->moves[h->nm].nationality, sizeof(h->moves[h->nm].nationality), "%.3s",
		 row->v[7] ? row->v[7] : "");
	h->nm++;
	return TIMS_OK;
}

static tims_rc hist_run(struct tims_cstore *s, const char *sql,
			const struct cs_param *p, int np, int person, int64_t on,
			const struct tims_stay_regimes *rs, json_t *o,
			struct tims_err *err)
{
	struct hist h;
	struct tims_stay_result res;
	tims_rc rc;

	memset(&h, 0, sizeof(h));
	h.s = s;
	h.err = err;
	h.crossings = json_array();
	h.documents = person ? json_array() : NULL;
	h.moves = calloc(TIMS_CSTORE_MAX_HISTORY, sizeof(*h.moves));
	if (!h.crossings || (person && !h.documents) || !h.moves) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "history: out of memory");
		goto out;
	}
	rc = cs_query(s, sql, 1, p, np, hist_row, &h, NULL, err);
	if (rc == TIMS_ERR_TOOBIG)
		rc = tims_err_set(err, rc, "history: more than %d crossings",
				  TIMS_CSTORE_MAX_HISTORY);
	else if (rc == TIMS_ERR_NOMEM)
		rc = tims_err_set(err, rc, "history: out of memory");
	if (rc)
		goto out;
	if ((rc = tims_stay_assess(h.moves, h.nm, NULL, on, rs, NULL, &res, err)))
		goto out;
	json_object_set_new(o, "crossings", h.crossings);
	h.crossings = NULL;
	if (person) {
		json_object_set_new(o, "documents", h.documents);
		h.documents = NULL;
	}
	json_object_set_new(o, "stay", tims_travel_stay_json(&res, on));
out:
	json_decref(h.crossings);
	json_decref(h.documents);
	free(h.moves);
	return rc;
}

tims_rc tims_cstore_history_doc(struct tims_cstore *s, const char *doc,
				const char *issuer, int64_t on,
				const struct tims_stay_regimes *rs,
				json_t **out, struct tims_err *err)
{
	char bi[TIMS_VAULT_BLIND_HEX];
	/* the issuer as every spelling of its state (tims_mrz_state_spellings:
	 * a German passport's crossings say D, a search may say DEU) */
	char sp[TIMS_MRZ_STATE_SPELLINGS][TIMS_MRZ_STATE_NORM];
	size_t nsp = tims_mrz_state_spellings(issuer, TIMS_MRZ_STATE_ISSUER, sp,
					      TIMS_MRZ_STATE_SPELLINGS);
	struct cs_param p[] = { CS_T(bi), CS_T(sp[0]), CS_T(sp[1]), CS_T(sp[2]), CS_T(sp[3]),
				CS_T(sp[4]), CS_T(sp[5]) };
	json_t *o;
	tims_rc rc;

	for (size_t i = nsp; i < TIMS_MRZ_STATE_SPELLINGS; i++)
		memcpy(sp[i], sp[0], sizeof(sp[0]));

	*out = NULL;
	if (!doc || !*doc || strlen(doc) >= TIMS_RECORD_FIELD)
		return tims_err_set(err, TIMS_ERR_INVALID, "document: want 1 to %d characters",
				    TIMS_RECORD_FIELD - 1);
	if (issuer && strlen(issuer) >= TIMS_RECORD_FIELD)
		return tims_err_set(err, TIMS_ERR_INVALID, "issuer: too long");
	if ((rc = cs_readable(s, err)) || (rc = cs_blind(s, "doc", doc, bi, err)))
		return rc;
	if (!(o = json_pack("{s:s, s:s}", "document", doc, "issuer", issuer ? issuer : "")))
		return tims_err_set(err, TIMS_ERR_INVALID, "document: not valid UTF-8");
	if (issuer && *issuer)
		rc = hist_run(s, sql_doc_issuer, p, 7, 0, on, rs, o, err);
	else
		rc = hist_run(s, sql_doc_any, p, 1, 0, on, rs, o, err);
	if (rc) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return TIMS_OK;
}

tims_rc tims_cstore_history_person(struct tims_cstore *s, const char *surname,
				   const char *given, const char *birth_date,
				   const char *nationality, int64_t on,
				   const struct tims_stay_regimes *rs,
				   json_t **out, struct tims_err *err)
{
	char key[3 * TIMS_RECORD_FIELD + 16], bi[TIMS_VAULT_BLIND_HEX];
	int64_t day;
	json_t *o;
	tims_rc rc;

	*out = NULL;
	if (!surname || !*surname || strlen(surname) >= TIMS_RECORD_FIELD)
		return tims_err_set(err, TIMS_ERR_INVALID, "surname: want 1 to %d characters",
				    TIMS_RECORD_FIELD - 1);
	if (!given)
		given = "";
	if (strlen(given) >= TIMS_RECORD_FIELD)
		return tims_err_set(err, TIMS_ERR_INVALID, "given_names: too long");
	if (!birth_date || (rc = tims_date_parse(birth_date, &day, "birth_date", err)))
		return birth_date ? rc : tims_err_set(err, TIMS_ERR_INVALID,
						      "birth_date: required (YYYY-MM-DD)");
	if (nationality && strlen(nationality) > 3)
		return tims_err_set(err, TIMS_ERR_INVALID, "nationality: want a 1-3 letter code");
	cs_person_value(surname, given, birth_date, key, sizeof(key));
	rc = cs_readable(s, err);
	if (!rc)
		rc = cs_blind(s, "person", key, bi, err);
	sodium_memzero(key, sizeof(key));
	if (rc)
		return rc;
	if (!(o = json_pack("{s:{s:s, s:s, s:s, s:s}}", "person", "surname", surname,
			    "given_names", given, "birth_date", birth_date,
			    "nationality", nationality ? nationality : "")))
		return tims_err_set(err, TIMS_ERR_INVALID, "surname: not valid UTF-8");
	{
		struct cs_param p[] = { CS_T(bi), CS_T(nationality) };

		if (nationality && *nationality)
			rc = hist_run(s, sql_person_nat, p, 2, 1, on, rs, o, err);
		else
			rc = hist_run(s, sql_person, p, 1, 1, on, rs, o, err);
	}
	if (rc) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return TIMS_OK;
}

/* ------------------------------------------------------------------ */
/* Who is in the country.                                              */

struct opened_list {
	struct tims_cstore *s;
	struct tims_err *err;
	json_t *list;
};

static tims_rc present_row(void *ctx, const struct cs_row *row)
{
	struct opened_list *l = ctx;
	json_t *rec = cs_open_json(l->s, row->v[0], row->v[1], row->v[2], l->err), *e;

	if (!rec)
		return l->err->rc ? l->err->rc : TIMS_ERR_TAMPER;
	e = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I}",
		      "origin", row->v[0], "index", (json_int_t)cs_int(row->v[1]),
		      "document", cs_rec_str(rec, "number"), "issuer", row->v[3],
		      "surname", cs_rec_str(rec, "surname"),
		      "given_names", cs_rec_str(rec, "given_names"),
		      "nationality", row->v[4], "entered", (json_int_t)cs_int(row->v[5]));
	json_decref(rec);
	if (!e || json_array_append_new(l->list, e))
		return TIMS_ERR_NOMEM;
	return TIMS_OK;
}

struct count1 {
	int64_t n;
};

static tims_rc count_row(void *ctx, const struct cs_row *row)
{
	((struct count1 *)ctx)->n = cs_int(row->v[0]);
	return TIMS_OK;
}

tims_rc tims_cstore_present(struct tims_cstore *s, int64_t at_ms,
			    unsigned offset, unsigned limit, json_t **out,
			    struct tims_err *err)
{
	struct cs_param p[] = { CS_I(at_ms), CS_I(limit), CS_I(offset) };
	struct count1 total = { 0 };
	struct opened_list l = { s, err, NULL };
	json_t *list;
	tims_rc rc;

	*out = NULL;
	if (limit == 0 || limit > TIMS_CSTORE_MAX_PAGE)
		return tims_err_set(err, TIMS_ERR_INVALID, "limit: want 1 to %d",
				    TIMS_CSTORE_MAX_PAGE);
	if ((rc = cs_readable(s, err)) || (rc = sql_ready(err)))
		return rc;
	if (!(list = json_array()))
		return tims_err_set(err, TIMS_ERR_NOMEM, "present: out of memory");
	l.list = list;
	rc = cs_query(s, sql_present_count, 1, p, 1, count_row, &total, NULL, err);
	if (!rc)
		rc = cs_query(s, sql_present, 1, p, 3, present_row, &l, NULL, err);
	if (rc == TIMS_ERR_NOMEM)
		rc = tims_err_set(err, rc, "present: out of memory");
	if (rc) {
		json_decref(list);
		return rc;
	}
	*out = json_pack("{s:I, s:I, s:I, s:I, s:o}", "at", (json_int_t)at_ms,
			 "total", (json_int_t)total.n, "offset", (json_int_t)offset,
			 "limit", (json_int_t)limit, "present", list);
	return *out ? TIMS_OK : tims_err_set(err, TIMS_ERR_NOMEM, "present: out of memory");
}

/* ------------------------------------------------------------------ */
/* Overstays: every document's moves, in order, one group at a time.   */

struct over {
	struct tims_cstore *s;
	struct tims_err *err;
	struct tims_buf last;      /* the last entry's record (opened) */
	const struct tims_stay_regimes *rs;
	int64_t on;
	unsigned limit;
	struct tims_stay_crossing *moves;
	size_t nm;
	int64_t total;
	char issuer[TIMS_RECORD_FIELD], doc[TIMS_RECORD_FIELD];
	char doc_bi[TIMS_VAULT_BLIND_HEX];
	char nationality[4];
	char surname[TIMS_RECORD_FIELD], given[TIMS_RECORD_FIELD];
	char origin[TIMS_RECORD_FIELD];
	int64_t entered;
	json_t *list;
	/* counting by nationality instead (tims_cstore_report_overstays) */
	struct tims_report_row *nats;
	size_t nn;
};

#define OVER_NATS_MAX 1024

static tims_rc over_count(struct over *o, const char *nationality)
{
	size_t i;

	for (i = 0; i < o->nn; i++)
		if (!strcmp(o->nats[i].nationality, nationality))
			break;
	if (i == o->nn) {
		if (o->nn == OVER_NATS_MAX)
			return TIMS_ERR_TOOBIG;
		memset(&o->nats[i], 0, sizeof(o->nats[i]));
		snprintf(o->nats[i].nationality, sizeof(o->nats[i].nationality), "%.3s",
			 nationality);
		o->nn++;
	}
	o->nats[i].count++;
	return TIMS_OK;
}

static tims_rc over_flush(struct over *o)
{
	struct tims_stay_result r;
	json_t *e;

	if (!o->nm || o->moves[o->nm - 1].direction != TIMS_DIR_ENTRY)
		return TIMS_OK;
	/* The rule of the posts (tims_stay_assess), visa-required nationals
	 * with the visa recorded at their entry, or none. */
	if (tims_stay_assess(o->moves, o->nm, NULL, o->on, o->rs, NULL, &r, NULL))
		return TIMS_OK;
	if (!r.overstay)
		return TIMS_OK;
	o->total++;
	if (o->nats) /* a count: no name taken */
		return over_count(o, r.nationality);
	{
		/* names only for those listed: the entry opened in over_row */
		json_t *rec = json_loadb(o->last.buf ? o->last.buf : "", o->last.len, 0, NULL);

		snprintf(o->doc, sizeof(o->doc), "%s", cs_rec_str(rec, "number"));
		snprintf(o->surname, sizeof(o->surname), "%s", cs_rec_str(rec, "surname"));
		snprintf(o->given, sizeof(o->given), "%s", cs_rec_str(rec, "given_names"));
		json_decref(rec);
	}
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:i, s:b, s:b}",
		      "document", o->doc, "issuer", o->issuer, "surname", o->surname,
		      "given_names", o->given, "nationality", r.nationality,
		      "entered", (json_int_t)o->entered, "origin", o->origin,
		      "used", (int)r.used, "max_days", (int)r.max_days,
		      "overstay", (int)r.overstay, "visa_required", r.visa_required,
		      "visa_missing", r.visa_required && r.visa_missing);
	if (!e || json_array_append_new(o->list, e))
		return TIMS_ERR_NOMEM;
	return TIMS_OK;
}

static tims_rc over_row(void *ctx, const struct cs_row *row)
{
	struct over *o = ctx;
	tims_rc rc;

	if (strcmp(o->issuer, row->v[0]) || strcmp(o->doc_bi, row->v[1])) {
		if ((rc = over_flush(o)))
			return rc;
		o->nm = 0;
		snprintf(o->issuer, sizeof(o->issuer), "%s", row->v[0]);
		snprintf(o->doc_bi, sizeof(o->doc_bi), "%s", row->v[1]);
		snprintf(o->nationality, sizeof(o->nationality), "%.3s", row->v[2]);
	}
	if (o->nm == TIMS_STAY_MAX_MOVES) /* keep the latest window's worth */
		memmove(o->moves, o->moves + 1, (--o->nm) * sizeof(*o->moves));
	memset(&o->moves[o->nm], 0, sizeof(o->moves[o->nm]));
	o->moves[o->nm].at_ms = cs_int(row->v[3]);
	o->moves[o->nm].direction = (uint8_t)cs_int(row->v[4]);
	o->moves[o->nm].counts = 1; /* sql_moves: standing, admitted */
	snprintf(o->moves[o->nm].nationality, sizeof(o->moves[o->nm].nationality), "%.3s",
		 row->v[2] ? row->v[2] : "");
	if (cs_int(row->v[4]) == TIMS_DIR_ENTRY) {
		/* an entry is opened for its visa (the stay rule) and kept for
		 * the names, should this traveller be listed */
		if ((rc = cs_open(o->s, row->v[5], cs_int(row->v[6]), row->v[7] ? row->v[7] : "",
				  &o->last, o->err)))
			return rc;
		cs_record_visa(o->last.buf, &o->moves[o->nm].visa);
		o->entered = cs_int(row->v[3]);
		snprintf(o->origin, sizeof(o->origin), "%s", row->v[5]);
	} else {
		cs_record_visa(NULL, &o->moves[o->nm].visa);
	}
	o->nm++;
	return TIMS_OK;
}

static int over_cmp(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "overstay"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "overstay"));

	return (x < y) - (x > y);
}

tims_rc tims_cstore_overstays(struct tims_cstore *s, int64_t on,
			      const struct tims_stay_regimes *rs,
			      unsigned limit, json_t **out,
			      struct tims_err *err)
{
	struct over *o = calloc(1, sizeof(*o));
	json_t **v = NULL, *sorted = NULL;
	size_t n;
	tims_rc rc;

	*out = NULL;
	if (!o)
		return tims_err_set(err, TIMS_ERR_NOMEM, "overstays: out of memory");
	if (limit == 0 || limit > TIMS_CSTORE_MAX_PAGE) {
		free(o);
		return tims_err_set(err, TIMS_ERR_INVALID, "limit: want 1 to %d",
				    TIMS_CSTORE_MAX_PAGE);
	}
	if ((rc = cs_readable(s, err)) || (rc = sql_ready(err))) {
		free(o);
		return rc;
	}
	o->s = s;
	o->err = err;
	tims_buf_init(&o->last, 4 * TIMS_RECORD_MAX_LINE);
	o->rs = rs;
	o->on = on;
	o->limit = limit;
	o->moves = calloc(TIMS_STAY_MAX_MOVES, sizeof(*o->moves));
	o->list = json_array();
	if (!o->moves || !o->list) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "overstays: out of memory");
		goto out;
	}
	{
		/* every move up to the end of day `on` */
		struct cs_param p[] = { CS_I((on + 1) * 86400000 - 1) };

		rc = cs_query(s, sql_moves, 1, p, 1, over_row, o, NULL, err);
	}
	if (!rc)
		rc = over_flush(o);
	if (rc == TIMS_ERR_NOMEM)
		rc = tims_err_set(err, rc, "overstays: out of memory");
	if (rc)
		goto out;
	n = json_array_size(o->list);
	if (n && !(v = calloc(n, sizeof(*v)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "overstays: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(o->list, i);
	if (n)
		qsort(v, n, sizeof(*v), over_cmp);
	sorted = json_array();
	for (size_t i = 0; sorted && i < n && i < limit; i++)
		json_array_append(sorted, v[i]);
	*out = json_pack("{s:o, s:I, s:o}", "on", date_json(on), "total",
			 (json_int_t)o->total, "overstays", sorted ? sorted : json_array());
	if (!*out)
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "overstays: out of memory");
out:
	free(v);
	json_decref(o->list);
	free(o->moves);
	if (o->last.buf)
		sodium_memzero(o->last.buf, o->last.len);
	tims_buf_release(&o->last);
	free(o);
	return rc;
}

static int nat_cmp(const void *a, const void *b)
{
	const struct tims_report_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->nationality, y->nationality);
}

tims_rc tims_cstore_report_overstays(struct tims_cstore *s, int64_t on,
				     const struct tims_stay_regimes *rs,
				     tims_report_fn fn, void *ctx, struct tims_err *err)
{
	struct over *o = calloc(1, sizeof(*o));
	struct tims_buf day = TIMS_BUF_INIT(32);
	tims_rc rc;

	if (!o)
		return tims_err_set(err, TIMS_ERR_NOMEM, "overstays: out of memory");
	if (on < 0 || tims_date_format(on, &day)) {
		free(o);
		return tims_err_set(err, TIMS_ERR_INVALID, "on: want a day from 1970-01-01");
	}
	if ((rc = cs_readable(s, err)) || (rc = sql_ready(err)))
		goto out;
	o->s = s;
	o->err = err;
	tims_buf_init(&o->last, 4 * TIMS_RECORD_MAX_LINE);
	o->rs = rs;
	o->on = on;
	o->moves = calloc(TIMS_STAY_MAX_MOVES, sizeof(*o->moves));
	o->nats = calloc(OVER_NATS_MAX, sizeof(*o->nats));
	if (!o->moves || !o->nats) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "overstays: out of memory");
		goto out;
	}
	{
		struct cs_param p[] = { CS_I((on + 1) * 86400000 - 1) };

		rc = cs_query(s, sql_moves, 1, p, 1, over_row, o, NULL, err);
	}
	if (!rc)
		rc = over_flush(o);
	if (rc == TIMS_ERR_NOMEM || rc == TIMS_ERR_TOOBIG)
		rc = tims_err_set(err, rc, "overstays: %s", rc == TIMS_ERR_NOMEM ?
				  "out of memory" : "too many nationalities");
	if (rc)
		goto out;
	qsort(o->nats, o->nn, sizeof(*o->nats), nat_cmp);
	for (size_t i = 0; !rc && i < o->nn; i++) {
		snprintf(o->nats[i].period, sizeof(o->nats[i].period), "%s", tims_buf_str(&day));
		rc = fn(ctx, &o->nats[i]);
	}
out:
	free(o->nats);
	free(o->moves);
	if (o->last.buf)
		sodium_memzero(o->last.buf, o->last.len);
	tims_buf_release(&o->last);
	tims_buf_release(&day);
	free(o);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Counts for the dashboard.                                            */

struct dim {
	const char *name;
	const char *expr;
};

static const struct dim dims[] = {
	{ "post", "origin" },
	{ "hour", "(when_ms / 3600000) * 3600000" },
	{ "day", "when_ms / 86400000" },
	{ "nationality", "nationality" },
	{ "direction", "direction" },
	{ "decision", "decision" },
};

struct counts {
	const struct dim *by[3];
	int nby;
	int64_t total;
	json_t *groups;
};

static json_t *dim_value(const struct dim *d, const char *v)
{
	if (!strcmp(d->name, "hour"))
		return json_integer((json_int_t)cs_int(v));
	if (!strcmp(d->name, "day"))
		return date_json(cs_int(v));
	if (!strcmp(d->name, "direction"))
		return json_string(cs_int(v) ? tims_direction_name((unsigned)cs_int(v)) : "");
	if (!strcmp(d->name, "decision"))
		return json_string(cs_int(v) ? tims_decision_name((unsigned)cs_int(v)) : "");
	return json_string(v ? v : "");
}

static tims_rc counts_row(void *ctx, const struct cs_row *row)
{
	struct counts *c = ctx;
	json_t *g = json_object();
	int64_t n = cs_int(row->v[c->nby]);

	if (!g)
		return TIMS_ERR_NOMEM;
	for (int i = 0; i < c->nby; i++)
		json_object_set_new(g, c->by[i]->name, dim_value(c->by[i], row->v[i]));
	json_object_set_new(g, "count", json_integer((json_int_t)n));
	c->total += n;
	return json_array_append_new(c->groups, g) ? TIMS_ERR_NOMEM : TIMS_OK;
}

tims_rc tims_cstore_counts(struct tims_cstore *s, const char *by,
			   int64_t from_ms, int64_t to_ms, json_t **out,
			   struct tims_err *err)
{
	struct cs_param p[] = { CS_I(from_ms), CS_I(to_ms) };
	struct tims_buf sql = TIMS_BUF_INIT(4096), cols = TIMS_BUF_INIT(1024);
	struct counts c;
	json_t *names;
	const char *q = by;
	tims_rc rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (!by || !*by)
		return tims_err_set(err, TIMS_ERR_INVALID, "by: want one to three of post, hour, "
				    "day, nationality, direction, decision");
	if (from_ms > to_ms)
		return tims_err_set(err, TIMS_ERR_INVALID, "from: after to");
	while (*q) {
		size_t len = strcspn(q, ",");
		const struct dim *d = NULL;

		for (size_t i = 0; i < TIMS_ARRAY_SIZE(dims); i++)
			if (strlen(dims[i].name) == len && !strncmp(dims[i].name, q, len))
				d = &dims[i];
		if (!d)
			return tims_err_set(err, TIMS_ERR_INVALID, "by: unknown grouping \"%.*s\"",
					    (int)(len > 32 ? 32 : len), q);
		for (int i = 0; i < c.nby; i++)
			if (c.by[i] == d)
				return tims_err_set(err, TIMS_ERR_INVALID, "by: %s twice", d->name);
		if (c.nby == 3)
			return tims_err_set(err, TIMS_ERR_INVALID, "by: at most three groupings");
		c.by[c.nby++] = d;
		q += len;
		if (*q == ',')
			q++;
	}
	for (int i = 0; i < c.nby; i++)
		tims_buf_addf(&cols, "%s%s", i ? ", " : "", c.by[i]->expr);
	if (tims_buf_addf(&sql, "SELECT %s, COUNT(*) FROM crossings WHERE when_ms >= ?1"
			  " AND when_ms < ?2 AND corrected_by IS NULL GROUP BY %s ORDER BY %s", tims_buf_str(&cols),
			  tims_buf_str(&cols), tims_buf_str(&cols))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "counts: out of memory");
		goto out;
	}
	if (!(c.groups = json_array())) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "counts: out of memory");
		goto out;
	}
	rc = cs_query(s, tims_buf_str(&sql), 0, p, 2, counts_row, &c, NULL, err);
	if (rc == TIMS_ERR_NOMEM)
		rc = tims_err_set(err, rc, "counts: out of memory");
	if (rc)
		goto out;
	names = json_array();
	for (int i = 0; names && i < c.nby; i++)
		json_array_append_new(names, json_string(c.by[i]->name));
	*out = json_pack("{s:I, s:I, s:o, s:I, s:o}", "from", (json_int_t)from_ms,
			 "to", (json_int_t)to_ms, "by", names ? names : json_array(),
			 "total", (json_int_t)c.total, "groups", c.groups);
	c.groups = NULL;
	if (!*out)
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "counts: out of memory");
out:
	json_decref(c.groups);
	tims_buf_release(&sql);
	tims_buf_release(&cols);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Hits: crossings the post's screening found a hit for.               */
/*
 * A version 2 record carries the server's outcome in structured fields
 * ("screen_status", "hits": list, ref, part, alert, discreet): those are
 * read, never a text. A failed screening is listed too (never "no hit").
 * A version 1 record (no "screen_status") has only the summary text the
 * booth sent: it keeps the old reading.
 */
static const char sql_hits[] =
	"SELECT origin, idx, when_ms, direction, decision, sealed FROM crossings"
	" WHERE when_ms >= ?1 AND when_ms < ?2 AND hit = 1 AND sealed IS NOT NULL"
	" ORDER BY when_ms DESC, origin, idx LIMIT ?3";

/* "N hits: list/ref, ..." from the structured hits (for the panel's line). */
static json_t *hits_summary(json_t *hits, const char *status)
{
	struct tims_buf b = TIMS_BUF_INIT(512);
	size_t i, n = json_array_size(hits);
	json_t *h, *out;

	if (!n)
		tims_buf_addf(&b, "screening %s", status);
	else
		tims_buf_addf(&b, "%zu %s:", n, n == 1 ? "hit" : "hits");
	json_array_foreach(hits, i, h)
		tims_buf_addf(&b, "%s %s/%s%s", i ? "," : "",
			      json_string_value(json_object_get(h, "list")) ?
			      json_string_value(json_object_get(h, "list")) : "?",
			      json_string_value(json_object_get(h, "ref")) ?
			      json_string_value(json_object_get(h, "ref")) : "?",
			      json_is_true(json_object_get(h, "discreet")) ? " (discreet)" : "");
	out = json_string(tims_buf_str(&b));
	tims_buf_release(&b);
	return out;
}

static tims_rc hits_row(void *ctx, const struct cs_row *row)
{
	struct opened_list *l = ctx;
	json_t *list = l->list, *rec, *hits, *o;
	const char *scr, *status;

	if (row->n < 6 || !row->v[5])
		return TIMS_OK;
	/* a row that does not open fails the list: never a silent "no hit" */
	if (!(rec = cs_open_json(l->s, row->v[0], row->v[1], row->v[5], l->err)))
		return l->err->rc ? l->err->rc : TIMS_ERR_TAMPER;
	o = json_pack("{s:s, s:I, s:I, s:s, s:s}",
		"origin", row->v[0], "index", (json_int_t)cs_int(row->v[1]),
		"time", (json_int_t)cs_int(row->v[2]),
		"direction", cs_int(row->v[3]) == 2 ? "exit" : "entry",
		"decision", cs_int(row->v[4]) == 2 ? "refuse" :
			    cs_int(row->v[4]) == 3 ? "second-line" : "admit");
	status = json_string_value(json_object_get(rec, "screen_status"));
	hits = json_object_get(rec, "hits");
	scr = json_string_value(json_object_get(rec, "screening"));
	if (!o) {
		json_decref(rec);
		return TIMS_ERR_NOMEM;
	}
	if (status) { /* version 2: the server's outcome */
		if (json_array_size(hits) || !strcmp(status, "failed")) {
			json_object_set_new(o, "screen_status", json_string(status));
			if (json_is_array(hits))
				json_object_set(o, "hits", hits);
			else
				json_object_set_new(o, "hits", json_array());
			json_object_set_new(o, "screening", hits_summary(hits, status));
			if (json_object_get(rec, "confirmed_hit"))
				json_object_set(o, "confirmed_hit", json_object_get(rec, "confirmed_hit"));
			json_array_append(list, o);
		}
	} else if (scr && *scr && strcmp(scr, "no hits") != 0) {
		json_object_set_new(o, "screening", json_string(scr));
		json_array_append(list, o);
	}
	json_decref(o);
	json_decref(rec);
	return TIMS_OK;
}

tims_rc tims_cstore_hits(struct tims_cstore *s, int64_t from_ms, int64_t to_ms,
			 unsigned limit, json_t **out, struct tims_err *err)
{
	struct cs_param p[] = { CS_I(from_ms), CS_I(to_ms), CS_I(limit) };
	struct opened_list l = { s, err, NULL };
	json_t *list;
	tims_rc rc;

	*out = NULL;
	if (limit == 0 || limit > TIMS_CSTORE_MAX_PAGE)
		return tims_err_set(err, TIMS_ERR_INVALID, "limit: want 1 to %d",
				    TIMS_CSTORE_MAX_PAGE);
	if ((rc = cs_readable(s, err)))
		return rc;
	if (!(list = json_array()))
		return tims_err_set(err, TIMS_ERR_NOMEM, "hits: out of memory");
	l.list = list;
	if ((rc = cs_query(s, sql_hits, 1, p, 3, hits_row, &l, NULL, err))) {
		json_decref(list);
		return rc;
	}
	*out = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from_ms, "to", (json_int_t)to_ms,
			 "hits", list);
	return *out ? TIMS_OK : tims_err_set(err, TIMS_ERR_NOMEM, "hits: out of memory");
}
