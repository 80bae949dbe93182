/*
 * cmd_witness.c — `tims witness`: run an independent witness
 * (c2sp.org/tlog-witness), and ask one for a cosignature of a post's log.
 *
 *   tims witness init DIR [--name NAME] [--tls-host HOST ...] [--key-token URI]
 *   tims witness add-log DIR --vkey FILE
 *   tims witness list DIR
 *   tims witness serve DIR [--listen ADDR:PORT] [--config FILE] [--log-level L]
 *                          [--user NAME] [--sandbox enforce|log]
 *   tims witness ask --url URL --post DIR [--ca FILE] [--witness-key FILE]
 *                    [--old N] [--out FILE]
 *
 * Exit status: 0 done (cosigned), 1 refused (by the witness, or a rolled
 * back or forked log found), 2 usage, I/O or network error.
 */
#include <getopt.h>
#include <signal.h>
#include <pthread.h>

#include "cli.h"
#include "tims/signer.h"
#include "tims/notify.h"
#include "serve_conf.h"
#include "serve_sandbox.h"
#include "tims/post.h"
#include "tims/revocation.h"
#include "tims/util.h"
#include "tims/witness.h"

static const char usage[] =
	N_("usage: tims witness init DIR [--name NAME] [--tls-host HOST ...]\n"
	"                         [--key-token URI]\n"
	"   or: tims witness add-log DIR --vkey FILE [--audit]\n"
	"   or: tims witness list DIR\n"
	"   or: tims witness serve DIR [--listen ADDR:PORT] [--config FILE]\n"
	"                          [--log-level LEVEL] [--user NAME]\n"
	"                          [--sandbox enforce|log]\n"
	"   or: tims witness rotate-key DIR\n"
	"   or: tims witness apply-revocations DIR FILE [--vkey CENTRE_BUNDLE_VKEY]\n"
	"   or: tims witness ask --url URL --post DIR [--ca FILE]\n"
	"                        [--witness-key FILE] [--old N] [--out FILE]\n"
	"\n"
	"An independent witness: it cosigns a log's checkpoints only after\n"
	"checking each is signed by the log's key and consistent with every\n"
	"checkpoint it cosigned before (c2sp.org/tlog-witness).\n"
	"\n"
	"  init     make DIR: a cosigner key, a self-signed TLS certificate\n"
	"           (localhost, 127.0.0.1, ::1 and each --tls-host), the database;\n"
	"           --key-token: the cosigner key in that PKCS#11 token (docs/keys.md)\n"
	"  add-log  trust a log's verifier key; its name is the log's origin\n"
	"           (--audit: also for that node's audit log, ORIGIN/audit)\n"
	"  list     the logs, their last cosigned size and root\n"
	"  serve    answer POST /add-checkpoint over HTTPS until SIGINT or\n"
	"           SIGTERM (default 127.0.0.1:0, any free port; the port is\n"
	"           printed). --config FILE: the options (and dir) from a file\n"
	"           such as /etc/tims/witness.conf (tims.conf(5)); a flag\n"
	"           overrides the file. --log-level error|warning|notice|info|debug\n"
	"           (default info). --user NAME: the account to drop to once\n"
	"           bound (root is refused without it unless TIMS_ALLOW_ROOT=1;\n"
	"           DIR must be NAME's). --sandbox enforce (default) | log: a call\n"
	"           outside the seccomp allowlist kills the process, or is logged\n"
	"  rotate-key  a new cosigner key, announced under the old one\n"
	"           (GET /key-announcements): the posts that pin the old key\n"
	"           follow it; the old secret is wiped; restart a running witness\n"
	"  apply-revocations\n"
	"           keep the centre's signed revocation list (tims centre\n"
	"           revocations): verified with the centre's bundle key (--vkey,\n"
	"           pinned the first time), refused if older than the one held;\n"
	"           a revoked post's or key's checkpoints are not cosigned\n"
	"  ask      send a post's latest checkpoint to a witness with the right\n"
	"           consistency proof, print the checkpoint with the cosignature\n"
	"           (and write it to --out FILE); --witness-key checks it\n"
	"\n"
	"Exit status: 0 done, 1 refused (or a rolled back or forked log),\n"
	"2 usage, I/O or network error.\n");

#define MAX_HOSTS 6
#define NAME_DEFAULT_PREFIX "witness/"

static int wants_help(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return 1;
	}
	return 0;
}

static int status_of(tims_rc rc)
{
	switch (rc) {
	case TIMS_OK:
		return CLI_OK;
	case TIMS_ERR_INVALID: case TIMS_ERR_SIGNATURE: case TIMS_ERR_PROOF:
	case TIMS_ERR_TAMPER: case TIMS_ERR_STATE: case TIMS_ERR_NOTFOUND:
	case TIMS_ERR_EXISTS: case TIMS_ERR_TOOBIG:
		return CLI_FAIL;
	default:
		return CLI_USAGE;
	}
}

/* getopt_long over argv; exactly one positional argument (DIR) unless
 * dir is NULL. Returns 0 or an exit status. */
static int parse(const char *cmd, int argc, char **argv,
		 const struct option *opts, int (*on_opt)(void *, int, const char *),
		 void *ctx, const char **dir)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?' || c == ':' || on_opt(ctx, c, optarg))
			return cli_error(CLI_USAGE, "witness", _("%s: unknown, repeated "
					 "or incomplete option '%s'"), cmd,
					 argv[optind - 1]);
	}
	if (dir) {
		if (optind + 1 != argc)
			return cli_error(CLI_USAGE, "witness", _("%s: want one "
					 "directory (see --help)"), cmd);
		*dir = argv[optind];
	} else if (optind != argc) {
		return cli_error(CLI_USAGE, "witness", _("%s: unexpected argument "
				 "'%s'"), cmd, argv[optind]);
	}
	return 0;
}

/* A one-line key file, without its newline. */
static int read_key_file(const char *cmd, const char *path, struct tims_buf *b)
{
	struct tims_err err;

	if (tims_read_file(path, 4096, b, &err))
		return cli_error(CLI_USAGE, "witness", "%s: %s", cmd, err.msg);
	while (b->len && (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		tims_buf_setlen(b, b->len - 1);
	return 0;
}

/* ---- init ------------------------------------------------------------ */

struct init_opts {
	const char *name;
	const char *token;
	const char *hosts[MAX_HOSTS + 1];
	size_t nhosts;
};

static int init_opt(void *ctx, int c, const char *arg)
{
	struct init_opts *o = ctx;

	if (c == 'n' && !o->name)
		o->name = arg;
	else if (c == 'h' && o->nhosts < MAX_HOSTS)
		o->hosts[o->nhosts++] = arg;
	else if (c == 't' && !o->token)
		o->token = arg;
	else
		return 1;
	return 0;
}

static int witness_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tls-host", required_argument, NULL, 'h' },
		{ "key-token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct init_opts o = { 0 };
	char name[TIMS_NOTE_MAX_NAME + 1], host[64] = "localhost"; /* i18n: machine */
	const char *dir;
	struct tims_err err;
	struct tims_buf vkey = TIMS_BUF_INIT(4096);
	char vpath[4096];
	int st;

	if (wants_help(argc, argv))
		return CLI_OK;
	if ((st = parse("init", argc, argv, opts, init_opt, &o, &dir)))
		return st;
	if (!o.name) {
		if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
			snprintf(host, sizeof(host), "localhost");
		snprintf(name, sizeof(name), NAME_DEFAULT_PREFIX "%s", host);
		o.name = name;
	}
	if (tims_witness_init_token(dir, o.name, o.hosts, o.token, &err))
		return cli_error(err.rc == TIMS_ERR_EXISTS || err.rc == TIMS_ERR_INVALID
				 ? CLI_FAIL : CLI_USAGE, "witness", _("init: %s"), err.msg);
	if (serve_keys_jail("witness init", dir, 0))
		return CLI_FAIL;
	snprintf(vpath, sizeof(vpath), "%s/witness.vkey", dir);
	if (!read_key_file("init", vpath, &vkey))
		printf(_("witness %s made in %s\nverifier key: %s\n"), o.name, dir,
		       tims_buf_str(&vkey));
	tims_buf_release(&vkey);
	return CLI_OK;
}

/* ---- add-log ----------------------------------------------------------- */

static int one_string_opt(void *ctx, int c, const char *arg)
{
	const char **v = ctx;

	(void)c;
	if (*v)
		return 1;
	*v = arg;
	return 0;
}

struct add_log_opts {
	const char *file;
	int audit;
};

static int add_log_opt(void *ctx, int c, const char *arg)
{
	struct add_log_opts *o = ctx;

	if (c == 'a') {
		o->audit = 1;
		return 0;
	}
	return one_string_opt(&o->file, c, arg);
}

static int witness_add_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vkey", required_argument, NULL, 'k' },
		{ "audit", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct add_log_opts ao = { NULL, 0 };
	const char *dir, *file = NULL;
	struct tims_buf key = TIMS_BUF_INIT(4096);
	struct tims_witness *w;
	struct tims_err err;
	int st;

	if (wants_help(argc, argv))
		return CLI_OK;
	if ((st = parse("add-log", argc, argv, opts, add_log_opt, &ao, &dir)))
		return st;
	file = ao.file;
	if (!file)
		return cli_error(CLI_USAGE, "witness", _("add-log: --vkey FILE is required"));
	if ((st = read_key_file("add-log", file, &key)))
		return st;
	if (tims_witness_open(dir, &w, &err)) {
		tims_buf_release(&key);
		return cli_error(CLI_USAGE, "witness", _("add-log: %s"), err.msg);
	}
	if (tims_witness_add_log(w, tims_buf_str(&key), &err) &&
	    !(ao.audit && err.rc == TIMS_ERR_EXISTS))
		st = cli_error(status_of(err.rc), "witness", _("add-log: %s"), err.msg);
	else
		printf(_("trusting %s for its origin\n"), tims_buf_str(&key));
	if (!st && ao.audit) {
		struct tims_verifier v;
		char origin[TIMS_NOTE_MAX_NAME + 8];

		if (tims_verifier_parse(tims_buf_str(&key), &v, &err))
			st = cli_error(CLI_USAGE, "witness", _("add-log: %s"), err.msg);
		else if (snprintf(origin, sizeof(origin), "%s/audit", v.name),
			 tims_witness_add_log_origin(w, tims_buf_str(&key), origin, &err))
			st = cli_error(status_of(err.rc), "witness", _("add-log: %s"), err.msg);
		else
			printf(_("trusting it for %s too\n"), origin);
	}
	tims_witness_free(w);
	tims_buf_release(&key);
	return st;
}

static int witness_apply_revocations(int argc, char **argv)
{
	struct tims_buf in = TIMS_BUF_INIT(TIMS_REVOCATION_MAX);
	const char *vkey = NULL;
	struct tims_err err;
	uint64_t version;
	int kept;
	tims_rc rc;

	if (wants_help(argc, argv))
		return CLI_OK;
	if (argc == 5 && !strcmp(argv[3], "--vkey"))
		vkey = argv[4];
	else if (argc != 3)
		return cli_error(CLI_USAGE, "witness", _("apply-revocations: want DIR FILE "
				 "[--vkey CENTRE_BUNDLE_VKEY]"));
	if (tims_read_file(argv[2], in.max, &in, &err)) {
		tims_buf_release(&in);
		return cli_error(CLI_USAGE, "witness", _("apply-revocations: %s"), err.msg);
	}
	rc = tims_witness_apply_revocations(argv[1], in.buf, in.len, vkey, &version, &kept, &err);
	tims_buf_release(&in);
	if (rc)
		return cli_error(rc == TIMS_ERR_USAGE || rc == TIMS_ERR_IO || rc == TIMS_ERR_NOTFOUND ?
				 CLI_USAGE : CLI_FAIL, "witness", _("apply-revocations: refused: %s"),
				 err.msg);
	printf(_("revocation list %" PRIu64 " %s\n"), version, kept ? _("kept") : _("held already"));
	return CLI_OK;
}

/* ---- list -------------------------------------------------------------- */

static tims_rc print_log(void *ctx, const struct tims_witness_log *l)
{
	char hex[2 * TIMS_HASH_BYTES + 1] = "-";

	(void)ctx;
	if (l->has_root)
		for (int i = 0; i < TIMS_HASH_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", l->root[i]);
	printf("%s size %" PRIu64 " root %s cosigned_at %" PRIu64 " keys %u " /* i18n: machine */
	       "refusals %" PRIu64 "\n", /* i18n: machine */ l->origin, l->size, hex, l->cosigned_at,
	       l->nkeys, l->refusals);
	return TIMS_OK;
}

static int witness_list(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct tims_witness *w;
	struct tims_err err;
	const char *dir;
	int st;

	if (wants_help(argc, argv))
		return CLI_OK;
	if ((st = parse("list", argc, argv, opts, one_string_opt, NULL, &dir)))
		return st;
	if (tims_witness_open(dir, &w, &err))
		return cli_error(CLI_USAGE, "witness", _("list: %s"), err.msg);
	if (tims_witness_list(w, print_log, NULL, &err))
		st = cli_error(CLI_USAGE, "witness", _("list: %s"), err.msg);
	tims_witness_free(w);
	return st;
}

/* ---- serve ------------------------------------------------------------- */

/* "127.0.0.1:8443", "[::1]:0" */
static int parse_listen(const char *s, char *addr, size_t addrlen, uint16_t *port)
{
	const char *colon = strrchr(s, ':'), *a = s;
	size_t n;
	uint64_t p;

	if (!colon)
		return -1;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		a = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= addrlen)
		return -1;
	memcpy(addr, a, n);
	addr[n] = '\0';
	if (tims_parse_u64(colon + 1, 65535, &p, "port", NULL))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* The keys of witness.conf (tims.conf(5)): the long options, and dir. */
static const struct tims_conf_key witness_conf_keys[] = {
	{ "dir", TIMS_CONF_PATH, 0, 0, NULL },
	{ "listen", TIMS_CONF_ADDR_PORT, 0, 0, NULL },
	SERVE_KEY_LOG_LEVEL,
	SERVE_KEY_USER,
	SERVE_KEY_SANDBOX,
};

struct serve_opts {
	const char *listen, *file, *level, *user, *mode;
};

static int serve_opt(void *ctx, int c, const char *arg)
{
	struct serve_opts *o = ctx;
	const char **v = c == 'l' ? &o->listen : c == 'C' ? &o->file : c == 'U' ? &o->user :
		c == 'S' ? &o->mode : &o->level;

	return one_string_opt(v, c, arg);
}

static int witness_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'L' },
		SERVE_OPT_USER,
		SERVE_OPT_SANDBOX,
		{ NULL, 0, NULL, 0 },
	};
	const char *dir, *listen;
	struct serve_opts so = { NULL, NULL, NULL, NULL, NULL };
	struct serve_sandbox sb = { 0 };
	/* its strings are the config's as long as the process serves */
	static struct tims_conf conf;
	char addr[64];
	uint16_t port = 0;
	struct tims_http_server *srv = NULL;
	struct tims_witness *w;
	struct tims_err err;
	sigset_t set;
	int st, sig = 0, c;

	if (wants_help(argc, argv))
		return CLI_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == '?' || c == ':' || serve_opt(&so, c, optarg))
			return cli_error(CLI_USAGE, "witness", _("serve: unknown, repeated or "
					 "incomplete option '%s'"), argv[optind - 1]);
	if (optind + 1 < argc)
		return cli_error(CLI_USAGE, "witness", _("serve: want one directory (see --help)"));
	/* Flags first, then the file, then the defaults (tims.conf(5)). */
	if ((st = serve_conf_load("witness serve", so.file, witness_conf_keys,
				  sizeof(witness_conf_keys) / sizeof(witness_conf_keys[0]),
				  &conf)) ||
	    (st = serve_log_level_set("witness serve", so.level, &conf)))
		return st;
	sb.user = so.user, sb.mode = so.mode, sb.config = so.file;
	if ((st = serve_sandbox_check("witness serve", &sb, &conf)))
		return st;
	dir = serve_conf_pick(optind < argc ? argv[optind] : NULL, &conf, "dir", NULL);
	listen = serve_conf_pick(so.listen, &conf, "listen", NULL);
	if (!dir)
		return cli_error(CLI_USAGE, "witness", _("serve: want one directory (DIR, or "
				 "dir in the --config file)"));
	snprintf(addr, sizeof(addr), "127.0.0.1");
	if (listen && parse_listen(listen, addr, sizeof(addr), &port))
		return cli_error(CLI_USAGE, "witness", _("serve: --listen wants "
				 "ADDR:PORT, e.g. 127.0.0.1:8443 or [::1]:0"));
	/* Its signing key is in memory: no core dump. */
	if (tims_http_harden_process(&err))
		return cli_error(CLI_USAGE, "witness", _("serve: %s"), err.msg);
	/* Keys only in the signer process, before any token or thread. */
	if ((st = serve_sandbox_signer("witness serve", &sb, dir, NULL)))
		return st;
	if (tims_signer_start(&err))
		return cli_error(serve_signer_status(&err), "witness", _("serve: %s"), err.msg);
	if ((st = cli_private_dir("witness serve", dir)))
		return st;
	if (tims_witness_open(dir, &w, &err))
		return cli_error(CLI_USAGE, "witness", _("serve: %s"), err.msg);
	tims_witness_set_log(w, serve_log_line, NULL);
	/* The server's threads inherit the mask: only sigwait sees these. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD); /* the signer died */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (tims_witness_serve(w, addr, port, &srv, &err)) {
		tims_witness_free(w);
		return cli_error(CLI_USAGE, "witness", _("serve: %s"), err.msg);
	}
	sb.dir = dir, sb.port = tims_http_port(srv);
	if ((st = serve_sandbox_enter("witness serve", &sb))) {
		tims_http_stop(srv);
		tims_witness_free(w);
		return st;
	}
	printf("witness %s listening on https://%s%s%s:%u\n", /* i18n: machine (scripts read the port) */
	       tims_witness_verifier(w)->name, strchr(addr, ':') ? "[" : "", addr,
	       strchr(addr, ':') ? "]" : "", tims_http_port(srv));
	fflush(stdout);
	tims_notify_ready("serving");
	sig = tims_signer_sigwait(tims_notify_sigwait, &set);
	tims_notify_stopping();
	serve_log_event(sig == SIGCHLD ? TIMS_LOG_ERR : TIMS_LOG_NOTICE, "stop", "signal",
			sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signer-died");
	tims_http_stop(srv);
	tims_witness_free(w);
	if (sig == SIGCHLD)
		return cli_error(CLI_FAIL, "witness", _("serve: the signer process died: stopped"));
	return CLI_OK;
}

/* ---- ask --------------------------------------------------------------- */

struct ask_opts {
	const char *url, *ca, *post, *wkey, *old, *out;
};

static int ask_opt(void *ctx, int c, const char *arg)
{
	struct ask_opts *o = ctx;
	const char **slot = c == 'u' ? &o->url : c == 'c' ? &o->ca :
			    c == 'p' ? &o->post : c == 'k' ? &o->wkey :
			    c == 'o' ? &o->old : c == 'f' ? &o->out : NULL;

	if (!slot || *slot)
		return 1;
	*slot = arg;
	return 0;
}

static int witness_ask(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "post", required_argument, NULL, 'p' },
		{ "witness-key", required_argument, NULL, 'k' },
		{ "old", required_argument, NULL, 'o' },
		{ "out", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct ask_opts o = { 0 };
	struct tims_buf note, cosigs = TIMS_BUF_INIT(65536), key = TIMS_BUF_INIT(4096);
	struct tims_verifier wkey;
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	struct tims_post *p = NULL;
	struct tims_err err;
	uint64_t old = 0, wsize = 0;
	int st;
	tims_rc rc;

	if (wants_help(argc, argv))
		return CLI_OK;
	if ((st = parse("ask", argc, argv, opts, ask_opt, &o, NULL)))
		return st;
	if (!o.url || !o.post)
		return cli_error(CLI_USAGE, "witness", _("ask: --url and --post are required"));
	if (o.old && tims_parse_u64(o.old, TIMS_WITNESS_MAX_SIZE, &old, "--old", &err))
		return cli_error(CLI_USAGE, "witness", _("ask: %s"), err.msg);
	if (o.wkey) {
		if ((st = read_key_file("ask", o.wkey, &key)))
			return st;
		rc = tims_verifier_parse(tims_buf_str(&key), &wkey, &err);
		tims_buf_release(&key);
		if (rc)
			return cli_error(CLI_USAGE, "witness", _("ask: %s: %s"), o.wkey, err.msg);
	}
	if (tims_post_open(o.post, TIMS_POST_READ, &p, &err))
		return cli_error(CLI_USAGE, "witness", _("ask: %s"), err.msg);
	if (tims_post_latest_checkpoint(p, &note, &cp, &err)) {
		tims_post_free(p);
		return cli_error(status_of(err.rc), "witness", _("ask: %s"), err.msg);
	}
	tims_post_reader(p, &r);
	rc = tims_witness_request_cosignature(o.url, o.ca, &r, note.buf, note.len, old,
					      o.wkey ? &wkey : NULL, &cosigs, &wsize, &err);
	if (rc) {
		st = cli_error(status_of(rc), "witness", _("ask: %s size %" PRIu64 ": %s"),
			       cp.origin, cp.size, err.msg);
	} else if ((rc = tims_buf_add(&note, cosigs.buf, cosigs.len))) {
		st = cli_error(CLI_USAGE, "witness", _("ask: cosigned note too large"));
	} else {
		fwrite(note.buf, 1, note.len, stdout);
		if (o.out && tims_write_file(o.out, note.buf, note.len, 0644, 1, &err))
			st = cli_error(CLI_USAGE, "witness", _("ask: %s"), err.msg);
	}
	tims_buf_release(&note);
	tims_buf_release(&cosigs);
	tims_post_free(p);
	return st;
}

static int witness_rotate_key(int argc, char **argv)
{
	char path[4300];
	struct tims_err err;

	if (wants_help(argc, argv))
		return CLI_OK;
	if (argc != 2 || argv[1][0] == '-')
		return cli_error(CLI_USAGE, "witness", _("rotate-key: want DIR"));
	if (tims_witness_rotate_key(argv[1], 0, path, sizeof(path), &err))
		return cli_error(CLI_FAIL, "witness", _("rotate-key: %s"), err.msg);
	if (serve_keys_jail("witness rotate-key", argv[1], 0))
		return CLI_FAIL;
	printf(_("witness key rotated; announced in %s (restart a running witness)\n"), path);
	return CLI_OK;
}

static const struct cli_command witness_commands[] = {
	{ "init", witness_init, "make a witness directory" },
	{ "add-log", witness_add_log, "trust a log's verifier key" },
	{ "list", witness_list, "the logs and their last cosigned size" },
	{ "serve", witness_serve, "answer add-checkpoint over HTTPS" },
	{ "apply-revocations", witness_apply_revocations,
	  "keep the centre's signed revocation list" },
	{ "ask", witness_ask, "ask a witness to cosign a post's checkpoint" },
	{ "rotate-key", witness_rotate_key, "a new key, announced under the old one" },
};

int cmd_witness(int argc, char **argv)
{
	return cli_dispatch("witness", witness_commands,
			    TIMS_ARRAY_SIZE(witness_commands), usage, argc, argv);
}
