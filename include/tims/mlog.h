/*
 * mlog.h — a signed Merkle log kept in SQLite: the machinery shared by the
 * crossing log (tims/post.h) and the audit log (tims/audit.h).
 *
 * A log lives in one SQLite database (WAL, synchronous=FULL) next to the
 * owner's own tables:
 *
 *   <leaf table>        the owner's: one row per leaf, with at least
 *                         idx INTEGER PRIMARY KEY   the log index
 *                         entry BLOB NOT NULL       the leaf entry
 *                       (leaf hash = RFC 6962 SHA-256(0x00 || entry))
 *   PREFIXhashes        (id INTEGER PRIMARY KEY, hash BLOB NOT NULL): the
 *                       stored hashes of tims/tlog.h, keyed by stored index
 *   PREFIXcheckpoints   (size INTEGER PRIMARY KEY, issued_ms, note): every
 *                       checkpoint ever signed (C2SP tlog-checkpoint)
 *
 * plus a copy of the latest checkpoint in a file outside the database, so
 * that a database rolled back to an older copy is caught: a writer refuses
 * to open it, and verification names it. Triggers refuse UPDATE and DELETE
 * on the two log tables; the owner adds its own for its leaf table.
 *
 * What the owner does (see lib/post/append.c):
 *
 *   tims_mlog_begin(m)                       BEGIN IMMEDIATE
 *   tims_mlog_last(m, &n, ...)               the next index
 *   for each leaf: insert its row at idx n (the owner's statement), then
 *     tims_mlog_add(m, n, leaf)              its stored hashes
 *   if tims_mlog_due(m, ms): tims_mlog_issue(m, size)   a checkpoint, in
 *                                            the same transaction
 *   tims_mlog_commit(m, &committed)          COMMIT (fsync'd), then the
 *                                            outside copy of a new checkpoint
 *
 * so a batch of leaves, their hashes and a checkpoint cost one fsync.
 * A checkpoint is signed only for a tree at least as large as, and
 * consistent with, the latest one in the database and in the outside file.
 *
 * tims_mlog_verify recomputes the tree from the leaf entries and checks the
 * stored hashes, every checkpoint (signature, origin, size, root) and the
 * consistency of consecutive ones, and the outside file; the owner checks
 * each row's payload against its entry through a callback. Findings name
 * leaves with the owner's noun ("record 17: ...", "event 17: ...").
 *
 * The handle is not thread-safe. The library never prints: findings go to
 * the caller's callback.
 */
#ifndef TIMS_MLOG_H
#define TIMS_MLOG_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/note.h"
#include "tims/tlog.h"

#define TIMS_MLOG_PATH_MAX 4096
#define TIMS_MLOG_NAME_MAX 64    /* table names, nouns, file names */
#define TIMS_MLOG_MAX_ENTRY 65535 /* a leaf entry (2-byte length in bundles) */

/*
 * How a log is named and where it lives. Strings are copied by
 * tims_mlog_open (the signer is not: it must outlive the handle). Names
 * are used only in messages, except the table names: prefix and leaf_table
 * are letters, digits and '_' (checked), so the SQL built from them is
 * fixed once the config is.
 */
struct tims_mlog_config {
	const char *label;          /* messages start "LABEL/DB_NAME: ..." (a directory) */
	const char *db_path;        /* the SQLite file */
	const char *db_name;        /* "post.db" */
	const char *prefix;         /* of the log's tables: "" gives hashes, checkpoints */
	const char *leaf_table;     /* "records" */
	const char *noun;           /* "record": "record 17: ..." */
	const char *nouns;          /* "records" */
	const char *a_noun;         /* "a record" */
	const char *owner;          /* "post": "this post's", "the post published" */
	const char *verify_command; /* "tims log verify", named by a refusal */
	const char *schema;         /* the owner's tables and triggers, run once at creation */
	int schema_version;         /* PRAGMA user_version, set at creation, checked at open */
	const char *origin;         /* checkpoint origin */
	const char *checkpoint_path;/* the copy outside the database */
	const char *verifier_name;  /* "post.vkey" */
	const struct tims_verifier *verifier; /* checks checkpoints */
	const struct tims_signer *signer;     /* NULL: the log cannot sign */
};

struct tims_mlog;

enum tims_mlog_open_mode {
	TIMS_MLOG_OPEN = 0,   /* an existing database */
	TIMS_MLOG_CREATE = 1, /* a new one: the log's tables, then c->schema */
};

/*
 * Open (or create) the log. With a signer and TIMS_MLOG_OPEN, refuses
 * a database that SQLite finds damaged (TIMS_ERR_DB: integrity_check up to
 * 64 MiB, quick_check above, see mlog.c), and
 * (TIMS_ERR_TAMPER) one whose log is smaller than the checkpoint in the
 * outside file: it was rolled back, or its WAL was lost. A writer also
 * removes temporary copies of the checkpoint file left by a process that
 * died. TIMS_ERR_NOTFOUND if the database does not exist and mode is
 * TIMS_MLOG_OPEN.
 */
tims_rc tims_mlog_open(const struct tims_mlog_config *c,
		       enum tims_mlog_open_mode mode, struct tims_mlog **out,
		       struct tims_err *err);
void tims_mlog_free(struct tims_mlog *m);

/* The database, for the owner's own statements (valid while m lives). */
sqlite3 *tims_mlog_db(struct tims_mlog *m);

/*
 * An SQLite failure: "LABEL/DB_NAME: WHAT: sqlite message". TIMS_ERR_FULL
 * when the disk is full (SQLite rolled the transaction back: nothing was
 * stored, and writing may resume once there is space); TIMS_ERR_IO on an
 * I/O error or a damaged database, which also stops the handle writing
 * (tims_mlog_broken); TIMS_ERR_DB otherwise.
 */
tims_rc tims_mlog_db_err(struct tims_mlog *m, const char *what,
			 struct tims_err *err);

/*
 * NULL while the log may be written; else why it stopped: an I/O error
 * (EIO, a failed fsync of the database or the checkpoint file) or damage.
 * After a failed fsync the state on disk is unknown and a later fsync that
 * succeeds proves nothing, so every later write through this handle is
 * refused (TIMS_ERR_IO) until the process restarts and SQLite recovers the
 * database from what is really on disk.
 */
const char *tims_mlog_broken(const struct tims_mlog *m);

/* Step a statement that returns at most one row we ignore; reset it and
 * clear its bindings. TIMS_ERR_DB naming `what` on failure. */
tims_rc tims_mlog_step(struct tims_mlog *m, sqlite3_stmt *st, const char *what,
		       struct tims_err *err);

/* Wall clock and monotonic clock in milliseconds. */
int64_t tims_mlog_now_ms(void);
int64_t tims_mlog_mono_ms(void);

/* ---- writing ---- */

tims_rc tims_mlog_begin(struct tims_mlog *m, struct tims_err *err);
void tims_mlog_rollback(struct tims_mlog *m);

/*
 * COMMIT. *committed says whether it succeeded (if not, the caller rolls
 * back; after an I/O error the outcome is unknown and the handle stops,
 * see tims_mlog_broken). After a successful commit, a checkpoint issued in
 * the transaction is written to the outside file (a uniquely named
 * temporary file, fsync'd, renamed); if that fails, *committed is 1 and
 * the error is returned: the data is durable, and the file is written
 * again at the next commit.
 */
tims_rc tims_mlog_commit(struct tims_mlog *m, int *committed,
			 struct tims_err *err);

/*
 * The log size (the next index) and a copy of the last leaf entry (up to
 * cap bytes, *elen its full length; entry may be NULL). *size = 0 and
 * *elen = 0 for an empty log.
 */
tims_rc tims_mlog_last(struct tims_mlog *m, uint64_t *size, uint8_t *entry,
		       size_t cap, size_t *elen, struct tims_err *err);
tims_rc tims_mlog_size(struct tims_mlog *m, uint64_t *size,
		       struct tims_err *err);

/*
 * Inside a transaction: store the hashes that leaf n (0-based, the next
 * one: n equals the size before it) adds, reading earlier ones back.
 */
tims_rc tims_mlog_add(struct tims_mlog *m, uint64_t n, const tims_hash leaf,
		      struct tims_err *err);

/* The leaf hash of an entry (RFC 6962). */
void tims_mlog_leaf_hash(const void *entry, size_t len, tims_hash out);

/*
 * Rewrite the outside copy at most every interval_ms (0, the default: after
 * every commit that holds a new checkpoint). A checkpoint committed sooner
 * is kept and written by the first commit after the interval, by
 * tims_mlog_checkpoint, or by tims_mlog_free, whichever comes first: the
 * copy is never ahead of the database and lags it by about interval_ms at
 * most while the log is open, and it costs no fsync per commit when
 * commits are frequent.
 */
void tims_mlog_set_outside_interval(struct tims_mlog *m, int64_t interval_ms);

/* 1 when the last checkpoint written by this handle (or its opening) is
 * interval_ms old or more. */
int tims_mlog_due(const struct tims_mlog *m, int64_t interval_ms);

/*
 * Inside a transaction: sign a checkpoint of the first `size` leaves unless
 * the latest one already has that size (*issued = 0). Refuses (TIMS_ERR_TAMPER)
 * a tree smaller than, or inconsistent with, the latest checkpoint in the
 * database or in the outside file. The outside file is written by
 * tims_mlog_commit.
 *
 * TIMS_ERR_UNAVAILABLE when the signer's token is absent or refuses: nothing
 * was written, the transaction may still commit its leaves (an owner that
 * acknowledges records does: they wait for the next checkpoint, and no
 * unsigned one exists), and tims_mlog_due stays false for one interval so
 * appends do not knock on the token at every batch.
 */
tims_rc tims_mlog_issue(struct tims_mlog *m, uint64_t size, int *issued,
			struct tims_err *err);

/* 1 when the last signing attempt found the key's token unavailable, with
 * the reason (a CKR name, never a PIN) in why; 0 once a checkpoint is signed
 * again. Under the owner's lock, like every call on m. */
int tims_mlog_key_unavailable(const struct tims_mlog *m, char *why, size_t n);

/*
 * Inside a transaction: keep a checkpoint signed elsewhere by this log's
 * key (a mirror, or a log restored from one): its signature must verify
 * with the log's verifier, its origin be the log's, its size at most the
 * log's and its root the root of that many leaves, and it must not be
 * smaller than, or inconsistent with, the latest one held. Written to the
 * outside file by tims_mlog_commit like an issued one. A checkpoint already
 * held is not an error.
 */
tims_rc tims_mlog_adopt(struct tims_mlog *m, const char *note, size_t len,
			struct tims_err *err);

/* Sign a checkpoint of the whole log now in its own transaction, unless
 * the latest already covers it (*issued = 0). */
TIMS_MUST_USE tims_rc tims_mlog_checkpoint(struct tims_mlog *m, int *issued,
			     struct tims_err *err);

/* ---- reading ---- */

/* The latest checkpoint in the database (note initialised here; release
 * it). TIMS_ERR_NOTFOUND, named, if there is none. */
TIMS_MUST_USE tims_rc tims_mlog_latest_checkpoint(struct tims_mlog *m, struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err);

/* The outside copy (signature not checked); TIMS_ERR_NOTFOUND if missing.
 * note is initialised here; release it. */
tims_rc tims_mlog_read_outside(struct tims_mlog *m, struct tims_buf *note,
			       struct tims_checkpoint *cp,
			       struct tims_err *err);

/* A reader over the stored hashes (valid while m lives). */
void tims_mlog_reader(struct tims_mlog *m, struct tims_tlog_reader *r);

/* The leaf entry at index (up to cap bytes; *elen its length).
 * TIMS_ERR_NOTFOUND, "no NOUN N", past the log. */
tims_rc tims_mlog_entry(struct tims_mlog *m, uint64_t index, uint8_t *entry,
			size_t cap, size_t *elen, struct tims_err *err);

/*
 * c2sp.org/tlog-tiles from the stored hashes: the tile at level, index,
 * width (1..256) appended to out; TIMS_ERR_NOTFOUND if the log is not large
 * enough yet. The entry bundle at index: leaves index*256 .. +width-1, each
 * a 2-byte big-endian length and the entry.
 */
tims_rc tims_mlog_tile(struct tims_mlog *m, unsigned level, uint64_t index,
		       unsigned width, struct tims_buf *out,
		       struct tims_err *err);
tims_rc tims_mlog_entries(struct tims_mlog *m, uint64_t index, unsigned width,
			  struct tims_buf *out, struct tims_err *err);

/* ---- verification ---- */

struct tims_mlog_check; /* the verification in progress */

/* Report one finding (counted; handed to the caller's report function). */
void tims_mlog_report(struct tims_mlog_check *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The owner's check of one row of its leaf table. `row` is the current row
 * of the owner's query (column 0 idx, column 1 entry, the rest its own).
 * Report what differs with tims_mlog_report. Return 1 when the entry is
 * well-formed, so that the log then checks that its leaf is the one logged
 * at idx; 0 when the entry itself is malformed (already reported).
 */
typedef int (*tims_mlog_leaf_fn)(void *ctx, struct tims_mlog_check *v,
				 uint64_t idx, sqlite3_stmt *row);

struct tims_mlog_verify_stats {
	uint64_t leaves;       /* rows in the leaf table */
	uint64_t checkpoints;  /* checkpoints checked */
	uint64_t findings;
	uint64_t signed_size;  /* largest checkpoint size signed */
};

/*
 * Recompute everything inside one read transaction:
 *   1. each row of `sql` (the owner's SELECT over its leaf table, ORDER BY
 *      idx, columns idx, entry first): gaps, the owner's check, the leaf
 *      logged at its index (else moved or replaced);
 *   2. the stored hashes against the tree rebuilt from the entries;
 *   3. every checkpoint: signature, origin, size, root, consistency with
 *      the one before;
 *   4. the outside file: the same, and not beyond the database's;
 * after SQLite's own PRAGMA integrity_check over the whole file (a damaged
 * page or index is a finding, named as SQLite names it).
 * TIMS_OK when nothing was found, TIMS_ERR_TAMPER when something was,
 * another code when verification could not run.
 */
TIMS_MUST_USE tims_rc tims_mlog_verify(struct tims_mlog *m, const char *sql,
			 tims_mlog_leaf_fn check, void *check_ctx,
			 void (*report)(void *ctx, const char *finding),
			 void *report_ctx, struct tims_mlog_verify_stats *st,
			 struct tims_err *err);

/*
 * The log's keys from files: the verifier key (C2SP "NAME+HASH+KEY", one
 * line) and, if skey_path is not NULL, the signer key, which must be its
 * pair. The signer's secret stays in sodium_malloc'ed memory; release it
 * with tims_signer_release. `label` prefixes the pair error.
 */
tims_rc tims_mlog_load_keys(const char *label, const char *vkey_path,
			    const char *skey_path, struct tims_verifier *v,
			    struct tims_signer *s, struct tims_err *err);

#endif
