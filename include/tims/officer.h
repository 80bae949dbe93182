/*
 * officer.h — officer accounts, logins and sessions at a node (G6).
 *
 * Accounts live in the node's SQLite database (tables `officers`,
 * `sessions`), created by tims_officer_schema(). A login needs the password
 * (Argon2id) and a TOTP code (RFC 6238), checked together so that the answer
 * does not say which was wrong. A code is accepted once only. Failures are
 * throttled before any hash is computed, by source address and by account
 * (tims_officer_login_admit, docs/security.md), in a way that lets nobody
 * elsewhere lock an officer out of the booth. A session is
 * a random token given to the client once; the database keeps only its
 * SHA-256, so a copy of the database opens no session. Sessions end at logout,
 * after TIMS_SESSION_IDLE of inactivity, after TIMS_SESSION_MAX in any case,
 * and when the account is disabled or reset.
 *
 * TOTP keys are secrets the node must be able to read back, so they are
 * sealed (XSalsa20-Poly1305, libsodium secretbox) under the node's store key,
 * a 32-byte file of mode 0600 outside the database.
 */
#ifndef TIMS_OFFICER_H
#define TIMS_OFFICER_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "tims/auth.h"
#include "tims/buf.h"
#include "tims/err.h"
#include "tims/http.h"

#define TIMS_OFFICER_ID_MAX 32
#define TIMS_OFFICER_NAME_MAX 128
#define TIMS_STORE_KEY_BYTES 32
#define TIMS_SESSION_IDLE (15 * 60)
/* The booth of a command-line session (tims login): the command line takes
 * no other session, and the HTTP logins refuse to make one. */
#define TIMS_CLI_BOOTH "cli"
#define TIMS_SESSION_MAX (12 * 3600)

struct tims_officers; /* opaque: the db handle and the store key */

/* Create the tables if missing. */
tims_rc tims_officer_schema(sqlite3 *db, struct tims_err *err);

/* db stays owned by the caller; the key is copied into locked memory. key
 * NULL: the node's key token is unavailable — sessions work, whatever
 * needs a TOTP secret (login, add, reset, roster) is TIMS_ERR_UNAVAILABLE. */
tims_rc tims_officers_open(sqlite3 *db, const uint8_t key[TIMS_STORE_KEY_BYTES],
			   enum tims_pw_cost cost, struct tims_officers **out,
			   struct tims_err *err);
void tims_officers_free(struct tims_officers *o);
/* The database handle the store was opened on (still the caller's). */
sqlite3 *tims_officers_db(struct tims_officers *o);

#define TIMS_LANG_MAX 7

struct tims_officer {
	char id[TIMS_OFFICER_ID_MAX + 1];
	char name[TIMS_OFFICER_NAME_MAX + 1];
	unsigned role;           /* one enum tims_role bit */
	int disabled;
	unsigned failures;
	int64_t locked_until;
	int64_t created;
	char lang[TIMS_LANG_MAX + 1]; /* the consoles' language; "" = the installation's */
};

/* The consoles' languages: "en", "sq" (NULL-terminated), and whether lang is one. */
extern const char *const tims_lang_names[];
int tims_lang_valid(const char *lang);

/* The officer's language for the consoles: one of tims_lang_names, or ""
 * for the installation's default. get_lang gives "" for a value this build
 * does not know. TIMS_ERR_NOTFOUND for no such account. */
tims_rc tims_officer_set_lang(struct tims_officers *o, const char *id, const char *lang,
			      struct tims_err *err);
tims_rc tims_officer_get_lang(struct tims_officers *o, const char *id,
			      char lang[TIMS_LANG_MAX + 1], struct tims_err *err);

/*
 * A new account. The TOTP secret is generated here and handed back once, as
 * base32 and as an otpauth:// URI for the officer's authenticator; it is not
 * shown again (tims_officer_reset makes a new one).
 */
tims_rc tims_officer_add(struct tims_officers *o, const char *id,
			 const char *name, unsigned role, const char *password,
			 char secret_b32[TIMS_TOTP_B32_BYTES],
			 struct tims_buf *uri, struct tims_err *err);

/* New password and new TOTP secret; resets the failure count; ends the
 * sessions. */
tims_rc tims_officer_reset(struct tims_officers *o, const char *id,
			   const char *password,
			   char secret_b32[TIMS_TOTP_B32_BYTES],
			   struct tims_buf *uri, struct tims_err *err);

/*
 * A new TOTP secret only (the password stays): handed back once like add's;
 * the old secret opens nothing from now on, the code sequence starts again
 * and the officer's sessions end. TIMS_ERR_NOTFOUND for no such account.
 */
tims_rc tims_officer_totp_rotate(struct tims_officers *o, const char *id,
				 char secret_b32[TIMS_TOTP_B32_BYTES],
				 struct tims_buf *uri, struct tims_err *err);
/* 1 when the account came from the centre's roster (the centre's version
 * wins at the next roster), 0 when not, -1 on a database error. */
int tims_officer_from_roster(struct tims_officers *o, const char *id);

/* Disable (1) or enable (0); disabling ends the officer's sessions. */
tims_rc tims_officer_disable(struct tims_officers *o, const char *id,
			     int disabled, struct tims_err *err);

/* Calls fn for each account in id order; fn returning non-zero stops. */
tims_rc tims_officer_list(struct tims_officers *o,
			  int (*fn)(void *ctx, const struct tims_officer *),
			  void *ctx, struct tims_err *err);

/*
 * Log in: on success a fresh session token (give it to the client; it is not
 * stored) and the principal. Failures are TIMS_ERR_AUTH for an unknown or
 * disabled account and a wrong password or code alike (err says which, for
 * the audit trail only: a client is told TIMS_LOGIN_VAGUE), after the same
 * Argon2id work in every case; TIMS_ERR_REPLAY only when the password was
 * right but the code was used before. Not throttled: a server calls
 * tims_officer_login_admit first.
 */
#define TIMS_LOGIN_VAGUE "login: officer id, password or code wrong"
tims_rc tims_officer_login(struct tims_officers *o, const char *id,
			   const char *password, const char *code,
			   const char *booth, time_t now,
			   char token[TIMS_TOKEN_CHARS],
			   struct tims_principal *who, struct tims_err *err);

/*
 * The same in three steps, so that a server holds its lock only around the
 * database and never while Argon2id runs:
 *   begin  (caller's lock held)  what the password is checked against: the
 *                                account's hash, or a dummy of the same cost
 *   hash   (no lock)             Argon2id
 *   end    (caller's lock held)  the account again (disabled, or changed
 *                                meanwhile), the code, the session
 * end returns what tims_officer_login returns. Wipe lc afterwards
 * (tims_officer_login_wipe).
 */
struct tims_login_check {
	char id[TIMS_OFFICER_ID_MAX + 1];
	char pw_hash[TIMS_PW_HASH_BYTES];
	int known;   /* the id names an account */
	int pw_ok;   /* the password matched pw_hash */
	uint64_t step; /* after a successful end: the TOTP step the code matched
			* (what a post claims at the centre, tims/totpclaim.h) */
};
void tims_officer_login_begin(struct tims_officers *o, const char *id,
			      struct tims_login_check *lc);
void tims_officer_login_hash(struct tims_login_check *lc, const char *password);
tims_rc tims_officer_login_end(struct tims_officers *o, struct tims_login_check *lc,
			       const char *code, const char *booth, time_t now,
			       char token[TIMS_TOKEN_CHARS],
			       struct tims_principal *who, struct tims_err *err);
void tims_officer_login_wipe(struct tims_login_check *lc);

/*
 * Throttling, before any hash (thread-safe, in memory, bounded; the state of
 * a store lives as long as it is open). Three limits, keyed on the id as
 * given, so that an unknown id is throttled exactly like a real one:
 *  - per source address: TIMS_THROTTLE_SRC_BURST attempts, then one every
 *    TIMS_THROTTLE_SRC_PERIOD seconds, whatever the accounts;
 *  - per (account, source): TIMS_AUTH_FREE_TRIES failures in a row, then a
 *    delay that doubles from 30 s to an hour (tims_auth_lockout_seconds) —
 *    for that source only: a wrong password typed elsewhere never holds up
 *    the officer's own booth;
 *  - per account, from sources it has not logged in from successfully
 *    lately: TIMS_THROTTLE_ACC_BURST attempts, then one every
 *    TIMS_THROTTLE_ACC_PERIOD seconds: a guessing attack spread over many
 *    addresses is slowed, and the booths the officer uses are not.
 * admit: TIMS_OK to go on (the attempt is counted), or TIMS_ERR_DENIED with
 * *retry_after the seconds to wait. result: what came of an admitted attempt.
 */
#define TIMS_THROTTLE_SRC_BURST 20
#define TIMS_THROTTLE_SRC_PERIOD 3
#define TIMS_THROTTLE_ACC_BURST 10
#define TIMS_THROTTLE_ACC_PERIOD 30
tims_rc tims_officer_login_admit(struct tims_officers *o, const char *id,
				 const char *addr, time_t now, unsigned *retry_after);
void tims_officer_login_result(struct tims_officers *o, const char *id,
			       const char *addr, int ok, time_t now);

/* Map a token to its principal, refreshing its idle timer. */
tims_rc tims_officer_session(struct tims_officers *o, const char *token,
			     time_t now, struct tims_principal *who,
			     struct tims_err *err);
/* The same without refreshing it: for what a screen polls by itself (the
 * post's status), which must not keep an unattended session alive. */
tims_rc tims_officer_session_peek(struct tims_officers *o, const char *token,
				  time_t now, struct tims_principal *who,
				  struct tims_err *err);

/* Every session open at `now` (not ended, its account enabled, within
 * TIMS_SESSION_IDLE and TIMS_SESSION_MAX), oldest first: fn(ctx, officer,
 * role, booth, created). fn must not call back into o. */
typedef tims_rc (*tims_officer_session_fn)(void *ctx, const char *officer, unsigned role,
					   const char *booth, int64_t created);
tims_rc tims_officer_sessions_open(struct tims_officers *o, time_t now,
				   tims_officer_session_fn fn, void *ctx, struct tims_err *err);

/* End one session (logout). Unknown tokens are not an error. */
tims_rc tims_officer_logout(struct tims_officers *o, const char *token,
			    struct tims_err *err);

/*
 * The officer store of a node directory (a post's or the centre's): opens,
 * creating it if needed, DIR/node.db (SQLite, WAL, synchronous=FULL, mode
 * 0600). The TOTP secrets are sealed under the vault's secrets key
 * (tims_vault_secrets_key); a DIR/store.key of an older node is migrated
 * once (every secret sealed again under the vault's key) and removed.
 * While the token is unavailable: the old store.key if still there, else
 * no key (see tims_officers_open). A directory without a vault (not a
 * node's) keeps using DIR/store.key. tims_officers_close_dir also closes
 * the database.
 */
tims_rc tims_officers_open_dir(const char *dir, enum tims_pw_cost cost,
			       struct tims_officers **out, struct tims_err *err);
void tims_officers_close_dir(struct tims_officers *o);

/*
 * The roster: the accounts the centre sends to its posts in a signed bundle
 * (docs/bundles.md). Export writes, for each account that want() accepts,
 * one JSON line {"id","name","role","pw_hash","totp","disabled"} in id
 * order, the TOTP key in base32: the caller must seal the result for the
 * post before it leaves the process.
 *
 * Apply makes a post's accounts match a roster in one transaction: new
 * accounts are added, changed ones updated (a new password or TOTP key
 * resets the failure count and the code sequence), and accounts that came from an
 * earlier roster but are missing now are disabled, never deleted. Any change
 * to an account ends its sessions. Accounts made at the post itself with
 * `tims officer add` are left alone unless the roster names them, in which
 * case the centre's version wins. A malformed line refuses the whole roster,
 * naming the line and the field.
 */
tims_rc tims_officer_roster_export(struct tims_officers *o,
				   int (*want)(void *ctx, const char *id, unsigned role),
				   void *ctx, struct tims_buf *out, struct tims_err *err);
struct tims_roster_result {
	size_t added, changed, unchanged, withdrawn;
};
tims_rc tims_officer_roster_apply(struct tims_officers *o, const char *jsonl,
				  size_t len, struct tims_roster_result *res,
				  struct tims_err *err);

/* Make a new random store key file (mode 0600), refusing to overwrite. */
tims_rc tims_store_key_create(const char *path, struct tims_err *err);
/* Read it back; refuses a file readable by group or others. */
tims_rc tims_store_key_load(const char *path, uint8_t key[TIMS_STORE_KEY_BYTES],
			    struct tims_err *err);

/*
 * The CLI's session file (`tims login`, docs/security.md "The command
 * line"): one line, a session token. Read only if it is a regular file
 * (not a symbolic link) owned by the caller, mode 0600 (nothing for group
 * or others), at most TIMS_SESSION_FILE_MAX bytes, and holds exactly one
 * token of the shape tims_token_new makes: otherwise TIMS_ERR_DENIED,
 * TIMS_ERR_TOOBIG or TIMS_ERR_INVALID naming why; TIMS_ERR_NOTFOUND when
 * there is none. Written durably (temporary file, fsync, rename), 0600.
 * tims_session_dir_prepare makes the directory (and missing parents) 0700,
 * refuses one owned by another user and sets an existing one of ours to
 * 0700.
 */
#define TIMS_SESSION_FILE_MAX 128
int tims_session_token_valid(const char *token);
tims_rc tims_session_dir_prepare(const char *dir, struct tims_err *err);
tims_rc tims_session_file_write(const char *path, const char *token, struct tims_err *err);
tims_rc tims_session_file_read(const char *path, char token[TIMS_TOKEN_CHARS],
			       struct tims_err *err);

/* Accounts of the given role (enum tims_role bit), disabled ones included:
 * whether an installation still needs its first admin (tims officer
 * bootstrap). -1 on a database error (err set). */
long tims_officer_count_role(struct tims_officers *o, unsigned role, struct tims_err *err);

#endif
