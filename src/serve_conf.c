/*
 * serve_conf.c — the daemons' configuration file and log sink
 * (serve_conf.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "serve_conf.h"

/* One process, one daemon: the level is the process's. */
static int log_level = TIMS_LOG_INFO;

int serve_conf_load(const char *cmd, const char *file, const struct tims_conf_key *keys,
		    size_t nkeys, struct tims_conf *conf)
{
	struct tims_err err;

	tims_conf_init(conf, keys, nkeys);
	if (!file)
		return CLI_OK;
	if (tims_conf_load(conf, file, &err))
		return cli_error(CLI_USAGE, cmd, "%s", tims_err_msg(&err));
	return CLI_OK;
}

const char *serve_conf_pick(const char *flag, const struct tims_conf *conf,
			    const char *key, const char *def)
{
	const char *v;

	if (flag)
		return flag;
	v = tims_conf_str(conf, key);
	return v ? v : def;
}

int serve_log_level_set(const char *cmd, const char *flag, const struct tims_conf *conf)
{
	const struct tims_conf_value *v;
	struct tims_err err;

	if (flag) {
		if (tims_log_level_parse(flag, &log_level, &err))
			return cli_error(CLI_USAGE, cmd, "--%s", tims_err_msg(&err));
		return CLI_OK;
	}
	v = tims_conf_get(conf, "log-level");
	log_level = v ? TIMS_LOG_ERR + (int)v->num : TIMS_LOG_INFO;
	return CLI_OK;
}

int serve_log_level(void)
{
	return log_level;
}

void serve_log_line(void *ctx, const char *line)
{
	char out[4 * TIMS_LOG_LINE_MAX];

	(void)ctx;
	if (tims_log_keep(line, log_level, out, sizeof(out)))
		fprintf(stderr, "%s\n", out);
}

void serve_log_event(int level, const char *event, const char *key, const char *value)
{
	struct tims_log_line l;

	tims_log_begin(&l, level, event);
	if (key)
		tims_log_add(&l, key, value);
	serve_log_line(NULL, tims_log_text(&l));
}
