/*
 * witness.h — an independent witness (c2sp.org/tlog-witness) and the client
 * that asks one for a cosignature.
 *
 * A witness holds, per log origin, the verifier keys it trusts and the
 * latest (size, root) it cosigned. It cosigns a new checkpoint only when the
 * checkpoint is signed by a trusted key for its origin, the client's old
 * size equals the stored size, and the consistency proof from the stored
 * tree to the new one verifies (RFC 9162 2.1.4.2); an equal size needs an
 * equal root. The check and the update of the stored (size, root) are one
 * SQLite transaction (BEGIN IMMEDIATE, WAL, synchronous=FULL) that commits
 * before the cosignature is handed out, so two concurrent requests cannot
 * both advance from one old size, and a crash never loses a cosigned state.
 * The witness never sees the log's entries.
 *
 * A witness directory (docs/witness.md):
 *   witness.db    keys, logs (origin, size, root, time), refusals (evidence)
 *   witness.skey  the cosigner key, algorithm 0x04 (mode 0600)
 *   witness.vkey  its verifier key (give it to whoever checks cosignatures)
 *   tls.crt       a self-signed TLS server certificate (localhost, loopback)
 *   tls.key       its key (mode 0600)
 *
 * Wire format of POST <prefix>/add-checkpoint (c2sp.org/tlog-witness):
 *   "old " SIZE "\n"            decimal, no leading zero
 *   BASE64(hash) "\n"           0..63 consistency proof lines
 *   "\n"
 *   a signed checkpoint note
 * Answers: 200 with cosignature lines; 400 malformed or old size above the
 * checkpoint's; 403 no trusted signature; 404 unknown origin; 409 with
 * Content-Type text/x.tlog.size and "SIZE\n" when the old size is not the
 * witness's; 409 (JSON) for the same size with another root; 422 when the
 * proof does not verify.
 */
#ifndef TIMS_WITNESS_H
#define TIMS_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/http.h"
#include "tims/note.h"
#include "tims/tlog.h"

#define TIMS_WITNESS_MAX_BODY 65536   /* a whole add-checkpoint request */
#define TIMS_WITNESS_MAX_PROOF 63     /* consistency proof lines */
#define TIMS_WITNESS_MAX_KEYS 8       /* verifier keys per origin */
#define TIMS_WITNESS_MAX_SIZE TIMS_TLOG_MAX_LEAVES /* largest tree taken */
#define TIMS_WITNESS_SIZE_TYPE "text/x.tlog.size"
#define TIMS_WITNESS_MAX_REFUSALS 1000 /* evidence rows kept */

/* ---- the request (pure: no state, no I/O; fuzzed) ------------------- */

struct tims_witness_req {
	uint64_t old_size;
	tims_hash proof[TIMS_WITNESS_MAX_PROOF];
	size_t proof_len;
	const char *note;          /* the checkpoint note, inside the body */
	size_t note_len;
	struct tims_note parsed;   /* its text and signature lines (unverified) */
	struct tims_checkpoint cp; /* its body */
};

/*
 * Parse an add-checkpoint body, strictly: exact line formats, no missing or
 * extra lines, canonical decimal, base64 of exactly 32 bytes per proof line,
 * at most TIMS_WITNESS_MAX_PROOF of them, a well-formed signed note whose
 * text is a checkpoint, sizes at most TIMS_WITNESS_MAX_SIZE. Signatures are
 * not checked here. TIMS_ERR_INVALID (or TOOBIG) names the line and reason.
 * out->note points into body.
 */
tims_rc tims_witness_parse_request(const char *body, size_t len,
				   struct tims_witness_req *out,
				   struct tims_err *err);

/* Append the body of a request (the inverse of the parser). `proof` is
 * proof_len consecutive tims_hash. */
tims_rc tims_witness_format_request(uint64_t old_size, const void *proof,
				    size_t proof_len, const char *note,
				    size_t note_len, struct tims_buf *out,
				    struct tims_err *err);

/* ---- the witness's state -------------------------------------------- */

struct tims_witness;

/*
 * Make a new witness in dir (created if missing; TIMS_ERR_EXISTS if it
 * already holds one): a cosigner key named `name`, a self-signed TLS
 * certificate for localhost, 127.0.0.1 and ::1 (plus `tls_hosts`, NULL or
 * NULL-terminated, each a DNS name or an IP address), and the database.
 */
tims_rc tims_witness_init(const char *dir, const char *name,
			  const char *const *tls_hosts, struct tims_err *err);
/* The same, with the witness key made in the PKCS#11 token key_token
 * (NULL: a key file); witness.skey is then a PKCS11+KEY reference. */
tims_rc tims_witness_init_token(const char *dir, const char *name,
				const char *const *tls_hosts,
				const char *key_token, struct tims_err *err);

/* Open a witness directory: loads the cosigner key and the database. The
 * handle may be used from several threads (one mutex around the state). */
tims_rc tims_witness_open(const char *dir, struct tims_witness **out,
			  struct tims_err *err);
void tims_witness_free(struct tims_witness *w);

/* The witness's cosigner verifier key. */
const struct tims_verifier *tims_witness_verifier(const struct tims_witness *w);

/*
 * Where refusals and the server's request lines go (one line each, no
 * trailing newline). The library never prints; without a sink they are
 * only stored (refusals table).
 */
typedef void (*tims_witness_log_fn)(void *ctx, const char *line);
void tims_witness_set_log(struct tims_witness *w, tims_witness_log_fn fn,
			  void *ctx);

/* Trust a log's verifier key (algorithm 0x01) for the origin of the same
 * name. Adding a key already there is TIMS_ERR_EXISTS; at most
 * TIMS_WITNESS_MAX_KEYS per origin. */
tims_rc tims_witness_add_log(struct tims_witness *w, const char *vkey,
			     struct tims_err *err);
/* The same for `origin`: the key's name, or the key's name + "/audit" (a
 * node signs its audit log with its log's key, docs/audit.md). The same
 * key may be trusted for both. */
tims_rc tims_witness_add_log_origin(struct tims_witness *w, const char *vkey,
				    const char *origin, struct tims_err *err);

struct tims_witness_log {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	uint64_t size;        /* latest cosigned size, 0 if none yet */
	tims_hash root;
	int has_root;         /* 0 until the first cosignature */
	uint64_t cosigned_at; /* POSIX time of the latest cosignature */
	unsigned nkeys;
	uint64_t refusals;    /* evidence rows kept for this origin */
};
typedef tims_rc (*tims_witness_list_fn)(void *ctx,
					const struct tims_witness_log *l);
/* Every registered log, by origin. */
tims_rc tims_witness_list(struct tims_witness *w, tims_witness_list_fn fn,
			  void *ctx, struct tims_err *err);

/* What the witness answers to one add-checkpoint request. */
struct tims_witness_answer {
	int status;        /* 200, 400, 403, 404, 409, 422 */
	int size_conflict; /* 409 whose body is known_size (text/x.tlog.size) */
	uint64_t known_size;
	struct tims_buf cosig; /* 200: the cosignature line(s) */
	char reason[TIMS_ERR_MSG_BYTES]; /* why, for a refusal */
};
void tims_witness_answer_init(struct tims_witness_answer *a);
void tims_witness_answer_release(struct tims_witness_answer *a);

/*
 * The add-checkpoint state machine: parse, look the origin up, check the
 * signatures, compare-and-swap the stored (size, root) after checking the
 * proof, cosign, commit. Returns TIMS_OK whenever it decided an answer (a
 * refusal is an answer: see a->status and a->reason); another code only
 * when it could not decide (database, crypto): the caller answers 500 and
 * nothing was stored.
 */
tims_rc tims_witness_submit(struct tims_witness *w, const char *body,
			    size_t len, struct tims_witness_answer *a,
			    struct tims_err *err);

/* Serve POST /add-checkpoint over HTTPS (lib/http) with the directory's
 * certificate. port 0 picks a free one (tims_http_port). */
tims_rc tims_witness_serve(struct tims_witness *w, const char *bind,
			   uint16_t port, struct tims_http_server **out,
			   struct tims_err *err);

/* ---- the client ------------------------------------------------------ */

/*
 * POST one add-checkpoint request to the witness at `url` (the submission
 * prefix, "https://host:port"; "/add-checkpoint" is appended), trusting the
 * certificates in ca_file (NULL: the system's). On 200 the cosignature
 * lines are appended to cosigs; with wkey (may be NULL) only the lines of
 * that key are kept and at least one must verify over the checkpoint.
 * Results:
 *   TIMS_OK              cosigned
 *   TIMS_ERR_STATE       409: the witness is at *witness_size; ask again
 *                        with a proof from there
 *   TIMS_ERR_TAMPER      409: same size, other root (a fork)
 *   TIMS_ERR_PROOF       422: the witness refused the proof
 *   TIMS_ERR_NOTFOUND    404: the witness does not know this log
 *   TIMS_ERR_SIGNATURE   403, or a cosignature that does not verify
 *   TIMS_ERR_INVALID     400
 *   TIMS_ERR_NET         no answer, or another status
 * The message carries the witness's reason.
 */
TIMS_MUST_USE tims_rc tims_witness_add_checkpoint(const char *url, const char *ca_file,
				    uint64_t old_size, const void *proof,
				    size_t proof_len, const char *note,
				    size_t note_len,
				    const struct tims_verifier *wkey,
				    struct tims_buf *cosigs,
				    uint64_t *witness_size,
				    struct tims_err *err);

/*
 * The whole exchange for a log that holds its tree: start from old_size
 * (the size this log believes the witness has, 0 if unknown), build the
 * proof from r, and on a 409 size answer try again from the witness's size
 * (at most 3 tries). A witness ahead of the checkpoint means the log was
 * rolled back or forked: TIMS_ERR_TAMPER, *witness_size says how far.
 */
tims_rc tims_witness_request_cosignature(const char *url, const char *ca_file,
					 const struct tims_tlog_reader *r,
					 const char *note, size_t note_len,
					 uint64_t old_size,
					 const struct tims_verifier *wkey,
					 struct tims_buf *cosigs,
					 uint64_t *witness_size,
					 struct tims_err *err);

/*
 * How one call goes: a bound on each request (a witness that accepts the
 * connection and never answers costs at most that), and a way to give up
 * early (a node that is stopping). Zero fields take the defaults of the
 * calls above (10 s to connect, 30 s in all; never cancelled).
 */
struct tims_witness_call {
	long timeout_ms;              /* whole request, connection included */
	int (*cancel)(void *ctx);     /* non-zero: abandon the request now */
	void *cancel_ctx;
};

/*
 * The witness's key rotated (docs/keys.md): a new cosigner key of the same
 * name, announced under the old one (tims/keyroll.h, role witness) in
 * DIR/announcements/ and served at GET /key-announcements; the old secret
 * overwritten and removed. A running witness signs with the new key from
 * its next start.
 */
TIMS_MUST_USE tims_rc tims_witness_rotate_key(const char *dir, int64_t overlap_s,
					      char *note_path, size_t cap,
					      struct tims_err *err);
/*
 * The client's side: fetch the witness's announcements and follow them from
 * `held` (each signed by the key before it and its successor): *next is
 * the key reached, note_out (may be NULL) the last announcement followed.
 * TIMS_ERR_SIGNATURE when none hands `held` over.
 */
TIMS_MUST_USE tims_rc tims_witness_follow(const char *url, const char *ca_file, long timeout_ms,
					  const struct tims_verifier *held,
					  struct tims_verifier *next, char *note_out, size_t cap,
					  struct tims_err *err);

/* tims_witness_request_cosignature with `call` (NULL: the defaults). A
 * request abandoned or past its time is TIMS_ERR_NET, saying which. */
tims_rc tims_witness_ask(const struct tims_witness_call *call, const char *url,
			 const char *ca_file, const struct tims_tlog_reader *r,
			 const char *note, size_t note_len, uint64_t old_size,
			 const struct tims_verifier *wkey, struct tims_buf *cosigs,
			 uint64_t *witness_size, struct tims_err *err);

/*
 * The centre's signed revocation list (tims/revocation.h) given to the
 * witness in DIR: verified with the centre's bundle key, pinned from
 * vkey_file the first time (afterwards vkey_file, if given, must be that
 * key), and kept unless older than the one held (TIMS_ERR_STATE). From
 * then on a revoked post's checkpoints, or a revoked key's, are refused
 * (403).
 */
tims_rc tims_witness_apply_revocations(const char *dir, const char *json, size_t len,
				       const char *vkey_file, uint64_t *version, int *kept,
				       struct tims_err *err);

#endif
