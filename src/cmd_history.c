/*
 * cmd_history.c — `tims history`: a document's crossings at this post and
 * the stay calculation (tims/stay.h) as of a date.
 *
 *   tims history --post DIR DOCUMENT [--nationality XXX] [--on YYYY-MM-DD]
 *                [--visa-from D --visa-until D --visa-entries N --visa-days N]
 *                [--json]
 *
 * A record that a later record corrects is shown but no longer counts: the
 * correction replaces it (keeping its crossing time unless it sets its own
 * crossed_at). The regime comes from the post's stay-regimes.conf by the
 * traveller's nationality.
 */
#include <getopt.h>
#include <jansson.h>

#include "cli.h"
#include "tims/post.h"
#include "tims/stay.h"
#include "tims/util.h"

#define CMD "history"
#define MAX_ROWS TIMS_STAY_MAX_MOVES

static const char usage[] =
	"usage: tims history --post DIR DOCUMENT [--nationality XXX] [--on YYYY-MM-DD]\n"
	"                    [--visa-from D --visa-until D --visa-entries N --visa-days N]\n"
	"                    [--json]\n"
	"\n"
	"Lists the crossings of a document at this post and computes the stay rule\n"
	"(days used in the window, days left, overstay) as of --on (default today).\n";

struct row {
	uint64_t index;
	struct tims_record rec;
	uint64_t corrected_by;   /* NO_INDEX if it stands */
	int64_t when;            /* crossing time that counts */
};

struct hist {
	struct tims_post *p;
	struct row *rows;
	size_t n;
};

static tims_rc collect(void *ctx, uint64_t index, const struct tims_record *rec)
{
	struct hist *h = ctx;

	if (h->n == MAX_ROWS)
		return TIMS_ERR_TOOBIG;
	h->rows[h->n].index = index;
	h->rows[h->n].rec = *rec;
	h->n++;
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
	if (old && !tims_post_get(p, r->corrects, old, &erased, NULL, NULL) &&
	    !erased)
		t = effective_time(p, old, depth + 1);
	free(old);
	return t;
}

static const char *kind_name(unsigned k)
{
	static const char *const names[] = { "?", "short stay", "exempt", "visa" };

	return k < TIMS_ARRAY_SIZE(names) ? names[k] : "?";
}

static void date_str(int64_t day, char *out, size_t n)
{
	struct tims_buf b = TIMS_BUF_INIT(32);

	tims_date_format(day, &b);
	snprintf(out, n, "%s", tims_buf_str(&b));
	tims_buf_release(&b);
}

static void print_text(const char *doc, const struct hist *h, int64_t on,
		       const struct tims_stay_result *s)
{
	char d[16], lb[16];

	printf("document %s: %zu crossings at this post\n", doc, h->n);
	for (size_t i = 0; i < h->n; i++) {
		const struct row *r = &h->rows[i];
		struct tims_buf t = TIMS_BUF_INIT(64);

		char dec[160];

		snprintf(dec, sizeof(dec), "%s%s%s", tims_decision_name(r->rec.decision),
			 r->rec.refusal_code[0] ? ":" : "", r->rec.refusal_code);
		tims_time_format(r->when, &t);
		printf("  %6" PRIu64 "  %s  %-5s  %-11s  officer %s booth %s  %s, %s %s",
		       r->index, tims_buf_str(&t),
		       tims_direction_name(r->rec.direction), dec,
		       r->rec.officer, r->rec.booth, r->rec.person.surname,
		       r->rec.person.given_names, r->rec.person.nationality);
		if (r->rec.corrects != TIMS_RECORD_NO_INDEX)
			printf("  [corrects %" PRIu64 ": %s]", r->rec.corrects,
			       r->rec.reason);
		if (r->corrected_by != TIMS_RECORD_NO_INDEX)
			printf("  [corrected by %" PRIu64 "]", r->corrected_by);
		putchar('\n');
		tims_buf_release(&t);
	}
	date_str(on, d, sizeof(d));
	if (s->kind == TIMS_STAY_EXEMPT) {
		printf("stay on %s: exempt; %u days present in the last 180%s\n", d,
		       s->used, s->in_country ? "; in the country" : "");
		return;
	}
	printf("stay on %s (%s, %u days in %u): used %u, left %u, overstay %u",
	       d, kind_name(s->kind), s->max_days, s->window_days, s->used,
	       s->left, s->overstay);
	if (s->in_country) {
		if (s->leave_by == INT64_MIN) {
			printf("; in the country, over the limit");
		} else {
			date_str(s->leave_by, lb, sizeof(lb));
			printf("; in the country, leave by %s", lb);
		}
	}
	if (s->kind == TIMS_STAY_VISA)
		printf("; visa entries used %u%s", s->entries_used,
		       s->entries_exceeded ? " (more than allowed)" : "");
	if (s->inconsistent)
		printf("; history inconsistent (two entries or exits in a row)");
	putchar('\n');
}

static int print_json(const char *doc, const struct hist *h, int64_t on,
		      const struct tims_stay_result *s)
{
	json_t *o = json_object(), *list = json_array(), *stay = json_object();
	struct tims_buf b = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);
	char d[16];
	char *out;

	for (size_t i = 0; i < h->n; i++) {
		json_t *e = json_object(), *rec;

		tims_buf_reset(&b);
		tims_record_to_json(&h->rows[i].rec, &b);
		rec = json_loads(tims_buf_str(&b), 0, NULL);
		json_object_set_new(e, "index", json_integer((json_int_t)h->rows[i].index));
		json_object_set_new(e, "record", rec ? rec : json_null());
		if (h->rows[i].corrected_by != TIMS_RECORD_NO_INDEX)
			json_object_set_new(e, "corrected_by",
					    json_integer((json_int_t)h->rows[i].corrected_by));
		json_array_append_new(list, e);
	}
	date_str(on, d, sizeof(d));
	json_object_set_new(stay, "on", json_string(d));
	json_object_set_new(stay, "regime", json_string(kind_name(s->kind)));
	json_object_set_new(stay, "max_days", json_integer(s->max_days));
	json_object_set_new(stay, "window_days", json_integer(s->window_days));
	json_object_set_new(stay, "used", json_integer(s->used));
	json_object_set_new(stay, "left", json_integer(s->left));
	json_object_set_new(stay, "overstay", json_integer(s->overstay));
	json_object_set_new(stay, "in_country", json_boolean(s->in_country));
	if (s->in_country && s->leave_by != INT64_MIN) {
		date_str(s->leave_by, d, sizeof(d));
		json_object_set_new(stay, "leave_by", json_string(d));
	}
	json_object_set_new(stay, "inconsistent", json_boolean(s->inconsistent));
	json_object_set_new(o, "document", json_string(doc));
	json_object_set_new(o, "crossings", list);
	json_object_set_new(o, "stay", stay);
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	tims_buf_release(&b);
	if (!out)
		return cli_error(CLI_USAGE, CMD, "out of memory");
	puts(out);
	free(out);
	return CLI_OK;
}

static int load_regimes(const char *dir, struct tims_stay_regimes *rs)
{
	struct tims_buf path = TIMS_BUF_INIT(4096), text;
	struct tims_err err;
	int rc = CLI_OK;

	tims_buf_addf(&path, "%s/stay-regimes.conf", dir);
	if (tims_read_file(path.buf, 1 << 20, &text, &err)) {
		tims_stay_regimes_init(rs);
	} else {
		if (tims_stay_regimes_parse(text.buf, text.len, rs, &err))
			rc = cli_error(CLI_USAGE, CMD, "%s: %s", path.buf, err.msg);
		tims_buf_release(&text);
	}
	tims_buf_release(&path);
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
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *nat = NULL, *doc;
	struct tims_stay_visa visa = { 0, 0, 0, 0 };
	struct tims_stay_regimes *rs = NULL;
	struct tims_stay_move *moves = NULL;
	struct tims_stay_result res;
	struct hist h = { NULL, NULL, 0 };
	struct tims_err err;
	int64_t on = tims_day_of_ms((int64_t)time(NULL) * 1000);
	int c, as_json = 0, has_visa = 0, rc = CLI_USAGE;
	size_t nm = 0;
	uint64_t v;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 'n': nat = optarg; break;
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
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, CMD, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (!dir || optind != argc - 1) {
		fputs(usage, stderr);
		return cli_error(CLI_USAGE, CMD, "want --post DIR and one DOCUMENT");
	}
	doc = argv[optind];
	rs = malloc(sizeof(*rs));
	h.rows = calloc(MAX_ROWS, sizeof(*h.rows));
	moves = calloc(MAX_ROWS, sizeof(*moves));
	if (!rs || !h.rows || !moves) {
		rc = cli_error(CLI_USAGE, CMD, "out of memory");
		goto out;
	}
	if ((rc = load_regimes(dir, rs)))
		goto out;
	if (tims_post_open(dir, TIMS_POST_READ, &h.p, &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
		goto out;
	}
	if (tims_post_history(h.p, doc, nat, collect, &h, &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", err.rc == TIMS_ERR_TOOBIG
				? "more crossings than one history can hold"
				: tims_err_msg(&err));
		goto out;
	}
	for (size_t i = 0; i < h.n; i++) {
		struct row *r = &h.rows[i];

		if (tims_post_corrected_by(h.p, r->index, &r->corrected_by, &err)) {
			rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
			goto out;
		}
		r->when = effective_time(h.p, &r->rec, 0);
		if (r->corrected_by != TIMS_RECORD_NO_INDEX)
			continue;
		/* Refused travellers did not enter; second line is pending. */
		if (r->rec.decision != TIMS_DECISION_ADMIT)
			continue;
		moves[nm].day = tims_day_of_ms(r->when);
		moves[nm].direction = r->rec.direction;
		nm++;
		if (!nat)
			nat = r->rec.person.nationality;
	}
	{
		const struct tims_stay_regime *reg = tims_stay_regime_for(rs, nat ? nat : "");

		if (tims_stay_compute(moves, nm, on, reg, has_visa ? &visa : NULL, &res, &err)) {
			rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
			goto out;
		}
	}
	rc = CLI_OK;
	if (as_json)
		rc = print_json(doc, &h, on, &res);
	else
		print_text(doc, &h, on, &res);
out:
	tims_post_free(h.p);
	free(rs);
	free(h.rows);
	free(moves);
	return rc;
}
