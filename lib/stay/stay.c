/*
 * stay.c — the short-stay calculation (see include/tims/stay.h).
 *
 * Moves become stays (closed day intervals), stays become a presence bitmap
 * over the window ending on the reference date and the window after it, and
 * every figure is a count over that bitmap. A bitmap rather than interval
 * arithmetic keeps "entry and exit day both count" and overlapping or
 * inconsistent histories trivially right.
 */
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/util.h"

#define MAX_WINDOW 3660

struct presence {
	int64_t first;                  /* day of bit 0 */
	uint8_t day[2 * MAX_WINDOW];    /* [first, first + 2W) */
	size_t len;
	struct tims_stay_move moves[TIMS_STAY_MAX_MOVES]; /* sorted copy */
};

static void mark(struct presence *p, int64_t a, int64_t b)
{
	if (a < p->first)
		a = p->first;
	if (b > p->first + (int64_t)p->len - 1)
		b = p->first + (int64_t)p->len - 1;
	for (int64_t d = a; d <= b; d++)
		p->day[d - p->first] = 1;
}

static int present(const struct presence *p, int64_t d)
{
	return d >= p->first && d < p->first + (int64_t)p->len &&
	       p->day[d - p->first];
}

static unsigned count(const struct presence *p, int64_t a, int64_t b)
{
	unsigned n = 0;

	for (int64_t d = a; d <= b; d++)
		n += (unsigned)present(p, d);
	return n;
}

/* Stable insertion sort by day: moves on one day keep their given order. */
static void sort_moves(struct tims_stay_move *m, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct tims_stay_move x = m[i];
		size_t j = i;

		for (; j > 0 && m[j - 1].day > x.day; j--)
			m[j] = m[j - 1];
		m[j] = x;
	}
}

/* Mark every stay up to `on`; returns the day of an open entry or INT64_MIN. */
static int64_t build(struct tims_stay_move *m, size_t n, int64_t on,
		     struct presence *p, struct tims_stay_result *out)
{
	int64_t open = INT64_MIN;

	for (size_t i = 0; i < n; i++) {
		if (m[i].direction == TIMS_DIR_ENTRY) {
			if (open != INT64_MIN) {
				out->inconsistent = 1;
				mark(p, open, open);
			}
			open = m[i].day;
		} else {
			if (open == INT64_MIN) {
				out->inconsistent = 1;
				mark(p, m[i].day, m[i].day);
			} else {
				mark(p, open, m[i].day);
			}
			open = INT64_MIN;
		}
	}
	if (open != INT64_MIN)
		mark(p, open, on);
	return open;
}

/*
 * Staying on from `on`, the last day on which every window ending that day
 * holds at most max days; INT64_MIN if the window ending on `on` is over.
 */
static int64_t leave_by(struct presence *p, int64_t on, unsigned max,
			unsigned w)
{
	unsigned c = count(p, on - w + 1, on);

	if (c > max)
		return INT64_MIN;
	for (int64_t d = on + 1; d <= on + (int64_t)w; d++) {
		c = c + 1 - (unsigned)present(p, d - w);
		if (c > max)
			return d - 1;
	}
	return on + w; /* never reached with max < w */
}

tims_rc tims_stay_compute(const struct tims_stay_move *moves, size_t n,
			  int64_t on, const struct tims_stay_regime *regime,
			  const struct tims_stay_visa *visa,
			  struct tims_stay_result *out, struct tims_err *err)
{
	struct tims_stay_move *m;
	struct presence *p;
	unsigned w = regime->window_days ? regime->window_days : 180;
	unsigned max = regime->max_days;
	size_t k = 0;
	int64_t open;

	uint8_t kind = regime->kind;
	int permit = 0, short_visa = 0;

	memset(out, 0, sizeof(*out));
	out->leave_by = INT64_MIN;
	if (n > TIMS_STAY_MAX_MOVES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "history: more than %d crossings",
				    TIMS_STAY_MAX_MOVES);
	if (visa && visa->kind > TIMS_STAY_VISA_RESIDENCE)
		return tims_err_set(err, TIMS_ERR_INVALID, "visa: kind %u", visa->kind);
	if (visa && (visa->kind == TIMS_STAY_VISA_LONG ||
		     visa->kind == TIMS_STAY_VISA_RESIDENCE) &&
	    visa->valid_from <= on && on <= visa->valid_until) {
		permit = 1; /* out of the short-stay count, whatever the nationality */
		kind = TIMS_STAY_EXEMPT;
	}
	out->kind = kind;
	out->permit = permit;
	out->visa_required = regime->kind == TIMS_STAY_VISA;
	if (visa)
		out->visa = *visa;
	if (kind == TIMS_STAY_VISA) {
		short_visa = visa && visa->kind == TIMS_STAY_VISA_SHORT;
		/* no short-stay visa: no day of presence is lawful; one whose
		 * duration is not known allows what any short stay does */
		max = !short_visa ? 0 : visa->days ? visa->days : 90;
		out->visa_missing = !short_visa;
		w = 180;
	}
	if (w > MAX_WINDOW || w == 0 || (kind == TIMS_STAY_SHORT &&
					 (max == 0 || max >= w)))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "regime: %u days in %u is not a rule", max, w);
	/* Heap scratch (about 70 KiB): re-entrant, and off a thread's stack. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return tims_err_set(err, TIMS_ERR_NOMEM, "stay: out of memory");
	m = p->moves;
	for (size_t i = 0; i < n; i++) {
		if (moves[i].direction != TIMS_DIR_ENTRY &&
		    moves[i].direction != TIMS_DIR_EXIT)
		{
			free(p);
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "move %zu: direction %u", i,
					    moves[i].direction);
		}
		if (moves[i].day <= on)
			m[k++] = moves[i];
	}
	p->first = on - w + 1;
	p->len = 2 * (size_t)w;
	sort_moves(m, k);
	open = build(m, k, on, p, out);
	out->in_country = open != INT64_MIN;
	out->window_days = w;
	out->window_first = on - w + 1;
	out->used = count(p, out->window_first, on);
	if (kind == TIMS_STAY_EXEMPT) {
		free(p);
		return TIMS_OK;
	}
	out->max_days = max;
	out->left = out->used < max ? max - out->used : 0;
	out->overstay = out->used > max ? out->used - max : 0;
	if (out->in_country)
		out->leave_by = leave_by(p, on, max, w);
	if (short_visa) {
		unsigned late = on > visa->valid_until
			? count(p, visa->valid_until + 1, on) : 0;

		for (size_t i = 0; i < k; i++)
			if (m[i].direction == TIMS_DIR_ENTRY &&
			    m[i].day >= visa->valid_from)
				out->entries_used++;
		out->entries_exceeded = visa->entries &&
					out->entries_used > visa->entries;
		if (late > out->overstay)
			out->overstay = late;
		if (out->in_country && out->leave_by > visa->valid_until)
			out->leave_by = visa->valid_until < on
				? INT64_MIN : visa->valid_until;
		if (late)
			out->left = 0;
	}
	free(p);
	return TIMS_OK;
}
