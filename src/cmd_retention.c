/*
 * cmd_retention.c — `tims retention`: erase what has been kept as long as
 * the law says (docs/retention.md, G8).
 *
 *   tims retention run DIR [--dry-run]
 *
 * DIR is a post's directory or the centre's. The periods are DIR's
 * retention.conf (the defaults of etc/retention.conf when there is none).
 * An administrator logged in at DIR; the command is in DIR's audit log
 * before it acts, and what it erased (counts per kind, no personal data)
 * after. At a post, the centre is told (a "retention" event). --dry-run
 * prints what would go and changes nothing. The nodes' timers run the same
 * code every `interval`.
 */
#include <getopt.h>
#include <jansson.h>
#include <time.h>

#include "cli.h"
#include "tims/audit.h"
#include "tims/centre.h"
#include "tims/event.h"
#include "tims/post.h"
#include "tims/prescreen.h"
#include "tims/retention.h"
#include "tims/util.h"

#define CMD "retention"

static const char usage[] =
	N_("usage: tims retention run DIR [--dry-run]\n"
	"\n"
	"Erase, at the post or the centre in DIR, the crossings and audit events\n"
	"whose retention period has run out (DIR/retention.conf, else the\n"
	"defaults: Reg. (EU) 2017/2226 Art. 34 and 46): their payload and salt go,\n"
	"their leaves stay, so every log still verifies. Prints what was erased\n"
	"(counts per kind and the cutoffs, JSON). --dry-run prints what would go\n"
	"and changes nothing. An administrator logged in at DIR; audited.\n");

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_post(const char *dir, const struct tims_retention_policy *pol, int dry,
		    struct tims_retention_report *r)
{
	struct tims_post *p = NULL;
	struct tims_audit *a = NULL;
	struct tims_err err;
	tims_rc rc;

	if (tims_post_open(dir, TIMS_POST_READ, &p, &err) ||
	    tims_audit_open(dir, TIMS_AUDIT_READ, &a, &err)) {
		tims_post_free(p);
		return cli_error(CLI_USAGE, CMD, _("run: %s"), err.msg);
	}
	rc = tims_retention_run_post(p, a, pol, wall_ms(), dry, r, &err);
	tims_audit_free(a);
	tims_post_free(p);
	if (rc)
		return cli_error(CLI_USAGE, CMD, _("run: %s"), err.msg);
	if (!dry) {
		/* an airport post's passenger lists: travellers and links without
		 * a hit, 48 hours after arrival (tims/prescreen.h) */
		uint64_t pre = 0;

		if (tims_prescreen_expire(dir, wall_ms(), &pre, &err))
			return cli_error(CLI_USAGE, CMD, _("run: %s"), err.msg);
		if (pre)
			tims_retention_report_count(r, TIMS_PRESCREEN_DB, pre);
	}
	if (!dry && tims_retention_erased(r)) {
		struct tims_post_events *q = NULL;
		struct tims_event ev;
		uint64_t seq;

		tims_retention_event(r, &ev);
		if (tims_post_events_open(dir, &q, &err) || tims_post_event_add(q, &ev, &seq, &err)) {
			tims_post_events_close(q);
			return cli_error(CLI_USAGE, CMD, _("run: erased, but the event for the centre "
					 "was not queued: %s"), err.msg);
		}
		tims_post_events_close(q);
	}
	return CLI_OK;
}

static int run_centre(const char *dir, const struct tims_retention_policy *pol, int dry,
		      struct tims_retention_report *r)
{
	struct tims_centre *c = NULL;
	struct tims_err err;
	tims_rc rc;

	if (tims_centre_open(dir, &c, &err))
		return cli_error(CLI_USAGE, CMD, _("run: %s"), err.msg);
	rc = tims_centre_retention(c, pol, wall_ms(), dry, r, &err);
	tims_centre_free(c);
	if (rc)
		return cli_error(CLI_USAGE, CMD, _("run: %s"), err.msg);
	return CLI_OK;
}

static int r_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_retention_policy pol;
	struct tims_retention_report rep;
	struct cli_actor who;
	struct tims_err err;
	const char *dir;
	char *json;
	int c, dry = 0, kind, rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c != 'n') {
			fputs(_(usage), stderr);
			return CLI_USAGE;
		}
		dry = 1;
	}
	if (optind + 1 != argc)
		return cli_error(CLI_USAGE, CMD, _("run: want DIR [--dry-run]"));
	dir = argv[optind];
	if ((kind = cli_node_kind(dir)) == CLI_NODE_NONE)
		return cli_error(CLI_USAGE, CMD, _("run: %s: neither a post nor the centre"), dir);
	/* a configuration that does not parse stops the run before anyone
	 * is asked to log in: nothing is erased by a period misread */
	if (tims_retention_policy_load(dir, &pol, &err))
		return cli_error(CLI_USAGE, CMD, _("run: %s"), err.msg);
	if ((rc = cli_gate("retention run", dir, TIMS_ROLE_ADMIN, "cli.retention.run", "",
			   json_pack("{s:b}", "dry_run", dry), &who)))
		return rc;
	rc = kind == CLI_NODE_POST ? run_post(dir, &pol, dry, &rep)
				   : run_centre(dir, &pol, dry, &rep);
	if (rc)
		return rc;
	if (!(json = tims_retention_report_json(&pol, &rep)))
		return cli_error(CLI_USAGE, CMD, _("run: out of memory"));
	/* what was erased, in the audit log (counts and times only) */
	if (!dry && (rc = cli_audit(&who, "retention run", "retention.run", "retention", json))) {
		free(json);
		return rc;
	}
	printf("%s\n", json);
	free(json);
	return CLI_OK;
}

static const struct cli_command retention_commands[] = {
	{ "run", r_run, "erase what has been kept as long as the law says (--dry-run: show it)" },
};

int cmd_retention(int argc, char **argv)
{
	return cli_dispatch(CMD, retention_commands, TIMS_ARRAY_SIZE(retention_commands), usage,
			    argc, argv);
}
