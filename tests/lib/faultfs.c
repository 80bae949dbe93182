/*
 * faultfs.c — fault injection for end-to-end tests (LD_PRELOAD): makes
 * fsync, fdatasync or write fail with a chosen errno on the files a test
 * names, from the moment the test says so, without privileges or a special
 * file system, deterministically.
 *
 *   TIMS_FAULT_CTL=FILE LD_PRELOAD=build/tests/libfaultfs.so tims post serve ...
 *
 * While FILE exists and holds a line "OP ERRNO PATTERN" (OP: fsync, which
 * also covers fdatasync, or write, which covers write, pwrite and
 * pwrite64; ERRNO: EIO, ENOSPC or EDQUOT), every such call on a file whose
 * path contains PATTERN fails with that errno and does nothing (up to 8
 * such lines, several faults at once: the first that matches). Remove FILE
 * and calls pass through again (a disk that has space again). FILE is read
 * at each call, so a test switches faults on and off while the process
 * runs. Not part of TIMS: built only for the tests (Makefile).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int armed(const char *op, int fd)
{
	const char *ctl = getenv("TIMS_FAULT_CTL");
	char line[512], want_op[16], name[16], pattern[400], link[64], path[4096];
	int saved = errno, e = 0, have_path = 0;
	ssize_t n;
	FILE *f;

	if (!ctl || !(f = fopen(ctl, "re"))) {
		errno = saved;
		return 0;
	}
	for (int i = 0; !e && i < 8 && fgets(line, sizeof(line), f); i++) {
		if (sscanf(line, "%15s %15s %399s", want_op, name, pattern) != 3 ||
		    strcmp(want_op, op))
			continue;
		if (!have_path) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
				break;
			path[n] = '\0';
			have_path = 1;
		}
		if (strstr(path, pattern))
			e = !strcmp(name, "EIO") ? EIO : !strcmp(name, "ENOSPC") ? ENOSPC
			    : !strcmp(name, "EDQUOT") ? EDQUOT : 0;
	}
	fclose(f);
	errno = saved;
	return e;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int fsync(int fd)
{
	int e = armed("fsync", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return NEXT(fsync)(fd);
}

int fdatasync(int fd)
{
	int e = armed("fsync", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return NEXT(fdatasync)(fd);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	int e = armed("write", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return NEXT(write)(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	int e = armed("write", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return NEXT(pwrite)(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	int e = armed("write", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return NEXT(pwrite64)(fd, buf, len, off);
}
