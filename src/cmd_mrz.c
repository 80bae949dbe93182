/*
 * cmd_mrz.c — `tims mrz`: read travel documents' machine-readable zones from
 * a file or standard input, validate them, and print a summary for a person
 * or one JSON object per document for other programs.
 *
 * The input is streamed through the bounded reader (lib/mrz/reader.c), so a
 * huge or binary file costs a fixed amount of memory; every document found
 * gets a result, valid or not. Exit status: 0 every document valid, 1 any
 * invalid (or no document at all), 2 usage or I/O error.
 */
#include <fcntl.h>
#include <jansson.h>

#include "cli.h"
#include "tims/mrz.h"

static const char usage[] =
	N_("usage: tims mrz [--json] [--strict] [FILE]\n"
	"\n"
	"Reads the machine-readable zones (ICAO Doc 9303) of travel documents\n"
	"from FILE, or standard input when FILE is missing or '-', and checks\n"
	"every check digit, date, country code and name.\n"
	"\n"
	"A document is its 2 or 3 MRZ lines; documents are separated by blank\n"
	"lines. Spaces around a line and a trailing CR are ignored.\n"
	"Formats: TD1 (3x30), TD2 (2x36, and PU emergency documents), TD3\n"
	"(2x44 passports), MRV-A (2x44 visas), MRV-B (2x36 visas), and the\n"
	"French identity card issued until 2021 (2x36, IDFRA).\n"
	"\n"
	"Options:\n"
	"  --json     one JSON object per document, one per line\n"
	"  --strict   lowercase letters are errors (by default they are read\n"
	"             as upper case, with a warning)\n"
	"  -h, --help this help\n"
	"\n"
	"Environment:\n"
	"  TIMS_TODAY=YYYY-MM-DD  the date used for 'expired' and for the\n"
	"                         century of two-digit years (default: today, UTC)\n"
	"\n"
	"Exit status: 0 every document is valid, 1 a document is invalid or\n"
	"none was found, 2 usage or input/output error.\n"
	"See docs/mrz.md for the error messages and the JSON fields.\n");

struct run {
	struct tims_mrz_options opt;
	bool json;
	size_t ndocs, ninvalid;
	struct tims_mrz m;
};

/* --- JSON --------------------------------------------------------------- */

static int print_json(const struct tims_mrz_doc *doc, const struct tims_mrz *m)
{
	json_t *o = tims_mrz_json(m);
	char *s;

	if (o)
		json_object_set_new(o, "input_line", json_integer((json_int_t)doc->first_line));
	if (!o)
		return -1;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -1;
	puts(s);
	free(s);
	return 0;
}

/* --- for a person ------------------------------------------------------- */

static const char *kind_of(const struct tims_mrz *m)
{
	static const char *const kinds[TIMS_MRZ_FORMAT_LAST] = {
		[TIMS_MRZ_UNKNOWN] = N_("not a readable MRZ"),
		[TIMS_MRZ_TD1] = N_("TD1 identity card"),
		[TIMS_MRZ_TD2] = N_("TD2 identity document"),
		[TIMS_MRZ_TD3] = N_("TD3 passport"),
		[TIMS_MRZ_MRVA] = N_("MRV-A visa"),
		[TIMS_MRZ_MRVB] = N_("MRV-B visa"),
		[TIMS_MRZ_FRA_ID] = N_("French identity card"),
	};

	if (m->format == TIMS_MRZ_TD2 && !strcmp(m->document_code, "PU"))
		return _("TD2 emergency travel document");
	return _(kinds[m->format]);
}

static const char *date_text(const struct tims_mrz_date *d)
{
	if (d->iso[0])
		return d->iso;
	if (d->mrz[0] == '<')
		return _("unknown");
	return _("invalid");
}

/* A field's name for a person: only the translated path prints it (the
 * English path prints the library's message, which names the field as the
 * JSON does). */
static const char *field_text(enum tims_mrz_field f)
{
	static const char *const names[TIMS_MRZ_F_LAST] = {
		[TIMS_MRZ_F_MRZ] = N_("MRZ"),
		[TIMS_MRZ_F_DOCUMENT_CODE] = N_("document code"),
		[TIMS_MRZ_F_ISSUING_STATE] = N_("issuing state"),
		[TIMS_MRZ_F_DOCUMENT_NUMBER] = N_("document number"),
		[TIMS_MRZ_F_SURNAME] = N_("surname"),
		[TIMS_MRZ_F_GIVEN_NAMES] = N_("given names"),
		[TIMS_MRZ_F_NATIONALITY] = N_("nationality"),
		[TIMS_MRZ_F_BIRTH_DATE] = N_("birth date"),
		[TIMS_MRZ_F_SEX] = N_("sex"),
		[TIMS_MRZ_F_EXPIRY_DATE] = N_("expiry date"),
		[TIMS_MRZ_F_OPTIONAL_DATA] = N_("optional data"),
		[TIMS_MRZ_F_OPTIONAL_DATA_2] = N_("optional data (line 2)"),
		[TIMS_MRZ_F_COMPOSITE] = N_("composite check digit"),
	};

	return (unsigned)f < TIMS_MRZ_F_LAST && names[f] ? _(names[f]) : "?";
}

/*
 * An error: the library's English message (lib/mrz), unless it has a code
 * (tims/mrz.h: check_digit, check_digit_missing, check_digit_not_digit,
 * missing, not_icao) and the catalogue of the language in use has its text;
 * then that text with the code's values, as the consoles show it.
 */
static void print_error(const struct tims_mrz_issue *e)
{
	static const struct { const char *code, *fmt; int args; } coded[] = {
		{ "check_digit", N_("%s: check digit is %s, expected %s"), 2 },
		{ "check_digit_missing", N_("%s: check digit missing ('<'), expected %s"), -1 },
		{ "check_digit_not_digit", N_("%s: check digit '%s' is not a digit"), 1 },
		{ "missing", N_("%s: missing"), 0 },
		{ "not_icao", N_("%s: '%s' is not an ICAO country code"), 1 },
	};

	for (size_t i = 0; e->code && i < sizeof(coded) / sizeof(coded[0]); i++) {
		const char *t;

		if (strcmp(e->code, coded[i].code))
			continue;
		t = _(coded[i].fmt);
		if (t == coded[i].fmt)
			break; /* no translation: the library's own words */
		fputs(_("  error:   "), stdout);
		switch (coded[i].args) {
		case 2: printf(t, field_text(e->field), e->got, e->expected); break;
		case 1: printf(t, field_text(e->field), e->got); break;
		case -1: printf(t, field_text(e->field), e->expected); break;
		default: printf(t, field_text(e->field)); break;
		}
		putchar('\n');
		return;
	}
	printf(_("  error:   %s\n"), e->msg);
}

static void print_text(const struct tims_mrz_doc *doc, const struct tims_mrz *m,
		       size_t n)
{
	printf(_("Document %zu (input line %zu): %s — %s%s%s\n"), n,
	       doc->first_line, kind_of(m), m->valid ? _("VALID") : _("INVALID"),
	       m->specimen ? _(", SPECIMEN") : "", m->expired ? _(", EXPIRED") : "");
	if (m->format != TIMS_MRZ_UNKNOWN) {
		printf(_("  Document     %s %s, number %s\n"), m->document_code,
		       m->issuing_state, m->document_number[0] ?
		       m->document_number : _("(none)"));
		printf(_("  Name         %s%s%s\n"), m->surname,
		       m->surname[0] && m->given_names[0] ? ", " : "",
		       m->given_names);
		printf(_("  Nationality  %s\n"), m->nationality);
		printf(_("  Born         %s   Sex %c\n"), date_text(&m->birth_date),
		       m->sex ? m->sex : '?');
		if (m->expiry_date.present)
			printf(_("  Expires      %s%s\n"), date_text(&m->expiry_date),
			       m->expired ? _(" (expired)") : "");
		if (m->optional_data[0] || m->optional_data_2[0])
			printf(_("  Optional     %s%s%s\n"), m->optional_data,
			       m->optional_data_2[0] ? " / " : "",
			       m->optional_data_2);
	}
	for (unsigned i = 0; i < m->nerrors; i++)
		print_error(&m->errors[i]);
	if (m->errors_truncated)
		printf(_("  error:   (more errors not shown)\n"));
	for (unsigned i = 0; i < m->nwarnings; i++)
		printf(_("  warning: %s [rule %s]\n"), m->warnings[i].msg,
		       m->warnings[i].rule ? m->warnings[i].rule : "-");
	putchar('\n');
}

static int on_doc(void *ctx, const struct tims_mrz_doc *doc)
{
	struct run *r = ctx;

	r->ndocs++;
	if (tims_mrz_parse_doc(&r->opt, doc, &r->m) != TIMS_OK)
		r->ninvalid++;
	if (r->json)
		return print_json(doc, &r->m);
	print_text(doc, &r->m, r->ndocs);
	return 0;
}

static int read_all(struct run *r, const char *path)
{
	static char chunk[65536];
	struct tims_mrz_reader rd;
	bool is_stdin = !path || !strcmp(path, "-");
	const char *name = is_stdin ? _("standard input") : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cli_error(CLI_USAGE, "mrz", "%s: %s", name, strerror(errno));
	tims_mrz_reader_init(&rd);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (!is_stdin)
				close(fd);
			return cli_error(CLI_USAGE, "mrz", "%s: %s", name,
					 strerror(e));
		}
		if (n == 0)
			break;
		if (tims_mrz_reader_feed(&rd, chunk, (size_t)n, on_doc, r))
			goto nomem;
	}
	if (!is_stdin)
		close(fd);
	if (tims_mrz_reader_finish(&rd, on_doc, r))
		goto nomem;
	return CLI_OK;
nomem:
	return cli_error(CLI_USAGE, "mrz", _("out of memory writing JSON"));
}

int cmd_mrz(int argc, char **argv)
{
	static struct run r; /* the result struct is a few kB: not on the stack */
	const char *path = NULL, *today = getenv("TIMS_TODAY");
	struct tims_err err;
	bool opts_done = false;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	tims_mrz_options_init(&r.opt, time(NULL));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
		} else if (!opts_done && !strcmp(a, "--json")) {
			r.json = true;
		} else if (!opts_done && !strcmp(a, "--strict")) {
			r.opt.flags |= TIMS_MRZ_STRICT_CASE;
		} else if (!opts_done && a[0] == '-' && a[1]) {
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, "mrz", _("unknown option '%s'"), a);
		} else if (path) {
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, "mrz", _("one FILE at most"));
		} else {
			path = a;
		}
	}
	if (today && *today &&
	    tims_mrz_options_set_today(&r.opt, today, &err) != TIMS_OK)
		return cli_error(CLI_USAGE, "mrz", _("TIMS_TODAY: %s"), err.msg);
	rc = read_all(&r, path);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error(CLI_USAGE, "mrz", _("writing the output: %s"),
				 strerror(errno));
	if (rc != CLI_OK)
		return rc;
	if (r.ndocs == 0)
		return cli_error(CLI_FAIL, "mrz", _("no document in the input"));
	if (!r.json && r.ndocs > 1)
		printf(_("%zu documents: %zu valid, %zu invalid\n"), r.ndocs,
		       r.ndocs - r.ninvalid, r.ninvalid);
	return r.ninvalid ? CLI_FAIL : CLI_OK;
}
