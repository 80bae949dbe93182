/*
 * cmd_api.c — `tims api`: advance passenger information (PAXLST).
 *
 *   tims api parse [--json] [FILE]
 *   tims api import DIR FILE...
 *   tims api list DIR --purpose TEXT
 *   tims api show DIR FLIGHT DATE --purpose TEXT [--version N]
 *   tims api report --centre DIR --no-show|--unlisted --date YYYY-MM-DD
 *                   [--hours N] [--airport XXX] [--json] --purpose TEXT
 *
 * Reads one file (or standard input) holding PAXLST interchanges, plain or
 * wrapped in Type-B teletype lines, and prints its travellers: one line a
 * traveller for a person, one JSON object a traveller and line with --json.
 * Exit 0 when the whole input was read (warnings allowed), 1 when it was
 * refused (the error names the segment and its position), 2 for usage and
 * I/O errors. The parser is lib/paxlst (docs/paxlst.md).
 *
 * import, list and show work on the centre's directory (screening before
 * arrival, lib/centre/api.c and lib/api): a supervisor logged in there
 * (list and show: a supervisor or an analyst, with a purpose), each
 * command in the centre's audit log before it acts, and what an import
 * stored (file digest, flights, counts, hits) after. The stores are
 * SQLite files the running centre shares (as `tims retention run` and
 * `tims centre events` do): an import needs no stopped centre, and the
 * dashboard's alert queue shows its hits at its next poll.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tims/api.h"
#include "tims/arrivals.h"
#include "tims/buf.h"
#include "tims/centre.h"
#include "tims/mlog.h"
#include "tims/officer.h"
#include "tims/paxlst.h"
#include "tims/record.h"
#include "tims/util.h"

static const char usage[] =
	N_("usage: tims api parse [--json] [FILE]\n"
	"       tims api import DIR FILE...\n"
	"       tims api list DIR --purpose TEXT\n"
	"       tims api show DIR FLIGHT DATE --purpose TEXT [--version N]\n"
	"       tims api report --centre DIR --no-show|--unlisted --date YYYY-MM-DD\n"
	"                       [--hours N] [--airport XXX] [--json] --purpose TEXT\n"
	"\n"
	"Advance passenger information: reads the UN/EDIFACT PAXLST interchanges\n"
	"in FILE (standard input when FILE is missing or '-'; at most 64 MiB), with\n"
	"or without UNA, with UNG groups or without, directories D:02B and D:05B\n"
	"and the US variants, also wrapped in IATA Type-B teletype lines, and\n"
	"prints every traveller (passengers and crew) with the flight leg they are\n"
	"reported for.\n"
	"\n"
	"  --json     one JSON object per traveller and line: flight,\n"
	"             departure_airport, departure_time, arrival_airport,\n"
	"             arrival_time, role (the NAD qualifier as sent: FL passenger,\n"
	"             FM crew ...), surname, given_names, birth_date, sex,\n"
	"             nationality, document_type, document_number,\n"
	"             document_issuing_state, document_expiry, message,\n"
	"             version, segment, warnings. Codes as sent; dates ISO when\n"
	"             complete, else as sent.\n"
	"  -h, --help this help\n"
	"\n"
	"Lower-case letters under UNOA, a byte outside the character set and an\n"
	"unusual UNA are read with a warning naming the segment and its position.\n"
	"A segment that cannot be parsed, a count (UNT, UNE, UNZ, CNT) or reference\n"
	"that disagrees, or an interchange cut short refuses the whole input.\n"
	"\n"
	"Exit status: 0 read (warnings allowed), 1 refused, 2 usage or I/O error.\n"
	"\n"
	"import: at the centre in DIR (a supervisor logged in there), each FILE\n"
	"parsed, every traveller screened against the centre's watchlists as the\n"
	"posts screen, the flight's list stored in DIR/api.db (a new version\n"
	"replaces the current one, which stays as history; the same file again is\n"
	"a replay and stores nothing) and each hit put in the dashboard's alert\n"
	"queue. A file that does not parse, or watchlists that cannot be read,\n"
	"store nothing. Prints one JSON object a file. Audited.\n"
	"list: the flights held, with their versions, travellers and hits.\n"
	"show: one flight's travellers (FLIGHT as in TDT, DATE its scheduled\n"
	"departure YYYY-MM-DD; --version N an older version), one JSON object\n"
	"per line. list and show: a supervisor or an analyst, --purpose (3 to\n"
	"200 bytes) in the audit log before anything is read.\n"
	"report: after arrival, at the centre in --centre DIR (a supervisor or an\n"
	"analyst, --purpose in the audit log first). --no-show: the travellers of\n"
	"the current list of each flight expected that day (the carrier's local\n"
	"date; at --airport, or at every airport) with no entry crossing at the\n"
	"airport's posts from 3 hours before its expected arrival (in UTC through\n"
	"the airport's zone) to --hours N after it (1 to 168,\n"
	"default 6); a flight whose N hours have not passed is counted open.\n"
	"Travellers in transit (roles DDT, DDU) are no no-shows: they are listed\n"
	"apart (\"transit\"), each saying whether they crossed all the same.\n"
	"--unlisted: the entry crossings at the airport's posts that day whose\n"
	"document (number and issuing state) is on no list of a flight arriving\n"
	"there from N hours before the day on. Matched through the query store's\n"
	"blind index, never in clear. The airports' posts are DIR/airports.conf\n"
	"(lines CODE = POST-NAME ..., and CODE zone = IANA-ZONE for the local\n"
	"times carriers send; without a zone they are read as UTC): an airport\n"
	"it does not name is an error.\n"
	"Names count against the daily export limit (withheld when it refuses).\n"
	"Prints one line a row, or with --json one JSON object. Exit 0 reported,\n"
	"1 the report cannot be made (no airport post known, a store that cannot\n"
	"be read), 2 usage.\n"
	"See docs/paxlst.md.\n");

static json_t *traveller_json(const struct tims_paxlst *p, const struct tims_paxlst_traveller *t)
{
	json_t *w = json_array(), *o;

	for (unsigned k = 0; w && k < t->nwarnings; k++)
		if (tims_paxlst_warning(p, t, k))
			json_array_append_new(w, json_string(tims_paxlst_warning(p, t, k)));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
		      " s:s, s:s, s:s, s:I, s:o}",
		      "flight", t->flight, "departure_airport", t->departure_airport,
		      "departure_time", t->departure_time, "arrival_airport", t->arrival_airport,
		      "arrival_time", t->arrival_time, "role", t->role, "surname", t->surname,
		      "given_names", t->given_names, "birth_date", t->birth_date, "sex", t->sex,
		      "nationality", t->nationality, "document_type", t->document_type,
		      "document_number", t->document_number,
		      "document_issuing_state", t->document_issuing_state,
		      "document_expiry", t->document_expiry, "message", t->message_ref,
		      "version", t->message_version, "prepared", t->prepared,
		      "segment", (json_int_t)t->segment, "warnings", w ? w : json_array());
	return o;
}

static int api_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_buf in = TIMS_BUF_INIT(TIMS_PAXLST_MAX_BYTES + 1);
	struct tims_paxlst p;
	struct tims_err err;
	const char *path;
	int c, json = 0, st = CLI_OK;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return cli_error(CLI_USAGE, "api", _("parse: unknown or incomplete option '%s'"),
					 argv[optind - 1]);
	}
	if (argc - optind > 1)
		return cli_error(CLI_USAGE, "api", _("parse: want [--json] [FILE]"));
	path = optind < argc ? argv[optind] : "-";
	if (tims_read_file(path, TIMS_PAXLST_MAX_BYTES, &in, &err)) {
		tims_buf_release(&in);
		return cli_error(CLI_USAGE, "api", _("parse: %s"), err.msg);
	}
	if (tims_paxlst_parse(in.buf ? in.buf : "", in.len, NULL, &p, &err)) {
		tims_buf_release(&in);
		return cli_error(err.rc == TIMS_ERR_NOMEM ? CLI_USAGE : CLI_FAIL, "api",
				 _("parse: %s: %s"), strcmp(path, "-") ? path : _("standard input"), err.msg);
	}
	tims_buf_release(&in);
	for (size_t i = 0; i < p.n; i++) {
		const struct tims_paxlst_traveller *t = &p.t[i];

		if (json) {
			json_t *o = traveller_json(&p, t);
			char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

			json_decref(o);
			if (!s) {
				st = cli_error(CLI_USAGE, "api", _("parse: out of memory"));
				break;
			}
			puts(s);
			free(s);
			continue;
		}
		printf(_("%-4s %s, %s  born %s %s %s  %s %s (%s, until %s)  %s %s %s -> %s %s%s\n"),
		       t->role, t->surname, t->given_names, t->birth_date[0] ? t->birth_date : "?",
		       t->sex[0] ? t->sex : "?", t->nationality[0] ? t->nationality : "?",
		       t->document_type[0] ? t->document_type : "?",
		       t->document_number[0] ? t->document_number : "?",
		       t->document_issuing_state[0] ? t->document_issuing_state : "?",
		       t->document_expiry[0] ? t->document_expiry : "?", t->flight,
		       t->departure_airport, t->departure_time, t->arrival_airport, t->arrival_time,
		       t->nwarnings ? _("  (warnings)") : "");
		for (unsigned k = 0; k < t->nwarnings; k++)
			if (tims_paxlst_warning(&p, t, k))
				printf(_("     warning: %s\n"), tims_paxlst_warning(&p, t, k));
	}
	if (!json && st == CLI_OK)
		printf(_("%zu travellers in %u messages of %u interchanges, %" PRIu64 " warnings\n"),
		       p.n, p.messages, p.interchanges, p.warnings);
	tims_paxlst_release(&p);
	return st;
}

/* ---- the centre: screening before arrival ---------------------------------- */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int centre_dir(const char *sub, const char *dir)
{
	if (cli_node_kind(dir) != CLI_NODE_CENTRE)
		return cli_error(CLI_USAGE, "api", _("%s: %s: not the centre's directory (a post "
				 "imports no passenger lists yet: docs/paxlst.md)"), sub, dir);
	return CLI_OK;
}

static int api_import(int argc, char **argv)
{
	struct tims_api_import_result *res;
	struct tims_centre *c = NULL;
	struct cli_actor who;
	struct tims_err err;
	json_t *files;
	int st = CLI_OK;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if (argc < 3)
		return cli_error(CLI_USAGE, "api", _("import: want DIR FILE..."));
	if ((st = centre_dir("import", argv[1])))
		return st;
	files = json_array();
	for (int i = 2; files && i < argc; i++)
		json_array_append_new(files, json_string(argv[i]));
	if ((st = cli_gate("api import", argv[1], TIMS_ROLE_SUPERVISOR, "cli.api.import",
			   "advance passenger information", json_pack("{s:o}", "files",
			   files ? files : json_array()), &who)))
		return st;
	if (!(res = malloc(sizeof(*res))))
		return cli_error(CLI_USAGE, "api", _("import: out of memory"));
	tims_err_clear(&err);
	if (tims_centre_open(argv[1], &c, &err)) {
		free(res);
		return cli_error(CLI_USAGE, "api", _("import: %s"), tims_err_msg(&err));
	}
	for (int i = 2; i < argc; i++) {
		struct tims_buf in = TIMS_BUF_INIT(TIMS_PAXLST_MAX_BYTES + 1);
		json_t *o;
		char *text;
		tims_rc rc;

		if (tims_read_file(argv[i], TIMS_PAXLST_MAX_BYTES, &in, &err)) {
			st = cli_error(CLI_USAGE, "api", _("import: %s"), tims_err_msg(&err));
			break;
		}
		rc = tims_centre_api_import(c, in.buf ? in.buf : "", in.len, wall_ms(), res, &err);
		tims_buf_release(&in);
		if (rc) {
			/* refused or failed: nothing of the file stored; audited so */
			json_t *q = json_pack("{s:s, s:s}", "file", argv[i], "refused", tims_err_msg(&err));
			char *qs = q ? json_dumps(q, JSON_COMPACT) : NULL;

			json_decref(q);
			if (cli_audit_status(&who, "api import", "api.import", "advance passenger "
					     "information", qs ? qs : "{}", 422))
				st = CLI_USAGE;
			free(qs);
			st = cli_error(st ? st : rc == TIMS_ERR_INVALID || rc == TIMS_ERR_TOOBIG ?
				       CLI_FAIL : CLI_USAGE, "api", _("import: %s: %s"), argv[i],
				       tims_err_msg(&err));
			break;
		}
		o = tims_centre_api_result_json(argv[i], res);
		text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!text) {
			st = cli_error(CLI_USAGE, "api", _("import: out of memory"));
			break;
		}
		/* what was stored, in the audit log (digest, flights, counts) */
		if ((st = cli_audit(&who, "api import", "api.import", "advance passenger information",
				    text))) {
			free(text);
			break;
		}
		puts(text);
		free(text);
	}
	tims_centre_free(c);
	free(res);
	return st;
}

static int purpose_ok(const char *sub, const char *purpose)
{
	size_t n = purpose ? strlen(purpose) : 0;

	if (n < 3 || n > 200)
		return cli_error(CLI_USAGE, "api", _("%s: --purpose: 3 to 200 bytes are required "
				 "(why the passenger data is read)"), sub);
	return CLI_OK;
}

/* One JSON line on standard output, the object taken; its text wiped
 * (personal data) before it is freed. */
static tims_rc put_line(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!s)
		return TIMS_ERR_NOMEM;
	puts(s);
	sodium_memzero(s, strlen(s));
	free(s);
	return TIMS_OK;
}

static tims_rc print_flight(void *ctx, const struct tims_api_flight *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:s}",
		"flight", f->flight, "date", f->date, "departure_airport", f->departure_airport,
		"departure_time", f->departure_time, "arrival_airport", f->arrival_airport,
		"arrival_time", f->arrival_time, "version", (int)f->current,
		"versions", (int)f->versions, "travellers", (json_int_t)f->travellers,
		"hits", (json_int_t)f->hits, "sha256", f->sha256);

	(void)ctx;
	return put_line(o);
}

static tims_rc print_version(void *ctx, const struct tims_api_version *v)
{
	json_t *o = json_pack("{s:s, s:i, s:I, s:I, s:s, s:I, s:I, s:s, s:b}", "history",
		"version", "version", (int)v->version, "received_ms", (json_int_t)v->received_ms,
		"superseded_ms", (json_int_t)v->superseded_ms, "sha256", v->sha256,
		"travellers", (json_int_t)v->travellers, "hits", (json_int_t)v->hits,
		"prepared", v->prepared, "late", v->late);

	(void)ctx;
	return put_line(o);
}

static tims_rc print_traveller(void *ctx, const struct tims_api_traveller *t)
{
	json_t *hits = json_array(), *o;

	(void)ctx;
	for (unsigned i = 0; hits && i < t->screening.nhits && i < TIMS_API_HITS_MAX; i++) {
		const struct tims_api_hit *h = &t->screening.hits[i];

		json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:f}",
			"part", h->part, "list", h->list, "ref", h->ref,
			"entry_version", (json_int_t)h->entry_version,
			"list_version", (json_int_t)h->list_version, "alert", h->alert,
			"score", h->score));
	}
	o = json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
		"version", (int)t->version, "position", (int)t->position, "role", t->role,
		"surname", t->surname, "given_names", t->given_names, "birth_date", t->birth_date,
		"sex", t->sex, "nationality", t->nationality, "document_type", t->document_type,
		"document_number", t->document_number,
		"document_issuing_state", t->document_issuing_state,
		"document_expiry", t->document_expiry,
		"screening", t->screening.status == TIMS_API_HIT ? "hits" : "no hits",
		"hits", hits ? hits : json_array());
	return put_line(o);
}

/* list and show: the gate, then the centre's store */
static int open_store(const char *sub, const char *dir, const char *action, const char *purpose,
		      json_t *query, struct tims_centre **c, struct tims_api **api)
{
	struct cli_actor who;
	struct tims_err err;
	int st;

	if ((st = centre_dir(sub, dir)) || (st = purpose_ok(sub, purpose))) {
		json_decref(query);
		return st;
	}
	if ((st = cli_gate(!strcmp(sub, "list") ? "api list" : "api show", dir,
			   TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, action, purpose, query, &who)))
		return st;
	tims_err_clear(&err);
	if (tims_centre_open(dir, c, &err))
		return cli_error(CLI_USAGE, "api", "%s: %s", sub, tims_err_msg(&err));
	if (tims_centre_api_store(*c, api, &err)) {
		tims_centre_free(*c);
		*c = NULL;
		return cli_error(CLI_USAGE, "api", "%s: %s", sub, tims_err_msg(&err));
	}
	return CLI_OK;
}

static int api_list(int argc, char **argv)
{
	const char *purpose = NULL;
	struct tims_centre *c = NULL;
	struct tims_api *api = NULL;
	struct tims_err err;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if (argc == 4 && !strcmp(argv[2], "--purpose"))
		purpose = argv[3];
	else
		return cli_error(CLI_USAGE, "api", _("list: want DIR --purpose TEXT"));
	if ((st = open_store("list", argv[1], "cli.api.list", purpose, json_object(), &c, &api)))
		return st;
	tims_err_clear(&err);
	if (tims_api_flights(api, INT64_MIN, INT64_MAX, print_flight, NULL, &err))
		st = cli_error(CLI_USAGE, "api", _("list: %s"), err.msg[0] ? err.msg : _("out of memory"));
	tims_api_close(api);
	tims_centre_free(c);
	return st;
}

static int api_show(int argc, char **argv)
{
	const char *purpose = NULL, *dir = NULL, *flight = NULL, *date = NULL;
	struct tims_centre *c = NULL;
	struct tims_api *api = NULL;
	struct tims_api_flight f;
	struct tims_err err;
	long version = 0;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--purpose") && i + 1 < argc)
			purpose = argv[++i];
		else if (!strcmp(argv[i], "--version") && i + 1 < argc) {
			char *end;

			version = strtol(argv[++i], &end, 10);
			if (*end || version < 1 || version > 1000000)
				return cli_error(CLI_USAGE, "api", _("show: --version: a number from 1"));
		} else if (argv[i][0] == '-')
			return cli_error(CLI_USAGE, "api", _("show: unknown option '%s'"), argv[i]);
		else if (!dir)
			dir = argv[i];
		else if (!flight)
			flight = argv[i];
		else if (!date)
			date = argv[i];
		else
			return cli_error(CLI_USAGE, "api", _("show: want DIR FLIGHT DATE --purpose TEXT"));
	}
	if (!date)
		return cli_error(CLI_USAGE, "api", _("show: want DIR FLIGHT DATE --purpose TEXT"));
	if ((st = open_store("show", dir, "cli.api.show", purpose,
			     json_pack("{s:s, s:s, s:i}", "flight", flight, "date", date,
				       "version", (int)version), &c, &api)))
		return st;
	tims_err_clear(&err);
	if (tims_api_flight_get(api, flight, date, &f, &err))
		st = cli_error(CLI_FAIL, "api", _("show: %s"), tims_err_msg(&err));
	else if (print_flight(NULL, &f) || tims_api_versions(api, f.id, print_version, NULL, &err) ||
		 tims_api_travellers(api, f.id, (unsigned)version, print_traveller, NULL, &err))
		st = cli_error(CLI_USAGE, "api", _("show: %s"), err.msg[0] ? err.msg : _("out of memory"));
	tims_api_close(api);
	tims_centre_free(c);
	return st;
}

/* tims api report: the reports after arrival (tims/arrivals.h) */
static void print_report(const struct tims_arrivals_report *r, const char *date)
{
	printf(_("%s %s, %u hours: %zu flights"), tims_arrivals_kind_name(r->kind), date, r->hours,
	       r->flights);
	if (r->kind == TIMS_ARRIVALS_NO_SHOW)
		printf(_(" (%zu still open), %zu travellers compared, %zu not crossed"), r->flights_open,
		       r->travellers, r->total);
	else
		printf(_(", %zu entry crossings compared, %zu on no list"), r->crossings, r->total);
	if (r->n < r->total)
		printf(_(" (%zu shown)"), r->n);
	if (r->names_withheld)
		printf(_(" (names withheld: export limit)"));
	printf("\n");
	for (size_t i = 0; i < r->n; i++) {
		if (r->noshow) {
			const struct tims_arrivals_noshow *w = &r->noshow[i];

			printf(_("%s %s %s %s  #%u %s %s hits %u%s  %s %s\n"), w->airport, w->flight,
			       w->date, w->arrival_time[0] ? w->arrival_time : "?", w->position,
			       w->role, w->nationality[0] ? w->nationality : "-", w->hits,
			       w->no_document ? _(" (no document on the list)") : "", w->surname,
			       w->given_names);
		} else {
			const struct tims_arrivals_unlisted *w = &r->unlisted[i];
			struct tims_buf t = TIMS_BUF_INIT(64);

			if (tims_time_format(w->when_ms, &t))
				tims_buf_reset(&t);
			printf("%s %s #%llu %s %s %s  %s %s\n", w->airport, w->post,
			       (unsigned long long)w->idx, tims_buf_str(&t),
			       w->nationality[0] ? w->nationality : "-",
			       w->decision == TIMS_DECISION_ADMIT ? _("admitted") :
			       w->decision == TIMS_DECISION_REFUSE ? _("refused") : _("second line"),
			       w->surname, w->given_names);
			tims_buf_release(&t);
		}
	}
	if (r->kind != TIMS_ARRIVALS_NO_SHOW || !r->transit_total)
		return;
	printf(_("in transit (DDT, DDU; not no-shows): %zu, %zu of them crossed"), r->transit_total,
	       r->transit_crossed);
	if (r->ntransit < r->transit_total)
		printf(_(" (%zu shown)"), r->ntransit);
	printf("\n");
	for (size_t i = 0; i < r->ntransit; i++) {
		const struct tims_arrivals_noshow *w = &r->transit[i];

		printf(_("%s %s %s %s  #%u %s %s hits %u  %s  %s %s\n"), w->airport, w->flight, w->date,
		       w->arrival_time[0] ? w->arrival_time : "?", w->position, w->role,
		       w->nationality[0] ? w->nationality : "-", w->hits,
		       w->crossed ? _("crossed") : _("not crossed"), w->surname, w->given_names);
	}
}

static int api_report(int argc, char **argv)
{
	const char *purpose = NULL, *dir = NULL, *date = NULL, *hours = NULL, *airport = NULL;
	struct tims_arrivals_report *r = NULL;
	struct tims_arrivals_query q;
	struct tims_centre *c = NULL;
	struct cli_actor who;
	struct tims_err err;
	int json = 0, st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	memset(&q, 0, sizeof(q));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--centre") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--purpose") && i + 1 < argc)
			purpose = argv[++i];
		else if (!strcmp(argv[i], "--date") && i + 1 < argc)
			date = argv[++i];
		else if (!strcmp(argv[i], "--hours") && i + 1 < argc)
			hours = argv[++i];
		else if (!strcmp(argv[i], "--airport") && i + 1 < argc)
			airport = argv[++i];
		else if (!strcmp(argv[i], "--no-show") && !q.kind)
			q.kind = TIMS_ARRIVALS_NO_SHOW;
		else if (!strcmp(argv[i], "--unlisted") && !q.kind)
			q.kind = TIMS_ARRIVALS_UNLISTED;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return cli_error(CLI_USAGE, "api", _("report: unexpected '%s' (want --centre DIR "
					 "--no-show|--unlisted --date YYYY-MM-DD [--hours N] "
					 "[--airport XXX] [--json] --purpose TEXT)"), argv[i]);
	}
	if (!dir || !q.kind || !date)
		return cli_error(CLI_USAGE, "api", _("report: want --centre DIR, --no-show or "
				 "--unlisted, and --date YYYY-MM-DD"));
	tims_err_clear(&err);
	if (tims_arrivals_query_check(date, hours, airport, &q, &err))
		return cli_error(CLI_USAGE, "api", _("report: --%s"), err.msg);
	if ((st = centre_dir("report", dir)) || (st = purpose_ok("report", purpose)))
		return st;
	if ((st = cli_gate("api report", dir, TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST,
			   "cli.api.report", purpose,
			   json_pack("{s:s, s:s, s:i, s:s}", "kind", tims_arrivals_kind_name(q.kind),
				     "date", date, "hours", (int)q.hours, "airport", q.airport),
			   &who)))
		return st;
	/* the national search's rule: the roles let in here see names */
	q.names = 1;
	q.now_ms = tims_mlog_now_ms();
	if (tims_centre_open(dir, &c, &err))
		return cli_error(CLI_USAGE, "api", _("report: %s"), tims_err_msg(&err));
	if (!(r = calloc(1, sizeof(*r)))) {
		tims_centre_free(c);
		return cli_error(CLI_USAGE, "api", _("report: out of memory"));
	}
	if (tims_centre_arrivals_report(c, &q, r, &err) ||
	    tims_centre_arrivals_charge(c, who.who.id, r, &err))
		st = cli_error(err.rc == TIMS_ERR_NOMEM ? CLI_USAGE : CLI_FAIL, "api", _("report: %s"),
			       tims_err_msg(&err));
	else if (json) {
		json_t *o = tims_centre_arrivals_json(r);

		st = !o || put_line(o) ? cli_error(CLI_USAGE, "api", _("report: out of memory")) :
					 CLI_OK;
	} else
		print_report(r, date);
	tims_arrivals_report_release(r);
	free(r);
	tims_centre_free(c);
	return st;
}

int cmd_api(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "parse", api_parse, "read PAXLST interchanges into travellers" },
		{ "import", api_import, "store and screen passenger lists at the centre" },
		{ "list", api_list, "the flights whose passenger lists the centre holds" },
		{ "show", api_show, "one flight's passenger list and its screening" },
		{ "report", api_report, "after arrival: no-shows, and arrivals on no list" },
	};

	return cli_dispatch("api", table, sizeof(table) / sizeof(table[0]), usage, argc, argv);
}
