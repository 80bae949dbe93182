/*
 * cli.c — helpers shared by the command families: help detection, error
 * printing, and the dispatch of git-style sub-command tables.
 */
#include "cli.h"

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int cli_error(int status, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tims %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_dispatch(const char *family, const struct cli_command *table,
		 size_t n, const char *usage, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], table[i].name))
			return table[i].fn(argc - 1, argv + 1);
	fputs(usage, stderr);
	return cli_error(CLI_USAGE, family, "'%s' is not a %s command",
			 argv[1], family);
}
