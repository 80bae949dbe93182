/*
 * cmd_officer.c — `tims officer`: officer accounts at a post (G6).
 *
 *   tims officer add --post DIR ID --name NAME --role ROLE
 *   tims officer list --post DIR [--json]
 *   tims officer disable|enable --post DIR ID
 *   tims officer reset --post DIR ID
 *
 * Passwords are read from standard input (first line), never from the
 * command line where other users could see them in the process list. add
 * and reset print the new TOTP secret once, as base32 and as an otpauth://
 * URI for the officer's authenticator; it is not shown again.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "tims/officer.h"
#include "tims/util.h"

#define CMD "officer"

static const char usage[] =
	"usage: tims officer add --post DIR ID --name NAME --role ROLE\n"
	"       tims officer list --post DIR [--json]\n"
	"       tims officer disable --post DIR ID\n"
	"       tims officer enable --post DIR ID\n"
	"       tims officer reset --post DIR ID\n"
	"\n"
	"Officer accounts at a post. ROLE is officer, supervisor, analyst, auditor\n"
	"or admin. add and reset read the password from the first line of standard\n"
	"input (at least 12 characters) and print the new TOTP secret once, for the\n"
	"officer's authenticator app. disable ends the officer's sessions at once.\n";

struct args {
	const char *post, *name, *role, *id;
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
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, CMD, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (!a->post) {
		fputs(usage, stderr);
		return cli_error(CLI_USAGE, CMD, "--post DIR is required");
	}
	if (want_id) {
		if (optind != argc - 1) {
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, CMD, "want one officer ID");
		}
		a->id = argv[optind];
	} else if (optind != argc) {
		return cli_error(CLI_USAGE, CMD, "unexpected argument '%s'", argv[optind]);
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
		return cli_error(CLI_USAGE, CMD, "%s: no such post directory", a->post);
	if (tims_officers_open_dir(a->post, TIMS_PW_COST_INTERACTIVE, o, &err))
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	return CLI_OK;
}

static void show_secret(const char *id, const char *b32, const struct tims_buf *uri)
{
	printf("officer %s: TOTP secret %s\n", id, b32);
	printf("authenticator URI: %s\n", tims_buf_str(uri));
	printf("(shown once: enrol it in the officer's authenticator now)\n");
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
			return cli_error(CLI_USAGE, CMD, "add needs --name and --role");
		role = tims_role_parse(a.role);
		if (!role || role == TIMS_ROLE_PEER)
			return cli_error(CLI_USAGE, CMD,
					 "--role: one of officer, supervisor, analyst, auditor, admin");
	}
	if (!(pw = read_password()))
		return cli_error(CLI_USAGE, CMD, "password: none on standard input");
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

static int o_add(int argc, char **argv) { return do_add_or_reset(argc, argv, 1); }
static int o_reset(int argc, char **argv) { return do_add_or_reset(argc, argv, 0); }

static int do_disable(int argc, char **argv, int disabled)
{
	struct tims_officers *o = NULL;
	struct tims_err err;
	struct args a;
	int rc;

	if ((rc = parse(argc, argv, &a, 1)) || (rc = open_store(&a, &o)))
		return rc;
	if (tims_officer_disable(o, a.id, disabled, &err))
		rc = cli_error(err.rc == TIMS_ERR_DB ? CLI_USAGE : CLI_FAIL, CMD, "%s", err.msg);
	else
		printf("officer %s %s\n", a.id, disabled ? "disabled; sessions ended" : "enabled");
	tims_officers_close_dir(o);
	return rc;
}

static int o_disable(int argc, char **argv) { return do_disable(argc, argv, 1); }
static int o_enable(int argc, char **argv) { return do_disable(argc, argv, 0); }

static int print_one(void *ctx, const struct tims_officer *off)
{
	json_t *list = ctx;

	if (list) {
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:i, s:I}",
			"id", off->id, "name", off->name, "role", tims_role_name(off->role),
			"disabled", off->disabled, "failures", off->failures,
			"locked_until", (json_int_t)off->locked_until));
	} else {
		printf("%-16s %-11s %-9s %s\n", off->id, tims_role_name(off->role),
		       off->disabled ? "disabled" : "active", off->name);
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

	if ((rc = parse(argc, argv, &a, 0)) || (rc = open_store(&a, &o)))
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

static const struct cli_command officer_commands[] = {
	{ "add", o_add, "add an officer" },
	{ "list", o_list, "list the officers" },
	{ "disable", o_disable, "disable an officer and end their sessions" },
	{ "enable", o_enable, "enable an officer again" },
	{ "reset", o_reset, "new password and TOTP secret; ends the sessions" },
};

int cmd_officer(int argc, char **argv)
{
	return cli_dispatch(CMD, officer_commands, TIMS_ARRAY_SIZE(officer_commands), usage,
			    argc, argv);
}
