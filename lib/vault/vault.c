/*
 * vault.c — personal data at rest (include/tims/vault.h): sealed blobs,
 * blind indexes, and the key hierarchy behind them.
 *
 * The token (tims_p11) holds only the KEK. At open the vault asks it to
 * unwrap three 32-byte keys from keys.db (the intake secret, the index key,
 * the secrets key); from then on nothing per record touches the token:
 * sealing uses a data key the handle made itself (sealed to the intake
 * public key, so it needs no token), opening unseals a data key once with
 * the intake secret and caches it. All key bytes live in one sodium_malloc'ed
 * arena per handle (guard pages, mlock'ed, wiped by sodium_free).
 *
 * Handles are shared per process and directory (reference-counted): a node
 * whose post, audit log and officers all open the same vault gets one token
 * session and one data key per month, not one per module.
 *
 * Built with -DTIMS_VAULT_NO_ENCRYPTION (make bench only), the vault keeps
 * the same files and blob sizes but copies instead of encrypting ("TV0") and
 * never touches a token: the "without encryption" side of the benchmark.
 */
#include "tims/vault.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "tims/p11.h"
#include "tims/schema.h"
#include "tims/util.h"

#define VAULT_PATH_MAX 4096
#define VAULT_CONF_MAX 4096
#define ID_BYTES 8
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KB TIMS_VAULT_KEY_BYTES
/* a data key sealed to the intake key: id || epoch (big-endian) || key */
#define DK_PLAIN (ID_BYTES + 8 + KB)
#define DK_SEALED (crypto_box_SEALBYTES + DK_PLAIN)
#define MAX_BLOB (64u << 20)

_Static_assert(TIMS_VAULT_OVERHEAD == 3 + ID_BYTES + NONCE_BYTES + TAG_BYTES,
	       "vault.h overhead matches the blob layout");

/* The three keys unwrapped at open, in the arena's first slots. */
enum { SLOT_INTAKE = 0, SLOT_INDEX = 1, SLOT_SECRETS = 2, SLOT_DATA = 3 };
static const char *const wrapped_name[] = { "intake", "index", "secrets" };

struct dkey {
	uint8_t id[ID_BYTES];
	int64_t epoch;
	int mine;  /* made by this handle: it seals with it, and opens without the token */
};

struct tims_vault {
	pthread_mutex_t mu;
	struct tims_vault *next; /* the process's list of open vaults */
	unsigned refs;
	char dir[VAULT_PATH_MAX];
	char token[TIMS_P11_URI_MAX];
	char kek[TIMS_P11_LABEL_MAX];
	uint8_t intake_pk[crypto_box_PUBLICKEYBYTES];
	sqlite3 *db;
	struct tims_p11 *p11;
	enum tims_vault_state state;
	char why[TIMS_ERR_MSG_BYTES];
	uint8_t *arena;       /* sodium_malloc: cap slots of KB bytes */
	size_t cap;           /* slots in the arena */
	struct dkey *keys;    /* data keys: slot SLOT_DATA + i */
	size_t nkeys;
	ssize_t last;         /* the key the last seal used, or -1 */
};

static pthread_mutex_t vaults_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tims_vault *vaults;

static const char schema[] =
	"PRAGMA secure_delete=ON;"
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS wrapped(name TEXT PRIMARY KEY, kek TEXT NOT NULL,"
	" blob BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS datakeys(id BLOB PRIMARY KEY, epoch INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL, sealed BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS datakeys_epoch ON datakeys(epoch);";

/* ---- months ---- */

/* Howard Hinnant's civil calendar algorithms (proleptic Gregorian, UTC). */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The epoch of a time: months since year 0 (year * 12 + month - 1). */
static int64_t epoch_of(int64_t ms)
{
	int64_t y;
	unsigned m;

	civil_from_days(floor_div(ms, 86400000), &y, &m);
	return y * 12 + (int64_t)m - 1;
}

/* The first millisecond after an epoch. */
static int64_t epoch_end_ms(int64_t epoch)
{
	int64_t next = epoch + 1, y = floor_div(next, 12);

	return days_from_civil(y, (unsigned)(next - y * 12) + 1, 1) * 86400000;
}

/* ---- small helpers ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static tims_rc dpath(const char *dir, const char *name, char *out, size_t cap,
		     struct tims_err *err)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

static tims_rc db_err(sqlite3 *db, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "keys.db: %s: %s", what,
			    db ? sqlite3_errmsg(db) : "cannot open");
}

static void be64(uint8_t *p, int64_t v)
{
	for (int i = 7; i >= 0; i--, v = (int64_t)((uint64_t)v >> 8))
		p[i] = (uint8_t)v;
}

static int64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* The associated data of a wrapped key: binds it to its name. */
static void wrap_ad(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "tims-vault/wrapped/%s", name);
}

/* Extend a buffer over bytes written in place after tims_buf_grow. */
static void buf_extend(struct tims_buf *b, size_t len)
{
	b->len = len;
	b->buf[len] = '\0';
}

/* ---- the key arena ---- */

static uint8_t *slot(struct tims_vault *v, size_t i)
{
	return v->arena + i * KB;
}

/* Room for one more data key (arena slot and table entry). */
static tims_rc grow(struct tims_vault *v, struct tims_err *err)
{
	size_t need = SLOT_DATA + v->nkeys + 1, ncap;
	uint8_t *na;
	struct dkey *nk;

	if (need <= v->cap)
		return TIMS_OK;
	ncap = v->cap ? v->cap * 2 : 16;
	if (ncap > (1u << 20))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "vault: too many data keys in use");
	if (!(na = sodium_malloc(ncap * KB)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "vault: out of secure memory");
	if (!(nk = realloc(v->keys, (ncap - SLOT_DATA) * sizeof(*nk)))) {
		sodium_free(na);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	v->keys = nk;
	if (v->arena) {
		memcpy(na, v->arena, v->cap * KB);
		sodium_free(v->arena); /* wipes */
	}
	v->arena = na;
	v->cap = ncap;
	return TIMS_OK;
}

static ssize_t find_key(const struct tims_vault *v, const uint8_t id[ID_BYTES])
{
	for (size_t i = 0; i < v->nkeys; i++)
		if (!memcmp(v->keys[i].id, id, ID_BYTES))
			return (ssize_t)i;
	return -1;
}

#ifndef TIMS_VAULT_NO_ENCRYPTION
/* Forget every data key that is not this handle's own (they were opened
 * with the intake secret, which a SEAL_ONLY vault no longer holds). */
static void drop_opened(struct tims_vault *v)
{
	size_t j = 0;

	for (size_t i = 0; i < v->nkeys; i++) {
		if (!v->keys[i].mine)
			continue;
		if (i != j) {
			v->keys[j] = v->keys[i];
			memcpy(slot(v, SLOT_DATA + j), slot(v, SLOT_DATA + i), KB);
		}
		j++;
	}
	if (v->arena && v->cap > SLOT_DATA + j)
		sodium_memzero(slot(v, SLOT_DATA + j), (v->cap - SLOT_DATA - j) * KB);
	v->nkeys = j;
	v->last = -1;
}
#endif

/* ---- keys.db ---- */

static tims_rc open_db(const char *dir, int create, sqlite3 **out,
		       struct tims_err *err)
{
	char path[VAULT_PATH_MAX];
	sqlite3 *db = NULL;
	tims_rc rc;

	if ((rc = dpath(dir, "keys.db", path, sizeof(path), err)))
		return rc;
	if (create && (rc = tims_file_private(path, err)))
		return rc;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			    (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = db_err(db, path, err);
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, 10000);
	/* secure_delete: a shredded data key leaves no bytes in free pages;
	 * rollback journal (not WAL): no copy of a deleted row lingers in a
	 * -wal file; synchronous EXTRA: a data key is on disk before any blob
	 * sealed under it is. With a rollback journal a commit is the journal's
	 * unlink, and FULL does not fsync the directory after it: a power cut
	 * then left the journal, SQLite rolled the new key back at the next
	 * open, and every record and audit event sealed under it was
	 * unreadable (tests/e2e/powerloss.sh, "month"). EXTRA syncs the
	 * directory, which also keeps a shredded key shredded. Writes are rare
	 * (a key per month and process). */
	if (sqlite3_exec(db, "PRAGMA secure_delete=ON; PRAGMA journal_mode=DELETE;"
			 "PRAGMA synchronous=EXTRA;", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, "schema", err);
		sqlite3_close(db);
		return rc;
	}
	/* schema version (tims/schema.h): a newer one refused untouched; an
	 * older one (0: release 460afaf and before, the same tables) marked
	 * current in one transaction with the schema statements */
	if ((rc = tims_schema_begin(db, path, TIMS_SCHEMA_KEYS, NULL, err)))
		goto fail;
	if (create && sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, "schema", err);
		tims_schema_abort(db);
		goto fail;
	}
	if ((rc = tims_schema_commit(db, path, TIMS_SCHEMA_KEYS, err)))
		goto fail;
	*out = db;
	return TIMS_OK;
fail:
	sqlite3_close(db);
	return rc;
}

static tims_rc put_wrapped(sqlite3 *db, const char *name, const char *kek,
			   const struct tims_buf *blob, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO wrapped(name, kek, blob)"
			       " VALUES(?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return db_err(db, "wrapped", err);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kek, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, blob->buf, (int)blob->len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(db, "wrapped", err);
	sqlite3_finalize(st);
	return rc;
}

/* ---- vault.conf ---- */

static tims_rc write_conf(const char *dir, const char *token, const char *kek,
			  const uint8_t pk[crypto_box_PUBLICKEYBYTES], int replace,
			  struct tims_err *err)
{
	char path[VAULT_PATH_MAX], b64[sodium_base64_ENCODED_LEN(crypto_box_PUBLICKEYBYTES,
			sodium_base64_VARIANT_ORIGINAL)];
	struct tims_buf b = TIMS_BUF_INIT(VAULT_CONF_MAX);
	tims_rc rc;

	sodium_bin2base64(b64, sizeof(b64), pk, crypto_box_PUBLICKEYBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	if ((rc = dpath(dir, "vault.conf", path, sizeof(path), err)))
		return rc;
	if (tims_buf_addf(&b, "tims-vault 1\ntoken %s\nkek %s\nintake %s\n", token,
			  kek, b64))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "vault.conf: too large");
	else
		rc = tims_write_file(path, b.buf, b.len, 0600, replace, err);
	tims_buf_release(&b);
	return rc;
}

static tims_rc conf_line(const char *line, size_t len, const char *key,
			 char *out, size_t cap, int *got)
{
	size_t kl = strlen(key);

	if (len <= kl || memcmp(line, key, kl) || line[kl] != ' ')
		return TIMS_ERR_NOTFOUND;
	if (len - kl - 1 >= cap || len - kl - 1 == 0)
		return TIMS_ERR_INVALID;
	memcpy(out, line + kl + 1, len - kl - 1);
	out[len - kl - 1] = '\0';
	*got = 1;
	return TIMS_OK;
}

static tims_rc read_conf(struct tims_vault *v, struct tims_err *err)
{
	char path[VAULT_PATH_MAX], b64[128];
	struct tims_buf b = TIMS_BUF_INIT(VAULT_CONF_MAX);
	const char *p, *end, *line;
	size_t len, lineno = 0, n;
	int got_tok = 0, got_kek = 0, got_in = 0, first = 1;
	tims_rc rc;

	if ((rc = dpath(v->dir, "vault.conf", path, sizeof(path), err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: no vault (vault.conf is missing)", v->dir);
	if ((rc = tims_read_file(path, VAULT_CONF_MAX, &b, err)))
		return rc;
	p = b.buf;
	end = b.buf + b.len;
	while (tims_next_line(&p, end, &line, &len, &lineno)) {
		if (first) {
			first = 0;
			if (len != 12 || memcmp(line, "tims-vault 1", 12)) {
				rc = tims_err_set(err, TIMS_ERR_INVALID,
						  "%s: line 1: want \"tims-vault 1\"", path);
				break;
			}
			continue;
		}
		if ((rc = conf_line(line, len, "token", v->token, sizeof(v->token), &got_tok)) ==
			    TIMS_ERR_NOTFOUND &&
		    (rc = conf_line(line, len, "kek", v->kek, sizeof(v->kek), &got_kek)) ==
			    TIMS_ERR_NOTFOUND &&
		    (rc = conf_line(line, len, "intake", b64, sizeof(b64), &got_in)) ==
			    TIMS_ERR_NOTFOUND)
			rc = TIMS_OK; /* unknown lines are for later versions */
		if (rc) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: value too long or empty",
					  path, lineno);
			break;
		}
	}
	tims_buf_release(&b);
	if (rc)
		return rc;
	if (first || !got_tok || !got_kek || !got_in)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: want the lines tims-vault, token, kek and intake", path);
	if (sodium_base642bin(v->intake_pk, sizeof(v->intake_pk), b64, strlen(b64), NULL,
			      &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != sizeof(v->intake_pk))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: intake: not a base64 X25519 key",
				    path);
	return TIMS_OK;
}

/* ---- the token ---- */

#ifndef TIMS_VAULT_NO_ENCRYPTION
/* Unwrap the three keys into the arena; on failure the vault is SEAL_ONLY
 * with the reason. */
static tims_rc unlock(struct tims_vault *v, struct tims_err *err)
{
	struct tims_buf out = TIMS_BUF_INIT(256);
	struct tims_err e = { 0 };
	tims_rc rc = TIMS_OK;

	if (!v->p11 && (rc = tims_p11_open(v->token, &v->p11, &e)))
		goto fail;
	for (int i = SLOT_INTAKE; i <= SLOT_SECRETS && !rc; i++) {
		sqlite3_stmt *st = NULL;
		char ad[64], kek[TIMS_P11_LABEL_MAX];

		if (sqlite3_prepare_v2(v->db, "SELECT kek, blob FROM wrapped WHERE name = ?",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = db_err(v->db, "wrapped", &e);
			break;
		}
		sqlite3_bind_text(st, 1, wrapped_name[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			rc = tims_err_set(&e, TIMS_ERR_STATE, "keys.db: no %s key",
					  wrapped_name[i]);
			sqlite3_finalize(st);
			break;
		}
		snprintf(kek, sizeof(kek), "%s", (const char *)sqlite3_column_text(st, 0));
		wrap_ad(ad, sizeof(ad), wrapped_name[i]);
		tims_buf_reset(&out);
		rc = tims_p11_aes_decrypt(v->p11, kek, ad, strlen(ad), sqlite3_column_blob(st, 1),
					  (size_t)sqlite3_column_bytes(st, 1), &out, &e);
		sqlite3_finalize(st);
		if (rc == TIMS_ERR_NOTFOUND)
			rc = tims_err_set(&e, TIMS_ERR_UNAVAILABLE,
					  "the token has no key %s (another token, or the key was rotated away)",
					  kek);
		else if (rc == TIMS_ERR_TAMPER)
			rc = tims_err_set(&e, TIMS_ERR_UNAVAILABLE,
					  "keys.db: the %s key does not open with %s", wrapped_name[i],
					  kek);
		else if (!rc && out.len != KB)
			rc = tims_err_set(&e, TIMS_ERR_TAMPER, "keys.db: the %s key has %zu bytes",
					  wrapped_name[i], out.len);
		if (!rc)
			memcpy(slot(v, (size_t)i), out.buf, KB);
		if (out.buf)
			sodium_memzero(out.buf, out.alloc);
	}
	tims_buf_release(&out);
	if (!rc) {
		v->state = TIMS_VAULT_OPEN;
		v->why[0] = '\0';
		return TIMS_OK;
	}
fail:
	sodium_memzero(slot(v, 0), SLOT_DATA * KB);
	drop_opened(v);
	v->state = TIMS_VAULT_SEAL_ONLY;
	snprintf(v->why, sizeof(v->why), "%s", e.msg[0] ? e.msg : tims_strerror(rc));
	if (rc != TIMS_ERR_UNAVAILABLE && v->p11) {
		/* a refusal that is not the token's own: start afresh next time */
		tims_p11_close(v->p11);
		v->p11 = NULL;
	}
	return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "token unavailable: %s", v->why);
}
#else
static tims_rc unlock(struct tims_vault *v, struct tims_err *err)
{
	/* no token: the keys are kept in clear in keys.db (benchmark builds) */
	for (int i = SLOT_INTAKE; i <= SLOT_SECRETS; i++) {
		sqlite3_stmt *st = NULL;
		tims_rc rc = TIMS_OK;

		if (sqlite3_prepare_v2(v->db, "SELECT blob FROM wrapped WHERE name = ?", -1, &st,
				       NULL) != SQLITE_OK)
			return db_err(v->db, "wrapped", err);
		sqlite3_bind_text(st, 1, wrapped_name[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != KB)
			rc = tims_err_set(err, TIMS_ERR_STATE, "keys.db: no %s key",
					  wrapped_name[i]);
		else
			memcpy(slot(v, (size_t)i), sqlite3_column_blob(st, 0), KB);
		sqlite3_finalize(st);
		if (rc)
			return rc;
	}
	v->state = TIMS_VAULT_OPEN;
	return TIMS_OK;
}
#endif

/* ---- create ---- */

static void random_label(char *out, size_t cap)
{
	uint8_t r[8];
	char hex[17];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, cap, "tims-kek-%s", hex);
}

static tims_rc check_token_uri(const char *uri, struct tims_err *err)
{
	if (strlen(uri) >= TIMS_P11_URI_MAX || strpbrk(uri, "\n\r"))
		return tims_err_set(err, TIMS_ERR_INVALID, "token: not a one-line URI of at most %d bytes",
				    TIMS_P11_URI_MAX - 1);
	if (strncmp(uri, "pkcs11:", 7))
		return tims_err_set(err, TIMS_ERR_INVALID, "token: want a pkcs11: URI (RFC 7512)");
	if (strstr(uri, "pin-value="))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "token: pin-value would put the PIN into vault.conf, beside the data; use pin-source=FILE");
	return TIMS_OK;
}

tims_rc tims_vault_create(const char *dir, const char *token_uri,
			  struct tims_err *err)
{
	char conf[VAULT_PATH_MAX], keys[VAULT_PATH_MAX], kek[TIMS_P11_LABEL_MAX];
	uint8_t pk[crypto_box_PUBLICKEYBYTES], *sec = NULL;
	struct tims_buf blob = TIMS_BUF_INIT(256);
	struct tims_p11 *p11 = NULL;
	sqlite3 *db = NULL;
	int made_kek = 0, made_files = 0;
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	if (!token_uri || !*token_uri)
		token_uri = getenv("TIMS_TOKEN");
#ifdef TIMS_VAULT_NO_ENCRYPTION
	if (!token_uri || !*token_uri)
		token_uri = "pkcs11:token=none";
#endif
	if (!token_uri || !*token_uri)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "no key token: give --token URI or set TIMS_TOKEN (a PKCS#11 URI, docs/keys.md)");
	if ((rc = check_token_uri(token_uri, err)) ||
	    (rc = dpath(dir, "vault.conf", conf, sizeof(conf), err)) ||
	    (rc = dpath(dir, "keys.db", keys, sizeof(keys), err)))
		return rc;
	if (access(conf, F_OK) == 0 || access(keys, F_OK) == 0)
		return tims_err_set(err, TIMS_ERR_EXISTS, "%s: already holds a vault", dir);
	if (!(sec = sodium_malloc(3 * KB)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "vault: out of secure memory");
	crypto_box_keypair(pk, sec + SLOT_INTAKE * KB);
	randombytes_buf(sec + SLOT_INDEX * KB, KB);
	randombytes_buf(sec + SLOT_SECRETS * KB, KB);
	random_label(kek, sizeof(kek));
#ifndef TIMS_VAULT_NO_ENCRYPTION
	if ((rc = tims_p11_open(token_uri, &p11, err)) ||
	    (rc = tims_p11_aes_generate(p11, kek, err)))
		goto out;
	made_kek = 1;
#endif
	made_files = 1;
	if ((rc = open_db(dir, 1, &db, err)))
		goto out;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO meta VALUES('version', '1');",
			 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, "meta", err);
		goto out;
	}
	for (int i = SLOT_INTAKE; i <= SLOT_SECRETS && !rc; i++) {
		char ad[64];

		tims_buf_reset(&blob);
		wrap_ad(ad, sizeof(ad), wrapped_name[i]);
#ifndef TIMS_VAULT_NO_ENCRYPTION
		rc = tims_p11_aes_encrypt(p11, kek, ad, strlen(ad), sec + (size_t)i * KB, KB,
					  &blob, err);
#else
		rc = tims_buf_add(&blob, sec + (size_t)i * KB, KB);
#endif
		if (!rc)
			rc = put_wrapped(db, wrapped_name[i], kek, &blob, err);
	}
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(db, "commit", err);
	if (!rc)
		rc = write_conf(dir, token_uri, kek, pk, 0, err);
out:
	if (blob.buf)
		sodium_memzero(blob.buf, blob.alloc);
	tims_buf_release(&blob);
	sodium_free(sec);
	if (db)
		sqlite3_close(db);
	if (rc) {
		/* nothing left behind: no files, no orphan KEK in the token */
		if (made_files) {
			unlink(keys);
			unlink(conf);
		}
		if (made_kek)
			tims_p11_destroy(p11, kek, NULL);
	}
	if (p11)
		tims_p11_close(p11);
	return rc;
}

/* ---- open / close ---- */

static void vault_free(struct tims_vault *v)
{
	if (!v)
		return;
	if (v->p11)
		tims_p11_close(v->p11);
	if (v->db)
		sqlite3_close(v->db);
	if (v->arena)
		sodium_free(v->arena);
	free(v->keys);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

tims_rc tims_vault_open(const char *dir, struct tims_vault **out,
			struct tims_err *err)
{
	char real[VAULT_PATH_MAX];
	struct tims_vault *v;
	tims_rc rc;

	*out = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	if (!realpath(dir, real))
		return tims_err_set(err, errno == ENOENT ? TIMS_ERR_NOTFOUND : TIMS_ERR_IO,
				    "%s: %s", dir, strerror(errno));
	pthread_mutex_lock(&vaults_mu);
	for (v = vaults; v; v = v->next)
		if (!strcmp(v->dir, real))
			break;
	if (v) {
		v->refs++;
		pthread_mutex_unlock(&vaults_mu);
		*out = v;
		return TIMS_OK;
	}
	if (!(v = calloc(1, sizeof(*v)))) {
		pthread_mutex_unlock(&vaults_mu);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&v->mu, NULL);
	v->refs = 1;
	v->last = -1;
	snprintf(v->dir, sizeof(v->dir), "%s", real);
	if ((rc = read_conf(v, err)) || (rc = open_db(v->dir, 0, &v->db, err)) ||
	    (rc = grow(v, err))) {
		pthread_mutex_unlock(&vaults_mu);
		vault_free(v);
		return rc;
	}
	unlock(v, NULL); /* SEAL_ONLY, with the reason, when the token is not there */
	v->next = vaults;
	vaults = v;
	pthread_mutex_unlock(&vaults_mu);
	*out = v;
	return TIMS_OK;
}

void tims_vault_close(struct tims_vault *v)
{
	struct tims_vault **pp;

	if (!v)
		return;
	pthread_mutex_lock(&vaults_mu);
	if (--v->refs > 0) {
		pthread_mutex_unlock(&vaults_mu);
		return;
	}
	for (pp = &vaults; *pp; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	pthread_mutex_unlock(&vaults_mu);
	vault_free(v);
}

enum tims_vault_state tims_vault_state(const struct tims_vault *v)
{
	struct tims_vault *w = (struct tims_vault *)(uintptr_t)v;
	enum tims_vault_state s;

	pthread_mutex_lock(&w->mu);
	s = w->state;
	pthread_mutex_unlock(&w->mu);
	return s;
}

const char *tims_vault_why(const struct tims_vault *v)
{
	/* the reason changes under the mutex when a retry fails: each thread
	 * reads its own copy, taken under it */
	static _Thread_local char why[TIMS_ERR_MSG_BYTES];
	struct tims_vault *w = (struct tims_vault *)(uintptr_t)v;

	pthread_mutex_lock(&w->mu);
	snprintf(why, sizeof(why), "%s", w->state == TIMS_VAULT_OPEN ? "" : w->why);
	pthread_mutex_unlock(&w->mu);
	return why;
}

tims_rc tims_vault_retry(struct tims_vault *v, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&v->mu);
	if (v->state != TIMS_VAULT_OPEN)
		rc = unlock(v, err);
	pthread_mutex_unlock(&v->mu);
	return rc;
}

/* ---- data keys ---- */

/* The handle's own key for an epoch, made (and stored, sealed) on first use. */
static tims_rc own_key(struct tims_vault *v, int64_t epoch, size_t *idx,
		       struct tims_err *err)
{
	uint8_t plain[DK_PLAIN], sealed[DK_SEALED];
	struct dkey *k;
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (v->last >= 0 && v->keys[v->last].epoch == epoch && v->keys[v->last].mine) {
		*idx = (size_t)v->last;
		return TIMS_OK;
	}
	for (size_t i = 0; i < v->nkeys; i++)
		if (v->keys[i].mine && v->keys[i].epoch == epoch) {
			v->last = (ssize_t)i;
			*idx = i;
			return TIMS_OK;
		}
	if ((rc = grow(v, err)))
		return rc;
	k = &v->keys[v->nkeys];
	do
		randombytes_buf(k->id, ID_BYTES);
	while (find_key(v, k->id) >= 0);
	k->epoch = epoch;
	k->mine = 1;
	crypto_aead_xchacha20poly1305_ietf_keygen(slot(v, SLOT_DATA + v->nkeys));
	memcpy(plain, k->id, ID_BYTES);
	be64(plain + ID_BYTES, epoch);
	memcpy(plain + ID_BYTES + 8, slot(v, SLOT_DATA + v->nkeys), KB);
#ifndef TIMS_VAULT_NO_ENCRYPTION
	if (crypto_box_seal(sealed, plain, sizeof(plain), v->intake_pk) != 0) {
		sodium_memzero(plain, sizeof(plain));
		return tims_err_set(err, TIMS_ERR_CRYPTO, "vault: sealing a data key failed");
	}
#else
	memset(sealed, 0, sizeof(sealed));
	memcpy(sealed + crypto_box_SEALBYTES, plain, sizeof(plain));
#endif
	sodium_memzero(plain, sizeof(plain));
	if (sqlite3_prepare_v2(v->db, "INSERT INTO datakeys(id, epoch, created_ms, sealed)"
			       " VALUES(?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return db_err(v->db, "datakeys", err);
	sqlite3_bind_blob(st, 1, k->id, ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, epoch);
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_blob(st, 4, sealed, sizeof(sealed), SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK : db_err(v->db, "datakeys", err);
	sqlite3_finalize(st);
	if (rc) {
		sodium_memzero(slot(v, SLOT_DATA + v->nkeys), KB);
		return rc;
	}
	v->last = (ssize_t)v->nkeys;
	*idx = v->nkeys++;
	return TIMS_OK;
}

/* A data key by id: cached, or unsealed from keys.db (needs OPEN). */
static tims_rc get_key(struct tims_vault *v, const uint8_t id[ID_BYTES], size_t *idx,
		       struct tims_err *err)
{
	uint8_t plain[DK_PLAIN];
	sqlite3_stmt *st = NULL;
	ssize_t i = find_key(v, id);
	tims_rc rc = TIMS_OK;
	int64_t epoch;

	if (i >= 0) {
		*idx = (size_t)i;
		return TIMS_OK;
	}
	if (v->state != TIMS_VAULT_OPEN)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "token unavailable: %s", v->why);
	if ((rc = grow(v, err)))
		return rc;
	if (sqlite3_prepare_v2(v->db, "SELECT epoch, sealed FROM datakeys WHERE id = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(v->db, "datakeys", err);
	sqlite3_bind_blob(st, 1, id, ID_BYTES, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		sqlite3_finalize(st);
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "its data key is gone (shredded after retention)");
	default:
		rc = db_err(v->db, "datakeys", err);
		sqlite3_finalize(st);
		return rc;
	}
	epoch = sqlite3_column_int64(st, 0);
#ifndef TIMS_VAULT_NO_ENCRYPTION
	if (sqlite3_column_bytes(st, 1) != DK_SEALED ||
	    crypto_box_seal_open(plain, sqlite3_column_blob(st, 1), DK_SEALED, v->intake_pk,
				 slot(v, SLOT_INTAKE)) != 0)
		rc = TIMS_ERR_TAMPER;
#else
	if (sqlite3_column_bytes(st, 1) != DK_SEALED)
		rc = TIMS_ERR_TAMPER;
	else
		memcpy(plain, (const uint8_t *)sqlite3_column_blob(st, 1) + crypto_box_SEALBYTES,
		       DK_PLAIN);
#endif
	sqlite3_finalize(st);
	/* the sealed key names its id and epoch: a row swapped in keys.db fails */
	if (!rc && (memcmp(plain, id, ID_BYTES) || rd64(plain + ID_BYTES) != epoch))
		rc = TIMS_ERR_TAMPER;
	if (rc) {
		sodium_memzero(plain, sizeof(plain));
		return tims_err_set(err, TIMS_ERR_TAMPER, "keys.db: a data key does not open");
	}
	memcpy(v->keys[v->nkeys].id, id, ID_BYTES);
	v->keys[v->nkeys].epoch = epoch;
	v->keys[v->nkeys].mine = 0;
	memcpy(slot(v, SLOT_DATA + v->nkeys), plain + ID_BYTES + 8, KB);
	sodium_memzero(plain, sizeof(plain));
	*idx = v->nkeys++;
	return TIMS_OK;
}

/* ---- seal / open ---- */

/*
 * Nonces. XChaCha20-Poly1305 nonces are random (192 bits: no reuse to fear
 * from chance); randombytes_buf is a getrandom system call each time, which
 * an import of millions of entries (three seals each) feels. So each thread
 * takes its nonces from a pool of its own, refilled by one call for 170
 * nonces; a byte of the pool is used once. A child of fork() must not use
 * the bytes its parent will: the pool is dropped in the child (a generation
 * counter bumped by a pthread_atfork handler).
 */
#ifndef TIMS_VAULT_NO_ENCRYPTION
#define NONCE_POOL (NONCE_BYTES * 170)

static atomic_uint nonce_gen;
static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;

static void nonce_forked(void)
{
	atomic_fetch_add(&nonce_gen, 1);
}

static void nonce_init(void)
{
	pthread_atfork(NULL, NULL, nonce_forked);
}

static void nonce(uint8_t out[NONCE_BYTES])
{
	static _Thread_local uint8_t pool[NONCE_POOL];
	static _Thread_local size_t at = NONCE_POOL;
	static _Thread_local unsigned gen;
	unsigned g;

	pthread_once(&nonce_once, nonce_init);
	g = atomic_load(&nonce_gen);
	if (at + NONCE_BYTES > NONCE_POOL || gen != g) {
		randombytes_buf(pool, sizeof(pool));
		at = 0;
		gen = g;
	}
	memcpy(out, pool + at, NONCE_BYTES);
	sodium_memzero(pool + at, NONCE_BYTES);
	at += NONCE_BYTES;
}
#endif

tims_rc tims_vault_seal(struct tims_vault *v, int64_t time_ms,
			const void *ad, size_t adlen, const void *pt,
			size_t len, struct tims_buf *out, struct tims_err *err)
{
	size_t idx = 0, at = out->len;
	unsigned long long clen;
	uint8_t *p;
	tims_rc rc;

	if (len > MAX_BLOB)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "vault: %zu bytes to seal", len);
	if ((rc = tims_buf_grow(out, len + TIMS_VAULT_OVERHEAD)))
		return tims_err_set(err, rc, "vault: the sealed blob does not fit");
	pthread_mutex_lock(&v->mu);
	if ((rc = own_key(v, epoch_of(time_ms), &idx, err))) {
		pthread_mutex_unlock(&v->mu);
		return rc;
	}
	p = (uint8_t *)out->buf + at;
	memcpy(p + 3, v->keys[idx].id, ID_BYTES);
#ifndef TIMS_VAULT_NO_ENCRYPTION
	{
		/* the key copied out: the nonce and the encryption outside the
		 * lock (threads sealing at once, e.g. a large watchlist import,
		 * do not wait on each other) */
		uint8_t key[KB];

		memcpy(key, slot(v, SLOT_DATA + idx), KB);
		pthread_mutex_unlock(&v->mu);
		memcpy(p, "TV1", 3);
		nonce(p + 3 + ID_BYTES);
		crypto_aead_xchacha20poly1305_ietf_encrypt(p + 3 + ID_BYTES + NONCE_BYTES, &clen,
							   pt, len, ad, adlen, NULL,
							   p + 3 + ID_BYTES, key);
		sodium_memzero(key, sizeof(key));
	}
#else
	(void)ad;
	(void)adlen;
	memcpy(p, "TV0", 3);
	memset(p + 3 + ID_BYTES, 0, NONCE_BYTES);
	memmove(p + 3 + ID_BYTES + NONCE_BYTES, pt, len);
	memset(p + 3 + ID_BYTES + NONCE_BYTES + len, 0, TAG_BYTES);
	clen = len + TAG_BYTES;
	pthread_mutex_unlock(&v->mu);
#endif
	buf_extend(out, at + 3 + ID_BYTES + NONCE_BYTES + (size_t)clen);
	return TIMS_OK;
}

int tims_vault_is_blob(const void *blob, size_t len)
{
	return len >= TIMS_VAULT_OVERHEAD &&
	       (!memcmp(blob, "TV1", 3) || !memcmp(blob, "TV0", 3));
}

tims_rc tims_vault_open_blob(struct tims_vault *v, const void *ad,
			     size_t adlen, const void *blob,
			     size_t len, struct tims_buf *out,
			     struct tims_err *err)
{
	const uint8_t *b = blob;
	size_t idx = 0, at = out->len, mlen;
	unsigned long long got = 0;
	tims_rc rc;
	int bad;

	if (!tims_vault_is_blob(blob, len))
		return tims_err_set(err, TIMS_ERR_INVALID, "vault: not a sealed blob");
	mlen = len - TIMS_VAULT_OVERHEAD;
	if ((rc = tims_buf_grow(out, mlen + 1)))
		return tims_err_set(err, rc, "vault: the opened blob does not fit");
#ifndef TIMS_VAULT_NO_ENCRYPTION
	if (memcmp(b, "TV1", 3))
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "vault: a blob stored without encryption (TV0)");
#else
	if (memcmp(b, "TV0", 3))
		return tims_err_set(err, TIMS_ERR_TAMPER, "vault: an encrypted blob (TV1)");
#endif
	pthread_mutex_lock(&v->mu);
	if ((rc = get_key(v, b + 3, &idx, err))) {
		pthread_mutex_unlock(&v->mu);
		return rc;
	}
#ifndef TIMS_VAULT_NO_ENCRYPTION
	bad = crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)out->buf + at, &got, NULL,
							 b + 3 + ID_BYTES + NONCE_BYTES,
							 len - 3 - ID_BYTES - NONCE_BYTES,
							 ad, adlen, b + 3 + ID_BYTES,
							 slot(v, SLOT_DATA + idx));
#else
	(void)ad;
	(void)adlen;
	bad = 0;
	memcpy(out->buf + at, b + 3 + ID_BYTES + NONCE_BYTES, mlen);
	got = mlen;
#endif
	pthread_mutex_unlock(&v->mu);
	if (bad)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "vault: a sealed blob does not verify (altered, or moved from its place)");
	buf_extend(out, at + (size_t)got);
	return TIMS_OK;
}

/* ---- blind indexes, secrets ---- */

tims_rc tims_vault_blind(struct tims_vault *v, const char *domain,
			 const void *value, size_t len,
			 uint8_t out[TIMS_VAULT_BLIND_BYTES],
			 struct tims_err *err)
{
	crypto_generichash_state st;
	static const uint8_t zero = 0;

	pthread_mutex_lock(&v->mu);
	if (v->state != TIMS_VAULT_OPEN) {
		pthread_mutex_unlock(&v->mu);
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "token unavailable: %s", v->why);
	}
#ifndef TIMS_VAULT_NO_ENCRYPTION
	crypto_generichash_init(&st, slot(v, SLOT_INDEX), KB, TIMS_VAULT_BLIND_BYTES);
#else
	crypto_generichash_init(&st, NULL, 0, TIMS_VAULT_BLIND_BYTES);
#endif
	pthread_mutex_unlock(&v->mu);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, value, len);
	crypto_generichash_final(&st, out, TIMS_VAULT_BLIND_BYTES);
	sodium_memzero(&st, sizeof(st));
	return TIMS_OK;
}

tims_rc tims_vault_blind_hex(struct tims_vault *v, const char *domain,
			     const void *value, size_t len,
			     char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err)
{
	uint8_t b[TIMS_VAULT_BLIND_BYTES];
	tims_rc rc = tims_vault_blind(v, domain, value, len, b, err);

	if (rc) {
		out[0] = '\0';
		return rc;
	}
	sodium_bin2hex(out, TIMS_VAULT_BLIND_HEX, b, sizeof(b));
	return TIMS_OK;
}

tims_rc tims_vault_secrets_key(struct tims_vault *v,
			       uint8_t out[TIMS_VAULT_KEY_BYTES],
			       struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&v->mu);
	if (v->state != TIMS_VAULT_OPEN)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "token unavailable: %s", v->why);
	else
		memcpy(out, slot(v, SLOT_SECRETS), KB);
	pthread_mutex_unlock(&v->mu);
	return rc;
}

/* ---- shredding ---- */

tims_rc tims_vault_shred_before(struct tims_vault *v, int64_t cutoff_ms,
				unsigned *shredded, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t last_epoch;
	tims_rc rc = TIMS_OK;
	size_t j = 0;
	int n;

	if (shredded)
		*shredded = 0;
	/* every epoch whose end is at or before the cutoff */
	last_epoch = epoch_of(cutoff_ms);
	if (epoch_end_ms(last_epoch) > cutoff_ms)
		last_epoch--;
	pthread_mutex_lock(&v->mu);
	/* the month of time 0 holds what has no retention period (the
	 * watchlists): never shredded */
	if (sqlite3_prepare_v2(v->db, "DELETE FROM datakeys WHERE epoch <= ?1 AND epoch <> ?2",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(v->db, "shred", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, last_epoch);
	sqlite3_bind_int64(st, 2, epoch_of(0));
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(v->db, "shred", err);
		goto out;
	}
	n = sqlite3_changes(v->db);
	if (shredded)
		*shredded = (unsigned)n;
	/* and from memory: this handle's own keys too (a record of that month
	 * sealed later gets a new key) */
	for (size_t i = 0; i < v->nkeys; i++) {
		if (v->keys[i].epoch <= last_epoch && v->keys[i].epoch != epoch_of(0))
			continue;
		if (i != j) {
			v->keys[j] = v->keys[i];
			memcpy(slot(v, SLOT_DATA + j), slot(v, SLOT_DATA + i), KB);
		}
		j++;
	}
	if (v->cap > SLOT_DATA + j)
		sodium_memzero(slot(v, SLOT_DATA + j), (v->cap - SLOT_DATA - j) * KB);
	v->nkeys = j;
	v->last = -1;
	if (n > 0 && sqlite3_exec(v->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(v->db, "vacuum", err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&v->mu);
	return rc;
}

/* ---- KEK rotation ---- */

tims_rc tims_vault_rotate_kek(struct tims_vault *v, struct tims_err *err)
{
#ifndef TIMS_VAULT_NO_ENCRYPTION
	char kek[TIMS_P11_LABEL_MAX], old[TIMS_P11_LABEL_MAX];
	struct tims_buf blob = TIMS_BUF_INIT(256);
	tims_rc rc = TIMS_OK;
	int began = 0;

	pthread_mutex_lock(&v->mu);
	if (v->state != TIMS_VAULT_OPEN || !v->p11) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "token unavailable: %s", v->why);
		goto out;
	}
	snprintf(old, sizeof(old), "%s", v->kek);
	random_label(kek, sizeof(kek));
	if ((rc = tims_p11_aes_generate(v->p11, kek, err)))
		goto out;
	if (sqlite3_exec(v->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(v->db, "begin", err);
		goto undo;
	}
	began = 1;
	for (int i = SLOT_INTAKE; i <= SLOT_SECRETS && !rc; i++) {
		char ad[64];

		tims_buf_reset(&blob);
		wrap_ad(ad, sizeof(ad), wrapped_name[i]);
		rc = tims_p11_aes_encrypt(v->p11, kek, ad, strlen(ad), slot(v, (size_t)i), KB,
					  &blob, err);
		if (!rc)
			rc = put_wrapped(v->db, wrapped_name[i], kek, &blob, err);
	}
	if (rc)
		goto undo;
	if (sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(v->db, "commit", err);
		goto undo;
	}
	began = 0;
	/* keys.db names its KEK per row: vault.conf follows, then the old KEK
	 * goes (a crash in between leaves an unused old key, nothing lost) */
	snprintf(v->kek, sizeof(v->kek), "%s", kek);
	if ((rc = write_conf(v->dir, v->token, kek, v->intake_pk, 1, err)))
		goto out;
	/* the old wrapped rows may still sit in free pages or the journal */
	if (sqlite3_exec(v->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(v->db, "vacuum", err);
		goto out;
	}
	rc = tims_p11_destroy(v->p11, old, err);
	goto out;
undo:
	if (began)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	tims_p11_destroy(v->p11, kek, NULL);
out:
	if (blob.buf)
		sodium_memzero(blob.buf, blob.alloc);
	tims_buf_release(&blob);
	pthread_mutex_unlock(&v->mu);
	return rc;
#else
	(void)v;
	return tims_err_set(err, TIMS_ERR_STATE, "vault: built without encryption (benchmark)");
#endif
}
