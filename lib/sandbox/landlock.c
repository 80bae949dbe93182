/*
 * landlock.c — the file-system (and TCP bind) confinement of a daemon or the
 * signer, where the kernel offers Landlock.
 *
 * The ABI is probed and only the rights it knows are handled, so one binary
 * runs on Debian 12's 6.1 (ABI 2) and on newer kernels; without Landlock (an
 * older kernel, or lsm= without it) the process goes on with a warning: the
 * seccomp filter and the user drop still hold. The constants are our own
 * because the installed linux/landlock.h can be older than the kernel.
 *
 * Landlock confines the calling thread only (until a kernel gives
 * LANDLOCK_RESTRICT_SELF_TSYNC), and the daemons' threads are running when
 * the sandbox is entered. So each thread confines itself: a real-time signal
 * is sent to every thread in /proc/self/task (again until a pass finds no
 * new one, since a thread may be starting one), its handler sets
 * NO_NEW_PRIVS and calls landlock_restrict_self on the shared ruleset, and
 * the caller waits for each answer. Threads made later inherit the domain.
 *
 * TCP: with ABI >= 4, bind is handled and allowed only on cfg->port (no
 * port: none), since nothing binds after start. connect is not restricted:
 * a post connects to its centre and witnesses, whose addresses come from
 * enrolment and can change with a bundle, and the centre to PostgreSQL.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#ifndef O_PATH
#define O_PATH 010000000 /* Linux; glibc shows it under _GNU_SOURCE only */
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port {
	uint64_t allowed_access;
	uint64_t port;
};

/* Rights that apply to a file (not a directory) in a rule. */
#define LL_FS_FILE (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
		    LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)
#define LL_RO (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_RW (LL_RO | LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | \
	       LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_REFER | LL_FS_TRUNCATE)

int tims_sandbox_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
}

static uint64_t handled_fs(int abi)
{
	uint64_t fs = (LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */

	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

static tims_rc add_rule(int ruleset, const char *path, uint64_t want, uint64_t handled,
			int *added, struct tims_err *err)
{
	struct ll_path_beneath pb;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return TIMS_OK; /* an optional path this machine lacks */
		if (errno == EACCES)
			return TIMS_OK; /* the user cannot reach it: nothing to allow */
		return tims_err_set(err, TIMS_ERR_IO, "landlock: %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_IO, "landlock: %s: %s", path, strerror(errno));
	}
	pb.allowed_access = want & handled;
	if (!S_ISDIR(st.st_mode))
		pb.allowed_access &= LL_FS_FILE;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) != 0) {
		int e = errno;

		close(fd);
		return tims_err_set(err, TIMS_ERR_STATE, "landlock: rule for %s: %s", path,
				    strerror(e));
	}
	close(fd);
	(*added)++;
	return TIMS_OK;
}

/* ---- every thread confines itself ------------------------------------ */

static int ll_ruleset = -1;
static atomic_long ll_ack;    /* the tid that answered */
static atomic_int ll_ack_rc;  /* 0, or the errno of its failure */

static void ll_on_signal(int sig)
{
	int saved = errno, rc = 0;

	(void)sig;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_landlock_restrict_self, ll_ruleset, 0) != 0)
		rc = errno ? errno : EPERM;
	atomic_store(&ll_ack_rc, rc);
	atomic_store(&ll_ack, (long)syscall(SYS_gettid));
	errno = saved;
}

#define LL_THREADS_MAX 4096

static int tid_seen(const long *done, size_t n, long tid)
{
	for (size_t i = 0; i < n; i++)
		if (done[i] == tid)
			return 1;
	return 0;
}

/* Whether thread tid has ended or is ending (a zombie runs no handler). */
static int thread_gone(long tid)
{
	char path[64], line[128];
	int gone = 1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	if (!(f = fopen(path, "re")))
		return 1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "State:\t", 7) == 0) {
			gone = line[7] == 'Z' || line[7] == 'X';
			break;
		}
	fclose(f);
	return gone;
}

/* Send the signal to one thread and wait (up to 5 s) for its answer. */
static tims_rc restrict_thread(long tid, int sig, struct tims_err *err)
{
	struct timespec ms = { 0, 1000000 };
	pid_t pid = getpid();

	atomic_store(&ll_ack, 0);
	atomic_store(&ll_ack_rc, 0);
	if (syscall(SYS_tgkill, pid, tid, sig) != 0) {
		if (errno == ESRCH)
			return TIMS_OK; /* it ended */
		return tims_err_set(err, TIMS_ERR_STATE, "landlock: signal to thread %ld: %s",
				    tid, strerror(errno));
	}
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&ll_ack) == tid) {
			int rc = atomic_load(&ll_ack_rc);

			if (rc)
				return tims_err_set(err, TIMS_ERR_STATE,
						    "landlock: thread %ld: %s", tid, strerror(rc));
			return TIMS_OK;
		}
		if (thread_gone(tid))
			return TIMS_OK; /* it ended (or is ending) before the signal ran */
		nanosleep(&ms, NULL);
	}
	return tims_err_set(err, TIMS_ERR_STATE,
			    "landlock: thread %ld did not confine itself within 5 s "
			    "(signal %d blocked?)", tid, sig);
}

static tims_rc restrict_all_threads(struct tims_err *err)
{
	static long done[LL_THREADS_MAX];
	struct sigaction sa, old;
	long self = (long)syscall(SYS_gettid);
	size_t ndone = 0;
	int sig = SIGRTMIN + 5, fresh;
	tims_rc rc = TIMS_OK;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ll_on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) != 0)
		return tims_err_set(err, TIMS_ERR_STATE, "landlock: sigaction: %s", strerror(errno));
	if (syscall(SYS_landlock_restrict_self, ll_ruleset, 0) != 0) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "landlock: restrict_self: %s",
				  strerror(errno));
		goto out;
	}
	done[ndone++] = self;
	do {
		DIR *dir = opendir("/proc/self/task");
		struct dirent *d;

		fresh = 0;
		if (!dir) {
			rc = tims_err_set(err, TIMS_ERR_IO, "landlock: /proc/self/task: %s",
					  strerror(errno));
			goto out;
		}
		while (!rc && (d = readdir(dir))) {
			char *end;
			long tid = strtol(d->d_name, &end, 10);

			if (*end || tid <= 0 || tid_seen(done, ndone, tid))
				continue;
			if (ndone >= LL_THREADS_MAX) {
				rc = tims_err_set(err, TIMS_ERR_TOOBIG,
						  "landlock: more than %d threads", LL_THREADS_MAX);
				break;
			}
			rc = restrict_thread(tid, sig, err);
			done[ndone++] = tid;
			fresh = 1;
		}
		closedir(dir);
	} while (!rc && fresh);
out:
	sigaction(sig, &old, NULL);
	return rc;
}

tims_rc sandbox_landlock(const struct tims_sandbox_cfg *cfg, int *applied,
			 struct tims_err *err)
{
	struct ll_ruleset_attr attr;
	const char *const *sys = sandbox_system_ro(cfg->profile);
	char tmpdir[TIMS_SANDBOX_PATH_BYTES];
	int abi = tims_sandbox_landlock_abi(), added = 0;
	size_t attr_size;
	uint64_t fs;
	tims_rc rc = TIMS_OK;

	*applied = 0;
	if (abi <= 0) {
		sandbox_warn(cfg, "landlock: not offered by this kernel (%s): files are not "
			     "confined beyond their permissions; seccomp and the user drop "
			     "still apply", errno == EOPNOTSUPP ? "disabled at boot" :
			     "absent");
		return TIMS_OK;
	}
	fs = handled_fs(abi);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs;
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP;
		attr_size = 2 * sizeof(uint64_t);
	}
	ll_ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ll_ruleset < 0)
		return tims_err_set(err, TIMS_ERR_STATE, "landlock: create_ruleset (ABI %d): %s",
				    abi, strerror(errno));
	/* the signer alone makes links there: a renewed key's, into the key
	 * directory (tims_keys_write_new) */
	if (cfg->data_dir)
		rc = add_rule(ll_ruleset, cfg->data_dir, cfg->profile == TIMS_SANDBOX_SIGNER ?
			      LL_RW | LL_FS_MAKE_SYM : LL_RW, fs, &added, err);
	for (size_t i = 0; !rc && i < cfg->nrw; i++)
		rc = add_rule(ll_ruleset, cfg->rw[i], LL_RW, fs, &added, err);
	sandbox_sqlite_tmpdir(tmpdir, sizeof(tmpdir));
	if (!rc && *tmpdir)
		rc = add_rule(ll_ruleset, tmpdir, LL_RW, fs, &added, err);
	for (size_t i = 0; !rc && i < cfg->nro; i++)
		rc = add_rule(ll_ruleset, cfg->ro[i], LL_RO, fs, &added, err);
	for (; !rc && *sys; sys++)
		rc = add_rule(ll_ruleset, *sys, LL_RO, fs, &added, err);
	/* resolvconf, NetworkManager, systemd-resolved: /etc/resolv.conf is a
	 * link to a file they replace; a rule holds an inode, so its directory */
	if (!rc && cfg->profile == TIMS_SANDBOX_DAEMON) {
		char real[PATH_MAX], *slash;

		if (realpath("/etc/resolv.conf", real) && (slash = strrchr(real, '/')) &&
		    slash != real) {
			*slash = '\0';
			if (strcmp(real, "/etc") != 0)
				rc = add_rule(ll_ruleset, real, LL_RO, fs, &added, err);
		}
	}
	if (!rc && abi >= 4 && cfg->port && cfg->profile == TIMS_SANDBOX_DAEMON) {
		struct ll_net_port np = { LL_NET_BIND_TCP, cfg->port };

		if (syscall(SYS_landlock_add_rule, ll_ruleset, LL_RULE_NET_PORT, &np, 0) != 0)
			rc = tims_err_set(err, TIMS_ERR_STATE, "landlock: bind rule for port %u: %s",
					  (unsigned)cfg->port, strerror(errno));
	}
	if (!rc)
		rc = restrict_all_threads(err);
	close(ll_ruleset);
	ll_ruleset = -1;
	if (!rc)
		*applied = 1;
	return rc;
}
