/*
 * tims.c — the `tims` program: one binary, git-style sub-commands.
 *
 * main() looks the first argument up in the command table and hands over;
 * each command family lives in its own src/cmd_*.c and returns the exit
 * status (0 ok, 1 invalid or check failed, 2 usage or I/O error).
 */
#include <sys/stat.h>

#include "cli.h"
#include "tims/version.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "help", cmd_help, N_("list the commands, or show one command's help") },
	{ "version", cmd_version, N_("print the version") },
	{ "tlog", cmd_tlog, N_("Merkle log tools for auditors: roots, proofs, signed notes") },
	{ "mrz", cmd_mrz, N_("read and validate machine-readable zones (ICAO 9303)") },
	{ "api", cmd_api, N_("advance passenger information: read, store and screen airlines' PAXLST messages") },
	{ "epassport", cmd_epassport, N_("e-passport chips: passive authentication of EF.SOD and data groups") },
	{ "login", cmd_login, N_("log in as an officer at a post or the centre (password + TOTP)") },
	{ "logout", cmd_logout, N_("end the session opened by tims login") },
	{ "post", cmd_post, N_("a border post: create one (init), run its node (serve)") },
	{ "officer", cmd_officer, N_("officer accounts at a post: add, list, disable, reset") },
	{ "cross", cmd_cross, N_("register crossings in the post's log (one, or import JSON Lines)") },
	{ "history", cmd_history, N_("a document's crossings and its stay calculation") },
	{ "audit", cmd_audit, N_("read and verify the audit log (auditors)") },
	{ "log", cmd_log, N_("verify the post's log, or sign a checkpoint now") },
	{ "screen", cmd_screen, N_("screen travellers against the watchlists; evaluate name matching") },
	{ "watchlist", cmd_watchlist, N_("import, list and manage watchlists") },
	{ "centre", cmd_centre, N_("the national centre: enrolment, mirror of every post, rebuilds") },
	{ "retention", cmd_retention, N_("erase what has been kept as long as the law says (G8)") },
	{ "witness", cmd_witness, N_("an independent witness: cosigns checkpoints of logs it has checked") },
	{ "key", cmd_key, N_("signing keys in a PKCS#11 token (HSM, TPM): generate") },
	{ "backup", cmd_backup, N_("copy a node's directory while it serves (post, centre, witness)") },
	{ "restore", cmd_restore, N_("put a backup back into an empty directory and verify it") },
	{ "export", cmd_export, N_("a sealed export's recipient: make a key pair, open what the centre sealed") },
};

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < (sizeof(commands) / sizeof(commands[0])); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void list_commands(FILE *out)
{
	fputs(_("usage: tims <command> [<args>]\n\n"
		"TIMS, the Traveller Information Management System.\n\n"
		"Commands:\n"), out);
	for (size_t i = 0; i < (sizeof(commands) / sizeof(commands[0])); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
	fputs(_("\n'tims help <command>' or 'tims <command> --help' shows a "
		"command's options.\n"), out);
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_command *c;
	char *sub[] = { NULL, "--help", NULL };

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		list_commands(stdout);
		return CLI_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return cli_error(CLI_USAGE, "help", _("no command '%s'"), argv[1]);
	if (c->fn == cmd_help) {
		list_commands(stdout);
		return CLI_OK;
	}
	sub[0] = argv[1];
	return c->fn(2, sub);
}

static int cmd_version(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims version\n\nPrints the version of TIMS."));
		return CLI_OK;
	}
	if (argc > 1)
		return cli_error(CLI_USAGE, "version", _("takes no arguments"));
	printf("tims %s\n", tims_version());
	return CLI_OK;
}

int main(int argc, char **argv)
{
	const struct cli_command *c;

	/* the C locale but for the messages' language (src/cli_lang.c) */
	cli_lang_init();
	/* Every file tims makes is its owner's alone (0600, directories 0700),
	 * whatever the umask it was started with: SQLite's files, keys, logs. */
	umask(077);
	if (argc < 2) {
		list_commands(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	/* the daemons' signer, re-executed by tims_signer_start: hidden */
	if (!strcmp(argv[1], "__signer"))
		return cmd_signer(argc - 1, argv + 1);
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, _("tims: '%s' is not a tims command. "
				  "See 'tims help'.\n"), argv[1]);
		return CLI_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
