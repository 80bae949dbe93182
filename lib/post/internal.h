/*
 * internal.h — the post handle and helpers shared by the lib/post sources only.
 *
 * The log machinery (stored hashes, checkpoints, the outside checkpoint
 * file, verification of the tree) is lib/mlog's; a post adds what is
 * specific to crossings: the records table, its lookups and idempotent
 * retries, the salted record commitment, and the config and keys of a post
 * directory. post.c opens and creates posts; append.c stores records;
 * verify.c checks each record against its leaf entry; query.c reads records
 * back (history, get, erase, tiles).
 */
#ifndef TIMS_POST_INTERNAL_H
#define TIMS_POST_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "tims/mlog.h"
#include "tims/national.h"
#include "tims/note.h"
#include "tims/post.h"
#include "tims/vault.h"

#define POST_PATH_MAX 4096

enum post_stmt {
	ST_BY_REF,      /* idx, body, entry by ref */
	ST_INS_REC,     /* idx, ref, doc, nat, salt, body, entry */
	ST_GET_REC,     /* salt, body, entry by idx */
	ST_HISTORY,     /* idx, body by doc */
	ST_CORRECTED_BY,/* the latest record correcting idx */
	ST_ERASE,       /* clear payload by idx */
	ST_UNINDEXED,   /* idx, body of rows still without their blind index */
	ST_SET_DOC,     /* the late blind index of idx */
	ST_NAMES_SET,   /* idx, dob, skel: a record's name search keys */
	ST_NAMES_OWE,   /* idx: its keys to be made later */
	ST_NAMES_PENDING, /* idx, body of records whose keys are owed */
	ST_NAMES_DONE,  /* idx: no longer owed */
	ST_BY_DOB,      /* idx, body by the birth date's blind index */
	ST_BY_SKEL,     /* idx, body by 16 surname keys (search.c) */
	ST_COUNT
};

/* The audit events owed for records (tims_post_register), writers only. */
enum post_owed_stmt {
	OW_INS,         /* idx, event */
	OW_DEL,         /* by idx */
	OW_LIST,        /* idx, event in order */
	OW_COUNT
};

#define POST_SETTLED_MAX 64

/* A caller of tims_post_register waiting for its group's commit (append.c). */
struct post_waiter;

struct tims_post {
	char dir[POST_PATH_MAX];
	char origin[TIMS_NOTE_MAX_NAME + 1];
	char name[TIMS_NOTE_MAX_NAME + 1];
	char kind[16];
	struct tims_mlog *log;  /* post.db: records, hashes, checkpoints */
	struct tims_vault *vault; /* DIR's vault: sealed bodies, blind indexes */
	sqlite3 *db;            /* the log's database */
	sqlite3_stmt *st[ST_COUNT];
	struct tims_verifier verifier;
	struct tims_signer signer;
	int has_signer;
	sqlite3_stmt *owed[OW_COUNT];          /* writers only */
	uint64_t settled[POST_SETTLED_MAX];    /* owed rows to delete */
	size_t nsettled;
	struct tims_national *national;        /* national.db, opened on first use (travel.c),
						  used under nmu */
	pthread_mutex_t nmu;
	int halted;                            /* DIR/halted exists */
	char halt_why[TIMS_ERR_MSG_BYTES];
	/*
	 * Threads: every public function that reads or writes the handle
	 * holds mu (recursive: a callback may call back in), so the
	 * connection (opened SQLITE_OPEN_NOMUTEX) is used by one thread at a
	 * time and no reader sees a transaction that is still open. The group
	 * commit of tims_post_register has its own lock, gmu: the queue of
	 * waiting registrations and whether a leader is committing a group.
	 */
	pthread_mutex_t mu;
	/*
	 * Readers that must not wait for a group's fsync (the answer to a
	 * booth: the latest checkpoint, the proof's hashes, the log size, the
	 * owed events) read through rlog, a second connection to post.db
	 * (WAL: it sees what is committed, never an open transaction), under
	 * rmu. smu guards the small state those readers and the writers share:
	 * the settled owed events, the halt and the I/O stop.
	 */
	struct tims_mlog *rlog;                /* writers only; NULL: use log */
	sqlite3_stmt *rowed_list;              /* OW_LIST on rlog */
	pthread_mutex_t rmu;
	pthread_mutex_t smu;
	char broken_why[TIMS_ERR_MSG_BYTES];   /* the log's I/O stop, under smu */
	int broken;
	/* the clock as registrations saw it (append.c, clock_watch), under smu */
	int64_t clk_wall, clk_mono;            /* at the last registration */
	struct tims_post_clock clk;
	pthread_mutex_t gmu;
	pthread_cond_t gcond;
	struct post_waiter *queue;             /* oldest first */
	struct post_waiter **queue_tail;
	int leading;                           /* a group is being committed */
	size_t waiting;                        /* in the queue */
	uint64_t groups, grouped;              /* groups formed, their members */
};

/* Take and release p->mu (recursive). */
void post_lock(const struct tims_post *p);
void post_unlock(const struct tims_post *p);

/* After a write through p->log (p->mu held): keep its I/O stop, if any,
 * where tims_post_halted reads it without waiting for p->mu. */
void post_note_broken(struct tims_post *p);

/* Read DIR/halted into p (halted stays 0 when there is none). */
tims_rc post_read_halt(struct tims_post *p, struct tims_err *err);

/* "DIR/name" into out (POST_PATH_MAX). */
tims_rc post_path(const struct tims_post *p, const char *name, char *out,
		  struct tims_err *err);

/* An SQLite failure as TIMS_ERR_DB, naming what was being done. */
tims_rc post_db_err(struct tims_post *p, const char *what,
		    struct tims_err *err);

/* Run a statement that returns no row; resets it. */
tims_rc post_exec(struct tims_post *p, enum post_stmt s, const char *what,
		  struct tims_err *err);

/*
 * Sealed payloads (docs/formats.md, "post.db"). A record's body is sealed
 * under the month of its post time with associated data "post.records/IDX";
 * its document number is found through the blind index "doc" (the number,
 * as printed). post_open_body appends the canonical record to out
 * (TIMS_ERR_UNAVAILABLE while the token is unavailable, naming the record).
 */
tims_rc post_seal_body(struct tims_post *p, uint64_t idx, int64_t time_ms,
		       const void *enc, size_t len, struct tims_buf *out,
		       struct tims_err *err);
tims_rc post_open_body(struct tims_post *p, uint64_t idx, const void *blob,
		       size_t len, struct tims_buf *out, struct tims_err *err);
/* The blind index of a document number; TIMS_ERR_UNAVAILABLE without the token. */
tims_rc post_doc_index(struct tims_post *p, const char *doc,
		       char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err);
/* A stored record's name search keys (NAMES_SCHEMA in post.c), inside
 * the caller's transaction; owed (names_pending) while the token is
 * unavailable. The blind indexes of a birth date and of a surname's search
 * key are post_name_index's, under the domains "dob" and "skel". */
tims_rc post_names_store(struct tims_post *p, uint64_t idx, const struct tims_record *rec,
			 struct tims_err *err);
tims_rc post_name_index(struct tims_post *p, const char *domain, const char *value,
			char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err);
/* The name keys owed, at most max records in one transaction (p->mu held);
 * *more: some are still owed. TIMS_ERR_UNAVAILABLE without the token. */
tims_rc post_names_owed(struct tims_post *p, size_t max, int *more, struct tims_err *err);
/* Index the rows registered while the token was unavailable (p->mu held;
 * their own transaction). TIMS_ERR_UNAVAILABLE while it still is. */
tims_rc post_index_pending(struct tims_post *p, struct tims_err *err);

/* Current log size and the time of its last record (0 if empty). */
tims_rc post_last(struct tims_post *p, uint64_t *size, int64_t *last_ms,
		  struct tims_err *err);

#endif
