/*
 * session_file.c — where `tims login` keeps its session token between
 * commands (include/tims/officer.h, "The CLI's session file").
 *
 * The file is the one secret a logged-in operator leaves on disk, so it is
 * read as carefully as a key: a regular file, not a symbolic link, owned by
 * the caller, mode 0600, at most TIMS_SESSION_FILE_MAX bytes, holding one
 * token of the exact shape tims_token_new makes. Anything else is refused
 * with its reason, never "repaired": a file someone else could have read
 * or written is a session to log in again for, not one to use.
 */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/officer.h"
#include "tims/util.h"

static int token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int tims_session_token_valid(const char *t)
{
	size_t n = t ? strnlen(t, TIMS_TOKEN_CHARS) : 0;

	if (n != TIMS_TOKEN_CHARS - 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!token_char(t[i]))
			return 0;
	return 1;
}

tims_rc tims_session_dir_prepare(const char *dir, struct tims_err *err)
{
	char path[4096];
	struct stat st;
	size_t n;

	n = strnlen(dir, sizeof(path));
	if (!n || n >= sizeof(path))
		return tims_err_set(err, TIMS_ERR_INVALID, "session directory: empty or too long");
	memcpy(path, dir, n + 1);
	/* Make each missing parent 0700 too: nothing of it is anyone else's. */
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		path[i] = i == n ? '\0' : '/';
	}
	if (lstat(dir, &st) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a directory", dir);
	if (st.st_uid != geteuid())
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "%s: owned by another user; sessions are kept only in "
				    "a directory of one's own", dir);
	if ((st.st_mode & 077) && chmod(dir, 0700) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: chmod 700: %s", dir, strerror(errno));
	return TIMS_OK;
}

tims_rc tims_session_file_write(const char *path, const char *token, struct tims_err *err)
{
	char line[TIMS_TOKEN_CHARS + 1];
	tims_rc rc;

	if (!tims_session_token_valid(token))
		return tims_err_set(err, TIMS_ERR_INVALID, "session token: not one TIMS made");
	snprintf(line, sizeof(line), "%s\n", token);
	rc = tims_write_file(path, line, strlen(line), 0600, 1, err);
	sodium_memzero(line, sizeof(line));
	return rc;
}

tims_rc tims_session_file_read(const char *path, char token[TIMS_TOKEN_CHARS],
			       struct tims_err *err)
{
	char buf[TIMS_SESSION_FILE_MAX + 1];
	struct stat st;
	ssize_t got;
	size_t n = 0;
	int fd;

	memset(token, 0, TIMS_TOKEN_CHARS);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no session", path);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path,
				    errno == ELOOP ? "a symbolic link, refused" : strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_DENIED, "%s: %s; log in again", path,
				    !S_ISREG(st.st_mode) ? "not a regular file" :
				    st.st_uid != geteuid() ? "owned by another user" :
				    "readable or writable by group or others");
	}
	if (st.st_size > TIMS_SESSION_FILE_MAX) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: larger than %d bytes; not a "
				    "session file", path, TIMS_SESSION_FILE_MAX);
	}
	/* Read to the end, bounded: the size may have changed since fstat. */
	while (n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			sodium_memzero(buf, sizeof(buf));
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		}
		n += (size_t)got;
	}
	close(fd);
	if (n > TIMS_SESSION_FILE_MAX) {
		sodium_memzero(buf, sizeof(buf));
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: larger than %d bytes; not a "
				    "session file", path, TIMS_SESSION_FILE_MAX);
	}
	if (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	if (!tims_session_token_valid(buf) || strlen(buf) != n) {
		sodium_memzero(buf, sizeof(buf));
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a session file (want one "
				    "token of %d characters); log in again", path,
				    TIMS_TOKEN_CHARS - 1);
	}
	memcpy(token, buf, TIMS_TOKEN_CHARS);
	sodium_memzero(buf, sizeof(buf));
	return TIMS_OK;
}
