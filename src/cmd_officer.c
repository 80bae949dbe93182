/*
 * cmd_officer.c — `tims officer`: officer accounts at a post (G6).
 *
 *   tims officer add --post DIR ID --name NAME --role ROLE
 *   tims officer list --post DIR [--json]
 *   tims officer disable|enable --post DIR ID
 *   tims officer reset --post DIR ID
 *   tims officer totp-rotate --post DIR ID
 *   tims officer bootstrap --post DIR ID --name NAME
 *
 * Each needs an admin's session at DIR (tims login, docs/roles.md) and is
 * audited with it before it acts, except bootstrap: the first admin of a
 * new installation, allowed only while the store holds no admin account at
 * all (disabled ones count), and audited itself.
 *
 * Passwords are read from standard input (first line), never from the
 * command line where other users could see them in the process list. add,
 * reset and totp-rotate print the new TOTP secret once, as base32 and as an
 * otpauth:// URI for the officer's authenticator; it is not shown again.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>

#include <pwd.h>

#include "cli.h"
#include "tims/event.h"
#include "tims/officer.h"
#include "tims/post.h"
#include "tims/util.h"

#define CMD "officer"

static const char usage[] =
	N_("usage: tims officer add --post DIR ID --name NAME --role ROLE\n"
	"       tims officer list --post DIR [--json]\n"
	"       tims officer disable --post DIR ID\n"
	"       tims officer enable --post DIR ID\n"
	"       tims officer reset --post DIR ID\n"
	"       tims officer totp-rotate --post DIR ID\n"
	"       tims officer bootstrap --post DIR ID --name NAME\n"
	"       tims officer lang --post DIR ID en|sq|default\n"
	"\n"
	"Officer accounts at a post. ROLE is officer, supervisor, analyst, auditor\n"
	"or admin. add and reset read the password from the first line of standard\n"
	"input (at least 12 characters) and print the new TOTP secret once, for the\n"
	"officer's authenticator app. disable ends the officer's sessions at once.\n"
	"totp-rotate gives the officer a new TOTP secret (shown once) and keeps the\n"
	"password; the old secret opens nothing from then on and the officer's\n"
	"sessions end. An account the centre sends in its roster is rotated at the\n"
	"centre (tims centre officer totp-rotate), not at the post.\n"
	"DIR is a post's or the centre's directory. Every sub-command needs an\n"
	"admin logged in at DIR (tims login) and is audited. bootstrap makes the\n"
	"first admin of a new installation (password on standard input) and is\n"
	"refused once DIR has an admin account; it is audited too and, at a post,\n"
	"reported to the centre. lang sets the language of the consoles for the\n"
	"officer (default: the installation's, tims post serve --lang); the officer\n"
	"can change it in the console too.\n");

struct args {
	const char *post, *name, *role, *id, *lang;
	int json;
};

static int parse(int argc, char **argv, struct args *a, int want_id)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->post = optarg; break;
		case 'n': a->name = optarg; break;
		case 'r': a->role = optarg; break;
		case 'j': a->json = 1; break;
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!a->post) {
		fputs(_(usage), stderr);
		return cli_error(CLI_USAGE, CMD, _("--post DIR is required"));
	}
	if (want_id == 2) {
		if (optind != argc - 2) {
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("want an officer ID and a language"));
		}
		a->id = argv[optind];
		a->lang = argv[optind + 1];
	} else if (want_id) {
		if (optind != argc - 1) {
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("want one officer ID"));
		}
		a->id = argv[optind];
	} else if (optind != argc) {
		return cli_error(CLI_USAGE, CMD, _("unexpected argument '%s'"), argv[optind]);
	}
	return CLI_OK;
}

/* The first line of standard input, into locked memory. */
static char *read_password(void)
{
	char *pw;
	size_t n;

	if (sodium_init() < 0 || !(pw = sodium_malloc(TIMS_PW_MAX + 2)))
		return NULL;
	if (!fgets(pw, TIMS_PW_MAX + 2, stdin)) {
		sodium_free(pw);
		return NULL;
	}
	n = strlen(pw);
	while (n && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		pw[--n] = '\0';
	return pw;
}

static int open_store(const struct args *a, struct tims_officers **o)
{
	struct tims_err err;

	if (access(a->post, F_OK) != 0)
		return cli_error(CLI_USAGE, CMD, _("%s: no such post directory"), a->post);
	if (tims_officers_open_dir(a->post, TIMS_PW_COST_INTERACTIVE, o, &err))
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	return CLI_OK;
}

/* An admin logged in at the post, and the command audited before it acts. */
static int gate(const struct args *a, const char *action, const char *role)
{
	const char *name = action + strlen("cli.");  /* "officer.add" */
	char cmd[32];
	struct cli_actor who;
	json_t *q = json_object();
	char *text;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s", name);
	cmd[strlen(CMD)] = ' ';                      /* "officer add" */
	if ((rc = cli_authenticate(cmd, a->post, TIMS_ROLE_ADMIN, &who))) {
		json_decref(q);
		return rc;
	}
	if (a->id)
		json_object_set_new(q, "officer", json_string(a->id));
	if (role)
		json_object_set_new(q, "role", json_string(role));
	text = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(q);
	rc = text ? cli_audit(&who, cmd, action, "", text)
		  : cli_error(CLI_USAGE, CMD, _("out of memory"));
	free(text);
	return rc;
}

static void show_secret(const char *id, const char *b32, const struct tims_buf *uri)
{
	printf(_("officer %s: TOTP secret %s\n"), id, b32);
	printf(_("authenticator URI: %s\n"), tims_buf_str(uri));
	printf(_("(shown once: enrol it in the officer's authenticator now)\n"));
}

static int do_add_or_reset(int argc, char **argv, int add)
{
	char b32[TIMS_TOTP_B32_BYTES];
	struct tims_buf uri = TIMS_BUF_INIT(1024);
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	unsigned role = 0;
	char *pw;
	int rc;

	if ((rc = parse(argc, argv, &a, 1)))
		return rc;
	if (add) {
		if (!a.name || !a.role)
			return cli_error(CLI_USAGE, CMD, _("add needs --name and --role"));
		role = tims_role_parse(a.role);
		if (!role || role == TIMS_ROLE_PEER)
			return cli_error(CLI_USAGE, CMD,
					 _("--role: one of officer, supervisor, analyst, auditor, admin"));
	}
	if ((rc = gate(&a, add ? "cli.officer.add" : "cli.officer.reset",
		       add ? tims_role_name(role) : NULL)))
		return rc;
	if (!(pw = read_password()))
		return cli_error(CLI_USAGE, CMD, _("password: none on standard input"));
	if ((rc = open_store(&a, &o))) {
		sodium_free(pw);
		return rc;
	}
	if (add)
		rc = tims_officer_add(o, a.id, a.name, role, pw, b32, &uri, &err);
	else
		rc = tims_officer_reset(o, a.id, pw, b32, &uri, &err);
	sodium_free(pw);
	if (rc) {
		rc = cli_error(rc == TIMS_ERR_DB ? CLI_USAGE : CLI_FAIL, CMD, "%s", err.msg);
	} else {
		show_secret(a.id, b32, &uri);
		rc = CLI_OK;
	}
	sodium_memzero(b32, sizeof(b32));
	if (uri.buf)
		sodium_memzero(uri.buf, uri.len);
	tims_buf_release(&uri);
	tims_officers_close_dir(o);
	return rc;
}

/* At a post, the centre hears of it (TIMS_EVENT_KEY_ROTATED, queued in post.db). */
static void report_rotation(const char *dir, const char *id)
{
	struct tims_post_events *q = NULL;
	struct tims_event ev;
	struct tims_err err;
	uint64_t seq;

	tims_event_init(&ev);
	ev.kind = TIMS_EVENT_KEY_ROTATED;
	snprintf(ev.officer, sizeof(ev.officer), "%s", id);
	snprintf(ev.booth, sizeof(ev.booth), "cli");
	snprintf(ev.detail, sizeof(ev.detail), "the TOTP secret of officer %s replaced with "
		 "tims officer totp-rotate", id);
	if (tims_post_events_open(dir, &q, &err) || tims_post_event_add(q, &ev, &seq, &err))
		fprintf(stderr, _("tims officer: the centre's event queue: %s\n"), tims_err_msg(&err));
	tims_post_events_close(q);
}

static int o_totp_rotate(int argc, char **argv)
{
	char b32[TIMS_TOTP_B32_BYTES];
	struct tims_buf uri = TIMS_BUF_INIT(1024);
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	int rc, post;

	if ((rc = parse(argc, argv, &a, 1)) || (rc = gate(&a, "cli.officer.totp-rotate", NULL)))
		return rc;
	/* no password is hashed here: the cheap cost for the store's dummy */
	if (tims_officers_open_dir(a.post, TIMS_PW_COST_TEST, &o, &err))
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	post = cli_node_kind(a.post) == CLI_NODE_POST;
	/* the roster's next version would bring the centre's secret back */
	if (post && tims_officer_from_roster(o, a.id) != 0) {
		rc = cli_error(CLI_FAIL, CMD, _("officer %s comes from the centre's roster: rotate "
			       "the secret at the centre (tims centre officer totp-rotate); the "
			       "posts receive it with the roster"), a.id);
	} else if (tims_officer_totp_rotate(o, a.id, b32, &uri, &err)) {
		rc = cli_error(err.rc == TIMS_ERR_DB ? CLI_USAGE : CLI_FAIL, CMD, "%s", err.msg);
	} else {
		show_secret(a.id, b32, &uri);
		printf(_("(the old secret opens nothing from now on; the password is unchanged; "
		       "%s's sessions ended)\n"), a.id);
		if (post)
			report_rotation(a.post, a.id);
	}
	sodium_memzero(b32, sizeof(b32));
	if (uri.buf)
		sodium_memzero(uri.buf, uri.len);
	tims_buf_release(&uri);
	tims_officers_close_dir(o);
	return rc;
}

static int o_add(int argc, char **argv) { return do_add_or_reset(argc, argv, 1); }
static int o_reset(int argc, char **argv) { return do_add_or_reset(argc, argv, 0); }

static int do_disable(int argc, char **argv, int disabled)
{
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	int rc;

	if ((rc = parse(argc, argv, &a, 1)) ||
	    (rc = gate(&a, disabled ? "cli.officer.disable" : "cli.officer.enable", NULL)) ||
	    (rc = open_store(&a, &o)))
		return rc;
	if (tims_officer_disable(o, a.id, disabled, &err))
		rc = cli_error(err.rc == TIMS_ERR_DB ? CLI_USAGE : CLI_FAIL, CMD, "%s", err.msg);
	else
		printf(_("officer %s %s\n"), a.id, disabled ? _("disabled; sessions ended") : _("enabled"));
	tims_officers_close_dir(o);
	return rc;
}

static int o_lang(int argc, char **argv)
{
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	const char *lang;
	int rc;

	if ((rc = parse(argc, argv, &a, 2)))
		return rc;
	lang = !strcmp(a.lang, "default") ? "" : a.lang;
	if (*lang && !tims_lang_valid(lang))
		return cli_error(CLI_USAGE, CMD, _("lang: en, sq or default, not \"%s\""), a.lang);
	if ((rc = gate(&a, "cli.officer.lang", NULL)) || (rc = open_store(&a, &o)))
		return rc;
	if (tims_officer_set_lang(o, a.id, lang, &err))
		rc = cli_error(err.rc == TIMS_ERR_DB ? CLI_USAGE : CLI_FAIL, CMD, "%s", err.msg);
	else
		printf(_("officer %s: language %s\n"), a.id, *lang ? lang : _("the installation's default"));
	tims_officers_close_dir(o);
	return rc;
}

static int o_disable(int argc, char **argv) { return do_disable(argc, argv, 1); }
static int o_enable(int argc, char **argv) { return do_disable(argc, argv, 0); }

static int print_one(void *ctx, const struct tims_officer *off)
{
	json_t *list = ctx;

	if (list) {
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:i, s:I, s:s}",
			"id", off->id, "name", off->name, "role", tims_role_name(off->role),
			"disabled", off->disabled, "failures", off->failures,
			"locked_until", (json_int_t)off->locked_until, "lang", off->lang));
	} else {
		printf("%-16s %-11s %-9s %s\n", off->id, tims_role_name(off->role),
		       off->disabled ? _("disabled") : _("active"), off->name);
	}
	return 0;
}

static int o_list(int argc, char **argv)
{
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	json_t *list = NULL;
	int rc;

	if ((rc = parse(argc, argv, &a, 0)) || (rc = gate(&a, "cli.officer.list", NULL)) ||
	    (rc = open_store(&a, &o)))
		return rc;
	if (a.json)
		list = json_array();
	if (tims_officer_list(o, print_one, list, &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", err.msg);
	} else if (list) {
		char *s = json_dumps(list, JSON_COMPACT);

		if (s)
			puts(s);
		free(s);
	}
	json_decref(list);
	tims_officers_close_dir(o);
	return rc;
}

/* The bootstrap in DIR's audit log (nobody is logged in: the actor is the
 * new account, the query names the system user who ran it). */
static int audit_bootstrap(const struct args *a, int status, const char *why)
{
	struct cli_actor who;
	struct passwd *pw = getpwuid(geteuid());
	char *text;
	json_t *q;
	int rc;

	memset(&who, 0, sizeof(who));
	snprintf(who.who.id, sizeof(who.who.id), "%s", a->id);
	who.who.role = TIMS_ROLE_ADMIN;
	snprintf(who.who.booth, sizeof(who.who.booth), "cli");
	snprintf(who.dir, sizeof(who.dir), "%s", a->post);
	q = json_pack("{s:s, s:s, s:s, s:I, s:s}", "officer", a->id, "name", a->name,
		      "system_user", pw && pw->pw_name ? pw->pw_name : "?",
		      "uid", (json_int_t)geteuid(), "outcome", why);
	text = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(q);
	if (!text)
		return cli_error(CLI_USAGE, CMD, _("out of memory"));
	rc = status == 200 ? cli_audit(&who, CMD, "officer.bootstrap", "first admin", text)
			   : CLI_OK;
	if (status != 200) {
		/* A refused bootstrap is worth the auditor's eye as well. */
		struct cli_actor none = who;

		snprintf(none.who.id, sizeof(none.who.id), "-");
		none.who.role = TIMS_ROLE_ADMIN;
		rc = cli_audit_status(&none, CMD, "officer.bootstrap", "first admin", text,
				      status);
	}
	free(text);
	return rc;
}

/* At a post, the centre hears of it (TIMS_EVENT_BOOTSTRAP, queued in post.db). */
static int report_bootstrap(const struct args *a)
{
	struct tims_post_events *q = NULL;
	struct tims_event ev;
	struct tims_err err;
	uint64_t seq;

	if (cli_node_kind(a->post) != CLI_NODE_POST)
		return CLI_OK;
	tims_event_init(&ev);
	ev.kind = TIMS_EVENT_BOOTSTRAP;
	snprintf(ev.officer, sizeof(ev.officer), "%s", a->id);
	snprintf(ev.booth, sizeof(ev.booth), "cli");
	snprintf(ev.detail, sizeof(ev.detail), "first administrator %s created with "
		 "tims officer bootstrap", a->id);
	if (tims_post_events_open(a->post, &q, &err) || tims_post_event_add(q, &ev, &seq, &err)) {
		tims_post_events_close(q);
		return cli_error(CLI_USAGE, CMD, _("the centre's event queue: %s"), tims_err_msg(&err));
	}
	tims_post_events_close(q);
	return CLI_OK;
}

static int o_bootstrap(int argc, char **argv)
{
	char b32[TIMS_TOTP_B32_BYTES];
	struct tims_buf uri = TIMS_BUF_INIT(1024);
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	sqlite3 *db;
	long admins;
	char *pw;
	int rc;

	if ((rc = parse(argc, argv, &a, 1)))
		return rc;
	if (!a.name || a.role)
		return cli_error(CLI_USAGE, CMD, _("bootstrap needs --name (the role is admin)"));
	if (cli_node_kind(a.post) == CLI_NODE_NONE)
		return cli_error(CLI_USAGE, CMD, _("%s: not a post's or the centre's directory"),
				 a.post);
	if (!(pw = read_password()))
		return cli_error(CLI_USAGE, CMD, _("password: none on standard input"));
	if (tims_pw_check_policy(pw, &err)) {
		sodium_free(pw);
		return cli_error(CLI_USAGE, CMD, "%s", err.msg);
	}
	if ((rc = open_store(&a, &o))) {
		sodium_free(pw);
		return rc;
	}
	db = tims_officers_db(o);
	/* Counted and added in one write transaction: two bootstraps at once
	 * make one admin. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = cli_error(CLI_USAGE, CMD, "%s: %s", a.post, sqlite3_errmsg(db));
		goto out;
	}
	admins = tims_officer_count_role(o, TIMS_ROLE_ADMIN, &err);
	if (admins < 0) {
		rc = cli_error(CLI_USAGE, CMD, "%s", err.msg);
	} else if (admins > 0) {
		audit_bootstrap(&a, 409, "refused: an admin exists");
		rc = cli_error(CLI_FAIL, CMD, _("%s has an admin account already: the first admin "
			       "is made once; an admin adds the others (tims officer add)"), a.post);
	} else if (!(rc = audit_bootstrap(&a, 200, "created"))) {
		if (tims_officer_add(o, a.id, a.name, TIMS_ROLE_ADMIN, pw, b32, &uri, &err))
			rc = cli_error(err.rc == TIMS_ERR_DB ? CLI_USAGE : CLI_FAIL, CMD, "%s",
				       err.msg);
	}
	if (rc || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = cli_error(CLI_USAGE, CMD, "%s: %s", a.post, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	show_secret(a.id, b32, &uri);
	rc = report_bootstrap(&a);
out:
	sodium_free(pw);
	sodium_memzero(b32, sizeof(b32));
	if (uri.buf)
		sodium_memzero(uri.buf, uri.len);
	tims_buf_release(&uri);
	tims_officers_close_dir(o);
	return rc;
}

static const struct cli_command officer_commands[] = {
	{ "add", o_add, "add an officer" },
	{ "list", o_list, "list the officers" },
	{ "disable", o_disable, "disable an officer and end their sessions" },
	{ "enable", o_enable, "enable an officer again" },
	{ "reset", o_reset, "new password and TOTP secret; ends the sessions" },
	{ "totp-rotate", o_totp_rotate, "new TOTP secret, same password; ends the sessions" },
	{ "bootstrap", o_bootstrap, "the first admin of a new installation (audited)" },
	{ "lang", o_lang, "the officer's language in the consoles (en, sq, default)" },
};

int cmd_officer(int argc, char **argv)
{
	return cli_dispatch(CMD, officer_commands, TIMS_ARRAY_SIZE(officer_commands), usage,
			    argc, argv);
}
