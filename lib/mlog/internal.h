/*
 * internal.h — the Merkle log handle, shared by the lib/mlog sources only.
 *
 * mlog.c opens and creates the database (schema, statements, rollback
 * check) and reads it back (size, entries, tiles, keys); append.c stores
 * hashes and signs checkpoints; verify.c recomputes and compares.
 */
#ifndef TIMS_MLOG_INTERNAL_H
#define TIMS_MLOG_INTERNAL_H

#include "tims/mlog.h"

enum mlog_stmt {
	MS_BEGIN, MS_COMMIT, MS_ROLLBACK,
	MS_LAST,        /* idx, entry of the last leaf */
	MS_INS_HASH,    /* id, hash */
	MS_GET_HASH,    /* hash by id */
	MS_INS_CP,      /* size, issued_ms, note */
	MS_LATEST_CP,   /* size, note of the largest checkpoint */
	MS_GET_ENTRY,   /* entry by idx */
	MS_COUNT
};

struct tims_mlog {
	char label[TIMS_MLOG_PATH_MAX];
	char db_path[TIMS_MLOG_PATH_MAX];
	char checkpoint_path[TIMS_MLOG_PATH_MAX];
	char db_name[TIMS_MLOG_NAME_MAX];
	char prefix[TIMS_MLOG_NAME_MAX];
	char leaf_table[TIMS_MLOG_NAME_MAX];
	char noun[TIMS_MLOG_NAME_MAX];
	char nouns[TIMS_MLOG_NAME_MAX];
	char a_noun[TIMS_MLOG_NAME_MAX];
	char owner[TIMS_MLOG_NAME_MAX];
	char verify_command[TIMS_MLOG_NAME_MAX];
	char verifier_name[TIMS_MLOG_NAME_MAX];
	char origin[TIMS_NOTE_MAX_NAME + 1];
	int schema_version;
	struct tims_verifier verifier;
	const struct tims_signer *signer;
	sqlite3 *db;
	sqlite3_stmt *st[MS_COUNT];
	int64_t last_cp_mono;     /* monotonic ms of the last checkpoint written */
	struct tims_buf pending;  /* a note signed in the open transaction */
	int has_pending;
	int outside_stale;        /* the outside copy could not be rewritten, or
				     its rewrite was deferred: */
	struct tims_buf stale;    /* the committed note to write again */
	int64_t outside_every_ms; /* rewrite the outside copy at most this often
				     (0: after every commit with a new note) */
	int64_t outside_mono;     /* monotonic ms of its last rewrite */
	int broken;               /* an I/O error or damage: nothing more is
				     written through this handle */
	char broken_why[TIMS_ERR_MSG_BYTES];
	int key_unavailable;      /* the last signing found the key's token
				     absent or refusing (TIMS_ERR_UNAVAILABLE) */
	char key_why[TIMS_ERR_MSG_BYTES];
};

/* Stop writing through m (the first reason is kept). */
void mlog_break(struct tims_mlog *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* PRAGMA quick_check (full = 0) or integrity_check (full = 1): each problem
 * SQLite names goes to fn (at most 100). The number of problems, or -1 if
 * the check could not run (err set). */
long mlog_integrity(struct tims_mlog *m, int full,
		    void (*fn)(void *ctx, const char *problem), void *ctx,
		    struct tims_err *err);

/* Write a deferred outside copy now (tims_mlog_free; errors ignored: the
 * next writer's open compares the database with the copy it finds). */
void mlog_flush_deferred(struct tims_mlog *m);

/* Run one of the log's statements that returns no row we need. */
tims_rc mlog_exec(struct tims_mlog *m, enum mlog_stmt s, const char *what,
		  struct tims_err *err);

/* Parse a stored checkpoint note (signature not checked). */
tims_rc mlog_parse_note(const char *note, size_t len,
			struct tims_checkpoint *cp, struct tims_err *err);

#endif
