/*
 * state.c — the witness's durable state and its add-checkpoint state
 * machine (see include/tims/witness.h).
 *
 * One row per log holds the latest cosigned (size, root). A request is
 * decided in one BEGIN IMMEDIATE transaction: read the row, check the old
 * size and the consistency proof against it, cosign, then UPDATE ... WHERE
 * size = old AND root IS old_root (a compare-and-swap, so even a second
 * process on the same database cannot advance from a stale row), COMMIT,
 * and only then hand the cosignature out. Triggers refuse a row that
 * shrinks or changes its root at the same size, whatever the code does.
 *
 * A refusal that shows a log misbehaving — a checkpoint older than one
 * cosigned, the same size with another root, a proof that does not verify,
 * each validly signed by the log — is kept as evidence (the whole request)
 * in the refusals table, bounded to the newest TIMS_WITNESS_MAX_REFUSALS.
 */
#include <arpa/inet.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/signer.h"
#include "tims/mlog.h"
#include "internal.h"
#include "tims/p11.h"
#include "tims/tls.h"
#include "tims/util.h"

#define SCHEMA_VERSION 2
#define KEYFILE_MAX 4096

/* Schema 2: a key may be trusted for two origins — a node's log and its
 * audit log ("<origin>/audit"), which it signs with the same key. */
#define KEYS_TABLE(name) \
	"CREATE TABLE " name " (" \
	"  origin TEXT NOT NULL," \
	"  vkey TEXT NOT NULL," \
	"  added_at INTEGER NOT NULL," \
	"  UNIQUE (origin, vkey));"

static const char schema[] =
	KEYS_TABLE("keys")
	"CREATE INDEX keys_origin ON keys (origin);"
	"CREATE TABLE logs ("
	"  origin TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),"
	"  root BLOB CHECK (root IS NULL OR length(root) = 32),"
	"  cosigned_at INTEGER NOT NULL DEFAULT 0,"
	"  checkpoint TEXT);"
	"CREATE TRIGGER logs_never_shrink BEFORE UPDATE ON logs"
	"  WHEN NEW.size < OLD.size OR (NEW.size = OLD.size AND"
	"       OLD.root IS NOT NULL AND NEW.root IS NOT OLD.root)"
	"  BEGIN SELECT RAISE(ABORT, 'a witnessed log may not shrink or fork'); END;"
	"CREATE TRIGGER logs_never_deleted BEFORE DELETE ON logs"
	"  BEGIN SELECT RAISE(ABORT, 'a witnessed log may not be forgotten'); END;"
	"CREATE TABLE refusals ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  origin TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  old_size INTEGER NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  request BLOB NOT NULL);"
	"PRAGMA user_version = 2;";

/* Schema 1 kept each key for one origin only (vkey UNIQUE). */
static const char upgrade_1_2[] =
	"BEGIN IMMEDIATE;"
	KEYS_TABLE("keys2")
	"INSERT INTO keys2 (origin, vkey, added_at) SELECT origin, vkey, added_at FROM keys"
	"  ORDER BY rowid;"
	"DROP TABLE keys;"
	"ALTER TABLE keys2 RENAME TO keys;"
	"CREATE INDEX keys_origin ON keys (origin);"
	"PRAGMA user_version = 2;"
	"COMMIT;";

static const char *const stmt_sql[WST_COUNT] = {
	[WST_BEGIN] = "BEGIN IMMEDIATE",
	[WST_COMMIT] = "COMMIT",
	[WST_ROLLBACK] = "ROLLBACK",
	[WST_KEYS] = "SELECT vkey FROM keys WHERE origin = ?1 ORDER BY rowid",
	[WST_COUNT_KEYS] = "SELECT count(*) FROM keys WHERE origin = ?1",
	[WST_ADD_KEY] = "INSERT INTO keys (origin, vkey, added_at) VALUES (?1, ?2, ?3)",
	[WST_ADD_LOG] = "INSERT OR IGNORE INTO logs (origin) VALUES (?1)",
	[WST_GET] = "SELECT size, root, cosigned_at FROM logs WHERE origin = ?1",
	[WST_CAS] = "UPDATE logs SET size = ?2, root = ?3, cosigned_at = ?4,"
		    " checkpoint = ?5 WHERE origin = ?1 AND size = ?6 AND root IS ?7",
	[WST_REFUSE] = "INSERT INTO refusals (at, origin, kind, old_size, size,"
		       " reason, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[WST_TRIM] = "DELETE FROM refusals WHERE id <= (SELECT max(id) FROM refusals) - ?1",
	[WST_LIST] = "SELECT l.origin, l.size, l.root, l.cosigned_at,"
		     " (SELECT count(*) FROM keys k WHERE k.origin = l.origin),"
		     " (SELECT count(*) FROM refusals r WHERE r.origin = l.origin)"
		     " FROM logs l ORDER BY l.origin",
	[WST_HO_ADD] = "INSERT OR IGNORE INTO keys (origin, vkey, added_at) VALUES (?1, ?2, ?3)",
	[WST_HO_DROP] = "DELETE FROM keys WHERE origin = ?1 AND vkey = ?2",
};

/* ---- small helpers --------------------------------------------------- */

static void witness_vlog(struct tims_witness *w, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void witness_vlog(struct tims_witness *w, int level, const char *fmt, va_list ap)
{
	struct tims_log_line l;

	if (!w->log)
		return;
	tims_log_begin(&l, level, NULL);
	tims_log_vaddf(&l, "msg", fmt, ap);
	w->log(w->log_ctx, tims_log_text(&l));
}

void witness_log(struct tims_witness *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	witness_vlog(w, TIMS_LOG_INFO, fmt, ap);
	va_end(ap);
}

void witness_logl(struct tims_witness *w, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	witness_vlog(w, level, fmt, ap);
	va_end(ap);
}

static tims_rc wpath(const char *dir, const char *name, char *out,
		     struct tims_err *err)
{
	if (snprintf(out, WITNESS_PATH_MAX, "%s/%s", dir, name) >= WITNESS_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

static tims_rc db_err(sqlite3 *db, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "witness.db: %s: %s", what,
			    db ? sqlite3_errmsg(db) : "cannot open");
}

/* Step a statement that returns no row, then reset it. */
static tims_rc exec_st(struct tims_witness *w, enum witness_stmt s,
		       const char *what, struct tims_err *err)
{
	int r = sqlite3_step(w->st[s]);

	sqlite3_reset(w->st[s]);
	sqlite3_clear_bindings(w->st[s]);
	return r == SQLITE_DONE ? TIMS_OK : db_err(w->db, what, err);
}

static void reset_st(struct tims_witness *w, enum witness_stmt s)
{
	sqlite3_reset(w->st[s]);
	sqlite3_clear_bindings(w->st[s]);
}

/* Read a one-line key file, without its trailing newline. */
static tims_rc read_key(const char *dir, const char *name, struct tims_buf *b,
			struct tims_err *err)
{
	char path[WITNESS_PATH_MAX];
	tims_rc rc;

	if ((rc = wpath(dir, name, path, err)) ||
	    (rc = tims_read_file(path, KEYFILE_MAX, b, err)))
		return rc;
	while (b->len && (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		tims_buf_setlen(b, b->len - 1);
	return TIMS_OK;
}

/* ---- init ------------------------------------------------------------ */

static tims_rc write_new(const char *dir, const char *name, const void *data,
			 size_t len, unsigned mode, struct tims_err *err)
{
	char path[WITNESS_PATH_MAX];
	tims_rc rc = wpath(dir, name, path, err);

	return rc ? rc : tims_write_file(path, data, len, mode, 0, err);
}

static tims_rc make_tls(const char *dir, const char *const *hosts,
			struct tims_err *err)
{
	struct tims_cert_req req = {
		.common_name = "tims witness", .days = 825, .uses = TIMS_CERT_SERVER,
		.role = TIMS_CERT_WITNESS,
		.dns = { "localhost" }, .ips = { "127.0.0.1", "::1" },
	};
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	size_t nd = 1, ni = 2;
	tims_rc rc;

	for (size_t i = 0; hosts && hosts[i]; i++) {
		unsigned char a[16];
		int ip = inet_pton(AF_INET, hosts[i], a) == 1 ||
			 inet_pton(AF_INET6, hosts[i], a) == 1;

		if ((ip ? ni : nd) >= TIMS_TLS_MAX_NAMES)
			return tims_err_set(err, TIMS_ERR_TOOBIG,
					    "tls host %s: at most %d names and %d "
					    "addresses", hosts[i],
					    TIMS_TLS_MAX_NAMES - 1,
					    TIMS_TLS_MAX_NAMES - 2);
		if (ip)
			req.ips[ni++] = hosts[i];
		else
			req.dns[nd++] = hosts[i];
	}
	rc = tims_tls_issue(&req, NULL, NULL, &cert, &key, err);
	if (!rc)
		rc = write_new(dir, "tls.key", key.buf, key.len, 0600, err);
	if (!rc)
		rc = write_new(dir, "tls.crt", cert.buf, cert.len, 0644, err);
	if (key.buf)
		sodium_memzero(key.buf, key.alloc);
	tims_buf_release(&key);
	tims_buf_release(&cert);
	return rc;
}

static tims_rc make_db(const char *dir, struct tims_err *err)
{
	char path[WITNESS_PATH_MAX];
	sqlite3 *db = NULL;
	tims_rc rc = TIMS_OK;

	if ((rc = wpath(dir, "witness.db", path, err)))
		return rc;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_EXCLUSIVE, NULL) != SQLITE_OK)
		rc = db_err(db, "create", err);
	else if (chmod(path, 0600) != 0) /* before its WAL, which takes its mode */
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: chmod: %s", path, strerror(errno));
	else if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
			      NULL, NULL, NULL) != SQLITE_OK ||
		 sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
		 sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
		 sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(db, "creating the schema", err);
	sqlite3_close(db);
	if (!rc)
		chmod(path, 0600);
	return rc;
}

tims_rc tims_witness_init(const char *dir, const char *name,
			  const char *const *tls_hosts, struct tims_err *err)
{
	return tims_witness_init_token(dir, name, tls_hosts, NULL, err);
}

tims_rc tims_witness_init_token(const char *dir, const char *name,
				const char *const *tls_hosts,
				const char *key_token, struct tims_err *err)
{
	static const char *const ours[] = { "witness.db", "witness.skey",
					    "witness.vkey", "tls.crt", "tls.key" };
	char path[WITNESS_PATH_MAX], *skey = NULL, *vkey = NULL;
	char label[TIMS_P11_LABEL_MAX + 1];
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir, strerror(errno));
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(ours); i++) {
		if ((rc = wpath(dir, ours[i], path, err)))
			return rc;
		if (access(path, F_OK) == 0)
			return tims_err_set(err, TIMS_ERR_EXISTS,
					    "%s: already holds a witness (%s)",
					    dir, ours[i]);
	}
	if ((rc = tims_note_key_label("witness", label, sizeof(label), err)) ||
	    (rc = tims_note_keygen_in(key_token, label, name,
				      TIMS_KEY_COSIGNATURE_V1, &skey, &vkey, err)))
		return rc;
	if (!(rc = write_new(dir, "witness.skey", skey, strlen(skey), 0600, err))) {
		struct tims_buf b = TIMS_BUF_INIT(KEYFILE_MAX);

		if ((rc = tims_buf_addstr(&b, vkey)) || (rc = tims_buf_addch(&b, '\n')))
			rc = tims_err_set(err, rc, "witness.vkey: %s", tims_strerror(rc));
		else
			rc = write_new(dir, "witness.vkey", b.buf, b.len, 0644, err);
		tims_buf_release(&b);
	}
	tims_note_free_secret(skey);
	free(vkey);
	if (!rc)
		rc = make_tls(dir, tls_hosts, err);
	if (!rc)
		rc = make_db(dir, err);
	if (!rc)
		rc = tims_fsync_dir_of(path, err);
	return rc;
}

/* ---- open ------------------------------------------------------------ */

static tims_rc load_keys(struct tims_witness *w, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(KEYFILE_MAX);
	char path[WITNESS_PATH_MAX];
	tims_rc rc;

	if ((rc = read_key(w->dir, "witness.vkey", &b, err)))
		goto out;
	if ((rc = tims_verifier_parse(b.buf, &w->verifier, err)))
		goto out;
	tims_buf_release(&b);
	if ((rc = wpath(w->dir, "witness.skey", path, err)))
		goto out;
	/* the key itself, or a reference to a key in a token */
	if ((rc = tims_signer_load(path, &w->signer, err)))
		goto out;
	w->has_signer = 1;
	if (w->signer.alg != TIMS_KEY_COSIGNATURE_V1 ||
	    w->signer.keyhash != w->verifier.keyhash ||
	    memcmp(w->signer.pub, w->verifier.pub, TIMS_PUBKEY_BYTES))
		rc = tims_err_set(err, TIMS_ERR_STATE,
				  "%s: witness.skey and witness.vkey are not a "
				  "cosigner key pair", w->dir);
out:
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	return rc;
}

static tims_rc open_db(struct tims_witness *w, struct tims_err *err)
{
	char path[WITNESS_PATH_MAX];
	sqlite3_stmt *st;
	int v = -1;
	tims_rc rc;

	if ((rc = wpath(w->dir, "witness.db", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: not a witness directory (no witness.db)",
				    w->dir);
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_err(w->db, "open", err);
	sqlite3_busy_timeout(w->db, 10000);
	/* WAL + FULL: COMMIT returns after the WAL is fsync'd. */
	if (sqlite3_exec(w->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_err(w->db, "setting WAL and synchronous=FULL", err);
	if (sqlite3_prepare_v2(w->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(w->db, "schema version", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v == 1) {
		if (sqlite3_exec(w->db, upgrade_1_2, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_err(w->db, "bringing witness.db to schema 2", err);
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		v = 2;
	}
	if (v != SCHEMA_VERSION)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: schema version %d, want %d", path, v,
				    SCHEMA_VERSION);
	for (int i = 0; i < WST_COUNT; i++)
		if (sqlite3_prepare_v3(w->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &w->st[i],
				       NULL) != SQLITE_OK)
			return db_err(w->db, stmt_sql[i], err);
	return TIMS_OK;
}

static tims_rc load_tls(struct tims_witness *w, struct tims_err *err)
{
	char path[WITNESS_PATH_MAX];
	tims_rc rc;

	if ((rc = wpath(w->dir, "tls.crt", path, err)) ||
	    (rc = tims_read_file(path, TIMS_TLS_PEM_MAX, &w->tls_cert, err)) ||
	    (rc = wpath(w->dir, "tls.key", path, err)))
		return rc;
	/* with a signer the key file is its to read (tims/signer.h) */
	if (tims_signer_active())
		return TIMS_OK;
	return tims_read_file(path, TIMS_TLS_PEM_MAX, &w->tls_key, err);
}

tims_rc tims_witness_open(const char *dir, struct tims_witness **out,
			  struct tims_err *err)
{
	struct tims_witness *w;
	tims_rc rc;

	*out = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	w = calloc(1, sizeof(*w));
	if (!w)
		return tims_err_set(err, TIMS_ERR_NOMEM, "witness: out of memory");
	tims_buf_init(&w->tls_cert, TIMS_TLS_PEM_MAX);
	tims_buf_init(&w->tls_key, TIMS_TLS_PEM_MAX);
	pthread_mutex_init(&w->mu, NULL);
	if (snprintf(w->dir, sizeof(w->dir), "%s", dir) >= (int)sizeof(w->dir)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "witness directory: path too long");
		goto fail;
	}
	if ((rc = open_db(w, err)) || (rc = load_keys(w, err)) ||
	    (rc = load_tls(w, err)))
		goto fail;
	*out = w;
	return TIMS_OK;
fail:
	tims_witness_free(w);
	return rc;
}

void tims_witness_free(struct tims_witness *w)
{
	if (!w)
		return;
	for (int i = 0; i < WST_COUNT; i++)
		sqlite3_finalize(w->st[i]);
	sqlite3_close(w->db);
	if (w->has_signer)
		tims_signer_release(&w->signer);
	if (w->tls_key.buf)
		sodium_memzero(w->tls_key.buf, w->tls_key.alloc);
	tims_buf_release(&w->tls_key);
	tims_buf_release(&w->tls_cert);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

const struct tims_verifier *tims_witness_verifier(const struct tims_witness *w)
{
	return &w->verifier;
}

void tims_witness_set_log(struct tims_witness *w, tims_witness_log_fn fn,
			  void *ctx)
{
	w->log = fn;
	w->log_ctx = ctx;
}

/* ---- logs ------------------------------------------------------------ */

tims_rc tims_witness_add_log(struct tims_witness *w, const char *vkey,
			     struct tims_err *err)
{
	return tims_witness_add_log_origin(w, vkey, NULL, err);
}

tims_rc tims_witness_add_log_origin(struct tims_witness *w, const char *vkey,
				    const char *origin, struct tims_err *err)
{
	char want[TIMS_NOTE_MAX_NAME + 8];
	struct tims_verifier v;
	sqlite3_stmt *st;
	int64_t nkeys = 0;
	tims_rc rc;

	if ((rc = tims_verifier_parse(vkey, &v, err)))
		return rc;
	if (origin) {
		snprintf(want, sizeof(want), "%s/audit", v.name);
		if (strcmp(origin, v.name) && strcmp(origin, want))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "origin %s: a key named %s signs only %s and %s",
					    origin, v.name, v.name, want);
	} else {
		origin = v.name;
	}
	if (v.alg != TIMS_KEY_ED25519)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "vkey %s: algorithm 0x%02x is not a log key "
				    "(want 0x01; a cosigner key signs no checkpoint)",
				    v.name, v.alg);
	pthread_mutex_lock(&w->mu);
	if ((rc = exec_st(w, WST_BEGIN, "begin", err)))
		goto out;
	st = w->st[WST_COUNT_KEYS];
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		nkeys = sqlite3_column_int64(st, 0);
	reset_st(w, WST_COUNT_KEYS);
	if (nkeys >= TIMS_WITNESS_MAX_KEYS) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG,
				  "origin %s: already %d keys", origin,
				  TIMS_WITNESS_MAX_KEYS);
		goto rollback;
	}
	st = w->st[WST_ADD_KEY];
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vkey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		int ext = sqlite3_extended_errcode(w->db);

		reset_st(w, WST_ADD_KEY);
		rc = ext == SQLITE_CONSTRAINT_UNIQUE
			     ? tims_err_set(err, TIMS_ERR_EXISTS,
					    "vkey %s+%08" PRIx32 ": already trusted for %s",
					    v.name, v.keyhash, origin)
			     : db_err(w->db, "adding the key", err);
		goto rollback;
	}
	reset_st(w, WST_ADD_KEY);
	sqlite3_bind_text(w->st[WST_ADD_LOG], 1, origin, -1, SQLITE_STATIC);
	if ((rc = exec_st(w, WST_ADD_LOG, "adding the log", err)))
		goto rollback;
	rc = exec_st(w, WST_COMMIT, "commit", err);
	if (!rc)
		witness_log(w, "trusting %s+%08" PRIx32 " for origin %s", v.name,
			    v.keyhash, origin);
	goto out;
rollback:
	exec_st(w, WST_ROLLBACK, "rollback", NULL);
out:
	pthread_mutex_unlock(&w->mu);
	return rc;
}

tims_rc tims_witness_list(struct tims_witness *w, tims_witness_list_fn fn,
			  void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = w->st[WST_LIST];
	tims_rc rc = TIMS_OK;
	int r;

	pthread_mutex_lock(&w->mu);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_witness_log l;
		const unsigned char *o = sqlite3_column_text(st, 0);
		const void *root = sqlite3_column_blob(st, 2);

		memset(&l, 0, sizeof(l));
		snprintf(l.origin, sizeof(l.origin), "%s", o ? (const char *)o : "");
		l.size = (uint64_t)sqlite3_column_int64(st, 1);
		if (root && sqlite3_column_bytes(st, 2) == TIMS_HASH_BYTES) {
			memcpy(l.root, root, TIMS_HASH_BYTES);
			l.has_root = 1;
		}
		l.cosigned_at = (uint64_t)sqlite3_column_int64(st, 3);
		l.nkeys = (unsigned)sqlite3_column_int64(st, 4);
		l.refusals = (uint64_t)sqlite3_column_int64(st, 5);
		if ((rc = fn(ctx, &l)))
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(w->db, "listing logs", err);
	reset_st(w, WST_LIST);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* ---- the add-checkpoint state machine -------------------------------- */

void tims_witness_answer_init(struct tims_witness_answer *a)
{
	memset(a, 0, sizeof(*a));
	tims_buf_init(&a->cosig, 4096);
}

void tims_witness_answer_release(struct tims_witness_answer *a)
{
	tims_buf_release(&a->cosig);
}

__attribute__((format(printf, 3, 4)))
static tims_rc answer(struct tims_witness_answer *a, int status,
		      const char *fmt, ...)
{
	va_list ap;

	a->status = status;
	va_start(ap, fmt);
	vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
	va_end(ap);
	return TIMS_OK;
}

/* The verifier keys trusted for an origin (0 if the origin is unknown). */
static tims_rc origin_keys(struct tims_witness *w, const char *origin,
			   struct tims_verifier *v, size_t *nv,
			   struct tims_err *err)
{
	sqlite3_stmt *st = w->st[WST_KEYS];
	struct tims_err kerr = { 0, "" };
	tims_rc rc = TIMS_OK;
	int r;

	*nv = 0;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *nv < TIMS_WITNESS_MAX_KEYS) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		/* A key stored by add-log parsed then; a row that no longer
		 * parses is damage, not input: stop. */
		if (!s || (rc = tims_verifier_parse(s, &v[*nv], &kerr)))
			break;
		(*nv)++;
	}
	if (!rc && r != SQLITE_ROW && r != SQLITE_DONE)
		rc = db_err(w->db, "reading keys", err);
	else if (rc || (r == SQLITE_ROW && !sqlite3_column_text(st, 0)))
		rc = tims_err_set(err, TIMS_ERR_STATE, "witness.db: a stored key "
				  "for %s does not parse: %s", origin, kerr.msg);
	reset_st(w, WST_KEYS);
	return rc;
}

/* Keep a misbehaving log's request as evidence (inside the transaction). */
static tims_rc keep_evidence(struct tims_witness *w,
			     const struct tims_witness_req *q, const char *kind,
			     const char *reason, const char *body, size_t len,
			     struct tims_err *err)
{
	sqlite3_stmt *st = w->st[WST_REFUSE];
	tims_rc rc;

	sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
	sqlite3_bind_text(st, 2, q->cp.origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)q->old_size);
	sqlite3_bind_int64(st, 5, (int64_t)q->cp.size);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, body, (int)len, SQLITE_STATIC);
	if ((rc = exec_st(w, WST_REFUSE, "keeping evidence", err)))
		return rc;
	sqlite3_bind_int64(w->st[WST_TRIM], 1, TIMS_WITNESS_MAX_REFUSALS);
	return exec_st(w, WST_TRIM, "trimming evidence", err);
}

struct stored {
	uint64_t size;
	tims_hash root;
	int has_root;
	uint64_t cosigned_at;
};

static tims_rc read_stored(struct tims_witness *w, const char *origin,
			   struct stored *s, struct tims_err *err)
{
	sqlite3_stmt *st = w->st[WST_GET];
	tims_rc rc = TIMS_OK;
	int r;

	memset(s, 0, sizeof(*s));
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const void *root = sqlite3_column_blob(st, 1);
		int64_t size = sqlite3_column_int64(st, 0);

		s->size = size > 0 ? (uint64_t)size : 0;
		if (root && sqlite3_column_bytes(st, 1) == TIMS_HASH_BYTES) {
			memcpy(s->root, root, TIMS_HASH_BYTES);
			s->has_root = 1;
		}
		s->cosigned_at = (uint64_t)sqlite3_column_int64(st, 2);
	} else if (r != SQLITE_DONE) {
		rc = db_err(w->db, "reading the log's state", err);
	}
	/* No row: a key without a log row cannot happen (add-log makes
	 * both); treat it as never cosigned. */
	reset_st(w, WST_GET);
	return rc;
}

/*
 * Inside the transaction: decide. Returns TIMS_OK with a->status set, or a
 * database/crypto error. *evidence is set to the kind of misbehaviour to
 * keep, if any.
 */
static tims_rc decide(struct tims_witness *w, const struct tims_witness_req *q,
		      const struct stored *s, struct tims_witness_answer *a,
		      const char **evidence, struct tims_err *err)
{
	struct tims_err perr = { 0, "" };
	tims_hash empty;
	sqlite3_stmt *st;
	uint64_t t;
	tims_rc rc;

	*evidence = NULL;
	if (q->old_size != s->size) {
		a->size_conflict = 1;
		a->known_size = s->size;
		if (q->cp.size < s->size)
			*evidence = "older";
		return answer(a, 409, "old size %" PRIu64 " but the witness "
			      "cosigned size %" PRIu64 " for %s%s", q->old_size,
			      s->size, q->cp.origin, q->cp.size < s->size ?
			      " (the checkpoint is older: a replay, or a log "
			      "rolled back)" : "");
	}
	tims_tlog_empty_root(empty);
	if (q->cp.size == 0 && memcmp(q->cp.root, empty, TIMS_HASH_BYTES)) {
		*evidence = "bad_proof";
		return answer(a, 422, "a tree of size 0 must have the empty root");
	}
	if (s->has_root && q->cp.size == s->size &&
	    memcmp(q->cp.root, s->root, TIMS_HASH_BYTES)) {
		*evidence = "fork";
		return answer(a, 409, "%s: size %" PRIu64 " was cosigned with "
			      "another root: the log forked", q->cp.origin,
			      s->size);
	}
	/* Never cosigned: only the empty tree comes before, and it needs no
	 * proof (RFC 9162: the empty proof, size1 = 0). */
	if (tims_tlog_verify_consistency(s->has_root ? s->size : 0, q->cp.size,
					 s->has_root ? s->root : empty, q->cp.root,
					 q->proof, q->proof_len, &perr)) {
		*evidence = "bad_proof";
		return answer(a, 422, "%s: consistency proof from size %" PRIu64
			      " to %" PRIu64 " does not verify (%s)", q->cp.origin,
			      s->size, q->cp.size, perr.msg);
	}
	/* Cosign, never at a time before the last cosignature. */
	t = (uint64_t)time(NULL);
	if (t < s->cosigned_at)
		t = s->cosigned_at;
	if ((rc = tims_cosign(&w->signer, q->parsed.text, q->parsed.textlen, t,
			      &a->cosig, err)))
		return rc;
	st = w->st[WST_CAS];
	sqlite3_bind_text(st, 1, q->cp.origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)q->cp.size);
	sqlite3_bind_blob(st, 3, q->cp.root, TIMS_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)t);
	sqlite3_bind_text(st, 5, q->note, (int)q->note_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)s->size);
	if (s->has_root)
		sqlite3_bind_blob(st, 7, s->root, TIMS_HASH_BYTES, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if ((rc = exec_st(w, WST_CAS, "storing the cosigned checkpoint", err)))
		return rc;
	if (sqlite3_changes(w->db) != 1)
		return tims_err_set(err, TIMS_ERR_STATE, "witness.db: the state of "
				    "%s changed under the transaction", q->cp.origin);
	return answer(a, 200, "cosigned %s size %" PRIu64, q->cp.origin, q->cp.size);
}

static int same_key(const struct tims_verifier *a, const struct tims_verifier *b)
{
	return a->alg == b->alg && a->keyhash == b->keyhash && !strcmp(a->name, b->name) &&
	       !memcmp(a->pub, b->pub, TIMS_PUBKEY_BYTES);
}

/*
 * Inside the transaction, once the hand-over was cosigned: the origin
 * trusts the key it hands over to, and no longer the one it hands over
 * from (docs/keys.md): a checkpoint signed by the old key alone is
 * refused from then on, as one by a key no hand-over named always was.
 */
static tims_rc follow_handover(struct tims_witness *w, const char *origin,
			       const struct tims_verifier *old, const struct tims_verifier *next,
			       struct tims_err *err)
{
	struct tims_buf ok = TIMS_BUF_INIT(512), nk = TIMS_BUF_INIT(512);
	sqlite3_stmt *st;
	tims_rc rc;

	if (tims_verifier_format(old, &ok) || tims_buf_addch(&ok, '\0') ||
	    tims_verifier_format(next, &nk) || tims_buf_addch(&nk, '\0')) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "witness: out of memory");
		goto out;
	}
	st = w->st[WST_HO_ADD];
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, nk.buf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	if ((rc = exec_st(w, WST_HO_ADD, "trusting the key handed over to", err)))
		goto out;
	st = w->st[WST_HO_DROP];
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ok.buf, -1, SQLITE_STATIC);
	rc = exec_st(w, WST_HO_DROP, "retiring the key handed over from", err);
	if (!rc)
		witness_log(w, "%s: key handed over from %s+%08" PRIx32 " to %s+%08" PRIx32,
			    origin, old->name, old->keyhash, next->name, next->keyhash);
out:
	tims_buf_release(&ok);
	tims_buf_release(&nk);
	return rc;
}

static tims_rc submit_locked(struct tims_witness *w, const char *body,
			     size_t len, struct tims_witness_req *q,
			     struct tims_witness_answer *a, struct tims_err *err)
{
	struct tims_verifier keys[TIMS_WITNESS_MAX_KEYS], ho_old, ho_new;
	struct tims_err perr = { 0, "" };
	struct tims_note *checked;
	const char *evidence = NULL;
	struct stored s;
	size_t nkeys;
	int handover = 0;
	tims_rc rc;

	if (tims_witness_parse_request(body, len, q, &perr))
		return answer(a, 400, "%s", perr.msg);
	if ((rc = origin_keys(w, q->cp.origin, keys, &nkeys, err)))
		return rc;
	if (nkeys == 0)
		return answer(a, 404, "unknown log origin %s", q->cp.origin);
	{
		char why[300];

		/* the centre's signed list, if this witness was given one */
		if (witness_revoked(w, q->cp.origin, keys, nkeys, why, sizeof(why)))
			return answer(a, 403, "%s: not cosigned", why);
	}
	checked = malloc(sizeof(*checked));
	if (!checked)
		return tims_err_set(err, TIMS_ERR_NOMEM, "witness: out of memory");
	rc = tims_note_verify(q->note, q->note_len, keys, nkeys, checked, &perr);
	free(checked);
	if (rc == TIMS_ERR_NOMEM || rc == TIMS_ERR_CRYPTO || rc == TIMS_ERR_USAGE)
		return tims_err_set(err, rc, "%s", perr.msg);
	if (rc)
		return answer(a, 403, "%s: no valid signature by a key trusted "
			      "for this origin (%s)", q->cp.origin, perr.msg);
	if (q->old_size > q->cp.size)
		return answer(a, 400, "old size %" PRIu64 " is larger than the "
			      "checkpoint's size %" PRIu64, q->old_size, q->cp.size);
	/* A key hand-over (docs/keys.md): both keys must have signed it. */
	{
		struct tims_checkpoint hcp;

		rc = tims_mlog_handover_parse(q->note, q->note_len, &hcp, &ho_old, &ho_new, &perr);
		if (rc == TIMS_OK) {
			for (size_t i = 0; i < nkeys; i++)
				handover |= same_key(&keys[i], &ho_old);
		} else if (rc != TIMS_ERR_NOTFOUND) {
			return answer(a, 403, "%s: a key hand-over that does not hold (%s)",
				      q->cp.origin, perr.msg);
		}
	}

	if ((rc = exec_st(w, WST_BEGIN, "begin", err)))
		return rc;
	if ((rc = read_stored(w, q->cp.origin, &s, err)) ||
	    (rc = decide(w, q, &s, a, &evidence, err)) ||
	    (handover && a->status == 200 &&
	     (rc = follow_handover(w, q->cp.origin, &ho_old, &ho_new, err))) ||
	    (evidence && (rc = keep_evidence(w, q, evidence, a->reason, body,
					     len, err))) ||
	    (rc = exec_st(w, WST_COMMIT, "commit", err))) {
		exec_st(w, WST_ROLLBACK, "rollback", NULL);
		tims_buf_reset(&a->cosig);
		a->status = 0;
		return rc;
	}
	return TIMS_OK;
}

tims_rc tims_witness_submit(struct tims_witness *w, const char *body,
			    size_t len, struct tims_witness_answer *a,
			    struct tims_err *err)
{
	struct tims_witness_req *q = malloc(sizeof(*q));
	tims_rc rc;

	tims_buf_reset(&a->cosig);
	a->status = 0;
	a->size_conflict = 0;
	a->known_size = 0;
	a->reason[0] = '\0';
	if (!q)
		return tims_err_set(err, TIMS_ERR_NOMEM, "witness: out of memory");
	pthread_mutex_lock(&w->mu);
	rc = submit_locked(w, body, len, q, a, err);
	witness_count(w, q->cp.origin, a->status, rc); /* metrics.c */
	pthread_mutex_unlock(&w->mu);
	if (!rc && a->status != 200 && a->status != 400 && a->status != 404)
		witness_logl(w, TIMS_LOG_WARNING, "refused %s size %" PRIu64 " (old %" PRIu64 "): %d %s",
			    q->cp.origin, q->cp.size, q->old_size, a->status, a->reason);
	else if (!rc && a->status == 200) /* routine: a post's every checkpoint */
		witness_logl(w, TIMS_LOG_DEBUG, "%s", a->reason);
	free(q);
	return rc;
}
