/*
 * audit.h — the audit trail of a node: every read or write of personal data
 * (G5), in a signed Merkle log of its own.
 *
 * Each request that touches personal data appends one event before its
 * answer leaves the node: who (officer, role, booth, address), when, why
 * (a stated purpose, or the crossing it serves), what was asked and what was
 * returned. The events form an append-only Merkle log (RFC 6962, the same
 * machinery as the crossing log) in DIR/audit.db, with C2SP checkpoints
 * signed by the node's key under the origin "<node origin>/audit". Nobody
 * can edit it through TIMS; an edit behind its back fails tims_audit_verify.
 *
 * Events carry personal data (the query and the answer), so a leaf commits
 * to its event through a salted hash, like a crossing record: retention can
 * erase an event's payload and keep the log verifiable.
 */
#ifndef TIMS_AUDIT_H
#define TIMS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/note.h"

#define TIMS_AUDIT_TEXT_MAX 65536 /* query and result, each */
#define TIMS_AUDIT_VERSION 1      /* of the event encoding and leaf entry */
#define TIMS_AUDIT_KIND 2         /* leaf entry kind (1 is a crossing) */
#define TIMS_AUDIT_SALT_BYTES 32
#define TIMS_AUDIT_ENTRY_BYTES 42 /* 1 + 1 + 8 + 32, like a crossing's */
#define TIMS_AUDIT_MAX_BYTES (2 * TIMS_AUDIT_TEXT_MAX + 1024) /* an encoded event */
#define TIMS_AUDIT_CHECKPOINT_MS 1000 /* appends sign one this often */

struct tims_audit_event {
	int64_t time_ms;      /* set by tims_audit_append from the node's clock */
	char actor[65];       /* officer id, peer origin, or "-" */
	char role[16];        /* officer, supervisor, analyst, auditor, admin, peer */
	char booth[32];
	char addr[64];        /* client address */
	char action[64];      /* "check", "crossing", "history", "login", ... */
	char purpose[256];    /* stated purpose, or "" when a crossing is given */
	int64_t crossing;     /* log index of the crossing it serves, or -1 */
	int status;           /* HTTP status answered */
	const char *query;    /* JSON text: what was asked (may be NULL) */
	size_t query_len;
	const char *result;   /* JSON text: what was returned (may be NULL) */
	size_t result_len;
};

struct tims_audit;

enum tims_audit_mode { TIMS_AUDIT_READ = 0, TIMS_AUDIT_WRITE = 1 };

/*
 * Open the audit log of the node in dir (a post directory: its key is
 * post.skey, its origin from its config). Creates audit.db on first write
 * open. A handle may be used by several threads: each call holds the
 * handle's lock (a transaction is never shared with another thread's).
 */
tims_rc tims_audit_open(const char *dir, enum tims_audit_mode mode,
			struct tims_audit **out, struct tims_err *err);
/*
 * The same for a node that is not a post (the centre): the checkpoints are
 * signed under `origin` with the key in DIR/KEY.skey, verified with
 * DIR/KEY.vkey.
 */
tims_rc tims_audit_open_keyed(const char *dir, const char *origin, const char *key,
			      enum tims_audit_mode mode, struct tims_audit **out,
			      struct tims_err *err);
void tims_audit_free(struct tims_audit *a);

/*
 * Append one event durably (fsync'd) and return its index. The event is
 * checked first (tims_audit_event_check: nothing is stored if it fails);
 * time_ms is set from the node's clock, never going back. Signs a
 * checkpoint in the same transaction when the last one this handle wrote
 * is TIMS_AUDIT_CHECKPOINT_MS old. If the commit succeeded but the
 * checkpoint file outside audit.db could not be rewritten, *index is set,
 * the event is stored, and that error is returned.
 */
TIMS_MUST_USE tims_rc tims_audit_append(struct tims_audit *a, struct tims_audit_event *ev,
			  uint64_t *index, struct tims_err *err);

/*
 * Append an event at most once under `key` (1..TIMS_AUDIT_KEY_MAX bytes,
 * stored in the event's own transaction): when an event was appended under
 * that key before, nothing is added, *index is that event's and *existed
 * is 1. The audit event a crossing owes (tims_post_register) goes in this
 * way, right after the record and again at the next start if the process
 * died in between: exactly once either way. WRITE mode only.
 */
#define TIMS_AUDIT_KEY_MAX 128
TIMS_MUST_USE tims_rc tims_audit_append_once(struct tims_audit *a, const char *key,
			       struct tims_audit_event *ev, uint64_t *index,
			       int *existed, struct tims_err *err);

/*
 * tims_audit_append_once for n events (at most TIMS_AUDIT_MAX_BATCH) in
 * one transaction (one fsync): all are stored, or none (the error says
 * why). index[i] and existed[i] as for one. The audit events of crossings
 * registered together go in this way.
 */
#define TIMS_AUDIT_MAX_BATCH 1024
TIMS_MUST_USE tims_rc tims_audit_append_once_many(struct tims_audit *a,
				    const char *const *keys,
				    struct tims_audit_event *evs, size_t n,
				    uint64_t *index, int *existed,
				    struct tims_err *err);

/*
 * tims_audit_append for a handle shared by threads: events appended at the
 * same time share one transaction (group commit, one fsync). Returns once
 * this event is durable, with its index, or with the error that stored
 * none of its group (each member gets it: no member is durable when one
 * is not). An event that fails tims_audit_event_check is refused alone,
 * before it joins a group. Within a group, events take their indices in
 * the order their callers arrived. At most TIMS_AUDIT_GROUP_MAX a group.
 */
#define TIMS_AUDIT_GROUP_MAX 64
TIMS_MUST_USE tims_rc tims_audit_append_group(struct tims_audit *a,
				struct tims_audit_event *ev, uint64_t *index,
				struct tims_err *err);
/* Groups committed by tims_audit_append_group and their events so far. */
void tims_audit_group_stats(struct tims_audit *a, uint64_t *groups, uint64_t *events);

/* NULL while the audit log may be written; else why it stopped (an I/O
 * error or damage, tims_mlog_broken): until the process restarts. */
const char *tims_audit_broken(const struct tims_audit *a);

/*
 * The record that the audit log was published lives in the node's own
 * database (post.db, centre.db). Once that database's log has stopped on an
 * I/O error nothing more may be written to it until a restart (a later
 * write, or fsync, that succeeds proves nothing: PostgreSQL's "fsyncgate"):
 * the node gives a guard, and while stopped(ctx) is nonzero the record is
 * not written (it lags, which is safe). Set before the audit log is
 * appended to from other threads.
 */
void tims_audit_set_marker_guard(struct tims_audit *a, int (*stopped)(void *ctx), void *ctx);

/* Sign a checkpoint now unless the latest covers the log (*issued = 0). */
TIMS_MUST_USE tims_rc tims_audit_checkpoint(struct tims_audit *a, int *issued,
			      struct tims_err *err);

TIMS_MUST_USE tims_rc tims_audit_latest_checkpoint(struct tims_audit *a,
				     struct tims_buf *note,
				     struct tims_checkpoint *cp,
				     struct tims_err *err);

/* Events [from, from+count) in order; query/result point into a buffer valid
 * during the callback. Erased events come with query/result NULL. */
typedef tims_rc (*tims_audit_event_fn)(void *ctx, uint64_t index,
				       const struct tims_audit_event *ev);
tims_rc tims_audit_list(struct tims_audit *a, uint64_t from, uint64_t count,
			tims_audit_event_fn fn, void *ctx,
			struct tims_err *err);

/* Recompute everything; report each finding; TIMS_ERR_TAMPER if any. */
struct tims_audit_verify_stats {
	uint64_t events, erased, checkpoints, findings;
};
TIMS_MUST_USE tims_rc tims_audit_verify(struct tims_audit *a,
			  void (*report)(void *ctx, const char *finding),
			  void *ctx, struct tims_audit_verify_stats *st,
			  struct tims_err *err);

/* Retention: erase an event's payload, keeping its leaf. */
tims_rc tims_audit_erase(struct tims_audit *a, uint64_t index,
			 struct tims_err *err);

/*
 * One position of an audit log as it travels (a sync batch, the centre's
 * mirror): its leaf entry, and salt and encoding unless erased. Checks the
 * entry is a version 1 audit entry, the encoding decodes canonically (into
 * *ev if not NULL; its query/result then point into body), its time is the
 * entry's and SHA-256(salt || encoding) is the entry's commitment. An
 * erased position (salt and body NULL) checks the entry's form only.
 * TIMS_ERR_INVALID or TIMS_ERR_TAMPER naming "event N: ...".
 */
TIMS_MUST_USE tims_rc tims_audit_leaf_check(uint64_t index,
			      const uint8_t entry[TIMS_AUDIT_ENTRY_BYTES],
			      const uint8_t *salt, const void *body, size_t len,
			      struct tims_audit_event *ev, struct tims_err *err);

/*
 * For the sync thread that pushes the log (tims/sync.h): positions
 * [from, from+count) as raw leaves (fn gets a struct tims_post_raw each:
 * entry, salt and encoding, NULL when erased), and a call of fn with the
 * log's tree (stored hashes) for proofs, both under the handle's lock.
 */
struct tims_post_raw;
struct tims_tlog_reader;
tims_rc tims_audit_raw(struct tims_audit *a, uint64_t from, uint64_t count,
		       tims_rc (*fn)(void *ctx, const struct tims_post_raw *r),
		       void *ctx, struct tims_err *err);
tims_rc tims_audit_with_tree(struct tims_audit *a,
			     tims_rc (*fn)(void *ctx, const struct tims_tlog_reader *r,
					   struct tims_err *err),
			     void *ctx, struct tims_err *err);
/* The log itself (its key chain: tims_mlog_key, tims_mlog_handover_get). */
struct tims_mlog;
const struct tims_mlog *tims_audit_mlog(const struct tims_audit *a);
/* Hand the log's key over to next (tims_mlog_handover; WRITE only). The
 * handle signs with next afterwards: next must outlive it. */
TIMS_MUST_USE tims_rc tims_audit_handover(struct tims_audit *a, const struct tims_signer *next,
					  struct tims_err *err);
/* Events held (the log's size). */
tims_rc tims_audit_size(struct tims_audit *a, uint64_t *size, struct tims_err *err);
/* The log's origin ("<post origin>/audit" for a post). */
const char *tims_audit_origin(const struct tims_audit *a);

/*
 * Whether the audit log in dir may be written: the node's own database
 * (post.db, or centre.db for a keyed log) records the latest audit
 * checkpoint it signed (updated at most once a second, no fsync of its
 * own), and a node does not start a new audit log where it had published
 * one. TIMS_OK, or TIMS_ERR_TAMPER naming what is missing (audit.db, events,
 * a tree that does not prove consistent with the record) and how to reset
 * (tims audit reset). tims_audit_open for writing does the same check;
 * this one writes nothing. origin and key as for tims_audit_open_keyed, or
 * NULL for a post.
 */
TIMS_MUST_USE tims_rc tims_audit_check_published(const char *dir, const char *origin,
						 const char *key, struct tims_err *err);

/*
 * The two-person reset (`tims audit reset`, which checks the two people).
 * tims_audit_reset_old says what the old log was: the record of
 * publication (post.db / centre.db) and, if audit.db still opens, its
 * latest checkpoint (else `why` says why not). tims_audit_reset then keeps
 * the old files (renamed DIR/audit.reset-MS.db, its WAL, and
 * audit.reset-MS.checkpoint: never deleted; *archived gets the name),
 * starts a new log whose first event is `ev` (action "audit.reset", naming
 * both people and the old log's last checkpoint), and records the new log
 * as the one published. origin and key as for tims_audit_open_keyed, or
 * NULL for a post.
 */
struct tims_audit_old {
	int published;                  /* the node's database records one */
	uint64_t published_size;
	uint8_t published_root[32];
	int held;                       /* audit.db opened */
	uint64_t held_size;             /* its latest checkpoint */
	uint8_t held_root[32];
	char why[TIMS_ERR_MSG_BYTES];   /* when it did not */
};
tims_rc tims_audit_reset_old(const char *dir, const char *origin, const char *key,
			     struct tims_audit_old *old, struct tims_err *err);
TIMS_MUST_USE tims_rc tims_audit_reset(const char *dir, const char *origin, const char *key,
				       struct tims_audit_event *ev, uint64_t *index,
				       char *archived, size_t cap, struct tims_err *err);

/*
 * The canonical encoding, version 1 (docs/formats.md, "Audit events"): one
 * event has exactly one encoding, and the decoder refuses anything the
 * encoder would not produce. Rules, each error naming the field: text
 * fields are valid UTF-8 without control characters and within their
 * array; action is not empty; crossing is -1 or a log index; status is
 * 100-599; query and result, when not NULL, are one JSON text each (any
 * JSON value, UTF-8, no duplicate keys), 1..TIMS_AUDIT_TEXT_MAX bytes.
 */
TIMS_MUST_USE tims_rc tims_audit_event_check(const struct tims_audit_event *ev,
			       struct tims_err *err);
/* Append the encoding of ev to out (checks it first). */
tims_rc tims_audit_event_encode(const struct tims_audit_event *ev,
				struct tims_buf *out, struct tims_err *err);
/* Decode exactly one encoding; ev->query and ev->result point into data. */
tims_rc tims_audit_event_decode(const void *data, size_t len,
				struct tims_audit_event *ev,
				struct tims_err *err);

/*
 * The leaf entry of an encoded event: version (1) || kind (2) || time_ms
 * (8 bytes big-endian) || SHA-256(salt || encoding). Erasing the encoding
 * and the salt leaves the entry, so the log still verifies, and without
 * the salt nobody can test a guessed event against it.
 */
void tims_audit_entry(const uint8_t salt[TIMS_AUDIT_SALT_BYTES],
		      const void *enc, size_t len, int64_t time_ms,
		      uint8_t entry[TIMS_AUDIT_ENTRY_BYTES]);

/*
 * An audit.db of schema version 1 (events in clear) sealed in place with
 * the vault v (open), in one transaction, then vacuumed; *sealed counts the
 * events. Nothing to do (TIMS_OK, 0) when DIR has no audit.db or a sealed
 * one. For `tims post seal` (docs/operations.md).
 */
struct tims_vault;
tims_rc tims_audit_seal_old(const char *dir, struct tims_vault *v, uint64_t *sealed,
			    struct tims_err *err);

#endif
