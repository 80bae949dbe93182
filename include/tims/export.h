/*
 * export.h — bulk export of personal data at the centre (docs/export.md):
 * a daily limit on what one person takes out alone, and two people for
 * anything beyond it, the result sealed to a recipient's key.
 *
 * The limit. Every row of personal data a person takes out of the centre
 * through a national query (history, person, present, overstays; the CLI
 * and the dashboard alike, every page of `present`) is counted against
 * rows_per_day for that officer and UTC day, in centre.db (a restart does
 * not reset it). An answer that would take the officer past the limit is
 * refused whole and audited as refused; the count is taken and checked in
 * one transaction, so two queries at once cannot both slip under it.
 *
 * The two-person export. One person requests an export (a kind, its
 * parameters, a purpose and the recipient's X25519 public key); a second
 * person, of another role and never the requester, approves it before it
 * expires. Only then does the centre produce the result, seal it to the
 * recipient (libsodium crypto_box_seal: only the holder of the secret key
 * opens it, and it opens whole or not at all), keep the sealed file, and
 * append to its audit log both people, the purpose, kind and parameters,
 * the row count and the SHA-256 of the sealed file and of the plaintext —
 * before anyone can fetch it. The requester fetches it, at most fetch_max
 * times, each fetch audited; the file is deleted after the last.
 *
 * Settings, DIR/export.conf ("key = value", '#' comments, all optional),
 * read at each use:
 *   rows_per_day    rows one person may take per UTC day alone (200)
 *   request_ttl_s   a request expires this long after it is made, and
 *                   an approved result after its approval (86400)
 *   fetch_max       fetches of an approved result (1)
 *   max_rows        rows in one export at most (100000)
 */
#ifndef TIMS_EXPORT_H
#define TIMS_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/http.h"

struct tims_centre;

#define TIMS_EXPORT_PK_BYTES 32
#define TIMS_EXPORT_SK_BYTES 32
#define TIMS_EXPORT_SEAL_BYTES 48       /* crypto_box_SEALBYTES */
#define TIMS_EXPORT_ID_CHARS 33         /* 32 hex digits and NUL */
#define TIMS_EXPORT_PARAMS_MAX 1024     /* a request's parameters, JSON */
#define TIMS_EXPORT_SEALED_MAX (512u << 20)

/* --- keys and sealing ----------------------------------------------------- */

/* A new recipient key pair (X25519, crypto_box). */
tims_rc tims_export_keygen(uint8_t pk[TIMS_EXPORT_PK_BYTES], uint8_t sk[TIMS_EXPORT_SK_BYTES],
			   struct tims_err *err);
/*
 * Key files. The secret file (mode 0600) is three lines: "tims-export-key
 * v1", "public HEX", "secret HEX"; the public file one line "HEX". Reading
 * a public key takes either file, or the 64 hex digits themselves.
 */
tims_rc tims_export_key_write(const char *path, const uint8_t pk[TIMS_EXPORT_PK_BYTES],
			      const uint8_t sk[TIMS_EXPORT_SK_BYTES], struct tims_err *err);
tims_rc tims_export_key_read(const char *path, uint8_t pk[TIMS_EXPORT_PK_BYTES],
			     uint8_t sk[TIMS_EXPORT_SK_BYTES], struct tims_err *err);
tims_rc tims_export_pub_parse(const char *text, size_t len, uint8_t pk[TIMS_EXPORT_PK_BYTES],
			      struct tims_err *err);

/* Seal plain to pk (out gets len + TIMS_EXPORT_SEAL_BYTES bytes), and open
 * it: TIMS_ERR_CRYPTO when the sealed bytes were altered or are for
 * another key; nothing of the plaintext is given then. */
tims_rc tims_export_seal(const uint8_t pk[TIMS_EXPORT_PK_BYTES], const void *plain,
			 size_t len, struct tims_buf *out, struct tims_err *err);
tims_rc tims_export_open(const uint8_t pk[TIMS_EXPORT_PK_BYTES],
			 const uint8_t sk[TIMS_EXPORT_SK_BYTES], const void *sealed,
			 size_t len, struct tims_buf *out, struct tims_err *err);

/* --- settings ------------------------------------------------------------- */

struct tims_export_config {
	uint64_t rows_per_day;
	uint32_t request_ttl_s;
	uint32_t fetch_max;
	uint32_t max_rows;
};
void tims_export_config_init(struct tims_export_config *c);
TIMS_MUST_USE tims_rc tims_export_config_parse(struct tims_export_config *c, const char *text,
					       size_t len, const char *path,
					       struct tims_err *err);
/* Defaults, then DIR/export.conf if present. */
TIMS_MUST_USE tims_rc tims_export_config_load(const char *dir, struct tims_export_config *c,
					      struct tims_err *err);

/* --- the limit ------------------------------------------------------------ */

/* What a query took, or would have taken, of its officer's daily limit. */
struct tims_export_usage {
	uint64_t rows;      /* rows of personal data in this answer */
	uint64_t used;      /* rows taken today, this answer's included if given */
	uint64_t limit;     /* rows_per_day */
	int refused;        /* 1: refused for the limit */
};

/* Rows of personal data in a national query's answer (tims/cstore.h): the
 * crossings of a history (at least 1: the answer says whether the person
 * crossed), the entries of present and overstays; 0 for counts. */
uint64_t tims_export_rows(const char *kind, const json_t *answer);

/*
 * Take `rows` from officer's limit for the UTC day of now_ms: TIMS_OK, or
 * TIMS_ERR_DENIED (nothing taken) when the day's count would pass
 * rows_per_day. *u says where the officer stands (may be NULL). Atomic
 * across threads and processes.
 */
TIMS_MUST_USE tims_rc tims_centre_export_charge(struct tims_centre *c, const char *officer,
						uint64_t rows, int64_t now_ms,
						struct tims_export_usage *u, struct tims_err *err);
/* The rows officer took on the UTC day of now_ms. */
tims_rc tims_centre_export_used(struct tims_centre *c, const char *officer, int64_t now_ms,
				uint64_t *used, struct tims_err *err);

/* --- two-person export ---------------------------------------------------- */

/*
 * Kinds and their parameters (a JSON object, unknown keys refused):
 *   "present"   {"at_ms"?, "offset"?, "limit"?}   who is in the country
 *   "history"   {"doc", "issuer"?, "on"?}          a document's history
 *   "person"    {"surname", "given_names"?, "birth_date", "nationality"?, "on"?}
 *   "overstays" {"on"?, "limit"?}                  (at most 1000 rows)
 *   "post-log"  {"post", "from"?, "count"?}        a post's records, from
 *                                                 the centre's mirror
 * limit and count default to max_rows and may not exceed it.
 */
struct tims_export_request {
	char id[TIMS_EXPORT_ID_CHARS];
	char kind[16];
	char params[TIMS_EXPORT_PARAMS_MAX];     /* canonical JSON */
	char purpose[256];
	char recipient[2 * TIMS_EXPORT_PK_BYTES + 1];   /* hex */
	char requester[TIMS_PRINCIPAL_ID_MAX + 1], requester_role[16];
	int64_t created_ms, expires_ms;
	char approver[TIMS_PRINCIPAL_ID_MAX + 1], approver_role[16];
	int64_t approved_ms;                      /* 0 until approved */
	uint64_t rows, sealed_bytes;
	char sealed_sha256[65], plain_sha256[65];
	uint32_t fetches, fetch_max;
	char state[16];   /* "pending", "approving", "approved", "fetched", "expired" */
};

/*
 * Request an export on behalf of who (at addr). Checks kind, parameters,
 * purpose (3 to 200 bytes) and key; stores it pending with a random id;
 * audited ("export.request") before it returns. who's role must be one
 * that reads personal data (supervisor or analyst): TIMS_ERR_DENIED.
 */
TIMS_MUST_USE tims_rc tims_centre_export_request(struct tims_centre *c,
						 const struct tims_principal *who,
						 const char *addr, const char *kind,
						 const json_t *params, const char *purpose,
						 const uint8_t pk[TIMS_EXPORT_PK_BYTES],
						 int64_t now_ms, struct tims_export_request *out,
						 struct tims_err *err);
/*
 * The second person approves: refused with TIMS_ERR_DENIED (the requester
 * themself, a role of the requester's, a role that reads no personal
 * data), TIMS_ERR_NOTFOUND (no such request), TIMS_ERR_STATE (already
 * approved or being approved, or expired at now_ms). Otherwise the result
 * is produced, sealed, kept, and audited ("export.approve": both people,
 * purpose, kind, parameters, rows, both hashes) before the request is
 * marked approved. Every refusal is audited too.
 */
TIMS_MUST_USE tims_rc tims_centre_export_approve(struct tims_centre *c,
						 const struct tims_principal *who,
						 const char *addr, const char *id, int64_t now_ms,
						 struct tims_export_request *out,
						 struct tims_err *err);
/*
 * The requester takes the sealed result (into sealed): TIMS_ERR_DENIED for
 * anyone else, TIMS_ERR_STATE when not approved, fetched fetch_max times
 * already, or expired. Audited ("export.fetch") before it returns.
 */
TIMS_MUST_USE tims_rc tims_centre_export_fetch(struct tims_centre *c,
					       const struct tims_principal *who,
					       const char *addr, const char *id, int64_t now_ms,
					       struct tims_buf *sealed,
					       struct tims_export_request *out,
					       struct tims_err *err);
/* One request (state as of now_ms); TIMS_ERR_NOTFOUND. */
tims_rc tims_centre_export_get(struct tims_centre *c, const char *id, int64_t now_ms,
			       struct tims_export_request *out, struct tims_err *err);
/* Requests made at or after since_ms, newest first, at most max. */
typedef tims_rc (*tims_export_fn)(void *ctx, const struct tims_export_request *r);
tims_rc tims_centre_export_list(struct tims_centre *c, int64_t since_ms, int64_t now_ms,
				size_t max, tims_export_fn fn, void *ctx,
				struct tims_err *err);
/* A request as JSON (for the API and the CLI). */
json_t *tims_export_request_json(const struct tims_export_request *r);

#endif
