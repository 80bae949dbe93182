/*
 * approval.h — what one supervisor may not do alone: a small table in the
 * post's post.db, next to the log (not part of it: nothing signs it; what
 * it lets through is in the log and in the audit trail).
 *
 * Two-person approval. Some changes to the crossing log need a second
 * person: an identity change (a correction whose person fields differ from
 * the record it corrects) and the re-entry of a paper register after an
 * outage. The first supervisor submits a request: the records it would
 * append, checked whole (tims_record_check) and stored pending under a
 * random id, with an expiry. A different officer approves it before it
 * expires; only then are the records appended, each carrying the
 * approver's id (`approver`) and an id derived from the request
 * ("appr-ID-K"), so that an approval retried after a crash appends nothing
 * twice. The submitter can never approve their own request. Nothing is
 * ever deleted: a request stays as submitted, approved or expired.
 */
#ifndef TIMS_APPROVAL_H
#define TIMS_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/post.h"
#include "tims/record.h"

enum tims_approval_kind {
	TIMS_APPROVAL_IDENTITY_CHANGE = 1, /* one correction with other person fields */
	TIMS_APPROVAL_PAPER_IMPORT = 2,    /* crossings typed from a paper register */
};

enum tims_approval_state {
	TIMS_APPROVAL_PENDING = 1,
	TIMS_APPROVAL_APPROVED = 2,
};

#define TIMS_APPROVAL_ID_CHARS 33      /* 32 lower-case hex digits and NUL */
#define TIMS_APPROVAL_MAX_RECORDS 500  /* records in one request */

struct tims_approval {
	char id[TIMS_APPROVAL_ID_CHARS];
	uint8_t kind;                      /* enum tims_approval_kind */
	uint8_t state;                     /* enum tims_approval_state */
	char submitter[TIMS_RECORD_FIELD]; /* officer id of the first supervisor */
	char booth[TIMS_RECORD_FIELD];     /* where they submitted it */
	char reason[TIMS_RECORD_TEXT];     /* why (stated by the submitter) */
	int64_t created_ms;
	int64_t expires_ms;
	char approver[TIMS_RECORD_FIELD];  /* "" while pending */
	int64_t decided_ms;                /* 0 while pending */
	uint64_t first_index;              /* first record appended, or NO_INDEX */
	size_t nrecords;
};

const char *tims_approval_kind_name(unsigned kind);   /* "identity-change", "paper-import" */
const char *tims_approval_state_name(const struct tims_approval *a, int64_t now_ms);
						      /* "pending", "approved", "expired" */

/*
 * Store a pending request: a's kind, submitter, booth, reason, created_ms
 * and expires_ms, and 1..TIMS_APPROVAL_MAX_RECORDS records (each checked;
 * an error names the record: "record 3: person.surname: required").
 * Fills a->id (random) and a->state. Durable on return.
 */
TIMS_MUST_USE tims_rc tims_approval_submit(struct tims_post *p, struct tims_approval *a,
					   const struct tims_record *recs, size_t n,
					   struct tims_err *err);

/*
 * Read a request; *recs (malloc'd, freed by the caller) and *n its records
 * when recs is not NULL. TIMS_ERR_NOTFOUND if there is none.
 */
tims_rc tims_approval_get(struct tims_post *p, const char *id, struct tims_approval *a,
			  struct tims_record **recs, size_t *n, struct tims_err *err);

/*
 * The second person. Refused: TIMS_ERR_NOTFOUND (no such request),
 * TIMS_ERR_DENIED (approver is the submitter), TIMS_ERR_STATE (already
 * approved, or expired at now_ms). Otherwise the records are appended with
 * `approver` set (tims_post_append) and the request is marked approved;
 * acks (n of them, n = a->nrecords, allocated by the callee and freed by
 * the caller) say what happened to each record, *a is the request after.
 */
TIMS_MUST_USE tims_rc tims_approval_approve(struct tims_post *p, const char *id,
					    const char *approver, int64_t now_ms,
					    struct tims_approval *a, struct tims_post_ack **acks,
					    struct tims_err *err);

/* Requests submitted at or after since_ms, newest first, at most max. */
typedef tims_rc (*tims_approval_fn)(void *ctx, const struct tims_approval *a);
tims_rc tims_approval_list(struct tims_post *p, int64_t since_ms, size_t max,
			   tims_approval_fn fn, void *ctx, struct tims_err *err);

#endif
