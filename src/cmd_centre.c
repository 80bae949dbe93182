/*
 * cmd_centre.c — `tims centre`: the national centre (docs/centre.md).
 *
 *   tims centre init DIR [--name NAME] [--store URI] [--host HOST ...]
 *                        [--token URI] [--key-token URI]
 *   tims centre serve DIR [--listen ADDR] [--port N] [--config FILE] [--log-level L]
 *                         [--user NAME] [--sandbox enforce|log]
 *   tims centre enrol-post DIR NAME --vkey POST.vkey --url CENTRE_URL --out OUTDIR
 *                          [--host HOST ...]
 *   tims centre renew-post DIR NAME --url CENTRE_URL --out OUTDIR [--host HOST ...]
 *   tims centre revoke-post DIR NAME
 *   tims centre posts DIR
 *   tims centre events DIR
 *   tims centre isolate DIR | rejoin DIR
 *   tims centre rebuild DIR --from-posts NAME=URL [NAME=URL ...]
 *   tims centre verify DIR
 *   tims centre reindex DIR
 *   tims centre officer totp-rotate DIR OFFICER
 *
 * Exit status: 0 done, 1 a check failed (verify, rebuild with losses),
 * 2 usage, I/O or network error.
 */
#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <sqlite3.h>
#include <time.h>

#include "cli.h"
#include "serve_conf.h"
#include "serve_sandbox.h"
#include "tims/signer.h"
#include "tims/bundle.h"
#include "tims/centre.h"
#include "tims/cstore.h"
#include "tims/export.h"
#include "tims/mlog.h"
#include "tims/notify.h"
#include "tims/officer.h"
#include "tims/record.h"
#include "tims/revocation.h"
#include "tims/util.h"

#define MAX_HOSTS 16

/* Two parts: C17 promises string literals of 4095 bytes, not more. */
static const char usage_a[] =
	N_("usage: tims centre init DIR [--name NAME] [--store URI] [--host HOST ...]\n"
	"                        [--token URI] [--key-token URI]\n"
	"   or: tims centre serve DIR [--listen ADDR] [--port N] [--web DIR]\n"
	"                  [--lang en|sq] [--config FILE] [--log-level LEVEL] [--user NAME]\n"
	"                  [--sandbox enforce|log] [--api-inbox DIR]\n"
	"   or: tims centre enrol-post DIR NAME --vkey FILE --url URL --out DIR\n"
	"                  [--host HOST ...]\n"
	"   or: tims centre renew-post DIR NAME --url URL --out DIR [--host HOST ...]\n"
	"   or: tims centre revoke-post DIR NAME\n"
	"   or: tims centre rotate-key DIR cosigner|bundle [--overlap-days N]\n"
	"   or: tims centre revoke post|witness|key|cert DIR NAME|VKEY_FILE|SERIAL\n"
	"   or: tims centre revocations DIR --out FILE\n"
	"   or: tims centre ca rollover DIR [--key-token URI] | ca retire DIR\n"
	"   or: tims centre renew-cert DIR\n"
	"   or: tims centre posts DIR\n"
	"   or: tims centre events DIR\n"
	"   or: tims centre isolate DIR\n"
	"   or: tims centre rejoin DIR\n"
	"   or: tims centre add-witness DIR --vkey FILE\n"
	"   or: tims centre audit-witness DIR --url URL --ca FILE --vkey FILE\n"
	"   or: tims centre rebuild DIR --from-posts NAME=URL [NAME=URL ...]\n"
	"   or: tims centre verify DIR\n"
	"   or: tims centre reindex DIR\n"
	"   or: tims centre bundle DIR --list NAME [--since N] --out FILE\n"
	"   or: tims centre bundle DIR --officers POST --out FILE\n"
	"   or: tims centre bundle DIR --arrivals POST --out FILE\n"
	"   or: tims centre assign DIR OFFICER (--post NAME | --all)\n"
	"   or: tims centre unassign DIR OFFICER (--post NAME | --all)\n"
	"   or: tims centre officer totp-rotate DIR OFFICER\n"
	"   or: tims centre query DIR KIND --purpose TEXT [options]\n"
	"   or: tims centre export request|approve|fetch|list|show DIR ...\n"
	"   or: tims centre audit-verify DIR\n"
	"   or: tims centre routes\n"
	"\n"
	"The national centre: it mirrors every enrolled post's log after checking\n"
	"each batch against the post's signed checkpoint, cosigns the checkpoints,\n"
	"indexes the records for national queries, and can be rebuilt from the\n"
	"posts.\n"
	"\n"
	"Who (docs/roles.md): init, serve, verify, audit-verify and routes need no\n"
	"account; query needs a supervisor or analyst, events a supervisor, posts\n"
	"any role but officer, every other command an admin, logged in at DIR\n"
	"(tims login --post DIR), and each is audited before it acts.\n"
	"\n");
static const char usage_b[] =
	N_("  init         make DIR: the centre's CA, its TLS certificates, its\n"
	"               cosigner key; --store a PostgreSQL URI for the query store\n"
	"               (default: SQLite in DIR/query.db); --host: a name or\n"
	"               address of the centre for its certificate (repeatable);\n"
	"               --token the PKCS#11 token of its vault (default $TIMS_TOKEN)\n"
	"               --key-token: the cosigner, bundle and audit keys in that\n"
	"               PKCS#11 token (docs/keys.md)\n"
	"  serve        the sync API over HTTPS, mutual TLS (default 127.0.0.1, any\n"
	"               free port; the URL is printed), and the supervisor\n"
	"               dashboard (--web, default web/dashboard beside the program)\n"
	"               for the centre's people (tims officer add --post DIR);\n"
	"               stops on SIGINT or SIGTERM. --config FILE: the options\n"
	"               (and dir) from a file such as /etc/tims/centre.conf\n"
	"               (tims.conf(5)); a flag overrides the file. --log-level\n"
	"               error|warning|notice|info|debug (default info). --user\n"
	"               NAME: the account to drop to once bound (root is refused\n"
	"               without it unless TIMS_ALLOW_ROOT=1; DIR must be NAME's).\n"
	"               --sandbox enforce (default) | log: a call outside the\n"
	"               seccomp allowlist kills the process, or is only logged\n"
	"               --api-inbox DIR: import the PAXLST files renamed into DIR\n"
	"               (not .NAME, not NAME.tmp) as tims api import does, then\n"
	"               move them to DIR/done, DIR/rejected (NAME.reason beside)\n"
	"               or, unscreened, DIR/held, retried (docs/operations.md)\n"
	"  enrol-post   enrol a post (its post.vkey) under NAME: issues its client\n"
	"               and server certificates (--host: the post's names) and\n"
	"               writes what the post needs to --out (tims post enrol)\n"
	"  renew-post   new certificates for an enrolled post; the old are revoked\n"
	"  revoke-post  refuse the post's certificates from its next request on\n"
	"  rotate-key   new cosigner or bundle key, announced under the old (docs/keys.md)\n"
	"  revoke       put a post (by name), a witness or any signing key (by its\n"
	"               .vkey file) or a certificate (by serial, hex) on the signed\n"
	"               revocation list that posts and witnesses check offline\n"
	"  revocations  write the current signed revocation list to FILE, for a\n"
	"               post or witness by hand (tims post apply-revocations)\n"
	"  ca           rollover: a new CA issues, the old stays trusted (its key\n"
	"               in --key-token, or where the old one's is); retire: the\n"
	"               old CA is trusted no more (restart serve after each)\n"
	"  renew-cert   renew the centre's server and client certificates (same\n"
	"               keys; lifetimes from DIR/certs.conf; restart serve)\n"
	"  posts        enrolled posts: records mirrored, signed size, last sync\n"
	"  events       refusals and other events (hostile or broken peers)\n"
	"  isolate      cut the running centre off: posts see it unreachable and\n"
	"               keep working; rejoin undoes it\n"
	"  add-witness  trust an independent witness's key (its witness.vkey) when\n"
	"               a rebuild checks the roots the posts kept cosigned\n"
	"  audit-witness  send the centre's audit checkpoints to a witness (its URL,\n"
	"               TLS certificate and witness.vkey; it must trust audit.vkey)\n"
	"  rebuild      pull each post's log back from its node (after a wipe of\n"
	"               the centre's data), verify it, and check the roots against\n"
	"               the cosigned checkpoints the posts kept\n");
static const char usage_c[] =
	N_("  verify       recompute every mirror from its records, and compare each\n"
	"               post's records in the query store with its mirror (the\n"
	"               ranges of records missing from the store are named)\n"
	"  reindex      add to the query store every record it lacks of the\n"
	"               mirrors (serve does it at start and after a failed commit)\n"
	"  bundle       the signed bundle of one of the centre's watchlists\n"
	"               (DIR/watchlists: tims watchlist import --store DIR/watchlists)\n"
	"               for carrying to a post by hand (tims post apply-bundle);\n"
	"               connected posts fetch bundles by themselves;\n"
	"               --since N: only what changed after version N (a delta);\n"
	"               --officers: the sealed roster of officer accounts for POST\n"
	"               --arrivals: the screened passenger lists of the flights\n"
	"               arriving at POST's airport (airports.conf), sealed for POST\n"
	"  assign       send an officer account of the centre's store to a post\n"
	"               (or to every post) in that post's roster; unassign stops\n"
	"               it, and the post disables the account at its next sync\n"
	"  officer      totp-rotate: a new TOTP secret for an account of the\n"
	"               centre's store, shown once (the password stays; the old\n"
	"               secret and the officer's sessions end); the posts it is\n"
	"               assigned to receive it with their next roster\n"
	"  query        a national query, recorded in the centre's audit log with\n"
	"               who is logged in and --purpose (required but for counts):\n"
	"                 history --doc N [--issuer XXX] [--on DATE]\n"
	"                 person --surname S [--given G] --dob DATE [--nationality XXX]\n"
	"                 search --surname S [--given G] [--dob YYYY[-MM[-DD]]]\n"
	"                        [--nationality XXX] [--limit N]: a person found by\n"
	"                        name as screening compares names (scripts,\n"
	"                        spellings, typos), one match per document\n"
	"                 present [--at TIME] [--offset N] [--limit N]\n"
	"                 overstays [--on DATE] [--limit N]\n"
	"                 counts --by post,hour,day,nationality,direction,decision\n"
	"                        [--from TIME] [--to TIME]\n"
	"               DATE is YYYY-MM-DD, TIME YYYY-MM-DDTHH:MM:SSZ (default now);\n"
	"               prints the answer as JSON (docs/cstore.md)\n"
	"  export       personal data beyond the daily limit (export.conf): one\n"
	"               person asks, a second of another role approves, sealed to\n"
	"               the recipient's key (tims centre export --help)\n"
	"  audit-verify check the centre's audit log (every leaf, root, signature)\n"
	"  routes       the centre's API routes, who may call each and the body it\n"
	"               takes, as JSON Lines (docs/openapi.json)\n");
/* the three parts in the language in use (a translation is longer) */
static char usage[3 * (sizeof(usage_a) + sizeof(usage_b) + sizeof(usage_c))];

static int wants_help(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 1;
	}
	return 0;
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

static int c_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "store", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'h' },
		{ "token", required_argument, NULL, 't' },
		{ "key-token", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = "tims-centre", *store = NULL, *hosts[MAX_HOSTS + 1] = { NULL };
	const char *token = NULL, *key_token = NULL;
	size_t nh = 0;
	struct tims_err err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 's')
			store = optarg;
		else if (c == 't')
			token = optarg;
		else if (c == 'K')
			key_token = optarg;
		else if (c == 'h' && nh < MAX_HOSTS)
			hosts[nh++] = optarg;
		else if (c == 'h')
			return cli_error(CLI_USAGE, "centre", _("init: at most %d --host"), MAX_HOSTS);
		else
			return cli_error(CLI_USAGE, "centre", _("init: see tims centre --help"));
	}
	if (optind + 1 != argc)
		return cli_error(CLI_USAGE, "centre", _("init: want one directory"));
	if (tims_centre_init_token(argv[optind], name, store, hosts, token, key_token, &err))
		return cli_error(err.rc == TIMS_ERR_UNAVAILABLE ? CLI_FAIL : CLI_USAGE,
				 "centre", _("init: %s"), err.msg);
	if (serve_keys_jail("centre init", argv[optind], 0))
		return CLI_FAIL;
	printf(_("centre %s made in %s\n"), name, argv[optind]);
	return CLI_OK;
}

static int open_centre(const char *sub, const char *dir, struct tims_centre **c)
{
	struct tims_err err;

	if (tims_centre_open(dir, c, &err))
		return cli_error(CLI_USAGE, "centre", "%s: %s", sub, err.msg);
	return CLI_OK;
}

/* The keys of centre.conf (tims.conf(5)): the long options, and dir. */
static const struct tims_conf_key centre_conf_keys[] = {
	{ "dir", TIMS_CONF_PATH, 0, 0, NULL },
	{ "listen", TIMS_CONF_ADDR, 0, 0, NULL },
	{ "port", TIMS_CONF_PORT, 0, 65535, NULL },
	{ "web", TIMS_CONF_PATH, 0, 0, NULL },
	{ "lang", TIMS_CONF_ENUM, 0, 0, tims_lang_names },
	{ "api-inbox", TIMS_CONF_PATH, 0, 0, NULL },
	SERVE_KEY_LOG_LEVEL,
	SERVE_KEY_USER,
	SERVE_KEY_SANDBOX,
};

static int c_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "web", required_argument, NULL, 'w' },
		{ "lang", required_argument, NULL, 'g' },
		{ "config", required_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "api-inbox", required_argument, NULL, 'I' },
		SERVE_OPT_USER,
		SERVE_OPT_SANDBOX,
		{ NULL, 0, NULL, 0 },
	};
	struct serve_sandbox sb = { 0 };
	const char *listen = NULL, *web = NULL, *file = NULL, *level = NULL, *dir, *lang = NULL;
	const char *inbox = NULL;
	char webbuf[4200], shared[4300];
	struct tims_http_server *srv = NULL;
	struct tims_centre *cen;
	struct tims_err err;
	/* its strings are the config's as long as the process serves */
	static struct tims_conf conf;
	const struct tims_conf_value *cv;
	uint64_t port = 0;
	int port_set = 0;
	sigset_t set;
	int c, sig = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'w')
			web = optarg;
		else if (c == 'g') {
			if (!tims_lang_valid(optarg))
				return cli_error(CLI_USAGE, "centre", _("serve: --lang: en or sq, not \"%s\""),
						 optarg);
			lang = optarg;
		} else if (c == 'C')
			file = optarg;
		else if (c == 'L')
			level = optarg;
		else if (c == 'I') {
			if (optarg[0] != '/')
				return cli_error(CLI_USAGE, "centre", _("serve: --api-inbox: an absolute "
						 "path, not \"%s\""), optarg);
			inbox = optarg;
		} else if (c == 'U')
			sb.user = optarg;
		else if (c == 'S')
			sb.mode = optarg;
		else if (c == 'p') {
			if (tims_parse_u64(optarg, 65535, &port, "--port", &err))
				return cli_error(CLI_USAGE, "centre", _("serve: %s"), err.msg);
			port_set = 1;
		} else
			return cli_error(CLI_USAGE, "centre", _("serve: see tims centre --help"));
	}
	if (optind + 1 < argc)
		return cli_error(CLI_USAGE, "centre", _("serve: want one directory"));
	/* Flags first, then the file, then the defaults (tims.conf(5)). */
	sb.config = file;
	if ((c = serve_conf_load("centre serve", file, centre_conf_keys,
				 sizeof(centre_conf_keys) / sizeof(centre_conf_keys[0]), &conf)) ||
	    (c = serve_log_level_set("centre serve", level, &conf)) ||
	    (c = serve_sandbox_check("centre serve", &sb, &conf)))
		return c;
	dir = serve_conf_pick(optind < argc ? argv[optind] : NULL, &conf, "dir", NULL);
	listen = serve_conf_pick(listen, &conf, "listen", "127.0.0.1");
	web = serve_conf_pick(web, &conf, "web", NULL);
	lang = serve_conf_pick(lang, &conf, "lang", "en");
	inbox = serve_conf_pick(inbox, &conf, "api-inbox", NULL);
	if (!port_set && (cv = tims_conf_get(&conf, "port")))
		port = cv->num;
	if (!dir)
		return cli_error(CLI_USAGE, "centre", _("serve: want one directory (DIR, or dir "
				 "in the --config file)"));
	/* Passwords and travellers' names pass through memory: no core dump. */
	if (tims_http_harden_process(&err))
		return cli_error(CLI_USAGE, "centre", _("serve: %s"), tims_err_msg(&err));
	/* Keys only in the signer process, before any token or thread. */
	if ((c = serve_sandbox_signer("centre serve", &sb, dir, NULL)))
		return c;
	if (tims_signer_start(&err))
		return cli_error(serve_signer_status(&err), "centre", _("serve: %s"),
				 tims_err_msg(&err));
	if ((c = cli_private_dir("centre serve", dir)) ||
	    (c = open_centre("serve", dir, &cen)))
		return c;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD); /* the signer died */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!web)
		web = cli_web_dir("dashboard", webbuf, sizeof(webbuf));
	if (tims_centre_serve(cen, listen, (uint16_t)port, web, lang, serve_log_line, NULL, &srv, &err)) {
		tims_centre_free(cen);
		return cli_error(CLI_USAGE, "centre", _("serve: %s"), err.msg);
	}
	sb.dir = dir, sb.port = tims_http_port(srv), sb.ro[0] = web;
	/* the carriers' passenger lists dropped in a directory (inbox.c) */
	if (inbox && tims_centre_inbox_start(cen, inbox, serve_log_line, NULL, &err)) {
		tims_http_stop(srv);
		tims_centre_free(cen);
		return cli_error(CLI_USAGE, "centre", _("serve: %s"), tims_err_msg(&err));
	}
	sb.rw[0] = inbox;
	/* the dashboard loads the booth console's i18n.js, kept once in the
	 * dashboard directory's parent (tims_centre_serve) */
	if (web && snprintf(shared, sizeof(shared), "%s", web) < (int)sizeof(shared)) {
		char *slash;

		while ((slash = strrchr(shared, '/')) && slash > shared && slash[1] == '\0')
			*slash = '\0';
		if ((slash = strrchr(shared, '/')) && slash > shared &&
		    (size_t)(slash - shared) + sizeof("/i18n.js") <= sizeof(shared)) {
			memcpy(slash, "/i18n.js", sizeof("/i18n.js"));
			sb.ro[1] = shared;
		}
	}
	sb.ro[2] = TIMS_CENTRE_CHARTJS; /* the reports' charts, if installed */
	if ((c = serve_sandbox_enter("centre serve", &sb))) {
		tims_http_stop(srv);
		tims_centre_free(cen);
		return c;
	}
	printf("centre listening on https://%s:%u\n", listen, tims_http_port(srv)); /* i18n: machine (scripts read the port) */
	fflush(stdout);
	tims_notify_ready("serving");
	sig = tims_signer_sigwait(tims_notify_sigwait, &set);
	tims_notify_stopping();
	serve_log_event(sig == SIGCHLD ? TIMS_LOG_ERR : TIMS_LOG_NOTICE, "stop", "signal",
			sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signer-died");
	tims_http_stop(srv);
	tims_centre_free(cen);
	if (sig == SIGCHLD)
		return cli_error(CLI_FAIL, "centre", _("serve: the signer process died: stopped"));
	return CLI_OK;
}

/* enrol-post and renew-post: the same options, but --vkey for an enrolment. */
/* Who may run a sub-command at the centre in DIR: logged in, of `roles`,
 * and the command in the centre's audit log before it acts. */
static int centre_gate(const char *sub, const char *dir, unsigned roles, json_t *query)
{
	char cmd[40], action[48];
	struct cli_actor who;

	snprintf(cmd, sizeof(cmd), "centre %s", sub);
	snprintf(action, sizeof(action), "cli.centre.%s", sub);
	return cli_gate(cmd, dir, roles, action, "", query, &who);
}
#define ADMIN TIMS_ROLE_ADMIN

static int c_enrol(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vkey", required_argument, NULL, 'k' },
		{ "url", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ "host", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vkey = NULL, *url = NULL, *out = NULL, *hosts[MAX_HOSTS + 1] = { NULL };
	const char *sub = argv[0];
	int renew = !strcmp(sub, "renew-post");
	struct tims_centre *cen;
	struct tims_err err;
	size_t nh = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k' && !renew)
			vkey = optarg;
		else if (c == 'u')
			url = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'h' && nh < MAX_HOSTS)
			hosts[nh++] = optarg;
		else if (c == 'h')
			return cli_error(CLI_USAGE, "centre", _("%s: at most %d --host"), sub, MAX_HOSTS);
		else
			return cli_error(CLI_USAGE, "centre", _("%s: see tims centre --help"), sub);
	}
	if (optind + 2 != argc || (!renew && !vkey) || !url || !out)
		return cli_error(CLI_USAGE, "centre", renew ?
				 _("renew-post: want DIR NAME --url URL --out DIR") :
				 _("enrol-post: want DIR NAME --vkey FILE --url URL --out DIR"));
	if ((c = centre_gate(sub, argv[optind], ADMIN,
			     json_pack("{s:s, s:s}", "post", argv[optind + 1], "url", url))) ||
	    (c = open_centre(sub, argv[optind], &cen)))
		return c;
	if (renew)
		c = tims_centre_renew(cen, argv[optind + 1], url, hosts, out, &err);
	else
		c = tims_centre_enrol(cen, argv[optind + 1], vkey, url, hosts, out, &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(c == TIMS_ERR_EXISTS || c == TIMS_ERR_INVALID ||
				 c == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE,
				 "centre", "%s: %s", sub, err.msg);
	if (!nh)
		fprintf(stderr, _("tims centre: %s: no --host: the post's server certificate "
			"names only localhost, 127.0.0.1 and ::1\n"), sub);
	printf(_("post %s %s; give %s to `tims post enrol`\n"), argv[optind + 1],
	       renew ? _("renewed") : _("enrolled"), out);
	return CLI_OK;
}

static int c_revoke(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	if (argc != 3)
		return cli_error(CLI_USAGE, "centre", _("revoke-post: want DIR NAME"));
	if ((c = centre_gate("revoke-post", argv[1], ADMIN, json_pack("{s:s}", "post", argv[2]))) ||
	    (c = open_centre("revoke-post", argv[1], &cen)))
		return c;
	c = tims_centre_revoke_post(cen, argv[2], &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(c == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE, "centre",
				 _("revoke-post: %s"), err.msg);
	printf(_("post %s revoked\n"), argv[2]);
	return CLI_OK;
}

/* tims centre revoke post|witness|key|cert DIR WHAT: onto the signed list. */
static int c_revoke_any(int argc, char **argv)
{
	struct tims_buf vk = TIMS_BUF_INIT(4096);
	struct tims_centre *cen;
	struct tims_err err;
	const char *kind = argc > 1 ? argv[1] : "";
	char sub[32];
	int c;

	if (argc != 4 || (strcmp(kind, "post") && strcmp(kind, "witness") && strcmp(kind, "key") &&
			  strcmp(kind, "cert")))
		return cli_error(CLI_USAGE, "centre", _("revoke: want post|witness|key|cert DIR "
				 "NAME|VKEY_FILE|SERIAL"));
	snprintf(sub, sizeof(sub), "revoke.%s", kind);
	if (!strcmp(kind, "witness") || !strcmp(kind, "key")) {
		if (tims_read_file(argv[3], vk.max, &vk, &err))
			return cli_error(CLI_USAGE, "centre", _("revoke: %s"), err.msg);
		while (vk.len && (vk.buf[vk.len - 1] == '\n' || vk.buf[vk.len - 1] == '\r'))
			vk.buf[--vk.len] = '\0';
	}
	if ((c = centre_gate(sub, argv[2], ADMIN, json_pack("{s:s, s:s}", "kind", kind, "what",
			     vk.len ? tims_buf_str(&vk) : argv[3]))) ||
	    (c = open_centre("revoke", argv[2], &cen))) {
		tims_buf_release(&vk);
		return c;
	}
	if (!strcmp(kind, "post"))
		c = tims_centre_revoke_post(cen, argv[3], &err);
	else if (!strcmp(kind, "cert"))
		c = tims_centre_revoke_cert(cen, argv[3], &err);
	else
		c = tims_centre_revoke_key(cen, !strcmp(kind, "witness"), tims_buf_str(&vk), &err);
	tims_centre_free(cen);
	tims_buf_release(&vk);
	if (c)
		return cli_error(c == TIMS_ERR_NOTFOUND || c == TIMS_ERR_EXISTS ? CLI_FAIL : CLI_USAGE,
				 "centre", _("revoke %s: %s"), kind, err.msg);
	printf(_("%s %s revoked: on the signed revocation list\n"), kind, argv[3]);
	return CLI_OK;
}

static int c_revocations(int argc, char **argv)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_REVOCATION_MAX);
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	if (argc != 4 || strcmp(argv[2], "--out"))
		return cli_error(CLI_USAGE, "centre", _("revocations: want DIR --out FILE"));
	if ((c = open_centre("revocations", argv[1], &cen)))
		return c;
	c = tims_centre_revocations(cen, &b, &err);
	tims_centre_free(cen);
	if (c || (c = tims_write_file(argv[3], b.buf, b.len, 0644, 1, &err))) {
		tims_buf_release(&b);
		return cli_error(CLI_USAGE, "centre", _("revocations: %s"), err.msg);
	}
	tims_buf_release(&b);
	printf(_("revocation list written to %s\n"), argv[3]);
	return CLI_OK;
}

static int c_ca(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	int c, roll = argc > 1 && !strcmp(argv[1], "rollover");
	const char *token = NULL;
	char sub[32];

	if (roll && argc == 5 && !strcmp(argv[3], "--key-token"))
		token = argv[4], argc = 3;
	if (argc != 3 || (!roll && strcmp(argv[1], "retire")))
		return cli_error(CLI_USAGE, "centre", _("ca: want rollover DIR [--key-token URI] | "
				 "retire DIR"));
	snprintf(sub, sizeof(sub), "ca.%s", argv[1]);
	if ((c = centre_gate(sub, argv[2], ADMIN, json_object())) ||
	    (c = open_centre("ca", argv[2], &cen)))
		return c;
	c = roll ? tims_centre_ca_rollover(cen, token, &err) : tims_centre_ca_retire(cen, &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(c == TIMS_ERR_STATE ? CLI_FAIL : CLI_USAGE, "centre", _("ca %s: %s"),
				 argv[1], err.msg);
	/* the new CA's key, written in DIR, into the key directory at once */
	if (serve_keys_jail("centre ca", argv[2], 0))
		return CLI_FAIL;
	printf(roll ? _("a new CA issues from now on; the old one stays trusted until `tims centre "
		      "ca retire`; restart the centre to serve with both\n") :
		      _("the old CA is retired; the centre's certificates are the new CA's; restart "
		      "the centre\n"));
	return CLI_OK;
}

static int c_renew_cert(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("renew-cert: want DIR"));
	if ((c = centre_gate("renew-cert", argv[1], ADMIN, json_object())) ||
	    (c = open_centre("renew-cert", argv[1], &cen)))
		return c;
	c = tims_centre_renew_own(cen, &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(CLI_USAGE, "centre", _("renew-cert: %s"), err.msg);
	printf(_("the centre's certificates are renewed (same keys); restart the centre\n"));
	return CLI_OK;
}

static tims_rc print_post(void *ctx, const struct tims_centre_post *p)
{
	(void)ctx;
	printf("%-16s %-24s %s records=%" PRIu64 " signed=%" PRIu64 " last_sync_ms=%" PRId64 "\n", /* i18n: machine */
	       p->name, p->origin, p->revoked ? "revoked" : "active ", p->size, /* i18n: machine (key=value lines) */
	       p->signed_size, p->last_sync_ms);
	return TIMS_OK;
}

static int c_posts(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("posts: want DIR"));
	if ((c = centre_gate("posts", argv[1], TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST |
			     TIMS_ROLE_AUDITOR | ADMIN, NULL)) ||
	    (c = open_centre("posts", argv[1], &cen)))
		return c;
	c = tims_centre_posts(cen, print_post, NULL, &err);
	tims_centre_free(cen);
	return c ? cli_error(CLI_USAGE, "centre", _("posts: %s"), err.msg) : CLI_OK;
}

static int c_events(int argc, char **argv)
{
	char path[4200];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("events: want DIR"));
	{
		int g = centre_gate("events", argv[1], TIMS_ROLE_SUPERVISOR, NULL);

		if (g)
			return g;
	}
	snprintf(path, sizeof(path), "%s/centre.db", argv[1]);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT time_ms, kind, coalesce(origin, '-'), detail"
			       " FROM events ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		cli_error(CLI_USAGE, "centre", _("events: %s: %s"), path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return CLI_USAGE;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%lld %s %s %s\n", (long long)sqlite3_column_int64(st, 0),
		       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		       sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return CLI_OK;
}

static int c_isolate(int argc, char **argv)
{
	struct tims_err err;
	int on = !strcmp(argv[0], "isolate");

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("%s: want DIR"), argv[0]);
	{
		int g = centre_gate(argv[0], argv[1], ADMIN, NULL);

		if (g)
			return g;
	}
	if (tims_centre_isolate(argv[1], on, &err))
		return cli_error(CLI_USAGE, "centre", "%s: %s", argv[0], err.msg);
	printf(_("centre %s\n"), on ? _("isolated: posts now work alone") : _("rejoined"));
	return CLI_OK;
}

/* One progress bar a post while its log comes back. */
struct rebuild_bar {
	struct cli_progress p;
	char post[TIMS_CENTRE_NAME_MAX + 1];
	char label[TIMS_CENTRE_NAME_MAX + 16];
	uint64_t done;
};

static void rebuild_progress(void *ctx, const char *post, uint64_t done, uint64_t total)
{
	struct rebuild_bar *b = ctx;

	if (strcmp(b->post, post) != 0) {
		if (b->post[0])
			cli_progress_done(&b->p, b->done);
		snprintf(b->post, sizeof(b->post), "%s", post);
		snprintf(b->label, sizeof(b->label), "rebuild %s", post);
		cli_progress_start(&b->p, b->label, total);
	}
	b->p.total = total;
	b->done = done;
	cli_progress_update(&b->p, done);
}

static void rebuild_report(void *ctx, const char *line)
{
	struct rebuild_bar *b = ctx;

	/* the post's bar ends before its report lines */
	if (b->post[0] && b->p.on) {
		cli_progress_done(&b->p, b->done);
	}
	printf("%s\n", line);
	fflush(stdout);
}

static int c_rebuild(int argc, char **argv)
{
	struct rebuild_bar bar;
	struct tims_centre_rebuild_cb cb = { rebuild_report, rebuild_progress, &bar };
	struct tims_centre_rebuild_post *posts;
	struct tims_centre *cen;
	struct tims_err err;
	unsigned failed = 0;
	size_t n = 0;
	int c, i = 2;

	if (argc < 4 || strcmp(argv[2], "--from-posts") != 0)
		return cli_error(CLI_USAGE, "centre",
				 _("rebuild: want DIR --from-posts NAME=URL [NAME=URL ...]"));
	if (!(posts = calloc((size_t)argc, sizeof(*posts))))
		return cli_error(CLI_USAGE, "centre", _("rebuild: out of memory"));
	for (i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i] || strncmp(eq + 1, "https://", 8)) {
			free(posts);
			return cli_error(CLI_USAGE, "centre", _("rebuild: \"%s\": want NAME=https://HOST:PORT"),
					 argv[i]);
		}
		*eq = '\0';
		posts[n].name = argv[i];
		posts[n++].url = eq + 1;
	}
	{
		json_t *q = json_array();

		for (size_t k = 0; k < n; k++)
			json_array_append_new(q, json_string(posts[k].name));
		c = centre_gate("rebuild", argv[1], ADMIN, json_pack("{s:o}", "posts", q));
		if (c) {
			free(posts);
			return c;
		}
	}
	if ((c = open_centre("rebuild", argv[1], &cen))) {
		free(posts);
		return c;
	}
	memset(&bar, 0, sizeof(bar));
	c = tims_centre_rebuild(cen, posts, n, &cb, &failed, &err);
	cli_progress_done(&bar.p, bar.done);
	tims_centre_free(cen);
	free(posts);
	if (c)
		return cli_error(CLI_USAGE, "centre", _("rebuild: %s"), err.msg);
	printf(_("rebuild: %zu posts, %u with losses or unverified roots\n"), n, failed);
	return failed ? CLI_FAIL : CLI_OK;
}

struct verify_ctx {
	struct tims_centre *c;
	unsigned bad;
};

#define VERIFY_SHOW_RANGES 10

struct gap_print {
	unsigned shown;
	uint64_t ranges;
	char line[512];
};

static tims_rc gap_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct gap_print *g = ctx;
	size_t len = strlen(g->line);

	if (g->ranges++ < VERIFY_SHOW_RANGES) {
		if (hi - lo == 1)
			snprintf(g->line + len, sizeof(g->line) - len, "%s%" PRIu64,
				 g->shown++ ? ", " : "", lo);
		else
			snprintf(g->line + len, sizeof(g->line) - len, "%s%" PRIu64 "-%" PRIu64,
				 g->shown++ ? ", " : "", lo, hi - 1);
	}
	return TIMS_OK;
}

/* The query store against the mirror: the same records, none missing. */
static void verify_store(struct verify_ctx *v, const struct tims_centre_post *p)
{
	struct tims_cstore_extent ext;
	struct gap_print g;
	struct tims_err err;

	memset(&g, 0, sizeof(g));
	if (tims_cstore_missing(tims_centre_store(v->c), p->origin, p->size, gap_range, &g,
				&ext, &err)) {
		printf(_("%s: query store: %s\n"), p->origin, err.msg);
		v->bad++;
		return;
	}
	if (!ext.missing && !ext.beyond) {
		printf(_("%s: query store: %" PRIu64 " records, the mirror's\n"), p->origin, ext.held);
		return;
	}
	v->bad++;
	if (ext.missing)
		printf(_("%s: query store: MISSING %" PRIu64 " of the mirror's %" PRIu64 " records "
		       "in %" PRIu64 " range%s: %s%s (tims centre reindex adds them)\n"), p->origin,
		       ext.missing, p->size, g.ranges, g.ranges == 1 ? "" : "s", g.line,
		       g.ranges > VERIFY_SHOW_RANGES ? ", ..." : "");
	if (ext.beyond)
		printf(_("%s: query store: %" PRIu64 " records beyond the mirror's %" PRIu64
		       " (the mirror holds less than was indexed)\n"), p->origin, ext.beyond, p->size);
}

static tims_rc verify_one(void *ctx, const struct tims_centre_post *p)
{
	struct verify_ctx *v = ctx;
	struct tims_sync_mirror *m;
	struct tims_err err;
	uint64_t findings = 0;
	tims_rc rc;

	if ((rc = tims_centre_mirror(v->c, p->origin, &m, &err)) ||
	    (rc = tims_sync_mirror_verify(m, print_line, NULL, &findings, &err)))
		if (rc != TIMS_ERR_TAMPER) {
			printf("%s: %s\n", p->origin, err.msg);
			v->bad++;
			return TIMS_OK;
		}
	printf(_("%s: %" PRIu64 " records, %s\n"), p->origin, p->size,
	       findings ? _("FINDINGS above") : _("verified"));
	if (findings)
		v->bad++;
	verify_store(v, p);
	return TIMS_OK;
}

static int c_verify(int argc, char **argv)
{
	struct verify_ctx v = { NULL, 0 };
	struct tims_err err;
	int c;

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("verify: want DIR"));
	if ((c = open_centre("verify", argv[1], &v.c)))
		return c;
	c = tims_centre_posts(v.c, verify_one, &v, &err);
	tims_centre_free(v.c);
	if (c)
		return cli_error(CLI_USAGE, "centre", _("verify: %s"), err.msg);
	return v.bad ? CLI_FAIL : CLI_OK;
}

static int c_reindex(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	uint64_t added = 0;
	int c;

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("reindex: want DIR"));
	if ((c = centre_gate("reindex", argv[1], ADMIN, NULL)) ||
	    (c = open_centre("reindex", argv[1], &cen)))
		return c;
	c = tims_centre_reindex(cen, &added, &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(CLI_USAGE, "centre", _("reindex: %s"), err.msg);
	printf(_("reindex: %" PRIu64 " records added to the query store\n"), added);
	return CLI_OK;
}

static int c_bundle(int argc, char **argv)
{
	struct tims_buf out = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	uint64_t version = 0, since = 0;
	int officers, arrivals;
	char airport[4] = "";

	if (argc == 8 && !strcmp(argv[2], "--list") && !strcmp(argv[4], "--since")) {
		if (tims_parse_u64(argv[5], INT64_MAX, &since, "--since", &err))
			return cli_error(CLI_USAGE, "centre", _("bundle: %s"), err.msg);
		argv[4] = argv[6]; /* --out FILE */
		argv[5] = argv[7];
		argc = 6;
	}
	if (argc != 6 || (strcmp(argv[2], "--list") && strcmp(argv[2], "--officers") &&
			  strcmp(argv[2], "--arrivals")) ||
	    strcmp(argv[4], "--out"))
		return cli_error(CLI_USAGE, "centre", _("bundle: want DIR --list NAME [--since N] "
				 "--out FILE, DIR --officers POST --out FILE or DIR --arrivals "
				 "POST --out FILE"));
	officers = !strcmp(argv[2], "--officers");
	arrivals = !strcmp(argv[2], "--arrivals");
	if ((c = centre_gate("bundle", argv[1], ADMIN,
			     json_pack("{s:s, s:s, s:I}", officers ? "officers" : arrivals ?
				       "arrivals" : "list", argv[3],
				       "out", argv[5], "since", (json_int_t)since))) ||
	    (c = open_centre("bundle", argv[1], &cen)))
		return c;
	if (officers)
		c = tims_centre_roster(cen, argv[3], &version, &out, &err);
	else if (arrivals)
		c = tims_centre_arrivals_bundle(cen, argv[3], (int64_t)time(NULL) * 1000, &version,
						airport, &out, &err);
	else
		c = tims_centre_bundle(cen, argv[3], since, &out, &err);
	tims_centre_free(cen);
	if (!c)
		c = tims_write_file(argv[5], out.buf, out.len, 0644, 1, &err);
	tims_buf_release(&out);
	if (c)
		return cli_error(c == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE, "centre",
				 _("bundle: %s"), err.msg);
	if (officers)
		printf(_("officer roster of %s, version %" PRIu64 ", written to %s\n"), argv[3],
		       version, argv[5]);
	else if (arrivals)
		printf(_("arrivals at %s for %s, version %" PRIu64 ", written to %s\n"), airport,
		       argv[3], version, argv[5]);
	else
		printf(_("bundle of %s written to %s\n"), argv[3], argv[5]);
	return CLI_OK;
}

static int c_routes(int argc, char **argv)
{
	size_t n;
	const struct tims_http_route *r = tims_centre_route_table(&n);

	(void)argv;
	if (argc != 1)
		return cli_error(CLI_USAGE, "centre", _("routes: takes no argument"));
	cli_print_routes(r, n);
	return CLI_OK;
}

static int c_add_witness(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	if (argc != 4 || strcmp(argv[2], "--vkey"))
		return cli_error(CLI_USAGE, "centre", _("add-witness: want DIR --vkey FILE"));
	if ((c = centre_gate("add-witness", argv[1], ADMIN, json_pack("{s:s}", "vkey", argv[3]))) ||
	    (c = open_centre("add-witness", argv[1], &cen)))
		return c;
	c = tims_centre_add_witness(cen, argv[3], &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(CLI_USAGE, "centre", _("add-witness: %s"), err.msg);
	printf(_("witness key %s trusted for rebuilds\n"), argv[3]);
	return CLI_OK;
}

static int c_audit_witness(int argc, char **argv)
{
	const char *url = NULL, *ca = NULL, *vkey = NULL;
	struct tims_centre *cen;
	struct tims_err err;
	int c;

	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--url"))
			url = argv[i + 1];
		else if (!strcmp(argv[i], "--ca"))
			ca = argv[i + 1];
		else if (!strcmp(argv[i], "--vkey"))
			vkey = argv[i + 1];
	}
	if (argc != 8 || !url || !ca || !vkey)
		return cli_error(CLI_USAGE, "centre", _("audit-witness: want DIR --url URL --ca FILE "
				 "--vkey FILE"));
	if ((c = centre_gate("audit-witness", argv[1], ADMIN,
			     json_pack("{s:s, s:s, s:s}", "url", url, "ca", ca, "vkey", vkey))) ||
	    (c = open_centre("audit-witness", argv[1], &cen)))
		return c;
	c = tims_centre_audit_witness_add(cen, url, ca, vkey, &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(CLI_USAGE, "centre", _("audit-witness: %s"), err.msg);
	printf(_("the centre's audit checkpoints go to the witness at %s (it must trust %s/audit.vkey)\n"),
	       url, argv[1]);
	return CLI_OK;
}

static int c_assign(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	int on = !strcmp(argv[0], "assign"), c;
	const char *post = NULL;

	if (argc == 5 && !strcmp(argv[3], "--post"))
		post = argv[4];
	else if (argc != 4 || strcmp(argv[3], "--all"))
		return cli_error(CLI_USAGE, "centre", _("%s: want DIR OFFICER (--post NAME | --all)"),
				 argv[0]);
	if ((c = centre_gate(argv[0], argv[1], ADMIN,
			     json_pack("{s:s, s:s}", "officer", argv[2], "post", post ? post : "*"))) ||
	    (c = open_centre(argv[0], argv[1], &cen)))
		return c;
	c = tims_centre_assign(cen, argv[2], post, on, &err);
	tims_centre_free(cen);
	if (c)
		return cli_error(c == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE, "centre", "%s: %s",
				 argv[0], err.msg);
	printf(_("officer %s %s %s\n"), argv[2], on ? _("assigned to") : _("no longer assigned to"),
	       post ? post : _("every post"));
	return CLI_OK;
}

static int c_officer(int argc, char **argv)
{
	char b32[TIMS_TOTP_B32_BYTES];
	struct tims_buf uri = TIMS_BUF_INIT(1024);
	struct tims_officers *o = NULL;
	struct tims_err err;
	int c;

	if (argc != 4 || strcmp(argv[1], "totp-rotate"))
		return cli_error(CLI_USAGE, "centre", _("officer: want totp-rotate DIR OFFICER"));
	if ((c = centre_gate("officer totp-rotate", argv[2], ADMIN,
			     json_pack("{s:s}", "officer", argv[3]))))
		return c;
	if (tims_officers_open_dir(argv[2], TIMS_PW_COST_TEST, &o, &err))
		return cli_error(CLI_USAGE, "centre", _("officer: %s"), err.msg);
	c = tims_officer_totp_rotate(o, argv[3], b32, &uri, &err);
	tims_officers_close_dir(o);
	if (c) {
		tims_buf_release(&uri);
		return cli_error(c == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE, "centre",
				 _("officer: %s"), err.msg);
	}
	printf(_("officer %s: TOTP secret %s\n"), argv[3], b32);
	printf(_("authenticator URI: %s\n"), tims_buf_str(&uri));
	printf(_("(shown once: enrol it in the officer's authenticator now; the old secret opens "
	       "nothing here from now on, nor at a post once its roster arrives; the password "
	       "is unchanged)\n"));
	sodium_memzero(b32, sizeof(b32));
	if (uri.buf)
		sodium_memzero(uri.buf, uri.len);
	tims_buf_release(&uri);
	return CLI_OK;
}

static int c_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "doc", required_argument, NULL, 'd' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "surname", required_argument, NULL, 's' },
		{ "given", required_argument, NULL, 'g' },
		{ "dob", required_argument, NULL, 'b' },
		{ "nationality", required_argument, NULL, 'n' },
		{ "on", required_argument, NULL, 'o' },
		{ "at", required_argument, NULL, 'a' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'y' },
		{ "offset", required_argument, NULL, 'O' },
		{ "limit", required_argument, NULL, 'L' },
		{ "purpose", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_centre_query q;
	struct tims_export_usage use;
	struct cli_actor who;
	struct tims_centre *cen;
	struct tims_err err;
	int64_t now = tims_mlog_now_ms();
	uint64_t u;
	json_t *out = NULL;
	int c;

	memset(&q, 0, sizeof(q));
	q.at_ms = now;
	q.to_ms = now + 1;
	q.from_ms = now - 24 * 3600000LL;
	q.on_day = tims_day_of_ms(now);
	q.limit = 100;
	q.addr = "local (tims centre query)";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		tims_rc rc = TIMS_OK;

		switch (c) {
		case 'd': q.doc = optarg; break;
		case 'i': q.issuer = optarg; break;
		case 's': q.surname = optarg; break;
		case 'g': q.given = optarg; break;
		case 'b': q.birth_date = optarg; break;
		case 'n': q.nationality = optarg; break;
		case 'y': q.by = optarg; break;
		case 'P': q.purpose = optarg; break;
		case 'o': rc = tims_date_parse(optarg, &q.on_day, "--on", &err); break;
		case 'a': rc = tims_time_parse(optarg, &q.at_ms, "--at", &err); break;
		case 'f': rc = tims_time_parse(optarg, &q.from_ms, "--from", &err); break;
		case 't': rc = tims_time_parse(optarg, &q.to_ms, "--to", &err); break;
		case 'O':
			rc = tims_parse_u64(optarg, 1000000000, &u, "--offset", &err);
			q.offset = (unsigned)u;
			break;
		case 'L':
			rc = tims_parse_u64(optarg, TIMS_CSTORE_MAX_PAGE, &u, "--limit", &err);
			q.limit = (unsigned)u;
			break;
		default:
			return cli_error(CLI_USAGE, "centre", _("query: see tims centre --help"));
		}
		if (rc)
			return cli_error(CLI_USAGE, "centre", _("query: %s"), err.msg);
	}
	if (optind + 2 != argc)
		return cli_error(CLI_USAGE, "centre", _("query: want DIR KIND"));
	q.kind = argv[optind + 1];
	/* Who asks is who is logged in; the library records the query, with
	 * them and the purpose, before the answer is handed back. */
	if ((c = cli_authenticate("centre query", argv[optind],
				  TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST, &who)))
		return c;
	q.actor = who.who.id;
	q.role = tims_role_name(who.who.role);
	if ((c = open_centre("query", argv[optind], &cen)))
		return c;
	q.usage = &use;
	if (tims_centre_query(cen, &q, &out, &err)) {
		tims_centre_free(cen);
		/* past the daily export limit: refused, exit 1 (docs/export.md) */
		return cli_error(use.refused ? CLI_FAIL : CLI_USAGE, "centre", _("query: %s"), err.msg);
	}
	tims_centre_free(cen);
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(out);
	return CLI_OK;
}

static void print_finding(void *ctx, const char *finding)
{
	(void)ctx;
	printf("%s\n", finding);
}

static int c_audit_verify(int argc, char **argv)
{
	struct tims_centre *cen;
	struct tims_err err;
	uint64_t events = 0;
	int c;

	if (argc != 2)
		return cli_error(CLI_USAGE, "centre", _("audit-verify: want DIR"));
	if ((c = open_centre("audit-verify", argv[1], &cen)))
		return c;
	c = tims_centre_audit_verify(cen, print_finding, NULL, &events, &err);
	tims_centre_free(cen);
	if (c == TIMS_ERR_TAMPER) {
		printf(_("%s: audit log: %s\n"), argv[1], err.msg);
		return CLI_FAIL;
	}
	if (c)
		return cli_error(CLI_USAGE, "centre", _("audit-verify: %s"), err.msg);
	printf(_("%s: audit log: %" PRIu64 " events: ok\n"), argv[1], events);
	return CLI_OK;
}

static int c_rotate_key(int argc, char **argv)
{
	char path[4300], *end = NULL;
	struct tims_err err;
	long days = 7;
	int c;

	if (argc == 5 && !strcmp(argv[3], "--overlap-days")) {
		errno = 0;
		days = strtol(argv[4], &end, 10);
		if (errno || !end || *end || days < 0 || days > 365)
			return cli_error(CLI_USAGE, "centre", _("rotate-key: --overlap-days: 0 to 365"));
	} else if (argc != 3) {
		return cli_error(CLI_USAGE, "centre", _("rotate-key: want DIR cosigner|bundle "
				 "[--overlap-days N]"));
	}
	if (strcmp(argv[2], "cosigner") && strcmp(argv[2], "bundle"))
		return cli_error(CLI_USAGE, "centre", _("rotate-key: want cosigner or bundle, not %s"),
				 argv[2]);
	if ((c = centre_gate("rotate-key", argv[1], ADMIN,
			     json_pack("{s:s, s:i}", "key", argv[2], "overlap_days", (int)days))))
		return c;
	if (tims_centre_rotate_key(argv[1], argv[2], (int64_t)days * 86400, path, sizeof(path),
				   &err))
		return cli_error(CLI_FAIL, "centre", _("rotate-key: %s"), err.msg);
	if (serve_keys_jail("centre rotate-key", argv[1], 0))
		return CLI_FAIL;
	printf(_("%s key rotated; announced in %s (posts fetch it with sync; carry it to an "
	       "offline post: tims post apply-bundle POST %s); restart a running centre\n"),
	       argv[2], path, path);
	return CLI_OK;
}

static const struct cli_command table[] = {
	{ "init", c_init, "make a centre directory" },
	{ "serve", c_serve, "serve the sync API (mutual TLS)" },
	{ "enrol-post", c_enrol, "enrol a post: certificates and keys for it" },
	{ "renew-post", c_enrol, "new certificates for an enrolled post" },
	{ "revoke-post", c_revoke, "revoke a post's certificates" },
	{ "rotate-key", c_rotate_key, "replace the cosigner or bundle key (announced)" },
	{ "revoke", c_revoke_any, "put a post, witness, key or certificate on the signed list" },
	{ "revocations", c_revocations, "write the signed revocation list to a file" },
	{ "ca", c_ca, "the CA's rollover and retirement" },
	{ "renew-cert", c_renew_cert, "renew the centre's own certificates" },
	{ "posts", c_posts, "enrolled posts and their sync state" },
	{ "events", c_events, "refusals and events" },
	{ "isolate", c_isolate, "cut the centre off on purpose" },
	{ "rejoin", c_isolate, "end the isolation" },
	{ "add-witness", c_add_witness, "trust a witness's key for rebuilds" },
	{ "routes", c_routes, "the centre's API routes and who may call them (JSON Lines)" },
	{ "rebuild", c_rebuild, "rebuild the centre's data from the posts" },
	{ "verify", c_verify, "recompute every mirror, compare the query store with it" },
	{ "reindex", c_reindex, "add to the query store what it lacks of the mirrors" },
	{ "bundle", c_bundle, "write a signed watchlist bundle or roster for a post" },
	{ "assign", c_assign, "send an officer account to a post" },
	{ "unassign", c_assign, "stop sending an officer account to a post" },
	{ "officer", c_officer, "totp-rotate: a new TOTP secret for an officer (audited)" },
	{ "query", c_query, "a national query, audited" },
	{ "audit-verify", c_audit_verify, "check the centre's audit log" },
	{ "export", cmd_centre_export, "two-person export of personal data (src/cmd_export.c)" },
	{ "audit-witness", c_audit_witness, "send the centre's audit checkpoints to a witness" },
};

int cmd_centre(int argc, char **argv)
{
	if (!usage[0])
		if (snprintf(usage, sizeof(usage), "%s%s%s", _(usage_a), _(usage_b),
			     _(usage_c)) >= (int)sizeof(usage))
			snprintf(usage, sizeof(usage), "%s%s%s", usage_a, usage_b, usage_c);
	/* `tims centre SUB --help` for every sub-command. */
	if (argc >= 2 && strcmp(argv[1], "export") && wants_help(argc - 1, argv + 1))
		return CLI_OK;
	return cli_dispatch("centre", table, TIMS_ARRAY_SIZE(table), usage, argc, argv);
}
