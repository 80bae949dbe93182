/*
 * alert.h — unusual reading (G6): rules over the audit streams that say when
 * an officer reads more, or otherwise, than the work explains.
 *
 * An engine takes audit events one at a time (struct tims_audit_event, with
 * the post whose log it came from and its index in that log) and the time
 * now, keeps bounded state per officer and per document, and calls back with
 * typed alerts. Rules (docs/alerts.md; thresholds in DIR/alert-rules.conf):
 *
 *   many-identities   distinct identities checked or looked up by one officer
 *                     in an hour, against that officer's usual hourly rate
 *                     (learnt over the past days; a floor for new officers)
 *   no-crossing       checks no crossing used within the binding window, per
 *                     officer and hour
 *   off-shift         history reads (and checks) outside the officer's shift
 *   repeated-lookup   one document looked up by several officers or at
 *                     several posts within a window (centre only: it sees
 *                     every post's log)
 *   sensitive-list    reads naming a list the configuration calls sensitive
 *   bulk-query        a national query or an export answering more than N
 *                     people
 *
 * An alert carries no personal data: the officer's id, the post, the window,
 * the count against its threshold (and the usual rate), and a detail that
 * names a document only by a keyed hash (BLAKE2b under the engine's key,
 * 16 hex digits). Time is never read from the system: each call takes
 * now_ms, so tests drive a simulated clock over days.
 *
 * Memory is bounded whatever the input: at most max_officers officers and
 * max_documents documents are tracked (the least recently seen of a random
 * sample is dropped when full), each officer's hour set and pending checks
 * have ceilings. Events with missing or malformed fields, unknown actions,
 * oversized JSON are ignored (they cannot fire nor break a rule).
 */
#ifndef TIMS_ALERT_H
#define TIMS_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "tims/audit.h"
#include "tims/err.h"
#include "tims/note.h"

#define TIMS_ALERT_CONF_MAX (64u << 10)  /* alert-rules.conf, at most */
#define TIMS_ALERT_KEY_BYTES 32
#define TIMS_ALERT_DETAIL_MAX 256
#define TIMS_ALERT_ACTIONS_MAX 16        /* actions a rule lists */
#define TIMS_ALERT_SHIFTS_MAX 1024       /* officers with a shift of their own */
#define TIMS_ALERT_LISTS_MAX 32          /* sensitive lists */

enum tims_alert_rule {
	TIMS_ALERT_MANY_IDENTITIES = 1,
	TIMS_ALERT_NO_CROSSING = 2,
	TIMS_ALERT_OFF_SHIFT = 3,
	TIMS_ALERT_REPEATED_LOOKUP = 4,
	TIMS_ALERT_SENSITIVE_LIST = 5,
	TIMS_ALERT_BULK_QUERY = 6,
};
#define TIMS_ALERT_RULE_MAX 6

enum tims_alert_severity { TIMS_ALERT_NOTICE = 1, TIMS_ALERT_SEVERE = 2 };

/* "many-identities", ... ("?" if unknown); the rule named, or 0. */
const char *tims_alert_rule_name(unsigned rule);
unsigned tims_alert_rule_parse(const char *s);

struct tims_alert {
	uint8_t rule;                        /* enum tims_alert_rule */
	uint8_t severity;                    /* enum tims_alert_severity */
	char officer[65];                    /* the audit event's actor */
	char post[TIMS_NOTE_MAX_NAME + 1];   /* the log's post ("" the centre's) */
	int64_t window_ms;                   /* the window's start ... */
	int64_t window_len_ms;               /* ... and length */
	uint64_t count;                      /* what was counted in it */
	uint64_t threshold;                  /* fires at count >= threshold */
	double usual;                        /* many-identities: usual per hour, or -1 */
	uint64_t index;                      /* the audit event that fired it */
	int64_t time_ms;                     /* that event's time (or now) */
	char key[160];                       /* one alert per key: rule, officer,
						post, window (for callers that
						persist what fired) */
	char detail[TIMS_ALERT_DETAIL_MAX];  /* in words, no personal data */
};

/*
 * One line for a person: "many-identities (severe): officer X at post P,
 * 2026-12-06 04:00 UTC +1 h: <detail>". No personal data (see above).
 */
void tims_alert_describe(const struct tims_alert *a, char *out, size_t cap);

/* --- the rules' configuration (DIR/alert-rules.conf, docs/alerts.md) --- */

struct tims_alert_shift {
	char officer[65];                    /* "" for the default */
	uint16_t from_min, to_min;           /* minutes of the local day; to < from
						wraps past midnight */
};

struct tims_alert_config {
	uint64_t interval_s;                 /* the centre's and a post's evaluation */
	int utc_offset_set;                  /* 0: the process's local time */
	int32_t utc_offset_min;
	uint64_t max_officers, max_documents;
	uint64_t warm_events;                /* events re-read at start to learn */
	struct {
		int enabled;
		uint8_t severity;
		size_t nactions;
		char actions[TIMS_ALERT_ACTIONS_MAX][64];
	} rule[TIMS_ALERT_RULE_MAX + 1];
	/* many-identities */
	uint64_t mi_floor, mi_minimum, mi_min_hours, mi_learn_days, mi_track_max;
	double mi_factor;
	/* no-crossing */
	uint64_t nc_window_s, nc_threshold, nc_track_max;
	/* off-shift */
	uint64_t os_threshold;
	size_t nshifts;
	struct tims_alert_shift shifts[TIMS_ALERT_SHIFTS_MAX]; /* [0]: the default if set */
	int default_shift;
	/* repeated-lookup */
	uint64_t rl_threshold, rl_window_s;
	/* sensitive-list */
	uint64_t sl_threshold;
	size_t nlists;
	char lists[TIMS_ALERT_LISTS_MAX][64];
	/* bulk-query */
	uint64_t bq_threshold;
};

/* The built-in defaults (those of etc/alert-rules.conf). */
void tims_alert_config_init(struct tims_alert_config *c);
/* Parse a configuration over the defaults; the error names the line and
 * the key. */
tims_rc tims_alert_config_parse(struct tims_alert_config *c, const char *text, size_t len,
				struct tims_err *err);
/* DIR/alert-rules.conf over the defaults (missing: the defaults). */
tims_rc tims_alert_config_load(const char *dir, struct tims_alert_config *c,
			       struct tims_err *err);

/* DIR/alert.key: the key of the documents' hashes in alerts (32 random
 * bytes, 0600, made on first use). */
tims_rc tims_alert_key_load(const char *dir, uint8_t key[TIMS_ALERT_KEY_BYTES],
			    struct tims_err *err);

/* --- the engine --- */

struct tims_alert_engine;

/* flags */
#define TIMS_ALERT_AT_CENTRE 1u  /* rules that need every post's log run */

tims_rc tims_alert_engine_new(const struct tims_alert_config *c,
			      const uint8_t key[TIMS_ALERT_KEY_BYTES], unsigned flags,
			      struct tims_alert_engine **out, struct tims_err *err);
void tims_alert_engine_free(struct tims_alert_engine *e);

/* Quiet: learn from events (rates, windows, what fired) and call back
 * nothing — re-reading the events before a persisted cursor at start. */
void tims_alert_engine_quiet(struct tims_alert_engine *e, int quiet);

typedef tims_rc (*tims_alert_fn)(void *ctx, const struct tims_alert *a);

/*
 * One audit event of post's log (post "" for the centre's own) at index.
 * Alerts it fires go to fn before this returns; an error of fn is
 * returned (the caller keeps its cursor before this event). Events that
 * do not concern a rule, or that are malformed, return TIMS_OK.
 */
tims_rc tims_alert_feed(struct tims_alert_engine *e, const char *post, uint64_t index,
			const struct tims_audit_event *ev, int64_t now_ms,
			tims_alert_fn fn, void *ctx);
/* What time alone decides: checks whose binding window ended by now_ms
 * without a crossing. */
tims_rc tims_alert_tick(struct tims_alert_engine *e, int64_t now_ms, tims_alert_fn fn,
			void *ctx);

struct tims_alert_stats {
	uint64_t events, ignored, fired;
	uint64_t officers, documents;        /* tracked now */
	uint64_t evicted_officers, evicted_documents;
	uint64_t bytes;                      /* held by the engine now */
};
void tims_alert_engine_stats(const struct tims_alert_engine *e, struct tims_alert_stats *st);

#endif
