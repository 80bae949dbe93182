/*
 * cmd_post.c — `tims post`: the post node's commands.
 *
 *   tims post init DIR [--origin NAME] [--name NAME] [--kind land|port|airport]
 *
 * init creates the post directory (docs/formats.md): keys, database, config,
 * stay regimes, and the first (empty) signed checkpoint. It refuses to touch
 * a directory that already holds a post. `serve` comes with the post node
 * service (issue 5).
 */
#include <getopt.h>
#include <libgen.h>

#include "cli.h"
#include "tims/post.h"
#include "tims/util.h"

static const char usage[] =
	"usage: tims post init DIR [--origin NAME] [--name NAME] [--kind land|port|airport]\n"
	"\n"
	"  init   create a post: Ed25519 key pair (post.skey, mode 0600, and\n"
	"         post.vkey), post.db, config, stay-regimes.conf and the first\n"
	"         signed checkpoint. The origin names the log in its checkpoints\n"
	"         (default tims/post/<name>); the name defaults to DIR's last part.\n";

static int post_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "kind", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *origin = NULL, *name = NULL, *kind = "land";
	char base[256], def_origin[300];
	struct tims_err err;
	int c;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': origin = optarg; break;
		case 'n': name = optarg; break;
		case 'k': kind = optarg; break;
		default:
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, "post", "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return cli_error(CLI_USAGE, "post", "init: want one DIR");
	}
	snprintf(base, sizeof(base), "%s", argv[optind]);
	if (!name)
		name = basename(base);
	if (!origin) {
		snprintf(def_origin, sizeof(def_origin), "tims/post/%s", name);
		origin = def_origin;
	}
	if (tims_post_init(argv[optind], origin, name, kind, &err))
		return cli_error(err.rc == TIMS_ERR_INVALID ? CLI_USAGE : CLI_USAGE,
				 "post", "init: %s", tims_err_msg(&err));
	printf("post %s initialised in %s (origin %s, kind %s)\n", name,
	       argv[optind], origin, kind);
	return CLI_OK;
}

static const struct cli_command post_commands[] = {
	{ "init", post_init, "create a post directory" },
};

int cmd_post(int argc, char **argv)
{
	return cli_dispatch("post", post_commands, TIMS_ARRAY_SIZE(post_commands),
			    usage, argc, argv);
}
