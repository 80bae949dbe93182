/*
 * retention.c — what the centre's retention run needs of the query store
 * (include/tims/cstore.h, docs/retention.md): the clear facts of every
 * crossing not yet erased (time, direction, decision, correction, the
 * document's key) and the erasure of one crossing's personal fields.
 */
#include <string.h>

#include "internal.h"

static const char sql_rows[] =
	"SELECT origin, idx, when_ms, direction, decision, corrects, issuer, doc"
	" FROM crossings WHERE erased = 0 ORDER BY origin, idx";
static const char sql_newest[] = "SELECT max(post_time) FROM crossings";
/* The row keeps origin, index, times, leaf, direction and decision (no
 * personal data, and what the stay rules and the feed's removal need);
 * the person and the record go. The feed's trigger sees `erased` change
 * and withdraws the crossing from the posts' national replicas. */
static const char sql_erase[] =
	"UPDATE crossings SET erased = 1, issuer = '', doc = '', person = '',"
	" nationality = '', sealed = NULL, dob = '', skel = '', vcountry = '', refusal = ''"
	" WHERE origin = ?1 AND idx = ?2 AND erased = 0";

struct rows_ctx {
	tims_cstore_retention_fn fn;
	void *ctx;
};

static tims_rc one_row(void *ctx, const struct cs_row *row)
{
	struct rows_ctx *rc = ctx;
	struct tims_cstore_retention_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.origin, sizeof(r.origin), "%s", row->v[0] ? row->v[0] : "");
	r.idx = (uint64_t)cs_int(row->v[1]);
	r.when_ms = cs_int(row->v[2]);
	r.direction = (uint8_t)cs_int(row->v[3]);
	r.decision = (uint8_t)cs_int(row->v[4]);
	r.corrects = row->v[5] ? (uint64_t)cs_int(row->v[5]) : UINT64_MAX;
	if (row->v[7] && row->v[7][0])
		snprintf(r.key, sizeof(r.key), "%.3s %.64s", row->v[6] ? row->v[6] : "", row->v[7]);
	return rc->fn(rc->ctx, &r);
}

tims_rc tims_cstore_retention_rows(struct tims_cstore *s, tims_cstore_retention_fn fn,
				   void *ctx, struct tims_err *err)
{
	struct rows_ctx rc = { fn, ctx };

	return cs_query(s, sql_rows, 1, NULL, 0, one_row, &rc, NULL, err);
}

static tims_rc newest_row(void *ctx, const struct cs_row *row)
{
	*(int64_t *)ctx = row->v[0] ? cs_int(row->v[0]) : 0;
	return TIMS_OK;
}

tims_rc tims_cstore_newest(struct tims_cstore *s, int64_t *post_time_ms, struct tims_err *err)
{
	*post_time_ms = 0;
	return cs_query(s, sql_newest, 1, NULL, 0, newest_row, post_time_ms, NULL, err);
}

tims_rc tims_cstore_erase(struct tims_cstore *s, const char *origin, uint64_t idx,
			  int *erased, struct tims_err *err)
{
	struct cs_param p[] = { CS_T(origin), CS_I(idx) };
	uint64_t changes = 0;
	tims_rc rc;

	rc = cs_query(s, sql_erase, 1, p, 2, NULL, NULL, &changes, err);
	*erased = changes > 0;
	return rc;
}
