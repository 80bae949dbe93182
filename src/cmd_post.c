/*
 * cmd_post.c — `tims post`: the post node's commands.
 *
 *   tims post init DIR [--origin NAME] [--name NAME] [--kind land|port|airport]
 *                      [--token URI] [--key-token URI]
 *   tims post serve DIR [--listen ADDR] [--port N] [--cert F --key F] [--web DIR]
 *                       [--threads N] [--config FILE] [--log-level LEVEL]
 *                       [--user NAME] [--sandbox enforce|log]
 *
 * init creates the post directory (docs/formats.md): keys, database, config,
 * stay regimes, and the first (empty) signed checkpoint. It refuses to touch
 * a directory that already holds a post. serve runs the post node: the HTTPS
 * API and the booth console (tims/node.h), until SIGINT or SIGTERM.
 */
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>

#include "cli.h"
#include "serve_conf.h"
#include "serve_sandbox.h"
#include <pthread.h>
#include <signal.h>

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tims/signer.h"
#include "tims/audit.h"
#include "tims/bundle.h"
#include "tims/event.h"
#include "tims/keyroll.h"
#include "tims/mlog.h"
#include "tims/node.h"
#include "tims/notify.h"
#include "tims/revocation.h"
#include "tims/sync.h"
#include "tims/post.h"
#include "tims/prescreen.h"
#include "tims/util.h"
#include "tims/vault.h"

static const char usage_a[] =
	N_("usage: tims post init DIR [--origin NAME] [--name NAME] [--kind land|port|airport]\n"
	"                      [--token URI] [--key-token URI]\n"
	"\n"
	"  init   create a post: its vault (vault.conf, keys.db: the keys that\n"
	"         seal personal data, wrapped by a key made in the PKCS#11 token\n"
	"         --token URI names, default $TIMS_TOKEN; docs/keys.md), Ed25519\n"
	"         key pair (post.skey, mode 0600, and post.vkey), post.db, config,\n"
	"         stay-regimes.conf and the first signed checkpoint. The origin\n"
	"         names the log in its checkpoints (default tims/post/<name>); the\n"
	"         name defaults to DIR's last part. --key-token: make the signing\n"
	"         key in that PKCS#11 token (a pkcs11: URI, docs/keys.md);\n"
	"         post.skey is then a reference to it.\n"
	"\n"
	"usage: tims post seal DIR [--token URI]\n"
	"\n"
	"  seal   a post made before personal data was sealed (its post.db and\n"
	"         audit.db kept names and numbers in clear; they are refused\n"
	"         until this is run): makes its vault in the token if missing,\n"
	"         seals every record, owed event, queued event, approval request\n"
	"         and audit event in place and vacuums the files. Run it with the\n"
	"         node stopped; run again, it changes nothing.\n"
	"\n");
static const char usage_b[] =
	N_("usage: tims post serve DIR [--listen ADDR] [--port N] [--cert FILE --key FILE]\n"
	"                           [--web DIR] [--threads N] [--lang en|sq]\n"
	"                           [--config FILE]\n"
	"                           [--log-level LEVEL] [--user NAME]\n"
	"                           [--sandbox enforce|log]\n"
	"\n"
	"  serve  run the post node: the HTTPS JSON API (/api/v1, docs/api.md) and\n"
	"         the booth console (--web, the web/ folder). Listens on 127.0.0.1\n"
	"         and a free port unless told otherwise; prints the address once\n"
	"         ready; stops on SIGINT or SIGTERM after signing a last checkpoint.\n"
	"         Without --cert/--key it uses DIR/tls.crt and DIR/tls.key, making a\n"
	"         self-signed localhost certificate there the first time. --threads:\n"
	"         HTTP worker threads (default 16, one for each of 16 booths); logins\n"
	"         hash on a few slots of their own, never on these. --config FILE:\n"
	"         the options (and dir, then DIR may be left out) from a file such as\n"
	"         /etc/tims/post.conf (tims.conf(5)); a flag overrides the file.\n"
	"         --log-level error|warning|notice|info|debug (default info): the\n"
	"         log lines kept on stderr, <N>key=value for journald.\n"
	"         --user NAME: the account to drop to once bound (started as root,\n"
	"         which is refused without it unless TIMS_ALLOW_ROOT=1); DIR must\n"
	"         be NAME's. --sandbox enforce (default): a system call outside the\n"
	"         allowlist kills the process; log: it is only logged by the kernel.\n"
	"         --lang en|sq (default en): the consoles' language for an officer\n"
	"         who has chosen none (each officer's own choice is kept with the\n"
	"         account: PUT /api/v1/preferences).\n"
	"\n");
static const char usage_c[] =
	N_("usage: tims post enrol DIR --from ENROLMENT_DIR\n"
	"       tims post add-witness DIR --url URL --ca FILE --vkey FILE\n"
	"       tims post restore DIR --from-centre\n"
	"       tims post resolve-rollback DIR --reason TEXT\n"
	"       tims post apply-bundle DIR FILE\n"
	"       tims post rotate-key DIR\n"
	"       tims post renew-cert DIR [--now] [--by-key]\n"
	"       tims post apply-revocations DIR FILE\n"
	"       tims post wall-key DIR [--revoke]\n"
	"       tims post routes\n"
	"\n"
	"  enrol        install what `tims centre enrol-post` made for this post:\n"
	"               the centre's CA and cosigner key, this post's client\n"
	"               certificate, and its node's TLS certificate. From its next\n"
	"               start the node pushes its log to the centre (docs/sync.md).\n"
	"  add-witness  also send each checkpoint to this witness and keep its\n"
	"               cosignatures\n"
	"  restore      after post.db was lost (config, keys and the enrolment kept):\n"
	"               fetch the log from the centre's mirror, verify every batch\n"
	"               against the post's own signed checkpoints, and rebuild\n"
	"               post.db. Exit 1 if less comes back than the post published.\n"
	"  resolve-rollback\n"
	"               a post that learnt from the centre or a witness that it was\n"
	"               rolled back stops acknowledging (DIR/halted); once its log\n"
	"               is restored (docs/operations.md), this checks that it holds\n"
	"               what the peer saw and verifies, records the admin logged in\n"
	"               and the reason in the audit log, and lets it acknowledge again\n"
	"               from its next start. Exit 1 if it cannot.\n"
	"  apply-bundle a watchlist bundle, officer roster or list of arrivals made\n"
	"               by `tims centre bundle` and carried by hand (the network\n"
	"               down): applied only if signed by the centre this post is\n"
	"               enrolled with, made for this post (rosters, arrivals) and\n"
	"               newer than the version\n"
	"               held; exit 1 if refused.\n"
	"  rotate-key   replace the post's signing key (the node stopped): a new key,\n"
	"               a hand-over signed by the old and the new key in both logs,\n"
	"               the old secret overwritten and removed; the centre and the\n"
	"               witnesses follow the hand-over at the next sync. Run it again\n"
	"               to finish one that was interrupted (docs/keys.md).\n"
	"  renew-cert   ask the centre for a new client certificate now (the node\n"
	"               does it by itself when a third of its lifetime is left):\n"
	"               over mutual TLS, or --by-key (and when the certificate has\n"
	"               expired) with a request signed by the post's log key;\n"
	"               without --now only if due. Installed once it works.\n"
	"  apply-revocations\n"
	"               the centre's signed revocation list carried by hand (tims\n"
	"               centre revocations): kept if it verifies with the centre's\n"
	"               bundle key and is not older than the one held (exit 1 if\n"
	"               refused); the CAs it names become the post's trust\n"
	"  wall-key     a new key for the post's wall display (docs/supervisor.md),\n"
	"               printed once: it opens GET /api/v1/wall (counts, no\n"
	"               personal data) and nothing else, and does not expire; a new\n"
	"               key replaces the old one, --revoke removes it\n"
	"  routes       the node's API routes, the roles that may call each and\n"
	"               the body it takes, as JSON Lines (docs/api.md)\n"
	"\n"
	"enrol, add-witness, restore, resolve-rollback, apply-bundle, rotate-key,\n"
	"renew-cert, apply-revocations and wall-key change the post: an admin logged in at\n"
	"DIR (tims login), each audited before it acts.\n"
	"init, serve and routes need no account (docs/roles.md).\n");

/* The whole usage (one string literal would pass C's 4095-byte limit). */
static const char *post_usage(void)
{
	static char buf[sizeof(usage_a) + sizeof(usage_b) + sizeof(usage_c)];

	if (!buf[0])
		snprintf(buf, sizeof(buf), "%s%s%s", usage_a, usage_b, usage_c);
	return buf;
}

static int post_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "kind", required_argument, NULL, 'k' },
		{ "token", required_argument, NULL, 't' },
		{ "key-token", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *origin = NULL, *name = NULL, *kind = "land", *token = NULL;
	const char *key_token = NULL;
	char base[256], def_origin[300];
	struct tims_err err;
	int c;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': origin = optarg; break;
		case 'n': name = optarg; break;
		case 'k': kind = optarg; break;
		case 't': token = optarg; break;
		case 'K': key_token = optarg; break;
		default:
			fputs(post_usage(), stderr);
			return cli_error(CLI_USAGE, "post", _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		fputs(post_usage(), stderr);
		return cli_error(CLI_USAGE, "post", _("init: want one DIR"));
	}
	snprintf(base, sizeof(base), "%s", argv[optind]);
	if (!name)
		name = basename(base);
	if (!origin) {
		snprintf(def_origin, sizeof(def_origin), "tims/post/%s", name);
		origin = def_origin;
	}
	if (tims_post_init_token(argv[optind], origin, name, kind, token, key_token, &err))
		return cli_error(err.rc == TIMS_ERR_UNAVAILABLE ? CLI_FAIL : CLI_USAGE,
				 "post", _("init: %s"), tims_err_msg(&err));
	if (serve_keys_jail("post init", argv[optind], 0))
		return CLI_FAIL;
	printf(_("post %s initialised in %s (origin %s, kind %s)\n"), name,
	       argv[optind], origin, kind);
	return CLI_OK;
}

static int post_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_post_seal_stats st;
	const char *token = NULL;
	struct tims_err err;
	int c;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 't')
			return cli_error(CLI_USAGE, "post", _("seal: unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		token = optarg;
	}
	if (optind != argc - 1)
		return cli_error(CLI_USAGE, "post", _("seal: want one DIR"));
	if (tims_post_seal(argv[optind], token, &st, &err))
		return cli_error(err.rc == TIMS_ERR_UNAVAILABLE ? CLI_FAIL : CLI_USAGE, "post",
				 _("seal: %s"), tims_err_msg(&err));
	printf(_("%s: %s%" PRIu64 " records, %" PRIu64 " queued or owed events and requests, %"
	       PRIu64 " audit events sealed\n"), argv[optind],
	       st.vault_made ? _("vault made; ") : "", st.records, st.other, st.events);
	return CLI_OK;
}

/* The keys of post.conf (tims.conf(5)): the long options, and dir. */
static const struct tims_conf_key post_conf_keys[] = {
	{ "dir", TIMS_CONF_PATH, 0, 0, NULL },
	{ "listen", TIMS_CONF_ADDR, 0, 0, NULL },
	{ "port", TIMS_CONF_PORT, 0, 65535, NULL },
	{ "cert", TIMS_CONF_PATH, 0, 0, NULL },
	{ "key", TIMS_CONF_PATH, 0, 0, NULL },
	{ "web", TIMS_CONF_PATH, 0, 0, NULL },
	{ "threads", TIMS_CONF_U32, 1, 64, NULL },
	{ "lang", TIMS_CONF_ENUM, 0, 0, tims_lang_names },
	SERVE_KEY_LOG_LEVEL,
	SERVE_KEY_USER,
	SERVE_KEY_SANDBOX,
};

static int post_serve(int argc, char **argv)
{
	char webbuf[4200];
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "web", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "lang", required_argument, NULL, 'g' },
		{ "config", required_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'L' },
		SERVE_OPT_USER,
		SERVE_OPT_SANDBOX,
		{ NULL, 0, NULL, 0 },
	};
	struct serve_sandbox sb = { 0 };
	struct tims_node_config cfg;
	struct tims_node *node;
	/* its strings are the config's as long as the process serves */
	static struct tims_conf conf;
	const struct tims_conf_value *cv;
	const char *file = NULL, *level = NULL;
	int port_set = 0, threads_set = 0;
	struct tims_err err;
	sigset_t set;
	uint64_t v;
	int c, sig;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.pw_cost = TIMS_PW_COST_INTERACTIVE;
	cfg.log = serve_log_line;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': cfg.listen = optarg; break;
		case 'c': cfg.cert_file = optarg; break;
		case 'k': cfg.key_file = optarg; break;
		case 'w': cfg.web_dir = optarg; break;
		case 'g':
			if (!tims_lang_valid(optarg))
				return cli_error(CLI_USAGE, "post serve", _("--lang: en or sq, not \"%s\""),
						 optarg);
			cfg.lang = optarg;
			break;
		case 'C': file = optarg; break;
		case 'L': level = optarg; break;
		case 'U': sb.user = optarg; break;
		case 'S': sb.mode = optarg; break;
		case 'p': case 't':
			if (tims_parse_u64(optarg, c == 'p' ? 65535 : 64, &v,
					   c == 'p' ? "--port" : "--threads", &err))
				return cli_error(CLI_USAGE, "post serve", "%s", err.msg);
			if (c == 'p')
				cfg.port = (uint16_t)v, port_set = 1;
			else
				cfg.threads = (unsigned)v, threads_set = 1;
			break;
		default:
			fputs(post_usage(), stderr);
			return cli_error(CLI_USAGE, "post serve", _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (optind < argc - 1) {
		fputs(post_usage(), stderr);
		return cli_error(CLI_USAGE, "post serve", _("want one post directory"));
	}
	/* Flags first, then the file, then the defaults (tims.conf(5)). */
	if ((c = serve_conf_load("post serve", file, post_conf_keys,
				 sizeof(post_conf_keys) / sizeof(post_conf_keys[0]), &conf)))
		return c;
	sb.config = file;
	if ((c = serve_log_level_set("post serve", level, &conf)) ||
	    (c = serve_sandbox_check("post serve", &sb, &conf)))
		return c;
	cfg.dir = serve_conf_pick(optind < argc ? argv[optind] : NULL, &conf, "dir", NULL);
	cfg.listen = serve_conf_pick(cfg.listen, &conf, "listen", "127.0.0.1");
	cfg.cert_file = serve_conf_pick(cfg.cert_file, &conf, "cert", NULL);
	cfg.key_file = serve_conf_pick(cfg.key_file, &conf, "key", NULL);
	cfg.web_dir = serve_conf_pick(cfg.web_dir, &conf, "web", NULL);
	cfg.lang = serve_conf_pick(cfg.lang, &conf, "lang", "en");
	if (!port_set && (cv = tims_conf_get(&conf, "port")))
		cfg.port = (uint16_t)cv->num;
	if (!threads_set && (cv = tims_conf_get(&conf, "threads")))
		cfg.threads = cv->num;
	if (!cfg.dir) {
		fputs(post_usage(), stderr);
		return cli_error(CLI_USAGE, "post serve", _("want one post directory "
				 "(DIR, or dir in the --config file)"));
	}
	if (!cfg.cert_file != !cfg.key_file)
		return cli_error(CLI_USAGE, "post serve", _("--cert and --key go together"));
	if (!cfg.web_dir)
		cfg.web_dir = cli_web_dir("", webbuf, sizeof(webbuf));
	/* Passwords and travellers' names pass through memory: no core dump. */
	if (tims_http_harden_process(&err))
		return cli_error(CLI_USAGE, "post serve", "%s", tims_err_msg(&err));
	/* Keys only in the signer process, before any token or thread. */
	if ((c = serve_sandbox_signer("post serve", &sb, cfg.dir, cfg.key_file)))
		return c;
	if (tims_signer_start(&err))
		return cli_error(serve_signer_status(&err), "post serve", "%s",
				 tims_err_msg(&err));
	/* Block the stop signals in every thread; this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD); /* the signer died */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((c = cli_private_dir("post serve", cfg.dir)) ||
	    (cfg.watchlists && (c = cli_private_dir("post serve", cfg.watchlists))))
		return c;
	if (tims_node_start(&cfg, &node, &err))
		return cli_error(CLI_USAGE, "post serve", "%s", tims_err_msg(&err));
	sb.dir = cfg.dir, sb.port = tims_node_port(node);
	/* not --key: the signer reads it (serve_sandbox_signer); this process
	 * parses the network and has no business with a private key */
	sb.ro[0] = cfg.web_dir, sb.ro[1] = cfg.cert_file;
	if ((c = serve_sandbox_enter("post serve", &sb))) {
		tims_node_stop(node);
		return c;
	}
	/* the line scripts wait for and read the port from */
	printf("listening on https://%s:%u/\n", cfg.listen, tims_node_port(node)); /* i18n: machine */
	fflush(stdout);
	tims_notify_ready("serving");
	sig = tims_signer_sigwait(tims_notify_sigwait, &set);
	tims_notify_stopping();
	serve_log_event(sig == SIGCHLD ? TIMS_LOG_ERR : TIMS_LOG_NOTICE, "stop", "signal",
			sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signer-died");
	tims_node_stop(node);
	if (sig == SIGCHLD)
		return cli_error(CLI_FAIL, "post serve", _("the signer process died: stopped"));
	return CLI_OK;
}


/* ---- the network: enrol, witnesses, restore --------------------------- */

static int copy_file(const char *from_dir, const char *name, const char *to_dir,
		     const char *to_name, unsigned mode, struct tims_err *err)
{
	char a[4200], b[4200];
	struct tims_buf buf = TIMS_BUF_INIT(1 << 20);
	tims_rc rc;

	snprintf(a, sizeof(a), "%s/%s", from_dir, name);
	snprintf(b, sizeof(b), "%s/%s", to_dir, to_name);
	rc = tims_read_file(a, buf.max, &buf, err);
	if (!rc)
		rc = tims_write_file(b, buf.buf, buf.len, mode, 1, err);
	if (buf.buf)
		sodium_memzero(buf.buf, buf.alloc);
	tims_buf_release(&buf);
	return rc;
}

/* The sub-commands that change a post: an admin logged in there, and the
 * command in its audit log before it acts (docs/roles.md). */
static int post_gate(const char *sub, const char *dir, json_t *query)
{
	char cmd[40], action[48];
	struct cli_actor who;

	snprintf(cmd, sizeof(cmd), "post %s", sub);
	snprintf(action, sizeof(action), "cli.post.%s", sub);
	return cli_gate(cmd, dir, TIMS_ROLE_ADMIN, action, "", query, &who);
}

static int post_enrol(int argc, char **argv)
{
	static const char *const files[][2] = {
		{ "ca.crt", "centre/ca.crt" }, { "client.crt", "centre/client.crt" },
		{ "client.key", "centre/client.key" }, { "cosign.vkey", "centre/cosign.vkey" },
		{ "bundle.vkey", "centre/bundle.vkey" }, { "roster.key", "centre/roster.key" },
		{ "server.crt", "tls.crt" }, { "server.key", "tls.key" },
		{ "revoked.crl", "centre/revoked.crl" },
		{ "enrolment.conf", "centre/enrolment.conf" },
	};
	struct tims_buf conf = TIMS_BUF_INIT(8192);
	struct tims_post *p;
	struct tims_err err;
	char path[4200], want[300];
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	if (argc != 4 || strcmp(argv[2], "--from") != 0)
		return cli_error(CLI_USAGE, "post", _("enrol: want DIR --from ENROLMENT_DIR"));
	if ((rc = post_gate("enrol", argv[1], json_pack("{s:s}", "from", argv[3]))))
		return rc;
	if (tims_post_open(argv[1], TIMS_POST_READ, &p, &err))
		return cli_error(CLI_USAGE, "post", _("enrol: %s"), err.msg);
	snprintf(want, sizeof(want), "origin = %s\n", tims_post_origin(p));
	tims_post_free(p);
	snprintf(path, sizeof(path), "%s/enrolment.conf", argv[3]);
	if (tims_read_file(path, conf.max, &conf, &err))
		return cli_error(CLI_USAGE, "post", _("enrol: %s"), err.msg);
	rc = strstr(tims_buf_str(&conf), want) == NULL;
	tims_buf_release(&conf);
	if (rc)
		return cli_error(CLI_FAIL, "post", _("enrol: %s was made for another post "
				 "(its origin is not this post's)"), argv[3]);
	snprintf(path, sizeof(path), "%s/centre", argv[1]);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return cli_error(CLI_USAGE, "post", _("enrol: %s: %s"), path, strerror(errno));
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(files); i++)
		if (copy_file(argv[3], files[i][0], argv[1], files[i][1],
			      strstr(files[i][0], ".key") ? 0600 : 0644, &err))
			return cli_error(CLI_USAGE, "post", _("enrol: %s"), err.msg);
	/* the signed revocation list, in an enrolment made since it exists */
	snprintf(path, sizeof(path), "%s/revocations.json", argv[3]);
	if (access(path, F_OK) == 0 &&
	    copy_file(argv[3], "revocations.json", argv[1], "centre/revocations.json", 0644, &err))
		return cli_error(CLI_USAGE, "post", _("enrol: %s"), err.msg);
	if (serve_keys_jail("post enrol", argv[1], 0))
		return CLI_FAIL;
	printf(_("post %s enrolled: it pushes to the centre from its next start\n"), argv[1]);
	return CLI_OK;
}

static int post_add_witness(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "vkey", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *ca = NULL, *vk = NULL;
	struct tims_buf b = TIMS_BUF_INIT(16384);
	char path[4200], abs_ca[PATH_MAX], abs_vk[PATH_MAX];
	struct tims_err err;
	int c;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'u')
			url = optarg;
		else if (c == 'c')
			ca = optarg;
		else if (c == 'k')
			vk = optarg;
		else
			return cli_error(CLI_USAGE, "post", _("add-witness: see --help"));
	}
	if (optind + 1 != argc || !url || !ca || !vk || strncmp(url, "https://", 8) ||
	    strpbrk(url, " \n"))
		return cli_error(CLI_USAGE, "post",
				 _("add-witness: want DIR --url https://... --ca FILE --vkey FILE"));
	if (!realpath(ca, abs_ca) || !realpath(vk, abs_vk) || strpbrk(abs_ca, " \n") ||
	    strpbrk(abs_vk, " \n"))
		return cli_error(CLI_USAGE, "post", _("add-witness: %s or %s: missing, or a path "
				 "with spaces"), ca, vk);
	if ((c = post_gate("add-witness", argv[optind], json_pack("{s:s}", "url", url))))
		return c;
	snprintf(path, sizeof(path), "%s/witnesses.conf", argv[optind]);
	if (access(path, F_OK) == 0 && tims_read_file(path, b.max, &b, &err))
		return cli_error(CLI_USAGE, "post", _("add-witness: %s"), err.msg);
	if (tims_buf_addf(&b, "%s %s %s\n", url, abs_ca, abs_vk) ||
	    tims_write_file(path, b.buf, b.len, 0644, 1, &err)) {
		tims_buf_release(&b);
		return cli_error(CLI_USAGE, "post", _("add-witness: cannot write %s"), path);
	}
	tims_buf_release(&b);
	printf(_("witness %s added; the node asks it from its next start\n"), url);
	return CLI_OK;
}

/* Read "key = value" from the enrolment. */
static int enrol_get(const char *dir, const char *key, char *out, size_t cap)
{
	struct tims_buf b = TIMS_BUF_INIT(8192);
	char path[4200];
	const char *p;
	size_t kl = strlen(key);
	int ok = 0;

	snprintf(path, sizeof(path), "%s/centre/enrolment.conf", dir);
	if (tims_read_file(path, b.max, &b, NULL))
		return 0;
	for (p = tims_buf_str(&b); p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && !strncmp(p + kl, " = ", 3)) {
			const char *v = p + kl + 3, *nl = strchr(v, '\n');
			size_t n = nl ? (size_t)(nl - v) : strlen(v);

			if (n < cap) {
				memcpy(out, v, n);
				out[n] = '\0';
				ok = 1;
			}
			break;
		}
	tims_buf_release(&b);
	return ok;
}

static tims_rc restore_collect(void *ctx, const struct tims_post_raw *r)
{
	struct tims_err e;

	return tims_sync_batch_add(ctx, r, &e);
}

static int post_restore(int argc, char **argv)
{
	char url[512], ca[4200], crt[4200], key[4200], mpath[4200], mcp[4200], db[4200];
	char vkpath[4200], path[160], pinhex[80];
	struct tims_buf ans = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	/* Only the centre enrolled: its role and the key pinned at enrolment. */
	uint8_t pin[32];
	struct tims_tls_policy centre = { .role = TIMS_CERT_CENTRE_SERVER, .spki_pin = pin };
	struct tims_sync_peer peer = { url, ca, crt, key, 60, &centre };
	struct tims_sync_mirror *m = NULL;
	struct tims_sync_result res;
	struct tims_sync_batch b;
	struct tims_verifier v;
	struct tims_post *p = NULL;
	struct tims_vault *vault = NULL;
	struct tims_err err;
	uint64_t at = 0, total = 0;
	const char *dir;
	long status;
	int st = CLI_USAGE, refused = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	if (argc != 3 || strcmp(argv[2], "--from-centre") != 0)
		return cli_error(CLI_USAGE, "post", _("restore: want DIR --from-centre"));
	dir = argv[1];
	{
		int g = post_gate("restore", dir, NULL);

		if (g)
			return g;
	}
	snprintf(db, sizeof(db), "%s/post.db", dir);
	if (access(db, F_OK) == 0)
		return cli_error(CLI_USAGE, "post", _("restore: %s exists; restore only "
				 "rebuilds a lost post.db (move it away first)"), db);
	if (!enrol_get(dir, "url", url, sizeof(url)) || !url[0])
		return cli_error(CLI_USAGE, "post", _("restore: %s is not enrolled with a centre "
				 "(tims post enrol)"), dir);
	if (!enrol_get(dir, "centre_server_pin", pinhex, sizeof(pinhex)) ||
	    tims_tls_unhex32(pinhex, pin, NULL))
		return cli_error(CLI_USAGE, "post", _("restore: %s/centre/enrolment.conf pins no "
				 "centre key (an enrolment made before certificate roles): renew "
				 "it (tims centre renew-post, docs/operations.md)"), dir);
	snprintf(ca, sizeof(ca), "%s/centre/ca.crt", dir);
	snprintf(crt, sizeof(crt), "%s/centre/client.crt", dir);
	snprintf(key, sizeof(key), "%s/centre/client.key", dir);
	snprintf(vkpath, sizeof(vkpath), "%s/post.vkey", dir);
	snprintf(mpath, sizeof(mpath), "%s/restore.mirror.db", dir);
	snprintf(mcp, sizeof(mcp), "%s/restore.mirror.checkpoint", dir);
	tims_sync_batch_init(&b);
	/* The records arrive in clear over mutual TLS: the scratch mirror
	 * seals them under the post's own vault, as post.db does. */
	if (tims_vault_open(dir, &vault, &err) == TIMS_ERR_NOTFOUND &&
	    tims_vault_create(dir, NULL, &err) == TIMS_OK)
		tims_vault_open(dir, &vault, &err); /* a post that lost its vault too */
	if (!vault ||
	    tims_mlog_load_keys(dir, vkpath, NULL, &v, NULL, &err) ||
	    tims_sync_mirror_open(mpath, mcp, &v, &m, &err) ||
	    tims_sync_mirror_set_vault(m, vault, &err) ||
	    tims_sync_mirror_size(m, &at, &err))
		goto fail;
	/* 1. Everything the centre holds, each batch verified as the centre
	 *    verified it, into a scratch mirror. */
	for (;;) {
		snprintf(path, sizeof(path), "/api/v1/sync/export?from=%" PRIu64 "&count=%d",
			 at, TIMS_SYNC_MAX_BATCH);
		if (tims_sync_http(&peer, "GET", path, NULL, 0, NULL, ans.max, &ans, &status,
				   &err))
			goto fail;
		if (status != 200) {
			tims_err_set(&err, TIMS_ERR_NET, "the centre answered %ld: %.200s", status,
				     ans.buf ? tims_buf_str(&ans) : "");
			goto fail;
		}
		if (tims_sync_batch_decode(ans.buf, ans.len, &b, &err) ||
		    tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err)) {
			/* What the centre served does not verify: a forked or
			 * altered tree, refused (exit 1), not an I/O error. */
			refused = 1;
			goto fail;
		}
		at = res.size;
		if (b.n == 0 || at >= b.cp.size)
			break;
	}
	total = at;
	/* 2. Into a new post.db, the final checkpoint (with the centre's
	 *    cosignature) adopted by the post's own log. */
	if (tims_post_open_restore(dir, &p, &err))
		goto fail;
	for (uint64_t from = 0; from < total; from += TIMS_SYNC_MAX_BATCH) {
		uint64_t n = total - from > TIMS_SYNC_MAX_BATCH ? TIMS_SYNC_MAX_BATCH : total - from;
		int last = from + n >= total;

		if (tims_sync_batch_start(&b, from, b.note, b.note_len, &err))
			goto fail;
		if (tims_sync_mirror_export(m, from, n, restore_collect, &b, &err) ||
		    tims_post_import(p, b.items, b.n, last ? b.note : NULL,
				     last ? b.note_len : 0, &err))
			goto fail;
	}
	if (total == 0 && b.note &&
	    tims_post_import(p, NULL, 0, b.note, b.note_len, &err))
		goto fail;
	if (b.note && enrol_get(dir, "centre", path, sizeof(path)))
		tims_post_keep_cosigned(p, path, b.cp.size, b.note, b.note_len, NULL);
	tims_post_free(p);
	p = NULL;
	tims_sync_mirror_free(m);
	m = NULL;
	unlink(mpath);
	unlink(mcp);
	/* 3. The post opens for writing only if it holds at least what it had
	 *    published (the checkpoint file outside post.db, if it survived). */
	if (tims_post_open(dir, TIMS_POST_WRITE, &p, &err)) {
		printf(_("restored %" PRIu64 " records from the centre, but: %s\n"), total, err.msg);
		st = CLI_FAIL;
		goto out;
	}
	printf(_("restored %" PRIu64 " records from the centre; root verified against the "
	       "post-signed checkpoint of size %" PRIu64 "\n"), total, b.cp.size);
	st = CLI_OK;
	goto out;
fail:
	if (refused)
		st = cli_error(CLI_FAIL, "post", _("restore: refused what the centre served from "
			       "record %" PRIu64 " on: %s"), at, err.msg);
	else
		cli_error(CLI_USAGE, "post", _("restore: %s"), err.msg);
	if (p) {
		tims_post_free(p);
		p = NULL;
		unlink(db); /* a partial restore is not a post */
	}
out:
	tims_post_free(p);
	tims_sync_mirror_free(m);
	if (vault)
		tims_vault_close(vault);
	tims_sync_batch_release(&b);
	tims_buf_release(&ans);
	return st;
}

/* ---- a post that stopped: the operator's procedure ------------------------ */

static void count_finding(void *ctx, const char *finding)
{
	fprintf(stderr, _("tims post: resolve-rollback: %s\n"), finding);
	(*(uint64_t *)ctx)++;
}

/*
 * The post learnt from the centre or a witness that its log was rolled back
 * or forked, and stopped (DIR/halted). Once the operator has brought the
 * log back (docs/operations.md: stop the node, move post.db aside, `tims
 * post restore --from-centre`), this checks the log holds at least what the
 * peer had seen and verifies, records who resolved it and why in the audit
 * log, and only then lets the post acknowledge again.
 */
static int post_resolve_rollback(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "operator", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL, *op = NULL, *dir;
	char why[TIMS_ERR_MSG_BYTES], addr[64];
	struct cli_actor who;
	struct tims_post_verify_stats vs;
	struct tims_audit_event ev;
	struct tims_audit *a = NULL;
	struct tims_post *p = NULL;
	struct tims_err err;
	uint64_t peer = 0, size = 0, findings = 0, at;
	int64_t since = 0;
	char *q = NULL, *r = NULL;
	json_t *qj = NULL, *rj = NULL;
	int c, st = CLI_USAGE;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			reason = optarg;
		else if (c == 'o')
			op = optarg;
		else
			return cli_error(CLI_USAGE, "post", _("resolve-rollback: see --help"));
	}
	if (optind + 1 != argc || !reason || strlen(reason) < 3 || strlen(reason) > 200)
		return cli_error(CLI_USAGE, "post", _("resolve-rollback: want DIR --reason TEXT "
				 "(3-200 characters)"));
	dir = argv[optind];
	/* The operator is the admin logged in, not a name typed. */
	if ((st = cli_authenticate("post resolve-rollback", dir, TIMS_ROLE_ADMIN, &who)))
		return st;
	if (op && strcmp(op, who.who.id) != 0)
		return cli_error(CLI_FAIL, "post", _("resolve-rollback: --operator %s: logged in "
				 "as %s"), op, who.who.id);
	st = CLI_USAGE;
	if (tims_post_halt_read(dir, why, sizeof(why), &peer, &since, &err))
		return cli_error(CLI_FAIL, "post", _("resolve-rollback: %s"), err.msg);
	/* Opening for writing refuses a log behind its own checkpoint file. */
	if (tims_post_open(dir, TIMS_POST_WRITE, &p, &err) ||
	    tims_post_size(p, &size, &err)) {
		st = cli_error(CLI_FAIL, "post", _("resolve-rollback: %s"), err.msg);
		goto out;
	}
	if (size < peer) {
		st = cli_error(CLI_FAIL, "post", _("resolve-rollback: the log holds %" PRIu64
			       " records but a peer holds %" PRIu64 " of this post: restore it "
			       "first (docs/operations.md, \"A post that stopped\")"), size, peer);
		goto out;
	}
	if (tims_post_verify(p, count_finding, &findings, &vs, &err) || findings) {
		st = cli_error(CLI_FAIL, "post", _("resolve-rollback: the log does not verify%s%s"),
			       findings ? "" : ": ", findings ? "" : err.msg);
		goto out;
	}
	tims_post_free(p);
	p = NULL;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "%s", who.who.id);
	snprintf(ev.role, sizeof(ev.role), "admin");
	snprintf(ev.booth, sizeof(ev.booth), "cli");
	snprintf(addr, sizeof(addr), "local uid %ld", (long)getuid());
	snprintf(ev.addr, sizeof(ev.addr), "%s", addr);
	snprintf(ev.action, sizeof(ev.action), "post.resolve-rollback");
	snprintf(ev.purpose, sizeof(ev.purpose), "%s", reason);
	ev.crossing = -1;
	ev.status = 200;
	qj = json_pack("{s:s, s:I, s:I}", "halted", why, "since_ms", (json_int_t)since,
		       "peer_size", (json_int_t)peer);
	rj = json_pack("{s:I, s:b}", "log_size", (json_int_t)size, "verified", 1);
	q = qj ? json_dumps(qj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	r = rj ? json_dumps(rj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!q || !r) {
		st = cli_error(CLI_USAGE, "post", _("resolve-rollback: out of memory"));
		goto out;
	}
	ev.query = q;
	ev.query_len = strlen(q);
	ev.result = r;
	ev.result_len = strlen(r);
	/* Recorded first: the post acknowledges again only once it is. */
	if (tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) ||
	    tims_audit_append(a, &ev, &at, &err) ||
	    tims_post_halt_clear(dir, &err)) {
		st = cli_error(CLI_USAGE, "post", _("resolve-rollback: %s"), err.msg);
		goto out;
	}
	printf(_("resolved: the log holds %" PRIu64 " records and verifies; audit event %" PRIu64
	       "; the post acknowledges again from its next start\n"), size, at);
	st = CLI_OK;
out:
	json_decref(qj);
	json_decref(rj);
	free(q);
	free(r);
	tims_audit_free(a);
	tims_post_free(p);
	return st;
}

/*
 * The post's signing key replaced (tims_post_rotate_key): audited under the
 * old key before it acts and under the new one after, and reported to the
 * centre as a key-rotated event.
 */
static int post_rotate_key(int argc, char **argv)
{
	char oldk[TIMS_POST_VKEY_MAX], newk[TIMS_POST_VKEY_MAX];
	struct tims_post_events *q = NULL;
	struct cli_actor who;
	struct tims_event ev;
	struct tims_err err;
	const char *dir;
	json_t *res;
	char *text;
	uint64_t seq;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_error(CLI_USAGE, "post", _("rotate-key: want DIR and nothing else"));
	dir = argv[1];
	if ((st = cli_gate("post rotate-key", dir, TIMS_ROLE_ADMIN, "cli.post.rotate-key", "",
			   NULL, &who)))
		return st;
	if (tims_post_rotate_key(dir, oldk, newk, &err))
		return cli_error(CLI_FAIL, "post", _("rotate-key: %s"), err.msg);
	if (serve_keys_jail("post rotate-key", dir, 0))
		return CLI_FAIL;
	cli_session_follow_key(dir, oldk);
	res = json_pack("{s:s, s:s}", "old_vkey", oldk, "new_vkey", newk);
	text = res ? json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(res);
	/* After the hand-over: the audit log says which key it went to, signed
	 * with that key. */
	st = cli_audit(&who, "post rotate-key", "post.key-rotated", "", text);
	free(text);
	tims_event_init(&ev);
	ev.kind = TIMS_EVENT_KEY_ROTATED;
	snprintf(ev.officer, sizeof(ev.officer), "%s", who.who.id);
	snprintf(ev.detail, sizeof(ev.detail), "post signing key rotated to %.400s", newk);
	if (tims_post_events_open(dir, &q, &err) || tims_post_event_add(q, &ev, &seq, &err))
		fprintf(stderr, _("tims post: rotate-key: the event for the centre: %s\n"), err.msg);
	tims_post_events_close(q);
	printf("old key: %s\nnew key: %s\n", oldk, newk); /* i18n: machine (scripts read the keys) */
	return st;
}

/* An officer roster carried by hand; releases b. */
static int apply_roster(const char *dir, struct tims_bundle *b)
{
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES];
	struct tims_roster_result res;
	struct tims_bundle_held h;
	struct tims_officers *o = NULL;
	struct tims_err err;
	char name[TIMS_BUNDLE_NAME_MAX + 1], path[4200];
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/centre/roster.key", dir);
	if (!enrol_get(dir, "name", name, sizeof(name)))
		rc = tims_err_set(&err, TIMS_ERR_INVALID, "%s: the enrolment names no post", dir);
	else if (!(rc = tims_store_key_load(path, key, &err)) &&
		 !(rc = tims_bundle_held_get(dir, "officers", name, &h, &err)) &&
		 !(rc = tims_officers_open_dir(dir, TIMS_PW_COST_INTERACTIVE, &o, &err)) &&
		 !(rc = tims_bundle_apply_roster(o, b, name, key, h.version, &res, &err)))
		rc = tims_bundle_held_set(dir, b, &err);
	sodium_memzero(key, sizeof(key));
	tims_officers_close_dir(o);
	if (!rc)
		printf(_("officer roster version %" PRIu64 " from %s applied: %zu added, %zu changed, "
		       "%zu withdrawn, %zu unchanged\n"), b->version, b->centre, res.added,
		       res.changed, res.withdrawn, res.unchanged);
	tims_bundle_release(b);
	if (rc)
		return cli_error(rc == TIMS_ERR_REPLAY || rc == TIMS_ERR_SIGNATURE ? CLI_FAIL :
				 CLI_USAGE, "post", _("apply-bundle: %s"), err.msg);
	return CLI_OK;
}

/* The pre-screened arrivals of this airport post, carried by hand;
 * releases b. */
static int apply_arrivals(const char *dir, struct tims_bundle *b)
{
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES];
	struct tims_prescreen_applied res;
	struct tims_bundle_held h;
	struct tims_post *p = NULL;
	struct tims_err err;
	char name[TIMS_BUNDLE_NAME_MAX + 1], path[4200];
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/centre/roster.key", dir);
	if (!enrol_get(dir, "name", name, sizeof(name)))
		rc = tims_err_set(&err, TIMS_ERR_INVALID, "%s: the enrolment names no post", dir);
	else if (strcmp(b->list, name) != 0)
		rc = tims_err_set(&err, TIMS_ERR_SIGNATURE, "bundle: arrivals for post \"%s\", not "
				  "for this post (\"%s\")", b->list, name);
	else if (!(rc = tims_bundle_held_get(dir, "arrivals", name, &h, &err)) &&
		 b->version <= h.version)
		rc = tims_err_set(&err, TIMS_ERR_REPLAY, "bundle: arrivals version %" PRIu64 " is "
				  "not newer than the %" PRIu64 " held (replayed or out of order)",
				  b->version, h.version);
	/* (refused before the post's store and vault are opened) */
	else if (!rc && !(rc = tims_store_key_load(path, key, &err)) &&
		 !(rc = tims_post_open(dir, TIMS_POST_READ, &p, &err)))
		rc = tims_prescreen_apply(dir, tims_post_vault(p), b, name, key,
					  (int64_t)time(NULL) * 1000, &res, &err);
	sodium_memzero(key, sizeof(key));
	tims_post_free(p);
	if (!rc)
		printf(_("arrivals of %s version %" PRIu64 " from %s applied: %zu travellers, %zu with "
		       "a hit, %zu past retention\n"), res.airport, res.version, b->centre,
		       res.travellers, res.hits, res.expired);
	tims_bundle_release(b);
	if (rc)
		return cli_error(rc == TIMS_ERR_REPLAY || rc == TIMS_ERR_SIGNATURE ||
				 rc == TIMS_ERR_INVALID ? CLI_FAIL : CLI_USAGE, "post",
				 _("apply-bundle: %s"), err.msg);
	return CLI_OK;
}

static int post_apply_bundle(int argc, char **argv)
{
	char centre[160], path[4200];
	struct tims_buf in = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_verifier keys[2];
	size_t nkeys = 0;
	struct tims_bundle b;
	struct tims_wl *wl = NULL;
	struct tims_err err;
	tims_rc rc;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	if (argc != 3)
		return cli_error(CLI_USAGE, "post", _("apply-bundle: want DIR FILE"));
	{
		int g = post_gate("apply-bundle", argv[1], json_pack("{s:s}", "file", argv[2]));

		if (g)
			return g;
	}
	if (!enrol_get(argv[1], "centre", centre, sizeof(centre)))
		return cli_error(CLI_USAGE, "post", _("apply-bundle: %s is not enrolled with a centre"),
				 argv[1]);
	snprintf(path, sizeof(path), "%s/centre", argv[1]);
	if (tims_keyroll_keys(path, "bundle", (int64_t)time(NULL), keys, &nkeys, &err) ||
	    tims_read_file(argv[2], in.max, &in, &err)) {
		tims_buf_release(&in);
		return cli_error(CLI_USAGE, "post", _("apply-bundle: %s"), err.msg);
	}
	/* A key announcement of the centre (docs/keys.md), carried by hand. */
	{
		struct tims_keyroll k;
		int applied = 0;

		rc = tims_keyroll_parse(in.buf, in.len, &k, &err);
		if (rc != TIMS_ERR_NOTFOUND) {
			if (!rc)
				rc = tims_keyroll_apply(path, centre, in.buf, in.len, &applied, &err);
			tims_buf_release(&in);
			if (rc)
				return cli_error(CLI_FAIL, "post", _("apply-bundle: refused: %s"), err.msg);
			printf(_("the centre's %s key: %s (restart the node to use it)\n"), k.role,
			       applied ? _("followed to its successor") : _("already the successor"));
			return CLI_OK;
		}
	}
	{
		/* a bundle key the centre's signed list revokes signs nothing */
		struct tims_revocation rl;
		size_t kept = 0, by = 0;

		snprintf(path, sizeof(path), "%s/centre/revocations.json", argv[1]);
		/* the list is signed by the bundle key: either of an overlap */
		while (by < nkeys && tims_revocation_load(path, &keys[by], centre, &rl, NULL))
			by++;
		if (by < nkeys) {
			for (size_t i = 0; i < nkeys; i++)
				if (!tims_revocation_verifier_revoked(&rl, &keys[i], 0))
					keys[kept++] = keys[i];
			tims_revocation_release(&rl);
			nkeys = kept;
		}
		if (!nkeys) {
			tims_buf_release(&in);
			return cli_error(CLI_FAIL, "post", _("apply-bundle: refused: every key it "
					 "may be signed by is revoked by the centre's list"));
		}
	}
	snprintf(path, sizeof(path), "%s/watchlists", argv[1]);
	rc = tims_bundle_open_keys(in.buf, in.len, keys, nkeys, centre, &b, &err);
	tims_buf_release(&in);
	if (rc)
		return cli_error(CLI_FAIL, "post", _("apply-bundle: refused: %s"), err.msg);
	if (!strcmp(b.kind, "officers"))
		return apply_roster(argv[1], &b);
	if (!strcmp(b.kind, "arrivals"))
		return apply_arrivals(argv[1], &b);
	if (!(rc = tims_wl_open(path, true, &wl, &err)))
		rc = tims_bundle_apply_held(argv[1], wl, &b, &err);
	tims_wl_close(wl);
	if (!rc)
		printf(_("watchlist %s: version %" PRIu64 " from %s applied (restart the node to "
		       "screen with it)\n"), b.list, b.version, b.centre);
	tims_bundle_release(&b);
	if (rc)
		return cli_error(rc == TIMS_ERR_REPLAY ? CLI_FAIL : CLI_USAGE, "post",
				 _("apply-bundle: %s"), err.msg);
	return CLI_OK;
}

static int post_renew_cert(int argc, char **argv)
{
	unsigned flags = 0;
	struct tims_err err;
	char what[256];
	int g;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--now"))
			flags |= TIMS_RENEW_FORCE;
		else if (!strcmp(argv[i], "--by-key"))
			flags |= TIMS_RENEW_BY_KEY | TIMS_RENEW_FORCE;
		else
			return cli_error(CLI_USAGE, "post", _("renew-cert: want DIR [--now] [--by-key]"));
	}
	if (argc < 2)
		return cli_error(CLI_USAGE, "post", _("renew-cert: want DIR [--now] [--by-key]"));
	if ((g = post_gate("renew-cert", argv[1], json_pack("{s:b, s:b}", "now",
			   (flags & TIMS_RENEW_FORCE) != 0, "by_key", (flags & TIMS_RENEW_BY_KEY) != 0))))
		return g;
	if (tims_node_renew_cert(argv[1], flags, what, sizeof(what), &err))
		return cli_error(CLI_FAIL, "post", _("renew-cert: %s"), err.msg);
	printf("%s\n", what[0] ? what : _("the client certificate is not due for renewal "
	       "(--now to renew it anyway)"));
	return CLI_OK;
}

static int post_apply_revocations(int argc, char **argv)
{
	struct tims_buf in = TIMS_BUF_INIT(TIMS_REVOCATION_MAX);
	struct tims_err err;
	uint64_t version;
	int kept, g;
	tims_rc rc;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	if (argc != 3)
		return cli_error(CLI_USAGE, "post", _("apply-revocations: want DIR FILE"));
	if ((g = post_gate("apply-revocations", argv[1], json_pack("{s:s}", "file", argv[2]))))
		return g;
	if (tims_read_file(argv[2], in.max, &in, &err)) {
		tims_buf_release(&in);
		return cli_error(CLI_USAGE, "post", _("apply-revocations: %s"), err.msg);
	}
	rc = tims_node_apply_revocations(argv[1], in.buf, in.len, &version, &kept, &err);
	tims_buf_release(&in);
	if (rc)
		return cli_error(rc == TIMS_ERR_STATE || rc == TIMS_ERR_SIGNATURE ||
				 rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_INVALID ? CLI_FAIL : CLI_USAGE,
				 "post", _("apply-revocations: refused: %s"), err.msg);
	printf(_("revocation list %" PRIu64 " %s\n"), version, kept ? _("kept") : _("held already"));
	return CLI_OK;
}

static int post_wall_key(int argc, char **argv)
{
	char key[65];
	struct tims_err err;
	int revoke, g;

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	revoke = argc == 3 && !strcmp(argv[2], "--revoke");
	if (argc != 2 && !revoke)
		return cli_error(CLI_USAGE, "post", _("wall-key: want DIR [--revoke]"));
	if ((g = post_gate("wall-key", argv[1], json_pack("{s:b}", "revoke", revoke))))
		return g;
	if (tims_node_wall_key(argv[1], revoke, key, &err))
		return cli_error(CLI_FAIL, "post", _("wall-key: %s"), err.msg);
	if (revoke)
		printf(_("wall key revoked: GET /api/v1/wall refuses it from now on\n"));
	else
		printf("%s\n", key);
	sodium_memzero(key, sizeof(key));
	return CLI_OK;
}

/* The route table as JSON Lines: docs/api.md's matrix is checked against it. */
static int post_routes(int argc, char **argv)
{
	size_t n;
	const struct tims_http_route *r = tims_node_route_table(&n);

	if (cli_wants_help(argc, argv)) {
		fputs(post_usage(), stdout);
		return CLI_OK;
	}
	if (argc != 1)
		return cli_error(CLI_USAGE, "post", _("routes: takes no argument"));
	cli_print_routes(r, n);
	return CLI_OK;
}

static const struct cli_command post_commands[] = {
	{ "init", post_init, "create a post directory" },
	{ "seal", post_seal, "seal in place a post made before personal data was sealed" },
	{ "serve", post_serve, "run the post node (HTTPS API and booth console)" },
	{ "enrol", post_enrol, "install the enrolment the centre made for this post" },
	{ "add-witness", post_add_witness, "send checkpoints to a witness as well" },
	{ "apply-bundle", post_apply_bundle, "apply a signed bundle brought by hand" },
	{ "restore", post_restore, "rebuild a lost post.db from the centre's mirror" },
	{ "resolve-rollback", post_resolve_rollback,
	  "let a post halted as rolled back acknowledge again (audited)" },
	{ "rotate-key", post_rotate_key, "replace the post's signing key (signed hand-over)" },
	{ "renew-cert", post_renew_cert, "renew the post's client certificate from the centre" },
	{ "apply-revocations", post_apply_revocations,
	  "keep the centre's signed revocation list brought by hand" },
	{ "wall-key", post_wall_key, "a key for the post's wall display (counts only)" },
	{ "routes", post_routes, "the node's API routes and who may call them (JSON Lines)" },
};

int cmd_post(int argc, char **argv)
{
	return cli_dispatch("post", post_commands, TIMS_ARRAY_SIZE(post_commands),
			    post_usage(), argc, argv);
}
