/*
 * cmd_api.c — `tims api`: advance passenger information (PAXLST).
 *
 *   tims api parse [--json] [FILE]
 *
 * Reads one file (or standard input) holding PAXLST interchanges, plain or
 * wrapped in Type-B teletype lines, and prints its travellers: one line a
 * traveller for a person, one JSON object a traveller and line with --json.
 * Exit 0 when the whole input was read (warnings allowed), 1 when it was
 * refused (the error names the segment and its position), 2 for usage and
 * I/O errors. The parser is lib/paxlst (docs/paxlst.md).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tims/buf.h"
#include "tims/paxlst.h"
#include "tims/util.h"

static const char usage[] =
	"usage: tims api parse [--json] [FILE]\n"
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
	"See docs/paxlst.md.\n";

static json_t *traveller_json(const struct tims_paxlst *p, const struct tims_paxlst_traveller *t)
{
	json_t *w = json_array(), *o;

	for (unsigned k = 0; w && k < t->nwarnings; k++)
		if (tims_paxlst_warning(p, t, k))
			json_array_append_new(w, json_string(tims_paxlst_warning(p, t, k)));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
		      " s:s, s:s, s:I, s:o}",
		      "flight", t->flight, "departure_airport", t->departure_airport,
		      "departure_time", t->departure_time, "arrival_airport", t->arrival_airport,
		      "arrival_time", t->arrival_time, "role", t->role, "surname", t->surname,
		      "given_names", t->given_names, "birth_date", t->birth_date, "sex", t->sex,
		      "nationality", t->nationality, "document_type", t->document_type,
		      "document_number", t->document_number,
		      "document_issuing_state", t->document_issuing_state,
		      "document_expiry", t->document_expiry, "message", t->message_ref,
		      "version", t->message_version, "segment", (json_int_t)t->segment,
		      "warnings", w ? w : json_array());
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
		fputs(usage, stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return cli_error(CLI_USAGE, "api", "parse: unknown or incomplete option '%s'",
					 argv[optind - 1]);
	}
	if (argc - optind > 1)
		return cli_error(CLI_USAGE, "api", "parse: want [--json] [FILE]");
	path = optind < argc ? argv[optind] : "-";
	if (tims_read_file(path, TIMS_PAXLST_MAX_BYTES, &in, &err)) {
		tims_buf_release(&in);
		return cli_error(CLI_USAGE, "api", "parse: %s", err.msg);
	}
	if (tims_paxlst_parse(in.buf ? in.buf : "", in.len, NULL, &p, &err)) {
		tims_buf_release(&in);
		return cli_error(err.rc == TIMS_ERR_NOMEM ? CLI_USAGE : CLI_FAIL, "api",
				 "parse: %s: %s", strcmp(path, "-") ? path : "standard input", err.msg);
	}
	tims_buf_release(&in);
	for (size_t i = 0; i < p.n; i++) {
		const struct tims_paxlst_traveller *t = &p.t[i];

		if (json) {
			json_t *o = traveller_json(&p, t);
			char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

			json_decref(o);
			if (!s) {
				st = cli_error(CLI_USAGE, "api", "parse: out of memory");
				break;
			}
			puts(s);
			free(s);
			continue;
		}
		printf("%-4s %s, %s  born %s %s %s  %s %s (%s, until %s)  %s %s %s -> %s %s%s\n",
		       t->role, t->surname, t->given_names, t->birth_date[0] ? t->birth_date : "?",
		       t->sex[0] ? t->sex : "?", t->nationality[0] ? t->nationality : "?",
		       t->document_type[0] ? t->document_type : "?",
		       t->document_number[0] ? t->document_number : "?",
		       t->document_issuing_state[0] ? t->document_issuing_state : "?",
		       t->document_expiry[0] ? t->document_expiry : "?", t->flight,
		       t->departure_airport, t->departure_time, t->arrival_airport, t->arrival_time,
		       t->nwarnings ? "  (warnings)" : "");
		for (unsigned k = 0; k < t->nwarnings; k++)
			if (tims_paxlst_warning(&p, t, k))
				printf("     warning: %s\n", tims_paxlst_warning(&p, t, k));
	}
	if (!json && st == CLI_OK)
		printf("%zu travellers in %u messages of %u interchanges, %" PRIu64 " warnings\n",
		       p.n, p.messages, p.interchanges, p.warnings);
	tims_paxlst_release(&p);
	return st;
}

int cmd_api(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "parse", api_parse, "read PAXLST interchanges into travellers" },
	};

	return cli_dispatch("api", table, sizeof(table) / sizeof(table[0]), usage, argc, argv);
}
