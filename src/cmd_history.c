/*
 * cmd_history.c — `tims history`: a document's crossings at this post and
 * the stay calculation (tims/stay.h) as of a date.
 *
 *   tims history --post DIR DOCUMENT [--nationality XXX] [--on YYYY-MM-DD]
 *                [--visa-from D --visa-until D --visa-entries N --visa-days N]
 *                [--json]
 *   tims history search --post DIR --surname S [--given-names G]
 *                [--birth-date D] [--nationality XXX] --purpose TEXT [--json]
 *
 * A record that a later record corrects is shown but no longer counts: the
 * correction replaces it (keeping its crossing time unless it sets its own
 * crossed_at). The regime comes from the post's stay-regimes.conf by the
 * traveller's nationality.
 *
 * Personal data: an officer, supervisor or analyst logged in at the post
 * (tims login), the read audited with its purpose before anything is read.
 */
#include <getopt.h>
#include <jansson.h>

#include "cli.h"
#include "tims/post.h"
#include "tims/travel.h"
#include "tims/stay.h"
#include "tims/util.h"

#define CMD "history"

static const char usage[] =
	N_("usage: tims history --post DIR DOCUMENT [--nationality XXX] [--on YYYY-MM-DD]\n"
	"                    [--visa-from D --visa-until D --visa-entries N --visa-days N]\n"
	"                    [--purpose TEXT] [--json]\n"
	"\n"
	"Lists the crossings of a document at this post and computes the stay rule\n"
	"(days used in the window, days left, overstay) as of --on (default today).\n"
	"Needs an officer, supervisor or analyst logged in at DIR (tims login); the\n"
	"read is in the post's audit log, with --purpose, before anything is shown.\n"
	"\n"
	"usage: tims history search --post DIR [--surname S] [--given-names G]\n"
	"                    [--birth-date YYYY[-MM[-DD]]] [--nationality XXX]\n"
	"                    --purpose TEXT [--json]\n"
	"\n"
	"Finds a person in this post's history by name as screening compares names\n"
	"(scripts, transliterations, diacritics, typos): one line per document,\n"
	"best first, with its score and reasons, at most 50 shown and the number\n"
	"found. The full birth date finds typos in the surname too. More than\n"
	"5000 records to compare is refused: give more of the name or the full\n"
	"birth date. Same roles as history; --purpose (8 to 200 characters) is\n"
	"required and in the audit log with the query before anything is read.\n");

static void date_str(int64_t day, char *out, size_t n)
{
	struct tims_buf b = TIMS_BUF_INIT(32);

	tims_date_format(day, &b);
	snprintf(out, n, "%s", tims_buf_str(&b));
	tims_buf_release(&b);
}

static void print_text(const char *doc, const struct tims_travel *h, int64_t on)
{
	const struct tims_stay_result *s = &h->stay;
	char d[16], lb[16];

	printf(ngettext("document %s: %zu crossing at this post\n",
			"document %s: %zu crossings at this post\n", h->n), doc, h->n);
	for (size_t i = 0; i < h->n; i++) {
		const struct tims_travel_row *r = &h->rows[i];
		struct tims_buf t = TIMS_BUF_INIT(64);

		char dec[160];

		snprintf(dec, sizeof(dec), "%s%s%s", tims_decision_name(r->rec.decision),
			 r->rec.refusal_code[0] ? ":" : "", r->rec.refusal_code);
		tims_time_format(r->when, &t);
		printf(_("  %6" PRIu64 "  %s  %-5s  %-11s  officer %s booth %s  %s, %s %s"),
		       r->index, tims_buf_str(&t),
		       tims_direction_name(r->rec.direction), dec,
		       r->rec.officer, r->rec.booth, r->rec.person.surname,
		       r->rec.person.given_names, r->rec.person.nationality);
		if (r->rec.corrects != TIMS_RECORD_NO_INDEX)
			printf(_("  [corrects %" PRIu64 ": %s]"), r->rec.corrects,
			       r->rec.reason);
		if (r->corrected_by != TIMS_RECORD_NO_INDEX)
			printf(_("  [corrected by %" PRIu64 "]"), r->corrected_by);
		putchar('\n');
		tims_buf_release(&t);
	}
	{
		/* the other posts' crossings, and how current they are */
		json_t *nj = tims_travel_national_json(&h->national);
		const char *note = json_string_value(json_object_get(nj, "note"));
		const char *at = json_string_value(json_object_get(nj, "as_of"));

		printf(ngettext("national: %zu crossing at other posts; %s%s\n",
				"national: %zu crossings at other posts; %s%s\n", h->national.n),
		       h->national.n,
		       note ? note : _("current as of "), note ? "" : at ? at : "?");
		json_decref(nj);
	}
	date_str(on, d, sizeof(d));
	if (s->kind == TIMS_STAY_EXEMPT) {
		printf(_("stay on %s: exempt; %u days present in the last 180%s\n"), d,
		       s->used, s->in_country ? _("; in the country") : "");
		return;
	}
	printf(_("stay on %s (%s, %u days in %u): used %u, left %u, overstay %u"),
	       d, tims_stay_kind_name(s->kind), s->max_days, s->window_days, s->used,
	       s->left, s->overstay);
	if (s->in_country) {
		if (s->leave_by == INT64_MIN) {
			printf(_("; in the country, over the limit"));
		} else {
			date_str(s->leave_by, lb, sizeof(lb));
			printf(_("; in the country, leave by %s"), lb);
		}
	}
	if (s->kind == TIMS_STAY_VISA)
		printf(_("; visa entries used %u%s"), s->entries_used,
		       s->entries_exceeded ? _(" (more than allowed)") : "");
	if (s->inconsistent)
		printf(_("; history inconsistent (two entries or exits in a row)"));
	putchar('\n');
}

static int print_json(const char *doc, const struct tims_travel *t, int64_t on)
{
	json_t *o = tims_travel_json(t, doc, on);
	char *out = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(o);
	if (!out)
		return cli_error(CLI_USAGE, CMD, _("out of memory"));
	puts(out);
	free(out);
	return CLI_OK;
}

static void print_search(const json_t *o)
{
	json_t *m, *r;
	size_t i, k;

	printf(_("%lld found (%lld shown), %lld records compared\n"),
	       (long long)json_integer_value(json_object_get(o, "found")),
	       (long long)json_integer_value(json_object_get(o, "shown")),
	       (long long)json_integer_value(json_object_get(o, "candidates")));
	json_array_foreach(json_object_get(o, "matches"), i, m) {
		struct tims_buf t = TIMS_BUF_INIT(64);

		tims_time_format(json_integer_value(json_object_get(m, "last_ms")), &t);
		printf(_("  %s %-12s %s, %s  born %s  %s  score %.2f  %lld crossings, "
			 "last %s (record %lld)\n"),
		       json_string_value(json_object_get(m, "issuer")),
		       json_string_value(json_object_get(m, "document")),
		       json_string_value(json_object_get(m, "surname")),
		       json_string_value(json_object_get(m, "given_names")),
		       *json_string_value(json_object_get(m, "birth_date"))
			       ? json_string_value(json_object_get(m, "birth_date")) : "-",
		       json_string_value(json_object_get(m, "nationality")),
		       json_real_value(json_object_get(m, "score")),
		       (long long)json_integer_value(json_object_get(m, "crossings")), tims_buf_str(&t),
		       (long long)json_integer_value(json_object_get(m, "last_index")));
		json_array_foreach(json_object_get(m, "reasons"), k, r)
			printf("      %s\n", json_string_value(r));
		tims_buf_release(&t);
	}
}

static int history_search(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "surname", required_argument, NULL, 's' },
		{ "given-names", required_argument, NULL, 'g' },
		{ "birth-date", required_argument, NULL, 'b' },
		{ "nationality", required_argument, NULL, 'n' },
		{ "purpose", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, 0, 0 },
	};
	struct tims_post_search_query q;
	const char *dir = NULL, *purpose = NULL;
	struct tims_post *p = NULL;
	struct cli_actor who;
	struct tims_err err;
	json_t *out = NULL;
	int c, as_json = 0, rc;

	memset(&q, 0, sizeof(q));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 's': q.surname = optarg; break;
		case 'g': q.given = optarg; break;
		case 'b': q.birth_date = optarg; break;
		case 'n': q.nationality = optarg; break;
		case 'P': purpose = optarg; break;
		case 'j': as_json = 1; break;
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD " search", _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!dir || optind != argc) {
		fputs(_(usage), stderr);
		return cli_error(CLI_USAGE, CMD " search", _("want --post DIR and no other argument"));
	}
	if (!purpose || strlen(purpose) < 8 || strlen(purpose) > 200)
		return cli_error(CLI_USAGE, CMD " search", _("--purpose: 8 to 200 characters saying why "
				 "(a case or request reference)"));
	if ((rc = cli_gate(CMD " search", dir,
			   TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST,
			   "cli.history.search", purpose,
			   json_pack("{s:s*, s:s*, s:s*, s:s*}", "surname", q.surname,
				     "given_names", q.given, "birth_date", q.birth_date,
				     "nationality", q.nationality), &who)))
		return rc;
	if (tims_post_open(dir, TIMS_POST_READ, &p, &err))
		return cli_error(CLI_USAGE, CMD " search", "%s", tims_err_msg(&err));
	rc = tims_post_search(p, &q, &out, &err);
	tims_post_free(p);
	if (rc)
		return cli_error(rc == TIMS_ERR_INVALID || rc == TIMS_ERR_TOOBIG ? CLI_FAIL : CLI_USAGE,
				 CMD " search", "%s", tims_err_msg(&err));
	if (as_json) {
		char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);

		if (s)
			puts(s);
		free(s);
		rc = s ? CLI_OK : cli_error(CLI_USAGE, CMD " search", _("out of memory"));
	} else {
		print_search(out);
	}
	json_decref(out);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "nationality", required_argument, NULL, 'n' },
		{ "on", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "visa-from", required_argument, NULL, 'f' },
		{ "visa-until", required_argument, NULL, 'u' },
		{ "visa-entries", required_argument, NULL, 'e' },
		{ "visa-days", required_argument, NULL, 'd' },
		{ "purpose", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *nat = NULL, *doc, *purpose = "";
	struct cli_actor who;
	struct tims_stay_visa visa = { INT64_MIN, INT64_MAX, 0, 0, TIMS_STAY_VISA_SHORT };
	struct tims_travel t;
	struct tims_post *p = NULL;
	struct tims_err err;
	int64_t on = tims_day_of_ms((int64_t)time(NULL) * 1000);
	int c, as_json = 0, has_visa = 0, rc = CLI_USAGE;
	uint64_t v;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--commands")) {
		puts("history\nhistory search"); /* as cli_dispatch lists its tables; i18n: machine */
		return CLI_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "search"))
		return history_search(argc - 1, argv + 1);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 'n': nat = optarg; break;
		case 'P': purpose = optarg; break;
		case 'j': as_json = 1; break;
		case 'o':
			if (tims_date_parse(optarg, &on, "--on", &err))
				return cli_error(CLI_USAGE, CMD, "%s", err.msg);
			break;
		case 'f': case 'u':
			if (tims_date_parse(optarg, c == 'f' ? &visa.valid_from : &visa.valid_until,
					    c == 'f' ? "--visa-from" : "--visa-until", &err))
				return cli_error(CLI_USAGE, CMD, "%s", err.msg);
			has_visa = 1;
			break;
		case 'e': case 'd':
			if (tims_parse_u64(optarg, 3650, &v, c == 'e' ? "--visa-entries"
								     : "--visa-days", &err))
				return cli_error(CLI_USAGE, CMD, "%s", err.msg);
			*(c == 'e' ? &visa.entries : &visa.days) = (unsigned)v;
			has_visa = 1;
			break;
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!dir || optind != argc - 1) {
		fputs(_(usage), stderr);
		return cli_error(CLI_USAGE, CMD, _("want --post DIR and one DOCUMENT"));
	}
	doc = argv[optind];
	if ((rc = cli_gate(CMD, dir, TIMS_ROLE_OFFICER | TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST,
			   "cli.history", purpose, json_pack("{s:s, s:s*}", "document", doc,
							    "nationality", nat), &who)))
		return rc;
	if (tims_post_open(dir, TIMS_POST_READ, &p, &err))
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	if (tims_travel_get(p, doc, nat, on, has_visa ? &visa : NULL, &t, &err)) {
		tims_post_free(p);
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	}
	rc = CLI_OK;
	if (as_json)
		rc = print_json(doc, &t, on);
	else
		print_text(doc, &t, on);
	tims_travel_release(&t);
	tims_post_free(p);
	return rc;
}
