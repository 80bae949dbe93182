/*
 * travel.c — history and stay of one traveller at a post
 * (see include/tims/travel.h).
 */
#include "tims/travel.h"
#include <jansson.h>

#include "tims/util.h"

struct collect {
	struct tims_travel *t;
};

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

static tims_rc load_regimes(struct tims_post *p, struct tims_stay_regimes *rs,
			    struct tims_err *err)
{
	struct tims_buf path = TIMS_BUF_INIT(4096);
	tims_rc rc;

	if (tims_buf_addf(&path, "%s/stay-regimes.conf", tims_post_dir(p)))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "post directory: path too long");
	rc = tims_stay_regimes_load(path.buf, rs, err);
	tims_buf_release(&path);
	return rc;
}

tims_rc tims_travel_get(struct tims_post *p, const char *doc, const char *nat,
			int64_t on, const struct tims_stay_visa *visa,
			struct tims_travel *out, struct tims_err *err)
{
	struct tims_stay_regimes *rs = NULL;
	struct tims_stay_move *moves = NULL;
	size_t nm = 0;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	out->rows = calloc(TIMS_TRAVEL_MAX, sizeof(*out->rows));
	moves = calloc(TIMS_TRAVEL_MAX, sizeof(*moves));
	rs = malloc(sizeof(*rs));
	if (!out->rows || !moves || !rs) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "history: out of memory");
		goto out;
	}
	if ((rc = load_regimes(p, rs, err)))
		goto out;
	rc = tims_post_history(p, doc, nat, collect_row, out, err);
	if (rc == TIMS_ERR_TOOBIG)
		rc = tims_err_set(err, rc, "history: more than %d crossings", TIMS_TRAVEL_MAX);
	if (rc)
		goto out;
	if (nat)
		snprintf(out->nationality, sizeof(out->nationality), "%.3s", nat);
	for (size_t i = 0; i < out->n; i++) {
		struct tims_travel_row *r = &out->rows[i];

		if ((rc = tims_post_corrected_by(p, r->index, &r->corrected_by, err)))
			goto out;
		r->when = effective_time(p, &r->rec, 0);
		if (r->corrected_by != TIMS_RECORD_NO_INDEX)
			continue;
		/* Refused travellers did not enter; second line is pending. */
		if (r->rec.decision != TIMS_DECISION_ADMIT)
			continue;
		moves[nm].day = tims_day_of_ms(r->when);
		moves[nm].direction = r->rec.direction;
		nm++;
		if (!out->nationality[0])
			snprintf(out->nationality, sizeof(out->nationality), "%.3s",
				 r->rec.person.nationality);
	}
	rc = tims_stay_compute(moves, nm, on, tims_stay_regime_for(rs, out->nationality),
			       visa, &out->stay, err);
out:
	free(rs);
	free(moves);
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
	return stay;
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
	tims_buf_release(&b);
	return o;
}
