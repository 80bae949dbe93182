/*
 * watchlist.h — the watchlists of a node: wanted and banned persons, lost
 * and stolen documents, stolen vehicles; stored in SQLite (DIR/watchlists.db),
 * versioned so that a post can later receive deltas, imported from CSV or
 * JSON Lines, and loaded into the in-memory screening index (screen.h).
 *
 * Versions: every import or removal that changes a list bumps its version;
 * each entry records the version that last changed it, and a removed entry
 * keeps a tombstone (the version that removed it). "What changed since
 * version V" is therefore one query.
 *
 * Imports validate every row (names through tims_name_parse, dates, codes,
 * identifiers through tims_screen_norm_ident) and report each bad row with
 * its line number and reason. The operator chooses: all-or-nothing (the
 * default: one bad row and nothing is stored) or skip-bad-rows. The formats
 * are in docs/watchlists.md.
 */
#ifndef TIMS_WATCHLIST_H
#define TIMS_WATCHLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/screen.h"

enum tims_wl_kind {
	TIMS_WL_PERSONS = 1,
	TIMS_WL_DOCUMENTS,
	TIMS_WL_VEHICLES,
};

/* "persons", "documents", "vehicles"; parse returns 0 for anything else. */
const char *tims_wl_kind_name(enum tims_wl_kind k);
enum tims_wl_kind tims_wl_kind_parse(const char *s);

enum tims_wl_format { TIMS_WL_CSV = 1, TIMS_WL_JSONL };

#define TIMS_WL_LIST_NAME_MAX 48
#define TIMS_WL_IMPORT_MAX ((size_t)1 << 30) /* bytes of one import file */

struct tims_wl;  /* an open store */

/* Open DIR/watchlists.db; with `create`, make DIR and the database. */
tims_rc tims_wl_open(const char *dir, bool create, struct tims_wl **out,
		     struct tims_err *err);
void tims_wl_close(struct tims_wl *wl);

struct tims_wl_import_opts {
	const char *list;            /* [a-z0-9._-], 1..48 bytes */
	enum tims_wl_kind kind;      /* of a new list; must match an old one */
	enum tims_wl_format format;
	bool skip_bad;               /* store the good rows, report the bad */
	bool replace;                /* entries absent from the file are removed */
	double threshold;            /* person hits; < 0 keeps the list's */
	/* Called every 1024 rows with the rows read so far (may be NULL). */
	void (*progress)(void *ctx, size_t rows);
	void *progress_ctx;
};

struct tims_wl_import_result {
	size_t rows, stored, unchanged, bad, removed;
	uint64_t version;            /* the list's version afterwards */
};

/* Called for each bad row (line is 1-based; the header is line 1 in CSV). */
typedef void (*tims_wl_bad_fn)(void *ctx, size_t line, const char *msg);

/*
 * Import data[0..len) into a list. Returns TIMS_OK when stored (with
 * skip_bad, bad rows are reported and skipped), TIMS_ERR_INVALID when a bad
 * row stopped an all-or-nothing import (nothing stored) or the header is
 * wrong. res is filled in both cases.
 */
tims_rc tims_wl_import(struct tims_wl *wl, const struct tims_wl_import_opts *o,
		       const char *data, size_t len, tims_wl_bad_fn bad, void *ctx,
		       struct tims_wl_import_result *res, struct tims_err *err);

/* Check a file as tims_wl_import would, storing nothing (a dry run; the
 * fuzz target). res->stored counts the rows that would be stored. */
tims_rc tims_wl_validate(enum tims_wl_kind kind, enum tims_wl_format format,
			 const char *data, size_t len, tims_wl_bad_fn bad, void *ctx,
			 struct tims_wl_import_result *res, struct tims_err *err);

struct tims_wl_list_info {
	uint16_t id;
	char name[TIMS_WL_LIST_NAME_MAX + 1];
	enum tims_wl_kind kind;
	uint64_t version;
	size_t active, removed;
	double threshold;
	int64_t updated_s;   /* when the list last changed here (seconds since 1970) */
};

/* All lists, by name; *out is malloc'd, free() it. */
tims_rc tims_wl_lists(struct tims_wl *wl, struct tims_wl_list_info **out,
		      size_t *n, struct tims_err *err);

/* As tims_wl_lists without counting entries (id, name, kind, version,
 * threshold, updated_s; active and removed 0): cheap on large lists. */
tims_rc tims_wl_lists_brief(struct tims_wl *wl, struct tims_wl_list_info **out,
			    size_t *n, struct tims_err *err);

/* Set a list's threshold (0-1) without a new version: a post taking the
 * threshold of the centre's version it holds. TIMS_ERR_NOTFOUND: no list. */
tims_rc tims_wl_set_threshold(struct tims_wl *wl, const char *list, double threshold,
			      struct tims_err *err);

/* Remove one entry (ref) or, with ref NULL, every entry of the list. */
tims_rc tims_wl_remove(struct tims_wl *wl, const char *list, const char *ref,
		       size_t *removed, uint64_t *version, struct tims_err *err);

/* Every active entry as JSON Lines into out (list, ref, version, fields). */
tims_rc tims_wl_dump(struct tims_wl *wl, const char *list, struct tims_buf *out,
		     struct tims_err *err);

/*
 * What changed in a list after version `since` (> 0), as JSON Lines: each
 * entry added or changed since, as tims_wl_dump writes it, then
 * {"ref": REF, "removed": true} for each entry removed since. Tombstones are
 * kept for ever, so a delta can be made from any earlier version.
 */
tims_rc tims_wl_dump_since(struct tims_wl *wl, const char *list, uint64_t since,
			   struct tims_buf *out, struct tims_err *err);

/*
 * Lineage (docs/bundles.md). A list's version number alone does not say
 * which list it is: a centre restored from an old copy, or a list imported
 * again, makes another "version 7". Each version therefore has a digest
 * bound to its predecessor's:
 *
 *   content = the multiset hash (tims/lthash.h) of the lines of
 *             tims_wl_export(list, since 0), each without its newline:
 *             BLAKE2b-256("tims watchlist content v2\n" || count (64-bit
 *             little-endian) || the 1024 16-bit lanes (little-endian))
 *   digest  = SHA-256("tims watchlist digest v1\nlist NAME\nkind KIND\n"
 *             "version N\nprev HEX\ncontent HEX\n")
 *
 * where prev is the digest of the version before it in this store (the
 * highest recorded below N; 32 zero bytes for the first). The store records
 * each version's digest when it is made (after an import or a removal) and
 * keeps them, so a delta can name the digest of its base.
 */
struct tims_wl_digest {
	uint64_t version;
	uint8_t content[32], digest[32], prev[32];
};

/* The list's entries as JSON Lines, each object without "list", "kind" and
 * "version", keys sorted, by ref: what a bundle carries. since > 0: what
 * changed after that version, then {"ref", "removed": true} lines. */
tims_rc tims_wl_export(struct tims_wl *wl, const char *list, uint64_t since,
		       struct tims_buf *out, struct tims_err *err);

/* The `content` above, from the sum kept with the list (updated in the
 * transaction of every change: O(1), whatever the list's size).
 * TIMS_ERR_NOTFOUND: no such list. */
tims_rc tims_wl_content_hash(struct tims_wl *wl, const char *list, uint8_t out[32],
			     struct tims_err *err);

/* The `content` recomputed from the rows (each opened, row by row), into
 * out; TIMS_ERR_TAMPER when the sum kept with the list is not theirs (a row
 * or the sum changed behind the store's back). The periodic check
 * (docs/bundles.md, "Integrity at the post"). */
tims_rc tims_wl_content_recompute(struct tims_wl *wl, const char *list, uint8_t out[32],
				  struct tims_err *err);

/* The content of version 1 of this definition: SHA-256 of the whole export,
 * computed row by row. Digests recorded before the multiset hash (a centre
 * upgraded from it, the versions it made then) carry it: a bundle of such a
 * version is checked against it. */
tims_rc tims_wl_content_hash_v1(struct tims_wl *wl, const char *list, uint8_t out[32],
				struct tims_err *err);

/* The content of the empty list (no entries). */
void tims_wl_content_empty(uint8_t out[32]);

/*
 * Import a delta (a bundle's payload, tims_wl_export since a version): as
 * tims_wl_import with JSON Lines, all or nothing, where a line
 * {"ref": REF, "removed": true} removes that entry (none held: nothing to
 * do). One transaction, one new version; res->removed counts removals.
 */
tims_rc tims_wl_import_delta(struct tims_wl *wl, const char *list, enum tims_wl_kind kind,
			     const char *data, size_t len, struct tims_wl_import_result *res,
			     struct tims_err *err);
/* Check a delta as tims_wl_import_delta would, storing nothing (the fuzz
 * target); res->removed counts the removal lines. */
tims_rc tims_wl_validate_delta(enum tims_wl_kind kind, const char *data, size_t len,
			       tims_wl_bad_fn bad, void *ctx, struct tims_wl_import_result *res,
			       struct tims_err *err);

/* The digest of the list's current version, recorded if it was not. */
tims_rc tims_wl_digest(struct tims_wl *wl, const char *list, struct tims_wl_digest *d,
		       struct tims_err *err);

/* The recorded digest of an earlier version; TIMS_ERR_NOTFOUND if none. */
tims_rc tims_wl_digest_at(struct tims_wl *wl, const char *list, uint64_t version,
			  struct tims_wl_digest *d, struct tims_err *err);

/* The digest formula above. */
void tims_wl_digest_compute(const char *list, enum tims_wl_kind kind, uint64_t version,
			    const uint8_t prev[32], const uint8_t content[32], uint8_t out[32]);

/*
 * Who changes a list. Every import or removal that makes a new version is
 * recorded with it (table list_changes): the action ("import", "remove",
 * or "bundle" for a list applied from the centre at a post), the actor set
 * on this handle (an authenticated officer id at the centre's or a post's
 * CLI, "centre:NAME" for a bundle; "-" when none was set), how many
 * entries changed, the ref of a single removal, and when. A bundle carries
 * the actor of its version (docs/bundles.md); a post reports the changes
 * of its own lists to the centre (docs/watchlists.md, "Centre and local
 * lists").
 */
#define TIMS_WL_ACTOR_MAX 64
void tims_wl_set_actor(struct tims_wl *wl, const char *actor, bool from_centre);

struct tims_wl_change {
	uint64_t version;
	char action[8];                       /* import, remove, bundle */
	char actor[TIMS_WL_ACTOR_MAX + 1];
	uint64_t count;                       /* entries stored or removed */
	char ref[65];                         /* a single removal's ref, or "" */
	int64_t time_s;
};

/* The change that made `version`; TIMS_ERR_NOTFOUND if none is recorded
 * (a version made before changes were recorded). */
tims_rc tims_wl_change_at(struct tims_wl *wl, const char *list, uint64_t version,
			  struct tims_wl_change *c, struct tims_err *err);
/* The changes after version `since`, oldest first, at most `max`. */
tims_rc tims_wl_changes(struct tims_wl *wl, const char *list, uint64_t since, size_t max,
			struct tims_wl_change *out, size_t *n, struct tims_err *err);

/*
 * Quarantine (docs/screening.md, "Fail closed"): a list of this handle
 * whose copy does not match the centre's signed digest. While any list is
 * quarantined, tims_wl_screen and tims_wl_screen_person fail (closed),
 * naming the list and the reason: never a screening that silently skips
 * it. reason NULL lifts it. Not locked: call under the lock that guards
 * the handle's screening.
 */
#define TIMS_WL_QUARANTINE_MAX 64
tims_rc tims_wl_quarantine(struct tims_wl *wl, const char *list, const char *reason,
			   struct tims_err *err);
/* Whether `list` is quarantined here (reason copied when it is). */
bool tims_wl_quarantined(const struct tims_wl *wl, const char *list, char *reason,
			 size_t cap);
/* Every quarantine of src onto dst but that of `except` (a handle swapped
 * in after `except` was applied whole from the centre). */
void tims_wl_quarantine_copy(struct tims_wl *dst, const struct tims_wl *src,
			     const char *except);
/* The first quarantined list's name and reason into msg; false if none. */
bool tims_wl_quarantine_any(const struct tims_wl *wl, char *msg, size_t cap);

/* A new index with every active entry of every list (and list thresholds). */
tims_rc tims_wl_load_index(struct tims_wl *wl, struct tims_screen_index **out,
			   struct tims_err *err);

/* The stored entry behind a hit, as a JSON object text appended to out:
 * {"list":...,"kind":...,"ref":...,"version":N, fields...}. */
tims_rc tims_wl_describe(struct tims_wl *wl, uint32_t rowid, struct tims_buf *out,
			 struct tims_err *err);

/* The entry's normalised identifier (documents: number, vehicles: plate or
 * VIN as `kind` asks) to confirm a fingerprint hit; TIMS_ERR_NOTFOUND if
 * the entry has none or does not exist. */
tims_rc tims_wl_ident(struct tims_wl *wl, uint32_t rowid, enum tims_ident_kind kind,
		      char out[TIMS_IDENT_MAX + 1], struct tims_err *err);

/* The fingerprint of a normalised identifier under this store's key (what
 * the loaded index holds); the key needs the token in a node's store. */
tims_rc tims_wl_ident_fp(struct tims_wl *wl, enum tims_ident_kind kind, const char *norm,
			 uint64_t *fp, struct tims_err *err);

/* The live entries whose identifier of `kind` has fingerprint fp: row ids
 * into rows (at most max), their number in *n (may exceed max). Each is
 * still to be compared with the number (tims_wl_ident): another number may
 * share the fingerprint. */
tims_rc tims_wl_ident_candidates(struct tims_wl *wl, enum tims_ident_kind kind, uint64_t fp,
				 uint32_t *rows, size_t max, size_t *n, struct tims_err *err);

/*
 * The store's fingerprint index is two tables (lib/watchlist/fpindex.c):
 * the main one, and the changes since its last merge, written with each
 * change of entries in its transaction (a delta touches only those).
 * tims_wl_fp_merge folds at most max_rows of the changes (0: the default
 * step) into the main table in one transaction, in key order: *merged how
 * many, *left how many remain (either may be NULL). Screening goes on
 * meanwhile (other connections read the last commit; the view is the same
 * before and after each step), and a crash leaves the last step committed.
 * A post runs it in the background; an import that leaves more than
 * TIMS_WL_FP_RECENT_FOLD changes folds them itself before it returns.
 * tims_wl_fp_pending: how many changes wait.
 */
#define TIMS_WL_FP_MERGE_STEP 8192
#define TIMS_WL_FP_RECENT_FOLD 1000000
tims_rc tims_wl_fp_merge(struct tims_wl *wl, size_t max_rows, size_t *merged, size_t *left,
			 struct tims_err *err);
tims_rc tims_wl_fp_pending(struct tims_wl *wl, size_t *n, struct tims_err *err);
/* One step on the store of directory dir through a connection of its own
 * that touches only the two tables (no schema made, no vault opened; a
 * store of another schema version is left alone: nothing merged). */
tims_rc tims_wl_fp_merge_dir(const char *dir, size_t max_rows, size_t *merged, size_t *left,
			     struct tims_err *err);

/*
 * A live index kept up to date with the store (lib/node/bundles.c): after
 * tims_wl_track, every change made through this handle (imports, removals,
 * bundles) is logged; tims_wl_tracked takes the log as the fingerprints
 * that left and joined the live entries, and whether a person list changed
 * (then the index is reloaded: persons are not changed in place);
 * tims_wl_index_update applies it to an index loaded from the same store,
 * whole or not at all, with the lists' thresholds; TIMS_ERR_STATE when it
 * cannot (persons changed, or the store changed elsewhere too: reload).
 */
struct tims_wl_index_delta {
	uint64_t *add, *del;
	size_t nadd, ndel;
	bool persons;
	/* versions made through this handle, and the store's stamp (the sum
	 * of its lists' versions) after them: an index whose stamp plus
	 * `bumps` is not `stamp` missed a change made elsewhere (another
	 * process's import) and is reloaded, never patched */
	uint64_t bumps, stamp;
};
tims_rc tims_wl_track(struct tims_wl *wl, struct tims_err *err);
/* The sum of the lists' versions: every change of entries moves it. */
tims_rc tims_wl_stamp(struct tims_wl *wl, uint64_t *stamp, struct tims_err *err);
tims_rc tims_wl_tracked(struct tims_wl *wl, struct tims_wl_index_delta *d,
			struct tims_err *err);
void tims_wl_index_delta_release(struct tims_wl_index_delta *d);
tims_rc tims_wl_index_update(struct tims_wl *wl, struct tims_screen_index *ix,
			     const struct tims_wl_index_delta *d, struct tims_err *err);

/*
 * Screening a traveller, typed: what the booth service (tims/booth.h) and
 * `tims screen` ask, and what they get back. Renderers to JSON live at the
 * edges (lib/booth/json.c), never here.
 *
 * Fail closed: a hit the index found but the store could not read back, a
 * search that could not be completed, a name or a number that could not be
 * put in the form the index holds, more hits than the result can hold: the
 * call fails (err says what), never "no hit".
 */
#define TIMS_WL_HITS_MAX 32     /* hits of one screening, all parts */
#define TIMS_WL_REF_MAX 64

enum tims_wl_part { TIMS_WL_PART_DOCUMENT = 1, TIMS_WL_PART_PERSON = 2,
		    TIMS_WL_PART_VEHICLE = 3 }; /* = enum tims_hit_part (record.h) */

struct tims_wl_hit {
	uint8_t part;                        /* enum tims_wl_part */
	enum tims_wl_kind kind;              /* the list's kind */
	uint32_t rowid;
	char list[TIMS_WL_LIST_NAME_MAX + 1];
	char ref[TIMS_WL_REF_MAX + 1];
	uint64_t version;                    /* the entry's version in its list */
	char alert[24];                      /* persons: alert; others: status */
	bool discreet;                       /* alert "discreet-check" (SIS Art. 36) */
	double score;                        /* 0..1; identifiers 1 */
	unsigned nreasons;
	char reasons[TIMS_SCREEN_MAX_REASONS][TIMS_SCREEN_REASON_BYTES];
	char codes[TIMS_SCREEN_MAX_REASONS][TIMS_SCREEN_CODE_BYTES]; /* coded: tims/screen.h */
	/* The entry as listed, for the officer (never shown for a discreet hit). */
	char name[257];                      /* persons */
	char dob[11];
	char nationality[4];
	char authority[129];
	char instruction[513];
	char number[TIMS_IDENT_MAX + 1];     /* documents */
	char doc_type[129];
	char issuing_state[4];
	char plate[TIMS_IDENT_MAX + 1];      /* vehicles */
	char vin[TIMS_IDENT_MAX + 1];
	char country[4];
};

struct tims_wl_screening {
	size_t nhits;
	struct tims_wl_hit hits[TIMS_WL_HITS_MAX];
	size_t candidates;                   /* person entries scored */
};

/* What is screened; any pointer may be NULL or "" (not given). */
struct tims_wl_query {
	const char *doc_number, *doc_issuer;   /* document lists */
	const char *surname, *given_names;     /* person lists */
	const char *birth_date;                /* YYYY[-MM[-DD]] */
	const char *nationality;
	char sex;                              /* 'M', 'F' or 0 */
	const char *plate, *vin;               /* vehicle lists */
};

struct tims_name;
struct tims_subject;

/* Screen q against the lists loaded in ix; out is filled from empty. */
TIMS_MUST_USE tims_rc tims_wl_screen(struct tims_wl *wl, struct tims_screen_index *ix,
				     const struct tims_wl_query *q,
				     struct tims_wl_screening *out, struct tims_err *err);

/* Person hits for a parsed name and its qualifiers, appended to out. */
TIMS_MUST_USE tims_rc tims_wl_screen_person(struct tims_wl *wl, struct tims_screen_index *ix,
					    const struct tims_name *name,
					    const struct tims_subject *s,
					    struct tims_wl_screening *out, struct tims_err *err);

/* "document", "person", "vehicle". */
const char *tims_wl_part_name(unsigned part);

#endif
