/*
 * wl_int.h — what the files of lib/watchlist (store.c, writer.c, idents.c,
 * import.c) share: the open store and the row validation that turns an
 * input row into the stored, normalised form.
 */
#ifndef TIMS_WL_INT_H
#define TIMS_WL_INT_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#include "tims/buf.h"
#include "tims/lthash.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

struct tims_wl_quarantine {
	char list[TIMS_WL_LIST_NAME_MAX + 1];
	char reason[200];
};

struct tims_wl {
	sqlite3 *db;
	struct tims_vault *vault;            /* the node's (DIR/.. or DIR); NULL: a
						scratch store outside any node */
	char actor[TIMS_WL_ACTOR_MAX + 1];   /* "" : not known */
	bool from_centre;                    /* changes are bundles applied */
	size_t nquarantine;
	bool quarantine_overflow;            /* more than fit: every list */
	struct tims_wl_quarantine quarantine[TIMS_WL_QUARANTINE_MAX];
	/* identifier fingerprints (idents.c): the key, derived from the
	 * vault's blind key once the token is reached (zeros in a scratch
	 * store), and whether changes are logged for a live index */
	uint8_t fp_key[TIMS_SCREEN_IDENT_KEY_BYTES];
	bool fp_key_ok;
	bool tracking;
	bool fp_bulk;                        /* a bulk change of rows: fp_recent not
						written, fp_main made from the rows at
						its end (fpindex.c) */
	int64_t fp_list_id;                  /* the list whose kind is below */
	enum tims_wl_kind fp_list_kind;
	/* the checkpoint of a large import, on a thread of its own after the
	 * commit (import.c): joined by the next import and at close */
	pthread_t ckpt;
	pid_t ckpt_pid;                      /* 0: none running */
	sqlite3 *ckpt_db;
};

/* Record the change that made `version` of list_id (inside the caller's
 * transaction). */
tims_rc tims__wl_record_change(struct tims_wl *wl, int64_t list_id, uint64_t version,
			       const char *action, uint64_t count, const char *ref,
			       struct tims_err *err);

/* An input row checked and normalised: the JSON stored as `data`, and the
 * identifiers the index keys on ("" when none). */
struct tims__wl_row {
	char ref[65];
	json_t *data;
	char ident1[TIMS_IDENT_MAX + 1]; /* document number or plate */
	char ident2[TIMS_IDENT_MAX + 1]; /* VIN */
};

/* Validate one row (a JSON object of fields) of a list of `kind`. On error
 * the message names the field; row->data is NULL. */
tims_rc tims__wl_check_row(enum tims_wl_kind kind, json_t *in,
			   struct tims__wl_row *row, struct tims_err *err);

/* The id, kind, version of a list; TIMS_ERR_NOTFOUND if absent. */
tims_rc tims__wl_find_list(struct tims_wl *wl, const char *name, int64_t *id,
			   enum tims_wl_kind *kind, uint64_t *version,
			   struct tims_err *err);

/*
 * An entry's fields at rest (store.c): in a node's store, data, ident1 and
 * ident2 are sealed by the node's vault, associated data
 * "watchlist.entries/LIST/REF/FIELD"; data_hash is a blind index of the
 * data (whether an import changed an entry). A scratch store keeps them in
 * clear. tims__wl_open_field appends the text to out (NUL-terminated).
 */
tims_rc tims__wl_seal_field(struct tims_wl *wl, int64_t list_id, const char *ref,
			    const char *field, const char *text, struct tims_buf *out,
			    struct tims_err *err);
tims_rc tims__wl_open_field(struct tims_wl *wl, int64_t list_id, const char *ref,
			    const char *field, sqlite3_stmt *st, int col, struct tims_buf *out,
			    struct tims_err *err);
tims_rc tims__wl_data_hash(struct tims_wl *wl, const char *data,
			   char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err);

/*
 * Every change of the entries of a list goes through a writer (writer.c), in
 * the caller's transaction: it keeps the list's multiset hash (table
 * list_sums, tims/lthash.h) in step with the rows. Each element is the
 * line tims_wl_export writes for the entry, made from the clear text at
 * the time of writing (the new entry's from the row checked, the old one's
 * from its stored data, opened). begin loads the sum (computing it from the
 * rows if the store has none: a store made before sums); end(commit) writes
 * it back. Nothing else writes `entries` but seal_in_place, which changes
 * how fields are stored, not what they say.
 */
struct tims__wl_writer {
	struct tims_wl *wl;
	int64_t list_id;
	struct tims_lthash sum, at_begin;
	int64_t removed;                     /* tombstones added (kept with the sum) */
	bool fresh;                          /* the list had no row (live or not) at
						begin: a put tries a plain insert
						first, without looking the ref up */
	sqlite3_stmt *get, *touch, *del, *ins, *upd, *rec;
	struct tims_buf el;                  /* an element, scratch */
};
tims_rc tims__wl_writer_begin(struct tims_wl *wl, int64_t list_id, struct tims__wl_writer *w,
			      struct tims_err *err);
/* Insert or change the entry of row->ref (row->data consumed by the caller);
 * *changed false when it is stored as it was (only `seen` is set). */
tims_rc tims__wl_writer_put(struct tims__wl_writer *w, const struct tims__wl_row *row,
			    uint64_t version, bool *changed, struct tims_err *err);
/* Tombstone the live entry `ref`; TIMS_ERR_NOTFOUND if there is none. */
tims_rc tims__wl_writer_del(struct tims__wl_writer *w, const char *ref, uint64_t version,
			    struct tims_err *err);
/* Tombstone every live entry not named by the import `version` (seen below
 * it): a replace. */
tims_rc tims__wl_writer_del_unseen(struct tims__wl_writer *w, uint64_t version, size_t *n,
				   struct tims_err *err);
/* The sum taken again from the rows (each opened): a whole list imported
 * over the old (a replace, a repair) does not carry over a sum that may no
 * longer be the rows'. */
tims_rc tims__wl_writer_resum(struct tims__wl_writer *w, struct tims_err *err);
/* Tombstone every live entry of the list. */
tims_rc tims__wl_writer_clear(struct tims__wl_writer *w, uint64_t version, size_t *n,
			      struct tims_err *err);
/*
 * A large first load (import.c) makes its entries on worker threads and
 * writes them on one: tims__wl_writer_parallel (once, before the workers
 * start: the fingerprint key and the list's kind) then, on any thread,
 * tims__wl_writer_prepare for a row checked: its data text, data_hash,
 * fingerprints, the three fields sealed by the vault (thread-safe) and its
 * element, added to that thread's partial sum; on the writer's thread, in
 * the order of the file, tims__wl_writer_put_prepared (the insert of a first
 * load; a ref named twice takes the full path of tims__wl_writer_put, its
 * prepared element taken back out of the sum) and, once every row is in,
 * tims__wl_writer_add_sum of each partial sum. The sum is the one the row
 * by row path gives: LtHash is a sum, in any order.
 */
struct tims__wl_prepared {
	char *data;                          /* clear (wiped on release) */
	char hash[TIMS_VAULT_BLIND_HEX];
	uint64_t fp1, fp2;
	struct tims_buf d, a, b, el;         /* sealed fields; the element */
	/* the entry the list held for the ref at its last commit, as a worker
	 * reading ahead found it (tims__wl_writer_prepare_old): its element
	 * already taken out of that worker's sum, when old_done */
	bool old_done;
	int64_t old_id;
	char old_hash[TIMS_VAULT_BLIND_HEX];
	struct tims_buf old_el;
};
tims_rc tims__wl_writer_parallel(struct tims__wl_writer *w, struct tims_err *err);
/* p zeroed or as a prepare before left it (its buffers are reused). */
tims_rc tims__wl_writer_prepare(const struct tims__wl_writer *w, const struct tims__wl_row *row,
				struct tims__wl_prepared *p, struct tims_lthash *partial,
				struct tims_err *err);
tims_rc tims__wl_writer_put_prepared(struct tims__wl_writer *w, const struct tims__wl_row *row,
				     struct tims__wl_prepared *p, uint64_t version,
				     bool *changed, struct tims_err *err);
/* On a worker reading ahead through a connection of its own: st stepped to
 * the row the list held for row's ref at its last commit, columns id,
 * data_hash, data, deleted_version from `col`. A live entry that the
 * prepared one changes: its element (opened as stored) taken out of
 * `partial` now, and noted in p; the writer uses it when it finds that
 * entry as it was (same id, same data_hash), else puts it back. */
void tims__wl_writer_prepare_old(const struct tims__wl_writer *w, const struct tims__wl_row *row,
				 struct tims__wl_prepared *p, sqlite3_stmt *st, int col,
				 struct tims_lthash *partial);
void tims__wl_writer_add_sum(struct tims__wl_writer *w, const struct tims_lthash *partial);
void tims__wl_prepared_release(struct tims__wl_prepared *p);

/* Whether the sum is still the one begin loaded. */
bool tims__wl_writer_same(const struct tims__wl_writer *w);
/* Write the sum back (commit) or not, and free the writer. */
tims_rc tims__wl_writer_end(struct tims__wl_writer *w, bool commit, struct tims_err *err);

/*
 * Identifier fingerprints at rest (idents.c): columns fp1 (document number or
 * plate) and fp2 (VIN), tims_screen_ident_fp under the store's key, stored
 * with the sign bit flipped so that SQLite's signed order is the unsigned
 * one; NULL when the entry has none (and in person lists). The index loads
 * them in order from the fingerprint index (fp_main and fp_recent, below)
 * without opening a sealed field.
 */
tims_rc tims__wl_ident_fps(struct tims_wl *wl, enum tims_wl_kind kind, const char *ident1,
			   const char *ident2, uint64_t *fp1, uint64_t *fp2,
			   struct tims_err *err);
/* The fingerprints of a row about to be written to list_id (its kind
 * looked up once): what every write of an entry stores in fp1, fp2. */
struct tims__wl_row;
tims_rc tims__wl_row_fps(struct tims_wl *wl, int64_t list_id, const struct tims__wl_row *row,
			 uint64_t *fp1, uint64_t *fp2, struct tims_err *err);
/* Bind fp (0: NULL) to parameter i. */
void tims__wl_bind_fp(sqlite3_stmt *st, int i, uint64_t fp);
/* Tests only: fingerprints from this function instead of the keyed hash
 * (to make two numbers collide); NULL restores the keyed hash. */
extern uint64_t (*tims__wl_fp_test_hook)(enum tims_ident_kind kind, const char *norm);

/* Worker threads of a first load (import.c): 0 one per core but one (at
 * most 8; none on one core or for a file under 1 MiB), < 0 none (row by
 * row), n > 0 that many whatever the size. Tests set it. */
extern int tims__wl_import_threads;
/* The workers the last import of this process used (0: row by row). */
extern unsigned tims__wl_import_workers;
/* idents.c: a large load stops recording into fp_recent and makes the
 * fingerprint index again from the rows at its end (fpindex.c)
 * (tims__wl_defer_fp_indexes: whether, for a load of that many lines;
 * tims__wl_defer_index_min: the fewest lines, 0 never, < 0 always;
 * tims__wl_deferred_loads counts the loads that did: tests) */
extern int tims__wl_defer_index_min;
extern unsigned tims__wl_deferred_loads;
bool tims__wl_defer_fp_indexes(struct tims_wl *wl, size_t lines);

/*
 * The fingerprint index in two levels (fpindex.c): fp_main and fp_recent,
 * keyed (fp, col, id); the writer writes fp_recent with each change.
 *   tims__wl_fp_lsm_schema   at open: the tables; a store of
 *                            schema 1 migrated (fp_main made from the rows
 *                            when `made`, entries_fp1/2 dropped), one
 *                            transaction
 *   tims__wl_fp_indexes      in the caller's transaction: make false stops
 *                            the writing of fp_recent (wl->fp_bulk: a bulk
 *                            change of rows follows), make true makes
 *                            fp_main again from every row, empties
 *                            fp_recent and writes it again
 *   tims__wl_fp_list_reset   one list's rows of the index made again from
 *                            its entries
 *   tims__wl_fp_view         every key of the view (fp_main, fp_recent over
 *                            it) in order to fn; fn returns non-zero to stop
 *                            (< 0: an error it put in err)
 *   tims__wl_fp_candidates   the live entries of a key (stored form of fp)
 *   tims__wl_fp_fold         merge every recent row when more than `above`
 *   tims__wl_fp_check        a list's view against its rows and their
 *                            numbers (opened): TIMS_ERR_TAMPER when not
 */
tims_rc tims__wl_fp_lsm_schema(struct tims_wl *wl, bool made, struct tims_err *err);
tims_rc tims__wl_fp_indexes(struct tims_wl *wl, bool make, struct tims_err *err);
tims_rc tims__wl_fp_list_reset(struct tims_wl *wl, int64_t list_id, struct tims_err *err);
/* The same in a transaction of its own (a whole list imported). */
tims_rc tims__wl_fp_list_rebuild(struct tims_wl *wl, const char *list, struct tims_err *err);
tims_rc tims__wl_fp_view(sqlite3 *db, int (*fn)(void *ctx, int64_t fp, int col, int64_t id,
						 int64_t list),
			 void *ctx, struct tims_err *err);
tims_rc tims__wl_fp_candidates(struct tims_wl *wl, int col, int64_t stored, uint32_t *rows,
			       size_t max, size_t *n, struct tims_err *err);
tims_rc tims__wl_fp_fold(struct tims_wl *wl, size_t above, struct tims_err *err);
tims_rc tims__wl_fp_check(struct tims_wl *wl, int64_t list_id, enum tims_wl_kind kind,
			  const char *list, struct tims_err *err);
/* Tests: called after each recent row a merge step applied (a crash
 * played by a child that _exits there). */
extern void (*tims__wl_merge_test_hook)(size_t applied);

/* At open (store.c): the fingerprint columns and their indexes made
 * (idents.c), the rows' fingerprints filled in once the vault is there, and
 * the sums of lists made before sums computed (writer.c). */
tims_rc tims__wl_fp_schema(struct tims_wl *wl, struct tims_err *err);
tims_rc tims__wl_fp_fill(struct tims_wl *wl, struct tims_err *err);
/* The fingerprint key made ready (the vault's blind key, once): before
 * worker threads fingerprint rows, which only read it. */
tims_rc tims__wl_fp_key(struct tims_wl *wl, struct tims_err *err);
tims_rc tims__wl_sums_missing(struct tims_wl *wl, struct tims_err *err);

/* The large import's checkpoint, started after its commit on a thread of
 * its own (its own connection; the writer's autocheckpoint held off
 * meanwhile), waited for: its wall time in *secs when not NULL (0 when
 * none ran). */
void tims__wl_ckpt_join(struct tims_wl *wl, double *secs);
extern double tims__wl_ckpt_last_s;

/* A database error as a tims_rc with sqlite's message. */
tims_rc tims__wl_dberr(struct tims_wl *wl, struct tims_err *err, const char *what);

/* One integer a statement of sql answers (its first row's first column, 0
 * when none): a count, a sum. `what` names the table in errors. */
tims_rc tims__wl_scalar(struct tims_wl *wl, const char *sql, const char *what, uint64_t *out,
			struct tims_err *err);

#endif
