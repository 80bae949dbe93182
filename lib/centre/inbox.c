/*
 * inbox.c — the centre's API inbox (docs/operations.md, "API inbox";
 * docs/paxlst.md): the directory a message broker or an SFTP server
 * drops the carriers' PAXLST files into, watched by the running centre.
 *
 * Only complete files are taken: the sender writes under a name starting
 * with '.' or ending in ".tmp" and renames the file into place (rename(2)
 * within one file system is atomic), so a file half written is never read.
 * Each file is imported by tims_centre_api_import, the code of `tims api
 * import`, then moved within the inbox:
 *
 *   done/NAME                 imported (a replay too: it stored nothing)
 *   rejected/NAME, NAME.reason   the file was refused: it does not parse
 *                             (the reason names the segment and its
 *                             position), it is not a regular file, or it
 *                             is larger than TIMS_PAXLST_MAX_BYTES (refused
 *                             unread)
 *   held/NAME                 the centre could not screen it (watchlists
 *                             missing, quarantined or unreadable; the
 *                             store): never marked done, tried again
 *                             within 2 s of a change of the watchlists,
 *                             else every minute; an alert
 *                             ("api-inbox-held") when it is first held
 *
 * A name already taken in done/ or rejected/ gets ".1", ".2" ... (a replay
 * sent under the same name is kept, not overwritten). Every intake is in
 * the centre's audit log as `tims api import` records it (action
 * api.import; actor "inbox"); a file held is recorded once when it is
 * held, not at each retry.
 *
 * A file that cannot be moved out of the inbox (done/, rejected/ or held/
 * gone or not writable, a thousand files of its name) is left in place and
 * not taken again for TIMS_CENTRE_INBOX_RETRY_IDLE_MS (by name and inode;
 * at most INBOX_STUCK of them remembered): one import, one audit event and
 * one log line a minute, not four a second.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tims/api.h"
#include "tims/log.h"
#include "tims/mlog.h"
#include "tims/paxlst.h"
#include "tims/util.h"
#include "internal.h"

#define INBOX_BATCH 64            /* files taken a pass */
#define INBOX_NAME_MAX 200        /* bytes of a file's name */
#define INBOX_PURPOSE "advance passenger information (inbox)"
#define INBOX_STUCK 64            /* files left in place, remembered */

struct inbox_stuck {              /* a file that could not be moved */
	char name[INBOX_NAME_MAX + 1];
	dev_t dev;
	ino_t ino;
	int64_t until_ms;         /* not taken again before */
};

struct centre_inbox {
	struct tims_centre *c;
	char dir[CENTRE_PATH_MAX];
	int dfd;                  /* the inbox */
	int held_fd;              /* its held/ */
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	_Atomic int stop;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	struct tims_api_import_result res;
	/* the held files' last try: the watchlists as they were, and when */
	char held_sig[256];
	int64_t held_ms;
	struct inbox_stuck stuck[INBOX_STUCK]; /* the inbox thread's alone */
};

/* Whether NAME (in the inbox) was left in place lately and waits. */
static int stuck_waits(struct centre_inbox *in, const char *name, int64_t now)
{
	struct stat st;

	if (fstatat(in->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	for (size_t i = 0; i < INBOX_STUCK; i++)
		if (in->stuck[i].until_ms > now && in->stuck[i].dev == st.st_dev &&
		    in->stuck[i].ino == st.st_ino && !strcmp(in->stuck[i].name, name))
			return 1;
	return 0;
}

/* NAME (in the inbox) could not be moved: not taken again for a while
 * (its slot, a free one, or the one whose wait ends first). */
static void stuck_note(struct centre_inbox *in, int from_fd, const char *name)
{
	size_t slot = 0;
	struct stat st;

	if (from_fd != in->dfd || fstatat(in->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return; /* held/ is retried at its slow pace anyway; a file gone is gone */
	for (size_t i = 0; i < INBOX_STUCK; i++) {
		if (!strcmp(in->stuck[i].name, name)) {
			slot = i;
			break;
		}
		if (in->stuck[i].until_ms < in->stuck[slot].until_ms)
			slot = i;
	}
	snprintf(in->stuck[slot].name, sizeof(in->stuck[slot].name), "%s", name);
	in->stuck[slot].dev = st.st_dev;
	in->stuck[slot].ino = st.st_ino;
	in->stuck[slot].until_ms = tims_mlog_now_ms() + TIMS_CENTRE_INBOX_RETRY_IDLE_MS;
}

/* What changes when the centre's watchlists do (the directory, the store
 * and its WAL: created, replaced, written): a held file is tried again at
 * once after such a change, not only at the slow interval, and a large
 * list is not loaded again and again for nothing. */
static void lists_signature(struct centre_inbox *in, char *out, size_t outlen)
{
	static const char *const names[] = { "watchlists", "watchlists/watchlists.db",
					     "watchlists/watchlists.db-wal" };
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(names) && off < outlen; i++) {
		char path[CENTRE_PATH_MAX];
		struct stat st;
		int n;

		if (centre_path(in->c, names[i], path, NULL) || stat(path, &st) != 0)
			memset(&st, 0, sizeof(st));
		n = snprintf(out + off, outlen - off, "%llu.%lld.%ld.%lld;",
			     (unsigned long long)st.st_ino, (long long)st.st_mtim.tv_sec,
			     st.st_mtim.tv_nsec, (long long)st.st_size);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* One log line: event=api-inbox msg="..." at level (a file held or not
 * moved: an error; refused: a warning; imported: info). */
static void say(struct centre_inbox *in, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct centre_inbox *in, int level, const char *fmt, ...)
{
	struct tims_log_line l;
	char text[1024];
	va_list ap;

	if (!in->log)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tims_log_begin(&l, level, "api-inbox");
	tims_log_add(&l, "msg", text);
	in->log(in->log_ctx, tims_log_text(&l));
}

/* The name a file is taken under: not hidden, not a ".tmp", printable. */
static int complete_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || n[0] == '.' || len > INBOX_NAME_MAX ||
	    (len >= 4 && !strcmp(n + len - 4, ".tmp")))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f)
			return 0;
	return 1;
}

/* Move from (in from_fd) to sub/NAME, or NAME.1 ... when taken; the name
 * used in out. */
static tims_rc move_to(struct centre_inbox *in, int from_fd, const char *name, const char *sub,
		       char *out, size_t outlen, struct tims_err *err)
{
	for (unsigned k = 0; k < 1000; k++) {
		char to[INBOX_NAME_MAX + 32], reason[INBOX_NAME_MAX + 40];
		struct stat st;

		if (k)
			snprintf(to, sizeof(to), "%s/%s.%u", sub, name, k);
		else
			snprintf(to, sizeof(to), "%s/%s", sub, name);
		snprintf(reason, sizeof(reason), "%s.reason", to);
		/* nor the reason of another file (a link's, kept alone) in the way */
		if (fstatat(in->dfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    fstatat(in->dfd, reason, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (renameat(from_fd, name, in->dfd, to) != 0)
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s cannot be moved to %s: %s",
					    in->dir, name, to, strerror(errno));
		snprintf(out, outlen, "%s", to);
		return TIMS_OK;
	}
	return tims_err_set(err, TIMS_ERR_IO, "%s: %s/%s: 1000 files of that name already",
			    in->dir, sub, name);
}

/* rejected/NAME and NAME.reason (written first: never a rejected file
 * without its reason); drop: no file to keep (a link, a pipe, a device:
 * never opened, and the sandbox lets the centre make no such thing), only
 * the reason is written, as rejected/NAME.reason, and the name removed. */
static tims_rc reject(struct centre_inbox *in, int from_fd, const char *name, const char *why,
		      int drop, char *moved, size_t movedlen, struct tims_err *err)
{
	char tmp[INBOX_NAME_MAX + 64], reason[INBOX_NAME_MAX + 64];
	size_t len = strlen(why);
	tims_rc rc;
	int fd;

	snprintf(tmp, sizeof(tmp), "rejected/.%s.reason.tmp", name);
	fd = openat(in->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s/%s: %s", in->dir, tmp, strerror(errno));
	if (write(fd, why, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "%s/%s: %s", in->dir, tmp, strerror(errno));
		close(fd);
		unlinkat(in->dfd, tmp, 0);
		return rc;
	}
	close(fd);
	if (drop) {
		struct stat st;
		unsigned k = 0;

		do {
			if (k)
				snprintf(moved, movedlen, "rejected/%s.%u", name, k);
			else
				snprintf(moved, movedlen, "rejected/%s", name);
			snprintf(reason, sizeof(reason), "%s.reason", moved);
		} while (++k < 1000 && (fstatat(in->dfd, moved, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
					fstatat(in->dfd, reason, &st, AT_SYMLINK_NOFOLLOW) == 0));
		/* the name gone first: the reason's appearance ends the intake */
		if (unlinkat(from_fd, name, 0) != 0 || renameat(in->dfd, tmp, in->dfd, reason) != 0)
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s: %s", in->dir, name,
					    strerror(errno));
		if (snprintf(moved, movedlen, "%s", reason) >= (int)movedlen)
			moved[0] = '\0';
		return TIMS_OK;
	}
	if ((rc = move_to(in, from_fd, name, "rejected", moved, movedlen, err))) {
		unlinkat(in->dfd, tmp, 0);
		return rc;
	}
	snprintf(reason, sizeof(reason), "%s.reason", moved);
	if (renameat(in->dfd, tmp, in->dfd, reason) != 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s/%s: %s", in->dir, reason, strerror(errno));
	return TIMS_OK;
}

static tims_rc audit(struct centre_inbox *in, const char *query, int status)
{
	struct tims_err err;
	tims_rc rc;

	tims_err_clear(&err);
	if ((rc = centre_audit(in->c, "inbox", "-", "local", "api.import", INBOX_PURPOSE, query,
			       NULL, status, &err)))
		say(in, TIMS_LOG_ERR, "api inbox: the audit log cannot be written: %s",
		    tims_err_msg(&err));
	return rc;
}

static void audit_refused(struct centre_inbox *in, const char *file, const char *why, int status)
{
	json_t *q = json_pack("{s:s, s:s}", "file", file, "refused", why);
	char *qs = q ? json_dumps(q, JSON_COMPACT) : NULL;

	json_decref(q);
	(void)audit(in, qs ? qs : "{}", status); /* (a failure is logged) */
	free(qs);
}

/* Read a regular file of at most TIMS_PAXLST_MAX_BYTES: 0; or 1 with why
 * set (the file refused); 2 (not a regular file: never opened, refused);
 * -1 with why set (the centre's failure). */
static int read_whole(int from_fd, const char *name, char **buf, size_t *len, char *why,
		      size_t whylen)
{
	struct stat st;
	size_t cap, n = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	if (fstatat(from_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(why, whylen, "file: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "file: not a regular file (%s): not opened, not read",
			 S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISFIFO(st.st_mode) ? "a pipe" :
			 "a device or socket");
		return 2;
	}
	fd = openat(from_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(why, whylen, "file: cannot be opened (%s)", strerror(e));
		if (e == ELOOP) { /* swapped for a link since */
			snprintf(why, whylen, "file: not a regular file (a symbolic link): not read");
			return 2;
		}
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "file: not a regular file: not read");
		return 2;
	}
	if ((uint64_t)st.st_size > TIMS_PAXLST_MAX_BYTES) {
		close(fd);
		snprintf(why, whylen, "file: %lld bytes, over the bound of %zu bytes (64 MiB): "
			 "not read", (long long)st.st_size, TIMS_PAXLST_MAX_BYTES);
		return 1;
	}
	cap = (size_t)st.st_size + 1;
	if (!(*buf = malloc(cap))) {
		close(fd);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, *buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whylen, "file: read: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) { /* it grew since: a sender still writing */
			close(fd);
			snprintf(why, whylen, "file: grew while it was read: not renamed into place "
				 "complete");
			return 1;
		}
	}
	close(fd);
	*len = n;
	return 0;
}

/* One file of the inbox (from_fd: the inbox, or held/ for a retry). */
static void take(struct centre_inbox *in, int from_fd, const char *name, int retry)
{
	struct tims_api_import_result *res = &in->res;
	char why[600], moved[INBOX_NAME_MAX + 32], sig[sizeof(in->held_sig)];
	struct tims_err err;
	char *buf = NULL;
	size_t len = 0;
	tims_rc rc;
	int r;

	tims_err_clear(&err);
	r = read_whole(from_fd, name, &buf, &len, why, sizeof(why));
	if (r > 0) {
		free(buf);
		if (reject(in, from_fd, name, why, r == 2, moved, sizeof(moved), &err)) {
			stuck_note(in, from_fd, name);
			say(in, TIMS_LOG_ERR, "api inbox: %s: %s (left in place, taken again in %d s)",
			    name, tims_err_msg(&err), TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000);
			return;
		}
		audit_refused(in, name, why, 413);
		say(in, TIMS_LOG_WARNING, "api inbox: %s refused unread: %s: %s %s", name, why,
		    r == 2 ? "removed, the reason in" : "moved to", moved);
		return;
	}
	if (r < 0) {
		free(buf);
		stuck_note(in, from_fd, name);
		say(in, TIMS_LOG_ERR, "api inbox: %s left in place: %s (taken again in %d s)", name,
		    why, TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000);
		return;
	}
	/* the lists as they are before the import: a file held is tried again
	 * once they are no longer so (a change during the import included) */
	if (!retry)
		lists_signature(in, sig, sizeof(sig));
	rc = tims_centre_api_import(in->c, buf ? buf : "", len, tims_mlog_now_ms(), res, &err);
	if (buf)
		sodium_memzero(buf, len);
	free(buf);
	if (!rc) {
		json_t *o = tims_centre_api_result_json(name, res);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

		json_decref(o);
		/* audited before it is marked done: an import the audit log does
		 * not hold is held, and its retry (a replay: nothing stored
		 * again) is audited once the log can be written */
		rc = audit(in, text ? text : "{}", 200);
		free(text);
		if (rc) {
			if (!retry && !move_to(in, from_fd, name, "held", moved, sizeof(moved), &err))
				in->held_sig[0] = '\0';
			else if (!retry)
				stuck_note(in, from_fd, name);
			return;
		}
		if (move_to(in, from_fd, name, "done", moved, sizeof(moved), &err)) {
			stuck_note(in, from_fd, name);
			say(in, TIMS_LOG_ERR, "api inbox: %s imported but %s (left in place, taken "
			    "again in %d s: a replay then)", name, tims_err_msg(&err),
			    TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000);
			return;
		}
		say(in, TIMS_LOG_INFO, "api inbox: %s imported: %zu flights, %zu travellers, %zu "
		    "with a hit, %zu stored: moved to %s", name, res->nflights, res->travellers, res->hits,
		    res->stored, moved);
		return;
	}
	snprintf(why, sizeof(why), "%s", tims_err_msg(&err));
	if (res->file_refused) {
		if (reject(in, from_fd, name, why, 0, moved, sizeof(moved), &err)) {
			stuck_note(in, from_fd, name);
			say(in, TIMS_LOG_ERR, "api inbox: %s: %s (left in place, taken again in %d s)",
			    name, tims_err_msg(&err), TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000);
			return;
		}
		audit_refused(in, name, why, 422);
		say(in, TIMS_LOG_WARNING, "api inbox: %s refused: %s: moved to %s", name, why, moved);
		return;
	}
	/* the centre's failure: fail closed, never done; held and retried */
	if (retry) {
		say(in, TIMS_LOG_WARNING, "api inbox: %s still held: %s", name, why);
		return;
	}
	if (move_to(in, from_fd, name, "held", moved, sizeof(moved), &err)) {
		stuck_note(in, from_fd, name);
		say(in, TIMS_LOG_ERR, "api inbox: %s not imported (%s), left in place: %s (taken "
		    "again in %d s)", name, why, tims_err_msg(&err), TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000);
		return;
	}
	memcpy(in->held_sig, sig, sizeof(sig));
	in->held_ms = tims_mlog_now_ms();
	audit_refused(in, name, why, 503);
	{
		char d[900];
		struct tims_err aerr;

		/* (cut, if it must be, in the reason's end) */
		if (snprintf(d, sizeof(d), "passenger list %s not screened, held in the API "
			     "inbox's %s and tried again when the watchlists change, at least "
			     "every %d s: %s", name, moved,
			     TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000, why) >= (int)sizeof(d))
			d[sizeof(d) - 1] = '\0';
		tims_err_clear(&aerr);
		if (tims_centre_alert_raise(in->c, "api-inbox-held", NULL, d, &aerr))
			say(in, TIMS_LOG_ERR, "api inbox: the alert cannot be raised: %s",
			    tims_err_msg(&aerr));
	}
	say(in, TIMS_LOG_ERR, "api inbox: %s held (%s): moved to %s, tried again when the "
	    "watchlists change, at least every %d s",
	    name, why, moved,
	    TIMS_CENTRE_INBOX_RETRY_IDLE_MS / 1000);
}

/* The complete files of one directory, by name, at most INBOX_BATCH;
 * in the inbox itself those left in place lately are passed over (they
 * must not fill the batch and hold up the others). */
static size_t list_files(struct centre_inbox *in, int fd, char (*names)[INBOX_NAME_MAX + 1],
			 size_t max)
{
	int64_t now = tims_mlog_now_ms();
	size_t n = 0;
	DIR *d;
	int dup_fd = dup(fd);
	struct dirent *e;

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return 0;
	}
	rewinddir(d);
	while (n < max && (e = readdir(d))) {
		struct stat st;

		if (!complete_name(e->d_name))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode))
			continue;
		if (fd == in->dfd && stuck_waits(in, e->d_name, now))
			continue;
		/* complete_name: at most INBOX_NAME_MAX bytes */
		memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	return n;
}

static void *inbox_main(void *arg)
{
	struct centre_inbox *in = arg;
	static char names[INBOX_BATCH][INBOX_NAME_MAX + 1];
	unsigned tick = 0;

	pthread_mutex_lock(&in->lock);
	while (!in->stop) {
		struct timespec ts;
		size_t n;

		pthread_mutex_unlock(&in->lock);
		/* the held first, when their time has come: the watchlists
		 * changed since their last try, or the slow interval passed */
		if (tick++ % (TIMS_CENTRE_INBOX_RETRY_MS / TIMS_CENTRE_INBOX_POLL_MS) == 0) {
			char sig[sizeof(in->held_sig)];
			int64_t now = tims_mlog_now_ms();

			lists_signature(in, sig, sizeof(sig));
			if (strcmp(sig, in->held_sig) || now - in->held_ms >=
							 TIMS_CENTRE_INBOX_RETRY_IDLE_MS) {
				memcpy(in->held_sig, sig, sizeof(sig));
				in->held_ms = now;
				n = list_files(in, in->held_fd, names, INBOX_BATCH);
				for (size_t i = 0; i < n && !in->stop; i++)
					take(in, in->held_fd, names[i], 1);
			}
		}
		n = list_files(in, in->dfd, names, INBOX_BATCH);
		for (size_t i = 0; i < n && !in->stop; i++)
			take(in, in->dfd, names[i], 0);
		pthread_mutex_lock(&in->lock);
		if (in->stop)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TIMS_CENTRE_INBOX_POLL_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&in->cond, &in->lock, &ts);
	}
	pthread_mutex_unlock(&in->lock);
	return NULL;
}

tims_rc tims_centre_inbox_start(struct tims_centre *c, const char *dir,
				void (*log)(void *ctx, const char *line), void *log_ctx,
				struct tims_err *err)
{
	static const char *const subs[] = { "done", "rejected", "held" };
	struct centre_inbox *in;
	struct stat st;
	tims_rc rc;

	if (c->inbox)
		return tims_err_set(err, TIMS_ERR_INVALID, "api inbox: one a centre");
	if (!dir || dir[0] != '/' || strlen(dir) >= CENTRE_PATH_MAX - INBOX_NAME_MAX - 16)
		return tims_err_set(err, TIMS_ERR_INVALID, "api-inbox: %s: want an absolute path",
				    dir ? dir : "(none)");
	if (!(in = calloc(1, sizeof(*in))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	in->c = c;
	in->log = log;
	in->log_ctx = log_ctx;
	in->held_fd = -1;
	snprintf(in->dir, sizeof(in->dir), "%s", dir);
	in->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in->dfd < 0 || fstat(in->dfd, &st) != 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "api-inbox: %s: %s (the directory must exist)", dir,
			     strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(subs); i++)
		if (mkdirat(in->dfd, subs[i], 0700) != 0 && errno != EEXIST) {
			rc = tims_err_set(err, TIMS_ERR_IO, "api-inbox: %s/%s: %s", dir, subs[i],
				     strerror(errno));
			goto fail;
		}
	in->held_fd = openat(in->dfd, "held", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in->held_fd < 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "api-inbox: %s/held: %s", dir, strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->cond, NULL);
	if (pthread_create(&in->th, NULL, inbox_main, in) != 0) {
		pthread_mutex_destroy(&in->lock);
		pthread_cond_destroy(&in->cond);
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "api inbox: cannot start its thread");
		goto fail;
	}
	c->inbox = in;
	say(in, TIMS_LOG_NOTICE, "api inbox: watching %s (complete files only: names starting with '.' or "
	    "ending in .tmp are left alone)", dir);
	return TIMS_OK;
fail:
	if (in->held_fd >= 0)
		close(in->held_fd);
	if (in->dfd >= 0)
		close(in->dfd);
	free(in);
	return rc;
}

void centre_inbox_stop(struct tims_centre *c)
{
	struct centre_inbox *in = c->inbox;

	if (!in)
		return;
	pthread_mutex_lock(&in->lock);
	in->stop = 1;
	pthread_cond_signal(&in->cond);
	pthread_mutex_unlock(&in->lock);
	pthread_join(in->th, NULL);
	pthread_mutex_destroy(&in->lock);
	pthread_cond_destroy(&in->cond);
	close(in->held_fd);
	close(in->dfd);
	sodium_memzero(&in->res, sizeof(in->res));
	free(in);
	c->inbox = NULL;
}
