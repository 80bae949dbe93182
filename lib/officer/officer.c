/*
 * officer.c — accounts, logins, sessions (see include/tims/officer.h).
 *
 * Every statement is prepared with bound parameters; nothing from input is
 * ever pasted into SQL. State changes that must not be lost between the check
 * and the answer (the TOTP step used, the failure count, a new session) are
 * written in one transaction before the caller answers the client.
 */
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/schema.h"
#include "tims/officer.h"
#include "tims/util.h"
#include "tims/vault.h"

#define SEALED_BYTES (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + \
		      TIMS_TOTP_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* Login throttling (tims_officer_login_admit): bounded tables, the least
 * useful entry forgotten first when one is full. */
#define SRC_SLOTS 1024
#define PAIR_SLOTS 2048
#define ACC_SLOTS 1024
#define TRUSTED_PER_ACC 4
#define ADDR_BYTES 64

struct src_ent {   /* per source address: a token bucket */
	char addr[ADDR_BYTES];
	double tokens;
	time_t t;
};
struct pair_ent {  /* per (account, source): failures in a row */
	char id[TIMS_OFFICER_ID_MAX + 1];
	char addr[ADDR_BYTES];
	unsigned fails;
	time_t last;
};
struct acc_ent {   /* per account: a bucket for untrusted sources */
	char id[TIMS_OFFICER_ID_MAX + 1];
	double tokens;
	time_t t;
	char trusted[TRUSTED_PER_ACC][ADDR_BYTES]; /* where it logged in lately */
	time_t trusted_t[TRUSTED_PER_ACC];
};
struct throttle {
	pthread_mutex_t lock;
	struct src_ent src[SRC_SLOTS];
	struct pair_ent pair[PAIR_SLOTS];
	struct acc_ent acc[ACC_SLOTS];
};

struct tims_officers {
	sqlite3 *db;
	uint8_t *key;                     /* sodium_malloc'ed store key */
	int have_key;                     /* 0: the vault's token is unavailable */
	enum tims_pw_cost cost;
	struct throttle *th;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS officers("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
	" pw_hash TEXT NOT NULL, totp_sealed BLOB NOT NULL,"
	" totp_last_step INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS sessions("
	" token_hash BLOB PRIMARY KEY, officer TEXT NOT NULL REFERENCES officers(id),"
	" booth TEXT NOT NULL, created INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" ended INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE INDEX IF NOT EXISTS sessions_officer ON sessions(officer);"
	/* Accounts that came from the centre's roster (tims_officer_roster_apply). */
	"CREATE TABLE IF NOT EXISTS roster(id TEXT PRIMARY KEY REFERENCES officers(id)) STRICT;";

static tims_rc db_err(sqlite3 *db, struct tims_err *err, const char *what)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s", what, sqlite3_errmsg(db));
}

static int has_column(sqlite3 *db, const char *table, const char *col)
{
	sqlite3_stmt *st;
	char sql[96];
	int found = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *n = sqlite3_column_text(st, 1);

		found = n && !strcmp((const char *)n, col);
	}
	sqlite3_finalize(st);
	return found;
}

/* The consoles' languages (web/i18n/LANG.json). */
const char *const tims_lang_names[] = { "en", "sq", NULL };

int tims_lang_valid(const char *lang)
{
	for (size_t i = 0; lang && tims_lang_names[i]; i++)
		if (!strcmp(lang, tims_lang_names[i]))
			return 1;
	return 0;
}

/* Schema version (tims/schema.h): 0 before versions were recorded; the
 * tables created, in one transaction; a store of a newer TIMS refused. */
tims_rc tims_officer_schema(sqlite3 *db, struct tims_err *err)
{
	const char *what = sqlite3_db_filename(db, "main");
	tims_rc rc;

	if (!what || !*what)
		what = "officer store";
	if ((rc = tims_schema_begin(db, what, TIMS_SCHEMA_OFFICERS, NULL, err)))
		return rc;
	if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, err, "officer tables");
		tims_schema_abort(db);
		return rc;
	}
	/* 2: the officer's language for the consoles ('' = the installation's) */
	if (!has_column(db, "officers", "lang") &&
	    sqlite3_exec(db, "ALTER TABLE officers ADD COLUMN lang TEXT NOT NULL DEFAULT ''",
			 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, err, "officer tables: lang");
		tims_schema_abort(db);
		return rc;
	}
	return tims_schema_commit(db, what, TIMS_SCHEMA_OFFICERS, err);
}

tims_rc tims_officers_open(sqlite3 *db, const uint8_t key[TIMS_STORE_KEY_BYTES],
			   enum tims_pw_cost cost, struct tims_officers **out,
			   struct tims_err *err)
{
	struct tims_officers *o;
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	if ((rc = tims_officer_schema(db, err)))
		return rc;
	o = calloc(1, sizeof(*o));
	if (!o)
		return tims_err_set(err, TIMS_ERR_NOMEM, "officers: out of memory");
	o->key = sodium_malloc(TIMS_STORE_KEY_BYTES);
	o->th = calloc(1, sizeof(*o->th));
	if (!o->key || !o->th) {
		sodium_free(o->key);
		free(o->th);
		free(o);
		return tims_err_set(err, TIMS_ERR_NOMEM, "officers: out of memory");
	}
	pthread_mutex_init(&o->th->lock, NULL);
	/* key NULL: the vault's secrets key is unavailable (its token is out):
	 * sessions go on, anything that needs a TOTP secret waits for it */
	if (key)
		memcpy(o->key, key, TIMS_STORE_KEY_BYTES);
	o->have_key = key != NULL;
	o->db = db;
	o->cost = cost;
	*out = o;
	return TIMS_OK;
}

sqlite3 *tims_officers_db(struct tims_officers *o)
{
	return o->db;
}

void tims_officers_free(struct tims_officers *o)
{
	if (!o)
		return;
	sodium_free(o->key);
	if (o->th)
		pthread_mutex_destroy(&o->th->lock);
	free(o->th);
	free(o);
}

static tims_rc check_id(const char *id, struct tims_err *err)
{
	size_t n = id ? strnlen(id, TIMS_OFFICER_ID_MAX + 1) : 0;

	if (n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "officer id: empty");
	if (n > TIMS_OFFICER_ID_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "officer id: longer than %d characters", TIMS_OFFICER_ID_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "officer id: only letters, digits, '-', '_' and '.'");
	return TIMS_OK;
}

static tims_rc seal(struct tims_officers *o, const char *id,
		    const uint8_t totp[TIMS_TOTP_KEY_BYTES], uint8_t out[SEALED_BYTES])
{
	unsigned long long clen;

	if (!o->have_key)
		return TIMS_ERR_UNAVAILABLE;
	randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	/* The officer id is the associated data: a sealed key moved to another
	 * account's row does not open. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(
		out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, totp,
		TIMS_TOTP_KEY_BYTES, (const uint8_t *)id, strlen(id), NULL, out, o->key);
	return TIMS_OK;
}

static tims_rc unseal(struct tims_officers *o, const char *id, const void *sealed,
		      size_t len, uint8_t totp[TIMS_TOTP_KEY_BYTES], struct tims_err *err)
{
	unsigned long long mlen;
	const uint8_t *s = sealed;

	if (!o->have_key)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "officer %s: TOTP secrets are sealed and the key token is "
				    "unavailable; a login waits for it", id);
	if (len != SEALED_BYTES ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(totp, &mlen, NULL,
		s + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		(const uint8_t *)id, strlen(id), s, o->key) != 0 ||
	    mlen != TIMS_TOTP_KEY_BYTES)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "officer %s: TOTP secret does not open with this node's store key",
				    id);
	return TIMS_OK;
}

static tims_rc new_secret(struct tims_officers *o, const char *id,
			  uint8_t sealed[SEALED_BYTES],
			  char secret_b32[TIMS_TOTP_B32_BYTES], struct tims_buf *uri,
			  struct tims_err *err)
{
	uint8_t totp[TIMS_TOTP_KEY_BYTES];
	tims_rc rc;

	if ((rc = tims_totp_keygen(totp)))
		return tims_err_set(err, rc, "TOTP secret: no randomness");
	if (seal(o, id, totp, sealed)) {
		sodium_memzero(totp, sizeof(totp));
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "TOTP secret: the key token is unavailable; try again when it is back");
	}
	tims_base32_encode(totp, sizeof(totp), secret_b32, TIMS_TOTP_B32_BYTES);
	rc = uri ? tims_totp_uri("TIMS", id, totp, sizeof(totp), uri) : TIMS_OK;
	sodium_memzero(totp, sizeof(totp));
	if (rc)
		return tims_err_set(err, rc, "TOTP URI: too long");
	return TIMS_OK;
}

/* Run one statement with text/int/blob parameters; returns SQLite's code. */
static int exec_stmt(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc, i = 1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	va_start(ap, types);
	for (const char *t = types; *t; t++, i++) {
		if (*t == 's') {
			sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		} else if (*t == 'i') {
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		} else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);

			sqlite3_bind_blob(st, i, p, n, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

tims_rc tims_officer_add(struct tims_officers *o, const char *id,
			 const char *name, unsigned role, const char *password,
			 char secret_b32[TIMS_TOTP_B32_BYTES],
			 struct tims_buf *uri, struct tims_err *err)
{
	char hash[TIMS_PW_HASH_BYTES];
	uint8_t sealed[SEALED_BYTES];
	int64_t now = (int64_t)time(NULL);
	size_t nlen = name ? strnlen(name, TIMS_OFFICER_NAME_MAX + 1) : 0;
	tims_rc rc;
	int src;

	if ((rc = check_id(id, err)))
		return rc;
	if (nlen == 0 || nlen > TIMS_OFFICER_NAME_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "name: empty or longer than %d bytes", TIMS_OFFICER_NAME_MAX);
	if (!strcmp(tims_role_name(role), "none") || role == TIMS_ROLE_PEER)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "role: one of officer, supervisor, analyst, auditor, admin");
	if ((rc = tims_pw_hash(password, o->cost, hash, err)))
		return rc;
	if ((rc = new_secret(o, id, sealed, secret_b32, uri, err)))
		return rc;
	src = exec_stmt(o->db,
		"INSERT INTO officers(id, name, role, pw_hash, totp_sealed, created, updated)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)", "ssssbii", id, name, tims_role_name(role),
		hash, sealed, (int)sizeof(sealed), now, now);
	sodium_memzero(hash, sizeof(hash));
	if (src == SQLITE_CONSTRAINT)
		return tims_err_set(err, TIMS_ERR_EXISTS, "officer %s: already exists", id);
	if (src != SQLITE_DONE)
		return db_err(o->db, err, "officer add");
	return TIMS_OK;
}

static tims_rc end_sessions(struct tims_officers *o, const char *id,
			    struct tims_err *err)
{
	if (exec_stmt(o->db, "UPDATE sessions SET ended = 1 WHERE officer = ? AND ended = 0",
		      "s", id) != SQLITE_DONE)
		return db_err(o->db, err, "end sessions");
	return TIMS_OK;
}

tims_rc tims_officer_reset(struct tims_officers *o, const char *id,
			   const char *password,
			   char secret_b32[TIMS_TOTP_B32_BYTES],
			   struct tims_buf *uri, struct tims_err *err)
{
	char hash[TIMS_PW_HASH_BYTES];
	uint8_t sealed[SEALED_BYTES];
	tims_rc rc;

	if ((rc = check_id(id, err)) || (rc = tims_pw_hash(password, o->cost, hash, err)) ||
	    (rc = new_secret(o, id, sealed, secret_b32, uri, err)))
		return rc;
	if (exec_stmt(o->db, "UPDATE officers SET pw_hash = ?, totp_sealed = ?,"
		      " totp_last_step = 0, failures = 0, locked_until = 0, updated = ?"
		      " WHERE id = ?", "sbis", hash, sealed, (int)sizeof(sealed),
		      (int64_t)time(NULL), id) != SQLITE_DONE)
		return db_err(o->db, err, "officer reset");
	sodium_memzero(hash, sizeof(hash));
	if (sqlite3_changes(o->db) == 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "officer %s: no such officer", id);
	return end_sessions(o, id, err);
}

tims_rc tims_officer_totp_rotate(struct tims_officers *o, const char *id,
				 char secret_b32[TIMS_TOTP_B32_BYTES],
				 struct tims_buf *uri, struct tims_err *err)
{
	uint8_t sealed[SEALED_BYTES];
	tims_rc rc;

	if ((rc = check_id(id, err)) || (rc = new_secret(o, id, sealed, secret_b32, uri, err)))
		return rc;
	/* the secret and the end of the sessions together */
	if (sqlite3_exec(o->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(o->db, err, "totp rotate");
	if (exec_stmt(o->db, "UPDATE officers SET totp_sealed = ?, totp_last_step = 0,"
		      " updated = ? WHERE id = ?", "bis", sealed, (int)sizeof(sealed),
		      (int64_t)time(NULL), id) != SQLITE_DONE)
		rc = db_err(o->db, err, "totp rotate");
	else if (sqlite3_changes(o->db) == 0)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "officer %s: no such officer", id);
	else
		rc = end_sessions(o, id, err);
	if (rc || sqlite3_exec(o->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = db_err(o->db, err, "totp rotate");
		sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
		sodium_memzero(secret_b32, TIMS_TOTP_B32_BYTES);
	}
	sodium_memzero(sealed, sizeof(sealed));
	return rc;
}

int tims_officer_from_roster(struct tims_officers *o, const char *id)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(o->db, "SELECT 1 FROM roster WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

tims_rc tims_officer_disable(struct tims_officers *o, const char *id,
			     int disabled, struct tims_err *err)
{
	tims_rc rc;

	if ((rc = check_id(id, err)))
		return rc;
	if (exec_stmt(o->db, "UPDATE officers SET disabled = ?, updated = ? WHERE id = ?",
		      "iis", (int64_t)(disabled != 0), (int64_t)time(NULL), id) != SQLITE_DONE)
		return db_err(o->db, err, "officer disable");
	if (sqlite3_changes(o->db) == 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "officer %s: no such officer", id);
	return disabled ? end_sessions(o, id, err) : TIMS_OK;
}

static void copy_col(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

tims_rc tims_officer_sessions_open(struct tims_officers *o, time_t now,
				   tims_officer_session_fn fn, void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int s;

	if (sqlite3_prepare_v2(o->db, "SELECT s.officer, o.role, s.booth, s.created"
			       " FROM sessions s JOIN officers o ON o.id = s.officer"
			       " WHERE s.ended = 0 AND o.disabled = 0 AND s.last_seen >= ?1"
			       " AND s.created >= ?2 AND s.created <= ?3 ORDER BY s.created",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(o->db, err, "sessions");
	sqlite3_bind_int64(st, 1, (int64_t)now - TIMS_SESSION_IDLE);
	sqlite3_bind_int64(st, 2, (int64_t)now - TIMS_SESSION_MAX);
	sqlite3_bind_int64(st, 3, (int64_t)now);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		char id[TIMS_OFFICER_ID_MAX + 1], role[32], booth[64];

		copy_col(id, sizeof(id), st, 0);
		copy_col(role, sizeof(role), st, 1);
		copy_col(booth, sizeof(booth), st, 2);
		if ((rc = fn(ctx, id, tims_role_parse(role), booth, sqlite3_column_int64(st, 3))))
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = db_err(o->db, err, "sessions");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_officer_set_lang(struct tims_officers *o, const char *id, const char *lang,
			      struct tims_err *err)
{
	tims_rc rc;

	if ((rc = check_id(id, err)))
		return rc;
	if (*lang && !tims_lang_valid(lang))
		return tims_err_set(err, TIMS_ERR_INVALID, "lang: en or sq (or empty: the "
				    "installation's), not \"%.8s\"", lang);
	if (exec_stmt(o->db, "UPDATE officers SET lang = ?, updated = ? WHERE id = ?",
		      "sis", lang, (int64_t)time(NULL), id) != SQLITE_DONE)
		return db_err(o->db, err, "officer lang");
	if (sqlite3_changes(o->db) == 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "officer %s: no such officer", id);
	return TIMS_OK;
}

tims_rc tims_officer_get_lang(struct tims_officers *o, const char *id,
			      char lang[TIMS_LANG_MAX + 1], struct tims_err *err)
{
	sqlite3_stmt *st;
	int rc;

	lang[0] = '\0';
	if (sqlite3_prepare_v2(o->db, "SELECT lang FROM officers WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(o->db, err, "officer lang");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(lang, TIMS_LANG_MAX + 1, st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "officer %s: no such officer", id);
	if (rc != SQLITE_ROW)
		return db_err(o->db, err, "officer lang");
	if (lang[0] && !tims_lang_valid(lang))
		lang[0] = '\0'; /* a value this build does not know: the default */
	return TIMS_OK;
}

tims_rc tims_officer_list(struct tims_officers *o,
			  int (*fn)(void *ctx, const struct tims_officer *),
			  void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(o->db, "SELECT id, name, role, disabled, failures,"
			       " locked_until, created, lang FROM officers ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(o->db, err, "officer list");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_officer off;
		char role[32];

		memset(&off, 0, sizeof(off));
		copy_col(off.id, sizeof(off.id), st, 0);
		copy_col(off.name, sizeof(off.name), st, 1);
		copy_col(role, sizeof(role), st, 2);
		off.role = tims_role_parse(role);
		off.disabled = sqlite3_column_int(st, 3);
		off.failures = (unsigned)sqlite3_column_int(st, 4);
		off.locked_until = sqlite3_column_int64(st, 5);
		off.created = sqlite3_column_int64(st, 6);
		copy_col(off.lang, sizeof(off.lang), st, 7);
		if (fn(ctx, &off))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(o->db, err, "officer list");
	return TIMS_OK;
}

/* The count shown by `tims officer list`. It locks nothing: throttling is
 * by source (tims_officer_login_admit), so that nobody can lock an officer
 * out by typing wrong passwords for them elsewhere. */
static tims_rc record_failure(struct tims_officers *o, const char *id,
			      unsigned failures, struct tims_err *err)
{
	if (exec_stmt(o->db, "UPDATE officers SET failures = ?, locked_until = 0 WHERE id = ?",
		      "is", (int64_t)failures, id) != SQLITE_DONE)
		return db_err(o->db, err, "login failure");
	return TIMS_OK;
}

static tims_rc start_session(struct tims_officers *o, const char *id,
			     const char *booth, uint64_t step, time_t now,
			     char token[TIMS_TOKEN_CHARS], struct tims_err *err)
{
	uint8_t digest[32];
	tims_rc rc;

	if ((rc = tims_token_new(token)))
		return tims_err_set(err, rc, "session: no randomness");
	tims_token_digest(token, digest, NULL);
	/* The used TOTP step, the reset failure count and the session commit
	 * together: a crash cannot leave a code reusable. */
	if (sqlite3_exec(o->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(o->db, err, "login");
	if (exec_stmt(o->db, "UPDATE officers SET totp_last_step = ?, failures = 0,"
		      " locked_until = 0 WHERE id = ?", "is", (int64_t)step, id) != SQLITE_DONE ||
	    exec_stmt(o->db, "INSERT INTO sessions(token_hash, officer, booth, created, last_seen)"
		      " VALUES (?, ?, ?, ?, ?)", "bssii", digest, 32, id, booth,
		      (int64_t)now, (int64_t)now) != SQLITE_DONE ||
	    sqlite3_exec(o->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(o->db, err, "login");
		sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
		sodium_memzero(token, TIMS_TOKEN_CHARS);
		return rc;
	}
	return TIMS_OK;
}

void tims_officer_login_begin(struct tims_officers *o, const char *id,
			      struct tims_login_check *lc)
{
	sqlite3_stmt *st = NULL;

	memset(lc, 0, sizeof(*lc));
	/* an unknown id is checked against a hash of the store's cost */
	snprintf(lc->pw_hash, sizeof(lc->pw_hash), "%s", tims_pw_dummy(o->cost));
	if (check_id(id, NULL))
		return;
	snprintf(lc->id, sizeof(lc->id), "%s", id);
	if (sqlite3_prepare_v2(o->db, "SELECT pw_hash FROM officers WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return; /* end() reads the account again and reports the error */
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		copy_col(lc->pw_hash, sizeof(lc->pw_hash), st, 0);
		lc->known = 1;
	}
	sqlite3_finalize(st);
}

void tims_officer_login_hash(struct tims_login_check *lc, const char *password)
{
	/* Always the same work: an unknown id is checked against the dummy. */
	lc->pw_ok = tims_pw_verify(lc->pw_hash, password ? password : "", NULL) == TIMS_OK &&
		    lc->known;
}

void tims_officer_login_wipe(struct tims_login_check *lc)
{
	sodium_memzero(lc, sizeof(*lc));
}

tims_rc tims_officer_login_end(struct tims_officers *o, struct tims_login_check *lc,
			       const char *code, const char *booth, time_t now,
			       char token[TIMS_TOKEN_CHARS],
			       struct tims_principal *who, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	char pw_hash[TIMS_PW_HASH_BYTES], role[32];
	uint8_t totp[TIMS_TOTP_KEY_BYTES];
	uint64_t step;
	unsigned failures;
	int disabled;
	tims_rc rc, trc;

	if (!booth || strnlen(booth, sizeof(who->booth)) >= sizeof(who->booth))
		return tims_err_set(err, TIMS_ERR_INVALID, "booth: missing or too long");
	for (const char *b = booth; *b; b++)
		if ((unsigned char)*b < 0x20 || *b == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID, "booth: control character");
	if (!lc->known)
		return tims_err_set(err, TIMS_ERR_AUTH, "login: no such officer");
	if (sqlite3_prepare_v2(o->db, "SELECT pw_hash, totp_sealed, totp_last_step, failures,"
			       " disabled, role FROM officers WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(o->db, err, "login");
	sqlite3_bind_text(st, 1, lc->id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return tims_err_set(err, TIMS_ERR_AUTH, "login: the account was removed meanwhile");
	}
	copy_col(pw_hash, sizeof(pw_hash), st, 0);
	rc = unseal(o, lc->id, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
		    totp, err);
	step = (uint64_t)sqlite3_column_int64(st, 2);
	failures = (unsigned)sqlite3_column_int(st, 3);
	disabled = sqlite3_column_int(st, 4);
	copy_col(role, sizeof(role), st, 5);
	sqlite3_finalize(st);
	if (rc)
		goto out;
	/* The code is checked in every case, so timing tells nothing either. */
	trc = tims_totp_check(totp, sizeof(totp), code, now, &step, NULL);
	if (disabled) {
		rc = tims_err_set(err, TIMS_ERR_AUTH, "login: account %s is disabled", lc->id);
		goto out;
	}
	if (strcmp(pw_hash, lc->pw_hash) != 0) {
		rc = tims_err_set(err, TIMS_ERR_AUTH, "login: the password was reset meanwhile");
		goto out;
	}
	if (!lc->pw_ok || trc) {
		tims_rc frc = record_failure(o, lc->id, failures + 1, err);

		if (frc)
			rc = frc;
		else if (lc->pw_ok && trc == TIMS_ERR_REPLAY)
			rc = tims_err_set(err, TIMS_ERR_REPLAY,
					  "login: this code was already used; wait for the next one");
		else
			rc = tims_err_set(err, TIMS_ERR_AUTH, !lc->pw_ok ? "login: wrong password" :
					  "login: wrong code");
		goto out;
	}
	if ((rc = start_session(o, lc->id, booth, step, now, token, err)))
		goto out;
	lc->step = step;
	memset(who, 0, sizeof(*who));
	snprintf(who->id, sizeof(who->id), "%s", lc->id);
	snprintf(who->booth, sizeof(who->booth), "%s", booth);
	who->role = tims_role_parse(role);
out:
	sodium_memzero(totp, sizeof(totp));
	sodium_memzero(pw_hash, sizeof(pw_hash));
	return rc;
}

tims_rc tims_officer_login(struct tims_officers *o, const char *id,
			   const char *password, const char *code,
			   const char *booth, time_t now,
			   char token[TIMS_TOKEN_CHARS],
			   struct tims_principal *who, struct tims_err *err)
{
	struct tims_login_check lc;
	tims_rc rc;

	if (!booth || strnlen(booth, sizeof(who->booth)) >= sizeof(who->booth))
		return tims_err_set(err, TIMS_ERR_INVALID, "booth: missing or too long");
	tims_officer_login_begin(o, id, &lc);
	tims_officer_login_hash(&lc, password);
	rc = tims_officer_login_end(o, &lc, code, booth, now, token, who, err);
	tims_officer_login_wipe(&lc);
	return rc;
}

/* --- throttling ------------------------------------------------------------ */

static void refill(double *tokens, time_t *t, time_t now, double burst, double period)
{
	if (now > *t) {
		*tokens += (double)(now - *t) / period;
		if (*tokens > burst)
			*tokens = burst;
		*t = now;
	}
}

static unsigned wait_for_token(double tokens, double period)
{
	double w = (1.0 - tokens) * period;

	return w < 1 ? 1 : (unsigned)(w + 0.999);
}

static struct src_ent *src_get(struct throttle *th, const char *addr, time_t now)
{
	struct src_ent *old = &th->src[0];

	for (size_t i = 0; i < SRC_SLOTS; i++) {
		if (!strcmp(th->src[i].addr, addr))
			return &th->src[i];
		if (th->src[i].t < old->t)
			old = &th->src[i];
	}
	memset(old, 0, sizeof(*old));
	snprintf(old->addr, sizeof(old->addr), "%s", addr);
	old->tokens = TIMS_THROTTLE_SRC_BURST;
	old->t = now;
	return old;
}

static struct pair_ent *pair_get(struct throttle *th, const char *id, const char *addr,
				 int create)
{
	struct pair_ent *old = NULL;

	for (size_t i = 0; i < PAIR_SLOTS; i++) {
		struct pair_ent *p = &th->pair[i];

		if (!strcmp(p->id, id) && !strcmp(p->addr, addr))
			return p;
		/* forget first what holds nobody back, then the oldest */
		if (!old || (p->fails < TIMS_AUTH_FREE_TRIES) > (old->fails < TIMS_AUTH_FREE_TRIES) ||
		    ((p->fails < TIMS_AUTH_FREE_TRIES) == (old->fails < TIMS_AUTH_FREE_TRIES) &&
		     p->last < old->last))
			old = p;
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	snprintf(old->id, sizeof(old->id), "%s", id);
	snprintf(old->addr, sizeof(old->addr), "%s", addr);
	return old;
}

static struct acc_ent *acc_get(struct throttle *th, const char *id, time_t now)
{
	struct acc_ent *old = &th->acc[0];

	for (size_t i = 0; i < ACC_SLOTS; i++) {
		if (!strcmp(th->acc[i].id, id))
			return &th->acc[i];
		if (th->acc[i].t < old->t)
			old = &th->acc[i];
	}
	memset(old, 0, sizeof(*old));
	snprintf(old->id, sizeof(old->id), "%s", id);
	old->tokens = TIMS_THROTTLE_ACC_BURST;
	old->t = now;
	return old;
}

static int trusted(const struct acc_ent *a, const char *addr)
{
	for (size_t i = 0; i < TRUSTED_PER_ACC; i++)
		if (a->trusted[i][0] && !strcmp(a->trusted[i], addr))
			return 1;
	return 0;
}

/* The id as the tables key it: cut to the longest id, so that an over-long
 * one is throttled like any other. */
static void throttle_key(const char *id, char out[TIMS_OFFICER_ID_MAX + 1])
{
	snprintf(out, TIMS_OFFICER_ID_MAX + 1, "%s", id ? id : "");
}

tims_rc tims_officer_login_admit(struct tims_officers *o, const char *id,
				 const char *addr, time_t now, unsigned *retry_after)
{
	struct throttle *th = o->th;
	char key[TIMS_OFFICER_ID_MAX + 1];
	struct src_ent *src;
	struct pair_ent *pair;
	struct acc_ent *acc;
	unsigned wait = 0, w;
	int trust;

	throttle_key(id, key);
	if (!addr)
		addr = "?";
	pthread_mutex_lock(&th->lock);
	src = src_get(th, addr, now);
	refill(&src->tokens, &src->t, now, TIMS_THROTTLE_SRC_BURST, TIMS_THROTTLE_SRC_PERIOD);
	if (src->tokens < 1)
		wait = wait_for_token(src->tokens, TIMS_THROTTLE_SRC_PERIOD);
	pair = pair_get(th, key, addr, 0);
	if (pair && pair->fails >= TIMS_AUTH_FREE_TRIES) {
		time_t until = pair->last + (time_t)tims_auth_lockout_seconds(pair->fails);

		if (now < until && (w = (unsigned)(until - now)) > wait)
			wait = w;
	}
	acc = acc_get(th, key, now);
	refill(&acc->tokens, &acc->t, now, TIMS_THROTTLE_ACC_BURST, TIMS_THROTTLE_ACC_PERIOD);
	trust = trusted(acc, addr);
	if (!trust && acc->tokens < 1 &&
	    (w = wait_for_token(acc->tokens, TIMS_THROTTLE_ACC_PERIOD)) > wait)
		wait = w;
	if (!wait) {
		src->tokens -= 1;
		if (!trust)
			acc->tokens -= 1;
	}
	pthread_mutex_unlock(&th->lock);
	*retry_after = wait;
	return wait ? TIMS_ERR_DENIED : TIMS_OK;
}

void tims_officer_login_result(struct tims_officers *o, const char *id,
			       const char *addr, int ok, time_t now)
{
	struct throttle *th = o->th;
	char key[TIMS_OFFICER_ID_MAX + 1];
	struct pair_ent *pair;
	struct acc_ent *acc;

	throttle_key(id, key);
	if (!addr)
		addr = "?";
	pthread_mutex_lock(&th->lock);
	if (!ok) {
		pair = pair_get(th, key, addr, 1);
		pair->fails++;
		pair->last = now;
	} else {
		struct src_ent *src = src_get(th, addr, now);
		size_t slot = 0;

		if ((pair = pair_get(th, key, addr, 0)))
			memset(pair, 0, sizeof(*pair));
		/* a good login costs nothing, and makes this source the booth's */
		if (src->tokens + 1 <= TIMS_THROTTLE_SRC_BURST)
			src->tokens += 1;
		acc = acc_get(th, key, now);
		if (!trusted(acc, addr)) {
			if (acc->tokens + 1 <= TIMS_THROTTLE_ACC_BURST)
				acc->tokens += 1;
			for (size_t i = 1; i < TRUSTED_PER_ACC; i++)
				if (acc->trusted_t[i] < acc->trusted_t[slot])
					slot = i;
			snprintf(acc->trusted[slot], sizeof(acc->trusted[slot]), "%s", addr);
		} else {
			for (size_t i = 0; i < TRUSTED_PER_ACC; i++)
				if (!strcmp(acc->trusted[i], addr))
					slot = i;
		}
		acc->trusted_t[slot] = now;
	}
	pthread_mutex_unlock(&th->lock);
}

static tims_rc session(struct tims_officers *o, const char *token, time_t now,
		       int touch, struct tims_principal *who, struct tims_err *err)
{
	static const char gone[] = "session: expired or unknown";
	sqlite3_stmt *st;
	uint8_t digest[32];
	int64_t created, last_seen;
	char role[32];
	int ok;

	if (tims_token_digest(token, digest, NULL))
		return tims_err_set(err, TIMS_ERR_AUTH, gone);
	if (sqlite3_prepare_v2(o->db, "SELECT s.officer, s.booth, s.created, s.last_seen,"
			       " o.role, s.rowid FROM sessions s JOIN officers o ON o.id = s.officer"
			       " WHERE s.token_hash = ? AND s.ended = 0 AND o.disabled = 0",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(o->db, err, "session");
	sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return tims_err_set(err, TIMS_ERR_AUTH, gone);
	}
	memset(who, 0, sizeof(*who));
	copy_col(who->id, sizeof(who->id), st, 0);
	copy_col(who->booth, sizeof(who->booth), st, 1);
	created = sqlite3_column_int64(st, 2);
	last_seen = sqlite3_column_int64(st, 3);
	copy_col(role, sizeof(role), st, 4);
	who->session = (uint64_t)sqlite3_column_int64(st, 5);
	who->role = tims_role_parse(role);
	sqlite3_finalize(st);
	ok = (int64_t)now - last_seen <= TIMS_SESSION_IDLE &&
	     (int64_t)now - created <= TIMS_SESSION_MAX && (int64_t)now >= created;
	if (!ok) {
		exec_stmt(o->db, "UPDATE sessions SET ended = 1 WHERE token_hash = ?", "b",
			  digest, 32);
		memset(who, 0, sizeof(*who));
		return tims_err_set(err, TIMS_ERR_AUTH, gone);
	}
	/* Refresh the idle timer at most once a minute: fewer writes. */
	if (touch && (int64_t)now - last_seen >= 60 &&
	    exec_stmt(o->db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", "ib",
		      (int64_t)now, digest, 32) != SQLITE_DONE)
		return db_err(o->db, err, "session");
	return TIMS_OK;
}

tims_rc tims_officer_session(struct tims_officers *o, const char *token,
			     time_t now, struct tims_principal *who,
			     struct tims_err *err)
{
	return session(o, token, now, 1, who, err);
}

tims_rc tims_officer_session_peek(struct tims_officers *o, const char *token,
				  time_t now, struct tims_principal *who,
				  struct tims_err *err)
{
	return session(o, token, now, 0, who, err);
}

tims_rc tims_officer_logout(struct tims_officers *o, const char *token,
			    struct tims_err *err)
{
	uint8_t digest[32];

	if (tims_token_digest(token, digest, NULL))
		return TIMS_OK;
	if (exec_stmt(o->db, "UPDATE sessions SET ended = 1 WHERE token_hash = ?", "b",
		      digest, 32) != SQLITE_DONE)
		return db_err(o->db, err, "logout");
	return TIMS_OK;
}

tims_rc tims_store_key_create(const char *path, struct tims_err *err)
{
	uint8_t key[TIMS_STORE_KEY_BYTES];
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	randombytes_buf(key, sizeof(key));
	rc = tims_write_file(path, key, sizeof(key), 0600, 0, err);
	sodium_memzero(key, sizeof(key));
	return rc;
}

tims_rc tims_store_key_load(const char *path, uint8_t key[TIMS_STORE_KEY_BYTES],
			    struct tims_err *err)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || (st.st_mode & 077)) {
		close(fd);
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "%s: readable by group or others; chmod 600 it", path);
	}
	n = read(fd, key, TIMS_STORE_KEY_BYTES);
	close(fd);
	if (n != TIMS_STORE_KEY_BYTES || st.st_size != TIMS_STORE_KEY_BYTES)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a %d-byte key", path,
				    TIMS_STORE_KEY_BYTES);
	return TIMS_OK;
}

/* --- the officer store of a node directory ------------------------------- */

static tims_rc dir_path(const char *dir, const char *name, char *out, size_t len,
			struct tims_err *err)
{
	if (snprintf(out, len, "%s/%s", dir, name) >= (int)len)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

/*
 * An older node kept the key of the TOTP secrets in DIR/store.key, beside
 * node.db. With the vault's secrets key at hand, every secret is sealed
 * again under it (one transaction) and the file is removed.
 */
static tims_rc migrate_store_key(sqlite3 *db, const char *keypath,
				 const uint8_t newkey[TIMS_STORE_KEY_BYTES], struct tims_err *err)
{
	struct tims_officers oldo = { 0 }, newo = { 0 };
	uint8_t *k = sodium_malloc(2 * TIMS_STORE_KEY_BYTES);
	sqlite3_stmt *st = NULL, *up = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	if (!k)
		return tims_err_set(err, TIMS_ERR_NOMEM, "officers: out of memory");
	if ((rc = tims_store_key_load(keypath, k, err)))
		goto out;
	memcpy(k + TIMS_STORE_KEY_BYTES, newkey, TIMS_STORE_KEY_BYTES);
	oldo.key = k;
	oldo.have_key = 1;
	newo.key = k + TIMS_STORE_KEY_BYTES;
	newo.have_key = 1;
	if ((rc = tims_officer_schema(db, err)))
		goto out;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id, totp_sealed FROM officers", -1, &st, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE officers SET totp_sealed = ?2 WHERE id = ?1", -1, &up,
			       NULL) != SQLITE_OK) {
		rc = db_err(db, err, "store.key migration");
		goto out;
	}
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		uint8_t totp[TIMS_TOTP_KEY_BYTES], sealed[SEALED_BYTES];

		if ((rc = unseal(&oldo, id, sqlite3_column_blob(st, 1),
				 (size_t)sqlite3_column_bytes(st, 1), totp, err)))
			break;
		seal(&newo, id, totp, sealed);
		sodium_memzero(totp, sizeof(totp));
		sqlite3_reset(up);
		sqlite3_bind_text(up, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 2, sealed, sizeof(sealed), SQLITE_TRANSIENT);
		if (sqlite3_step(up) != SQLITE_DONE)
			rc = db_err(db, err, "store.key migration");
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	st = up = NULL;
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(db, err, "store.key migration");
	if (rc) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (unlink(keypath) != 0)
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", keypath, strerror(errno));
	else
		rc = tims_fsync_dir_of(keypath, err);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sodium_free(k);
	return rc;
}

tims_rc tims_officers_open_dir(const char *dir, enum tims_pw_cost cost,
				struct tims_officers **out, struct tims_err *err)
{
	char dbpath[4200], keypath[4200], vconf[4200];
	uint8_t key[TIMS_STORE_KEY_BYTES];
	struct tims_vault *v = NULL;
	int have_key = 0, migrate = 0;
	sqlite3 *db = NULL;
	tims_rc rc;

	if ((rc = dir_path(dir, "node.db", dbpath, sizeof(dbpath), err)) ||
	    (rc = dir_path(dir, "store.key", keypath, sizeof(keypath), err)) ||
	    (rc = dir_path(dir, "vault.conf", vconf, sizeof(vconf), err)))
		return rc;
	if (access(vconf, F_OK) == 0) {
		/* the vault's secrets key; while its token is out, the old
		 * store.key if one is left, else none (logins wait) */
		if ((rc = tims_vault_open(dir, &v, err)))
			return rc;
		if (!tims_vault_secrets_key(v, key, NULL)) {
			have_key = 1;
			migrate = access(keypath, F_OK) == 0;
		} else if (access(keypath, F_OK) == 0) {
			have_key = !tims_store_key_load(keypath, key, NULL);
		}
		tims_vault_close(v);
	} else {
		/* not a node's directory (no vault): the old key file */
		if (access(keypath, F_OK) != 0 && (rc = tims_store_key_create(keypath, err)))
			return rc;
		if ((rc = tims_store_key_load(keypath, key, err)))
			return rc;
		have_key = 1;
	}
	if ((rc = tims_file_private(dbpath, err))) /* 0600, and its WAL */
		goto fail;
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", dbpath,
				  db ? sqlite3_errmsg(db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", dbpath, sqlite3_errmsg(db));
		goto fail;
	}
	chmod(dbpath, 0600);
	if (migrate && (rc = migrate_store_key(db, keypath, key, err)))
		goto fail;
	if ((rc = tims_officers_open(db, have_key ? key : NULL, cost, out, err)))
		goto fail;
	sodium_memzero(key, sizeof(key));
	return TIMS_OK;
fail:
	sodium_memzero(key, sizeof(key));
	sqlite3_close(db);
	return rc;
}

void tims_officers_close_dir(struct tims_officers *o)
{
	/* The store does not own its db handle; the node's helper does. */
	sqlite3 *db = o ? tims_officers_db(o) : NULL;

	tims_officers_free(o);
	sqlite3_close(db);
}


/* ---- the roster: accounts the centre sends to a post -------------------- */

tims_rc tims_officer_roster_export(struct tims_officers *o,
				   int (*want)(void *ctx, const char *id, unsigned role),
				   void *ctx, struct tims_buf *out, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int src = SQLITE_DONE;

	if (sqlite3_prepare_v2(o->db, "SELECT id, name, role, pw_hash, totp_sealed, disabled"
			       " FROM officers ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return db_err(o->db, err, "roster export");
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		uint8_t totp[TIMS_TOTP_KEY_BYTES];
		char b32[TIMS_TOTP_B32_BYTES], *text;
		json_t *line;

		if (!id || !want(ctx, id, tims_role_parse((const char *)sqlite3_column_text(st, 2))))
			continue;
		if ((rc = unseal(o, id, sqlite3_column_blob(st, 4),
				 (size_t)sqlite3_column_bytes(st, 4), totp, err)))
			break;
		tims_base32_encode(totp, sizeof(totp), b32, sizeof(b32));
		sodium_memzero(totp, sizeof(totp));
		line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", id,
				 "name", (const char *)sqlite3_column_text(st, 1),
				 "role", (const char *)sqlite3_column_text(st, 2),
				 "pw_hash", (const char *)sqlite3_column_text(st, 3),
				 "totp", b32, "disabled", sqlite3_column_int(st, 5) != 0);
		sodium_memzero(b32, sizeof(b32));
		text = line ? json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!text || tims_buf_addstr(out, text) || tims_buf_addch(out, '\n'))
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "roster: too large");
		if (text)
			sodium_memzero(text, strlen(text));
		free(text);
		json_decref(line);
	}
	if (!rc && src != SQLITE_DONE)
		rc = db_err(o->db, err, "roster export");
	sqlite3_finalize(st);
	return rc;
}

/* One account of a roster, checked field by field. */
struct roster_entry {
	char id[TIMS_OFFICER_ID_MAX + 1];
	const char *name, *role, *pw_hash;
	uint8_t totp[TIMS_TOTP_KEY_BYTES];
	int disabled;
};

static tims_rc roster_entry(json_t *j, size_t lineno, struct roster_entry *e,
			    struct tims_err *err)
{
	static const char *const keys[] = { "id", "name", "role", "pw_hash", "totp", "disabled" };
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *totp = json_string_value(json_object_get(j, "totp"));
	json_t *dis = json_object_get(j, "disabled");
	size_t klen = 0;
	unsigned role;
	tims_rc rc;

	if (!json_is_object(j))
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: not a JSON object", lineno);
	if (json_object_size(j) != TIMS_ARRAY_SIZE(keys))
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: want exactly the fields "
				    "id, name, role, pw_hash, totp, disabled", lineno);
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(keys); i++)
		if (!json_object_get(j, keys[i]))
			return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: %s: missing",
					    lineno, keys[i]);
	if ((rc = check_id(id, NULL)))
		return tims_err_set(err, rc, "roster line %zu: officer id: want 1-%d letters, "
				    "digits, '-', '_' or '.'", lineno, TIMS_OFFICER_ID_MAX);
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->name = json_string_value(json_object_get(j, "name"));
	if (!e->name || !*e->name || strlen(e->name) > TIMS_OFFICER_NAME_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: name: want 1-%d bytes",
				    lineno, TIMS_OFFICER_NAME_MAX);
	e->role = json_string_value(json_object_get(j, "role"));
	role = e->role ? tims_role_parse(e->role) : 0;
	if (!role || role == TIMS_ROLE_PEER || !strcmp(tims_role_name(role), "none"))
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: role: want officer, "
				    "supervisor, analyst, auditor or admin", lineno);
	e->pw_hash = json_string_value(json_object_get(j, "pw_hash"));
	if (!e->pw_hash || strncmp(e->pw_hash, "$argon2id$", 10) != 0 ||
	    strlen(e->pw_hash) >= TIMS_PW_HASH_BYTES)
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: pw_hash: want an "
				    "Argon2id string shorter than %d bytes", lineno, TIMS_PW_HASH_BYTES);
	if (!totp || strlen(totp) > 64 ||
	    tims_base32_decode(totp, e->totp, sizeof(e->totp), &klen, NULL) ||
	    klen != TIMS_TOTP_KEY_BYTES)
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: totp: want %d bytes "
				    "in base32", lineno, TIMS_TOTP_KEY_BYTES);
	if (!json_is_boolean(dis))
		return tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: disabled: want true "
				    "or false", lineno);
	e->disabled = json_is_true(dis);
	return TIMS_OK;
}

/* Apply one account; counts into res. */
static tims_rc roster_one(struct tims_officers *o, const struct roster_entry *e,
			  int64_t now, struct tims_roster_result *res, struct tims_err *err)
{
	uint8_t sealed[SEALED_BYTES], held[TIMS_TOTP_KEY_BYTES];
	sqlite3_stmt *st;
	int found = 0, same_secret = 0, same = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(o->db, "SELECT name, role, pw_hash, totp_sealed, disabled"
			       " FROM officers WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return db_err(o->db, err, "roster");
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		same_secret = !strcmp((const char *)sqlite3_column_text(st, 2), e->pw_hash) &&
			unseal(o, e->id, sqlite3_column_blob(st, 3),
			       (size_t)sqlite3_column_bytes(st, 3), held, NULL) == TIMS_OK &&
			sodium_memcmp(held, e->totp, sizeof(held)) == 0;
		same = same_secret && !strcmp((const char *)sqlite3_column_text(st, 0), e->name) &&
			!strcmp((const char *)sqlite3_column_text(st, 1), e->role) &&
			sqlite3_column_int(st, 4) == e->disabled;
	}
	sqlite3_finalize(st);
	sodium_memzero(held, sizeof(held));
	if (seal(o, e->id, e->totp, sealed))
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "roster: the key token is unavailable; applied when it is back");
	if (same) {
		res->unchanged++;
	} else if (!found) {
		if (exec_stmt(o->db, "INSERT INTO officers(id, name, role, pw_hash, totp_sealed,"
			      " disabled, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			      "ssssbiii", e->id, e->name, e->role, e->pw_hash, sealed,
			      (int)sizeof(sealed), (int64_t)e->disabled, now, now) != SQLITE_DONE)
			rc = db_err(o->db, err, "roster add");
		res->added++;
	} else {
		/* A new secret starts a new TOTP sequence and clears the lock; any
		 * change to the account ends its sessions. */
		if (exec_stmt(o->db, same_secret ?
			      "UPDATE officers SET name = ?, role = ?, disabled = ?, updated = ?"
			      " WHERE id = ?" :
			      "UPDATE officers SET name = ?, role = ?, disabled = ?, updated = ?,"
			      " pw_hash = ?, totp_sealed = ?, totp_last_step = 0, failures = 0,"
			      " locked_until = 0 WHERE id = ?",
			      same_secret ? "ssiis" : "ssiisbs", e->name, e->role,
			      (int64_t)e->disabled, now, same_secret ? e->id : e->pw_hash,
			      sealed, (int)sizeof(sealed), e->id) != SQLITE_DONE)
			rc = db_err(o->db, err, "roster update");
		else
			rc = end_sessions(o, e->id, err);
		res->changed++;
	}
	if (!rc && exec_stmt(o->db, "INSERT OR IGNORE INTO roster(id) VALUES (?)", "s",
			     e->id) != SQLITE_DONE)
		rc = db_err(o->db, err, "roster");
	return rc;
}

tims_rc tims_officer_roster_apply(struct tims_officers *o, const char *jsonl,
				  size_t len, struct tims_roster_result *res,
				  struct tims_err *err)
{
	const char *p = jsonl, *end = jsonl + len, *line;
	int64_t now = (int64_t)time(NULL);
	struct roster_entry e;
	sqlite3_stmt *st = NULL;
	size_t lineno = 0, llen;
	tims_rc rc = TIMS_OK;

	memset(res, 0, sizeof(*res));
	if (sqlite3_exec(o->db, "BEGIN IMMEDIATE; CREATE TEMP TABLE IF NOT EXISTS roster_seen"
			 "(id TEXT PRIMARY KEY); DELETE FROM roster_seen;", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(o->db, err, "roster");
	while (!rc && tims_next_line(&p, end, &line, &llen, &lineno)) {
		json_error_t je;
		json_t *j;

		if (!(j = json_loadb(line, llen, JSON_REJECT_DUPLICATES, &je))) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: not JSON: %s",
					  lineno, je.text);
			break;
		}
		/* e points into j: j lives until the account is stored. */
		rc = roster_entry(j, lineno, &e, err);
		if (!rc && exec_stmt(o->db, "INSERT INTO roster_seen(id) VALUES (?)", "s",
				     e.id) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "roster line %zu: officer %s "
					  "appears twice", lineno, e.id);
		if (!rc)
			rc = roster_one(o, &e, now, res, err);
		json_decref(j);
		sodium_memzero(e.totp, sizeof(e.totp));
	}
	/* Centre accounts no longer in the roster are disabled, not deleted:
	 * sessions and the audit log still name them. */
	if (!rc && sqlite3_prepare_v2(o->db, "SELECT r.id FROM roster r JOIN officers f"
				      " ON f.id = r.id WHERE f.disabled = 0 AND r.id NOT IN"
				      " (SELECT id FROM roster_seen)", -1, &st, NULL) != SQLITE_OK)
		rc = db_err(o->db, err, "roster");
	while (!rc && st && sqlite3_step(st) == SQLITE_ROW) {
		char id[TIMS_OFFICER_ID_MAX + 1];

		copy_col(id, sizeof(id), st, 0);
		if (exec_stmt(o->db, "UPDATE officers SET disabled = 1, updated = ? WHERE id = ?",
			      "is", now, id) != SQLITE_DONE)
			rc = db_err(o->db, err, "roster");
		else
			rc = end_sessions(o, id, err);
		res->withdrawn++;
	}
	sqlite3_finalize(st);
	if (rc || sqlite3_exec(o->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = db_err(o->db, err, "roster commit");
		sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
		memset(res, 0, sizeof(*res));
	}
	return rc;
}

long tims_officer_count_role(struct tims_officers *o, unsigned role, struct tims_err *err)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(o->db, "SELECT count(*) FROM officers WHERE role = ?", -1, &st,
			       NULL) != SQLITE_OK) {
		db_err(o->db, err, "officer count");
		return -1;
	}
	sqlite3_bind_text(st, 1, tims_role_name(role), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		db_err(o->db, err, "officer count");
	sqlite3_finalize(st);
	return n;
}
