/*
 * sandbox.c — least privilege for a daemon or the signer (tims/sandbox.h):
 * the root refusal, the drop to the configured user, and the order of the
 * confinement steps (NO_NEW_PRIVS, Landlock, seccomp), checked on every
 * thread afterwards.
 *
 * Why a user drop after binding rather than running as the user from the
 * start: a post may listen on 443. Why check the data directory's owner:
 * a daemon that dropped to `tims` over a directory made by root would fail
 * at its first write, in the middle of a border crossing, instead of now.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "internal.h"

const char *const tims_sandbox_mode_names[] = { "enforce", "log", NULL };

void sandbox_warn(const struct tims_sandbox_cfg *cfg, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!cfg->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg->warn(cfg->warn_ctx, msg);
}

void tims_sandbox_cfg_init(struct tims_sandbox_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = TIMS_SANDBOX_DAEMON;
	cfg->mode = TIMS_SANDBOX_ENFORCE;
}

static tims_rc add_path(char (*list)[TIMS_SANDBOX_PATH_BYTES], size_t *n, const char *path,
			const char *what, struct tims_err *err)
{
	size_t len;

	if (!path || !*path)
		return TIMS_OK;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], path) == 0)
			return TIMS_OK;
	len = strlen(path);
	if (len >= TIMS_SANDBOX_PATH_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "sandbox: %s path longer than %d bytes",
				    what, TIMS_SANDBOX_PATH_BYTES - 1);
	if (*n >= TIMS_SANDBOX_PATHS_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "sandbox: more than %d %s paths",
				    TIMS_SANDBOX_PATHS_MAX, what);
	memcpy(list[*n], path, len + 1);
	(*n)++;
	return TIMS_OK;
}

tims_rc tims_sandbox_add_rw(struct tims_sandbox_cfg *cfg, const char *path,
			    struct tims_err *err)
{
	return add_path(cfg->rw, &cfg->nrw, path, "read-write", err);
}

tims_rc tims_sandbox_add_ro(struct tims_sandbox_cfg *cfg, const char *path,
			    struct tims_err *err)
{
	return add_path(cfg->ro, &cfg->nro, path, "read-only", err);
}

tims_rc tims_sandbox_user_check(const char *name, struct tims_err *err)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || name[0] == '-' || name[0] == '.')
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' && name[i] != '_' &&
		    name[i] != '-')
			goto bad;
	return TIMS_OK;
bad:
	return tims_err_set(err, TIMS_ERR_INVALID,
			    "'%.40s' is not an account name (1 to 32 letters, digits, '.', '_' "
			    "or '-', not starting with '-' or '.')", name);
}

tims_rc tims_sandbox_root_check(const char *user, int *allowed_root, struct tims_err *err)
{
	const char *env = getenv("TIMS_ALLOW_ROOT");

	if (allowed_root)
		*allowed_root = 0;
	if (geteuid() != 0 || (user && *user))
		return TIMS_OK;
	if (env && strcmp(env, "1") == 0) {
		if (allowed_root)
			*allowed_root = 1;
		return TIMS_OK;
	}
	return tims_err_set(err, TIMS_ERR_DENIED,
			    "user: running as root without `user` set; set `user` (the account "
			    "to drop to after binding, e.g. user = tims) or start as that "
			    "account (TIMS_ALLOW_ROOT=1 allows root, for test rigs and containers)");
}

/* Drop to the user, after checking the data directory is theirs; then
 * prove it cannot be undone. */
static tims_rc drop_user(const struct tims_sandbox_cfg *cfg, struct tims_err *err)
{
	struct passwd pw, *p = NULL;
	char buf[16384];
	struct stat st;
	int e;

	e = getpwnam_r(cfg->user, &pw, buf, sizeof(buf), &p);
	if (e || !p)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "user: no account '%s'%s%s",
				    cfg->user, e ? ": " : "", e ? strerror(e) : "");
	if (pw.pw_uid == 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "user: '%s' is root (uid 0): name an unprivileged account",
				    cfg->user);
	if (cfg->data_dir) {
		if (stat(cfg->data_dir, &st) != 0)
			return tims_err_set(err, TIMS_ERR_IO, "data directory %s: %s",
					    cfg->data_dir, strerror(errno));
		if (st.st_uid != pw.pw_uid) {
			struct passwd ow, *o = NULL;
			char obuf[4096];

			if (getpwuid_r(st.st_uid, &ow, obuf, sizeof(obuf), &o) || !o)
				o = NULL;
			return tims_err_set(err, TIMS_ERR_DENIED,
					    "data directory %s: owned by %s (uid %u), not by user "
					    "'%s' (uid %u): chown -R %s it",
					    cfg->data_dir, o ? o->pw_name : "?", (unsigned)st.st_uid,
					    cfg->user, (unsigned)pw.pw_uid, cfg->user);
		}
	}
	if (geteuid() != 0) {
		if (geteuid() == pw.pw_uid && getuid() == pw.pw_uid)
			return TIMS_OK; /* started as the user already (systemd User=) */
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "user: cannot become '%s' (uid %u): started as uid %u, not root",
				    cfg->user, (unsigned)pw.pw_uid, (unsigned)geteuid());
	}
	if (initgroups(pw.pw_name, pw.pw_gid) != 0)
		return tims_err_set(err, TIMS_ERR_DENIED, "user: initgroups %s: %s",
				    cfg->user, strerror(errno));
	if (setgid(pw.pw_gid) != 0)
		return tims_err_set(err, TIMS_ERR_DENIED, "user: setgid %u: %s",
				    (unsigned)pw.pw_gid, strerror(errno));
	if (setuid(pw.pw_uid) != 0)
		return tims_err_set(err, TIMS_ERR_DENIED, "user: setuid %u: %s",
				    (unsigned)pw.pw_uid, strerror(errno));
	if (getuid() != pw.pw_uid || geteuid() != pw.pw_uid ||
	    getgid() != pw.pw_gid || getegid() != pw.pw_gid)
		return tims_err_set(err, TIMS_ERR_STATE, "user: the drop to %s did not take",
				    cfg->user);
	/* Irreversible, or refuse to serve. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "user: root could be regained after the drop to %s", cfg->user);
	return TIMS_OK;
}

/* One thread's status: 1 confined (NoNewPrivs 1, Seccomp 2, the uid on
 * all four counts), 0 not, -1 gone or exiting (a zombie thread is skipped
 * by TSYNC and never runs a signal handler: it runs nothing any more). */
static int thread_confined(const char *tid, uid_t uid, char *why, size_t whylen)
{
	char path[64], line[256], want[64];
	int nnp = 0, sec = 0, uidok = 0, dead = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%.20s/status", tid);
	if (!(f = fopen(path, "re")))
		return -1;
	snprintf(want, sizeof(want), "Uid:\t%u\t%u\t%u\t%u\n", (unsigned)uid, (unsigned)uid,
		 (unsigned)uid, (unsigned)uid);
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(line, "NoNewPrivs:\t1\n") == 0)
			nnp = 1;
		else if (strcmp(line, "Seccomp:\t2\n") == 0)
			sec = 1;
		else if (strcmp(line, want) == 0)
			uidok = 1;
		else if (strncmp(line, "State:\tZ", 8) == 0 || strncmp(line, "State:\tX", 8) == 0)
			dead = 1;
	}
	fclose(f);
	if (dead)
		return -1;
	snprintf(why, whylen, "%s%s%s", nnp ? "" : "no NoNewPrivs ", sec ? "" : "no seccomp ",
		 uidok ? "" : "other uid");
	return nnp && sec && uidok;
}

/* Every live thread of the process confined. A thread found unconfined is
 * looked at again for up to a second: one that was ending when the filter
 * was synchronised goes; one that stays is an error. */
static tims_rc check_threads(uid_t uid, struct tims_err *err)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };
	char why[64];
	struct dirent *d;
	int seen = 0;
	tims_rc rc = TIMS_OK;
	DIR *dir = opendir("/proc/self/task");

	if (!dir)
		return tims_err_set(err, TIMS_ERR_IO, "sandbox: /proc/self/task: %s",
				    strerror(errno));
	while (!rc && (d = readdir(dir))) {
		int st = 0;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		for (int i = 0; i < 100 && (st = thread_confined(d->d_name, uid, why,
								  sizeof(why))) == 0; i++)
			nanosleep(&ms10, NULL);
		if (st == 0)
			rc = tims_err_set(err, TIMS_ERR_STATE,
					  "sandbox: thread %.20s is not confined (%s)", d->d_name, why);
		seen += st == 1;
	}
	closedir(dir);
	if (!rc && !seen)
		rc = tims_err_set(err, TIMS_ERR_STATE, "sandbox: no thread found to check");
	return rc;
}

tims_rc tims_sandbox_enter(const struct tims_sandbox_cfg *cfg, struct tims_err *err)
{
	int landlocked = 0;
	tims_rc rc;

	if (cfg->user && *cfg->user && (rc = drop_user(cfg, err)))
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return tims_err_set(err, TIMS_ERR_STATE, "sandbox: PR_SET_NO_NEW_PRIVS: %s",
				    strerror(errno));
	if ((rc = sandbox_landlock(cfg, &landlocked, err)) ||
	    (rc = sandbox_seccomp(cfg, err)))
		return rc;
	if (cfg->mode == TIMS_SANDBOX_LOG)
		sandbox_warn(cfg, "sandbox = log: calls outside the seccomp allowlist are "
			     "allowed and logged by the kernel (journalctl -k, type=SECCOMP); "
			     "set sandbox = enforce once none is logged");
	return check_threads(geteuid(), err);
}
