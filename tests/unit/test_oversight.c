/*
 * test_oversight.c — the rules against the insider (tims/oversight.h):
 * which crossing justifies a history read, the post's settings and its
 * list of purposes (the built-in list is etc/history-purposes.conf), and
 * what counts as an identity change.
 */
#include "t.h"
#include "tims/buf.h"
#include "tims/oversight.h"
#include "tims/util.h"

static void test_justify(void)
{
	struct tims_oversight_config c;
	struct tims_record r;
	struct tims_err err;
	int64_t now = 1765000000000LL;

	tims_oversight_config_init(&c);
	tims_record_init(&r);
	snprintf(r.officer, sizeof(r.officer), "ivanova");
	snprintf(r.booth, sizeof(r.booth), "B3");
	snprintf(r.person.doc_number, sizeof(r.person.doc_number), "L898902C3");
	snprintf(r.person.nationality, sizeof(r.person.nationality), "UTO");
	r.time_ms = now - 10 * 60000;
	T_OK(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", NULL, "ivanova", "B3", now,
					       &err) == TIMS_OK, "justify: own crossing of the document, 10 min ago");
	T_OK(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", "UTO", "ivanova", "B3", now,
					       &err) == TIMS_OK, "justify: with the nationality");
	T_EQ_INT(tims_oversight_crossing_justifies(&c, &r, 0, "X1234567", NULL, "ivanova", "B3", now,
						   &err), TIMS_ERR_DENIED, "justify: not another traveller's document");
	T_OK(strstr(err.msg, "another document") != NULL, "justify: says why (%s)", err.msg);
	T_EQ_INT(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", "D", "ivanova", "B3", now,
						   &err), TIMS_ERR_DENIED, "justify: not another nationality");
	T_EQ_INT(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", NULL, "koev", "B3", now,
						   &err), TIMS_ERR_DENIED, "justify: not another officer's crossing");
	T_EQ_INT(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", NULL, "ivanova", "B1", now,
						   &err), TIMS_ERR_DENIED, "justify: not at another booth");
	T_EQ_INT(tims_oversight_crossing_justifies(&c, &r, 1, "L898902C3", NULL, "ivanova", "B3", now,
						   &err), TIMS_ERR_DENIED, "justify: not an erased record");
	r.time_ms = now - 31 * 60000;
	T_EQ_INT(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", NULL, "ivanova", "B3", now,
						   &err), TIMS_ERR_DENIED, "justify: not older than the window (30 min)");
	T_OK(strstr(err.msg, "30 minutes") != NULL, "justify: names the window (%s)", err.msg);
	c.history_window_s = 60 * 60;
	T_OK(tims_oversight_crossing_justifies(&c, &r, 0, "L898902C3", NULL, "ivanova", "B3", now,
					       &err) == TIMS_OK, "justify: the window is configurable");
}

static void test_config(void)
{
	struct tims_oversight_config c;
	struct tims_err err;
	const char *good = "# limits\nhistory_window_min = 15\nchecks_per_hour=50\n\n"
			   "  history_per_hour = 7  \napproval_ttl_min = 60\npaper_max_age_days = 10\n";

	tims_oversight_config_init(&c);
	T_EQ_INT(c.checks_per_hour, 200, "defaults: 200 checks an hour");
	T_EQ_INT(c.history_per_hour, 30, "defaults: 30 history reads an hour");
	T_EQ_INT(c.history_window_s, 1800, "defaults: a crossing justifies for 30 minutes");
	T_OK(tims_oversight_config_parse(&c, good, strlen(good), "oversight.conf", &err) == TIMS_OK,
	     "config: parses (%s)", err.msg);
	T_OK(c.history_window_s == 900 && c.checks_per_hour == 50 && c.history_per_hour == 7 &&
	     c.approval_ttl_s == 3600 && c.paper_max_age_days == 10, "config: every key taken");
	T_EQ_INT(tims_oversight_config_parse(&c, "checks_per_hour = 0\n", 20, "f", &err),
		 TIMS_ERR_INVALID, "config: a limit of 0 is refused");
	T_EQ_INT(tims_oversight_config_parse(&c, "check_per_hour = 5\n", 19, "f", &err),
		 TIMS_ERR_INVALID, "config: an unknown key is refused");
	T_OK(strstr(err.msg, "f: line 1: unknown key") != NULL, "config: naming file and line (%s)", err.msg);
	T_EQ_INT(tims_oversight_config_parse(&c, "checks_per_hour = lots\n", 23, "f", &err),
		 TIMS_ERR_INVALID, "config: a value that is not a number");
	T_EQ_INT(tims_oversight_config_parse(&c, "checks_per_hour\n", 16, "f", &err),
		 TIMS_ERR_INVALID, "config: a line without '='");
}

static void test_purposes(void)
{
	struct tims_oversight_config c, d;
	struct tims_buf b = TIMS_BUF_INIT(65536);
	struct tims_err err;
	const char *root = getenv("TIMS_ROOT");
	char path[4200];
	const char *list = "# ours\nborder-study   a study\nfraud-case case work\n";

	tims_oversight_config_init(&c);
	T_OK(tims_oversight_purpose(&c, "second-line") != NULL, "purposes: second-line is listed by default");
	T_OK(tims_oversight_purpose(&c, "curiosity") == NULL, "purposes: curiosity is not");
	snprintf(path, sizeof(path), "%s/etc/history-purposes.conf", root ? root : ".");
	tims_oversight_config_init(&d);
	T_OK(tims_read_file(path, b.max, &b, &err) == TIMS_OK &&
	     tims_oversight_purposes_parse(&d, b.buf, b.len, path, &err) == TIMS_OK,
	     "purposes: etc/history-purposes.conf parses (%s)", err.msg);
	T_EQ_INT(d.npurposes, c.npurposes, "purposes: the etc file has the built-in list's length");
	for (size_t i = 0; i < c.npurposes && i < d.npurposes; i++) {
		T_EQ_STR(d.purposes[i].code, c.purposes[i].code, "purposes: same code as built in");
		T_EQ_STR(d.purposes[i].label, c.purposes[i].label, "purposes: same description");
	}
	tims_buf_release(&b);
	T_OK(tims_oversight_purposes_parse(&c, list, strlen(list), "p", &err) == TIMS_OK,
	     "purposes: a post's own list (%s)", err.msg);
	T_OK(c.npurposes == 2 && tims_oversight_purpose(&c, "fraud-case") &&
	     !tims_oversight_purpose(&c, "second-line"), "purposes: it replaces the default");
	T_EQ_STR(tims_oversight_purpose(&c, "border-study")->label, "a study", "purposes: description kept");
	T_EQ_INT(tims_oversight_purposes_parse(&c, "Case x\n", 7, "p", &err), TIMS_ERR_INVALID,
		 "purposes: codes are lower case");
	T_EQ_INT(tims_oversight_purposes_parse(&c, "case\n", 5, "p", &err), TIMS_ERR_INVALID,
		 "purposes: a description is required");
	T_EQ_INT(tims_oversight_purposes_parse(&c, "a x\na y\n", 8, "p", &err), TIMS_ERR_INVALID,
		 "purposes: a code twice is refused");
	T_EQ_INT(tims_oversight_purposes_parse(&c, "# none\n", 7, "p", &err), TIMS_ERR_INVALID,
		 "purposes: an empty list is refused");
	T_OK(c.npurposes == 2, "purposes: a refused list leaves the one before");
}

static void test_identity(void)
{
	struct tims_person a, b;
	const char *field = NULL;

	memset(&a, 0, sizeof(a));
	snprintf(a.doc_number, sizeof(a.doc_number), "L898902C3");
	snprintf(a.surname, sizeof(a.surname), "ERIKSSON");
	b = a;
	T_EQ_INT(tims_oversight_person_differs(&a, &b, &field), 0, "identity: the same person");
	snprintf(b.doc_number, sizeof(b.doc_number), "X1234567");
	T_EQ_INT(tims_oversight_person_differs(&a, &b, &field), 1, "identity: another document");
	T_EQ_STR(field, "person.doc_number", "identity: names the field");
	b = a;
	snprintf(b.birth_date, sizeof(b.birth_date), "1974-08-12");
	T_EQ_INT(tims_oversight_person_differs(&a, &b, &field), 1, "identity: another birth date");
	T_EQ_STR(field, "person.birth_date", "identity: names it");
}

int main(void)
{
	test_justify();
	test_config();
	test_purposes();
	test_identity();
	return t_done();
}
