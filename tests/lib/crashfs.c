/*
 * crashfs.c — power loss for end-to-end tests (LD_PRELOAD): a journal of
 * everything a process writes under one directory, from which
 * tests/lib/powercut.py rebuilds "what reached the disk" after the test
 * SIGKILLs the process: the state as of each file's last fsync, plus a
 * random prefix or subset of the later writes, possibly torn at sector
 * boundaries, and the directory entries as of the directory's last fsync
 * plus a random prefix of the later ones.
 *
 *   TIMS_CRASH_DIR=DIR TIMS_CRASH_JOURNAL=FILE LD_PRELOAD=build/tests/libcrashfs.so \
 *       tims post serve DIR ...
 *
 * Killing a process leaves its writes to the kernel's page cache, which
 * survives: a test that only kills proves nothing about fsync. This
 * library lets the real calls through (the process sees a normal file
 * system) and appends one record per call to FILE, after the call
 * returned: a write (inode, offset, bytes), a truncation, a file created,
 * renamed, linked or unlinked (paths relative to DIR), and an fsync or
 * fdatasync (of a file: its inode; of a directory under DIR: its path),
 * which carries the journal's length when the call started: the sync
 * covers exactly the records before that point; and a write or fsync of a
 * file that failed (its errno), for the tests that check what a node does
 * after one. At start every file under
 * DIR is listed with its inode (the base state, which the test copied).
 * A record is one write(2) of the journal opened O_APPEND, so records of
 * several threads never interleave; a record cut short by the kill is
 * dropped by the reader (its call's effect was not yet synced).
 *
 * The calls followed: write, pwrite, pwrite64, writev, pwritev(64),
 * pwritev2 (RWF_DSYNC/RWF_SYNC: synced), a write on a descriptor opened
 * O_DSYNC or O_SYNC (synced as it returns), ftruncate, truncate, fsync,
 * fdatasync, syncfs (everything on the root's file system synced),
 * open, open64, openat, openat64 and creat with O_CREAT or O_TRUNC,
 * rename, renameat, link, unlink, unlinkat — what SQLite and
 * PostgreSQL 15 call (strace of a postgres under load: pwrite64, pwritev
 * for the WAL's zero fill, fsync, fdatasync, rename, unlink, and
 * sync_file_range, which only starts writeback and is let through: no
 * record, nothing counted synced). Not followed: mkdir (a new directory
 * outlives the cut), fallocate, mmap'd writes (neither SQLite's WAL mode
 * nor PostgreSQL writes its data through a mapping).
 *
 * TIMS_CRASH_AFTER=N: the process SIGKILLs itself right after the N-th
 * record (not counting the base listing): a power cut at a chosen point of
 * its I/O, between a write and its fsync as likely as anywhere.
 *
 * TIMS_CRASH_ARM=PATTERN (and TIMS_CRASH_ARM_NTH=K, default 1): the N
 * records are counted from the K-th name record (create, rename, link,
 * unlink) whose path contains PATTERN: a cut N records after a chosen
 * event (a test's regression of a window found).
 *
 * TIMS_CRASH_NOSYNC=PATTERN: fsync and fdatasync of the files whose path
 * under DIR contains PATTERN ("all": every file and directory) return 0
 * and do nothing — a missing fsync, for the test that shows the power-loss
 * row fails then. Files named *-shm (SQLite's shared-memory index, mapped
 * and rebuilt at open) are not followed. Not part of TIMS: built only for
 * the tests (Makefile).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAGIC 0x314a5243u /* "CRJ1" */

enum { R_BASE = 'B', R_CREATE = 'C', R_WRITE = 'W', R_TRUNC = 'T', R_SYNC = 'S',
       R_DIRSYNC = 'D', R_RENAME = 'R', R_UNLINK = 'U', R_LINK = 'L', R_FAILED = 'F',
       R_SYNCFS = 'A' };

/* One record: this header, then plen bytes of path(s), then dlen bytes of
 * data (a write's). Native byte order (the reader runs on the same host). */
struct rec {
	uint32_t magic;
	uint8_t type;
	uint8_t pad;
	uint16_t plen;
	uint32_t pid;
	uint32_t dlen;
	uint64_t ino;
	uint64_t off;  /* write: offset; truncate: length; sync: journal mark */
};

static int jfd = -1;
static char root[PATH_MAX];
static size_t rootlen;
static dev_t rootdev;
static const char *nosync;
static unsigned long crash_after;  /* TIMS_CRASH_AFTER: records before the kill */
static unsigned long emitted;
static const char *arm;            /* TIMS_CRASH_ARM: count from this name on */
static unsigned long arm_nth = 1, arm_seen;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define REAL(name) (resolve(), real_##name)

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pwritev64v2)(int, const struct iovec *, int, off_t, int);
static int (*real_syncfs)(int);
static int (*real_truncate)(const char *, off_t);
static int (*real_truncate64)(const char *, off_t);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_link)(const char *, const char *);

/* The next definitions, looked up at first use (another library's
 * constructor may call one before ours ran); a race stores the same values. */
static int resolve(void)
{
	if (!real_link) {
		real_write = NEXT(write);
		real_pwrite = NEXT(pwrite);
		real_pwrite64 = NEXT(pwrite64);
		real_writev = NEXT(writev);
		real_pwritev = NEXT(pwritev);
		real_pwritev64 = NEXT(pwritev64);
		real_pwritev2 = NEXT(pwritev2);
		real_pwritev64v2 = NEXT(pwritev64v2);
		real_syncfs = NEXT(syncfs);
		real_truncate = NEXT(truncate);
		real_truncate64 = NEXT(truncate64);
		real_openat64 = NEXT(openat64);
		real_fsync = NEXT(fsync);
		real_fdatasync = NEXT(fdatasync);
		real_ftruncate = NEXT(ftruncate);
		real_ftruncate64 = NEXT(ftruncate64);
		real_open = NEXT(open);
		real_open64 = NEXT(open64);
		real_openat = NEXT(openat);
		real_rename = NEXT(rename);
		real_renameat = NEXT(renameat);
		real_unlink = NEXT(unlink);
		real_unlinkat = NEXT(unlinkat);
		real_link = NEXT(link);
	}
	return 0;
}

static void emit(uint8_t type, uint64_t ino, uint64_t off, const char *p1,
		 const char *p2, const void *data, size_t dlen)
{
	struct rec h = { MAGIC, type, 0, 0, (uint32_t)getpid(), (uint32_t)dlen, ino, off };
	size_t l1 = p1 ? strlen(p1) : 0, l2 = p2 ? strlen(p2) + 1 : 0;
	struct iovec iov[5];
	int n = 0;
	ssize_t want, got;

	if (jfd < 0)
		return;
	h.plen = (uint16_t)(l1 + l2);
	iov[n++] = (struct iovec){ &h, sizeof(h) };
	if (l1)
		iov[n++] = (struct iovec){ (void *)p1, l1 };
	if (l2) {
		iov[n++] = (struct iovec){ "", 1 }; /* p1 NUL p2 */
		iov[n++] = (struct iovec){ (void *)p2, l2 - 1 };
	}
	if (dlen)
		iov[n++] = (struct iovec){ (void *)data, dlen };
	want = (ssize_t)(sizeof(h) + l1 + l2 + dlen);
	got = REAL(writev)(jfd, iov, n);
	if (got != want) {
		/* a journal that misses records would make the test lie */
		dprintf(2, "crashfs: journal write failed (%zd of %zd): stopping\n", got, want);
		abort();
	}
	if (arm && p1 && type != R_BASE && type != R_DIRSYNC && strstr(p1, arm) &&
	    __atomic_add_fetch(&arm_seen, 1, __ATOMIC_SEQ_CST) == arm_nth)
		__atomic_store_n(&arm, NULL, __ATOMIC_SEQ_CST);
	if (crash_after && type != R_BASE && !__atomic_load_n(&arm, __ATOMIC_SEQ_CST) &&
	    __atomic_add_fetch(&emitted, 1, __ATOMIC_SEQ_CST) == crash_after)
		kill(getpid(), SIGKILL); /* the power goes, right after this call */
}

/* The journal's length now: a sync's mark (records before it are covered). */
static uint64_t mark(void)
{
	struct stat st;

	return jfd >= 0 && fstat(jfd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* PATH (absolute, canonical) relative to the root, or NULL if outside it. */
static const char *under_root(const char *path)
{
	if (!rootlen || strncmp(path, root, rootlen))
		return NULL;
	if (path[rootlen] == '\0')
		return ".";
	if (path[rootlen] != '/')
		return NULL;
	return path + rootlen + 1;
}

static int followed_name(const char *rel)
{
	size_t n = strlen(rel);

	return !(n >= 4 && !strcmp(rel + n - 4, "-shm"));
}

/* The path of an open descriptor relative to the root, or NULL. */
static const char *fd_rel(int fd, char *buf, size_t cap)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, cap - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return under_root(buf);
}

/*
 * What fd is: 1 a followed regular file (ino set), 2 a directory under the
 * root (rel set), 0 anything else. Cached by descriptor, checked against
 * the inode each call (a descriptor closed by stdio and reused is seen),
 * and forgotten at every open (forget): an inode number is reused once
 * its file is unlinked, and SQLite's next post.db-wal could get both the
 * number and the descriptor of the -shm it had just removed, which the
 * cache called not followed (its writes then went unjournaled, and the
 * power cut dropped a whole log).
 */
#define CACHE 4096
static struct { dev_t dev; ino_t ino; int kind; char rel[256]; } cache[CACHE];

static void forget(int fd)
{
	if (fd < 0 || fd >= CACHE)
		return;
	pthread_mutex_lock(&mu);
	cache[fd].kind = -1;
	pthread_mutex_unlock(&mu);
}

static int classify(int fd, uint64_t *ino, char *rel, size_t cap)
{
	char buf[PATH_MAX];
	struct stat st;
	const char *r;
	int kind;

	if (jfd < 0 || fd < 0 || fstat(fd, &st) != 0 || st.st_dev != rootdev)
		return 0;
	*ino = (uint64_t)st.st_ino;
	pthread_mutex_lock(&mu);
	if (fd < CACHE && cache[fd].kind != -1 && cache[fd].dev == st.st_dev &&
	    cache[fd].ino == st.st_ino) {
		kind = cache[fd].kind;
		if (rel)
			snprintf(rel, cap, "%s", cache[fd].rel);
		pthread_mutex_unlock(&mu);
		return kind;
	}
	pthread_mutex_unlock(&mu);
	r = fd_rel(fd, buf, sizeof(buf));
	kind = !r ? 0 : S_ISREG(st.st_mode) ? (followed_name(r) ? 1 : 0)
		: S_ISDIR(st.st_mode) ? 2 : 0;
	if (rel)
		snprintf(rel, cap, "%s", r ? r : "");
	if (fd < CACHE) {
		pthread_mutex_lock(&mu);
		cache[fd].dev = st.st_dev;
		cache[fd].ino = st.st_ino;
		cache[fd].kind = kind;
		snprintf(cache[fd].rel, sizeof(cache[fd].rel), "%s", r ? r : "");
		pthread_mutex_unlock(&mu);
	}
	return kind;
}

/* An absolute canonical path for PATH (relative to dirfd), whose last
 * component need not exist; 0 on success. */
static int canon(int dirfd, const char *path, char *out, size_t cap)
{
	char dir[PATH_MAX], full[2 * PATH_MAX + 2], real[PATH_MAX];
	const char *slash, *base;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof(dir)))
			return -1;
		snprintf(full, sizeof(full), "%s/%s", dir, path);
	} else {
		char link[64];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		if ((n = readlink(link, dir, sizeof(dir) - 1)) < 0)
			return -1;
		dir[n] = '\0';
		snprintf(full, sizeof(full), "%s/%s", dir, path);
	}
	slash = strrchr(full, '/');
	base = slash + 1;
	if ((size_t)(slash - full) >= sizeof(dir))
		return -1;
	snprintf(dir, sizeof(dir), "%.*s", slash == full ? 1 : (int)(slash - full), full);
	if (!realpath(dir, real))
		return -1;
	if ((size_t)snprintf(out, cap, "%s/%s", strcmp(real, "/") ? real : "", base) >= cap)
		return -1;
	return 0;
}

static const char *path_rel(int dirfd, const char *path, char *buf, size_t cap)
{
	const char *r;

	if (jfd < 0 || canon(dirfd, path, buf, cap))
		return NULL;
	r = under_root(buf);
	return r && strcmp(r, ".") && followed_name(r) ? r : NULL;
}

/* Every file under dir (relative rel), as the base state. */
static void list_base(const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[2 * PATH_MAX + 2], r[2 * PATH_MAX + 2];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			list_base(p, r);
		else if (S_ISREG(st.st_mode) && followed_name(r))
			emit(R_BASE, (uint64_t)st.st_ino, (uint64_t)st.st_size, r, NULL, NULL, 0);
	}
	closedir(d);
}

__attribute__((constructor)) static void crashfs_init(void)
{
	const char *dir = getenv("TIMS_CRASH_DIR"), *jpath = getenv("TIMS_CRASH_JOURNAL");
	struct stat st;

	for (int i = 0; i < CACHE; i++)
		cache[i].kind = -1;
	if (!dir || !jpath || !realpath(dir, root) || stat(root, &st) != 0)
		return;
	rootlen = strlen(root);
	rootdev = st.st_dev;
	crash_after = getenv("TIMS_CRASH_AFTER") ? strtoul(getenv("TIMS_CRASH_AFTER"), NULL, 10) : 0;
	arm = getenv("TIMS_CRASH_ARM");
	if (arm && !*arm)
		arm = NULL;
	if (getenv("TIMS_CRASH_ARM_NTH"))
		arm_nth = strtoul(getenv("TIMS_CRASH_ARM_NTH"), NULL, 10);
	nosync = getenv("TIMS_CRASH_NOSYNC");
	if (nosync && !*nosync)
		nosync = NULL;
	jfd = REAL(open)(jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (jfd < 0) {
		dprintf(2, "crashfs: %s: %s\n", jpath, strerror(errno));
		abort();
	}
	list_base(root, "");
}

/* ---- data ---------------------------------------------------------------- */

static void after_write(int fd, const void *buf, ssize_t n, off_t off, int e)
{
	uint64_t ino;

	if (n > 0 && classify(fd, &ino, NULL, 0) == 1) {
		if (off < 0)
			off = lseek(fd, 0, SEEK_CUR) - n; /* write(2), O_APPEND too */
		emit(R_WRITE, ino, (uint64_t)off, NULL, NULL, buf, (size_t)n);
		/* a descriptor opened O_DSYNC or O_SYNC (PostgreSQL's
		 * wal_sync_method=open_datasync): the write returns synced */
		int fl = fcntl(fd, F_GETFL);

		if (fl != -1 && (fl & O_DSYNC))
			emit(R_SYNC, ino, mark(), NULL, NULL, NULL, 0);
	} else if (n < 0 && classify(fd, &ino, NULL, 0) == 1) {
		emit(R_FAILED, ino, (uint64_t)e, "write", NULL, NULL, 0);
	}
}

ssize_t write(int fd, const void *buf, size_t len)
{
	ssize_t n = REAL(write)(fd, buf, len);
	int e = errno;

	after_write(fd, buf, n, -1, e);
	errno = e;
	return n;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n = REAL(pwrite)(fd, buf, len, off);
	int e = errno;

	after_write(fd, buf, n, off, e);
	errno = e;
	return n;
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n = REAL(pwrite64)(fd, buf, len, off);
	int e = errno;

	after_write(fd, buf, n, off, e);
	errno = e;
	return n;
}

/* writev and pwritev: the bytes written, gathered into one record (a
 * short write keeps its first n bytes). PostgreSQL 15 zero-fills each new
 * WAL segment with pwritev (32 pages a call). */
static void after_writev(int fd, const struct iovec *iov, int cnt, ssize_t n, off_t off, int e)
{
	uint64_t ino;
	char *buf;
	size_t at = 0;

	if (n <= 0 || classify(fd, &ino, NULL, 0) != 1) {
		after_write(fd, NULL, n, off, e);
		return;
	}
	if (!(buf = malloc((size_t)n))) {
		dprintf(2, "crashfs: out of memory for a writev record: stopping\n");
		abort();
	}
	for (int i = 0; i < cnt && at < (size_t)n; i++) {
		size_t k = iov[i].iov_len < (size_t)n - at ? iov[i].iov_len : (size_t)n - at;

		memcpy(buf + at, iov[i].iov_base, k);
		at += k;
	}
	after_write(fd, buf, n, off, e);
	free(buf);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t n = REAL(writev)(fd, iov, cnt);
	int e = errno;

	after_writev(fd, iov, cnt, n, -1, e);
	errno = e;
	return n;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ssize_t n = REAL(pwritev)(fd, iov, cnt, off);
	int e = errno;

	after_writev(fd, iov, cnt, n, off, e);
	errno = e;
	return n;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ssize_t n = REAL(pwritev64)(fd, iov, cnt, off);
	int e = errno;

	after_writev(fd, iov, cnt, n, off, e);
	errno = e;
	return n;
}

/* pwritev2: offset -1 is the file position (as writev); RWF_DSYNC and
 * RWF_SYNC make this one write synced */
static ssize_t pwritev2_common(ssize_t n, int fd, const struct iovec *iov, int cnt, off_t off,
			       int flags)
{
	int e = errno;
	uint64_t ino;

	after_writev(fd, iov, cnt, n, off, e);
	if (n > 0 && (flags & (RWF_DSYNC | RWF_SYNC)) && classify(fd, &ino, NULL, 0) == 1)
		emit(R_SYNC, ino, mark(), NULL, NULL, NULL, 0);
	errno = e;
	return n;
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return pwritev2_common(REAL(pwritev2)(fd, iov, cnt, off, flags), fd, iov, cnt, off, flags);
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return pwritev2_common(REAL(pwritev64v2)(fd, iov, cnt, off, flags), fd, iov, cnt, off,
			       flags);
}

static int truncated(int fd, off_t len, int rc)
{
	int e = errno;
	uint64_t ino;

	if (rc == 0 && classify(fd, &ino, NULL, 0) == 1)
		emit(R_TRUNC, ino, (uint64_t)len, NULL, NULL, NULL, 0);
	errno = e;
	return rc;
}

int ftruncate(int fd, off_t len)
{
	return truncated(fd, len, REAL(ftruncate)(fd, len));
}

int ftruncate64(int fd, off_t len)
{
	return truncated(fd, len, REAL(ftruncate64)(fd, len));
}

/* truncate(2) by name: PostgreSQL empties a relation's first segment so
 * before it unlinks it */
static int truncate_common(const char *path, off_t len, int (*real)(const char *, off_t))
{
	char buf[PATH_MAX];
	const char *rel = path_rel(AT_FDCWD, path, buf, sizeof(buf));
	int rc = real(path, len), e = errno;
	struct stat st;

	if (rc == 0 && rel && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		emit(R_TRUNC, (uint64_t)st.st_ino, (uint64_t)len, NULL, NULL, NULL, 0);
	errno = e;
	return rc;
}

int truncate(const char *path, off_t len)
{
	return truncate_common(path, len, REAL(truncate));
}

int truncate64(const char *path, off_t len)
{
	return truncate_common(path, len, REAL(truncate64));
}

static int sync_common(int fd, int (*real)(int))
{
	char rel[256];
	uint64_t ino, m;
	int kind = classify(fd, &ino, rel, sizeof(rel)), rc, e;

	if (kind && nosync && (!strcmp(nosync, "all") || strstr(rel, nosync)))
		return 0; /* the missing fsync: pretend */
	m = mark();
	rc = real(fd);
	e = errno;
	if (rc != 0 && kind == 1)
		emit(R_FAILED, ino, (uint64_t)e, "fsync", NULL, NULL, 0);
	else if (rc == 0 && kind == 1)
		emit(R_SYNC, ino, m, NULL, NULL, NULL, 0);
	else if (rc == 0 && kind == 2)
		emit(R_DIRSYNC, ino, m, rel, NULL, NULL, 0);
	errno = e;
	return rc;
}

int fsync(int fd)
{
	return sync_common(fd, REAL(fsync));
}

int fdatasync(int fd)
{
	return sync_common(fd, REAL(fdatasync));
}

/* syncfs: every file and directory of the file system synced (the root's
 * is one file system: crashfs follows only files on its device) */
int syncfs(int fd)
{
	uint64_t m = mark();
	struct stat st;
	int rc, e, ours = jfd >= 0 && fstat(fd, &st) == 0 && st.st_dev == rootdev;

	if (ours && nosync && !strcmp(nosync, "all"))
		return 0;
	rc = REAL(syncfs)(fd);
	e = errno;
	if (rc == 0 && ours)
		emit(R_SYNCFS, 0, m, NULL, NULL, NULL, 0);
	errno = e;
	return rc;
}

/* ---- names ----------------------------------------------------------------- */

static int opened(int dirfd, const char *path, int flags, mode_t mode,
		  int (*call)(int, const char *, int, mode_t))
{
	char buf[PATH_MAX];
	const char *rel = (flags & (O_CREAT | O_TRUNC)) ? path_rel(dirfd, path, buf, sizeof(buf))
							  : NULL;
	struct stat before;
	int existed = rel && fstatat(dirfd, path, &before, 0) == 0;
	int fd = call(dirfd, path, flags, mode), e = errno;

	forget(fd);
	if (fd >= 0 && rel) {
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			if (!existed && (flags & O_CREAT))
				emit(R_CREATE, (uint64_t)st.st_ino, 0, rel, NULL, NULL, 0);
			else if (flags & O_TRUNC)
				emit(R_TRUNC, (uint64_t)st.st_ino, 0, NULL, NULL, NULL, 0);
		}
	}
	errno = e;
	return fd;
}

static int call_open(int dirfd, const char *path, int flags, mode_t mode)
{
	(void)dirfd;
	return REAL(open)(path, flags, mode);
}

static int call_open64(int dirfd, const char *path, int flags, mode_t mode)
{
	(void)dirfd;
	return REAL(open64)(path, flags, mode);
}

static int call_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return REAL(openat)(dirfd, path, flags, mode);
}

static int call_openat64(int dirfd, const char *path, int flags, mode_t mode)
{
	return REAL(openat64)(dirfd, path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return opened(AT_FDCWD, path, flags, m, call_open);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return opened(AT_FDCWD, path, flags, m, call_open64);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return opened(dirfd, path, flags, m, call_openat);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return opened(dirfd, path, flags, m, call_openat64);
}

int creat(const char *path, mode_t mode)
{
	return opened(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, call_open);
}

static int two_paths(int rc, uint8_t type, int fd1, const char *a, int fd2, const char *b,
		     const char *ra, const char *rb)
{
	int e = errno;

	(void)fd1, (void)a, (void)fd2, (void)b;
	if (rc == 0 && (ra || rb))
		emit(type, 0, 0, ra ? ra : "", rb ? rb : "", NULL, 0);
	errno = e;
	return rc;
}

int rename(const char *a, const char *b)
{
	char ba[PATH_MAX], bb[PATH_MAX];
	const char *ra = path_rel(AT_FDCWD, a, ba, sizeof(ba)),
		   *rb = path_rel(AT_FDCWD, b, bb, sizeof(bb));

	return two_paths(REAL(rename)(a, b), R_RENAME, AT_FDCWD, a, AT_FDCWD, b, ra, rb);
}

int renameat(int fa, const char *a, int fb, const char *b)
{
	char ba[PATH_MAX], bb[PATH_MAX];
	const char *ra = path_rel(fa, a, ba, sizeof(ba)), *rb = path_rel(fb, b, bb, sizeof(bb));

	return two_paths(REAL(renameat)(fa, a, fb, b), R_RENAME, fa, a, fb, b, ra, rb);
}

int link(const char *a, const char *b)
{
	char ba[PATH_MAX], bb[PATH_MAX];
	const char *ra = path_rel(AT_FDCWD, a, ba, sizeof(ba)),
		   *rb = path_rel(AT_FDCWD, b, bb, sizeof(bb));

	return two_paths(REAL(link)(a, b), R_LINK, AT_FDCWD, a, AT_FDCWD, b, ra, rb);
}

int unlink(const char *path)
{
	char buf[PATH_MAX];
	const char *rel = path_rel(AT_FDCWD, path, buf, sizeof(buf));
	int rc = REAL(unlink)(path), e = errno;

	if (rc == 0 && rel)
		emit(R_UNLINK, 0, 0, rel, NULL, NULL, 0);
	errno = e;
	return rc;
}

int unlinkat(int dirfd, const char *path, int flags)
{
	char buf[PATH_MAX];
	const char *rel = (flags & AT_REMOVEDIR) ? NULL : path_rel(dirfd, path, buf, sizeof(buf));
	int rc = REAL(unlinkat)(dirfd, path, flags), e = errno;

	if (rc == 0 && rel)
		emit(R_UNLINK, 0, 0, rel, NULL, NULL, 0);
	errno = e;
	return rc;
}
