/*
 * post.h — a border post's crossing log: durable, signed, tamper-evident.
 *
 * A post is a directory (docs/formats.md, "Post directory"):
 *   config              origin, name, kind (land, port, airport)
 *   post.db             SQLite (WAL, synchronous=FULL): records, stored
 *                       hashes, every checkpoint issued
 *   post.skey           the Ed25519 signer key (mode 0600, the only secret)
 *   post.vkey           its verifier key (public)
 *   checkpoint          the latest checkpoint, kept outside post.db so that
 *                       a database rolled back to an old copy is caught
 *   stay-regimes.conf   stay rules per nationality (tims/stay.h)
 *
 * Guarantees:
 *   - tims_post_append returns only after the SQLite transaction holding the
 *     records, their leaf entries and their stored hashes has committed
 *     (fsync'd). An acknowledgement is durable.
 *   - Records are never updated or deleted by the library (triggers refuse
 *     it too); a correction is a new record (record.h `corrects`). The one
 *     designed exception is retention erasure (tims_post_erase): the record
 *     and its salt go, the leaf entry stays, the log still verifies.
 *   - A checkpoint is signed only for a tree at least as large as, and
 *     consistent with, every checkpoint published before (in post.db and in
 *     the outside file).
 *   - tims_post_verify recomputes everything from the records and names each
 *     discrepancy.
 *
 * Threads: one handle may be used by many threads at once; each function
 * holds the handle's own lock while it uses the database, and never shows
 * a transaction that is still open. tims_post_register needs no lock of
 * the caller's: concurrent registrations are committed together (group
 * commit). One process may append while others read (SQLite serialises
 * writers with BEGIN IMMEDIATE).
 */
#ifndef TIMS_POST_H
#define TIMS_POST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/note.h"
#include "tims/record.h"
#include "tims/tlog.h"

#define TIMS_POST_MAX_BATCH 1024
#define TIMS_POST_CHECKPOINT_MS 1000 /* while records arrive */
/* A step of the wall clock against the monotonic clock, between two
 * registrations, larger than this is a jump (tims_post_clock). */
#define TIMS_POST_CLOCK_JUMP_MS 2000

struct tims_post;

enum tims_post_mode {
	TIMS_POST_READ = 0,   /* verify, history: no key loaded */
	TIMS_POST_WRITE = 1,  /* append, checkpoint: loads post.skey */
};

/*
 * Create a new post in dir (created if missing; must not already hold a
 * post: TIMS_ERR_EXISTS). kind is "land", "port" or "airport". Makes the
 * vault (tims_vault_create: vault.conf, keys.db, a KEK in the key token),
 * the key pair (key name = origin), the database and the first checkpoint
 * (size 0). tims_post_init takes the token from the environment's
 * TIMS_TOKEN; tims_post_init_token from token (a PKCS#11 URI; NULL: the
 * environment). Without either: TIMS_ERR_USAGE naming TIMS_TOKEN and
 * --token; an unreachable token: TIMS_ERR_UNAVAILABLE.
 */
tims_rc tims_post_init(const char *dir, const char *origin, const char *name,
		       const char *kind, struct tims_err *err);
/* The same with the tokens named: token holds the vault's key-encryption key
 * (a PKCS#11 URI, RFC 7512; NULL: the environment's TIMS_TOKEN, as
 * tims_post_init), key_token the post's signing key (NULL: a key file;
 * post.skey is then a PKCS11+KEY reference, tims_signer_load, under a fresh
 * label). The vault is made first: without a token, TIMS_ERR_USAGE naming
 * TIMS_TOKEN and --token, and nothing else is made. */
tims_rc tims_post_init_token(const char *dir, const char *origin, const char *name,
			     const char *kind, const char *token, const char *key_token,
			     struct tims_err *err);

/*
 * Open a post. In WRITE mode, refuses (TIMS_ERR_TAMPER) a database whose log
 * is smaller than the checkpoint kept outside it: it was rolled back, or its
 * WAL was lost; and (TIMS_ERR_DB) one that SQLite's integrity check finds
 * damaged (tims_mlog_open). A post halted by tims_post_halt opens, but refuses to append.
 */
tims_rc tims_post_open(const char *dir, enum tims_post_mode mode,
		       struct tims_post **out, struct tims_err *err);
void tims_post_free(struct tims_post *p);

/*
 * `tims post seal`: a post made before personal data was sealed (post.db
 * and audit.db of schema 1) sealed in place: its vault made when missing
 * (token: a PKCS#11 URI, NULL: TIMS_TOKEN), every record's body sealed and
 * its document number turned into a blind index (time, direction and
 * decision columns added), the owed audit events, event queue and approval
 * requests sealed, audit.db's events sealed; each database in one
 * transaction, then vacuumed (secure_delete) so no clear copy lingers in
 * free pages or the WAL. Needs the token (TIMS_ERR_UNAVAILABLE). A post
 * already sealed is left as it is. Not while the post's node runs.
 */
struct tims_post_seal_stats {
	int vault_made;
	uint64_t records, other, events;
};
tims_rc tims_post_seal(const char *dir, const char *token, struct tims_post_seal_stats *st,
		       struct tims_err *err);

/* The post's vault (include/tims/vault.h), owned by the post: its state
 * says whether sealed records can be read now. */
struct tims_vault;
struct tims_vault *tims_post_vault(const struct tims_post *p);

const char *tims_post_origin(const struct tims_post *p);
const char *tims_post_dir(const struct tims_post *p);
/* Records in the log (the next index). */
tims_rc tims_post_size(struct tims_post *p, uint64_t *size,
		       struct tims_err *err);
/* The post's verifier (from post.vkey). */
const struct tims_verifier *tims_post_verifier(const struct tims_post *p);
/* The crossing log itself (its key chain: tims_mlog_key, hand-overs). */
struct tims_mlog;
const struct tims_mlog *tims_post_mlog(const struct tims_post *p);

/*
 * Rotate the post's signing key (docs/keys.md, "Rotating signing keys"):
 * a new Ed25519 key of the same name, written as post.skey.next and
 * post.vkey.next (fsync'd) before anything refers to it; both logs
 * (post.db's crossings and audit.db) handed over to it (tims_mlog_handover:
 * a checkpoint signed by the old and the new key); then the old post.skey
 * overwritten with zeros, fsync'd and replaced by the new one, post.vkey
 * likewise. Run with the node stopped (its handle would refuse to sign
 * with the old key after the hand-over). A rotation interrupted at any
 * point is finished by running it again (the .next files are reused, a
 * log already handed over is left alone). old_vkey and new_vkey (may be
 * NULL) receive the verifier keys, each at most 512 bytes.
 */
#define TIMS_POST_VKEY_MAX 512
TIMS_MUST_USE tims_rc tims_post_rotate_key(const char *dir, char *old_vkey, char *new_vkey,
					   struct tims_err *err);

/* What happened to one record of a batch. */
struct tims_post_ack {
	tims_rc rc;           /* TIMS_OK, or why this record was not stored */
	char msg[TIMS_ERR_MSG_BYTES];
	uint64_t index;       /* its log index */
	tims_hash leaf;       /* its leaf hash */
	int duplicate;        /* its id was already in the log: not stored
				 again; index and leaf are the first one's */
};

/*
 * Append records (at most TIMS_POST_MAX_BATCH) in one durable transaction.
 * The post sets each record's time_ms from its clock (never going back).
 * A record that cannot be stored (id reused for other content, a correction
 * of a record that does not exist) gets its own ack rc and is skipped; the
 * others are stored. Returns an error without storing anything only when the
 * database fails. Also signs a checkpoint in the same transaction when the
 * last one is TIMS_POST_CHECKPOINT_MS old or more. If the commit succeeded
 * but the checkpoint file outside post.db could not be rewritten, the
 * records are stored (their acks say TIMS_OK) and that error is returned:
 * trust the acks, report the error.
 */
TIMS_MUST_USE tims_rc tims_post_append(struct tims_post *p, struct tims_record *recs,
			 size_t n, struct tims_post_ack *acks,
			 struct tims_err *err);

/*
 * Registering at the booth: one record and the audit event owed for it,
 * durable together. Like tims_post_append for one record, and in the same
 * transaction (one fsync): a checkpoint covering the record (the answer
 * can prove its inclusion at once), and `owed`, the audit event the caller
 * owes for it (its own bytes, 1..TIMS_POST_OWED_MAX), kept in post.db
 * until the caller says it is in its audit log (tims_post_owed_settled).
 * If the process dies between the two, the owed event is still there at
 * the next start (tims_post_owed) and the caller appends it then: a
 * crossing is never in the log without its audit event. Nothing is owed
 * for a duplicate or a refused record. Refused (TIMS_ERR_STATE) while the
 * post is halted (tims_post_halt).
 *
 * Errors: TIMS_ERR_FULL when the disk is full (nothing stored); an I/O
 * error stops the post writing (tims_post_halted) and leaves it unknown
 * whether the record reached the disk: the ack says "not confirmed", and a
 * retry with the same id after the restart is answered as a duplicate if
 * it did. As with tims_post_append, an ack of TIMS_OK means durable even
 * when an error is returned (the checkpoint file outside post.db failed).
 *
 * Many threads may call it at once, holding no lock of their own: the
 * registrations waiting together are one group, appended in one
 * transaction with one checkpoint covering all of them and committed with
 * one fsync (and one rewrite of the checkpoint file). A caller alone does
 * not wait for company. Each caller gets its own ack: a record refused on
 * its own (a reused id with other content, an invalid field) fails alone
 * and the others are stored; an id given twice in one group is stored once
 * and the second is its duplicate. A failed transaction or commit fails
 * every member the same way, as above, and nothing of the group is
 * acknowledged before its COMMIT has returned. The returned error and
 * `err` are the group's: TIMS_OK with ack->rc set means only this record
 * was refused. rec and owed must stay valid until the call returns.
 */
#define TIMS_POST_OWED_MAX 8192
tims_rc tims_post_register(struct tims_post *p, struct tims_record *rec,
			   const void *owed, size_t owed_len,
			   struct tims_post_ack *ack, struct tims_err *err);

/* Groups committed (or tried) by tims_post_register since the handle was
 * opened, the registrations they held (registrations / groups: the mean
 * group), and how many wait for the next group now (waiting may be NULL). */
void tims_post_group_stats(struct tims_post *p, uint64_t *groups,
			   uint64_t *registrations, size_t *waiting);

/* The owed audit events not yet settled, in log order. */
typedef tims_rc (*tims_post_owed_fn)(void *ctx, uint64_t index,
				     const void *owed, size_t len);
tims_rc tims_post_owed(struct tims_post *p, tims_post_owed_fn fn, void *ctx,
		       struct tims_err *err);

/*
 * The event owed for `index` is now in the audit log: forget it, in the
 * next registration's transaction (no fsync of its own), or at once when
 * `now` is not 0 (index UINT64_MAX: none, only forget at once those
 * settled before). Forgetting twice is harmless.
 */
tims_rc tims_post_owed_settled(struct tims_post *p, uint64_t index, int now,
			       struct tims_err *err);

/*
 * The post's clock as its registrations see it. A record's post time is
 * the wall clock, but never earlier than the log's last record: a clock
 * stepped back leaves the log in order (records keep the last time until
 * the clock passes it) and is flagged here; so is a clock stepped forward.
 * jumps: steps of the wall clock against the monotonic clock larger than
 * TIMS_POST_CLOCK_JUMP_MS between two registrations (or, at the first one
 * after start, a clock behind the log's last record); last_jump_ms: the
 * last step (negative: back); last_at_ms: the wall clock after it;
 * held_ms: how far the last record's time was ahead of the wall clock at
 * the last registration (0: the clock is past the log).
 */
struct tims_post_clock {
	uint64_t jumps;
	int64_t last_jump_ms;
	int64_t last_at_ms;
	int64_t held_ms;
};
void tims_post_clock(const struct tims_post *p, struct tims_post_clock *out);

/*
 * A post that stops acknowledging. tims_post_halt writes DIR/halted (the
 * reason, when, and the size a peer holds: the centre or a witness that
 * saw more of this log than it now has) and refuses every later append
 * (TIMS_ERR_STATE naming the reason), also across restarts, until an
 * operator runs the documented procedure (`tims post resolve-rollback`,
 * docs/operations.md), which clears it with tims_post_halt_clear.
 * tims_post_halted: NULL while the post acknowledges; else why not — the
 * halt file, or an I/O error since this handle opened (tims_mlog_broken:
 * that one ends with the process). *persistent (if not NULL) says which.
 */
tims_rc tims_post_halt(struct tims_post *p, const char *reason,
		       uint64_t peer_size, struct tims_err *err);
const char *tims_post_halted(const struct tims_post *p, int *persistent);
/* DIR/halted: TIMS_ERR_NOTFOUND if the post is not halted. */
tims_rc tims_post_halt_read(const char *dir, char *why, size_t cap,
			    uint64_t *peer_size, int64_t *since_ms,
			    struct tims_err *err);
tims_rc tims_post_halt_clear(const char *dir, struct tims_err *err);

/* 1 while the post's signing key is unavailable (its token absent, locked
 * or refusing at the last attempt to sign), the reason in why; 0 once a
 * checkpoint is signed again. */
int tims_post_key_unavailable(struct tims_post *p, char *why, size_t n);

/*
 * Sign a checkpoint of the whole log now, unless the latest already covers
 * it (then *issued = 0). Also rewrites the outside checkpoint file.
 * TIMS_ERR_UNAVAILABLE when post.skey's token is absent or refuses: no
 * checkpoint, and appends keep acknowledging (docs/keys.md).
 */
TIMS_MUST_USE tims_rc tims_post_checkpoint(struct tims_post *p, int *issued,
			     struct tims_err *err);

/* The latest checkpoint (the signed note) and its parsed body. */
TIMS_MUST_USE tims_rc tims_post_latest_checkpoint(struct tims_post *p, struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err);

/* One record by index; *erased set if its payload was erased. */
tims_rc tims_post_get(struct tims_post *p, uint64_t index,
		      struct tims_record *rec, int *erased,
		      uint8_t entry[TIMS_RECORD_ENTRY_BYTES],
		      struct tims_err *err);

/*
 * The record stored under a client id (its "id", unique per post):
 * TIMS_ERR_NOTFOUND if none. *erased set if its payload was erased (rec
 * is then empty). leaf (may be NULL): its leaf hash.
 */
tims_rc tims_post_get_ref(struct tims_post *p, const char *ref, uint64_t *index,
			  struct tims_record *rec, int *erased, tims_hash leaf,
			  struct tims_err *err);

/* Every record of a document (and nationality, if not NULL), in log order. */
typedef tims_rc (*tims_post_record_fn)(void *ctx, uint64_t index,
				       const struct tims_record *rec);
tims_rc tims_post_history(struct tims_post *p, const char *doc_number,
			  const char *nationality, tims_post_record_fn fn,
			  void *ctx, struct tims_err *err);

/*
 * Find a person in this post's history by name (lib/post/search.c): the
 * screening engine's normalisation and scorer, with the centre's keys
 * (struct tims_name_query, tims/screen.h), so that "Hoxha / Arbër",
 * "HOXHA ARBER", "Хоџа Арбер" or a typo with the full birth date find the
 * same person. Surname or given names required; birth_date "YYYY",
 * "YYYY-MM" or "YYYY-MM-DD" optional (the full date makes the birth date
 * the key, so typos in the surname are found too); nationality optional
 * (it weighs in the score). One match per document, the best-scoring
 * record speaking for it, best first:
 *   {"query": {...}, "candidates": N, "found": N, "shown": N,
 *    "max_candidates": N, "limit": N, "threshold": T,
 *    "matches": [{"surname", "given_names", "birth_date", "nationality",
 *    "sex", "document", "issuer", "score", "reasons", "crossings",
 *    "first_ms", "last_ms", "last_index"}]}
 * "found" counts every document matched, "shown" those listed (at most
 * limit), "candidates" the records compared. TIMS_ERR_TOOBIG when more than TIMS_POST_SEARCH_CANDIDATES
 * records would have to be compared (give more of the name or the full
 * birth date); TIMS_ERR_INVALID names the field of a malformed query;
 * TIMS_ERR_UNAVAILABLE while the token is out (never "nobody").
 */
/*
 * The name keys still owed (a post.db migrated from schema 2 owes every
 * older record's; a record registered while the token was out owes its
 * own): at most max records made, in one transaction; *more says whether
 * some are still owed. The node calls it from its timer in small steps;
 * a search makes up to TIMS_POST_SEARCH_CATCHUP itself and, with more
 * still owed, fails closed (TIMS_ERR_UNAVAILABLE).
 */
tims_rc tims_post_index_names(struct tims_post *p, size_t max, int *more, struct tims_err *err);
#define TIMS_POST_SEARCH_CATCHUP 512
#define TIMS_POST_SEARCH_CANDIDATES 5000
#define TIMS_POST_SEARCH_RESULTS 50
struct tims_post_search_query {
	const char *surname, *given, *birth_date, *nationality;
	double threshold;        /* 0: the screening default (TIMS_SCREEN_THRESHOLD) */
	unsigned limit;          /* matches shown, 0: TIMS_POST_SEARCH_RESULTS (the most) */
	unsigned max_candidates; /* 0: TIMS_POST_SEARCH_CANDIDATES (the most) */
};
tims_rc tims_post_search(struct tims_post *p, const struct tims_post_search_query *q,
			 json_t **out, struct tims_err *err);

/* The latest record that corrects `index`, or TIMS_RECORD_NO_INDEX. */
tims_rc tims_post_corrected_by(struct tims_post *p, uint64_t index,
			       uint64_t *by, struct tims_err *err);

/*
 * Retention's view of every record (lib/post/retention.c), read from the
 * clear columns without the token, in index order. fn must not call back
 * into p.
 */
struct tims_post_retention_row {
	uint64_t index;
	int64_t time_ms;        /* the post's time of the record */
	int64_t entry_ms;       /* the time in its leaf entry */
	uint8_t direction, decision;
	uint64_t corrects;      /* TIMS_RECORD_NO_INDEX if none */
	char doc[72];           /* the document's blind index, "" if none yet */
	int erased;
};
typedef tims_rc (*tims_post_retention_fn)(void *ctx, const struct tims_post_retention_row *r);
tims_rc tims_post_retention_rows(struct tims_post *p, tims_post_retention_fn fn, void *ctx,
				 struct tims_err *err);

/* The records registered in [from_ms, to_ms) (the post's time of the
 * record), without opening any: counts[direction][decision] of the records
 * that correct none, and *corrections those that do (a corrected crossing
 * counts once). Directions and decisions beyond 7 are not counted. */
tims_rc tims_post_count_period(struct tims_post *p, int64_t from_ms, int64_t to_ms,
			       uint64_t counts[8][8], uint64_t *corrections, struct tims_err *err);

/* Retention: erase a record's payload and salt, keeping its leaf entry. */
tims_rc tims_post_erase(struct tims_post *p, uint64_t index,
			struct tims_err *err);

/* A reader over the post's stored hashes (valid while p lives). */
void tims_post_reader(struct tims_post *p, struct tims_tlog_reader *r);

/* ---- sync (tims/sync.h): export, restore, cosignatures ---- */

/*
 * One log position as it travels between a post and the centre: the leaf
 * entry always; the salt and the canonical record unless erased by
 * retention (body NULL). Pointers are valid only during the callback.
 */
struct tims_post_raw {
	uint64_t index;
	uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
	const uint8_t *salt;  /* TIMS_RECORD_SALT_BYTES, or NULL if erased */
	const uint8_t *body;  /* canonical record, or NULL if erased */
	size_t body_len;
};
typedef tims_rc (*tims_post_raw_fn)(void *ctx, const struct tims_post_raw *r);

/*
 * The rows of a prepared "SELECT idx, entry, salt, body ... ORDER BY idx"
 * (a post's records or a mirror's entries), bound and ready: each checked
 * (consecutive from `from`, entry and salt of their sizes) and passed to
 * fn. `what` names the store in errors ("post.db", "mirror of ORIGIN").
 * The statement is stepped, not finalised.
 */
struct sqlite3_stmt;
tims_rc tims_post_raw_rows(struct sqlite3_stmt *st, uint64_t from, const char *what,
			   tims_post_raw_fn fn, void *ctx, struct tims_err *err);

/* Leaves [from, from+count) in order (fewer if the log ends first). */
tims_rc tims_post_export(struct tims_post *p, uint64_t from, uint64_t count,
			 tims_post_raw_fn fn, void *ctx, struct tims_err *err);

/*
 * Check one raw position against itself: the entry is a version 1 crossing
 * entry, and when a payload is given, the record decodes canonically (into
 * rec, if not NULL), its time is the entry's and SHA-256(salt || body) is
 * the entry's commitment. TIMS_ERR_TAMPER / INVALID naming the index.
 */
TIMS_MUST_USE tims_rc tims_post_raw_check(const struct tims_post_raw *r,
			    struct tims_record *rec, struct tims_err *err);

/*
 * Restore: open a post directory whose post.db was lost (config and keys
 * kept, e.g. from the key backup), creating an empty post.db; or one whose
 * restore was interrupted. No signer is loaded and the outside checkpoint
 * file is not enforced until the restore is done: then open it normally,
 * which refuses it if it holds less than the post had published.
 * A directory without its vault (vault.conf) gets a new one in the token
 * TIMS_TOKEN names, and the imported records are sealed under it.
 */
tims_rc tims_post_open_restore(const char *dir, struct tims_post **out,
			       struct tims_err *err);
/*
 * Append raw positions (each checked with tims_post_raw_check, each at the
 * next index) and then, if note is not NULL, keep that post-signed
 * checkpoint (tims_mlog_adopt: signature, size, root), all in one durable
 * transaction. Nothing is stored if anything fails.
 */
tims_rc tims_post_import(struct tims_post *p, const struct tims_post_raw *raw,
			 size_t n, const char *note, size_t note_len,
			 struct tims_err *err);

/*
 * Cosignatures this post received for its checkpoints, from the centre or
 * a witness: the signed checkpoint note (with the cosignature lines) by
 * size and cosigner name. Kept so that a restored post or a rebuilt centre
 * can be checked against what independent parties saw.
 */
tims_rc tims_post_keep_cosigned(struct tims_post *p, const char *cosigner,
				uint64_t size, const char *note, size_t len,
				struct tims_err *err);
/* The largest size cosigned by `cosigner` (0 and note empty if none). */
tims_rc tims_post_cosigned(struct tims_post *p, const char *cosigner,
			   uint64_t *size, struct tims_buf *note,
			   struct tims_err *err);

/*
 * Verification. Each finding is reported as one line naming the record or
 * checkpoint ("record 17: leaf hash does not match its record (altered)").
 * Returns TIMS_OK when nothing was found, TIMS_ERR_TAMPER when something
 * was, another code when verification itself could not run.
 */
struct tims_post_verify_stats {
	uint64_t records;      /* rows in the records table */
	uint64_t erased;       /* of which erased by retention */
	uint64_t checkpoints;  /* checkpoints checked */
	uint64_t findings;
	uint64_t signed_size;  /* largest checkpoint size signed */
};
typedef void (*tims_post_report_fn)(void *ctx, const char *finding);
TIMS_MUST_USE tims_rc tims_post_verify(struct tims_post *p, tims_post_report_fn report,
			 void *ctx, struct tims_post_verify_stats *st,
			 struct tims_err *err);
/*
 * tims_post_verify opens every sealed record: TIMS_ERR_UNAVAILABLE (and no
 * finding) while the vault's token is unavailable. tims_post_verify_log
 * checks what needs no key: every leaf entry, stored hash, checkpoint and
 * the checkpoint file, the time column against the entry, and that erased
 * records kept nothing — the auditor's check of a copied directory.
 */
TIMS_MUST_USE tims_rc tims_post_verify_log(struct tims_post *p, tims_post_report_fn report,
					   void *ctx, struct tims_post_verify_stats *st,
					   struct tims_err *err);

/*
 * Tiles (c2sp.org/tlog-tiles): the tile at `level`, `index`, `width`
 * (1..256 hashes; 256 = full) holds the hashes of the complete subtrees of
 * height 8*level covering leaves [(index*256+i) * 256^level, +256^level),
 * i < width, 32 bytes each, read from the stored hashes. TIMS_ERR_NOTFOUND
 * if the log is not yet large enough. The entry bundle at `index` holds the
 * leaf entries of leaves index*256 .. +width-1, each as a 2-byte big-endian
 * length and the entry.
 */
#define TIMS_TILE_WIDTH 256
tims_rc tims_post_tile(struct tims_post *p, unsigned level, uint64_t index,
		       unsigned width, struct tims_buf *out,
		       struct tims_err *err);
tims_rc tims_post_entries(struct tims_post *p, uint64_t index, unsigned width,
			  struct tims_buf *out, struct tims_err *err);
/* "tile/L/x001/234[.p/W]" or "tile/entries/..." (level < 0: entries). */
tims_rc tims_tile_path(int level, uint64_t index, unsigned width,
		       struct tims_buf *out);

/* ---- events for the centre (lib/post/events.c, tims/event.h) ---- */

/*
 * The queue of events a post owes the centre, in post.db (table
 * event_queue): an event is durable when tims_post_event_add returns, and
 * numbered by a sequence that never goes back (the number the centre
 * keys it by: a resend is stored once). Listed oldest first; marked
 * delivered up to a number once the centre confirmed holding them.
 * Delivered rows are kept TIMS_POST_EVENT_KEEP_MS, then deleted by a later
 * mark. The handle has its own connection to post.db and a lock:
 * thread-safe. The post must exist (tims_post_init).
 */
#define TIMS_POST_EVENT_KEEP_MS (7 * 86400 * 1000LL)
struct tims_event;
struct tims_post_events;
tims_rc tims_post_events_open(const char *dir, struct tims_post_events **out,
			      struct tims_err *err);
void tims_post_events_close(struct tims_post_events *q);
/* Check (tims_event_check) and store ev; time_ms 0 is now. *seq: its number. */
tims_rc tims_post_event_add(struct tims_post_events *q, const struct tims_event *ev,
			    uint64_t *seq, struct tims_err *err);
/* At most max events not yet delivered, in sequence order. fn must not
 * call back into q. An event that does not read back: TIMS_ERR_TAMPER. */
typedef tims_rc (*tims_post_event_fn)(void *ctx, uint64_t seq, const struct tims_event *ev);
tims_rc tims_post_events_pending(struct tims_post_events *q, size_t max,
				 tims_post_event_fn fn, void *ctx, struct tims_err *err);
/* Every event up to seq is delivered (again: harmless). */
tims_rc tims_post_events_delivered(struct tims_post_events *q, uint64_t upto,
				   struct tims_err *err);
struct tims_post_events_stats {
	uint64_t pending;           /* not yet delivered */
	int64_t oldest_pending_ms;  /* when the oldest of them was queued, 0: none */
	uint64_t delivered_kept;    /* delivered rows still kept */
	int64_t last_delivered_ms;  /* 0: none kept */
	uint64_t last_seq;          /* the largest number given, among the rows kept */
};
tims_rc tims_post_events_stats(struct tims_post_events *q, struct tims_post_events_stats *s,
			       struct tims_err *err);
/* How many events of each kind happened in [from_ms, to_ms) (their time_ms),
 * delivered or not: counts[kind] for kind < TIMS_POST_EVENT_KINDS (kinds
 * beyond are not counted). Delivered events are kept
 * TIMS_POST_EVENT_KEEP_MS, so a window within that is whole. */
#define TIMS_POST_EVENT_KINDS 32
tims_rc tims_post_events_count(struct tims_post_events *q, int64_t from_ms, int64_t to_ms,
			       uint64_t counts[TIMS_POST_EVENT_KINDS], struct tims_err *err);

#endif
