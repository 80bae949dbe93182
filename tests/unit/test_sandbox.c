/*
 * test_sandbox.c — the daemons' sandbox (tims/sandbox.h), each case in a
 * forked child since entering it is irreversible: the enforce filter kills a
 * forbidden call (execve, ptrace, fork, personality) with SIGSYS while the
 * allowed ones work, on every thread; log mode does not kill; Landlock
 * (where the kernel offers it) denies a file outside the allowed paths and
 * allows inside, on a thread that was running before; the drop to `nobody`
 * leaves setuid(0) failing; root without `user` is refused, naming the key.
 */
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "t.h"
#include "tims/sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif

static char base[] = "/tmp/tims-sandbox-XXXXXX";
static char inside[300], outside[300];
static int landlock_abi; /* probed before: the probe is not allowed inside */

static void child_cfg(struct tims_sandbox_cfg *cfg, enum tims_sandbox_mode mode)
{
	tims_sandbox_cfg_init(cfg);
	cfg->mode = mode;
	cfg->data_dir = inside;
	/* SQLite's temporary directory is allowed: here, the data directory,
	 * so that `outside` (under /tmp) is outside everything allowed */
	setenv("SQLITE_TMPDIR", inside, 1);
}

/* Run fn in a child; its wait status. */
static int in_child(int (*fn)(void *), void *arg)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static int killed_by_sigsys(int st)
{
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static int exited(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* ---- the cases -------------------------------------------------------- */

enum forbidden { F_EXECVE, F_PTRACE, F_FORK, F_PERSONALITY, F_SETUID, F_NONE };

struct ctx {
	enum tims_sandbox_mode mode;
	enum forbidden call;
	const char *user;
};

/* Allowed calls the daemons make: files in the data directory, sockets,
 * randomness, clocks, a thread. 0 when all work. */
static void *thread_noop(void *arg)
{
	return arg;
}

static int allowed_calls(void)
{
	char path[400], buf[8];
	struct timespec ts;
	pthread_t th;
	int fd, s;

	snprintf(path, sizeof(path), "%s/new.txt", inside);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "abc", 3) != 3 || fsync(fd) != 0 ||
	    pread(fd, buf, 3, 0) != 3 || memcmp(buf, "abc", 3) != 0 || close(fd) != 0)
		return 10;
	if (unlink(path) != 0)
		return 11;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 12;
	close(s);
	if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 13;
	if (pthread_create(&th, NULL, thread_noop, NULL) != 0 || pthread_join(th, NULL) != 0)
		return 14;
	return 0;
}

static int forbidden_call(enum forbidden call)
{
	char *const argv[] = { (char *)"/bin/true", NULL };
	char *const envp[] = { NULL };

	switch (call) {
	case F_EXECVE:
		execve("/bin/true", argv, envp);
		return 20;
	case F_PTRACE:
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		return 21;
	case F_FORK: {
		pid_t p = (pid_t)syscall(SYS_fork);

		if (p == 0)
			_exit(0);
		return 22;
	}
	case F_PERSONALITY:
		personality(0xffffffff); /* a query: harmless if allowed */
		return 23;
	case F_SETUID:
		return setuid(0) == 0 ? 24 : 25;
	case F_NONE:
		break;
	}
	return 0;
}

static int run_filtered(void *arg)
{
	const struct ctx *c = arg;
	static struct tims_sandbox_cfg cfg;
	struct tims_err err;
	int rc;

	child_cfg(&cfg, c->mode);
	cfg.user = c->user;
	if (tims_sandbox_enter(&cfg, &err)) {
		fprintf(stderr, "enter: %s\n", tims_err_msg(&err));
		return 2;
	}
	if ((rc = allowed_calls()))
		return rc;
	return forbidden_call(c->call);
}

static void test_filter(void)
{
	struct ctx c = { TIMS_SANDBOX_ENFORCE, F_NONE, NULL };

	T_OK(exited(in_child(run_filtered, &c), 0),
	     "enforce: files in the data directory, a socket, getrandom, clocks, a thread: allowed");
	c.call = F_EXECVE;
	T_OK(killed_by_sigsys(in_child(run_filtered, &c)), "enforce: execve kills with SIGSYS");
#ifndef T_ASAN /* LeakSanitizer needs ptrace and fork-like clones: allowed there */
	c.call = F_PTRACE;
	T_OK(killed_by_sigsys(in_child(run_filtered, &c)), "enforce: ptrace kills with SIGSYS");
	c.call = F_FORK;
	T_OK(killed_by_sigsys(in_child(run_filtered, &c)),
	     "enforce: fork (a clone without CLONE_THREAD) kills with SIGSYS");
#endif
	c.call = F_PERSONALITY;
	T_OK(killed_by_sigsys(in_child(run_filtered, &c)), "enforce: personality kills with SIGSYS");
	c.mode = TIMS_SANDBOX_LOG;
	T_OK(exited(in_child(run_filtered, &c), 23),
	     "log: personality is allowed (and logged), the process lives on");
}

/* The signer's profile: its socketpair works, a network socket kills. */
static int run_signer(void *arg)
{
	static struct tims_sandbox_cfg cfg;
	int inet = *(const int *)arg, sv[2];
	struct tims_err err;
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return 3;
	child_cfg(&cfg, TIMS_SANDBOX_ENFORCE);
	cfg.profile = TIMS_SANDBOX_SIGNER;
	if (tims_sandbox_enter(&cfg, &err)) {
		fprintf(stderr, "enter: %s\n", tims_err_msg(&err));
		return 2;
	}
	if (write(sv[0], "k", 1) != 1 || read(sv[1], &c, 1) != 1 || c != 'k')
		return 70;
	if (inet)
		socket(AF_INET, SOCK_STREAM, 0);
	return 0;
}

static void test_signer(void)
{
	int inet = 0;

	T_OK(exited(in_child(run_signer, &inet), 0),
	     "signer profile: its inherited socketpair carries messages");
	inet = 1;
	T_OK(killed_by_sigsys(in_child(run_signer, &inet)),
	     "signer profile: a network socket kills with SIGSYS");
}

/* A thread already running when the sandbox is entered is confined too. */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t go;
	int started, ready, result;
	enum forbidden call;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	char path[400];
	int fd;

	pthread_mutex_lock(&w->lock);
	w->started = 1;
	pthread_cond_broadcast(&w->go);
	while (!w->ready)
		pthread_cond_wait(&w->go, &w->lock);
	pthread_mutex_unlock(&w->lock);
	snprintf(path, sizeof(path), "%s/secret.txt", outside);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	w->result = fd < 0 && errno == EACCES ? 0 : 30;
	if (fd >= 0)
		close(fd);
	if (landlock_abi <= 0)
		w->result = 0;
	if (!w->result)
		w->result = forbidden_call(w->call);
	return NULL;
}

static int run_threaded(void *arg)
{
	static struct tims_sandbox_cfg cfg;
	static struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
				   0, 0, 0, F_NONE };
	struct tims_err err;
	pthread_t th;

	w.call = *(const enum forbidden *)arg;
	child_cfg(&cfg, TIMS_SANDBOX_ENFORCE);
	if (pthread_create(&th, NULL, waiter_main, &w) != 0)
		return 3;
	pthread_mutex_lock(&w.lock);
	while (!w.started)
		pthread_cond_wait(&w.go, &w.lock);
	pthread_mutex_unlock(&w.lock);
	if (tims_sandbox_enter(&cfg, &err)) {
		fprintf(stderr, "enter: %s\n", tims_err_msg(&err));
		return 2;
	}
	pthread_mutex_lock(&w.lock);
	w.ready = 1;
	pthread_cond_broadcast(&w.go);
	pthread_mutex_unlock(&w.lock);
	pthread_join(th, NULL);
	return w.result;
}

static void test_threads(void)
{
	enum forbidden call = F_NONE;
	int st = in_child(run_threaded, &call);

	T_OK(exited(st, 0), "a thread running before the sandbox: outside file denied "
	     "(Landlock), allowed calls work (child status %d)", st);
	call = F_EXECVE;
	T_OK(killed_by_sigsys(in_child(run_threaded, &call)),
	     "a thread running before the sandbox: its execve kills the process");
}

static int run_landlock(void *arg)
{
	static struct tims_sandbox_cfg cfg;
	char in[400], out[400];
	struct tims_err err;
	int fd;

	(void)arg;
	child_cfg(&cfg, TIMS_SANDBOX_ENFORCE);
	if (tims_sandbox_enter(&cfg, &err)) {
		fprintf(stderr, "enter: %s\n", tims_err_msg(&err));
		return 2;
	}
	snprintf(in, sizeof(in), "%s/data.txt", inside);
	snprintf(out, sizeof(out), "%s/secret.txt", outside);
	if ((fd = open(in, O_RDONLY | O_CLOEXEC)) < 0)
		return 40;
	close(fd);
	if ((fd = open(out, O_RDONLY | O_CLOEXEC)) >= 0)
		return 41;
	if (errno != EACCES)
		return 42;
	if ((fd = open("/etc/ssl/certs/ca-certificates.crt", O_RDONLY | O_CLOEXEC)) >= 0)
		close(fd);
	else if (errno == EACCES)
		return 43; /* libcurl's CA bundle must stay readable */
	return 0;
}

static void test_landlock(void)
{
	int abi = tims_sandbox_landlock_abi(), st;

	printf("# landlock ABI %d\n", abi);
	if (abi <= 0) {
		T_OK(1, "landlock: not offered by this kernel (the sandbox goes on without it)");
		return;
	}
	st = in_child(run_landlock, NULL);
	T_OK(exited(st, 0), "landlock: a file in the data directory reads, one outside is "
	     "EACCES, the CA bundle reads (child status %d)", st);
}

static int run_drop(void *arg)
{
	static struct tims_sandbox_cfg cfg;
	const struct passwd *pw = getpwnam("nobody");
	struct tims_err err;

	(void)arg;
	if (!pw)
		return 50;
	child_cfg(&cfg, TIMS_SANDBOX_LOG); /* setuid is not allowed in enforce */
	cfg.user = "nobody";
	if (tims_sandbox_enter(&cfg, &err)) {
		fprintf(stderr, "enter: %s\n", tims_err_msg(&err));
		return 2;
	}
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid)
		return 51;
	if (setuid(0) == 0 || errno != EPERM)
		return 52;
	return 0;
}

static int run_drop_wrong_owner(void *arg)
{
	static struct tims_sandbox_cfg cfg;
	struct tims_err err;
	tims_rc rc;

	(void)arg;
	child_cfg(&cfg, TIMS_SANDBOX_ENFORCE);
	cfg.data_dir = outside; /* root's */
	cfg.user = "nobody";
	rc = tims_sandbox_enter(&cfg, &err);
	if (rc != TIMS_ERR_DENIED || !strstr(err.msg, outside) || !strstr(err.msg, "root"))
		return 60;
	return geteuid() == 0 ? 0 : 61; /* refused before the drop */
}

static void test_user(void)
{
	struct tims_err err;
	int allowed = 0;
	tims_rc rc;

	if (geteuid() != 0 || !getpwnam("nobody")) {
		T_OK(1, "user drop: not root, or no `nobody` here: skipped");
		return;
	}
	unsetenv("TIMS_ALLOW_ROOT");
	rc = tims_sandbox_root_check(NULL, &allowed, &err);
	T_OK(rc == TIMS_ERR_DENIED && strstr(err.msg, "`user`") && !allowed,
	     "root without user: refused, the message names the key `user` (%s)", err.msg);
	setenv("TIMS_ALLOW_ROOT", "1", 1);
	T_OK(tims_sandbox_root_check(NULL, &allowed, &err) == TIMS_OK && allowed,
	     "root without user, TIMS_ALLOW_ROOT=1: allowed, said for a warning");
	unsetenv("TIMS_ALLOW_ROOT");
	T_OK(tims_sandbox_root_check("tims", &allowed, &err) == TIMS_OK && !allowed,
	     "root with user: allowed (it drops after binding)");
	T_OK(exited(in_child(run_drop_wrong_owner, NULL), 0),
	     "user: a data directory the user does not own is refused, naming dir and owner");
	if (chown(inside, getpwnam("nobody")->pw_uid, (gid_t)-1) != 0) {
		T_OK(0, "chown %s to nobody", inside);
		return;
	}
	T_OK(exited(in_child(run_drop, NULL), 0),
	     "user = nobody: uid is nobody's and setuid(0) fails with EPERM");
	if (chown(inside, 0, (gid_t)-1) != 0)
		T_OK(0, "chown %s back", inside);
}

static void test_user_names(void)
{
	struct tims_err err;

	T_OK(tims_sandbox_user_check("tims", &err) == TIMS_OK &&
	     tims_sandbox_user_check("_tims-post.2", &err) == TIMS_OK, "user: account names pass");
	T_OK(tims_sandbox_user_check("@", &err) == TIMS_ERR_INVALID &&
	     tims_sandbox_user_check("-x", &err) == TIMS_ERR_INVALID &&
	     tims_sandbox_user_check("a b", &err) == TIMS_ERR_INVALID &&
	     tims_sandbox_user_check("", &err) == TIMS_ERR_INVALID &&
	     tims_sandbox_user_check("abcdefghijklmnopqrstuvwxyz0123456", &err) == TIMS_ERR_INVALID,
	     "user: '@', '-x', 'a b', '' and 33 characters are refused");
}

static void test_p11_paths(void)
{
	static struct tims_sandbox_cfg cfg;
	static const char conf[] = "# SoftHSM v2\n"
		"directories.tokendir =  /var/lib/softhsm/tokens/ \r\n"
		"objectstore.backend = file\n";
	const char *text = "PKCS11+KEY+bg.example/p+0123abcd+01+pkcs11:token=tims;object=k"
		"?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/tims/my%20pin\n";
	char dir[128];
	struct tims_err err;
	int mod = 0, pin = 0;

	T_OK(tims_sandbox_softhsm_tokendir(conf, sizeof(conf) - 1, dir, sizeof(dir), &err) ==
	     TIMS_OK && strcmp(dir, "/var/lib/softhsm/tokens/") == 0,
	     "softhsm2.conf: directories.tokendir, blanks and CR trimmed");
	T_OK(tims_sandbox_softhsm_tokendir("log.level = ERROR\n", 18, dir, sizeof(dir), &err) ==
	     TIMS_ERR_NOTFOUND, "softhsm2.conf: without tokendir, not found");
	T_OK(tims_sandbox_softhsm_tokendir(conf, sizeof(conf) - 1, dir, 8, &err) ==
	     TIMS_ERR_TOOBIG, "softhsm2.conf: a tokendir past the buffer is refused, not cut");
	tims_sandbox_cfg_init(&cfg);
	T_OK(tims_sandbox_add_p11_text(&cfg, text, strlen(text), &err) == TIMS_OK,
	     "a PKCS#11 key reference: its paths found");
	for (size_t i = 0; i < cfg.nro; i++) {
		mod |= strcmp(cfg.ro[i], "/usr/lib/softhsm/libsofthsm2.so") == 0;
		pin |= strcmp(cfg.ro[i], "/etc/tims/my pin") == 0;
	}
	T_OK(mod && pin, "module-path and pin-source (file:, percent-decoded) read-only");
}

int main(void)
{
	char path[400];
	int fd;

	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(inside, sizeof(inside), "%s/inside", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	if (chmod(base, 0755) || mkdir(inside, 0755) || mkdir(outside, 0700))
		return 1;
	snprintf(path, sizeof(path), "%s/data.txt", inside);
	if ((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0 || close(fd))
		return 1;
	snprintf(path, sizeof(path), "%s/secret.txt", outside);
	if ((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0 || close(fd))
		return 1;

	landlock_abi = tims_sandbox_landlock_abi();
	test_filter();
	test_threads();
	test_signer();
	test_landlock();
	test_user();
	test_user_names();
	test_p11_paths();

	snprintf(path, sizeof(path), "%s/data.txt", inside);
	unlink(path);
	snprintf(path, sizeof(path), "%s/secret.txt", outside);
	unlink(path);
	rmdir(inside);
	rmdir(outside);
	rmdir(base);
	return t_done();
}
