/*
 * travel.c — history and stay of one traveller at a post
 * (see include/tims/travel.h).
 */
#include "tims/travel.h"
#include <jansson.h>

#include "tims/mlog.h"
#include "tims/national.h"
#include "tims/util.h"
#include "internal.h"

static tims_rc collect_row(void *ctx, uint64_t index, const struct tims_record *rec)
{
	struct tims_travel *t = ctx;

	if (t->n == TIMS_TRAVEL_MAX)
		return TIMS_ERR_TOOBIG;
	t->rows[t->n].index = index;
	t->rows[t->n].rec = *rec;
	t->n++;
	return TIMS_OK;
}

/* The crossing time of a correction: its own, or the corrected record's. */
static int64_t effective_time(struct tims_post *p, const struct tims_record *r,
			      int depth)
{
	struct tims_record *old;
	int64_t t = tims_record_when(r);
	int erased;

	if (r->crossed_ms || r->corrects == TIMS_RECORD_NO_INDEX || depth > 16)
		return t;
	old = malloc(sizeof(*old));
	if (old && !tims_post_get(p, r->corrects, old, &erased, NULL, NULL) && !erased)
		t = effective_time(p, old, depth + 1);
	free(old);
	return t;
}

/* The visa recorded with a crossing (record version 2), as the rule takes it. */
static void record_visa(const struct tims_record *r, struct tims_stay_visa *v)
{
	/* a record's visa was checked when it was stored (tims_record_check) */
	if (tims_stay_visa_from(&r->visa, v, NULL))
		tims_stay_visa_from(NULL, v, NULL);
}

/* Everything the stay rule is computed over, both sources together. */
struct gather {
	struct tims_travel *t;
	struct tims_stay_crossing *c;
	struct tims_travel_move *m;
	size_t n;
	const char *own;
};

static tims_rc add_move(struct gather *g, int64_t at, uint8_t dir, const char *nat,
			const struct tims_stay_visa *visa, const char *post, uint64_t index,
			int own)
{
	if (g->n == TIMS_TRAVEL_MAX)
		return TIMS_ERR_TOOBIG;
	g->c[g->n].at_ms = at;
	g->c[g->n].direction = dir;
	g->c[g->n].counts = 1;
	snprintf(g->c[g->n].nationality, sizeof(g->c[g->n].nationality), "%.3s", nat);
	g->c[g->n].visa = *visa;
	g->m[g->n].at_ms = at;
	g->m[g->n].direction = dir;
	snprintf(g->m[g->n].post, sizeof(g->m[g->n].post), "%s", post);
	g->m[g->n].index = index;
	g->m[g->n].own = own;
	g->n++;
	return TIMS_OK;
}

static tims_rc national_move(void *ctx, const struct tims_national_move *m)
{
	struct gather *g = ctx;

	/* This post's own crossings come from its log, never a second time
	 * from what the centre sends back of them. */
	if (!strcmp(m->post, g->own))
		return TIMS_OK;
	g->t->national.n++;
	return add_move(g, m->at_ms, m->direction, m->nationality, &m->visa, m->post, m->index,
			0);
}

/*
 * The national crossings of doc from the replica. A replica that cannot be
 * read does not fail the answer: it is marked (national.error, not
 * current), so that the booth says its national data is missing rather
 * than showing this post's history as if it were the whole one.
 */
static tims_rc gather_national_locked(struct tims_post *p, const char *doc, const char *nat,
				      struct gather *g, struct tims_err *err)
{
	struct tims_travel_national *tn = &g->t->national;
	struct tims_national_state st;
	struct tims_err e;
	tims_rc rc;

	if (!p->national && (rc = tims_national_open(p->dir, 0, &p->national, &e))) {
		if (rc != TIMS_ERR_NOTFOUND)
			snprintf(tn->error, sizeof(tn->error), "%s", e.msg);
		return TIMS_OK;
	}
	tn->held = 1;
	rc = tims_national_state(p->national, 0, &st, &e);
	if (!rc)
		rc = tims_national_lookup(p->national, doc, nat, national_move, g, &e);
	if (rc == TIMS_ERR_TOOBIG)
		return tims_err_set(err, rc, "history: more than %d crossings", TIMS_TRAVEL_MAX);
	if (rc) {
		/* reopen at the next request (a replica re-created meanwhile) */
		snprintf(tn->error, sizeof(tn->error), "%s", e.msg);
		tims_national_close(p->national);
		p->national = NULL;
		tn->n = 0;
		return TIMS_OK;
	}
	tn->as_of_ms = st.as_of_ms;
	tn->current = tims_national_current(&st, tims_mlog_now_ms());
	return TIMS_OK;
}

/* The replica's handle under its own lock (p->nmu): booths check at once,
 * and the replica is read without waiting for a registration's commit
 * (p->mu). */
static tims_rc gather_national(struct tims_post *p, const char *doc, const char *nat,
			       struct gather *g, struct tims_err *err)
{
	tims_rc rc;

	pthread_mutex_lock(&p->nmu);
	rc = gather_national_locked(p, doc, nat, g, err);
	pthread_mutex_unlock(&p->nmu);
	return rc;
}

static int later_first(const void *a, const void *b)
{
	const struct tims_travel_move *x = a, *y = b;

	return (x->at_ms < y->at_ms) - (x->at_ms > y->at_ms);
}

tims_rc tims_travel_get(struct tims_post *p, const char *doc, const char *nat,
			int64_t on, const struct tims_stay_visa *visa,
			struct tims_travel *out, struct tims_err *err)
{
	struct tims_stay_regimes *rs = NULL;
	struct gather g;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&g, 0, sizeof(g));
	g.t = out;
	g.own = p->origin;
	out->rows = calloc(TIMS_TRAVEL_MAX, sizeof(*out->rows));
	g.c = calloc(TIMS_TRAVEL_MAX, sizeof(*g.c));
	g.m = calloc(TIMS_TRAVEL_MAX, sizeof(*g.m));
	rs = malloc(sizeof(*rs));
	if (!out->rows || !g.c || !g.m || !rs) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "history: out of memory");
		goto out;
	}
	if ((rc = tims_stay_regimes_load_dir(p->dir, rs, err)))
		goto out;
	rc = tims_post_history(p, doc, nat, collect_row, out, err);
	if (rc == TIMS_ERR_TOOBIG)
		rc = tims_err_set(err, rc, "history: more than %d crossings", TIMS_TRAVEL_MAX);
	if (rc)
		goto out;
	for (size_t i = 0; i < out->n; i++) {
		struct tims_travel_row *r = &out->rows[i];
		struct tims_stay_visa v;

		if ((rc = tims_post_corrected_by(p, r->index, &r->corrected_by, err)))
			goto out;
		r->when = effective_time(p, &r->rec, 0);
		if (r->corrected_by != TIMS_RECORD_NO_INDEX)
			continue;
		/* Refused travellers did not enter; second line is pending. */
		if (r->rec.decision != TIMS_DECISION_ADMIT)
			continue;
		record_visa(&r->rec, &v);
		if ((rc = add_move(&g, r->when, r->rec.direction, r->rec.person.nationality, &v,
				   p->origin, r->index, 1)))
			goto out;
	}
	if ((rc = gather_national(p, doc, nat, &g, err)))
		goto out;
	rc = tims_stay_assess(g.c, g.n, nat, on, rs, visa, &out->stay, err);
	if (rc)
		goto out;
	memcpy(out->nationality, out->stay.nationality, sizeof(out->nationality));
	qsort(g.m, g.n, sizeof(*g.m), later_first);
	for (size_t i = 0; i < g.n && out->nlast < TIMS_TRAVEL_LAST; i++)
		out->last[out->nlast++] = g.m[i];
out:
	free(rs);
	free(g.c);
	free(g.m);
	if (rc)
		tims_travel_release(out);
	return rc;
}

void tims_travel_release(struct tims_travel *t)
{
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

const char *tims_stay_kind_name(unsigned kind)
{
	static const char *const names[] = { "?", "short stay", "exempt", "visa" };

	return kind < TIMS_ARRAY_SIZE(names) ? names[kind] : "?";
}

static json_t *date_json(int64_t day)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	json_t *j;

	tims_date_format(day, &b);
	j = json_string(tims_buf_str(&b));
	tims_buf_release(&b);
	return j;
}

json_t *tims_travel_stay_json(const struct tims_stay_result *s, int64_t on)
{
	json_t *stay = json_object();

	if (!stay)
		return NULL;
	json_object_set_new(stay, "on", date_json(on));
	json_object_set_new(stay, "regime", json_string(tims_stay_kind_name(s->kind)));
	json_object_set_new(stay, "max_days", json_integer(s->max_days));
	json_object_set_new(stay, "window_days", json_integer(s->window_days));
	json_object_set_new(stay, "used", json_integer(s->used));
	json_object_set_new(stay, "left", json_integer(s->left));
	json_object_set_new(stay, "overstay", json_integer(s->overstay));
	json_object_set_new(stay, "in_country", json_boolean(s->in_country));
	if (s->in_country && s->leave_by != INT64_MIN)
		json_object_set_new(stay, "leave_by", date_json(s->leave_by));
	json_object_set_new(stay, "inconsistent", json_boolean(s->inconsistent));
	if (s->nationality[0])
		json_object_set_new(stay, "nationality", json_string(s->nationality));
	json_object_set_new(stay, "visa_required", json_boolean(s->visa_required));
	if (s->visa_required)
		json_object_set_new(stay, "visa_missing", json_boolean(s->visa_missing));
	if (s->permit)
		json_object_set_new(stay, "permit", json_string(tims_stay_visa_kind_name(s->visa.kind)));
	if (s->kind == TIMS_STAY_VISA && !s->visa_missing)
		json_object_set_new(stay, "visa", json_pack("{s:i, s:b}", "entries_used",
			(int)s->entries_used, "entries_exceeded", s->entries_exceeded));
	return stay;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of a time in ms. */
static json_t *time_json(int64_t ms)
{
	struct tims_buf b = TIMS_BUF_INIT(32);
	int64_t s = ms / 1000, day = s / 86400, sec = s % 86400;
	json_t *j;

	if (ms <= 0 || tims_date_format(day, &b) ||
	    tims_buf_addf(&b, "T%02d:%02d:%02dZ", (int)(sec / 3600), (int)(sec / 60 % 60),
			  (int)(sec % 60)))
		j = json_null();
	else
		j = json_string(tims_buf_str(&b));
	tims_buf_release(&b);
	return j;
}

json_t *tims_travel_national_json(const struct tims_travel_national *n)
{
	json_t *o = json_object(), *at = time_json(n->as_of_ms);

	if (!o || !at) {
		json_decref(o);
		json_decref(at);
		return NULL;
	}
	json_object_set_new(o, "current", json_boolean(n->current));
	json_object_set_new(o, "as_of_ms", json_integer((json_int_t)n->as_of_ms));
	json_object_set_new(o, "crossings", json_integer((json_int_t)n->n));
	if (n->error[0])
		json_object_set_new(o, "error", json_string(n->error));
	if (!n->current) {
		struct tims_buf b = TIMS_BUF_INIT(256);

		const char *code = n->error[0] ? "unavailable" : !n->as_of_ms ? "none_yet" : "as_of";

		if (n->error[0])
			tims_buf_addf(&b, "national data unavailable: only this post's crossings count");
		else if (!n->as_of_ms)
			tims_buf_addf(&b, "no national data yet: only this post's crossings count");
		else
			tims_buf_addf(&b, "national data as of %s", json_string_value(at));
		json_object_set_new(o, "note", json_string(tims_buf_str(&b)));
		/* the note as a code, for the consoles' own words */
		json_object_set_new(o, "code", json_string(code));
		tims_buf_release(&b);
	}
	json_object_set_new(o, "as_of", at);
	return o;
}

json_t *tims_travel_last_json(const struct tims_travel_move *last, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:o, s:s, s:s, s:b}", "date",
			date_json(tims_day_of_ms(last[i].at_ms)), "direction",
			tims_direction_name(last[i].direction), "post", last[i].post,
			"own", last[i].own));
	return a;
}

json_t *tims_travel_json(const struct tims_travel *t, const char *doc, int64_t on)
{
	json_t *o = json_object(), *list = json_array();
	json_t *stay = tims_travel_stay_json(&t->stay, on);
	struct tims_buf b = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);

	if (!o || !list || !stay) {
		json_decref(o);
		json_decref(list);
		json_decref(stay);
		return NULL;
	}
	for (size_t i = 0; i < t->n; i++) {
		json_t *e = json_object(), *rec;

		tims_buf_reset(&b);
		tims_record_to_json(&t->rows[i].rec, &b);
		rec = json_loads(tims_buf_str(&b), 0, NULL);
		json_object_set_new(e, "index", json_integer((json_int_t)t->rows[i].index));
		json_object_set_new(e, "record", rec ? rec : json_null());
		if (t->rows[i].corrected_by != TIMS_RECORD_NO_INDEX)
			json_object_set_new(e, "corrected_by",
					    json_integer((json_int_t)t->rows[i].corrected_by));
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "document", json_string(doc));
	json_object_set_new(o, "crossings", list);
	json_object_set_new(o, "stay", stay);
	json_object_set_new(o, "national", tims_travel_national_json(&t->national));
	json_object_set_new(o, "last_crossings", tims_travel_last_json(t->last, t->nlast));
	tims_buf_release(&b);
	return o;
}
