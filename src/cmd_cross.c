/*
 * cmd_cross.c — `tims cross`: register crossings in a post's log.
 *
 *   tims cross --post DIR (--mrz FILE|- | --doc-number N --surname S ...)
 *              --direction entry|exit --officer ID --booth B [...]
 *   tims cross import --post DIR FILE|-
 *
 * The single form is a booth: it checks the traveller (tims_booth_check,
 * against the post's watchlists) and registers the crossing bound to that
 * check (tims_booth_register), as the node's API does. Output is printed
 * only after the record is durable.
 *
 * Import is the separate, explicit file path: records written elsewhere
 * (a re-typed register, corrections, companions), stored as not screened.
 *
 * Import reads JSON Lines (at most 64 KiB a line), stores them in batches
 * (one fsync per batch: group commit), and prints "ack LINE INDEX LEAFHASH"
 * for each line once its batch has committed ("... duplicate" when the
 * line's "id" was already in the log: a retry after a crash is idempotent).
 * A bad line is reported on stderr with its number and field, and skipped.
 *
 * Who (docs/roles.md): the single form needs an officer logged in at the
 * post (tims login), and the crossing is theirs (--officer, if given, must
 * be the logged-in id); import needs a supervisor, as the API's paper
 * import does. Each is audited before anything is read or stored.
 */
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <fcntl.h>

#include "cli.h"
#include "tims/booth.h"
#include "tims/mrz.h"
#include "tims/oversight.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define CMD "cross"

static const char usage[] =
	N_("usage: tims cross --post DIR (--mrz FILE|- | --doc-number N --surname S ...)\n"
	"                  --direction entry|exit --booth B [--officer ID] [options]\n"
	"   or: tims cross import --post DIR [--batch N] FILE|-\n"
	"\n"
	"Checks a traveller and registers the crossing in the post's log, as a\n"
	"booth does (the booth service: screened against the post's watchlists in\n"
	"DIR/watchlists, the record bound to the check), and prints its log index\n"
	"and leaf hash once it is durable. Fields typed with --doc-number etc. are\n"
	"a manual entry (marked so in the record). An admission with a hit needs\n"
	"--confirm-hit LIST/REF.\n"
	"\n"
	"'import' is the file import (JSON Lines, docs/formats.md): records as\n"
	"written elsewhere (corrections, companions, earlier crossings), stored as\n"
	"not screened; it prints 'ack LINE INDEX LEAFHASH' per line once stored.\n"
	"\n"
	"Traveller: --mrz FILE|- (the MRZ text), or --doc-code --issuer --doc-number\n"
	"  --surname --given-names --nationality --birth-date --sex --expiry\n"
	"Crossing:  --direction entry|exit --booth B [--officer ID]\n"
	"  --decision admit|refuse:CODE[,CODE]|second-line (default admit)\n"
	"  --confirm-hit LIST/REF  --accompanies INDEX\n"
	"  --vehicle-plate P --vehicle-country C --vehicle-model M --vin V\n"
	"  --role driver|passenger  --remarks TEXT\n"
	"  --crossed-at YYYY-MM-DDTHH:MM:SSZ (within the post's skew) --id ID\n");

/* Options that set one string field: table, not if-chain. */
enum { T_PERSON = 1, T_VEHICLE, T_REG };
static const struct { const char *opt; int to; size_t off; } fields[] = {
	{ "doc-code", T_PERSON, offsetof(struct tims_person, doc_code) },
	{ "issuer", T_PERSON, offsetof(struct tims_person, issuer) },
	{ "doc-number", T_PERSON, offsetof(struct tims_person, doc_number) },
	{ "surname", T_PERSON, offsetof(struct tims_person, surname) },
	{ "given-names", T_PERSON, offsetof(struct tims_person, given_names) },
	{ "nationality", T_PERSON, offsetof(struct tims_person, nationality) },
	{ "birth-date", T_PERSON, offsetof(struct tims_person, birth_date) },
	{ "sex", T_PERSON, offsetof(struct tims_person, sex) },
	{ "expiry", T_PERSON, offsetof(struct tims_person, expiry) },
	{ "vehicle-plate", T_VEHICLE, offsetof(struct tims_vehicle, plate) },
	{ "vehicle-country", T_VEHICLE, offsetof(struct tims_vehicle, country) },
	{ "vehicle-model", T_VEHICLE, offsetof(struct tims_vehicle, make_model) },
	{ "vin", T_VEHICLE, offsetof(struct tims_vehicle, vin) },
};

/* What the booth path does not take, and where it went. */
static const struct { const char *opt, *why; } gone[] = {
	{ "screening", "the screening is the post's own (the check)" },
	{ "corrects", "a correction is a file import line (tims cross import)" },
	{ "reason", "a correction is a file import line (tims cross import)" },
	{ "companion", "each companion is checked and registered with --accompanies INDEX" },
};

enum { O_POST = 1000, O_MRZ, O_DECISION, O_JSON, O_DIRECTION, O_OFFICER, O_BOOTH,
       O_ROLE, O_REMARKS, O_CROSSED, O_ID, O_CONFIRM, O_ACCOMPANIES, O_GONE };

/* The MRZ text of path, parsed (errors kept in m: the check says valid). */
static int read_mrz(const char *path, struct tims_mrz *m)
{
	struct tims_buf text = TIMS_BUF_INIT(4096);
	struct tims_mrz_options opt;
	struct tims_err err;

	if (tims_read_file(path, 4096, &text, &err))
		return cli_error(CLI_USAGE, CMD, _("--mrz: %s"), tims_err_msg(&err));
	tims_mrz_options_init(&opt, time(NULL));
	if (tims_mrz_parse(&opt, text.buf, text.len, m) != TIMS_OK)
		for (unsigned i = 0; i < m->nerrors && i < TIMS_MRZ_MAX_ERRORS; i++)
			fprintf(stderr, _("tims %s: mrz: %s\n"), CMD, m->errors[i].msg);
	tims_buf_release(&text);
	return CLI_OK;
}

/* "index I leaf HASH" for one crossing, "ack LINE I HASH" for an import line. */
static void print_ack(size_t line, const struct tims_post_ack *a)
{
	struct tims_buf hex = TIMS_BUF_INIT(128);

	tims_buf_addhex(&hex, a->leaf, TIMS_HASH_BYTES);
	if (line)
		printf("ack %zu %" PRIu64 " %s%s\n", line, a->index, /* i18n: machine */
		       tims_buf_str(&hex), a->duplicate ? " duplicate" : ""); /* i18n: machine */
	else
		printf("index %" PRIu64 " leaf %s%s\n", a->index, tims_buf_str(&hex), /* i18n: machine */
		       a->duplicate ? " duplicate" : ""); /* i18n: machine */
	tims_buf_release(&hex);
}

/*
 * A correction line keeps the document and the person of the record it
 * corrects: an identity change needs a second person, which only the
 * node's POST /api/v1/corrections and approvals provide (docs/api.md).
 */
static tims_rc same_person(struct tims_post *p, const struct tims_record *rec,
			  struct tims_err *err)
{
	struct tims_record *orig;
	struct tims_person given;
	const char *field = NULL;
	int erased = 0, differs;
	tims_rc rc;

	if (rec->corrects == TIMS_RECORD_NO_INDEX)
		return TIMS_OK;
	if (!(orig = malloc(sizeof(*orig))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_post_get(p, rec->corrects, orig, &erased, NULL, err))) {
		free(orig);
		/* a missing record: the append refuses it, naming it */
		return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
	}
	/* A field the line leaves empty is not given, not changed. */
	given = rec->person;
#define KEEP(f) do { if (!given.f[0]) memcpy(given.f, orig->person.f, sizeof(given.f)); } while (0)
	KEEP(doc_code); KEEP(issuer); KEEP(doc_number); KEEP(surname); KEEP(given_names);
	KEEP(nationality); KEEP(birth_date); KEEP(sex); KEEP(expiry);
#undef KEEP
	differs = !erased && tims_oversight_person_differs(&orig->person, &given, &field);
	free(orig);
	if (differs)
		return tims_err_set(err, TIMS_ERR_DENIED, "%s: differs from record %" PRIu64 "; an "
				    "identity change needs a second supervisor (POST "
				    "/api/v1/corrections with identity_change)", field, rec->corrects);
	return TIMS_OK;
}

static int open_post(const char *dir, struct tims_post **p)
{
	struct tims_err err;

	if (!dir)
		return cli_error(CLI_USAGE, CMD, _("--post DIR is required"));
	if (tims_post_open(dir, TIMS_POST_WRITE, p, &err))
		return cli_error(err.rc == TIMS_ERR_TAMPER ? CLI_FAIL : CLI_USAGE,
				 CMD, "%s", tims_err_msg(&err));
	return CLI_OK;
}

/* The post's watchlists (DIR/watchlists), if it has any. */
static int open_lists(const char *dir, struct tims_wl **wl, struct tims_screen_index **ix)
{
	char path[4200];
	struct tims_err err;

	*wl = NULL;
	*ix = NULL;
	snprintf(path, sizeof(path), "%s/watchlists", dir);
	if (access(path, F_OK) != 0)
		return CLI_OK;
	if (tims_wl_open(path, false, wl, &err) || tims_wl_load_index(*wl, ix, &err)) {
		tims_wl_close(*wl);
		*wl = NULL;
		return cli_error(CLI_FAIL, CMD, _("watchlists: %s; nothing recorded"), tims_err_msg(&err));
	}
	return CLI_OK;
}

static int cross_one(int argc, char **argv)
{
	struct option opts[TIMS_ARRAY_SIZE(fields) + TIMS_ARRAY_SIZE(gone) + 16];
	const char *dir = NULL, *officer = NULL, *booth_id = NULL, *mrzpath = NULL;
	struct cli_actor actor;
	struct tims_person person;
	struct tims_vehicle veh;
	struct tims_mrz *m = NULL;
	struct tims_booth_check *chk = NULL;
	struct tims_booth_result *res = NULL;
	struct tims_booth_config cfg;
	struct tims_booth *booth = NULL;
	struct tims_booth_reg reg;
	struct tims_booth_check_in in = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	struct tims_booth_env env = { NULL, NULL, NULL, NULL, NULL };
	struct tims_wl *wl = NULL;
	struct tims_screen_index *ix = NULL;
	struct tims_post *p = NULL;
	struct tims_err err;
	char codes[TIMS_RECORD_FIELD] = "";
	int c, idx, rc = CLI_USAGE, as_json = 0, issued, have_person = 0, have_vehicle = 0;
	size_t n = 0;

	memset(&person, 0, sizeof(person));
	memset(&veh, 0, sizeof(veh));
	memset(&reg, 0, sizeof(reg));
	reg.decision = TIMS_DECISION_ADMIT;
	reg.accompanies = TIMS_RECORD_NO_INDEX;
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++)
		opts[n++] = (struct option){ fields[i].opt, required_argument, NULL, (int)i };
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(gone); i++)
		opts[n++] = (struct option){ gone[i].opt, required_argument, NULL, O_GONE + (int)i };
	opts[n++] = (struct option){ "post", required_argument, NULL, O_POST };
	opts[n++] = (struct option){ "mrz", required_argument, NULL, O_MRZ };
	opts[n++] = (struct option){ "decision", required_argument, NULL, O_DECISION };
	opts[n++] = (struct option){ "json", no_argument, NULL, O_JSON };
	opts[n++] = (struct option){ "direction", required_argument, NULL, O_DIRECTION };
	opts[n++] = (struct option){ "officer", required_argument, NULL, O_OFFICER };
	opts[n++] = (struct option){ "booth", required_argument, NULL, O_BOOTH };
	opts[n++] = (struct option){ "role", required_argument, NULL, O_ROLE };
	opts[n++] = (struct option){ "remarks", required_argument, NULL, O_REMARKS };
	opts[n++] = (struct option){ "crossed-at", required_argument, NULL, O_CROSSED };
	opts[n++] = (struct option){ "id", required_argument, NULL, O_ID };
	opts[n++] = (struct option){ "confirm-hit", required_argument, NULL, O_CONFIRM };
	opts[n++] = (struct option){ "accompanies", required_argument, NULL, O_ACCOMPANIES };
	opts[n++] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c >= 0 && c < (int)TIMS_ARRAY_SIZE(fields)) {
			char *base = fields[c].to == T_PERSON ? (char *)&person : (char *)&veh;

			if (strlen(optarg) >= TIMS_RECORD_FIELD)
				return cli_error(CLI_USAGE, CMD, _("--%s: at most %d bytes"), fields[c].opt,
						 TIMS_RECORD_FIELD - 1);
			memcpy(base + fields[c].off, optarg, strlen(optarg) + 1);
			have_person |= fields[c].to == T_PERSON;
			have_vehicle |= fields[c].to == T_VEHICLE;
			continue;
		}
		if (c >= O_GONE && c < O_GONE + (int)TIMS_ARRAY_SIZE(gone))
			return cli_error(CLI_USAGE, CMD, _("--%s: not taken here: %s"), gone[c - O_GONE].opt,
					 gone[c - O_GONE].why);
		switch (c) {
		case O_POST: dir = optarg; break;
		case O_JSON: as_json = 1; break;
		case O_MRZ: mrzpath = optarg; break;
		case O_OFFICER: officer = optarg; break;
		case O_BOOTH: booth_id = optarg; break;
		case O_REMARKS: reg.remarks = optarg; break;
		case O_ID: reg.client_id = optarg; break;
		case O_CONFIRM: reg.confirm_hit = optarg; break;
		case O_DIRECTION:
			if (!(reg.direction = (uint8_t)tims_direction_parse(optarg)))
				return cli_error(CLI_FAIL, CMD, _("direction: must be entry or exit; "
						 "nothing recorded"));
			break;
		case O_ROLE:
			reg.role = (uint8_t)tims_vehicle_role_parse(optarg);
			if (!reg.role && *optarg && strcmp(optarg, "none"))
				return cli_error(CLI_FAIL, CMD, _("role: must be driver, passenger or none"));
			break;
		case O_CROSSED:
			if (tims_time_parse(optarg, &reg.crossed_ms, "crossed_at", &err))
				return cli_error(CLI_FAIL, CMD, _("%s; nothing recorded"), err.msg);
			reg.crossed_set = true;
			break;
		case O_ACCOMPANIES: {
			uint64_t v;

			if (tims_parse_u64(optarg, INT64_MAX, &v, "--accompanies", &err))
				return cli_error(CLI_USAGE, CMD, "%s", err.msg);
			reg.accompanies = v;
			break;
		}
		case O_DECISION: {
			const char *colon = strchr(optarg, ':');
			char d[32];

			snprintf(d, sizeof(d), "%.*s", colon ? (int)(colon - optarg) : 31, optarg);
			if (!(reg.decision = (uint8_t)tims_decision_parse(d)))
				return cli_error(CLI_FAIL, CMD, _("decision: must be admit, refuse or "
						 "second-line; nothing recorded"));
			if (colon && snprintf(codes, sizeof(codes), "%s", colon + 1) >= (int)sizeof(codes))
				return cli_error(CLI_USAGE, CMD, _("--decision: too many codes"));
			break;
		}
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_error(CLI_USAGE, CMD, _("unexpected argument '%s'"), argv[optind]);
	if (!reg.direction)
		return cli_error(CLI_USAGE, CMD, _("direction: missing; nothing recorded"));
	if (!booth_id)
		return cli_error(CLI_USAGE, CMD, _("--booth is required"));
	if (!mrzpath == !have_person)
		return cli_error(CLI_USAGE, CMD, _("give the traveller: --mrz FILE, or the fields "
				 "(--doc-number, --surname ...), not both"));
	reg.refusal_codes = codes[0] ? codes : NULL;
	m = malloc(sizeof(*m));
	chk = malloc(sizeof(*chk));
	res = malloc(sizeof(*res));
	if (!m || !chk || !res) {
		rc = cli_error(CLI_USAGE, CMD, _("out of memory"));
		goto out;
	}
	if (mrzpath) {
		if ((rc = read_mrz(mrzpath, m)))
			goto out;
		in.mrz = m;
	} else {
		in.manual = &person;
	}
	in.vehicle = have_vehicle ? &veh : NULL;
	reg.vehicle = have_vehicle ? &veh : NULL;
	if (!dir) {
		rc = cli_error(CLI_USAGE, CMD, _("--post DIR is required"));
		goto out;
	}
	/* The crossing is the logged-in officer's: no one else's name on it. */
	if ((rc = cli_authenticate(CMD, dir, TIMS_ROLE_OFFICER, &actor)))
		goto out;
	if (officer && strcmp(officer, actor.who.id) != 0) {
		rc = cli_error(CLI_FAIL, CMD, _("--officer %s: logged in as %s; a crossing is "
			       "registered by the officer logged in; nothing recorded"), officer,
			       actor.who.id);
		goto out;
	}
	officer = actor.who.id;
	{
		json_t *q = json_pack("{s:s, s:s, s:s}", "document", mrzpath ? m->document_number :
				      person.doc_number, "direction",
				      tims_direction_name(reg.direction), "booth", booth_id);
		char *text = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		json_decref(q);
		rc = text ? cli_audit(&actor, CMD, "cli.cross", "", text)
			  : cli_error(CLI_USAGE, CMD, _("out of memory"));
		free(text);
		if (rc)
			goto out;
	}
	if (tims_booth_config_read(dir, &cfg, &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
		goto out;
	}
	cfg.max_checks = 16;
	if ((rc = open_post(dir, &p)) || (rc = open_lists(dir, &wl, &ix)))
		goto out;
	env = (struct tims_booth_env){ p, wl, ix, NULL, NULL };
	if (tims_booth_new(&cfg, &booth, &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
		goto out;
	}
	{
		struct tims_booth_who who = { officer, booth_id, 0 };

		if (tims_booth_check(booth, &env, &who, &in, chk, &err)) {
			rc = cli_error(CLI_FAIL, CMD, _("%s; nothing recorded"), tims_err_msg(&err));
			goto out;
		}
		for (size_t i = 0; i < chk->screening.nhits; i++)
			fprintf(stderr, _("tims %s: hit: %s %s/%s (%s)%s\n"), CMD,
				tims_wl_part_name(chk->screening.hits[i].part),
				chk->screening.hits[i].list, chk->screening.hits[i].ref,
				chk->screening.hits[i].alert,
				chk->screening.hits[i].discreet ? _(" discreet") : "");
		if (chk->screen_status == TIMS_SCREEN_FAILED)
			fprintf(stderr, _("tims %s: screening failed: %s\n"), CMD, chk->screen_error);
		if (mrzpath && !chk->valid)
			fprintf(stderr, _("tims %s: the MRZ is not valid (check digits)\n"), CMD);
		reg.check_id = chk->id;
		if (tims_booth_register(booth, &env, &who, &reg, NULL, NULL, res, &err) &&
		    res->ack.rc) {
			rc = cli_error(CLI_USAGE, CMD, _("%s; nothing recorded"), tims_err_msg(&err));
			goto out;
		}
	}
	if (res->refused) {
		rc = cli_error(CLI_FAIL, CMD, _("%s; nothing recorded"), tims_err_msg(&err));
		goto out;
	}
	if (res->ack.rc) {
		rc = cli_error(CLI_FAIL, CMD, _("%s; nothing recorded"), res->ack.msg);
		goto out;
	}
	if (as_json) {
		struct tims_buf hex = TIMS_BUF_INIT(128);

		tims_buf_addhex(&hex, res->ack.leaf, TIMS_HASH_BYTES);
		printf("{\"index\":%" PRIu64 ",\"leaf_hash\":\"%s\",\"duplicate\":%s}\n", /* i18n: machine */
		       res->ack.index, tims_buf_str(&hex), res->ack.duplicate ? "true" : "false"); /* i18n: machine */
		tims_buf_release(&hex);
	} else {
		print_ack(0, &res->ack);
	}
	fflush(stdout);
	/* Sign the tree now so that this crossing is covered at once. */
	rc = CLI_OK;
	if (tims_post_checkpoint(p, &issued, &err))
		rc = cli_error(CLI_USAGE, CMD, _("recorded, but no checkpoint: %s"),
			       tims_err_msg(&err));
out:
	tims_booth_free(booth);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	free(m);
	free(chk);
	free(res);
	tims_post_free(p);
	return rc;
}

/* ---- import ---- */

#define LR_BUF (2 * TIMS_RECORD_MAX_LINE + 2)

struct line_reader {
	int fd;
	char buf[LR_BUF];
	size_t start, end;
	int eof;
	size_t lineno;
};

enum { LR_LINE, LR_EOF, LR_WAIT, LR_TOOLONG, LR_ERROR };

/*
 * The next line (without its "\n"); LR_WAIT instead of blocking when
 * !may_block and no complete line is buffered or readable at once.
 */
static int next_line(struct line_reader *lr, char **line, size_t *len,
		     int may_block)
{
	int toolong = 0;

	for (;;) {
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		ssize_t n;

		if (nl) {
			*line = lr->buf + lr->start;
			*len = (size_t)(nl - *line);
			lr->start = (size_t)(nl - lr->buf) + 1;
			lr->lineno++;
			if (toolong)
				return LR_TOOLONG;
			if (*len && (*line)[*len - 1] == '\r')
				(*len)--;
			(*line)[*len] = '\0';
			return LR_LINE;
		}
		if (lr->eof) {
			if (lr->start == lr->end && !toolong)
				return LR_EOF;
			*line = lr->buf + lr->start;
			*len = lr->end - lr->start;
			lr->start = lr->end;
			lr->lineno++;
			if (toolong)
				return LR_TOOLONG;
			(*line)[*len] = '\0';
			return LR_LINE;
		}
		if (lr->end - lr->start > TIMS_RECORD_MAX_LINE) {
			/* Past the ceiling: drop what we have, skip to "\n". */
			toolong = 1;
			lr->start = lr->end = 0;
		}
		if (lr->start) {
			memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		if (!may_block && !toolong) {
			struct pollfd pfd = { lr->fd, POLLIN, 0 };

			if (poll(&pfd, 1, 0) == 0)
				return LR_WAIT;
		}
		n = read(lr->fd, lr->buf + lr->end, LR_BUF - 1 - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return LR_ERROR;
		if (n == 0)
			lr->eof = 1;
		lr->end += (size_t)n;
	}
}

struct batch {
	struct tims_record recs[TIMS_POST_MAX_BATCH];
	struct tims_post_ack acks[TIMS_POST_MAX_BATCH];
	size_t lines[TIMS_POST_MAX_BATCH];
	size_t n;
};

struct import_stats {
	uint64_t stored, duplicates, refused;
};

static int commit_batch(struct tims_post *p, struct batch *b,
			struct import_stats *s)
{
	struct tims_err err;
	tims_rc rc;
	int status = CLI_OK;

	if (!b->n)
		return CLI_OK;
	rc = tims_post_append(p, b->recs, b->n, b->acks, &err);
	for (size_t i = 0; i < b->n; i++) {
		struct tims_post_ack *a = &b->acks[i];
		if (a->rc) {
			if (!rc || a->rc != rc) {
				fprintf(stderr, _("tims %s: line %zu: %s\n"), CMD,
					b->lines[i], a->msg);
				s->refused++;
			}
			continue;
		}
		print_ack(b->lines[i], a);
		if (a->duplicate)
			s->duplicates++;
		else
			s->stored++;
	}
	/* Every ack above follows a durable commit; make it visible now. */
	fflush(stdout);
	if (rc)
		status = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	b->n = 0;
	return status;
}

static int cross_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct line_reader *lr = NULL;
	struct batch *b = NULL;
	struct import_stats st = { 0, 0, 0 };
	struct cli_progress bar = { NULL, 0, 0, 0 };
	struct tims_post *p = NULL;
	struct cli_actor actor;
	struct tims_err err;
	const char *dir = NULL;
	uint64_t max_batch = 64;
	int c, rc = CLI_USAGE, issued;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 'b':
			if (tims_parse_u64(optarg, TIMS_POST_MAX_BATCH, &max_batch,
					   "--batch", &err) || !max_batch)
				return cli_error(CLI_USAGE, CMD,
						 _("--batch: want 1-%d"), TIMS_POST_MAX_BATCH);
			break;
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_error(CLI_USAGE, CMD, _("import: want one FILE (or - for standard input)"));
	lr = calloc(1, sizeof(*lr));
	b = calloc(1, sizeof(*b));
	if (!lr || !b) {
		rc = cli_error(CLI_USAGE, CMD, _("out of memory"));
		goto out;
	}
	lr->fd = strcmp(argv[optind], "-") ? open(argv[optind], O_RDONLY | O_CLOEXEC)
					   : STDIN_FILENO;
	if (lr->fd < 0) {
		rc = cli_error(CLI_USAGE, CMD, "%s: %s", argv[optind], strerror(errno));
		goto out;
	}
	if ((rc = cli_gate("cross import", dir, TIMS_ROLE_SUPERVISOR, "cli.cross.import", "",
			   json_pack("{s:s}", "file", argv[optind]), &actor)) ||
	    (rc = open_post(dir, &p)))
		goto out;
	cli_progress_start(&bar, _("crossings imported"), 0);
	for (;;) {
		char *line = NULL;
		size_t len = 0;
		int r = next_line(lr, &line, &len, b->n == 0);

		cli_progress_update(&bar, st.stored + st.duplicates + st.refused);

		if (r == LR_WAIT || r == LR_EOF || b->n == max_batch) {
			if ((rc = commit_batch(p, b, &st)))
				goto out;
			if (r == LR_EOF)
				break;
			if (r == LR_WAIT)
				continue;
		}
		if (r == LR_ERROR) {
			rc = cli_error(CLI_USAGE, CMD, "%s: %s", argv[optind], strerror(errno));
			goto out;
		}
		if (r == LR_TOOLONG) {
			fprintf(stderr, _("tims %s: line %zu: longer than %d bytes\n"), CMD,
				lr->lineno, TIMS_RECORD_MAX_LINE);
			st.refused++;
			continue;
		}
		if (r != LR_LINE)
			continue;
		if (!len || strspn(line, " \t") == len)
			continue; /* blank line */
		if (tims_record_from_json(line, len, &b->recs[b->n], &err) ||
		    tims_record_check_import(&b->recs[b->n], &err)) {
			fprintf(stderr, _("tims %s: line %zu: %s\n"), CMD, lr->lineno,
				tims_err_msg(&err));
			st.refused++;
			continue;
		}
		/* A correction is compared with the record it corrects, which
		 * may be in this batch: store the batch first. */
		if (b->recs[b->n].corrects != TIMS_RECORD_NO_INDEX && b->n) {
			size_t k = b->n;

			if ((rc = commit_batch(p, b, &st)))
				goto out;
			b->recs[0] = b->recs[k];
		}
		if (same_person(p, &b->recs[b->n], &err)) {
			fprintf(stderr, _("tims %s: line %zu: %s\n"), CMD, lr->lineno,
				tims_err_msg(&err));
			st.refused++;
			continue;
		}
		b->lines[b->n++] = lr->lineno;
		if (b->n == max_batch && (rc = commit_batch(p, b, &st)))
			goto out;
	}
	cli_progress_done(&bar, st.stored + st.duplicates + st.refused);
	if (tims_post_checkpoint(p, &issued, &err))
		rc = cli_error(CLI_USAGE, CMD, _("no checkpoint: %s"), tims_err_msg(&err));
	fprintf(stderr, _("tims %s: %" PRIu64 " stored, %" PRIu64 " already stored, %"
		PRIu64 " refused\n"), CMD, st.stored, st.duplicates, st.refused);
	if (!rc && st.refused)
		rc = CLI_FAIL;
out:
	if (lr && lr->fd > STDIN_FILENO)
		close(lr->fd);
	free(lr);
	free(b);
	tims_post_free(p);
	return rc;
}

int cmd_cross(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--commands")) {
		puts("cross\ncross import"); /* as cli_dispatch lists its tables; i18n: machine */
		return CLI_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "import"))
		return cross_import(argc - 1, argv + 1);
	return cross_one(argc, argv);
}
