/*
 * test_stay.c — the short-stay rule, table-driven: the classic cases of the
 * EU short-stay calculator (same-day trip = 1 day, 90 consecutive days, the
 * window boundary, overstays, open stays), exempt and visa regimes, and the
 * regimes config parser's errors.
 */
#include "t.h"
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/util.h"

#define E TIMS_DIR_ENTRY
#define X TIMS_DIR_EXIT
#define NONE INT64_MIN

/* Days are counted from D0 = 2024-01-01 so that the table reads easily. */
static int64_t D0;

struct move { int day; int dir; };

static const struct {
	const char *name;
	struct move moves[8];
	size_t n;
	int on;
	unsigned used, left, overstay;
	int in_country;
	int64_t leave_by; /* relative to D0, or NONE */
	int inconsistent;
} cases[] = {
	{ "same-day entry and exit count as 1 day",
	  { { 0, E }, { 0, X } }, 2, 0, 1, 89, 0, 0, NONE, 0 },
	{ "entry and exit day both count (1st to 10th = 10 days)",
	  { { 0, E }, { 9, X } }, 2, 30, 10, 80, 0, 0, NONE, 0 },
	{ "90 consecutive days is the limit, no overstay",
	  { { 0, E }, { 89, X } }, 2, 89, 90, 0, 0, 0, NONE, 0 },
	{ "91 consecutive days is 1 day of overstay",
	  { { 0, E }, { 90, X } }, 2, 90, 91, 0, 1, 0, NONE, 0 },
	{ "a stay 180 days back still counts its last day",
	  { { 0, E }, { 9, X } }, 2, 188, 1, 89, 0, 0, NONE, 0 },
	{ "a stay spanning the window start counts only its days inside",
	  { { 0, E }, { 9, X } }, 2, 184, 5, 85, 0, 0, NONE, 0 },
	{ "a stay wholly before the window does not count",
	  { { 0, E }, { 9, X } }, 2, 189, 0, 90, 0, 0, NONE, 0 },
	{ "an open stay counts up to the reference date",
	  { { 0, E } }, 1, 9, 10, 80, 0, 1, 89, 0 },
	{ "an open stay past 90 days is an overstay",
	  { { 0, E } }, 1, 99, 100, 0, 10, 1, NONE, 0 },
	{ "earlier stays shorten the current one (60 used, re-entry day 100)",
	  { { 0, E }, { 59, X }, { 100, E } }, 3, 100, 61, 29, 0, 1, 129, 0 },
	{ "days dropping out of the window extend the stay",
	  { { 0, E }, { 29, X }, { 150, E } }, 3, 150, 31, 59, 0, 1, 239, 0 },
	{ "several short trips add up",
	  { { 0, E }, { 2, X }, { 10, E }, { 10, X }, { 20, E }, { 24, X } }, 6, 30,
	  9, 81, 0, 0, NONE, 0 },
	{ "crossings after the reference date are ignored",
	  { { 0, E }, { 4, X }, { 50, E } }, 3, 20, 5, 85, 0, 0, NONE, 0 },
	{ "an exit with no entry counts one day and is flagged",
	  { { 5, X } }, 1, 10, 1, 89, 0, 0, NONE, 1 },
	{ "two entries in a row: the first counts its day, flagged",
	  { { 0, E }, { 10, E }, { 12, X } }, 3, 20, 4, 86, 0, 0, NONE, 1 },
	{ "unsorted input is sorted by day",
	  { { 20, X }, { 11, E } }, 2, 30, 10, 80, 0, 0, NONE, 0 },
};

static void test_cases(void)
{
	struct tims_stay_regimes rs;
	struct tims_stay_move mv[8];
	struct tims_stay_result res;
	struct tims_err err;

	tims_stay_regimes_init(&rs);
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(cases); i++) {
		int64_t want_leave = cases[i].leave_by == NONE ? NONE
							       : D0 + cases[i].leave_by;
		tims_rc rc;

		for (size_t k = 0; k < cases[i].n; k++) {
			mv[k].day = D0 + cases[i].moves[k].day;
			mv[k].direction = (uint8_t)cases[i].moves[k].dir;
		}
		rc = tims_stay_compute(mv, cases[i].n, D0 + cases[i].on, &rs.def,
				       NULL, &res, &err);
		T_OK(rc == TIMS_OK && res.used == cases[i].used &&
		     res.left == cases[i].left && res.overstay == cases[i].overstay &&
		     res.in_country == cases[i].in_country &&
		     res.leave_by == want_leave &&
		     res.inconsistent == cases[i].inconsistent,
		     "stay: %s", cases[i].name);
		if (rc || res.used != cases[i].used || res.left != cases[i].left ||
		    res.overstay != cases[i].overstay || res.leave_by != want_leave ||
		    res.inconsistent != cases[i].inconsistent)
			printf("#   got used %u left %u overstay %u in %d leave_by %" PRId64
			       " inconsistent %d (rc %d)\n", res.used, res.left,
			       res.overstay, res.in_country,
			       res.leave_by == NONE ? -1 : res.leave_by - D0,
			       res.inconsistent, rc);
	}
}

static void test_regimes(void)
{
	static const char conf[] =
		"# regimes\n"
		"default short-stay 90 180\n"
		"exempt UTO D   # own citizens and a neighbour\n"
		"short-stay USA 60 180\n"
		"\n"
		"visa XYZ ABC\n";
	static const struct { const char *text; const char *msg; } bad[] = {
		{ "exempt uto\n", "line 1: 'uto' is not a nationality code (1 to 3 letters A-Z)" },
		{ "\nshort-stay USA 90\n", "line 2: want: short-stay NATIONALITY DAYS WINDOW" },
		{ "short-stay USA 200 180\n", "line 1: 200 days in a window of 180 is no limit" },
		{ "exempt UTO\nvisa UTO\n", "line 2: UTO already has a regime" },
		{ "forbid UTO\n", "line 1: 'forbid' is not a directive (default, short-stay, exempt, visa)" },
		{ "short-stay USA x 180\n", "line 1: days: want a number of days 1-3650" },
		{ "exempt\n", "line 1: exempt: want one or more nationality codes" },
	};
	struct tims_stay_regimes rs;
	struct tims_stay_move mv[2];
	struct tims_stay_result res;
	struct tims_stay_visa visa;
	struct tims_err err;

	T_OK(tims_stay_regimes_parse(conf, strlen(conf), &rs, &err) == TIMS_OK,
	     "regimes: the example parses (%s)", err.msg);
	T_EQ_INT(rs.n, 5, "regimes: five nationalities listed");
	T_EQ_INT(tims_stay_regime_for(&rs, "D")->kind, TIMS_STAY_EXEMPT, "regimes: D is exempt");
	T_EQ_INT(tims_stay_regime_for(&rs, "USA")->max_days, 60, "regimes: USA 60 days");
	T_EQ_INT(tims_stay_regime_for(&rs, "ABC")->kind, TIMS_STAY_VISA, "regimes: ABC needs a visa");
	T_EQ_INT(tims_stay_regime_for(&rs, "FRA")->max_days, 90, "regimes: others get the default");
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bad); i++) {
		T_OK(tims_stay_regimes_parse(bad[i].text, strlen(bad[i].text), &rs, &err) ==
		     TIMS_ERR_INVALID, "regimes: bad config %zu refused", i);
		T_OK(!strcmp(err.msg, bad[i].msg), "regimes: error names the line: %s", err.msg);
	}

	tims_stay_regimes_parse(conf, strlen(conf), &rs, &err);
	mv[0].day = D0;
	mv[0].direction = E;
	T_OK(tims_stay_compute(mv, 1, D0 + 400, tims_stay_regime_for(&rs, "UTO"), NULL,
			       &res, &err) == TIMS_OK && res.overstay == 0 && res.left == 0 &&
	     res.max_days == 0 && res.used == 180, "exempt: 400 days in the country, no overstay");
	T_OK(tims_stay_compute(mv, 1, D0 + 70, tims_stay_regime_for(&rs, "USA"), NULL,
			       &res, &err) == TIMS_OK && res.overstay == 11,
	     "short-stay 60/180: day 71 is 11 days over");
	T_OK(tims_stay_compute(mv, 1, D0 + 4, tims_stay_regime_for(&rs, "XYZ"), NULL, &res,
			       &err) == TIMS_OK && res.visa_missing && res.max_days == 0 &&
	     res.overstay == 5 && res.left == 0 && res.leave_by == INT64_MIN,
	     "visa: without a visa no day is lawful (5 days present, 5 over)");
	memset(&visa, 0, sizeof(visa));
	visa.kind = TIMS_STAY_VISA_SHORT;
	visa.valid_from = D0 - 10;
	visa.valid_until = D0 + 29;
	visa.entries = 1;
	visa.days = 15;
	T_OK(tims_stay_compute(mv, 1, D0 + 4, tims_stay_regime_for(&rs, "XYZ"), &visa,
			       &res, &err) == TIMS_OK && res.used == 5 && res.left == 10 &&
	     res.leave_by == D0 + 14 && !res.entries_exceeded,
	     "visa: 15 days allowed, 5 used, leave by day 14");
	mv[1].day = D0 + 2;
	mv[1].direction = X;
	{
		struct tims_stay_move m3[3] = { mv[0], mv[1], { D0 + 20, E } };

		T_OK(tims_stay_compute(m3, 3, D0 + 35, tims_stay_regime_for(&rs, "XYZ"),
				       &visa, &res, &err) == TIMS_OK &&
		     res.entries_used == 2 && res.entries_exceeded && res.overstay == 6,
		     "visa: a second entry on a single-entry visa, and days past its validity");
	}
}

int main(void)
{
	D0 = tims_days_from_civil(2024, 1, 1);
	test_cases();
	test_regimes();
	return t_done();
}
