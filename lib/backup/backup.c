/*
 * backup.c — tims_backup_take and tims_backup_restore (include/tims/backup.h).
 *
 * A node's directory holds SQLite databases in WAL mode that the daemon
 * writes while it serves: a file copy of one can tear (a page from before
 * a commit, a page from after, its -wal left behind). Each database is
 * therefore copied through sqlite3_backup_*, which reads it under one read
 * transaction: the copy is the database as of one commit. Files that are
 * not databases (keys' references, certificates, config, the checkpoint
 * file) are replaced by rename when they change, so a byte copy sees the
 * old or the new one. The databases are not copied in one instant, so
 * they are copied in the reverse of the order the node commits to them
 * (file_order below): each copy is a state a crash of the node could have
 * left, which it recovers from when it starts.
 */
#include "tims/backup.h"
#include "tims/keydir.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tims/buf.h"
#include "tims/util.h"
#include "tims/version.h"

#define BACKUP_DEPTH 4
#define COPY_CHUNK 65536

static const char sqlite_magic[16] = "SQLite format 3";

static void report(tims_backup_report_fn fn, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(tims_backup_report_fn fn, void *ctx, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fn(ctx, line);
}

static int join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);
	return n > 0 && (size_t)n < cap;
}

/* ---- what kind of node ------------------------------------------------ */

static int exists(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;

	return join(p, sizeof(p), dir, name) && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The value of `key = value` in DIR/config. */
static int config_value(const char *dir, const char *key, char *out, size_t cap)
{
	struct tims_buf b = TIMS_BUF_INIT(65536);
	struct tims_err e;
	char p[4096];
	const char *s, *end;
	size_t klen = strlen(key);
	int found = 0;

	if (!join(p, sizeof(p), dir, "config") || tims_read_file(p, 65536, &b, &e))
		return 0;
	s = b.buf ? b.buf : "";
	end = s + b.len;
	while (s < end && !found) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *v;
		const char *le = nl ? nl : end;

		if ((size_t)(le - s) > klen + 3 && !memcmp(s, key, klen) && s[klen] == ' ' &&
		    s[klen + 1] == '=' && s[klen + 2] == ' ') {
			v = s + klen + 3;
			if ((size_t)(le - v) < cap) {
				memcpy(out, v, (size_t)(le - v));
				out[le - v] = '\0';
				found = 1;
			}
		}
		s = le + 1;
	}
	tims_buf_release(&b);
	return found;
}

tims_rc tims_backup_detect(const char *dir, enum tims_backup_kind *kind, char *name,
			   size_t cap, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	char p[4096];

	*kind = TIMS_BACKUP_NONE;
	name[0] = '\0';
	if (exists(dir, "post.db")) {
		*kind = TIMS_BACKUP_POST;
		if (!config_value(dir, "origin", name, cap))
			return tims_err_set(err, TIMS_ERR_STATE, "%s/config: no origin", dir);
	} else if (exists(dir, "centre.db")) {
		*kind = TIMS_BACKUP_CENTRE;
		if (!config_value(dir, "name", name, cap))
			return tims_err_set(err, TIMS_ERR_STATE, "%s/config: no name", dir);
	} else if (exists(dir, "witness.db")) {
		const char *plus;

		*kind = TIMS_BACKUP_WITNESS;
		if (!join(p, sizeof(p), dir, "witness.vkey") || tims_read_file(p, 4096, &b, err))
			return err ? err->rc : TIMS_ERR_IO;
		plus = b.buf ? memchr(b.buf, '+', b.len) : NULL;
		if (!plus || (size_t)(plus - b.buf) >= cap) {
			tims_buf_release(&b);
			return tims_err_set(err, TIMS_ERR_STATE, "%s: witness.vkey has no name", dir);
		}
		memcpy(name, b.buf, (size_t)(plus - b.buf));
		name[plus - b.buf] = '\0';
		tims_buf_release(&b);
	} else {
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: not a node's directory (no post.db, centre.db or witness.db)",
				    dir);
	}
	return TIMS_OK;
}

/* ---- the files of a directory ----------------------------------------- */

struct walk {
	struct tims_backup_file *files;
	size_t n;
	const char *root;
	struct tims_err *err;
};

/* SQLite's own companions: a database is copied through its API. */
static int skipped(const char *name)
{
	size_t n = strlen(name);
	static const char *const suffixes[] = { "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s && !strcmp(name + n - s, suffixes[i]))
			return 1;
	}
	return 0;
}

static int is_sqlite(const char *path)
{
	char head[16];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), ok = 0;

	if (fd >= 0) {
		ok = read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) &&
		     !memcmp(head, sqlite_magic, sizeof(head));
		close(fd);
	}
	return ok;
}

static tims_rc walk_dir(struct walk *w, const char *rel, int depth)
{
	char dpath[4096], fpath[4096], frel[TIMS_BACKUP_PATH_MAX + 2];
	struct dirent *de;
	tims_rc rc = TIMS_OK;
	DIR *d;

	if (depth > BACKUP_DEPTH)
		return tims_err_set(w->err, TIMS_ERR_TOOBIG, "%s/%s: directories nested too deep",
				    w->root, rel);
	if (!(rel[0] ? join(dpath, sizeof(dpath), w->root, rel)
		     : snprintf(dpath, sizeof(dpath), "%s", w->root) > 0))
		return tims_err_set(w->err, TIMS_ERR_TOOBIG, "%s: path too long", rel);
	if (!(d = opendir(dpath)))
		return tims_err_set(w->err, TIMS_ERR_IO, "%s: %s", dpath, strerror(errno));
	while (!rc && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || skipped(de->d_name))
			continue;
		if (snprintf(frel, sizeof(frel), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
		    (int)sizeof(frel) - 1 || !join(fpath, sizeof(fpath), w->root, frel)) {
			rc = tims_err_set(w->err, TIMS_ERR_TOOBIG, "%s/%s: path too long", dpath,
					  de->d_name);
			break;
		}
		if (lstat(fpath, &st)) {
			if (errno == ENOENT) /* gone while we looked (a temporary file) */
				continue;
			rc = tims_err_set(w->err, TIMS_ERR_IO, "%s: %s", fpath, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(w, frel, depth + 1);
		} else if (S_ISREG(st.st_mode) ||
			   (S_ISLNK(st.st_mode) && tims_key_link(w->root, frel, fpath, sizeof(fpath)))) {
			/* a key file in the key directory (tims/keydir.h):
			 * backed up as a file under its name in the node's
			 * directory, which the restore jails again */
			struct tims_backup_file *f;

			/* A write in progress (tims_write_file's temporary file):
			 * the file it replaces is what the node holds. */
			if (strstr(de->d_name, ".tmp") || strstr(de->d_name, ".lnk."))
				continue;
			if (w->n >= TIMS_BACKUP_MAX_FILES) {
				rc = tims_err_set(w->err, TIMS_ERR_TOOBIG, "%s: more than %d files",
						  w->root, TIMS_BACKUP_MAX_FILES);
				break;
			}
			f = &w->files[w->n];
			memset(f, 0, sizeof(*f));
			memcpy(f->path, frel, strlen(frel) + 1); /* at most TIMS_BACKUP_PATH_MAX */
			f->is_db = is_sqlite(fpath);
			w->n++;
		} else if (S_ISLNK(st.st_mode)) {
			rc = tims_err_set(w->err, TIMS_ERR_STATE,
					  "%s: a symbolic link in a node's directory is not backed up", fpath);
		} /* sockets, fifos: nothing a node keeps */
	}
	closedir(d);
	return rc;
}

/*
 * The order of the copies is the reverse of the order in which the node
 * commits to its files, so that every copy is a state a crash could leave
 * (and the node recovers from at start):
 *   plain files (the checkpoint files are written after the databases);
 *   query.db (derived from the mirrors, re-indexed at restore);
 *   post.db or centre.db, the node's own database: it records the audit
 *   checkpoint it published and the audit events it still owes, so it is
 *   copied before audit.db (an audit log behind that record is refused);
 *   the other databases by path (bundles.db before watchlists/: a list is
 *   imported before its version is recorded as held).
 */
static int file_rank(const struct tims_backup_file *f)
{
	if (!f->is_db)
		return 0;
	if (!strcmp(f->path, "query.db"))
		return 1;
	if (!strcmp(f->path, "post.db") || !strcmp(f->path, "centre.db"))
		return 2;
	return 3;
}

static int file_order(const void *a, const void *b)
{
	const struct tims_backup_file *x = a, *y = b;
	int rx = file_rank(x), ry = file_rank(y);

	return rx != ry ? rx - ry : strcmp(x->path, y->path);
}

/* ---- copying ---------------------------------------------------------- */

static tims_rc mkdirs_for(const char *root, const char *rel, struct tims_err *err)
{
	char p[4096];
	const char *s = rel;

	while ((s = strchr(s, '/'))) {
		if ((size_t)(s - rel) + strlen(root) + 2 > sizeof(p))
			return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", rel);
		snprintf(p, sizeof(p), "%s/%.*s", root, (int)(s - rel), rel);
		if (mkdir(p, 0700) && errno != EEXIST)
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s", p, strerror(errno));
		s++;
	}
	return TIMS_OK;
}

/* Copy (dst not NULL) or only read src, hashing it; *bytes its size. */
static tims_rc copy_hash(const char *src, const char *dst, uint8_t sha[32], uint64_t *bytes,
			 struct tims_err *err)
{
	crypto_hash_sha256_state h;
	unsigned char *buf = malloc(COPY_CHUNK);
	int in = -1, out = -1;
	tims_rc rc = TIMS_OK;
	ssize_t n;

	if (!buf)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	*bytes = 0;
	crypto_hash_sha256_init(&h);
	if ((in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = tims_err_set(err, errno == ENOENT ? TIMS_ERR_NOTFOUND : TIMS_ERR_IO, "%s: %s",
				  src, strerror(errno));
		goto done;
	}
	if (dst && (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", dst, strerror(errno));
		goto done;
	}
	while ((n = read(in, buf, COPY_CHUNK)) > 0) {
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		*bytes += (uint64_t)n;
		for (ssize_t off = 0; out >= 0 && off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = tims_err_set(err, errno == ENOSPC ? TIMS_ERR_FULL : TIMS_ERR_IO,
						  "%s: %s", dst, strerror(errno));
				goto done;
			}
			off += w;
		}
	}
	if (n < 0)
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", src, strerror(errno));
	else if (out >= 0 && fsync(out))
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: fsync: %s", dst, strerror(errno));
	crypto_hash_sha256_final(&h, sha);
done:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && !rc)
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", dst, strerror(errno));
	free(buf);
	return rc;
}

static tims_rc db_err(sqlite3 *db, const char *path, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s: %s", path, what,
			    db ? sqlite3_errmsg(db) : "cannot open");
}

/* The latest signed checkpoint of a log kept in a `checkpoints (size, note)`
 * table (post.db, audit.db, a centre's mirror): its size and the root line
 * of its note. 0 when the database keeps no such table. */
static int latest_checkpoint(sqlite3 *db, struct tims_backup_log *l)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *note = (const char *)sqlite3_column_text(st, 1), *a, *b;

		l->size = (uint64_t)sqlite3_column_int64(st, 0);
		/* origin \n size \n root \n */
		if (note && (a = strchr(note, '\n')) && (a = strchr(a + 1, '\n')) &&
		    (b = strchr(a + 1, '\n')) && (size_t)(b - a - 1) < sizeof(l->root)) {
			memcpy(l->root, a + 1, (size_t)(b - a - 1));
			l->root[b - a - 1] = '\0';
			for (char *c = l->root; *c; c++)
				if (*c == ' ' || (unsigned char)*c < 0x21)
					*c = '_';
		}
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One database, online: SQLite's backup API reads src under one read
 * transaction (WAL: the writer goes on), pages into dst, which is then
 * left in rollback-journal mode, closed, with nothing beside it. */
static tims_rc copy_db(const char *src, const char *dst, struct tims_backup_file *f,
		       struct tims_backup_log *log, int *has_log, struct tims_err *err)
{
	sqlite3 *s = NULL, *d = NULL;
	sqlite3_backup *b;
	tims_rc rc = TIMS_OK;
	int r, tries = 0;

	*has_log = 0;
	if (sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = db_err(s, src, "open", err);
		goto done;
	}
	sqlite3_busy_timeout(s, 5000);
	if (sqlite3_open_v2(dst, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = db_err(d, dst, "create", err);
		goto done;
	}
	if (!(b = sqlite3_backup_init(d, "main", s, "main"))) {
		rc = db_err(d, dst, "backup", err);
		goto done;
	}
	/* One step for the whole database: one read transaction, one snapshot. */
	while ((r = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED) {
		if (++tries > 200)
			break;
		sqlite3_sleep(25);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK || r != SQLITE_DONE) {
		rc = tims_err_set(err, r == SQLITE_FULL ? TIMS_ERR_FULL : TIMS_ERR_DB,
				  "%s: backup: %s", src, sqlite3_errstr(r));
		goto done;
	}
	if (sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(d, dst, "journal mode", err);
		goto done;
	}
	f->schema = user_version(d);
	*has_log = latest_checkpoint(d, log);
done:
	sqlite3_close(s);
	if (sqlite3_close(d) != SQLITE_OK && !rc)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: close", dst);
	return rc;
}

static tims_rc fsync_path(const char *path, struct tims_err *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd)) {
		if (fd >= 0)
			close(fd);
		return tims_err_set(err, TIMS_ERR_IO, "%s: fsync: %s", path, strerror(errno));
	}
	close(fd);
	return TIMS_OK;
}

static tims_rc fsync_tree(const char *root, const struct tims_backup_file *files, size_t n,
			  struct tims_err *err)
{
	char p[4096];
	tims_rc rc;

	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(files[i].path, '/');
		if (!slash)
			continue;
		snprintf(p, sizeof(p), "%s/%.*s", root, (int)(slash - files[i].path), files[i].path);
		if ((rc = fsync_path(p, err)))
			return rc;
	}
	return fsync_path(root, err);
}

/* Would `out` (not made yet) lie inside `dir`? Its parent resolved. */
static int inside(const char *out, const char *dir)
{
	char parent[4096], rp[PATH_MAX], rd[PATH_MAX];
	const char *slash = strrchr(out, '/');
	size_t n;

	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == out)
		snprintf(parent, sizeof(parent), "/");
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - out), out);
	if (!realpath(parent, rp) || !realpath(dir, rd))
		return 0;
	n = strlen(rd);
	return !strncmp(rp, rd, n) && (rp[n] == '\0' || rp[n] == '/');
}

tims_rc tims_backup_take(const char *dir, const char *out, tims_backup_report_fn rep,
			 void *ctx, struct tims_backup_manifest *m, uint8_t manifest_sha256[32],
			 struct tims_err *err)
{
	struct walk w;
	char *text = NULL;
	size_t tlen = 0;
	tims_rc rc;

	memset(m, 0, sizeof(*m));
	m->format = TIMS_BACKUP_FORMAT;
	if ((rc = tims_backup_detect(dir, &m->kind, m->name, sizeof(m->name), err)))
		return rc;
	snprintf(m->version, sizeof(m->version), "%s", tims_version());
	for (char *c = m->version; *c; c++)
		if (*c == ' ')
			*c = '_';
	m->created = (int64_t)time(NULL);
	m->files = calloc(TIMS_BACKUP_MAX_FILES, sizeof(*m->files));
	m->logs = calloc(TIMS_BACKUP_MAX_LOGS, sizeof(*m->logs));
	if (!m->files || !m->logs) {
		tims_backup_manifest_release(m);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	if (inside(out, dir)) {
		rc = tims_err_set(err, TIMS_ERR_USAGE, "%s: inside the node's directory %s; a "
				  "backup is kept elsewhere", out, dir);
		goto fail;
	}
	w = (struct walk){ m->files, 0, dir, err };
	if ((rc = walk_dir(&w, "", 0)))
		goto fail;
	m->nfiles = w.n;
	qsort(m->files, m->nfiles, sizeof(*m->files), file_order);
	if (mkdir(out, 0700)) {
		rc = tims_err_set(err, errno == EEXIST ? TIMS_ERR_EXISTS : TIMS_ERR_IO,
				  "%s: %s", out, errno == EEXIST ? "exists; a backup is written to a new "
				  "directory, never over one" : strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		struct tims_backup_file *f = &m->files[i];
		char src[4096], dst[4096];

		if (!join(src, sizeof(src), dir, f->path) || !join(dst, sizeof(dst), out, f->path)) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", f->path);
			goto fail;
		}
		if (!f->is_db)
			(void)tims_key_link(dir, f->path, src, sizeof(src));
		if ((rc = mkdirs_for(out, f->path, err)))
			goto fail;
		if (f->is_db) {
			struct tims_backup_log l;
			uint64_t bytes;
			int has_log;

			memset(&l, 0, sizeof(l));
			if ((rc = copy_db(src, dst, f, &l, &has_log, err)) ||
			    (rc = copy_hash(dst, NULL, f->sha256, &bytes, err)))
				goto fail;
			f->bytes = bytes;
			if (has_log && m->nlogs < TIMS_BACKUP_MAX_LOGS) {
				memcpy(l.path, f->path, sizeof(l.path));
				m->logs[m->nlogs++] = l;
				report(rep, ctx, "%s: database, schema %d, log of %llu signed", f->path,
				       f->schema, (unsigned long long)l.size);
			} else {
				report(rep, ctx, "%s: database, schema %d", f->path, f->schema);
			}
		} else {
			rc = copy_hash(src, dst, f->sha256, &f->bytes, err);
			if (rc == TIMS_ERR_NOTFOUND) { /* removed since the walk (replaced) */
				memmove(f, f + 1, (m->nfiles - i - 1) * sizeof(*f));
				m->nfiles--;
				i--;
				continue;
			}
			if (rc)
				goto fail;
		}
	}
	if ((rc = tims_backup_manifest_format(m, &text, &tlen, err)))
		goto fail;
	{
		char mp[4096];
		if (!join(mp, sizeof(mp), out, TIMS_BACKUP_MANIFEST)) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", out);
			goto fail;
		}
		if ((rc = fsync_tree(out, m->files, m->nfiles, err)) ||
		    (rc = tims_write_file(mp, text, tlen, 0600, 0, err)))
			goto fail;
	}
	crypto_hash_sha256(manifest_sha256, (const unsigned char *)text, tlen);
	free(text);
	return TIMS_OK;
fail:
	free(text);
	tims_backup_manifest_release(m);
	return rc;
}

/* ---- restoring -------------------------------------------------------- */

static tims_rc dir_empty(const char *to, struct tims_err *err)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if (mkdir(to, 0700) == 0)
		return TIMS_OK;
	if (errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", to, strerror(errno));
	if (!(d = opendir(to)))
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", to, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	if (!empty)
		return tims_err_set(err, TIMS_ERR_EXISTS,
				    "%s: not empty; restore writes only into an empty directory "
				    "(move the old one aside, it is evidence)", to);
	return chmod(to, 0700) ? tims_err_set(err, TIMS_ERR_IO, "%s: %s", to, strerror(errno))
			       : TIMS_OK;
}

tims_rc tims_backup_restore(const char *from, const char *to, enum tims_backup_kind want,
			    const uint8_t *expect_sha256, struct tims_backup_manifest *m,
			    tims_backup_report_fn rep, void *ctx, struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(TIMS_BACKUP_MANIFEST_MAX);
	struct tims_backup_file *found = NULL;
	char p[4096];
	uint8_t sha[32];
	struct walk w;
	tims_rc rc;

	memset(m, 0, sizeof(*m));
	if (!join(p, sizeof(p), from, TIMS_BACKUP_MANIFEST))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", from);
	if ((rc = tims_read_file(p, TIMS_BACKUP_MANIFEST_MAX, &text, err)))
		return rc;
	crypto_hash_sha256(sha, (const unsigned char *)(text.buf ? text.buf : ""), text.len);
	if (expect_sha256 && sodium_memcmp(sha, expect_sha256, 32)) {
		tims_buf_release(&text);
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "%s: MANIFEST is not the one recorded (its SHA-256 differs)", from);
	}
	rc = tims_backup_manifest_parse(text.buf ? text.buf : "", text.len, m, err);
	tims_buf_release(&text);
	if (rc)
		return rc;
	if (want && m->kind != want) {
		rc = tims_err_set(err, TIMS_ERR_STATE, "%s: a backup of a %s, not of a %s", from,
				  tims_backup_kind_name(m->kind), tims_backup_kind_name(want));
		goto fail;
	}
	/* Every file the manifest names, as it names it; none besides. */
	if (!(found = calloc(TIMS_BACKUP_MAX_FILES, sizeof(*found)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	w = (struct walk){ found, 0, from, err };
	if ((rc = walk_dir(&w, "", 0)))
		goto fail;
	for (size_t i = 0; i < w.n; i++) {
		size_t j = 0;

		if (!strcmp(found[i].path, TIMS_BACKUP_MANIFEST))
			continue;
		while (j < m->nfiles && strcmp(m->files[j].path, found[i].path))
			j++;
		if (j == m->nfiles) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "%s/%s: not in the MANIFEST", from,
					  found[i].path);
			goto fail;
		}
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct tims_backup_file *f = &m->files[i];
		uint64_t bytes;

		if (!join(p, sizeof(p), from, f->path)) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", f->path);
			goto fail;
		}
		rc = copy_hash(p, NULL, sha, &bytes, err);
		if (rc == TIMS_ERR_NOTFOUND)
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "%s: missing from the backup", p);
		if (rc)
			goto fail;
		if (bytes != f->bytes || sodium_memcmp(sha, f->sha256, 32)) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER,
					  "%s: does not match the MANIFEST (%s differs): altered or damaged",
					  p, bytes != f->bytes ? "size" : "SHA-256");
			goto fail;
		}
	}
	report(rep, ctx, "backup of %s %s (TIMS %s): %zu files match the MANIFEST",
	       tims_backup_kind_name(m->kind), m->name, m->version, m->nfiles);
	if ((rc = dir_empty(to, err)))
		goto fail;
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct tims_backup_file *f = &m->files[i];
		char dst[4096];
		uint64_t bytes;

		if (!join(p, sizeof(p), from, f->path) || !join(dst, sizeof(dst), to, f->path)) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", f->path);
			goto fail;
		}
		if ((rc = mkdirs_for(to, f->path, err)) ||
		    (rc = copy_hash(p, dst, sha, &bytes, err)))
			goto fail;
		if (bytes != f->bytes || sodium_memcmp(sha, f->sha256, 32)) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "%s: changed while it was restored", p);
			goto fail;
		}
	}
	if ((rc = fsync_tree(to, m->files, m->nfiles, err)))
		goto fail;
	free(found);
	return TIMS_OK;
fail:
	free(found);
	tims_backup_manifest_release(m);
	return rc;
}
