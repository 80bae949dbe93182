/*
 * event.h — what a post tells the centre as it happens: a hit, a discreet
 * check, an admission with a hit, a correction, an identity change, a paper
 * register imported, a limit exceeded, an impostor on the centre's
 * address, a referral to second line.
 *
 * An event is plain data (fixed-size fields, no allocation), made by the
 * node where the thing happens (node_event, lib/node/internal.h), kept in
 * post.db until the centre has it (tims_post_event_add, tims/post.h), sent
 * by the post's sync thread (POST /api/v1/sync/events, docs/sync.md) and
 * shown to supervisors (GET /api/v1/dashboard/events, docs/dashboard.md).
 *
 * On the wire and in post.db an event is one JSON object (docs/formats.md,
 * "Events"). tims_event_from_json is strict: unknown fields, wrong types,
 * over-long text, control characters, unknown enum values are refused with
 * the field's path ("hits[2].part: want document, person or vehicle"). The
 * posting post is never in the object: the centre takes it from the
 * client certificate.
 *
 * Every text field is UTF-8 without control characters (detail may hold
 * line breaks); the empty string means "not given".
 */
#ifndef TIMS_EVENT_H
#define TIMS_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/record.h"

/*
 * The hit of record version 2 (owner: branch booth, tims/record.h). Until
 * record.h has it, the same definition here; once it has (it defines
 * TIMS_RECORD_MAX_HITS), this one steps aside.
 */
#ifndef TIMS_RECORD_MAX_HITS
enum tims_hit_part { TIMS_HIT_DOCUMENT = 1, TIMS_HIT_PERSON = 2, TIMS_HIT_VEHICLE = 3 };
#define TIMS_RECORD_MAX_HITS 8
struct tims_record_hit {
	uint8_t part;                  /* enum tims_hit_part */
	uint8_t discreet;              /* 1: a discreet check (SIS Art. 36) */
	char list[TIMS_RECORD_FIELD];  /* watchlist name */
	char ref[TIMS_RECORD_FIELD];   /* entry reference */
	char alert[TIMS_RECORD_FIELD]; /* the entry's alert kind / status as listed */
	uint64_t version;              /* list version the match was made against */
	uint16_t score_pm;             /* score in per mille */
};
#endif

/* Numbers are stable (they are stored in post.db); names are the JSON's. */
enum tims_event_kind {
	TIMS_EVENT_HIT = 1,             /* "hit": a listed document, person or vehicle */
	TIMS_EVENT_DISCREET_HIT = 2,    /* "discreet-hit": never shown at the booth */
	TIMS_EVENT_ADMIT_WITH_HIT = 3,  /* "admit-with-hit": admitted, the hit confirmed */
	TIMS_EVENT_CORRECTION = 4,      /* "correction": a record corrected */
	TIMS_EVENT_IDENTITY_CHANGE = 5, /* "identity-change": a correction of the person */
	TIMS_EVENT_PAPER_IMPORT = 6,    /* "paper-import": a paper register re-entered */
	TIMS_EVENT_LIMIT_EXCEEDED = 7,  /* "limit-exceeded": an officer past a rate limit */
	TIMS_EVENT_IMPOSTOR = 8,        /* "impostor": the centre's address answered
					   with a certificate not the centre's */
	TIMS_EVENT_SECOND_LINE = 9,     /* "second-line": referred, or its outcome */
	TIMS_EVENT_AUDIT_RESET = 10,    /* "audit-reset": a new audit log where one was
					   published, by a two-person, audited reset */
	TIMS_EVENT_UNUSUAL_READING = 11, /* "unusual-reading": an alert rule over the
					    audit stream fired (at the post, offline) */
	TIMS_EVENT_WATCHLIST_MISMATCH = 12, /* "watchlist-mismatch": a copy of a centre
					       list did not match its signed digest */
	TIMS_EVENT_WATCHLIST_LOCAL = 13, /* "watchlist-local": a post-local list changed */
	TIMS_EVENT_BOOTSTRAP = 14,      /* "bootstrap": the first administrator created */
	TIMS_EVENT_RETENTION = 15,      /* "retention": records erased when their time ran out */
	TIMS_EVENT_KEY_ROTATED = 16,    /* "key-rotated": a signing key, certificate or
					   secret replaced by its successor */
	TIMS_EVENT_REVOKED = 17,        /* "revoked": a revoked post, witness or key
					   refused, or a revocation list applied */
	TIMS_EVENT_TOTP_REUSE = 18,     /* "totp-reuse": a TOTP code used twice (at
					   two posts, or offline) */
	TIMS_EVENT_TOKEN_UNAVAILABLE = 19, /* "token-unavailable": the key token was
					      absent or refused, or came back */
};
#define TIMS_EVENT_KIND_MAX 19

#define TIMS_EVENT_MAX_HITS TIMS_RECORD_MAX_HITS
#define TIMS_EVENT_MAX_COMPANIONS TIMS_RECORD_MAX_COMPANIONS
#define TIMS_EVENT_JSON_MAX 32768     /* one event as JSON, at most */
#define TIMS_EVENT_BATCH_MAX 32       /* events in one delivery */
#define TIMS_EVENT_BODY_MAX (256u << 10) /* a delivery's body, at most */

struct tims_event {
	uint8_t kind;                        /* enum tims_event_kind */
	int64_t time_ms;                     /* when, on the post's clock (0: now) */
	char officer[TIMS_RECORD_FIELD];     /* who was at the booth, or "" */
	char booth[TIMS_RECORD_FIELD];       /* the booth, or "" */
	uint64_t crossing;                   /* the record's log index, or
						TIMS_RECORD_NO_INDEX */
	char check_id[TIMS_RECORD_FIELD];    /* the check it came from, or "" */
	uint8_t decision;                    /* enum tims_decision, 0: none yet */
	char document[TIMS_RECORD_FIELD];    /* document number */
	char issuer[TIMS_RECORD_FIELD];      /* issuing state */
	char nationality[TIMS_RECORD_FIELD];
	size_t nhits;
	struct tims_record_hit hits[TIMS_EVENT_MAX_HITS];
	size_t ncompanions;                  /* who travelled with the traveller */
	struct tims_companion companions[TIMS_EVENT_MAX_COMPANIONS];
	char plate[TIMS_RECORD_FIELD];       /* the vehicle, if any */
	char vehicle_country[TIMS_RECORD_FIELD];
	char detail[TIMS_RECORD_TEXT];       /* what happened, in words */
};

/* An empty event: no kind, crossing = TIMS_RECORD_NO_INDEX. */
void tims_event_init(struct tims_event *ev);

/* "hit", "discreet-hit", ... ("?" if unknown); the kind named, or 0. */
const char *tims_event_kind_name(unsigned kind);
unsigned tims_event_kind_parse(const char *s);
/* "document", "person", "vehicle" ("?"); the part named, or 0. */
const char *tims_hit_part_name(unsigned part);
unsigned tims_hit_part_parse(const char *s);

/*
 * Check every field: kind known, time not negative, counts within their
 * arrays, text without control characters (detail: line breaks allowed),
 * valid UTF-8, decision and relations known. The message names the field.
 */
TIMS_MUST_USE tims_rc tims_event_check(const struct tims_event *ev, struct tims_err *err);

/*
 * The event as a JSON object (sorted keys when dumped with JSON_SORT_KEYS);
 * with "seq" when seq is not 0. NULL when out of memory. Empty text, no
 * crossing, no decision, no hits, companions or vehicle are left out.
 */
json_t *tims_event_json(const struct tims_event *ev, uint64_t seq);

/*
 * Parse one event object strictly (see above). *seq: its "seq" (1 ..
 * 2^53), required when seq is not NULL and refused when it is NULL.
 */
tims_rc tims_event_from_json(const json_t *o, struct tims_event *out, uint64_t *seq,
			     struct tims_err *err);

#endif
