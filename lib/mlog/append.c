/*
 * append.c — growing a Merkle log: stored hashes, signed checkpoints, and
 * the transaction that makes both durable together.
 *
 * The owner's leaf rows, their stored hashes and (when due) a checkpoint go
 * into one transaction (BEGIN IMMEDIATE ... COMMIT, WAL, synchronous=FULL),
 * so a batch costs one fsync and nothing is acknowledged before COMMIT
 * returns. The copy of a new checkpoint outside the database is written
 * only after the commit: it must never get ahead of what is durable.
 *
 * Before signing, the new tree is proved consistent with the latest
 * checkpoint in the database and with the outside copy: a log never signs
 * a tree smaller than, or forking from, one it has published.
 */
#include <fcntl.h>
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

tims_rc tims_mlog_begin(struct tims_mlog *m, struct tims_err *err)
{
	if (m->broken)
		return tims_err_set(err, TIMS_ERR_IO, "%s: writing stopped after %s; "
				    "nothing more is written until a restart",
				    m->label, m->broken_why);
	tims_buf_reset(&m->pending);
	m->has_pending = 0;
	return mlog_exec(m, MS_BEGIN, "begin", err);
}

void tims_mlog_rollback(struct tims_mlog *m)
{
	mlog_exec(m, MS_ROLLBACK, "rollback", NULL);
	m->has_pending = 0;
}

tims_rc tims_mlog_add(struct tims_mlog *m, uint64_t n, const tims_hash leaf,
		      struct tims_err *err)
{
	tims_hash hashes[TIMS_TLOG_MAX_APPEND];
	struct tims_tlog_reader r;
	sqlite3_stmt *st = m->st[MS_INS_HASH];
	size_t count;
	uint64_t first;
	tims_rc rc;

	tims_mlog_reader(m, &r);
	if ((rc = tims_tlog_append_hashes(n, leaf, &r, hashes, &count, err)))
		return rc;
	first = tims_tlog_stored_index(0, n);
	for (size_t i = 0; i < count; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(first + i));
		sqlite3_bind_blob(st, 2, hashes[i], TIMS_HASH_BYTES,
				  SQLITE_STATIC);
		if ((rc = mlog_exec(m, MS_INS_HASH, "storing a hash", err)))
			return rc;
	}
	return TIMS_OK;
}

/* The checkpoint `prior` must be a prefix of the tree of `size` (root). */
static tims_rc check_prior(struct tims_mlog *m,
			   const struct tims_checkpoint *prior,
			   const char *where, uint64_t size,
			   const tims_hash root, struct tims_err *err)
{
	struct tims_tlog_reader r;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t len;
	tims_rc rc;

	if (prior->size > size)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "refusing to sign size %" PRIu64 ": %s already "
				    "signs size %" PRIu64 " (log rolled back?)",
				    size, where, prior->size);
	tims_mlog_reader(m, &r);
	rc = tims_tlog_prove_consistency(prior->size, size, &r, proof, &len, err);
	if (!rc)
		rc = tims_tlog_verify_consistency(prior->size, size, prior->root,
						  root, proof, len, err);
	if (rc)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "refusing to sign size %" PRIu64 ": not consistent "
				    "with %s of size %" PRIu64 " (stored hashes altered?)",
				    size, where, prior->size);
	return TIMS_OK;
}

/* The latest checkpoint in the database: TIMS_ERR_NOTFOUND if none. */
static tims_rc latest_in_db(struct tims_mlog *m, struct tims_buf *note,
			    struct tims_checkpoint *cp, struct tims_err *err)
{
	sqlite3_stmt *st = m->st[MS_LATEST_CP];
	int rc = sqlite3_step(st);
	tims_rc r;

	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return TIMS_ERR_NOTFOUND;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return tims_mlog_db_err(m, "reading the latest checkpoint", err);
	}
	r = tims_buf_add(note, sqlite3_column_text(st, 1),
			 (size_t)sqlite3_column_bytes(st, 1));
	sqlite3_reset(st);
	if (r)
		return tims_err_set(err, r, "checkpoint: too large");
	return mlog_parse_note(note->buf, note->len, cp, err);
}

tims_rc tims_mlog_latest_checkpoint(struct tims_mlog *m, struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err)
{
	tims_rc rc;

	tims_buf_init(note, TIMS_NOTE_MAX_BYTES);
	rc = latest_in_db(m, note, cp, err);
	if (rc == TIMS_ERR_NOTFOUND)
		tims_err_set(err, rc, "%s: no checkpoint yet", m->label);
	return rc;
}

tims_rc tims_mlog_issue(struct tims_mlog *m, uint64_t size, int *issued,
			struct tims_err *err)
{
	struct tims_buf prev = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_buf body = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp, prior;
	struct tims_tlog_reader r;
	sqlite3_stmt *st = m->st[MS_INS_CP];
	char where[TIMS_MLOG_NAME_MAX + 32];
	tims_rc rc;

	*issued = 0;
	if (!m->signer)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "%s opened without its key", m->owner);
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", m->origin);
	cp.size = size;
	tims_mlog_reader(m, &r);
	if ((rc = tims_tlog_tree_hash(size, &r, cp.root, err)))
		goto out;
	rc = latest_in_db(m, &prev, &prior, err);
	if (rc == TIMS_OK) {
		snprintf(where, sizeof(where), "the latest checkpoint in %s",
			 m->db_name);
		if ((rc = check_prior(m, &prior, where, size, cp.root, err)))
			goto out;
		if (prior.size == size)
			goto out; /* already signed */
	} else if (rc != TIMS_ERR_NOTFOUND) {
		goto out;
	}
	tims_buf_release(&prev);
	rc = tims_mlog_read_outside(m, &prev, &prior, err);
	if (rc == TIMS_OK) {
		if ((rc = check_prior(m, &prior, "the checkpoint file", size,
				      cp.root, err)))
			goto out;
	} else if (rc != TIMS_ERR_NOTFOUND) {
		goto out;
	}
	tims_buf_reset(&m->pending);
	if ((rc = tims_checkpoint_format(&cp, &body)))
		goto out;
	rc = tims_note_sign(body.buf, body.len, m->signer, 1, &m->pending, err);
	if (rc == TIMS_ERR_UNAVAILABLE) {
		/* the token is away: try again after an interval, not at once */
		m->key_unavailable = 1;
		snprintf(m->key_why, sizeof(m->key_why), "%s",
			 err && err->msg[0] ? err->msg : tims_strerror(rc));
		m->last_cp_mono = tims_mlog_mono_ms();
	}
	if (rc)
		goto out;
	m->key_unavailable = 0;
	m->key_why[0] = '\0';
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	sqlite3_bind_text(st, 3, m->pending.buf, (int)m->pending.len,
			  SQLITE_STATIC);
	if ((rc = mlog_exec(m, MS_INS_CP, "storing a checkpoint", err)))
		goto out;
	m->has_pending = 1;
	*issued = 1;
out:
	tims_buf_release(&prev);
	tims_buf_release(&body);
	return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
}

/* A failed write of the outside copy: why, and whether writing stops. */
static tims_rc outside_fail(struct tims_mlog *m, const char *what,
			    const char *path, int e, int fatal,
			    struct tims_err *err)
{
	if (fatal) {
		mlog_break(m, "%s: %s: %s", path, what, strerror(e));
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s: %s", path, what,
				    strerror(e));
	}
	return tims_err_set(err, e == ENOSPC || e == EDQUOT ? TIMS_ERR_FULL
							  : TIMS_ERR_IO,
			    "%s: %s: %s", path, what, strerror(e));
}

/*
 * The copy of the latest checkpoint outside the database: a temporary file
 * under a name no other write uses (PID and random, created O_EXCL, so a
 * leftover of a crashed process is never in the way nor written through),
 * fsync'd, renamed over the copy, the directory fsync'd. A failed fsync
 * stops the log (see tims_mlog_db_err): it is never retried as if nothing
 * happened.
 */
static tims_rc write_outside(struct tims_mlog *m, const char *data, size_t len,
			     struct tims_err *err)
{
	char tmp[TIMS_MLOG_PATH_MAX + 40], dir[TIMS_MLOG_PATH_MAX];
	const char *slash;
	int fd = -1, e;

	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		uint32_t r = randombytes_random();

		if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%08" PRIx32,
			     m->checkpoint_path, (long)getpid(), r) >= (int)sizeof(tmp))
			return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long",
					    m->checkpoint_path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return outside_fail(m, "create", tmp, errno, 0, err);
	}
	if (fd < 0)
		return outside_fail(m, "create", tmp, EEXIST, 0, err);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(fd);
			unlink(tmp);
			return outside_fail(m, "write", tmp, e, 0, err);
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		return outside_fail(m, "fsync", tmp, e, 1, err);
	}
	close(fd);
	if (rename(tmp, m->checkpoint_path) < 0) {
		e = errno;
		unlink(tmp);
		return outside_fail(m, "rename", m->checkpoint_path, e, 0, err);
	}
	slash = strrchr(m->checkpoint_path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - m->checkpoint_path) : 1,
		 slash ? m->checkpoint_path : ".");
	if ((fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return outside_fail(m, "open", dir, errno, 0, err);
	if (fsync(fd) < 0) {
		e = errno;
		close(fd);
		return outside_fail(m, "fsync", dir, e, 1, err);
	}
	close(fd);
	return TIMS_OK;
}

/* Write a committed note outside; if that fails, keep it to write again
 * at the next commit (the timer's checkpoint, at the latest). */
static tims_rc flush_outside(struct tims_mlog *m, const struct tims_buf *note,
			     struct tims_err *err)
{
	tims_rc rc = write_outside(m, note->buf, note->len, err);

	if (!rc) {
		m->outside_stale = 0;
		m->last_cp_mono = m->outside_mono = tims_mlog_mono_ms();
	} else if (note != &m->stale) {
		tims_buf_reset(&m->stale);
		if (!tims_buf_add(&m->stale, note->buf, note->len))
			m->outside_stale = 1;
	}
	return rc;
}

void tims_mlog_set_outside_interval(struct tims_mlog *m, int64_t interval_ms)
{
	m->outside_every_ms = interval_ms > 0 ? interval_ms : 0;
}

/* The outside copy was rewritten less than outside_every_ms ago. */
static int outside_recent(const struct tims_mlog *m)
{
	return m->outside_every_ms &&
	       tims_mlog_mono_ms() - m->outside_mono < m->outside_every_ms;
}

static tims_rc commit(struct tims_mlog *m, int *committed, int force,
		      struct tims_err *err)
{
	tims_rc rc;

	*committed = 0;
	if ((rc = mlog_exec(m, MS_COMMIT, "commit", err)))
		return rc;
	*committed = 1;
	if (!m->has_pending && !m->outside_stale)
		return TIMS_OK;
	if (m->broken)
		return tims_err_set(err, TIMS_ERR_IO, "%s: writing stopped after %s",
				    m->label, m->broken_why);
	if (m->has_pending) {
		m->has_pending = 0;
		/* Deferred: kept as the copy to write at a later commit. */
		if (!force && outside_recent(m)) {
			tims_buf_reset(&m->stale);
			if (!tims_buf_add(&m->stale, m->pending.buf, m->pending.len)) {
				m->outside_stale = 1;
				m->last_cp_mono = tims_mlog_mono_ms();
				return TIMS_OK;
			}
		}
		return flush_outside(m, &m->pending, err);
	}
	if (!force && outside_recent(m))
		return TIMS_OK;
	return flush_outside(m, &m->stale, err);
}

tims_rc tims_mlog_commit(struct tims_mlog *m, int *committed,
			 struct tims_err *err)
{
	return commit(m, committed, 0, err);
}

tims_rc tims_mlog_checkpoint(struct tims_mlog *m, int *issued,
			     struct tims_err *err)
{
	uint64_t size;
	int committed;
	tims_rc rc;

	*issued = 0;
	if ((rc = tims_mlog_begin(m, err)))
		return rc;
	if ((rc = tims_mlog_size(m, &size, err)) ||
	    (rc = tims_mlog_issue(m, size, issued, err))) {
		tims_mlog_rollback(m);
		*issued = 0;
		return rc;
	}
	rc = commit(m, &committed, 1, err);
	if (!committed) {
		tims_mlog_rollback(m);
		*issued = 0;
	}
	return rc;
}

int tims_mlog_key_unavailable(const struct tims_mlog *m, char *why, size_t n)
{
	if (n)
		snprintf(why, n, "%s", m->key_unavailable ? m->key_why : "");
	return m->key_unavailable;
}

void mlog_flush_deferred(struct tims_mlog *m)
{
	if (m->outside_stale && !m->broken)
		flush_outside(m, &m->stale, NULL);
}

tims_rc tims_mlog_adopt(struct tims_mlog *m, const char *note, size_t len,
			struct tims_err *err)
{
	struct tims_buf prev = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp, prior;
	struct tims_tlog_reader r;
	struct tims_note *n = malloc(sizeof(*n));
	sqlite3_stmt *st = m->st[MS_INS_CP];
	char where[TIMS_MLOG_NAME_MAX + 32];
	tims_hash root;
	uint64_t size;
	int outside_newer;
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_note_verify(note, len, &m->verifier, 1, n, err)) ||
	    (rc = tims_checkpoint_parse(n->text, n->textlen, &cp, err)))
		goto out;
	if (!(n->verified_mask & 1)) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "checkpoint: not signed by %s", m->verifier_name);
		goto out;
	}
	if (strcmp(cp.origin, m->origin) != 0) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "checkpoint: origin \"%s\", this log is \"%s\"",
				  cp.origin, m->origin);
		goto out;
	}
	if ((rc = tims_mlog_size(m, &size, err)))
		goto out;
	if (cp.size > size) {
		rc = tims_err_set(err, TIMS_ERR_STATE,
				  "checkpoint of size %" PRIu64 ": the log holds %"
				  PRIu64 " %s", cp.size, size, m->nouns);
		goto out;
	}
	tims_mlog_reader(m, &r);
	if ((rc = tims_tlog_tree_hash(cp.size, &r, root, err)))
		goto out;
	if (sodium_memcmp(root, cp.root, TIMS_HASH_BYTES) != 0) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER,
				  "checkpoint of size %" PRIu64 ": its root is not "
				  "the root of the %s held", cp.size, m->nouns);
		goto out;
	}
	rc = latest_in_db(m, &prev, &prior, err);
	if (rc == TIMS_OK) {
		snprintf(where, sizeof(where), "the latest checkpoint in %s",
			 m->db_name);
		if ((rc = check_prior(m, &prior, where, cp.size, cp.root, err)))
			goto out;
		if (prior.size == cp.size)
			goto out; /* already held */
	} else if (rc != TIMS_ERR_NOTFOUND) {
		goto out;
	}
	/* The outside copy is what the owner published. An adopted checkpoint
	 * older than it (a restore from a centre that holds less) is stored
	 * but never overwrites it: the log then refuses to open for writing
	 * and says how much is missing. */
	tims_buf_release(&prev); /* tims_read_file initialises it anew */
	rc = tims_mlog_read_outside(m, &prev, &prior, NULL);
	outside_newer = rc == TIMS_OK && prior.size > cp.size;
	tims_buf_reset(&m->pending);
	if ((rc = tims_buf_add(&m->pending, note, len))) {
		rc = tims_err_set(err, rc, "checkpoint: too large");
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)cp.size);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	sqlite3_bind_text(st, 3, m->pending.buf, (int)m->pending.len,
			  SQLITE_STATIC);
	if ((rc = mlog_exec(m, MS_INS_CP, "storing a checkpoint", err)))
		goto out;
	m->has_pending = !outside_newer;
out:
	free(n);
	tims_buf_release(&prev);
	return rc == TIMS_ERR_NOTFOUND ? TIMS_OK : rc;
}
