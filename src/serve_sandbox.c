/*
 * serve_sandbox.c — the daemons' sandbox from their configuration
 * (serve_sandbox.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "serve_conf.h"
#include "serve_sandbox.h"
#include "tims/keydir.h"
#include "tims/signer.h"

static void warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	serve_log_event(TIMS_LOG_WARNING, "sandbox", "msg", msg);
}

int serve_sandbox_check(const char *cmd, struct serve_sandbox *sb, const struct tims_conf *conf)
{
	const struct tims_conf_value *v;
	struct tims_err err;
	int allowed = 0;

	if (sb->user && tims_sandbox_user_check(sb->user, &err))
		return cli_error(CLI_USAGE, cmd, _("--user: %s"), tims_err_msg(&err));
	if (!sb->user && (v = tims_conf_get(conf, "user")) &&
	    tims_sandbox_user_check(v->str, &err))
		return cli_error(CLI_USAGE, cmd, _("%s:%u: key 'user': %s"),
				 sb->config ? sb->config : "-", v->line, tims_err_msg(&err));
	sb->user = serve_conf_pick(sb->user, conf, "user", NULL);
	if (sb->mode) {
		int ok = 0;

		for (size_t i = 0; tims_sandbox_mode_names[i]; i++)
			ok |= strcmp(sb->mode, tims_sandbox_mode_names[i]) == 0;
		if (!ok)
			return cli_error(CLI_USAGE, cmd, _("--sandbox: '%s' is not one of "
					 "enforce|log"), sb->mode);
	} else {
		v = tims_conf_get(conf, "sandbox");
		sb->mode = tims_sandbox_mode_names[v ? v->num : 0];
	}
	if (tims_sandbox_root_check(sb->user, &allowed, &err))
		return cli_error(CLI_USAGE, cmd, "%s", tims_err_msg(&err));
	if (allowed)
		serve_log_event(TIMS_LOG_WARNING, "sandbox", "msg",
				"running as root (TIMS_ALLOW_ROOT=1): set `user` in production");
	return CLI_OK;
}

static enum tims_sandbox_mode mode_of(const struct serve_sandbox *sb)
{
	return strcmp(sb->mode ? sb->mode : "enforce", "log") == 0 ? TIMS_SANDBOX_LOG :
		TIMS_SANDBOX_ENFORCE;
}

int serve_keys_jail(const char *cmd, const char *dir, int daemon)
{
	struct tims_err err;
	unsigned moved = 0;
	char kd[TIMS_SANDBOX_PATH_BYTES], msg[TIMS_SANDBOX_PATH_BYTES + 64];

	if (tims_keys_jail(dir, &moved, &err))
		return cli_error(CLI_FAIL, cmd, _("key directory: %s"), tims_err_msg(&err));
	if (daemon && moved && !tims_keydir_of(dir, kd, sizeof(kd), NULL)) {
		snprintf(msg, sizeof(msg), "moved %u key file%s into %s", moved,
			 moved == 1 ? "" : "s", kd);
		serve_log_event(TIMS_LOG_NOTICE, "keys", "msg", msg);
	}
	return CLI_OK;
}

int serve_sandbox_enter(const char *cmd, const struct serve_sandbox *sb)
{
	/* ~64 KiB of paths: not on the stack of a thread-heavy process */
	static struct tims_sandbox_cfg cfg;
	const char *ro[1 + sizeof(sb->ro) / sizeof(sb->ro[0])];
	struct tims_err err;
	int c;

	/* a key made since the signer started (a post's first self-signed
	 * tls.key) goes where this process's rules do not reach */
	if ((c = serve_keys_jail(cmd, sb->dir, 1)))
		return c;
	ro[0] = sb->config;
	for (size_t i = 0; i < sizeof(sb->ro) / sizeof(sb->ro[0]); i++)
		ro[1 + i] = sb->ro[i];
	tims_sandbox_cfg_init(&cfg);
	cfg.mode = mode_of(sb);
	cfg.user = sb->user;
	cfg.port = sb->port;
	cfg.warn = warn_line;
	if (tims_sandbox_daemon_paths(&cfg, sb->dir, ro, sizeof(ro) / sizeof(ro[0]), sb->rw,
				      sizeof(sb->rw) / sizeof(sb->rw[0]), &err) ||
	    tims_sandbox_enter(&cfg, &err))
		return cli_error(CLI_USAGE, cmd, _("sandbox: %s"), tims_err_msg(&err));
	serve_log_event(TIMS_LOG_INFO, "sandbox", "mode", sb->mode ? sb->mode : "enforce");
	return CLI_OK;
}

int serve_sandbox_signer(const char *cmd, const struct serve_sandbox *sb,
			 const char *dir, const char *key_file)
{
	static struct tims_sandbox_cfg cfg;
	const char *ro[2] = { sb->config, key_file };
	struct tims_err err;
	int c;

	/* the key files out of the data directory (and so out of the network
	 * process's Landlock rules) first: a directory laid out before this
	 * is migrated here, at every start */
	if ((c = serve_keys_jail(cmd, dir, 1)))
		return c;
	tims_sandbox_cfg_init(&cfg);
	cfg.mode = mode_of(sb);
	cfg.user = sb->user;
	/* the signer is another image: it prints its warnings itself (at
	 * this level: asked for when warnings are shown) */
	cfg.warn = serve_log_level() >= TIMS_LOG_WARNING ? warn_line : NULL;
	if (tims_sandbox_signer_paths(&cfg, dir, ro, 2, &err))
		return cli_error(CLI_USAGE, cmd, _("signer sandbox: %s"), tims_err_msg(&err));
	tims_signer_sandbox(&cfg);
	return CLI_OK;
}

int serve_signer_status(const struct tims_err *err)
{
	switch (err->rc) {
	case TIMS_ERR_UNAVAILABLE:
	case TIMS_ERR_NOMEM:
	case TIMS_ERR_CRYPTO:
	case TIMS_ERR_STATE:
	case TIMS_ERR_IO:
		return CLI_FAIL;
	default:
		return CLI_USAGE;
	}
}
