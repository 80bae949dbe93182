/*
 * keydir.c — private key files moved beside the data directory
 * (tims/keydir.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "tims/keydir.h"
#include "tims/util.h"

/* The note signing keys (and the next key of a rotation cut short), the
 * HTTPS server key, the TLS client keys of sync, the centre's CA key
 * (used by its signer: tims_signer_ca_issue) and the old CA's during a
 * rollover. Not here: the symmetric keys the network process uses itself
 * (docs/security.md, "Key directory"). */
const char *const tims_key_files[] = {
	"post.skey", "post.skey.next",               /* a post */
	"tls.key",                                   /* every node */
	"centre/client.key",                         /* a post's sync client */
	"cosign.skey", "cosign.skey.next",           /* the centre */
	"bundle.skey", "bundle.skey.next",
	"audit.skey", "audit.skey.next",
	"client.key",                                /* the centre's client */
	"ca.key", "ca-prev.key", "ca-next.key",      /* the centre's CA */
	"witness.skey", "witness.skey.next",         /* a witness */
	NULL,
};

#define KD_PATH 4096

tims_rc tims_keydir_of(const char *dir, char *out, size_t cap, struct tims_err *err)
{
	char buf[KD_PATH];
	size_t n = dir ? strlen(dir) : 0;
	const char *base;

	if (!n)
		return tims_err_set(err, TIMS_ERR_INVALID, "key directory: no data directory");
	if (n >= sizeof(buf))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	memcpy(buf, dir, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(buf, "/")) {
		char real[PATH_MAX];

		if (!realpath(buf, real))
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir, strerror(errno));
		if (!strcmp(real, "/"))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: the root is not a node's directory", dir);
		if (strlen(real) >= sizeof(buf))
			return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
		memcpy(buf, real, strlen(real) + 1);
	}
	if ((size_t)snprintf(out, cap, "%s%s", buf, TIMS_KEYDIR_SUFFIX) >= cap)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

/* The key directory exists, is a directory (not a link) of the data
 * directory's owner (root, who may start a daemon that drops to its user,
 * gives it to that owner), mode 0700. */
static tims_rc keydir_make(const char *kd, const struct stat *owner, struct tims_err *err)
{
	struct stat st;

	if (mkdir(kd, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "key directory %s: %s", kd, strerror(errno));
	if (lstat(kd, &st) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "key directory %s: %s", kd, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return tims_err_set(err, TIMS_ERR_STATE, "key directory %s: not a directory "
				    "(a link or a file)", kd);
	if (st.st_uid != owner->st_uid && geteuid() == 0 &&
	    lchown(kd, owner->st_uid, owner->st_gid) == 0)
		st.st_uid = owner->st_uid;
	if (st.st_uid != owner->st_uid)
		return tims_err_set(err, TIMS_ERR_STATE, "key directory %s: owned by uid %u, "
				    "the data directory by uid %u (give both to the service's "
				    "user: chown -R DIR DIR.keys)", kd, (unsigned)st.st_uid,
				    (unsigned)owner->st_uid);
	if ((st.st_mode & 0777) != 0700 && chmod(kd, 0700) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "key directory %s: chmod 0700: %s", kd,
				    strerror(errno));
	return TIMS_OK;
}

/* from (a regular file) copied to to (new, 0600), fsync'd. */
static tims_rc copy_file(const char *from, const char *to, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 20);
	tims_rc rc;

	if ((rc = tims_read_file(from, b.max, &b, err)))
		return rc;
	rc = tims_write_file(to, b.buf ? b.buf : "", b.len, 0600, 0, err);
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	return rc;
}

/* A key file given to the data directory's owner when root runs this (a
 * daemon started as root drops to that user; an operator's `chown -R`
 * of the data directory does not reach the key directory beside it). */
static tims_rc give(const char *path, const struct stat *st, const struct stat *owner,
		    struct tims_err *err)
{
	if (geteuid() != 0 || (st->st_uid == owner->st_uid && st->st_gid == owner->st_gid))
		return TIMS_OK;
	if (chown(path, owner->st_uid, owner->st_gid) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: chown to the data directory's owner: "
				    "%s", path, strerror(errno));
	return TIMS_OK;
}

static tims_rc jail_one(const char *dir, const struct stat *owner, const char *kd,
			const char *kbase, const char *rel, unsigned *moved,
			struct tims_err *err)
{
	char path[KD_PATH], kpath[KD_PATH], ktmp[KD_PATH], lnk[KD_PATH], target[KD_PATH];
	const char *slash = strchr(rel, '/');
	struct stat st;
	size_t off;
	int foreign = 0;
	tims_rc rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path) ||
	    (size_t)snprintf(kpath, sizeof(kpath), "%s/%s", kd, rel) >= sizeof(kpath) ||
	    (size_t)snprintf(ktmp, sizeof(ktmp), "%s.tmp.%ld", kpath, (long)getpid()) >=
	    sizeof(ktmp) ||
	    (size_t)snprintf(lnk, sizeof(lnk), "%s.lnk.%ld", path, (long)getpid()) >=
	    sizeof(lnk))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s/%s: path too long", dir, rel);
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return TIMS_OK;
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		char real[PATH_MAX], rkd[PATH_MAX];
		size_t n;

		if (stat(path, &st) != 0)
			return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: a link to %s, which is "
					    "missing (%s); was the key directory %s moved with "
					    "the data directory?", path, kpath, strerror(errno), kd);
		if (realpath(path, real) && realpath(kd, rkd) && (n = strlen(rkd)) &&
		    !strncmp(real, rkd, n) && real[n] == '/')
			return give(real, &st, owner, err); /* done */
		/* a link elsewhere (a directory copied with its links, cp -a):
		 * the key it reaches is copied in, the node keeps its own */
		foreign = 1;
	}
	if (!S_ISREG(st.st_mode))
		return tims_err_set(err, TIMS_ERR_STATE, "%s: not a regular file", path);
	/* the link's text: up to DIR's parent, then BASE.keys/REL */
	off = (size_t)snprintf(target, sizeof(target), "%s../", slash ? "../" : "");
	if ((size_t)snprintf(target + off, sizeof(target) - off, "%s/%s", kbase, rel) >=
	    sizeof(target) - off)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", path);
	if (slash) {
		char sub[KD_PATH];

		if ((size_t)snprintf(sub, sizeof(sub), "%s/%.*s", kd, (int)(slash - rel), rel) >=
		    sizeof(sub))
			return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", kd);
		if ((rc = keydir_make(sub, owner, err)))
			return rc;
	}
	unlink(ktmp);
	if (foreign || link(path, ktmp) != 0) {
		if (!foreign && errno != EXDEV && errno != EPERM && errno != EMLINK)
			return tims_err_set(err, TIMS_ERR_IO, "%s -> %s: %s", path, ktmp,
					    strerror(errno));
		if ((rc = copy_file(path, ktmp, err)))
			return rc;
	}
	if (rename(ktmp, kpath) != 0) {
		int e = errno;

		unlink(ktmp);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", kpath, strerror(e));
	}
	if (stat(kpath, &st) != 0 || (rc = give(kpath, &st, owner, err)))
		return rc ? rc : tims_err_set(err, TIMS_ERR_IO, "%s: %s", kpath, strerror(errno));
	if ((rc = tims_fsync_dir_of(kpath, err)))
		return rc;
	unlink(lnk);
	if (symlink(target, lnk) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", lnk, strerror(errno));
	if (geteuid() == 0 && lchown(lnk, owner->st_uid, owner->st_gid) != 0) {
		int e = errno;

		unlink(lnk);
		return tims_err_set(err, TIMS_ERR_IO, "%s: chown: %s", lnk, strerror(e));
	}
	if (rename(lnk, path) != 0) {
		int e = errno;

		unlink(lnk);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(e));
	}
	if ((rc = tims_fsync_dir_of(path, err)))
		return rc;
	if (moved)
		(*moved)++;
	return TIMS_OK;
}

tims_rc tims_keys_jail(const char *dir, unsigned *moved, struct tims_err *err)
{
	char kd[KD_PATH];
	const char *kbase;
	struct stat owner;
	int made = 0;
	tims_rc rc;

	if (moved)
		*moved = 0;
	if ((rc = tims_keydir_of(dir, kd, sizeof(kd), err)))
		return rc;
	/* no directory, or no key in it: nothing to move, and no key
	 * directory made beside a path that is not a node's (the caller's
	 * own open says what is wrong with it) */
	if (stat(dir, &owner) != 0 || !S_ISDIR(owner.st_mode))
		return TIMS_OK;
	kbase = strrchr(kd, '/');
	kbase = kbase ? kbase + 1 : kd;
	for (const char *const *f = tims_key_files; *f; f++) {
		char path[KD_PATH];
		struct stat st;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, *f) >= sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		if (!made && (rc = keydir_make(kd, &owner, err)))
			return rc;
		made = 1;
		if ((rc = jail_one(dir, &owner, kd, kbase, *f, moved, err)))
			return rc;
	}
	return TIMS_OK;
}

int tims_key_link(const char *dir, const char *rel, char *target, size_t cap)
{
	char path[KD_PATH], real[PATH_MAX];
	struct stat st;
	int known = 0;

	for (const char *const *f = tims_key_files; *f && !known; f++)
		known = !strcmp(*f, rel);
	if (!known || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path) ||
	    lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) || !realpath(path, real) ||
	    stat(real, &st) != 0 || !S_ISREG(st.st_mode) || strlen(real) >= cap)
		return 0;
	memcpy(target, real, strlen(real) + 1);
	return 1;
}

tims_rc tims_keys_rename(const char *dir, const char *from, const char *to,
			 struct tims_err *err)
{
	char a[KD_PATH], b[KD_PATH], kd[KD_PATH], ka[KD_PATH], kb[KD_PATH], lnk[KD_PATH];
	char real[PATH_MAX], rkd[PATH_MAX], target[KD_PATH];
	const char *kbase;
	struct stat st;
	size_t n;
	tims_rc rc;

	if (strchr(from, '/') || strchr(to, '/') ||
	    (size_t)snprintf(a, sizeof(a), "%s/%s", dir, from) >= sizeof(a) ||
	    (size_t)snprintf(b, sizeof(b), "%s/%s", dir, to) >= sizeof(b))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s/%s -> %s: names in the directory",
				    dir, from, to);
	if (lstat(a, &st) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", a, strerror(errno));
	if (!S_ISLNK(st.st_mode) || (rc = tims_keydir_of(dir, kd, sizeof(kd), NULL)) ||
	    !realpath(a, real) || !realpath(kd, rkd) || !(n = strlen(rkd)) ||
	    strncmp(real, rkd, n) || real[n] != '/' ||
	    (size_t)snprintf(ka, sizeof(ka), "%s", real) >= sizeof(ka)) {
		if (rename(a, b) != 0)
			return tims_err_set(err, TIMS_ERR_IO, "%s -> %s: %s", a, b, strerror(errno));
		return tims_fsync_dir_of(b, err);
	}
	kbase = strrchr(kd, '/');
	kbase = kbase ? kbase + 1 : kd;
	if ((size_t)snprintf(kb, sizeof(kb), "%s/%s", rkd, to) >= sizeof(kb) ||
	    (size_t)snprintf(target, sizeof(target), "../%s/%s", kbase, to) >= sizeof(target) ||
	    (size_t)snprintf(lnk, sizeof(lnk), "%s.lnk.%ld", b, (long)getpid()) >= sizeof(lnk))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", b);
	/* the key first, inside DIR.keys; then its new name in DIR; the old
	 * name last (it reaches nothing from the first step on) */
	if (rename(ka, kb) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s -> %s: %s", ka, kb, strerror(errno));
	if ((rc = tims_fsync_dir_of(kb, err)))
		return rc;
	unlink(lnk);
	if (symlink(target, lnk) != 0 || rename(lnk, b) != 0) {
		int e = errno;

		unlink(lnk);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", b, strerror(e));
	}
	if (unlink(a) != 0 && errno != ENOENT)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", a, strerror(errno));
	return tims_fsync_dir_of(b, err);
}

/* path's name is NAME.new: the installed NAME beside it, in inst */
static tims_rc installed_of(const char *path, char *inst, size_t cap, struct tims_err *err)
{
	size_t n = strlen(path);

	if (n <= 4 || strcmp(path + n - 4, ".new") || n - 4 >= cap)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: not a NAME.new path", path);
	memcpy(inst, path, n - 4);
	inst[n - 4] = '\0';
	return TIMS_OK;
}

tims_rc tims_keys_write_new(const char *path, const void *data, size_t len,
			    struct tims_err *err)
{
	char inst[KD_PATH], text[KD_PATH], real[PATH_MAX], realnew[PATH_MAX + 8], lnk[KD_PATH];
	struct stat st;
	ssize_t n;
	tims_rc rc;

	if ((rc = installed_of(path, inst, sizeof(inst), err)))
		return rc;
	if (lstat(inst, &st) != 0 || !S_ISLNK(st.st_mode) ||
	    (n = readlink(inst, text, sizeof(text) - 8)) <= 0 || !realpath(inst, real))
		return tims_write_file(path, data, len, 0600, 1, err); /* no key directory */
	text[n] = '\0';
	/* beside the installed key, and a link beside the installed link */
	snprintf(realnew, sizeof(realnew), "%s.new", real);
	if ((size_t)snprintf(lnk, sizeof(lnk), "%s.lnk.%ld", path, (long)getpid()) >= sizeof(lnk))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", path);
	memcpy(text + n, ".new", 5);
	if ((rc = tims_write_file(realnew, data, len, 0600, 1, err)))
		return rc;
	unlink(lnk);
	if (symlink(text, lnk) != 0 || rename(lnk, path) != 0) {
		int e = errno;

		unlink(lnk);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(e));
	}
	return tims_fsync_dir_of(path, err);
}

tims_rc tims_keys_install_new(const char *path, struct tims_err *err)
{
	char inst[KD_PATH], real[PATH_MAX], realnew[PATH_MAX], want[PATH_MAX + 8];
	struct stat st;
	tims_rc rc;

	if ((rc = installed_of(path, inst, sizeof(inst), err)))
		return rc;
	if (lstat(path, &st) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: %s", path, strerror(errno));
	if (!S_ISLNK(st.st_mode) || lstat(inst, &st) != 0 || !S_ISLNK(st.st_mode)) {
		if (rename(path, inst) != 0) /* plain files, as before the key directory */
			return tims_err_set(err, TIMS_ERR_IO, "%s -> %s: %s", path, inst,
					    strerror(errno));
		return tims_fsync_dir_of(inst, err);
	}
	if (!realpath(path, realnew))
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: its key: %s", path,
				    strerror(errno));
	if (!realpath(inst, real))
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: its key: %s", inst,
				    strerror(errno));
	snprintf(want, sizeof(want), "%s.new", real);
	if (strcmp(want, realnew))
		return tims_err_set(err, TIMS_ERR_STATE, "%s reaches %s, not the file beside "
				    "%s's key (%s)", path, realnew, inst, want);
	/* the key replaces the installed one in the key directory (the link
	 * in DIR stays as it is), then the .new link goes: a crash between
	 * leaves a link to nothing, which means "installed" */
	if (rename(realnew, real) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s -> %s: %s", realnew, real,
				    strerror(errno));
	if ((rc = tims_fsync_dir_of(real, err)))
		return rc;
	if (unlink(path) != 0 && errno != ENOENT)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	return tims_fsync_dir_of(path, err);
}
