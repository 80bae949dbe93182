/*
 * sync.h — the sync protocol between posts and the centre (docs/sync.md).
 *
 * Everything that moves between a post and the centre is a batch: a run of
 * consecutive log positions of one post (tims_post_raw: leaf entry, and
 * salt and record unless erased), the post-signed checkpoint that covers
 * them, and the consistency proof from the end of the batch to that
 * checkpoint. The same batch goes up (a post pushes to the centre), down
 * (the centre gives a wiped post its log back) and sideways (a rebuilt
 * centre pulls from the posts), and the receiver checks it the same way:
 *
 *   1. the checkpoint's signature verifies with the origin's enrolled key;
 *   2. every position checks against itself (tims_post_raw_check);
 *   3. the batch starts where the receiver's copy ends; an overlap must be
 *      byte-identical to what is held (an idempotent retry), otherwise it is
 *      a fork and refused;
 *   4. the root of the receiver's tree after appending the batch, with the
 *      consistency proof, gives the checkpoint's root (RFC 9162 2.1.4.2);
 *   5. only then is anything committed.
 *
 * So a receiver never holds a leaf that the origin has not signed, and a
 * retried, duplicated or reordered batch never duplicates anything.
 *
 * Wire format (JSON, at most TIMS_SYNC_MAX_BODY bytes):
 *   {"from": N, "checkpoint": NOTE, "proof": [HEX64, ...],
 *    "entries": [{"e": B64(entry), "s": B64(salt), "r": B64(record)}, ...]}
 * with "s" and "r" absent for an erased record, and, once the log's key was
 * rotated, "handovers": [NOTE, ...], the log's key hand-overs in order
 * (tims/mlog.h): a receiver that knows an older key follows them to the
 * key that signed the checkpoint.
 */
#ifndef TIMS_SYNC_H
#define TIMS_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/tls.h"
#include "tims/http.h"
#include "tims/mlog.h"
#include "tims/note.h"
#include "tims/post.h"
#include "tims/tlog.h"

#define TIMS_SYNC_MAX_BATCH 1024          /* positions in one batch */
#define TIMS_SYNC_MAX_BODY (16u << 20)    /* bytes of one batch */

struct tims_audit;

/*
 * What a log's leaves are. The same batch, checks and mirror serve both
 * logs of a post; only the leaf differs:
 *   CROSSINGS: the post's log (origin = the post's key name), each
 *              position a crossing record (tims_post_raw_check);
 *   AUDIT:     its audit log (origin = the key name + "/audit", signed by
 *              the same key), each position an audit event
 *              (tims_audit_leaf_check), at most TIMS_AUDIT_MAX_BYTES.
 */
enum tims_sync_leaf { TIMS_SYNC_CROSSINGS = 0, TIMS_SYNC_AUDIT = 1 };

/* The origin of `leaf`'s log of the post whose key is named `key_name`;
 * -1 if it does not fit. */
int tims_sync_leaf_origin(enum tims_sync_leaf leaf, const char *key_name, char *out,
			  size_t cap);
/* One position checked against itself for its kind of leaf. */
TIMS_MUST_USE tims_rc tims_sync_leaf_check(enum tims_sync_leaf leaf,
					   const struct tims_post_raw *r,
					   struct tims_err *err);

struct tims_sync_batch {
	enum tims_sync_leaf leaf;  /* kept by release; init: CROSSINGS */
	uint64_t from;
	char *note;                /* the checkpoint note (NUL-terminated) */
	size_t note_len;
	struct tims_checkpoint cp; /* its body (signature not yet checked) */
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t proof_len;
	struct tims_post_raw *items;
	size_t n;
	size_t items_cap;          /* items and each one's salt+record are
				      owned by the batch */
	char *ho[TIMS_MLOG_MAX_HANDOVERS]; /* key hand-over notes, owned */
	size_t nho;
};

void tims_sync_batch_init(struct tims_sync_batch *b);
/* An empty batch of the given kind of leaf (decode and add check by it). */
void tims_sync_batch_init_leaf(struct tims_sync_batch *b, enum tims_sync_leaf leaf);
void tims_sync_batch_release(struct tims_sync_batch *b);

/* Building: start, add positions (copied), then encode. */
tims_rc tims_sync_batch_start(struct tims_sync_batch *b, uint64_t from,
			      const char *note, size_t note_len,
			      struct tims_err *err);
tims_rc tims_sync_batch_add(struct tims_sync_batch *b,
			    const struct tims_post_raw *r,
			    struct tims_err *err);
/*
 * A whole batch of post p's own log: positions [from, from + count) and
 * the proof to `note`, a checkpoint of p that covers them (what a node
 * pushes to the centre and serves for a rebuild).
 */
tims_rc tims_sync_batch_from_post(struct tims_sync_batch *b, struct tims_post *p,
				  uint64_t from, uint64_t count,
				  const char *note, size_t note_len,
				  struct tims_err *err);
/* The same from a node's audit log (an AUDIT batch). */
tims_rc tims_sync_batch_from_audit(struct tims_sync_batch *b, struct tims_audit *a,
				   uint64_t from, uint64_t count,
				   const char *note, size_t note_len,
				   struct tims_err *err);
/* Add a key hand-over note (copied; after tims_sync_batch_start), and all
 * those of a log. */
tims_rc tims_sync_batch_add_handover(struct tims_sync_batch *b, const char *note,
				     size_t len, struct tims_err *err);
tims_rc tims_sync_batch_add_handovers(struct tims_sync_batch *b,
				      const struct tims_mlog *log, struct tims_err *err);

/*
 * The key the batch's checkpoint must be signed with, for a receiver whose
 * log is `log` (its key chain): the key in force there, followed along the
 * batch's hand-overs (each signed by the key before it and the next one).
 * Hand-overs the receiver holds already are skipped; one from a key the
 * receiver does not know is refused (TIMS_ERR_SIGNATURE).
 */
TIMS_MUST_USE tims_rc tims_sync_batch_key(const struct tims_sync_batch *b,
					  const struct tims_mlog *log,
					  struct tims_verifier *key,
					  struct tims_err *err);

/* Fill the proof from the end of the batch to the checkpoint, from a tree
 * that holds at least the checkpoint's leaves. */
tims_rc tims_sync_batch_prove(struct tims_sync_batch *b,
			      const struct tims_tlog_reader *r,
			      struct tims_err *err);
tims_rc tims_sync_batch_encode(const struct tims_sync_batch *b,
			       struct tims_buf *out, struct tims_err *err);

/* Answer an HTTP request with the encoded batch (200, JSON). */
tims_rc tims_sync_batch_reply(const struct tims_sync_batch *b,
			      struct tims_http_resp *resp, struct tims_err *err);

/*
 * Parse a batch strictly (fuzzed): only the four fields, each of the right
 * type; hex and base64 of the exact sizes; indexes consecutive from `from`;
 * at most TIMS_SYNC_MAX_BATCH positions; the checkpoint note well-formed
 * and its size at least from + n. Signatures and proofs are not checked
 * here (tims_sync_mirror_apply does). Errors name the field.
 */
tims_rc tims_sync_batch_decode(const char *json, size_t len,
			       struct tims_sync_batch *b, struct tims_err *err);

/* Only the first part of the check below: signed by key, of its origin. */
TIMS_MUST_USE tims_rc tims_sync_batch_check_signer(const struct tims_sync_batch *b,
				     const struct tims_verifier *key,
				     struct tims_err *err);

/*
 * Check a batch against a tree that already holds exactly b->from + b->n
 * leaves (the receiver appended the batch inside an open transaction):
 * the checkpoint's signature with `key` and origin, and the consistency of
 * the tree's root at from + n with the checkpoint. TIMS_ERR_SIGNATURE,
 * TIMS_ERR_PROOF or TIMS_ERR_INVALID with the reason.
 */
TIMS_MUST_USE tims_rc tims_sync_batch_verify(const struct tims_sync_batch *b,
			       const struct tims_verifier *key,
			       const struct tims_tlog_reader *tree,
			       struct tims_err *err);

/* ---- a mirror of one post's log (the centre keeps one per post) ------- */

struct tims_sync_mirror;
struct tims_vault;

/*
 * Open (create if missing) the mirror of `origin` in the SQLite file
 * db_path, checking checkpoints with `key` (the post's verifier key).
 * cp_path is the mirror's copy of the latest checkpoint outside the db.
 */
tims_rc tims_sync_mirror_open(const char *db_path, const char *cp_path,
			      const struct tims_verifier *key,
			      struct tims_sync_mirror **out,
			      struct tims_err *err);
/* The same for a log of the given kind of leaf (an AUDIT mirror's origin is
 * the key's name + "/audit"; its batches must be AUDIT batches). */
tims_rc tims_sync_mirror_open_leaf(const char *db_path, const char *cp_path,
				   const struct tims_verifier *key,
				   enum tims_sync_leaf leaf,
				   struct tims_sync_mirror **out,
				   struct tims_err *err);
void tims_sync_mirror_free(struct tims_sync_mirror *m);

/* The mirror's log (its key chain: tims_mlog_key, hand-overs). */
const struct tims_mlog *tims_sync_mirror_mlog(const struct tims_sync_mirror *m);
/*
 * Personal data at rest: seal every body the mirror stores from now on
 * under v (XChaCha20-Poly1305 data keys of the node's vault, tims/vault.h;
 * associated data "mirror.entries/ORIGIN/INDEX"), after the batch was
 * checked against its commitments in clear; open them again for export
 * and verification. Bodies an older mirror holds in clear are sealed now,
 * in one transaction, the freed pages overwritten (secure_delete) and the
 * file vacuumed. Entries, hashes and checkpoints stay clear: the tree
 * verifies without any key. v is not owned.
 */
tims_rc tims_sync_mirror_set_vault(struct tims_sync_mirror *m, struct tims_vault *v,
				   struct tims_err *err);

/* Positions held (every one verified against a signed checkpoint). */
tims_rc tims_sync_mirror_size(struct tims_sync_mirror *m, uint64_t *size,
			      struct tims_err *err);

/* What tims_sync_mirror_apply did. */
struct tims_sync_result {
	uint64_t added;       /* new positions stored */
	uint64_t repeated;    /* positions already held, identical */
	uint64_t size;        /* positions held afterwards */
	int complete;         /* the mirror now holds the whole checkpoint */
	uint64_t want_from;   /* on TIMS_ERR_STATE: send from here */
	uint64_t handovers;   /* key hand-overs adopted */
};

/*
 * Apply a batch: the checks listed at the top, in one transaction, durably.
 * TIMS_ERR_STATE (res->want_from) for a gap; TIMS_ERR_TAMPER for a fork
 * (an overlap that differs, or a checkpoint smaller than or inconsistent
 * with one held); TIMS_ERR_SIGNATURE / PROOF / INVALID otherwise. Nothing
 * is stored unless it returns TIMS_OK. `each` (may be NULL) is called for
 * every new position after the checks, before the commit; an error from it
 * rolls everything back.
 */
tims_rc tims_sync_mirror_apply(struct tims_sync_mirror *m,
			       const struct tims_sync_batch *b,
			       tims_post_raw_fn each, void *each_ctx,
			       struct tims_sync_result *res,
			       struct tims_err *err);

/* The latest checkpoint held (note initialised here; release it). */
TIMS_MUST_USE tims_rc tims_sync_mirror_checkpoint(struct tims_sync_mirror *m,
				    struct tims_buf *note,
				    struct tims_checkpoint *cp,
				    struct tims_err *err);

/* The root of the first `size` positions held. */
tims_rc tims_sync_mirror_root(struct tims_sync_mirror *m, uint64_t size,
			      tims_hash root, struct tims_err *err);

/*
 * Retention (docs/retention.md): erase position idx's salt and record or
 * event, keeping its entry, so the mirror still verifies. *erased is 1 if
 * it held a payload. TIMS_ERR_NOTFOUND past the end.
 */
tims_rc tims_sync_mirror_erase(struct tims_sync_mirror *m, uint64_t idx, int *erased,
			       struct tims_err *err);

/* Positions [from, from+count) in order. */
tims_rc tims_sync_mirror_export(struct tims_sync_mirror *m, uint64_t from,
				uint64_t count, tims_post_raw_fn fn, void *ctx,
				struct tims_err *err);

/*
 * A batch of up to `count` positions from `from`, with the latest
 * checkpoint and the proof to it (for a post's restore). The checkpoint
 * carries the post's own signature and the cosignatures kept for its size
 * (tims_sync_mirror_keep_cosig), one per cosigner in the order of their
 * names, never more than TIMS_NOTE_MAX_SIGS lines in all.
 */
tims_rc tims_sync_mirror_batch(struct tims_sync_mirror *m, uint64_t from,
			       uint64_t count, struct tims_sync_batch *b,
			       struct tims_err *err);

/*
 * Keep a cosignature line the centre gave for the checkpoint of `size`:
 * one per (size, cosigner: key name and hash), the newest replacing an
 * older one, so a checkpoint cosigned again costs no new row.
 * TIMS_ERR_INVALID if `line` is not a note signature line.
 */
tims_rc tims_sync_mirror_keep_cosig(struct tims_sync_mirror *m, uint64_t size,
				    const char *line, size_t len,
				    struct tims_err *err);

/* When the mirror last accepted a batch (ms since the epoch, 0: never);
 * kept in the mirror, so every process that opens it sees it. */
tims_rc tims_sync_mirror_last_sync(struct tims_sync_mirror *m, int64_t *ms,
				   struct tims_err *err);

/* Recompute and check everything (tims_mlog_verify); findings to report. */
TIMS_MUST_USE tims_rc tims_sync_mirror_verify(struct tims_sync_mirror *m,
				void (*report)(void *ctx, const char *finding),
				void *ctx, uint64_t *findings,
				struct tims_err *err);

/* ---- HTTPS with mutual TLS (GnuTLS; lib/sync/client.c) ------------------ */

struct tims_sync_peer {
	const char *url;       /* "https://host:port" */
	const char *ca_file;   /* trust for the server certificate */
	const char *cert_file; /* our client certificate (NULL: none) */
	const char *key_file;  /* its key: with a signer (tims/signer.h) the
				* signer reads it and signs; this process
				* never opens it */
	long timeout_s;        /* whole request; default 30 */
	/* What the server's certificate must be besides chained to ca_file and
	 * named as the URL's host (tims/tls.h): its role, name, pinned key, not
	 * revoked. Checked after the handshake, before any byte of the request
	 * is sent. NULL: chain and host name only. */
	const struct tims_tls_policy *policy;
};

/*
 * One request: method GET or POST, path with query, optional body (JSON
 * unless type says otherwise). The answer (at most max bytes) goes to out
 * and its status to *status. TIMS_ERR_AUTH when the server is not who it
 * must be (chain, host name, role, pinned key, revoked: nothing was sent
 * to it); TIMS_ERR_NET when there is no answer (refused, other TLS failure,
 * timeout, an answer that is not well-formed HTTP/1.1: tims/httpresp.h):
 * the message says which; TIMS_ERR_TOOBIG when the answer's body exceeds
 * max (nothing past max is kept). Connecting is bounded by 5 s, the whole
 * request by timeout_s (poll deadlines, no signals). No redirects.
 */
tims_rc tims_sync_http(const struct tims_sync_peer *peer, const char *method,
		       const char *path, const char *body, size_t len,
		       const char *type, size_t max, struct tims_buf *out,
		       long *status, struct tims_err *err);

/*
 * The same with options (a witness's add-checkpoint, tims/witness.h):
 * opts->timeout_ms > 0 bounds the whole request in milliseconds instead
 * of peer->timeout_s; opts->cancel, if set, is asked at least every 100
 * ms while the request waits (resolving, connecting, sending, reading)
 * and a non-zero answer abandons it (TIMS_ERR_NET, "request abandoned");
 * opts->content_type, if set, gets the answer's Content-Type ("" when it
 * has none; TIMS_HTTPRESP_CTYPE_MAX bytes).
 */
struct tims_sync_opts {
	long timeout_ms;
	int (*cancel)(void *ctx);
	void *cancel_ctx;
	char *content_type;
};
tims_rc tims_sync_http_opts(const struct tims_sync_peer *peer,
			    const struct tims_sync_opts *opts, const char *method,
			    const char *path, const char *body, size_t len,
			    const char *type, size_t max, struct tims_buf *out,
			    long *status, struct tims_err *err);

/*
 * The same over a connection kept open between requests (HTTP/1.1
 * keep-alive; TLS is not negotiated again while it stays up) to the same
 * peer (URL, CA, certificate and key files). The peer's policy is checked
 * again before each request. A kept connection the server closed is
 * replaced before anything is sent; a request that still fails on a kept
 * connection is sent again once on a new one only when the server cannot
 * have acted on it (its sending failed; or, for GET and HEAD, no byte of
 * an answer came): a POST whose bytes all went out is never sent twice.
 * One connection is used by one thread at a time.
 */
struct tims_sync_conn;
tims_rc tims_sync_conn_new(struct tims_sync_conn **out, struct tims_err *err);
void tims_sync_conn_free(struct tims_sync_conn *conn);
tims_rc tims_sync_conn_http(struct tims_sync_conn *conn, const struct tims_sync_peer *peer,
			    const char *method, const char *path, const char *body,
			    size_t len, const char *type, size_t max, struct tims_buf *out,
			    long *status, struct tims_err *err);

#endif
