/*
 * internal.h — the post handle and helpers shared by the lib/post sources only.
 *
 * post.c opens and creates posts (directory, config, schema, keys);
 * append.c stores records and issues checkpoints; verify.c recomputes and
 * compares; query.c reads records back (history, get, erase, tiles).
 */
#ifndef TIMS_POST_INTERNAL_H
#define TIMS_POST_INTERNAL_H

#include <sqlite3.h>

#include "tims/note.h"
#include "tims/post.h"

#define POST_PATH_MAX 4096

enum post_stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_LAST,        /* idx, entry of the last record */
	ST_BY_REF,      /* idx, body, entry by ref */
	ST_INS_REC,     /* idx, ref, doc, nat, salt, body, entry */
	ST_INS_HASH,    /* id, hash */
	ST_GET_HASH,    /* hash by id */
	ST_INS_CP,      /* size, issued_ms, note */
	ST_LATEST_CP,   /* size, note of the largest checkpoint */
	ST_GET_REC,     /* salt, body, entry by idx */
	ST_HISTORY,     /* idx, body by doc */
	ST_CORRECTED_BY,/* the latest record correcting idx */
	ST_ERASE,       /* clear payload by idx */
	ST_COUNT
};

struct tims_post {
	char dir[POST_PATH_MAX];
	char origin[TIMS_NOTE_MAX_NAME + 1];
	char name[TIMS_NOTE_MAX_NAME + 1];
	char kind[16];
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct tims_verifier verifier;
	struct tims_signer signer;
	int has_signer;
	int64_t last_cp_mono;   /* monotonic ms of the last checkpoint */
};

/* "DIR/name" into out (POST_PATH_MAX). */
tims_rc post_path(const struct tims_post *p, const char *name, char *out,
		  struct tims_err *err);

/* An SQLite failure as TIMS_ERR_DB, naming what was being done. */
tims_rc post_db_err(struct tims_post *p, const char *what,
		    struct tims_err *err);

/* Run a statement that returns no row; resets it. */
tims_rc post_exec(struct tims_post *p, enum post_stmt s, const char *what,
		  struct tims_err *err);

/* Parse a stored checkpoint note (signature not checked). */
tims_rc post_parse_note(const char *note, size_t len,
			struct tims_checkpoint *cp, struct tims_err *err);

/* The checkpoint kept outside post.db; TIMS_ERR_NOTFOUND if none. */
tims_rc post_read_outside(struct tims_post *p, struct tims_buf *note,
			  struct tims_checkpoint *cp, struct tims_err *err);

/* Wall clock and monotonic clock in milliseconds. */
int64_t post_now_ms(void);
int64_t post_mono_ms(void);

/* Current log size and the time of its last record (0 if empty). */
tims_rc post_last(struct tims_post *p, uint64_t *size, int64_t *last_ms,
		  struct tims_err *err);

#endif
