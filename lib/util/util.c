/*
 * util.c — bounded parsing and durable file helpers (see include/tims/util.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "tims/util.h"

tims_rc tims_parse_u64(const char *s, uint64_t max, uint64_t *out,
		       const char *what, struct tims_err *err)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || !*s)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty", what);
	for (; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: not a decimal number", what);
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10 || v * 10 + d > max)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: larger than %" PRIu64, what, max);
		v = v * 10 + d;
	}
	*out = v;
	return TIMS_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

tims_rc tims_hex_decode(const char *s, uint8_t *out, size_t len,
			const char *what, struct tims_err *err)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n != len * 2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: expected %zu hex digits, got %zu",
				    what, len * 2, n);
	for (i = 0; i < len; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: not hex at position %zu",
					    what, 2 * i + (hi < 0 ? 0 : 1));
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TIMS_OK;
}

tims_rc tims_read_file(const char *path, size_t max, struct tims_buf *out,
		       struct tims_err *err)
{
	int fd, is_stdin = !path || !strcmp(path, "-");
	char chunk[65536];
	tims_rc rc = TIMS_OK;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path,
				    strerror(errno));
	tims_buf_init(out, max);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s",
					  is_stdin ? "standard input" : path,
					  strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((rc = tims_buf_add(out, chunk, (size_t)n))) {
			if (rc == TIMS_ERR_TOOBIG)
				tims_err_set(err, rc, "%s: larger than %zu bytes",
					     is_stdin ? "standard input" : path,
					     max);
			else
				tims_err_set(err, rc, "%s: out of memory",
					     is_stdin ? "standard input" : path);
			break;
		}
	}
	if (!is_stdin)
		close(fd);
	/* The file may be a key: leave no copy on the stack. */
	explicit_bzero(chunk, sizeof(chunk));
	if (rc)
		tims_buf_release(out);
	else if (!out->buf)
		rc = tims_buf_add(out, "", 0); /* an empty file is a "" string */
	return rc;
}

tims_rc tims_fsync_dir_of(const char *path, struct tims_err *err)
{
	char copy[4096];
	int fd;
	const char *dir;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "path too long");
	dir = dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir,
				    strerror(errno));
	if (fsync(fd) < 0) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_IO, "%s: fsync: %s", dir,
				    strerror(errno));
	}
	close(fd);
	return TIMS_OK;
}

tims_rc tims_write_file(const char *path, const void *data, size_t len,
			unsigned mode, int replace, struct tims_err *err)
{
	char tmp[4096];
	const char *p = data;
	int fd;

	if (!replace && access(path, F_OK) == 0)
		return tims_err_set(err, TIMS_ERR_EXISTS,
				    "%s: exists, refusing to overwrite", path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long",
				    path);
	/* Never group or world access, whatever the caller asked for. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0700);
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", tmp,
				    strerror(errno));
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	close(fd);
	if (!replace) {
		/* link() fails if path appeared meanwhile: no overwrite race. */
		if (link(tmp, path) < 0) {
			int e = errno;

			unlink(tmp);
			return tims_err_set(err, e == EEXIST ? TIMS_ERR_EXISTS
						: TIMS_ERR_IO,
					    "%s: %s", path, strerror(e));
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path,
				    strerror(e));
	}
	return tims_fsync_dir_of(path, err);
fail:
	{
		int e = errno;

		close(fd);
		unlink(tmp);
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", tmp,
				    strerror(e));
	}
}

int tims_next_line(const char **p, const char *end, const char **line, size_t *len,
		   size_t *lineno)
{
	while (*p < end) {
		const char *nl = memchr(*p, '\n', (size_t)(end - *p));
		const char *stop = nl ? nl : end;

		*line = *p;
		*len = (size_t)(stop - *p);
		*p = nl ? nl + 1 : end;
		(*lineno)++;
		if (*len && (*line)[*len - 1] == '\r')
			(*len)--;
		if (*len)
			return 1;
	}
	return 0;
}

tims_rc tims_file_private(const char *path, struct tims_err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == EEXIST)
		return TIMS_OK;
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	close(fd);
	return TIMS_OK;
}

tims_rc tims_dir_private(const char *path, struct tims_err *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	return TIMS_OK;
}

#define PRIVATE_DEPTH 8
#define PRIVATE_ENTRIES 100000

struct private_walk {
	tims_mode_fn found;
	void *ctx;
	size_t fixed, seen;
	struct tims_err *err;
};

static tims_rc private_one(struct private_walk *w, const char *path, int depth)
{
	struct stat st;
	unsigned want;
	DIR *d;
	struct dirent *e;
	tims_rc rc = TIMS_OK;

	if (++w->seen > PRIVATE_ENTRIES)
		return tims_err_set(w->err, TIMS_ERR_TOOBIG, "%s: more than %d entries to check",
				    path, PRIVATE_ENTRIES);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? TIMS_OK :
		       tims_err_set(w->err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return TIMS_OK; /* links, sockets: not ours to judge */
	if (st.st_mode & 077) {
		want = S_ISDIR(st.st_mode) ? 0700 : (unsigned)(st.st_mode & 0700);
		if (chmod(path, want) < 0)
			return tims_err_set(w->err, TIMS_ERR_IO, "%s: chmod: %s", path, strerror(errno));
		w->fixed++;
		if (w->found)
			w->found(w->ctx, path, (unsigned)(st.st_mode & 07777));
	}
	if (!S_ISDIR(st.st_mode) || depth >= PRIVATE_DEPTH)
		return TIMS_OK;
	if (!(d = opendir(path)))
		return tims_err_set(w->err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	while (!rc && (e = readdir(d))) {
		char sub[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub))
			continue;
		rc = private_one(w, sub, depth + 1);
	}
	closedir(d);
	return rc;
}

tims_rc tims_private_check(const char *dir, tims_mode_fn found, void *ctx,
			   size_t *nfixed, struct tims_err *err)
{
	struct private_walk w = { found, ctx, 0, 0, err };
	tims_rc rc = private_one(&w, dir, 0);

	if (nfixed)
		*nfixed = w.fixed;
	return rc;
}

/* (util.h) Shortest form only: no overlong sequences, surrogates or code
 * points past U+10FFFF. */
size_t tims_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

tims_rc tims_file_wipe(const char *path, struct tims_err *err)
{
	struct stat sb;
	uint8_t zero[512];
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? TIMS_OK
				       : tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	memset(zero, 0, sizeof(zero));
	if (fstat(fd, &sb) == 0) {
		for (off_t off = 0; off < sb.st_size;) {
			size_t n = (size_t)(sb.st_size - off) < sizeof(zero)
					   ? (size_t)(sb.st_size - off) : sizeof(zero);
			ssize_t w = pwrite(fd, zero, n, off);

			if (w <= 0) {
				if (w < 0 && errno == EINTR)
					continue;
				close(fd);
				return tims_err_set(err, TIMS_ERR_IO, "%s: wiping: %s", path,
						    strerror(w < 0 ? errno : EIO));
			}
			off += w;
		}
	}
	if (fsync(fd) != 0) {
		int e = errno;

		close(fd);
		return tims_err_set(err, TIMS_ERR_IO, "%s: fsync: %s", path, strerror(e));
	}
	close(fd);
	return TIMS_OK;
}
