/*
 * internal.h — the audit handle, shared by the lib/audit sources only.
 *
 * The log machinery is lib/mlog's (include/tims/mlog.h); the audit log adds
 * the events table, the event encoding (event.c) and its checks against
 * each leaf entry (verify.c). audit.c opens, appends, lists and erases.
 */
#ifndef TIMS_AUDIT_INTERNAL_H
#define TIMS_AUDIT_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "tims/audit.h"
#include "tims/mlog.h"
#include "tims/vault.h"

enum audit_stmt {
	AS_INSERT,  /* idx, salt, body, entry */
	AS_LIST,    /* idx, body, entry from idx, limit */
	AS_ERASE,   /* clear salt and body by idx */
	AS_KEY_GET, /* idx by key */
	AS_KEY_INS, /* key, idx */
	AS_COUNT
};

struct tims_audit {
	char dir[TIMS_MLOG_PATH_MAX];
	char origin[TIMS_NOTE_MAX_NAME + 1];  /* "<post origin>/audit" */
	struct tims_mlog *log;                /* audit.db */
	sqlite3_stmt *st[AS_COUNT];
	char vkey_file[32], skey_file[32];    /* "post.vkey", "post.skey" */
	struct tims_verifier verifier;        /* post.vkey */
	struct tims_signer signer;            /* post.skey, WRITE only */
	int has_signer;
	struct tims_buf enc;                  /* one event's encoding */
	struct tims_buf sealed;               /* ... and sealed */
	struct tims_vault *vault;             /* DIR's vault: events are sealed */
	/*
	 * Threads: every public function that uses the log holds mu
	 * (recursive: a listing's callback may call back in). Group commit
	 * (tims_audit_append_group) has its own lock, gmu: the queue of
	 * waiting events and whether a leader is committing a group.
	 */
	pthread_mutex_t mu;
	pthread_mutex_t gmu;
	pthread_cond_t gcond;
	struct audit_waiter *queue;           /* oldest first */
	struct audit_waiter **queue_tail;
	int leading;                          /* a group is being committed */
	uint64_t groups, grouped;             /* groups formed, their members */
	/* the record that the log was published (published.c): in
	 * DIR/marker_db, written at most once a second under mmu */
	char marker_db[16];                   /* "post.db", "centre.db" */
	pthread_mutex_t mmu;
	int64_t marked_ms;
	int marked;
	uint64_t marked_size;
	int (*marker_stopped)(void *);        /* tims_audit_set_marker_guard */
	void *marker_ctx;
};

/* The row of DIR/<post.db|centre.db>'s audit_published (published.c). */
struct audit_published {
	int have;
	char origin[TIMS_NOTE_MAX_NAME + 1];
	uint64_t size;
	tims_hash root;
	int64_t updated_ms;
};
/* Where a node records its published audit log: a post's (no origin given,
 * or key "post") in post.db, the centre's in centre.db. */
const char *audit_marker_file(const char *origin, const char *key);
tims_rc audit_published_read(const char *dir, const char *db_file,
			     struct audit_published *p, struct tims_err *err);
/* replace: a reset (the new log's record, smaller); else only ever grows.
 * busy_ms: how long to wait for the node's database when another connection
 * writes it (0: not at all — the record after an append is skipped then and
 * written at the next, since a caller may be appending inside a transaction
 * of that very database). */
tims_rc audit_published_write(const char *dir, const char *db_file, const char *origin,
			      uint64_t size, const tims_hash root, int replace,
			      int busy_ms, struct tims_err *err);
/* Before opening for writing: refuse if audit.db (db_path) is missing while
 * a publication is recorded; *p is the record. */
tims_rc audit_published_precheck(struct tims_audit *a, const char *db_path,
				 struct audit_published *p, struct tims_err *err);
/* After opening: the log holds at least the recorded size, with its root. */
tims_rc audit_published_check(struct tims_audit *a, const struct audit_published *p,
			      struct tims_err *err);
/* Record the latest checkpoint (at most once a second unless force). */
tims_rc audit_mark(struct tims_audit *a, int force, struct tims_err *err);

/* An event's stored body (sealed, "audit.events/IDX") opened into out. */
tims_rc audit_open_body(struct tims_audit *a, uint64_t idx, const void *blob, size_t len,
			struct tims_buf *out, struct tims_err *err);

/* Take and release a->mu. */
void audit_lock(struct tims_audit *a);
void audit_unlock(struct tims_audit *a);

/* Encode an event already checked by tims_audit_event_check. */
tims_rc audit_encode_checked(const struct tims_audit_event *ev,
			     struct tims_buf *out, struct tims_err *err);

/* The time in a well-formed audit leaf entry; INT64_MIN if it is not one
 * (wrong length, version or kind). */
int64_t audit_entry_time(const uint8_t *entry, size_t len);

#endif
