/*
 * test_stay.c — the short-stay rule, table-driven: the classic cases of the
 * EU short-stay calculator (same-day trip = 1 day, 90 consecutive days, the
 * window boundary, overstays, open stays), exempt and visa regimes, and the
 * regimes config parser's errors; visa rules (no visa, the visa's duration,
 * a residence permit or long-stay visa out of the count), tims_stay_assess
 * (the booth's and the centre's one computation) and the Annex I list.
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


static struct tims_stay_crossing crossing(int day, int dir, const char *nat, int counts)
{
	struct tims_stay_crossing c;

	memset(&c, 0, sizeof(c));
	c.at_ms = (D0 + day) * 86400000LL + 3600000;
	c.direction = (uint8_t)dir;
	c.counts = (uint8_t)counts;
	snprintf(c.nationality, sizeof(c.nationality), "%s", nat);
	c.visa.valid_from = INT64_MIN;
	c.visa.valid_until = INT64_MAX;
	return c;
}

static void test_visa_rules(void)
{
	struct tims_stay_regimes rs;
	struct tims_stay_result r;
	struct tims_stay_crossing c[4];
	struct tims_stay_visa permit;
	struct tims_err err;
	struct tims_buf file = TIMS_BUF_INIT(1 << 20);
	const char *root = getenv("TIMS_ROOT");
	char path[4200];

	/* the built-in list is etc/visa-required.conf, word for word */
	snprintf(path, sizeof(path), "%s/etc/visa-required.conf", root ? root : ".");
	T_OK(tims_read_file(path, 1 << 20, &file, &err) == TIMS_OK,
	     "visa list: etc/visa-required.conf is there (%s)", err.msg);
	T_EQ_STR(tims_buf_str(&file), tims_stay_visa_list_default(),
		 "visa list: the built-in default is etc/visa-required.conf");
	tims_buf_release(&file);

	tims_stay_regimes_init(&rs);
	T_OK(tims_stay_regimes_parse("exempt UZB\n", 11, &rs, &err) == TIMS_OK &&
	     tims_stay_visa_list_parse(tims_stay_visa_list_default(),
				       strlen(tims_stay_visa_list_default()), &rs, &err) == TIMS_OK,
	     "visa list: the default parses (%s)", err.msg);
	T_EQ_INT(tims_stay_regime_for(&rs, "CHN")->kind, TIMS_STAY_VISA,
		 "visa list: China (Annex I) needs a visa");
	T_EQ_INT(tims_stay_regime_for(&rs, "USA")->kind, TIMS_STAY_SHORT,
		 "visa list: the United States (Annex II) do not");
	T_EQ_INT(tims_stay_regime_for(&rs, "RKS")->kind, TIMS_STAY_SHORT,
		 "visa list: Kosovo moved to Annex II (Regulation (EU) 2023/850)");
	T_EQ_INT(tims_stay_regime_for(&rs, "UZB")->kind, TIMS_STAY_EXEMPT,
		 "visa list: a regime set in stay-regimes.conf is kept");
	T_OK(tims_stay_visa_list_parse("CHN chn\n", 8, &rs, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "line 1"), "visa list: a bad code is refused, naming the line");

	/* A visa national entered on day 0 with a 30-day visa: on day 40, 11 over. */
	c[0] = crossing(0, E, "CHN", 1);
	c[0].visa.kind = TIMS_STAY_VISA_SHORT;
	c[0].visa.valid_from = D0 - 5;
	c[0].visa.valid_until = D0 + 85;
	c[0].visa.days = 30;
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 40, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.kind == TIMS_STAY_VISA && r.visa_required && !r.visa_missing && r.used == 41 &&
	     r.max_days == 30 && r.overstay == 11 && !strcmp(r.nationality, "CHN"),
	     "visa: the visa recorded at entry sets 30 days: day 41 present, 11 over (%u)",
	     r.overstay);
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 20, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.overstay == 0 && r.left == 9 && r.leave_by == D0 + 29,
	     "visa: within its duration, leave by its 30th day");
	/* Past the visa's validity, even within its days. */
	c[0].visa.valid_until = D0 + 9;
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 14, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.overstay == 5, "visa: 5 days past its validity are over (%u)", r.overstay);
	/* The visa read at the check wins over the one recorded. */
	permit = c[0].visa;
	permit.valid_until = D0 + 85;
	permit.days = 90;
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 40, &rs, &permit, &r, &err) == TIMS_OK &&
	     r.overstay == 0 && r.max_days == 90, "visa: the visa given at the check is the one used");
	/* No visa at all: every day present is over. */
	c[0].visa.kind = TIMS_STAY_VISA_NONE;
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 9, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.visa_missing && r.overstay == 10 && r.left == 0,
	     "visa: a visa national with no visa: 10 days present, 10 over");
	/* A residence permit or long-stay visa: out of the short-stay count. */
	memset(&permit, 0, sizeof(permit));
	permit.kind = TIMS_STAY_VISA_RESIDENCE;
	permit.valid_from = D0 - 400;
	permit.valid_until = D0 + 400;
	c[0] = crossing(0, E, "USA", 1);
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 200, &rs, &permit, &r, &err) == TIMS_OK &&
	     r.kind == TIMS_STAY_EXEMPT && r.permit && r.overstay == 0,
	     "permit: a residence permit exempts (200 days, no overstay)");
	permit.kind = TIMS_STAY_VISA_LONG;
	c[0] = crossing(0, E, "CHN", 1);
	c[0].visa = permit;
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 200, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.permit && r.overstay == 0 && !r.visa_missing,
	     "permit: a long-stay visa recorded at entry exempts a visa national");
	permit.valid_until = D0 + 100;
	c[0].visa = permit;
	T_OK(tims_stay_assess(c, 1, NULL, D0 + 200, &rs, NULL, &r, &err) == TIMS_OK &&
	     !r.permit && r.visa_missing && r.overstay > 0,
	     "permit: expired, it no longer exempts");

	/* What counts: refused or corrected crossings do not; the latest
	 * crossing that counts names the nationality. */
	c[0] = crossing(0, E, "USA", 1);
	c[1] = crossing(50, X, "USA", 0);   /* a corrected exit */
	c[2] = crossing(60, X, "USA", 1);
	c[3] = crossing(70, E, "CHN", 0);   /* refused */
	T_OK(tims_stay_assess(c, 4, NULL, D0 + 80, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.used == 61 && !r.in_country && !strcmp(r.nationality, "USA") && !r.inconsistent,
	     "assess: only crossings that count (61 days, gone, USA)");
	T_OK(tims_stay_assess(c, 4, "CHN", D0 + 80, &rs, NULL, &r, &err) == TIMS_OK &&
	     r.kind == TIMS_STAY_VISA && r.visa_missing,
	     "assess: the nationality given chooses the regime");
}

int main(void)
{
	D0 = tims_days_from_civil(2024, 1, 1);
	test_cases();
	test_regimes();
	test_visa_rules();
	return t_done();
}
