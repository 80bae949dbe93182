/*
 * cmd_log.c — `tims log`: a post's own log, checked and signed on demand.
 *
 *   tims log verify --post DIR [--log-only]  recompute everything, name what differs
 *   tims log checkpoint --post DIR   sign the current tree now, print it
 *
 * verify exits 0 when the log is intact, 1 when anything was found (each
 * finding on its own line, naming the record or checkpoint), 2 when it
 * could not run. It needs only post.vkey, never the secret key.
 */
#include <getopt.h>

#include "cli.h"
#include "tims/post.h"
#include "tims/util.h"

static const char usage[] =
	N_("usage: tims log verify --post DIR [--log-only]\n"
	"   or: tims log checkpoint --post DIR\n"
	"\n"
	"  verify      recompute every leaf from its record, every stored hash,\n"
	"              every checkpoint's root and signature and the consistency\n"
	"              between them; exit 0 valid, 1 tampering found, 2 error.\n"
	"              The records are sealed: opening them needs the post's key\n"
	"              token (exit 2 without it). --log-only: the leaf entries,\n"
	"              stored hashes and checkpoints alone, which need no key\n"
	"  checkpoint  sign a checkpoint of the current log now and print it\n");

static int log_only;

static const char *post_dir(int argc, char **argv, const char *cmd)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "log-only", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	int c;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		exit(CLI_OK);
	}
	optind = 1;
	opterr = 0;
	log_only = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l' && !strcmp(cmd, "verify")) {
			log_only = 1;
			continue;
		}
		if (c != 'p') {
			cli_error(CLI_USAGE, "log", _("%s: unknown or incomplete option '%s'"),
				  cmd, argv[optind - 1]);
			return NULL;
		}
		dir = optarg;
	}
	if (!dir || optind != argc) {
		cli_error(CLI_USAGE, "log", _("%s: want --post DIR and nothing else"), cmd);
		return NULL;
	}
	return dir;
}

static void print_finding(void *ctx, const char *msg)
{
	(void)ctx;
	printf("%s\n", msg);
}

static int log_verify(int argc, char **argv)
{
	const char *dir = post_dir(argc, argv, "verify");
	struct tims_post_verify_stats st;
	struct tims_post *p;
	struct tims_err err;
	tims_rc rc;

	if (!dir)
		return CLI_USAGE;
	if (tims_post_open(dir, TIMS_POST_READ, &p, &err))
		return cli_error(CLI_USAGE, "log", _("verify: %s"), tims_err_msg(&err));
	rc = log_only ? tims_post_verify_log(p, print_finding, NULL, &st, &err)
		      : tims_post_verify(p, print_finding, NULL, &st, &err);
	tims_post_free(p);
	if (rc && rc != TIMS_ERR_TAMPER)
		return cli_error(CLI_USAGE, "log", _("verify: %s"), tims_err_msg(&err));
	printf(_("%s: %" PRIu64 " records (%" PRIu64 " erased), %" PRIu64
	       " checkpoints (largest size %" PRIu64 ")%s: %s\n"), dir, st.records,
	       st.erased, st.checkpoints, st.signed_size,
	       log_only ? _(", log only (records not opened)") : "",
	       rc ? _("TAMPERING FOUND") : _("ok"));
	if (rc)
		fprintf(stderr, _("tims log: verify: %" PRIu64 " findings\n"), st.findings);
	return rc ? CLI_FAIL : CLI_OK;
}

static int log_checkpoint(int argc, char **argv)
{
	const char *dir = post_dir(argc, argv, "checkpoint");
	struct tims_buf note;
	struct tims_checkpoint cp;
	struct tims_post *p;
	struct tims_err err;
	int issued, rc = CLI_OK;

	if (!dir)
		return CLI_USAGE;
	if (tims_post_open(dir, TIMS_POST_WRITE, &p, &err))
		return cli_error(err.rc == TIMS_ERR_TAMPER ? CLI_FAIL : CLI_USAGE, "log",
				 _("checkpoint: %s"), tims_err_msg(&err));
	if (tims_post_checkpoint(p, &issued, &err) ||
	    tims_post_latest_checkpoint(p, &note, &cp, &err)) {
		rc = cli_error(err.rc == TIMS_ERR_TAMPER ? CLI_FAIL : CLI_USAGE, "log",
			       _("checkpoint: %s"), tims_err_msg(&err));
	} else {
		fwrite(note.buf, 1, note.len, stdout);
		tims_buf_release(&note);
	}
	tims_post_free(p);
	return rc;
}

static const struct cli_command log_commands[] = {
	{ "verify", log_verify, "check the whole log" },
	{ "checkpoint", log_checkpoint, "sign the current tree now" },
};

int cmd_log(int argc, char **argv)
{
	return cli_dispatch("log", log_commands, TIMS_ARRAY_SIZE(log_commands),
			    usage, argc, argv);
}
