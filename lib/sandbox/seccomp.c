/*
 * seccomp.c — the system calls a confined process may make (libseccomp).
 *
 * An allowlist: whatever is not named kills the whole process in enforce
 * mode (SCMP_ACT_KILL_PROCESS: a thread killed alone would leave a daemon
 * half-working), or is allowed and logged by the kernel in log mode. What
 * the daemons do after start, by library:
 *   libmicrohttpd   epoll, accept4, eventfd, socket I/O, its thread pool
 *   GnuTLS          getrandom, reading CA files
 *   sync client     socket, connect, poll (lib/sync/client.c; the
 *                   witness client and key follow too), its resolver
 *                   threads (getaddrinfo: netlink bind, sendmmsg, NSS
 *                   modules mapped PROT_EXEC)
 *   SQLite          open/pread/pwrite/fsync/fdatasync, fcntl locks, mmap
 *                   of -shm, ftruncate, unlink, fchown of a new journal
 *                   when root (TIMS_ALLOW_ROOT)
 *   libsodium       mlock, madvise (sodium_malloc), getrandom
 *   libsystemd      sd_notify: an AF_UNIX datagram
 *   the program     sigtimedwait on the stop signals, futexes, clocks
 * Not allowed, among all else: execve/execveat, ptrace, process_vm_*,
 * fork (clone without CLONE_THREAD; clone3 answers ENOSYS so that glibc
 * falls back to clone, whose flags can be checked), mount, bpf, kexec,
 * module loading, keyctl, personality, set*id, chroot, unshare, setns,
 * perf_event_open, userfaultfd, io_uring, listen.
 *
 * The signer profile (the key-holding process) has no network sockets:
 * socket only AF_UNIX, and no bind, listen, accept, connect to inet; it
 * alone may make a symbolic link (a renewed key's, tims_keys_write_new).
 *
 * Under AddressSanitizer (the test builds), LeakSanitizer stops the world at
 * exit with a clone without CLONE_THREAD and ptrace: those are allowed in
 * such builds only, so that their leak reports still come out.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

/* Allowed with any arguments, in both profiles. */
static const char *const common_calls[] = {
	/* files and descriptors */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "lseek", "close", "close_range", "dup", "dup2", "dup3",
	"open", "openat", "openat2", "creat", "stat", "fstat", "lstat", "newfstatat", "statx",
	"statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents", "getdents64", "getcwd", "fcntl", "flock", "fsync", "fdatasync",
	"sync_file_range", "ftruncate", "truncate", "fallocate", "fadvise64", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
	"link", "linkat", "fchmod", "fchmodat", "chmod", "fchown", "umask", "utimensat",
	"futimesat", "sendfile", "copy_file_range", "pipe", "pipe2", "eventfd", "eventfd2",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "mlock2",
	"munlock", "msync", "mincore",
	/* threads, scheduling, time */
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "rseq",
	"set_tid_address", "sched_yield", "sched_getaffinity", "sched_getparam",
	"sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"gettid", "getpid", "getppid", "clock_gettime", "clock_getres", "gettimeofday",
	"time", "nanosleep", "clock_nanosleep",
	/* signals: sigtimedwait for the stop signals, pthread_kill, raise */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"rt_sigpending", "rt_sigsuspend", "sigaltstack", "tgkill", "tkill", "kill",
	"restart_syscall",
	/* identity (read only), limits, system facts */
	"getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
	"uname", "sysinfo", "getrusage", "getrlimit", "getrandom", "getpriority",
	"setpriority", /* the HTTP server's slow threads lower their own */
	/* waiting for events and on a child (the signer, at stop) */
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "wait4", "waitid",
	/* sockets already open or made below (the signer's socketpair) */
	"sendmsg", "recvmsg", "sendto", "recvfrom", "sendmmsg", "recvmmsg", "shutdown",
	"getsockname", "getpeername", "setsockopt", "getsockopt", "socketpair",
	"exit", "exit_group",
};

/* The network process only. */
static const char *const daemon_calls[] = {
	"connect", "accept", "accept4", "bind",
};

/* The signer only: the link beside a renewed client key it writes into
 * the key directory (tims_keys_write_new). */
static const char *const signer_calls[] = {
	"symlink", "symlinkat",
};

static tims_rc add(scmp_filter_ctx ctx, const char *name, uint32_t action, unsigned n,
		   const struct scmp_arg_cmp *cmp, struct tims_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR)
		return TIMS_OK; /* not a call of this architecture */
	rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (rc < 0)
		return tims_err_set(err, TIMS_ERR_STATE, "seccomp: rule for %s: %s", name,
				    strerror(-rc));
	return TIMS_OK;
}

static tims_rc allow_all(scmp_filter_ctx ctx, const char *const *names, size_t n,
			 struct tims_err *err)
{
	tims_rc rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = add(ctx, names[i], SCMP_ACT_ALLOW, 0, NULL, err)))
			return rc;
	return TIMS_OK;
}

/* Argument arg's low 32 bits equal v (an int or a 32-bit request code:
 * the upper half of the register is not the caller's). Built by hand: the
 * SCMP_A* macros trip clang's -Wgnu-zero-variadic-macro-arguments. */
static struct scmp_arg_cmp arg32(unsigned arg, uint32_t v)
{
	struct scmp_arg_cmp c = { arg, SCMP_CMP_MASKED_EQ, 0xffffffffu, v };

	return c;
}

static struct scmp_arg_cmp arg64(unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = { arg, op, a, b };

	return c;
}

/* Calls allowed for some arguments only. */
static tims_rc allow_some(scmp_filter_ctx ctx, enum tims_sandbox_profile profile,
			  struct tims_err *err)
{
	static const int prctl_ok[] = { PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE,
					PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP };
	static const unsigned long ioctl_ok[] = { TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO,
						  FIOCLEX, FIONCLEX };
	struct scmp_arg_cmp c[1];
	tims_rc rc;

	/* threads only: a thread is a clone with CLONE_THREAD */
	c[0] = arg64(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	if ((rc = add(ctx, "clone", SCMP_ACT_ALLOW, 1, c, err)))
		return rc;
	/* clone3's flags are behind a pointer: ENOSYS makes glibc use clone */
	if ((rc = add(ctx, "clone3", SCMP_ACT_ERRNO(ENOSYS), 0, NULL, err)))
		return rc;
	for (size_t i = 0; i < sizeof(prctl_ok) / sizeof(prctl_ok[0]); i++) {
		c[0] = arg32(0, (uint32_t)prctl_ok[i]);
		if ((rc = add(ctx, "prctl", SCMP_ACT_ALLOW, 1, c, err)))
			return rc;
	}
	for (size_t i = 0; i < sizeof(ioctl_ok) / sizeof(ioctl_ok[0]); i++) {
		c[0] = arg32(1, (uint32_t)ioctl_ok[i]);
		if ((rc = add(ctx, "ioctl", SCMP_ACT_ALLOW, 1, c, err)))
			return rc;
	}
	/* getrlimit through prlimit64 on itself, never setting one */
	{
		struct scmp_arg_cmp two[2] = { arg32(0, 0), arg64(2, SCMP_CMP_EQ, 0, 0) };

		if ((rc = add(ctx, "prlimit64", SCMP_ACT_ALLOW, 2, two, err)))
			return rc;
	}
	/* sockets: the daemon's kinds (netlink: getaddrinfo's AI_ADDRCONFIG);
	 * the signer's only AF_UNIX */
	c[0] = arg32(0, AF_UNIX);
	if ((rc = add(ctx, "socket", SCMP_ACT_ALLOW, 1, c, err)))
		return rc;
	if (profile == TIMS_SANDBOX_DAEMON) {
		static const int fam[] = { AF_INET, AF_INET6, AF_NETLINK };

		for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
			c[0] = arg32(0, (uint32_t)fam[i]);
			if ((rc = add(ctx, "socket", SCMP_ACT_ALLOW, 1, c, err)))
				return rc;
		}
	} else {
		/* the signer reaches a TPM's resource manager over AF_UNIX */
		if ((rc = add(ctx, "connect", SCMP_ACT_ALLOW, 0, NULL, err)))
			return rc;
	}
#ifdef SANDBOX_ASAN
	{
		static const char *const lsan[] = { "ptrace", "clone", "prctl", "wait4" };

		for (size_t i = 0; i < sizeof(lsan) / sizeof(lsan[0]); i++)
			if ((rc = add(ctx, lsan[i], SCMP_ACT_ALLOW, 0, NULL, err)))
				return rc;
	}
#endif
	return TIMS_OK;
}

tims_rc sandbox_seccomp(const struct tims_sandbox_cfg *cfg, struct tims_err *err)
{
	uint32_t deflt = cfg->mode == TIMS_SANDBOX_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx;
	tims_rc rc;
	int r;

	if (seccomp_api_get() < 3)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "seccomp: the kernel or libseccomp lacks SCMP_ACT_KILL_PROCESS "
				    "and SCMP_ACT_LOG (API level %u, 3 needed)", seccomp_api_get());
	if (!(ctx = seccomp_init(deflt)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "seccomp: init failed");
	/* every thread, not only this one; each gets NO_NEW_PRIVS with it */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "seccomp: TSYNC: %s", strerror(-r));
		goto out;
	}
	if ((rc = allow_all(ctx, common_calls, sizeof(common_calls) / sizeof(common_calls[0]),
			    err)) ||
	    (cfg->profile == TIMS_SANDBOX_DAEMON &&
	     (rc = allow_all(ctx, daemon_calls, sizeof(daemon_calls) / sizeof(daemon_calls[0]),
			     err))) ||
	    (cfg->profile == TIMS_SANDBOX_SIGNER &&
	     (rc = allow_all(ctx, signer_calls, sizeof(signer_calls) / sizeof(signer_calls[0]),
			     err))) ||
	    (rc = allow_some(ctx, cfg->profile, err)))
		goto out;
	if ((r = seccomp_load(ctx)) < 0)
		rc = tims_err_set(err, TIMS_ERR_STATE, "seccomp: load: %s", strerror(-r));
out:
	seccomp_release(ctx);
	return rc;
}
