/*
 * serve_sandbox.c — the daemons' sandbox from their configuration
 * (serve_sandbox.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "serve_conf.h"
#include "serve_sandbox.h"
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
		return cli_error(CLI_USAGE, cmd, "--user: %s", tims_err_msg(&err));
	if (!sb->user && (v = tims_conf_get(conf, "user")) &&
	    tims_sandbox_user_check(v->str, &err))
		return cli_error(CLI_USAGE, cmd, "%s:%u: key 'user': %s",
				 sb->config ? sb->config : "-", v->line, tims_err_msg(&err));
	sb->user = serve_conf_pick(sb->user, conf, "user", NULL);
	if (sb->mode) {
		int ok = 0;

		for (size_t i = 0; tims_sandbox_mode_names[i]; i++)
			ok |= strcmp(sb->mode, tims_sandbox_mode_names[i]) == 0;
		if (!ok)
			return cli_error(CLI_USAGE, cmd, "--sandbox: '%s' is not one of "
					 "enforce|log", sb->mode);
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

int serve_sandbox_enter(const char *cmd, const struct serve_sandbox *sb)
{
	/* ~64 KiB of paths: not on the stack of a thread-heavy process */
	static struct tims_sandbox_cfg cfg;
	static const char *const listed[] = { "witnesses.conf", "audit-witnesses.conf" };
	struct tims_err err;

	tims_sandbox_cfg_init(&cfg);
	cfg.profile = TIMS_SANDBOX_DAEMON;
	cfg.mode = mode_of(sb);
	cfg.user = sb->user;
	cfg.data_dir = sb->dir;
	cfg.port = sb->port;
	cfg.warn = warn_line;
	if (tims_sandbox_add_ro(&cfg, sb->config, &err))
		goto fail;
	for (size_t i = 0; i < sizeof(sb->ro) / sizeof(sb->ro[0]); i++)
		if (tims_sandbox_add_ro(&cfg, sb->ro[i], &err))
			goto fail;
	for (size_t i = 0; i < sizeof(sb->rw) / sizeof(sb->rw[0]); i++)
		if (sb->rw[i] && tims_sandbox_add_rw(&cfg, sb->rw[i], &err))
			goto fail;
	/* no token paths: keys are used by the signer process only */
	/* CA and key files of witnesses, named in lists read as it runs */
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		char path[TIMS_SANDBOX_PATH_BYTES];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", sb->dir, listed[i]) <
		    sizeof(path) && tims_sandbox_add_listed_file(&cfg, path, &err))
			goto fail;
	}
	if (tims_sandbox_enter(&cfg, &err))
		goto fail;
	serve_log_event(TIMS_LOG_INFO, "sandbox", "mode", sb->mode ? sb->mode : "enforce");
	return CLI_OK;
fail:
	return cli_error(CLI_USAGE, cmd, "sandbox: %s", tims_err_msg(&err));
}

int serve_sandbox_signer(const char *cmd, const struct serve_sandbox *sb,
			 const char *dir, const char *key_file)
{
	static struct tims_sandbox_cfg cfg;
	struct tims_err err;

	tims_sandbox_cfg_init(&cfg);
	cfg.profile = TIMS_SANDBOX_SIGNER;
	cfg.mode = mode_of(sb);
	cfg.user = sb->user;
	cfg.data_dir = dir;    /* the key files, the vault's token reference */
	/* the signer is another image: it prints its warnings itself (at
	 * this level: asked for when warnings are shown) */
	cfg.warn = serve_log_level() >= TIMS_LOG_WARNING ? warn_line : NULL;
	/* the token: module, PIN file, SoftHSM2's configuration and tokens */
	if (tims_sandbox_add_ro(&cfg, sb->config, &err) ||
	    tims_sandbox_add_ro(&cfg, key_file, &err) ||
	    tims_sandbox_add_p11_dir(&cfg, dir, &err))
		return cli_error(CLI_USAGE, cmd, "signer sandbox: %s", tims_err_msg(&err));
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
