/* test_session_file.c — the CLI's session file (lib/officer/session_file.c):
 * written 0600 in a 0700 directory, read back only when it is the caller's
 * own, private, small, a regular file and exactly one token. */
#include <fcntl.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/officer.h"
#include "tims/util.h"

static void write_raw(const char *path, const char *data, size_t n, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		if (write(fd, data, n) != (ssize_t)n)
			T_OK(0, "write %s", path);
		fchmod(fd, mode);
		close(fd);
	}
}

int main(void)
{
	char dir[] = "/tmp/tims-sessfile-XXXXXX", sub[256], path[300], other[300];
	char token[TIMS_TOKEN_CHARS], got[TIMS_TOKEN_CHARS], big[TIMS_SESSION_FILE_MAX + 64];
	struct tims_err err;
	struct stat st;

	if (!mkdtemp(dir))
		return 1;
	snprintf(sub, sizeof(sub), "%s/a/b/sessions", dir);
	snprintf(path, sizeof(path), "%s/node-1", sub);
	T_EQ_INT(tims_token_new(token), TIMS_OK, "a fresh token");
	T_OK(tims_session_token_valid(token), "a token tims_token_new makes is valid");
	T_OK(!tims_session_token_valid("short"), "a short token is not");
	T_OK(!tims_session_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/"),
	     "a token with '/' is not");
	T_OK(!tims_session_token_valid(NULL), "NULL is not");

	/* directory: made with its parents, 0700 */
	T_EQ_INT(tims_session_dir_prepare(sub, &err), TIMS_OK, "prepare makes the directory");
	T_OK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700, "the directory is 0700");
	chmod(sub, 0755);
	T_EQ_INT(tims_session_dir_prepare(sub, &err), TIMS_OK, "prepare again");
	T_OK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700, "a widened directory is set back to 0700");
	snprintf(other, sizeof(other), "%s/a/file", dir);
	write_raw(other, "x", 1, 0600);
	T_EQ_INT(tims_session_dir_prepare(other, &err), TIMS_ERR_INVALID, "a file is no session directory");

	/* round trip */
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_NOTFOUND, "no file yet: not found");
	T_EQ_INT(tims_session_file_write(path, token, &err), TIMS_OK, "write");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is 0600");
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_OK, "read back");
	T_EQ_STR(got, token, "the token read is the token written");
	T_EQ_INT(tims_session_file_write(path, "not a token", &err), TIMS_ERR_INVALID,
		 "writing something that is no token is refused");

	/* mode */
	chmod(path, 0640);
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_DENIED, "readable by the group: refused");
	T_OK(strstr(err.msg, "group or others") != NULL, "... saying so: %s", err.msg);
	T_EQ_STR(got, "", "... and nothing handed back");
	chmod(path, 0602);
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_DENIED, "writable by others: refused");
	chmod(path, 0600);

	/* content */
	write_raw(path, "garbage\n", 8, 0600);
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_INVALID, "garbage: refused");
	write_raw(path, "", 0, 0600);
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_INVALID, "empty: refused");
	{
		char two[2 * TIMS_TOKEN_CHARS + 2];

		snprintf(two, sizeof(two), "%s\n%s\n", token, token);
		write_raw(path, two, strlen(two), 0600);
		T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_INVALID,
			 "two tokens: refused");
		snprintf(two, sizeof(two), "%s", token);
		write_raw(path, two, strlen(two), 0600);
		T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_OK,
			 "one token without a newline: read");
		two[10] = '\0';
		write_raw(path, two, TIMS_TOKEN_CHARS - 1, 0600);
		T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_INVALID,
			 "a NUL inside: refused");
	}
	memset(big, 'A', sizeof(big));
	write_raw(path, big, sizeof(big), 0600);
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_TOOBIG, "an oversized file: refused");
	T_OK(strstr(err.msg, "larger than") != NULL, "... saying so: %s", err.msg);

	/* not a regular file, not a link */
	unlink(path);
	T_OK(mkdir(path, 0700) == 0, "a directory in its place");
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_DENIED, "a directory: refused");
	rmdir(path);
	T_EQ_INT(tims_session_file_write(other, token, &err), TIMS_OK, "a token elsewhere");
	chmod(other, 0600);
	T_OK(symlink(other, path) == 0, "a symbolic link in its place");
	T_EQ_INT(tims_session_file_read(path, got, &err), TIMS_ERR_IO, "a symbolic link: refused");
	T_OK(strstr(err.msg, "symbolic link") != NULL, "... saying so: %s", err.msg);
	unlink(path);

	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			T_OK(0, "clean up %s", dir);
	}
	return t_done();
}
