/*
 * cmd_post.c — `tims post`: the post node's commands.
 *
 *   tims post init DIR [--origin NAME] [--name NAME] [--kind land|port|airport]
 *   tims post serve DIR [--listen ADDR] [--port N] [--cert F --key F] [--web DIR]
 *
 * init creates the post directory (docs/formats.md): keys, database, config,
 * stay regimes, and the first (empty) signed checkpoint. It refuses to touch
 * a directory that already holds a post. serve runs the post node: the HTTPS
 * API and the booth console (tims/node.h), until SIGINT or SIGTERM.
 */
#include <getopt.h>
#include <libgen.h>

#include "cli.h"
#include <pthread.h>
#include <signal.h>

#include "tims/node.h"
#include "tims/post.h"
#include "tims/util.h"

static const char usage[] =
	"usage: tims post init DIR [--origin NAME] [--name NAME] [--kind land|port|airport]\n"
	"\n"
	"  init   create a post: Ed25519 key pair (post.skey, mode 0600, and\n"
	"         post.vkey), post.db, config, stay-regimes.conf and the first\n"
	"         signed checkpoint. The origin names the log in its checkpoints\n"
	"         (default tims/post/<name>); the name defaults to DIR's last part.\n"
	"\n"
	"usage: tims post serve DIR [--listen ADDR] [--port N] [--cert FILE --key FILE]\n"
	"                           [--web DIR] [--threads N]\n"
	"\n"
	"  serve  run the post node: the HTTPS JSON API (/api/v1, docs/api.md) and\n"
	"         the booth console (--web, the web/ folder). Listens on 127.0.0.1\n"
	"         and a free port unless told otherwise; prints the address once\n"
	"         ready; stops on SIGINT or SIGTERM after signing a last checkpoint.\n"
	"         Without --cert/--key it uses DIR/tls.crt and DIR/tls.key, making a\n"
	"         self-signed localhost certificate there the first time.\n";

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

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "tims post serve: %s\n", line);
}

static int post_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "web", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_node_config cfg;
	struct tims_node *node;
	struct tims_err err;
	sigset_t set;
	uint64_t v;
	int c, sig;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = "127.0.0.1";
	cfg.pw_cost = TIMS_PW_COST_INTERACTIVE;
	cfg.log = log_line;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': cfg.listen = optarg; break;
		case 'c': cfg.cert_file = optarg; break;
		case 'k': cfg.key_file = optarg; break;
		case 'w': cfg.web_dir = optarg; break;
		case 'p': case 't':
			if (tims_parse_u64(optarg, c == 'p' ? 65535 : 64, &v,
					   c == 'p' ? "--port" : "--threads", &err))
				return cli_error(CLI_USAGE, "post serve", "%s", err.msg);
			if (c == 'p')
				cfg.port = (uint16_t)v;
			else
				cfg.threads = (unsigned)v;
			break;
		default:
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, "post serve", "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return cli_error(CLI_USAGE, "post serve", "want one post directory");
	}
	if (!cfg.cert_file != !cfg.key_file)
		return cli_error(CLI_USAGE, "post serve", "--cert and --key go together");
	cfg.dir = argv[optind];
	/* Block the stop signals in every thread; this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tims_node_start(&cfg, &node, &err))
		return cli_error(CLI_USAGE, "post serve", "%s", tims_err_msg(&err));
	printf("listening on https://%s:%u/\n", cfg.listen, tims_node_port(node));
	fflush(stdout);
	sigwait(&set, &sig);
	fprintf(stderr, "tims post serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	tims_node_stop(node);
	return CLI_OK;
}

static const struct cli_command post_commands[] = {
	{ "init", post_init, "create a post directory" },
	{ "serve", post_serve, "run the post node (HTTPS API and booth console)" },
};

int cmd_post(int argc, char **argv)
{
	return cli_dispatch("post", post_commands, TIMS_ARRAY_SIZE(post_commands),
			    usage, argc, argv);
}
