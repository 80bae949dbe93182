/*
 * serve_sandbox.h — the daemons' least privilege (tims/sandbox.h) from their
 * configuration: the keys `user` and `sandbox` (tims.conf(5)), the flags
 * --user and --sandbox, the root refusal before anything is opened, and the
 * sandbox entered once the daemon has bound its port and opened its stores.
 */
#ifndef TIMS_SERVE_SANDBOX_H
#define TIMS_SERVE_SANDBOX_H

#include <stdint.h>

#include "tims/conf.h"
#include "tims/sandbox.h"

/* Declared keys: user (an account name) and sandbox (enforce | log). */
#define SERVE_KEY_USER { "user", TIMS_CONF_STRING, 0, 0, NULL }
#define SERVE_KEY_SANDBOX { "sandbox", TIMS_CONF_ENUM, 0, 0, tims_sandbox_mode_names }

/* The flags' long options (put in each serve command's table). */
#define SERVE_OPT_USER { "user", required_argument, NULL, 'U' }
#define SERVE_OPT_SANDBOX { "sandbox", required_argument, NULL, 'S' }

struct serve_sandbox {
	const char *user, *mode;   /* --user, --sandbox, or NULL: the file's */
	const char *dir;           /* the data directory (read-write) */
	const char *config;        /* --config FILE, read-only */
	const char *ro[4];         /* web dir, cert ... (NULL: none); never a key */
	const char *rw[1];         /* read-write besides dir: the API inbox (NULL: none) */
	uint16_t port;             /* the bound port */
};

/* After the configuration is read (sb->config its file, for messages),
 * before anything is opened: check and settle user
 * and mode (flag, else file) and refuse root without `user` (exit status
 * CLI_USAGE, the message names the key) unless TIMS_ALLOW_ROOT=1 (a
 * warning). CLI_OK otherwise. */
int serve_sandbox_check(const char *cmd, struct serve_sandbox *sb, const struct tims_conf *conf);

/* After binding and opening the stores: drop to the user, Landlock,
 * seccomp. CLI_OK, or the error printed (the caller stops and exits). */
int serve_sandbox_enter(const char *cmd, const struct serve_sandbox *sb);

/* The signer's sandbox (profile TIMS_SANDBOX_SIGNER), given to
 * tims_signer_sandbox before tims_signer_start, once serve_keys_jail moved
 * the keys: DIR and its key directory DIR.keys (the key files and the
 * token references in them), the token's paths, the config and key_file
 * (the post's --key) read-only; the same user and mode as the daemon. */
int serve_sandbox_signer(const char *cmd, const struct serve_sandbox *sb,
			 const char *dir, const char *key_file);

/* The node's private key files moved out of dir into its key directory
 * (tims_keys_jail: DIR.keys beside it, each key a link there), logged
 * when daemon is set and a file moved. CLI_OK, or the error printed
 * (CLI_FAIL). serve_sandbox_signer and serve_sandbox_enter run it; the
 * commands that write keys (init, rotate-key, enrol, restore) too. */
int serve_keys_jail(const char *cmd, const char *dir, int daemon);

/* The exit status for a failed tims_signer_start: CLI_USAGE when the signer
 * refused its configuration (its sandbox: a user, a directory's owner),
 * as the daemon's own sandbox would; CLI_FAIL when it could not run at all
 * (exec, socket, memory, no answer). */
struct tims_err;
int serve_signer_status(const struct tims_err *err);

#endif
