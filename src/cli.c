/*
 * cli.c — helpers shared by the command families: help detection, error
 * printing, and the dispatch of git-style sub-command tables.
 */
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "tims/keydir.h"
#include "tims/http.h"
#include "tims/util.h"

#define BAR_WIDTH 30

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress_draw(const struct cli_progress *p, uint64_t done)
{
	char bar[BAR_WIDTH + 1];
	size_t fill;

	if (!p->total) {
		fprintf(stderr, "\r  %-24s %" PRIu64, p->label, done);
		return;
	}
	if (done > p->total)
		done = p->total;
	fill = (size_t)(done * BAR_WIDTH / p->total);
	memset(bar, '#', fill);
	memset(bar + fill, ' ', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r  %-24s [%s] %3u%%", p->label, bar,
		(unsigned)(done * 100 / p->total));
}

void cli_progress_start(struct cli_progress *p, const char *label, uint64_t total)
{
	p->label = label;
	p->total = total;
	p->last_ms = 0;
	p->on = isatty(STDERR_FILENO);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
	int64_t t;

	if (!p->on)
		return;
	t = mono_ms();
	if (t - p->last_ms < 100)
		return;
	p->last_ms = t;
	progress_draw(p, done);
}

void cli_progress_done(struct cli_progress *p, uint64_t done)
{
	if (!p->on)
		return;
	progress_draw(p, done);
	fputc('\n', stderr);
	p->on = 0;
}

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
	if (argc == 2 && !strcmp(argv[1], "--commands")) {
		/* the sub-commands, one a line: tests/e2e/roles.sh holds every
		 * one of them against docs/roles.md */
		for (size_t i = 0; i < n; i++)
			printf("%s %s\n", family, table[i].name);
		return CLI_OK;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(_(usage), argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], table[i].name))
			return table[i].fn(argc - 1, argv + 1);
	fputs(_(usage), stderr);
	return cli_error(CLI_USAGE, family, _("'%s' is not a %s command"),
			 argv[1], family);
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cli_web_dir(const char *sub, char *out, size_t cap)
{
	char exe[PATH_MAX];
	const char *env = getenv("TIMS_WEB");
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (snprintf(out, cap, "%s%s%s", env, *sub ? "/" : "", sub) < (int)cap &&
		    is_dir(out))
			return out;
		return NULL;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = '\0';
	/* build/tims -> web/ beside build/; /usr/bin/tims -> /usr/share/tims/web */
	if (snprintf(out, cap, "%s/../web%s%s", exe, *sub ? "/" : "", sub) < (int)cap &&
	    is_dir(out))
		return out;
	if (snprintf(out, cap, "%s/../share/tims/web%s%s", exe, *sub ? "/" : "", sub) <
	    (int)cap && is_dir(out))
		return out;
	return NULL;
}

void cli_print_routes(const struct tims_http_route *r, size_t n)
{
	static const unsigned people[] = { TIMS_ROLE_OFFICER, TIMS_ROLE_SUPERVISOR,
					   TIMS_ROLE_ANALYST, TIMS_ROLE_AUDITOR, TIMS_ROLE_ADMIN };

	for (size_t i = 0; i < n; i++) {
		json_t *roles = json_array(), *o;
		char *line;

		if (r[i].roles == TIMS_ROUTE_PUBLIC)
			json_array_append_new(roles, json_string(r[i].flags & TIMS_ROUTE_WALL ? "wall"
												: "public"));
		else if (r[i].roles & TIMS_ROLE_PEER)
			json_array_append_new(roles, json_string("peer"));
		for (size_t k = 0; k < sizeof(people) / sizeof(people[0]); k++)
			if (r[i].roles & people[k])
				json_array_append_new(roles, json_string(tims_role_name(people[k])));
		o = json_pack("{s:s, s:s, s:o, s:I, s:b, s:b}", "method", r[i].method,
			      "path", r[i].path, "roles", roles, "body_max", (json_int_t)r[i].body_max,
			      "mtls", (r[i].flags & TIMS_ROUTE_MTLS) != 0,
			      "passive", (r[i].flags & TIMS_ROUTE_PASSIVE) != 0);
		line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (line)
			printf("%s\n", line);
		free(line);
		json_decref(o);
	}
}

static void private_found(void *ctx, const char *path, unsigned mode)
{
	fprintf(stderr, _("tims %s: %s was mode %04o, readable by group or others: set to %04o\n"),
		(const char *)ctx, path, mode, (mode & 040000) ? 0700u : (mode & 0700u));
}

int cli_private_dir(const char *cmd, const char *dir)
{
	struct tims_err err;
	size_t fixed = 0;

	char kd[4200];
	struct stat st;

	if (tims_private_check(dir, private_found, (void *)cmd, &fixed, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	/* the node's keys beside it (tims/keydir.h): their links in dir are
	 * not followed above */
	if (!tims_keydir_of(dir, kd, sizeof(kd), NULL) && lstat(kd, &st) == 0 &&
	    S_ISDIR(st.st_mode) && tims_private_check(kd, private_found, (void *)cmd, &fixed, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	return CLI_OK;
}
