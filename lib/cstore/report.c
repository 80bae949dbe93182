/*
 * report.c — the statistics a ministry publishes, over the query store's
 * clear columns (see include/tims/cstore.h, "statistics").
 *
 * Each period bucket is one grouped COUNT over the crossings of its time
 * range (the index on when_ms), so that months and years need no SQL date
 * function of either backend. The multi-valued groupings — the refusal
 * codes of one crossing ("B,E"), the parts its hits named — are split here
 * and the rows merged, so a crossing counts once under each of its values.
 */
#include "internal.h"

#include "tims/buf.h"
#include "tims/util.h"

static const char *const table_names[] = { "crossings", "refusals", "vehicles", "hits" };
static const char *const period_names[] = { "all", "day", "month", "year" };

/* The groupings in order of their bits, with their column. */
static const struct {
	unsigned bit;
	const char *name;
	const char *col;
} bys[] = {
	{ TIMS_REPORT_BY_POST, "post", "origin" },
	{ TIMS_REPORT_BY_NATIONALITY, "nationality", "nationality" },
	{ TIMS_REPORT_BY_DIRECTION, "direction", "direction" },
	{ TIMS_REPORT_BY_DECISION, "decision", "decision" },
	{ TIMS_REPORT_BY_REASON, "reason", "refusal" },
	{ TIMS_REPORT_BY_KIND, "kind", "hitparts" },
	{ TIMS_REPORT_BY_COUNTRY, "country", "vcountry" },
};

int tims_report_table_parse(const char *s)
{
	for (size_t i = 0; s && i < TIMS_ARRAY_SIZE(table_names); i++)
		if (!strcmp(s, table_names[i]))
			return (int)i;
	return -1;
}

const char *tims_report_table_name(enum tims_report_table t)
{
	return (unsigned)t < TIMS_ARRAY_SIZE(table_names) ? table_names[t] : "?";
}

int tims_report_period_parse(const char *s)
{
	for (size_t i = 0; s && i < TIMS_ARRAY_SIZE(period_names); i++)
		if (!strcmp(s, period_names[i]))
			return (int)i;
	return -1;
}

const char *tims_report_period_name(enum tims_report_period p)
{
	return (unsigned)p < TIMS_ARRAY_SIZE(period_names) ? period_names[p] : "?";
}

const char *tims_report_by_name(unsigned bit)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bys); i++)
		if (bys[i].bit == bit)
			return bys[i].name;
	return "?";
}

tims_rc tims_report_by_parse(const char *s, unsigned *by, struct tims_err *err)
{
	*by = 0;
	while (s && *s) {
		size_t len = strcspn(s, ",");
		unsigned bit = 0;

		for (size_t i = 0; i < TIMS_ARRAY_SIZE(bys); i++)
			if (strlen(bys[i].name) == len && !strncmp(bys[i].name, s, len))
				bit = bys[i].bit;
		if (!bit) {
			*by = 0;
			return tims_err_set(err, TIMS_ERR_INVALID, "by: unknown grouping \"%.*s\" (want "
					    "post, nationality, direction, decision, reason, kind, "
					    "country)", (int)(len > 32 ? 32 : len), s);
		}
		if (*by & bit) {
			*by = 0;
			return tims_err_set(err, TIMS_ERR_INVALID, "by: %s twice",
					    tims_report_by_name(bit));
		}
		*by |= bit;
		s += len;
		if (*s == ',' && !*++s) {
			*by = 0;
			return tims_err_set(err, TIMS_ERR_INVALID, "by: ends with a comma");
		}
	}
	return TIMS_OK;
}

tims_rc tims_report_check(const struct tims_report_query *q, struct tims_err *err)
{
	static const unsigned only[][2] = {
		{ TIMS_REPORT_BY_REASON, TIMS_REPORT_REFUSALS },
		{ TIMS_REPORT_BY_KIND, TIMS_REPORT_HITS },
		{ TIMS_REPORT_BY_COUNTRY, TIMS_REPORT_VEHICLES },
	};

	if ((unsigned)q->table >= TIMS_ARRAY_SIZE(table_names))
		return tims_err_set(err, TIMS_ERR_INVALID, "table: want crossings, refusals, "
				    "vehicles or hits");
	if ((unsigned)q->period >= TIMS_ARRAY_SIZE(period_names))
		return tims_err_set(err, TIMS_ERR_INVALID, "period: want all, day, month or year");
	if (q->by & ~(unsigned)TIMS_REPORT_BY_ALL)
		return tims_err_set(err, TIMS_ERR_INVALID, "by: unknown grouping");
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(only); i++)
		if ((q->by & only[i][0]) && q->table != (enum tims_report_table)only[i][1])
			return tims_err_set(err, TIMS_ERR_INVALID, "by: %s is for the %s table",
					    tims_report_by_name(only[i][0]),
					    tims_report_table_name(only[i][1]));
	if (q->from_day < 0 || q->to_day < 0 || q->to_day > 2932896 /* 9999-12-31 */)
		return tims_err_set(err, TIMS_ERR_INVALID, "from: want a day from 1970-01-01");
	if (q->from_day > q->to_day)
		return tims_err_set(err, TIMS_ERR_INVALID, "to: before from");
	if (q->to_day - q->from_day + 1 > TIMS_REPORT_MAX_DAYS)
		return tims_err_set(err, TIMS_ERR_INVALID, "to: at most %d days after from",
				    TIMS_REPORT_MAX_DAYS);
	if (q->period == TIMS_REPORT_DAY && q->to_day - q->from_day + 1 > TIMS_REPORT_MAX_DAILY)
		return tims_err_set(err, TIMS_ERR_INVALID, "period: a daily report covers at most "
				    "%d days (ask by month)", TIMS_REPORT_MAX_DAILY);
	return TIMS_OK;
}

/* ------------------------------------------------------------------ */

struct rep {
	const struct tims_report_query *q;
	struct tims_report_row *rows;
	size_t n, alloc;
	const char *period;         /* the bucket's label */
	int cols[TIMS_ARRAY_SIZE(bys)]; /* the column of each grouping, -1 */
	int ncols;
};

static tims_rc rep_push(struct rep *r, const struct tims_report_row *row)
{
	if (r->n == r->alloc) {
		size_t na = r->alloc ? 2 * r->alloc : 256;
		struct tims_report_row *v;

		if (r->n >= TIMS_REPORT_MAX_ROWS)
			return TIMS_ERR_TOOBIG;
		if (na > TIMS_REPORT_MAX_ROWS)
			na = TIMS_REPORT_MAX_ROWS;
		if (!(v = realloc(r->rows, na * sizeof(*v))))
			return TIMS_ERR_NOMEM;
		r->rows = v;
		r->alloc = na;
	}
	r->rows[r->n++] = *row;
	return TIMS_OK;
}

static const char *col(const struct rep *r, const struct cs_row *row, size_t by)
{
	int i = r->cols[by];

	return i >= 0 && i < row->n && row->v[i] ? row->v[i] : "";
}

static tims_rc rep_row(void *ctx, const struct cs_row *row)
{
	struct rep *r = ctx;
	struct tims_report_row base;
	const char *reasons, *v;
	int64_t parts;
	tims_rc rc;

	memset(&base, 0, sizeof(base));
	if (row->n < r->ncols + 1)
		return TIMS_ERR_DB;
	base.count = (uint64_t)cs_int(row->v[r->ncols]);
	if (!base.count)
		return TIMS_OK;
	snprintf(base.period, sizeof(base.period), "%s", r->period);
	snprintf(base.post, sizeof(base.post), "%s", col(r, row, 0));
	snprintf(base.nationality, sizeof(base.nationality), "%.3s", col(r, row, 1));
	base.direction = (uint8_t)cs_int(col(r, row, 2));
	base.decision = (uint8_t)cs_int(col(r, row, 3));
	snprintf(base.country, sizeof(base.country), "%.3s", col(r, row, 6));
	if (r->cols[4] >= 0) {
		/* "B,E": once under each code */
		reasons = col(r, row, 4);
		if (!*reasons)
			return rep_push(r, &base);
		for (v = reasons; *v; v += strcspn(v, ","), v += *v == ',') {
			size_t len = strcspn(v, ",");

			snprintf(base.reason, sizeof(base.reason), "%.*s", (int)(len > 3 ? 3 : len), v);
			if (len && (rc = rep_push(r, &base)))
				return rc;
		}
		return TIMS_OK;
	}
	if (r->cols[5] >= 0) {
		static const char *const part[] = { "failed", "document", "person", "vehicle" };
		int any = 0;

		parts = cs_int(col(r, row, 5));
		for (int b = 0; b < 4; b++) {
			if (!(parts & (1 << b)))
				continue;
			any = 1;
			snprintf(base.kind, sizeof(base.kind), "%s", part[b]);
			if ((rc = rep_push(r, &base)))
				return rc;
		}
		if (!any) {
			snprintf(base.kind, sizeof(base.kind), "other");
			return rep_push(r, &base);
		}
		return TIMS_OK;
	}
	return rep_push(r, &base);
}

static int row_cmp(const void *a, const void *b)
{
	const struct tims_report_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->period, y->period)) || (c = strcmp(x->post, y->post)) ||
	    (c = strcmp(x->nationality, y->nationality)))
		return c;
	if (x->direction != y->direction)
		return x->direction < y->direction ? -1 : 1;
	if (x->decision != y->decision)
		return x->decision < y->decision ? -1 : 1;
	if ((c = strcmp(x->reason, y->reason)) || (c = strcmp(x->kind, y->kind)))
		return c;
	return strcmp(x->country, y->country);
}

/* The bucket of `day`: its label and its first day after. */
static tims_rc bucket(enum tims_report_period p, int64_t day, int64_t last, char label[11],
		      int64_t *next, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	char ymd[32];
	int y, m;
	tims_rc rc;

	if (p == TIMS_REPORT_ALL) {
		label[0] = '\0';
		*next = last + 1;
		return TIMS_OK;
	}
	if (tims_date_format(day, &b)) {
		tims_buf_release(&b);
		return tims_err_set(err, TIMS_ERR_INVALID, "from: not a day");
	}
	snprintf(ymd, sizeof(ymd), "%s", tims_buf_str(&b));
	tims_buf_release(&b);
	if (p == TIMS_REPORT_DAY) {
		snprintf(label, 11, "%.10s", ymd);
		*next = day + 1;
		return TIMS_OK;
	}
	y = (int)cs_int(ymd);
	m = (int)cs_int(ymd + 5);
	if (p == TIMS_REPORT_MONTH) {
		snprintf(label, 11, "%.7s", ymd);
		if (++m == 13)
			m = 1, y++;
	} else {
		snprintf(label, 11, "%.4s", ymd);
		m = 1, y++;
	}
	if (y > 9999) {
		*next = last + 1;
		return TIMS_OK;
	}
	snprintf(ymd, sizeof(ymd), "%04d-%02d-01", y % 10000, m % 100);
	if ((rc = tims_date_parse(ymd, next, "to", err)))
		return rc;
	return TIMS_OK;
}

static const char *table_where(enum tims_report_table t)
{
	switch (t) {
	case TIMS_REPORT_REFUSALS:
		return " AND decision = 2"; /* TIMS_DECISION_REFUSE */
	case TIMS_REPORT_VEHICLES:
		return " AND vrole = 1";    /* TIMS_VROLE_DRIVER: one a vehicle */
	case TIMS_REPORT_HITS:
		return " AND hit = 1";
	default:
		return "";
	}
}

tims_rc tims_cstore_report(struct tims_cstore *s, const struct tims_report_query *q,
			   tims_report_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(2048), cols = TIMS_BUF_INIT(512);
	struct rep r;
	char label[11];
	int64_t day, next;
	tims_rc rc;

	memset(&r, 0, sizeof(r));
	if ((rc = tims_report_check(q, err)))
		return rc;
	r.q = q;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bys); i++) {
		r.cols[i] = -1;
		if (q->by & bys[i].bit) {
			tims_buf_addf(&cols, "%s, ", bys[i].col);
			r.cols[i] = r.ncols++;
		}
	}
	/* the table's crossings of the range, standing (a corrected record
	 * is counted through its correction only) */
	if (r.ncols) {
		cols.len -= 2; /* the last ", " */
		cols.buf[cols.len] = '\0';
		rc = tims_buf_addf(&sql, "SELECT %s, COUNT(*) FROM crossings WHERE when_ms >= ?1 AND"
				   " when_ms < ?2 AND corrected_by IS NULL%s GROUP BY %s",
				   tims_buf_str(&cols), table_where(q->table), tims_buf_str(&cols));
	} else {
		rc = tims_buf_addf(&sql, "SELECT COUNT(*) FROM crossings WHERE when_ms >= ?1 AND"
				   " when_ms < ?2 AND corrected_by IS NULL%s", table_where(q->table));
	}
	if (rc) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "report: out of memory");
		goto out;
	}
	for (day = q->from_day; day <= q->to_day; day = next) {
		int64_t end;

		if ((rc = bucket(q->period, day, q->to_day, label, &next, err)))
			goto out;
		end = next > q->to_day + 1 ? q->to_day + 1 : next;
		{
			struct cs_param p[] = { CS_I(day * 86400000), CS_I(end * 86400000) };

			r.period = label;
			rc = cs_query(s, tims_buf_str(&sql), 0, p, 2, rep_row, &r, NULL, err);
		}
		if (rc == TIMS_ERR_TOOBIG)
			rc = tims_err_set(err, rc, "by: more than %d rows; ask for a shorter period "
					  "or fewer groupings", TIMS_REPORT_MAX_ROWS);
		else if (rc == TIMS_ERR_NOMEM)
			rc = tims_err_set(err, rc, "report: out of memory");
		if (rc)
			goto out;
	}
	/* split rows merged: one row a key */
	if (r.n > 1)
		qsort(r.rows, r.n, sizeof(*r.rows), row_cmp);
	for (size_t i = 0; i < r.n;) {
		struct tims_report_row m = r.rows[i];
		size_t j = i + 1;

		for (; j < r.n && !row_cmp(&r.rows[i], &r.rows[j]); j++)
			m.count += r.rows[j].count;
		if ((rc = fn(ctx, &m)))
			goto out;
		i = j;
	}
out:
	free(r.rows);
	tims_buf_release(&sql);
	tims_buf_release(&cols);
	return rc;
}
