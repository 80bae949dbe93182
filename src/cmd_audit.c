/*
 * cmd_audit.c — `tims audit`: the auditor's view of a node's audit log (G5).
 *
 *   tims audit list (--post DIR | --centre DIR) [--from N] [--count N] [--json]
 *   tims audit verify (--post DIR | --centre DIR)
 *
 * list prints the events (who, when, from where, why, what was asked and
 * what was returned); verify recomputes every leaf, stored hash and
 * checkpoint and names what does not match (exit 1), as `tims log verify`
 * does for the crossing log. Neither changes anything.
 *
 * list shows personal data and who read it: an auditor logged in at the
 * node (tims login), and the reading is itself an audit event. verify shows
 * no event's content and needs no account: anyone may check a log.
 */
#include <getopt.h>
#include <jansson.h>

#include "cli.h"
#include "cmd_audit_reset.h"
#include "tims/audit.h"
#include "tims/mlog.h"
#include "tims/record.h"
#include "tims/util.h"

#define CMD "audit"

static const char usage[] =
	N_("usage: tims audit list (--post DIR | --centre DIR) [--from N] [--count N] [--json]\n"
	"       tims audit verify (--post DIR | --centre DIR)\n"
	"       tims audit reset (--post DIR | --centre DIR) (--request --reason TEXT | --approve | --show)\n"
	"\n"
	"The audit log of a post (--post) or of the centre (--centre: national\n"
	"queries and the supervisor dashboard): one event for every request that\n"
	"read or wrote personal data. list shows the events; verify recomputes the\n"
	"log and its signed checkpoints and names any event altered, deleted or\n"
	"rolled back (exit 1). Neither changes anything.\n"
	"list needs an auditor logged in at DIR (tims login) and is itself audited;\n"
	"verify needs no account.\n");

struct opts {
	const char *post;
	int centre;      /* post is a centre directory */
	uint64_t from, count;
	int json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "centre", required_argument, NULL, 'C' },
		{ "from", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_err err;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 100;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': case 'C':
			if (o->post)
				return cli_error(CLI_USAGE, CMD, _("--post and --centre: one of them"));
			o->post = optarg;
			o->centre = c == 'C';
			break;
		case 'j': o->json = 1; break;
		case 'f': case 'c':
			if (tims_parse_u64(optarg, UINT64_MAX / 2, c == 'f' ? &o->from : &o->count,
					   c == 'f' ? "--from" : "--count", &err))
				return cli_error(CLI_USAGE, CMD, "%s", err.msg);
			break;
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!o->post || optind != argc) {
		fputs(_(usage), stderr);
		return cli_error(CLI_USAGE, CMD, _("want --post DIR or --centre DIR and nothing else"));
	}
	return CLI_OK;
}

/* A post's log, or the centre's: signed under the name in DIR/audit.vkey. */
static tims_rc open_log(const struct opts *o, struct tims_audit **a, struct tims_err *err)
{
	struct tims_verifier v;
	char path[4200];
	tims_rc rc;

	if (!o->centre)
		return tims_audit_open(o->post, TIMS_AUDIT_READ, a, err);
	snprintf(path, sizeof(path), "%s/audit.vkey", o->post);
	if ((rc = tims_mlog_load_keys(o->post, path, NULL, &v, NULL, err)))
		return rc;
	return tims_audit_open_keyed(o->post, v.name, "audit", TIMS_AUDIT_READ, a, err);
}

/* tims_audit_check_published for the log open_log opens. */
static tims_rc published(const struct opts *o, struct tims_err *err)
{
	struct tims_verifier v;
	char path[4200];
	tims_rc rc;

	if (!o->centre)
		return tims_audit_check_published(o->post, NULL, NULL, err);
	snprintf(path, sizeof(path), "%s/audit.vkey", o->post);
	if ((rc = tims_mlog_load_keys(o->post, path, NULL, &v, NULL, err)))
		return rc;
	return tims_audit_check_published(o->post, v.name, "audit", err);
}

static tims_rc print_event(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	const struct opts *o = ctx;
	struct tims_buf t = TIMS_BUF_INIT(64);

	tims_time_format(ev->time_ms, &t);
	if (o->json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s%, s:s%}",
			"index", (json_int_t)index, "time", tims_buf_str(&t), "actor", ev->actor,
			"role", ev->role, "booth", ev->booth, "addr", ev->addr, "action", ev->action,
			"purpose", ev->purpose, "status", ev->status,
			"query", ev->query ? ev->query : "", ev->query ? ev->query_len : 0,
			"result", ev->result ? ev->result : "", ev->result ? ev->result_len : 0);
		char *s;

		if (j && ev->crossing >= 0)
			json_object_set_new(j, "crossing", json_integer(ev->crossing));
		s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (s)
			puts(s);
		free(s);
		json_decref(j);
	} else {
		printf("%6" PRIu64 "  %s  %-13s %-10s %-8s %-6s %-15s %3d", index, tims_buf_str(&t),
		       ev->action, ev->actor, ev->role, ev->booth, ev->addr, ev->status);
		if (ev->crossing >= 0)
			printf(_("  crossing %" PRId64), ev->crossing);
		if (ev->purpose[0])
			printf(_("  purpose \"%s\""), ev->purpose);
		if (ev->query)
			printf(_("\n        asked %.*s"), (int)ev->query_len, ev->query);
		if (ev->result)
			printf(_("\n        shown %.*s"), (int)ev->result_len, ev->result);
		putchar('\n');
	}
	tims_buf_release(&t);
	return TIMS_OK;
}

static int a_list(int argc, char **argv)
{
	struct cli_actor who;
	struct tims_audit *a;
	struct tims_err err;
	struct opts o;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if ((rc = parse(argc, argv, &o)))
		return rc;
	if ((rc = cli_gate("audit list", o.post, TIMS_ROLE_AUDITOR, "cli.audit.list", "",
			   json_pack("{s:I, s:I}", "from", (json_int_t)o.from,
				     "count", (json_int_t)o.count), &who)))
		return rc;
	if (open_log(&o, &a, &err))
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	if (tims_audit_list(a, o.from, o.count, print_event, &o, &err))
		rc = cli_error(CLI_FAIL, CMD, "%s", tims_err_msg(&err));
	tims_audit_free(a);
	return rc;
}

static void print_finding(void *ctx, const char *f)
{
	(void)ctx;
	printf("%s\n", f);
}

static int a_verify(int argc, char **argv)
{
	struct tims_audit_verify_stats st;
	struct tims_audit *a;
	struct tims_err err;
	struct opts o;
	tims_rc v;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if ((rc = parse(argc, argv, &o)))
		return rc;
	if (open_log(&o, &a, &err)) {
		/* No audit.db where one was published is a finding, not a usage error. */
		if (err.rc == TIMS_ERR_NOTFOUND && published(&o, &err) == TIMS_ERR_TAMPER) {
			printf(_("%s\n%s: TAMPERING FOUND\n"), err.msg, o.post);
			return CLI_FAIL;
		}
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	}
	v = tims_audit_verify(a, print_finding, NULL, &st, &err);
	tims_audit_free(a);
	if (v && v != TIMS_ERR_TAMPER)
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	/* The log is the one the node recorded as published (docs/audit.md). */
	if (published(&o, &err) == TIMS_ERR_TAMPER) {
		printf("%s\n", err.msg);
		st.findings++;
		v = TIMS_ERR_TAMPER;
	}
	printf(_("%s: %" PRIu64 " audit events (%" PRIu64 " erased), %" PRIu64 " checkpoints: %s\n"),
	       o.post, st.events, st.erased, st.checkpoints, v ? _("TAMPERING FOUND") : _("ok"));
	return v ? CLI_FAIL : CLI_OK;
}

static const struct cli_command audit_commands[] = {
	{ "list", a_list, "show the audit events" },
	{ "verify", a_verify, "recompute the audit log and name what does not match" },
	{ "reset", cmd_audit_reset, "start a new audit log: two people (admin and auditor)" },
};

int cmd_audit(int argc, char **argv)
{
	return cli_dispatch(CMD, audit_commands, TIMS_ARRAY_SIZE(audit_commands), usage,
			    argc, argv);
}
