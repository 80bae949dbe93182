/*
 * sandbox.h — least privilege for the daemons (post, centre, witness) and
 * the key-holding signer process: refuse root, drop to a configured user,
 * PR_SET_NO_NEW_PRIVS, Landlock (where the kernel offers it) and a seccomp
 * allowlist (libseccomp). docs/operations.md, "Sandbox".
 *
 * Order in a daemon's serve command: parse config -> tims_sandbox_root_check
 * (refuse root before anything is opened) -> open stores, bind -> start ->
 * tims_sandbox_enter -> serve. tims_sandbox_enter may be called while
 * threads already run: the user drop reaches every thread (glibc's setxid),
 * the seccomp filter is synchronised to every thread (TSYNC), and Landlock,
 * which the kernel applies to the calling thread only, is applied by each
 * thread itself from a signal handler (the same broadcast glibc uses for
 * setuid); every thread is checked afterwards (/proc/self/task/N/status:
 * NoNewPrivs 1, Seccomp 2, the user's uid), else the call fails.
 *
 * The library never exits nor prints: warnings (Landlock absent, log mode,
 * root allowed) go to cfg->warn.
 */
#ifndef TIMS_SANDBOX_H
#define TIMS_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

enum tims_sandbox_profile {
	/* the process that parses network input: sockets, files in its data
	 * directory, outgoing TLS (the sync client, towards the centre and witnesses),
	 * HTTPS serving (libmicrohttpd) */
	TIMS_SANDBOX_DAEMON = 0,
	/* the key-holding process: its PKCS#11 module and token directory,
	 * a socketpair to the daemon; no network socket (AF_UNIX only), no
	 * bind, listen, accept */
	TIMS_SANDBOX_SIGNER = 1,
};

enum tims_sandbox_mode {
	TIMS_SANDBOX_ENFORCE = 0, /* a call outside the allowlist kills the process */
	TIMS_SANDBOX_LOG = 1,     /* it is allowed and logged by the kernel (audit) */
};

/* The values of the config key `sandbox`, for TIMS_CONF_ENUM tables. */
extern const char *const tims_sandbox_mode_names[];

#define TIMS_SANDBOX_PATHS_MAX 32
#define TIMS_SANDBOX_PATH_BYTES 1024

struct tims_sandbox_cfg {
	enum tims_sandbox_profile profile;
	enum tims_sandbox_mode mode;
	const char *user;          /* account to drop to, or NULL: stay */
	const char *data_dir;      /* read-write; must belong to `user` */
	uint16_t port;             /* the bound TCP port: the only one bind may
				    * use (Landlock ABI >= 4); 0: none */
	/* Further paths (files or directories): rw and ro. The system paths a
	 * profile needs (libraries, certificates, zoneinfo, resolver files,
	 * /dev/urandom, /proc/self ...) are added by tims_sandbox_enter. */
	char rw[TIMS_SANDBOX_PATHS_MAX][TIMS_SANDBOX_PATH_BYTES];
	size_t nrw;
	char ro[TIMS_SANDBOX_PATHS_MAX][TIMS_SANDBOX_PATH_BYTES];
	size_t nro;
	/* A warning for the process log (one line, no newline); may be NULL. */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

/* Zero cfg: profile DAEMON, mode ENFORCE, no user, no paths. */
void tims_sandbox_cfg_init(struct tims_sandbox_cfg *cfg);

/* Add a read-write or read-only path (NULL or "" ignored; a path that does
 * not exist is skipped when entering). TIMS_ERR_TOOBIG past
 * TIMS_SANDBOX_PATHS_MAX or TIMS_SANDBOX_PATH_BYTES. */
tims_rc tims_sandbox_add_rw(struct tims_sandbox_cfg *cfg, const char *path,
			    struct tims_err *err);
tims_rc tims_sandbox_add_ro(struct tims_sandbox_cfg *cfg, const char *path,
			    struct tims_err *err);

/*
 * The PKCS#11 paths a process still reads after start (to reopen a token
 * that went away): for each "pkcs11:" URI in text, module-path and
 * pin-source read-only; the first time, SoftHSM2's configuration
 * (SOFTHSM2_CONF, else /etc/softhsm/softhsm2.conf) read-only and its
 * directories.tokendir read-write. Bounded: text is read up to len bytes.
 */
tims_rc tims_sandbox_add_p11_text(struct tims_sandbox_cfg *cfg, const char *text,
				  size_t len, struct tims_err *err);
/* The same for TIMS_TOKEN and for every small regular file (<= 16 KiB)
 * named *.skey, *.key or *.conf in dir and its immediate subdirectories
 * that holds a "pkcs11:" URI (post.skey, ca.key, vault.conf ...). Never a
 * database: closing a file SQLite holds open drops SQLite's locks. */
tims_rc tims_sandbox_add_p11_dir(struct tims_sandbox_cfg *cfg, const char *dir,
				 struct tims_err *err);

/* Files a node names in its lists ("URL CA_FILE VKEY_FILE" lines of
 * witnesses.conf and audit-witnesses.conf) and reads while it runs: every
 * word that is an absolute path, on lines not starting with '#', read-only.
 * The _file form reads path (absent: nothing to add; at most 64 KiB). */
tims_rc tims_sandbox_add_listed(struct tims_sandbox_cfg *cfg, const char *text, size_t len,
				struct tims_err *err);
tims_rc tims_sandbox_add_listed_file(struct tims_sandbox_cfg *cfg, const char *path,
				     struct tims_err *err);

/*
 * The paths of a daemon's two processes, one function each so that what a
 * daemon grants and what tests/unit/test_keyjail.c plays against are the
 * same rules (src/serve_sandbox.c calls them):
 *
 * tims_sandbox_daemon_paths, the network process (profile DAEMON): dir as
 * data_dir (read-write), each non-NULL ro[i] read-only and rw[i]
 * read-write, and the files named in dir's witnesses.conf and
 * audit-witnesses.conf (their CA and key files). Never dir's key
 * directory (tims/keydir.h): it lies beside dir, beneath no rule here
 * unless one of ro/rw or SQLite's temporary directory holds it.
 *
 * tims_sandbox_signer_paths, the signer (profile SIGNER): dir as data_dir,
 * its key directory read-only, each non-NULL ro[i] read-only, and the
 * token's paths (tims_sandbox_add_p11_dir) found in both directories.
 */
tims_rc tims_sandbox_daemon_paths(struct tims_sandbox_cfg *cfg, const char *dir,
				  const char *const *ro, size_t nro, const char *const *rw,
				  size_t nrw, struct tims_err *err);
tims_rc tims_sandbox_signer_paths(struct tims_sandbox_cfg *cfg, const char *dir,
				  const char *const *ro, size_t nro, struct tims_err *err);

/* SoftHSM2's configuration text: the value of directories.tokendir into
 * out. TIMS_ERR_NOTFOUND when absent, TIMS_ERR_TOOBIG when longer than cap. */
tims_rc tims_sandbox_softhsm_tokendir(const char *text, size_t len, char *out,
				      size_t cap, struct tims_err *err);

/* An account name as `user` takes: 1 to 32 of letters, digits, '.', '_',
 * '-', not starting with '-' or '.' (TIMS_ERR_INVALID, saying so). */
tims_rc tims_sandbox_user_check(const char *name, struct tims_err *err);

/*
 * Before anything is opened: a process with effective uid 0 and no user
 * is refused (TIMS_ERR_DENIED, the message names the key `user`), unless
 * TIMS_ALLOW_ROOT=1 is in the environment (then *allowed_root is set to 1
 * for a warning). allowed_root may be NULL.
 */
tims_rc tims_sandbox_root_check(const char *user, int *allowed_root, struct tims_err *err);

/* The Landlock ABI the kernel offers (1 ..), or 0 when it has none or it
 * is disabled. */
int tims_sandbox_landlock_abi(void);

/*
 * Enter the sandbox: drop to cfg->user (initgroups, setgid, setuid; then
 * setuid(0) must fail) after checking that cfg->data_dir belongs to it;
 * PR_SET_NO_NEW_PRIVS; Landlock (degrades to a warning when absent);
 * the profile's seccomp allowlist. Irreversible. On error the process may
 * be half-confined: the caller must exit.
 */
tims_rc tims_sandbox_enter(const struct tims_sandbox_cfg *cfg, struct tims_err *err);

#endif
