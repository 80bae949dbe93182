/*
 * retention.h — how long each kind of record is kept (G8), and the run that
 * erases what has been kept long enough, at a post and at the centre
 * (docs/retention.md).
 *
 * The periods come from the Entry/Exit System regulation, Reg. (EU)
 * 2017/2226:
 *   crossing.exit      an exit record: 3 years after it (Art. 34(1))
 *   crossing.refusal   a refusal of entry or exit: 3 years after it (Art. 34(1))
 *   crossing.entry     an entry whose exit is known: 3 years after the exit
 *                      (Art. 34(1): the entry/exit record goes with the exit)
 *   crossing.overstay  an entry without exit: 5 years after the entry
 *                      (Art. 34(3))
 *   audit.linked       an audit event naming a crossing: 1 year after that
 *                      crossing's period ran out (Art. 46(4))
 *   audit.unlinked     an audit event naming none (logins, checks, searches,
 *                      exports): a fixed period after the event, 4 years by
 *                      default (the 3 years of the data such an event most
 *                      often returns, plus the year of Art. 46(4))
 *   api.after_arrival  a traveller of a carrier's passenger list (PAXLST,
 *                      tims/api.h) without a watchlist hit: a fixed period
 *                      after the flight's expected arrival, 48 hours by
 *                      default (issue 22; Directive 2004/82/EC Art. 6(1)
 *                      asks for 24 hours after transmission unless the data
 *                      are needed: set 24h for that)
 * and two settings of the run itself:
 *   interval           how often the nodes' timers run it (default 1 day)
 *   clock_margin       the clock guard (below; default 7 days)
 *
 * A period is one number and a unit: s, m, h, d (exact) or y (calendar
 * years: the same day and time N years on, 29 February going to 1 March).
 *
 * Erasure keeps every leaf: a record's or event's payload, salt and lookup
 * columns go, its leaf entry stays, so every log still verifies. A crossing
 * and the records that correct it go together, when the standing (latest)
 * version's period runs out.
 *
 * The clock guard: a run erases only what was due by
 *   min(now, reference + clock_margin)
 * where reference is the newest crossing the node holds or the "as of" of
 * its last run, whichever is later (DIR/retention.db). A clock moved
 * forward, by mistake or by an administrator, therefore erases at most
 * clock_margin ahead of the data the node has really seen, per run; the
 * report says so ("capped"). What remains is documented in
 * docs/retention.md.
 *
 * Library code takes now_ms as a parameter (tests drive a simulated clock).
 */
#ifndef TIMS_RETENTION_H
#define TIMS_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

enum tims_retention_kind {
	TIMS_RETENTION_EXIT = 0,
	TIMS_RETENTION_REFUSAL = 1,
	TIMS_RETENTION_ENTRY = 2,
	TIMS_RETENTION_OVERSTAY = 3,
	TIMS_RETENTION_AUDIT = 4,
	TIMS_RETENTION_AUDIT_OTHER = 5,
	TIMS_RETENTION_API = 6,
	TIMS_RETENTION_KINDS = 7
};

/* A period: years (calendar) or milliseconds, exactly one of them. */
struct tims_retention_period {
	unsigned years;
	int64_t ms;
};

struct tims_retention_policy {
	struct tims_retention_period keep[TIMS_RETENTION_KINDS];
	int64_t interval_ms;     /* the timers' period */
	int64_t clock_margin_ms; /* the clock guard */
};

#define TIMS_RETENTION_CONF "retention.conf"   /* in a node's directory */
#define TIMS_RETENTION_CONF_MAX 16384
#define TIMS_RETENTION_NEVER INT64_MAX

/* "crossing.exit", ...; NULL for an unknown kind. */
const char *tims_retention_kind_name(unsigned kind);

/* The defaults above. */
void tims_retention_policy_default(struct tims_retention_policy *p);

/*
 * Parse a configuration: "# comment" lines, blank lines, and "KEY = PERIOD"
 * lines (KEY a kind name, "interval" or "clock_margin"). Every key is
 * optional (the default stays); a key given twice, an unknown key, a
 * period that is not a number and a unit, zero, or beyond 100 years are
 * refused: TIMS_ERR_INVALID "NAME:LINE: FIELD: reason". *p is set only on
 * success.
 */
tims_rc tims_retention_policy_parse(const char *text, size_t len, const char *name,
				    struct tims_retention_policy *p, struct tims_err *err);
/* Read DIR/retention.conf; the defaults when there is none. */
tims_rc tims_retention_policy_load(const char *dir, struct tims_retention_policy *p,
				   struct tims_err *err);

/* t + period (calendar years in UTC); TIMS_RETENTION_NEVER on overflow. */
int64_t tims_retention_add(int64_t t_ms, const struct tims_retention_period *per);
/* t - period: the cutoff (anchors at or before it are due at t). */
int64_t tims_retention_sub(int64_t t_ms, const struct tims_retention_period *per);

/* ---- the plan: which crossings are due, decided on clear facts only ---- */

/*
 * A crossing as retention sees it: its log position, the time that counts
 * (the crossing's, tims_record_when), direction, decision, the record it
 * corrects, and a key of the traveller's document (issuer and number, or a
 * blind index of them: only equality is used; "" when unknown).
 */
struct tims_retention_crossing {
	uint64_t idx;
	int64_t when_ms;
	uint8_t direction;      /* enum tims_direction */
	uint8_t decision;       /* enum tims_decision */
	uint64_t corrects;      /* TIMS_RECORD_NO_INDEX if none */
	char key[72];
	/* out of tims_retention_plan: */
	int64_t exit_ms;        /* the exit that closes an entry, 0 if none */
	uint8_t kind;           /* enum tims_retention_kind of its chain */
	int64_t due_ms;         /* when it may go */
};

/*
 * Decide kind and due time of every crossing of one log (an array in any
 * order, at most a few million): chains of corrections are found through
 * `corrects`; the standing version of a chain decides for all of it. An
 * admitted (or referred) entry is closed by the first standing, admitted
 * exit of the same key at or after it, in this array or, if `exit_of` is
 * given, as it answers (the post's national replica: 0 when it knows none,
 * else the exit's time). Sorts the array by idx.
 */
typedef int64_t (*tims_retention_exit_fn)(void *ctx, const struct tims_retention_crossing *entry);
tims_rc tims_retention_plan(const struct tims_retention_policy *p,
			    struct tims_retention_crossing *c, size_t n,
			    tims_retention_exit_fn exit_of, void *ctx, struct tims_err *err);

/* When an audit event of time event_ms may go: linked to a crossing whose
 * due time is data_due_ms (audit.linked), or to none (data_due_ms < 0:
 * audit.unlinked). */
int64_t tims_retention_audit_due(const struct tims_retention_policy *p, int64_t event_ms,
				 int64_t data_due_ms);

/* ---- a run ---------------------------------------------------------------- */

#define TIMS_RETENTION_STORES 64

/* What a run erased (or would, dry run), per kind and per store. */
struct tims_retention_report {
	int dry_run;
	int64_t now_ms;          /* the clock */
	int64_t reference_ms;    /* the newest crossing held, or the last run */
	int64_t as_of_ms;        /* what was erased was due by this time */
	int capped;              /* as_of_ms < now_ms: the clock guard held */
	uint64_t erased[TIMS_RETENTION_KINDS];
	uint64_t kept[TIMS_RETENTION_KINDS];
	struct {
		char name[96];   /* "post.db", "audit.db", "mirror/x.db", "cstore" ... */
		uint64_t erased;
	} store[TIMS_RETENTION_STORES];
	size_t nstores;
	unsigned shredded;       /* data keys destroyed (tims_vault_shred_before) */
	int64_t oldest_kept_ms;  /* the oldest sealed item kept (INT64_MAX: none);
				    months that ended before it (and before
				    as_of_ms) lose their data keys */
	int vacuumed;            /* databases vacuumed */
};

/* Add n to the store's count (created on first use; the last slot takes
 * the overflow). */
/* Note a sealed item kept, sealed under the month of time_ms. */
void tims_retention_report_keep(struct tims_retention_report *r, int64_t time_ms);
struct tims_vault;
/* Crypto-shredding after a run that walked every store of the node: the
 * data keys of the months that ended before both the oldest item kept and
 * as_of_ms are destroyed (tims_vault_shred_before); r->shredded counts them. */
tims_rc tims_retention_shred(struct tims_vault *v, struct tims_retention_report *r,
			     struct tims_err *err);
void tims_retention_report_count(struct tims_retention_report *r, const char *store,
				 uint64_t n);
/* The report as one JSON object, no personal data (counts, times, kinds):
 * {"dry_run", "now", "as_of", "reference", "capped", "cutoffs": {KIND:
 * ISO time}, "erased": {KIND: n}, "kept": {KIND: n}, "stores": {NAME: n},
 * "keys_shredded", "vacuumed"}; NULL when out of memory. Free with free(). */
char *tims_retention_report_json(const struct tims_retention_policy *p,
				 const struct tims_retention_report *r);

/* Crossings and events erased (or due, dry run), all kinds. */
uint64_t tims_retention_erased(const struct tims_retention_report *r);

/* The "retention" event the centre is told of a run (TIMS_EVENT_RETENTION):
 * counts and the as-of time, no personal data. */
struct tims_event;
void tims_retention_event(const struct tims_retention_report *r, struct tims_event *ev);

struct tims_post;
struct tims_audit;
struct tims_centre;

/*
 * A post's run: its crossings (post.db, the post's handle `post`, any
 * mode), its audit log (`audit`, may be NULL: then DIR/audit.db is not
 * touched) and DIR/retention.db. Erases what is due by the guarded time,
 * then sets the freed pages to zero (secure_delete), vacuums a database
 * that has free pages and truncates its WAL. dry_run: counts only, changes
 * nothing (retention.db included). The caller audits the run and tells the
 * centre (TIMS_EVENT_RETENTION).
 */
tims_rc tims_retention_run_post(struct tims_post *post, struct tims_audit *audit,
				const struct tims_retention_policy *p, int64_t now_ms,
				int dry_run, struct tims_retention_report *r,
				struct tims_err *err);

/*
 * The centre's run (lib/centre/retention.c): the query store decides (it
 * sees every post's crossings, so an entry at one post is closed by an exit
 * at another); the crossings due are erased in the query store and in the
 * posts' mirrors, the events due in the mirrors of the posts' audit logs
 * (and their rows in the auditors' index) and in the centre's own audit
 * log. The caller audits the run (the command line through its gate, the
 * maintenance thread in the centre's audit log).
 */
tims_rc tims_centre_retention(struct tims_centre *c, const struct tims_retention_policy *p,
			      int64_t now_ms, int dry_run, struct tims_retention_report *r,
			      struct tims_err *err);

/* ---- DIR/retention.db: what was erased and when it was due ---------------- */

struct tims_retention_state;

tims_rc tims_retention_state_open(const char *dir, int create,
				  struct tims_retention_state **out, struct tims_err *err);
void tims_retention_state_close(struct tims_retention_state *s);
/* The as-of of the last run (0: none). */
int64_t tims_retention_state_last(struct tims_retention_state *s);
/* The due time recorded for (log, idx), or -1. */
int64_t tims_retention_state_due(struct tims_retention_state *s, const char *log,
				 uint64_t idx);
tims_rc tims_retention_state_begin(struct tims_retention_state *s, struct tims_err *err);
tims_rc tims_retention_state_note(struct tims_retention_state *s, const char *log,
				  uint64_t idx, int64_t due_ms, struct tims_err *err);
tims_rc tims_retention_state_commit(struct tims_retention_state *s, int64_t as_of_ms,
				    struct tims_err *err);

/*
 * Give back what an erasure freed, through a connection of its own: the
 * erasing connection had secure_delete on (set by every open of a database
 * holding personal data), so freed cells and pages were zeroed; a database
 * with free pages is then vacuumed, and its WAL checkpointed and truncated,
 * so no old page image stays in either file. *vacuumed += 1 when it
 * vacuumed.
 */
tims_rc tims_retention_scrub(const char *db_path, int *vacuumed, struct tims_err *err);

#endif
