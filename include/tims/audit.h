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
 * open. The handle is not thread-safe.
 */
tims_rc tims_audit_open(const char *dir, enum tims_audit_mode mode,
			struct tims_audit **out, struct tims_err *err);
void tims_audit_free(struct tims_audit *a);

/* Append one event durably (fsync'd) and return its index. */
tims_rc tims_audit_append(struct tims_audit *a, struct tims_audit_event *ev,
			  uint64_t *index, struct tims_err *err);

/* Sign a checkpoint now unless the latest covers the log (*issued = 0). */
tims_rc tims_audit_checkpoint(struct tims_audit *a, int *issued,
			      struct tims_err *err);

tims_rc tims_audit_latest_checkpoint(struct tims_audit *a,
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
tims_rc tims_audit_verify(struct tims_audit *a,
			  void (*report)(void *ctx, const char *finding),
			  void *ctx, struct tims_audit_verify_stats *st,
			  struct tims_err *err);

/* Retention: erase an event's payload, keeping its leaf. */
tims_rc tims_audit_erase(struct tims_audit *a, uint64_t index,
			 struct tims_err *err);

#endif
