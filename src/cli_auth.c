/*
 * cli_auth.c — who is typing (G5, G6): `tims login`, `tims logout`, and the
 * gate every command that reads personal data or changes the system goes
 * through (cli_authenticate, then cli_audit before it acts or answers).
 *
 *   tims login --post DIR OFFICER [--print-token]
 *   tims logout --post DIR
 *
 * DIR is a node: a post's directory (post.db) or the centre's (centre.db).
 * Its officer store (DIR/node.db) holds the accounts and the sessions, the
 * same table as the API's: a CLI session is booth "cli", ends at logout,
 * after TIMS_SESSION_IDLE of inactivity, after TIMS_SESSION_MAX, and when
 * the account is disabled or reset. The token is kept in a session file of
 * the operator's own (mode 0600 in a 0700 directory, docs/roles.md), named
 * after the node's identity (its verifier key), so a file of one node is
 * never offered to another; TIMS_SESSION=TOKEN overrides the file.
 *
 * The library never prints; this file does, as "tims CMD: ...".
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "cli.h"
#include "tims/audit.h"
#include "tims/mlog.h"
#include "tims/officer.h"
#include "tims/totpclaim.h"
#include "tims/util.h"

#define CLI_BOOTH TIMS_CLI_BOOTH
#define CLI_ADDR "local"
#define SESSION_NAME_MAX 160

/* A post: post.db or its key post.vkey (restore runs without post.db); the
 * centre: centre.db or its audit key. Either file is enough, so that taking
 * one away does not make a node's directory look like no node's. */
int cli_node_kind(const char *dir)
{
	static const char *const post[] = { "post.db", "post.vkey" };
	static const char *const centre[] = { "centre.db", "audit.vkey" };
	char path[4200];

	if (!dir || strlen(dir) > 4000)
		return CLI_NODE_NONE;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, post[i]);
		if (access(path, F_OK) == 0)
			return CLI_NODE_POST;
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, centre[i]);
		if (access(path, F_OK) == 0)
			return CLI_NODE_CENTRE;
	}
	return CLI_NODE_NONE;
}

/* The node's verifier key: its identity (the origin and key of its logs). */
static int node_vkey(const char *dir, int kind, struct tims_buf *text, struct tims_err *err)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir,
		 kind == CLI_NODE_POST ? "post.vkey" : "audit.vkey");
	if (tims_read_file(path, 1024, text, err))
		return -1;
	while (text->len && (text->buf[text->len - 1] == '\n' || text->buf[text->len - 1] == '\r'))
		text->buf[--text->len] = '\0';
	return 0;
}

/* TIMS_SESSION_DIR, else $XDG_RUNTIME_DIR/tims, else ~/.cache/tims/sessions. */
static int session_dir(char *out, size_t cap)
{
	const char *d = getenv("TIMS_SESSION_DIR"), *x = getenv("XDG_RUNTIME_DIR");
	const char *h = getenv("HOME");
	int n;

	if (d && *d)
		n = snprintf(out, cap, "%s", d);
	else if (x && *x == '/')
		n = snprintf(out, cap, "%s/tims", x);
	else if (h && *h == '/')
		n = snprintf(out, cap, "%s/.cache/tims/sessions", h);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/*
 * The session file of node dir: <session dir>/<name>-<16 hex of the
 * SHA-256 of the node's verifier key>, the name being the key's name with
 * anything but letters, digits, '.', '-' kept as '_'.
 */
static int session_path(const char *cmd, const char *dir, int kind, char *out, size_t cap,
			char *sdir, size_t sdir_cap)
{
	struct tims_buf v = TIMS_BUF_INIT(1024);
	unsigned char h[crypto_hash_sha256_BYTES];
	char name[SESSION_NAME_MAX], hex[2 * sizeof(h) + 1];
	struct tims_err err;
	size_t i;

	if (session_dir(sdir, sdir_cap))
		return cli_error(CLI_USAGE, cmd, _("no session directory: set TIMS_SESSION_DIR "
				 "(or XDG_RUNTIME_DIR or HOME)"));
	if (node_vkey(dir, kind, &v, &err)) {
		tims_buf_release(&v);
		return cli_error(CLI_USAGE, cmd, _("%s: node identity: %s"), dir, tims_err_msg(&err));
	}
	crypto_hash_sha256(h, (const unsigned char *)v.buf, v.len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (i = 0; i < v.len && v.buf[i] != '+' && i < 64; i++) {
		char c = v.buf[i];

		name[i] = (isalnum((unsigned char)c) || c == '.' || c == '-') ? c : '_';
	}
	name[i] = '\0';
	tims_buf_release(&v);
	if (snprintf(out, cap, "%s/%s-%.16s", sdir, i ? name : "node", hex) >= (int)cap)
		return cli_error(CLI_USAGE, cmd, _("%s: session path too long"), sdir);
	return CLI_OK;
}

static int check_node(const char *cmd, const char *dir, int *kind)
{
	if (!dir || !*dir)
		return cli_error(CLI_USAGE, cmd, _("--post DIR is required"));
	*kind = cli_node_kind(dir);
	if (*kind == CLI_NODE_NONE)
		return cli_error(CLI_USAGE, cmd, _("%s: not a post's or the centre's directory "
				 "(no post.db or centre.db)"), dir);
	return CLI_OK;
}

/* The token to use: TIMS_SESSION, else the session file. 1 if none. */
static int find_token(const char *cmd, const char *dir, int kind, char token[TIMS_TOKEN_CHARS])
{
	char path[4400], sdir[4096];
	const char *env = getenv("TIMS_SESSION");
	struct tims_err err;
	tims_rc rc;
	int r;

	if (env) {
		if (!tims_session_token_valid(env))
			return cli_error(CLI_FAIL, cmd, _("TIMS_SESSION: not a session token"));
		memcpy(token, env, TIMS_TOKEN_CHARS);
		return CLI_OK;
	}
	if ((r = session_path(cmd, dir, kind, path, sizeof(path), sdir, sizeof(sdir))))
		return r;
	rc = tims_session_file_read(path, token, &err);
	if (rc == TIMS_ERR_NOTFOUND)
		return cli_error(CLI_FAIL, cmd, _("not logged in at %s (tims login --post %s OFFICER)"),
				 dir, dir);
	if (rc)
		return cli_error(CLI_FAIL, cmd, _("not logged in: session file %s"), tims_err_msg(&err));
	return CLI_OK;
}

/* "officer, supervisor" for a set of role bits. */
static void role_names(unsigned roles, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned bit = TIMS_ROLE_OFFICER; bit <= TIMS_ROLE_ADMIN; bit <<= 1)
		if (roles & bit)
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "",
					      tims_role_name(bit));
	if (!n)
		snprintf(out, cap, "none");
}

/* The node's audit log for writing: signed under "<origin>/audit" with the
 * node's key (a post's post.skey, the centre's audit.skey). A post's is
 * opened through its key file rather than post.db, as tims_audit_open
 * would, so that a post whose post.db is lost (restore) still records. */
static tims_rc open_audit(const char *dir, int kind, struct tims_audit **a,
			  struct tims_err *err)
{
	const char *key = kind == CLI_NODE_POST ? "post" : "audit";
	char path[4200], origin[TIMS_NOTE_MAX_NAME + 8];
	struct tims_verifier v;
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/%s.vkey", dir, key);
	if ((rc = tims_mlog_load_keys(dir, path, NULL, &v, NULL, err)))
		return rc;
	if (kind == CLI_NODE_CENTRE)
		snprintf(origin, sizeof(origin), "%s", v.name);
	else if (snprintf(origin, sizeof(origin), "%s/audit", v.name) > TIMS_NOTE_MAX_NAME)
		return tims_err_set(err, TIMS_ERR_INVALID, "origin: '%s/audit' is too long",
				    v.name);
	return tims_audit_open_keyed(dir, origin, key, TIMS_AUDIT_WRITE, a, err);
}

/* One event in dir's audit log; 0, or -1 with err set. */
static int append_event(const char *dir, int kind, const char *actor, unsigned role,
			const char *action, const char *purpose, const char *query,
			int status, struct tims_err *err)
{
	struct tims_audit_event ev;
	struct tims_audit *a = NULL;
	uint64_t idx;
	tims_rc rc;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "%s", actor && *actor ? actor : "-");
	snprintf(ev.role, sizeof(ev.role), "%s", role ? tims_role_name(role) : "-");
	snprintf(ev.booth, sizeof(ev.booth), CLI_BOOTH);
	snprintf(ev.addr, sizeof(ev.addr), CLI_ADDR);
	if (snprintf(ev.action, sizeof(ev.action), "%s", action) >= (int)sizeof(ev.action) ||
	    snprintf(ev.purpose, sizeof(ev.purpose), "%s", purpose ? purpose : "") >=
	    (int)sizeof(ev.purpose)) {
		tims_err_set(err, TIMS_ERR_TOOBIG, "action or purpose too long");
		return -1;
	}
	ev.crossing = -1;
	ev.status = status;
	ev.query = query;
	ev.query_len = query ? strlen(query) : 0;
	if ((rc = open_audit(dir, kind, &a, err)))
		return -1;
	rc = tims_audit_append(a, &ev, &idx, err);
	/* A checkpoint covers the event before the command goes on: it is
	 * published (and mirrored) like the node's own. */
	if (!rc) {
		int issued;

		rc = tims_audit_checkpoint(a, &issued, err);
	}
	tims_audit_free(a);
	return rc ? -1 : 0;
}

int cli_authenticate(const char *cmd, const char *dir, unsigned roles, struct cli_actor *a)
{
	char token[TIMS_TOKEN_CHARS], allowed[128];
	struct tims_officers *o = NULL;
	struct tims_err err;
	int kind, rc;
	tims_rc r;

	memset(a, 0, sizeof(*a));
	if ((rc = check_node(cmd, dir, &kind)))
		return rc;
	if (strlen(dir) >= sizeof(a->dir))
		return cli_error(CLI_USAGE, cmd, _("%s: path too long"), dir);
	if ((rc = find_token(cmd, dir, kind, token)))
		return rc;
	/* Test cost: nothing is hashed here (only the store's dummy). */
	if (tims_officers_open_dir(dir, TIMS_PW_COST_TEST, &o, &err)) {
		sodium_memzero(token, sizeof(token));
		return cli_error(CLI_USAGE, cmd, "%s", tims_err_msg(&err));
	}
	r = tims_officer_session(o, token, time(NULL), &a->who, &err);
	tims_officers_close_dir(o);
	sodium_memzero(token, sizeof(token));
	if (r == TIMS_ERR_AUTH)
		return cli_error(CLI_FAIL, cmd, _("session ended, expired or unknown at %s "
				 "(account disabled or reset, logged out, idle too long, or a "
				 "session of another node): log in again"), dir);
	if (r)
		return cli_error(CLI_USAGE, cmd, "%s", tims_err_msg(&err));
	if (strcmp(a->who.booth, CLI_BOOTH) != 0) {
		memset(a, 0, sizeof(*a));
		return cli_error(CLI_FAIL, cmd, _("session was not opened by tims login (booth is "
				 "not \"cli\"): log in with tims login"));
	}
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	if (!(a->who.role & roles)) {
		role_names(roles, allowed, sizeof(allowed));
		/* An officer trying what their role may not: the auditor sees it. */
		json_t *q = json_pack("{s:s}", "command", cmd);
		char *text = q ? json_dumps(q, JSON_COMPACT) : NULL;

		append_event(dir, kind, a->who.id, a->who.role, "cli.denied", "",
			     text, 403, NULL);
		free(text);
		json_decref(q);
		rc = cli_error(CLI_FAIL, cmd, _("role %s may not run tims %s (allowed: %s)"),
			       tims_role_name(a->who.role), cmd, allowed);
		memset(a, 0, sizeof(*a));
		return rc;
	}
	return CLI_OK;
}

int cli_audit(const struct cli_actor *a, const char *cmd, const char *action,
	      const char *purpose, const char *query_json)
{
	return cli_audit_status(a, cmd, action, purpose, query_json, 200);
}

int cli_audit_status(const struct cli_actor *a, const char *cmd, const char *action,
		     const char *purpose, const char *query_json, int status)
{
	struct tims_err err;
	int kind = cli_node_kind(a->dir);

	if (!a->who.id[0] || kind == CLI_NODE_NONE)
		return cli_error(CLI_USAGE, cmd, _("audit: no authenticated officer; nothing done"));
	if (append_event(a->dir, kind, a->who.id, a->who.role, action, purpose, query_json,
			 status, &err))
		return cli_error(CLI_USAGE, cmd, _("audit log of %s: %s; nothing done"), a->dir,
				 tims_err_msg(&err));
	return CLI_OK;
}

void cli_session_follow_key(const char *dir, const char *old_vkey)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char sdir[4096], now[4400], old[4400 + 64], name[SESSION_NAME_MAX], hex[2 * sizeof(h) + 1];
	const char *slash;
	size_t i;

	if (session_path("session", dir, cli_node_kind(dir), now, sizeof(now), sdir,
			 sizeof(sdir)) != CLI_OK)
		return;
	crypto_hash_sha256(h, (const unsigned char *)old_vkey, strlen(old_vkey));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (i = 0; old_vkey[i] && old_vkey[i] != '+' && i < 64; i++) {
		char c = old_vkey[i];

		name[i] = (isalnum((unsigned char)c) || c == '.' || c == '-') ? c : '_';
	}
	name[i] = '\0';
	slash = strrchr(now, '/');
	snprintf(old, sizeof(old), "%.*s/%s-%.16s", slash ? (int)(slash - now) : 1,
		 slash ? now : ".", i ? name : "node", hex);
	if (strcmp(old, now) && access(old, F_OK) == 0 && access(now, F_OK) != 0)
		(void)rename(old, now);
}

/* ---- tims login / tims logout ------------------------------------------- */

static const char login_usage[] =
	N_("usage: tims login --post DIR OFFICER [--print-token]\n"
	"       tims logout --post DIR\n"
	"\n"
	"Opens a session for OFFICER at the node in DIR (a post's or the centre's\n"
	"directory): the password is the first line of standard input, the TOTP\n"
	"code the second (asked for without echo on a terminal). The session\n"
	"ends at logout, after 15 minutes without a command, after 12 hours, and\n"
	"when the account is disabled or reset. Its token is kept in a file of\n"
	"mode 0600 under $TIMS_SESSION_DIR (default $XDG_RUNTIME_DIR/tims, else\n"
	"~/.cache/tims/sessions), one per node; --print-token prints it instead,\n"
	"for TIMS_SESSION=TOKEN (a script acting for several people). Every\n"
	"command that reads personal data or changes the system needs a session\n"
	"of a role allowed to run it (docs/roles.md) and is audited with it.\n"
	"Logins and logouts are audited too.\n");

char *cli_read_secret(const char *prompt, size_t max)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), echo_off = 0;
	char *s;
	size_t n;

	if (!(s = sodium_malloc(max + 2)))
		return NULL;
	if (tty) {
		fputs(prompt, stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	if (!fgets(s, (int)max + 2, stdin)) {
		sodium_free(s);
		s = NULL;
	}
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!s)
		return NULL;
	n = strlen(s);
	if (n && s[n - 1] != '\n' && n > max) {
		sodium_free(s);
		return NULL;
	}
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int parse_dir(const char *cmd, int argc, char **argv, const char **dir,
		     int *print_token, int want_id, const char **id)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "print-token", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*dir = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p') {
			*dir = optarg;
		} else if (c == 't' && print_token) {
			*print_token = 1;
		} else {
			fputs(_(login_usage), stderr);
			return cli_error(CLI_USAGE, cmd, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!*dir || optind != argc - (want_id ? 1 : 0)) {
		fputs(_(login_usage), stderr);
		return cli_error(CLI_USAGE, cmd, want_id ? _("want --post DIR and one OFFICER")
				 : _("want --post DIR and nothing else"));
	}
	if (want_id)
		*id = argv[optind];
	return CLI_OK;
}

/*
 * At a post enrolled at a centre, the code's step is claimed there, as the
 * node's API login does (lib/node/totpclaim.c): used at another post, the
 * login is refused; the centre unreachable, the claim waits in node.db for
 * the node's sync thread and the login goes on.
 */
static tims_rc claim_step(const char *dir, struct tims_officers *o, const char *officer,
			  uint64_t step, const char *code, struct tims_err *err)
{
	struct tims_totp_claim c;
	char where[TIMS_NOTE_MAX_NAME + 1];
	struct tims_err e;
	tims_rc rc;

	if ((rc = tims_totp_claim_make(&c, officer, step, code, CLI_BOOTH, tims_mlog_now_ms(),
					 err)))
		return rc;
	rc = tims_totp_claim_at_centre(dir, &c, TIMS_TOTP_CLAIM_TIMEOUT_S, where, err);
	if (rc == TIMS_ERR_REPLAY)
		return rc;
	if (rc == TIMS_ERR_UNAVAILABLE) {
		fprintf(stderr, _("tims login: the centre is not reachable (%s); this login's "
			"code is reported to it later\n"), err->msg);
		c.offline = 1;
		if (tims_totp_pending_add(tims_officers_db(o), &c, &e))
			fprintf(stderr, _("tims login: %s\n"), e.msg);
	}
	return TIMS_OK;
}

int cmd_login(int argc, char **argv)
{
	char token[TIMS_TOKEN_CHARS], path[4400], sdir[4096];
	const char *dir, *id = NULL;
	struct tims_officers *o = NULL;
	struct tims_login_check lc;
	struct tims_principal who;
	struct tims_err err, aerr;
	char *pw = NULL, *code = NULL;
	int kind, rc, print_token = 0;
	tims_rc r;

	if (cli_wants_help(argc, argv)) {
		fputs(_(login_usage), stdout);
		return CLI_OK;
	}
	if ((rc = parse_dir("login", argc, argv, &dir, &print_token, 1, &id)) ||
	    (rc = check_node("login", dir, &kind)))
		return rc;
	if (!print_token &&
	    (rc = session_path("login", dir, kind, path, sizeof(path), sdir, sizeof(sdir))))
		return rc;
	if (sodium_init() < 0)
		return cli_error(CLI_USAGE, "login", _("libsodium: init failed"));
	pw = cli_read_secret(_("password: "), TIMS_PW_MAX);
	if (pw)
		code = cli_read_secret(_("code: "), 16);
	if (!pw || !code) {
		sodium_free(pw);
		sodium_free(code);
		return cli_error(CLI_USAGE, "login", _("want the password on the first line of "
				 "standard input and the TOTP code on the second"));
	}
	if (tims_officers_open_dir(dir, TIMS_PW_COST_INTERACTIVE, &o, &err)) {
		sodium_free(pw);
		sodium_free(code);
		return cli_error(CLI_USAGE, "login", "%s", tims_err_msg(&err));
	}
	memset(&who, 0, sizeof(who));
	tims_officer_login_begin(o, id, &lc);
	tims_officer_login_hash(&lc, pw);
	r = tims_officer_login_end(o, &lc, code, CLI_BOOTH, time(NULL), token, &who, &err);
	sodium_free(pw);
	if (!r && kind == CLI_NODE_POST && (r = claim_step(dir, o, who.id, lc.step, code, &err))) {
		tims_officer_logout(o, token, NULL);
		sodium_memzero(token, sizeof(token));
	}
	sodium_free(code);
	tims_officer_login_wipe(&lc);
	if (r) {
		/* A failed login is audited under the id as typed (if it is one). */
		append_event(dir, kind, id, 0,
			     "cli.login", "", NULL, 401, NULL);
		tims_officers_close_dir(o);
		if (r == TIMS_ERR_REPLAY)
			return cli_error(CLI_FAIL, "login", "%s", err.msg[0] ? err.msg :
					 _("this code was already used; wait for the next one"));
		return cli_error(r == TIMS_ERR_AUTH ? CLI_FAIL : CLI_USAGE, "login", "%s",
				 r == TIMS_ERR_AUTH ? TIMS_LOGIN_VAGUE : tims_err_msg(&err));
	}
	/* Audited before the session is handed out; if it cannot be, there is
	 * no session. */
	if (append_event(dir, kind, who.id, who.role, "cli.login", "", NULL, 200, &aerr)) {
		tims_officer_logout(o, token, NULL);
		tims_officers_close_dir(o);
		sodium_memzero(token, sizeof(token));
		return cli_error(CLI_USAGE, "login", _("audit log of %s: %s; not logged in"), dir,
				 tims_err_msg(&aerr));
	}
	if (print_token) {
		printf("%s\n", token);
		rc = CLI_OK;
	} else if (tims_session_dir_prepare(sdir, &err) ||
		   tims_session_file_write(path, token, &err)) {
		tims_officer_logout(o, token, NULL);
		rc = cli_error(CLI_USAGE, "login", _("%s; not logged in"), tims_err_msg(&err));
	} else {
		fprintf(stderr, _("logged in at %s as %s (%s)\n"), dir, who.id,
			tims_role_name(who.role));
		rc = CLI_OK;
	}
	tims_officers_close_dir(o);
	sodium_memzero(token, sizeof(token));
	return rc;
}

int cmd_logout(int argc, char **argv)
{
	char token[TIMS_TOKEN_CHARS], path[4400], sdir[4096];
	struct tims_officers *o = NULL;
	struct tims_principal who;
	struct tims_err err;
	const char *dir;
	int kind, rc, have_file;

	if (cli_wants_help(argc, argv)) {
		fputs(_(login_usage), stdout);
		return CLI_OK;
	}
	if ((rc = parse_dir("logout", argc, argv, &dir, NULL, 0, NULL)) ||
	    (rc = check_node("logout", dir, &kind)))
		return rc;
	have_file = session_path("logout", dir, kind, path, sizeof(path), sdir,
				 sizeof(sdir)) == CLI_OK;
	if ((rc = find_token("logout", dir, kind, token)))
		return rc;
	if (tims_officers_open_dir(dir, TIMS_PW_COST_TEST, &o, &err)) {
		sodium_memzero(token, sizeof(token));
		return cli_error(CLI_USAGE, "logout", "%s", tims_err_msg(&err));
	}
	if (tims_officer_session_peek(o, token, time(NULL), &who, NULL) == TIMS_OK)
		append_event(dir, kind, who.id, who.role, "cli.logout", "", NULL, 200, NULL);
	if (tims_officer_logout(o, token, &err))
		rc = cli_error(CLI_USAGE, "logout", "%s", tims_err_msg(&err));
	tims_officers_close_dir(o);
	sodium_memzero(token, sizeof(token));
	/* The file goes in any case (TIMS_SESSION set or not): it is ended. */
	if (!rc && have_file && !getenv("TIMS_SESSION") && unlink(path) != 0 && errno != ENOENT)
		rc = cli_error(CLI_USAGE, "logout", "%s: %s", path, strerror(errno));
	if (!rc)
		fprintf(stderr, _("logged out at %s\n"), dir);
	return rc;
}

/* ---- the gate in one call, and the node a watchlist store belongs to ---- */

int cli_gate(const char *cmd, const char *dir, unsigned roles, const char *action,
	     const char *purpose, json_t *query, struct cli_actor *a)
{
	char *text = NULL;
	int rc;

	if ((rc = cli_authenticate(cmd, dir, roles, a))) {
		json_decref(query);
		return rc;
	}
	if (query && !(text = json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS))) {
		json_decref(query);
		return cli_error(CLI_USAGE, cmd, _("out of memory; nothing done"));
	}
	json_decref(query);
	rc = cli_audit(a, cmd, action, purpose, text);
	free(text);
	return rc;
}

/* Any entry of dir that is a symbolic link, or a file with another name
 * elsewhere (a hard link): 1, and its name in *what. */
static int shares_files(const char *dir, char *what, size_t cap)
{
	struct dirent *e;
	struct stat st;
	char path[4400];
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && st.st_nlink > 1)) {
			snprintf(what, cap, "%s", path);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

int cli_store_node(const char *cmd, const char *store, char *node, size_t cap)
{
	char real[PATH_MAX], parent[PATH_MAX], what[4400], *slash;

	node[0] = '\0';
	if (!realpath(store, real)) {
		/* A store not made yet: where it would be made. */
		char copy[PATH_MAX];

		if (errno != ENOENT || snprintf(copy, sizeof(copy), "%s", store) >=
		    (int)sizeof(copy))
			return cli_error(CLI_USAGE, cmd, "%s: %s", store, strerror(errno));
		slash = strrchr(copy, '/');
		if (slash == copy)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		else
			snprintf(copy, sizeof(copy), ".");
		if (!realpath(copy, real))
			return cli_error(CLI_USAGE, cmd, "%s: %s", store, strerror(errno));
		/* real is the would-be store's parent */
		snprintf(parent, sizeof(parent), "%s", real);
	} else {
		snprintf(parent, sizeof(parent), "%s", real);
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), "/");
		if (shares_files(real, what, sizeof(what)))
			return cli_error(CLI_FAIL, cmd, _("%s: a symbolic or hard link in the store; "
					 "refused (it could be a node's store under another name)"),
					 what);
	}
	if (cli_node_kind(parent) == CLI_NODE_NONE)
		return CLI_OK;
	if ((size_t)snprintf(node, cap, "%s", parent) >= cap)
		return cli_error(CLI_USAGE, cmd, _("%s: path too long"), parent);
	return CLI_OK;
}
