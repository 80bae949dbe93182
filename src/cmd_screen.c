/*
 * cmd_screen.c — `tims screen`: screening travellers against the watchlists
 * and evaluating the name matcher.
 *
 *   tims screen pairs [FILE]          score labelled pairs (JSON Lines)
 *   tims screen query --store DIR NAME [--dob D] [--nationality N] [--sex S]
 *   tims screen traveller --store DIR --mrz FILE [--plate P --plate-country C]
 *
 * Output is JSON on stdout; diagnostics on stderr name the line and field.
 * `traveller` goes through the booth service (tims/booth.h) as the node's
 * check does, and prints its typed result whole (discreet hits included:
 * this is the operator's tool, not a booth's screen).
 *
 * query and traveller on a node's store (DIR/watchlists of a post or the
 * centre) need a supervisor or an analyst logged in at that node, and are
 * audited with what was asked before the lists are searched (docs/roles.md:
 * an officer screens through a check at the booth, tied to its crossing).
 * A store outside any node needs no login; pairs reads no store at all.
 */
#include <math.h>
#include <jansson.h>

#include "cli.h"
#include "tims/booth.h"
#include "tims/mrz.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define PAIRS_LINE_MAX (64 * 1024)

static const char pairs_usage[] =
	N_("usage: tims screen pairs [--threshold T] [--explain | --eval] [FILE]\n\n"
	"Reads JSON Lines (FILE or standard input), each an object with \"a\" and\n"
	"\"b\" (names in any script; \"SURNAME, Given\" or MRZ SURNAME<<GIVEN form)\n"
	"and optional \"dob_a\", \"dob_b\" (YYYY, YYYY-MM or YYYY-MM-DD),\n"
	"\"nationality_a\", \"nationality_b\", \"sex_a\", \"sex_b\". Prints each object\n"
	"with \"score\" (0-1) and \"match\" (score >= threshold, default 0.80)\n"
	"added; --explain adds \"reasons\". Every line gets one answer, in order: a\n"
	"line that cannot be scored is answered with the object (or {} if it is\n"
	"not one), its \"line\" number and \"error\" saying why, also on stderr; the\n"
	"exit status is then 1. Digits 0 1 5 8 in a name part are read as the\n"
	"letters O I S B they are mistaken for (\"J0HN SM1TH\").\n\n"
	"--eval reads labelled pairs (\"same\": true or false, \"kind\": a label)\n"
	"and prints precision, recall and F1 per kind and overall instead.\n");

/* Confusion counts of one kind of pair, for --eval. */
struct eval_kind {
	char name[32];
	unsigned tp, fp, fn, tn;
};

#define EVAL_MAX_KINDS 64

struct eval {
	struct eval_kind k[EVAL_MAX_KINDS + 1]; /* the last is "overall" */
	unsigned n;
};

static void eval_add(struct eval *e, const char *kind, bool same, bool match)
{
	struct eval_kind *k = NULL, *all = &e->k[EVAL_MAX_KINDS];

	for (unsigned i = 0; i < e->n && !k; i++)
		if (!strcmp(e->k[i].name, kind))
			k = &e->k[i];
	if (!k && e->n < EVAL_MAX_KINDS) {
		k = &e->k[e->n++];
		snprintf(k->name, sizeof(k->name), "%s", kind);
	}
	for (int pass = 0; pass < 2; pass++) {
		struct eval_kind *x = pass ? all : k;

		if (!x)
			continue;
		x->tp += same && match;
		x->fp += !same && match;
		x->fn += same && !match;
		x->tn += !same && !match;
	}
}

static void eval_line(const struct eval_kind *k)
{
	unsigned n = k->tp + k->fp + k->fn + k->tn;
	double p = k->tp + k->fp ? (double)k->tp / (k->tp + k->fp) : 1.0;
	double r = k->tp + k->fn ? (double)k->tp / (k->tp + k->fn) : 1.0;
	double f = p + r > 0 ? 2 * p * r / (p + r) : 0.0;

	if (k->tp + k->fn == 0) /* negatives only: F1 is undefined */
		printf(_("%-22s %5u  precision -      recall -      F1 -      "
		       "false hits %u of %u\n"), k->name, n, k->fp, k->fp + k->tn);
	else
		printf(_("%-22s %5u  precision %.3f  recall %.3f  F1 %.3f  "
		       "false hits %u, missed %u\n"), k->name, n, p, r, f, k->fp, k->fn);
}

static int cmp_kind(const void *a, const void *b)
{
	return strcmp(((const struct eval_kind *)a)->name,
		      ((const struct eval_kind *)b)->name);
}

static void eval_print(struct eval *e)
{
	qsort(e->k, e->n, sizeof(e->k[0]), cmp_kind);
	printf("%-22s %5s\n", _("kind"), _("pairs"));
	for (unsigned i = 0; i < e->n; i++)
		eval_line(&e->k[i]);
	snprintf(e->k[EVAL_MAX_KINDS].name, sizeof(e->k[0].name), "%s", "overall");
	eval_line(&e->k[EVAL_MAX_KINDS]);
}

/* The optional qualifiers of one side ("_a" or "_b") of a pair. */
static tims_rc subject_from_json(json_t *o, const char *sfx,
				 struct tims_subject *s, struct tims_err *err)
{
	char key[32];
	json_t *v;
	tims_rc rc;

	memset(s, 0, sizeof(*s));
	snprintf(key, sizeof(key), "dob%s", sfx);
	if ((v = json_object_get(o, key)) && !json_is_null(v)) {
		if (!json_is_string(v))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", key);
		if ((rc = tims_pdate_parse(json_string_value(v), &s->dob, key, err)))
			return rc;
	}
	snprintf(key, sizeof(key), "nationality%s", sfx);
	if ((v = json_object_get(o, key)) && !json_is_null(v)) {
		if ((rc = tims_subject_set_nationality(s, json_is_string(v) ?
							json_string_value(v) : NULL,
							key, err)))
			return rc;
	}
	snprintf(key, sizeof(key), "sex%s", sfx);
	if ((v = json_object_get(o, key)) && !json_is_null(v)) {
		if ((rc = tims_subject_set_sex(s, json_is_string(v) ?
						json_string_value(v) : NULL, key, err)))
			return rc;
	}
	return TIMS_OK;
}

static tims_rc name_from_json(json_t *o, const char *key, struct tims_name *n,
			      struct tims_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: missing", key);
	if (!json_is_string(v))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", key);
	return tims_name_parse(json_string_value(v), json_string_length(v), key, n, err);
}

/* Print one JSON object as a line of the answer. */
static tims_rc put_json(json_t *o, struct tims_err *err)
{
	char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

	if (!out)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	puts(out);
	free(out);
	return TIMS_OK;
}

/*
 * The answer to a line that could not be scored: the object itself (when the
 * line was one) with "error", else {"line": N, "error"}. So every input line
 * has exactly one output line and a caller can pair them up.
 */
static void error_answer(const char *line, size_t len, unsigned long lineno,
			 const char *msg)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	struct tims_err err;

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (!o)
		return;
	json_object_set_new(o, "line", json_integer((json_int_t)lineno));
	json_object_del(o, "score");
	json_object_del(o, "match");
	json_object_set_new(o, "error", json_string(msg));
	put_json(o, &err);
	json_decref(o);
}

static tims_rc score_line(const char *line, size_t len, double threshold,
			  bool explain, struct eval *ev, struct tims_err *err)
{
	struct tims_name *a = NULL, *b = NULL;
	struct tims_subject sa, sb;
	struct tims_match m;
	json_error_t jerr;
	json_t *o;
	tims_rc rc;

	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return tims_err_set(err, TIMS_ERR_INVALID, "JSON: %s at column %d",
				    jerr.text, jerr.column);
	if (!json_is_object(o)) {
		json_decref(o);
		return tims_err_set(err, TIMS_ERR_INVALID, "not a JSON object");
	}
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((rc = name_from_json(o, "a", a, err)) ||
	    (rc = name_from_json(o, "b", b, err)) ||
	    (rc = subject_from_json(o, "_a", &sa, err)) ||
	    (rc = subject_from_json(o, "_b", &sb, err)))
		goto done;
	tims_screen_compare(a, &sa, b, &sb, explain, &m);
	if (ev) {
		json_t *same = json_object_get(o, "same"), *kind = json_object_get(o, "kind");

		if (!json_is_boolean(same)) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "same: missing or not true/false");
			goto done;
		}
		eval_add(ev, json_is_string(kind) ? json_string_value(kind) : "(no kind)",
			 json_is_true(same), m.score >= threshold);
		goto done;
	}
	json_object_set_new(o, "score", json_real(round(m.score * 1000) / 1000));
	json_object_set_new(o, "match", json_boolean(m.score >= threshold));
	if (explain) {
		json_t *r = json_array();

		for (unsigned i = 0; i < m.nreasons; i++)
			json_array_append_new(r, json_string(m.reasons[i]));
		json_object_set_new(o, "reasons", r);
	}
	rc = put_json(o, err);
done:
	free(a);
	free(b);
	json_decref(o);
	return rc;
}

static int screen_pairs(int argc, char **argv)
{
	double threshold = TIMS_SCREEN_THRESHOLD;
	bool explain = false;
	struct eval *ev = NULL;
	const char *path = NULL;
	FILE *in = stdin;
	char *line;
	unsigned long lineno = 0;
	int status = CLI_OK;
	struct tims_err err;

	if (cli_wants_help(argc, argv)) {
		fputs(_(pairs_usage), stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
			if (tims_screen_parse_threshold(argv[++i], &threshold,
							"--threshold", &err))
				return cli_error(CLI_USAGE, "screen pairs", "%s", err.msg);
		} else if (!strcmp(argv[i], "--explain")) {
			explain = true;
		} else if (!strcmp(argv[i], "--eval")) {
			if (!ev && !(ev = calloc(1, sizeof(*ev))))
				return cli_error(CLI_USAGE, "screen pairs", _("out of memory"));
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fputs(_(pairs_usage), stderr);
			return cli_error(CLI_USAGE, "screen pairs", _("unknown option '%s'"), argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			return cli_error(CLI_USAGE, "screen pairs", _("one FILE at most"));
		}
	}
	if (path && strcmp(path, "-")) {
		in = fopen(path, "r");
		if (!in)
			return cli_error(CLI_USAGE, "screen pairs", "%s: %s", path,
					 strerror(errno));
	}
	line = malloc(PAIRS_LINE_MAX + 2);
	if (!line) {
		if (in != stdin)
			fclose(in);
		return cli_error(CLI_USAGE, "screen pairs", _("out of memory"));
	}
	while (fgets(line, PAIRS_LINE_MAX + 2, in)) {
		size_t len = strlen(line);

		lineno++;
		if (len > PAIRS_LINE_MAX) {
			int c;

			while (line[len - 1] != '\n' && (c = fgetc(in)) != EOF && c != '\n')
				;
			snprintf(err.msg, sizeof(err.msg), "longer than %d bytes",
				 PAIRS_LINE_MAX);
			cli_error(CLI_OK, "screen pairs", _("line %lu: %s"), lineno,
				  err.msg);
			if (!ev)
				error_answer("", 0, lineno, err.msg);
			status = CLI_FAIL;
			continue;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		tims_err_clear(&err);
		if (len == 0 ? tims_err_set(&err, TIMS_ERR_INVALID, "empty line")
			     : score_line(line, len, threshold, explain, ev, &err)) {
			cli_error(CLI_OK, "screen pairs", _("line %lu: %s"), lineno,
				  tims_err_msg(&err));
			if (!ev)
				error_answer(line, len, lineno, tims_err_msg(&err));
			status = CLI_FAIL;
		}
	}
	if (ferror(in)) {
		cli_error(CLI_OK, "screen pairs", _("%s: read error"),
			  path ? path : _("standard input"));
		status = CLI_USAGE;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	if (ev) {
		eval_print(ev);
		free(ev);
	}
	if (fflush(stdout) != 0)
		return cli_error(CLI_USAGE, "screen pairs", _("standard output: %s"),
				 strerror(errno));
	return status;
}

/* --- screening against a store ------------------------------------------ */

#define SCREEN_MAX_HITS 20

static int print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

	json_decref(o);
	if (!s)
		return cli_error(CLI_USAGE, "screen", _("out of memory"));
	puts(s);
	free(s);
	return CLI_OK;
}

/* query: what is asked, for the audit log (taken). */
static int open_index(const char *cmd, const char *store, json_t *query, struct tims_wl **wl,
		      struct tims_screen_index **ix)
{
	char node[4096];
	struct cli_actor who;
	struct tims_err err;
	int st;

	if ((st = cli_store_node(cmd, store, node, sizeof(node)))) {
		json_decref(query);
		return st;
	}
	if (!node[0])
		json_decref(query);
	else if ((st = cli_gate(cmd, node, TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST,
				!strcmp(cmd, "screen query") ? "cli.screen.query"
				: "cli.screen.traveller", "", query, &who)))
		return st;
	tims_err_clear(&err);
	if (tims_wl_open(store, false, wl, &err))
		return cli_error(CLI_USAGE, cmd, "%s", tims_err_msg(&err));
	if (tims_wl_load_index(*wl, ix, &err)) {
		tims_wl_close(*wl);
		return cli_error(CLI_USAGE, cmd, "%s", tims_err_msg(&err));
	}
	return CLI_OK;
}

static const char query_usage[] =
	N_("usage: tims screen query --store DIR [--dob D] [--nationality N] [--sex S] NAME\n\n"
	"Screens one name (any script; \"SURNAME, Given\" or SURNAME<<GIVEN) against\n"
	"the person lists of the store. Prints JSON: the hits, best first, each with\n"
	"its list entry, score and reasons.\n");

static int screen_query(int argc, char **argv)
{
	const char *store = NULL, *name = NULL, *dob = NULL, *nat = NULL, *sex = NULL;
	struct tims_screen_index *ix;
	struct tims_subject subj;
	struct tims_name *q;
	struct tims_err err;
	struct tims_wl *wl;
	struct tims_wl_screening *res;
	json_t *out, *hits;
	int st;
	tims_rc rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(query_usage), stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--store") ? &store :
				   !strcmp(argv[i], "--dob") ? &dob :
				   !strcmp(argv[i], "--nationality") ? &nat :
				   !strcmp(argv[i], "--sex") ? &sex : NULL;

		if (dst && i + 1 < argc)
			*dst = argv[++i];
		else if (dst || (argv[i][0] == '-' && argv[i][1]))
			return cli_error(CLI_USAGE, "screen query", _("bad option '%s'"), argv[i]);
		else if (!name)
			name = argv[i];
		else
			return cli_error(CLI_USAGE, "screen query",
					 _("one NAME (quote a name with spaces)"));
	}
	if (!store || !name)
		return cli_error(CLI_USAGE, "screen query", _("--store DIR and NAME are required"));
	memset(&subj, 0, sizeof(subj));
	tims_err_clear(&err);
	if ((dob && tims_pdate_parse(dob, &subj.dob, "--dob", &err)) ||
	    (nat && tims_subject_set_nationality(&subj, nat, "--nationality", &err)) ||
	    (sex && tims_subject_set_sex(&subj, sex, "--sex", &err)))
		return cli_error(CLI_USAGE, "screen query", "%s", err.msg);
	if (!(q = malloc(sizeof(*q))))
		return cli_error(CLI_USAGE, "screen query", _("out of memory"));
	if (tims_name_parse(name, strlen(name), "name", q, &err)) {
		free(q);
		return cli_error(CLI_FAIL, "screen query", "%s", err.msg);
	}
	if ((st = open_index("screen query", store,
			     json_pack("{s:s, s:s*, s:s*, s:s*}", "name", name, "dob", dob,
				       "nationality", nat, "sex", sex), &wl, &ix))) {
		free(q);
		return st;
	}
	if (!(res = calloc(1, sizeof(*res))))
		rc = tims_err_set(&err, TIMS_ERR_NOMEM, "out of memory");
	else
		rc = tims_wl_screen_person(wl, ix, q, &subj, res, &err);
	if (rc) { /* a failed search is never "no hit" */
		free(res);
		free(q);
		tims_screen_index_free(ix);
		tims_wl_close(wl);
		return cli_error(CLI_FAIL, "screen query", _("screening failed: %s"), tims_err_msg(&err));
	}
	hits = json_array();
	for (size_t i = 0; i < res->nhits; i++)
		json_array_append_new(hits, tims_booth_hit_json(&res->hits[i]));
	out = json_object();
	json_object_set_new(out, "name", json_string(name));
	json_object_set_new(out, "hits", hits);
	json_object_set_new(out, "candidates", json_integer((json_int_t)res->candidates));
	free(res);
	free(q);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	return print_json(out);
}

static const char traveller_usage[] =
	N_("usage: tims screen traveller --store DIR --mrz FILE [--plate P] [--vin V]\n"
	"                             [--today YYYY-MM-DD]\n\n"
	"Reads the traveller's MRZ (FILE, or - for standard input), then screens\n"
	"the document number against the document lists, the holder against the\n"
	"person lists (name, date of birth, nationality, sex), and the vehicle, if\n"
	"given, against the vehicle lists. Prints JSON with the hits of each.\n"
	"An MRZ with errors is still screened (its errors are listed): a forged or\n"
	"damaged document is no reason to skip the check.\n");

static int screen_traveller(int argc, char **argv)
{
	const char *store = NULL, *mrzfile = NULL, *plate = NULL, *vin = NULL, *today = NULL;
	struct tims_mrz_options mo;
	struct tims_screen_index *ix;
	struct tims_buf text;
	struct tims_mrz *mrz;
	struct tims_booth_check *chk;
	struct tims_booth_config cfg;
	struct tims_booth *booth = NULL;
	struct tims_booth_env env;
	struct tims_booth_who who = { "cli", "cli", 0 };
	struct tims_booth_check_in in;
	struct tims_vehicle veh;
	struct tims_err err;
	struct tims_wl *wl;
	json_t *out;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(traveller_usage), stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--store") ? &store :
				   !strcmp(argv[i], "--mrz") ? &mrzfile :
				   !strcmp(argv[i], "--plate") ? &plate :
				   !strcmp(argv[i], "--vin") ? &vin :
				   !strcmp(argv[i], "--today") ? &today : NULL;

		if (!dst || i + 1 >= argc)
			return cli_error(CLI_USAGE, "screen traveller", _("bad option '%s'"), argv[i]);
		*dst = argv[++i];
	}
	if (!store || !mrzfile)
		return cli_error(CLI_USAGE, "screen traveller", _("--store DIR and --mrz FILE are required"));
	tims_err_clear(&err);
	tims_mrz_options_init(&mo, time(NULL));
	if (today && tims_mrz_options_set_today(&mo, today, &err))
		return cli_error(CLI_USAGE, "screen traveller", "%s", err.msg);
	if (tims_read_file(mrzfile, 4096, &text, &err))
		return cli_error(CLI_USAGE, "screen traveller", "%s", tims_err_msg(&err));
	mrz = malloc(sizeof(*mrz));
	chk = malloc(sizeof(*chk));
	if (!mrz || !chk) {
		free(mrz);
		free(chk);
		tims_buf_release(&text);
		return cli_error(CLI_USAGE, "screen traveller", _("out of memory"));
	}
	tims_mrz_parse(&mo, text.buf, text.len, mrz);
	tims_buf_release(&text);
	if (mrz->format == TIMS_MRZ_UNKNOWN || (!mrz->surname[0] && !mrz->document_number[0])) {
		st = cli_error(CLI_FAIL, "screen traveller", _("mrz: %s"),
			       mrz->nerrors ? mrz->errors[0].msg : _("not a machine-readable zone"));
		free(mrz);
		free(chk);
		return st;
	}
	memset(&veh, 0, sizeof(veh));
	if ((plate && snprintf(veh.plate, sizeof(veh.plate), "%s", plate) >= (int)sizeof(veh.plate)) ||
	    (vin && snprintf(veh.vin, sizeof(veh.vin), "%s", vin) >= (int)sizeof(veh.vin))) {
		free(mrz);
		free(chk);
		return cli_error(CLI_USAGE, "screen traveller", _("--plate, --vin: too long"));
	}
	if ((st = open_index("screen traveller", store,
			     json_pack("{s:s, s:s, s:s*, s:s*}", "document", mrz->document_number,
				       "surname", mrz->surname, "plate", plate, "vin", vin),
			     &wl, &ix))) {
		free(mrz);
		free(chk);
		return st;
	}
	tims_booth_config_default(&cfg);
	cfg.max_checks = 16;
	env = (struct tims_booth_env){ NULL, wl, ix, NULL, NULL };
	in = (struct tims_booth_check_in){ mrz, NULL, plate || vin ? &veh : NULL, NULL, NULL, NULL, NULL, 0 };
	st = CLI_OK;
	if (tims_booth_new(&cfg, &booth, &err) || tims_booth_check(booth, &env, &who, &in, chk, &err))
		st = cli_error(CLI_FAIL, "screen traveller", "%s", tims_err_msg(&err));
	else if (chk->screen_status != TIMS_SCREEN_DONE)
		/* a failed search is never "no hit" */
		st = cli_error(CLI_FAIL, "screen traveller", _("screening failed: %s"), chk->screen_error);
	tims_booth_free(booth);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	if (st) {
		free(mrz);
		free(chk);
		return st;
	}
	out = tims_booth_check_json(chk, mrz);
	free(mrz);
	free(chk);
	if (!out)
		return cli_error(CLI_FAIL, "screen traveller", _("out of memory"));
	return print_json(out);
}

static const struct cli_command screen_commands[] = {
	{ "pairs", screen_pairs, "score labelled name pairs (evaluation)" },
	{ "query", screen_query, "screen one name against the watchlists" },
	{ "traveller", screen_traveller, "screen a traveller's MRZ, person and vehicle" },
};

static const char screen_usage[] =
	N_("usage: tims screen <command> [<args>]\n\n"
	"Commands:\n"
	"  pairs      score labelled name pairs (evaluation of the matcher)\n"
	"  query      screen one name against the watchlists of a store\n"
	"  traveller  screen a traveller (MRZ, optional vehicle)\n\n"
	"'tims screen <command> --help' shows a command's options.\n");

int cmd_screen(int argc, char **argv)
{
	return cli_dispatch("screen", screen_commands,
			    TIMS_ARRAY_SIZE(screen_commands), screen_usage, argc, argv);
}
